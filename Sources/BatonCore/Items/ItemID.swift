import Foundation
import Synchronization

/// The hub's identifier for an item: a UUID in lower case.
public struct ItemID: RawRepresentable, Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public let rawValue: String

    /// Nil unless `rawValue` is a UUID in its 8-4-4-4-12 hexadecimal form.
    public init?(rawValue: String) {
        guard rawValue.utf8.count == 36, let uuid = UUID(uuidString: rawValue) else { return nil }
        self.rawValue = uuid.uuidString.lowercased()
    }

    public init(_ uuid: UUID) { rawValue = uuid.uuidString.lowercased() }

    public var description: String { rawValue }
    public static func < (lhs: ItemID, rhs: ItemID) -> Bool { lhs.rawValue < rhs.rawValue }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let id = ItemID(rawValue: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not an item id"))
        }
        self = id
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

/// Where new identifiers come from. Injected, like the clock, so tests and replays are
/// repeatable.
public protocol IdentifierSource: Sendable {
    func newUUID() -> UUID
}

/// Random (version 4) UUIDs.
public struct RandomIdentifiers: IdentifierSource {
    public init() {}
    public func newUUID() -> UUID { UUID() }
}

/// Time-ordered (version 7, RFC 9562 §5.7) UUIDs: 48 bits of Unix milliseconds, then a 12-bit
/// counter that keeps identifiers made in the same millisecond in order (RFC 9562 §6.2, method 1),
/// then 62 random bits.
///
/// The hub's default. New items, people and deliveries then sort by creation, so their index
/// entries are appended next to each other instead of landing on a random page each: a shared
/// commit writes a few pages rather than one per row. The time an identifier carries is no more
/// than the item's own `createdAt`, which its readers see anyway.
public final class TimeOrderedIdentifiers: IdentifierSource {
    private struct State {
        var millisecond: UInt64 = 0
        var counter: UInt16 = 0
    }

    private let state = Mutex(State())
    private let now: @Sendable () -> Date

    public init(now: @escaping @Sendable () -> Date = { Date() }) { self.now = now }

    public func newUUID() -> UUID {
        let wall = UInt64(max(0, now().timeIntervalSince1970 * 1000))
        let (millisecond, counter) = state.withLock { state -> (UInt64, UInt16) in
            if wall > state.millisecond {
                state.millisecond = wall
                state.counter = UInt16.random(in: 0..<0x400)  // room to count up within the millisecond
            } else if state.counter < 0xFFF {
                state.counter += 1
            } else {
                // 4,096 in one millisecond: borrow the next millisecond rather than repeat or go back.
                state.millisecond += 1
                state.counter = 0
            }
            return (state.millisecond, state.counter)
        }
        var random = SystemRandomNumberGenerator()
        let tail = random.next() as UInt64
        var bytes: [UInt8] = []
        bytes.reserveCapacity(16)
        for shift in stride(from: 40, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: millisecond >> UInt64(shift))) }
        bytes.append(0x70 | UInt8(truncatingIfNeeded: counter >> 8))
        bytes.append(UInt8(truncatingIfNeeded: counter))
        bytes.append(0x80 | (UInt8(truncatingIfNeeded: tail >> 56) & 0x3F))
        for shift in stride(from: 48, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: tail >> UInt64(shift))) }
        return UUID(uuid: (
            bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
            bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]))
    }
}
