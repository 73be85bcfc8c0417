//! Analysing vault documents end to end: a plan uploaded as DOCX, analysed onto its case,
//! reviewed by the family, re-analysed as a new version with their decisions kept; manual
//! flags and section annotations; unreadable files, bad input and other people's records.

use axum::http::Method;
use senvault_domain::{MemberRole, RoleClaim};
use senvault_tests::fixtures::{self, Block};
use senvault_tests::{FamilyFixture, Resp, TestApp};
use serde_json::{Value, json};

const NOAH: &str = include_str!("../../corpus/plans/noah-draft.txt");
const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

/// A family whose child (Year 3 in January 2026) has a case at the draft plan stage.
async fn family(app: &TestApp, user: &str) -> FamilyFixture {
    app.family_with_case(user, "draft_ehcp_issued").await
}

fn docx_of(text: &str) -> Vec<u8> {
    let blocks: Vec<Block<'_>> = text.lines().map(Block::Para).collect();
    fixtures::docx(&blocks)
}

async fn analyse(app: &TestApp, token: &str, doc: &str, body: Value) -> Resp {
    app.post(&format!("/v1/documents/{doc}/analyse"), token, body).await
}

fn items(v: &Value) -> &Vec<Value> {
    v.as_array().or_else(|| v["items"].as_array()).expect("a list")
}

fn find<'a>(flags: &'a Value, kind: &str, excerpt_start: &str) -> &'a Value {
    items(flags)
        .iter()
        .find(|f| f["kind"] == kind && f["excerpt"].as_str().is_some_and(|e| e.starts_with(excerpt_start)))
        .unwrap_or_else(|| panic!("no {kind} flag on {excerpt_start:?} in {flags:#}"))
}

#[tokio::test]
async fn a_plan_is_analysed_onto_its_case_reviewed_and_reanalysed() {
    let app = TestApp::sqlite();
    app.serve().await;
    let fam = family(&app, "mum").await;
    let draft = app.upload_document(&fam.token, &fam.child, "Draft EHCP", DOCX, docx_of(NOAH)).await;

    let done = analyse(&app, &fam.token, &draft, json!({"case_id": fam.case})).await.expect(200);
    assert_eq!(done["state"], "analysed");
    assert_eq!(done["document"]["analysis"]["state"], "analysed");
    // Inferred from the case (draft stage) and the child's date of birth.
    assert_eq!((done["options"]["draft"].as_bool(), done["options"]["year_group"].as_u64()), (Some(true), Some(3)));
    assert_eq!(items(&done["sections"]).len(), 12, "A-G, H1, H2, I, J, K");
    let flags = &done["flags"];
    assert_eq!(items(flags).len(), items(&done["findings"]).len());
    let opportunities = find(flags, "vague_language", "Noah will have opportunities");
    assert_eq!((opportunities["section"].as_str(), opportunities["status"].as_str()), (Some("F"), Some("open")));
    assert!(opportunities["rule_id"].is_string() && opportunities["authority"].is_string());
    assert!(opportunities["span"]["end"].as_u64() > opportunities["span"]["start"].as_u64());
    let school = find(flags, "missing_statutory_content", "Oak Tree Primary School");
    assert_eq!(school["section"], "I", "a draft must not name a school");
    let handwriting = find(flags, "unquantified_provision", "Handwriting practice");
    find(flags, "vague_language", "Staff will support Noah");
    let total = items(flags).len();

    // The family reviews: one confirmed with a note, one dismissed.
    let (o, h) = (opportunities["id"].as_str().unwrap(), handwriting["id"].as_str().unwrap());
    let confirmed = app
        .post(
            &format!("/v1/cases/{}/flags/{o}/confirm", fam.case),
            &fam.token,
            json!({"note": "Ask for a named group"}),
        )
        .await
        .expect(200);
    assert_eq!(
        (confirmed["status"].as_str(), confirmed["family_note"].as_str()),
        (Some("confirmed"), Some("Ask for a named group"))
    );
    app.post(&format!("/v1/cases/{}/flags/{h}/dismiss", fam.case), &fam.token, json!({})).await.expect(200);
    app.post(&format!("/v1/cases/{}/flags/{h}/dismiss", fam.case), &fam.token, json!({})).await.expect(200);
    let page = app.get(&format!("/v1/cases/{}", fam.case), &fam.token).await.expect(200);
    assert_eq!((items(&page["flags"]).len(), page["dismissed_flags"].as_u64()), (total - 1, Some(1)));
    let dismissed = app.get(&format!("/v1/cases/{}/flags?status=dismissed", fam.case), &fam.token).await.expect(200);
    assert_eq!(items(&dismissed).len(), 1);

    // The LA's next version fixes F4; the family uploads it as text and analyses it.
    let fixed = "F4. A named teaching assistant will meet Noah at the classroom door and walk with him at each transition between lessons, every school day.";
    let v2 = NOAH.replace("F4. Staff will support Noah at transitions.", fixed);
    let version2 = app.upload_document(&fam.token, &fam.child, "Draft EHCP v2", "text/plain", v2.into_bytes()).await;
    let again = analyse(&app, &fam.token, &version2, json!({"case_id": fam.case})).await.expect(200);
    let kept = find(&again["flags"], "vague_language", "Noah will have opportunities");
    assert_eq!((kept["id"].as_str(), kept["status"].as_str()), (Some(o), Some("confirmed")), "decisions carry over");
    assert_eq!(kept["family_note"], "Ask for a named group");
    let all = app.get(&format!("/v1/cases/{}/flags", fam.case), &fam.token).await.expect(200);
    let still_dismissed = items(&all).iter().find(|f| f["id"] == h).expect("dismissed flags are kept");
    assert_eq!(still_dismissed["status"], "dismissed");
    assert!(
        !items(&all).iter().any(|f| f["excerpt"].as_str().unwrap_or("").starts_with("Staff will support Noah")),
        "open flags on the fixed passage are gone"
    );
    assert!(!items(&all).iter().any(|f| f["document_id"] == draft.as_str() && f["status"] == "open"));

    // Analysing the same version again is safe and changes nothing.
    let third = analyse(&app, &fam.token, &version2, json!({"case_id": fam.case})).await.expect(200);
    assert_eq!(third["flags"], again["flags"]);
    let doc = app.get(&format!("/v1/documents/{version2}"), &fam.token).await.expect(200);
    assert_eq!(doc["analysis"]["flags"].as_u64(), Some(items(&third["findings"]).len() as u64));
}

#[tokio::test]
async fn only_the_family_decides_flags_and_collaborators_annotate() {
    let app = TestApp::sqlite();
    app.serve().await;
    let fam = family(&app, "mum").await;
    let plan = app.upload_document(&fam.token, &fam.child, "Draft EHCP", "text/plain", NOAH.as_bytes().to_vec()).await;
    let ot =
        app.upload_document(&fam.token, &fam.child, "OT report", "text/plain", b"Weekly OT, 45 minutes".to_vec()).await;

    // Only the family runs the analysis (`docs/access.md`), at any grant level; a stranger sees nothing.
    app.grant("writer", &fam.child, MemberRole::Writer).await;
    app.grant("viewer", &fam.child, MemberRole::Reader).await;
    let (writer, viewer) = (app.token("writer", RoleClaim::Advocate), app.token("viewer", RoleClaim::Advocate));
    let stranger = app.token("stranger", RoleClaim::Family);
    analyse(&app, &viewer, &plan, json!({"case_id": fam.case})).await.problem(403);
    analyse(&app, &stranger, &plan, json!({"case_id": fam.case})).await.problem(404);
    let refused = analyse(&app, &writer, &plan, json!({"case_id": fam.case})).await.problem(403);
    assert!(refused["detail"].as_str().unwrap().contains("only the family"), "{refused}");
    let done = analyse(&app, &fam.token, &plan, json!({"case_id": fam.case})).await.expect(200);
    let flag = items(&done["flags"])[0]["id"].as_str().unwrap().to_owned();
    let confirm = format!("/v1/cases/{}/flags/{flag}/confirm", fam.case);
    app.post(&confirm, &writer, json!({})).await.problem(403);
    app.post(&confirm, &stranger, json!({})).await.problem(404);
    app.get(&format!("/v1/cases/{}/flags", fam.case), &viewer).await.expect(200);
    app.get(&format!("/v1/cases/{}/flags", fam.case), &stranger).await.problem(404);

    // Manual flags: added, retried safely, moved and noted.
    let manual = json!({"kind": "evidence_inconsistency", "section": "G", "excerpt": "An occupational therapist will teach Noah handwriting",
        "rationale": "The OT report asks for 45 minutes", "document_id": ot, "id": "0190d7a8-0000-7000-8000-000000000001"});
    let added = app.post(&format!("/v1/cases/{}/flags", fam.case), &fam.token, manual.clone()).await.expect(201);
    assert_eq!((added["origin"].as_str(), added["severity"].as_str()), (Some("manual"), Some("amber")));
    app.post(&format!("/v1/cases/{}/flags", fam.case), &fam.token, manual).await.expect(201);
    app.post(&format!("/v1/cases/{}/flags", fam.case), &writer, json!({"kind": "vague_language", "excerpt": "x"}))
        .await
        .problem(403);
    let moved = app
        .patch(
            &format!("/v1/cases/{}/flags/{}", fam.case, added["id"].as_str().unwrap()),
            &fam.token,
            json!({"section": "F", "note": "Raise at the meeting"}),
        )
        .await
        .expect(200);
    assert_eq!((moved["section"].as_str(), moved["family_note"].as_str()), (Some("F"), Some("Raise at the meeting")));

    // Annotations link this child's documents and list per section.
    let note = json!({"section": "G", "quote": "30 minutes weekly", "comment": "This doesn't match the OT report", "document_ids": [ot]});
    let annotation = app.post(&format!("/v1/cases/{}/annotations", fam.case), &fam.token, note).await.expect(201);
    assert_eq!(annotation["document_ids"], json!([ot]));
    app.post(
        &format!("/v1/cases/{}/annotations", fam.case),
        &fam.token,
        json!({"section": "B", "quote": "q", "comment": "c"}),
    )
    .await
    .expect(201);
    let page = app.get(&format!("/v1/cases/{}", fam.case), &fam.token).await.expect(200);
    assert_eq!(page["annotations"]["G"][0]["comment"], "This doesn't match the OT report");
    assert_eq!(page["annotations"]["B"].as_array().map(Vec::len), Some(1));
    let on_g = app.get(&format!("/v1/cases/{}/annotations?section=G", fam.case), &viewer).await.expect(200);
    assert_eq!(items(&on_g).len(), 1);
    // A collaborator annotates the plan beside the family (SEND Regs 2014 regs 5(4), 8(2), 10(4), 13(3), 44(3)); a viewer only reads.
    let note = json!({"section": "G", "quote": "q", "comment": "c"});
    let theirs = app.post(&format!("/v1/cases/{}/annotations", fam.case), &writer, note.clone()).await.expect(201);
    assert_eq!(theirs["author"]["role"], "advocate");
    app.post(&format!("/v1/cases/{}/annotations", fam.case), &viewer, note).await.problem(403);

    // Another family's document cannot be linked, nor another family's case analysed onto.
    let other = family(&app, "other").await;
    let theirs = app.upload_document(&other.token, &other.child, "Theirs", "text/plain", b"private".to_vec()).await;
    let p = app
        .post(
            &format!("/v1/cases/{}/annotations", fam.case),
            &fam.token,
            json!({"section": "F", "quote": "q", "comment": "c", "document_ids": [theirs]}),
        )
        .await
        .problem(409);
    assert_eq!(p["errors"][0]["field"], "document_ids");
    let p = analyse(&app, &fam.token, &plan, json!({"case_id": other.case})).await.problem(409);
    assert_eq!(p["errors"][0]["field"], "case_id");
    analyse(&app, &fam.token, &theirs, json!({})).await.problem(404);
}

#[tokio::test]
async fn unreadable_files_and_bad_requests_change_nothing_they_should_not() {
    let app = TestApp::sqlite();
    app.serve().await;
    let fam = family(&app, "mum").await;

    // Unreadable files are recorded as such, with a reason the family can act on.
    let locked =
        app.upload_document(&fam.token, &fam.child, "Locked", "application/pdf", fixtures::pdf_with_password()).await;
    let done = analyse(&app, &fam.token, &locked, json!({"case_id": fam.case})).await.expect(200);
    assert_eq!(done["state"], "analysis_failed");
    assert!(done["reason"].as_str().unwrap().contains("password"), "{done}");
    assert_eq!(done["document"]["analysis"]["state"], "analysis_failed");
    let scan =
        app.upload_document(&fam.token, &fam.child, "Scan", "application/pdf", fixtures::pdf_without_text()).await;
    let done = analyse(&app, &fam.token, &scan, json!({})).await.expect(200);
    assert!(done["reason"].as_str().unwrap().contains("scan"));
    let photo = app.upload_document(&fam.token, &fam.child, "Photo", "image/png", vec![0x89, b'P', b'N', b'G']).await;
    assert_eq!(analyse(&app, &fam.token, &photo, json!({})).await.expect(200)["state"], "analysis_failed");
    let empty_text = app.upload_document(&fam.token, &fam.child, "Blank", "text/plain", b"   \n".to_vec()).await;
    assert_eq!(analyse(&app, &fam.token, &empty_text, json!({})).await.expect(200)["state"], "analysis_failed");
    let page = app.get(&format!("/v1/cases/{}", fam.case), &fam.token).await.expect(200);
    assert_eq!(page["flags"], json!([]));

    // Text without any headings is analysed (nothing to score by section) without error.
    let prose =
        app.upload_document(&fam.token, &fam.child, "Letter", "text/plain", b"Dear parent, thank you.".to_vec()).await;
    assert_eq!(analyse(&app, &fam.token, &prose, json!({})).await.expect(200)["state"], "analysed");

    // Nothing uploaded yet.
    let pending = app
        .post(
            "/v1/documents",
            &fam.token,
            json!({"child_id": fam.child, "title": "x", "category": "ehcp", "content_type": "text/plain", "size": 5}),
        )
        .await
        .expect(201)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    analyse(&app, &fam.token, &pending, json!({})).await.problem(409);

    // Bad bodies and ids.
    let plan = app.upload_document(&fam.token, &fam.child, "Plan", "text/plain", NOAH.as_bytes().to_vec()).await;
    analyse(&app, &fam.token, &plan, json!({"case": fam.case})).await.problem(422);
    analyse(&app, &fam.token, &plan, json!({"case_id": 7})).await.problem(422);
    analyse(&app, &fam.token, &plan, json!({"case_id": uuid_like()})).await.problem(409);
    let res = app
        .send(
            axum::http::Request::post(format!("/v1/documents/{plan}/analyse"))
                .header("authorization", format!("Bearer {}", fam.token))
                .header("content-type", "application/json")
                .body(axum::body::Body::from("{\"case_id\":"))
                .unwrap(),
        )
        .await;
    res.problem(400);
    analyse(&app, &fam.token, "not-an-id", json!({})).await.problem(400);
    let flags = format!("/v1/cases/{}/flags", fam.case);
    app.post(&flags, &fam.token, json!({"kind": "nonsense", "excerpt": "x"})).await.problem(422);
    app.post(&flags, &fam.token, json!({"kind": "vague_language", "excerpt": ""})).await.problem(422);
    app.post(&flags, &fam.token, json!({"kind": "vague_language", "excerpt": "x".repeat(10_001)})).await.problem(422);
    app.post(&format!("{flags}/{}/confirm", uuid_like()), &fam.token, json!({})).await.problem(404);
    app.get(&format!("{flags}?status=maybe"), &fam.token).await.problem(400);
    let res = app.call(Method::POST, &format!("/v1/documents/{plan}/analyse"), None, Some(json!({}))).await;
    res.problem(401);
    assert_eq!(app.get(&flags, &fam.token).await.expect(200)["items"], json!([]), "nothing was stored");
}

fn uuid_like() -> String {
    "0190d7a8-1111-7000-8000-000000000abc".into()
}

#[tokio::test]
async fn a_long_plan_with_hundreds_of_flags_is_stored_whole() {
    let app = TestApp::sqlite();
    app.serve().await;
    let fam = family(&app, "mum").await;
    let mut plan = String::from(
        "Section B: Special educational needs\nB1. Noah has difficulty with reading.\n\nSection F: Special educational provision\n",
    );
    for n in 1..=150 {
        plan.push_str(&format!(
            "F{n}. Noah will have access to additional support from staff as appropriate in lesson {n}.\n"
        ));
    }
    let doc = app.upload_document(&fam.token, &fam.child, "Long plan", "text/plain", plan.into_bytes()).await;
    let done = analyse(&app, &fam.token, &doc, json!({"case_id": fam.case})).await.expect(200);
    let found = items(&done["findings"]).len();
    assert!(found > 300, "{found} findings: more than one transaction holds");
    assert_eq!(items(&done["flags"]).len(), found);
    let listed = app.get(&format!("/v1/cases/{}/flags", fam.case), &fam.token).await.expect(200);
    assert_eq!(items(&listed).len(), found);
    let again = analyse(&app, &fam.token, &doc, json!({"case_id": fam.case})).await.expect(200);
    assert_eq!(again["flags"], done["flags"]);
}

/// A plan held against a therapist's report through the API: the flags go on the case beside
/// the plan's own, both passages and the arithmetic in each, and survive re-analysis; only the
/// family may run it, and bad requests change nothing.
#[tokio::test]
async fn a_plan_is_compared_with_its_reports_onto_the_case() {
    let app = TestApp::sqlite();
    app.serve().await;
    let fam = family(&app, "mum").await;
    let plan = "Section B: Special educational needs\nNoah has a developmental language disorder.\n\nSection F: Special educational provision\nF1. Small-group language sessions with a teaching assistant, once a week for 20 minutes.\n";
    let report = "Speech and Language Therapy Report\nDate of report: 2 November 2023\n\nRecommendations\nNoah should receive direct 1:1 speech and language therapy from a speech and language therapist, 3 x 30 minutes a week.\nA visual timetable in every lesson.\n";
    let plan_id = app.upload_document(&fam.token, &fam.child, "Draft EHCP", DOCX, docx_of(plan)).await;
    let report_id = app.upload_document(&fam.token, &fam.child, "SALT report", "text/plain", report.into()).await;
    let path = format!("/v1/cases/{}/compare", fam.case);
    let body = json!({"plan_document_id": plan_id, "report_document_ids": [report_id]});

    let done = app.post(&path, &fam.token, body.clone()).await.expect(200);
    assert_eq!(items(&done["comparison"]["recommendations"]).len(), 2);
    let less = items(&done["comparison"]["findings"])
        .iter()
        .find(|f| f["finding"]["rule"] == "EI02")
        .unwrap_or_else(|| panic!("no EI02 in {done:#}"));
    assert_eq!(
        less["arithmetic"],
        "Report: 3 a week × 30 min = 90 min a week; plan: 1 a week × 20 min = 20 min a week."
    );
    assert!(less["report_quote"]["excerpt"].as_str().unwrap().starts_with("Noah should receive direct"));
    let flags = &done["flags"];
    let ei02 = find(flags, "evidence_inconsistency", "Small-group language sessions");
    assert_eq!((ei02["rule_id"].as_str(), ei02["document_id"].as_str()), (Some("EI02"), Some(plan_id.as_str())));
    assert!(ei02["rationale"].as_str().unwrap().contains("SALT report says: \"Noah should receive direct"), "{ei02:#}");
    let missing = find(flags, "evidence_inconsistency", "A visual timetable in every lesson");
    assert_eq!(
        (missing["rule_id"].as_str(), missing["document_id"].as_str()),
        (Some("EI01"), Some(report_id.as_str()))
    );
    assert!(items(flags).iter().any(|f| f["rule_id"] == "EI09"), "the report is over 18 months old");

    // Analysing the plan leaves the comparison flags; comparing again changes nothing.
    analyse(&app, &fam.token, &plan_id, json!({"case_id": fam.case})).await.expect(200);
    let again = app.post(&path, &fam.token, body.clone()).await.expect(200);
    assert_eq!(again["flags"], done["flags"]);
    let all = app.get(&format!("/v1/cases/{}/flags", fam.case), &fam.token).await.expect(200);
    assert!(items(&all).iter().any(|f| f["rule_id"] == "EI02"));
    assert!(items(&all).iter().any(|f| f["rule_id"].as_str().is_some_and(|r| !r.starts_with("EI"))), "{all:#}");

    // Bad requests: nothing named, the plan named twice, a document of another family's, a
    // case the caller cannot see, an advocate; none changes the case.
    let before = app.get(&format!("/v1/cases/{}/flags", fam.case), &fam.token).await.expect(200);
    let p =
        app.post(&path, &fam.token, json!({"plan_document_id": plan_id, "report_document_ids": []})).await.problem(422);
    assert_eq!(p["errors"][0]["field"], "report_document_ids");
    app.post(&path, &fam.token, json!({"plan_document_id": plan_id, "report_document_ids": [plan_id]}))
        .await
        .problem(409);
    app.post(&path, &fam.token, json!({"plan_document_id": plan_id})).await.problem(422);
    let other = family(&app, "other").await;
    let theirs = app.upload_document(&other.token, &other.child, "Theirs", "text/plain", b"private".to_vec()).await;
    let p = app
        .post(&path, &fam.token, json!({"plan_document_id": plan_id, "report_document_ids": [theirs]}))
        .await
        .problem(409);
    assert_eq!(p["errors"][0]["field"], "report_document_ids");
    let unknown = "0193a1b2-0000-7000-8000-0000000000ff";
    let q = app
        .post(&path, &fam.token, json!({"plan_document_id": plan_id, "report_document_ids": [unknown]}))
        .await
        .problem(409);
    assert_eq!(
        (&p["errors"], &p["detail"]),
        (&q["errors"], &q["detail"]),
        "another family's document and none answer alike"
    );
    app.post(&format!("/v1/cases/{}/compare", other.case), &fam.token, body.clone()).await.problem(404);
    app.grant("adv", &fam.child, MemberRole::Writer).await;
    let adv = app.token("adv", RoleClaim::Advocate);
    app.post(&path, &adv, body).await.problem(403);
    let after = app.get(&format!("/v1/cases/{}/flags", fam.case), &fam.token).await.expect(200);
    assert_eq!(before, after);
    // A report named twice is read once.
    let twice = json!({"plan_document_id": plan_id, "report_document_ids": [report_id, report_id]});
    assert_eq!(app.post(&path, &fam.token, twice).await.expect(200)["report_document_ids"], json!([report_id]));
}
