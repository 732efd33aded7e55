import ArgumentParser
import BatonCore
import BatonSigning
import Foundation

struct AgenciesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agencies",
        abstract: "Work with the agency registry.",
        subcommands: [Check.self])

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate an agency registry folder the way 'baton serve' does at start-up.",
            discussion: "Prints every problem with file, line and field, and exits 78 if there is any.")

        @Option(help: "Agency registry folder (env BATON_AGENCIES; default ./agencies).")
        var agencies: String?

        func run() async throws {
            let directory = Environment.value(agencies, "BATON_AGENCIES", default: "./agencies")
            do {
                let registry = try AgencyRegistry.load(directory: directory)
                print("\(directory): \(registry.agencies.count) agencies, \(registry.allKeys.count) keys, no problems")
                for agency in registry.agencies.values.sorted(by: { $0.id < $1.id }) {
                    let keys = registry.allKeys.filter { $0.agency == agency.id }.map(\.kid).joined(separator: ", ")
                    print("  \(agency.id) (\(agency.type.rawValue)): \(agency.name); keys: \(keys)")
                }
            } catch {
                throw Output.configurationErrors(error, what: directory)
            }
        }
    }
}
