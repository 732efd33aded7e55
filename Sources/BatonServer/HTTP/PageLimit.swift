import Hummingbird
import HummingbirdCore

/// Page sizes for list endpoints (`?limit=`): 50 unless asked, at most 200.
enum PageLimit {
    static let `default` = 50
    static let maximum = 200

    /// The `limit` query parameter, or the default; a 400 problem if it is not 1…200.
    static func parse(_ parameters: FlatDictionary<Substring, Substring>) throws -> Int {
        guard let text = parameters["limit"].map(String.init) else { return Self.default }
        guard let value = Int(text), (1...maximum).contains(value) else {
            throw Problem(.badRequest, "limit must be a whole number from 1 to \(maximum).")
        }
        return value
    }
}
