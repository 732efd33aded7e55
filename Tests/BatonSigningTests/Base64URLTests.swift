import BatonSigning
import Testing

@Suite("Base64url")
struct Base64URLTests {
    @Test("round-trips every length")
    func roundTrips() {
        for length in 0..<70 {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            #expect(Base64URL.decode(Base64URL.encode(bytes)) == bytes)
        }
        #expect(Base64URL.encode([0xFB, 0xFF]) == "-_8")
    }

    @Test("refuses padding, the standard alphabet, whitespace and impossible lengths", arguments: [
        "YQ==", "+/8", "YW J", "YW\n", "Y", "YWJjZ", "YW*",
    ])
    func refusesNonBase64URL(_ text: String) {
        #expect(Base64URL.decode(text) == nil)
    }

    @Test("refuses non-canonical encodings (unused bits set), so each byte string has one encoding")
    func refusesNonCanonical() {
        #expect(Base64URL.decode("YQ") == [0x61])
        #expect(Base64URL.decode("YR") == nil)
        #expect(Base64URL.decode("YWI") == [0x61, 0x62])
        #expect(Base64URL.decode("YWJ") == nil)
    }
}
