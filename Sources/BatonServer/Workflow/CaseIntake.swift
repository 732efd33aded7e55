import BatonCore
import BatonIdentity
import BatonPolicy
import BatonSigning
import BatonStore
import Foundation

/// A new case message (a referral, a notification): who it is about, where it goes.
///
/// Runs inside the transaction that stores the message, so the receipt reports items and links
/// that are already durable, and two messages about the same child see each other in order.
struct CaseIntake: Sendable {
    let workflow: ItemWorkflow
    let identity: IdentityService
    let router: MessageRouter

    var policies: PolicySet { workflow.policies }
    var registry: AgencyRegistry { workflow.registry }
    var discussions: StrategyDiscussions { StrategyDiscussions(workflow: workflow, router: router) }

    struct Result {
        var items: [Item]
        var links: [MentionLink]
        var warnings: [ValidationProblem]
        /// The item a response answered, as it now is.
        var about: Item?
    }

    /// `prepared` holds the message's mentions normalised and scored ahead of the transaction, by
    /// ref (``IdentityService/prepare(_:pointer:)``); `added` collects the identity index entries
    /// made, so that they can be taken out again if the message does not commit.
    func process(
        _ message: Message, sequence: Int64, senderType: AgencyType, at now: Date, in transaction: any StoreTransaction,
        prepared: [String: IdentityService.PreparedMention] = [:], added: inout [(MentionKey, PersonIndex.RecordID)]
    ) throws -> Result {
        // 1. Who: every person named becomes a mention linked to a person.
        var links: [MentionLink] = []
        var warnings: [ValidationProblem] = []
        var records: [String: MatchRecord] = [:]
        var reviews: [(IdentityReview, String)] = []
        for (role, list, field) in [("subject", message.subjects, "subjects"), ("person", message.persons, "persons")] {
            for (position, mention) in list.enumerated() {
                let linked = try identity.link(
                    mention, role: role, pointer: "/\(field)/\(position)", messageSequence: sequence, at: now, in: transaction,
                    prepared: prepared[mention.ref])
                added.append((linked.link.key, linked.added))
                links.append(linked.link)
                warnings += linked.warnings
                records[mention.ref] = linked.record
                reviews += linked.review.map { [($0, mention.ref)] } ?? []
            }
        }
        let personByRef = Dictionary(uniqueKeysWithValues: links.map { ($0.ref, $0.person) })

        // The people around the child: relationships as the message states them, households by
        // address, and what the message was about (for chronologies and counters).
        for relationship in message.relationships {
            try transaction.apply(.relationship(MentionRelationship(
                messageSequence: sequence, from: relationship.from, to: relationship.to, role: relationship.role.rawValue)))
        }
        for (ref, record) in records.sorted(by: { $0.key < $1.key }) {
            if let household = Self.household(of: record) {
                try transaction.apply(.household(MentionKey(messageSequence: sequence, ref: ref), household: household, at: now))
            }
        }
        let events = CumulativeHarmPolicy.events(of: message)
        try transaction.apply(.messageEvents(
            messageSequence: sequence, events: events, at: CumulativeHarmPolicy.occurredAt(of: message, received: now)))

        // 2. What the hub knows of each child, before this message adds its own items.
        var children: [ChildContext] = []
        for mention in message.subjects {
            guard let person = personByRef[mention.ref] else { continue }
            children.append(try context(of: mention, person: person, message: message, sequence: sequence, at: now, in: transaction))
        }

        // 3–4. Where it goes: an information request to the agencies it names, a response back to
        //      the MASH that asked, anything else where routing policy sends it.
        let risk: RiskLevel? = if case .referral(let concern) = message.body { concern.risk.level } else { nil }
        var items: [Item] = []
        var about: Item?
        switch message.body {
        case .informationRequest(let request):
            items = try InformationRequests(workflow: workflow).ask(
                message, request: request, sequence: sequence, personByRef: personByRef,
                schoolAuthority: children.lazy.compactMap(workflow.schoolAuthority).first, at: now, in: transaction)
        case .strategyDiscussionRequest(let request):
            items = try discussions.convene(StrategyDiscussions.Convening(
                message: message, sequence: sequence, children: children, personByRef: personByRef, requester: message.from.agency,
                urgency: request.urgency, proposed: request.proposedParticipants, origin: "request", risk: nil), at: now, in: transaction)
        case .informationResponse(let response):
            let answer = try InformationRequests(workflow: workflow).answer(
                message, response: response, sequence: sequence, personByRef: personByRef, at: now, in: transaction)
            about = answer.answered
            items = [answer.notice]
        default:
            items = try route(message, senderType: senderType, children: children, personByRef: personByRef, risk: risk, sequence: sequence, at: now, in: transaction)
        }
        // Strategy discussions: new information about a child whose discussion is open prompts its
        // convenor; policy raises one for a high-risk referral or a counter at its threshold.
        let opened = Set(items.filter { $0.purpose == SystemPurpose.strategyDiscussion }.map(\.id))
        items += try discussions.prompts(for: message, sequence: sequence, personByRef: personByRef, excluding: opened, at: now, in: transaction)
        items += try discussions.raised(
            by: message, senderType: senderType, sequence: sequence, children: children, personByRef: personByRef, risk: risk, events: Set(events),
            at: now, in: transaction)
        // 5. Nothing waits unseen: each uncertain match is a notice to the MASH with deadlines and
        //    escalation, resolved when the review is decided.
        for (review, ref) in reviews {
            items.append(try workflow.create(NewItem(
                messageSequence: sequence, messageSender: message.from.agency, messageId: message.messageId,
                recipient: policies.routing.triage, purpose: SystemPurpose.identityReview, kind: .notice, subjects: [ref],
                subjectPersons: [review.person], origin: "review:\(review.id)", deadlineClass: "identity-review",
                details: ["review": review.id, "person": review.person.rawValue, "candidate": review.candidate.rawValue]),
                at: now, in: transaction))
        }
        // 6. Cumulative harm: counters over each child's chronology that pass their threshold alert
        //    the MASH.
        for mention in message.subjects {
            guard let person = personByRef[mention.ref] else { continue }
            items += try cumulativeHarmAlerts(
                for: person, ref: mention.ref, events: Set(events), message: message, sequence: sequence, risk: risk, at: now, in: transaction)
        }
        return Result(items: items, links: links, warnings: warnings, about: about)
    }

    /// Routing policy's items for a referral or notification; never to an agency a person who must
    /// not be told belongs to, and never dropped: what cannot be routed goes to the MASH triage
    /// inbox with the reason.
    func route(
        _ message: Message, senderType: AgencyType, children: [ChildContext], personByRef: [String: PersonID], risk: RiskLevel?, sequence: Int64,
        at now: Date, in transaction: any StoreTransaction
    ) throws -> [Item] {
        var decision = router.route(message, senderType: senderType, children: children)
        let barred = Disclosure(registry: registry, policies: policies).agenciesKnowingBarredPersons(of: message)
        decision.items.removeAll { routed in
            guard barred.contains(routed.recipient) else { return false }
            decision.unrouted.append(
                "Rule \(routed.rule) would send \(routed.recipient) an item (\(routed.purpose)), but a person who must not be told of this message is known to \(routed.recipient) (a local id of theirs). Nothing was sent there: the MASH decides how to involve \(routed.recipient) without telling them.")
            return true
        }
        let schoolAuthorityByRef = Dictionary(uniqueKeysWithValues: children.map { ($0.ref, workflow.schoolAuthority(of: $0)) })
        var items: [Item] = []
        for routed in decision.items {
            let authority = routed.subjects.lazy.compactMap { schoolAuthorityByRef[$0] ?? nil }.first
            items.append(try workflow.create(NewItem(
                messageSequence: sequence, messageSender: message.from.agency, messageId: message.messageId,
                recipient: routed.recipient, purpose: routed.purpose, subjects: routed.subjects,
                subjectPersons: routed.subjects.compactMap { personByRef[$0] }, risk: risk, origin: "rule:\(routed.rule)",
                feedbackTo: routed.feedback ? message.from.agency : nil, deadlineClass: routed.deadlineClass,
                schoolAuthority: authority), at: now, in: transaction))
        }
        // 4. Never dropped: what could not be routed goes to the MASH triage inbox with the reason.
        if !decision.unrouted.isEmpty {
            var details: [String: String] = [:]
            for (index, reason) in decision.unrouted.enumerated() { details["reason\(index + 1)"] = reason }
            items.append(try workflow.create(NewItem(
                messageSequence: sequence, messageSender: message.from.agency, messageId: message.messageId,
                recipient: policies.routing.triage, purpose: SystemPurpose.triage, subjects: message.subjects.map(\.ref),
                subjectPersons: message.subjects.compactMap { personByRef[$0.ref] }, risk: risk, origin: "unroutable",
                feedbackTo: message.kind == .referral ? message.from.agency : nil, deadlineClass: "triage", details: details),
                at: now, in: transaction))
        }
        return items
    }

    /// Raises a `cumulative-harm` item to the MASH for each alert of policies/cumulative-harm.yaml
    /// this message takes to its threshold, unless one is already open for the child and counter.
    func cumulativeHarmAlerts(
        for person: PersonID, ref: String, events: Set<String>, message: Message, sequence: Int64, risk: RiskLevel?, at now: Date,
        in transaction: any StoreTransaction
    ) throws -> [Item] {
        let policy = policies.cumulativeHarm
        var raised: [Item] = []
        var openAlerts: Set<String>?
        for alert in policy.alerts {
            guard let counter = policy.counter(alert.counter), !events.isDisjoint(with: counter.events) else { continue }
            let since = counter.window.start(endingAt: now, calendar: policies.calendar.gregorian)
            let count = try transaction.eventCount(person: person, events: counter.events, since: since)
            guard count >= alert.atLeast else { continue }
            if openAlerts == nil {
                openAlerts = Set(try transaction.openItems(about: person, purpose: SystemPurpose.cumulativeHarm).compactMap { $0.details["counter"] })
            }
            guard !(openAlerts?.contains(counter.name) ?? false) else { continue }
            openAlerts?.insert(counter.name)
            raised.append(try workflow.create(NewItem(
                messageSequence: sequence, messageSender: message.from.agency, messageId: message.messageId,
                recipient: policies.routing.triage, purpose: SystemPurpose.cumulativeHarm, subjects: [ref], subjectPersons: [person],
                risk: risk, origin: "counter:\(counter.name)", deadlineClass: "cumulative-harm",
                details: [
                    "counter": counter.name, "count": String(count), "threshold": String(alert.atLeast), "window": counter.window.description,
                    "person": person.rawValue,
                ]), at: now, in: transaction))
        }
        return raised
    }

    /// A household key: a hash of the normalised first address line and postcode (never the
    /// address itself), or nil when the address is too thin to say.
    static func household(of record: MatchRecord) -> String? {
        guard let postcode = record.postcode, let address = record.address, !address.isEmpty else { return nil }
        return String(Digest.sha256Hex(Array("household\u{1F}\(address)\u{1F}\(postcode)".utf8)).prefix(32))
    }

    /// Combines what the message says of a child with what the hub knew, and records what the
    /// message newly establishes (school, home authority, GP, plan).
    func context(of mention: Mention, person: PersonID, message: Message, sequence: Int64, at now: Date, in transaction: any StoreTransaction) throws -> ChildContext {
        var facts = try transaction.facts(of: person)
        var updates: [String: String?] = [:]
        if let urn = mention.schoolURN { updates[Fact.schoolURN] = urn }
        if let postcode = mention.address?.postcode, let authority = policies.areas.authority(forPostcode: postcode) {
            updates[Fact.homeAuthority] = authority
        }
        if let ods = mention.gpODS { updates[Fact.gpODS] = ods }
        if case .notification(let details) = message.body, let plan = details.plan {
            switch details.type {
            case .planStarted: updates[Fact.plan] = plan.rawValue
            case .planEnded where facts[Fact.plan] == plan.rawValue: updates[Fact.plan] = .some(nil)
            default: break
            }
        }
        for (name, value) in updates.sorted(by: { $0.key < $1.key }) where facts[name] != value {
            try transaction.apply(.fact(person: person, name: name, value: value, at: now, messageSequence: sequence))
            facts[name] = value
        }
        return ChildContext(
            ref: mention.ref, schoolURN: facts[Fact.schoolURN], homeAuthority: facts[Fact.homeAuthority], gpODS: facts[Fact.gpODS],
            plan: facts[Fact.plan].flatMap(PlanType.init(rawValue:)), hasOpenItems: try transaction.openItemCount(about: person) > 0)
    }

    /// Names of what the hub knows of a person.
    enum Fact {
        static let schoolURN = "school-urn"
        static let homeAuthority = "home-authority"
        static let gpODS = "gp-ods"
        static let plan = "plan"
    }
}
