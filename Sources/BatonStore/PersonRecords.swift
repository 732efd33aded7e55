import BatonCore
import Foundation

/// A mention in one message: the message's sequence and the mention's `ref` in it.
public struct MentionKey: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    public var messageSequence: Int64
    public var ref: String

    public init(messageSequence: Int64, ref: String) {
        self.messageSequence = messageSequence
        self.ref = ref
    }

    public var description: String { "\(messageSequence)/\(ref)" }

    public static func < (lhs: MentionKey, rhs: MentionKey) -> Bool {
        (lhs.messageSequence, lhs.ref) < (rhs.messageSequence, rhs.ref)
    }
}

/// A person as the hub holds them: a child or an adult, and whether the record was merged into
/// another (reads follow `mergedInto`).
public struct PersonRecord: Sendable, Hashable {
    public var id: PersonID
    /// `child` (named as a subject) or `person`.
    public var kind: String
    public var createdAt: Date
    public var mergedInto: PersonID?

    public init(id: PersonID, kind: String, createdAt: Date, mergedInto: PersonID? = nil) {
        self.id = id
        self.kind = kind
        self.createdAt = createdAt
        self.mergedInto = mergedInto
    }
}

/// An uncertain match waiting for (or given) a person's decision: the mention stands as a person
/// of its own (`person`) until someone in the MASH says whether it is `candidate`.
public struct IdentityReview: Sendable, Hashable, Codable {
    public enum Status: String, Sendable, Hashable, Codable, CaseIterable {
        case open
        /// The same person: `person` was merged into `candidate` (`mergeID`).
        case same
        /// Two people: they stay apart.
        case different
    }

    public var id: String
    public var mention: MentionKey
    public var person: PersonID
    public var candidate: PersonID
    /// `identifier` (identifiers pointing at two people) or `score`.
    public var basis: String
    public var probability: Double
    public var weight: Double
    /// Why the match was not made automatically (vetoes, a close second candidate, a score
    /// between the thresholds).
    public var reasons: [String]
    public var createdAt: Date
    public var status: Status
    public var decidedAt: Date?
    public var decidedBy: Actor?
    public var reason: String?
    public var mergeID: String?

    public init(
        id: String, mention: MentionKey, person: PersonID, candidate: PersonID, basis: String, probability: Double, weight: Double,
        reasons: [String], createdAt: Date
    ) {
        self.id = id
        self.mention = mention
        self.person = person
        self.candidate = candidate
        self.basis = basis
        self.probability = probability
        self.weight = weight
        self.reasons = reasons
        self.createdAt = createdAt
        self.status = .open
    }
}

/// Two records of one person joined: every mention of `merged` now belongs to `survivor`. Kept
/// with what moved, so that it can be undone exactly.
public struct PersonMerge: Sendable, Hashable, Codable {
    public var id: String
    public var survivor: PersonID
    public var merged: PersonID
    public var at: Date
    public var actor: Actor
    public var reason: String
    /// The review whose decision made it, if any.
    public var reviewID: String?
    /// The mentions that moved from `merged` to `survivor`.
    public var movedMentions: [MentionKey]
    /// Facts `survivor` took from `merged` because it had none of that name.
    public var copiedFacts: [String]
    public var undoneAt: Date?
    public var undoneBy: Actor?
    public var undoReason: String?

    public init(id: String, survivor: PersonID, merged: PersonID, at: Date, actor: Actor, reason: String, reviewID: String? = nil) {
        self.id = id
        self.survivor = survivor
        self.merged = merged
        self.at = at
        self.actor = actor
        self.reason = reason
        self.reviewID = reviewID
        self.movedMentions = []
        self.copiedFacts = []
    }
}

/// "`from` is the `role` of `to`", as one message said it. People are found through the mentions,
/// so relationships follow merges and unmerges.
public struct MentionRelationship: Sendable, Hashable {
    public var messageSequence: Int64
    public var from: String
    public var to: String
    public var role: String

    public init(messageSequence: Int64, from: String, to: String, role: String) {
        self.messageSequence = messageSequence
        self.from = from
        self.to = to
        self.role = role
    }
}

/// A relationship between two people, resolved through their mentions.
public struct PersonRelationship: Sendable, Hashable {
    public var from: PersonID
    public var to: PersonID
    public var role: String
    public var messageSequence: Int64
    public var at: Date

    public init(from: PersonID, to: PersonID, role: String, messageSequence: Int64, at: Date) {
        self.from = from
        self.to = to
        self.role = role
        self.messageSequence = messageSequence
        self.at = at
    }
}

/// One entry of a person's chronology: a message that named them, or an item about them.
public struct ChronologyEntry: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        case message, item
    }

    public var kind: Kind
    /// When it happened: the incident (a notification's `occurredAt`) or when the hub received
    /// the message; when the item was created.
    public var at: Date
    public var messageSequence: Int64
    public var agency: AgencyID
    /// The message kind, or the item's purpose.
    public var what: String
    /// Event names (notification type, concern categories) for messages; the item's status.
    public var detail: [String]
    /// The role the person had in the message (`subject` or `person`), or the item's id.
    public var reference: String

    public init(kind: Kind, at: Date, messageSequence: Int64, agency: AgencyID, what: String, detail: [String], reference: String) {
        self.kind = kind
        self.at = at
        self.messageSequence = messageSequence
        self.agency = agency
        self.what = what
        self.detail = detail
        self.reference = reference
    }
}
