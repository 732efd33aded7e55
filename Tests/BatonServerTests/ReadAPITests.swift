import BatonCore
import BatonServer
import BatonSigning
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@Suite("Reading a message's status")
struct ReadAPITests {
    @Test("the sender reads its message with a bearer token; the state is reported honestly")
    func senderReads() async throws {
        let hub = try TestHub()
        try await hub.run { _, client in
            let id = UUID().uuidString.lowercased()
            let jws = try hub.signed(hub.referral(id: id))
            let receipt = try await client.submit(jws).json?.objectValue?["receipt"]
            let response = try await client.read("/v1/messages/\(id)", bearer: try hub.bearer())
            #expect(response.status == .ok)
            let body = try #require(response.json?.objectValue)
            #expect(body["messageId"]?.stringValue == id)
            #expect(body["kind"]?.stringValue == "referral")
            // Routed to the MASH of the child's home authority (postcode NM3 → 995), still open.
            #expect(body["state"]?.stringValue == "open")
            let items = try #require(body["items"]?.arrayValue)
            #expect(items.count == 1)
            #expect(items.first?.objectValue?["recipient"]?.stringValue == "mash-test")
            #expect(items.first?.objectValue?["purpose"]?.stringValue == "decide-response")
            #expect(body["loop"]?.objectValue?["closed"] == false)
            #expect(body["receipt"] == receipt)
            #expect(body["sha256"]?.stringValue == Digest.sha256Hex(Array(jws.utf8)))
            // The token may be signed with any of the agency's keys, and reused until it expires.
            let token = try hub.bearer(hub.policeES)
            #expect(try await client.read("/v1/messages/\(id.uppercased())", bearer: token).status == .ok)
            #expect(try await client.read("/v1/messages/\(id)", bearer: token).status == .ok)
        }
    }

    @Test("another agency, an unknown id and a malformed id all get the same 404")
    func othersSeeNothing() async throws {
        let hub = try TestHub()
        try await hub.run { _, client in
            let id = UUID().uuidString.lowercased()
            _ = try await client.submit(try hub.signed(hub.referral(id: id)))
            let school = try await client.read("/v1/messages/\(id)", bearer: try hub.bearer(hub.schoolKey, iss: "school-test"))
            let unknown = try await client.read("/v1/messages/\(UUID().uuidString)", bearer: try hub.bearer())
            let malformed = try await client.read("/v1/messages/not-a-uuid", bearer: try hub.bearer())
            for response in [school, unknown, malformed] { response.expectProblem(.notFound) }
            #expect(school.text == unknown.text)
        }
    }

    @Test("reads need a valid bearer token; a signed message is never accepted as one")
    func tokensRequired() async throws {
        let hub = try TestHub()
        try await hub.run { _, client in
            let id = UUID().uuidString.lowercased()
            let jws = try hub.signed(hub.referral(id: id))
            _ = try await client.submit(jws)
            let path = "/v1/messages/\(id)"
            let missing = try await client.read(path, bearer: nil)
            missing.expectProblem(.missingToken)
            #expect(missing.headers[.wwwAuthenticate] == #"Bearer realm="baton""#)
            try await client.read(path, bearer: jws).expectProblem(.wrongTokenType)
            try await client.read(path, bearer: try hub.bearer(iss: "school-test")).expectProblem(.invalidToken)
            try await client.read(path, bearer: try hub.bearer(hub.revokedKey)).expectProblem(.keyNotValid)
            try await client.read(path, bearer: try hub.bearer(issuedAt: hub.clock.now() - 600)).expectProblem(.invalidToken)
            try await client.read(path, bearer: "not.a.token").expectProblem(.invalidToken)
            let basic = try await client.execute(uri: path, method: .get, headers: [.authorization: "Basic cG9saWNlOnB3"])
            basic.expectProblem(.missingToken)
        }
    }
}

@Suite("Operations endpoints")
struct OperationsTests {
    @Test("health, readiness and metrics answer")
    func healthAndMetrics() async throws {
        let hub = try TestHub()
        try await hub.run { _, client in
            #expect(try await client.execute(uri: "/healthz", method: .get).json == ["status": "ok"])
            #expect(try await client.execute(uri: "/readyz", method: .get).json == ["status": "ready", "agencies": 5])
            _ = try await client.submit(try hub.signed(hub.referral()))
            let jws = try hub.signed(hub.referral())
            _ = try await client.submit(jws)
            _ = try await client.submit(jws)
            let metrics = try await client.execute(uri: "/metrics", method: .get)
            #expect(metrics.headers[.contentType]?.hasPrefix("text/plain") == true)
            #expect(metrics.text.contains(#"baton_intake_total{outcome="accepted"} 2"#), "\(metrics.text)")
            #expect(metrics.text.contains(#"baton_intake_total{outcome="duplicate"} 1"#))
            #expect(metrics.text.contains("baton_intake_duration_seconds_bucket"))
            #expect(metrics.text.contains("baton_store_commit_batch_size"))
        }
    }

    @Test("unknown paths are 404 and wrong methods 405 with Allow, both as problem documents")
    func unknownRoutes() async throws {
        let hub = try TestHub()
        try await hub.run { _, client in
            try await client.execute(uri: "/v2/everything", method: .get).expectProblem(.notFound)
            let wrongMethod = try await client.execute(uri: "/v1/messages", method: .delete)
            wrongMethod.expectProblem(.methodNotAllowed)
            #expect(wrongMethod.headers[.allow] == "POST")
            let wrongRead = try await client.execute(uri: "/v1/messages/\(UUID())", method: .put)
            #expect(wrongRead.headers[.allow] == "GET")
        }
    }

    @Test("every problem type has a page that explains it")
    func problemPages() async throws {
        let hub = try TestHub()
        try await hub.run { _, client in
            for type in ProblemType.allCases {
                let page = try await client.execute(uri: type.uri, method: .get)
                #expect(page.status == .ok)
                #expect(page.text.contains(type.title))
            }
            try await client.execute(uri: "/problems/no-such-thing", method: .get).expectProblem(.notFound)
        }
    }
}
