//! Every read the API serves, each as authorise → load → shape. The shapes are the domain's
//! (the case page, the chronology, the filters); what is here is which records to read and who
//! may read them.

use senvault_domain::analyser::AnalyseOptions;
use senvault_domain::audit::read_entry;
use senvault_domain::lists::{ActionFilter, Notification, notice_shown, notification_shown, notifications_since};
use senvault_domain::{
    ActionView, Actor, AlertId, Case, CaseAggregate, CaseDetail, CaseId, Child, ChildId, Document, DocumentId,
    DocumentUse, DomainError, Family, FamilyId, FamilyMember, MemberRole, Membership, Preferences, Read, ReadMarker,
    Record, Scope, Snapshot, keys, may_use_document,
};
use senvault_store::codec::live_record;
use senvault_store::index::{action_sort_key, actions_partition, cases_partition, dated_until};
use senvault_store::load::{get_record, list_all, load_live};
use senvault_store::{Index, MAX_PAGE, Page, StoredRecord};
use serde::Serialize;

use super::paging::{Listing, Order, page_of};
use super::{Service, ServiceError};

/// A family account with its members.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FamilyView {
    #[serde(flatten)]
    pub family: Family,
    pub members: Vec<FamilyMember>,
}

pub(crate) fn not_found(what: &'static str) -> ServiceError {
    ServiceError::Domain(DomainError::NotFound { what })
}

impl Service {
    /// The family a child belongs to (it never changes, so it is remembered).
    pub(crate) async fn family_of_child(&self, child: ChildId) -> Result<FamilyId, ServiceError> {
        if let Some(Scope::Family(f)) = self.families.get(&child.to_string()) {
            return Ok(f);
        }
        match get_record(self.store.as_ref(), &Scope::Child(child), keys::CHILD_PROFILE).await? {
            Some(Record::Child(c)) => {
                self.families.remember(&child.to_string(), &Scope::Family(c.family_id));
                Ok(c.family_id)
            }
            _ => Err(not_found("child")),
        }
    }

    /// Records a read of a child's records in the family's audit log, unless the family itself
    /// is reading (the domain's rule). A read that cannot be recorded is not served.
    pub(super) async fn audit_read(
        &self,
        actor: &Actor,
        role: MemberRole,
        child: ChildId,
        what: &str,
        target: String,
    ) -> Result<(), ServiceError> {
        if role == MemberRole::Owner {
            return Ok(());
        }
        let family = self.family_of_child(child).await?;
        let entry = read_entry(actor, role, family, child, what, target, self.clock.now());
        self.record_reads(entry.into_iter().collect()).await
    }

    /// Commits audit lines of reads, in as many transactions as they need (each line is a
    /// create of its own: a retry after a partial failure only adds lines).
    pub(super) async fn record_reads(&self, entries: Vec<senvault_domain::Write>) -> Result<(), ServiceError> {
        if entries.is_empty() {
            return Ok(());
        }
        let puts = entries.iter().map(senvault_store::codec::to_put).collect::<Result<Vec<_>, _>>()?;
        for batch in senvault_store::CommitRequest::puts(puts).into_batches() {
            self.store.commit(batch).await?;
        }
        Ok(())
    }
}

/// Every row of `scope` under `prefix` after the key `after`, page by page.
pub(super) async fn list_from(
    store: &dyn senvault_store::Store,
    scope: &str,
    prefix: &str,
    after: &str,
) -> Result<Vec<StoredRecord>, ServiceError> {
    let mut rows = Vec::new();
    let mut cursor = Some(after.to_owned());
    loop {
        let page = store.list(scope, prefix, cursor.as_deref(), MAX_PAGE).await?;
        rows.extend(page.items);
        match page.next {
            Some(n) => cursor = Some(n),
            None => return Ok(rows),
        }
    }
}

/// A store page as a listing of the records `pick` accepts.
fn listing<T>(page: Page<StoredRecord>, pick: impl Fn(Record) -> Option<T>) -> Result<Listing<T>, ServiceError> {
    let mut items = Vec::with_capacity(page.items.len());
    for row in &page.items {
        if let Some(record) = live_record(row)? {
            items.extend(pick(record));
        }
    }
    Ok(Listing { items, next: page.next })
}

impl Service {
    /// Every membership the user holds whose scope starts with `kind` (e.g. `child:`).
    pub async fn memberships(&self, actor: &Actor, kind: &str) -> Result<Vec<Membership>, ServiceError> {
        let prefix = format!("{}{kind}", keys::MEMBERSHIP_PREFIX);
        let rows = list_all(self.store.as_ref(), &Scope::User(actor.user.clone()), &prefix).await?;
        Ok(rows
            .into_iter()
            .filter_map(|(_, r)| match r {
                Record::Membership(m) => Some(m),
                _ => None,
            })
            .collect())
    }

    /// The family the caller belongs to.
    pub async fn family_of(&self, actor: &Actor) -> Result<FamilyId, ServiceError> {
        let memberships = self.memberships(actor, "family:").await?;
        memberships
            .iter()
            .find_map(|m| match m.scope.parse::<Scope>() {
                Ok(Scope::Family(id)) => Some(id),
                _ => None,
            })
            .ok_or(not_found("family (create it with POST /v1/family)"))
    }

    /// A family account and its members (members only).
    pub async fn family(&self, actor: &Actor, family: FamilyId) -> Result<FamilyView, ServiceError> {
        let scope = Scope::Family(family);
        self.access(actor, &scope).await?.require("family")?;
        let snap = load_live(
            self.store.as_ref(),
            &[
                Read::Get(scope.clone(), keys::FAMILY_PROFILE.into()),
                Read::Prefix(scope.clone(), keys::MEMBER_PREFIX.into()),
            ],
        )
        .await?;
        let Some(Record::Family(family)) = snap.get(&scope, keys::FAMILY_PROFILE).cloned() else {
            return Err(not_found("family"));
        };
        let members = snap
            .prefix(&scope, keys::MEMBER_PREFIX)
            .filter_map(|(_, r)| match r {
                Record::FamilyMember(m) => Some(m.clone()),
                _ => None,
            })
            .collect();
        Ok(FamilyView { family, members })
    }

    /// The children the caller may see (their own, and those granted to them), a page at a
    /// time in membership order.
    pub async fn children(
        &self,
        actor: &Actor,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Listing<Child>, ServiceError> {
        let user_scope = Scope::User(actor.user.clone()).to_string();
        let prefix = format!("{}child:", keys::MEMBERSHIP_PREFIX);
        let page = self.store.list(&user_scope, &prefix, after, limit).await?;
        let mut items = Vec::with_capacity(page.items.len());
        let mut audit = Vec::new();
        for row in &page.items {
            let Some(Record::Membership(m)) = live_record(row)? else { continue };
            let Ok(scope) = m.scope.parse::<Scope>() else { continue };
            if let Some(Record::Child(child)) = get_record(self.store.as_ref(), &scope, keys::CHILD_PROFILE).await? {
                audit.extend(read_entry(
                    actor,
                    m.role,
                    child.family_id,
                    child.id,
                    "read_child",
                    scope.to_string(),
                    self.clock.now(),
                ));
                self.families.remember(&child.id.to_string(), &Scope::Family(child.family_id));
                items.push(child);
            }
        }
        self.record_reads(audit).await?;
        Ok(Listing { items, next: page.next })
    }

    /// One child's profile (members of the child's scope only).
    pub async fn child(&self, actor: &Actor, child_id: ChildId) -> Result<Child, ServiceError> {
        let scope = Scope::Child(child_id);
        let role = self.access(actor, &scope).await?.require("child")?;
        match get_record(self.store.as_ref(), &scope, keys::CHILD_PROFILE).await? {
            Some(Record::Child(c)) => {
                self.audit_read(actor, role, child_id, "read_child", scope.to_string()).await?;
                Ok(c)
            }
            _ => Err(not_found("child")),
        }
    }

    /// The child a case belongs to (404 for an unknown case). Says nothing about access: the
    /// command or read that follows checks the caller's membership of that child.
    pub async fn child_of_case(&self, case_id: CaseId) -> Result<ChildId, ServiceError> {
        match self.aliased_scope(&case_id.to_string(), "case").await? {
            Scope::Child(id) => Ok(id),
            _ => Err(not_found("case")),
        }
    }

    pub async fn aliased_scope(&self, id: &str, what: &'static str) -> Result<Scope, ServiceError> {
        if let Some(scope) = self.aliases.get(id) {
            return Ok(scope);
        }
        let scope = self.store.resolve(id).await?.and_then(|s| s.parse::<Scope>().ok()).ok_or(not_found(what))?;
        self.aliases.remember(id, &scope);
        Ok(scope)
    }

    /// A child's cases, oldest first (through the child's cases index).
    pub async fn cases(
        &self,
        actor: &Actor,
        child_id: ChildId,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Listing<Case>, ServiceError> {
        let scope = Scope::Child(child_id);
        let role = self.access(actor, &scope).await?.require("child")?;
        self.audit_read(actor, role, child_id, "list_cases", scope.to_string()).await?;
        let page = self.store.query_index(Index::G1, &cases_partition(&scope), after, None, limit).await?;
        listing(page, |r| match r {
            Record::Case(c) => Some(c),
            _ => None,
        })
    }

    /// A case's aggregate: one alias read, one membership read, one prefix query.
    pub async fn case_aggregate(&self, actor: &Actor, case_id: CaseId) -> Result<CaseAggregate, ServiceError> {
        let child_id = self.child_of_case(case_id).await?;
        let scope = Scope::Child(child_id);
        let role = self.access(actor, &scope).await?.require("case")?;
        let snap =
            load_live(self.store.as_ref(), &[Read::Prefix(scope.clone(), keys::case_aggregate(case_id))]).await?;
        let agg = Self::aggregate_from(&snap, &scope, case_id)?;
        self.audit_read(actor, role, child_id, "read_case", keys::case(case_id)).await?;
        Ok(agg)
    }

    /// The child of a case the caller may run an analysis for: a case they cannot see is not
    /// found, and one they may only read is refused, before anything is read or audited.
    pub async fn case_to_analyse(&self, actor: &Actor, case_id: CaseId) -> Result<ChildId, ServiceError> {
        let child_id = self.child_of_case(case_id).await?;
        let role = self.access(actor, &Scope::Child(child_id)).await?.require("case")?;
        may_use_document(Some(role), DocumentUse::Analyse)?;
        Ok(child_id)
    }

    /// The case page.
    pub async fn case_detail(&self, actor: &Actor, case_id: CaseId) -> Result<CaseDetail, ServiceError> {
        Ok(CaseDetail::new(self.case_aggregate(actor, case_id).await?, self.today()))
    }

    /// A case's aggregate from records already loaded (a command's snapshot).
    pub fn aggregate_from(snap: &Snapshot, scope: &Scope, case_id: CaseId) -> Result<CaseAggregate, ServiceError> {
        CaseAggregate::from_records(snap.prefix(scope, &keys::case_aggregate(case_id)).map(|(_, r)| r))
            .ok_or(not_found("case"))
    }

    /// The case page from records already loaded.
    pub fn detail_from(&self, snap: &Snapshot, scope: &Scope, case_id: CaseId) -> Result<CaseDetail, ServiceError> {
        Ok(CaseDetail::new(Self::aggregate_from(snap, scope, case_id)?, self.today()))
    }

    /// Actions across every child the caller can see, soonest due first. Each child's actions
    /// in the filter's state come from its actions index, no more than a page each, merged.
    pub async fn actions(
        &self,
        actor: &Actor,
        filter: ActionFilter,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Listing<(ChildId, ActionView)>, ServiceError> {
        let today = self.today();
        let until = filter.due_until(today).map(dated_until);
        let mut merged = Vec::new();
        let mut roles = std::collections::HashMap::new();
        for m in self.memberships(actor, "child:").await? {
            let Ok(scope @ Scope::Child(child_id)) = m.scope.parse::<Scope>() else { continue };
            roles.insert(child_id, m.role);
            let pk = actions_partition(&scope, filter.state());
            let page =
                self.store.query_index(Index::G1, &pk, after, until.as_deref(), (limit + 1).min(MAX_PAGE)).await?;
            for row in &page.items {
                if let Some(Record::Action(a)) = live_record(row)?
                    && filter.matches(&a, today)
                {
                    merged.push((action_sort_key(a.due, a.id), (child_id, ActionView::new(a, today))));
                }
            }
        }
        merged.sort_by(|a, b| a.0.cmp(&b.0));
        let page = page_of(merged, after, limit, Order::Ascending);
        // Each child whose actions the page shows was read.
        let mut shown: Vec<ChildId> = page.items.iter().map(|(c, _)| *c).collect();
        shown.sort();
        shown.dedup();
        let mut audit = Vec::new();
        for child in shown {
            let role = roles.get(&child).copied().unwrap_or(MemberRole::Reader);
            if role != MemberRole::Owner {
                let family = self.family_of_child(child).await?;
                let target = Scope::Child(child).to_string();
                audit.extend(read_entry(actor, role, family, child, "list_actions", target, self.clock.now()));
            }
        }
        self.record_reads(audit).await?;
        Ok(page)
    }

    /// A document the caller may use as intended (`docs/access.md`, checked by the domain's rule
    /// before any bytes are touched), with its scope.
    pub async fn document(
        &self,
        actor: &Actor,
        id: DocumentId,
        intent: DocumentUse,
    ) -> Result<(Scope, Document), ServiceError> {
        let scope = self.aliased_scope(&id.to_string(), "document").await?;
        let access = self.access(actor, &scope).await?;
        let role = may_use_document(access.role, intent)?;
        match get_record(self.store.as_ref(), &scope, &keys::document(id)).await? {
            Some(Record::Document(doc)) => {
                // Reading a document issues its download link: each one is audited.
                self.audit_read(actor, role, doc.child_id, "read_document", keys::document(id)).await?;
                Ok((scope, doc))
            }
            _ => Err(not_found("document")),
        }
    }

    /// A child's documents.
    pub async fn documents(
        &self,
        actor: &Actor,
        child_id: ChildId,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Listing<Document>, ServiceError> {
        let scope = Scope::Child(child_id);
        let role = self.access(actor, &scope).await?.require("child")?;
        self.audit_read(actor, role, child_id, "list_documents", scope.to_string()).await?;
        let page = self.store.list(&scope.to_string(), keys::DOCUMENT_PREFIX, after, limit).await?;
        listing(page, |r| match r {
            Record::Document(d) => Some(d),
            _ => None,
        })
    }

    /// What the analyser assumes about a plan analysed onto `case_id`: the domain's defaults
    /// from the case and the child (or none without a case).
    pub async fn analysis_defaults(
        &self,
        actor: &Actor,
        child_id: ChildId,
        case_id: Option<CaseId>,
    ) -> Result<AnalyseOptions, ServiceError> {
        let Some(case_id) = case_id else { return Ok(AnalyseOptions::default()) };
        // The document (the path) exists; a case in the body that is not this child's is a
        // fault of that field, not a missing resource.
        let agg = match self.case_aggregate(actor, case_id).await {
            Ok(agg) if agg.case.child_id == child_id => agg,
            Ok(_) | Err(ServiceError::Domain(DomainError::NotFound { .. })) => {
                return Err(DomainError::not_this_childs_case("case_id").into());
            }
            Err(e) => return Err(e),
        };
        let child = self.child(actor, agg.case.child_id).await?;
        Ok(AnalyseOptions::for_case(agg.case.status, child.date_of_birth, self.today()))
    }

    /// The user's reminder lead times (all three unless they chose otherwise).
    pub async fn preferences(&self, actor: &Actor) -> Result<Vec<u32>, ServiceError> {
        match get_record(self.store.as_ref(), &Scope::User(actor.user.clone()), keys::PREFERENCES).await? {
            Some(Record::Preferences(p)) => Ok(p.reminder_lead_days),
            _ => Ok(Preferences::default_leads()),
        }
    }

    /// The notifications a user is shown: alerts in every child scope they are a member of,
    /// filtered by the domain's rule (age, their lead times), and the notices in their own
    /// scope, with their read state; newest first. Losing access to a child removes its alerts
    /// at once.
    pub async fn notifications(&self, actor: &Actor) -> Result<Vec<(Notification, Option<ReadMarker>)>, ServiceError> {
        let leads = self.preferences(actor).await?;
        let today = self.today();
        let since = notifications_since(today);
        let mut shown = Vec::new();
        for m in self.memberships(actor, "child:").await? {
            let after = format!("{}{since}", keys::ALERT_PREFIX);
            for row in list_from(self.store.as_ref(), &m.scope, keys::ALERT_PREFIX, &after).await? {
                if let Some(Record::Alert(a)) = live_record(&row)?
                    && notification_shown(&a, &leads, today)
                {
                    shown.push(Notification::Alert(a));
                }
            }
        }
        let user_scope = Scope::User(actor.user.clone()).to_string();
        let after = format!("{}{since}", keys::NOTICE_PREFIX);
        for row in list_from(self.store.as_ref(), &user_scope, keys::NOTICE_PREFIX, &after).await? {
            if let Some(Record::Notice(n)) = live_record(&row)?
                && notice_shown(&n, today)
            {
                shown.push(Notification::Notice(n));
            }
        }
        let read: std::collections::HashMap<_, _> =
            list_all(self.store.as_ref(), &Scope::User(actor.user.clone()), keys::READ_PREFIX)
                .await?
                .into_iter()
                .filter_map(|(_, r)| match r {
                    Record::ReadMarker(m) => Some((m.id, m)),
                    _ => None,
                })
                .collect();
        shown.sort_by_key(|n| std::cmp::Reverse((n.raised_at(), n.id())));
        Ok(shown
            .into_iter()
            .map(|n| {
                let marker = read.get(&n.id()).cloned();
                (n, marker)
            })
            .collect())
    }

    /// One notification the user is shown (404 otherwise) — the only ones they may mark read.
    pub async fn notification(&self, actor: &Actor, id: AlertId) -> Result<Notification, ServiceError> {
        let shown = self.notifications(actor).await?;
        shown.into_iter().map(|(n, _)| n).find(|n| n.id() == id).ok_or(not_found("notification"))
    }
}
