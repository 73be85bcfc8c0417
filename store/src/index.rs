//! Where each record appears in the secondary indexes (README, "Storage") — the one place these rules
//! live, for every adapter and every reader.
//!
//! - GSI1 (lookups across scopes): a child's cases, `CASES#<child scope>` / case id; a child's
//!   actions by state, `ACTIONS#<child scope>#<open|done>` / `<due>#<action id>`, so lists of
//!   actions read only the actions they show, soonest first.
//! - GSI1 also holds an advocate's tickets, `QUEUE#<advocate>#<open|done>` / ticket id, so a
//!   queue reads that advocate's tickets and nobody else's; and the directory,
//!   `DIR#<area key>` / advocate id (one listing per area, and `DIR#*` for all); an
//!   organisation's connections, `ORGQ#<org>#<open|done>` / ticket id; and every organisation,
//!   `ORGS` / id.
//! - GSI2 (sparse, dated open work): `DUE#<shard>` / `<date>#<scope>#<key>`, only while the
//!   scanner has something to do on that date, so a scan reads what is due and nothing else;
//!   and `SLA#<shard>` / `<instant>#<scope>#<key>` for tickets whose SLA colour is about to
//!   change.

use senvault_domain::{ActionState, AdvocateId, Record, Scope};

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

/// GSI1 partition of an advocate's open (or resolved and closed) tickets.
pub fn queue_partition(advocate: AdvocateId, open: bool) -> String {
    format!("QUEUE#{advocate}#{}", if open { "open" } else { "done" })
}

/// GSI1 partition of an organisation's connections, open (not ended) or ended.
pub fn org_queue_partition(org: senvault_domain::OrganisationId, open: bool) -> String {
    format!("ORGQ#{org}#{}", if open { "open" } else { "done" })
}

/// GSI1 partition listing every organisation.
pub const ORGANISATIONS: &str = "ORGS";

/// GSI1 partition of the directory listing for one area key (or `*`, every area).
pub fn directory_partition(listing: &str) -> String {
    format!("DIR#{listing}")
}

/// GSI2 partition of a shard of the SLA index.
pub fn sla_partition(shard: u64) -> String {
    format!("SLA#{shard}")
}

/// An instant as an index sort key: fixed width, so string order is time order.
pub fn instant_key(at: chrono::DateTime<chrono::Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// The sort-key bound that takes in everything at `at` or earlier in an instant partition.
pub fn instant_until(at: chrono::DateTime<chrono::Utc>) -> String {
    format!("{}#{KEY_MAX}", instant_key(at))
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
        Record::Ticket(t) => {
            t.advocate_id.map(|a| IndexKey { pk: queue_partition(a, t.status.is_open()), sk: t.id.to_string() })
        }
        // An organisation's queue lists its connections (assigned or not), whose tickets the
        // admins read one by one.
        Record::Connection(c) => c.org_id.map(|o| IndexKey {
            pk: org_queue_partition(o, c.state != senvault_domain::ConnectionState::Ended),
            sk: c.ticket_id.to_string(),
        }),
        Record::Organisation(o) => Some(IndexKey { pk: ORGANISATIONS.into(), sk: o.id.to_string() }),
        Record::DirectoryEntry(e) => {
            Some(IndexKey { pk: directory_partition(&e.listing), sk: e.profile.id.to_string() })
        }
        _ => None,
    };
    let scope_s = scope.to_string();
    let shard = || due_shard(&scope_s, key);
    let g2 = match (record.due_index(), record.sla_index()) {
        (Some(due), _) => Some(IndexKey { pk: due_partition(shard()), sk: format!("{due}#{scope_s}#{key}") }),
        (None, Some(at)) => {
            Some(IndexKey { pk: sla_partition(shard()), sk: format!("{}#{scope_s}#{key}", instant_key(at)) })
        }
        (None, None) => None,
    };
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
