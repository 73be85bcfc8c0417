//! Reads of a user's own exports (their user scope: no one else's).

use senvault_domain::export::Export;
use senvault_domain::{Actor, ExportId, Read, Record, Scope, keys};
use senvault_store::load::load_live;

use super::queries::not_found;
use super::{Service, ServiceError};

impl Service {
    /// The caller's exports, newest first.
    pub async fn exports(&self, actor: &Actor) -> Result<Vec<Export>, ServiceError> {
        let scope = Scope::User(actor.user.clone());
        let snap = load_live(self.store.as_ref(), &[Read::Prefix(scope.clone(), keys::EXPORT_PREFIX.into())]).await?;
        let mut exports: Vec<Export> = snap
            .prefix(&scope, keys::EXPORT_PREFIX)
            .filter_map(|(_, r)| match r {
                Record::Export(e) => Some(e.clone()),
                _ => None,
            })
            .collect();
        exports.sort_by_key(|e| std::cmp::Reverse(e.requested_at));
        Ok(exports)
    }

    /// One of the caller's exports (anyone else's is not found).
    pub async fn export(&self, actor: &Actor, id: ExportId) -> Result<Export, ServiceError> {
        let scope = Scope::User(actor.user.clone());
        let snap = load_live(self.store.as_ref(), &[Read::Get(scope.clone(), keys::export(id))]).await?;
        match snap.get(&scope, &keys::export(id)) {
            Some(Record::Export(e)) => Ok(e.clone()),
            _ => Err(not_found("export")),
        }
    }
}
