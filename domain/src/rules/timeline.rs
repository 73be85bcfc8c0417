//! The child's timeline: adding, editing and deleting entries, recording a promise kept, and
//! keeping each dated promise's action on the linked case in step with the entry.

use chrono::NaiveDate;

use crate::command::{EntryPatch, NewCommitment, NewEntry, TimelineCommand};
use crate::context::Context;
use crate::error::{Checks, Conflict, DomainError, NOT_THIS_CHILDS_CASE, NOT_THIS_CHILDS_DOCUMENT};
use crate::ids::{ChildId, CommitmentId, RevisionId, TimelineEntryId};
use crate::keys;
use crate::model::{Action, Record};
use crate::rules::actions::{delete_action, put_action};
use crate::scope::Scope;
use crate::snapshot::{Changes, Snapshot};
use crate::timeline::{
    ActionSource, Commitment, EntryDetails, MAX_COMMITMENTS, MAX_LINKED_DOCUMENTS, MAX_NAME, MAX_PROMISE, MAX_TEXT,
    Revision, TimelineEntry, report_commitment, report_commitment_id,
};
use crate::vocab::{ActionOrigin, ActionPriority, ActionState, MemberRole, TimelineKind};

/// Why a collaborating advocate may not change an entry someone else recorded.
pub const NOT_YOUR_ENTRY: &str =
    "advocates may change only the timeline entries they recorded; the family may change any of them";

/// Runs a timeline command in the child's scope; returns the family scope for the audit line.
pub(crate) fn decide(
    ctx: &Context,
    child_id: ChildId,
    entry_id: TimelineEntryId,
    command: &TimelineCommand,
    snap: &Snapshot,
    changes: &mut Changes<'_>,
) -> Result<Scope, DomainError> {
    let scope = Scope::Child(child_id);
    ctx.require_writer("timeline entry")?;
    let family_scope = crate::rules::documents::family_scope(snap, &scope)?;
    let key = keys::timeline_entry(entry_id);
    let stored = match snap.get(&scope, &key) {
        Some(Record::TimelineEntry(e)) => Some(e.clone()),
        _ => None,
    };
    let deleted = snap.entry(&scope, &key).is_some_and(|v| v.deleted);
    match command {
        TimelineCommand::AddEntry { entry } => {
            let next = build(ctx, &scope, child_id, entry_id, entry, None, snap)?;
            if let Some(existing) = stored {
                // A retry of the same entry changes nothing; anything else reusing the id is a
                // conflict (a retry cannot quietly change what was recorded).
                return if same_content(&existing, &next) {
                    Ok(family_scope)
                } else {
                    Err(DomainError::Conflict(Conflict::IdTaken { what: "timeline entry" }))
                };
            }
            if deleted {
                return Err(DomainError::Conflict(Conflict::IdTaken { what: "timeline entry" }));
            }
            sync_actions(ctx, &scope, None, Some(&next), changes);
            changes.put(&scope, key, Record::TimelineEntry(next));
        }
        TimelineCommand::EditEntry { patch } => {
            let current = stored.ok_or(DomainError::NotFound { what: "timeline entry" })?;
            may_change(ctx, &current)?;
            let input = patched(&current, patch)?;
            let mut next = build(ctx, &scope, child_id, entry_id, &input, Some(&current), snap)?;
            if same_content(&current, &next) {
                return Ok(family_scope);
            }
            next.recorded_by = current.recorded_by.clone();
            next.recorded_at = current.recorded_at;
            keep_revision(ctx, &scope, &current, &next, "edit_timeline_entry", changes);
            sync_actions(ctx, &scope, Some(&current), Some(&next), changes);
            changes.put(&scope, key, Record::TimelineEntry(next));
        }
        TimelineCommand::DeleteEntry => {
            let Some(current) = stored else {
                // Deleting twice (a retry, a second device) is done already.
                return if deleted { Ok(family_scope) } else { Err(DomainError::NotFound { what: "timeline entry" }) };
            };
            may_change(ctx, &current)?;
            sync_actions(ctx, &scope, Some(&current), None, changes);
            for (k, r) in snap.prefix(&scope, &keys::revisions(entry_id)) {
                changes.delete(&scope, k.to_owned(), r.clone());
            }
            changes.delete(&scope, key, Record::TimelineEntry(current));
        }
        TimelineCommand::RecordKept { commitment_id, on } => {
            let current = stored.ok_or(DomainError::NotFound { what: "timeline entry" })?;
            may_change(ctx, &current)?;
            let on = on.unwrap_or_else(|| ctx.today());
            let mut checks = Checks::new();
            checks.plausible_date("on", on);
            checks.finish()?;
            let Some(promise) = current.commitments.iter().find(|c| c.id == *commitment_id) else {
                return Err(DomainError::NotFound { what: "commitment" });
            };
            if on > ctx.today() {
                return Err(DomainError::refused("on", "must not be after today"));
            }
            if on < current.date {
                return Err(DomainError::refused("on", "must not be before the entry's date (when it was promised)"));
            }
            if promise.kept_on == Some(on) {
                return Ok(family_scope);
            }
            let mut next = current.clone();
            for c in next.commitments.iter_mut().filter(|c| c.id == *commitment_id) {
                c.kept_on = Some(on);
            }
            next.updated_at = ctx.now;
            next.updated_by = Some(ctx.actor_ref());
            keep_revision(ctx, &scope, &current, &next, "record_commitment_kept", changes);
            sync_actions(ctx, &scope, Some(&current), Some(&next), changes);
            changes.put(&scope, key, Record::TimelineEntry(next));
        }
    }
    Ok(family_scope)
}

/// The family may change any entry; a collaborating advocate only those they recorded.
fn may_change(ctx: &Context, entry: &TimelineEntry) -> Result<(), DomainError> {
    match ctx.membership {
        Some(MemberRole::Owner) => Ok(()),
        _ if entry.recorded_by.user == ctx.actor.user => Ok(()),
        _ => Err(DomainError::Forbidden { rule: NOT_YOUR_ENTRY }),
    }
}

/// Everything an entry says, apart from who recorded or changed it and when.
fn same_content(a: &TimelineEntry, b: &TimelineEntry) -> bool {
    a.date == b.date
        && a.time == b.time
        && a.case_id == b.case_id
        && a.document_ids == b.document_ids
        && a.include_in_timeline == b.include_in_timeline
        && a.details == b.details
        && a.commitments == b.commitments
}

/// Names of the fields that differ, for the history.
fn changed_fields(a: &TimelineEntry, b: &TimelineEntry) -> Vec<String> {
    let mut fields = Vec::new();
    let mut check = |name: &str, differs: bool| {
        if differs {
            fields.push(name.to_owned());
        }
    };
    check("date", a.date != b.date);
    check("time", a.time != b.time);
    check("case_id", a.case_id != b.case_id);
    check("document_ids", a.document_ids != b.document_ids);
    check("include_in_timeline", a.include_in_timeline != b.include_in_timeline);
    check("details", a.details != b.details);
    check("commitments", a.commitments != b.commitments);
    fields
}

fn keep_revision(
    ctx: &Context,
    scope: &Scope,
    before: &TimelineEntry,
    after: &TimelineEntry,
    change: &str,
    changes: &mut Changes<'_>,
) {
    let id = RevisionId(ctx.op.derive(&format!("revision/{}", before.id)));
    let revision = Revision {
        id,
        entry_id: before.id,
        at: ctx.now,
        by: ctx.actor_ref(),
        change: change.to_owned(),
        fields: changed_fields(before, after),
        previous: Box::new(before.clone()),
    };
    changes.put(scope, keys::revision(before.id, ctx.now, id), Record::Revision(revision));
}

/// The stored entry as the input it was made from, with `patch` laid over it. A field of
/// another kind is refused by name.
fn patched(current: &TimelineEntry, patch: &EntryPatch) -> Result<NewEntry, DomainError> {
    let mut e = NewEntry::of(current.details.kind(), current.date);
    e.time = current.time;
    e.case_id = current.case_id;
    e.document_ids = current.document_ids.clone();
    e.include_in_timeline = Some(current.include_in_timeline);
    e.commitments = current
        .commitments
        .iter()
        .filter(|c| !c.report)
        .map(|c| NewCommitment { id: Some(c.id), text: c.text.clone(), by: c.by, due: c.due })
        .collect();
    match &current.details {
        EntryDetails::Interaction { channel, direction, contact_name, contact_organisation, contact_role, summary } => {
            e.channel = Some(*channel);
            e.direction = Some(*direction);
            e.contact_name = Some(contact_name.clone());
            e.contact_organisation = contact_organisation.clone();
            e.contact_role = contact_role.clone();
            e.summary = Some(summary.clone());
        }
        EntryDetails::Appointment {
            professional_name,
            professional_role,
            purpose,
            location,
            outcome,
            report_expected_by,
        } => {
            e.professional_name = Some(professional_name.clone());
            e.professional_role = Some(*professional_role);
            e.purpose = Some(*purpose);
            e.location = location.clone();
            e.outcome = outcome.clone();
            e.report_expected_by = *report_expected_by;
        }
        EntryDetails::Event { title, category, description } => {
            e.title = Some(title.clone());
            e.category = Some(*category);
            e.description = description.clone();
        }
    }
    let p = patch;
    if let Some(d) = p.date {
        e.date = d;
    }
    if let Some(t) = p.time {
        e.time = t;
    }
    if let Some(c) = p.case_id {
        e.case_id = c;
    }
    if let Some(d) = &p.document_ids {
        e.document_ids = d.clone();
    }
    if let Some(i) = p.include_in_timeline {
        e.include_in_timeline = Some(i);
    }
    if let Some(c) = &p.commitments {
        e.commitments = c.clone();
    }
    let kind = current.details.kind();
    let mut checks = Checks::new();
    let mut own = |field: &str, present: bool, of: TimelineKind| {
        if present && kind != of {
            checks.refuse(field, format!("a {} has no `{field}`; its kind never changes", kind.as_str()));
        }
        present && kind == of
    };
    if own("channel", p.channel.is_some(), TimelineKind::Interaction) {
        e.channel = p.channel;
    }
    if own("direction", p.direction.is_some(), TimelineKind::Interaction) {
        e.direction = p.direction;
    }
    if own("contact_name", p.contact_name.is_some(), TimelineKind::Interaction) {
        e.contact_name = p.contact_name.clone();
    }
    if own("contact_organisation", p.contact_organisation.is_some(), TimelineKind::Interaction) {
        e.contact_organisation = p.contact_organisation.clone();
    }
    if own("contact_role", p.contact_role.is_some(), TimelineKind::Interaction) {
        e.contact_role = p.contact_role.clone();
    }
    if own("summary", p.summary.is_some(), TimelineKind::Interaction) {
        e.summary = p.summary.clone();
    }
    if own("professional_name", p.professional_name.is_some(), TimelineKind::Appointment) {
        e.professional_name = p.professional_name.clone();
    }
    if own("professional_role", p.professional_role.is_some(), TimelineKind::Appointment) {
        e.professional_role = p.professional_role;
    }
    if own("purpose", p.purpose.is_some(), TimelineKind::Appointment) {
        e.purpose = p.purpose;
    }
    if own("location", p.location.is_some(), TimelineKind::Appointment) {
        e.location = p.location.clone();
    }
    if own("outcome", p.outcome.is_some(), TimelineKind::Appointment) {
        e.outcome = p.outcome.clone();
    }
    if own("report_expected_by", p.report_expected_by.is_some(), TimelineKind::Appointment) {
        e.report_expected_by = p.report_expected_by.flatten();
    }
    if own("title", p.title.is_some(), TimelineKind::Event) {
        e.title = p.title.clone();
    }
    if own("category", p.category.is_some(), TimelineKind::Event) {
        e.category = p.category;
    }
    if own("description", p.description.is_some(), TimelineKind::Event) {
        e.description = p.description.clone();
    }
    checks.finish()?;
    Ok(e)
}

/// Each field that belongs to one kind, the kind, and whether `e` sets it.
fn kind_fields(e: &NewEntry) -> [(&'static str, TimelineKind, bool); 15] {
    use TimelineKind::{Appointment, Event, Interaction};
    [
        ("channel", Interaction, e.channel.is_some()),
        ("direction", Interaction, e.direction.is_some()),
        ("contact_name", Interaction, e.contact_name.is_some()),
        ("contact_organisation", Interaction, e.contact_organisation.is_some()),
        ("contact_role", Interaction, e.contact_role.is_some()),
        ("summary", Interaction, e.summary.is_some()),
        ("professional_name", Appointment, e.professional_name.is_some()),
        ("professional_role", Appointment, e.professional_role.is_some()),
        ("purpose", Appointment, e.purpose.is_some()),
        ("location", Appointment, e.location.is_some()),
        ("outcome", Appointment, e.outcome.is_some()),
        ("report_expected_by", Appointment, e.report_expected_by.is_some()),
        ("title", Event, e.title.is_some()),
        ("category", Event, e.category.is_some()),
        ("description", Event, e.description.is_some()),
    ]
}

/// Validates an entry as entered and makes the record: what the API's document states is a
/// 422; which fields a kind needs, how dates relate, and which case or documents are this
/// child's are rules (409), each naming its field. `current` is the entry being edited: its
/// promises keep whether they were kept.
fn build(
    ctx: &Context,
    scope: &Scope,
    child_id: ChildId,
    entry_id: TimelineEntryId,
    e: &NewEntry,
    current: Option<&TimelineEntry>,
    snap: &Snapshot,
) -> Result<TimelineEntry, DomainError> {
    let mut checks = Checks::new();
    checks.plausible_date("date", e.date);
    if e.document_ids.len() > MAX_LINKED_DOCUMENTS {
        checks.fail("document_ids", format!("at most {MAX_LINKED_DOCUMENTS} documents"));
    }
    if e.commitments.len() > MAX_COMMITMENTS {
        checks.fail("commitments", format!("at most {MAX_COMMITMENTS} promises"));
    }
    // What a kind needs, and what it must not carry.
    let need = |checks: &mut Checks, field: &str, value: Option<String>, max: usize| -> String {
        match value {
            Some(v) => checks.text(field, &v, max),
            None => {
                checks.refuse(field, format!("required for a {}", e.kind.as_str()));
                String::new()
            }
        }
    };
    let details = match e.kind {
        TimelineKind::Interaction => {
            let contact_name = need(&mut checks, "contact_name", e.contact_name.clone(), MAX_NAME);
            let summary = need(&mut checks, "summary", e.summary.clone(), MAX_TEXT);
            let (channel, direction) = (e.channel, e.direction);
            if channel.is_none() {
                checks.refuse("channel", "required for an interaction");
            }
            if direction.is_none() {
                checks.refuse("direction", "required for an interaction");
            }
            EntryDetails::Interaction {
                channel: channel.unwrap_or(crate::vocab::Channel::PhoneCall),
                direction: direction.unwrap_or(crate::vocab::Direction::Incoming),
                contact_name,
                contact_organisation: checks.opt_text(
                    "contact_organisation",
                    e.contact_organisation.as_deref(),
                    MAX_NAME,
                ),
                contact_role: checks.opt_text("contact_role", e.contact_role.as_deref(), MAX_NAME),
                summary,
            }
        }
        TimelineKind::Appointment => {
            let professional_name = need(&mut checks, "professional_name", e.professional_name.clone(), MAX_NAME);
            if e.professional_role.is_none() {
                checks.refuse("professional_role", "required for an appointment");
            }
            if e.purpose.is_none() {
                checks.refuse("purpose", "required for an appointment");
            }
            if let Some(r) = e.report_expected_by {
                checks.plausible_date("report_expected_by", r);
                if r < e.date {
                    checks.refuse("report_expected_by", "must not be before the appointment");
                }
            }
            EntryDetails::Appointment {
                professional_name,
                professional_role: e.professional_role.unwrap_or(crate::vocab::ProfessionalRole::Other),
                purpose: e.purpose.unwrap_or(crate::vocab::AppointmentPurpose::Other),
                location: checks.opt_text("location", e.location.as_deref(), MAX_NAME),
                outcome: checks.opt_text("outcome", e.outcome.as_deref(), MAX_TEXT),
                report_expected_by: e.report_expected_by,
            }
        }
        TimelineKind::Event => {
            let title = need(&mut checks, "title", e.title.clone(), MAX_NAME);
            if e.category.is_none() {
                checks.refuse("category", "required for an event");
            }
            if !e.commitments.is_empty() {
                checks.refuse("commitments", "only a contact or an appointment records promises");
            }
            EntryDetails::Event {
                title,
                category: e.category.unwrap_or(crate::vocab::EventCategory::Other),
                description: checks.opt_text("description", e.description.as_deref(), MAX_TEXT),
            }
        }
    };
    for (field, of, set) in kind_fields(e) {
        if set && of != e.kind {
            checks.refuse(field, format!("a {} has no `{field}`", e.kind.as_str()));
        }
    }
    // Something that happened is not logged before it happens; an appointment may be booked
    // ahead.
    if e.kind != TimelineKind::Appointment && e.date > ctx.today() {
        checks.refuse("date", format!("a {} is recorded once it has happened: not after today", e.kind.as_str()));
    }
    // The case and documents must be this child's.
    if let Some(case_id) = e.case_id
        && !matches!(snap.get(scope, &keys::case(case_id)), Some(Record::Case(_)))
    {
        checks.refuse("case_id", NOT_THIS_CHILDS_CASE);
    }
    let mut document_ids = Vec::new();
    for (i, d) in e.document_ids.iter().enumerate() {
        if !matches!(snap.get(scope, &keys::document(*d)), Some(Record::Document(_))) {
            checks.refuse(&format!("document_ids[{i}]"), NOT_THIS_CHILDS_DOCUMENT);
        }
        if !document_ids.contains(d) {
            document_ids.push(*d);
        }
    }
    // The promises: each quoted, dated no earlier than the entry, ids unique.
    let kept =
        |id: CommitmentId| current.and_then(|c| c.commitments.iter().find(|p| p.id == id)).and_then(|p| p.kept_on);
    let mut commitments: Vec<Commitment> = Vec::new();
    for (i, c) in e.commitments.iter().enumerate() {
        let field = format!("commitments[{i}]");
        let text = checks.text(&format!("{field}.text"), &c.text, MAX_PROMISE);
        let id = c.id.unwrap_or_else(|| CommitmentId(ctx.op.derive(&format!("commitment/{entry_id}/{i}"))));
        if let Some(due) = c.due {
            checks.plausible_date(&format!("{field}.due"), due);
            if due < e.date {
                checks.refuse(&format!("{field}.due"), "must not be before the entry's date (when it was promised)");
            }
        }
        if id == report_commitment_id(entry_id) || commitments.iter().any(|p| p.id == id) {
            checks.refuse(&format!("{field}.id"), "names another promise of this entry");
        }
        commitments.push(Commitment { id, text, by: c.by, due: c.due, kept_on: kept(id), report: false });
    }
    checks.finish()?;
    if let EntryDetails::Appointment { professional_name, professional_role, report_expected_by: Some(due), .. } =
        &details
    {
        let rid = report_commitment_id(entry_id);
        commitments.push(report_commitment(entry_id, professional_name, *professional_role, *due, kept(rid)));
    }
    Ok(TimelineEntry {
        id: entry_id,
        child_id,
        date: e.date,
        time: e.time,
        case_id: e.case_id,
        document_ids,
        include_in_timeline: e.include_in_timeline.unwrap_or(true),
        details,
        commitments,
        recorded_by: ctx.actor_ref(),
        recorded_at: ctx.now,
        updated_at: ctx.now,
        updated_by: current.map(|_| ctx.actor_ref()),
    })
}

/// The open action each dated promise of an entry linked to a case stands for. Brings the
/// case's actions in line with the entry as it was (`before`) and as it now is (`after`): new
/// promises open actions, changed ones move them, kept ones complete them, and promises gone
/// (removed, unlinked, the entry deleted) withdraw their open actions; done ones stay, marked
/// when the entry is deleted.
fn sync_actions(
    ctx: &Context,
    scope: &Scope,
    before: Option<&TimelineEntry>,
    after: Option<&TimelineEntry>,
    changes: &mut Changes<'_>,
) {
    let wanted = |e: &TimelineEntry| -> Vec<(crate::ids::CaseId, Commitment)> {
        match e.case_id {
            Some(case) => e.commitments.iter().filter(|c| c.due.is_some()).map(|c| (case, c.clone())).collect(),
            None => Vec::new(),
        }
    };
    let next = after.map(wanted).unwrap_or_default();
    if let Some(before) = before {
        for (case, c) in wanted(before) {
            if next.iter().any(|(nc, n)| *nc == case && n.id == c.id) {
                continue;
            }
            let key = keys::action(case, c.action_id());
            let Some(Record::Action(a)) = changes.current(scope, &key).cloned() else { continue };
            if a.is_open() {
                delete_action(changes, scope, a);
            } else if after.is_none() {
                let mut done = a;
                if let Some(s) = done.source.as_mut() {
                    s.entry_deleted = true;
                }
                done.updated_at = ctx.now;
                put_action(changes, scope, done);
            }
        }
    }
    let Some(entry) = after else { return };
    for (case, c) in next {
        let key = keys::action(case, c.action_id());
        let existing = match changes.current(scope, &key) {
            Some(Record::Action(a)) => Some(a.clone()),
            _ => None,
        };
        let Some(due) = c.due else { continue };
        let (state, completed_on) = match c.kept_on {
            Some(on) => (ActionState::Done, Some(on)),
            None => (ActionState::Open, None),
        };
        let source = ActionSource { entry_id: entry.id, commitment_id: c.id, entry_deleted: false };
        let action = match existing {
            Some(a) => {
                let mut n = a.clone();
                n.description = c.action_description();
                n.responsible = c.by;
                n.due = due;
                n.state = state;
                n.completed_on = completed_on;
                n.source = Some(source);
                if n == a {
                    continue;
                }
                n.updated_at = ctx.now;
                n
            }
            None => Action {
                state,
                completed_on,
                source: Some(source),
                ..Action::open(
                    c.action_id(),
                    case,
                    c.action_description(),
                    c.by,
                    due,
                    ActionPriority::Routine,
                    ActionOrigin::Commitment,
                    ctx.now,
                )
            },
        };
        put_action(changes, scope, action);
    }
}

/// Completing or reopening a promise's action from the case records it on the entry too, so the
/// chronology and the action never disagree about whether it was kept.
pub(crate) fn mirror_action(
    ctx: &Context,
    scope: &Scope,
    action: &Action,
    kept_on: Option<NaiveDate>,
    changes: &mut Changes<'_>,
) {
    let Some(source) = action.source else { return };
    let key = keys::timeline_entry(source.entry_id);
    let Some(Record::TimelineEntry(current)) = changes.current(scope, &key).cloned() else { return };
    let mut next = current.clone();
    for c in next.commitments.iter_mut().filter(|c| c.id == source.commitment_id) {
        c.kept_on = kept_on;
    }
    if next == current {
        return;
    }
    next.updated_at = ctx.now;
    next.updated_by = Some(ctx.actor_ref());
    keep_revision(ctx, scope, &current, &next, "record_commitment_kept", changes);
    changes.put(scope, key, Record::TimelineEntry(next));
}
