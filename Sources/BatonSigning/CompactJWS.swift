import BatonCore
import Foundation

/// The `typ` header values that keep Baton's kinds of JWS apart, so that one can never be used as
/// another: a message is never a bearer token, a bearer token never a message.
public enum JWSType: String, Sendable, CaseIterable {
    case message = "baton-message"
    case bearer = "JWT"
    case receipt = "baton-receipt"
    case delivery = "baton-delivery"
    case checkpoint = "baton-checkpoint"
    /// A person's action in the web UI, kept as the message it amounts to and signed by the hub
    /// (which authenticated the person), not by the agency's key.
    case personAction = "baton-person-action"

    /// RFC 7515 §4.1.9: compared case-insensitively, with an optional `application/` prefix.
    public func matches(_ typ: String?) -> Bool {
        guard var typ = typ?.lowercased() else { return false }
        if typ.hasPrefix("application/") { typ.removeFirst("application/".count) }
        return typ == rawValue.lowercased()
    }
}

/// The protected header of a Baton JWS. Only `alg`, `kid` and `typ` are accepted.
public struct JWSHeader: Sendable, Equatable {
    public var alg: String
    public var kid: String?
    public var typ: String?

    static let keyBearing: Set<String> = ["jwk", "jku", "x5u", "x5c", "x5t", "x5t#S256"]
}

/// A JWS in compact serialization (RFC 7515 §7.1), split and decoded but not yet verified.
public struct CompactJWS: Sendable {
    /// `BASE64URL(header) || '.' || BASE64URL(payload)`: the bytes the signature covers.
    public let signingInput: ArraySlice<UInt8>
    public let header: JWSHeader
    public let payloadSegment: ArraySlice<UInt8>
    public let signature: [UInt8]

    /// Splits and decodes `bytes`. Refuses anything that is not exactly three base64url segments,
    /// a header that is not strict JSON or carries a parameter other than alg/kid/typ, an
    /// algorithm outside the allow-list, and a payload larger than `maxPayloadBytes`.
    public static func parse(_ bytes: [UInt8], maxPayloadBytes: Int) throws(JWSError) -> CompactJWS {
        guard !bytes.isEmpty else { throw .malformed("the body is empty") }
        var dots: [Int] = []
        var end = bytes.count
        let alphabet = Base64URL.alphabetTable
        for (index, byte) in bytes.enumerated() {
            if byte == UInt8(ascii: ".") {
                dots.append(index)
                if dots.count > 2 { throw .malformed("it has more than three dot-separated parts") }
            } else if alphabet[Int(byte)] == 0xFF {
                if dots.count == 2 {
                    end = index
                    break
                }
                throw .malformed("a part contains a character that is not base64url (no padding, no whitespace)")
            }
        }
        guard dots.count == 2 else { throw .malformed("it must have three dot-separated parts (header.payload.signature)") }
        if end != bytes.count {
            let extra = bytes.count - end
            let hint = bytes[end...].allSatisfy({ $0 == 0x0A || $0 == 0x0D || $0 == 0x20 }) ? " (a trailing newline or space?)" : ""
            throw .malformed("\(extra) byte\(extra == 1 ? "" : "s") of other data follow the signature\(hint); send the compact JWS exactly")
        }
        let headerSegment = bytes[0..<dots[0]]
        let payloadSegment = bytes[(dots[0] + 1)..<dots[1]]
        let signatureSegment = bytes[(dots[1] + 1)...]

        guard let headerBytes = Base64URL.decode(headerSegment), !headerBytes.isEmpty else {
            throw .malformed("the header is not base64url")
        }
        let header = try parseHeader(headerBytes)
        let payloadLength = Base64URL.decodedLength(payloadSegment.count)
        if payloadLength > maxPayloadBytes { throw .payloadTooLarge(limit: maxPayloadBytes, size: payloadLength) }
        guard let signature = Base64URL.decode(signatureSegment) else { throw .malformed("the signature is not base64url") }
        return CompactJWS(
            signingInput: bytes[0..<dots[1]], header: header, payloadSegment: payloadSegment, signature: signature)
    }

    static func parseHeader(_ bytes: [UInt8]) throws(JWSError) -> JWSHeader {
        let value: JSONValue
        do { value = try StrictJSON.parse(bytes) } catch { throw .malformed("the header is not valid JSON (\(error.reason))") }
        guard let object = value.objectValue else { throw .malformed("the header must be a JSON object") }
        guard let algValue = object["alg"] else { throw .unsupportedAlgorithm("(missing)") }
        guard let alg = algValue.stringValue else { throw .unsupportedAlgorithm("(not a string)") }
        guard JWSAlgorithm(rawValue: alg) != nil else { throw .unsupportedAlgorithm(alg) }
        for name in object.names where JWSHeader.keyBearing.contains(name) || name == "crit" {
            throw .forbiddenHeader(name)
        }
        for name in object.names where !["alg", "kid", "typ"].contains(name) { throw .forbiddenHeader(name) }
        guard object["kid"] == nil || object["kid"]?.stringValue != nil else { throw .unknownKey("The JWS header 'kid' must be a string.") }
        guard object["typ"] == nil || object["typ"]?.stringValue != nil else { throw .wrongType(expected: "a string", found: nil) }
        return JWSHeader(alg: alg, kid: object["kid"]?.stringValue, typ: object["typ"]?.stringValue)
    }

    /// The decoded payload bytes.
    public func payload() throws(JWSError) -> [UInt8] {
        guard let bytes = Base64URL.decode(payloadSegment) else { throw .malformed("the payload is not base64url") }
        return bytes
    }

    /// Signs `payload` as a compact JWS with header `{"alg","kid","typ"}`.
    public static func sign(payload: [UInt8], type: JWSType, kid: String, key: SigningKey) throws -> String {
        let header = JSONValue.object(JSONObject([
            .init(name: "alg", value: .string(key.algorithm.rawValue)),
            .init(name: "kid", value: .string(kid)),
            .init(name: "typ", value: .string(type.rawValue)),
        ]))
        var signingInput = Base64URL.encodeToBytes(header.serialized())
        signingInput.append(UInt8(ascii: "."))
        signingInput.append(contentsOf: Base64URL.encodeToBytes(payload))
        let signature = try key.signature(for: signingInput)
        signingInput.append(UInt8(ascii: "."))
        signingInput.append(contentsOf: Base64URL.encodeToBytes(signature))
        return String(decoding: signingInput, as: UTF8.self)
    }
}
