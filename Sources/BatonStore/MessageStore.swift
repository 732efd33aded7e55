import BatonCore
import Foundation

/// A message as it arrives, verified and validated, ready to be stored.
public struct IncomingMessage: Sendable {
    public let sender: AgencyID
    public let messageId: MessageID
    public let kind: MessageKind
    /// The sender's key (`<agency-id>/<key-id>`).
    public let senderKid: String
    public let sentAt: Date
    public let receivedAt: Date
    /// The exact compact JWS bytes the sender posted: the source of truth.
    public let jws: [UInt8]
    /// SHA-256 of `jws`, lower-case hex.
    public let sha256: String

    public init(sender: AgencyID, messageId: MessageID, kind: MessageKind, senderKid: String, sentAt: Date, receivedAt: Date, jws: [UInt8], sha256: String) {
        self.sender = sender
        self.messageId = messageId
        self.kind = kind
        self.senderKid = senderKid
        self.sentAt = sentAt
        self.receivedAt = receivedAt
        self.jws = jws
        self.sha256 = sha256
    }
}

/// A message the hub holds.
public struct StoredMessage: Sendable, Equatable {
    /// Position in the hub's intake order.
    public let sequence: Int64
    public let sender: AgencyID
    public let messageId: MessageID
    public let kind: MessageKind
    public let senderKid: String
    public let sentAt: Date
    public let receivedAt: Date
    public let sha256: String
    public let jws: [UInt8]
    /// The hub-signed receipt returned when the message was first accepted.
    public let receipt: String
    /// What intake decided (the receipt response's items and subjects), as first answered.
    public let summary: JSONValue?

    public init(
        sequence: Int64, sender: AgencyID, messageId: MessageID, kind: MessageKind, senderKid: String, sentAt: Date, receivedAt: Date,
        sha256: String, jws: [UInt8], receipt: String, summary: JSONValue? = nil
    ) {
        self.sequence = sequence
        self.sender = sender
        self.messageId = messageId
        self.kind = kind
        self.senderKid = senderKid
        self.sentAt = sentAt
        self.receivedAt = receivedAt
        self.sha256 = sha256
        self.jws = jws
        self.receipt = receipt
        self.summary = summary
    }
}

/// What happened to a submission.
public enum IntakeResult: Sendable, Equatable {
    /// Stored for the first time (HTTP 202).
    case accepted(StoredMessage)
    /// The same sender already sent exactly these bytes; here is what was stored (HTTP 200).
    case duplicate(StoredMessage)
    /// The same sender already used this message id for different bytes (HTTP 409).
    case conflict(existingSHA256: String)
}

/// Signs the receipt for a message once the store has given it its sequence number; runs inside
/// the storing transaction, so the receipt is stored with the message.
public typealias ReceiptMaker = @Sendable (_ message: IncomingMessage, _ sequence: Int64) throws -> String

/// A failure of the store itself (not of the message), reported as 503 so the sender retries.
public struct StoreUnavailable: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
