import BatonCore
import BatonPolicy
import BatonStore
import Foundation
import Hummingbird

extension WebUI {
    // MARK: - A child's page

    /// The child's chronology across agencies and the counters of cumulative harm. The MASH sees
    /// every entry; another agency sees the entries of its own items and messages, and only
    /// about a child it has an item about (need to know).
    func child(_ text: String, _ principal: Principal) async throws -> Response {
        guard let requested = PersonID(rawValue: text) else { throw WebFailure.notFound }
        let agency = principal.user.agency
        let mash = PersonAccess(policies: hub.policies).mayReadPeople(agency)
        let identity = hub.identity
        let views = PersonViews(hub: hub)
        let now = hub.clock.now()
        let record = AccessRecord(channel: "ui", resource: "chronology", reader: agency, role: principal.user.role.rawValue, persons: [], user: principal.user.username)
        let found: (JSONObject, [ChronologyEntry], [String])? = try await hub.store.write { transaction in
            guard let live = try identity.livePerson(requested, in: transaction), var person = try views.person(live, at: now, in: transaction) else { return nil }
            var entries = try transaction.chronology(of: live)
            var visible: Set<Int64>?
            if !mash {
                let ours = try transaction.items(about: live).filter { $0.recipient == agency || $0.messageSender == agency }
                guard !ours.isEmpty else { return nil }
                let sequences = Set(ours.map(\.messageSequence))
                visible = sequences
                entries = entries.filter { $0.agency == agency || sequences.contains($0.messageSequence) }
                // Other agencies' identifiers and households are the MASH's to see.
                // What other agencies recorded, and the counters across all of them, are the MASH's.
                for key in ["identifiers", "households", "merges", "openReviews", "relationships", "agencies", "datesOfBirthRecorded", "counters"] {
                    person[key] = nil
                }
            }
            var access = record
            access.persons = [live]
            try transaction.apply(.access(access))
            // The names as the agencies wrote them (the person record keeps them normalised),
            // newest first, from the messages this reader may see.
            var names: [String] = []
            for link in try transaction.mentions(of: live).reversed().prefix(20) where visible?.contains(link.messageSequence) ?? true {
                guard let stored = try transaction.message(sequence: link.messageSequence), let message = ItemViews.parse(stored),
                    let mention = (message.subjects + message.persons).first(where: { $0.ref == link.ref })
                else { continue }
                let name = [mention.givenName, mention.familyName].compactMap { $0 }.joined(separator: " ")
                if !name.isEmpty, !names.contains(name) { names.append(name) }
            }
            return (person, entries, names)
        }
        guard let (person, entries, names) = found else { throw WebFailure.notFound }
        var context = layout(principal, title: "Child's record")
        context["person"] = [
            "id": person["id"]?.stringValue ?? "", "name": names.first ?? "Name not recorded",
            "otherNames": names.dropFirst().joined(separator: ", "),
            "datesOfBirth": (person["datesOfBirthRecorded"]?.arrayValue ?? []).compactMap(\.stringValue).joined(separator: ", "),
            "identifiers": (person["identifiers"]?.arrayValue ?? []).compactMap(\.stringValue).joined(separator: ", "),
            "agencies": (person["agencies"]?.arrayValue ?? []).compactMap(\.stringValue).map(agencyName).joined(separator: ", "),
        ]
        context["mash"] = mash
        context["counters"] = (person["counters"]?.arrayValue ?? []).compactMap(\.objectValue).map { counter -> [String: Any] in
            let count = Int(counter["count"]?.numberValue ?? 0)
            let alertAt = counter["alertAt"]?.numberValue.map { Int($0) }
            return [
                "name": WebText.label(counter["name"]?.stringValue ?? ""), "count": count, "window": counter["window"]?.stringValue ?? "",
                "alertAt": alertAt.map(String.init) ?? "–", "reached": alertAt.map { count >= $0 } ?? false,
            ]
        }
        context["entries"] = entries.reversed().map { entry -> [String: Any] in
            var row: [String: Any] = [
                "at": WebText.dateTime(entry.at), "agency": agencyName(entry.agency.rawValue), "what": WebText.label(entry.what),
                "detail": entry.detail.map(WebText.label).joined(separator: ", "), "isItem": entry.kind == .item,
            ]
            if entry.kind == .item, entry.agency == agency { row["link"] = "/ui/items/\(entry.reference)" }
            return row
        }
        context["limited"] = !mash
        return render("child", context)
    }

    // MARK: - Identity reviews

    func requireMASH(_ principal: Principal) throws {
        guard PersonAccess(policies: hub.policies).mayReadPeople(principal.user.agency) else { throw WebFailure.forbidden }
    }

    func reviews(_ principal: Principal) async throws -> Response {
        try requireMASH(principal)
        let record = AccessRecord(channel: "ui", resource: "review", reader: principal.user.agency, role: principal.user.role.rawValue, persons: [], user: principal.user.username)
        // The list names no one, but says which people are in doubt: the read is logged as the API's is.
        let reviews = try await hub.store.write { transaction in
            let reviews = try transaction.reviews(status: .open, after: nil, limit: 200)
            if !reviews.isEmpty {
                var access = record
                access.persons = Array(Set(reviews.flatMap { [$0.person, $0.candidate] })).sorted()
                try transaction.apply(.access(access))
            }
            return reviews
        }
        var context = layout(principal, title: "Identity reviews", section: "reviews")
        context["reviews"] = reviews.map { review -> [String: Any] in
            [
                "id": review.id, "created": WebText.dateTime(review.createdAt), "probability": String(format: "%.1f%%", review.probability * 100),
                "reasons": review.reasons.map(WebText.reviewReason).joined(separator: "; "),
            ]
        }
        context["count"] = reviews.count
        return render("reviews", context)
    }

    func review(_ id: String, _ principal: Principal, problem: String? = nil, entered: [String: String] = [:]) async throws -> Response {
        try requireMASH(principal)
        let views = PersonViews(hub: hub)
        let record = AccessRecord(channel: "ui", resource: "review", reader: principal.user.agency, role: principal.user.role.rawValue, persons: [], user: principal.user.username)
        let found: JSONObject? = try await hub.store.write { transaction in
            guard let review = try transaction.review(id) else { return nil }
            var access = record
            access.persons = [review.person, review.candidate]
            try transaction.apply(.access(access))
            return try views.review(review, in: transaction)
        }
        guard let view = found else { throw WebFailure.notFound }
        var context = layout(principal, title: "Identity review", section: "reviews")
        context["review"] = [
            "id": id, "status": WebText.label(view["status"]?.stringValue ?? ""), "open": view["status"]?.stringValue == "open",
            "probability": String(format: "%.1f%%", (view["probability"]?.numberValue ?? 0) * 100),
            "reasons": (view["reasons"]?.arrayValue ?? []).compactMap(\.stringValue).map(WebText.reviewReason),
            "sender": agencyName(view["mention"]?.objectValue?["sender"]?.stringValue ?? ""),
            "received": WebText.dateTime(view["mention"]?.objectValue?["receivedAt"]?.stringValue) ?? "",
            "person": view["person"]?.stringValue ?? "", "candidate": view["candidate"]?.stringValue ?? "",
            "decidedBy": view["decidedBy"]?.objectValue?["name"]?.stringValue ?? "", "reason": view["reason"]?.stringValue ?? "",
        ]
        context["comparison"] = (view["comparison"]?.arrayValue ?? []).compactMap(\.objectValue).map { row -> [String: Any] in
            let agreement = row["agreement"]?.stringValue ?? ""
            let cell = agreement == "not-compared" ? "missing" : (["exact", "same", "agree"].contains(agreement) || agreement.hasPrefix("exact") ? "agree" : (agreement == "different" || agreement == "else" ? "disagree" : "partial"))
            return [
                "field": WebText.label(row["field"]?.stringValue ?? ""), "mention": row["mention"]?.stringValue ?? "Not recorded",
                "candidate": row["candidate"]?.stringValue ?? "Not recorded", "agreement": WebText.label(agreement), "cell": cell,
            ]
        }
        if let problem { context["problem"] = problem }
        context["entered"] = entered
        return render("review", context, status: problem == nil ? .ok : .unprocessableContent)
    }

    func decideReview(_ id: String, form: WebForm, _ principal: Principal) async throws -> Response {
        try requireMASH(principal)
        var entered: [String: String] = [:]
        for (name, values) in form.fields where name != "csrf" { entered[name] = values.first ?? "" }
        guard let decision = form["decision"], ["same", "different"].contains(decision) else {
            return try await review(id, principal, problem: "Select whether these are the same person or two different people", entered: entered)
        }
        guard let reason = form["reason"] else {
            return try await review(id, principal, problem: "Enter the reason for your decision", entered: entered)
        }
        do {
            _ = try await PersonRoutes.decideReview(id, decision: decision, reason: reason, actor: principal.actor, hub: hub)
        } catch let problem as Problem where problem.status == .conflict {
            return try await review(id, principal, problem: problem.detail, entered: entered)
        }
        return .redirect("/ui/reviews/\(id)")
    }

    // MARK: - Strategy discussions

    func discussions(_ principal: Principal) async throws -> Response {
        let agency = principal.user.agency
        let views = hub.views
        let now = hub.clock.now()
        let (convened, invitations): ([JSONValue], [Item]) = try await hub.store.read { reader in
            let convened = try reader.items(recipient: agency, purpose: SystemPurpose.strategyDiscussion, open: nil, limit: 100).map { item -> JSONValue in
                var view = try views.discussion(of: item, viewer: agency, in: reader, at: now) ?? [:]
                view["itemId"] = .string(item.id.rawValue)
                view["status"] = .string(item.state.status.rawValue)
                view["createdAt"] = .string(RFC3339.format(item.createdAt))
                return .object(view)
            }
            return (convened, try reader.items(recipient: agency, purpose: SystemPurpose.strategyInvitation, open: nil, limit: 100))
        }
        var context = layout(principal, title: "Strategy discussions", section: "discussions")
        context["convened"] = convened.compactMap(\.objectValue).map { view -> [String: Any] in
            let invitations = (view["invitations"]?.arrayValue ?? []).compactMap(\.objectValue)
            let actions = (view["actions"]?.arrayValue ?? []).compactMap(\.objectValue)
            return [
                "itemId": view["itemId"]?.stringValue ?? "", "status": WebText.label(view["status"]?.stringValue ?? ""),
                "statusClass": WebText.tagClass(status: view["status"]?.stringValue ?? ""),
                "created": WebText.dateTime(view["createdAt"]?.stringValue) ?? "", "urgency": WebText.label(view["urgency"]?.stringValue ?? ""),
                "invited": invitations.count,
                "accepted": invitations.filter { $0["answer"]?.stringValue == "accepted" }.count,
                "awaiting": invitations.filter { $0["answer"]?.stringValue == "awaiting" }.count,
                "overdue": invitations.filter { $0["overdue"]?.boolValue == true }.count + actions.filter { $0["overdue"]?.boolValue == true }.count,
                "actions": actions.count,
            ]
        }
        context["invitations"] = invitations.map { item -> [String: Any] in
            [
                "itemId": item.id.rawValue, "from": agencyName(item.messageSender.rawValue), "status": WebText.label(item.state.status.rawValue),
                "statusClass": WebText.tagClass(status: item.state.status.rawValue), "created": WebText.dateTime(item.createdAt),
                "due": item.state.dueAt.map(WebText.dateTime) ?? "", "overdue": item.state.dueAt.map { $0 <= now } ?? false,
            ]
        }
        return render("discussions", context)
    }

    // MARK: - What the agency sent

    func sent(_ request: Request, _ principal: Principal) async throws -> Response {
        let agency = principal.user.agency
        let before = request.uri.queryParameters["before"].flatMap { Int64(String($0)) }
        let messages = try await hub.store.read { reader in
            try reader.caseMessages(from: agency, before: before, limit: 51).map { message in (message, try reader.items(messageSequence: message.sequence)) }
        }
        var context = layout(principal, title: "Sent", section: "sent")
        context["messages"] = messages.prefix(50).map { message, items -> [String: Any] in
            let work = items.filter { $0.purpose != SystemPurpose.escalationNotice && $0.purpose != SystemPurpose.outcomeFeedback }
            let open = work.filter(\.isOpen).count
            let told = items.filter { $0.purpose == SystemPurpose.outcomeFeedback && $0.recipient == agency }.count
            return [
                "id": message.messageId.rawValue, "kind": WebText.label(message.kind.rawValue), "received": WebText.dateTime(message.receivedAt),
                "items": work.count, "open": open, "outcomes": told, "closed": !work.isEmpty && open == 0,
            ]
        }
        if messages.count > 50, let last = messages.prefix(50).last { context["next"] = "/ui/sent?before=\(last.0.sequence)" }
        return render("sent", context)
    }

    /// A sent message as the API's sender view shows it (reading it delivers its outcomes, as there).
    func sentMessage(_ text: String, _ principal: Principal) async throws -> Response {
        guard let id = MessageID(rawValue: text), let view = try await MessageRoutes(hub: hub).senderStatus(of: id, agency: principal.user.agency) else {
            throw WebFailure.notFound
        }
        var context = layout(principal, title: "Sent message", section: "sent")
        let loop = view["loop"]?.objectValue
        context["message"] = [
            "id": text, "kind": WebText.label(view["kind"]?.stringValue ?? ""), "received": WebText.dateTime(view["receivedAt"]?.stringValue) ?? "",
            "state": WebText.label(view["state"]?.stringValue ?? ""), "closed": loop?["closed"]?.boolValue ?? false,
            "openItems": Int(loop?["openItems"]?.numberValue ?? 0), "told": Int(loop?["outcomesToldToSender"]?.numberValue ?? 0),
        ]
        context["items"] = (view["items"]?.arrayValue ?? []).compactMap(\.objectValue).map { entry -> [String: Any] in
            var row: [String: Any] = [
                "recipient": agencyName(entry["recipient"]?.stringValue ?? ""), "purpose": WebText.label(entry["purpose"]?.stringValue ?? ""),
                "status": WebText.label(entry["status"]?.stringValue ?? ""), "statusClass": WebText.tagClass(status: entry["status"]?.stringValue ?? ""),
                "overdue": entry["overdue"]?.boolValue ?? false,
            ]
            if let owner = entry["owner"]?.objectValue?["name"]?.stringValue { row["owner"] = owner }
            if let outcome = entry["outcome"]?.objectValue {
                row["outcome"] = WebText.label(outcome["code"]?.stringValue ?? "")
                if let rationale = outcome["rationale"]?.stringValue { row["rationale"] = rationale }
                if let by = outcome["decidedBy"]?.stringValue { row["decidedBy"] = agencyName(by) }
            }
            return row
        }
        return render("sent-message", context)
    }
}
