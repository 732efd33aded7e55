import BatonCore
import Foundation

/// Why a JWS (a signed message, a bearer token, a receipt) was refused. Each case maps to one
/// problem type in the API; none carries personal data.
public enum JWSError: Error, Sendable, Equatable {
    /// Not a JWS compact serialization: wrong number of parts, bad base64url, trailing data,
    /// a header that is not JSON.
    case malformed(String)
    /// The payload is not strict JSON (I-JSON: no duplicate names, valid UTF-8).
    case payloadNotJSON(String)
    case payloadTooLarge(limit: Int, size: Int)
    /// `alg` outside the allow-list (EdDSA, ES256): `none`, `HS256`, RSA, ...
    case unsupportedAlgorithm(String)
    /// `typ` is not what this endpoint takes: a bearer token posted as a message, or the reverse.
    case wrongType(expected: String, found: String?)
    /// A header parameter Baton refuses: keys or key URLs in the header (`jwk`, `jku`, `x5u`,
    /// `x5c`, ...), `crit`, or any parameter it does not know.
    case forbiddenHeader(String)
    /// `kid` missing, not of the form `<agency-id>/<key-id>`, or not in the registry.
    case unknownKey(String)
    case keyRevoked
    case keyNotYetValid(Date)
    case keyExpired(Date)
    /// The header's `alg` is not the registered key's algorithm.
    case algorithmMismatch(header: String, key: String)
    case badSignature

    /// A sentence for the `detail` of a problem document.
    public var detail: String {
        switch self {
        case .malformed(let reason): "The body is not a JWS compact serialization: \(reason)."
        case .payloadNotJSON(let reason): "The JWS payload is not valid JSON: \(reason)."
        case .payloadTooLarge(let limit, let size): "The payload is \(size) bytes; this hub accepts at most \(limit)."
        case .unsupportedAlgorithm(let alg):
            "The algorithm '\(Self.printable(alg))' is not accepted; sign with EdDSA (Ed25519) or ES256."
        case .wrongType(let expected, let found):
            "The JWS header 'typ' is '\(found.map(Self.printable) ?? "(missing)")'; this endpoint takes '\(expected)'."
        case .forbiddenHeader(let name):
            switch name {
            case "jwk", "jku", "x5u", "x5c", "x5t", "x5t#S256":
                "The JWS header carries '\(name)'; keys come only from the agency registry, never from the message."
            case "crit": "The JWS header has 'crit'; this hub understands no JWS extensions."
            default: "The JWS header parameter '\(Self.printable(name))' is not accepted; use only alg, kid and typ."
            }
        case .unknownKey(let reason): reason
        case .keyRevoked: "The signing key has been revoked in the agency registry."
        case .keyNotYetValid(let date): "The signing key is not valid until \(RFC3339.format(date))."
        case .keyExpired(let date): "The signing key expired at \(RFC3339.format(date))."
        case .algorithmMismatch(let header, let key):
            "The header says '\(Self.printable(header))' but the registered key is for \(key)."
        case .badSignature: "The signature does not verify with the registered key."
        }
    }

    /// Header values are chosen by the sender; show them only as short printable ASCII.
    static func printable(_ text: String) -> String {
        let cleaned = String(text.unicodeScalars.filter { $0.isASCII && $0.value >= 0x20 && $0.value < 0x7F }.prefix(64))
        return cleaned.isEmpty ? "(unprintable)" : cleaned
    }
}
