import ArgumentParser
import BatonCore
import BatonIdentity
import BatonStore
import Foundation

struct IdentityCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "identity",
        abstract: "Work with the identity model (policies/identity.yaml).",
        subcommands: [Estimate.self])

    struct Estimate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-estimate the Fellegi–Sunter parameters from the hub's own records, as Splink does.",
            discussion: """
                Reads every linked mention's normalised record from the database, estimates
                u (how often each field agrees by chance) from random pairs, m (how often it
                agrees for the same person) by expectation–maximisation over pairs that
                share a date of birth and pairs that share a surname and initial, and the
                prior. Keeps the thresholds of the current model. Prints the new
                identity.yaml, or writes it with --output; review it (`git diff`) and
                restart the hub to use it.

                Stop the hub first, or point --database at a backup: the estimate reads a
                snapshot.

                Example:
                  baton identity estimate --database baton.sqlite --policies ./policies --output policies/identity.yaml
                """)

        @Option(help: "The hub's SQLite database (env BATON_DATABASE; default ./baton.sqlite).")
        var database: String?

        @Option(help: "Policy folder holding the current identity.yaml and identity/nicknames.csv (env BATON_POLICIES; default ./policies).")
        var policies: String?

        @Option(help: "Write the new model here instead of printing it.")
        var output: String?

        @Option(help: "Random pairs used to estimate u.")
        var randomPairs: Int = 300_000

        @Option(help: "EM iterations per training session.")
        var iterations: Int = 25

        func validate() throws {
            guard randomPairs >= 1_000 else { throw ValidationError("--random-pairs must be at least 1000.") }
            guard (1...500).contains(iterations) else { throw ValidationError("--iterations must be from 1 to 500.") }
        }

        func run() async throws {
            let policyFolder = Environment.value(policies, "BATON_POLICIES", default: "./policies")
            let path = Environment.value(database, "BATON_DATABASE", default: "./baton.sqlite")
            let policy: IdentityPolicy
            do { policy = try IdentityPolicy.load(directory: policyFolder) } catch {
                throw Output.configurationErrors(error, what: "the identity policy at \(policyFolder)")
            }
            guard FileManager.default.fileExists(atPath: path) else {
                Output.error("\(path): no such database (set --database or BATON_DATABASE)")
                throw ExitCode(66)
            }
            let store = try SQLiteStore(path: path)
            let index = PersonIndex(nicknames: policy.nicknames)
            let decoder = JSONDecoder()
            let records = try await store.read { reader in
                var records: [(MatchRecord, PersonID)] = []
                try reader.forEachMatchRecord { person, _, json in
                    if let record = try? decoder.decode(MatchRecord.self, from: Data(json.utf8)) { records.append((record, person)) }
                }
                return records
            }
            try await store.close()
            for (record, person) in records { index.add(record, person: UUID(uuidString: person.rawValue)!) }
            guard records.count >= 100 else {
                Output.error("\(path) holds \(records.count) linked mentions; estimating needs at least 100. The current model stays.")
                throw ExitCode(65)
            }
            let estimator = Estimator(comparator: Comparator(nicknames: policy.nicknames), randomPairs: randomPairs, iterations: iterations)
            let report = estimator.estimate(from: index, starting: policy.model)
            let header = """
                Identity resolution: the Fellegi–Sunter model the hub links mentions with (docs/identity.md).
                Estimated by `baton identity estimate` from \(report.records) records (\(report.blockedPairs) blocked pairs,
                about \(Int(report.expectedMatches.rounded())) expected matches) on \(RFC3339.format(Date())).
                m: probability of each agreement level for the same person; u: for two different people.
                Thresholds are policy, kept from the previous model.
                """
            let yaml = report.model.yaml(header: header)
            // Refuse to write a model the hub would refuse to load.
            _ = try MatchModel.load(yaml, file: output ?? "identity.yaml")
            if let output {
                try yaml.write(toFile: output, atomically: true, encoding: .utf8)
                FileHandle.standardError.write(Data("wrote \(output): \(report.records) records, \(report.blockedPairs) blocked pairs, prior \(String(format: "%.3g", report.model.prior))\n".utf8))
            } else {
                print(yaml, terminator: "")
            }
        }
    }
}
