import BatonCore
import BatonPolicy
import BatonSigning
import BatonStore
import Foundation

/// The JSON an item is read as: one summary shape for inbox entries, one full shape for its
/// recipient (the item API and pushed deliveries), one shape for the sender of its message. Content
/// from the message goes through ``Disclosure`` on every path.
struct ItemViews: Sendable {
    let disclosure: Disclosure
    let policies: PolicySet
    let registry: AgencyRegistry

    // MARK: - Summary (inbox)

    func summary(_ item: Item, at now: Date) -> JSONObject {
        var object = JSONObject()
        object["itemId"] = .string(item.id.rawValue)
        object["recipient"] = .string(item.recipient.rawValue)
        object["purpose"] = .string(item.purpose)
        object["kind"] = .string(item.kind.rawValue)
        object["status"] = .string(item.state.status.rawValue)
        if let risk = item.risk { object["risk"] = .string(risk.rawValue) }
        object["createdAt"] = .string(RFC3339.format(item.createdAt))
        if let dueAt = item.state.dueAt {
            object["dueAt"] = .string(RFC3339.format(dueAt))
            object["overdue"] = .bool(dueAt <= now)
        } else {
            object["overdue"] = false
        }
        if let step = item.state.nextStep { object["nextStep"] = .string(step.rawValue) }
        if let escalation = item.state.escalation { object["escalation"] = escalationJSON(escalation) }
        object["message"] = [
            "messageId": .string(item.messageId.rawValue), "sender": .string(item.messageSender.rawValue),
        ]
        if let related = item.relatedItem { object["relatedItem"] = .string(related.rawValue) }
        if let addressee = item.addressee {
            object["addressee"] = ["level": .number(Double(addressee.level)), "role": .string(addressee.role), "email": .string(addressee.email)]
        }
        return object
    }

    // MARK: - Recipient's view

    /// The item as its recipient reads it: state, deadlines, history and the message content it
    /// may see.
    /// `recorded` is the decision recorded when the item was made (nil when none was); a section is
    /// shown only if that and the current policy, for the reader's `role`, both allow it.
    func recipientView(
        _ item: Item, message: StoredMessage?, history: [ItemHistoryEntry], at now: Date, recorded: RecordedDisclosure? = nil,
        role: StaffRole? = nil
    ) -> JSONObject {
        var object = summary(item, at: now)
        object["deadlines"] = .array(item.state.deadlines.map(deadlineJSON))
        stateDetails(item, into: &object)
        if !item.details.isEmpty {
            object["details"] = .object(JSONObject(item.details.sorted { $0.key < $1.key }.map { .init(name: $0.key, value: .string($0.value)) }))
        }
        object["history"] = .array(history.map(historyJSON))
        if let message, item.showsMessageContent, let parsed = Self.parse(message) {
            object["content"] = .object(content(of: parsed, stored: message, for: item, recorded: recorded, role: role))
        }
        return object
    }

    /// The audit-log record of `view` (an item as its recipient reads it) having been read: the
    /// sections it showed and the people it named, by person id.
    func access(
        of view: JSONObject, item: Item, reader: AgencyID, role: StaffRole?, channel: String, in transaction: any StoreReader
    ) throws -> AccessRecord {
        let content = view["content"]?.objectValue
        let refs = Set(["subjects", "persons"].flatMap { content?[$0]?.arrayValue ?? [] }.compactMap { $0.objectValue?["ref"]?.stringValue })
        var persons: [PersonID] = []
        if !refs.isEmpty {
            persons = try transaction.mentions(messageSequence: item.messageSequence).filter { refs.contains($0.ref) }.map(\.person)
        }
        return AccessRecord(
            channel: channel, resource: "item", reader: reader, role: (role ?? .lead).rawValue, item: item.id, messageSequence: item.messageSequence,
            persons: Array(Set(persons)).sorted(),
            sections: content?["sections"]?.arrayValue?.compactMap { $0.objectValue?["label"]?.stringValue } ?? [],
            basis: content?["consent"]?.objectValue?["basis"]?.stringValue, purpose: item.purpose)
    }

    func stateDetails(_ item: Item, into object: inout JSONObject) {
        if let owner = item.state.owner { object["owner"] = ownerJSON(owner) }
        if let decision = item.state.decision { object["decision"] = outcomeJSON(decision) }
        if let proposed = item.state.proposedOutcome { object["proposedOutcome"] = outcomeJSON(proposed) }
        if let outcome = item.state.outcome { object["outcome"] = outcomeJSON(outcome) }
        if let hold = item.state.hold {
            var holdObject: JSONObject = ["awaiting": .string(hold.awaiting), "reviewAt": .string(RFC3339.format(hold.reviewAt)), "since": .string(RFC3339.format(hold.since))]
            if let reason = hold.reason { holdObject["reason"] = .string(reason) }
            object["onHold"] = .object(holdObject)
        }
        if let closure = item.state.closure {
            object["closed"] = ["at": .string(RFC3339.format(closure.at)), "by": actorJSON(closure.by), "reason": .string(closure.reason)]
        }
    }

    /// What of the message the item's recipient may see.
    func content(of message: Message, stored: StoredMessage, for item: Item, recorded: RecordedDisclosure? = nil, role: StaffRole? = nil) -> JSONObject {
        var object = JSONObject()
        let reader = item.recipient
        var referrer: JSONObject = ["agency": .string(message.from.agency.rawValue)]
        if disclosure.showsReferrer(of: message, to: reader) {
            if let person = message.from.person {
                if let name = person.name { referrer["name"] = .string(name) }
                if let role = person.role { referrer["role"] = .string(role) }
                if let email = person.email { referrer["email"] = .string(email) }
                if let phone = person.phone { referrer["phone"] = .string(phone) }
            }
            if message.referrerAnonymous { referrer["anonymous"] = true }
        } else {
            referrer["anonymous"] = true
            referrer["note"] = "The referrer asked to stay anonymous; only the MASH sees who they are."
        }
        object["referrer"] = .object(referrer)
        let subjects = Set(item.subjects)
        object["subjects"] = .array(message.subjects.filter { subjects.isEmpty || subjects.contains($0.ref) }.map { .object(mentionJSON($0)) })
        let hidden = disclosure.hiddenPersons(of: message, from: reader)
        let doNotInform = Set(message.doNotInform)
        object["persons"] = .array(message.persons.filter { !hidden.contains($0.ref) }.map { mention in
            var json = mentionJSON(mention)
            if doNotInform.contains(mention.ref) {
                json["doNotInform"] = true
                json["note"] = "Must not be told of this message or contacted about it."
            }
            return .object(json)
        })
        object["relationships"] = .array(message.relationships.filter { !hidden.contains($0.from) && !hidden.contains($0.to) }.map {
            ["from": .string($0.from), "to": .string($0.to), "role": .string($0.role.rawValue)]
        })
        if hidden.count > 0 {
            object["personsWithheld"] = .number(Double(hidden.count))
        }
        switch message.body {
        case .referral(let concern): object["concern"] = .object(concernJSON(concern))
        case .notification(let details): object["notification"] = .object(notificationJSON(details))
        case .informationRequest(let request):
            var json: JSONObject = [
                "rag": .string(request.rag.rawValue), "reason": .string(request.reason),
                "recipients": .array(request.recipients.map { .string($0.rawValue) }),
            ]
            if !request.questions.isEmpty { json["questions"] = .array(request.questions.map(JSONValue.string)) }
            object["request"] = .object(json)
        case .informationResponse(let response):
            var json: JSONObject = ["nothingKnown": .bool(response.nothingKnown)]
            if let summary = response.summary { json["summary"] = .string(summary) }
            object["response"] = .object(json)
        case .strategyDiscussionRequest(let request):
            var json: JSONObject = ["reason": .string(request.reason), "urgency": .string(request.urgency.rawValue)]
            if !request.proposedParticipants.isEmpty { json["proposedParticipants"] = .array(request.proposedParticipants.map { .string($0.rawValue) }) }
            object["discussion"] = .object(json)
        default: break
        }
        if let consent = message.consent {
            var consentObject: JSONObject = ["status": .string(consent.status.rawValue), "basis": .string(consent.basis.rawValue)]
            if let reason = consent.reasonNotSought { consentObject["reasonNotSought"] = .string(reason) }
            if !consent.purposes.isEmpty { consentObject["purposes"] = .array(consent.purposes.map(JSONValue.string)) }
            object["consent"] = .object(consentObject)
        }
        let decisions = disclosure.sections(of: message, for: item, recorded: recorded, role: role)
        let shown = Set(decisions.filter(\.shown).map(\.label))
        object["sections"] = .array(message.sections.filter { shown.contains($0.label) }.map {
            ["label": .string($0.label), "content": .object($0.content)]
        })
        // Withheld sections are counted by reason, never named: that a section of some kind exists
        // can itself be what must not be shared. Which rule decided each section is the
        // auditors' (the decision record), not the recipient's.
        var withheld: [String: Int] = [:]
        var reasons: [String] = []
        for decision in decisions where !decision.shown {
            if withheld[decision.reason] == nil { reasons.append(decision.reason) }
            withheld[decision.reason, default: 0] += 1
        }
        object["withheld"] = .array(reasons.map { ["reason": .string($0), "sections": .number(Double(withheld[$0] ?? 0))] })
        object["disclosure"] = [
            "policyVersion": .string(String(policies.version.prefix(16))),
            "decidedUnder": recorded.map { .string(String($0.policyVersion.prefix(16))) } ?? .null,
            "basis": message.consent.map { .string($0.basis.rawValue) } ?? .null,
            "shown": .number(Double(decisions.filter(\.shown).count)), "withheld": .number(Double(decisions.filter { !$0.shown }.count)),
        ]
        return object
    }

    // MARK: - Sender's view

    /// A message as its sender reads it: each item's recipient, state, deadlines and, once closed,
    /// the outcome the sender may know; and whether the loop is closed.
    /// `responses`: for an information request, the notices carrying each partner's answer, by the
    /// item they answered.
    func senderView(_ stored: StoredMessage, items: [Item], responses: [ItemID: Item] = [:], at now: Date) -> JSONObject {
        var object: JSONObject = [
            "messageId": .string(stored.messageId.rawValue),
            "kind": .string(stored.kind.rawValue),
            "sentAt": .string(RFC3339.format(stored.sentAt)),
            "receivedAt": .string(RFC3339.format(stored.receivedAt)),
            "sha256": .string(stored.sha256),
            "sequence": .number(Double(stored.sequence)),
            "receipt": .string(stored.receipt),
        ]
        if let subjects = stored.summary?.objectValue?["subjects"] { object["subjects"] = subjects }
        if let about = stored.summary?.objectValue?["about"] { object["about"] = about }
        let feedback = items.filter { $0.purpose == SystemPurpose.outcomeFeedback && $0.recipient == stored.sender }
        let work = items.filter { $0.purpose != SystemPurpose.escalationNotice && $0.purpose != SystemPurpose.outcomeFeedback }
        object["items"] = .array(work.map { item in
            var entry = summary(item, at: now)
            entry["message"] = nil
            entry["deadlines"] = .array(item.state.deadlines.map(deadlineJSON))
            if let owner = item.state.owner { entry["owner"] = ownerJSON(owner) }
            if let hold = item.state.hold {
                entry["onHold"] = ["awaiting": .string(hold.awaiting), "reviewAt": .string(RFC3339.format(hold.reviewAt))]
            }
            if let notice = responses[item.id] {
                var answer: JSONObject = [
                    "responseItem": .string(notice.id.rawValue), "responseMessage": .string(notice.messageId.rawValue),
                    "nothingKnown": .bool(notice.details["nothingKnown"] == "true"), "answeredAt": .string(RFC3339.format(notice.createdAt)),
                    "read": .bool(notice.state.status == .completed),
                ]
                if let code = item.state.outcome?.code { answer["code"] = .string(code) }
                entry["response"] = .object(answer)
            }
            if let told = feedback.first(where: { $0.relatedItem == item.id }) {
                entry["outcome"] = .object(feedbackJSON(told))
            } else if let closure = item.state.closure, item.state.status != .completed {
                entry["closed"] = ["at": .string(RFC3339.format(closure.at)), "status": .string(item.state.status.rawValue)]
            }
            return .object(entry)
        })
        if stored.kind == .informationRequest {
            let asked = work.filter { $0.purpose == SystemPurpose.informationRequest }
            func agencies(_ items: [Item]) -> JSONValue { .array(items.map { .string($0.recipient.rawValue) }) }
            object["informationRequest"] = [
                "rag": asked.first?.details["rag"].map(JSONValue.string) ?? .null,
                "asked": .number(Double(asked.count)),
                "answered": agencies(asked.filter { responses[$0.id] != nil && responses[$0.id]?.details["nothingKnown"] != "true" }),
                "nothingKnown": agencies(asked.filter { responses[$0.id]?.details["nothingKnown"] == "true" }),
                "awaiting": agencies(asked.filter(\.isOpen)),
                "overdue": agencies(asked.filter { $0.isOpen && ($0.state.dueAt.map { $0 <= now } ?? false) }),
                "declined": agencies(asked.filter { $0.state.status == .rejected }),
            ]
        }
        let open = items.filter(\.isOpen)
        object["state"] = .string(items.isEmpty ? "received" : open.isEmpty ? "closed" : "open")
        object["loop"] = [
            "closed": .bool(!items.isEmpty && open.isEmpty),
            "openItems": .number(Double(open.filter { $0.purpose != SystemPurpose.escalationNotice }.count)),
            "outcomesToldToSender": .number(Double(feedback.filter { $0.state.status == .completed }.count)),
            "outcomesAwaitingDelivery": .number(Double(feedback.filter(\.isOpen).count)),
        ]
        return object
    }

    func feedbackJSON(_ notice: Item) -> JSONObject {
        var object: JSONObject = ["feedbackItem": .string(notice.id.rawValue)]
        for key in ["outcome", "rationale", "decidedBy", "transferredTo"] {
            if let value = notice.details[key] { object[key == "outcome" ? "code" : key] = .string(value) }
        }
        object["delivered"] = .bool(notice.state.status == .completed)
        return object
    }

    // MARK: - Pieces

    static func parse(_ stored: StoredMessage) -> Message? {
        guard let jws = try? CompactJWS.parse(stored.jws, maxPayloadBytes: Int.max), let payload = try? jws.payload(),
            let json = try? StrictJSON.parse(payload), case .success(let message) = MessageValidator.validate(json)
        else { return nil }
        return message
    }

    func deadlineJSON(_ deadline: Deadline) -> JSONValue {
        var object: JSONObject = ["step": .string(deadline.kind.rawValue), "dueAt": .string(RFC3339.format(deadline.dueAt))]
        if let met = deadline.metAt { object["metAt"] = .string(RFC3339.format(met)) }
        if let breached = deadline.breachedAt { object["breachedAt"] = .string(RFC3339.format(breached)) }
        if deadline.pausedRemaining != nil { object["paused"] = true }
        return .object(object)
    }

    func escalationJSON(_ escalation: Escalation) -> JSONValue {
        [
            "level": .number(Double(escalation.level)), "overdueStep": .string(escalation.deadline.rawValue),
            "overdueSince": .string(RFC3339.format(escalation.overdueSince)), "nextLevelAt": .string(RFC3339.format(escalation.nextAt)),
        ]
    }

    func ownerJSON(_ owner: Owner) -> JSONValue {
        var object: JSONObject = ["name": .string(owner.name)]
        if let role = owner.role { object["role"] = .string(role) }
        return .object(object)
    }

    func actorJSON(_ actor: Actor) -> JSONValue {
        var object: JSONObject = ["kind": .string(actor.kind.rawValue)]
        if let agency = actor.agency { object["agency"] = .string(agency.rawValue) }
        if let name = actor.name { object["name"] = .string(name) }
        if let role = actor.role { object["role"] = .string(role) }
        if let message = actor.messageId { object["messageId"] = .string(message.rawValue) }
        return .object(object)
    }

    func outcomeJSON(_ outcome: RecordedOutcome) -> JSONValue {
        var object: JSONObject = [
            "code": .string(outcome.code), "rationale": .string(outcome.rationale), "by": actorJSON(outcome.by),
            "at": .string(RFC3339.format(outcome.at)),
        ]
        if let signer = outcome.signedOffBy { object["signedOffBy"] = actorJSON(signer) }
        if let target = outcome.transferTo { object["transferTo"] = .string(target.rawValue) }
        if let purpose = outcome.transferPurpose { object["transferPurpose"] = .string(purpose) }
        return .object(object)
    }

    func historyJSON(_ entry: ItemHistoryEntry) -> JSONValue {
        var object: JSONObject = [
            "version": .number(Double(entry.version)), "at": .string(RFC3339.format(entry.at)), "event": .string(entry.event),
            "status": .string(entry.status.rawValue), "actor": actorJSON(entry.actor),
        ]
        if !entry.detail.isEmpty {
            object["detail"] = .object(JSONObject(entry.detail.sorted { $0.key < $1.key }.map { .init(name: $0.key, value: .string($0.value)) }))
        }
        return .object(object)
    }

    func mentionJSON(_ mention: Mention) -> JSONObject {
        var object: JSONObject = ["ref": .string(mention.ref)]
        if let value = mention.givenName { object["givenName"] = .string(value) }
        if let value = mention.familyName { object["familyName"] = .string(value) }
        if !mention.otherNames.isEmpty { object["otherNames"] = .array(mention.otherNames.map(JSONValue.string)) }
        if let value = mention.dateOfBirth { object["dateOfBirth"] = .string(value.description) }
        if let value = mention.sex { object["sex"] = .string(value.rawValue) }
        if let value = mention.nhsNumber { object["nhsNumber"] = .string(value) }
        if let value = mention.upn { object["upn"] = .string(value) }
        if !mention.localIds.isEmpty {
            object["localIds"] = .array(mention.localIds.map { ["system": .string($0.system), "value": .string($0.value)] })
        }
        if let address = mention.address {
            var addressObject: JSONObject = ["lines": .array(address.lines.map(JSONValue.string))]
            if let postcode = address.postcode { addressObject["postcode"] = .string(postcode) }
            object["address"] = .object(addressObject)
        }
        if let urn = mention.schoolURN { object["school"] = ["urn": .string(urn)] }
        if let ods = mention.gpODS { object["gp"] = ["ods": .string(ods)] }
        return object
    }

    func concernJSON(_ concern: Concern) -> JSONObject {
        var object: JSONObject = ["categories": .array(concern.categories.map { .string($0.rawValue) })]
        if let summary = concern.summary { object["summary"] = .string(summary) }
        if let seen = concern.childSeen { object["childSeen"] = .bool(seen) }
        if let alone = concern.childSeenAlone { object["childSeenAlone"] = .bool(alone) }
        if let voice = concern.childsVoice { object["childsVoice"] = .string(voice) }
        var risk: JSONObject = ["level": .string(concern.risk.level.rawValue)]
        if let tool = concern.risk.tool { risk["tool"] = .string(tool) }
        if let version = concern.risk.toolVersion { risk["toolVersion"] = .string(version) }
        if let assessor = concern.risk.assessedBy { risk["assessedBy"] = .string(assessor) }
        object["risk"] = .object(risk)
        if let incident = concern.incidentAt { object["incidentAt"] = .string(RFC3339.format(incident)) }
        return object
    }

    func notificationJSON(_ details: NotificationDetails) -> JSONObject {
        var object: JSONObject = ["type": .string(details.type.rawValue), "occurredAt": .string(RFC3339.format(details.occurredAt))]
        if let present = details.childPresent { object["childPresent"] = .bool(present) }
        if let summary = details.summary { object["summary"] = .string(summary) }
        if let plan = details.plan { object["plan"] = .string(plan.rawValue) }
        return object
    }
}

extension Item {
    /// Work about the message's children shows the message's content; notices and disagreements
    /// refer to items their readers already have.
    var showsMessageContent: Bool {
        (kind == .action && purpose != SystemPurpose.disagreement) || purpose == SystemPurpose.informationResponse
    }
}
