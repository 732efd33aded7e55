import Foundation
import Synchronization

/// Where Baton's code asks what time it is. Rules never call `Date()`: they are handed a clock,
/// so tests can move time by hand.
public protocol HubClock: Sendable {
    func now() -> Date
}

/// The real clock.
public struct SystemClock: HubClock {
    public init() {}
    public func now() -> Date { Date() }
}

/// A clock that only moves when told to; for tests.
public final class ManualClock: HubClock {
    private let current: Mutex<Date>

    public init(_ start: Date) { current = Mutex(start) }

    public func now() -> Date { current.withLock { $0 } }

    public func advance(by seconds: TimeInterval) { current.withLock { $0 += seconds } }

    public func set(_ date: Date) { current.withLock { $0 = date } }
}
