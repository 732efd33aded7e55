import BatonCore
import Testing

@testable import BatonIdentity

@Suite("Normalising names, postcodes and identifiers")
struct NormaliseTests {
    @Test("folding drops case, accents and apostrophes and splits on punctuation", arguments: [
        ("Zoë", "zoe"), ("O'Neill", "oneill"), ("O’Brien", "obrien"), ("Smith-Jones", "smith jones"), ("  ÉLODIE  ", "elodie"),
        ("Łukasz", "lukasz"), ("Straße", "strasse"), ("Mary  Jane", "mary jane"), ("D'Souza-Patel", "dsouza patel"),
    ])
    func fold(_ input: String, _ expected: String) {
        #expect(Normalise.fold(input) == expected)
    }

    @Test("surnames: double-barrelled names split, Mac and Mc agree", arguments: [
        ("Smith-Jones", ["smith", "jones"]), ("MacDonald", ["mcdonald"]), ("McDonald", ["mcdonald"]), ("Mc Donald", ["mcdonald"]),
        ("Mack", ["mack"]), ("Macey", ["macey"]), ("St John", ["st", "john"]), ("Saint John", ["st", "john"]),
    ])
    func surnames(_ input: String, _ expected: [String]) {
        #expect(Normalise.surnameParts(input) == expected)
    }

    @Test("NHS numbers: a failed Modulus 11 check is treated as absent")
    func nhs() {
        #expect(Normalise.nhsNumber("999 000 0018") == "9990000018")  // test range, check digit 8
        #expect(Normalise.nhsNumber("999 000 0017") == nil)
        let valid = "9434765919"  // the NHS's published example number
        #expect(Normalise.nhsNumber("943 476 5919") == valid)
        #expect(Normalise.nhsNumber("943 476 5918") == nil)
        #expect(Normalise.nhsNumber("not a number") == nil)
    }

    @Test("postcodes, e-mail addresses, phone numbers and usernames")
    func identifiers() {
        #expect(Normalise.postcode("nm1 4ab") == "NM1 4AB")
        #expect(Normalise.postcode("NM14AB") == "NM1 4AB")
        #expect(Normalise.postcode("12345") == nil)
        #expect(Normalise.email("  Jo.Bloggs@Example.ORG ") == "jo.bloggs@example.org")
        #expect(Normalise.email("not-an-address") == nil)
        #expect(Normalise.phone("07700 900123") == "+447700900123")
        #expect(Normalise.phone("+44 7700 900123") == "+447700900123")
        #expect(Normalise.phone("0044 7700 900123") == "+447700900123")
        #expect(Normalise.phone("123") == nil)
        #expect(Normalise.username("@Sky_Walker") == "sky_walker")
        #expect(Normalise.localID(system: " Mosaic ", value: "C-1234") == "mosaic\u{1F}C-1234")
        #expect(Normalise.sex(.other) == nil)
        #expect(Normalise.sex(.female) == .female)
    }

    @Test("nickname groups from the policy table")
    func nicknames() throws {
        let table = try Nicknames(csv: "name,group\njon,john\njonathan,john\njonny,john\nkate,catherine\nkatie,catherine\n")
        #expect(table.equivalent("jon", "jonathan"))
        #expect(table.equivalent("jonny", "john"))
        #expect(table.equivalent("kate", "katie"))
        #expect(!table.equivalent("jon", "kate"))
        #expect(table.key(of: "jonathan") == "john")
        #expect(table.key(of: "zebedee") == "zebedee")
        #expect(throws: ConfigurationError.self) { try Nicknames(csv: "name,group\njon\n") }
    }
}
