//! Question 5, "is that abnormal?": the outcome, its sentence and every number it rests
//! on, with the service port and k as inputs.

use std::rc::Rc;

use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::protocol::Analysis;
use flowlens_core::export::markdown::verdict_rows;

/// Fewer baseline flows than this get a warning (σ of a small sample is unreliable).
const FEW_BASELINE_FLOWS: u64 = 100;

/// Props of [`VerdictPanel`].
#[derive(Properties, PartialEq)]
pub struct VerdictPanelProps {
    /// The analysis.
    pub analysis: Rc<Analysis>,
    /// The service port box, as typed.
    pub service_port_text: String,
    /// The k box, as typed.
    pub k_text: String,
    /// The service port box changed.
    pub on_service_port: Callback<String>,
    /// The k box changed.
    pub on_k: Callback<String>,
}

/// The verdict panel.
#[function_component(VerdictPanel)]
pub fn verdict_panel(props: &VerdictPanelProps) -> Html {
    let input_value = |event: InputEvent| {
        let input: HtmlInputElement = event.target_unchecked_into();
        input.value()
    };
    let on_port = props.on_service_port.reform(input_value);
    let on_k = props.on_k.reform(input_value);
    let verdict = props.analysis.report.verdict.as_ref();
    let detected = verdict
        .filter(|v| v.service_port_detected)
        .and_then(|v| v.service_port)
        .map(|p| format!("{p} (detected)"))
        .unwrap_or_else(|| "detect".to_string());
    let port_invalid = {
        let t = props.service_port_text.trim();
        !t.is_empty() && t.parse::<u16>().is_err()
    };
    let k_invalid = props
        .k_text
        .trim()
        .parse::<f64>()
        .map_or(true, |k| !crate::share::valid_k(k));
    let outcome = verdict.map_or("none", |v| v.outcome.as_str()).to_string();
    let addr = verdict
        .map(|v| v.addr.clone())
        .or_else(|| props.analysis.report.suspect.clone())
        .unwrap_or_default();
    let headline = match outcome.as_str() {
        "exfiltration_suspected" => "Exfiltration suspected",
        "normal" => "Normal",
        "insufficient_baseline" => "Not enough baseline to judge",
        _ => "No verdict",
    };
    html! {
        <section class={classes!("panel", "verdict", format!("outcome-{outcome}"))}
            data-testid="verdict" data-outcome={outcome.clone()} data-addr={addr.clone()}>
            <h2>{ "5. Is that abnormal?" }</h2>
            <div class="inputs">
                <label class={classes!(port_invalid.then_some("invalid"))}>
                    <span>{ "Service port" }</span>
                    <input type="text" inputmode="numeric" data-testid="service-port" placeholder={detected}
                        value={props.service_port_text.clone()} oninput={on_port} />
                </label>
                <label class={classes!(k_invalid.then_some("invalid"))}>
                    <span>{ "k (threshold = mean + k·σ)" }</span>
                    <input type="text" inputmode="decimal" data-testid="k" value={props.k_text.clone()} oninput={on_k} />
                </label>
            </div>
            if let Some(v) = verdict {
                <p class="outcome-line">
                    <span class="badge">{ headline }</span>
                    { " for " }<strong>{ &v.addr }</strong>
                    if let Some(geo) = &v.geo {
                        <span class="geo" data-testid="verdict-geo">{ format!(" ({})", geo.label()) }</span>
                    }
                </p>
                <p class="sentence" data-testid="verdict-summary">{ with_geo(&v.summary, &v.addr, v.geo.as_ref()) }</p>
                <div class="numbers">
                    <table>
                        <caption>{ format!(
                            "The baseline (flows from port {}{}) and {}'s flows over its whole stay",
                            v.service_port.map(|p| p.to_string()).unwrap_or_else(|| "?".to_string()),
                            if v.baseline.excludes_suspect { ", without the suspect's own flows" } else { ", including the suspect's own flows" },
                            v.addr,
                        ) }</caption>
                        <tbody>
                            for row in verdict_rows(v).into_iter().skip(1) {
                                <tr><th scope="row">{ row.label }</th><td class="num" data-field={row.field}>{ row.value }</td></tr>
                            }
                        </tbody>
                    </table>
                </div>
                if v.baseline.flows < FEW_BASELINE_FLOWS {
                    <p class="warn">{ format!("The baseline has only {} flows: its mean and σ are rough.", v.baseline.flows) }</p>
                }
                <p class="note">{ "Flow logs carry no application context: this is evidence for a person to weigh, not proof." }</p>
            } else {
                <p class="lead">{ "No verdict: no address to judge in this range." }</p>
            }
        </section>
    }
}

/// The verdict sentence with the address's country and AS after its first mention.
fn with_geo(summary: &str, addr: &str, geo: Option<&flowlens_core::geo::Geo>) -> String {
    match geo {
        Some(geo) if !addr.is_empty() => {
            summary.replacen(addr, &format!("{addr} ({})", geo.label()), 1)
        }
        _ => summary.to_string(),
    }
}
