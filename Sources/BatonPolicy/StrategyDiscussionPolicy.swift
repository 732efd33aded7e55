import BatonCore

/// `policies/strategy-discussions.yaml`: who convenes a strategy discussion, who must be invited,
/// how soon it must be held, which participants a record must show present (or give a reason for
/// each absence), and which messages and counters raise one by rule.
///
/// ```yaml
/// convenor: child.home-local-authority
/// urgencies:
///   urgent: { discussion: strategy-discussion-urgent, invitation: strategy-invitation-urgent }
/// actions: strategy-action
/// required: [social-care, police, health]
/// invite:
///   - { to: every:police, description: Police are a required participant. }
/// raise:
///   - { id: third-missing-episode, counter: missing-episodes, atLeast: 3, urgency: urgent, description: ... }
/// ```
public struct StrategyDiscussionPolicy: Sendable {
    /// Who an invitation goes to.
    public enum Invitee: Sendable, Hashable, CustomStringConvertible {
        /// An agency id, or a relation of the child (child.school, child.gp, child.home-local-authority).
        case reference(RecipientReference)
        /// The agency that asked for the discussion (or whose message raised it).
        case requester
        /// Every registered agency of a type.
        case every(AgencyType)

        init?(_ text: String) {
            if text == "requester" {
                self = .requester
            } else if text.hasPrefix("every:") {
                guard let type = AgencyType(rawValue: String(text.dropFirst(6))) else { return nil }
                self = .every(type)
            } else {
                guard let reference = RecipientReference(text), reference != .sender else { return nil }
                self = .reference(reference)
            }
        }

        public var description: String {
            switch self {
            case .reference(let reference): reference.description
            case .requester: "requester"
            case .every(let type): "every:\(type.rawValue)"
            }
        }
    }

    public struct Invitation: Sendable, Hashable {
        public var to: Invitee
        public var description: String
        /// Only for a child who is looked after (the fostering or residential service).
        public var lookedAfterOnly: Bool
        public var line: Int?
    }

    /// The deadline classes (sla.yaml) for a discussion of one urgency and for its invitations.
    public struct Deadlines: Sendable, Hashable {
        public var discussion: String
        public var invitation: String
        public var line: Int?
    }

    /// A rule that raises a discussion: a message matching `when`, or a counter over the child's
    /// chronology (cumulative-harm.yaml) reaching `atLeast`.
    public struct Raise: Sendable, Hashable {
        public var id: String
        public var description: String
        public var when: RoutingCondition?
        public var counter: String?
        public var atLeast: Int?
        public var urgency: DiscussionUrgency
        public var line: Int?
    }

    public var convenor: RecipientReference = .childHomeLocalAuthority
    public var urgencies: [DiscussionUrgency: Deadlines] = [:]
    public var actions: String = "strategy-action"
    /// The agency types every record must show present, or give a reason for each absence.
    public var required: [AgencyType] = [.socialCare, .police, .health]
    public var invite: [Invitation] = []
    public var raise: [Raise] = []

    public init() {}

    public static let fields: Set<String> = ["convenor", "urgencies", "actions", "required", "invite", "raise"]

    /// Every deadline class the policy names, with where, for the cross-check against sla.yaml.
    var deadlineClasses: [(name: String, field: String, line: Int?)] {
        var classes = [(actions, "actions", Int?.none)]
        for (urgency, deadlines) in urgencies.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            classes.append((deadlines.discussion, "urgencies.\(urgency.rawValue).discussion", deadlines.line))
            classes.append((deadlines.invitation, "urgencies.\(urgency.rawValue).invitation", deadlines.line))
        }
        return classes
    }

    static func read(_ root: YAMLReader.Mapping, _ reader: inout YAMLReader) -> StrategyDiscussionPolicy {
        var policy = StrategyDiscussionPolicy()
        if let text = reader.string(root, "convenor", required: true) {
            if let reference = RecipientReference(text), reference != .sender {
                policy.convenor = reference
            } else {
                reader.report(root["convenor"]?.mark?.line, "convenor", "'\(text)' is not an agency id or child.home-local-authority")
            }
        }
        if let urgencies = reader.mapping(root, "urgencies", allowed: Set(DiscussionUrgency.allCases.map(\.rawValue)), required: true) {
            for urgency in DiscussionUrgency.allCases {
                guard let entry = reader.mapping(urgencies, urgency.rawValue, allowed: ["discussion", "invitation"]) else {
                    reader.report(urgencies.line, urgencies.path(urgency.rawValue), "is required: the deadline classes for \(urgency.rawValue) discussions")
                    continue
                }
                let discussion = reader.string(entry, "discussion", required: true)
                let invitation = reader.string(entry, "invitation", required: true)
                if let discussion, let invitation {
                    policy.urgencies[urgency] = Deadlines(discussion: discussion, invitation: invitation, line: entry.line)
                }
            }
        }
        if let actions = reader.string(root, "actions", required: true) { policy.actions = actions }
        if let required = reader.vocabulary(root, "required", as: AgencyType.self) {
            policy.required = required
        } else {
            reader.report(root.line, "required", "is required: the agency types a record must show present (at least social-care, police, health)")
        }
        for (node, field) in reader.sequence(root, "invite", required: true) {
            guard let entry = reader.mapping(node, field: field, allowed: ["to", "description", "when"]) else { continue }
            let description = reader.string(entry, "description", required: true) ?? ""
            guard let text = reader.string(entry, "to", required: true) else { continue }
            guard let invitee = Invitee(text) else {
                reader.report(entry["to"]?.mark?.line, entry.path("to"),
                    "'\(text)' is not an agency id, child.school, child.gp, child.home-local-authority, requester or every:<agency type>")
                continue
            }
            var lookedAfterOnly = false
            if let when = reader.mapping(entry, "when", allowed: ["lookedAfter"]) {
                lookedAfterOnly = reader.bool(when, "lookedAfter") ?? false
            }
            policy.invite.append(Invitation(to: invitee, description: description, lookedAfterOnly: lookedAfterOnly, line: entry.line))
        }
        for (node, field) in reader.sequence(root, "raise") {
            guard let entry = reader.mapping(node, field: field, allowed: ["id", "description", "when", "counter", "atLeast", "urgency"]) else { continue }
            let id = reader.string(entry, "id", required: true) ?? ""
            let description = reader.string(entry, "description", required: true) ?? ""
            let urgencyText = reader.string(entry, "urgency", required: true)
            let urgency = urgencyText.flatMap(DiscussionUrgency.init(rawValue:))
            if let urgencyText, urgency == nil {
                reader.report(entry["urgency"]?.mark?.line, entry.path("urgency"),
                    "'\(urgencyText)' is not one of: \(DiscussionUrgency.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            var when: RoutingCondition?
            if let mapping = reader.mapping(entry, "when", allowed: RoutingPolicy.whenFields) {
                when = RoutingPolicy.readCondition(mapping, &reader)
            }
            let counter = reader.string(entry, "counter")
            let atLeast = reader.integer(entry, "atLeast")
            if (when == nil) == (counter == nil) {
                reader.report(entry.line, entry.path("when"), "give either `when` (a message) or `counter` with `atLeast` (a count over the child's chronology)")
            }
            if counter != nil, (atLeast ?? 0) < 1 {
                reader.report(entry.line, entry.path("atLeast"), "is required with `counter`: a whole number of at least 1")
            }
            if let urgency {
                policy.raise.append(Raise(id: id, description: description, when: when, counter: counter, atLeast: atLeast, urgency: urgency, line: entry.line))
            }
        }
        return policy
    }

    /// Checks what this file names against the registry, sla.yaml and cumulative-harm.yaml.
    func crossCheck(sla: SLAPolicy, counters: Set<String>, agencies: Set<AgencyID>, file: String) -> [ConfigurationError] {
        var errors: [ConfigurationError] = []
        for (name, field, line) in deadlineClasses where sla[name] == nil {
            errors.append(ConfigurationError(file: file, line: line, field: field, problem: "'\(name)' is not a class in sla.yaml"))
        }
        for invitation in invite {
            if case .reference(.agency(let id)) = invitation.to, !agencies.contains(id) {
                errors.append(ConfigurationError(file: file, line: invitation.line, field: "invite.to", problem: "'\(id)' is not in the agency registry"))
            }
        }
        if case .agency(let id) = convenor, !agencies.contains(id) {
            errors.append(ConfigurationError(file: file, line: nil, field: "convenor", problem: "'\(id)' is not in the agency registry"))
        }
        for rule in raise {
            if let counter = rule.counter, !counters.contains(counter) {
                errors.append(ConfigurationError(file: file, line: rule.line, field: "raise.counter",
                    problem: "'\(counter)' is not a counter in cumulative-harm.yaml (\(counters.sorted().joined(separator: ", ")))"))
            }
        }
        for type in [AgencyType.socialCare, .police, .health] where !required.contains(type) {
            errors.append(ConfigurationError(file: file, line: nil, field: "required",
                problem: "must include \(type.rawValue): a strategy discussion involves, as a minimum, social care, health and police (Working Together 2023)"))
        }
        return errors
    }
}
