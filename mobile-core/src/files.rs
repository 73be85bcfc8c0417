//! Documents on the phone: a letter photographed with no signal is captured at once (copied,
//! encrypted, into the vault's directory and shown as `pending`), registered, uploaded through
//! the link the server signs and confirmed at the next sync; a document is opened from an
//! encrypted cache, downloaded once and evicted least recently used first under a cap the app
//! sets. Revocation, an expired lease, account deletion and sign-out delete the files of the
//! scopes concerned.
//!
//! Files live in `<db_path>.files/`, named by a keyed hash of the document id; the `files`
//! table says whose each is. A plain copy for a viewer (`openDocument`) is written to
//! `<db_path>.files/open/` and deleted by `closeDocument`, by the next open of the vault, and
//! with the rest.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, params};
use senvault_domain::{
    ChildId, Command, Document, DocumentCategory, DocumentCommand, DocumentId, DocumentPatch, DocumentState,
    DocumentType, EvidenceKind, MAX_DOCUMENT_BYTES, Record, Scope, keys,
};

use crate::changes::SyncStage;
use crate::client::{SyncReport, VaultClient};
use crate::error::VaultError;
use crate::keys::private_file;
use crate::methods::{date, id};
use crate::replica;

/// The cache's default cap: 200 MB of downloaded documents (captures waiting to upload are
/// never evicted and do not count).
pub const DEFAULT_CACHE_BYTES: u64 = 200 * 1000 * 1000;

/// Where a document's bytes are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum UploadState {
    /// Captured on this device; uploaded at the next sync.
    Pending,
    /// Registered (on another device or the web) and not uploaded yet.
    Waiting,
    /// Stored by the server.
    Uploaded,
}

/// A document of a child, as the device holds it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct DocumentItem {
    pub id: String,
    pub child_id: String,
    pub title: String,
    pub category: DocumentCategory,
    pub content_type: DocumentType,
    pub size: u64,
    pub document_date: Option<String>,
    pub evidence_kind: Option<EvidenceKind>,
    pub upload: UploadState,
    /// Its bytes are on the device (captured here, or opened before and still cached): it opens
    /// without a network.
    pub on_device: bool,
}

/// A document opened for a viewer: a plain copy at `path`, until `closeDocument`.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct OpenedDocument {
    pub path: String,
    pub title: String,
    pub content_type: DocumentType,
    pub size: u64,
}

/// The directory of a replica's files.
pub(crate) fn dir(db_path: &Path) -> PathBuf {
    let mut d = db_path.as_os_str().to_owned();
    d.push(".files");
    PathBuf::from(d)
}

fn open_dir(db_path: &Path) -> PathBuf {
    dir(db_path).join("open")
}

fn storage(e: std::io::Error) -> VaultError {
    VaultError::Storage { detail: e.to_string() }
}

fn private_dir(path: &Path) -> Result<(), VaultError> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(path).map_err(storage)
}

fn remove(path: &Path) -> Result<(), VaultError> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(storage(e)),
    }
}

/// Deletes every file of the replica (sign-out, account deletion).
pub(crate) fn destroy(db_path: &Path) -> Result<(), VaultError> {
    match std::fs::remove_dir_all(dir(db_path)) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(storage(e)),
    }
}

/// Deletes every file the `files` table does not name, and every plain copy left open. Called
/// with the replica held (so no capture is between writing its file and recording it), at open
/// and after anything is forgotten; a capture still being encrypted (`.part`) is left unless
/// the vault is only now opening.
pub(crate) fn sweep(conn: &Connection, db_path: &Path) -> Result<(), VaultError> {
    sweep_with(conn, db_path, true, true)
}

/// `opening`: captures still being encrypted go too; `plain_copies`: so do the copies open in
/// a viewer (at open, and when access ends).
fn sweep_with(conn: &Connection, db_path: &Path, opening: bool, plain_copies: bool) -> Result<(), VaultError> {
    if plain_copies {
        let _ = std::fs::remove_dir_all(open_dir(db_path));
    }
    let named: std::collections::HashSet<String> = {
        let mut stmt = conn.prepare_cached("SELECT name FROM files")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        rows.collect::<Result<_, _>>()?
    };
    let entries = match std::fs::read_dir(dir(db_path)) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(storage(e)),
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let part = name.ends_with(".part");
        if entry.path().is_file() && !named.contains(&name) && (!part || opening) {
            remove(&entry.path())?;
        }
    }
    Ok(())
}

/// After a scope is forgotten (revoked, account gone) or its lease passed: its files' rows go
/// (`with_pending`: the captures waiting too — kept when only a lease passed, as they are the
/// user's own work), then their files.
pub(crate) fn forget(conn: &Connection, scope: &str, with_pending: bool) -> Result<(), VaultError> {
    if with_pending {
        conn.execute("DELETE FROM files WHERE scope = ?1", params![scope])?;
    } else {
        conn.execute("DELETE FROM files WHERE scope = ?1 AND state = 'cached'", params![scope])?;
    }
    Ok(())
}

/// Deletes the files nothing names any more (an eviction, a refused upload); a copy open in a
/// viewer stays.
pub(crate) fn after_forget(conn: &Connection, db_path: &Path) -> Result<(), VaultError> {
    sweep_with(conn, db_path, false, false)
}

/// After access ended (a revocation, a lease passed, `forget`): the files nothing names any
/// more, and every copy open in a viewer (which scope each was of is not written down).
pub(crate) fn after_access_ended(conn: &Connection, db_path: &Path) -> Result<(), VaultError> {
    sweep_with(conn, db_path, false, true)
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// The document `document_id` as the device holds it, with its scope.
fn local_document(conn: &Connection, document_id: DocumentId) -> Result<Option<(Scope, Document)>, VaultError> {
    let key = keys::document(document_id);
    let Some(scope) = replica::scope_of_key(conn, &key)? else { return Ok(None) };
    Ok(match replica::get(conn, &scope.to_string(), &key)? {
        Some(row) if !row.deleted => match row.record {
            Record::Document(d) => Some((scope, d)),
            _ => None,
        },
        _ => None,
    })
}

fn not_found() -> VaultError {
    VaultError::Refused { status: 404, detail: "document not found".into() }
}

/// A document's row in `files`: its state and file name.
fn file_row(conn: &Connection, document_id: &str) -> Result<Option<(String, String)>, VaultError> {
    let mut stmt = conn.prepare_cached("SELECT state, name FROM files WHERE document_id = ?1")?;
    let mut rows = stmt.query(params![document_id])?;
    Ok(match rows.next()? {
        Some(r) => Some((r.get(0)?, r.get(1)?)),
        None => None,
    })
}

fn item(doc: &Document, file: Option<&str>) -> DocumentItem {
    DocumentItem {
        id: doc.id.to_string(),
        child_id: doc.child_id.to_string(),
        title: doc.title.clone(),
        category: doc.category,
        content_type: doc.content_type,
        size: doc.size,
        document_date: doc.document_date.map(|d| d.to_string()),
        evidence_kind: doc.evidence_kind,
        upload: match (doc.state, file) {
            (DocumentState::Uploaded, _) => UploadState::Uploaded,
            (_, Some("pending")) => UploadState::Pending,
            _ => UploadState::Waiting,
        },
        on_device: file.is_some(),
    }
}

/// How an answer about one upload is taken: `Ok` (with the answer's body) to go on, `Later` to
/// try at the next sync, `Refused` for good (reported as an outcome), or an error that ends the
/// sync.
enum Step {
    Ok(Vec<u8>),
    Later,
    Refused { status: u16, code: String, detail: String },
}

fn problem(answer: &crate::transport::Answer) -> (String, String) {
    let v: serde_json::Value = serde_json::from_slice(&answer.body).unwrap_or_default();
    let text = |k: &str| v[k].as_str().map(str::to_owned);
    // Storage answers in its own words (S3's XML): say what the status means.
    let detail = text("detail").unwrap_or_else(|| format!("document storage answered {}", answer.status));
    (text("code").unwrap_or_else(|| "upload-refused".into()), detail)
}

/// What the API's or storage's answer means for an upload.
fn judge(answer: Result<crate::transport::Answer, String>) -> Result<Step, VaultError> {
    let answer = answer.map_err(|detail| VaultError::Offline { detail })?;
    match answer.status {
        200..=299 => Ok(Step::Ok(answer.body)),
        401 => Err(VaultError::Unauthorized { detail: problem(&answer).1 }),
        // Busy, down, or not yet consistent (the upload not seen yet; the registration crossing
        // an edit): the capture waits for the next sync.
        408 | 409 | 425 | 429 | 500..=599 => Ok(Step::Later),
        status => {
            let (code, detail) = problem(&answer);
            Ok(Step::Refused { status, code, detail })
        }
    }
}

#[uniffi::export]
impl VaultClient {
    /// Captures a document offline: the file at `file_path` is copied, encrypted, into the
    /// vault, and the document is recorded at once (`documents(childId)` lists it as
    /// `Pending`); the next sync registers, uploads and confirms it. `content_type` is the
    /// file's MIME type — PDF, Word, JPEG, PNG or plain text; a HEIC photo is refused (convert
    /// it to JPEG first: HEIC cannot go into a tribunal bundle). The original file is left
    /// where it was, for the app to delete.
    #[allow(clippy::too_many_arguments)]
    pub fn capture_document(
        &self,
        child_id: String,
        file_path: String,
        title: String,
        category: DocumentCategory,
        content_type: DocumentType,
        document_date: Option<String>,
        evidence_kind: Option<EvidenceKind>,
    ) -> Result<DocumentItem, VaultError> {
        let child: ChildId = id("child_id", &child_id)?;
        if content_type == DocumentType::Heic {
            return Err(VaultError::Invalid {
                detail: "content_type: HEIC photos are not kept; convert the photo to JPEG before capturing it".into(),
            });
        }
        let patch = DocumentPatch {
            document_date: document_date.map(|d| date("document_date", &d).map(Some)).transpose()?,
            evidence_kind: evidence_kind.map(Some),
            ..Default::default()
        };
        let unreadable = |e: std::io::Error| VaultError::Invalid { detail: format!("file: cannot be read ({e})") };
        let meta = std::fs::metadata(&file_path).map_err(unreadable)?;
        if !meta.is_file() {
            return Err(VaultError::Invalid { detail: "file: not a file".into() });
        }
        check_size(meta.len())?;
        let mut source = std::fs::File::open(&file_path).map_err(unreadable)?;
        let document_id = DocumentId::new();
        let name = self.keys.file_name(&document_id.to_string());
        let dir = dir(&self.path);
        private_dir(&dir)?;
        let part = dir.join(format!("{name}.part"));
        // Encrypted before the replica is touched (the file may be large); a failure leaves no
        // record, no outbox entry and no file.
        let size = match self.keys.seal(&document_id.to_string(), &mut source, &part).and_then(|size| {
            check_size(size)?;
            Ok(size)
        }) {
            Ok(size) => size,
            Err(e) => {
                let _ = std::fs::remove_file(&part);
                return Err(e);
            }
        };
        let mut commands = vec![Command::document(
            child,
            document_id,
            DocumentCommand::CreateDocument { title, category, content_type, size },
        )];
        if patch.document_date.is_some() || patch.evidence_kind.is_some() {
            commands.push(Command::document(child, document_id, DocumentCommand::EditDocument { patch }));
        }
        let scope = Scope::Child(child).to_string();
        let kept = self.execute_all(commands, |tx| {
            tx.execute(
                "INSERT INTO files (document_id, scope, state, name, size, used_at) VALUES (?1, ?2, 'pending', ?3, ?4, ?5)",
                params![document_id.to_string(), scope, name, size as i64, now_ms()],
            )?;
            std::fs::rename(&part, dir.join(&name)).map_err(storage)
        });
        if let Err(e) = kept {
            let _ = std::fs::remove_file(&part);
            return Err(e);
        }
        let conn = self.conn()?;
        let (_, doc) = local_document(&conn, document_id)?.ok_or_else(not_found)?;
        Ok(item(&doc, Some("pending")))
    }

    /// A child's documents, newest first, with where each one's bytes are.
    pub fn documents(&self, child_id: String) -> Result<Vec<DocumentItem>, VaultError> {
        let child: ChildId = id("child_id", &child_id)?;
        let conn = self.conn()?;
        let mut out = Vec::new();
        for row in replica::live(&conn, &Scope::Child(child).to_string(), keys::DOCUMENT_PREFIX)? {
            if let Record::Document(doc) = row.record {
                let file = file_row(&conn, &doc.id.to_string())?;
                out.push((doc.created_at, item(&doc, file.as_ref().map(|(s, _)| s.as_str()))));
            }
        }
        out.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.id.cmp(&b.1.id)));
        Ok(out.into_iter().map(|(_, i)| i).collect())
    }

    /// A document's bytes: from the device if it holds them (a capture, or cached), else
    /// downloaded once (checked against the fingerprint the server recorded) and cached.
    pub fn read_document(&self, document_id: String) -> Result<Vec<u8>, VaultError> {
        let document: DocumentId = id("document_id", &document_id)?;
        let doc_id = document.to_string();
        let (doc, held) = {
            let conn = self.conn()?;
            let (_, doc) = local_document(&conn, document)?.ok_or_else(not_found)?;
            let held = file_row(&conn, &doc_id)?;
            if held.is_some() {
                conn.execute("UPDATE files SET used_at = ?2 WHERE document_id = ?1", params![doc_id, now_ms()])?;
            }
            (doc, held)
        };
        if let Some((_, name)) = held {
            let mut bytes = Vec::with_capacity(doc.size as usize);
            match self.keys.unseal(&doc_id, &dir(&self.path).join(&name), &mut bytes) {
                Ok(_) => return Ok(bytes),
                // A cached copy that no longer reads is dropped and downloaded again.
                Err(VaultError::Corrupt { .. } | VaultError::Storage { .. }) => {
                    let conn = self.conn()?;
                    conn.execute("DELETE FROM files WHERE document_id = ?1 AND state = 'cached'", params![doc_id])?;
                    after_forget(&conn, &self.path)?;
                }
                Err(e) => return Err(e),
            }
        }
        if doc.state != DocumentState::Uploaded {
            return Err(VaultError::Refused { status: 409, detail: "this document has not been uploaded yet".into() });
        }
        let bytes = self.download(&doc)?;
        self.cache(&doc, &bytes)?;
        Ok(bytes)
    }

    /// Opens a document for a viewer: a plain copy, written where only the app can read it,
    /// at the returned path, until `closeDocument` (or the vault's next open, sign-out, or the
    /// end of access to it).
    pub fn open_document(&self, document_id: String) -> Result<OpenedDocument, VaultError> {
        let document: DocumentId = id("document_id", &document_id)?;
        let bytes = self.read_document(document_id)?;
        // Held until the copy is written: a revocation's sweep cannot come between.
        let conn = self.conn()?;
        let (_, doc) = local_document(&conn, document)?.ok_or_else(not_found)?;
        let open = open_dir(&self.path);
        private_dir(&open)?;
        let path = open.join(format!(
            "{}.{}",
            self.keys.file_name(&document.to_string()),
            senvault_domain::export::extension(doc.content_type)
        ));
        let mut file = private_file(&path)?;
        std::io::Write::write_all(&mut file, &bytes).map_err(storage)?;
        Ok(OpenedDocument {
            path: path.to_string_lossy().into_owned(),
            title: doc.title,
            content_type: doc.content_type,
            size: bytes.len() as u64,
        })
    }

    /// Deletes the plain copy `openDocument` wrote (the encrypted one stays cached).
    pub fn close_document(&self, document_id: String) -> Result<(), VaultError> {
        let document: DocumentId = id("document_id", &document_id)?;
        let prefix = format!("{}.", self.keys.file_name(&document.to_string()));
        if let Ok(entries) = std::fs::read_dir(open_dir(&self.path)) {
            for entry in entries.flatten() {
                if entry.file_name().to_string_lossy().starts_with(&prefix) {
                    remove(&entry.path())?;
                }
            }
        }
        Ok(())
    }

    /// The most downloaded documents may take on the device (default 200 MB); the least
    /// recently opened go first. Captures waiting to upload are never evicted.
    pub fn set_cache_limit(&self, bytes: u64) -> Result<(), VaultError> {
        if bytes == 0 {
            return Err(VaultError::Invalid { detail: "cache limit: more than 0 bytes".into() });
        }
        let conn = self.conn()?;
        crate::db::meta_set(&conn, "cache_limit", &bytes.to_string())?;
        evict(&conn, &self.path, bytes, None)
    }
}

fn check_size(size: u64) -> Result<(), VaultError> {
    if size == 0 {
        return Err(VaultError::Invalid { detail: "file: empty".into() });
    }
    if size > MAX_DOCUMENT_BYTES {
        return Err(VaultError::Invalid { detail: "file: documents are limited to 50 MB".into() });
    }
    Ok(())
}

/// Keeps the cached documents within `limit` bytes, most recently used first (`keep`, just
/// opened, always stays).
fn evict(conn: &Connection, db_path: &Path, limit: u64, keep: Option<&str>) -> Result<(), VaultError> {
    let cached: Vec<(String, u64)> = {
        let mut stmt =
            conn.prepare_cached("SELECT document_id, size FROM files WHERE state = 'cached' ORDER BY used_at DESC")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get::<_, i64>(1)? as u64)))?;
        rows.collect::<Result<_, _>>()?
    };
    let mut total: u64 = cached.iter().filter(|(d, _)| Some(d.as_str()) == keep).map(|(_, s)| *s).sum();
    let mut gone = 0;
    for (doc, size) in cached.iter().filter(|(d, _)| Some(d.as_str()) != keep) {
        total += size;
        if total > limit {
            conn.execute("DELETE FROM files WHERE document_id = ?1", params![doc])?;
            gone += 1;
        }
    }
    if gone > 0 {
        after_forget(conn, db_path)?;
    }
    Ok(())
}

impl VaultClient {
    fn cache_limit(conn: &Connection) -> Result<u64, VaultError> {
        Ok(crate::db::meta_get(conn, "cache_limit")?.and_then(|v| v.parse().ok()).unwrap_or(DEFAULT_CACHE_BYTES))
    }

    /// Downloads a document's bytes through a link the server signs, checked against the
    /// fingerprint recorded at upload.
    fn download(&self, doc: &Document) -> Result<Vec<u8>, VaultError> {
        let mut report = SyncReport::default();
        let view: serde_json::Value =
            self.request("GET", &format!("/v1/documents/{}", doc.id), &self.auth.token(), None, &mut report)?;
        let link = &view["download_url"];
        let url = link["url"]
            .as_str()
            .ok_or(VaultError::Refused { status: 409, detail: "this document has not been uploaded yet".into() })?;
        let headers = signed_headers(link);
        let bytes = match judge(self.transport.transfer("GET", url, &headers, None))? {
            Step::Ok(bytes) => bytes,
            Step::Later => return Err(VaultError::Offline { detail: "document storage is busy".into() }),
            Step::Refused { status, detail, .. } => return Err(VaultError::Refused { status, detail }),
        };
        if let Some(expected) = &view["sha256"].as_str().or(doc.sha256.as_deref()) {
            let got = crate::keys::hex(ring::digest::digest(&ring::digest::SHA256, &bytes).as_ref());
            if &got != expected {
                return Err(VaultError::Server {
                    status: 200,
                    detail: "the downloaded file is not the one recorded at upload; it was not kept".into(),
                });
            }
        }
        Ok(bytes)
    }

    /// Keeps downloaded bytes, encrypted, in the cache — unless access to them ended while
    /// they were downloading.
    fn cache(&self, doc: &Document, bytes: &[u8]) -> Result<(), VaultError> {
        let doc_id = doc.id.to_string();
        let name = self.keys.file_name(&doc_id);
        let dir = dir(&self.path);
        private_dir(&dir)?;
        let part = dir.join(format!("{name}.part"));
        self.keys.seal(&doc_id, &mut &bytes[..], &part)?;
        let conn = self.conn()?;
        let Some((scope, _)) = local_document(&conn, doc.id)? else {
            remove(&part)?;
            return Err(not_found());
        };
        std::fs::rename(&part, dir.join(&name)).map_err(storage)?;
        conn.execute(
            "INSERT INTO files (document_id, scope, state, name, size, used_at) VALUES (?1, ?2, 'cached', ?3, ?4, ?5)
             ON CONFLICT (document_id) DO UPDATE SET used_at = excluded.used_at",
            params![doc_id, scope.to_string(), name, bytes.len() as i64, now_ms()],
        )?;
        evict(&conn, &self.path, Self::cache_limit(&conn)?, Some(&doc_id))
    }

    /// Uploads every capture waiting (after the push, so the server holds their records):
    /// registered again by id (the same document, however often this is retried), the bytes
    /// sent through the signed link, then confirmed. Answers how many were confirmed; a capture
    /// the server refuses is reported (`takeOutcomes`) and its file deleted; one that cannot go
    /// now waits for the next sync.
    pub(crate) fn upload_pending(&self, token: &str, report: &mut SyncReport) -> Result<u64, VaultError> {
        let pending: Vec<(String, String, u64)> = {
            let conn = self.conn()?;
            let mut stmt =
                conn.prepare("SELECT document_id, name, size FROM files WHERE state = 'pending' ORDER BY used_at")?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get::<_, i64>(2)? as u64)))?;
            rows.collect::<Result<_, _>>()?
        };
        let total: u64 = pending.iter().map(|p| p.2).sum();
        let (mut sent, mut confirmed) = (0u64, 0u64);
        for (doc_id, name, size) in pending {
            if total > 0 {
                self.listeners.progress(SyncStage::Uploading, sent, total);
            }
            self.check_cancelled()?;
            let document: DocumentId = id("document_id", &doc_id)?;
            let doc = {
                let conn = self.conn()?;
                match local_document(&conn, document)? {
                    Some((_, doc)) => doc,
                    // Deleted here, or refused when it was sent (reported then): nothing to upload.
                    None => {
                        conn.execute("DELETE FROM files WHERE document_id = ?1", params![doc_id])?;
                        after_forget(&conn, &self.path)?;
                        continue;
                    }
                }
            };
            let outcome = if doc.state == DocumentState::Uploaded {
                Step::Ok(Vec::new())
            } else {
                self.upload_one(token, &doc, &name, report)?
            };
            let conn = self.conn()?;
            match outcome {
                Step::Ok(_) => {
                    confirmed += 1;
                    // Kept as a cached copy: it opens without downloading it back.
                    conn.execute(
                        "UPDATE files SET state = 'cached', used_at = ?2 WHERE document_id = ?1",
                        params![doc_id, now_ms()],
                    )?;
                    evict(&conn, &self.path, Self::cache_limit(&conn)?, Some(&doc_id))?;
                }
                Step::Later => {}
                Step::Refused { status, code, detail } => {
                    report.rejected += 1;
                    let mid: i64 =
                        conn.query_row("SELECT MIN(0, COALESCE(MIN(mid), 0)) - 1 FROM outcomes", [], |r| r.get(0))?;
                    conn.execute(
                        "INSERT INTO outcomes (mid, status, code, detail, command, kind, document_id)
                         VALUES (?1, ?2, ?3, ?4, 'upload_document', 'upload', ?5)",
                        params![mid, status, code, detail, doc_id],
                    )?;
                    conn.execute("DELETE FROM files WHERE document_id = ?1", params![doc_id])?;
                    after_forget(&conn, &self.path)?;
                }
            }
            sent += size;
        }
        if total > 0 {
            self.listeners.progress(SyncStage::Uploading, sent, total);
        }
        Ok(confirmed)
    }

    /// Registers (again), uploads and confirms one capture.
    fn upload_one(&self, token: &str, doc: &Document, name: &str, report: &mut SyncReport) -> Result<Step, VaultError> {
        let register = serde_json::json!({
            "id": doc.id, "title": doc.title, "category": doc.category,
            "content_type": doc.content_type, "size": doc.size,
        });
        let path = format!("/v1/children/{}/documents", doc.child_id);
        self.check_cancelled()?;
        let view = match judge(self.transport.call("POST", &path, token, Some(serde_json::to_vec(&register)?)))? {
            Step::Ok(body) => body,
            other => return Ok(other),
        };
        report.bytes_received += view.len() as u64;
        let view: serde_json::Value = serde_json::from_slice(&view)
            .map_err(|e| VaultError::Server { status: 201, detail: format!("unreadable answer: {e}") })?;
        let link = &view["upload_url"];
        if let Some(url) = link["url"].as_str() {
            let mut bytes = Vec::with_capacity(doc.size as usize);
            if let Err(e) = self.keys.unseal(&doc.id.to_string(), &dir(&self.path).join(name), &mut bytes) {
                return Ok(Step::Refused {
                    status: 422,
                    code: "capture-lost".into(),
                    detail: format!("the captured file could not be read on this device ({e}); capture it again"),
                });
            }
            self.check_cancelled()?;
            let method = link["method"].as_str().unwrap_or("PUT");
            match judge(self.transport.transfer(method, url, &signed_headers(link), Some(bytes)))? {
                Step::Ok(_) => {}
                other => return Ok(other),
            }
        }
        self.check_cancelled()?;
        let confirm = format!("/v1/documents/{}/uploaded", doc.id);
        judge(self.transport.call("POST", &confirm, token, None))
    }
}

/// The headers a signed link must be used with.
fn signed_headers(link: &serde_json::Value) -> Vec<(String, String)> {
    link["headers"]
        .as_object()
        .map(|h| h.iter().filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_owned()))).collect())
        .unwrap_or_default()
}
