//! Sync (`docs/sync.md`): a device's pushes run through the same authorise → decide → commit path
//! as REST, exactly once per `(client_id, mid)`; its pulls read each scope's change log after
//! its cursor, or list the scope on a first download, and are refused scope by scope when the
//! user is no longer a member.

use senvault_domain::error::Conflict;
use senvault_domain::sync::{Receipt, Refusal, Step, SyncClient, WITHDRAWN, plan_push, synced};
use senvault_domain::{Actor, DomainError, Expect, MemberRole, Operation, Read, Record, Scope, Write, keys};
use senvault_store::codec::from_stored;
use senvault_store::sync::{Cursor, Mutation, PullState, ResetReason, ScopeInfo, SentCommand, WireRecord};
use senvault_store::{CommitRequest, StoreError};

use super::{Service, ServiceError};

/// The protocol's wire types, for the handlers (which never reach the store itself).
pub use senvault_store::sync as wire;

/// A pull answers at most about this many bytes of records per scope (then `has_more`).
pub const PULL_BYTES: usize = 1 << 20;
/// Change-log entries read per store call while filling a pull.
const LOG_BATCH: usize = 500;

/// Scopes one pull may name.
pub const MAX_PULL_SCOPES: usize = 200;

/// How a device's state stands before a push.
struct Device {
    client: Option<SyncClient>,
    version: Option<u64>,
}

impl Service {
    /// Applies a device's mutations in order, each at most once, and answers each one's
    /// receipt and the device's `lmid`. A refused mutation is recorded as done (its refusal is
    /// its answer); a storage failure stops the push, and the device retries from `lmid + 1`.
    pub async fn push(
        &self,
        actor: &Actor,
        client_id: &str,
        mutations: Vec<Mutation>,
    ) -> Result<(u64, Vec<Receipt>), ServiceError> {
        let mids: Vec<u64> = mutations.iter().map(|m| m.mid).collect();
        let mut device = self.device(actor, client_id).await?;
        let steps = plan_push(device.client.as_ref(), &actor.user, &mids)?;
        if device.client.is_none() && !steps.is_empty() {
            // A device of a deleted account is not bound again (that would store its user id
            // anew): what it pushes is refused, unwritten, and its next pull wipes it.
            if self.account_erased(actor).await? {
                let gone = || Refusal {
                    status: 410,
                    code: "account-deleted".into(),
                    detail: "this account was deleted; nothing more is stored for it".into(),
                };
                return Ok((0, mids.iter().map(|&mid| Receipt { mid, refused: Some(gone()) }).collect()));
            }
            device = self.bind(actor, client_id).await?;
        }
        let mut receipts = Vec::with_capacity(steps.len());
        for (step, m) in steps.into_iter().zip(mutations) {
            let Some(client) = device.client.as_ref() else { return Err(not_bound()) };
            let mid = match step {
                Step::Replay(mid) => {
                    receipts.push(client.replay(mid));
                    continue;
                }
                Step::Run(mid) => mid,
            };
            let outcome =
                if m.scope == WITHDRAWN { Ok(None) } else { self.run_mutation(actor, &device, m).await.map(Some) };
            let refused = match outcome {
                // Withdrawn by the device: recorded as refused, never run.
                Ok(None) => Some(Refusal {
                    status: 410,
                    code: "withdrawn".into(),
                    detail: "withdrawn by the device after its access ended".into(),
                }),
                Ok(Some(committed)) if committed => {
                    let receipt = Receipt { mid, refused: None };
                    device = advanced(&device, receipt.clone());
                    receipts.push(receipt);
                    continue;
                }
                Ok(Some(_)) => None,
                Err(e) if transient(&e) => return Err(e),
                Err(e) => Some(refusal(e)),
            };
            // Nothing was written for it (refused, or a no-op): the receipt alone.
            let receipt = Receipt { mid, refused };
            let write = receipt_write(actor, &device, receipt.clone())?;
            match self.store().commit(CommitRequest::puts(vec![senvault_store::codec::to_put(&write)?])).await {
                Ok(_) => {}
                Err(StoreError::Conflict { .. }) => {
                    return Err(DomainError::Conflict(Conflict::DeviceBusy).into());
                }
                Err(e) => return Err(e.into()),
            }
            device = advanced(&device, receipt.clone());
            receipts.push(receipt);
        }
        Ok((device.client.map_or(0, |c| c.lmid), receipts))
    }

    /// Runs one mutation with its receipt; `Ok(true)` when both were committed.
    async fn run_mutation(&self, actor: &Actor, device: &Device, m: Mutation) -> Result<bool, ServiceError> {
        let command = match m.command {
            SentCommand::Read(c) => c,
            SentCommand::Unreadable { field, reason, .. } => {
                let field = if field.is_empty() { "command".to_owned() } else { format!("command.{field}") };
                return Err(DomainError::invalid(&field, reason).into());
            }
        };
        let scope = command.scope(actor);
        if scope.to_string() != m.scope {
            return Err(DomainError::refused("scope", "the mutation's scope is not the one its command writes").into());
        }
        let receipt = receipt_write(actor, device, Receipt { mid: m.mid, refused: None })?;
        let client_id = device.client.as_ref().map(|c| c.client_id.clone()).unwrap_or_default();
        let origin = senvault_domain::Origin { client_id, mid: m.mid, base: m.base };
        let operation = Operation::from(command);
        let done = self.execute_with(actor, operation, m.op, Some(&receipt), Some(origin)).await?;
        Ok(done.changed)
    }

    /// The device's record, or none yet (refused if another user's).
    async fn device(&self, actor: &Actor, client_id: &str) -> Result<Device, ServiceError> {
        let user_scope = Scope::User(actor.user.clone()).to_string();
        let key = keys::sync_client(client_id);
        match self.store().get(&user_scope, &key).await? {
            Some(row) => match from_stored(&row)?.1.record {
                Record::SyncClient(c) => Ok(Device { client: Some(c), version: Some(row.version) }),
                _ => Err(StoreError::corrupt(&user_scope, &key, "not a device record").into()),
            },
            None => match self.store().resolve(&client_alias(client_id)).await? {
                // Bound to someone else's scope: the id is theirs.
                Some(_) => {
                    Err(DomainError::Forbidden { rule: "this client id belongs to another user; choose a new one" }
                        .into())
                }
                None => Ok(Device { client: None, version: None }),
            },
        }
    }

    /// Binds a new device id to the caller: the alias makes the binding global and create-only.
    async fn bind(&self, actor: &Actor, client_id: &str) -> Result<Device, ServiceError> {
        let client = SyncClient::new(client_id, actor.user.clone());
        let user_scope = Scope::User(actor.user.clone());
        let write = Write {
            scope: user_scope.clone(),
            key: keys::sync_client(client_id),
            record: Record::SyncClient(client.clone()),
            expect: Expect::Absent,
            delete: false,
        };
        let request = CommitRequest {
            puts: vec![senvault_store::codec::to_put(&write)?],
            checks: vec![],
            aliases: vec![(client_alias(client_id), user_scope.to_string())],
        };
        match self.store().commit(request).await {
            Ok(_) => Ok(Device { client: Some(client), version: Some(1) }),
            // Two first pushes racing, or someone else's: read again and decide.
            Err(StoreError::Conflict { .. } | StoreError::AliasTaken(_)) => {
                let device = self.device(actor, client_id).await?;
                if device.client.is_none() {
                    return Err(not_bound());
                }
                Ok(device)
            }
            Err(e) => Err(e.into()),
        }
    }

    /// The device's `lmid` for a pull (0 for a device that never pushed).
    pub async fn lmid(&self, actor: &Actor, client_id: &str) -> Result<u64, ServiceError> {
        Ok(self.device(actor, client_id).await?.client.map_or(0, |c| c.lmid))
    }

    /// The scopes the caller may sync, with their role and where each stands.
    pub async fn sync_scopes(&self, actor: &Actor) -> Result<Vec<ScopeInfo>, ServiceError> {
        let mut scopes = vec![(Scope::User(actor.user.clone()), MemberRole::Owner)];
        if actor.role == senvault_domain::RoleClaim::Advocate {
            let own = Scope::Advocate(senvault_domain::AdvocateId::for_user(&actor.user));
            scopes.push((own, MemberRole::Owner));
        }
        for m in self.memberships(actor, "").await? {
            if let Ok(scope) = m.scope.parse::<Scope>() {
                scopes.push((scope, m.role));
            }
        }
        let mut out = Vec::with_capacity(scopes.len());
        for (scope, role) in scopes {
            let meta = self.store().meta(&scope.to_string()).await?;
            let valid_until = self.clock.now() + senvault_domain::sync::lease(&scope, role);
            out.push(ScopeInfo {
                scope: scope.to_string(),
                role,
                cursor: Cursor { epoch: meta.epoch, seq: meta.seq },
                valid_until,
            });
        }
        Ok(out)
    }

    /// One scope's answer to a pull: what changed after `cursor`, a reset, or a revocation.
    pub async fn pull_scope(
        &self,
        actor: &Actor,
        scope: &Scope,
        cursor: Cursor,
        resume: Option<String>,
    ) -> Result<PullState, ServiceError> {
        let Some(role) = self.access(actor, scope).await?.role else { return Ok(PullState::Revoked) };
        let scope_s = scope.to_string();
        let meta = self.store().meta(&scope_s).await?;
        // The user's own scope gone while a device holds it: the account was deleted. The device
        // is told it is revoked, and wipes itself.
        if matches!(scope, Scope::User(u) if *u == actor.user)
            && cursor.seq > 0
            && meta == senvault_store::ScopeMeta::default()
        {
            return Ok(PullState::Revoked);
        }
        if cursor.epoch > meta.epoch || (cursor.epoch == meta.epoch && cursor.seq > meta.seq) {
            return Err(
                DomainError::refused("scopes", format!("the cursor of {scope_s} is not one the server gave")).into()
            );
        }
        let first = cursor.seq == 0 || resume.is_some();
        if !first && cursor.epoch != meta.epoch {
            return Ok(PullState::Reset { reason: ResetReason::EpochChanged });
        }
        if !first && cursor.seq + 1 < meta.purged_before {
            return Ok(PullState::Reset { reason: ResetReason::BelowHorizon });
        }
        let state = if first {
            // A first download lists the scope: the change log keeps only the horizon.
            let at = if resume.is_some() { cursor.seq } else { meta.seq };
            self.list_scope(&scope_s, Cursor { epoch: meta.epoch, seq: at }, resume).await?
        } else {
            match self.log_after(scope, &scope_s, cursor).await? {
                Some(state) => state,
                None => return Ok(PullState::Reset { reason: ResetReason::BelowHorizon }),
            }
        };
        if let (Scope::Child(child), PullState::Changes { upserts, .. }) = (scope, &state)
            && !upserts.is_empty()
        {
            self.audit_read(actor, role, *child, "records", "sync".into()).await?;
        }
        Ok(state)
    }

    /// A page of the scope's live records, in key order, up to [`PULL_BYTES`].
    async fn list_scope(&self, scope: &str, to: Cursor, resume: Option<String>) -> Result<PullState, ServiceError> {
        let (mut upserts, mut bytes) = (Vec::new(), 0usize);
        let mut after = resume;
        loop {
            let page = self.store().list(scope, "", after.as_deref(), senvault_store::MAX_PAGE).await?;
            for row in &page.items {
                if synced(&row.key) && !row.deleted {
                    bytes += row.body.len() + row.key.len();
                    let record = from_stored(row)?.1.record;
                    upserts.push(WireRecord { key: row.key.clone(), version: row.version, record });
                }
                after = Some(row.key.clone());
                if bytes >= PULL_BYTES {
                    return Ok(PullState::Changes { to, resume: after, has_more: true, upserts, deletes: vec![] });
                }
            }
            if page.next.is_none() {
                return Ok(PullState::Changes { to, resume: None, has_more: false, upserts, deletes: vec![] });
            }
        }
    }

    /// The records changed after `cursor`, collapsed to their current state, up to the first
    /// gap in the log and about [`PULL_BYTES`]. `None`: the log no longer reaches back to the
    /// cursor (past the retention horizon).
    async fn log_after(&self, scope: &Scope, scope_s: &str, cursor: Cursor) -> Result<Option<PullState>, ServiceError> {
        let (mut upserts, mut deletes, mut bytes) = (Vec::new(), Vec::new(), 0usize);
        let mut to = cursor;
        loop {
            let changes = self.store().changes(scope_s, to.seq, LOG_BATCH).await?;
            let mut keys = Vec::new();
            for change in &changes {
                if change.seq != to.seq + 1 {
                    if to.seq == cursor.seq {
                        return Ok(None);
                    }
                    break;
                }
                to.seq = change.seq;
                if synced(&change.key) && !keys.contains(&change.key) {
                    keys.push(change.key.clone());
                }
            }
            let reads: Vec<Read> = keys.iter().map(|k| Read::Get(scope.clone(), k.clone())).collect();
            let snapshot = senvault_store::load::load(self.store().as_ref(), &reads).await?;
            for key in keys {
                upserts.retain(|u: &WireRecord| u.key != key);
                deletes.retain(|d| d != &key);
                match snapshot.entry(scope, &key) {
                    Some(v) if !v.deleted => {
                        bytes += key.len() + serde_json::to_vec(&v.record).map_or(256, |b| b.len());
                        upserts.push(WireRecord { key, version: v.version, record: v.record.clone() });
                    }
                    _ => deletes.push(key),
                }
            }
            let ended = changes.len() < LOG_BATCH || changes.last().is_some_and(|c| c.seq != to.seq);
            if ended {
                return Ok(Some(PullState::Changes { to, resume: None, has_more: false, upserts, deletes }));
            }
            if bytes >= PULL_BYTES {
                return Ok(Some(PullState::Changes { to, resume: None, has_more: true, upserts, deletes }));
            }
        }
    }
}

fn client_alias(client_id: &str) -> String {
    format!("sync-client:{client_id}")
}

fn not_bound() -> ServiceError {
    DomainError::Conflict(Conflict::DeviceNotRegistered).into()
}

/// The device's record with `receipt` added, as a write conditioned on the version read.
fn receipt_write(actor: &Actor, device: &Device, receipt: Receipt) -> Result<Write, ServiceError> {
    let Some(client) = device.client.as_ref() else { return Err(not_bound()) };
    let mut next = client.clone();
    next.record(receipt);
    Ok(Write {
        scope: Scope::User(actor.user.clone()),
        key: keys::sync_client(&client.client_id),
        record: Record::SyncClient(next),
        expect: device.version.map_or(Expect::Absent, Expect::Version),
        delete: false,
    })
}

/// The device after a commit that recorded `receipt`.
fn advanced(device: &Device, receipt: Receipt) -> Device {
    let client = device.client.clone().map(|mut c| {
        c.record(receipt);
        c
    });
    Device { client, version: Some(device.version.map_or(1, |v| v + 1)) }
}

/// Failures of the moment (storage unavailable, contention): the push stops and the device
/// retries. Anything else — a refusal, a record that does not decode — is answered as the
/// mutation's refusal and the push moves on, so one bad record is never retried forever.
fn transient(e: &ServiceError) -> bool {
    match e {
        ServiceError::Busy => true,
        ServiceError::Store(s) => s.is_transient(),
        ServiceError::Domain(DomainError::Conflict(c)) => c.is_transient(),
        ServiceError::Domain(_) => false,
    }
}

/// A refusal as the API would have answered the same command.
fn refusal(e: ServiceError) -> Refusal {
    let p = crate::problem::Problem::from(e);
    let code = p.code.unwrap_or(p.slug).to_owned();
    let fields: Vec<String> = p.errors.iter().map(|e| format!("{}: {}", e.field, e.message)).collect();
    let detail = if fields.is_empty() { p.detail } else { format!("{} ({})", p.detail, fields.join("; ")) };
    Refusal { status: p.status, code, detail }
}
