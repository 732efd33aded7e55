/// UK postcodes: an outward code (`NM1`, `NM12`, `NM1A`, `N1`) and an inward code (`4AB`).
public enum UKPostcode {
    /// The postcode in its standard form (upper case, one space before the inward code), or nil
    /// when `text` does not have the shape of a UK postcode.
    public static func normalised(_ text: String) -> String? {
        let compact = text.uppercased().filter { $0 != " " }
        let characters = Array(compact)
        guard (5...7).contains(characters.count), characters.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) })
        else { return nil }
        let inward = characters.suffix(3)
        let outward = Array(characters.prefix(characters.count - 3))
        guard inward.first!.isNumber, inward.dropFirst().allSatisfy(\.isLetter) else { return nil }
        // Outward: A9, A9A, A99, AA9, AA9A, AA99.
        let pattern = String(outward.map { $0.isLetter ? "A" : "9" })
        guard ["A9", "A9A", "A99", "AA9", "AA9A", "AA99"].contains(pattern) else { return nil }
        return String(outward) + " " + String(inward)
    }
}
