//! The phone core against the server in the same process: a transport that calls the router
//! directly (or through seeded network faults), and ways to compare a replica with the server.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Body;
use axum::http::{Request, header};
use http_body_util::BodyExt;
use senvault_mobile::transport::{Answer, Transport};
use senvault_mobile::{AuthProvider, KeyProvider, VaultError, VaultKeys};
use tower::ServiceExt;

use crate::faults::Rng;

/// A fixed token.
pub struct StaticAuth(pub String);

impl AuthProvider for StaticAuth {
    fn token(&self) -> String {
        self.0.clone()
    }
    fn fresh_token(&self) -> String {
        self.0.clone()
    }
}

/// The replicas' key in tests (an app's comes from the platform's key store).
pub const TEST_KEY: [u8; 32] = [0x5e; 32];

/// Supplies [`TEST_KEY`], or the bytes given.
pub struct TestKeys(pub Vec<u8>);

impl Default for TestKeys {
    fn default() -> Self {
        TestKeys(TEST_KEY.to_vec())
    }
}

impl KeyProvider for TestKeys {
    fn vault_key(&self) -> Result<Vec<u8>, VaultError> {
        Ok(self.0.clone())
    }
}

/// The replica's database, opened as the core opens it (with [`TEST_KEY`]), to read its rows.
pub fn open_replica(db: &std::path::Path) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(db).expect("replica");
    let keys = VaultKeys::from_bytes(&TEST_KEY).expect("key");
    conn.execute_batch(&format!("PRAGMA key = {};", keys.database_key())).expect("key");
    conn
}

/// A signed URL's path and query (the router in this process serves storage too).
fn local_path(url: &str) -> &str {
    url.find("://").and_then(|i| url[i + 3..].find('/').map(|j| &url[i + 3 + j..])).unwrap_or(url)
}

/// Calls the router in this process, on `rt` (the caller is a plain thread, as the app's
/// background sync thread is).
pub struct InProcess {
    pub router: Router,
    pub rt: Arc<tokio::runtime::Runtime>,
}

impl Transport for InProcess {
    fn call(&self, method: &str, path: &str, token: &str, body: Option<Vec<u8>>) -> Result<Answer, String> {
        let req = Request::builder()
            .method(method)
            .uri(path)
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.unwrap_or_default()))
            .map_err(|e| e.to_string())?;
        self.send(req)
    }

    fn transfer(
        &self,
        method: &str,
        url: &str,
        headers: &[(String, String)],
        body: Option<Vec<u8>>,
    ) -> Result<Answer, String> {
        let mut req = Request::builder().method(method).uri(local_path(url));
        for (k, v) in headers {
            req = req.header(k.as_str(), v.as_str());
        }
        self.send(req.body(Body::from(body.unwrap_or_default())).map_err(|e| e.to_string())?)
    }
}

impl InProcess {
    /// One request through the router, its answer read whole.
    fn send(&self, req: Request<Body>) -> Result<Answer, String> {
        self.rt.block_on(async {
            let res = self.router.clone().oneshot(req).await.map_err(|e| e.to_string())?;
            let status = res.status().as_u16();
            let body = res.into_body().collect().await.map_err(|e| e.to_string())?.to_bytes().to_vec();
            Ok(Answer { status, body })
        })
    }
}

/// The API in this process, and document storage over real HTTP (S3 on moto: the signed links
/// point there, as they do on AWS).
pub struct InProcessWithStorage {
    pub api: InProcess,
    pub storage: senvault_mobile::transport::Http,
}

impl Transport for InProcessWithStorage {
    fn call(&self, method: &str, path: &str, token: &str, body: Option<Vec<u8>>) -> Result<Answer, String> {
        self.api.call(method, path, token, body)
    }

    fn transfer(
        &self,
        method: &str,
        url: &str,
        headers: &[(String, String)],
        body: Option<Vec<u8>>,
    ) -> Result<Answer, String> {
        self.storage.transfer(method, url, headers, body)
    }
}

/// What the network does to each request, per mille.
#[derive(Debug, Clone, Copy)]
pub struct NetworkFaults {
    /// Lost before it reaches the server.
    pub drop_request: u64,
    /// Reaches the server; the answer is lost.
    pub drop_response: u64,
    /// Delivered twice (a retry by a proxy); the second answer is returned.
    pub duplicate: u64,
}

/// A transport with seeded faults, that also checks every pull's cursors never move backwards
/// (unless the server said to start the scope again).
pub struct Faulty {
    pub inner: Arc<dyn Transport>,
    pub faults: Mutex<Option<(Rng, NetworkFaults)>>,
    /// `(client, scope)` → the highest `(epoch, seq)` sent.
    cursors: Mutex<HashMap<(String, String), (u64, u64)>>,
    pub violations: Mutex<Vec<String>>,
    /// Runs once just before the next pull is delivered (a change made while a sync runs).
    pub before_pull: Mutex<Option<Box<dyn FnOnce() + Send>>>,
    /// Every request made, as `METHOD path`.
    pub calls: Mutex<Vec<String>>,
    /// Storage answers every transfer with this status (a file it will not take).
    pub refuse_transfers: Mutex<Option<u16>>,
}

impl Faulty {
    /// Sends a request through the seeded faults: lost before it arrives, delivered twice, or
    /// its answer lost.
    fn through_faults(&self, send: impl Fn() -> Result<Answer, String>) -> Result<Answer, String> {
        let (drop_req, drop_res, dup) = match self.faults.lock().expect("lock").as_mut() {
            Some((rng, f)) => (rng.chance(f.drop_request), rng.chance(f.drop_response), rng.chance(f.duplicate)),
            None => (false, false, false),
        };
        if drop_req {
            return Err("injected: request lost".into());
        }
        let mut answer = send()?;
        if dup {
            answer = send()?;
        }
        if drop_res {
            return Err("injected: answer lost".into());
        }
        Ok(answer)
    }

    pub fn new(inner: Arc<dyn Transport>) -> Self {
        Faulty {
            inner,
            faults: Mutex::new(None),
            cursors: Mutex::new(HashMap::new()),
            violations: Mutex::new(vec![]),
            before_pull: Mutex::new(None),
            calls: Mutex::new(vec![]),
            refuse_transfers: Mutex::new(None),
        }
    }

    pub fn set(&self, faults: Option<(Rng, NetworkFaults)>) {
        *self.faults.lock().expect("lock") = faults;
    }

    fn check_pull(&self, body: &[u8]) {
        let Ok(v) = serde_json::from_slice::<serde_json::Value>(body) else { return };
        let client = v["client_id"].as_str().unwrap_or("").to_owned();
        let mut seen = self.cursors.lock().expect("lock");
        for s in v["scopes"].as_array().into_iter().flatten() {
            let scope = s["scope"].as_str().unwrap_or("").to_owned();
            let now = (s["epoch"].as_u64().unwrap_or(0), s["seq"].as_u64().unwrap_or(0));
            let key = (client.clone(), scope.clone());
            if let Some(before) = seen.get(&key)
                && now.0 != 0
                && now < *before
            {
                self.violations.lock().expect("lock").push(format!("{scope}: cursor went from {before:?} to {now:?}"));
            }
            if now.0 != 0 {
                seen.insert(key, now);
            } else {
                // A fresh download (new scope or a reset): the cursor starts again.
                seen.remove(&key);
            }
        }
    }
}

impl Transport for Faulty {
    fn call(&self, method: &str, path: &str, token: &str, body: Option<Vec<u8>>) -> Result<Answer, String> {
        self.calls.lock().expect("lock").push(format!("{method} {path}"));
        if path == "/v1/sync/pull"
            && let Some(b) = &body
        {
            self.check_pull(b);
            let hook = self.before_pull.lock().expect("lock").take();
            if let Some(hook) = hook {
                hook();
            }
        }
        self.through_faults(|| self.inner.call(method, path, token, body.clone()))
    }

    fn transfer(
        &self,
        method: &str,
        url: &str,
        headers: &[(String, String)],
        body: Option<Vec<u8>>,
    ) -> Result<Answer, String> {
        let path = local_path(url);
        self.calls.lock().expect("lock").push(format!("{method} {}", path.split('?').next().unwrap_or(path)));
        let refused = *self.refuse_transfers.lock().expect("lock");
        self.through_faults(|| match refused {
            Some(status) => Ok(Answer { status, body: b"<Error><Code>EntityTooLarge</Code></Error>".to_vec() }),
            None => self.inner.transfer(method, url, headers, body.clone()),
        })
    }
}

/// A replica's records, `(scope, key) → (version, body)`, from its database file, and what is
/// still pending there (overlay rows, outbox rows).
/// `(scope, key) → (version, body)`.
pub type Rows = BTreeMap<(String, String), (u64, serde_json::Value)>;

pub fn replica_rows(db: &std::path::Path) -> (Rows, usize, usize) {
    let conn = open_replica(db);
    let mut stmt = conn.prepare("SELECT scope, key, version, body FROM mirror").expect("mirror");
    let rows = stmt
        .query_map([], |r| {
            let body: String = r.get(3)?;
            Ok(((r.get(0)?, r.get(1)?), (r.get::<_, i64>(2)? as u64, serde_json::from_str(&body).unwrap_or_default())))
        })
        .expect("rows")
        .collect::<Result<BTreeMap<_, _>, _>>()
        .expect("rows");
    let overlay: i64 = conn.query_row("SELECT COUNT(*) FROM overlay", [], |r| r.get(0)).expect("overlay");
    let outbox: i64 = conn.query_row("SELECT COUNT(*) FROM outbox", [], |r| r.get(0)).expect("outbox");
    (rows, overlay as usize, outbox as usize)
}

/// The server's live, synced records of `scope`, as a replica should hold them.
pub async fn server_rows(store: &dyn senvault_store::Store, scope: &str) -> Rows {
    let mut out = BTreeMap::new();
    let mut after: Option<String> = None;
    loop {
        let page = store.list(scope, "", after.as_deref(), senvault_store::MAX_PAGE).await.expect("list");
        for r in &page.items {
            if !r.deleted && senvault_domain::sync::synced(&r.key) {
                out.insert(
                    (scope.to_owned(), r.key.clone()),
                    (r.version, serde_json::from_str(&r.body).expect("body")),
                );
            }
            after = Some(r.key.clone());
        }
        if page.next.is_none() {
            return out;
        }
    }
}
