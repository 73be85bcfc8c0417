//! Uploads that arrive after their slot closed.
//!
//! A document's bytes reach storage through a link to its upload slot
//! (`uploads/<family>/<child>/<document>`), and confirming moves them into the document. On the
//! local filesystem a slot is sealed when its document is confirmed or deleted, so a replayed
//! link writes nothing. An S3 presigned PUT cannot be revoked: until it expires (the API issues
//! them for [`UPLOAD_LINK_LIFETIME`]), replaying it would put bytes back into the slot of a
//! document that is already confirmed — or deleted — where no record points to them.
//!
//! So the bucket tells EventBridge of every object created under `uploads/`, and the
//! `late-uploads` function looks each one up: an upload whose document no longer exists, or is
//! already confirmed, is deleted with every version at once; an upload its document is still
//! waiting for is left for the family's confirmation. The lifecycle rule that expires the
//! `uploads/` prefix after a day remains the backstop. Log lines carry keys (ids) only.

use std::time::Duration;

use senvault_domain::{ChildId, DocumentId, DocumentState, Record, Scope, keys};
use senvault_store::Store;
use senvault_store::codec::from_stored;
use serde_json::Value;

use crate::blobs::{BlobError, Blobs};

/// How long an upload link the API issues stays usable. S3 checks a presigned URL's expiry when
/// a request starts, so a slow upload begun in time still completes; the shorter the life, the
/// shorter the window in which a replayed link can put bytes into a closed slot.
pub const UPLOAD_LINK_LIFETIME: Duration = Duration::from_secs(5 * 60);

/// What became of one object reported as created.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Swept {
    /// Its document is gone or already confirmed: the object was deleted.
    Removed,
    /// Its document is still waiting for this upload.
    Kept,
    /// Not an upload slot's key; left alone.
    NotAnUpload,
}

#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    #[error(transparent)]
    Store(#[from] senvault_store::StoreError),
    #[error(transparent)]
    Blob(#[from] BlobError),
}

/// The document an upload slot's key names: `uploads/<family>/<child>/<document>`.
fn slot(key: &str) -> Option<(String, ChildId, DocumentId)> {
    let rest = key.strip_prefix(crate::blobs::UPLOADS_PREFIX)?;
    let mut parts = rest.split('/');
    let (family, child, document) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    Some((family.to_owned(), child.parse().ok()?, document.parse().ok()?))
}

/// Removes the object at `key` unless its document is still waiting for it.
pub async fn sweep(store: &dyn Store, blobs: &dyn Blobs, key: &str) -> Result<Swept, SweepError> {
    let Some((family, child, document)) = slot(key) else { return Ok(Swept::NotAnUpload) };
    let scope = Scope::Child(child).to_string();
    let waiting = match store.get(&scope, &keys::document(document)).await? {
        // A deleted document's tombstone still holds its last state: it waits for nothing.
        Some(row) if row.deleted => false,
        Some(row) => match from_stored(&row)?.1.record {
            Record::Document(d) => d.state == DocumentState::AwaitingUpload && d.family_id.to_string() == family,
            _ => false,
        },
        None => false,
    };
    if waiting {
        return Ok(Swept::Kept);
    }
    blobs.delete(key).await?;
    Ok(Swept::Removed)
}

/// The object keys an S3 "Object Created" event names: EventBridge's shape
/// (`detail.object.key`) and S3's own notification shape (`Records[].s3.object.key`, which
/// S3 URL-encodes; upload keys hold only ids and slashes, so a key that needs decoding is not
/// one of ours and is passed on as it is, to be left alone).
pub fn created_keys(event: &Value) -> Vec<String> {
    let mut keys: Vec<String> = Vec::new();
    if let Some(k) = event.pointer("/detail/object/key").and_then(Value::as_str) {
        keys.push(k.to_owned());
    }
    for record in event.get("Records").and_then(Value::as_array).into_iter().flatten() {
        if let Some(k) = record.pointer("/s3/object/key").and_then(Value::as_str) {
            keys.push(k.to_owned());
        }
    }
    keys
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_upload_slots_are_read() {
        let child = ChildId::new();
        let doc = DocumentId::new();
        let key = format!("uploads/fam/{child}/{doc}");
        assert_eq!(slot(&key), Some(("fam".into(), child, doc)));
        assert_eq!(slot(&format!("documents/fam/{child}/{doc}")), None);
        assert_eq!(slot(&format!("uploads/fam/{child}/{doc}/more")), None);
        assert_eq!(slot("uploads/fam/not-an-id/x"), None);
    }

    #[test]
    fn both_event_shapes_name_their_keys() {
        let bridge =
            json!({"source": "aws.s3", "detail-type": "Object Created", "detail": {"object": {"key": "uploads/a"}}});
        assert_eq!(created_keys(&bridge), ["uploads/a"]);
        let s3 =
            json!({"Records": [{"s3": {"object": {"key": "uploads/b"}}}, {"s3": {"object": {"key": "uploads/c"}}}]});
        assert_eq!(created_keys(&s3), ["uploads/b", "uploads/c"]);
        assert!(created_keys(&json!({})).is_empty());
    }
}
