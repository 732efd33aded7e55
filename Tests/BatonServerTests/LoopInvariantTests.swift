import BatonCore
import BatonServer
import BatonSigning
import BatonStore
import Foundation
import HTTPTypes
import HummingbirdTesting
import PropertyBased
import Testing

/// Random sequences of messages, replies, delivery failures and clock jumps, driven through the
/// real hub (HTTP on loopback, signatures, SQLite, the sweeper, push delivery to a real receiver
/// that fails at random), with the loop's invariants checked after every step.
@Suite("The loop's invariants under random traffic")
struct LoopInvariantTests {
    /// One step, decoded from a generated number: the low bits choose the action, the rest its
    /// parameters, so shrinking a failing sequence removes steps.
    struct Step: CustomStringConvertible {
        let action: Int
        let choice: Int
        init(_ number: Int) {
            action = number % 12
            choice = number / 12
        }
        var description: String { "step(\(action), \(choice))" }
    }

    static let allowedReplyStatuses: Set<Int> = [202, 403, 404, 409, 422]

    @Test("each item is in one state; open items have a future deadline or an escalation; closures have actor and reason; closed referrals fed back")
    func invariantsHold() async throws {
        await propertyCheck(count: 40, input: Gen.int(in: 0...1_000_000).array(of: 20...80)) { numbers in
            try await run(numbers.map(Step.init))
        }
    }

    func run(_ steps: [Step]) async throws {
        let receiver = WebhookReceiver(statuses: [.ok])
        try await receiver.start()
        defer { receiver.stop() }
        let hub = try TestHub(mashEndpoint: receiver.url)
        try await hub.run { baton, client in
            var messages: [(id: String, sender: String)] = []
            for (index, step) in steps.enumerated() {
                let pick = step.choice
                switch step.action {
                case 0:
                    let id = UUID().uuidString.lowercased()
                    let risk = ["low", "medium", "high", "immediate"][pick % 4]
                    let postcode = pick % 7 == 0 ? "FW1 2AB" : "NM3 4AB"
                    let jws = try hub.signed(hub.referral(id: id) { object in
                        object["concern"] = ["categories": ["neglect"], "summary": "Concern.", "risk": ["level": .string(risk)]]
                        object["subjects"] = [[
                            "ref": "c1", "givenName": "Evie", "familyName": "Ashworth", "dateOfBirth": "2016-04-09",
                            "nhsNumber": "999 000 0018", "address": ["lines": ["12 Kiln Street"], "postcode": .string(postcode)],
                        ]]
                    })
                    #expect(try await client.submit(jws).status == .accepted)
                    messages.append((id, "police-test"))
                case 1:
                    let jws = try hub.notification(childPresent: pick % 2 == 0, schoolURN: pick % 3 == 0 ? nil : "990199")
                    #expect(try await client.submit(jws).status == .accepted)
                case 2...7:
                    guard let item = try await openItem(hub: hub, baton: baton, pick: pick, actionable: true) else { continue }
                    let recipient = item.recipient.rawValue
                    let id = item.id.rawValue
                    let jws: String
                    switch step.action {
                    case 2: jws = try hub.reply("acknowledgement", item: id, from: recipient, ["decision": "accepted", "owner": ["name": "Jo Rowntree"]])
                    case 3: jws = try hub.reply("acknowledgement", item: id, from: recipient, ["decision": "rejected", "reason": "Not for this agency."])
                    case 4: jws = try hub.reply("update", item: id, from: recipient, ["decision": ["code": "s17-assessment", "rationale": "Child in need."]])
                    case 5:
                        jws = pick % 2 == 0
                            ? try hub.reply("update", item: id, from: recipient, [
                                "onHold": ["awaiting": "police-test", "reviewAt": .string(RFC3339.format(hub.clock.now().addingTimeInterval(Double(1 + pick % 5) * 86_400)))],
                            ])
                            : try hub.reply("update", item: id, from: recipient, ["resume": true])
                    case 6:
                        let codes: [JSONValue] = [
                            ["code": "no-further-action", "rationale": "Nothing further."],
                            ["code": "s47-enquiry", "rationale": "Threshold met."],
                            ["code": "transferred", "rationale": "For the school.", "transferTo": "school-test", "transferPurpose": "assess-and-act"],
                            ["code": "noted", "rationale": "Recorded."],
                        ]
                        jws = try hub.reply("outcome", item: id, from: recipient, codes[pick % codes.count])
                    default:
                        jws = try hub.reply("update", item: id, from: recipient, person: ("Sam Okoro", "Manager"),
                            ["signOff": ["decision": pick % 3 == 0 ? "returned" : "approved", "reason": "Reviewed."]])
                    }
                    let status = Int(try await client.submit(jws).status.code)
                    #expect(Self.allowedReplyStatuses.contains(status), "step \(index): \(step) answered \(status)")
                case 8:
                    guard !messages.isEmpty else { continue }
                    let message = messages[pick % messages.count]
                    let jws = try hub.reply("cancellation", message: message.id, from: message.sender, ["reason": "Sent in error."])
                    #expect(Self.allowedReplyStatuses.contains(Int(try await client.submit(jws).status.code)))
                case 9:
                    // Time jumps: minutes to days.
                    hub.clock.advance(by: Double([60, 3600, 4 * 3600 + 1, 86_400, 3 * 86_400][pick % 5]))
                case 10:
                    receiver.statuses.withLock { $0 = pick % 2 == 0 ? [.serviceUnavailable, .ok] : [.ok] }
                    try await baton.deliveries.runOnce()
                default:
                    if let item = try await openItem(hub: hub, baton: baton, pick: pick, actionable: false) {
                        #expect(try await client.read("/v1/items/\(item.id)", bearer: try hub.token(for: item.recipient.rawValue)).status == .ok)
                    }
                    if !messages.isEmpty {
                        let message = messages[pick % messages.count]
                        #expect(try await client.read("/v1/messages/\(message.id)", bearer: try hub.token(for: message.sender)).status == .ok)
                    }
                }
                // Deadlines are enforced continuously in a running hub: sweep after every step.
                try await baton.sweeper.sweep()
                try await checkInvariants(baton: baton, now: hub.clock.now(), after: "step \(index): \(step)")
            }
        }
    }

    func allItems(_ baton: BatonHub) async throws -> [Item] {
        try await baton.store.read { reader in
            try ["mash-test", "school-test", "police-test"].flatMap {
                try reader.inbox(InboxQuery(agency: AgencyID(rawValue: $0)!, selection: .all, limit: 100_000))
            }
        }
    }

    func openItem(hub: TestHub, baton: BatonHub, pick: Int, actionable: Bool) async throws -> Item? {
        let open = try await allItems(baton).filter { $0.isOpen && (!actionable || $0.kind == .action) }
        return open.isEmpty ? nil : open[pick % open.count]
    }

    func checkInvariants(baton: BatonHub, now: Date, after step: String) async throws {
        let items = try await allItems(baton)
        let (open, total) = try await baton.store.read { (try $0.itemCount(open: true), try $0.itemCount(open: nil)) }
        // Exactly one state each: the queryable columns agree with the item itself.
        #expect(items.count == total, "\(step)")
        #expect(items.filter(\.isOpen).count == open, "\(step)")
        let byID = Dictionary(uniqueKeysWithValues: items.map { ($0.id, $0) })
        for item in items {
            if item.isOpen {
                guard item.purpose != SystemPurpose.escalationNotice else { continue }
                let future = item.state.deadlines.contains { $0.isActive && $0.dueAt > now }
                #expect(future || item.state.escalation != nil, "\(step): open item \(item.id) (\(item.state.status)) has no future deadline and no escalation")
            } else {
                let closure = item.state.closure
                #expect(closure != nil, "\(step): \(item.id) closed without a closure")
                #expect(closure?.reason.isEmpty == false, "\(step): \(item.id) closed without a reason")
                #expect(closure?.by.kind == .hub || closure?.by.agency != nil, "\(step): \(item.id) closed without an actor")
                if item.state.status == .completed, item.kind == .action, let referrer = item.feedbackTo {
                    let told = items.contains {
                        $0.purpose == SystemPurpose.outcomeFeedback && $0.relatedItem == item.id && $0.recipient == referrer
                    }
                    #expect(told, "\(step): \(item.id) closed with an outcome but its referrer was not told")
                }
            }
            if let related = item.relatedItem { #expect(byID[related] != nil, "\(step): \(item.id) refers to a missing item") }
        }
    }
}
