//! What the page's start script (`src/boot.js`) hands to the Rust side: how a new
//! worker gets flowlens's worker code, and where the address table is.
//!
//! boot.js sets `globalThis.flowlensBoot = { worker: { type, source }, geo }` before
//! the page's wasm starts. The two ways the page runs need different answers:
//! - hosted (http/https): the worker's code is a module beside the page, named by its
//!   content hash; the start script is `await import("<its absolute URL>")` in a
//!   module worker; the table is a URL on the page's own site;
//! - opened from disk (`file://`, the single-file build): a page there has an opaque
//!   origin, so it cannot start module workers from `blob:` URLs, and a worker cannot
//!   use a `blob:` URL that another context made. The start script is then the whole
//!   worker code (its JS and gzipped wasm, as text) for a classic worker, and the table
//!   is a `data:` URL.
//!
//! A worker is always started from a `blob:` URL of a *prelude* (settings it needs
//! before its code runs) followed by the start script ([`WorkerCode::script`]): a
//! `blob:` worker inherits the page's Content-Security-Policy (see
//! [`crate::blob_worker`]). The reading worker gets the
//! [`WorkerCode`] in its prelude, so that it starts its parse workers the same way.

use js_sys::Reflect;
use wasm_bindgen::prelude::*;
use web_sys::{WorkerOptions, WorkerType};

/// The global boot.js sets.
const BOOT_GLOBAL: &str = "flowlensBoot";

/// How a worker's code is started.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WorkerKind {
    /// A module worker (the hosted page: the start script imports the code).
    Module,
    /// A classic worker (from disk: the start script is the code).
    Classic,
}

/// The start script of a new worker, as boot.js describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkerCode {
    /// Module or classic worker.
    pub kind: WorkerKind,
    /// The script run after the prelude.
    pub source: String,
}

impl WorkerCode {
    /// The page's, from `flowlensBoot.worker`.
    pub fn from_page() -> Result<WorkerCode, String> {
        let worker = boot_field("worker").ok_or_else(|| {
            "the page's start script did not say where the worker's code is".to_string()
        })?;
        WorkerCode::from_js(&worker).ok_or_else(|| {
            "the page's start script described the worker's code wrongly".to_string()
        })
    }

    /// From a `{ type, source }` object (boot.js's, or a worker's prelude).
    pub fn from_js(value: &JsValue) -> Option<WorkerCode> {
        let kind = match Reflect::get(value, &"type".into())
            .ok()?
            .as_string()?
            .as_str()
        {
            "module" => WorkerKind::Module,
            "classic" => WorkerKind::Classic,
            _ => return None,
        };
        let source = Reflect::get(value, &"source".into()).ok()?.as_string()?;
        Some(WorkerCode { kind, source })
    }

    /// This description as a JS object literal (JSON text is one), for a prelude.
    pub fn to_literal(&self) -> String {
        let kind = match self.kind {
            WorkerKind::Module => "module",
            WorkerKind::Classic => "classic",
        };
        // `Value`'s Display writes JSON and cannot fail.
        format!(
            "{{\"type\":\"{kind}\",\"source\":{}}}",
            serde_json::Value::from(self.source.as_str())
        )
    }

    /// The text of the worker's script: `prelude`, then the start script.
    pub fn script(&self, prelude: &str) -> String {
        format!("{prelude}\n{}\n", self.source)
    }

    /// Options for `new Worker` (module or classic).
    pub fn options(&self) -> WorkerOptions {
        let options = WorkerOptions::new();
        options.set_type(match self.kind {
            WorkerKind::Module => WorkerType::Module,
            WorkerKind::Classic => WorkerType::Classic,
        });
        options
    }
}

/// The address table's absolute URL (`flowlensBoot.geo`): on the page's site, or a
/// `data:` URL when the page was opened from disk.
pub fn geo_url() -> Option<String> {
    boot_field("geo")?.as_string()
}

/// `globalThis.flowlensBoot[name]`, when set.
fn boot_field(name: &str) -> Option<JsValue> {
    let boot = Reflect::get(&js_sys::global(), &BOOT_GLOBAL.into()).ok()?;
    let value = Reflect::get(&boot, &name.into()).ok()?;
    (!value.is_undefined() && !value.is_null()).then_some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_literal_is_the_json_boot_js_gives() {
        let cases = [
            (
                WorkerKind::Module,
                "await import(\"http://127.0.0.1/a/w.js\");",
                r#"{"type":"module","source":"await import(\"http://127.0.0.1/a/w.js\");"}"#,
            ),
            (
                WorkerKind::Classic,
                "(f)(\"</script>\", 'x\n');",
                r#"{"type":"classic","source":"(f)(\"</script>\", 'x\n');"}"#,
            ),
        ];
        for (kind, source, want) in cases {
            let code = WorkerCode {
                kind,
                source: source.to_string(),
            };
            assert_eq!(code.to_literal(), want);
            let back: serde_json::Value = serde_json::from_str(&code.to_literal()).unwrap();
            assert_eq!(back["source"], source);
        }
    }

    #[test]
    fn the_script_is_the_prelude_then_the_start_script() {
        let code = WorkerCode {
            kind: WorkerKind::Module,
            source: "await import(\"u\");".to_string(),
        };
        assert_eq!(
            code.script("self.x = 1;"),
            "self.x = 1;\nawait import(\"u\");\n"
        );
        assert_eq!(code.script(""), "\nawait import(\"u\");\n");
    }
}
