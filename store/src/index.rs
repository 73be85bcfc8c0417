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
//! - GSI1 also holds a child's timeline, `TIMELINE#<child scope>` / newest-first key (see
//!   [`timeline_sort_key`]), so its first page is one query however long the timeline grows.
//! - GSI2 holds each case's timeline, `CASETL#<child scope>#<case>` / the same newest-first key,
//!   so a case's chronology reads that case's entries and no others.
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

/// GSI1 partition of a child's timeline.
pub fn timeline_partition(scope: &Scope) -> String {
    format!("TIMELINE#{scope}")
}

/// GSI2 partition of one case's timeline entries.
pub fn case_timeline_partition(scope: &Scope, case: senvault_domain::CaseId) -> String {
    format!("CASETL#{scope}#{case}")
}

/// Days from the common era to 31 December 9999, so that subtracting a date's count from it
/// orders later dates first.
const LAST_DAY: i64 = 3_652_059;

fn reversed_day(d: chrono::NaiveDate) -> String {
    use chrono::Datelike;
    format!("{:07}", LAST_DAY - i64::from(d.num_days_from_ce()))
}

/// A timeline entry's sort key: newest first in ascending key order — later dates first, a
/// day's later times first, entries with no time after that day's timed ones — then the id.
pub fn timeline_sort_key(
    date: chrono::NaiveDate,
    time: Option<chrono::NaiveTime>,
    id: senvault_domain::TimelineEntryId,
) -> String {
    use chrono::Timelike;
    let minute = time.map_or(0, |t| t.hour() * 60 + t.minute() + 1);
    format!("{}{:04}#{id}", reversed_day(date), 9999 - minute)
}

/// The `(after, until)` bounds of a timeline query for entries dated `from` to `to` (both
/// included, either open), continuing after `cursor`.
pub fn timeline_range(
    from: Option<chrono::NaiveDate>,
    to: Option<chrono::NaiveDate>,
    cursor: Option<&str>,
) -> (Option<String>, Option<String>) {
    // Days after `to` have the smaller keys: start after the last of them.
    let lower = to.and_then(|t| t.succ_opt()).map(|next| format!("{}{KEY_MAX}", reversed_day(next)));
    let after = match (lower, cursor) {
        (Some(l), Some(c)) => Some(if c > l.as_str() { c.to_owned() } else { l }),
        (l, c) => l.or(c.map(str::to_owned)),
    };
    let until = from.map(|f| format!("{}{KEY_MAX}", reversed_day(f)));
    (after, until)
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
        Record::TimelineEntry(e) => {
            Some(IndexKey { pk: timeline_partition(scope), sk: timeline_sort_key(e.date, e.time, e.id) })
        }
        _ => None,
    };
    let scope_s = scope.to_string();
    let shard = || due_shard(&scope_s, key);
    let g2 = match (record, record.due_index(), record.sla_index()) {
        (Record::TimelineEntry(e), _, _) => e.case_id.map(|case| IndexKey {
            pk: case_timeline_partition(scope, case),
            sk: timeline_sort_key(e.date, e.time, e.id),
        }),
        (_, Some(due), _) => Some(IndexKey { pk: due_partition(shard()), sk: format!("{due}#{scope_s}#{key}") }),
        (_, None, Some(at)) => {
            Some(IndexKey { pk: sla_partition(shard()), sk: format!("{}#{scope_s}#{key}", instant_key(at)) })
        }
        (_, None, None) => None,
    };
    (g1, g2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeline_keys_run_newest_first_and_ranges_take_whole_days() {
        use chrono::{NaiveDate, NaiveTime};
        let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd).unwrap();
        let t = |h, m| NaiveTime::from_hms_opt(h, m, 0);
        let id = senvault_domain::TimelineEntryId::new();
        let keys = [
            timeline_sort_key(d(2026, 3, 2), t(9, 0), id),
            timeline_sort_key(d(2026, 3, 1), t(23, 59), id),
            timeline_sort_key(d(2026, 3, 1), t(0, 0), id),
            timeline_sort_key(d(2026, 3, 1), None, id),
            timeline_sort_key(d(2025, 12, 31), None, id),
        ];
        let mut sorted = keys.clone();
        sorted.sort();
        assert_eq!(sorted, keys, "ascending keys are newest first");
        let (after, until) = timeline_range(Some(d(2026, 3, 1)), Some(d(2026, 3, 1)), None);
        let within = |k: &String| after.as_ref().is_none_or(|a| k > a) && until.as_ref().is_none_or(|u| k <= u);
        let taken: Vec<bool> = keys.iter().map(within).collect();
        assert_eq!(taken, vec![false, true, true, true, false]);
        let (after, until) = timeline_range(None, None, Some(&keys[1]));
        assert_eq!((after.as_deref(), until), (Some(keys[1].as_str()), None));
    }

    #[test]
    fn shards_are_stable_and_spread() {
        assert_eq!(due_shard("child:a", "case/x/action/y"), due_shard("child:a", "case/x/action/y"));
        let shards: std::collections::BTreeSet<u64> =
            (0..200).map(|i| due_shard("child:a", &format!("case/x/action/{i}"))).collect();
        assert_eq!(shards.len() as u64, DUE_SHARDS);
    }
}
