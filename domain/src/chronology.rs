//! A case's dated chronology for a tribunal bundle: key dates, every deadline with its legal
//! basis and whether it was met or by how many days it was missed, status changes, and the
//! child's timeline — each contact, appointment and event linked to the case, with the promises
//! made in it and whether they were kept. Rows are numbered so a working document can cite
//! "chronology, row 14".

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;

use crate::aggregate::CaseAggregate;
use crate::dates::london_date;
use crate::ids::{DocumentId, TimelineEntryId};
use crate::model::{Action, Child, Timeliness};
use crate::timeline::{EntryDetails, Keeping, TimelineEntry};
use crate::timescale::TimescaleId;
use crate::vocab::{DeadlineKind, Direction, KeyDateKind};

/// What a chronology line records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    KeyDate,
    Deadline,
    StatusChange,
    /// A contact: a call, an email, a letter, a meeting.
    Interaction,
    Appointment,
    Event,
}

impl EntryKind {
    /// The row's kind as a printed chronology names it.
    pub fn words(self) -> &'static str {
        match self {
            EntryKind::KeyDate => "Key date",
            EntryKind::Deadline => "Deadline",
            EntryKind::StatusChange => "Status",
            EntryKind::Interaction => "Contact",
            EntryKind::Appointment => "Appointment",
            EntryKind::Event => "Event",
        }
    }
}

/// Which parts a chronology shows (`?include=deadlines,timeline,status`; all by default).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Include {
    /// Key dates and statutory deadlines.
    pub deadlines: bool,
    /// The child's contacts, appointments and events linked to the case.
    pub timeline: bool,
    /// Status changes.
    pub status: bool,
}

impl Default for Include {
    fn default() -> Self {
        Include { deadlines: true, timeline: true, status: true }
    }
}

impl Include {
    /// The wire pattern of the `include` list.
    pub const PATTERN: &'static str = "^(?:deadlines|timeline|status)(?:,(?:deadlines|timeline|status))*$";

    /// Parses `deadlines,timeline,status` (any of them, any order); `None` for anything else.
    pub fn parse(list: &str) -> Option<Include> {
        let mut inc = Include { deadlines: false, timeline: false, status: false };
        for part in list.split(',') {
            match part {
                "deadlines" => inc.deadlines = true,
                "timeline" => inc.timeline = true,
                "status" => inc.status = true,
                _ => return None,
            }
        }
        Some(inc)
    }
}

/// The child the chronology is about, as a panel's heading names them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChildHeading {
    pub name: String,
    pub date_of_birth: NaiveDate,
    pub local_authority: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub school: Option<String>,
}

/// A promise on a timeline row, with whether it was kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PromiseLine {
    /// The promise in the speaker's words.
    pub text: String,
    /// Who promised, written out ("the local authority").
    pub by: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due: Option<NaiveDate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kept_on: Option<NaiveDate>,
    pub keeping: Keeping,
    /// "kept", "kept 3 days late", "not kept (overdue 12 days)", "promised by …".
    pub keeping_text: String,
    /// An appointment's expected report rather than words someone said.
    pub report: bool,
}

/// How the promises of the chronology's timeline rows fared: counted apart from statutory
/// deadlines, since a promise is never a legal time limit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PromiseCounts {
    pub made: usize,
    pub kept: usize,
    pub kept_late: usize,
    pub not_kept: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChronologyEntry {
    /// The row's number, from 1, in date order.
    pub row: usize,
    pub date: NaiveDate,
    /// `HH:MM`, for timeline rows recorded with a time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time: Option<String>,
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
    /// For timeline rows: the entry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entry_id: Option<TimelineEntryId>,
    /// For timeline rows: the promises made, and whether they were kept.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub promises: Vec<PromiseLine>,
    /// For timeline rows: the linked documents, by title.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub documents: Vec<String>,
}

impl ChronologyEntry {
    fn new(date: NaiveDate, kind: EntryKind, title: String) -> Self {
        ChronologyEntry {
            row: 0,
            date,
            time: None,
            kind,
            title,
            detail: None,
            legal_basis: None,
            deadline_kind: None,
            outcome: None,
            completed_on: None,
            outcome_text: None,
            entry_id: None,
            promises: Vec::new(),
            documents: Vec::new(),
        }
    }
}

/// What a chronology is made from beyond the case: the child, the case's timeline entries (those
/// included in the timeline are shown), the titles of the documents they link, and which parts
/// to show.
#[derive(Debug, Clone, Default)]
pub struct Sources<'a> {
    pub child: Option<&'a Child>,
    pub entries: &'a [TimelineEntry],
    pub document_titles: BTreeMap<DocumentId, String>,
    pub include: Include,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Chronology {
    pub case_id: crate::ids::CaseId,
    pub summary: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub child: Option<ChildHeading>,
    pub as_of: NaiveDate,
    /// The parts shown.
    pub include: Include,
    pub entries: Vec<ChronologyEntry>,
    /// Statutory and case-law deadlines missed (late or still overdue) by anyone, and family
    /// windows the LA cut short; never a family window that closed unused, never guidance.
    pub deadlines_missed: usize,
    /// Of those, the local authority's.
    pub la_deadlines_missed: usize,
    pub deadlines_met: usize,
    /// Promises on the timeline rows (never counted as deadlines).
    pub promises: PromiseCounts,
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
    /// The chronology of a case alone (key dates, deadlines, status changes).
    pub fn new(agg: &CaseAggregate, today: NaiveDate) -> Self {
        Self::build(agg, &Sources::default(), today)
    }

    /// The chronology of a case with its child's timeline.
    pub fn build(agg: &CaseAggregate, sources: &Sources<'_>, today: NaiveDate) -> Self {
        let include = sources.include;
        let mut entries = Vec::new();
        let (mut missed, mut la_missed, mut met) = (0, 0, 0);
        if include.deadlines {
            for k in &agg.key_dates {
                let mut e = ChronologyEntry::new(k.date, EntryKind::KeyDate, key_date_title(k.kind).into());
                e.detail = k.decision.map(|d| format!("Decision: {}", d.as_str().replace('_', " ")));
                entries.push(e);
            }
            for a in agg.actions.iter().filter(|a| a.timescale.is_some() && a.deadline_kind.is_some()) {
                let t = a.timeliness(today);
                let (is_missed, by_la, is_met) = counts(a, t);
                missed += usize::from(is_missed);
                la_missed += usize::from(by_la);
                met += usize::from(is_met);
                let mut e = ChronologyEntry::new(a.due, EntryKind::Deadline, format!("Deadline: {}", a.description));
                e.detail = Some(format!("Responsible: {}", a.responsible.words()));
                e.legal_basis = a.legal_basis.clone();
                e.deadline_kind = a.deadline_kind;
                e.outcome = Some(t);
                e.completed_on = if a.cancelled || a.cut_short || a.not_judged { None } else { a.completed_on };
                e.outcome_text = Some(outcome_text(a, today));
                entries.push(e);
            }
        }
        if include.status {
            for h in &agg.history {
                let title = match h.from {
                    None => format!("Case opened with status {}", h.to.as_str().replace('_', " ")),
                    Some(from) => format!(
                        "Status changed from {} to {}",
                        from.as_str().replace('_', " "),
                        h.to.as_str().replace('_', " ")
                    ),
                };
                let mut e = ChronologyEntry::new(london_date(h.at), EntryKind::StatusChange, title);
                e.detail = h.note.clone();
                entries.push(e);
            }
        }
        let mut promises = PromiseCounts::default();
        if include.timeline {
            for t in sources.entries.iter().filter(|t| t.include_in_timeline && t.case_id == Some(agg.case.id)) {
                let mut e = timeline_row(t, &sources.document_titles, today);
                for p in &e.promises {
                    promises.made += 1;
                    match p.keeping {
                        Keeping::Kept => promises.kept += 1,
                        Keeping::KeptLate { .. } => promises.kept_late += 1,
                        Keeping::NotKept { .. } => promises.not_kept += 1,
                        Keeping::Promised | Keeping::Open => {}
                    }
                }
                e.time = t.time.map(crate::dates::clock::format);
                entries.push(e);
            }
        }
        // Date order; a day's timed rows by time; then key dates, deadlines, status changes and
        // the timeline in that order (stable).
        entries.sort_by(|a, b| {
            (a.date, a.time.is_some(), &a.time, a.kind as u8).cmp(&(b.date, b.time.is_some(), &b.time, b.kind as u8))
        });
        for (i, e) in entries.iter_mut().enumerate() {
            e.row = i + 1;
        }
        Chronology {
            case_id: agg.case.id,
            summary: agg.case.summary.clone(),
            child: sources.child.map(|c| ChildHeading {
                name: c.name.clone(),
                date_of_birth: c.date_of_birth,
                local_authority: c.local_authority.clone(),
                school: c.school.clone(),
            }),
            as_of: today,
            include,
            entries,
            deadlines_missed: missed,
            la_deadlines_missed: la_missed,
            deadlines_met: met,
            promises,
        }
    }
}

/// A contact as a panel reads it: "Phone call from Sam Patel (EHC caseworker, Leeds SEN team)".
fn contact(name: &str, role: Option<&str>, org: Option<&str>) -> String {
    let about: Vec<&str> = [role, org].into_iter().flatten().collect();
    if about.is_empty() { name.to_owned() } else { format!("{name} ({})", about.join(", ")) }
}

/// An entry in words, as the chronology shows it: its kind, a title ("Phone call from Sam Patel
/// (EHC caseworker, Leeds SEN team)") and the detail (the summary, the outcome, the description).
pub fn describe(t: &TimelineEntry) -> (EntryKind, String, Option<String>) {
    match &t.details {
        EntryDetails::Interaction { channel, direction, contact_name, contact_organisation, contact_role, summary } => {
            let who = contact(contact_name, contact_role.as_deref(), contact_organisation.as_deref());
            let way = match (channel, direction) {
                (crate::vocab::Channel::Meeting, _) => "with",
                (_, Direction::Incoming) => "from",
                (_, Direction::Outgoing) => "to",
            };
            (EntryKind::Interaction, format!("{} {way} {who}", channel.words()), Some(summary.clone()))
        }
        EntryDetails::Appointment { professional_name, professional_role, purpose, location, outcome, .. } => {
            let mut detail: Vec<String> = Vec::new();
            if let Some(l) = location {
                detail.push(format!("At {l}."));
            }
            if let Some(o) = outcome {
                detail.push(o.clone());
            }
            (
                EntryKind::Appointment,
                format!(
                    "Appointment with {professional_name} ({}): {}",
                    professional_role.words(),
                    purpose.as_str().replace('_', " ")
                ),
                if detail.is_empty() { None } else { Some(detail.join(" ")) },
            )
        }
        EntryDetails::Event { title, category, description } => {
            let category = category.as_str().replace('_', " ");
            let mut c = category.chars();
            let category = c.next().map(|f| f.to_uppercase().collect::<String>() + c.as_str()).unwrap_or_default();
            (EntryKind::Event, format!("{category}: {title}"), description.clone())
        }
    }
}

fn timeline_row(t: &TimelineEntry, titles: &BTreeMap<DocumentId, String>, today: NaiveDate) -> ChronologyEntry {
    let (kind, title, detail) = describe(t);
    let mut e = ChronologyEntry::new(t.date, kind, title);
    e.detail = detail;
    e.entry_id = Some(t.id);
    e.promises = t
        .commitments
        .iter()
        .map(|c| PromiseLine {
            text: c.text.clone(),
            by: c.by.words().to_owned(),
            due: c.due,
            kept_on: c.kept_on,
            keeping: c.keeping(today),
            keeping_text: c.keeping_text(today),
            report: c.report,
        })
        .collect();
    e.documents =
        t.document_ids.iter().map(|d| titles.get(d).cloned().unwrap_or_else(|| "(document removed)".into())).collect();
    e
}

/// One row as plain text: number, date (and time), kind and title; then its detail, legal basis,
/// outcome, promises and documents, indented.
fn row_text(e: &ChronologyEntry, out: &mut String) {
    let kind = e.kind.words();
    let when = match &e.time {
        Some(t) => format!("{} {t}", e.date.format("%-d %b %Y")),
        None => e.date.format("%-d %b %Y").to_string(),
    };
    out.push_str(&format!("{}. {when}. {kind}: {}\n", e.row, e.title));
    if let Some(d) = &e.detail {
        out.push_str(&format!("    {d}\n"));
    }
    if let Some(l) = &e.legal_basis {
        out.push_str(&format!("    Legal basis: {l}\n"));
    }
    if let Some(o) = &e.outcome_text {
        out.push_str(&format!("    Outcome: {o}\n"));
    }
    for p in &e.promises {
        let due = p.due.map(|d| format!(", by {}", d.format("%-d %B %Y"))).unwrap_or_default();
        if p.report {
            out.push_str(&format!("    {} expected{due} (owed by {}): {}\n", p.text, p.by, p.keeping_text));
        } else {
            out.push_str(&format!("    Promised by {}{due}: \"{}\": {}\n", p.by, p.text, p.keeping_text));
        }
    }
    if !e.documents.is_empty() {
        out.push_str(&format!("    Documents: {}\n", e.documents.join("; ")));
    }
    out.push('\n');
}

impl Chronology {
    /// The chronology as plain text, as a bundle prints it (an exhibit of numbered rows a
    /// working document can cite).
    pub fn text(&self) -> String {
        let mut out = String::new();
        if let Some(h) = &self.child {
            out.push_str(&format!(
                "Chronology: {} (born {}), {}\n",
                h.name,
                h.date_of_birth.format("%-d %B %Y"),
                h.local_authority
            ));
        }
        out.push_str(&format!("Case: {}\nAs of {}.\n", self.summary, self.as_of.format("%-d %B %Y")));
        out.push_str(&format!(
            "Statutory and case-law deadlines missed: {} (by the local authority: {}); met: {}. Promises made: {} (kept: {}; kept late: {}; not kept: {}); a promise is never a legal requirement.\n\n",
            self.deadlines_missed,
            self.la_deadlines_missed,
            self.deadlines_met,
            self.promises.made,
            self.promises.kept,
            self.promises.kept_late,
            self.promises.not_kept,
        ));
        for e in &self.entries {
            row_text(e, &mut out);
        }
        out
    }
}

/// The child's record of contacts, appointments and events (those included in the timeline),
/// oldest first, as plain text: what a bundle prints beside the case chronology.
pub fn contact_record(entries: &[TimelineEntry], titles: &BTreeMap<DocumentId, String>, today: NaiveDate) -> String {
    let mut rows: Vec<ChronologyEntry> =
        entries.iter().filter(|t| t.include_in_timeline).map(|t| timeline_row(t, titles, today)).collect();
    rows.sort_by(|a, b| (a.date, &a.time).cmp(&(b.date, &b.time)));
    let mut out =
        format!("Contacts, appointments and events recorded by the family, as of {}.\n\n", today.format("%-d %B %Y"));
    if rows.is_empty() {
        out.push_str("None recorded.\n");
    }
    for (n, mut row) in rows.into_iter().enumerate() {
        row.row = n + 1;
        row_text(&row, &mut out);
    }
    out
}
