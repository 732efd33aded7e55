import AsyncHTTPClient
import BatonCore
import BatonSigning
import Foundation
import NIOCore
import NIOHTTP1

/// A small client for a hub's API, used by `submit`, `status` and the demo's traffic.
struct HubClient: Sendable {
    let baseURL: String
    let client: HTTPClient

    init(baseURL: String, client: HTTPClient = .shared) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.client = client
    }

    struct Reply {
        let status: Int
        let body: [UInt8]
        var json: JSONValue? { try? StrictJSON.parse(body) }
    }

    func submit(_ jws: String) async throws -> Reply {
        var request = HTTPClientRequest(url: baseURL + "/v1/messages")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/jose")
        request.body = .bytes(ByteBuffer(string: jws))
        return try await execute(request)
    }

    func get(_ path: String, bearer: String? = nil) async throws -> Reply {
        var request = HTTPClientRequest(url: baseURL + path)
        if let bearer { request.headers.add(name: "Authorization", value: "Bearer \(bearer)") }
        return try await execute(request)
    }

    func execute(_ request: HTTPClientRequest) async throws -> Reply {
        do {
            let response = try await client.execute(request, timeout: .seconds(30))
            let body = try await response.body.collect(upTo: 16 * 1024 * 1024)
            return Reply(status: Int(response.status.code), body: Array(body.readableBytesView))
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw CLIError("cannot reach the hub at \(baseURL): \(error)")
        }
    }

    /// Fetches the hub's keys and checks a receipt: its signature, that it is a receipt, and that
    /// it is for exactly the JWS that was sent.
    func verifyReceipt(_ receipt: String, for jws: String) async throws -> Receipt {
        let jwksReply = try await get("/.well-known/jwks.json")
        guard jwksReply.status == 200, let jwks = jwksReply.json else { throw CLIError("the hub did not publish its keys") }
        let keys: HubKeySet
        do { keys = try HubKeySet(jwks: jwks) } catch { throw CLIError("the hub's JWK Set is not usable: \(error)") }
        let payload: [UInt8]
        do { payload = try keys.verify(receipt, as: .receipt) } catch {
            throw CLIError("the receipt does NOT verify: \(error.detail)")
        }
        guard let value = try? StrictJSON.parse(payload), let parsed = Receipt(payload: value) else {
            throw CLIError("the receipt's payload is not a Baton receipt")
        }
        guard parsed.sha256 == Digest.sha256Hex(Array(jws.utf8)) else {
            throw CLIError("the receipt is for different bytes than were sent")
        }
        return parsed
    }
}
