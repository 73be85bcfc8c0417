//! Deleting an account (README, "Your data: deletion"; UK GDPR article 17), in an order that
//! never leaves a record pointing to nothing and that a second run finishes:
//!
//! 1. every support relationship ends (the advocate loses access at once and is told);
//! 2. the documents' bytes go — every stored version, upload slots, built bundles, exports;
//! 3. records of other people that name the account go (an advocate's private notes about the
//!    family's ticket, their memberships and notifications about its children, the family's
//!    review of them), and those scopes start a new epoch so devices download them afresh;
//! 4. the account's own scopes are purged — children and support relationships first, then the
//!    family, and the user's own scope last, because it lists the rest;
//! 5. storage rewrites what the purges freed (SQLite rebuilds its file), so no fragment of a
//!    deleted row stays in free space;
//! 6. the receipt is completed: counts and times, under the keyed hash of the user id.
//!
//! Each step records its counts in the receipt before the next starts, so a crash or a timeout
//! half-way loses no count and asking again carries on.

use hmac::{Hmac, Mac};
use senvault_domain::erasure::{Erasure, ErasureKey, ErasureState, Named, check_confirmation};
use senvault_domain::support::Connection;
use senvault_domain::vocab::ConnectionState;
use senvault_domain::{
    Actor, AdvocateId, Command, FamilyCommand, MemberRole, OpId, Record, RoleClaim, Scope, SystemCommand,
    TicketCommand, UserId, keys,
};
use senvault_store::codec::from_stored;
use senvault_store::load::get_record;
use senvault_store::{MAX_PAGE, StoredRecord};
use sha2::Sha256;

use super::{Service, ServiceError};
use crate::blobs::{Blobs, Removed};

/// The deployment's key for receipts' keyed hashes. Without it, no one can tell from a receipt
/// whose it was — not even by hashing every user id they know.
#[derive(Clone)]
pub struct ErasureSecret(Vec<u8>);

impl std::fmt::Debug for ErasureSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ErasureSecret(…)")
    }
}

impl ErasureSecret {
    /// A key derived from a secret the host already keeps (the local server's signing secret,
    /// the deployment's generated secret), so it is never used as-is.
    pub fn derive(secret: &[u8]) -> Self {
        use sha2::Digest;
        ErasureSecret(
            Sha256::new().chain_update(b"senvault-erasure-receipts\0").chain_update(secret).finalize().to_vec(),
        )
    }

    /// A key of this process only (tests): receipts are found again only while it runs.
    pub fn random() -> Self {
        Self::derive(uuid::Uuid::new_v4().as_bytes())
    }

    /// Where `user`'s receipt is kept.
    pub fn key_for(&self, user: &UserId) -> ErasureKey {
        let mut mac =
            Hmac::<Sha256>::new_from_slice(&self.0).unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
        mac.update(user.as_str().as_bytes());
        let hex = crate::blobs::hex(&mac.finalize().into_bytes());
        hex.parse().unwrap_or_else(|_| unreachable!("64 lower-case hex digits"))
    }
}

/// What one account's deletion covers, found from what is stored (so a second run finds what
/// the first left).
#[derive(Default)]
struct Plan {
    /// Purged in this order; the user's own scope is last.
    scopes: Vec<Scope>,
    /// Someone else's scopes (and the part of each) that may name the account.
    neighbours: Vec<(Scope, &'static str)>,
    /// Support relationships to end first.
    to_end: Vec<Connection>,
    /// Whom to tell when it is done.
    notify: Vec<UserId>,
    /// Prefixes of stored files.
    blob_prefixes: Vec<String>,
    named: Named,
    /// Live documents per scope, counted in the same read that finds the ids.
    documents: std::collections::BTreeMap<Scope, u64>,
}

impl Service {
    /// Deletes the caller's account and answers the receipt; a second call after it is complete
    /// answers the same receipt. `confirm` must be the caller's user id.
    pub async fn erase_account(
        &self,
        actor: &Actor,
        confirm: &str,
        blobs: &dyn Blobs,
    ) -> Result<Erasure, ServiceError> {
        check_confirmation(actor, confirm)?;
        let key = self.erasure_secret().key_for(&actor.user);
        let stored = self.receipt(&key).await?;
        let mut receipt = match stored {
            Some(done) if done.state == ErasureState::Complete && self.nothing_stored_for(actor).await? => {
                return Ok(done);
            }
            Some(running) if running.state == ErasureState::InProgress => running,
            // Never deleted, or deleted and since signed up again: a new deletion.
            _ => Erasure::start(actor.role.into(), self.clock.now()),
        };
        let plan = self.plan(actor).await?;
        // Who to tell is noted before anything goes, so a run cut short still tells them.
        for user in &plan.notify {
            if !receipt.notify.contains(user) {
                receipt.notify.push(user.clone());
            }
        }
        receipt = self.record_erasure(actor, &key, receipt, "started").await?;

        for conn in &plan.to_end {
            if self.end_for_erasure(actor, conn).await? {
                receipt.connections_ended += 1;
            }
        }
        let mut removed = Removed::default();
        for prefix in &plan.blob_prefixes {
            removed += blobs.delete_prefix(prefix).await.map_err(|e| {
                tracing::error!(error = %e, "document storage failed during an account's deletion");
                senvault_store::StoreError::Unavailable("document storage".into())
            })?;
        }
        receipt.files += removed.objects;
        receipt.bytes += removed.bytes;
        receipt = self.record_erasure(actor, &key, receipt, "files").await?;

        for (scope, prefix) in &plan.neighbours {
            let doomed: Vec<String> = all_rows(self, scope, prefix)
                .await?
                .into_iter()
                .filter(|r| plan.named.in_text(&r.key) || plan.named.in_text(&r.body))
                .map(|r| r.key)
                .collect();
            receipt.records += self.store.erase_keys(&scope.to_string(), &doomed).await?;
        }
        receipt = self.record_erasure(actor, &key, receipt, "others").await?;

        for scope in &plan.scopes {
            receipt.records += self.store.purge_scope(&scope.to_string()).await?;
            receipt.documents += plan.documents.get(scope).copied().unwrap_or(0);
            receipt = self.record_erasure(actor, &key, receipt, &format!("purged/{scope}")).await?;
        }
        // What the purges freed is rewritten, so no fragment of it stays in storage's free space.
        self.store.compact().await?;
        let done = receipt.completed(self.clock.now());
        let done = self.record_erasure(actor, &key, done, "complete").await?;
        tracing::info!(records = done.records, files = done.files, "an account was deleted");
        Ok(done)
    }

    /// Whether the caller's account was deleted and nothing of theirs has been stored since
    /// (a device of theirs still syncing is then told so, and wipes itself).
    pub async fn account_erased(&self, actor: &Actor) -> Result<bool, ServiceError> {
        let key = self.erasure_secret().key_for(&actor.user);
        let Some(receipt) = self.receipt(&key).await? else { return Ok(false) };
        Ok(receipt.state == ErasureState::Complete && self.nothing_stored_for(actor).await?)
    }

    /// Whether the user's own scope holds nothing: after a deletion, nothing stored since.
    async fn nothing_stored_for(&self, actor: &Actor) -> Result<bool, ServiceError> {
        Ok(self.store.meta(&Scope::User(actor.user.clone()).to_string()).await?.seq == 0)
    }

    async fn receipt(&self, key: &ErasureKey) -> Result<Option<Erasure>, ServiceError> {
        match get_record(self.store.as_ref(), &Scope::Erased(key.clone()), keys::ERASURE_RECEIPT).await? {
            Some(Record::Erasure(e)) => Ok(Some(e)),
            _ => Ok(None),
        }
    }

    /// Writes the receipt through the kernel and answers it as stored.
    async fn record_erasure(
        &self,
        actor: &Actor,
        key: &ErasureKey,
        receipt: Erasure,
        step: &str,
    ) -> Result<Erasure, ServiceError> {
        // One operation per step of one deletion: a retried step is the same operation.
        let started = receipt.started_at.timestamp_micros().to_string();
        let op = OpId(uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, format!("{key}/{started}/{step}").as_bytes()));
        let command = SystemCommand::RecordErasure { key: key.clone(), receipt: receipt.clone() };
        self.execute(actor, command, op).await?;
        Ok(receipt)
    }

    /// Ends one support relationship on the deleted account's side; `true` if it was open.
    async fn end_for_erasure(&self, actor: &Actor, conn: &Connection) -> Result<bool, ServiceError> {
        if conn.state == ConnectionState::Ended {
            return Ok(false);
        }
        let op = OpId(uuid::Uuid::new_v5(&conn.id.0, b"ended-by-account-deletion"));
        let command = match actor.role {
            RoleClaim::Family => {
                Command::family(conn.family_id, FamilyCommand::EndSupport { connection_id: conn.id, note: None })
            }
            // An advocate leaves the families' supports; the families are told by the ticket.
            _ => match get_record(self.store.as_ref(), &Scope::Conn(conn.id), keys::TICKET).await? {
                Some(Record::Ticket(t)) if conn.advocate_user.as_ref() == Some(&actor.user) => {
                    Command::Ticket { connection_id: conn.id, ticket_id: t.id, command: TicketCommand::Leave }
                }
                _ => return Ok(false),
            },
        };
        let done = self.execute(actor, command, op).await?;
        Ok(done.changed)
    }

    /// What the caller's deletion covers, from their memberships.
    async fn plan(&self, actor: &Actor) -> Result<Plan, ServiceError> {
        let mut plan = Plan::default();
        plan.named.add(actor.user.as_str());
        let memberships = self.memberships(actor, "").await?;
        let mut families = Vec::new();
        let mut children = Vec::new();
        let mut conns = Vec::new();
        for m in &memberships {
            match m.scope.parse::<Scope>() {
                Ok(Scope::Family(f)) if m.role == MemberRole::Owner => families.push(f),
                Ok(Scope::Child(c)) if m.role == MemberRole::Owner => children.push(c),
                Ok(Scope::Conn(c)) => conns.push(c),
                _ => {}
            }
        }
        for family in &families {
            plan.named.add(&family.to_string());
            for row in all_rows(self, &Scope::Family(*family), keys::CHILD_PREFIX).await? {
                if let Some(child) = row.key.strip_prefix(keys::CHILD_PREFIX).and_then(|c| c.parse().ok())
                    && !children.contains(&child)
                {
                    children.push(child);
                }
            }
            for prefix in ["documents", "uploads", "bundles"] {
                plan.blob_prefixes.push(format!("{prefix}/{family}/"));
            }
        }
        for export in self.exports(actor).await? {
            plan.blob_prefixes.push(export.blob_key());
        }
        plan.scopes.extend(children.iter().map(|c| Scope::Child(*c)));
        let advocate = actor.role != RoleClaim::Family;
        for id in &conns {
            let scope = Scope::Conn(*id);
            let Some(Record::Connection(conn)) = get_record(self.store.as_ref(), &scope, keys::CONNECTION).await?
            else {
                continue;
            };
            // An advocate's side of a support ends (the family's record of it stays theirs, and
            // the ticket tells them); a family's support goes whole.
            if !advocate {
                plan.named.add(&id.to_string());
                plan.scopes.push(scope.clone());
                if let Some(Record::Ticket(t)) = get_record(self.store.as_ref(), &scope, keys::TICKET).await? {
                    plan.named.add(&t.id.to_string());
                }
                if let Some(user) = &conn.advocate_user {
                    plan.notify.push(user.clone());
                    plan.neighbours.push((Scope::User(user.clone()), ""));
                }
                plan.neighbours.extend(conn.advocate_id.map(|a| (Scope::Advocate(a), "")));
                plan.neighbours.extend(conn.org_id.map(|o| (Scope::Org(o), "")));
            }
            plan.to_end.push(conn);
        }
        if advocate {
            let own = AdvocateId::for_user(&actor.user);
            plan.named.add(&own.to_string());
            plan.scopes.push(Scope::Advocate(own));
            for m in &memberships {
                // Their membership of an organisation, not the organisation's own records.
                if let Ok(org @ Scope::Org(_)) = m.scope.parse::<Scope>() {
                    plan.neighbours.push((org, keys::ORG_MEMBER_PREFIX));
                }
            }
        }
        plan.scopes.extend(families.iter().map(|f| Scope::Family(*f)));
        plan.scopes.push(Scope::User(actor.user.clone()));
        // A family's scopes are all theirs, so every id their keys hold is the family's; an
        // advocate's user scope also lists the families they support, whose ids are not theirs.
        if !advocate {
            for scope in &plan.scopes {
                let mut documents = 0;
                for row in all_rows(self, scope, "").await? {
                    plan.named.add_key_ids(&row.key);
                    if row.key.starts_with(keys::DOCUMENT_PREFIX)
                        && !row.deleted
                        && matches!(from_stored(&row).map(|(_, s)| s.record), Ok(Record::Document(_)))
                    {
                        documents += 1;
                    }
                }
                plan.documents.insert(scope.clone(), documents);
            }
        }
        plan.neighbours.sort_by_key(|(s, p)| (s.to_string(), *p));
        plan.neighbours.dedup();
        plan.neighbours.retain(|(s, _)| !plan.scopes.contains(s));
        plan.notify.sort();
        plan.notify.dedup();
        plan.notify.retain(|u| *u != actor.user);
        Ok(plan)
    }
}

/// Every record of a scope under `prefix`, tombstones included, in key order.
async fn all_rows(service: &Service, scope: &Scope, prefix: &str) -> Result<Vec<StoredRecord>, ServiceError> {
    let scope = scope.to_string();
    let mut out = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = service.store.list_with_tombstones(&scope, prefix, after.as_deref(), MAX_PAGE).await?;
        out.extend(page.items);
        match page.next {
            Some(next) => after = Some(next),
            None => return Ok(out),
        }
    }
}
