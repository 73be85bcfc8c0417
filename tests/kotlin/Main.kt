// The phone core from Kotlin on the JVM, through the generated UniFFI bindings and JNA,
// against a running `senvault-local --demo`: a replica opened, a case and its next action
// made offline, an overdue statutory action computed offline, a sync, a note another user adds
// through the REST API arriving, and the analyser run offline.
//
// Usage: java … MainKt BASE_URL FAMILY_TOKEN ADVOCATE_TOKEN DB_PATH
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.time.LocalDate
import uk.senvault.mobile.*

class Token(private val value: String) : AuthProvider {
    override fun token(): String = value
    override fun freshToken(): String = value
}

// A screen's listener: keeps what it was told.
class Heard : ChangeListener {
    val events = java.util.concurrent.CopyOnWriteArrayList<ChangeEvent>()
    override fun onChange(event: ChangeEvent) {
        events.add(event)
    }
}

val http: HttpClient = HttpClient.newHttpClient()

fun rest(base: String, method: String, path: String, token: String, body: String?): String {
    val req = HttpRequest.newBuilder(URI.create(base + path))
        .header("Authorization", "Bearer $token")
        .header("Content-Type", "application/json")
        .method(method, if (body == null) HttpRequest.BodyPublishers.noBody() else HttpRequest.BodyPublishers.ofString(body))
        .build()
    val res = http.send(req, HttpResponse.BodyHandlers.ofString())
    check(res.statusCode() in 200..299) { "$method $path answered ${res.statusCode()}: ${res.body()}" }
    return res.body()
}

fun field(json: String, name: String): String =
    Regex("\"$name\"\\s*:\\s*\"([^\"]+)\"").find(json)?.groupValues?.get(1) ?: error("no $name in $json")

fun main(args: Array<String>) {
    val (base, family, advocate, db) = args
    val auth = Token(family)

    // Online once: the device learns who it works for and downloads what the family may see.
    VaultClient.open(db, base, auth).use { online ->
        val first = online.sync()
        check(first.recordsReceived > 0uL) { "first sync received nothing: $first" }
        println("first sync: ${first.recordsReceived} records, ${first.bytesReceived} bytes")
    }
    val childId = VaultClient.open(db, base, auth).use { it.children().first().id }

    // Offline (nothing listens on port 9): the changes are decided on the phone and kept.
    val caseId = VaultClient.open(db, "http://127.0.0.1:9", auth).use { offline ->
        val due = LocalDate.now().plusDays(7).toString()
        val next = NewActionInput("Ask the school for Sam's provision map", "family", due, null, null)
        val caseId = offline.createCase(childId, "assessment_requested", "Request made offline", next)
        offline.addAction(caseId, NewActionInput("Send the OT report to the LA", "family", due, null, null))
        offline.recordKeyDate(caseId, "request_received", LocalDate.now().minusDays(70).toString())
        val overdue = offline.actionsDue(true).filter { it.caseId == caseId && it.statutory }
        check(overdue.any { it.responsible == "la" && it.overdue }) { "no overdue statutory LA action offline: $overdue" }
        println("offline: overdue statutory action \"${overdue.first().description}\" (${overdue.first().legalBasis})")
        // A phone call logged in the car park, with the promise made in it, linked to the case.
        val basics = EntryBasics(LocalDate.now().minusDays(9).toString(), "09:40", caseId, listOf(), true)
        val promise = CommitmentInput("I'll send the decision letter by Friday", "la", LocalDate.now().minusDays(2).toString())
        offline.logInteraction(childId, InteractionInput(basics, "phone_call", "incoming", "Jo Harper",
            "Exampleshire SEN team", "EHC caseworker", "Rang about the assessment.", listOf(promise)))
        val logged = offline.timeline(childId, TimelineQuery(null, caseId, null, null, false))
        check(logged.size == 1 && logged.first().commitments.first().keeping.startsWith("not kept")) { "timeline offline: $logged" }
        check(offline.actionsDue(true).any { it.caseId == caseId && it.description.contains("decision letter") }) {
            "the broken promise is not an overdue action offline"
        }
        println("offline timeline: \"${logged.first().title}\", promise ${logged.first().commitments.first().keeping}")
        try {
            offline.sync()
            error("a sync with no network should fail")
        } catch (e: VaultException.Offline) {
            println("offline sync refused as expected: ${e.message}")
        }
        val status = offline.status()
        check(status.outboxDepth == 4uL) { "outbox $status" }
        caseId
    }

    VaultClient.open(db, base, auth).use { phone ->
        val report = phone.sync()
        check(report.applied == 4uL && report.rejected == 0uL) { "sync $report" }
        check(phone.status().outboxDepth == 0uL)
        println("synced: ${report.applied} changes applied")

        // Another user — the demo advocate, once the family has asked for help and granted
        // access — adds a note through the REST API; the phone sees it after a sync.
        val adv = field(rest(base, "GET", "/v1/advocates?area=Exampleshire", family, null), "id")
        val ticket = rest(base, "POST", "/v1/support-requests", family,
            """{"advocate_id":"$adv","child_id":"$childId","type":"ehcp","message":"Help with the request?"}""")
        rest(base, "POST", "/v1/tickets/${field(ticket, "id")}/accept", advocate, "{}")
        val connection = field(ticket, "connection_id")
        rest(base, "POST", "/v1/connections/$connection/grants", family, """{"children":{"kind":"listed","children":["$childId"]},"level":"collaborate"}""")
        rest(base, "POST", "/v1/cases/$caseId/notes", advocate, """{"text":"Advocate: chase the LA at week 6"}""")
        val heard = Heard()
        val subscription = phone.subscribe(heard)
        phone.sync()
        val notes = phone.casePage(caseId).notes
        check(notes.any { it.text == "Advocate: chase the LA at week 6" }) { "note not synced: $notes" }
        check(heard.events.any { e -> e.origin == ChangeOrigin.SYNC && e.records.any { it.kind == "note" } }) {
            "the listener did not hear the note arrive: ${heard.events}"
        }
        phone.unsubscribe(subscription)
        println("the advocate's note arrived, and the subscribed listener heard it")

        // The promise came late: kept today, and the server's chronology says so.
        val call = phone.timeline(childId, TimelineQuery("interaction", caseId, null, null, false)).first()
        phone.recordCommitmentKept(childId, call.id, call.commitments.first().id, null)
        check(phone.sync().applied == 1uL)
        val chronology = rest(base, "GET", "/v1/cases/$caseId/chronology", family, null)
        check(chronology.contains("kept 2 days late")) { "chronology: $chronology" }
        println("promise kept late, as the chronology shows")

        // What a bundle needs to know about a document, set on the phone: the demo bundle's
        // checks on the server then find the report too old for the hearing.
        val saltReport = "0193a1b2-0000-7000-8000-0000000d0c03"
        val facts = DocumentFactsInput(LocalDate.now().minusYears(5).toString(), "Children's therapy service", "expert_report")
        phone.setDocumentFacts(childId, saltReport, facts)
        check(phone.sync().applied == 1uL)
        val bundle = rest(base, "GET", "/v1/children/$childId/bundles/0193a1b2-0000-7000-8000-0000000b0d1e", family, null)
        check(Regex("\"rule_id\":\"BN05\",\"severity\":\"amber\",\"document_id\":\"$saltReport\"").containsMatchIn(bundle)) {
            "the bundle's checks did not see the report's date: $bundle"
        }
        println("document facts set on the phone reach the bundle's checks (BN05)")

        val plan = "Section F: Special educational provision\nNoah will have access to speech and language therapy as appropriate.\n"
        val findings = phone.analyseText(plan, AnalyseChoices(false, null, false))
        check(findings.isNotEmpty()) { "the offline analyser found nothing in vague provision" }
        println("offline analyser: ${findings.size} flags, first ${findings.first().rule} (${findings.first().severity})")
        // The plan held against a therapist's report, offline, through the same bindings.
        val salt = ReportText(
            "SALT report",
            "Recommendations\nAda should receive direct 1:1 speech and language therapy from a speech and language therapist, 2 x 30 minutes a week.\n",
        )
        val compared = phone.compareText(plan, listOf(salt), "2026-12-01")
        check(compared.findings.any { it.rule.startsWith("EI") && it.kind == "evidence_inconsistency" }) {
            "the offline comparison found nothing: ${compared.summary}"
        }
        check(compared.summary.contains("SALT report")) { compared.summary }
        println("offline comparison: ${compared.recommendations} recommendations, ${compared.findings.size} flags, first ${compared.findings.first().rule}")

        // Signing out deletes the replica: nothing of the child is left in the phone's files.
        phone.signOut()
        val left = listOf("", "-wal", "-journal").map { java.io.File(db + it) }.filter { it.exists() }
        check(left.none { String(it.readBytes(), Charsets.ISO_8859_1).contains(childId) }) { "the child's id is still in $left" }
        check(phone.status().outboxDepth == 0uL)
        println("signed out: the replica holds nothing of the family")
    }
    println("KOTLIN OK")
}
