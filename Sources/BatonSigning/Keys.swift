import BatonCore
import Crypto
import Foundation

/// The JWS algorithms Baton accepts. Everything else (`none`, HMAC, RSA, other curves) is refused.
public enum JWSAlgorithm: String, Sendable, Hashable, CaseIterable {
    /// Ed25519 (RFC 8037).
    case edDSA = "EdDSA"
    /// ECDSA on P-256 with SHA-256 (RFC 7518 §3.4).
    case es256 = "ES256"
}

/// A public key that verifies agency signatures.
public enum PublicKey: Sendable {
    case ed25519(Curve25519.Signing.PublicKey)
    case p256(P256.Signing.PublicKey)

    public var algorithm: JWSAlgorithm {
        switch self {
        case .ed25519: .edDSA
        case .p256: .es256
        }
    }

    /// Verifies a JWS signature (raw 64 bytes for both algorithms) over `data`.
    public func isValidSignature<Signature: DataProtocol, Data: DataProtocol>(_ signature: Signature, for data: Data) -> Bool {
        switch self {
        case .ed25519(let key):
            return key.isValidSignature(signature, for: data)
        case .p256(let key):
            guard let ecdsa = try? P256.Signing.ECDSASignature(rawRepresentation: signature) else { return false }
            return key.isValidSignature(ecdsa, for: data)
        }
    }

    /// The key's public JWK members (`kty`, `crv`, `x`, and `y` for EC), in RFC 7638 order.
    public var jwkMembers: [(String, String)] {
        switch self {
        case .ed25519(let key):
            return [("crv", "Ed25519"), ("kty", "OKP"), ("x", Base64URL.encode(key.rawRepresentation))]
        case .p256(let key):
            let raw = Array(key.rawRepresentation)  // x || y
            return [("crv", "P-256"), ("kty", "EC"), ("x", Base64URL.encode(raw[0..<32])), ("y", Base64URL.encode(raw[32..<64]))]
        }
    }

    /// The RFC 7638 JWK thumbprint (SHA-256, base64url).
    public var thumbprint: String {
        let members = jwkMembers.map { JSONObject.Member(name: $0.0, value: .string($0.1)) }
        return Base64URL.encode(SHA256.hash(data: JSONValue.object(JSONObject(members)).serialized()))
    }
}

/// A private key that signs: an agency's (held by the agency, never by the hub) or the hub's own.
public enum SigningKey: Sendable {
    case ed25519(Curve25519.Signing.PrivateKey)
    case p256(P256.Signing.PrivateKey)

    public static func generate(_ algorithm: JWSAlgorithm) -> SigningKey {
        switch algorithm {
        case .edDSA: .ed25519(Curve25519.Signing.PrivateKey())
        case .es256: .p256(P256.Signing.PrivateKey())
        }
    }

    public var algorithm: JWSAlgorithm {
        switch self {
        case .ed25519: .edDSA
        case .p256: .es256
        }
    }

    public var publicKey: PublicKey {
        switch self {
        case .ed25519(let key): .ed25519(key.publicKey)
        case .p256(let key): .p256(key.publicKey)
        }
    }

    /// The JWS signature over `data`: 64 bytes for both algorithms.
    public func signature<Data: DataProtocol>(for data: Data) throws -> [UInt8] {
        switch self {
        case .ed25519(let key): Array(try key.signature(for: data))
        case .p256(let key): Array(try key.signature(for: data).rawRepresentation)
        }
    }

    /// The private scalar (`d`), base64url.
    var privateMember: String {
        switch self {
        case .ed25519(let key): Base64URL.encode(key.rawRepresentation)
        case .p256(let key): Base64URL.encode(key.rawRepresentation)
        }
    }
}
