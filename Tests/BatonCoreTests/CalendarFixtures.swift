import BatonCore
import Foundation

/// The calendar of `policies/calendar.yaml`, built by hand: BatonCore does not read policy files,
/// and the policy tests check that the shipped file loads to the same calendar.
enum EnglandCalendar {
    static let london = TimeZone(identifier: "Europe/London")!

    /// England and Wales bank holidays 2025–2028, substitute days included.
    static let bankHolidays: [String] = [
        "2025-01-01", "2025-04-18", "2025-04-21", "2025-05-05", "2025-05-26", "2025-08-25", "2025-12-25", "2025-12-26",
        "2026-01-01", "2026-04-03", "2026-04-06", "2026-05-04", "2026-05-25", "2026-08-31", "2026-12-25", "2026-12-28",
        "2027-01-01", "2027-03-26", "2027-03-29", "2027-05-03", "2027-05-31", "2027-08-30", "2027-12-27", "2027-12-28",
        "2028-01-03", "2028-04-14", "2028-04-17", "2028-05-01", "2028-05-29", "2028-08-28", "2028-12-25", "2028-12-26",
    ]

    /// Northmoor Council (LA 995, fictional).
    static let northmoorTerms: [(String, String)] = [
        ("2025-01-06", "2025-02-14"), ("2025-02-24", "2025-04-04"), ("2025-04-22", "2025-05-23"), ("2025-06-02", "2025-07-22"),
        ("2025-09-03", "2025-10-24"), ("2025-11-03", "2025-12-19"), ("2026-01-05", "2026-02-13"), ("2026-02-23", "2026-03-27"),
        ("2026-04-13", "2026-05-22"), ("2026-06-01", "2026-07-22"), ("2026-09-02", "2026-10-23"), ("2026-11-02", "2026-12-18"),
        ("2027-01-04", "2027-02-12"), ("2027-02-22", "2027-03-25"), ("2027-04-12", "2027-05-28"), ("2027-06-07", "2027-07-21"),
        ("2027-09-01", "2027-10-22"), ("2027-11-01", "2027-12-17"), ("2028-01-04", "2028-02-11"), ("2028-02-21", "2028-04-07"),
        ("2028-04-24", "2028-05-26"), ("2028-06-05", "2028-07-21"),
    ]
    /// Northmoor's training (INSET) days.
    static let northmoorClosures = ["2025-11-03", "2026-06-01", "2027-01-04", "2027-11-01"]

    /// Fenwick Borough Council (LA 996, fictional): a week's difference in some holidays.
    static let fenwickTerms: [(String, String)] = [
        ("2025-09-04", "2025-10-17"), ("2025-10-27", "2025-12-19"), ("2026-01-06", "2026-02-13"), ("2026-02-23", "2026-04-02"),
        ("2026-04-20", "2026-05-22"), ("2026-06-01", "2026-07-21"), ("2026-09-03", "2026-10-16"), ("2026-10-26", "2026-12-18"),
        ("2027-01-05", "2027-02-12"), ("2027-02-22", "2027-03-25"), ("2027-04-12", "2027-05-28"), ("2027-06-07", "2027-07-20"),
        ("2027-09-02", "2027-10-22"), ("2027-11-01", "2027-12-17"), ("2028-01-05", "2028-02-11"), ("2028-02-21", "2028-04-07"),
        ("2028-04-24", "2028-05-26"), ("2028-06-05", "2028-07-20"),
    ]

    static func school(_ terms: [(String, String)], closures: [String] = []) -> SchoolCalendar {
        SchoolCalendar(terms: terms.map { day($0.0)...day($0.1) }, closures: Set(closures.map(day)))
    }

    /// Working day 09:00–17:00, school day 08:30–15:30, Europe/London.
    static func calendar(
        schools: [String: SchoolCalendar] = ["995": school(northmoorTerms, closures: northmoorClosures), "996": school(fenwickTerms)],
        defaultSchoolAuthority: String? = "995", bankHolidays: [String] = bankHolidays
    ) -> WorkCalendar {
        WorkCalendar(
            timeZone: london, bankHolidays: Set(bankHolidays.map(day)), workingDayStart: LocalTime("09:00")!,
            workingDayEnd: LocalTime("17:00")!, schoolDayStart: LocalTime("08:30")!, schoolDayEnd: LocalTime("15:30")!,
            schoolCalendars: schools, defaultSchoolAuthority: defaultSchoolAuthority)
    }

    static let shared = calendar()
}

/// A calendar date written `YYYY-MM-DD`; a typo in a test is a crash, not a silent pass.
func day(_ text: String) -> CalendarDate {
    guard let date = CalendarDate(iso8601: text) else { fatalError("not a date: \(text)") }
    return date
}

/// A fixed instant written as an RFC 3339 date-time with its offset (`2026-03-30T16:00:00+01:00`).
func at(_ text: String) -> Date {
    guard let date = RFC3339.parse(text) else { fatalError("not an RFC 3339 date-time: \(text)") }
    return date
}

func clockTime(_ text: String) -> LocalTime {
    guard let time = LocalTime(text) else { fatalError("not a time: \(text)") }
    return time
}

func rule(_ text: String) -> DeadlineRule {
    do { return try DeadlineRule(parsing: text) } catch { fatalError("not a rule: \(text): \(error)") }
}

/// The bank holidays, terms and closures written in `policies/calendar.yaml`, read line by line
/// (BatonCore does not read policy files), so that the hand-built calendar can be checked against it.
enum ShippedCalendarText {
    struct Listing: Equatable {
        var bankHolidays: [String] = []
        var terms: [String: [String]] = [:]
        var closures: [String: [String]] = [:]
    }

    static func read() throws -> Listing {
        let text = try String(contentsOfFile: RepositoryRoot.file("policies/calendar.yaml"), encoding: .utf8)
        var listing = Listing()
        var section = ""
        var authority = ""
        for line in text.components(separatedBy: "\n") {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("bankHolidays:") { section = "bankHolidays"; continue }
            if line.hasPrefix("schoolTerms:") { section = "schoolTerms"; continue }
            if !line.hasPrefix(" "), !line.hasPrefix("#"), !trimmed.isEmpty { section = "" }
            let dates = matches(of: #"\d{4}-\d{2}-\d{2}"#, in: trimmed.components(separatedBy: "#")[0])
            switch section {
            case "bankHolidays":
                listing.bankHolidays += dates
            case "schoolTerms":
                if let code = matches(of: #"^"(\d+)":"#, in: trimmed).first {
                    authority = code.replacingOccurrences(of: "\"", with: "").replacingOccurrences(of: ":", with: "")
                } else if trimmed.hasPrefix("closures:") {
                    listing.closures[authority, default: []] += dates
                } else if trimmed.hasPrefix("- {") {
                    listing.terms[authority, default: []].append(dates.joined(separator: "..."))
                }
            default: break
            }
        }
        return listing
    }

    static func matches(of pattern: String, in text: String) -> [String] {
        guard let regex = try? NSRegularExpression(pattern: pattern) else { return [] }
        return regex.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap { Range($0.range, in: text).map { String(text[$0]) } }
    }
}
