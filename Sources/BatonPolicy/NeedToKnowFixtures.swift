import BatonCore
import Foundation
import Yams

/// Fixtures for the need-to-know policy (`policies/tests/*.yaml`): a recipient (and optionally the
/// role of the person reading), a purpose, what the message is (kind, sender, risk, consent) and its section labels, and which of them the
/// recipient must see. `baton policy test` runs them, and so does the test suite for the shipped
/// ones, so a change to need-to-know.yaml that changes a decision is caught before it is deployed.
///
/// ```yaml
/// - name: Operation Encompass tells the school that it happened, not what happened
///   recipient: school-ashgrove-primary
///   purpose: operation-encompass
///   kind: notification
///   sender: police-northmoor
///   consent: { status: not-sought, basis: legal-duty }
///   sections: [incident.occurred, support.advice, police.incident]
///   visible: [incident.occurred, support.advice]
/// ```
public struct NeedToKnowFixture: Sendable {
    public var name: String
    public var file: String
    public var line: Int?
    public var request: NeedToKnowPolicy.Request
    public var sections: [String]
    public var visible: Set<String>

    public struct Failure: Sendable, CustomStringConvertible {
        public var fixture: NeedToKnowFixture
        /// Sections shown that should have been withheld, and the rule that showed each.
        public var shownWrongly: [(label: String, rule: String)]
        /// Sections withheld that should have been shown, and why.
        public var withheldWrongly: [(label: String, reason: String)]

        public var description: String {
            var lines = ["\(fixture.file):\(fixture.line.map(String.init) ?? "?"): \(fixture.name)"]
            for (label, rule) in shownWrongly { lines.append("    \(label) was shown (rule \(rule)) but should be withheld") }
            for (label, reason) in withheldWrongly { lines.append("    \(label) was withheld but should be shown: \(reason)") }
            return lines.joined(separator: "\n")
        }
    }

    /// Runs the fixture against `policy`; nil when every section is decided as expected.
    public func run(_ policy: NeedToKnowPolicy) -> Failure? {
        var failure = Failure(fixture: self, shownWrongly: [], withheldWrongly: [])
        for label in sections {
            let decision = policy.decide(label, for: request)
            if decision.shown, !visible.contains(label) { failure.shownWrongly.append((label, decision.rule ?? "?")) }
            if !decision.shown, visible.contains(label) { failure.withheldWrongly.append((label, decision.reason)) }
        }
        return failure.shownWrongly.isEmpty && failure.withheldWrongly.isEmpty ? nil : failure
    }

    static let fields: Set<String> = ["name", "recipient", "purpose", "kind", "sender", "risk", "consent", "role", "sections", "visible"]

    /// Reads every `*.yaml` in `directory`; the agencies give recipients' and senders' types.
    public static func load(directory: String, agencies: [Agency]) throws(ConfigurationErrors) -> [NeedToKnowFixture] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasSuffix(".yaml") }.sorted()
        guard !names.isEmpty else {
            throw ConfigurationErrors([ConfigurationError(file: directory, line: nil, field: "", problem: "holds no fixture files (*.yaml)")])
        }
        let byID = Dictionary(uniqueKeysWithValues: agencies.map { ($0.id, $0) })
        var fixtures: [NeedToKnowFixture] = []
        var errors: [ConfigurationError] = []
        for name in names {
            let path = (directory as NSString).appendingPathComponent(name)
            var reader = YAMLReader(file: path)
            guard let text = try? String(contentsOfFile: path, encoding: .utf8), let root = reader.parse(text) else {
                errors += reader.errors
                continue
            }
            guard let list = root.sequence else {
                reader.report(root.mark?.line, "", "must be a list of fixtures")
                errors += reader.errors
                continue
            }
            for (index, node) in list.enumerated() {
                let field = "[\(index)]"
                guard let entry = reader.mapping(node, field: field, allowed: fields),
                    let title = reader.string(entry, "name", required: true),
                    let recipientText = reader.string(entry, "recipient", required: true),
                    let purpose = reader.string(entry, "purpose", required: true),
                    let kindText = reader.string(entry, "kind", required: true),
                    let senderText = reader.string(entry, "sender", required: true)
                else { continue }
                guard let kind = MessageKind(rawValue: kindText) else {
                    reader.report(entry["kind"]?.mark?.line, entry.path("kind"),
                        "'\(kindText)' is not a message kind (\(MessageKind.allCases.map(\.rawValue).joined(separator: ", ")))")
                    continue
                }
                guard let recipient = AgencyID(rawValue: recipientText).flatMap({ byID[$0] }) else {
                    reader.report(entry["recipient"]?.mark?.line, entry.path("recipient"), "'\(recipientText)' is not in the agency registry")
                    continue
                }
                guard let sender = AgencyID(rawValue: senderText).flatMap({ byID[$0] }) else {
                    reader.report(entry["sender"]?.mark?.line, entry.path("sender"), "'\(senderText)' is not in the agency registry")
                    continue
                }
                var consent: Consent?
                if let object = reader.mapping(entry, "consent", allowed: ["status", "basis", "reasonNotSought", "purposes"]) {
                    if let status = reader.vocabulary(object, "status", as: ConsentStatus.self)?.first,
                        let basis = reader.vocabulary(object, "basis", as: LawfulBasis.self)?.first
                    {
                        consent = Consent(status: status, basis: basis, reasonNotSought: reader.string(object, "reasonNotSought"),
                            purposes: reader.strings(object, "purposes") ?? [])
                    } else {
                        reader.report(object.line, object.field, "needs status and basis")
                    }
                }
                let sections = reader.strings(entry, "sections") ?? []
                let visible = reader.strings(entry, "visible") ?? []
                for label in visible where !sections.contains(label) {
                    reader.report(entry["visible"]?.mark?.line, entry.path("visible"), "'\(label)' is not one of the fixture's sections")
                }
                let request = NeedToKnowPolicy.Request(
                    recipient: recipient.id, recipientType: recipient.type, purpose: purpose, kind: kind, senderType: sender.type,
                    risk: reader.vocabulary(entry, "risk", as: RiskLevel.self)?.first, consent: consent,
                    role: reader.vocabulary(entry, "role", as: StaffRole.self)?.first)
                fixtures.append(NeedToKnowFixture(
                    name: title, file: path, line: entry.line, request: request, sections: sections, visible: Set(visible)))
            }
            errors += reader.errors
        }
        guard errors.isEmpty else { throw ConfigurationErrors(errors) }
        return fixtures
    }
}
