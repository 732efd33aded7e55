import BatonCore
import BatonIdentity
import BatonPolicy
import BatonSigning
import BatonStore
import Foundation
import Hummingbird

/// People and the identity review queue, for the MASH (the triage agency of routing.yaml):
///
/// - `GET /v1/persons/{personId}`: who the hub holds, the people around them (relationships,
///   households), counters over their chronology, open reviews and merges.
/// - `GET /v1/persons/{personId}/chronology`: every message and item about them, across agencies,
///   in time order.
/// - `GET /v1/identity/reviews` and `GET /v1/identity/reviews/{reviewId}`: uncertain matches, with
///   the two records side by side, field by field.
/// - `POST /v1/identity/reviews/{reviewId}/decision`: `same` (merge) or `different`, with who and why.
/// - `POST /v1/identity/merges`, `GET /v1/identity/merges/{mergeId}`,
///   `POST /v1/identity/merges/{mergeId}/undo`: merges by hand, and undoing them; an undo lists
///   what was shared while the records were wrongly linked and sends the MASH an
///   `identity-correction` item.
///
/// Need-to-know policy arrives with its own capability; until then only the MASH may read or
/// change people's records (``PersonAccess``), and everyone else gets `403 not-permitted`.
struct PersonRoutes {
    let hub: BatonHub

    func register(on router: Router<BasicRequestContext>) {
        router.get("/v1/persons/:personId") { request, context in try await person(request, context) }
        router.get("/v1/persons/:personId/chronology") { request, context in try await chronology(request, context) }
        router.get("/v1/identity/reviews") { request, context in try await reviews(request, context) }
        router.get("/v1/identity/reviews/:reviewId") { request, context in try await review(request, context) }
        router.post("/v1/identity/reviews/:reviewId/decision") { request, context in try await decide(request, context) }
        router.post("/v1/identity/merges") { request, context in try await merge(request, context) }
        router.get("/v1/identity/merges/:mergeId") { request, context in try await mergeRecord(request, context) }
        router.post("/v1/identity/merges/:mergeId/undo") { request, context in try await undo(request, context) }
    }

    var views: PersonViews { PersonViews(hub: hub) }

    /// The caller, if it may see people's records.
    func authorise(_ request: Request) throws -> AgencyID { try caller(request).agency }

    func caller(_ request: Request) throws -> BearerIdentity {
        let identity = try hub.authenticate(request)
        guard PersonAccess(policies: hub.policies).mayReadPeople(identity.agency) else {
            throw Problem(.notPermitted, "Only the MASH (\(hub.policies.routing.triage)) may read people's records and the identity review queue.")
        }
        return identity
    }

    /// Reads what `body` returns in a write transaction that records, in the audit log, that
    /// `reader` read `resource` about the people `body` names.
    func logged<T: Sendable>(
        _ reader: BearerIdentity, _ resource: String, _ body: @escaping @Sendable (any StoreTransaction) throws -> (T, [PersonID])
    ) async throws -> T {
        try await hub.store.write { transaction in
            let (value, persons) = try body(transaction)
            if !persons.isEmpty {
                try transaction.apply(.access(AccessRecord(
                    channel: "api", resource: resource, reader: reader.agency, role: (reader.role ?? .lead).rawValue,
                    persons: Array(Set(persons)).sorted())))
            }
            return value
        }
    }

    func personID(_ context: BasicRequestContext) throws -> PersonID {
        guard let id = context.parameters.get("personId").flatMap(PersonID.init(rawValue:)) else {
            throw Problem(.notFound, "No person with this id.")
        }
        return id
    }

    // MARK: - People

    func person(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let reader = try caller(request)
        let id = try personID(context)
        let views = self.views
        let now = hub.clock.now()
        let identity = hub.identity
        let found: JSONObject? = try await logged(reader, "person") { transaction in
            let view = try views.person(id, at: now, in: transaction)
            return (view, try view == nil ? [] : [identity.livePerson(id, in: transaction) ?? id])
        }
        guard let view = found else {
            throw Problem(.notFound, "No person with this id.")
        }
        return .json(.object(view))
    }

    func chronology(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let reader = try caller(request)
        let id = try personID(context)
        let identity = hub.identity
        let result: (PersonID, [ChronologyEntry])? = try await logged(reader, "chronology") { transaction in
            guard let live = try identity.livePerson(id, in: transaction) else { return (nil, []) }
            return ((live, try transaction.chronology(of: live)), [live])
        }
        guard let (live, entries) = result else { throw Problem(.notFound, "No person with this id.") }
        return .json([
            "person": .string(live.rawValue),
            "entries": .array(entries.map { .object(PersonViews.entry($0)) }),
        ])
    }

    // MARK: - Reviews

    func reviews(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let reader = try caller(request)
        let parameters = request.uri.queryParameters
        var status: IdentityReview.Status? = .open
        if let text = parameters["status"].map(String.init) {
            if text == "all" { status = nil } else {
                guard let value = IdentityReview.Status(rawValue: text) else {
                    throw Problem(.badRequest, "status must be open, same, different or all.")
                }
                status = value
            }
        }
        let limit = try PageLimit.parse(parameters)
        let after = parameters["cursor"].map(String.init)
        if let after, UUID(uuidString: after) == nil {
            throw Problem(.badRequest, "cursor is not one this hub gave out; start again without it.")
        }
        let views = self.views
        let (wanted, pageSize) = (status, limit)
        let (page, more): ([JSONValue], Bool) = try await logged(reader, "review") { transaction in
            var reviews = try transaction.reviews(status: wanted, after: after, limit: pageSize + 1)
            let more = reviews.count > pageSize
            if more { reviews.removeLast() }
            return ((try reviews.map { .object(try views.review($0, in: transaction)) }, more), reviews.flatMap { [$0.person, $0.candidate] })
        }
        var body: JSONObject = ["reviews": .array(page)]
        if more, let last = page.last?.objectValue?["id"] { body["nextCursor"] = last }
        return .json(.object(body))
    }

    func review(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let reader = try caller(request)
        let id = context.parameters.get("reviewId") ?? ""
        let views = self.views
        let found: JSONObject? = try await logged(reader, "review") { transaction in
            guard let review = try transaction.review(id) else { return (nil, []) }
            return (try views.review(review, in: transaction), [review.person, review.candidate])
        }
        guard let view = found else {
            throw Problem(.notFound, "No review with this id.")
        }
        return .json(.object(view))
    }

    func decide(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let agency = try authorise(request)
        let id = context.parameters.get("reviewId") ?? ""
        let body = try await DecisionBody.read(request, hub: hub, decisions: ["same", "different"])
        let actor = Actor(kind: .person, agency: agency, name: body.name, role: body.role)
        let views = self.views
        let review = try await Self.decideReview(id, decision: body.decision ?? "", reason: body.reason, actor: actor, hub: hub)
        let view = try await logged(try caller(request), "review") { transaction in
            (try views.review(review, in: transaction), [review.person, review.candidate])
        }
        return .json(.object(view))
    }

    /// Decides an identity review (`same` or `different`) for `actor`: merges the two people when
    /// the same, and resolves the review's notice in the MASH's inbox. The API and the web UI
    /// decide through this one function.
    static func decideReview(_ id: String, decision: String, reason: String, actor: Actor, hub: BatonHub) async throws -> IdentityReview {
        let now = hub.clock.now()
        let identity = hub.identity
        let workflow = hub.workflow
        let (review, merge): (IdentityReview, PersonMerge?) = try await hub.store.write { transaction in
            guard var review = try transaction.review(id) else { throw Problem(.notFound, "No review with this id.") }
            guard review.status == .open else {
                throw Problem(.itemStateConflict, "This review was already decided (\(review.status.rawValue)); undo the merge instead, if it was wrong.")
            }
            review.status = decision == "same" ? .same : .different
            review.decidedAt = now
            review.decidedBy = actor
            review.reason = reason
            var merge: PersonMerge?
            if review.status == .same {
                guard let person = try identity.livePerson(review.person, in: transaction),
                    let candidate = try identity.livePerson(review.candidate, in: transaction)
                else { throw Problem(.notFound, "One of the two people no longer exists.") }
                if person != candidate {
                    merge = try identity.merge(person, into: candidate, actor: actor, reason: reason, reviewID: review.id, at: now, in: transaction)
                    review.mergeID = merge?.id
                }
            }
            try transaction.apply(.updateReview(review))
            // The review's notice in the MASH's inbox is done (after a merge it is about the survivor).
            let about = try identity.livePerson(review.person, in: transaction) ?? review.person
            for notice in try transaction.openItems(about: about, purpose: SystemPurpose.identityReview) where notice.details["review"] == review.id {
                let decided = review.status == .same ? "the same person; the records were merged" : "two different people"
                try workflow.apply(.resolved(reason: "Review decided: \(decided) (see the review for who and why)."), to: notice, at: now, in: transaction)
            }
            return (review, merge)
        }
        if let merge { identity.applied(merge) }
        hub.logger.info("identity review decided", metadata: [
            "review": "\(review.id)", "decision": "\(review.status.rawValue)", "agency": "\(actor.agency?.rawValue ?? "")",
        ])
        return review
    }

    // MARK: - Merges

    func merge(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let agency = try authorise(request)
        let body = try await DecisionBody.read(request, hub: hub, decisions: nil, people: true)
        guard let survivor = body.survivor, let merged = body.merged else {
            throw Problem(.badRequest, "survivor and merged are required: the person to keep and the person joined into them.")
        }
        let actor = Actor(kind: .person, agency: agency, name: body.name, role: body.role)
        let now = hub.clock.now()
        let identity = hub.identity
        let merge: PersonMerge = try await hub.store.write { transaction in
            guard let keep = try identity.livePerson(survivor, in: transaction), let join = try identity.livePerson(merged, in: transaction) else {
                throw Problem(.notFound, "No person with one of these ids.")
            }
            guard keep != join else { throw Problem(.itemStateConflict, "These are already one person.") }
            return try identity.merge(join, into: keep, actor: actor, reason: body.reason, at: now, in: transaction)
        }
        identity.applied(merge)
        hub.logger.info("persons merged", metadata: ["merge": "\(merge.id)", "agency": "\(agency)"])
        return .json(.object(PersonViews.merge(merge)), status: .created)
    }

    func mergeRecord(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let reader = try caller(request)
        let id = context.parameters.get("mergeId") ?? ""
        let found: PersonMerge? = try await logged(reader, "merge") { transaction in
            guard let merge = try transaction.merge(id) else { return (nil, []) }
            return (merge, [merge.survivor, merge.merged])
        }
        guard let merge = found else { throw Problem(.notFound, "No merge with this id.") }
        return .json(.object(PersonViews.merge(merge)))
    }

    func undo(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let agency = try authorise(request)
        let id = context.parameters.get("mergeId") ?? ""
        let body = try await DecisionBody.read(request, hub: hub, decisions: nil)
        let actor = Actor(kind: .person, agency: agency, name: body.name, role: body.role)
        let now = hub.clock.now()
        let identity = hub.identity
        let workflow = hub.workflow
        let triage = hub.policies.routing.triage
        let (merge, shared, correction): (PersonMerge, [Item], Item?) = try await hub.store.write { transaction in
            guard let original = try transaction.merge(id) else { throw Problem(.notFound, "No merge with this id.") }
            guard original.undoneAt == nil else { throw Problem(.itemStateConflict, "This merge was already undone.") }
            // Everything about the joined record created while the link stood may have been
            // shared because of it.
            let shared = try transaction.items(about: original.survivor, createdSince: original.at)
            let merge = try identity.unmerge(original, actor: actor, reason: body.reason, at: now, in: transaction)
            if let review = original.reviewID, var decided = try transaction.review(review) {
                decided.reason = (decided.reason ?? "") + " [merge undone: \(body.reason)]"
                try transaction.apply(.updateReview(decided))
            }
            var correction: Item?
            if let first = merge.movedMentions.first, let message = try transaction.message(sequence: first.messageSequence) {
                correction = try workflow.create(NewItem(
                    messageSequence: first.messageSequence, messageSender: message.sender, messageId: message.messageId,
                    recipient: triage, purpose: SystemPurpose.identityCorrection, subjects: [first.ref], subjectPersons: [merge.merged],
                    origin: "unmerge:\(merge.id)", deadlineClass: "identity-correction",
                    details: [
                        "merge": merge.id, "survivor": merge.survivor.rawValue, "merged": merge.merged.rawValue,
                        "sharedWhileLinked": String(shared.count),
                    ]), at: now, by: actor, in: transaction)
            }
            return (merge, shared, correction)
        }
        identity.applied(merge)
        hub.logger.info("merge undone", metadata: ["merge": "\(merge.id)", "agency": "\(agency)", "shared": "\(shared.count)"])
        var view = PersonViews.merge(merge)
        view["sharedWhileLinked"] = .array(shared.map { .object(PersonViews.sharedItem($0)) })
        if let correction { view["correctionItem"] = .string(correction.id.rawValue) }
        return .json(.object(view))
    }
}

/// Who may read people's records. Need-to-know policy arrives with its own capability; this is
/// its seam, and it denies by default: only the MASH (routing.yaml's `triage`) may.
struct PersonAccess {
    let policies: PolicySet

    func mayReadPeople(_ agency: AgencyID) -> Bool { agency == policies.routing.triage }
}

/// The JSON body of a decision: `{ "decision", "reason", "decidedBy": { "name", "role" } }`
/// (and `survivor`, `merged` for a merge by hand).
struct DecisionBody {
    var decision: String?
    var reason: String
    var name: String
    var role: String?
    var survivor: PersonID?
    var merged: PersonID?

    static func read(_ request: Request, hub: BatonHub, decisions: Set<String>?, people: Bool = false) async throws -> DecisionBody {
        let bytes: [UInt8]
        do { bytes = Array(try await request.body.collect(upTo: 64 * 1024).readableBytesView) } catch {
            throw Problem(.payloadTooLarge, "A decision is at most 64 KiB of JSON.")
        }
        let value: JSONValue
        do { value = try StrictJSON.parse(bytes) } catch { throw Problem(.malformedJSON, "The body is not valid JSON: \(error).") }
        guard let object = value.objectValue else { throw Problem(.badRequest, "The body must be a JSON object.") }
        var problems: [ValidationProblem] = []
        var allowed: Set<String> = ["reason", "decidedBy"]
        if decisions != nil { allowed.insert("decision") }
        if people { allowed.formUnion(["survivor", "merged"]) }
        for key in object.names where !allowed.contains(key) {
            problems.append(ValidationProblem(pointer: JSONPointer([key]), problem: "is not a field of this request (\(allowed.sorted().joined(separator: ", ")))"))
        }
        var decision: String?
        if let decisions {
            decision = object["decision"]?.stringValue
            if decision == nil || !decisions.contains(decision!) {
                problems.append(ValidationProblem(pointer: "/decision", problem: "must be one of \(decisions.sorted().joined(separator: ", "))"))
            }
        }
        let reason = object["reason"]?.stringValue?.trimmed ?? ""
        if reason.isEmpty { problems.append(ValidationProblem(pointer: "/reason", problem: "is required: say why, for the record")) }
        let by = object["decidedBy"]?.objectValue
        let name = by?["name"]?.stringValue?.trimmed ?? ""
        if name.isEmpty { problems.append(ValidationProblem(pointer: "/decidedBy/name", problem: "is required: the person who decided")) }
        var survivor: PersonID?
        var merged: PersonID?
        if people {
            survivor = object["survivor"]?.stringValue.flatMap(PersonID.init(rawValue:))
            merged = object["merged"]?.stringValue.flatMap(PersonID.init(rawValue:))
            if survivor == nil { problems.append(ValidationProblem(pointer: "/survivor", problem: "must be a person id")) }
            if merged == nil { problems.append(ValidationProblem(pointer: "/merged", problem: "must be a person id")) }
        }
        guard problems.isEmpty else {
            throw Problem(.badRequest, "The request has \(problems.count) problem\(problems.count == 1 ? "" : "s"); see 'errors'.", errors: problems)
        }
        return DecisionBody(
            decision: decision, reason: reason, name: name, role: by?["role"]?.stringValue, survivor: survivor, merged: merged)
    }
}
