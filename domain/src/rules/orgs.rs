//! Advocacy organisations: a profile, member advocates and admins. Admins see the
//! organisation's queue and assign its tickets; they never see private notes, and a child's
//! records only through a grant like anyone else.

use crate::command::{OrgCommand, OrganisationInput};
use crate::context::Context;
use crate::error::Conflict;
use crate::error::{Checks, DomainError, limits};
use crate::ids::{AdvocateId, OrganisationId};
use crate::keys;
use crate::model::{Membership, Record};
use crate::rules::ticket_records::{advocate_profile, checked_areas};
use crate::scope::Scope;
use crate::snapshot::{Changes, Snapshot};
use crate::support::sla::DEFAULT_RESPONSE_HOURS;
use crate::support::{OrgMember, Organisation};
use crate::vocab::{MemberRole, OrgRole, RoleClaim};

const ADMINS: &str = "only the organisation's admins can change it";
const ORG_ADMIN_ACCOUNTS: &str = "only an organisation admin account can create an organisation";

/// The role an organisation member holds in its scope: admins own it, advocates read it.
fn scope_role(role: OrgRole) -> MemberRole {
    match role {
        OrgRole::Admin => MemberRole::Owner,
        OrgRole::Advocate => MemberRole::Reader,
    }
}

pub(crate) fn decide(
    ctx: &Context,
    org_id: OrganisationId,
    command: &OrgCommand,
    snap: &Snapshot,
    changes: &mut Changes<'_>,
) -> Result<(), DomainError> {
    let scope = Scope::Org(org_id);
    let existing = match snap.get(&scope, keys::ORG_PROFILE) {
        Some(Record::Organisation(o)) => Some(o),
        _ => None,
    };
    let creating = matches!(command, OrgCommand::SetOrganisation { .. });
    match (existing, ctx.membership) {
        // An account that may not create organisations hears the same whether the id is taken
        // or not: nothing about an organisation it is not part of.
        (_, None) if creating && ctx.actor.role != RoleClaim::OrgAdmin => {
            return Err(DomainError::Forbidden { rule: ORG_ADMIN_ACCOUNTS });
        }
        (None, _) if creating => {
            if ctx.actor.role != RoleClaim::OrgAdmin {
                return Err(DomainError::Forbidden { rule: ORG_ADMIN_ACCOUNTS });
            }
        }
        (None, _) | (_, None) => return Err(DomainError::NotFound { what: "organisation" }),
        (Some(_), Some(MemberRole::Owner)) => {}
        (Some(_), Some(_)) => return Err(DomainError::Forbidden { rule: ADMINS }),
    }
    match command {
        OrgCommand::SetOrganisation { organisation } => {
            set_organisation(ctx, &scope, org_id, organisation, existing, changes)
        }
        OrgCommand::SetMember { advocate_id, role } => {
            let profile = advocate_profile(snap, *advocate_id).ok_or(DomainError::NotFound { what: "advocate" })?;
            let key = keys::org_member(*advocate_id);
            if matches!(snap.get(&scope, &key), Some(Record::OrgMember(m)) if m.role == *role) {
                return Ok(());
            }
            let member =
                OrgMember { advocate_id: *advocate_id, user: profile.user.clone(), role: *role, added_at: ctx.now };
            changes.put(&scope, key, Record::OrgMember(member));
            let m = Membership {
                user: profile.user.clone(),
                scope: scope.to_string(),
                role: scope_role(*role),
                granted_at: ctx.now,
            };
            changes.put(&Scope::User(profile.user.clone()), keys::membership(&scope), Record::Membership(m));
            Ok(())
        }
        OrgCommand::RemoveMember { advocate_id } => {
            let key = keys::org_member(*advocate_id);
            let Some(Record::OrgMember(member)) = snap.get(&scope, &key) else { return Ok(()) };
            if *advocate_id == AdvocateId::for_user(&ctx.actor.user) {
                return Err(DomainError::Conflict(Conflict::AdminSelfRemoval));
            }
            changes.delete(&scope, key, Record::OrgMember(member.clone()));
            let user_scope = Scope::User(member.user.clone());
            if let Some(m @ Record::Membership(_)) = snap.get(&user_scope, &keys::membership(&scope)) {
                changes.delete(&user_scope, keys::membership(&scope), m.clone());
            }
            Ok(())
        }
    }
}

fn set_organisation(
    ctx: &Context,
    scope: &Scope,
    id: OrganisationId,
    input: &OrganisationInput,
    existing: Option<&Organisation>,
    changes: &mut Changes<'_>,
) -> Result<(), DomainError> {
    let mut checks = Checks::new();
    let name = checks.text("name", &input.name, limits::NAME);
    let bio = checks.opt_text("bio", Some(&input.bio), limits::BIO).unwrap_or_default();
    let areas = checked_areas(&mut checks, &input.areas);
    let hours = input.response_time_hours.unwrap_or(DEFAULT_RESPONSE_HOURS);
    if !limits::RESPONSE_HOURS.contains(&hours) {
        let (lo, hi) = (limits::RESPONSE_HOURS.start(), limits::RESPONSE_HOURS.end());
        checks.fail("response_time_hours", format!("must be from {lo} to {hi} hours"));
    }
    checks.finish()?;
    let mut specialisms = input.specialisms.clone();
    specialisms.sort();
    specialisms.dedup();
    let mut org = Organisation {
        id,
        name,
        areas,
        specialisms,
        response_time_hours: hours,
        accepting: input.accepting,
        bio,
        created_by: existing.map_or_else(|| ctx.actor.user.clone(), |o| o.created_by.clone()),
        created_at: existing.map_or(ctx.now, |o| o.created_at),
        updated_at: existing.map_or(ctx.now, |o| o.updated_at),
    };
    if existing == Some(&org) {
        return Ok(());
    }
    org.updated_at = ctx.now;
    changes.put(scope, keys::ORG_PROFILE.into(), Record::Organisation(org));
    if existing.is_none() {
        // The creator is the first admin.
        let me = AdvocateId::for_user(&ctx.actor.user);
        let member =
            OrgMember { advocate_id: me, user: ctx.actor.user.clone(), role: OrgRole::Admin, added_at: ctx.now };
        changes.put(scope, keys::org_member(me), Record::OrgMember(member));
        let m = Membership {
            user: ctx.actor.user.clone(),
            scope: scope.to_string(),
            role: MemberRole::Owner,
            granted_at: ctx.now,
        };
        changes.put(&Scope::User(ctx.actor.user.clone()), keys::membership(scope), Record::Membership(m));
    }
    Ok(())
}
