//! The phone core (`senvault-mobile`) against the server in this process: offline changes and
//! their sync, other people's changes arriving, statutory deadlines and the analyser offline,
//! revocation and reset, and a fault simulation over many seeded schedules.
//!
//! The sync calls block, as on a phone's background thread, so these tests run on plain
//! threads and drive the server's runtime from there.

use std::path::PathBuf;
use std::sync::Arc;

use chrono::{Days, Utc};
use senvault_domain::{
    ActionState, CaseStatus, Channel, CloseOutcome, Direction, DocumentCategory, DocumentType, EventCategory,
    EvidenceKind, FlagStatus, KeyDateKind, Party,
};
use senvault_mobile::{NewActionInput, OutcomeKind, VaultClient, VaultError};
use senvault_tests::faults::{FailingStore, Rng};
use senvault_tests::mobile::{
    Faulty, InProcess, NetworkFaults, StaticAuth, TestKeys, open_replica, replica_rows, server_rows,
};
use senvault_tests::{TestApp, scenario};
use serde_json::json;

const NOAH: &str = include_str!("../../corpus/plans/noah-draft.txt");

struct World {
    rt: Arc<tokio::runtime::Runtime>,
    app: TestApp,
}

fn world_with(store: Option<Arc<FailingStore>>) -> World {
    let rt = Arc::new(tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap());
    let app = match store {
        Some(s) => TestApp::with_store(s),
        None => TestApp::sqlite(),
    };
    // Phones decide with today's date; so does this server.
    app.clock.set(Utc::now());
    World { rt, app }
}

/// A world whose SQLite database is a file in a new directory (tests that reach into it).
fn world_in_dir(name: &str) -> (World, PathBuf) {
    let dir = std::env::temp_dir().join(format!("senvault-{name}-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let rt = Arc::new(tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap());
    let app = TestApp::in_dir(&dir);
    app.clock.set(Utc::now());
    (World { rt, app }, dir)
}

fn temp_db(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("senvault-phone-{name}-{}.db", uuid::Uuid::now_v7().simple()))
}

/// A device for `token`, behind a transport the test can cut.
fn device(w: &World, name: &str, token: &str) -> (Arc<VaultClient>, Arc<Faulty>, PathBuf) {
    let net = Arc::new(Faulty::new(Arc::new(InProcess { router: w.app.router.clone(), rt: w.rt.clone() })));
    let path = temp_db(name);
    let client = VaultClient::with_transport(
        path.to_str().unwrap(),
        net.clone(),
        Arc::new(StaticAuth(token.into())),
        Arc::new(TestKeys::default()),
    )
    .expect("open replica");
    (client, net, path)
}

const OFFLINE: NetworkFaults = NetworkFaults { drop_request: 1000, drop_response: 0, duplicate: 0 };

/// The family with a case, and an advocate connected to it and granted `collaborate` on the
/// child; answers the family, the advocate (token, id) and the connection's grants path.
fn family_and_collaborator(w: &World) -> (senvault_tests::FamilyFixture, (String, String), String) {
    let fam = w.rt.block_on(w.app.family_with_case("mum", "in_assessment"));
    let adv = w.rt.block_on(scenario::advocate(&w.app, "adv", "Alex"));
    let (connection, _) = w.rt.block_on(scenario::connect(&w.app, &fam.token, &fam.child, &adv));
    let grants = format!("/v1/connections/{connection}/grants");
    let grant = json!({"children": [fam.child], "level": "collaborate"});
    w.rt.block_on(w.app.post(&grants, &fam.token, grant)).expect(200);
    (fam, adv, grants)
}

/// The family takes back every grant on the connection whose grants path is `grants`.
fn revoke_grants(w: &World, grants: &str, family_token: &str) {
    let revoke = axum::http::Request::builder()
        .method("DELETE")
        .uri(grants)
        .header("authorization", format!("Bearer {family_token}"))
        .body(axum::body::Body::empty())
        .unwrap();
    w.rt.block_on(w.app.send(revoke)).expect(200);
}

fn assert_replica_matches_server(w: &World, db: &std::path::Path, scopes: &[String]) {
    let (rows, overlay, outbox) = replica_rows(db);
    assert_eq!((overlay, outbox), (0, 0), "nothing pending once quiet");
    for scope in scopes {
        let mine: std::collections::BTreeMap<_, _> = rows.iter().filter(|((s, _), _)| s == scope).collect();
        let theirs = w.rt.block_on(server_rows(w.app.state.service.store().as_ref(), scope));
        let theirs: std::collections::BTreeMap<_, _> = theirs.iter().collect();
        assert_eq!(mine, theirs, "replica of {scope} equals the server");
    }
}

#[test]
fn offline_changes_sync_and_other_peoples_changes_arrive() {
    let w = world_with(None);
    let fam = w.rt.block_on(w.app.family_with_case("mum", "in_assessment"));
    let (phone, net, db) = device(&w, "mum", &fam.token);
    assert!(
        matches!(
            phone.create_case(fam.child.clone(), CaseStatus::AssessmentRequested, "x".into(), None),
            Err(VaultError::NotSetUp { .. })
        ),
        "a device learns who it works for on its first sync"
    );
    phone.sync().expect("first sync");
    assert_eq!(phone.children().unwrap().len(), 1);
    assert_eq!(phone.cases(fam.child.clone()).unwrap().len(), 1);

    // Offline: a case, its next action, and a request date ten weeks ago — the LA's 6-week
    // decision is overdue, computed on the phone.
    net.set(Some((Rng::new(1), OFFLINE)));
    let case = phone
        .create_case(fam.child.clone(), CaseStatus::AssessmentRequested, "Second request".into(), None)
        .expect("offline case");
    let due = Utc::now().date_naive().checked_add_days(Days::new(5)).unwrap().to_string();
    let action = NewActionInput {
        description: "Chase the school's SENCo for the IEP".into(),
        responsible: Party::Family,
        due: Some(due),
        timescale: None,
        start: None,
    };
    phone.add_action(case.clone(), action).expect("offline action");
    let asked = Utc::now().date_naive().checked_sub_days(Days::new(70)).unwrap().to_string();
    phone.record_key_date(case.clone(), KeyDateKind::RequestReceived, asked).expect("offline key date");
    let overdue = phone.actions_due(true).unwrap();
    let decision =
        overdue.iter().find(|a| a.case_id == case && a.statutory).expect("a statutory action, overdue offline");
    assert_eq!(decision.responsible, Party::La);
    assert!(decision.legal_basis.as_deref().unwrap_or("").contains("reg"), "{decision:?}");
    let shown = phone.case_page(case.clone()).unwrap().actions.len();
    assert!(shown >= 3, "the action and the statutory timetable, shown at once before any sync: {shown}");
    assert!(matches!(phone.sync(), Err(VaultError::Offline { .. })));
    assert_eq!(phone.status().unwrap().outbox_depth, 3);

    // Back online: everything lands once, and someone else's note arrives.
    net.set(None);
    let report = phone.sync().expect("sync");
    assert_eq!((report.applied, report.rejected), (3, 0));
    assert_eq!(phone.status().unwrap().outbox_depth, 0);
    let page = w.rt.block_on(w.app.get(&format!("/v1/cases/{case}"), &fam.token)).expect(200);
    assert_eq!(page["actions"].as_array().map(Vec::len), Some(shown), "the server decided the same: {page}");
    w.rt.block_on(w.app.post(&format!("/v1/cases/{case}/notes"), &fam.token, json!({"text": "Phoned the LA"})))
        .expect(201);
    phone.sync().expect("sync");
    let notes = phone.case_page(case.clone()).unwrap().notes;
    assert!(notes.iter().any(|n| n.text == "Phoned the LA"), "{notes:?}");
    drop(phone);
    assert_replica_matches_server(&w, &db, &[format!("child:{}", fam.child)]);

    // The same replica reopened (an app restart) carries on.
    let again = VaultClient::with_transport(
        db.to_str().unwrap(),
        net.clone(),
        Arc::new(StaticAuth(fam.token.clone())),
        Arc::new(TestKeys::default()),
    )
    .unwrap();
    again.add_note(case.clone(), "After a restart".into()).unwrap();
    assert_eq!(again.sync().unwrap().applied, 1);
}

#[test]
fn a_revoked_advocate_keeps_nothing_of_the_child() {
    let w = world_with(None);
    let (fam, adv, grants) = family_and_collaborator(&w);
    let (phone, net, db) = device(&w, "adv", &adv.0);
    phone.sync().expect("sync");
    assert_eq!(phone.children().unwrap().len(), 1);
    assert!(phone.case_page(fam.case.clone()).is_ok());

    // A note made offline, then the family revokes: the phone keeps no row of the child and
    // reports the note as refused.
    net.set(Some((Rng::new(2), OFFLINE)));
    phone.add_note(fam.case.clone(), "Draft letter to the LA attached".into()).unwrap();
    net.set(None);
    revoke_grants(&w, &grants, &fam.token);
    let report = phone.sync().expect("sync");
    assert!(report.scopes_revoked >= 1 || report.rejected >= 1, "{report:?}");
    assert!(phone.children().unwrap().is_empty());
    assert!(matches!(phone.case_page(fam.case.clone()), Err(VaultError::Refused { status: 404, .. })));
    let (rows, overlay, _) = replica_rows(&db);
    let child_rows = rows.keys().filter(|(s, _)| s == &format!("child:{}", fam.child)).count();
    assert_eq!((child_rows, overlay), (0, 0), "zero rows of the child on the advocate's phone");
    let refused = phone.take_outcomes().unwrap();
    assert!(refused.iter().any(|o| o.command == "add_note" && o.status == 404), "{refused:?}");
    let page = w.rt.block_on(w.app.get(&format!("/v1/cases/{}", fam.case), &fam.token)).expect(200);
    assert!(!page.to_string().contains("Draft letter"), "the refused note never landed");
}

#[test]
fn the_offline_analyser_gives_the_servers_flags() {
    let w = world_with(None);
    w.rt.block_on(w.app.serve());
    let fam = w.rt.block_on(w.app.family_with_case("mum", "draft_ehcp_issued"));
    let doc =
        w.rt.block_on(w.app.upload_document(&fam.token, &fam.child, "Draft", "text/plain", NOAH.as_bytes().to_vec()));
    let server =
        w.rt.block_on(w.app.post(
            &format!("/v1/documents/{doc}/analyse"),
            &fam.token,
            json!({"draft": true, "year_group": 3}),
        ))
        .expect(200);
    let (phone, _, _) = device(&w, "mum", &fam.token);
    let choices =
        senvault_mobile::AnalyseChoices { draft: true, year_group: Some(3), personal_budget_requested: false };
    let offline = phone.analyse_text(NOAH.into(), choices).unwrap();
    let theirs: Vec<(String, String)> = server["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["rule"].as_str().unwrap().to_owned(), f["excerpt"].as_str().unwrap().to_owned()))
        .collect();
    let mine: Vec<(String, String)> = offline.iter().map(|f| (f.rule.clone(), f.excerpt.clone())).collect();
    assert!(!mine.is_empty());
    assert_eq!(mine, theirs);
}

#[test]
fn a_reset_downloads_the_scope_again_and_keeps_pending_changes() {
    let (w, dir) = world_in_dir("reset");
    let fam = w.rt.block_on(w.app.family_with_case("mum", "in_assessment"));
    let (phone, net, db) = device(&w, "mum", &fam.token);
    phone.sync().unwrap();
    net.set(Some((Rng::new(3), OFFLINE)));
    phone.add_note(fam.case.clone(), "Pending while the server rewrites history".into()).unwrap();
    net.set(None);
    // The operator restores the scope: its epoch changes and its change log starts again.
    let server = rusqlite::Connection::open(dir.join("senvault.db")).unwrap();
    server.execute("UPDATE meta SET epoch = epoch + 1 WHERE scope = ?1", [format!("child:{}", fam.child)]).unwrap();
    let report = phone.sync().unwrap();
    assert!(report.scopes_reset >= 1, "{report:?}");
    assert_eq!(report.applied, 1, "the pending note was kept and sent");
    drop(phone);
    assert_replica_matches_server(&w, &db, &[format!("child:{}", fam.child)]);
}

/// How many seeded schedules to run (`SENVAULT_SYNC_SCHEDULES`), or the one to replay
/// (`SENVAULT_SYNC_SEED`).
fn schedules() -> Vec<u64> {
    if let Some(seed) = std::env::var("SENVAULT_SYNC_SEED").ok().and_then(|s| s.parse().ok()) {
        return vec![seed];
    }
    let n = std::env::var("SENVAULT_SYNC_SCHEDULES").ok().and_then(|s| s.parse().ok()).unwrap_or(1000);
    (1..=n).collect()
}

/// Several devices (the family's and a collaborating advocate's) edit one case concurrently
/// through a faulty network against a server whose commits fail at random (before or after
/// they land), crash and reopen at random; once the network is quiet every acknowledged change
/// is on the server exactly once, no cursor ever moved backwards, and every replica equals the
/// server.
///
/// The schedules (1,000 unless `SENVAULT_SYNC_SCHEDULES` says otherwise) are split into four
/// quarters, each its own test, so a test runner spreads them over every core.
#[test]
fn sync_survives_seeded_faults_1() {
    run_quarter(0);
}

#[test]
fn sync_survives_seeded_faults_2() {
    run_quarter(1);
}

#[test]
fn sync_survives_seeded_faults_3() {
    run_quarter(2);
}

#[test]
fn sync_survives_seeded_faults_4() {
    run_quarter(3);
}

/// Runs every fourth schedule, starting at `quarter`.
fn run_quarter(quarter: usize) {
    let seeds: Vec<u64> = schedules().into_iter().skip(quarter).step_by(4).collect();
    let started = std::time::Instant::now();
    for seed in &seeds {
        let outcome = std::panic::catch_unwind(|| run_schedule(*seed));
        if let Err(e) = outcome {
            let msg = e.downcast_ref::<String>().cloned().or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()));
            panic!(
                "schedule {seed} failed: {}\nreplay with: SENVAULT_SYNC_SEED={seed} cargo nextest run -p senvault-tests -E 'test(sync_survives_seeded_faults_1)'",
                msg.unwrap_or_default()
            );
        }
    }
    eprintln!("{} schedules in {:.1} s", seeds.len(), started.elapsed().as_secs_f64());
}

fn run_schedule(seed: u64) {
    let mut rng = Rng::new(seed);
    let store = Arc::new(FailingStore::new(Arc::new(senvault_store::sqlite::SqliteStore::in_memory().unwrap())));
    let w = world_with(Some(store.clone()));
    let (fam, adv, _) = family_and_collaborator(&w);

    let tokens = [fam.token.clone(), adv.0.clone()];
    let mut devices: Vec<(Arc<VaultClient>, Arc<Faulty>, PathBuf, String)> = tokens
        .iter()
        .enumerate()
        .map(|(n, t)| {
            let (c, net, db) = device(&w, &format!("s{seed}-{n}"), t);
            (c, net, db, t.clone())
        })
        .collect();
    for (c, ..) in &devices {
        c.sync().expect("first sync, no faults yet");
    }
    let faults = NetworkFaults { drop_request: 150, drop_response: 150, duplicate: 100 };
    for (n, (_, net, ..)) in devices.iter().enumerate() {
        net.set(Some((Rng::new(seed * 31 + n as u64), faults)));
    }
    store.fail_randomly(seed, 60, 60);

    // Each device: notes (commute), actions added then completed (idempotent), status changes
    // (apply in arrival order), syncs that may fail at any point, and crashes.
    let mut made_notes: Vec<String> = Vec::new();
    let steps = 4 + rng.below(6);
    for _ in 0..steps {
        let d = rng.below(devices.len() as u64) as usize;
        let (client, ..) = &devices[d];
        match rng.below(6) {
            0 | 1 => {
                made_notes.push(client.add_note(fam.case.clone(), format!("note {seed}-{}", rng.next_u64())).unwrap())
            }
            2 => {
                let input = NewActionInput {
                    description: "Ask for the EP report".into(),
                    responsible: Party::Family,
                    due: Some(Utc::now().date_naive().to_string()),
                    timescale: None,
                    start: None,
                };
                let id = client.add_action(fam.case.clone(), input).unwrap();
                let _ = client.complete_action(fam.case.clone(), id, Utc::now().date_naive().to_string());
            }
            3 => {
                let status = if rng.chance(500) { "draft_ehcp_issued" } else { "in_assessment" };
                // A refusal (a no-op or an illegal move) is a fine answer here.
                let _ = client.change_status(fam.case.clone(), status.parse().expect("a status"), None);
            }
            4 => {
                let _ = client.sync();
            }
            _ => {
                // A crash: the app is killed and reopened from its database.
                let (_, net, db, token) = &devices[d];
                let reopened = VaultClient::with_transport(
                    db.to_str().unwrap(),
                    net.clone(),
                    Arc::new(StaticAuth(token.clone())),
                    Arc::new(TestKeys::default()),
                )
                .expect("reopen after a crash");
                devices[d].0 = reopened;
            }
        }
    }

    // Quiet: no more faults; every device syncs until nothing is pending, then once more so
    // each sees the others' last changes.
    store.fail_randomly(seed, 0, 0);
    for (_, net, ..) in &devices {
        net.set(None);
    }
    for _ in 0..2 {
        for (c, ..) in &devices {
            c.sync().expect("a quiet sync succeeds");
        }
    }
    let rejected: Vec<_> = devices.iter().flat_map(|(c, ..)| c.take_outcomes().unwrap()).collect();
    for (_, net, ..) in &devices {
        let v = net.violations.lock().unwrap();
        assert!(v.is_empty(), "cursors moved backwards: {v:?}");
    }
    // Every note made is on the server exactly once (notes commute, so none may be refused),
    // written once (version 1: never applied twice).
    let scope = format!("child:{}", fam.child);
    let server = w.rt.block_on(server_rows(w.app.state.service.store().as_ref(), &scope));
    for note in &made_notes {
        let key = server.keys().find(|(_, k)| k.ends_with(&format!("/note/{note}")));
        let key = key.unwrap_or_else(|| panic!("note {note} lost; refusals {rejected:?}"));
        assert_eq!(server[key].0, 1, "note {note} written more than once");
    }
    let notes_on_server = server.values().filter(|(_, body)| body["type"] == "note").count();
    assert_eq!(notes_on_server, made_notes.len(), "no note applied twice or invented");
    assert!(rejected.iter().all(|o| o.command != "add_note"), "{rejected:?}");
    let dbs: Vec<PathBuf> = devices.iter().map(|(_, _, db, _)| db.clone()).collect();
    drop(devices);
    for db in &dbs {
        assert_replica_matches_server(&w, db, std::slice::from_ref(&scope));
        let _ = std::fs::remove_file(db);
    }
}

#[test]
fn a_device_behind_the_trimmed_change_log_downloads_afresh() {
    let (w, dir) = world_in_dir("horizon");
    let fam = w.rt.block_on(w.app.family_with_case("mum", "in_assessment"));
    let (phone, _, db) = device(&w, "mum", &fam.token);
    phone.sync().unwrap();
    // The family goes on changing things on the web while the phone stays away; then the log
    // is trimmed past the phone's cursor (as the horizon would after 35 days).
    for n in 0..3 {
        let note = json!({"text": format!("Web note {n}")});
        w.rt.block_on(w.app.post(&format!("/v1/cases/{}/notes", fam.case), &fam.token, note)).expect(201);
    }
    let trimmer = senvault_store::sqlite::SqliteStore::open(&dir.join("senvault.db")).unwrap();
    let removed = w.rt.block_on(trimmer.purge_changes(Utc::now().timestamp() + 1)).unwrap();
    assert!(removed > 0);
    let scope = format!("child:{}", fam.child);
    let meta = w.rt.block_on(senvault_store::ChangeLog::meta(&trimmer, &scope)).unwrap();
    assert_eq!(meta.purged_before, meta.seq + 1, "the log now starts after everything trimmed");
    let report = phone.sync().unwrap();
    assert!(report.scopes_reset >= 1, "{report:?}");
    assert_eq!(phone.case_page(fam.case.clone()).unwrap().notes.len(), 3);
    drop(phone);
    assert_replica_matches_server(&w, &db, &[scope]);
}

#[test]
fn a_command_the_device_cannot_decide_is_kept_for_the_server() {
    let w = world_with(None);
    let fam = w.rt.block_on(w.app.family_with_case("mum", "in_assessment"));
    let adv = w.rt.block_on(scenario::advocate(&w.app, "adv", "Alex"));
    let (phone, net, _) = device(&w, "mum", &fam.token);
    phone.sync().unwrap();
    // Asking an advocate for help reads their profile, which the family's phone does not hold:
    // offline, the request is kept as it is, and the server decides it.
    net.set(Some((Rng::new(4), OFFLINE)));
    let command = senvault_domain::Command::family(
        w.rt.block_on(w.app.get("/v1/family", &fam.token)).expect(200)["id"].as_str().unwrap().parse().unwrap(),
        senvault_domain::FamilyCommand::RequestSupport {
            connection_id: senvault_domain::ConnectionId::new(),
            ticket_id: senvault_domain::TicketId::new(),
            message_id: senvault_domain::MessageId::new(),
            to: senvault_domain::SupportTarget::Advocate(adv.1.parse().unwrap()),
            child_id: fam.child.parse().unwrap(),
            kind: senvault_domain::TicketType::Ehcp,
            message: "Written on the train".into(),
            replaces: None,
        },
    );
    phone.execute_json(serde_json::to_string(&command).unwrap()).expect("kept offline");
    assert_eq!(phone.status().unwrap().outbox_depth, 1);
    // A change the rules refuse is answered at once, and nothing is queued.
    let bad = json!({"case": {"child_id": fam.child, "case_id": fam.case, "command": {"type": "add_note", "note_id": uuid::Uuid::now_v7(), "text": "   "}}});
    assert!(matches!(phone.execute_json(bad.to_string()), Err(VaultError::Invalid { .. })));
    assert!(matches!(phone.execute_json("{\"nonsense\": 1}".into()), Err(VaultError::Invalid { .. })));
    net.set(None);
    let report = phone.sync().unwrap();
    assert_eq!((report.applied, report.rejected), (1, 0));
    let tickets = phone.tickets().unwrap();
    assert_eq!(tickets.len(), 1, "the new connection's ticket arrives in the same sync");
    let messages = phone.messages(tickets[0].connection_id.clone()).unwrap();
    assert_eq!(messages[0].text, "Written on the train");
}

#[test]
fn a_change_queued_for_a_revoked_scope_is_withdrawn_and_never_lands() {
    let w = world_with(None);
    let (fam, adv, grants) = family_and_collaborator(&w);
    let grant = json!({"children": [fam.child], "level": "collaborate"});
    let (phone, net, _) = device(&w, "adv", &adv.0);
    phone.sync().unwrap();
    // Access ends; while the phone's next sync is between its push and its pull, the advocate
    // writes a note (queued after the push went). Then access is granted again.
    w.rt.block_on(w.app.call(axum::http::Method::DELETE, &grants, Some(&fam.token), None)).expect(200);
    let (p, case) = (phone.clone(), fam.case.clone());
    *net.before_pull.lock().unwrap() = Some(Box::new(move || {
        p.add_note(case, "Written as access ended".into()).unwrap();
    }));
    let report = phone.sync().unwrap();
    assert!(report.scopes_revoked >= 1, "{report:?}");
    let refused = phone.take_outcomes().unwrap();
    assert_eq!(refused.len(), 1, "reported at once: {refused:?}");
    w.rt.block_on(w.app.post(&grants, &fam.token, grant)).expect(200);
    // The next sync sends it withdrawn: mids stay contiguous, nothing is stuck, and the note
    // never lands although access is back.
    let report = phone.sync().expect("no gap in the mids");
    assert_eq!((report.pushed, report.rejected), (1, 0), "{report:?}");
    assert!(phone.take_outcomes().unwrap().is_empty(), "not reported twice");
    assert_eq!(phone.status().unwrap().outbox_depth, 0);
    let page = w.rt.block_on(w.app.get(&format!("/v1/cases/{}", fam.case), &fam.token)).expect(200);
    assert!(!page.to_string().contains("Written as access ended"));
    phone.add_note(fam.case.clone(), "After the new grant".into()).unwrap();
    assert_eq!(phone.sync().unwrap().applied, 1);
}

/// Two devices edit the same case summary offline, neither seeing the other's edit. The later
/// edit to reach the server wins; the device whose edit it replaced is told, by an
/// `Overridden` outcome naming the record, the field and the value that won. A later edit
/// made after seeing the other's is an ordinary edit: nobody is told anything.
#[test]
fn an_edit_replaced_unseen_is_reported_overridden() {
    let w = world_with(None);
    let (fam, adv, _) = family_and_collaborator(&w);
    let (mum_phone, mum_net, _) = device(&w, "mum", &fam.token);
    let (adv_phone, adv_net, _) = device(&w, "adv", &adv.0);
    mum_phone.sync().expect("sync");
    adv_phone.sync().expect("sync");
    let edit = |summary: &str| {
        json!({"case": {"child_id": fam.child, "case_id": fam.case, "command": {"type": "edit_case", "summary": summary}}})
            .to_string()
    };

    // Both offline; each edits the summary without seeing the other's edit.
    mum_net.set(Some((Rng::new(3), OFFLINE)));
    adv_net.set(Some((Rng::new(4), OFFLINE)));
    mum_phone.execute_json(edit("Waiting for the LA's decision")).unwrap();
    adv_phone.execute_json(edit("Appeal being prepared")).unwrap();
    mum_net.set(None);
    adv_net.set(None);
    assert_eq!(mum_phone.sync().unwrap().applied, 1);
    assert_eq!(adv_phone.sync().unwrap().applied, 1, "the later edit is applied too: it wins");
    mum_phone.sync().unwrap();

    let told = mum_phone.take_outcomes().unwrap();
    assert_eq!(told.len(), 1, "{told:?}");
    let o = &told[0];
    assert_eq!(o.kind, OutcomeKind::Overridden, "{o:?}");
    assert_eq!(o.record.as_deref(), Some(format!("child:{} case/{}", fam.child, fam.case).as_str()));
    assert_eq!((o.field.as_deref(), o.value.as_deref()), (Some("summary"), Some("Appeal being prepared")));
    assert!(mum_phone.take_outcomes().unwrap().is_empty(), "told once");
    mum_phone.sync().unwrap();
    assert!(mum_phone.take_outcomes().unwrap().is_empty(), "not told again by a later pull");
    assert!(adv_phone.take_outcomes().unwrap().is_empty(), "the winner is told nothing");
    let page = w.rt.block_on(w.app.get(&format!("/v1/cases/{}", fam.case), &fam.token)).expect(200);
    assert_eq!(page["summary"], "Appeal being prepared");

    // Having seen it, the family edits again: an ordinary edit, nobody is told.
    mum_phone.execute_json(edit("Appeal lodged on 3 March")).unwrap();
    mum_phone.sync().unwrap();
    adv_phone.sync().unwrap();
    assert!(adv_phone.take_outcomes().unwrap().is_empty());
    assert!(mum_phone.take_outcomes().unwrap().is_empty());
}

/// The timeline offline: the family and their advocate each log a contact with no signal, both
/// land when the network returns, the promise is an overdue action on the case at once on the
/// phone, and keeping it on the phone completes it on the server.
#[test]
fn two_devices_log_the_timeline_offline_and_both_land() {
    use senvault_mobile::{CommitmentInput, EntryBasics, EventInput, InteractionInput, TimelineQuery};
    let w = world_with(None);
    let (fam, (adv_token, _), _) = family_and_collaborator(&w);
    let (mum, mum_net, _) = device(&w, "mum-tl", &fam.token);
    let (adv, adv_net, _) = device(&w, "adv-tl", &adv_token);
    mum.sync().expect("first sync");
    adv.sync().expect("first sync");
    mum_net.set(Some((Rng::new(2), OFFLINE)));
    adv_net.set(Some((Rng::new(3), OFFLINE)));
    let day = |n: u64| Utc::now().date_naive().checked_sub_days(Days::new(n)).unwrap().to_string();
    let basics = |d: String| EntryBasics {
        date: d,
        time: Some("14:05".into()),
        case_id: Some(fam.case.clone()),
        document_ids: vec![],
        include_in_timeline: true,
    };
    let call = InteractionInput {
        basics: basics(day(10)),
        channel: Channel::PhoneCall,
        direction: Direction::Incoming,
        contact_name: "Sam Patel".into(),
        contact_organisation: Some("SEN team".into()),
        contact_role: None,
        summary: "The draft is nearly ready.".into(),
        commitments: vec![CommitmentInput {
            text: "You will have the draft by Friday".into(),
            by: Party::La,
            due: Some(day(4)),
        }],
    };
    let entry = mum.log_interaction(fam.child.clone(), call.clone()).expect("offline entry");
    let event = EventInput {
        basics: basics(day(2)),
        title: "Excluded for the afternoon".into(),
        category: EventCategory::Exclusion,
        description: None,
    };
    adv.add_event(fam.child.clone(), event).expect("the advocate's offline entry");
    // The phone knows the promise is broken before any sync.
    let overdue = mum.actions_due(true).unwrap();
    assert!(
        overdue.iter().any(|a| a.responsible == Party::La && a.description.contains("draft by Friday")),
        "{overdue:?}"
    );
    let shown = mum.timeline(fam.child.clone(), TimelineQuery::default()).unwrap();
    assert_eq!(shown.len(), 1);
    assert_eq!(shown[0].title, "Phone call from Sam Patel (SEN team)");
    assert_eq!(shown[0].commitments[0].keeping, "not kept (overdue 4 days)");
    // The phone refuses what the API refuses: a date in the wrong shape (an unknown channel
    // cannot even be written: channels are an enum).
    let mut bad = call;
    bad.basics.date = "2026-2-3".into();
    assert!(matches!(mum.log_interaction(fam.child.clone(), bad), Err(VaultError::Invalid { .. })));

    mum_net.set(None);
    adv_net.set(None);
    assert_eq!(mum.sync().unwrap().applied, 1);
    assert_eq!(adv.sync().unwrap().applied, 1);
    mum.sync().unwrap();
    let both = mum.timeline(fam.child.clone(), TimelineQuery::default()).unwrap();
    assert_eq!(both.len(), 2, "both devices' entries landed: {both:?}");
    let server = w.rt.block_on(w.app.get(&format!("/v1/children/{}/timeline", fam.child), &fam.token)).expect(200);
    assert_eq!(server["items"].as_array().map(Vec::len), Some(2));

    let cid = both.iter().find(|e| e.id == entry).unwrap().commitments[0].id.clone();
    mum.record_commitment_kept(fam.child.clone(), entry.clone(), cid, Some(day(1))).expect("kept");
    mum.sync().unwrap();
    let chronology = w.rt.block_on(w.app.get(&format!("/v1/cases/{}/chronology", fam.case), &fam.token)).expect(200);
    let row = chronology["entries"].as_array().unwrap().iter().find(|r| r["entry_id"] == entry.as_str()).cloned();
    assert_eq!(row.unwrap()["promises"][0]["keeping_text"], "kept 3 days late");
}

/// The family records a document's facts for its bundle on the phone, offline; the server's
/// bundle checks see them after sync. The phone refuses what the API refuses.
#[test]
fn document_facts_set_on_the_phone_reach_the_bundle_checks() {
    use senvault_mobile::DocumentFactsInput;
    let w = world_with(None);
    let fam = w.rt.block_on(w.app.family_with_case("mum-docs", "appeal_lodged"));
    w.rt.block_on(w.app.serve());
    let report = senvault_bundle::sample_pdf("Report", 3);
    let doc = w.rt.block_on(w.app.upload_document(&fam.token, &fam.child, "EP report", "application/pdf", report));
    let (mum, net, _) = device(&w, "mum-docs", &fam.token);
    mum.sync().expect("first sync");
    net.set(Some((Rng::new(5), OFFLINE)));
    let bad = DocumentFactsInput { document_date: Some("2020-2-3".into()), ..Default::default() };
    assert!(matches!(mum.set_document_facts(fam.child.clone(), doc.clone(), bad), Err(VaultError::Invalid { .. })));
    let unknown = DocumentFactsInput { evidence_kind: Some("hearsay".into()), ..Default::default() };
    assert!(matches!(mum.set_document_facts(fam.child.clone(), doc.clone(), unknown), Err(VaultError::Invalid { .. })));
    let facts = DocumentFactsInput {
        document_date: Some("2020-02-03".into()),
        author: Some("Dr Rivers".into()),
        evidence_kind: Some("expert_report".into()),
    };
    mum.set_document_facts(fam.child.clone(), doc.clone(), facts).expect("offline");
    net.set(None);
    assert_eq!(mum.sync().unwrap().applied, 1);
    let got = w.rt.block_on(w.app.get(&format!("/v1/documents/{doc}"), &fam.token)).expect(200);
    assert_eq!(
        (got["document_date"].as_str(), got["evidence_kind"].as_str()),
        (Some("2020-02-03"), Some("expert_report"))
    );
    let bundles = format!("/v1/children/{}/bundles", fam.child);
    let b =
        w.rt.block_on(w.app.post(
            &bundles,
            &fam.token,
            json!({"title": "Appeal", "purpose": "tribunal", "appeal_type": "contents"}),
        ))
        .expect(201);
    let items = json!({"items": [{"document_id": doc, "section": "family_evidence"}]});
    let path = format!("{bundles}/{}/items", b["id"].as_str().unwrap());
    let view = w.rt.block_on(w.app.call(axum::http::Method::PUT, &path, Some(&fam.token), Some(items))).expect(200);
    assert!(
        view["checks"].as_array().unwrap().iter().any(|c| c["rule_id"] == "BN05"),
        "the report's age is checked: {view}"
    );
}

#[test]
fn signing_out_leaves_nothing_of_the_family_on_the_phone() {
    let w = world_with(None);
    let fam = w.rt.block_on(w.app.family_with_case("mum-signs-out", "in_assessment"));
    let (phone, net, db) = device(&w, "signout", &fam.token);
    phone.sync().expect("sync");
    assert_eq!(phone.children().unwrap().len(), 1);
    net.set(Some((Rng::new(5), OFFLINE)));
    phone.add_note(fam.case.clone(), "Pending note about the annual review".into()).unwrap();
    net.set(None);

    phone.sign_out().expect("sign out");
    let needles = senvault_tests::erasure_scan::Needles::new(&[
        fam.child.as_str(),
        fam.case.as_str(),
        "mum-signs-out",
        "Pending note about the annual review",
    ]);
    let mut found = Vec::new();
    senvault_tests::erasure_scan::scan_sqlite_files(&needles, &db, &mut found);
    assert!(found.is_empty(), "nothing of the account is left in the phone's files: {found:?}");
    assert!(phone.children().map_or(true, |c| c.is_empty()), "signed out");
    assert_eq!(phone.status().unwrap().outbox_depth, 0);

    // Signing in again is a new device that downloads afresh.
    phone.sync().expect("sync after signing in again");
    assert_eq!(phone.children().unwrap().len(), 1);
}

/// A replica holds one account: opened with another's token (a shared tablet, an app that
/// switched accounts), it sends nothing — the first account's pending note is never pushed
/// under the second's name — until that account's own token comes back.
#[test]
fn a_pending_change_is_never_sent_under_another_account() {
    let w = world_with(None);
    let (fam, adv, _) = family_and_collaborator(&w);
    let (phone, net, db) = device(&w, "shared", &fam.token);
    phone.sync().expect("sync");
    net.set(Some((Rng::new(3), OFFLINE)));
    phone.add_note(fam.case.clone(), "Written by mum, offline".into()).unwrap();
    net.set(None);
    drop(phone);

    let net = Arc::new(Faulty::new(Arc::new(InProcess { router: w.app.router.clone(), rt: w.rt.clone() })));
    let as_advocate = VaultClient::with_transport(
        db.to_str().unwrap(),
        net.clone(),
        Arc::new(StaticAuth(adv.0.clone())),
        Arc::new(TestKeys::default()),
    )
    .unwrap();
    let refused = as_advocate.sync();
    assert!(matches!(refused, Err(VaultError::OtherAccount { .. })), "{refused:?}");
    let calls = net.calls.lock().unwrap().clone();
    assert_eq!(calls, vec!["GET /v1/sync/scopes".to_owned()], "nothing of the replica was sent");
    let page = w.rt.block_on(w.app.get(&format!("/v1/cases/{}", fam.case), &fam.token)).expect(200);
    assert!(!page.to_string().contains("Written by mum"), "the note was not pushed");
    drop(as_advocate);

    // Its own account again: the note lands, as the family's.
    let net = Arc::new(InProcess { router: w.app.router.clone(), rt: w.rt.clone() });
    let phone = VaultClient::with_transport(
        db.to_str().unwrap(),
        net,
        Arc::new(StaticAuth(fam.token.clone())),
        Arc::new(TestKeys::default()),
    )
    .unwrap();
    assert_eq!(phone.sync().expect("sync").applied, 1);
    let page = w.rt.block_on(w.app.get(&format!("/v1/cases/{}", fam.case), &fam.token)).expect(200);
    let note = page["notes"].as_array().unwrap().iter().find(|n| n["text"] == "Written by mum, offline").cloned();
    assert_eq!(note.expect("the note")["author"]["user"], "mum", "recorded as the family's");
}

/// After a revocation no file of the replica — the database, its write-ahead log, its shared
/// memory — holds the child's records: no case id, no note's text, pending changes included.
/// (The support relationship itself, which names the child, is still the advocate's.)
#[test]
fn a_revocation_leaves_no_copy_in_any_file_of_the_replica() {
    let w = world_with(None);
    let (fam, adv, grants) = family_and_collaborator(&w);
    let (phone, net, db) = device(&w, "revoked-files", &adv.0);
    phone.sync().expect("sync");
    w.rt.block_on(w.app.post(
        &format!("/v1/cases/{}/notes", fam.case),
        &fam.token,
        json!({"text": "Mum's private worry"}),
    ))
    .expect(201);
    phone.sync().expect("sync");
    net.set(Some((Rng::new(4), OFFLINE)));
    phone.add_note(fam.case.clone(), "Advocate's pending draft".into()).unwrap();
    net.set(None);
    revoke_grants(&w, &grants, &fam.token);
    phone.sync().expect("sync");

    let needles = senvault_tests::erasure_scan::Needles::new(&[
        fam.case.as_str(),
        "Mum's private worry",
        "Advocate's pending draft",
    ]);
    let mut found = Vec::new();
    senvault_tests::erasure_scan::scan_sqlite_files(&needles, &db, &mut found);
    assert!(found.is_empty(), "revoked records are gone from every file: {found:?}");
}

/// Access that expires without a network: an advocate's tablet left offline stops showing a
/// family's child 72 hours after it last heard from the server — records gone from its files —
/// while the family's own phone keeps theirs for 30 days; what the advocate wrote before the
/// lease ran out is still sent, and lands, once the tablet is back and access still stands.
#[test]
fn an_advocates_copy_of_a_child_expires_offline_after_72_hours() {
    let w = world_with(None);
    let (fam, adv, _) = family_and_collaborator(&w);
    let start = Utc::now();
    let now = Arc::new(std::sync::Mutex::new(start));
    let clock: senvault_mobile::Clock = {
        let now = now.clone();
        Arc::new(move || *now.lock().unwrap())
    };
    let open = |name: &str, token: &str| {
        let net = Arc::new(Faulty::new(Arc::new(InProcess { router: w.app.router.clone(), rt: w.rt.clone() })));
        let path = temp_db(name);
        let client = VaultClient::with_clock(
            path.to_str().unwrap(),
            net.clone(),
            Arc::new(StaticAuth(token.into())),
            Arc::new(TestKeys::default()),
            clock.clone(),
        )
        .unwrap();
        (client, net, path)
    };
    let (tablet, tablet_net, tablet_db) = open("lease-tablet", &adv.0);
    let (phone, phone_net, _) = open("lease-phone", &fam.token);
    tablet.sync().expect("sync");
    phone.sync().expect("sync");
    assert!(tablet.case_page(fam.case.clone()).is_ok());
    tablet_net.set(Some((Rng::new(7), OFFLINE)));
    phone_net.set(Some((Rng::new(8), OFFLINE)));

    *now.lock().unwrap() = start + chrono::Duration::hours(71);
    assert!(tablet.case_page(fam.case.clone()).is_ok(), "within the lease");
    tablet.add_note(fam.case.clone(), "Drafted at the tribunal venue".into()).unwrap();
    *now.lock().unwrap() = start + chrono::Duration::hours(73);
    assert!(matches!(tablet.case_page(fam.case.clone()), Err(VaultError::Refused { status: 404, .. })));
    assert!(tablet.children().unwrap().is_empty(), "the child is not shown");
    let needles = senvault_tests::erasure_scan::Needles::new(&[fam.case.as_str(), "Noah"]);
    let mut found = Vec::new();
    let (rows, _, outbox) = replica_rows(&tablet_db);
    assert!(rows.keys().all(|(s, _)| s != &format!("child:{}", fam.child)), "no row of the child");
    assert_eq!(outbox, 1, "the advocate's own pending note is kept to send");
    let mirror_bytes = {
        let db = open_replica(&tablet_db);
        let mut stmt = db.prepare("SELECT body FROM mirror").unwrap();
        stmt.query_map([], |r| r.get::<_, String>(0)).unwrap().map(Result::unwrap).collect::<Vec<_>>().join("\n")
    };
    needles.find("the tablet's mirror", mirror_bytes.as_bytes(), &mut found);
    assert!(found.is_empty(), "{found:?}");
    assert!(phone.case_page(fam.case.clone()).is_ok(), "the family's own records last 30 days");
    *now.lock().unwrap() = start + chrono::Duration::days(31);
    assert!(phone.children().unwrap().is_empty(), "and then go too, until the next sync");

    // Back online (the server's clock where the tablet's is): the note lands, the child returns.
    w.app.clock.set(start + chrono::Duration::days(31));
    tablet_net.set(None);
    let report = tablet.sync().expect("sync");
    assert_eq!(report.applied, 1, "{report:?}");
    assert!(tablet.case_page(fam.case.clone()).is_ok());
    let page = w.rt.block_on(w.app.get(&format!("/v1/cases/{}", fam.case), &fam.token)).expect(200);
    assert!(page.to_string().contains("Drafted at the tribunal venue"));
}

/// The UI hears changes: a subscribed listener is told what each local command and each sync
/// changed (kinds and ids) and which scopes went, with nothing of the core held (it may read
/// back); an unsubscribed one hears nothing more. A failed sync says when to retry (backing off,
/// at most 15 minutes); a refused token is refreshed once through the AuthProvider.
#[test]
fn listeners_hear_changes_and_failed_syncs_back_off() {
    use senvault_mobile::{ChangeEvent, ChangeListener, ChangeOrigin};
    struct Heard(std::sync::Mutex<Vec<ChangeEvent>>, std::sync::Mutex<Option<Arc<VaultClient>>>);
    impl ChangeListener for Heard {
        fn on_change(&self, event: ChangeEvent) {
            // Reading back from inside the callback works (nothing of the core is held).
            if let Some(phone) = self.1.lock().unwrap().as_ref() {
                phone.status().expect("status from a listener");
            }
            self.0.lock().unwrap().push(event);
        }
        fn on_progress(&self, _: senvault_mobile::SyncProgress) {}
    }
    let w = world_with(None);
    let (fam, adv, grants) = family_and_collaborator(&w);
    let (phone, net, _) = device(&w, "listener", &adv.0);
    let heard = Arc::new(Heard(Default::default(), Default::default()));
    *heard.1.lock().unwrap() = Some(phone.clone());
    let id = phone.subscribe(heard.clone());
    phone.sync().expect("sync");
    let first = heard.0.lock().unwrap().last().cloned().expect("told about the first sync");
    assert_eq!(first.origin, ChangeOrigin::Sync);
    assert!(first.records.iter().any(|r| r.kind == "case" && r.key.contains(&fam.case)), "{first:?}");

    let note = phone.add_note(fam.case.clone(), "Call the SENCO".into()).unwrap();
    let local = heard.0.lock().unwrap().last().cloned().unwrap();
    assert_eq!(local.origin, ChangeOrigin::Local);
    assert!(local.records.iter().any(|r| r.kind == "note" && r.key.ends_with(&note)), "{local:?}");

    revoke_grants(&w, &grants, &fam.token);
    phone.sync().expect("sync");
    let gone = heard.0.lock().unwrap().last().cloned().unwrap();
    assert_eq!(gone.scopes_gone, vec![format!("child:{}", fam.child)], "{gone:?}");

    // Offline: the next try is 15 to 30 seconds away, then further, never past 15 minutes.
    net.set(Some((Rng::new(9), OFFLINE)));
    let mut waits = Vec::new();
    for _ in 0..8 {
        assert!(matches!(phone.sync(), Err(VaultError::Offline { .. })));
        let at = phone.status().unwrap().next_retry_at.expect("a time to retry");
        let at = chrono::DateTime::parse_from_rfc3339(&at).unwrap().with_timezone(&Utc);
        waits.push((at - Utc::now()).num_seconds());
    }
    assert!((13..=31).contains(&waits[0]), "{waits:?}");
    assert!(waits[3] > waits[0], "backing off: {waits:?}");
    assert!(waits.iter().all(|w| *w <= 15 * 60), "capped at 15 minutes: {waits:?}");
    net.set(None);
    phone.sync().expect("sync");
    assert_eq!(phone.status().unwrap().next_retry_at, None, "cleared by a sync that worked");

    phone.unsubscribe(id);
    let told = heard.0.lock().unwrap().len();
    phone.add_note(fam.case.clone(), "Not heard".into()).ok();
    assert_eq!(heard.0.lock().unwrap().len(), told, "an unsubscribed listener hears nothing");
    *heard.1.lock().unwrap() = None;

    // A refused token: the provider is asked once for a fresh one, and the sync goes on.
    struct Refreshing {
        stale: String,
        fresh: String,
        asked: std::sync::atomic::AtomicUsize,
    }
    impl senvault_mobile::AuthProvider for Refreshing {
        fn token(&self) -> String {
            self.stale.clone()
        }
        fn fresh_token(&self) -> String {
            self.asked.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            self.fresh.clone()
        }
    }
    let auth = Arc::new(Refreshing { stale: "expired.token.value".into(), fresh: fam.token.clone(), asked: 0.into() });
    let net = Arc::new(InProcess { router: w.app.router.clone(), rt: w.rt.clone() });
    let family_phone = VaultClient::with_transport(
        temp_db("refresh").to_str().unwrap(),
        net,
        auth.clone(),
        Arc::new(TestKeys::default()),
    )
    .unwrap();
    family_phone.sync().expect("the fresh token works");
    assert_eq!(auth.asked.load(std::sync::atomic::Ordering::SeqCst), 1);
}

/// Key dates shown and corrected offline through typed methods — the clocks move with the
/// correction and go with a deletion, as on the server — and the other case commands an app
/// needs (summary, flag decisions, reopening an action, closing) without `executeJson`.
#[test]
fn key_dates_and_case_commands_work_offline_through_typed_methods() {
    use senvault_mobile::KeyDateInput;
    let w = world_with(None);
    let fam = w.rt.block_on(w.app.family_with_case("mum-typed", "assessment_requested"));
    let (phone, net, _) = device(&w, "typed", &fam.token);
    phone.sync().expect("sync");
    net.set(Some((Rng::new(11), OFFLINE)));
    let day = |n: u64| Utc::now().date_naive().checked_sub_days(Days::new(n)).unwrap().to_string();
    let asked =
        KeyDateInput { kind: KeyDateKind::RequestReceived, date: day(70), decision: None, section_i_only: false };
    phone.save_key_date(fam.case.clone(), None, asked.clone()).unwrap();
    let page = phone.case_page(fam.case.clone()).unwrap();
    assert_eq!(page.key_dates.len(), 1);
    let recorded = page.key_dates[0].clone();
    assert_eq!((recorded.kind.as_str(), recorded.date.clone()), ("request_received", day(70)));
    let overdue = |p: &senvault_mobile::CasePage| p.actions.iter().filter(|a| a.statutory && a.overdue).count();
    assert!(overdue(&page) >= 1, "six weeks from ten weeks ago is past");

    // Corrected to last week: the statutory clock moves and is no longer overdue.
    let corrected = KeyDateInput { date: day(7), ..asked.clone() };
    phone.save_key_date(fam.case.clone(), Some(recorded.id.clone()), corrected).unwrap();
    let page = phone.case_page(fam.case.clone()).unwrap();
    assert_eq!((page.key_dates.len(), page.key_dates[0].date.clone()), (1, day(7)));
    assert_eq!(overdue(&page), 0, "{:?}", page.actions);
    let bad = KeyDateInput { date: "2026-2-3".into(), ..asked };
    assert!(matches!(phone.save_key_date(fam.case.clone(), None, bad), Err(VaultError::Invalid { .. })));

    phone.edit_summary(fam.case.clone(), "Request for an EHC needs assessment".into()).unwrap();
    // A flag raised by hand, dismissed and opened again; an action done by mistake, reopened.
    let flag = uuid::Uuid::now_v7().to_string();
    let raise = json!({"case": {"child_id": fam.child, "case_id": fam.case, "command": {"type": "add_flag",
        "flag_id": flag, "kind": "vague_language", "excerpt": "support as appropriate"}}});
    phone.execute_json(raise.to_string()).unwrap();
    phone.decide_flag(fam.case.clone(), flag.clone(), FlagStatus::Dismissed, Some("Agreed wording".into())).unwrap();
    assert!(
        phone.case_page(fam.case.clone()).unwrap().flags.iter().all(|f| f.id != flag),
        "dismissed flags are hidden"
    );
    phone.decide_flag(fam.case.clone(), flag.clone(), FlagStatus::Open, None).unwrap();
    assert!(
        phone.case_page(fam.case.clone()).unwrap().flags.iter().any(|f| f.id == flag && f.status == FlagStatus::Open)
    );
    let chase = NewActionInput {
        description: "Chase the school".into(),
        responsible: Party::Family,
        due: Some(Utc::now().date_naive().checked_add_days(Days::new(7)).unwrap().to_string()),
        timescale: None,
        start: None,
    };
    let action = phone.add_action(fam.case.clone(), chase).unwrap();
    phone.complete_action(fam.case.clone(), action.clone(), day(0)).unwrap();
    phone.reopen_action(fam.case.clone(), action.clone()).unwrap();
    let state = |p: &senvault_mobile::CasePage| p.actions.iter().find(|a| a.id == action).map(|a| a.state);
    assert_eq!(state(&phone.case_page(fam.case.clone()).unwrap()), Some(ActionState::Open));
    phone.delete_key_date(fam.case.clone(), recorded.id.clone()).unwrap();
    let page = phone.case_page(fam.case.clone()).unwrap();
    assert!(page.key_dates.is_empty());
    assert!(page.actions.iter().all(|a| !a.statutory || a.state != ActionState::Open), "its clocks went with it");
    phone.close_case(fam.case.clone(), CloseOutcome::Resolved, Some("Plan agreed".into())).unwrap();
    assert_eq!(phone.case_page(fam.case.clone()).unwrap().case.status, CaseStatus::Resolved);

    net.set(None);
    let report = phone.sync().expect("sync");
    assert_eq!((report.applied, report.rejected), (11, 0), "{report:?}");
    let page = w.rt.block_on(w.app.get(&format!("/v1/cases/{}", fam.case), &fam.token)).expect(200);
    assert_eq!(
        (page["status"].as_str(), page["summary"].as_str()),
        (Some("resolved"), Some("Request for an EHC needs assessment"))
    );
    assert_eq!(page["key_dates"].as_array().map(Vec::len), Some(0), "{page}");
}

/// Every file of a replica: its database and side files, and its document files (cached,
/// pending, and plain copies left open).
fn replica_files(db: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut name = db.as_os_str().to_owned();
        name.push(suffix);
        if let Ok(bytes) = std::fs::read(&name) {
            out.push((PathBuf::from(name).display().to_string(), bytes));
        }
    }
    let mut dirs = vec![PathBuf::from(format!("{}.files", db.display()))];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else {
                out.push((path.display().to_string(), std::fs::read(&path).unwrap()));
            }
        }
    }
    out
}

/// Where any 48-byte stretch of `plain` (sampled every 997 bytes) or any of `words` appears in
/// the replica's files.
fn plain_copies(db: &std::path::Path, plain: &[u8], words: &[&str]) -> Vec<String> {
    let samples: std::collections::HashSet<&[u8]> =
        (0..plain.len().saturating_sub(48)).step_by(997).map(|i| &plain[i..i + 48]).collect();
    let mut found = Vec::new();
    for (name, bytes) in replica_files(db) {
        let hit = bytes.windows(48).any(|w| samples.contains(w))
            || words.iter().any(|w| bytes.windows(w.len()).any(|b| b == w.as_bytes()));
        if hit {
            found.push(name);
        }
    }
    found
}

/// A letter photographed with no signal: captured at once (listed `Pending`, readable), bad
/// captures refused with nothing written; uploaded at the next sync through a network that
/// loses answers and repeats requests — one document on the server, byte for byte; opened from
/// the cache offline; downloaded, cached and opened on the advocate's tablet; evicted under a
/// small cap; gone from the tablet (records and files) when access is revoked. No file of
/// either replica holds the letter's bytes or its title in the clear.
#[test]
fn a_letter_captured_offline_uploads_once_opens_from_the_cache_and_goes_with_revocation() {
    let w = world_with(None);
    let (fam, adv, grants) = family_and_collaborator(&w);
    let (mum, net, mum_db) = device(&w, "capture-mum", &fam.token);
    mum.sync().expect("first sync");
    net.set(Some((Rng::new(3), OFFLINE)));

    let dir = std::env::temp_dir().join(format!("senvault-camera-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    // A photographed letter: JPEG's markers around bytes that do not compress (five chunks).
    let mut rng = Rng::new(41);
    let mut letter = vec![0xFF, 0xD8, 0xFF, 0xE0];
    letter.extend((0..(300 << 10) / 8).flat_map(|_| rng.next_u64().to_le_bytes()));
    letter.extend([0xFF, 0xD9]);
    let photo = dir.join("IMG_2041.jpg");
    std::fs::write(&photo, &letter).unwrap();
    let capture = |path: &std::path::Path, content_type: DocumentType| {
        mum.capture_document(
            fam.child.clone(),
            path.display().to_string(),
            "Letter from the council".into(),
            DocumentCategory::Correspondence,
            content_type,
            Some("2026-11-30".into()),
            Some(EvidenceKind::DecisionLetter),
        )
    };

    // Bad captures: a clear error, nothing kept.
    let heic = capture(&photo, DocumentType::Heic);
    assert!(matches!(&heic, Err(VaultError::Invalid { detail }) if detail.contains("JPEG")), "{heic:?}");
    assert!(matches!(capture(&dir.join("missing.jpg"), DocumentType::Jpeg), Err(VaultError::Invalid { .. })));
    std::fs::write(dir.join("empty.pdf"), b"").unwrap();
    assert!(matches!(capture(&dir.join("empty.pdf"), DocumentType::Pdf), Err(VaultError::Invalid { .. })));
    let huge = std::fs::File::create(dir.join("huge.pdf")).unwrap();
    huge.set_len(51 * 1024 * 1024).unwrap();
    let over = capture(&dir.join("huge.pdf"), DocumentType::Pdf);
    assert!(matches!(&over, Err(VaultError::Invalid { detail }) if detail.contains("50 MB")), "{over:?}");
    let bad_date = mum.capture_document(
        fam.child.clone(),
        photo.display().to_string(),
        "Letter".into(),
        DocumentCategory::Correspondence,
        DocumentType::Pdf,
        Some("2026-11-3".into()),
        None,
    );
    assert!(matches!(bad_date, Err(VaultError::Invalid { .. })));
    let status = mum.status().unwrap();
    assert_eq!((status.outbox_depth, status.pending_uploads), (0, 0), "nothing half-written");
    assert!(replica_files(&mum_db).iter().all(|(n, _)| !n.contains(".files")), "no file left");

    // The capture: listed at once, pending, and readable offline.
    let item = capture(&photo, DocumentType::Jpeg).expect("captured offline");
    assert_eq!((item.upload, item.on_device), (senvault_mobile::UploadState::Pending, true));
    let listed = mum.documents(fam.child.clone()).unwrap();
    assert_eq!(listed.iter().filter(|d| d.id == item.id).count(), 1);
    assert_eq!(listed[0].document_date.as_deref(), Some("2026-11-30"));
    assert_eq!(mum.read_document(item.id.clone()).unwrap(), letter);
    assert_eq!(mum.status().unwrap().pending_uploads, 1);
    assert!(plain_copies(&mum_db, &letter, &["Letter from the council"]).is_empty());

    // Back online, on a network that loses answers and repeats requests: retried until done.
    let lossy = NetworkFaults { drop_request: 150, drop_response: 300, duplicate: 200 };
    net.set(Some((Rng::new(11), lossy)));
    let mut tries = 0;
    while mum.status().unwrap().pending_uploads > 0 || mum.status().unwrap().outbox_depth > 0 {
        tries += 1;
        assert!(tries < 60, "never got through");
        let _ = mum.sync();
    }
    net.set(None);
    mum.sync().expect("a clean sync");
    assert!(mum.take_outcomes().unwrap().is_empty(), "nothing refused");
    let listed = w.rt.block_on(w.app.get(&format!("/v1/documents?child_id={}", fam.child), &fam.token)).expect(200);
    let docs: Vec<_> =
        listed["items"].as_array().unwrap().iter().filter(|d| d["title"] == "Letter from the council").collect();
    assert_eq!(docs.len(), 1, "one document, however often it was retried: {listed}");
    assert_eq!(docs[0]["id"], item.id.as_str());
    assert_eq!(docs[0]["state"], "uploaded");
    assert_eq!(docs[0]["evidence_kind"], "decision_letter");
    let expected = senvault_functions::blobs::sha256_hex(&letter);
    assert_eq!(docs[0]["sha256"], expected.as_str(), "the bytes are the letter's");
    let mine = mum.documents(fam.child.clone()).unwrap();
    assert_eq!(mine[0].upload, senvault_mobile::UploadState::Uploaded);

    // Opened from the cache with no network.
    net.set(Some((Rng::new(4), OFFLINE)));
    // However the app spells the id.
    let opened = mum.open_document(item.id.to_uppercase()).expect("from the cache");
    assert!(opened.path.ends_with(".jpg"), "{}", opened.path);
    assert_eq!(std::fs::read(&opened.path).unwrap(), letter);
    assert!(matches!(mum.set_cache_limit(0), Err(VaultError::Invalid { .. })));
    mum.set_cache_limit(1).expect("a tiny cache");
    assert!(!mum.documents(fam.child.clone()).unwrap()[0].on_device, "evicted");
    assert!(std::path::Path::new(&opened.path).exists(), "a copy open in a viewer outlives an eviction");
    mum.close_document(item.id.clone()).unwrap();
    assert!(!std::path::Path::new(&opened.path).exists(), "the plain copy goes when closed");
    assert!(matches!(mum.read_document(item.id.clone()), Err(VaultError::Offline { .. })));
    net.set(None);
    assert_eq!(mum.read_document(item.id.clone()).unwrap(), letter, "downloaded again");

    // The advocate's tablet downloads it once, then reads it offline.
    let (tablet, tablet_net, tablet_db) = device(&w, "capture-tablet", &adv.0);
    tablet.sync().expect("tablet sync");
    let theirs = tablet.documents(fam.child.clone()).unwrap();
    assert_eq!((theirs[0].upload, theirs[0].on_device), (senvault_mobile::UploadState::Uploaded, false));
    assert!(matches!(
        tablet.capture_document(
            fam.child.clone(),
            photo.display().to_string(),
            "Advocate's copy".into(),
            DocumentCategory::Other,
            DocumentType::Jpeg,
            None,
            None
        ),
        Err(VaultError::Refused { status: 403, .. })
    ));
    assert_eq!(tablet.open_document(item.id.clone()).map(|o| std::fs::read(o.path).unwrap()).unwrap(), letter);
    tablet_net.set(Some((Rng::new(8), OFFLINE)));
    assert_eq!(tablet.read_document(item.id.clone()).unwrap(), letter, "from the tablet's cache");
    assert!(tablet.documents(fam.child.clone()).unwrap()[0].on_device);
    let open_copy = tablet.open_document(item.id.clone()).unwrap().path;
    for db in [&mum_db, &tablet_db] {
        let found = plain_copies(db, &letter, &["Letter from the council", &fam.child]);
        assert!(found.iter().all(|n| n == &open_copy), "plain bytes outside the open copy: {found:?}");
    }

    // Revoked: at the next sync nothing of it stays on the tablet — records, cache, open copy.
    tablet_net.set(None);
    revoke_grants(&w, &grants, &fam.token);
    tablet.sync().expect("sync after revocation");
    assert!(tablet.documents(fam.child.clone()).unwrap().is_empty());
    assert!(matches!(tablet.read_document(item.id.clone()), Err(VaultError::Refused { status: 404, .. })));
    let left: Vec<String> =
        replica_files(&tablet_db).into_iter().map(|(n, _)| n).filter(|n| n.contains(".files")).collect();
    assert!(left.is_empty(), "files left after revocation: {left:?}");
    assert!(plain_copies(&tablet_db, &letter, &["Letter from the council", &fam.child]).is_empty());
}

/// Writes `bytes` to a new file, as a camera or a file picker would, and captures it for
/// `child` (no date on it, no evidence kind).
fn capture_bytes(
    phone: &VaultClient,
    child: &str,
    bytes: &[u8],
    title: &str,
    category: DocumentCategory,
    content_type: DocumentType,
) -> Result<senvault_mobile::DocumentItem, VaultError> {
    let path = std::env::temp_dir().join(format!("senvault-capture-{}", uuid::Uuid::now_v7().simple()));
    std::fs::write(&path, bytes).unwrap();
    phone.capture_document(
        child.to_owned(),
        path.display().to_string(),
        title.into(),
        category,
        content_type,
        None,
        None,
    )
}

/// A capture storage will not take (its size, its type) is reported with the reason, its file
/// deleted; the document stays registered, waiting. Sign-out deletes pending files too.
#[test]
fn a_capture_storage_refuses_is_reported_and_sign_out_deletes_pending_files() {
    let w = world_with(None);
    let fam = w.rt.block_on(w.app.family_with_case("mum-refused", "in_assessment"));
    let (mum, net, db) = device(&w, "refused-mum", &fam.token);
    mum.sync().expect("first sync");
    let notes = b"Notes from the annual review meeting: the school cannot meet need.";
    let take = |title: &str| {
        capture_bytes(&mum, &fam.child, notes, title, DocumentCategory::Education, DocumentType::Text)
            .expect("captured")
    };
    let refused = take("Review notes");
    *net.refuse_transfers.lock().unwrap() = Some(400);
    let report = mum.sync().expect("the sync itself works");
    assert_eq!(report.rejected, 1, "{report:?}");
    let outcomes = mum.take_outcomes().unwrap();
    assert_eq!(outcomes.len(), 1, "{outcomes:?}");
    assert_eq!(outcomes[0].kind, senvault_mobile::OutcomeKind::UploadRefused);
    assert_eq!(outcomes[0].document_id.as_deref(), Some(refused.id.as_str()));
    assert_eq!(outcomes[0].status, 400);
    let listed = mum.documents(fam.child.clone()).unwrap();
    assert_eq!((listed[0].upload, listed[0].on_device), (senvault_mobile::UploadState::Waiting, false));
    assert_eq!(mum.status().unwrap().pending_uploads, 0);

    *net.refuse_transfers.lock().unwrap() = None;
    net.set(Some((Rng::new(2), OFFLINE)));
    take("Second page");
    assert!(replica_files(&db).iter().any(|(n, _)| n.contains(".files")));
    mum.sign_out().expect("sign out");
    assert!(replica_files(&db).iter().all(|(n, _)| !n.contains(".files")), "pending files deleted");
}

/// The replica opens only with its key: a wrong key or a key provider that throws is `Locked`,
/// the file untouched; the right key opens it with everything in it.
#[test]
fn a_wrong_or_failing_key_is_locked_and_changes_nothing() {
    struct Throws;
    impl senvault_mobile::KeyProvider for Throws {
        fn vault_key(&self) -> Result<Vec<u8>, VaultError> {
            Err(VaultError::Locked { detail: "the keystore is locked until the phone is unlocked".into() })
        }
    }
    let w = world_with(None);
    let fam = w.rt.block_on(w.app.family_with_case("mum-keys", "in_assessment"));
    let (mum, _, db) = device(&w, "keys-mum", &fam.token);
    mum.sync().expect("first sync");
    mum.add_note(fam.case.clone(), "Kept under the key".into()).unwrap();
    drop(mum);
    let before = std::fs::read(&db).unwrap();
    let net = Arc::new(InProcess { router: w.app.router.clone(), rt: w.rt.clone() });
    let open = |keys: Arc<dyn senvault_mobile::KeyProvider>| {
        VaultClient::with_transport(db.to_str().unwrap(), net.clone(), Arc::new(StaticAuth(fam.token.clone())), keys)
    };
    for keys in [
        Arc::new(TestKeys(vec![1; 32])) as Arc<dyn senvault_mobile::KeyProvider>,
        Arc::new(TestKeys(vec![1; 31])),
        Arc::new(Throws),
    ] {
        let got = open(keys);
        assert!(matches!(got, Err(VaultError::Locked { .. })), "{:?}", got.err());
    }
    assert_eq!(std::fs::read(&db).unwrap(), before, "untouched");
    let mum = open(Arc::new(TestKeys::default())).expect("the right key");
    assert_eq!(mum.status().unwrap().outbox_depth, 1, "the pending note is there");
    assert!(!before.windows(10).any(|w| w == b"Kept under"), "not in the clear");
}

/// A sync reports its progress to listeners, step by step, ending with `Done`; `cancelSync()`
/// from a listener stops it before the next request (nothing sent, nothing lost), and the next
/// sync sends everything.
#[test]
fn a_sync_reports_progress_and_can_be_cancelled_between_steps() {
    use senvault_mobile::{ChangeEvent, ChangeListener, SyncProgress, SyncStage};
    struct Cancels(std::sync::Mutex<Vec<SyncProgress>>, std::sync::Mutex<Option<Arc<VaultClient>>>);
    impl ChangeListener for Cancels {
        fn on_change(&self, _: ChangeEvent) {}
        fn on_progress(&self, progress: SyncProgress) {
            if progress.stage == SyncStage::Sending
                && let Some(phone) = self.1.lock().unwrap().as_ref()
            {
                phone.cancel_sync();
            }
            self.0.lock().unwrap().push(progress);
        }
    }
    let w = world_with(None);
    let fam = w.rt.block_on(w.app.family_with_case("mum-cancel", "in_assessment"));
    let (mum, net, _) = device(&w, "cancel-mum", &fam.token);
    mum.sync().expect("first sync");
    for n in 0..3 {
        mum.add_note(fam.case.clone(), format!("Written on the bus, part {n}")).unwrap();
    }
    let heard = Arc::new(Cancels(Default::default(), std::sync::Mutex::new(Some(mum.clone()))));
    let subscription = mum.subscribe(heard.clone());
    net.calls.lock().unwrap().clear();
    let cancelled = mum.sync();
    assert!(matches!(cancelled, Err(VaultError::Cancelled)), "{cancelled:?}");
    assert!(!net.calls.lock().unwrap().iter().any(|c| c.contains("/push")), "nothing was sent");
    assert_eq!(mum.status().unwrap().outbox_depth, 3, "nothing lost");
    let seen = heard.0.lock().unwrap().clone();
    assert_eq!(seen.first().map(|p| (p.stage, p.done, p.total)), Some((SyncStage::Sending, 0, 3)), "{seen:?}");
    assert_eq!(seen.last().map(|p| p.stage), Some(SyncStage::Done));

    *heard.1.lock().unwrap() = None;
    heard.0.lock().unwrap().clear();
    let report = mum.sync().expect("the next sync carries on");
    assert_eq!(report.applied, 3);
    let seen = heard.0.lock().unwrap().clone();
    assert!(seen.iter().any(|p| p.stage == SyncStage::Receiving), "{seen:?}");
    assert_eq!(seen.last().map(|p| p.stage), Some(SyncStage::Done));
    mum.unsubscribe(subscription);
}

/// A lease that passes offline takes the scope's cached document files with its records, and
/// keeps the user's own captures waiting to upload (their work, like their unsent changes):
/// back online, the capture uploads and the scope returns.
#[test]
fn an_expired_lease_deletes_cached_files_and_keeps_captures() {
    let w = world_with(None);
    let fam = w.rt.block_on(w.app.family_with_case("mum-lease-files", "in_assessment"));
    w.rt.block_on(w.app.serve());
    let report = w.rt.block_on(w.app.upload_document(
        &fam.token,
        &fam.child,
        "OT report",
        "text/plain",
        b"Needs a writing slope and movement breaks".to_vec(),
    ));
    let start = Utc::now();
    let now = Arc::new(std::sync::Mutex::new(start));
    let clock: senvault_mobile::Clock = {
        let now = now.clone();
        Arc::new(move || *now.lock().unwrap())
    };
    let net = Arc::new(Faulty::new(Arc::new(InProcess { router: w.app.router.clone(), rt: w.rt.clone() })));
    let db = temp_db("lease-files");
    let phone = VaultClient::with_clock(
        db.to_str().unwrap(),
        net.clone(),
        Arc::new(StaticAuth(fam.token.clone())),
        Arc::new(TestKeys::default()),
        clock,
    )
    .unwrap();
    phone.sync().expect("first sync");
    phone.read_document(report.clone()).expect("downloaded and cached");
    net.set(Some((Rng::new(6), OFFLINE)));
    let minutes = b"Minutes of the review meeting";
    let captured =
        capture_bytes(&phone, &fam.child, minutes, "Review minutes", DocumentCategory::Education, DocumentType::Text)
            .unwrap();
    let files = || replica_files(&db).into_iter().filter(|(n, _)| n.contains(".files")).count();
    assert_eq!(files(), 2, "the cached report and the capture");

    *now.lock().unwrap() = start + chrono::Duration::days(31);
    assert!(phone.documents(fam.child.clone()).unwrap().is_empty(), "the child's records are not shown");
    assert_eq!(files(), 1, "the cached report went; the capture stays");
    assert_eq!(phone.status().unwrap().pending_uploads, 1);

    w.app.clock.set(start + chrono::Duration::days(31));
    net.set(None);
    phone.sync().expect("back online");
    let docs = phone.documents(fam.child.clone()).unwrap();
    assert_eq!(docs.len(), 2, "{docs:?}");
    let mine = docs.iter().find(|d| d.id == captured.id).unwrap();
    assert_eq!(mine.upload, senvault_mobile::UploadState::Uploaded);
    assert_eq!(phone.status().unwrap().pending_uploads, 0);
}

/// On S3 (moto), as on AWS: a capture goes up through the presigned PUT the API signs, over the
/// core's real HTTP client, and comes back through the presigned GET into another device's
/// cache — byte for byte, one document.
#[test]
fn a_capture_goes_through_s3s_signed_links() {
    let rt = Arc::new(tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap());
    let Some(blobs) = rt.block_on(senvault_tests::aws::s3()) else { return };
    let store = senvault_store::sqlite::SqliteStore::in_memory().unwrap();
    let app = TestApp::with_store_and_blobs(Arc::new(store), Arc::new(blobs));
    app.clock.set(Utc::now());
    let w = World { rt, app };
    let fam = w.rt.block_on(w.app.family_with_case("mum-s3", "in_assessment"));
    let open = |name: &str| {
        let net = senvault_tests::mobile::InProcessWithStorage {
            api: InProcess { router: w.app.router.clone(), rt: w.rt.clone() },
            storage: senvault_mobile::transport::Http::new("http://unused.invalid"),
        };
        VaultClient::with_transport(
            temp_db(name).to_str().unwrap(),
            Arc::new(net),
            Arc::new(StaticAuth(fam.token.clone())),
            Arc::new(TestKeys::default()),
        )
        .unwrap()
    };
    let phone = open("s3-phone");
    phone.sync().expect("first sync");
    let mut rng = Rng::new(12);
    let photo: Vec<u8> = (0..(1 << 20) / 8).flat_map(|_| rng.next_u64().to_le_bytes()).collect();
    let doc = capture_bytes(
        &phone,
        &fam.child,
        &photo,
        "Letter from school",
        DocumentCategory::Education,
        DocumentType::Jpeg,
    )
    .unwrap();
    let report = phone.sync().expect("uploaded to S3");
    assert_eq!((report.rejected, phone.status().unwrap().pending_uploads), (0, 0), "{report:?}");
    let got = w.rt.block_on(w.app.get(&format!("/v1/documents/{}", doc.id), &fam.token)).expect(200);
    assert_eq!(
        (got["state"].as_str(), got["sha256"].as_str()),
        (Some("uploaded"), Some(senvault_functions::blobs::sha256_hex(&photo).as_str()))
    );

    let tablet = open("s3-tablet");
    tablet.sync().expect("second device");
    assert_eq!(tablet.read_document(doc.id.clone()).unwrap(), photo, "downloaded from S3");
    assert!(tablet.documents(fam.child.clone()).unwrap().iter().any(|d| d.id == doc.id && d.on_device));
}
