import BatonCore
import BatonPolicy

/// The same need-to-know policy and questions in Cedar, for `run.py` to evaluate with cedarpy.
///
/// The principal is the recipient agency (`Agency::"id"`, attributes `type` and `id`), the action
/// `Action::"read-section"`, the resource a section (`Section::"label"`, attribute `label`). The
/// context holds the item's `purpose` and the message's `kind`, `senderType`, `risk` as a rank
/// (low 0 … immediate 3), `consent` status, `basis` and `consentPurposes`; risk only when the
/// message has one, the last three only when it records consent. Cedar decides as the engine
/// does: default deny, and a matching forbid wins over any permit.
enum Cedar {
    static let action = #"Action::"read-section""#

    /// What `run.py` sends as each request's context.
    struct Context: Encodable {
        var purpose: String
        var kind: String
        var senderType: String
        var risk: Int?
        var consent: String?
        var basis: String?
        var consentPurposes: [String]?

        init(_ request: NeedToKnowPolicy.Request) {
            purpose = request.purpose
            kind = request.kind.rawValue
            senderType = request.senderType.rawValue
            risk = request.risk.map(Cedar.rank)
            consent = request.consent?.status.rawValue
            basis = request.consent?.basis.rawValue
            consentPurposes = request.consent?.purposes
        }
    }

    struct Entity: Encodable {
        struct UID: Encodable {
            var type: String
            var id: String
        }
        var uid: UID
        var attrs: [String: String]
        var parents: [UID] = []
    }

    static func rank(_ risk: RiskLevel) -> Int { RiskLevel.allCases.firstIndex(of: risk)! }

    /// The agencies and the labelled sections.
    static func entities(agencies: [Agency], labels: [String]) -> [Entity] {
        agencies.map { Entity(uid: .init(type: "Agency", id: $0.id.rawValue), attrs: ["type": $0.type.rawValue, "id": $0.id.rawValue]) }
            + labels.map { Entity(uid: .init(type: "Section", id: $0), attrs: ["label": $0]) }
    }

    /// The consent-purposes check that comes before every rule, then each rule, annotated with its id.
    static func policies(_ policy: NeedToKnowPolicy) -> String {
        let covered = policy.consentCovers.sorted { $0.key < $1.key }.map { name, purposes in
            "(context.consentPurposes.contains(\(quoted(name))) && \(member(purposes, "context.purpose")))"
        }
        let consentPurposes = """
            @id("consent-purposes")
            forbid (principal, action == \(action), resource)
            when { context has basis && context.basis == "consent" && !context.consentPurposes.isEmpty() }
            unless { \(covered.isEmpty ? "false" : covered.joined(separator: " || ")) };

            """
        return consentPurposes + policy.rules.map(Self.policy).joined(separator: "\n")
    }

    static func policy(_ rule: NeedToKnowPolicy.Rule) -> String {
        var conditions: [String] = []
        if !rule.labels.contains(where: { $0.text == "*" }) {
            let exact = rule.labels.map(\.text).filter { !$0.hasSuffix(".*") }
            var anyOf = rule.labels.map(\.text).filter { $0.hasSuffix(".*") }.map { "resource.label like \(quoted($0))" }
            if !exact.isEmpty { anyOf.insert(member(exact, "resource.label"), at: 0) }
            conditions.append(anyOf.count == 1 ? anyOf[0] : "(" + anyOf.joined(separator: " || ") + ")")
        }
        if let types = rule.recipientTypes { conditions.append(member(types.map(\.rawValue), "principal.type")) }
        if let recipients = rule.recipients {
            conditions.append("principal in [" + recipients.sorted().map { "Agency::\(quoted($0.rawValue))" }.joined(separator: ", ") + "]")
        }
        if let purposes = rule.purposes { conditions.append(member(purposes, "context.purpose")) }
        if let kinds = rule.kinds { conditions.append(member(kinds.map(\.rawValue), "context.kind")) }
        if let senderTypes = rule.senderTypes { conditions.append(member(senderTypes.map(\.rawValue), "context.senderType")) }
        if let risk = rule.riskAtLeast { conditions.append("context has risk && context.risk >= \(rank(risk))") }
        if let consent = rule.consent { conditions.append("context has consent && " + member(consent.map(\.rawValue), "context.consent")) }
        if let bases = rule.bases { conditions.append("context has basis && " + member(bases.map(\.rawValue), "context.basis")) }
        let when = conditions.isEmpty ? "" : "\nwhen { " + conditions.joined(separator: " && ") + " }"
        return "@id(\(quoted(rule.id)))\n\(rule.effect.rawValue) (principal, action == \(action), resource)\(when);\n"
    }

    /// `expression == "a"`, or `["a", "b"].contains(expression)`.
    static func member(_ values: some Collection<String>, _ expression: String) -> String {
        let sorted = values.sorted()
        return sorted.count == 1 ? "\(expression) == \(quoted(sorted[0]))" : "[" + sorted.map(quoted).joined(separator: ", ") + "].contains(\(expression))"
    }

    /// A Cedar string literal (labels, ids and purposes are slugs: nothing to escape).
    static func quoted(_ text: String) -> String { "\"\(text)\"" }
}
