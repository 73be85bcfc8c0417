//! The blob port (README, "Storage"): documents are stored under
//! `documents/<family>/<child>/<document id>` and moved by clients directly with short-lived
//! presigned URLs; the API never proxies document bytes.
//!
//! **Evidence cannot be swapped.** A client uploads to an upload slot
//! (`uploads/<family>/<child>/<document id>`), never to the document itself. Confirming the
//! upload *promotes* it: the server measures exactly the bytes it moves into the document's key
//! and records their SHA-256. Nothing a client holds can write the document's key afterwards,
//! so a confirmed document's bytes — downloaded, or read for analysis, which checks the hash
//! again — are the ones whose hash was recorded. Uploads never promoted (a retried upload after
//! the confirmation, one to a deleted document) are orphans that expire: S3 deletes them by a
//! lifecycle rule; the filesystem adapter sweeps them with the scanner.

pub mod fs;
pub mod s3;

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// Longest life of an upload URL.
pub const MAX_PUT_EXPIRY: Duration = Duration::from_secs(15 * 60);
/// Longest life of a download URL.
pub const MAX_GET_EXPIRY: Duration = Duration::from_secs(5 * 60);
/// Largest document.
pub const MAX_SIZE: u64 = 50 * 1024 * 1024;

/// A request the client makes itself: send exactly these headers.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Presigned {
    pub method: &'static str,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub expires_at: DateTime<Utc>,
}

/// What storage holds for a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobMeta {
    pub size: u64,
    pub content_type: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    #[error("presigned URLs live at most {max:?}")]
    ExpiryTooLong { max: Duration },
    #[error("documents are limited to {MAX_SIZE} bytes")]
    TooLarge,
    /// The stored bytes are not the ones whose hash was recorded.
    #[error("the stored file does not match the one confirmed")]
    Mismatch,
    #[error("blob storage failure: {0}")]
    Backend(String),
}

/// How long an upload slot may hold bytes that were never confirmed.
pub const UPLOAD_SLOT_LIFETIME: Duration = Duration::from_secs(24 * 3600);

/// Lower-case hex of bytes.
/// Hex SHA-256 of `bytes`: what the vault records of a file, a compiled bundle, an archive or a
/// link's token.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex(&sha2::Sha256::digest(bytes))
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The object key of a document.
pub fn document_key(family: &str, child: &str, document: &str) -> String {
    format!("documents/{family}/{child}/{document}")
}

/// Where upload slots live.
pub const UPLOADS_PREFIX: &str = "uploads/";
/// Where export archives live.
pub const EXPORTS_PREFIX: &str = "exports/";

#[async_trait]
pub trait Blobs: Send + Sync + 'static {
    /// A URL to upload exactly `size` bytes of `content_type` to `key`.
    async fn presign_put(
        &self,
        key: &str,
        content_type: &str,
        size: u64,
        expires: Duration,
    ) -> Result<Presigned, BlobError>;
    /// A URL to download `key`.
    async fn presign_get(&self, key: &str, expires: Duration) -> Result<Presigned, BlobError>;
    async fn head(&self, key: &str) -> Result<Option<BlobMeta>, BlobError>;
    /// The stored bytes (at most [`MAX_SIZE`]), or `None` if absent. For the server's own use
    /// (measuring an upload, extracting text); clients download with presigned URLs.
    async fn read(&self, key: &str) -> Result<Option<Vec<u8>>, BlobError>;
    /// Size and hex SHA-256 of the stored bytes, or `None` if absent.
    async fn digest(&self, key: &str) -> Result<Option<(u64, String)>, BlobError> {
        Ok(self.read(key).await?.map(|bytes| (bytes.len() as u64, sha256_hex(&bytes))))
    }
    /// The stored bytes, refused unless their SHA-256 is `sha256` (what was confirmed).
    async fn read_verified(&self, key: &str, sha256: &str) -> Result<Option<Vec<u8>>, BlobError> {
        match self.read(key).await? {
            Some(bytes) if sha256_hex(&bytes).eq_ignore_ascii_case(sha256) => Ok(Some(bytes)),
            Some(_) => Err(BlobError::Mismatch),
            None => Ok(None),
        }
    }
    /// Moves what was uploaded to the slot `from` into `to` and answers the size and SHA-256 of
    /// exactly the bytes now at `to`; `None` when nothing was uploaded. The only way bytes reach
    /// a document's key.
    async fn promote(&self, from: &str, to: &str) -> Result<Option<(u64, String)>, BlobError>;
    /// Stores bytes the server made itself (a compiled bundle) at `key`, replacing what was
    /// there.
    async fn put(&self, key: &str, bytes: Vec<u8>, content_type: &str) -> Result<(), BlobError>;
    /// Starts storing a file the server makes as it goes (an export archive), part by part, so
    /// no more than a part is ever held: the object appears whole at `key` when the writer
    /// finishes, or not at all.
    async fn put_in_parts(&self, key: &str, content_type: &str) -> Result<Box<dyn PartWriter>, BlobError>;
    /// Deletes `key`, every stored version of it included.
    async fn delete(&self, key: &str) -> Result<(), BlobError>;
    /// Closes the upload slot `key` for good (its document was confirmed or deleted), so a
    /// signed upload link replayed afterwards stores nothing. Storage that cannot refuse an
    /// upload it has signed (S3) relies on the link's short life and on the sweep of slots.
    async fn seal(&self, _key: &str) -> Result<(), BlobError> {
        Ok(())
    }
    /// Removes uploads older than `age` that were never promoted; answers how many. Storage
    /// that expires them itself (an S3 lifecycle rule) does nothing here.
    async fn expire_uploads(&self, age: Duration) -> Result<usize, BlobError> {
        let _ = age;
        Ok(0)
    }
    /// Deletes every object whose key starts with `prefix` (a whole family's documents, an
    /// export), every stored version of each included; answers how many objects (versions
    /// counted once per key) and bytes (every version's) went. Running it again after it was cut
    /// short finishes the job.
    async fn delete_prefix(&self, prefix: &str) -> Result<Removed, BlobError>;
    /// Removes export archives older than `age`; answers how many. Storage that expires them
    /// itself (an S3 lifecycle rule) does nothing here.
    async fn expire_exports(&self, age: Duration) -> Result<usize, BlobError> {
        let _ = age;
        Ok(0)
    }
}

/// The size of each part but the last a [`PartWriter`] is given (S3 takes parts of at least
/// 5 MiB).
pub const PART_SIZE: usize = 8 * 1024 * 1024;

/// A file being stored in parts, in order ([`Blobs::put_in_parts`]).
#[async_trait]
pub trait PartWriter: Send {
    /// Appends a part: [`PART_SIZE`] bytes or more, except the last.
    async fn write_part(&mut self, bytes: Vec<u8>) -> Result<(), BlobError>;
    /// Makes the object whole at its key.
    async fn finish(self: Box<Self>) -> Result<(), BlobError>;
    /// Gives up: nothing is stored and the parts written so far are discarded.
    async fn abort(self: Box<Self>);
}

/// What a deletion of stored objects removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Removed {
    pub objects: u64,
    pub bytes: u64,
}

impl std::ops::AddAssign for Removed {
    fn add_assign(&mut self, other: Removed) {
        self.objects += other.objects;
        self.bytes += other.bytes;
    }
}

/// Refuses expiries and sizes beyond the limits, before any URL is signed.
pub fn check_put(size: u64, expires: Duration) -> Result<(), BlobError> {
    if expires > MAX_PUT_EXPIRY {
        return Err(BlobError::ExpiryTooLong { max: MAX_PUT_EXPIRY });
    }
    if size > MAX_SIZE {
        return Err(BlobError::TooLarge);
    }
    Ok(())
}

pub fn check_get(expires: Duration) -> Result<(), BlobError> {
    if expires > MAX_GET_EXPIRY {
        return Err(BlobError::ExpiryTooLong { max: MAX_GET_EXPIRY });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_are_enforced_before_signing() {
        assert!(check_put(10, Duration::from_secs(900)).is_ok());
        assert!(matches!(check_put(10, Duration::from_secs(901)), Err(BlobError::ExpiryTooLong { .. })));
        assert!(matches!(check_put(MAX_SIZE + 1, Duration::from_secs(60)), Err(BlobError::TooLarge)));
        assert!(matches!(check_get(Duration::from_secs(301)), Err(BlobError::ExpiryTooLong { .. })));
        assert_eq!(document_key("f", "c", "d"), "documents/f/c/d");
    }
}
