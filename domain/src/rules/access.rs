//! Who may see which child (`docs/access.md`): grants to a connection's advocate, revoking them,
//! ending support, and reviews of advocates.
//!
//! An advocate's membership of a child's scope is derived: for every child of the family, the
//! strongest level any live grant of that advocate covers it at, or none. Every change to
//! grants recomputes it ([`sync_memberships`]) in the same commit, so a grant, a revocation,
//! a second connection with the same advocate or a child added later can never leave a
//! membership behind that no grant explains.

use crate::context::Context;
use crate::error::Conflict;
use crate::error::{Checks, DomainError, limits};
use crate::ids::{AdvocateId, ChildId, ConnectionId, FamilyId, UserId};
use crate::keys;
use crate::model::{Membership, NoticeKind, Record};
use crate::rules::ticket_records::{advocate_profile, close_ticket, notify};
use crate::scope::Scope;
use crate::snapshot::{Changes, Snapshot};
use crate::support::{Connection, DirectoryEntry, Grant, GrantedChildren, Review};
use crate::vocab::{ConnectionState, GrantLevel, MemberRole};

const FAMILY_GRANTS: &str = "only the family can grant, change or revoke access, or end support";

/// The connection of `id` as the snapshot holds it, if it is this family's.
fn family_connection(snap: &Snapshot, family_id: FamilyId, id: ConnectionId) -> Result<&Connection, DomainError> {
    match snap.get(&Scope::Conn(id), keys::CONNECTION) {
        Some(Record::Connection(c)) if c.family_id == family_id => Ok(c),
        _ => Err(DomainError::NotFound { what: "connection" }),
    }
}

/// The family's children, from its list.
pub(crate) fn family_children(snap: &Snapshot, family_id: FamilyId) -> Vec<ChildId> {
    snap.prefix(&Scope::Family(family_id), keys::CHILD_PREFIX)
        .filter_map(|(_, r)| match r {
            Record::Child(c) => Some(c.id),
            _ => None,
        })
        .collect()
}

pub(crate) fn grant(
    ctx: &Context,
    family_id: FamilyId,
    connection_id: ConnectionId,
    children: &GrantedChildren,
    level: GrantLevel,
    snap: &Snapshot,
    changes: &mut Changes<'_>,
) -> Result<(), DomainError> {
    ctx.require_owner("family", FAMILY_GRANTS)?;
    let conn = family_connection(snap, family_id, connection_id)?;
    let known = family_children(snap, family_id);
    if let GrantedChildren::Listed { children: list } = children {
        if list.is_empty() {
            return Err(DomainError::invalid("children", "name at least one child, or \"all\""));
        }
        if list.iter().any(|c| !known.contains(c)) {
            return Err(DomainError::NotFound { what: "child" });
        }
    }
    match conn.state {
        ConnectionState::Active => {}
        ConnectionState::Requested => {
            return Err(DomainError::Conflict(Conflict::GrantBeforeAccept));
        }
        ConnectionState::Ended => return Err(DomainError::Conflict(Conflict::SupportEnded)),
    }
    let (Some(advocate_id), Some(advocate_user)) = (conn.advocate_id, conn.advocate_user.clone()) else {
        return Err(DomainError::Conflict(Conflict::NotAssigned));
    };
    let mut children = children.clone();
    if let GrantedChildren::Listed { children: list } = &mut children {
        list.sort();
        list.dedup();
    }
    let family_scope = Scope::Family(family_id);
    let key = keys::grant(connection_id);
    let previous = match snap.get(&family_scope, &key) {
        Some(Record::Grant(g)) => Some(g),
        _ => None,
    };
    if previous.is_some_and(|g| g.children == children && g.level == level && g.advocate_user == advocate_user) {
        return Ok(());
    }
    let grant = Grant {
        connection_id,
        advocate_id,
        advocate_user: advocate_user.clone(),
        children,
        level,
        granted_at: previous.map_or(ctx.now, |g| g.granted_at),
        updated_at: ctx.now,
    };
    changes.put(&family_scope, key, Record::Grant(grant));
    sync_memberships(ctx, family_id, &advocate_user, &known, snap, changes);
    if let Some(Record::Ticket(t)) = snap.get(&Scope::Conn(connection_id), keys::TICKET) {
        notify(ctx, &advocate_user, NoticeKind::AccessGranted, t, changes);
    }
    Ok(())
}

pub(crate) fn revoke(
    ctx: &Context,
    family_id: FamilyId,
    connection_id: ConnectionId,
    children: Option<&[ChildId]>,
    snap: &Snapshot,
    changes: &mut Changes<'_>,
) -> Result<(), DomainError> {
    ctx.require_owner("family", FAMILY_GRANTS)?;
    family_connection(snap, family_id, connection_id)?;
    let family_scope = Scope::Family(family_id);
    let key = keys::grant(connection_id);
    let Some(Record::Grant(current)) = snap.get(&family_scope, &key) else {
        // Nothing granted: nothing to take back.
        return Ok(());
    };
    let known = family_children(snap, family_id);
    let remaining: Vec<ChildId> = match children {
        None => Vec::new(),
        Some(revoked) => {
            if revoked.iter().any(|c| !known.contains(c)) {
                return Err(DomainError::NotFound { what: "child" });
            }
            known.iter().copied().filter(|c| current.children.covers(*c) && !revoked.contains(c)).collect()
        }
    };
    if matches!(&current.children, GrantedChildren::Listed { children: l } if *l == remaining) {
        return Ok(());
    }
    if remaining.is_empty() {
        changes.delete(&family_scope, key, Record::Grant(current.clone()));
    } else {
        let mut next = current.clone();
        next.children = GrantedChildren::Listed { children: remaining };
        next.updated_at = ctx.now;
        changes.put(&family_scope, key, Record::Grant(next));
    }
    sync_memberships(ctx, family_id, &current.advocate_user, &known, snap, changes);
    Ok(())
}

/// The family ends the support: the connection ends and all its grants go, in one commit.
pub(crate) fn end_support(
    ctx: &Context,
    family_id: FamilyId,
    connection_id: ConnectionId,
    note: Option<&str>,
    snap: &Snapshot,
    changes: &mut Changes<'_>,
) -> Result<(), DomainError> {
    ctx.require_owner("family", FAMILY_GRANTS)?;
    let mut checks = Checks::new();
    let note = checks.opt_text("note", note, limits::REASON);
    checks.finish()?;
    let conn = family_connection(snap, family_id, connection_id)?;
    if conn.state == ConnectionState::Ended {
        return Ok(());
    }
    end_connection(ctx, conn, note, snap, changes);
    Ok(())
}

/// Ends a connection: it and its ticket close (messages stay, read-only), every grant on it is
/// revoked, and the advocate is told. Shared by ending support, a completed handover and an
/// organisation's reassignment.
pub(crate) fn end_connection(
    ctx: &Context,
    conn: &Connection,
    note: Option<String>,
    snap: &Snapshot,
    changes: &mut Changes<'_>,
) {
    let scope = Scope::Conn(conn.id);
    let mut ended = conn.clone();
    ended.state = ConnectionState::Ended;
    ended.ended_at = Some(ctx.now);
    ended.updated_at = ctx.now;
    changes.put(&scope, keys::CONNECTION.into(), Record::Connection(ended.clone()));
    if let Some(Record::Ticket(t)) = snap.get(&scope, keys::TICKET) {
        close_ticket(ctx, &ended, t, note, snap, changes);
        if let Some(user) = &conn.advocate_user {
            notify(ctx, user, NoticeKind::SupportEnded, t, changes);
        }
    }
    revoke_connection(ctx, conn, snap, changes);
}

/// Revokes whatever the connection's advocate was granted on it.
pub(crate) fn revoke_connection(ctx: &Context, conn: &Connection, snap: &Snapshot, changes: &mut Changes<'_>) {
    let family_scope = Scope::Family(conn.family_id);
    let key = keys::grant(conn.id);
    if let Some(Record::Grant(g)) = snap.get(&family_scope, &key) {
        let user = g.advocate_user.clone();
        changes.delete(&family_scope, key, Record::Grant(g.clone()));
        let known = family_children(snap, conn.family_id);
        sync_memberships(ctx, conn.family_id, &user, &known, snap, changes);
    }
}

/// The grants of the family as this decision leaves them.
fn live_grants(family_scope: &Scope, snap: &Snapshot, changes: &Changes<'_>) -> Vec<Grant> {
    let mut keys_seen: Vec<String> =
        snap.entries(family_scope, keys::GRANT_PREFIX).map(|(k, _)| k.to_owned()).collect();
    keys_seen.extend(changes.pending_keys(family_scope, keys::GRANT_PREFIX));
    keys_seen.sort();
    keys_seen.dedup();
    keys_seen
        .iter()
        .filter_map(|k| match changes.current(family_scope, k) {
            Some(Record::Grant(g)) => Some(g.clone()),
            _ => None,
        })
        .collect()
}

/// Makes `user`'s memberships of the family's children match the family's live grants to them:
/// the strongest level covering each child, or none.
pub(crate) fn sync_memberships(
    ctx: &Context,
    family_id: FamilyId,
    user: &UserId,
    children: &[ChildId],
    snap: &Snapshot,
    changes: &mut Changes<'_>,
) {
    let family_scope = Scope::Family(family_id);
    let grants: Vec<Grant> =
        live_grants(&family_scope, snap, changes).into_iter().filter(|g| g.advocate_user == *user).collect();
    let user_scope = Scope::User(user.clone());
    for child in children {
        let child_scope = Scope::Child(*child);
        let key = keys::membership(&child_scope);
        let want = grants
            .iter()
            .filter(|g| g.children.covers(*child))
            .map(|g| g.level.role())
            .max_by_key(|r| matches!(r, MemberRole::Writer));
        let have = match changes.current(&user_scope, &key) {
            Some(Record::Membership(m)) => Some(m.clone()),
            _ => None,
        };
        match (want, have) {
            (Some(role), Some(m)) if m.role == role => {}
            (Some(role), _) => {
                let m = Membership { user: user.clone(), scope: child_scope.to_string(), role, granted_at: ctx.now };
                changes.put(&user_scope, key, Record::Membership(m));
            }
            (None, Some(m)) => changes.delete(&user_scope, key, Record::Membership(m)),
            (None, None) => {}
        }
    }
}

/// The reads a change to grants needs once the first reads are in: `user`'s memberships of
/// each of the family's children.
pub(crate) fn membership_reads(snap: &Snapshot, family_id: FamilyId, user: &UserId) -> Vec<crate::snapshot::Read> {
    family_children(snap, family_id)
        .into_iter()
        .map(|c| crate::snapshot::Read::Get(Scope::User(user.clone()), keys::membership(&Scope::Child(c))))
        .collect()
}

/// A family reviews an advocate it has or had a connection with: one review per family and
/// advocate, changed only by its author; the profile (and its directory listings) keep the
/// count and total.
/// A family's review, as the command carries it.
pub(crate) struct ReviewInput<'a> {
    pub advocate_id: AdvocateId,
    pub connection_id: ConnectionId,
    pub rating: u8,
    pub text: &'a str,
}

pub(crate) fn review(
    ctx: &Context,
    family_id: FamilyId,
    input: ReviewInput<'_>,
    snap: &Snapshot,
    changes: &mut Changes<'_>,
) -> Result<(), DomainError> {
    let ReviewInput { advocate_id, connection_id, rating, text } = input;
    ctx.require_owner("family", "only the family can review its advocate")?;
    let mut checks = Checks::new();
    if !(1..=5).contains(&rating) {
        checks.fail("rating", "must be from 1 to 5");
    }
    let text = checks.opt_text("text", Some(text), limits::REVIEW).unwrap_or_default();
    checks.finish()?;
    let profile = advocate_profile(snap, advocate_id).ok_or(DomainError::NotFound { what: "advocate" })?;
    let worked = matches!(family_connection(snap, family_id, connection_id),
        Ok(c) if c.advocate_id == Some(advocate_id) && c.state != ConnectionState::Requested);
    if !worked {
        return Err(DomainError::Forbidden { rule: "families review advocates they have worked with" });
    }
    let scope = Scope::Advocate(advocate_id);
    let key = keys::review(family_id);
    let previous = match snap.get(&scope, &key) {
        Some(Record::Review(r)) => Some(r),
        _ => None,
    };
    if let Some(p) = previous {
        if p.author != ctx.actor.user {
            return Err(DomainError::Forbidden { rule: "only its author can change a review" });
        }
        if p.rating == rating && p.text == text {
            return Ok(());
        }
    }
    let review = Review {
        advocate_id,
        family_id,
        rating,
        text,
        author: ctx.actor.user.clone(),
        created_at: previous.map_or(ctx.now, |p| p.created_at),
        updated_at: ctx.now,
    };
    let mut next = profile.clone();
    next.reviews.total = next.reviews.total - previous.map_or(0, |p| u32::from(p.rating)) + u32::from(rating);
    next.reviews.count += u32::from(previous.is_none());
    changes.put(&scope, key, Record::Review(review));
    changes.put(&scope, keys::ADVOCATE_PROFILE.into(), Record::AdvocateProfile(next.clone()));
    let listings: Vec<(String, DirectoryEntry)> = snap
        .prefix(&scope, keys::DIRECTORY_PREFIX)
        .filter_map(|(k, r)| match r {
            Record::DirectoryEntry(e) => Some((k.to_owned(), e.clone())),
            _ => None,
        })
        .collect();
    for (k, mut entry) in listings {
        entry.profile = next.clone();
        changes.put(&scope, k, Record::DirectoryEntry(entry));
    }
    Ok(())
}
