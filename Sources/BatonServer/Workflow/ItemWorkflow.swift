import BatonCore
import BatonPolicy
import BatonSigning
import BatonStore
import Foundation

/// What a new item is: everything but its deadlines, which policy decides.
struct NewItem {
    var messageSequence: Int64
    var messageSender: AgencyID
    var messageId: MessageID
    var recipient: AgencyID
    var purpose: String
    var kind: ItemKind = .action
    var subjects: [String]
    var subjectPersons: [PersonID] = []
    var risk: RiskLevel?
    var origin: String
    var relatedItem: ItemID?
    var addressee: EscalationStep?
    var feedbackTo: AgencyID?
    var deadlineClass: String
    var details: [String: String] = [:]
    /// The local authority whose school terms apply (the child's school's).
    var schoolAuthority: String?
    /// An outcome deadline agreed elsewhere (a strategy discussion's action), instead of the class's.
    var outcomeDueAt: Date?
}

/// Carries out the item state machine's decisions inside a store transaction: creates items with
/// their deadlines, applies events, records history, and turns effects into escalation notices,
/// triage items, feedback to referrers and pushes. Every path that changes an item goes through
/// here, so none can skip history, escalation or delivery.
struct ItemWorkflow: Sendable {
    let policies: PolicySet
    let registry: AgencyRegistry
    let identifiers: any IdentifierSource

    /// Creates an item, writes it with its first history entry and queues its push.
    @discardableResult
    func create(_ spec: NewItem, at now: Date, by actor: Actor = .hub, in transaction: any StoreTransaction) throws -> Item {
        guard let deadlineClass = policies.sla[spec.deadlineClass] else {
            throw Problem(.internalError, "The deadline class '\(spec.deadlineClass)' is missing from sla.yaml.")
        }
        let recipient = registry.agency(spec.recipient)
        let schoolAuthority = recipient?.type == .school ? recipient?.codes["la"] : spec.schoolAuthority
        var deadlines = deadlineClass.deadlines(from: now, calendar: policies.calendar, schoolAuthority: schoolAuthority)
        if let due = spec.outcomeDueAt {
            deadlines.removeAll { $0.kind == .outcome }
            deadlines.append(Deadline(kind: .outcome, dueAt: due))
        }
        let terms = ItemTerms(
            deadlineClass: deadlineClass.name, escalateEvery: deadlineClass.escalateEvery, signOff: deadlineClass.signOff,
            ladderLength: recipient?.escalation.count ?? 0, schoolAuthority: schoolAuthority)
        let item = Item(
            id: ItemID(identifiers.newUUID()), messageSequence: spec.messageSequence, messageSender: spec.messageSender,
            messageId: spec.messageId, recipient: spec.recipient, purpose: spec.purpose, kind: spec.kind, subjects: spec.subjects,
            risk: spec.risk, createdAt: now, origin: spec.origin, relatedItem: spec.relatedItem, addressee: spec.addressee,
            feedbackTo: spec.feedbackTo, terms: terms, details: spec.details, deadlines: deadlines)
        var detail = ["origin": spec.origin, "purpose": spec.purpose, "deadlines": deadlineClass.name]
        if let related = spec.relatedItem { detail["relatedItem"] = related.rawValue }
        let history = ItemHistoryEntry(
            itemID: item.id, version: item.state.version, at: now, event: "created", status: item.state.status, actor: actor,
            detail: detail, messageSequence: spec.messageSequence)
        try transaction.apply(.insertItem(item, subjects: spec.subjectPersons, history: history))
        try queueDelivery(of: item, reason: "new", at: now, in: transaction)
        return item
    }

    /// Applies `event` to `item`, writes the change with its history entry, and carries out the
    /// effects. Returns the item as it now is. A transition the state machine refuses is a 409
    /// problem; nothing is written.
    @discardableResult
    func apply(
        _ event: ItemEvent, to item: Item, at now: Date, messageSequence: Int64? = nil, in transaction: any StoreTransaction
    ) throws -> Item {
        var changed = item
        let effects: [ItemEffect]
        do {
            effects = try changed.apply(event, at: now, calendar: policies.calendar)
        } catch {
            throw Problem(.itemStateConflict, error.description)
        }
        guard changed.state != item.state else { return item }
        let (name, detail) = describe(event, effects: effects, item: changed)
        let history = ItemHistoryEntry(
            itemID: changed.id, version: changed.state.version, at: now, event: name, status: changed.state.status,
            actor: event.actor, detail: detail, messageSequence: messageSequence)
        try transaction.apply(.updateItem(changed, history: history))
        for effect in effects {
            try carryOut(effect, for: changed, at: now, in: transaction)
        }
        if changed.state.status == .completed, let outcome = changed.state.outcome, let target = outcome.transferTo {
            try transfer(changed, to: target, purpose: outcome.transferPurpose, at: now, in: transaction)
        }
        if changed.purpose == SystemPurpose.strategyAction, !changed.isOpen {
            try closeDiscussionIfDone(after: changed, at: now, in: transaction)
        }
        if changed.purpose == SystemPurpose.strategyDiscussion, !changed.isOpen {
            // A discussion that will not be held (rejected, cancelled, in error) releases its
            // invitations; one that was held closed them with its record.
            for invitation in try transaction.items(relatedTo: changed.id) where invitation.purpose == SystemPurpose.strategyInvitation && invitation.isOpen {
                try apply(.cancelled(by: event.actor, reason: "The discussion was \(changed.state.status.rawValue): \(changed.state.closure?.reason ?? "no reason recorded")."),
                    to: invitation, at: now, in: transaction)
            }
        }
        return changed
    }

    func carryOut(_ effect: ItemEffect, for item: Item, at now: Date, in transaction: any StoreTransaction) throws {
        switch effect {
        case .escalate(let level, let deadline, let overdueSince):
            let ladder = registry.agency(item.recipient)?.escalation ?? []
            let rung = ladder.isEmpty ? nil : ladder[min(level, ladder.count) - 1]
            try create(NewItem(
                messageSequence: item.messageSequence, messageSender: item.messageSender, messageId: item.messageId,
                recipient: item.recipient, purpose: SystemPurpose.escalationNotice, kind: .notice, subjects: item.subjects,
                risk: item.risk, origin: "escalation", relatedItem: item.id, addressee: rung, deadlineClass: "escalation-notice",
                details: [
                    "level": String(level), "overdueStep": deadline.rawValue, "overdueSince": RFC3339.format(overdueSince),
                    "itemPurpose": item.purpose,
                ],
                schoolAuthority: item.terms.schoolAuthority), at: now, in: transaction)

        case .resolveEscalation(let reason):
            for notice in try transaction.items(relatedTo: item.id) where notice.purpose == SystemPurpose.escalationNotice && notice.isOpen {
                try apply(.resolved(reason: reason), to: notice, at: now, in: transaction)
            }

        case .returnToTriage(let reason):
            try create(NewItem(
                messageSequence: item.messageSequence, messageSender: item.messageSender, messageId: item.messageId,
                recipient: policies.routing.triage, purpose: SystemPurpose.triage, subjects: item.subjects, risk: item.risk,
                origin: "rejected", relatedItem: item.id, feedbackTo: item.feedbackTo, deadlineClass: "triage",
                details: ["rejectedBy": item.recipient.rawValue, "rejectedPurpose": item.purpose, "reason": reason],
                schoolAuthority: item.terms.schoolAuthority), at: now, in: transaction)

        case .tellReferrer(let outcome):
            guard let referrer = item.feedbackTo else { return }
            let view = policies.outcomes[outcome.code]?.tellReferrer ?? .code
            var details = ["outcome": outcome.code, "decidedBy": item.recipient.rawValue, "itemPurpose": item.purpose]
            if view == .codeAndRationale { details["rationale"] = outcome.rationale }
            if let target = outcome.transferTo { details["transferredTo"] = target.rawValue }
            try create(NewItem(
                messageSequence: item.messageSequence, messageSender: item.messageSender, messageId: item.messageId,
                recipient: referrer, purpose: SystemPurpose.outcomeFeedback, kind: .notice, subjects: item.subjects,
                risk: item.risk, origin: "outcome", relatedItem: item.id, deadlineClass: "outcome-feedback", details: details,
                schoolAuthority: item.terms.schoolAuthority), at: now, in: transaction)

        case .notifyRecipient(let reason):
            try queueDelivery(of: item, reason: reason, at: now, in: transaction)
        }
    }

    /// A strategy discussion closes, with its decision as the outcome, once every agreed action is
    /// closed.
    func closeDiscussionIfDone(after action: Item, at now: Date, in transaction: any StoreTransaction) throws {
        guard let id = action.relatedItem, let discussion = try transaction.item(id), discussion.purpose == SystemPurpose.strategyDiscussion,
            discussion.isOpen, let decision = discussion.state.decision
        else { return }
        let actions = try transaction.items(relatedTo: id).filter { $0.purpose == SystemPurpose.strategyAction }
        guard actions.allSatisfy({ !$0.isOpen }) else { return }
        let done = actions.filter { $0.state.status == .completed }.count
        try apply(
            .outcomeRecorded(
                by: .hub, code: decision.code,
                rationale: "Every agreed action is closed (\(done) of \(actions.count) completed). The decision: \(decision.rationale)", needsSignOff: false),
            to: discussion, at: now, in: transaction)
    }

    /// The local authority whose school terms apply to a child: its registered school's.
    func schoolAuthority(of child: ChildContext) -> String? {
        guard let urn = child.schoolURN else { return nil }
        return registry.agencies.values.first { $0.codes["urn"] == urn }?.codes["la"]
    }

    /// Agencies a message names to receive items (an information request's recipients, a
    /// discussion's proposed participants) must be registered, and none may be an agency a
    /// do-not-inform person of the message is known to: 422 with each one's pointer otherwise.
    func requireReachable(_ agencies: [AgencyID], named pointer: JSONPointer, by message: Message, refusal: String) throws {
        let barred = Disclosure(registry: registry, policies: policies).agenciesKnowingBarredPersons(of: message)
        var problems: [ValidationProblem] = []
        for (index, agency) in agencies.enumerated() {
            if registry.agency(agency) == nil {
                problems.append(ValidationProblem(pointer: pointer / index, problem: "is not a registered agency"))
            } else if barred.contains(agency) {
                problems.append(ValidationProblem(
                    pointer: pointer / index, problem: "is an agency a do-not-inform person of the message is known to; involve it without naming them"))
            }
        }
        guard problems.isEmpty else { throw Problem(.invalidMessage, refusal, errors: problems) }
    }

    /// Passes completed work on: a new item for `target`, from the same message.
    func transfer(_ item: Item, to target: AgencyID, purpose: String?, at now: Date, in transaction: any StoreTransaction) throws {
        let purposeName = purpose ?? item.purpose
        guard let purpose = policies.routing.purposes[purposeName] else {
            throw Problem(.invalidMessage, "A transfer needs a purpose from routing.yaml.",
                errors: [ValidationProblem(pointer: "/outcome/transferPurpose", problem: "must be one of: \(policies.routing.purposes.keys.sorted().joined(separator: ", "))")])
        }
        try create(NewItem(
            messageSequence: item.messageSequence, messageSender: item.messageSender, messageId: item.messageId, recipient: target,
            purpose: purpose.name, subjects: item.subjects, risk: item.risk, origin: "transfer", relatedItem: item.id,
            feedbackTo: item.feedbackTo, deadlineClass: purpose.deadlines, details: ["transferredBy": item.recipient.rawValue],
            schoolAuthority: item.terms.schoolAuthority), at: now, in: transaction)
    }

    /// Queues a push of `item` to its recipient, if the recipient has an endpoint and no push of
    /// the item is already waiting (a waiting push sends the item as it is when it goes).
    func queueDelivery(of item: Item, reason: String, at now: Date, in transaction: any StoreTransaction) throws {
        guard registry.agency(item.recipient)?.endpoint != nil else { return }
        if try transaction.deliveries(of: item.id).contains(where: { $0.state == .pending }) { return }
        let delivery = Delivery(id: identifiers.newUUID().uuidString.lowercased(), agency: item.recipient, itemID: item.id, reason: reason, createdAt: now)
        try transaction.apply(.insertDelivery(delivery))
    }

    /// The history entry's name and detail for an event: what a reader of the history needs, and
    /// no personal data beyond what the reply itself recorded.
    func describe(_ event: ItemEvent, effects: [ItemEffect], item: Item) -> (String, [String: String]) {
        var detail: [String: String] = [:]
        switch event {
        case .delivered(let channel): detail["channel"] = channel.rawValue
        case .acknowledged(_, let owner):
            detail["owner"] = owner.name
            if let role = owner.role { detail["ownerRole"] = role }
        case .rejected(_, let reason), .cancelled(_, let reason), .markedEnteredInError(_, let reason), .resolved(let reason):
            detail["reason"] = reason
        case .progressNoted(_, let note): detail["note"] = note
        case .decided(_, let code, let rationale):
            detail["code"] = code
            detail["rationale"] = rationale
        case .putOnHold(_, let awaiting, let reviewAt, let reason):
            detail["awaiting"] = awaiting
            detail["reviewAt"] = RFC3339.format(reviewAt)
            if let reason { detail["reason"] = reason }
        case .resumed(_, let note): if let note { detail["note"] = note }
        case .outcomeRecorded(_, let code, let rationale, _, let transferTo, let transferPurpose):
            detail["code"] = code
            detail["rationale"] = rationale
            if let transferTo { detail["transferTo"] = transferTo.rawValue }
            if let transferPurpose { detail["transferPurpose"] = transferPurpose }
        case .signedOff(_, _, let reason): detail["reason"] = reason
        case .tick: break
        }
        for effect in effects {
            if case .escalate(let level, let deadline, let overdueSince) = effect {
                detail["escalationLevel"] = String(level)
                detail["overdueStep"] = deadline.rawValue
                detail["overdueSince"] = RFC3339.format(overdueSince)
                if event == .tick { return ("escalated", detail) }
            }
            if case .resolveEscalation(let reason) = effect, event == .tick {
                return ("escalation-ended", ["reason": reason])
            }
        }
        return (event.name, detail)
    }
}
