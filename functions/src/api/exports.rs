//! Exports of the caller's data (README, "Your data"): asked for, made in the background, and
//! downloadable for 7 days.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use senvault_domain::bundle::BuildState;
use senvault_domain::export::Export;
use senvault_domain::{Command, ExportId, PersonalCommand, Record, Scope, keys};
use serde::Serialize;

use super::documents::{SignedRequest, blob_problem, blobs};
use super::extract::{ApiPath, Caller, parse_id};
use super::{AppState, BuildStarter, ListOf};
use crate::blobs::MAX_GET_EXPIRY;
use crate::problem::Problem;

/// An export: `queued`, `building`, `ready` (with its size, SHA-256, file count, when it is
/// deleted and a download URL valid 5 minutes, fetched afresh from here) or `failed`.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ExportView {
    #[serde(flatten)]
    pub export: Export,
    /// A ready export past its 7 days: its archive is gone.
    pub expired: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub download_url: Option<SignedRequest>,
}

/// Ask for an export of everything you gave the vault or it derived about you (UK GDPR articles
/// 15 and 20): `202` with the export (`queued`); one at a time (a second while one is being
/// made is refused, naming it).
#[utoipa::path(post, path = "/v1/me/exports", tag = "me",
    responses((status = 202, description = "Recorded; the export is made in the background", body = ExportView, headers(("Location" = String, description = "The export"))), (status = 409, description = "Another export is being made", body = Problem)))]
pub async fn request_export(State(state): State<AppState>, caller: Caller) -> Result<Response, Problem> {
    let blobs = blobs(&state)?;
    let export_id = ExportId(caller.op.derive("export"));
    let command = Command::personal(PersonalCommand::RequestExport { export_id });
    let done = state.service.execute(&caller.actor, command, caller.op).await?;
    let scope = Scope::User(caller.actor.user.clone());
    let Some(Record::Export(export)) = done.snapshot.get(&scope, &keys::export(export_id)).cloned() else {
        return Err(Problem::not_found("export"));
    };
    if done.changed && state.builds == BuildStarter::InBackground {
        let service = state.service.clone();
        let user = caller.actor.user.clone();
        tokio::spawn(async move {
            if let Err(e) = crate::exporter::run(&service, blobs, user, export_id).await {
                tracing::error!(export = %export_id, error = %e, "an export could not be recorded");
            }
        });
    }
    let mut res =
        (StatusCode::ACCEPTED, Json(ExportView { export, expired: false, download_url: None })).into_response();
    if let Ok(v) = axum::http::HeaderValue::from_str(&format!("/v1/me/exports/{export_id}")) {
        res.headers_mut().insert(axum::http::header::LOCATION, v);
    }
    Ok(res)
}

/// Your exports, newest first.
#[utoipa::path(get, path = "/v1/me/exports", tag = "me", responses((status = 200, body = ListOf<ExportView>)))]
pub async fn list_exports(
    State(state): State<AppState>,
    Caller { actor, .. }: Caller,
) -> Result<Json<ListOf<ExportView>>, Problem> {
    let now = state.service.clock.now();
    let items = state
        .service
        .exports(&actor)
        .await?
        .into_iter()
        .map(|e| ExportView {
            expired: e.state == BuildState::Ready && !e.downloadable(now),
            export: e,
            download_url: None,
        })
        .collect();
    Ok(Json(ListOf { items, next_cursor: None }))
}

/// One of your exports, with its download once ready (until it expires).
#[utoipa::path(get, path = "/v1/me/exports/{id}", tag = "me", params(("id" = uuid::Uuid, Path, description = "Export id")),
    responses((status = 200, body = ExportView), (status = 404, body = Problem)))]
pub async fn get_export(
    State(state): State<AppState>,
    Caller { actor, .. }: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<ExportView>, Problem> {
    let id: ExportId = parse_id("id", &id)?;
    let export = state.service.export(&actor, id).await?;
    let now = state.service.clock.now();
    let download_url = if export.downloadable(now) {
        let blobs = blobs(&state)?;
        Some(blobs.presign_get(&export.blob_key(), MAX_GET_EXPIRY).await.map_err(blob_problem)?.into())
    } else {
        None
    };
    let expired = export.state == BuildState::Ready && !export.downloadable(now);
    Ok(Json(ExportView { export, expired, download_url }))
}
