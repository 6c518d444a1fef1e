#!/usr/bin/env python3
"""Drive `tollgate judge --judge sequential --max-samples 1000` look by look, as the engine does.

Usage (from the repository root, after `swift build -c release`):
    benchmarks/stats/judge-looks.py [TRIALS] [--tollgate PATH]

Simulates canaries with lognormal TTFT (median 100 ms, sigma 0.5 on the log scale), looks of 50
samples per arm up to 1,000 (20 looks), tolerance 10%, and for each canary calls the CLI at every
look with all samples so far (--previous-looks lists the earlier looks' sizes) until it exits 0
(promote) or 3 (rollback); exit 4 (hold) continues. Prints the same operating characteristics as
`tollgate-bench-stats simulate` (first table, first column). Each look is a process start, so the
default is 200 trials per row rather than the benchmark's 2,000: the rates carry wider intervals.
"""
import argparse
import math
import os
import subprocess
import tempfile

import numpy as np


def wilson(k, n):
    p, z = k / n, 1.96
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def judge(tollgate, folder, b, c, previous):
    bp, cp = os.path.join(folder, "b.txt"), os.path.join(folder, "c.txt")
    np.savetxt(bp, b)
    np.savetxt(cp, c)
    args = [tollgate, "judge", "--judge", "sequential", "--max-samples", "1000", "--baseline", bp, "--candidate", cp,
            "--metric", "ttft_ms", "--tolerance", "10%", "--critical"]
    if previous:
        args += ["--previous-looks", ",".join(str(n) for n in previous)]
    code = subprocess.run(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE).returncode
    if code not in (0, 3, 4):
        raise SystemExit(f"tollgate judge failed with exit status {code}")
    return {0: "promote", 3: "rollback", 4: None}[code]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("trials", nargs="?", type=int, default=200)
    ap.add_argument("--tollgate", default=".build/release/tollgate")
    a = ap.parse_args()
    print(f"tollgate judge --judge sequential --max-samples 1000, looks of 50 per arm, {a.trials} canaries per row")
    print("| shift | rolled back (95% CI) | median n to roll back | promoted | median n to promote |")
    print("| --- | --- | --- | --- | --- |")
    with tempfile.TemporaryDirectory() as folder:
        for shift in (1.0, 1.05, 1.10, 1.20):
            rng = np.random.default_rng(int(shift * 1000))
            rolled, promoted = [], []
            for _ in range(a.trials):
                b, c, sizes = np.empty(0), np.empty(0), []
                for _look in range(20):
                    b = np.append(b, 100 * np.exp(0.5 * rng.standard_normal(50)))
                    c = np.append(c, 100 * shift * np.exp(0.5 * rng.standard_normal(50)))
                    decision = judge(a.tollgate, folder, b, c, sizes)
                    sizes.append(len(b))
                    if decision == "rollback":
                        rolled.append(len(b))
                        break
                    if decision == "promote":
                        promoted.append(len(b))
                        break
            n = a.trials
            never = [math.inf] * (n - len(rolled))
            med = sorted(rolled + never)[n // 2]
            lo, hi = wilson(len(rolled), n)
            label = "A/A" if shift == 1 else f"+{round((shift - 1) * 100)}%"
            pm = sorted(promoted)[len(promoted) // 2] if promoted else "-"
            print(f"| {label} | {100 * len(rolled) / n:.1f}% [{100 * lo:.1f}%, {100 * hi:.1f}%] | {med} | "
                  f"{100 * len(promoted) / n:.1f}% | {pm} |")


if __name__ == "__main__":
    main()
