#!/usr/bin/env python3
"""Shares of a run's time by phase, from a perf profile with call stacks: each sample goes to
the innermost frame on its stack that names a phase (a sort called by Iman-Conover counts as
Iman-Conover, the same sort called by sensitivity as sensitivity).

usage:
  perf record --call-graph dwarf,16384 -F 2000 -o /tmp/p.data \\
      target/release/gapsim run --threads 1 --iterations 1000000 --no-charts --out /tmp/run
  perf script -i /tmp/p.data -F comm,ip,sym | python3 benches/phases.py
"""
import sys

# Checked in this order against each frame, innermost first.
PHASES = [
    ("sensitivity", ["sensitivity", "ranks_with", "Ranked"]),
    ("Iman-Conover (permutations, score products, ranking T, sorting draws)",
     ["iman_conover", "ImanConover", "Sampler::fill_with"]),
    ("sampling (cell sampler, logarithms, Beta end cells, Bernoulli)",
     ["Distribution::fill", "Table::draw", "base_fill", "Edge", "dist::"]),
    ("the model's arithmetic", ["plan::evaluate"]),
    ("batch sums (means, spreads, tail sums, batch percentiles)", ["run_batch"]),
    ("summary (sorts in place, percentiles, intervals, chart counts)",
     ["summarize", "inplace_sort", "stats::", "ChartCounts"]),
]


def phase_of(frames):
    for f in frames:
        for name, keys in PHASES:
            if any(k in f for k in keys):
                return name
    return "other (start-up, tables, output)"


def samples(lines):
    frames = []
    for line in lines:
        if not line.strip():
            if frames:
                yield frames
            frames = []
        elif line.startswith((" ", "\t")):
            frames.append(line.strip())
    if frames:
        yield frames


counts = {}
for frames in samples(sys.stdin):
    p = phase_of(frames)
    counts[p] = counts.get(p, 0) + 1
total = sum(counts.values())
print(f"{total} samples")
for p, c in sorted(counts.items(), key=lambda kv: -kv[1]):
    print(f"{100 * c / total:5.1f}%  {p}")
