import AsyncHTTPClient
import BatonCore
import BenchmarkSupport
import Foundation
import NIOCore
import NIOHTTP1

/// Web UI at scale (issue: the web UI, Performance): "With 1,000,000 items in the store, the inbox
/// and the auditor's loop-health page each render in under 300 ms on this machine."
///
/// 1. Fill (Fill.swift; skipped when `--database` already holds enough items): synthetic traffic
///    through the store's own write path.
/// 2. Measure: accounts made with the real CLI (`baton users add`), the real release `baton serve`
///    started as a child process on 127.0.0.1, signed in over HTTP like a browser (cookies and
///    CSRF by hand), then `--runs` timed GETs (after `--warmup`) of each page, one at a time:
///    the MASH lead's inbox, and the auditor's loop health for the default 30 days, the last 12
///    months and the whole 24 months. Each answer must be 200 and carry the page's content.
struct Options {
    var items = 1_000_000
    var runs = 30
    var warmup = 3
    var database: String?
    var baton: String?
    var port = 18_461
    var concurrency = 128
    var fillOnly = false
    var fresh = false

    init(_ arguments: [String]) {
        var iterator = arguments.dropFirst().makeIterator()
        while let argument = iterator.next() {
            switch argument {
            case "--items": items = Int(iterator.next() ?? "") ?? items
            case "--runs": runs = Int(iterator.next() ?? "") ?? runs
            case "--warmup": warmup = Int(iterator.next() ?? "") ?? warmup
            case "--database": database = iterator.next()
            case "--baton": baton = iterator.next()
            case "--port": port = Int(iterator.next() ?? "") ?? port
            case "--concurrency": concurrency = Int(iterator.next() ?? "") ?? concurrency
            case "--fill-only": fillOnly = true
            case "--fresh": fresh = true
            case "--quick": items = 100_000; runs = 10
            default:
                print("""
                    usage: baton-bench-web [--items N] [--runs N] [--warmup N] [--database FILE] [--fresh] [--baton PATH] [--port P]
                                           [--concurrency N] [--fill-only] [--quick]
                    """)
                exit(2)
            }
        }
    }
}

let options = Options(CommandLine.arguments)
let target = 300.0
let cores = ProcessInfo.processInfo.activeProcessorCount
let cpu = cpuModel
print("Baton web UI benchmark")
print("  machine: \(cores) cores, \(cpu), \(ProcessInfo.processInfo.physicalMemory / (1 << 30)) GiB")

let path = options.database ?? ".build-bench/web/items-\(options.items).sqlite"
try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent.isEmpty ? "." : (path as NSString).deletingLastPathComponent,
    withIntermediateDirectories: true)
if options.fresh {
    for suffix in ["", "-wal", "-shm", ".hub-key.jwk"] { try? FileManager.default.removeItem(atPath: path + suffix) }
}

// 1. Fill.
try await Filler(items: options.items, now: Date(), concurrency: options.concurrency).run(path: path)
let size = ((try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0) / (1 << 20)
print("  database: \(path), \(size) MiB")
if options.fillOnly { exit(0) }

// 2. Measure.
let batonPath = options.baton ?? URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("baton").path
guard FileManager.default.isExecutableFile(atPath: batonPath) else {
    print("no baton executable at \(batonPath) (build it: swift build -c release --product baton)")
    exit(2)
}

@discardableResult
func runCLI(_ arguments: [String], stdin: String? = nil) throws -> Int32 {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: batonPath)
    process.arguments = arguments
    let input = Pipe()
    process.standardInput = input
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    if let stdin { input.fileHandleForWriting.write(Data((stdin + "\n").utf8)) }
    try input.fileHandleForWriting.close()
    process.waitUntilExit()
    return process.terminationStatus
}

let location = ["--database", path, "--agencies", "agencies", "--policies", "policies"]
let password = "bench-passphrase-not-secret"
let accounts = [("bench.lead", "Bench Lead", "lead"), ("bench.auditor", "Bench Auditor", "auditor")]
for (username, name, role) in accounts {
    if try runCLI(["users", "add", username, "--name", name, "--agency", "northmoor-mash", "--role", role, "--password-stdin", "--cost", "10"] + location,
        stdin: password) != 0
    {
        // Already there (a reused database): set the password again, which also unlocks it.
        guard try runCLI(["users", "reset", username, "--password-stdin", "--cost", "10"] + location, stdin: password) == 0 else {
            throw BenchError("could not create or reset the account \(username)")
        }
    }
}

let server = Process()
server.executableURL = URL(fileURLWithPath: batonPath)
server.arguments = ["serve", "--host", "127.0.0.1", "--port", String(options.port), "--log-level", "warning"] + location
server.standardOutput = FileHandle.standardError
server.standardError = FileHandle.standardError
let serverStarted = ContinuousClock.now
try server.run()
print("  started baton serve (pid \(server.processIdentifier)) on 127.0.0.1:\(options.port)")

func stopServer() {
    guard server.isRunning else { return }
    server.terminate()
    let deadline = Date().addingTimeInterval(15)
    while server.isRunning && Date() < deadline { usleep(100_000) }
    if server.isRunning { kill(server.processIdentifier, SIGKILL) }
    server.waitUntilExit()
}

var configuration = HTTPClient.Configuration()
configuration.redirectConfiguration = .disallow
let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
let base = "http://127.0.0.1:\(options.port)"

struct Page {
    var name: String
    var path: String
    var cookie: String
    var check: (String) -> String?
}

func get(_ path: String, cookie: String? = nil) async throws -> (HTTPResponseStatus, HTTPHeaders, String) {
    var request = HTTPClientRequest(url: base + path)
    if let cookie { request.headers.add(name: "Cookie", value: cookie) }
    let response = try await client.execute(request, timeout: .seconds(120))
    let body = try await response.body.collect(upTo: 64 << 20)
    return (response.status, response.headers, String(buffer: body))
}

func cookieValue(_ headers: HTTPHeaders, _ name: String) -> String? {
    for header in headers["set-cookie"] {
        let pair = header.split(separator: ";")[0]
        let parts = pair.split(separator: "=", maxSplits: 1)
        if parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces) == name { return String(parts[1]) }
    }
    return nil
}

func signIn(_ username: String) async throws -> String {
    let (_, headers, page) = try await get("/ui/sign-in")
    guard let token = cookieValue(headers, "__Host-baton-sign-in"), let range = page.range(of: #"name="csrf" value=""#) else {
        throw BenchError("the sign-in page has no CSRF token")
    }
    let csrf = String(page[range.upperBound...].prefix { $0 != "\"" })
    var request = HTTPClientRequest(url: base + "/ui/sign-in")
    request.method = .POST
    request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
    request.headers.add(name: "Cookie", value: "__Host-baton-sign-in=\(token)")
    let form = ["username": username, "password": password, "csrf": csrf]
        .map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }.joined(separator: "&")
    request.body = .bytes(ByteBuffer(string: form))
    let response = try await client.execute(request, timeout: .seconds(60))
    _ = try await response.body.collect(upTo: 1 << 20)
    guard let session = cookieValue(response.headers, "__Host-baton-session"), !session.isEmpty else {
        throw BenchError("signing in as \(username) failed (HTTP \(response.status.code))")
    }
    return "__Host-baton-session=\(session)"
}

/// The number in the first `data-figure="<name>"` element, digits only.
func figure(_ page: String, _ name: String) -> Int? {
    guard let range = page.range(of: "data-figure=\"\(name)\">") else { return nil }
    return Int(page[range.upperBound...].prefix { $0 != "<" }.filter(\.isNumber))
}

var exitCode: Int32 = 0
do {
    // Wait for /healthz (start-up rebuilds the identity index from every stored match record).
    var healthy = false
    while !healthy {
        guard server.isRunning else { throw BenchError("baton serve exited (status \(server.terminationStatus))") }
        if ContinuousClock.now - serverStarted > .seconds(900) { throw BenchError("baton serve not healthy after 900 s") }
        if let (status, _, _) = try? await get("/healthz"), status == .ok { healthy = true } else { try await Task.sleep(for: .milliseconds(200)) }
    }
    print("  healthy after \(String(format: "%.1f", milliseconds(ContinuousClock.now - serverStarted) / 1000)) s")
    let lead = try await signIn("bench.lead")
    let auditor = try await signIn("bench.auditor")

    let calendar = { (days: Int) in RFC3339.utcDate(of: Date().addingTimeInterval(-Double(days) * 86_400)).description }
    let today = calendar(0)
    func loopHealthCheck(_ page: String) -> String? {
        guard let received = figure(page, "received") else { return "no data-figure=\"received\"" }
        return received > 0 ? nil : "received is 0"
    }
    let pages = [
        Page(name: "inbox (MASH lead, first 50 open)", path: "/ui/inbox", cookie: lead) { page in
            let rows = page.components(separatedBy: "data-item=").count - 1
            return rows == 50 ? nil : "\(rows) rows, not 50"
        },
        Page(name: "loop health, default (30 days)", path: "/ui/loop-health", cookie: auditor, check: loopHealthCheck),
        Page(name: "loop health, last 12 months", path: "/ui/loop-health?from=\(calendar(364))&to=\(today)", cookie: auditor, check: loopHealthCheck),
        Page(name: "loop health, whole 24 months", path: "/ui/loop-health?from=\(calendar(729))&to=\(today)", cookie: auditor, check: loopHealthCheck),
    ]

    var results: [(Page, [Double], Int, String)] = []
    for page in pages {
        var times: [Double] = []
        var bytes = 0
        var figures = ""
        for run in 0..<(options.warmup + options.runs) {
            let start = ContinuousClock.now
            let (status, _, body) = try await get(page.path, cookie: page.cookie)
            let elapsed = milliseconds(ContinuousClock.now - start)
            guard status == .ok else { throw BenchError("\(page.name): HTTP \(status.code)") }
            if let problem = page.check(body) { throw BenchError("\(page.name): \(problem)") }
            if run >= options.warmup { times.append(elapsed) }
            bytes = body.utf8.count
            if page.path.hasPrefix("/ui/loop-health") {
                figures = ["received", "acknowledged", "outcome", "referrer-told", "overdue-total", "referrals", "re-referrals"]
                    .map { "\($0) \(figure(body, $0).map(String.init) ?? "?")" }.joined(separator: ", ")
            } else {
                figures = "\(body.components(separatedBy: "data-item=").count - 1) rows"
            }
        }
        results.append((page, times, bytes, figures))
        print("    \(page.name): p50 \(String(format: "%.1f", percentile(times, 0.5))) ms — \(figures)")
    }

    print("""

        Result (\(cores) cores; \(options.items) items; real `baton serve` (release) over loopback HTTP; \(options.runs) runs each after \(options.warmup) warm-up; one request at a time)
        """)
    print("  page                                 p50 ms   p90 ms   p99 ms   max ms   target   p99/target   KiB   verdict")
    for (page, times, bytes, _) in results {
        let p99 = percentile(times, 0.99)
        let met = p99 < target
        if !met { exitCode = 1 }
        let name: String = page.name.padding(toLength: 36, withPad: " ", startingAt: 0)
        let values: [Double] = [percentile(times, 0.5), percentile(times, 0.9), p99, times.max() ?? 0]
        let columns: String = values.map { String(format: "%7.1f", $0) }.joined(separator: "  ")
        let ratio: String = String(format: "%9.2f", p99 / target)
        let kib: String = String(format: "%7d", bytes / 1024)
        let verdict: String = met ? "MET" : "NOT MET"
        print("  \(name)\(columns)   < \(Int(target))   \(ratio)\(kib)   \(verdict)")
    }
    print("  figures shown:")
    for (page, _, _, figures) in results { print("    \(page.name): \(figures)") }
} catch {
    print("benchmark failed: \(error)")
    exitCode = 2
}
stopServer()
try? await client.shutdown()
exit(exitCode)
