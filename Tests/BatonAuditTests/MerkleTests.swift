import BatonAudit
import BatonCore
import BatonSigning
import Foundation
import Testing

/// RFC 6962 hashing and proofs, checked against a direct recursive definition and against
/// every (index, size) and (old, new) pair of small trees.
@Suite("Merkle trees (RFC 6962)")
struct MerkleTests {
    /// MTH straight from RFC 6962 §2.1, over the leaf hashes.
    static func reference(_ leaves: ArraySlice<Merkle.Hash>) -> Merkle.Hash {
        if leaves.isEmpty { return Merkle.emptyRoot }
        if leaves.count == 1 { return leaves.first! }
        var k = 1
        while k << 1 < leaves.count { k <<= 1 }
        let start = leaves.startIndex
        return Merkle.nodeHash(reference(leaves[start..<(start + k)]), reference(leaves[(start + k)...]))
    }

    static func tree(_ count: Int) -> (InMemoryMerkleNodes, [Merkle.Hash]) {
        var nodes = InMemoryMerkleNodes()
        let leaves = (0..<count).map { Merkle.leafHash(Array("entry \($0)".utf8)) }
        for leaf in leaves { nodes.append(leafHash: leaf) }
        return (nodes, leaves)
    }

    @Test("leaf and node hashes use the 0x00 and 0x01 prefixes; the empty tree is SHA-256 of nothing")
    func prefixes() {
        // RFC 6962 test vector: the empty tree.
        #expect(Merkle.emptyRoot.hexString == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        // The leaf hash of the empty entry: SHA-256(0x00).
        #expect(Merkle.leafHash([]).hexString == "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d")
        #expect(Merkle.leafHash([1]) != Merkle.nodeHash([], [1]))
    }

    @Test("roots from stored nodes and from a compact range equal the recursive definition, for every size up to 70")
    func roots() throws {
        let (nodes, leaves) = Self.tree(70)
        var range = CompactRange()
        for size in 0...70 {
            let expected = Self.reference(leaves[0..<size])
            #expect(try Merkle.root(size: size, in: nodes) == expected, "size \(size)")
            #expect(range.root == expected, "compact range at size \(size)")
            if size < 70 { range.append(leaves[size]) }
        }
    }

    @Test("every inclusion proof verifies, and fails for another leaf, index, size or root")
    func inclusion() throws {
        let (nodes, leaves) = Self.tree(33)
        for size in 1...33 {
            let root = try Merkle.root(size: size, in: nodes)
            for index in 0..<size {
                let proof = try Merkle.inclusionProof(index: index, size: size, in: nodes)
                #expect(Merkle.verifyInclusion(leafHash: leaves[index], index: index, size: size, proof: proof, root: root))
                #expect(!Merkle.verifyInclusion(leafHash: leaves[(index + 1) % 33], index: index, size: size, proof: proof, root: root))
                if size > 1 {
                    #expect(!Merkle.verifyInclusion(leafHash: leaves[index], index: (index + 1) % size, size: size, proof: proof, root: root))
                }
                #expect(!Merkle.verifyInclusion(leafHash: leaves[index], index: index, size: size, proof: proof, root: Merkle.emptyRoot))
            }
        }
    }

    @Test("every consistency proof verifies, and fails against a different old root")
    func consistency() throws {
        let (nodes, _) = Self.tree(33)
        for newSize in 1...33 {
            let newRoot = try Merkle.root(size: newSize, in: nodes)
            for oldSize in 1...newSize {
                let oldRoot = try Merkle.root(size: oldSize, in: nodes)
                let proof = try Merkle.consistencyProof(from: oldSize, to: newSize, in: nodes)
                #expect(Merkle.verifyConsistency(oldSize: oldSize, newSize: newSize, oldRoot: oldRoot, newRoot: newRoot, proof: proof),
                    "\(oldSize) → \(newSize)")
                if oldSize < newSize {
                    let forged = Merkle.leafHash(Array("forged".utf8))
                    #expect(!Merkle.verifyConsistency(oldSize: oldSize, newSize: newSize, oldRoot: forged, newRoot: newRoot, proof: proof))
                    #expect(!Merkle.verifyConsistency(oldSize: oldSize, newSize: newSize, oldRoot: oldRoot, newRoot: forged, proof: proof))
                }
            }
        }
    }

    @Test("a signed tree head verifies with the hub's public key and not with another")
    func signedHeads() throws {
        let hub = HubKey(key: .generate(.edDSA))
        let other = HubKey(key: .generate(.edDSA))
        let head = SignedTreeHead(size: 12, root: Merkle.leafHash([7]), at: Date(timeIntervalSince1970: 1_795_339_800))
        let jws = try head.sign(with: hub)
        let keys = SignedTreeHead.keys(fromJWKS: hub.jwks())
        #expect(try SignedTreeHead.verify(jws, keys: keys) == head)
        #expect(throws: SignedTreeHead.Problem.self) { try SignedTreeHead.verify(jws, keys: SignedTreeHead.keys(fromJWKS: other.jwks())) }
        // A receipt is not a checkpoint.
        let receipt = try hub.sign(head.payload, type: .receipt)
        #expect(throws: SignedTreeHead.Problem.self) { try SignedTreeHead.verify(receipt, keys: keys) }
    }
}

@Suite("Exported logs")
struct AuditExportTests {
    @Test("an export verifies line by line from its bytes, and the same lines as text give the same report; a changed byte is found")
    func bytesAndText() throws {
        let hub = HubKey(key: .generate(.edDSA))
        var range = CompactRange()
        var lines = [AuditExport.headerLine(hubKeys: hub.jwks(), exportedAt: Date(timeIntervalSince1970: 1_795_339_800))]
        for index in 0..<40 {
            let body = Array(#"{"index":\#(index),"at":"2026-11-23T10:00:00.000Z","event":"write","changes":[]}"#.utf8)
            let leaf = Merkle.leafHash(body)
            range.append(leaf)
            lines.append(AuditExport.entryLine(index: Int64(index), at: Date(timeIntervalSince1970: 1_795_339_800), body: body, leafHash: leaf))
            if index % 7 == 6 || index == 39 {
                let at = Date(timeIntervalSince1970: 1_795_339_800)
                let jws = try SignedTreeHead(size: Int64(range.size), root: range.root, at: at).sign(with: hub)
                lines.append(AuditExport.headLine(size: Int64(range.size), root: range.root, at: at, checkpoint: index == 39, jws: jws))
            }
        }
        let verifier = AuditVerifier(trustedKeys: SignedTreeHead.keys(fromJWKS: hub.jwks()))
        let fromBytes = verifier.verify(export: Data((lines.joined(separator: "\n") + "\n").utf8))
        let fromText = verifier.verify(lines: lines.map { Substring($0) })
        #expect(fromBytes.problem == nil, "\(fromBytes.problem ?? "")")
        #expect(fromBytes == fromText)
        #expect(fromBytes.entries == 40 && fromBytes.heads == 6 && fromBytes.checkpoints == 1)

        // One character of one entry's body changed (the fast path reads it), and the same entry
        // written with its members in another order (the slow path parses it).
        var changed = lines
        changed[5] = changed[5].replacingOccurrences(of: #""body":"eyJ"#, with: #""body":"eyK"#)
        #expect(verifier.verify(export: Data(changed.joined(separator: "\n").utf8)).problemEntry != nil)
        var reordered = lines
        let entry = try #require(StrictJSON.parse(Array(lines[5].utf8)).objectValue?["entry"]?.objectValue)
        reordered[5] = JSONValue.object(["entry": .object(JSONObject(entry.members.reversed()))]).serializedString()
        #expect(verifier.verify(export: Data(reordered.joined(separator: "\n").utf8)) == fromBytes)
    }
}
