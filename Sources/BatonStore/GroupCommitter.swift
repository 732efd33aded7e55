import Foundation

/// What one shared transaction took: how many jobs, and how long from starting to write them to
/// the durable commit (the writer's busy time).
public struct CommitBatchObservation: Sendable {
    public var size: Int
    public var duration: Duration
}

/// Batches concurrent writes into shared transactions ("group commit").
///
/// A durable commit costs an fsync; doing one per message caps intake at the disk's sync rate.
/// Instead, each caller hands in a job and waits; while one transaction is being written and
/// synced, new jobs queue up, and the next transaction takes them all (up to `maximumBatch`).
/// Under light load every job gets its own transaction at once (no timer, no added latency);
/// under heavy load the batches grow and the cost of a sync is shared.
///
/// `commit` gets a batch and returns one result per job, in order; if it throws, every job in
/// the batch fails with that error (nothing was committed).
public actor GroupCommitter<Job: Sendable, Output: Sendable> {
    public typealias Commit = @Sendable ([Job]) async throws -> [Result<Output, any Error>]

    private struct Waiting {
        let job: Job
        let continuation: CheckedContinuation<Output, any Error>
    }

    private let commit: Commit
    private let maximumBatch: Int
    private var queue: [Waiting] = []
    private var flushing = false
    private var closed = false
    private var drainedWaiters: [CheckedContinuation<Void, Never>] = []
    private var batchObserver: (@Sendable (CommitBatchObservation) -> Void)?

    public init(maximumBatch: Int = 256, observeBatch: (@Sendable (CommitBatchObservation) -> Void)? = nil, commit: @escaping Commit) {
        self.maximumBatch = maximumBatch
        self.commit = commit
        self.batchObserver = observeBatch
    }

    /// Queues `job` and returns its result once the transaction holding it has committed.
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

    /// Stops taking jobs and waits until everything already queued has been committed.
    public func close() async {
        closed = true
        guard flushing else { return }
        await withCheckedContinuation { drainedWaiters.append($0) }
    }

    private func drain() async {
        while !queue.isEmpty {
            let count = min(queue.count, maximumBatch)
            let batch = Array(queue.prefix(count))
            queue.removeFirst(count)
            let started = ContinuousClock.now
            do {
                let results = try await commit(batch.map(\.job))
                batchObserver?(CommitBatchObservation(size: count, duration: ContinuousClock.now - started))
                precondition(results.count == batch.count, "commit must return one result per job")
                for (waiting, result) in zip(batch, results) { waiting.continuation.resume(with: result) }
            } catch {
                for waiting in batch { waiting.continuation.resume(throwing: error) }
            }
        }
        flushing = false
        for waiter in drainedWaiters { waiter.resume() }
        drainedWaiters.removeAll()
    }
}
