import BatonCore
import Crypto
import Foundation

/// JSON Web Keys (RFC 7517) of the two kinds Baton uses: `OKP`/`Ed25519` (RFC 8037) and
/// `EC`/`P-256`.
public enum JWK {
    /// What is wrong with a JWK, naming its member.
    public struct Problem: Error, Sendable, Equatable, CustomStringConvertible {
        public var member: String
        public var problem: String
        public init(_ member: String, _ problem: String) {
            self.member = member
            self.problem = problem
        }
        public var description: String { "\(member): \(problem)" }
    }

    /// Members a public JWK in the registry may carry.
    public static let publicMembers: Set<String> = ["kty", "crv", "x", "y", "alg", "use", "kid"]

    /// A public key from its JWK members. A `d` member (a private key) is refused.
    public static func publicKey(_ members: [String: String]) throws(Problem) -> PublicKey {
        if members["d"] != nil {
            throw Problem("d", "a private key must never be published or registered; give only the public part (remove 'd')")
        }
        let key: PublicKey
        switch (members["kty"], members["crv"]) {
        case ("OKP", "Ed25519"):
            let x = try bytes(members, "x", count: 32)
            if members["y"] != nil { throw Problem("y", "an Ed25519 key has no 'y'") }
            guard let parsed = try? Curve25519.Signing.PublicKey(rawRepresentation: x) else {
                throw Problem("x", "is not an Ed25519 public key")
            }
            key = .ed25519(parsed)
        case ("EC", "P-256"):
            let x = try bytes(members, "x", count: 32)
            let y = try bytes(members, "y", count: 32)
            guard let parsed = try? P256.Signing.PublicKey(rawRepresentation: x + y) else {
                throw Problem("x", "x and y are not a point on P-256")
            }
            key = .p256(parsed)
        case (nil, _):
            throw Problem("kty", "is required: OKP (with crv Ed25519) or EC (with crv P-256)")
        case (let kty?, let crv):
            throw Problem(crv == nil ? "crv" : "kty",
                "kty '\(kty)' with crv '\(crv ?? "(missing)")' is not accepted: use OKP with Ed25519, or EC with P-256")
        }
        if let alg = members["alg"], alg != key.algorithm.rawValue {
            throw Problem("alg", "must be \(key.algorithm.rawValue) for this key type")
        }
        if let use = members["use"], use != "sig" { throw Problem("use", "must be 'sig'") }
        return key
    }

    static func bytes(_ members: [String: String], _ name: String, count: Int) throws(Problem) -> [UInt8] {
        guard let text = members[name] else { throw Problem(name, "is required") }
        guard let bytes = Base64URL.decode(text) else { throw Problem(name, "is not base64url (no padding)") }
        guard bytes.count == count else { throw Problem(name, "must be \(count) bytes, found \(bytes.count)") }
        return bytes
    }

    /// A public JWK as a JSON object, with `kid` and `alg`, for a JWKS document.
    public static func publicJWK(_ key: PublicKey, kid: String) -> JSONValue {
        var members = key.jwkMembers.map { JSONObject.Member(name: $0.0, value: .string($0.1)) }
        members.append(.init(name: "kid", value: .string(kid)))
        members.append(.init(name: "alg", value: .string(key.algorithm.rawValue)))
        members.append(.init(name: "use", value: .string("sig")))
        return .object(JSONObject(members))
    }
}

/// A private key with its key id, as kept in a key file: a private JWK (JSON) whose `kid` is
/// `<agency-id>/<key-id>` for agency keys, and written with mode 0600.
public struct KeyFile: Sendable {
    public var kid: String
    public var key: SigningKey

    public init(kid: String, key: SigningKey) {
        self.kid = kid
        self.key = key
    }

    /// The JWK JSON text of this private key.
    public func jsonText() -> String {
        var members = key.publicKey.jwkMembers.map { JSONObject.Member(name: $0.0, value: .string($0.1)) }
        members.append(.init(name: "d", value: .string(key.privateMember)))
        members.append(.init(name: "kid", value: .string(kid)))
        members.append(.init(name: "alg", value: .string(key.algorithm.rawValue)))
        return JSONValue.object(JSONObject(members)).serializedString() + "\n"
    }

    /// Parses a private JWK file's text.
    public static func parse(_ text: String) throws(JWK.Problem) -> KeyFile {
        let value: JSONValue
        do { value = try StrictJSON.parse(text) } catch { throw JWK.Problem("", "is not JSON (\(error))") }
        guard let object = value.objectValue else { throw JWK.Problem("", "must be a JSON object (a private JWK)") }
        var members: [String: String] = [:]
        for member in object.members {
            guard let string = member.value.stringValue else { throw JWK.Problem(member.name, "must be a string") }
            members[member.name] = string
        }
        guard let kid = members["kid"] else { throw JWK.Problem("kid", "is required, as <agency-id>/<key-id>") }
        guard members["d"] != nil else { throw JWK.Problem("d", "is required: this is a public key, not a private key file") }
        let d = members.removeValue(forKey: "d")!
        let publicKey = try JWK.publicKey(members)
        let dBytes: [UInt8]
        do { dBytes = try JWK.bytes(["d": d], "d", count: 32) }
        let key: SigningKey
        switch publicKey {
        case .ed25519(let expected):
            guard let parsed = try? Curve25519.Signing.PrivateKey(rawRepresentation: dBytes),
                parsed.publicKey.rawRepresentation == expected.rawRepresentation
            else { throw JWK.Problem("d", "does not match the public key in 'x'") }
            key = .ed25519(parsed)
        case .p256(let expected):
            guard let parsed = try? P256.Signing.PrivateKey(rawRepresentation: dBytes),
                parsed.publicKey.rawRepresentation == expected.rawRepresentation
            else { throw JWK.Problem("d", "does not match the public key in 'x' and 'y'") }
            key = .p256(parsed)
        }
        return KeyFile(kid: kid, key: key)
    }

    /// Reads a key file. Unless `allowReadableByOthers` (the repository's public demo keys), a
    /// file that other users can read is refused, as ssh refuses such keys.
    public static func load(path: String, allowReadableByOthers: Bool = false) throws -> KeyFile {
        let url = URL(fileURLWithPath: path)
        if !allowReadableByOthers, let attributes = try? FileManager.default.attributesOfItem(atPath: path),
            let permissions = (attributes[.posixPermissions] as? NSNumber)?.intValue, permissions & 0o077 != 0
        {
            throw KeyFileError("\(path) can be read by other users (mode \(String(permissions, radix: 8))); a private key must be private: chmod 600 \(path)")
        }
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw KeyFileError("cannot read key file \(path): \(error.localizedDescription)")
        }
        do { return try parse(text) } catch { throw KeyFileError("\(path): \(error)") }
    }

    /// Writes the key file with mode 0600; refuses to replace an existing file unless `overwrite`.
    public func write(path: String, overwrite: Bool = false) throws {
        let manager = FileManager.default
        if manager.fileExists(atPath: path), !overwrite {
            throw KeyFileError("\(path) already exists; refusing to overwrite a key (use --force to replace it)")
        }
        let data = Data(jsonText().utf8)
        // Create with 0600 from the start so the key is never readable by others, even briefly.
        guard manager.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
            throw KeyFileError("cannot create \(path)")
        }
        try manager.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.truncate(atOffset: 0)
        try handle.write(contentsOf: data)
        try handle.synchronize()
        try handle.close()
    }
}

public struct KeyFileError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
