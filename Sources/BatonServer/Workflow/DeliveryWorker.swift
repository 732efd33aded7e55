import AsyncHTTPClient
import BatonCore
import BatonSigning
import BatonStore
import Foundation
import HTTPTypes
import Logging
import NIOCore
import ServiceLifecycle

/// Pushes items to agencies that registered an `endpoint` (PROTOCOL.md §7), from the durable
/// outbox.
///
/// Each push is `POST <endpoint>` with `Content-Type: application/jose`: a JWS signed by the hub
/// (`typ: baton-delivery`) whose payload is `{ deliveryId, reason, sentAt, item }`, the item as its
/// recipient reads it through the API (the same view, the same disclosure rules). The delivery id
/// is also in the `Baton-Delivery-Id` header; receivers de-duplicate on it. A 2xx marks the item
/// received; anything else is retried with exponential backoff (5 s doubling to 15 minutes). The
/// item's own delivery deadline escalates when pushing fails for too long; a push is abandoned
/// only after the retry window (30 days), and stays visible.
public struct DeliveryWorker: Sendable {
    let store: any HubStore
    let rules: LiveRules
    var workflow: ItemWorkflow { rules.current.workflow }
    var views: ItemViews { rules.current.views }
    let hubKey: HubKey
    let clock: any HubClock
    let client: HTTPClient
    let logger: Logger
    let metrics: HubMetrics
    var batchSize = 32
    var timeout: TimeAmount = .seconds(10)

    static let retryWindow: TimeInterval = 30 * 86_400

    /// The wait before attempt `attempts + 1`.
    static func backoff(afterAttempts attempts: Int) -> TimeInterval {
        min(5 * pow(2, Double(max(0, attempts - 1))), 900)
    }

    /// Attempts every delivery that is due; returns how many were attempted.
    @discardableResult
    public func runOnce() async throws -> Int {
        let now = clock.now()
        let batch = batchSize
        let due = try await store.read { try $0.dueDeliveries(at: now, limit: batch) }
        guard !due.isEmpty else { return 0 }
        // Nothing leaves the hub before what it reports is durable.
        try await store.waitUntilDurable()
        await withTaskGroup(of: Void.self) { group in
            for delivery in due {
                group.addTask { await attempt(delivery) }
            }
        }
        return due.count
    }

    func attempt(_ delivery: Delivery) async {
        let now = clock.now()
        do {
            guard let endpoint = workflow.registry.agency(delivery.agency)?.endpoint else {
                try await finish(delivery, at: now, delivered: false, error: "the agency has no endpoint any more", abandon: true)
                return
            }
            let views = self.views
            let prepared: (body: String, access: AccessRecord)? = try await store.read { reader in
                guard let item = try reader.item(delivery.itemID) else { return nil }
                let message = try reader.message(sequence: item.messageSequence)
                let recorded = try RecordedDisclosure.of(item.id, in: reader)
                var view = views.recipientView(item, message: message, history: try reader.history(of: item.id), at: now, recorded: recorded)
                if let discussion = try views.discussion(of: item, viewer: item.recipient, in: reader, at: now, descriptions: true) { view["discussion"] = .object(discussion) }
                let payload: JSONValue = [
                    "deliveryId": .string(delivery.id), "reason": .string(delivery.reason), "sentAt": .string(RFC3339.format(now)),
                    "item": .object(view),
                ]
                let access = try views.access(of: view, item: item, reader: delivery.agency, role: nil, channel: "webhook", in: reader)
                return (try hubKey.sign(payload, type: .delivery), access)
            }
            guard let (body, access) = prepared else {
                try await finish(delivery, at: now, delivered: false, error: "the item does not exist", abandon: true)
                return
            }
            var request = HTTPClientRequest(url: endpoint.absoluteString)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/jose")
            request.headers.add(name: "Baton-Delivery-Id", value: delivery.id)
            request.body = .bytes(ByteBuffer(string: body))
            let status: UInt
            do {
                let response = try await client.execute(request, timeout: timeout)
                status = response.status.code
                _ = try? await response.body.collect(upTo: 64 * 1024)
            } catch {
                try await finish(delivery, at: now, delivered: false, error: "connection failed (\(type(of: error)))", abandon: false, sent: access)
                return
            }
            if (200..<300).contains(status) {
                try await finish(delivery, at: now, delivered: true, error: nil, abandon: false, sent: access)
            } else {
                try await finish(delivery, at: now, delivered: false, error: "HTTP \(status)", abandon: false, sent: access)
            }
        } catch {
            logger.error("delivery bookkeeping failed; it will be retried", metadata: ["delivery": "\(delivery.id)", "error.type": "\(type(of: error))"])
        }
    }

    /// Records an attempt; `sent` is the audit record of the item's content having left the hub
    /// (every attempt that made a request: the receiver may have read it whatever it answered).
    func finish(_ delivery: Delivery, at now: Date, delivered: Bool, error: String?, abandon: Bool, sent: AccessRecord? = nil) async throws {
        var updated = delivery
        updated.attempts += 1
        if delivered {
            updated.state = .delivered
            updated.deliveredAt = now
            updated.nextAttemptAt = nil
            updated.lastError = nil
        } else {
            updated.lastError = error
            if abandon || now.timeIntervalSince(delivery.createdAt) > Self.retryWindow {
                updated.state = .abandoned
                updated.nextAttemptAt = nil
            } else {
                updated.nextAttemptAt = now.addingTimeInterval(Self.backoff(afterAttempts: updated.attempts))
            }
        }
        let workflow = self.workflow
        let final = updated
        try await store.write { transaction in
            try transaction.apply(.updateDelivery(final))
            if let sent { try transaction.apply(.access(sent)) }
            if delivered, let item = try transaction.item(final.itemID) {
                try workflow.apply(.delivered(channel: .push), to: item, at: now, in: transaction)
            }
        }
        metrics.recordDelivery(delivered: delivered)
        if delivered {
            logger.info("delivered", metadata: ["delivery": "\(delivery.id)", "agency": "\(delivery.agency)", "attempts": "\(updated.attempts)"])
        } else {
            logger.notice("delivery failed", metadata: [
                "delivery": "\(delivery.id)", "agency": "\(delivery.agency)", "attempts": "\(updated.attempts)",
                "error": "\(error ?? "")", "state": "\(updated.state.rawValue)",
            ])
        }
    }
}

/// Runs the delivery worker every `interval` until shutdown.
struct DeliveryService: Service {
    let worker: DeliveryWorker
    let interval: Duration
    let logger: Logger

    func run() async throws {
        try await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    let attempted = try await worker.runOnce()
                    if attempted > 0 { continue }
                } catch is CancellationError {
                    return
                } catch {
                    logger.error("delivery run failed; retrying", metadata: ["error.type": "\(type(of: error))"])
                }
                // Shutdown cancels the sleep: stop quietly, the work so far is committed.
                do { try await Task.sleep(for: interval) } catch { return }
            }
        }
    }
}
