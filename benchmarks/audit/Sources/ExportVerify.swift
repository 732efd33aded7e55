import BatonAudit
import BatonCore
import BatonSigning
import BatonStore
import Foundation

/// One run of a `baton` command, as `/usr/bin/time` saw it.
struct CommandRun: Codable {
    var seconds: Double
    var userSeconds: Double
    var systemSeconds: Double
    var maxRSSMiB: Double
    var output: String
}

/// The export-and-verify part's figures (`verify-<entries>.json`).
struct VerifyFigures: Codable {
    var log: BuiltLog
    var reused: Bool
    var exportBytes: Int
    var export: CommandRun
    var verify: [CommandRun]
    var medianSeconds: Double
    var entriesPerSecond: Double
    /// The same file through `AuditVerifier` in this process, its lines found with memchr: what
    /// the verification itself costs, without the CLI's splitting of the file into lines.
    var librarySeconds: Double
}

/// The real CLI on the built log: `baton audit export` (the database to JSON Lines), then
/// `baton audit verify` on the file, `runs` times, as an auditor would run it: with the hub's JWK
/// Set obtained separately (`--jwks`) and a checkpoint saved halfway through the log
/// (`--checkpoint`). Each must report success for every entry.
enum ExportVerify {
    static func run(
        baton: String, database: String, log: BuiltLog, hubKey: HubKey, keyPath: String, folder: URL, runs: Int
    ) async throws -> (bytes: Int, export: CommandRun, verify: [CommandRun], library: Double) {
        let jwks = folder.appendingPathComponent("hub-jwks.json").path
        try hubKey.jwks().serializedString().write(toFile: jwks, atomically: true, encoding: .utf8)
        let store = try SQLiteStore(path: database)
        let saved = try await store.read { try $0.checkpoints(after: Int64(log.entries / 2), limit: 1).first }
        try await store.close()
        guard let saved else { throw BenchFailure("the log has no checkpoint after entry \(log.entries / 2)") }
        let checkpoint = folder.appendingPathComponent("checkpoint.json").path
        try JSONValue.object(["treeSize": .number(Double(saved.size)), "jws": .string(saved.jws)]).serializedString()
            .write(toFile: checkpoint, atomically: true, encoding: .utf8)

        let file = URL(fileURLWithPath: database).deletingPathExtension().path + ".jsonl"
        try? FileManager.default.removeItem(atPath: file)
        print("  baton audit export --database \(database) --output \(file) …")
        let export = try timed(baton, ["audit", "export", "--database", database, "--hub-key", keyPath, "--output", file])
        guard export.output.contains("wrote \(log.entries) entries") else { throw BenchFailure("the export did not write every entry: \(export.output)") }
        let bytes = (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? 0
        print("    \(String(format: "%.1f", export.seconds)) s, \(bytes / (1 << 20)) MiB: \(export.output)")

        var verifies: [CommandRun] = []
        for n in 1...runs {
            print("  baton audit verify \(file) --jwks \(jwks) --checkpoint \(checkpoint)  (\(n) of \(runs)) …")
            let verify = try timed(baton, ["audit", "verify", file, "--jwks", jwks, "--checkpoint", checkpoint])
            guard verify.output.contains("verified: \(log.entries) entries"), verify.output.contains("saved checkpoint") else {
                throw BenchFailure("the export did not verify: \(verify.output)")
            }
            print("    \(String(format: "%.2f", verify.seconds)) s (user \(String(format: "%.1f", verify.userSeconds)) s, system \(String(format: "%.1f", verify.systemSeconds)) s, max RSS \(Int(verify.maxRSSMiB)) MiB)")
            verifies.append(verify)
        }
        print("  the same file through AuditVerifier in-process, lines found with memchr (for comparison) …")
        let library = try verifyInProcess(file: file, hubKey: hubKey, checkpoint: saved.jws, entries: log.entries)
        print("    \(String(format: "%.2f", library)) s")
        try? FileManager.default.removeItem(atPath: file)
        return (bytes, export, verifies, library)
    }

    /// `AuditVerifier` on the file as `baton audit verify` runs it (the hub's keys given, the file's
    /// not trusted, the saved checkpoint), but with the lines found with memchr rather than by
    /// `String.split`, which compares Characters.
    static func verifyInProcess(file: String, hubKey: HubKey, checkpoint: String, entries: Int) throws -> Double {
        let started = ContinuousClock.now
        guard let data = FileManager.default.contents(atPath: file) else { throw BenchFailure("cannot read \(file)") }
        let text = String(decoding: data, as: UTF8.self)
        // Where each line ends, found with memchr; a native string's UTF-8 offsets are its indices.
        let ends = data.withUnsafeBytes { bytes -> [Int] in
            var ends: [Int] = []
            guard let base = bytes.baseAddress else { return ends }
            var offset = 0
            while offset < bytes.count, let found = memchr(base + offset, 0x0A, bytes.count - offset) {
                ends.append(base.distance(to: UnsafeRawPointer(found)))
                offset = ends[ends.count - 1] + 1
            }
            if offset < bytes.count { ends.append(bytes.count) }
            return ends
        }
        let utf8 = text.utf8
        let lines = ends.indices.lazy.map { n -> Substring in
            let start = n == 0 ? 0 : ends[n - 1] + 1
            return text[utf8.index(utf8.startIndex, offsetBy: start)..<utf8.index(utf8.startIndex, offsetBy: ends[n])]
        }
        var verifier = AuditVerifier(trustedKeys: [hubKey.kid: hubKey.key.publicKey], savedCheckpoints: [checkpoint])
        verifier.trustFileKeys = false
        let report = verifier.verify(lines: lines)
        let seconds = (ContinuousClock.now - started).seconds
        guard report.problem == nil, report.entries == Int64(entries) else {
            throw BenchFailure("the in-process verification failed: \(report.problem ?? "\(report.entries) entries")")
        }
        return seconds
    }

    /// Runs `executable arguments` under `/usr/bin/time`, failing unless it exits 0.
    static func timed(_ executable: String, _ arguments: [String]) throws -> CommandRun {
        let timeFile = FileManager.default.temporaryDirectory.appendingPathComponent("baton-bench-audit-time-\(getpid())").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/time")
        process.arguments = ["-f", "%U %S %M", "-o", timeFile, executable] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        let started = ContinuousClock.now
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let seconds = (ContinuousClock.now - started).seconds
        let output = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard process.terminationStatus == 0 else {
            throw BenchFailure("\(executable) \(arguments.joined(separator: " ")) exited \(process.terminationStatus): \(output)")
        }
        let fields = ((try? String(contentsOfFile: timeFile, encoding: .utf8)) ?? "").split(whereSeparator: \.isWhitespace).compactMap { Double($0) }
        try? FileManager.default.removeItem(atPath: timeFile)
        return CommandRun(
            seconds: seconds, userSeconds: fields.count > 0 ? fields[0] : .nan, systemSeconds: fields.count > 1 ? fields[1] : .nan,
            maxRSSMiB: fields.count > 2 ? fields[2] / 1024 : .nan, output: output)
    }
}
