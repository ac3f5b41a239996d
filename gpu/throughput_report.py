#!/usr/bin/env python3
"""Reads the JSON lines of gpu/run-on-gpu.sh's throughput rounds and prints the comparison table.

Each timing line holds one side (textintel-cuda, transformers-eager, transformers-sdpa), a shape, a
round, a batch and every timed iteration's seconds. Per side, shape and batch: the median over all
iterations of all rounds, as sentences per second, and textintel's ratio to each transformers side
(target: at least 2x eager at batch 128). Check lines (the Java side's embeddings against
transformers') and load lines (loadavg and GPU state before each round) are summarised too.
Standard library only, so it runs wherever python3 does. Usage: throughput_report.py FILE.jsonl
"""

import json
import statistics
import sys
from collections import defaultdict

TARGET_EAGER_RATIO = 2.0
TARGET_BATCH = 128


def main():
    if len(sys.argv) != 2:
        print("usage: throughput_report.py FILE.jsonl", file=sys.stderr)
        sys.exit(2)
    times = defaultdict(list)  # (shape, batch, side) -> seconds
    rounds = defaultdict(set)
    checks, loads = [], []
    with open(sys.argv[1]) as f:
        for number, text in enumerate(f, 1):
            text = text.strip()
            if not text.startswith("{"):
                continue
            try:
                line = json.loads(text)
            except ValueError:
                print("line %d is not JSON, left out: %s" % (number, text[:80]))
                continue
            if "check" in line:
                checks.append(line)
            elif "load" in line:
                loads.append(line)
            elif "seconds" in line and line["seconds"]:
                key = (line["shape"], line["batch"], line["side"])
                times[key].extend(line["seconds"])
                rounds[key].add(line["round"])
    worst = {}  # (shape, side) -> the check line with the smallest cosine over the rounds
    for check in checks:
        key = (check["shape"], check["side"])
        if key not in worst or check["min_cosine"] < worst[key]["min_cosine"]:
            worst[key] = check
    for (shape, side), check in sorted(worst.items()):
        print("check %s %s against transformers float32: smallest cosine %.6f, max abs error %.3g: %s" % (
            shape, side, check["min_cosine"], check["max_abs_error"], "passed" if check["passed"] else "FAILED"))
    if not times:
        print("no timings recorded")
        return
    sides = sorted({side for (_, _, side) in times})
    ours = [s for s in sides if s.startswith("textintel")]
    peers = [s for s in sides if s.startswith("transformers")]
    print("sentences/s, median over all timed iterations of all rounds (rounds, iterations in brackets)")
    header = ["shape", "batch"] + sides + ["%s/%s" % (o, p.replace("transformers-", "")) for o in ours for p in peers]
    print(" | ".join(header))
    verdicts = []
    for shape, batch in sorted({(s, b) for (s, b, _) in times}):
        row = [shape, str(batch)]
        rate = {}
        for side in sides:
            seconds = times.get((shape, batch, side))
            if seconds:
                rate[side] = batch / statistics.median(seconds)
                row.append("%.1f (%d, %d)" % (rate[side], len(rounds[(shape, batch, side)]), len(seconds)))
            else:
                row.append("-")
        for o in ours:
            for p in peers:
                if o in rate and p in rate:
                    ratio = rate[o] / rate[p]
                    row.append("%.2fx" % ratio)
                    if batch == TARGET_BATCH and p == "transformers-eager":
                        verdicts.append("%s batch %d: %s %.2fx eager, target >= %.1fx: %s" % (
                            shape, batch, o, ratio, TARGET_EAGER_RATIO,
                            "met" if ratio >= TARGET_EAGER_RATIO else "NOT met"))
                else:
                    row.append("-")
        print(" | ".join(row))
    for verdict in verdicts:
        print(verdict)
    if loads:
        print("load before each round:")
        for load in loads:
            print("  round %s %s: %s" % (load.get("round"), load.get("shape"), load["load"]))


if __name__ == "__main__":
    main()
