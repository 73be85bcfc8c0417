//! Reads of the access area: connections with their grants, the family's audit log, reviews
//! and organisations.

use senvault_domain::audit::AuditFilter;
use senvault_domain::support::{ConnectionView, OrgMember, Organisation, Review};
use senvault_domain::{Actor, AdvocateId, AuditEntry, ConnectionId, MemberRole, OrganisationId, Record, Scope, keys};
use senvault_store::codec::live_record;
use senvault_store::index::ORGANISATIONS;
use senvault_store::load::{get_record, list_all};
use senvault_store::{Index, MAX_PAGE};

use super::paging::Listing;
use super::{Service, ServiceError};

fn not_found(what: &'static str) -> ServiceError {
    ServiceError::Domain(senvault_domain::DomainError::NotFound { what })
}

impl Service {
    /// A connection the caller is part of, with the access granted on it.
    pub async fn connection(&self, actor: &Actor, id: ConnectionId) -> Result<ConnectionView, ServiceError> {
        let scope = Scope::Conn(id);
        self.access(actor, &scope).await?.require("connection")?;
        self.connection_view(id).await?.ok_or(not_found("connection"))
    }

    async fn connection_view(&self, id: ConnectionId) -> Result<Option<ConnectionView>, ServiceError> {
        let Some(Record::Connection(c)) = get_record(self.store.as_ref(), &Scope::Conn(id), keys::CONNECTION).await?
        else {
            return Ok(None);
        };
        let grant = match get_record(self.store.as_ref(), &Scope::Family(c.family_id), &keys::grant(id)).await? {
            Some(Record::Grant(g)) => Some(g),
            _ => None,
        };
        Ok(Some(ConnectionView::new(&c, grant.as_ref())))
    }

    /// Every connection the caller is part of (a family's, an advocate's, an admin's), newest
    /// first.
    pub async fn connections(&self, actor: &Actor) -> Result<Vec<ConnectionView>, ServiceError> {
        let mut out = Vec::new();
        for m in self.memberships(actor, "conn:").await? {
            let Ok(Scope::Conn(id)) = m.scope.parse::<Scope>() else { continue };
            out.extend(self.connection_view(id).await?);
        }
        out.sort_by_key(|c| std::cmp::Reverse((c.created_at, c.id)));
        Ok(out)
    }

    /// The family's audit log, newest first (the family only): who changed or looked at what.
    pub async fn audit(
        &self,
        actor: &Actor,
        filter: &AuditFilter,
        before: Option<&str>,
        limit: usize,
    ) -> Result<Listing<AuditEntry>, ServiceError> {
        let family = self.family_of(actor).await?;
        let scope = Scope::Family(family);
        let role = self.access(actor, &scope).await?.require("family")?;
        if role != MemberRole::Owner {
            return Err(not_found("family"));
        }
        let mut items = Vec::new();
        let mut cursor = before.map(str::to_owned);
        // Keep reading while a filter leaves the page short; the cursor is the last line looked at.
        loop {
            let page = self.store.list_newest(&scope.to_string(), keys::AUDIT_PREFIX, cursor.as_deref(), limit).await?;
            for row in &page.items {
                if items.len() == limit {
                    return Ok(Listing { items, next: cursor });
                }
                cursor = Some(row.key.clone());
                if let Some(Record::Audit(e)) = live_record(row)?
                    && filter.matches(&e)
                {
                    items.push(e);
                }
            }
            match page.next {
                Some(n) if items.len() == limit => return Ok(Listing { items, next: Some(n) }),
                Some(n) => cursor = Some(n),
                None => return Ok(Listing { items, next: None }),
            }
        }
    }

    /// An advocate's reviews, oldest first.
    pub async fn reviews(
        &self,
        advocate: AdvocateId,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Listing<Review>, ServiceError> {
        self.advocate(advocate).await?;
        let page = self.store.list(&Scope::Advocate(advocate).to_string(), keys::REVIEW_PREFIX, after, limit).await?;
        let mut items = Vec::new();
        for row in &page.items {
            if let Some(Record::Review(r)) = live_record(row)? {
                items.push(r);
            }
        }
        Ok(Listing { items, next: page.next })
    }

    /// An organisation's profile (any signed-in caller).
    pub async fn organisation(&self, id: OrganisationId) -> Result<Organisation, ServiceError> {
        match get_record(self.store.as_ref(), &Scope::Org(id), keys::ORG_PROFILE).await? {
            Some(Record::Organisation(o)) => Ok(o),
            _ => Err(not_found("organisation")),
        }
    }

    /// Organisations taking on families, optionally in one area.
    pub async fn organisations(&self, area: Option<&str>) -> Result<Vec<Organisation>, ServiceError> {
        let want = area.map(senvault_domain::support::area_key).filter(|a| !a.is_empty());
        let mut out = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let page = self.store.query_index(Index::G1, ORGANISATIONS, cursor.as_deref(), None, MAX_PAGE).await?;
            for row in &page.items {
                if let Some(Record::Organisation(o)) = live_record(row)?
                    && o.accepting
                    && want.as_ref().is_none_or(|w| o.areas.iter().any(|a| senvault_domain::support::area_key(a) == *w))
                {
                    out.push(o);
                }
            }
            match page.next {
                Some(n) => cursor = Some(n),
                None => return Ok(out),
            }
        }
    }

    /// An organisation's members (its members only).
    pub async fn org_members(&self, actor: &Actor, id: OrganisationId) -> Result<Vec<OrgMember>, ServiceError> {
        let scope = Scope::Org(id);
        self.access(actor, &scope).await?.require("organisation")?;
        let rows = list_all(self.store.as_ref(), &scope, keys::ORG_MEMBER_PREFIX).await?;
        Ok(rows
            .into_iter()
            .filter_map(|(_, r)| match r {
                Record::OrgMember(m) => Some(m),
                _ => None,
            })
            .collect())
    }
}
