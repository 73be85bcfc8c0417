//! What the scheduled scanner does about one action on one day (`docs/law.md`, "Next actions"): raise
//! the reminder for the nearest lead time, or find it overdue, record a missed statutory
//! deadline as a dated legal note, and raise an overdue alert.
//!
//! Every record it creates has an id derived from (action, kind, due date), and the action's
//! due tracker remembers what was done for its current due date, so running the scanner twice,
//! concurrently or after a crash never duplicates anything. The scanner writes the tracker,
//! never the action, so its runs never collide with people editing the action.

use chrono::{DateTime, NaiveDate, Utc};

use crate::dates::london_date;
use crate::ids::{AlertId, NoteId};
use crate::keys;
use crate::model::{Action, ActorRef, Alert, AlertKind, DueTracker, Note, REMINDER_LEADS, Record};
use crate::scope::Scope;
use crate::snapshot::{Changes, Decision, Snapshot};
use crate::vocab::{ActionOrigin, DeadlineKind, NoteTopic, Party};

/// A missed deadline is recorded as evidence only where someone other than the family (or its
/// advocate) broke a statutory or case-law time limit; guidance dates are never a breach, and
/// the family's own late steps are not written up against them.
pub fn records_missed_deadline(a: &Action) -> bool {
    a.origin == ActionOrigin::Statutory
        && matches!(a.deadline_kind, Some(DeadlineKind::Statutory | DeadlineKind::CaseLaw))
        && matches!(a.responsible, Party::La | Party::School | Party::Professional)
}

/// The note text for a missed deadline: dated, with its legal basis.
pub fn missed_deadline_text(a: &Action, today: NaiveDate) -> String {
    let late = (today - a.due).num_days();
    let basis = a.legal_basis.as_deref().unwrap_or("statutory time limit");
    format!(
        "Missed deadline: \"{}\" was due by {} ({}) and had not been done by {} ({} day{} late).",
        a.description,
        a.due.format("%-d %B %Y"),
        basis,
        today.format("%-d %B %Y"),
        late,
        if late == 1 { "" } else { "s" }
    )
}

/// The id of a notification about `action`: derived from stable names (the kind's wire id,
/// the due date, the lead time), so every run and every release derives the same one.
fn alert_id(action: &Action, kind: AlertKind, lead: Option<u32>) -> AlertId {
    let name = match lead {
        Some(l) => format!("{}/{}/{l}", kind.as_str(), action.due),
        None => format!("{}/{}", kind.as_str(), action.due),
    };
    AlertId::derived(action.id.0, &name)
}

/// Decides the scanner's writes for the due tracker at `key` in `scope` (a child scope), from a
/// snapshot holding that tracker. No writes: nothing to do today.
pub fn decide_scan(now: DateTime<Utc>, scope: &Scope, key: &str, snap: &Snapshot) -> Decision {
    let mut changes = Changes::new(snap);
    let (Scope::Child(child_id), Some(Record::DueTracker(tracker))) = (scope, snap.get(scope, key)) else {
        return changes.finish();
    };
    let action = &tracker.action;
    if !action.is_open() || tracker.overdue_on.is_some() {
        return changes.finish();
    }
    let today = london_date(now);
    let mut next: DueTracker = tracker.clone();
    let days_left = (action.due - today).num_days();
    let closed = today > action.last_day();
    let alert = |kind: AlertKind, lead: Option<u32>| Alert {
        id: alert_id(action, kind, lead),
        kind,
        child_id: *child_id,
        case_id: action.case_id,
        action_id: action.id,
        due: action.due,
        lead_days: lead,
        responsible: action.responsible,
        raised_at: now,
    };
    let mut raised = Vec::new();
    if closed && action.is_family_window() {
        // A right, not a duty: the window closes without an overdue alert or a note.
        next.overdue_on = Some(today);
        next.leads_done = REMINDER_LEADS.to_vec();
    } else if closed {
        next.overdue_on = Some(today);
        next.leads_done = REMINDER_LEADS.to_vec();
        raised.push(alert(AlertKind::Overdue, None));
        if records_missed_deadline(action) {
            let note = Note {
                id: NoteId::derived(action.id.0, &format!("missed/{}", action.due)),
                case_id: action.case_id,
                text: missed_deadline_text(action, today),
                author: ActorRef::scanner(),
                created_at: now,
                topic: Some(NoteTopic::Legal),
                section: None,
                document_id: None,
            };
            changes.put(scope, keys::note(action.case_id, note.id), Record::Note(note));
        }
    } else if days_left >= 0 {
        // The nearest lead time not yet raised that has been reached; longer leads it passes
        // over are done too (a reminder "7 days before" is pointless 2 days before).
        let reached =
            REMINDER_LEADS.iter().copied().filter(|l| i64::from(*l) >= days_left && !next.leads_done.contains(l)).min();
        let Some(lead) = reached else { return changes.finish() };
        for l in REMINDER_LEADS.iter().filter(|l| **l >= lead) {
            if !next.leads_done.contains(l) {
                next.leads_done.push(*l);
            }
        }
        next.leads_done.sort_unstable_by(|a, b| b.cmp(a));
        raised.push(alert(AlertKind::Reminder, Some(lead)));
    } else {
        // Past its due date but still within a tribunal's roll-forward: nothing until it closes.
        return changes.finish();
    }
    for a in raised {
        changes.put(scope, keys::alert(a.due, a.id), Record::Alert(a));
    }
    changes.put(scope, key.to_owned(), Record::DueTracker(next));
    changes.finish()
}

/// Decides the scanner's writes for a ticket's SLA tracker (key `sla` in a connection scope):
/// tell the advocate once when the ticket turns orange and once when it turns red, in each
/// response window. A scan that comes late (red already) announces red only. No writes:
/// nothing to announce at `now`.
pub fn decide_sla_scan(now: DateTime<Utc>, scope: &Scope, key: &str, snap: &Snapshot) -> Decision {
    use crate::model::{Notice, NoticeKind};
    use crate::support::SlaTracker;
    use crate::vocab::SlaChip;
    let mut changes = Changes::new(snap);
    let Some(Record::SlaTracker(tracker)) = snap.get(scope, key) else { return changes.finish() };
    let (Some(opened), Some(next)) = (tracker.opened_at, tracker.next_check()) else { return changes.finish() };
    if next > now {
        return changes.finish();
    }
    let red = tracker.red_at.is_some_and(|r| r <= now);
    let (chip, kind) = if red { (SlaChip::Red, NoticeKind::SlaRed) } else { (SlaChip::Orange, NoticeKind::SlaOrange) };
    let mut next: SlaTracker = tracker.clone();
    for c in [SlaChip::Orange, SlaChip::Red] {
        if (c == SlaChip::Orange || red) && !next.announced.contains(&c) {
            next.announced.push(c);
        }
    }
    // One notice per ticket, window and colour, whichever run raises it.
    let id = AlertId::derived(tracker.ticket_id.0, &format!("sla/{}/{}", opened.timestamp(), chip.as_str()));
    let notice = Notice {
        id,
        kind,
        ticket_id: Some(tracker.ticket_id),
        connection_id: Some(tracker.connection_id),
        export_id: None,
        raised_at: now,
    };
    if let Some(user) = &tracker.advocate_user {
        crate::rules::ticket_records::notice(user, notice, &mut changes);
    }
    changes.put(scope, key.to_owned(), Record::SlaTracker(next));
    changes.finish()
}
