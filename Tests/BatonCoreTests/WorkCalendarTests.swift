import BatonCore
import Foundation
import Testing

/// One row of a deadline table: a rule, when its clock starts, and when it is due.
struct DeadlineCase: Sendable, CustomTestStringConvertible {
    let what: String
    let rule: String
    let from: String
    let due: String
    var authority: String? = nil

    var testDescription: String { what }
}

@Suite("Working-day calendar")
struct WorkCalendarTests {
    let calendar = EnglandCalendar.shared

    @Test("the hand-built calendar has the bank holidays, terms and closures written in policies/calendar.yaml")
    func mirrorsShippedCalendar() throws {
        let shipped = try ShippedCalendarText.read()
        #expect(shipped.bankHolidays == EnglandCalendar.bankHolidays)
        #expect(shipped.terms["995"] == EnglandCalendar.northmoorTerms.map { "\($0.0)...\($0.1)" })
        #expect(shipped.terms["996"] == EnglandCalendar.fenwickTerms.map { "\($0.0)...\($0.1)" })
        #expect(shipped.closures["995"] == EnglandCalendar.northmoorClosures)
        #expect(shipped.closures["996"] ?? [] == [])
    }

    // MARK: - Working days

    static let workingDayCases: [DeadlineCase] = [
        DeadlineCase(what: "a weekday morning is due the next working day at the same time",
            rule: "1 working day", from: "2026-03-02T10:00:00Z", due: "2026-03-03T10:00:00Z"),
        DeadlineCase(what: "Friday afternoon is due on Monday afternoon",
            rule: "1 working day", from: "2026-03-06T16:00:00Z", due: "2026-03-09T16:00:00Z"),
        DeadlineCase(what: "a Saturday message starts its clock at 09:00 on Monday",
            rule: "1 working day", from: "2026-03-07T11:00:00Z", due: "2026-03-10T09:00:00Z"),
        DeadlineCase(what: "a late Sunday message starts its clock at 09:00 on Monday",
            rule: "1 working day", from: "2026-03-08T23:30:00Z", due: "2026-03-10T09:00:00Z"),
        DeadlineCase(what: "before the working day starts the clock starts at 09:00 that day",
            rule: "1 working day", from: "2026-03-03T07:30:00Z", due: "2026-03-04T09:00:00Z"),
        DeadlineCase(what: "after the working day ends the clock starts at 09:00 the next working day",
            rule: "1 working day", from: "2026-03-03T18:00:00Z", due: "2026-03-05T09:00:00Z"),
        DeadlineCase(what: "exactly at 17:00 counts as after the working day",
            rule: "1 working day", from: "2026-03-03T17:00:00Z", due: "2026-03-05T09:00:00Z"),
        DeadlineCase(what: "one minute before 17:00 is still within the working day",
            rule: "1 working day", from: "2026-03-03T16:59:00Z", due: "2026-03-04T16:59:00Z"),
        DeadlineCase(what: "exactly at 09:00 counts from that moment",
            rule: "1 working day", from: "2026-03-03T09:00:00Z", due: "2026-03-04T09:00:00Z"),
        DeadlineCase(what: "the Thursday before Easter skips Good Friday and Easter Monday",
            rule: "1 working day", from: "2026-04-02T15:00:00+01:00", due: "2026-04-07T15:00:00+01:00"),
        DeadlineCase(what: "a message on Good Friday starts its clock on the Tuesday after Easter",
            rule: "1 working day", from: "2026-04-03T10:00:00+01:00", due: "2026-04-08T09:00:00+01:00"),
        DeadlineCase(what: "three working days over Christmas 2026 skip Christmas Day and the substitute Boxing Day (28 December)",
            rule: "3 working days", from: "2026-12-23T11:00:00Z", due: "2026-12-30T11:00:00Z"),
        DeadlineCase(what: "Christmas Eve 2026 is due on 29 December",
            rule: "1 working day", from: "2026-12-24T12:00:00Z", due: "2026-12-29T12:00:00Z"),
        DeadlineCase(what: "five working days skip the spring bank holiday",
            rule: "5 working days", from: "2026-05-18T14:00:00+01:00", due: "2026-05-26T14:00:00+01:00"),
        DeadlineCase(what: "the summer bank holiday is skipped",
            rule: "1 working day", from: "2026-08-28T11:00:00+01:00", due: "2026-09-01T11:00:00+01:00"),
        DeadlineCase(what: "Christmas 2027 skips both substitute days",
            rule: "1 working day", from: "2027-12-24T10:00:00Z", due: "2027-12-29T10:00:00Z"),
        DeadlineCase(what: "New Year 2028 skips the substitute day on 3 January",
            rule: "1 working day", from: "2027-12-31T10:00:00Z", due: "2028-01-04T10:00:00Z"),
        DeadlineCase(what: "beyond the listed years Christmas Day 2030 counts as a working day (deadlines err early)",
            rule: "1 working day", from: "2030-12-24T10:00:00Z", due: "2030-12-25T10:00:00Z"),
        DeadlineCase(what: "beyond the listed years New Year's Day 2029 counts as a working day",
            rule: "1 working day", from: "2028-12-29T10:00:00Z", due: "2029-01-01T10:00:00Z"),
        DeadlineCase(what: "over the March clock change one working day keeps the local wall-clock time",
            rule: "1 working day", from: "2026-03-27T16:00:00Z", due: "2026-03-30T16:00:00+01:00"),
        DeadlineCase(what: "over the October clock change one working day keeps the local wall-clock time",
            rule: "1 working day", from: "2026-10-23T16:00:00+01:00", due: "2026-10-26T16:00:00Z"),
        DeadlineCase(what: "after hours before the March clock change the clock starts at 09:00 summer time",
            rule: "2 working days", from: "2026-03-27T18:00:00Z", due: "2026-04-01T09:00:00+01:00"),
        DeadlineCase(what: "beyond the listed years the clock change of 2029 still keeps wall-clock time",
            rule: "1 working day", from: "2029-03-23T12:00:00Z", due: "2029-03-26T12:00:00+01:00"),
    ]

    @Test("working-day deadlines follow weekends, bank holidays and working hours", arguments: workingDayCases)
    func workingDays(_ row: DeadlineCase) {
        #expect(calendar.deadline(rule(row.rule), from: at(row.from), schoolAuthority: row.authority) == at(row.due))
    }

    @Test("one working day over a weekend with a clock change is 71 hours in March and 73 hours in October")
    func workingDayElapsedAcrossClockChanges() {
        let march = calendar.deadline(.workingDays(1), from: at("2026-03-27T12:00:00Z"))
        #expect(march.timeIntervalSince(at("2026-03-27T12:00:00Z")) == 71 * 3600)
        let october = calendar.deadline(.workingDays(1), from: at("2026-10-23T12:00:00+01:00"))
        #expect(october.timeIntervalSince(at("2026-10-23T12:00:00+01:00")) == 73 * 3600)
    }

    // MARK: - Elapsed time

    static let elapsedCases: [DeadlineCase] = [
        DeadlineCase(what: "PT4H ignores working hours", rule: "PT4H", from: "2026-03-06T16:00:00Z", due: "2026-03-06T20:00:00Z"),
        DeadlineCase(what: "PT24H over the March clock change is 24 real hours (13:00 summer time)",
            rule: "PT24H", from: "2026-03-28T12:00:00Z", due: "2026-03-29T13:00:00+01:00"),
        DeadlineCase(what: "P1D is 24 hours, not a calendar day", rule: "P1D", from: "2026-03-28T12:00:00Z", due: "2026-03-29T12:00:00Z"),
        DeadlineCase(what: "PT24H over the October clock change is 24 real hours (11:00 winter time)",
            rule: "PT24H", from: "2026-10-24T12:00:00+01:00", due: "2026-10-25T11:00:00Z"),
        DeadlineCase(what: "P1W over the March clock change is 168 real hours",
            rule: "P1W", from: "2026-03-25T12:00:00Z", due: "2026-04-01T13:00:00+01:00"),
        DeadlineCase(what: "PT2H on a bank holiday counts the bank holiday", rule: "PT2H", from: "2026-12-25T10:00:00Z", due: "2026-12-25T12:00:00Z"),
        DeadlineCase(what: "PT15M at night counts the night", rule: "PT15M", from: "2026-03-07T02:00:00Z", due: "2026-03-07T02:15:00Z"),
    ]

    @Test("elapsed-time deadlines are exact elapsed time, whatever the clocks and calendar do", arguments: elapsedCases)
    func elapsed(_ row: DeadlineCase) {
        #expect(calendar.deadline(rule(row.rule), from: at(row.from)) == at(row.due))
    }

    @Test("fractions of a second are kept")
    func fractionalSeconds() {
        let start = at("2026-03-02T10:00:00Z")
        #expect(calendar.deadline(rule("PT0.5S"), from: start) == start.addingTimeInterval(0.5))
    }

    // MARK: - School days

    static let schoolCases: [DeadlineCase] = [
        DeadlineCase(what: "next school day 08:30 from a Friday evening is Monday 08:30",
            rule: "next school day 08:30", from: "2026-03-06T19:00:00Z", due: "2026-03-09T08:30:00Z", authority: "995"),
        DeadlineCase(what: "next school day 08:30 from 07:00 on a school day is 08:30 the same day",
            rule: "next school day 08:30", from: "2026-03-03T07:00:00Z", due: "2026-03-03T08:30:00Z", authority: "995"),
        DeadlineCase(what: "next school day 08:30 from 08:29 is a minute later",
            rule: "next school day 08:30", from: "2026-03-03T08:29:00Z", due: "2026-03-03T08:30:00Z", authority: "995"),
        DeadlineCase(what: "next school day 08:30 from exactly 08:30 is the following school day",
            rule: "next school day 08:30", from: "2026-03-03T08:30:00Z", due: "2026-03-04T08:30:00Z", authority: "995"),
        DeadlineCase(what: "next school day 08:30 from a school afternoon is the next morning",
            rule: "next school day 08:30", from: "2026-03-03T16:00:00Z", due: "2026-03-04T08:30:00Z", authority: "995"),
        DeadlineCase(what: "next school day 08:30 from the Friday before half-term is the Monday after it",
            rule: "next school day 08:30", from: "2026-02-13T18:00:00Z", due: "2026-02-23T08:30:00Z", authority: "995"),
        DeadlineCase(what: "next school day 08:30 from inside the half-term week is the Monday after it",
            rule: "next school day 08:30", from: "2026-02-16T10:00:00Z", due: "2026-02-23T08:30:00Z", authority: "995"),
        DeadlineCase(what: "Northmoor (995) is in school the week Fenwick has its October half-term",
            rule: "next school day 08:30", from: "2026-10-16T17:00:00+01:00", due: "2026-10-19T08:30:00+01:00", authority: "995"),
        DeadlineCase(what: "Fenwick (996) returns after its October half-term, on winter time",
            rule: "next school day 08:30", from: "2026-10-16T17:00:00+01:00", due: "2026-10-26T08:30:00Z", authority: "996"),
        DeadlineCase(what: "over Christmas 2026 Northmoor returns on 5 January because 4 January is an INSET day",
            rule: "next school day 08:30", from: "2026-12-18T20:00:00Z", due: "2027-01-05T08:30:00Z", authority: "995"),
        DeadlineCase(what: "over Christmas 2027 Northmoor returns on 4 January after the substitute bank holiday",
            rule: "next school day 08:30", from: "2027-12-17T18:00:00Z", due: "2028-01-04T08:30:00Z", authority: "995"),
        DeadlineCase(what: "over Christmas 2027 Fenwick returns a day later than Northmoor",
            rule: "next school day 08:30", from: "2027-12-17T18:00:00Z", due: "2028-01-05T08:30:00Z", authority: "996"),
        DeadlineCase(what: "an INSET day at the start of term is skipped (Northmoor, 1 June 2026)",
            rule: "next school day 08:30", from: "2026-05-22T16:00:00+01:00", due: "2026-06-02T08:30:00+01:00", authority: "995"),
        DeadlineCase(what: "the same day is a school day where the authority has no INSET day (Fenwick, 1 June 2026)",
            rule: "next school day 08:30", from: "2026-05-22T16:00:00+01:00", due: "2026-06-01T08:30:00+01:00", authority: "996"),
        DeadlineCase(what: "an authority with no term dates uses the default authority's",
            rule: "next school day 08:30", from: "2026-05-22T16:00:00+01:00", due: "2026-06-02T08:30:00+01:00", authority: "999"),
        DeadlineCase(what: "no authority at all uses the default authority's term dates",
            rule: "next school day 08:30", from: "2026-05-22T16:00:00+01:00", due: "2026-06-02T08:30:00+01:00", authority: nil),
        DeadlineCase(what: "after the last listed term every weekday is a school day (deadlines err early)",
            rule: "next school day 08:30", from: "2028-07-21T17:00:00+01:00", due: "2028-07-24T08:30:00+01:00", authority: "995"),
        DeadlineCase(what: "beyond the listed bank holidays Christmas Day 2030 is a school day",
            rule: "next school day 08:30", from: "2030-12-24T16:00:00Z", due: "2030-12-25T08:30:00Z", authority: "995"),
        DeadlineCase(what: "next school day 08:15 (Operation Encompass delivery) over a weekend",
            rule: "next school day 08:15", from: "2026-03-07T22:00:00Z", due: "2026-03-09T08:15:00Z", authority: "995"),
        DeadlineCase(what: "three school days skip the half-term week",
            rule: "3 school days", from: "2026-02-12T10:00:00Z", due: "2026-02-24T10:00:00Z", authority: "995"),
        DeadlineCase(what: "after school hours the school-day clock starts at 08:30 the next school day",
            rule: "3 school days", from: "2026-02-12T16:00:00Z", due: "2026-02-25T08:30:00Z", authority: "995"),
        DeadlineCase(what: "a message in half-term starts its school-day clock when term starts",
            rule: "2 school days", from: "2026-02-17T11:00:00Z", due: "2026-02-25T08:30:00Z", authority: "995"),
        DeadlineCase(what: "one school day over half-term and an INSET day (Northmoor)",
            rule: "1 school day", from: "2026-05-22T10:00:00+01:00", due: "2026-06-02T10:00:00+01:00", authority: "995"),
        DeadlineCase(what: "one school day over half-term (Fenwick, no INSET day)",
            rule: "1 school day", from: "2026-05-22T10:00:00+01:00", due: "2026-06-01T10:00:00+01:00", authority: "996"),
        DeadlineCase(what: "five school days over the Easter holiday and the clock change keep 10:00 local time",
            rule: "5 school days", from: "2026-03-25T10:00:00Z", due: "2026-04-15T10:00:00+01:00", authority: "995"),
    ]

    @Test("school-day deadlines follow the term dates and closures of the child's school's authority", arguments: schoolCases)
    func schoolDays(_ row: DeadlineCase) {
        #expect(calendar.deadline(rule(row.rule), from: at(row.from), schoolAuthority: row.authority) == at(row.due))
    }

    @Test("without any term dates, next school day skips Christmas and the substitute bank holiday of 28 December 2026")
    func schoolDaysWithoutTermDates() {
        let noTerms = EnglandCalendar.calendar(schools: [:], defaultSchoolAuthority: nil)
        let due = noTerms.deadline(.nextSchoolDay(at: clockTime("08:30")), from: at("2026-12-24T16:00:00Z"), schoolAuthority: "995")
        #expect(due == at("2026-12-29T08:30:00Z"))
        // An unknown authority with no default: every working day is a school day.
        #expect(noTerms.deadline(.nextSchoolDay(at: clockTime("08:30")), from: at("2026-02-13T18:00:00Z"), schoolAuthority: "999")
            == at("2026-02-16T08:30:00Z"))
        #expect(noTerms.schoolCalendar(for: "995") == nil)
    }

    @Test("working and school days: weekends, bank holidays, holidays, INSET days and dates beyond the calendar")
    func dayClassification() {
        #expect(calendar.isWorkingDay(day("2026-03-06")))
        #expect(!calendar.isWorkingDay(day("2026-03-07")))
        #expect(!calendar.isWorkingDay(day("2026-03-08")))
        #expect(!calendar.isWorkingDay(day("2026-12-28")))
        #expect(!calendar.isWorkingDay(day("2028-01-03")))
        #expect(calendar.isWorkingDay(day("2030-12-25")))
        #expect(calendar.isWorkingDay(day("2024-12-25")), "before the listed years too, a weekday counts")

        #expect(calendar.isSchoolDay(day("2026-03-03"), schoolAuthority: "995"))
        #expect(!calendar.isSchoolDay(day("2026-02-16"), schoolAuthority: "995"), "half-term")
        #expect(!calendar.isSchoolDay(day("2026-08-03"), schoolAuthority: "995"), "summer holiday inside the listed terms")
        #expect(!calendar.isSchoolDay(day("2026-06-01"), schoolAuthority: "995"), "INSET day")
        #expect(calendar.isSchoolDay(day("2026-06-01"), schoolAuthority: "996"))
        #expect(!calendar.isSchoolDay(day("2026-10-19"), schoolAuthority: "996"))
        #expect(calendar.isSchoolDay(day("2026-10-19"), schoolAuthority: "995"))
        #expect(!calendar.isSchoolDay(day("2026-04-06"), schoolAuthority: "995"), "a bank holiday is never a school day")
        #expect(!calendar.isSchoolDay(day("2026-03-07"), schoolAuthority: "995"), "nor a weekend")
        #expect(calendar.isSchoolDay(day("2028-08-01"), schoolAuthority: "995"), "beyond the listed terms")
        #expect(!calendar.isSchoolDay(day("2028-08-28"), schoolAuthority: "995"), "a listed bank holiday beyond the terms")
        #expect(calendar.isSchoolDay(day("2024-12-02"), schoolAuthority: "995"), "before the listed terms")
    }

    @Test("the calendar knows which years its bank holidays cover and what span each authority's terms cover")
    func coverage() {
        #expect(calendar.bankHolidayYears == 2025...2028)
        #expect(calendar.schoolCalendars["995"]?.coverage == day("2025-01-06")...day("2028-07-21"))
        #expect(calendar.schoolCalendars["996"]?.coverage == day("2025-09-04")...day("2028-07-20"))
        #expect(SchoolCalendar(terms: []).coverage == nil)
        #expect(EnglandCalendar.calendar(bankHolidays: []).bankHolidayYears == nil)
        // Terms given out of order are sorted.
        let unordered = SchoolCalendar(terms: [day("2026-04-13")...day("2026-05-22"), day("2026-01-05")...day("2026-02-13")])
        #expect(unordered.coverage == day("2026-01-05")...day("2026-05-22"))
    }

    // MARK: - Local time and clock changes

    @Test("a local time inside the spring-forward gap is the first instant after the gap")
    func springForwardGap() {
        #expect(calendar.instant(day("2026-03-29"), clockTime("00:59")) == at("2026-03-29T00:59:00Z"))
        #expect(calendar.instant(day("2026-03-29"), clockTime("01:00")) == at("2026-03-29T01:00:00Z"))
        #expect(calendar.instant(day("2026-03-29"), clockTime("01:30")) == at("2026-03-29T01:00:00Z"))
        #expect(calendar.instant(day("2026-03-29"), clockTime("01:59")) == at("2026-03-29T01:00:00Z"))
        #expect(calendar.instant(day("2026-03-29"), clockTime("02:00")) == at("2026-03-29T02:00:00+01:00"))
        #expect(calendar.instant(day("2026-03-29"), clockTime("02:30")) == at("2026-03-29T02:30:00+01:00"))
    }

    @Test("a local time in the autumn repeated hour is its earlier occurrence")
    func autumnRepeatedHour() {
        #expect(calendar.instant(day("2026-10-25"), clockTime("00:30")) == at("2026-10-25T00:30:00+01:00"))
        #expect(calendar.instant(day("2026-10-25"), clockTime("01:00")) == at("2026-10-25T01:00:00+01:00"))
        #expect(calendar.instant(day("2026-10-25"), clockTime("01:30")) == at("2026-10-25T01:30:00+01:00"))
        #expect(calendar.instant(day("2026-10-25"), clockTime("01:59")) == at("2026-10-25T01:59:00+01:00"))
        #expect(calendar.instant(day("2026-10-25"), clockTime("02:00")) == at("2026-10-25T02:00:00Z"))
    }

    @Test("local date and time of day follow summer and winter time")
    func localDateAndSeconds() {
        #expect(calendar.localDate(of: at("2026-06-30T23:30:00Z")) == day("2026-07-01"))
        #expect(calendar.localSeconds(of: at("2026-06-30T23:30:00Z")) == 1800)
        #expect(calendar.localDate(of: at("2026-12-31T23:30:00Z")) == day("2026-12-31"))
        #expect(calendar.localSeconds(of: at("2026-12-31T23:30:00Z")) == 84_600)
        #expect(calendar.localSeconds(of: at("2026-03-29T00:59:59Z")) == 3599)
        #expect(calendar.localSeconds(of: at("2026-03-29T01:00:00Z")) == 7200)
        // Both occurrences of 01:30 on the last Sunday of October.
        #expect(calendar.localSeconds(of: at("2026-10-25T00:30:00Z")) == 5400)
        #expect(calendar.localSeconds(of: at("2026-10-25T01:30:00Z")) == 5400)
        #expect(calendar.localDate(of: at("2026-10-25T01:30:00Z")) == day("2026-10-25"))
        #expect(calendar.localDate(of: at("1969-12-31T23:00:00Z")) == day("1970-01-01"), "London was on UTC+1 all year in 1969")
    }

    @Test("a local time round-trips through an instant on ordinary days, in summer and in winter")
    func localTimeRoundTrip() {
        for text in ["2026-01-15", "2026-07-15", "2026-03-30", "2026-10-26"] {
            for minutes in stride(from: 0, to: 1440, by: 17) {
                let instant = calendar.instant(day(text), LocalTime(hour: minutes / 60, minute: minutes % 60)!)
                #expect(calendar.localDate(of: instant) == day(text))
                #expect(calendar.localSeconds(of: instant) == minutes * 60)
            }
        }
    }

    @Test("weekdays are counted from 1970-01-01, a Thursday, in both directions")
    func weekdays() {
        #expect(day("1970-01-01").isoWeekday == 4)
        #expect(day("2026-03-02").isoWeekday == 1)
        #expect(day("2026-03-08").isoWeekday == 7)
        #expect(day("1969-12-29").isoWeekday == 1)
        #expect(day("1969-12-28").isoWeekday == 7)
        #expect(!day("2026-03-07").isWeekday)
        #expect(day("2026-03-06").isWeekday)
        #expect(day("2026-12-31").adding(days: 1) == day("2027-01-01"))
        #expect(day("2028-03-01").adding(days: -1) == day("2028-02-29"))
    }
}

@Suite("Deadline rules and ISO 8601 durations")
struct DeadlineRuleTests {
    @Test("fixed-length ISO 8601 durations are parsed to seconds", arguments: [
        ("P1D", 86_400.0), ("PT4H", 14_400), ("P1DT12H", 129_600), ("PT0.5S", 0.5), ("P1W", 604_800), ("PT30S", 30),
        ("PT15M", 900), ("PT1H30M", 5400), ("PT90M", 5400), ("P2W3D", 1_468_800), ("P0DT1H", 3600), ("PT1H0M0S", 3600),
        ("P1DT1H1M1.25S", 90_061.25),
    ])
    func validDurations(_ text: String, _ seconds: Double) {
        #expect(ISO8601Duration.seconds(text) == seconds)
    }

    @Test("durations of variable length, empty durations and malformed text are refused", arguments: [
        "P1M", "P1Y", "P1Y2M", "PT", "P", "4 hours", "-P1D", "P-1D", "PT-4H", "PT1.5H", "P1.5D", "P1DT", "PT1S1H", "P1D2W",
        "PT1H1H", "P1H", "PT1D", "PT1W", "1D", "", "p1d", "P1DT2", "P1", "PTH", "PT1..5S", "P1D T1H", "PT4h", "P1TD",
    ])
    func invalidDurations(_ text: String) {
        #expect(ISO8601Duration.seconds(text) == nil)
    }

    @Test("deadline rules parse from the forms written in sla.yaml", arguments: [
        ("PT30S", DeadlineRule.elapsed(seconds: 30, text: "PT30S")),
        ("PT4H", .elapsed(seconds: 14_400, text: "PT4H")),
        ("P1DT12H", .elapsed(seconds: 129_600, text: "P1DT12H")),
        ("1 working day", .workingDays(1)),
        ("3 working days", .workingDays(3)),
        ("1 working days", .workingDays(1)),
        ("2 school days", .schoolDays(2)),
        ("366 school days", .schoolDays(366)),
        ("next school day 08:30", .nextSchoolDay(at: LocalTime(hour: 8, minute: 30)!)),
        ("  next  school day 08:15 ", .nextSchoolDay(at: LocalTime(hour: 8, minute: 15)!)),
        (" PT4H ", .elapsed(seconds: 14_400, text: "PT4H")),
    ])
    func parsesRules(_ text: String, _ expected: DeadlineRule) throws {
        #expect(try DeadlineRule(parsing: text) == expected)
    }

    @Test("a deadline rule that cannot be parsed says what to write instead", arguments: [
        ("P1M", "'P1M' is not an ISO 8601 duration such as PT30S, PT4H, P2D or P1DT12H (years and months are not allowed: their length varies)"),
        ("P1Y", "'P1Y' is not an ISO 8601 duration such as PT30S, PT4H, P2D or P1DT12H (years and months are not allowed: their length varies)"),
        ("PT", "'PT' is not an ISO 8601 duration such as PT30S, PT4H, P2D or P1DT12H (years and months are not allowed: their length varies)"),
        ("P", "'P' is not an ISO 8601 duration such as PT30S, PT4H, P2D or P1DT12H (years and months are not allowed: their length varies)"),
        ("PT0S", "a duration must be longer than zero"),
        ("P0D", "a duration must be longer than zero"),
        ("4 hours", "'4 hours' is not a deadline: write an ISO 8601 duration (PT4H), 'N working days', 'N school days' or 'next school day HH:MM'"),
        ("-PT4H", "'-PT4H' is not a deadline: write an ISO 8601 duration (PT4H), 'N working days', 'N school days' or 'next school day HH:MM'"),
        ("3 calendar days", "'3 calendar days' is not a deadline: write an ISO 8601 duration (PT4H), 'N working days', 'N school days' or 'next school day HH:MM'"),
        ("", "'' is not a deadline: write an ISO 8601 duration (PT4H), 'N working days', 'N school days' or 'next school day HH:MM'"),
        ("0 working days", "the number of days must be between 1 and 366"),
        ("-1 working day", "the number of days must be between 1 and 366"),
        ("367 school days", "the number of days must be between 1 and 366"),
        ("next school day 8:30", "'8:30' is not a time of day written HH:MM"),
        ("next school day 24:00", "'24:00' is not a time of day written HH:MM"),
        ("next school day", "'next school day' is not a deadline: write an ISO 8601 duration (PT4H), 'N working days', 'N school days' or 'next school day HH:MM'"),
    ])
    func refusesRules(_ text: String, _ message: String) {
        let error = #expect(throws: DeadlineRule.ParseError.self) { try DeadlineRule(parsing: text) }
        #expect(error?.description == message)
    }

    @Test("a rule is written back as it is read, and says whether it counts school days")
    func descriptions() {
        #expect(rule("1 working day").description == "1 working day")
        #expect(rule("3 working days").description == "3 working days")
        #expect(rule("1 school day").description == "1 school day")
        #expect(rule("5 school days").description == "5 school days")
        #expect(rule("next school day 08:30").description == "next school day 08:30")
        #expect(rule("P1DT12H").description == "P1DT12H")
        #expect(rule("5 school days").usesSchoolDays)
        #expect(rule("next school day 08:30").usesSchoolDays)
        #expect(!rule("1 working day").usesSchoolDays)
        #expect(!rule("PT4H").usesSchoolDays)
    }

    @Test("rules round-trip through JSON as their written form, and bad text fails to decode")
    func codable() throws {
        let rules = [rule("PT4H"), rule("1 working day"), rule("3 school days"), rule("next school day 08:30")]
        let data = try JSONEncoder().encode(rules)
        #expect(String(decoding: data, as: UTF8.self) == #"["PT4H","1 working day","3 school days","next school day 08:30"]"#)
        #expect(try JSONDecoder().decode([DeadlineRule].self, from: data) == rules)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([DeadlineRule].self, from: Data(#"["P1M"]"#.utf8)) }
    }
}

@Suite("Local times of day")
struct LocalTimeTests {
    @Test("HH:MM on the 24-hour clock is a time of day", arguments: [("00:00", 0), ("08:30", 30_600), ("17:00", 61_200), ("23:59", 86_340)])
    func parses(_ text: String, _ seconds: Int) throws {
        let time = try #require(LocalTime(text))
        #expect(time.secondsSinceMidnight == seconds)
        #expect(time.description == text)
    }

    @Test("anything else is not a time of day", arguments: ["8:30", "24:00", "12:60", "12-30", "12:3a", "08:30:00", "", " 8:30", "0830", "+8:30"])
    func refuses(_ text: String) {
        #expect(LocalTime(text) == nil)
    }

    @Test("times of day are ordered and checked by their parts")
    func ordering() {
        #expect(clockTime("08:30") < clockTime("09:00"))
        #expect(clockTime("09:00") < clockTime("17:00"))
        #expect(LocalTime(hour: 24, minute: 0) == nil)
        #expect(LocalTime(hour: 7, minute: -1) == nil)
        #expect(LocalTime(hour: 7, minute: 5)?.description == "07:05")
    }
}
