import AsyncHTTPClient
import BatonAudit
import BatonCore
import BatonSigning
import BatonSynthetic
import Foundation
import GRDB
import NIOCore
import Testing

/// The audit log against a real store written by a real `baton serve`: each kind of tampering is
/// found by `baton audit verify` (on an export) and by `baton audit compare` against a checkpoint
/// saved while the hub ran; the checkpoint's signature verifies with Python `cryptography`.
@Suite("Audit log: tamper evidence", .serialized)
struct AuditLogTests {
    /// A hub's database after realistic traffic, a checkpoint saved from it mid-way, the hub's
    /// published keys, and a copy of the database from before the checkpoint.
    struct Recorded {
        let workspace: Workspace
        let saved: String
        let jwks: String
        let olderCopy: String
        var database: String { workspace.database }
        var hubKey: String { workspace.database + ".hub-key.jwk" }
    }

    static func auditorToken(_ workspace: Workspace) throws -> String {
        let now = Date().timeIntervalSince1970.rounded(.down)
        let claims: JSONValue = [
            "iss": "northmoor-mash", "aud": "baton", "iat": .number(now), "exp": .number(now + 120), "jti": .string(UUID().uuidString),
            "role": "auditor",
        ]
        return try CompactJWS.sign(payload: claims.serialized(), type: .bearer, kid: workspace.mashKey.kid, key: workspace.mashKey.key)
    }

    static func fetch(_ url: String, post: Bool = false, bearer: String? = nil) async throws -> (Int, String) {
        var request = HTTPClientRequest(url: url)
        if post { request.method = .POST }
        if let bearer { request.headers.add(name: "Authorization", value: "Bearer \(bearer)") }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), String(buffer: body))
    }

    static func record() async throws -> Recorded {
        let workspace = try Workspace()
        let hub = try HubProcess(workspace)
        var traffic = SyntheticTraffic(seed: 21)
        func send(_ count: Int) async throws {
            for _ in 0..<count {
                let (status, _) = try await CrashSafetyTests.post(.shared, hub.baseURL, try traffic.referral(from: traffic.area.police, at: Date()).signed(with: workspace.policeKey))
                #expect(status == 202)
            }
        }
        try await send(4)
        // An older copy of the database, taken while the hub runs (SQLite's online backup).
        let olderCopy = workspace.path("older.sqlite")
        let source = try DatabaseQueue(path: workspace.database)
        try source.backup(to: try DatabaseQueue(path: olderCopy))
        try source.close()
        try await send(8)
        let token = try auditorToken(workspace)
        let (status, checkpoint) = try await fetch(hub.baseURL + "/v1/audit/checkpoints", post: true, bearer: token)
        #expect(status == 200, "\(checkpoint)")
        let saved = workspace.path("saved-checkpoint.json")
        try checkpoint.write(toFile: saved, atomically: true, encoding: .utf8)
        let latest = try await fetch(hub.baseURL + "/v1/audit/checkpoints/latest")
        #expect(latest.0 == 200 && latest.1 == checkpoint, "the published checkpoint is the one just made")
        let jwks = workspace.path("hub-jwks.json")
        try (try await fetch(hub.baseURL + "/.well-known/jwks.json")).1.write(toFile: jwks, atomically: true, encoding: .utf8)
        try await send(3)
        #expect(hub.stop() == 0)
        return Recorded(workspace: workspace, saved: saved, jwks: jwks, olderCopy: olderCopy)
    }

    /// `baton audit export` then `verify` on `database`; and `baton audit compare`.
    static func check(_ recorded: Recorded, database: String) throws -> (verify: (Int32, String), compare: (Int32, String)) {
        let export = recorded.workspace.path("export-\(UUID().uuidString.prefix(6)).jsonl")
        let exported = try BatonBinary.run(["audit", "export", "--database", database, "--hub-key", recorded.hubKey, "--output", export])
        #expect(exported.status == 0, "\(exported.stderr)")
        let verify = try BatonBinary.run(["audit", "verify", export, "--jwks", recorded.jwks, "--checkpoint", recorded.saved])
        let compare = try BatonBinary.run(["audit", "compare", "--checkpoint", recorded.saved, "--database", database, "--hub-key", recorded.hubKey])
        return ((verify.status, verify.stdout + verify.stderr), (compare.status, compare.stdout + compare.stderr))
    }

    /// A copy of the recorded database with `tamper` applied to it.
    static func tampered(_ recorded: Recorded, _ tamper: (Database) throws -> Void) throws -> String {
        let copy = recorded.workspace.path("tampered-\(UUID().uuidString.prefix(6)).sqlite")
        let source = try DatabaseQueue(path: recorded.database)
        let destination = try DatabaseQueue(path: copy)
        try source.backup(to: destination)
        try destination.write(tamper)
        try destination.close()
        try source.close()
        return copy
    }

    @Test("an untouched log verifies and contains the saved checkpoint; each kind of tampering is found by verify and by compare")
    func tampering() async throws {
        let recorded = try await Self.record()
        let clean = try Self.check(recorded, database: recorded.database)
        #expect(clean.verify.0 == 0, "\(clean.verify.1)")
        #expect(clean.verify.1.contains("verified:"))
        #expect(clean.compare.0 == 0, "\(clean.compare.1)")

        let size = try await DatabaseQueue(path: recorded.database).read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM audit_entry") ?? 0 }
        #expect(size >= 15, "one entry per message at least")
        let cases: [(String, String, (Database) throws -> Void)] = [
            ("one byte of one entry changed", "entry 3 was changed", { db in
                var body = try Data.fetchOne(db, sql: "SELECT body FROM audit_entry WHERE idx = 3")!
                let position = body.firstIndex(of: UInt8(ascii: "0")) ?? body.startIndex
                body[position] = body[position] == UInt8(ascii: "1") ? UInt8(ascii: "2") : UInt8(ascii: "1")
                try db.execute(sql: "UPDATE audit_entry SET body = ? WHERE idx = 3", arguments: [body])
            }),
            ("an entry deleted", "entry 3 is missing", { db in
                try db.execute(sql: "DELETE FROM audit_entry WHERE idx = 3")
            }),
            ("two entries swapped, leaf hashes and all", "entry 2 holds the entry written as another index", { db in
                try db.execute(sql: "UPDATE audit_entry SET idx = -1 WHERE idx = 2")
                try db.execute(sql: "UPDATE audit_entry SET idx = 2 WHERE idx = 5")
                try db.execute(sql: "UPDATE audit_entry SET idx = 5 WHERE idx = -1")
                try db.execute(sql: "UPDATE audit_node SET idx = -1 WHERE level = 0 AND idx = 2")
                try db.execute(sql: "UPDATE audit_node SET idx = 2 WHERE level = 0 AND idx = 5")
                try db.execute(sql: "UPDATE audit_node SET idx = 5 WHERE level = 0 AND idx = -1")
            }),
            ("a forged entry appended", "not covered by any tree head the hub signed", { db in
                let next = try Int.fetchOne(db, sql: "SELECT MAX(idx) + 1 FROM audit_entry")!
                let body = Array(#"{"index":\#(next),"at":"2026-11-23T10:00:00Z","event":"write","changes":[{"change":"access","reader":"police-northmoor"}]}"#.utf8)
                let leaf = Merkle.leafHash(body)
                try db.execute(sql: "INSERT INTO audit_entry (idx, at, body) VALUES (?, 0, ?)", arguments: [next, Data(body)])
                try db.execute(sql: "INSERT INTO audit_node (level, idx, hash) VALUES (0, ?, ?)", arguments: [next, Data(leaf)])
            }),
        ]
        for (what, expected, tamper) in cases {
            let copy = try Self.tampered(recorded, tamper)
            let result = try Self.check(recorded, database: copy)
            #expect(result.verify.0 == 1, "verify missed: \(what)")
            #expect(result.verify.1.contains(expected), "\(what): \(result.verify.1)")
            #expect(result.compare.0 == 1, "compare missed: \(what): \(result.compare.1)")
            #expect(result.compare.1.contains("NOT CONSISTENT"), "\(what): \(result.compare.1)")
        }

        // The database rolled back to a copy from before the saved checkpoint.
        let rolledBack = try Self.check(recorded, database: recorded.olderCopy)
        #expect(rolledBack.verify.0 == 1)
        #expect(rolledBack.verify.1.contains("rolled back"), "\(rolledBack.verify.1)")
        #expect(rolledBack.compare.0 == 1)
        #expect(rolledBack.compare.1.contains("rolled back"), "\(rolledBack.compare.1)")
    }

    @Test(
        "a checkpoint's signature verifies with Python cryptography",
        .enabled(if: Interop.jwcryptoAvailable || Interop.required, "skipped: Python cryptography is not installed (scripts/test installs it)"))
    func independentVerification() async throws {
        let recorded = try await Self.record()
        let script = URL(fileURLWithPath: Interop.script).deletingLastPathComponent().appendingPathComponent("checkpoint_verify.py").path
        let (status, text) = try runCombined("/usr/bin/env", ["python3", script, recorded.jwks, recorded.saved])
        #expect(status == 0, "\(text)")
        #expect(text.contains("verified checkpoint"))
    }
}
