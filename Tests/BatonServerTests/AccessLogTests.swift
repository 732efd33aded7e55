import BatonAudit
import BatonCore
import BatonServer
import BatonSigning
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

/// The audit log through the API: every message has its entry (named in its receipt) with a
/// proof of inclusion under a signed tree head, and every read of personal data, on every path,
/// is in the access log a person can ask for.
@Suite("Audit log through the API")
struct AccessLogTests {
    @Test("a receipt names the message's audit entry; the entry's inclusion proof verifies under a tree head signed by the hub")
    func receiptEntryAndProof() async throws {
        let hub = try TestHub()
        try await hub.run { baton, client in
            let receipt = try await client.accepted(try hub.notification())
            let jws = try #require(receipt.string("receipt"))
            let payload = try #require(jws.split(separator: ".").dropFirst().first.flatMap { Base64URL.decode(String($0)) })
            let index = try #require(try StrictJSON.parse(payload).objectValue?["auditIndex"]?.numberValue)
            let auditor = try hub.bearer(hub.mashKey, iss: "mash-test", role: "auditor")
            let entry = try #require(try await client.read("/v1/audit/entries/\(Int(index))", bearer: auditor).json?.objectValue)
            #expect(entry.string("entry", "event") == "intake")
            let changes = entry.at("entry", "changes")?.arrayValue?.compactMap(\.objectValue) ?? []
            #expect(changes.first?.string("change") == "message.received")
            #expect(changes.first?.string("messageId") == receipt.string("messageId"))
            #expect(changes.contains { $0.string("change") == "item.created" && $0.string("recipient") == "school-test" })
            #expect(changes.contains { $0.string("change") == "disclosure" })
            #expect(changes.contains { $0.string("change") == "identity.link" })
            // References and hashes, never the child's details.
            for secret in ["Evie", "Ashworth", "2016-04-09", "Kiln Street", "NM3 4AB"] {
                #expect(!JSONValue.object(entry).serializedString().contains(secret))
            }
            let proof = try #require(try await client.read("/v1/audit/proofs/inclusion?index=\(Int(index))", bearer: auditor).json?.objectValue)
            let head = try SignedTreeHead.verify(try #require(proof.string("treeHead", "jws")), keys: SignedTreeHead.keys(fromJWKS: baton.hubKey.jwks()))
            let path = proof.at("auditPath")?.arrayValue?.compactMap { $0.stringValue.flatMap { [UInt8](hex: $0) } } ?? []
            let leaf = try #require(proof.string("leafHash").flatMap { [UInt8](hex: $0) })
            #expect(leaf == Merkle.leafHash(try #require(entry.string("body").flatMap(Base64URL.decode))))
            #expect(Merkle.verifyInclusion(leafHash: leaf, index: Int(index), size: Int(head.size), proof: path, root: head.root))
            // Only auditors read entries and proofs; anyone reads the published checkpoint.
            _ = try await client.read("/v1/audit/entries/0", bearer: try hub.token(for: "mash-test")).expectProblem(.notPermitted)
            _ = try await client.execute(uri: "/v1/audit/checkpoints", method: .post, headers: [.authorization: "Bearer \(auditor)"])
            let published = try #require(try await client.execute(uri: "/v1/audit/checkpoints/latest", method: .get).json?.objectValue)
            let checkpoint = try SignedTreeHead.verify(try #require(published.string("jws")), keys: SignedTreeHead.keys(fromJWKS: baton.hubKey.jwks()))
            // Consistency from the head the proof used to the checkpoint.
            let consistency = try #require(try await client.read(
                "/v1/audit/proofs/consistency?from=\(head.size)&to=\(checkpoint.size)", bearer: auditor).json?.objectValue)
            let steps = consistency.at("proof")?.arrayValue?.compactMap { $0.stringValue.flatMap { [UInt8](hex: $0) } } ?? []
            #expect(Merkle.verifyConsistency(oldSize: Int(head.size), newSize: Int(checkpoint.size), oldRoot: head.root, newRoot: checkpoint.root, proof: steps))
        }
    }

    @Test("every path that shows personal data leaves an entry: item API, webhook, person, chronology, review, merge; the person's access log lists them, as JSON and CSV")
    func everyReadIsLogged() async throws {
        let receiver = WebhookReceiver(statuses: [.ok])
        try await receiver.start()
        defer { receiver.stop() }
        let hub = try TestHub(schoolEndpoint: receiver.url)
        try await hub.run { baton, client in
            let receipt = try await client.accepted(try hub.notification { object in
                object["sections"] = [
                    ["label": "incident.occurred", "content": ["childPresent": true]],
                    ["label": "police.incident", "content": ["text": "Officers attended an altercation."]],
                ]
            })
            let child = try #require(receipt.objects("subjects").first?.string("person"))
            let schoolItem = try #require(receipt.objects("items").first { $0.string("recipient") == "school-test" }?.string("itemId"))
            hub.clock.advance(by: 600)
            // The same child recorded as male: a sex conflict goes to review.
            let second = try await client.accepted(try hub.notification { object in
                object["subjects"] = [[
                    "ref": "c1", "givenName": "Evie", "familyName": "Ashworth", "dateOfBirth": "2016-04-09", "sex": "male",
                    "address": ["lines": ["12 Kiln Street"], "postcode": "NM3 4AB"],
                ]]
            })
            #expect(second.objects("subjects").first?.string("match") == "review")

            _ = try await client.readJSON("/v1/items/\(schoolItem)", as: "school-test", hub: hub)
            #expect(try await baton.deliveries.runOnce() >= 1)
            _ = try await client.readJSON("/v1/persons/\(child)", as: "mash-test", hub: hub)
            _ = try await client.readJSON("/v1/persons/\(child)/chronology", as: "mash-test", hub: hub)
            let reviews = try await client.readJSON("/v1/identity/reviews", as: "mash-test", hub: hub)
            let reviewID = try #require(reviews.objects("reviews").first?.string("id"))
            _ = try await client.readJSON("/v1/identity/reviews/\(reviewID)", as: "mash-test", hub: hub)
            let decided = try await client.execute(
                uri: "/v1/identity/reviews/\(reviewID)/decision", method: .post,
                headers: [.authorization: "Bearer \(try hub.token(for: "mash-test"))", .contentType: "application/json"],
                body: ByteBuffer(bytes: JSONValue.object([
                    "decision": "same", "reason": "Same child; the sex was recorded wrongly.", "decidedBy": ["name": "Sam Okoro", "role": "MASH manager"],
                ]).serialized()))
            #expect(decided.status == .ok, "\(decided.text)")
            let mergeID = try #require(decided.json?.objectValue?.string("merge"))
            _ = try await client.readJSON("/v1/identity/merges/\(mergeID)", as: "mash-test", hub: hub)

            // Only auditors and MASH managers read the access log.
            _ = try await client.read("/v1/persons/\(child)/access-log", bearer: try hub.token(for: "mash-test")).expectProblem(.notPermitted)
            let auditor = try hub.bearer(hub.mashKey, iss: "mash-test", role: "auditor")
            let log = try #require(try await client.read("/v1/persons/\(child)/access-log", bearer: auditor).json?.objectValue)
            let accesses = log.objects("accesses")
            let paths = Set(accesses.compactMap { access in access.string("channel").flatMap { channel in access.string("resource").map { "\(channel)/\($0)" } } })
            for expected in ["api/item", "webhook/item", "api/person", "api/chronology", "api/review", "api/merge"] {
                #expect(paths.contains(expected), "no access entry for \(expected): \(paths.sorted())")
            }
            let schoolRead = try #require(accesses.first { $0.string("reader") == "school-test" && $0.string("channel") == "api" })
            #expect(schoolRead.string("item") == schoolItem)
            #expect(schoolRead.at("sections")?.arrayValue?.compactMap(\.stringValue) == ["incident.occurred"], "the sections the school was shown, no more")
            #expect(schoolRead.string("basis") == "legal-duty")
            #expect(schoolRead.string("purpose") == "operation-encompass")
            #expect(schoolRead.string("message")?.hasPrefix("police-test/") == true)

            let csv = try await client.execute(uri: "/v1/persons/\(child)/access-log?format=csv", method: .get, headers: [.authorization: "Bearer \(auditor)"])
            #expect(csv.headers[.contentType]?.hasPrefix("text/csv") == true)
            let lines = csv.text.split(separator: "\r\n")
            #expect(lines.first == "at,reader,role,channel,resource,item,message,sections,basis,purpose,auditEntry")
            #expect(lines.count >= accesses.count + 1)
            #expect(lines.contains { $0.contains(",school-test,lead,webhook,item,\(schoolItem),") && $0.contains(",incident.occurred,legal-duty,") })
            // Reading the access log is itself recorded.
            let again = try #require(try await client.read("/v1/persons/\(child)/access-log", bearer: auditor).json?.objectValue)
            #expect(again.objects("accesses").contains { $0.string("resource") == "access-log" })
        }
    }
}
