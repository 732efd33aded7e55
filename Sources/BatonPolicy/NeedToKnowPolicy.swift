import BatonCore
import Foundation
import Yams

/// Every section label a message may carry, and what it means (`policies/labels.yaml`). Rules may
/// only name labels (or patterns) from here, so a misspelt label in a rule is an error rather
/// than a rule that silently never fires.
public struct LabelVocabulary: Sendable {
    public var labels: [String: String]

    public init(labels: [String: String] = [:]) { self.labels = labels }

    public func contains(_ label: String) -> Bool { labels[label] != nil }

    static func read(_ root: YAMLReader.Mapping, _ reader: inout YAMLReader) -> LabelVocabulary {
        var vocabulary = LabelVocabulary()
        guard let node = root["labels"], let mapping = node.mapping else {
            reader.report(root.line, "labels", "is required: a mapping from section label to what it holds")
            return vocabulary
        }
        for (keyNode, value) in mapping {
            guard let label = keyNode.scalar?.string else { continue }
            guard MessageValidator.isValidSectionLabel(label) else {
                reader.report(keyNode.mark?.line, "labels.\(label)", "labels are dot-separated lower-case words, such as health.mental")
                continue
            }
            guard let meaning = value.scalar?.string, !meaning.isEmpty else {
                reader.report(keyNode.mark?.line, "labels.\(label)", "needs a description of what the section holds")
                continue
            }
            vocabulary.labels[label] = meaning
        }
        return vocabulary
    }
}

/// A label or a wildcard over labels: `health.*` is every label under `health`, `*` every label.
public struct LabelPattern: Sendable, Hashable, CustomStringConvertible {
    public let text: String

    public init?(_ text: String) {
        if text == "*" {
            self.text = text
            return
        }
        let body = text.hasSuffix(".*") ? String(text.dropLast(2)) : text
        guard MessageValidator.isValidSectionLabel(body) else { return nil }
        self.text = text
    }

    public func matches(_ label: String) -> Bool {
        if text == "*" { return true }
        if text.hasSuffix(".*") { return label.hasPrefix(text.dropLast(1)) }
        return label == text
    }

    public var description: String { text }
}

/// `policies/need-to-know.yaml`: which sections of a message each recipient of an item may see.
///
/// Each rule `permit`s or `forbid`s the labels it names when all its conditions hold. A section is
/// shown only if some permit rule matches it and no forbid rule does: default deny, and forbid
/// wins. Every decision names the rule that made it (or "default deny") and the lawful basis the
/// message was shared under.
public struct NeedToKnowPolicy: Sendable {
    public enum Effect: String, Sendable, Hashable {
        case permit, forbid
    }

    public struct Rule: Sendable, Hashable {
        public var id: String
        public var description: String
        public var effect: Effect
        public var labels: [LabelPattern]
        public var recipientTypes: Set<AgencyType>?
        public var recipients: Set<AgencyID>?
        public var purposes: Set<String>?
        public var kinds: Set<MessageKind>?
        public var senderTypes: Set<AgencyType>?
        public var riskAtLeast: RiskLevel?
        public var consent: Set<ConsentStatus>?
        public var bases: Set<LawfulBasis>?
        /// The reader's role (forbid rules only: roles narrow what an agency's items show).
        public var roles: Set<StaffRole>?
        public var line: Int?

        /// Whether the rule's conditions (all but the labels) hold for `request`.
        func applies(to request: Request) -> Bool {
            if let recipientTypes, !recipientTypes.contains(request.recipientType) { return false }
            if let recipients, !recipients.contains(request.recipient) { return false }
            if let purposes, !purposes.contains(request.purpose) { return false }
            if let kinds, !kinds.contains(request.kind) { return false }
            if let senderTypes, !senderTypes.contains(request.senderType) { return false }
            if let riskAtLeast {
                guard let risk = request.risk, risk >= riskAtLeast else { return false }
            }
            if let consent {
                guard let status = request.consent?.status, consent.contains(status) else { return false }
            }
            if let bases {
                guard let basis = request.consent?.basis, bases.contains(basis) else { return false }
            }
            if let roles {
                guard let role = request.role, roles.contains(role) else { return false }
            }
            return true
        }
    }

    /// Who is reading what, for what.
    public struct Request: Sendable, Equatable {
        public var recipient: AgencyID
        public var recipientType: AgencyType
        /// The item's purpose (routing.yaml's purposes, or the hub's own: triage, ...).
        public var purpose: String
        public var kind: MessageKind
        public var senderType: AgencyType
        public var risk: RiskLevel?
        public var consent: Consent?
        /// The role of the person reading, when a person reads; nil when the decision is made for
        /// the agency (as when the item is made, or pushed to the agency's system).
        public var role: StaffRole?

        public init(
            recipient: AgencyID, recipientType: AgencyType, purpose: String, kind: MessageKind, senderType: AgencyType,
            risk: RiskLevel? = nil, consent: Consent? = nil, role: StaffRole? = nil
        ) {
            self.recipient = recipient
            self.recipientType = recipientType
            self.purpose = purpose
            self.kind = kind
            self.senderType = senderType
            self.risk = risk
            self.consent = consent
            self.role = role
        }
    }

    /// What was decided for one section.
    public struct Decision: Sendable, Hashable {
        public var label: String
        public var shown: Bool
        /// The rule that decided it; nil when no rule matched (default deny).
        public var rule: String?
        /// Why, in words a recipient may read (the rule's description, or default deny).
        public var reason: String

        public init(label: String, shown: Bool, rule: String?, reason: String) {
            self.label = label
            self.shown = shown
            self.rule = rule
            self.reason = reason
        }
    }

    public var rules: [Rule]
    public var vocabulary: LabelVocabulary
    /// From `consent.yaml`: the item purposes each consent purpose covers.
    public var consentCovers: [String: Set<String>]

    public init(rules: [Rule] = [], vocabulary: LabelVocabulary = LabelVocabulary(), consentCovers: [String: Set<String>] = [:]) {
        self.rules = rules
        self.vocabulary = vocabulary
        self.consentCovers = consentCovers
    }

    /// Whether consent given for named purposes covers `purpose` (always, without named purposes
    /// or on another basis).
    public func consentAllows(_ consent: Consent?, purpose: String) -> Bool {
        guard let consent, consent.basis == .consent, !consent.purposes.isEmpty else { return true }
        return consent.purposes.contains { consentCovers[$0]?.contains(purpose) ?? false }
    }

    /// Decides one section label for `request`.
    ///
    /// Before any rule: a message shared on the basis of consent that names the purposes consent
    /// was given for is never shared for another purpose.
    public func decide(_ label: String, for request: Request) -> Decision {
        if !consentAllows(request.consent, purpose: request.purpose) {
            return Decision(label: label, shown: false, rule: "consent-purposes",
                reason: "Consent was given for other purposes than this item's; nothing beyond identity is shared for it.")
        }
        guard vocabulary.contains(label) else {
            return Decision(label: label, shown: false, rule: nil,
                reason: "A section's label is not in the hub's label vocabulary, so no rule can permit it (default deny).")
        }
        var permit: Rule?
        for rule in rules where rule.labels.contains(where: { $0.matches(label) }) && rule.applies(to: request) {
            switch rule.effect {
            case .forbid: return Decision(label: label, shown: false, rule: rule.id, reason: rule.description)
            case .permit: if permit == nil { permit = rule }
            }
        }
        if let permit { return Decision(label: label, shown: true, rule: permit.id, reason: permit.description) }
        // Reasons never name the label: that a section of some kind exists can be what must not be shared.
        return Decision(label: label, shown: false, rule: nil, reason: "No need-to-know rule permits this section to this recipient for this purpose (default deny).")
    }

    public static let ruleFields: Set<String> = ["id", "description", "effect", "labels", "when"]
    public static let conditionFields: Set<String> = [
        "recipientType", "recipient", "purpose", "kind", "senderType", "riskAtLeast", "consent", "basis", "role",
    ]

    static func read(_ root: YAMLReader.Mapping, _ reader: inout YAMLReader, vocabulary: LabelVocabulary) -> NeedToKnowPolicy {
        var policy = NeedToKnowPolicy(vocabulary: vocabulary)
        var ids: Set<String> = []
        let entries = reader.sequence(root, "rules", required: true)
        for (node, field) in entries {
            guard let entry = reader.mapping(node, field: field, allowed: ruleFields) else { continue }
            guard let id = reader.string(entry, "id", required: true), let description = reader.string(entry, "description", required: true),
                let effectText = reader.string(entry, "effect", required: true)
            else { continue }
            if !ids.insert(id).inserted { reader.report(entry["id"]?.mark?.line, entry.path("id"), "'\(id)' is the id of an earlier rule too") }
            guard let effect = Effect(rawValue: effectText) else {
                reader.report(entry["effect"]?.mark?.line, entry.path("effect"), "must be permit or forbid")
                continue
            }
            var labels: [LabelPattern] = []
            for (labelNode, labelField) in reader.sequence(entry, "labels", required: true) {
                guard let text = labelNode.scalar?.string, let pattern = LabelPattern(text) else {
                    reader.report(labelNode.mark?.line, labelField, "must be a section label or a pattern such as health.* or *")
                    continue
                }
                guard vocabulary.labels.keys.contains(where: pattern.matches) else {
                    reader.report(labelNode.mark?.line, labelField, "'\(text)' matches no label in labels.yaml")
                    continue
                }
                labels.append(pattern)
            }
            if labels.isEmpty, entry["labels"] != nil {
                reader.report(entry["labels"]?.mark?.line, entry.path("labels"), "names no label: the rule could never apply")
            }
            var rule = Rule(id: id, description: description, effect: effect, labels: labels, line: entry.line)
            if let when = reader.mapping(entry, "when", allowed: conditionFields) {
                rule.recipientTypes = reader.vocabulary(when, "recipientType", as: AgencyType.self).map(Set.init)
                if let texts = reader.strings(when, "recipient") {
                    var recipients: Set<AgencyID> = []
                    for text in texts {
                        if let id = AgencyID(rawValue: text) { recipients.insert(id) } else {
                            reader.report(when["recipient"]?.mark?.line, when.path("recipient"), "'\(text)' is not an agency id")
                        }
                    }
                    rule.recipients = recipients
                }
                rule.purposes = reader.strings(when, "purpose").map(Set.init)
                rule.kinds = reader.vocabulary(when, "kind", as: MessageKind.self).map(Set.init)
                rule.senderTypes = reader.vocabulary(when, "senderType", as: AgencyType.self).map(Set.init)
                rule.riskAtLeast = reader.vocabulary(when, "riskAtLeast", as: RiskLevel.self)?.first
                rule.consent = reader.vocabulary(when, "consent", as: ConsentStatus.self).map(Set.init)
                rule.bases = reader.vocabulary(when, "basis", as: LawfulBasis.self).map(Set.init)
                rule.roles = reader.vocabulary(when, "role", as: StaffRole.self).map(Set.init)
                if rule.roles != nil, effect == .permit {
                    reader.report(when["role"]?.mark?.line, when.path("role"),
                        "a role can only narrow what an agency's items show, so it may only be a condition of a forbid rule (an item's decision is made for its agency when the item is made)")
                }
            }
            policy.rules.append(rule)
        }
        return policy
    }

    /// Problems that need the other files: purposes and agencies a rule names, and rules that can
    /// never change a decision (a permit entirely under an earlier unconditional forbid).
    func crossCheck(purposes: Set<String>, agencies: Set<AgencyID>, file: String) -> [ConfigurationError] {
        var errors: [ConfigurationError] = []
        for (index, rule) in rules.enumerated() {
            for purpose in (rule.purposes ?? []).sorted() where !purposes.contains(purpose) {
                errors.append(ConfigurationError(file: file, line: rule.line, field: "rules[\(index)].when.purpose",
                    problem: "'\(purpose)' is not a purpose in routing.yaml nor one the hub uses (\(purposes.sorted().joined(separator: ", ")))"))
            }
            for agency in (rule.recipients ?? []).sorted() where !agencies.contains(agency) {
                errors.append(ConfigurationError(file: file, line: rule.line, field: "rules[\(index)].when.recipient",
                    problem: "'\(agency)' is not in the agency registry"))
            }
            guard rule.effect == .permit else { continue }
            // Shadowed: an earlier forbid with no conditions covers every label of this permit.
            if let shadow = rules[..<index].first(where: { other in
                other.effect == .forbid && other.isUnconditional
                    && rule.labels.allSatisfy { pattern in vocabulary.labels.keys.filter(pattern.matches).allSatisfy { label in other.labels.contains { $0.matches(label) } } }
            }) {
                errors.append(ConfigurationError(file: file, line: rule.line, field: "rules[\(index)]",
                    problem: "can never permit anything: rule '\(shadow.id)' forbids all its labels in every case"))
            }
        }
        return errors
    }
}

extension NeedToKnowPolicy.Rule {
    var isUnconditional: Bool {
        recipientTypes == nil && recipients == nil && purposes == nil && kinds == nil && senderTypes == nil && riskAtLeast == nil
            && consent == nil && bases == nil && roles == nil
    }
}

/// `policies/consent.yaml`: what each consent purpose covers.
enum ConsentPolicy {
    static func read(_ root: YAMLReader.Mapping, _ reader: inout YAMLReader) -> [String: Set<String>] {
        var covers: [String: Set<String>] = [:]
        guard let node = root["purposes"], let mapping = node.mapping else {
            reader.report(root.line, "purposes", "is required: a mapping from consent purpose to the item purposes it covers")
            return covers
        }
        for (keyNode, value) in mapping {
            guard let name = keyNode.scalar?.string else { continue }
            let field = "purposes.\(name)"
            guard let entry = reader.mapping(value, field: field, allowed: ["description", "covers"]) else { continue }
            _ = reader.string(entry, "description", required: true)
            var purposes: Set<String> = []
            for (item, _) in reader.sequence(entry, "covers", required: true) {
                if let purpose = item.scalar?.string { purposes.insert(purpose) }
            }
            covers[name] = purposes
        }
        return covers
    }

    static func crossCheck(_ covers: [String: Set<String>], purposes: Set<String>, file: String) -> [ConfigurationError] {
        covers.sorted { $0.key < $1.key }.flatMap { name, covered in
            covered.subtracting(purposes).sorted().map {
                ConfigurationError(file: file, line: nil, field: "purposes.\(name).covers",
                    problem: "'\($0)' is not a purpose in routing.yaml nor one the hub uses")
            }
        }
    }
}
