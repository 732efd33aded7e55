import BatonAudit
import BatonCore
import BatonSigning
import BatonStore
import Foundation
import GRDB

/// That ``LogBuilder`` writes exactly what the store's own append writes: `count` entries appended
/// through `SQLiteStore.write` with a tree-head signer (each write becomes one entry, appended by
/// `SQLiteTransaction.appendAuditEntry`, and one signed head), then the stored entries' bytes run
/// through ``LogBuilder/nodes(appending:to:)``: every `audit_node` row must be the same, in number,
/// place and hash, and every signed head's root the builder's root at its size.
enum AppendCheck {
    static func run(folder: URL, count: Int, hubKey: HubKey) async throws -> Int {
        let path = folder.appendingPathComponent("append-check.sqlite").path
        LogBuilder.removeDatabase(path)
        let store = try SQLiteStore(path: path, treeHeadSigner: { size, root, at in
            try SignedTreeHead(size: size, root: root, at: at).sign(with: hubKey)
        })
        for n in 0..<count {
            try await store.write { transaction in
                try transaction.apply(.event("bench.append-check", ["n": .number(Double(n)), "padding": .string(String(repeating: "x", count: n % 37))]))
            }
        }
        try await store.close()

        let queue = try DatabaseQueue(path: path)
        let (bodies, stored, heads) = try await queue.read { db in
            (
                try Data.fetchAll(db, sql: "SELECT body FROM audit_entry ORDER BY idx").map { Array($0) },
                try Row.fetchAll(db, sql: "SELECT level, idx, hash FROM audit_node ORDER BY level, idx").map {
                    "\($0[0] as Int)/\($0[1] as Int)/\(Array($0[2] as Data).hexString)"
                },
                try Row.fetchAll(db, sql: "SELECT tree_size, root FROM audit_head ORDER BY tree_size").map { ($0[0] as Int, Array($0[1] as Data)) }
            )
        }
        try queue.close()
        LogBuilder.removeDatabase(path)

        guard bodies.count == count, heads.count == count else {
            throw BenchFailure("the store's append wrote \(bodies.count) entries and \(heads.count) heads for \(count) writes")
        }
        var range = CompactRange()
        var built: [(Int, Int, Merkle.Hash)] = []
        var roots: [Int: Merkle.Hash] = [:]
        for body in bodies {
            for node in LogBuilder.nodes(appending: Merkle.leafHash(body), to: &range) { built.append((node.level, node.index, node.hash)) }
            roots[range.size] = range.root
        }
        let builtRows = built.sorted { ($0.0, $0.1) < ($1.0, $1.1) }.map { "\($0.0)/\($0.1)/\($0.2.hexString)" }
        guard builtRows == stored else {
            let first = zip(builtRows, stored).first { $0 != $1 }
            throw BenchFailure("the builder's audit_node rows differ from the store's append (\(builtRows.count) vs \(stored.count) rows; first: \(first.map { "\($0) vs \($1)" } ?? "-"))")
        }
        for (size, root) in heads where roots[size] != root {
            throw BenchFailure("the store's signed head of size \(size) has a root the builder does not compute")
        }
        return stored.count
    }
}
