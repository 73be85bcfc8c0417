//! `VaultClient`: the object the apps hold. Every change is decided here by the same rules
//! as the server (`senvault-domain`), written to the overlay and the outbox in one SQLite
//! transaction, and returns at once; `sync()` pushes the outbox, pulls each scope and rebases
//! what is still pending on what the server said.

use std::sync::{Arc, Mutex, MutexGuard};

use chrono::{DateTime, Utc};
use rusqlite::{Connection, params};
use senvault_domain::{Actor, Command, Execution, OpId, Operation, RoleClaim};
use senvault_store::sync::{
    Mutation, Outcome, PullRequest, PullResponse, PullState, PushRequest, PushResponse, SCHEMA, ScopeCursor,
    ScopesResponse,
};
use serde::de::DeserializeOwned;

use crate::changes::{ChangeListener, ChangeOrigin, Gathering};
use crate::db;
use crate::error::VaultError;
use crate::keys::{KeyProvider, VaultKeys};
use crate::replica;
use crate::transport::{Http, Transport};

/// At most this many mutations, and about this many bytes, per push (the API takes 1 MiB).
const PUSH_MUTATIONS: usize = 200;
const PUSH_BYTES: usize = 768 * 1024;
/// Pull rounds per sync (each up to ~1 MB per scope): a first download of a big scope
/// finishes in one sync; a pathological server cannot keep the phone busy for ever.
const PULL_ROUNDS: usize = 1000;

/// Supplies the user's access token.
#[uniffi::export(with_foreign)]
pub trait AuthProvider: Send + Sync {
    /// The current token (the app refreshes it as needed).
    fn token(&self) -> String;
    /// The server refused the token just given: refresh it now (or sign in again) and return
    /// the new one. Asked once per sync; a second refusal ends the sync as `Unauthorized`.
    fn fresh_token(&self) -> String;
}

/// What one `sync()` did.
#[derive(Debug, Clone, Default, uniffi::Record)]
pub struct SyncReport {
    pub pushed: u64,
    pub applied: u64,
    pub rejected: u64,
    pub records_received: u64,
    pub records_removed: u64,
    pub scopes_revoked: u64,
    /// The account was deleted: the device wiped everything it held for it.
    pub account_deleted: bool,
    pub scopes_reset: u64,
    pub bytes_received: u64,
}

/// Where the device stands.
#[derive(Debug, Clone, uniffi::Record)]
pub struct SyncStatus {
    /// Changes made on the device and not yet acknowledged by the server.
    pub outbox_depth: u64,
    /// When the last sync finished (RFC 3339), if ever.
    pub last_sync: Option<String>,
    /// Refused changes the app has not yet shown (`take_outcomes`).
    pub pending_rejections: u64,
    /// After a sync that could not reach the server: when to try again (RFC 3339; backing off
    /// from 30 seconds to 15 minutes, with jitter). Absent once a sync works.
    pub next_retry_at: Option<String>,
    /// Documents captured on the device and not yet uploaded.
    pub pending_uploads: u64,
}

/// A change the server refused, to show the person who made it.
#[derive(Debug, Clone, uniffi::Record)]
pub struct RejectedChange {
    pub mid: u64,
    /// `Rejected`: the server refused the change. `Overridden`: it was applied, then replaced by
    /// another device's later edit of the same text, made without seeing this one.
    pub kind: OutcomeKind,
    pub status: u16,
    pub code: String,
    pub detail: String,
    /// The command's name (`add_note`, `change_status`, …).
    pub command: String,
    /// For an overridden edit: the record (`<scope> <key>`) and field it changed, and the value
    /// that won, as this device now holds it (`None` once the device no longer holds it).
    pub record: Option<String>,
    pub field: Option<String>,
    pub value: Option<String>,
    /// For a refused upload: the document.
    pub document_id: Option<String>,
}

/// What became of a change the app should tell its user about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum OutcomeKind {
    Rejected,
    Overridden,
    /// A document captured on the device that the server would not take (its size, its type,
    /// access to the child ended): `documentId` names it, `detail` says why; its file is gone.
    UploadRefused,
}

#[derive(uniffi::Object)]
pub struct VaultClient {
    db: Mutex<Connection>,
    /// The time, from the app (the device's clock unless a test gives another).
    clock: Clock,
    /// Where the replica lives (sign-out deletes it).
    pub(crate) path: std::path::PathBuf,
    pub(crate) transport: Arc<dyn Transport>,
    pub(crate) auth: Arc<dyn AuthProvider>,
    /// One sync at a time; local changes carry on meanwhile.
    syncing: Mutex<()>,
    /// Set by `cancel_sync()`, cleared when a sync starts.
    cancelled: std::sync::atomic::AtomicBool,
    pub(crate) listeners: crate::changes::Listeners,
    /// The keys of the database and of the document files (`keys.rs`).
    pub(crate) keys: VaultKeys,
}

#[uniffi::export]
impl VaultClient {
    /// Opens (or creates) the replica at `db_path`, encrypted under the key `keys` supplies,
    /// talking to the API at `base_url`. Document files are kept, encrypted too, in the
    /// directory `<db_path>.files` beside it.
    #[uniffi::constructor]
    pub fn open(
        db_path: String,
        base_url: String,
        auth: Arc<dyn AuthProvider>,
        keys: Arc<dyn KeyProvider>,
    ) -> Result<Arc<Self>, VaultError> {
        Self::with_transport(&db_path, Arc::new(Http::new(&base_url)), auth, keys)
    }

    /// Stops a sync in progress between two steps (a request, a page, an upload): it answers
    /// `Cancelled`, and everything done so far is kept.
    pub fn cancel_sync(&self) {
        self.cancelled.store(true, std::sync::atomic::Ordering::SeqCst);
    }

    /// Push, then list the scopes, pull each and rebase pending changes. Blocking: call it from a
    /// background thread. Local reads and changes work while it runs.
    pub fn sync(&self) -> Result<SyncReport, VaultError> {
        let (outcome, event) = {
            let _one = self.syncing.lock().map_err(|_| poisoned())?;
            self.cancelled.store(false, std::sync::atomic::Ordering::SeqCst);
            let mut event = Gathering::new(ChangeOrigin::Sync, self.listeners.any());
            // A refused token is refreshed once (the app's sign-in may have lapsed); a sync is
            // safe to run again from the start.
            let mut outcome = self.sync_with(&self.auth.token(), &mut event);
            if matches!(outcome, Err(VaultError::Unauthorized { .. })) {
                outcome = self.sync_with(&self.auth.fresh_token(), &mut event);
            }
            self.note_attempt(&outcome)?;
            (outcome, event)
        };
        // Told with nothing held: a listener may read, make changes, or even sync.
        self.listeners.tell(event.into_event());
        self.listeners.progress(crate::changes::SyncStage::Done, 0, 0);
        outcome
    }

    /// Hears what each command and each sync changes, until `unsubscribe(id)`.
    pub fn subscribe(&self, listener: Arc<dyn ChangeListener>) -> u64 {
        self.listeners.add(listener)
    }

    pub fn unsubscribe(&self, subscription: u64) {
        self.listeners.remove(subscription)
    }

    /// Signs this device out: the replica — every record, pending change and setting — is
    /// overwritten and deleted, and an empty one takes its place (with a new device id), ready
    /// for the next sign-in. Changes not yet synced are lost, so an app asks first (`status()`
    /// says how many wait). Waits for a sync in progress to finish.
    pub fn sign_out(&self) -> Result<(), VaultError> {
        let _one = self.syncing.lock().map_err(|_| poisoned())?;
        self.wipe()
    }

    pub fn status(&self) -> Result<SyncStatus, VaultError> {
        let conn = self.conn()?;
        let outbox: i64 = conn.query_row("SELECT COUNT(*) FROM outbox", [], |r| r.get(0))?;
        let rejections: i64 = conn.query_row("SELECT COUNT(*) FROM outcomes", [], |r| r.get(0))?;
        let uploads: i64 = conn.query_row("SELECT COUNT(*) FROM files WHERE state = 'pending'", [], |r| r.get(0))?;
        Ok(SyncStatus {
            outbox_depth: outbox as u64,
            last_sync: db::meta_get(&conn, "last_sync")?,
            pending_rejections: rejections as u64,
            next_retry_at: db::meta_get(&conn, "next_retry_at")?,
            pending_uploads: uploads as u64,
        })
    }

    /// The refused changes not yet shown, oldest first; they are forgotten once taken.
    pub fn take_outcomes(&self) -> Result<Vec<RejectedChange>, VaultError> {
        let conn = self.conn()?;
        let tx = conn.unchecked_transaction()?;
        let taken = {
            let mut stmt = tx.prepare(
                "SELECT mid, status, code, detail, command, kind, scope, record_key, field, document_id FROM outcomes
                 ORDER BY mid < 0, abs(mid)",
            )?;
            let rows = stmt.query_map([], |r| {
                let kind: String = r.get(5)?;
                let scope: Option<String> = r.get(6)?;
                let key: Option<String> = r.get(7)?;
                Ok(RejectedChange {
                    // An upload's refusal is not a change of the outbox: no mid.
                    mid: r.get::<_, i64>(0)?.max(0) as u64,
                    kind: match kind.as_str() {
                        "overridden" => OutcomeKind::Overridden,
                        "upload" => OutcomeKind::UploadRefused,
                        _ => OutcomeKind::Rejected,
                    },
                    document_id: r.get(9)?,
                    status: r.get::<_, i64>(1)? as u16,
                    code: r.get(2)?,
                    detail: r.get(3)?,
                    command: r.get(4)?,
                    record: scope.zip(key).map(|(s, k)| format!("{s} {k}")),
                    field: r.get(8)?,
                    value: None,
                })
            })?;
            let mut taken = rows.collect::<Result<Vec<_>, _>>()?;
            for o in &mut taken {
                if let (Some(record), Some(field)) = (&o.record, &o.field)
                    && let Some((scope, key)) = record.split_once(' ')
                {
                    o.value = replica::get(&tx, scope, key)?
                        .filter(|row| !row.deleted)
                        .and_then(|row| senvault_domain::field_value(&row.record, field));
                }
            }
            taken
        };
        tx.execute("DELETE FROM outcomes", [])?;
        tx.commit()?;
        Ok(taken)
    }

    /// Any command the API has, as its JSON (`{"case": {"child_id", "case_id", "command":
    /// {"type": "add_note", …}}}`): decided and kept offline like the typed methods.
    pub fn execute_json(&self, command: String) -> Result<(), VaultError> {
        let command: Command =
            serde_json::from_str(&command).map_err(|e| VaultError::Invalid { detail: format!("command: {e}") })?;
        self.execute(command)
    }
}

impl VaultClient {
    fn sync_with(&self, token: &str, event: &mut Gathering) -> Result<SyncReport, VaultError> {
        let token = token.to_owned();
        let mut report = SyncReport {
            pushed: 0,
            applied: 0,
            rejected: 0,
            records_received: 0,
            records_removed: 0,
            scopes_revoked: 0,
            scopes_reset: 0,
            bytes_received: 0,
            account_deleted: false,
        };
        // Who the token is for, before anything of the replica is sent: a pending change is
        // only ever pushed under the account that made it.
        let scopes: ScopesResponse = self.request("GET", "/v1/sync/scopes", &token, None, &mut report)?;
        self.check_owner(&scopes)?;
        // A change may open a scope (a support request opens its connection), which the
        // scopes listed after the push then include.
        self.push(&token, &mut report)?;
        let scopes =
            if report.pushed > 0 { self.request("GET", "/v1/sync/scopes", &token, None, &mut report)? } else { scopes };
        self.learn_scopes(&scopes)?;
        self.pull(&token, &mut report, event)?;
        // Captures go up once the server holds their records (pushed above); a confirmed one's
        // record is pulled again, now `uploaded`.
        if !report.account_deleted && self.upload_pending(&token, &mut report)? > 0 {
            self.pull(&token, &mut report, event)?;
        }
        if report.account_deleted {
            // The account was deleted (on another device, or by the service): nothing of it
            // stays here.
            event.scopes_gone(cursors(&*self.conn()?)?.into_iter().map(|c| c.scope).collect());
            self.wipe()?;
            return Ok(report);
        }
        let conn = self.conn()?;
        db::meta_set(&conn, "last_sync", &Utc::now().to_rfc3339())?;
        // Off the commands' path: the log written by this sync goes into the database now.
        db::scrub_log(&conn)?;
        Ok(report)
    }

    /// Keeps when to try again after a sync that could not reach the server: 30 seconds after
    /// the first failure, doubling to at most 15 minutes, each with up to half again of random
    /// delay so devices that failed together do not retry together. A sync that worked clears it.
    fn note_attempt(&self, outcome: &Result<SyncReport, VaultError>) -> Result<(), VaultError> {
        let conn = self.conn()?;
        match outcome {
            Err(VaultError::Offline { .. }) => {
                let failures: u32 = db::meta_get(&conn, "failed_syncs")?
                    .and_then(|v| v.parse::<u32>().ok())
                    .unwrap_or(0)
                    .saturating_add(1);
                let cap = std::time::Duration::from_secs(15 * 60);
                let base = std::time::Duration::from_secs(30).saturating_mul(1 << failures.min(6).saturating_sub(1));
                let half = base.min(cap) / 2;
                let jitter = senvault_store::backoff::delay(0, half.as_millis() as u64).min(half);
                let wait = chrono::Duration::from_std(half + jitter).unwrap_or(chrono::Duration::minutes(15));
                db::meta_set(&conn, "failed_syncs", &failures.to_string())?;
                db::meta_set(&conn, "next_retry_at", &((self.clock)() + wait).to_rfc3339())?;
            }
            Ok(_) => {
                conn.execute("DELETE FROM meta WHERE k IN ('failed_syncs', 'next_retry_at')", [])?;
            }
            Err(_) => {}
        }
        Ok(())
    }

    /// Replaces the replica with an empty one, and deletes every document file; the caller
    /// holds the sync lock.
    fn wipe(&self) -> Result<(), VaultError> {
        let mut conn = self.conn()?;
        let old = std::mem::replace(&mut *conn, Connection::open_in_memory()?);
        db::destroy(old, &self.path)?;
        crate::files::destroy(&self.path)?;
        let fresh = db::open(&self.path, &self.keys)?;
        db::meta_set(&fresh, "client_id", &uuid::Uuid::new_v4().to_string())?;
        *conn = fresh;
        Ok(())
    }

    /// [`Self::open`] with another way to reach the server (tests: faults, an in-process
    /// server).
    pub fn with_transport(
        db_path: &str,
        transport: Arc<dyn Transport>,
        auth: Arc<dyn AuthProvider>,
        keys: Arc<dyn KeyProvider>,
    ) -> Result<Arc<Self>, VaultError> {
        Self::with_clock(db_path, transport, auth, keys, Arc::new(Utc::now))
    }

    /// [`Self::with_transport`] on another clock (tests: a tablet left in a drawer for days).
    pub fn with_clock(
        db_path: &str,
        transport: Arc<dyn Transport>,
        auth: Arc<dyn AuthProvider>,
        keys: Arc<dyn KeyProvider>,
        clock: Clock,
    ) -> Result<Arc<Self>, VaultError> {
        let keys = VaultKeys::from_provider(&keys)?;
        let path = std::path::PathBuf::from(db_path);
        let conn = db::open(&path, &keys)?;
        if db::meta_get(&conn, "client_id")?.is_none() {
            db::meta_set(&conn, "client_id", &uuid::Uuid::new_v4().to_string())?;
        }
        // Files a crash left unrecorded, and plain copies left open, go.
        crate::files::sweep(&conn, &path)?;
        Ok(Arc::new(VaultClient {
            db: Mutex::new(conn),
            clock,
            path,
            transport,
            auth,
            syncing: Mutex::new(()),
            cancelled: Default::default(),
            listeners: Default::default(),
            keys,
        }))
    }

    /// Refuses to go on once `cancel_sync()` was called.
    pub(crate) fn check_cancelled(&self) -> Result<(), VaultError> {
        if self.cancelled.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(VaultError::Cancelled);
        }
        Ok(())
    }

    /// The replica, with every scope whose lease has passed already forgotten: nothing is read
    /// from a scope the device may no longer show.
    pub(crate) fn conn(&self) -> Result<MutexGuard<'_, Connection>, VaultError> {
        let conn = self.db.lock().map_err(|_| poisoned())?;
        if expire_leases(&conn, self.now(&conn)?)? {
            crate::files::after_access_ended(&conn, &self.path)?;
        }
        Ok(conn)
    }

    /// The app's clock, never earlier than the latest time this replica has seen (a clock set
    /// back does not stretch a lease).
    fn now(&self, conn: &Connection) -> Result<chrono::DateTime<Utc>, VaultError> {
        let now = (self.clock)();
        let seen = db::meta_get(conn, "latest_now")?.and_then(|s| s.parse::<i64>().ok());
        Ok(match seen.and_then(|s| chrono::DateTime::from_timestamp(s, 0)) {
            Some(seen) if seen > now => seen,
            _ => now,
        })
    }

    /// Who the device works for, as the server last said.
    pub(crate) fn actor(conn: &Connection) -> Result<Actor, VaultError> {
        let user = db::meta_get(conn, "user")?;
        let role = db::meta_get(conn, "role")?;
        match (user, role) {
            (Some(u), Some(r)) => Ok(Actor {
                user: u.parse().map_err(|_| corrupt("user"))?,
                role: serde_json::from_str::<RoleClaim>(&r).map_err(|_| corrupt("role"))?,
            }),
            _ => Err(VaultError::NotSetUp { detail: "sign in and sync once while online".into() }),
        }
    }

    /// Decides `command` on the replica and keeps it: overlay and outbox in one transaction.
    pub(crate) fn execute(&self, command: Command) -> Result<(), VaultError> {
        self.execute_all(vec![command], |_| Ok(()))
    }

    /// Decides and keeps `commands` in order, and `also` writes what goes with them (a
    /// capture's file), all in one transaction; the listeners are told once the replica is
    /// released.
    pub(crate) fn execute_all(
        &self,
        commands: Vec<Command>,
        also: impl FnOnce(&Connection) -> Result<(), VaultError>,
    ) -> Result<(), VaultError> {
        let mut event = Gathering::new(ChangeOrigin::Local, self.listeners.any());
        {
            let conn = self.conn()?;
            let actor = Self::actor(&conn)?;
            let tx = conn.unchecked_transaction()?;
            for command in commands {
                keep(&tx, &actor, command, &mut event)?;
            }
            also(&tx)?;
            tx.commit()?;
            db::keep_log_small(&conn, &self.path)?;
        }
        self.listeners.tell(event.into_event());
        Ok(())
    }

    pub(crate) fn request<T: DeserializeOwned>(
        &self,
        method: &str,
        path: &str,
        token: &str,
        body: Option<Vec<u8>>,
        report: &mut SyncReport,
    ) -> Result<T, VaultError> {
        self.check_cancelled()?;
        let answer = self.transport.call(method, path, token, body).map_err(|detail| VaultError::Offline { detail })?;
        report.bytes_received += answer.body.len() as u64;
        let detail = || {
            serde_json::from_slice::<serde_json::Value>(&answer.body)
                .ok()
                .and_then(|v| v["detail"].as_str().map(str::to_owned))
                .unwrap_or_default()
        };
        match answer.status {
            200..=299 => serde_json::from_slice(&answer.body)
                .map_err(|e| VaultError::Server { status: answer.status, detail: format!("unreadable answer: {e}") }),
            401 => Err(VaultError::Unauthorized { detail: detail() }),
            // The server is busy or down: everything stays queued.
            500..=599 | 429 => Err(VaultError::Offline { detail: format!("server answered {}", answer.status) }),
            status => Err(VaultError::Server { status, detail: detail() }),
        }
    }

    /// Refuses a token of another account than the one the replica holds.
    fn check_owner(&self, scopes: &ScopesResponse) -> Result<(), VaultError> {
        match db::meta_get(&*self.conn()?, "user")? {
            Some(user) if user != scopes.user.as_str() => Err(VaultError::OtherAccount {
                detail: "this replica holds another account's records; sign it out, or open a new one".into(),
            }),
            _ => Ok(()),
        }
    }

    fn learn_scopes(&self, scopes: &ScopesResponse) -> Result<(), VaultError> {
        self.check_owner(scopes)?;
        let conn = self.conn()?;
        let tx = conn.unchecked_transaction()?;
        db::meta_set(&tx, "user", scopes.user.as_str())?;
        db::meta_set(&tx, "role", &serde_json::to_string(&scopes.role)?)?;
        let now = self.now(&tx)?;
        db::meta_set(&tx, "latest_now", &now.timestamp().to_string())?;
        for s in &scopes.scopes {
            tx.execute(
                "INSERT INTO cursors (scope, role, epoch, seq, resume, valid_until) VALUES (?1, ?2, 0, 0, NULL, ?3)
                 ON CONFLICT (scope) DO UPDATE SET role = excluded.role, valid_until = excluded.valid_until",
                params![s.scope, serde_json::to_string(&s.role)?, s.valid_until.timestamp()],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    fn push(&self, token: &str, report: &mut SyncReport) -> Result<(), VaultError> {
        let total: i64 = self.conn()?.query_row("SELECT COUNT(*) FROM outbox", [], |r| r.get(0))?;
        loop {
            if total > 0 {
                self.listeners.progress(
                    crate::changes::SyncStage::Sending,
                    report.pushed.min(total as u64),
                    total as u64,
                );
            }
            let (client_id, batch) = {
                let conn = self.conn()?;
                let client_id = db::meta_get(&conn, "client_id")?.ok_or_else(|| corrupt("client id"))?;
                (client_id, outbox_batch(&conn)?)
            };
            let Some(last) = batch.last().map(|m| m.mid) else { return Ok(()) };
            let names: Vec<(u64, &'static str)> = batch.iter().map(|m| (m.mid, m.command.name())).collect();
            // Withdrawn changes were reported when their scope was revoked.
            let withdrawn: Vec<u64> =
                batch.iter().filter(|m| m.scope == senvault_domain::sync::WITHDRAWN).map(|m| m.mid).collect();
            let request = PushRequest { client_id, schema: SCHEMA, mutations: batch };
            let body = serde_json::to_vec(&request)?;
            report.pushed += request.mutations.len() as u64;
            let answer: PushResponse = self.request("POST", "/v1/sync/push", token, Some(body), report)?;
            let conn = self.conn()?;
            let tx = conn.unchecked_transaction()?;
            for o in &answer.outcomes {
                match &o.outcome {
                    Outcome::Rejected { .. } if withdrawn.contains(&o.mid) => {}
                    Outcome::Rejected { reason, .. } => {
                        report.rejected += 1;
                        let name = names.iter().find(|(m, _)| *m == o.mid).map_or("change", |(_, n)| n);
                        tx.execute(
                            "INSERT OR REPLACE INTO outcomes (mid, status, code, detail, command) VALUES (?1, ?2, ?3, ?4, ?5)",
                            params![o.mid as i64, reason.status, reason.code, reason.detail, name],
                        )?;
                    }
                    Outcome::Applied | Outcome::Overridden { .. } => report.applied += 1,
                }
            }
            trim_outbox(&tx, answer.lmid)?;
            tx.commit()?;
            if answer.lmid < last {
                return Err(VaultError::Server { status: 200, detail: "the server stopped part-way; retry".into() });
            }
        }
    }

    fn pull(&self, token: &str, report: &mut SyncReport, event: &mut Gathering) -> Result<(), VaultError> {
        for _ in 0..PULL_ROUNDS {
            self.listeners.progress(crate::changes::SyncStage::Receiving, report.records_received, 0);
            let (client_id, cursors) = {
                let conn = self.conn()?;
                (db::meta_get(&conn, "client_id")?.ok_or_else(|| corrupt("client id"))?, cursors(&conn)?)
            };
            if cursors.is_empty() {
                return Ok(());
            }
            let request = PullRequest { client_id, schema: SCHEMA, scopes: cursors };
            let answer: PullResponse =
                self.request("POST", "/v1/sync/pull", token, Some(serde_json::to_vec(&request)?), report)?;
            let conn = self.conn()?;
            // The user's own scope revoked: the account is gone (the caller wipes the device).
            let own = db::meta_get(&conn, "user")?.map(|u| format!("user:{u}"));
            if answer.scopes.iter().any(|s| Some(&s.scope) == own.as_ref() && matches!(s.state, PullState::Revoked)) {
                report.account_deleted = true;
                return Ok(());
            }
            let tx = conn.unchecked_transaction()?;
            let revoked_before = report.scopes_revoked;
            let more = apply_pull(&tx, &answer, report, event)?;
            trim_outbox(&tx, answer.lmid)?;
            rebase(&tx)?;
            tx.commit()?;
            if report.scopes_revoked > revoked_before {
                // What was revoked is zeroed in the file (`secure_delete`); the write-ahead log
                // still holds the pages as they were, so it is copied back and emptied. Its
                // document files go too.
                db::scrub_log(&conn)?;
                crate::files::after_access_ended(&conn, &self.path)?;
            }
            if !more {
                return Ok(());
            }
        }
        Ok(())
    }
}

/// The next mutations of the outbox, oldest first, within a push's size.
fn outbox_batch(conn: &Connection) -> Result<Vec<Mutation>, VaultError> {
    let mut stmt =
        conn.prepare_cached("SELECT mid, scope, op, command, withdrawn, base FROM outbox ORDER BY mid LIMIT ?1")?;
    let mut rows = stmt.query(params![PUSH_MUTATIONS as i64])?;
    let (mut out, mut bytes) = (Vec::new(), 0usize);
    while let Some(r) = rows.next()? {
        let command: String = r.get(3)?;
        bytes += command.len();
        if bytes > PUSH_BYTES && !out.is_empty() {
            break;
        }
        let op: String = r.get(2)?;
        let withdrawn: bool = r.get(4)?;
        out.push(Mutation {
            mid: r.get::<_, i64>(0)? as u64,
            scope: if withdrawn { senvault_domain::sync::WITHDRAWN.to_owned() } else { r.get(1)? },
            op: OpId(op.parse().map_err(|_| corrupt("outbox op"))?),
            command: serde_json::from_str(&command)?,
            base: r.get::<_, Option<i64>>(5)?.map(|b| b as u64),
        });
    }
    Ok(out)
}

/// The time as the app gives it.
pub type Clock = Arc<dyn Fn() -> chrono::DateTime<Utc> + Send + Sync>;

/// Forgets every scope whose lease passed (beyond a few minutes' skew) before `now`: its
/// records go from the replica and from its files (zeroed, the log emptied), and it is
/// downloaded afresh at the next sync if access still stands. Changes made to it and not yet
/// sent stay in the outbox — they are the user's own work, sent at the next sync and refused
/// there if access has ended. Cached document files go with it; captures waiting to upload
/// stay, for the same reason. Answers whether anything expired.
fn expire_leases(conn: &Connection, now: chrono::DateTime<Utc>) -> Result<bool, VaultError> {
    let cutoff = (now - chrono::Duration::minutes(senvault_domain::sync::LEASE_SKEW_MINUTES)).timestamp();
    let expired: Vec<String> = {
        let mut stmt = conn.prepare_cached("SELECT scope FROM cursors WHERE valid_until < ?1")?;
        let rows = stmt.query_map(params![cutoff], |r| r.get(0))?;
        rows.collect::<Result<_, _>>()?
    };
    if expired.is_empty() {
        return Ok(false);
    }
    let tx = conn.unchecked_transaction()?;
    for scope in &expired {
        tx.execute("DELETE FROM mirror WHERE scope = ?1", params![scope])?;
        tx.execute("DELETE FROM overlay WHERE scope = ?1", params![scope])?;
        tx.execute(
            "UPDATE cursors SET epoch = 0, seq = 0, resume = NULL, valid_until = NULL WHERE scope = ?1",
            params![scope],
        )?;
        crate::files::forget(&tx, scope, false)?;
    }
    tx.commit()?;
    db::scrub_log(conn)?;
    Ok(true)
}

/// The outbox is only ever trimmed by what the server says it has applied.
fn trim_outbox(conn: &Connection, lmid: u64) -> Result<(), VaultError> {
    conn.execute("DELETE FROM outbox WHERE mid <= ?1", params![lmid as i64])?;
    Ok(())
}

fn cursors(conn: &Connection) -> Result<Vec<ScopeCursor>, VaultError> {
    let mut stmt = conn.prepare_cached("SELECT scope, epoch, seq, resume FROM cursors ORDER BY scope")?;
    let rows = stmt.query_map([], |r| {
        Ok(ScopeCursor {
            scope: r.get(0)?,
            epoch: r.get::<_, i64>(1)? as u64,
            seq: r.get::<_, i64>(2)? as u64,
            resume: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

/// Applies one pull answer to the mirror; `true` when a scope has more to send.
fn apply_pull(
    conn: &Connection,
    answer: &PullResponse,
    report: &mut SyncReport,
    event: &mut Gathering,
) -> Result<bool, VaultError> {
    let mut more = false;
    for scope in &answer.scopes {
        match &scope.state {
            PullState::Changes { to, resume, has_more, upserts, deletes } => {
                let mut put = conn.prepare_cached(
                    "INSERT INTO mirror (scope, key, version, body) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (scope, key) DO UPDATE SET version = excluded.version, body = excluded.body
                     WHERE excluded.version >= mirror.version",
                )?;
                for u in upserts {
                    let body = serde_json::to_string(&u.record)?;
                    put.execute(params![scope.scope, u.key, u.version as i64, body])?;
                    event.put(&scope.scope, &u.key, &body);
                    if let senvault_domain::Record::Overridden(notice) = &u.record {
                        note_overridden(conn, notice)?;
                    }
                }
                let mut del = conn.prepare_cached("DELETE FROM mirror WHERE scope = ?1 AND key = ?2")?;
                for key in deletes {
                    del.execute(params![scope.scope, key])?;
                    event.delete(&scope.scope, key);
                }
                report.records_received += upserts.len() as u64;
                report.records_removed += deletes.len() as u64;
                conn.execute(
                    "UPDATE cursors SET epoch = ?2, seq = ?3, resume = ?4 WHERE scope = ?1",
                    params![scope.scope, to.epoch as i64, to.seq as i64, resume],
                )?;
                more |= *has_more;
            }
            PullState::Reset { .. } => {
                // Download the scope afresh; pending changes stay in the outbox.
                report.scopes_reset += 1;
                conn.execute("DELETE FROM mirror WHERE scope = ?1", params![scope.scope])?;
                conn.execute(
                    "UPDATE cursors SET epoch = 0, seq = 0, resume = NULL WHERE scope = ?1",
                    params![scope.scope],
                )?;
                more = true;
            }
            PullState::Revoked => {
                // Access ended: nothing of the scope stays on the device, and pending changes
                // to it are reported as refused.
                report.scopes_revoked += 1;
                forget_scope(conn, &scope.scope)?;
                event.scope_gone(&scope.scope);
            }
        }
    }
    Ok(more)
}

/// Keeps a notice that one of this device's edits was overridden as an outcome to show (once:
/// the notice stays in the mirror, and a later pull of it changes nothing here).
fn note_overridden(conn: &Connection, notice: &senvault_domain::sync::Overridden) -> Result<(), VaultError> {
    if db::meta_get(conn, "client_id")?.as_deref() != Some(notice.client_id.as_str()) {
        return Ok(());
    }
    let seen = format!("overridden-seen/{}/{}/{}", notice.mid, notice.key, notice.field);
    if db::meta_get(conn, &seen)?.is_some() {
        return Ok(());
    }
    conn.execute(
        "INSERT OR REPLACE INTO outcomes (mid, status, code, detail, command, kind, scope, record_key, field)
         VALUES (?1, 409, 'overridden', ?2, 'edit', 'overridden', ?3, ?4, ?5)",
        params![
            notice.mid as i64,
            format!(
                "your change to the {} was replaced by a later edit from another device",
                notice.field.replace('_', " ")
            ),
            notice.scope,
            notice.key,
            notice.field
        ],
    )?;
    db::meta_set(conn, &seen, "1")?;
    Ok(())
}

/// Deletes every local record of `scope`; its pending changes become refusals to show and are
/// withdrawn (sent as such, so the server never applies them, even if access comes back).
pub(crate) fn forget_scope(conn: &Connection, scope: &str) -> Result<(), VaultError> {
    let pending: Vec<(i64, String)> = {
        let mut stmt = conn.prepare("SELECT mid, command FROM outbox WHERE scope = ?1 AND withdrawn = 0")?;
        let rows = stmt.query_map(params![scope], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<Result<Vec<_>, _>>()?
    };
    for (mid, command) in pending {
        let name = serde_json::from_str::<Command>(&command).map(|c| c.name()).unwrap_or("change");
        conn.execute(
            "INSERT OR REPLACE INTO outcomes (mid, status, code, detail, command) VALUES (?1, 404, 'revoked', ?2, ?3)",
            params![mid, "access to these records has ended; the change was not sent", name],
        )?;
    }
    // Still sent (mids must stay contiguous), as withdrawn: the server refuses them unrun, so
    // what they said (a note's text, the child's ids) is not kept for it.
    let emptied = serde_json::to_string(&Command::personal(senvault_domain::PersonalCommand::SetPreferences {
        reminder_lead_days: Vec::new(),
    }))?;
    conn.execute(
        "UPDATE outbox SET withdrawn = 1, command = ?2, scope = ?3 WHERE scope = ?1",
        params![scope, emptied, senvault_domain::sync::WITHDRAWN],
    )?;
    conn.execute("DELETE FROM mirror WHERE scope = ?1", params![scope])?;
    conn.execute("DELETE FROM overlay WHERE scope = ?1", params![scope])?;
    conn.execute("DELETE FROM cursors WHERE scope = ?1", params![scope])?;
    crate::files::forget(conn, scope, true)
}

/// Rebuilds the overlay: the server's records, with every change still pending decided again
/// on top of them, in order, with its own operation id (so it derives the same ids the server
/// will). A change the rules now refuse is left to the server, which has the last word.
fn rebase(conn: &Connection) -> Result<(), VaultError> {
    conn.execute("DELETE FROM overlay", [])?;
    let Ok(actor) = VaultClient::actor(conn) else { return Ok(()) };
    let pending: Vec<(String, String, String)> = {
        let mut stmt =
            conn.prepare_cached("SELECT op, command, made_at FROM outbox WHERE withdrawn = 0 ORDER BY mid")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        rows.collect::<Result<Vec<_>, _>>()?
    };
    for (op, command, made_at) in pending {
        let (Ok(op), Ok(command)) = (op.parse(), serde_json::from_str::<Command>(&command)) else { continue };
        let at = DateTime::parse_from_rfc3339(&made_at).map(|t| t.with_timezone(&Utc)).unwrap_or_else(|_| Utc::now());
        // A refusal here is the server's to give: keep going.
        let _ = decide_into(conn, &actor, &command, OpId(op), at);
    }
    Ok(())
}

/// Decides one command on the view, writes it to the overlay and queues it in the outbox (the
/// caller's transaction).
fn keep(tx: &Connection, actor: &Actor, command: Command, event: &mut Gathering) -> Result<(), VaultError> {
    let op = OpId::new();
    match decide_into(tx, actor, &command, op, senvault_domain::dates::now_to_the_millisecond()) {
        Ok(Some(writes)) => {
            for w in &writes {
                if w.delete {
                    event.delete(&w.scope.to_string(), &w.key);
                } else {
                    event.put_record(&w.scope.to_string(), &w.key, &w.record);
                }
            }
        }
        Ok(None) => return Ok(()),
        // The command reads records this device does not hold (an advocate's profile, to
        // ask them for help): it is kept for the server, which has them and decides. A
        // refusal by the rules themselves is answered at once.
        Err(VaultError::Refused { status: 404, .. }) => {}
        Err(e) => return Err(e),
    }
    let scope = command.scope(actor).to_string();
    // An edit of text says which version of the record it was made on: the server's, as
    // this device last had it (never its own pending change).
    let base: Option<i64> = match senvault_domain::text_fields(&Operation::from(command.clone())).first() {
        Some(f) => tx
            .query_row(
                "SELECT version FROM mirror WHERE scope = ?1 AND key = ?2",
                params![f.scope.to_string(), f.key],
                |r| r.get(0),
            )
            .map(Some)
            .or_else(|e| if e == rusqlite::Error::QueryReturnedNoRows { Ok(None) } else { Err(e) })?,
        None => None,
    };
    let mid: i64 = tx.query_row("SELECT COALESCE(MAX(mid), 0) + 1 FROM outbox", [], |r| r.get(0))?;
    let floor: i64 = db::meta_get(tx, "next_mid")?.and_then(|v| v.parse().ok()).unwrap_or(1);
    let mid = mid.max(floor);
    tx.execute(
        "INSERT INTO outbox (mid, scope, op, command, made_at, base) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![mid, scope, op.0.to_string(), serde_json::to_string(&command)?, Utc::now().to_rfc3339(), base],
    )?;
    db::meta_set(tx, "next_mid", &(mid + 1).to_string())?;
    Ok(())
}

/// Decides `command` against the view and writes the result to the overlay; `false` for a
/// change that changes nothing.
fn decide_into(
    conn: &Connection,
    actor: &Actor,
    command: &Command,
    op: OpId,
    now: DateTime<Utc>,
) -> Result<Option<Vec<senvault_domain::Write>>, VaultError> {
    let execution = Execution::new(actor, Operation::from(command.clone()), now, op);
    let executed = execution.load_with(|reads| replica::load(conn, reads))?.decide()?;
    if !executed.changed() {
        return Ok(None);
    }
    replica::put_overlay(conn, &executed.decision.writes)?;
    Ok(Some(executed.decision.writes))
}

fn poisoned() -> VaultError {
    VaultError::Storage { detail: "a previous call failed part-way; reopen the vault".into() }
}

fn corrupt(what: &str) -> VaultError {
    VaultError::Corrupt { detail: format!("unreadable {what}") }
}
