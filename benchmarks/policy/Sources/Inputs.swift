import BatonCore
import BatonPolicy

/// One (message, recipient) pair: the need-to-know question for one item, and the labels of its
/// message's sections. Deciding them all is the work one item's redaction does.
struct Input {
    var request: NeedToKnowPolicy.Request
    var labels: [String]
}

/// Seeded inputs across recipient types, purposes, message kinds, consent states and risk levels.
enum Inputs {
    /// A message's facts that do not depend on who reads it.
    struct Message {
        var kind: MessageKind
        var sender: Agency
        var risk: RiskLevel?
        var consent: Consent?
        var labels: [String]
    }

    /// The consent states a sender records, roughly as often as they occur.
    static let consents: [Consent] = [
        Consent(status: .given, basis: .consent),
        Consent(status: .given, basis: .consent, purposes: ["referral"]),
        Consent(status: .given, basis: .consent, purposes: ["information-sharing"]),
        Consent(status: .given, basis: .consent, purposes: ["referral", "information-sharing"]),
        Consent(status: .refused, basis: .safeguarding, reasonNotSought: "Concern serious enough to share without consent."),
        Consent(status: .refused, basis: .safeguarding, reasonNotSought: "Concern serious enough to share without consent."),
        Consent(status: .refused, basis: .consent),
        Consent(status: .notSought, basis: .safeguarding, reasonNotSought: "Seeking consent would place the child at risk."),
        Consent(status: .notSought, basis: .safeguarding, reasonNotSought: "Seeking consent would place the child at risk."),
        Consent(status: .notSought, basis: .legalDuty, reasonNotSought: "Operation Encompass notification."),
    ]

    /// A message of `kind` (drawn when nil) with 5–12 labelled sections.
    static func message(_ area: Area, kind: MessageKind? = nil, _ random: inout SeededRandom) -> Message {
        let kind = kind ?? random.pick([.referral, .referral, .referral, .notification, .notification, .update])
        let sender = random.pick(area.agencies)
        return Message(
            kind: kind, sender: sender, risk: kind == .referral ? random.pick(RiskLevel.allCases) : nil,
            consent: kind.isCaseKind || random.chance(0.5) ? random.pick(consents) : nil,
            labels: random.pick(area.labels, count: 5...12))
    }

    /// The question an item for `recipient` with `purpose` asks about `message`.
    static func input(_ message: Message, for recipient: Agency, purpose: String) -> Input {
        Input(
            request: NeedToKnowPolicy.Request(
                recipient: recipient.id, recipientType: recipient.type, purpose: purpose, kind: message.kind, senderType: message.sender.type,
                risk: message.risk, consent: message.consent),
            labels: message.labels)
    }

    /// `count` pairs: each a new message and a recipient other than its sender, mostly for one of
    /// the recipient's usual purposes, sometimes for any purpose.
    static func pairs(_ count: Int, area: Area, _ random: inout SeededRandom) -> [Input] {
        (0..<count).map { _ in
            let sent = message(area, &random)
            let recipient = random.pick(area.agencies.filter { $0.id != sent.sender.id })
            let purpose = random.chance(0.85) ? random.pick(Area.usualPurposes(recipient.type)) : random.pick(area.purposes)
            return input(sent, for: recipient, purpose: purpose)
        }
    }

    /// `count` referrals, each with the items a referral can end up with: the MASH deciding the
    /// response, and a school, a health body and the police acting on work the MASH passes on.
    static func referrals(_ count: Int, area: Area, _ random: inout SeededRandom) -> [[Input]] {
        (0..<count).map { _ in
            let referral = message(area, kind: .referral, &random)
            let mash = area.agencies(of: .socialCare)[0]
            let others = [AgencyType.school, .health, .police].map { random.pick(area.agencies(of: $0)) }
            return [input(referral, for: mash, purpose: "decide-response")] + others.map { input(referral, for: $0, purpose: "assess-and-act") }
        }
    }
}
