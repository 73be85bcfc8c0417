//! The one path every change takes: authorise (one membership read), load what the command
//! needs, `decide`, commit atomically; on a lost race re-read and decide again (bounded,
//! jittered). Reads go through here too, so access is checked on every read.

use std::sync::Arc;

use senvault_domain::{
    Actor, Alert, CaseAggregate, CaseDetail, CaseId, Command, Context, DomainError, MemberRole, Membership, OpId,
    Preferences, Read, ReadMarker, Record, Scope, Snapshot, Versioned, keys,
};

use crate::clock::Clock;
use senvault_store::codec::{from_stored, to_put};
use senvault_store::{CommitRequest, MAX_PAGE, Store, StoreError, backoff};

/// How far back notifications are listed, in days.
pub const NOTIFICATION_DAYS: u64 = 90;

/// How many times a command is re-decided after losing a race.
const MAX_ATTEMPTS: u32 = 6;

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error(transparent)]
    Domain(#[from] DomainError),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Still conflicting after every retry: the records are too busy right now.
    #[error("the records changed too often while this change was being made; try again")]
    Busy,
}

/// The outcome of a command.
pub struct Executed {
    /// The records the command read, as they stand after its writes.
    pub snapshot: Snapshot,
    pub scope: Scope,
    /// `false` for a safe retry or a re-set of the current value.
    pub changed: bool,
}

pub struct Service {
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
}

impl Service {
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Self {
        Self { store, clock }
    }

    /// The caller's role in `scope`, from the membership record.
    pub async fn membership(
        &self,
        user: &senvault_domain::UserId,
        scope: &Scope,
    ) -> Result<Option<MemberRole>, ServiceError> {
        let row = self.store.get(&Scope::User(user.clone()).to_string(), &keys::membership(scope)).await?;
        match row {
            Some(r) if !r.deleted => match from_stored(&r)?.1.record {
                Record::Membership(m) => Ok(Some(m.role)),
                _ => Ok(None),
            },
            _ => Ok(None),
        }
    }

    /// Every membership the user holds whose scope starts with `kind` (e.g. `child:`).
    pub async fn memberships(
        &self,
        user: &senvault_domain::UserId,
        kind: &str,
    ) -> Result<Vec<Membership>, ServiceError> {
        let prefix = format!("{}{kind}", keys::MEMBERSHIP_PREFIX);
        let rows = self.list_all(&Scope::User(user.clone()), &prefix).await?;
        Ok(rows
            .into_iter()
            .filter_map(|(_, r)| match r {
                Record::Membership(m) => Some(m),
                _ => None,
            })
            .collect())
    }

    /// Every live record of `scope` under `prefix`, following pages.
    pub async fn list_all(&self, scope: &Scope, prefix: &str) -> Result<Vec<(String, Record)>, ServiceError> {
        Ok(senvault_store::load::list_all(self.store.as_ref(), scope, prefix).await?)
    }

    async fn load(&self, reads: &[Read]) -> Result<Snapshot, ServiceError> {
        Ok(senvault_store::load::load(self.store.as_ref(), reads).await?)
    }

    /// The child scope that holds a case, or 404.
    pub async fn case_scope(&self, case_id: CaseId) -> Result<Scope, ServiceError> {
        self.aliased_scope(&case_id.to_string(), "case").await
    }

    async fn aliased_scope(&self, id: &str, what: &'static str) -> Result<Scope, ServiceError> {
        let scope = self.store.resolve(id).await?;
        scope.and_then(|s| s.parse::<Scope>().ok()).ok_or(ServiceError::Domain(DomainError::NotFound { what }))
    }

    /// A document the caller may see, its scope and the caller's role there.
    pub async fn document(
        &self,
        actor: &Actor,
        id: senvault_domain::DocumentId,
    ) -> Result<(Scope, senvault_domain::Document, MemberRole), ServiceError> {
        let scope = self.aliased_scope(&id.to_string(), "document").await?;
        let role = self.require_member(actor, &scope, "document").await?;
        let row = self.store.get(&scope.to_string(), &keys::document(id)).await?;
        match row.filter(|r| !r.deleted).map(|r| from_stored(&r)).transpose()?.map(|(_, v)| v.record) {
            Some(Record::Document(doc)) => Ok((scope, doc, role)),
            _ => Err(ServiceError::Domain(DomainError::NotFound { what: "document" })),
        }
    }

    /// The scope a command runs in: named by the command, or the scope holding its case.
    pub async fn scope_for(&self, actor: &Actor, command: &Command) -> Result<Scope, ServiceError> {
        if let Some(scope) = senvault_domain::home_scope(command, actor) {
            return Ok(scope);
        }
        if let Some(case_id) = command.case_id() {
            return self.case_scope(case_id).await;
        }
        match command.document_id() {
            Some(id) => self.aliased_scope(&id.to_string(), "document").await,
            None => Err(ServiceError::Domain(DomainError::NotFound { what: "record" })),
        }
    }

    /// Runs a command: the single write path of the system.
    pub async fn execute(&self, actor: &Actor, command: Command) -> Result<Executed, ServiceError> {
        let scope = self.scope_for(actor, &command).await?;
        // One operation id for every attempt, so a re-decided command derives the same ids.
        let op = OpId::new();
        let reads = senvault_domain::reads(&scope, &command, actor);
        for attempt in 0..MAX_ATTEMPTS {
            let membership = self.membership(&actor.user, &scope).await?;
            let mut snapshot = self.load(&reads).await?;
            let ctx = Context { actor: actor.clone(), membership, now: self.clock.now(), op };
            let decision = senvault_domain::decide(&ctx, &scope, &command, &snapshot)?;
            if decision.is_noop() {
                return Ok(Executed { snapshot, scope, changed: false });
            }
            let request = CommitRequest {
                puts: decision.writes.iter().map(to_put).collect::<Result<_, _>>()?,
                checks: vec![],
                aliases: decision.aliases.iter().map(|a| (a.id.clone(), a.scope.to_string())).collect(),
            };
            // A change too big for one transaction (an analysis with hundreds of flags) commits
            // in order, in several; if one loses a race the command is decided again from what
            // is stored, which then holds the batches already written.
            let batches = if command.commits_in_batches() { request.into_batches() } else { vec![request] };
            match self.commit_all(batches).await {
                Ok(()) => {
                    snapshot.apply(&decision.writes);
                    tracing::info!(command = command.name(), %scope, writes = decision.writes.len(), "committed");
                    return Ok(Executed { snapshot, scope, changed: true });
                }
                Err(StoreError::Conflict { .. }) => {
                    tracing::debug!(command = command.name(), attempt, "lost a race; deciding again");
                    tokio::time::sleep(backoff::delay(attempt, 5)).await;
                }
                Err(e) => return Err(e.into()),
            }
        }
        Err(ServiceError::Busy)
    }

    async fn commit_all(&self, batches: Vec<CommitRequest>) -> Result<(), StoreError> {
        for batch in batches {
            self.store.commit(batch).await?;
        }
        Ok(())
    }

    /// Reads require membership of the scope; non-members get 404 so existence is not revealed.
    pub async fn require_member(
        &self,
        actor: &Actor,
        scope: &Scope,
        what: &'static str,
    ) -> Result<MemberRole, ServiceError> {
        self.membership(&actor.user, scope).await?.ok_or(ServiceError::Domain(DomainError::NotFound { what }))
    }

    /// The case page: one alias read, one membership read, one prefix query.
    pub async fn case_detail(&self, actor: &Actor, case_id: CaseId) -> Result<CaseDetail, ServiceError> {
        let (scope, page) = self.load_case(actor, case_id).await?;
        self.detail_from(&page, &scope, case_id)
    }

    /// A case's aggregate, after the access check.
    pub async fn case_aggregate(&self, actor: &Actor, case_id: CaseId) -> Result<CaseAggregate, ServiceError> {
        let (scope, page) = self.load_case(actor, case_id).await?;
        Self::aggregate_from(&page, &scope, case_id)
    }

    /// A case's aggregate from records already loaded.
    pub fn aggregate_from(snap: &Snapshot, scope: &Scope, case_id: CaseId) -> Result<CaseAggregate, ServiceError> {
        CaseAggregate::from_records(snap.prefix(scope, &keys::case_aggregate(case_id)).map(|(_, r)| r))
            .ok_or(ServiceError::Domain(DomainError::NotFound { what: "case" }))
    }

    async fn load_case(&self, actor: &Actor, case_id: CaseId) -> Result<(Scope, Snapshot), ServiceError> {
        let scope = self.case_scope(case_id).await?;
        self.require_member(actor, &scope, "case").await?;
        let page = self.load(&[Read::Prefix(scope.clone(), keys::case_aggregate(case_id))]).await?;
        Ok((scope, page))
    }

    /// The user's reminder lead times (all three unless they chose otherwise).
    pub async fn preferences(&self, user: &senvault_domain::UserId) -> Result<Vec<u32>, ServiceError> {
        let row = self.store.get(&Scope::User(user.clone()).to_string(), keys::PREFERENCES).await?;
        match row.map(|r| from_stored(&r)).transpose()?.map(|(_, v)| v.record) {
            Some(Record::Preferences(p)) => Ok(p.reminder_lead_days),
            _ => Ok(Preferences::default_leads()),
        }
    }

    /// The notifications a user can see: alerts in every child scope they are a member of
    /// (due within the last 90 days), filtered by their lead times, with their read state;
    /// newest first. Losing access to a child removes its alerts at once.
    pub async fn notifications(&self, actor: &Actor) -> Result<Vec<(Alert, Option<ReadMarker>)>, ServiceError> {
        let leads = self.preferences(&actor.user).await?;
        let since = self.today().checked_sub_days(chrono::Days::new(NOTIFICATION_DAYS)).unwrap_or(self.today());
        let after = format!("{}{since}", keys::ALERT_PREFIX);
        let mut alerts = Vec::new();
        for m in self.memberships(&actor.user, "child:").await? {
            let mut cursor = Some(after.clone());
            loop {
                let page = self.store.list(&m.scope, keys::ALERT_PREFIX, cursor.as_deref(), MAX_PAGE).await?;
                for r in &page.items {
                    if let (_, Versioned { record: Record::Alert(a), .. }) = from_stored(r)?
                        && a.shown_with(&leads)
                    {
                        alerts.push(a);
                    }
                }
                match page.next {
                    Some(n) => cursor = Some(n),
                    None => break,
                }
            }
        }
        let read: std::collections::HashMap<_, _> = self
            .list_all(&Scope::User(actor.user.clone()), keys::READ_PREFIX)
            .await?
            .into_iter()
            .filter_map(|(_, r)| match r {
                Record::ReadMarker(m) => Some((m.id, m)),
                _ => None,
            })
            .collect();
        alerts.sort_by_key(|a| std::cmp::Reverse((a.raised_at, a.id)));
        Ok(alerts
            .into_iter()
            .map(|a| {
                let marker = read.get(&a.id).cloned();
                (a, marker)
            })
            .collect())
    }

    /// Builds the case page from records already loaded.
    pub fn detail_from(&self, snap: &Snapshot, scope: &Scope, case_id: CaseId) -> Result<CaseDetail, ServiceError> {
        Ok(CaseDetail::new(Self::aggregate_from(snap, scope, case_id)?, self.today()))
    }

    pub fn today(&self) -> chrono::NaiveDate {
        senvault_domain::dates::london_date(self.clock.now())
    }
}
