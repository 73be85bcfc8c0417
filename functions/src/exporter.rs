//! Exports (UK GDPR articles 15 and 20): one ZIP of everything a user gave the vault or the vault
//! derived about them, in formats that open without the product — every document in its
//! original format, every record as JSON (one file per kind, with the layout's version), each
//! case's page and chronology as printable HTML, and a `README.txt` saying what is where.
//!
//! What is exported is what the user owns: a family member's family, children and their records
//! (analyses, flags and the family's decisions, the audit log), the support relationships they
//! are part of, and their own settings; an advocate's profile, private notes, connections,
//! tickets, messages and checklists — never the records of a family's child they could merely
//! see. Like a bundle build it runs apart from the request, as the user who asked.

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::Arc;

use senvault_domain::bundle::BuildState;
use senvault_domain::chronology::Include;
use senvault_domain::export::{Export, SCHEMA, document_path, file_name};
use senvault_domain::{
    Actor, AdvocateId, BuildOutcome, ExportId, MemberRole, OpId, Read, Record, RoleClaim, Scope, SystemCommand, UserId,
    keys,
};
use senvault_store::load::{get_record, load_live};

use crate::api::chronology::{escape, render};
use crate::blobs::{Blobs, PART_SIZE};
use crate::service::{Service, ServiceError};

/// Makes export `export_id` of `user`, recording `building`, then `ready` or `failed`.
pub async fn run(
    service: &Service,
    blobs: Arc<dyn Blobs>,
    user: UserId,
    export_id: ExportId,
) -> Result<Export, ServiceError> {
    let scope = Scope::User(user.clone());
    let Some(Record::Export(export)) = get_record(service.store().as_ref(), &scope, &keys::export(export_id)).await?
    else {
        return Err(crate::service::not_found("export"));
    };
    if export.state == BuildState::Ready {
        return Ok(export);
    }
    let actor = senvault_domain::ActorRef { user: user.clone(), role: export.role }.acting();
    let op = |name: &str| OpId(uuid::Uuid::new_v5(&export_id.0, name.as_bytes()));
    let report = |outcome| SystemCommand::RecordExport { user: user.clone(), export_id, outcome };
    service.execute(&actor, report(BuildOutcome::Building), op("building")).await?;
    let outcome = match archive(service, blobs.as_ref(), &actor, &export).await {
        Ok(outcome) => outcome,
        Err(e) => {
            tracing::warn!(export = %export_id, error = %e, "an export failed");
            BuildOutcome::Failed { reason: e.to_string() }
        }
    };
    let name = if matches!(outcome, BuildOutcome::Ready { .. }) { "ready" } else { "failed" };
    let done = service.execute(&actor, report(outcome), op(name)).await?;
    match done.snapshot.get(&scope, &keys::export(export_id)) {
        Some(Record::Export(e)) => Ok(e.clone()),
        _ => Err(crate::service::not_found("export")),
    }
}

/// Why an export failed, for the user.
#[derive(Debug, thiserror::Error)]
enum ExportError {
    #[error("{0}")]
    Service(#[from] ServiceError),
    #[error("the document storage could not be reached; ask for the export again")]
    Storage,
    #[error("the archive could not be written")]
    Zip,
}

/// The scopes that are the user's to export: every scope they own, the support relationships
/// they are part of, their own settings and (for an advocate) their own workspace — never a
/// child's scope they were only granted.
async fn owned_scopes(service: &Service, actor: &Actor) -> Result<Vec<Scope>, ServiceError> {
    let user = Scope::User(actor.user.clone());
    let snap =
        load_live(service.store().as_ref(), &[Read::Prefix(user.clone(), keys::MEMBERSHIP_PREFIX.into())]).await?;
    let mut scopes = vec![user.clone()];
    for (_, r) in snap.prefix(&user, keys::MEMBERSHIP_PREFIX) {
        if let Record::Membership(m) = r
            && let Ok(scope) = m.scope.parse::<Scope>()
            && (m.role == MemberRole::Owner || matches!(scope, Scope::Conn(_)))
        {
            scopes.push(scope);
        }
    }
    if actor.role != RoleClaim::Family {
        scopes.push(Scope::Advocate(AdvocateId::for_user(&actor.user)));
    }
    scopes.sort_by_key(|s| s.to_string());
    scopes.dedup();
    Ok(scopes)
}

/// Makes the archive and stores it as it is made: the records are read once, each document
/// is read (and its hash checked) in turn and handed to a thread that compresses it into the
/// ZIP, whose bytes go to storage in parts ([`crate::blobs::PART_SIZE`]) — so no more than one
/// document and one part are ever held, however large the vault.
async fn archive(
    service: &Service,
    blobs: &dyn Blobs,
    actor: &Actor,
    export: &Export,
) -> Result<BuildOutcome, ExportError> {
    let (entries, mut entries_rx) = tokio::sync::mpsc::channel::<(String, Vec<u8>)>(1);
    let (parts_tx, mut parts) = tokio::sync::mpsc::channel::<Vec<u8>>(1);
    let zipper = tokio::task::spawn_blocking(move || -> Result<(u64, String), ExportError> {
        let mut zip = zip::ZipWriter::new_stream(Parts::new(parts_tx));
        let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        while let Some((name, bytes)) = entries_rx.blocking_recv() {
            zip.start_file(name, options).map_err(|_| ExportError::Zip)?;
            zip.write_all(&bytes).map_err(|_| ExportError::Zip)?;
        }
        zip.finish().map_err(|_| ExportError::Zip)?.into_inner().close()
    });
    let writer = blobs.put_in_parts(&export.blob_key(), "application/zip").await.map_err(|_| ExportError::Storage)?;
    // The parts' receiver goes with this block: if storage fails, the archive's thread finds
    // no one to hand parts to and stops, and so does the reading.
    let upload = async move {
        let mut writer = writer;
        while let Some(part) = parts.recv().await {
            if writer.write_part(part).await.is_err() {
                return (writer, Err(ExportError::Storage));
            }
        }
        (writer, Ok(()))
    };
    let (produced, (writer, uploaded)) = tokio::join!(add_files(service, blobs, actor, export, entries), upload);
    let zipped = zipper.await.map_err(|_| ExportError::Zip).and_then(|r| r);
    match (produced, uploaded, zipped) {
        (Ok(count), Ok(()), Ok((size, sha256))) => {
            writer.finish().await.map_err(|_| ExportError::Storage)?;
            Ok(BuildOutcome::Ready { pages: count, sha256, size })
        }
        (produced, uploaded, zipped) => {
            writer.abort().await;
            Err(produced.err().or(uploaded.err()).or(zipped.err()).unwrap_or(ExportError::Zip))
        }
    }
}

/// Reads what the export holds and hands each file to the archive in turn; answers how many.
async fn add_files(
    service: &Service,
    blobs: &dyn Blobs,
    actor: &Actor,
    export: &Export,
    entries: tokio::sync::mpsc::Sender<(String, Vec<u8>)>,
) -> Result<u32, ExportError> {
    let mut count = 0u32;
    let mut add = async |name: String, bytes: Vec<u8>| {
        count += 1;
        entries.send((name, bytes)).await.map_err(|_| ExportError::Zip)
    };
    let scopes = owned_scopes(service, actor).await?;
    let reads: Vec<Read> = scopes.iter().map(|s| Read::Prefix(s.clone(), String::new())).collect();
    let snap = load_live(service.store().as_ref(), &reads).await.map_err(ServiceError::from)?;
    let mut kinds: BTreeMap<String, Vec<serde_json::Value>> = BTreeMap::new();
    let mut used_paths: BTreeMap<String, usize> = BTreeMap::new();
    for scope in &scopes {
        let child_name = match snap.get(scope, keys::CHILD_PROFILE) {
            Some(Record::Child(c)) if matches!(scope, Scope::Child(_)) => c.name.clone(),
            _ => scope.to_string(),
        };
        for (key, record) in snap.prefix(scope, "") {
            let value = serde_json::to_value(record).map_err(|_| ExportError::Zip)?;
            let kind = value.get("type").and_then(|t| t.as_str()).unwrap_or("record").to_owned();
            kinds
                .entry(kind)
                .or_default()
                .push(serde_json::json!({"scope": scope.to_string(), "key": key, "record": value}));
            match record {
                Record::Document(d) if d.state == senvault_domain::DocumentState::Uploaded => {
                    let Some(sha) = d.sha256.as_deref() else { continue };
                    let bytes = match blobs.read_verified(&d.blob_key(), sha).await {
                        Ok(Some(b)) => b,
                        Ok(None) => continue,
                        Err(_) => return Err(ExportError::Storage),
                    };
                    let date = d.document_date.or(d.uploaded_at.map(|u| u.date_naive()));
                    let base = document_path(&child_name, d.category.as_str(), date, &d.title, d.content_type, 0);
                    let n = used_paths.entry(base.clone()).or_default();
                    let path = document_path(&child_name, d.category.as_str(), date, &d.title, d.content_type, *n);
                    *n += 1;
                    add(path, bytes).await?;
                }
                Record::Case(c) => {
                    let folder = format!("cases/{}-{}", file_name(&child_name), c.id);
                    let agg = service.case_aggregate(actor, c.id).await?;
                    add(format!("{folder}/case.html"), case_page(&child_name, &agg).into_bytes()).await?;
                    let chronology = service.chronology(actor, c.id, Include::default()).await?;
                    add(format!("{folder}/chronology.html"), render(&chronology).into_bytes()).await?;
                }
                _ => {}
            }
        }
    }
    for (kind, records) in &kinds {
        let body = serde_json::json!({"schema": SCHEMA, "kind": kind, "count": records.len(), "records": records});
        add(format!("records/{kind}.json"), serde_json::to_vec_pretty(&body).map_err(|_| ExportError::Zip)?).await?;
    }
    let account = serde_json::json!({
        "schema": SCHEMA,
        "user": actor.user,
        "role": senvault_domain::ActorRole::from(actor.role),
        "export_id": export.id,
        "exported_at": service.clock.now(),
        "scopes": scopes.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
    });
    add("account.json".into(), serde_json::to_vec_pretty(&account).map_err(|_| ExportError::Zip)?).await?;
    add("README.txt".into(), readme(&kinds).into_bytes()).await?;
    Ok(count)
}

/// The archive's bytes as they are written: hashed and counted, and handed on a part at a time.
struct Parts {
    buf: Vec<u8>,
    to: tokio::sync::mpsc::Sender<Vec<u8>>,
    hasher: sha2::Sha256,
    size: u64,
}

impl Parts {
    fn new(to: tokio::sync::mpsc::Sender<Vec<u8>>) -> Self {
        use sha2::Digest;
        Parts { buf: Vec::with_capacity(PART_SIZE), to, hasher: sha2::Sha256::new(), size: 0 }
    }

    fn send(&mut self) -> std::io::Result<()> {
        let part = std::mem::replace(&mut self.buf, Vec::with_capacity(PART_SIZE));
        self.to.blocking_send(part).map_err(|_| std::io::Error::other("the upload stopped"))
    }

    /// Sends the last part (S3 wants one even for an empty file); answers the size and SHA-256.
    fn close(mut self) -> Result<(u64, String), ExportError> {
        use sha2::Digest;
        self.send().map_err(|_| ExportError::Storage)?;
        Ok((self.size, crate::blobs::hex(&self.hasher.finalize())))
    }
}

impl Write for Parts {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        use sha2::Digest;
        self.hasher.update(bytes);
        self.size += bytes.len() as u64;
        self.buf.extend_from_slice(bytes);
        if self.buf.len() >= PART_SIZE {
            self.send()?;
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A case's page, printable: its status and history, key dates, actions with their deadlines,
/// notes, and the flags with the family's decisions.
fn case_page(child: &str, agg: &senvault_domain::CaseAggregate) -> String {
    let c = &agg.case;
    let mut body = format!(
        "<h1>{}</h1>\n<p>{} &middot; status: {} &middot; opened {}</p>\n",
        escape(&c.summary),
        escape(child),
        c.status,
        c.created_at.date_naive()
    );
    body.push_str("<h2>Status history</h2>\n<ul>\n");
    for h in &agg.history {
        body.push_str(&format!("<li>{}: {}</li>\n", h.at.date_naive(), h.to));
    }
    body.push_str("</ul>\n<h2>Key dates</h2>\n<ul>\n");
    for k in &agg.key_dates {
        body.push_str(&format!("<li>{}: {}</li>\n", k.date, k.kind));
    }
    body.push_str("</ul>\n<h2>Actions</h2>\n<table><tr><th>Due</th><th>Who</th><th>Action</th><th>State</th><th>Legal basis</th></tr>\n");
    for a in &agg.actions {
        body.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
            a.due,
            a.responsible,
            escape(&a.description),
            a.state,
            escape(a.legal_basis.as_deref().unwrap_or(""))
        ));
    }
    body.push_str("</table>\n<h2>Notes</h2>\n");
    for n in &agg.notes {
        body.push_str(&format!("<p><b>{}</b><br>{}</p>\n", n.created_at.date_naive(), escape(&n.text)));
    }
    body.push_str("<h2>Flags in the plan</h2>\n<ul>\n");
    for f in &agg.flags {
        let note = f.family_note.as_deref().map(|n| format!(" &mdash; {}", escape(n))).unwrap_or_default();
        body.push_str(&format!(
            "<li>[{}] {}: &ldquo;{}&rdquo; ({}){note}</li>\n",
            f.status,
            f.kind,
            escape(&f.excerpt),
            f.severity
        ));
    }
    body.push_str("</ul>\n");
    format!(
        "<!doctype html>\n<html lang=\"en-GB\"><head><meta charset=\"utf-8\"><title>Case</title>\n<style>body {{ font: 11pt/1.4 system-ui, sans-serif; margin: 2em; }} table {{ border-collapse: collapse; }} td, th {{ border: 1px solid #999; padding: 3px 6px; text-align: left; }}</style></head>\n<body>\n{body}</body></html>\n"
    )
}

fn readme(kinds: &BTreeMap<String, Vec<serde_json::Value>>) -> String {
    let mut text = String::from(
        "Your data from the SEN Evidence Vault\n\
         =====================================\n\n\
         account.json        who this export is for, when it was made, and which parts of the vault it covers\n\
         documents/          every document, in its original format: documents/<child>/<category>/<date>-<title>.<ext>\n\
         \x20                   (the date is the one on the document, else the day it was uploaded)\n\
         cases/              each case's page (case.html) and chronology (chronology.html), ready to print\n\
         records/            every record as JSON, one file per kind; each file has \"schema\" (the layout's\n\
         \x20                   version), \"kind\" and \"records\": [{scope, key, record}]\n\n\
         The kinds of record in this export:\n",
    );
    for (kind, records) in kinds {
        text.push_str(&format!("  records/{kind}.json: {} {}\n", records.len(), describe(kind)));
    }
    text.push_str(
        "\nIds (long strings of letters and digits) link records to each other: a note's case_id is its case's id.\n\
         Dates are YYYY-MM-DD; times are in UTC.\n",
    );
    text
}

/// What each kind of record is, in words.
fn describe(kind: &str) -> &'static str {
    match kind {
        "family" => "your family account",
        "family_member" => "the people in your family account",
        "child" => "your children's profiles",
        "membership" => "who may see what (access you hold)",
        "case" => "EHCP cases",
        "status_change" => "every change of a case's status",
        "key_date" => "key dates of each case",
        "note" => "notes on cases",
        "action" => "next actions and statutory deadlines",
        "audit" => "the audit log: every change by anyone and every advocate's read",
        "alert" | "notice" => "notifications",
        "document" => "documents' details, with their analyses",
        "flag" => "flags found in plans, with your decisions",
        "annotation" => "your annotations on sections of plans",
        "timeline_entry" => "contacts, appointments and events on your child's timeline",
        "revision" => "earlier versions of timeline entries",
        "bundle" | "build" | "share_link" => "evidence bundles, their builds and share links",
        "connection" | "ticket" | "ticket_event" | "message" | "checklist_item" | "grant" | "handover" => {
            "support relationships with advocates: requests, tickets, messages, checklists, access given"
        }
        "advocate_profile" | "private_note" | "directory_entry" | "review" => {
            "an advocate's profile, private notes, listing and reviews"
        }
        "export" => "your exports",
        _ => "records",
    }
}
