//! `GET /v1/cases/{id}/chronology`: JSON, or a printable HTML page for a tribunal bundle.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{Html, IntoResponse, Response};
use senvault_domain::chronology::Include;
use senvault_domain::{CaseId, Chronology, FieldError};
use serde::Deserialize;

use super::AppState;
use super::extract::{ApiPath, ApiQuery, Caller, parse_id};
use crate::problem::Problem;

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ChronologyQuery {
    /// Which parts to show, comma-separated: `deadlines` (key dates and statutory deadlines),
    /// `timeline` (the child's contacts, appointments and events linked to the case), `status`
    /// (status changes). All three by default.
    #[param(pattern = "^(?:deadlines|timeline|status)(?:,(?:deadlines|timeline|status))*$")]
    pub include: Option<String>,
}

/// The case's dated chronology, rows numbered: key dates, each deadline with its legal basis and
/// whether it was met or by how many days it was missed, status changes, and the child's
/// contacts, appointments and events linked to the case with the promises made in them and
/// whether they were kept. Send `Accept: text/html` for a printable page.
#[utoipa::path(get, path = "/v1/cases/{id}/chronology", tag = "cases", params(("id" = uuid::Uuid, Path, description = "Case id"), ChronologyQuery),
    responses((status = 200, description = "The chronology, as JSON or (with `Accept: text/html`) a printable page",
        content((Chronology = "application/json"), (String = "text/html"))), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn chronology(
    State(state): State<AppState>,
    Caller { actor, .. }: Caller,
    headers: HeaderMap,
    ApiPath(id): ApiPath<String>,
    ApiQuery(q): ApiQuery<ChronologyQuery>,
) -> Result<Response, Problem> {
    let case_id: CaseId = parse_id("id", &id)?;
    let include = match q.include.as_deref() {
        None => Include::default(),
        Some(list) => Include::parse(list).ok_or_else(|| {
            Problem::invalid(vec![FieldError::new("include", "a comma-separated list of deadlines, timeline, status")])
        })?,
    };
    let chronology = state.service.chronology(&actor, case_id, include).await?;
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

fn long_date(d: chrono::NaiveDate) -> String {
    d.format("%-d %B %Y").to_string()
}

/// The printable chronology: a heading naming the child, their date of birth, local authority
/// and school; then numbered rows a working document can cite ("chronology, row 14").
pub fn render(c: &Chronology) -> String {
    let mut rows = String::new();
    for e in &c.entries {
        let kind = e.kind.words();
        let class = match e.outcome_text.as_deref() {
            Some(t) if t.starts_with("missed") || t.starts_with("breach") => "missed",
            Some(t) if t.starts_with("met") => "met",
            _ => "",
        };
        let mut event = escape(&e.title);
        if let Some(d) = &e.detail {
            event.push_str(&format!("<br><small>{}</small>", escape(d)));
        }
        for p in &e.promises {
            let due = p.due.map(|d| format!(", by {}", long_date(d))).unwrap_or_default();
            let state = if p.keeping_text.starts_with("not kept") { " class=\"broken\"" } else { "" };
            let promise = if p.report {
                format!("{} expected{due} (owed by {})", escape(&p.text), escape(&p.by))
            } else {
                format!("Promised by {}{due}: &ldquo;{}&rdquo;", escape(&p.by), escape(&p.text))
            };
            event.push_str(&format!(
                "<div class=\"promise\">{promise} &mdash; <span{state}>{}</span></div>",
                escape(&p.keeping_text),
            ));
        }
        if !e.documents.is_empty() {
            let titles: Vec<String> = e.documents.iter().map(|t| escape(t)).collect();
            event.push_str(&format!("<div class=\"docs\">Documents: {}</div>", titles.join("; ")));
        }
        let when = match &e.time {
            Some(t) => format!("{}<br><small>{t}</small>", e.date.format("%-d %b %Y")),
            None => e.date.format("%-d %b %Y").to_string(),
        };
        rows.push_str(&format!(
            "<tr class=\"{class}\" id=\"row-{row}\"><td class=\"row\">{row}</td><td class=\"when\">{when}</td><td>{kind}</td><td>{event}</td><td>{}</td><td>{}</td></tr>\n",
            escape(e.legal_basis.as_deref().unwrap_or("")),
            escape(e.outcome_text.as_deref().unwrap_or("")),
            row = e.row,
        ));
    }
    let heading = match &c.child {
        Some(h) => {
            let school = h.school.as_deref().map(|s| format!("<br>School: {}", escape(s))).unwrap_or_default();
            format!(
                "<h1>Chronology: {}</h1>\n<p class=\"who\">Date of birth: {}<br>Local authority: {}{school}<br>Case: {}</p>",
                escape(&h.name),
                long_date(h.date_of_birth),
                escape(&h.local_authority),
                escape(&c.summary),
            )
        }
        None => format!("<h1>Case chronology</h1>\n<p>{}</p>", escape(&c.summary)),
    };
    let promises = if c.include.timeline {
        format!(
            " Promises recorded in contacts and appointments: {made} (kept: {kept}; kept late: {late}; not kept: {broken}). \
A promise is what someone said they would do; it is shown as promised, never as a legal requirement, and is counted \
apart from statutory deadlines.",
            made = c.promises.made,
            kept = c.promises.kept,
            late = c.promises.kept_late,
            broken = c.promises.not_kept,
        )
    } else {
        String::new()
    };
    format!(
        r#"<!doctype html>
<html lang="en-GB"><head><meta charset="utf-8"><title>Chronology</title>
<style>
body {{ font: 11pt/1.4 system-ui, sans-serif; margin: 2em; color: #111; }}
table {{ border-collapse: collapse; width: 100%; }}
th, td {{ border: 1px solid #999; padding: 4px 6px; text-align: left; vertical-align: top; }}
th {{ background: #eee; }}
td.row {{ text-align: right; font-variant-numeric: tabular-nums; }}
td.when {{ white-space: nowrap; }}
tr.missed td {{ background: #fde2e2; }}
tr.met td:last-child {{ color: #1a6b1a; }}
.promise {{ margin-top: 3px; font-size: 95%; }}
.broken {{ color: #9b1c1c; font-weight: 600; }}
.docs {{ margin-top: 3px; font-size: 90%; color: #444; }}
@media print {{ body {{ margin: 0; }} tr {{ page-break-inside: avoid; }} thead {{ display: table-header-group; }} }}
</style></head>
<body>
{heading}
<p>As of {as_of}. Statutory and case-law deadlines missed: {missed} (by the local authority: {la_missed}); met: {met}.
Guidance dates are shown for information and are never a breach. The family's own periods (to comment on a draft or
on proposed amendments, to contact a mediation adviser, to appeal) are rights, not duties: when one closes unused it
is shown as closed, never as missed; a plan issued before the family's period ended is the local authority's breach.{promises}</p>
<table>
<thead><tr><th>Row</th><th>Date</th><th>Type</th><th>Event</th><th>Legal basis</th><th>Outcome</th></tr></thead>
<tbody>
{rows}</tbody>
</table>
</body></html>
"#,
        as_of = long_date(c.as_of),
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
