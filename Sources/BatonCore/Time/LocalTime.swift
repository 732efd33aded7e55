/// A time of day on a local wall clock, to the minute: `08:30`.
public struct LocalTime: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public let hour: Int
    public let minute: Int

    public init?(hour: Int, minute: Int) {
        guard (0...23).contains(hour), (0...59).contains(minute) else { return nil }
        self.hour = hour
        self.minute = minute
    }

    /// Parses `HH:MM` (24-hour clock).
    public init?(_ text: String) {
        let bytes = Array(text.utf8)
        guard bytes.count == 5, bytes[2] == UInt8(ascii: ":"), let hour = Digits.parse(bytes, 0, 2),
            let minute = Digits.parse(bytes, 3, 2)
        else { return nil }
        self.init(hour: hour, minute: minute)
    }

    public var secondsSinceMidnight: Int { hour * 3600 + minute * 60 }

    public static func < (lhs: LocalTime, rhs: LocalTime) -> Bool { lhs.secondsSinceMidnight < rhs.secondsSinceMidnight }

    public var description: String { Digits.pad(hour, 2) + ":" + Digits.pad(minute, 2) }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let time = LocalTime(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not an HH:MM time"))
        }
        self = time
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
