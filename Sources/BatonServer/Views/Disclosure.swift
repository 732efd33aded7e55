import BatonCore
import BatonPolicy
import BatonSigning
import Foundation

/// Decides what of a message a reader of an item may see. Every read path (the item API, the
/// inbox, pushed deliveries, the sender's status view) renders content through ``ItemContent``,
/// which asks this, so no path can forget it.
///
/// The rules here are the ones no policy may relax: default deny for labelled sections; persons
/// the sender listed in `doNotInform` are shown only to the MASH (children's social care), marked
/// so, and to nobody else (nor their relationships); an anonymous referrer's identity is shown only
/// to the MASH.
struct Disclosure: Sendable {
    struct SectionDecision: Sendable, Hashable {
        var label: String
        var shown: Bool
        /// Why, in words the reader may see.
        var reason: String
    }

    let registry: AgencyRegistry

    func sections(of message: Message, for item: Item) -> [SectionDecision] {
        message.sections.map { section in
            SectionDecision(label: section.label, shown: false,
                reason: "No need-to-know rule permits \(section.label) to this recipient (default deny).")
        }
    }

    /// Whether the reader may see the sending professional's identity.
    func showsReferrer(of message: Message, to reader: AgencyID) -> Bool {
        guard message.referrerAnonymous else { return true }
        return registry.agency(reader)?.type == .socialCare
    }

    /// The refs of persons the reader must not see: those not to be informed, except for the MASH.
    func hiddenPersons(of message: Message, from reader: AgencyID) -> Set<String> {
        registry.agency(reader)?.type == .socialCare ? [] : Set(message.doNotInform)
    }
}
