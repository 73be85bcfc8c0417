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
mod bundles;
pub mod erasure;
mod exports;
pub mod paging;
mod queries;
pub mod sync;
mod tickets;
mod timeline;

use std::sync::Arc;

pub use bundles::BundleState;
pub use paging::Listing;
pub use queries::FamilyView;
pub(crate) use queries::not_found;
use senvault_domain::error::Conflict;
use senvault_domain::execution::role_in;
use senvault_domain::{Actor, DomainError, Execution, MemberRole, OpId, Operation, Read, Scope, Snapshot, keys};
use senvault_store::codec::to_put;
use senvault_store::{Check, CommitRequest, Expect, Store, StoreError, backoff};
pub use timeline::EntryView;

use crate::clock::Clock;

/// How many times a command is re-decided after losing a race.
const MAX_ATTEMPTS: u32 = 6;

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

/// The caller's access to one scope, as read from their membership record (for reads; a
/// change gets its membership from the execution kernel, which reads it the same way).
#[derive(Debug, Clone)]
pub struct Access {
    pub scope: Scope,
    pub role: Option<MemberRole>,
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
    /// The key of deletion receipts' keyed hashes, set once by the host.
    erasure: std::sync::OnceLock<erasure::ErasureSecret>,
}

impl Service {
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Self {
        Self {
            store,
            clock,
            aliases: aliases::AliasCache::default(),
            families: aliases::AliasCache::default(),
            erasure: std::sync::OnceLock::new(),
        }
    }

    /// Sets the key of deletion receipts' keyed hashes (the local server's and the
    /// deployment's lasting secret); `false` if one was already in use.
    pub fn set_erasure_secret(&self, secret: erasure::ErasureSecret) -> bool {
        self.erasure.set(secret).is_ok()
    }

    /// The key of deletion receipts; a process that was given none (a test, a benchmark) makes
    /// one of its own, so its receipts are found again only while it runs.
    fn erasure_secret(&self) -> &erasure::ErasureSecret {
        self.erasure.get_or_init(erasure::ErasureSecret::random)
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
        let read = Read::Get(Scope::User(actor.user.clone()), keys::membership(scope));
        let records = senvault_store::load::load(self.store.as_ref(), std::slice::from_ref(&read)).await?;
        Ok(Access { scope: scope.clone(), role: role_in(actor, scope, &records) })
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
        self.execute_with(actor, operation.into(), op, None, None).await
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
        origin: Option<senvault_domain::Origin>,
    ) -> Result<Executed, ServiceError> {
        for attempt in 0..MAX_ATTEMPTS {
            let executed = self.decide(actor, &operation, op, origin.clone()).await?;
            let scope = executed.scope.clone();
            if !executed.changed() {
                return Ok(Executed { snapshot: executed.snapshot, scope, changed: false });
            }
            let decision = &executed.decision;
            let mut puts = decision.writes.iter().map(to_put).collect::<Result<Vec<_>, _>>()?;
            if let Some(r) = receipt {
                puts.push(to_put(r)?);
            }
            // The membership that authorised the change must still stand when it lands (unless
            // the change writes that very record, whose own condition then guards it).
            let check = membership_check(&executed.membership);
            let writes_membership = puts.iter().any(|p| p.scope == check.scope && p.key == check.key);
            let checks = if writes_membership { vec![] } else { vec![check] };
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
                    tracing::info!(command = operation.name(), %scope, writes = decision.writes.len(), "committed");
                    return Ok(Executed { snapshot: executed.snapshot, scope, changed: true });
                }
                Err(StoreError::Conflict { scope: s, key })
                    if receipt.is_some_and(|r| r.key == key && r.scope.to_string() == s) =>
                {
                    return Err(DomainError::Conflict(Conflict::DeviceBusy).into());
                }
                Err(StoreError::Conflict { scope: s, key }) if !executed.raced_on(&s, &key) => {
                    // Not a race on anything the decision read: the id belongs to a record the
                    // caller cannot see. Retrying would only meet it again.
                    tracing::debug!(command = operation.name(), "id already in use");
                    return Err(DomainError::Conflict(Conflict::IdInUse).into());
                }
                Err(StoreError::Conflict { .. }) => {
                    tracing::debug!(command = operation.name(), attempt, "lost a race; deciding again");
                    tokio::time::sleep(backoff::delay(attempt, 5)).await;
                }
                Err(StoreError::AliasTaken(_)) => {
                    return Err(DomainError::Conflict(Conflict::IdInUse).into());
                }
                Err(e) => return Err(e.into()),
            }
        }
        Err(ServiceError::Busy)
    }

    /// Drives the execution kernel against the store: every round of reads it asks for (the
    /// caller's membership first), then its decision. No I/O happens in the kernel itself.
    async fn decide(
        &self,
        actor: &Actor,
        operation: &Operation,
        op: OpId,
        origin: Option<senvault_domain::Origin>,
    ) -> Result<senvault_domain::Executed, ServiceError> {
        let mut execution = Execution::new(actor, operation.clone(), self.clock.now(), op);
        if let Some(origin) = origin {
            execution = execution.with_origin(origin);
        }
        loop {
            let reads = execution.next_reads();
            if reads.is_empty() {
                break;
            }
            execution.supply(senvault_store::load::load(self.store.as_ref(), &reads).await?);
        }
        Ok(execution.decide()?)
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

/// The commit condition that keeps a decision's membership as it was read.
fn membership_check(m: &senvault_domain::MembershipRead) -> Check {
    Check { scope: m.scope.to_string(), key: m.key.clone(), expect: m.version.map_or(Expect::Absent, Expect::Version) }
}
