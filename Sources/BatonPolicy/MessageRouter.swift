import BatonCore
import Foundation

/// What the hub knows of one child named in a message: from the message itself and from what
/// earlier messages established about the person it is linked to.
public struct ChildContext: Sendable, Hashable {
    public var ref: String
    public var schoolURN: String?
    /// The local authority the child lives in (from the postcode, or known before).
    public var homeAuthority: String?
    public var gpODS: String?
    /// The plan the child is subject to, if any.
    public var plan: PlanType?
    /// Whether any agency has open work (an open item) about the child.
    public var hasOpenItems: Bool

    public init(ref: String, schoolURN: String? = nil, homeAuthority: String? = nil, gpODS: String? = nil, plan: PlanType? = nil, hasOpenItems: Bool = false) {
        self.ref = ref
        self.schoolURN = schoolURN
        self.homeAuthority = homeAuthority
        self.gpODS = gpODS
        self.plan = plan
        self.hasOpenItems = hasOpenItems
    }
}

/// One item routing decided on.
public struct RoutedItem: Sendable, Hashable {
    public var recipient: AgencyID
    public var purpose: String
    public var deadlineClass: String
    /// The children (refs) it concerns.
    public var subjects: [String]
    /// The rule that sent it.
    public var rule: String
    /// Tell the sender the outcome when it closes.
    public var feedback: Bool
}

/// Routing's answer for one message: the items, and why anything could not be routed.
public struct RoutingDecision: Sendable, Hashable {
    public var items: [RoutedItem]
    /// Reasons the MASH triage inbox must look at the message (empty when fully routed). Free of
    /// personal data: they name rules, relations and registry codes.
    public var unrouted: [String]
}

/// Applies `policies/routing.yaml` to a message and what the hub knows of its children.
///
/// ```swift
/// let router = MessageRouter(policy: policies.routing, agencies: Array(registry.agencies.values))
/// let decision = router.route(message, senderType: .police, children: contexts)
/// ```
public struct MessageRouter: Sendable {
    public let policy: RoutingPolicy
    let schoolsByURN: [String: AgencyID]
    let socialCareByAuthority: [String: AgencyID]
    let healthByODS: [String: AgencyID]

    public init(policy: RoutingPolicy, agencies: [Agency]) {
        self.policy = policy
        var schools: [String: AgencyID] = [:]
        var socialCare: [String: AgencyID] = [:]
        var health: [String: AgencyID] = [:]
        for agency in agencies.sorted(by: { $0.id < $1.id }) {
            switch agency.type {
            case .school: if let urn = agency.codes["urn"] { schools[urn] = schools[urn] ?? agency.id }
            case .socialCare: if let la = agency.codes["la"] { socialCare[la] = socialCare[la] ?? agency.id }
            case .health: if let ods = agency.codes["ods"] { health[ods] = health[ods] ?? agency.id }
            default: break
            }
        }
        schoolsByURN = schools
        socialCareByAuthority = socialCare
        healthByODS = health
    }

    public func route(_ message: Message, senderType: AgencyType, children: [ChildContext]) -> RoutingDecision {
        var items: [RoutedItem] = []
        var unrouted: [String] = []
        var matched = false
        var covered: Set<String> = []
        for rule in policy.rules {
            guard matches(rule.when, message, senderType: senderType) else { continue }
            let applicable = rule.when.child.map { condition in children.filter { condition.holds(for: $0) } } ?? children
            if rule.when.child != nil, applicable.isEmpty { continue }
            matched = true
            covered.formUnion(applicable.map(\.ref))
            for send in rule.send {
                let feedback = send.feedback ?? (message.kind == .referral)
                switch send.to {
                case .agency(let id):
                    add(&items, RoutedItem(recipient: id, purpose: send.purpose, deadlineClass: send.deadlines, subjects: applicable.map(\.ref), rule: rule.id, feedback: feedback))
                case .sender:
                    add(&items, RoutedItem(recipient: message.from.agency, purpose: send.purpose, deadlineClass: send.deadlines, subjects: applicable.map(\.ref), rule: rule.id, feedback: feedback))
                case .childSchool, .childHomeLocalAuthority, .childGP:
                    for child in applicable {
                        switch resolve(send.to, child) {
                        case .success(let recipient):
                            add(&items, RoutedItem(recipient: recipient, purpose: send.purpose, deadlineClass: send.deadlines, subjects: [child.ref], rule: rule.id, feedback: feedback))
                        case .failure(let reason):
                            unrouted.append("Rule \(rule.id) could not send to \(send.to) for child \(child.ref): \(reason.text).")
                        }
                    }
                }
            }
        }
        // A child no matching rule applied to is not dropped either.
        if matched {
            for child in children where !covered.contains(child.ref) {
                unrouted.append("No routing rule applies to child \(child.ref) of this message (the rules that matched apply to other children).")
            }
        }
        if !matched {
            var facts = ["kind \(message.kind.rawValue)", "sender type \(senderType.rawValue)"]
            if case .notification(let details) = message.body { facts.append("notification \(details.type.rawValue)") }
            unrouted.append("No routing rule matches this message (\(facts.joined(separator: ", "))).")
        }
        return RoutingDecision(items: items, unrouted: unrouted)
    }

    struct Unresolved: Error { let text: String }

    /// The agency `reference` names for `child` (its school, GP, home authority's social care), or
    /// nil when the hub does not know it.
    public func agency(_ reference: RecipientReference, for child: ChildContext) -> AgencyID? {
        try? resolve(reference, child).get()
    }

    func resolve(_ reference: RecipientReference, _ child: ChildContext) -> Result<AgencyID, Unresolved> {
        switch reference {
        case .childSchool:
            guard let urn = child.schoolURN else { return .failure(Unresolved(text: "the child's school is not known")) }
            guard let school = schoolsByURN[urn] else { return .failure(Unresolved(text: "no school with URN \(urn) is registered")) }
            return .success(school)
        case .childHomeLocalAuthority:
            guard let authority = child.homeAuthority else {
                return .failure(Unresolved(text: "the child's home local authority is not known (no address with a postcode in areas.yaml)"))
            }
            guard let agency = socialCareByAuthority[authority] else {
                return .failure(Unresolved(text: "no children's social care is registered for local authority \(authority)"))
            }
            return .success(agency)
        case .childGP:
            guard let ods = child.gpODS else { return .failure(Unresolved(text: "the child's GP practice is not known")) }
            guard let gp = healthByODS[ods] else { return .failure(Unresolved(text: "no GP practice with ODS code \(ods) is registered")) }
            return .success(gp)
        case .agency(let id): return .success(id)
        case .sender: return .failure(Unresolved(text: "not a child's relation"))
        }
    }

    /// Adds `item`, merging with an item already routed to the same recipient for the same
    /// purpose (the earlier rule's deadlines win; the children are combined).
    func add(_ items: inout [RoutedItem], _ item: RoutedItem) {
        if let index = items.firstIndex(where: { $0.recipient == item.recipient && $0.purpose == item.purpose }) {
            for subject in item.subjects where !items[index].subjects.contains(subject) { items[index].subjects.append(subject) }
            items[index].feedback = items[index].feedback || item.feedback
        } else {
            items.append(item)
        }
    }

    /// Whether `message` meets a routing condition (kind, sender, risk, notification …).
    public func matches(_ condition: RoutingCondition, _ message: Message, senderType: AgencyType) -> Bool {
        if let kinds = condition.kinds, !kinds.contains(message.kind) { return false }
        if let senders = condition.senders, !senders.contains(message.from.agency) { return false }
        if let types = condition.senderTypes, !types.contains(senderType) { return false }
        let concern: Concern? = if case .referral(let concern) = message.body { concern } else { nil }
        let notification: NotificationDetails? = if case .notification(let details) = message.body { details } else { nil }
        if let categories = condition.categories {
            guard let concern, !categories.isDisjoint(with: concern.categories) else { return false }
        }
        if let level = condition.riskAtLeast {
            guard let concern, concern.risk.level >= level else { return false }
        }
        if let types = condition.notifications {
            guard let notification, types.contains(notification.type) else { return false }
        }
        if let present = condition.childPresent {
            guard let notification, (notification.childPresent ?? false) == present else { return false }
        }
        if let plans = condition.plans {
            guard let plan = notification?.plan, plans.contains(plan) else { return false }
        }
        return true
    }
}
