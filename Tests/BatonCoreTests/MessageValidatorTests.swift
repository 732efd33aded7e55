import BatonCore
import BatonSynthetic
import Foundation
import Testing

/// A valid referral, to be broken one field at a time.
func sampleReferral() -> JSONObject {
    let text = #"""
    {"messageId":"3f1e9a52-7c41-4f0e-9f55-2b8e6f0d7a11","sentAt":"2026-11-22T09:30:00Z","kind":"referral",
     "from":{"agency":"police-northmoor","person":{"name":"DC Harlow","role":"Public protection unit"}},
     "subjects":[{"ref":"c1","givenName":"Evie","familyName":"Ashworth","dateOfBirth":"2016-04-09","sex":"female",
                  "nhsNumber":"999 000 0018","address":{"lines":["12 Kiln Street"],"postcode":"NM3 4AB"},"school":{"urn":"990101"}}],
     "persons":[{"ref":"p1","givenName":"Darren","familyName":"Ashworth","sex":"male"}],
     "relationships":[{"from":"p1","to":"c1","role":"father"}],
     "sections":[{"label":"police.incident","content":{"occurrenceRef":"NM-1"}}],
     "consent":{"status":"not-sought","basis":"safeguarding","reasonNotSought":"Would alert the alleged perpetrator."},
     "doNotInform":["p1"],
     "concern":{"categories":["domestic-abuse"],"summary":"Repeated incidents at the home.","childSeen":true,
                "risk":{"level":"high","tool":"DASH","toolVersion":"2009"},"incidentAt":"2026-11-21T23:10:00Z"}}
    """#
    return try! StrictJSON.parse(text).objectValue!
}

@Suite("Message validation")
struct MessageValidatorTests {
    func problems(_ object: JSONObject) -> [String] {
        switch MessageValidator.validate(.object(object)) {
        case .success: return []
        case .failure(let rejection): return rejection.problems.map(\.description)
        }
    }

    func modified(_ change: (inout JSONObject) -> Void) -> JSONObject {
        var object = sampleReferral()
        change(&object)
        return object
    }

    @Test("a complete referral validates into a typed message")
    func validReferral() throws {
        let message = try MessageValidator.validate(.object(sampleReferral())).get()
        #expect(message.kind == .referral)
        #expect(message.subjects.first?.dateOfBirth == CalendarDate(year: 2016, month: 4, day: 9))
        #expect(message.subjects.first?.address?.postcode == "NM3 4AB")
        #expect(message.doNotInform == ["p1"])
        guard case .referral(let concern) = message.body else {
            Issue.record("not a referral")
            return
        }
        #expect(concern.risk.level == .high)
        #expect(concern.categories == [.domesticAbuse])
    }

    @Test("online identifiers are read; an unknown type is reported at its pointer")
    func onlineIdentifiers() throws {
        func withOnline(_ ids: JSONValue) -> JSONObject {
            modified { object in
                var subjects = object["subjects"]!.arrayValue!
                var first = subjects[0].objectValue!
                first["onlineIds"] = ids
                subjects[0] = .object(first)
                object["subjects"] = .array(subjects)
            }
        }
        let message = try MessageValidator.validate(.object(withOnline([["type": "email", "value": "evie.a@example.org"], ["type": "username", "value": "@evie_a"]]))).get()
        #expect(message.subjects[0].onlineIds == [.init(type: .email, value: "evie.a@example.org"), .init(type: .username, value: "@evie_a")])
        let refused = problems(withOnline([["type": "fax", "value": "0123"]]))
        #expect(refused.contains { $0.contains("/subjects/0/onlineIds/0/type") })
    }

    @Test("every synthetic demo message validates")
    func syntheticTrafficIsValid() {
        var traffic = SyntheticTraffic(seed: 11)
        let start = Date(timeIntervalSince1970: 1_795_339_800)
        for index in 0..<600 {
            let message = traffic.next(at: start + Double(index * 60))
            if case .failure(let rejection) = MessageValidator.validate(message.payload) {
                Issue.record("\(message.summary): \(rejection.problems)")
            }
        }
    }

    @Test("synthetic adults are born on days spread over the year, so that namesakes with one birthday stay rare")
    func syntheticAdultBirthdays() {
        var traffic = SyntheticTraffic(seed: 5)
        let start = Date(timeIntervalSince1970: 1_795_339_800)
        var birthdays = Set<String>()
        var adults = 0
        for index in 0..<800 {
            let message = traffic.next(at: start + Double(index * 60))
            for person in message.payload.objectValue?["persons"]?.arrayValue ?? [] {
                guard let born = person.objectValue?["dateOfBirth"]?.stringValue else { continue }
                adults += 1
                birthdays.insert(String(born.dropFirst(5)))
            }
        }
        #expect(adults > 300)
        // Month and day: the old generator gave every adult one of a handful.
        #expect(birthdays.count > 200, "\(birthdays.count) distinct birthdays among \(adults) adults")
    }

    @Test("an impossible date of birth is reported at its pointer")
    func invalidDateOfBirth() {
        let result = problems(modified { object in
            var subject = object["subjects"]!.arrayValue![0].objectValue!
            subject["dateOfBirth"] = "2016-02-30"
            object["subjects"] = [.object(subject)]
        })
        #expect(result == ["/subjects/0/dateOfBirth: must be a date that exists, written YYYY-MM-DD"])
    }

    @Test("dates of birth after the message was sent, or before 1900, are refused")
    func implausibleDateOfBirth() {
        let future = problems(modified { object in
            var subject = object["subjects"]!.arrayValue![0].objectValue!
            subject["dateOfBirth"] = "2027-01-01"
            object["subjects"] = [.object(subject)]
        })
        #expect(future == ["/subjects/0/dateOfBirth: is after the message was sent"])
        let ancient = problems(modified { object in
            var person = object["persons"]!.arrayValue![0].objectValue!
            person["dateOfBirth"] = "1850-01-01"
            object["persons"] = [.object(person)]
        })
        #expect(ancient == ["/persons/0/dateOfBirth: is before 1900-01-01"])
    }

    @Test("an invalid sentAt is reported")
    func invalidSentAt() {
        #expect(problems(modified { $0["sentAt"] = "2026-11-22 09:30" }).first?.hasPrefix("/sentAt: must be an RFC 3339") == true)
    }

    @Test("an unknown kind is refused with the list of kinds")
    func unknownKind() {
        let result = MessageValidator.validate(.object(modified { $0["kind"] = "gossip" }))
        guard case .failure(let rejection) = result else {
            Issue.record("accepted an unknown kind")
            return
        }
        #expect(rejection.reason == .invalid)
        #expect(rejection.problems.first?.pointer == "/kind")
        #expect(rejection.problems.first?.problem.contains("referral") == true)
    }

    @Test("a kind the protocol defines but this hub does not take yet is refused as not supported")
    func unsupportedKind() {
        guard case .failure(let rejection) = MessageValidator.validate(.object(modified { $0["kind"] = "correction" })) else {
            Issue.record("accepted")
            return
        }
        #expect(rejection.reason == .kindNotSupported(.correction))
    }

    @Test("unknown fields are refused at every protocol level, so a misspelt doNotInform cannot pass silently")
    func unknownFields() {
        let result = problems(modified { object in
            object["doNotInfrom"] = ["p1"]
            var subject = object["subjects"]!.arrayValue![0].objectValue!
            subject["nhsNo"] = "999 000 0018"
            object["subjects"] = [.object(subject)]
        })
        #expect(result.contains { $0.hasPrefix("/doNotInfrom: is not a field") })
        #expect(result.contains { $0.hasPrefix("/subjects/0/nhsNo: is not a field") })
    }

    @Test("section content is free-form but labels are checked and unique")
    func sections() {
        let result = problems(modified { object in
            object["sections"] = [
                ["label": "police.incident", "content": ["anything": ["goes": true]]],
                ["label": "police.incident", "content": [:]],
                ["label": "Police Incident", "content": [:]],
                ["label": "health.mental", "content": "text"],
            ]
        })
        #expect(result == [
            "/sections/1/label: another section has the same label; put their content in one section",
            "/sections/2/label: must be dot-separated lower-case words, such as health.mental",
            "/sections/3/content: must be an object, found a string",
        ])
    }

    @Test("relationships and doNotInform must refer to people in the message")
    func references() {
        let result = problems(modified { object in
            object["relationships"] = [["from": "p9", "to": "c1", "role": "mother"], ["from": "p1", "to": "p1", "role": "uncle"]]
            object["doNotInform"] = ["p7"]
        })
        #expect(result.contains("/relationships/0/from: does not match the ref of any subject or person in this message"))
        #expect(result.contains { $0.hasPrefix("/relationships/1/role: must be one of") })
        #expect(result.contains("/relationships/1/to: a person cannot be related to themselves"))
        #expect(result.contains("/doNotInform/0: does not match the ref of any subject or person in this message"))
    }

    @Test("refs are unique across subjects and persons")
    func uniqueRefs() {
        let result = problems(modified { object in
            var person = object["persons"]!.arrayValue![0].objectValue!
            person["ref"] = "c1"
            object["persons"] = [.object(person)]
            object["relationships"] = []
            object["doNotInform"] = []
        })
        #expect(result == ["/persons/0/ref: is used by another person in this message"])
    }

    @Test("consent not sought on a safeguarding basis needs its recorded reason")
    func consentReason() {
        let result = problems(modified { $0["consent"] = ["status": "not-sought", "basis": "safeguarding"] })
        #expect(result.count == 1)
        #expect(result[0].hasPrefix("/consent/reasonNotSought: is required"))
        #expect(problems(modified { $0["consent"] = ["status": "refused", "basis": "consent"] })
            == ["/consent/basis: cannot be 'consent' when consent was not given"])
        #expect(problems(modified { $0["consent"] = nil }).first?.hasPrefix("/consent: is required") == true)
        // A blank reason is no reason; sharing against a refusal needs one too.
        #expect(problems(modified { $0["consent"] = ["status": "not-sought", "basis": "safeguarding", "reasonNotSought": "  "] }).count == 1)
        let refused = problems(modified { $0["consent"] = ["status": "refused", "basis": "safeguarding"] })
        #expect(refused.count == 1)
        #expect(refused.first?.contains("consent was refused") == true)
        #expect(problems(modified {
            $0["consent"] = ["status": "refused", "basis": "safeguarding", "reasonNotSought": "Mother refused; the child disclosed a serious injury."]
        }).isEmpty)
    }

    @Test("a referral needs a concern with categories and a risk level")
    func concernRequired() {
        #expect(problems(modified { $0["concern"] = nil }) == ["/concern: is required"])
        let result = problems(modified { $0["concern"] = ["categories": [], "summary": "x", "risk": ["tool": "DASH"]] })
        #expect(result == ["/concern/categories: must name at least one category of concern", "/concern/risk/level: is required"])
        let missingSummary = problems(modified { $0["concern"] = ["categories": ["neglect"], "risk": ["level": "low"]] })
        #expect(missingSummary == ["/concern/summary: is required, unless a section labelled concern.summary carries it"])
    }

    @Test("a child needs at least a name, a date of birth or an identifier")
    func subjectIdentity() {
        let result = problems(modified { $0["subjects"] = [["ref": "c1", "sex": "female"]]; $0["relationships"] = [] })
        #expect(result == ["/subjects/0: a child needs at least a name, a date of birth or an identifier"])
        #expect(problems(modified { $0["subjects"] = [] }).contains("/subjects: must name at least one child"))
    }

    @Test("malformed identifiers are reported without repeating them", arguments: [
        ("nhsNumber", JSONValue.string("99912345"), "/subjects/0/nhsNumber: must be ten digits (spaces allowed)"),
        ("sex", "F", "/subjects/0/sex: must be one of: female, male, other, unknown"),
        ("givenName", 42, "/subjects/0/givenName: must be a string, found a number"),
        ("givenName", "", "/subjects/0/givenName: must not be empty (leave the field out when it is not known)"),
    ])
    func malformedIdentifiers(_ field: String, _ value: JSONValue, _ expected: String) {
        let result = problems(modified { object in
            var subject = object["subjects"]!.arrayValue![0].objectValue!
            subject[field] = value
            object["subjects"] = [.object(subject)]
        })
        #expect(result == [expected])
    }

    @Test("a postcode that is not a UK postcode is refused")
    func postcode() {
        let result = problems(modified { object in
            var subject = object["subjects"]!.arrayValue![0].objectValue!
            subject["address"] = ["postcode": "75001"]
            object["subjects"] = [.object(subject)]
        })
        #expect(result.first?.hasPrefix("/subjects/0/address/postcode: is not a UK postcode") == true)
    }

    @Test("a notification needs its details; a referral's concern is not allowed on it")
    func notification() {
        let result = problems(modified { $0["kind"] = "notification" })
        #expect(result.contains { $0.hasPrefix("/concern: is not a field") })
        #expect(result.contains("/notification: is required"))
        let valid = modified { object in
            object["kind"] = "notification"
            object["concern"] = nil
            object["notification"] = ["type": "domestic-abuse", "occurredAt": "2026-11-22T01:00:00Z", "childPresent": true]
        }
        #expect(problems(valid) == [])
        let future = modified { object in
            object["kind"] = "notification"
            object["concern"] = nil
            object["notification"] = ["type": "domestic-abuse", "occurredAt": "2026-11-23T01:00:00Z"]
        }
        #expect(problems(future) == ["/notification/occurredAt: is after the message was sent"])
    }

    @Test("every problem is collected in one pass")
    func collectsAll() {
        let result = problems(modified { object in
            object["messageId"] = "nope"
            object["sentAt"] = 5
            object["from"] = ["agency": "Police!"]
        })
        #expect(result.count == 3)
    }
}
