import BatonCore
import BatonServer
import BatonSigning
import Foundation
import HummingbirdTesting
import Testing

/// Replies and reads as the test agencies' systems would send them.
extension TestHub {
    func key(for agency: String) -> KeyFile {
        switch agency {
        case "mash-test": mashKey
        case "school-test": schoolKey
        case "gp-test": gpKey
        default: policeKey
        }
    }

    func token(for agency: String) throws -> String {
        try bearer(key(for: agency), iss: agency)
    }

    /// A signed reply of `kind` about `item` (or, for a cancellation, a message).
    func reply(
        _ kind: String, item: String? = nil, message: String? = nil, from agency: String = "mash-test",
        person: (String, String) = ("Jo Rowntree", "MASH social worker"), key: String? = nil, _ body: JSONValue
    ) throws -> String {
        var about = JSONObject()
        if let item { about["item"] = .string(item) }
        if let message { about["message"] = .string(message) }
        var payload: JSONObject = [
            "messageId": .string(UUID().uuidString.lowercased()),
            "sentAt": .string(RFC3339.format(clock.now())),
            "kind": .string(kind),
            "from": ["agency": .string(agency), "person": ["name": .string(person.0), "role": .string(person.1)]],
            "about": .object(about),
        ]
        payload[key ?? kind] = body
        return try signed(JSONValue.object(payload).serialized(), with: self.key(for: agency))
    }

    /// A signed notification.
    func notification(
        from agency: String = "police-test", type: String = "domestic-abuse", childPresent: Bool? = true, schoolURN: String? = "990199",
        postcode: String = "NM3 4AB", change: (inout JSONObject) -> Void = { _ in }
    ) throws -> String {
        var subject: JSONObject = [
            "ref": "c1", "givenName": "Evie", "familyName": "Ashworth", "dateOfBirth": "2016-04-09", "sex": "female",
            "address": ["lines": ["12 Kiln Street"], "postcode": .string(postcode)],
        ]
        if let schoolURN { subject["school"] = ["urn": .string(schoolURN)] }
        var details: JSONObject = ["type": .string(type), "occurredAt": .string(RFC3339.format(clock.now().addingTimeInterval(-3600)))]
        if let childPresent { details["childPresent"] = .bool(childPresent) }
        var object: JSONObject = [
            "messageId": .string(UUID().uuidString.lowercased()),
            "sentAt": .string(RFC3339.format(clock.now())),
            "kind": "notification",
            "from": ["agency": .string(agency), "person": ["name": "PC Marsden", "role": "Response officer"]],
            "subjects": [.object(subject)],
            "consent": ["status": "not-sought", "basis": "legal-duty", "reasonNotSought": "Operation Encompass notification."],
            "notification": .object(details),
        ]
        change(&object)
        return try signed(JSONValue.object(object).serialized(), with: key(for: agency))
    }
}

extension TestClientProtocol {
    /// Submits and returns the JSON body, expecting 202.
    func accepted(_ jws: String, sourceLocation: SourceLocation = #_sourceLocation) async throws -> JSONObject {
        let response = try await submit(jws)
        #expect(response.status == .accepted, "\(response.text)", sourceLocation: sourceLocation)
        return try #require(response.json?.objectValue, sourceLocation: sourceLocation)
    }

    /// Reads `path` as `agency` and returns the JSON body, expecting 200.
    func readJSON(_ path: String, as agency: String, hub: TestHub, sourceLocation: SourceLocation = #_sourceLocation) async throws -> JSONObject {
        let response = try await read(path, bearer: try hub.token(for: agency))
        #expect(response.status == .ok, "\(response.text)", sourceLocation: sourceLocation)
        return try #require(response.json?.objectValue, sourceLocation: sourceLocation)
    }
}

extension JSONObject {
    /// Follows a path of member names and array indices: `object.at("items", 0, "status")`.
    func at(_ path: Any...) -> JSONValue? {
        var current: JSONValue? = .object(self)
        for step in path {
            switch step {
            case let name as String: current = current?.objectValue?[name]
            case let index as Int:
                guard let array = current?.arrayValue, array.indices.contains(index) else { return nil }
                current = array[index]
            default: return nil
            }
        }
        return current
    }

    func string(_ path: Any...) -> String? {
        var current: JSONValue? = .object(self)
        for step in path {
            switch step {
            case let name as String: current = current?.objectValue?[name]
            case let index as Int:
                guard let array = current?.arrayValue, array.indices.contains(index) else { return nil }
                current = array[index]
            default: return nil
            }
        }
        return current?.stringValue
    }

    /// The array at `name` as objects.
    func objects(_ name: String) -> [JSONObject] {
        self[name]?.arrayValue?.compactMap(\.objectValue) ?? []
    }
}
