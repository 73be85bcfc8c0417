//! The bundle builder: compiles one build of a bundle into a PDF and records the outcome. It
//! runs apart from the request that asked for the build — a background task of the local
//! server, the `bundles` Lambda on AWS, or `senvault-local bundle` offline — as the family member
//! who asked, so every read is checked as theirs.
//!
//! A build is compiled from the bundle as it was when asked for (the build record holds it) and
//! the documents' confirmed bytes, read back by their hash. Anything that goes wrong is recorded
//! as the build's failure with a reason the family can act on; the builder never panics on a
//! file (the compiler runs guarded, on its own thread).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use senvault_bundle::{BundleSpec, Exhibit, Part, Source};
use senvault_domain::bundle::{
    Build, BuildState, GENERATED_EXHIBITS, GENERATED_HEADING, GENERATED_LETTER, INDEX_ROWS_PER_PAGE,
};
use senvault_domain::chronology::{Include, contact_record};
use senvault_domain::timeline::TimelineFilter;
use senvault_domain::{
    Actor, BuildId, BuildOutcome, BundleId, ChildId, DocumentType, OpId, Record, Scope, SystemCommand, keys,
};
use senvault_store::load::get_record;

use crate::blobs::Blobs;
use crate::extraction::{Guarded, guarded_within};
use crate::service::{Service, ServiceError};

/// How long compiling one bundle may take.
pub const DEADLINE: Duration = Duration::from_secs(120);

/// Why a build failed, in words for the family (never a document's content).
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("{0}")]
    Service(#[from] ServiceError),
    #[error("the document storage could not be reached; build again")]
    Storage,
    #[error("{0} is no longer in the vault; remove it from the bundle and build again")]
    Missing(String),
    #[error("{0}")]
    Unusable(String),
    #[error("compiling took too long; build again, or split the bundle")]
    TimedOut,
}

/// Builds `build_id` of the bundle, recording `building`, then `ready` or `failed`. Answers the
/// build as recorded. A build already ready is left as it is (a repeated trigger).
pub async fn run(
    service: &Service,
    blobs: Arc<dyn Blobs>,
    child_id: ChildId,
    bundle_id: BundleId,
    build_id: BuildId,
) -> Result<Build, ServiceError> {
    let scope = Scope::Child(child_id);
    let Some(Record::Build(build)) =
        get_record(service.store().as_ref(), &scope, &keys::build(bundle_id, build_id)).await?
    else {
        return Err(crate::service::not_found("build"));
    };
    if build.state == BuildState::Ready {
        return Ok(build);
    }
    let actor = build.requested_by.acting();
    let op = |name: &str| OpId(uuid::Uuid::new_v5(&build_id.0, name.as_bytes()));
    let report = |outcome| SystemCommand::RecordBuild { child_id, bundle_id, build_id, outcome };
    service.execute(&actor, report(BuildOutcome::Building), op("building")).await?;
    let outcome = match compile(service, blobs.as_ref(), &actor, &build).await {
        Ok(outcome) => outcome,
        Err(e) => {
            tracing::warn!(build = %build_id, error = %e, "a bundle build failed");
            BuildOutcome::Failed { reason: e.to_string() }
        }
    };
    let name = if matches!(outcome, BuildOutcome::Ready { .. }) { "ready" } else { "failed" };
    let done = service.execute(&actor, report(outcome), op(name)).await?;
    match done.snapshot.get(&scope, &keys::build(bundle_id, build_id)) {
        Some(Record::Build(b)) => Ok(b.clone()),
        _ => Err(crate::service::not_found("build")),
    }
}

/// Compiles the build and stores the PDF.
async fn compile(
    service: &Service,
    blobs: &dyn Blobs,
    actor: &Actor,
    build: &Build,
) -> Result<BuildOutcome, BuildError> {
    let bundle = &build.bundle;
    let scope = Scope::Child(bundle.child_id);
    let docs = service.documents_named(&scope, bundle.items.iter().map(|i| i.document_id)).await?;
    let named = docs.iter().map(|(id, d)| (*id, d)).collect();
    let review = senvault_domain::bundle::review(bundle, &named, service.today());
    let child =
        match get_record(service.store().as_ref(), &scope, keys::CHILD_PROFILE).await.map_err(ServiceError::from)? {
            Some(Record::Child(c)) => Some(c),
            _ => None,
        };

    let mut parts = Vec::new();
    for section in &review.sections {
        let mut exhibits = Vec::new();
        for item in section.items.iter().filter(|i| i.included) {
            let doc = docs.get(&item.document_id).ok_or_else(|| BuildError::Missing(item.exhibit.clone()))?;
            let sha = doc.sha256.as_deref().ok_or_else(|| BuildError::Missing(item.exhibit.clone()))?;
            let bytes = match blobs.read_verified(&doc.blob_key(), sha).await {
                Ok(Some(b)) => b,
                Ok(None) => return Err(BuildError::Missing(item.exhibit.clone())),
                Err(_) => return Err(BuildError::Storage),
            };
            let source = match doc.content_type {
                DocumentType::Pdf => Source::Pdf(bytes),
                DocumentType::Jpeg => Source::Jpeg(bytes),
                DocumentType::Png => Source::Png(bytes),
                DocumentType::Docx | DocumentType::Text => Source::Text {
                    text: crate::pages::document_text(&bytes, doc.content_type)
                        .map_err(|u| BuildError::Unusable(format!("{}: {}", item.exhibit, u.reason())))?,
                    heading: crate::pages::converted_heading(doc.content_type),
                },
                DocumentType::Heic => {
                    return Err(BuildError::Unusable(format!(
                        "{}: {}",
                        item.exhibit,
                        senvault_domain::bundle::Unusable::Heic.reason()
                    )));
                }
            };
            exhibits.push(Exhibit {
                number: item.exhibit.clone(),
                title: item.title.clone(),
                date: item.document_date.map(|d| d.format("%-d %B %Y").to_string()),
                source,
            });
        }
        parts.push(Part {
            label: format!("Section {}", section.section.letter()),
            heading: section.heading.clone(),
            exhibits,
        });
    }
    if let Some(case_id) = bundle.case_id {
        let chronology = service.chronology(actor, case_id, Include::default()).await?;
        let entries = all_entries(service, actor, bundle.child_id).await?;
        let titles: BTreeMap<_, _> = service
            .documents_named(&scope, entries.iter().flat_map(|e| e.document_ids.iter().copied()))
            .await?
            .into_iter()
            .map(|(id, d)| (id, d.title))
            .collect();
        let generated = "Generated by the vault from the family's records";
        let texts = [chronology.text(), contact_record(&entries, &titles, service.today())];
        parts.push(Part {
            label: format!("Section {GENERATED_LETTER}"),
            heading: GENERATED_HEADING.into(),
            exhibits: GENERATED_EXHIBITS
                .iter()
                .zip(texts)
                .enumerate()
                .map(|(n, (title, text))| Exhibit {
                    number: format!("{GENERATED_LETTER}{}", n + 1),
                    title: (*title).into(),
                    date: Some(service.today().format("%-d %B %Y").to_string()),
                    source: Source::Text { text, heading: generated.into() },
                })
                .collect(),
        });
    }
    let mut cover = Vec::new();
    if let Some(c) = &child {
        cover.push(("Child".into(), format!("{} (born {})", c.name, c.date_of_birth.format("%-d %B %Y"))));
        cover.push(("Local authority".into(), c.local_authority.clone()));
    }
    cover.push(("Purpose".into(), bundle.purpose.words().into()));
    if let Some(a) = bundle.appeal_type {
        cover.push(("Appeal".into(), a.words().into()));
    }
    if let Some(r) = &bundle.appeal_reference {
        cover.push(("Appeal reference".into(), r.clone()));
    }
    if let Some(h) = bundle.hearing_date {
        cover.push(("Hearing date".into(), h.format("%-d %B %Y").to_string()));
    }
    if let Some(f) = bundle.final_evidence_date {
        cover.push(("Final evidence date".into(), f.format("%-d %B %Y").to_string()));
    }
    cover.push(("Bundle version".into(), build.version.to_string()));
    cover.push(("Compiled on".into(), service.today().format("%-d %B %Y").to_string()));
    let spec = BundleSpec { title: bundle.title.clone(), cover, parts, index_rows_per_page: INDEX_ROWS_PER_PAGE };
    let compiled = match guarded_within(DEADLINE, move || senvault_bundle::compile(&spec)) {
        Guarded::Done(Ok(c)) => c,
        Guarded::Done(Err(e)) => return Err(BuildError::Unusable(e.to_string())),
        Guarded::Panicked => return Err(BuildError::Unusable("a file in the bundle could not be read".into())),
        Guarded::TimedOut => return Err(BuildError::TimedOut),
    };
    let sha256 = crate::blobs::sha256_hex(&compiled.pdf);
    let size = compiled.pdf.len() as u64;
    blobs
        .put(&build.blob_key(bundle.family_id), compiled.pdf, "application/pdf")
        .await
        .map_err(|_| BuildError::Storage)?;
    Ok(BuildOutcome::Ready { pages: compiled.pages, sha256, size })
}

/// Every entry of the child's timeline (the contact record).
async fn all_entries(
    service: &Service,
    actor: &Actor,
    child_id: ChildId,
) -> Result<Vec<senvault_domain::timeline::TimelineEntry>, ServiceError> {
    let mut entries = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = service.timeline(actor, child_id, &TimelineFilter::default(), cursor.as_deref(), 200).await?;
        entries.extend(page.items);
        match page.next {
            Some(n) => cursor = Some(n),
            None => return Ok(entries),
        }
    }
}

/// Builds a bundle now, as the family member who made it, and answers the build and its PDF:
/// `senvault-local bundle`, for a family that wants its bundle without running the server.
pub async fn build_now(
    service: &Service,
    blobs: Arc<dyn Blobs>,
    bundle_id: BundleId,
) -> Result<(Build, Vec<u8>), String> {
    let Scope::Child(child_id) =
        service.aliased_scope(&bundle_id.to_string(), "bundle").await.map_err(|e| e.to_string())?
    else {
        return Err("no such bundle".into());
    };
    let scope = Scope::Child(child_id);
    let bundle = match get_record(service.store().as_ref(), &scope, &keys::bundle(bundle_id)).await {
        Ok(Some(Record::Bundle(b))) => b,
        Ok(_) => return Err("no such bundle".into()),
        Err(e) => return Err(e.to_string()),
    };
    let actor = bundle.created_by.acting();
    let op = OpId::new();
    let build_id = BuildId(op.derive("build"));
    let request = senvault_domain::Command::Bundle {
        child_id,
        bundle_id,
        command: senvault_domain::BundleCommand::RequestBuild { build_id },
    };
    service.execute(&actor, request, op).await.map_err(|e| e.to_string())?;
    let build = run(service, blobs.clone(), child_id, bundle_id, build_id).await.map_err(|e| e.to_string())?;
    if build.state != BuildState::Ready {
        return Err(build.reason.unwrap_or_else(|| "the build did not finish".into()));
    }
    let pdf = blobs
        .read(&build.blob_key(bundle.family_id))
        .await
        .map_err(|e| e.to_string())?
        .ok_or("the compiled bundle is missing from storage")?;
    Ok((build, pdf))
}
