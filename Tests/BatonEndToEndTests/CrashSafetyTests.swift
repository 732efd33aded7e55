import AsyncHTTPClient
import BatonCore
import BatonSigning
import BatonStore
import BatonSynthetic
import Foundation
import NIOCore
import Synchronization
import Testing

@Suite("Crash safety", .serialized)
struct CrashSafetyTests {
    /// What the load generators share: the next message to send and what came back.
    final class Progress: Sendable {
        let next = Mutex(0)
        let sent = Mutex<[Sent]>([])
        let receipted = Atomic<Int>(0)

        func take() -> Int { next.withLock { value in defer { value += 1 }; return value } }
    }

    struct Sent: Sendable {
        let messageId: MessageID
        let jws: String
        let receipt: String?
    }

    static func post(_ client: HTTPClient, _ base: String, _ jws: String) async throws -> (Int, JSONValue?) {
        var request = HTTPClientRequest(url: base + "/v1/messages")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/jose")
        request.body = .bytes(ByteBuffer(string: jws))
        let response = try await client.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), try? StrictJSON.parse(Array(body.readableBytesView)))
    }

    @Test("SIGKILL mid-stream loses no receipted message, and every receipted message keeps its receipt")
    func killedMidStream() async throws {
        let workspace = try Workspace()
        var traffic = SyntheticTraffic(seed: 99)
        let messages = try (0..<1500).map { _ -> (MessageID, String) in
            let message = traffic.referral(from: traffic.area.police, at: Date())
            let id = MessageID(rawValue: message.payload.objectValue!["messageId"]!.stringValue!)!
            return (id, try message.signed(with: workspace.policeKey))
        }
        let hub = try HubProcess(workspace)
        let base = hub.baseURL
        let progress = Progress()
        let killAfter = 250
        let pid = hub.process.processIdentifier

        try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<32 {
                group.addTask {
                    while true {
                        let index = progress.take()
                        guard index < messages.count else { return false }
                        let (id, jws) = messages[index]
                        do {
                            let (status, body) = try await Self.post(.shared, base, jws)
                            let receipt = status == 202 ? body?.objectValue?["receipt"]?.stringValue : nil
                            progress.sent.withLock { $0.append(Sent(messageId: id, jws: jws, receipt: receipt)) }
                            if receipt != nil { progress.receipted.add(1, ordering: .relaxed) }
                        } catch {
                            // The hub is gone: this message may or may not have been stored, but it has no receipt.
                            progress.sent.withLock { $0.append(Sent(messageId: id, jws: jws, receipt: nil)) }
                            return false
                        }
                    }
                }
            }
            group.addTask {
                while progress.receipted.load(ordering: .relaxed) < killAfter { try await Task.sleep(for: .milliseconds(2)) }
                kill(pid, SIGKILL)
                return true
            }
            // Once the hub is dead, stop the requests still waiting (the client would retry until its timeout).
            for try await killed in group where killed { group.cancelAll() }
        }
        hub.process.waitUntilExit()
        #expect(hub.process.terminationReason == .uncaughtSignal)

        let all = progress.sent.withLock { $0 }
        let withReceipt = all.filter { $0.receipt != nil }
        #expect(withReceipt.count >= killAfter)
        #expect(withReceipt.count < messages.count, "the hub was killed after every message was sent; nothing was in flight")

        // Restart on the same database: every receipted message is there, with its original receipt.
        let restarted = try HubProcess(workspace)
        for message in withReceipt {
            let (status, body) = try await Self.post(.shared, restarted.baseURL, message.jws)
            #expect(status == 200, "a receipted message was lost: \(message.messageId)")
            #expect(body?.objectValue?["receipt"]?.stringValue == message.receipt)
        }
        // Messages cut off without a receipt can simply be sent again.
        for message in all where message.receipt == nil {
            let (status, _) = try await Self.post(.shared, restarted.baseURL, message.jws)
            #expect(status == 200 || status == 202)
        }
        #expect(restarted.stop() == 0)

        // Exactly once: one row per message, and every receipt's sequence is its row.
        let store = try SQLiteStore(path: workspace.database)
        #expect(try await store.messageCount() == all.count)
        let hubKeys = try HubKeySet(jwks: HubKey.loadOrCreate(path: workspace.database + ".hub-key.jwk").0.jwks())
        for message in withReceipt {
            let stored = try #require(try await store.message(from: AgencyID(rawValue: "police-northmoor")!, id: message.messageId))
            #expect(stored.receipt == message.receipt)
            let payload = try hubKeys.verify(message.receipt!, as: .receipt)
            #expect(Receipt(payload: try StrictJSON.parse(payload))?.sequence == stored.sequence)
        }
        try await store.close()
    }
}
