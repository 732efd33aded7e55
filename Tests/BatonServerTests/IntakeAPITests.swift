import BatonCore
import BatonServer
import BatonSigning
import Crypto
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@Suite("Intake over HTTP")
struct IntakeAPITests {
    @Test("a signed referral is stored and answered 202 with a hub-signed receipt that verifies against the published keys")
    func acceptsAndReceipts() async throws {
        let hub = try TestHub()
        try await hub.run { server, client in
            let id = UUID().uuidString.lowercased()
            let jws = try hub.signed(hub.referral(id: id))
            let response = try await client.submit(jws)
            #expect(response.status == .accepted)
            #expect(response.headers[.location] == "/v1/messages/\(id)")
            let body = try #require(response.json?.objectValue)
            #expect(body["messageId"]?.stringValue == id)
            #expect(body["sha256"]?.stringValue == Digest.sha256Hex(Array(jws.utf8)))
            #expect(body["sequence"]?.numberValue == 1)

            let jwks = try await client.execute(uri: "/.well-known/jwks.json", method: .get)
            #expect(jwks.headers[.contentType] == "application/jwk-set+json")
            let keys = try HubKeySet(jwks: try #require(jwks.json))
            let receiptPayload = try keys.verify(try #require(body["receipt"]?.stringValue), as: .receipt)
            let receipt = try #require(Receipt(payload: try StrictJSON.parse(receiptPayload)))
            #expect(receipt.messageId.rawValue == id)
            #expect(receipt.from == hub.police)
            #expect(receipt.kid == "police-test/ed")
            #expect(receipt.sha256 == Digest.sha256Hex(Array(jws.utf8)))
            #expect(receipt.receivedAt == hub.clock.now())
            #expect(RFC3339.format(receipt.receivedAt) == body["receivedAt"]?.stringValue)

            // The exact bytes are what the hub keeps.
            let stored = try #require(try await server.store.message(from: hub.police, id: MessageID(rawValue: id)!))
            #expect(stored.jws == Array(jws.utf8))
        }
    }

    @Test("ES256 messages are accepted too")
    func acceptsES256() async throws {
        let hub = try TestHub()
        try await hub.run { _, client in
            let response = try await client.submit(try hub.signed(hub.referral(), with: hub.policeES))
            #expect(response.status == .accepted)
        }
    }

    @Test("an identical resubmission is 200 with the original receipt; the same messageId with other bytes is 409")
    func idempotency() async throws {
        let hub = try TestHub()
        try await hub.run { server, client in
            let id = UUID().uuidString.lowercased()
            let jws = try hub.signed(hub.referral(id: id))
            let first = try await client.submit(jws)
            hub.clock.advance(by: 30)
            let again = try await client.submit(jws)
            #expect(again.status == .ok)
            #expect(again.json == first.json)
            let other = try hub.signed(hub.referral(id: id) { $0["referrerAnonymous"] = true })
            let conflict = try await client.submit(other)
            let problem = conflict.expectProblem(.messageIdConflict)
            #expect(problem?["detail"]?.stringValue?.contains(id) == true)
            #expect(try await server.store.messageCount() == 1)
        }
    }

    @Test("a resubmission long after the clock-skew window still gets its original receipt; a new message that late is refused")
    func lateResubmission() async throws {
        let hub = try TestHub()
        try await hub.run { _, client in
            let jws = try hub.signed(hub.referral())
            let first = try await client.submit(jws)
            hub.clock.advance(by: 3 * 3600)
            let again = try await client.submit(jws)
            #expect(again.status == .ok)
            #expect(again.json == first.json)
            let stale = try hub.signed(hub.referral(sentAt: hub.clock.now() - 3 * 3600))
            let problem = try await client.submit(stale).expectProblem(.clockSkew)
            #expect(problem?["errors"]?.arrayValue?.first?.objectValue?["pointer"]?.stringValue == "/sentAt")
            let ahead = try hub.signed(hub.referral(sentAt: hub.clock.now() + 600))
            #expect(try await client.submit(ahead).expectProblem(.clockSkew)?["detail"]?.stringValue?.contains("ahead") == true)
        }
    }

    /// Each refusal the issue lists, with the status and problem type it must get.
    static func refusals(_ hub: TestHub) throws -> [(String, String, ProblemType)] {
        let payload = hub.referral()
        func forged(_ header: JSONValue, sign: Bool = true) throws -> String {
            let input = Base64URL.encode(header.serialized()) + "." + Base64URL.encode(payload)
            let signature = sign ? try hub.policeKey.key.signature(for: Array(input.utf8)) : []
            return input + "." + Base64URL.encode(signature)
        }
        let publicX = hub.policeKey.key.publicKey.jwkMembers.first { $0.0 == "x" }!.1
        let hsInput = Base64URL.encode((["alg": "HS256", "kid": "police-test/ed", "typ": "baton-message"] as JSONValue).serialized()) + "." + Base64URL.encode(payload)
        let hs256 = hsInput + "." + Base64URL.encode(Array(HMAC<SHA256>.authenticationCode(for: Array(hsInput.utf8), using: SymmetricKey(data: Array(publicX.utf8)))))
        let good = try hub.signed(payload)
        let parts = good.split(separator: ".")
        return [
            ("alg none", try forged(["alg": "none", "kid": "police-test/ed", "typ": "baton-message"], sign: false), .unsupportedAlgorithm),
            ("HS256 keyed with the agency's public key", hs256, .unsupportedAlgorithm),
            ("unknown kid", try hub.signed(payload, with: KeyFile(kid: "police-test/nope", key: hub.policeKey.key)), .unknownKey),
            ("expired key", try hub.signed(payload, with: hub.expiredKey), .keyNotValid),
            ("not-yet-valid key", try hub.signed(payload, with: hub.futureKey), .keyNotValid),
            ("revoked key", try hub.signed(payload, with: hub.revokedKey), .keyNotValid),
            ("jwk header injection", try forged(["alg": "EdDSA", "kid": "police-test/ed", "typ": "baton-message", "jwk": ["kty": "OKP", "crv": "Ed25519", "x": .string(publicX)]]), .forbiddenHeader),
            ("jku header", try forged(["alg": "EdDSA", "kid": "police-test/ed", "typ": "baton-message", "jku": "https://attacker.example/jwks"]), .forbiddenHeader),
            ("x5u header", try forged(["alg": "EdDSA", "kid": "police-test/ed", "typ": "baton-message", "x5u": "https://attacker.example/cert"]), .forbiddenHeader),
            ("a bearer JWT posted as a message", try hub.bearer(), .wrongTokenType),
            ("signature by another key", try hub.signed(payload, with: KeyFile(kid: "police-test/ed", key: .generate(.edDSA))), .badSignature),
            ("payload changed after signing", parts[0] + "." + Base64URL.encode(hub.referral()) + "." + parts[2], .badSignature),
            ("one agency's key with another agency in from", try hub.signed(hub.referral(from: "school-test")), .agencyMismatch),
            ("the school's key claiming to be the police", try hub.signed(payload, with: hub.schoolKey), .agencyMismatch),
            ("bad base64url", "eyJhbGciOiJFZERTQSJ9+." + parts[1] + "." + parts[2], .malformedJWS),
            ("padding", good + "==", .malformedJWS),
            ("trailing data", good + "\n", .malformedJWS),
            ("trailing JSON", good + ".e30", .malformedJWS),
            ("not a JWS at all", #"{"kind":"referral"}"#, .malformedJWS),
            ("duplicate JSON keys in the payload", try hub.signed(Array(#"{"kind":"referral","kind":"notification"}"#.utf8)), .malformedJSON),
            ("payload that is not JSON", try hub.signed(Array("kind=referral".utf8)), .malformedJSON),
            ("invalid date of birth", try hub.signed(hub.referral { $0["subjects"] = [["ref": "c1", "givenName": "Evie", "dateOfBirth": "2016-02-30"]] }), .invalidMessage),
            ("invalid sentAt", try hub.signed(hub.referral { $0["sentAt"] = "yesterday" }), .invalidMessage),
            ("unknown kind", try hub.signed(hub.referral { $0["kind"] = "rumour" }), .invalidMessage),
            ("kind not accepted yet", try hub.signed(hub.referral { $0["kind"] = "correction" }), .kindNotSupported),
            ("payload is an array", try hub.signed(Array("[1,2]".utf8)), .invalidMessage),
        ]
    }

    @Test("every refusal gets its status and problem type, repeats no personal data, and stores nothing")
    func refusals() async throws {
        let hub = try TestHub()
        let cases = try Self.refusals(hub)
        try await hub.run { server, client in
            for (name, body, type) in cases {
                let response = try await client.submit(body)
                let problem = response.expectProblem(type)
                #expect(problem != nil, "\(name)")
            }
            #expect(try await server.store.messageCount() == 0)
            let metrics = try await client.execute(uri: "/metrics", method: .get).text
            #expect(metrics.contains(#"baton_intake_total{outcome="rejected",problem="unsupported-algorithm"} 2"#), "\(metrics)")
            #expect(metrics.contains(#"baton_intake_total{outcome="rejected",problem="key-not-valid"} 3"#))
        }
    }

    @Test("validation problems list every pointer")
    func validationPointers() async throws {
        let hub = try TestHub()
        try await hub.run { _, client in
            let jws = try hub.signed(hub.referral { object in
                object["subjects"] = [["ref": "c1", "givenName": "Evie", "dateOfBirth": "2016-02-30", "sex": "girl"]]
                object["doNotInfrom"] = ["p1"]
            })
            let problem = try await client.submit(jws).expectProblem(.invalidMessage)
            let pointers = problem?["errors"]?.arrayValue?.compactMap { $0.objectValue?["pointer"]?.stringValue }
            #expect(pointers == ["/doNotInfrom", "/subjects/0/dateOfBirth", "/subjects/0/sex"])
        }
    }

    @Test("the wrong content type is 415; an oversized body is 413 before it is read in full")
    func contentTypeAndSize() async throws {
        let hub = try TestHub(maxPayloadBytes: 4096)
        try await hub.run { server, client in
            let jws = try hub.signed(hub.referral())
            try await client.submit(jws, contentType: "application/json").expectProblem(.unsupportedMediaType)
            try await client.submit(jws, contentType: "application/jose+json").expectProblem(.unsupportedMediaType)
            #expect(try await client.submit(jws, contentType: "application/jose; charset=us-ascii").status == .accepted)
            let big = try hub.signed(hub.referral { $0["sections"] = [["label": "police.notes", "content": ["text": .string(String(repeating: "x", count: 5000))]]] })
            try await client.submit(big).expectProblem(.payloadTooLarge)
            try await client.submit(String(repeating: "A", count: 20_000) + ".e30.AA").expectProblem(.payloadTooLarge)
            #expect(try await server.store.messageCount() == 1)
        }
    }

    @Test("nothing personal is ever logged, on success or refusal")
    func noPersonalDataInLogs() async throws {
        let hub = try TestHub()
        let cases = try Self.refusals(hub)
        try await hub.run { _, client in
            _ = try await client.submit(try hub.signed(hub.referral()))
            for (_, body, _) in cases { _ = try await client.submit(body) }
        }
        let logs = hub.logs.all
        #expect(logs.contains { $0.contains("message received") })
        #expect(logs.contains { $0.contains("message refused") })
        for line in logs {
            for personal in TestHub.personalData {
                #expect(!line.contains(personal), "personal data in a log line: \(line)")
            }
        }
    }

    @Test("concurrent submissions over HTTP all get distinct receipts")
    func concurrentSubmissions() async throws {
        let hub = try TestHub()
        try await hub.run { server, client in
            let bodies = try (0..<60).map { _ in try hub.signed(hub.referral()) }
            let statuses = try await withThrowingTaskGroup(of: (HTTPResponse.Status, Double?).self) { group in
                for body in bodies {
                    group.addTask {
                        let response = try await client.submit(body)
                        return (response.status, response.json?.objectValue?["sequence"]?.numberValue)
                    }
                }
                return try await group.reduce(into: [(HTTPResponse.Status, Double?)]()) { $0.append($1) }
            }
            #expect(statuses.allSatisfy { $0.0 == .accepted })
            #expect(Set(statuses.compactMap(\.1)).count == 60)
            #expect(try await server.store.messageCount() == 60)
        }
    }
}
