import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// Latencies and statuses gathered by one phase of load.
struct PhaseResult {
    var latenciesMicros: [UInt32]
    var statuses: [UInt: Int]
    var seconds: Double

    var count: Int { latenciesMicros.count }
    var rate: Double { Double(count) / seconds }

    func percentile(_ p: Double) -> Double {
        guard !latenciesMicros.isEmpty else { return .nan }
        let sorted = latenciesMicros.sorted()
        let index = min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)
        return Double(sorted[max(0, index)]) / 1000
    }
}

/// Hands out pre-signed request bodies, each once (or, with `cycle`, round and round: for the
/// floor's servers, which keep no state about what they saw).
final class BodySource: Sendable {
    private let bodies: [ByteBuffer]
    private let cycle: Bool
    private let next = Atomic<Int>(0)

    init(_ bodies: [ByteBuffer], cycle: Bool = false) {
        self.bodies = bodies
        self.cycle = cycle
    }

    func take() -> ByteBuffer? {
        let index = next.wrappingAdd(1, ordering: .relaxed).oldValue
        if cycle { return bodies[index % bodies.count] }
        return index < bodies.count ? bodies[index] : nil
    }

    var used: Int { cycle ? next.load(ordering: .relaxed) : min(next.load(ordering: .relaxed), bodies.count) }

    private let exhausted = Atomic<Bool>(false)
    func markExhausted() { exhausted.store(true, ordering: .relaxed) }
    /// Whether a phase ran out of bodies before its time was up (its rate would be wrong).
    var ranOut: Bool { exhausted.load(ordering: .relaxed) }
}

/// One keep-alive HTTP/1.1 connection sending one request at a time.
///
/// Closed loop (`interval == nil`): the next request goes as soon as a response arrives.
/// Open loop: requests are due every `interval`; latency is measured from when a request was
/// due, not when it could be sent, so a slow server cannot hide its queueing (no coordinated
/// omission).
final class LoadHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    let source: BodySource
    let host: String
    let interval: TimeAmount?
    let start: NIODeadline
    let measureFrom: NIODeadline
    let stopAt: NIODeadline
    let done: EventLoopPromise<(latencies: [UInt32], statuses: [UInt: Int])>
    var latencies: [UInt32] = []
    var statuses: [UInt: Int] = [:]
    var dueAt: NIODeadline
    var sentAt = NIODeadline.now()
    var status: UInt = 0
    var finished = false

    init(source: BodySource, host: String, interval: TimeAmount?, start: NIODeadline, warmUp: TimeAmount, duration: TimeAmount, done: EventLoopPromise<(latencies: [UInt32], statuses: [UInt: Int])>) {
        self.source = source
        self.host = host
        self.interval = interval
        self.start = start
        self.measureFrom = start + warmUp
        self.stopAt = start + warmUp + duration
        self.done = done
        self.dueAt = start
        latencies.reserveCapacity(200_000)
    }

    func channelActive(context: ChannelHandlerContext) {
        scheduleNext(context: context)
    }

    func scheduleNext(context: ChannelHandlerContext) {
        let now = NIODeadline.now()
        guard now < stopAt else {
            context.close(promise: nil)
            return finish()
        }
        if interval != nil, dueAt > now {
            let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            context.eventLoop.scheduleTask(deadline: dueAt) {
                let (handler, context) = loopBound.value
                handler.send(context: context)
            }
        } else {
            send(context: context)
        }
    }

    func send(context: ChannelHandlerContext) {
        guard let body = source.take() else {
            source.markExhausted()
            context.close(promise: nil)
            return finish()
        }
        var head = HTTPRequestHead(version: .http1_1, method: .POST, uri: "/v1/messages")
        head.headers.add(name: "Host", value: host)
        head.headers.add(name: "Content-Type", value: "application/jose")
        head.headers.add(name: "Content-Length", value: String(body.readableBytes))
        if interval == nil { dueAt = .now() }
        sentAt = .now()
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): status = head.status.code
        case .body: break
        case .end:
            let now = NIODeadline.now()
            if dueAt >= measureFrom, now <= stopAt {
                latencies.append(UInt32(clamping: (now - dueAt).nanoseconds / 1000))
                statuses[status, default: 0] += 1
            }
            if let interval { dueAt = dueAt + interval }
            scheduleNext(context: context)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
        finish()
    }

    func channelInactive(context: ChannelHandlerContext) { finish() }

    func finish() {
        guard !finished else { return }
        finished = true
        done.succeed((latencies, statuses))
    }
}

enum LoadGenerator {
    /// Runs `connections` connections against `host:port` for `warmUp + duration`; `rate` nil
    /// means closed loop (as fast as the server answers).
    static func run(group: EventLoopGroup, host: String, port: Int, source: BodySource, connections: Int, rate: Double?, warmUp: Double, duration: Double) async throws -> PhaseResult {
        let start = NIODeadline.now() + .milliseconds(200)
        let interval = rate.map { TimeAmount.nanoseconds(Int64(Double(connections) / $0 * 1e9)) }
        var futures: [EventLoopFuture<(latencies: [UInt32], statuses: [UInt: Int])>] = []
        for index in 0..<connections {
            let loop = group.next()
            let done = loop.makePromise(of: (latencies: [UInt32], statuses: [UInt: Int]).self)
            // Spread open-loop connections across the interval so requests do not arrive in bursts.
            let offset = interval.map { TimeAmount.nanoseconds($0.nanoseconds * Int64(index) / Int64(connections)) } ?? .zero
            let bootstrap = ClientBootstrap(group: loop)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHTTPClientHandlers()
                        try channel.pipeline.syncOperations.addHandler(LoadHandler(
                            source: source, host: "\(host):\(port)", interval: interval, start: start + offset,
                            warmUp: .nanoseconds(Int64(warmUp * 1e9)), duration: .nanoseconds(Int64(duration * 1e9)), done: done))
                    }
                }
            _ = bootstrap.connect(host: host, port: port).whenFailure { done.fail($0) }
            futures.append(done.futureResult)
        }
        var result = PhaseResult(latenciesMicros: [], statuses: [:], seconds: duration)
        for future in futures {
            let part = try await future.get()
            result.latenciesMicros.append(contentsOf: part.latencies)
            result.statuses.merge(part.statuses, uniquingKeysWith: +)
        }
        return result
    }
}
