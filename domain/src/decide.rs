//! The one entry point for every change: `decide(context, operation, snapshot)`.
//!
//! It runs on the phone (optimistically, offline) and in the Lambda (authoritatively) and
//! returns the writes to commit or a typed refusal. It never reads a clock or does I/O: the
//! caller passes `now` and an operation id from which every derived id is made, so a retried
//! request or a replayed mutation decides exactly the same writes.

use crate::command::{Command, Operation};
use crate::context::Context;
use crate::error::DomainError;
use crate::ids::AuditId;
use crate::keys;
use crate::model::{AuditEntry, Record};
use crate::rules::{bundles, case, documents, family, orgs, personal, tickets, timeline};
use crate::scope::Scope;
use crate::snapshot::{Changes, Decision, Snapshot};

/// Decide an operation: the writes to commit (with their version conditions), or why not.
pub fn decide(ctx: &Context, op: &Operation, snap: &Snapshot) -> Result<Decision, DomainError> {
    let mut changes = Changes::new(snap);
    // Each area's rules answer the family scope whose audit log records the change; personal
    // settings are the caller's own business and are not audited to a family.
    let audited_in: Option<Scope> = match op {
        Operation::Command(Command::Family { family_id, command }) => {
            Some(family::decide(ctx, *family_id, command, snap, &mut changes)?)
        }
        Operation::Command(Command::Case { child_id, case_id, command }) => {
            Some(case::decide(ctx, *child_id, *case_id, command, snap, &mut changes)?)
        }
        Operation::Command(Command::Document { child_id, document_id, command }) => {
            Some(documents::decide(ctx, *child_id, *document_id, command, snap, &mut changes)?)
        }
        Operation::Command(Command::Timeline { child_id, entry_id, command }) => {
            Some(timeline::decide(ctx, *child_id, *entry_id, command, snap, &mut changes)?)
        }
        Operation::Command(Command::Bundle { child_id, bundle_id, command }) => {
            Some(bundles::decide(ctx, *child_id, *bundle_id, command, snap, &mut changes)?)
        }
        Operation::Command(Command::Personal { command }) => {
            personal::decide(ctx, command, snap, &mut changes)?;
            None
        }
        Operation::Command(Command::Ticket { connection_id, ticket_id, command }) => {
            Some(tickets::decide_ticket(ctx, *connection_id, *ticket_id, command, snap, &mut changes)?)
        }
        // The advocate's own workspace is their business, not a family's.
        Operation::Command(Command::Advocate { command }) => {
            tickets::decide_advocate(ctx, command, snap, &mut changes)?;
            None
        }
        Operation::Command(Command::Org { org_id, command }) => {
            orgs::decide(ctx, *org_id, command, snap, &mut changes)?;
            None
        }
        Operation::System(system @ crate::command::SystemCommand::RecordExport { .. }) => {
            personal::record_export(ctx, system, snap, &mut changes)?;
            None
        }
        Operation::System(system @ crate::command::SystemCommand::RecordErasure { .. }) => {
            personal::record_erasure(ctx, system, snap, &mut changes)?;
            None
        }
        Operation::System(system @ crate::command::SystemCommand::RecordBuild { .. }) => {
            Some(bundles::record_build(ctx, system, snap, &mut changes)?)
        }
        Operation::System(system) => Some(documents::decide_system(ctx, system, snap, &mut changes)?),
    };
    // A synced edit of text notes its device as the field's last editor, and tells the one it
    // replaced unseen.
    crate::rules::overrides::record_text_edits(ctx, op, snap, &mut changes);
    if let Some(family_scope) = audited_in
        && changes.has_writes()
    {
        audit(ctx, op, &family_scope, &mut changes);
    }
    Ok(changes.finish())
}

/// Appends the audit line for a change: ids only, never the content.
fn audit(ctx: &Context, op: &Operation, family_scope: &Scope, changes: &mut Changes<'_>) {
    let scope = op.scope(&ctx.actor);
    let target = match op {
        Operation::Command(Command::Timeline { entry_id, .. }) => keys::timeline_entry(*entry_id),
        Operation::Command(Command::Bundle { bundle_id, .. }) => keys::bundle(*bundle_id),
        Operation::System(crate::command::SystemCommand::RecordBuild { bundle_id, .. }) => keys::bundle(*bundle_id),
        _ => op.case_id().map(keys::case).unwrap_or_else(|| scope.to_string()),
    };
    let id = AuditId(ctx.op.derive("audit"));
    let entry = AuditEntry {
        id,
        at: ctx.now,
        actor: ctx.actor_ref(),
        action: op.name().to_owned(),
        scope: scope.to_string(),
        target,
    };
    changes.put(family_scope, keys::audit(ctx.now, id), Record::Audit(entry));
}
