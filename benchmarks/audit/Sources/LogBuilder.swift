import BatonAudit
import BatonCore
import BatonSigning
import BatonStore
import Foundation
import GRDB

/// What a built log holds, kept beside its database (`<database>.json`) so that reruns reuse it.
struct BuiltLog: Codable {
    /// Bumped whenever the builder or the entries change, so an old cache is rebuilt.
    static let currentFormat = 1

    var format: Int
    var entries: Int
    /// Intake entries the size the hub writes them (``SyntheticEntries/hubSized``).
    var hubSized: Bool
    var heads: Int
    var checkpoints: Int
    var bodyBytes: Int
    var smallestBody: Int
    var largestBody: Int
    var root: String
    var buildSeconds: Double
    var checkSeconds: Double
    var databaseBytes: Int
    var builtAt: String
    var seed: UInt64

    var meanBody: Double { Double(bodyBytes) / Double(max(entries, 1)) }
}

/// Fills a SQLite store (the hub's own schema, created by `SQLiteStore`'s migrations) with an audit
/// log of `entries` synthetic entries by bulk insertion: the rows the store's append writes
/// (`audit_entry`; `audit_node` for the leaf and every interior node it completes, in the same
/// order) and a hub-signed tree head per commit, commits being 1–59 entries (30 on average), with
/// a checkpoint about every 60 s of the log's time (the hub's default interval). Entries are 0.1 s
/// apart on average: a busy hub's 10 a second.
///
/// It is much faster than appending through the store (no per-entry reads of sibling nodes, one
/// transaction per 100,000 entries, no journal), and produces the same rows: ``AppendCheck``
/// compares the two, and ``check(path:expected:hubKey:)`` recomputes the built log independently.
enum LogBuilder {
    /// The rows for one appended leaf, in the order `SQLiteTransaction.appendAuditEntry` inserts
    /// them: the leaf (level 0), then each interior node it completes, lowest first.
    static func nodes(appending leaf: Merkle.Hash, to range: inout CompactRange) -> [(level: Int, index: Int, hash: Merkle.Hash)] {
        var rows = [(level: 0, index: range.size, hash: leaf)]
        range.append(leaf) { level, index, hash in rows.append((level, index, hash)) }
        return rows
    }

    static func removeDatabase(_ path: String) {
        for suffix in ["", "-wal", "-shm", ".json"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }

    static func build(path: String, entries: Int, hubSized: Bool, seed: UInt64, hubKey: HubKey) async throws -> BuiltLog {
        let partial = path + ".partial"
        removeDatabase(path)
        removeDatabase(partial)
        let started = ContinuousClock.now
        // The hub's schema, by its own migrations.
        let store = try SQLiteStore(path: partial)
        try await store.close()

        let filled = try fill(path: partial, entries: entries, hubSized: hubSized, seed: seed, hubKey: hubKey, started: started)
        let buildSeconds = (ContinuousClock.now - started).seconds
        let size = (try? FileManager.default.attributesOfItem(atPath: partial)[.size] as? Int) ?? 0
        for suffix in ["", "-wal", "-shm"] where FileManager.default.fileExists(atPath: partial + suffix) {
            try FileManager.default.moveItem(atPath: partial + suffix, toPath: path + suffix)
        }
        var built = filled
        built.buildSeconds = buildSeconds
        built.databaseBytes = size
        return built
    }

    /// The bulk insertion itself, on one connection (synchronous GRDB).
    private static func fill(
        path partial: String, entries: Int, hubSized: Bool, seed: UInt64, hubKey: HubKey, started: ContinuousClock.Instant
    ) throws -> BuiltLog {
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            // A cache being built: nothing to recover after a crash (the file is only renamed into
            // place once complete), so no journal and no syncs.
            try db.execute(sql: "PRAGMA journal_mode = OFF")
            try db.execute(sql: "PRAGMA synchronous = OFF")
            try db.execute(sql: "PRAGMA cache_size = -262144")
        }
        let queue = try DatabaseQueue(path: partial, configuration: configuration)
        var generator = SyntheticEntries(seed: seed, hubSized: hubSized)
        var random = SeededRandom(seed: seed ^ 0x5EED)
        var range = CompactRange()
        var heads = 0
        var checkpoints = 0
        var bodyBytes = 0
        var smallest = Int.max
        var largest = 0
        let start = Date(timeIntervalSince1970: 1_793_577_600)  // 2026-11-01T00:00:00Z
        var milliseconds: Int64 = 0
        var lastCheckpoint: Int64 = 0
        var nextHead = 1 + random.below(59)
        let transactionSize = 100_000
        var lastReport = ContinuousClock.now

        try queue.writeWithoutTransaction { db in
            let insertEntry = try db.makeStatement(sql: "INSERT INTO audit_entry (idx, at, body) VALUES (?, ?, ?)")
            let insertNode = try db.makeStatement(sql: "INSERT INTO audit_node (level, idx, hash) VALUES (?, ?, ?)")
            let insertHead = try db.makeStatement(sql: "INSERT INTO audit_head (tree_size, root, at, jws, checkpoint) VALUES (?, ?, ?, ?, ?)")
            var index = 0
            while index < entries {
                try db.inTransaction {
                    let end = min(entries, index + transactionSize)
                    while index < end {
                        milliseconds += Int64(random.below(200))
                        let at = Date(timeIntervalSince1970: start.timeIntervalSince1970 + Double(milliseconds) / 1000)
                        let body = generator.body(index: index, at: at)
                        bodyBytes += body.count
                        smallest = min(smallest, body.count)
                        largest = max(largest, body.count)
                        try insertEntry.execute(arguments: [index, Int64(start.timeIntervalSince1970 * 1000) + milliseconds, Data(body)])
                        for node in nodes(appending: Merkle.leafHash(body), to: &range) {
                            try insertNode.execute(arguments: [node.level, node.index, Data(node.hash)])
                        }
                        index += 1
                        // The commit that appended this entry signs the tree head (and so does the
                        // last, so that every entry is covered).
                        if index == nextHead || index == entries {
                            let checkpoint = milliseconds - lastCheckpoint >= 60_000 || index == entries
                            if checkpoint {
                                lastCheckpoint = milliseconds
                                checkpoints += 1
                            }
                            let root = range.root
                            let jws = try SignedTreeHead(size: Int64(index), root: root, at: at).sign(with: hubKey)
                            try insertHead.execute(arguments: [
                                index, Data(root), Int64(start.timeIntervalSince1970 * 1000) + milliseconds, jws, checkpoint,
                            ])
                            heads += 1
                            nextHead = index + 1 + random.below(59)
                        }
                    }
                    return .commit
                }
                if ContinuousClock.now - lastReport > .seconds(15) || index == entries {
                    lastReport = ContinuousClock.now
                    let seconds = (ContinuousClock.now - started).seconds
                    print("    \(index.formatted()) entries, \(heads.formatted()) signed heads, \(Int(seconds)) s (\(Int(Double(index) / seconds).formatted()) entries/s)")
                }
            }
            // Back to the hub's journal mode.
            try db.execute(sql: "PRAGMA journal_mode = WAL")
        }
        try queue.close()
        return BuiltLog(
            format: BuiltLog.currentFormat, entries: entries, hubSized: hubSized, heads: heads, checkpoints: checkpoints, bodyBytes: bodyBytes,
            smallestBody: smallest, largestBody: largest, root: range.root.hexString, buildSeconds: 0, checkSeconds: 0,
            databaseBytes: 0, builtAt: RFC3339.format(Date()), seed: seed)
    }

    /// Checks a built log three ways before anything is measured on it, and throws at the first
    /// difference:
    ///   1. through `SQLiteStore`'s public read API, every entry read back and hashed again into an
    ///      independent `CompactRange`: each stored leaf hash, every signed tree head's root at its
    ///      size (and every 97th head's signature, and the last's), the final root;
    ///   2. `Merkle.root(size:in:)` over the stored `audit_node` rows (the store's own lookup), and
    ///      their count (2n − popcount(n) for n leaves);
    ///   3. the builder's own root.
    static func check(path: String, expected: BuiltLog, hubKey: HubKey) async throws -> Double {
        let started = ContinuousClock.now
        let keys = [hubKey.kid: hubKey.key.publicKey]
        let store = try SQLiteStore(path: path)
        let recomputed = try await store.read { reader -> Merkle.Hash in
            guard try reader.auditSize() == Int64(expected.entries) else {
                throw BenchFailure("the store holds \(try reader.auditSize()) entries, not \(expected.entries)")
            }
            var heads: [TreeHead] = []
            try reader.forEachTreeHead { heads.append($0) }
            guard heads.count == expected.heads, let latest = try reader.latestTreeHead(), latest.size == Int64(expected.entries) else {
                throw BenchFailure("the store holds \(heads.count) signed heads (expected \(expected.heads)) or none covers every entry")
            }
            var range = CompactRange()
            var next = 0
            var problem: String?
            try reader.forEachAuditEntry { entry in
                guard problem == nil else { return }
                let leaf = Merkle.leafHash(entry.body)
                guard entry.index == Int64(range.size), entry.leafHash == leaf else {
                    problem = "entry \(entry.index): its stored leaf hash is not the hash of its bytes"
                    return
                }
                range.append(leaf)
                while next < heads.count, heads[next].size == Int64(range.size) {
                    let head = heads[next]
                    if head.root != range.root { problem = "the signed head of size \(head.size) does not match the entries" }
                    if next % 97 == 0 || next == heads.count - 1 {
                        guard let signed = try? SignedTreeHead.verify(head.jws, keys: keys), signed.size == head.size, signed.root == head.root else {
                            problem = "the signed head of size \(head.size) does not verify"
                            return
                        }
                    }
                    next += 1
                }
            }
            if let problem { throw BenchFailure(problem) }
            guard next == heads.count else { throw BenchFailure("\(heads.count - next) signed heads match no size of the log") }
            return range.root
        }
        try await store.close()

        let queue = try DatabaseQueue(path: path, configuration: { var c = Configuration(); c.readonly = true; return c }())
        let (stored, count) = try await queue.read { db in
            (try Merkle.root(size: expected.entries, in: StoredNodes(db: db)), try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM audit_node") ?? 0)
        }
        try queue.close()
        let expectedCount = 2 * expected.entries - expected.entries.nonzeroBitCount
        guard count == expectedCount else { throw BenchFailure("audit_node holds \(count) rows, not \(expectedCount)") }
        guard recomputed.hexString == expected.root, stored.hexString == expected.root else {
            throw BenchFailure("roots differ: built \(expected.root), recomputed \(recomputed.hexString), from the stored nodes \(stored.hexString)")
        }
        return (ContinuousClock.now - started).seconds
    }
}

/// The stored `audit_node` rows, looked up as the store looks them up (`SQLiteAuditLog.swift`).
struct StoredNodes: MerkleNodes {
    let db: Database

    func node(level: Int, index: Int) throws -> Merkle.Hash {
        let statement = try db.cachedStatement(sql: "SELECT hash FROM audit_node WHERE level = ? AND idx = ?")
        guard let data = try Data.fetchOne(statement, arguments: [level, index]) else { throw MissingNode(level: level, index: index) }
        return Array(data)
    }
}

struct BenchFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
    var microseconds: Double { seconds * 1e6 }
}
