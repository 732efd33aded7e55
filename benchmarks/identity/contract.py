"""The CSV contracts shared by the identity benchmark's scripts and the Swift linker.

Input (one file per data set, written by prepare.py, read by `baton-bench-identity link`):
UTF-8, a header row, exactly INPUT_COLUMNS in this order, the empty string for anything absent.

Output (written by the linker, read by evaluate.py): OUTPUT_COLUMNS, one row per input record.
"""

from __future__ import annotations

import csv
from pathlib import Path

INPUT_COLUMNS = [
    "rec_id",      # unique within the file; opaque to the linker
    "entity_id",   # truth: records of the same person share it (the linker must ignore it)
    "source",      # who sent the record: "A"/"B" (febrl4), an agency kind (uk), else empty
    "given_name",
    "surname",
    "dob",         # YYYY-MM-DD when it is a real date, else the raw text (treat as absent)
    "sex",         # M, F or empty
    "postcode",
    "address",
    "town",
    "nhs_number",
    "upn",
    "other_id",    # FEBRL's soc_sec_id; empty for uk
]

OUTPUT_COLUMNS = ["rec_id", "person", "outcome", "candidate", "score"]
OUTCOMES = ("linked", "new", "review")

HERE = Path(__file__).resolve().parent
DATA_DIR = HERE / ".data"
OUT_DIR = HERE / ".out"
SETS = ["febrl1", "febrl2", "febrl3", "febrl4", "uk"]


def write_csv(path: Path, columns: list[str], rows: list[dict]) -> None:
    """Write rows (dicts; missing keys and None become "") with exactly `columns`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow(["" if row.get(c) is None else str(row.get(c)) for c in columns])


def read_csv(path: Path, columns: list[str]):
    """Read a contract CSV as a pandas DataFrame of strings ("" for absent), checking the header."""
    import pandas as pd

    df = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[], encoding="utf-8")
    if list(df.columns) != columns:
        raise ValueError(f"{path}: expected columns {columns}, found {list(df.columns)}")
    return df
