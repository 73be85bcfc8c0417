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

/// Runs a bundle command answered `204 No Content` (a deletion, a revocation).
async fn run_answering_nothing(
    state: &AppState,
    caller: &Caller,
    child_id: ChildId,
    bundle_id: BundleId,
    command: BundleCommand,
) -> Result<Response, Problem> {
    let op = Command::Bundle { child_id, bundle_id, command };
    state.service.execute(&caller.actor, op, caller.op).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
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
    run_answering_nothing(&state, &caller, child_id, bundle_id, BundleCommand::DeleteBundle).await
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

/// The connection to share a bundle with.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShareIn {
    pub connection_id: senvault_domain::ConnectionId,
}

/// Let the advocate of one of the family's active connections read the bundle and download its
/// builds — nothing else of the vault (family only).
#[utoipa::path(post, path = "/v1/children/{id}/bundles/{bid}/share", tag = "bundles",
    params(("id" = uuid::Uuid, Path, description = "Child id"), ("bid" = uuid::Uuid, Path, description = "Bundle id")), request_body = ShareIn,
    responses((status = 200, body = BundleView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, description = "Not an active connection of this family", body = Problem), (status = 422, body = Problem)))]
pub async fn share(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((id, bid)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<ShareIn>,
) -> Result<Response, Problem> {
    let (child_id, bundle_id) = ids(&id, &bid)?;
    let command = BundleCommand::Share { connection_id: body.connection_id };
    let (changed, view) = run(&state, &caller, child_id, bundle_id, command).await?;
    Ok(respond(Made::Updated, changed, caller.keyed, view))
}

/// Stop sharing the bundle with a connection's advocate.
#[utoipa::path(delete, path = "/v1/children/{id}/bundles/{bid}/share/{connection_id}", tag = "bundles",
    params(("id" = uuid::Uuid, Path, description = "Child id"), ("bid" = uuid::Uuid, Path, description = "Bundle id"), ("connection_id" = uuid::Uuid, Path, description = "Connection id")),
    responses((status = 204, description = "No longer shared"), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn unshare(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((id, bid, connection)): ApiPath<(String, String, String)>,
) -> Result<Response, Problem> {
    let (child_id, bundle_id) = ids(&id, &bid)?;
    let connection_id = parse_id("connection_id", &connection)?;
    run_answering_nothing(&state, &caller, child_id, bundle_id, BundleCommand::Unshare { connection_id }).await
}

/// How long a new link lives.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkIn {
    /// 1 to 30.
    #[schema(minimum = 1, maximum = 30)]
    #[serde(deserialize_with = "senvault_domain::wire::int")]
    pub expires_in_days: u32,
}

/// A share link as the family sees it (never its token, which only its creator saw, once).
#[derive(Serialize, utoipa::ToSchema)]
pub struct LinkView {
    pub id: senvault_domain::ShareLinkId,
    pub bundle_id: BundleId,
    pub created_by: ActorRef,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub expires_at: chrono::DateTime<chrono::Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Whether it still opens the bundle.
    pub open: bool,
}

impl LinkView {
    fn of(l: &senvault_domain::bundle::ShareLink, now: chrono::DateTime<chrono::Utc>) -> Self {
        LinkView {
            id: l.id,
            bundle_id: l.bundle_id,
            created_by: l.created_by.clone(),
            created_at: l.created_at,
            expires_at: l.expires_at,
            revoked_at: l.revoked_at,
            open: l.is_open(now),
        }
    }
}

/// A new link, with its token: shown this once (only its SHA-256 is kept).
#[derive(Serialize, utoipa::ToSchema)]
pub struct NewLink {
    #[serde(flatten)]
    pub link: LinkView,
    /// 256 random bits, hex.
    pub token: String,
    /// Where someone with the link opens it (no sign-in): `/v1/shared/{token}`.
    pub url: String,
}

/// Make a link for someone with no account (a caseworker, a solicitor) to download the
/// bundle's latest ready build, for 1 to 30 days (family only). The token is in this answer
/// only.
#[utoipa::path(post, path = "/v1/children/{id}/bundles/{bid}/links", tag = "bundles",
    params(("id" = uuid::Uuid, Path, description = "Child id"), ("bid" = uuid::Uuid, Path, description = "Bundle id")), request_body = LinkIn,
    responses((status = 201, body = NewLink, headers(("Location" = String, description = "The link"))), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create_link(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((id, bid)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<LinkIn>,
) -> Result<Response, Problem> {
    let (child_id, bundle_id) = ids(&id, &bid)?;
    // Two version-4 UUIDs: 244 bits from the system's random source.
    let token = format!("{}{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple());
    let token_sha256 = crate::blobs::sha256_hex(token.as_bytes());
    let link_id = senvault_domain::ShareLinkId(caller.op.derive("link"));
    let command = BundleCommand::CreateLink { link_id, token_sha256, expires_in_days: body.expires_in_days };
    let op = Command::Bundle { child_id, bundle_id, command };
    let done = state.service.execute(&caller.actor, op, caller.op).await?;
    let Some(Record::ShareLink(link)) = done.snapshot.get(&Scope::Child(child_id), &keys::link(bundle_id, link_id))
    else {
        return Err(Problem::not_found("link"));
    };
    let location = format!("/v1/children/{child_id}/bundles/{bundle_id}/links/{link_id}");
    let view =
        NewLink { link: LinkView::of(link, state.service.clock.now()), url: format!("/v1/shared/{token}"), token };
    Ok(respond(Made::Created { location }, done.changed, false, view))
}

/// A bundle's links, newest first, each with whether it still opens (family only).
#[utoipa::path(get, path = "/v1/children/{id}/bundles/{bid}/links", tag = "bundles",
    params(("id" = uuid::Uuid, Path, description = "Child id"), ("bid" = uuid::Uuid, Path, description = "Bundle id")),
    responses((status = 200, body = ListOf<LinkView>), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn list_links(
    State(state): State<AppState>,
    Caller { actor, .. }: Caller,
    ApiPath((id, bid)): ApiPath<(String, String)>,
) -> Result<Json<ListOf<LinkView>>, Problem> {
    let (child_id, bundle_id) = ids(&id, &bid)?;
    let now = state.service.clock.now();
    let links = state.service.links(&actor, child_id, bundle_id).await?;
    Ok(Json(ListOf { items: links.iter().map(|l| LinkView::of(l, now)).collect(), next_cursor: None }))
}

/// Revoke a link: it stops opening at once (family only).
#[utoipa::path(delete, path = "/v1/children/{id}/bundles/{bid}/links/{lid}", tag = "bundles",
    params(("id" = uuid::Uuid, Path, description = "Child id"), ("bid" = uuid::Uuid, Path, description = "Bundle id"), ("lid" = uuid::Uuid, Path, description = "Link id")),
    responses((status = 204, description = "Revoked"), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn revoke_link(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((id, bid, lid)): ApiPath<(String, String, String)>,
) -> Result<Response, Problem> {
    let (child_id, bundle_id) = ids(&id, &bid)?;
    let link_id = parse_id("lid", &lid)?;
    run_answering_nothing(&state, &caller, child_id, bundle_id, BundleCommand::RevokeLink { link_id }).await
}

/// What a share link shows: the bundle's title and its latest ready build.
#[derive(Serialize, utoipa::ToSchema)]
pub struct SharedBundle {
    pub title: String,
    /// The latest ready build (absent until one is ready).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub build: Option<SharedBuild>,
}

/// A ready build as a link shows it: nothing about who made it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct SharedBuild {
    pub version: u32,
    pub pages: Option<u32>,
    /// Hex SHA-256 of the PDF, to check the download against.
    pub sha256: Option<String>,
    pub compiled_at: Option<chrono::DateTime<chrono::Utc>>,
    /// The PDF (valid 5 minutes).
    pub download_url: SignedRequest,
}

/// A bundle shared by link: no sign-in. An unknown, expired or revoked link is the same 404.
/// Every use is recorded in the family's audit log.
#[utoipa::path(get, path = "/v1/shared/{token}", tag = "bundles", security(()),
    params(("token" = String, Path, description = "The link's token", max_length = 64, pattern = "^[0-9a-f]{64}$")),
    responses((status = 200, body = SharedBundle), (status = 404, body = Problem)))]
pub async fn open_shared(
    State(state): State<AppState>,
    ApiPath(token): ApiPath<String>,
) -> Result<Json<SharedBundle>, Problem> {
    let (bundle, build) = state.service.shared(&token).await?;
    let build = match build {
        Some(b) => {
            let blobs = blobs(&state)?;
            let key = b.blob_key(bundle.family_id);
            Some(SharedBuild {
                version: b.version,
                pages: b.pages,
                sha256: b.sha256.clone(),
                compiled_at: b.finished_at,
                download_url: blobs.presign_get(&key, MAX_GET_EXPIRY).await.map_err(blob_problem)?.into(),
            })
        }
        None => None,
    };
    Ok(Json(SharedBundle { title: bundle.title, build }))
}
