//! How the core reaches the server: a small blocking HTTP client (ureq with rustls) on the
//! phone; tests put faults or an in-process server behind the same trait.

use std::time::Duration;

/// The server's answer: its status and body.
pub struct Answer {
    pub status: u16,
    pub body: Vec<u8>,
}

/// One request to the API. `Err` means nothing usable came back (no network, a timeout, a
/// dropped connection): the request may or may not have reached the server.
pub trait Transport: Send + Sync {
    fn call(&self, method: &str, path: &str, token: &str, body: Option<Vec<u8>>) -> Result<Answer, String>;

    /// A request to document storage at a URL the server signed, with the headers it signed
    /// (no token: the signature is the permission, for a few minutes). `Err` as for `call`.
    fn transfer(
        &self,
        method: &str,
        url: &str,
        headers: &[(String, String)],
        body: Option<Vec<u8>>,
    ) -> Result<Answer, String>;
}

/// The most a document download may bring (documents are at most 50 MB).
pub const TRANSFER_LIMIT: u64 = 64 << 20;

/// HTTPS (or HTTP to a local server) with a 30-second limit per request.
pub struct Http {
    base: String,
    agent: ureq::Agent,
}

impl Http {
    pub fn new(base_url: &str) -> Self {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(30)))
            .build()
            .into();
        Http { base: base_url.trim_end_matches('/').to_owned(), agent }
    }
}

impl Transport for Http {
    fn call(&self, method: &str, path: &str, token: &str, body: Option<Vec<u8>>) -> Result<Answer, String> {
        let url = format!("{}{path}", self.base);
        let auth = format!("Bearer {token}");
        let sent = match (method, body) {
            ("GET", _) => self.agent.get(&url).header("Authorization", &auth).call(),
            (_, body) => self
                .agent
                .post(&url)
                .header("Authorization", &auth)
                .header("Content-Type", "application/json")
                .send(body.unwrap_or_default().as_slice()),
        };
        let mut res = sent.map_err(|e| e.to_string())?;
        let status = res.status().as_u16();
        let body = res.body_mut().with_config().limit(16 << 20).read_to_vec().map_err(|e| e.to_string())?;
        Ok(Answer { status, body })
    }

    fn transfer(
        &self,
        method: &str,
        url: &str,
        headers: &[(String, String)],
        body: Option<Vec<u8>>,
    ) -> Result<Answer, String> {
        let mut request = ureq::http::Request::builder().method(method).uri(url);
        // The length is the body's own (the client sets it; the signature covers the same).
        for (name, value) in headers.iter().filter(|(n, _)| !n.eq_ignore_ascii_case("content-length")) {
            request = request.header(name.as_str(), value.as_str());
        }
        // A document of 50 MB over a slow mobile link takes longer than an API call.
        let limit = Some(Duration::from_secs(15 * 60));
        let mut res = match body {
            Some(body) => {
                let req = request.body(body).map_err(|e| e.to_string())?;
                self.agent.run(self.agent.configure_request(req).timeout_global(limit).build())
            }
            None => {
                let req = request.body(()).map_err(|e| e.to_string())?;
                self.agent.run(self.agent.configure_request(req).timeout_global(limit).build())
            }
        }
        .map_err(|e| e.to_string())?;
        let status = res.status().as_u16();
        let body = res.body_mut().with_config().limit(TRANSFER_LIMIT).read_to_vec().map_err(|e| e.to_string())?;
        Ok(Answer { status, body })
    }
}
