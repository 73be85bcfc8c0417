//! Next actions across every case the caller can see.

use axum::Json;
use axum::extract::State;
use senvault_domain::{ActionView, ChildId, Record, Scope, keys};
use serde::{Deserialize, Serialize};

use super::extract::{ApiQuery, Caller, Paging, encode_cursor};
use super::{AppState, ListOf};
use crate::problem::Problem;

#[derive(Debug, Clone, Copy, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ActionFilter {
    #[default]
    Open,
    Overdue,
    Done,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ActionsQuery {
    /// `open` (default), `overdue` (open and due before today in England) or `done`.
    pub state: Option<ActionFilter>,
    pub limit: Option<u32>,
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
    Caller(actor): Caller,
    ApiQuery(q): ApiQuery<ActionsQuery>,
) -> Result<Json<ListOf<ActionItem>>, Problem> {
    let paging = Paging { limit: q.limit, cursor: q.cursor };
    let (limit, after) = (paging.limit()?, paging.after()?);
    let filter = q.state.unwrap_or_default();
    let today = state.service.today();
    let mut items: Vec<(String, ActionItem)> = Vec::new();
    for m in state.service.memberships(&actor.user, "child:").await? {
        let Ok(scope @ Scope::Child(child_id)) = m.scope.parse::<Scope>() else {
            continue;
        };
        for (_, record) in state.service.list_all(&scope, keys::CASE_PREFIX).await? {
            let Record::Action(a) = record else { continue };
            let keep = match filter {
                ActionFilter::Open => a.is_open(),
                ActionFilter::Overdue => a.is_overdue(today),
                ActionFilter::Done => !a.is_open(),
            };
            if keep {
                let position = format!("{}#{}", a.due, a.id);
                items.push((position, ActionItem { action: ActionView::new(a, today), child_id }));
            }
        }
    }
    items.sort_by(|a, b| a.0.cmp(&b.0));
    let mut page: Vec<_> =
        items.into_iter().filter(|(p, _)| after.as_ref().is_none_or(|a| p > a)).take(limit + 1).collect();
    let next_cursor = if page.len() > limit {
        page.truncate(limit);
        page.last().map(|(p, _)| encode_cursor(p))
    } else {
        None
    };
    Ok(Json(ListOf { items: page.into_iter().map(|(_, i)| i).collect(), next_cursor }))
}
