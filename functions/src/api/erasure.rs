//! Deleting the caller's account (README, "Your data: deletion"; UK GDPR article 17).

use axum::Json;
use axum::extract::State;
use senvault_domain::erasure::{Erasure, ErasureState};
use senvault_domain::vocab::ActorRole;
use serde::{Deserialize, Serialize};

use super::AppState;
use super::documents::blobs;
use super::extract::{ApiJson, Caller};
use crate::problem::Problem;

/// The deletion of your account: type your user id to confirm.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeleteIn {
    /// Your account's user id, exactly (`GET /v1/family` shows it as `members[].user`).
    #[schema(min_length = 1, max_length = 200)]
    pub confirm: String,
}

/// A deletion receipt: what was removed and when — counts and times only. It is kept (and
/// answered again to a second deletion) under a keyed hash of the user id, with no name and no
/// id of the family or its children.
#[derive(Serialize, utoipa::ToSchema)]
pub struct DeletionReceipt {
    /// `complete` once answered (a deletion cut short by a failure answers an error instead, and
    /// asking again finishes it).
    pub state: ErasureState,
    /// The kind of account deleted.
    pub role: ActorRole,
    pub started_at: chrono::DateTime<chrono::Utc>,
    pub finished_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Records removed, tombstones and other people's records that named the account included.
    pub records: u64,
    /// Documents removed.
    pub documents: u64,
    /// Stored files removed (documents with every stored version, upload slots, built bundles,
    /// exports).
    pub files: u64,
    /// Bytes of those files.
    pub bytes: u64,
    /// Support relationships the deletion ended.
    pub connections_ended: u64,
}

impl From<Erasure> for DeletionReceipt {
    fn from(e: Erasure) -> Self {
        DeletionReceipt {
            state: e.state,
            role: e.role,
            started_at: e.started_at,
            finished_at: e.finished_at,
            records: e.records,
            documents: e.documents,
            files: e.files,
            bytes: e.bytes,
            connections_ended: e.connections_ended,
        }
    }
}

/// Delete your account and everything the vault holds about you and your children: support
/// relationships end first (advocates are told and lose access at once), then every document
/// (every stored version), every record, your exports and your devices' sync state. Devices
/// wipe what they hold at their next sync. Answers the deletion receipt; asking again answers
/// the same receipt (or finishes a deletion that was cut short). A confirmation that is not
/// your user id deletes nothing (409).
#[utoipa::path(post, path = "/v1/me/delete", tag = "me", request_body = DeleteIn,
    responses((status = 200, description = "Deleted (or deleted before): the receipt", body = DeletionReceipt),
        (status = 409, description = "The confirmation is not your user id; nothing was deleted", body = Problem),
        (status = 422, body = Problem)))]
pub async fn delete_account(
    State(state): State<AppState>,
    Caller { actor, .. }: Caller,
    ApiJson(body): ApiJson<DeleteIn>,
) -> Result<Json<DeletionReceipt>, Problem> {
    let blobs = blobs(&state)?;
    let receipt = state.service.erase_account(&actor, &body.confirm, blobs.as_ref()).await?;
    Ok(Json(receipt.into()))
}
