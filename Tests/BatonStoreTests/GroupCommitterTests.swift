import BatonStore
import Foundation
import Synchronization
import Testing

/// A gate a test opens by hand.
private actor Gate {
    private var open = false
    private var waiting: [CheckedContinuation<Void, Never>] = []
    private(set) var arrivals = 0

    func pass() async {
        arrivals += 1
        if open { return }
        await withCheckedContinuation { waiting.append($0) }
    }

    func openNow() {
        open = true
        for continuation in waiting { continuation.resume() }
        waiting.removeAll()
    }
}

/// What happened, in order, shared between tasks.
private final class Log<Value: Sendable>: Sendable {
    private let values = Mutex<[Value]>([])
    func append(_ value: Value) { values.withLock { $0.append(value) } }
    func append(contentsOf more: [Value]) { values.withLock { $0.append(contentsOf: more) } }
    var all: [Value] { values.withLock { $0 } }
}

private func eventually(_ condition: @Sendable () async -> Bool) async throws {
    for _ in 0..<500 {
        if await condition() { return }
        try await Task.sleep(for: .milliseconds(10))
    }
    Issue.record("condition not reached in 5 s")
}

@Suite("Group commit")
struct GroupCommitterTests {
    @Test("with a durability step, no caller is answered before it, and the writer goes on to the next batch meanwhile")
    func pipelinesCommitAndSync() async throws {
        let committed = Log<Int>()
        let answered = Log<Int>()
        let gate = Gate()
        let committer = GroupCommitter<Int, Int>(durable: { await gate.pass() }) { jobs in
            committed.append(contentsOf: jobs)
            return jobs.map { .success($0 * 10) }
        }
        let first = Task {
            let value = try await committer.submit(1)
            answered.append(1)
            return value
        }
        try await eventually { committed.all == [1] }
        let second = Task {
            let value = try await committer.submit(2)
            answered.append(2)
            return value
        }
        // The second batch commits while the first is still waiting to be made durable.
        try await eventually { committed.all == [1, 2] }
        try await eventually { await gate.arrivals == 2 }
        #expect(answered.all.isEmpty)
        await gate.openNow()
        #expect(try await first.value == 10)
        #expect(try await second.value == 20)
        #expect(Set(answered.all) == [1, 2])
        await committer.close()
    }

    @Test("a failed durability step fails every caller of its batch; nothing is promised")
    func failedSyncFailsTheBatch() async throws {
        struct SyncFailed: Error {}
        let committer = GroupCommitter<Int, Int>(durable: { throw SyncFailed() }) { jobs in
            jobs.map { .success($0) }
        }
        await #expect(throws: SyncFailed.self) { try await committer.submit(7) }
        await committer.close()
    }

    @Test("close waits for batches still being made durable")
    func closeWaitsForSync() async throws {
        let gate = Gate()
        let answered = Log<Bool>()
        let committer = GroupCommitter<Int, Int>(durable: { await gate.pass() }) { jobs in jobs.map { .success($0) } }
        let caller = Task {
            _ = try await committer.submit(1)
            answered.append(true)
        }
        try await eventually { await gate.arrivals == 1 }
        let closing = Task { await committer.close() }
        try await Task.sleep(for: .milliseconds(50))
        #expect(answered.all.isEmpty)
        await gate.openNow()
        await closing.value
        try await caller.value
        #expect(answered.all == [true])
        await #expect(throws: StoreUnavailable.self) { try await committer.submit(2) }
    }
}
