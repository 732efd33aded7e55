/// NHS numbers: ten digits, the last a Modulus 11 check digit.
///
/// Numbers beginning 999 are reserved for testing and never issued to patients; all synthetic
/// data in this repository uses them.
public enum NHSNumber {
    /// The ten digits of `text`, ignoring spaces and hyphens, or nil if that is not ten digits.
    public static func digits(_ text: String) -> [Int]? {
        var digits: [Int] = []
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digits.append(Int(byte - UInt8(ascii: "0")))
            case UInt8(ascii: " "), UInt8(ascii: "-"): continue
            default: return nil
            }
        }
        return digits.count == 10 ? digits : nil
    }

    /// The check digit for the first nine digits, or nil when the weighted sum gives 10 (such
    /// numbers are never issued).
    public static func checkDigit(_ firstNine: [Int]) -> Int? {
        precondition(firstNine.count == 9)
        let sum = firstNine.enumerated().reduce(0) { $0 + $1.element * (10 - $1.offset) }
        let check = 11 - sum % 11
        switch check {
        case 11: return 0
        case 10: return nil
        default: return check
        }
    }

    /// Whether `text` is ten digits with a valid Modulus 11 check digit.
    public static func isValid(_ text: String) -> Bool {
        guard let digits = digits(text) else { return false }
        return checkDigit(Array(digits.prefix(9))) == digits[9]
    }
}
