//! The family's audit log (`docs/access.md`): every change by anyone (written by `decide`)
//! and every advocate's read of a child's records (written here, by the read path), so the
//! family can see who looked at what. Ids only, never content.

use chrono::{DateTime, Utc};

use crate::context::Actor;
use crate::ids::{AuditId, ChildId, FamilyId, UserId};
use crate::keys;
use crate::model::{AuditEntry, Record};
use crate::scope::Scope;
use crate::snapshot::{Expect, Write};
use crate::vocab::MemberRole;

/// The audit line for a read of a child's records by someone with `role` in the child's scope,
/// or `None` for the family's own reads (which need no record). `what` names the read
/// (`read_case`, `download_document`, …) and `target` the record.
pub fn read_entry(
    actor: &Actor,
    role: MemberRole,
    family: FamilyId,
    child: ChildId,
    what: &str,
    target: String,
    now: DateTime<Utc>,
) -> Option<Write> {
    if role == MemberRole::Owner {
        return None;
    }
    let id = AuditId::new();
    let entry = AuditEntry {
        id,
        at: now,
        actor: actor.as_ref(),
        action: what.to_owned(),
        scope: Scope::Child(child).to_string(),
        target,
    };
    Some(Write {
        scope: Scope::Family(family),
        key: keys::audit(now, id),
        record: Record::Audit(entry),
        expect: Expect::Absent,
        delete: false,
    })
}

/// Which audit lines a family asked to see.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// Only lines about this child's records.
    pub child: Option<ChildId>,
    /// Only lines by this person.
    pub actor: Option<UserId>,
}

impl AuditFilter {
    pub fn matches(&self, entry: &AuditEntry) -> bool {
        self.child.is_none_or(|c| entry.scope == Scope::Child(c).to_string())
            && self.actor.as_ref().is_none_or(|u| entry.actor.user == *u)
    }
}

/// The audit line for a use of a share link: someone without an account opened the bundle's
/// download. The actor is the link itself (a system identity no one can sign in as); the
/// target names the link, so the family sees which link was used and when.
pub fn link_entry(link: &crate::bundle::ShareLink, family: FamilyId, now: DateTime<Utc>) -> Write {
    let id = AuditId::new();
    let entry = AuditEntry {
        id,
        at: now,
        actor: crate::context::ActorRef {
            user: UserId::system(crate::ids::RESERVED_USERS[1]),
            role: crate::vocab::ActorRole::System,
        },
        action: "open_shared_link".to_owned(),
        scope: Scope::Child(link.child_id).to_string(),
        target: keys::link(link.bundle_id, link.id),
    };
    Write {
        scope: Scope::Family(family),
        key: keys::audit(now, id),
        record: Record::Audit(entry),
        expect: Expect::Absent,
        delete: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocab::RoleClaim;

    #[test]
    fn advocates_reads_are_audited_and_the_familys_are_not() {
        let now = Utc::now();
        let (family, child) = (FamilyId::new(), ChildId::new());
        let adv = Actor { user: "adv".parse().unwrap(), role: RoleClaim::Advocate };
        let write = read_entry(&adv, MemberRole::Reader, family, child, "read_case", "case/x".into(), now).unwrap();
        assert_eq!((write.scope, write.expect), (Scope::Family(family), Expect::Absent));
        let Record::Audit(entry) = &write.record else { panic!() };
        assert!(AuditFilter { child: Some(child), actor: Some(adv.user.clone()) }.matches(entry));
        assert!(!AuditFilter { child: Some(ChildId::new()), actor: None }.matches(entry));
        let mum = Actor { user: "mum".parse().unwrap(), role: RoleClaim::Family };
        assert!(read_entry(&mum, MemberRole::Owner, family, child, "read_case", "case/x".into(), now).is_none());
    }
}
