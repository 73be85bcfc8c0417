//! Writing next actions. Every rule that creates, changes or removes an action does it here, so
//! the action's due tracker (the scanner's bookkeeping, see [`DueTracker`]) always follows it.

use crate::keys;
use crate::model::{Action, DueTracker, Record};
use crate::scope::Scope;
use crate::snapshot::Changes;

/// Writes `action` and brings its tracker in line: created while open, rewritten when the
/// action changes (progress kept while the due date stands), removed once it is done.
pub(crate) fn put_action(changes: &mut Changes<'_>, scope: &Scope, action: Action) {
    let tracker_key = keys::tracker(action.case_id, action.id);
    let previous = match changes.current(scope, &tracker_key) {
        Some(Record::DueTracker(t)) => Some(t.clone()),
        _ => None,
    };
    let next = DueTracker::for_action(&action, previous.as_ref());
    changes.put(scope, keys::action(action.case_id, action.id), Record::Action(action));
    match (previous, next) {
        (Some(p), Some(n)) if p == n => {}
        (_, Some(n)) => changes.put(scope, tracker_key, Record::DueTracker(n)),
        (Some(p), None) => changes.delete(scope, tracker_key, Record::DueTracker(p)),
        (None, None) => {}
    }
}

/// Removes an action (a derived action whose reason is gone) and its tracker.
pub(crate) fn delete_action(changes: &mut Changes<'_>, scope: &Scope, action: Action) {
    let tracker_key = keys::tracker(action.case_id, action.id);
    if let Some(Record::DueTracker(t)) = changes.current(scope, &tracker_key).cloned() {
        changes.delete(scope, tracker_key, Record::DueTracker(t));
    }
    changes.delete(scope, keys::action(action.case_id, action.id), Record::Action(action));
}
