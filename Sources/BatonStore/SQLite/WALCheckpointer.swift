import Foundation
import GRDB
import Logging

/// Copies the write-ahead log back into the database file in the background.
///
/// SQLite normally checkpoints on the connection that commits once the WAL passes 1,000 pages,
/// so every so often one commit also rewrites thousands of pages into the database file and
/// syncs it, and every message waiting on that commit waits too. Here a connection of its own
/// runs a PASSIVE checkpoint (which never blocks the writer or readers): every 40 ms while the
/// log has frames to copy, every 500 ms when it had none. The writer's own automatic checkpoint
/// stays as a backstop at 10,000 pages (40 MiB).
///
/// Under sustained load the log is never empty when the writer starts its next transaction, so
/// SQLite cannot start it again from the beginning and it grows to the backstop; the writer's
/// checkpoint there finds almost everything copied already and only restarts the log. (With the
/// backstop at 1,000 pages the writer itself did the copying: 6-10% of its time at the intake
/// benchmark's peak.) Nothing about durability changes: a commit is durable once its WAL frames
/// are synced.
final class WALCheckpointer: Sendable {
    private let queue: DatabaseQueue
    private let task: Task<Void, Never>

    init(path: String, busyInterval: Duration = .milliseconds(40), idleInterval: Duration = .milliseconds(500), logger: Logger) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        configuration.label = "baton.checkpointer"
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            try db.execute(sql: "PRAGMA wal_autocheckpoint = 0")
        }
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        self.queue = queue
        task = Task.detached(priority: .utility) {
            var interval = idleInterval
            // Frames copied so far in this generation of the log (SQLite counts them until the log
            // starts again): busy while it moves, idle when nothing new was written.
            var copied = -1
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                do {
                    let now = try await queue.writeWithoutTransaction { db in try db.checkpoint(.passive).checkpointedFrameCount }
                    interval = now != copied ? busyInterval : idleInterval
                    copied = now
                } catch is CancellationError {
                    break
                } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED {
                    // Another connection is checkpointing (the writer's backstop): try again next time.
                    continue
                } catch {
                    logger.warning("background checkpoint failed; the writer's own checkpoints take over", metadata: ["error.type": "\(type(of: error))"])
                }
            }
        }
    }

    /// Stops checkpointing and closes the connection (the last writer's close checkpoints anyway).
    func stop() async {
        task.cancel()
        _ = await task.value
        try? queue.close()
    }
}
