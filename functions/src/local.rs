//! The local server: the whole API on one port with the embedded SQLite store, a signing secret
//! kept beside the data, and optional demo data.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use chrono::{Days, NaiveDate};
use senvault_domain::{
    Actor, CaseCommand, CaseId, CaseStatus, ChildId, Command, FamilyCommand, FamilyId, KeyDateKind, NewAction,
    NoteTopic, OpId, Party, RoleClaim, Scope, TicketType, UserId, keys,
};

use crate::api::{self, AppState};
use crate::auth::Authenticator;
use crate::blobs::fs::FsBlobs;
use crate::clock::SystemClock;
use crate::service::ServiceError;
use crate::service::erasure::ErasureSecret;
use crate::setup::{self, StoreChoice};
use senvault_store::sqlite::SqliteStore;

/// The claim that carries the role unless `SENVAULT_ROLE_CLAIM` says otherwise.
pub const DEFAULT_ROLE_CLAIM: &str = "role";

#[derive(Debug, thiserror::Error)]
pub enum LocalError {
    #[error("cannot use data directory {0}: {1}")]
    DataDir(PathBuf, std::io::Error),
    #[error(transparent)]
    Store(#[from] senvault_store::StoreError),
    #[error(transparent)]
    Service(#[from] ServiceError),
    #[error(transparent)]
    Open(#[from] crate::setup::OpenError),
    #[error("cannot listen on {0}: {1}")]
    Bind(SocketAddr, std::io::Error),
    #[error("cannot seed the demo: {0}")]
    Seed(String),
}

/// The role claim name from the environment.
pub fn role_claim() -> String {
    std::env::var("SENVAULT_ROLE_CLAIM").unwrap_or_else(|_| DEFAULT_ROLE_CLAIM.into())
}

/// The HS256 secret: `SENVAULT_JWT_SECRET`, else a random one created once in the data directory
/// so tokens survive restarts. The file is created readable by its owner only from the start
/// (never written first and narrowed after).
pub fn secret(data_dir: &Path) -> Result<Vec<u8>, LocalError> {
    if let Ok(s) = std::env::var("SENVAULT_JWT_SECRET")
        && s.len() >= 32
    {
        return Ok(s.into_bytes());
    }
    let path = data_dir.join("jwt-secret");
    let io = |e| LocalError::DataDir(data_dir.to_owned(), e);
    private_dir(data_dir).map_err(io)?;
    if let Ok(s) = std::fs::read(&path)
        && s.len() >= 32
    {
        return Ok(s);
    }
    let s = format!("{}{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple());
    let _ = std::fs::remove_file(&path); // an unusable (short or empty) one
    match private_file(&path) {
        Ok(mut f) => {
            use std::io::Write;
            f.write_all(s.as_bytes()).and_then(|()| f.sync_all()).map_err(io)?;
            Ok(s.into_bytes())
        }
        // Another process made it first: use theirs.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => std::fs::read(&path).map_err(io),
        Err(e) => Err(io(e)),
    }
}

/// Creates `dir` (and its parents) readable by its owner only, and narrows it if it exists: the
/// data directory holds the database of children's records and the signing secret.
pub fn private_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)?;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
    }
    #[cfg(not(unix))]
    {
        std::fs::create_dir_all(dir)
    }
}

/// Creates a new file readable and writable by its owner only (fails if it exists).
fn private_file(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

/// The database file exists, private to its owner, before SQLite opens it (SQLite gives its
/// journal files the database's mode).
fn private_database(path: &Path) -> std::io::Result<()> {
    match private_file(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
            }
            Ok(())
        }
        Err(e) => Err(e),
    }
}

/// Opens the chosen store and builds the shared state. Tokens are verified here (HS256 with the
/// data directory's secret) whichever store is used.
pub async fn open_state(data_dir: &Path, choice: &StoreChoice) -> Result<Local, LocalError> {
    private_dir(data_dir).map_err(|e| LocalError::DataDir(data_dir.to_owned(), e))?;
    let secret = secret(data_dir)?;
    if let StoreChoice::Sqlite = choice {
        private_database(&data_dir.join(setup::SQLITE_FILE))
            .map_err(|e| LocalError::DataDir(data_dir.to_owned(), e))?;
    }
    let stores = setup::open(choice, data_dir, &secret).await?;
    let auth = Authenticator::hs256(&secret, &role_claim());
    let state = setup::state_with(stores.records, Arc::new(SystemClock), auth, Some(stores.documents));
    state.service.set_erasure_secret(ErasureSecret::derive(&secret));
    Ok(Local { state, fs_blobs: stores.fs_blobs, sqlite: stores.sqlite })
}

/// The local server's state and, when documents are kept on disk, the blob adapter whose
/// signed URLs it must serve.
pub struct Local {
    pub state: AppState,
    pub fs_blobs: Option<Arc<FsBlobs>>,
    /// The embedded store, when it is SQLite (its change log is trimmed by the scanner loop).
    pub sqlite: Option<Arc<SqliteStore>>,
}

/// What `--demo` seeded, for the banner.
pub struct Demo {
    pub parent: UserId,
    pub advocate: UserId,
    pub child: ChildId,
    pub case: CaseId,
    /// The demo's tribunal bundle, built once.
    pub bundle: senvault_domain::BundleId,
}

fn fixed<T: std::str::FromStr>(s: &str) -> T
where
    T::Err: std::fmt::Debug,
{
    s.parse().expect("fixed demo id is valid")
}

/// Seeds a demo family (once): a child with a case in assessment, key dates that started the
/// statutory clocks (one LA decision made late), a note, a family action due in three days and
/// an overdue LA action (the first scan raises a reminder and an overdue alert); on the child's
/// timeline, a phone call with a broken promise and an EP visit whose report is late.
pub async fn seed_demo(state: &AppState) -> Result<Demo, LocalError> {
    let demo = Demo {
        parent: fixed("demo-parent"),
        advocate: fixed("demo-advocate"),
        child: fixed("0193a1b2-0000-7000-8000-00000000c411"),
        case: fixed("0193a1b2-0000-7000-8000-0000000ca5e1"),
        bundle: fixed("0193a1b2-0000-7000-8000-0000000b0d1e"),
    };
    let family: FamilyId = fixed("0193a1b2-0000-7000-8000-0000000fa411");
    let parent = Actor { user: demo.parent.clone(), role: RoleClaim::Family };
    let service = &state.service;
    let seeded = service.store().get(&Scope::Family(family).to_string(), keys::FAMILY_PROFILE).await?.is_some();
    if seeded {
        return Ok(demo);
    }
    let today = service.today();
    let weeks_ago = |w: u64| today.checked_sub_days(Days::new(7 * w)).unwrap_or(today);
    let dob = NaiveDate::from_ymd_opt(2016, 9, 14).unwrap_or(today);
    let case = |command| Command::case(demo.child, demo.case, command);
    let key_date = |kind, date| {
        case(CaseCommand::RecordKeyDate { key_date_id: None, kind, date, decision: None, section_i_only: false })
    };
    let commands = vec![
        Command::family(family, FamilyCommand::CreateFamily { name: "The Demo family".into() }),
        Command::family(
            family,
            FamilyCommand::AddChild {
                child_id: demo.child,
                name: "Sam".into(),
                date_of_birth: dob,
                local_authority: "Exampleshire County Council".into(),
                school: Some("Oakfield Primary School".into()),
            },
        ),
        case(CaseCommand::CreateCase {
            status: CaseStatus::AssessmentRequested,
            summary: "EHC needs assessment for Sam: speech, language and sensory needs".into(),
            next_action: Some(NewAction {
                id: None,
                description: "Send the speech and language therapy report to the LA caseworker".into(),
                responsible: Party::Family,
                due: today.checked_add_days(Days::new(3)),
                priority: None,
                timescale: None,
                start: None,
            }),
        }),
        key_date(KeyDateKind::RequestReceived, weeks_ago(12)),
        key_date(KeyDateKind::DecisionToAssess, weeks_ago(5)),
        case(CaseCommand::ChangeStatus {
            status: CaseStatus::InAssessment,
            note: Some("LA agreed to assess (a week after the 6-week limit)".into()),
        }),
        case(CaseCommand::AddAction {
            action: NewAction {
                id: Some(fixed("0193a1b2-0000-7000-8000-00000000ac71")),
                description: "LA to confirm the educational psychologist's assessment appointment".into(),
                responsible: Party::La,
                due: today.checked_sub_days(Days::new(2)),
                priority: None,
                timescale: None,
                start: None,
            },
        }),
        case(CaseCommand::AddNote {
            note_id: fixed("0193a1b2-0000-7000-8000-00000000a0e1"),
            text: "Requested the assessment in writing; the LA acknowledged by email the next day.".into(),
            topic: Some(NoteTopic::Correspondence),
            section: None,
            document_id: None,
        }),
    ];
    // The timeline: the caseworker's call promising the draft by a date that has passed, and
    // the educational psychologist's visit whose report is late.
    let mut call = senvault_domain::NewEntry::of(senvault_domain::TimelineKind::Interaction, weeks_ago(2));
    call.time = chrono::NaiveTime::from_hms_opt(14, 5, 0);
    call.case_id = Some(demo.case);
    call.channel = Some(senvault_domain::Channel::PhoneCall);
    call.direction = Some(senvault_domain::Direction::Incoming);
    call.contact_name = Some("Jo Harper".into());
    call.contact_organisation = Some("Exampleshire SEN team".into());
    call.contact_role = Some("EHC caseworker".into());
    call.summary = Some("Rang to say the advice is nearly all in and the draft plan is being written.".into());
    call.commitments = vec![senvault_domain::NewCommitment {
        id: Some(fixed("0193a1b2-0000-7000-8000-0000000c0a11")),
        text: "You'll have the draft plan by the end of next week".into(),
        by: Party::La,
        due: Some(weeks_ago(1)),
    }];
    let mut visit = senvault_domain::NewEntry::of(senvault_domain::TimelineKind::Appointment, weeks_ago(9));
    visit.case_id = Some(demo.case);
    visit.professional_name = Some("Dr Priya Rivers".into());
    visit.professional_role = Some(senvault_domain::ProfessionalRole::EducationalPsychologist);
    visit.purpose = Some(senvault_domain::AppointmentPurpose::Assessment);
    visit.location = Some("Oakfield Primary School".into());
    visit.outcome = Some("Observed Sam in class and met his parents; report to follow.".into());
    visit.report_expected_by = Some(weeks_ago(5));
    let timeline = |id: &str, entry| Command::Timeline {
        child_id: demo.child,
        entry_id: fixed(id),
        command: senvault_domain::TimelineCommand::AddEntry { entry: Box::new(entry) },
    };
    let mut commands = commands;
    commands.push(timeline("0193a1b2-0000-7000-8000-0000000e0c01", call));
    commands.push(timeline("0193a1b2-0000-7000-8000-0000000e0c02", visit));
    for (n, command) in commands.into_iter().enumerate() {
        // Fixed operation ids: seeding twice (two servers racing to start) writes the same records.
        let op = OpId::derived(family.0, &format!("demo/{n}"));
        service.execute(&parent, command, op).await?;
    }
    // The demo advocate is in the directory for the demo child's area, ready for a request.
    let advocate = Actor { user: demo.advocate.clone(), role: RoleClaim::Advocate };
    let profile = senvault_domain::ProfileInput {
        name: "Alex Demo".into(),
        organisation: Some("Exampleshire SEND Advice".into()),
        areas: vec!["Exampleshire County Council".into()],
        specialisms: vec![TicketType::Ehcp, TicketType::AnnualReview, TicketType::Tribunal],
        response_time_hours: Some(48),
        accepting: true,
        bio: "Independent SEND advocate: EHC needs assessments, plans and appeals.".into(),
    };
    let command = Command::Advocate { command: senvault_domain::AdvocateCommand::SetProfile { profile } };
    service.execute(&advocate, command, OpId::derived(family.0, "demo/advocate")).await?;
    seed_demo_bundle(state, &demo, &parent, family, today).await?;
    Ok(demo)
}

/// The demo's evidence and a tribunal bundle of it, built once: a decision letter, an
/// educational psychologist's report that is too long and over three years old (the checks
/// say so), a speech and language report and the parent's statement.
async fn seed_demo_bundle(
    state: &AppState,
    demo: &Demo,
    parent: &Actor,
    family: FamilyId,
    today: NaiveDate,
) -> Result<(), LocalError> {
    use senvault_domain::{
        BundleCommand, DocumentCategory, DocumentCommand, DocumentPatch, DocumentType, EvidenceKind,
    };
    let Some(blobs) = state.blobs.clone() else { return Ok(()) };
    let service = &state.service;
    let years_ago = |y: u32| today.checked_sub_months(chrono::Months::new(12 * y)).unwrap_or(today);
    let statement = "Statement of Sam's mother\n\n1. Sam is nine. Since September he has refused to go into class on most days.\n\n2. The school's own records show he is out of lessons for at least an hour a day.\n\n3. The speech and language therapist recommended weekly direct therapy; Section F of the draft plan says only that he will have access to therapy as appropriate.".to_owned();
    // Id, title, type, bytes, kind of evidence, the date on it.
    type Seeded<'a> = (&'a str, &'a str, DocumentType, Vec<u8>, Option<EvidenceKind>, NaiveDate);
    let documents: [Seeded<'_>; 4] = [
        (
            "0193a1b2-0000-7000-8000-0000000d0c01",
            "Decision not to amend Sections B and F",
            DocumentType::Pdf,
            senvault_bundle::sample_pdf("Decision letter", 2),
            Some(EvidenceKind::DecisionLetter),
            today.checked_sub_days(Days::new(40)).unwrap_or(today),
        ),
        (
            "0193a1b2-0000-7000-8000-0000000d0c02",
            "Educational psychologist's report",
            DocumentType::Pdf,
            senvault_bundle::sample_pdf("Educational psychology report", 18),
            Some(EvidenceKind::ExpertReport),
            years_ago(4),
        ),
        (
            "0193a1b2-0000-7000-8000-0000000d0c03",
            "Speech and language therapy report",
            DocumentType::Pdf,
            senvault_bundle::sample_pdf("Speech and language therapy report", 8),
            Some(EvidenceKind::ExpertReport),
            years_ago(1),
        ),
        (
            "0193a1b2-0000-7000-8000-0000000d0c04",
            "Parent's statement",
            DocumentType::Text,
            statement.into_bytes(),
            Some(EvidenceKind::WitnessStatement),
            today,
        ),
    ];
    let mut items = Vec::new();
    for (n, (id, title, content_type, bytes, kind, date)) in documents.into_iter().enumerate() {
        let document_id: senvault_domain::DocumentId = fixed(id);
        let op = |step: &str| OpId::derived(family.0, &format!("demo/doc/{n}/{step}"));
        let create = DocumentCommand::CreateDocument {
            title: title.into(),
            category: DocumentCategory::Tribunal,
            content_type,
            size: bytes.len() as u64,
        };
        let done = service.execute(parent, Command::document(demo.child, document_id, create), op("create")).await?;
        let Some(senvault_domain::Record::Document(doc)) =
            done.snapshot.get(&Scope::Child(demo.child), &keys::document(document_id))
        else {
            return Err(LocalError::Seed("the demo document was not recorded".into()));
        };
        let (size, sha256) = (bytes.len() as u64, crate::blobs::sha256_hex(&bytes));
        let key = doc.blob_key();
        blobs.put(&key, bytes.clone(), content_type.as_str()).await.map_err(|e| LocalError::Seed(e.to_string()))?;
        let facts = crate::pages::measure(bytes, content_type);
        let confirm =
            senvault_domain::SystemCommand::ConfirmUpload { child_id: demo.child, document_id, size, sha256, facts };
        service.execute(parent, confirm, op("confirm")).await?;
        let patch =
            DocumentPatch { document_date: Some(Some(date)), evidence_kind: Some(kind), ..DocumentPatch::default() };
        let edit = DocumentCommand::EditDocument { patch };
        service.execute(parent, Command::document(demo.child, document_id, edit), op("facts")).await?;
        let section = if n == 0 {
            senvault_domain::bundle::BundleSection::Core
        } else {
            senvault_domain::bundle::BundleSection::FamilyEvidence
        };
        items.push(senvault_domain::bundle::BundleItem { document_id, section });
    }
    let bundle_id = demo.bundle;
    let bundle = senvault_domain::NewBundle {
        id: Some(bundle_id),
        title: "Sam's appeal: Sections B and F".into(),
        purpose: senvault_domain::bundle::BundlePurpose::Tribunal,
        appeal_type: Some(senvault_domain::bundle::AppealType::Contents),
        case_id: Some(demo.case),
        appeal_reference: Some("EH999/26/00042".into()),
        hearing_date: today.checked_add_days(Days::new(70)),
        final_evidence_date: today.checked_add_days(Days::new(35)),
    };
    let on_bundle = |command| Command::Bundle { child_id: demo.child, bundle_id, command };
    let build_id: senvault_domain::BuildId = fixed("0193a1b2-0000-7000-8000-0000000b0d01");
    for (n, command) in [
        BundleCommand::CreateBundle { bundle: Box::new(bundle) },
        BundleCommand::SetItems { items, order: senvault_domain::bundle::ItemOrder::ByDate },
        BundleCommand::RequestBuild { build_id },
    ]
    .into_iter()
    .enumerate()
    {
        service.execute(parent, on_bundle(command), OpId::derived(family.0, &format!("demo/bundle/{n}"))).await?;
    }
    crate::builder::run(service, blobs, demo.child, bundle_id, build_id).await?;
    Ok(())
}

/// Serves `router` on `addr` until Ctrl-C; `ready` receives the bound address.
pub async fn serve(router: axum::Router, addr: SocketAddr, ready: impl FnOnce(SocketAddr)) -> Result<(), LocalError> {
    let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| LocalError::Bind(addr, e))?;
    let bound = listener.local_addr().map_err(|e| LocalError::Bind(addr, e))?;
    ready(bound);
    axum::serve(listener, router)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(|e| LocalError::Bind(bound, e))
}

/// The router of the whole API, plus the signed blob URLs when documents are kept on disk.
pub fn router(local: &Local) -> axum::Router {
    api::app_with(local.state.clone(), local.fs_blobs.as_ref().map(|fs| fs.routes()))
}

/// Token lifetime for `--demo` and `token` (long enough for a day of trying things).
pub const DEMO_TOKEN_TTL: Duration = Duration::from_secs(30 * 24 * 3600);

/// Runs the scanner every `every` on the runtime (first run at once), and sweeps upload slots
/// left unconfirmed for a day. Errors are logged with counts only; a failed action stays due
/// and is retried by the next run.
pub fn spawn_scanner(
    state: &AppState,
    every: Duration,
    sqlite: Option<Arc<SqliteStore>>,
) -> tokio::task::JoinHandle<()> {
    let service = state.service.clone();
    let blobs = state.blobs.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(e) = crate::scanner::scan(&service, service.clock.now()).await {
                tracing::warn!(error = %e, "scheduled scan incomplete");
            }
            if let Some(sqlite) = &sqlite {
                // The same horizon as DynamoDB's TTL on change-log items.
                let horizon = chrono::Duration::from_std(senvault_store::CHANGE_LOG_HORIZON).unwrap_or_default();
                let cutoff = (service.clock.now() - horizon).timestamp();
                match sqlite.purge_changes(cutoff).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(removed = n, "change log trimmed to the sync horizon"),
                    Err(e) => tracing::warn!(error = %e, "change-log trim failed"),
                }
            }
            if let Some(blobs) = &blobs {
                match blobs.expire_uploads(crate::blobs::UPLOAD_SLOT_LIFETIME).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(removed = n, "expired unconfirmed uploads"),
                    Err(e) => tracing::warn!(error = %e, "upload sweep failed"),
                }
                let kept = std::time::Duration::from_secs(senvault_domain::export::EXPORT_DAYS as u64 * 24 * 3600);
                match blobs.expire_exports(kept).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(removed = n, "expired exports"),
                    Err(e) => tracing::warn!(error = %e, "export sweep failed"),
                }
            }
        }
    })
}
