import BatonCore
import BatonIdentity
import BatonPolicy
import BatonStore
import Foundation

/// JSON views of people, reviews, merges and chronologies (for the MASH; see ``PersonRoutes``).
struct PersonViews {
    let hub: BatonHub

    /// A person: identity as recorded (distinct normalised names and dates of birth), the people
    /// around them, households, counters, open reviews and merges. Nil if unknown.
    func person(_ requested: PersonID, at now: Date, in reader: any StoreReader) throws -> JSONObject? {
        guard let id = try hub.identity.livePerson(requested, in: reader), let record = try reader.person(id) else { return nil }
        let mentions = try reader.mentions(of: id)
        let records = mentions.compactMap(IdentityService.record(of:))
        var view: JSONObject = [
            "id": .string(id.rawValue), "kind": .string(record.kind), "createdAt": .string(RFC3339.format(record.createdAt)),
            "mentions": .number(Double(mentions.count)),
        ]
        if requested != id { view["requested"] = .string(requested.rawValue) }
        var names = Set<String>()
        var births = Set<String>()
        var identifiers = Set<String>()
        for record in records {
            let name = (record.given + record.surname).joined(separator: " ")
            if !name.isEmpty { names.insert(name) }
            if let dob = record.dob { births.insert(dob.description) }
            identifiers.formUnion(record.exactIdentifiers.filter { !$0.hasPrefix("email:") && !$0.hasPrefix("phone:") && !$0.hasPrefix("user:") })
        }
        view["namesRecorded"] = .array(names.sorted().map(JSONValue.string))
        view["datesOfBirthRecorded"] = .array(births.sorted().map(JSONValue.string))
        view["identifiers"] = .array(identifiers.sorted().map(JSONValue.string))
        view["agencies"] = .array(Set(try mentions.compactMap { try reader.message(sequence: $0.messageSequence)?.sender.rawValue }).sorted().map(JSONValue.string))

        view["relationships"] = .array(try reader.relationships(of: id).map { relationship in
            let other = relationship.from == id ? relationship.to : relationship.from
            return [
                "person": .string(other.rawValue),
                // "the person is the <role> of this person" or "this person is the <role> of the person".
                "direction": .string(relationship.from == id ? "this-person-is" : "is-this-persons"),
                "role": .string(relationship.role), "messageSequence": .number(Double(relationship.messageSequence)),
                "at": .string(RFC3339.format(relationship.at)),
            ]
        })
        view["households"] = .array(try reader.households(of: id).map { household in
            [
                "household": .string(household.household), "lastRecordedAt": .string(RFC3339.format(household.at)),
                "members": .array(try reader.members(ofHousehold: household.household).map { .string($0.rawValue) }),
            ]
        })
        view["counters"] = .array(try counters(of: id, at: now, in: reader))
        view["openReviews"] = .array(try reader.openReviews(involving: id).map { .string($0.id) })
        view["merges"] = .array(try reader.merges(involving: id).map { .object(Self.merge($0)) })
        return view
    }

    /// Each counter of policies/cumulative-harm.yaml over the person's chronology now.
    func counters(of person: PersonID, at now: Date, in reader: any StoreReader) throws -> [JSONValue] {
        let policy = hub.policies.cumulativeHarm
        return try policy.counters.map { counter in
            let since = counter.window.start(endingAt: now, calendar: hub.policies.calendar.gregorian)
            var entry: JSONObject = [
                "name": .string(counter.name), "count": .number(Double(try reader.eventCount(person: person, events: counter.events, since: since))),
                "window": .string(counter.window.description), "since": .string(RFC3339.format(since)),
            ]
            if let alert = policy.alerts.first(where: { $0.counter == counter.name }) { entry["alertAt"] = .number(Double(alert.atLeast)) }
            return .object(entry)
        }
    }

    /// A review with the mention's record and the candidate's closest record side by side.
    func review(_ review: IdentityReview, in reader: any StoreReader) throws -> JSONObject {
        var view: JSONObject = [
            "id": .string(review.id), "status": .string(review.status.rawValue), "createdAt": .string(RFC3339.format(review.createdAt)),
            "person": .string(review.person.rawValue), "candidate": .string(review.candidate.rawValue), "basis": .string(review.basis),
            "probability": .number(review.probability), "weight": .number((review.weight * 100).rounded() / 100),
            "reasons": .array(review.reasons.map(JSONValue.string)),
        ]
        if let link = try reader.mention(review.mention), let message = try reader.message(sequence: link.messageSequence) {
            view["mention"] = [
                "messageId": .string(message.messageId.rawValue), "sender": .string(message.sender.rawValue), "ref": .string(link.ref),
                "role": .string(link.role), "receivedAt": .string(RFC3339.format(message.receivedAt)),
            ]
            if let record = IdentityService.record(of: link) {
                let candidate = try hub.identity.livePerson(review.candidate, in: reader) ?? review.candidate
                let others = try reader.mentions(of: candidate).compactMap(IdentityService.record(of:))
                view["comparison"] = .array(sideBySide(record, others))
            }
        }
        if let decidedAt = review.decidedAt { view["decidedAt"] = .string(RFC3339.format(decidedAt)) }
        if let actor = review.decidedBy { view["decidedBy"] = .object(Self.actor(actor)) }
        if let reason = review.reason { view["reason"] = .string(reason) }
        if let merge = review.mergeID { view["merge"] = .string(merge) }
        return view
    }

    /// Field by field: the mention's value, the candidate's (from their closest record) and the
    /// agreement level the matcher gave it.
    func sideBySide(_ record: MatchRecord, _ candidates: [MatchRecord]) -> [JSONValue] {
        let resolver = hub.identity.resolver
        let weights = resolver.model.weights
        guard let closest = candidates.max(by: {
            resolver.model.weight(resolver.comparator.compare(record, $0), weights: weights)
                < resolver.model.weight(resolver.comparator.compare(record, $1), weights: weights)
        }) else { return [] }
        let vector = resolver.comparator.compare(record, closest)
        func value(_ field: MatchField, _ r: MatchRecord) -> JSONValue {
            let text: String? = switch field {
            case .given: r.given.isEmpty ? nil : r.given.joined(separator: " ")
            case .surname: r.surname.isEmpty ? nil : r.fullSurname
            case .dob: r.dob?.description
            case .sex: r.sex?.rawValue
            case .postcode: r.postcode
            case .address: r.address
            case .town: r.town
            case .otherID: r.otherID
            case .online: r.online.isEmpty ? nil : r.online.joined(separator: ", ")
            }
            return text.map(JSONValue.string) ?? .null
        }
        var rows: [JSONValue] = MatchField.allCases.map { field in
            let level = vector[field]
            return [
                "field": .string(field.rawValue), "mention": value(field, record), "candidate": value(field, closest),
                "agreement": level.map { .string(field.levels[$0]) } ?? .string("not-compared"),
            ]
        }
        for (name, a, b) in [("nhs-number", record.nhs, closest.nhs), ("upn", record.upn, closest.upn)] where a != nil || b != nil {
            let agreement = a == nil || b == nil ? "not-compared" : (a == b ? "exact" : "different")
            rows.append(["field": .string(name), "mention": a.map(JSONValue.string) ?? .null, "candidate": b.map(JSONValue.string) ?? .null,
                "agreement": .string(agreement)])
        }
        return rows
    }

    static func merge(_ merge: PersonMerge) -> JSONObject {
        var view: JSONObject = [
            "id": .string(merge.id), "survivor": .string(merge.survivor.rawValue), "merged": .string(merge.merged.rawValue),
            "at": .string(RFC3339.format(merge.at)), "by": .object(actor(merge.actor)), "reason": .string(merge.reason),
            "movedMentions": .number(Double(merge.movedMentions.count)),
            "state": .string(merge.undoneAt == nil ? "in-force" : "undone"),
        ]
        if let review = merge.reviewID { view["review"] = .string(review) }
        if let undoneAt = merge.undoneAt { view["undoneAt"] = .string(RFC3339.format(undoneAt)) }
        if let by = merge.undoneBy { view["undoneBy"] = .object(actor(by)) }
        if let reason = merge.undoReason { view["undoReason"] = .string(reason) }
        return view
    }

    static func actor(_ actor: Actor) -> JSONObject {
        var view: JSONObject = ["kind": .string(actor.kind.rawValue)]
        if let agency = actor.agency { view["agency"] = .string(agency.rawValue) }
        if let name = actor.name { view["name"] = .string(name) }
        if let role = actor.role { view["role"] = .string(role) }
        return view
    }

    static func sharedItem(_ item: Item) -> JSONObject {
        [
            "itemId": .string(item.id.rawValue), "recipient": .string(item.recipient.rawValue), "purpose": .string(item.purpose),
            "createdAt": .string(RFC3339.format(item.createdAt)), "status": .string(item.state.status.rawValue),
            "messageSequence": .number(Double(item.messageSequence)),
        ]
    }

    static func entry(_ entry: ChronologyEntry) -> JSONObject {
        var view: JSONObject = [
            "type": .string(entry.kind.rawValue), "at": .string(RFC3339.format(entry.at)), "agency": .string(entry.agency.rawValue),
            "messageSequence": .number(Double(entry.messageSequence)),
        ]
        switch entry.kind {
        case .message:
            view["kind"] = .string(entry.what)
            view["events"] = .array(entry.detail.map(JSONValue.string))
            view["role"] = .string(entry.reference)
        case .item:
            view["purpose"] = .string(entry.what)
            view["status"] = .string(entry.detail.first ?? "")
            view["itemId"] = .string(entry.reference)
        }
        return view
    }
}
