//! The OpenAPI document as a client sees the contract. The handlers' annotations give each
//! operation's own answers; the refusals every operation shares are added here by rule, so
//! no route can leave one out:
//!
//! - every operation behind a token can answer 401;
//! - one with a JSON body: 400 (malformed), 413 (over 1 MiB), 415 (not JSON), 422 (invalid);
//! - one with path ids: 400 (not a UUID) and 404 (unknown, or someone else's);
//! - one with query parameters: 400 (unreadable) and 422 (out of range);
//! - every change: 403 (a member without the right), 404, 409 (an id in use, or a conflict
//!   with the record's state), 422 and 503 (too busy to commit now);
//!
//! and every 4xx/5xx is `application/problem+json` with the `Problem` schema. The document also
//! declares links from the operations that create records to those that use them (for a
//! client generator, and for stateful testing), and describes itself.

use serde_json::{Map, Value, json};

const PROBLEM: &str = "application/problem+json";

/// The shared refusals, by status.
fn describe(status: &str) -> &'static str {
    match status {
        "400" => "Malformed JSON, an unreadable query or a path id that is not a UUID",
        "401" => "Missing, expired or invalid bearer token",
        "403" => "The caller is a member but a rule forbids this (the body names the rule)",
        "404" => "Unknown — or another family's — record (existence is never revealed)",
        "409" => "The id is already in use, or the change conflicts with the record's state",
        "413" => "The body is over 1 MiB",
        "415" => "The body is not application/json",
        "422" => "Invalid fields (each one named in `errors`)",
        "503" => "The records changed too often while the change was made; try again",
        _ => "Refused",
    }
}

fn problem_response(description: &str) -> Value {
    json!({
        "description": description,
        "content": { PROBLEM: { "schema": { "$ref": "#/components/schemas/Problem" } } }
    })
}

/// A link from an operation's success answer to an operation it makes usable:
/// (operation, status, link name, target operation, parameters as (name, runtime expression)).
/// Links set path and query parameters only: a link's `requestBody` may hold an object by the
/// OpenAPI specification, but client generators' validators (swagger-parser) refuse one, and
/// the document must load in them.
type Link = (&'static str, &'static str, &'static str, &'static str, &'static [(&'static str, &'static str)]);

/// Links from operations' success answers to the operations they make usable.
const LINKS: &[Link] = &[
    ("add_child", "201", "GetChild", "get_child", &[("id", "$response.body#/id")]),
    ("add_child", "201", "EditChild", "edit_child", &[("id", "$response.body#/id")]),
    ("add_child", "201", "ListCases", "list_cases", &[("child_id", "$response.body#/id")]),
    ("add_child", "201", "ListDocuments", "list_documents", &[("child_id", "$response.body#/id")]),
    ("add_child", "201", "CreateChildCase", "create_child_case", &[("id", "$response.body#/id")]),
    ("add_child", "201", "CreateChildDocument", "create_child_document", &[("id", "$response.body#/id")]),
    ("add_child", "201", "ChildAdvocates", "child_advocates", &[("id", "$response.body#/id")]),
    ("add_child", "201", "AddEntry", "add_entry", &[("id", "$response.body#/id")]),
    ("add_child", "201", "ListEntries", "list_entries", &[("id", "$response.body#/id")]),
    ("add_child", "201", "CreateBundle", "create_bundle", &[("id", "$response.body#/id")]),
    ("add_child", "201", "ListBundles", "list_bundles", &[("id", "$response.body#/id")]),
    ("create_bundle", "201", "GetBundle", "get_bundle", &[("id", "$request.path.id"), ("bid", "$response.body#/id")]),
    ("create_bundle", "201", "EditBundle", "edit_bundle", &[("id", "$request.path.id"), ("bid", "$response.body#/id")]),
    ("create_bundle", "201", "SetItems", "set_items", &[("id", "$request.path.id"), ("bid", "$response.body#/id")]),
    (
        "create_bundle",
        "201",
        "RequestBuild",
        "request_build",
        &[("id", "$request.path.id"), ("bid", "$response.body#/id")],
    ),
    ("create_bundle", "201", "ListBuilds", "list_builds", &[("id", "$request.path.id"), ("bid", "$response.body#/id")]),
    (
        "create_bundle",
        "201",
        "DeleteBundle",
        "delete_bundle",
        &[("id", "$request.path.id"), ("bid", "$response.body#/id")],
    ),
    ("create_bundle", "201", "CreateLink", "create_link", &[("id", "$request.path.id"), ("bid", "$response.body#/id")]),
    ("create_bundle", "201", "ListLinks", "list_links", &[("id", "$request.path.id"), ("bid", "$response.body#/id")]),
    (
        "create_link",
        "201",
        "RevokeLink",
        "revoke_link",
        &[("id", "$request.path.id"), ("bid", "$request.path.bid"), ("lid", "$response.body#/id")],
    ),
    ("create_link", "201", "OpenShared", "open_shared", &[("token", "$response.body#/token")]),
    ("request_export", "202", "GetExport", "get_export", &[("id", "$response.body#/id")]),
    (
        "request_build",
        "202",
        "GetBuild",
        "get_build",
        &[("id", "$request.path.id"), ("bid", "$request.path.bid"), ("build_id", "$response.body#/id")],
    ),
    ("create_case", "201", "AddCaseEntry", "add_entry", &[("id", "$response.body#/child_id")]),
    ("add_entry", "201", "GetEntry", "get_entry", &[("id", "$request.path.id"), ("eid", "$response.body#/id")]),
    ("add_entry", "201", "EditEntry", "edit_entry", &[("id", "$request.path.id"), ("eid", "$response.body#/id")]),
    ("add_entry", "201", "DeleteEntry", "delete_entry", &[("id", "$request.path.id"), ("eid", "$response.body#/id")]),
    (
        "add_entry",
        "201",
        "RecordKept",
        "record_kept",
        &[("id", "$request.path.id"), ("eid", "$response.body#/id"), ("cid", "$response.body#/commitments/0/id")],
    ),
    ("list_children", "200", "GetChild", "get_child", &[("id", "$response.body#/items/0/id")]),
    ("list_children", "200", "CreateChildCase", "create_child_case", &[("id", "$response.body#/items/0/id")]),
    ("list_children", "200", "CreateChildDocument", "create_child_document", &[("id", "$response.body#/items/0/id")]),
    ("list_children", "200", "ChildAdvocates", "child_advocates", &[("id", "$response.body#/items/0/id")]),
    (
        "child_advocates",
        "200",
        "AskAdvocate",
        "ask_advocate",
        &[("id", "$request.path.id"), ("advocate_id", "$response.body#/items/0/id")],
    ),
    ("child_advocates", "200", "GetAdvocate", "get_advocate", &[("id", "$response.body#/items/0/id")]),
    ("create_case", "201", "GetCase", "get_case", &[("id", "$response.body#/id")]),
    ("create_case", "201", "EditCase", "edit_case", &[("id", "$response.body#/id")]),
    ("create_case", "201", "ChangeStatus", "change_status", &[("id", "$response.body#/id")]),
    ("create_case", "201", "CloseCase", "close_case", &[("id", "$response.body#/id")]),
    ("create_case", "201", "RecordKeyDate", "record_key_date", &[("id", "$response.body#/id")]),
    ("create_case", "201", "AddNote", "add_note", &[("id", "$response.body#/id")]),
    ("create_case", "201", "AddAction", "add_action", &[("id", "$response.body#/id")]),
    ("create_case", "201", "Chronology", "chronology", &[("id", "$response.body#/id")]),
    ("create_case", "201", "AddFlag", "add_flag", &[("id", "$response.body#/id")]),
    ("create_case", "201", "ListFlags", "list_flags", &[("id", "$response.body#/id")]),
    ("create_case", "201", "AddAnnotation", "add_annotation", &[("id", "$response.body#/id")]),
    ("create_case", "201", "ListAnnotations", "list_annotations", &[("id", "$response.body#/id")]),
    ("create_case", "201", "CompareReports", "compare_reports", &[("id", "$response.body#/id")]),
    (
        "record_key_date",
        "200",
        "DeleteKeyDate",
        "delete_key_date",
        &[("id", "$request.path.id"), ("kid", "$response.body#/key_dates/0/id")],
    ),
    ("add_action", "201", "EditAction", "edit_action", &[("id", "$request.path.id"), ("aid", "$response.body#/id")]),
    (
        "add_action",
        "201",
        "CompleteAction",
        "complete_action",
        &[("id", "$request.path.id"), ("aid", "$response.body#/id")],
    ),
    (
        "add_action",
        "201",
        "ReopenAction",
        "reopen_action",
        &[("id", "$request.path.id"), ("aid", "$response.body#/id")],
    ),
    (
        "add_action",
        "201",
        "RecordException",
        "record_exception",
        &[("id", "$request.path.id"), ("aid", "$response.body#/id")],
    ),
    ("add_flag", "201", "GetFlag", "get_flag", &[("id", "$request.path.id"), ("fid", "$response.body#/id")]),
    ("add_note", "201", "GetNote", "get_note", &[("id", "$request.path.id"), ("nid", "$response.body#/id")]),
    (
        "add_annotation",
        "201",
        "GetAnnotation",
        "get_annotation",
        &[("id", "$request.path.id"), ("aid", "$response.body#/id")],
    ),
    ("add_flag", "201", "ConfirmFlag", "confirm_flag", &[("id", "$request.path.id"), ("fid", "$response.body#/id")]),
    ("add_flag", "201", "DismissFlag", "dismiss_flag", &[("id", "$request.path.id"), ("fid", "$response.body#/id")]),
    ("add_flag", "201", "ReopenFlag", "reopen_flag", &[("id", "$request.path.id"), ("fid", "$response.body#/id")]),
    ("add_flag", "201", "EditFlag", "edit_flag", &[("id", "$request.path.id"), ("fid", "$response.body#/id")]),
    ("create_document", "201", "GetDocument", "get_document", &[("id", "$response.body#/id")]),
    ("create_document", "201", "ConfirmUpload", "confirm_upload", &[("id", "$response.body#/id")]),
    ("create_document", "201", "Analyse", "analyse", &[("id", "$response.body#/id")]),
    ("create_document", "201", "DeleteDocument", "delete_document", &[("id", "$response.body#/id")]),
    ("create_document", "201", "EditDocument", "edit_document", &[("id", "$response.body#/id")]),
    ("list_notifications", "200", "MarkRead", "mark_read", &[("id", "$response.body#/items/0/id")]),
    ("put_my_profile", "201", "GetAdvocate", "get_advocate", &[("id", "$response.body#/id")]),
    ("directory", "200", "GetAdvocate", "get_advocate", &[("id", "$response.body#/items/0/id")]),
    ("request_support", "201", "GetTicket", "get_ticket", &[("id", "$response.body#/id")]),
    ("request_support", "201", "UpdateTicket", "update_ticket", &[("id", "$response.body#/id")]),
    ("request_support", "201", "Accept", "accept", &[("id", "$response.body#/id")]),
    ("request_support", "201", "Decline", "decline", &[("id", "$response.body#/id")]),
    ("request_support", "201", "RequestInfo", "request_info", &[("id", "$response.body#/id")]),
    ("request_support", "201", "PostMessage", "post_message", &[("id", "$response.body#/id")]),
    ("request_support", "201", "ListMessages", "list_messages", &[("id", "$response.body#/id")]),
    ("request_support", "201", "AddChecklistItem", "add_checklist_item", &[("id", "$response.body#/id")]),
    ("request_support", "201", "AddPrivateNote", "add_private_note", &[("id", "$response.body#/id")]),
    ("request_support", "201", "ListPrivateNotes", "list_private_notes", &[("id", "$response.body#/id")]),
    ("request_support", "201", "LinkCase", "link_case", &[("id", "$response.body#/id")]),
    ("list_tickets", "200", "GetTicket", "get_ticket", &[("id", "$response.body#/items/0/id")]),
    ("request_support", "201", "GetConnection", "get_connection", &[("id", "$response.body#/connection_id")]),
    ("request_support", "201", "Grant", "grant", &[("id", "$response.body#/connection_id")]),
    ("request_support", "201", "Revoke", "revoke", &[("id", "$response.body#/connection_id")]),
    ("request_support", "201", "EndSupport", "end_support", &[("id", "$response.body#/connection_id")]),
    ("request_support", "201", "Handover", "handover", &[("id", "$response.body#/connection_id")]),
    ("request_support", "201", "Assign", "assign", &[("id", "$response.body#/id")]),
    ("list_connections", "200", "GetConnection", "get_connection", &[("id", "$response.body#/items/0/id")]),
    ("put_my_profile", "201", "ListReviews", "list_reviews", &[("id", "$response.body#/id")]),
    ("directory", "200", "ListReviews", "list_reviews", &[("id", "$response.body#/items/0/id")]),
    ("list_organisations", "200", "GetOrganisation", "get_organisation", &[("id", "$response.body#/items/0/id")]),
    (
        "list_messages",
        "200",
        "GetMessage",
        "get_message",
        &[("id", "$request.path.id"), ("mid", "$response.body#/items/0/id")],
    ),
    ("put_organisation", "201", "GetOrganisation", "get_organisation", &[("id", "$request.path.id")]),
    ("put_organisation", "201", "ListMembers", "list_members", &[("id", "$request.path.id")]),
    (
        "add_checklist_item",
        "201",
        "GetChecklistItem",
        "get_checklist_item",
        &[("id", "$request.path.id"), ("item", "$response.body#/id")],
    ),
    ("post_message", "201", "GetMessage", "get_message", &[("id", "$request.path.id"), ("mid", "$response.body#/id")]),
    (
        "add_private_note",
        "201",
        "GetPrivateNote",
        "get_private_note",
        &[("id", "$request.path.id"), ("nid", "$response.body#/id")],
    ),
    (
        "add_checklist_item",
        "201",
        "EditChecklistItem",
        "edit_checklist_item",
        &[("id", "$request.path.id"), ("item", "$response.body#/id")],
    ),
];

/// Operations that answer exactly what another does (the same record, created under a path
/// that names its parent): `(operation, the one whose links it shares)`.
const SAME_ANSWER: &[(&str, &str)] = &[
    ("create_child_case", "create_case"),
    ("create_child_document", "create_document"),
    ("ask_advocate", "request_support"),
];

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

/// Applies the shared refusals, links and self-description to a generated document.
pub fn complete(doc: utoipa::openapi::OpenApi) -> Value {
    let mut doc = serde_json::to_value(doc).unwrap_or_default();
    let operation_ids: Vec<String> =
        operations(&doc).map(|(_, _, op)| op["operationId"].as_str().unwrap_or("").to_owned()).collect();
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for (path, item) in paths.iter_mut() {
            let Some(item) = item.as_object_mut() else { continue };
            for method in METHODS {
                let Some(op) = item.get_mut(method).and_then(Value::as_object_mut) else { continue };
                add_refusals(path, method, op);
                add_links(op, &operation_ids);
            }
        }
        paths.insert("/v1/openapi.json".into(), self_description());
    }
    add_exactly_one(&mut doc);
    mark_optional_bodies(&mut doc);
    if let Some(schemas) = doc.pointer_mut("/components/schemas").and_then(Value::as_object_mut) {
        tag_unions(schemas);
        spread_compositions(schemas);
        refer_list_items(schemas);
    }
    doc
}

/// A page of a list (`ListOf_Case`) names its item schema (`Case`) instead of holding a copy
/// of it, so a generated client has one `Case` class rather than a `ListOfCaseItemsInner` too.
fn refer_list_items(schemas: &mut Map<String, Value>) {
    let pages: Vec<(String, String)> = schemas
        .keys()
        .filter_map(|name| Some((name.clone(), name.strip_prefix("ListOf_")?.to_owned())))
        .filter(|(_, item)| schemas.contains_key(item))
        .collect();
    for (page, item) in pages {
        if let Some(items) = schemas.get_mut(&page).and_then(|p| p.pointer_mut("/properties/items/items")) {
            *items = json!({ "$ref": format!("#/components/schemas/{item}") });
        }
    }
}

/// The property every branch of a union fixes to one string (serde's internal tag), if any.
fn tag_of<'a>(branches: impl Iterator<Item = &'a Value> + Clone) -> Option<String> {
    let first = branches.clone().next()?;
    let candidates = first["properties"].as_object()?.keys().cloned().collect::<Vec<_>>();
    candidates.into_iter().find(|p| {
        branches
            .clone()
            .all(|b| b["properties"][p.as_str()]["enum"].as_array().is_some_and(|e| e.len() == 1 && e[0].is_string()))
    })
}

fn pascal(value: &str) -> String {
    value
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w[..1].to_ascii_uppercase() + &w[1..])
        .collect()
}

/// Tagged unions as client generators read them: each variant of a union whose branches all fix
/// one property to a string (`outcome`, `field`, `state`…) becomes a schema of its own
/// (`Timeliness` → `TimelinessMet`, `TimelinessLate`…), and the union names them with a
/// `discriminator` mapping each tag value to its variant, and closed (`additionalProperties:
/// false`): serde writes exactly a variant's fields, and the unions a client sends (which
/// children a grant covers) refuse any other. The wire is unchanged.
fn tag_unions(schemas: &mut Map<String, Value>) {
    let names: Vec<String> = schemas.keys().cloned().collect();
    for name in names {
        let Some(branches) = schemas[&name]["oneOf"].as_array().cloned() else { continue };
        let inline = branches.iter().all(|b| b["type"] == "object" && b.get("$ref").is_none());
        let Some(tag) = tag_of(branches.iter()).filter(|_| inline) else { continue };
        let mut refs = Vec::new();
        let mut mapping = Map::new();
        for mut branch in branches {
            let value = branch["properties"][&tag]["enum"][0].as_str().unwrap_or_default().to_owned();
            let variant = format!("{name}{}", pascal(&value));
            if let Some(required) = branch.get_mut("required").and_then(Value::as_array_mut) {
                if !required.iter().any(|r| r == &json!(tag)) {
                    required.push(json!(tag));
                }
            } else if let Some(b) = branch.as_object_mut() {
                b.insert("required".into(), json!([tag]));
            }
            if let Some(b) = branch.as_object_mut().filter(|b| b.contains_key("properties")) {
                b.insert("additionalProperties".into(), json!(false));
            }
            let reference = format!("#/components/schemas/{variant}");
            schemas.insert(variant, branch);
            mapping.insert(value, json!(reference));
            refs.push(json!({ "$ref": reference }));
        }
        if let Some(union) = schemas.get_mut(&name).and_then(Value::as_object_mut) {
            union.insert("oneOf".into(), Value::Array(refs));
            union.insert("discriminator".into(), json!({ "propertyName": tag, "mapping": mapping }));
        }
    }
}

/// No `allOf` over a union: a schema that is a union plus fields of its own (serde's `flatten`
/// of an enum, e.g. `NotificationView` = a `Notification` and whether it was read) becomes a
/// union of complete variants, each the variant's fields and the shared ones, with the
/// union's discriminator carried over. Generators that merge `allOf` into one class otherwise
/// drop the union or require every variant's fields at once.
fn spread_compositions(schemas: &mut Map<String, Value>) {
    let names: Vec<String> = schemas.keys().cloned().collect();
    for name in names {
        let Some(parts) = schemas[&name]["allOf"].as_array().cloned() else { continue };
        let union_name = parts.iter().find_map(|p| p["$ref"].as_str()?.strip_prefix("#/components/schemas/"));
        let Some(union_name) = union_name.map(str::to_owned) else { continue };
        let Some(variants) = schemas[&union_name]["oneOf"].as_array().cloned() else { continue };
        let own: Vec<&Value> = parts.iter().filter(|p| p.get("$ref").is_none()).collect();
        let discriminator = schemas[&union_name].get("discriminator").cloned();
        let mut refs = Vec::new();
        let mut mapping = Map::new();
        for variant in &variants {
            let Some(variant_name) = variant["$ref"].as_str().and_then(|r| r.strip_prefix("#/components/schemas/"))
            else {
                continue;
            };
            let mut merged = schemas[variant_name].clone();
            for part in &own {
                if let (Some(into), Some(from)) =
                    (merged.get_mut("properties").and_then(Value::as_object_mut), part["properties"].as_object())
                {
                    into.extend(from.clone());
                }
                if let Some(from) = part["required"].as_array() {
                    let required = merged.as_object_mut().map(|m| m.entry("required").or_insert_with(|| json!([])));
                    if let Some(required) = required.and_then(Value::as_array_mut) {
                        required.extend(from.iter().cloned());
                    }
                }
            }
            let suffix =
                variant_name.strip_prefix(union_name.as_str()).filter(|s| !s.is_empty()).unwrap_or(variant_name);
            let spread = format!("{name}{suffix}");
            let reference = format!("#/components/schemas/{spread}");
            if let Some(tag_values) = discriminator.as_ref().and_then(|d| d["mapping"].as_object()) {
                for (value, target) in tag_values {
                    if target == &variant["$ref"] {
                        mapping.insert(value.clone(), json!(reference));
                    }
                }
            }
            schemas.insert(spread, merged);
            refs.push(json!({ "$ref": reference }));
        }
        let mut union = Map::new();
        if let Some(d) = schemas[&name].get("description").cloned() {
            union.insert("description".into(), d);
        }
        union.insert("oneOf".into(), Value::Array(refs));
        if let Some(d) = discriminator {
            union.insert("discriminator".into(), json!({ "propertyName": d["propertyName"], "mapping": mapping }));
        }
        schemas.insert(name, Value::Object(union));
    }
}

/// A body is required exactly when its schema requires something: a body whose every field is
/// optional may be left out (the server reads no body as `{}`), and the document says so.
fn mark_optional_bodies(doc: &mut Value) {
    let schemas = doc.pointer("/components/schemas").cloned().unwrap_or_default();
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else { return };
    for item in paths.values_mut() {
        for method in METHODS {
            let Some(body) = item.get_mut(method).and_then(|op| op.get_mut("requestBody")) else { continue };
            let schema = &body["content"]["application/json"]["schema"];
            let schema = match schema["$ref"].as_str().and_then(|r| r.strip_prefix("#/components/schemas/")) {
                Some(name) => &schemas[name],
                None => schema,
            };
            let needs_something = schema["required"].as_array().is_some_and(|r| !r.is_empty())
                || ["oneOf", "anyOf", "allOf"].iter().any(|k| schema.get(*k).is_some());
            if let Some(body) = body.as_object_mut() {
                body.insert("required".into(), Value::Bool(needs_something));
            }
        }
    }
}

/// Request bodies whose fields come in exclusive pairs: `(schema, [field, field])`. Derived
/// schemas show each field as optional; this rewrites the schema as one complete variant per
/// field (every shared property in each, the field required, the other absent), so a generated
/// client keeps every property and a fuzzer sees the rule the handler enforces.
const EXACTLY_ONE: &[(&str, [&str; 2])] = &[("SupportRequestIn", ["advocate_id", "organisation_id"])];

fn add_exactly_one(doc: &mut Value) {
    for (schema, fields) in EXACTLY_ONE {
        let Some(target) = doc.pointer_mut(&format!("/components/schemas/{schema}")).and_then(Value::as_object_mut)
        else {
            continue;
        };
        let properties = target.remove("properties").and_then(|p| p.as_object().cloned()).unwrap_or_default();
        let required: Vec<Value> = target.remove("required").and_then(|r| r.as_array().cloned()).unwrap_or_default();
        target.remove("additionalProperties");
        target.remove("type");
        let branches: Vec<Value> = fields
            .iter()
            .map(|f| {
                let mut props = properties.clone();
                props.retain(|name, _| name == f || !fields.contains(&name.as_str()));
                if let Some(p) = props.get_mut(*f) {
                    // The chosen field is given: not null.
                    *p = json!({ "type": "string", "format": "uuid" });
                }
                let mut req = required.clone();
                req.push(json!(f));
                json!({
                    "title": format!("{schema} ({f})"),
                    "type": "object",
                    "required": req,
                    "properties": props,
                    "additionalProperties": false,
                })
            })
            .collect();
        target.insert("oneOf".into(), Value::Array(branches));
    }
}

fn operations(doc: &Value) -> impl Iterator<Item = (&str, &str, &Value)> {
    doc["paths"].as_object().into_iter().flat_map(|paths| {
        paths
            .iter()
            .flat_map(|(path, item)| METHODS.iter().filter_map(move |m| item.get(*m).map(|op| (path.as_str(), *m, op))))
    })
}

fn add_refusals(path: &str, method: &str, op: &mut Map<String, Value>) {
    let secured = !op
        .get("security")
        .and_then(Value::as_array)
        .is_some_and(|s| s.iter().all(|r| r.as_object().is_some_and(Map::is_empty)));
    let params: Vec<Value> = op.get("parameters").and_then(Value::as_array).cloned().unwrap_or_default();
    let has_path_ids = params.iter().any(|p| p["in"] == "path");
    let has_query = params.iter().any(|p| p["in"] == "query");
    let has_body = op.contains_key("requestBody");
    let writes = method != "get";
    let mut statuses: Vec<&str> = Vec::new();
    if secured {
        statuses.push("401");
    }
    if has_body {
        statuses.extend(["400", "413", "415", "422"]);
    }
    if has_path_ids {
        statuses.extend(["400", "404"]);
    }
    if has_query {
        statuses.extend(["400", "422"]);
    }
    if writes && path.starts_with("/v1/") {
        statuses.extend(["403", "404", "409", "422", "503"]);
    }
    let responses = op.entry("responses").or_insert_with(|| json!({}));
    let Some(responses) = responses.as_object_mut() else { return };
    for status in statuses {
        responses.entry(status).or_insert_with(|| problem_response(describe(status)));
    }
    // Every refusal is a problem document, whatever the annotation said.
    for (status, response) in responses.iter_mut() {
        if status.starts_with('4') || status.starts_with('5') {
            let description =
                response["description"].as_str().filter(|d| !d.is_empty()).unwrap_or(describe(status)).to_owned();
            *response = problem_response(&description);
        }
    }
}

/// Every link as `(from, status, name)`, for a test that each one was placed: a link whose
/// operation or status no longer exists would otherwise vanish without a word.
pub fn declared_links() -> impl Iterator<Item = (&'static str, &'static str, &'static str)> {
    LINKS.iter().map(|(from, status, name, _, _)| (*from, *status, *name))
}

fn add_links(op: &mut Map<String, Value>, operation_ids: &[String]) {
    let id = op.get("operationId").and_then(Value::as_str).unwrap_or("").to_owned();
    let shares = SAME_ANSWER.iter().find(|(op, _)| *op == id).map(|(_, like)| *like);
    for (from, status, name, target, parameters) in LINKS {
        if (*from != id && Some(*from) != shares) || !operation_ids.iter().any(|o| o == target) {
            continue;
        }
        let Some(response) = op.get_mut("responses").and_then(|r| r.get_mut(*status)).and_then(Value::as_object_mut)
        else {
            continue;
        };
        let parameters: Map<String, Value> = parameters.iter().map(|(k, v)| ((*k).to_owned(), json!(v))).collect();
        let links = response.entry("links").or_insert_with(|| json!({}));
        if let Some(links) = links.as_object_mut() {
            links.insert((*name).to_owned(), json!({ "operationId": target, "parameters": parameters }));
        }
    }
}

fn self_description() -> Value {
    json!({
        "get": {
            "tags": ["meta"],
            "summary": "This document: the API's OpenAPI 3.1 description",
            "operationId": "openapi",
            "security": [{}],
            "responses": {
                "200": {
                    "description": "The OpenAPI document",
                    "content": { "application/json": { "schema": { "type": "object" } } }
                }
            }
        }
    })
}

/// Every `$ref` in the document that names no schema it holds.
pub fn unresolved_refs(doc: &Value) -> Vec<String> {
    fn walk(v: &Value, doc: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(map) => {
                if let Some(Value::String(r)) = map.get("$ref") {
                    let target = r.strip_prefix("#/").map(|p| p.split('/').try_fold(doc, |at, seg| at.get(seg)));
                    if !matches!(target, Some(Some(_))) {
                        out.push(r.clone());
                    }
                }
                map.values().for_each(|x| walk(x, doc, out));
            }
            Value::Array(items) => items.iter().for_each(|x| walk(x, doc, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(doc, doc, &mut out);
    out.sort();
    out.dedup();
    out
}
