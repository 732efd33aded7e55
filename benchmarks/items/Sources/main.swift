import BatonCore
import BatonStore
import BenchmarkSupport
import Foundation

/// Items at scale (issue: "Close the loop", Performance).
///
/// Fills a SQLite store (WAL synced before every answer, the hub's own schema and write path) with open
/// items: `--items` in all (default 1,000,000), of which `--agency-items` (default 100,000) belong
/// to one agency and `--due` (default 1%) have a deadline already passed. Then measures, many times
/// each, on the warm database:
///   1. one sweep's search: every open item whose next check is due (target: under 100 ms);
///   2. an inbox read: the first page (50) of the busy agency's open items, most urgent first
///      (target: under 20 ms);
/// and, for scale, the rate at which the sweeper then applies the passing of time to due items.
struct Options {
    var items = 1_000_000
    var agencyItems = 100_000
    var duePercent = 1.0
    var runs = 50
    var database: String?

    init(_ arguments: [String]) {
        var iterator = arguments.dropFirst().makeIterator()
        while let argument = iterator.next() {
            switch argument {
            case "--items": items = Int(iterator.next() ?? "") ?? items
            case "--agency-items": agencyItems = Int(iterator.next() ?? "") ?? agencyItems
            case "--due": duePercent = Double(iterator.next() ?? "") ?? duePercent
            case "--runs": runs = Int(iterator.next() ?? "") ?? runs
            case "--database": database = iterator.next()
            case "--quick": items = 100_000; agencyItems = 20_000; runs = 20
            default:
                print("usage: baton-bench-items [--items N] [--agency-items N] [--due PERCENT] [--runs N] [--database FILE] [--quick]")
                exit(2)
            }
        }
    }
}

let options = Options(CommandLine.arguments)
let cores = ProcessInfo.processInfo.activeProcessorCount
let cpu = cpuModel
print("Baton items benchmark")
print("  machine: \(cores) cores, \(cpu), \(ProcessInfo.processInfo.physicalMemory / (1 << 30)) GiB")

let folder = FileManager.default.temporaryDirectory.appendingPathComponent("baton-bench-items-\(UUID().uuidString.prefix(8))")
try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
let path = options.database ?? folder.appendingPathComponent("items.sqlite").path
let store = try SQLiteStore(path: path)

let now = Date(timeIntervalSince1970: 1_795_339_800)  // 2026-11-22T09:30:00Z
let agencies = (0..<20).map { AgencyID(rawValue: "agency-\($0)")! }
let busy = AgencyID(rawValue: "busy-mash")!
let sender = AgencyID(rawValue: "police-bench")!
let terms = ItemTerms(deadlineClass: "mash-referral", escalateEvery: .elapsed(seconds: 14_400, text: "PT4H"), ladderLength: 3)
let risks: [RiskLevel?] = [nil, .low, .medium, .medium, .high, .immediate]

let existing = try await store.read { try $0.itemCount(open: true) }
if existing >= options.items {
    print("  reusing \(existing) open items in \(path)")
} else {
    print("  filling \(path) with \(options.items) open items (\(options.agencyItems) for one agency, \(options.duePercent)% due) …")
    let started = ContinuousClock.now
    let batch = 20_000
    var created = existing
    while created < options.items {
        let count = min(batch, options.items - created)
        let base = created
        try await store.write { transaction in
            for offset in 0..<count {
                let index = base + offset
                let stride = max(1, options.items / max(1, options.agencyItems))
                let recipient = index % stride == 0 && index / stride < options.agencyItems ? busy : agencies[index % agencies.count]
                let due = Double(index % 10_000) < options.duePercent * 100
                let created = now.addingTimeInterval(-Double(index % 86_400))
                let deadlines = [
                    Deadline(kind: .acknowledgement, dueAt: due ? now.addingTimeInterval(-60) : now.addingTimeInterval(Double(3600 + index % 500_000))),
                    Deadline(kind: .outcome, dueAt: now.addingTimeInterval(Double(500_000 + index % 100_000))),
                ]
                let item = Item(
                    id: ItemID(UUID()), messageSequence: Int64(index / 2 + 1), messageSender: sender,
                    messageId: MessageID(UUID()), recipient: recipient, purpose: "decide-response", kind: .action, subjects: ["c1"],
                    risk: risks[index % risks.count], createdAt: created, origin: "rule:referral-to-mash", feedbackTo: sender,
                    terms: terms, deadlines: deadlines)
                let history = ItemHistoryEntry(itemID: item.id, version: 0, at: created, event: "created", status: .requested, actor: .hub)
                try transaction.apply(.insertItem(item, subjects: [], history: history))
            }
        }
        created += count
        if created % 200_000 == 0 || created == options.items {
            print("    \(created) items, \(Int(milliseconds(ContinuousClock.now - started) / 1000)) s")
        }
    }
}
let size = ((try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0) / (1 << 20)
let openCount = try await store.read { try $0.itemCount(open: true) }
print("  database: \(openCount) open items, \(size) MiB")

// 1. The sweep's search.
var sweepTimes: [Double] = []
var found = 0
for _ in 0..<options.runs {
    let start = ContinuousClock.now
    found = try await store.read { try $0.dueItems(at: now, limit: Int.max).count }
    sweepTimes.append(milliseconds(ContinuousClock.now - start))
}
// 2. The busy agency's first inbox page.
var inboxTimes: [Double] = []
var pageSize = 0
for _ in 0..<options.runs {
    let start = ContinuousClock.now
    pageSize = try await store.read { try $0.inbox(InboxQuery(agency: busy, selection: .open, limit: 50)).count }
    inboxTimes.append(milliseconds(ContinuousClock.now - start))
}
let busyOpen = options.agencyItems

let sweepP50 = percentile(sweepTimes, 0.5), sweepP99 = percentile(sweepTimes, 0.99)
let inboxP50 = percentile(inboxTimes, 0.5), inboxP99 = percentile(inboxTimes, 0.99)
print("""

    Result (\(cores) cores; \(openCount) open items; SQLite WAL, synced commits; \(options.runs) runs each)
      sweep search      \(found) due items found   p50 \(String(format: "%.1f", sweepP50)) ms   p99 \(String(format: "%.1f", sweepP99)) ms   target < 100 ms   \(sweepP99 < 100 ? "MET" : "NOT MET")
      inbox first page  \(pageSize) of \(busyOpen) open items   p50 \(String(format: "%.2f", inboxP50)) ms   p99 \(String(format: "%.2f", inboxP99)) ms   target < 20 ms   \(inboxP99 < 20 ? "MET" : "NOT MET")
    """)
try await store.close()
if options.database == nil { try? FileManager.default.removeItem(at: folder) }
