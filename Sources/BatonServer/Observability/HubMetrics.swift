import CoreMetrics
import Foundation

/// The hub's own metrics, created from an injected factory (no hidden global), exported at
/// `/metrics` by ``PrometheusExporter``.
public struct HubMetrics: Sendable {
    private let accepted: Counter
    private let duplicates: Counter
    private let rejected: [ProblemType: Counter]
    private let intakeDuration: CoreMetrics.Timer
    private let batchSize: Recorder
    private let commitDuration: CoreMetrics.Timer
    private let syncDuration: CoreMetrics.Timer
    private let sweptChanges: Counter
    private let deliveries: Counter
    private let deliveryFailures: Counter
    private let reloads: Counter
    private let refusedReloads: Counter

    public init(factory: any MetricsFactory) {
        accepted = Counter(label: "baton_intake_total", dimensions: [("outcome", "accepted")], factory: factory)
        duplicates = Counter(label: "baton_intake_total", dimensions: [("outcome", "duplicate")], factory: factory)
        rejected = Dictionary(uniqueKeysWithValues: ProblemType.allCases.map {
            ($0, Counter(label: "baton_intake_total", dimensions: [("outcome", "rejected"), ("problem", $0.rawValue)], factory: factory))
        })
        intakeDuration = CoreMetrics.Timer(label: "baton_intake_duration_seconds", factory: factory)
        batchSize = Recorder(label: "baton_store_commit_batch_size", aggregate: true, factory: factory)
        commitDuration = CoreMetrics.Timer(label: "baton_store_commit_duration_seconds", factory: factory)
        syncDuration = CoreMetrics.Timer(label: "baton_store_sync_duration_seconds", factory: factory)
        sweptChanges = Counter(label: "baton_deadline_changes_total", factory: factory)
        deliveries = Counter(label: "baton_deliveries_total", dimensions: [("result", "delivered")], factory: factory)
        deliveryFailures = Counter(label: "baton_deliveries_total", dimensions: [("result", "failed")], factory: factory)
        reloads = Counter(label: "baton_rules_reloads_total", dimensions: [("result", "applied")], factory: factory)
        refusedReloads = Counter(label: "baton_rules_reloads_total", dimensions: [("result", "refused")], factory: factory)
    }

    /// A reload of the registry and policies: applied, or refused because a file did not validate.
    func recordReload(succeeded: Bool) { (succeeded ? reloads : refusedReloads).increment() }

    /// Items whose deadlines a sweep marked breached or escalated.
    func recordSweep(changed: Int) { sweptChanges.increment(by: changed) }

    func recordDelivery(delivered: Bool) { (delivered ? deliveries : deliveryFailures).increment() }

    func recordAccepted(duration: Duration) {
        accepted.increment()
        intakeDuration.record(duration: duration)
    }

    func recordDuplicate() { duplicates.increment() }

    func recordRejected(_ type: ProblemType) { rejected[type]?.increment() }

    /// For the store's group committer: how many messages shared one commit, and how long the
    /// writer spent on it (deciding and writing; the sync runs beside the next batch). The
    /// duration's sum over wall time is how busy the single writer is.
    public func recordCommitBatch(size: Int, duration: Duration) {
        batchSize.record(size)
        commitDuration.record(duration: duration)
    }

    /// For the store: how long one sync of the write-ahead log took (every commit waits for one).
    public func recordSync(duration: Duration) {
        syncDuration.record(duration: duration)
    }
}
