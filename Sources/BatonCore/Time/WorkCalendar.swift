import Foundation

/// The term dates of the schools of one local authority.
public struct SchoolCalendar: Sendable, Hashable {
    /// Terms, inclusive of their first and last days.
    public var terms: [ClosedRange<CalendarDate>]
    /// Days inside terms when schools are closed (training days, local holidays).
    public var closures: Set<CalendarDate>

    public init(terms: [ClosedRange<CalendarDate>], closures: Set<CalendarDate> = []) {
        self.terms = terms.sorted { $0.lowerBound < $1.lowerBound }
        self.closures = closures
    }

    /// The span the term dates describe: from the first term's start to the last term's end.
    public var coverage: ClosedRange<CalendarDate>? {
        guard let first = terms.first, let last = terms.map(\.upperBound).max() else { return nil }
        return first.lowerBound...last
    }
}

/// The one component that turns a deadline rule into an instant (DESIGN.md: deadlines come from
/// policy, not from the sender's mood).
///
/// Everything is computed on the local wall clock of ``timeZone`` (Europe/London), so "1 working
/// day" from Friday 16:00 is Monday 16:00 whether or not the clocks changed over the weekend;
/// elapsed durations (`PT4H`) are exact, whatever the clocks do.
///
/// **When the clock starts.** A working-day deadline counts from the moment a message arrives if
/// that is within working hours of a working day; otherwise from the start of the next working
/// day (a referral received on Saturday, or at 18:00, counts as received at 09:00 on the next
/// working day). School-day deadlines count the same way with school hours and the child's school's
/// term dates.
///
/// **When the calendar does not know.** Beyond the bank holidays and term dates it lists, every
/// weekday is treated as a working day and, outside listed terms, as a school day. A calendar
/// that runs out therefore makes deadlines early, never late; `baton policy check` warns a year
/// ahead.
///
/// ```swift
/// let due = calendar.deadline(.workingDays(1), from: receivedAt)
/// let school = calendar.deadline(.nextSchoolDay(at: LocalTime("08:30")!), from: receivedAt, schoolAuthority: "995")
/// ```
public struct WorkCalendar: Sendable {
    public let timeZone: TimeZone
    public let bankHolidays: Set<CalendarDate>
    /// The years whose bank holidays are listed.
    public let bankHolidayYears: ClosedRange<Int>?
    public let workingDayStart: LocalTime
    public let workingDayEnd: LocalTime
    public let schoolDayStart: LocalTime
    public let schoolDayEnd: LocalTime
    /// Term dates by local authority code (`995`).
    public let schoolCalendars: [String: SchoolCalendar]
    /// The local authority whose term dates apply when the child's school's is not known.
    public let defaultSchoolAuthority: String?

    /// The Gregorian calendar in the hub's time zone.
    public let gregorian: Calendar

    public init(
        timeZone: TimeZone, bankHolidays: Set<CalendarDate>, workingDayStart: LocalTime, workingDayEnd: LocalTime,
        schoolDayStart: LocalTime, schoolDayEnd: LocalTime, schoolCalendars: [String: SchoolCalendar] = [:],
        defaultSchoolAuthority: String? = nil
    ) {
        self.timeZone = timeZone
        self.bankHolidays = bankHolidays
        let years = bankHolidays.map(\.year)
        self.bankHolidayYears = years.min().flatMap { low in years.max().map { low...$0 } }
        self.workingDayStart = workingDayStart
        self.workingDayEnd = workingDayEnd
        self.schoolDayStart = schoolDayStart
        self.schoolDayEnd = schoolDayEnd
        self.schoolCalendars = schoolCalendars
        self.defaultSchoolAuthority = defaultSchoolAuthority
        var gregorian = Calendar(identifier: .gregorian)
        gregorian.timeZone = timeZone
        self.gregorian = gregorian
    }

    // MARK: - Deadlines

    /// The instant a step governed by `rule` is due, for a clock that starts at `start`.
    /// `schoolAuthority` is the local authority code of the child's school, for school-day rules.
    public func deadline(_ rule: DeadlineRule, from start: Date, schoolAuthority: String? = nil) -> Date {
        switch rule {
        case .elapsed(let seconds, _):
            return start.addingTimeInterval(seconds)
        case .workingDays(let count):
            return countDays(count, from: start, dayStart: workingDayStart, dayEnd: workingDayEnd, isDay: isWorkingDay)
        case .schoolDays(let count):
            let school = schoolCalendar(for: schoolAuthority)
            return countDays(count, from: start, dayStart: schoolDayStart, dayEnd: schoolDayEnd) { isSchoolDay($0, calendar: school) }
        case .nextSchoolDay(let time):
            let school = schoolCalendar(for: schoolAuthority)
            var day = localDate(of: start)
            for _ in 0..<800 {
                if isSchoolDay(day, calendar: school) {
                    let candidate = instant(day, time)
                    if candidate > start { return candidate }
                }
                day = day.adding(days: 1)
            }
            return start.addingTimeInterval(86_400)
        }
    }

    /// Counts `count` days that satisfy `isDay` after the clock starts, keeping the local time of
    /// day at which it started.
    func countDays(_ count: Int, from start: Date, dayStart: LocalTime, dayEnd: LocalTime, isDay: (CalendarDate) -> Bool) -> Date {
        var day = localDate(of: start)
        var seconds = localSeconds(of: start)
        if !isDay(day) || seconds >= dayEnd.secondsSinceMidnight {
            day = nextDay(after: day, isDay)
            seconds = dayStart.secondsSinceMidnight
        } else if seconds < dayStart.secondsSinceMidnight {
            seconds = dayStart.secondsSinceMidnight
        }
        for _ in 0..<count { day = nextDay(after: day, isDay) }
        return instant(day, seconds: seconds)
    }

    func nextDay(after day: CalendarDate, _ isDay: (CalendarDate) -> Bool) -> CalendarDate {
        var next = day.adding(days: 1)
        // A year without a single working or school day would be a broken calendar: this bound
        // keeps one from looping for ever.
        var steps = 0
        while !isDay(next), steps < 400 {
            next = next.adding(days: 1)
            steps += 1
        }
        return next
    }

    // MARK: - Days

    /// Monday to Friday, not a bank holiday.
    public func isWorkingDay(_ day: CalendarDate) -> Bool {
        day.isWeekday && !bankHolidays.contains(day)
    }

    /// A working day inside a term of `calendar` and not a closure. Outside the span the term
    /// dates cover, every working day counts (deadlines err early).
    public func isSchoolDay(_ day: CalendarDate, calendar school: SchoolCalendar?) -> Bool {
        guard isWorkingDay(day) else { return false }
        guard let school, let coverage = school.coverage, coverage.contains(day) else { return true }
        if school.closures.contains(day) { return false }
        return school.terms.contains { $0.contains(day) }
    }

    public func isSchoolDay(_ day: CalendarDate, schoolAuthority: String?) -> Bool {
        isSchoolDay(day, calendar: schoolCalendar(for: schoolAuthority))
    }

    public func schoolCalendar(for authority: String?) -> SchoolCalendar? {
        authority.flatMap { schoolCalendars[$0] } ?? defaultSchoolAuthority.flatMap { schoolCalendars[$0] }
    }

    // MARK: - Local time

    /// The local calendar date of `instant`.
    public func localDate(of instant: Date) -> CalendarDate {
        let local = instant.timeIntervalSince1970 + Double(timeZone.secondsFromGMT(for: instant))
        return CalendarDate(daysSinceEpoch: Int((local / 86_400).rounded(.down)))
    }

    /// Seconds since local midnight of `instant`.
    public func localSeconds(of instant: Date) -> Int {
        let local = instant.timeIntervalSince1970 + Double(timeZone.secondsFromGMT(for: instant))
        let days = (local / 86_400).rounded(.down)
        return Int(local - days * 86_400)
    }

    /// The instant `time` on `day` happens on the local clock. A time that does not exist (inside
    /// the hour skipped when the clocks go forward) is the first instant after the gap; a time that
    /// happens twice (when the clocks go back) is the earlier one.
    public func instant(_ day: CalendarDate, _ time: LocalTime) -> Date {
        instant(day, seconds: time.secondsSinceMidnight)
    }

    func instant(_ day: CalendarDate, seconds: Int) -> Date {
        let components = DateComponents(
            year: day.year, month: day.month, day: day.day, hour: seconds / 3600, minute: seconds % 3600 / 60, second: seconds % 60)
        if let date = gregorian.date(from: components) {
            if localDate(of: date) == day, localSeconds(of: date) == seconds { return date }
            // Inside the hour skipped when the clocks go forward, Foundation reads the time on the
            // clock before the change, which lands as far past the change as the time asked for is
            // past the gap's start. The first instant after the gap is the change itself.
            return transition(before: date) ?? date
        }
        // Not expected with a valid date; fall back to the offset at local midnight.
        let midnight = Double(day.daysSinceEpoch) * 86_400
        return Date(timeIntervalSince1970: midnight + Double(seconds) - Double(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: midnight))))
    }

    /// The instant in the day up to `date` at which the offset from UTC last changed, to the second.
    func transition(before date: Date) -> Date? {
        var high = Int(date.timeIntervalSince1970.rounded(.up))
        var low = high - 86_400
        let before = timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(low)))
        guard timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(high))) != before else { return nil }
        while high - low > 1 {
            let middle = low + (high - low) / 2
            if timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(middle))) == before { low = middle } else { high = middle }
        }
        return Date(timeIntervalSince1970: Double(high))
    }
}

extension CalendarDate {
    /// The date `days` days later (earlier when negative).
    public func adding(days: Int) -> CalendarDate { CalendarDate(daysSinceEpoch: daysSinceEpoch + days) }

    /// ISO weekday: 1 is Monday, 7 is Sunday.
    public var isoWeekday: Int {
        // 1970-01-01 was a Thursday (4).
        let remainder = (daysSinceEpoch + 3) % 7
        return (remainder < 0 ? remainder + 7 : remainder) + 1
    }

    public var isWeekday: Bool { isoWeekday <= 5 }
}
