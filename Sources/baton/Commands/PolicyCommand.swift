import ArgumentParser
import BatonCore
import BatonPolicy
import BatonSigning
import Foundation

struct PolicyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy",
        abstract: "Work with the policy files (calendar, deadlines, routing, outcomes, areas, need-to-know, consent).",
        subcommands: [Check.self, Test.self, Explain.self])

    struct Test: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run need-to-know fixtures: for each, which sections a recipient must see.",
            discussion: """
                Each fixture (a YAML list in FOLDER/*.yaml) names a recipient, the item's
                purpose, the message's kind, sender, risk and consent, its section labels,
                and which of them the recipient must see; every other listed section must be
                withheld. Prints each failure with the rule that decided it and exits 1 if
                any fails.

                Example:
                  baton policy test policies/tests --policies ./policies --agencies ./agencies
                """)

        @Argument(help: "Folder of fixture files (default ./policies/tests).")
        var folder: String = "./policies/tests"

        @OptionGroup var folders: PolicyFolders

        func run() async throws {
            let (registry, set) = try folders.load()
            let fixtures: [NeedToKnowFixture]
            do { fixtures = try NeedToKnowFixture.load(directory: folder, agencies: Array(registry.agencies.values)) } catch {
                throw Output.configurationErrors(error, what: "the fixtures at \(folder)")
            }
            let failures = fixtures.compactMap { $0.run(set.needToKnow) }
            for failure in failures { print("FAIL \(failure)") }
            print("\(fixtures.count - failures.count) of \(fixtures.count) fixtures pass (policy version \(set.version.prefix(12)))")
            if !failures.isEmpty { throw ExitCode(1) }
        }
    }

    struct Explain: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show, for a message and a recipient, each section's decision and the rule behind it.",
            discussion: """
                Reads a message payload (the JSON an agency signs), and decides each of its
                sections for the recipient and the item's purpose, as the hub would: shown
                or withheld, the rule that decided it (or default deny), and the lawful
                basis. Also says whether the referrer's identity and do-not-inform persons
                would be shown.

                Example:
                  baton policy explain --message referral.json --recipient school-ashgrove-primary --purpose assess-and-act
                """)

        @Option(help: "The message payload (JSON).")
        var message: String

        @Option(help: "The recipient agency id.")
        var recipient: String

        @Option(help: "The item's purpose (routing.yaml's purposes, or triage, ...).")
        var purpose: String

        @Option(help: "The role of the person reading (lead, mash-manager, auditor, administrator); without it, the decision made for the agency when the item is made.")
        var role: String?

        @OptionGroup var folders: PolicyFolders

        func run() async throws {
            var staffRole: StaffRole?
            if let role {
                guard let named = StaffRole(rawValue: role) else {
                    throw CLIError("--role must be one of \(StaffRole.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                staffRole = named
            }
            let (registry, set) = try folders.load()
            guard let agencyID = AgencyID(rawValue: recipient), let agency = registry.agency(agencyID) else {
                throw CLIError("'\(recipient)' is not an agency in the registry")
            }
            guard let data = FileManager.default.contents(atPath: message) else { throw CLIError("cannot read \(message)") }
            let payload: JSONValue
            do { payload = try StrictJSON.parse(Array(data)) } catch { throw CLIError("\(message) is not valid JSON: \(error)") }
            let parsed: Message
            switch MessageValidator.validate(payload) {
            case .success(let valid): parsed = valid
            case .failure(let rejection):
                throw CLIError("\(message) is not a valid message:\n" + rejection.problems.map { "  \($0)" }.joined(separator: "\n"))
            }
            let risk: RiskLevel? = if case .referral(let concern) = parsed.body { concern.risk.level } else { nil }
            let request = NeedToKnowPolicy.Request(
                recipient: agency.id, recipientType: agency.type, purpose: purpose, kind: parsed.kind,
                senderType: registry.agency(parsed.from.agency)?.type ?? .other, risk: risk, consent: parsed.consent, role: staffRole)
            let reader = staffRole.map { " as \($0.rawValue)" } ?? ""
            print("\(parsed.kind.rawValue) from \(parsed.from.agency), read by \(agency.id) (\(agency.type.rawValue))\(reader) for \(purpose)")
            print("policy version \(set.version.prefix(12)); lawful basis \(parsed.consent?.basis.rawValue ?? "none recorded")")
            for section in parsed.sections {
                let decision = set.needToKnow.decide(section.label, for: request)
                print("  \(decision.shown ? "shown   " : "withheld") \(section.label)  [\(decision.rule ?? "default deny")] \(decision.reason)")
            }
            if parsed.sections.isEmpty { print("  (the message has no labelled sections)") }
            let mash = agency.type == .socialCare
            if parsed.referrerAnonymous { print("  referrer's identity: \(mash ? "shown (MASH)" : "withheld (anonymous referrer)")") }
            if !parsed.doNotInform.isEmpty {
                print("  do-not-inform persons (\(parsed.doNotInform.joined(separator: ", "))): \(mash ? "shown, marked (MASH)" : "withheld")")
            }
        }
    }

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate a policy folder against an agency registry the way 'baton serve' does at start-up.",
            discussion: """
                Prints every problem with file, line and field and exits 78 if there is any;
                prints warnings (a calendar running out within a year, schools without term
                dates) without failing.

                Example:
                  baton policy check --policies ./policies --agencies ./agencies
                """)

        @OptionGroup var folders: PolicyFolders

        func run() async throws {
            let (_, set) = try folders.load()
            print("\(folders.policyFolder): no problems (policy version \(set.version.prefix(12)))")
            print("  routing: \(set.routing.rules.count) rules, \(set.routing.purposes.count) purposes, triage inbox \(set.routing.triage)")
            print("  deadlines: \(set.sla.classes.count) classes; outcomes: \(set.outcomes.codes.count) codes; areas: \(set.areas.authorities.count) local authorities")
            print("  need-to-know: \(set.needToKnow.rules.count) rules over \(set.needToKnow.vocabulary.labels.count) labels; cumulative harm: \(set.cumulativeHarm.counters.count) counters, \(set.cumulativeHarm.alerts.count) alerts")
            let holidays = set.calendar.bankHolidayYears.map { "\($0.lowerBound)–\($0.upperBound)" } ?? "none"
            print("  calendar: \(set.calendar.timeZone.identifier), bank holidays \(holidays), term dates for \(set.calendar.schoolCalendars.count) authorities")
            for warning in set.warnings { print("  warning: \(warning)") }
        }
    }
}

/// The policy and agency folders every `policy` subcommand reads.
struct PolicyFolders: ParsableArguments {
    @Option(help: "Policy folder (env BATON_POLICIES; default ./policies).")
    var policies: String?

    @Option(help: "Agency registry folder (env BATON_AGENCIES; default ./agencies).")
    var agencies: String?

    var agencyFolder: String { Environment.value(agencies, "BATON_AGENCIES", default: "./agencies") }
    var policyFolder: String { Environment.value(policies, "BATON_POLICIES", default: "./policies") }

    /// Loads the registry and the policy folder the way `serve` does, or exits 78 with every problem.
    func load() throws -> (AgencyRegistry, PolicySet) {
        let registry: AgencyRegistry
        do { registry = try AgencyRegistry.load(directory: agencyFolder) } catch {
            throw Output.configurationErrors(error, what: "the agency registry at \(agencyFolder)")
        }
        do { return (registry, try PolicySet.load(directory: policyFolder, agencies: Array(registry.agencies.values))) } catch {
            throw Output.configurationErrors(error, what: "the policies at \(policyFolder)")
        }
    }
}
