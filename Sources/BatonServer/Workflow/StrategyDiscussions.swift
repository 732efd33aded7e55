import BatonCore
import BatonPolicy
import BatonSigning
import BatonStore
import Foundation

/// Strategy discussions on the item machinery (issue "The MASH at work"): a discussion is a
/// `strategy-discussion` item for its convenor (the child's local authority social care), with a
/// `strategy-invitation` item for each participant policy requires (policies/strategy-discussions.yaml)
/// and each the requester proposed. Invitations are accepted with a named attendee or declined
/// with a reason, and escalate when unanswered. The convenor's `strategy-discussion-record`
/// records the decision (and tells the requester what it may know of it), closes the invitations
/// (attended, or lapsed with the absence's reason), and turns each agreed action into a
/// `strategy-action` item due when agreed; the discussion waits on hold for them and closes when the
/// last has an outcome. A record without health, police or social care present needs a reason for
/// each absence.
///
/// The discussion's identity is its convenor's item: invitations and actions are related to it.
struct StrategyDiscussions: Sendable {
    let workflow: ItemWorkflow
    let router: MessageRouter

    var policies: PolicySet { workflow.policies }
    var policy: StrategyDiscussionPolicy { policies.strategyDiscussions }
    var registry: AgencyRegistry { workflow.registry }

    /// What a new discussion is about and who asked.
    struct Convening {
        var message: Message
        var sequence: Int64
        var children: [ChildContext]
        var personByRef: [String: PersonID]
        var requester: AgencyID
        var urgency: DiscussionUrgency
        var proposed: [AgencyID] = []
        /// `request` for a request message, `rule:<id>` for one raised by policy.
        var origin: String
        var risk: RiskLevel?
    }

    /// Opens a discussion: the convenor's item, then an invitation to each participant.
    func convene(_ spec: Convening, at now: Date, in transaction: any StoreTransaction) throws -> [Item] {
        guard let deadlines = policy.urgencies[spec.urgency] else {
            throw Problem(.internalError, "strategy-discussions.yaml has no deadlines for \(spec.urgency.rawValue) discussions.")
        }
        let convenor = spec.children.lazy.compactMap { router.agency(policy.convenor, for: $0) }.first ?? policies.routing.triage
        let barred = Disclosure(registry: registry, policies: policies).agenciesKnowingBarredPersons(of: spec.message)
        try workflow.requireReachable(
            spec.proposed, named: "/discussion/proposedParticipants", by: spec.message, refusal: "Some proposed participants cannot be invited; see 'errors'.")
        let subjects = spec.message.subjects.map(\.ref)
        let persons = subjects.compactMap { spec.personByRef[$0] }
        var earlier: [String] = []
        for person in Set(persons) {
            earlier += try transaction.itemIDs(about: person, purpose: SystemPurpose.strategyDiscussion).map(\.rawValue)
        }
        var details = ["urgency": spec.urgency.rawValue, "requestedBy": spec.requester.rawValue]
        if !earlier.isEmpty { details["earlierDiscussions"] = Array(Set(earlier)).sorted().joined(separator: " ") }
        let schoolAuthority = spec.children.lazy.compactMap(workflow.schoolAuthority).first
        let discussion = try workflow.create(NewItem(
            messageSequence: spec.sequence, messageSender: spec.message.from.agency, messageId: spec.message.messageId, recipient: convenor,
            purpose: SystemPurpose.strategyDiscussion, subjects: subjects, subjectPersons: persons, risk: spec.risk, origin: spec.origin,
            feedbackTo: spec.requester == convenor ? nil : spec.requester, deadlineClass: deadlines.discussion, details: details,
            schoolAuthority: schoolAuthority), at: now, in: transaction)

        // Who is invited: policy's list in order, then the requester's proposals; each agency once.
        var invitees: [(AgencyID, String)] = []
        func add(_ agency: AgencyID, _ why: String) {
            guard agency != convenor, !barred.contains(agency), registry.agency(agency) != nil, !invitees.contains(where: { $0.0 == agency }) else { return }
            invitees.append((agency, why))
        }
        let lookedAfter = spec.children.contains { $0.plan == .lookedAfter }
        for invitation in policy.invite where !invitation.lookedAfterOnly || lookedAfter {
            switch invitation.to {
            case .requester: add(spec.requester, invitation.description)
            case .every(let type):
                let agencies: [AgencyID] = registry.agencies.values.filter { $0.type == type }.map { $0.id }
                for agency in agencies.sorted() { add(agency, invitation.description) }
            case .reference(let reference):
                for child in spec.children { if let agency = router.agency(reference, for: child) { add(agency, invitation.description) } }
                if case .agency(let id) = reference { add(id, invitation.description) }
            }
        }
        for agency in spec.proposed { add(agency, "Proposed by the agency that asked for the discussion.") }
        var items = [discussion]
        for (agency, why) in invitees {
            let type = registry.agency(agency)?.type
            items.append(try workflow.create(NewItem(
                messageSequence: spec.sequence, messageSender: spec.message.from.agency, messageId: spec.message.messageId, recipient: agency,
                purpose: SystemPurpose.strategyInvitation, subjects: subjects, subjectPersons: persons, risk: spec.risk, origin: "invitation",
                relatedItem: discussion.id, deadlineClass: deadlines.invitation,
                details: [
                    "discussion": discussion.id.rawValue, "convenor": convenor.rawValue, "urgency": spec.urgency.rawValue,
                    "required": type.map { policy.required.contains($0) } == true ? "true" : "false", "why": why,
                ], schoolAuthority: schoolAuthority), at: now, in: transaction))
        }
        return items
    }

    /// Discussions that policy raises for this message (a high-risk referral, a counter reaching
    /// its threshold), one per child at most and none for a child whose discussion is open.
    func raised(
        by message: Message, senderType: AgencyType, sequence: Int64, children: [ChildContext], personByRef: [String: PersonID], risk: RiskLevel?,
        events: Set<String>, at now: Date, in transaction: any StoreTransaction
    ) throws -> [Item] {
        guard !policy.raise.isEmpty, message.kind != .strategyDiscussionRequest else { return [] }
        var items: [Item] = []
        for child in children {
            guard let person = personByRef[child.ref] else { continue }
            var chosen: StrategyDiscussionPolicy.Raise?
            for rule in policy.raise {
                if let condition = rule.when, router.matches(condition, message, senderType: senderType) {
                    chosen = rule
                } else if let name = rule.counter, let atLeast = rule.atLeast, let counter = policies.cumulativeHarm.counter(name),
                    !events.isDisjoint(with: counter.events)
                {
                    let since = counter.window.start(endingAt: now, calendar: policies.calendar.gregorian)
                    if try transaction.eventCount(person: person, events: counter.events, since: since) >= atLeast { chosen = rule }
                }
                if chosen != nil { break }
            }
            guard let rule = chosen, try transaction.openItems(about: person, purpose: SystemPurpose.strategyDiscussion).isEmpty else { continue }
            var childMessage = message
            childMessage.subjects = message.subjects.filter { $0.ref == child.ref }
            items += try convene(Convening(
                message: childMessage, sequence: sequence, children: [child], personByRef: personByRef, requester: message.from.agency,
                urgency: rule.urgency, origin: "rule:\(rule.id)", risk: risk), at: now, in: transaction)
        }
        return items
    }

    /// New information about a child whose discussion is open: its convenor is asked to consider
    /// whether to reconvene (a notice, closed by acknowledging it). Not for what the convenor sent
    /// itself (its own information requests, say).
    func prompts(
        for message: Message, sequence: Int64, personByRef: [String: PersonID], excluding opened: Set<ItemID>, at now: Date, in transaction: any StoreTransaction
    ) throws -> [Item] {
        var prompted: Set<ItemID> = []
        var items: [Item] = []
        for mention in message.subjects {
            guard let person = personByRef[mention.ref] else { continue }
            for discussion in try transaction.openItems(about: person, purpose: SystemPurpose.strategyDiscussion)
            where !opened.contains(discussion.id) && !prompted.contains(discussion.id) && discussion.recipient != message.from.agency {
                prompted.insert(discussion.id)
                items.append(try workflow.create(NewItem(
                    messageSequence: sequence, messageSender: message.from.agency, messageId: message.messageId, recipient: discussion.recipient,
                    purpose: SystemPurpose.strategyNewInformation, kind: .notice, subjects: [mention.ref], subjectPersons: [person],
                    origin: "new-information", relatedItem: discussion.id, deadlineClass: "strategy-new-information",
                    details: ["discussion": discussion.id.rawValue, "messageKind": message.kind.rawValue, "from": message.from.agency.rawValue]),
                    at: now, in: transaction))
            }
        }
        return items
    }

    // MARK: - The record

    /// Applies the convenor's record to its discussion, as `actor` (the agency that signed it, or
    /// the person who recorded it in the web UI).
    func record(
        _ record: StrategyDiscussionRecord, message: Message, sequence: Int64, discussion: Item, actor: Actor, at now: Date,
        in transaction: any StoreTransaction
    ) throws -> Item {
        guard discussion.purpose == SystemPurpose.strategyDiscussion else {
            throw Problem(.invalidMessage, "A strategy-discussion-record is about a strategy-discussion item; this item is a \(discussion.purpose).",
                errors: [ValidationProblem(pointer: "/about/item", problem: "is not a strategy discussion")])
        }
        guard discussion.isOpen, discussion.state.decision == nil else {
            throw Problem(.itemStateConflict, "This discussion has already been recorded; a further discussion is requested anew.")
        }
        guard policies.outcomes[record.decision] != nil else {
            throw Problem(.invalidMessage, "'\(record.decision)' is not an outcome code of this hub.",
                errors: [ValidationProblem(pointer: "/record/decision", problem: "must be one of: \(policies.outcomes.sortedCodes.joined(separator: ", "))")])
        }
        var problems: [ValidationProblem] = []
        for (index, attendee) in record.attendees.enumerated() where registry.agency(attendee.agency) == nil {
            problems.append(ValidationProblem(pointer: JSONPointer("/record/attendees") / index / "agency", problem: "is not a registered agency"))
        }
        for (index, absence) in record.absences.enumerated() where registry.agency(absence.agency) == nil {
            problems.append(ValidationProblem(pointer: JSONPointer("/record/absences") / index / "agency", problem: "is not a registered agency"))
        }
        for (index, action) in record.actions.enumerated() {
            if registry.agency(action.owner) == nil {
                problems.append(ValidationProblem(pointer: JSONPointer("/record/actions") / index / "owner", problem: "is not a registered agency"))
            }
            if action.dueAt <= now {
                problems.append(ValidationProblem(pointer: JSONPointer("/record/actions") / index / "dueAt", problem: "must be in the future"))
            }
        }
        // The absence rule: health, police and social care take part, or the record says why not.
        let present = Set(record.attendees.compactMap { registry.agency($0.agency)?.type })
        let explained = Set(record.absences.compactMap { registry.agency($0.agency)?.type })
        for type in policy.required where !present.contains(type) && !explained.contains(type) {
            problems.append(ValidationProblem(
                pointer: "/record/absences",
                problem: "nobody from \(type.rawValue) took part: a discussion is recorded without \(type.rawValue) only with the reason for their absence"))
        }
        guard problems.isEmpty else {
            throw Problem(.invalidMessage, "The record cannot be accepted as it stands; see 'errors'.", errors: problems)
        }

        var current = discussion
        if [.requested, .received].contains(current.state.status) {
            let owner = Owner(name: message.from.person?.name ?? "\(message.from.agency) (convenor)", role: message.from.person?.role)
            current = try workflow.apply(.acknowledged(by: actor, owner: owner), to: current, at: now, messageSequence: sequence, in: transaction)
        }
        // Deciding tells the requester (the item state machine's effect).
        current = try workflow.apply(
            .decided(by: actor, code: record.decision, rationale: record.rationale), to: current, at: now, messageSequence: sequence, in: transaction)

        // Invitations: attended, or lapsed with the reason recorded for the absence.
        let held = "the discussion held \(RFC3339.format(record.heldAt)) (\(record.format.rawValue))"
        for invitation in try transaction.items(relatedTo: discussion.id) where invitation.purpose == SystemPurpose.strategyInvitation && invitation.isOpen {
            if let attendee = record.attendees.first(where: { $0.agency == invitation.recipient }) {
                var item = invitation
                if [.requested, .received].contains(item.state.status) {
                    item = try workflow.apply(
                        .acknowledged(by: actor, owner: Owner(name: attendee.name, role: attendee.role)), to: item, at: now, messageSequence: sequence,
                        in: transaction)
                }
                try workflow.apply(
                    .outcomeRecorded(by: actor, code: "attended", rationale: "Took part in \(held).", needsSignOff: false), to: item, at: now,
                    messageSequence: sequence, in: transaction)
            } else {
                let reason = record.absences.first { $0.agency == invitation.recipient }?.reason ?? "no reason was recorded"
                try workflow.apply(
                    .cancelled(by: actor, reason: "Did not take part in \(held): \(reason)."), to: invitation, at: now, messageSequence: sequence,
                    in: transaction)
            }
        }

        // Each agreed action is an item for its owner, due when agreed.
        for (index, action) in record.actions.enumerated() {
            try workflow.create(NewItem(
                messageSequence: discussion.messageSequence, messageSender: discussion.messageSender, messageId: discussion.messageId,
                recipient: action.owner, purpose: SystemPurpose.strategyAction, subjects: discussion.subjects,
                subjectPersons: try transaction.mentions(messageSequence: discussion.messageSequence)
                    .filter { discussion.subjects.contains($0.ref) }.map(\.person),
                risk: discussion.risk, origin: "discussion", relatedItem: discussion.id, deadlineClass: policy.actions,
                details: [
                    "discussion": discussion.id.rawValue, "record": message.messageId.rawValue, "action": String(index),
                    "decision": record.decision,
                ],
                schoolAuthority: discussion.terms.schoolAuthority, outcomeDueAt: action.dueAt), at: now, by: actor, in: transaction)
        }
        // The discussion waits for its actions, or closes now if none were agreed.
        if let last = record.actions.map(\.dueAt).max() {
            current = try workflow.apply(
                .putOnHold(by: actor, awaiting: "the \(record.actions.count) agreed action\(record.actions.count == 1 ? "" : "s")", reviewAt: last,
                    reason: "The discussion closes when every agreed action has an outcome."),
                to: current, at: now, messageSequence: sequence, in: transaction)
        } else {
            current = try workflow.apply(
                .outcomeRecorded(by: actor, code: record.decision, rationale: record.rationale, needsSignOff: false), to: current, at: now,
                messageSequence: sequence, in: transaction)
        }
        return current
    }
}
