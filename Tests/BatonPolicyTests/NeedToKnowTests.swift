import BatonCore
import Foundation
import Testing

@testable import BatonPolicy

@Suite("Need-to-know: evaluation")
struct NeedToKnowEvaluationTests {
    static let vocabulary = LabelVocabulary(labels: [
        "health.sexual": "s", "health.mental": "m", "police.intelligence": "i", "incident.occurred": "o", "concern.summary": "c",
    ])

    func rule(_ id: String, _ effect: NeedToKnowPolicy.Effect, _ labels: [String], _ edit: (inout NeedToKnowPolicy.Rule) -> Void = { _ in })
        -> NeedToKnowPolicy.Rule
    {
        var rule = NeedToKnowPolicy.Rule(id: id, description: "because \(id)", effect: effect, labels: labels.compactMap(LabelPattern.init))
        edit(&rule)
        return rule
    }

    func request(_ type: AgencyType, purpose: String = "decide-response", consent: Consent? = nil, risk: RiskLevel? = .medium)
        -> NeedToKnowPolicy.Request
    {
        NeedToKnowPolicy.Request(
            recipient: AgencyID(rawValue: "\(type.rawValue)-a")!, recipientType: type, purpose: purpose, kind: .referral, senderType: .police,
            risk: risk, consent: consent)
    }

    @Test("no rule: withheld (default deny)")
    func defaultDeny() {
        let policy = NeedToKnowPolicy(rules: [], vocabulary: Self.vocabulary)
        let decision = policy.decide("health.mental", for: request(.school))
        #expect(!decision.shown)
        #expect(decision.rule == nil)
        #expect(decision.reason.contains("default deny"))
    }

    @Test("forbid wins over permit, whatever the order")
    func forbidWins() {
        let permit = rule("mash-all", .permit, ["*"])
        let forbid = rule("no-sexual-health", .forbid, ["health.sexual"])
        for rules in [[permit, forbid], [forbid, permit]] {
            let policy = NeedToKnowPolicy(rules: rules, vocabulary: Self.vocabulary)
            #expect(policy.decide("health.sexual", for: request(.socialCare)).rule == "no-sexual-health")
            #expect(!policy.decide("health.sexual", for: request(.socialCare)).shown)
            #expect(policy.decide("health.mental", for: request(.socialCare)).shown)
        }
    }

    @Test("wildcards: health.* is every health label and nothing else; * is every label")
    func wildcards() throws {
        let pattern = try #require(LabelPattern("health.*"))
        #expect(pattern.matches("health.sexual"))
        #expect(pattern.matches("health.mental.parent"))
        #expect(!pattern.matches("healthy.eating"))
        #expect(!pattern.matches("health"))
        #expect(try #require(LabelPattern("*")).matches("anything.at.all"))
        #expect(LabelPattern("Health.*") == nil)
    }

    @Test("conditions: recipient type, purpose, risk, consent status and lawful basis must all hold")
    func conditions() {
        let policy = NeedToKnowPolicy(rules: [
            rule("school-encompass", .permit, ["incident.occurred"]) {
                $0.recipientTypes = [.school]
                $0.purposes = ["operation-encompass"]
            },
            rule("health-high-risk", .permit, ["health.*"]) {
                $0.recipientTypes = [.health]
                $0.riskAtLeast = .high
            },
            rule("refused-without-basis", .forbid, ["*"]) {
                $0.consent = [.refused]
                $0.bases = [.consent]
            },
            rule("safeguarding-summary", .permit, ["concern.summary"]) { $0.bases = [.safeguarding] },
        ], vocabulary: Self.vocabulary)
        #expect(policy.decide("incident.occurred", for: request(.school, purpose: "operation-encompass")).shown)
        #expect(!policy.decide("incident.occurred", for: request(.school, purpose: "decide-response")).shown)
        #expect(!policy.decide("incident.occurred", for: request(.police, purpose: "operation-encompass")).shown)
        #expect(policy.decide("health.mental", for: request(.health, risk: .high)).shown)
        #expect(!policy.decide("health.mental", for: request(.health, risk: .medium)).shown)
        #expect(!policy.decide("health.mental", for: request(.health, risk: nil)).shown)
        let refused = Consent(status: .refused, basis: .consent)
        #expect(policy.decide("health.mental", for: request(.health, consent: refused, risk: .high)).rule == "refused-without-basis")
        let safeguarding = Consent(status: .notSought, basis: .safeguarding, reasonNotSought: "Would alert the alleged perpetrator.")
        #expect(policy.decide("concern.summary", for: request(.school, consent: safeguarding)).shown)
        #expect(!policy.decide("concern.summary", for: request(.school, consent: Consent(status: .given, basis: .consent))).shown)
        #expect(!policy.decide("concern.summary", for: request(.school, consent: nil)).shown)
    }

    @Test("a role forbid narrows what a person in that role reads; deciding for the agency (no role) it does not apply")
    func roles() {
        let policy = NeedToKnowPolicy(
            rules: [rule("mash-all", .permit, ["*"]), rule("auditors-no-content", .forbid, ["*"]) { $0.roles = [.auditor] }],
            vocabulary: Self.vocabulary)
        var reading = request(.socialCare)
        #expect(policy.decide("health.mental", for: reading).shown)
        reading.role = .lead
        #expect(policy.decide("health.mental", for: reading).shown)
        reading.role = .auditor
        #expect(policy.decide("health.mental", for: reading).rule == "auditors-no-content")
        #expect(!policy.decide("health.mental", for: reading).shown)
    }

    @Test("consent given for named purposes covers those purposes only")
    func consentPurposes() {
        let policy = NeedToKnowPolicy(
            rules: [rule("all", .permit, ["*"])], vocabulary: Self.vocabulary, consentCovers: ["referral": ["decide-response"]])
        let consent = Consent(status: .given, basis: .consent, purposes: ["referral"])
        #expect(policy.decide("health.mental", for: request(.socialCare, purpose: "decide-response", consent: consent)).shown)
        let other = policy.decide("health.mental", for: request(.socialCare, purpose: "assess-and-act", consent: consent))
        #expect(!other.shown)
        #expect(other.rule == "consent-purposes")
        // Under a safeguarding basis the purposes do not limit sharing.
        let safeguarding = Consent(status: .given, basis: .safeguarding, purposes: ["referral"])
        // A purpose the consent file does not know covers nothing.
        #expect(!policy.decide("health.mental", for: request(.socialCare, consent: Consent(status: .given, basis: .consent, purposes: ["research"]))).shown)
        #expect(policy.decide("health.mental", for: request(.socialCare, purpose: "assess-and-act", consent: safeguarding)).shown)
    }

    @Test("a label outside the vocabulary is withheld from everyone, even under *")
    func unknownLabel() {
        let policy = NeedToKnowPolicy(rules: [rule("all", .permit, ["*"])], vocabulary: Self.vocabulary)
        let decision = policy.decide("police.secret", for: request(.socialCare))
        #expect(!decision.shown)
        #expect(decision.reason.contains("vocabulary"))
    }
}

@Suite("Need-to-know: the shipped policy")
struct ShippedNeedToKnowTests {
    func request(_ type: AgencyType, _ purpose: String, kind: MessageKind = .notification) -> NeedToKnowPolicy.Request {
        NeedToKnowPolicy.Request(
            recipient: AgencyID(rawValue: "x-\(type.rawValue)")!, recipientType: type, purpose: purpose, kind: kind, senderType: .police,
            consent: Consent(status: .notSought, basis: .legalDuty, reasonNotSought: "Operation Encompass notification."))
    }

    @Test("Operation Encompass: the school learns that an incident happened and how to help, not the police account")
    func encompass() throws {
        let policy = try ShippedPolicies.load().needToKnow
        let school = request(.school, "operation-encompass")
        #expect(policy.decide("incident.occurred", for: school).shown)
        #expect(policy.decide("support.advice", for: school).shown)
        #expect(!policy.decide("police.incident", for: school).shown)
        #expect(policy.decide("police.intelligence", for: school).rule == "police-intelligence-not-to-schools-or-health")
        #expect(policy.decide("police.incident", for: request(.socialCare, "record-and-consider")).shown)
    }

    @Test("sexual health of a young person goes to health and the MASH, nobody else")
    func sexualHealth() throws {
        let policy = try ShippedPolicies.load().needToKnow
        #expect(policy.decide("health.sexual", for: request(.health, "decide-response", kind: .referral)).shown)
        #expect(policy.decide("health.sexual", for: request(.socialCare, "decide-response", kind: .referral)).shown)
        for type in [AgencyType.school, .police, .other] {
            #expect(policy.decide("health.sexual", for: request(type, "assess-and-act", kind: .referral)).rule == "sexual-health-stays-in-health")
        }
    }
}

@Suite("Need-to-know: fixtures")
struct NeedToKnowFixtureTests {
    static let fixtures = RepositoryRoot.file("policies/tests")

    @Test("every shipped fixture passes against the shipped policy")
    func shippedFixturesPass() throws {
        let policy = try ShippedPolicies.load().needToKnow
        let fixtures = try NeedToKnowFixture.load(directory: Self.fixtures, agencies: SampleAgencies.all)
        #expect(fixtures.count >= 8)
        let failures = fixtures.compactMap { $0.run(policy) }
        #expect(failures.isEmpty, "\(failures.map(\.description).joined(separator: "\n"))")
    }

    @Test("every rule of the shipped policy decides at least one section of some fixture")
    func everyRuleIsCovered() throws {
        let policy = try ShippedPolicies.load().needToKnow
        let fixtures = try NeedToKnowFixture.load(directory: Self.fixtures, agencies: SampleAgencies.all)
        let deciding = Set(fixtures.flatMap { fixture in fixture.sections.compactMap { policy.decide($0, for: fixture.request).rule } })
        let uncovered = policy.rules.map(\.id).filter { !deciding.contains($0) }
        #expect(uncovered.isEmpty, "rules no fixture exercises: \(uncovered)")
    }

    @Test("a policy change that shows a withheld section fails its fixture, naming the rule that showed it")
    func changeIsCaught() throws {
        var policy = try ShippedPolicies.load().needToKnow
        policy.rules.removeAll { $0.id == "police-intelligence-not-to-schools-or-health" }
        policy.rules.insert(NeedToKnowPolicy.Rule(
            id: "schools-see-everything", description: "x", effect: .permit, labels: [LabelPattern("*")!], recipientTypes: [.school]), at: 0)
        let fixtures = try NeedToKnowFixture.load(directory: Self.fixtures, agencies: SampleAgencies.all)
        let failures = fixtures.compactMap { $0.run(policy) }
        let intelligence = try #require(failures.first { $0.fixture.name.hasPrefix("Police intelligence stays with the MASH") })
        #expect(intelligence.shownWrongly.contains { $0.label == "police.intelligence" && $0.rule == "schools-see-everything" })
        #expect(intelligence.description.contains("police.intelligence was shown (rule schools-see-everything) but should be withheld"))
    }
}
