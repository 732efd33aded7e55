import BatonCore

/// The fictional local area the sample agencies serve: Northmoor, with its police force, its
/// council's children's social care (the MASH), two schools, an NHS trust and a GP practice.
///
/// Every name, code and postcode here is invented. Postcodes use the area letters `NM`, which no
/// real UK postcode area has; the local authority code 995, force code 97, URNs 990101/990102 and
/// ODS codes R9N/Y99001 are outside the ranges in real use.
public struct SyntheticArea: Sendable {
    public let police: AgencyID
    public let mash: AgencyID
    public let primarySchool: AgencyID
    public let secondarySchool: AgencyID
    public let trust: AgencyID
    public let gp: AgencyID
    public let primaryURN: String
    public let secondaryURN: String

    public static let northmoor = SyntheticArea(
        police: AgencyID(rawValue: "police-northmoor")!,
        mash: AgencyID(rawValue: "northmoor-mash")!,
        primarySchool: AgencyID(rawValue: "school-ashgrove-primary")!,
        secondarySchool: AgencyID(rawValue: "school-northmoor-academy")!,
        trust: AgencyID(rawValue: "northmoor-nhs-trust")!,
        gp: AgencyID(rawValue: "gp-riverside-surgery")!,
        primaryURN: "990101",
        secondaryURN: "990102")

    public var all: [AgencyID] { [police, mash, primarySchool, secondarySchool, trust, gp] }

    static let streets = [
        "Alder Close", "Beacon Road", "Bramble Way", "Canal Street", "Chapel Row", "Copperfield Drive", "Elm Terrace",
        "Fenwick Road", "Foundry Lane", "Gorse Avenue", "Heather Court", "Kiln Street", "Larch Grove", "Mill Race",
        "Moorside Road", "Oakapple Walk", "Pennine View", "Quarry Hill", "Rowan Crescent", "Saddler Street",
        "Tanners Yard", "Thistle Close", "Weavers Way", "Wharf Road", "Willow Bank",
    ]
    static let districts = ["Northmoor", "Ashgrove", "Kilnfield", "Moorside", "Riverside", "Upper Fenwick"]

    static let girls = [
        "Amelia", "Aimee", "Ava", "Chloe", "Ella", "Erin", "Evie", "Freya", "Grace", "Hannah", "Isla", "Jasmine", "Katie",
        "Layla", "Leah", "Lily", "Maisie", "Mia", "Niamh", "Olivia", "Poppy", "Ruby", "Sophie", "Zoe", "Aisha", "Maryam",
        "Amara", "Roksana", "Zofia", "Kayleigh",
    ]
    static let boys = [
        "Alfie", "Archie", "Callum", "Charlie", "Daniel", "Dylan", "Ethan", "Finley", "George", "Harry", "Jack", "Jayden",
        "Kai", "Leo", "Liam", "Logan", "Mason", "Mohammed", "Noah", "Oliver", "Oscar", "Riley", "Theo", "Tyler", "Ibrahim",
        "Kacper", "Tomasz", "Reuben", "Declan", "Connor",
    ]
    static let adultWomen = ["Claire", "Danielle", "Gemma", "Jodie", "Kerry", "Laura", "Leanne", "Natalie", "Sarah", "Stacey", "Nadia", "Agnieszka"]
    static let adultMen = ["Craig", "Darren", "Dean", "Gary", "Jamie", "Lee", "Mark", "Paul", "Ryan", "Scott", "Tariq", "Marek"]
    static let surnames = [
        "Ashworth", "Barker", "Bennett", "Brennan", "Carter", "Clarke", "Dawson", "Fletcher", "Gallagher", "Hartley",
        "Holroyd", "Kaur", "Kowalski", "Lambert", "McDonald", "McKenzie", "Nowak", "O'Neill", "Okafor", "Pearson",
        "Quinn", "Rahman", "Shaw", "Smith-Jones", "Sutcliffe", "Thomson", "Walsh", "Whitehead", "Yates", "Begum",
    ]

    /// How a second agency might write the same name.
    static let variants: [String: String] = [
        "Aimee": "Amy", "Katie": "Catie", "Zoe": "Zoë", "Leah": "Lea", "Sophie": "Sofie", "Jayden": "Jaden",
        "Tyler": "Tylor", "Mohammed": "Muhammad", "Kayleigh": "Kayley", "Niamh": "Neve", "Callum": "Calum",
        "McDonald": "Macdonald", "O'Neill": "ONeill", "Smith-Jones": "Smith Jones", "Thomson": "Thompson",
        "McKenzie": "Mackenzie", "Begum": "Begam", "Kowalski": "Kowalsky", "Okafor": "Okafur", "Holroyd": "Holroyde",
    ]
}
