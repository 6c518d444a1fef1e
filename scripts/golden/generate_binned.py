#!/usr/bin/env python3
"""Generate golden fixtures for the binned comparisons of Prometheus histograms (TollgateStats).

Run from the repository root:  python3 scripts/golden/generate_binned.py
Writes Tests/TollgateStatsTests/Fixtures/binned_mannwhitney.json, binned_proportions.json and
binned_weighted_gaps.json.

Binned Mann-Whitney: each case holds the two arms' counts per histogram bucket (vLLM's TTFT
bucket edges, with latencies drawn from lognormals and counted into the buckets, as a Prometheus
`increase(..._bucket[w])` reports them); the expected U and p-values are
scipy.stats.mannwhitneyu(method="asymptotic", use_continuity=True) on the observations expanded
to one value per request (the bucket's index), for every alternative.

Proportions on counter increases: the pooled two-proportion z-test, one-sided and two-sided; the
two-sided p-value is checked against scipy.stats.chi2_contingency(correction=False) (z^2 = chi^2)
and the one-sided ones are scipy.stats.norm.sf / cdf of z.
Weighted gaps (SGLang's per-gap inter-token histogram): simulated requests with their own decode
speed and length, their gaps counted into SGLang's buckets, weighted to min(requests, gaps // K)
by largest remainders (an implementation independent of Tollgate's), and the log-scale Welch
statistic on the weighted counts from scipy.stats.ttest_ind(equal_var=False).
Fixtures are committed so the Swift tests never need Python.
"""
import json
import math
import os

import numpy as np
import scipy
from scipy import stats

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "TollgateStatsTests", "Fixtures")
rng = np.random.default_rng(20261202)
# vLLM's time_to_first_token_seconds bucket edges (vllm/v1/metrics/loggers.py), +Inf last.
TTFT_EDGES = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
              20.0, 40.0, 80.0, 160.0, 640.0, 2560.0, math.inf]


def write(name, cases):
    with open(os.path.join(OUT, name + ".json"), "w") as f:
        json.dump({"generator": "scripts/golden/generate_binned.py", "scipy": scipy.__version__, "cases": cases}, f, indent=1)
    print(f"{name}: {len(cases)} cases")


def binned(values):
    counts = [0] * len(TTFT_EDGES)
    for v in values:
        counts[next(i for i, e in enumerate(TTFT_EDGES) if v <= e)] += 1
    return counts


def expand(counts):
    return [float(i) for i, c in enumerate(counts) for _ in range(c)]


def mannwhitney():
    r = rng
    pairs = [
        ("identical-100ms", r.lognormal(math.log(0.1), 0.3, 400), r.lognormal(math.log(0.1), 0.3, 380)),
        ("prefill-30pct-slower", r.lognormal(math.log(0.1), 0.3, 500), r.lognormal(math.log(0.13), 0.3, 450)),
        ("candidate-faster", r.lognormal(math.log(0.2), 0.4, 300), r.lognormal(math.log(0.15), 0.4, 320)),
        ("small-arms", r.lognormal(math.log(0.05), 0.5, 12), r.lognormal(math.log(0.06), 0.5, 9)),
        ("large-arms", r.lognormal(math.log(0.3), 0.5, 20000), r.lognormal(math.log(0.31), 0.5, 18000)),
        ("heavy-tail", r.lognormal(math.log(0.5), 1.2, 700), r.lognormal(math.log(0.5), 1.4, 650)),
        ("one-bucket-each", np.full(50, 0.09), np.full(40, 0.3)),
        ("same-bucket", np.full(30, 0.09), np.full(25, 0.085)),
        ("ten-pct-slower", r.lognormal(math.log(0.4), 0.3, 2000), r.lognormal(math.log(0.44), 0.3, 2000)),
        ("unequal-sizes", r.lognormal(math.log(0.07), 0.2, 3000), r.lognormal(math.log(0.07), 0.2, 150)),
        ("overflow-bucket", np.concatenate([r.lognormal(math.log(1.0), 0.5, 200), np.full(5, 5000.0)]),
         np.concatenate([r.lognormal(math.log(1.0), 0.5, 210), np.full(20, 9000.0)])),
    ]
    cases = []
    for name, x_values, y_values in pairs:
        x, y = binned(x_values), binned(y_values)
        results = []
        for alt in ["two-sided", "greater", "less"]:
            res = stats.mannwhitneyu(expand(x), expand(y), alternative=alt, method="asymptotic", use_continuity=True)
            results.append({"alternative": alt, "statistic": float(res.statistic), "p_value": float(res.pvalue)})
        cases.append({"name": name, "x": x, "y": y, "results": results, "tol": 1e-9})
    write("binned_mannwhitney", cases)


def proportions():
    cases = []
    for (x1, n1, x2, n2) in [(12, 4000, 10, 4100), (40, 4000, 10, 4100), (0, 500, 0, 480), (0, 500, 4, 480),
                             (3, 120, 1, 130), (250, 10000, 240, 10000), (90, 1000, 60, 1000), (1, 40, 0, 45),
                             (500, 2000, 450, 2000), (7, 70000, 2, 68000), (33, 300, 35, 310)]:
        pooled = (x1 + x2) / (n1 + n2)
        se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
        z = (x1 / n1 - x2 / n2) / se if se > 0 else 0.0
        if se > 0:
            chi2 = stats.chi2_contingency([[x1, n1 - x1], [x2, n2 - x2]], correction=False)
            two = float(chi2.pvalue)
            assert abs(chi2.statistic - z * z) <= 1e-9 * max(1, z * z)
        else:
            two = 1.0
        results = [{"alternative": "two-sided", "p_value": two},
                   {"alternative": "greater", "p_value": float(stats.norm.sf(z)) if se > 0 else 1.0},
                   {"alternative": "less", "p_value": float(stats.norm.cdf(z)) if se > 0 else 1.0}]
        cases.append({"name": f"{x1}/{n1} vs {x2}/{n2}", "x1": x1, "n1": n1, "x2": x2, "n2": n2, "statistic": z,
                      "results": results, "tol": 1e-9})
    write("binned_proportions", cases)


# SGLang's inter_token_latency_seconds bucket edges (sglang/srt/metrics/collector.py), +Inf last.
ITL_EDGES = [0.002, 0.004, 0.006, 0.008, 0.010, 0.015, 0.020, 0.025, 0.030, 0.035, 0.040, 0.060, 0.080, 0.100,
             0.200, 0.400, 0.600, 0.800, 1.0, 2.0, 4.0, 6.0, 8.0, math.inf]


def apportion(counts, target):
    """Largest remainders, the lower bin first on a tie; never more than the observations."""
    n = sum(counts)
    target = max(0, min(target, n))
    if n == 0 or target >= n:
        return list(counts)
    shares = [c * target // n for c in counts]
    rest = [c * target % n for c in counts]
    for i in sorted(range(len(counts)), key=lambda i: (-rest[i], i))[:target - sum(shares)]:
        shares[i] += 1
    return shares


def weighted_gaps():
    """Per-gap histograms weighted to min(requests, gaps // K), then the log-scale Welch statistic on
    one value per weighted count at the bucket's geometric midpoint (half the edge in the first
    bucket, the last finite edge in +Inf), against scipy.stats.ttest_ind(equal_var=False)."""
    r = np.random.default_rng(20261203)
    log_mid = []
    for i, upper in enumerate(ITL_EDGES):
        lower = ITL_EDGES[i - 1] if i > 0 else 0
        value = lower if math.isinf(upper) else (upper / 2 if lower <= 0 else math.sqrt(lower * upper))
        log_mid.append(math.log(value * 1000))

    def arm(n, median, lengths):
        speed = r.lognormal(math.log(median), 0.5, n)
        k = lengths(n)
        gaps = np.concatenate([r.lognormal(math.log(s), 0.15, kk) for s, kk in zip(speed, k)])
        return [int(c) for c in np.bincount(np.searchsorted(ITL_EDGES, gaps, side="left"), minlength=len(ITL_EDGES))]

    cases = []
    for name, n_b, n_c, median_c, K, lengths in [
        ("identical-uniform-lengths", 200, 180, 0.02, 59, lambda n: r.integers(5, 60, n)),
        ("decode-20pct-slower", 300, 300, 0.024, 512, lambda n: np.minimum(r.geometric(1 / 100, n), 512)),
        ("bimodal-lengths", 150, 160, 0.02, 400, lambda n: np.where(r.random(n) < 0.8, 4, 400)),
        ("bound-above-requests", 40, 30, 0.021, 8, lambda n: r.integers(20, 30, n)),
        ("identical-geometric", 250, 260, 0.02, 512, lambda n: np.minimum(r.geometric(1 / 80, n), 512)),
        ("candidate-faster", 220, 210, 0.016, 128, lambda n: r.integers(10, 128, n)),
        ("slow-decode-200ms", 120, 110, 0.25, 64, lambda n: r.integers(4, 64, n)),
        ("short-answers", 400, 380, 0.02, 16, lambda n: r.integers(1, 16, n)),
        ("large-arms", 3000, 2800, 0.0205, 256, lambda n: r.integers(20, 256, n)),
        ("small-bound-weight", 100, 100, 0.02, 1024, lambda n: r.integers(50, 400, n)),
    ]:
        x, y = arm(n_b, 0.02, lengths), arm(n_c, median_c, lengths)
        wx, wy = min(n_b, sum(x) // K), min(n_c, sum(y) // K)
        ax, ay = apportion(x, wx), apportion(y, wy)
        lb = [m for m, c in zip(log_mid, ax) for _ in range(c)]
        lc = [m for m, c in zip(log_mid, ay) for _ in range(c)]
        res = stats.ttest_ind(lc, lb, equal_var=False)
        cases.append({"name": name, "baseline_gaps": x, "candidate_gaps": y, "baseline_requests": n_b, "candidate_requests": n_c,
                      "max_tokens": K, "baseline_weight": wx, "candidate_weight": wy, "baseline_weighted": ax, "candidate_weighted": ay,
                      "log_midpoints": log_mid, "welch_statistic": float(res.statistic), "tol": 1e-10})
    write("binned_weighted_gaps", cases)


if __name__ == "__main__":
    mannwhitney()
    proportions()
    weighted_gaps()
