#!/usr/bin/env python3
"""Golden fixtures for TollgateStats' PairedProportionInterval and MaximumMeanDiscrepancy.

Run from the repository root:  python3 scripts/golden/generate_paired.py
Writes Tests/TollgateStatsTests/Fixtures/paired_proportion.json and mmd.json.

Paired proportions: Newcombe's hybrid score interval for the difference of two paired proportions
(method 10 of Newcombe 1998, Statistics in Medicine 17:2635-2650), the candidate's pass rate minus
the baseline's. The Wilson limits come from scipy.stats.binomtest(...).proportion_ci(method="wilson")
and z from scipy.stats.norm.ppf; the combination with the phi coefficient (continuity-corrected
when positive) is transcribed from the paper. Newcombe's own example (a=12, b=9, c=2, d=21:
0.0112 to 0.2954 for baseline minus candidate) is checked here.

MMD: the biased squared maximum mean discrepancy of Gretton et al. (2012) under a Gaussian kernel
whose bandwidth is the median pairwise Euclidean distance of the pooled sample
(scipy.spatial.distance.pdist), and, for samples small enough, the exact permutation p-value
(every relabelling of the pooled sample, P = #{MMD2_perm >= MMD2} / #relabellings), which the
Swift Monte Carlo p-value must approach.
Fixtures are committed so the Swift tests never need Python.
"""
import itertools
import json
import math
import os

import numpy as np
import scipy
from scipy import stats
from scipy.spatial.distance import pdist, squareform

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "TollgateStatsTests", "Fixtures")
rng = np.random.default_rng(20261202)


def write(name, cases):
    with open(os.path.join(OUT, name + ".json"), "w") as f:
        json.dump({"generator": "scripts/golden/generate_paired.py", "scipy": scipy.__version__, "cases": cases}, f, indent=1)
    print(f"{name}: {len(cases)} cases")


def wilson(k, n, confidence):
    ci = stats.binomtest(k, n).proportion_ci(confidence_level=confidence, method="wilson")
    return ci.low, ci.high


def newcombe(a, b, c, d, confidence):
    """Candidate (a + c) minus baseline (a + b), over n pairs."""
    n = a + b + c + d
    z = stats.norm.ppf(1 - (1 - confidence) / 2)
    assert z > 0
    p1, p2 = (a + c) / n, (a + b) / n
    l1, u1 = wilson(a + c, n, confidence)
    l2, u2 = wilson(a + b, n, confidence)
    denominator = (a + b) * (c + d) * (a + c) * (b + d)
    phi = 0.0
    if denominator > 0:
        numerator = a * d - b * c
        if numerator > 0:
            numerator = max(numerator - n / 2, 0)
        phi = numerator / math.sqrt(denominator)
    estimate = p1 - p2
    low = estimate - math.sqrt(max((p1 - l1) ** 2 - 2 * phi * (p1 - l1) * (u2 - p2) + (u2 - p2) ** 2, 0))
    high = estimate + math.sqrt(max((u1 - p1) ** 2 - 2 * phi * (u1 - p1) * (p2 - l2) + (p2 - l2) ** 2, 0))
    return estimate, max(-1.0, low), min(1.0, high)


def paired_proportion():
    # Newcombe's worked example, with the candidate in the second column (signs flip).
    est, low, high = newcombe(12, 9, 2, 21, 0.95)
    assert abs(-high - 0.0112) < 5e-5 and abs(-low - 0.2954) < 5e-5, (low, high)
    tables = [(12, 9, 2, 21, 0.95), (12, 2, 9, 21, 0.95), (30, 0, 0, 10, 0.95), (0, 5, 0, 0, 0.95), (1, 0, 0, 0, 0.95),
              (40, 3, 8, 9, 0.9), (100, 12, 4, 30, 0.99), (5, 5, 5, 5, 0.95), (0, 0, 7, 3, 0.95), (55, 1, 1, 3, 0.8)]
    for _ in range(10):
        counts = rng.multinomial(int(rng.integers(10, 300)), [0.6, 0.08, 0.12, 0.2])
        tables.append(tuple(int(v) for v in counts) + (float(rng.choice([0.9, 0.95, 0.99])),))
    cases = []
    for a, b, c, d, confidence in tables:
        est, low, high = newcombe(a, b, c, d, confidence)
        cases.append({"name": f"a{a}_b{b}_c{c}_d{d}_{confidence}", "a": a, "b": b, "c": c, "d": d, "confidence": confidence,
                      "estimate": est, "low": low, "high": high})
    write("paired_proportion", cases)


def mmd2(kernel, labels):
    x, y = labels, ~labels
    return kernel[np.ix_(x, x)].mean() + kernel[np.ix_(y, y)].mean() - 2 * kernel[np.ix_(x, y)].mean()


def mmd():
    cases = []
    shapes = [(4, 4, 2, 0.0), (5, 4, 3, 1.5), (4, 5, 3, 0.5), (5, 5, 2, 2.0), (6, 5, 4, 0.0), (6, 6, 3, 1.0),
              (30, 25, 8, 0.0), (40, 40, 16, 0.4), (60, 50, 5, 1.0), (20, 35, 32, 0.3)]
    for nx, ny, dim, shift in shapes:
        x = rng.normal(0, 1, (nx, dim))
        y = rng.normal(shift, 1, (ny, dim))
        pooled = np.vstack([x, y])
        bandwidth = float(np.median(pdist(pooled)))
        kernel = np.exp(-squareform(pdist(pooled, "sqeuclidean")) / (2 * bandwidth ** 2))
        labels = np.array([True] * nx + [False] * ny)
        observed = mmd2(kernel, labels)
        case = {"name": f"n{nx}x{ny}_d{dim}_shift{shift}", "x": x.tolist(), "y": y.tolist(), "mmd2": float(observed),
                "bandwidth": bandwidth}
        n = nx + ny
        if math.comb(n, nx) <= 1000:
            exceed = total = 0
            for chosen in itertools.combinations(range(n), nx):
                perm = np.zeros(n, dtype=bool)
                perm[list(chosen)] = True
                total += 1
                if mmd2(kernel, perm) >= observed - 1e-12:
                    exceed += 1
            case["exact_p_value"] = exceed / total
        cases.append(case)
    write("mmd", cases)


if __name__ == "__main__":
    paired_proportion()
    mmd()
