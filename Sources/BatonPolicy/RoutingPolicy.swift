import BatonCore
import Foundation
import Yams

/// Who a routing rule sends to.
public enum RecipientReference: Sendable, Hashable, CustomStringConvertible {
    case agency(AgencyID)
    case sender
    case childSchool
    case childHomeLocalAuthority
    case childGP

    init?(_ text: String) {
        switch text {
        case "sender": self = .sender
        case "child.school": self = .childSchool
        case "child.home-local-authority": self = .childHomeLocalAuthority
        case "child.gp": self = .childGP
        default:
            guard let id = AgencyID(rawValue: text) else { return nil }
            self = .agency(id)
        }
    }

    public var description: String {
        switch self {
        case .agency(let id): id.rawValue
        case .sender: "sender"
        case .childSchool: "child.school"
        case .childHomeLocalAuthority: "child.home-local-authority"
        case .childGP: "child.gp"
        }
    }

    var isPerChild: Bool {
        switch self {
        case .childSchool, .childHomeLocalAuthority, .childGP: true
        case .agency, .sender: false
        }
    }
}

/// One `send` entry of a routing rule.
public struct RoutingSend: Sendable, Hashable {
    public var to: RecipientReference
    public var purpose: String
    public var deadlines: String
    /// Tell the sender the outcome when the item closes; nil: yes for referrals.
    public var feedback: Bool?
}

/// What must hold of a child for a rule to apply to them (`when.child`).
public struct ChildCondition: Sendable, Hashable {
    /// nil: any; empty set: not on any plan; otherwise on one of these plans.
    public var onPlan: Set<PlanType>?
    public var anyPlan: Bool?
    public var hasOpenItems: Bool?
    public var schoolKnown: Bool?

    func holds(for child: ChildContext) -> Bool {
        if let anyPlan, (child.plan != nil) != anyPlan { return false }
        if let onPlan {
            guard let plan = child.plan, onPlan.contains(plan) else { return false }
        }
        if let hasOpenItems, child.hasOpenItems != hasOpenItems { return false }
        if let schoolKnown, (child.schoolURN != nil) != schoolKnown { return false }
        return true
    }
}

/// A rule's `when`.
public struct RoutingCondition: Sendable, Hashable {
    public var kinds: Set<MessageKind>?
    public var senders: Set<AgencyID>?
    public var senderTypes: Set<AgencyType>?
    public var categories: Set<ConcernCategory>?
    public var riskAtLeast: RiskLevel?
    public var notifications: Set<NotificationType>?
    public var childPresent: Bool?
    public var plans: Set<PlanType>?
    public var child: ChildCondition?
}

public struct RoutingRule: Sendable, Hashable {
    public var id: String
    public var description: String
    public var when: RoutingCondition
    public var send: [RoutingSend]
    /// Where the rule is in routing.yaml.
    public var line: Int?
}

/// A purpose items are sent for, and the deadlines used when work is passed to it by hand (a
/// transfer).
public struct Purpose: Sendable, Hashable {
    public var name: String
    public var description: String
    public var deadlines: String
    /// Where the purpose is in routing.yaml.
    public var line: Int? = nil
}

/// `policies/routing.yaml`.
public struct RoutingPolicy: Sendable {
    /// The MASH that receives what cannot be routed and what recipients reject.
    public var triage: AgencyID
    public var purposes: [String: Purpose]
    public var rules: [RoutingRule]
    /// Where `triage` is in routing.yaml.
    public var triageLine: Int? = nil

    static let ruleFields: Set<String> = ["id", "description", "when", "send"]
    static let whenFields: Set<String> = ["kind", "sender", "senderType", "categories", "riskAtLeast", "notification", "childPresent", "plan", "child"]
    static let childFields: Set<String> = ["onPlan", "hasOpenItems", "schoolKnown"]
    static let sendFields: Set<String> = ["to", "purpose", "deadlines", "feedback"]

    static func read(_ root: YAMLReader.Mapping, _ reader: inout YAMLReader) -> RoutingPolicy? {
        let triageText = reader.string(root, "triage", required: true)
        let triage = triageText.flatMap(AgencyID.init(rawValue:))
        if let triageText, triage == nil { reader.report(root["triage"]?.mark?.line, "triage", "'\(triageText)' is not an agency id") }

        var purposes: [String: Purpose] = [:]
        if let node = root["purposes"], let mapping = node.mapping {
            for (keyNode, value) in mapping {
                guard let name = keyNode.scalar?.string else { continue }
                let field = "purposes.\(name)"
                guard PolicyName.isValid(name) else {
                    reader.report(keyNode.mark?.line, field, "purposes are lower-case words joined by hyphens")
                    continue
                }
                if SystemPurpose.all.contains(name) {
                    reader.report(keyNode.mark?.line, field, "is a purpose the hub itself uses; choose another name")
                }
                guard let entry = reader.mapping(value, field: field, allowed: ["description", "deadlines"]),
                    let description = reader.string(entry, "description", required: true),
                    let deadlines = reader.string(entry, "deadlines", required: true)
                else { continue }
                purposes[name] = Purpose(name: name, description: description, deadlines: deadlines, line: keyNode.mark?.line)
            }
        } else {
            reader.report(root.line, "purposes", "is required: a mapping from purpose to what it asks of the recipient")
        }

        var rules: [RoutingRule] = []
        var ids: Set<String> = []
        for (node, field) in reader.sequence(root, "rules", required: true) {
            guard let entry = reader.mapping(node, field: field, allowed: ruleFields) else { continue }
            guard let id = reader.string(entry, "id", required: true) else { continue }
            if !ids.insert(id).inserted { reader.report(entry.line, entry.path("id"), "rule id '\(id)' is used twice") }
            let description = reader.string(entry, "description") ?? ""
            var condition = RoutingCondition()
            if let when = reader.mapping(entry, "when", allowed: whenFields, required: true) {
                condition = readCondition(when, &reader)
            }
            var sends: [RoutingSend] = []
            for (sendNode, sendField) in reader.sequence(entry, "send", required: true) {
                guard let send = reader.mapping(sendNode, field: sendField, allowed: sendFields) else { continue }
                let toText = reader.string(send, "to", required: true)
                let to = toText.flatMap(RecipientReference.init)
                if let toText, to == nil {
                    reader.report(send["to"]?.mark?.line, send.path("to"),
                        "'\(toText)' is not an agency id or one of child.school, child.home-local-authority, child.gp, sender")
                }
                let purpose = reader.string(send, "purpose", required: true)
                let deadlines = reader.string(send, "deadlines", required: true)
                let feedback = reader.bool(send, "feedback")
                if let to, let purpose, let deadlines {
                    sends.append(RoutingSend(to: to, purpose: purpose, deadlines: deadlines, feedback: feedback))
                }
                if let to, to.isPerChild, condition.kinds.map({ !$0.isDisjoint(with: [.referral, .notification]) }) == false {
                    reader.report(send["to"]?.mark?.line, send.path("to"), "names a child's relation, but the rule's kinds carry no children")
                }
            }
            rules.append(RoutingRule(id: id, description: description, when: condition, send: sends, line: entry.line))
        }
        guard let triage else { return nil }
        return RoutingPolicy(triage: triage, purposes: purposes, rules: rules, triageLine: root["triage"]?.mark?.line)
    }

    static func readCondition(_ when: YAMLReader.Mapping, _ reader: inout YAMLReader) -> RoutingCondition {
        var condition = RoutingCondition()
        condition.kinds = reader.vocabulary(when, "kind", as: MessageKind.self).map(Set.init)
        if let senders = reader.strings(when, "sender") {
            var ids: Set<AgencyID> = []
            for text in senders {
                if let id = AgencyID(rawValue: text) { ids.insert(id) } else {
                    reader.report(when["sender"]?.mark?.line, when.path("sender"), "'\(text)' is not an agency id")
                }
            }
            condition.senders = ids
        }
        condition.senderTypes = reader.vocabulary(when, "senderType", as: AgencyType.self).map(Set.init)
        condition.categories = reader.vocabulary(when, "categories", as: ConcernCategory.self).map(Set.init)
        condition.riskAtLeast = reader.vocabulary(when, "riskAtLeast", as: RiskLevel.self)?.first
        condition.notifications = reader.vocabulary(when, "notification", as: NotificationType.self).map(Set.init)
        condition.childPresent = reader.bool(when, "childPresent")
        condition.plans = reader.vocabulary(when, "plan", as: PlanType.self).map(Set.init)
        if let child = reader.mapping(when, "child", allowed: childFields) {
            var childCondition = ChildCondition()
            if let node = child["onPlan"] {
                if let text = node.scalar?.string, text == "true" || text == "false" {
                    childCondition.anyPlan = text == "true"
                } else {
                    childCondition.onPlan = reader.vocabulary(child, "onPlan", as: PlanType.self).map(Set.init)
                }
            }
            childCondition.hasOpenItems = reader.bool(child, "hasOpenItems")
            childCondition.schoolKnown = reader.bool(child, "schoolKnown")
            condition.child = childCondition
        }
        let kinds = condition.kinds ?? []
        if condition.categories != nil || condition.riskAtLeast != nil, !kinds.isEmpty, !kinds.contains(.referral) {
            reader.report(when.line, when.path("categories"), "categories and riskAtLeast apply to referrals, but the rule's kinds do not include referral")
        }
        if condition.notifications != nil || condition.childPresent != nil || condition.plans != nil, !kinds.isEmpty, !kinds.contains(.notification) {
            reader.report(when.line, when.path("notification"), "notification, childPresent and plan apply to notifications, but the rule's kinds do not include notification")
        }
        return condition
    }
}
