import Foundation
import Logging

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Makes the write-ahead log durable: one `fdatasync` of the `-wal` file, shared by every commit
/// waiting for it.
///
/// The writer commits with `synchronous=NORMAL`, which writes a transaction's WAL frames (and its
/// commit frame) without syncing them; SQLite itself still syncs the WAL before every checkpoint
/// and when the log is reused from the start. Before anyone is told a commit happened, this syncs
/// the log file. Syncing on a thread of its own lets the writer build the next transaction while
/// the disk confirms the last one (the fsync is off the writer's serial path), and because one
/// sync covers every frame written before it began, commits that finish while a sync is under way
/// share the next one.
final class WALSync: Sendable {
    let walPath: String
    private let queue = DispatchQueue(label: "baton.wal-sync", qos: .userInitiated)
    private let committer: GroupCommitter<Void, Void>
    private let descriptor: LockedDescriptor

    init(databasePath: String, logger: Logger, observe: (@Sendable (Duration) -> Void)? = nil) {
        let walPath = databasePath + "-wal"
        let queue = self.queue
        let descriptor = LockedDescriptor()
        self.walPath = walPath
        self.descriptor = descriptor
        committer = GroupCommitter(maximumBatch: .max) { jobs in
            let started = ContinuousClock.now
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                queue.async {
                    continuation.resume(with: Result { try descriptor.sync(path: walPath) })
                }
            }
            observe?(ContinuousClock.now - started)
            return jobs.map { _ in .success(()) }
        }
    }

    /// Returns once everything committed before the call is durable.
    func sync() async throws {
        try await committer.submit(())
    }

    func close() async {
        await committer.close()
        descriptor.close()
    }
}

/// The open `-wal` file, opened at the first sync (SQLite creates it with the first write).
private final class LockedDescriptor: @unchecked Sendable {
    // Only touched on the sync queue, and by `close` once the committer has drained.
    private var fd: Int32 = -1

    func sync(path: String) throws {
        if fd < 0 {
            fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { throw StoreUnavailable("the write-ahead log could not be opened for syncing (errno \(errno))") }
        }
        #if canImport(Glibc)
            let result = fdatasync(fd)
        #else
            let result = fsync(fd)
        #endif
        guard result == 0 else { throw StoreUnavailable("syncing the write-ahead log failed (errno \(errno))") }
    }

    func close() {
        if fd >= 0 {
            #if canImport(Glibc)
                _ = Glibc.close(fd)
            #else
                _ = Darwin.close(fd)
            #endif
            fd = -1
        }
    }
}
