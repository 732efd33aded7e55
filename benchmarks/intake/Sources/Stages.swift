import BatonCore
import BatonSigning
import BatonSynthetic
import Foundation

/// `--stages`: times each step of the intake pipeline in-process, per message, so the HTTP
/// benchmark's figure can be explained (and regressions located).
enum Stages {
    static func run(count: Int = 20_000) async throws {
        let key = KeyFile(kid: "police-northmoor/bench-1", key: .generate(.edDSA))
        let registry = AgencyRegistry(
            agencies: [Agency(id: AgencyID(rawValue: "police-northmoor")!, type: .police, name: "Northmoor Police")],
            keys: [RegisteredKey(agency: AgencyID(rawValue: "police-northmoor")!, kid: "bench-1", publicKey: key.key.publicKey)])
        let verifier = JWSVerifier(registry: registry)
        var traffic = SyntheticTraffic(seed: 3)
        let now = Date()
        let bodies = try (0..<count).map { _ in Array(try traffic.referral(from: traffic.area.police, at: now).signed(with: key).utf8) }
        let hubKey = HubKey(key: .generate(.edDSA))

        func time(_ name: String, _ body: ([UInt8]) throws -> Void) rethrows {
            let start = ContinuousClock.now
            for bytes in bodies { try body(bytes) }
            let elapsed = ContinuousClock.now - start
            let micros = Double(elapsed.components.seconds) * 1e6 + Double(elapsed.components.attoseconds) / 1e12
            print("  \(name.padding(toLength: 34, withPad: " ", startingAt: 0)) \(String(format: "%7.1f", micros / Double(bodies.count))) µs/message")
        }
        print("Intake stages, \(count) synthetic referrals (mean \(bodies.reduce(0) { $0 + $1.count } / bodies.count) bytes), one core:")
        try time("split + decode header (CompactJWS)") { _ = try CompactJWS.parse($0, maxPayloadBytes: 262_144) }
        try time("verify signature (Ed25519) + payload") { _ = try verifier.verifyMessage($0, at: now) }
        let payloads = try bodies.map { try verifier.verifyMessage($0, at: now).payload }
        var index = 0
        try time("parse payload (StrictJSON)") { _ in _ = try StrictJSON.parse(payloads[index % payloads.count]); index += 1 }
        let trees = try payloads.map { try StrictJSON.parse($0) }
        index = 0
        time("validate (MessageValidator)") { _ in _ = MessageValidator.validate(trees[index % trees.count]); index += 1 }
        time("sha256 of the JWS") { _ = Digest.sha256Hex($0) }
        try time("sign receipt (Ed25519)") { bytes in
            let receipt = Receipt(messageId: MessageID(UUID()), from: AgencyID(rawValue: "police-northmoor")!, kid: "police-northmoor/bench-1",
                                  receivedAt: now, sha256: String(repeating: "a", count: 64), sequence: 1)
            _ = try hubKey.sign(receipt.payload, type: .receipt)
        }
    }
}
