import BatonCore
import Foundation
import Testing

@Suite("Dates and times")
struct TimeTests {
    @Test("parses RFC 3339 date-times with offsets and fractions")
    func parsesDateTimes() throws {
        let utc = try #require(RFC3339.parse("2026-11-22T09:30:00Z"))
        #expect(utc.timeIntervalSince1970 == 1_795_339_800)
        #expect(RFC3339.parse("2026-11-22t09:30:00z") == utc)
        #expect(RFC3339.parse("2026-11-22T10:30:00+01:00") == utc)
        #expect(RFC3339.parse("2026-11-22T04:00:00-05:30") == utc)
        let fraction = try #require(RFC3339.parse("2026-11-22T09:30:00.250Z"))
        #expect(abs(fraction.timeIntervalSince(utc) - 0.25) < 0.000_001)
    }

    @Test("rejects date-times that do not exist or are not RFC 3339", arguments: [
        "2026-02-30T00:00:00Z", "2026-13-01T00:00:00Z", "2025-02-29T00:00:00Z", "2026-11-22T24:00:00Z",
        "2026-11-22T09:60:00Z", "2026-11-22T09:30:60Z", "2026-11-22T09:30:00", "2026-11-22 09:30:00Z",
        "2026-11-22", "26-11-22T09:30:00Z", "2026-11-22T09:30:00.Z", "2026-11-22T09:30:00+0100", "2026-11-22T09:30:00Zjunk",
    ])
    func rejectsInvalid(_ text: String) {
        #expect(RFC3339.parse(text) == nil)
    }

    @Test("formats in UTC with milliseconds and round-trips")
    func formats() throws {
        let date = Date(timeIntervalSince1970: 1_795_339_800.123)
        #expect(RFC3339.format(date) == "2026-11-22T09:30:00.123Z")
        #expect(RFC3339.format(Date(timeIntervalSince1970: -1)) == "1969-12-31T23:59:59.000Z")
        #expect(RFC3339.parse(RFC3339.format(date)).map { abs($0.timeIntervalSince(date)) < 0.001 } == true)
    }

    @Test("calendar dates: leap years, day counts, validation")
    func calendarDates() throws {
        #expect(CalendarDate(iso8601: "2024-02-29") != nil)
        #expect(CalendarDate(iso8601: "2026-02-29") == nil)
        #expect(CalendarDate(iso8601: "2000-02-29") != nil)
        #expect(CalendarDate(iso8601: "1900-02-29") == nil)
        #expect(CalendarDate(iso8601: "2026-4-9") == nil)
        #expect(CalendarDate(year: 1970, month: 1, day: 1)?.daysSinceEpoch == 0)
        for days in stride(from: -40_000, through: 40_000, by: 37) {
            #expect(CalendarDate(daysSinceEpoch: days).daysSinceEpoch == days)
        }
        #expect(try #require(CalendarDate(iso8601: "2016-04-09")) < #require(CalendarDate(iso8601: "2016-09-04")))
    }

    @Test("a manual clock moves only when told")
    func manualClock() {
        let clock = ManualClock(Date(timeIntervalSince1970: 1000))
        #expect(clock.now().timeIntervalSince1970 == 1000)
        clock.advance(by: 60)
        #expect(clock.now().timeIntervalSince1970 == 1060)
    }
}
