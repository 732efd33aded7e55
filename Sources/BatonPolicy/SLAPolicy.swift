import BatonCore
import Foundation
import Yams

/// One deadline class of `policies/sla.yaml`: how long each step of an item may take.
public struct DeadlineClass: Sendable, Hashable {
    public var name: String
    public var description: String
    public var delivery: DeadlineRule?
    public var acknowledge: DeadlineRule?
    public var decide: DeadlineRule?
    public var outcome: DeadlineRule?
    public var escalateEvery: DeadlineRule
    public var signOff: DeadlineRule?

    public init(
        name: String, description: String = "", delivery: DeadlineRule? = nil, acknowledge: DeadlineRule? = nil,
        decide: DeadlineRule? = nil, outcome: DeadlineRule? = nil, escalateEvery: DeadlineRule, signOff: DeadlineRule? = nil
    ) {
        self.name = name
        self.description = description
        self.delivery = delivery
        self.acknowledge = acknowledge
        self.decide = decide
        self.outcome = outcome
        self.escalateEvery = escalateEvery
        self.signOff = signOff
    }

    /// The deadlines of an item created at `start`, computed by `calendar`.
    public func deadlines(from start: Date, calendar: WorkCalendar, schoolAuthority: String?) -> [Deadline] {
        let steps: [(DeadlineKind, DeadlineRule?)] = [(.delivery, delivery), (.acknowledgement, acknowledge), (.decision, decide), (.outcome, outcome)]
        var deadlines = steps.compactMap { kind, rule in
            rule.map { Deadline(kind: kind, dueAt: calendar.deadline($0, from: start, schoolAuthority: schoolAuthority)) }
        }
        // A step is never due after a later one (a notification at 08:20 must be delivered by the
        // 08:30 acknowledgement, not by tomorrow's 08:15).
        for index in deadlines.indices.reversed().dropFirst() {
            deadlines[index].dueAt = min(deadlines[index].dueAt, deadlines[index + 1].dueAt)
        }
        return deadlines
    }

    /// Whether any rule counts school days.
    public var usesSchoolDays: Bool {
        [delivery, acknowledge, decide, outcome, escalateEvery, signOff].contains { $0?.usesSchoolDays == true }
    }
}

/// `policies/sla.yaml`.
public struct SLAPolicy: Sendable {
    public var classes: [String: DeadlineClass]

    /// Classes the hub itself uses.
    public static let systemClasses = [
        "triage", "escalation-notice", "outcome-feedback", "disagreement", "cumulative-harm", "identity-correction",
        "identity-review", "information-request-red", "information-request-amber", "information-request-green", "information-response",
        "strategy-new-information",
    ]

    public init(classes: [String: DeadlineClass]) { self.classes = classes }

    public subscript(name: String) -> DeadlineClass? { classes[name] }

    static let classFields: Set<String> = ["description", "delivery", "acknowledge", "decide", "outcome", "escalateEvery", "signOff"]

    static func read(_ root: YAMLReader.Mapping, _ reader: inout YAMLReader) -> SLAPolicy {
        var classes: [String: DeadlineClass] = [:]
        guard let node = root["classes"], let mapping = node.mapping else {
            reader.report(root.line, "classes", "is required: a mapping from class name to its deadlines")
            return SLAPolicy(classes: [:])
        }
        for (keyNode, value) in mapping {
            guard let name = keyNode.scalar?.string else { continue }
            let field = "classes.\(name)"
            guard PolicyName.isValid(name) else {
                reader.report(keyNode.mark?.line, field, "class names are lower-case words joined by hyphens")
                continue
            }
            guard let entry = reader.mapping(value, field: field, allowed: classFields) else { continue }
            let description = reader.string(entry, "description") ?? ""
            let delivery = reader.deadlineRule(entry, "delivery")
            let acknowledge = reader.deadlineRule(entry, "acknowledge")
            let decide = reader.deadlineRule(entry, "decide")
            let outcome = reader.deadlineRule(entry, "outcome")
            let signOff = reader.deadlineRule(entry, "signOff")
            guard let escalateEvery = reader.deadlineRule(entry, "escalateEvery", required: true) else { continue }
            if delivery == nil, acknowledge == nil, outcome == nil {
                reader.report(entry.line, field, "times nothing: give at least one of delivery, acknowledge or outcome")
            }
            classes[name] = DeadlineClass(
                name: name, description: description, delivery: delivery, acknowledge: acknowledge, decide: decide,
                outcome: outcome, escalateEvery: escalateEvery, signOff: signOff)
        }
        for name in systemClasses where classes[name] == nil {
            reader.report(root.line, "classes.\(name)", "is required: the hub uses this class for its own items")
        }
        for name in ["triage", "disagreement", "cumulative-harm", "identity-correction"] {
            if let deadlineClass = classes[name], deadlineClass.outcome == nil {
                reader.report(mapping.first { $0.key.scalar?.string == name }?.key.mark?.line, "classes.\(name).outcome",
                    "is required: \(name) items are work that must end with an outcome")
            }
        }
        return SLAPolicy(classes: classes)
    }
}

/// Names used in policy files: `mash-referral`, `decide-response`.
enum PolicyName {
    static func isValid(_ text: String) -> Bool { AgencyID.isValid(text) }
}
