import BatonCore
import BatonServer
import BatonSigning
import Foundation
import HummingbirdTesting
import Synchronization
import Testing

/// The need-to-know policy on the read paths, over HTTP with real signatures.
@Suite("Need-to-know through the hub")
struct NeedToKnowHubTests {
    @Test("one Operation Encompass notification, two views: the school sees that it happened and how to help; the MASH sees it all")
    func twoRecipientsTwoViews() async throws {
        let hub = try TestHub()
        try await hub.run { _, client in
            let sections: [JSONValue] = [
                ["label": "incident.occurred", "content": ["at": "2026-11-22T08:30:00Z", "childPresent": true]],
                ["label": "support.advice", "content": ["text": "Check in with the child at the start of the day."]],
                ["label": "police.incident", "content": ["text": "Officers attended a verbal and physical altercation."]],
                ["label": "police.intelligence", "content": ["text": "Partner known for previous incidents."]],
                ["label": "health.sexual", "content": ["text": "Clinic contact."]],
            ]
            let receipt = try await client.accepted(try hub.notification { $0["sections"] = .array(sections) })
            let items = receipt.objects("items")
            let schoolItem = try #require(items.first { $0.string("recipient") == "school-test" }?.string("itemId"))
            let mashItem = try #require(items.first { $0.string("recipient") == "mash-test" }?.string("itemId"))

            let school = try await client.readJSON("/v1/items/\(schoolItem)", as: "school-test", hub: hub)
            let schoolContent = try #require(school["content"]?.objectValue)
            #expect(Set(schoolContent.objects("sections").compactMap { $0.string("label") }) == ["incident.occurred", "support.advice"])
            let withheld = schoolContent.objects("withheld")
            #expect(withheld.reduce(0) { $0 + Int($1.at("sections")?.numberValue ?? 0) } == 3)
            #expect(withheld.contains { $0.string("reason") == "Some police information is shared with the MASH only." })
            #expect(schoolContent.string("disclosure", "basis") == "legal-duty")
            #expect(schoolContent.at("disclosure", "withheld")?.numberValue == 3)
            // Withheld sections are never named, nor their content shown, to the school.
            for secret in ["police.incident", "police.intelligence", "health.sexual", "altercation", "Partner known", "Clinic contact"] {
                #expect(!JSONValue.object(school).serializedString().contains(secret), "the school view mentions \(secret)")
            }

            let mash = try await client.readJSON("/v1/items/\(mashItem)", as: "mash-test", hub: hub)
            let mashContent = try #require(mash["content"]?.objectValue)
            #expect(mashContent.objects("sections").count == 5)
            #expect(mashContent.objects("withheld").isEmpty)
        }
    }

    @Test("no read path leaks a withheld section to the school: inbox, item, pushed delivery")
    func everyReadPath() async throws {
        let receiver = WebhookReceiver(statuses: [.ok])
        try await receiver.start()
        defer { receiver.stop() }
        let hub = try TestHub(schoolEndpoint: receiver.url)
        let secrets = ["police.incident", "police.intelligence", "altercation", "Partner known"]
        try await hub.run { baton, client in
            let receipt = try await client.accepted(try hub.notification {
                $0["sections"] = [
                    ["label": "incident.occurred", "content": ["childPresent": true]],
                    ["label": "police.incident", "content": ["text": "Officers attended an altercation."]],
                    ["label": "police.intelligence", "content": ["text": "Partner known for previous incidents."]],
                ]
            })
            let schoolItem = try #require(receipt.objects("items").first { $0.string("recipient") == "school-test" }?.string("itemId"))
            var views: [String] = []
            let inbox = try await client.read("/v1/inbox", bearer: try hub.token(for: "school-test"))
            views.append(inbox.text)
            #expect(inbox.text.contains(schoolItem))
            let item = try await client.read("/v1/items/\(schoolItem)", bearer: try hub.token(for: "school-test"))
            views.append(item.text)
            #expect(item.text.contains("incident.occurred"))
            #expect(try await baton.deliveries.runOnce() >= 1)
            let pushed = receiver.all
            #expect(!pushed.isEmpty)
            for delivery in pushed {
                let payload = try #require(delivery.body.split(separator: ".").dropFirst().first.flatMap { Base64URL.decode(String($0)) })
                views.append(String(decoding: payload, as: UTF8.self))
            }
            #expect(views.last?.contains("incident.occurred") == true, "the push carries the item's visible content")
            for view in views {
                for secret in secrets { #expect(!view.contains(secret), "a read path leaks \(secret)") }
            }
        }
    }

    @Test("each item's decision is recorded with its policy version; a loosened policy applies to new items, not to items already made")
    func recordedDecisions() async throws {
        let hub = try TestHub()
        let sections: [JSONValue] = [
            ["label": "incident.occurred", "content": ["childPresent": true]],
            ["label": "police.incident", "content": ["text": "Officers attended an altercation."]],
        ]
        let first = Mutex<String?>(nil)
        try await hub.run { baton, client in
            let receipt = try await client.accepted(try hub.notification { $0["sections"] = .array(sections) })
            let item = try #require(receipt.objects("items").first { $0.string("recipient") == "school-test" }?.string("itemId"))
            first.withLock { $0 = item }
            let stored = try await baton.store.read { try $0.disclosure(of: ItemID(rawValue: item)!) }
            let record = try #require(stored.flatMap { try? StrictJSON.parse($0.record).objectValue })
            #expect(stored?.policyVersion == baton.policies.version)
            let decisions = record.objects("sections")
            #expect(decisions.first { $0.string("label") == "incident.occurred" }?.string("rule") == "encompass-school-minimum")
            #expect(decisions.first { $0.string("label") == "police.incident" }?.string("rule") == "default-deny")
            #expect(record.string("consent", "basis") == "legal-duty")
            let files = try await baton.store.read { try $0.policyFiles(version: baton.policies.version) }
            #expect(files?.contains("need-to-know.yaml") == true)
        }
        // The partnership loosens the policy: schools now see the police account of an Encompass incident.
        let rules = hub.folder.appendingPathComponent("policies/need-to-know.yaml")
        try (try String(contentsOf: rules, encoding: .utf8))
            .replacingOccurrences(of: "labels: [incident.occurred, support.advice]", with: "labels: [incident.occurred, support.advice, police.incident]")
            .write(to: rules, atomically: true, encoding: .utf8)
        try await hub.run { baton, client in
            let old = try await client.readJSON("/v1/items/\(try #require(first.withLock { $0 }))", as: "school-test", hub: hub)
            #expect(old["content"]?.objectValue?.objects("sections").map { $0.string("label") } == ["incident.occurred"])
            #expect(old["content"]?.objectValue?.objects("withheld").first?.string("reason") == "The need-to-know policy in force when this item was made did not permit this section.")
            let receipt = try await client.accepted(try hub.notification { $0["sections"] = .array(sections) })
            let item = try #require(receipt.objects("items").first { $0.string("recipient") == "school-test" }?.string("itemId"))
            let new = try await client.readJSON("/v1/items/\(item)", as: "school-test", hub: hub)
            #expect(Set(new["content"]?.objectValue?.objects("sections").compactMap { $0.string("label") } ?? []) == ["incident.occurred", "police.incident"])
        }
    }
}

/// One referral, three recipients, every read path (PROTOCOL.md §4, §7; issue: "test every path, not one").
@Suite("Need-to-know on every read path")
struct ThreeViewsTests {
    static let content: [String: String] = [
        "concern.summary": "Bruising noticed on both arms.",
        "police.intelligence": "Partner known for previous incidents.",
        "health.physical": "Healed fracture seen on an X-ray.",
        "health.sexual": "Attended the young people's clinic.",
        "education.attendance": "Attendance 71 percent this term.",
    ]

    /// Routing for this test: referrals also go to the school and the GP to assess and act.
    static func routing(_ text: String) -> String {
        text.replacingOccurrences(of: "\nrules:\n", with: """

            rules:
              - id: test-referral-to-partners
                description: For this test, referrals also go to the school and the GP.
                when: { kind: referral }
                send:
                  - { to: school-test, purpose: assess-and-act, deadlines: mash-notification }
                  - { to: gp-test, purpose: assess-and-act, deadlines: mash-notification }

            """)
    }

    @Test("the MASH, the school and the GP read one referral three ways; the explanation matches the decision record; no path leaks a withheld section, a do-not-inform person or an anonymous referrer")
    func threeViews() async throws {
        let receiver = WebhookReceiver(statuses: [.ok])
        try await receiver.start()
        defer { receiver.stop() }
        let hub = try TestHub(schoolEndpoint: receiver.url, policyEdits: ["routing.yaml": { Self.routing($0) }])
        let messageId = UUID().uuidString.lowercased()
        try await hub.run { baton, client in
            let referral = hub.referral(id: messageId) { object in
                object["sections"] = .array(Self.content.sorted { $0.key < $1.key }.map { ["label": .string($0.key), "content": ["text": .string($0.value)]] })
                object["referrerAnonymous"] = true
            }
            let receipt = try await client.accepted(try hub.signed(referral))
            func item(_ recipient: String) throws -> String {
                try #require(receipt.objects("items").first { $0.string("recipient") == recipient }?.string("itemId"))
            }
            let expected: [String: Set<String>] = [
                "mash-test": Set(Self.content.keys),
                "school-test": ["concern.summary", "education.attendance"],
                "gp-test": ["concern.summary", "health.physical", "health.sexual"],
            ]
            let auditor = try hub.bearer(hub.mashKey, iss: "mash-test", role: "auditor")
            for (recipient, visible) in expected {
                let itemId = try item(recipient)
                let view = try await client.readJSON("/v1/items/\(itemId)", as: recipient, hub: hub)
                let content = try #require(view["content"]?.objectValue)
                #expect(Set(content.objects("sections").compactMap { $0.string("label") }) == visible, "\(recipient)")
                let isMASH = recipient == "mash-test"
                #expect(content.objects("persons").contains { $0.string("givenName") == "Darren" } == isMASH, "do-not-inform person and \(recipient)")
                #expect((content.string("referrer", "name") == "DC Harlow") == isMASH, "anonymous referrer and \(recipient)")

                // The explanation the recipient reads is the decision the auditors read.
                let audit = try #require(try await client.read("/v1/items/\(itemId)/decision", bearer: auditor).json?.objectValue)
                let recorded = try #require(audit.at("recorded", "decision")?.objectValue)
                let withheldRecorded = recorded.objects("sections").filter { $0.at("shown") == false }
                #expect(Set(recorded.objects("sections").filter { $0.at("shown") == true }.compactMap { $0.string("label") }) == visible)
                let reasonsShown = Dictionary(uniqueKeysWithValues: content.objects("withheld").compactMap { entry in
                    entry.string("reason").map { ($0, Int(entry.at("sections")?.numberValue ?? 0)) }
                })
                let reasonsRecorded = Dictionary(grouping: withheldRecorded.compactMap { $0.string("reason") }, by: { $0 }).mapValues(\.count)
                #expect(reasonsShown == reasonsRecorded, "\(recipient)")
                #expect(recorded.at("personsWithheld")?.arrayValue?.map { $0.stringValue } == (isMASH ? [] : ["p1"]))
                #expect(recorded.at("referrerShown") == .bool(isMASH))
                #expect(recorded.string("consent", "basis") == "safeguarding")
                #expect(!JSONValue.object(audit).serializedString().contains("Bruising"), "decision records hold labels and rules, not content")
            }

            // Every read path a school or GP has, and the sender's status.
            #expect(try await baton.deliveries.runOnce() >= 1)
            var paths: [(who: String, path: String, text: String)] = []
            for reader in ["school-test", "gp-test"] {
                for path in ["/v1/inbox", "/v1/items/\(try item(reader))", "/v1/persons/\(try #require(receipt.objects("subjects").first?.string("person")))/chronology"] {
                    paths.append((reader, path, try await client.read(path, bearer: try hub.token(for: reader)).text))
                }
            }
            for delivery in receiver.all {
                let payload = try #require(delivery.body.split(separator: ".").dropFirst().first.flatMap { Base64URL.decode(String($0)) })
                paths.append(("school-test", "webhook", String(decoding: payload, as: UTF8.self)))
            }
            #expect(paths.contains { $0.path == "webhook" && $0.text.contains("Bruising") }, "the push carries what the school may see")
            let status = try await client.read("/v1/messages/\(messageId)", bearer: try hub.token(for: "police-test"))
            #expect(status.status == .ok)
            paths.append(("police-test", "status", status.text))
            for (who, path, text) in paths {
                let visible = expected[who] ?? []
                for (label, secret) in Self.content where !visible.contains(label) {
                    #expect(!text.contains(secret), "\(who) \(path) leaks \(label)")
                    #expect(!text.contains(label), "\(who) \(path) names the withheld label \(label)")
                }
                for secret in ["Darren", "DC Harlow"] { #expect(!text.contains(secret), "\(who) \(path) leaks \(secret)") }
            }
        }
    }
}

extension ThreeViewsTests {
    @Test("a person who must not be told and is known to the school (their local id): the school gets no item at all; the MASH is asked how to involve it")
    func ownAgencyNeverTold() async throws {
        let hub = try TestHub(policyEdits: ["routing.yaml": { Self.routing($0) }])
        try await hub.run { _, client in
            let referral = hub.referral { object in
                object["persons"] = [[
                    "ref": "p1", "givenName": "Darren", "familyName": "Ashworth",
                    "localIds": [["system": "school-test:staff", "value": "T-17"]],
                ]]
            }
            let receipt = try await client.accepted(try hub.signed(referral))
            let items = receipt.objects("items")
            #expect(!items.contains { $0.string("recipient") == "school-test" })
            #expect(items.contains { $0.string("recipient") == "gp-test" })
            let triage = try #require(items.first { $0.string("purpose") == "triage" }?.string("itemId"))
            let view = try await client.readJSON("/v1/items/\(triage)", as: "mash-test", hub: hub)
            #expect(view.string("details", "reason1")?.contains("known to school-test") == true)
            let inbox = try await client.readJSON("/v1/inbox", as: "school-test", hub: hub)
            #expect(inbox.objects("items").isEmpty)

            // Nor can the MASH pass the work there by a transfer.
            _ = try await client.accepted(try hub.reply("acknowledgement", item: triage, ["decision": "accepted", "owner": ["name": "Sam Okoro", "role": "MASH manager"]]))
            let refused = try await client.submit(try hub.reply("outcome", item: triage, [
                "code": "transferred", "rationale": "For the school.", "transferTo": "school-test", "transferPurpose": "assess-and-act",
            ]))
            let problem = refused.expectProblem(.invalidMessage)
            #expect(problem?.objects("errors").first?.string("pointer") == "/outcome/transferTo")
            #expect(!refused.text.contains("Darren"))
        }
    }
}
