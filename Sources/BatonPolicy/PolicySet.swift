import BatonCore
import Crypto
import Foundation
import Yams

/// Every policy file of a hub, loaded and checked together (`policies/`):
///
/// | File | What |
/// | --- | --- |
/// | `calendar.yaml` | time zone, working and school hours, bank holidays, term dates |
/// | `sla.yaml` | deadline classes: how long each step may take, how escalation climbs |
/// | `routing.yaml` | who gets an item for each message, for what purpose, to which deadlines |
/// | `outcomes.yaml` | outcome codes, which need a manager's sign-off, what the referrer is told |
/// | `areas.yaml` | which local authority each postcode district belongs to |
/// | `cumulative-harm.yaml` | counters over a child's chronology and the thresholds that alert the MASH |
/// | `labels.yaml` | the section labels messages may carry, and what each holds |
/// | `need-to-know.yaml` | which sections each recipient of an item may see (permit, forbid, default deny) |
/// | `consent.yaml` | which item purposes each consent purpose covers |
/// | `access.yaml` | which agencies may act in which role (auditor, administrator, ...) |
/// | `strategy-discussions.yaml` | who convenes and is invited, how soon, what a record must show, what raises one |
///
/// Loading is all-or-nothing, like the agency registry: every problem in every file is reported
/// with file, line and field, and a hub with a bad policy does not start.
///
/// ```swift
/// let policies = try PolicySet.load(directory: "policies", agencies: Array(registry.agencies.values))
/// ```
public struct PolicySet: Sendable {
    public let calendar: WorkCalendar
    public let sla: SLAPolicy
    public let routing: RoutingPolicy
    public let outcomes: OutcomePolicy
    public let areas: AreaPolicy
    public let cumulativeHarm: CumulativeHarmPolicy
    public let needToKnow: NeedToKnowPolicy
    public let access: AccessPolicy
    public let strategyDiscussions: StrategyDiscussionPolicy
    /// SHA-256 over the files' bytes, in name order: the policy version recorded with decisions.
    public let version: String
    /// The files' texts by name, kept in the store under ``version``.
    public let files: [String: String]
    /// Problems that do not stop the hub but an operator should fix (a calendar running out).
    public let warnings: [ConfigurationError]

    public static let files = [
        "calendar.yaml", "sla.yaml", "routing.yaml", "outcomes.yaml", "areas.yaml", "cumulative-harm.yaml", "labels.yaml", "need-to-know.yaml",
        "consent.yaml", "access.yaml", "strategy-discussions.yaml",
    ]

    /// Loads and cross-checks the policy folder against the registered `agencies`. `now` is used
    /// only to warn about a calendar that is running out.
    public static func load(directory: String, agencies: [Agency], now: Date = Date()) throws(ConfigurationErrors) -> PolicySet {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ConfigurationErrors([ConfigurationError(file: directory, line: nil, field: "",
                problem: "the policy folder does not exist (set --policies or BATON_POLICIES)")])
        }
        var texts: [String: (path: String, text: String)] = [:]
        var errors: [ConfigurationError] = []
        for name in files {
            let path = (directory as NSString).appendingPathComponent(name)
            guard let data = FileManager.default.contents(atPath: path) else {
                errors.append(ConfigurationError(file: path, line: nil, field: "", problem: "is missing: every hub needs \(files.joined(separator: ", "))"))
                continue
            }
            guard let text = String(data: data, encoding: .utf8) else {
                errors.append(ConfigurationError(file: path, line: nil, field: "", problem: "cannot be read as UTF-8 text"))
                continue
            }
            texts[name] = (path, text)
        }
        guard errors.isEmpty else { throw ConfigurationErrors(errors) }
        return try parse(texts: texts, agencies: agencies, now: now)
    }

    /// Parses the files given as name → (path, text).
    public static func parse(texts: [String: (path: String, text: String)], agencies: [Agency], now: Date = Date()) throws(ConfigurationErrors) -> PolicySet {
        var errors: [ConfigurationError] = []
        func document(_ name: String, fields: Set<String>, _ body: (YAMLReader.Mapping, inout YAMLReader) -> Void) {
            guard let (path, text) = texts[name] else {
                errors.append(ConfigurationError(file: name, line: nil, field: "", problem: "is missing"))
                return
            }
            var reader = YAMLReader(file: path)
            if let root = reader.parse(text), let map = reader.mapping(root, field: "", allowed: fields) { body(map, &reader) }
            errors.append(contentsOf: reader.errors)
        }
        var calendar: WorkCalendar?
        var sla = SLAPolicy(classes: [:])
        var routing: RoutingPolicy?
        var outcomes = OutcomePolicy(codes: [:])
        var areas = AreaPolicy(authorities: [])
        var cumulativeHarm = CumulativeHarmPolicy()
        var vocabulary = LabelVocabulary()
        var needToKnow = NeedToKnowPolicy()
        var consentCovers: [String: Set<String>] = [:]
        var access = AccessPolicy()
        var strategyDiscussions = StrategyDiscussionPolicy()
        document("calendar.yaml", fields: CalendarPolicy.fields) { calendar = CalendarPolicy.read($0, &$1) }
        document("sla.yaml", fields: ["classes"]) { sla = SLAPolicy.read($0, &$1) }
        document("routing.yaml", fields: ["triage", "purposes", "rules"]) { routing = RoutingPolicy.read($0, &$1) }
        document("outcomes.yaml", fields: ["codes"]) { outcomes = OutcomePolicy.read($0, &$1) }
        document("areas.yaml", fields: ["localAuthorities"]) { areas = AreaPolicy.read($0, &$1) }
        document("cumulative-harm.yaml", fields: ["counters", "alerts"]) { cumulativeHarm = CumulativeHarmPolicy.read($0, &$1) }
        document("labels.yaml", fields: ["labels"]) { vocabulary = LabelVocabulary.read($0, &$1) }
        document("need-to-know.yaml", fields: ["rules"]) { needToKnow = NeedToKnowPolicy.read($0, &$1, vocabulary: vocabulary) }
        document("consent.yaml", fields: ["purposes"]) { consentCovers = ConsentPolicy.read($0, &$1) }
        document("access.yaml", fields: ["roles"]) { access = AccessPolicy.read($0, &$1) }
        document("strategy-discussions.yaml", fields: StrategyDiscussionPolicy.fields) { strategyDiscussions = StrategyDiscussionPolicy.read($0, &$1) }
        needToKnow.consentCovers = consentCovers

        var warnings: [ConfigurationError] = []
        errors += access.crossCheck(agencies: Set(agencies.map(\.id)), file: texts["access.yaml"]?.path ?? "access.yaml")
        errors += strategyDiscussions.crossCheck(
            sla: sla, counters: Set(cumulativeHarm.counters.map(\.name)), agencies: Set(agencies.map(\.id)),
            file: texts["strategy-discussions.yaml"]?.path ?? "strategy-discussions.yaml")
        if let routing {
            errors += crossCheck(routing: routing, sla: sla, agencies: agencies, file: texts["routing.yaml"]?.path ?? "routing.yaml")
            errors += needToKnow.crossCheck(
                purposes: Set(routing.purposes.keys).union(SystemPurpose.all), agencies: Set(agencies.map(\.id)),
                file: texts["need-to-know.yaml"]?.path ?? "need-to-know.yaml")
            errors += ConsentPolicy.crossCheck(
                consentCovers, purposes: Set(routing.purposes.keys).union(SystemPurpose.all), file: texts["consent.yaml"]?.path ?? "consent.yaml")
        }
        if let calendar {
            warnings += calendarWarnings(calendar, now: now, file: texts["calendar.yaml"]?.path ?? "calendar.yaml")
            let schoolAuthorities = Set(agencies.filter { $0.type == .school }.compactMap { $0.codes["la"] })
            for authority in schoolAuthorities.sorted() where calendar.schoolCalendars[authority] == nil {
                warnings.append(ConfigurationError(file: texts["calendar.yaml"]?.path ?? "calendar.yaml", line: nil, field: "schoolTerms",
                    problem: "no term dates for local authority \(authority), which has registered schools; the default authority's are used"))
            }
        }
        guard errors.isEmpty, let calendar, let routing else { throw ConfigurationErrors(errors) }
        var digestInput = Data()
        for name in files { digestInput.append(Data((texts[name]?.text ?? "").utf8)); digestInput.append(0) }
        return PolicySet(
            calendar: calendar, sla: sla, routing: routing, outcomes: outcomes, areas: areas, cumulativeHarm: cumulativeHarm, needToKnow: needToKnow,
            access: access, strategyDiscussions: strategyDiscussions, version: Array(SHA256.hash(data: digestInput)).hexString,
            files: texts.mapValues(\.text), warnings: warnings)
    }

    static func crossCheck(routing: RoutingPolicy, sla: SLAPolicy, agencies: [Agency], file: String) -> [ConfigurationError] {
        var errors: [ConfigurationError] = []
        let byID = Dictionary(uniqueKeysWithValues: agencies.map { ($0.id, $0) })
        if let triage = byID[routing.triage] {
            if triage.type != .socialCare {
                errors.append(ConfigurationError(file: file, line: routing.triageLine, field: "triage", problem: "'\(routing.triage)' is not a social-care agency (the MASH)"))
            }
        } else {
            errors.append(ConfigurationError(file: file, line: routing.triageLine, field: "triage", problem: "'\(routing.triage)' is not in the agency registry"))
        }
        for (name, purpose) in routing.purposes.sorted(by: { $0.key < $1.key }) where sla[purpose.deadlines]?.outcome == nil {
            errors.append(ConfigurationError(file: file, line: purpose.line, field: "purposes.\(name).deadlines",
                problem: sla[purpose.deadlines] == nil ? "'\(purpose.deadlines)' is not a class in sla.yaml" : "class '\(purpose.deadlines)' has no outcome deadline"))
        }
        for (index, rule) in routing.rules.enumerated() {
            for (sendIndex, send) in rule.send.enumerated() {
                let field = "rules[\(index)].send[\(sendIndex)]"
                if routing.purposes[send.purpose] == nil {
                    errors.append(ConfigurationError(file: file, line: rule.line, field: "\(field).purpose",
                        problem: "'\(send.purpose)' is not listed under purposes"))
                }
                if sla[send.deadlines] == nil {
                    errors.append(ConfigurationError(file: file, line: rule.line, field: "\(field).deadlines",
                        problem: "'\(send.deadlines)' is not a class in sla.yaml (classes: \(sla.classes.keys.sorted().joined(separator: ", ")))"))
                } else if let deadlineClass = sla[send.deadlines], deadlineClass.outcome == nil {
                    errors.append(ConfigurationError(file: file, line: rule.line, field: "\(field).deadlines",
                        problem: "class '\(send.deadlines)' has no outcome deadline; routed work must have one"))
                }
                if case .agency(let id) = send.to, byID[id] == nil {
                    errors.append(ConfigurationError(file: file, line: rule.line, field: "\(field).to", problem: "'\(id)' is not in the agency registry"))
                }
            }
            if let senders = rule.when.senders {
                for sender in senders.sorted() where byID[sender] == nil {
                    errors.append(ConfigurationError(file: file, line: rule.line, field: "rules[\(index)].when.sender", problem: "'\(sender)' is not in the agency registry"))
                }
            }
        }
        return errors
    }

    static func calendarWarnings(_ calendar: WorkCalendar, now: Date, file: String) -> [ConfigurationError] {
        var warnings: [ConfigurationError] = []
        let horizon = calendar.localDate(of: now).adding(days: 365)
        if let years = calendar.bankHolidayYears, years.upperBound < horizon.year {
            warnings.append(ConfigurationError(file: file, line: nil, field: "bankHolidays",
                problem: "bank holidays are listed only until \(years.upperBound); add the next year's (deadlines err early without them)"))
        }
        for (authority, school) in calendar.schoolCalendars.sorted(by: { $0.key < $1.key }) {
            if let coverage = school.coverage, coverage.upperBound < horizon {
                warnings.append(ConfigurationError(file: file, line: nil, field: "schoolTerms.\(authority)",
                    problem: "term dates end \(coverage.upperBound); add the next year's (school-day deadlines err early without them)"))
            }
        }
        return warnings
    }
}
