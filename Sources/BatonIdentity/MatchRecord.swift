import BatonCore
import Foundation

/// What the matcher knows of one mention, normalised: the unit that is indexed, compared and
/// stored (as JSON beside the mention) so that the index can be rebuilt at start-up.
public struct MatchRecord: Sendable, Hashable, Codable {
    /// Folded given name parts: the first is the given name, the rest middle names.
    public var given: [String]
    /// Folded family name parts (both halves of a double-barrelled name).
    public var surname: [String]
    public var dob: CalendarDate?
    public var sex: Sex?
    public var postcode: String?
    /// Folded address lines, joined.
    public var address: String?
    public var town: String?
    /// Exact-match identifiers that are not deterministic on their own (FEBRL's social security
    /// id in the benchmarks, say).
    public var otherID: String?
    /// Valid NHS number (ten digits).
    public var nhs: String?
    /// Valid UPN.
    public var upn: String?
    /// `system␟value` keys.
    public var localIDs: [String]
    /// Normalised e-mail addresses, phone numbers and usernames, prefixed `email:`, `phone:`, `user:`.
    public var online: [String]

    public init(
        given: [String] = [], surname: [String] = [], dob: CalendarDate? = nil, sex: Sex? = nil, postcode: String? = nil,
        address: String? = nil, town: String? = nil, otherID: String? = nil, nhs: String? = nil, upn: String? = nil,
        localIDs: [String] = [], online: [String] = []
    ) {
        self.given = given
        self.surname = surname
        self.dob = dob
        self.sex = sex
        self.postcode = postcode
        self.address = address
        self.town = town
        self.otherID = otherID
        self.nhs = nhs
        self.upn = upn
        self.localIDs = localIDs
        self.online = online
    }

    /// The whole surname as one string ("smith jones").
    public var fullSurname: String { surname.joined(separator: " ") }
    public var firstGiven: String? { given.first }

    /// Identifiers that link deterministically when they agree: `nhs:`, `upn:`, `local:`, and
    /// the online identifiers.
    public var exactIdentifiers: [String] {
        var result: [String] = []
        if let nhs { result.append("nhs:" + nhs) }
        if let upn { result.append("upn:" + upn) }
        result += localIDs.map { "local:" + $0 }
        result += online
        return result
    }
}

extension MatchRecord {
    /// Normalises a mention from a message.
    public init(_ mention: Mention) {
        var online: [String] = []
        for id in mention.onlineIds {
            switch id.type {
            case .email: if let value = Normalise.email(id.value) { online.append("email:" + value) }
            case .phone: if let value = Normalise.phone(id.value) { online.append("phone:" + value) }
            case .username: if let value = Normalise.username(id.value) { online.append("user:" + value) }
            }
        }
        let lines = mention.address?.lines.map(Normalise.fold).filter { !$0.isEmpty } ?? []
        self.init(
            given: (mention.givenName.map(Normalise.nameParts) ?? []) + mention.otherNames.flatMap(Normalise.nameParts),
            surname: mention.familyName.map(Normalise.surnameParts) ?? [],
            dob: mention.dateOfBirth, sex: Normalise.sex(mention.sex),
            postcode: mention.address?.postcode.flatMap(Normalise.postcode),
            address: lines.isEmpty ? nil : lines.dropLast(lines.count > 1 ? 1 : 0).joined(separator: " "),
            town: lines.count > 1 ? lines.last : nil,
            nhs: mention.nhsNumber.flatMap(Normalise.nhsNumber), upn: mention.upn.flatMap(Normalise.upn),
            localIDs: mention.localIds.compactMap { Normalise.localID(system: $0.system, value: $0.value) },
            online: online)
    }
}
