import BatonCore
import BatonServer
import BatonSigning
import BatonStore
import Foundation
import HummingbirdTesting
import Testing

/// Items over HTTP with real signatures: routing, acknowledgement, holds, outcomes, sign-off,
/// rejection and triage, cancellation, disagreements, and feedback to the referrer.
@Suite("Closing the loop")
struct ClosingTheLoopTests {
    @Test("police referral → MASH item → acknowledged → on hold awaiting health → outcome → the police see the outcome")
    func fullLoop() async throws {
        let hub = try TestHub()
        try await hub.run { _, client in
            let messageId = UUID().uuidString.lowercased()
            let receipt = try await client.accepted(try hub.signed(hub.referral(id: messageId)))
            let routed = receipt.objects("items")
            #expect(routed.count == 1)
            #expect(routed.first?.string("recipient") == "mash-test")
            #expect(routed.first?.string("purpose") == "decide-response")
            #expect(receipt.objects("subjects").first?.string("match") == "new")
            let itemId = try #require(routed.first?.string("itemId"))

            // The MASH's inbox lists it without personal data; the item itself shows the content.
            let inbox = try await client.readJSON("/v1/inbox", as: "mash-test", hub: hub)
            #expect(inbox.objects("items").map { $0.string("itemId") } == [itemId])
            let inboxText = JSONValue.object(inbox).serializedString()
            for personal in TestHub.personalData { #expect(!inboxText.contains(personal)) }
            let item = try await client.readJSON("/v1/items/\(itemId)", as: "mash-test", hub: hub)
            #expect(item.string("status") == "received")
            #expect(item.string("content", "subjects", 0, "givenName") == "Evie")
            #expect(item.at("content", "persons", 0, "doNotInform") == true)
            #expect(item.string("content", "concern", "risk", "level") == "high")

            // Nobody but the recipient sees or acts on it.
            #expect(try await client.read("/v1/items/\(itemId)", bearer: try hub.token(for: "police-test")).status == .notFound)
            #expect(try await client.read("/v1/items/\(itemId)", bearer: try hub.token(for: "school-test")).status == .notFound)
            let byPolice = try hub.reply("acknowledgement", item: itemId, from: "police-test", ["decision": "accepted", "owner": ["name": "DC Harlow"]])
            try await client.submit(byPolice).expectProblem(.notYourItem)
            let bySchool = try hub.reply("acknowledgement", item: itemId, from: "school-test", ["decision": "accepted", "owner": ["name": "Mrs Ellison"]])
            try await client.submit(bySchool).expectProblem(.notFound)
            // An outcome before acknowledging is refused, and stores nothing.
            let early = try hub.reply("outcome", item: itemId, ["code": "s47-enquiry", "rationale": "Threshold met."])
            try await client.submit(early).expectProblem(.itemStateConflict)

            let acknowledged = try await client.accepted(try hub.reply("acknowledgement", item: itemId, [
                "decision": "accepted", "owner": ["name": "Jo Rowntree", "role": "MASH social worker"],
            ]))
            #expect(acknowledged.string("about", "status") == "accepted")

            hub.clock.advance(by: 2 * 3600)
            let review = RFC3339.format(hub.clock.now().addingTimeInterval(3 * 86_400))
            let held = try await client.accepted(try hub.reply("update", item: itemId, [
                "onHold": ["awaiting": "northmoor-nhs-trust", "reviewAt": .string(review), "reason": "Waiting for the GP's records."],
            ]))
            #expect(held.string("about", "status") == "on-hold")
            // The police can see what the MASH is relying on.
            var status = try await client.readJSON("/v1/messages/\(messageId)", as: "police-test", hub: hub)
            #expect(status.string("items", 0, "onHold", "awaiting") == "northmoor-nhs-trust")
            #expect(status.string("items", 0, "owner", "name") == "Jo Rowntree")
            #expect(status.string("state") == "open")

            hub.clock.advance(by: 86_400)
            let closed = try await client.accepted(try hub.reply("outcome", item: itemId, [
                "code": "s47-enquiry", "rationale": "Reasonable cause to suspect significant harm; strategy discussion held.",
            ]))
            #expect(closed.string("about", "status") == "completed")
            #expect(closed.objects("items").map { $0.string("purpose") } == ["outcome-feedback"])

            status = try await client.readJSON("/v1/messages/\(messageId)", as: "police-test", hub: hub)
            #expect(status.string("items", 0, "status") == "completed")
            #expect(status.string("items", 0, "outcome", "code") == "s47-enquiry")
            // s47-enquiry tells the referrer the code only.
            #expect(status.at("items", 0, "outcome", "rationale") == nil)
            #expect(status.string("state") == "closed")
            #expect(status.at("loop", "closed") == true)
            #expect(status.at("loop", "outcomesToldToSender") == 1)

            // The history records every step with its actor.
            let final = try await client.readJSON("/v1/items/\(itemId)", as: "mash-test", hub: hub)
            let events = final.objects("history").compactMap { $0.string("event") }
            #expect(events == ["created", "delivered", "acknowledged", "on-hold", "outcome"])
            #expect(final.string("closed", "by", "agency") == "mash-test")
            #expect(final.string("closed", "reason")?.isEmpty == false)
        }
    }

    @Test("a rejected item goes to the MASH triage inbox, which passes it on to another agency")
    func rejectionAndTransfer() async throws {
        let hub = try TestHub()
        try await hub.run { _, client in
            let messageId = UUID().uuidString.lowercased()
            let receipt = try await client.accepted(try hub.signed(hub.referral(id: messageId)))
            let itemId = try #require(receipt.objects("items").first?.string("itemId"))
            // A rejection needs a reason (a protocol rule: 422, nothing stored).
            try await client.submit(try hub.reply("acknowledgement", item: itemId, ["decision": "rejected"])).expectProblem(.invalidMessage)
            let rejected = try await client.accepted(try hub.reply("acknowledgement", item: itemId, [
                "decision": "rejected", "reason": "The family has moved to another authority's area.",
            ]))
            #expect(rejected.string("about", "status") == "rejected")
            let triage = try #require(rejected.objects("items").first)
            #expect(triage.string("purpose") == "triage")
            #expect(triage.string("recipient") == "mash-test")
            let triageId = try #require(triage.string("itemId"))

            // Not a closed loop: the sender sees the triage item open.
            var status = try await client.readJSON("/v1/messages/\(messageId)", as: "police-test", hub: hub)
            #expect(status.string("state") == "open")
            #expect(status.objects("items").map { $0.string("status") } == ["rejected", "requested"])

            _ = try await client.accepted(try hub.reply("acknowledgement", item: triageId, ["decision": "accepted", "owner": ["name": "Sam Okoro", "role": "MASH manager"]]))
            // A transfer names a registered agency other than itself.
            try await client.submit(try hub.reply("outcome", item: triageId, ["code": "transferred", "rationale": "For the school's support."]))
                .expectProblem(.invalidMessage)
            let transferred = try await client.accepted(try hub.reply("outcome", item: triageId, [
                "code": "transferred", "rationale": "The school will offer support while the move is confirmed.",
                "transferTo": "school-test", "transferPurpose": "assess-and-act",
            ]))
            let created = transferred.objects("items")
            #expect(Set(created.compactMap { $0.string("purpose") }) == ["assess-and-act", "outcome-feedback"])
            #expect(created.first { $0.string("purpose") == "assess-and-act" }?.string("recipient") == "school-test")

            status = try await client.readJSON("/v1/messages/\(messageId)", as: "police-test", hub: hub)
            let items = status.objects("items")
            #expect(items.map { $0.string("purpose") } == ["decide-response", "triage", "assess-and-act"])
            #expect(items[1].string("outcome", "code") == "transferred")
            #expect(items[1].string("outcome", "transferredTo") == "school-test")
            #expect(items[1].string("outcome", "rationale") == "The school will offer support while the move is confirmed.")
            #expect(status.string("state") == "open")
        }
    }

    @Test("an outcome that needs sign-off waits for a manager other than its author; then the referrer is told")
    func signOff() async throws {
        let hub = try TestHub()
        try await hub.run { _, client in
            let messageId = UUID().uuidString.lowercased()
            let receipt = try await client.accepted(try hub.signed(hub.referral(id: messageId)))
            let itemId = try #require(receipt.objects("items").first?.string("itemId"))
            _ = try await client.accepted(try hub.reply("acknowledgement", item: itemId, ["decision": "accepted", "owner": ["name": "Jo Rowntree"]]))
            // No further action on a high-risk referral needs sign-off (outcomes.yaml).
            let proposed = try await client.accepted(try hub.reply("outcome", item: itemId, [
                "code": "no-further-action", "rationale": "Father has left the home; mother engaging with support.",
            ]))
            #expect(proposed.string("about", "status") == "in-progress")
            #expect(proposed.objects("items").isEmpty)
            let item = try await client.readJSON("/v1/items/\(itemId)", as: "mash-test", hub: hub)
            #expect(item.string("proposedOutcome", "code") == "no-further-action")
            #expect(item.string("nextStep") == "sign-off")

            let selfSigned = try hub.reply("update", item: itemId, ["signOff": ["decision": "approved", "reason": "Agreed."]])
            try await client.submit(selfSigned).expectProblem(.itemStateConflict)
            let approved = try await client.accepted(try hub.reply(
                "update", item: itemId, person: ("Sam Okoro", "MASH team manager"),
                ["signOff": ["decision": "approved", "reason": "Risk reassessed; agreed."]]))
            #expect(approved.string("about", "status") == "completed")

            let status = try await client.readJSON("/v1/messages/\(messageId)", as: "police-test", hub: hub)
            #expect(status.string("items", 0, "outcome", "code") == "no-further-action")
            #expect(status.string("items", 0, "outcome", "rationale") == "Father has left the home; mother engaging with support.")
            let final = try await client.readJSON("/v1/items/\(itemId)", as: "mash-test", hub: hub)
            #expect(final.string("outcome", "signedOffBy", "name") == "Sam Okoro")
        }
    }

    @Test("the sender cancels its message: every open item is cancelled with its reason and can no longer be acted on")
    func cancellation() async throws {
        let hub = try TestHub()
        try await hub.run { _, client in
            let messageId = UUID().uuidString.lowercased()
            let receipt = try await client.accepted(try hub.signed(hub.referral(id: messageId)))
            let itemId = try #require(receipt.objects("items").first?.string("itemId"))
            // Only the sender may cancel.
            try await client.submit(try hub.reply("cancellation", message: messageId, ["reason": "Sent in error."])).expectProblem(.notFound)
            try await client.submit(try hub.reply("cancellation", item: itemId, ["reason": "Sent in error."])).expectProblem(.notYourItem)
            let cancelled = try await client.accepted(try hub.reply(
                "cancellation", message: messageId, from: "police-test", ["reason": "Referral sent for the wrong child; a new one follows."]))
            #expect(cancelled.at("about", "cancelledItems") == 1)
            try await client.submit(try hub.reply("acknowledgement", item: itemId, ["decision": "accepted", "owner": ["name": "Jo Rowntree"]]))
                .expectProblem(.itemStateConflict)
            let status = try await client.readJSON("/v1/messages/\(messageId)", as: "police-test", hub: hub)
            #expect(status.string("items", 0, "status") == "cancelled")
            #expect(status.string("state") == "closed")
        }
    }

    @Test("a professional disagreement becomes an item for the other agency's escalation contact")
    func disagreement() async throws {
        let hub = try TestHub()
        try await hub.run { _, client in
            let receipt = try await client.accepted(try hub.signed(hub.referral()))
            let itemId = try #require(receipt.objects("items").first?.string("itemId"))
            _ = try await client.accepted(try hub.reply("acknowledgement", item: itemId, ["decision": "accepted", "owner": ["name": "Jo Rowntree"]]))
            _ = try await client.accepted(try hub.reply("outcome", item: itemId, ["code": "early-help", "rationale": "Family agreed to early help."]))
            let raised = try await client.accepted(try hub.reply("escalation", item: itemId, from: "police-test", [
                "concerning": "outcome", "reason": "A third incident this month; we consider the threshold for s47 met.",
                "requestedAction": "Reconsider at a strategy discussion.",
            ]))
            let created = try #require(raised.objects("items").first)
            #expect(created.string("purpose") == "disagreement")
            #expect(created.string("recipient") == "mash-test")
            let disagreementId = try #require(created.string("itemId"))
            let item = try await client.readJSON("/v1/items/\(disagreementId)", as: "mash-test", hub: hub)
            #expect(item.string("addressee", "role") == "team-manager")
            #expect(item.string("details", "concerning") == "outcome")
            #expect(item.string("relatedItem") == itemId)
            // An agency with no part in the item cannot raise one.
            try await client.submit(try hub.reply("escalation", item: itemId, from: "school-test", ["concerning": "outcome", "reason": "x"]))
                .expectProblem(.notFound)
        }
    }

    @Test("a message no rule can route goes to the MASH triage inbox with a reason that names no one")
    func unroutable() async throws {
        let hub = try TestHub()
        try await hub.run { _, client in
            // FW1 is in authority 996, which has no social care registered on this hub.
            let jws = try hub.signed(hub.referral { object in
                object["subjects"] = [[
                    "ref": "c1", "givenName": "Evie", "familyName": "Ashworth", "dateOfBirth": "2016-04-09",
                    "address": ["lines": ["12 Kiln Street"], "postcode": "FW1 2AB"],
                ]]
            })
            let receipt = try await client.accepted(jws)
            let triage = try #require(receipt.objects("items").first)
            #expect(triage.string("purpose") == "triage")
            let item = try await client.readJSON("/v1/items/\(try #require(triage.string("itemId")))", as: "mash-test", hub: hub)
            let reason = try #require(item.string("details", "reason1"))
            #expect(reason.contains("996"))
            for personal in TestHub.personalData + ["FW1 2AB"] { #expect(!reason.contains(personal)) }
        }
    }

    @Test("the inbox is ordered by risk, then the most overdue, then age, and pages without gaps or repeats")
    func inboxOrder() async throws {
        let hub = try TestHub()
        try await hub.run { _, client in
            var expected: [(String, String)] = []
            for (index, risk) in ["low", "high", "medium", "immediate", "high", "low", "medium"].enumerated() {
                let receipt = try await client.accepted(try hub.signed(hub.referral { object in
                    object["concern"] = ["categories": ["neglect"], "summary": .string("Concern \(index)."), "risk": ["level": .string(risk)]]
                }))
                expected.append((risk, try #require(receipt.objects("items").first?.string("itemId"))))
                hub.clock.advance(by: 60)
            }
            let rank = ["immediate": 0, "high": 1, "medium": 2, "low": 3]
            let order = expected.enumerated().sorted { (rank[$0.element.0]!, $0.offset) < (rank[$1.element.0]!, $1.offset) }.map(\.element.1)
            var seen: [String] = []
            var alerts = 0
            var cursor: String?
            repeat {
                let page = try await client.readJSON("/v1/inbox?limit=3" + (cursor.map { "&cursor=\($0)" } ?? ""), as: "mash-test", hub: hub)
                for item in page.objects("items") {
                    // Seven referrals about one child in minutes also cross the re-referral threshold.
                    if item.string("purpose") == "cumulative-harm" { alerts += 1 } else if let id = item.string("itemId") { seen.append(id) }
                }
                cursor = page.string("nextCursor")
            } while cursor != nil
            #expect(seen == order)
            #expect(alerts == 1)
            try await client.read("/v1/inbox?limit=0", bearer: try hub.token(for: "mash-test")).expectProblem(.badRequest)
            try await client.read("/v1/inbox?cursor=nonsense", bearer: try hub.token(for: "mash-test")).expectProblem(.badRequest)
            try await client.read("/v1/inbox?state=finished", bearer: try hub.token(for: "mash-test")).expectProblem(.badRequest)
            let closed = try await client.readJSON("/v1/inbox?state=closed", as: "mash-test", hub: hub)
            #expect(closed.objects("items").isEmpty)
            #expect(try await client.read("/v1/inbox", bearer: nil).status == .unauthorized)
        }
    }
}
