import BatonCore
import BatonPolicy
import Foundation
import Testing

/// One mistake an operator might make in a policy file, and the error that must name it.
struct PolicyMistake: Sendable, CustomTestStringConvertible {
    let what: String
    let file: String
    let old: String
    let new: String
    /// The field the error names.
    let field: String
    /// Text on the line the error must name, searched for after the line holding `after`.
    let lineOf: String
    var after: String? = nil
    /// Words the error's problem must contain.
    let problem: String
    /// The file the error names when it is not the one changed (cross-checks are reported where
    /// the reference is made).
    var reportedIn: String? = nil

    var testDescription: String { what }
}

@Suite("Policy files: loading and checking")
struct PolicyLoadingTests {
    @Test("the shipped policies load against the sample registry with no errors and no warnings")
    func shippedPoliciesLoad() throws {
        let policies = try ShippedPolicies.load()
        #expect(policies.warnings.isEmpty, "\(policies.warnings)")
        #expect(policies.version.count == 64 && policies.version.allSatisfy(\.isHexDigit))
        #expect(policies.routing.triage.rawValue == "northmoor-mash")
        #expect(policies.routing.rules.map(\.id) == [
            "immediate-risk-referral", "referral-to-mash", "operation-encompass", "domestic-abuse-child-absent", "missing-episode",
            "health-attendance-on-plan", "health-attendance-open-case", "health-attendance-not-known", "plan-change",
        ])
        #expect(Set(policies.routing.purposes.keys) == ["decide-response", "record-and-consider", "operation-encompass", "plan-notice", "assess-and-act"])
        for name in SLAPolicy.systemClasses { #expect(policies.sla[name] != nil, "\(name)") }
        #expect(policies.outcomes.codes.values.contains { $0.transfer })
        #expect(policies.areas.authorities.keys.sorted() == ["995", "996"])
    }

    @Test("the shipped calendar is the England and Wales calendar with Northmoor's and Fenwick's term dates")
    func shippedCalendar() throws {
        let calendar = try ShippedPolicies.load().calendar
        #expect(calendar.timeZone.identifier == "Europe/London")
        #expect(calendar.bankHolidays.count == 32)
        #expect(calendar.bankHolidays.contains(CalendarDate(iso8601: "2026-12-28")!))
        #expect(calendar.bankHolidayYears == 2025...2028)
        #expect(calendar.workingDayStart.description == "09:00" && calendar.workingDayEnd.description == "17:00")
        #expect(calendar.schoolDayStart.description == "08:30" && calendar.schoolDayEnd.description == "15:30")
        #expect(calendar.defaultSchoolAuthority == "995")
        #expect(calendar.schoolCalendars["995"]?.terms.count == 22)
        #expect(calendar.schoolCalendars["995"]?.closures.count == 4)
        #expect(calendar.schoolCalendars["996"]?.terms.count == 18)
        // One deadline each way through the loaded calendar.
        #expect(calendar.deadline(.workingDays(1), from: RFC3339.parse("2026-12-24T12:00:00Z")!) == RFC3339.parse("2026-12-29T12:00:00Z"))
        #expect(calendar.deadline(.nextSchoolDay(at: LocalTime("08:30")!), from: RFC3339.parse("2026-05-22T16:00:00+01:00")!, schoolAuthority: "995")
            == RFC3339.parse("2026-06-02T08:30:00+01:00"))
    }

    @Test("deadline classes turn into an item's deadlines through the calendar")
    func deadlineClasses() throws {
        let policies = try ShippedPolicies.load()
        let referral = try #require(policies.sla["mash-referral"])
        let friday = RFC3339.parse("2026-03-06T16:00:00Z")!
        let deadlines = referral.deadlines(from: friday, calendar: policies.calendar, schoolAuthority: nil)
        #expect(deadlines.map(\.kind) == [.delivery, .acknowledgement, .decision, .outcome])
        #expect(deadlines.map(\.dueAt) == [
            RFC3339.parse("2026-03-06T18:00:00Z"), RFC3339.parse("2026-03-09T16:00:00Z"), RFC3339.parse("2026-03-09T16:00:00Z"),
            RFC3339.parse("2026-03-13T16:00:00Z"),
        ])
        #expect(!referral.usesSchoolDays)

        let encompass = try #require(policies.sla["operation-encompass"])
        #expect(encompass.usesSchoolDays)
        let halfTerm = encompass.deadlines(from: RFC3339.parse("2026-02-13T19:00:00Z")!, calendar: policies.calendar, schoolAuthority: "995")
        #expect(halfTerm.map(\.kind) == [.delivery, .acknowledgement, .outcome])
        #expect(halfTerm.map(\.dueAt) == [
            RFC3339.parse("2026-02-23T08:15:00Z"), RFC3339.parse("2026-02-23T08:30:00Z"), RFC3339.parse("2026-03-02T08:30:00Z"),
        ])
    }

    @Test("outcome codes say when a manager must sign off and what the referrer is told")
    func outcomeCodes() throws {
        let outcomes = try ShippedPolicies.load().outcomes
        let noFurtherAction = try #require(outcomes["no-further-action"])
        #expect(noFurtherAction.needsSignOff(risk: .high))
        #expect(noFurtherAction.needsSignOff(risk: .immediate))
        #expect(!noFurtherAction.needsSignOff(risk: .medium))
        #expect(!noFurtherAction.needsSignOff(risk: nil), "a notification has no risk: treated as low")
        #expect(noFurtherAction.tellReferrer == .codeAndRationale)
        #expect(outcomes["other"]?.needsSignOff(risk: nil) == true)
        #expect(outcomes["early-help"]?.needsSignOff(risk: .immediate) == false)
        #expect(outcomes["s47-enquiry"]?.tellReferrer == .code)
        #expect(outcomes["transferred"]?.transfer == true)
        #expect(outcomes.sortedCodes.first == "action-completed")
    }

    @Test("cumulative-harm counters and alerts load from the shipped file")
    func cumulativeHarm() throws {
        let policy = try ShippedPolicies.load().cumulativeHarm
        #expect(policy.counter("missing-episodes")?.events == ["missing-episode", "missing"])
        #expect(policy.counter("missing-episodes")?.window == .days(90))
        #expect(policy.counter("referrals")?.window == .months(12))
        #expect(policy.alerts.map(\.counter).contains("domestic-abuse-incidents"))
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Europe/London")!
        let now = RFC3339.parse("2026-11-23T12:00:00Z")!
        #expect(CumulativeHarmPolicy.Window.months(12).start(endingAt: now, calendar: calendar) == RFC3339.parse("2025-11-23T12:00:00Z"))
        #expect(CumulativeHarmPolicy.Window.days(90).start(endingAt: now, calendar: calendar) == RFC3339.parse("2026-08-25T11:00:00Z"))
    }

    @Test("postcode districts map to their local authority", arguments: [
        ("NM4 7RD", "995"), ("NM1 1AA", "995"), ("FW2 3CD", "996"), ("ZZ1 1ZZ", nil), ("NM10 1AA", nil), ("", nil),
    ] as [(String, String?)])
    func areas(_ postcode: String, _ authority: String?) throws {
        #expect(try ShippedPolicies.load().areas.authority(forPostcode: postcode) == authority)
    }

    // MARK: - Mistakes

    static let mistakes: [PolicyMistake] = [
        PolicyMistake(what: "an unknown field in a routing rule", file: "routing.yaml",
            old: "  - id: referral-to-mash\n", new: "  - id: referral-to-mash\n    colour: blue\n",
            field: "rules[1].colour", lineOf: "colour: blue", problem: "unknown field (allowed: description, id, send, when)"),
        PolicyMistake(what: "an unknown field in a deadline class", file: "sla.yaml",
            old: "    escalateEvery: PT1H\n    signOff: PT4H\n", new: "    escalateEvery: PT1H\n    signOff: PT4H\n    urgent: true\n",
            field: "classes.mash-referral-immediate.urgent", lineOf: "urgent: true", problem: "unknown field"),
        PolicyMistake(what: "a misspelt field in the calendar", file: "calendar.yaml",
            old: "timeZone: Europe/London", new: "timezone: Europe/London", field: "timezone", lineOf: "timezone:",
            problem: "unknown field (allowed: bankHolidays, defaultSchoolAuthority, schoolDay, schoolTerms, timeZone, workingDay)"),
        PolicyMistake(what: "an unknown field in a school term", file: "calendar.yaml",
            old: "{ start: 2026-01-05, end: 2026-02-13 }", new: "{ start: 2026-01-05, end: 2026-02-13, ends: 2026-02-14 }",
            field: "schoolTerms.995.terms[6].ends", lineOf: "ends: 2026-02-14", problem: "unknown field"),
        PolicyMistake(what: "an unknown deadline class in a rule", file: "routing.yaml",
            old: "deadlines: mash-referral-immediate }", new: "deadlines: mash-referal-immediate }",
            field: "rules[0].send[0].deadlines", lineOf: "- id: immediate-risk-referral",
            problem: "'mash-referal-immediate' is not a class in sla.yaml (classes: cumulative-harm, disagreement, escalation-notice, identity-correction, identity-review, information-request-amber, information-request-green, information-request-red, information-response, mash-notification,"),
        PolicyMistake(what: "an unknown deadline class for a purpose", file: "routing.yaml",
            old: "    deadlines: partner-notice\n", new: "    deadlines: partner-notices\n",
            field: "purposes.plan-notice.deadlines", lineOf: "  plan-notice:", problem: "'partner-notices' is not a class in sla.yaml"),
        PolicyMistake(what: "an unknown purpose in a rule", file: "routing.yaml",
            old: "{ to: child.home-local-authority, purpose: decide-response, deadlines: mash-referral }",
            new: "{ to: child.home-local-authority, purpose: decide-responce, deadlines: mash-referral }",
            field: "rules[1].send[0].purpose", lineOf: "- id: referral-to-mash", problem: "'decide-responce' is not listed under purposes"),
        PolicyMistake(what: "a recipient that is not in the agency registry", file: "routing.yaml",
            old: "- { to: child.gp, purpose: plan-notice", new: "- { to: gp-riverside, purpose: plan-notice",
            field: "rules[8].send[1].to", lineOf: "- id: plan-change", problem: "'gp-riverside' is not in the agency registry"),
        PolicyMistake(what: "a sender that is not in the agency registry", file: "routing.yaml",
            old: "when: { kind: notification, senderType: police, notification: [missing-episode, found-after-missing] }",
            new: "when: { kind: notification, sender: police-southmoor, notification: [missing-episode, found-after-missing] }",
            field: "rules[4].when.sender", lineOf: "- id: missing-episode", problem: "'police-southmoor' is not in the agency registry"),
        PolicyMistake(what: "a triage agency that is not social care", file: "routing.yaml",
            old: "triage: northmoor-mash", new: "triage: police-northmoor",
            field: "triage", lineOf: "triage: police-northmoor", problem: "'police-northmoor' is not a social-care agency (the MASH)"),
        PolicyMistake(what: "a triage agency that is not in the registry", file: "routing.yaml",
            old: "triage: northmoor-mash", new: "triage: southmoor-mash",
            field: "triage", lineOf: "triage: southmoor-mash", problem: "'southmoor-mash' is not in the agency registry"),
        PolicyMistake(what: "a missing class the hub needs for its own items", file: "sla.yaml",
            old: "  outcome-feedback:\n", new: "  referrer-feedback:\n",
            field: "classes.outcome-feedback", lineOf: "classes:", problem: "is required: the hub uses this class for its own items"),
        PolicyMistake(what: "a routed class with no outcome deadline", file: "sla.yaml",
            old: "    acknowledge: 2 working days\n    outcome: 5 working days\n", new: "    acknowledge: 2 working days\n",
            field: "rules[8].send[0].deadlines", lineOf: "- id: plan-change", problem: "class 'partner-notice' has no outcome deadline",
            reportedIn: "routing.yaml"),
        PolicyMistake(what: "deadline text that is not a deadline", file: "sla.yaml",
            old: "    acknowledge: 1 working day\n    decide: 1 working day\n", new: "    acknowledge: 1 workday\n    decide: 1 working day\n",
            field: "classes.mash-referral.acknowledge", lineOf: "acknowledge: 1 workday", problem: "'1 workday' is not a deadline: write"),
        PolicyMistake(what: "a deadline in months", file: "sla.yaml",
            old: "    outcome: 5 school days\n", new: "    outcome: P1M\n",
            field: "classes.operation-encompass.outcome", lineOf: "outcome: P1M", problem: "years and months are not allowed"),
        PolicyMistake(what: "a deadline class with no escalation interval", file: "sla.yaml",
            old: "    escalateEvery: PT1H\n    signOff: PT4H\n", new: "    signOff: PT4H\n",
            field: "classes.mash-referral-immediate.escalateEvery", lineOf: "description:", after: "  mash-referral-immediate:", problem: "is required"),
        PolicyMistake(what: "overlapping school terms", file: "calendar.yaml",
            old: "      - { start: 2026-01-05, end: 2026-02-13 }\n",
            new: "      - { start: 2026-01-05, end: 2026-02-13 }\n      - { start: 2026-02-10, end: 2026-02-20 }\n",
            field: "schoolTerms.995.terms[7]", lineOf: "start: 2026-02-10", problem: "overlaps the term 2026-01-05 to 2026-02-13"),
        PolicyMistake(what: "a term that ends before it starts", file: "calendar.yaml",
            old: "{ start: 2026-02-23, end: 2026-03-27 }", new: "{ start: 2026-03-27, end: 2026-02-23 }",
            field: "schoolTerms.995.terms[7]", lineOf: "start: 2026-03-27, end: 2026-02-23",
            problem: "the term ends (2026-02-23) before it starts (2026-03-27)"),
        PolicyMistake(what: "a bank holiday listed twice", file: "calendar.yaml",
            old: "  - 2026-12-28  # Boxing Day (substitute day)\n", new: "  - 2026-12-28  # Boxing Day (substitute day)\n  - 2026-12-25  # again\n",
            field: "bankHolidays[16]", lineOf: "# again", problem: "2026-12-25 is listed twice"),
        PolicyMistake(what: "a bank holiday that does not exist", file: "calendar.yaml",
            old: "  - 2027-01-01  # New Year's Day", new: "  - 2027-02-29  # New Year's Day",
            field: "bankHolidays[16]", lineOf: "2027-02-29", problem: "'2027-02-29' is not a date that exists, written YYYY-MM-DD"),
        PolicyMistake(what: "an unknown time zone", file: "calendar.yaml",
            old: "timeZone: Europe/London", new: "timeZone: Europe/Londres",
            field: "timeZone", lineOf: "timeZone: Europe/Londres", problem: "'Europe/Londres' is not a time zone name"),
        PolicyMistake(what: "a working day that ends before it starts", file: "calendar.yaml",
            old: #"workingDay: { start: "09:00", end: "17:00" }"#, new: #"workingDay: { start: "09:00", end: "08:00" }"#,
            field: "workingDay", lineOf: "workingDay:", problem: "must start (09:00) before it ends (08:00)"),
        PolicyMistake(what: "a school day time that is not HH:MM", file: "calendar.yaml",
            old: #"schoolDay: { start: "08:30", end: "15:30" }"#, new: #"schoolDay: { start: "8.30", end: "15:30" }"#,
            field: "schoolDay.start", lineOf: "schoolDay:", problem: "'8.30' is not a time of day written HH:MM"),
        PolicyMistake(what: "a default school authority with no term dates", file: "calendar.yaml",
            old: #"defaultSchoolAuthority: "995""#, new: #"defaultSchoolAuthority: "997""#,
            field: "defaultSchoolAuthority", lineOf: "defaultSchoolAuthority:", problem: "no term dates are listed for authority '997'"),
        PolicyMistake(what: "an unknown notification type", file: "routing.yaml",
            old: "notification: domestic-abuse, childPresent: true", new: "notification: domestic-abuses, childPresent: true",
            field: "rules[2].when.notification", lineOf: "domestic-abuses", problem: "'domestic-abuses' is not one of: domestic-abuse,"),
        PolicyMistake(what: "an unknown plan type", file: "routing.yaml",
            old: "notification: [plan-started, plan-ended] }", new: "notification: [plan-started, plan-ended], plan: [child-protection, child-in-needs] }",
            field: "rules[8].when.plan", lineOf: "child-in-needs", problem: "'child-in-needs' is not one of: child-protection, child-in-need, looked-after, early-help"),
        PolicyMistake(what: "an unknown plan in a child condition", file: "routing.yaml",
            old: "child: { onPlan: true }", new: "child: { onPlan: protection }",
            field: "rules[5].when.child.onPlan", lineOf: "onPlan: protection", problem: "'protection' is not one of: child-protection"),
        PolicyMistake(what: "an unknown concern category", file: "routing.yaml",
            old: "when: { kind: referral, riskAtLeast: immediate }", new: "when: { kind: referral, riskAtLeast: immediate, categories: [neglect, neglekt] }",
            field: "rules[0].when.categories", lineOf: "neglekt", problem: "'neglekt' is not one of: physical-abuse"),
        PolicyMistake(what: "an unknown risk level", file: "routing.yaml",
            old: "riskAtLeast: immediate }", new: "riskAtLeast: severe }",
            field: "rules[0].when.riskAtLeast", lineOf: "riskAtLeast: severe", problem: "'severe' is not one of: low, medium, high, immediate"),
        PolicyMistake(what: "an unknown message kind", file: "routing.yaml",
            old: "when: { kind: referral }", new: "when: { kind: referal }",
            field: "rules[1].when.kind", lineOf: "kind: referal", problem: "'referal' is not one of: referral, notification"),
        PolicyMistake(what: "an unknown sender type", file: "routing.yaml",
            old: "senderType: health, notification: health-attendance, child: { onPlan: true }",
            new: "senderType: hospital, notification: health-attendance, child: { onPlan: true }",
            field: "rules[5].when.senderType", lineOf: "senderType: hospital", problem: "'hospital' is not one of: police, social-care, school, health, other"),
        PolicyMistake(what: "a recipient that is neither an agency id nor a relation", file: "routing.yaml",
            old: "- { to: child.gp, purpose: plan-notice", new: "- { to: child.dentist, purpose: plan-notice",
            field: "rules[8].send[1].to", lineOf: "child.dentist", problem: "'child.dentist' is not an agency id or one of child.school"),
        PolicyMistake(what: "a child's relation in a rule whose messages carry no children", file: "routing.yaml",
            old: "when: { kind: notification, senderType: police, notification: [missing-episode, found-after-missing] }",
            new: "when: { kind: outcome, senderType: police }",
            field: "rules[4].send[0].to", lineOf: "to: child.home-local-authority", after: "- id: missing-episode",
            problem: "names a child's relation, but the rule's kinds carry no children"),
        PolicyMistake(what: "notification conditions on a rule for referrals only", file: "routing.yaml",
            old: "when: { kind: referral }", new: "when: { kind: referral, childPresent: true }",
            field: "rules[1].when.notification", lineOf: "childPresent: true }", after: "- id: referral-to-mash",
            problem: "notification, childPresent and plan apply to notifications"),
        PolicyMistake(what: "a rule id used twice", file: "routing.yaml",
            old: "  - id: referral-to-mash", new: "  - id: immediate-risk-referral   # twice",
            field: "rules[1].id", lineOf: "# twice", problem: "rule id 'immediate-risk-referral' is used twice"),
        PolicyMistake(what: "a purpose named like one the hub uses itself", file: "routing.yaml",
            old: "  assess-and-act:\n", new: "  triage:\n",
            field: "purposes.triage", lineOf: "  triage:", problem: "is a purpose the hub itself uses"),
        PolicyMistake(what: "an outcome sign-off rule that is not one of the forms", file: "outcomes.yaml",
            old: "    signOff: { riskAtLeast: high }", new: "    signOff: sometimes",
            field: "codes.no-further-action.signOff", lineOf: "signOff: sometimes", problem: "must be never, always or { riskAtLeast: <level> }"),
        PolicyMistake(what: "an unknown risk level in an outcome sign-off rule", file: "outcomes.yaml",
            old: "    signOff: { riskAtLeast: high }", new: "    signOff: { riskAtLeast: grave }",
            field: "codes.no-further-action.signOff.riskAtLeast", lineOf: "riskAtLeast: grave", problem: "'grave' is not one of"),
        PolicyMistake(what: "an unknown view for the referrer", file: "outcomes.yaml",
            old: "    tellReferrer: code-and-rationale\n    transfer: true", new: "    tellReferrer: everything\n    transfer: true",
            field: "codes.transferred.tellReferrer", lineOf: "tellReferrer: everything", problem: "must be code or code-and-rationale"),
        PolicyMistake(what: "no outcome code for transfers", file: "outcomes.yaml",
            old: "    transfer: true\n", new: "\n",
            field: "codes", lineOf: "codes:", after: "#   transfer ", problem: "one code must have transfer: true"),
        PolicyMistake(what: "a postcode district in two authorities", file: "areas.yaml",
            old: "postcodeDistricts: [FW1, FW2, FW3, FW4]", new: "postcodeDistricts: [FW1, FW2, FW3, NM4]",
            field: "localAuthorities.996.postcodeDistricts[3]", lineOf: "FW3, NM4", problem: "NM4 is already in authority 995"),
        PolicyMistake(what: "a postcode district that is not one", file: "areas.yaml",
            old: "[FW1, FW2, FW3, FW4]", new: "[FW1, FW2, FW3, fw4]",
            field: "localAuthorities.996.postcodeDistricts[3]", lineOf: "fw4", problem: "must be a postcode district such as NM4"),
        PolicyMistake(what: "a need-to-know rule naming a label that is not in the vocabulary", file: "need-to-know.yaml",
            old: "labels: [incident.occurred, support.advice]", new: "labels: [incident.occured, support.advice]",
            field: "rules[6].labels[0]", lineOf: "incident.occured", problem: "'incident.occured' matches no label in labels.yaml"),
        PolicyMistake(what: "a need-to-know rule with an effect that is neither permit nor forbid", file: "need-to-know.yaml",
            old: "    effect: permit\n    labels: [incident.occurred", new: "    effect: allow\n    labels: [incident.occurred",
            field: "rules[6].effect", lineOf: "effect: allow", problem: "must be permit or forbid"),
        PolicyMistake(what: "a need-to-know rule for a purpose nobody routes", file: "need-to-know.yaml",
            old: "purpose: [operation-encompass] }", new: "purpose: [operation-encompas] }",
            field: "rules[6].when.purpose", lineOf: "  - id: encompass-school-minimum", problem: "'operation-encompas' is not a purpose in routing.yaml"),
        PolicyMistake(what: "a permit that an earlier unconditional forbid shadows", file: "need-to-know.yaml",
            old: "    labels: [health.sexual]\n    when: { recipientType: [police, school, other] }\n", new: "    labels: [\"*\"]\n",
            field: "rules[5]", lineOf: "  - id: mash-sees-all", problem: "can never permit anything: rule 'sexual-health-stays-in-health' forbids all its labels"),
        PolicyMistake(what: "a permit that depends on the reader's role", file: "need-to-know.yaml",
            old: "purpose: [operation-encompass] }", new: "purpose: [operation-encompass], role: [lead] }",
            field: "rules[6].when.role", lineOf: "role: [lead]", problem: "may only be a condition of a forbid rule"),
        PolicyMistake(what: "a role the hub does not know", file: "need-to-know.yaml",
            old: "when: { role: [auditor] }", new: "when: { role: [inspector] }",
            field: "rules[1].when.role", lineOf: "role: [inspector]", problem: "'inspector' is not one of: lead, mash-manager, auditor, administrator"),
        PolicyMistake(what: "a role given to an agency that is not registered", file: "access.yaml",
            old: "the policy versions behind them.\n    agencies: [northmoor-mash]", new: "the policy versions behind them.\n    agencies: [northmoor-mahs]",
            field: "roles.auditor.agencies", lineOf: "northmoor-mahs", problem: "'northmoor-mahs' is not in the agency registry"),
        PolicyMistake(what: "a section label that is not one", file: "labels.yaml",
            old: "  support.advice:", new: "  Support.Advice:",
            field: "labels.Support.Advice", lineOf: "Support.Advice:", problem: "labels are dot-separated lower-case words"),
        PolicyMistake(what: "a counter over an event messages never carry", file: "cumulative-harm.yaml",
            old: "events: [missing-episode, missing]", new: "events: [missing-episode, runaway]",
            field: "counters.missing-episodes.events[1]", lineOf: "runaway", problem: "'runaway' is not an event"),
        PolicyMistake(what: "a counter window that is not days, months or years", file: "cumulative-harm.yaml",
            old: "    window: P90D\n", new: "    window: 90 days\n",
            field: "counters.missing-episodes.window", lineOf: "window: 90 days", problem: "is not a window such as P90D"),
        PolicyMistake(what: "an alert on a counter that does not exist", file: "cumulative-harm.yaml",
            old: "{ counter: referrals, atLeast: 3 }", new: "{ counter: re-referrals, atLeast: 3 }",
            field: "alerts[2].counter", lineOf: "counter: re-referrals", problem: "'re-referrals' is not a counter in this file"),
        PolicyMistake(what: "an alert threshold of zero", file: "cumulative-harm.yaml",
            old: "{ counter: referrals, atLeast: 3 }", new: "{ counter: referrals, atLeast: 0 }",
            field: "alerts[2].atLeast", lineOf: "atLeast: 0", problem: "must be 1 or more"),
    ]

    @Test("each kind of mistake is reported with its file, line and field", arguments: mistakes)
    func mistakeIsReported(_ mistake: PolicyMistake) throws {
        let text = replacingOnce(try #require(ShippedPolicies.texts[mistake.file]), mistake.old, mistake.new)
        let errors = ShippedPolicies.errors(in: [mistake.file: text])
        let error = try #require(errors.first { $0.field == mistake.field }, "fields reported: \(errors.map(\.description))")
        let reportedIn = mistake.reportedIn ?? mistake.file
        #expect(error.file == "policies/\(reportedIn)")
        let reportedText = reportedIn == mistake.file ? text : try #require(ShippedPolicies.texts[reportedIn])
        let expectedLine = try #require(line(of: mistake.lineOf, in: reportedText, after: mistake.after))
        #expect(error.line == expectedLine, "\(error)")
        #expect(error.problem.contains(mistake.problem), "\(error.problem)")
        #expect(error.description.hasPrefix("policies/\(reportedIn):\(expectedLine): \(mistake.field): "))
    }

    @Test("a YAML syntax error names the file and line")
    func syntaxError() throws {
        let text = replacingOnce(ShippedPolicies.texts["routing.yaml"]!, "triage: northmoor-mash", "triage: [northmoor-mash")
        let errors = ShippedPolicies.errors(in: ["routing.yaml": text])
        let error = try #require(errors.first)
        #expect(error.file == "policies/routing.yaml")
        #expect(error.line != nil)
        #expect(error.problem.hasPrefix("YAML syntax: "))
    }

    @Test("a duplicated key is reported, not silently overwritten")
    func duplicatedKey() throws {
        let text = replacingOnce(ShippedPolicies.texts["sla.yaml"]!, "  triage:\n", "  mash-referral:\n    escalateEvery: PT1H\n    outcome: PT1H\n  triage:\n")
        let errors = ShippedPolicies.errors(in: ["sla.yaml": text])
        #expect(errors.contains { $0.file == "policies/sla.yaml" && $0.problem.contains("duplicated key(s): mash-referral") })
    }

    @Test("every problem in every file is reported at once, and nothing half-loads")
    func allProblemsAtOnce() {
        let routing = replacingOnce(ShippedPolicies.texts["routing.yaml"]!, "triage: northmoor-mash", "triage: police-northmoor")
        let calendar = replacingOnce(ShippedPolicies.texts["calendar.yaml"]!, "timeZone: Europe/London", "timeZone: Mars/Olympus")
        let sla = replacingOnce(ShippedPolicies.texts["sla.yaml"]!, "    outcome: 5 school days\n", "    outcome: 5 days\n")
        let errors = ShippedPolicies.errors(in: ["routing.yaml": routing, "calendar.yaml": calendar, "sla.yaml": sla])
        #expect(Set(errors.map(\.file)) == ["policies/routing.yaml", "policies/calendar.yaml", "policies/sla.yaml"])
        #expect(errors.contains { $0.field == "triage" })
        #expect(errors.contains { $0.field == "timeZone" })
        #expect(errors.contains { $0.field == "classes.operation-encompass.outcome" })
    }

    @Test("a misspelt calendar field is reported both as unknown and as a missing required field")
    func misspeltRequiredField() {
        let text = replacingOnce(ShippedPolicies.texts["calendar.yaml"]!, "timeZone: Europe/London", "timezone: Europe/London")
        let fields = ShippedPolicies.errors(in: ["calendar.yaml": text]).map(\.field)
        #expect(fields.contains("timezone"))
        #expect(fields.contains("timeZone"))
    }

    @Test("the triage agency must be in the registry that is loaded with the policies")
    func triageMissingFromRegistry() {
        let errors = ShippedPolicies.errors(agencies: SampleAgencies.all.filter { $0.id.rawValue != "northmoor-mash" })
        #expect(errors.contains { $0.field == "triage" && $0.problem == "'northmoor-mash' is not in the agency registry" })
    }

    @Test("a policy folder that does not exist, or lacks a file, stops loading with the path named")
    func missingFolderOrFile() throws {
        let absent = #expect(throws: ConfigurationErrors.self) {
            try PolicySet.load(directory: "/nonexistent/policies", agencies: SampleAgencies.all, now: ShippedPolicies.now)
        }
        #expect(absent?.errors.map(\.description) == ["/nonexistent/policies: the policy folder does not exist (set --policies or BATON_POLICIES)"])

        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("baton-policies-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        for name in PolicySet.files where name != "areas.yaml" {
            try ShippedPolicies.texts[name]!.write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        let missing = #expect(throws: ConfigurationErrors.self) {
            try PolicySet.load(directory: folder.path, agencies: SampleAgencies.all, now: ShippedPolicies.now)
        }
        #expect(missing?.errors.count == 1)
        #expect(missing?.errors.first?.file == folder.appendingPathComponent("areas.yaml").path)
        #expect(missing?.errors.first?.problem.hasPrefix("is missing") == true)
    }

    @Test("the calendar warns, a year ahead, when bank holidays or term dates run out")
    func calendarRunningOut() throws {
        let late = try ShippedPolicies.load(now: RFC3339.parse("2028-03-01T12:00:00Z")!)
        #expect(late.warnings.map(\.field).sorted() == ["bankHolidays", "schoolTerms.995", "schoolTerms.996"])
        #expect(late.warnings.first { $0.field == "bankHolidays" }?.problem
            == "bank holidays are listed only until 2028; add the next year's (deadlines err early without them)")
        #expect(late.warnings.first { $0.field == "schoolTerms.995" }?.problem
            == "term dates end 2028-07-21; add the next year's (school-day deadlines err early without them)")
    }

    @Test("a registered school in an authority without term dates is a warning: the default authority's are used")
    func schoolWithoutTermDates() throws {
        var school = SampleAgencies.academy
        school.id = AgencyID(rawValue: "school-fenside-primary")!
        school.codes = ["urn": "990301", "la": "997"]
        let policies = try ShippedPolicies.load(agencies: SampleAgencies.all + [school])
        #expect(policies.warnings.map(\.problem) == ["no term dates for local authority 997, which has registered schools; the default authority's are used"])
    }

    @Test("the policy version is a digest of the files: the same files give the same version, a change gives another")
    func version() throws {
        var given: [String: (path: String, text: String)] = [:]
        for name in PolicySet.files { given[name] = ("policies/\(name)", ShippedPolicies.texts[name]!) }
        let first = try PolicySet.parse(texts: given, agencies: SampleAgencies.all, now: ShippedPolicies.now)
        #expect(first.version == (try ShippedPolicies.load()).version)
        given["outcomes.yaml"]!.text += "\n# a comment\n"
        let second = try PolicySet.parse(texts: given, agencies: SampleAgencies.all, now: ShippedPolicies.now)
        #expect(second.version != first.version)
    }

    @Test("the hand-built sample agencies mirror the agency registry files")
    func sampleAgenciesMirrorTheRegistry() throws {
        let folder = RepositoryRoot.file("agencies")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".yaml") }.sorted()
        #expect(names.count == SampleAgencies.all.count)
        for name in names {
            let text = try String(contentsOfFile: (folder as NSString).appendingPathComponent(name), encoding: .utf8)
            func value(_ key: String) -> String? {
                text.components(separatedBy: "\n").first { $0.hasPrefix("\(key): ") }.map { String($0.dropFirst(key.count + 2)) }
            }
            let agency = try #require(SampleAgencies.all.first { $0.id.rawValue == value("id") }, "\(name)")
            #expect(value("type") == agency.type.rawValue)
            #expect(value("name") == agency.name)
            for (code, codeValue) in agency.codes { #expect(value("codes")?.contains("\(code): \"\(codeValue)\"") == true, "\(name) \(code)") }
            #expect(text.components(separatedBy: "\n").filter { $0.hasPrefix("  - { level:") }.count == agency.escalation.count, "\(name)")
        }
    }
}

/// The 1-based line on which `marker` first occurs in `text`, after the line holding `after`.
func line(of marker: String, in text: String, after: String? = nil) -> Int? {
    let lines = text.components(separatedBy: "\n")
    var start = 0
    if let after {
        guard let index = lines.firstIndex(where: { $0.contains(after) }) else { return nil }
        start = index
    }
    for index in start..<lines.count where lines[index].contains(marker) { return index + 1 }
    return nil
}
