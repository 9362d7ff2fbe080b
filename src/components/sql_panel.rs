//! "Run this at scale": the analysis on the page as SQL for Athena, Dremio or DuckDB,
//! with the page's current parameters (range, address, service port, k, baseline
//! mode), generated here by the core ([`flowlens_core::analysis::sql`]), with a Copy button.
//! Which engine is shown and DuckDB's input path are view state, kept here. When a
//! finding of the hunt is open, its query follows
//! ([`flowlens_core::analysis::sql_findings`]), with what SQL cannot do in its caveat.

use std::net::IpAddr;
use std::rc::Rc;

use wasm_bindgen::{JsCast, JsValue};
use web_sys::{HtmlInputElement, HtmlTextAreaElement};
use yew::prelude::*;

use crate::protocol::Analysis;
use flowlens_core::analysis::sql::{script, Engine, SqlParams};
use flowlens_core::analysis::sql_findings::findings_script;
use flowlens_core::analysis::TimeRange;
use flowlens_core::hunt::Finding;

/// Props of [`SqlPanel`].
#[derive(Properties, PartialEq)]
pub struct SqlPanelProps {
    /// The analysis whose parameters the SQL carries.
    pub analysis: Rc<Analysis>,
    /// The finding open in the findings panel, whose query is shown too.
    #[prop_or_default]
    pub finding: Option<Finding>,
}

/// The parameters of the analysis shown, or why there are none yet.
fn params(analysis: &Analysis, files: &str) -> Result<SqlParams, &'static str> {
    let r = &analysis.report;
    let suspect: IpAddr = r
        .suspect
        .as_deref()
        .and_then(|s| s.parse().ok())
        .ok_or("No address is being explained yet: pick one in the sources or the ranking.")?;
    let verdict = r
        .verdict
        .as_ref()
        .ok_or("No verdict yet for this address.")?;
    let port = verdict
        .service_port
        .ok_or("No service port was detected: type one in question 5.")?;
    let mut params = SqlParams::new(analysis.request.range.time_range(), suspect, port);
    params.k = verdict.k;
    params.include_suspect_in_baseline = !verdict.baseline.excludes_suspect;
    if let Some(span) = &r.span {
        params.session_gap_secs = span.session_gap_secs;
    }
    if !files.trim().is_empty() {
        params.files = files.trim().to_string();
    }
    Ok(params)
}

/// The promise of `navigator.clipboard.writeText(text)`, or `None` when the browser
/// has no Clipboard API (the text is then only selected, for Ctrl+C).
fn write_clipboard(text: &str) -> Option<js_sys::Promise> {
    // NOTE: through Reflect, to need no extra web-sys features.
    let window = web_sys::window()?;
    let navigator = js_sys::Reflect::get(&window, &JsValue::from_str("navigator")).ok()?;
    let clipboard = js_sys::Reflect::get(&navigator, &JsValue::from_str("clipboard"))
        .ok()
        .filter(|c| !c.is_undefined() && !c.is_null())?;
    let write = js_sys::Reflect::get(&clipboard, &JsValue::from_str("writeText"))
        .ok()?
        .dyn_into::<js_sys::Function>()
        .ok()?;
    write
        .call1(&clipboard, &JsValue::from_str(text))
        .ok()?
        .dyn_into::<js_sys::Promise>()
        .ok()
}

/// Selects the text of the text area so that Ctrl+C copies it.
fn select_text(area: &NodeRef) {
    if let Some(area) = area.cast::<HtmlTextAreaElement>() {
        area.select();
    }
}

/// The panel.
#[function_component(SqlPanel)]
pub fn sql_panel(props: &SqlPanelProps) -> Html {
    let engine = use_state(|| Engine::DuckDb);
    let files = use_state(|| SqlParams::DEFAULT_FILES.to_string());
    let copied = use_state(|| None::<bool>);
    let area = use_node_ref();
    let params = params(&props.analysis, &files);
    let text = params.as_ref().map(|p| script(*engine, p)).ok();
    {
        // "Copied." speaks of the text that was copied, not of a newer one.
        let copied = copied.clone();
        use_effect_with(text.clone(), move |_| copied.set(None));
    }

    let tabs = Engine::ALL.into_iter().map(|e| {
        let selected = e == *engine;
        let onclick = {
            let engine = engine.clone();
            let copied = copied.clone();
            Callback::from(move |_: MouseEvent| {
                engine.set(e);
                copied.set(None);
            })
        };
        html! {
            <button type="button" role="tab" class={classes!("tab", selected.then_some("selected"))}
                aria-selected={selected.to_string()} data-testid={format!("sql-engine-{}", e.id())}
                onclick={onclick}>
                { e.label() }
            </button>
        }
    });
    let on_copy = {
        let text = text.clone();
        let copied = copied.clone();
        let area = area.clone();
        Callback::from(move |_: MouseEvent| {
            let Some(text) = &text else {
                return;
            };
            select_text(&area);
            match write_clipboard(text) {
                Some(promise) => {
                    let copied = copied.clone();
                    wasm_bindgen_futures::spawn_local(async move {
                        // A refusal (no permission) is an answer, not an error.
                        let done = wasm_bindgen_futures::JsFuture::from(promise).await.is_ok();
                        copied.set(Some(done));
                    });
                }
                None => copied.set(Some(false)),
            }
        })
    };
    let on_files = {
        let files = files.clone();
        Callback::from(move |event: InputEvent| {
            let input: HtmlInputElement = event.target_unchecked_into();
            files.set(input.value());
        })
    };
    let p = params.as_ref().ok();
    let finding_text = props.finding.as_ref().map(|f| {
        let mut params = SqlParams::new(TimeRange::ALL, IpAddr::from([0, 0, 0, 0]), 0);
        if !files.trim().is_empty() {
            params.files = files.trim().to_string();
        }
        findings_script(*engine, &params, std::slice::from_ref(f), 1)
    });
    html! {
        <section class="panel sql-panel" data-testid="sql-panel" data-engine={engine.id()}
            data-suspect={p.map(|p| p.suspect.to_string())}
            data-port={p.map(|p| p.service_port.to_string())}
            data-k={p.map(|p| p.k.to_string())}
            data-range-from={p.and_then(|p| p.range.from).map(|s| s.to_string())}
            data-range-to={p.and_then(|p| p.range.to).map(|s| s.to_string())}
            data-baseline={p.map(|p| if p.include_suspect_in_baseline { "with-suspect" } else { "without-suspect" })}>
            <h2>{ "Run this at scale" }</h2>
            <p class="hint">
                { "The same five questions as SQL, with this page's range, address, service port, k and baseline. \
                   When your logs outgrow a browser tab, run it where they are: Athena over the flow-log table AWS \
                   documents, Dremio over the S3 folder, or DuckDB on the files themselves. It gives the numbers this page gives \
                   (Athena's median, MAD and p99 are estimates). Nothing is sent anywhere: copy it yourself." }
            </p>
            <div class="tabs" role="tablist">{ for tabs }</div>
            if *engine == Engine::DuckDb {
                <label class="sql-files">
                    <span>{ "Files for read_csv (path or glob)" }</span>
                    <input type="text" data-testid="sql-files" value={(*files).clone()} oninput={on_files} />
                </label>
            }
            {
                match (&text, &params) {
                    (Some(text), _) => html! {
                        <>
                            <div class="sql-actions">
                                <button type="button" class="button" data-testid="sql-copy" onclick={on_copy}>{ "Copy" }</button>
                                <span class="status" aria-live="polite" data-testid="sql-copy-status">{
                                    match *copied {
                                        Some(true) => "Copied.",
                                        Some(false) => "Selected: press Ctrl+C (Cmd+C) to copy.",
                                        None => "",
                                    }
                                }</span>
                            </div>
                            <textarea class="sql" data-testid="sql-text" readonly=true spellcheck="false"
                                aria-label={format!("The SQL for {}", engine.label())} rows="24" ref={area} value={text.clone()} />
                        </>
                    },
                    (None, Err(why)) => html! { <p class="empty" data-testid="sql-missing">{ *why }</p> },
                    (None, Ok(_)) => html! {},
                }
            }
            if let (Some(text), Some(f)) = (finding_text, &props.finding) {
                <h3>{ format!("The open finding ({}) as SQL", f.kind.label()) }</h3>
                <textarea class="sql" data-testid="sql-finding" readonly=true spellcheck="false"
                    aria-label={format!("The SQL of the open finding for {}", engine.label())} rows="16" value={text} />
            }
        </section>
    }
}
