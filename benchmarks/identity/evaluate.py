#!/usr/bin/env python3
"""Score Baton's identity linker against the truth, side by side with Splink, on the same inputs.

For each set it reads .data/<set>.csv (input contract, contract.py) and the Swift linker's
.out/<set>.baton.csv (output contract: rec_id,person,outcome,candidate,score), runs Splink on the
same input, and computes pairwise figures for both:

  precision         true pairs among pairs of records given the same person / all such pairs
  recall            true pairs given the same person / all true pairs
  F1                harmonic mean of the two
  recall + review   true pairs that share a person OR are joined through reviews (each review
                    record united with its candidate's person, transitively) / all true pairs
  review %          review records / all records
  false links       pairs given the same person that are not the same entity

Splink (DuckDB backend) is trained without labels: u by random sampling, m by expectation
maximisation, then pairs are predicted and clustered at match probability 0.99 (its automatic
links). Its "review" is emulated the way an incremental linker sees it: records are taken in file
order, a record with an earlier record in its 0.99 cluster is `linked`, else one with a pair scored
0.5-0.99 against an earlier record of another cluster is `review` (candidate = the best such record),
else `new`; Splink's output is written in Baton's output contract (.out/<set>.splink.csv) and scored
by the same code.

Prints a table and PASS/FAIL lines for the targets, writes every figure to .out/results.json, and
exits 0 whatever the figures (the run script decides).

Usage: evaluate.py [--sets febrl1,...,uk] [--no-splink] [--reuse-splink] [--self-test]
       evaluate.py --input some.csv --baton some.baton.csv     (one ad-hoc pair of files)
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import logging
import os
import platform
import re
import sys
import time
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from contract import DATA_DIR, INPUT_COLUMNS, OUT_DIR, OUTCOMES, OUTPUT_COLUMNS, SETS, read_csv, write_csv  # noqa: E402

AUTO_THRESHOLD = 0.99      # Splink: match probability for an automatic link
REVIEW_THRESHOLD = 0.5     # Splink: lower edge of the review band
SEED = 20261123

TARGET_PRECISION = 0.995
TARGET_REVIEW = 0.05


# --- Pairwise metrics ----------------------------------------------------------------------------
def pairs_in(groups: pd.Series) -> int:
    """Number of unordered pairs inside groups of the given sizes: sum of n(n-1)/2."""
    n = groups.to_numpy(dtype=np.int64)
    return int((n * (n - 1) // 2).sum())


class UnionFind:
    def __init__(self):
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        parent = self.parent
        root = x
        while parent.get(root, root) != root:
            root = parent[root]
        while x != root:   # path compression
            parent[x], x = root, parent.get(x, x)
        return root

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[ra] = rb


def check_output(truth: pd.DataFrame, out: pd.DataFrame, label: str) -> None:
    """Raise ValueError unless `out` assigns every input record exactly once, validly."""
    missing_cols = [c for c in OUTPUT_COLUMNS if c not in out.columns]
    if missing_cols:
        raise ValueError(f"{label}: missing columns {missing_cols} (expected {OUTPUT_COLUMNS})")
    dupes = out.rec_id[out.rec_id.duplicated()]
    if len(dupes):
        raise ValueError(f"{label}: {len(dupes)} rec_ids appear more than once, e.g. {dupes.iloc[0]}")
    known = set(truth.rec_id)
    unknown = [r for r in out.rec_id if r not in known]
    if unknown:
        raise ValueError(f"{label}: {len(unknown)} rec_ids not in the input, e.g. {unknown[0]}")
    if len(out) != len(truth):
        absent = next(r for r in truth.rec_id if r not in set(out.rec_id))
        raise ValueError(f"{label}: {len(truth) - len(out)} input records missing, e.g. {absent}")
    bad = out.outcome[~out.outcome.isin(OUTCOMES)]
    if len(bad):
        raise ValueError(f"{label}: outcome {bad.iloc[0]!r} is not one of {OUTCOMES}")
    if (out.person == "").any():
        raise ValueError(f"{label}: {int((out.person == '').sum())} records have no person")
    review = out[out.outcome == "review"]
    orphan = review[~review.candidate.isin(known)]
    if len(orphan):
        raise ValueError(f"{label}: review record {orphan.rec_id.iloc[0]} has candidate "
                         f"{orphan.candidate.iloc[0]!r}, which is not an input rec_id")


def pairwise_metrics(truth: pd.DataFrame, out: pd.DataFrame) -> dict:
    """Pairwise figures of a linker's output against the truth (both DataFrames of strings).

    Pairs are counted within groups, never enumerated: for any grouping G, the pairs inside it are
    sum C(|g|, 2); the true pairs inside it are sum C(|g ∩ e|, 2) over (g, entity e) groups.
    """
    df = truth[["rec_id", "entity_id"]].merge(out[["rec_id", "person", "outcome", "candidate"]], on="rec_id")
    true_pairs = pairs_in(df.groupby("entity_id").size())
    linked_pairs = pairs_in(df.groupby("person").size())
    linked_true = pairs_in(df.groupby(["person", "entity_id"]).size())

    # Links plus review: unite each review record's person with its candidate's person.
    person_of = dict(zip(df.rec_id, df.person))
    uf = UnionFind()
    review = df[df.outcome == "review"]
    for rec, cand in zip(review.rec_id, review.candidate):
        uf.union(person_of[rec], person_of[cand])
    merged = df.person.map(uf.find)
    review_true = pairs_in(df.assign(merged=merged).groupby(["merged", "entity_id"]).size())

    precision = linked_true / linked_pairs if linked_pairs else None
    recall = linked_true / true_pairs if true_pairs else None
    f1 = (2 * precision * recall / (precision + recall)
          if precision is not None and recall is not None and precision + recall > 0 else 0.0)
    reviews = int((df.outcome == "review").sum())
    return {
        "records": len(df), "true_pairs": true_pairs, "linked_pairs": linked_pairs,
        "true_links": linked_true, "false_links": linked_pairs - linked_true,
        "precision": precision, "recall": recall, "f1": f1,
        "recall_with_review": review_true / true_pairs if true_pairs else None,
        "reviews": reviews, "review_rate": reviews / len(df) if len(df) else 0.0,
        "persons": int(df.person.nunique()),
        "outcomes": {o: int((df.outcome == o).sum()) for o in OUTCOMES},
    }


def clusters_metrics(truth: pd.DataFrame, edges: list[tuple[str, str]]) -> dict:
    """Precision/recall/F1 of the transitive closure of `edges` (used for Splink at 0.5)."""
    uf = UnionFind()
    for a, b in edges:
        uf.union(a, b)
    out = pd.DataFrame({"rec_id": truth.rec_id, "person": truth.rec_id.map(uf.find),
                        "outcome": "new", "candidate": "", "score": ""})
    m = pairwise_metrics(truth, out)
    return {k: m[k] for k in ("precision", "recall", "f1", "false_links", "linked_pairs")}


# --- Splink --------------------------------------------------------------------------------------
def clean_for_splink(df: pd.DataFrame) -> pd.DataFrame:
    """The light cleaning any Splink user would do: case and accents folded, punctuation in names
    dropped, postcodes and identifiers without spaces, dates that are not real dates as null. No
    nickname table: Splink has none out of the box (Baton's normaliser has one)."""
    def fold(s: str) -> str:
        s = "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))
        return s.lower()

    def name(s: str) -> str | None:
        s = re.sub(r"['’.]", "", fold(s))
        s = re.sub(r"[^a-z]+", " ", s).strip()
        return s or None

    def text(s: str) -> str | None:
        s = re.sub(r"[^a-z0-9]+", " ", fold(s)).strip()
        return s or None

    def compact(s: str) -> str | None:
        s = re.sub(r"[\s-]+", "", s).upper()
        return s or None

    def date(s: str) -> str | None:
        try:
            return dt.date.fromisoformat(s).isoformat() if re.fullmatch(r"\d{4}-\d\d-\d\d", s) else None
        except ValueError:
            return None

    return pd.DataFrame({
        "rec_id": df.rec_id,
        "given_name": df.given_name.map(name), "surname": df.surname.map(name),
        "dob": df.dob.map(date), "sex": df.sex.map(lambda s: s or None),
        "postcode": df.postcode.map(compact), "address": df.address.map(text),
        "town": df.town.map(text), "nhs_number": df.nhs_number.map(compact),
        "upn": df.upn.map(compact), "other_id": df.other_id.map(compact),
    })


def splink_settings(data: pd.DataFrame):
    """Comparisons and blocking rules for the fields this set actually has."""
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    has = {c: bool(data[c].notna().any()) for c in data.columns}
    comparisons = [
        # Null, exact (with term-frequency adjustment), Jaro-Winkler >= 0.92, 0.88, 0.70, else.
        cl.NameComparison("given_name"),
        cl.NameComparison("surname"),
        # Dates: one digit wrong or two adjacent digits swapped, day and month transposed, two
        # edits, else. (Invalid dates were nulled in cleaning.)
        cl.CustomComparison(
            output_column_name="dob",
            comparison_levels=[
                cll.NullLevel("dob"),
                cll.ExactMatchLevel("dob"),
                cll.DamerauLevenshteinLevel("dob", 1),
                cll.CustomLevel(
                    "substr(dob_l, 1, 4) = substr(dob_r, 1, 4) AND substr(dob_l, 6, 2) = substr(dob_r, 9, 2)"
                    " AND substr(dob_l, 9, 2) = substr(dob_r, 6, 2)",
                    label_for_charts="Day and month transposed"),
                cll.LevenshteinLevel("dob", 2),
                cll.ElseLevel(),
            ],
        ),
        # Postcode and address describe one home, so they are one comparison: as separate ones
        # their evidence would be counted twice, and siblings (same home, different names and
        # dates) would outweigh their differences. Town is kept apart (in FEBRL it is independent).
        cl.CustomComparison(
            output_column_name="location",
            comparison_levels=[
                cll.CustomLevel(
                    "(postcode_l IS NULL OR postcode_r IS NULL) AND (address_l IS NULL OR address_r IS NULL)",
                    label_for_charts="Postcode and address both missing").configure(is_null_level=True),
                cll.And(cll.ExactMatchLevel("postcode"), cll.JaroWinklerLevel("address", 0.9)),
                cll.Or(cll.ExactMatchLevel("postcode"), cll.JaroWinklerLevel("address", 0.9)),
                cll.Or(cll.DamerauLevenshteinLevel("postcode", 1), cll.JaroWinklerLevel("address", 0.7)),
                cll.ElseLevel(),
            ],
        ),
        cl.JaroWinklerAtThresholds("town", [0.9]),
    ]
    blocking = [
        block_on("dob"),
        block_on("surname", "substr(given_name, 1, 1)"),
        block_on("postcode"),
        block_on("given_name", "substr(dob, 1, 4)"),
    ]
    if has["other_id"]:
        comparisons.append(cl.DamerauLevenshteinAtThresholds("other_id", [1, 2]))
        blocking.append(block_on("other_id"))
    if has["nhs_number"]:
        comparisons.append(cl.DamerauLevenshteinAtThresholds("nhs_number", [1]))
        blocking.append(block_on("nhs_number"))
    if has["upn"]:
        comparisons.append(cl.DamerauLevenshteinAtThresholds("upn", [1]))
        blocking.append(block_on("upn"))
    if has["sex"]:
        comparisons.append(cl.ExactMatch("sex"))
    settings = SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="rec_id",
        comparisons=comparisons,
        blocking_rules_to_generate_predictions=blocking,
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=False,
        max_iterations=25,
    )
    # Deterministic rules for the prior (the probability that two random records match): exact
    # name and date, or the same strong identifier; assumed to find 70% of matches, as in Splink's
    # own examples.
    deterministic = [block_on("given_name", "surname", "dob")]
    deterministic += [block_on(c) for c in ("other_id", "nhs_number", "upn") if has[c]]
    # EM training blocks: on names (estimates date, postcode, address, ids), then on the date
    # (estimates the names).
    training = [block_on("given_name", "surname"), block_on("dob")]
    return settings, deterministic, training


def run_splink(truth: pd.DataFrame, threads: int, seed: int) -> tuple[pd.DataFrame, dict, pd.DataFrame]:
    """Train, predict and cluster with Splink; return its output in Baton's contract, extras, and
    its scored pairs (rec_a, rec_b, probability: every pair at or above the review threshold)."""
    import duckdb
    import splink
    from splink import DuckDBAPI, Linker

    logging.getLogger("splink").setLevel(logging.ERROR)
    started = time.perf_counter()
    data = clean_for_splink(truth)
    settings, deterministic, training = splink_settings(data)
    con = duckdb.connect()
    con.execute(f"SET threads = {threads}")
    db_api = DuckDBAPI(con)
    if hasattr(db_api, "register"):                      # Splink 5
        linker = Linker(db_api.register(data), settings, log_level=logging.ERROR)
    else:                                                # Splink 4
        linker = Linker(data, settings, db_api)
    linker.training.estimate_probability_two_random_records_match(deterministic, recall=0.7)
    linker.training.estimate_u_using_random_sampling(max_pairs=5e6, seed=seed)
    for rule in training:
        linker.training.estimate_parameters_using_expectation_maximisation(rule)
    trained = time.perf_counter()
    predictions = linker.inference.predict(threshold_match_probability=REVIEW_THRESHOLD)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=AUTO_THRESHOLD)
    edges = predictions.as_pandas_dataframe()[["rec_id_l", "rec_id_r", "match_probability"]]
    cluster_of = dict(clusters.as_pandas_dataframe()[["rec_id", "cluster_id"]].itertuples(index=False))
    finished = time.perf_counter()

    out = incremental_view(truth.rec_id.tolist(), cluster_of, edges)
    at_half = clusters_metrics(truth, list(zip(edges.rec_id_l, edges.rec_id_r)))
    edges = edges.rename(columns={"rec_id_l": "rec_a", "rec_id_r": "rec_b", "match_probability": "probability"})
    info = {
        "version": splink.__version__, "duckdb": duckdb.__version__, "threads": threads, "seed": seed,
        "auto_threshold": AUTO_THRESHOLD, "review_threshold": REVIEW_THRESHOLD,
        "pairs_scored_at_or_above_review_threshold": len(edges),
        "seconds_training": round(trained - started, 2),
        "seconds_predict_and_cluster": round(finished - trained, 2),
        "seconds": round(finished - started, 2),
        "clusters_at_review_threshold": at_half,
    }
    return out, info, edges


def incremental_view(order: list[str], cluster_of: dict, edges: pd.DataFrame) -> pd.DataFrame:
    """Splink's batch clusters as an incremental linker's outcomes, records taken in file order."""
    position = {r: i for i, r in enumerate(order)}
    first_in_cluster: dict = {}
    for r in order:
        first_in_cluster.setdefault(cluster_of[r], r)
    best: dict[str, tuple[float, str]] = {}   # later record -> (probability, earlier candidate)
    for a, b, p in edges.itertuples(index=False):
        if p >= AUTO_THRESHOLD or cluster_of[a] == cluster_of[b]:
            continue
        early, late = (a, b) if position[a] < position[b] else (b, a)
        if late not in best or p > best[late][0]:
            best[late] = (p, early)
    rows = []
    for r in order:
        c = cluster_of[r]
        if first_in_cluster[c] != r:
            rows.append((r, str(c), "linked", "", ""))
        elif r in best:
            rows.append((r, str(c), "review", best[r][1], f"{best[r][0]:.4f}"))
        else:
            rows.append((r, str(c), "new", "", ""))
    return pd.DataFrame(rows, columns=OUTPUT_COLUMNS)


# --- The vetoes ---------------------------------------------------------------------------
# Requirement 3 of the issue: never link automatically across two different valid NHS numbers, a
# sex conflict, or dates of birth that are not a plausible typo, and twins (same surname, date of
# birth and address, different given names) stay two children. Baton's own code decides which
# pairs those are (`baton-bench-identity pairs`), so the figures below use exactly its definitions.
HARD_VETOES = {"twins", "different-nhs-numbers"}


class Vetoes(set):
    """The vetoes between two records, and whether their given names agree (both recorded, and
    not "different"), which Baton's person rule for twins needs."""
    given_agrees = False


def kept_apart(xs: list[str], ys: list[str], vetoes: dict) -> bool:
    """Whether Baton's rules keep two groups of records from being one person: two valid NHS
    numbers between any of them, or twins between x and y where neither x's given name agrees with
    another of ys' records nor y's with another of xs' (a person already known by an agreeing name
    is not the other twin: the twin-like record is a misspelling)."""
    for x in xs:
        for y in ys:
            v = vetoes[(x, y)]
            if "different-nhs-numbers" in v:
                return True
            if "twins" in v and not any(vetoes[(x, z)].given_agrees for z in ys if z != y) \
                    and not any(vetoes[(y, z)].given_agrees for z in xs if z != x):
                return True
    return False


def pair_vetoes(bench: Path, input_path: Path, pairs: list[tuple[str, str]], work: Path) -> dict:
    """{(a, b): set of vetoes} for each pair (both orders), as Baton's resolver computes them."""
    import subprocess
    pairs_path = work / "vetoes.pairs.csv"
    out_path = work / "vetoes.out.csv"
    with pairs_path.open("w") as f:
        f.write("rec_a,rec_b\n")
        f.writelines(f"{a},{b}\n" for a, b in pairs)
    subprocess.run([str(bench), "pairs", "--input", str(input_path), "--pairs", str(pairs_path),
                    "--output", str(out_path)], check=True, cwd=Path(__file__).resolve().parents[2])
    result = {}
    for row in pd.read_csv(out_path, dtype=str, keep_default_na=False).itertuples(index=False):
        vetoes = Vetoes(filter(None, row.vetoes.split(";")))
        vetoes.given_agrees = row.given not in ("", "different")
        result[(row.rec_a, row.rec_b)] = result[(row.rec_b, row.rec_a)] = vetoes
    pairs_path.unlink()
    out_path.unlink()
    return result


def set_partitions(items: list):
    """Every partition of `items` into groups (Bell(n) of them: used for n <= 8)."""
    if not items:
        yield []
        return
    first, rest = items[0], items[1:]
    for partition in set_partitions(rest):
        yield [[first]] + partition
        for i in range(len(partition)):
            yield partition[:i] + [[first] + partition[i]] + partition[i + 1:]


def veto_ceiling(truth: pd.DataFrame, vetoes: dict) -> dict:
    """The best any linker can do while honouring the vetoes, knowing the truth: each person's
    records split into groups with no two valid NHS numbers inside a group, no twins inside one
    unless one of the two has an agreeing given name with another member (Baton's person rule), and
    every group connected by pairs with no veto at all, choosing the split that keeps the most true pairs (exhaustively for up to
    8 records, greedily beyond). Precision is 1 by construction; recall is the share of true pairs
    kept."""
    def feasible(group: list[str]) -> bool:
        for i, x in enumerate(group):
            for y in group[i + 1:]:
                v = vetoes[(x, y)]
                if "different-nhs-numbers" in v:
                    return False
                if "twins" in v and not any(vetoes[(w, z)].given_agrees for w in (x, y) for z in group if z not in (x, y)):
                    return False
        seen, todo = {group[0]}, [group[0]]
        while todo:
            x = todo.pop()
            for y in group:
                if y not in seen and not vetoes[(x, y)]:
                    seen.add(y)
                    todo.append(y)
        return len(seen) == len(group)

    got = 0
    counts = {"none": 0}
    for _, ids in truth.groupby("entity_id", sort=False).rec_id:
        ids = list(ids)
        if len(ids) <= 8:
            got += max(sum(len(g) * (len(g) - 1) // 2 for g in partition)
                       for partition in set_partitions(ids) if all(feasible(g) for g in partition))
        else:
            groups: list[list[str]] = []
            for x in ids:
                for g in groups:
                    if feasible(g + [x]):
                        g.append(x)
                        break
                else:
                    groups.append([x])
            got += sum(len(g) * (len(g) - 1) // 2 for g in groups)
        for a, b in ((a, b) for i, a in enumerate(ids) for b in ids[i + 1:]):
            for v in vetoes[(a, b)] or {"none"}:
                counts[v] = counts.get(v, 0) + 1
    true_pairs = pairs_in(truth.groupby("entity_id").size())
    recall = got / true_pairs if true_pairs else None
    return {"true_pairs": true_pairs, "reachable_pairs": got, "recall": recall,
            "f1": 2 * recall / (1 + recall) if recall else 0.0, "true_pairs_by_veto": counts}


def splink_with_vetoes(truth: pd.DataFrame, edges: pd.DataFrame, vetoes: dict, more_vetoes) -> pd.DataFrame:
    """Splink's pairs with the issue's vetoes applied, as a hub running Splink would have to: a
    pair with a hard veto is dropped and one with any other veto is no automatic link (it may still
    be a review); then clusters are joined at 0.99, best pair first, but never two clusters that
    Baton's rules for a person keep apart (`kept_apart`). `more_vetoes(pairs)` supplies vetoes for
    pairs not yet known."""
    kept = []
    for a, b, p in edges.itertuples(index=False):
        v = vetoes[(a, b)]
        if v & HARD_VETOES:
            continue
        kept.append((a, b, min(p, np.nextafter(AUTO_THRESHOLD, 0)) if v else p))
    kept = pd.DataFrame(kept, columns=["rec_a", "rec_b", "probability"])
    auto = kept[kept.probability >= AUTO_THRESHOLD].sort_values("probability", ascending=False, kind="stable")
    # Every pair inside the unconstrained components, so that the constraint can be checked.
    loose = UnionFind()
    for a, b in zip(auto.rec_a, auto.rec_b):
        loose.union(a, b)
    members: dict[str, list[str]] = {}
    for r in truth.rec_id:
        members.setdefault(loose.find(r), []).append(r)
    inside = [(a, b) for group in members.values() if len(group) > 1
              for i, a in enumerate(group) for b in group[i + 1:] if (a, b) not in vetoes]
    vetoes.update(more_vetoes(inside))
    uf = UnionFind()
    cluster: dict[str, list[str]] = {r: [r] for r in truth.rec_id}
    for a, b in zip(auto.rec_a, auto.rec_b):
        ra, rb = uf.find(a), uf.find(b)
        if ra == rb or kept_apart(cluster[ra], cluster[rb], vetoes):
            continue
        uf.union(ra, rb)
        cluster[uf.find(ra)] = cluster.pop(ra) + cluster.pop(rb)
    cluster_of = {r: uf.find(r) for r in truth.rec_id}
    return incremental_view(truth.rec_id.tolist(), cluster_of, kept)


def vetoed_figures(r: dict, truth: pd.DataFrame, input_path: Path, edges: pd.DataFrame | None,
                   bench: Path, work: Path) -> None:
    """Adds `ceiling` (Baton's) and `splink_vetoed` to a set's results."""
    true_pairs = [(a, b) for ids in truth.groupby("entity_id").rec_id
                  for i, a in enumerate(list(ids[1])) for b in list(ids[1])[i + 1:]]
    wanted = true_pairs + ([] if edges is None else list(zip(edges.rec_a, edges.rec_b)))
    vetoes = pair_vetoes(bench, input_path, wanted, work)
    r["ceiling"] = veto_ceiling(truth, vetoes)   # before Splink's pairs add to `vetoes`
    if edges is not None:
        out = splink_with_vetoes(truth, edges, vetoes, lambda pairs: pair_vetoes(bench, input_path, pairs, work))
        r["splink_vetoed"] = pairwise_metrics(truth, out)


# --- Reporting -----------------------------------------------------------------------------------
def pct(x, digits=2) -> str:
    return "n/a" if x is None else f"{100 * x:.{digits}f}%"


def seconds(r: dict, tool: str) -> str:
    if tool == "baton_at_splink_threshold":
        return ""
    t = r.get("baton_seconds") if tool == "baton" else r.get("splink_run", {}).get("seconds")
    return "" if t is None else f"{t:.1f} s"


def print_table(results: dict) -> None:
    header = (f"{'set':<8} {'records':>7} {'true pairs':>10}  {'linker':<9} {'precision':>9} "
              f"{'recall':>8} {'F1':>8} {'rec+rev':>8} {'review':>7} {'false links':>11} {'time':>8}")
    print(header)
    print("-" * len(header))
    for name, r in results.items():
        first = True
        for tool in ("baton", "baton_at_splink_threshold", "splink", "splink_vetoed"):
            m = r.get(tool)
            if m is None and tool in ("splink_vetoed", "baton_at_splink_threshold"):
                continue
            lead = f"{name:<8} {r['records']:>7} {r['true_pairs']:>10}" if first else " " * 27
            first = False
            if m is None:
                note = r.get(f"{tool}_error") or ("not run" if tool == "splink" else "no output")
                print(f"{lead}  {tool:<9} {note}")
                continue
            label = {"splink_vetoed": "splink+v", "baton_at_splink_threshold": "baton@.99"}.get(tool, tool)
            print(f"{lead}  {label:<9} {pct(m['precision']):>9} {pct(m['recall']):>8} "
                  f"{m['f1']:>8.4f} {pct(m['recall_with_review']):>8} {pct(m['review_rate'], 1):>7} "
                  f"{m['false_links']:>11} {seconds(r, tool):>8}")
        if r.get("ceiling"):
            c = r["ceiling"]
            print(f"{'':27}  {'ceiling':<9} {'100.00%':>9} {pct(c['recall']):>8} {c['f1']:>8.4f}")
    print("(splink+v: Splink's pairs with the issue's vetoes applied before clustering; ceiling: the best "
          "any linker can do under those vetoes, knowing the truth)")
    print(f"(baton@.99: Baton's linker and model with its link threshold at Splink's, {AUTO_THRESHOLD}; the shipped "
          "policy links at 0.999)")
    print(f"(Splink: automatic links at match probability {AUTO_THRESHOLD}; review band "
          f"{REVIEW_THRESHOLD}-{AUTO_THRESHOLD}, emulated in file order)")


def judge(results: dict) -> list[dict]:
    """The issue's targets, each PASS, FAIL or NOT RUN, with the figures behind the verdict."""
    targets = []

    def verdict(name: str, ok_by_set: dict, detail: str) -> None:
        missing = [s for s, ok in ok_by_set.items() if ok is None]
        failed = [s for s, ok in ok_by_set.items() if ok is False]
        status = "NOT RUN" if missing else ("FAIL" if failed else "PASS")
        notes = [detail] if detail else []
        if missing:
            notes.append(f"no figures for {', '.join(missing)}")
        if failed:
            notes.append(f"failed on {', '.join(failed)}")
        detail = "; ".join(notes)
        targets.append({"target": name, "status": status, "detail": detail,
                        "by_set": {s: ok for s, ok in ok_by_set.items()}})

    baton = {s: r.get("baton") for s, r in results.items()}
    splink = {s: r.get("splink") for s, r in results.items()}
    precision = {s: (None if m is None else (m["precision"] is not None and m["precision"] >= TARGET_PRECISION))
                 for s, m in baton.items()}
    verdict(f"Baton automatic-link precision >= {TARGET_PRECISION:.1%} on every set", precision,
            ", ".join(f"{s} {pct(m['precision'])}" for s, m in baton.items() if m))
    def f1_at_least(name: str, other: dict) -> None:
        ok = {s: (None if baton[s] is None or other[s] is None else baton[s]["f1"] >= other[s]["f1"]) for s in results}
        verdict(name, ok, ", ".join(f"{s} {baton[s]['f1']:.4f} vs {other[s]['f1']:.4f}"
                                    for s in results if baton[s] and other[s]))

    f1_at_least("Baton F1 >= Splink F1 on every set", splink)
    vetoed = {s: r.get("splink_vetoed") for s, r in results.items()}
    if any(vetoed.values()):
        f1_at_least("Baton F1 >= Splink F1 with the issue's vetoes applied to Splink's links (like for like)", vetoed)
    ceilings = {s: r.get("ceiling") for s, r in results.items()}
    if any(ceilings.values()):
        can = {s: (None if baton[s] is None or splink[s] is None or ceilings[s] is None
                   else ceilings[s]["f1"] >= splink[s]["f1"]) for s in results}
        reachable = [s for s, ok in can.items() if ok]
        targets.append({
            "target": "(not a target) the best F1 any linker can reach under the issue's vetoes, beside Splink's without them",
            "status": "INFO", "by_set": can,
            "detail": ", ".join(f"{s} ceiling {ceilings[s]['f1']:.4f} (Baton {baton[s]['f1']:.4f}) vs Splink {splink[s]['f1']:.4f}"
                                for s in results if baton[s] and splink[s] and ceilings[s])
            + f"; Splink's F1 is within reach under the vetoes on {', '.join(reachable) or 'no set'}"})
    at_threshold = {s: r.get("baton_at_splink_threshold") for s, r in results.items()}
    if any(at_threshold.values()) and any(vetoed.values()):
        level = {s: (None if at_threshold[s] is None or vetoed[s] is None else at_threshold[s]["f1"] >= vetoed[s]["f1"])
                 for s in results}
        targets.append({
            "target": f"(not a target) like for like at one threshold: Baton at Splink's {AUTO_THRESHOLD} beside splink+v",
            "status": "INFO", "by_set": level,
            "detail": ", ".join(f"{s} {at_threshold[s]['f1']:.4f} vs {vetoed[s]['f1']:.4f} "
                                f"(precision {pct(at_threshold[s]['precision'])}, {at_threshold[s]['false_links']} false)"
                                for s in results if at_threshold[s] and vetoed[s])})
    review = {s: (None if m is None else m["review_rate"] <= TARGET_REVIEW) for s, m in baton.items()}
    verdict(f"Baton review <= {TARGET_REVIEW:.0%} of records on every set", review,
            ", ".join(f"{s} {pct(m['review_rate'], 1)}" for s, m in baton.items() if m))
    return targets


# --- Self-test -----------------------------------------------------------------------------------
def self_test(names: list[str], data_dir: Path) -> None:
    """The metric code against outputs whose figures are known: the truth itself (perfect),
    all singletons (no links), everything in one person, and a hand-made case with reviews."""
    def output(df, person, outcome="new", candidate=""):
        return pd.DataFrame({"rec_id": df.rec_id, "person": person, "outcome": outcome,
                             "candidate": candidate, "score": ""})

    for name in names:
        truth = read_csv(data_dir / f"{name}.csv", INPUT_COLUMNS)
        perfect = pairwise_metrics(truth, output(truth, truth.entity_id))
        assert perfect["precision"] == perfect["recall"] == perfect["f1"] == 1.0, perfect
        assert perfect["false_links"] == 0 and perfect["recall_with_review"] == 1.0
        single = pairwise_metrics(truth, output(truth, truth.rec_id))
        assert single["precision"] is None and single["recall"] == 0.0 and single["f1"] == 0.0
        assert single["recall_with_review"] == 0.0 and single["false_links"] == 0
        n, t = len(truth), single["true_pairs"]
        lump = pairwise_metrics(truth, output(truth, "everyone"))
        assert lump["linked_pairs"] == n * (n - 1) // 2 and lump["recall"] == 1.0
        assert lump["false_links"] == n * (n - 1) // 2 - t
        print(f"self-test {name}: perfect 1.0/1.0/1.0, singletons recall 0.0, one person "
              f"precision {lump['precision']:.6f} = {t}/{n * (n - 1) // 2}: ok")

    # Entities: x = {1,2,3}, y = {4,5}, z = {6}. Persons: P = {1,2}, Q = {3}, R = {4,6}, S = {5}.
    # Linked pairs: (1,2) true, (4,6) false -> precision 1/2, recall 1/4 (true pairs 12,13,23,45).
    # Review 3 -> candidate 1 joins Q to P: (1,3),(2,3) now reachable; review 5 -> 4 joins S to R:
    # (4,5) reachable. Recall with review = 4/4; review rate 2/6.
    truth = pd.DataFrame({"rec_id": list("123456"), "entity_id": list("xxxyyz")})
    out = pd.DataFrame({"rec_id": list("123456"), "person": list("PPQRSR"),
                        "outcome": ["new", "linked", "review", "new", "review", "linked"],
                        "candidate": ["", "", "1", "", "4", ""], "score": ""})
    check_output(truth, out, "hand-made")
    m = pairwise_metrics(truth, out)
    assert (m["true_pairs"], m["linked_pairs"], m["false_links"]) == (4, 2, 1), m
    assert m["precision"] == 0.5 and m["recall"] == 0.25 and abs(m["f1"] - 1 / 3) < 1e-12, m
    assert m["recall_with_review"] == 1.0 and abs(m["review_rate"] - 2 / 6) < 1e-12, m
    for broken, why in [(out.iloc[:5], "missing"), (pd.concat([out, out.iloc[:1]]), "more than once"),
                        (out.assign(outcome="maybe"), "not one of"),
                        (out.assign(candidate=["", "", "9", "", "4", ""]), "candidate")]:
        try:
            check_output(truth, broken, "broken")
        except ValueError as e:
            assert why in str(e), e
        else:
            raise AssertionError(f"check_output accepted a broken output ({why})")
    print("self-test hand-made case (precision 1/2, recall 1/4, F1 1/3, recall+review 1, "
          "review 2/6) and output checks: ok")

    # The ceiling under vetoes. Person x = {1,2,3}: 1 and 2 are twins by the veto (hard), 3 agrees
    # with both: one pair of three is the most (never all three). Person y = {4,5,6}: 4-5 has a soft
    # veto only, 4-6 and 5-6 none: all three pairs (connected through 6). Person z = {7,8}: soft
    # veto and nothing else: none.
    assert [len(list(set_partitions(list(range(n))))) for n in range(1, 7)] == [1, 2, 5, 15, 52, 203]
    truth = pd.DataFrame({"rec_id": list("12345678"), "entity_id": list("xxxyyyzz")})
    vetoes = {}
    for (a, b), v in {("1", "2"): {"twins"}, ("1", "3"): set(), ("2", "3"): set(), ("4", "5"): {"sex-conflict"},
                      ("4", "6"): set(), ("5", "6"): set(), ("7", "8"): {"dates-of-birth-differ"}}.items():
        vetoes[(a, b)] = vetoes[(b, a)] = Vetoes(v)
    c = veto_ceiling(truth, vetoes)
    assert (c["true_pairs"], c["reachable_pairs"]) == (7, 4), c
    assert c["true_pairs_by_veto"] == {"none": 4, "twins": 1, "sex-conflict": 1, "dates-of-birth-differ": 1}, c
    print("self-test ceiling under vetoes (4 of 7 pairs reachable) and Bell numbers: ok")

    # Splink's pairs under the vetoes. a-b and b-c are sure pairs; a and c are twins, and c's given
    # name agrees with no other record, so c is kept out of {a, b} (were it to agree with b's, c
    # would be a misspelt a, not a twin, and join). d-e is sure but has a soft veto:
    # a review, not a link. f-g is sure and clean: linked.
    truth = pd.DataFrame({"rec_id": list("abcdefg"), "entity_id": list("xxxyyzz")})
    edges = pd.DataFrame({"rec_a": list("abdf"), "rec_b": list("bceg"), "probability": [0.999, 0.998, 0.999, 0.995]})
    known = {("a", "b"): set(), ("b", "c"): set(), ("d", "e"): {"sex-conflict"}, ("f", "g"): set()}
    vetoes = {}
    for (a, b), v in known.items():
        vetoes[(a, b)] = vetoes[(b, a)] = Vetoes(v)
        vetoes[(a, b)].given_agrees = (a, b) != ("b", "c")   # c records no given name
    asked = []

    def more(pairs):
        asked.extend(pairs)
        extra = {}
        for a, b in pairs:
            v = Vetoes({"twins"} if {a, b} == {"a", "c"} else set())
            extra[(a, b)] = extra[(b, a)] = v
        return extra
    out = splink_with_vetoes(truth, edges, vetoes, more).set_index("rec_id")
    assert {frozenset(p) for p in asked} == {frozenset(("a", "c"))}, asked
    assert out.person["a"] == out.person["b"] != out.person["c"], out
    assert out.outcome["e"] == "review" and out.candidate["e"] == "d" and out.person["d"] != out.person["e"], out
    assert out.person["f"] == out.person["g"] and out.outcome["g"] == "linked", out
    vetoes[("b", "c")].given_agrees = True
    joined = splink_with_vetoes(truth, edges, vetoes, more).set_index("rec_id")
    assert joined.person["a"] == joined.person["b"] == joined.person["c"], joined
    print("self-test Splink under the vetoes (twins kept out of a cluster, soft veto a review): ok")


# --- Main ----------------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(description="Score Baton's identity linker beside Splink.")
    parser.add_argument("--sets", default=",".join(SETS), help="comma-separated, default all")
    parser.add_argument("--data", type=Path, default=DATA_DIR, help="input CSVs (<set>.csv)")
    parser.add_argument("--out", type=Path, default=OUT_DIR,
                        help="Baton outputs (<set>.baton.csv); Splink outputs and results.json go here")
    parser.add_argument("--input", type=Path, help="score one input file (with --baton) instead of --sets")
    parser.add_argument("--baton", type=Path, help="Baton's output for --input")
    parser.add_argument("--no-splink", action="store_true", help="score Baton only")
    parser.add_argument("--reuse-splink", action="store_true",
                        help="reuse .out/<set>.splink.csv if made from the same input (for development)")
    parser.add_argument("--splink-threads", type=int, default=1,
                        help="DuckDB threads for Splink (1 keeps its floating point sums repeatable)")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--bench", type=Path, default=os.environ.get("BATON_BENCH_IDENTITY"),
                        help="baton-bench-identity, to apply Baton's vetoes to Splink's pairs and find the "
                             "ceiling under them (default: $BATON_BENCH_IDENTITY; skipped when absent)")
    parser.add_argument("--json", type=Path, help="default: <out>/results.json")
    parser.add_argument("--self-test", action="store_true", help="check the metric code and exit")
    args = parser.parse_args()

    if args.input:
        jobs = [(args.input.stem, args.input, args.baton)]
    else:
        jobs = [(n, args.data / f"{n}.csv", args.out / f"{n}.baton.csv") for n in args.sets.split(",")]
    if args.self_test:
        self_test([n for n, path, _ in jobs if path.exists()], args.data if not args.input else args.input.parent)
        return

    args.out.mkdir(parents=True, exist_ok=True)
    results: dict = {}
    for name, input_path, baton_path in jobs:
        truth = read_csv(input_path, INPUT_COLUMNS)
        r: dict = {"input": str(input_path), "records": len(truth),
                   "true_pairs": pairs_in(truth.groupby("entity_id").size())}
        if baton_path is not None and baton_path.exists():
            try:
                out = pd.read_csv(baton_path, dtype=str, keep_default_na=False, na_values=[])
                check_output(truth, out, str(baton_path))
                r["baton"] = pairwise_metrics(truth, out)
            except ValueError as e:
                r["baton"], r["baton_error"] = None, f"invalid output: {e}"
                print(f"{name}: {r['baton_error']}", file=sys.stderr)
        else:
            r["baton"] = None
        # The same linker at Splink's automatic-link threshold (written by the run script).
        at_splink = args.out / f"{name}.baton-at-splink-threshold.csv"
        if args.input is None and r["baton"] is not None and at_splink.exists():
            out = pd.read_csv(at_splink, dtype=str, keep_default_na=False, na_values=[])
            check_output(truth, out, str(at_splink))
            r["baton_at_splink_threshold"] = pairwise_metrics(truth, out)
        timing = baton_path.with_suffix(".seconds") if baton_path is not None else None
        if r["baton"] is not None and timing is not None and timing.exists():
            r["baton_seconds"] = float(timing.read_text().strip())   # written by the run script
        if not args.no_splink:
            splink_path = args.out / f"{name}.splink.csv"
            edges_path = args.out / f"{name}.splink-pairs.csv"
            info_path = args.out / f"{name}.splink.json"
            digest = hashlib.sha256(input_path.read_bytes()).hexdigest()
            previous = json.loads(info_path.read_text()) if info_path.exists() else {}
            if (args.reuse_splink and splink_path.exists() and edges_path.exists()
                    and previous.get("input_sha256") == digest and previous.get("seed") == args.seed):
                out = read_csv(splink_path, OUTPUT_COLUMNS)
                edges = pd.read_csv(edges_path, dtype={"rec_a": str, "rec_b": str}, keep_default_na=False)
                info = previous | {"reused": True}
                print(f"{name}: reusing Splink's earlier output on the same input", file=sys.stderr)
            else:
                print(f"{name}: running Splink on {len(truth)} records ...", file=sys.stderr, flush=True)
                out, info, edges = run_splink(truth, args.splink_threads, args.seed)
                info["input_sha256"] = digest
                write_csv(splink_path, OUTPUT_COLUMNS, out.to_dict("records"))
                edges.to_csv(edges_path, index=False)
                info_path.write_text(json.dumps(info, indent=2) + "\n")
                print(f"{name}: Splink took {info['seconds']:.1f} s", file=sys.stderr, flush=True)
            check_output(truth, out, str(splink_path))
            r["splink"] = pairwise_metrics(truth, out)
            r["splink_run"] = info
        if args.bench is not None:
            vetoed_figures(r, truth, input_path, None if args.no_splink else edges, args.bench, args.out)
        results[name] = r

    print()
    print_table(results)
    targets = judge(results)
    print()
    for t in targets:
        print(f"{t['status']:<8} {t['target']}: {t['detail']}")

    report = {
        "generated": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count(), "python": platform.python_version()},
        "splink_auto_threshold": AUTO_THRESHOLD, "splink_review_threshold": REVIEW_THRESHOLD,
        "sets": results, "targets": targets,
        "all_targets_met": all(t["status"] == "PASS" for t in targets if t["status"] != "INFO"),
    }
    json_path = args.json or args.out / "results.json"
    json_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nfigures -> {json_path}")


if __name__ == "__main__":
    main()
