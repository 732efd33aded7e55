import BatonCore
import BatonSigning
import Foundation

/// A signed tree head of the audit log: `{ "log", "treeSize", "rootHash", "at" }` as a compact JWS
/// (`typ: baton-checkpoint`) signed by the hub key. The hub signs one after every commit that
/// appends to the log; those published at the configured interval or on demand are its
/// checkpoints, which witnesses keep outside the hub.
public struct SignedTreeHead: Sendable, Equatable {
    public var size: Int64
    public var root: Merkle.Hash
    public var at: Date

    public init(size: Int64, root: Merkle.Hash, at: Date) {
        self.size = size
        self.root = root
        self.at = at
    }

    public static let logName = "baton-audit"

    public var payload: JSONValue {
        [
            "log": .string(Self.logName), "treeSize": .number(Double(size)), "rootHash": .string(root.hexString),
            "at": .string(RFC3339.format(at)),
        ]
    }

    public func sign(with key: HubKey) throws -> String {
        try key.sign(payload, type: .checkpoint)
    }

    public enum Problem: Error, Equatable, CustomStringConvertible {
        case malformed(String)
        case unknownKey(String)
        case badSignature

        public var description: String {
            switch self {
            case .malformed(let why): "not a checkpoint: \(why)"
            case .unknownKey(let kid): "signed with key '\(kid)', which is not among the hub keys given"
            case .badSignature: "the signature does not verify with the hub's public key"
            }
        }
    }

    /// Verifies a checkpoint JWS against the hub's public keys (kid → key) and reads it.
    public static func verify(_ jws: String, keys: [String: PublicKey]) throws(Problem) -> SignedTreeHead {
        let parsed: CompactJWS
        do { parsed = try CompactJWS.parse(Array(jws.utf8), maxPayloadBytes: 4096) } catch { throw .malformed("\(error)") }
        guard JWSType.checkpoint.matches(parsed.header.typ) else { throw .malformed("typ is not baton-checkpoint") }
        guard let kid = parsed.header.kid, let key = keys[kid] else { throw .unknownKey(parsed.header.kid ?? "(none)") }
        guard key.isValidSignature(parsed.signature, for: Array(parsed.signingInput)) else { throw .badSignature }
        guard let payload = try? parsed.payload(), let object = (try? StrictJSON.parse(payload))?.objectValue,
            object["log"]?.stringValue == logName, let size = object["treeSize"]?.numberValue, size >= 0,
            let rootText = object["rootHash"]?.stringValue, let root = [UInt8](hex: rootText), root.count == 32,
            let atText = object["at"]?.stringValue, let at = RFC3339.parse(atText)
        else { throw .malformed("the payload lacks log, treeSize, rootHash or at") }
        return SignedTreeHead(size: Int64(size), root: root, at: at)
    }

    /// The hub's public keys from a JWK Set document (`/.well-known/jwks.json`).
    public static func keys(fromJWKS jwks: JSONValue) -> [String: PublicKey] {
        var keys: [String: PublicKey] = [:]
        for entry in jwks.objectValue?["keys"]?.arrayValue ?? [] {
            guard let object = entry.objectValue, let kid = object["kid"]?.stringValue else { continue }
            var members: [String: String] = [:]
            for member in object.members { if let text = member.value.stringValue { members[member.name] = text } }
            members["kid"] = nil
            members["alg"] = nil
            members["use"] = nil
            if let key = try? JWK.publicKey(members) { keys[kid] = key }
        }
        return keys
    }
}
