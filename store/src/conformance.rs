//! The storage conformance suite. Every adapter must pass it; it is public (behind the
//! `conformance` feature) so that the DynamoDB adapter's tests, against a real emulator, run
//! exactly the same checks as the SQLite engine's.
//!
//! Scopes are prefixed with a fresh id per run so the suite can share a table with other data.
//! It names no runtime: concurrent commits are joined futures, which an adapter that offloads
//! its work (or talks to a network service) runs truly in parallel.

use std::sync::Arc;

use serde_json::json;

use crate::model::*;
use crate::port::Store;

/// Runs every check against `store`, panicking with the check's name on the first failure.
pub async fn run_all(store: Arc<dyn Store>) {
    create_if_absent(store.as_ref()).await;
    version_conflicts(store.as_ref()).await;
    atomic_across_scopes(store.as_ref()).await;
    seq_is_dense_under_concurrent_commits(store.clone()).await;
    prefix_pagination(store.as_ref()).await;
    index_queries(store.as_ref()).await;
    aliases(store.as_ref()).await;
    tombstones(store.as_ref()).await;
    oversized_commits_are_refused(store.as_ref()).await;
    condition_checks(store.as_ref()).await;
    loads(store.as_ref()).await;
    erasure(store.as_ref()).await;
}

fn run_id() -> String {
    uuid::Uuid::now_v7().simple().to_string()
}

fn put(scope: &str, key: &str, body: serde_json::Value, expect: Expect) -> Put {
    Put { scope: scope.into(), key: key.into(), body: body.to_string(), deleted: false, expect, g1: None, g2: None }
}

fn one(p: Put) -> CommitRequest {
    CommitRequest::puts(vec![p])
}

fn body(r: &StoredRecord) -> serde_json::Value {
    serde_json::from_str(&r.body).expect("stored bodies are the JSON written")
}

pub async fn create_if_absent(store: &dyn Store) {
    let scope = format!("t{}:a", run_id());
    store.commit(one(put(&scope, "k", json!({"n": 1}), Expect::Absent))).await.expect("create");
    let got = store.get(&scope, "k").await.unwrap().expect("created record");
    assert_eq!((got.version, got.seq, got.deleted, body(&got)), (1, 1, false, json!({"n": 1})));
    let again = store.commit(one(put(&scope, "k", json!({"n": 2}), Expect::Absent))).await;
    assert!(matches!(again, Err(StoreError::Conflict { .. })), "create of an existing key must conflict: {again:?}");
    assert_eq!(body(&store.get(&scope, "k").await.unwrap().unwrap()), json!({"n": 1}));
    assert!(store.get(&scope, "missing").await.unwrap().is_none());
}

pub async fn version_conflicts(store: &dyn Store) {
    let scope = format!("t{}:v", run_id());
    store.commit(one(put(&scope, "k", json!(1), Expect::Absent))).await.unwrap();
    store.commit(one(put(&scope, "k", json!(2), Expect::Version(1)))).await.expect("update at v1");
    let stale = store.commit(one(put(&scope, "k", json!(3), Expect::Version(1)))).await;
    assert!(matches!(stale, Err(StoreError::Conflict { .. })), "stale update must conflict");
    let missing = store.commit(one(put(&scope, "nope", json!(3), Expect::Version(1)))).await;
    assert!(matches!(missing, Err(StoreError::Conflict { .. })), "update of a missing key must conflict");
    let got = store.get(&scope, "k").await.unwrap().unwrap();
    assert_eq!((got.version, body(&got)), (2, json!(2)));
    assert_eq!(store.meta(&scope).await.unwrap().seq, 2);
}

pub async fn atomic_across_scopes(store: &dyn Store) {
    let id = run_id();
    let (a, b) = (format!("t{id}:x"), format!("t{id}:y"));
    store.commit(one(put(&b, "taken", json!(0), Expect::Absent))).await.unwrap();
    let request = CommitRequest {
        puts: vec![
            put(&a, "one", json!(1), Expect::Absent),
            put(&a, "two", json!(2), Expect::Absent),
            put(&b, "taken", json!(1), Expect::Absent),
        ],
        checks: vec![],
        aliases: vec![(format!("alias-{id}"), a.clone())],
    };
    assert!(matches!(store.commit(request).await, Err(StoreError::Conflict { .. })));
    assert!(store.get(&a, "one").await.unwrap().is_none(), "no partial write");
    assert_eq!(store.meta(&a).await.unwrap().seq, 0, "no seq allocated");
    assert!(store.changes(&a, 0, 10).await.unwrap().is_empty(), "no change-log entry");
    assert!(store.resolve(&format!("alias-{id}")).await.unwrap().is_none(), "no alias");
    let ok =
        CommitRequest::puts(vec![put(&a, "one", json!(1), Expect::Absent), put(&b, "other", json!(1), Expect::Absent)]);
    let receipt = store.commit(ok).await.unwrap();
    assert_eq!(receipt.seqs.get(&a), Some(&1));
    assert_eq!(receipt.seqs.get(&b), Some(&2));
}

pub async fn seq_is_dense_under_concurrent_commits(store: Arc<dyn Store>) {
    let id = run_id();
    let scope = format!("t{id}:c");
    let shared = format!("t{id}:shared");
    let writers = (0..6).map(|w| {
        let (store, scope, shared) = (store.clone(), scope.clone(), shared.clone());
        async move {
            let mut done = 0;
            let mut i = 0;
            while done < 8 {
                i += 1;
                let request = CommitRequest::puts(vec![
                    put(&scope, &format!("w{w}/{i}"), json!(i), Expect::Absent),
                    put(&shared, &format!("w{w}/{i}"), json!(i), Expect::Absent),
                ]);
                match store.commit(request).await {
                    Ok(_) => done += 1,
                    Err(StoreError::Conflict { .. }) => {}
                    Err(e) => panic!("commit failed: {e}"),
                }
            }
        }
    });
    futures_util::future::join_all(writers).await;
    for s in [&scope, &shared] {
        let changes = store.changes(s, 0, 1000).await.unwrap();
        let seqs: Vec<u64> = changes.iter().map(|c| c.seq).collect();
        assert_eq!(seqs, (1..=48).collect::<Vec<_>>(), "seq must be dense in {s}");
        assert_eq!(store.meta(s).await.unwrap().seq, 48);
        let after = store.changes(s, 40, 1000).await.unwrap();
        assert_eq!(after.first().map(|c| c.seq), Some(41));
    }
}

pub async fn prefix_pagination(store: &dyn Store) {
    let scope = format!("t{}:p", run_id());
    let mut puts = Vec::new();
    for i in 0..25 {
        puts.push(put(&scope, &format!("case/x/note/{i:03}"), json!(i), Expect::Absent));
    }
    puts.push(put(&scope, "case/x", json!("case"), Expect::Absent));
    puts.push(put(&scope, "case/y/note/000", json!("other case"), Expect::Absent));
    puts.push(put(&scope, "case0", json!("after the prefix"), Expect::Absent));
    puts.push(put(&scope, "cas", json!("before the prefix"), Expect::Absent));
    // 29 records: two commits to stay inside one transaction's limit.
    let rest = puts.split_off(20);
    store.commit(CommitRequest::puts(puts)).await.unwrap();
    store.commit(CommitRequest::puts(rest)).await.unwrap();

    let mut keys = Vec::new();
    let mut after: Option<String> = None;
    let mut pages = 0;
    loop {
        let page = store.list(&scope, "case/x/", after.as_deref(), 10).await.unwrap();
        pages += 1;
        keys.extend(page.items.iter().map(|r| r.key.clone()));
        match page.next {
            Some(n) => after = Some(n),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(keys, (0..25).map(|i| format!("case/x/note/{i:03}")).collect::<Vec<_>>());
    let agg = store.list(&scope, "case/x", None, 100).await.unwrap();
    assert_eq!(agg.items.len(), 26, "the aggregate prefix holds the case and its notes");
    assert_eq!(agg.items[0].key, "case/x");
    let all = store.list(&scope, "case/", None, 100).await.unwrap();
    assert_eq!(all.items.len(), 27);
    assert!(all.next.is_none());

    // Newest first (time-ordered keys such as the audit log's), page by page, within the prefix.
    let mut keys = Vec::new();
    let mut before: Option<String> = None;
    loop {
        let page = store.list_newest(&scope, "case/x/", before.as_deref(), 10).await.unwrap();
        keys.extend(page.items.iter().map(|r| r.key.clone()));
        match page.next {
            Some(n) => before = Some(n),
            None => break,
        }
    }
    assert_eq!(keys, (0..25).rev().map(|i| format!("case/x/note/{i:03}")).collect::<Vec<_>>());
    let tail = store.list_newest(&scope, "case/x/", Some("case/x/note/001"), 10).await.unwrap();
    assert_eq!((tail.items.len(), tail.next), (1, None));
    assert_eq!(tail.items[0].key, "case/x/note/000");
}

pub async fn index_queries(store: &dyn Store) {
    let id = run_id();
    let scope = format!("t{id}:i");
    let pk = format!("DUE#{id}");
    let mut puts = Vec::new();
    for d in 1..=9 {
        let mut p = put(&scope, &format!("a/{d}"), json!(d), Expect::Absent);
        p.g2 = Some(IndexKey { pk: pk.clone(), sk: format!("2026-01-0{d}#{scope}#a/{d}") });
        p.g1 = Some(IndexKey { pk: format!("Q#{id}"), sk: format!("{d}") });
        puts.push(p);
    }
    store.commit(CommitRequest::puts(puts)).await.unwrap();
    let due = store.query_index(Index::G2, &pk, None, Some("2026-01-05\u{10FFFF}"), 3).await.unwrap();
    assert_eq!(due.items.iter().map(|r| r.key.as_str()).collect::<Vec<_>>(), vec!["a/1", "a/2", "a/3"]);
    let rest = store.query_index(Index::G2, &pk, due.next.as_deref(), Some("2026-01-05\u{10FFFF}"), 3).await.unwrap();
    assert_eq!(rest.items.iter().map(|r| r.key.as_str()).collect::<Vec<_>>(), vec!["a/4", "a/5"]);
    assert!(rest.next.is_none());
    // Rewriting a record without its sparse attributes removes it from the index.
    store.commit(one(put(&scope, "a/1", json!("done"), Expect::Version(1)))).await.unwrap();
    let due = store.query_index(Index::G2, &pk, None, None, 100).await.unwrap();
    assert_eq!(due.items.len(), 8);
    assert_eq!(due.items[0].key, "a/2");
    let g1 = store.query_index(Index::G1, &format!("Q#{id}"), Some("5"), None, 100).await.unwrap();
    assert_eq!(g1.items.len(), 4);
    // A cursor beyond the upper bound is an empty page, not an error.
    let past = store.query_index(Index::G1, &format!("Q#{id}"), Some("8"), Some("3"), 100).await.unwrap();
    assert!(past.items.is_empty() && past.next.is_none());
}

pub async fn aliases(store: &dyn Store) {
    let id = run_id();
    let scope = format!("t{id}:al");
    let alias = format!("case-{id}");
    let request = CommitRequest {
        puts: vec![put(&scope, "case/1", json!(1), Expect::Absent)],
        checks: vec![],
        aliases: vec![(alias.clone(), scope.clone())],
    };
    store.commit(request).await.unwrap();
    assert_eq!(store.resolve(&alias).await.unwrap(), Some(scope.clone()));
    let same = CommitRequest {
        puts: vec![put(&scope, "x", json!(1), Expect::Absent)],
        checks: vec![],
        aliases: vec![(alias.clone(), scope.clone())],
    };
    store.commit(same).await.expect("re-writing the same alias is a no-op");
    let other = CommitRequest {
        puts: vec![put(&scope, "y", json!(1), Expect::Absent)],
        checks: vec![],
        aliases: vec![(alias.clone(), format!("t{id}:elsewhere"))],
    };
    assert!(store.commit(other).await.is_err(), "an alias never moves");
    assert!(store.get(&scope, "y").await.unwrap().is_none(), "and the commit is rolled back");
    assert!(store.resolve("nothing-here").await.unwrap().is_none());
}

pub async fn tombstones(store: &dyn Store) {
    let scope = format!("t{}:d", run_id());
    store.commit(one(put(&scope, "n/1", json!(1), Expect::Absent))).await.unwrap();
    let mut del = put(&scope, "n/1", json!(1), Expect::Version(1));
    del.deleted = true;
    store.commit(one(del)).await.unwrap();
    let got = store.get(&scope, "n/1").await.unwrap().unwrap();
    assert!(got.deleted);
    assert_eq!(got.version, 2);
    assert!(store.list(&scope, "n/", None, 10).await.unwrap().items.is_empty());
    let all = store.list_with_tombstones(&scope, "n/", None, 10).await.unwrap();
    assert_eq!(
        all.items.iter().map(|r| (r.key.as_str(), r.version, r.deleted)).collect::<Vec<_>>(),
        vec![("n/1", 2, true)]
    );
    // A tombstoned key is re-created by a write conditioned on the tombstone, not on absence.
    let absent = store.commit(one(put(&scope, "n/1", json!(3), Expect::Absent))).await;
    assert!(matches!(absent, Err(StoreError::Conflict { .. })), "{absent:?}");
    store.commit(one(put(&scope, "n/1", json!(3), Expect::Version(2)))).await.expect("revive");
    let revived = store.get(&scope, "n/1").await.unwrap().unwrap();
    assert_eq!((revived.version, revived.deleted), (3, false));
    let log = store.changes(&scope, 0, 10).await.unwrap();
    assert_eq!(
        log.iter().map(|c| (c.seq, c.version, c.deleted)).collect::<Vec<_>>(),
        vec![(1, 1, false), (2, 2, true), (3, 3, false)]
    );
}

pub async fn oversized_commits_are_refused(store: &dyn Store) {
    let scope = format!("t{}:big", run_id());
    let puts: Vec<_> = (0..50).map(|i| put(&scope, &format!("k/{i}"), json!(i), Expect::Absent)).collect();
    let result = store.commit(CommitRequest::puts(puts)).await;
    assert!(matches!(result, Err(StoreError::TooLarge { actions: 101 })), "{result:?}");
    assert!(store.get(&scope, "k/0").await.unwrap().is_none());
}

/// A commit lands only while the records it checks are as they were read — the membership
/// that authorised it — and a failed check writes nothing.
pub async fn condition_checks(store: &dyn Store) {
    let id = run_id();
    let (user, child) = (format!("t{id}:user"), format!("t{id}:child"));
    store.commit(one(put(&user, "membership/c", json!("writer"), Expect::Absent))).await.unwrap();
    let check = |expect| Check { scope: user.clone(), key: "membership/c".into(), expect };
    let guarded = |key: &str, expect| CommitRequest {
        puts: vec![put(&child, key, json!(1), Expect::Absent)],
        checks: vec![check(expect)],
        aliases: vec![],
    };
    store.commit(guarded("a", Expect::Version(1))).await.expect("the check holds");
    assert!(store.get(&child, "a").await.unwrap().is_some());
    // The membership changes (a revocation writes a tombstone): the old decision must not land.
    let mut revoke = put(&user, "membership/c", json!("writer"), Expect::Version(1));
    revoke.deleted = true;
    store.commit(one(revoke)).await.unwrap();
    let late = store.commit(guarded("b", Expect::Version(1))).await;
    assert!(matches!(late, Err(StoreError::Conflict { .. })), "a stale check must conflict: {late:?}");
    assert!(store.get(&child, "b").await.unwrap().is_none(), "nothing written");
    assert_eq!(store.meta(&child).await.unwrap().seq, 1, "no seq allocated");
    let absent = store.commit(guarded("c", Expect::Absent)).await;
    assert!(matches!(absent, Err(StoreError::Conflict { .. })), "a tombstone still exists: {absent:?}");
    let never = CommitRequest {
        puts: vec![put(&child, "d", json!(1), Expect::Absent)],
        checks: vec![Check { scope: user.clone(), key: "membership/none".into(), expect: Expect::Absent }],
        aliases: vec![],
    };
    store.commit(never).await.expect("an absent record checked as absent");
    // Checks are not writes: they allocate no seq and leave no change-log entry.
    assert_eq!(store.meta(&user).await.unwrap().seq, 2);
    assert_eq!(store.changes(&user, 0, 10).await.unwrap().len(), 2);
}

/// An adapter's own `load` gives exactly what the reads one by one give.
pub async fn loads(store: &dyn Store) {
    use senvault_domain::{ChildId, Read, Scope};

    use crate::load::{Tombstones, load_by_parts};

    let scope = Scope::Child(ChildId::new());
    let s = scope.to_string();
    let note = |n: u32| {
        format!(r#"{{"type":"read_marker","id":"0190d7a8-0000-7000-8000-{n:012}","read_at":"2026-01-20T10:00:00Z"}}"#)
    };
    let mut puts: Vec<Put> = (0..30)
        .map(|n| Put {
            scope: s.clone(),
            key: format!("case/x/note/{n:03}"),
            body: note(n),
            deleted: false,
            expect: Expect::Absent,
            g1: None,
            g2: None,
        })
        .collect();
    puts.push(Put { key: "profile".into(), ..puts[0].clone() });
    puts.push(Put { key: "case/y/note/1".into(), ..puts[0].clone() });
    store.commit(CommitRequest::puts(puts)).await.unwrap();
    let mut gone = Put { key: "case/x/note/007".into(), expect: Expect::Version(1), ..puts_body(&s, note(7)) };
    gone.deleted = true;
    store.commit(one(gone)).await.unwrap();
    let reads = vec![
        Read::Get(scope.clone(), "profile".into()),
        Read::Get(scope.clone(), "missing".into()),
        Read::Prefix(scope.clone(), "case/x".into()),
    ];
    for t in [Tombstones::Include, Tombstones::Skip] {
        let own = store.load(&reads, t).await.unwrap();
        let parts = load_by_parts(store, &reads, t).await.unwrap();
        let keys = |snap: &senvault_domain::Snapshot| {
            snap.entries(&scope, "").map(|(k, v)| (k.to_owned(), v.version, v.deleted)).collect::<Vec<_>>()
        };
        assert_eq!(keys(&own), keys(&parts), "{t:?}");
        let expected = if t == Tombstones::Include { 31 } else { 30 };
        assert_eq!(keys(&own).len(), expected, "{t:?}: the profile and case x's notes");
        assert!(own.get(&scope, "case/x/note/007").is_none(), "tombstones are never live");
    }
}

fn puts_body(scope: &str, body: String) -> Put {
    Put { scope: scope.into(), key: String::new(), body, deleted: false, expect: Expect::Absent, g1: None, g2: None }
}

/// A purged scope leaves nothing: no record, tombstone, index entry, change-log entry, alias or
/// metadata; a second purge answers 0; other scopes are untouched. Erasing keys of another
/// scope removes them and their log entries, and starts that scope on a new epoch.
pub async fn erasure(store: &dyn Store) {
    let id = run_id();
    let (gone, kept) = (format!("t{id}:gone"), format!("t{id}:kept"));
    let indexed = |scope: &str, key: &str| {
        let mut p = put(scope, key, json!({"about": id}), Expect::Absent);
        p.g1 = Some(IndexKey { pk: format!("g-{id}"), sk: format!("{scope}/{key}") });
        p
    };
    let request = CommitRequest {
        puts: vec![indexed(&gone, "a"), indexed(&gone, "b"), indexed(&kept, "a"), indexed(&kept, "names-gone")],
        checks: vec![],
        aliases: vec![(format!("gone-{id}"), gone.clone()), (format!("kept-{id}"), kept.clone())],
    };
    store.commit(request).await.unwrap();
    let b = store.get(&gone, "b").await.unwrap().unwrap();
    let mut tomb = put(&gone, "b", json!({}), Expect::Version(b.version));
    tomb.deleted = true;
    store.commit(one(tomb)).await.unwrap();
    let before = store.meta(&kept).await.unwrap();

    assert_eq!(store.purge_scope(&gone).await.expect("purge"), 2, "a record and a tombstone went");
    assert!(store.get(&gone, "a").await.unwrap().is_none());
    assert!(store.get(&gone, "b").await.unwrap().is_none(), "tombstones go too");
    assert!(store.changes(&gone, 0, 100).await.unwrap().is_empty(), "the change log goes");
    assert_eq!(store.meta(&gone).await.unwrap(), ScopeMeta::default(), "the metadata goes");
    assert!(store.resolve(&format!("gone-{id}")).await.unwrap().is_none(), "its aliases go");
    let index = store.query_index(Index::G1, &format!("g-{id}"), None, None, 100).await.unwrap();
    assert!(index.items.iter().all(|r| r.scope == kept), "its index entries go: {:?}", index.items);
    assert_eq!(index.items.len(), 2);
    assert_eq!(store.purge_scope(&gone).await.expect("purge again"), 0, "a second purge finds nothing");
    assert_eq!(store.resolve(&format!("kept-{id}")).await.unwrap(), Some(kept.clone()));

    let erased = store.erase_keys(&kept, &["names-gone".to_owned(), "never-was".to_owned()]).await.unwrap();
    assert_eq!(erased, 1);
    assert!(store.get(&kept, "names-gone").await.unwrap().is_none());
    assert!(store.get(&kept, "a").await.unwrap().is_some(), "other records stay");
    let log = store.changes(&kept, 0, 100).await.unwrap();
    assert!(log.iter().all(|c| c.key != "names-gone"), "no log entry keeps the key: {log:?}");
    let after = store.meta(&kept).await.unwrap();
    assert_eq!((after.epoch, after.seq), (before.epoch + 1, before.seq), "devices download the scope afresh");
}
