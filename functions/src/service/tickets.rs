//! Reads of the tickets area: the advocate directory and profiles, a ticket and its messages,
//! queues, and private notes. Each is authorise → load → shape, like every read.

use senvault_domain::support::{
    AdvocateProfile, DirectoryEntry, Message, PrivateNote, TicketDetail, TicketView, area_key,
};
use senvault_domain::{
    Actor, AdvocateId, ConnectionId, MessageId, Read, Record, RoleClaim, Scope, TicketId, TicketStatus, TicketType,
    keys,
};
use senvault_store::codec::live_record;
use senvault_store::index::{directory_partition, queue_partition};
use senvault_store::load::{get_record, load_live};
use senvault_store::{Index, MAX_PAGE};

use super::paging::{Listing, Order, page_of};
use super::{Service, ServiceError};

fn not_found(what: &'static str) -> ServiceError {
    ServiceError::Domain(senvault_domain::DomainError::NotFound { what })
}

impl Service {
    /// An advocate's public profile (any signed-in caller may look).
    pub async fn advocate(&self, id: AdvocateId) -> Result<AdvocateProfile, ServiceError> {
        match get_record(self.store.as_ref(), &Scope::Advocate(id), keys::ADVOCATE_PROFILE).await? {
            Some(Record::AdvocateProfile(p)) => Ok(p),
            _ => Err(not_found("advocate")),
        }
    }

    /// Advocates taking on new families, in one area (any spelling of it) or all, optionally
    /// offering one kind of help: one index query over that area's listings.
    pub async fn directory(
        &self,
        area: Option<&str>,
        specialism: Option<TicketType>,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Listing<AdvocateProfile>, ServiceError> {
        let listing =
            area.map(area_key).filter(|a| !a.is_empty()).unwrap_or_else(|| senvault_domain::support::ALL_AREAS.into());
        let pk = directory_partition(&listing);
        let mut items = Vec::new();
        let mut cursor = after.map(str::to_owned);
        // Keep reading while a specialism filter leaves the page short, so pages are full; the
        // cursor is the last listing looked at (its sort key is the advocate's id).
        loop {
            let page = self.store.query_index(Index::G1, &pk, cursor.as_deref(), None, limit).await?;
            for row in &page.items {
                let Some(Record::DirectoryEntry(DirectoryEntry { profile, .. })) = live_record(row)? else { continue };
                if items.len() == limit {
                    return Ok(Listing { items, next: cursor });
                }
                cursor = Some(profile.id.to_string());
                if profile.accepting && specialism.is_none_or(|s| profile.specialisms.contains(&s)) {
                    items.push(profile);
                }
            }
            match page.next {
                Some(n) if items.len() == limit => return Ok(Listing { items, next: Some(n) }),
                Some(n) => cursor = Some(n),
                None => return Ok(Listing { items, next: None }),
            }
        }
    }

    /// The connection scope holding a ticket (404 for an unknown ticket). Says nothing about
    /// access: the read or command that follows checks the caller's membership.
    pub async fn connection_of(&self, ticket: TicketId) -> Result<ConnectionId, ServiceError> {
        match self.aliased_scope(&ticket.to_string(), "ticket").await? {
            Scope::Conn(id) => Ok(id),
            _ => Err(not_found("ticket")),
        }
    }

    /// The ticket page (members of its connection only).
    pub async fn ticket(&self, actor: &Actor, ticket: TicketId) -> Result<TicketDetail, ServiceError> {
        let scope = Scope::Conn(self.connection_of(ticket).await?);
        self.access(actor, &scope).await?.require("ticket")?;
        let reads = [
            Read::Get(scope.clone(), keys::CONNECTION.into()),
            Read::Get(scope.clone(), keys::TICKET.into()),
            Read::Get(scope.clone(), keys::HANDOVER.into()),
            Read::Prefix(scope.clone(), keys::CHECKLIST_PREFIX.into()),
            Read::Prefix(scope.clone(), keys::TICKET_HISTORY_PREFIX.into()),
        ];
        let snap = load_live(self.store.as_ref(), &reads).await?;
        let records = snap.entries(&scope, "").filter(|(_, v)| !v.deleted).map(|(_, v)| &v.record);
        TicketDetail::from_records(records, self.clock.now()).ok_or(not_found("ticket"))
    }

    /// A ticket's messages, oldest first (members of its connection only; kept, read-only,
    /// after the support ends).
    pub async fn messages(
        &self,
        actor: &Actor,
        ticket: TicketId,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Listing<Message>, ServiceError> {
        let scope = Scope::Conn(self.connection_of(ticket).await?);
        self.access(actor, &scope).await?.require("ticket")?;
        let page = self.store.list(&scope.to_string(), keys::MESSAGE_PREFIX, after, limit).await?;
        let mut items = Vec::with_capacity(page.items.len());
        for row in &page.items {
            if let Some(Record::Message(m)) = live_record(row)? {
                items.push(m);
            }
        }
        Ok(Listing { items, next: page.next })
    }

    /// One message of a ticket (members of its connection only).
    pub async fn message(&self, actor: &Actor, ticket: TicketId, id: MessageId) -> Result<Message, ServiceError> {
        let scope = Scope::Conn(self.connection_of(ticket).await?);
        self.access(actor, &scope).await?.require("ticket")?;
        match get_record(self.store.as_ref(), &scope, &keys::message(id)).await? {
            Some(Record::Message(m)) => Ok(m),
            _ => Err(not_found("message")),
        }
    }

    /// The caller's private notes on one of their tickets. Anyone else — the family, another
    /// advocate, an organisation's admin — is told the ticket does not exist.
    pub async fn private_notes(&self, actor: &Actor, ticket: TicketId) -> Result<Vec<PrivateNote>, ServiceError> {
        let me = AdvocateId::for_user(&actor.user);
        let mine = Scope::Advocate(me);
        self.access(actor, &mine).await?.require("ticket")?;
        let conn = Scope::Conn(self.connection_of(ticket).await?);
        match get_record(self.store.as_ref(), &conn, keys::TICKET).await? {
            Some(Record::Ticket(t)) if t.advocate_id == Some(me) => {}
            _ => return Err(not_found("ticket")),
        }
        let rows = senvault_store::load::list_all(self.store.as_ref(), &mine, &keys::private_notes(ticket)).await?;
        Ok(rows
            .into_iter()
            .filter_map(|(_, r)| match r {
                Record::PrivateNote(n) => Some(n),
                _ => None,
            })
            .collect())
    }

    /// The caller's tickets. An advocate's queue comes from their queue index — their tickets
    /// and no one else's — open ones unless `status` asks for resolved or closed; a family's
    /// from their connections. Sorted red → orange → green → no window, then by due time.
    pub async fn tickets(
        &self,
        actor: &Actor,
        status: Option<TicketStatus>,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Listing<TicketView>, ServiceError> {
        let now = self.clock.now();
        let mut tickets = Vec::new();
        if actor.role == RoleClaim::OrgAdmin {
            // The queues of the organisations the caller administers: their connections, and
            // each one's ticket.
            let open = status.is_none_or(|s| s.is_open());
            for m in self.memberships(actor, "org:").await? {
                let Ok(Scope::Org(org)) = m.scope.parse::<Scope>() else { continue };
                if m.role != senvault_domain::MemberRole::Owner {
                    continue;
                }
                let pk = senvault_store::index::org_queue_partition(org, open);
                let mut cursor: Option<String> = None;
                loop {
                    let page = self.store.query_index(Index::G1, &pk, cursor.as_deref(), None, MAX_PAGE).await?;
                    for row in &page.items {
                        if let Some(Record::Connection(c)) = live_record(row)?
                            && let Some(Record::Ticket(t)) =
                                get_record(self.store.as_ref(), &Scope::Conn(c.id), keys::TICKET).await?
                        {
                            tickets.push(t);
                        }
                    }
                    match page.next {
                        Some(n) => cursor = Some(n),
                        None => break,
                    }
                }
            }
        } else if actor.role == RoleClaim::Advocate {
            let open = status.is_none_or(|s| s.is_open());
            let pk = queue_partition(AdvocateId::for_user(&actor.user), open);
            let mut cursor: Option<String> = None;
            loop {
                let page = self.store.query_index(Index::G1, &pk, cursor.as_deref(), None, MAX_PAGE).await?;
                for row in &page.items {
                    if let Some(Record::Ticket(t)) = live_record(row)? {
                        tickets.push(t);
                    }
                }
                match page.next {
                    Some(n) => cursor = Some(n),
                    None => break,
                }
            }
        } else {
            for m in self.memberships(actor, "conn:").await? {
                let Ok(scope) = m.scope.parse::<Scope>() else { continue };
                if let Some(Record::Ticket(t)) = get_record(self.store.as_ref(), &scope, keys::TICKET).await? {
                    tickets.push(t);
                }
            }
        }
        let mut views: Vec<(String, TicketView)> = tickets
            .iter()
            .filter(|t| status.is_none_or(|s| t.status == s))
            .map(|t| TicketView::new(t, now))
            .map(|v| (v.queue_position(), v))
            .collect();
        views.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(page_of(views, after, limit, Order::Ascending))
    }
}
