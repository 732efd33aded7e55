import BatonCore
import BatonServer
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Synchronization
import Testing

/// One child, one record, over HTTP with real signatures: linking across agencies, twins, the
/// review queue, merges and unmerges, the people around the child, chronologies and counters.
@Suite("Identity resolution through the hub")
struct IdentityResolutionTests {
    /// A case message about `subjects` (and `persons`), from `agency`.
    func caseMessage(
        _ hub: TestHub, from agency: String, kind: String = "referral", subjects: [JSONObject], persons: [JSONObject] = [],
        relationships: [JSONObject] = [], notification: String? = nil, categories: [String] = ["neglect"]
    ) throws -> String {
        var object: JSONObject = [
            "messageId": .string(UUID().uuidString.lowercased()),
            "sentAt": .string(RFC3339.format(hub.clock.now())),
            "kind": .string(kind),
            "from": ["agency": .string(agency), "person": ["name": "A. Sender", "role": "Safeguarding lead"]],
            "subjects": .array(subjects.map(JSONValue.object)),
            "consent": ["status": "not-sought", "basis": "safeguarding", "reasonNotSought": "Urgent safeguarding concern."],
        ]
        if !persons.isEmpty { object["persons"] = .array(persons.map(JSONValue.object)) }
        if !relationships.isEmpty { object["relationships"] = .array(relationships.map(JSONValue.object)) }
        if let notification {
            object["notification"] = ["type": .string(notification), "occurredAt": .string(RFC3339.format(hub.clock.now().addingTimeInterval(-1800)))]
        } else {
            object["concern"] = ["categories": .array(categories.map(JSONValue.string)), "summary": "Concern about the child.", "risk": ["level": "medium"]]
        }
        return try hub.signed(JSONValue.object(object).serialized(), with: hub.key(for: agency))
    }

    static func upn(_ body: String) -> String { String(UniquePupilNumber.checkLetter(for: body)!) + body }

    func subjectPerson(_ receipt: JSONObject, _ index: Int = 0) -> String? { receipt.objects("subjects")[safe: index]?.string("person") }

    @Test("police's 'Jon Smyth' and the school's 'Jonathan Smith' are one child with one chronology; his twin stays a child of his own")
    func oneChildAcrossAgencies() async throws {
        let hub = try TestHub()
        try await hub.run { _, client in
            let home: JSONObject = ["lines": ["4 Tanner Row", "Northmoor"], "postcode": "NM3 4AB"]
            let police = try await client.accepted(try caseMessage(hub, from: "police-test", subjects: [[
                "ref": "c1", "givenName": "Jon", "familyName": "Smyth", "dateOfBirth": "2014-03-07", "sex": "male", "address": .object(home),
            ]]))
            #expect(police.objects("subjects").first?.string("match") == "new")
            hub.clock.advance(by: 3600)
            let school = try await client.accepted(try caseMessage(hub, from: "school-test", subjects: [[
                "ref": "pupil", "givenName": "Jonathan", "familyName": "Smith", "dateOfBirth": "2014-03-07", "sex": "male",
                "upn": .string(Self.upn("995200114001")), "nhsNumber": "999 000 0026", "address": .object(home), "school": ["urn": "990199"],
            ]]))
            #expect(school.objects("subjects").first?.string("match") == "linked")
            let child = try #require(subjectPerson(police))
            #expect(subjectPerson(school) == child)

            // His twin brother: same surname, date of birth and home, another given name and NHS number.
            let twin = try await client.accepted(try caseMessage(hub, from: "school-test", subjects: [[
                "ref": "pupil", "givenName": "Jacob", "familyName": "Smith", "dateOfBirth": "2014-03-07", "sex": "male",
                "upn": .string(Self.upn("995200114002")), "nhsNumber": "999 000 0034", "address": .object(home), "school": ["urn": "990199"],
            ]]))
            #expect(twin.objects("subjects").first?.string("match") == "new")
            #expect(subjectPerson(twin) != child)

            // One chronology: both agencies' messages and the items they made, in time order.
            let chronology = try await client.readJSON("/v1/persons/\(child)/chronology", as: "mash-test", hub: hub)
            let entries = chronology.objects("entries")
            let messages = entries.filter { $0.string("type") == "message" }
            #expect(messages.map { $0.string("agency") } == ["police-test", "school-test"])
            #expect(entries.contains { $0.string("type") == "item" })
            let times = entries.compactMap { $0.string("at").flatMap(RFC3339.parse) }
            #expect(times == times.sorted())
            let person = try await client.readJSON("/v1/persons/\(child)", as: "mash-test", hub: hub)
            #expect(person.at("mentions")?.numberValue == 2)
            #expect(Set(person["agencies"]?.arrayValue?.compactMap(\.stringValue) ?? []) == ["police-test", "school-test"])
            // The twins share a household.
            let members = person.objects("households").first?["members"]?.arrayValue?.compactMap(\.stringValue) ?? []
            #expect(Set(members) == Set([child, try #require(subjectPerson(twin))]))
        }
    }

    @Test("an NHS number failing Modulus 11 is ignored for matching and reported in the receipt; the message is accepted")
    func invalidNHSNumberIsReported() async throws {
        let hub = try TestHub()
        try await hub.run { _, client in
            let receipt = try await client.accepted(try caseMessage(hub, from: "police-test", subjects: [[
                "ref": "c1", "givenName": "Mia", "familyName": "Crane", "dateOfBirth": "2017-08-19", "nhsNumber": "999 000 0019",
            ]]))
            let warning = try #require(receipt.objects("warnings").first)
            #expect(warning.string("pointer") == "/subjects/0/nhsNumber")
            #expect(warning.string("problem")?.contains("Modulus 11") == true)
            #expect(!(warning.string("problem") ?? "").contains("999"))
            // A resubmission gets the same answer, warnings included.
        }
    }

    @Test("an uncertain match goes to review; 'same' merges with provenance; undoing lists what was shared while linked")
    func reviewMergeAndUndo() async throws {
        let hub = try TestHub()
        try await hub.run { _, client in
            let home: JSONObject = ["lines": ["9 Weir Close"], "postcode": "NM3 4AB"]
            let first = try await client.accepted(try caseMessage(hub, from: "police-test", subjects: [[
                "ref": "c1", "givenName": "Riley", "familyName": "Moss", "dateOfBirth": "2013-02-02", "sex": "male", "address": .object(home),
            ]]))
            hub.clock.advance(by: 600)
            // Same name, date of birth and home, but recorded as female: a sex conflict is never linked automatically.
            let second = try await client.accepted(try caseMessage(hub, from: "school-test", subjects: [[
                "ref": "c1", "givenName": "Riley", "familyName": "Moss", "dateOfBirth": "2013-02-02", "sex": "female", "address": .object(home),
            ]]))
            #expect(second.objects("subjects").first?.string("match") == "review")
            // Nothing waits unseen: the MASH has a notice with deadlines until the review is decided.
            let notice = try #require(second.objects("items").first { $0.string("purpose") == "identity-review" })
            #expect(notice.string("recipient") == "mash-test")
            #expect(notice.string("dueAt") != nil)
            let noticeID = try #require(notice.string("itemId"))
            let original = try #require(subjectPerson(first))
            let standing = try #require(subjectPerson(second))
            #expect(original != standing)

            // Only the MASH may see the queue.
            try await client.read("/v1/identity/reviews", bearer: try hub.token(for: "school-test")).expectProblem(.notPermitted)
            let queue = try await client.readJSON("/v1/identity/reviews", as: "mash-test", hub: hub)
            let review = try #require(queue.objects("reviews").first)
            #expect(queue.objects("reviews").count == 1)
            #expect(review.string("person") == standing)
            #expect(review.string("candidate") == original)
            #expect(review["reasons"]?.arrayValue?.contains(.string("sex-conflict")) == true)
            let rows = Dictionary(uniqueKeysWithValues: review.objects("comparison").compactMap { row in row.string("field").map { ($0, row) } })
            #expect(rows["sex"]?.string("agreement") == "different")
            #expect(rows["sex"]?.string("mention") == "female")
            #expect(rows["sex"]?.string("candidate") == "male")
            #expect(rows["given"]?.string("agreement") == "exact")
            #expect(rows["dob"]?.string("agreement") == "exact")
            let reviewID = try #require(review.string("id"))

            // A decision needs who and why.
            let incomplete = try await client.post("/v1/identity/reviews/\(reviewID)/decision", as: "mash-test", hub: hub, ["decision": "same"])
            let problem = incomplete.expectProblem(.badRequest)
            #expect(Set(problem?.objects("errors").compactMap { $0.string("pointer") } ?? []) == ["/reason", "/decidedBy/name"])

            let decided = try await client.post("/v1/identity/reviews/\(reviewID)/decision", as: "mash-test", hub: hub, [
                "decision": "same", "reason": "School confirmed the sex was recorded wrongly.",
                "decidedBy": ["name": "Jo Rowntree", "role": "MASH social worker"],
            ])
            #expect(decided.status == .ok, "\(decided.text)")
            let decision = try #require(decided.json?.objectValue)
            #expect(decision.string("status") == "same")
            #expect(decision.string("decidedBy", "name") == "Jo Rowntree")
            let resolved = try await client.readJSON("/v1/items/\(noticeID)", as: "mash-test", hub: hub)
            #expect(resolved.string("status") == "completed")
            #expect(resolved.string("closed", "reason")?.contains("the same person") == true)
            let mergeID = try #require(decision.string("merge"))
            let again = try await client.post("/v1/identity/reviews/\(reviewID)/decision", as: "mash-test", hub: hub, [
                "decision": "different", "reason": "Second thoughts.", "decidedBy": ["name": "Jo Rowntree"],
            ])
            again.expectProblem(.itemStateConflict)

            // Merged: the standing person now reads as the original, with both mentions.
            let merged = try await client.readJSON("/v1/persons/\(standing)", as: "mash-test", hub: hub)
            #expect(merged.string("id") == original)
            #expect(merged.string("requested") == standing)
            #expect(merged.at("mentions")?.numberValue == 2)
            #expect(merged.objects("merges").first?.string("state") == "in-force")

            // While linked, a new message about the child links to the merged record and makes an item.
            hub.clock.advance(by: 600)
            let during = try await client.accepted(try caseMessage(hub, from: "police-test", subjects: [[
                "ref": "c1", "givenName": "Riley", "familyName": "Moss", "dateOfBirth": "2013-02-02", "sex": "male", "address": .object(home),
            ]]))
            #expect(subjectPerson(during) == original)
            let sharedItem = try #require(during.objects("items").first?.string("itemId"))

            // The merge was wrong after all: undo it.
            hub.clock.advance(by: 600)
            let undone = try await client.post("/v1/identity/merges/\(mergeID)/undo", as: "mash-test", hub: hub, [
                "reason": "Health records show two children.", "decidedBy": ["name": "Sam Okafor", "role": "MASH manager"],
            ])
            #expect(undone.status == .ok, "\(undone.text)")
            let undo = try #require(undone.json?.objectValue)
            #expect(undo.string("state") == "undone")
            #expect(undo.string("undoneBy", "name") == "Sam Okafor")
            #expect(undo.objects("sharedWhileLinked").contains { $0.string("itemId") == sharedItem })
            let correction = try #require(undo.string("correctionItem"))
            let inbox = try await client.readJSON("/v1/inbox?limit=200", as: "mash-test", hub: hub)
            #expect(inbox.objects("items").contains { $0.string("itemId") == correction && $0.string("purpose") == "identity-correction" })
            try await client.post("/v1/identity/merges/\(mergeID)/undo", as: "mash-test", hub: hub, [
                "reason": "Again.", "decidedBy": ["name": "Sam Okafor"],
            ]).expectProblem(.itemStateConflict)

            // Apart again: each has their own mentions; the record of the merge remains.
            let apart = try await client.readJSON("/v1/persons/\(standing)", as: "mash-test", hub: hub)
            #expect(apart.string("id") == standing)
            #expect(apart.at("mentions")?.numberValue == 1)
            let kept = try await client.readJSON("/v1/persons/\(original)", as: "mash-test", hub: hub)
            #expect(kept.at("mentions")?.numberValue == 2)
            let record = try await client.readJSON("/v1/identity/merges/\(mergeID)", as: "mash-test", hub: hub)
            #expect(record.string("reason") == "School confirmed the sex was recorded wrongly.")
            #expect(record.string("undoReason") == "Health records show two children.")
        }
    }

    @Test("a child referred from a new home (postcode, address and town all different) goes to review, not silently to a new record")
    func movedChildGoesToReview() async throws {
        let hub = try TestHub()
        try await hub.run { baton, client in
            let first = try await client.accepted(try caseMessage(hub, from: "police-test", subjects: [[
                "ref": "c1", "givenName": "Tilly", "familyName": "Marsh", "dateOfBirth": "2014-06-19", "sex": "female",
                "address": ["lines": ["22 Foxglove Grove", "Hollinwood"], "postcode": "NM7 7LR"],
            ]]))
            hub.clock.advance(by: 600)
            let second = try await client.accepted(try caseMessage(hub, from: "school-test", subjects: [[
                "ref": "c1", "givenName": "Tilly", "familyName": "Marsh", "dateOfBirth": "2014-06-19", "sex": "female",
                "address": ["lines": ["97 Plover Court", "Ashgrove"], "postcode": "NM4 5TY"],
            ]]))
            #expect(second.objects("subjects").first?.string("match") == "review")
            let queue = try await client.readJSON("/v1/identity/reviews", as: "mash-test", hub: hub)
            let review = try #require(queue.objects("reviews").first)
            #expect(review.string("candidate") == subjectPerson(first))
            let reasons = review["reasons"]?.arrayValue ?? []
            #expect(reasons.contains(.string("recorded-at-another-home")))
            #expect(reasons.contains(.string("score-between-thresholds")))
            let rows = Dictionary(uniqueKeysWithValues: review.objects("comparison").compactMap { row in row.string("field").map { ($0, row) } })
            for field in ["postcode", "address", "town"] { #expect(rows[field]?.string("agreement") == "different") }
            #expect(rows["postcode"]?.string("mention") == "NM4 5TY")
            #expect(rows["postcode"]?.string("candidate") == "NM7 7LR")

            // The MASH's review page says why in words, on the list and on the review.
            try await WebUITests.accounts(baton, [("sw.mash", "Jo Rowntree", "mash-test", "lead")])
            let browser = TestBrowser(client)
            #expect(try await browser.signIn("sw.mash").status == .seeOther)
            let words = "Recorded at another home (postcode, address and town all differ): perhaps the same child after a move"
            #expect(try await browser.get("/ui/reviews").status == .ok)
            #expect(browser.lastText.contains(words))
            #expect(try await browser.get("/ui/reviews/\(try #require(review.string("id")))").status == .ok)
            #expect(browser.lastText.contains("<li>\(words)</li>"))
            #expect(browser.lastText.contains("<li>The match probability is between the review and link thresholds</li>"))
            #expect(!browser.lastText.contains("recorded-at-another-home"))

            // A third agency's record of her at the first home links to the first record as before.
            hub.clock.advance(by: 600)
            let third = try await client.accepted(try caseMessage(hub, from: "police-test", subjects: [[
                "ref": "c1", "givenName": "Tilly", "familyName": "Marsh", "dateOfBirth": "2014-06-19", "sex": "female",
                "address": ["lines": ["22 Foxglove Grove", "Hollinwood"], "postcode": "NM7 7LR"],
            ]]))
            #expect(third.objects("subjects").first?.string("match") == "linked")
            #expect(subjectPerson(third) == subjectPerson(first))
        }
    }

    @Test("merge by hand and unmerge round trip: the items about each child follow their mentions there and back")
    func mergeUnmergeRoundTrip() async throws {
        let hub = try TestHub()
        try await hub.run { _, client in
            let a = try await client.accepted(try caseMessage(hub, from: "police-test", subjects: [[
                "ref": "c1", "givenName": "Noor", "familyName": "Haddad", "dateOfBirth": "2016-11-30", "address": ["lines": ["1 Bank Top"], "postcode": "NM3 4AB"],
            ]]))
            let b = try await client.accepted(try caseMessage(hub, from: "school-test", subjects: [[
                "ref": "c1", "givenName": "Nour", "familyName": "Hadad", "dateOfBirth": "2015-01-02", "address": ["lines": ["70 Ferry Road"], "postcode": "NM3 4AB"],
            ]]))
            let personA = try #require(subjectPerson(a))
            let personB = try #require(subjectPerson(b))
            #expect(personA != personB)
            let itemsBefore = try await client.readJSON("/v1/persons/\(personB)/chronology", as: "mash-test", hub: hub).objects("entries")
                .filter { $0.string("type") == "item" }.compactMap { $0.string("itemId") }
            #expect(!itemsBefore.isEmpty)

            try await client.post("/v1/identity/merges", as: "school-test", hub: hub, [
                "survivor": .string(personA), "merged": .string(personB), "reason": "x", "decidedBy": ["name": "Someone"],
            ]).expectProblem(.notPermitted)
            let created = try await client.post("/v1/identity/merges", as: "mash-test", hub: hub, [
                "survivor": .string(personA), "merged": .string(personB), "reason": "Same child: confirmed with the family.",
                "decidedBy": ["name": "Jo Rowntree"],
            ])
            #expect(created.status == .created, "\(created.text)")
            let merge = try #require(created.json?.objectValue)
            let mergeID = try #require(merge.string("id"))
            #expect(merge.at("movedMentions")?.numberValue == 1)

            let joined = try await client.readJSON("/v1/persons/\(personA)/chronology", as: "mash-test", hub: hub).objects("entries")
            #expect(joined.filter { $0.string("type") == "message" }.count == 2)
            #expect(Set(itemsBefore).isSubset(of: Set(joined.compactMap { $0.string("itemId") })))

            let undone = try await client.post("/v1/identity/merges/\(mergeID)/undo", as: "mash-test", hub: hub, [
                "reason": "The family has two children of these names.", "decidedBy": ["name": "Sam Okafor"],
            ])
            #expect(undone.status == .ok, "\(undone.text)")
            // The MASH's correction item is about the child whose record was wrongly joined.
            let correction = try #require(undone.json?.objectValue?.string("correctionItem"))
            let backA = try await client.readJSON("/v1/persons/\(personA)/chronology", as: "mash-test", hub: hub).objects("entries")
            let backB = try await client.readJSON("/v1/persons/\(personB)/chronology", as: "mash-test", hub: hub).objects("entries")
            #expect(backA.filter { $0.string("type") == "message" }.count == 1)
            #expect(Set(backB.compactMap { $0.string("itemId") }) == Set(itemsBefore + [correction]))
            #expect(Set(backA.compactMap { $0.string("itemId") }).isDisjoint(with: itemsBefore))
        }
    }

    @Test("a suspect named in referrals about two children is one person linked to both")
    func suspectLinkedToEveryChild() async throws {
        let hub = try TestHub()
        try await hub.run { _, client in
            let suspect: JSONObject = [
                "ref": "p1", "givenName": "Darren", "familyName": "Kell", "dateOfBirth": "1988-05-05", "sex": "male",
                "address": ["lines": ["3 Quarry Lane"], "postcode": "NM3 4AB"],
            ]
            let first = try await client.accepted(try caseMessage(
                hub, from: "police-test", subjects: [["ref": "c1", "givenName": "Evie", "familyName": "Dunn", "dateOfBirth": "2015-04-09"]],
                persons: [suspect], relationships: [["from": "p1", "to": "c1", "role": "alleged-perpetrator"]], categories: ["sexual-abuse"]))
            hub.clock.advance(by: 86_400 * 30)
            let second = try await client.accepted(try caseMessage(
                hub, from: "school-test", subjects: [["ref": "c1", "givenName": "Kayla", "familyName": "Price", "dateOfBirth": "2012-10-21"]],
                persons: [suspect], relationships: [["from": "p1", "to": "c1", "role": "alleged-perpetrator"]], categories: ["sexual-abuse"]))
            let children = Set([try #require(subjectPerson(first)), try #require(subjectPerson(second))])
            #expect(children.count == 2)
            // The suspect's person: find them through one child's relationships.
            let child = try await client.readJSON("/v1/persons/\(try #require(subjectPerson(first)))", as: "mash-test", hub: hub)
            let relationship = try #require(child.objects("relationships").first)
            #expect(relationship.string("role") == "alleged-perpetrator")
            #expect(relationship.string("direction") == "is-this-persons")
            let suspectID = try #require(relationship.string("person"))
            let person = try await client.readJSON("/v1/persons/\(suspectID)", as: "mash-test", hub: hub)
            #expect(person.string("kind") == "person")
            let linked = Set(person.objects("relationships").filter { $0.string("role") == "alleged-perpetrator" }.compactMap { $0.string("person") })
            #expect(linked == children)
        }
    }

    @Test("three missing episodes in 90 days raise one cumulative-harm alert to the MASH")
    func cumulativeHarmAlert() async throws {
        let hub = try TestHub()
        try await hub.run { _, client in
            let child: JSONObject = [
                "ref": "c1", "givenName": "Tyler", "familyName": "Booth", "dateOfBirth": "2010-07-14", "sex": "male",
                "address": ["lines": ["18 Cross Street"], "postcode": "NM3 4AB"],
            ]
            var person: String?
            var alerts: [String] = []
            for week in 0..<4 {
                let receipt = try await client.accepted(try caseMessage(
                    hub, from: "police-test", kind: "notification", subjects: [child], notification: "missing-episode"))
                person = person ?? subjectPerson(receipt)
                #expect(subjectPerson(receipt) == person)
                alerts += receipt.objects("items").filter { $0.string("purpose") == "cumulative-harm" }.compactMap { $0.string("itemId") }
                if week < 2 { #expect(alerts.isEmpty, "no alert before the third episode") }
                hub.clock.advance(by: 86_400 * 7)
            }
            #expect(alerts.count == 1)
            let alert = try await client.readJSON("/v1/items/\(try #require(alerts.first))", as: "mash-test", hub: hub)
            #expect(alert.string("details", "counter") == "missing-episodes")
            #expect(alert.string("details", "count") == "3")
            let view = try await client.readJSON("/v1/persons/\(try #require(person))", as: "mash-test", hub: hub)
            let counter = try #require(view.objects("counters").first { $0.string("name") == "missing-episodes" })
            #expect(counter.at("count")?.numberValue == 4)
            #expect(counter.at("alertAt")?.numberValue == 3)
        }
    }

    @Test("people's records are the MASH's: other agencies get 403, unknown people 404")
    func access() async throws {
        let hub = try TestHub()
        try await hub.run { _, client in
            let receipt = try await client.accepted(try hub.signed(hub.referral()))
            let person = try #require(subjectPerson(receipt))
            try await client.read("/v1/persons/\(person)", bearer: try hub.token(for: "police-test")).expectProblem(.notPermitted)
            try await client.read("/v1/persons/\(person)/chronology", bearer: try hub.token(for: "school-test")).expectProblem(.notPermitted)
            try await client.read("/v1/persons/\(person)", bearer: nil).expectProblem(.missingToken)
            try await client.read("/v1/persons/\(UUID().uuidString.lowercased())", bearer: try hub.token(for: "mash-test")).expectProblem(.notFound)
            try await client.read("/v1/identity/reviews?status=maybe", bearer: try hub.token(for: "mash-test")).expectProblem(.badRequest)
        }
    }

    @Test("the identity index is rebuilt from the store at start-up: a child known before a restart is linked after it")
    func indexSurvivesRestart() async throws {
        let hub = try TestHub()
        let child: JSONObject = [
            "ref": "c1", "givenName": "Ella", "familyName": "Quinn", "dateOfBirth": "2011-12-01", "sex": "female",
            "address": ["lines": ["2 Dyers Yard"], "postcode": "NM3 4AB"],
        ]
        let before = Mutex<String?>(nil)
        try await hub.run { _, client in
            let receipt = try await client.accepted(try caseMessage(hub, from: "police-test", subjects: [child]))
            before.withLock { $0 = subjectPerson(receipt) }
        }
        try await hub.run { _, client in
            var renamed = child
            renamed["givenName"] = "Ela"
            let receipt = try await client.accepted(try caseMessage(hub, from: "school-test", subjects: [renamed]))
            #expect(receipt.objects("subjects").first?.string("match") == "linked")
            #expect(subjectPerson(receipt) == before.withLock { $0 })
        }
    }
}

extension TestClientProtocol {
    /// POSTs `body` as JSON with `agency`'s bearer token.
    func post(_ path: String, as agency: String, hub: TestHub, _ body: JSONValue) async throws -> TestResponse {
        try await execute(
            uri: path, method: .post,
            headers: [.authorization: "Bearer \(try hub.token(for: agency))", .contentType: "application/json"],
            body: ByteBuffer(bytes: body.serialized()))
    }
}

extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
