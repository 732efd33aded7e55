import BatonCore
import BatonStore
import Foundation
import Logging
import ServiceLifecycle

/// Finds every open item whose next check is due and lets time pass for it (the state machine's
/// `tick`): deadlines that passed are marked breached and escalate up the recipient's ladder;
/// escalations that waited long enough climb. Each batch is one transaction, so an escalation
/// notice never exists without the escalation recorded on its item, nor the reverse.
public struct DeadlineSweeper: Sendable {
    let store: any HubStore
    let rules: LiveRules
    var workflow: ItemWorkflow { rules.current.workflow }
    let clock: any HubClock
    let logger: Logger
    let metrics: HubMetrics
    var batchSize = 200

    /// What one sweep did.
    public struct Report: Sendable, Equatable {
        public var checked: Int
        public var changed: Int
    }

    /// Sweeps once, at the clock's current time.
    @discardableResult
    public func sweep() async throws -> Report {
        let now = clock.now()
        var report = Report(checked: 0, changed: 0)
        var seen: Set<ItemID> = []
        while true {
            let workflow = self.workflow
            let batch = batchSize
            let excluded = seen
            let (ids, changed) = try await store.write { transaction -> ([ItemID], Int) in
                let ids = try transaction.dueItems(at: now, limit: batch + excluded.count).filter { !excluded.contains($0) }.prefix(batch)
                var changed = 0
                for id in ids {
                    guard let item = try transaction.item(id) else { continue }
                    let after = try workflow.apply(.tick, to: item, at: now, in: transaction)
                    if after.state != item.state { changed += 1 }
                }
                return (Array(ids), changed)
            }
            report.checked += ids.count
            report.changed += changed
            seen.formUnion(ids)
            if ids.count < batchSize { break }
        }
        if report.changed > 0 {
            metrics.recordSweep(changed: report.changed)
            logger.info("deadlines checked", metadata: ["items": "\(report.checked)", "changed": "\(report.changed)"])
        }
        return report
    }
}

/// Runs the sweeper every `interval` until shutdown.
struct SweeperService: Service {
    let sweeper: DeadlineSweeper
    let interval: Duration
    let logger: Logger

    func run() async throws {
        try await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await sweeper.sweep()
                } catch is CancellationError {
                    return
                } catch {
                    logger.error("deadline sweep failed; retrying", metadata: ["error.type": "\(type(of: error))"])
                }
                // Shutdown cancels the sleep: stop quietly, the work so far is committed.
                do { try await Task.sleep(for: interval) } catch { return }
            }
        }
    }
}
