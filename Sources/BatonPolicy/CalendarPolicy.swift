import BatonCore
import Foundation
import Yams

/// Reads `policies/calendar.yaml` into a ``WorkCalendar``.
enum CalendarPolicy {
    static let fields: Set<String> = ["timeZone", "workingDay", "schoolDay", "bankHolidays", "defaultSchoolAuthority", "schoolTerms"]

    static func read(_ root: YAMLReader.Mapping, _ reader: inout YAMLReader) -> WorkCalendar? {
        let zoneName = reader.string(root, "timeZone", required: true)
        var timeZone: TimeZone?
        if let zoneName {
            timeZone = TimeZone(identifier: zoneName)
            if timeZone == nil { reader.report(root["timeZone"]?.mark?.line, "timeZone", "'\(zoneName)' is not a time zone name (for example Europe/London)") }
        }
        let working = hours(root, "workingDay", &reader)
        let school = hours(root, "schoolDay", &reader)

        var holidays: Set<CalendarDate> = []
        for (node, field) in reader.sequence(root, "bankHolidays", required: true) {
            guard let date = reader.date(node, field: field) else { continue }
            if !holidays.insert(date).inserted { reader.report(node.mark?.line, field, "\(date) is listed twice") }
        }

        var calendars: [String: SchoolCalendar] = [:]
        if let node = root["schoolTerms"] {
            if let mapping = node.mapping {
                for (keyNode, value) in mapping {
                    guard let authority = keyNode.scalar?.string else { continue }
                    let field = "schoolTerms.\(authority)"
                    guard let entry = reader.mapping(value, field: field, allowed: ["terms", "closures"]) else { continue }
                    var ranges: [ClosedRange<CalendarDate>] = []
                    for (termNode, termField) in reader.sequence(entry, "terms", required: true) {
                        guard let term = reader.mapping(termNode, field: termField, allowed: ["start", "end"]),
                            let startNode = term["start"], let endNode = term["end"],
                            let start = reader.date(startNode, field: term.path("start")),
                            let end = reader.date(endNode, field: term.path("end"))
                        else {
                            if let term = termNode.mapping, term["start"] == nil || term["end"] == nil {
                                reader.report(termNode.mark?.line, termField, "a term needs start and end dates")
                            }
                            continue
                        }
                        guard start <= end else {
                            reader.report(termNode.mark?.line, termField, "the term ends (\(end)) before it starts (\(start))")
                            continue
                        }
                        if let overlap = ranges.first(where: { $0.overlaps(start...end) }) {
                            reader.report(termNode.mark?.line, termField, "overlaps the term \(overlap.lowerBound) to \(overlap.upperBound)")
                            continue
                        }
                        ranges.append(start...end)
                    }
                    var closures: Set<CalendarDate> = []
                    for (closureNode, closureField) in reader.sequence(entry, "closures") {
                        if let date = reader.date(closureNode, field: closureField) { closures.insert(date) }
                    }
                    calendars[authority] = SchoolCalendar(terms: ranges, closures: closures)
                }
            } else {
                reader.report(node.mark?.line, "schoolTerms", "must be a mapping from local authority code to its terms")
            }
        }
        let defaultAuthority = reader.string(root, "defaultSchoolAuthority")
        if let defaultAuthority, calendars[defaultAuthority] == nil {
            reader.report(root["defaultSchoolAuthority"]?.mark?.line, "defaultSchoolAuthority", "no term dates are listed for authority '\(defaultAuthority)' under schoolTerms")
        }
        guard let timeZone, let working, let school else { return nil }
        return WorkCalendar(
            timeZone: timeZone, bankHolidays: holidays, workingDayStart: working.0, workingDayEnd: working.1,
            schoolDayStart: school.0, schoolDayEnd: school.1, schoolCalendars: calendars, defaultSchoolAuthority: defaultAuthority)
    }

    static func hours(_ root: YAMLReader.Mapping, _ key: String, _ reader: inout YAMLReader) -> (LocalTime, LocalTime)? {
        guard let map = reader.mapping(root, key, allowed: ["start", "end"], required: true) else { return nil }
        let start = reader.localTime(map, "start")
        let end = reader.localTime(map, "end")
        guard let start, let end else { return nil }
        guard start < end else {
            reader.report(map.line, key, "must start (\(start)) before it ends (\(end))")
            return nil
        }
        return (start, end)
    }
}

extension YAMLReader {
    /// A `YYYY-MM-DD` date.
    mutating func date(_ node: Node, field: String) -> CalendarDate? {
        guard let text = node.scalar?.string else {
            report(node.mark?.line, field, "must be a date written YYYY-MM-DD")
            return nil
        }
        guard let date = CalendarDate(iso8601: text) else {
            report(node.mark?.line, field, "'\(text)' is not a date that exists, written YYYY-MM-DD")
            return nil
        }
        return date
    }

    /// An `HH:MM` time, required.
    mutating func localTime(_ parent: Mapping, _ key: String) -> LocalTime? {
        guard let text = string(parent, key, required: true) else { return nil }
        guard let time = LocalTime(text) else {
            report(parent[key]?.mark?.line, parent.path(key), "'\(text)' is not a time of day written HH:MM (24-hour clock)")
            return nil
        }
        return time
    }

    /// A deadline rule (sla.yaml).
    mutating func deadlineRule(_ parent: Mapping, _ key: String, required: Bool = false) -> DeadlineRule? {
        guard let text = string(parent, key, required: required) else { return nil }
        do { return try DeadlineRule(parsing: text) } catch {
            report(parent[key]?.mark?.line, parent.path(key), error.description)
            return nil
        }
    }

    /// One value or a list of values (`kind: referral` or `kind: [referral, notification]`).
    mutating func strings(_ parent: Mapping, _ key: String) -> [String]? {
        guard let node = parent[key] else { return nil }
        if let scalar = node.scalar { return [scalar.string] }
        guard let sequence = node.sequence else {
            report(node.mark?.line, parent.path(key), "must be a value or a list of values")
            return nil
        }
        var values: [String] = []
        for (index, element) in sequence.enumerated() {
            guard let scalar = element.scalar else {
                report(element.mark?.line, "\(parent.path(key))[\(index)]", "must be a single value")
                continue
            }
            values.append(scalar.string)
        }
        return values
    }

    /// Values checked against a closed vocabulary.
    mutating func vocabulary<Value: RawRepresentable & CaseIterable>(_ parent: Mapping, _ key: String, as type: Value.Type) -> [Value]? where Value.RawValue == String {
        guard let texts = strings(parent, key) else { return nil }
        var values: [Value] = []
        for text in texts {
            guard let value = Value(rawValue: text) else {
                report(parent[key]?.mark?.line, parent.path(key),
                    "'\(text)' is not one of: \(Value.allCases.map(\.rawValue).joined(separator: ", "))")
                continue
            }
            values.append(value)
        }
        return values
    }
}
