import BatonCore
import BatonServer
import BatonSigning
import BatonStore
import Foundation
import HummingbirdTesting
import Testing

/// Deadlines from policy, computed by the calendar, enforced by the sweeper, over HTTP with a
/// manual clock.
@Suite("Deadlines and escalation")
struct DeadlineEscalationTests {
    /// Open escalation notices in the MASH's inbox, by addressed rung.
    func notices(_ client: some TestClientProtocol, _ hub: TestHub) async throws -> [JSONObject] {
        let inbox = try await client.readJSON("/v1/inbox?limit=200", as: "mash-test", hub: hub)
        return inbox.objects("items").filter { $0.string("purpose") == "escalation-notice" }
    }

    @Test("a recipient that never answers climbs its escalation ladder to the top and stays visible there")
    func neverAnswers() async throws {
        let hub = try TestHub()
        try await hub.run { baton, client in
            let messageId = UUID().uuidString.lowercased()
            // Sunday 09:30: delivery is due at 11:30 (PT2H); escalation climbs every 4 hours.
            let receipt = try await client.accepted(try hub.signed(hub.referral(id: messageId)))
            let itemId = try #require(receipt.objects("items").first?.string("itemId"))
            #expect(try await baton.sweeper.sweep().changed == 0)
            #expect(try await notices(client, hub).isEmpty)

            hub.clock.advance(by: 2 * 3600 + 1)
            #expect(try await baton.sweeper.sweep().changed == 1)
            var open = try await notices(client, hub)
            #expect(open.map { $0.at("addressee", "level") } == [1])
            #expect(open.first?.string("relatedItem") == itemId)
            var status = try await client.readJSON("/v1/messages/\(messageId)", as: "police-test", hub: hub)
            #expect(status.at("items", 0, "escalation", "level") == 1)
            #expect(status.string("items", 0, "escalation", "overdueStep") == "delivery")

            // Sweeping again before the climb interval changes nothing.
            hub.clock.advance(by: 3600)
            #expect(try await baton.sweeper.sweep().changed == 0)

            for level in [2, 3, 3] {
                hub.clock.advance(by: 4 * 3600)
                #expect(try await baton.sweeper.sweep().changed == 1)
                status = try await client.readJSON("/v1/messages/\(messageId)", as: "police-test", hub: hub)
                #expect(status.at("items", 0, "escalation", "level") == .number(Double(level)))
            }
            open = try await notices(client, hub)
            #expect(open.compactMap { $0.at("addressee", "level")?.numberValue }.sorted() == [1, 2, 3, 3])
            #expect(Set(open.compactMap { $0.string("addressee", "role") }) == ["team-manager", "service-manager", "head-of-service"])
        }
    }

    @Test("acknowledging is not acting: the decision deadline keeps running and keeps escalating until a decision is recorded")
    func acknowledgingIsNotActing() async throws {
        let hub = try TestHub()
        try await hub.run { baton, client in
            let receipt = try await client.accepted(try hub.signed(hub.referral()))
            let itemId = try #require(receipt.objects("items").first?.string("itemId"))
            // Fetching the item delivers it; acknowledge and decide are due Tuesday 09:00 (one
            // working day from Monday 09:00, as it arrived on a Sunday).
            let item = try await client.readJSON("/v1/items/\(itemId)", as: "mash-test", hub: hub)
            let due = item.objects("deadlines").filter { ["acknowledgement", "decision"].contains($0.string("step")) }.compactMap { $0.string("dueAt") }
            #expect(due == ["2026-11-24T09:00:00.000Z", "2026-11-24T09:00:00.000Z"])

            hub.clock.set(RFC3339.parse("2026-11-24T09:30:00Z")!)
            #expect(try await baton.sweeper.sweep().changed == 1)
            #expect(try await notices(client, hub).count == 1)

            _ = try await client.accepted(try hub.reply("acknowledgement", item: itemId, ["decision": "accepted", "owner": ["name": "Jo Rowntree"]]))
            // Still overdue on its decision: the escalation stays.
            var current = try await client.readJSON("/v1/items/\(itemId)", as: "mash-test", hub: hub)
            #expect(current.at("escalation", "level") == 1)
            #expect(current.string("nextStep") == "decision")
            #expect(try await notices(client, hub).count == 1)
            hub.clock.advance(by: 4 * 3600 + 1)
            #expect(try await baton.sweeper.sweep().changed == 1)
            current = try await client.readJSON("/v1/items/\(itemId)", as: "mash-test", hub: hub)
            #expect(current.at("escalation", "level") == 2)

            _ = try await client.accepted(try hub.reply("update", item: itemId, ["decision": ["code": "s17-assessment", "rationale": "Child in need; family consents."]]))
            current = try await client.readJSON("/v1/items/\(itemId)", as: "mash-test", hub: hub)
            #expect(current.at("escalation") == nil)
            #expect(current.string("nextStep") == "outcome")
            // The notices were closed by the hub because the item moved.
            #expect(try await notices(client, hub).isEmpty)
            let closedNotices = try await client.readJSON("/v1/inbox?state=closed", as: "mash-test", hub: hub).objects("items")
            #expect(closedNotices.count == 2)
            #expect(closedNotices.allSatisfy { $0.string("status") == "completed" })
        }
    }

    @Test("Operation Encompass over a weekend and a bank holiday: the school must have it before 08:30 on Tuesday")
    func operationEncompass() async throws {
        let hub = try TestHub()
        try await hub.run { baton, client in
            // Friday 1 May 2026, 18:00 BST; Monday 4 May is the early May bank holiday.
            hub.clock.set(RFC3339.parse("2026-05-01T17:00:00Z")!)
            let receipt = try await client.accepted(try hub.notification())
            let items = receipt.objects("items")
            #expect(Set(items.compactMap { $0.string("recipient") }) == ["school-test", "mash-test"])
            let school = try #require(items.first { $0.string("recipient") == "school-test" })
            #expect(school.string("purpose") == "operation-encompass")
            // Delivery by 08:15 BST Tuesday 5 May (07:15 UTC); acknowledgement by 08:30.
            #expect(school.string("dueAt") == "2026-05-05T07:15:00.000Z")
            let schoolItem = try #require(try await baton.store.read { try $0.item(ItemID(rawValue: school.string("itemId")!)!) })
            #expect(schoolItem.state.deadline(.acknowledgement)?.dueAt == RFC3339.parse("2026-05-05T07:30:00Z"))

            // Nothing escalates over the long weekend…
            hub.clock.set(RFC3339.parse("2026-05-05T07:00:00Z")!)
            #expect(try await baton.sweeper.sweep().changed == 0)
            // …but at 08:16 on Tuesday an undelivered notification escalates to the school's ladder.
            hub.clock.set(RFC3339.parse("2026-05-05T07:16:00Z")!)
            #expect(try await baton.sweeper.sweep().changed == 1)
            let schoolInbox = try await client.readJSON("/v1/inbox", as: "school-test", hub: hub)
            #expect(schoolInbox.objects("items").contains { $0.string("purpose") == "escalation-notice" })
        }
    }

    @Test("on hold pauses the decision and outcome deadlines and times the review date instead")
    func onHoldReview() async throws {
        let hub = try TestHub()
        try await hub.run { baton, client in
            let receipt = try await client.accepted(try hub.signed(hub.referral()))
            let itemId = try #require(receipt.objects("items").first?.string("itemId"))
            hub.clock.set(RFC3339.parse("2026-11-23T10:00:00Z")!)
            _ = try await client.accepted(try hub.reply("acknowledgement", item: itemId, ["decision": "accepted", "owner": ["name": "Jo Rowntree"]]))
            _ = try await client.accepted(try hub.reply("update", item: itemId, ["decision": ["code": "s47-enquiry", "rationale": "Threshold met."]]))
            // In review past the past-date check: a review date must be in the future.
            try await client.submit(try hub.reply("update", item: itemId, ["onHold": ["awaiting": "police-test", "reviewAt": "2026-11-23T09:00:00Z"]]))
                .expectProblem(.invalidMessage)
            _ = try await client.accepted(try hub.reply("update", item: itemId, [
                "onHold": ["awaiting": "police-test", "reviewAt": "2026-12-10T09:00:00Z", "reason": "Awaiting the police investigation."],
            ]))
            // Past the outcome deadline (30 Nov) nothing escalates while on hold…
            hub.clock.set(RFC3339.parse("2026-12-05T09:00:00Z")!)
            #expect(try await baton.sweeper.sweep().changed == 0)
            // …until the review date passes.
            hub.clock.set(RFC3339.parse("2026-12-10T09:01:00Z")!)
            #expect(try await baton.sweeper.sweep().changed == 1)
            let item = try await client.readJSON("/v1/items/\(itemId)", as: "mash-test", hub: hub)
            #expect(item.string("escalation", "overdueStep") == "review")
            // Resuming restarts the outcome clock with the time that was left (about 6.96 days).
            _ = try await client.accepted(try hub.reply("update", item: itemId, ["resume": ["note": "Police investigation concluded."]]))
            let resumed = try await client.readJSON("/v1/items/\(itemId)", as: "mash-test", hub: hub)
            #expect(resumed.string("status") == "in-progress")
            #expect(resumed.at("escalation") == nil)
            let outcomeDue = try #require(resumed.objects("deadlines").first { $0.string("step") == "outcome" }?.string("dueAt"))
            #expect(RFC3339.parse(outcomeDue)! > hub.clock.now().addingTimeInterval(6 * 86_400))
        }
    }
}
