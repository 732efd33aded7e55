/// How long a step may take, as written in `policies/sla.yaml`.
///
/// | Written | Meaning |
/// | --- | --- |
/// | `PT30S`, `PT4H`, `P2D`, `P1DT12H` | elapsed time (ISO 8601 duration; a day is 24 hours), for round-the-clock services and tests |
/// | `1 working day`, `3 working days` | the same local time on the Nth working day after the clock starts (see ``WorkCalendar``) |
/// | `2 school days` | the same, counting school days of the child's school |
/// | `next school day 08:30` | 08:30 local time on the first school day that starts after the clock starts (Operation Encompass) |
public enum DeadlineRule: Sendable, Hashable, Codable, CustomStringConvertible {
    case elapsed(seconds: Double, text: String)
    case workingDays(Int)
    case schoolDays(Int)
    case nextSchoolDay(at: LocalTime)

    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        public let description: String
    }

    /// Parses one of the written forms above.
    public init(parsing raw: String) throws(ParseError) {
        let text = raw.trimmingSpaces()
        if text.hasPrefix("P") {
            guard let seconds = ISO8601Duration.seconds(text) else {
                throw ParseError(description: "'\(text)' is not an ISO 8601 duration such as PT30S, PT4H, P2D or P1DT12H (years and months are not allowed: their length varies)")
            }
            guard seconds > 0 else { throw ParseError(description: "a duration must be longer than zero") }
            self = .elapsed(seconds: seconds, text: text)
            return
        }
        let words = text.split(separator: " ").map(String.init)
        if words.count == 4, words[0] == "next", words[1] == "school", words[2] == "day" {
            guard let time = LocalTime(words[3]) else {
                throw ParseError(description: "'\(words[3])' is not a time of day written HH:MM")
            }
            self = .nextSchoolDay(at: time)
            return
        }
        if words.count == 3, let count = Int(words[0]), ["day", "days"].contains(words[2]) {
            guard count >= 1, count <= 366 else { throw ParseError(description: "the number of days must be between 1 and 366") }
            switch words[1] {
            case "working": self = .workingDays(count); return
            case "school": self = .schoolDays(count); return
            default: break
            }
        }
        throw ParseError(description: "'\(text)' is not a deadline: write an ISO 8601 duration (PT4H), 'N working days', 'N school days' or 'next school day HH:MM'")
    }

    public var description: String {
        switch self {
        case .elapsed(_, let text): text
        case .workingDays(let days): days == 1 ? "1 working day" : "\(days) working days"
        case .schoolDays(let days): days == 1 ? "1 school day" : "\(days) school days"
        case .nextSchoolDay(let time): "next school day \(time)"
        }
    }

    /// Whether the rule counts school days (and so needs the child's school's calendar).
    public var usesSchoolDays: Bool {
        switch self {
        case .schoolDays, .nextSchoolDay: true
        default: false
        }
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do { self = try DeadlineRule(parsing: text) } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.description))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// ISO 8601 durations of fixed length: weeks, days (24 hours), hours, minutes and seconds.
public enum ISO8601Duration {
    /// The duration in seconds, or nil if `text` is not `P[nW][nD][T[nH][nM][n[.n]S]]` with at
    /// least one part.
    public static func seconds(_ text: String) -> Double? {
        var characters = Substring(text)
        guard characters.first == "P" else { return nil }
        characters = characters.dropFirst()
        var total = 0.0
        var inTime = false
        var number = ""
        var parts = 0
        var lastDateUnit = -1
        var lastTimeUnit = -1
        for character in characters {
            if character == "T" {
                guard !inTime, number.isEmpty else { return nil }
                inTime = true
                continue
            }
            if character.isASCII, character.isNumber || character == "." {
                number.append(character)
                continue
            }
            guard !number.isEmpty, let value = Double(number), value >= 0 else { return nil }
            if number.contains("."), !(inTime && character == "S") { return nil }
            number = ""
            if inTime {
                let order = ["H": 0, "M": 1, "S": 2]
                guard let unit = order[String(character)], unit > lastTimeUnit else { return nil }
                lastTimeUnit = unit
                total += value * [3600.0, 60.0, 1.0][unit]
            } else {
                let order = ["W": 0, "D": 1]
                guard let unit = order[String(character)], unit > lastDateUnit else { return nil }
                lastDateUnit = unit
                total += value * [604_800.0, 86_400.0][unit]
            }
            parts += 1
        }
        guard number.isEmpty, parts > 0, !(inTime && lastTimeUnit < 0) else { return nil }
        return total
    }
}

extension String {
    func trimmingSpaces() -> String {
        var slice = Substring(self)
        while slice.first == " " { slice = slice.dropFirst() }
        while slice.last == " " { slice = slice.dropLast() }
        return String(slice)
    }
}
