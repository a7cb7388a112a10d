#!/usr/bin/env python3
"""Writes a synthetic budget model of a given size, for measuring how the cost of a simulated
year grows with the model: LINES simple lines (each with its own growth driver, the first
CORRELATED of them correlated in blocks of 5), SAVINGS savings with PERT delivery and
slippage. Every figure is an assumption (it is a benchmark, not a council).

usage: generate.py LINES SAVINGS CORRELATED > model.toml
"""
import sys

lines, savings, correlated = (int(a) for a in sys.argv[1:4])
out = [
    "[meta]",
    f'name = "Synthetic {lines} lines, {savings} savings"',
    'council = "Synthetic"',
    'year = "2024/25"',
    'unit = "£m"',
    f"net_budget = {lines * 10}",
    "",
]
for i in range(lines):
    out += [
        f"[drivers.g{i}]",
        'dist = "pert"',
        f"min = -0.01\nmode = {0.02 + (i % 7) * 0.005:.3f}\nmax = 0.12",
        'source = "assumption: benchmark"',
        "",
        f"[lines.l{i}]",
        'kind = "simple"',
        f"base = {5 + i % 11}",
        f'growth = "g{i}"',
        f"budget = {5 + i % 11 + 0.2:.1f}",
        'source = "assumption: benchmark"',
        "",
    ]
for j in range(savings):
    out += [
        f"[savings.s{j}]",
        f"amount = {0.5 + (j % 5) * 0.3:.1f}",
        "recurring = true",
        "probability = 0.9",
        "delivered = { dist = \"pert\", min = 0.4, mode = 0.9, max = 1.0 }",
        "slippage = { dist = \"pert\", min = 0, mode = 1, max = 6 }",
        'source = "assumption: benchmark"',
        "",
    ]
for b in range(correlated // 5):
    names = ", ".join(f'"g{b * 5 + k}"' for k in range(5))
    out += [
        f"[correlations.block{b}]",
        f"drivers = [{names}]",
        "rank = 0.4",
        'source = "assumption: benchmark"',
        "",
    ]
out += [
    "[reserves.general_fund]",
    'kind = "general_fund"',
    f"amount = {lines * 0.6:.1f}",
    'source = "assumption: benchmark"',
]
print("\n".join(out))
