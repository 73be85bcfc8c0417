//! The filesystem blob adapter for the local server: bytes under a directory, moved with
//! signed URLs that the local server itself serves (`PUT`/`GET /blobs/<key>`). Like S3's, a URL
//! is an HMAC-SHA256 signature over the operation, key, expiry and (for uploads) the content
//! type and length; it is refused once expired or if anything in it was changed.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use async_trait::async_trait;
use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Path as UrlPath, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::*;
use crate::problem::Problem;

/// What a closed upload slot's marker adds to the slot's file name.
const CLOSED_SUFFIX: &str = ".closed";

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

    /// The marker that closes `key` to uploads: written when its bytes are confirmed (moved
    /// away) or deleted, so a signed upload link replayed afterwards cannot put an orphan file
    /// back. Keys never contain a `.`, so no key is ever a marker.
    fn closed_marker(&self, key: &str) -> Result<PathBuf, BlobError> {
        let path = self.path(key)?;
        let mut name = path.clone().into_os_string();
        name.push(CLOSED_SUFFIX);
        Ok(PathBuf::from(name))
    }

    async fn close(&self, key: &str) -> Result<(), BlobError> {
        let marker = self.closed_marker(key)?;
        if let Some(dir) = marker.parent() {
            private_dirs(dir).await.map_err(backend)?;
        }
        let mut options = tokio::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        options.mode(0o600);
        options.open(&marker).await.map(|_| ()).map_err(backend)
    }

    fn is_closed(&self, key: &str) -> bool {
        self.closed_marker(key).is_ok_and(|m| m.exists())
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
        // The upload counts the body itself (and stops at the signed length).
        Router::new()
            .route("/blobs/{*key}", get(download).put(upload))
            .layer(DefaultBodyLimit::disable())
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

    async fn put(&self, key: &str, bytes: Vec<u8>, _content_type: &str) -> Result<(), BlobError> {
        use tokio::io::AsyncWriteExt;
        let path = self.path(key)?;
        if let Some(dir) = path.parent() {
            private_dirs(dir).await.map_err(backend)?;
        }
        // Written aside and moved into place: a reader never sees half a file.
        let mut part = path.clone().into_os_string();
        part.push(".part");
        let mut options = tokio::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        options.mode(0o600);
        let mut file = options.open(&part).await.map_err(backend)?;
        file.write_all(&bytes).await.map_err(backend)?;
        file.sync_all().await.map_err(backend)?;
        tokio::fs::rename(&part, &path).await.map_err(backend)
    }

    async fn put_in_parts(&self, key: &str, _content_type: &str) -> Result<Box<dyn PartWriter>, BlobError> {
        let path = self.path(key)?;
        if let Some(dir) = path.parent() {
            private_dirs(dir).await.map_err(backend)?;
        }
        let mut part = path.clone().into_os_string();
        part.push(".part");
        let part = PathBuf::from(part);
        let mut options = tokio::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        options.mode(0o600);
        let file = options.open(&part).await.map_err(backend)?;
        Ok(Box::new(FileParts { file, part, path }))
    }

    async fn promote(&self, from: &str, to: &str) -> Result<Option<(u64, String)>, BlobError> {
        let (source, target) = (self.path(from)?, self.path(to)?);
        // Moved first, then measured where it now is: what is hashed is what stays.
        if let Some(dir) = target.parent() {
            private_dirs(dir).await.map_err(backend)?;
        }
        match tokio::fs::rename(&source, &target).await {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(backend(e)),
        }
        let mut file = tokio::fs::File::open(&target).await.map_err(backend)?;
        let mut hasher = Sha256::new();
        let mut size = 0u64;
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            use tokio::io::AsyncReadExt;
            let n = file.read(&mut buf).await.map_err(backend)?;
            if n == 0 {
                break;
            }
            size += n as u64;
            hasher.update(&buf[..n]);
        }
        Ok(Some((size, hex(&hasher.finalize()))))
    }

    async fn seal(&self, key: &str) -> Result<(), BlobError> {
        self.close(key).await
    }

    async fn delete(&self, key: &str) -> Result<(), BlobError> {
        match tokio::fs::remove_file(self.path(key)?).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(backend(e)),
        }
    }

    async fn expire_uploads(&self, age: Duration) -> Result<usize, BlobError> {
        self.remove_older(UPLOADS_PREFIX, age).await
    }

    /// A prefix ending in `/` is a directory (removed whole, the markers that close upload
    /// slots included); any other prefix is one file and its marker.
    async fn delete_prefix(&self, prefix: &str) -> Result<Removed, BlobError> {
        let path = self.path(prefix.trim_end_matches('/'))?;
        let whole_dir = prefix.ends_with('/');
        tokio::task::spawn_blocking(move || {
            fn count(path: &Path, removed: &mut Removed) -> std::io::Result<()> {
                let meta = match std::fs::symlink_metadata(path) {
                    Ok(m) => m,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
                    Err(e) => return Err(e),
                };
                if meta.is_dir() {
                    for entry in std::fs::read_dir(path)? {
                        count(&entry?.path(), removed)?;
                    }
                } else if !path.file_name().is_some_and(|n| n.to_string_lossy().contains('.')) {
                    // Markers and half-written files (names with a `.`) are not objects.
                    removed.objects += 1;
                    removed.bytes += meta.len();
                }
                Ok(())
            }
            let gone = |r: std::io::Result<()>| match r {
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
                other => other,
            };
            let mut removed = Removed::default();
            count(&path, &mut removed)?;
            if whole_dir {
                gone(std::fs::remove_dir_all(&path))?;
            } else {
                gone(std::fs::remove_file(&path))?;
                let mut marker = path.clone().into_os_string();
                marker.push(CLOSED_SUFFIX);
                gone(std::fs::remove_file(&marker))?;
            }
            Ok::<_, std::io::Error>(removed)
        })
        .await
        .map_err(backend)?
        .map_err(backend)
    }

    async fn expire_exports(&self, age: Duration) -> Result<usize, BlobError> {
        self.remove_older(EXPORTS_PREFIX, age).await
    }
}

/// A file written aside part by part and moved into place when finished.
struct FileParts {
    file: tokio::fs::File,
    part: PathBuf,
    path: PathBuf,
}

#[async_trait]
impl PartWriter for FileParts {
    async fn write_part(&mut self, bytes: Vec<u8>) -> Result<(), BlobError> {
        use tokio::io::AsyncWriteExt;
        self.file.write_all(&bytes).await.map_err(backend)
    }

    async fn finish(self: Box<Self>) -> Result<(), BlobError> {
        self.file.sync_all().await.map_err(backend)?;
        drop(self.file);
        tokio::fs::rename(&self.part, &self.path).await.map_err(backend)
    }

    async fn abort(self: Box<Self>) {
        drop(self.file);
        let _ = tokio::fs::remove_file(&self.part).await;
    }
}

impl FsBlobs {
    /// Removes every file under `prefix` older than `age`; answers how many.
    async fn remove_older(&self, prefix: &str, age: Duration) -> Result<usize, BlobError> {
        let root = self.root.join(prefix.trim_end_matches('/'));
        let cutoff = std::time::SystemTime::now().checked_sub(age).unwrap_or(std::time::UNIX_EPOCH);
        tokio::task::spawn_blocking(move || {
            fn sweep(dir: &Path, cutoff: std::time::SystemTime, removed: &mut usize) -> std::io::Result<()> {
                let entries = match std::fs::read_dir(dir) {
                    Ok(e) => e,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
                    Err(e) => return Err(e),
                };
                for entry in entries {
                    let entry = entry?;
                    let meta = entry.metadata()?;
                    if meta.is_dir() {
                        sweep(&entry.path(), cutoff, removed)?;
                    } else if meta.modified()? < cutoff {
                        std::fs::remove_file(entry.path())?;
                        *removed += 1;
                    }
                }
                Ok(())
            }
            let mut removed = 0;
            sweep(&root, cutoff, &mut removed).map(|()| removed)
        })
        .await
        .map_err(backend)?
        .map_err(backend)
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

/// `PUT /blobs/<key>`: everything about the request is checked — the signature, its expiry, the
/// content type and the declared length — before a byte of the body is read; the body is then
/// streamed to a temporary file, counted, and moved into place only if it is exactly the
/// declared length. A forged or stale link costs the server nothing, however large the body.
async fn upload(
    State(blobs): State<Arc<FsBlobs>>,
    UrlPath(key): UrlPath<String>,
    query: Result<Query<SignedQuery>, axum::extract::rejection::QueryRejection>,
    headers: HeaderMap,
    body: Body,
) -> Result<StatusCode, Problem> {
    let forbidden = |detail: &str| Problem::new(StatusCode::FORBIDDEN, "bad-signature", "Link not valid", detail);
    let Query(q) = query.map_err(|_| forbidden("not a signed link"))?;
    let declared = q.len.ok_or_else(|| Problem::bad_request("the link has no length"))?;
    blobs.verify("put", &key, &q, Some(declared))?;
    let sent_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    if Some(sent_type) != q.r#type.as_deref() {
        return Err(forbidden("the content type differs from the one signed"));
    }
    let length = headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if length.is_some_and(|l| l != declared) {
        return Err(forbidden("the body length differs from the one signed"));
    }
    let path = blobs.path(&key).map_err(|_| Problem::not_found("blob"))?;
    let closed = || {
        Problem::new(
            StatusCode::GONE,
            "upload-closed",
            "Upload link used up",
            "this document was already uploaded and confirmed, or deleted; register a new document",
        )
    };
    if blobs.is_closed(&key) {
        return Err(closed());
    }
    let failed = |e: std::io::Error| {
        tracing::error!(error = %e, "blob write failed");
        Problem::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "Internal error", "the upload could not be stored")
    };
    if let Some(dir) = path.parent() {
        private_dirs(dir).await.map_err(failed)?;
    }
    // Atomic: a reader never sees half a document, and a failed upload leaves nothing.
    let tmp = path.with_extension(format!("tmp-{}", uuid::Uuid::new_v4().simple()));
    let written = stream_to(&tmp, body, declared).await;
    let finished = match written {
        // Closed while the body arrived (confirmed or deleted meanwhile): nothing is kept.
        Ok(_) if blobs.is_closed(&key) => Err(closed()),
        Ok(n) if n == declared => tokio::fs::rename(&tmp, &path).await.map_err(failed),
        Ok(_) => Err(forbidden("the body length differs from the one signed")),
        Err(StreamError::TooLong) => Err(forbidden("the body length differs from the one signed")),
        Err(StreamError::Body) => {
            Err(Problem::new(StatusCode::BAD_REQUEST, "bad-body", "Unreadable body", "the upload broke off"))
        }
        Err(StreamError::Io(e)) => Err(failed(e)),
    };
    if finished.is_err() {
        let _ = tokio::fs::remove_file(&tmp).await;
    }
    finished.map(|()| StatusCode::OK)
}

enum StreamError {
    TooLong,
    Body,
    Io(std::io::Error),
}

/// Writes the body to `path` as it arrives, stopping as soon as it passes `limit` bytes.
async fn stream_to(path: &Path, body: Body, limit: u64) -> Result<u64, StreamError> {
    use tokio::io::AsyncWriteExt;
    let mut options = tokio::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    options.mode(0o600);
    let mut file = options.open(path).await.map_err(StreamError::Io)?;
    // Each write hands at most one body chunk's worth to the blocking pool (tokio's default
    // would gather up to 2 MiB per upload in memory).
    file.set_max_buf_size(64 * 1024);
    let mut body = body.into_data_stream();
    let mut written = 0u64;
    while let Some(chunk) = futures_util::StreamExt::next(&mut body).await {
        let chunk = chunk.map_err(|_| StreamError::Body)?;
        written += chunk.len() as u64;
        if written > limit {
            return Err(StreamError::TooLong);
        }
        file.write_all(&chunk).await.map_err(StreamError::Io)?;
    }
    file.sync_all().await.map_err(StreamError::Io)?;
    Ok(written)
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
    let file = tokio::fs::File::open(&path).await.map_err(|_| Problem::not_found("blob"))?;
    let size = file.metadata().await.map(|m| m.len()).map_err(|_| Problem::not_found("blob"))?;
    // Streamed in bounded chunks: a download never holds the document in memory, however many
    // run at once.
    let chunks = futures_util::stream::unfold(Some(file), |file| async move {
        use tokio::io::AsyncReadExt;
        let mut file = file?;
        let mut buf = vec![0u8; DOWNLOAD_CHUNK];
        match file.read(&mut buf).await {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((Ok::<_, std::io::Error>(axum::body::Bytes::from(buf)), Some(file)))
            }
            Err(e) => Some((Err(e), None)),
        }
    });
    // The key's last segment is an id (letters, digits, `-`, `_`: `safe_key`), so it is a safe
    // file name as it stands.
    let name = key.rsplit('/').next().unwrap_or("document");
    Ok((
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_owned()),
            (header::CONTENT_LENGTH, size.to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        Body::from_stream(chunks),
    )
        .into_response())
}

/// How much of a document a download reads at a time.
const DOWNLOAD_CHUNK: usize = 64 * 1024;

/// A directory under the data directory for blobs.
pub fn default_root(data_dir: &Path) -> PathBuf {
    data_dir.join("blobs")
}

/// Creates `dir` and its missing parents readable by the owner only: documents about children
/// must not depend on a parent directory's mode (`cp -a` and `rsync -a` keep modes, not
/// parents).
async fn private_dirs(dir: &Path) -> std::io::Result<()> {
    let mut builder = tokio::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    builder.mode(0o700);
    builder.create(dir).await
}

impl FsBlobs {
    /// Narrows every directory under the blob root to 0700 and every file to 0600 (documents
    /// stored by an earlier release, or copied in, may be readable by others). Run at start-up;
    /// answers how many entries it changed.
    pub fn secure_existing(&self) -> std::io::Result<usize> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mut changed = 0;
            let mut pending = vec![self.root.clone()];
            while let Some(dir) = pending.pop() {
                let meta = match std::fs::symlink_metadata(&dir) {
                    Ok(m) => m,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                    Err(e) => return Err(e),
                };
                if !meta.is_dir() {
                    continue;
                }
                if meta.permissions().mode() & 0o777 != 0o700 {
                    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700))?;
                    changed += 1;
                }
                for entry in std::fs::read_dir(&dir)? {
                    let entry = entry?;
                    let kind = entry.file_type()?;
                    if kind.is_dir() {
                        pending.push(entry.path());
                    } else if kind.is_file() && entry.metadata()?.permissions().mode() & 0o777 != 0o600 {
                        std::fs::set_permissions(entry.path(), std::fs::Permissions::from_mode(0o600))?;
                        changed += 1;
                    }
                }
            }
            Ok(changed)
        }
        #[cfg(not(unix))]
        Ok(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Blob directories are 0700 and documents 0600, whatever the umask; ones left readable by
    /// an earlier release are narrowed at start-up.
    #[cfg(unix)]
    #[test]
    fn documents_are_readable_by_their_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let root = std::env::temp_dir().join(format!("senvault-blob-modes-{}", uuid::Uuid::new_v4().simple()));
        let old = root.join("documents/a/b");
        std::fs::create_dir_all(&old).unwrap();
        std::fs::set_permissions(&old, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::write(old.join("plan"), b"Section F").unwrap();
        std::fs::set_permissions(old.join("plan"), std::fs::Permissions::from_mode(0o644)).unwrap();
        let blobs = FsBlobs::new(&root, b"secret", "http://h");
        assert!(blobs.secure_existing().unwrap() >= 2);
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!((mode(&old), mode(&old.join("plan"))), (0o700, 0o600));
        assert_eq!(blobs.secure_existing().unwrap(), 0, "nothing left to narrow");

        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let fresh = root.join("documents/c/d");
        rt.block_on(private_dirs(&fresh)).unwrap();
        let file = fresh.join("upload");
        rt.block_on(stream_to(&file, Body::from("bytes"), 5)).ok().unwrap();
        assert_eq!((mode(&fresh), mode(&root.join("documents/c")), mode(&file)), (0o700, 0o700, 0o600));
        std::fs::remove_dir_all(&root).unwrap();
    }

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
