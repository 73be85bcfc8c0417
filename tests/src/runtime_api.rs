//! A local Lambda Runtime API (the `/2018-06-01/runtime/...` protocol a function's runtime
//! client polls), to run the real function binaries outside AWS: queue events, collect
//! responses, and time the init phase (process start to first `next` call).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use serde_json::Value;
use tokio::sync::{Mutex as AsyncMutex, mpsc, oneshot};

type Pending = Arc<Mutex<HashMap<String, oneshot::Sender<Result<Value, Value>>>>>;

#[derive(Clone)]
struct Shared {
    events: Arc<AsyncMutex<mpsc::UnboundedReceiver<(String, Value)>>>,
    pending: Pending,
    first_next: Arc<Mutex<Option<Instant>>>,
    init_error: Arc<Mutex<Option<String>>>,
}

/// A running emulator.
pub struct RuntimeApi {
    pub addr: SocketAddr,
    sender: mpsc::UnboundedSender<(String, Value)>,
    shared: Shared,
}

async fn next(State(s): State<Shared>) -> impl IntoResponse {
    s.first_next.lock().expect("lock").get_or_insert_with(Instant::now);
    let Some((id, event)) = s.events.lock().await.recv().await else {
        return (StatusCode::GONE, HeaderMap::new(), String::new());
    };
    let mut h = HeaderMap::new();
    let deadline = (chrono::Utc::now().timestamp_millis() + 30_000).to_string();
    h.insert("lambda-runtime-aws-request-id", HeaderValue::from_str(&id).expect("id"));
    h.insert("lambda-runtime-deadline-ms", HeaderValue::from_str(&deadline).expect("deadline"));
    h.insert(
        "lambda-runtime-invoked-function-arn",
        HeaderValue::from_static("arn:aws:lambda:eu-west-2:000000000000:function:local"),
    );
    h.insert("lambda-runtime-trace-id", HeaderValue::from_static("Root=1-00000000-000000000000000000000000"));
    (StatusCode::OK, h, event.to_string())
}

async fn respond(State(s): State<Shared>, UrlPath(id): UrlPath<String>, body: Bytes) -> StatusCode {
    let value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    if let Some(tx) = s.pending.lock().expect("lock").remove(&id) {
        let _ = tx.send(Ok(value));
    }
    StatusCode::ACCEPTED
}

async fn error(State(s): State<Shared>, UrlPath(id): UrlPath<String>, body: Bytes) -> StatusCode {
    let value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    if let Some(tx) = s.pending.lock().expect("lock").remove(&id) {
        let _ = tx.send(Err(value));
    }
    StatusCode::ACCEPTED
}

async fn init_error(State(s): State<Shared>, body: Bytes) -> StatusCode {
    *s.init_error.lock().expect("lock") = Some(String::from_utf8_lossy(&body).into_owned());
    StatusCode::ACCEPTED
}

impl RuntimeApi {
    pub async fn start() -> Self {
        let (sender, receiver) = mpsc::unbounded_channel();
        let shared = Shared {
            events: Arc::new(AsyncMutex::new(receiver)),
            pending: Arc::default(),
            first_next: Arc::default(),
            init_error: Arc::default(),
        };
        let app = Router::new()
            .route("/2018-06-01/runtime/invocation/next", get(next))
            .route("/2018-06-01/runtime/invocation/{id}/response", post(respond))
            .route("/2018-06-01/runtime/invocation/{id}/error", post(error))
            .route("/2018-06-01/runtime/init/error", post(init_error))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move { axum::serve(listener, app).await });
        RuntimeApi { addr, sender, shared }
    }

    /// Starts a function binary against this runtime API with `env` (plus the variables the
    /// Lambda service always sets).
    pub fn spawn(&self, binary: &Path, env: &[(&str, String)]) -> Function {
        let mut cmd = Command::new(binary);
        cmd.env("AWS_LAMBDA_RUNTIME_API", self.addr.to_string())
            .env("AWS_LAMBDA_FUNCTION_NAME", binary.file_name().and_then(|n| n.to_str()).unwrap_or("function"))
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/local")
            .env("AWS_LAMBDA_LOG_STREAM_NAME", "local")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in env {
            cmd.env(k, v);
        }
        *self.shared.first_next.lock().expect("lock") = None;
        let started = Instant::now();
        Function { child: cmd.spawn().expect("start function"), started }
    }

    /// Time from `spawn` to the function's first request for work (its init phase).
    pub async fn wait_initialised(&self, f: &Function, timeout: Duration) -> Option<Duration> {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if let Some(t) = *self.shared.first_next.lock().expect("lock") {
                return Some(t.duration_since(f.started));
            }
            if self.shared.init_error.lock().expect("lock").is_some() {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        None
    }

    /// Invokes the function with `event` and waits for its answer.
    pub async fn invoke(&self, event: Value) -> Result<Value, Value> {
        let id = uuid::Uuid::new_v4().to_string();
        let (tx, rx) = oneshot::channel();
        self.shared.pending.lock().expect("lock").insert(id.clone(), tx);
        self.sender.send((id, event)).expect("queue");
        match tokio::time::timeout(Duration::from_secs(30), rx).await {
            Ok(Ok(r)) => r,
            _ => Err(Value::String("no answer within 30 s".into())),
        }
    }

    pub fn init_error(&self) -> Option<String> {
        self.shared.init_error.lock().expect("lock").clone()
    }
}

/// A running function process (killed on drop).
pub struct Function {
    child: Child,
    pub started: Instant,
}

impl Function {
    /// Stops the function and returns what it logged (stdout, then stderr).
    pub fn stop(mut self) -> String {
        use std::io::Read;
        let _ = self.child.kill();
        let _ = self.child.wait();
        let mut out = String::new();
        if let Some(mut o) = self.child.stdout.take() {
            let _ = o.read_to_string(&mut out);
        }
        if let Some(mut e) = self.child.stderr.take() {
            let _ = e.read_to_string(&mut out);
        }
        out
    }
}

impl Drop for Function {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An API Gateway HTTP API (payload v2) event, as the JWT authorizer passes it on.
pub fn http_event(method: &str, path: &str, claims: Option<&[(&str, &str)]>, body: Option<&Value>) -> Value {
    let mut ctx = serde_json::json!({
        "accountId": "000000000000",
        "apiId": "local",
        "domainName": "local.execute-api.eu-west-2.amazonaws.com",
        "domainPrefix": "local",
        "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1", "userAgent": "test"},
        "requestId": uuid::Uuid::new_v4().to_string(),
        "routeKey": "$default",
        "stage": "$default",
        "time": "23/Nov/2026:18:00:00 +0000",
        "timeEpoch": 1795456800000u64
    });
    if let Some(claims) = claims {
        let map: serde_json::Map<String, Value> =
            claims.iter().map(|(k, v)| ((*k).to_owned(), Value::from(*v))).collect();
        ctx["authorizer"] = serde_json::json!({"jwt": {"claims": map, "scopes": null}});
    }
    let (raw_path, raw_query) = path.split_once('?').unwrap_or((path, ""));
    serde_json::json!({
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": raw_path,
        "rawQueryString": raw_query,
        "headers": {"content-type": "application/json", "host": "local.execute-api.eu-west-2.amazonaws.com"},
        "requestContext": ctx,
        "body": body.map(|b| b.to_string()),
        "isBase64Encoded": false
    })
}
