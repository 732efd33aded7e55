import BatonCore
import BatonSigning
import Foundation

/// Reading message payloads and key files for the agency tooling.
enum PayloadInput {
    /// Reads a JSON payload from a file, or standard input for "-".
    static func read(_ path: String) throws -> JSONObject {
        let data: Data
        if path == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            guard let contents = FileManager.default.contents(atPath: path) else { throw CLIError("cannot read \(path)") }
            data = contents
        }
        let value: JSONValue
        do { value = try StrictJSON.parse(Array(data)) } catch { throw CLIError("\(path == "-" ? "standard input" : path): \(error)") }
        guard let object = value.objectValue else { throw CLIError("the payload must be a JSON object") }
        return object
    }

    /// Sets a fresh `messageId` and `sentAt` (now), so a sample file can be sent again and again.
    static func stamp(_ payload: inout JSONObject, now: Date = Date()) {
        payload["messageId"] = .string(UUID().uuidString.lowercased())
        payload["sentAt"] = .string(RFC3339.format(now))
    }

    static func key(_ path: String, allowReadableByOthers: Bool = false) throws -> KeyFile {
        do { return try KeyFile.load(path: path, allowReadableByOthers: allowReadableByOthers) } catch { throw CLIError("\(error)") }
    }

    /// The agency a key file's `kid` (`<agency-id>/<key-id>`) belongs to.
    static func agency(of key: KeyFile) throws -> AgencyID {
        let parts = key.kid.split(separator: "/")
        guard parts.count == 2, let agency = AgencyID(rawValue: String(parts[0])) else {
            throw CLIError("the key file's kid '\(key.kid)' is not <agency-id>/<key-id>")
        }
        return agency
    }
}
