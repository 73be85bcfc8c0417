//! Evidence bundles (`docs/bundles.md`): a child's bundles, what they hold, the checks against
//! the Practice Direction on bundles, and their builds (compiled PDFs, each an immutable
//! version).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use senvault_domain::bundle::{Build, BuildState, Bundle, BundleItem, ItemOrder, Review};
use senvault_domain::{
    ActorRef, BuildId, BundleCommand, BundleId, BundlePatch, ChildId, Command, NewBundle, Record, Scope, keys,
};
use serde::{Deserialize, Serialize};

use super::documents::{SignedRequest, blob_problem, blobs};
use super::extract::{ApiJson, ApiPath, Caller, parse_id};
use super::{AppState, BuildStarter, ListOf, Made, respond};
use crate::blobs::MAX_GET_EXPIRY;
use crate::problem::Problem;
use crate::service::BundleState;

/// A bundle with its page plan (each exhibit's pages and start page), a meter per section and
/// the checks.
#[derive(Serialize, utoipa::ToSchema)]
pub struct BundleView {
    #[serde(flatten)]
    pub bundle: Bundle,
    #[serde(flatten)]
    pub review: Review,
    /// Its builds, newest first.
    pub builds: Vec<BuildView>,
}

/// A build of a bundle.
#[derive(Serialize, utoipa::ToSchema)]
pub struct BuildView {
    pub id: BuildId,
    pub bundle_id: BundleId,
    pub version: u32,
    pub state: BuildState,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pages: Option<u32>,
    /// Hex SHA-256 of the PDF.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// Why it failed; build again once it is put right.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub requested_by: ActorRef,
    pub requested_at: chrono::DateTime<chrono::Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<chrono::DateTime<chrono::Utc>>,
    /// When ready: the PDF (valid 5 minutes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub download_url: Option<SignedRequest>,
}

impl From<&Build> for BuildView {
    fn from(b: &Build) -> Self {
        BuildView {
            id: b.id,
            bundle_id: b.bundle_id,
            version: b.version,
            state: b.state,
            pages: b.pages,
            sha256: b.sha256.clone(),
            size: b.size,
            reason: b.reason.clone(),
            requested_by: b.requested_by.clone(),
            requested_at: b.requested_at,
            finished_at: b.finished_at,
            download_url: None,
        }
    }
}

impl From<BundleState> for BundleView {
    fn from(s: BundleState) -> Self {
        BundleView { builds: s.builds.iter().map(BuildView::from).collect(), bundle: s.bundle, review: s.review }
    }
}

/// What a bundle holds.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ItemsIn {
    /// The documents, each in a section the bundle's purpose has.
    #[schema(max_items = 200)]
    pub items: Vec<BundleItem>,
    /// `by_date` (default): oldest first within each section, as the Tribunal orders evidence;
    /// `as_given`: in this list's order.
    #[serde(default)]
    pub order: Option<ItemOrder>,
}

fn ids(child: &str, bundle: &str) -> Result<(ChildId, BundleId), Problem> {
    Ok((parse_id("id", child)?, parse_id("bid", bundle)?))
}

/// Runs a bundle command and answers the bundle as it now stands.
async fn run(
    state: &AppState,
    caller: &Caller,
    child_id: ChildId,
    bundle_id: BundleId,
    command: BundleCommand,
) -> Result<(bool, BundleView), Problem> {
    let op = Command::Bundle { child_id, bundle_id, command };
    let done = state.service.execute(&caller.actor, op, caller.op).await?;
    let view = state.service.bundle(&caller.actor, child_id, bundle_id).await?;
    Ok((done.changed, view.into()))
}

/// Make a bundle for a child (the family): a tribunal bundle has the Practice Direction's
/// sections and limits; naming a case adds its chronology and the child's contact record.
#[utoipa::path(post, path = "/v1/children/{id}/bundles", tag = "bundles", params(("id" = uuid::Uuid, Path, description = "Child id")), request_body = NewBundle,
    responses((status = 201, description = "Created; a retry with the same `Idempotency-Key` (or id) answers the same, with `Idempotent-Replayed: true`", body = BundleView, headers(("Location" = String, description = "The new resource"), ("Idempotent-Replayed" = String, description = "`true` on a retry"))), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create_bundle(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<NewBundle>,
) -> Result<Response, Problem> {
    let child_id: ChildId = parse_id("id", &id)?;
    let bundle_id = body.id.unwrap_or(BundleId(caller.op.derive("bundle")));
    let (changed, view) =
        run(&state, &caller, child_id, bundle_id, BundleCommand::CreateBundle { bundle: Box::new(body) }).await?;
    let location = format!("/v1/children/{child_id}/bundles/{bundle_id}");
    Ok(respond(Made::Created { location }, changed, caller.keyed, view))
}

/// A child's bundles, newest first.
#[utoipa::path(get, path = "/v1/children/{id}/bundles", tag = "bundles", params(("id" = uuid::Uuid, Path, description = "Child id")),
    responses((status = 200, body = ListOf<Bundle>), (status = 404, body = Problem)))]
pub async fn list_bundles(
    State(state): State<AppState>,
    Caller { actor, .. }: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<ListOf<Bundle>>, Problem> {
    let child_id: ChildId = parse_id("id", &id)?;
    let items = state.service.bundles(&actor, child_id).await?;
    Ok(Json(ListOf { items, next_cursor: None }))
}

/// A bundle: its items with their pages and start pages, a meter per section (pages, limit,
/// over by), the checks (rule, severity, exhibit, message, authority), a SEND7 draft when a
/// section is over its limit, and its builds.
#[utoipa::path(get, path = "/v1/children/{id}/bundles/{bid}", tag = "bundles",
    params(("id" = uuid::Uuid, Path, description = "Child id"), ("bid" = uuid::Uuid, Path, description = "Bundle id")),
    responses((status = 200, body = BundleView), (status = 404, body = Problem)))]
pub async fn get_bundle(
    State(state): State<AppState>,
    Caller { actor, .. }: Caller,
    ApiPath((id, bid)): ApiPath<(String, String)>,
) -> Result<Json<BundleView>, Problem> {
    let (child_id, bundle_id) = ids(&id, &bid)?;
    Ok(Json(state.service.bundle(&actor, child_id, bundle_id).await?.into()))
}

/// Change a bundle's title, appeal type, case, appeal reference or dates (`null` clears).
#[utoipa::path(patch, path = "/v1/children/{id}/bundles/{bid}", tag = "bundles",
    params(("id" = uuid::Uuid, Path, description = "Child id"), ("bid" = uuid::Uuid, Path, description = "Bundle id")), request_body = BundlePatch,
    responses((status = 200, body = BundleView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn edit_bundle(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((id, bid)): ApiPath<(String, String)>,
    ApiJson(patch): ApiJson<BundlePatch>,
) -> Result<Response, Problem> {
    let (child_id, bundle_id) = ids(&id, &bid)?;
    let (changed, view) =
        run(&state, &caller, child_id, bundle_id, BundleCommand::EditBundle { patch: Box::new(patch) }).await?;
    Ok(respond(Made::Updated, changed, caller.keyed, view))
}

/// Set what the bundle holds: every item, in order (`PUT` replaces the list).
#[utoipa::path(put, path = "/v1/children/{id}/bundles/{bid}/items", tag = "bundles",
    params(("id" = uuid::Uuid, Path, description = "Child id"), ("bid" = uuid::Uuid, Path, description = "Bundle id")), request_body = ItemsIn,
    responses((status = 200, body = BundleView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn set_items(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((id, bid)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<ItemsIn>,
) -> Result<Response, Problem> {
    let (child_id, bundle_id) = ids(&id, &bid)?;
    let command = BundleCommand::SetItems { items: body.items, order: body.order.unwrap_or(ItemOrder::ByDate) };
    let (changed, view) = run(&state, &caller, child_id, bundle_id, command).await?;
    Ok(respond(Made::Updated, changed, caller.keyed, view))
}

/// Delete a bundle and every build of it: the compiled PDFs first, then the records (so a
/// retry finishes a half-done delete).
#[utoipa::path(delete, path = "/v1/children/{id}/bundles/{bid}", tag = "bundles",
    params(("id" = uuid::Uuid, Path, description = "Child id"), ("bid" = uuid::Uuid, Path, description = "Bundle id")),
    responses((status = 204, description = "Deleted"), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn delete_bundle(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((id, bid)): ApiPath<(String, String)>,
) -> Result<Response, Problem> {
    let (child_id, bundle_id) = ids(&id, &bid)?;
    let blobs = blobs(&state)?;
    // The family's right to delete is checked before any bytes go.
    let role = state.service.access(&caller.actor, &Scope::Child(child_id)).await?.require("bundle")?;
    senvault_domain::may_change_bundles(Some(role)).map_err(crate::service::ServiceError::from)?;
    if let Ok(current) = state.service.bundle(&caller.actor, child_id, bundle_id).await {
        for build in &current.builds {
            blobs.delete(&build.blob_key(current.bundle.family_id)).await.map_err(blob_problem)?;
        }
    }
    let op = Command::Bundle { child_id, bundle_id, command: BundleCommand::DeleteBundle };
    state.service.execute(&caller.actor, op, caller.op).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Build the bundle as it stands: answers `202` with the build (`queued`); poll it until
/// `ready` (with its download) or `failed` (with the reason). Each build is a new version; items
/// the checks say cannot be included (BN07) are refused here, before anything is built.
#[utoipa::path(post, path = "/v1/children/{id}/bundles/{bid}/builds", tag = "bundles",
    params(("id" = uuid::Uuid, Path, description = "Child id"), ("bid" = uuid::Uuid, Path, description = "Bundle id")),
    responses((status = 202, description = "Recorded; the build runs in the background", body = BuildView, headers(("Location" = String, description = "The build"))), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn request_build(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((id, bid)): ApiPath<(String, String)>,
) -> Result<Response, Problem> {
    let (child_id, bundle_id) = ids(&id, &bid)?;
    let blobs = blobs(&state)?;
    let build_id = BuildId(caller.op.derive("build"));
    let op = Command::Bundle { child_id, bundle_id, command: BundleCommand::RequestBuild { build_id } };
    let done = state.service.execute(&caller.actor, op, caller.op).await?;
    let Some(Record::Build(build)) =
        done.snapshot.get(&Scope::Child(child_id), &keys::build(bundle_id, build_id)).cloned()
    else {
        return Err(Problem::not_found("build"));
    };
    if done.changed && state.builds == BuildStarter::InBackground {
        let service = state.service.clone();
        tokio::spawn(async move {
            if let Err(e) = crate::builder::run(&service, blobs, child_id, bundle_id, build_id).await {
                tracing::error!(build = %build_id, error = %e, "a bundle build could not be recorded");
            }
        });
    }
    let location = format!("/v1/children/{child_id}/bundles/{bundle_id}/builds/{build_id}");
    let mut res = (StatusCode::ACCEPTED, Json(BuildView::from(&build))).into_response();
    if let Ok(v) = axum::http::HeaderValue::from_str(&location) {
        res.headers_mut().insert(axum::http::header::LOCATION, v);
    }
    Ok(res)
}

/// A bundle's builds, newest version first.
#[utoipa::path(get, path = "/v1/children/{id}/bundles/{bid}/builds", tag = "bundles",
    params(("id" = uuid::Uuid, Path, description = "Child id"), ("bid" = uuid::Uuid, Path, description = "Bundle id")),
    responses((status = 200, body = ListOf<BuildView>), (status = 404, body = Problem)))]
pub async fn list_builds(
    State(state): State<AppState>,
    Caller { actor, .. }: Caller,
    ApiPath((id, bid)): ApiPath<(String, String)>,
) -> Result<Json<ListOf<BuildView>>, Problem> {
    let (child_id, bundle_id) = ids(&id, &bid)?;
    let current = state.service.bundle(&actor, child_id, bundle_id).await?;
    Ok(Json(ListOf { items: current.builds.iter().map(BuildView::from).collect(), next_cursor: None }))
}

/// One build: `queued`, `building`, `ready` (with its pages, SHA-256 and a download URL valid
/// 5 minutes) or `failed` (with the reason).
#[utoipa::path(get, path = "/v1/children/{id}/bundles/{bid}/builds/{build_id}", tag = "bundles",
    params(("id" = uuid::Uuid, Path, description = "Child id"), ("bid" = uuid::Uuid, Path, description = "Bundle id"), ("build_id" = uuid::Uuid, Path, description = "Build id")),
    responses((status = 200, body = BuildView), (status = 404, body = Problem)))]
pub async fn get_build(
    State(state): State<AppState>,
    Caller { actor, .. }: Caller,
    ApiPath((id, bid, build)): ApiPath<(String, String, String)>,
) -> Result<Json<BuildView>, Problem> {
    let (child_id, bundle_id) = ids(&id, &bid)?;
    let build_id: BuildId = parse_id("build_id", &build)?;
    let blobs = blobs(&state)?;
    let build = state.service.build(&actor, child_id, bundle_id, build_id).await?;
    let mut view = BuildView::from(&build);
    if build.state == BuildState::Ready {
        let key = build.blob_key(build.bundle.family_id);
        view.download_url = Some(blobs.presign_get(&key, MAX_GET_EXPIRY).await.map_err(blob_problem)?.into());
    }
    Ok(Json(view))
}
