import BatonCore
import BatonPolicy
import Foundation
import Testing

/// Synthetic messages and children for routing. Every person, address and number is invented.
enum RoutingFixtures {
    static let police = AgencyID(rawValue: "police-northmoor")!
    static let mash = AgencyID(rawValue: "northmoor-mash")!
    static let trust = AgencyID(rawValue: "northmoor-nhs-trust")!
    static let ashgrove = AgencyID(rawValue: "school-ashgrove-primary")!
    static let sentAt = RFC3339.parse("2026-03-02T10:00:00Z")!

    /// A child living in Northmoor (NM4), at Ashgrove Primary, registered with Riverside Surgery.
    static let robin = Mention(
        ref: "c1", nhsNumber: "9990001234", givenName: "Robin", familyName: "Testchild", dateOfBirth: CalendarDate(iso8601: "2016-04-09"),
        sex: .female, address: Mention.Address(lines: ["1 Example Row", "Northmoor"], postcode: "NM4 7RD"), schoolURN: "990101",
        gpODS: "Y99001")
    /// Their older sibling, at Northmoor Academy.
    static let sky = Mention(
        ref: "c2", nhsNumber: "9990005678", givenName: "Sky", familyName: "Testchild", dateOfBirth: CalendarDate(iso8601: "2012-11-30"),
        sex: .male, address: Mention.Address(lines: ["1 Example Row", "Northmoor"], postcode: "NM4 7RD"), schoolURN: "990102",
        gpODS: "Y99001")

    static let personalData = ["Robin", "Sky", "Testchild", "9990001234", "9990005678", "2016-04-09", "2012-11-30", "Example Row", "NM4 7RD", "7RD"]

    static func message(_ kind: MessageKind, from sender: AgencyID, subjects: [Mention], body: Message.Body) -> Message {
        Message(
            messageId: MessageID(rawValue: "0d9a4b2c-6e1f-4a37-9c55-00000000b001")!, kind: kind, sentAt: sentAt,
            from: Sender(agency: sender, person: Professional(name: "Sergeant Test Person")), subjects: subjects, body: body)
    }

    static func referral(_ risk: RiskLevel, from sender: AgencyID = police, subjects: [Mention] = [robin]) -> Message {
        message(.referral, from: sender, subjects: subjects, body: .referral(Concern(categories: [.neglect], risk: .init(level: risk))))
    }

    static func notification(
        _ type: NotificationType, from sender: AgencyID = police, childPresent: Bool? = nil, plan: PlanType? = nil, subjects: [Mention] = [robin]
    ) -> Message {
        message(.notification, from: sender, subjects: subjects,
            body: .notification(NotificationDetails(type: type, occurredAt: sentAt, childPresent: childPresent, plan: plan)))
    }

    /// What the hub knows of a child: from the mention (the home authority from its postcode), and
    /// what earlier messages established.
    static func context(_ mention: Mention, areas: AreaPolicy, plan: PlanType? = nil, hasOpenItems: Bool = false) -> ChildContext {
        ChildContext(
            ref: mention.ref, schoolURN: mention.schoolURN, homeAuthority: mention.address?.postcode.flatMap(areas.authority(forPostcode:)),
            gpODS: mention.gpODS, plan: plan, hasOpenItems: hasOpenItems)
    }
}

extension RoutedItem {
    /// `recipient purpose class [subjects] rule feedback|no-feedback`, for readable comparisons.
    var summary: String {
        "\(recipient) \(purpose) \(deadlineClass) [\(subjects.joined(separator: ","))] \(rule) \(feedback ? "feedback" : "no-feedback")"
    }
}

@Suite("Routing messages to agencies")
struct MessageRouterTests {
    typealias R = RoutingFixtures
    let policies: PolicySet
    let router: MessageRouter

    init() throws {
        policies = try ShippedPolicies.load()
        router = MessageRouter(policy: policies.routing, agencies: SampleAgencies.all)
    }

    func context(_ mention: Mention, plan: PlanType? = nil, hasOpenItems: Bool = false) -> ChildContext {
        R.context(mention, areas: policies.areas, plan: plan, hasOpenItems: hasOpenItems)
    }

    func route(_ message: Message, _ senderType: AgencyType, _ children: [ChildContext]) -> RoutingDecision {
        let decision = router.route(message, senderType: senderType, children: children)
        for reason in decision.unrouted {
            for personal in R.personalData { #expect(!reason.contains(personal), "'\(reason)' names '\(personal)'") }
        }
        return decision
    }

    @Test("any referral goes to the MASH of the child's home local authority (NM4 is Northmoor, 995), and its outcome is fed back",
        arguments: [RiskLevel.low, .medium, .high], [AgencyType.police, .school, .health, .socialCare])
    func referralToMASH(_ risk: RiskLevel, _ senderType: AgencyType) {
        #expect(policies.areas.authority(forPostcode: "NM4 7RD") == "995")
        let decision = route(R.referral(risk), senderType, [context(R.robin)])
        #expect(decision.items.map(\.summary) == ["northmoor-mash decide-response mash-referral [c1] referral-to-mash feedback"])
        #expect(decision.unrouted.isEmpty)
    }

    @Test("an immediate-risk referral gets the immediate deadlines: the earlier rule wins for the same recipient and purpose")
    func immediateRisk() {
        let decision = route(R.referral(.immediate), .police, [context(R.robin)])
        #expect(decision.items.map(\.summary) == ["northmoor-mash decide-response mash-referral-immediate [c1] immediate-risk-referral feedback"])
        #expect(decision.unrouted.isEmpty)
    }

    @Test("a referral about two siblings is one MASH item about both")
    func siblingsReferral() {
        let decision = route(R.referral(.high, subjects: [R.robin, R.sky]), .police, [context(R.robin), context(R.sky)])
        #expect(decision.items.map(\.summary) == ["northmoor-mash decide-response mash-referral [c1,c2] referral-to-mash feedback"])
    }

    @Test("a police domestic-abuse notification with a child present goes to the child's school (Operation Encompass) and the MASH")
    func operationEncompass() {
        let decision = route(R.notification(.domesticAbuse, childPresent: true), .police, [context(R.robin)])
        #expect(decision.items.map(\.summary) == [
            "school-ashgrove-primary operation-encompass operation-encompass [c1] operation-encompass no-feedback",
            "northmoor-mash record-and-consider mash-notification [c1] operation-encompass no-feedback",
        ])
        #expect(decision.unrouted.isEmpty)
    }

    @Test("without a child present (or not saying), a domestic-abuse notification goes only to the MASH", arguments: [false, nil] as [Bool?])
    func domesticAbuseChildAbsent(_ present: Bool?) {
        let decision = route(R.notification(.domesticAbuse, childPresent: present), .police, [context(R.robin)])
        #expect(decision.items.map(\.summary) == ["northmoor-mash record-and-consider mash-notification [c1] domestic-abuse-child-absent no-feedback"])
        #expect(decision.unrouted.isEmpty)
    }

    @Test("two children at two schools give two school items, and one MASH item about both")
    func twoSchools() {
        let decision = route(R.notification(.domesticAbuse, childPresent: true, subjects: [R.robin, R.sky]), .police, [context(R.robin), context(R.sky)])
        #expect(decision.items.map(\.summary) == [
            "school-ashgrove-primary operation-encompass operation-encompass [c1] operation-encompass no-feedback",
            "school-northmoor-academy operation-encompass operation-encompass [c2] operation-encompass no-feedback",
            "northmoor-mash record-and-consider mash-notification [c1,c2] operation-encompass no-feedback",
        ])
    }

    @Test("two children at the same school give one school item about both")
    func sameSchool() {
        var twin = R.sky
        twin.schoolURN = "990101"
        let decision = route(R.notification(.domesticAbuse, childPresent: true, subjects: [R.robin, twin]), .police, [context(R.robin), context(twin)])
        #expect(decision.items.map(\.summary) == [
            "school-ashgrove-primary operation-encompass operation-encompass [c1,c2] operation-encompass no-feedback",
            "northmoor-mash record-and-consider mash-notification [c1,c2] operation-encompass no-feedback",
        ])
    }

    @Test("a domestic-abuse notification from someone other than the police matches no rule and goes to triage")
    func domesticAbuseFromSchool() {
        let decision = route(R.notification(.domesticAbuse, from: R.ashgrove, childPresent: true), .school, [context(R.robin)])
        #expect(decision.items.isEmpty)
        #expect(decision.unrouted == ["No routing rule matches this message (kind notification, sender type school, notification domestic-abuse)."])
    }

    @Test("missing-from-home and found notifications go to the MASH", arguments: [NotificationType.missingEpisode, .foundAfterMissing])
    func missingEpisodes(_ type: NotificationType) {
        let decision = route(R.notification(type), .police, [context(R.robin)])
        #expect(decision.items.map(\.summary) == ["northmoor-mash record-and-consider mash-notification [c1] missing-episode no-feedback"])
    }

    @Test("a health attendance by a child on a plan goes to the MASH", arguments: PlanType.allCases)
    func healthAttendanceOnPlan(_ plan: PlanType) {
        let decision = route(R.notification(.healthAttendance, from: R.trust), .health, [context(R.robin, plan: plan, hasOpenItems: true)])
        #expect(decision.items.map(\.summary) == ["northmoor-mash record-and-consider mash-notification [c1] health-attendance-on-plan no-feedback"])
        #expect(decision.unrouted.isEmpty)
    }

    @Test("a health attendance by a child not on a plan but with open work goes to the MASH")
    func healthAttendanceOpenWork() {
        let decision = route(R.notification(.healthAttendance, from: R.trust), .health, [context(R.robin, hasOpenItems: true)])
        #expect(decision.items.map(\.summary) == ["northmoor-mash record-and-consider mash-notification [c1] health-attendance-open-case no-feedback"])
    }

    @Test("a health attendance by a child neither on a plan nor with open work creates no items and no triage")
    func healthAttendanceNotKnown() {
        let decision = route(R.notification(.healthAttendance, from: R.trust), .health, [context(R.robin)])
        #expect(decision.items.isEmpty)
        #expect(decision.unrouted.isEmpty, "a matched rule with send: [] routes nowhere on purpose")
    }

    @Test("a health attendance by two children is routed child by child")
    func healthAttendanceTwoChildren() {
        let one = route(R.notification(.healthAttendance, from: R.trust, subjects: [R.robin, R.sky]), .health,
            [context(R.robin, plan: .childInNeed), context(R.sky)])
        #expect(one.items.map(\.summary) == ["northmoor-mash record-and-consider mash-notification [c1] health-attendance-on-plan no-feedback"])
        #expect(one.unrouted.isEmpty)

        let both = route(R.notification(.healthAttendance, from: R.trust, subjects: [R.robin, R.sky]), .health,
            [context(R.robin, plan: .childProtection), context(R.sky, hasOpenItems: true)])
        #expect(both.items.map(\.summary) == ["northmoor-mash record-and-consider mash-notification [c1,c2] health-attendance-on-plan no-feedback"])
    }

    @Test("social care starting or ending a plan tells the child's school and GP (found by the GP's ODS code)",
        arguments: [NotificationType.planStarted, .planEnded])
    func planChange(_ type: NotificationType) {
        let decision = route(R.notification(type, from: R.mash, plan: .childProtection, subjects: [R.sky]), .socialCare, [context(R.sky)])
        #expect(decision.items.map(\.summary) == [
            "school-northmoor-academy plan-notice partner-notice [c2] plan-change no-feedback",
            "gp-riverside-surgery plan-notice partner-notice [c2] plan-change no-feedback",
        ])
        #expect(decision.unrouted.isEmpty)
    }

    @Test("a plan notification from anyone but social care matches no rule")
    func planChangeFromPolice() {
        let decision = route(R.notification(.planStarted, plan: .childProtection), .police, [context(R.robin)])
        #expect(decision.items.isEmpty)
        #expect(decision.unrouted == ["No routing rule matches this message (kind notification, sender type police, notification plan-started)."])
    }

    @Test("a school URN that is not registered leaves the school unrouted, naming the rule and relation but no personal data")
    func unknownSchool() {
        var child = R.robin
        child.schoolURN = "999999"
        let decision = route(R.notification(.domesticAbuse, childPresent: true, subjects: [child]), .police, [context(child)])
        #expect(decision.items.map(\.summary) == ["northmoor-mash record-and-consider mash-notification [c1] operation-encompass no-feedback"])
        #expect(decision.unrouted == ["Rule operation-encompass could not send to child.school for child c1: no school with URN 999999 is registered."])
    }

    @Test("a child whose school is not known leaves the school unrouted")
    func schoolNotKnown() {
        var child = R.robin
        child.schoolURN = nil
        let decision = route(R.notification(.domesticAbuse, childPresent: true, subjects: [child]), .police, [context(child)])
        #expect(decision.unrouted == ["Rule operation-encompass could not send to child.school for child c1: the child's school is not known."])
    }

    @Test("a postcode in no listed authority leaves the MASH unrouted, once for each rule that tried")
    func unknownPostcode() {
        var child = R.robin
        child.address = Mention.Address(lines: ["1 Example Row"], postcode: "ZZ1 1ZZ")
        let decision = route(R.referral(.immediate, subjects: [child]), .police, [context(child)])
        #expect(decision.items.isEmpty)
        let reason = "could not send to child.home-local-authority for child c1: the child's home local authority is not known (no address with a postcode in areas.yaml)."
        #expect(decision.unrouted == ["Rule immediate-risk-referral \(reason)", "Rule referral-to-mash \(reason)"])
    }

    @Test("a child in an authority with no registered MASH is unrouted, while a sibling in Northmoor is routed")
    func neighbouringAuthority() {
        var moved = R.sky
        moved.address = Mention.Address(lines: ["2 Sample Close"], postcode: "FW2 3CD")
        let decision = route(R.referral(.medium, subjects: [R.robin, moved]), .police, [context(R.robin), context(moved)])
        #expect(decision.items.map(\.summary) == ["northmoor-mash decide-response mash-referral [c1] referral-to-mash feedback"])
        #expect(decision.unrouted == [
            "Rule referral-to-mash could not send to child.home-local-authority for child c2: no children's social care is registered for local authority 996.",
        ])
    }

    @Test("a GP practice that is not registered, or not known, leaves the GP unrouted")
    func unknownGP() {
        var child = R.sky
        child.gpODS = "Y99999"
        let unknown = route(R.notification(.planStarted, from: R.mash, plan: .childInNeed, subjects: [child]), .socialCare, [context(child)])
        #expect(unknown.items.map(\.recipient.rawValue) == ["school-northmoor-academy"])
        #expect(unknown.unrouted == ["Rule plan-change could not send to child.gp for child c2: no GP practice with ODS code Y99999 is registered."])

        child.gpODS = nil
        let notKnown = route(R.notification(.planStarted, from: R.mash, plan: .childInNeed, subjects: [child]), .socialCare, [context(child)])
        #expect(notKnown.unrouted == ["Rule plan-change could not send to child.gp for child c2: the child's GP practice is not known."])
    }

    @Test("a message no rule matches goes to triage with a reason that names its kind, sender type and notification",
        arguments: [NotificationType.arrest, .policeAttendance, .other])
    func noRuleMatches(_ type: NotificationType) {
        let decision = route(R.notification(type), .police, [context(R.robin)])
        #expect(decision.items.isEmpty)
        #expect(decision.unrouted == ["No routing rule matches this message (kind notification, sender type police, notification \(type.rawValue))."])
    }

    @Test("a school's exclusion notification matches no shipped rule")
    func schoolExclusion() {
        let decision = route(R.notification(.schoolExclusion, from: R.ashgrove), .school, [context(R.robin)])
        #expect(decision.unrouted == ["No routing rule matches this message (kind notification, sender type school, notification school-exclusion)."])
    }
}
