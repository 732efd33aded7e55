import Crypto
import Foundation

/// RFC 6962 (Certificate Transparency) Merkle tree hashing, proofs and their verification
/// (RFC 9162 §2.1). Leaves are `SHA-256(0x00 ‖ entry)`, interior nodes `SHA-256(0x01 ‖ left ‖ right)`;
/// the tree over `n` leaves splits at the largest power of two below `n`.
///
/// Stores keep the hash of every *perfect aligned subtree* (level `l`, index `i` covers leaves
/// `i·2^l ..< (i+1)·2^l`), about two per leaf; any root or proof is then a few dozen lookups
/// (``MerkleNodes``).
public enum Merkle {
    public typealias Hash = [UInt8]

    public static func leafHash(_ entry: some Sequence<UInt8>) -> Hash {
        var hasher = SHA256()
        hasher.update(data: [0])
        hasher.update(data: Array(entry))
        return Array(hasher.finalize())
    }

    public static func nodeHash(_ left: Hash, _ right: Hash) -> Hash {
        var hasher = SHA256()
        hasher.update(data: [1])
        hasher.update(data: left)
        hasher.update(data: right)
        return Array(hasher.finalize())
    }

    /// The root of the empty tree: SHA-256 of nothing.
    public static let emptyRoot: Hash = Array(SHA256.hash(data: [UInt8]()))

    /// The largest power of two strictly below `n` (n ≥ 2).
    static func split(_ n: Int) -> Int {
        var k = 1
        while k << 1 < n { k <<= 1 }
        return k
    }

    /// MTH of leaves `start ..< end` (start aligned as in RFC 6962's recursion).
    public static func hash(_ start: Int, _ end: Int, in nodes: some MerkleNodes) throws -> Hash {
        let size = end - start
        precondition(size > 0)
        if size & (size - 1) == 0, start % size == 0 {
            return try nodes.node(level: size.trailingZeroBitCount, index: start / size)
        }
        let k = split(size)
        return nodeHash(try hash(start, start + k, in: nodes), try hash(start + k, end, in: nodes))
    }

    public static func root(size: Int, in nodes: some MerkleNodes) throws -> Hash {
        size == 0 ? emptyRoot : try hash(0, size, in: nodes)
    }

    /// The audit path of leaf `index` in the tree of `size` leaves (RFC 6962 §2.1.1), leaf-side first.
    public static func inclusionProof(index: Int, size: Int, in nodes: some MerkleNodes) throws -> [Hash] {
        precondition(index >= 0 && index < size)
        var proof: [Hash] = []
        func path(_ m: Int, _ start: Int, _ end: Int) throws {
            let n = end - start
            guard n > 1 else { return }
            let k = split(n)
            if m < k {
                try path(m, start, start + k)
                proof.append(try hash(start + k, end, in: nodes))
            } else {
                try path(m - k, start + k, end)
                proof.append(try hash(start, start + k, in: nodes))
            }
        }
        try path(index, 0, size)
        return proof
    }

    /// The consistency proof between the trees of `oldSize` and `newSize` leaves (RFC 6962 §2.1.2).
    public static func consistencyProof(from oldSize: Int, to newSize: Int, in nodes: some MerkleNodes) throws -> [Hash] {
        precondition(oldSize >= 0 && oldSize <= newSize)
        guard oldSize > 0, oldSize < newSize else { return [] }
        var proof: [Hash] = []
        func subproof(_ m: Int, _ start: Int, _ end: Int, _ complete: Bool) throws {
            let n = end - start
            if m == n {
                if !complete { proof.append(try hash(start, end, in: nodes)) }
                return
            }
            let k = split(n)
            if m <= k {
                try subproof(m, start, start + k, complete)
                proof.append(try hash(start + k, end, in: nodes))
            } else {
                try subproof(m - k, start + k, end, false)
                proof.append(try hash(start, start + k, in: nodes))
            }
        }
        try subproof(oldSize, 0, newSize, true)
        return proof
    }

    /// RFC 9162 §2.1.3.2: whether `proof` shows the leaf with `leafHash` at `index` is in the tree
    /// of `size` leaves with `root`.
    public static func verifyInclusion(leafHash: Hash, index: Int, size: Int, proof: [Hash], root: Hash) -> Bool {
        guard index >= 0, index < size else { return false }
        var fn = index
        var sn = size - 1
        var r = leafHash
        for p in proof {
            if sn == 0 { return false }
            if fn & 1 == 1 || fn == sn {
                r = nodeHash(p, r)
                if fn & 1 == 0 {
                    while fn & 1 == 0, fn != 0 {
                        fn >>= 1
                        sn >>= 1
                    }
                }
            } else {
                r = nodeHash(r, p)
            }
            fn >>= 1
            sn >>= 1
        }
        return sn == 0 && r == root
    }

    /// RFC 9162 §2.1.4.2: whether `proof` shows the tree of `newSize` leaves with `newRoot` extends
    /// the tree of `oldSize` leaves with `oldRoot`.
    public static func verifyConsistency(oldSize: Int, newSize: Int, oldRoot: Hash, newRoot: Hash, proof: [Hash]) -> Bool {
        guard oldSize >= 0, oldSize <= newSize else { return false }
        if oldSize == newSize { return proof.isEmpty && oldRoot == newRoot }
        if oldSize == 0 { return proof.isEmpty }
        guard !proof.isEmpty else { return false }
        var path = proof
        if oldSize & (oldSize - 1) == 0 { path.insert(oldRoot, at: 0) }
        var fn = oldSize - 1
        var sn = newSize - 1
        while fn & 1 == 1 {
            fn >>= 1
            sn >>= 1
        }
        var fr = path[0]
        var sr = path[0]
        for c in path.dropFirst() {
            if sn == 0 { return false }
            if fn & 1 == 1 || fn == sn {
                fr = nodeHash(c, fr)
                sr = nodeHash(c, sr)
                if fn & 1 == 0 {
                    while fn & 1 == 0, fn != 0 {
                        fn >>= 1
                        sn >>= 1
                    }
                }
            } else {
                sr = nodeHash(sr, c)
            }
            fn >>= 1
            sn >>= 1
        }
        return sn == 0 && fr == oldRoot && sr == newRoot
    }
}

/// Where the hashes of perfect aligned subtrees are kept.
public protocol MerkleNodes {
    /// The hash of the perfect subtree at `level` (0 = leaves) and `index`.
    func node(level: Int, index: Int) throws -> Merkle.Hash
}

/// The right edge of a growing tree: the perfect subtrees its size decomposes into, largest
/// first. Appending a leaf merges equal-sized subtrees; the root folds them from the right. Used
/// to verify a log in one pass, and by stores to know which nodes an append completes.
public struct CompactRange: Sendable, Equatable {
    public private(set) var size = 0
    /// (level, hash), largest subtree first.
    public private(set) var nodes: [(level: Int, hash: Merkle.Hash)] = []

    public init() {}

    public static func == (lhs: CompactRange, rhs: CompactRange) -> Bool {
        lhs.size == rhs.size && lhs.nodes.map(\.hash) == rhs.nodes.map(\.hash)
    }

    /// Appends a leaf hash; calls `completed` for every interior node the append completes
    /// (level ≥ 1, index, hash), so a store can keep it.
    public mutating func append(_ leaf: Merkle.Hash, completed: (Int, Int, Merkle.Hash) -> Void = { _, _, _ in }) {
        var level = 0
        var hash = leaf
        var index = size
        while let last = nodes.last, last.level == level {
            nodes.removeLast()
            hash = Merkle.nodeHash(last.hash, hash)
            level += 1
            index >>= 1
            completed(level, index, hash)
        }
        nodes.append((level, hash))
        size += 1
    }

    public var root: Merkle.Hash {
        guard var root = nodes.last?.hash else { return Merkle.emptyRoot }
        for node in nodes.dropLast().reversed() { root = Merkle.nodeHash(node.hash, root) }
        return root
    }
}

/// Node hashes held in memory, level by level (tests, and verifying an exported log).
public struct InMemoryMerkleNodes: MerkleNodes, Sendable {
    public private(set) var levels: [[Merkle.Hash]] = [[]]

    public init() {}

    public mutating func append(leafHash: Merkle.Hash) {
        levels[0].append(leafHash)
        var level = 0
        while levels[level].count % 2 == 0 {
            let count = levels[level].count
            let parent = Merkle.nodeHash(levels[level][count - 2], levels[level][count - 1])
            if levels.count == level + 1 { levels.append([]) }
            levels[level + 1].append(parent)
            level += 1
        }
    }

    public var size: Int { levels[0].count }

    public func node(level: Int, index: Int) throws -> Merkle.Hash {
        guard level < levels.count, index < levels[level].count else { throw MissingNode(level: level, index: index) }
        return levels[level][index]
    }
}

public struct MissingNode: Error, CustomStringConvertible {
    public let level: Int
    public let index: Int

    public init(level: Int, index: Int) {
        self.level = level
        self.index = index
    }

    public var description: String { "the audit log has no node at level \(level), index \(index)" }
}
