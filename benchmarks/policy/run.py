"""Cedar's side of the need-to-know benchmark (see benchmarks/policy/run).

Reads what `baton-bench-policy` wrote (the policy in Cedar, the entities, every (message,
recipient) pair with Baton's decision for each of its section labels, and Baton's figures),
checks that Cedar decides every section exactly as Baton did, times Cedar through cedarpy's
`is_authorized_batch` on the same batches of pairs, and reports both side by side. With
--intake-json, also reports redaction's share of the hub's CPU time per message.

Exit: 0 when every target is met, 1 when one is not, 2 when any Cedar decision differs from Baton's.
"""

import argparse
import gc
import json
import os
import sys
import time
from importlib.metadata import version

import cedarpy

ACTION = 'Action::"read-section"'


def percentiles(values):
    """p50, p99 and mean, with the same nearest-rank rule as the Swift side."""
    ordered = sorted(values)
    rank = lambda p: ordered[min(len(ordered) - 1, round((len(ordered) - 1) * p))]
    return {"p50": rank(0.5), "p99": rank(0.99), "mean": sum(ordered) / len(ordered), "samples": len(ordered)}


def requests_of(pair):
    """One Cedar request per section label; the context is serialised once, outside the timing."""
    context = json.dumps(pair["context"])
    principal = f'Agency::"{pair["recipient"]}"'
    return [{"principal": principal, "action": ACTION, "resource": f'Section::"{label}"', "context": context}
            for label in pair["labels"]]


def check_equivalence(pairs, requests, policies, entities):
    """Every Cedar decision must equal Baton's, and Cedar must name Baton's deciding rule among
    its reasons (none for default deny). Returns the mismatches."""
    mismatches = []
    for index, (pair, batch) in enumerate(zip(pairs, requests)):
        results = cedarpy.is_authorized_batch(batch, policies, entities)
        for label, shown, rule, result in zip(pair["labels"], pair["shown"], pair["rules"], results):
            annotations = result.diagnostics.id_annotations_by_reason
            reasons = {annotations.get(reason, reason) for reason in result.diagnostics.reasons}
            problem = None
            if result.diagnostics.errors:
                problem = f"Cedar evaluation errors {result.diagnostics.errors}"
            elif result.allowed != shown:
                problem = f"Baton {'shows' if shown else 'withholds'} ({rule or 'default deny'}), Cedar {result.decision.value} ({sorted(reasons)})"
            elif (rule is None) != (not reasons) or (rule is not None and rule not in reasons):
                problem = f"same decision but Baton's rule {rule or 'default deny'} is not among Cedar's reasons {sorted(reasons)}"
            if problem:
                mismatches.append(f"pair {index} ({pair['recipient']}, {pair['context']}), label {label}: {problem}")
    return mismatches


def time_cedar(pairs, requests, policies, entities, batch_pairs, passes):
    """Batches of `batch_pairs` consecutive pairs, timed whole around is_authorized_batch: a batch's
    wall time divided by its requests, times each pair's label count, is that pair's time. Also
    sums cedarpy's own per-request `authz_duration_micros` (the engine alone, whole µs) per pair."""
    wall, engine = [], []
    batches = [(pairs[start:start + batch_pairs], [r for rs in requests[start:start + batch_pairs] for r in rs])
               for start in range(0, len(pairs), batch_pairs)]
    gc.collect()
    gc.disable()  # time Cedar, not Python's collector
    try:
        for pass_number in range(passes + 1):
            for batch, flat in batches:
                started = time.perf_counter_ns()
                results = cedarpy.is_authorized_batch(flat, policies, entities)
                per_request = (time.perf_counter_ns() - started) / 1000 / len(flat)
                if pass_number == 0:
                    continue  # warm-up
                wall += [per_request * len(pair["labels"]) for pair in batch]
                position = 0
                for pair in batch:
                    count = len(pair["labels"])
                    engine.append(sum(r.metrics["authz_duration_micros"] for r in results[position:position + count]))
                    position += count
    finally:
        gc.enable()
    return percentiles(wall), percentiles(engine)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=".build-bench/policy", help="what baton-bench-policy wrote")
    parser.add_argument("--intake-json", help="an intake benchmark result (benchmarks/intake/run --output FILE)")
    parser.add_argument("--output", help="write the combined figures here as JSON")
    args = parser.parse_args()

    def load(name):
        with open(os.path.join(args.data, name)) as file:
            return file.read()

    baton = json.loads(load("baton.json"))
    pairs = json.loads(load("requests.json"))
    policies = cedarpy.PolicySet.from_str(load("policies.cedar"))
    entities = cedarpy.Entities.from_json_str(load("entities.json"))
    requests = [requests_of(pair) for pair in pairs]
    decisions = sum(len(pair["labels"]) for pair in pairs)
    print(f"Cedar (cedarpy {version('cedarpy')}): {len(policies)} policies "
          f"({baton['rules']} rules and the consent-purposes check), {len(pairs)} pairs, {decisions} requests")

    mismatches = check_equivalence(pairs, requests, policies, entities)
    if mismatches:
        print(f"\nMISMATCH: Cedar and Baton disagree on {len(mismatches)} of {decisions} section decisions:", file=sys.stderr)
        for line in mismatches[:20]:
            print("  " + line, file=sys.stderr)
        sys.exit(2)
    print(f"  equivalence: all {decisions} section decisions equal, and Cedar names Baton's deciding rule every time")

    print(f"  timing batches of {baton['batchPairs']} pairs: {baton['passes']} passes after 1 warm-up pass …")
    cedar_wall, cedar_engine = time_cedar(pairs, requests, policies, entities, baton["batchPairs"], baton["passes"])

    alone, batched = baton["alone"], baton["batched"]
    ratio = {p: cedar_wall[p] / batched[p] for p in ("p50", "p99")}
    engine_ratio = {p: cedar_engine[p] / alone[p] for p in ("p50", "p99")}
    faster = ratio["p50"] > 1 and ratio["p99"] > 1
    row = lambda name, s, note="": f"  {name:<44} {s['p50']:>8.2f} {s['p99']:>8.2f} {s['mean']:>8.2f}  {note}"
    print(f"""
Result: one need-to-know decision per (message, recipient) = every section of the message decided
for that recipient; {baton['rules']}-rule policy ({baton['forbidRules']} forbid), {len(pairs)} pairs, mean {baton['meanLabels']:.1f} labels
  {'':<44} {'p50 µs':>8} {'p99 µs':>8} {'mean µs':>8}
{row(f"Baton, batches of {baton['batchPairs']} pairs", batched, "(batch time / decisions × labels)")}
{row(f"Cedar via cedarpy, batches of {baton['batchPairs']} pairs", cedar_wall, "(is_authorized_batch wall time, same method)")}
{row("Baton, each pair timed alone", alone, f"(ContinuousClock; {baton['clockCostMicros'] * 1000:.0f} ns of clock included)")}
{row("Cedar engine alone (authz_duration_micros)", cedar_engine, "(cedarpy's per-request metric, whole µs, summed)")}
  ratio Cedar / Baton (batches)                p50 {ratio['p50']:.1f}×, p99 {ratio['p99']:.1f}×   target: Baton faster   {'MET' if faster else 'NOT MET'}
  ratio Cedar engine / Baton alone             p50 {engine_ratio['p50']:.1f}×, p99 {engine_ratio['p99']:.1f}×""")

    result = {
        "rules": baton["rules"], "pairs": len(pairs), "decisions": decisions, "meanLabels": baton["meanLabels"],
        "allDecisionsEqual": True, "shownShare": baton["shownShare"], "decidedBy": baton["decidedBy"],
        "batonBatched": batched, "batonAlone": alone, "cedarBatched": cedar_wall, "cedarEngine": cedar_engine,
        "ratioBatched": ratio, "batonFaster": faster, "referral": baton["referral"],
    }
    targets_met = faster
    referral = baton["referral"]
    if args.intake_json:
        with open(args.intake_json) as file:
            intake = json.load(file)
        hub_cpu = intake.get("cpuMicrosPerMessage", {}).get("hub")
        if hub_cpu:
            basis, per_message = "the hub's CPU time per message", hub_cpu
        else:
            basis, per_message = "the intake p50 latency (the result has no CPU per message)", intake["peak"]["p50ms"] * 1000
        share = referral["decisionsAndRecords"]["mean"] / per_message
        decisions_share = referral["decisions"]["mean"] / per_message
        result["redaction"] = {"perReferralMicros": referral["decisionsAndRecords"]["mean"], "intakeMicrosPerMessage": per_message,
                               "basis": basis, "share": share, "decisionsOnlyShare": decisions_share, "targetMet": share < 0.05}
        targets_met = targets_met and share < 0.05
        print(f"""  redaction at intake: a referral's {referral['itemsPerReferral']} items (mean {referral['meanLabels']:.1f} labels), shipped policy ({referral['shippedRules']} rules):
    decisions and records {referral['decisionsAndRecords']['mean']:.2f} µs mean (decisions alone {referral['decisions']['mean']:.2f} µs)
    against {basis}, {per_message:.0f} µs: {share * 100:.2f}% (decisions alone {decisions_share * 100:.2f}%)   target < 5%   {'MET' if share < 0.05 else 'NOT MET'}""")
    else:
        print(f"""  redaction at intake: a referral's {referral['itemsPerReferral']} items, shipped policy: decisions and records p50 {referral['decisionsAndRecords']['p50']:.2f} µs,
    p99 {referral['decisionsAndRecords']['p99']:.2f} µs (no intake figure given: pass --intake-json or --with-intake for the share)""")
    result["allTargetsMet"] = targets_met
    if args.output:
        with open(args.output, "w") as file:
            json.dump(result, file, indent=2)
    sys.exit(0 if targets_met else 1)


if __name__ == "__main__":
    main()
