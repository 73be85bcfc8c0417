//! EHCP cases: creation, summary, status history, notes and next actions.

use chrono::NaiveDate;

use crate::aggregate::CaseAggregate;
use crate::command::{ActionPatch, CaseCommand, ExceptionInput, NewAction};
use crate::context::Context;
use crate::error::Conflict;
use crate::error::{Checks, DomainError, NOT_THIS_CHILDS_DOCUMENT, limits};
use crate::ids::{ActionId, CaseId, ChildId, DocumentId, NoteId, StatusChangeId};
use crate::keys;
use crate::model::{Action, Case, ExceptionClaim, Note, Record, StatusChange};
use crate::rules::actions::put_action;
use crate::rules::{flags, key_dates};
use crate::scope::Scope;
use crate::snapshot::{Changes, Snapshot};
use crate::timescale::{Deadline, TimescaleId};
use crate::vocab::*;

/// Runs a case command in the child's scope; returns the family scope for the audit line.
pub(crate) fn decide(
    ctx: &Context,
    child_id: ChildId,
    case_id: CaseId,
    command: &CaseCommand,
    snap: &Snapshot,
    changes: &mut Changes<'_>,
) -> Result<Scope, DomainError> {
    let scope = Scope::Child(child_id);
    ctx.require_writer("case")?;
    let Some(Record::Child(child)) = snap.get(&scope, keys::CHILD_PROFILE) else {
        return Err(DomainError::NotFound { what: "child" });
    };
    let family_scope = Scope::Family(child.family_id);
    let agg = load(snap, &scope, case_id);
    let existing = || agg.as_ref().ok_or(DomainError::NotFound { what: "case" });
    let scope = &scope;
    match command {
        CaseCommand::CreateCase { status, summary, next_action } => {
            let input = NewCase {
                case_id,
                child_id,
                date_of_birth: child.date_of_birth,
                status: *status,
                summary,
                next_action: next_action.as_ref(),
            };
            create_case(ctx, scope, input, agg.as_ref(), changes)?
        }
        CaseCommand::EditCase { summary } => edit_summary(ctx, scope, existing()?, summary, changes)?,
        CaseCommand::ChangeStatus { status, note } => {
            change_status(ctx, scope, &existing()?.case, *status, note.as_deref(), changes)?
        }
        CaseCommand::CloseCase { outcome, note } => {
            change_status(ctx, scope, &existing()?.case, (*outcome).into(), note.as_deref(), changes)?
        }
        CaseCommand::RecordKeyDate { key_date_id, kind, date, decision, section_i_only } => key_dates::record(
            ctx,
            scope,
            existing()?,
            key_dates::Input {
                id: *key_date_id,
                kind: *kind,
                date: *date,
                decision: *decision,
                section_i_only: *section_i_only,
            },
            changes,
        )?,
        CaseCommand::DeleteKeyDate { key_date_id } => {
            key_dates::delete(ctx, scope, existing()?, *key_date_id, changes)?
        }
        CaseCommand::AddNote { note_id, text, topic, section, document_id } => {
            let note = NoteInput { id: *note_id, text, topic: *topic, section: *section, document_id: *document_id };
            add_note(ctx, scope, existing()?, note, snap, changes)?
        }
        CaseCommand::AddAction { action } => add_action(ctx, scope, existing()?, action, changes)?,
        CaseCommand::EditAction { action_id, patch } => {
            edit_action(ctx, scope, existing()?, *action_id, patch, changes)?
        }
        CaseCommand::CompleteAction { action_id, completed_on } => {
            complete_action(ctx, scope, existing()?, *action_id, *completed_on, changes)?
        }
        CaseCommand::ReopenAction { action_id } => reopen_action(ctx, scope, existing()?, *action_id, changes)?,
        CaseCommand::RecordException { action_id, exception } => {
            record_exception(ctx, scope, existing()?, *action_id, Some(exception), snap, changes)?
        }
        CaseCommand::ClearException { action_id } => {
            record_exception(ctx, scope, existing()?, *action_id, None, snap, changes)?
        }
        CaseCommand::AddFlag { .. }
        | CaseCommand::DecideFlag { .. }
        | CaseCommand::EditFlag { .. }
        | CaseCommand::AddAnnotation { .. } => flags::decide_flag(ctx, scope, existing()?, command, snap, changes)?,
    }
    // Closing the case (into resolved or closed) completes the support request linked to it.
    let closed_now = matches!(command, CaseCommand::ChangeStatus { .. } | CaseCommand::CloseCase { .. })
        && agg.as_ref().is_some_and(|a| !a.case.status.is_terminal())
        && matches!(changes.current(scope, &keys::case(case_id)), Some(Record::Case(c)) if c.status.is_terminal());
    if closed_now {
        crate::rules::tickets::resolve_linked_ticket(ctx, scope, case_id, snap, changes);
    }
    Ok(family_scope)
}

/// The case aggregate as the snapshot holds it.
pub(crate) fn load(snap: &Snapshot, scope: &Scope, case_id: CaseId) -> Option<CaseAggregate> {
    CaseAggregate::from_records(snap.prefix(scope, &keys::case_aggregate(case_id)).map(|(_, r)| r))
}

/// The id of the first action a case is created with: derived from the case, so a retried
/// creation finds it again.
fn first_action_id(case_id: CaseId) -> ActionId {
    ActionId::derived(case_id.0, "next_action")
}

struct NewCase<'a> {
    case_id: CaseId,
    child_id: ChildId,
    date_of_birth: NaiveDate,
    status: CaseStatus,
    summary: &'a str,
    next_action: Option<&'a NewAction>,
}

/// The oldest a young person can be and still have a plan: the Children and Families Act 2014
/// s.83(2) defines a young person as under 25, and s.46 lets a plan be maintained to the end of
/// the academic year in which they turn 25; a new case is refused from
/// their 26th birthday. It is a rule of plans and cases only: the child's own record is kept
/// and stays editable at any age.
const MAX_AGE_YEARS: u32 = 25;

fn too_old_for_a_plan(date_of_birth: NaiveDate, today: NaiveDate) -> bool {
    date_of_birth.checked_add_months(chrono::Months::new(12 * (MAX_AGE_YEARS + 1))).is_none_or(|d| d <= today)
}

fn create_case(
    ctx: &Context,
    scope: &Scope,
    input: NewCase<'_>,
    existing: Option<&CaseAggregate>,
    changes: &mut Changes<'_>,
) -> Result<(), DomainError> {
    let NewCase { case_id, child_id, date_of_birth, status, summary, next_action } = input;
    let mut checks = Checks::new();
    let summary = checks.text("summary", summary, limits::SUMMARY);
    if existing.is_none() && too_old_for_a_plan(date_of_birth, ctx.today()) {
        checks.refuse("child_id", "plans cover children and young people aged 25 or under");
    }
    checks.finish()?;
    let next_action =
        next_action.map(|a| NewAction { id: Some(a.id.unwrap_or(first_action_id(case_id))), ..a.clone() });
    if let Some(agg) = existing {
        // A retry of the same creation is answered with the case; anything else reusing the
        // id is a conflict (a retry cannot quietly change what was created).
        let created_as = agg.history.iter().find(|h| h.from.is_none()).map(|h| h.to);
        let first = next_action.as_ref().and_then(|n| n.id).or(Some(first_action_id(case_id)));
        let first_action = agg.actions.iter().find(|a| Some(a.id) == first);
        let same_action = match (&next_action, first_action) {
            (None, None) => true,
            (Some(n), Some(a)) => {
                a.description == n.description.trim()
                    && a.responsible == n.responsible
                    && a.timescale == n.timescale
                    && (n.due.is_none() || n.due == Some(a.due))
            }
            _ => false,
        };
        return if agg.case.child_id == child_id
            && agg.case.summary == summary
            && created_as == Some(status)
            && same_action
        {
            Ok(())
        } else {
            Err(DomainError::Conflict(Conflict::IdTaken { what: "case" }))
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
        id: StatusChangeId(ctx.op.derive("status")),
        case_id,
        from: None,
        to: status,
        at: ctx.now,
        by: ctx.actor_ref(),
        note: None,
    };
    changes.put(scope, keys::status_change(case_id, entry.id), Record::StatusChange(entry));
    if let Some(action) = next_action {
        add_action(ctx, scope, &CaseAggregate::new(case), &action, changes)?;
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
        id: StatusChangeId(ctx.op.derive("status")),
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

struct NoteInput<'a> {
    id: NoteId,
    text: &'a str,
    topic: Option<NoteTopic>,
    section: Option<Section>,
    document_id: Option<DocumentId>,
}

fn add_note(
    ctx: &Context,
    scope: &Scope,
    agg: &CaseAggregate,
    input: NoteInput<'_>,
    snap: &Snapshot,
    changes: &mut Changes<'_>,
) -> Result<(), DomainError> {
    let mut checks = Checks::new();
    let text = checks.text("text", input.text, limits::NOTE);
    if let Some(d) = input.document_id
        && !matches!(snap.get(scope, &keys::document(d)), Some(Record::Document(_)))
    {
        checks.refuse("document_id", NOT_THIS_CHILDS_DOCUMENT);
    }
    checks.finish()?;
    if let Some(existing) = agg.notes.iter().find(|n| n.id == input.id) {
        let same = existing.text == text
            && existing.topic == input.topic
            && existing.section == input.section
            && existing.document_id == input.document_id;
        return if same { Ok(()) } else { Err(DomainError::Conflict(Conflict::IdTaken { what: "note" })) };
    }
    let note = Note {
        id: input.id,
        case_id: agg.case.id,
        text,
        author: ctx.actor_ref(),
        created_at: ctx.now,
        topic: input.topic,
        section: input.section,
        document_id: input.document_id,
    };
    changes.put(scope, keys::note(agg.case.id, input.id), Record::Note(note));
    Ok(())
}

/// An action's due date, from what the person entered: a date, or a statutory timescale and
/// its start (never both: the law sets the date, `docs/law.md`). How the three fields relate is
/// a rule beyond the document's schema, so breaking it is a refusal (409), not a 422.
fn scheduled(
    checks: &mut Checks,
    due: Option<NaiveDate>,
    timescale: Option<TimescaleId>,
    start: Option<NaiveDate>,
) -> Option<(NaiveDate, Option<NaiveDate>)> {
    match (timescale, due, start) {
        (None, Some(due), None) => {
            checks.plausible_date("due", due);
            Some((due, None))
        }
        (None, None, _) => {
            checks.refuse("due", "required (or give a timescale and its start)");
            None
        }
        (None, Some(_), Some(_)) => {
            checks.refuse("start", "only an action that tracks a timescale has a start");
            None
        }
        (Some(t), Some(_), _) => {
            checks.refuse("due", format!("computed for `{t}` from its start; give `start` instead"));
            None
        }
        (Some(t), None, None) => {
            checks.refuse("start", format!("required for `{t}`: the day its clock starts"));
            None
        }
        (Some(t), None, Some(start)) => {
            checks.plausible_date("start", start);
            match Deadline::from_start(t, start) {
                Ok(d) => Some((d.due, d.accepted_until)),
                Err(e) => {
                    checks.refuse("start", e.to_string());
                    None
                }
            }
        }
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
    let scheduled = scheduled(&mut checks, input.due, input.timescale, input.start);
    checks.finish()?;
    let Some((due, accepted_until)) = scheduled else { return Err(DomainError::invalid("due", "required")) };
    let id = input.id.unwrap_or(ActionId(ctx.op.derive("action")));
    let spec = input.timescale.map(|t| t.spec());
    let priority =
        input.priority.unwrap_or_else(|| ActionPriority::default_for(input.responsible, spec.map(|s| s.kind)));
    if let Some(existing) = agg.actions.iter().find(|a| a.id == id) {
        let same = existing.description == description
            && existing.responsible == input.responsible
            && existing.due == due
            && existing.timescale == input.timescale;
        return if same { Ok(()) } else { Err(DomainError::Conflict(Conflict::IdTaken { what: "action" })) };
    }
    let action = Action {
        accepted_until,
        timescale: input.timescale,
        legal_basis: spec.map(|s| s.basis.to_owned()),
        deadline_kind: spec.map(|s| s.kind),
        ..Action::open(id, agg.case.id, description, input.responsible, due, priority, ActionOrigin::Manual, ctx.now)
    };
    put_action(changes, scope, action);
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
    // A statutory action follows its key dates, a promise's action its timeline entry: either
    // is corrected where it comes from.
    let statutory = current.origin != ActionOrigin::Manual;
    let computed = match current.origin {
        ActionOrigin::Commitment => {
            "this action follows a promise on the child's timeline; edit the timeline entry instead"
        }
        _ => "statutory actions are computed from key dates; correct the key date instead",
    };
    if let Some(d) = &patch.description {
        if statutory {
            checks.refuse("description", computed);
        } else {
            next.description = checks.text("description", d, limits::DESCRIPTION);
        }
    }
    if let Some(r) = patch.responsible {
        if statutory {
            checks.refuse("responsible", computed);
        } else {
            next.responsible = r;
        }
    }
    if let Some(due) = patch.due {
        if statutory {
            checks.refuse("due", computed);
        } else if let Some(t) = current.timescale {
            checks.refuse("due", format!("computed for `{t}` from its start; give `start` instead"));
        } else {
            checks.plausible_date("due", due);
            next.due = due;
        }
    }
    if let Some(start) = patch.start {
        match current.timescale {
            Some(_) if statutory => checks.refuse("start", computed),
            Some(t) => {
                if let Some((due, accepted_until)) = scheduled(&mut checks, None, Some(t), Some(start)) {
                    next.due = due;
                    next.accepted_until = accepted_until;
                }
            }
            None => checks.refuse("start", "only an action that tracks a timescale has a start"),
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
    put_action(changes, scope, next);
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
        return Err(DomainError::refused("completed_on", "must not be after today"));
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
    crate::rules::timeline::mirror_action(ctx, scope, &next, Some(on), changes);
    put_action(changes, scope, next);
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
    crate::rules::timeline::mirror_action(ctx, scope, &next, None, changes);
    put_action(changes, scope, next);
    Ok(())
}

/// Records (or, with `None`, withdraws) the LA's reliance on an exception to an action's time
/// limit. Only grounds the law allows for that timescale are accepted (SEND Regs 2014 regs 5(4), 8(2), 10(4), 13(3), 44(3)); the due date
/// never moves.
#[allow(clippy::too_many_arguments)]
fn record_exception(
    ctx: &Context,
    scope: &Scope,
    agg: &CaseAggregate,
    id: ActionId,
    input: Option<&ExceptionInput>,
    snap: &Snapshot,
    changes: &mut Changes<'_>,
) -> Result<(), DomainError> {
    let current = find_action(agg, id)?;
    let claim = match input {
        None => None,
        Some(input) => {
            let mut checks = Checks::new();
            let note = checks.text("note", &input.note, limits::STATUS_NOTE);
            let allowed = current.timescale.map(|t| t.exception_grounds()).unwrap_or_default();
            if !allowed.contains(&input.ground) {
                let what =
                    current.timescale.map_or("an action with no statutory timescale".to_owned(), |t| format!("`{t}`"));
                let grounds: Vec<&str> = allowed.iter().map(|g| g.as_str()).collect();
                checks.refuse(
                    "ground",
                    if grounds.is_empty() {
                        format!("the law allows no exception for {what}")
                    } else {
                        format!("not a ground for {what}; the law allows: {}", grounds.join(", "))
                    },
                );
            }
            if let Some(p) = input.period {
                checks.plausible_date("period.from", p.from);
                checks.plausible_date("period.to", p.to);
                if p.to < p.from {
                    checks.refuse("period", "must not end before it starts");
                }
            }
            if let Some(d) = input.evidence_document_id
                && !matches!(snap.get(scope, &keys::document(d)), Some(Record::Document(_)))
            {
                checks.refuse("evidence_document_id", NOT_THIS_CHILDS_DOCUMENT);
            }
            checks.finish()?;
            let same = current.exception.as_ref().is_some_and(|e| {
                e.ground == input.ground
                    && e.claimed_by == input.claimed_by
                    && e.period == input.period
                    && e.note == note
                    && e.evidence_document_id == input.evidence_document_id
            });
            if same {
                return Ok(());
            }
            Some(ExceptionClaim {
                ground: input.ground,
                claimed_by: input.claimed_by,
                period: input.period,
                note,
                evidence_document_id: input.evidence_document_id,
                recorded_by: ctx.actor_ref(),
                recorded_at: ctx.now,
            })
        }
    };
    if claim.is_none() && current.exception.is_none() {
        return Ok(());
    }
    let mut next = current.clone();
    next.exception = claim;
    next.updated_at = ctx.now;
    put_action(changes, scope, next);
    Ok(())
}
