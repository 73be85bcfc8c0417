//! A case and everything under it, as loaded by one prefix query, and the case page built
//! from it (the same on server and phone).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;

use crate::ids::KeyDateId;
use crate::model::{Action, Annotation, Case, Flag, KeyDate, Note, Record, StatusChange, Timeliness};
use crate::support::TicketLink;
use crate::timescale::TimescaleId;
use crate::vocab::{FlagStatus, KeyDateKind, Section};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseAggregate {
    pub case: Case,
    pub history: Vec<StatusChange>,
    pub key_dates: Vec<KeyDate>,
    pub notes: Vec<Note>,
    pub actions: Vec<Action>,
    pub flags: Vec<Flag>,
    pub annotations: Vec<Annotation>,
    /// The support ticket linked to the case, if any.
    pub ticket: Option<TicketLink>,
}

impl CaseAggregate {
    /// A case with nothing under it yet.
    pub fn new(case: Case) -> Self {
        CaseAggregate {
            case,
            history: vec![],
            key_dates: vec![],
            notes: vec![],
            actions: vec![],
            flags: vec![],
            annotations: vec![],
            ticket: None,
        }
    }

    /// Builds the aggregate from the records under `case/<id>`; `None` if the case itself is
    /// not among them.
    pub fn from_records<'a>(records: impl IntoIterator<Item = &'a Record>) -> Option<Self> {
        let mut case = None;
        let (mut history, mut key_dates, mut notes, mut actions) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let (mut flags, mut annotations, mut ticket) = (Vec::new(), Vec::new(), None);
        for r in records {
            match r {
                Record::Case(c) => case = Some(c.clone()),
                Record::StatusChange(s) => history.push(s.clone()),
                Record::KeyDate(k) => key_dates.push(k.clone()),
                Record::Note(n) => notes.push(n.clone()),
                Record::Action(a) => actions.push(a.clone()),
                Record::Flag(f) => flags.push(f.clone()),
                Record::Annotation(a) => annotations.push(a.clone()),
                Record::TicketLink(l) => ticket = Some(l.clone()),
                _ => {}
            }
        }
        history.sort_by_key(|a| (a.at, a.id));
        key_dates.sort_by_key(|a| (a.date, a.recorded_at, a.id));
        notes.sort_by_key(|a| (a.created_at, a.id));
        actions.sort_by_key(|a| (a.due, a.id));
        // Flags in reading order: by section, then where they are in the text.
        flags.sort_by_key(|f: &Flag| (f.section, f.span.map(|s| s.start), f.created_at, f.id));
        annotations.sort_by_key(|a: &Annotation| (a.section, a.created_at, a.id));
        Some(CaseAggregate { case: case?, history, key_dates, notes, actions, flags, annotations, ticket })
    }
}

/// An action as a person sees it on a given day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActionView {
    #[serde(flatten)]
    pub action: Action,
    pub overdue: bool,
    pub timeliness: Timeliness,
}

impl ActionView {
    pub fn new(action: Action, today: NaiveDate) -> Self {
        Self { overdue: action.is_overdue(today), timeliness: action.timeliness(today), action }
    }
}

/// The case page: the case with its status history, key dates, notes and actions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CaseDetail {
    #[serde(flatten)]
    pub case: Case,
    pub history: Vec<StatusChange>,
    pub key_dates: Vec<KeyDate>,
    pub notes: Vec<Note>,
    pub actions: Vec<ActionView>,
    pub open_actions: usize,
    pub overdue_actions: usize,
    /// Open and confirmed flags, red first, then amber, then info, each in reading order;
    /// dismissed ones are hidden here (listed by the flags endpoint).
    pub flags: Vec<Flag>,
    pub dismissed_flags: usize,
    /// The family's annotations, per EHCP section.
    pub annotations: BTreeMap<Section, Vec<Annotation>>,
    /// Things about the case's timetable the family should know (see [`CaseWarning`]).
    pub warnings: Vec<CaseWarning>,
    /// The support ticket linked to the case, if any.
    pub ticket: Option<TicketLink>,
}

/// Something about a case's timetable worth telling the family.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CaseWarning {
    pub kind: WarningKind,
    pub message: String,
    /// The key date it is about.
    pub key_date_id: KeyDateId,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum WarningKind {
    /// The review meeting was held less than 4 weeks before the review was due, so the LA's
    /// decision (4 weeks after the meeting) will come after the 12 months.
    ReviewDecisionAfterTwelveMonths,
}

/// How long the LA has after a review meeting to decide (reg 20(10)).
const REVIEW_DECISION_DAYS: i64 = 28;

/// The warnings the case's key dates and actions call for: a review meeting less than 4 weeks
/// before the review it completed was due (the latest meeting only — the cycle that matters).
fn warnings(agg: &CaseAggregate) -> Vec<CaseWarning> {
    let latest = agg.key_dates.iter().filter(|k| k.kind == KeyDateKind::AnnualReviewMeeting).max_by_key(|k| k.date);
    let Some(meeting) = latest else { return Vec::new() };
    let completed = agg
        .actions
        .iter()
        .find(|a| a.timescale == Some(TimescaleId::AnnualReview) && a.completed_by_key_date == Some(meeting.id));
    let Some(review) = completed else { return Vec::new() };
    let left = (review.due - meeting.date).num_days();
    if !(0..REVIEW_DECISION_DAYS).contains(&left) {
        return Vec::new();
    }
    let decision = meeting.date + chrono::Days::new(REVIEW_DECISION_DAYS as u64);
    vec![CaseWarning {
        kind: WarningKind::ReviewDecisionAfterTwelveMonths,
        message: format!(
            "The review meeting on {} was less than 4 weeks before the review was due ({}): the LA's decision, due by {}, will come after the 12 months.",
            meeting.date.format("%-d %B %Y"),
            review.due.format("%-d %B %Y"),
            decision.format("%-d %B %Y"),
        ),
        key_date_id: meeting.id,
    }]
}

impl CaseDetail {
    pub fn new(agg: CaseAggregate, today: NaiveDate) -> Self {
        let warnings = warnings(&agg);
        let actions: Vec<_> = agg.actions.into_iter().map(|a| ActionView::new(a, today)).collect();
        let open_actions = actions.iter().filter(|a| a.action.is_open()).count();
        let overdue_actions = actions.iter().filter(|a| a.overdue).count();
        let dismissed_flags = agg.flags.iter().filter(|f| f.status == FlagStatus::Dismissed).count();
        // Red first, then amber, then info, each in reading order: what the family should raise
        // with the LA leads the page.
        let mut flags: Vec<Flag> = agg.flags.into_iter().filter(|f| f.status != FlagStatus::Dismissed).collect();
        flags.sort_by_key(|f| std::cmp::Reverse(f.severity));
        let mut annotations: BTreeMap<Section, Vec<Annotation>> = BTreeMap::new();
        for a in agg.annotations {
            annotations.entry(a.section).or_default().push(a);
        }
        CaseDetail {
            warnings,
            ticket: agg.ticket,
            case: agg.case,
            flags,
            dismissed_flags,
            annotations,
            history: agg.history,
            key_dates: agg.key_dates,
            notes: agg.notes,
            actions,
            open_actions,
            overdue_actions,
        }
    }
}
