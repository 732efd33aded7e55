import BatonCore
import BatonSigning
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The problem types the API returns (RFC 9457). Each `type` URI is `/problems/<slug>` on the hub,
/// where a short description is served; docs/problems.md lists them all.
public enum ProblemType: String, Sendable, CaseIterable {
    case malformedJWS = "malformed-jws"
    case malformedJSON = "malformed-json"
    case badRequest = "bad-request"
    case unsupportedMediaType = "unsupported-media-type"
    case payloadTooLarge = "payload-too-large"
    case unsupportedAlgorithm = "unsupported-algorithm"
    case wrongTokenType = "wrong-token-type"
    case forbiddenHeader = "forbidden-header"
    case unknownKey = "unknown-key"
    case keyNotValid = "key-not-valid"
    case algorithmMismatch = "algorithm-mismatch"
    case badSignature = "bad-signature"
    case missingToken = "missing-token"
    case invalidToken = "invalid-token"
    case agencyMismatch = "agency-mismatch"
    case notFound = "not-found"
    case methodNotAllowed = "method-not-allowed"
    case messageIdConflict = "message-id-conflict"
    case itemStateConflict = "item-state-conflict"
    case notYourItem = "not-your-item"
    case notPermitted = "not-permitted"
    case invalidMessage = "invalid-message"
    case kindNotSupported = "kind-not-supported"
    case clockSkew = "clock-skew"
    case invalidConfiguration = "invalid-configuration"
    case storageUnavailable = "storage-unavailable"
    case notReady = "not-ready"
    case internalError = "internal-error"

    public var uri: String { "/problems/\(rawValue)" }

    public var status: HTTPResponse.Status {
        switch self {
        case .malformedJWS, .malformedJSON, .badRequest: .badRequest
        case .unsupportedMediaType: .unsupportedMediaType
        case .payloadTooLarge: .contentTooLarge
        case .unsupportedAlgorithm, .wrongTokenType, .forbiddenHeader, .unknownKey, .keyNotValid, .algorithmMismatch,
            .badSignature, .missingToken, .invalidToken:
            .unauthorized
        case .agencyMismatch, .notYourItem, .notPermitted: .forbidden
        case .notFound: .notFound
        case .methodNotAllowed: .methodNotAllowed
        case .messageIdConflict, .itemStateConflict: .conflict
        case .invalidMessage, .kindNotSupported, .clockSkew, .invalidConfiguration: .unprocessableContent
        case .storageUnavailable, .notReady: .serviceUnavailable
        case .internalError: .internalServerError
        }
    }

    public var title: String {
        switch self {
        case .malformedJWS: "Not a JWS compact serialization"
        case .malformedJSON: "Payload is not valid JSON"
        case .badRequest: "Bad request"
        case .unsupportedMediaType: "Unsupported content type"
        case .payloadTooLarge: "Payload too large"
        case .unsupportedAlgorithm: "Signature algorithm not accepted"
        case .wrongTokenType: "Wrong kind of signed object"
        case .forbiddenHeader: "JWS header parameter not accepted"
        case .unknownKey: "Unknown signing key"
        case .keyNotValid: "Signing key not valid"
        case .algorithmMismatch: "Algorithm does not match the key"
        case .badSignature: "Signature does not verify"
        case .missingToken: "Bearer token required"
        case .invalidToken: "Bearer token not acceptable"
        case .agencyMismatch: "Sender is not the signing agency"
        case .notFound: "Not found"
        case .methodNotAllowed: "Method not allowed"
        case .messageIdConflict: "Message id already used for other content"
        case .itemStateConflict: "The item cannot change that way now"
        case .notYourItem: "Only the item's recipient may do that"
        case .notPermitted: "Your agency may not read or change this"
        case .invalidMessage: "Message breaks the protocol's rules"
        case .kindNotSupported: "Message kind not accepted yet"
        case .clockSkew: "Message time outside the allowed clock skew"
        case .invalidConfiguration: "The registry or policies do not validate"
        case .storageUnavailable: "Storage unavailable"
        case .notReady: "Hub not ready"
        case .internalError: "Internal error"
        }
    }

    /// What the problem means and what to do about it, served at ``uri``.
    public var explanation: String {
        switch self {
        case .malformedJWS: "The request body must be exactly one JWS in compact serialization: three base64url parts separated by dots, with nothing before or after (no trailing newline)."
        case .malformedJSON: "The JWS payload must be one UTF-8 JSON object with no duplicate member names (I-JSON, RFC 7493)."
        case .badRequest: "The request could not be understood."
        case .unsupportedMediaType: "POST /v1/messages takes Content-Type: application/jose (a compact JWS)."
        case .payloadTooLarge: "The payload is larger than this hub accepts (256 KiB unless configured otherwise)."
        case .unsupportedAlgorithm: "Sign with EdDSA (Ed25519) or ES256. 'none', HMAC and RSA algorithms are refused."
        case .wrongTokenType: "Messages carry typ 'baton-message'; bearer tokens carry typ 'JWT'. One is never accepted as the other."
        case .forbiddenHeader: "The protected header may carry only alg, kid and typ. Keys are taken from the agency registry, never from jwk, jku, x5u or x5c headers."
        case .unknownKey: "The header's kid must name a key in the agency registry, as <agency-id>/<key-id>."
        case .keyNotValid: "The key is revoked, or the time is outside its notBefore/notAfter window. Register a new key."
        case .algorithmMismatch: "The header's alg must be the registered key's algorithm."
        case .badSignature: "The signature does not verify with the registered public key."
        case .missingToken: "Send Authorization: Bearer <JWT> signed with one of your agency's keys (see docs/integrating.md)."
        case .invalidToken: "The bearer token needs iss (your agency id), aud \"baton\", iat, exp at most 300 s after iat, and jti."
        case .agencyMismatch: "from.agency must be the agency that owns the signing key."
        case .notFound: "Nothing here, or nothing your agency may see."
        case .methodNotAllowed: "This path does not take that method."
        case .messageIdConflict: "Your agency already sent different content with this messageId. Resending the identical JWS returns the original receipt; new content needs a new messageId."
        case .itemStateConflict: "The reply does not fit the item's current state: it is closed, or it must be acknowledged first, or an outcome is waiting for sign-off. Read the item (GET /v1/items/{itemId}) to see its state."
        case .notYourItem: "Only the agency an item was sent to may acknowledge, update or close it; only the sender of a message may cancel its items."
        case .notPermitted: "People's records, their chronologies and the identity review queue are the MASH's (the triage agency of policies/routing.yaml). Oversight functions need a bearer token whose role claim names a role policies/access.yaml allows your agency: auditor for decision records and policy versions, administrator for reloads."
        case .invalidMessage: "The payload breaks the protocol's rules; 'errors' lists each problem with a JSON Pointer."
        case .kindNotSupported: "The protocol defines this kind but this hub does not accept it yet."
        case .invalidConfiguration: "The agency registry or a policy file does not validate. Nothing was changed: the rules in force stay in force. 'configurationErrors' lists each problem with file, line and field."
        case .clockSkew: "sentAt must be within the allowed clock skew (5 minutes unless configured otherwise) of the hub's clock. Check the sending system's clock."
        case .storageUnavailable: "The hub could not store the message. Nothing was receipted: retry with the identical JWS."
        case .notReady: "The hub is starting or cannot reach its storage."
        case .internalError: "Something went wrong inside the hub. Nothing was receipted unless you received a receipt."
        }
    }
}

/// An RFC 9457 problem document. Thrown by handlers; rendered as `application/problem+json`.
///
/// `detail` and `errors` never contain values from the request that could be personal data.
public struct Problem: Error, HTTPResponseError, Sendable {
    public var type: ProblemType
    public var detail: String
    public var errors: [ValidationProblem]
    public var headers: HTTPFields
    /// Further members of the problem document (RFC 9457 §3.2 extension members).
    public var extensions: JSONObject = [:]

    public init(_ type: ProblemType, _ detail: String, errors: [ValidationProblem] = [], headers: HTTPFields = [:]) {
        self.type = type
        self.detail = detail
        self.errors = errors
        self.headers = headers
    }

    public var status: HTTPResponse.Status { type.status }

    public var json: JSONValue {
        var object = JSONObject([
            .init(name: "type", value: .string(type.uri)),
            .init(name: "title", value: .string(type.title)),
            .init(name: "status", value: .number(Double(type.status.code))),
            .init(name: "detail", value: .string(detail)),
        ])
        if !errors.isEmpty {
            object["errors"] = .array(errors.map { ["pointer": .string($0.pointer), "problem": .string($0.problem)] })
        }
        for member in extensions.members { object[member.name] = member.value }
        return .object(object)
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers = self.headers
        headers[.contentType] = "application/problem+json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: json.serialized())))
    }
}

extension Problem {
    /// The problem for a refused signature or JWS.
    init(_ error: JWSError) {
        switch error {
        case .malformed: self.init(.malformedJWS, error.detail)
        case .payloadNotJSON: self.init(.malformedJSON, error.detail)
        case .payloadTooLarge: self.init(.payloadTooLarge, error.detail)
        case .unsupportedAlgorithm: self.init(.unsupportedAlgorithm, error.detail)
        case .wrongType: self.init(.wrongTokenType, error.detail)
        case .forbiddenHeader: self.init(.forbiddenHeader, error.detail)
        case .unknownKey: self.init(.unknownKey, error.detail)
        case .keyRevoked, .keyNotYetValid, .keyExpired: self.init(.keyNotValid, error.detail)
        case .algorithmMismatch: self.init(.algorithmMismatch, error.detail)
        case .badSignature: self.init(.badSignature, error.detail)
        }
    }

    init(_ error: BearerTokenError) {
        let challenge: HTTPFields = [.wwwAuthenticate: #"Bearer realm="baton""#]
        switch error {
        case .missing: self.init(.missingToken, error.detail, headers: challenge)
        case .jws(let jwsError):
            var problem = Problem(jwsError)
            if problem.type == .payloadTooLarge || problem.type == .malformedJWS || problem.type == .malformedJSON {
                problem = Problem(.invalidToken, jwsError.detail)
            }
            problem.headers = challenge
            self = problem
        case .claims: self.init(.invalidToken, error.detail, headers: challenge)
        }
    }
}
