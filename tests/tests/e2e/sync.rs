//! The sync endpoints (`docs/sync.md`) through the API, on SQLite (DynamoDB: `aws.rs`).

use senvault_tests::{TestApp, scenario};

#[tokio::test]
async fn the_sync_protocol_works_on_sqlite() {
    scenario::sync_protocol(&TestApp::sqlite()).await;
}

/// A pull after many changes pages by size, never skips a change, and each page's cursor only
/// moves forward.
#[tokio::test]
async fn a_long_change_log_is_pulled_in_pages() {
    use senvault_domain::{ActorRef, ActorRole, CaseId, Expect, Note, NoteId, Record, Scope, Write, keys};
    let app = TestApp::sqlite();
    let fam = app.family_with_case("mum", "in_assessment").await;
    let scope = format!("child:{}", fam.child);
    let client = uuid::Uuid::new_v4().to_string();
    let pull = |epoch: u64, seq: u64| serde_json::json!({"client_id": client, "schema": 1, "scopes": [{"scope": scope, "epoch": epoch, "seq": seq}]});
    let first = app.post("/v1/sync/pull", &fam.token, pull(0, 0)).await.expect(200);
    let (epoch, mut seq) =
        (first["scopes"][0]["to"]["epoch"].as_u64().unwrap(), first["scopes"][0]["to"]["seq"].as_u64().unwrap());

    let case_id: CaseId = fam.case.parse().unwrap();
    let author = ActorRef { user: "mum".parse().unwrap(), role: ActorRole::Family };
    let writes: Vec<Write> = (0..3000)
        .map(|n| {
            let id = NoteId::new();
            let text = format!("{n}: {}", "The LA's caseworker called back about the assessment. ".repeat(6));
            let note = Note {
                id,
                case_id,
                text,
                author: author.clone(),
                created_at: senvault_tests::default_now(),
                topic: None,
                section: None,
                document_id: None,
            };
            Write {
                scope: Scope::Child(fam.child.parse().unwrap()),
                key: keys::note(case_id, id),
                record: Record::Note(note),
                expect: Expect::Absent,
                delete: false,
            }
        })
        .collect();
    let puts = writes.iter().map(senvault_store::codec::to_put).collect::<Result<Vec<_>, _>>().unwrap();
    for batch in senvault_store::CommitRequest::puts(puts).into_batches() {
        app.state.service.store().commit(batch).await.unwrap();
    }

    let (mut pages, mut notes) = (0, std::collections::BTreeSet::new());
    loop {
        let answer = app.post("/v1/sync/pull", &fam.token, pull(epoch, seq)).await.expect(200);
        let s = &answer["scopes"][0];
        let to = s["to"]["seq"].as_u64().unwrap();
        assert!(to > seq, "the cursor moves forward");
        seq = to;
        pages += 1;
        for u in s["upserts"].as_array().unwrap() {
            notes.insert(u["key"].as_str().unwrap().to_owned());
        }
        if !s["has_more"].as_bool().unwrap() {
            break;
        }
        assert!(answer.to_string().len() < 2 << 20, "a page is about 1 MB");
    }
    assert!(pages >= 2, "{pages} pages");
    assert_eq!(notes.len(), 3000);
}
