import BatonCore
import Foundation
import GRDB
import Logging

/// The embedded store: one SQLite file through GRDB, in WAL mode.
///
/// **Durability.** `journal_mode=WAL`, and nothing that was written is reported, receipted or
/// returned until the WAL holding it has been synced to disk, so a receipt is never handed out
/// for a message that a power cut could lose. The connections run `synchronous=NORMAL` (SQLite
/// syncs the WAL before each checkpoint and when the log is reused, but not at each commit), and
/// ``WALSync`` syncs the log after every commit before the commit's callers are answered. That is
/// `synchronous=FULL`'s guarantee with the sync taken off the writer's path: while the disk
/// confirms one shared transaction, the writer is already building the next
/// (``GroupCommitter`` pipelines the two), and commits that finish during a sync share the next
/// one. Concurrent submissions share transactions through ``GroupCommitter``. Statement journals
/// (one savepoint per message in a shared transaction) are kept in memory, and checkpoints
/// (copying the WAL back into the database file, with its own sync) run on their own connection
/// in the background (``WALCheckpointer``), so the writer appends to the WAL and only copies it back
/// as a backstop (10,000 pages).
///
/// Reads on other connections may see a commit a sync (about a millisecond) before it is durable;
/// anything that leaves the hub because of what it read (a push to a webhook) first waits for
/// ``waitUntilDurable()``.
///
/// ```swift
/// let store = try SQLiteStore(path: "baton.sqlite")
/// let result = try await store.accept(message) { message, sequence, transaction in ... }
/// ```
public final class SQLiteStore: HubStore {
    public let path: String
    private let pool: DatabasePool
    private let committer: GroupCommitter<Job, IntakeResult>
    private let checkpointer: WALCheckpointer
    private let walSync: WALSync
    private let logger: Logger
    /// Signs a tree head after every commit that appended to the audit log; nil keeps no audit
    /// log (stores opened by tools and tests that do not need one).
    private let treeHeadSigner: TreeHeadSigner?
    /// The hub's clock, for the time of audit entries written outside intake.
    private let now: @Sendable () -> Date
    /// The audit tree's upper levels, for proofs.
    private let nodeCache = MerkleNodeCache()

    struct Job: Sendable {
        let message: IncomingMessage
        let decide: IntakeDecider
    }

    /// - Parameters:
    ///   - observeBatch: told of every shared intake transaction (size, writer busy time).
    ///   - observeSync: told how long each sync of the write-ahead log took.
    public init(
        path: String, logger: Logger = Logger(label: "baton.store"), observeBatch: (@Sendable (CommitBatchObservation) -> Void)? = nil,
        observeSync: (@Sendable (Duration) -> Void)? = nil, treeHeadSigner: TreeHeadSigner? = nil, now: @escaping @Sendable () -> Date = { Date() }
    ) throws {
        self.path = path
        self.now = now
        self.logger = logger
        self.treeHeadSigner = treeHeadSigner
        var configuration = Configuration()
        configuration.journalMode = .wal
        configuration.busyMode = .timeout(5)
        configuration.prepareDatabase { db in
            // Commits are synced by ``WALSync`` before anyone hears of them (see above).
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            // Each message in a shared transaction has its own savepoint, and SQLite keeps what a
            // savepoint would need to roll back in a statement journal: in memory, not a temporary
            // file (on disk it cost a page write for every page a message touched). Durability is
            // unaffected: the WAL is what a commit syncs.
            try db.execute(sql: "PRAGMA temp_store = MEMORY")
            // 32 MiB of page cache per connection, so the indexes the writer touches stay hot.
            try db.execute(sql: "PRAGMA cache_size = -32768")
            // Checkpoints are the ``WALCheckpointer``'s job, off the writer's path; committing
            // connections only step in if it falls far behind (10,000 pages: 40 MiB of WAL).
            try db.execute(sql: "PRAGMA wal_autocheckpoint = 10000")
        }
        let pool = try DatabasePool(path: path, configuration: configuration)
        try SQLiteSchema.migrator.migrate(pool)
        self.pool = pool
        self.checkpointer = try WALCheckpointer(path: path, logger: logger)
        let walSync = WALSync(databasePath: path, logger: logger, observe: observeSync)
        self.walSync = walSync
        self.committer = GroupCommitter(observeBatch: observeBatch, durable: { try await walSync.sync() }) { jobs in
            try await pool.write { db in try SQLiteStore.store(jobs, in: db, signer: treeHeadSigner) }
        }
        let nodeCache = nodeCache
        try pool.read { db in try nodeCache.load(db) }
    }

    /// Reads a PRAGMA's value, for checking the durability settings.
    public func pragma(_ name: String) async throws -> String? {
        try await pool.read { db in try String.fetchOne(db, sql: "PRAGMA \(name)") }
    }

    public func accept(_ message: IncomingMessage, decide: @escaping IntakeDecider) async throws -> IntakeResult {
        try await committer.submit(Job(message: message, decide: decide))
    }

    /// Runs inside one write transaction for a whole batch, with prepared statements reused
    /// across messages and batches.
    ///
    /// Each message has its own savepoint: a message its decider refuses (a reply to an item that
    /// is already closed, say) leaves nothing behind and does not undo the others. A failure of the
    /// transaction itself (an I/O error at commit) fails every message in the batch, and none of
    /// them is receipted.
    static func store(_ jobs: [Job], in db: Database, signer: TreeHeadSigner? = nil) throws -> [Result<IntakeResult, any Error>] {
        var nextSequence = (try Int64.fetchOne(db.cachedStatement(sql: "SELECT MAX(sequence) FROM message")) ?? 0) + 1
        let existing = try db.cachedStatement(sql: "SELECT sequence, jws_sha256 FROM message WHERE sender_agency = ? AND message_id = ?")
        let insert = try db.cachedStatement(sql: """
            INSERT INTO message (sequence, sender_agency, message_id, kind, sender_kid, sent_at, received_at, jws_sha256, jws, receipt, intake_summary)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        let journal = signer == nil ? nil : AuditJournal()
        let context = IntakeContext()
        let transaction = SQLiteTransaction(db: db, journal: journal, intake: context)
        var results: [Result<IntakeResult, any Error>] = []
        var logged = false
        results.reserveCapacity(jobs.count)
        for job in jobs {
            let message = job.message
            do {
                if let row = try Row.fetchOne(existing, arguments: [message.sender.rawValue, message.messageId.rawValue]) {
                    let sha256: String = row[1]
                    guard sha256 == message.sha256 else {
                        results.append(.success(.conflict(existingSHA256: sha256)))
                        continue
                    }
                    guard let stored = try transaction.message(from: message.sender, id: message.messageId) else {
                        throw StoreUnavailable("a stored message could not be read back")
                    }
                    results.append(.success(.duplicate(stored)))
                    continue
                }
                let sequence = nextSequence
                var decision: IntakeDecision?
                try db.inSavepoint {
                    journal?.changes.removeAll()
                    journal?.persons.removeAll()
                    context.sequence = sequence
                    context.kind = message.kind
                    context.receivedAt = message.receivedAt
                    let decided = try job.decide(message, sequence, transaction)
                    try insert.execute(arguments: [
                        sequence, message.sender.rawValue, message.messageId.rawValue, message.kind.rawValue,
                        message.senderKid, RFC3339.format(message.sentAt), RFC3339.format(message.receivedAt),
                        message.sha256, message.jws.withUnsafeBufferPointer { Data(buffer: $0) }, decided.receipt,
                        decided.summary.serializedString(),
                    ])
                    if let journal {
                        // The message's entry: what arrived (by hash) and every change deciding it made.
                        journal.changes.insert([
                            "change": "message.received", "messageSequence": .number(Double(sequence)), "sender": .string(message.sender.rawValue),
                            "messageId": .string(message.messageId.rawValue), "kind": .string(message.kind.rawValue),
                            "kid": .string(message.senderKid), "sha256": .string(message.sha256),
                        ], at: 0)
                        try transaction.appendAuditEntry("intake", journal: journal, at: message.receivedAt)
                        logged = true
                    }
                    decision = decided
                    return .commit
                }
                guard let decision else { throw StoreUnavailable("the savepoint did not commit") }
                results.append(.success(.accepted(StoredMessage(
                    sequence: sequence, sender: message.sender, messageId: message.messageId, kind: message.kind,
                    senderKid: message.senderKid, sentAt: message.sentAt, receivedAt: message.receivedAt,
                    sha256: message.sha256, jws: message.jws, receipt: decision.receipt, summary: decision.summary))))
                nextSequence += 1
            } catch {
                results.append(.failure(error))
            }
        }
        if logged, let signer, let last = jobs.last {
            try transaction.signTreeHead(with: signer, at: last.message.receivedAt)
        }
        return results
    }

    public func read<T: Sendable>(_ body: @escaping @Sendable (any StoreReader) throws -> T) async throws -> T {
        let nodeCache = nodeCache
        return try await pool.read { db in try body(SQLiteTransaction(db: db, nodeCache: nodeCache)) }
    }

    public func write<T: Sendable>(_ body: @escaping @Sendable (any StoreTransaction) throws -> T) async throws -> T {
        let signer = treeHeadSigner
        let clock = now
        let result = try await pool.write { db in
            let journal = signer == nil ? nil : AuditJournal()
            let transaction = SQLiteTransaction(db: db, journal: journal)
            let result = try body(transaction)
            if let journal, let signer, !journal.changes.isEmpty {
                let now = clock()
                try transaction.appendAuditEntry("write", journal: journal, at: now)
                try transaction.signTreeHead(with: signer, at: now)
            }
            return result
        }
        try await walSync.sync()
        return result
    }

    /// Publishes a checkpoint: the tree head of the log as it stands, signed (a new head if the log
    /// grew since the last), marked as a checkpoint. Nil when the store keeps no audit log.
    public func auditCheckpoint() async throws -> TreeHead? {
        guard let signer = treeHeadSigner else { return nil }
        let clock = now
        let head = try await pool.write { db in try SQLiteTransaction(db: db).signTreeHead(with: signer, at: clock(), checkpoint: true) }
        try await walSync.sync()
        return head
    }

    public func waitUntilDurable() async throws {
        try await walSync.sync()
    }

    public func checkReadiness() async throws {
        _ = try await pool.read { db in try Int.fetchOne(db, sql: "SELECT 1") }
    }

    public func close() async throws {
        await committer.close()
        await walSync.close()
        await checkpointer.stop()
        try pool.close()
    }
}
