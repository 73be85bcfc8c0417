//! Telling the app's screens what changed, so they refresh without polling: after each local
//! command and each sync, every subscribed [`ChangeListener`] hears which records changed (by
//! scope, key and kind) and which scopes the device no longer holds.

use std::sync::{Arc, Mutex};

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

/// A change event being gathered — or not, when no one listens (a first download of ten
/// thousand records then builds no list).
pub(crate) struct Gathering {
    event: ChangeEvent,
    wanted: bool,
}

impl Gathering {
    pub(crate) fn new(origin: ChangeOrigin, wanted: bool) -> Self {
        Gathering { event: ChangeEvent { origin, records: Vec::new(), scopes_gone: Vec::new() }, wanted }
    }

    /// A record written, with its stored JSON text (whose first field is its type tag).
    pub(crate) fn put(&mut self, scope: &str, key: &str, body: &str) {
        if self.wanted {
            let kind = kind_of(body).unwrap_or_else(|| first_part(key)).to_owned();
            self.push(scope, key, kind, false);
        }
    }

    /// A record written here (encoded only if someone listens).
    pub(crate) fn put_record(&mut self, scope: &str, key: &str, record: &senvault_domain::Record) {
        if self.wanted
            && let Ok(body) = serde_json::to_string(record)
        {
            self.put(scope, key, &body);
        }
    }

    pub(crate) fn delete(&mut self, scope: &str, key: &str) {
        if self.wanted {
            self.push(scope, key, first_part(key).to_owned(), true);
        }
    }

    pub(crate) fn scope_gone(&mut self, scope: &str) {
        self.event.scopes_gone.push(scope.to_owned());
    }

    pub(crate) fn scopes_gone(&mut self, scopes: Vec<String>) {
        self.event.scopes_gone = scopes;
    }

    fn push(&mut self, scope: &str, key: &str, kind: String, deleted: bool) {
        self.event.records.push(ChangedRecord { scope: scope.to_owned(), key: key.to_owned(), kind, deleted });
    }

    pub(crate) fn into_event(self) -> ChangeEvent {
        self.event
    }
}

fn first_part(key: &str) -> &str {
    key.split('/').next().unwrap_or(key)
}

/// A record's type, read from its stored text (`{"type":"note",…}`: the tag comes first)
/// rather than by encoding the record again.
fn kind_of(body: &str) -> Option<&str> {
    body.strip_prefix("{\"type\":\"")?.split('"').next()
}

/// Called by the core after each command and each sync (on the thread that made it: a
/// listener hands the event to its UI thread). It may call back into the core.
#[uniffi::export(with_foreign)]
pub trait ChangeListener: Send + Sync {
    fn on_change(&self, event: ChangeEvent);
    /// How far a sync has gone (for a progress bar), after each step; the last says `Done`.
    fn on_progress(&self, progress: SyncProgress);
}

/// The step a sync is at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum SyncStage {
    /// Sending changes made on the device: `done` of `total` changes.
    Sending,
    /// Receiving what changed elsewhere: `done` records so far (`total` unknown: 0).
    Receiving,
    /// Uploading captured documents: `done` of `total` bytes.
    Uploading,
    /// Finished (or stopped: the sync's answer says how).
    Done,
}

/// One step of a sync's progress.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SyncProgress {
    pub stage: SyncStage,
    pub done: u64,
    pub total: u64,
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

    /// Whether anyone listens (else no event is gathered).
    pub(crate) fn any(&self) -> bool {
        !self.next.lock().unwrap_or_else(|p| p.into_inner()).1.is_empty()
    }

    fn all(&self) -> Vec<Arc<dyn ChangeListener>> {
        self.next.lock().unwrap_or_else(|p| p.into_inner()).1.iter().map(|(_, l)| l.clone()).collect()
    }

    /// Tells every listener; called with no lock of the core held, so a listener may read.
    pub(crate) fn tell(&self, event: ChangeEvent) {
        if event.records.is_empty() && event.scopes_gone.is_empty() {
            return;
        }
        for l in self.all() {
            l.on_change(event.clone());
        }
    }

    /// Tells every listener how far a sync has gone (no lock of the replica is held: the sync
    /// lock alone, so a listener may read and make changes, but not sync).
    pub(crate) fn progress(&self, stage: SyncStage, done: u64, total: u64) {
        for l in self.all() {
            l.on_progress(SyncProgress { stage, done, total });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_records_kind_is_its_stored_tag() {
        let note = senvault_domain::Record::Preferences(senvault_domain::model::Preferences {
            reminder_lead_days: vec![7],
            updated_at: chrono::Utc::now(),
        });
        let body = serde_json::to_string(&note).unwrap();
        assert_eq!(kind_of(&body), Some("preferences"));
        assert_eq!(kind_of("{}"), None);
        let mut g = Gathering::new(ChangeOrigin::Sync, true);
        g.put("user:u", "preferences", &body);
        g.delete("child:c", "case/1/note/2");
        let e = g.into_event();
        assert_eq!((e.records[0].kind.as_str(), e.records[1].kind.as_str()), ("preferences", "case"));
        let mut unheard = Gathering::new(ChangeOrigin::Sync, false);
        unheard.put("user:u", "preferences", &body);
        assert!(unheard.into_event().records.is_empty(), "nothing gathered when no one listens");
    }
}
