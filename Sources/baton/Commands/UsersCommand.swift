import ArgumentParser
import BatonAudit
import BatonCore
import BatonPolicy
import BatonServer
import BatonSigning
import BatonStore
import Foundation

/// `baton users add|disable|enable|reset|list`: the people who sign in to the web UI.
struct UsersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "users",
        abstract: "Create and manage the people who sign in to the web UI.",
        discussion: """
            Each account belongs to one agency in one role: lead (a designated safeguarding lead, a MASH social worker), \
            mash-manager, auditor or administrator; policies/access.yaml says which agencies may have each role. \
            Passwords are kept as bcrypt hashes. Every change is written to the hub's audit log. Safe to run while the hub runs.

            Examples:
              echo 'a long passphrase here' | baton users add dsl.ashgrove --name "Priya Nair" --agency school-ashgrove-primary --role lead --password-stdin
              baton users reset dsl.ashgrove            (prints a new random password; unlocks; ends sessions)
              baton users disable dsl.ashgrove          (ends sessions at once)
            """,
        subcommands: [Add.self, Disable.self, Enable.self, Reset.self, List.self])

    struct Location: ParsableArguments {
        @Option(help: "The hub's SQLite database (env BATON_DATABASE; default ./baton.sqlite).")
        var database: String?
        @Option(name: .customLong("hub-key"), help: "The hub's key file, which signs the audit log's tree heads (default <database>.hub-key.jwk).")
        var hubKey: String?
        @Option(help: "Agency registry folder (env BATON_AGENCIES; default ./agencies).")
        var agencies: String?
        @Option(help: "Policy folder, for policies/access.yaml (env BATON_POLICIES; default ./policies).")
        var policies: String?
        @Option(help: "bcrypt cost (work factor), 10–16.")
        var cost: UInt8 = 12

        func admin() throws -> (WebAccountAdmin, SQLiteStore) {
            let path = Environment.value(database, "BATON_DATABASE", default: "./baton.sqlite")
            let agenciesDirectory = Environment.value(agencies, "BATON_AGENCIES", default: "./agencies")
            let policiesDirectory = Environment.value(policies, "BATON_POLICIES", default: "./policies")
            guard (10...16).contains(cost) else { throw CLIError("--cost must be between 10 and 16") }
            let registry: AgencyRegistry
            do { registry = try AgencyRegistry.load(directory: agenciesDirectory) } catch {
                throw Output.configurationErrors(error, what: agenciesDirectory)
            }
            let policySet: PolicySet
            do { policySet = try PolicySet.load(directory: policiesDirectory, agencies: Array(registry.agencies.values)) } catch {
                throw Output.configurationErrors(error, what: policiesDirectory)
            }
            let keyPath = hubKey ?? path + ".hub-key.jwk"
            let key: HubKey
            do { key = try HubKey.loadOrCreate(path: keyPath).0 } catch { throw CLIError("cannot read the hub key at \(keyPath): \(error)") }
            let store = try SQLiteStore(path: path, treeHeadSigner: { size, root, at in try SignedTreeHead(size: size, root: root, at: at).sign(with: key) })
            return (WebAccountAdmin(store: store, registry: registry, access: policySet.access, cost: cost), store)
        }
    }

    static func password(fromStdin: Bool) throws -> (String, generated: Bool) {
        guard fromStdin else { return (WebAccountAdmin.randomPassword(), true) }
        guard let line = readLine(strippingNewline: true), !line.isEmpty else { throw CLIError("--password-stdin: no password on standard input") }
        return (line, false)
    }

    static func run(_ body: (WebAccountAdmin) async throws -> Void, location: Location) async throws {
        let (admin, store) = try location.admin()
        do {
            try await body(admin)
            try await store.close()
        } catch let failure as WebAccountAdmin.Failure {
            try? await store.close()
            throw CLIError(failure.description)
        } catch {
            try? await store.close()
            throw error
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an account (prints a random password unless --password-stdin).")
        @Argument(help: "The sign-in name: lower-case letters, digits, '.', '-', '_'.") var username: String
        @Option(help: "The person's name, as shown to colleagues and recorded on what they do.") var name: String
        @Option(help: "The agency they work for (its id in the registry).") var agency: String
        @Option(help: "lead, mash-manager, auditor or administrator.") var role: String
        @Flag(help: "Read the password (at least 12 characters) from the first line of standard input.") var passwordStdin = false
        @OptionGroup var location: Location

        func run() async throws {
            let (password, generated) = try UsersCommand.password(fromStdin: passwordStdin)
            try await UsersCommand.run({ admin in
                let user = try await admin.add(username: username, displayName: name, agency: agency, role: role, password: password)
                print("created \(user.username): \(user.displayName), \(user.agency) (\(user.role.rawValue))")
                if generated { print("password (shown once; give it to them privately): \(password)") }
            }, location: location)
        }
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Disable an account and end its sessions.")
        @Argument var username: String
        @OptionGroup var location: Location
        func run() async throws {
            try await UsersCommand.run({ admin in
                let user = try await admin.setDisabled(username, true)
                print("disabled \(user.username); their sessions have ended")
            }, location: location)
        }
    }

    struct Enable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Enable a disabled account again.")
        @Argument var username: String
        @OptionGroup var location: Location
        func run() async throws {
            try await UsersCommand.run({ admin in
                let user = try await admin.setDisabled(username, false)
                print("enabled \(user.username)")
            }, location: location)
        }
    }

    struct Reset: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Set a new password, unlock the account and end its sessions.")
        @Argument var username: String
        @Flag(help: "Read the new password from the first line of standard input (otherwise a random one is printed).") var passwordStdin = false
        @OptionGroup var location: Location
        func run() async throws {
            let (password, generated) = try UsersCommand.password(fromStdin: passwordStdin)
            try await UsersCommand.run({ admin in
                let user = try await admin.reset(username, password: password)
                print("reset \(user.username): unlocked, sessions ended")
                if generated { print("new password (shown once): \(password)") }
            }, location: location)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List accounts (never passwords).")
        @OptionGroup var location: Location
        func run() async throws {
            try await UsersCommand.run({ admin in
                for user in try await admin.list() {
                    var state = user.disabled ? "disabled" : "active"
                    if let locked = user.lockedUntil, locked > Date() { state = "locked until \(RFC3339.format(locked))" }
                    print("\(user.username)\t\(user.agency)\t\(user.role.rawValue)\t\(state)\t\(user.displayName)")
                }
            }, location: location)
        }
    }
}
