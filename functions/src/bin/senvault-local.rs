//! `senvault-local`: the whole SEN Evidence Vault API on localhost with the embedded SQLite store.
//!
//! ```text
//! senvault-local [--demo] [--port 8080] [--bind 127.0.0.1] [--data ./.senvault]
//!                [--store sqlite|dynamodb --table NAME [--bucket NAME] [--create]]
//! senvault-local token --user ID --role family|advocate|org_admin [--hours 24]
//! senvault-local scan            (run the overdue scanner once and print its report)
//! senvault-local analyse FILE [--draft] [--year-group N] [--personal-budget] [--format json|text]
//! senvault-local compare PLAN REPORT... [--today YYYY-MM-DD] [--format json|text]
//! ```

/// Reads decode records on several threads at once; mimalloc keeps them from queueing on the
/// allocator (see case-page-bench).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use senvault_domain::analyser::AnalyseOptions;
use senvault_domain::{RoleClaim, UserId};
use senvault_functions::auth::Authenticator;
use senvault_functions::{analyse, local};

#[derive(Parser)]
#[command(name = "senvault-local", version, about = "The SEN Evidence Vault API on localhost")]
struct Cli {
    #[command(subcommand)]
    command: Option<Cmd>,
    /// Seed a demo family and print ready-to-use tokens.
    #[arg(long)]
    demo: bool,
    #[arg(long, default_value_t = 8080)]
    port: u16,
    #[arg(long, default_value = "127.0.0.1")]
    bind: IpAddr,
    /// Run the overdue scanner every N seconds while serving (0: never).
    #[arg(long, default_value_t = 60)]
    scan_every: u64,
    /// Where the SQLite database and the signing secret live.
    #[arg(long, global = true, default_value = ".senvault")]
    data: PathBuf,
    /// `sqlite` (embedded, default) or `dynamodb` (AWS endpoint, region and credentials from
    /// the standard AWS environment, e.g. `AWS_ENDPOINT_URL` for an emulator).
    #[arg(long, global = true, value_enum, default_value_t = StoreKind::Sqlite)]
    store: StoreKind,
    /// DynamoDB table name (with `--store dynamodb`).
    #[arg(long, global = true)]
    table: Option<String>,
    /// S3 bucket for documents (with `--store dynamodb`).
    #[arg(long, global = true)]
    bucket: Option<String>,
    /// Create the table and bucket if they do not exist.
    #[arg(long, global = true)]
    create: bool,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum StoreKind {
    Sqlite,
    Dynamodb,
}

fn store_choice(cli: &Cli) -> Result<senvault_functions::setup::StoreChoice, String> {
    match cli.store {
        StoreKind::Sqlite => Ok(senvault_functions::setup::StoreChoice::Sqlite),
        StoreKind::Dynamodb => Ok(senvault_functions::setup::StoreChoice::Dynamo {
            table: cli.table.clone().ok_or("--store dynamodb needs --table NAME")?,
            bucket: cli.bucket.clone(),
            create: cli.create,
        }),
    }
}

#[derive(Subcommand)]
enum Cmd {
    /// Print a bearer token signed with this data directory's secret.
    Token {
        #[arg(long)]
        user: String,
        #[arg(long, value_parser = parse_role)]
        role: RoleClaim,
        /// Lifetime in hours.
        #[arg(long, default_value_t = 24)]
        hours: u64,
    },
    /// Run the overdue scanner once over the data directory and print what it did.
    Scan,
    /// Build a bundle now (a new version, as the family member who made it) and write its PDF.
    Bundle {
        /// The bundle's id.
        #[arg(long)]
        bundle: String,
        /// Where to write the PDF.
        #[arg(long)]
        out: PathBuf,
    },
    /// Analyse an EHCP (PDF, DOCX or text) and print its flags: a JSON array with one object
    /// per flag, or a readable summary. Nothing is stored and nothing leaves this machine.
    Analyse {
        file: PathBuf,
        /// The plan is a draft (Section I must then be blank).
        #[arg(long)]
        draft: bool,
        /// The child's national curriculum year (Year 9 onwards: preparing-for-adulthood outcomes).
        #[arg(long)]
        year_group: Option<u8>,
        /// The family asked for a personal budget (Section J must say how it is used).
        #[arg(long)]
        personal_budget: bool,
        #[arg(long, value_enum, default_value_t = Format::Json)]
        format: Format,
    },
    /// Hold an EHCP against the professional reports it was drafted from (speech and language,
    /// occupational therapy, physiotherapy, educational psychology…): each recommendation the
    /// plan leaves out or gives less of, and each difficulty Section B misses or plays down.
    /// Nothing is stored and nothing leaves this machine.
    Compare {
        plan: PathBuf,
        #[arg(required = true)]
        reports: Vec<PathBuf>,
        /// The day to judge a report's age by (default: today).
        #[arg(long)]
        today: Option<chrono::NaiveDate>,
        #[arg(long, value_enum, default_value_t = Format::Json)]
        format: Format,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Format {
    Json,
    Text,
}

fn parse_role(s: &str) -> Result<RoleClaim, String> {
    s.parse()
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,senvault_functions=info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    senvault_functions::panics::log_locations_only();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("senvault-local: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<(), String> {
    match cli.command {
        Some(Cmd::Token { user, role, hours }) => {
            let user: UserId = user.parse().map_err(|e| format!("--user: {e}"))?;
            let secret = local::secret(&cli.data).map_err(|e| e.to_string())?;
            let auth = Authenticator::hs256(&secret, &local::role_claim());
            println!("{}", auth.mint(&user, role, Duration::from_secs(hours * 3600)));
            Ok(())
        }
        Some(Cmd::Scan) => {
            let state = local::open_state(&cli.data, &store_choice(&cli)?).await.map_err(|e| e.to_string())?.state;
            let report = senvault_functions::scanner::scan(&state.service, state.service.clock.now()).await;
            match report {
                Ok(r) => {
                    println!("{}", serde_json::to_string_pretty(&r).unwrap_or_default());
                    Ok(())
                }
                Err(e) => Err(e.to_string()),
            }
        }
        Some(Cmd::Bundle { ref bundle, ref out }) => {
            let bundle_id: senvault_domain::BundleId = bundle.parse().map_err(|e| format!("--bundle: {e}"))?;
            let opened = local::open_state(&cli.data, &store_choice(&cli)?).await.map_err(|e| e.to_string())?;
            let blobs = opened.state.blobs.clone().ok_or("no document storage")?;
            let (build, pdf) = senvault_functions::builder::build_now(&opened.state.service, blobs, bundle_id).await?;
            std::fs::write(out, &pdf).map_err(|e| format!("{}: {e}", out.display()))?;
            println!(
                "{}: version {}, {} pages, sha256 {}",
                out.display(),
                build.version,
                build.pages.unwrap_or_default(),
                build.sha256.unwrap_or_default()
            );
            Ok(())
        }
        Some(Cmd::Analyse { file, draft, year_group, personal_budget, format }) => {
            let options = AnalyseOptions { draft, year_group, personal_budget_requested: personal_budget };
            analyse_file(&file, &options, format)
        }
        Some(Cmd::Compare { plan, reports, today, format }) => {
            compare_files(&plan, &reports, today.unwrap_or_else(|| chrono::Utc::now().date_naive()), format)
        }
        None => {
            let choice = store_choice(&cli)?;
            serve(cli, choice).await.map_err(|e| e.to_string())
        }
    }
}

/// Reads, analyses and prints one file; an unreadable file is an error with the reason a
/// family would be given.
fn analyse_file(file: &std::path::Path, options: &AnalyseOptions, format: Format) -> Result<(), String> {
    let (name, bytes, kind) = read_file(file)?;
    let doc = analyse::analyse_document(bytes, kind, options).map_err(|e| format!("{name}: {e}"))?;
    match format {
        Format::Json => {
            let json = serde_json::to_string_pretty(&doc.analysis.findings).map_err(|e| e.to_string())?;
            println!("{json}");
        }
        Format::Text => print!("{}", analyse::summary(&name, &doc)),
    }
    Ok(())
}

/// A file's name, bytes and type, or why it cannot be read.
fn read_file(file: &std::path::Path) -> Result<(String, Vec<u8>, senvault_domain::DocumentType), String> {
    let name = file.display().to_string();
    let bytes = std::fs::read(file).map_err(|e| format!("{name}: {e}"))?;
    let kind = analyse::type_of_file(file, &bytes).ok_or(format!("{name}: not a PDF, Word (.docx) or text file"))?;
    Ok((name, bytes, kind))
}

/// The text of a PDF, Word or text file, or the reason it cannot be read.
fn read_text(file: &std::path::Path) -> Result<String, String> {
    let (name, bytes, kind) = read_file(file)?;
    senvault_functions::extraction::extract(bytes, kind).map_err(|e| format!("{name}: {e}"))
}

/// Compares a plan with its reports and prints the result.
fn compare_files(
    plan: &std::path::Path,
    reports: &[PathBuf],
    today: chrono::NaiveDate,
    format: Format,
) -> Result<(), String> {
    use senvault_domain::analyser::compare;
    let plan_text = read_text(plan)?;
    let texts = reports.iter().map(|r| read_text(r)).collect::<Result<Vec<_>, _>>()?;
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let result = compare::compare(&plan_text, &refs, today).map_err(|e| e.to_string())?;
    match format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&result).map_err(|e| e.to_string())?),
        Format::Text => {
            let names: Vec<String> = reports.iter().map(|r| r.display().to_string()).collect();
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            print!("{}", compare::summary(&plan.display().to_string(), &names, &result));
        }
    }
    Ok(())
}

async fn serve(cli: Cli, choice: senvault_functions::setup::StoreChoice) -> Result<(), local::LocalError> {
    let local = local::open_state(&cli.data, &choice).await?;
    let state = local.state.clone();
    let demo = if cli.demo { Some(local::seed_demo(&state).await?) } else { None };
    let tokens = demo.as_ref().map(|d| {
        (
            state.auth.mint(&d.parent, RoleClaim::Family, local::DEMO_TOKEN_TTL),
            state.auth.mint(&d.advocate, RoleClaim::Advocate, local::DEMO_TOKEN_TTL),
        )
    });
    if cli.scan_every > 0 {
        local::spawn_scanner(&state, Duration::from_secs(cli.scan_every), local.sqlite.clone());
    }
    let data = match &choice {
        senvault_functions::setup::StoreChoice::Sqlite => format!("data in {}", cli.data.display()),
        senvault_functions::setup::StoreChoice::Dynamo { table, .. } => format!("DynamoDB table {table}"),
    };
    let fs_blobs = local.fs_blobs.clone();
    local::serve(local::router(&local), SocketAddr::new(cli.bind, cli.port), move |addr| {
        if let Some(fs) = &fs_blobs {
            fs.set_base_url(format!("http://{addr}"));
        }
        println!("SEN Evidence Vault listening on http://{addr} ({data})");
        if let (Some(d), Some((parent, advocate))) = (demo, tokens) {
            println!();
            println!("Demo family token (user {}, valid 30 days):", d.parent);
            println!("  {parent}");
            println!(
                "Demo advocate token (user {}, advocate id {}, in the directory; no access granted):",
                d.advocate,
                senvault_domain::AdvocateId::for_user(&d.advocate)
            );
            println!("  {advocate}");
            println!();
            println!("Try the demo case page:");
            println!("  curl -s -H \"Authorization: Bearer {parent}\" http://{addr}/v1/cases/{}", d.case);
            println!("and the family's open actions:");
            println!("  curl -s -H \"Authorization: Bearer {parent}\" http://{addr}/v1/actions");
            println!("and the demo tribunal bundle (its page plan, limits and checks; its builds, with the PDF):");
            println!(
                "  curl -s -H \"Authorization: Bearer {parent}\" http://{addr}/v1/children/{}/bundles/{}",
                d.child, d.bundle
            );
        }
        use std::io::Write;
        let _ = std::io::stdout().flush();
    })
    .await
}
