import BatonCore
import BatonServer
import BatonSigning
import BatonStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Synchronization
import Testing

/// Collects every log record so tests can check that no personal data is logged.
final class LogCapture: Sendable {
    let records = Mutex<[String]>([])

    var handler: Logger {
        Logger(label: "test") { label in CapturingHandler(capture: self) }
    }

    var all: [String] { records.withLock { $0 } }

    struct CapturingHandler: LogHandler {
        let capture: LogCapture
        var logLevel: Logger.Level = .trace
        var metadata: Logger.Metadata = [:]
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            let merged = metadata.merging(event.metadata ?? [:]) { $1 }
            capture.records.withLock { $0.append("\(event.level) \(event.message) \(merged)") }
        }
    }
}

/// A hub on a temporary SQLite file with two test agencies whose registry is written as real
/// YAML files, a manual clock, and captured logs.
struct TestHub {
    static let start = Date(timeIntervalSince1970: 1_795_339_800)  // 2026-11-22T09:30:00Z
    let folder: URL
    let clock = ManualClock(TestHub.start)
    let logs = LogCapture()
    let police = AgencyID(rawValue: "police-test")!
    let school = AgencyID(rawValue: "school-test")!
    let policeKey = KeyFile(kid: "police-test/ed", key: .generate(.edDSA))
    let policeES = KeyFile(kid: "police-test/es", key: .generate(.es256))
    let expiredKey = KeyFile(kid: "police-test/expired", key: .generate(.edDSA))
    let futureKey = KeyFile(kid: "police-test/future", key: .generate(.edDSA))
    let revokedKey = KeyFile(kid: "police-test/revoked", key: .generate(.edDSA))
    let schoolKey = KeyFile(kid: "school-test/s1", key: .generate(.edDSA))
    let mash = AgencyID(rawValue: "mash-test")!
    let mashKey = KeyFile(kid: "mash-test/m1", key: .generate(.edDSA))
    let gpKey = KeyFile(kid: "gp-test/g1", key: .generate(.edDSA))
    let fosteringKey = KeyFile(kid: "fostering-test/f1", key: .generate(.edDSA))
    var configuration = HubConfiguration()

    /// The repository checkout these tests belong to.
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    init(
        maxPayloadBytes: Int = 256 * 1024, mashEndpoint: String? = nil, schoolEndpoint: String? = nil, policyEdits: [String: (String) -> String] = [:],
        raiseDiscussions: Bool = false
    ) throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("hub-\(UUID())")
        let agencies = folder.appendingPathComponent("agencies")
        try FileManager.default.createDirectory(at: agencies, withIntermediateDirectories: true)
        func entry(_ key: KeyFile, _ window: String = "", revoked: Bool = false) -> String {
            let members = key.key.publicKey.jwkMembers.map { "\($0.0): \"\($0.1)\"" }.joined(separator: ", ")
            return """
                  - kid: \(key.kid.split(separator: "/")[1])
                    jwk: { \(members) }
                \(window)    revoked: \(revoked)
                """
        }
        let police = """
            id: police-test
            type: police
            name: Test Police
            keys:
            \(entry(policeKey))
            \(entry(policeES))
            \(entry(expiredKey, "    notBefore: 2026-01-01T00:00:00Z\n    notAfter: 2026-06-01T00:00:00Z\n"))
            \(entry(futureKey, "    notBefore: 2027-01-01T00:00:00Z\n"))
            \(entry(revokedKey, revoked: true))
            """
        let school = """
            id: school-test
            type: school
            name: Test School
            codes: { urn: "990199", la: "995" }
            keys:
            \(entry(schoolKey))
            \(schoolEndpoint.map { "endpoint: \($0)" } ?? "")
            """
        let mash = """
            id: mash-test
            type: social-care
            name: Test MASH
            codes: { la: "995" }
            keys:
            \(entry(mashKey))
            escalation:
              - { level: 1, role: team-manager, email: tm@mash-test.example.org }
              - { level: 2, role: service-manager, email: sm@mash-test.example.org }
              - { level: 3, role: head-of-service, email: hos@mash-test.example.org }
            \(mashEndpoint.map { "endpoint: \($0)" } ?? "")
            """
        try police.write(to: agencies.appendingPathComponent("police-test.yaml"), atomically: true, encoding: .utf8)
        try school.write(to: agencies.appendingPathComponent("school-test.yaml"), atomically: true, encoding: .utf8)
        try mash.write(to: agencies.appendingPathComponent("mash-test.yaml"), atomically: true, encoding: .utf8)
        let gp = """
            id: gp-test
            type: health
            name: Test GP Practice
            codes: { ods: "Y99001" }
            keys:
            \(entry(gpKey))
            """
        try gp.write(to: agencies.appendingPathComponent("gp-test.yaml"), atomically: true, encoding: .utf8)
        let fostering = """
            id: fostering-test
            type: other
            name: Test Fostering Service
            keys:
            \(entry(fosteringKey))
            """
        try fostering.write(to: agencies.appendingPathComponent("fostering-test.yaml"), atomically: true, encoding: .utf8)
        // The shipped policies, with this registry's MASH as the triage inbox.
        let policies = folder.appendingPathComponent("policies")
        try FileManager.default.copyItem(at: TestHub.repository.appendingPathComponent("policies"), to: policies)
        for name in ["routing.yaml", "access.yaml"] {
            let file = policies.appendingPathComponent(name)
            try (try String(contentsOf: file, encoding: .utf8)).replacingOccurrences(of: "northmoor-mash", with: "mash-test")
                .write(to: file, atomically: true, encoding: .utf8)
        }
        // Policy raises a strategy discussion for every high-risk referral; tests of other things
        // keep their referrals' items to themselves unless they ask for it.
        let discussions = policies.appendingPathComponent("strategy-discussions.yaml")
        try (try String(contentsOf: discussions, encoding: .utf8)).replacingOccurrences(of: "northmoor-fostering", with: "fostering-test")
            .write(to: discussions, atomically: true, encoding: .utf8)
        if !raiseDiscussions {
            let file = discussions
            let text = try String(contentsOf: file, encoding: .utf8)
            if let range = text.range(of: "\nraise:") { try (String(text[..<range.lowerBound]) + "\nraise: []\n").write(to: file, atomically: true, encoding: .utf8) }
        }
        for (name, edit) in policyEdits {
            let file = policies.appendingPathComponent(name)
            try edit(try String(contentsOf: file, encoding: .utf8)).write(to: file, atomically: true, encoding: .utf8)
        }
        configuration.policiesDirectory = policies.path
        configuration.runsBackgroundWork = false
        configuration.port = 0
        configuration.agenciesDirectory = agencies.path
        configuration.database = folder.appendingPathComponent("baton.sqlite").path
        configuration.maxPayloadBytes = maxPayloadBytes
    }

    func open() async throws -> BatonHub {
        try await BatonHub.open(configuration: configuration, clock: clock, logger: logs.handler)
    }

    /// Runs `test` against the hub served over HTTP on a loopback port.
    func run(_ test: @escaping @Sendable (BatonHub, any TestClientProtocol) async throws -> Void) async throws {
        let hub = try await open()
        try await hub.application().test(.live) { client in try await test(hub, client) }
        try await hub.close()
    }

    /// A valid referral from `agency`, sent now by the hub's clock.
    func referral(from agency: String = "police-test", id: String = UUID().uuidString.lowercased(), sentAt: Date? = nil, change: (inout JSONObject) -> Void = { _ in }) -> [UInt8] {
        var object: JSONObject = [
            "messageId": .string(id),
            "sentAt": .string(RFC3339.format(sentAt ?? clock.now())),
            "kind": "referral",
            "from": ["agency": .string(agency), "person": ["name": "DC Harlow", "role": "Public protection unit"]],
            "subjects": [[
                "ref": "c1", "givenName": "Evie", "familyName": "Ashworth", "dateOfBirth": "2016-04-09", "sex": "female",
                "nhsNumber": "999 000 0018", "address": ["lines": ["12 Kiln Street"], "postcode": "NM3 4AB"],
            ]],
            "persons": [["ref": "p1", "givenName": "Darren", "familyName": "Ashworth"]],
            "relationships": [["from": "p1", "to": "c1", "role": "father"]],
            "consent": ["status": "not-sought", "basis": "safeguarding", "reasonNotSought": "Would alert the alleged perpetrator."],
            "doNotInform": ["p1"],
            "concern": ["categories": ["domestic-abuse"], "summary": "Repeated incidents at the home.", "risk": ["level": "high"]],
        ]
        change(&object)
        return JSONValue.object(object).serialized()
    }

    /// Evie as a subject with her school named (information requests, strategy discussions).
    static let evieAtSchool: JSONValue = [
        "ref": "c1", "givenName": "Evie", "familyName": "Ashworth", "dateOfBirth": "2016-04-09", "sex": "female",
        "nhsNumber": "999 000 0018", "address": ["lines": ["12 Kiln Street"], "postcode": "NM3 4AB"], "school": ["urn": "990199"],
    ]

    /// The personal details in ``referral(from:id:sentAt:change:)``, which must never be logged or echoed.
    static let personalData = ["Evie", "Ashworth", "Darren", "999 000 0018", "9990000018", "2016-04-09", "Kiln Street", "NM3 4AB", "Repeated incidents"]

    func signed(_ payload: [UInt8], with key: KeyFile? = nil, type: JWSType = .message) throws -> String {
        let key = key ?? policeKey
        return try CompactJWS.sign(payload: payload, type: type, kid: key.kid, key: key.key)
    }

    func bearer(_ key: KeyFile? = nil, iss: String = "police-test", issuedAt: Date? = nil, role: String? = nil) throws -> String {
        let iat = (issuedAt ?? clock.now()).timeIntervalSince1970.rounded(.down)
        var claims: JSONObject = ["iss": .string(iss), "aud": "baton", "iat": .number(iat), "exp": .number(iat + 300), "jti": .string(UUID().uuidString)]
        if let role { claims["role"] = .string(role) }
        return try signed(JSONValue.object(claims).serialized(), with: key, type: .bearer)
    }
}

extension TestClientProtocol {
    func submit(_ jws: String, contentType: String = "application/jose") async throws -> TestResponse {
        try await execute(uri: "/v1/messages", method: .post, headers: [.contentType: contentType], body: ByteBuffer(string: jws))
    }

    func read(_ path: String, bearer: String?) async throws -> TestResponse {
        var headers: HTTPFields = [:]
        if let bearer { headers[.authorization] = "Bearer \(bearer)" }
        return try await execute(uri: path, method: .get, headers: headers)
    }
}

extension TestResponse {
    var json: JSONValue? { try? StrictJSON.parse(Array(body.readableBytesView)) }
    var text: String { String(buffer: body) }

    /// Checks this is an RFC 9457 problem of `type` with `status`, and returns it.
    @discardableResult
    func expectProblem(_ type: ProblemType, sourceLocation: SourceLocation = #_sourceLocation) -> JSONObject? {
        #expect(status == type.status, "status \(status.code) for \(text)", sourceLocation: sourceLocation)
        #expect(headers[.contentType] == "application/problem+json", sourceLocation: sourceLocation)
        let object = json?.objectValue
        #expect(object?["type"]?.stringValue == "/problems/\(type.rawValue)", "\(text)", sourceLocation: sourceLocation)
        #expect(object?["status"]?.numberValue == Double(type.status.code), sourceLocation: sourceLocation)
        #expect(object?["title"]?.stringValue == type.title, sourceLocation: sourceLocation)
        #expect(object?["detail"]?.stringValue?.isEmpty == false, sourceLocation: sourceLocation)
        for personal in TestHub.personalData {
            #expect(!text.contains(personal), "the problem repeats personal data: \(text)", sourceLocation: sourceLocation)
        }
        return object
    }
}
