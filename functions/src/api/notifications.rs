//! Notifications (reminders and overdue alerts) and the caller's reminder preferences.

use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};
use senvault_domain::lists::Notification;
use senvault_domain::{AlertId, Command, PersonalCommand};
use serde::{Deserialize, Serialize};

use super::extract::{ApiJson, ApiPath, ApiQuery, Caller, Paging, parse_id};
use super::{AppState, ListOf};
use crate::problem::Problem;
use crate::service::paging::{Order, page_of};

#[derive(Serialize, utoipa::ToSchema)]
pub struct NotificationView {
    #[serde(flatten)]
    pub notification: Notification,
    pub read: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub read_at: Option<DateTime<Utc>>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct NotificationPage {
    pub items: Vec<NotificationView>,
    pub next_cursor: Option<String>,
    /// Unread notifications in total (all pages).
    pub unread_count: usize,
}

/// A fixed-width position, so that string order is (time, id) order.
fn position(n: &Notification) -> String {
    format!("{}#{}", n.raised_at().format("%Y-%m-%dT%H:%M:%S%.9fZ"), n.id())
}

/// The caller's notifications, newest first, with the unread count.
#[utoipa::path(get, path = "/v1/notifications", tag = "access", params(Paging),
    responses((status = 200, body = NotificationPage), (status = 400, body = Problem)))]
pub async fn list_notifications(
    State(state): State<AppState>,
    Caller { actor, .. }: Caller,
    ApiQuery(paging): ApiQuery<Paging>,
) -> Result<Json<NotificationPage>, Problem> {
    let (limit, after) = (paging.limit()?, paging.after()?);
    let all = state.service.notifications(&actor).await?;
    let unread_count = all.iter().filter(|(_, r)| r.is_none()).count();
    let positioned = all.into_iter().map(|(a, r)| (position(&a), (a, r)));
    let page = page_of(positioned, after.as_deref(), limit, Order::Descending);
    let page = page.map(|(notification, marker)| NotificationView {
        read: marker.is_some(),
        read_at: marker.map(|m| m.read_at),
        notification,
    });
    let ListOf { items, next_cursor } = page.into();
    Ok(Json(NotificationPage { items, next_cursor, unread_count }))
}

/// Mark a notification read (idempotent).
#[utoipa::path(post, path = "/v1/notifications/{id}/read", tag = "access", params(("id" = uuid::Uuid, Path, description = "Notification id")),
    responses((status = 200, body = NotificationView), (status = 404, body = Problem)))]
pub async fn mark_read(
    State(state): State<AppState>,
    Caller { actor, op, .. }: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<NotificationView>, Problem> {
    let id: AlertId = parse_id("id", &id)?;
    // Only a notification the caller is shown may be marked.
    let notification = state.service.notification(&actor, id).await?;
    let mark = Command::personal(PersonalCommand::MarkNotificationRead { notification_id: id });
    let done = state.service.execute(&actor, mark, op).await?;
    let read_at = match done.snapshot.get(&done.scope, &senvault_domain::keys::read_marker(id)) {
        Some(senvault_domain::Record::ReadMarker(m)) => Some(m.read_at),
        _ => None,
    };
    Ok(Json(NotificationView { notification, read: true, read_at }))
}

#[derive(Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreferencesBody {
    /// Any of 7, 3 and 1: how many days before a due date to be reminded. `[]` turns reminders off.
    #[serde(deserialize_with = "senvault_domain::wire::vec_u32")]
    #[schema(schema_with = lead_days)]
    pub reminder_lead_days: Vec<u32>,
}

/// The lead times offered, as the schema states them.
fn lead_days() -> utoipa::openapi::schema::Array {
    use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Type};
    let offered = senvault_domain::REMINDER_LEADS.iter().map(|d| serde_json::json!(d));
    ArrayBuilder::new()
        .items(ObjectBuilder::new().schema_type(Type::Integer).enum_values(Some(offered)))
        .max_items(Some(senvault_domain::REMINDER_LEADS.len()))
        .unique_items(true)
        .build()
}

/// The caller's reminder lead times.
#[utoipa::path(get, path = "/v1/me/preferences", tag = "access", responses((status = 200, body = PreferencesBody)))]
pub async fn get_preferences(
    State(state): State<AppState>,
    Caller { actor, .. }: Caller,
) -> Result<Json<PreferencesBody>, Problem> {
    Ok(Json(PreferencesBody { reminder_lead_days: state.service.preferences(&actor).await? }))
}

/// Choose reminder lead times.
#[utoipa::path(put, path = "/v1/me/preferences", tag = "access", request_body = PreferencesBody,
    responses((status = 200, body = PreferencesBody), (status = 422, body = Problem)))]
pub async fn put_preferences(
    State(state): State<AppState>,
    Caller { actor, op, .. }: Caller,
    ApiJson(body): ApiJson<PreferencesBody>,
) -> Result<Json<PreferencesBody>, Problem> {
    let set = Command::personal(PersonalCommand::SetPreferences { reminder_lead_days: body.reminder_lead_days });
    state.service.execute(&actor, set, op).await?;
    Ok(Json(PreferencesBody { reminder_lead_days: state.service.preferences(&actor).await? }))
}
