//! Reads of a child's bundles and their builds: a bundle with its page plan, meters and checks
//! (computed from the documents it names, never from their bytes), and its builds.

use std::collections::HashMap;

use senvault_domain::bundle::{Build, Bundle, Review, review};
use senvault_domain::{Actor, BuildId, BundleId, ChildId, Document, DocumentId, Read, Record, Scope, keys};
use senvault_store::load::load_live;

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

    /// One bundle with its plan, meters, checks and builds.
    pub async fn bundle(
        &self,
        actor: &Actor,
        child_id: ChildId,
        bundle_id: BundleId,
    ) -> Result<BundleState, ServiceError> {
        let scope = Scope::Child(child_id);
        let role = self.access(actor, &scope).await?.require("bundle")?;
        let state = self.bundle_state(&scope, bundle_id).await?;
        self.audit_read(actor, role, child_id, "read_bundle", keys::bundle(bundle_id)).await?;
        Ok(state)
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
        let role = self.access(actor, &scope).await?.require("build")?;
        let snap =
            load_live(self.store.as_ref(), &[Read::Get(scope.clone(), keys::build(bundle_id, build_id))]).await?;
        let Some(Record::Build(build)) = snap.get(&scope, &keys::build(bundle_id, build_id)).cloned() else {
            return Err(not_found("build"));
        };
        self.audit_read(actor, role, child_id, "read_bundle_build", keys::build(bundle_id, build_id)).await?;
        Ok(build)
    }
}
