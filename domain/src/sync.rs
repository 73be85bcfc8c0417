//! The rules of sync (`docs/sync.md`) that both ends share: which mutations of a push are new,
//! replays or out of order; how a device's receipts are kept; which records a device is sent.
//!
//! A device numbers its changes (`mid`, rising by one from 1). The server keeps, per device,
//! the last number it applied (`lmid`) in the same transaction as each change, so a push
//! retried after a lost answer is answered from the receipts and never applied twice.

use serde::{Deserialize, Serialize};

use crate::error::{Checks, DomainError};
use crate::ids::UserId;
use crate::keys;

/// At most this many mutations in one push: a phone back from a week offline sends its outbox
/// in several pushes, each answered well inside a Lambda's time.
pub const MAX_PUSH: usize = 500;

/// The largest `mid`, `base`, `epoch` or `seq` the protocol carries: 2^53 − 1, the largest
/// integer every JSON client reads exactly (the API's document states it as each one's maximum).
pub const MAX_COUNTER: u64 = (1 << 53) - 1;

/// Refusals are kept for the last this-many mids: enough to answer any push a device can still
/// be retrying (one push is at most [`MAX_PUSH`]). Applied mutations need no receipt (a mid
/// at or below `lmid` with no refusal kept was applied), so the record stays small — it is
/// rewritten with every mutation.
pub const RECEIPTS_KEPT: usize = 2 * MAX_PUSH;

/// How long a device may show a scope it was given without hearing from the server again: an
/// advocate's view of a family's child — what a family can take back — lasts 72 hours, so a
/// revoked advocate's tablet left offline stops showing the child within three days; the
/// family's own records, and everything else a user holds, 30 days.
pub fn lease(scope: &crate::scope::Scope, role: crate::vocab::MemberRole) -> chrono::Duration {
    match (scope, role) {
        (crate::scope::Scope::Child(_), crate::vocab::MemberRole::Reader | crate::vocab::MemberRole::Writer) => {
            chrono::Duration::hours(GRANTED_LEASE_HOURS)
        }
        _ => chrono::Duration::days(OWN_LEASE_DAYS),
    }
}

/// Hours an advocate's copy of a granted child lasts offline.
pub const GRANTED_LEASE_HOURS: i64 = 72;
/// Days a user's copy of their own records lasts offline.
pub const OWN_LEASE_DAYS: i64 = 30;
/// How far a device's clock may run behind the server's before a lease is taken as passed
/// later than it should: a lease ends this long after `valid_until`.
pub const LEASE_SKEW_MINUTES: i64 = 5;

/// A device's sync state on the server, in its user's own scope under [`keys::SYNC_PREFIX`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncClient {
    pub client_id: String,
    /// The user who first pushed with this device id; nobody else may use it.
    pub user: UserId,
    /// The last mutation applied (or refused: either way it is done).
    pub lmid: u64,
    /// The refusals among the latest mutations, oldest first, for answering a retried push.
    pub receipts: Vec<Receipt>,
}

/// What became of one mutation, as the server answered it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    pub mid: u64,
    /// `None`: applied. `Some`: refused, with the HTTP status the same command would have had.
    pub refused: Option<Refusal>,
}

/// Why a mutation was refused: the HTTP status and problem code the same command would have
/// had through the API, and words for the person who made the change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Refusal {
    pub status: u16,
    pub code: String,
    pub detail: String,
}

impl SyncClient {
    pub fn new(client_id: &str, user: UserId) -> Self {
        Self { client_id: client_id.to_owned(), user, lmid: 0, receipts: Vec::new() }
    }

    /// Records the outcome of the next mutation; `mid` must be `lmid + 1`.
    pub fn record(&mut self, receipt: Receipt) {
        self.lmid = receipt.mid;
        if receipt.refused.is_some() {
            self.receipts.push(receipt);
        }
        let oldest = self.lmid.saturating_sub(RECEIPTS_KEPT as u64);
        self.receipts.retain(|r| r.mid > oldest);
    }

    /// The answer already given for `mid` (≤ `lmid`): its refusal, else applied.
    pub fn replay(&self, mid: u64) -> Receipt {
        self.receipts.iter().find(|r| r.mid == mid).cloned().unwrap_or(Receipt { mid, refused: None })
    }
}

/// The scope a device names for a mutation it withdraws: a change it had queued for a scope it
/// has since lost access to. Mids must stay contiguous, so the device still sends it; the
/// server records it as refused without running it, even if access has come back meanwhile
/// (the person was already told it was refused).
pub const WITHDRAWN: &str = "withdrawn";

/// What the server does with each mutation of a push, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Already done: answer from the receipts.
    Replay(u64),
    /// The next mutation: run it.
    Run(u64),
}

/// Checks a push before anything of it runs: the device is this user's (or new), the batch is
/// not too big, and its mids rise by one from at most `lmid + 1` — a gap would mean a change
/// the server never saw, so nothing of such a push is applied.
pub fn plan_push(client: Option<&SyncClient>, user: &UserId, mids: &[u64]) -> Result<Vec<Step>, DomainError> {
    if let Some(c) = client
        && &c.user != user
    {
        return Err(DomainError::Forbidden { rule: "this client id belongs to another user; choose a new one" });
    }
    let mut checks = Checks::new();
    if mids.len() > MAX_PUSH {
        checks.fail("mutations", format!("at most {MAX_PUSH} mutations per push"));
    }
    let lmid = client.map_or(0, |c| c.lmid);
    let mut steps = Vec::with_capacity(mids.len());
    let mut expected = None;
    for (n, &mid) in mids.iter().enumerate() {
        if !(1..=MAX_COUNTER).contains(&mid) {
            checks.fail(&format!("mutations[{n}].mid"), format!("mids run from 1 to {MAX_COUNTER}"));
            break;
        }
        // Whether the mids continue the device's sequence depends on what the server has
        // applied, and their order on each other: rules beyond the document (409).
        match expected {
            None if mid > lmid + 1 => {
                checks.refuse(
                    &format!("mutations[{n}].mid"),
                    format!("the server has applied up to {lmid}; the next mutation is {}", lmid + 1),
                );
                break;
            }
            Some(e) if mid != e => {
                checks.refuse(&format!("mutations[{n}].mid"), format!("expected {e}: mids rise by one"));
                break;
            }
            _ => {}
        }
        steps.push(if mid <= lmid { Step::Replay(mid) } else { Step::Run(mid) });
        expected = Some(mid + 1);
    }
    checks.finish()?;
    Ok(steps)
}

/// Whether a record is sent to devices: everything a member may read, except the server's own
/// bookkeeping of devices (which only the server reads).
pub fn synced(key: &str) -> bool {
    !key.starts_with(keys::SYNC_PREFIX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn granted_children_last_three_days_offline_and_own_records_thirty() {
        use crate::scope::Scope;
        use crate::vocab::MemberRole::*;
        let child = Scope::Child(crate::ids::ChildId::new());
        assert_eq!(lease(&child, Reader), chrono::Duration::hours(72));
        assert_eq!(lease(&child, Writer), chrono::Duration::hours(72));
        assert_eq!(lease(&child, Owner), chrono::Duration::days(30), "the family's own child");
        let family = Scope::Family(crate::ids::FamilyId::new());
        assert_eq!(lease(&family, Owner), chrono::Duration::days(30));
        let conn = Scope::Conn(crate::ids::ConnectionId::new());
        assert_eq!(lease(&conn, Writer), chrono::Duration::days(30), "an advocate's own support relationship");
    }

    fn user(u: &str) -> UserId {
        u.parse().unwrap()
    }

    #[test]
    fn a_new_device_starts_at_one_and_a_gap_applies_nothing() {
        let mum = user("mum");
        assert_eq!(plan_push(None, &mum, &[1, 2]).unwrap(), vec![Step::Run(1), Step::Run(2)]);
        assert!(matches!(plan_push(None, &mum, &[2, 3]), Err(DomainError::Refused(_))));
        assert!(matches!(plan_push(None, &mum, &[1, 3]), Err(DomainError::Refused(_))));
        assert!(matches!(plan_push(None, &mum, &[0]), Err(DomainError::Invalid(_))));
        assert!(matches!(plan_push(None, &mum, &[MAX_COUNTER + 1]), Err(DomainError::Invalid(_))));
        assert_eq!(plan_push(None, &mum, &[]).unwrap(), vec![]);
    }

    #[test]
    fn a_retried_push_is_answered_from_receipts() {
        let mum = user("mum");
        let mut c = SyncClient::new("c1", mum.clone());
        c.record(Receipt { mid: 1, refused: None });
        let refused = Refusal { status: 403, code: "forbidden".into(), detail: "no".into() };
        c.record(Receipt { mid: 2, refused: Some(refused.clone()) });
        assert_eq!(
            plan_push(Some(&c), &mum, &[1, 2, 3]).unwrap(),
            vec![Step::Replay(1), Step::Replay(2), Step::Run(3)]
        );
        assert_eq!(c.replay(2).refused, Some(refused));
        assert!(matches!(plan_push(Some(&c), &mum, &[4]), Err(DomainError::Refused(_))));
    }

    #[test]
    fn a_device_is_its_first_users() {
        let c = SyncClient::new("c1", user("mum"));
        assert!(matches!(plan_push(Some(&c), &user("dad"), &[1]), Err(DomainError::Forbidden { .. })));
    }

    #[test]
    fn only_refusals_are_kept() {
        let mut c = SyncClient::new("c1", user("mum"));
        for mid in 1..=50 {
            c.record(Receipt { mid, refused: None });
        }
        assert!(c.receipts.is_empty(), "applied mutations need no receipt");
        assert_eq!((c.lmid, c.replay(7).refused), (50, None));
    }

    #[test]
    fn receipts_are_bounded_and_old_ones_read_as_applied() {
        let mut c = SyncClient::new("c1", user("mum"));
        let refused = Refusal { status: 404, code: "not-found".into(), detail: "gone".into() };
        for mid in 1..=(RECEIPTS_KEPT as u64 + 10) {
            c.record(Receipt { mid, refused: Some(refused.clone()) });
        }
        assert_eq!(c.receipts.len(), RECEIPTS_KEPT);
        assert_eq!(c.replay(1).refused, None);
        assert!(c.replay(c.lmid).refused.is_some());
    }

    #[test]
    fn oversized_pushes_are_refused() {
        let mids: Vec<u64> = (1..=(MAX_PUSH as u64 + 1)).collect();
        assert!(matches!(plan_push(None, &user("mum"), &mids), Err(DomainError::Invalid(_))));
    }

    #[test]
    fn device_bookkeeping_is_never_synced() {
        assert!(!synced(&keys::sync_client("c1")));
        assert!(synced(keys::PREFERENCES));
    }
}

/// The last edit of one text field made by sync: which device made it, with which mutation, and
/// the version of the record it wrote. Kept beside the record (`keys::text_edit`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TextEdit {
    pub client_id: String,
    pub user: UserId,
    pub mid: u64,
    pub version: u64,
}

/// Told to a device whose edit of a text field was replaced by another writer's edit made
/// without seeing it (the later edit wins). Ids only: the value that won is the record's, which
/// the device reads from its own copy — so nothing of a child's records outlives a revocation
/// here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Overridden {
    pub client_id: String,
    /// The device's mutation whose edit was replaced.
    pub mid: u64,
    pub scope: String,
    pub key: String,
    pub field: String,
    pub at: chrono::DateTime<chrono::Utc>,
}
