import BatonAudit
import BatonCore
import BatonSigning
import BatonStore
import Foundation
import Testing

/// The store's audit log: one entry per stored message and per write that changed something, in
/// the same transaction; the stored tree matches a recomputation from the entries; a refused
/// message leaves no entry; every commit's tree head is signed.
@Suite("Audit log in the SQLite store")
struct AuditLogStoreTests {
    let hubKey = HubKey(key: .generate(.edDSA))

    func store(path: String? = nil) throws -> SQLiteStore {
        let key = hubKey
        return try SQLiteStore(path: try path ?? temporaryDatabase(), treeHeadSigner: { size, root, at in
            try SignedTreeHead(size: size, root: root, at: at).sign(with: key)
        })
    }

    @Test("concurrent messages and writes each get one entry; the stored tree equals the entries' tree; every proof verifies")
    func entriesAndTree() async throws {
        let store = try store()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<120 {
                group.addTask {
                    if index % 4 == 0 {
                        try await store.write { try $0.apply(.event("test.event", ["n": .number(Double(index))])) }
                    } else {
                        _ = try await store.accept(incoming(), receipt: receiptMaker)
                    }
                }
            }
            try await group.waitForAll()
        }
        // A write that changes nothing leaves no entry.
        try await store.write { _ = try $0.messageCount() }
        let (size, entries, head, proofs) = try await store.read { reader in
            var entries: [AuditEntry] = []
            try reader.forEachAuditEntry { entries.append($0) }
            let head = try reader.latestTreeHead()
            let size = try reader.auditSize()
            let proofs = try (0..<size).map { try reader.inclusionProof(index: $0, size: size) }
            return (size, entries, head, proofs)
        }
        #expect(size == 120)
        #expect(entries.map(\.index) == Array(0..<120))
        var range = CompactRange()
        for entry in entries {
            #expect(Merkle.leafHash(entry.body) == entry.leafHash)
            #expect((try StrictJSON.parse(entry.body)).objectValue?["index"]?.numberValue == Double(entry.index))
            range.append(entry.leafHash)
        }
        let signed = try SignedTreeHead.verify(try #require(head?.jws), keys: SignedTreeHead.keys(fromJWKS: hubKey.jwks()))
        #expect(signed.size == 120)
        #expect(signed.root == range.root, "the signed root is the root of the entries")
        for (index, proof) in proofs.enumerated() {
            #expect(Merkle.verifyInclusion(leafHash: entries[index].leafHash, index: index, size: 120, proof: proof, root: signed.root))
        }
        let events = entries.filter { (try? StrictJSON.parse($0.body))?.objectValue?["event"]?.stringValue == "write" }
        #expect(events.count == 30)
        try await store.close()
    }

    @Test("a message its decider refuses leaves no entry, and the next message takes its place")
    func refusedLeavesNothing() async throws {
        let store = try store()
        struct Refused: Error {}
        _ = try await store.accept(incoming(), receipt: receiptMaker)
        await #expect(throws: Refused.self) {
            _ = try await store.accept(incoming()) { _, _, transaction in
                try transaction.apply(.event("never", [:]))
                throw Refused()
            }
        }
        _ = try await store.accept(incoming(), receipt: receiptMaker)
        let entries = try await store.read { reader -> [AuditEntry] in
            var entries: [AuditEntry] = []
            try reader.forEachAuditEntry { entries.append($0) }
            return entries
        }
        #expect(entries.map(\.index) == [0, 1])
        #expect(!entries.contains { String(decoding: $0.body, as: UTF8.self).contains("never") })
        try await store.close()
    }

    @Test("proofs read the tree's upper levels from memory: loaded at open, kept as reads find new ones, equal to the tree recomputed from the entries")
    func proofsWithCachedUpperLevels() async throws {
        let path = try temporaryDatabase()
        func writeEvents(_ store: SQLiteStore, _ range: Range<Int>) async throws {
            for n in range { try await store.write { try $0.apply(.event("test.event", ["n": .number(Double(n))])) } }
        }
        func check(_ store: SQLiteStore, sizes: [Int64]) async throws {
            let (entries, inclusion, consistency) = try await store.read { reader in
                var entries: [AuditEntry] = []
                try reader.forEachAuditEntry { entries.append($0) }
                let inclusion = try sizes.map { size in try (0..<size).map { try reader.inclusionProof(index: $0, size: size) } }
                let consistency = try sizes.dropLast().map { try reader.consistencyProof(from: $0, to: sizes.last!) }
                return (entries, inclusion, consistency)
            }
            var roots: [Int64: Merkle.Hash] = [:]
            var range = CompactRange()
            for entry in entries {
                range.append(entry.leafHash)
                if sizes.contains(Int64(range.size)) { roots[Int64(range.size)] = range.root }
            }
            for (n, size) in sizes.enumerated() {
                for index in 0..<Int(size) {
                    #expect(Merkle.verifyInclusion(
                        leafHash: entries[index].leafHash, index: index, size: Int(size), proof: inclusion[n][index], root: try #require(roots[size])))
                }
            }
            for (n, size) in sizes.dropLast().enumerated() {
                #expect(Merkle.verifyConsistency(
                    oldSize: Int(size), newSize: Int(sizes.last!), oldRoot: try #require(roots[size]), newRoot: try #require(roots[sizes.last!]),
                    proof: consistency[n]))
            }
        }
        // 700 entries: nodes at level 8 (256 entries) and 9 exist, so some proofs use the cache.
        var store = try store(path: path)
        try await writeEvents(store, 0..<300)
        try await check(store, sizes: [1, 256, 300])
        try await store.close()
        store = try self.store(path: path)  // loads levels 8 and up at open
        try await check(store, sizes: [255, 256, 300])
        try await writeEvents(store, 300..<700)  // new upper nodes, found by reads
        try await check(store, sizes: [256, 300, 511, 512, 513, 700])
        try await check(store, sizes: [300, 700])
        try await store.close()
    }
}
