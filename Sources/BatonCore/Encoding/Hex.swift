/// Hexadecimal for byte arrays: digests, Merkle hashes and key thumbprints are written and read
/// as lower-case hex everywhere (receipts, audit entries, exports, policy versions).
extension Array where Element == UInt8 {
    /// Lower-case hexadecimal. (Inlinable, like the decoder: the verifier runs them per entry, and
    /// a generic call across modules would not be specialised.)
    @inlinable
    public var hexString: String {
        let digits = Array("0123456789abcdef".utf8)
        var output = [UInt8]()
        output.reserveCapacity(count * 2)
        for byte in self {
            output.append(digits[Int(byte >> 4)])
            output.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: output, as: UTF8.self)
    }

    @inlinable
    public init?(hex: String) { self.init(hexDigits: hex.utf8) }

    /// Bytes from hexadecimal digits (either case); nil for an odd count or any other character.
    @inlinable
    public init?<Digits: Collection>(hexDigits text: Digits) where Digits.Element == UInt8 {
        guard text.count % 2 == 0 else { return nil }
        func nibble(_ byte: UInt8) -> UInt8? {
            switch byte {
            case 0x30...0x39: byte - 0x30
            case 0x61...0x66: byte - 0x61 + 10
            case 0x41...0x46: byte - 0x41 + 10
            default: nil
            }
        }
        var output: [UInt8] = []
        output.reserveCapacity(text.count / 2)
        var high: UInt8?
        for byte in text {
            guard let value = nibble(byte) else { return nil }
            if let first = high {
                output.append(first << 4 | value)
                high = nil
            } else {
                high = value
            }
        }
        self = output
    }
}
