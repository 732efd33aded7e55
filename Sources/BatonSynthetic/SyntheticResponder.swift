import BatonCore
import Foundation

/// How the sample agencies' staff answer the items in their inboxes, for the demo: most items are
/// acknowledged, decided and closed; some are put on hold, a few rejected or disagreed with, and
/// some are left untouched so that deadlines pass and escalations climb. Entirely fictional.
///
/// ```swift
/// var responder = SyntheticResponder(seed: 7)
/// if let reply = responder.reply(to: item, as: agency, type: .socialCare, at: Date()) { … }
/// ```
public struct SyntheticResponder: Sendable {
    private var random: SeededGenerator

    public init(seed: UInt64) { random = SeededGenerator(seed: seed) }

    /// The next reply to `item` (an inbox entry or item read from the API) by `agency`, or nil to
    /// leave it alone this round.
    public mutating func reply(to item: JSONObject, as agency: AgencyID, type: AgencyType, at date: Date) -> JSONValue? {
        guard let itemId = item["itemId"]?.stringValue, let status = item["status"]?.stringValue,
            let purpose = item["purpose"]?.stringValue
        else { return nil }
        let staff = Self.staff[type] ?? [("Duty officer", "Duty officer")]
        let person = staff.pick(&random)
        func reply(_ kind: String, _ body: JSONValue) -> JSONValue {
            [
                "messageId": .string(UUID().uuidString.lowercased()), "sentAt": .string(RFC3339.format(date)),
                "kind": .string(kind), "from": ["agency": .string(agency.rawValue), "person": ["name": .string(person.0), "role": .string(person.1)]],
                "about": ["item": .string(itemId)], kind: body,
            ]
        }
        let roll = random.next() % 100
        if purpose == SystemPurpose.escalationNotice || purpose == SystemPurpose.outcomeFeedback {
            guard status == "requested" || status == "received", roll < 70 else { return nil }
            return reply("acknowledgement", ["decision": "accepted", "owner": ["name": .string(person.0), "role": .string(person.1)]])
        }
        switch status {
        case "requested", "received":
            if roll < 12 { return nil }  // left unanswered: its deadlines will pass
            if roll < 16, type != .socialCare {
                return reply("acknowledgement", ["decision": "rejected", "reason": "Not known to this service; the child is not on our roll or register."])
            }
            return reply("acknowledgement", ["decision": "accepted", "owner": ["name": .string(person.0), "role": .string(person.1)]])
        case "accepted":
            if roll < 25 { return nil }
            if type == .socialCare, purpose == "decide-response" {
                let (code, rationale) = Self.decisions.pick(&random)
                return reply("update", ["decision": ["code": .string(code), "rationale": .string(rationale)]])
            }
            return reply("update", ["note": .string(Self.notes.pick(&random))])
        case "in-progress":
            if item["proposedOutcome"] != nil || item["nextStep"]?.stringValue == "sign-off" {
                return reply("update", ["signOff": ["decision": roll < 85 ? "approved" : "returned", "reason": "Reviewed the case record and the rationale."]])
            }
            if roll < 20 { return nil }
            if roll < 30, type == .socialCare {
                let review = RFC3339.format(date.addingTimeInterval(Double(2 + random.next() % 5) * 86_400))
                return reply("update", ["onHold": ["awaiting": "police-northmoor", "reviewAt": .string(review),
                                                   "reason": "Waiting for the police to complete their enquiries."]])
            }
            let (code, rationale) = Self.outcome(for: purpose, type: type, &random)
            return reply("outcome", ["code": .string(code), "rationale": .string(rationale)])
        case "on-hold":
            return roll < 40 ? reply("update", ["resume": ["note": "The information awaited has arrived."]]) : nil
        default:
            return nil
        }
    }

    static func outcome(for purpose: String, type: AgencyType, _ random: inout SeededGenerator) -> (String, String) {
        switch (purpose, type) {
        case ("operation-encompass", _): ("support-in-school", "The designated safeguarding lead checked in with the child at the start of the day; a trusted adult is available.")
        case ("plan-notice", _), ("record-and-consider", .health): ("noted", "Recorded on the child's record; the plan has been noted.")
        case ("record-and-consider", _): [("open-case-updated", "Added to the open case; the allocated worker informed."), ("noted", "Recorded; no change to the response.")].pick(&random)
        case ("triage", _): ("no-further-action", "Checked the records: the information is already with the allocated team.")
        default: decisions.pick(&random)
        }
    }

    static let decisions: [(String, String)] = [
        ("s47-enquiry", "Reasonable cause to suspect significant harm; a strategy discussion has been held."),
        ("s17-assessment", "A child in need; the family agreed to an assessment."),
        ("early-help", "Needs met by early help; the family agreed to a lead professional."),
        ("strategy-discussion", "A strategy discussion is to be convened today."),
        ("no-further-action", "The information does not meet the threshold; the family has support from the school nurse."),
    ]

    static let notes = [
        "Checks made with health and education; awaiting the GP's reply.",
        "Spoke to the child's class teacher; no new concerns today.",
        "Home visit arranged for tomorrow afternoon.",
    ]

    static let staff: [AgencyType: [(String, String)]] = [
        .socialCare: [("Ms Rowntree", "MASH social worker"), ("Mr Achebe", "MASH social worker"), ("Ms Lindgren", "MASH team manager")],
        .school: [("Mrs Ellison", "Designated safeguarding lead"), ("Mr Pryce", "Deputy designated safeguarding lead")],
        .health: [("Nurse Adeyemi", "Named nurse for safeguarding"), ("Dr Lindqvist", "GP safeguarding lead")],
        .police: [("DS Okoro", "Public protection unit"), ("DI Walcott", "Public protection unit")],
    ]
}
