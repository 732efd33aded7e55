import BatonCore
import BatonServer
import BatonSigning
import BatonStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Synchronization
import Testing

/// A real HTTP receiver on a loopback port, standing in for an agency's case system: it answers
/// with the statuses it is told to, in turn, and keeps what it was sent.
final class WebhookReceiver: Sendable {
    struct Received: Sendable {
        let deliveryId: String?
        let contentType: String?
        let body: String
    }

    let statuses: Mutex<[HTTPResponse.Status]>
    let received = Mutex<[Received]>([])
    let port = Mutex(0)
    private let task = Mutex<Task<Void, any Error>?>(nil)

    init(statuses: [HTTPResponse.Status]) { self.statuses = Mutex(statuses) }

    var url: String { "http://127.0.0.1:\(port.withLock { $0 })/hook" }
    var all: [Received] { received.withLock { $0 } }

    func start() async throws {
        let router = Router()
        router.post("/hook") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 1 << 20)
            self.received.withLock {
                $0.append(Received(deliveryId: request.headers[HTTPField.Name("Baton-Delivery-Id")!],
                                   contentType: request.headers[.contentType], body: String(buffer: body)))
            }
            let status = self.statuses.withLock { $0.count > 1 ? $0.removeFirst() : ($0.first ?? .ok) }
            return Response(status: status)
        }
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { continuation.yield($0.localAddress?.port ?? 0) },
            logger: Logger(label: "receiver") { _ in SwiftLogNoOpLogHandler() })
        task.withLock { $0 = Task { try await app.runService() } }
        let port = await ports.first { _ in true } ?? 0
        self.port.withLock { $0 = port }
    }

    func stop() { task.withLock { $0?.cancel() } }
}

@Suite("Push delivery")
struct PushDeliveryTests {
    @Test("a receiver that fails and then recovers gets the item, signed by the hub, with a delivery id; the item is then received")
    func failsThenRecovers() async throws {
        let receiver = WebhookReceiver(statuses: [.serviceUnavailable, .internalServerError, .ok])
        try await receiver.start()
        defer { receiver.stop() }
        let hub = try TestHub(mashEndpoint: receiver.url)
        try await hub.run { baton, client in
            let receipt = try await client.accepted(try hub.signed(hub.referral()))
            let itemId = try #require(receipt.objects("items").first?.string("itemId"))
            let id = try #require(ItemID(rawValue: itemId))

            #expect(try await baton.deliveries.runOnce() == 1)
            var delivery = try #require(try await baton.store.read { try $0.deliveries(of: id) }.first)
            #expect(delivery.state == .pending)
            #expect(delivery.attempts == 1)
            #expect(delivery.lastError == "HTTP 503")
            // Not due again until the backoff has passed.
            #expect(try await baton.deliveries.runOnce() == 0)
            hub.clock.advance(by: 5)
            #expect(try await baton.deliveries.runOnce() == 1)
            hub.clock.advance(by: 10)
            #expect(try await baton.deliveries.runOnce() == 1)
            delivery = try #require(try await baton.store.read { try $0.deliveries(of: id) }.first)
            #expect(delivery.state == .delivered)
            #expect(delivery.attempts == 3)

            let attempts = receiver.all
            #expect(attempts.count == 3)
            #expect(Set(attempts.compactMap(\.deliveryId)) == [delivery.id])
            #expect(attempts.allSatisfy { $0.contentType == "application/jose" })
            // The body verifies against the hub's published keys and carries the recipient's view.
            let jwks = try #require(try await client.execute(uri: "/.well-known/jwks.json", method: .get).json)
            let payload = try HubKeySet(jwks: jwks).verify(try #require(attempts.last?.body), as: .delivery)
            let object = try #require(try StrictJSON.parse(payload).objectValue)
            #expect(object.string("deliveryId") == delivery.id)
            #expect(object.string("item", "itemId") == itemId)
            #expect(object.string("item", "content", "subjects", 0, "givenName") == "Evie")

            let item = try await client.readJSON("/v1/items/\(itemId)", as: "mash-test", hub: hub)
            #expect(item.objects("history").map { $0.string("event") } == ["created", "delivered"])
            #expect(item.string("history", 1, "detail", "channel") == "push")
        }
    }

    @Test("when pushing keeps failing past the delivery deadline the item escalates, and the notice is pushed too")
    func failingPastTheDeadlineEscalates() async throws {
        let receiver = WebhookReceiver(statuses: [.badGateway])
        try await receiver.start()
        defer { receiver.stop() }
        let hub = try TestHub(mashEndpoint: receiver.url)
        try await hub.run { baton, client in
            let receipt = try await client.accepted(try hub.signed(hub.referral()))
            let itemId = try #require(receipt.objects("items").first?.string("itemId"))
            for _ in 0..<6 {
                try await baton.deliveries.runOnce()
                hub.clock.advance(by: 20 * 60)
            }
            // Two hours on (PT2H delivery deadline), it is still not delivered: the sweeper escalates.
            #expect(try await baton.sweeper.sweep().changed == 1)
            let inbox = try await client.readJSON("/v1/inbox", as: "mash-test", hub: hub)
            let notice = try #require(inbox.objects("items").first { $0.string("purpose") == "escalation-notice" })
            #expect(notice.string("relatedItem") == itemId)
            #expect(notice.string("addressee", "role") == "team-manager")
            let pending = try await baton.store.read { reader in try reader.dueDeliveries(at: hub.clock.now().addingTimeInterval(3600), limit: 10) }
            #expect(Set(pending.map(\.itemID.rawValue)).contains(try #require(notice.string("itemId"))))
            #expect(receiver.all.count == 6)
        }
    }
}
