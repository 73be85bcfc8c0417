// A family's and an advocate's journey through the API with a Kotlin client generated from the
// served OpenAPI document (openapi-generator, gson): every answer is decoded into the generated
// model its operation names, whose adapters check required fields, unknown fields and which
// variant of each union it is — so a document a generator cannot follow fails here.
//
// Usage: ClientKt BASE_URL FAMILY_TOKEN ADVOCATE_TOKEN (run by tests/kotlin.sh)

import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.util.UUID
import uk.senvault.client.infrastructure.Serializer
import uk.senvault.client.models.*

val http: HttpClient = HttpClient.newHttpClient()
lateinit var base: String
var decoded = 0

/// The demo's fixed records (senvault-local --demo prints them).
const val CASE = "0193a1b2-0000-7000-8000-0000000ca5e1"
const val CHILD = "0193a1b2-0000-7000-8000-00000000c411"
const val ADVOCATE = "aa866da4-5bbf-5de0-9ad7-7d3bb6c98c77"

fun call(method: String, path: String, token: String, body: String?): String {
    val request = HttpRequest.newBuilder(URI.create(base + path))
        .header("Authorization", "Bearer $token")
        .header("Content-Type", "application/json")
        .method(method, body?.let { HttpRequest.BodyPublishers.ofString(it) } ?: HttpRequest.BodyPublishers.noBody())
        .build()
    val res = http.send(request, HttpResponse.BodyHandlers.ofString())
    check(res.statusCode() in 200..299) { "$method $path answered ${res.statusCode()}: ${res.body()}" }
    return res.body()
}

/// Calls, and decodes the answer into the generated model `T` (its adapter validates it).
inline fun <reified T> answer(method: String, path: String, token: String, body: String? = null): T {
    val text = call(method, path, token, body)
    val value = try {
        Serializer.gson.fromJson(text, T::class.java)
    } catch (e: Exception) {
        throw IllegalStateException("$method $path: the generated ${T::class.simpleName} cannot read the answer: ${e.message}", e)
    }
    checkNotNull(value) { "$method $path: nothing decoded" }
    decoded++
    return value
}

fun main(args: Array<String>) {
    base = args[0]
    val family = args[1]
    val advocate = args[2]

    // The family's day.
    answer<FamilyView>("GET", "/v1/family", family)
    val children = answer<ListOfChild>("GET", "/v1/children", family)
    check(children.items.any { it.id.toString() == CHILD }) { "the demo child is listed" }
    answer<ListOfCase>("GET", "/v1/cases?child_id=$CHILD", family)
    val case = answer<CaseDetail>("GET", "/v1/cases/$CASE", family)
    check(case.id.toString() == CASE)
    // A request body built with the generated model, sent as the generated serializer writes it.
    val note = Serializer.gson.toJson(NoteIn(text = "Phoned the LA about the draft; they will reply by Friday."))
    answer<Note>("POST", "/v1/cases/$CASE/notes", family, note)
    answer<ListOfActionItem>("GET", "/v1/actions", family)
    answer<NotificationPage>("GET", "/v1/notifications", family)
    answer<Chronology>("GET", "/v1/cases/$CASE/chronology", family)
    answer<ListOfDocument>("GET", "/v1/documents?child_id=$CHILD", family)
    answer<ListOfAdvocateView>("GET", "/v1/advocates?area=Exampleshire%20County%20Council", family)
    answer<AdvocateView>("GET", "/v1/advocates/$ADVOCATE", family)
    val request = """{"child_id": "$CHILD", "advocate_id": "$ADVOCATE", "type": "annual_review",
        "message": "The annual review meeting is next month; can you help us prepare?"}"""
    val ticket = answer<TicketDetail>("POST", "/v1/support-requests", family, request)
    val ticketId = ticket.id.toString()
    val connection = ticket.connectionId.toString()

    // The advocate's queue.
    answer<ListOfTicketView>("GET", "/v1/tickets", advocate)
    answer<TicketDetail>("POST", "/v1/tickets/$ticketId/accept", advocate)
    val worked = answer<TicketDetail>("PATCH", "/v1/tickets/$ticketId", advocate, """{"status": "pending_family", "priority": "high"}""")
    check(worked.history.size >= 2) { "the history holds the changes: ${worked.history}" }
    answer<Message>("POST", "/v1/tickets/$ticketId/messages", advocate, """{"text": "Please send the draft plan."}""")
    answer<ListOfMessage>("GET", "/v1/tickets/$ticketId/messages", family)
    answer<ChecklistItem>("POST", "/v1/tickets/$ticketId/checklist", advocate, """{"text": "Read Section F"}""")
    answer<PrivateNote>("POST", "/v1/tickets/$ticketId/private-notes", advocate, """{"text": "Family prefers email."}""")

    // Access: the family grants one child, then the advocate reads the case and syncs it.
    val grant = """{"children": {"kind": "listed", "children": ["$CHILD"]}, "level": "view"}"""
    answer<ConnectionView>("POST", "/v1/connections/$connection/grants", family, grant)
    answer<Connections>("GET", "/v1/connections", family)
    answer<CaseDetail>("GET", "/v1/cases/$CASE", advocate)
    val scopes = answer<ScopesResponse>("GET", "/v1/sync/scopes", advocate)
    val cursors = scopes.scopes.joinToString(",") { """{"scope": "${it.scope}", "epoch": 0, "seq": 0}""" }
    val client = UUID.randomUUID()
    answer<PullResponse>("POST", "/v1/sync/pull", advocate, """{"client_id": "$client", "schema": 1, "scopes": [$cursors]}""")
    val op = UUID.randomUUID()
    val push = """{"client_id": "${UUID.randomUUID()}", "schema": 1, "mutations": [{"mid": 1, "scope": "child:$CHILD",
        "op": "$op", "command": {"case": {"child_id": "$CHILD", "case_id": "$CASE",
        "command": {"type": "add_note", "note_id": "$op", "text": "Written offline"}}}}]}"""
    val pushed = answer<PushResponse>("POST", "/v1/sync/push", family, push)
    check(pushed.lmid == 1L) { "the push was applied: $pushed" }
    answer<NotificationPage>("GET", "/v1/notifications", advocate)
    answer<TicketDetail>("GET", "/v1/tickets/$ticketId", family)

    println("GENERATED CLIENT OK: $decoded answers decoded by the generated models")
}
