import BatonCore
import Crypto
import Foundation

/// The hub's own signing key: it signs receipts (and, later, webhook deliveries and audit
/// checkpoints). Its public half is published at `/.well-known/jwks.json`.
public struct HubKey: Sendable {
    public let kid: String
    public let key: SigningKey

    public init(key: SigningKey) {
        self.key = key
        self.kid = "hub-" + key.publicKey.thumbprint.prefix(16)
    }

    init(kid: String, key: SigningKey) {
        self.kid = kid
        self.key = key
    }

    /// Loads the key at `path`, or creates an Ed25519 key there (mode 0600) if there is none.
    /// Returns whether it was created.
    public static func loadOrCreate(path: String) throws -> (HubKey, created: Bool) {
        if FileManager.default.fileExists(atPath: path) {
            let file = try KeyFile.load(path: path)
            return (HubKey(kid: file.kid, key: file.key), false)
        }
        let hubKey = HubKey(key: .generate(.edDSA))
        try KeyFile(kid: hubKey.kid, key: hubKey.key).write(path: path)
        return (hubKey, true)
    }

    /// The JWK Set document for `/.well-known/jwks.json`.
    public func jwks() -> JSONValue {
        .object(JSONObject([.init(name: "keys", value: .array([JWK.publicJWK(key.publicKey, kid: kid)]))]))
    }

    public func sign(_ payload: JSONValue, type: JWSType) throws -> String {
        try CompactJWS.sign(payload: payload.serialized(), type: type, kid: kid, key: key)
    }
}

/// What the hub promises in a receipt (PROTOCOL.md §3): that it holds, durably, the message with
/// this id from this agency, whose compact JWS hashes to `sha256`.
public struct Receipt: Sendable, Equatable {
    public var messageId: MessageID
    public var from: AgencyID
    /// The sender's key that signed the message (`<agency-id>/<key-id>`).
    public var kid: String
    public var receivedAt: Date
    /// SHA-256 of the submitted compact JWS, lower-case hex.
    public var sha256: String
    /// The message's position in the hub's intake order.
    public var sequence: Int64
    /// The index of the message's entry in the hub's audit log (nil on a hub without one).
    public var auditIndex: Int64?

    public init(messageId: MessageID, from: AgencyID, kid: String, receivedAt: Date, sha256: String, sequence: Int64, auditIndex: Int64? = nil) {
        self.messageId = messageId
        self.from = from
        self.kid = kid
        self.receivedAt = receivedAt
        self.sha256 = sha256
        self.sequence = sequence
        self.auditIndex = auditIndex
    }

    public var payload: JSONValue {
        var object: JSONObject = [
            "messageId": .string(messageId.rawValue),
            "from": ["agency": .string(from.rawValue)],
            "kid": .string(kid),
            "receivedAt": .string(RFC3339.format(receivedAt)),
            "sha256": .string(sha256),
            "sequence": .number(Double(sequence)),
        ]
        if let auditIndex { object["auditIndex"] = .number(Double(auditIndex)) }
        return .object(object)
    }

    /// Reads a receipt payload back (for `baton submit` and tests).
    public init?(payload: JSONValue) {
        guard let object = payload.objectValue,
            let messageId = object["messageId"]?.stringValue.flatMap(MessageID.init(rawValue:)),
            let from = object["from"]?.objectValue?["agency"]?.stringValue.flatMap(AgencyID.init(rawValue:)),
            let kid = object["kid"]?.stringValue,
            let receivedAt = object["receivedAt"]?.stringValue.flatMap(RFC3339.parse),
            let sha256 = object["sha256"]?.stringValue,
            let sequence = object["sequence"]?.numberValue
        else { return nil }
        self.init(
            messageId: messageId, from: from, kid: kid, receivedAt: receivedAt, sha256: sha256, sequence: Int64(sequence),
            auditIndex: object["auditIndex"]?.numberValue.map { Int64($0) })
    }
}

/// A JWK Set fetched from a hub, for checking its receipts.
public struct HubKeySet: Sendable {
    public let keys: [String: PublicKey]

    public init(jwks: JSONValue) throws(JWK.Problem) {
        guard let array = jwks.objectValue?["keys"]?.arrayValue else { throw JWK.Problem("keys", "a JWK Set needs a 'keys' array") }
        var keys: [String: PublicKey] = [:]
        for element in array {
            guard let object = element.objectValue else { continue }
            var members: [String: String] = [:]
            for member in object.members { if let value = member.value.stringValue { members[member.name] = value } }
            guard let kid = members.removeValue(forKey: "kid") else { continue }
            keys[kid] = try JWK.publicKey(members)
        }
        self.keys = keys
    }

    /// Verifies a hub-signed JWS of `type` and returns its payload.
    public func verify(_ compact: String, as type: JWSType) throws(JWSError) -> [UInt8] {
        let jws = try CompactJWS.parse(Array(compact.utf8), maxPayloadBytes: 1024 * 1024)
        guard type.matches(jws.header.typ) else { throw .wrongType(expected: type.rawValue, found: jws.header.typ) }
        guard let kid = jws.header.kid, let key = keys[kid] else { throw .unknownKey("The hub key that signed this is not in the JWK Set.") }
        guard jws.header.alg == key.algorithm.rawValue else { throw .algorithmMismatch(header: jws.header.alg, key: key.algorithm.rawValue) }
        guard key.isValidSignature(jws.signature, for: jws.signingInput) else { throw .badSignature }
        return try jws.payload()
    }
}

/// SHA-256 helpers.
public enum Digest {
    /// SHA-256 of `bytes`, lower-case hex.
    public static func sha256Hex<Bytes: DataProtocol>(_ bytes: Bytes) -> String {
        Array(SHA256.hash(data: bytes)).hexString
    }
}
