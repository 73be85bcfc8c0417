//! The one entry point for every change: `decide(context, scope, command, snapshot)`.
//!
//! It runs on the phone (optimistically, offline) and in the Lambda (authoritatively) and
//! returns the writes to commit or a typed refusal. It never reads a clock or does I/O: the
//! caller passes `now` and an operation id from which every derived id is made, so a retried
//! request or a replayed mutation decides exactly the same writes.

use chrono::{DateTime, NaiveDate, Utc};

use crate::command::Command;
use crate::dates::london_date;
use crate::error::DomainError;
use crate::ids::{AuditId, OpId, UserId};
use crate::keys;
use crate::model::{ActorRef, AuditEntry, Record};
use crate::rules::{case, documents, family, flags, personal};
use crate::scope::Scope;
use crate::snapshot::{Changes, Decision, Read, Snapshot};
use crate::vocab::{MemberRole, RoleClaim};

/// The authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user: UserId,
    pub role: RoleClaim,
}

impl Actor {
    pub fn as_ref(&self) -> ActorRef {
        ActorRef { user: self.user.clone(), role: self.role.into() }
    }
}

/// Everything a decision depends on besides the records.
#[derive(Debug, Clone)]
pub struct Context {
    pub actor: Actor,
    /// The caller's membership of the command's scope, read from the membership record
    /// (never from the request). `None`: not a member.
    pub membership: Option<MemberRole>,
    pub now: DateTime<Utc>,
    /// Seeds the ids of records the command creates implicitly (history, audit).
    pub op: OpId,
}

impl Context {
    /// Today in England, the day deadlines are judged by.
    pub fn today(&self) -> NaiveDate {
        london_date(self.now)
    }

    pub(crate) fn actor_ref(&self) -> ActorRef {
        self.actor.as_ref()
    }

    /// The caller must own the scope (the family).
    pub(crate) fn require_owner(&self, what: &'static str, rule: &'static str) -> Result<(), DomainError> {
        match self.membership {
            None => Err(DomainError::NotFound { what }),
            Some(MemberRole::Owner) => Ok(()),
            Some(_) => Err(DomainError::Forbidden { rule }),
        }
    }

    /// The caller must be allowed to change records in the scope (owner or collaborator).
    pub(crate) fn require_writer(&self, what: &'static str) -> Result<(), DomainError> {
        match self.membership {
            None => Err(DomainError::NotFound { what }),
            Some(role) if role.may_write() => Ok(()),
            Some(_) => Err(DomainError::Forbidden { rule: READ_ONLY }),
        }
    }
}

/// Why a view-only member is refused a change.
pub const READ_ONLY: &str =
    "view access is read-only: only the family and advocates granted collaborate access can change this case";

/// The scope a command must be run in, where the command names it. Case-level commands other
/// than `create_case` run in the child scope that holds the case (found by the caller).
pub fn home_scope(command: &Command, actor: &Actor) -> Option<Scope> {
    if command.is_personal() {
        return Some(Scope::User(actor.user.clone()));
    }
    match command {
        Command::CreateFamily { family_id, .. }
        | Command::AddChild { family_id, .. }
        | Command::EditChild { family_id, .. } => Some(Scope::Family(*family_id)),
        Command::CreateCase { child_id, .. } | Command::CreateDocument { child_id, .. } => {
            Some(Scope::Child(*child_id))
        }
        _ => None,
    }
}

/// The records `decide` needs for this command, to be loaded into the snapshot.
pub fn reads(scope: &Scope, command: &Command, actor: &Actor) -> Vec<Read> {
    match command {
        Command::CreateFamily { .. } => vec![
            Read::Get(scope.clone(), keys::FAMILY_PROFILE.into()),
            Read::Prefix(Scope::User(actor.user.clone()), keys::MEMBERSHIP_PREFIX.into()),
        ],
        Command::AddChild { child_id, .. } => vec![
            Read::Get(scope.clone(), keys::FAMILY_PROFILE.into()),
            Read::Get(scope.clone(), keys::family_child(*child_id)),
            Read::Prefix(scope.clone(), keys::MEMBER_PREFIX.into()),
        ],
        Command::EditChild { child_id, .. } => vec![
            Read::Get(scope.clone(), keys::family_child(*child_id)),
            Read::Get(Scope::Child(*child_id), keys::CHILD_PROFILE.into()),
        ],
        Command::SetPreferences { .. } => vec![Read::Get(scope.clone(), keys::PREFERENCES.into())],
        Command::MarkNotificationRead { notification_id } => {
            vec![Read::Get(scope.clone(), keys::read_marker(*notification_id))]
        }
        Command::RecordAnalysis { document_id, case_id: Some(case_id), .. } => vec![
            Read::Get(scope.clone(), keys::CHILD_PROFILE.into()),
            Read::Get(scope.clone(), keys::document(*document_id)),
            Read::Prefix(scope.clone(), keys::case_aggregate(*case_id)),
        ],
        // Linked documents must be this child's: each is read (a list over the limit is refused
        // by decide, so no more than one past it is loaded).
        Command::AddAnnotation { case_id, document_ids, .. } => {
            let mut reads = vec![
                Read::Get(scope.clone(), keys::CHILD_PROFILE.into()),
                Read::Prefix(scope.clone(), keys::case_aggregate(*case_id)),
            ];
            let linked = document_ids.iter().take(crate::error::limits::LINKED_DOCUMENTS + 1);
            reads.extend(linked.map(|d| Read::Get(scope.clone(), keys::document(*d))));
            reads
        }
        Command::AddFlag { case_id, document_id: Some(document_id), .. } => vec![
            Read::Get(scope.clone(), keys::CHILD_PROFILE.into()),
            Read::Prefix(scope.clone(), keys::case_aggregate(*case_id)),
            Read::Get(scope.clone(), keys::document(*document_id)),
        ],
        Command::CreateDocument { document_id, .. }
        | Command::ConfirmUpload { document_id, .. }
        | Command::DeleteDocument { document_id }
        | Command::RecordAnalysis { document_id, .. }
        | Command::RecordAnalysisFailure { document_id, .. } => vec![
            Read::Get(scope.clone(), keys::CHILD_PROFILE.into()),
            Read::Get(scope.clone(), keys::document(*document_id)),
        ],
        other => match other.case_id() {
            Some(case_id) => vec![
                Read::Get(scope.clone(), keys::CHILD_PROFILE.into()),
                Read::Prefix(scope.clone(), keys::case_aggregate(case_id)),
            ],
            None => Vec::new(),
        },
    }
}

/// Decide a command: the writes to commit (with their version conditions), or why not.
pub fn decide(ctx: &Context, scope: &Scope, command: &Command, snap: &Snapshot) -> Result<Decision, DomainError> {
    if let Some(home) = home_scope(command, &ctx.actor)
        && &home != scope
    {
        return Err(DomainError::Conflict(format!("`{}` must run in scope {home}", command.name())));
    }
    let mut changes = Changes::new(snap);
    let family_scope = match command {
        Command::CreateFamily { family_id, name } => {
            family::create_family(ctx, scope, *family_id, name, snap, &mut changes)?;
            scope.clone()
        }
        Command::AddChild { child_id, name, date_of_birth, local_authority, school, .. } => {
            family::add_child(
                ctx,
                scope,
                *child_id,
                name,
                *date_of_birth,
                local_authority,
                school.as_deref(),
                snap,
                &mut changes,
            )?;
            scope.clone()
        }
        Command::EditChild { child_id, patch, .. } => {
            family::edit_child(ctx, scope, *child_id, patch, snap, &mut changes)?;
            scope.clone()
        }
        // Personal settings are the caller's own business: not audited to a family.
        Command::SetPreferences { reminder_lead_days } => {
            personal::set_preferences(ctx, scope, reminder_lead_days, snap, &mut changes)?;
            return Ok(changes.finish());
        }
        Command::MarkNotificationRead { notification_id } => {
            personal::mark_read(ctx, scope, *notification_id, snap, &mut changes);
            return Ok(changes.finish());
        }
        Command::CreateDocument { .. } | Command::ConfirmUpload { .. } | Command::DeleteDocument { .. } => {
            documents::decide_document(ctx, scope, command, snap, &mut changes)?
        }
        Command::RecordAnalysis { .. } | Command::RecordAnalysisFailure { .. } => {
            flags::record_analysis(ctx, scope, command, snap, &mut changes)?
        }
        case_command => {
            let Scope::Child(_) = scope else {
                return Err(DomainError::NotFound { what: "case" });
            };
            case::decide_case(ctx, scope, case_command, snap, &mut changes)?
        }
    };
    if changes.has_writes() {
        audit(ctx, command, scope, &family_scope, &mut changes);
    }
    Ok(changes.finish())
}

/// Appends the audit line for a change: ids only, never the content.
fn audit(ctx: &Context, command: &Command, scope: &Scope, family_scope: &Scope, changes: &mut Changes<'_>) {
    let target = command.case_id().map(keys::case).unwrap_or_else(|| scope.to_string());
    let id = AuditId(ctx.op.0);
    let entry = AuditEntry {
        id,
        at: ctx.now,
        actor: ctx.actor_ref(),
        action: command.name().to_owned(),
        scope: scope.to_string(),
        target,
    };
    changes.put(family_scope, keys::audit(id), Record::Audit(entry));
}
