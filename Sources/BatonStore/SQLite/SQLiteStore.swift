import BatonCore
import Foundation
import GRDB
import Logging

/// The embedded store: one SQLite file through GRDB, in WAL mode.
///
/// **Durability.** `journal_mode=WAL` with `synchronous=FULL`: every commit syncs the WAL before
/// it returns, so a receipt is never handed out for a message that a power cut could lose. (WAL
/// with `synchronous=NORMAL` is the usual speed setting, but it may lose the last commits on power
/// loss, which would break "stored before receipted".) Concurrent submissions share commits
/// through ``GroupCommitter``, which is what keeps throughput high despite the sync.
///
/// ```swift
/// let store = try SQLiteStore(path: "baton.sqlite")
/// let result = try await store.accept(message) { message, sequence in try sign(...) }
/// ```
public final class SQLiteStore: MessageStore {
    public let path: String
    private let pool: DatabasePool
    private let committer: GroupCommitter<Job, IntakeResult>
    private let logger: Logger

    struct Job: Sendable {
        let message: IncomingMessage
        let receipt: ReceiptMaker
    }

    public init(path: String, logger: Logger = Logger(label: "baton.store"), observeBatch: (@Sendable (Int) -> Void)? = nil) throws {
        self.path = path
        self.logger = logger
        var configuration = Configuration()
        configuration.journalMode = .wal
        configuration.busyMode = .timeout(5)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        let pool = try DatabasePool(path: path, configuration: configuration)
        try SQLiteSchema.migrator.migrate(pool)
        self.pool = pool
        self.committer = GroupCommitter(observeBatch: observeBatch) { jobs in
            try await pool.write { db in try SQLiteStore.store(jobs, in: db) }
        }
    }

    /// Reads a PRAGMA's value, for checking the durability settings.
    public func pragma(_ name: String) async throws -> String? {
        try await pool.read { db in try String.fetchOne(db, sql: "PRAGMA \(name)") }
    }

    public func accept(_ message: IncomingMessage, receipt: @escaping ReceiptMaker) async throws -> IntakeResult {
        try await committer.submit(Job(message: message, receipt: receipt))
    }

    /// Runs inside one write transaction for a whole batch. Each job has its own savepoint, so a
    /// failure in one (say, a receipt that cannot be signed) does not undo the others.
    static func store(_ jobs: [Job], in db: Database) throws -> [Result<IntakeResult, any Error>] {
        var nextSequence = (try Int64.fetchOne(db, sql: "SELECT MAX(sequence) FROM message") ?? 0) + 1
        var results: [Result<IntakeResult, any Error>] = []
        results.reserveCapacity(jobs.count)
        for job in jobs {
            var result: Result<IntakeResult, any Error> = .failure(StoreUnavailable("not stored"))
            do {
                try db.inSavepoint {
                    let message = job.message
                    if let existing = try fetch(db, sender: message.sender, id: message.messageId) {
                        result = .success(existing.sha256 == message.sha256 ? .duplicate(existing) : .conflict(existingSHA256: existing.sha256))
                        return .commit
                    }
                    let receipt = try job.receipt(message, nextSequence)
                    try db.execute(
                        sql: """
                            INSERT INTO message (sequence, sender_agency, message_id, kind, sender_kid, sent_at,
                                                 received_at, jws_sha256, jws, receipt)
                            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                            """,
                        arguments: [
                            nextSequence, message.sender.rawValue, message.messageId.rawValue, message.kind.rawValue,
                            message.senderKid, RFC3339.format(message.sentAt), RFC3339.format(message.receivedAt),
                            message.sha256, Data(message.jws), receipt,
                        ])
                    result = .success(.accepted(StoredMessage(
                        sequence: nextSequence, sender: message.sender, messageId: message.messageId, kind: message.kind,
                        senderKid: message.senderKid, sentAt: message.sentAt, receivedAt: message.receivedAt,
                        sha256: message.sha256, jws: message.jws, receipt: receipt)))
                    nextSequence += 1
                    return .commit
                }
            } catch {
                result = .failure(error)
            }
            results.append(result)
        }
        return results
    }

    static func fetch(_ db: Database, sender: AgencyID, id: MessageID) throws -> StoredMessage? {
        guard let row = try Row.fetchOne(
            db,
            sql: """
                SELECT sequence, sender_agency, message_id, kind, sender_kid, sent_at, received_at, jws_sha256, jws, receipt
                FROM message WHERE sender_agency = ? AND message_id = ?
                """,
            arguments: [sender.rawValue, id.rawValue])
        else { return nil }
        return try storedMessage(row)
    }

    static func storedMessage(_ row: Row) throws -> StoredMessage {
        guard let sender = AgencyID(rawValue: row["sender_agency"]),
            let messageId = MessageID(rawValue: row["message_id"]),
            let kind = MessageKind(rawValue: row["kind"]),
            let sentAt = RFC3339.parse(row["sent_at"]),
            let receivedAt = RFC3339.parse(row["received_at"])
        else { throw StoreUnavailable("a stored message row could not be read") }
        let jws: Data = row["jws"]
        return StoredMessage(
            sequence: row["sequence"], sender: sender, messageId: messageId, kind: kind, senderKid: row["sender_kid"],
            sentAt: sentAt, receivedAt: receivedAt, sha256: row["jws_sha256"], jws: Array(jws), receipt: row["receipt"])
    }

    public func message(from sender: AgencyID, id: MessageID) async throws -> StoredMessage? {
        try await pool.read { db in try SQLiteStore.fetch(db, sender: sender, id: id) }
    }

    public func messageCount() async throws -> Int {
        try await pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM message") ?? 0 }
    }

    public func checkReadiness() async throws {
        _ = try await pool.read { db in try Int.fetchOne(db, sql: "SELECT 1") }
    }

    public func close() async throws {
        await committer.close()
        try pool.close()
    }
}
