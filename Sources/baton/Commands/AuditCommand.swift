import ArgumentParser
import BatonAudit
import BatonCore
import BatonSigning
import BatonStore
import Foundation

struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Export and verify the hub's tamper-evident audit log; compare a saved checkpoint with it.",
        discussion: """
            The hub appends an entry to its audit log in the same transaction as every change and
            every read of personal data, hashes the entries into an RFC 6962 Merkle tree, and signs
            a tree head with its key after every commit. Checkpoints (signed tree heads published
            every --checkpoint-interval, and on demand) are for keeping outside the hub:

              curl -sS http://127.0.0.1:8080/v1/audit/checkpoints/latest > checkpoint.json

            See docs/audit.md.
            """,
        subcommands: [Export.self, Verify.self, Compare.self])

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the audit log and its signed tree heads to a file (JSON Lines), for offline verification.",
            discussion: """
                Reads the database directly (the hub may be running). The file's header carries
                the hub's public keys; a verifier should also be given the keys it obtained from
                the hub itself (baton audit verify --jwks).

                Example:
                  baton audit export --database baton.sqlite --output audit.jsonl
                """)

        @Option(help: "The hub's SQLite database (env BATON_DATABASE; default ./baton.sqlite).")
        var database: String?

        @Option(name: .customLong("hub-key"), help: "The hub's key file, for its public key (default <database>.hub-key.jwk).")
        var hubKey: String?

        @Option(help: "Where to write the export.")
        var output: String

        func run() async throws {
            try await reportingErrors {
                let path = Environment.value(database, "BATON_DATABASE", default: "./baton.sqlite")
                guard FileManager.default.fileExists(atPath: path) else { throw CLIError("no database at \(path)") }
                let keyPath = hubKey ?? path + ".hub-key.jwk"
                let key: KeyFile
                do { key = try KeyFile.load(path: keyPath) } catch { throw CLIError("cannot read the hub key at \(keyPath): \(error)") }
                let store = try SQLiteStore(path: path)
                defer { Task { try? await store.close() } }
                guard FileManager.default.createFile(atPath: output, contents: nil), let handle = FileHandle(forWritingAtPath: output) else {
                    throw CLIError("cannot write \(output)")
                }
                defer { try? handle.close() }
                let hubKeys: JSONValue = ["keys": .array([JWK.publicJWK(key.key.publicKey, kid: key.kid)])]
                let counts = try await store.read { reader -> (Int64, Int) in
                    var buffer = Data()
                    let counts = try AuditCommand.export(reader, hubKeys: hubKeys) { text in
                        buffer.append(contentsOf: Array(text.utf8))
                        buffer.append(0x0A)
                        if buffer.count > 1 << 20 {
                            try handle.write(contentsOf: buffer)
                            buffer.removeAll(keepingCapacity: true)
                        }
                    }
                    try handle.write(contentsOf: buffer)
                    return counts
                }
                print("wrote \(counts.0) entries and \(counts.1) signed tree heads to \(output)")
            }
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Recompute an exported audit log offline and report the first place anything is wrong.",
            discussion: """
                Checks every entry is in its place (none missing, reordered or inserted), that its
                bytes hash to the leaf recorded when it was appended, that every tree head the hub
                signed matches the entries it covers and verifies with the hub's public key, that
                no entry lies beyond the last signed head, and that the log contains each saved
                checkpoint given. Exits 0 when everything verifies, 1 at the first problem.

                Example:
                  curl -sS http://127.0.0.1:8080/.well-known/jwks.json > hub-jwks.json
                  baton audit verify audit.jsonl --jwks hub-jwks.json --checkpoint checkpoint.json
                """)

        @Argument(help: "The exported log (baton audit export).")
        var file: String

        @Option(help: "The hub's JWK Set, as obtained from the hub (/.well-known/jwks.json). Without it the keys in the file are trusted.")
        var jwks: String?

        @Option(help: "A checkpoint saved earlier (the JSON of /v1/audit/checkpoints/latest, or its jws); repeatable.")
        var checkpoint: [String] = []

        func run() async throws {
            try await reportingErrors {
                guard let data = try? Data(contentsOf: URL(fileURLWithPath: file), options: .alwaysMapped) else { throw CLIError("cannot read \(file)") }
                var trusted: [String: PublicKey] = [:]
                if let jwks {
                    guard let data = FileManager.default.contents(atPath: jwks), let value = try? StrictJSON.parse(Array(data)) else {
                        throw CLIError("\(jwks) is not a JWK Set")
                    }
                    trusted = SignedTreeHead.keys(fromJWKS: value)
                    guard !trusted.isEmpty else { throw CLIError("\(jwks) holds no usable public key") }
                } else {
                    print("note: trusting the hub keys named in the file; pass --jwks with the keys the hub publishes")
                }
                let saved = try checkpoint.map(AuditCommand.readCheckpoint)
                var verifier = AuditVerifier(trustedKeys: trusted, savedCheckpoints: saved)
                verifier.trustFileKeys = jwks == nil
                let report = verifier.verify(export: data)
                if let problem = report.problem {
                    throw CLIError("NOT VERIFIED: \(problem)")
                }
                print("verified: \(report.entries) entries, \(report.heads) signed tree heads (\(report.checkpoints) checkpoints); root \(report.root.hexString)")
                if !saved.isEmpty { print("the log contains the \(saved.count) saved checkpoint\(saved.count == 1 ? "" : "s") given") }
            }
        }
    }

    struct Compare: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Compare a checkpoint saved outside the hub with the hub's current log (RFC 6962 consistency proof).",
            discussion: """
                Proves that the current log extends the saved checkpoint: nothing it covered was
                changed, removed or reordered since, and the log was not rolled back. Against a
                running hub (--hub, with an auditor's key), or offline against its database.

                Examples:
                  baton audit compare --checkpoint saved.json --hub http://127.0.0.1:8080 --key mash.jwk
                  baton audit compare --checkpoint saved.json --database baton.sqlite
                """)

        @Option(help: "The checkpoint saved earlier (the JSON of /v1/audit/checkpoints/latest, or its jws).")
        var checkpoint: String

        @Option(help: "A running hub's base URL.")
        var hub: String?

        @Option(help: "With --hub: your agency's private key (the agency must be allowed the auditor role).")
        var key: String?

        @Option(help: "The hub's SQLite database, to compare offline.")
        var database: String?

        @Option(name: .customLong("hub-key"), help: "With --database: the hub's key file (default <database>.hub-key.jwk).")
        var hubKey: String?

        func run() async throws {
            try await reportingErrors {
                let jws = try AuditCommand.readCheckpoint(checkpoint)
                if let hub {
                    guard let key else { throw CLIError("--hub needs --key (an auditor's key)", exitCode: 2) }
                    try await compareOnline(jws, hub: hub, key: try PayloadInput.key(key))
                } else if let database {
                    try await compareOffline(jws, database: database)
                } else {
                    throw CLIError("give --hub URL --key KEY, or --database FILE", exitCode: 2)
                }
            }
        }

        func report(saved: SignedTreeHead, current: SignedTreeHead, proof: [Merkle.Hash]) throws {
            guard current.size >= saved.size else {
                throw CLIError("NOT CONSISTENT: the saved checkpoint covers \(saved.size) entries but the log now has \(current.size): it was rolled back or truncated")
            }
            guard Merkle.verifyConsistency(oldSize: Int(saved.size), newSize: Int(current.size), oldRoot: saved.root, newRoot: current.root, proof: proof) else {
                throw CLIError("NOT CONSISTENT: the log's first \(saved.size) entries are not those the saved checkpoint signed: the log was rewritten")
            }
            print("consistent: the log (\(current.size) entries, root \(current.root.hexString)) extends the saved checkpoint (\(saved.size) entries, signed \(RFC3339.format(saved.at)))")
        }

        func compareOffline(_ jws: String, database: String) async throws {
            guard FileManager.default.fileExists(atPath: database) else { throw CLIError("no database at \(database)") }
            let keyPath = hubKey ?? database + ".hub-key.jwk"
            let hubKeyFile: KeyFile
            do { hubKeyFile = try KeyFile.load(path: keyPath) } catch { throw CLIError("cannot read the hub key at \(keyPath): \(error)") }
            let keys = [hubKeyFile.kid: hubKeyFile.key.publicKey]
            let saved: SignedTreeHead
            do { saved = try SignedTreeHead.verify(jws, keys: keys) } catch { throw CLIError("the saved checkpoint does not verify: \(error)") }
            // Offline, everything is recomputed from the entries themselves, not from the hashes
            // stored beside them: the log must contain the saved checkpoint and every entry must be
            // covered by a tree head the hub signed.
            let store = try SQLiteStore(path: database)
            defer { Task { try? await store.close() } }
            let hubKeys: JSONValue = ["keys": .array([JWK.publicJWK(hubKeyFile.key.publicKey, kid: hubKeyFile.kid)])]
            let lines = try await store.read { reader -> [String] in
                var lines: [String] = []
                _ = try AuditCommand.export(reader, hubKeys: hubKeys) { lines.append($0) }
                return lines
            }
            var verifier = AuditVerifier(trustedKeys: keys, savedCheckpoints: [jws])
            verifier.trustFileKeys = false
            let result = verifier.verify(lines: lines.map { Substring($0) })
            if let problem = result.problem { throw CLIError("NOT CONSISTENT: \(problem)") }
            print("consistent: the log (\(result.entries) entries, root \(result.root.hexString)) contains the saved checkpoint (\(saved.size) entries, signed \(RFC3339.format(saved.at))), recomputed from every entry")
        }

        func compareOnline(_ jws: String, hub: String, key: KeyFile) async throws {
            let client = HubClient(baseURL: hub)
            let jwksReply = try await client.get("/.well-known/jwks.json")
            guard jwksReply.status == 200, let jwks = jwksReply.json else { throw CLIError("the hub did not publish its keys") }
            let keys = SignedTreeHead.keys(fromJWKS: jwks)
            let saved: SignedTreeHead
            do { saved = try SignedTreeHead.verify(jws, keys: keys) } catch { throw CLIError("the saved checkpoint does not verify with the hub's keys: \(error)") }
            let token = try BearerToken.make(key: key, role: .auditor)
            let latestReply = try await client.get("/v1/audit/checkpoints/latest")
            guard latestReply.status == 200, let latestJWS = latestReply.json?.objectValue?["jws"]?.stringValue else {
                throw CLIError("the hub published no checkpoint (HTTP \(latestReply.status))")
            }
            let current: SignedTreeHead
            do { current = try SignedTreeHead.verify(latestJWS, keys: keys) } catch { throw CLIError("the hub's latest checkpoint does not verify: \(error)") }
            guard current.size >= saved.size else { return try report(saved: saved, current: current, proof: []) }
            let reply = try await client.get("/v1/audit/proofs/consistency?from=\(saved.size)&to=\(current.size)", bearer: token)
            guard reply.status == 200, let proof = reply.json?.objectValue?["proof"]?.arrayValue else {
                throw CLIError("the hub gave no consistency proof (HTTP \(reply.status)): \(String(decoding: reply.body.prefix(400), as: UTF8.self))")
            }
            try report(saved: saved, current: current, proof: proof.compactMap { $0.stringValue.flatMap { [UInt8](hex: $0) } })
        }
    }

    /// Writes the export's lines (AuditExport) for the log `reader` sees; returns the number of
    /// entries and of tree heads.
    static func export(_ reader: any StoreReader, hubKeys: JSONValue, line: (String) throws -> Void) throws -> (Int64, Int) {
        try line(AuditExport.headerLine(hubKeys: hubKeys, exportedAt: Date()))
        var heads: [TreeHead] = []
        try reader.forEachTreeHead { heads.append($0) }
        var next = 0
        func headsUpTo(_ size: Int64) throws {
            while next < heads.count, heads[next].size <= size {
                let head = heads[next]
                try line(AuditExport.headLine(size: head.size, root: head.root, at: head.at, checkpoint: head.checkpoint, jws: head.jws))
                next += 1
            }
        }
        var entries: Int64 = 0
        try headsUpTo(0)
        try reader.forEachAuditEntry { entry in
            try line(AuditExport.entryLine(index: entry.index, at: entry.at, body: entry.body, leafHash: entry.leafHash))
            entries += 1
            try headsUpTo(entry.index + 1)
        }
        try headsUpTo(Int64.max)
        return (entries, heads.count)
    }

    /// A checkpoint file: the JSON the hub publishes (its `jws`), or the compact JWS itself.
    static func readCheckpoint(_ path: String) throws -> String {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw CLIError("cannot read \(path)") }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if let jws = (try? StrictJSON.parse(Array(trimmed.utf8)))?.objectValue?["jws"]?.stringValue { return jws }
        guard trimmed.split(separator: ".").count == 3 else { throw CLIError("\(path) is neither a checkpoint's JSON nor its JWS") }
        return trimmed
    }
}
