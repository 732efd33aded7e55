import BatonCore
import BatonSigning
import Foundation
import HTTPTypes
import Hummingbird
import Mustache
import NIOCore

/// The web UI's templates (swift-mustache, `Resources/web/templates`) and style sheet, loaded once.
struct WebRenderer: Sendable {
    let library: MustacheLibrary
    let css: String

    static let shared: WebRenderer = {
        guard let root = Bundle.module.resourceURL?.appendingPathComponent("web") else {
            fatalError("the web UI's resources are missing from the BatonServer bundle")
        }
        do {
            var library = MustacheLibrary()
            let templates = root.appendingPathComponent("templates")
            for name in try FileManager.default.contentsOfDirectory(atPath: templates.path) where name.hasSuffix(".mustache") {
                let text = try String(contentsOf: templates.appendingPathComponent(name), encoding: .utf8)
                try library.register(text, named: String(name.dropLast(".mustache".count)))
            }
            let css = try String(contentsOf: root.appendingPathComponent("static/baton.css"), encoding: .utf8)
            return WebRenderer(library: library, css: css)
        } catch {
            fatalError("a web UI template does not parse: \(error)")
        }
    }()

    func render(_ template: String, _ context: [String: Any]) -> String {
        library.render(Self.flagged(context), withTemplate: template)
            ?? "<!doctype html><title>Template missing</title><p>Template \(template) is missing.</p>"
    }

    /// Adds `has_<key>` (true when the list is not empty) beside every list, so a template can
    /// write a table's head once: `{{#has_items}}<table>…{{#items}}<tr>…{{/items}}</table>{{/has_items}}`.
    static func flagged(_ value: Any) -> Any {
        if let dictionary = value as? [String: Any] {
            var result: [String: Any] = [:]
            for (key, element) in dictionary {
                result[key] = flagged(element)
                if let list = element as? [Any] { result["has_" + key] = !list.isEmpty }
            }
            return result
        }
        if let list = value as? [Any] { return list.map(flagged) }
        return value
    }
}

/// A urlencoded form as posted by a browser.
struct WebForm: Sendable {
    var fields: [String: [String]] = [:]

    init(_ text: String) {
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ part: Substring) -> String {
                String(part).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
            }
            let name = decode(parts[0])
            let value = parts.count > 1 ? decode(parts[1]) : ""
            fields[name, default: []].append(value)
        }
    }

    /// The first value of `name`, trimmed; nil when absent or blank.
    subscript(_ name: String) -> String? {
        guard let value = fields[name]?.first?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else { return nil }
        return value
    }

    /// Every non-blank value of `name`.
    func all(_ name: String) -> [String] {
        (fields[name] ?? []).map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
    }

    static func read(_ request: Request, limit: Int = 64 * 1024) async throws -> WebForm {
        let buffer = try await request.body.collect(upTo: limit)
        return WebForm(String(buffer: buffer))
    }
}

/// What a page handler throws to answer with an error page instead of content.
struct WebFailure: Error {
    var status: HTTPResponse.Status
    var title: String
    var message: String

    static let notFound = WebFailure(
        status: .notFound, title: "Page not found",
        message: "There is nothing at this address that your account may see. If you followed a link, the item may belong to another agency.")
    static let forbidden = WebFailure(status: .forbidden, title: "You cannot see this page", message: "Your role does not give access to this page.")
}

enum WebText {
    static let months = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]

    /// `5 December 2026 at 09:30` in UK time, as GOV.UK writes dates.
    static func dateTime(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Europe/London") ?? .gmt
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        return String(format: "%d %@ %d at %02d:%02d", parts.day ?? 0, months[(parts.month ?? 1) - 1], parts.year ?? 0, parts.hour ?? 0, parts.minute ?? 0)
    }

    static func dateTime(_ text: String?) -> String? {
        guard let text, let date = RFC3339.parse(text) else { return text }
        return dateTime(date)
    }

    /// `3 days`, `5 hours`, `40 minutes`.
    static func span(_ seconds: TimeInterval) -> String {
        let minutes = Int(abs(seconds) / 60)
        if minutes < 60 { return "\(minutes) minute\(minutes == 1 ? "" : "s")" }
        let hours = minutes / 60
        if hours < 48 { return "\(hours) hour\(hours == 1 ? "" : "s")" }
        let days = hours / 24
        return "\(days) day\(days == 1 ? "" : "s")"
    }

    /// A code or field name as words: `in-progress` → `In progress`, `police.incident` →
    /// `Police incident`, `occurrenceRef` → `Occurrence ref`.
    static func label(_ code: String) -> String {
        var words = ""
        var previous: Character?
        for character in code {
            if character == "-" || character == "_" || character == "." {
                words.append(" ")
            } else if character.isUppercase, let last = previous, last.isLowercase {
                words.append(" ")
                words.append(contentsOf: character.lowercased())
            } else {
                words.append(character)
            }
            previous = character
        }
        return words.prefix(1).uppercased() + words.dropFirst()
    }

    /// Why a match went to review, in words a reviewer acts on (the API gives the codes).
    static func reviewReason(_ code: String) -> String {
        switch code {
        case "twins": "Twins or siblings: the same family name, home and date of birth, but different given names"
        case "different-nhs-numbers": "Two different NHS numbers"
        case "sex-conflict": "The recorded sex differs"
        case "dates-of-birth-differ": "The dates of birth differ by more than a typing slip"
        case "score-between-thresholds": "The match probability is between the review and link thresholds"
        case "close-second-candidate": "Another person matches almost as well"
        case "identifiers-point-at-two-people": "Its identifiers point at two different people"
        case "recorded-at-another-home": "Recorded at another home (postcode, address and town all differ): perhaps the same child after a move"
        default: label(code)
        }
    }

    /// A GOV.UK tag colour for an item status or risk.
    static func tagClass(status: String) -> String {
        switch status {
        case "requested", "received": "tag--blue"
        case "accepted", "in-progress": "tag--light-blue"
        case "on-hold": "tag--yellow"
        case "completed": "tag--green"
        case "rejected", "cancelled", "entered-in-error": "tag--grey"
        default: "tag--grey"
        }
    }

    static func tagClass(risk: String?) -> String {
        switch risk {
        case "immediate": "tag--red"
        case "high": "tag--orange"
        case "medium": "tag--yellow"
        case "low": "tag--green"
        default: "tag--grey"
        }
    }
}

extension JSONValue {
    /// The value as swift-mustache renders it: objects as dictionaries, arrays as arrays.
    var mustache: Any {
        switch self {
        case .null: return false
        case .bool(let value): return value
        case .number(let value): return value.rounded() == value && abs(value) < 1e15 ? String(Int64(value)) : String(value)
        case .string(let value): return value
        case .array(let values): return values.map(\.mustache)
        case .object(let object):
            var dictionary: [String: Any] = [:]
            for member in object.members { dictionary[member.name] = member.value.mustache }
            return dictionary
        }
    }
}

extension Response {
    static func html(_ html: String, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var headers = headers
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.cacheControl] = "no-store"
        headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        headers[HTTPField.Name("Referrer-Policy")!] = "same-origin"
        headers[.contentSecurityPolicy] =
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    static func redirect(_ location: String, headers: HTTPFields = [:]) -> Response {
        var headers = headers
        headers[.location] = location
        headers[.cacheControl] = "no-store"
        return Response(status: .seeOther, headers: headers)
    }

    static func csv(_ text: String, filename: String) -> Response {
        Response(status: .ok, headers: [
            .contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"\(filename)\"", .cacheControl: "no-store",
        ], body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}

enum WebRandom {
    /// 32 random bytes as base64url.
    static func token() -> String {
        var generator = SystemRandomNumberGenerator()
        return Base64URL.encode((0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }

    /// Compares without stopping at the first difference.
    static func equal(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var difference: UInt8 = 0
        for index in x.indices { difference |= x[index] ^ y[index] }
        return difference == 0
    }
}
