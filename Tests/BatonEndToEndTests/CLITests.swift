import BatonCore
import BatonIdentity
import BatonSigning
import BatonStore
import Foundation
import Testing

@Suite("The baton command line")
struct CLITests {
    @Test("keys generate writes a private key only its owner can read and prints a registry entry that loads")
    func keysGenerate() throws {
        let workspace = try Workspace()
        let keyPath = workspace.path("new.jwk")
        let result = try BatonBinary.run(["keys", "generate", "--agency", "police-northmoor", "--kid", "nmp-2027-1", "--algorithm", "ES256", "--out", keyPath])
        #expect(result.status == 0, "\(result.stderr)")
        let mode = (try FileManager.default.attributesOfItem(atPath: keyPath)[.posixPermissions] as? NSNumber)?.intValue
        #expect(mode == 0o600)
        let key = try KeyFile.load(path: keyPath)
        #expect(key.kid == "police-northmoor/nmp-2027-1")
        #expect(key.key.algorithm == .es256)
        #expect(!result.stdout.contains("\"d\""))

        // Paste the printed entry under keys: and the registry accepts it.
        let entry = result.stdout.split(separator: "\n").filter { !$0.hasPrefix("#") }.joined(separator: "\n")
        let file = workspace.agencies.appendingPathComponent("police-northmoor.yaml")
        let text = try String(contentsOf: file, encoding: .utf8).replacingOccurrences(of: "keys:\n", with: "keys:\n\(entry)\n")
        try text.write(to: file, atomically: true, encoding: .utf8)
        let registry = try AgencyRegistry.load(directory: workspace.agencies.path)
        #expect(registry.key(qualifiedKid: "police-northmoor/nmp-2027-1")?.publicKey.thumbprint == key.key.publicKey.thumbprint)

        let again = try BatonBinary.run(["keys", "generate", "--agency", "police-northmoor", "--kid", "x", "--out", keyPath])
        #expect(again.status != 0)
        #expect(again.stderr.contains("already exists"))
    }

    @Test("agencies check and serve stop on a bad registry, naming file, line and field")
    func badRegistry() throws {
        let workspace = try Workspace()
        let file = workspace.agencies.appendingPathComponent("school-ashgrove-primary.yaml")
        try (try String(contentsOf: file, encoding: .utf8) + "colour: green\n").write(to: file, atomically: true, encoding: .utf8)
        let check = try BatonBinary.run(["agencies", "check", "--agencies", workspace.agencies.path])
        #expect(check.status == 78)
        #expect(check.stderr.contains("school-ashgrove-primary.yaml:8: colour: unknown field"), "\(check.stderr)")
        let serve = try BatonBinary.run(["serve", "--port", "0", "--agencies", workspace.agencies.path, "--database", workspace.database])
        #expect(serve.status == 78)
        #expect(serve.stderr.contains("colour: unknown field"))
        #expect(!FileManager.default.fileExists(atPath: workspace.database), "the hub opened its database despite a bad registry")
        let postgres = try BatonBinary.run(["serve", "--database", "postgres://localhost/baton"])
        #expect(postgres.status == 78)
        #expect(postgres.stderr.contains("PostgreSQL is not supported by this version yet"))
        let good = try BatonBinary.run(["agencies", "check", "--agencies", URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("agencies").path])
        #expect(good.status == 0)
        #expect(good.stdout.contains("7 agencies, 7 keys, no problems"))
    }

    @Test("an integrator signs, submits, checks the receipt, reads the status and makes a token, all with the CLI")
    func integratorJourney() async throws {
        let workspace = try Workspace()
        let hub = try HubProcess(workspace)
        defer { _ = hub.stop() }
        let payload = #"""
            {"kind":"notification","from":{"agency":"police-northmoor"},
             "subjects":[{"ref":"c1","givenName":"Oscar","familyName":"Pearson","dateOfBirth":"2017-06-14","school":{"urn":"990101"}}],
             "consent":{"status":"not-sought","basis":"legal-duty"},
             "notification":{"type":"domestic-abuse","occurredAt":"2026-01-01T22:00:00Z","childPresent":true}}
            """#
        try payload.write(toFile: workspace.path("notification.json"), atomically: true, encoding: .utf8)

        let signed = try BatonBinary.run(["sign", "--key", workspace.path("police.jwk"), "--stamp", workspace.path("notification.json")])
        #expect(signed.status == 0, "\(signed.stderr)")
        #expect(!signed.stdout.hasSuffix("\n"), "a piped JWS must not end with a newline")
        let verifier = JWSVerifier(registry: try AgencyRegistry.load(directory: workspace.agencies.path))
        #expect(throws: Never.self) { try verifier.verifyMessage(Array(signed.stdout.utf8), at: Date()) }

        let submitted = try BatonBinary.run(["submit", "--hub", hub.baseURL, "--key", workspace.path("police.jwk"), "--stamp", workspace.path("notification.json")])
        #expect(submitted.status == 0, "\(submitted.stderr)")
        #expect(submitted.stdout.contains("Accepted: receipt verified"))
        let messageId = try #require(submitted.stdout.firstMatch(of: /"messageId" : "([0-9a-f-]{36})"/)?.1)

        try signed.stdout.write(toFile: workspace.path("ready.jws"), atomically: true, encoding: .utf8)
        let first = try BatonBinary.run(["submit", "--hub", hub.baseURL, "--signed", workspace.path("ready.jws")])
        #expect(first.status == 0, "\(first.stderr)")
        let again = try BatonBinary.run(["submit", "--hub", hub.baseURL, "--signed", workspace.path("ready.jws")])
        #expect(again.stdout.contains("Already held (identical resubmission): receipt verified"))

        let status = try BatonBinary.run(["status", "--hub", hub.baseURL, "--key", workspace.path("police.jwk"), String(messageId)])
        #expect(status.status == 0, "\(status.stderr)")
        // Operation Encompass: the school has an item; with no address, the home authority is unknown
        // and the MASH triages that part by hand.
        #expect(status.stdout.contains(#""state" : "open""#), "\(status.stdout)")
        #expect(status.stdout.contains(#""recipient" : "school-ashgrove-primary""#))
        #expect(status.stdout.contains(#""purpose" : "triage""#))

        let otherAgency = try BatonBinary.run(["status", "--hub", hub.baseURL, "--key", workspace.path("school.jwk"), String(messageId)])
        #expect(otherAgency.status == 1)
        #expect(otherAgency.stderr.contains("/problems/not-found"))

        let token = try BatonBinary.run(["token", "--key", workspace.path("police-es.jwk"), "--lifetime", "60"])
        let identity = try verifier.verifyBearer(token.stdout, at: Date())
        #expect(identity.agency.rawValue == "police-northmoor")

        // A refusal prints the problem and exits 1.
        let stale = payload.replacingOccurrences(of: #""kind""#, with: #""messageId":"0b0e3a4c-1111-4c4c-9d9d-000000000001","sentAt":"2026-01-02T00:00:00Z","kind""#)
        try stale.write(toFile: workspace.path("stale.json"), atomically: true, encoding: .utf8)
        let refused = try BatonBinary.run(["submit", "--hub", hub.baseURL, "--key", workspace.path("police.jwk"), workspace.path("stale.json")])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("/problems/clock-skew"))
    }

    @Test("a private key other users can read is refused with the fix")
    func readableKeyRefused() throws {
        let workspace = try Workspace()
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: workspace.path("police.jwk"))
        let result = try BatonBinary.run(["token", "--key", workspace.path("police.jwk")])
        #expect(result.status == 1)
        #expect(result.stderr.contains("chmod 600"))
    }

    @Test("serve reads its settings from BATON_* environment variables and stops cleanly on SIGTERM")
    func environmentAndShutdown() throws {
        let workspace = try Workspace()
        let environment = [
            "BATON_AGENCIES": workspace.agencies.path, "BATON_POLICIES": workspace.policies.path, "BATON_DATABASE": workspace.path("env.sqlite"),
            "BATON_LOG_LEVEL": "info",
        ]
        let process = Process()
        process.executableURL = URL(fileURLWithPath: BatonBinary.path)
        process.arguments = ["serve", "--port", "0"]
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let log = Pipe()
        process.standardError = log
        try process.run()
        var text = ""
        let deadline = Date() + 60
        while !text.contains("listening"), Date() < deadline {
            text += String(decoding: log.fileHandleForReading.availableData, as: UTF8.self)
        }
        #expect(text.contains("listening"))
        #expect(FileManager.default.fileExists(atPath: workspace.path("env.sqlite")))
        #expect(FileManager.default.fileExists(atPath: workspace.path("env.sqlite.hub-key.jwk")))
        process.terminate()
        process.waitUntilExit()
        text += String(decoding: log.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationStatus == 0)
        #expect(text.contains("stopped"))
        let badPort = try BatonBinary.run(["serve"], environment: ["BATON_PORT": "eighty"])
        #expect(badPort.status == 78)
        #expect(badPort.stderr.contains("BATON_PORT must be a whole number"))
    }

    @Test("every command's help explains itself with an example", arguments: [
        ["serve"], ["demo"], ["keys", "generate"], ["sign"], ["submit"], ["token"], ["status"], ["agencies", "check"],
        ["policy", "check"], ["policy", "test"], ["policy", "explain"], ["identity", "estimate"],
    ])
    func help(_ command: [String]) throws {
        let result = try BatonBinary.run(command + ["--help"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("USAGE: baton \(command.joined(separator: " "))"))
        if command != ["agencies", "check"] { #expect(result.stdout.contains("xample"), "\(result.stdout)") }
    }

    @Test("policy check accepts the shipped policies and stops serve on a bad one, naming file, line and field")
    func policyCheck() throws {
        let repository = Workspace.repository
        let good = try BatonBinary.run(["policy", "check", "--policies", repository.appendingPathComponent("policies").path,
                                        "--agencies", repository.appendingPathComponent("agencies").path])
        #expect(good.status == 0, "\(good.stderr)")
        #expect(good.stdout.contains("no problems"))
        #expect(good.stdout.contains("triage inbox northmoor-mash"))

        let workspace = try Workspace()
        let routing = workspace.policies.appendingPathComponent("routing.yaml")
        let text = try String(contentsOf: routing, encoding: .utf8)
            .replacingOccurrences(of: "deadlines: mash-referral-immediate }", with: "deadlines: mash-referal }")
        try text.write(to: routing, atomically: true, encoding: .utf8)
        let line = text.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.contains("- id: immediate-risk-referral") }.map { $0 + 1 }
        let bad = try BatonBinary.run(["policy", "check", "--policies", workspace.policies.path, "--agencies", workspace.agencies.path])
        #expect(bad.status == 78)
        #expect(bad.stderr.contains("routing.yaml:\(line ?? 0): rules[0].send[0].deadlines: 'mash-referal' is not a class in sla.yaml"), "\(bad.stderr)")
        let serve = try BatonBinary.run(["serve", "--port", "0", "--agencies", workspace.agencies.path, "--policies", workspace.policies.path,
                                         "--database", workspace.database])
        #expect(serve.status == 78)
        #expect(serve.stderr.contains("the policies at"))
        #expect(!FileManager.default.fileExists(atPath: workspace.database), "the hub opened its database despite a bad policy")
    }

    @Test("identity estimate re-estimates the model from a hub's records into a file the hub loads; bad input gets a clear message")
    func identityEstimate() async throws {
        let workspace = try Workspace()
        // A store holding 267 linked mentions: 200 people, every third named twice with a surname typo.
        let store = try SQLiteStore(path: workspace.database)
        let given = ["amelia", "oliver", "isla", "noah", "ava", "leo", "mia", "arthur", "ivy", "oscar", "freya", "theo"]
        let surnames = ["ashworth", "booth", "crane", "dunn", "haddad", "kell", "moss", "price", "quinn", "smith", "taylor", "walsh"]
        var random = SeededGenerator(seed: 7)
        for person in 0..<200 {
            let id = PersonID(UUID())
            let dob = CalendarDate(year: 2008 + Int(random.next() % 10), month: 1 + Int(random.next() % 12), day: 1 + Int(random.next() % 28))!
            let base = MatchRecord(
                given: [given[Int(random.next() % 12)]], surname: [surnames[Int(random.next() % 12)]], dob: dob, sex: person % 2 == 0 ? .female : .male,
                postcode: "NM3 \(Int(random.next() % 9))AB")
            var copies = [base]
            if person % 3 == 0 {
                var typo = base
                typo.surname = [String(base.surname[0].dropLast()) + "e"]
                copies.append(typo)
            }
            let records = copies
            _ = try await store.accept(IncomingMessage(
                sender: AgencyID(rawValue: "police-northmoor")!, messageId: MessageID(UUID()), kind: .referral, senderKid: "police-northmoor/k",
                sentAt: Date(), receivedAt: Date(), jws: Array("a.b.\(person)".utf8), sha256: "\(person)"
            )) { _, sequence, transaction in
                try transaction.apply(.insertPerson(id, kind: "child", at: Date()))
                for (index, record) in records.enumerated() {
                    let json = String(decoding: try JSONEncoder().encode(record), as: UTF8.self)
                    try transaction.apply(.linkMention(MentionLink(
                        messageSequence: sequence, ref: "c\(index)", person: id, role: "subject", match: .new, record: json)))
                }
                return IntakeDecision(receipt: "r", summary: [:])
            }
        }
        try await store.close()

        let output = workspace.path("identity.yaml")
        let result = try BatonBinary.run([
            "identity", "estimate", "--database", workspace.database, "--policies", workspace.policies.path, "--output", output,
            "--random-pairs", "20000",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("267 records"), "\(result.stderr)")
        let model = try MatchModel.load(try String(contentsOfFile: output, encoding: .utf8), file: output)
        let shipped = try IdentityPolicy.load(directory: workspace.policies.path).model
        #expect(model.linkThreshold == shipped.linkThreshold)
        #expect(model.prior > 0 && model.prior < 0.5)
        // Dates of birth agree exactly far more often for the same person than by chance.
        let dob = try #require(model.parameters[.dob])
        #expect(dob.m[0] > 10 * dob.u[0])

        let missing = try BatonBinary.run(["identity", "estimate", "--database", workspace.path("none.sqlite"), "--policies", workspace.policies.path])
        #expect(missing.status == 66)
        #expect(missing.stderr.contains("no such database"))
        let tiny = try BatonBinary.run(["identity", "estimate", "--database", workspace.database, "--random-pairs", "5"])
        #expect(tiny.status == 64)
        #expect(tiny.stderr.contains("--random-pairs must be at least 1000"))
    }

    @Test("policy test runs the need-to-know fixtures and fails on a decision that changed; policy explain shows each section's rule")
    func policyTestAndExplain() throws {
        let workspace = try Workspace()
        let repository = Workspace.repository
        let fixtures = repository.appendingPathComponent("policies/tests").path
        let agencies = repository.appendingPathComponent("agencies").path
        let good = try BatonBinary.run(["policy", "test", fixtures, "--policies", workspace.policies.path, "--agencies", agencies])
        #expect(good.status == 0, "\(good.stdout)\(good.stderr)")
        #expect(good.stdout.contains("fixtures pass"))

        // Let schools see police intelligence: the fixture that guards it fails, naming the rule.
        let rules = workspace.policies.appendingPathComponent("need-to-know.yaml")
        let text = try String(contentsOf: rules, encoding: .utf8)
            .replacingOccurrences(of: "labels: [police.intelligence]\n    when: { recipientType: [school, health, other] }", with: "labels: [police.intelligence]\n    when: { recipientType: [health, other] }")
            .replacingOccurrences(of: "labels: [concern.summary, child.voice, education.attendance, education.observations]", with: "labels: [concern.summary, child.voice, education.attendance, education.observations, police.intelligence]")
        try text.write(to: rules, atomically: true, encoding: .utf8)
        let bad = try BatonBinary.run(["policy", "test", fixtures, "--policies", workspace.policies.path, "--agencies", agencies])
        #expect(bad.status == 1)
        #expect(bad.stdout.contains("police.intelligence was shown (rule school-on-referral) but should be withheld"), "\(bad.stdout)")

        let payload = #"""
            {"messageId":"0b0e3a4c-1111-4c4c-9d9d-000000000009","sentAt":"2026-11-23T10:00:00Z","kind":"referral","from":{"agency":"northmoor-nhs-trust"},
             "subjects":[{"ref":"c1","givenName":"Mia","familyName":"Crane","dateOfBirth":"2010-08-19"}],
             "sections":[{"label":"concern.summary","content":{"text":"x"}},{"label":"health.sexual","content":{"text":"y"}}],
             "consent":{"status":"not-sought","basis":"safeguarding","reasonNotSought":"Would alert the alleged perpetrator."},
             "concern":{"categories":["sexual-abuse"],"summary":"s","risk":{"level":"high"}}}
            """#
        try payload.write(toFile: workspace.path("referral.json"), atomically: true, encoding: .utf8)
        let explained = try BatonBinary.run([
            "policy", "explain", "--message", workspace.path("referral.json"), "--recipient", "school-ashgrove-primary", "--purpose", "assess-and-act",
            "--policies", repository.appendingPathComponent("policies").path, "--agencies", repository.appendingPathComponent("agencies").path,
        ])
        #expect(explained.status == 0, "\(explained.stderr)")
        #expect(explained.stdout.contains("shown    concern.summary  [school-on-referral]"), "\(explained.stdout)")
        #expect(explained.stdout.contains("withheld health.sexual  [sexual-health-stays-in-health]"))
        #expect(explained.stdout.contains("lawful basis safeguarding"))
    }
}
