import BatonCore
import BatonSigning
import Foundation
import Testing

@Suite("Agency registry")
struct AgencyRegistryTests {
    static let edKey = SigningKey.generate(.edDSA)
    static var x: String { edKey.publicKey.jwkMembers.first { $0.0 == "x" }!.1 }

    static func agencyFile(id: String = "police-test", kid: String = "k1", extra: String = "", jwk: String? = nil) -> String {
        """
        id: \(id)
        type: police
        name: Test Police
        codes: { force: "98" }
        keys:
          - kid: \(kid)
            jwk: \(jwk ?? "{ kty: OKP, crv: Ed25519, x: \"\(x)\" }")
            notBefore: 2026-01-01T00:00:00Z
            notAfter: 2027-01-01T00:00:00Z
        \(extra)
        """
    }

    func errors(_ files: [(String, String)]) -> [String] {
        do {
            _ = try AgencyRegistry.parse(files: files.map { (path: $0.0, text: $0.1) })
            return []
        } catch {
            return error.errors.map(\.description)
        }
    }

    @Test("the shipped sample registry loads: police, MASH, two schools, a trust and a GP")
    func sampleRegistryLoads() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let registry = try AgencyRegistry.load(directory: root.appendingPathComponent("agencies").path)
        let types = registry.agencies.values.map(\.type)
        #expect(types.filter { $0 == .police }.count == 1)
        #expect(types.filter { $0 == .socialCare }.count == 1)
        #expect(types.filter { $0 == .school }.count == 2)
        #expect(types.filter { $0 == .health }.count == 2)
        #expect(registry.agencies.values.filter { $0.type == .school }.allSatisfy { $0.codes["urn"] != nil })
        #expect(Set(registry.allKeys.map { $0.publicKey.algorithm }) == [.edDSA, .es256])
    }

    @Test("a valid file gives its agency and keys")
    func parsesValid() throws {
        let registry = try AgencyRegistry.parse(files: [(path: "agencies/police-test.yaml", text: Self.agencyFile(extra: """
            endpoint: https://cms.example.org/baton/webhook
            escalation:
              - { level: 1, role: sergeant, email: sgt@example.org }
              - { level: 2, role: inspector, email: insp@example.org }
            """))])
        let agency = try #require(registry.agency(AgencyID(rawValue: "police-test")!))
        #expect(agency.escalation.map(\.role) == ["sergeant", "inspector"])
        #expect(agency.endpoint?.host == "cms.example.org")
        let key = try #require(registry.key(qualifiedKid: "police-test/k1"))
        #expect(key.notAfter == RFC3339.parse("2027-01-01T00:00:00Z"))
        #expect(!key.revoked)
    }

    @Test("an unknown field is an error naming file, line and field")
    func unknownField() {
        #expect(errors([("agencies/p.yaml", Self.agencyFile(extra: "colour: blue"))])
            == ["agencies/p.yaml:10: colour: unknown field (allowed: codes, endpoint, escalation, id, keys, name, type)"])
        let inKey = Self.agencyFile().replacingOccurrences(of: "notAfter:", with: "expires:")
        #expect(errors([("agencies/p.yaml", inKey)]).first?.hasPrefix("agencies/p.yaml:9: keys[0].expires: unknown field") == true)
    }

    @Test("a private key in the registry is refused, naming the d member")
    func privateKeyRefused() {
        let jwk = "{ kty: OKP, crv: Ed25519, x: \"\(Self.x)\", d: \"\(Self.x)\" }"
        let result = errors([("agencies/p.yaml", Self.agencyFile(jwk: jwk))])
        #expect(result.count == 1)
        #expect(result[0].hasPrefix("agencies/p.yaml:7: keys[0].jwk.d: a private key must never be published or registered"))
    }

    @Test("malformed keys are refused, naming the member", arguments: [
        ("{ kty: OKP, crv: Ed25519, x: \"AAAA\" }", "keys[0].jwk.x: must be 32 bytes, found 3"),
        ("{ kty: OKP, crv: Ed448, x: \"AAAA\" }", "keys[0].jwk.kty: kty 'OKP' with crv 'Ed448' is not accepted"),
        ("{ kty: RSA, n: \"AQAB\", e: \"AQAB\" }", "keys[0].jwk.n: unknown field"),
        ("{ kty: EC, crv: P-256, x: \"\(AgencyRegistryTests.x)\", y: \"\(AgencyRegistryTests.x)\" }", "keys[0].jwk.x: x and y are not a point on P-256"),
        ("{ kty: OKP, crv: Ed25519, x: \"not base64!\" }", "keys[0].jwk.x: is not base64url (no padding)"),
        ("{ kty: OKP, crv: Ed25519, x: \"\(AgencyRegistryTests.x)\", alg: ES256 }", "keys[0].jwk.alg: must be EdDSA for this key type"),
    ])
    func malformedKeys(_ jwk: String, _ expected: String) {
        let result = errors([("agencies/p.yaml", Self.agencyFile(jwk: jwk))])
        #expect(result.contains { $0.contains(expected) }, "\(result)")
    }

    @Test("duplicate agency ids across files name both files")
    func duplicateIDs() {
        let result = errors([("agencies/a.yaml", Self.agencyFile()), ("agencies/b.yaml", Self.agencyFile())])
        #expect(result == ["agencies/b.yaml:1: id: 'police-test' is already used by agencies/a.yaml:1"])
    }

    @Test("duplicate kids within an agency are refused")
    func duplicateKids() {
        let twoKeys = Self.agencyFile() + """

              - kid: k1
                jwk: { kty: OKP, crv: Ed25519, x: "\(Self.x)" }
            """
        let result = errors([("agencies/p.yaml", twoKeys)])
        #expect(result.contains { $0.contains("keys[1].kid: 'k1' is used by another key of this agency") }, "\(result)")
    }

    @Test("type-specific codes, endpoints, ladders and ids are checked")
    func otherRules() {
        let school = Self.agencyFile(id: "school-x").replacingOccurrences(of: "type: police", with: "type: school")
        #expect(errors([("s.yaml", school)]).contains { $0.contains("codes.urn: a school needs its unique reference number") })
        #expect(errors([("p.yaml", Self.agencyFile(extra: "endpoint: http://cms.example.org/hook"))]).contains { $0.contains("endpoint: must be an https:// URL") })
        #expect(errors([("p.yaml", Self.agencyFile(extra: "endpoint: http://127.0.0.1:9000/hook"))]) == [])
        let ladder = Self.agencyFile(extra: """
            escalation:
              - { level: 2, role: a, email: a@example.org }
              - { level: 1, role: b, email: not-an-email }
            """)
        let ladderErrors = errors([("p.yaml", ladder)])
        #expect(ladderErrors.contains { $0.contains("escalation[1].level: levels must increase") })
        #expect(ladderErrors.contains { $0.contains("escalation[1].email: must be an e-mail address") })
        #expect(errors([("p.yaml", Self.agencyFile(id: "Police_X"))]).contains { $0.contains("id: must be a slug") })
        #expect(errors([("p.yaml", Self.agencyFile().replacingOccurrences(of: "type: police", with: "type: army"))]).contains { $0.contains("type: must be one of") })
        let window = Self.agencyFile().replacingOccurrences(of: "notAfter: 2027", with: "notAfter: 2025")
        #expect(errors([("p.yaml", window)]).contains { $0.contains("keys[0].notAfter: must be later than notBefore") })
    }

    @Test("YAML syntax errors and duplicated keys are reported with their line")
    func yamlErrors() {
        let result = errors([("p.yaml", "id: police-test\nid: again\n")])
        #expect(result.first?.hasPrefix("p.yaml") == true)
        #expect(result.first?.contains("duplicated key") == true)
        let syntax = errors([("p.yaml", "id: [unclosed\n")])
        #expect(syntax.first?.contains("YAML syntax") == true)
    }

    @Test("every problem in every file is reported at once, and nothing is loaded")
    func allOrNothing() {
        let result = errors([
            ("a.yaml", Self.agencyFile(extra: "colour: blue")),
            ("b.yaml", Self.agencyFile(id: "police-b").replacingOccurrences(of: "name: Test Police\n", with: "")),
        ])
        #expect(result.count == 2)
        #expect(result[1].contains("name: is required"))
    }

    @Test("a missing or empty folder is a clear error")
    func folders() throws {
        #expect(throws: ConfigurationErrors.self) { try AgencyRegistry.load(directory: "/nonexistent/agencies") }
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("empty-\(UUID())")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        do {
            _ = try AgencyRegistry.load(directory: empty.path)
            Issue.record("loaded an empty folder")
        } catch {
            #expect(error.errors.first?.problem.contains("no .yaml files") == true)
        }
    }
}

@Suite("Key files and hub keys")
struct KeyFileTests {
    func temporaryPath(_ name: String) throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("keys-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder.appendingPathComponent(name).path
    }

    @Test("a private key file is written with mode 0600 and reads back", arguments: [JWSAlgorithm.edDSA, .es256])
    func writesPrivately(_ algorithm: JWSAlgorithm) throws {
        let path = try temporaryPath("k.jwk")
        let key = SigningKey.generate(algorithm)
        try KeyFile(kid: "police-test/k1", key: key).write(path: path)
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let loaded = try KeyFile.load(path: path)
        #expect(loaded.kid == "police-test/k1")
        #expect(loaded.key.publicKey.thumbprint == key.publicKey.thumbprint)
        #expect(throws: KeyFileError.self) { try KeyFile(kid: "x/y", key: key).write(path: path) }
    }

    @Test("a key file other users can read is refused unless explicitly allowed")
    func refusesReadableKeys() throws {
        let path = try temporaryPath("k.jwk")
        try KeyFile(kid: "police-test/k1", key: .generate(.edDSA)).write(path: path)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
        #expect(throws: KeyFileError.self) { try KeyFile.load(path: path) }
        #expect(throws: Never.self) { try KeyFile.load(path: path, allowReadableByOthers: true) }
    }

    @Test("a key file whose d does not match its public key is refused")
    func refusesMismatchedKey() throws {
        let one = KeyFile(kid: "a/b", key: .generate(.edDSA)).jsonText()
        let other = KeyFile(kid: "a/b", key: .generate(.edDSA)).jsonText()
        let d = try StrictJSON.parse(other).objectValue!["d"]!
        var mixed = try StrictJSON.parse(one).objectValue!
        mixed["d"] = d
        #expect(throws: JWK.Problem.self) { try KeyFile.parse(JSONValue.object(mixed).serializedString()) }
    }

    @Test("the hub key is created once, kept, and published as a JWK Set without its private part")
    func hubKey() throws {
        let path = try temporaryPath("hub.jwk")
        let (created, wasCreated) = try HubKey.loadOrCreate(path: path)
        #expect(wasCreated)
        let (loaded, createdAgain) = try HubKey.loadOrCreate(path: path)
        #expect(!createdAgain)
        #expect(loaded.kid == created.kid)
        let jwks = loaded.jwks().serializedString()
        #expect(!jwks.contains("\"d\""))
        let set = try HubKeySet(jwks: loaded.jwks())
        let receipt = Receipt(messageId: MessageID(UUID()), from: AgencyID(rawValue: "police-test")!, kid: "police-test/k1",
                              receivedAt: Date(timeIntervalSince1970: 1_795_339_800), sha256: String(repeating: "ab", count: 32), sequence: 7)
        let signed = try loaded.sign(receipt.payload, type: .receipt)
        let payload = try set.verify(signed, as: .receipt)
        #expect(Receipt(payload: try StrictJSON.parse(payload)) == receipt)
        #expect(throws: JWSError.self) { try set.verify(signed, as: .message) }
    }
}
