import BatonCore
import Foundation

/// Turning what agencies write into comparable values. Every normaliser is pure and total:
/// anything it cannot make sense of becomes absent, never an error, because one agency's odd
/// formatting must not stop a referral.
public enum Normalise {
    /// Lower-case ASCII letters, digits and single spaces: accents removed (Zoë → zoe,
    /// Łukasz → lukasz), apostrophes dropped (O'Neill → oneill), hyphens and other punctuation
    /// turned into spaces (Smith-Jones → smith jones).
    public static func fold(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        var pendingSpace = false
        for scalar in text.decomposedStringWithCanonicalMapping.unicodeScalars {
            let value = scalar.value
            if (0x0300...0x036F).contains(value) { continue }  // combining marks: the accents
            if let replacement = specialLetters[value] {
                if pendingSpace, !out.isEmpty { out.append(" ") }
                pendingSpace = false
                out.append(contentsOf: replacement.unicodeScalars)
                continue
            }
            switch value {
            case 0x41...0x5A:  // A–Z
                if pendingSpace, !out.isEmpty { out.append(" ") }
                pendingSpace = false
                out.append(Unicode.Scalar(value + 32)!)
            case 0x61...0x7A, 0x30...0x39:
                if pendingSpace, !out.isEmpty { out.append(" ") }
                pendingSpace = false
                out.append(scalar)
            case 0x27, 0x2019, 0x2018, 0x60, 0xB4:  // apostrophes join: O'Neill → oneill
                continue
            default:
                pendingSpace = true
            }
        }
        return String(out)
    }

    /// Letters that do not decompose into a base letter and an accent.
    static let specialLetters: [UInt32: String] = [
        0xDF: "ss", 0xC6: "ae", 0xE6: "ae", 0xD8: "o", 0xF8: "o", 0x141: "l", 0x142: "l", 0x110: "d", 0x111: "d",
        0xD0: "d", 0xF0: "d", 0xDE: "th", 0xFE: "th", 0x152: "oe", 0x153: "oe", 0x131: "i",
    ]

    /// A family name as its parts, with Mac/Mc and St/Saint made one spelling: "Smith-Jones" →
    /// ["smith", "jones"]; "MacDonald" → ["mcdonald"]; "Mc Donald" → ["mcdonald"].
    public static func surnameParts(_ text: String) -> [String] {
        var parts: [String] = []
        var tokens = fold(text).split(separator: " ").map(String.init)[...]
        while let token = tokens.popFirst() {
            var part = token
            if (part == "mc" || part == "mac" || part == "m"), let next = tokens.first, next.count > 1 {
                part = "mc" + next
                tokens.removeFirst()
            } else if part.hasPrefix("mac"), part.count >= 6 {
                part = "mc" + part.dropFirst(3)
            }
            if part == "st" || part == "saint" { part = "st" }
            parts.append(part)
        }
        return parts
    }

    /// A given name as its parts ("Mary-Jane" → ["mary", "jane"]).
    public static func nameParts(_ text: String) -> [String] {
        fold(text).split(separator: " ").map(String.init)
    }

    /// A UK postcode in its standard form ("nm1 4ab" → "NM1 4AB"), or nil.
    public static func postcode(_ text: String) -> String? { UKPostcode.normalised(text) }

    /// An NHS number as its ten digits if the Modulus 11 check passes; an invalid number is
    /// treated as absent (and reported back to the sender).
    public static func nhsNumber(_ text: String) -> String? {
        guard NHSNumber.isValid(text), let digits = NHSNumber.digits(text) else { return nil }
        return String(digits.map { Character(String($0)) })
    }

    /// A Unique Pupil Number in upper case if its check letter is right.
    public static func upn(_ text: String) -> String? {
        let upper = text.uppercased().filter { !$0.isWhitespace }
        return UniquePupilNumber.isValid(upper) ? upper : nil
    }

    /// A sex that says something: `female` or `male`; `other` and `unknown` are absent for matching.
    public static func sex(_ sex: Sex?) -> Sex? {
        switch sex {
        case .female?, .male?: sex
        default: nil
        }
    }

    /// An e-mail address compared exactly: trimmed and lower-cased.
    public static func email(_ text: String) -> String? {
        let value = text.trimmed.lowercased()
        let parts = value.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !value.contains(" ") else { return nil }
        return value
    }

    /// A UK phone number in international form (07700 900123 → +447700900123), or nil.
    public static func phone(_ text: String) -> String? {
        var digits = text.filter(\.isNumber)
        if text.trimmed.hasPrefix("+") {
            digits = "+" + digits
        }
        if digits.hasPrefix("+44") { digits = String(digits.dropFirst(3)) }
        else if digits.hasPrefix("0044") { digits = String(digits.dropFirst(4)) }
        else if digits.hasPrefix("0") { digits = String(digits.dropFirst(1)) }
        else if digits.hasPrefix("+") { return digits.count >= 8 ? digits : nil }  // another country's number, as given
        guard (9...10).contains(digits.count) else { return nil }
        return "+44" + digits
    }

    /// A username or handle compared exactly: lower case, without a leading "@".
    public static func username(_ text: String) -> String? {
        var value = text.trimmed.lowercased()
        if value.hasPrefix("@") { value.removeFirst() }
        return value.isEmpty || value.contains(" ") ? nil : value
    }

    /// A local identifier's system and value as one exact-match key.
    public static func localID(system: String, value: String) -> String? {
        let system = system.trimmed.lowercased()
        let value = value.trimmed
        guard !system.isEmpty, !value.isEmpty else { return nil }
        return "\(system)\u{1F}\(value)"
    }
}
