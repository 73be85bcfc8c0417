//! `GET /v1/cases/{id}/chronology`: JSON, or a printable HTML page for a tribunal bundle.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{Html, IntoResponse, Response};
use senvault_domain::chronology::EntryKind;
use senvault_domain::{CaseId, Chronology};

use super::AppState;
use super::extract::{ApiPath, Caller, parse_id};
use crate::problem::Problem;

/// The case's dated chronology: key dates, each deadline with its legal basis and whether it was
/// met or by how many days it was missed, and status changes. Send `Accept: text/html` for a
/// printable page.
#[utoipa::path(get, path = "/v1/cases/{id}/chronology", tag = "cases", params(("id" = uuid::Uuid, Path, description = "Case id")),
    responses((status = 200, description = "The chronology, as JSON or (with `Accept: text/html`) a printable page",
        content((Chronology = "application/json"), (String = "text/html"))), (status = 404, body = Problem)))]
pub async fn chronology(
    State(state): State<AppState>,
    Caller { actor, .. }: Caller,
    headers: HeaderMap,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, Problem> {
    let case_id: CaseId = parse_id("id", &id)?;
    let agg = state.service.case_aggregate(&actor, case_id).await?;
    let chronology = Chronology::new(&agg, state.service.today());
    if wants_html(&headers) {
        Ok(Html(render(&chronology)).into_response())
    } else {
        Ok(Json(chronology).into_response())
    }
}

/// HTML only when asked for ahead of JSON (browsers ask for `text/html` first).
fn wants_html(headers: &HeaderMap) -> bool {
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).unwrap_or("");
    let html = accept.find("text/html");
    let json = accept.find("application/json");
    matches!((html, json), (Some(_), None)) || matches!((html, json), (Some(h), Some(j)) if h < j)
}

/// Escapes text for HTML element content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

pub fn render(c: &Chronology) -> String {
    let mut rows = String::new();
    for e in &c.entries {
        let kind = match e.kind {
            EntryKind::KeyDate => "Key date",
            EntryKind::Deadline => "Deadline",
            EntryKind::StatusChange => "Status",
        };
        let class = match e.outcome_text.as_deref() {
            Some(t) if t.starts_with("missed") || t.starts_with("breach") => "missed",
            Some(t) if t.starts_with("met") => "met",
            _ => "",
        };
        rows.push_str(&format!(
            "<tr class=\"{class}\"><td>{}</td><td>{kind}</td><td>{}{}</td><td>{}</td><td>{}</td></tr>\n",
            e.date.format("%-d %b %Y"),
            escape(&e.title),
            e.detail.as_deref().map(|d| format!("<br><small>{}</small>", escape(d))).unwrap_or_default(),
            escape(e.legal_basis.as_deref().unwrap_or("")),
            escape(e.outcome_text.as_deref().unwrap_or("")),
        ));
    }
    format!(
        r#"<!doctype html>
<html lang="en-GB"><head><meta charset="utf-8"><title>Case chronology</title>
<style>
body {{ font: 11pt/1.4 system-ui, sans-serif; margin: 2em; color: #111; }}
table {{ border-collapse: collapse; width: 100%; }}
th, td {{ border: 1px solid #999; padding: 4px 6px; text-align: left; vertical-align: top; }}
th {{ background: #eee; }}
tr.missed td {{ background: #fde2e2; }}
tr.met td:last-child {{ color: #1a6b1a; }}
@media print {{ body {{ margin: 0; }} tr {{ page-break-inside: avoid; }} }}
</style></head>
<body>
<h1>Case chronology</h1>
<p>{summary}</p>
<p>As of {as_of}. Statutory and case-law deadlines missed: {missed} (by the local authority: {la_missed}); met: {met}.
Guidance dates are shown for information and are never a breach. The family's own periods (to comment on a draft or
on proposed amendments, to contact a mediation adviser, to appeal) are rights, not duties: when one closes unused it
is shown as closed, never as missed; a plan issued before the family's period ended is the local authority's breach.</p>
<table>
<thead><tr><th>Date</th><th>Type</th><th>Event</th><th>Legal basis</th><th>Outcome</th></tr></thead>
<tbody>
{rows}</tbody>
</table>
</body></html>
"#,
        summary = escape(&c.summary),
        as_of = c.as_of.format("%-d %B %Y"),
        missed = c.deadlines_missed,
        la_missed = c.la_deadlines_missed,
        met = c.deadlines_met,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_is_escaped_and_negotiated() {
        assert_eq!(escape("<script>\"x\" & 'y'"), "&lt;script&gt;&quot;x&quot; &amp; &#39;y&#39;");
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT, "text/html,application/xhtml+xml,*/*".parse().unwrap());
        assert!(wants_html(&h));
        h.insert(header::ACCEPT, "application/json, text/html".parse().unwrap());
        assert!(!wants_html(&h));
        assert!(!wants_html(&HeaderMap::new()));
    }
}
