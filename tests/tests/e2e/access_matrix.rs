//! The access matrix (`docs/access.md`, which this test keeps up to date): every operation of the API, as each kind of
//! caller, with the exact answer each must get — and proof that every refused call changed
//! nothing. The operations come from the OpenAPI document, so a route added without rows here
//! fails this test.
//!
//! One world is built once (a family with two children, a case with every kind of record, a
//! document, advocates in every relation to the family, an organisation) and copied: refused
//! calls all run against one copy, whose stored rows are compared before and after each; every
//! allowed call runs against a fresh copy, since it may change what the next one sees.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::http::{Method, Request, header};
use senvault_domain::RoleClaim;
use senvault_tests::TestApp;
use serde_json::{Value, json};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Persona {
    /// The family's member.
    Owner,
    /// An advocate granted `collaborate` on the first child (and the connection the ticket
    /// operations use).
    Collaborator,
    /// An advocate granted `view` on the first child.
    Viewer,
    /// An advocate granted the second child only.
    OtherChild,
    /// An advocate with an active connection and no grant.
    NoGrant,
    /// An advocate whose grant was revoked.
    Revoked,
    /// An advocate whose support the family ended.
    Ended,
    /// An advocate with a profile and nothing to do with the family.
    Unrelated,
    /// An organisation's admin, with no grant.
    OrgAdmin,
    /// Another family.
    OtherFamily,
    NoToken,
    Expired,
}

use Persona::*;

const ALL: [Persona; 12] = [
    Owner,
    Collaborator,
    Viewer,
    OtherChild,
    NoGrant,
    Revoked,
    Ended,
    Unrelated,
    OrgAdmin,
    OtherFamily,
    NoToken,
    Expired,
];

/// What a call must answer: any success, or exactly this status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Want {
    Ok,
    Status(u16),
}

use Want::{Ok as Allowed, Status};

/// The ids and tokens of the world.
struct World {
    dir: PathBuf,
    ids: BTreeMap<&'static str, String>,
    tokens: BTreeMap<Persona, String>,
}

impl World {
    fn id(&self, name: &str) -> &str {
        self.ids.get(name).map(String::as_str).unwrap_or_else(|| panic!("no id {name}"))
    }
}

async fn json_of(app: &TestApp, method: Method, path: &str, token: &str, body: Value) -> Value {
    let res = app.call(method.clone(), path, Some(token), Some(body)).await;
    assert!(res.status.is_success(), "{method} {path}: {} {}", res.status, res.json);
    res.json
}

/// Builds the world into `dir` (a SQLite file and document files), once.
async fn build(dir: &Path) -> World {
    std::fs::create_dir_all(dir).expect("dir");
    let app = TestApp::in_dir(dir);
    let mut ids: BTreeMap<&'static str, String> = BTreeMap::new();
    let tok = |user: &str, role| app.token(user, role);
    let owner = tok("owner", RoleClaim::Family);
    let id = |v: &Value| v["id"].as_str().expect("id").to_owned();

    json_of(&app, Method::POST, "/v1/family", &owner, json!({"name": "The Matrix family"})).await;
    let child = |name: &str| json!({"name": name, "date_of_birth": "2016-04-02", "local_authority": "Leeds"});
    let c1 = id(&json_of(&app, Method::POST, "/v1/children", &owner, child("Ada")).await);
    let c2 = id(&json_of(&app, Method::POST, "/v1/children", &owner, child("Ben")).await);
    let case = json!({"child_id": c1, "status": "assessment_requested", "summary": "EHC needs assessment"});
    let k = id(&json_of(&app, Method::POST, "/v1/cases", &owner, case).await);
    let cases = format!("/v1/cases/{k}");
    let page = json_of(
        &app,
        Method::POST,
        &format!("{cases}/key-dates"),
        &owner,
        json!({"kind": "request_received", "date": "2026-01-15"}),
    )
    .await;
    let statutory = page["actions"]
        .as_array()
        .expect("actions")
        .iter()
        .find(|a| a["timescale"] == "assessment_decision")
        .expect("statutory action");
    ids.insert("statutory_action", id(statutory));
    ids.insert("key_date", page["key_dates"][0]["id"].as_str().expect("key date").to_owned());
    let action = json!({"description": "Chase the LA", "responsible": "la", "due": "2026-03-01"});
    ids.insert("action", id(&json_of(&app, Method::POST, &format!("{cases}/actions"), &owner, action).await));
    let flag = json!({"kind": "vague_language", "excerpt": "access to support as appropriate", "section": "F"});
    ids.insert("flag", id(&json_of(&app, Method::POST, &format!("{cases}/flags"), &owner, flag).await));
    let note = json!({"text": "Phoned the caseworker"});
    ids.insert("note", id(&json_of(&app, Method::POST, &format!("{cases}/notes"), &owner, note).await));
    let annotation = json!({"section": "F", "quote": "as appropriate", "comment": "Not specific", "document_ids": []});
    ids.insert(
        "annotation",
        id(&json_of(&app, Method::POST, &format!("{cases}/annotations"), &owner, annotation).await),
    );

    // Documents, uploaded through their signed links (in process) and confirmed: a plan and a
    // professional report.
    for (key, title, category, text) in [
        ("document", "Draft EHCP", "ehcp", "Section F: Ada will have access to speech therapy as appropriate.\n"),
        (
            "report",
            "SALT report",
            "therapy",
            "Recommendations\nAda needs weekly 30-minute speech and language therapy.\n",
        ),
    ] {
        let bytes = text.as_bytes().to_vec();
        let doc = json!({"child_id": c1, "title": title, "category": category, "content_type": "text/plain", "size": bytes.len()});
        let doc = json_of(&app, Method::POST, "/v1/documents", &owner, doc).await;
        let url = doc["upload_url"]["url"].as_str().expect("url");
        let path = &url[url.find("/blobs/").expect("blob path")..];
        let put = Request::put(path)
            .header(header::CONTENT_TYPE, "text/plain")
            .header(header::CONTENT_LENGTH, bytes.len())
            .body(Body::from(bytes))
            .expect("request");
        assert!(app.send(put).await.status.is_success(), "upload");
        let d = id(&doc);
        json_of(&app, Method::POST, &format!("/v1/documents/{d}/uploaded"), &owner, json!({})).await;
        ids.insert(key, d);
    }

    // A bundle holding the plan, built once (the build finishes before the world is copied).
    let bundles = format!("/v1/children/{c1}/bundles");
    let bundle =
        json_of(&app, Method::POST, &bundles, &owner, json!({"title": "Review bundle", "purpose": "general"})).await;
    let bundle = format!("{bundles}/{}", id(&bundle));
    let items = json!({"items": [{"document_id": ids["document"], "section": "plan"}]});
    json_of(&app, Method::PUT, &format!("{bundle}/items"), &owner, items).await;
    let build = json_of(&app, Method::POST, &format!("{bundle}/builds"), &owner, json!({})).await;
    let build = format!("{bundle}/builds/{}", id(&build));
    for _ in 0..400 {
        if json_of(&app, Method::GET, &build, &owner, Value::Null).await["state"] == "ready" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    let link = json_of(&app, Method::POST, &format!("{bundle}/links"), &owner, json!({"expires_in_days": 7})).await;
    ids.insert("link", id(&link));
    ids.insert("shared_url", link["url"].as_str().expect("a link's url").to_owned());
    ids.insert("bundle", bundle);
    ids.insert("build", build);
    // An export of the family's data, made before the world is copied.
    let export = json_of(&app, Method::POST, "/v1/me/exports", &owner, Value::Null).await;
    let export = format!("/v1/me/exports/{}", id(&export));
    for _ in 0..400 {
        if json_of(&app, Method::GET, &export, &owner, Value::Null).await["state"] == "ready" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    ids.insert("export", export);

    // Advocates in every relation to the family.
    let mut tokens = BTreeMap::new();
    let mut advocate_ids = BTreeMap::new();
    for (persona, user) in [
        (Collaborator, "collab"),
        (Viewer, "viewer"),
        (OtherChild, "other-child"),
        (NoGrant, "no-grant"),
        (Revoked, "revoked"),
        (Ended, "ended"),
        (Unrelated, "unrelated"),
    ] {
        let t = tok(user, RoleClaim::Advocate);
        let me = json_of(
            &app,
            Method::PUT,
            "/v1/advocates/me",
            &t,
            json!({"name": user, "areas": ["Leeds"], "accepting": true}),
        )
        .await;
        advocate_ids.insert(persona, id(&me));
        tokens.insert(persona, t);
    }
    let member = tok("member", RoleClaim::Advocate);
    let me = json_of(
        &app,
        Method::PUT,
        "/v1/advocates/me",
        &member,
        json!({"name": "member", "areas": ["Leeds"], "accepting": true}),
    )
    .await;
    ids.insert("member_advocate", id(&me));
    let mut connections = BTreeMap::new();
    for persona in [Collaborator, Viewer, OtherChild, NoGrant, Revoked, Ended] {
        let request = json!({"advocate_id": advocate_ids[&persona], "child_id": c1, "type": "ehcp", "message": "Help"});
        let t = json_of(&app, Method::POST, "/v1/support-requests", &owner, request).await;
        let ticket = id(&t);
        json_of(&app, Method::POST, &format!("/v1/tickets/{ticket}/accept"), &tokens[&persona], json!({})).await;
        connections.insert(persona, (t["connection_id"].as_str().expect("connection").to_owned(), ticket));
    }
    let grant = |persona: Persona, children: Value, level: &str| {
        (format!("/v1/connections/{}/grants", connections[&persona].0), json!({"children": children, "level": level}))
    };
    for (persona, children, level) in [
        (Collaborator, json!([c1]), "collaborate"),
        (Viewer, json!([c1]), "view"),
        (OtherChild, json!([c2]), "view"),
        (Revoked, json!([c1]), "view"),
        (Ended, json!([c1]), "view"),
    ] {
        let (path, body) = grant(persona, children, level);
        json_of(&app, Method::POST, &path, &owner, body).await;
    }
    json_of(&app, Method::DELETE, &format!("/v1/connections/{}/grants", connections[&Revoked].0), &owner, json!({}))
        .await;
    json_of(&app, Method::POST, &format!("/v1/connections/{}/end", connections[&Ended].0), &owner, json!({})).await;
    let (conn, ticket) = connections[&Collaborator].clone();
    let item = json_of(
        &app,
        Method::POST,
        &format!("/v1/tickets/{ticket}/checklist"),
        &owner,
        json!({"text": "Find the letter"}),
    )
    .await;
    ids.insert("checklist_item", id(&item));
    let private = json_of(
        &app,
        Method::POST,
        &format!("/v1/tickets/{ticket}/private-notes"),
        &tokens[&Collaborator],
        json!({"text": "Private"}),
    )
    .await;
    ids.insert("private_note", id(&private));
    // Timeline entries: the family's call with a promise, and one the collaborator recorded.
    let call = |who: &str| {
        json!({"kind": "interaction", "date": "2026-01-12", "case_id": k, "channel": "phone_call", "direction": "incoming",
            "contact_name": who, "summary": "About the draft",
            "commitments": [{"text": "The draft will be out by Friday", "by": "la", "due": "2026-01-16"}]})
    };
    let timeline = format!("/v1/children/{c1}/timeline");
    let entry = json_of(&app, Method::POST, &timeline, &owner, call("Sam Patel")).await;
    ids.insert("timeline_entry", id(&entry));
    let theirs = json_of(&app, Method::POST, &timeline, &tokens[&Collaborator], call("Jo Reed")).await;
    ids.insert("collab_entry", id(&theirs));
    ids.insert("collab_commitment", theirs["commitments"][0]["id"].as_str().expect("commitment").to_owned());
    let message =
        json_of(&app, Method::POST, &format!("/v1/tickets/{ticket}/messages"), &owner, json!({"text": "Hi"})).await;
    ids.insert("message", id(&message));
    ids.insert("connection", conn);
    ids.insert("ticket", ticket);
    ids.insert("collab_advocate", advocate_ids[&Collaborator].clone());
    ids.insert("unrelated_advocate", advocate_ids[&Unrelated].clone());

    // An organisation with a member, and a request to it.
    let admin = tok("org-admin", RoleClaim::OrgAdmin);
    let org = uuid::Uuid::now_v7().to_string();
    json_of(
        &app,
        Method::PUT,
        &format!("/v1/organisations/{org}"),
        &admin,
        json!({"name": "Org", "areas": ["Leeds"], "accepting": true}),
    )
    .await;
    json_of(
        &app,
        Method::PUT,
        &format!("/v1/organisations/{org}/members/{}", ids["member_advocate"]),
        &admin,
        json!({"role": "advocate"}),
    )
    .await;
    let request = json!({"organisation_id": org, "child_id": c1, "type": "tribunal", "message": "Help"});
    ids.insert("org_ticket", id(&json_of(&app, Method::POST, "/v1/support-requests", &owner, request).await));
    ids.insert("organisation", org);
    tokens.insert(OrgAdmin, admin);

    let other = tok("other-family", RoleClaim::Family);
    json_of(&app, Method::POST, "/v1/family", &other, json!({"name": "Others"})).await;
    json_of(&app, Method::POST, "/v1/children", &other, child("Olu")).await;
    tokens.insert(OtherFamily, other);
    let notifications = json_of(&app, Method::GET, "/v1/notifications", &owner, Value::Null).await;
    ids.insert("notification", notifications["items"][0]["id"].as_str().expect("a notification").to_owned());
    let expired = {
        let user: senvault_domain::UserId = "owner".parse().expect("user");
        app.state.auth.mint_expiring_at(&user, RoleClaim::Family, chrono::Utc::now().timestamp() - 600)
    };
    tokens.insert(Owner, owner);
    tokens.insert(Expired, expired);
    ids.insert("case", k);
    ids.insert("child", c1);
    ids.insert("child2", c2);
    World { dir: dir.to_owned(), ids, tokens }
}

/// One operation: its concrete path, body, and who gets what.
struct Row {
    path: String,
    body: Value,
    want: fn(Persona) -> Want,
}

/// Members of the first child's scope read; others are told it does not exist.
fn read_child(p: Persona) -> Want {
    match p {
        Owner | Collaborator | Viewer => Allowed,
        NoToken | Expired => Status(401),
        _ => Status(404),
    }
}

/// The family and collaborators change case records; viewers may not.
fn write_child(p: Persona) -> Want {
    match p {
        Viewer => Status(403),
        _ => read_child(p),
    }
}

/// The family's alone: collaborators and viewers are refused with the rule.
fn family_child(p: Persona) -> Want {
    match p {
        Collaborator => Status(403),
        _ => write_child(p),
    }
}

/// Anyone signed in (each sees their own).
fn anyone(p: Persona) -> Want {
    match p {
        NoToken | Expired => Status(401),
        _ => Allowed,
    }
}

/// Runs in the caller's own family account: families only.
fn own_family(p: Persona) -> Want {
    match p {
        Owner | OtherFamily => Allowed,
        NoToken | Expired => Status(401),
        _ => Status(404),
    }
}

/// The family's own account, naming the first family's records: the owner only.
fn owner_only(p: Persona) -> Want {
    match p {
        Owner => Allowed,
        NoToken | Expired => Status(401),
        _ => Status(404),
    }
}

/// The collaborator's connection and ticket: its two parties.
fn ticket_parties(p: Persona) -> Want {
    match p {
        Owner | Collaborator => Allowed,
        NoToken | Expired => Status(401),
        _ => Status(404),
    }
}

/// The ticket's advocate works it; the family is refused with the rule.
fn ticket_advocate(p: Persona) -> Want {
    match p {
        Owner => Status(403),
        _ => ticket_parties(p),
    }
}

/// Every signed-in caller except families: advocates' own profiles.
fn advocates_only(p: Persona) -> Want {
    match p {
        Owner | OtherFamily | OrgAdmin => Status(403),
        _ => anyone(p),
    }
}

fn rows(w: &World) -> BTreeMap<&'static str, Row> {
    let case = format!("/v1/cases/{}", w.id("case"));
    let action = format!("{case}/actions/{}", w.id("action"));
    let statutory = format!("{case}/actions/{}", w.id("statutory_action"));
    let flag = format!("{case}/flags/{}", w.id("flag"));
    let doc = format!("/v1/documents/{}", w.id("document"));
    let ticket = format!("/v1/tickets/{}", w.id("ticket"));
    let conn = format!("/v1/connections/{}", w.id("connection"));
    let org = format!("/v1/organisations/{}", w.id("organisation"));
    let child = w.id("child").to_owned();
    let r = |path: String, body: Value, want: fn(Persona) -> Want| Row { path, body, want };
    let none = Value::Null;
    let mut m = BTreeMap::new();
    m.insert("health", r("/health".into(), none.clone(), |_| Allowed));
    m.insert("openapi", r("/v1/openapi.json".into(), none.clone(), |_| Allowed));
    // Family and children.
    m.insert(
        "create_family",
        r("/v1/family".into(), json!({"name": "Another"}), |p| match p {
            Owner | OtherFamily => Status(409),
            NoToken | Expired => Status(401),
            _ => Status(403),
        }),
    );
    m.insert("get_family", r("/v1/family".into(), none.clone(), own_family));
    m.insert(
        "add_child",
        r(
            "/v1/children".into(),
            json!({"name": "Cleo", "date_of_birth": "2019-01-01", "local_authority": "Leeds"}),
            own_family,
        ),
    );
    m.insert("list_children", r("/v1/children".into(), none.clone(), anyone));
    m.insert("get_child", r(format!("/v1/children/{child}"), none.clone(), read_child));
    m.insert("edit_child", r(format!("/v1/children/{child}"), json!({"school": "Oak Primary"}), owner_only));
    // Cases.
    m.insert(
        "create_case",
        r("/v1/cases".into(), json!({"child_id": child, "status": "in_assessment", "summary": "Second"}), write_child),
    );
    m.insert(
        "create_child_case",
        r(format!("/v1/children/{child}/cases"), json!({"status": "in_assessment", "summary": "Third"}), write_child),
    );
    m.insert("list_cases", r(format!("/v1/cases?child_id={child}"), none.clone(), read_child));
    m.insert("get_case", r(case.clone(), none.clone(), read_child));
    m.insert("edit_case", r(case.clone(), json!({"summary": "Edited"}), write_child));
    m.insert("change_status", r(format!("{case}/status"), json!({"status": "in_assessment"}), write_child));
    m.insert("close_case", r(format!("{case}/close"), json!({"outcome": "resolved"}), write_child));
    m.insert(
        "record_key_date",
        r(format!("{case}/key-dates"), json!({"kind": "decision_to_assess", "date": "2026-01-19"}), write_child),
    );
    m.insert("delete_key_date", r(format!("{case}/key-dates/{}", w.id("key_date")), none.clone(), write_child));
    m.insert("add_note", r(format!("{case}/notes"), json!({"text": "Another note"}), write_child));
    m.insert(
        "add_action",
        r(
            format!("{case}/actions"),
            json!({"description": "Ring school", "responsible": "family", "due": "2026-02-01"}),
            write_child,
        ),
    );
    m.insert("edit_action", r(action.clone(), json!({"description": "Chase the LA again"}), write_child));
    m.insert("complete_action", r(format!("{action}/complete"), json!({}), write_child));
    m.insert("reopen_action", r(format!("{action}/reopen"), json!({}), write_child));
    m.insert("record_exception", r(format!("{statutory}/exception"),
        json!({"ground": "school_closure", "claimed_by": "la", "period": {"from": "2026-01-16", "to": "2026-01-20"}, "note": "School closed"}), write_child));
    m.insert("clear_exception", r(format!("{statutory}/exception"), none.clone(), write_child));
    m.insert("list_actions", r("/v1/actions".into(), none.clone(), anyone));
    m.insert("chronology", r(format!("{case}/chronology"), none.clone(), read_child));
    // The child's timeline: a collaborator adds and changes what they recorded; only the family
    // changes anyone's.
    let timeline = format!("/v1/children/{child}/timeline");
    let family_entry = format!("{timeline}/{}", w.id("timeline_entry"));
    let collab_entry = format!("{timeline}/{}", w.id("collab_entry"));
    m.insert(
        "add_entry",
        r(
            timeline.clone(),
            json!({"kind": "event", "date": "2026-01-05", "title": "Excluded for a day", "category": "exclusion"}),
            write_child,
        ),
    );
    m.insert("list_entries", r(format!("{timeline}?include_hidden=true"), none.clone(), read_child));
    m.insert("get_entry", r(family_entry.clone(), none.clone(), read_child));
    m.insert("edit_entry", r(collab_entry.clone(), json!({"summary": "About the draft plan"}), write_child));
    m.insert("delete_entry", r(family_entry, none.clone(), family_child));
    m.insert(
        "record_kept",
        r(
            format!("{collab_entry}/commitments/{}/kept", w.id("collab_commitment")),
            json!({"on": "2026-01-16"}),
            write_child,
        ),
    );
    m.insert(
        "add_flag",
        r(format!("{case}/flags"), json!({"kind": "vague_language", "excerpt": "where possible"}), family_child),
    );
    m.insert("list_flags", r(format!("{case}/flags"), none.clone(), read_child));
    m.insert("get_flag", r(flag.clone(), none.clone(), read_child));
    m.insert("get_note", r(format!("{case}/notes/{}", w.id("note")), none.clone(), read_child));
    m.insert("get_action", r(action.clone(), none.clone(), read_child));
    m.insert("get_annotation", r(format!("{case}/annotations/{}", w.id("annotation")), none.clone(), read_child));
    m.insert("edit_flag", r(flag.clone(), json!({"note": "Ask for hours"}), family_child));
    m.insert("confirm_flag", r(format!("{flag}/confirm"), json!({}), family_child));
    m.insert("dismiss_flag", r(format!("{flag}/dismiss"), json!({}), family_child));
    m.insert("reopen_flag", r(format!("{flag}/reopen"), json!({}), family_child));
    m.insert(
        "add_annotation",
        r(
            format!("{case}/annotations"),
            json!({"section": "F", "quote": "as appropriate", "comment": "Not specific", "document_ids": []}),
            write_child,
        ),
    );
    m.insert("list_annotations", r(format!("{case}/annotations"), none.clone(), read_child));
    // Exports: anyone signed in asks for their own; an export is its owner's alone.
    m.insert("request_export", r("/v1/me/exports".into(), none.clone(), anyone));
    m.insert("list_exports", r("/v1/me/exports".into(), none.clone(), anyone));
    m.insert("get_export", r(w.id("export").to_owned(), none.clone(), owner_only));
    // Deleting an account: only the account itself, confirming with its own user id (here the
    // family's); anyone else naming it is refused by rule and nothing is deleted.
    m.insert(
        "delete_account",
        r("/v1/me/delete".into(), json!({"confirm": "owner"}), |p| match p {
            Owner => Allowed,
            NoToken | Expired => Status(401),
            _ => Status(409),
        }),
    );
    // Bundles: the family's; members read them.
    let bundle = w.id("bundle").to_owned();
    m.insert(
        "create_bundle",
        r(format!("/v1/children/{child}/bundles"), json!({"title": "Tribunal", "purpose": "tribunal"}), family_child),
    );
    m.insert("list_bundles", r(format!("/v1/children/{child}/bundles"), none.clone(), read_child));
    m.insert("get_bundle", r(bundle.clone(), none.clone(), read_child));
    m.insert("edit_bundle", r(bundle.clone(), json!({"title": "Annual review 2026"}), family_child));
    m.insert("delete_bundle", r(bundle.clone(), none.clone(), family_child));
    m.insert(
        "set_items",
        r(
            format!("{bundle}/items"),
            json!({"items": [{"document_id": w.id("report"), "section": "family_evidence"}]}),
            family_child,
        ),
    );
    m.insert("request_build", r(format!("{bundle}/builds"), json!({}), family_child));
    m.insert("list_builds", r(format!("{bundle}/builds"), none.clone(), read_child));
    m.insert("get_build", r(w.id("build").to_owned(), none.clone(), read_child));
    m.insert("share", r(format!("{bundle}/share"), json!({"connection_id": w.id("connection")}), family_child));
    m.insert("unshare", r(format!("{bundle}/share/{}", w.id("connection")), none.clone(), family_child));
    m.insert("create_link", r(format!("{bundle}/links"), json!({"expires_in_days": 3}), family_child));
    m.insert("list_links", r(format!("{bundle}/links"), none.clone(), family_child));
    m.insert("revoke_link", r(format!("{bundle}/links/{}", w.id("link")), none.clone(), family_child));
    // A link needs no sign-in: whoever holds it (a token, a stale one, none) gets the same.
    m.insert("open_shared", r(w.id("shared_url").to_owned(), none.clone(), |_| Allowed));
    // Documents.
    m.insert("create_document", r("/v1/documents".into(), json!({"child_id": child, "title": "Letter", "category": "correspondence", "content_type": "text/plain", "size": 10}), family_child));
    m.insert(
        "create_child_document",
        r(
            format!("/v1/children/{child}/documents"),
            json!({"title": "Report", "category": "medical", "content_type": "text/plain", "size": 10}),
            family_child,
        ),
    );
    m.insert("list_documents", r(format!("/v1/documents?child_id={child}"), none.clone(), read_child));
    m.insert("get_document", r(doc.clone(), none.clone(), read_child));
    m.insert(
        "edit_document",
        r(
            doc.clone(),
            json!({"document_date": "2025-11-20", "author": "Dr Rivers", "evidence_kind": "expert_report"}),
            family_child,
        ),
    );
    m.insert("delete_document", r(doc.clone(), none.clone(), family_child));
    m.insert("confirm_upload", r(format!("{doc}/uploaded"), json!({}), family_child));
    m.insert("analyse", r(format!("{doc}/analyse"), json!({"case_id": w.id("case")}), family_child));
    m.insert(
        "compare_reports",
        r(
            format!("{case}/compare"),
            json!({"plan_document_id": w.id("document"), "report_document_ids": [w.id("report")]}),
            family_child,
        ),
    );
    // Notifications and preferences: everyone's own.
    m.insert("list_notifications", r("/v1/notifications".into(), none.clone(), anyone));
    m.insert("mark_read", r(format!("/v1/notifications/{}/read", w.id("notification")), json!({}), owner_only));
    // Sync: any signed-in device may push and pull; each mutation and each scope is then
    // authorised on its own (refusals are outcomes, `revoked` states: `sync.rs`).
    let client = "0193a1b2-0000-7000-8000-00000000d0e5";
    m.insert("push", r("/v1/sync/push".into(), json!({"client_id": client, "schema": 1, "mutations": []}), anyone));
    let cursor = json!([{"scope": format!("child:{}", w.id("child")), "epoch": 1, "seq": 0}]);
    m.insert("pull", r("/v1/sync/pull".into(), json!({"client_id": client, "schema": 1, "scopes": cursor}), anyone));
    m.insert("scopes", r("/v1/sync/scopes".into(), none.clone(), anyone));
    m.insert("get_preferences", r("/v1/me/preferences".into(), none.clone(), anyone));
    m.insert("put_preferences", r("/v1/me/preferences".into(), json!({"reminder_lead_days": [7]}), anyone));
    // Advocates and organisations.
    m.insert("directory", r("/v1/advocates?area=Leeds".into(), none.clone(), anyone));
    m.insert(
        "get_my_profile",
        r("/v1/advocates/me".into(), none.clone(), |p| match p {
            Owner | OtherFamily | OrgAdmin => Status(404),
            _ => anyone(p),
        }),
    );
    m.insert(
        "put_my_profile",
        r("/v1/advocates/me".into(), json!({"name": "Renamed", "accepting": true}), advocates_only),
    );
    m.insert("get_advocate", r(format!("/v1/advocates/{}", w.id("collab_advocate")), none.clone(), anyone));
    m.insert("list_reviews", r(format!("/v1/advocates/{}/reviews", w.id("collab_advocate")), none.clone(), anyone));
    m.insert(
        "review",
        r(format!("/v1/advocates/{}/reviews", w.id("collab_advocate")), json!({"rating": 5, "text": "Good"}), |p| {
            match p {
                Owner => Allowed,
                OtherFamily => Status(403),
                NoToken | Expired => Status(401),
                _ => Status(404),
            }
        }),
    );
    m.insert("list_organisations", r("/v1/organisations".into(), none.clone(), anyone));
    m.insert("get_organisation", r(org.clone(), none.clone(), anyone));
    m.insert(
        "put_organisation",
        // Accounts that may not create organisations hear the same whether the id exists or not.
        r(org.clone(), json!({"name": "Renamed org", "accepting": true}), |p| match p {
            OrgAdmin => Allowed,
            NoToken | Expired => Status(401),
            _ => Status(403),
        }),
    );
    m.insert(
        "list_members",
        r(format!("{org}/members"), none.clone(), |p| match p {
            OrgAdmin => Allowed,
            NoToken | Expired => Status(401),
            _ => Status(404),
        }),
    );
    m.insert(
        "put_member",
        r(format!("{org}/members/{}", w.id("unrelated_advocate")), json!({"role": "advocate"}), |p| match p {
            OrgAdmin => Allowed,
            NoToken | Expired => Status(401),
            _ => Status(404),
        }),
    );
    m.insert(
        "remove_member",
        r(format!("{org}/members/{}", w.id("member_advocate")), none.clone(), |p| match p {
            OrgAdmin => Allowed,
            NoToken | Expired => Status(401),
            _ => Status(404),
        }),
    );
    // Support requests and tickets (the collaborator's).
    m.insert("request_support", r("/v1/support-requests".into(),
        json!({"advocate_id": w.id("unrelated_advocate"), "child_id": child, "type": "general", "message": "Hello"}), owner_only));
    m.insert("child_advocates", r(format!("/v1/children/{child}/advocates"), none.clone(), read_child));
    m.insert(
        "ask_advocate",
        r(
            format!("/v1/children/{child}/advocates/{}/support-requests", w.id("member_advocate")),
            json!({"type": "general", "message": "Hello"}),
            owner_only,
        ),
    );
    m.insert("list_tickets", r("/v1/tickets".into(), none.clone(), anyone));
    m.insert("get_ticket", r(ticket.clone(), none.clone(), ticket_parties));
    m.insert("update_ticket", r(ticket.clone(), json!({"priority": "high"}), ticket_advocate));
    m.insert("accept", r(format!("{ticket}/accept"), json!({}), ticket_advocate));
    m.insert(
        "decline",
        r(format!("{ticket}/decline"), json!({"reason": "Busy"}), |p| match p {
            Collaborator => Status(409),
            _ => ticket_advocate(p),
        }),
    );
    m.insert(
        "request_info",
        r(format!("{ticket}/request-info"), json!({"message": "Send the letter"}), ticket_advocate),
    );
    m.insert("post_message", r(format!("{ticket}/messages"), json!({"text": "Hello"}), ticket_parties));
    m.insert("list_messages", r(format!("{ticket}/messages"), none.clone(), ticket_parties));
    m.insert("get_message", r(format!("{ticket}/messages/{}", w.id("message")), none.clone(), ticket_parties));
    m.insert(
        "get_checklist_item",
        r(format!("{ticket}/checklist/{}", w.id("checklist_item")), none.clone(), ticket_parties),
    );
    m.insert(
        "get_private_note",
        r(format!("{ticket}/private-notes/{}", w.id("private_note")), none.clone(), |p| match p {
            Collaborator => Allowed,
            NoToken | Expired => Status(401),
            _ => Status(404),
        }),
    );
    m.insert("add_checklist_item", r(format!("{ticket}/checklist"), json!({"text": "Call the LA"}), ticket_parties));
    m.insert(
        "edit_checklist_item",
        r(format!("{ticket}/checklist/{}", w.id("checklist_item")), json!({"done": true}), ticket_parties),
    );
    m.insert(
        "add_private_note",
        // Anyone but the ticket's advocate is told the ticket does not exist.
        r(format!("{ticket}/private-notes"), json!({"text": "Mine"}), |p| match p {
            Collaborator => Allowed,
            NoToken | Expired => Status(401),
            _ => Status(404),
        }),
    );
    m.insert(
        "list_private_notes",
        r(format!("{ticket}/private-notes"), none.clone(), |p| match p {
            Collaborator => Allowed,
            NoToken | Expired => Status(401),
            _ => Status(404),
        }),
    );
    m.insert("link_case", r(format!("{ticket}/link-case"), json!({"case_id": w.id("case")}), ticket_parties));
    m.insert(
        "assign",
        r(format!("/v1/tickets/{}/assign", w.id("org_ticket")), json!({"advocate_id": w.id("member_advocate")}), |p| {
            match p {
                OrgAdmin => Allowed,
                Owner => Status(403),
                NoToken | Expired => Status(401),
                _ => Status(404),
            }
        }),
    );
    // Connections, grants and the audit log.
    m.insert("list_connections", r("/v1/connections".into(), none.clone(), anyone));
    m.insert("get_connection", r(conn.clone(), none.clone(), ticket_parties));
    m.insert("grant", r(format!("{conn}/grants"), json!({"children": "all", "level": "view"}), owner_only));
    m.insert("revoke", r(format!("{conn}/grants"), none.clone(), owner_only));
    m.insert("end_support", r(format!("{conn}/end"), json!({}), owner_only));
    m.insert(
        "handover",
        r(
            format!("{conn}/handover"),
            json!({"to_advocate_id": w.id("unrelated_advocate"), "summary": "Over to you", "reason": "capacity"}),
            ticket_advocate,
        ),
    );
    m.insert("audit", r("/v1/audit".into(), none, own_family));
    m
}

/// Every stored row (scope, key, version, deleted): what "changed nothing" compares.
fn rows_stored(dir: &Path) -> Vec<(String, String, i64, bool)> {
    let db = rusqlite::Connection::open(dir.join("senvault.db")).expect("open");
    let mut stmt = db.prepare("SELECT scope, key, v, del FROM records ORDER BY scope, key").expect("query");
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .expect("rows")
        .collect::<Result<_, _>>()
        .expect("rows")
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("dir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).expect("copy");
        }
    }
}

async fn call(app: &TestApp, method: &Method, row: &Row, token: Option<&str>) -> (u16, Value) {
    let body = if row.body.is_null() { None } else { Some(row.body.clone()) };
    let res = app.call(method.clone(), &row.path, token, body).await;
    (res.status.as_u16(), res.json)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_as_every_caller() {
    let base = std::env::temp_dir().join(format!("senvault-matrix-{}", uuid::Uuid::now_v7().simple()));
    let world = build(&base.join("world")).await;
    let table = rows(&world);

    // The operations, from the API's own description.
    let doc = senvault_functions::api::openapi();
    let mut operations = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("operations") {
            if let Some(id) = op.get("operationId").and_then(Value::as_str) {
                operations.push((id.to_owned(), method.to_uppercase(), path.clone()));
            }
        }
    }
    let missing: Vec<&String> =
        operations.iter().map(|(id, ..)| id).filter(|id| !table.contains_key(id.as_str())).collect();
    assert!(missing.is_empty(), "operations without rows in the access matrix: {missing:?}");
    let stale: Vec<&&str> = table.keys().filter(|k| !operations.iter().any(|(id, ..)| id == *k)).collect();
    assert!(stale.is_empty(), "rows for operations the API no longer has: {stale:?}");

    let refused_dir = base.join("refused");
    copy_dir(&world.dir, &refused_dir);
    let refused_app = TestApp::in_dir(&refused_dir);
    let mut failures = Vec::new();
    let mut cells = 0;
    let mut fresh = 0;
    for (id, method, _) in &operations {
        let row = &table[id.as_str()];
        let method: Method = method.parse().expect("method");
        for persona in ALL {
            cells += 1;
            let token = world.tokens.get(&persona).map(String::as_str);
            let want = (row.want)(persona);
            let (status, body) = match want {
                Status(code) if code >= 400 => {
                    let before = rows_stored(&refused_dir);
                    let got = call(&refused_app, &method, row, token).await;
                    if rows_stored(&refused_dir) != before {
                        failures.push(format!("{id} as {persona:?}: refused with {} but changed the store", got.0));
                    }
                    got
                }
                _ => {
                    fresh += 1;
                    let dir = base.join(format!("run-{fresh}"));
                    copy_dir(&world.dir, &dir);
                    let app = TestApp::in_dir(&dir);
                    let got = call(&app, &method, row, token).await;
                    drop(app);
                    let _ = std::fs::remove_dir_all(&dir);
                    got
                }
            };
            let ok = match want {
                Allowed => (200..300).contains(&status),
                Status(code) => status == code,
            };
            if !ok {
                failures
                    .push(format!("{id} ({method} {}) as {persona:?}: wanted {want:?}, got {status} {body}", row.path));
            }
            if status >= 400 && body.get("type").is_none() {
                failures.push(format!("{id} as {persona:?}: {status} without a problem body"));
            }
        }
    }
    drop(refused_app);
    let _ = std::fs::remove_dir_all(&base);
    println!(
        "access matrix: {} operations x {} callers = {cells} calls, {fresh} on fresh copies",
        operations.len(),
        ALL.len()
    );
    assert!(failures.is_empty(), "{} of {cells} calls answered wrongly:\n{}", failures.len(), failures.join("\n"));
    check_reference_page(&operations, &table);
}

/// `docs/access.md`'s matrix is this test's table (which has just been proven against the
/// API): `SENVAULT_UPDATE_DOCS=1` rewrites it, otherwise a difference fails.
fn check_reference_page(operations: &[(String, String, String)], table: &BTreeMap<&'static str, Row>) {
    const BEGIN: &str = "<!-- matrix:begin -->\n";
    const END: &str = "<!-- matrix:end -->";
    let mut out = String::from("| Operation | Request |");
    for p in ALL {
        out.push_str(&format!(" {p:?} |"));
    }
    out.push_str("\n|---|---|");
    out.push_str(&"---|".repeat(ALL.len()));
    out.push('\n');
    for (id, method, path) in operations {
        out.push_str(&format!("| `{id}` | `{method} {path}` |"));
        for p in ALL {
            let cell = match (table[id.as_str()].want)(p) {
                Allowed => "✔".to_owned(),
                Status(code) => code.to_string(),
            };
            out.push_str(&format!(" {cell} |"));
        }
        out.push('\n');
    }
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/access.md");
    let page = std::fs::read_to_string(&path).expect("docs/access.md");
    let (Some(b), Some(e)) = (page.find(BEGIN), page.find(END)) else { panic!("markers missing in {path:?}") };
    let want = format!("{}{BEGIN}{out}{}", &page[..b], &page[e..]);
    if std::env::var_os("SENVAULT_UPDATE_DOCS").is_some() {
        std::fs::write(&path, &want).expect("write docs/access.md");
    } else {
        assert!(page == want, "docs/access.md is out of date: run the access matrix with SENVAULT_UPDATE_DOCS=1");
    }
}

/// Every UUID in `text` replaced by a fresh one (the same UUID by the same fresh one).
fn with_fresh_ids(text: &str, fresh: &mut BTreeMap<String, String>) -> String {
    let bytes = text.as_bytes();
    let shape = |s: &[u8]| {
        s.len() == 36
            && s.iter()
                .enumerate()
                .all(|(i, b)| if [8, 13, 18, 23].contains(&i) { *b == b'-' } else { b.is_ascii_hexdigit() })
    };
    let (mut out, mut i) = (String::new(), 0);
    while i < bytes.len() {
        if i + 36 <= bytes.len() && shape(&bytes[i..i + 36]) {
            let id = &text[i..i + 36];
            out.push_str(fresh.entry(id.to_owned()).or_insert_with(|| uuid::Uuid::now_v7().to_string()));
            i += 36;
        } else {
            let c = text[i..].chars().next().expect("a char");
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

/// Status and raw bytes of an answer.
async fn raw_call(app: &TestApp, method: &Method, path: &str, token: Option<&str>, body: &Value) -> (u16, Vec<u8>) {
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let mut req = Request::builder().method(method.clone()).uri(path);
    if let Some(t) = token {
        req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    let body = if body.is_null() {
        Body::empty()
    } else {
        req = req.header(header::CONTENT_TYPE, "application/json");
        Body::from(body.to_string())
    };
    let res = app.router.clone().oneshot(req.body(body).expect("request")).await.expect("answer");
    let status = res.status().as_u16();
    (status, res.into_body().collect().await.expect("body").to_bytes().to_vec())
}

/// Existence never leaks: for every operation, a caller who may not see the records it names —
/// another family, an advocate without a grant, an organisation's admin — gets the same status
/// and the same bytes for the family's real ids as for ids that do not exist, in the path and
/// in the body alike.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn existence_never_leaks() {
    let base = std::env::temp_dir().join(format!("senvault-leaks-{}", uuid::Uuid::now_v7().simple()));
    let world = build(&base.join("world")).await;
    let table = rows(&world);
    let app = TestApp::in_dir(&world.dir);
    let doc = senvault_functions::api::openapi();
    let mut compared = 0;
    let mut leaks = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("operations") {
            let Some(id) = op.get("operationId").and_then(Value::as_str) else { continue };
            let row = &table[id];
            let method: Method = method.to_uppercase().parse().expect("method");
            for persona in [OtherFamily, Unrelated, OrgAdmin, NoGrant] {
                if !matches!((row.want)(persona), Status(403 | 404)) {
                    continue;
                }
                let token = world.tokens.get(&persona).map(String::as_str);
                let mut fresh = BTreeMap::new();
                let (fresh_path, fresh_body) = (
                    with_fresh_ids(&row.path, &mut fresh),
                    serde_json::from_str(&with_fresh_ids(&row.body.to_string(), &mut fresh)).expect("json"),
                );
                if fresh.is_empty() {
                    continue;
                }
                let real = raw_call(&app, &method, &row.path, token, &row.body).await;
                let unknown = raw_call(&app, &method, &fresh_path, token, &fresh_body).await;
                compared += 1;
                if real != unknown {
                    leaks.push(format!(
                        "{id} ({method} {path}) as {persona:?}: real ids answer {} {}, unknown ids {} {}",
                        real.0,
                        String::from_utf8_lossy(&real.1),
                        unknown.0,
                        String::from_utf8_lossy(&unknown.1)
                    ));
                }
            }
        }
    }
    drop(app);
    let _ = std::fs::remove_dir_all(&base);
    println!("existence: {compared} refused calls compared byte for byte with unknown ids");
    assert!(compared > 100, "only {compared} comparisons");
    assert!(leaks.is_empty(), "{} answers tell real ids from unknown ones:\n{}", leaks.len(), leaks.join("\n"));
}
