//! EHCP cases: creation, summary, status history, notes and next actions.

use chrono::NaiveDate;

use crate::aggregate::CaseAggregate;
use crate::command::{ActionPatch, Command, NewAction};
use crate::decide::Context;
use crate::error::{Checks, DomainError, limits};
use crate::ids::{ActionId, CaseId, ChildId, NoteId, StatusChangeId};
use crate::keys;
use crate::model::{Action, Case, Note, Record, StatusChange};
use crate::rules::{flags, key_dates};
use crate::scope::Scope;
use crate::snapshot::{Changes, Snapshot};
use crate::vocab::*;

/// Runs a case-level command in a child scope; returns the family scope for the audit line.
pub(crate) fn decide_case(
    ctx: &Context,
    scope: &Scope,
    command: &Command,
    snap: &Snapshot,
    changes: &mut Changes<'_>,
) -> Result<Scope, DomainError> {
    ctx.require_writer("case")?;
    let Some(Record::Child(child)) = snap.get(scope, keys::CHILD_PROFILE) else {
        return Err(DomainError::NotFound { what: "child" });
    };
    let family_scope = Scope::Family(child.family_id);
    if let Command::CreateCase { case_id, child_id, status, summary, next_action } = command {
        create_case(ctx, scope, *case_id, *child_id, *status, summary, next_action.as_ref(), snap, changes)?;
        return Ok(family_scope);
    }
    let case_id = command.case_id().ok_or(DomainError::NotFound { what: "case" })?;
    let agg = load(snap, scope, case_id).ok_or(DomainError::NotFound { what: "case" })?;
    match command {
        Command::EditCase { summary, .. } => edit_summary(ctx, scope, &agg, summary, changes)?,
        Command::ChangeStatus { status, note, .. } => {
            change_status(ctx, scope, &agg.case, *status, note.as_deref(), changes)?
        }
        Command::CloseCase { outcome, note, .. } => {
            change_status(ctx, scope, &agg.case, (*outcome).into(), note.as_deref(), changes)?
        }
        Command::RecordKeyDate { key_date_id, kind, date, decision, section_i_only, .. } => key_dates::record(
            ctx,
            scope,
            &agg,
            key_dates::Input {
                id: *key_date_id,
                kind: *kind,
                date: *date,
                decision: *decision,
                section_i_only: *section_i_only,
            },
            changes,
        )?,
        Command::AddNote { note_id, text, topic, section, document_id, .. } => {
            add_note(ctx, scope, &agg, *note_id, text, *topic, *section, *document_id, changes)?
        }
        Command::AddAction { action, .. } => add_action(ctx, scope, &agg, action, changes)?,
        Command::EditAction { action_id, patch, .. } => edit_action(ctx, scope, &agg, *action_id, patch, changes)?,
        Command::CompleteAction { action_id, completed_on, .. } => {
            complete_action(ctx, scope, &agg, *action_id, *completed_on, changes)?
        }
        Command::ReopenAction { action_id, .. } => reopen_action(ctx, scope, &agg, *action_id, changes)?,
        Command::AddFlag { .. }
        | Command::DecideFlag { .. }
        | Command::EditFlag { .. }
        | Command::AddAnnotation { .. } => flags::decide_flag(ctx, scope, &agg, command, snap, changes)?,
        Command::CreateFamily { .. }
        | Command::AddChild { .. }
        | Command::EditChild { .. }
        | Command::CreateCase { .. }
        | Command::SetPreferences { .. }
        | Command::MarkNotificationRead { .. }
        | Command::CreateDocument { .. }
        | Command::ConfirmUpload { .. }
        | Command::DeleteDocument { .. }
        | Command::RecordAnalysis { .. }
        | Command::RecordAnalysisFailure { .. } => {
            return Err(DomainError::NotFound { what: "case" });
        }
    }
    Ok(family_scope)
}

/// The case aggregate as the snapshot holds it.
pub(crate) fn load(snap: &Snapshot, scope: &Scope, case_id: CaseId) -> Option<CaseAggregate> {
    CaseAggregate::from_records(snap.prefix(scope, &keys::case_aggregate(case_id)).map(|(_, r)| r))
}

#[allow(clippy::too_many_arguments)]
fn create_case(
    ctx: &Context,
    scope: &Scope,
    case_id: CaseId,
    child_id: ChildId,
    status: CaseStatus,
    summary: &str,
    next_action: Option<&NewAction>,
    snap: &Snapshot,
    changes: &mut Changes<'_>,
) -> Result<(), DomainError> {
    let mut checks = Checks::new();
    let summary = checks.text("summary", summary, limits::SUMMARY);
    checks.finish()?;
    if let Some(Record::Case(existing)) = snap.get(scope, &keys::case(case_id)) {
        return if existing.child_id == child_id && existing.summary == summary {
            Ok(())
        } else {
            Err(DomainError::Conflict("a case with this id already exists with different content".into()))
        };
    }
    let case = Case {
        id: case_id,
        child_id,
        status,
        summary,
        created_by: ctx.actor_ref(),
        created_at: ctx.now,
        updated_at: ctx.now,
    };
    changes.put(scope, keys::case(case_id), Record::Case(case.clone()));
    changes.alias(case_id.to_string(), scope);
    let entry = StatusChange {
        id: StatusChangeId(ctx.op.0),
        case_id,
        from: None,
        to: status,
        at: ctx.now,
        by: ctx.actor_ref(),
        note: None,
    };
    changes.put(scope, keys::status_change(case_id, entry.id), Record::StatusChange(entry));
    if let Some(action) = next_action {
        let empty = CaseAggregate {
            case,
            history: vec![],
            key_dates: vec![],
            notes: vec![],
            actions: vec![],
            flags: vec![],
            annotations: vec![],
        };
        add_action(ctx, scope, &empty, action, changes)?;
    }
    Ok(())
}

fn edit_summary(
    ctx: &Context,
    scope: &Scope,
    agg: &CaseAggregate,
    summary: &str,
    changes: &mut Changes<'_>,
) -> Result<(), DomainError> {
    let mut checks = Checks::new();
    let summary = checks.text("summary", summary, limits::SUMMARY);
    checks.finish()?;
    if agg.case.summary == summary {
        return Ok(());
    }
    let mut case = agg.case.clone();
    case.summary = summary;
    case.updated_at = ctx.now;
    changes.put(scope, keys::case(case.id), Record::Case(case));
    Ok(())
}

/// Any status may move to any other; re-setting the current one is a no-op; every change is
/// appended to the immutable history.
fn change_status(
    ctx: &Context,
    scope: &Scope,
    case: &Case,
    to: CaseStatus,
    note: Option<&str>,
    changes: &mut Changes<'_>,
) -> Result<(), DomainError> {
    let mut checks = Checks::new();
    let note = checks.opt_text("note", note, limits::STATUS_NOTE);
    checks.finish()?;
    if case.status == to {
        return Ok(());
    }
    let entry = StatusChange {
        id: StatusChangeId(ctx.op.0),
        case_id: case.id,
        from: Some(case.status),
        to,
        at: ctx.now,
        by: ctx.actor_ref(),
        note,
    };
    let mut next = case.clone();
    next.status = to;
    next.updated_at = ctx.now;
    changes.put(scope, keys::case(case.id), Record::Case(next));
    changes.put(scope, keys::status_change(case.id, entry.id), Record::StatusChange(entry));
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn add_note(
    ctx: &Context,
    scope: &Scope,
    agg: &CaseAggregate,
    note_id: NoteId,
    text: &str,
    topic: Option<NoteTopic>,
    section: Option<Section>,
    document_id: Option<uuid::Uuid>,
    changes: &mut Changes<'_>,
) -> Result<(), DomainError> {
    let mut checks = Checks::new();
    let text = checks.text("text", text, limits::NOTE);
    checks.finish()?;
    if let Some(existing) = agg.notes.iter().find(|n| n.id == note_id) {
        let same = existing.text == text
            && existing.topic == topic
            && existing.section == section
            && existing.document_id == document_id;
        return if same { Ok(()) } else { Err(DomainError::Conflict("a note with this id already exists".into())) };
    }
    let note = Note {
        id: note_id,
        case_id: agg.case.id,
        text,
        author: ctx.actor_ref(),
        created_at: ctx.now,
        topic,
        section,
        document_id,
    };
    changes.put(scope, keys::note(agg.case.id, note_id), Record::Note(note));
    Ok(())
}

/// Default priority by who must act (DOMAIN §5.3).
pub(crate) fn default_priority(party: Party, kind: Option<DeadlineKind>) -> ActionPriority {
    if kind == Some(DeadlineKind::Guidance) {
        return ActionPriority::Routine;
    }
    match party {
        Party::Family => ActionPriority::Urgent,
        Party::La | Party::School | Party::Professional | Party::Advocate => ActionPriority::Important,
    }
}

fn add_action(
    ctx: &Context,
    scope: &Scope,
    agg: &CaseAggregate,
    input: &NewAction,
    changes: &mut Changes<'_>,
) -> Result<(), DomainError> {
    let mut checks = Checks::new();
    let description = checks.text("description", &input.description, limits::DESCRIPTION);
    checks.plausible_date("due", input.due);
    checks.finish()?;
    let id = input.id.unwrap_or(ActionId(ctx.op.0));
    let spec = input.timescale.map(|t| t.spec());
    let priority = input.priority.unwrap_or_else(|| default_priority(input.responsible, spec.map(|s| s.kind)));
    if let Some(existing) = agg.actions.iter().find(|a| a.id == id) {
        let same = existing.description == description
            && existing.responsible == input.responsible
            && existing.due == input.due
            && existing.timescale == input.timescale;
        return if same { Ok(()) } else { Err(DomainError::Conflict("an action with this id already exists".into())) };
    }
    let action = Action {
        id,
        case_id: agg.case.id,
        description,
        responsible: input.responsible,
        due: input.due,
        accepted_until: None,
        priority,
        timescale: input.timescale,
        legal_basis: spec.map(|s| s.basis.to_owned()),
        deadline_kind: spec.map(|s| s.kind),
        origin: ActionOrigin::Manual,
        state: ActionState::Open,
        completed_on: None,
        cancelled: false,
        key_date_id: None,
        completed_by_key_date: None,
        scan: None,
        created_at: ctx.now,
        updated_at: ctx.now,
    };
    changes.put(scope, keys::action(agg.case.id, id), Record::Action(action));
    Ok(())
}

fn find_action(agg: &CaseAggregate, id: ActionId) -> Result<&Action, DomainError> {
    agg.actions.iter().find(|a| a.id == id).ok_or(DomainError::NotFound { what: "action" })
}

fn edit_action(
    ctx: &Context,
    scope: &Scope,
    agg: &CaseAggregate,
    id: ActionId,
    patch: &ActionPatch,
    changes: &mut Changes<'_>,
) -> Result<(), DomainError> {
    let current = find_action(agg, id)?;
    let mut checks = Checks::new();
    let mut next = current.clone();
    let statutory = current.origin == ActionOrigin::Statutory;
    const COMPUTED: &str = "statutory actions are computed from key dates; correct the key date instead";
    if let Some(d) = &patch.description {
        if statutory {
            checks.fail("description", COMPUTED);
        } else {
            next.description = checks.text("description", d, limits::DESCRIPTION);
        }
    }
    if let Some(r) = patch.responsible {
        if statutory {
            checks.fail("responsible", COMPUTED);
        } else {
            next.responsible = r;
        }
    }
    if let Some(due) = patch.due {
        if statutory {
            checks.fail("due", COMPUTED);
        } else {
            checks.plausible_date("due", due);
            next.due = due;
        }
    }
    if let Some(p) = patch.priority {
        next.priority = p;
    }
    checks.finish()?;
    if next == *current {
        return Ok(());
    }
    next.updated_at = ctx.now;
    changes.put(scope, keys::action(agg.case.id, id), Record::Action(next));
    Ok(())
}

fn complete_action(
    ctx: &Context,
    scope: &Scope,
    agg: &CaseAggregate,
    id: ActionId,
    completed_on: Option<NaiveDate>,
    changes: &mut Changes<'_>,
) -> Result<(), DomainError> {
    let current = find_action(agg, id)?;
    let on = completed_on.unwrap_or_else(|| ctx.today());
    if on > ctx.today() {
        return Err(DomainError::invalid("completed_on", "must not be in the future"));
    }
    let mut checks = Checks::new();
    checks.plausible_date("completed_on", on);
    checks.finish()?;
    // Completing is idempotent: a second completion (from another device, or a retry) keeps
    // the first completion date.
    if current.state == ActionState::Done {
        return Ok(());
    }
    let mut next = current.clone();
    next.state = ActionState::Done;
    next.completed_on = Some(on);
    next.updated_at = ctx.now;
    changes.put(scope, keys::action(agg.case.id, id), Record::Action(next));
    Ok(())
}

fn reopen_action(
    ctx: &Context,
    scope: &Scope,
    agg: &CaseAggregate,
    id: ActionId,
    changes: &mut Changes<'_>,
) -> Result<(), DomainError> {
    let current = find_action(agg, id)?;
    if current.state == ActionState::Open {
        return Ok(());
    }
    let mut next = current.clone();
    next.state = ActionState::Open;
    next.completed_on = None;
    next.cancelled = false;
    next.completed_by_key_date = None;
    next.updated_at = ctx.now;
    changes.put(scope, keys::action(agg.case.id, id), Record::Action(next));
    Ok(())
}
