//! The worker's address table: fetched from the page's own origin when the first files
//! are given (so that it arrives while they are read) or the first analysis is asked
//! for, never before (a page that is only opened loads nothing more), then kept for
//! the worker's life. When it cannot be had (missing file, damaged
//! bytes), the analyses go on without it and say why.

use std::rc::Rc;

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::DedicatedWorkerGlobalScope;

use super::reading::describe;
use crate::protocol::GeoStatus;
use flowlens_core::geo::GeoDb;

/// Where the table stands.
#[derive(Default)]
pub(super) enum GeoState {
    /// Not fetched yet, and no URL from the page to fetch it from.
    #[default]
    NoSource,
    /// Not fetched yet; fetched from this URL with the first files or analysis.
    Idle(String),
    /// Being fetched; analyses asked for meanwhile wait.
    Loading,
    /// Loaded and checked.
    Loaded(Rc<GeoDb>),
    /// Could not be had: why, for the user.
    Unavailable(String),
}

impl GeoState {
    /// The table to annotate with, and what to tell the page about it.
    pub(super) fn answer(&self) -> (Option<Rc<GeoDb>>, GeoStatus) {
        match self {
            GeoState::Loaded(db) => (
                Some(Rc::clone(db)),
                GeoStatus::Loaded {
                    database: db.database(),
                },
            ),
            GeoState::Unavailable(reason) => (
                None,
                GeoStatus::Unavailable {
                    reason: reason.clone(),
                },
            ),
            GeoState::NoSource | GeoState::Idle(_) | GeoState::Loading => (None, GeoStatus::None),
        }
    }
}

/// Fetches and checks the table at `url`.
pub(super) async fn fetch(scope: &DedicatedWorkerGlobalScope, url: &str) -> GeoState {
    match fetch_bytes(scope, url).await {
        Ok(bytes) => match GeoDb::from_bytes(&bytes) {
            Ok(db) => GeoState::Loaded(Rc::new(db)),
            Err(err) => GeoState::Unavailable(format!("the address table is unusable: {err}")),
        },
        Err(err) => GeoState::Unavailable(format!("the address table could not be loaded: {err}")),
    }
}

async fn fetch_bytes(scope: &DedicatedWorkerGlobalScope, url: &str) -> Result<Vec<u8>, String> {
    let response = JsFuture::from(scope.fetch_with_str(url))
        .await
        .map_err(|e| describe(&e))?;
    let response: web_sys::Response = response
        .dyn_into()
        .map_err(|_| "the fetch gave no response".to_string())?;
    if !response.ok() {
        return Err(format!(
            "the server answered {} {}",
            response.status(),
            response.status_text()
        ));
    }
    let promise = response.array_buffer().map_err(|e| describe(&e))?;
    let buffer = JsFuture::from(promise).await.map_err(|e| describe(&e))?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}
