#!/usr/bin/env python3
"""Deterministic generator of synthetic UK-style children as different agencies record them.

Every person, address and identifier here is made up: names are common English given names and
surnames combined at random, addresses are invented streets in the fictional Northmoor Council area
(local authority 995, postcode districts NM1-NM9, which are not real UK districts), NHS numbers come
from the 999 test range that is never issued to patients, and UPNs use the fictional LA code 995.

Each child is recorded 1-4 times, each time by a different agency kind (health, school,
social-care, police); the agency is the record's `source`. Records vary the way real ones do:
nicknames and diminutives (from policies/identity/nicknames.csv, the same table the Swift normaliser
reads), spelling variants not in that table (Aiden/Aidan, Kacper/Casper), surname variants
(Smith/Smyth, Mc/Mac, O'Neill/ONeill), diacritics dropped (Zoë/Zoe), hyphenated and
double-barrelled surnames recorded in full or as one part, one-letter typos, given name and surname
swapped, upper-case police records, day/month transposed dates of birth, one-digit date typos,
missing dates, postcode typos and missing postcodes, families that moved (an agency still holding
the old address), NHS numbers missing (police rarely have one) or with a one-digit typo (which the
Modulus 11 check catches), UPNs only on school records, sex missing or wrong.

Hard negatives are built in: households of siblings (same surname and address, different dates of
birth, occasionally a half-sibling with another surname) and twins (same surname, date of birth and
address, different given names), which must stay separate people.

Usage: generate_uk.py [--children N] [--seed S] [--output FILE]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import random
import sys
import unicodedata
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from contract import DATA_DIR, INPUT_COLUMNS, write_csv  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
NICKNAMES_CSV = REPO / "policies" / "identity" / "nicknames.csv"

# A fixed "today" so the data never depends on when it is generated.
REFERENCE_DATE = dt.date(2026, 11, 1)
OLDEST_DOB = dt.date(2009, 1, 1)            # everyone is under 18 on REFERENCE_DATE
SCHOOL_AGE = 4                               # school records only for children aged 4+
LA_CODE = "995"                              # Northmoor Council (policies/areas.yaml)

AGENCIES = ["health", "school", "social-care", "police"]
AGENCY_WEIGHTS = {"health": 0.32, "school": 0.30, "social-care": 0.20, "police": 0.18}
RECORDS_PER_CHILD = ([1, 2, 3, 4], [0.30, 0.32, 0.24, 0.14])

# How each agency kind tends to record a child: per-record probabilities, in the order
#                 health school social-care police
_HABITS = {
    "nhs":       (0.97, 0.20, 0.65, 0.04),    # NHS number recorded
    "upn":       (0.00, 0.97, 0.00, 0.00),    # UPN recorded (school records only)
    "nick":      (0.05, 0.35, 0.20, 0.40),    # a nickname or diminutive instead of the birth name
    "spell":     (0.03, 0.04, 0.05, 0.06),    # a spelling variant not in the nickname table
    "typo":      (0.015, 0.02, 0.02, 0.04),   # a one-letter slip in each name and the address
    "swap":      (0.002, 0.003, 0.004, 0.01),  # given name and surname in the wrong boxes
    "upper":     (0.00, 0.00, 0.00, 0.40),    # names in capitals
    "dob_miss":  (0.005, 0.005, 0.03, 0.06),  # date of birth missing
    "transp":    (0.015, 0.02, 0.025, 0.04),  # day and month swapped (when both are <= 12)
    "dob_typo":  (0.01, 0.01, 0.015, 0.025),  # one digit of the date wrong
    "sex_miss":  (0.01, 0.02, 0.03, 0.05),    # sex missing
    "pc_miss":   (0.02, 0.03, 0.04, 0.08),    # postcode missing
    "pc_typo":   (0.02, 0.03, 0.03, 0.05),    # postcode with one character wrong
    "addr_miss": (0.02, 0.03, 0.04, 0.06),    # address line missing
    "town_miss": (0.10, 0.15, 0.10, 0.20),    # town missing
    "moved_old": (0.40, 0.40, 0.25, 0.25),    # still holds the old address of a family that moved
    "fold":      (0.30, 0.40, 0.50, 0.90),    # diacritics dropped (Zoë -> Zoe)
}
PROFILES = {agency: {k: v[i] for k, v in _HABITS.items()} for i, agency in enumerate(AGENCIES)}

NHS_TYPO = 0.015          # share of present NHS numbers with one digit wrong
UPN_TYPO = 0.01           # share of present UPNs with one digit wrong
SEX_WRONG = 0.003
SURNAME_PUNCT_VARIANT = 0.30   # O'Neill -> ONeill / O Neill, for names with punctuation
DOUBLE_BARRELLED = 0.08        # share of families with a hyphenated surname
HALF_SIBLING_SURNAME = 0.12    # sibling with a different surname (same address)
TWIN_HOUSEHOLDS = 0.03         # share of households with a pair of twins
MOVED = 0.12                   # share of households that moved (some agencies hold the old address)

# --- Synthetic name lists (common in England and Wales 2009-2026; order ~ popularity) --------------
BOYS = """Oliver Jack Harry George Noah Charlie Jacob Alfie Freddie Oscar Leo Thomas James William
Joshua Henry Archie Ethan Isaac Alexander Joseph Edward Samuel Max Logan Lucas Daniel Theo Arthur
Muhammad Mohammed Harrison Benjamin Mason Finley Sebastian Adam Dylan Zachary Riley Teddy Theodore
Jonathan John Matthew Michael Christopher Nathan Nathaniel Callum Connor Kieran Sean Seán Liam Tyler
Jayden Aiden Reuben Louis Frederick Alfred Albert Elliot Toby Tobias Luke Ryan Jake Kai Rory Ronan
Robert Richard Stephen Patrick Dominic Anthony Andrew David Peter Nicholas Maximilian Rafael Zain
Ibrahim Yusuf Ayaan Hamza Kacper Jakub Oskar""".split()
GIRLS = """Olivia Amelia Isla Ava Emily Sophia Grace Mia Poppy Ella Lily Evie Isabella Sophie Ivy
Freya Harper Willow Charlotte Jessica Rosie Daisy Florence Chloe Phoebe Sienna Millie Matilda Evelyn
Elizabeth Katie Catherine Katherine Eleanor Ellie Alexandra Abigail Hannah Lucy Megan Niamh Erin
Maisie Lola Esme Rebecca Samantha Victoria Natasha Natalie Danielle Georgia Georgina Harriet
Josephine Jennifer Nicola Kayleigh Amber Layla Maya Aisha Fatima Zara Maryam Amelie Scarlett Ruby
Imogen Holly Elsie Francesca Frances Louise Annie Rose Zoë Chloë Zoe Amélie Renée Anaïs Esmé Kate
Isabelle""".split()

SURNAMES = """Smith Jones Williams Taylor Brown Davies Evans Wilson Thomas Johnson Roberts Robinson
Thompson Wright Walker White Edwards Hughes Green Hall Lewis Harris Clarke Patel Jackson Wood Turner
Martin Cooper Hill Ward Morris Moore Clark Lee King Baker Harrison Morgan Allen James Scott Phillips
Watson Davis Parker Price Bennett Young Griffiths Mitchell Kelly Cook Carter Richardson Bailey
Collins Bell Shaw Murphy Miller Cox Richards Khan Marshall Anderson Simpson Ellis Adams Singh Begum
Wilkinson Foster Chapman Powell Webb Rogers Gray Mason Ali Hunt Hussain Campbell Matthews Owen
Palmer Holmes Mills Barnes Knight Lloyd Butler Russell Barker Fisher Stevens Jenkins Murray Dixon
Harvey Graham Pearson Ahmed Fletcher Walsh Kaur Gibson Howard Andrews Stewart Elliott Reynolds
Saunders Payne Fox Ford Pearce Day Brooks West Lawrence Cole Atkinson Bradley Spencer Gill Dawson
Ball Burton O'Brien Watts Rose Booth Perry Ryan Grant Wells Armstrong Francis Rees Hayes Hart
Hudson Newman Barrett Webster Hunter Gregory Carr Lowe Page Marsh Riley Dunn Woods Parsons Berry
Stone Reid Holland Hawkins Harding Porter Robertson Newton Oliver Reed Kennedy Williamson Bird
Gardner Shah Dean Lane Cooke Bates Henderson Parry Burgess Bishop Walton Burns Nicholson Shepherd
Ross Cross Long Freeman Warren Nicholls Hamilton Byrne Sutton McDonald Yates Hodgson Robson
Curtis Hopkins O'Connor Harper Coleman Watkins Moss McCarthy Chambers O'Neill Griffin Sharp Hardy
Wheeler Potter Osborne Johnston Gordon Doyle Wallace George Jordan Hutchinson Rowe Burke May
Pritchard Gilbert Willis Higgins Read Miles Stevenson Stephenson Hammond Arnold Buckley Walters
Hewitt Barber Nelson Slater Austin Sullivan Whitehead Mann Frost Lambert Stephens Blake Akhtar
Lynch Goodwin Barton Woodward Thomson Cunningham Quinn Barnett Baxter Bibi Clayton Nash Greenwood
Jennings Holt Kemp Poole Gallagher Bond Stokes Tucker Davidson Fowler Heath Norman Middleton
Lawson Banks French Stanley Jarvis Gibbs Ferguson Hayward Carroll Atkins Pickering Houghton
Mackenzie D'Souza MacDonald Chowdhury Kowalski Nowak Wiśniewska""".split()

# Nickname-table groups whose formal name is a girl's (the rest are boys'): a boy is never recorded
# under a girl's formal name or the reverse.
FEMALE_KEYS = set("""abigail alexandra amelia anne catherine charlotte christine danielle eleanor
elizabeth emily evelyn eve florence frances georgia georgina grace harriet isabella jennifer jessica
josephine kayleigh lily louise matilda natalie natasha nicola niamh olivia rebecca rose samantha
sophia victoria""".split())

# Spelling variants and anglicisations that are NOT in the nickname table (fuzzy matching territory).
GIVEN_SPELLINGS = {
    "Aiden": ["Aidan", "Ayden"], "Esme": ["Esmee"], "Freya": ["Freyja"], "Sienna": ["Siena"],
    "Layla": ["Laila", "Leila"], "Maya": ["Maia"], "Zain": ["Zayn"], "Yusuf": ["Yousuf", "Yusef"],
    "Hannah": ["Hanna"], "Elliot": ["Elliott", "Eliot"], "Lucas": ["Lukas"], "Kacper": ["Casper"],
    "Jakub": ["Jacob"], "Oskar": ["Oscar"], "Isla": ["Islay"], "Megan": ["Meghan"],
    "Matilda": ["Mathilda"], "Amber": ["Ambar"], "Ruby": ["Rubie"], "Maisie": ["Maisy", "Mazie"],
    "Ayaan": ["Ayan"], "Hamza": ["Hamzah"], "Ibrahim": ["Ebrahim"], "Zara": ["Zarah"],
    "Imogen": ["Imogene"], "Niamh": ["Neeve"], "Erin": ["Eryn"], "Rory": ["Rorie"], "Kai": ["Kye"],
    "Tyler": ["Tylor"], "Reuben": ["Ruben"], "Ronan": ["Ronin"], "Maryam": ["Mariam"],
    "Aisha": ["Ayesha"], "Fatima": ["Fatimah"], "Scarlett": ["Scarlet"], "Holly": ["Hollie"],
    "Lola": ["Lolah"], "Elsie": ["Elsey"], "Ivy": ["Ivie"], "Phoebe": ["Pheobe"],
}
SURNAME_SPELLINGS = {
    "Smith": ["Smyth"], "Thompson": ["Thomson"], "Thomson": ["Thompson"], "Clarke": ["Clark"],
    "Clark": ["Clarke"], "Davies": ["Davis"], "Reid": ["Reed", "Read"], "Phillips": ["Philips"],
    "Matthews": ["Mathews"], "Stephens": ["Stevens"], "Stevens": ["Stephens"],
    "Hussain": ["Hussein", "Husain"], "Ahmed": ["Ahmad"], "Chowdhury": ["Choudhury"],
    "McDonald": ["MacDonald", "Mcdonald"], "MacDonald": ["McDonald", "Macdonald"],
    "Mackenzie": ["McKenzie", "MacKenzie"], "McCarthy": ["MacCarthy", "Mccarthy"],
    "Gray": ["Grey"], "Taylor": ["Tayler"], "Stephenson": ["Stevenson"], "Begum": ["Begam"],
    "Kaur": ["Kour"], "Akhtar": ["Akthar"], "Gallagher": ["Gallacher"], "Byrne": ["Burn"],
    "Nicholls": ["Nichols"], "Wiśniewska": ["Wisniewski"], "Kowalski": ["Kowalska"],
}
# The same surname written without its apostrophe, or with a space for it.
PUNCTUATION_VARIANTS = {
    "O'Brien": ["OBrien", "O Brien"], "O'Connor": ["OConnor", "O Connor"],
    "O'Neill": ["ONeill", "O Neill", "O'Neil"], "D'Souza": ["DSouza", "De Souza", "D Souza"],
}

# --- The fictional area --------------------------------------------------------------------------
TOWNS = {"NM1": "Northmoor", "NM2": "Northmoor", "NM3": "Northmoor", "NM4": "Ashgrove",
         "NM5": "Brackenford", "NM6": "Fellside", "NM7": "Hollinwood", "NM8": "Moorbridge",
         "NM9": "Kestrel Vale"}
STREET_STEMS = """Ash Beech Birch Bramble Cedar Chapel Church Elm Fern Foxglove Hawthorn Hazel Heather
Holly Juniper Larch Laurel Linden Maple Meadow Mill Moor Oak Orchard Park Pine Poplar Quarry Rowan
School Spring Station Sycamore Thistle Willow Wren Yew Kestrel Heron Lark Fallow Gorse Sorrel Tansy
Bracken Curlew Plover Sedge Bilberry Cotton Flax Tanner Weaver Cooper Saddler""".split()
STREET_KINDS = ["Road", "Street", "Avenue", "Close", "Crescent", "Lane", "Drive", "Gardens", "Way",
                "Grove", "Terrace", "Court", "Place", "Walk", "Rise", "View"]
ABBREVIATIONS = {"Road": "Rd", "Street": "St", "Avenue": "Ave", "Close": "Cl", "Crescent": "Cres",
                 "Lane": "Ln", "Drive": "Dr", "Gardens": "Gdns", "Terrace": "Ter", "Court": "Ct",
                 "Place": "Pl"}
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"     # real inward codes never use C I K M O V
SCHOOLS = ["2001", "2002", "2003", "2004", "2005", "2006", "2007", "2008"]   # DfE establishment numbers


# --- Identifiers ---------------------------------------------------------------------------------
def nhs_check_digit(first_nine: str) -> int | None:
    """NHS number Modulus 11: weights 10..2 over the first nine digits; 11 - (sum mod 11), where
    11 becomes 0 and 10 means the number is never issued (None)."""
    total = sum(int(d) * w for d, w in zip(first_nine, range(10, 1, -1)))
    check = 11 - total % 11
    return {11: 0, 10: None}.get(check, check)


def nhs_is_valid(number: str) -> bool:
    digits = number.replace(" ", "")
    return len(digits) == 10 and digits.isdigit() and nhs_check_digit(digits[:9]) == int(digits[9])


UPN_CHECK_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"   # 23 letters: no I, O or S


def upn_check_letter(body: str) -> str:
    """DfE Unique Pupil Number check letter (UPN guidance, "Calculating the check letter").

    A UPN is 13 characters: the check letter, then 12 characters = 3-digit LA number, 4-digit DfE
    establishment number, 2-digit year of allocation, 3-digit serial. Multiply the characters in
    positions 2-13 by weights 2-13 (position 2 by 2, ..., position 13 by 13), sum, take the
    remainder mod 23, and map 0-22 onto A B C D E F G H J K L M N P Q R T U V W X Y Z. (In a
    temporary UPN position 13 is a letter, valued by its index in that same list; this generator
    issues only permanent, all-digit UPNs.) Checked against the published examples: B801200005001
    and A950000178301 are valid.
    """
    assert len(body) == 12 and body.isdigit(), body
    return UPN_CHECK_LETTERS[sum(int(c) * w for c, w in zip(body, range(2, 14))) % 23]


def upn_is_valid(upn: str) -> bool:
    return len(upn) == 13 and upn[1:].isdigit() and upn_check_letter(upn[1:]) == upn[0]


# --- Small helpers -------------------------------------------------------------------------------
def fold(text: str) -> str:
    """Drop diacritics: Zoë -> Zoe, Wiśniewska -> Wisniewska."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


BOY_NAMES = {fold(n).lower() for n in BOYS}
GIRL_NAMES = {fold(n).lower() for n in GIRLS}


def zipf_weights(n: int) -> list[float]:
    return [1.0 / (rank + 3) ** 0.9 for rank in range(n)]


def load_nickname_groups(path: Path = NICKNAMES_CSV) -> dict[str, list[str]]:
    """name -> the groups it belongs to, from the Swift normaliser's table (file order)."""
    groups: dict[str, list[str]] = {}
    with open(path, encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            groups.setdefault(row["name"], []).append(row["group"])
    return groups


class Generator:
    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.name_groups = load_nickname_groups()
        self.group_members: dict[str, list[str]] = {}
        for name, groups in self.name_groups.items():
            for g in groups:
                self.group_members.setdefault(g, []).append(name)
        self.male_keys = set(self.group_members) - FEMALE_KEYS
        self.boy_weights = zipf_weights(len(BOYS))
        self.girl_weights = zipf_weights(len(GIRLS))
        self.surname_weights = zipf_weights(len(SURNAMES))
        self.streets = self._make_streets()
        self.used_nhs: set[str] = set()
        self.upn_serials: Counter = Counter()

    # --- people and households -------------------------------------------------------------------
    def _make_streets(self) -> list[tuple[str, str, list[str]]]:
        """(street name, district, postcodes on it) for a few hundred invented streets."""
        rng, streets, used_postcodes = self.rng, [], set()
        for stem in STREET_STEMS:
            for kind in rng.sample(STREET_KINDS, 5):
                district = rng.choice(list(TOWNS))
                postcodes = []
                for _ in range(rng.randint(1, 3)):
                    while True:
                        pc = f"{district} {rng.randint(1, 9)}{rng.choice(INWARD_LETTERS)}{rng.choice(INWARD_LETTERS)}"
                        if pc not in used_postcodes:
                            used_postcodes.add(pc)
                            break
                    postcodes.append(pc)
                streets.append((f"{stem} {kind}", district, postcodes))
        return streets

    def new_address(self) -> dict:
        rng = self.rng
        street, district, postcodes = rng.choice(self.streets)
        line = f"{rng.randint(1, 180)} {street}"
        if rng.random() < 0.15:
            line = f"Flat {rng.randint(1, 24)}, {line}"
        return {"address": line, "postcode": rng.choice(postcodes), "town": TOWNS[district]}

    def new_nhs(self) -> str:
        while True:
            first_nine = "999" + f"{self.rng.randrange(10**6):06d}"
            check = nhs_check_digit(first_nine)
            if check is not None and first_nine not in self.used_nhs:
                self.used_nhs.add(first_nine)
                return first_nine + str(check)

    def new_upn(self, dob: dt.date, school: str) -> str | None:
        """A permanent UPN allocated by `school` (a DfE establishment number) on school entry, the
        September after the child turns 4; None for a child not yet at school."""
        entry = dob.year + 4 + (1 if dob.month >= 9 else 0)
        if dt.date(entry, 9, 1) > REFERENCE_DATE:
            return None
        key = (school, entry % 100)
        self.upn_serials[key] += 1
        body = f"{LA_CODE}{school}{entry % 100:02d}{self.upn_serials[key]:03d}"
        return upn_check_letter(body) + body

    def given_name(self, sex: str, avoid: list[str]) -> str:
        """A birth name not equal to, nor sharing a nickname group with, any name in `avoid`."""
        names, weights = (BOYS, self.boy_weights) if sex == "M" else (GIRLS, self.girl_weights)
        avoid_keys = {k for a in avoid for k in self.name_keys(a)}
        while True:
            name = self.rng.choices(names, weights)[0]
            if not (self.name_keys(name) & avoid_keys):
                return name

    def name_keys(self, name: str) -> set[str]:
        """The folded name itself plus its nickname groups: two names clash if these overlap."""
        folded = fold(name).lower()
        return {folded, *self.name_groups.get(folded, [])}

    def surname(self) -> str:
        first = self.rng.choices(SURNAMES, self.surname_weights)[0]
        if self.rng.random() < DOUBLE_BARRELLED:
            second = self.rng.choices(SURNAMES, self.surname_weights)[0]
            if second != first and "'" not in first + second:
                return f"{first}-{second}"
        return first

    def random_dob(self) -> dt.date:
        span = (REFERENCE_DATE - OLDEST_DOB).days
        return OLDEST_DOB + dt.timedelta(days=self.rng.randrange(span))

    def households(self, n_children: int) -> list[dict]:
        """Children grouped into households; returns the children with their household facts."""
        rng, children, twin_pairs = self.rng, [], 0
        while len(children) < n_children:
            size = rng.choices([1, 2, 3, 4], [0.55, 0.30, 0.12, 0.03])[0]
            size = min(size, n_children - len(children))
            home = self.new_address()
            old_home = self.new_address() if rng.random() < MOVED else None
            family_surname = self.surname()
            school = rng.choice(SCHOOLS)     # where the household's children started school
            # Households of two or more are 45% of all, so this gives TWIN_HOUSEHOLDS overall.
            twins = size >= 2 and rng.random() < TWIN_HOUSEHOLDS / 0.45
            members: list[dict] = []
            for i in range(size):
                sex = rng.choice("MF")
                names = [m["given_name"] for m in members]
                if twins and i == 1:
                    dob = members[0]["dob"]            # the twin of the first child
                    twin_of = members[0]["child"]
                else:
                    twin_of = None
                    for _ in range(100):   # siblings at least 11 months apart
                        dob = self.random_dob()
                        if all(abs((dob - m["dob"]).days) >= 335 for m in members):
                            break
                surname = family_surname
                if i > 0 and twin_of is None and rng.random() < HALF_SIBLING_SURNAME:
                    surname = self.surname()
                child = {
                    "child": f"c{len(children) + len(members) + 1:05d}",
                    "sex": sex, "given_name": self.given_name(sex, names), "surname": surname,
                    "dob": dob, "home": home, "old_home": old_home, "nhs": self.new_nhs(),
                    "upn": self.new_upn(dob, school), "twin_of": twin_of, "household": len(children),
                }
                if twin_of is not None:
                    members[0]["twin_of"] = child["child"]
                    twin_pairs += 1
                members.append(child)
            # Nicknames must not blur the children of one household (families tell them apart).
            for m in members:
                m["avoid"] = [o["given_name"] for o in members if o is not m]
            children.extend(members)
        self.twin_pairs = twin_pairs
        return children

    # --- how an agency records a child -----------------------------------------------------------
    def typo(self, text: str) -> str:
        """One keyboard slip: substitute, delete, transpose or double a letter."""
        rng = self.rng
        letters = [i for i, c in enumerate(text) if c.isalpha()]
        if len(letters) < 4:
            return text
        i = rng.choice(letters[1:])   # first letters are rarely mistyped
        op = rng.choice(["sub", "del", "swap", "dup"])
        if op == "sub":
            c = rng.choice("abcdefghijklmnopqrstuvwxyz")
            return text[:i] + (c.upper() if text[i].isupper() else c) + text[i + 1:]
        if op == "del":
            return text[:i] + text[i + 1:]
        if op == "swap" and i + 1 < len(text) and text[i + 1].isalpha():
            return text[:i] + text[i + 1] + text[i] + text[i + 2:]
        return text[:i] + text[i] + text[i:]

    def nickname_variants(self, child: dict) -> list[str]:
        """Names an agency might record instead of the birth name, from the nickname table.

        A formal name (a group key: Alfred, Catherine) may be recorded as any member of its group
        (Alfie, Katie); a diminutive used as the birth name (Alfie, Katie) only as a name sharing
        its first three letters (Alfred; Kate, Kat). Never a name of the other sex (Charlie is not
        recorded as Charlotte for a boy), nor one that would blur two children of one household.
        """
        name = fold(child["given_name"]).lower()
        groups = self.name_groups.get(name, [])
        if name in self.group_members:
            variants = {m for m in self.group_members[name]}
        else:
            variants = {m for g in groups for m in self.group_members[g] if m[:3] == name[:3]}
        other_sex = FEMALE_KEYS | GIRL_NAMES if child["sex"] == "M" else self.male_keys | BOY_NAMES
        avoid = {k for a in child["avoid"] for k in self.name_keys(a)}
        return sorted(v for v in variants - {name}
                      if v not in other_sex and not (self.name_keys(v) & avoid))

    def record_given(self, child: dict, p: dict) -> str:
        rng, name = self.rng, child["given_name"]
        variants = self.nickname_variants(child)
        if variants and rng.random() < p["nick"]:
            name = rng.choice(variants).capitalize()
        elif name in GIVEN_SPELLINGS and rng.random() < p["spell"] * 2:
            name = rng.choice(GIVEN_SPELLINGS[name])
        if rng.random() < p["typo"]:
            name = self.typo(name)
        return name

    def record_surname(self, child: dict, p: dict) -> str:
        rng, name = self.rng, child["surname"]
        if "-" in name:   # double-barrelled: in full, with a space, or one part only
            first, second = name.split("-")
            name = rng.choices([name, f"{first} {second}", second, first], [0.55, 0.15, 0.20, 0.10])[0]
        if name in PUNCTUATION_VARIANTS and rng.random() < SURNAME_PUNCT_VARIANT:
            name = rng.choice(PUNCTUATION_VARIANTS[name])
        elif name in SURNAME_SPELLINGS and rng.random() < p["spell"] * 2:
            name = rng.choice(SURNAME_SPELLINGS[name])
        if rng.random() < p["typo"]:
            name = self.typo(name)
        return name

    def record_dob(self, dob: dt.date, p: dict) -> str:
        rng = self.rng
        if rng.random() < p["dob_miss"]:
            return ""
        if dob.day <= 12 and dob.day != dob.month and rng.random() < p["transp"]:
            return dt.date(dob.year, dob.day, dob.month).isoformat()     # day and month swapped
        if rng.random() < p["dob_typo"]:
            digits = dob.strftime("%Y%m%d")
            for _ in range(20):   # one digit wrong, still a real date, not in the future
                i = rng.randrange(2, 8)
                d = str(rng.randrange(10))
                s = digits[:i] + d + digits[i + 1:]
                try:
                    typo = dt.date(int(s[:4]), int(s[4:6]), int(s[6:]))
                except ValueError:
                    continue
                if typo != dob and typo <= REFERENCE_DATE:
                    return typo.isoformat()
        return dob.isoformat()

    def record_postcode(self, postcode: str, p: dict) -> str:
        rng = self.rng
        if rng.random() < p["pc_miss"]:
            return ""
        if rng.random() < p["pc_typo"]:
            outward, inward = postcode.split(" ")
            kind = rng.choice(["district", "sector", "swap", "letter"])
            if kind == "district":
                outward = outward[:-1] + rng.choice([d for d in "123456789" if d != outward[-1]])
            elif kind == "sector":
                inward = rng.choice([d for d in "0123456789" if d != inward[0]]) + inward[1:]
            elif kind == "swap" and inward[1] != inward[2]:
                inward = inward[0] + inward[2] + inward[1]
            else:
                inward = inward[:2] + rng.choice([c for c in INWARD_LETTERS if c != inward[2]])
            postcode = f"{outward} {inward}"
        style = rng.random()   # formatting, which the normaliser should undo
        if style < 0.08:
            postcode = postcode.replace(" ", "")
        elif style < 0.12:
            postcode = postcode.lower()
        return postcode

    def record_address(self, address: str, p: dict) -> str:
        rng = self.rng
        if rng.random() < p["addr_miss"]:
            return ""
        if address.startswith("Flat ") and rng.random() < 0.25:
            address = address.split(", ", 1)[1]     # flat number left off
        if rng.random() < 0.20:
            words = address.split(" ")
            words[-1] = ABBREVIATIONS.get(words[-1], words[-1])
            address = " ".join(words)
        if rng.random() < p["typo"]:
            address = self.typo(address)
        return address

    def record_nhs(self, nhs: str, p: dict, source: str) -> str:
        rng = self.rng
        if rng.random() >= p["nhs"]:
            return ""
        if rng.random() < NHS_TYPO:
            i = rng.randrange(3, 10)    # stay in the 999 test range
            nhs = nhs[:i] + rng.choice([d for d in "0123456789" if d != nhs[i]]) + nhs[i + 1:]
            assert not nhs_is_valid(nhs)   # Modulus 11 catches every single-digit error
        if source == "health" and rng.random() < 0.4:
            nhs = f"{nhs[:3]} {nhs[3:6]} {nhs[6:]}"   # as printed on NHS letters
        return nhs

    def record_upn(self, upn: str | None, p: dict) -> str:
        rng = self.rng
        if upn is None or rng.random() >= p["upn"]:
            return ""
        if rng.random() < UPN_TYPO:
            i = rng.randrange(8, 13)     # a slip in the year or serial
            typo = upn[:i] + rng.choice([d for d in "0123456789" if d != upn[i]]) + upn[i + 1:]
            # Caught by the check letter: weight w times a digit change d is never 0 mod 23.
            assert not upn_is_valid(typo)
            upn = typo
        return upn

    def record(self, child: dict, source: str) -> dict:
        rng, p = self.rng, PROFILES[source]
        home = child["home"]
        if child["old_home"] is not None and rng.random() < p["moved_old"]:
            home = child["old_home"]
        given, surname = self.record_given(child, p), self.record_surname(child, p)
        if rng.random() < p["swap"]:
            given, surname = surname, given          # names entered in the wrong boxes
        if rng.random() < p["fold"]:
            given, surname = fold(given), fold(surname)
        if rng.random() < p["upper"]:
            given, surname = given.upper(), surname.upper()
        sex = child["sex"]
        if rng.random() < SEX_WRONG:
            sex = "F" if sex == "M" else "M"
        if rng.random() < p["sex_miss"]:
            sex = ""
        return {
            "entity_id": child["child"], "source": source,
            "given_name": given, "surname": surname,
            "dob": self.record_dob(child["dob"], p), "sex": sex,
            "postcode": self.record_postcode(home["postcode"], p),
            "address": self.record_address(home["address"], p),
            "town": "" if rng.random() < p["town_miss"] else home["town"],
            "nhs_number": self.record_nhs(child["nhs"], p, source),
            "upn": self.record_upn(child["upn"], p) if source == "school" else "",
            "other_id": "",
        }

    def generate(self, n_children: int) -> tuple[list[dict], dict]:
        rng = self.rng
        children = self.households(n_children)
        records = []
        for child in children:
            age = (REFERENCE_DATE - child["dob"]).days / 365.25
            agencies = [a for a in AGENCIES if a != "school" or (age >= SCHOOL_AGE and child["upn"])]
            k = min(rng.choices(*RECORDS_PER_CHILD)[0], len(agencies))
            chosen: list[str] = []
            while len(chosen) < k:   # k distinct agencies, weighted
                pool = [a for a in agencies if a not in chosen]
                chosen.append(rng.choices(pool, [AGENCY_WEIGHTS[a] for a in pool])[0])
            records.extend(self.record(child, source) for source in chosen)
        rng.shuffle(records)   # arrival order must not reveal who is who
        for i, r in enumerate(records, 1):
            r["rec_id"] = f"uk-{i:05d}"
        per_entity = Counter(Counter(r["entity_id"] for r in records).values())
        households = Counter(c["household"] for c in children)
        summary = {
            "entities": len(children), "records": len(records),
            "records_per_entity": dict(sorted(per_entity.items())),
            "twin_pairs": self.twin_pairs,
            "children_with_siblings": sum(1 for c in children if households[c["household"]] > 1),
            "by_source": dict(sorted(Counter(r["source"] for r in records).items())),
            "nhs_missing": round(sum(not r["nhs_number"] for r in records) / len(records), 3),
            "dob_missing": round(sum(not r["dob"] for r in records) / len(records), 3),
            "postcode_missing": round(sum(not r["postcode"] for r in records) / len(records), 3),
        }
        return records, summary


def generate(n_children: int = 5000, seed: int = 20261123) -> tuple[list[dict], dict]:
    return Generator(seed).generate(n_children)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--children", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=20261123)
    parser.add_argument("--output", type=Path, default=DATA_DIR / "uk.csv")
    args = parser.parse_args()
    records, summary = generate(args.children, args.seed)
    write_csv(args.output, INPUT_COLUMNS, records)
    print(f"uk: {summary['entities']} children, {summary['records']} records "
          f"({summary['records_per_entity']} records per child), {summary['twin_pairs']} twin pairs, "
          f"{summary['children_with_siblings']} children with siblings at the same address")
    print(f"    by source {summary['by_source']}; missing: NHS number {summary['nhs_missing']:.0%}, "
          f"date of birth {summary['dob_missing']:.1%}, postcode {summary['postcode_missing']:.1%}")
    print(f"    -> {args.output}")


if __name__ == "__main__":
    main()
