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

    func store() throws -> SQLiteStore {
        let key = hubKey
        return try SQLiteStore(path: try temporaryDatabase(), treeHeadSigner: { size, root, at in
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
}
