// The phone core from Kotlin on the JVM, through the generated UniFFI bindings and JNA,
// against a running `senvault-local --demo`: a replica opened, a case and its next action
// made offline, an overdue statutory action computed offline, a sync, a note another user adds
// through the REST API arriving, the analyser run offline, a letter captured offline and
// uploaded, opened from the encrypted cache, gone from an advocate's tablet after revocation,
// and the replica unreadable without its key.
//
// Usage: java … MainKt BASE_URL FAMILY_TOKEN ADVOCATE_TOKEN DB_PATH
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.time.LocalDate
import uk.senvault.mobile.*

// The replica's key: an app keeps 32 random bytes in the Android Keystore or the iOS Keychain.
class Keys(private val key: ByteArray) : KeyProvider {
    override fun vaultKey(): ByteArray = key
}

val KEY = ByteArray(32) { (it * 7 + 3).toByte() }

class Token(private val value: String) : AuthProvider {
    override fun token(): String = value
    override fun freshToken(): String = value
}

// A screen's listener: keeps what it was told.
class Heard : ChangeListener {
    val events = java.util.concurrent.CopyOnWriteArrayList<ChangeEvent>()
    val progress = java.util.concurrent.CopyOnWriteArrayList<SyncProgress>()
    override fun onChange(event: ChangeEvent) {
        events.add(event)
    }
    override fun onProgress(progress: SyncProgress) {
        this.progress.add(progress)
    }
}

fun fileBytes(path: String): ByteArray = java.io.File(path).readBytes()

// Whether `needle` occurs in `hay`.
fun contains(hay: ByteArray, needle: ByteArray): Boolean {
    if (needle.isEmpty() || hay.size < needle.size) return false
    outer@ for (i in 0..hay.size - needle.size) {
        for (j in needle.indices) if (hay[i + j] != needle[j]) continue@outer
        return true
    }
    return false
}

// Every file of a replica: the database, its side files, and its document files.
fun replicaFiles(db: String): List<java.io.File> =
    listOf("", "-wal", "-shm", "-journal").map { java.io.File(db + it) }.filter { it.exists() } +
        java.io.File("$db.files").walkTopDown().filter { it.isFile }.toList()

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
    VaultClient.open(db, base, auth, Keys(KEY)).use { online ->
        val first = online.sync()
        check(first.recordsReceived > 0uL) { "first sync received nothing: $first" }
        println("first sync: ${first.recordsReceived} records, ${first.bytesReceived} bytes")
    }
    val childId = VaultClient.open(db, base, auth, Keys(KEY)).use { it.children().first().id }

    // Offline (nothing listens on port 9): the changes are decided on the phone and kept.
    val caseId = VaultClient.open(db, "http://127.0.0.1:9", auth, Keys(KEY)).use { offline ->
        val due = LocalDate.now().plusDays(7).toString()
        val next = NewActionInput("Ask the school for Sam's provision map", Party.FAMILY, due, null, null)
        val caseId = offline.createCase(childId, CaseStatus.ASSESSMENT_REQUESTED, "Request made offline", next)
        offline.addAction(caseId, NewActionInput("Send the OT report to the LA", Party.FAMILY, due, null, null))
        offline.recordKeyDate(caseId, KeyDateKind.REQUEST_RECEIVED, LocalDate.now().minusDays(70).toString())
        val overdue = offline.actionsDue(true).filter { it.caseId == caseId && it.statutory }
        check(overdue.any { it.responsible == Party.LA && it.overdue }) { "no overdue statutory LA action offline: $overdue" }
        println("offline: overdue statutory action \"${overdue.first().description}\" (${overdue.first().legalBasis})")
        // A phone call logged in the car park, with the promise made in it, linked to the case.
        val basics = EntryBasics(LocalDate.now().minusDays(9).toString(), "09:40", caseId, listOf(), true)
        val promise = CommitmentInput("I'll send the decision letter by Friday", Party.LA, LocalDate.now().minusDays(2).toString())
        offline.logInteraction(childId, InteractionInput(basics, Channel.PHONE_CALL, Direction.INCOMING, "Jo Harper",
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

    VaultClient.open(db, base, auth, Keys(KEY)).use { phone ->
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
        val call = phone.timeline(childId, TimelineQuery(TimelineKind.INTERACTION, caseId, null, null, false)).first()
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
        check(compared.findings.any { it.rule.startsWith("EI") && it.kind == FlagKind.EVIDENCE_INCONSISTENCY }) {
            "the offline comparison found nothing: ${compared.summary}"
        }
        check(compared.summary.contains("SALT report")) { compared.summary }
        println("offline comparison: ${compared.recommendations} recommendations, ${compared.findings.size} flags, first ${compared.findings.first().rule}")

        // A letter photographed in the car park with no signal: captured at once, pending.
        val photo = java.io.File.createTempFile("IMG_", ".jpg")
        val random = java.util.Random(2041)
        val letter = byteArrayOf(0xFF.toByte(), 0xD8.toByte()) + ByteArray(200_000).also { random.nextBytes(it) }
        photo.writeBytes(letter)
        val captured = VaultClient.open(db, "http://127.0.0.1:9", auth, Keys(KEY)).use { offline ->
            try {
                offline.captureDocument(childId, photo.path, "Letter", DocumentCategory.CORRESPONDENCE, DocumentType.HEIC, null, null)
                error("a HEIC capture should be refused")
            } catch (e: VaultException.Invalid) {
                println("HEIC refused: ${e.message}")
            }
            val doc = offline.captureDocument(childId, photo.path, "Decision letter from the council", DocumentCategory.CORRESPONDENCE,
                DocumentType.JPEG, LocalDate.now().minusDays(2).toString(), EvidenceKind.DECISION_LETTER)
            check(doc.upload == UploadState.PENDING && offline.status().pendingUploads == 1uL) { "capture: $doc" }
            check(offline.readDocument(doc.id).contentEquals(letter)) { "the capture does not read back" }
            doc
        }
        val uploading = Heard()
        val listening = phone.subscribe(uploading)
        val uploaded = phone.sync()
        phone.unsubscribe(listening)
        check(phone.status().pendingUploads == 0uL) { "not uploaded: $uploaded" }
        check(phone.documents(childId).first { it.id == captured.id }.upload == UploadState.UPLOADED)
        check(uploading.progress.any { it.stage == SyncStage.UPLOADING && it.done == it.total && it.total == letter.size.toULong() }) {
            "no upload progress: ${uploading.progress}"
        }
        check(uploading.progress.last().stage == SyncStage.DONE) { "progress did not end: ${uploading.progress}" }
        val server = rest(base, "GET", "/v1/documents/${captured.id}", family, null)
        check(server.contains("\"state\":\"uploaded\"")) { "the server does not have it: $server" }
        println("captured offline, uploaded at the next sync (${letter.size} bytes), progress heard")

        // The advocate's tablet opens it (downloaded once, cached encrypted), then access ends.
        val tablet = "$db-tablet"
        VaultClient.open(tablet, base, Token(advocate), Keys(ByteArray(32) { 9 })).use { t ->
            t.sync()
            val opened = t.openDocument(captured.id)
            check(fileBytes(opened.path).contentEquals(letter)) { "the tablet's copy differs" }
            t.closeDocument(captured.id)
            check(!java.io.File(opened.path).exists()) { "the plain copy outlived closeDocument" }
            check(replicaFiles(tablet).none { contains(it.readBytes(), letter.copyOfRange(5000, 5064)) }) {
                "the letter's bytes are in the clear on the tablet"
            }
            val revoke = HttpRequest.newBuilder(URI.create("$base/v1/connections/$connection/grants"))
                .header("Authorization", "Bearer $family").DELETE().build()
            check(http.send(revoke, HttpResponse.BodyHandlers.ofString()).statusCode() == 200)
            val after = t.sync()
            check(after.scopesRevoked > 0uL && t.documents(childId).isEmpty()) { "revocation: $after" }
            check(java.io.File("$tablet.files").walkTopDown().none { it.isFile }) { "files left on the tablet" }
            println("opened on the advocate's tablet, then gone with its files when access was revoked")
        }

        // Opened from the cache with no network.
        VaultClient.open(db, "http://127.0.0.1:9", auth, Keys(KEY)).use { offline ->
            val opened = offline.openDocument(captured.id)
            check(fileBytes(opened.path).contentEquals(letter)) { "the cached copy differs" }
            offline.closeDocument(captured.id)
        }
        println("opened from the encrypted cache offline")

        // Without the key the replica is unreadable: no SQLite header, no child id, no note, no
        // letter; a wrong key is refused as Locked.
        val wrong = try {
            VaultClient.open(db, base, auth, Keys(ByteArray(32))).close()
            false
        } catch (e: VaultException.Locked) {
            true
        }
        check(wrong) { "a wrong key opened the replica" }
        for (f in replicaFiles(db)) {
            val bytes = f.readBytes()
            check(!contains(bytes, "SQLite format 3".toByteArray())) { "$f is plain SQLite" }
            check(!contains(bytes, childId.toByteArray()) && !contains(bytes, "chase the LA".toByteArray())) { "$f holds records in the clear" }
            check(!contains(bytes, letter.copyOfRange(5000, 5064))) { "$f holds the letter in the clear" }
        }
        println("the replica and its files are unreadable without the key; a wrong key is Locked")

        // Signing out deletes the replica: nothing of the child is left in the phone's files.
        phone.signOut()
        val left = replicaFiles(db)
        check(left.none { String(it.readBytes(), Charsets.ISO_8859_1).contains(childId) }) { "the child's id is still in $left" }
        check(phone.status().outboxDepth == 0uL)
        println("signed out: the replica holds nothing of the family")
    }
    println("KOTLIN OK")
}
