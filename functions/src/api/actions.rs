//! Next actions across every case the caller can see.

use axum::Json;
use axum::extract::State;
use senvault_domain::lists::ActionFilter;
use senvault_domain::{ActionView, ChildId};
use serde::{Deserialize, Serialize};

use super::extract::{ApiQuery, Caller, Paging};
use super::{AppState, ListOf};
use crate::problem::Problem;

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ActionsQuery {
    /// `open` (default), `overdue` (open and due before today in England) or `done`.
    pub state: Option<ActionFilter>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    /// From the previous page's `next_cursor`.
    #[param(max_length = 2048, pattern = "^(?:[2-7][0-9a-f])*$")]
    pub cursor: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ActionItem {
    #[serde(flatten)]
    pub action: ActionView,
    pub child_id: ChildId,
}

/// Actions of every case the caller can see, soonest due first.
#[utoipa::path(get, path = "/v1/actions", tag = "cases", params(ActionsQuery),
    responses((status = 200, body = ListOf<ActionItem>), (status = 400, body = Problem)))]
pub async fn list_actions(
    State(state): State<AppState>,
    Caller { actor, .. }: Caller,
    ApiQuery(q): ApiQuery<ActionsQuery>,
) -> Result<Json<ListOf<ActionItem>>, Problem> {
    let paging = Paging { limit: q.limit, cursor: q.cursor };
    let filter = q.state.unwrap_or_default();
    let page = state.service.actions(&actor, filter, paging.after()?.as_deref(), paging.limit()?).await?;
    Ok(Json(page.map(|(child_id, action)| ActionItem { action, child_id }).into()))
}
