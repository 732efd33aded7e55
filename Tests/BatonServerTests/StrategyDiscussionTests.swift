import BatonCore
import BatonServer
import BatonSigning
import BatonStore
import Foundation
import HummingbirdTesting
import Testing

/// Strategy discussions on the item machinery (issue "The MASH at work", part 2), over HTTP with
/// real signatures: request, invitations, the record and its absence rule, actions, the closing
/// rule, what raises one, and what the requester sees.
@Suite("Strategy discussions")
struct StrategyDiscussionTests {
    /// A strategy discussion request about Evie.
    static func request(
        _ hub: TestHub, id: String = UUID().uuidString.lowercased(), from agency: String = "police-test", urgency: String = "urgent",
        proposed: [String] = []
    ) throws -> String {
        var discussion: JSONObject = ["reason": "Repeated domestic abuse; the child disclosed an injury to a teacher.", "urgency": .string(urgency)]
        if !proposed.isEmpty { discussion["proposedParticipants"] = .array(proposed.map(JSONValue.string)) }
        let object: JSONObject = [
            "messageId": .string(id),
            "sentAt": .string(RFC3339.format(hub.clock.now())),
            "kind": "strategy-discussion-request",
            "from": ["agency": .string(agency), "person": ["name": "DS Kaur", "role": "Child abuse investigation team"]],
            "subjects": [TestHub.evieAtSchool],
            "consent": ["status": "not-sought", "basis": "safeguarding", "reasonNotSought": "Seeking consent would place the child at risk."],
            "sections": [
                ["label": "concern.summary", "content": ["text": "Third incident this year; bruising seen at school."]],
                ["label": "police.intelligence", "content": ["text": "Untested intelligence about an adult at the address."]],
            ],
            "discussion": .object(discussion),
        ]
        return try hub.signed(JSONValue.object(object).serialized(), with: hub.key(for: agency))
    }

    /// The convenor's record of the discussion.
    static func record(
        _ hub: TestHub, item: String, attendees: [(String, String)], absences: [(String, String)] = [], decision: String = "s47-enquiry",
        actions: [(String, String, TimeInterval)] = []
    ) throws -> String {
        try hub.reply("strategy-discussion-record", item: item, key: "record", [
            "heldAt": .string(RFC3339.format(hub.clock.now().addingTimeInterval(-1800))),
            "format": "calls",
            "attendees": .array(attendees.map { ["agency": .string($0.0), "name": .string($0.1)] }),
            "absences": .array(absences.map { ["agency": .string($0.0), "reason": .string($0.1)] }),
            "decision": .string(decision),
            "rationale": "Reasonable cause to suspect significant harm: disclosed injury, pattern of incidents.",
            "actions": .array(actions.map { action in
                ["owner": .string(action.0), "description": .string(action.1), "dueAt": .string(RFC3339.format(hub.clock.now().addingTimeInterval(action.2)))]
            }),
        ])
    }

    @Test("referral → information requests (one answered, one overdue and escalated) → discussion requested → invitations accepted and one declined → record with three actions → actions done → the referrer sees the decision, the loop is closed")
    func wholeStory() async throws {
        let hub = try TestHub()
        try await hub.run { baton, client in
            // A police referral reaches the MASH.
            let referralId = UUID().uuidString.lowercased()
            let referral = try await client.accepted(try hub.signed(hub.referral(id: referralId) { object in
                object["subjects"] = [TestHub.evieAtSchool]
            }))
            let mashItem = try #require(referral.objects("items").first?.string("itemId"))
            _ = try await client.accepted(try hub.reply("acknowledgement", item: mashItem, ["decision": "accepted", "owner": ["name": "Jo Rowntree"]]))

            // The MASH asks the GP and the school; the GP answers, the school does not and escalates.
            let asked = try await client.accepted(try InformationRequestTests().request(hub))
            let gpRequest = try #require(asked.objects("items").first { $0.string("recipient") == "gp-test" }?.string("itemId"))
            _ = try await client.accepted(try InformationRequestTests().response(hub, item: gpRequest, from: "gp-test", nothingKnown: false, sections: [
                ["label": "health.attendance", "content": ["text": "An A&E attendance last month with a bruised arm."]],
            ]))
            hub.clock.advance(by: 2 * 86_400)
            _ = try await baton.sweeper.sweep()
            let requestStatus = try await client.readJSON("/v1/messages/\(try #require(asked.string("messageId")))", as: "mash-test", hub: hub)
            #expect(requestStatus.at("informationRequest", "overdue") == ["school-test"])

            // The police ask for a strategy discussion; the child's authority's social care convenes it.
            let requestId = UUID().uuidString.lowercased()
            let convened = try await client.accepted(try Self.request(hub, id: requestId))
            let items = convened.objects("items")
            let discussionId = try #require(items.first { $0.string("purpose") == "strategy-discussion" }?.string("itemId"))
            #expect(items.first { $0.string("purpose") == "strategy-discussion" }?.string("recipient") == "mash-test")
            let invitations = Dictionary(uniqueKeysWithValues: items.filter { $0.string("purpose") == "strategy-invitation" }.map {
                ($0.string("recipient") ?? "", $0.string("itemId") ?? "")
            })
            #expect(Set(invitations.keys) == ["police-test", "gp-test", "school-test"], "police, health, the child's school and the requester; the convenor holds it")

            let fresh = try await client.readJSON("/v1/discussions", as: "mash-test", hub: hub)
            #expect(fresh.objects("discussions").first?.at("invitationsAwaiting") == 3)

            // Each invited agency sees why, and only what need-to-know allows.
            let invitation = try await client.readJSON("/v1/items/\(try #require(invitations["gp-test"]))", as: "gp-test", hub: hub)
            #expect(invitation.string("content", "discussion", "urgency") == "urgent")
            let shown = (invitation.at("content", "sections")?.arrayValue ?? []).compactMap { $0.objectValue?["label"]?.stringValue }
            #expect(shown == ["concern.summary"], "police intelligence stays with the MASH")
            #expect(invitation.string("discussion", "convenor") == "mash-test")

            // Accepted with named attendees; the school declines with a reason. Declining is an answer:
            // nothing goes to triage.
            for (agency, name) in [("police-test", "DS Kaur"), ("gp-test", "Dr Okafor")] {
                let accepted = try await client.accepted(try hub.reply("acknowledgement", item: try #require(invitations[agency]), from: agency, [
                    "decision": "accepted", "owner": ["name": .string(name), "role": "Attending"],
                ]))
                #expect(accepted.string("about", "status") == "accepted")
            }
            let declined = try await client.accepted(try hub.reply("acknowledgement", item: try #require(invitations["school-test"]), from: "school-test", [
                "decision": "rejected", "reason": "The designated safeguarding lead is on a course; the school will send a written account.",
            ]))
            #expect(declined.objects("items").isEmpty, "a declined invitation does not go to triage")
            var status = try await client.readJSON("/v1/messages/\(requestId)", as: "police-test", hub: hub)
            let answers = Dictionary(uniqueKeysWithValues: (status.at("discussion", "invitations")?.arrayValue ?? []).compactMap { $0.objectValue }.map {
                ($0["agency"]?.stringValue ?? "", $0["answer"]?.stringValue ?? "")
            })
            #expect(answers == ["police-test": "accepted", "gp-test": "accepted", "school-test": "declined"])
            #expect(status.string("discussion", "state") == "to-be-held")
            // The MASH's view across the discussions it convenes.
            var list = try await client.readJSON("/v1/discussions", as: "mash-test", hub: hub)
            #expect(list.objects("discussions").map { $0.string("discussionItem") } == [discussionId])
            #expect(list.objects("discussions").first?.at("invitationsAwaiting") == 0)
            #expect(try await client.readJSON("/v1/discussions", as: "police-test", hub: hub).objects("discussions").isEmpty, "the police convene none")
            #expect(try await client.read("/v1/discussions?state=sideways", bearer: try hub.token(for: "mash-test")).status == .badRequest)

            // The absence rule: without health, and no reason given, the record is refused.
            hub.clock.advance(by: 3600)
            let noHealth = try await client.submit(try Self.record(
                hub, item: discussionId, attendees: [("mash-test", "Jo Rowntree"), ("police-test", "DS Kaur")],
                absences: [("school-test", "On a course")])).expectProblem(.invalidMessage)
            #expect(noHealth?.objects("errors").first?.string("pointer") == "/record/absences")
            #expect(noHealth?.objects("errors").first?.string("problem")?.contains("health") == true)
            // Only the convenor records it.
            try await client.submit(try hub.reply("strategy-discussion-record", item: discussionId, from: "police-test", key: "record", [
                "heldAt": .string(RFC3339.format(hub.clock.now())), "format": "calls", "attendees": [["agency": "police-test", "name": "DS Kaur"]],
                "decision": "s47-enquiry", "rationale": "x",
            ])).expectProblem(.notYourItem)

            // The record: three actions.
            let recorded = try await client.accepted(try Self.record(
                hub, item: discussionId, attendees: [("mash-test", "Jo Rowntree"), ("police-test", "DS Kaur"), ("gp-test", "Dr Okafor")],
                absences: [("school-test", "The designated safeguarding lead was on a course; a written account was read out.")],
                actions: [
                    ("police-test", "Check the address history and any intelligence on adults at the home.", 2 * 86_400),
                    ("gp-test", "Share the child's health history with the social worker.", 3 * 86_400),
                    ("mash-test", "Start the section 47 enquiry and see the child.", 5 * 86_400),
                ]))
            #expect(recorded.string("about", "status") == "on-hold", "the discussion waits on its actions")
            let created = recorded.objects("items")
            var actions: [JSONObject] = []
            for entry in created where entry.string("purpose") == "strategy-action" { actions.append(entry) }
            #expect(Set(actions.map { $0.string("recipient") }) == ["police-test", "gp-test", "mash-test"])
            #expect(created.contains { $0.string("purpose") == "outcome-feedback" && $0.string("recipient") == "police-test" }, "the requester is told the decision")
            #expect(actions.first { $0.string("recipient") == "police-test" }?.string("dueAt") != nil)

            status = try await client.readJSON("/v1/messages/\(requestId)", as: "police-test", hub: hub)
            #expect(status.string("discussion", "decision", "code") == "s47-enquiry")
            #expect(status.at("discussion", "decision", "rationale") == nil, "s47-enquiry tells the requester the code only")
            #expect(status.string("discussion", "state") == "actions-open")
            #expect(status.at("discussion", "openActions") == 3)
            #expect((status.at("discussion", "actions")?.arrayValue ?? []).allSatisfy { $0.objectValue?["description"] == nil },
                "action descriptions are case text: only on the items themselves, whose reads are logged")
            let after = Dictionary(uniqueKeysWithValues: (status.at("discussion", "invitations")?.arrayValue ?? []).compactMap { $0.objectValue }.map {
                ($0["agency"]?.stringValue ?? "", $0["answer"]?.stringValue ?? "")
            })
            #expect(after == ["police-test": "attended", "gp-test": "attended", "school-test": "declined"])
            // Each owner reads its own action's description; the police do not see health's.
            let policeAction = try #require(actions.first { $0.string("recipient") == "police-test" }?.string("itemId"))
            let policeView = try await client.readJSON("/v1/items/\(policeAction)", as: "police-test", hub: hub)
            let described = (policeView.at("discussion", "actions")?.arrayValue ?? []).compactMap { $0.objectValue }
            #expect(described.first { $0["owner"]?.stringValue == "police-test" }?["description"]?.stringValue?.hasPrefix("Check the address") == true)
            #expect(described.first { $0["owner"]?.stringValue == "gp-test" }?["description"] == nil)

            // The closing rule: open until the last action has an outcome.
            for (index, action) in actions.enumerated() {
                let owner = try #require(action.string("recipient"))
                let id = try #require(action.string("itemId"))
                _ = try await client.accepted(try hub.reply("acknowledgement", item: id, from: owner, ["decision": "accepted", "owner": ["name": "Owner"]]))
                let done = try await client.accepted(try hub.reply("outcome", item: id, from: owner, ["code": "action-completed", "rationale": "Done."]))
                #expect(done.string("about", "status") == "completed")
                let discussion = try await baton.store.read { try $0.item(ItemID(rawValue: discussionId)!) }
                if index < actions.count - 1 {
                    #expect(discussion?.isOpen == true, "closes only with the last action")
                } else {
                    #expect(discussion?.state.status == .completed)
                    #expect(discussion?.state.outcome?.code == "s47-enquiry")
                }
            }
            status = try await client.readJSON("/v1/messages/\(requestId)", as: "police-test", hub: hub)
            #expect(status.string("discussion", "state") == "closed")
            list = try await client.readJSON("/v1/discussions", as: "mash-test", hub: hub)
            #expect(list.objects("discussions").isEmpty, "no discussion open")
            list = try await client.readJSON("/v1/discussions?state=closed", as: "mash-test", hub: hub)
            #expect(list.objects("discussions").first?.string("state") == "closed")
            #expect(list.objects("discussions").first?.at("openActions") == 0)
            #expect(status.at("discussion", "openActions") == 0)
            // The requester was told once (at the record), not again when the discussion closed.
            let feedback = try await baton.store.read { reader in
                try reader.items(relatedTo: ItemID(rawValue: discussionId)!).filter { $0.purpose == SystemPurpose.outcomeFeedback }
            }
            #expect(feedback.count == 1)

            // The MASH closes the referral with the discussion's decision; the police see it.
            _ = try await client.accepted(try hub.reply("outcome", item: mashItem, ["code": "s47-enquiry", "rationale": "Strategy discussion held; enquiry under way."]))
            let referralStatus = try await client.readJSON("/v1/messages/\(referralId)", as: "police-test", hub: hub)
            #expect(referralStatus.string("items", 0, "outcome", "code") == "s47-enquiry")
            #expect(referralStatus.at("loop", "closed") == true)
            status = try await client.readJSON("/v1/messages/\(requestId)", as: "police-test", hub: hub)
            #expect(status.at("loop", "closed") == true)
            #expect(status.string("state") == "closed")
        }
    }

    @Test("policy raises a discussion for a high-risk referral and for a third missing episode; new information prompts the convenor; discussions about a child link")
    func triggers() async throws {
        let hub = try TestHub(raiseDiscussions: true)
        try await hub.run { baton, client in
            let first = try await client.accepted(try hub.signed(hub.referral()))
            let raised = first.objects("items").filter { $0.string("purpose") == "strategy-discussion" }
            #expect(raised.count == 1)
            let discussionId = try #require(raised.first?.string("itemId"))
            let item = try await client.readJSON("/v1/items/\(discussionId)", as: "mash-test", hub: hub)
            #expect(item.string("discussion", "origin") == "rule:high-risk-referral")
            #expect(item.string("discussion", "requestedBy") == "police-test")
            #expect(first.objects("items").contains { $0.string("purpose") == "strategy-invitation" && $0.string("recipient") == "gp-test" })

            // Unanswered invitations escalate (urgent: answered within four hours), and the MASH sees them overdue.
            hub.clock.advance(by: 5 * 3600)
            _ = try await baton.sweeper.sweep()
            let gpInvitation = try #require(first.objects("items").first { $0.string("purpose") == "strategy-invitation" && $0.string("recipient") == "gp-test" }?
                .string("itemId"))
            let overdueInvitation = try await client.readJSON("/v1/items/\(gpInvitation)", as: "gp-test", hub: hub)
            #expect(overdueInvitation.at("escalation", "level") == 1)
            let overview = try await client.readJSON("/v1/discussions", as: "mash-test", hub: hub)
            #expect(overview.objects("discussions").first?.at("invitationsOverdue") == 2)

            // The discussion is on the child's chronology.
            let child = try #require(first.objects("subjects").first?.string("person"))
            let chronology = try await client.readJSON("/v1/persons/\(child)/chronology", as: "mash-test", hub: hub)
            #expect(chronology.objects("entries").contains { $0.string("itemId") == discussionId && $0.string("purpose") == "strategy-discussion" })

            // More about the child while it is open: no second discussion, a prompt to the convenor.
            let second = try await client.accepted(try hub.signed(hub.referral()))
            #expect(!second.objects("items").contains { $0.string("purpose") == "strategy-discussion" })
            let prompt = second.objects("items").first { $0.string("purpose") == "strategy-new-information" }
            #expect(prompt?.string("recipient") == "mash-test")
            // What the convenor sends itself is not new information to it.
            let asked = try await client.accepted(try InformationRequestTests().request(hub, recipients: ["school-test"]))
            #expect(!asked.objects("items").contains { $0.string("purpose") == "strategy-new-information" })

            // Recorded with no actions, it closes at once; the next high-risk referral raises a new
            // discussion linked to the first.
            _ = try await client.accepted(try Self.record(
                hub, item: discussionId, attendees: [("mash-test", "Jo Rowntree"), ("police-test", "DS Kaur"), ("gp-test", "Dr Okafor")],
                decision: "no-further-action"))
            let closed = try await client.readJSON("/v1/items/\(discussionId)", as: "mash-test", hub: hub)
            #expect(closed.string("status") == "completed")
            let third = try await client.accepted(try hub.signed(hub.referral()))
            let next = try #require(third.objects("items").first { $0.string("purpose") == "strategy-discussion" }?.string("itemId"))
            let linked = try await client.readJSON("/v1/items/\(next)", as: "mash-test", hub: hub)
            #expect(linked.at("discussion", "earlierDiscussions") == [.string(discussionId)])
        }

        // A third missing episode in 90 days.
        let missing = try TestHub(raiseDiscussions: true)
        try await missing.run { _, client in
            for episode in 1...3 {
                let receipt = try await client.accepted(try missing.notification(type: "missing-episode", childPresent: nil))
                let discussions = receipt.objects("items").filter { $0.string("purpose") == "strategy-discussion" }
                #expect(discussions.count == (episode == 3 ? 1 : 0), "episode \(episode)")
                missing.clock.advance(by: 86_400)
            }
        }
    }

    @Test("a looked-after child's fostering service is invited; another child's discussion does not invite it")
    func lookedAfter() async throws {
        let hub = try TestHub()
        try await hub.run { _, client in
            _ = try await client.accepted(try hub.notification(from: "mash-test", type: "plan-started", childPresent: nil) { object in
                object["notification"] = [
                    "type": "plan-started", "occurredAt": .string(RFC3339.format(hub.clock.now().addingTimeInterval(-3600))), "plan": "looked-after",
                ]
            })
            let convened = try await client.accepted(try Self.request(hub))
            let invited = Set(convened.objects("items").filter { $0.string("purpose") == "strategy-invitation" }.compactMap { $0.string("recipient") })
            #expect(invited == ["police-test", "gp-test", "school-test", "fostering-test"])
        }
    }

    @Test("refusals: unknown proposed participants, outcomes instead of records, records of what is not a discussion, actions due in the past")
    func refusals() async throws {
        let hub = try TestHub()
        try await hub.run { baton, client in
            let unknown = try await client.submit(try Self.request(hub, proposed: ["nobody-test"])).expectProblem(.invalidMessage)
            #expect(unknown?.objects("errors").first?.string("pointer") == "/discussion/proposedParticipants/0")
            let noUrgency = try await client.submit(try hub.signed(JSONValue.object([
                "messageId": .string(UUID().uuidString.lowercased()), "sentAt": .string(RFC3339.format(hub.clock.now())),
                "kind": "strategy-discussion-request", "from": ["agency": "school-test"],
                "subjects": [["ref": "c1", "givenName": "Evie", "familyName": "Ashworth", "dateOfBirth": "2016-04-09"]],
                "consent": ["status": "not-sought", "basis": "safeguarding", "reasonNotSought": "Risk to the child."],
                "discussion": ["reason": "Disclosure in class."],
            ]).serialized(), with: hub.schoolKey)).expectProblem(.invalidMessage)
            #expect(noUrgency?.objects("errors").first?.string("pointer") == "/discussion/urgency")

            let convened = try await client.accepted(try Self.request(hub, from: "school-test", proposed: ["gp-test"]))
            let discussionId = try #require(convened.objects("items").first { $0.string("purpose") == "strategy-discussion" }?.string("itemId"))
            let invitation = try #require(convened.objects("items").first { $0.string("purpose") == "strategy-invitation" }?.string("itemId"))
            _ = try await client.accepted(try hub.reply("acknowledgement", item: discussionId, ["decision": "accepted", "owner": ["name": "Jo Rowntree"]]))
            try await client.submit(try hub.reply("outcome", item: discussionId, ["code": "s47-enquiry", "rationale": "Held."])).expectProblem(.invalidMessage)
            try await client.submit(try hub.reply("update", item: discussionId, ["decision": ["code": "s47-enquiry", "rationale": "Held."]]))
                .expectProblem(.invalidMessage)
            let invitee = try #require(convened.objects("items").first { $0.string("itemId") == invitation }?.string("recipient"))
            _ = try await client.accepted(try hub.reply("acknowledgement", item: invitation, from: invitee, ["decision": "accepted", "owner": ["name": "Someone"]]))
            try await client.submit(try hub.reply("outcome", item: invitation, from: invitee, ["code": "attended", "rationale": "Went."])).expectProblem(.invalidMessage)

            let past = try await client.submit(try Self.record(
                hub, item: discussionId, attendees: [("mash-test", "Jo Rowntree"), ("police-test", "DS Kaur"), ("gp-test", "Dr Okafor")],
                actions: [("police-test", "Visit.", -3600)])).expectProblem(.invalidMessage)
            #expect(past?.objects("errors").first?.string("pointer") == "/record/actions/0/dueAt")
            let wrongDecision = try await client.submit(try Self.record(
                hub, item: discussionId, attendees: [("mash-test", "Jo Rowntree"), ("police-test", "DS Kaur"), ("gp-test", "Dr Okafor")],
                decision: "lock-them-up")).expectProblem(.invalidMessage)
            #expect(wrongDecision?.objects("errors").first?.string("pointer") == "/record/decision")

            // A record about an item that is not a discussion.
            let referral = try await client.accepted(try hub.signed(hub.referral()))
            let mashItem = try #require(referral.objects("items").first?.string("itemId"))
            try await client.submit(try Self.record(hub, item: mashItem, attendees: [("mash-test", "Jo Rowntree")])).expectProblem(.invalidMessage)

            // A discussion its convenor rejects goes to triage, and its invitations are released.
            let another = try await client.accepted(try Self.request(hub))
            let rejectedId = try #require(another.objects("items").first { $0.string("purpose") == "strategy-discussion" }?.string("itemId"))
            let rejected = try await client.accepted(try hub.reply("acknowledgement", item: rejectedId, [
                "decision": "rejected", "reason": "The child lives in another authority.",
            ]))
            #expect(rejected.objects("items").map { $0.string("purpose") } == ["triage"])
            let released = try await baton.store.read { reader in
                try reader.items(relatedTo: ItemID(rawValue: rejectedId)!).filter { $0.purpose == SystemPurpose.strategyInvitation }
            }
            #expect(!released.isEmpty && released.allSatisfy { $0.state.status == .cancelled })

            // Recorded once.
            _ = try await client.accepted(try Self.record(
                hub, item: discussionId, attendees: [("mash-test", "Jo Rowntree"), ("police-test", "DS Kaur"), ("gp-test", "Dr Okafor")],
                decision: "further-information"))
            try await client.submit(try Self.record(
                hub, item: discussionId, attendees: [("mash-test", "Jo Rowntree"), ("police-test", "DS Kaur"), ("gp-test", "Dr Okafor")]))
                .expectProblem(.itemStateConflict)
        }
    }
}
