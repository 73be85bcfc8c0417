//! A case's dated chronology for a tribunal bundle: key dates, every deadline with its legal
//! basis and whether it was met or by how many days it was missed, and status changes.

use chrono::NaiveDate;
use serde::Serialize;

use crate::aggregate::CaseAggregate;
use crate::dates::london_date;
use crate::model::{Action, Timeliness};
use crate::timescale::TimescaleId;
use crate::vocab::{DeadlineKind, KeyDateKind};

/// What a chronology line records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    KeyDate,
    Deadline,
    StatusChange,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChronologyEntry {
    pub date: NaiveDate,
    pub kind: EntryKind,
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub legal_basis: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deadline_kind: Option<DeadlineKind>,
    /// For deadlines: met, late, overdue, pending or cancelled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<Timeliness>,
    /// For deadlines completed: the day it was done.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub completed_on: Option<NaiveDate>,
    /// A plain-words summary of the outcome ("met", "12 days late", ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome_text: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Chronology {
    pub case_id: crate::ids::CaseId,
    pub summary: String,
    pub as_of: NaiveDate,
    pub entries: Vec<ChronologyEntry>,
    /// Statutory and case-law deadlines missed (late or still overdue) by anyone, and family
    /// windows the LA cut short; never a family window that closed unused, never guidance.
    pub deadlines_missed: usize,
    /// Of those, the local authority's.
    pub la_deadlines_missed: usize,
    pub deadlines_met: usize,
}

fn key_date_title(k: KeyDateKind) -> &'static str {
    match k {
        KeyDateKind::RequestReceived => "Request for an EHC needs assessment received by the LA",
        KeyDateKind::DecisionToAssess => "LA decided to carry out an EHC needs assessment",
        KeyDateKind::DraftIssued => "Draft EHC plan issued",
        KeyDateKind::FinalIssued => "Final EHC plan issued",
        KeyDateKind::AnnualReviewMeeting => "Annual review meeting",
        KeyDateKind::AmendmentNotice => "Notice of proposed amendments",
        KeyDateKind::AmendedPlanIssued => "Final amended EHC plan issued",
        KeyDateKind::DecisionNotice => "Decision notice (appealable decision)",
        KeyDateKind::MediationCertificate => "Mediation certificate issued",
        KeyDateKind::TribunalHearing => "Tribunal hearing",
    }
}

fn plural(n: i64, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

fn day(d: NaiveDate) -> String {
    d.format("%-d %B %Y").to_string()
}

/// The plain-words outcome of a deadline. Guidance dates are "later than expected", never a
/// breach; a family window that closes unused is closed, never missed; an LA issuing a plan
/// inside the family's window is the LA's breach.
pub fn outcome_text(a: &Action, today: NaiveDate) -> String {
    let guidance = a.deadline_kind == Some(DeadlineKind::Guidance);
    let text = match a.timeliness(today) {
        Timeliness::Met => "met".into(),
        Timeliness::Late { days } if guidance => {
            format!("{} later than expected (guidance, not a breach)", plural(days, "day"))
        }
        Timeliness::Late { days } => format!("missed: done {} late", plural(days, "day")),
        Timeliness::Overdue { days } if guidance => {
            format!("{} later than expected (guidance, not a breach)", plural(days, "day"))
        }
        Timeliness::Overdue { days } => format!("missed: {} overdue and not yet done", plural(days, "day")),
        Timeliness::Pending => "not yet due".into(),
        Timeliness::Cancelled => "no longer applies".into(),
        Timeliness::WindowClosed => match a.completed_on {
            Some(on) => format!("used on {}, after the family's window closed on {}", day(on), day(a.last_day())),
            None => format!("the family's window closed on {} (a right, not a missed deadline)", day(a.last_day())),
        },
        Timeliness::NotJudged => match a.timescale {
            Some(TimescaleId::MediationContact) => {
                "closed by the mediation certificate (its date is not the contact date: timing not judged)".into()
            }
            _ => "closed by a later event (timing not judged)".into(),
        },
        Timeliness::CutShort { days } => {
            let issued = a.completed_on.map(day).unwrap_or_default();
            let breach = match a.timescale {
                Some(TimescaleId::AmendmentResponse) => "SEND Regs 2014 reg 22(2)(c)",
                _ => "SEND Regs 2014 reg 13(1)(a)",
            };
            let when = match days {
                0 => "on the last day of the family's window".to_owned(),
                n => format!("{} before the family's window ended", plural(n, "day")),
            };
            format!("breach by the LA: the plan was issued on {issued}, {when} ({breach})")
        }
    };
    match &a.exception {
        Some(e) => format!("{text}; LA relies on exception ({})", e.ground.as_str().replace('_', " ")),
        None => text,
    }
}

/// Whether a deadline outcome counts against the LA, against anyone, or as met.
fn counts(a: &Action, t: Timeliness) -> (bool, bool, bool) {
    let breach = a.deadline_kind != Some(DeadlineKind::Guidance);
    match t {
        Timeliness::Late { .. } | Timeliness::Overdue { .. } if breach => {
            (true, a.responsible == crate::vocab::Party::La, false)
        }
        // The family's window cut short is the LA's breach.
        Timeliness::CutShort { .. } => (true, true, false),
        Timeliness::Met => (false, false, true),
        _ => (false, false, false),
    }
}

impl Chronology {
    pub fn new(agg: &CaseAggregate, today: NaiveDate) -> Self {
        let mut entries = Vec::new();
        for k in &agg.key_dates {
            let detail = k.decision.map(|d| format!("Decision: {}", d.as_str().replace('_', " ")));
            entries.push(ChronologyEntry {
                date: k.date,
                kind: EntryKind::KeyDate,
                title: key_date_title(k.kind).into(),
                detail,
                legal_basis: None,
                deadline_kind: None,
                outcome: None,
                completed_on: None,
                outcome_text: None,
            });
        }
        let (mut missed, mut la_missed, mut met) = (0, 0, 0);
        for a in agg.actions.iter().filter(|a| a.timescale.is_some() && a.deadline_kind.is_some()) {
            let t = a.timeliness(today);
            let (is_missed, by_la, is_met) = counts(a, t);
            missed += usize::from(is_missed);
            la_missed += usize::from(by_la);
            met += usize::from(is_met);
            entries.push(ChronologyEntry {
                date: a.due,
                kind: EntryKind::Deadline,
                title: format!("Deadline: {}", a.description),
                detail: Some(format!("Responsible: {}", a.responsible.as_str())),
                legal_basis: a.legal_basis.clone(),
                deadline_kind: a.deadline_kind,
                outcome: Some(t),
                completed_on: if a.cancelled || a.cut_short || a.not_judged { None } else { a.completed_on },
                outcome_text: Some(outcome_text(a, today)),
            });
        }
        for h in &agg.history {
            let title = match h.from {
                None => format!("Case opened with status {}", h.to.as_str().replace('_', " ")),
                Some(from) => format!(
                    "Status changed from {} to {}",
                    from.as_str().replace('_', " "),
                    h.to.as_str().replace('_', " ")
                ),
            };
            entries.push(ChronologyEntry {
                date: london_date(h.at),
                kind: EntryKind::StatusChange,
                title,
                detail: h.note.clone(),
                legal_basis: None,
                deadline_kind: None,
                outcome: None,
                completed_on: None,
                outcome_text: None,
            });
        }
        // Stable: same-day entries keep key dates, then deadlines, then status changes.
        entries.sort_by_key(|e| (e.date, e.kind as u8));
        Chronology {
            case_id: agg.case.id,
            summary: agg.case.summary.clone(),
            as_of: today,
            entries,
            deadlines_missed: missed,
            la_deadlines_missed: la_missed,
            deadlines_met: met,
        }
    }
}
