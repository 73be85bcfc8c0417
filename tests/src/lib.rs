//! End-to-end harness: the real API router over a real store, called in-process (the same
//! `Router` the servers run) or over a loopback socket.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use chrono::{DateTime, TimeZone, Utc};
use http_body_util::{BodyExt, Full};
use senvault_domain::{RoleClaim, UserId};
use senvault_functions::api::{self, AppState};
use senvault_functions::auth::Authenticator;
use senvault_functions::blobs::fs::FsBlobs;
use senvault_functions::clock::ManualClock;
use senvault_functions::setup::state_with;
use senvault_store::Store;
use senvault_store::sqlite::SqliteStore;
use serde_json::{Value, json};
use tower::ServiceExt;

pub mod aws;
pub mod corpus;
pub mod erasure_scan;
pub mod faults;
pub mod fixtures;
pub mod load;
pub mod mobile;
pub mod runtime_api;
pub mod scenario;

pub const TEST_SECRET: &[u8] = b"test-secret-test-secret-test-secret!";

/// A response as a test sees it.
#[derive(Debug, Clone)]
pub struct Resp {
    pub status: StatusCode,
    pub content_type: String,
    pub json: Value,
    /// The `Retry-After` header, if any.
    pub retry_after: Option<String>,
    /// The `Location` header, if any.
    pub location: Option<String>,
    /// Whether the answer carries `Idempotent-Replayed: true`.
    pub replayed: bool,
}

impl Resp {
    /// Asserts the status and returns the body, printing the body on mismatch.
    #[track_caller]
    pub fn expect(self, status: u16) -> Value {
        assert_eq!(self.status.as_u16(), status, "unexpected status; body: {}", self.json);
        self.json
    }

    /// Asserts an RFC 9457 problem with this status.
    #[track_caller]
    pub fn problem(self, status: u16) -> Value {
        assert_eq!(self.status.as_u16(), status, "unexpected status; body: {}", self.json);
        assert_eq!(self.content_type, "application/problem+json", "problems are application/problem+json");
        assert_eq!(self.json["status"], status, "problem status field");
        assert!(
            self.json["title"].is_string() && self.json["detail"].is_string(),
            "problem has title and detail: {}",
            self.json
        );
        self.json
    }
}

pub struct TestApp {
    pub state: AppState,
    pub router: Router,
    pub clock: Arc<ManualClock>,
    pub blobs: Arc<FsBlobs>,
}

/// Noon on Tuesday 20 January 2026: the default "now" of the suites.
pub fn default_now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 20, 12, 0, 0).single().expect("valid instant")
}

impl TestApp {
    /// The API over a fresh in-memory SQLite store.
    pub fn sqlite() -> Self {
        Self::with_store(Arc::new(SqliteStore::in_memory().expect("in-memory sqlite")))
    }

    /// The API over `store`, with documents on local disk.
    pub fn with_store(store: Arc<dyn Store>) -> Self {
        let root = std::env::temp_dir().join(format!("senvault-blobs-{}", uuid::Uuid::now_v7().simple()));
        let blobs = Arc::new(FsBlobs::new(root, TEST_SECRET, "http://127.0.0.1:9"));
        Self::build(store, blobs.clone(), blobs)
    }

    /// The API over the SQLite database and document files kept in `dir` (`senvault.db` and
    /// `blobs/`), so a world built once can be copied and tried afresh.
    pub fn in_dir(dir: &std::path::Path) -> Self {
        let store = SqliteStore::open(&dir.join("senvault.db")).expect("sqlite file");
        let blobs = Arc::new(FsBlobs::new(dir.join("blobs"), TEST_SECRET, "http://127.0.0.1:9"));
        Self::build(Arc::new(store), blobs.clone(), blobs)
    }

    /// The API over `store` (say, a fault-injecting wrapper of a SQLite file in `dir`), with
    /// documents kept as files under `dir/blobs`.
    pub fn in_dir_over(dir: &std::path::Path, store: Arc<dyn Store>) -> Self {
        let blobs = Arc::new(FsBlobs::new(dir.join("blobs"), TEST_SECRET, "http://127.0.0.1:9"));
        Self::build(store, blobs.clone(), blobs)
    }

    /// The API over `store`, with documents in `documents` (e.g. S3).
    pub fn with_store_and_blobs(store: Arc<dyn Store>, documents: Arc<dyn senvault_functions::blobs::Blobs>) -> Self {
        let unused = std::env::temp_dir().join(format!("senvault-blobs-{}", uuid::Uuid::now_v7().simple()));
        Self::build(store, documents, Arc::new(FsBlobs::new(unused, TEST_SECRET, "http://127.0.0.1:9")))
    }

    /// As [`TestApp::with_store_and_blobs`], but builds are left to the deployment (as on AWS,
    /// where the table's stream starts the `bundles` function): a requested build stays queued.
    pub fn with_builds_by_deployment(
        store: Arc<dyn Store>,
        documents: Arc<dyn senvault_functions::blobs::Blobs>,
    ) -> Self {
        let unused = std::env::temp_dir().join(format!("senvault-blobs-{}", uuid::Uuid::now_v7().simple()));
        let clock = Arc::new(ManualClock::new(default_now()));
        let mut state = state_with(store, clock.clone(), Authenticator::hs256(TEST_SECRET, "role"), Some(documents));
        state.builds = senvault_functions::api::BuildStarter::ByDeployment;
        let blobs = Arc::new(FsBlobs::new(unused, TEST_SECRET, "http://127.0.0.1:9"));
        let router = api::app_with(state.clone(), Some(blobs.routes()));
        TestApp { state, router, clock, blobs }
    }

    fn build(store: Arc<dyn Store>, documents: Arc<dyn senvault_functions::blobs::Blobs>, blobs: Arc<FsBlobs>) -> Self {
        let clock = Arc::new(ManualClock::new(default_now()));
        let state = state_with(store, clock.clone(), Authenticator::hs256(TEST_SECRET, "role"), Some(documents));
        let router = api::app_with(state.clone(), Some(blobs.routes()));
        TestApp { state, router, clock, blobs }
    }

    /// Serves the router on a loopback port (for signed blob URLs, which clients call directly).
    pub async fn serve(&self) -> std::net::SocketAddr {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        self.blobs.set_base_url(format!("http://{addr}"));
        let router = self.router.clone();
        tokio::spawn(async move { axum::serve(listener, router).await });
        addr
    }

    /// Gives `user` a membership of the child's scope, written as the access area will write a
    /// grant (view → reader, collaborate → writer).
    pub async fn grant(&self, user: &str, child_id: &str, role: senvault_domain::MemberRole) {
        use senvault_domain::{Expect, Membership, Record, Scope, Write, keys};
        let user: UserId = user.parse().expect("test user id");
        let scope = Scope::Child(child_id.parse().expect("child id"));
        let membership =
            Membership { user: user.clone(), scope: scope.to_string(), role, granted_at: chrono::Utc::now() };
        let write = Write {
            scope: Scope::User(user),
            key: keys::membership(&scope),
            record: Record::Membership(membership),
            expect: Expect::Absent,
            delete: false,
        };
        let put = senvault_store::codec::to_put(&write).expect("put");
        let request = senvault_store::CommitRequest::puts(vec![put]);
        self.state.service.store().commit(request).await.expect("grant");
    }

    pub fn token(&self, user: &str, role: RoleClaim) -> String {
        let user: UserId = user.parse().expect("test user id");
        self.state.auth.mint(&user, role, Duration::from_secs(3600))
    }

    pub async fn call(&self, method: Method, path: &str, token: Option<&str>, body: Option<Value>) -> Resp {
        let mut req = Request::builder().method(method).uri(path);
        if let Some(t) = token {
            req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        let req = match body {
            Some(b) => req.header(header::CONTENT_TYPE, "application/json").body(Body::from(b.to_string())),
            None => req.body(Body::empty()),
        };
        self.send(req.expect("valid request")).await
    }

    pub async fn get(&self, path: &str, token: &str) -> Resp {
        self.call(Method::GET, path, Some(token), None).await
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> Resp {
        self.call(Method::POST, path, Some(token), Some(body)).await
    }

    pub async fn patch(&self, path: &str, token: &str, body: Value) -> Resp {
        self.call(Method::PATCH, path, Some(token), Some(body)).await
    }

    pub async fn send(&self, req: Request<Body>) -> Resp {
        let res = self.router.clone().oneshot(req).await.expect("router is infallible");
        let (parts, body) = res.into_parts();
        let header_of = |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let content_type = header_of("content-type").unwrap_or_default();
        let retry_after = header_of("retry-after");
        let location = header_of("location");
        let replayed = header_of("idempotent-replayed").as_deref() == Some("true");
        let bytes = body.collect().await.expect("body").to_bytes();
        let json = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap_or(Value::String(String::from_utf8_lossy(&bytes).into()))
        };
        Resp { status: parts.status, content_type, json, retry_after, location, replayed }
    }
}

/// A workspace binary next to the running test's executable (`tests/run` builds them all
/// first); `None`, with a note, when it is not built and the full suite was not asked for.
pub fn binary(name: &str) -> Option<std::path::PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let path = exe.parent()?.parent()?.join(name);
    if path.exists() {
        return Some(path);
    }
    assert!(!aws::required(), "{} is not built; run `cargo build --workspace --bins` first", path.display());
    eprintln!("skipped: {} is not built", path.display());
    None
}

/// A plain HTTP/1.1 request to `url` (presigned blob URLs, which clients call directly).
pub async fn http(method: Method, url: &str, headers: &[(String, String)], body: Vec<u8>) -> (u16, Vec<u8>) {
    let uri: hyper::Uri = url.parse().expect("url");
    let authority = uri.authority().expect("authority").clone();
    let stream = tokio::net::TcpStream::connect(authority.as_str()).await.expect("connect");
    let (mut sender, conn) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream)).await.expect("handshake");
    tokio::spawn(conn);
    let path = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let mut req = Request::builder().method(method).uri(path).header("host", authority.as_str());
    for (k, v) in headers {
        if !k.eq_ignore_ascii_case("host") {
            req = req.header(k.as_str(), v.as_str());
        }
    }
    let req = req.body(Full::new(hyper::body::Bytes::from(body))).expect("request");
    let res = sender.send_request(req).await.expect("response");
    let status = res.status().as_u16();
    (status, res.into_body().collect().await.expect("body").to_bytes().to_vec())
}

/// The headers a presigned request (`{method, url, headers}` in an API answer) must carry.
pub fn signed_headers(signed: &Value) -> Vec<(String, String)> {
    signed["headers"]
        .as_object()
        .map(|h| h.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_owned())).collect())
        .unwrap_or_default()
}

/// A family made through the API: its token, one child and (optionally) a case.
pub struct FamilyFixture {
    pub token: String,
    pub child: String,
    pub case: String,
}

impl TestApp {
    /// Creates `user`'s family with one child (born 14 March 2018: Year 3 in January 2026) and
    /// a case at `status`.
    pub async fn family_with_case(&self, user: &str, status: &str) -> FamilyFixture {
        let token = self.token(user, RoleClaim::Family);
        self.post("/v1/family", &token, json!({"name": "The Examples"})).await.expect(201);
        let child = self
            .post(
                "/v1/children",
                &token,
                json!({"name": "Noah", "date_of_birth": "2018-03-14", "local_authority": "Leeds"}),
            )
            .await
            .expect(201)["id"]
            .as_str()
            .expect("child id")
            .to_owned();
        let case = self
            .post("/v1/cases", &token, json!({"child_id": child, "status": status, "summary": "EHCP"}))
            .await
            .expect(201)["id"]
            .as_str()
            .expect("case id")
            .to_owned();
        FamilyFixture { token, child, case }
    }

    /// Registers, uploads (through the signed URL) and confirms a document; returns its id.
    /// Local blob storage needs [`TestApp::serve`] first.
    pub async fn upload_document(
        &self,
        token: &str,
        child_id: &str,
        title: &str,
        content_type: &str,
        bytes: Vec<u8>,
    ) -> String {
        let doc = self
            .post(
                "/v1/documents",
                token,
                json!({"child_id": child_id, "title": title, "category": "ehcp", "content_type": content_type, "size": bytes.len()}),
            )
            .await
            .expect(201);
        let upload = &doc["upload_url"];
        let url = upload["url"].as_str().expect("upload url");
        let (status, _) = http(Method::PUT, url, &signed_headers(upload), bytes).await;
        assert_eq!(status, 200, "upload");
        let id = doc["id"].as_str().expect("document id").to_owned();
        self.post(&format!("/v1/documents/{id}/uploaded"), token, json!({})).await.expect(200);
        id
    }
}
