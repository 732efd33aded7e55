import Foundation

/// What one shared transaction took: how many jobs, and how long from starting to write them to
/// the commit (the writer's busy time; the sync that makes them durable runs beside it).
public struct CommitBatchObservation: Sendable {
    public var size: Int
    public var duration: Duration
}

/// Batches concurrent writes into shared transactions ("group commit").
///
/// A durable commit costs an fsync; doing one per message caps intake at the disk's sync rate.
/// Instead, each caller hands in a job and waits; while one transaction is being written, new jobs
/// queue up, and the next transaction takes them all (up to `maximumBatch`). Under light load
/// every job gets its own transaction at once (no timer, no added latency); under heavy load the
/// batches grow and the cost of a sync is shared.
///
/// `commit` gets a batch and returns one result per job, in order; if it throws, every job in
/// the batch fails with that error (nothing was committed).
///
/// With `durable`, committing and syncing are pipelined: once a batch has committed, the writer
/// goes on to the next batch while `durable` makes the first one durable, and only then are its
/// callers answered. `durable` must not return before everything committed before it was called
/// is durable (one sync that starts after the commit does that). If it throws, the batch's callers
/// get the error: nothing is promised to them.
public actor GroupCommitter<Job: Sendable, Output: Sendable> {
    public typealias Commit = @Sendable ([Job]) async throws -> [Result<Output, any Error>]
    public typealias Durable = @Sendable () async throws -> Void

    private struct Waiting {
        let job: Job
        let continuation: CheckedContinuation<Output, any Error>
    }

    private let commit: Commit
    private let durable: Durable?
    private let maximumBatch: Int
    private var queue: [Waiting] = []
    private var flushing = false
    private var syncing = 0
    private var closed = false
    private var drainedWaiters: [CheckedContinuation<Void, Never>] = []
    private var batchObserver: (@Sendable (CommitBatchObservation) -> Void)?

    public init(
        maximumBatch: Int = 256, observeBatch: (@Sendable (CommitBatchObservation) -> Void)? = nil, durable: Durable? = nil,
        commit: @escaping Commit
    ) {
        self.maximumBatch = maximumBatch
        self.commit = commit
        self.durable = durable
        self.batchObserver = observeBatch
    }

    /// Queues `job` and returns its result once the transaction holding it has committed (and,
    /// with `durable`, is durable).
    public func submit(_ job: Job) async throws -> Output {
        guard !closed else { throw StoreUnavailable("the store is shutting down") }
        return try await withCheckedThrowingContinuation { continuation in
            queue.append(Waiting(job: job, continuation: continuation))
            if !flushing {
                flushing = true
                Task { await self.drain() }
            }
        }
    }

    /// Stops taking jobs and waits until everything already queued has been committed and made
    /// durable.
    public func close() async {
        closed = true
        guard flushing || syncing > 0 else { return }
        await withCheckedContinuation { drainedWaiters.append($0) }
    }

    private func drain() async {
        while !queue.isEmpty {
            let count = min(queue.count, maximumBatch)
            let batch = Array(queue.prefix(count))
            queue.removeFirst(count)
            let started = ContinuousClock.now
            let results: [Result<Output, any Error>]
            do {
                results = try await commit(batch.map(\.job))
                batchObserver?(CommitBatchObservation(size: count, duration: ContinuousClock.now - started))
                precondition(results.count == batch.count, "commit must return one result per job")
            } catch {
                for waiting in batch { waiting.continuation.resume(throwing: error) }
                continue
            }
            guard let durable else {
                for (waiting, result) in zip(batch, results) { waiting.continuation.resume(with: result) }
                continue
            }
            syncing += 1
            Task {
                do {
                    try await durable()
                    for (waiting, result) in zip(batch, results) { waiting.continuation.resume(with: result) }
                } catch {
                    for waiting in batch { waiting.continuation.resume(throwing: error) }
                }
                self.synced()
            }
        }
        flushing = false
        notifyIfDrained()
    }

    private func synced() {
        syncing -= 1
        notifyIfDrained()
    }

    private func notifyIfDrained() {
        guard !flushing, syncing == 0 else { return }
        for waiter in drainedWaiters { waiter.resume() }
        drainedWaiters.removeAll()
    }
}
