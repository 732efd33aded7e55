import BatonCore
import Testing

@Suite("Identifiers")
struct IdentifierTests {
    @Test("NHS numbers: Modulus 11 check digit, spaces allowed")
    func nhsNumbers() {
        // 999 000 0018: weighted sum of 9,9,9,0,0,0,0,0,1 is 9*10+9*9+9*8+1*2 = 245; 245 mod 11 = 3; 11-3 = 8.
        #expect(NHSNumber.isValid("9990000018"))
        #expect(NHSNumber.isValid("999 000 0018"))
        #expect(!NHSNumber.isValid("999 000 0017"))
        #expect(!NHSNumber.isValid("99900000180"))
        #expect(!NHSNumber.isValid("999000001X"))
        #expect(NHSNumber.checkDigit([9, 9, 9, 0, 0, 0, 0, 0, 1]) == 8)
    }

    @Test("UPN check letters detect a changed character")
    func upns() throws {
        let body = "995200115003"
        let letter = try #require(UniquePupilNumber.checkLetter(for: body))
        #expect(UniquePupilNumber.isValid("\(letter)\(body)"))
        #expect(!UniquePupilNumber.isValid("\(letter)995200115004"))
        #expect(UniquePupilNumber.checkLetter(for: "12345") == nil)
    }

    @Test("UK postcodes are normalised or refused", arguments: [
        ("nm3 4ab", "NM3 4AB"), ("NM34AB", "NM3 4AB"), ("n1 9gu", "N1 9GU"), ("NM12 3XY", "NM12 3XY"), ("EC1A 1BB", "EC1A 1BB"),
        ("W1A 0AX", "W1A 0AX"),
    ])
    func postcodes(_ input: String, _ expected: String) {
        #expect(UKPostcode.normalised(input) == expected)
    }

    @Test("non-postcodes are refused", arguments: ["", "NM3", "12345", "NM3 4A", "NM3 AAB", "NMM3 4AB", "NM3-4AB", "75001"])
    func notPostcodes(_ input: String) {
        #expect(UKPostcode.normalised(input) == nil)
    }

    @Test("agency ids are slugs")
    func agencyIDs() {
        #expect(AgencyID(rawValue: "police-northmoor") != nil)
        #expect(AgencyID(rawValue: "Police") == nil)
        #expect(AgencyID(rawValue: "-x") == nil)
        #expect(AgencyID(rawValue: "a b") == nil)
        #expect(AgencyID(rawValue: "") == nil)
    }

    @Test("message ids are UUIDs compared in lower case")
    func messageIDs() {
        #expect(MessageID(rawValue: "9B2F7C1E-3D4A-4F6B-8C2D-1E5F6A7B8C9D")?.rawValue == "9b2f7c1e-3d4a-4f6b-8c2d-1e5f6a7b8c9d")
        #expect(MessageID(rawValue: "not-a-uuid") == nil)
        #expect(MessageID(rawValue: "9b2f7c1e3d4a4f6b8c2d1e5f6a7b8c9d") == nil)
    }
}

@Suite("Trimming without Foundation")
struct TrimmingTests {
    @Test("trimmed drops leading and trailing spaces, tabs and newlines; isBlank is true only for whitespace")
    func trimming() async {
        #expect("  a b \n".trimmed == "a b")
        #expect("\t\n ".trimmed == "")
        #expect("x".trimmed == "x")
        #expect(" \n\t".isBlank)
        #expect("".isBlank)
        #expect(!" a ".isBlank)
        // Many threads at once (Foundation's trimming has crashed under this on Linux).
        await withTaskGroup(of: Bool.self) { group in
            for i in 0..<2_000 { group.addTask { "  reason \(i)  ".trimmed == "reason \(i)" } }
            for await ok in group { #expect(ok) }
        }
    }
}
