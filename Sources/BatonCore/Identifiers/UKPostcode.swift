/// UK postcodes: an outward code (`NM1`, `NM12`, `NM1A`, `N1`) and an inward code (`4AB`).
public enum UKPostcode {
    /// The postcode in its standard form (upper case, one space before the inward code), or nil
    /// when `text` does not have the shape of a UK postcode.
    public static func normalised(_ text: String) -> String? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(8)
        for byte in text.utf8 where byte != UInt8(ascii: " ") {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"): bytes.append(byte - 32)
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): bytes.append(byte)
            default: return nil
            }
            if bytes.count > 7 { return nil }
        }
        guard bytes.count >= 5 else { return nil }
        func isLetter(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") }
        let inward = bytes.suffix(3)
        guard !isLetter(inward[inward.startIndex]), isLetter(inward[inward.startIndex + 1]), isLetter(inward[inward.startIndex + 2])
        else { return nil }
        // Outward: A9, A9A, A99, AA9, AA9A, AA99.
        let outward = bytes.prefix(bytes.count - 3)
        let shape = outward.map { isLetter($0) ? UInt8(ascii: "A") : UInt8(ascii: "9") }
        let shapes: [[UInt8]] = [Array("A9".utf8), Array("A9A".utf8), Array("A99".utf8), Array("AA9".utf8), Array("AA9A".utf8), Array("AA99".utf8)]
        guard shapes.contains(shape) else { return nil }
        return String(decoding: outward, as: UTF8.self) + " " + String(decoding: inward, as: UTF8.self)
    }
}
