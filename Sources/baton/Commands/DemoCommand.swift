import ArgumentParser
import AsyncHTTPClient
import BatonCore
import BatonServer
import BatonSigning
import BatonSynthetic
import Foundation
import Logging
import Prometheus
import ServiceLifecycle

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run a hub with the sample agencies and feed it synthetic traffic.",
        discussion: """
            Starts the hub on a SQLite file (a temporary one unless --database is given)
            with the sample agencies in ./agencies and the policies in ./policies, then
            signs and submits realistic, entirely fictional referrals and notifications
            with the demo keys in ./demo/keys, over HTTP, as the agencies' systems
            would. Meanwhile the agencies work their inboxes: they fetch their items,
            acknowledge, decide, put some on hold, record outcomes and sign them off,
            reject a few and leave some untouched so that deadlines pass and escalations
            climb. Run it from the repository root. Ctrl-C stops it.

            The demo keys are for this demo only: they are public in the repository, so
            a real hub must never register them.

            Examples:
              swift run baton demo
              swift run baton demo --port 9090 --database ./demo.sqlite --messages 100 --interval 2
            """)

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on.")
    var port = 8080

    @Option(help: "Agency registry folder.")
    var agencies = "./agencies"

    @Option(help: "Policy folder.")
    var policies = "./policies"

    @Option(name: .customLong("demo-keys"), help: "Folder of the sample agencies' private demo keys.")
    var demoKeys = "./demo/keys"

    @Option(help: "SQLite database file (default: a new temporary file).")
    var database: String?

    @Option(help: "Messages to send at start.")
    var messages = 40

    @Option(help: "Seconds between messages after the first batch (0: send no more).")
    var interval: Double = 5

    @Option(help: "Seed for the synthetic traffic (the same seed gives the same children).")
    var seed: UInt64 = 2026

    @Option(name: .customLong("log-level"), help: "Hub log level (default warning, to keep the demo's output readable).")
    var logLevel = "warning"

    func run() async throws {
        try await reportingErrors {
            let keys = try loadDemoKeys()
            var configuration = HubConfiguration()
            configuration.host = host
            configuration.port = port
            configuration.agenciesDirectory = agencies
            configuration.policiesDirectory = policies
            if let database {
                configuration.database = database
            } else {
                let folder = FileManager.default.temporaryDirectory.appendingPathComponent("baton-demo-\(UUID().uuidString.prefix(8))")
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                configuration.database = folder.appendingPathComponent("baton.sqlite").path
            }
            guard let level = Logger.Level(rawValue: logLevel) else { throw CLIError("--log-level is not a log level") }
            let prometheus = PrometheusCollectorRegistry()
            let logger = Bootstrap.run(level: level, prometheus: prometheus)
            let hub: BatonHub
            do {
                hub = try await BatonHub.open(configuration: configuration, logger: logger, prometheus: prometheus)
            } catch let problem as StartupProblem {
                throw Output.configurationErrors(problem.errors, what: problem.what)
            }
            for agency in keys.keys where hub.registry.agency(agency) == nil {
                throw CLIError("demo key for \(agency) has no agency in \(agencies)")
            }

            let accounts = try await createDemoAccounts(hub: hub)

            let (ports, portContinuation) = AsyncStream<Int>.makeStream()
            let databasePath = configuration.database
            let traffic = TrafficService(ports: ports) { port in
                try await feed(hub: hub, port: port, keys: keys, database: databasePath, accounts: accounts)
            }
            let app = hub.application(services: [traffic]) { port in portContinuation.yield(port) }
            try await app.runService()
            try await hub.close()
            print("Demo stopped. The database is kept at \(configuration.database)")
        }
    }

    func loadDemoKeys() throws -> [AgencyID: KeyFile] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: demoKeys) else {
            throw CLIError("no demo keys at \(demoKeys): run 'swift run baton demo' from the repository root, or give --demo-keys")
        }
        var keys: [AgencyID: KeyFile] = [:]
        for name in names.sorted() where name.hasSuffix(".jwk") {
            // The demo keys are public in the repository by design; a checkout does not keep mode 0600.
            let key = try PayloadInput.key((demoKeys as NSString).appendingPathComponent(name), allowReadableByOthers: true)
            keys[try PayloadInput.agency(of: key)] = key
        }
        guard !keys.isEmpty else { throw CLIError("no .jwk files in \(demoKeys)") }
        return keys
    }

    /// The demo's web UI accounts (fictional people), all with the password ``demoPassword``:
    /// a lead for every agency, and the MASH's manager and auditor. Kept if the database is reused.
    static let demoPassword = "northmoor-demo-2026"

    func createDemoAccounts(hub: BatonHub) async throws -> [(String, String)] {
        let admin = WebAccountAdmin(store: hub.store, registry: hub.registry, access: hub.policies.access, cost: 10)
        let existing = Set(try await admin.list().map(\.username))
        var accounts: [(String, String, String, String)] = [
            ("manager.mash", "Morgan Ellery", "northmoor-mash", "mash-manager"),
            ("auditor", "Alex Fenwick", "northmoor-mash", "auditor"),
        ]
        let leads = ["Sam Okafor", "Jo Whitlock", "Priya Nair", "Tom Aldridge", "Ruth Kesteven", "Dev Malhotra", "Ann Petrie", "Lee Varga"]
        for (index, agency) in hub.registry.agencies.keys.sorted().enumerated() {
            accounts.insert(("lead.\(agency.rawValue)", leads[index % leads.count], agency.rawValue, "lead"), at: index)
        }
        var created: [(String, String)] = []
        for (username, name, agency, role) in accounts {
            if !existing.contains(username) {
                _ = try await admin.add(username: username, displayName: name, agency: agency, role: role, password: Self.demoPassword)
            }
            created.append((username, "\(role) at \(agency)"))
        }
        return created
    }

    func feed(hub: BatonHub, port: Int, keys: [AgencyID: KeyFile], database: String, accounts: [(String, String)]) async throws {
        let base = "http://\(host.contains(":") ? "[\(host)]" : host):\(port)"
        let uiBase = "http://\(host == "127.0.0.1" || host == "::1" ? "localhost" : host):\(port)"
        let client = HubClient(baseURL: base)
        print("""

            Baton demo hub: \(base)   (database \(database))
              Open the web UI at \(uiBase)/ui and sign in with one of these fictional accounts (password \(Self.demoPassword)):
            \(accounts.map { "    \($0.0)  (\($0.1))" }.joined(separator: "\n"))
              (Use "localhost", not 127.0.0.1: the session cookie is Secure, which browsers allow over plain HTTP only on localhost.)

              The hub's API is live too:
                curl \(base)/healthz
                curl -s \(base)/metrics | grep '^baton_'
                curl \(base)/openapi.yaml
                the MASH's inbox, most urgent first:
                  curl -s -H "Authorization: Bearer $(swift run baton token --key \(demoKeys)/northmoor-mash.jwk)" \(base)/v1/inbox
                what became of a police message:
                  swift run baton status --hub \(base) --key \(demoKeys)/police-northmoor.jwk <messageId of a police message>
                the MASH's identity review queue (uncertain matches, side by side):
                  curl -s -H "Authorization: Bearer $(swift run baton token --key \(demoKeys)/northmoor-mash.jwk)" \(base)/v1/identity/reviews
                a child's record and chronology across agencies (a person id from a receipt):
                  curl -s -H "Authorization: Bearer $(swift run baton token --key \(demoKeys)/northmoor-mash.jwk)" \(base)/v1/persons/<person>/chronology
                who saw what about that child, when, on what basis (the audit log's access log):
                  curl -s -H "Authorization: Bearer $(swift run baton token --key \(demoKeys)/northmoor-mash.jwk --role auditor)" \(base)/v1/persons/<person>/access-log
                the audit log's latest checkpoint, then verify the whole log offline:
                  curl -s \(base)/v1/audit/checkpoints/latest
                  swift run baton audit export --database \(database) --output audit.jsonl && swift run baton audit verify audit.jsonl
              Sending \(messages) synthetic messages from \(keys.count) fictional agencies\(interval > 0 ? ", then one every \(interval) s" : ""). Ctrl-C stops.

            """)
        var traffic = SyntheticTraffic(seed: seed)
        var responder = SyntheticResponder(seed: seed &+ 1)
        var first: (String, SyntheticMessage)?
        var sent = 0
        var rounds = 0
        while !Task.isCancelled {
            if sent >= messages, rounds < 3 || sent % 3 == 0 {
                rounds += 1
                try await respond(client: client, keys: keys, registry: hub.registry, responder: &responder)
            }
            let message = traffic.next(at: Date())
            guard let key = keys[message.sender] else { continue }
            let jws = try message.signed(with: key)
            let reply = try await client.submit(jws)
            let messageId = message.payload.objectValue?["messageId"]?.stringValue ?? "?"
            let sequence = reply.json?.objectValue?["sequence"]?.numberValue.map { "#\(Int($0))" } ?? "  "
            // How each child was matched: linked to a child another agency told the hub about, new, or for review.
            let matches = reply.json?.objectValue?["subjects"]?.arrayValue?.compactMap { $0.objectValue?["match"]?.stringValue } ?? []
            let matched = matches.isEmpty ? "" : "  children: " + matches.joined(separator: ", ")
            print("  \(reply.status)  \(sequence)  \(message.summary)\(matched)  messageId \(messageId)")
            if reply.status >= 300 {
                print("        refused: \(reply.json?.objectValue?["detail"]?.stringValue ?? "(no detail)")")
            }
            if first == nil { first = (jws, message) }
            sent += 1
            if sent == messages, let (firstJWS, firstMessage) = first {
                let again = try await client.submit(firstJWS)
                print("  \(again.status)  resending the first message unchanged: the hub returns its original receipt (\(firstMessage.summary))")
                var forged = Array(firstJWS.utf8)
                forged[forged.count - 5] = forged[forged.count - 5] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
                let refused = try await client.submit(String(decoding: forged, as: UTF8.self))
                print("  \(refused.status)  a copy with one signature character changed is refused: \(refused.json?.objectValue?["title"]?.stringValue ?? "")")
                print("\n  Initial batch done; \(try await hub.store.messageCount()) messages held.\n")
                if let head = try await hub.checkpoint(trigger: "demo initial batch") {
                    print("  Audit log checkpoint published: \(head.size) entries, root \(head.root.hexString.prefix(16))…\n")
                }
            }
            if sent >= messages {
                guard interval > 0 else { break }
                try await Task.sleep(for: .seconds(interval))
            } else {
                try await Task.sleep(for: .milliseconds(150))
            }
        }
        if interval <= 0 {
            print("  Traffic finished; the hub keeps running until Ctrl-C.")
            while !Task.isCancelled { try await Task.sleep(for: .seconds(3600)) }
        }
    }
}

extension DemoCommand {
    /// One round of every agency working its inbox through the API, as its staff would.
    func respond(client: HubClient, keys: [AgencyID: KeyFile], registry: AgencyRegistry, responder: inout SyntheticResponder) async throws {
        var tally: [String: Int] = [:]
        for (agency, key) in keys.sorted(by: { $0.key < $1.key }) {
            let token = try BearerToken.make(key: key)
            let inbox = try await client.get("/v1/inbox?limit=100", bearer: token)
            guard inbox.status == 200, let entries = inbox.json?.objectValue?["items"]?.arrayValue else { continue }
            for case .object(var entry) in entries {
                guard let id = entry["itemId"]?.stringValue else { continue }
                if ["requested", "received"].contains(entry["status"]?.stringValue ?? "") || entry["nextStep"]?.stringValue == "sign-off" {
                    // Opening the item is how its recipient receives it.
                    if let full = try await client.get("/v1/items/\(id)", bearer: token).json?.objectValue { entry = full }
                }
                guard let payload = responder.reply(to: entry, as: agency, type: registry.agency(agency)?.type ?? .other, at: Date()),
                    let kind = payload.objectValue?["kind"]?.stringValue
                else { continue }
                let jws = try CompactJWS.sign(payload: payload.serialized(), type: .message, kid: key.kid, key: key.key)
                let reply = try await client.submit(jws)
                let label = reply.status < 300 ? kind : "refused"
                tally[label, default: 0] += 1
            }
        }
        guard !tally.isEmpty else { return }
        print("  agencies worked their inboxes: " + tally.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", "))
    }
}

/// Runs the demo's traffic beside the server, stopping when the server shuts down.
struct TrafficService: Service {
    let ports: AsyncStream<Int>
    let body: @Sendable (Int) async throws -> Void

    func run() async throws {
        try await cancelWhenGracefulShutdown {
            guard let port = await ports.first(where: { _ in true }) else { return }
            do {
                try await body(port)
            } catch is CancellationError {
                return
            } catch let error as CLIError {
                Output.error(error.description)
            }
        }
    }
}
