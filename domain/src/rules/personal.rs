//! A user's own settings and notification state (the user scope).

use crate::bundle::BuildState;
use crate::command::{BuildOutcome, PersonalCommand, SystemCommand};
use crate::context::Context;
use crate::error::DomainError;
use crate::export::{EXPORT_DAYS, Export};
use crate::ids::{AlertId, ExportId};
use crate::keys;
use crate::model::{Preferences, REMINDER_LEADS, ReadMarker, Record};
use crate::scope::Scope;
use crate::snapshot::{Changes, Snapshot};

/// Runs a personal command in the caller's own scope.
pub(crate) fn decide(
    ctx: &Context,
    command: &PersonalCommand,
    snap: &Snapshot,
    changes: &mut Changes<'_>,
) -> Result<(), DomainError> {
    let scope = Scope::User(ctx.actor.user.clone());
    match command {
        PersonalCommand::SetPreferences { reminder_lead_days } => {
            set_preferences(ctx, &scope, reminder_lead_days, snap, changes)
        }
        PersonalCommand::MarkNotificationRead { notification_id } => {
            mark_read(ctx, &scope, *notification_id, snap, changes);
            Ok(())
        }
        PersonalCommand::RequestExport { export_id } => request_export(ctx, &scope, *export_id, snap, changes),
    }
}

/// One export at a time: another is refused, naming the one being made.
fn request_export(
    ctx: &Context,
    scope: &Scope,
    id: ExportId,
    snap: &Snapshot,
    changes: &mut Changes<'_>,
) -> Result<(), DomainError> {
    // The server makes exports as they are asked for; a phone asks through the API.
    if ctx.origin.is_some() {
        return Err(DomainError::refused("export", "ask for an export online, not through sync"));
    }
    let key = keys::export(id);
    if let Some(Record::Export(_)) = snap.get(scope, &key) {
        return Ok(());
    }
    let running = snap.prefix(scope, keys::EXPORT_PREFIX).find_map(|(_, r)| match r {
        Record::Export(e) if e.running() => Some(e.id),
        _ => None,
    });
    if let Some(other) = running {
        return Err(DomainError::refused(
            "export",
            format!("export {other} is being made; ask again when it is ready"),
        ));
    }
    let export = Export {
        id,
        user: ctx.actor.user.clone(),
        role: ctx.actor.role.into(),
        state: BuildState::Queued,
        requested_at: ctx.now,
        finished_at: None,
        expires_at: None,
        size: None,
        sha256: None,
        files: None,
        reason: None,
    };
    changes.put(scope, key, Record::Export(export));
    Ok(())
}

/// The exporter's report on an export, made as the user who asked for it.
pub(crate) fn record_export(
    ctx: &Context,
    command: &SystemCommand,
    snap: &Snapshot,
    changes: &mut Changes<'_>,
) -> Result<(), DomainError> {
    let SystemCommand::RecordExport { user, export_id, outcome } = command else {
        return Err(DomainError::NotFound { what: "export" });
    };
    let scope = Scope::User(user.clone());
    if ctx.actor.user != *user {
        return Err(DomainError::NotFound { what: "export" });
    }
    let key = keys::export(*export_id);
    let Some(Record::Export(current)) = snap.get(&scope, &key) else {
        return Err(DomainError::NotFound { what: "export" });
    };
    if current.state == BuildState::Ready {
        return Ok(());
    }
    let mut next = current.clone();
    match outcome {
        BuildOutcome::Building => next.state = BuildState::Building,
        BuildOutcome::Ready { pages, sha256, size } => {
            next.state = BuildState::Ready;
            next.files = Some(*pages);
            next.sha256 = Some(sha256.clone());
            next.size = Some(*size);
            next.finished_at = Some(ctx.now);
            next.expires_at = Some(ctx.now + chrono::Duration::days(EXPORT_DAYS));
        }
        BuildOutcome::Failed { reason } => {
            next.state = BuildState::Failed;
            next.reason = Some(reason.chars().take(crate::error::limits::REASON).collect());
            next.finished_at = Some(ctx.now);
        }
    }
    if next != *current {
        // The person is told once the export is made, or could not be.
        let told = match next.state {
            BuildState::Ready => Some(crate::model::NoticeKind::ExportReady),
            BuildState::Failed if current.state != BuildState::Failed => Some(crate::model::NoticeKind::ExportFailed),
            _ => None,
        };
        if let Some(kind) = told {
            let id = AlertId(ctx.op.derive(&format!("notice/{}", kind.as_str())));
            let notice = crate::model::Notice {
                id,
                kind,
                ticket_id: None,
                connection_id: None,
                export_id: Some(*export_id),
                raised_at: ctx.now,
            };
            crate::rules::ticket_records::notice(user, notice, changes);
        }
        changes.put(&scope, key, Record::Export(next));
    }
    Ok(())
}

fn set_preferences(
    ctx: &Context,
    scope: &Scope,
    leads: &[u32],
    snap: &Snapshot,
    changes: &mut Changes<'_>,
) -> Result<(), DomainError> {
    if let Some(bad) = leads.iter().find(|l| !REMINDER_LEADS.contains(l)) {
        return Err(DomainError::invalid(
            "reminder_lead_days",
            format!("{bad} is not offered; choose any of 7, 3 and 1 days"),
        ));
    }
    let mut wanted = leads.to_vec();
    wanted.sort_unstable_by(|a, b| b.cmp(a));
    wanted.dedup();
    if wanted.len() != leads.len() {
        return Err(DomainError::invalid("reminder_lead_days", "give each lead time once"));
    }
    if let Some(Record::Preferences(p)) = snap.get(scope, keys::PREFERENCES)
        && p.reminder_lead_days == wanted
    {
        return Ok(());
    }
    let prefs = Preferences { reminder_lead_days: wanted, updated_at: ctx.now };
    changes.put(scope, keys::PREFERENCES.into(), Record::Preferences(prefs));
    Ok(())
}

/// Marking read twice keeps the first time.
fn mark_read(ctx: &Context, scope: &Scope, id: AlertId, snap: &Snapshot, changes: &mut Changes<'_>) {
    let key = keys::read_marker(id);
    if snap.get(scope, &key).is_none() {
        changes.put(scope, key, Record::ReadMarker(ReadMarker { id, read_at: ctx.now }));
    }
}

/// Where an account's deletion stands, written by the deletion as the user deleting their
/// account (no one else can name their keyed hash). The receipt only moves forward within one
/// deletion; when it completes, each advocate the deletion noted is told — with a notice that
/// names nothing of the family, whose records are gone.
pub(crate) fn record_erasure(
    ctx: &Context,
    command: &SystemCommand,
    snap: &Snapshot,
    changes: &mut Changes<'_>,
) -> Result<(), DomainError> {
    use crate::erasure::ErasureState;
    use crate::model::{Notice, NoticeKind};
    use crate::vocab::ActorRole;
    let SystemCommand::RecordErasure { key, receipt } = command else {
        return Err(DomainError::NotFound { what: "deletion" });
    };
    let scope = Scope::Erased(key.clone());
    let current = match snap.get(&scope, keys::ERASURE_RECEIPT) {
        Some(Record::Erasure(e)) => Some(e),
        _ => None,
    };
    if current == Some(receipt) {
        return Ok(());
    }
    let completing =
        receipt.state == ErasureState::Complete && current.is_some_and(|c| c.state == ErasureState::InProgress);
    // An advocate's families were told by each ticket as it closed.
    if completing && let Some(current) = current.filter(|c| c.role == ActorRole::Family) {
        let kind = NoticeKind::FamilyLeft;
        for user in &current.notify {
            let id = AlertId(ctx.op.derive(&format!("notice/{}/{user}", kind.as_str())));
            let notice = Notice { id, kind, ticket_id: None, connection_id: None, export_id: None, raised_at: ctx.now };
            crate::rules::ticket_records::notice(user, notice, changes);
        }
    }
    changes.put(&scope, keys::ERASURE_RECEIPT.into(), Record::Erasure(receipt.clone()));
    Ok(())
}
