import Foundation

/// Strict RFC 3339 `date-time` parsing and formatting, without Foundation's formatters (which are
/// slow and accept more than the RFC allows).
///
/// Accepted: `2026-11-22T09:30:00Z`, `2026-11-22T09:30:00.123+01:00` (`T`/`Z` in either case).
/// Rejected: dates that do not exist, hours past 23, leap seconds (`:60`, which `Date` cannot
/// hold), missing offsets, and anything else RFC 3339 does not define.
public enum RFC3339 {
    public static func parse(_ text: String) -> Date? {
        let b = Array(text.utf8)
        guard b.count >= 20, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-"),
            b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: "t"),
            b[13] == UInt8(ascii: ":"), b[16] == UInt8(ascii: ":"),
            let year = Digits.parse(b, 0, 4), let month = Digits.parse(b, 5, 2), let day = Digits.parse(b, 8, 2),
            let hour = Digits.parse(b, 11, 2), let minute = Digits.parse(b, 14, 2),
            let second = Digits.parse(b, 17, 2),
            let date = CalendarDate(year: year, month: month, day: day),
            hour <= 23, minute <= 59, second <= 59
        else { return nil }

        var index = 19
        var fraction = 0.0
        if b[index] == UInt8(ascii: ".") {
            index += 1
            let start = index
            var scale = 0.1
            while index < b.count, b[index] >= UInt8(ascii: "0"), b[index] <= UInt8(ascii: "9") {
                fraction += Double(b[index] - UInt8(ascii: "0")) * scale
                scale /= 10
                index += 1
            }
            guard index > start, index - start <= 9 else { return nil }
        }
        guard index < b.count else { return nil }
        var offsetSeconds = 0
        switch b[index] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            guard index + 1 == b.count else { return nil }
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            guard index + 6 == b.count, b[index + 3] == UInt8(ascii: ":"),
                let offsetHours = Digits.parse(b, index + 1, 2), let offsetMinutes = Digits.parse(b, index + 4, 2),
                offsetHours <= 23, offsetMinutes <= 59
            else { return nil }
            offsetSeconds = (offsetHours * 3600 + offsetMinutes * 60) * (b[index] == UInt8(ascii: "+") ? 1 : -1)
        default:
            return nil
        }
        let seconds = date.daysSinceEpoch * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds
        return Date(timeIntervalSince1970: Double(seconds) + fraction)
    }

    /// Formats in UTC with millisecond precision: `2026-11-22T09:30:00.123Z`.
    public static func format(_ date: Date) -> String {
        let totalMilliseconds = Int((date.timeIntervalSince1970 * 1000).rounded(.down))
        let milliseconds = ((totalMilliseconds % 1000) + 1000) % 1000
        let totalSeconds = (totalMilliseconds - milliseconds) / 1000
        var days = totalSeconds / 86_400
        var secondsOfDay = totalSeconds % 86_400
        if secondsOfDay < 0 {
            secondsOfDay += 86_400
            days -= 1
        }
        let calendarDate = CalendarDate(daysSinceEpoch: days)
        return calendarDate.description + "T" + Digits.pad(secondsOfDay / 3600, 2) + ":"
            + Digits.pad(secondsOfDay % 3600 / 60, 2) + ":" + Digits.pad(secondsOfDay % 60, 2) + "."
            + Digits.pad(milliseconds, 3) + "Z"
    }

    /// The UTC calendar date of an instant.
    public static func utcDate(of date: Date) -> CalendarDate {
        CalendarDate(daysSinceEpoch: Int((date.timeIntervalSince1970 / 86_400).rounded(.down)))
    }
}
