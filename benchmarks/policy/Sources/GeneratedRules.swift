import BatonCore

/// Need-to-know rules written as `policies/need-to-know.yaml` writes them, added to the shipped
/// rules to make the benchmark's larger policy. They follow the shapes a partnership's policy
/// takes as it grows: one agency's sections for its usual purposes, more shared as risk rises,
/// withholding when consent was refused or not sought, a sender's own sections kept from some
/// recipients, notification and update rules, and a few wildcard forbids.
struct GeneratedRule {
    var id: String
    var description: String
    var effect: String
    var labels: [String]
    /// Conditions in the order written: field → values.
    var when: KeyValuePairs<String, [String]>

    /// The rule as a list entry under `rules:`.
    var yaml: String {
        func list(_ values: [String]) -> String { "[" + values.map { "\"\($0)\"" }.joined(separator: ", ") + "]" }
        return """
              - id: \(id)
                description: "\(description)"
                effect: \(effect)
                labels: \(list(labels))
                when: { \(when.map { "\($0.key): \(list($0.value))" }.joined(separator: ", ")) }

            """
    }

    /// Rule number `number`, of a shape drawn at random.
    static func make(_ number: Int, area: Area, _ random: inout SeededRandom) -> GeneratedRule {
        let id = "generated-\(number)"
        let types: [AgencyType] = [.police, .socialCare, .school, .health]
        let outside: [AgencyType] = [.police, .school, .health]
        switch random.next() % 100 {
        case 0..<35:
            let agency = random.pick(area.agencies)
            return GeneratedRule(
                id: id, description: "This agency sees what bears on its work for this purpose.", effect: "permit",
                labels: area.ruleLabels(2...4, &random),
                when: ["recipient": [agency.id.rawValue], "purpose": random.pick(Area.usualPurposes(agency.type), count: 1...2)])
        case 35..<50:
            let risk = random.pick([RiskLevel.medium, .high, .immediate])
            return GeneratedRule(
                id: id, description: "More is shared when the referrer assessed the risk as \(risk.rawValue) or higher.", effect: "permit",
                labels: area.ruleLabels(1...3, &random),
                when: ["recipientType": random.pick(types, count: 1...2).map(\.rawValue), "kind": ["referral"], "riskAtLeast": [risk.rawValue]])
        case 50..<65:
            let status = random.pick([ConsentStatus.refused, .notSought])
            return GeneratedRule(
                id: id, description: "Some information is withheld when the family did not consent.", effect: "forbid",
                labels: area.ruleLabels(1...2, &random),
                when: [
                    "consent": [status.rawValue], "basis": [random.pick(LawfulBasis.allCases).rawValue],
                    "recipientType": random.pick(outside, count: 1...2).map(\.rawValue),
                ])
        case 65..<80:
            let sender = random.pick(outside)
            return GeneratedRule(
                id: id, description: "Some information is shared only with agencies of the sender's own kind and the MASH.", effect: "forbid",
                labels: [Area.ownPattern(sender)],
                when: ["senderType": [sender.rawValue], "recipientType": random.pick(outside.filter { $0 != sender }, count: 1...2).map(\.rawValue)])
        case 80..<92:
            let type = random.pick(types)
            return GeneratedRule(
                id: id, description: "Notifications and updates tell this kind of agency what it needs for this purpose.", effect: "permit",
                labels: area.ruleLabels(1...3, &random),
                when: [
                    "kind": random.pick([MessageKind.notification, .update], count: 1...2).map(\.rawValue), "recipientType": [type.rawValue],
                    "purpose": random.pick(Area.usualPurposes(type), count: 1...2),
                ])
        default:
            let agency = random.pick(area.agencies.filter { $0.type != .socialCare })
            return GeneratedRule(
                id: id, description: "Nothing beyond identity is shared with this agency for this purpose.", effect: "forbid",
                labels: ["*"], when: ["recipient": [agency.id.rawValue], "purpose": [random.pick(area.purposes)]])
        }
    }
}
