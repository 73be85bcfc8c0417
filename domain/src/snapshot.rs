//! What `decide` reads (a snapshot of stored records with their versions) and what it returns
//! (writes, each conditioned on the version it read).

use std::collections::BTreeMap;

use crate::model::Record;
use crate::scope::Scope;

/// A record as stored, with the version a write must match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Versioned {
    pub version: u64,
    pub deleted: bool,
    pub record: Record,
}

/// A read the rules need before deciding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Read {
    Get(Scope, String),
    Prefix(Scope, String),
}

/// The records a decision is made from.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    map: BTreeMap<(Scope, String), Versioned>,
}

impl Snapshot {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn insert(&mut self, scope: Scope, key: String, v: Versioned) {
        self.map.insert((scope, key), v);
    }

    /// Adds another snapshot's entries (the same key keeps the newer read).
    pub fn merge(&mut self, other: Snapshot) {
        self.map.extend(other.map);
    }

    /// A live (not deleted) record.
    pub fn get(&self, scope: &Scope, key: &str) -> Option<&Record> {
        self.entry(scope, key).filter(|v| !v.deleted).map(|v| &v.record)
    }

    /// Any stored entry, tombstones included (writes must condition on their version).
    pub fn entry(&self, scope: &Scope, key: &str) -> Option<&Versioned> {
        self.map.get(&(scope.clone(), key.to_owned()))
    }

    /// Live records of `scope` whose key starts with `prefix`, in key order.
    pub fn prefix<'a>(&'a self, scope: &'a Scope, prefix: &'a str) -> impl Iterator<Item = (&'a str, &'a Record)> + 'a {
        self.map
            .range((scope.clone(), prefix.to_owned())..)
            .take_while(move |((s, k), _)| s == scope && k.starts_with(prefix))
            .filter(|(_, v)| !v.deleted)
            .map(|((_, k), v)| (k.as_str(), &v.record))
    }

    /// Every stored entry of `scope` under `prefix`, tombstones included, in key order.
    pub fn entries<'a>(
        &'a self,
        scope: &'a Scope,
        prefix: &'a str,
    ) -> impl Iterator<Item = (&'a str, &'a Versioned)> + 'a {
        self.map
            .range((scope.clone(), prefix.to_owned())..)
            .take_while(move |((s, k), _)| s == scope && k.starts_with(prefix))
            .map(|((_, k), v)| (k.as_str(), v))
    }

    /// The snapshot as it will be once `writes` are committed (versions advanced), so callers
    /// can answer with the state they just wrote without reading it back.
    pub fn apply(&mut self, writes: &[Write]) {
        for w in writes {
            let version = w.expect.next_version();
            self.insert(
                w.scope.clone(),
                w.key.clone(),
                Versioned { version, deleted: w.delete, record: w.record.clone() },
            );
        }
    }
}

/// The condition a write is committed under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// Create: the key must not exist.
    Absent,
    /// Update: the stored version must still be this one.
    Version(u64),
}

impl Expect {
    /// The version a write under this condition stores: a create is version 1, an update the
    /// version read plus one. The one version rule of the system (stores, replica, snapshot).
    pub fn next_version(self) -> u64 {
        match self {
            Expect::Absent => 1,
            Expect::Version(v) => v + 1,
        }
    }

    /// Whether a record at `current` (`None`: never stored) satisfies this condition.
    pub fn holds(self, current: Option<u64>) -> bool {
        match (self, current) {
            (Expect::Absent, None) => true,
            (Expect::Version(want), Some(have)) => want == have,
            _ => false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Write {
    pub scope: Scope,
    pub key: String,
    pub record: Record,
    pub expect: Expect,
    /// A tombstone: the record is kept (for sync and audit) but reads no longer see it.
    pub delete: bool,
}

/// A lookup from a record id to the scope that holds it, so `GET /v1/cases/{id}` can find the
/// child scope without a scan. Written once, with the record's creation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alias {
    pub id: String,
    pub scope: Scope,
}

/// The result of a command.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Decision {
    pub writes: Vec<Write>,
    pub aliases: Vec<Alias>,
}

impl Decision {
    /// A safe retry or a re-set of the current value: nothing to write.
    pub fn is_noop(&self) -> bool {
        self.writes.is_empty()
    }
}

/// Accumulates writes against a snapshot: each key is written once, conditioned on the version
/// the snapshot holds.
pub(crate) struct Changes<'a> {
    snap: &'a Snapshot,
    writes: Vec<Write>,
    aliases: Vec<Alias>,
}

impl<'a> Changes<'a> {
    pub fn new(snap: &'a Snapshot) -> Self {
        Self { snap, writes: Vec::new(), aliases: Vec::new() }
    }

    pub fn put(&mut self, scope: &Scope, key: String, record: Record) {
        if let Some(w) = self.writes.iter_mut().find(|w| &w.scope == scope && w.key == key) {
            w.record = record;
            w.delete = false;
            return;
        }
        let expect = match self.snap.entry(scope, &key) {
            Some(v) => Expect::Version(v.version),
            None => Expect::Absent,
        };
        self.writes.push(Write { scope: scope.clone(), key, record, expect, delete: false });
    }

    /// A tombstone: the record stays (for sync and audit) but reads no longer see it.
    pub fn delete(&mut self, scope: &Scope, key: String, record: Record) {
        self.put(scope, key.clone(), record);
        if let Some(w) = self.writes.iter_mut().find(|w| &w.scope == scope && w.key == key) {
            w.delete = true;
        }
    }

    /// The record as this decision leaves it so far: a pending write, else the snapshot's live
    /// record.
    pub fn current(&self, scope: &Scope, key: &str) -> Option<&Record> {
        match self.writes.iter().find(|w| &w.scope == scope && w.key == key) {
            Some(w) if w.delete => None,
            Some(w) => Some(&w.record),
            None => self.snap.get(scope, key),
        }
    }

    /// Keys of pending writes (deletes included) in `scope` under `prefix`.
    pub fn pending_keys(&self, scope: &Scope, prefix: &str) -> Vec<String> {
        self.writes.iter().filter(|w| &w.scope == scope && w.key.starts_with(prefix)).map(|w| w.key.clone()).collect()
    }

    pub fn alias(&mut self, id: String, scope: &Scope) {
        self.aliases.push(Alias { id, scope: scope.clone() });
    }

    pub fn has_writes(&self) -> bool {
        !self.writes.is_empty()
    }

    pub fn finish(self) -> Decision {
        Decision { writes: self.writes, aliases: self.aliases }
    }
}
