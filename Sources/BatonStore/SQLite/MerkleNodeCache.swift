import BatonAudit
import Foundation
import GRDB
import Synchronization

/// The upper levels of the audit log's Merkle tree, kept in memory so that a proof reads only the
/// few nodes near its leaf from SQLite.
///
/// A proof at ten million entries needs about 24 hashes (inclusion) or 48 (consistency); all but
/// the lowest few are nodes at high levels, spread over the whole `audit_node` table. Those are a
/// small fraction of the tree (1/128 of the nodes from level ``lowestLevel`` up: about 80,000 at ten
/// million entries, a few megabytes) and a node never changes once written, so the store loads them
/// at open and keeps what reads find after that. Only committed nodes are kept: the cache is filled
/// at open and by read transactions, never by a write that might roll back.
final class MerkleNodeCache: Sendable {
    /// Nodes at this level and above are cached (each covers 256 entries or more).
    static let lowestLevel = 8
    /// A bound on memory, whatever the log's size: nodes beyond it are read from SQLite.
    static let capacity = 2_000_000

    private let nodes = Mutex<[Int64: Merkle.Hash]>([:])

    private static func key(_ level: Int, _ index: Int) -> Int64 { Int64(level) << 56 | Int64(index) }

    /// Loads every committed node at ``lowestLevel`` and above.
    func load(_ db: Database) throws {
        var loaded: [Int64: Merkle.Hash] = [:]
        let cursor = try Row.fetchCursor(db, sql: "SELECT level, idx, hash FROM audit_node WHERE level >= ? ORDER BY level DESC", arguments: [Self.lowestLevel])
        while loaded.count < Self.capacity, let row = try cursor.next() {
            let hash: [UInt8] = Array(row[2] as Data)
            loaded[Self.key(row[0], row[1])] = hash
        }
        nodes.withLock { $0 = loaded }
    }

    func node(level: Int, index: Int) -> Merkle.Hash? {
        guard level >= Self.lowestLevel else { return nil }
        return nodes.withLock { $0[Self.key(level, index)] }
    }

    /// Keeps a node a read transaction found (committed, so it can never change).
    func keep(level: Int, index: Int, hash: Merkle.Hash) {
        guard level >= Self.lowestLevel else { return }
        nodes.withLock { nodes in
            if nodes.count < Self.capacity { nodes[Self.key(level, index)] = hash }
        }
    }
}
