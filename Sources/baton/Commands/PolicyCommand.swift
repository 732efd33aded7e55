import ArgumentParser
import BatonCore
import BatonPolicy
import BatonSigning
import Foundation

struct PolicyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy",
        abstract: "Work with the policy files (calendar, deadlines, routing, outcomes, areas).",
        subcommands: [Check.self])

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate a policy folder against an agency registry the way 'baton serve' does at start-up.",
            discussion: """
                Prints every problem with file, line and field and exits 78 if there is any; prints
                warnings (a calendar running out within a year, schools without term dates) without
                failing.

                Example:
                  baton policy check --policies ./policies --agencies ./agencies
                """)

        @Option(help: "Policy folder (env BATON_POLICIES; default ./policies).")
        var policies: String?

        @Option(help: "Agency registry folder (env BATON_AGENCIES; default ./agencies).")
        var agencies: String?

        func run() async throws {
            let agencyFolder = Environment.value(agencies, "BATON_AGENCIES", default: "./agencies")
            let policyFolder = Environment.value(policies, "BATON_POLICIES", default: "./policies")
            let registry: AgencyRegistry
            do { registry = try AgencyRegistry.load(directory: agencyFolder) } catch {
                throw Output.configurationErrors(error, what: "the agency registry at \(agencyFolder)")
            }
            let set: PolicySet
            do { set = try PolicySet.load(directory: policyFolder, agencies: Array(registry.agencies.values)) } catch {
                throw Output.configurationErrors(error, what: "the policies at \(policyFolder)")
            }
            print("\(policyFolder): no problems (policy version \(set.version.prefix(12)))")
            print("  routing: \(set.routing.rules.count) rules, \(set.routing.purposes.count) purposes, triage inbox \(set.routing.triage)")
            print("  deadlines: \(set.sla.classes.count) classes; outcomes: \(set.outcomes.codes.count) codes; areas: \(set.areas.authorities.count) local authorities")
            let holidays = set.calendar.bankHolidayYears.map { "\($0.lowerBound)–\($0.upperBound)" } ?? "none"
            print("  calendar: \(set.calendar.timeZone.identifier), bank holidays \(holidays), term dates for \(set.calendar.schoolCalendars.count) authorities")
            for warning in set.warnings { print("  warning: \(warning)") }
        }
    }
}
