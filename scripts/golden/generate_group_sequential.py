#!/usr/bin/env python3
"""Golden group-sequential boundaries for TollgateStats' GroupSequential (Lan-DeMets error spending).

Run from the repository root:  python3 scripts/golden/generate_group_sequential.py
Writes Tests/TollgateStatsTests/Fixtures/group_sequential.json.

Two independent computations, neither shared with the Swift code:
- up to 5 looks: the joint probabilities P(Z_1 < u_1, ..., Z_{k-1} < u_{k-1}, Z_k >= u) from
  scipy.stats.multivariate_normal.cdf (Genz's algorithm) with corr(Z_i, Z_j) = sqrt(t_i / t_j),
  solved for u with scipy.optimize.brentq;
- any number of looks: the Brownian-motion recursion on a fine uniform grid (step 0.005) with the
  trapezoidal rule in numpy (the Swift code uses Simpson's rule on a 0.025 grid).
The published Lan-DeMets O'Brien-Fleming table for K = 5, one-sided 0.025 (4.877, 3.357, 2.680,
2.290, 2.031; e.g. Jennison & Turnbull 2000, table 7.6 / gsDesign) is checked here as well.
"""
import json
import math
import os

import numpy as np
import scipy
from scipy import stats
from scipy.optimize import brentq

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "TollgateStatsTests", "Fixtures", "group_sequential.json")


def spend(kind, a, t):
    t = min(max(t, 0.0), 1.0)
    if t == 0:
        return 0.0
    if kind == "pocock":
        return a * math.log(1 + (math.e - 1) * t)
    if kind == "obrien-fleming":
        return a if t == 1 else 2 * stats.norm.sf(stats.norm.isf(a / 2) / math.sqrt(t))
    if kind.startswith("power("):
        return a * t ** float(kind[6:-1])
    raise ValueError(kind)


def increments(kind, a, fractions):
    out, prev = [], 0.0
    for t in fractions:
        s = spend(kind, a, t)
        out.append(s - prev)
        prev = s
    return out


def bounds_mvn(kind, a, fractions):
    """Boundaries from multivariate normal probabilities (few looks only)."""
    inc = increments(kind, a, fractions)
    bounds = []
    for k, t in enumerate(fractions):
        if k == 0:
            bounds.append(float(stats.norm.isf(inc[0])))
            continue
        ts = np.array(fractions[: k + 1])
        cov = np.sqrt(np.minimum.outer(ts, ts) / np.maximum.outer(ts, ts))
        mvn = stats.multivariate_normal
        p_prev = (mvn.cdf(np.array(bounds), mean=np.zeros(k), cov=cov[:k, :k], abseps=1e-7, releps=1e-7, maxpts=200_000)
                  if k > 1 else stats.norm.cdf(bounds[0]))

        def f(u):
            # P(all previous below, Z_k >= u) = P(prev below) - P(prev below, Z_k < u)
            return p_prev - mvn.cdf(np.array(bounds + [u]), mean=np.zeros(k + 1), cov=cov,
                                    abseps=1e-7, releps=1e-7, maxpts=200_000) - inc[k]

        bounds.append(float(brentq(f, -5, 12, xtol=1e-9)))
    return bounds


def bounds_grid(kind, a, fractions, drift=0.0, h=0.005, width=8.5):
    """Boundaries (and per-look crossing probabilities under `drift`) by a trapezoidal recursion
    on the partial sums S_k = Z_k sqrt(t_k), a Brownian motion with drift eta."""
    inc = increments(kind, a, fractions)
    bounds = []
    s_grid = None
    dens = None
    t_prev = 0.0
    for k, t in enumerate(fractions):
        dt = t - t_prev
        st = math.sqrt(t)

        def exceed(u):
            if s_grid is None:
                return stats.norm.sf((u * st - drift * dt) / math.sqrt(dt))
            tails = stats.norm.sf((u * st - s_grid - drift * dt) / math.sqrt(dt))
            return float(np.trapezoid(dens * tails, s_grid))

        if inc[k] <= 1e-15:
            u = math.inf
        else:
            u = brentq(lambda x: exceed(x) - inc[k], -9, 40, xtol=1e-11)
        bounds.append(u)
        # density of S_k on the paths still below u
        mean = drift * t
        hi_z = min(u, mean / st + width)
        lo_z = mean / st - width
        z = np.arange(lo_z, hi_z, h / st)
        z = np.append(z, hi_z)
        s_new = z * st
        if s_grid is None:
            d_new = stats.norm.pdf((s_new - drift * dt) / math.sqrt(dt)) / math.sqrt(dt)
        else:
            kern = stats.norm.pdf((s_new[:, None] - s_grid[None, :] - drift * dt) / math.sqrt(dt)) / math.sqrt(dt)
            d_new = np.trapezoid(kern * dens[None, :], s_grid, axis=1)
        s_grid, dens, t_prev = s_new, d_new, t
    return bounds


def crossing_grid(fractions, upper, drift, h=0.005, width=8.5):
    """P(first upper crossing at look k) under drift eta for given boundaries."""
    out = []
    s_grid = None
    dens = None
    t_prev = 0.0
    for t, u in zip(fractions, upper):
        dt = t - t_prev
        st = math.sqrt(t)
        if s_grid is None:
            out.append(float(stats.norm.sf((u * st - drift * dt) / math.sqrt(dt))))
        else:
            tails = stats.norm.sf((u * st - s_grid - drift * dt) / math.sqrt(dt))
            out.append(float(np.trapezoid(dens * tails, s_grid)))
        mean = drift * t
        hi_z = min(u, mean / st + width)
        lo_z = mean / st - width
        z = np.append(np.arange(lo_z, hi_z, h / st), hi_z)
        s_new = z * st
        if s_grid is None:
            d_new = stats.norm.pdf((s_new - drift * dt) / math.sqrt(dt)) / math.sqrt(dt)
        else:
            kern = stats.norm.pdf((s_new[:, None] - s_grid[None, :] - drift * dt) / math.sqrt(dt)) / math.sqrt(dt)
            d_new = np.trapezoid(kern * dens[None, :], s_grid, axis=1)
        s_grid, dens, t_prev = s_new, d_new, t
    return out


def main():
    published = [4.877, 3.357, 2.680, 2.290, 2.031]
    eq5 = [0.2, 0.4, 0.6, 0.8, 1.0]
    obf_mvn = bounds_mvn("obrien-fleming", 0.025, eq5)
    obf_grid = bounds_grid("obrien-fleming", 0.025, eq5)
    print("OBF K=5: published", published, "mvn", [round(b, 4) for b in obf_mvn], "grid", [round(c, 4) for c in obf_grid])
    for a, b, c in zip(published, obf_mvn, obf_grid):
        assert abs(a - c) < 1e-3 and abs(b - c) < 2e-3, (a, b, c)

    designs = [
        ("obrien-fleming", 0.025, eq5),
        ("pocock", 0.025, eq5),
        ("power(2)", 0.025, eq5),
        ("pocock", 0.05, [i / 20 for i in range(1, 21)]),
        ("pocock", 0.05, [i / 10 for i in range(1, 11)]),
        ("obrien-fleming", 0.05, [i / 10 for i in range(1, 11)]),
        ("power(1)", 0.05, [0.1, 0.25, 0.3, 0.55, 0.7, 1.0]),
        ("power(3)", 0.05, [0.15, 0.5, 0.9, 1.0]),
        # irregular: a resume after a crash left a short batch, then uneven batches
        ("pocock", 0.05, [0.05, 0.1, 0.13, 0.2, 0.35, 0.4, 0.62, 0.8, 0.97, 1.0]),
        ("obrien-fleming", 0.01, [0.3, 0.31, 0.7, 1.0]),
        ("pocock", 0.0125, [0.04 * i for i in range(1, 26)]),
    ]
    cases = []
    for kind, a, fr in designs:
        grid = bounds_grid(kind, a, fr)
        if len(fr) <= 5 and kind != "obrien-fleming":
            mvn = bounds_mvn(kind, a, fr)
            for x, y in zip(grid, mvn):
                assert abs(x - y) < 2e-4, (kind, a, fr, grid, mvn)
        finite = [u for u in grid if math.isfinite(u)]
        drift = 3.0
        power = crossing_grid(fr, grid, drift)
        cases.append({"spending": kind, "alpha": a, "fractions": fr, "boundaries": grid,
                      "drift": drift, "crossing": power, "null_total": float(sum(crossing_grid(fr, grid, 0.0)))})
        assert len(finite) == len(grid)
    pocock20 = cases[3]["boundaries"]
    print("pocock K=20 alpha 0.05:", round(pocock20[0], 4), "...", round(pocock20[-1], 4))
    with open(OUT, "w") as f:
        json.dump({"generator": "scripts/golden/generate_group_sequential.py", "scipy": scipy.__version__,
                   "published_obrien_fleming_k5_0025": published, "tolerance": 1e-3, "cases": cases}, f, indent=1)
    print(f"group_sequential: {len(cases)} cases")


if __name__ == "__main__":
    main()
