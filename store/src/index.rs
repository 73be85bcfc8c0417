//! Where each record appears in the secondary indexes (DESIGN §3) — the one place these rules
//! live, for every adapter and every reader.
//!
//! - GSI1 (lookups across scopes): a child's cases, `CASES#<child scope>` / case id; a child's
//!   actions by state, `ACTIONS#<child scope>#<open|done>` / `<due>#<action id>`, so lists of
//!   actions read only the actions they show, soonest first.
//! - GSI2 (sparse, dated open work): `DUE#<shard>` / `<date>#<scope>#<key>`, only while the
//!   scanner has something to do on that date, so a scan reads what is due and nothing else.

use senvault_domain::{ActionState, Record, Scope};

use crate::model::{IndexKey, KEY_MAX};

/// Shards of the due index, so no single partition takes every due item.
pub const DUE_SHARDS: u64 = 8;

/// GSI1 partition listing the cases of one child scope.
pub fn cases_partition(scope: &Scope) -> String {
    format!("CASES#{scope}")
}

/// GSI1 partition listing a child's actions in one state, by due date.
pub fn actions_partition(scope: &Scope, state: ActionState) -> String {
    format!("ACTIONS#{scope}#{state}")
}

/// An action's sort key in its partition: its due date, then its id (unique across children,
/// so the same key orders a list merged from several children).
pub fn action_sort_key(due: chrono::NaiveDate, id: senvault_domain::ActionId) -> String {
    format!("{due}#{id}")
}

/// The sort-key bound that takes in everything dated `day` or earlier in a dated partition.
pub fn dated_until(day: chrono::NaiveDate) -> String {
    format!("{day}#{KEY_MAX}")
}

/// GSI2 partition of a shard of the due index.
pub fn due_partition(shard: u64) -> String {
    format!("DUE#{shard}")
}

/// A stable shard for a key (FNV-1a), the same on every run and platform.
pub fn due_shard(scope: &str, key: &str) -> u64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in scope.bytes().chain([b'#']).chain(key.bytes()) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x100000001b3);
    }
    h % DUE_SHARDS
}

/// The index entries a record carries when stored at `key` in `scope`.
pub fn index_keys(scope: &Scope, key: &str, record: &Record) -> (Option<IndexKey>, Option<IndexKey>) {
    let g1 = match record {
        Record::Case(c) => Some(IndexKey { pk: cases_partition(scope), sk: c.id.to_string() }),
        Record::Action(a) => Some(IndexKey { pk: actions_partition(scope, a.state), sk: action_sort_key(a.due, a.id) }),
        _ => None,
    };
    let scope_s = scope.to_string();
    let g2 = record
        .due_index()
        .map(|due| IndexKey { pk: due_partition(due_shard(&scope_s, key)), sk: format!("{due}#{scope_s}#{key}") });
    (g1, g2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_are_stable_and_spread() {
        assert_eq!(due_shard("child:a", "case/x/action/y"), due_shard("child:a", "case/x/action/y"));
        let shards: std::collections::BTreeSet<u64> =
            (0..200).map(|i| due_shard("child:a", &format!("case/x/action/{i}"))).collect();
        assert_eq!(shards.len() as u64, DUE_SHARDS);
    }
}
