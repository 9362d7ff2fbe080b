//! flowlens in your own page: the core as an ES module.
//!
//! ```js
//! import init, { Flowlens } from './flowlens.js';
//! await init();
//! const fl = new Flowlens();
//! await fl.read(input.files);            // File objects, or {name, bytes} objects
//! const report = fl.analyze({ window: '2020-09-16T02:00:00Z', k: 3 });
//! console.log(report.verdict.outcome, report.verdict.above.bytes_avg);
//! ```
//!
//! Everything runs in the page that imports it; nothing is sent anywhere. Options and
//! results are plain JS objects: the options are [`QueryOptions`] (camelCase: `window`,
//! `from`, `to`, `suspect`, `servicePort`, `k`, `known`, `includeSuspectInBaseline`,
//! `top`), the report is the same [`flowlens_core::analysis::Report`] as
//! `flowlens analyze --json` prints, key for key (with the hunt's `findings`). Errors are thrown as `Error`s with a
//! message for people; problems in the files are diagnostics in the summary, never
//! errors.

use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use flowlens_core::analysis::{analyze, QueryOptions};
use flowlens_core::flow::{read_bytes, Dataset, Diagnostic, ReadOptions};
use flowlens_core::hunt::{hunt, HuntOptions};

/// What [`Flowlens::read`] and [`Flowlens::summary`] return.
#[derive(Serialize)]
struct Summary<'a> {
    files: u64,
    records: u64,
    nodata: u64,
    skipdata: u64,
    bytes_read: u64,
    /// The first diagnostics (at most 1,000), with `diagnostics_total` counting all.
    diagnostics: &'a [Diagnostic],
    diagnostics_total: u64,
}

/// The keys of an options object ([`QueryOptions`], camelCase).
const OPTIONS: [&str; 9] = [
    "window",
    "from",
    "to",
    "suspect",
    "servicePort",
    "k",
    "known",
    "includeSuspectInBaseline",
    "top",
];

/// Diagnostics a summary lists at most.
const MAX_DIAGNOSTICS: usize = 1000;

fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsError> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| JsError::new(&format!("flowlens: the result could not be made: {e}")))
}

/// A data set of flow logs and the analyses of it.
#[wasm_bindgen]
#[derive(Default)]
pub struct Flowlens {
    dataset: Dataset,
}

#[wasm_bindgen]
impl Flowlens {
    /// An empty data set.
    #[wasm_bindgen(constructor)]
    pub fn new() -> Flowlens {
        Flowlens::default()
    }

    /// Reads files into the data set: a `FileList`, an array of `File`s, or of
    /// `{ name, bytes }` objects (`bytes` a `Uint8Array` or `ArrayBuffer`). gzip and
    /// the record format are recognised by content. Returns the summary.
    pub async fn read(&mut self, files: JsValue) -> Result<JsValue, JsError> {
        let list = js_sys::Array::from(&files);
        for item in list.iter() {
            let (name, bytes) = match item.dyn_ref::<web_sys::File>() {
                Some(file) => {
                    let buffer = wasm_bindgen_futures::JsFuture::from(file.array_buffer())
                        .await
                        .map_err(|e| {
                            JsError::new(&format!(
                                "flowlens: {} could not be read: {e:?}",
                                file.name()
                            ))
                        })?;
                    (file.name(), js_sys::Uint8Array::new(&buffer).to_vec())
                }
                None => {
                    let name = js_sys::Reflect::get(&item, &"name".into())
                        .ok()
                        .and_then(|n| n.as_string())
                        .ok_or_else(|| JsError::new("flowlens: each file needs a name"))?;
                    let bytes = js_sys::Reflect::get(&item, &"bytes".into())
                        .map_err(|_| JsError::new("flowlens: each file needs bytes"))?;
                    (name, js_sys::Uint8Array::new(&bytes).to_vec())
                }
            };
            self.read_bytes(&name, &bytes);
        }
        self.summary()
    }

    /// Reads one file's bytes into the data set.
    #[wasm_bindgen(js_name = readBytes)]
    pub fn read_bytes(&mut self, name: &str, bytes: &[u8]) {
        read_bytes(&mut self.dataset, name, bytes, &ReadOptions::default());
    }

    /// What was read so far: files, records, NODATA, SKIPDATA, bytes and diagnostics.
    pub fn summary(&self) -> Result<JsValue, JsError> {
        let d = &self.dataset;
        to_js(&Summary {
            files: d.files.len() as u64,
            records: d.records(),
            nodata: d.nodata(),
            skipdata: d.skipdata(),
            bytes_read: d.bytes_read(),
            diagnostics: &d.diagnostics[..d.diagnostics.len().min(MAX_DIAGNOSTICS)],
            diagnostics_total: d.diagnostics.len() as u64,
        })
    }

    /// Answers the five questions for `options` (see the module's documentation;
    /// `undefined` or `{}` for the whole data and the top-ranked suspect). Returns the
    /// report `flowlens analyze --json` prints.
    pub fn analyze(&self, options: JsValue) -> Result<JsValue, JsError> {
        let options: QueryOptions = if options.is_undefined() || options.is_null() {
            QueryOptions::default()
        } else {
            // NOTE: serde-wasm-bindgen reads only the keys it knows, so a misspelt
            // option would pass silently: the keys are checked here.
            if let Some(object) = options.dyn_ref::<js_sys::Object>() {
                for key in js_sys::Object::keys(object).iter() {
                    let key = key.as_string().unwrap_or_default();
                    if !OPTIONS.contains(&key.as_str()) {
                        return Err(JsError::new(&format!(
                            "flowlens: bad options: unknown field `{key}`, expected one of {}",
                            OPTIONS.join(", ")
                        )));
                    }
                }
            }
            serde_wasm_bindgen::from_value(options)
                .map_err(|e| JsError::new(&format!("flowlens: bad options: {e}")))?
        };
        let query = options
            .query()
            .map_err(|e| JsError::new(&format!("flowlens: bad options: {e}")))?;
        let mut report = analyze(&self.dataset, &query);
        // As `flowlens analyze` does: the hunt's findings over the whole data.
        let hunt_options = HuntOptions {
            known: query.known.clone(),
            ..HuntOptions::default()
        };
        report.findings = hunt(&self.dataset, &hunt_options).findings;
        to_js(&report)
    }

    /// Forgets everything read.
    pub fn clear(&mut self) {
        self.dataset = Dataset::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The keys checked by hand are exactly the options the core takes.
    #[test]
    fn the_option_keys_are_the_query_options() {
        let all: String = OPTIONS
            .iter()
            .map(|k| match *k {
                "known" => format!("\"{k}\": []"),
                "includeSuspectInBaseline" => format!("\"{k}\": true"),
                "servicePort" | "k" | "top" => format!("\"{k}\": 1"),
                _ => format!("\"{k}\": \"1\""),
            })
            .collect::<Vec<_>>()
            .join(", ");
        let parsed: QueryOptions = serde_json::from_str(&format!("{{{all}}}")).unwrap();
        assert_eq!(parsed.top, Some(1));
        // A key QueryOptions does not know is refused there too.
        assert!(serde_json::from_str::<QueryOptions>(r#"{"windw": "1"}"#).is_err());
    }
}
