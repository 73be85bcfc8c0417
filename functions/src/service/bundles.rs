//! Reads of a child's bundles and their builds: a bundle with its page plan, meters and checks
//! (computed from the documents it names, never from their bytes), and its builds.

use std::collections::HashMap;

use senvault_domain::bundle::{Build, BuildState, Bundle, Review, ShareLink, review};
use senvault_domain::{
    Actor, BuildId, BundleId, ChildId, ConnectionState, Document, DocumentId, MemberRole, Read, Record, Scope, keys,
};
use senvault_store::load::{get_record, load_live};

use super::queries::not_found;
use super::{Service, ServiceError};

/// A bundle as it stands, with what the checks found.
#[derive(Debug, Clone)]
pub struct BundleState {
    pub bundle: Bundle,
    pub review: Review,
    /// Its builds, newest version first.
    pub builds: Vec<Build>,
}

impl Service {
    /// A child's bundles, newest first.
    pub async fn bundles(&self, actor: &Actor, child_id: ChildId) -> Result<Vec<Bundle>, ServiceError> {
        let scope = Scope::Child(child_id);
        let role = self.access(actor, &scope).await?.require("child")?;
        self.audit_read(actor, role, child_id, "list_bundles", scope.to_string()).await?;
        let snap = load_live(self.store.as_ref(), &[Read::Prefix(scope.clone(), keys::BUNDLE_PREFIX.into())]).await?;
        let mut bundles: Vec<Bundle> = snap
            .prefix(&scope, keys::BUNDLE_PREFIX)
            .filter_map(|(_, r)| match r {
                Record::Bundle(b) => Some(b.clone()),
                _ => None,
            })
            .collect();
        bundles.sort_by_key(|b| std::cmp::Reverse(b.created_at));
        Ok(bundles)
    }

    /// One bundle with its plan, meters, checks and builds: for members of the child's scope,
    /// and for the advocate of an active connection the family shared it with.
    pub async fn bundle(
        &self,
        actor: &Actor,
        child_id: ChildId,
        bundle_id: BundleId,
    ) -> Result<BundleState, ServiceError> {
        let role = self.bundle_reader(actor, child_id, bundle_id).await?;
        let state = self.bundle_state(&Scope::Child(child_id), bundle_id).await?;
        self.audit_read(actor, role, child_id, "read_bundle", keys::bundle(bundle_id)).await?;
        Ok(state)
    }

    /// Who may read a bundle: a member of the child's scope (their role, from the membership
    /// alone), or the advocate of an active connection it is shared with (a reader of this
    /// bundle alone, found from the bundle's record). Anyone else is told it does not exist.
    async fn bundle_reader(
        &self,
        actor: &Actor,
        child_id: ChildId,
        bundle_id: BundleId,
    ) -> Result<MemberRole, ServiceError> {
        let scope = Scope::Child(child_id);
        if let Some(role) = self.access(actor, &scope).await?.role {
            return Ok(role);
        }
        let Some(Record::Bundle(bundle)) = get_record(self.store.as_ref(), &scope, &keys::bundle(bundle_id)).await?
        else {
            return Err(not_found("bundle"));
        };
        for connection_id in &bundle.shared_with {
            let conn = get_record(self.store.as_ref(), &Scope::Conn(*connection_id), keys::CONNECTION).await?;
            if let Some(Record::Connection(c)) = conn
                && c.state == ConnectionState::Active
                && c.advocate_user.as_ref() == Some(&actor.user)
            {
                return Ok(MemberRole::Reader);
            }
        }
        Err(not_found("bundle"))
    }

    /// What a share link opens: the bundle's title and its latest ready build. An unknown,
    /// expired or revoked token is the same 404; every use is in the family's audit log.
    pub async fn shared(&self, token: &str) -> Result<(Bundle, Option<Build>), ServiceError> {
        let well_formed = token.len() == 64 && token.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if !well_formed {
            return Err(not_found("link"));
        }
        let hash = crate::blobs::sha256_hex(token.as_bytes());
        let Ok(scope @ Scope::Child(_)) = self.aliased_scope(&hash, "link").await else {
            return Err(not_found("link"));
        };
        let snap = load_live(self.store.as_ref(), &[Read::Prefix(scope.clone(), keys::BUNDLE_PREFIX.into())]).await?;
        let now = self.clock.now();
        let link = snap
            .prefix(&scope, keys::BUNDLE_PREFIX)
            .find_map(|(_, r)| match r {
                Record::ShareLink(l) if l.token_sha256 == hash && l.is_open(now) => Some(l.clone()),
                _ => None,
            })
            .ok_or_else(|| not_found("link"))?;
        let Some(Record::Bundle(bundle)) = snap.get(&scope, &keys::bundle(link.bundle_id)).cloned() else {
            return Err(not_found("link"));
        };
        let latest = snap
            .prefix(&scope, &keys::builds(link.bundle_id))
            .filter_map(|(_, r)| match r {
                Record::Build(b) if b.state == BuildState::Ready => Some(b.clone()),
                _ => None,
            })
            .max_by_key(|b| b.version);
        self.record_reads(vec![senvault_domain::audit::link_entry(&link, bundle.family_id, now)]).await?;
        Ok((bundle, latest))
    }

    /// A bundle's share links (the family's).
    pub async fn links(
        &self,
        actor: &Actor,
        child_id: ChildId,
        bundle_id: BundleId,
    ) -> Result<Vec<ShareLink>, ServiceError> {
        let scope = Scope::Child(child_id);
        let role = self.access(actor, &scope).await?.require("bundle")?;
        senvault_domain::may_change_bundles(Some(role))?;
        let snap = load_live(
            self.store.as_ref(),
            &[Read::Get(scope.clone(), keys::bundle(bundle_id)), Read::Prefix(scope.clone(), keys::links(bundle_id))],
        )
        .await?;
        if snap.get(&scope, &keys::bundle(bundle_id)).is_none() {
            return Err(not_found("bundle"));
        }
        let mut links: Vec<ShareLink> = snap
            .prefix(&scope, &keys::links(bundle_id))
            .filter_map(|(_, r)| match r {
                Record::ShareLink(l) => Some(l.clone()),
                _ => None,
            })
            .collect();
        links.sort_by_key(|l| std::cmp::Reverse(l.created_at));
        Ok(links)
    }

    /// The bundle, its builds and the documents it names (no access check: for the builder and
    /// for callers that checked it).
    pub(crate) async fn bundle_state(&self, scope: &Scope, bundle_id: BundleId) -> Result<BundleState, ServiceError> {
        let snap = load_live(
            self.store.as_ref(),
            &[Read::Get(scope.clone(), keys::bundle(bundle_id)), Read::Prefix(scope.clone(), keys::builds(bundle_id))],
        )
        .await?;
        let Some(Record::Bundle(bundle)) = snap.get(scope, &keys::bundle(bundle_id)).cloned() else {
            return Err(not_found("bundle"));
        };
        let mut builds: Vec<Build> = snap
            .prefix(scope, &keys::builds(bundle_id))
            .filter_map(|(_, r)| match r {
                Record::Build(b) => Some(b.clone()),
                _ => None,
            })
            .collect();
        builds.sort_by_key(|b| std::cmp::Reverse(b.version));
        let docs = self.documents_named(scope, bundle.items.iter().map(|i| i.document_id)).await?;
        let named: HashMap<DocumentId, &Document> = docs.iter().map(|(id, d)| (*id, d)).collect();
        let review = review(&bundle, &named, self.today());
        Ok(BundleState { bundle, review, builds })
    }

    /// The child's documents with these ids (those that exist).
    pub(crate) async fn documents_named(
        &self,
        scope: &Scope,
        ids: impl Iterator<Item = DocumentId>,
    ) -> Result<HashMap<DocumentId, Document>, ServiceError> {
        let reads: Vec<Read> = ids.map(|id| Read::Get(scope.clone(), keys::document(id))).collect();
        if reads.is_empty() {
            return Ok(HashMap::new());
        }
        let snap = load_live(self.store.as_ref(), &reads).await?;
        Ok(snap
            .prefix(scope, keys::DOCUMENT_PREFIX)
            .filter_map(|(_, r)| match r {
                Record::Document(d) => Some((d.id, d.clone())),
                _ => None,
            })
            .collect())
    }

    /// One build of a bundle.
    pub async fn build(
        &self,
        actor: &Actor,
        child_id: ChildId,
        bundle_id: BundleId,
        build_id: BuildId,
    ) -> Result<Build, ServiceError> {
        let scope = Scope::Child(child_id);
        let role = self.bundle_reader(actor, child_id, bundle_id).await.map_err(|_| not_found("build"))?;
        let snap =
            load_live(self.store.as_ref(), &[Read::Get(scope.clone(), keys::build(bundle_id, build_id))]).await?;
        let Some(Record::Build(build)) = snap.get(&scope, &keys::build(bundle_id, build_id)).cloned() else {
            return Err(not_found("build"));
        };
        // A ready build's answer carries its download: the audit line says so.
        let what = if build.state == BuildState::Ready { "download_bundle_build" } else { "read_bundle_build" };
        self.audit_read(actor, role, child_id, what, keys::build(bundle_id, build_id)).await?;
        Ok(build)
    }
}
