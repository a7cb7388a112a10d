#!/usr/bin/env python3
"""Time to precision of each sampling method on one model: the spread of the mean gap, the
gap's P95 and P(S114-level) over independent seeds, and the CPU time a year costs.

    python3 benches/precision.py [--model M] [--seeds 20] [--iterations 100000]

For each method, `sd` is the standard deviation of the estimate over the seeds (its Monte
Carlo error at that many years); `years for mc's error` is how many years the method needs
to match plain Monte Carlo's error (variance ratio × years); `time ratio` multiplies that by
the method's CPU time a year against mc's: below 1, the method reaches mc's precision in less
time. CPU time (user + system, one thread) rather than wall time, as the machines are shared.
"""
import argparse, json, os, resource, statistics, subprocess, sys, tempfile

p = argparse.ArgumentParser()
p.add_argument("--binary", default="target/release/gapsim")
p.add_argument("--model", default=None)
p.add_argument("--seeds", type=int, default=20)
p.add_argument("--iterations", type=int, default=100_000)
p.add_argument("--methods", default="mc,lhs,qmc")
a = p.parse_args()

def run(method, seed):
    out = tempfile.mkdtemp(prefix="precision-")
    os.rmdir(out)
    cmd = [a.binary, "run"] + ([a.model] if a.model else []) + [
        "--sampling", method, "--seed", str(seed), "--iterations", str(a.iterations),
        "--threads", "1", "--no-charts", "--out", out]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    s = json.load(open(os.path.join(out, "summary.json")))
    subprocess.run(["rm", "-rf", out])
    p95 = next(q["value"] for q in s["gap"]["percentiles"] if q["p"] == 95)
    return s["gap"]["mean"], p95, s["s114"]["probability"]["estimate"], cpu

results = {}
for method in a.methods.split(","):
    rows = [run(method, 1000 + k) for k in range(a.seeds)]
    cols = list(zip(*rows))
    results[method] = {
        "mean": (statistics.fmean(cols[0]), statistics.stdev(cols[0])),
        "p95": (statistics.fmean(cols[1]), statistics.stdev(cols[1])),
        "s114": (statistics.fmean(cols[2]), statistics.stdev(cols[2])),
        "cpu": statistics.median(cols[3]),
    }
    print(method, json.dumps(results[method]), file=sys.stderr)

mc = results.get("mc")
print(f"{a.seeds} seeds × {a.iterations:,} years, one thread; sd over the seeds")
print("| method | CPU s a run | figure | average | sd | years for mc's error | time ratio |")
print("|---|---|---|---|---|---|---|")
for method, r in results.items():
    for fig in ["mean", "p95", "s114"]:
        avg, sd = r[fig]
        if mc:
            vr = (sd / mc[fig][1]) ** 2
            years = f"{vr * a.iterations:,.0f}"
            ratio = f"{vr * r['cpu'] / mc['cpu']:.2f}"
        else:
            years = ratio = "–"
        print(f"| {method} | {r['cpu']:.2f} | {fig} | {avg:.5g} | {sd:.3g} | {years} | {ratio} |")
