//! The one path every request takes, reads and writes alike: **authorise** (one read of the
//! caller's membership record), **load** what the rules need, then **decide** and commit (a
//! change) or **shape** the answer (a read). Handlers only parse requests and format answers;
//! no handler reaches the store, so there is exactly one place where access is checked.
//!
//! Writes commit atomically with the membership that authorised them as a condition: a change
//! decided just before a revocation fails and is decided again (and refused), never lands after
//! it. A change that loses a race is re-decided from fresh reads (bounded, jittered); a change
//! colliding with a record the caller could not have read (someone else's id) is a conflict at
//! once.

mod access;
mod aliases;
pub mod paging;
mod reads;
pub mod sync;
mod tickets;

use std::sync::Arc;

pub use paging::Listing;
pub use reads::FamilyView;
use senvault_domain::{
    Actor, Context, DomainError, MemberRole, OpId, Operation, Read, Record, Scope, Snapshot, decide, keys,
};
use senvault_store::codec::{from_stored, to_put};
use senvault_store::{Check, CommitRequest, Expect, Store, StoreError, backoff};

use crate::clock::Clock;

/// How many times a command is re-decided after losing a race.
const MAX_ATTEMPTS: u32 = 6;

/// Rounds of reads that depend on earlier reads (the domain needs two at most).
const MAX_READ_ROUNDS: usize = 4;

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error(transparent)]
    Domain(#[from] DomainError),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Still conflicting after every retry: the records are too busy right now.
    #[error("the records changed too often while this change was being made; try again")]
    Busy,
}

/// The outcome of a command.
pub struct Executed {
    /// The records the command read, as they stand after its writes.
    pub snapshot: Snapshot,
    pub scope: Scope,
    /// `false` for a safe retry or a re-set of the current value.
    pub changed: bool,
}

/// The caller's access to one scope, as read from their membership record.
#[derive(Debug, Clone)]
pub struct Access {
    pub scope: Scope,
    pub role: Option<MemberRole>,
    /// The membership record as read: a commit made on this access must find it unchanged.
    check: Check,
}

impl Access {
    /// The role, or 404 for a non-member (existence is never revealed).
    pub fn require(&self, what: &'static str) -> Result<MemberRole, ServiceError> {
        Ok(senvault_domain::context::require_member(self.role, what)?)
    }
}

pub struct Service {
    store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
    aliases: aliases::AliasCache,
    /// Which family each child belongs to (for the audit log of reads), remembered.
    families: aliases::AliasCache,
}

impl Service {
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Self {
        Self { store, clock, aliases: aliases::AliasCache::default(), families: aliases::AliasCache::default() }
    }

    /// The storage adapter, for the scanner and for tools that seed or inspect data.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    pub fn today(&self) -> chrono::NaiveDate {
        senvault_domain::dates::london_date(self.clock.now())
    }

    /// Authorise: the caller's membership of `scope`, from one read of its record (never from
    /// anything the request says). A user's own scope, and an advocate's own workspace, are
    /// theirs without a record ([`Scope::owned_by`]).
    pub async fn access(&self, actor: &Actor, scope: &Scope) -> Result<Access, ServiceError> {
        let user_scope = Scope::User(actor.user.clone());
        let key = keys::membership(scope);
        let row = self.store.get(&user_scope.to_string(), &key).await?;
        let check_expect = row.as_ref().map_or(Expect::Absent, |r| Expect::Version(r.version));
        let role = if scope.owned_by(actor) {
            Some(MemberRole::Owner)
        } else {
            match row.filter(|r| !r.deleted).map(|r| from_stored(&r)).transpose()?.map(|(_, v)| v.record) {
                Some(Record::Membership(m)) => Some(m.role),
                _ => None,
            }
        };
        let check = Check { scope: user_scope.to_string(), key, expect: check_expect };
        Ok(Access { scope: scope.clone(), role, check })
    }

    /// Load: the records named by `reads`, tombstones included, into one snapshot; then the
    /// records those name ([`senvault_domain::reads_after`]). Answers every read made, so a
    /// conflict can be told apart from a race.
    async fn load(
        &self,
        actor: &Actor,
        operation: &Operation,
        reads: &[Read],
    ) -> Result<(Snapshot, Vec<Read>), ServiceError> {
        let mut snapshot = senvault_store::load::load(self.store.as_ref(), reads).await?;
        let mut all = reads.to_vec();
        for _ in 0..MAX_READ_ROUNDS {
            let after: Vec<Read> = senvault_domain::reads_after(operation, actor, &snapshot)
                .into_iter()
                .filter(|r| !all.contains(r))
                .collect();
            if after.is_empty() {
                break;
            }
            snapshot.merge(senvault_store::load::load(self.store.as_ref(), &after).await?);
            all.extend(after);
        }
        Ok((snapshot, all))
    }

    /// Runs an operation: the single write path of the system. `op` is the operation's id —
    /// from the request's `Idempotency-Key`, a synced mutation, or fresh — so a retry derives
    /// the same records.
    pub async fn execute(
        &self,
        actor: &Actor,
        operation: impl Into<Operation>,
        op: OpId,
    ) -> Result<Executed, ServiceError> {
        self.execute_with(actor, operation.into(), op, None).await
    }

    /// [`Self::execute`], committing `receipt` (a device's sync state) in the same transaction
    /// as the operation's records, so a change and the note that it was applied land together
    /// or not at all. A no-op commits nothing, the receipt included (`changed: false`).
    pub(crate) async fn execute_with(
        &self,
        actor: &Actor,
        operation: Operation,
        op: OpId,
        receipt: Option<&senvault_domain::Write>,
    ) -> Result<Executed, ServiceError> {
        let scope = operation.scope(actor);
        let reads = senvault_domain::reads(&operation, actor);
        for attempt in 0..MAX_ATTEMPTS {
            let access = self.access(actor, &scope).await?;
            let (mut snapshot, read) = self.load(actor, &operation, &reads).await?;
            let ctx = Context { actor: actor.clone(), membership: access.role, now: self.clock.now(), op };
            let decision = decide(&ctx, &operation, &snapshot)?;
            if decision.is_noop() {
                return Ok(Executed { snapshot, scope, changed: false });
            }
            let mut puts = decision.writes.iter().map(to_put).collect::<Result<Vec<_>, _>>()?;
            if let Some(r) = receipt {
                puts.push(to_put(r)?);
            }
            // The membership that authorised the change must still stand when it lands (unless
            // the change writes that very record, whose own condition then guards it).
            let writes_membership = puts.iter().any(|p| p.scope == access.check.scope && p.key == access.check.key);
            let checks = if writes_membership { vec![] } else { vec![access.check.clone()] };
            let request = CommitRequest {
                puts,
                checks,
                aliases: decision.aliases.iter().map(|a| (a.id.clone(), a.scope.to_string())).collect(),
            };
            // A change too big for one transaction (an analysis with hundreds of flags) commits
            // in order, in several; if one loses a race the operation is decided again from what
            // is stored, which then holds the batches already written.
            let batches = if operation.commits_in_batches() { request.into_batches() } else { vec![request] };
            match self.commit_all(batches).await {
                Ok(()) => {
                    snapshot.apply(&decision.writes);
                    tracing::info!(command = operation.name(), %scope, writes = decision.writes.len(), "committed");
                    return Ok(Executed { snapshot, scope, changed: true });
                }
                Err(StoreError::Conflict { scope: s, key })
                    if receipt.is_some_and(|r| r.key == key && r.scope.to_string() == s) =>
                {
                    return Err(DomainError::Conflict("another sync from this device is in progress".into()).into());
                }
                Err(StoreError::Conflict { scope: s, key }) if !raced(&read, &access, &s, &key) => {
                    // Not a race on anything the decision read: the id belongs to a record the
                    // caller cannot see. Retrying would only meet it again.
                    tracing::debug!(command = operation.name(), "id already in use");
                    return Err(DomainError::Conflict("this id is already in use".into()).into());
                }
                Err(StoreError::Conflict { .. }) => {
                    tracing::debug!(command = operation.name(), attempt, "lost a race; deciding again");
                    tokio::time::sleep(backoff::delay(attempt, 5)).await;
                }
                Err(StoreError::AliasTaken(_)) => {
                    return Err(DomainError::Conflict("this id is already in use".into()).into());
                }
                Err(e) => return Err(e.into()),
            }
        }
        Err(ServiceError::Busy)
    }

    /// Runs a command on an existing case, named by its id alone (as REST paths name it): the
    /// child that holds the case is looked up, then the command runs in that child's scope.
    pub async fn execute_on_case(
        &self,
        actor: &Actor,
        case_id: senvault_domain::CaseId,
        command: senvault_domain::CaseCommand,
        op: OpId,
    ) -> Result<Executed, ServiceError> {
        let child_id = self.child_of_case(case_id).await?;
        self.execute(actor, senvault_domain::Command::case(child_id, case_id, command), op).await
    }

    async fn commit_all(&self, batches: Vec<CommitRequest>) -> Result<(), StoreError> {
        for batch in batches {
            self.store.commit(batch).await?;
        }
        Ok(())
    }

    /// Writes records the rules have already decided, outside any person's request (the
    /// scanner's writes), conditioned as decided.
    pub(crate) async fn commit_decided(&self, writes: &[senvault_domain::Write]) -> Result<(), StoreError> {
        let puts = writes.iter().map(to_put).collect::<Result<Vec<_>, _>>()?;
        self.store.commit(CommitRequest::puts(puts)).await.map(|_| ())
    }
}

/// Whether a conflict on `scope`/`key` was a race on something the decision read (the loaded
/// records or the membership), which a fresh decision may resolve.
fn raced(reads: &[Read], access: &Access, scope: &str, key: &str) -> bool {
    if access.check.scope == scope && access.check.key == key {
        return true;
    }
    reads.iter().any(|r| match r {
        Read::Get(s, k) => k == key && s.to_string() == scope,
        Read::Prefix(s, p) => key.starts_with(p.as_str()) && s.to_string() == scope,
    })
}
