#!/usr/bin/env python3
"""How honest is a test on a histogram that counts every inter-token gap (SGLang's
`sglang:inter_token_latency_seconds`) once its counts are weighted? README, "Judging from Prometheus".

Usage (from the repository root):  python3 benchmarks/stats/gap-weighting.py [TRIALS]

Each simulated request has its own decode speed (lognormal, median 20 ms, sigma 0.5) and k gaps
around it (sigma 0.15); the gaps are counted into SGLang's inter-token-latency buckets, as a
Prometheus `increase(..._bucket[w])` reports them. Two identical arms of 200 requests are compared
as PrometheusMetricSource does — one value per weighted count at the bucket's geometric midpoint,
then the sequential judge's log-scale statistic (Welch's z on the logs) at one look, one-sided
α = 5% — with the counts weighted three ways: not at all (every gap a request), to the request count,
and to min(requests, gaps / K) (K the most gaps a request can have: Tollgate's rule). Every rate
printed is a false-rollback rate; an honest weighting keeps it at or below 5%.
"""
import math
import sys

import numpy as np
from scipy import stats

EDGES = [0.002, 0.004, 0.006, 0.008, 0.010, 0.015, 0.020, 0.025, 0.030, 0.035, 0.040, 0.060, 0.080, 0.100,
         0.200, 0.400, 0.600, 0.800, 1.0, 2.0, 4.0, 6.0, 8.0, math.inf]


def midpoints():
    out = []
    for i, upper in enumerate(EDGES):
        lower = EDGES[i - 1] if i > 0 else 0
        out.append((lower if lower > 0 else 1) if math.isinf(upper) else (upper / 2 if lower <= 0 else math.sqrt(lower * upper)))
    return np.log(np.array(out) * 1000)


LOG_MID = midpoints()


def apportion(counts, target):
    """BinnedCounts.apportioned(to:): largest remainders, the lower bin first on a tie."""
    n = int(counts.sum())
    target = min(target, n)
    if n == 0 or target >= n:
        return counts.copy()
    shares = counts * target // n
    rest = counts * target % n
    for i in sorted(range(len(counts)), key=lambda i: (-rest[i], i))[:target - int(shares.sum())]:
        shares[i] += 1
    return shares


def arm(rng, n, lengths):
    speed = rng.lognormal(math.log(0.02), 0.5, n)
    k = lengths(rng, n)
    gaps = np.concatenate([rng.lognormal(math.log(s), 0.15, kk) for s, kk in zip(speed, k)])
    return np.bincount(np.searchsorted(EDGES, gaps, side="left"), minlength=len(EDGES))


def z(cb, cc):
    lb, lc = np.repeat(LOG_MID, cb), np.repeat(LOG_MID, cc)
    return (lc.mean() - lb.mean()) / math.sqrt(lb.var(ddof=1) / len(lb) + lc.var(ddof=1) / len(lc))


def main():
    trials = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    rng = np.random.default_rng(20261202)
    critical = stats.norm.ppf(0.95)
    n = 200
    print(f"identical arms, {n} requests each, one-sided alpha 5%, {trials} trials: false-rollback rates")
    print("answer lengths (gaps)                | every gap | to requests | to gaps/K (weight)")
    for name, K, lengths in [("uniform 5..59", 59, lambda r, m: r.integers(5, 60, m)),
                             ("geometric mean 100, cap 512", 512, lambda r, m: np.minimum(r.geometric(1 / 100, m), 512)),
                             ("80% 4, 20% 400", 400, lambda r, m: np.where(r.random(m) < 0.8, 4, 400))]:
        every = to_requests = to_bound = 0
        weights = []
        for _ in range(trials):
            cb, cc = arm(rng, n, lengths), arm(rng, n, lengths)
            every += z(cb, cc) > critical
            to_requests += z(apportion(cb, n), apportion(cc, n)) > critical
            wb, wc = min(n, int(cb.sum()) // K), min(n, int(cc.sum()) // K)
            weights.append(wb)
            to_bound += z(apportion(cb, wb), apportion(cc, wc)) > critical
        print(f"{name:36} | {every / trials:9.3f} | {to_requests / trials:11.3f} | {to_bound / trials:9.3f} ({np.mean(weights):.0f})")


if __name__ == "__main__":
    main()
