import Foundation

/// How a hub is started (PROTOCOL.md §0). `baton serve` fills this from flags and `BATON_*`
/// environment variables; the defaults are documented in docs/operations.md.
public struct HubConfiguration: Sendable {
    /// Address to listen on. Loopback by default; put a TLS-terminating reverse proxy in front.
    public var host: String = "127.0.0.1"
    /// Port to listen on; 0 picks a free port (tests).
    public var port: Int = 8080
    /// The agency registry folder (`agencies/*.yaml`).
    public var agenciesDirectory: String = "./agencies"
    /// The policy folder (routing, need-to-know, SLA); read by later capabilities.
    public var policiesDirectory: String = "./policies"
    /// The SQLite database file.
    public var database: String = "./baton.sqlite"
    /// The hub's signing key; by default `<database>.hub-key.jwk`, created on first start.
    public var hubKeyPath: String?
    /// Largest accepted message payload (decoded JSON), in bytes.
    public var maxPayloadBytes: Int = 256 * 1024
    /// How far a message's `sentAt` may be from the hub's clock.
    public var clockSkew: TimeInterval = 300
    /// How often the deadline sweeper looks for overdue items.
    public var sweepInterval: Duration = .seconds(5)
    /// How often the delivery worker looks for pushes that are due.
    public var deliveryInterval: Duration = .seconds(1)
    /// Whether the sweeper and the delivery worker run beside the server. Tests that drive them by
    /// hand (with a manual clock) turn this off.
    public var runsBackgroundWork = true
    /// Whether the hub keeps its tamper-evident audit log. Always, except to measure its cost.
    public var auditLog = true
    /// How often the latest signed tree head of the audit log is published as a checkpoint.
    public var checkpointInterval: Duration = .seconds(60)

    /// Sessions and sign-ins of the web UI.
    public var web = WebSettings()

    public init() {}

    public var resolvedHubKeyPath: String { hubKeyPath ?? database + ".hub-key.jwk" }

    /// The largest request body that can carry a `maxPayloadBytes` payload: base64url expands by
    /// 4/3, plus room for the header and signature.
    var maxBodyBytes: Int { (maxPayloadBytes + 2) / 3 * 4 + 4096 }
}
