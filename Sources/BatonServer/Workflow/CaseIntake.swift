import BatonCore
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
    let identity: IdentityLinker
    let router: MessageRouter

    var policies: PolicySet { workflow.policies }
    var registry: AgencyRegistry { workflow.registry }

    struct Result {
        var items: [Item]
        var links: [MentionLink]
    }

    func process(_ message: Message, sequence: Int64, senderType: AgencyType, at now: Date, in transaction: any StoreTransaction) throws -> Result {
        // 1. Who: every person named becomes a mention linked to a person.
        var links: [MentionLink] = []
        for mention in message.subjects {
            links.append(try identity.link(mention, role: "subject", messageSequence: sequence, at: now, in: transaction))
        }
        for mention in message.persons {
            links.append(try identity.link(mention, role: "person", messageSequence: sequence, at: now, in: transaction))
        }
        let personByRef = Dictionary(uniqueKeysWithValues: links.map { ($0.ref, $0.person) })

        // 2. What the hub knows of each child, before this message adds its own items.
        var children: [ChildContext] = []
        for mention in message.subjects {
            guard let person = personByRef[mention.ref] else { continue }
            children.append(try context(of: mention, person: person, message: message, sequence: sequence, at: now, in: transaction))
        }

        // 3. Where it goes.
        let decision = router.route(message, senderType: senderType, children: children)
        let risk: RiskLevel? = if case .referral(let concern) = message.body { concern.risk.level } else { nil }
        let schoolAuthorityByRef = Dictionary(uniqueKeysWithValues: children.map { child in
            (child.ref, child.schoolURN.flatMap { urn in registry.agencies.values.first { $0.codes["urn"] == urn }?.codes["la"] })
        })
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
        return Result(items: items, links: links)
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

/// Links a mention to a person. This version links deterministically, on identifiers that
/// agree exactly after normalisation (a valid NHS number, a valid UPN, the same local id in the
/// same system), and never guesses: without an agreeing identifier the mention is a new person;
/// identifiers that point at two different people send it for review. Probabilistic matching
/// (names, dates of birth, addresses) is a later capability behind the same seam.
struct IdentityLinker: Sendable {
    let identifiers: any IdentifierSource

    /// The normalised identifiers of a mention, strongest first: `(kind, value)`.
    static func identifiers(of mention: Mention) -> [(String, String)] {
        var result: [(String, String)] = []
        if let nhs = mention.nhsNumber, NHSNumber.isValid(nhs), let digits = NHSNumber.digits(nhs) {
            result.append(("nhs", digits.map(String.init).joined()))
        }
        if let upn = mention.upn?.uppercased(), UniquePupilNumber.isValid(upn) {
            result.append(("upn", upn))
        }
        for local in mention.localIds {
            result.append(("local", "\(local.system.lowercased())\u{1F}\(local.value)"))
        }
        return result
    }

    func link(_ mention: Mention, role: String, messageSequence: Int64, at now: Date, in transaction: any StoreTransaction) throws -> MentionLink {
        let identifiers = Self.identifiers(of: mention)
        var found: [PersonID] = []
        for (kind, value) in identifiers {
            if let person = try transaction.person(identifier: kind, value: value), !found.contains(person) { found.append(person) }
        }
        let person: PersonID
        let match: MatchOutcome
        switch found.count {
        case 0:
            person = PersonID(self.identifiers.newUUID())
            match = .new
        case 1:
            person = found[0]
            match = .linked
        default:
            // Two people's identifiers in one mention: a person decides; until then it stands alone.
            person = PersonID(self.identifiers.newUUID())
            match = .review
        }
        if match != .linked { try transaction.apply(.insertPerson(person, kind: role == "subject" ? "child" : "person", at: now)) }
        if match != .review {
            for (kind, value) in identifiers { try transaction.apply(.identifier(kind: kind, value: value, person: person)) }
        }
        let link = MentionLink(messageSequence: messageSequence, ref: mention.ref, person: person, role: role, match: match)
        try transaction.apply(.linkMention(link))
        return link
    }
}
