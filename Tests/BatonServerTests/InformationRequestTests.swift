import BatonCore
import BatonServer
import BatonSigning
import BatonStore
import Foundation
import HummingbirdTesting
import Testing

/// The MASH gathers what partners know (issue "The MASH at work", part 1) over HTTP with real
/// signatures: requests with RAG deadlines, answers with sections or "nothing known", the MASH's
/// view of who has answered and who is overdue, escalation, and every refusal.
@Suite("Information requests")
struct InformationRequestTests {
    /// An information request from the MASH about Evie, asking `recipients`.
    func request(
        _ hub: TestHub, id: String = UUID().uuidString.lowercased(), from agency: String = "mash-test", rag: String = "amber",
        recipients: [String] = ["gp-test", "school-test"], change: (inout JSONObject) -> Void = { _ in }
    ) throws -> String {
        var object: JSONObject = [
            "messageId": .string(id),
            "sentAt": .string(RFC3339.format(hub.clock.now())),
            "kind": "information-request",
            "from": ["agency": .string(agency), "person": ["name": "Jo Rowntree", "role": "MASH social worker"]],
            "subjects": [TestHub.evieAtSchool],
            "consent": ["status": "not-sought", "basis": "safeguarding", "reasonNotSought": "Enquiries before deciding on a strategy discussion."],
            "sections": [
                ["label": "concern.summary", "content": ["text": "Repeated incidents at the home."]],
                ["label": "police.intelligence", "content": ["text": "Untested intelligence about an adult at the address."]],
            ],
            "request": [
                "rag": .string(rag), "recipients": .array(recipients.map(JSONValue.string)),
                "reason": "A police referral about domestic abuse at the child's home.",
                "questions": ["Attendance and presentation this term?", "Any injuries seen?"],
            ],
        ]
        change(&object)
        return try hub.signed(JSONValue.object(object).serialized(), with: hub.key(for: agency))
    }

    /// A partner's answer to `item`.
    func response(
        _ hub: TestHub, item: String, from agency: String, nothingKnown: Bool, sections: [JSONValue] = [], summary: String? = nil
    ) throws -> String {
        var answer: JSONObject = ["nothingKnown": .bool(nothingKnown)]
        if let summary { answer["summary"] = .string(summary) }
        let object: JSONObject = [
            "messageId": .string(UUID().uuidString.lowercased()),
            "sentAt": .string(RFC3339.format(hub.clock.now())),
            "kind": "information-response",
            "from": ["agency": .string(agency), "person": ["name": "Dr Okafor", "role": "Named GP for safeguarding"]],
            "about": ["item": .string(item)],
            "subjects": [["ref": "c1", "givenName": "Evie", "familyName": "Ashworth", "dateOfBirth": "2016-04-09", "nhsNumber": "9990000018"]],
            "consent": ["status": "not-sought", "basis": "safeguarding", "reasonNotSought": "Answering the MASH's request."],
            "sections": .array(sections),
            "response": .object(answer),
        ]
        return try hub.signed(JSONValue.object(object).serialized(), with: hub.key(for: agency))
    }

    @Test("the MASH asks the GP and the school; the GP answers, the school is overdue and escalates, then says nothing is known; the MASH sees who answered")
    func askAnswerEscalate() async throws {
        let hub = try TestHub()
        try await hub.run { baton, client in
            let requestId = UUID().uuidString.lowercased()
            let receipt = try await client.accepted(try request(hub, id: requestId))
            let asked = receipt.objects("items")
            #expect(Set(asked.map { $0.string("recipient") }) == ["gp-test", "school-test"])
            #expect(asked.allSatisfy { $0.string("purpose") == "information-request" })
            // Amber: delivered within two hours.
            #expect(asked.first?.string("dueAt") == RFC3339.format(TestHub.start.addingTimeInterval(2 * 3600)))
            let gpItem = try #require(asked.first { $0.string("recipient") == "gp-test" }?.string("itemId"))
            let schoolItem = try #require(asked.first { $0.string("recipient") == "school-test" }?.string("itemId"))

            // Each partner reads why it is asked, and only the sections need-to-know allows.
            let gpView = try await client.readJSON("/v1/items/\(gpItem)", as: "gp-test", hub: hub)
            #expect(gpView.string("content", "request", "rag") == "amber")
            #expect(gpView.string("content", "request", "questions", 1) == "Any injuries seen?")
            let gpSections = (gpView.at("content", "sections")?.arrayValue ?? []).compactMap { $0.objectValue?["label"]?.stringValue }
            #expect(gpSections == ["concern.summary"], "police intelligence is not shared with health")
            let schoolView = try await client.readJSON("/v1/items/\(schoolItem)", as: "school-test", hub: hub)
            let schoolSections = (schoolView.at("content", "sections")?.arrayValue ?? []).compactMap { $0.objectValue?["label"]?.stringValue }
            #expect(schoolSections == ["concern.summary"])

            // Nobody else sees a request, or answers another agency's.
            #expect(try await client.read("/v1/items/\(gpItem)", bearer: try hub.token(for: "police-test")).status == .notFound)
            try await client.submit(try response(hub, item: gpItem, from: "police-test", nothingKnown: true)).expectProblem(.notFound)
            try await client.submit(try response(hub, item: gpItem, from: "mash-test", nothingKnown: true)).expectProblem(.notYourItem)
            // An outcome is not an answer.
            _ = try await client.accepted(try hub.reply("acknowledgement", item: gpItem, from: "gp-test", ["decision": "accepted", "owner": ["name": "Dr Okafor"]]))
            try await client.submit(try hub.reply("outcome", item: gpItem, from: "gp-test", ["code": "noted", "rationale": "Seen."]))
                .expectProblem(.invalidMessage)

            // The GP answers with what it knows.
            hub.clock.advance(by: 3600)
            let answered = try await client.accepted(try response(hub, item: gpItem, from: "gp-test", nothingKnown: false, sections: [
                ["label": "health.attendance", "content": ["text": "Two A&E attendances this year, both minor injuries."]],
            ]))
            #expect(answered.string("about", "item") == gpItem)
            #expect(answered.string("about", "status") == "completed")
            let notices = answered.objects("items")
            #expect(notices.map { $0.string("recipient") } == ["mash-test"])
            #expect(notices.map { $0.string("purpose") } == ["information-response"])
            let noticeId = try #require(notices.first?.string("itemId"))
            // Once is enough.
            try await client.submit(try response(hub, item: gpItem, from: "gp-test", nothingKnown: true)).expectProblem(.itemStateConflict)

            var status = try await client.readJSON("/v1/messages/\(requestId)", as: "mash-test", hub: hub)
            #expect(status.at("informationRequest", "answered") == ["gp-test"])
            #expect(status.at("informationRequest", "awaiting") == ["school-test"])
            #expect(status.at("informationRequest", "overdue") == [])
            let gpEntry = status.objects("items").first { $0.string("recipient") == "gp-test" }
            #expect(gpEntry?.string("response", "code") == "information-provided")
            #expect(gpEntry?.string("response", "responseItem") == noticeId)
            #expect(gpEntry?.at("response", "read") == false)

            // The MASH reads the answer (need-to-know applies: it sees it all) and acknowledges it.
            let notice = try await client.readJSON("/v1/items/\(noticeId)", as: "mash-test", hub: hub)
            #expect(notice.string("content", "sections", 0, "label") == "health.attendance")
            #expect(notice.at("content", "response", "nothingKnown") == false)
            #expect(notice.string("relatedItem") == gpItem)
            let read = try await client.accepted(try hub.reply("acknowledgement", item: noticeId, [
                "decision": "accepted", "owner": ["name": "Jo Rowntree", "role": "MASH social worker"],
            ]))
            #expect(read.string("about", "status") == "completed")

            // The school has not answered by the amber deadline: it escalates, and the MASH sees it overdue.
            hub.clock.advance(by: 3 * 86_400)
            #expect(try await baton.sweeper.sweep().changed >= 1)
            let schoolNow = try await client.readJSON("/v1/items/\(schoolItem)", as: "school-test", hub: hub)
            #expect(schoolNow.at("escalation", "level") == 1)
            status = try await client.readJSON("/v1/messages/\(requestId)", as: "mash-test", hub: hub)
            #expect(status.at("informationRequest", "overdue") == ["school-test"])
            #expect(status.string("state") == "open")

            // "Nothing known" is an answer; it ends the escalation and closes the request.
            let nothing = try await client.accepted(try response(hub, item: schoolItem, from: "school-test", nothingKnown: true))
            #expect(nothing.string("about", "status") == "completed")
            status = try await client.readJSON("/v1/messages/\(requestId)", as: "mash-test", hub: hub)
            #expect(status.at("informationRequest", "nothingKnown") == ["school-test"])
            #expect(status.at("informationRequest", "awaiting") == [])
            #expect(status.at("informationRequest", "overdue") == [])
            #expect(status.string("items", 1, "response", "code") == "nothing-known" || status.string("items", 0, "response", "code") == "nothing-known")
            #expect(status.string("state") == "closed")
            let escalations = try await baton.store.read { reader in
                try reader.items(relatedTo: ItemID(rawValue: schoolItem)!).filter { $0.purpose == SystemPurpose.escalationNotice }
            }
            #expect(!escalations.isEmpty && escalations.allSatisfy { !$0.isOpen }, "the escalation notice is resolved by the answer")
        }
    }

    @Test("red requests are due within hours; refusals name the field")
    func deadlinesAndRefusals() async throws {
        let hub = try TestHub()
        try await hub.run { _, client in
            let red = try await client.accepted(try request(hub, rag: "red", recipients: ["gp-test"]))
            #expect(red.objects("items").first?.string("dueAt") == RFC3339.format(TestHub.start.addingTimeInterval(30 * 60)))

            // Only social care asks.
            try await client.submit(try request(hub, from: "police-test")).expectProblem(.notPermitted)
            // Unknown agencies, the sender itself, a missing RAG.
            let unknown = try await client.submit(try request(hub, recipients: ["gp-test", "nobody-test"])).expectProblem(.invalidMessage)
            #expect(unknown?.objects("errors").first?.string("pointer") == "/request/recipients/1")
            let itself = try await client.submit(try request(hub, recipients: ["mash-test"])).expectProblem(.invalidMessage)
            #expect(itself?.objects("errors").map { $0.string("pointer") }.contains("/request/recipients/0") == true)
            let noRag = try await client.submit(try request(hub) { object in
                object["request"] = ["recipients": ["gp-test"], "reason": "Checking."]
            }).expectProblem(.invalidMessage)
            #expect(noRag?.objects("errors").first?.string("pointer") == "/request/rag")

            // Answers must be answers.
            let asked = try await client.accepted(try request(hub, recipients: ["gp-test"]))
            let item = try #require(asked.objects("items").first?.string("itemId"))
            let contradictory = try await client.submit(try response(hub, item: item, from: "gp-test", nothingKnown: true, sections: [
                ["label": "health.attendance", "content": ["text": "One attendance."]],
            ])).expectProblem(.invalidMessage)
            #expect(contradictory?.objects("errors").first?.string("pointer") == "/sections")
            let empty = try await client.submit(try response(hub, item: item, from: "gp-test", nothingKnown: false)).expectProblem(.invalidMessage)
            #expect(empty?.objects("errors").first?.string("pointer") == "/sections")
            // A response about an item that is not a request.
            let referral = try await client.accepted(try hub.signed(hub.referral()))
            let mashItem = try #require(referral.objects("items").first?.string("itemId"))
            try await client.submit(try response(hub, item: mashItem, from: "mash-test", nothingKnown: true)).expectProblem(.invalidMessage)
            // Nothing refused was stored: the request's item is still waiting.
            let status = try await client.readJSON("/v1/messages/\(try #require(asked.string("messageId")))", as: "mash-test", hub: hub)
            #expect(status.at("informationRequest", "awaiting") == ["gp-test"])
        }
    }
}
