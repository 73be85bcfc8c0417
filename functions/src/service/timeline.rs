//! Reads of a child's timeline and a case's chronology: which records to read and who may read
//! them. The timeline is listed newest first from its index (the child's, or one case's), so a
//! first page is one query and a case's chronology reads that case's entries only.

use senvault_domain::chronology::{Include, Sources};
use senvault_domain::timeline::{Revision, TimelineEntry, TimelineFilter};
use senvault_domain::{Actor, CaseId, ChildId, Chronology, DocumentId, Read, Record, Scope, keys};
use senvault_store::codec::live_record;
use senvault_store::index::{case_timeline_partition, timeline_partition, timeline_range, timeline_sort_key};
use senvault_store::load::{get_record, load_live};
use senvault_store::{Index, MAX_PAGE};
use serde::Serialize;

use super::paging::Listing;
use super::queries::not_found;
use super::{Service, ServiceError};

/// One entry with its history, oldest change first.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EntryView {
    #[serde(flatten)]
    pub entry: TimelineEntry,
    /// Every change: who, when, which fields, and the entry as it was before.
    pub history: Vec<Revision>,
}

impl Service {
    /// A page of a child's timeline, newest first. Without a case the child's index is read,
    /// with one that case's; kind and hidden entries are filtered as the pages are read.
    pub async fn timeline(
        &self,
        actor: &Actor,
        child_id: ChildId,
        filter: &TimelineFilter,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Listing<TimelineEntry>, ServiceError> {
        let scope = Scope::Child(child_id);
        let role = self.access(actor, &scope).await?.require("child")?;
        self.audit_read(actor, role, child_id, "list_timeline", scope.to_string()).await?;
        let pk = match filter.case_id {
            Some(case) => (Index::G2, case_timeline_partition(&scope, case)),
            None => (Index::G1, timeline_partition(&scope)),
        };
        let (mut after, until) = timeline_range(filter.from, filter.to, cursor);
        let mut items = Vec::new();
        loop {
            // One more than the page, so a full page knows whether another follows.
            let want = (limit + 1 - items.len()).min(MAX_PAGE);
            let page = self.store.query_index(pk.0, &pk.1, after.as_deref(), until.as_deref(), want).await?;
            for row in &page.items {
                if let Some(Record::TimelineEntry(e)) = live_record(row)?
                    && filter.matches(&e)
                {
                    items.push(e);
                }
            }
            match page.next {
                Some(n) if items.len() <= limit => after = Some(n),
                _ => break,
            }
        }
        let next = if items.len() > limit {
            items.truncate(limit);
            items.last().map(|e| timeline_sort_key(e.date, e.time, e.id))
        } else {
            None
        };
        Ok(Listing { items, next })
    }

    /// One entry of a child's timeline with its history.
    pub async fn timeline_entry(
        &self,
        actor: &Actor,
        child_id: ChildId,
        entry_id: senvault_domain::TimelineEntryId,
    ) -> Result<EntryView, ServiceError> {
        let scope = Scope::Child(child_id);
        let role = self.access(actor, &scope).await?.require("timeline entry")?;
        let snap = load_live(
            self.store.as_ref(),
            &[
                Read::Get(scope.clone(), keys::timeline_entry(entry_id)),
                Read::Prefix(scope.clone(), keys::revisions(entry_id)),
            ],
        )
        .await?;
        let Some(Record::TimelineEntry(entry)) = snap.get(&scope, &keys::timeline_entry(entry_id)).cloned() else {
            return Err(not_found("timeline entry"));
        };
        self.audit_read(actor, role, child_id, "read_timeline_entry", keys::timeline_entry(entry_id)).await?;
        let history = snap
            .prefix(&scope, &keys::revisions(entry_id))
            .filter_map(|(_, r)| match r {
                Record::Revision(r) => Some(r.clone()),
                _ => None,
            })
            .collect();
        Ok(EntryView { entry, history })
    }

    /// Every timeline entry linked to one case, newest first (that case's index only).
    pub(crate) async fn case_timeline(
        &self,
        scope: &Scope,
        case_id: CaseId,
    ) -> Result<Vec<TimelineEntry>, ServiceError> {
        let pk = case_timeline_partition(scope, case_id);
        let mut entries = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let page = self.store.query_index(Index::G2, &pk, after.as_deref(), None, MAX_PAGE).await?;
            for row in &page.items {
                if let Some(Record::TimelineEntry(e)) = live_record(row)? {
                    entries.push(e);
                }
            }
            match page.next {
                Some(n) => after = Some(n),
                None => return Ok(entries),
            }
        }
    }

    /// A case's chronology: the case, its child, the case's timeline entries and the titles of
    /// the documents they link.
    pub async fn chronology(
        &self,
        actor: &Actor,
        case_id: CaseId,
        include: Include,
    ) -> Result<Chronology, ServiceError> {
        let agg = self.case_aggregate(actor, case_id).await?;
        let scope = Scope::Child(agg.case.child_id);
        let child = match get_record(self.store.as_ref(), &scope, keys::CHILD_PROFILE).await? {
            Some(Record::Child(c)) => Some(c),
            _ => None,
        };
        let entries = if include.timeline { self.case_timeline(&scope, case_id).await? } else { Vec::new() };
        let mut documents: Vec<DocumentId> = entries.iter().flat_map(|e| e.document_ids.iter().copied()).collect();
        documents.sort();
        documents.dedup();
        let reads: Vec<Read> = documents.iter().map(|d| Read::Get(scope.clone(), keys::document(*d))).collect();
        let snap = if reads.is_empty() { Default::default() } else { load_live(self.store.as_ref(), &reads).await? };
        let document_titles = documents
            .iter()
            .filter_map(|d| match snap.get(&scope, &keys::document(*d)) {
                Some(Record::Document(doc)) => Some((*d, doc.title.clone())),
                _ => None,
            })
            .collect();
        let sources = Sources { child: child.as_ref(), entries: &entries, document_titles, include };
        Ok(Chronology::build(&agg, &sources, self.today()))
    }
}
