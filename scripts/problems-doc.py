#!/usr/bin/env python3
"""Writes docs/problems.md from the problem types in Sources/BatonServer/HTTP/Problem.swift.

Run after adding a problem type; a test checks the document lists every type with its status."""
import re
from pathlib import Path

root = Path(__file__).resolve().parent.parent
src = (root / "Sources/BatonServer/HTTP/Problem.swift").read_text()
cases = re.findall(r'case (\w+) = "([a-z-]+)"', src)
titles = dict(re.findall(r'case \.(\w+): "([^"]+)"\n', src.split("public var title")[1].split("public var explanation")[0]))
explanations = dict(re.findall(r'case \.(\w+): "((?:[^"\\]|\\.)+)"\n', src.split("public var explanation")[1].split("/// An RFC 9457")[0]))
codes = {"badRequest": 400, "unsupportedMediaType": 415, "contentTooLarge": 413, "unauthorized": 401, "forbidden": 403,
         "notFound": 404, "methodNotAllowed": 405, "conflict": 409, "unprocessableContent": 422,
         "serviceUnavailable": 503, "internalServerError": 500}
status = {}
block = src.split("public var status")[1].split("public var title")[0].replace("\n            ", " ")
for match in re.finditer(r"case ([^:]+): \.(\w+)", block):
    for name in re.findall(r"\.(\w+)", match.group(1)):
        status[name] = codes[match.group(2)]
lines = ["# Problem types", "",
         "Every refusal is an RFC 9457 problem document (`Content-Type: application/problem+json`) with",
         "`type`, `title`, `status` and `detail`; payload problems add `errors`, a list of",
         '`{ "pointer": "/subjects/0/dateOfBirth", "problem": "..." }`. The `type` is a path on the hub,',
         "`/problems/<slug>`, where the same explanation is served. A `detail` never repeats personal data",
         "from the request.", "", "| Status | Type | Title | Meaning and what to do |", "| --- | --- | --- | --- |"]
for name, slug in cases:
    text = explanations[name].replace('\\"', '"')
    lines.append(f"| {status[name]} | `/problems/{slug}` | {titles[name]} | {text} |")
(root / "docs/problems.md").write_text("\n".join(lines) + "\n")
print(f"docs/problems.md: {len(cases)} problem types")
