import BatonCore
import Foundation
import GRDB
import GRDBSQLite
import Synchronization
import Testing

@testable import BatonStore

func temporaryDatabase() throws -> String {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("store-\(UUID())")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    return folder.appendingPathComponent("baton.sqlite").path
}

func incoming(_ sender: String = "police-test", id: MessageID = MessageID(UUID()), bytes: String? = nil) -> IncomingMessage {
    let jws = Array((bytes ?? "header.payload-\(id).signature").utf8)
    return IncomingMessage(
        sender: AgencyID(rawValue: sender)!, messageId: id, kind: .referral, senderKid: "\(sender)/k1",
        sentAt: Date(timeIntervalSince1970: 1_795_339_800), receivedAt: Date(timeIntervalSince1970: 1_795_339_801),
        jws: jws, sha256: String(jws.hashValue))
}

let receiptMaker: ReceiptMaker = { message, sequence in "receipt-\(message.messageId)-\(sequence)" }

private final class SyncCounter: Sendable {
    private let syncs = Mutex(0)
    func count() { syncs.withLock { $0 += 1 } }
    var value: Int { syncs.withLock { $0 } }
}

@Suite("SQLite store")
struct SQLiteStoreTests {
    @Test("durability: WAL journal; commits synced by the store, not at each commit by SQLite")
    func durabilitySettings() async throws {
        let store = try SQLiteStore(path: try temporaryDatabase())
        #expect(try await store.pragma("journal_mode") == "wal")
        #expect(try await store.pragma("synchronous") == "1")  // NORMAL: WALSync syncs before anyone is answered
        #expect(try await store.pragma("temp_store") == "2")  // MEMORY: statement journals of per-message savepoints
        try await store.close()
    }

    @Test("checkpoints are the background checkpointer's: committed messages reach the database file without the writer copying them")
    func backgroundCheckpoints() async throws {
        let path = try temporaryDatabase()
        let store = try SQLiteStore(path: path)
        // The writer's own automatic checkpoint is only a backstop, far above what this test writes.
        #expect(try await store.pragma("wal_autocheckpoint") == "10000")
        for _ in 0..<20 { _ = try await store.accept(incoming(), receipt: receiptMaker) }
        // A copy of the database file alone (no log) holds the messages once a checkpoint has run.
        let copy = path + ".copy"
        var found = 0
        for _ in 0..<60 where found < 20 {
            try await Task.sleep(for: .milliseconds(100))
            try? FileManager.default.removeItem(atPath: copy)
            try FileManager.default.copyItem(atPath: path, toPath: copy)
            var configuration = Configuration()
            configuration.readonly = true
            let alone = try DatabaseQueue(path: copy, configuration: configuration)
            // Until a checkpoint has copied the schema too, the file alone has no table at all.
            found = (try? await alone.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM message") ?? 0 }) ?? 0
            try alone.close()
        }
        #expect(found == 20)
        try await store.close()
    }

    @Test("every accepted message and every write waits for a sync of the write-ahead log")
    func commitsAreSynced() async throws {
        let counter = SyncCounter()
        let path = try temporaryDatabase()
        let store = try SQLiteStore(path: path, observeSync: { _ in counter.count() })
        _ = try await store.accept(incoming(), receipt: receiptMaker)
        #expect(counter.value == 1)
        _ = try await store.write { try $0.messageCount() }
        #expect(counter.value == 2)
        try await store.waitUntilDurable()
        #expect(counter.value == 3)
        // Concurrent submissions share syncs.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<200 { group.addTask { _ = try await store.accept(incoming(), receipt: receiptMaker) } }
            try await group.waitForAll()
        }
        #expect(counter.value < 3 + 200)
        #expect(try await store.messageCount() == 201)
        #expect(FileManager.default.fileExists(atPath: path + "-wal"))
        try await store.close()
    }

    @Test("stores the exact bytes with a receipt and a sequence, and finds them again")
    func storesAndReads() async throws {
        let store = try SQLiteStore(path: try temporaryDatabase())
        let message = incoming()
        guard case .accepted(let stored) = try await store.accept(message, receipt: receiptMaker) else {
            Issue.record("not accepted")
            return
        }
        #expect(stored.sequence == 1)
        #expect(stored.receipt == "receipt-\(message.messageId)-1")
        let read = try await store.message(from: message.sender, id: message.messageId)
        #expect(read == stored)
        #expect(read?.jws == message.jws)
        #expect(try await store.message(from: AgencyID(rawValue: "school-test")!, id: message.messageId) == nil)
        try await store.close()
    }

    @Test("the same bytes again are a duplicate with the original receipt; other bytes are a conflict")
    func idempotency() async throws {
        let store = try SQLiteStore(path: try temporaryDatabase())
        let id = MessageID(UUID())
        let first = incoming(id: id, bytes: "a.b.c")
        guard case .accepted(let original) = try await store.accept(first, receipt: receiptMaker) else {
            Issue.record("not accepted")
            return
        }
        let again = try await store.accept(incoming(id: id, bytes: "a.b.c"), receipt: { _, _ in "a different receipt" })
        #expect(again == .duplicate(original))
        let other = try await store.accept(incoming(id: id, bytes: "a.b.d"), receipt: receiptMaker)
        #expect(other == .conflict(existingSHA256: original.sha256))
        // Message ids are unique per sender: another agency may use the same id.
        guard case .accepted = try await store.accept(incoming("school-test", id: id, bytes: "a.b.c"), receipt: receiptMaker) else {
            Issue.record("another sender's message with the same id was not accepted")
            return
        }
        #expect(try await store.messageCount() == 2)
        try await store.close()
    }

    @Test("what was committed survives closing and reopening")
    func persists() async throws {
        let path = try temporaryDatabase()
        let store = try SQLiteStore(path: path)
        var ids: [MessageID] = []
        for _ in 0..<5 {
            let message = incoming()
            ids.append(message.messageId)
            _ = try await store.accept(message, receipt: receiptMaker)
        }
        try await store.close()
        let reopened = try SQLiteStore(path: path)
        #expect(try await reopened.messageCount() == 5)
        for (index, id) in ids.enumerated() {
            #expect(try await reopened.message(from: AgencyID(rawValue: "police-test")!, id: id)?.sequence == Int64(index + 1))
        }
        guard case .accepted(let next) = try await reopened.accept(incoming(), receipt: receiptMaker) else {
            Issue.record("not accepted")
            return
        }
        #expect(next.sequence == 6)
        try await reopened.close()
    }

    @Test("concurrent submissions share commits and each gets its own sequence number")
    func groupCommit() async throws {
        let batches = Mutex<[Int]>([])
        let store = try SQLiteStore(path: try temporaryDatabase(), observeBatch: { batch in batches.withLock { $0.append(batch.size) } })
        let results = try await withThrowingTaskGroup(of: IntakeResult.self) { group in
            for _ in 0..<400 { group.addTask { try await store.accept(incoming(), receipt: receiptMaker) } }
            return try await group.reduce(into: [IntakeResult]()) { $0.append($1) }
        }
        let sequences = results.compactMap { result -> Int64? in
            if case .accepted(let stored) = result { return stored.sequence }
            return nil
        }
        #expect(sequences.count == 400)
        #expect(Set(sequences) == Set(1...400))
        let sizes = batches.withLock { $0 }
        #expect(sizes.reduce(0, +) == 400)
        #expect(sizes.count < 400, "no commit was shared: \(sizes.count) commits for 400 messages")
        #expect(try await store.messageCount() == 400)
        try await store.close()
    }

    @Test("identical submissions racing each other store one message; the other is a duplicate")
    func racingDuplicates() async throws {
        let store = try SQLiteStore(path: try temporaryDatabase())
        let id = MessageID(UUID())
        let results = try await withThrowingTaskGroup(of: IntakeResult.self) { group in
            for _ in 0..<20 { group.addTask { try await store.accept(incoming(id: id, bytes: "same.bytes.here"), receipt: receiptMaker) } }
            return try await group.reduce(into: [IntakeResult]()) { $0.append($1) }
        }
        let accepted = results.filter { if case .accepted = $0 { true } else { false } }
        let duplicates = results.filter { if case .duplicate = $0 { true } else { false } }
        #expect(accepted.count == 1)
        #expect(duplicates.count == 19)
        #expect(try await store.messageCount() == 1)
        try await store.close()
    }

    @Test("a failure while storing one message does not undo the others in its batch")
    func failureIsolation() async throws {
        struct SigningFailed: Error {}
        let store = try SQLiteStore(path: try temporaryDatabase())
        let poisoned = MessageID(UUID())
        let outcomes = await withTaskGroup(of: Bool.self) { group in
            for index in 0..<50 {
                let message = index == 25 ? incoming(id: poisoned) : incoming()
                group.addTask {
                    do {
                        _ = try await store.accept(message) { message, sequence in
                            if message.messageId == poisoned { throw SigningFailed() }
                            return "receipt-\(sequence)"
                        }
                        return true
                    } catch {
                        return false
                    }
                }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 }.count == 49)
        #expect(try await store.messageCount() == 49)
        #expect(try await store.message(from: AgencyID(rawValue: "police-test")!, id: poisoned) == nil)
        try await store.close()
    }

    @Test("after close, new submissions are refused rather than lost")
    func refusesAfterClose() async throws {
        let store = try SQLiteStore(path: try temporaryDatabase())
        try await store.close()
        await #expect(throws: (any Error).self) { try await store.accept(incoming(), receipt: receiptMaker) }
    }
}

@Suite("SQLite statements")
struct StatementPreparationTests {
    /// How often SQLite prepared `sql` again while it ran with each set of arguments in turn.
    static func reprepares(_ sql: String, _ runs: [StatementArguments], in path: String) throws -> Int32 {
        let queue = try DatabaseQueue(path: path)
        return try queue.read { db in
            let statement = try db.makeStatement(sql: sql)
            for arguments in runs { _ = try Row.fetchAll(statement, arguments: arguments) }
            return sqlite3_stmt_status(statement.sqliteStatement, Int32(SQLITE_STMTSTATUS_REPREPARE), 0)
        }
    }

    @Test("a child's open items of a purpose are read without preparing the statement again for each purpose")
    func openItemsNotReprepared() throws {
        let path = try temporaryDatabase()
        _ = try SQLiteStore(path: path)
        let purposes: [StatementArguments] = ["referral-response", "information-request", "outcome-feedback", "strategy-discussion"]
            .map { ["person-1", $0] }
        #expect(try Self.reprepares(SQLiteTransaction.openItemsSQL, purposes, in: path) == 0)
        // The guard is real: the same query with a bare parameter is prepared again on each change,
        // because the partial index item_feedback names purpose.
        let bare = SQLiteTransaction.openItemsSQL.replacingOccurrences(of: "CAST(? AS TEXT)", with: "?")
        #expect(try Self.reprepares(bare, purposes, in: path) >= 3)
    }
}

extension StatementPreparationTests {
    /// The lines of SQLite's plan for `sql` on the store's schema (no statistics are ever gathered,
    /// so an empty database plans as a full one does).
    static func plan(_ sql: String, in path: String) throws -> [String] {
        let queue = try DatabaseQueue(path: path)
        let parameters = StatementArguments(Array(repeating: "x", count: sql.filter { $0 == "?" }.count))
        return try queue.read { db in try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql, arguments: parameters).map { $0["detail"] as String } }
    }

    @Test("the queries intake runs about a child search by the child, never scan a table")
    func intakeQueryPlans() throws {
        let path = try temporaryDatabase()
        _ = try SQLiteStore(path: path)
        let queries: [(String, String)] = [
            ("open items of a purpose", SQLiteTransaction.openItemsSQL),
            ("open item count", SQLiteTransaction.openItemCountSQL),
            ("items about a person", SQLiteTransaction.itemsAboutSQL),
            ("ids of items of a purpose about a person", SQLiteTransaction.itemIDsAboutSQL),
            ("mentions of a person", SQLiteTransaction.mentionsOfPersonSQL),
            ("events counted for a person", SQLiteTransaction.eventCountSQL(events: 2)),
            ("a recipient's items of a purpose", SQLiteTransaction.itemsOfRecipientSQL(open: true)),
        ]
        for (name, sql) in queries {
            let plan = try Self.plan(sql, in: path)
            #expect(!plan.contains { $0.hasPrefix("SCAN") }, "\(name) scans: \(plan)")
            #expect(plan.first { $0.hasPrefix("SEARCH") }.map { $0.contains("person_id=?") || $0.contains("recipient=?") } == true, "\(name): \(plan)")
        }
    }
    /// Each full, non-unique index whose columns begin another full index on the same table.
    static func redundantIndexes(_ db: Database) throws -> [String] {
        var found: [String] = []
        for table in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table'") {
            let indexes = try Row.fetchAll(db, sql: "SELECT name, \"unique\", partial FROM pragma_index_list(?)", arguments: [table])
                .map { row -> (name: String, unique: Bool, partial: Bool, columns: [String]) in
                    let name: String = row["name"]
                    let columns = try String.fetchAll(db, sql: "SELECT name FROM pragma_index_info(?) ORDER BY seqno", arguments: [name])
                    return (name, row["unique"], row["partial"], columns)
                }
            for shorter in indexes where !shorter.unique && !shorter.partial {
                for longer in indexes where longer.name != shorter.name && !longer.partial
                    && longer.columns.count >= shorter.columns.count && Array(longer.columns.prefix(shorter.columns.count)) == shorter.columns
                {
                    found.append("\(table): \(shorter.name) \(shorter.columns) is the start of \(longer.name) \(longer.columns)")
                }
            }
        }
        return found
    }

    @Test("no index is the leading part of another on its table (each costs every insert inside the intake transaction)")
    func noRedundantIndexes() throws {
        let path = try temporaryDatabase()
        _ = try SQLiteStore(path: path)
        let queue = try DatabaseQueue(path: path)
        let redundant = try queue.read(Self.redundantIndexes)
        #expect(redundant.isEmpty, "\(redundant)")
        // The check is real: it finds the index that migration 9 dropped, were it back.
        try queue.write { db in try db.execute(sql: "CREATE INDEX mention_person ON mention (person_id)") }
        #expect(try queue.read(Self.redundantIndexes) == ["mention: mention_person [\"person_id\"] is the start of mention_subject_person [\"person_id\", \"role\", \"message_sequence\"]"])
    }
}
