import BatonAudit
import BatonCore
import BatonSigning
import BatonStore
import BenchmarkSupport
import Foundation

/// Audit-log benchmark (benchmarks/audit; issue: "A record nobody can quietly change",
/// Performance). Three parts, which `benchmarks/audit/run` runs in one go:
///
///   proofs   Builds (or reuses) a SQLite store holding an audit log of `--entries` entries
///            (default 10,000,000) and times inclusion and consistency proofs through the store's
///            public read API, verifying each (target: under 1 ms each).
///   verify   Builds (or reuses) a store of `--entries` (default 1,000,000), runs the real
///            `baton audit export` on it and times the real `baton audit verify` on the file
///            (target: under 30 s).
///   report   Prints the figures of all three parts, the intake peaks with the audit log on and off
///            among them (target: on ≥ 90% of off), and writes them as JSON.
///
/// Built logs are cached in `--data` (default .build-bench/audit) as `audit-<entries>.sqlite`, with
/// the hub key beside them as `baton serve` keeps it (`<database>.hub-key.jwk`) and what they hold
/// (`<database>.json`); `--rebuild` builds them again. `--hub-sized` makes intake entries the size
/// the hub writes them (2.7 KB; see ``SyntheticEntries``) instead of the issue's 300–600 bytes
/// (`audit-<entries>-hub.sqlite`).
struct Options {
    var command = ""
    var entries: Int?
    var samples = 20_000
    var runs = 3
    var seed: UInt64 = 6962
    var rebuild = false
    var hubSized = false
    var data = ".build-bench/audit"
    var baton = ""
    var proofsFile: String?
    var verifyFiles: [String] = []
    var intakeOn: [String] = []
    var intakeOff: [String] = []
    var output: String?
    /// `openssl speed ed25519` verifications per second at the start and end of the run.
    var ed25519: [Double] = []

    static let usage = """
        usage: baton-bench-audit proofs [--entries N] [--samples N] [--seed N] [--hub-sized] [--rebuild] [--data DIR] [--quick]
               baton-bench-audit verify --baton PATH [--entries N] [--runs N] [--hub-sized] [--rebuild] [--data DIR] [--quick]
               baton-bench-audit report [--proofs FILE] [--verify FILE]... [--intake-on FILE]... [--intake-off FILE]... [--ed25519 RATE]... [--output FILE]
        """

    init(_ arguments: [String]) {
        var iterator = arguments.dropFirst().makeIterator()
        command = iterator.next() ?? ""
        var quick = false
        while let argument = iterator.next() {
            switch argument {
            case "--entries": entries = Int(iterator.next() ?? "")
            case "--samples": samples = Int(iterator.next() ?? "") ?? samples
            case "--runs": runs = Int(iterator.next() ?? "") ?? runs
            case "--seed": seed = UInt64(iterator.next() ?? "") ?? seed
            case "--rebuild": rebuild = true
            case "--hub-sized": hubSized = true
            case "--data": data = iterator.next() ?? data
            case "--baton": baton = iterator.next() ?? ""
            case "--proofs": proofsFile = iterator.next()
            case "--verify": verifyFiles.append(iterator.next() ?? "")
            case "--intake-on": intakeOn.append(iterator.next() ?? "")
            case "--intake-off": intakeOff.append(iterator.next() ?? "")
            case "--output": output = iterator.next()
            case "--ed25519": ed25519.append(Double(iterator.next() ?? "") ?? .nan)
            case "--quick": quick = true
            default:
                print(Options.usage)
                exit(2)
            }
        }
        if quick {
            samples = 2_000
            runs = 1
        }
        if entries == nil, command == "proofs" { entries = quick ? 1_000_000 : 10_000_000 }
        if entries == nil, command == "verify" { entries = quick ? 100_000 : 1_000_000 }
        if baton.isEmpty {
            baton = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("baton").path
        }
    }
}

let machine: JSONValue = {
    return [
        "cores": .number(Double(ProcessInfo.processInfo.activeProcessorCount)), "cpu": .string(cpuModel),
        "memoryGiB": .number(Double(ProcessInfo.processInfo.physicalMemory / (1 << 30))),
    ]
}()

func write<T: Encodable>(_ value: T, to path: String) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    try encoder.encode(value).write(to: URL(fileURLWithPath: path))
}

func read<T: Decodable>(_ type: T.Type, from path: String) -> T? {
    guard let data = FileManager.default.contents(atPath: path) else { return nil }
    return try? JSONDecoder().decode(type, from: data)
}

/// The cached log of `entries` entries in `folder`, built (and checked) unless a complete one of
/// the current format is there.
func prepareLog(
    entries: Int, hubSized: Bool, folder: URL, seed: UInt64, rebuild: Bool
) async throws -> (path: String, log: BuiltLog, reused: Bool, key: HubKey, keyPath: String) {
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let path = folder.appendingPathComponent("audit-\(entries)\(hubSized ? "-hub" : "").sqlite").path
    let keyPath = path + ".hub-key.jwk"
    let (key, _) = try HubKey.loadOrCreate(path: keyPath)
    if !rebuild, FileManager.default.fileExists(atPath: path), let log = read(BuiltLog.self, from: path + ".json"),
        log.format == BuiltLog.currentFormat, log.entries == entries, log.hubSized == hubSized, log.seed == seed
    {
        print("  reusing \(path): \(entries.formatted()) entries, \(log.heads.formatted()) signed heads (built in \(Int(log.buildSeconds)) s; --rebuild to build again)")
        return (path, log, true, key, keyPath)
    }
    print("  building \(path): \(entries.formatted()) entries, a signed tree head per commit of 1–59 entries …")
    var log = try await LogBuilder.build(path: path, entries: entries, hubSized: hubSized, seed: seed, hubKey: key)
    print("    built in \(String(format: "%.1f", log.buildSeconds)) s: \(log.heads.formatted()) signed heads (\(log.checkpoints.formatted()) checkpoints), entries \(log.smallestBody)–\(log.largestBody) bytes (mean \(Int(log.meanBody.rounded()))), \(log.databaseBytes / (1 << 20)) MiB")
    print("  checking it: every entry hashed again, every head's root, the root from the stored nodes …")
    log.checkSeconds = try await LogBuilder.check(path: path, expected: log, hubKey: key)
    print("    the same everywhere (root \(log.root.prefix(16))…), checked in \(String(format: "%.1f", log.checkSeconds)) s")
    try write(log, to: path + ".json")
    return (path, log, false, key, keyPath)
}

func micros(_ value: Double) -> String { value >= 100 ? String(Int(value.rounded())) : String(format: "%.1f", value) }

/// `proofs`: the append check, the log (built or reused), then the proofs timed and verified.
func proofs(_ options: Options, folder: URL) async throws {
    let entries = options.entries!
    print("Baton audit log: proofs at \(entries.formatted()) entries")
    print("  checking the builder against the store's own append (300 entries through SQLiteStore.write) …")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let rows = try await AppendCheck.run(folder: folder, count: 300, hubKey: HubKey(key: .generate(.edDSA)))
    print("    the same \(rows) audit_node rows and signed roots")
    let prepared = try await prepareLog(entries: entries, hubSized: options.hubSized, folder: folder, seed: options.seed, rebuild: options.rebuild)
    print("  timing inclusion and consistency proofs against random signed heads, \(options.samples.formatted()) of each per pass …")
    let result = try await Proofs.run(path: prepared.path, log: prepared.log, samples: options.samples, seed: options.seed &+ 1, hubKey: prepared.key)
    let megabytes = { (bytes: Int?) in bytes.map { "\($0 / (1 << 20)) MiB" } ?? "?" }
    print("    the OS page cache held \(megabytes(result.residentBefore)) of the \(prepared.log.databaseBytes / (1 << 20)) MiB database before, \(megabytes(result.residentWarm)) once audit_node was read through")
    let timings = [
        ("inclusion, as found", result.inclusion), ("consistency, as found", result.consistency),
        ("inclusion, warm", result.inclusionWarm), ("consistency, warm", result.consistencyWarm),
        ("inclusion, in one read", result.inclusionInOneRead), ("consistency, in one read", result.consistencyInOneRead),
    ]
    for (name, timing) in timings {
        print("    \(name.padding(toLength: 26, withPad: " ", startingAt: 0)) p50 \(micros(timing.p50)) µs  p99 \(micros(timing.p99)) µs  max \(micros(timing.max)) µs  (\(timing.overOneMillisecond) of \(timing.samples) ≥ 1 ms)")
    }
    print("    \(result.verified.formatted()) proofs verified (RFC 9162) against the signed roots; \(String(format: "%.1f", result.meanInclusionHashes)) and \(String(format: "%.1f", result.meanConsistencyHashes)) hashes per proof")
    var figures = result
    figures.log = prepared.log
    figures.reused = prepared.reused
    figures.appendCheckRows = rows
    try write(figures, to: folder.appendingPathComponent("proofs-\(entries)\(options.hubSized ? "-hub" : "").json").path)
}

/// `verify`: the log (built or reused), exported and verified with the real CLI.
func verify(_ options: Options, folder: URL) async throws {
    let entries = options.entries!
    print("Baton audit log: export and verify \(entries.formatted()) \(options.hubSized ? "hub-sized " : "")entries")
    guard FileManager.default.isExecutableFile(atPath: options.baton) else {
        throw BenchFailure("no baton executable at \(options.baton); build it with: swift build -c release --product baton")
    }
    let prepared = try await prepareLog(entries: entries, hubSized: options.hubSized, folder: folder, seed: options.seed, rebuild: options.rebuild)
    let result = try await ExportVerify.run(
        baton: options.baton, database: prepared.path, log: prepared.log, hubKey: prepared.key, keyPath: prepared.keyPath, folder: folder,
        runs: options.runs)
    let median = Report.median(result.verify.map(\.seconds))
    print("    baton audit verify: median \(String(format: "%.2f", median)) s, \(Int(Double(entries) / median).formatted()) entries/s")
    let figures = VerifyFigures(
        log: prepared.log, reused: prepared.reused, exportBytes: result.bytes, export: result.export, verify: result.verify, medianSeconds: median,
        entriesPerSecond: Double(entries) / median, librarySeconds: result.library)
    try write(figures, to: folder.appendingPathComponent("verify-\(entries)\(options.hubSized ? "-hub" : "").json").path)
}

let options = Options(CommandLine.arguments)
do {
    switch options.command {
    case "proofs": try await proofs(options, folder: URL(fileURLWithPath: options.data))
    case "verify": try await verify(options, folder: URL(fileURLWithPath: options.data))
    case "report": exit(try Report.run(options))
    default:
        print(Options.usage)
        exit(2)
    }
} catch {
    print("baton-bench-audit: \(error)")
    exit(2)
}
