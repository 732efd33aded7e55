import BatonAudit
import BatonCore
import Foundation
import GRDB

/// The audit log's tables: `audit_entry` (index, time, the exact bytes), `audit_node` (the hash of
/// every perfect aligned subtree, level 0 being the leaves), `audit_head` (a hub-signed tree head
/// per commit; `checkpoint` marks the published ones) and `audit_person` (which entries record a
/// read of a person's data, for the access log a person can ask for).
extension SQLiteTransaction: MerkleNodes {
    func node(level: Int, index: Int) throws -> Merkle.Hash {
        if let cached = nodeCache?.node(level: level, index: index) { return cached }
        let statement = try db.cachedStatement(sql: "SELECT hash FROM audit_node WHERE level = ? AND idx = ?")
        guard let data = try Data.fetchOne(statement, arguments: [level, index]) else { throw MissingNode(level: level, index: index) }
        let hash = Array(data)
        nodeCache?.keep(level: level, index: index, hash: hash)
        return hash
    }

    func auditSize() throws -> Int64 {
        (try Int64.fetchOne(db.cachedStatement(sql: "SELECT MAX(idx) FROM audit_entry")) ?? -1) + 1
    }

    /// Appends the entry for what `journal` collected (if anything), as `event` with `details`, at
    /// the next index; stores its leaf and the interior nodes it completes. Returns its index.
    @discardableResult
    func appendAuditEntry(_ event: String, details: JSONObject = [:], journal: AuditJournal, at now: Date) throws -> Int64? {
        guard !journal.changes.isEmpty else { return nil }
        let index = try auditSize()
        var object: JSONObject = ["index": .number(Double(index)), "at": .string(RFC3339.format(now)), "event": .string(event)]
        for member in details.members { object[member.name] = member.value }
        object["changes"] = .array(journal.changes)
        let body = JSONValue.object(object).serialized()
        let leaf = Merkle.leafHash(body)
        try db.cachedStatement(sql: "INSERT INTO audit_entry (idx, at, body) VALUES (?, ?, ?)")
            .execute(arguments: [index, now.storeMilliseconds, Data(body)])
        let insertNode = try db.cachedStatement(sql: "INSERT INTO audit_node (level, idx, hash) VALUES (?, ?, ?)")
        try insertNode.execute(arguments: [0, index, Data(leaf)])
        // Each odd index completes the parent of it and its left sibling, and so on up.
        var level = 0
        var position = Int(index)
        var hash = leaf
        while position & 1 == 1 {
            hash = Merkle.nodeHash(try node(level: level, index: position - 1), hash)
            level += 1
            position >>= 1
            try insertNode.execute(arguments: [level, position, Data(hash)])
        }
        if !journal.persons.isEmpty {
            let insertPerson = try db.cachedStatement(sql: "INSERT OR IGNORE INTO audit_person (person_id, idx) VALUES (?, ?)")
            for person in journal.persons.sorted() { try insertPerson.execute(arguments: [person.rawValue, index]) }
        }
        journal.changes.removeAll()
        journal.persons.removeAll()
        return index
    }

    /// Signs and keeps the tree head for the log as it now stands, unless the last head already
    /// covers it (or `force`, to publish a checkpoint).
    @discardableResult
    func signTreeHead(with signer: TreeHeadSigner, at now: Date, checkpoint: Bool = false) throws -> TreeHead? {
        let size = try auditSize()
        let last = try latestTreeHead()
        if let last, last.size == size {
            guard checkpoint, !last.checkpoint else { return last }
            try db.cachedStatement(sql: "UPDATE audit_head SET checkpoint = 1 WHERE tree_size = ?").execute(arguments: [size])
            return TreeHead(size: last.size, root: last.root, at: last.at, jws: last.jws, checkpoint: true)
        }
        let root = try Merkle.root(size: Int(size), in: self)
        let jws = try signer(size, root, now)
        try db.cachedStatement(sql: "INSERT INTO audit_head (tree_size, root, at, jws, checkpoint) VALUES (?, ?, ?, ?, ?)")
            .execute(arguments: [size, Data(root), now.storeMilliseconds, jws, checkpoint])
        return TreeHead(size: size, root: root, at: now, jws: jws, checkpoint: checkpoint)
    }

    static func treeHead(_ row: Row) -> TreeHead {
        TreeHead(
            size: row["tree_size"], root: Array(row["root"] as Data), at: Date(storeMilliseconds: row["at"]), jws: row["jws"],
            checkpoint: row["checkpoint"])
    }

    func latestTreeHead() throws -> TreeHead? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT tree_size, root, at, jws, checkpoint FROM audit_head ORDER BY tree_size DESC LIMIT 1"))
            .map(Self.treeHead)
    }

    func treeHead(size: Int64) throws -> TreeHead? {
        try Row.fetchOne(
            db.cachedStatement(sql: "SELECT tree_size, root, at, jws, checkpoint FROM audit_head WHERE tree_size = ?"), arguments: [size]
        ).map(Self.treeHead)
    }

    func checkpoints(after size: Int64, limit: Int) throws -> [TreeHead] {
        try Row.fetchAll(
            db.cachedStatement(sql: "SELECT tree_size, root, at, jws, checkpoint FROM audit_head WHERE checkpoint = 1 AND tree_size > ? ORDER BY tree_size LIMIT ?"),
            arguments: [size, limit]
        ).map(Self.treeHead)
    }

    func latestCheckpoint() throws -> TreeHead? {
        try Row.fetchOne(
            db.cachedStatement(sql: "SELECT tree_size, root, at, jws, checkpoint FROM audit_head WHERE checkpoint = 1 ORDER BY tree_size DESC LIMIT 1")
        ).map(Self.treeHead)
    }

    func forEachTreeHead(_ body: (TreeHead) throws -> Void) throws {
        let cursor = try Row.fetchCursor(db, sql: "SELECT tree_size, root, at, jws, checkpoint FROM audit_head ORDER BY tree_size")
        while let row = try cursor.next() { try body(Self.treeHead(row)) }
    }

    func auditEntry(_ index: Int64) throws -> AuditEntry? {
        let statement = try db.cachedStatement(sql: """
            SELECT e.idx, e.at, e.body, n.hash FROM audit_entry e LEFT JOIN audit_node n ON n.level = 0 AND n.idx = e.idx WHERE e.idx = ?
            """)
        return try Row.fetchOne(statement, arguments: [index]).map(Self.auditEntry)
    }

    static func auditEntry(_ row: Row) -> AuditEntry {
        AuditEntry(
            index: row[0], at: Date(storeMilliseconds: row[1]), body: Array(row[2] as Data), leafHash: Array((row[3] as Data?) ?? Data()))
    }

    func forEachAuditEntry(_ body: (AuditEntry) throws -> Void) throws {
        let cursor = try Row.fetchCursor(db, sql: """
            SELECT e.idx, e.at, e.body, n.hash FROM audit_entry e LEFT JOIN audit_node n ON n.level = 0 AND n.idx = e.idx ORDER BY e.idx
            """)
        while let row = try cursor.next() { try body(Self.auditEntry(row)) }
    }

    func inclusionProof(index: Int64, size: Int64) throws -> [[UInt8]] {
        try Merkle.inclusionProof(index: Int(index), size: Int(size), in: self)
    }

    func consistencyProof(from: Int64, to: Int64) throws -> [[UInt8]] {
        try Merkle.consistencyProof(from: Int(from), to: Int(to), in: self)
    }

    func accessEntries(of person: PersonID) throws -> [AuditEntry] {
        let statement = try db.cachedStatement(sql: """
            SELECT e.idx, e.at, e.body, n.hash FROM audit_person p JOIN audit_entry e ON e.idx = p.idx
            LEFT JOIN audit_node n ON n.level = 0 AND n.idx = e.idx WHERE p.person_id = ? ORDER BY e.idx
            """)
        return try Row.fetchAll(statement, arguments: [person.rawValue]).map(Self.auditEntry)
    }
}
