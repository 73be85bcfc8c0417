//! Telling the app's screens what changed, so they refresh without polling: after each local
//! command and each sync, every subscribed [`ChangeListener`] hears which records changed (by
//! scope, key and kind) and which scopes the device no longer holds.

use std::sync::{Arc, Mutex};

use senvault_domain::Record;

/// Where a change came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ChangeOrigin {
    /// A command made on this device (shown at once, sent at the next sync).
    Local,
    /// What a sync brought (other people's changes, the server's answer to this device's).
    Sync,
}

/// One record that changed.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ChangedRecord {
    /// `child:<id>`, `conn:<id>`, …
    pub scope: String,
    pub key: String,
    /// The record's type (`case`, `note`, `action`, `timeline_entry`, `message`, …); for a
    /// record deleted by a sync, the first part of its key.
    pub kind: String,
    pub deleted: bool,
}

/// What one command or one sync changed.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ChangeEvent {
    pub origin: ChangeOrigin,
    pub records: Vec<ChangedRecord>,
    /// Scopes the device no longer holds (access revoked, or the whole account gone).
    pub scopes_gone: Vec<String>,
}

impl ChangeEvent {
    pub(crate) fn new(origin: ChangeOrigin) -> Self {
        ChangeEvent { origin, records: Vec::new(), scopes_gone: Vec::new() }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.records.is_empty() && self.scopes_gone.is_empty()
    }

    pub(crate) fn put(&mut self, scope: &str, key: &str, record: &Record) {
        self.records.push(ChangedRecord {
            scope: scope.to_owned(),
            key: key.to_owned(),
            kind: kind_of(record),
            deleted: false,
        });
    }

    pub(crate) fn delete(&mut self, scope: &str, key: &str) {
        let kind = key.split('/').next().unwrap_or(key).to_owned();
        self.records.push(ChangedRecord { scope: scope.to_owned(), key: key.to_owned(), kind, deleted: true });
    }
}

/// A record's type as it is tagged in storage.
fn kind_of(record: &Record) -> String {
    serde_json::to_value(record)
        .ok()
        .and_then(|v| v.get("type").and_then(|t| t.as_str()).map(str::to_owned))
        .unwrap_or_else(|| "record".into())
}

/// Called by the core after each command and each sync (on the thread that made it: a
/// listener hands the event to its UI thread). It may call back into the core.
#[uniffi::export(with_foreign)]
pub trait ChangeListener: Send + Sync {
    fn on_change(&self, event: ChangeEvent);
}

/// A listener and its subscription id.
type Subscribed = (u64, Arc<dyn ChangeListener>);

/// The subscribed listeners, and the last subscription id given.
#[derive(Default)]
pub(crate) struct Listeners {
    next: Mutex<(u64, Vec<Subscribed>)>,
}

impl Listeners {
    pub(crate) fn add(&self, listener: Arc<dyn ChangeListener>) -> u64 {
        let mut guard = self.next.lock().unwrap_or_else(|p| p.into_inner());
        guard.0 += 1;
        let id = guard.0;
        guard.1.push((id, listener));
        id
    }

    pub(crate) fn remove(&self, id: u64) {
        self.next.lock().unwrap_or_else(|p| p.into_inner()).1.retain(|(i, _)| *i != id);
    }

    /// Tells every listener; called with no lock of the core held, so a listener may read.
    pub(crate) fn tell(&self, event: ChangeEvent) {
        if event.is_empty() {
            return;
        }
        let listeners: Vec<_> =
            self.next.lock().unwrap_or_else(|p| p.into_inner()).1.iter().map(|(_, l)| l.clone()).collect();
        for l in listeners {
            l.on_change(event.clone());
        }
    }
}
