import Foundation

/// Reads typed fields out of a JSON tree, collecting every problem (with its pointer) rather than
/// stopping at the first, so a sender can fix a message in one round trip.
struct PayloadReader {
    private(set) var problems: [ValidationProblem] = []

    mutating func report(_ pointer: JSONPointer, _ problem: String) {
        problems.append(ValidationProblem(pointer: pointer, problem: problem))
    }

    /// The object at `pointer`, reporting a wrong type and any member not in `allowed`.
    mutating func object(_ value: JSONValue?, at pointer: JSONPointer, allowed: Set<String>) -> JSONObject? {
        guard let value else { return nil }
        guard let object = value.objectValue else {
            report(pointer, "must be an object, found \(value.typeName)")
            return nil
        }
        for member in object.members where !allowed.contains(member.name) {
            let name = member.name
            report(pointer / name, "is not a field of this object (allowed: \(allowed.sorted().joined(separator: ", ")))")
        }
        return object
    }

    mutating func requiredObject(_ parent: JSONObject, _ name: String, at pointer: JSONPointer, allowed: Set<String>)
        -> JSONObject?
    {
        guard let value = parent[name] else {
            report(pointer / name, "is required")
            return nil
        }
        return object(value, at: pointer / name, allowed: allowed)
    }

    mutating func string(_ parent: JSONObject, _ name: String, at pointer: JSONPointer, required: Bool = false)
        -> String?
    {
        guard let value = parent[name] else {
            if required { report(pointer / name, "is required") }
            return nil
        }
        guard let string = value.stringValue else {
            report(pointer / name, "must be a string, found \(value.typeName)")
            return nil
        }
        if string.isEmpty {
            report(pointer / name, "must not be empty (leave the field out when it is not known)")
            return nil
        }
        return string
    }

    mutating func bool(_ parent: JSONObject, _ name: String, at pointer: JSONPointer) -> Bool? {
        guard let value = parent[name] else { return nil }
        guard let bool = value.boolValue else {
            report(pointer / name, "must be true or false, found \(value.typeName)")
            return nil
        }
        return bool
    }

    mutating func array(_ parent: JSONObject, _ name: String, at pointer: JSONPointer, required: Bool = false)
        -> [JSONValue]?
    {
        guard let value = parent[name] else {
            if required { report(pointer / name, "is required") }
            return nil
        }
        guard let array = value.arrayValue else {
            report(pointer / name, "must be an array, found \(value.typeName)")
            return nil
        }
        return array
    }

    mutating func strings(_ parent: JSONObject, _ name: String, at pointer: JSONPointer) -> [String] {
        guard let array = array(parent, name, at: pointer) else { return [] }
        var result: [String] = []
        for (index, element) in array.enumerated() {
            guard let string = element.stringValue, !string.isEmpty else {
                report(pointer / name / index, "must be a non-empty string, found \(element.typeName)")
                continue
            }
            result.append(string)
        }
        return result
    }

    mutating func enumeration<Value: RawRepresentable & CaseIterable>(
        _ parent: JSONObject, _ name: String, at pointer: JSONPointer, required: Bool = false, as _: Value.Type
    ) -> Value? where Value.RawValue == String {
        guard let text = string(parent, name, at: pointer, required: required) else { return nil }
        return enumeration(text, at: pointer / name, as: Value.self)
    }

    mutating func enumeration<Value: RawRepresentable & CaseIterable>(
        _ text: String, at pointer: JSONPointer, as _: Value.Type
    ) -> Value? where Value.RawValue == String {
        guard let value = Value(rawValue: text) else {
            report(pointer, "must be one of: \(Value.allCases.map(\.rawValue).joined(separator: ", "))")
            return nil
        }
        return value
    }

    mutating func dateTime(_ parent: JSONObject, _ name: String, at pointer: JSONPointer, required: Bool = false)
        -> Date?
    {
        guard let text = string(parent, name, at: pointer, required: required) else { return nil }
        guard let date = RFC3339.parse(text) else {
            report(pointer / name, "must be an RFC 3339 date-time with an offset, such as 2026-11-22T09:30:00Z")
            return nil
        }
        return date
    }

    mutating func calendarDate(_ parent: JSONObject, _ name: String, at pointer: JSONPointer) -> CalendarDate? {
        guard let text = string(parent, name, at: pointer) else { return nil }
        guard let date = CalendarDate(iso8601: text) else {
            report(pointer / name, "must be a date that exists, written YYYY-MM-DD")
            return nil
        }
        return date
    }
}
