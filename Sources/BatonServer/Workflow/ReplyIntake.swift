import BatonCore
import BatonPolicy
import BatonSigning
import BatonStore
import Foundation

/// Replies close the loop (PROTOCOL.md §5): acknowledgements, updates, outcomes, the sender's
/// cancellations and professional disagreements, each applied to its item inside the transaction
/// that stores the reply. Only the recipient may act on its item (403 for the sender, 404 for
/// anyone else, who must not learn the item exists).
struct ReplyIntake: Sendable {
    let workflow: ItemWorkflow
    let router: MessageRouter

    var policies: PolicySet { workflow.policies }

    struct Result {
        /// The item the reply is about, as it now is (nil for a whole-message cancellation).
        var about: Item?
        /// Items the reply changed (a cancellation changes several).
        var changed: [Item]
    }

    /// `actor` is the person signed in to the web UI when the reply is their action there; by
    /// default the agency that signed the message.
    func process(_ message: Message, sequence: Int64, at now: Date, in transaction: any StoreTransaction, actor person: Actor? = nil) throws -> Result {
        let caller = message.from.agency
        var actor = Actor.agency(caller, name: message.from.person?.name, role: message.from.person?.role, messageId: message.messageId)
        if let person {
            actor = person
            actor.messageId = message.messageId
        }

        switch message.body {
        case .acknowledgement(let acknowledgement):
            let item = try recipientItem(message, caller: caller, in: transaction)
            let event: ItemEvent = switch acknowledgement.decision {
            case .accepted: .acknowledged(by: actor, owner: acknowledgement.owner ?? Owner(name: ""))
            case .rejected: .rejected(by: actor, reason: acknowledgement.reason ?? "")
            }
            let changed = try workflow.apply(event, to: item, at: now, messageSequence: sequence, in: transaction)
            return Result(about: changed, changed: [changed])

        case .update(let update):
            let item = try recipientItem(message, caller: caller, in: transaction)
            let event: ItemEvent
            switch update {
            case .note(let note): event = .progressNoted(by: actor, note: note)
            case .decision(let code, let rationale):
                try requireCode(code, pointer: "/update/decision/code")
                try requireDecidedByReply(item, code: code, pointer: "/update/decision/code")
                event = .decided(by: actor, code: code, rationale: rationale)
            case .onHold(let awaiting, let reviewAt, let reason): event = .putOnHold(by: actor, awaiting: awaiting, reviewAt: reviewAt, reason: reason)
            case .resume(let note): event = .resumed(by: actor, note: note)
            case .signOff(let approved, let reason): event = .signedOff(by: actor, approved: approved, reason: reason)
            }
            let changed = try workflow.apply(event, to: item, at: now, messageSequence: sequence, in: transaction)
            return Result(about: changed, changed: [changed])

        case .outcome(let report):
            let item = try recipientItem(message, caller: caller, in: transaction)
            let code = try requireCode(report.code, pointer: "/outcome/code")
            try requireDecidedByReply(item, code: code.code, pointer: "/outcome/code")
            if code.transfer {
                guard let target = report.transferTo else {
                    throw Problem(.invalidMessage, "A '\(code.code)' outcome names the agency the work passes to.",
                        errors: [ValidationProblem(pointer: "/outcome/transferTo", problem: "is required for \(code.code)")])
                }
                guard workflow.registry.agency(target) != nil, target != item.recipient else {
                    throw Problem(.invalidMessage, "The agency the work passes to must be another registered agency.",
                        errors: [ValidationProblem(pointer: "/outcome/transferTo", problem: "is not another registered agency")])
                }
                if let stored = try transaction.message(sequence: item.messageSequence), let original = ItemViews.parse(stored),
                    Disclosure(registry: workflow.registry, policies: policies).agenciesKnowingBarredPersons(of: original).contains(target)
                {
                    throw Problem(.invalidMessage, "The work cannot pass to that agency: a person who must not be told of the message is known to it.",
                        errors: [ValidationProblem(pointer: "/outcome/transferTo", problem: "is an agency a do-not-inform person of the message is known to")])
                }
                let purpose = report.transferPurpose ?? item.purpose
                guard policies.routing.purposes[purpose] != nil else {
                    throw Problem(.invalidMessage, "A transfer needs a purpose from the routing policy.",
                        errors: [ValidationProblem(pointer: "/outcome/transferPurpose",
                            problem: "must be one of: \(policies.routing.purposes.keys.sorted().joined(separator: ", "))")])
                }
            } else if report.transferTo != nil || report.transferPurpose != nil {
                throw Problem(.invalidMessage, "Only a transfer outcome names an agency to pass the work to.",
                    errors: [ValidationProblem(pointer: "/outcome/transferTo", problem: "applies only to a transfer outcome")])
            }
            let event = ItemEvent.outcomeRecorded(
                by: actor, code: code.code, rationale: report.rationale, needsSignOff: code.needsSignOff(risk: item.risk),
                transferTo: code.transfer ? report.transferTo : nil,
                transferPurpose: code.transfer ? (report.transferPurpose ?? item.purpose) : nil)
            let changed = try workflow.apply(event, to: item, at: now, messageSequence: sequence, in: transaction)
            return Result(about: changed, changed: [changed])

        case .cancellation(let cancellation):
            var targets: [Item]
            var about: Item?
            switch message.about {
            case .message(let id):
                guard let original = try transaction.message(from: caller, id: id) else {
                    throw Problem(.notFound, "Your agency has sent no message with this id.")
                }
                targets = try transaction.items(messageSequence: original.sequence)
            case .item(let text):
                let item = try visibleItem(text, caller: caller, in: transaction)
                guard item.messageSender == caller else {
                    throw Problem(.notYourItem, "Only the agency that sent a message can cancel its items.")
                }
                targets = [item]
                about = item
            case nil:
                throw Problem(.invalidMessage, "A cancellation names the message or item it cancels.")
            }
            targets = targets.filter { $0.isOpen && $0.messageSender == caller && $0.purpose != SystemPurpose.escalationNotice }
            var changed: [Item] = []
            for target in targets {
                // Earlier cancellations in this loop may have moved this item (a notice resolved).
                guard let current = try transaction.item(target.id), current.isOpen else { continue }
                changed.append(try workflow.apply(.cancelled(by: actor, reason: cancellation.reason), to: current, at: now, messageSequence: sequence, in: transaction))
            }
            if let item = about { about = try transaction.item(item.id) }
            return Result(about: about, changed: changed)

        case .escalation(let disagreement):
            guard case .item(let text) = message.about else {
                throw Problem(.invalidMessage, "An escalation names the item it disagrees about.")
            }
            let item = try visibleItem(text, caller: caller, in: transaction)
            guard caller == item.recipient || caller == item.messageSender else {
                throw Problem(.notFound, "No item with this id is visible to your agency.")
            }
            let other = caller == item.recipient ? item.messageSender : item.recipient
            var details = ["concerning": disagreement.concerning.rawValue, "reason": disagreement.reason, "raisedBy": caller.rawValue, "itemPurpose": item.purpose]
            if let requested = disagreement.requestedAction { details["requestedAction"] = requested }
            try workflow.create(NewItem(
                messageSequence: item.messageSequence, messageSender: item.messageSender, messageId: item.messageId, recipient: other,
                purpose: SystemPurpose.disagreement, subjects: item.subjects, risk: item.risk, origin: "disagreement",
                relatedItem: item.id, addressee: workflow.registry.agency(other)?.escalation.first, feedbackTo: caller,
                deadlineClass: "disagreement", details: details, schoolAuthority: item.terms.schoolAuthority),
                at: now, by: actor, in: transaction)
            return Result(about: item, changed: [])

        case .strategyDiscussionRecord(let record):
            let item = try recipientItem(message, caller: caller, in: transaction)
            let changed = try StrategyDiscussions(workflow: workflow, router: router).record(
                record, message: message, sequence: sequence, discussion: item, actor: actor, at: now, in: transaction)
            return Result(about: changed, changed: [changed])

        case .referral, .notification, .informationRequest, .informationResponse, .strategyDiscussionRequest:
            throw Problem(.internalError, "A case message reached the reply handler.")
        }
    }

    /// Codes only the hub records, from an information-response or a discussion's record: a reply
    /// cannot claim an answer it did not give, or attendance the convenor did not record.
    static let hubRecordedCodes: Set<String> = ["information-provided", "nothing-known", "attended"]

    /// Items whose decision and outcome come from another kind of message, and that kind.
    static let decidedBy: [String: (kind: MessageKind, how: String)] = [
        SystemPurpose.strategyDiscussion: (.strategyDiscussionRecord, "A strategy discussion is decided and closed by its record"),
        SystemPurpose.strategyInvitation: (.acknowledgement, "An invitation is answered by accepting (naming who attends) or declining with a reason, and closes with the discussion's record"),
        SystemPurpose.informationRequest: (.informationResponse, "An information request is answered with an information-response (what your agency knows, or nothingKnown: true)"),
    ]

    /// Refuses a decision or outcome reply (`update.decision`, `outcome`) on an item that another
    /// kind of message decides, or with a code only the hub records.
    func requireDecidedByReply(_ item: Item, code: String, pointer: JSONPointer) throws {
        if let decided = Self.decidedBy[item.purpose] {
            throw Problem(.invalidMessage, "\(decided.how), not by an update or outcome.",
                errors: [ValidationProblem(pointer: "/kind", problem: "must be \(decided.kind.rawValue) for a \(item.purpose) item")])
        }
        if Self.hubRecordedCodes.contains(code) {
            throw Problem(.invalidMessage, "'\(code)' is recorded by the hub from an information-response or a discussion's record, not by a reply.",
                errors: [ValidationProblem(pointer: pointer, problem: "is only recorded by the hub")])
        }
    }

    @discardableResult
    func requireCode(_ code: String, pointer: JSONPointer) throws -> OutcomeCode {
        guard let outcome = policies.outcomes[code] else {
            throw Problem(.invalidMessage, "'\(code)' is not an outcome code of this hub.",
                errors: [ValidationProblem(pointer: pointer, problem: "must be one of: \(policies.outcomes.sortedCodes.joined(separator: ", "))")])
        }
        return outcome
    }

    /// The item a reply acts on, which must be the caller's own.
    func recipientItem(_ message: Message, caller: AgencyID, in transaction: any StoreTransaction) throws -> Item {
        guard case .item(let text) = message.about else {
            throw Problem(.invalidMessage, "A \(message.kind.rawValue) names the item it is about.")
        }
        let item = try visibleItem(text, caller: caller, in: transaction)
        guard item.recipient == caller else {
            throw Problem(.notYourItem, "Only the agency the item was sent to can \(message.kind == .outcome ? "record its outcome" : "act on it").")
        }
        return item
    }

    /// The item, if the caller may know it exists (its recipient or the sender of its message).
    func visibleItem(_ text: String, caller: AgencyID, in transaction: any StoreTransaction) throws -> Item {
        guard let id = ItemID(rawValue: text), let item = try transaction.item(id),
            item.recipient == caller || item.messageSender == caller
        else {
            throw Problem(.notFound, "No item with this id is visible to your agency.")
        }
        return item
    }
}
