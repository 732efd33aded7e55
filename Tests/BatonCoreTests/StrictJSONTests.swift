import BatonCore
import Testing

@Suite("Strict JSON")
struct StrictJSONTests {
    func parse(_ text: String) throws -> JSONValue { try StrictJSON.parse(text) }

    func rejection(_ text: String) -> StrictJSON.ParseError? {
        do {
            _ = try StrictJSON.parse(text)
            return nil
        } catch {
            return error
        }
    }

    @Test("parses every JSON type and keeps member order")
    func parsesAllTypes() throws {
        let value = try parse(#" {"z": [1, -2.5e3, true, false, null], "a": {"s": "x\"y\\\u00e9\ud83d\ude00"}} "#)
        let object = try #require(value.objectValue)
        #expect(object.names == ["z", "a"])
        #expect(object["z"] == [1, -2500.0, true, false, nil])
        #expect(object["a"]?.objectValue?["s"]?.stringValue == "x\"y\\é😀")
    }

    @Test("rejects duplicate member names at any depth (RFC 7515 §5.2: Baton rejects rather than picking one)")
    func rejectsDuplicates() {
        #expect(rejection(#"{"kind":"referral","kind":"notification"}"#)?.reason == "duplicate member name in an object")
        #expect(rejection(#"{"a":{"b":1,"b":1}}"#)?.offset == 12)
        // Many members: the hashed path must catch it too.
        let many = (0..<40).map { "\"k\($0)\":\($0)" }.joined(separator: ",")
        #expect(rejection("{\(many),\"k7\":1}") != nil)
        #expect(rejection(#"[{"a":1},{"a":1}]"#) == nil)
    }

    @Test("rejects trailing data, a byte-order mark and empty input")
    func rejectsTrailing() {
        #expect(rejection(#"{"a":1} x"#)?.reason == "unexpected data after the JSON value")
        #expect(rejection(#"{"a":1}{"b":2}"#) != nil)
        #expect(rejection("\u{FEFF}{}") != nil)
        #expect(rejection("") != nil)
        #expect(rejection("   ") != nil)
    }

    @Test("rejects what RFC 8259 does not allow", arguments: [
        "{a:1}", "{'a':1}", "[1,]", "{\"a\":1,}", "01", "1.", ".5", "-", "+1", "1e", "NaN", "Infinity", "tru", "nul",
        "\"\\x\"", "\"\\u12\"", "\"tab\there\"", "1e999",
    ])
    func rejectsInvalid(_ text: String) {
        #expect(rejection(text) != nil)
    }

    @Test("rejects text that is not valid UTF-8 and escaped lone surrogates")
    func rejectsBadText() {
        #expect((try? StrictJSON.parse([0x22, 0xC3, 0x28, 0x22])) == nil)
        #expect((try? StrictJSON.parse([0x22, 0xFF, 0x22])) == nil)
        #expect(rejection(#""\ud800""#)?.reason == "unpaired surrogate in \\u escape")
        #expect(rejection(#""\udc00""#) != nil)
        #expect(rejection(#""\ud800\u0041""#) != nil)
    }

    @Test("limits nesting depth")
    func limitsDepth() throws {
        let ok = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        #expect(rejection(ok) == nil)
        let deep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        #expect(rejection(deep)?.reason.contains("nesting") == true)
    }

    @Test("errors carry an offset and a reason but never the parsed text")
    func errorsDoNotEchoContent() {
        let error = rejection(#"{"givenName":"Evie","givenName":"Evie"}"#)
        #expect(error != nil)
        #expect(!(error?.description.contains("Evie") ?? true))
    }

    @Test("serialisation is compact, escapes what it must and round-trips")
    func serialisationRoundTrips() throws {
        let value: JSONValue = ["text": "line\nbreak \"quoted\" \u{01} é", "n": 42, "f": 0.5, "list": [true, nil]]
        let text = value.serializedString()
        #expect(text == #"{"text":"line\nbreak \"quoted\" \u0001 é","n":42,"f":0.5,"list":[true,null]}"#)
        #expect(try StrictJSON.parse(text) == value)
    }

    @Test("JSON Pointers escape ~ and / (RFC 6901)")
    func pointers() {
        #expect((JSONPointer.root / "a/b" / "m~n" / 0).description == "/a~1b/m~0n/0")
        #expect(JSONPointer("/subjects/0/dateOfBirth").tokens == ["subjects", "0", "dateOfBirth"])
    }
}
