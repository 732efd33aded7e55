import BatonCore
import BatonPolicy
import Foundation
import Testing

@Suite("Routing and deadline edges")
struct RoutingEdgeTests {
    typealias R = RoutingFixtures

    @Test("a child that no matching rule applies to goes to triage rather than being dropped")
    func uncoveredChildGoesToTriage() throws {
        // A policy whose only health-attendance rule applies to children on a plan.
        let policies = try ShippedPolicies.load()
        var routing = policies.routing
        routing.rules = routing.rules.filter { $0.id == "health-attendance-on-plan" }
        let router = MessageRouter(policy: routing, agencies: SampleAgencies.all)
        let message = R.notification(.healthAttendance, from: R.trust, subjects: [R.robin, R.sky])
        let decision = router.route(message, senderType: .health, children: [
            R.context(R.robin, areas: policies.areas, plan: .childProtection),
            R.context(R.sky, areas: policies.areas),
        ])
        #expect(decision.items.map(\.subjects) == [["c1"]])
        #expect(decision.unrouted.count == 1)
        #expect(decision.unrouted.first?.contains("child c2") == true)
        for personal in R.personalData { #expect(decision.unrouted.first?.contains(personal) == false) }
    }

    @Test("no step of an item is due after a later step: a notification at 08:20 must be delivered by the 08:30 acknowledgement")
    func stepsAreOrdered() throws {
        let policies = try ShippedPolicies.load()
        let encompass = try #require(policies.sla["operation-encompass"])
        // Tuesday 3 March 2026, 08:20 GMT: a school day.
        let arrived = RFC3339.parse("2026-03-03T08:20:00Z")!
        let deadlines = encompass.deadlines(from: arrived, calendar: policies.calendar, schoolAuthority: "995")
        let delivery = try #require(deadlines.first { $0.kind == .delivery })
        let acknowledgement = try #require(deadlines.first { $0.kind == .acknowledgement })
        #expect(acknowledgement.dueAt == RFC3339.parse("2026-03-03T08:30:00Z"))
        #expect(delivery.dueAt == acknowledgement.dueAt)
        // Arriving the evening before, delivery (08:15) stays before acknowledgement (08:30).
        let evening = encompass.deadlines(from: RFC3339.parse("2026-03-02T19:00:00Z")!, calendar: policies.calendar, schoolAuthority: "995")
        #expect(evening.first { $0.kind == .delivery }?.dueAt == RFC3339.parse("2026-03-03T08:15:00Z"))
    }
}
