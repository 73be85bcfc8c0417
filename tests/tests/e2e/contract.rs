//! The API contract as a client generator reads it: the OpenAPI document is exact (wire enum
//! ids, every refusal documented as a problem, request constraints, links, no dangling
//! references), and what the server sends matches it — headers included.

use axum::body::Body;
use axum::http::{Method, Request, header};
use senvault_functions::api::contract::unresolved_refs;
use senvault_tests::TestApp;
use serde_json::{Value, json};

fn doc() -> Value {
    senvault_functions::api::openapi()
}

fn operations(doc: &Value) -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            out.push((method.clone(), path.clone(), op.clone()));
        }
    }
    out
}

#[test]
fn enums_list_the_wire_ids() {
    let d = doc();
    let schemas = &d["components"]["schemas"];
    assert_eq!(schemas["ActionPriority"]["enum"], json!(["routine", "important", "urgent"]));
    assert_eq!(
        schemas["Party"]["enum"],
        json!(["family", "la", "school", "professional", "advocate", "health", "social_care", "other"])
    );
    assert_eq!(schemas["Channel"]["enum"].as_array().map(Vec::len), Some(6));
    assert_eq!(schemas["ActorRole"]["enum"].as_array().unwrap()[0], "family");
    assert!(schemas["TimescaleId"]["enum"].as_array().unwrap().contains(&json!("assessment_decision")));
    assert_eq!(schemas["ActionFilter"]["enum"], json!(["open", "overdue", "done"]));
    // No enum anywhere carries a Rust variant name.
    let text = d.to_string();
    for rust_name in ["\"Important\"", "\"InAssessment\"", "\"OrgAdmin\"", "\"AssessmentDecision\""] {
        assert!(!text.contains(rust_name), "{rust_name} in the document");
    }
}

/// Each declared link sits on an answer its operation gives, and names an operation that exists:
/// the stateful phase of a contract test (and a generated client) follows only what is placed.
#[test]
fn every_link_is_placed() {
    let d = doc();
    let ops = operations(&d);
    for (from, status, name) in senvault_functions::api::contract::declared_links() {
        let op = ops.iter().find(|(_, _, op)| op["operationId"] == from);
        let Some((_, _, op)) = op else { panic!("link {name}: no operation {from}") };
        let link = &op["responses"][status]["links"][name];
        assert!(link.is_object(), "link {name} from {from} {status} is not placed");
        let target = link["operationId"].as_str().unwrap();
        assert!(ops.iter().any(|(_, _, o)| o["operationId"] == target), "link {name}: no operation {target}");
    }
}

/// What client generators need of unions: every union whose variants are tagged names them by
/// reference with a `discriminator` mapping every tag value; no union is merged into another
/// schema with `allOf` (generators drop it or require every variant's fields at once).
#[test]
fn unions_are_tagged_and_never_composed() {
    let d = doc();
    let schemas = d["components"]["schemas"].as_object().unwrap();
    let resolve = |v: &Value| -> Value {
        match v["$ref"].as_str().and_then(|r| r.strip_prefix("#/components/schemas/")) {
            Some(name) => schemas[name].clone(),
            None => v.clone(),
        }
    };
    let mut tagged = 0;
    for (name, schema) in schemas {
        if let Some(parts) = schema["allOf"].as_array() {
            for part in parts {
                assert!(resolve(part).get("oneOf").is_none(), "{name}: allOf over a union");
            }
        }
        let Some(branches) = schema["oneOf"].as_array() else { continue };
        let Some(discriminator) = schema.get("discriminator") else {
            // An untagged union: no property fixes one value in every branch.
            let resolved: Vec<Value> = branches.iter().map(resolve).collect();
            let first = resolved[0]["properties"].as_object().cloned().unwrap_or_default();
            let tag = first.keys().find(|p| {
                resolved.iter().all(|b| b["properties"][p.as_str()]["enum"].as_array().is_some_and(|e| e.len() == 1))
            });
            assert!(tag.is_none(), "{name} is tagged by {tag:?} but has no discriminator");
            continue;
        };
        tagged += 1;
        let tag = discriminator["propertyName"].as_str().unwrap();
        let mapping = discriminator["mapping"].as_object().unwrap();
        assert_eq!(mapping.len(), branches.len(), "{name}: one mapping per variant");
        for branch in branches {
            let reference = branch["$ref"].as_str().unwrap_or_else(|| panic!("{name}: an inline variant"));
            let variant = resolve(branch);
            let value = variant["properties"][tag]["enum"][0].as_str().unwrap();
            assert_eq!(mapping[value], reference, "{name}: {value}");
            assert!(variant["required"].as_array().unwrap().contains(&json!(tag)), "{name}: {value} requires {tag}");
        }
    }
    assert!(tagged >= 6, "Timeliness, TicketChange, Outcome, PullState, MutationOutcome, ScopePull: {tagged}");
    // A page of a list names its item schema rather than copying it.
    for (name, schema) in schemas.iter().filter(|(n, _)| n.starts_with("ListOf_")) {
        let item = name.trim_start_matches("ListOf_");
        assert_eq!(schema["properties"]["items"]["items"]["$ref"], format!("#/components/schemas/{item}"), "{name}");
    }
    // NotificationView: each kind of notification complete, with whether it was read.
    for variant in ["NotificationViewAlert", "NotificationViewNotice"] {
        assert!(schemas[variant]["required"].as_array().unwrap().contains(&json!("read")), "{variant}");
    }
}

#[test]
fn every_reference_resolves() {
    assert_eq!(unresolved_refs(&doc()), Vec::<String>::new());
}

#[test]
fn every_refusal_is_documented_as_a_problem() {
    let d = doc();
    for (method, path, op) in operations(&d) {
        let responses = op["responses"].as_object().unwrap();
        // An operation that needs no sign-in says so (`security: [{}]`): liveness, the API
        // document, a bundle opened by its share link.
        let open = op.get("security").is_some_and(|s| s == &json!([{}]));
        let secured = !open;
        assert_eq!(
            open,
            matches!(path.as_str(), "/health" | "/v1/openapi.json" | "/v1/shared/{token}"),
            "{method} {path}: who needs no sign-in"
        );
        if secured {
            assert!(responses.contains_key("401"), "{method} {path} lacks 401");
        }
        if op.get("requestBody").is_some() {
            for s in ["400", "413", "415", "422"] {
                assert!(responses.contains_key(s), "{method} {path} lacks {s}");
            }
        }
        if path.contains('{') {
            assert!(responses.contains_key("404"), "{method} {path} lacks 404");
        }
        if method != "get" {
            for s in ["403", "409", "503"] {
                assert!(responses.contains_key(s), "{method} {path} lacks {s}");
            }
        }
        for (status, response) in responses {
            if status.starts_with('4') || status.starts_with('5') {
                let schema = &response["content"]["application/problem+json"]["schema"]["$ref"];
                assert_eq!(schema, "#/components/schemas/Problem", "{method} {path} {status}");
            }
        }
    }
}

#[test]
fn request_constraints_are_in_the_schema() {
    let d = doc();
    let list = &d["paths"]["/v1/actions"]["get"]["parameters"];
    let limit = list.as_array().unwrap().iter().find(|p| p["name"] == "limit").unwrap();
    assert_eq!((limit["schema"]["minimum"].as_u64(), limit["schema"]["maximum"].as_u64()), (Some(1), Some(200)));
    let schemas = &d["components"]["schemas"];
    let note = &schemas["NoteIn"]["properties"]["text"];
    assert_eq!((note["maxLength"].as_u64(), note["pattern"].as_str()), (Some(20_000), Some("\\S")));
    assert_eq!(schemas["NoteIn"]["additionalProperties"], false);
    let date = &schemas["KeyDateIn"]["properties"]["date"];
    assert_eq!(date["format"], "date");
    assert!(date["pattern"].as_str().unwrap().starts_with("^(?:20"), "{date}");
    let case_id = d["paths"]["/v1/cases/{id}"]["get"]["parameters"][0]["schema"].clone();
    assert_eq!(case_id["format"], "uuid");
    // The domain's limits and the schema agree.
    use senvault_domain::error::limits;
    assert_eq!(
        schemas["NewAction"]["properties"]["description"]["maxLength"].as_u64(),
        Some(limits::DESCRIPTION as u64)
    );
    assert_eq!(schemas["NewCase"]["properties"]["summary"]["maxLength"].as_u64(), Some(limits::SUMMARY as u64));
    assert_eq!(schemas["NewFlag"]["properties"]["excerpt"]["maxLength"].as_u64(), Some(limits::QUOTE as u64));
    assert_eq!(schemas["NewChild"]["properties"]["name"]["maxLength"].as_u64(), Some(limits::NAME as u64));
    // Each area an advocate or organisation serves is a name, as the rules check it.
    for schema in ["ProfileInput", "OrganisationInput"] {
        let areas = &schemas[schema]["properties"]["areas"];
        assert_eq!(areas["maxItems"].as_u64(), Some(limits::AREAS as u64), "{schema}");
        assert_eq!(areas["items"]["maxLength"].as_u64(), Some(limits::NAME as u64), "{schema}");
        assert_eq!(areas["items"]["pattern"], r"\S", "{schema}");
    }
    // A support request names exactly one of an advocate and an organisation, and says so.
    // Each branch is complete (a generator keeps every shared property) and names its own.
    let branches = schemas["SupportRequestIn"]["oneOf"].as_array().expect("oneOf");
    for (branch, own, other) in
        [(&branches[0], "advocate_id", "organisation_id"), (&branches[1], "organisation_id", "advocate_id")]
    {
        let required = branch["required"].as_array().unwrap();
        for field in ["child_id", "type", "message", own] {
            assert!(required.contains(&json!(field)), "{own} branch requires {field}");
        }
        assert!(branch["properties"].get(other).is_none(), "{own} branch has no {other}");
        assert_eq!(branch["additionalProperties"], false);
    }
}

#[test]
fn creations_link_to_what_they_make_usable() {
    let d = doc();
    let links = &d["paths"]["/v1/cases"]["post"]["responses"]["201"]["links"];
    assert_eq!(links["GetCase"]["operationId"], "get_case");
    assert_eq!(links["GetCase"]["parameters"]["id"], "$response.body#/id");
    let ids: Vec<String> =
        operations(&d).iter().filter_map(|(_, _, op)| op["operationId"].as_str().map(str::to_owned)).collect();
    for (_, _, op) in operations(&d) {
        for response in op["responses"].as_object().unwrap().values() {
            for link in response["links"].as_object().into_iter().flat_map(|l| l.values()) {
                let target = link["operationId"].as_str().unwrap();
                assert!(ids.iter().any(|i| i == target), "link to unknown operation {target}");
            }
        }
    }
}

#[test]
fn every_route_is_in_the_document() {
    let d = doc();
    let paths = d["paths"].as_object().unwrap();
    for p in ["/v1/openapi.json", "/health", "/v1/cases/{id}/key-dates/{kid}", "/v1/cases/{id}/actions/{aid}/exception"]
    {
        assert!(paths.contains_key(p), "{p}");
    }
}

async fn raw(app: &TestApp, req: Request<Body>) -> axum::http::Response<Body> {
    use tower::ServiceExt;
    app.router.clone().oneshot(req).await.unwrap()
}

#[tokio::test]
async fn answers_are_never_cached_or_sniffed_and_the_printable_page_runs_nothing() {
    let app = TestApp::sqlite();
    let fam = app.family_with_case("mum", "in_assessment").await;
    let get = |path: &str, accept: &str| {
        Request::builder()
            .method(Method::GET)
            .uri(path)
            .header(header::AUTHORIZATION, format!("Bearer {}", fam.token))
            .header(header::ACCEPT, accept)
            .body(Body::empty())
            .unwrap()
    };
    for req in [
        get(&format!("/v1/cases/{}", fam.case), "application/json"),
        get("/v1/cases/not-a-uuid", "application/json"),
        get("/v1/nothing-here", "application/json"),
    ] {
        let res = raw(&app, req).await;
        assert_eq!(res.headers()[header::CACHE_CONTROL], "no-store");
        assert_eq!(res.headers()[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    }
    let page = raw(&app, get(&format!("/v1/cases/{}/chronology", fam.case), "text/html")).await;
    assert!(page.headers()[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/html"));
    let csp = page.headers()[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    assert!(csp.contains("default-src 'none'") && !csp.contains("script-src"), "{csp}");
    assert_eq!(page.headers()[header::REFERRER_POLICY], "no-referrer");
    assert_eq!(page.headers()[header::CACHE_CONTROL], "no-store");
}

#[tokio::test]
async fn dates_are_strictly_year_month_day() {
    let app = TestApp::sqlite();
    let fam = app.family_with_case("mum", "in_assessment").await;
    let path = format!("/v1/cases/{}/key-dates", fam.case);
    for bad in ["2026-2-3", "2026-02-3", "26-02-03", "2026-02-30", "1999-01-01"] {
        let p = app.post(&path, &fam.token, json!({"kind": "request_received", "date": bad})).await.problem(422);
        assert!(p.to_string().contains("date"), "{bad}: {p}");
    }
    app.post(&path, &fam.token, json!({"kind": "request_received", "date": "2026-02-03"})).await.expect(200);
    let child = json!({"name": "Ada", "date_of_birth": "2016-4-2", "local_authority": "Leeds"});
    app.post("/v1/children", &fam.token, child).await.problem(422);
}
