//! A user's own settings and notification state (the user scope).

use crate::command::PersonalCommand;
use crate::context::Context;
use crate::error::DomainError;
use crate::ids::AlertId;
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
    }
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
