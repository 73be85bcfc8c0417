//! The filesystem blob adapter for the local server: bytes under a directory, moved with
//! signed URLs that the local server itself serves (`PUT`/`GET /blobs/<key>`). Like S3's, a URL
//! is an HMAC-SHA256 signature over the operation, key, expiry and (for uploads) the content
//! type and length; it is refused once expired or if anything in it was changed.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use async_trait::async_trait;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path as UrlPath, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::*;
use crate::problem::Problem;

type HmacSha256 = Hmac<Sha256>;

pub struct FsBlobs {
    root: PathBuf,
    key: Vec<u8>,
    /// Where the server serving `/blobs` listens (set once it is bound).
    base: RwLock<String>,
}

fn backend(e: impl std::fmt::Display) -> BlobError {
    BlobError::Backend(e.to_string())
}

/// Percent-encodes everything but unreserved characters.
fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Keys are ours (`documents/<uuid>/<uuid>/<uuid>`): nothing that could leave the root.
fn safe_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 300
        && key.split('/').all(|part| !part.is_empty() && part != "." && part != "..")
        && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'/' || b == b'_')
}

impl FsBlobs {
    /// `secret` signs the URLs; a sub-key is derived so it is never used as-is.
    pub fn new(root: impl Into<PathBuf>, secret: &[u8], base_url: impl Into<String>) -> Self {
        let key = Sha256::new().chain_update(b"senvault-blob-urls\0").chain_update(secret).finalize().to_vec();
        Self { root: root.into(), key, base: RwLock::new(base_url.into()) }
    }

    pub fn set_base_url(&self, base: impl Into<String>) {
        if let Ok(mut b) = self.base.write() {
            *b = base.into();
        }
    }

    fn base_url(&self) -> String {
        self.base.read().map(|b| b.clone()).unwrap_or_default()
    }

    fn path(&self, key: &str) -> Result<PathBuf, BlobError> {
        if !safe_key(key) {
            return Err(BlobError::Backend("unusable blob key".into()));
        }
        Ok(self.root.join(key))
    }

    fn sign(&self, op: &str, key: &str, exp: i64, content_type: &str, len: Option<u64>) -> String {
        let len = len.map(|l| l.to_string()).unwrap_or_default();
        let message = format!("{op}\n{key}\n{exp}\n{content_type}\n{len}");
        // HMAC accepts keys of any length.
        let mut mac =
            HmacSha256::new_from_slice(&self.key).unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
        mac.update(message.as_bytes());
        hex(&mac.finalize().into_bytes())
    }

    fn verify(&self, op: &str, key: &str, q: &SignedQuery, len: Option<u64>) -> Result<(), Problem> {
        let forbidden = |detail: &str| Problem::new(StatusCode::FORBIDDEN, "bad-signature", "Link not valid", detail);
        if q.op != op {
            return Err(forbidden("this link is for another operation"));
        }
        let expected = self.sign(op, key, q.exp, q.r#type.as_deref().unwrap_or(""), len);
        // Constant-time comparison of the hex digests.
        let same = expected.len() == q.sig.len()
            && expected.bytes().zip(q.sig.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0;
        if !same {
            return Err(forbidden("the link was changed or was not issued here"));
        }
        if chrono::Utc::now().timestamp() > q.exp {
            return Err(forbidden("the link has expired; ask for a new one"));
        }
        Ok(())
    }

    /// The routes that serve this adapter's signed URLs (mounted by the local server).
    pub fn routes(self: &Arc<Self>) -> Router {
        Router::new()
            .route("/blobs/{*key}", get(download).put(upload))
            .layer(DefaultBodyLimit::max(MAX_SIZE as usize + 1))
            .with_state(self.clone())
    }
}

#[async_trait]
impl Blobs for FsBlobs {
    async fn presign_put(
        &self,
        key: &str,
        content_type: &str,
        size: u64,
        expires: Duration,
    ) -> Result<Presigned, BlobError> {
        check_put(size, expires)?;
        self.path(key)?;
        let exp = chrono::Utc::now().timestamp() + expires.as_secs() as i64;
        let sig = self.sign("put", key, exp, content_type, Some(size));
        let url = format!(
            "{}/blobs/{key}?op=put&exp={exp}&type={}&len={size}&sig={sig}",
            self.base_url(),
            encode(content_type)
        );
        Ok(Presigned {
            method: "PUT",
            url,
            headers: vec![("content-type".into(), content_type.into()), ("content-length".into(), size.to_string())],
            expires_at: chrono::DateTime::from_timestamp(exp, 0).unwrap_or_default(),
        })
    }

    async fn presign_get(&self, key: &str, expires: Duration) -> Result<Presigned, BlobError> {
        check_get(expires)?;
        self.path(key)?;
        let exp = chrono::Utc::now().timestamp() + expires.as_secs() as i64;
        let sig = self.sign("get", key, exp, "", None);
        Ok(Presigned {
            method: "GET",
            url: format!("{}/blobs/{key}?op=get&exp={exp}&sig={sig}", self.base_url()),
            headers: vec![],
            expires_at: chrono::DateTime::from_timestamp(exp, 0).unwrap_or_default(),
        })
    }

    async fn head(&self, key: &str) -> Result<Option<BlobMeta>, BlobError> {
        match tokio::fs::metadata(self.path(key)?).await {
            Ok(m) => Ok(Some(BlobMeta { size: m.len(), content_type: None })),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(backend(e)),
        }
    }

    async fn read(&self, key: &str) -> Result<Option<Vec<u8>>, BlobError> {
        let path = self.path(key)?;
        match tokio::fs::metadata(&path).await {
            Ok(m) if m.len() > MAX_SIZE => return Err(BlobError::TooLarge),
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(backend(e)),
        }
        match tokio::fs::read(&path).await {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(backend(e)),
        }
    }

    async fn delete(&self, key: &str) -> Result<(), BlobError> {
        match tokio::fs::remove_file(self.path(key)?).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(backend(e)),
        }
    }
}

#[derive(Deserialize)]
struct SignedQuery {
    op: String,
    exp: i64,
    sig: String,
    r#type: Option<String>,
    len: Option<u64>,
}

async fn upload(
    State(blobs): State<Arc<FsBlobs>>,
    UrlPath(key): UrlPath<String>,
    query: Result<Query<SignedQuery>, axum::extract::rejection::QueryRejection>,
    headers: HeaderMap,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<StatusCode, Problem> {
    let Query(q) = query
        .map_err(|_| Problem::new(StatusCode::FORBIDDEN, "bad-signature", "Link not valid", "not a signed link"))?;
    let declared = q.len.ok_or_else(|| Problem::bad_request("the link has no length"))?;
    blobs.verify("put", &key, &q, Some(declared))?;
    let sent_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    if Some(sent_type) != q.r#type.as_deref() {
        return Err(Problem::new(
            StatusCode::FORBIDDEN,
            "bad-signature",
            "Link not valid",
            "the content type differs from the one signed",
        ));
    }
    let body = body.map_err(|r| Problem::new(r.status(), "bad-body", "Unreadable body", r.body_text()))?;
    if body.len() as u64 != declared {
        return Err(Problem::new(
            StatusCode::FORBIDDEN,
            "bad-signature",
            "Link not valid",
            "the body length differs from the one signed",
        ));
    }
    let path = blobs.path(&key).map_err(|_| Problem::not_found("blob"))?;
    let write = async {
        if let Some(dir) = path.parent() {
            tokio::fs::create_dir_all(dir).await?;
        }
        // Atomic: a reader never sees half a document.
        let tmp = path.with_extension(format!("tmp-{}", uuid::Uuid::new_v4().simple()));
        tokio::fs::write(&tmp, &body).await?;
        tokio::fs::rename(&tmp, &path).await
    };
    write.await.map_err(|e| {
        tracing::error!(error = %e, "blob write failed");
        Problem::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "Internal error", "the upload could not be stored")
    })?;
    Ok(StatusCode::OK)
}

async fn download(
    State(blobs): State<Arc<FsBlobs>>,
    UrlPath(key): UrlPath<String>,
    query: Result<Query<SignedQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, Problem> {
    let Query(q) = query
        .map_err(|_| Problem::new(StatusCode::FORBIDDEN, "bad-signature", "Link not valid", "not a signed link"))?;
    blobs.verify("get", &key, &q, None)?;
    let path = blobs.path(&key).map_err(|_| Problem::not_found("blob"))?;
    match tokio::fs::read(&path).await {
        Ok(bytes) => Ok(([(header::CONTENT_TYPE, "application/octet-stream")], bytes).into_response()),
        Err(_) => Err(Problem::not_found("blob")),
    }
}

/// A directory under the data directory for blobs.
pub fn default_root(data_dir: &Path) -> PathBuf {
    data_dir.join("blobs")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_cannot_escape_the_root() {
        assert!(safe_key("documents/a-1/b-2/c-3"));
        assert!(!safe_key("documents/../../etc/passwd"));
        assert!(!safe_key("/etc/passwd"));
        assert!(!safe_key("documents//x"));
        assert!(!safe_key("documents/a b"));
    }

    #[test]
    fn signatures_cover_every_field() {
        let b = FsBlobs::new("/tmp/x", b"secret", "http://h");
        let s = b.sign("put", "k", 10, "application/pdf", Some(5));
        assert_ne!(s, b.sign("put", "k", 11, "application/pdf", Some(5)));
        assert_ne!(s, b.sign("put", "k", 10, "image/png", Some(5)));
        assert_ne!(s, b.sign("put", "k", 10, "application/pdf", Some(6)));
        assert_ne!(s, b.sign("get", "k", 10, "application/pdf", Some(5)));
        assert_ne!(s, FsBlobs::new("/tmp/x", b"other", "http://h").sign("put", "k", 10, "application/pdf", Some(5)));
        assert_eq!(encode("application/vnd.x+y"), "application%2Fvnd.x%2By");
    }
}
