import BatonCore
import BatonSigning
import Foundation

/// One generated message: who sends it and the payload, plus a description without personal data
/// for the demo's output ("police-northmoor notification (domestic-abuse)").
public struct SyntheticMessage: Sendable {
    public let sender: AgencyID
    public let payload: JSONValue
    public let summary: String

    /// The payload signed as a compact JWS with `key`.
    public func signed(with key: KeyFile) throws -> String {
        try CompactJWS.sign(payload: payload.serialized(), type: .message, kid: key.kid, key: key.key)
    }
}

/// Realistic, entirely fictional traffic for the sample area: police domestic-abuse notifications
/// (Operation Encompass), missing episodes, referrals from police, schools, A&E, health visiting
/// and a GP, and health attendances.
///
/// Children recur: about a third of messages are about a child some agency already sent, often
/// written differently (a nickname spelling, a hyphen dropped, no NHS number, day and month of
/// birth swapped), as real records are. NHS numbers are from the 999 test range with valid check
/// digits; UPNs carry valid check letters.
///
/// ```swift
/// var traffic = SyntheticTraffic(seed: 7)
/// let message = traffic.next(at: Date())
/// ```
public struct SyntheticTraffic: Sendable {
    public let area: SyntheticArea
    private var random: SeededGenerator
    private var households: [Household] = []
    private var serial = 0

    struct Child: Sendable {
        var givenName: String
        var familyName: String
        var dateOfBirth: CalendarDate
        var sex: Sex
        var nhsNumber: String
        var upn: String?
        var schoolURN: String?
    }

    struct Adult: Sendable {
        var givenName: String
        var familyName: String
        var dateOfBirth: CalendarDate
        var sex: Sex
        var role: RelationshipRole
    }

    struct Household: Sendable {
        var lines: [String]
        var postcode: String
        var children: [Child]
        var adults: [Adult]
        /// An adult in the household who is the alleged perpetrator, if any.
        var perpetratorIndex: Int?
    }

    public init(seed: UInt64, area: SyntheticArea = .northmoor) {
        self.area = area
        self.random = SeededGenerator(seed: seed)
    }

    /// The next message, sent at `date`.
    public mutating func next(at date: Date) -> SyntheticMessage {
        let roll = random.next() % 100
        switch roll {
        case 0..<32: return notification(from: area.police, type: .domesticAbuse, at: date)
        case 32..<42: return notification(from: area.police, type: .missingEpisode, at: date)
        case 42..<56: return referral(from: area.police, at: date)
        case 56..<70: return referral(from: Bool.random(using: &random) ? area.primarySchool : area.secondarySchool, at: date)
        case 70..<80: return notification(from: area.trust, type: .healthAttendance, at: date)
        case 80..<91: return referral(from: area.trust, at: date)
        default: return referral(from: area.gp, at: date)
        }
    }

    // MARK: - Messages

    public mutating func referral(from sender: AgencyID, at date: Date) -> SyntheticMessage {
        let household = pickHousehold(at: date)
        let senderType = type(of: sender)
        var categories: [ConcernCategory]
        switch senderType {
        case .police: categories = [[.domesticAbuse], [.childSexualExploitation, .missing], [.childCriminalExploitation], [.physicalAbuse], [.onlineAbuse]].pick(&random)
        case .school: categories = [[.neglect], [.emotionalAbuse], [.physicalAbuse], [.sexualAbuse], [.harmfulSexualBehaviour], [.neglect, .emotionalAbuse]].pick(&random)
        default: categories = [[.physicalAbuse], [.neglect], [.sexualAbuse], [.emotionalAbuse, .domesticAbuse], [.femaleGenitalMutilation]].pick(&random)
        }
        let children = subjects(in: household, sender: sender, at: date, max: senderType == .school ? 1 : 2)
        let risk: RiskLevel = [.low, .medium, .medium, .high, .high, .immediate].pick(&random)
        let hasPerpetrator = household.perpetratorIndex != nil
        var sections: [JSONValue] = []
        var concern: [JSONObject.Member] = [
            .init(name: "categories", value: .array(categories.map { .string($0.rawValue) })),
        ]
        let summary = Self.summaryText(categories[0], senderType)
        if Double.chance(0.3, &random) {
            sections.append(["label": "concern.summary", "content": ["text": .string(summary)]])
        } else {
            concern.append(.init(name: "summary", value: .string(summary)))
        }
        let seen = Double.chance(0.85, &random)
        concern.append(.init(name: "childSeen", value: .bool(seen)))
        if seen {
            concern.append(.init(name: "childSeenAlone", value: .bool(Double.chance(0.5, &random))))
            concern.append(.init(name: "childsVoice", value: .string(Self.voices.pick(&random))))
        }
        var riskObject: JSONObject = ["level": .string(risk.rawValue)]
        switch senderType {
        case .police:
            riskObject["tool"] = categories.contains(.domesticAbuse) ? "DASH" : "KIRAT"
            riskObject["toolVersion"] = categories.contains(.domesticAbuse) ? "2009" : "3"
            riskObject["assessedBy"] = .string("PC \(1000 + random.next() % 8999)")
        case .school:
            riskObject["assessedBy"] = "Designated safeguarding lead"
        default:
            riskObject["assessedBy"] = .string(["Named nurse for safeguarding", "ED consultant", "Health visitor", "GP"].pick(&random))
        }
        concern.append(.init(name: "risk", value: .object(riskObject)))
        concern.append(.init(name: "incidentAt", value: .string(RFC3339.format(date - Double(3600 + random.next() % 200_000)))))
        sections.append(contentsOf: detailSections(senderType, household: household, at: date))

        var consent: JSONValue
        if hasPerpetrator || senderType == .police {
            consent = ["status": "not-sought", "basis": "safeguarding",
                       "reasonNotSought": "Seeking consent would alert the adult alleged to have caused harm and could place the child at greater risk."]
        } else if Double.chance(0.6, &random) {
            consent = ["status": "given", "basis": "consent", "purposes": ["referral", "information-sharing"]]
        } else {
            consent = ["status": "refused", "basis": "safeguarding", "purposes": ["referral"],
                       "reasonNotSought": "The parent refused; the concern is serious enough that the MASH must consider it without consent."]
        }
        var payload = envelope(kind: .referral, sender: sender, at: date, household: household, children: children)
        payload["concern"] = .object(JSONObject(concern))
        payload["sections"] = .array(sections)
        payload["consent"] = consent
        if let index = household.perpetratorIndex { payload["doNotInform"] = [.string("p\(index + 1)")] }
        if senderType == .police, Double.chance(0.2, &random) { payload["referrerAnonymous"] = true }
        return SyntheticMessage(sender: sender, payload: .object(payload),
                                summary: "\(sender) referral (\(categories.map(\.rawValue).joined(separator: ", ")), risk \(risk.rawValue))")
    }

    public mutating func notification(from sender: AgencyID, type notificationType: NotificationType, at date: Date) -> SyntheticMessage {
        let household = pickHousehold(at: date)
        let children = subjects(in: household, sender: sender, at: date, max: notificationType == .domesticAbuse ? 3 : 1)
        var details: JSONObject = [
            "type": .string(notificationType.rawValue),
            "occurredAt": .string(RFC3339.format(date - Double(1800 + random.next() % 40_000))),
        ]
        var sections: [JSONValue] = []
        var consent: JSONValue = ["status": "not-sought", "basis": "safeguarding",
                                  "reasonNotSought": "Notification of an incident to partner agencies; seeking consent could place the child at risk."]
        switch notificationType {
        case .domesticAbuse:
            details["childPresent"] = .bool(Double.chance(0.8, &random))
            details["summary"] = "Police attended a verbal and physical argument between adults at the home address. Children were in the house."
            consent = ["status": "not-sought", "basis": "legal-duty",
                       "reasonNotSought": "Operation Encompass notification to the child's school (Children's Wellbeing and Schools legislation duty)."]
            sections.append(["label": "police.incident", "content": [
                "occurrenceRef": .string(nextOccurrence()), "dashRisk": .string(["standard", "medium", "high"].pick(&random)),
                "circumstances": "Neighbour reported shouting. On arrival one adult had a visible injury. Alcohol was a factor.",
            ]])
        case .missingEpisode:
            details["summary"] = "Reported missing from home overnight; returned the next morning."
            sections.append(["label": "police.missing", "content": [
                "episodeRef": .string(nextOccurrence()), "hoursMissing": .number(Double(4 + random.next() % 30)),
                "returnInterviewOffered": .bool(Double.chance(0.7, &random)),
                "locationFound": "Town centre, with older peers",
            ]])
        case .healthAttendance:
            details["summary"] = "Attended the emergency department."
            sections.append(["label": "health.attendance", "content": [
                "department": "Emergency department", "presentation": .string(Self.presentations.pick(&random)),
                "accompaniedBy": .string(["mother", "father", "nobody", "friend"].pick(&random)),
            ]])
            if Double.chance(0.15, &random) {
                sections.append(["label": "health.sexual", "content": ["note": "Sexual health advice given; see clinic record."]])
            }
        default:
            details["summary"] = "Incident reported."
        }
        var payload = envelope(kind: .notification, sender: sender, at: date, household: household, children: children)
        payload["notification"] = .object(details)
        payload["sections"] = .array(sections)
        payload["consent"] = consent
        if notificationType == .domesticAbuse, let index = household.perpetratorIndex {
            payload["doNotInform"] = [.string("p\(index + 1)")]
        }
        return SyntheticMessage(sender: sender, payload: .object(payload), summary: "\(sender) notification (\(notificationType.rawValue))")
    }

    // MARK: - Building blocks

    func type(of agency: AgencyID) -> AgencyType {
        switch agency {
        case area.police: .police
        case area.mash: .socialCare
        case area.primarySchool, area.secondarySchool: .school
        default: .health
        }
    }

    mutating func envelope(kind: MessageKind, sender: AgencyID, at date: Date, household: Household, children: [JSONValue]) -> JSONObject {
        var persons: [JSONValue] = []
        var relationships: [JSONValue] = []
        for (index, adult) in household.adults.enumerated() {
            let ref = "p\(index + 1)"
            var person: JSONObject = [
                "ref": .string(ref), "givenName": .string(adult.givenName), "familyName": .string(adult.familyName),
                "sex": .string(adult.sex.rawValue),
            ]
            if Double.chance(0.8, &random) { person["dateOfBirth"] = .string(adult.dateOfBirth.description) }
            if adult.role != .partnerOfParent || Double.chance(0.5, &random) {
                person["address"] = ["lines": .array(household.lines.map(JSONValue.string)), "postcode": .string(household.postcode)]
            }
            persons.append(.object(person))
            for childIndex in children.indices {
                relationships.append(["from": .string(ref), "to": .string("c\(childIndex + 1)"), "role": .string(adult.role.rawValue)])
            }
            if household.perpetratorIndex == index {
                relationships.append(["from": .string(ref), "to": "c1", "role": "alleged-perpetrator"])
            }
        }
        if children.count > 1 {
            for childIndex in 1..<children.count {
                relationships.append(["from": .string("c\(childIndex + 1)"), "to": "c1", "role": "sibling"])
            }
        }
        let author = Self.professionals[type(of: sender)]!.pick(&random)
        let mailbox = author.0.lowercased().filter { $0.isLetter || $0 == " " }.split(separator: " ").joined(separator: ".")
        let professional: JSONObject = [
            "name": .string(author.0), "role": .string(author.1), "email": .string("\(mailbox)@\(sender).example.org"),
            "phone": .string("01632 \(960000 + random.next() % 1000)"),
        ]
        var envelope = JSONObject()
        envelope["messageId"] = .string(UUID(uuid: uuidBytes()).uuidString.lowercased())
        envelope["sentAt"] = .string(RFC3339.format(date))
        envelope["kind"] = .string(kind.rawValue)
        envelope["from"] = ["agency": .string(sender.rawValue), "person": .object(professional)]
        envelope["subjects"] = .array(children)
        envelope["persons"] = .array(persons)
        envelope["relationships"] = .array(relationships)
        return envelope
    }

    /// The children a message names, written the way this sender's records hold them.
    mutating func subjects(in household: Household, sender: AgencyID, at date: Date, max: Int) -> [JSONValue] {
        let senderType = type(of: sender)
        let count = min(household.children.count, 1 + Int(random.next() % UInt64(max)))
        let today = RFC3339.utcDate(of: date)
        var result: [JSONValue] = []
        for (index, child) in household.children.prefix(count).enumerated() {
            var given = child.givenName
            var family = child.familyName
            var dateOfBirth = child.dateOfBirth
            // Another agency's spelling, or a keying slip.
            if Double.chance(0.35, &random), let variant = SyntheticArea.variants[given] { given = variant }
            if Double.chance(0.35, &random), let variant = SyntheticArea.variants[family] { family = variant }
            if Double.chance(0.05, &random), dateOfBirth.day <= 12, dateOfBirth.day != dateOfBirth.month,
                let swapped = CalendarDate(year: dateOfBirth.year, month: dateOfBirth.day, day: dateOfBirth.month), swapped <= today
            {
                dateOfBirth = swapped
            }
            var subject: JSONObject = [
                "ref": .string("c\(index + 1)"), "givenName": .string(given), "familyName": .string(family),
                "dateOfBirth": .string(dateOfBirth.description), "sex": .string(child.sex.rawValue),
                "address": ["lines": .array(household.lines.map(JSONValue.string)), "postcode": .string(household.postcode)],
            ]
            switch senderType {
            case .health:
                subject["nhsNumber"] = .string(child.nhsNumber)
                subject["localIds"] = [["system": .string("\(sender):mrn"), "value": .string("MRN\(100_000 + random.next() % 899_999)")]]
            case .police:
                if Double.chance(0.25, &random) { subject["nhsNumber"] = .string(child.nhsNumber) }
                subject["localIds"] = [["system": .string("\(sender):person"), "value": .string("NMP\(1_000_000 + random.next() % 8_999_999)")]]
            case .school:
                if let upn = child.upn { subject["upn"] = .string(upn) }
            default:
                if Double.chance(0.7, &random) { subject["nhsNumber"] = .string(child.nhsNumber) }
            }
            if let urn = child.schoolURN { subject["school"] = ["urn": .string(urn)] }
            result.append(.object(subject))
        }
        return result
    }

    /// A new household about two times in three, otherwise one already seen (a re-referral, or
    /// another agency writing about the same child).
    mutating func pickHousehold(at date: Date) -> Household {
        if !households.isEmpty, Double.chance(0.35, &random) { return households.pick(&random) }
        let household = makeHousehold(at: date)
        households.append(household)
        return household
    }

    mutating func makeHousehold(at date: Date) -> Household {
        let familyName = SyntheticArea.surnames.pick(&random)
        let today = RFC3339.utcDate(of: date)
        var children: [Child] = []
        for _ in 0..<(1 + Int(random.next() % 3)) {
            let sex: Sex = Bool.random(using: &random) ? .female : .male
            var given = (sex == .female ? SyntheticArea.girls : SyntheticArea.boys).pick(&random)
            while children.contains(where: { $0.givenName == given }) {
                given = (sex == .female ? SyntheticArea.girls : SyntheticArea.boys).pick(&random)
            }
            let ageDays = Int(random.next() % UInt64(17 * 365))
            let dateOfBirth = CalendarDate(daysSinceEpoch: today.daysSinceEpoch - ageDays - 30)
            let age = ageDays / 365
            let urn: String? = (4...10).contains(age) ? area.primaryURN : (11...16).contains(age) ? area.secondaryURN : nil
            children.append(Child(
                givenName: given, familyName: familyName, dateOfBirth: dateOfBirth, sex: sex, nhsNumber: nextNHSNumber(),
                upn: urn.map { nextUPN(establishment: $0 == area.primaryURN ? "2001" : "4001", year: dateOfBirth.year % 100 + 4) },
                schoolURN: urn))
        }
        // Adults are born on any day of the year, not all on the same few days: people with the
        // same name and date of birth at two addresses are rare in a real area, and should be here.
        func adultBirth(_ youngest: Int, _ range: Int) -> CalendarDate {
            CalendarDate(daysSinceEpoch: today.daysSinceEpoch - 365 * (youngest + Int(random.next() % UInt64(range))) - Int(random.next() % 365))
        }
        let mother = Adult(givenName: SyntheticArea.adultWomen.pick(&random), familyName: familyName,
                           dateOfBirth: adultBirth(24, 20), sex: .female, role: .mother)
        var adults = [mother]
        var perpetrator: Int?
        if Double.chance(0.6, &random) {
            let partnerFamily = Double.chance(0.5, &random) ? familyName : SyntheticArea.surnames.pick(&random)
            adults.append(Adult(givenName: SyntheticArea.adultMen.pick(&random), familyName: partnerFamily,
                                dateOfBirth: adultBirth(24, 25),
                                sex: .male, role: partnerFamily == familyName ? .father : .partnerOfParent))
            if Double.chance(0.5, &random) { perpetrator = 1 }
        }
        let number = 1 + random.next() % 140
        let postcode = "NM\(1 + random.next() % 9) \(random.next() % 10)\(Self.inwardLetters.pick(&random))\(Self.inwardLetters.pick(&random))"
        return Household(
            lines: ["\(number) \(SyntheticArea.streets.pick(&random))", SyntheticArea.districts.pick(&random)],
            postcode: postcode, children: children, adults: adults, perpetratorIndex: perpetrator)
    }

    mutating func nextNHSNumber() -> String {
        while true {
            let digits = [9, 9, 9] + (0..<6).map { _ in Int(random.next() % 10) }
            if let check = NHSNumber.checkDigit(digits) {
                let all = (digits + [check]).map(String.init).joined()
                return "\(all.prefix(3)) \(all.dropFirst(3).prefix(3)) \(all.suffix(4))"
            }
        }
    }

    mutating func nextUPN(establishment: String, year: Int) -> String {
        let body = "995" + establishment + String(format: "%02d", year % 100) + String(format: "%03d", random.next() % 1000)
        return String(UniquePupilNumber.checkLetter(for: body)!) + body
    }

    mutating func nextOccurrence() -> String {
        serial += 1
        return "NM-\(26_000_000 + serial * 7 + Int(random.next() % 7))"
    }

    mutating func uuidBytes() -> uuid_t {
        var bytes = (0..<16).map { _ in UInt8(truncatingIfNeeded: random.next()) }
        bytes[6] = bytes[6] & 0x0F | 0x40  // version 4
        bytes[8] = bytes[8] & 0x3F | 0x80  // RFC 4122 variant
        return (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15])
    }

    func detailSections(_ senderType: AgencyType, household: Household, at date: Date) -> [JSONValue] {
        var sections: [JSONValue] = [["label": "household.composition", "content": [
            "adults": .number(Double(household.adults.count)), "children": .number(Double(household.children.count)),
        ]]]
        switch senderType {
        case .police:
            sections.append(["label": "police.intelligence", "content": [
                "summary": "Previous calls to the address in the last twelve months; one adult known for violence.",
                "grading": "B2",
            ]])
        case .school:
            sections.append(["label": "education.attendance", "content": [
                "attendancePercent": .number(Double(70 + (household.postcode.utf8.count * 3) % 25)), "period": "Autumn term",
                "latenessCount": .number(Double(household.lines[0].utf8.count % 9)),
            ]])
            sections.append(["label": "education.observations", "content": [
                "text": "Has come to school hungry on several occasions and has been withdrawn in class.",
            ]])
        default:
            sections.append(["label": "health.physical", "content": [
                "presentation": .string(Self.presentations[household.lines[0].utf8.count % Self.presentations.count]),
                "explanationConsistent": .bool(household.postcode.hasSuffix("A")),
            ]])
            if household.children.count > 1 {
                sections.append(["label": "health.mental", "content": ["note": "Parent reports low mood; referred to perinatal mental health team."]])
            }
        }
        return sections
    }

    static let presentations = [
        "Bruising to upper arm, explanation vague", "Scald to hand", "Head injury after a fall from furniture",
        "Alcohol intoxication", "Self-harm: superficial cuts to forearm", "Fractured wrist, delay in seeking treatment",
    ]

    static let voices = [
        "Said they feel scared when the adults shout at night.", "Said they like school because it is quiet.",
        "Did not want to talk about home.", "Said they were hungry and there was no food at the weekend.",
        "Said an older friend gives them money to carry things.",
    ]

    static let professionals: [AgencyType: [(String, String)]] = [
        .police: [("DC Harlow", "Public protection unit"), ("PC Marsden", "Response officer"), ("DS Okoro", "Child abuse investigation team")],
        .school: [("Mrs Ellison", "Designated safeguarding lead"), ("Mr Pryce", "Deputy designated safeguarding lead")],
        .health: [("Nurse Adeyemi", "Named nurse for safeguarding"), ("Dr Fairbairn", "ED consultant"), ("Ms Kettlewell", "Health visitor"), ("Dr Lindqvist", "GP")],
        .socialCare: [("Ms Rowntree", "MASH social worker")],
        .other: [("Duty officer", "Duty officer")],
    ]

    static let inwardLetters = Array("ABDEFGHJLNPQRSTUWXYZ").map(String.init)

    static func summaryText(_ category: ConcernCategory, _ senderType: AgencyType) -> String {
        switch category {
        case .domesticAbuse: "Child living in a household with repeated domestic abuse; latest incident involved a weapon."
        case .childSexualExploitation: "Concerns the child is being groomed by older males met online and has been missing overnight."
        case .childCriminalExploitation: "Found in possession of cash and two phones in a town outside the area; possible county lines."
        case .physicalAbuse: "Unexplained bruising noticed; explanations given by the child and parent differ."
        case .onlineAbuse: "Images of the child shared by an adult contact on a social media platform."
        case .neglect: "Persistent poor hygiene, hunger and missed medical appointments over several months."
        case .emotionalAbuse: "Child describes being shouted at and locked in their room as punishment."
        case .sexualAbuse: "Child made a disclosure to a member of staff about an adult in the family."
        case .harmfulSexualBehaviour: "Sexualised behaviour towards younger children in the playground, reported by two staff."
        case .femaleGenitalMutilation: "Parent mentioned a planned extended trip abroad for a family ceremony; FGM risk indicators present."
        default: "Concern raised by \(senderType.rawValue) about the child's safety."
        }
    }
}
