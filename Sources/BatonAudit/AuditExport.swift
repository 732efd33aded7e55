import BatonCore
import BatonSigning
import Foundation

/// An exported audit log: JSON Lines. The first line is the header
/// `{ "format": "baton-audit-export/1", "exportedAt", "hubKeys": <JWK Set> }`; then, in order,
/// one line per entry `{ "entry": { "index", "at", "body": <base64url of the exact bytes>, "leafHash" } }`,
/// each followed by the signed tree heads whose size it completes
/// `{ "head": { "treeSize", "rootHash", "at", "checkpoint", "jws" } }`.
public enum AuditExport {
    public static let format = "baton-audit-export/1"

    public static func headerLine(hubKeys: JSONValue, exportedAt: Date) -> String {
        JSONValue.object(["format": .string(format), "exportedAt": .string(RFC3339.format(exportedAt)), "hubKeys": hubKeys]).serializedString()
    }

    public static func entryLine(index: Int64, at: Date, body: [UInt8], leafHash: [UInt8]) -> String {
        JSONValue.object(["entry": [
            "index": .number(Double(index)), "at": .string(RFC3339.format(at)), "body": .string(Base64URL.encode(body)),
            "leafHash": .string(leafHash.hexString),
        ]]).serializedString()
    }

    public static func headLine(size: Int64, root: [UInt8], at: Date, checkpoint: Bool, jws: String) -> String {
        JSONValue.object(["head": [
            "treeSize": .number(Double(size)), "rootHash": .string(root.hexString), "at": .string(RFC3339.format(at)),
            "checkpoint": .bool(checkpoint), "jws": .string(jws),
        ]]).serializedString()
    }
}

/// Recomputes an exported audit log offline with only the hub's public keys and reports the first
/// place anything is wrong: an entry changed (its bytes no longer hash to the leaf recorded when it
/// was appended, or a tree head's root no longer matches), missing, reordered or inserted (an entry
/// out of its place), a tree head whose signature does not verify, entries no signed head covers
/// (appended without the hub's key), or a saved checkpoint the log does not contain (the database
/// rolled back or rewritten).
public struct AuditVerifier {
    public struct Report: Sendable, Equatable {
        public var entries: Int64 = 0
        public var heads = 0
        public var checkpoints = 0
        public var root: Merkle.Hash = Merkle.emptyRoot
        /// The first problem, or nil when the log verified.
        public var problem: String?
        /// The entry the problem is at (or the first entry of the range it is in), when known.
        public var problemEntry: Int64?
    }

    /// Hub keys to trust in addition to those the export names (a verifier should pass the keys it
    /// got from the hub itself, not only trust the file's).
    public var trustedKeys: [String: PublicKey]
    /// Checkpoints saved outside the hub (compact JWS), which the log must contain.
    public var savedCheckpoints: [String]
    /// Whether the keys the export's header names are trusted too (false when the caller has the
    /// hub's keys from the hub itself).
    public var trustFileKeys = true

    public init(trustedKeys: [String: PublicKey] = [:], savedCheckpoints: [String] = []) {
        self.trustedKeys = trustedKeys
        self.savedCheckpoints = savedCheckpoints
    }

    struct Failure: Error {
        let message: String
        let entry: Int64?
    }

    /// Verifies the export whose lines `lines` yields.
    public func verify(lines: some Sequence<Substring>) -> Report {
        verify(lineBytes: lines.lazy.map { Array($0.utf8)[...] })
    }

    /// Verifies an export file's bytes (read or mapped whole), line by line without copying them
    /// into strings.
    public func verify(export data: Data) -> Report {
        data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) -> Report in
            let bytes = raw.bindMemory(to: UInt8.self)
            return verify(lineBytes: LineSequence(bytes: bytes))
        }
    }

    /// Verifies the export whose lines (as bytes, without the newline) `lines` yields.
    public func verify<Line: RandomAccessCollection>(lineBytes lines: some Sequence<Line>) -> Report where Line.Element == UInt8, Line.Index == Int {
        var report = Report()
        var range = CompactRange()
        var keys = trustedKeys
        var pendingHeads: [(size: Int64, root: Merkle.Hash, jws: String, checkpoint: Bool, line: Int)] = []
        var rootsAtSize: [Int64: Merkle.Hash] = [:]
        var lastHeadSize: Int64 = 0
        var sawHeader = false
        var lineNumber = 0

        func fail(_ message: String, entry: Int64?) -> Report {
            var failed = report
            failed.problem = message
            failed.problemEntry = entry
            return failed
        }

        func checkHead(_ head: (size: Int64, root: Merkle.Hash, jws: String, checkpoint: Bool, line: Int), keys: [String: PublicKey]) throws {
            let signed: SignedTreeHead
            do { signed = try SignedTreeHead.verify(head.jws, keys: keys) } catch {
                throw Failure(message: "the tree head of size \(head.size) (line \(head.line)) is not signed by the hub: \(error)", entry: max(0, head.size - 1))
            }
            guard signed.size == head.size, signed.root == head.root else {
                throw Failure(message: "the tree head of size \(head.size) (line \(head.line)) does not match what its signature covers", entry: max(0, head.size - 1))
            }
            guard range.size == Int(head.size), range.root == head.root else {
                throw Failure(
                    message: "entries \(lastHeadSize)–\(head.size - 1) do not match the tree head the hub signed for size \(head.size): an entry among them was changed, removed, reordered or inserted",
                    entry: lastHeadSize)
            }
            rootsAtSize[head.size] = head.root
            lastHeadSize = head.size
            report.heads += 1
            if head.checkpoint { report.checkpoints += 1 }
        }

        /// An entry in the position it claims: its bytes hash to its recorded leaf, and they declare
        /// that position themselves.
        func acceptEntry(index: Int64, body: [UInt8], recordedLeaf: Merkle.Hash) throws {
            let position = Int64(range.size)
            guard index == position else {
                throw Failure(message: "entry \(position) is missing: the next entry found is \(index) (removed or reordered)", entry: position)
            }
            let leaf = Merkle.leafHash(body)
            guard leaf == recordedLeaf else {
                throw Failure(message: "entry \(position) was changed: its bytes no longer hash to the leaf recorded when it was appended", entry: position)
            }
            guard Self.declaredIndex(of: body) == position else {
                throw Failure(message: "entry \(position) holds the entry written as another index (swapped, moved or inserted)", entry: position)
            }
            range.append(leaf)
            report.entries = Int64(range.size)
            while let next = pendingHeads.first, next.size <= Int64(range.size) {
                pendingHeads.removeFirst()
                try checkHead(next, keys: keys)
            }
        }

        do {
            for line in lines {
                lineNumber += 1
                if line.allSatisfy({ $0 == 0x20 || $0 == 0x0D || $0 == 0x09 }) { continue }
                // The export's entry lines have one shape; read them without building a JSON tree.
                if sawHeader, let fast = FastEntryLine(line) {
                    try acceptEntry(index: fast.index, body: fast.body, recordedLeaf: fast.leafHash)
                    continue
                }
                guard let object = (try? StrictJSON.parse(Array(line)))?.objectValue else {
                    throw Failure(message: "line \(lineNumber) is not a JSON object", entry: report.entries)
                }
                if !sawHeader {
                    guard object["format"]?.stringValue == AuditExport.format, let hubKeys = object["hubKeys"] else {
                        throw Failure(message: "line 1 is not a \(AuditExport.format) header", entry: nil)
                    }
                    if trustFileKeys {
                        for (kid, key) in SignedTreeHead.keys(fromJWKS: hubKeys) where keys[kid] == nil { keys[kid] = key }
                    }
                    sawHeader = true
                    continue
                }
                if let entry = object["entry"]?.objectValue {
                    guard let index = entry["index"]?.numberValue.flatMap({ Int64(exactly: $0) }), let bodyText = entry["body"]?.stringValue,
                        let body = Base64URL.decode(bodyText), let leafText = entry["leafHash"]?.stringValue, let recorded = [UInt8](hex: leafText)
                    else { throw Failure(message: "line \(lineNumber) is not a well-formed entry", entry: Int64(range.size)) }
                    try acceptEntry(index: index, body: body, recordedLeaf: recorded)
                } else if let head = object["head"]?.objectValue {
                    guard let size = head["treeSize"]?.numberValue, let rootText = head["rootHash"]?.stringValue,
                        let root = [UInt8](hex: rootText), let jws = head["jws"]?.stringValue
                    else { throw Failure(message: "line \(lineNumber) is not a well-formed tree head", entry: nil) }
                    let pending = (size: Int64(size), root: root, jws: jws, checkpoint: head["checkpoint"] == .bool(true), line: lineNumber)
                    guard pending.size >= lastHeadSize else {
                        throw Failure(message: "the tree head of size \(pending.size) (line \(lineNumber)) comes after a larger one: heads out of order", entry: pending.size)
                    }
                    if pending.size <= Int64(range.size) {
                        try checkHead(pending, keys: keys)
                    } else {
                        pendingHeads.append(pending)
                        pendingHeads.sort { $0.size < $1.size }
                    }
                } else {
                    throw Failure(message: "line \(lineNumber) is neither an entry nor a tree head", entry: nil)
                }
            }
            guard sawHeader else { throw Failure(message: "the file is empty", entry: nil) }
            if let missing = pendingHeads.first {
                throw Failure(
                    message: "the hub signed a tree head of size \(missing.size) but the log has only \(range.size) entries: entries were removed from the end",
                    entry: Int64(range.size))
            }
            if Int64(range.size) > lastHeadSize {
                throw Failure(
                    message: "entries \(lastHeadSize)–\(range.size - 1) are not covered by any tree head the hub signed: appended without the hub's key",
                    entry: lastHeadSize)
            }
            for jws in savedCheckpoints {
                let saved: SignedTreeHead
                do { saved = try SignedTreeHead.verify(jws, keys: keys) } catch {
                    throw Failure(message: "a saved checkpoint does not verify: \(error)", entry: nil)
                }
                guard saved.size <= Int64(range.size) else {
                    throw Failure(
                        message: "a checkpoint saved earlier covers \(saved.size) entries but the log has only \(range.size): the log was rolled back or truncated",
                        entry: Int64(range.size))
                }
                guard let root = rootsAtSize[saved.size] ?? (saved.size == 0 ? Merkle.emptyRoot : nil) else {
                    throw Failure(message: "the log has no tree head of size \(saved.size) to compare with a saved checkpoint", entry: nil)
                }
                guard root == saved.root else {
                    throw Failure(
                        message: "the log's first \(saved.size) entries do not match a checkpoint saved earlier: the log was rewritten",
                        entry: nil)
                }
            }
        } catch let failure as Failure {
            return fail(failure.message, entry: failure.entry)
        } catch {
            return fail("\(error)", entry: nil)
        }
        report.root = range.root
        return report
    }

    /// The index an entry's bytes declare (`{"index":N,...}`, as the hub writes them; any other
    /// layout is parsed).
    static func declaredIndex(of body: [UInt8]) -> Int64? {
        let prefix = Array(#"{"index":"#.utf8)
        if body.count > prefix.count, body.starts(with: prefix) {
            var value: Int64 = 0
            var position = prefix.count
            while position < body.count, body[position] >= 0x30, body[position] <= 0x39, value < Int64.max / 10 {
                value = value * 10 + Int64(body[position] - 0x30)
                position += 1
            }
            if position > prefix.count, position < body.count, body[position] == UInt8(ascii: ",") || body[position] == UInt8(ascii: "}") {
                return value
            }
        }
        guard let number = (try? StrictJSON.parse(body))?.objectValue?["index"]?.numberValue else { return nil }
        return Int64(exactly: number)
    }
}

/// An entry line exactly as `AuditExport.entryLine` writes it, read by scanning:
/// `{"entry":{"index":N,"at":"…","body":"<base64url>","leafHash":"<64 hex>"}}`. Nil for anything
/// else (which is then parsed as JSON and checked the slow way).
struct FastEntryLine {
    let index: Int64
    let body: [UInt8]
    let leafHash: [UInt8]

    init?<Line: RandomAccessCollection>(_ line: Line) where Line.Element == UInt8, Line.Index == Int {
        var position = line.startIndex
        func expect(_ text: StaticString) -> Bool {
            let count = text.utf8CodeUnitCount
            guard line.endIndex - position >= count else { return false }
            let matches = text.withUTF8Buffer { expected in
                (0..<count).allSatisfy { line[position + $0] == expected[$0] }
            }
            if matches { position += count }
            return matches
        }
        func until(_ byte: UInt8) -> Range<Int>? {
            let start = position
            while position < line.endIndex, line[position] != byte { position += 1 }
            guard position < line.endIndex else { return nil }
            return start..<position
        }
        guard expect(#"{"entry":{"index":"#) else { return nil }
        var index: Int64 = 0
        let digits = position
        while position < line.endIndex, line[position] >= 0x30, line[position] <= 0x39, index < Int64.max / 10 {
            index = index * 10 + Int64(line[position] - 0x30)
            position += 1
        }
        guard position > digits, expect(#","at":""#), until(UInt8(ascii: "\"")) != nil, expect(#"","body":""#),
            let bodyRange = until(UInt8(ascii: "\"")), expect(#"","leafHash":""#), let hashRange = until(UInt8(ascii: "\"")),
            expect(#""}}"#), position == line.endIndex,
            let body = Base64URL.decode(ArraySlice(line[bodyRange])), let leaf = [UInt8](hexDigits: line[hashRange]), leaf.count == 32
        else { return nil }
        self.index = index
        self.body = body
        self.leafHash = leaf
    }
}

/// The lines of a buffer, split at newlines, as slices of it.
struct LineSequence: Sequence {
    let bytes: UnsafeBufferPointer<UInt8>

    func makeIterator() -> AnyIterator<Slice<UnsafeBufferPointer<UInt8>>> {
        var start = 0
        let bytes = self.bytes
        return AnyIterator {
            guard start < bytes.count else { return nil }
            var end = start
            while end < bytes.count, bytes[end] != 0x0A { end += 1 }
            let line = bytes[start..<end]
            start = end + 1
            return line
        }
    }
}
