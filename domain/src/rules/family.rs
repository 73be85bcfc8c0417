//! Family accounts and children.

use chrono::NaiveDate;

use crate::command::{ChildPatch, FamilyCommand};
use crate::context::Context;
use crate::error::Conflict;
use crate::error::{Checks, DomainError, limits};
use crate::ids::{ChildId, FamilyId};
use crate::keys;
use crate::model::{Child, Family, FamilyMember, Membership, Record};
use crate::rules::access;
use crate::scope::Scope;
use crate::snapshot::{Changes, Snapshot};
use crate::vocab::{MemberRole, RoleClaim};

const OWNER_ONLY: &str = "only the family can manage its children and account";

/// Runs a family command; returns the family scope (for the audit line).
pub(crate) fn decide(
    ctx: &Context,
    family_id: FamilyId,
    command: &FamilyCommand,
    snap: &Snapshot,
    changes: &mut Changes<'_>,
) -> Result<Scope, DomainError> {
    let scope = Scope::Family(family_id);
    match command {
        FamilyCommand::CreateFamily { name } => create_family(ctx, &scope, family_id, name, snap, changes)?,
        FamilyCommand::AddChild { child_id, name, date_of_birth, local_authority, school } => {
            let child = NewChild {
                id: *child_id,
                name,
                date_of_birth: *date_of_birth,
                local_authority,
                school: school.as_deref(),
            };
            add_child(ctx, &scope, family_id, child, snap, changes)?
        }
        FamilyCommand::EditChild { child_id, patch } => edit_child(ctx, &scope, *child_id, patch, snap, changes)?,
        FamilyCommand::RequestSupport {
            connection_id,
            ticket_id,
            message_id,
            to,
            child_id,
            kind,
            message,
            replaces,
        } => {
            let request = crate::rules::tickets::Request {
                family_id,
                connection_id: *connection_id,
                ticket_id: *ticket_id,
                message_id: *message_id,
                to: *to,
                child_id: *child_id,
                kind: *kind,
                message,
                replaces: *replaces,
            };
            crate::rules::tickets::request_support(ctx, request, snap, changes)?
        }
        FamilyCommand::Grant { connection_id, children, level } => {
            access::grant(ctx, family_id, *connection_id, children, *level, snap, changes)?
        }
        FamilyCommand::Revoke { connection_id, children } => {
            access::revoke(ctx, family_id, *connection_id, children.as_deref(), snap, changes)?
        }
        FamilyCommand::EndSupport { connection_id, note } => {
            access::end_support(ctx, family_id, *connection_id, note.as_deref(), snap, changes)?
        }
        FamilyCommand::Review { advocate_id, connection_id, rating, text } => {
            let input =
                access::ReviewInput { advocate_id: *advocate_id, connection_id: *connection_id, rating: *rating, text };
            access::review(ctx, family_id, input, snap, changes)?
        }
    }
    Ok(scope)
}

fn create_family(
    ctx: &Context,
    scope: &Scope,
    family_id: FamilyId,
    name: &str,
    snap: &Snapshot,
    changes: &mut Changes<'_>,
) -> Result<(), DomainError> {
    if ctx.actor.role != RoleClaim::Family {
        return Err(DomainError::Forbidden { rule: "only a family account can create a family" });
    }
    let mut checks = Checks::new();
    let name = checks.text("name", name, limits::NAME);
    checks.finish()?;
    let user_scope = Scope::User(ctx.actor.user.clone());
    let other = snap.prefix(&user_scope, keys::MEMBERSHIP_PREFIX).any(
        |(_, r)| matches!(r, Record::Membership(m) if m.scope.starts_with("family:") && m.scope != scope.to_string()),
    );
    if other {
        return Err(DomainError::Conflict(Conflict::AlreadyInFamily));
    }
    if let Some(Record::Family(existing)) = snap.get(scope, keys::FAMILY_PROFILE) {
        if existing.created_by == ctx.actor.user && existing.name == name {
            return Ok(());
        }
        return Err(DomainError::Conflict(Conflict::IdTaken { what: "family" }));
    }
    let family = Family { id: family_id, name, created_by: ctx.actor.user.clone(), created_at: ctx.now };
    changes.put(scope, keys::FAMILY_PROFILE.into(), Record::Family(family));
    changes.put(
        scope,
        keys::family_member(&ctx.actor.user),
        Record::FamilyMember(FamilyMember { user: ctx.actor.user.clone(), added_at: ctx.now }),
    );
    grant_owner(ctx, &ctx.actor.user, scope, changes);
    Ok(())
}

fn grant_owner(ctx: &Context, user: &crate::ids::UserId, scope: &Scope, changes: &mut Changes<'_>) {
    let membership =
        Membership { user: user.clone(), scope: scope.to_string(), role: MemberRole::Owner, granted_at: ctx.now };
    changes.put(&Scope::User(user.clone()), keys::membership(scope), Record::Membership(membership));
}

/// A child's record is kept whatever their age (a young person's records stay theirs to edit as
/// they grow up); the 0–25 rule belongs to opening a case (`rules::case`). A birth date after
/// today is refused by rule: it depends on the day, which no schema can state.
fn check_child(checks: &mut Checks, ctx: &Context, date_of_birth: NaiveDate) {
    if date_of_birth > ctx.today() {
        checks.refuse("date_of_birth", "must not be after today");
    }
}

struct NewChild<'a> {
    id: ChildId,
    name: &'a str,
    date_of_birth: NaiveDate,
    local_authority: &'a str,
    school: Option<&'a str>,
}

fn add_child(
    ctx: &Context,
    scope: &Scope,
    family_id: FamilyId,
    input: NewChild<'_>,
    snap: &Snapshot,
    changes: &mut Changes<'_>,
) -> Result<(), DomainError> {
    ctx.require_owner("family", OWNER_ONLY)?;
    let NewChild { id: child_id, name, date_of_birth, local_authority, school } = input;
    if snap.get(scope, keys::FAMILY_PROFILE).is_none() {
        return Err(DomainError::NotFound { what: "family" });
    }
    let mut checks = Checks::new();
    let name = checks.text("name", name, limits::NAME);
    let local_authority = checks.text("local_authority", local_authority, limits::NAME);
    let school = checks.opt_text("school", school, limits::NAME);
    check_child(&mut checks, ctx, date_of_birth);
    checks.finish()?;
    if let Some(Record::Child(existing)) = snap.get(scope, &keys::family_child(child_id)) {
        let same = existing.name == name
            && existing.date_of_birth == date_of_birth
            && existing.local_authority == local_authority
            && existing.school == school;
        return if same { Ok(()) } else { Err(DomainError::Conflict(Conflict::IdTaken { what: "child" })) };
    }
    let child = Child {
        id: child_id,
        family_id,
        name,
        date_of_birth,
        local_authority,
        school,
        created_at: ctx.now,
        updated_at: ctx.now,
    };
    write_child(&child, changes);
    // Every member of the family owns the new child's scope.
    let child_scope = Scope::Child(child_id);
    let members: Vec<_> = snap
        .prefix(scope, keys::MEMBER_PREFIX)
        .filter_map(|(_, r)| match r {
            Record::FamilyMember(m) => Some(m.user.clone()),
            _ => None,
        })
        .collect();
    for user in members {
        grant_owner(ctx, &user, &child_scope, changes);
    }
    // Advocates granted "all" of the family's children get this one too.
    let all_grants: Vec<_> = snap
        .prefix(scope, keys::GRANT_PREFIX)
        .filter_map(|(_, r)| match r {
            Record::Grant(g) if matches!(g.children, crate::support::GrantedChildren::All) => {
                Some(g.advocate_user.clone())
            }
            _ => None,
        })
        .collect();
    for user in all_grants {
        access::sync_memberships(ctx, family_id, &user, &[child_id], snap, changes);
    }
    Ok(())
}

/// A child lives in the family's list and as the child scope's profile; both change together.
fn write_child(child: &Child, changes: &mut Changes<'_>) {
    changes.put(&Scope::Family(child.family_id), keys::family_child(child.id), Record::Child(child.clone()));
    changes.put(&Scope::Child(child.id), keys::CHILD_PROFILE.into(), Record::Child(child.clone()));
}

fn edit_child(
    ctx: &Context,
    scope: &Scope,
    child_id: ChildId,
    patch: &ChildPatch,
    snap: &Snapshot,
    changes: &mut Changes<'_>,
) -> Result<(), DomainError> {
    ctx.require_owner("child", OWNER_ONLY)?;
    let Some(Record::Child(current)) = snap.get(scope, &keys::family_child(child_id)) else {
        return Err(DomainError::NotFound { what: "child" });
    };
    let mut checks = Checks::new();
    let mut next = current.clone();
    if let Some(n) = &patch.name {
        next.name = checks.text("name", n, limits::NAME);
    }
    if let Some(la) = &patch.local_authority {
        next.local_authority = checks.text("local_authority", la, limits::NAME);
    }
    if let Some(s) = &patch.school {
        next.school = checks.opt_text("school", Some(s), limits::NAME);
    }
    if let Some(d) = patch.date_of_birth {
        check_child(&mut checks, ctx, d);
        next.date_of_birth = d;
    }
    checks.finish()?;
    if next == *current {
        return Ok(());
    }
    next.updated_at = ctx.now;
    write_child(&next, changes);
    Ok(())
}
