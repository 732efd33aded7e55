import BatonCore
import BatonSigning
import BatonSynthetic
import Foundation
import NIOCore
import NIOPosix

/// Sustained intake benchmark (issue: "The spine", Performance).
///
/// Starts `baton serve` as its own process on a SQLite file (durable commits: the WAL is synced
/// before every answer), signs realistic synthetic referrals ahead of time, and drives the hub over loopback HTTP:
///   1. peak: closed loop on many keep-alive connections: messages/s, p50, p99;
///   2. half: open loop at half the peak rate: p50, p99 (timed from when each request was due).
/// Measures `openssl speed -seconds 5 ed25519` in the same run and reports intake as a ratio of
/// its verify rate. Targets: intake >= 50% of that verify rate; p99 <= 50 ms at half the peak.
///
/// `--serve-arg ARG` (repeatable) passes ARG on to `baton serve` (benchmarks/audit runs the peak
/// with `--serve-arg --audit-log=off` beside the default); `--peak-only` runs phase 1 alone,
/// without the OpenSSL reference, the floor or phase 2.
///
/// Before Baton, the floor (Floor.swift) runs the peak phase against five servers that each do
/// less than Baton, so the ratio can be read against what the machine allows; `--no-floor` skips
/// it, `--floor-only` runs the OpenSSL reference and the floor alone.
struct Options {
    var baton = ""
    var connections = 64
    var warmUp = 3.0
    var duration = 15.0
    var peakMessages = 150_000
    var logLevel = "info"
    var output: String?
    var quick = false
    var serveArguments: [String] = []
    var peakOnly = false
    var floor = true
    var floorOnly = false

    init(_ arguments: [String]) {
        var iterator = arguments.dropFirst().makeIterator()
        while let argument = iterator.next() {
            switch argument {
            case "--baton": baton = iterator.next() ?? ""
            case "--connections": connections = Int(iterator.next() ?? "") ?? connections
            case "--duration": duration = Double(iterator.next() ?? "") ?? duration
            case "--warm-up": warmUp = Double(iterator.next() ?? "") ?? warmUp
            case "--messages": peakMessages = Int(iterator.next() ?? "") ?? peakMessages
            case "--log-level": logLevel = iterator.next() ?? logLevel
            case "--output": output = iterator.next()
            case "--quick": quick = true; duration = 4; warmUp = 1; peakMessages = 40_000
            case "--serve-arg": serveArguments.append(iterator.next() ?? "")
            case "--peak-only": peakOnly = true; floor = false
            case "--no-floor": floor = false
            case "--floor-only": floorOnly = true; floor = true; peakOnly = false
            default:
                print("usage: baton-bench-intake --baton PATH [--connections N] [--duration S] [--warm-up S] [--messages N] [--log-level L] [--output FILE] [--quick] [--serve-arg ARG]... [--peak-only] [--no-floor] [--floor-only]")
                exit(2)
            }
        }
        if baton.isEmpty {
            baton = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("baton").path
        }
    }
}

func shell(_ command: String) -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    process.arguments = ["-c", command]
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = FileHandle.nullDevice
    try? process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
}

/// `openssl speed -seconds 5 ed25519`: Ed25519 verifications per second on one core.
func opensslVerifyRate() -> (Double, String) {
    let text = shell("openssl speed -seconds 5 ed25519 2>/dev/null")
    let line = text.split(separator: "\n").first { $0.contains("Ed25519") } ?? ""
    let rate = line.split(separator: " ").compactMap { Double($0) }.last ?? .nan
    return (rate, String(line).trimmingCharacters(in: .whitespaces))
}

/// Signs `count` synthetic referrals from the police agency, on every core.
func signReferrals(count: Int, key: KeyFile, seed: UInt64) async throws -> [ByteBuffer] {
    let cores = ProcessInfo.processInfo.activeProcessorCount
    let chunk = (count + cores - 1) / cores
    let now = Date()
    return try await withThrowingTaskGroup(of: (Int, [ByteBuffer]).self) { group in
        for part in 0..<cores {
            group.addTask {
                var traffic = SyntheticTraffic(seed: seed &+ UInt64(part))
                var bodies: [ByteBuffer] = []
                bodies.reserveCapacity(chunk)
                for _ in 0..<min(chunk, count - part * chunk) {
                    bodies.append(ByteBuffer(string: try traffic.referral(from: traffic.area.police, at: now).signed(with: key)))
                }
                return (part, bodies)
            }
        }
        var parts: [(Int, [ByteBuffer])] = []
        for try await part in group { parts.append(part) }
        return parts.sorted { $0.0 < $1.0 }.flatMap(\.1)
    }
}

/// A loopback port nobody is listening on (bound and released, so the hub can take it).
func freePort() throws -> Int {
    let channel = try ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).wait()
    defer { try? channel.close().wait() }
    return channel.localAddress?.port ?? 0
}

final class Server {
    let process = Process()
    let log: String
    let port: Int

    convenience init(baton: String, agencies: String, database: String, logLevel: String, log: String, extra: [String] = []) throws {
        try self.init(executable: baton, log: log) { port in
            ["serve", "--port", String(port), "--agencies", agencies, "--policies", "policies", "--database", database, "--log-level", logLevel] + extra
        }
    }

    /// Starts `executable` with the arguments for a free loopback port and waits for its `/healthz`.
    init(executable: String, log: String, arguments: (Int) -> [String]) throws {
        self.log = log
        self.port = try freePort()
        FileManager.default.createFile(atPath: log, contents: nil)
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments(port)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.standardError = handle
        process.standardOutput = handle
        try process.run()
        let deadline = Date() + 60
        while Date() < deadline, process.isRunning {
            if shell("curl -sf http://127.0.0.1:\(port)/healthz") .contains("ok") { return }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw NSError(domain: "bench", code: 1, userInfo: [NSLocalizedDescriptionKey: "\(executable) did not start; see \(log)"])
    }

    func stop() {
        process.terminate()
        process.waitUntilExit()
    }
}

/// CPU seconds (user + system) a process has used so far, from /proc.
func cpuSeconds(pid: Int32) -> Double {
    guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
        let close = text.lastIndex(of: ")")
    else { return .nan }
    let fields = text[text.index(after: close)...].split(separator: " ")
    guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return .nan }
    return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
}

func format(_ value: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)f", value) }

extension String {
    func leftPadded(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}

if CommandLine.arguments.contains("--stages") {
    try await Stages.run()
    exit(0)
}
if CommandLine.arguments.contains("--floor-server") {
    try await FloorServer.run(CommandLine.arguments)
    exit(0)
}
let options = Options(CommandLine.arguments)
guard FileManager.default.isExecutableFile(atPath: options.baton) else {
    print("baton executable not found at \(options.baton); build it with: swift build -c release --product baton")
    exit(2)
}

let cpu = shell("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2")
let cores = ProcessInfo.processInfo.activeProcessorCount
let memory = ProcessInfo.processInfo.physicalMemory / (1 << 30)
let folder = FileManager.default.temporaryDirectory.appendingPathComponent("baton-bench-\(UUID().uuidString.prefix(8))")
let filesystem = shell("df -hT \(FileManager.default.temporaryDirectory.path) | tail -1 | awk '{print $2\" on \"$7}'")
print("Baton intake benchmark")
print("  machine: \(cores) cores, \(cpu), \(memory) GiB, \(shell("uname -sr")); database on \(filesystem)")

let (verifyRate, opensslLine) = options.peakOnly ? (Double.nan, "") : opensslVerifyRate()
if !options.peakOnly {
    print("  reference: openssl speed -seconds 5 ed25519 …")
    print("    \(opensslLine)  (\(shell("openssl version")))")
}

// The sample area's registry and policies (run from the repository root), with a benchmark key
// added to the police force: referrals are routed to the MASH as in the demo.
try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
try FileManager.default.copyItem(atPath: "agencies", toPath: folder.appendingPathComponent("agencies").path)
let key = KeyFile(kid: "police-northmoor/bench-1", key: .generate(.edDSA))
let x = key.key.publicKey.jwkMembers.first { $0.0 == "x" }!.1
let policeFile = folder.appendingPathComponent("agencies/police-northmoor.yaml")
try (try String(contentsOf: policeFile, encoding: .utf8)).replacingOccurrences(
    of: "keys:\n", with: "keys:\n  - kid: bench-1\n    jwk: { kty: OKP, crv: Ed25519, x: \"\(x)\" }\n"
).write(to: policeFile, atomically: true, encoding: .utf8)

print("  signing \(options.peakMessages) synthetic referrals ahead of time (Ed25519) …")
let signStart = Date()
let peakBodies = try await signReferrals(count: options.peakMessages, key: key, seed: 1)
let meanSize = Double(peakBodies.reduce(0) { $0 + $1.readableBytes }) / Double(peakBodies.count)
print("    \(peakBodies.count) messages, mean \(Int(meanSize)) bytes each as JWS, in \(format(Date().timeIntervalSince(signStart))) s")

let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)

/// One rung of the floor (see Floor.swift): the peak phase against a server doing less than Baton.
struct FloorRung {
    var mode: FloorMode
    var result: PhaseResult
    var serverMicros: Double
    var generatorMicros: Double
}
var floorRungs: [FloorRung] = []
if options.floor {
    print("  floor: the same load against servers doing less than Baton (\(format(options.warmUp, 0)) s warm-up + \(format(options.duration, 0)) s each) …")
    for mode in FloorMode.allCases {
        let database = folder.appendingPathComponent("floor-\(mode).sqlite").path
        let rungServer = try Server(executable: CommandLine.arguments[0], log: folder.appendingPathComponent("floor-\(mode).log").path) { port in
            ["--floor-server", mode.rawValue, "--port", String(port), "--agencies", folder.appendingPathComponent("agencies").path, "--database", database]
        }
        // Baton's store answers a message it already holds as a duplicate, so that rung takes each
        // message once; the others keep nothing and may see the messages again.
        let source = BodySource(peakBodies, cycle: mode != .batonStore)
        let serverBefore = cpuSeconds(pid: rungServer.process.processIdentifier)
        let selfBefore = cpuSeconds(pid: getpid())
        let result = try await LoadGenerator.run(
            group: group, host: "127.0.0.1", port: rungServer.port, source: source, connections: options.connections, rate: nil,
            warmUp: options.warmUp, duration: options.duration)
        let answered = Double(source.used)
        let rung = FloorRung(
            mode: mode, result: result, serverMicros: (cpuSeconds(pid: rungServer.process.processIdentifier) - serverBefore) / answered * 1e6,
            generatorMicros: (cpuSeconds(pid: getpid()) - selfBefore) / answered * 1e6)
        rungServer.stop()
        if source.ranOut { print("    WARNING: ran out of pre-signed messages; rerun with more --messages") }
        // The rung's database goes now, and the disk is synced, so its writes still being written
        // back cannot stall the syncs of the servers measured after it.
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: database + suffix) }
        _ = shell("sync")
        floorRungs.append(rung)
        print("    \(mode.label.padding(toLength: 42, withPad: " ", startingAt: 0)) \(format(result.rate, 0)) messages/s; p50 \(format(result.percentile(0.5))) ms, p99 \(format(result.percentile(0.99))) ms; statuses \(result.statuses); CPU per message: server \(format(rung.serverMicros, 0)) µs, load generator \(format(rung.generatorMicros, 0)) µs")
    }
    if options.floorOnly {
        for rung in floorRungs {
            print("    \(rung.mode.rawValue.padding(toLength: 12, withPad: " ", startingAt: 0)) ratio \(format(rung.result.rate / verifyRate, 2)) to openssl's \(format(verifyRate, 0)) verify/s")
        }
        try? await group.shutdownGracefully()
        try? FileManager.default.removeItem(at: folder)
        exit(0)
    }
}

let server: Server
do {
    server = try Server(
        baton: options.baton, agencies: folder.appendingPathComponent("agencies").path,
        database: folder.appendingPathComponent("bench.sqlite").path, logLevel: options.logLevel,
        log: folder.appendingPathComponent("serve.log").path, extra: options.serveArguments)
} catch {
    print("baton serve did not start; its log:\n" + ((try? String(contentsOfFile: folder.appendingPathComponent("serve.log").path, encoding: .utf8)) ?? ""))
    exit(1)
}
print("  hub: baton serve \(options.serveArguments.joined(separator: " ")) on 127.0.0.1:\(server.port), log level \(options.logLevel), SQLite WAL, synced before every answer (\(folder.path))")

let peakSource = BodySource(peakBodies)
print("  phase 1, peak: closed loop, \(options.connections) connections, \(format(options.warmUp, 0)) s warm-up + \(format(options.duration, 0)) s …")
let serverCPUBefore = cpuSeconds(pid: server.process.processIdentifier)
let selfCPUBefore = cpuSeconds(pid: getpid())
let writerBefore = hubMetric(port: server.port, "baton_store_commit_duration_seconds_sum")
let batchesBefore = hubMetric(port: server.port, "baton_store_commit_batch_size_count")
let peakStarted = Date()
let peak = try await LoadGenerator.run(
    group: group, host: "127.0.0.1", port: server.port, source: peakSource, connections: options.connections, rate: nil,
    warmUp: options.warmUp, duration: options.duration)
// Over the whole phase (warm-up included), per message the hub answered.
let peakAnswered = Double(peakSource.used)
let peakWall = Date().timeIntervalSince(peakStarted)
let serverMicros = (cpuSeconds(pid: server.process.processIdentifier) - serverCPUBefore) / peakAnswered * 1e6
// How busy the single writer was: its time in shared transactions over the phase's wall time.
let writerBusy = (hubMetric(port: server.port, "baton_store_commit_duration_seconds_sum") - writerBefore) / peakWall
let peakBatches = hubMetric(port: server.port, "baton_store_commit_batch_size_count") - batchesBefore
let generatorMicros = (cpuSeconds(pid: getpid()) - selfCPUBefore) / peakAnswered * 1e6
if peakSource.ranOut { print("    WARNING: ran out of pre-signed messages; rerun with more --messages") }
print("    \(format(peak.rate, 0)) messages/s; p50 \(format(peak.percentile(0.5))) ms, p99 \(format(peak.percentile(0.99))) ms; statuses \(peak.statuses)")
print("    CPU per message: hub \(format(serverMicros, 0)) µs, load generator \(format(generatorMicros, 0)) µs")
print("    writer busy \(format(writerBusy * 100, 0))% of the phase; \(format(peakAnswered / max(peakBatches, 1), 1)) messages per durable commit")

if options.peakOnly {
    server.stop()
    try? await group.shutdownGracefully()
    if let output = options.output {
        let json: JSONValue = [
            "machine": ["cores": .number(Double(cores)), "cpu": .string(cpu), "memoryGiB": .number(Double(memory))],
            "serveArguments": .array(options.serveArguments.map(JSONValue.string)),
            "messageBytes": .number(meanSize.rounded()),
            "peak": ["messagesPerSecond": .number(peak.rate.rounded()), "p50ms": .number(peak.percentile(0.5)), "p99ms": .number(peak.percentile(0.99))],
            "ranOut": .bool(peakSource.ranOut),
            "statuses": .object(JSONObject(peak.statuses.sorted { $0.key < $1.key }.map { .init(name: String($0.key), value: .number(Double($0.value))) })),
            "cpuMicrosPerMessage": ["hub": .number(serverMicros.rounded()), "loadGenerator": .number(generatorMicros.rounded())],
            "writerBusy": .number((writerBusy * 1000).rounded() / 1000),
            "messagesPerCommit": .number((peakAnswered / max(peakBatches, 1) * 10).rounded() / 10),
        ]
        try json.serializedString().write(toFile: output, atomically: true, encoding: .utf8)
    }
    try? FileManager.default.removeItem(at: folder)
    exit(peakSource.ranOut ? 1 : 0)
}

let halfRate = peak.rate / 2
let halfCount = Int(halfRate * (options.warmUp + options.duration) * 1.15) + 1000
print("  signing \(halfCount) more referrals for phase 2 …")
let halfSource = BodySource(try await signReferrals(count: halfCount, key: key, seed: 1000))
print("  phase 2, half the peak: open loop at \(format(halfRate, 0)) messages/s, \(options.connections) connections …")
let half = try await LoadGenerator.run(
    group: group, host: "127.0.0.1", port: server.port, source: halfSource, connections: options.connections, rate: halfRate,
    warmUp: options.warmUp, duration: options.duration)
if halfSource.ranOut { print("    WARNING: ran out of pre-signed messages") }
print("    \(format(half.rate, 0)) messages/s; p50 \(format(half.percentile(0.5))) ms, p99 \(format(half.percentile(0.99))) ms; statuses \(half.statuses)")

/// A counter or summary field from the hub's `/metrics` (0 if absent).
func hubMetric(port: Int, _ name: String) -> Double {
    shell("curl -s http://127.0.0.1:\(port)/metrics").split(separator: "\n")
        .first { $0.hasPrefix(name + " ") || $0.hasPrefix(name + "{") }?
        .split(separator: " ").last.flatMap { Double($0) } ?? 0
}

// Cross-check with the hub's own count of durable commits.
let metrics = shell("curl -s http://127.0.0.1:\(server.port)/metrics")
let acceptedByHub = metrics.split(separator: "\n").first { $0.hasPrefix(#"baton_intake_total{outcome="accepted"}"#) }?
    .split(separator: " ").last.flatMap { Int($0) } ?? -1
let batchLine = metrics.split(separator: "\n").filter { $0.hasPrefix("baton_store_commit_batch_size") }
server.stop()
try? await group.shutdownGracefully()

let ratio = peak.rate / verifyRate
let throughputMet = ratio >= 0.5
let latencyMet = half.percentile(0.99) <= 50
let accepted202 = peak.statuses[202, default: 0] + half.statuses[202, default: 0]
print("""

    Result (\(cores) cores; \(Int(meanSize))-byte Ed25519-signed referrals; durable SQLite commits)
      intake peak            \(format(peak.rate, 0)) messages/s   p50 \(format(peak.percentile(0.5))) ms   p99 \(format(peak.percentile(0.99))) ms
      openssl ed25519 verify \(format(verifyRate, 0)) /s (one core, same run)
      ratio                  \(format(ratio, 2)) × verify rate   target ≥ 0.50   \(throughputMet ? "MET" : "NOT MET")
      at half the peak       \(format(half.rate, 0)) messages/s   p50 \(format(half.percentile(0.5))) ms   p99 \(format(half.percentile(0.99))) ms   target p99 ≤ 50 ms   \(latencyMet ? "MET" : "NOT MET")
      CPU per message        hub \(format(serverMicros, 0)) µs, load generator \(format(generatorMicros, 0)) µs (\(cores) cores = \(format(Double(cores) * 1e6 / (serverMicros + generatorMicros), 0)) messages/s if CPU-bound)
      hub counted            \(acceptedByHub) accepted in total (the measured windows saw \(accepted202) answered 202)
    """)
if !batchLine.isEmpty { print("      commit batches         " + batchLine.filter { $0.contains("_sum") || $0.contains("_count") }.joined(separator: "  ")) }
if !floorRungs.isEmpty {
    print("\n    Floor (same load generator, messages and machine; each rung a server doing less than Baton)")
    for rung in floorRungs {
        let rungRatio = rung.result.rate / verifyRate
        print("      \(rung.mode.label.padding(toLength: 42, withPad: " ", startingAt: 0)) \(format(rung.result.rate, 0).leftPadded(6)) messages/s   ratio \(format(rungRatio, 2))   \(rungRatio >= 0.5 ? "could meet 0.50" : "below 0.50")   CPU per message: server \(format(rung.serverMicros, 0)) µs, load generator \(format(rung.generatorMicros, 0)) µs")
    }
    print("      \("baton serve: Baton's store + deciding".padding(toLength: 42, withPad: " ", startingAt: 0)) \(format(peak.rate, 0).leftPadded(6)) messages/s   ratio \(format(ratio, 2))")
}

if let output = options.output {
    let json: JSONValue = [
        "machine": ["cores": .number(Double(cores)), "cpu": .string(cpu), "memoryGiB": .number(Double(memory))],
        "messageBytes": .number(meanSize.rounded()),
        "opensslEd25519VerifyPerSecond": .number(verifyRate),
        "peak": ["messagesPerSecond": .number(peak.rate.rounded()), "p50ms": .number(peak.percentile(0.5)), "p99ms": .number(peak.percentile(0.99))],
        "half": ["messagesPerSecond": .number(half.rate.rounded()), "p50ms": .number(half.percentile(0.5)), "p99ms": .number(half.percentile(0.99))],
        "ratio": .number((ratio * 1000).rounded() / 1000),
        "cpuMicrosPerMessage": ["hub": .number(serverMicros.rounded()), "loadGenerator": .number(generatorMicros.rounded())],
        "writerBusy": .number((writerBusy * 1000).rounded() / 1000),
        "throughputTargetMet": .bool(throughputMet), "latencyTargetMet": .bool(latencyMet),
        "floor": .array(floorRungs.map { rung in
            [
                "server": .string(rung.mode.rawValue), "messagesPerSecond": .number(rung.result.rate.rounded()),
                "p50ms": .number(rung.result.percentile(0.5)), "p99ms": .number(rung.result.percentile(0.99)),
                "ratio": .number((rung.result.rate / verifyRate * 1000).rounded() / 1000),
                "cpuMicrosPerMessage": ["server": .number(rung.serverMicros.rounded()), "loadGenerator": .number(rung.generatorMicros.rounded())],
            ]
        }),
    ]
    try json.serializedString().write(toFile: output, atomically: true, encoding: .utf8)
}
try? FileManager.default.removeItem(at: folder)
exit(throughputMet && latencyMet ? 0 : 1)
