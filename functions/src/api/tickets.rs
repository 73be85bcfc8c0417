//! Support requests and the ticket queue (`docs/support.md`): requests, accepting, messages, the
//! checklist, private notes and the link to a case.

use axum::Json;
use axum::extract::State;
use axum::response::Response;
use senvault_domain::support::{ChecklistItem, Message, PrivateNote, TicketDetail, TicketView};
use senvault_domain::{
    Actor, AdvocateCommand, AdvocateId, CaseId, ChecklistItemId, ChildId, Command, ConnectionId, FamilyCommand,
    MessageId, OpId, OrganisationId, PrivateNoteId, Record, Scope, SupportTarget, TicketCommand, TicketId,
    TicketPriority, TicketStatus, TicketType, keys,
};
use serde::{Deserialize, Serialize};

use super::extract::{ApiJson, ApiPath, ApiQuery, Caller, Paging, parse_id};
use super::{AppState, ListOf, Made, respond};
use crate::problem::Problem;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SupportRequestIn {
    /// The connection's id (a client may choose it, to retry safely offline).
    pub id: Option<ConnectionId>,
    pub ticket_id: Option<TicketId>,
    /// The advocate to ask (or `organisation_id`: exactly one of the two).
    pub advocate_id: Option<AdvocateId>,
    /// An organisation to ask; its admins assign the request to a member advocate.
    pub organisation_id: Option<OrganisationId>,
    pub child_id: ChildId,
    #[serde(rename = "type")]
    pub kind: TicketType,
    #[schema(max_length = 20000, pattern = r"\S")]
    pub message: String,
    /// A connection of the family's this one takes over from (changing advocate): it ends once
    /// the new advocate accepts.
    pub replaces: Option<ConnectionId>,
}

/// A support request to the advocate and about the child in the path
/// (`POST /v1/children/{id}/advocates/{advocate_id}/support-requests`): a `SupportRequestIn`
/// whose child and advocate are the path's, so a client holding the pair from
/// `GET /v1/children/{id}/advocates` needs nothing else.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdvocateRequestIn {
    /// The connection's id (a client may choose it, to retry safely offline).
    pub id: Option<ConnectionId>,
    pub ticket_id: Option<TicketId>,
    #[serde(rename = "type")]
    pub kind: TicketType,
    #[schema(max_length = 20000, pattern = r"\S")]
    pub message: String,
    /// A connection of the family's this one takes over from (changing advocate): it ends once
    /// the new advocate accepts.
    pub replaces: Option<ConnectionId>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TicketPatch {
    pub status: Option<TicketStatus>,
    pub priority: Option<TicketPriority>,
    #[serde(rename = "type")]
    pub kind: Option<TicketType>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeclineIn {
    #[schema(max_length = 2000, pattern = r"\S")]
    pub reason: String,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MessageIn {
    pub id: Option<MessageId>,
    #[schema(max_length = 20000, pattern = r"\S")]
    pub text: String,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestInfoIn {
    pub id: Option<MessageId>,
    #[schema(max_length = 20000, pattern = r"\S")]
    pub message: String,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChecklistIn {
    pub id: Option<ChecklistItemId>,
    #[schema(max_length = 500, pattern = r"\S")]
    pub text: String,
    /// Where it goes (default: last).
    #[serde(default, deserialize_with = "senvault_domain::wire::option")]
    #[schema(minimum = 0, maximum = 100000)]
    pub position: Option<u32>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChecklistPatch {
    #[schema(max_length = 500, pattern = r"\S")]
    pub text: Option<String>,
    pub done: Option<bool>,
    #[serde(default, deserialize_with = "senvault_domain::wire::option")]
    #[schema(minimum = 0, maximum = 100000)]
    pub position: Option<u32>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PrivateNoteIn {
    pub id: Option<PrivateNoteId>,
    #[schema(max_length = 20000, pattern = r"\S")]
    pub text: String,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkCaseIn {
    pub case_id: CaseId,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct PrivateNotes {
    pub items: Vec<PrivateNote>,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TicketsQuery {
    /// Only tickets in this status. An advocate's queue shows open tickets unless asked for
    /// `resolved` or `closed`.
    pub status: Option<TicketStatus>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    /// From the previous page's `next_cursor`.
    #[param(max_length = 2048, pattern = "^(?:[2-7][0-9a-f])*$")]
    pub cursor: Option<String>,
}

fn ticket_id(raw: &str) -> Result<TicketId, Problem> {
    parse_id("id", raw)
}

/// Runs a command on the ticket named in the path.
async fn on_ticket(
    state: &AppState,
    actor: &Actor,
    op: OpId,
    ticket: TicketId,
    command: TicketCommand,
) -> Result<crate::service::Executed, Problem> {
    let connection_id = state.service.connection_of(ticket).await?;
    let command = Command::Ticket { connection_id, ticket_id: ticket, command };
    Ok(state.service.execute(actor, command, op).await?)
}

/// Runs a command on the ticket and answers with the ticket page.
async fn ticket_answer(
    state: &AppState,
    caller: &Caller,
    ticket: TicketId,
    command: TicketCommand,
) -> Result<Response, Problem> {
    let done = on_ticket(state, &caller.actor, caller.op, ticket, command).await?;
    Ok(respond(Made::Updated, done.changed, caller.keyed, state.service.ticket(&caller.actor, ticket).await?))
}

/// Ask an advocate for help about one of the family's children (family only). Opens a
/// connection holding a ticket (`new`) with this first message; the advocate is notified.
#[utoipa::path(post, path = "/v1/support-requests", tag = "tickets", request_body = SupportRequestIn,
    responses((status = 201, description = "Created; a retry with the same `Idempotency-Key` (or id) answers the same, with `Idempotent-Replayed: true`", body = TicketDetail, headers(("Location" = String, description = "The new resource"), ("Idempotent-Replayed" = String, description = "`true` on a retry"))), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn request_support(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<SupportRequestIn>,
) -> Result<Response, Problem> {
    let to = match (body.advocate_id, body.organisation_id) {
        (Some(a), None) => SupportTarget::Advocate(a),
        (None, Some(o)) => SupportTarget::Organisation(o),
        _ => {
            return Err(Problem::invalid(vec![senvault_domain::FieldError::new(
                "advocate_id",
                "name exactly one of advocate_id and organisation_id",
            )]));
        }
    };
    let SupportRequestIn { id, ticket_id, child_id, kind, message, replaces, .. } = body;
    open_request(&state, caller, to, child_id, AdvocateRequestIn { id, ticket_id, kind, message, replaces }).await
}

/// Ask the advocate in the path for help about the child in the path (family only): the same as
/// `POST /v1/support-requests` with `child_id` and `advocate_id`.
#[utoipa::path(post, path = "/v1/children/{id}/advocates/{advocate_id}/support-requests", tag = "tickets",
    params(("id" = uuid::Uuid, Path, description = "Child id"), ("advocate_id" = uuid::Uuid, Path, description = "Advocate id")),
    request_body = AdvocateRequestIn,
    responses((status = 201, description = "Created; a retry with the same `Idempotency-Key` (or id) answers the same, with `Idempotent-Replayed: true`", body = TicketDetail, headers(("Location" = String, description = "The new resource"), ("Idempotent-Replayed" = String, description = "`true` on a retry"))), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn ask_advocate(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((child, advocate)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<AdvocateRequestIn>,
) -> Result<Response, Problem> {
    let child_id: ChildId = parse_id("id", &child)?;
    let advocate_id: AdvocateId = parse_id("advocate_id", &advocate)?;
    open_request(&state, caller, SupportTarget::Advocate(advocate_id), child_id, body).await
}

async fn open_request(
    state: &AppState,
    Caller { actor, op, keyed }: Caller,
    to: SupportTarget,
    child_id: ChildId,
    body: AdvocateRequestIn,
) -> Result<Response, Problem> {
    let family_id = state.service.family_of(&actor).await?;
    let connection_id = body.id.unwrap_or(ConnectionId(op.derive("connection")));
    let ticket_id = body.ticket_id.unwrap_or(TicketId(op.derive("ticket")));
    let command = FamilyCommand::RequestSupport {
        connection_id,
        ticket_id,
        message_id: MessageId(op.derive("message")),
        to,
        child_id,
        kind: body.kind,
        message: body.message,
        replaces: body.replaces,
    };
    let done = state.service.execute(&actor, Command::family(family_id, command), op).await?;
    let location = format!("/v1/tickets/{ticket_id}");
    Ok(respond(Made::Created { location }, done.changed, keyed, state.service.ticket(&actor, ticket_id).await?))
}

/// The caller's tickets: an advocate's queue (red, then orange, then green, then soonest
/// due), or a family's support requests.
#[utoipa::path(get, path = "/v1/tickets", tag = "tickets", params(TicketsQuery),
    responses((status = 200, body = ListOf<TicketView>), (status = 400, body = Problem)))]
pub async fn list_tickets(
    State(state): State<AppState>,
    Caller { actor, .. }: Caller,
    ApiQuery(q): ApiQuery<TicketsQuery>,
) -> Result<Json<ListOf<TicketView>>, Problem> {
    let paging = Paging { limit: q.limit, cursor: q.cursor };
    let page = state.service.tickets(&actor, q.status, paging.after()?.as_deref(), paging.limit()?).await?;
    Ok(Json(page.into()))
}

/// The ticket page: the ticket with its SLA, checklist and history.
#[utoipa::path(get, path = "/v1/tickets/{id}", tag = "tickets", params(("id" = uuid::Uuid, Path, description = "Ticket id")),
    responses((status = 200, body = TicketDetail), (status = 404, body = Problem)))]
pub async fn get_ticket(
    State(state): State<AppState>,
    Caller { actor, .. }: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<TicketDetail>, Problem> {
    Ok(Json(state.service.ticket(&actor, ticket_id(&id)?).await?))
}

/// Change a ticket's status, priority or type (the advocate; every change is kept in its
/// history).
#[utoipa::path(patch, path = "/v1/tickets/{id}", tag = "tickets", params(("id" = uuid::Uuid, Path, description = "Ticket id")),
    request_body = TicketPatch,
    responses((status = 200, description = "Changed, or already so (a retry with the same `Idempotency-Key` carries `Idempotent-Replayed: true`)", body = TicketDetail), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update_ticket(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<TicketPatch>,
) -> Result<Response, Problem> {
    let command = TicketCommand::Update { status: body.status, priority: body.priority, kind: body.kind };
    ticket_answer(&state, &caller, ticket_id(&id)?, command).await
}

/// Take the request on (the advocate; idempotent): the connection is active, the ticket in
/// progress, the family told.
#[utoipa::path(post, path = "/v1/tickets/{id}/accept", tag = "tickets", params(("id" = uuid::Uuid, Path, description = "Ticket id")),
    responses((status = 200, description = "Changed, or already so (a retry with the same `Idempotency-Key` carries `Idempotent-Replayed: true`)", body = TicketDetail), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn accept(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, Problem> {
    ticket_answer(&state, &caller, ticket_id(&id)?, TicketCommand::Accept).await
}

/// Turn the request down (the advocate, before accepting): the ticket is closed, the
/// connection ended, the family told.
#[utoipa::path(post, path = "/v1/tickets/{id}/decline", tag = "tickets", params(("id" = uuid::Uuid, Path, description = "Ticket id")),
    request_body = DeclineIn,
    responses((status = 200, description = "Changed, or already so (a retry with the same `Idempotency-Key` carries `Idempotent-Replayed: true`)", body = TicketDetail), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn decline(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<DeclineIn>,
) -> Result<Response, Problem> {
    ticket_answer(&state, &caller, ticket_id(&id)?, TicketCommand::Decline { reason: body.reason }).await
}

/// Ask the family for more information (the advocate): a message, and the ticket waits on
/// the family.
#[utoipa::path(post, path = "/v1/tickets/{id}/request-info", tag = "tickets", params(("id" = uuid::Uuid, Path, description = "Ticket id")),
    request_body = RequestInfoIn,
    responses((status = 200, description = "Changed, or already so (a retry with the same `Idempotency-Key` carries `Idempotent-Replayed: true`)", body = TicketDetail), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn request_info(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<RequestInfoIn>,
) -> Result<Response, Problem> {
    let message_id = body.id.unwrap_or(MessageId(caller.op.derive("message")));
    ticket_answer(&state, &caller, ticket_id(&id)?, TicketCommand::RequestInfo { message_id, message: body.message })
        .await
}

/// A message to the other side. A family message moves `pending_family` or `resolved` back to
/// `in_progress`; a closed ticket or ended support takes none.
#[utoipa::path(post, path = "/v1/tickets/{id}/messages", tag = "tickets", params(("id" = uuid::Uuid, Path, description = "Ticket id")),
    request_body = MessageIn,
    responses((status = 201, description = "Created; a retry with the same `Idempotency-Key` (or id) answers the same, with `Idempotent-Replayed: true`", body = Message, headers(("Location" = String, description = "The new resource"), ("Idempotent-Replayed" = String, description = "`true` on a retry"))), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn post_message(
    State(state): State<AppState>,
    Caller { actor, op, keyed }: Caller,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<MessageIn>,
) -> Result<Response, Problem> {
    let message_id = body.id.unwrap_or(MessageId(op.derive("message")));
    let ticket = ticket_id(&id)?;
    let done =
        on_ticket(&state, &actor, op, ticket, TicketCommand::PostMessage { message_id, text: body.text }).await?;
    match done.snapshot.get(&done.scope, &keys::message(message_id)) {
        Some(Record::Message(m)) => {
            let location = format!("/v1/tickets/{ticket}/messages/{message_id}");
            Ok(respond(Made::Created { location }, done.changed, keyed, m.clone()))
        }
        _ => Err(Problem::not_found("message")),
    }
}

/// The ticket's messages, oldest first.
#[utoipa::path(get, path = "/v1/tickets/{id}/messages", tag = "tickets", params(("id" = uuid::Uuid, Path, description = "Ticket id"), Paging),
    responses((status = 200, body = ListOf<Message>), (status = 400, body = Problem), (status = 404, body = Problem)))]
pub async fn list_messages(
    State(state): State<AppState>,
    Caller { actor, .. }: Caller,
    ApiPath(id): ApiPath<String>,
    ApiQuery(paging): ApiQuery<Paging>,
) -> Result<Json<ListOf<Message>>, Problem> {
    let (limit, after) = (paging.limit()?, paging.after()?);
    let page = state.service.messages(&actor, ticket_id(&id)?, after.as_deref(), limit).await?;
    Ok(Json(page.into()))
}

/// Add a checklist item (either side).
#[utoipa::path(post, path = "/v1/tickets/{id}/checklist", tag = "tickets", params(("id" = uuid::Uuid, Path, description = "Ticket id")),
    request_body = ChecklistIn,
    responses((status = 201, description = "Created; a retry with the same `Idempotency-Key` (or id) answers the same, with `Idempotent-Replayed: true`", body = ChecklistItem, headers(("Location" = String, description = "The new resource"), ("Idempotent-Replayed" = String, description = "`true` on a retry"))), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn add_checklist_item(
    State(state): State<AppState>,
    Caller { actor, op, keyed }: Caller,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<ChecklistIn>,
) -> Result<Response, Problem> {
    let item_id = body.id.unwrap_or(ChecklistItemId(op.derive("checklist")));
    let ticket = ticket_id(&id)?;
    let command = TicketCommand::AddChecklistItem { item_id, text: body.text, position: body.position };
    let made = Made::Created { location: format!("/v1/tickets/{ticket}/checklist/{item_id}") };
    checklist_answer(on_ticket(&state, &actor, op, ticket, command).await?, item_id, made, keyed)
}

/// Change a checklist item's text, whether it is done, or its place.
#[utoipa::path(patch, path = "/v1/tickets/{id}/checklist/{item}", tag = "tickets",
    params(("id" = uuid::Uuid, Path, description = "Ticket id"), ("item" = uuid::Uuid, Path, description = "Checklist item id")),
    request_body = ChecklistPatch,
    responses((status = 200, description = "Changed, or already so (a retry with the same `Idempotency-Key` carries `Idempotent-Replayed: true`)", body = ChecklistItem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn edit_checklist_item(
    State(state): State<AppState>,
    Caller { actor, op, keyed }: Caller,
    ApiPath((id, item)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<ChecklistPatch>,
) -> Result<Response, Problem> {
    let item_id: ChecklistItemId = parse_id("item", &item)?;
    let command =
        TicketCommand::EditChecklistItem { item_id, text: body.text, done: body.done, position: body.position };
    checklist_answer(on_ticket(&state, &actor, op, ticket_id(&id)?, command).await?, item_id, Made::Updated, keyed)
}

fn checklist_answer(
    done: crate::service::Executed,
    item: ChecklistItemId,
    made: Made,
    keyed: bool,
) -> Result<Response, Problem> {
    match done.snapshot.get(&done.scope, &keys::checklist_item(item)) {
        Some(Record::ChecklistItem(i)) => Ok(respond(made, done.changed, keyed, i.clone())),
        _ => Err(Problem::not_found("checklist item")),
    }
}

/// A note on the ticket that only its author — this advocate — will ever see.
#[utoipa::path(post, path = "/v1/tickets/{id}/private-notes", tag = "tickets", params(("id" = uuid::Uuid, Path, description = "Ticket id")),
    request_body = PrivateNoteIn,
    responses((status = 201, description = "Created; a retry with the same `Idempotency-Key` (or id) answers the same, with `Idempotent-Replayed: true`", body = PrivateNote, headers(("Location" = String, description = "The new resource"), ("Idempotent-Replayed" = String, description = "`true` on a retry"))), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn add_private_note(
    State(state): State<AppState>,
    Caller { actor, op, keyed }: Caller,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<PrivateNoteIn>,
) -> Result<Response, Problem> {
    let ticket = ticket_id(&id)?;
    let connection_id = state.service.connection_of(ticket).await?;
    let note_id = body.id.unwrap_or(PrivateNoteId(op.derive("private-note")));
    let command = AdvocateCommand::AddPrivateNote { connection_id, ticket_id: ticket, note_id, text: body.text };
    let done = state.service.execute(&actor, Command::Advocate { command }, op).await?;
    let scope = Scope::Advocate(AdvocateId::for_user(&actor.user));
    match done.snapshot.get(&scope, &keys::private_note(ticket, note_id)) {
        Some(Record::PrivateNote(n)) => {
            let location = format!("/v1/tickets/{ticket}/private-notes/{note_id}");
            Ok(respond(Made::Created { location }, done.changed, keyed, n.clone()))
        }
        _ => Err(Problem::not_found("note")),
    }
}

/// The caller's own private notes on the ticket (404 for anyone but the ticket's advocate).
#[utoipa::path(get, path = "/v1/tickets/{id}/private-notes", tag = "tickets", params(("id" = uuid::Uuid, Path, description = "Ticket id")),
    responses((status = 200, body = PrivateNotes), (status = 404, body = Problem)))]
pub async fn list_private_notes(
    State(state): State<AppState>,
    Caller { actor, .. }: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<PrivateNotes>, Problem> {
    Ok(Json(PrivateNotes { items: state.service.private_notes(&actor, ticket_id(&id)?).await? }))
}

/// Link the ticket to a case of the same family: the case page shows it, and closing the case
/// resolves the ticket.
#[utoipa::path(post, path = "/v1/tickets/{id}/link-case", tag = "tickets", params(("id" = uuid::Uuid, Path, description = "Ticket id")),
    request_body = LinkCaseIn,
    responses((status = 200, description = "Changed, or already so (a retry with the same `Idempotency-Key` carries `Idempotent-Replayed: true`)", body = TicketDetail), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn link_case(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<LinkCaseIn>,
) -> Result<Response, Problem> {
    // The ticket first: a caller who may not see it learns nothing of the case they name. Then
    // the case: one that does not exist is refused in the very words another family's case is
    // (the rule's), so its existence never shows either.
    let ticket = ticket_id(&id)?;
    state.service.ticket(&caller.actor, ticket).await?;
    let child_id = match state.service.child_of_case(body.case_id).await {
        Ok(child_id) => child_id,
        Err(crate::service::ServiceError::Domain(senvault_domain::DomainError::NotFound { .. })) => {
            return Err(senvault_domain::DomainError::not_this_childs_case("case_id").into());
        }
        Err(e) => return Err(e.into()),
    };
    let command = TicketCommand::LinkCase { child_id, case_id: body.case_id };
    ticket_answer(&state, &caller, ticket, command).await
}

/// One message of the ticket (the `Location` of a message just posted).
#[utoipa::path(get, path = "/v1/tickets/{id}/messages/{mid}", tag = "tickets",
    params(("id" = uuid::Uuid, Path, description = "Ticket id"), ("mid" = uuid::Uuid, Path, description = "Message id")),
    responses((status = 200, body = Message), (status = 404, body = Problem)))]
pub async fn get_message(
    State(state): State<AppState>,
    Caller { actor, .. }: Caller,
    ApiPath((id, mid)): ApiPath<(String, String)>,
) -> Result<Json<Message>, Problem> {
    let message_id: MessageId = parse_id("mid", &mid)?;
    Ok(Json(state.service.message(&actor, ticket_id(&id)?, message_id).await?))
}

/// One checklist item of the ticket (the `Location` of an item just added).
#[utoipa::path(get, path = "/v1/tickets/{id}/checklist/{item}", tag = "tickets",
    params(("id" = uuid::Uuid, Path, description = "Ticket id"), ("item" = uuid::Uuid, Path, description = "Checklist item id")),
    responses((status = 200, body = ChecklistItem), (status = 404, body = Problem)))]
pub async fn get_checklist_item(
    State(state): State<AppState>,
    Caller { actor, .. }: Caller,
    ApiPath((id, item)): ApiPath<(String, String)>,
) -> Result<Json<ChecklistItem>, Problem> {
    let item_id: ChecklistItemId = parse_id("item", &item)?;
    let ticket = state.service.ticket(&actor, ticket_id(&id)?).await?;
    ticket.checklist.into_iter().find(|i| i.id == item_id).map(Json).ok_or_else(|| Problem::not_found("checklist item"))
}

/// One of the caller's own private notes on the ticket (404 for anyone but its author).
#[utoipa::path(get, path = "/v1/tickets/{id}/private-notes/{nid}", tag = "tickets",
    params(("id" = uuid::Uuid, Path, description = "Ticket id"), ("nid" = uuid::Uuid, Path, description = "Private note id")),
    responses((status = 200, body = PrivateNote), (status = 404, body = Problem)))]
pub async fn get_private_note(
    State(state): State<AppState>,
    Caller { actor, .. }: Caller,
    ApiPath((id, nid)): ApiPath<(String, String)>,
) -> Result<Json<PrivateNote>, Problem> {
    let note_id: PrivateNoteId = parse_id("nid", &nid)?;
    let notes = state.service.private_notes(&actor, ticket_id(&id)?).await?;
    notes.into_iter().find(|n| n.id == note_id).map(Json).ok_or_else(|| Problem::not_found("note"))
}
