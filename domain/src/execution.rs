//! The execution kernel: how any command is run, written once for the server, the phone and
//! the tests. It is a sans-I/O driver: it says which records it needs ([`Execution::next_reads`]),
//! is handed them ([`Execution::supply`]), and finally decides ([`Execution::decide`]) — it never
//! touches a store, so each caller brings its own (DynamoDB or SQLite on the server, the replica
//! on the phone, a map in the tests) and the rounds, the membership rule and the version rule
//! cannot drift apart between them.
//!
//! The rounds are: the caller's membership record and the command's own reads ([`reads`]); then
//! the records those name ([`reads_after`]), repeated until nothing new is asked (the rules need
//! two rounds at most; [`MAX_READ_ROUNDS`] bounds a rule that keeps asking).

use chrono::{DateTime, Utc};

use crate::command::Operation;
use crate::context::{Actor, Context, Origin};
use crate::decide::decide;
use crate::error::DomainError;
use crate::ids::OpId;
use crate::inputs::{reads, reads_after};
use crate::keys;
use crate::model::Record;
use crate::scope::Scope;
use crate::snapshot::{Decision, Read, Snapshot};
use crate::vocab::MemberRole;

/// Rounds of reads that depend on earlier reads, after the first.
pub const MAX_READ_ROUNDS: usize = 4;

/// The caller's membership record, as the kernel read it: a commit made on this decision must
/// find it unchanged (a revocation between decide and commit then fails the commit).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MembershipRead {
    /// The user's own scope, which holds their membership records.
    pub scope: Scope,
    pub key: String,
    /// The stored version, tombstones included; `None` when there is no record.
    pub version: Option<u64>,
}

/// One run of one command, from its first read to its decision.
#[derive(Debug)]
pub struct Execution {
    actor: Actor,
    operation: Operation,
    now: DateTime<Utc>,
    op: OpId,
    scope: Scope,
    snapshot: Snapshot,
    asked: Vec<Read>,
    rounds: usize,
    origin: Option<Origin>,
}

/// What a run decided, with everything a caller needs to commit it and to answer.
#[derive(Debug, Clone)]
pub struct Executed {
    pub decision: Decision,
    /// The records read, as they stand once the decision's writes are committed.
    pub snapshot: Snapshot,
    /// Every read made: a write conflict on one of these is a race, worth deciding again.
    pub reads: Vec<Read>,
    /// The membership that authorised the decision.
    pub membership: MembershipRead,
    /// The scope the command runs in.
    pub scope: Scope,
}

impl Executed {
    /// `false` for a safe retry or a re-set of the current value: nothing to commit.
    pub fn changed(&self) -> bool {
        !self.decision.is_noop()
    }

    /// Whether a write conflict on `scope`/`key` was a race on something this decision read
    /// (which a fresh decision may resolve) rather than an id held by a record the caller could
    /// not read (which deciding again would only meet again).
    pub fn raced_on(&self, scope: &str, key: &str) -> bool {
        self.reads.iter().any(|r| match r {
            Read::Get(s, k) => k == key && s.to_string() == scope,
            Read::Prefix(s, p) => key.starts_with(p.as_str()) && s.to_string() == scope,
        })
    }
}

impl Execution {
    /// A run of `operation` by `actor` at `now`; `op` is the operation's id (from an
    /// idempotency key, a synced mutation, or fresh), from which every derived id is made.
    pub fn new(actor: &Actor, operation: Operation, now: DateTime<Utc>, op: OpId) -> Self {
        let scope = operation.scope(actor);
        Self {
            actor: actor.clone(),
            operation,
            now,
            op,
            scope,
            snapshot: Snapshot::new(),
            asked: Vec::new(),
            rounds: 0,
            origin: None,
        }
    }

    /// The run of a change that came by sync, from this device mutation.
    pub fn with_origin(mut self, origin: Origin) -> Self {
        self.origin = Some(origin);
        self
    }

    /// The scope the command runs in.
    pub fn scope(&self) -> &Scope {
        &self.scope
    }

    /// The reads still needed, none asked before; empty when the run is ready to decide.
    pub fn next_reads(&mut self) -> Vec<Read> {
        let wanted = if self.rounds == 0 {
            let mut first = vec![self.membership_read()];
            first.extend(reads(&self.operation, &self.actor));
            first
        } else if self.rounds > MAX_READ_ROUNDS {
            Vec::new()
        } else {
            reads_after(&self.operation, &self.actor, &self.snapshot)
        };
        self.rounds += 1;
        let mut fresh = Vec::new();
        for r in wanted {
            if !self.asked.contains(&r) && !fresh.contains(&r) {
                fresh.push(r);
            }
        }
        self.asked.extend(fresh.iter().cloned());
        fresh
    }

    /// Hands the kernel the records of the reads it asked for (tombstones included).
    pub fn supply(&mut self, records: Snapshot) {
        self.snapshot.merge(records);
    }

    /// Runs every round with a synchronous loader (the phone's replica, the tests' map).
    pub fn load_with<E>(mut self, mut load: impl FnMut(&[Read]) -> Result<Snapshot, E>) -> Result<Self, E> {
        loop {
            let reads = self.next_reads();
            if reads.is_empty() {
                return Ok(self);
            }
            let records = load(&reads)?;
            self.supply(records);
        }
    }

    /// The caller's role in the command's scope: the owner of their own scope, else what their
    /// membership record (never the request) says.
    pub fn membership(&self) -> Option<MemberRole> {
        role_in(&self.actor, &self.scope, &self.snapshot)
    }

    /// Decides on the records supplied.
    pub fn decide(self) -> Result<Executed, DomainError> {
        let membership = self.membership();
        let ctx =
            Context { actor: self.actor.clone(), membership, now: self.now, op: self.op, origin: self.origin.clone() };
        let decision = decide(&ctx, &self.operation, &self.snapshot)?;
        let (scope, key) = self.membership_key();
        let version = self.snapshot.entry(&scope, &key).map(|v| v.version);
        let mut snapshot = self.snapshot;
        snapshot.apply(&decision.writes);
        Ok(Executed {
            decision,
            snapshot,
            reads: self.asked,
            membership: MembershipRead { scope, key, version },
            scope: self.scope,
        })
    }

    fn membership_key(&self) -> (Scope, String) {
        (Scope::User(self.actor.user.clone()), keys::membership(&self.scope))
    }

    fn membership_read(&self) -> Read {
        let (scope, key) = self.membership_key();
        Read::Get(scope, key)
    }
}

/// A user's role in `scope`: the owner of their own scope (and of an advocate's own workspace,
/// [`Scope::owned_by`]); otherwise the role their live membership record in their own scope
/// names, if any.
pub fn role_in(actor: &Actor, scope: &Scope, records: &Snapshot) -> Option<MemberRole> {
    if scope.owned_by(actor) {
        return Some(MemberRole::Owner);
    }
    match records.get(&Scope::User(actor.user.clone()), &keys::membership(scope)) {
        Some(Record::Membership(m)) => Some(m.role),
        _ => None,
    }
}
