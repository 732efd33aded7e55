import BatonCore
import BatonPolicy
import BatonSigning
import BatonStore
import Foundation

/// Decides what of a message a reader of an item may see. Every read path (the item API, the
/// inbox, pushed deliveries, the sender's status view) renders content through ``ItemContent``,
/// which asks this, so no path can forget it.
///
/// Labelled sections are decided by the need-to-know policy (`policies/need-to-know.yaml`:
/// permit and forbid rules, default deny, forbid wins) for the item's recipient and purpose. The
/// rules here are the ones no policy may relax: persons the sender listed in `doNotInform` are
/// shown only to the MASH (children's social care), marked so, and to nobody else (nor their
/// relationships); an anonymous referrer's identity is shown only to the MASH.
struct Disclosure: Sendable {
    typealias SectionDecision = NeedToKnowPolicy.Decision

    let registry: AgencyRegistry
    let policies: PolicySet

    /// The need-to-know question for `item`'s recipient about `message`; `role` is the role of
    /// the person reading, nil when deciding for the agency (when the item is made, or pushed).
    func request(_ message: Message, for item: Item, role: StaffRole? = nil) -> NeedToKnowPolicy.Request {
        let risk: RiskLevel? = if case .referral(let concern) = message.body { concern.risk.level } else { nil }
        return NeedToKnowPolicy.Request(
            recipient: item.recipient, recipientType: registry.agency(item.recipient)?.type ?? .other, purpose: item.purpose,
            kind: message.kind, senderType: registry.agency(message.from.agency)?.type ?? .other, risk: risk, consent: message.consent,
            role: role)
    }

    func sections(of message: Message, for item: Item, role: StaffRole? = nil) -> [SectionDecision] {
        let request = request(message, for: item, role: role)
        return message.sections.map { policies.needToKnow.decide($0.label, for: request) }
    }

    /// What a reader of `item` is shown now: a section only if the decision recorded when the item
    /// was made showed it (when one was recorded) and the current policy, for the reader's role,
    /// shows it too.
    func sections(of message: Message, for item: Item, recorded: RecordedDisclosure?, role: StaffRole?) -> [SectionDecision] {
        sections(of: message, for: item, role: role).map { decision in
            guard decision.shown, let recorded, !recorded.shown.contains(decision.label) else { return decision }
            return SectionDecision(label: decision.label, shown: false, rule: "recorded-decision", reason: Self.withheldWhenMade)
        }
    }

    /// Whether the reader may see the sending professional's identity.
    func showsReferrer(of message: Message, to reader: AgencyID) -> Bool {
        guard message.referrerAnonymous else { return true }
        return registry.agency(reader)?.type == .socialCare
    }

    /// The refs of persons the reader must not see: those not to be informed, except for the MASH.
    func hiddenPersons(of message: Message, from reader: AgencyID) -> Set<String> {
        registry.agency(reader)?.type == .socialCare ? [] : Set(message.doNotInform)
    }

    /// The agencies (other than the MASH) that persons listed in `doNotInform` are known to, by
    /// their local ids (`system` is `<agency-id>:<register>`): a suspect who works at the child's
    /// school, or a relative who is an officer of the force. Any item to such an agency would
    /// reveal the message to them, so none is made: routing sends the MASH a triage item instead,
    /// and a transfer there is refused.
    func agenciesKnowingBarredPersons(of message: Message) -> Set<AgencyID> {
        guard !message.doNotInform.isEmpty else { return [] }
        let barred = Set(message.doNotInform)
        var agencies: Set<AgencyID> = []
        for mention in message.subjects + message.persons where barred.contains(mention.ref) {
            for id in mention.localIds {
                let prefix = id.system.split(separator: ":", maxSplits: 1).first.map(String.init) ?? id.system
                if let agency = AgencyID(rawValue: prefix), registry.agency(agency) != nil, agency != policies.routing.triage {
                    agencies.insert(agency)
                }
            }
        }
        return agencies
    }

    /// The decision record kept for an item when it is made: each section's decision and the rule
    /// behind it, the lawful basis, who else is withheld, and the policy version (auditors read it
    /// whole; recipients see only counts and reasons).
    func record(of message: Message, for item: Item) -> JSONObject {
        var record: JSONObject = [
            "policyVersion": .string(policies.version),
            "recipient": .string(item.recipient.rawValue), "purpose": .string(item.purpose),
            "sections": .array(sections(of: message, for: item).map { decision in
                [
                    "label": .string(decision.label), "shown": .bool(decision.shown),
                    "rule": .string(decision.rule ?? "default-deny"), "reason": .string(decision.reason),
                ]
            }),
            "personsWithheld": .array(hiddenPersons(of: message, from: item.recipient).sorted().map(JSONValue.string)),
            "referrerShown": .bool(showsReferrer(of: message, to: item.recipient)),
        ]
        if let consent = message.consent {
            var consentObject: JSONObject = ["status": .string(consent.status.rawValue), "basis": .string(consent.basis.rawValue)]
            if let reason = consent.reasonNotSought { consentObject["reasonNotSought"] = .string(reason) }
            record["consent"] = .object(consentObject)
        }
        return record
    }


    /// Reason for a section the current policy would show but the decision recorded when the item
    /// was made did not: a loosened policy applies to new items, a tightened one at once.
    static let withheldWhenMade = "The need-to-know policy in force when this item was made did not permit this section."
}

/// The need-to-know decision recorded for an item when it was made: the policy version, and the
/// labels it showed.
struct RecordedDisclosure: Sendable, Equatable {
    let policyVersion: String
    let decidedAt: Date
    let record: JSONObject
    let shown: Set<String>

    init?(policyVersion: String, decidedAt: Date, record text: String) {
        guard let record = (try? StrictJSON.parse(text))?.objectValue, let sections = record["sections"]?.arrayValue else { return nil }
        self.policyVersion = policyVersion
        self.decidedAt = decidedAt
        self.record = record
        shown = Set(sections.compactMap(\.objectValue).filter { $0["shown"] == .bool(true) }.compactMap { $0["label"]?.stringValue })
    }

    /// The decision recorded for `item`, if any.
    static func of(_ item: ItemID, in reader: any StoreReader) throws -> RecordedDisclosure? {
        try reader.disclosure(of: item).flatMap { RecordedDisclosure(policyVersion: $0.policyVersion, decidedAt: $0.decidedAt, record: $0.record) }
    }
}
