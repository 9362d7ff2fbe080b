//! "What happened?": the hunt's findings, right after "What was read". The incident
//! timeline puts every finding on one time axis (with its steps written out beside it
//! for screen readers and for reading), the ranked list follows, and opening a finding
//! shows its evidence — its figures and the sessions behind it — and sets the range
//! and the address to it, so the panels below explain it.
//!
//! The findings come once per data set (they do not depend on the range) and are
//! bounded by the core: at most a hundred per kind, each with at most twenty sessions.

use std::rc::Rc;

use serde_json::Value;
use wasm_bindgen::JsCast;
use web_sys::HtmlCanvasElement;
use yew::prelude::*;

use crate::charts::incident;
use crate::format;
use crate::hooks::use_window_width;
use crate::protocol::Findings;
use flowlens_core::hunt::{Finding, Kind, SessionOut, Severity};

/// Rows of the ranked list shown; the report (Download JSON) has every finding listed.
const MAX_ROWS: usize = 200;

/// Props of [`FindingsPanel`].
#[derive(Properties, PartialEq)]
pub struct FindingsPanelProps {
    /// The findings, when the hunt has answered.
    pub findings: Option<Rc<Findings>>,
    /// `hunting` or `ready` (see `State::findings_state`).
    pub state: &'static str,
    /// The finding opened (its index).
    pub opened: Option<usize>,
    /// A finding was opened.
    pub on_open: Callback<usize>,
    /// The evidence was closed.
    pub on_close: Callback<()>,
}

/// The findings on the incident timeline: the medium and high ones, or the low ones
/// when there is nothing else.
fn drawn(findings: &[Finding]) -> Vec<&Finding> {
    let urgent: Vec<&Finding> = findings
        .iter()
        .filter(|f| f.severity >= Severity::Medium)
        .collect();
    if urgent.is_empty() {
        findings.iter().collect()
    } else {
        urgent
    }
}

/// Rows of the incident timeline (one per kind drawn, 1–8).
fn incident_rows(drawn: &[&Finding]) -> usize {
    flowlens_core::charts::incident::rows(drawn).len().max(1)
}

/// The incident's steps in the order they happened: the first drawn finding of each
/// kind.
fn steps<'a>(drawn: &[&'a Finding]) -> Vec<&'a Finding> {
    let mut firsts: Vec<&Finding> = Kind::ALL
        .into_iter()
        .filter_map(|k| {
            drawn
                .iter()
                .filter(|f| f.kind == k)
                .min_by_key(|f| f.first)
                .copied()
        })
        .collect();
    firsts.sort_by_key(|f| (f.first, f.kind));
    firsts
}

/// `172.30.2.47 → 203.0.113.45:443` (the destination side only when there is one).
fn parties(f: &Finding) -> String {
    match (&f.dst, f.dst_port) {
        (Some(dst), Some(port)) => format!("{} → {dst}:{port}", f.src),
        (Some(dst), None) => format!("{} → {dst}", f.src),
        (None, Some(port)) => format!("{} → many hosts :{port}", f.src),
        (None, None) => format!("{} → many hosts", f.src),
    }
}

/// The findings panel.
#[function_component(FindingsPanel)]
pub fn findings_panel(props: &FindingsPanelProps) -> Html {
    let canvas = use_node_ref();
    let window_width = use_window_width();
    // The list is one stop of the Tab key (a roving tabindex): the arrow keys move
    // between its Open buttons, so the controls after it stay a few presses away.
    let focus_row = use_state(|| 0_usize);
    let tbody = use_node_ref();
    {
        let canvas = canvas.clone();
        use_effect_with(
            (props.findings.clone(), window_width),
            move |(findings, _)| {
                if let (Some(element), Some(f)) = (canvas.cast::<HtmlCanvasElement>(), findings) {
                    if let Err(err) = incident::draw(&element, &drawn(&f.hunt.findings)) {
                        web_sys::console::error_1(&format!("incident timeline: {err}").into());
                    }
                }
            },
        );
    }
    let body = match (&props.findings, props.state) {
        (Some(f), "ready") => ready(props, f, &canvas, &List { focus_row, tbody }),
        _ => html! {
            <p class="lead" aria-live="polite">
                { "Hunting the whole data set for scans, brute force, exfiltration, beacons and calls out…" }
            </p>
        },
    };
    html! {
        <section class="panel findings" data-testid="findings" data-state={props.state}>
            <h2>{ "What happened? Findings" }</h2>
            { body }
        </section>
    }
}

/// The ranked list's view state: which row's button takes the Tab stop, and the body
/// whose buttons the arrow keys focus.
struct List {
    focus_row: UseStateHandle<usize>,
    tbody: NodeRef,
}

/// The row the arrow key `key` moves to from `at`, among `rows` (`None`: not a key
/// of the list).
fn next_row(key: &str, at: usize, rows: usize) -> Option<usize> {
    let last = rows.checked_sub(1)?;
    match key {
        "ArrowDown" => Some((at + 1).min(last)),
        "ArrowUp" => Some(at.saturating_sub(1).min(last)),
        "Home" => Some(0),
        "End" => Some(last),
        _ => None,
    }
}

fn ready(props: &FindingsPanelProps, f: &Findings, canvas: &NodeRef, view: &List) -> Html {
    let hunt = &f.hunt;
    let count = |s: Severity| hunt.findings.iter().filter(|f| f.severity == s).count() as u64;
    let drawn = drawn(&hunt.findings);
    let steps = steps(&drawn);
    let listed = hunt.findings.len();
    let found = hunt.found();
    let summary = format!(
        "{} found over the whole data ({} high, {} medium, {} low listed){}. Open one to see its evidence and to set the range and address below to it.",
        format::int(found),
        format::int(count(Severity::High)),
        format::int(count(Severity::Medium)),
        format::int(count(Severity::Low)),
        if (listed as u64) < found {
            format!("; {} listed, the strongest of each kind", format::int(listed as u64))
        } else {
            String::new()
        },
    );
    let chart_label = format!(
        "Incident timeline of {} findings; the steps are listed after the chart.",
        format::int(drawn.len() as u64)
    );
    html! {
        <>
            <p class="hint">{ summary }</p>
            for limit in hunt.limits.iter() { <p class="hint limit">{ limit }</p> }
            if !hunt.findings.is_empty() {
                <figure class="incident">
                    // NOTE: the height by a class per row count (styles/main.css), not a
                    // style attribute: the page's CSP refuses inline styles.
                    <canvas ref={canvas.clone()} role="img"
                        class={classes!("chart", "incident-chart", format!("rows-{}", incident_rows(&drawn)))}
                        aria-label={chart_label} data-testid="incident-chart"></canvas>
                    <figcaption>
                        <ol class="incident-steps" data-testid="incident-steps">
                            for s in steps.iter() {
                                <li data-kind={s.kind.as_str()}>
                                    <time>{ format::utc(s.first) }</time>{ " " }
                                    <span class={classes!("severity", s.severity.as_str())}>{ s.kind.label() }</span>
                                    { format!(" — {}", parties(s)) }
                                </li>
                            }
                        </ol>
                    </figcaption>
                </figure>
                { list(props, hunt.findings.as_slice(), view) }
            }
            if let Some(finding) = props.opened.and_then(|i| hunt.findings.get(i)) {
                { evidence(finding, &props.on_close) }
            }
        </>
    }
}

fn list(props: &FindingsPanelProps, findings: &[Finding], view: &List) -> Html {
    let shown = findings.len().min(MAX_ROWS);
    let tab_row = (*view.focus_row).min(shown.saturating_sub(1));
    let onkeydown = {
        let focus_row = view.focus_row.clone();
        let tbody = view.tbody.clone();
        Callback::from(move |event: KeyboardEvent| {
            let Some(row) = next_row(&event.key(), *focus_row, shown) else {
                return;
            };
            event.prevent_default();
            focus_row.set(row);
            let button = tbody
                .cast::<web_sys::Element>()
                .and_then(|b| {
                    b.query_selector(&format!("button[data-row=\"{row}\"]"))
                        .ok()
                        .flatten()
                })
                .and_then(|b| b.dyn_into::<web_sys::HtmlElement>().ok());
            if let Some(button) = button {
                let _ = button.focus();
            }
        })
    };
    html! {
        <>
            <div class="table-scroll">
                <table data-testid="findings-table">
                    <caption class="visually-hidden">{ "Findings, most urgent first: Tab reaches the list, the arrow keys move between its Open buttons." }</caption>
                    <thead><tr>
                        <th class="num-h">{ "#" }</th><th>{ "Severity" }</th><th>{ "Kind" }</th>
                        <th>{ "First (UTC)" }</th><th>{ "Who" }</th><th>{ "What" }</th><th></th>
                    </tr></thead>
                    <tbody ref={view.tbody.clone()} onkeydown={onkeydown}>
                        for (i, f) in findings.iter().take(MAX_ROWS).enumerate() {
                            {{
                                let open = props.opened == Some(i);
                                let onclick = props.on_open.reform(move |_: MouseEvent| i);
                                let onfocus = {
                                    let focus_row = view.focus_row.clone();
                                    Callback::from(move |_: FocusEvent| focus_row.set(i))
                                };
                                html! {
                                    <tr key={i} data-kind={f.kind.as_str()} data-src={f.src.clone()}
                                        data-first={f.first.to_string()} class={classes!(open.then_some("selected"))}>
                                        <td class="num">{ i + 1 }</td>
                                        <td><span class={classes!("severity", f.severity.as_str())}>{ f.severity.as_str() }</span></td>
                                        <td>{ f.kind.label() }</td>
                                        <td class="time">{ format::short_utc_opt(Some(f.first)) }</td>
                                        <td class="addr">{ parties(f) }</td>
                                        <td class="summary-text">{ &f.summary }</td>
                                        <td><button type="button" class="open-finding" aria-pressed={open.to_string()}
                                            data-row={i.to_string()} tabindex={if i == tab_row { "0" } else { "-1" }} onfocus={onfocus}
                                            aria-label={format!("Open finding {}: {} by {}", i + 1, f.kind.label(), f.src)}
                                            onclick={onclick}>{ "Open" }</button></td>
                                    </tr>
                                }
                            }}
                        }
                    </tbody>
                </table>
            </div>
            if findings.len() > MAX_ROWS {
                <p class="hint">{ format!(
                    "… and {} more in the report (Download JSON, findings).",
                    format::int((findings.len() - MAX_ROWS) as u64)
                ) }</p>
            }
        </>
    }
}

/// A detail value in words: integers with separators, fractions to three decimals,
/// lists of `{port|addr, sessions}` as `3306 (177)`.
fn value_words(value: &Value) -> String {
    match value {
        Value::Bool(b) => if *b { "yes" } else { "no" }.to_string(),
        Value::Number(n) => match (n.as_u64(), n.as_f64()) {
            (Some(u), _) => format::int(u),
            (None, Some(x)) => format::float(x, 3),
            _ => n.to_string(),
        },
        Value::String(s) => s.clone(),
        Value::Array(items) => items
            .iter()
            .map(|item| match item {
                Value::Object(o) => {
                    // A port is a name, not a count: no thousands separator.
                    let name = o
                        .iter()
                        .find(|(k, _)| *k != "sessions")
                        .map(|(k, v)| match v {
                            Value::Number(n) if k == "port" => n.to_string(),
                            _ => value_words(v),
                        })
                        .unwrap_or_default();
                    match o.get("sessions") {
                        Some(n) => format!("{name} ({})", value_words(n)),
                        None => name,
                    }
                }
                other => value_words(other),
            })
            .collect::<Vec<_>>()
            .join(", "),
        Value::Null => "–".to_string(),
        Value::Object(_) => value.to_string(),
    }
}

/// The kind's figures as `(name, value)` rows, from the report's own field names.
fn figures(f: &Finding) -> Vec<(String, String)> {
    let Ok(Value::Object(outer)) = serde_json::to_value(&f.evidence.detail) else {
        return Vec::new();
    };
    outer
        .into_iter()
        .flat_map(|(_, inner)| match inner {
            Value::Object(fields) => fields.into_iter().collect::<Vec<_>>(),
            _ => Vec::new(),
        })
        .map(|(k, v)| (k.replace('_', " "), value_words(&v)))
        .collect()
}

fn session_row(s: &SessionOut) -> Html {
    html! {
        <tr>
            <td class="time">{ format::short_utc_opt(Some(s.start)) }</td>
            <td class="num">{ format::duration(s.end.saturating_sub(s.start)) }</td>
            <td class="addr">{ format!("{}:{}", s.src, s.srcport) }</td>
            <td class="addr">{ format!("{}:{}", s.dst, s.dstport) }</td>
            <td>{ s.protocol }</td>
            <td class="num">{ format::bytes(s.bytes_out) }</td>
            <td class="num">{ format::bytes(s.bytes_back) }</td>
            <td>{ &s.action }</td>
            <td class="num">{ s.records }</td>
        </tr>
    }
}

fn evidence(f: &Finding, on_close: &Callback<()>) -> Html {
    let e = &f.evidence;
    let close = on_close.reform(|_: MouseEvent| ());
    html! {
        <div class="evidence" data-testid="evidence" data-kind={f.kind.as_str()} aria-live="polite">
            <h3>{ format!("Evidence: {} ({}), {}", f.kind.label(), f.severity.as_str(), parties(f)) }</h3>
            <p>{ &f.summary }</p>
            <p class="hint">{ format!(
                "From {} to {}; score {}. The panels below now show its range and address.",
                format::utc(f.first), format::utc(f.last), format::float(f.score, 3)
            ) }</p>
            <table class="figures" data-testid="evidence-figures">
                <tbody>
                    for (name, value) in figures(f) {
                        <tr><th scope="row">{ name }</th><td>{ value }</td></tr>
                    }
                </tbody>
            </table>
            <p class="hint">{ format!(
                "{} of {} sessions shown ({} flow-log records behind them all).",
                format::int(e.sessions.len() as u64),
                format::int(e.sessions_total),
                format::int(e.records_total),
            ) }</p>
            if !e.sessions.is_empty() {
                <div class="table-scroll short">
                    <table data-testid="evidence-sessions">
                        <thead><tr>
                            <th>{ "Start (UTC)" }</th><th class="num-h">{ "Lasted" }</th><th>{ "From" }</th>
                            <th>{ "To" }</th><th>{ "Proto" }</th><th class="num-h">{ "Bytes out" }</th>
                            <th class="num-h">{ "Bytes back" }</th><th>{ "Action" }</th><th class="num-h">{ "Records" }</th>
                        </tr></thead>
                        <tbody>
                            for s in e.sessions.iter() { { session_row(s) } }
                        </tbody>
                    </table>
                </div>
            }
            <button type="button" class="close-evidence" onclick={close}>{ "Close the evidence" }</button>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowlens_core::hunt::{Detail, Evidence, PortCount, ScanDetail};

    fn scan(first: u32, severity: Severity) -> Finding {
        Finding {
            kind: Kind::Scan,
            severity,
            src: "201.48.16.77".into(),
            dst: None,
            dst_port: Some(3306),
            first,
            last: first + 100,
            score: 0.5,
            summary: String::new(),
            evidence: Evidence {
                detail: Detail::Scan(ScanDetail {
                    rules: vec!["zeek_ports".into()],
                    trw_lambda: 0.25,
                    failed_sessions: 1234,
                    answered_sessions: 0,
                    distinct_hosts: 1,
                    distinct_targets: 300,
                    distinct_ports: 300,
                    max_ports_one_host_5min: 299,
                    max_hosts_one_port_5min: 1,
                    top_ports: vec![
                        PortCount {
                            port: 22,
                            sessions: 3,
                        },
                        PortCount {
                            port: 3306,
                            sessions: 177,
                        },
                    ],
                    top_hosts: Vec::new(),
                }),
                sessions: Vec::new(),
                sessions_total: 0,
                records_total: 0,
            },
        }
    }

    #[test]
    fn the_arrow_keys_move_within_the_list() {
        assert_eq!(next_row("ArrowDown", 0, 3), Some(1));
        assert_eq!(next_row("ArrowDown", 2, 3), Some(2));
        assert_eq!(next_row("ArrowUp", 0, 3), Some(0));
        assert_eq!(next_row("ArrowUp", 2, 3), Some(1));
        assert_eq!(next_row("Home", 2, 3), Some(0));
        assert_eq!(next_row("End", 0, 3), Some(2));
        assert_eq!(next_row("Enter", 0, 3), None);
        assert_eq!(next_row("ArrowDown", 0, 0), None);
    }

    #[test]
    fn figures_are_the_details_fields_in_words() {
        let rows = figures(&scan(0, Severity::Low));
        let get = |name: &str| {
            rows.iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(get("failed sessions"), Some("1,234"));
        assert_eq!(get("trw lambda"), Some("0.250"));
        assert_eq!(get("top ports"), Some("22 (3), 3306 (177)"));
        assert_eq!(get("rules"), Some("zeek_ports"));
        assert_eq!(get("top hosts"), Some(""));
        assert_eq!(rows.len(), 11);
    }

    #[test]
    fn the_timeline_draws_the_urgent_findings_and_lists_each_kinds_first() {
        let all = [
            scan(500, Severity::Low),
            scan(300, Severity::Medium),
            scan(200, Severity::Medium),
        ];
        let d = drawn(&all);
        assert_eq!(d.len(), 2);
        let s = steps(&d);
        assert_eq!(s.iter().map(|f| f.first).collect::<Vec<_>>(), vec![200]);
        // Only low ones: they are drawn.
        assert_eq!(drawn(&all[..1]).len(), 1);
    }
}
