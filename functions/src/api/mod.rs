//! The HTTP API (README, "HTTP API"): one router per area, built from shared state; the OpenAPI
//! document is collected from the handlers' annotations, so it cannot drift from the routes.

pub mod access;
pub mod actions;
pub mod advocates;
pub mod analyse_document;
pub mod bundles;
pub mod cases;
pub mod chronology;
pub mod compare;
pub mod contract;
pub mod documents;
pub mod erasure;
pub mod exports;
pub mod extract;
pub mod family;
pub mod flags;
pub mod meta;
pub mod notifications;
pub mod organisations;
pub mod sync;
pub mod tickets;
pub mod timeline;

use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Authenticator;
use crate::problem::Problem;
use crate::service::Service;

/// Request bodies are limited to 1 MiB (documents go straight to blob storage).
pub const BODY_LIMIT: usize = 1024 * 1024;

/// Shared, cheap-to-clone state of every router.
#[derive(Clone)]
pub struct AppState {
    pub service: Arc<Service>,
    pub auth: Arc<Authenticator>,
    /// Document storage; `None` in functions that never touch documents.
    pub blobs: Option<Arc<dyn crate::blobs::Blobs>>,
    /// Who starts a bundle build once it is recorded.
    pub builds: BuildStarter,
}

/// Who compiles a recorded bundle build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BuildStarter {
    /// This process, in a background task (the local server, tests).
    InBackground,
    /// The deployment: on AWS the table's stream starts the `bundles` function for each build
    /// recorded as queued, so the API answers at once and a build outlives the request.
    ByDeployment,
}

/// A page of a list.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ListOf<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

impl<T> From<crate::service::Listing<T>> for ListOf<T> {
    /// The service's page as the API's: its position becomes an opaque cursor.
    fn from(l: crate::service::Listing<T>) -> Self {
        ListOf { items: l.items, next_cursor: l.next.as_deref().map(extract::encode_cursor) }
    }
}

/// The header that marks an answer to a retried request.
pub const IDEMPOTENT_REPLAYED: &str = "idempotent-replayed";

/// What a change did to the resource a request names.
pub(crate) enum Made {
    /// The request created the resource at `location`: 201 with `Location`.
    Created { location: String },
    /// The request changed (or re-set) an existing resource: 200.
    Updated,
}

impl Made {
    /// A PUT created the resource when it wrote the record's first version; otherwise it
    /// replaced it, or found it already so (a PUT is idempotent: a repeat is a 200).
    pub(crate) fn by_put(changed: bool, version: Option<u64>, location: String) -> Made {
        if changed && version == Some(1) { Made::Created { location } } else { Made::Updated }
    }
}

/// The answer to a change. A retried request answers what the first did — the same status,
/// the resource as it now stands — with `Idempotent-Replayed: true`: a creation that created
/// nothing is always a retry (its id was the first request's), a keyed update that changed
/// nothing is one too.
pub(crate) fn respond<T: Serialize>(made: Made, changed: bool, keyed: bool, body: T) -> Response {
    let (status, location, replayed) = match made {
        Made::Created { location } => (StatusCode::CREATED, Some(location), !changed),
        Made::Updated => (StatusCode::OK, None, keyed && !changed),
    };
    let mut res = (status, axum::Json(body)).into_response();
    if let Some(location) = location.and_then(|l| HeaderValue::from_str(&l).ok()) {
        res.headers_mut().insert(header::LOCATION, location);
    }
    if replayed {
        res.headers_mut().insert(IDEMPOTENT_REPLAYED, HeaderValue::from_static("true"));
    }
    res
}

#[derive(OpenApi)]
#[openapi(
    info(title = "SEN Evidence Vault API", description = "EHCP case tracking, evidence and access for families of children with SEND in England."),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
    components(schemas(Problem, senvault_domain::FieldError, senvault_domain::lists::ActionFilter))
)]
struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        if let Some(components) = openapi.components.as_mut() {
            components.add_security_scheme(
                "bearer",
                SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("JWT").build()),
            );
        }
    }
}

/// The cases area: family, children, cases and their actions.
pub fn cases_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(family::create_family, family::get_family))
        .routes(routes!(family::add_child, family::list_children))
        .routes(routes!(family::get_child, family::edit_child))
        .routes(routes!(cases::create_case, cases::list_cases))
        .routes(routes!(cases::create_child_case))
        .routes(routes!(cases::get_case, cases::edit_case))
        .routes(routes!(cases::change_status))
        .routes(routes!(cases::close_case))
        .routes(routes!(cases::record_key_date))
        .routes(routes!(cases::delete_key_date))
        .routes(routes!(cases::add_note))
        .routes(routes!(cases::get_note))
        .routes(routes!(cases::add_action))
        .routes(routes!(cases::get_action, cases::edit_action))
        .routes(routes!(cases::complete_action))
        .routes(routes!(cases::reopen_action))
        .routes(routes!(cases::record_exception, cases::clear_exception))
        .routes(routes!(actions::list_actions))
        .routes(routes!(chronology::chronology))
        .routes(routes!(timeline::add_entry, timeline::list_entries))
        .routes(routes!(timeline::get_entry, timeline::edit_entry, timeline::delete_entry))
        .routes(routes!(timeline::record_kept))
        .routes(routes!(flags::add_flag, flags::list_flags))
        .routes(routes!(flags::get_flag, flags::edit_flag))
        .routes(routes!(flags::confirm_flag))
        .routes(routes!(flags::dismiss_flag))
        .routes(routes!(flags::reopen_flag))
        .routes(routes!(flags::add_annotation, flags::list_annotations))
        .routes(routes!(flags::get_annotation))
}

/// Vault documents (the documents area).
pub fn documents_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(documents::create_document, documents::list_documents))
        .routes(routes!(documents::create_child_document))
        .routes(routes!(documents::get_document, documents::edit_document, documents::delete_document))
        .routes(routes!(documents::confirm_upload))
        .routes(routes!(analyse_document::analyse))
        .routes(routes!(compare::compare_reports))
        .routes(routes!(bundles::create_bundle, bundles::list_bundles))
        .routes(routes!(bundles::get_bundle, bundles::edit_bundle, bundles::delete_bundle))
        .routes(routes!(bundles::set_items))
        .routes(routes!(bundles::request_build, bundles::list_builds))
        .routes(routes!(bundles::get_build))
        .routes(routes!(bundles::share))
        .routes(routes!(bundles::unshare))
        .routes(routes!(bundles::create_link, bundles::list_links))
        .routes(routes!(bundles::revoke_link))
        .routes(routes!(bundles::open_shared))
}

/// The caller's own data (the `me` area): their exports and the deletion of their account.
pub fn me_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(exports::request_export, exports::list_exports))
        .routes(routes!(exports::get_export))
        .routes(routes!(erasure::delete_account))
}

/// Notifications, personal preferences, connections and their grants, reviews and the audit
/// log (the access area).
pub fn access_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(notifications::list_notifications))
        .routes(routes!(notifications::mark_read))
        .routes(routes!(notifications::get_preferences, notifications::put_preferences))
        .routes(routes!(access::list_connections))
        .routes(routes!(access::get_connection))
        .routes(routes!(access::grant, access::revoke))
        .routes(routes!(access::end_support))
        .routes(routes!(access::handover))
        .routes(routes!(access::audit))
}

/// Advocates, support requests and tickets (the tickets area).
pub fn tickets_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(advocates::directory))
        .routes(routes!(advocates::get_my_profile, advocates::put_my_profile))
        .routes(routes!(advocates::get_advocate))
        .routes(routes!(advocates::child_advocates))
        .routes(routes!(tickets::request_support))
        .routes(routes!(tickets::ask_advocate))
        .routes(routes!(tickets::list_tickets))
        .routes(routes!(tickets::get_ticket, tickets::update_ticket))
        .routes(routes!(tickets::accept))
        .routes(routes!(tickets::decline))
        .routes(routes!(tickets::request_info))
        .routes(routes!(tickets::post_message, tickets::list_messages))
        .routes(routes!(tickets::get_message))
        .routes(routes!(tickets::add_checklist_item))
        .routes(routes!(tickets::get_checklist_item, tickets::edit_checklist_item))
        .routes(routes!(tickets::add_private_note, tickets::list_private_notes))
        .routes(routes!(tickets::get_private_note))
        .routes(routes!(tickets::link_case))
        .routes(routes!(organisations::assign))
        .routes(routes!(access::review, access::list_reviews))
        .routes(routes!(organisations::list_organisations))
        .routes(routes!(organisations::get_organisation, organisations::put_organisation))
        .routes(routes!(organisations::list_members))
        .routes(routes!(organisations::put_member, organisations::remove_member))
}

/// The sync area: a device's pushes and pulls (`docs/sync.md`).
pub fn sync_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(sync::push)).routes(routes!(sync::pull)).routes(routes!(sync::scopes))
}

/// Routes every area shares: health and the API description.
fn meta_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(meta::health))
}

/// Wraps an area's routes into a servable router with the API's common behaviour.
pub fn finish(routes: OpenApiRouter<AppState>, state: AppState) -> Router {
    finish_with(routes, state, None)
}

fn finish_with(routes: OpenApiRouter<AppState>, state: AppState, extra: Option<Router>) -> Router {
    let (router, openapi) =
        OpenApiRouter::with_openapi(ApiDoc::openapi()).merge(meta_routes()).merge(routes).split_for_parts();
    let openapi = Arc::new(contract::complete(openapi));
    let router = router.with_state(state);
    let router = match extra {
        Some(extra) => router.merge(extra),
        None => router,
    };
    router
        .route(
            "/v1/openapi.json",
            axum::routing::get(move || {
                let doc = openapi.clone();
                async move { axum::Json(doc.as_ref().clone()) }
            }),
        )
        .fallback(|| async { Problem::not_found("route") })
        .method_not_allowed_fallback(|| async {
            Problem::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method",
                "Method not allowed",
                "this route does not accept that method",
            )
        })
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(axum::middleware::from_fn(log_request))
        .layer(axum::middleware::from_fn(answer_panics))
        .layer(axum::middleware::from_fn(protective_headers))
}

/// Headers on every answer: records about children are never cached by anything between the
/// server and the person, never sniffed into another type, and the printable chronology (the
/// one HTML page) runs no script, loads nothing and sends no referrer.
pub async fn protective_headers(req: Request, next: Next) -> Response {
    use axum::http::{HeaderValue, header};
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"),
    );
    res
}

/// The last line of defence: a handler that panics answers a plain 500 problem (the panic's
/// location is logged, never its message, which could quote a request) instead of dropping the
/// connection or taking the process down. Nothing a client sends should get here.
async fn answer_panics(req: Request, next: Next) -> Response {
    use futures_util::FutureExt;
    match std::panic::AssertUnwindSafe(next.run(req)).catch_unwind().await {
        Ok(res) => res,
        Err(_) => {
            tracing::error!("a handler panicked");
            Problem::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "Internal error",
                "the request could not be completed",
            )
            .into_response()
        }
    }
}

/// The whole API on one router (the local server).
pub fn app(state: AppState) -> Router {
    app_with(state, None)
}

/// The whole API, and `extra` routes (the signed blob routes of filesystem document storage)
/// served through the same layers: the panic handler, the request log and the protective
/// headers apply to them too.
pub fn app_with(state: AppState, extra: Option<Router>) -> Router {
    let routes = cases_routes()
        .merge(access_routes())
        .merge(documents_routes())
        .merge(me_routes())
        .merge(tickets_routes())
        .merge(sync_routes());
    finish_with(routes, state, extra)
}

/// The OpenAPI document of the whole API.
pub fn openapi() -> serde_json::Value {
    contract::complete(
        OpenApiRouter::<AppState>::with_openapi(ApiDoc::openapi())
            .merge(meta_routes())
            .merge(cases_routes())
            .merge(access_routes())
            .merge(documents_routes())
            .merge(me_routes())
            .merge(tickets_routes())
            .merge(sync_routes())
            .into_openapi(),
    )
}

/// One log line per request: method, route template, status and latency; never bodies, and
/// the route template rather than the path so that ids stay out of logs too.
async fn log_request(req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let route =
        req.extensions().get::<MatchedPath>().map(|m| m.as_str().to_owned()).unwrap_or_else(|| "unmatched".into());
    let started = Instant::now();
    let res = next.run(req).await;
    tracing::info!(%method, route, status = res.status().as_u16(), ms = started.elapsed().as_millis() as u64, "request");
    res
}
