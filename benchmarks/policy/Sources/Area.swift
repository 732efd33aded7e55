import BatonCore
import BatonPolicy

/// What the generated rules and inputs draw from: the sample area's agencies (`agencies/`) and the
/// shipped policies' purposes and section labels (`policies/`).
struct Area {
    let agencies: [Agency]
    /// routing.yaml's purposes and the hub's own, sorted.
    let purposes: [String]
    /// labels.yaml's section labels, sorted.
    let labels: [String]
    /// Wildcards that match some labels, as rules write them.
    let patterns = ["health.*", "police.*", "education.*"]

    init(agencies: [Agency], policies: PolicySet) {
        self.agencies = agencies.sorted { $0.id < $1.id }
        purposes = Set(policies.routing.purposes.keys).union(SystemPurpose.all).sorted()
        labels = policies.needToKnow.vocabulary.labels.keys.sorted()
    }

    func agencies(of type: AgencyType) -> [Agency] { agencies.filter { $0.type == type } }

    /// The purposes an item for an agency of this type usually has.
    static func usualPurposes(_ type: AgencyType) -> [String] {
        switch type {
        case .socialCare: ["decide-response", "record-and-consider", "triage", "cumulative-harm", "identity-review", "escalation-notice"]
        case .school: ["operation-encompass", "plan-notice", "assess-and-act", "escalation-notice"]
        case .health: ["plan-notice", "assess-and-act", "escalation-notice"]
        case .police: ["assess-and-act", "decide-response", "outcome-feedback"]
        case .other: ["assess-and-act"]
        }
    }

    /// The wildcard over the labels an agency of this type writes (`police.*` for police).
    static func ownPattern(_ type: AgencyType) -> String {
        switch type {
        case .police: "police.*"
        case .health: "health.*"
        case .school: "education.*"
        case .socialCare, .other: "social-care.*"
        }
    }

    /// A few labels for a rule: exact labels, now and then with a wildcard among them.
    func ruleLabels(_ count: ClosedRange<Int>, _ random: inout SeededRandom) -> [String] {
        var chosen = random.pick(labels, count: count)
        if random.chance(0.25) {
            let pattern = random.pick(patterns)
            chosen = [pattern] + chosen.dropFirst().filter { !$0.hasPrefix(pattern.dropLast()) }
        }
        return chosen.sorted()
    }
}
