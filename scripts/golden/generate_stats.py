#!/usr/bin/env python3
"""Generate golden fixtures for TollgateStats from scipy.

Run from the repository root:  python3 scripts/golden/generate_stats.py
Writes one JSON file per test into Tests/TollgateStatsTests/Fixtures/. Each case holds the
inputs, the expected outputs computed by scipy (or, where scipy has no such function, by a
direct and independent Python transcription of the textbook formula named in the case), and
the relative tolerance: 1e-9 where scipy's computation is exact, 1e-6 where it approximates.
Fixtures are committed so the Swift tests never need Python.
"""
import json
import math
import os
import sys

import numpy as np
import scipy
from scipy import stats
from scipy.spatial.distance import jensenshannon

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "TollgateStatsTests", "Fixtures")
EXACT = 1e-9
APPROX = 1e-6
rng = np.random.default_rng(20261130)


def fl(a):
    return [float(v) for v in a]


def write(name, cases):
    path = os.path.join(OUT, name + ".json")
    with open(path, "w") as f:
        json.dump({"generator": "scripts/golden/generate_stats.py", "scipy": scipy.__version__,
                   "cases": cases}, f, indent=1)
    print(f"{name}: {len(cases)} cases")


def samples():
    """Named pairs of samples covering small and large n, ties, identical and heavy tails."""
    r = rng
    return [
        ("small-no-ties", fl(r.normal(10, 2, 6)), fl(r.normal(12, 2, 7))),
        ("tiny-n1", [3.5], fl(r.normal(0, 1, 5))),
        ("small-one-side-8", fl(r.normal(0, 1, 8)), fl(r.normal(0.5, 1, 30))),
        ("medium", fl(r.normal(100, 15, 40)), fl(r.normal(108, 15, 45))),
        ("ties-integers", fl(r.integers(0, 6, 30)), fl(r.integers(1, 7, 25))),
        ("ties-small", [1.0, 2.0, 2.0, 3.0], [2.0, 3.0, 3.0, 4.0, 5.0]),
        ("identical", [4.0, 4.0, 4.0, 4.0], [4.0, 4.0, 4.0]),
        ("same-values", fl(np.arange(1, 11)), fl(np.arange(1, 11))),
        ("heavy-tails", fl(r.standard_cauchy(60)), fl(r.standard_cauchy(55) + 0.5)),
        ("lognormal-large", fl(r.lognormal(5.5, 0.6, 1500)), fl(r.lognormal(5.6, 0.6, 1400))),
        ("separated", fl(r.normal(0, 1, 20)), fl(r.normal(10, 1, 20))),
        ("lognormal-shift", fl(r.lognormal(3, 0.5, 300)), fl(r.lognormal(3.1, 0.5, 320))),
        ("unequal-variance", fl(r.normal(0, 1, 15)), fl(r.normal(0.5, 5, 12))),
    ]


def mannwhitney():
    cases = []
    for name, x, y in samples():
        xy = np.concatenate([x, y])
        ties = len(np.unique(xy)) < len(xy)
        exact = (min(len(x), len(y)) <= 8) and not ties
        results = []
        for alt in ["two-sided", "greater", "less"]:
            res = stats.mannwhitneyu(x, y, alternative=alt, method="auto")
            results.append({"alternative": alt, "statistic": float(res.statistic), "p_value": float(res.pvalue)})
        cases.append({"name": name, "x": x, "y": y, "results": results, "tol": EXACT if exact else APPROX})
    write("mannwhitney", cases)


def hl_reference(x, y, conf):
    """Bauer (1972) interval from all pairwise differences, as documented in HodgesLehmann.swift."""
    x = np.asarray(x); y = np.asarray(y)
    d = np.sort(np.subtract.outer(x, y).ravel())
    n1, n2 = len(x), len(y)
    est = float(np.median(d))
    alpha = 1 - conf
    xy = np.concatenate([x, y])
    ties = len(np.unique(xy)) < len(xy)
    if not ties and (min(n1, n2) ** 2 * max(n1, n2) ** 2 / 2 <= 150_000_000):
        # qwilcox(alpha/2): smallest q with P(U <= q) >= alpha/2, from the exact distribution.
        counts = exact_u_counts(n1, n2)
        cdf = np.cumsum(counts) / counts.sum()
        k = int(np.argmax(cdf >= alpha / 2 * (1 - 64 * 2.220446049250313e-16)))
        method = "exact"
    else:
        n = n1 + n2
        _, t = np.unique(xy, return_counts=True)
        var = n1 * n2 / 12 * ((n + 1) - (t ** 3 - t).sum() / (n * (n - 1)))
        z = stats.norm.ppf(1 - alpha / 2)
        k = int(math.floor(n1 * n2 / 2 - z * math.sqrt(var)))
        method = "asymptotic"
    k = max(1, k)
    k = min(k, (len(d) + 1) // 2)
    return est, float(d[k - 1]), float(d[len(d) - k]), method


def exact_u_counts(n1, n2):
    from itertools import combinations
    # Counts of U via the generating function (exact integers).
    m, n = min(n1, n2), max(n1, n2)
    # Gaussian binomial coefficient [m+n choose m]_q with integer arithmetic.
    poly = [1]
    for i in range(1, m + 1):
        # multiply by (1 - q^(n+i)) then divide by (1 - q^i)
        num = poly + [0] * (n + i)
        for k in range(len(poly)):
            num[k + n + i] -= poly[k]
        out = [0] * (len(num) - i)
        for k in range(len(out)):
            out[k] = num[k] + (out[k - i] if k >= i else 0)
        poly = out
    return np.array(poly, dtype=float)


def hodges_lehmann():
    cases = []
    for name, x, y in samples():
        if name in ("identical",):
            continue
        for conf in [0.95, 0.9]:
            est, lo, hi, method = hl_reference(x, y, conf)
            cases.append({"name": f"{name}/{conf}", "x": x, "y": y, "confidence": conf,
                          "estimate": est, "ci_low": lo, "ci_high": hi, "method": method, "tol": EXACT})
    write("hodges_lehmann", cases)


def welch():
    cases = []
    for name, x, y in samples():
        if len(x) < 2 or len(y) < 2 or name in ("identical", "same-values"):
            continue
        results = []
        for alt in ["two-sided", "greater", "less"]:
            res = stats.ttest_ind(x, y, equal_var=False, alternative=alt)
            ci = res.confidence_interval(0.95)
            r = {"alternative": alt, "statistic": float(res.statistic), "p_value": float(res.pvalue),
                 "df": float(res.df)}
            if alt == "two-sided":
                r["ci_low"] = float(ci.low); r["ci_high"] = float(ci.high)
            results.append(r)
        cases.append({"name": name, "x": x, "y": y, "results": results, "tol": EXACT})
    write("welch", cases)


def ks():
    cases = []
    extra = [("asymp-large", fl(rng.normal(0, 1, 12000)), fl(rng.normal(0.02, 1, 11000))),
             ("asymp-unequal", fl(rng.normal(0, 1, 10500)), fl(rng.normal(0.05, 1.1, 3000))),
             ("equal-n", fl(rng.normal(0, 1, 50)), fl(rng.normal(0.4, 1, 50)))]
    import warnings
    for name, x, y in samples() + extra:
        results = []
        for alt in ["two-sided", "greater", "less"]:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                res = stats.ks_2samp(x, y, alternative=alt, method="auto")
            fell_back = any("unsuccessful" in str(w.message) for w in caught)
            exact = max(len(x), len(y)) <= 10000 and not fell_back
            results.append({"alternative": alt, "statistic": float(res.statistic), "p_value": float(res.pvalue),
                            "tol": EXACT if exact else APPROX})
        cases.append({"name": name, "x": x, "y": y, "results": results})
    write("ks", cases)


TABLES = [[3, 1, 1, 3], [10, 2, 3, 15], [0, 5, 5, 0], [1, 9, 11, 3], [20, 80, 25, 75], [120, 880, 150, 850],
          [2, 7, 8, 2], [0, 10, 1, 9], [50, 50, 50, 50], [5, 0, 0, 5], [7, 93, 2, 98], [1000, 9000, 1100, 8900]]


def chi2():
    cases = []
    for t in TABLES:
        for corr in [True, False]:
            chi, p, dof, _ = stats.chi2_contingency([[t[0], t[1]], [t[2], t[3]]], correction=corr)
            cases.append({"name": f"{t}/{corr}", "table": t, "correction": corr, "statistic": float(chi),
                          "p_value": float(p), "tol": EXACT})
    write("chi2", cases)


def fisher():
    cases = []
    for t in TABLES:
        for alt in ["two-sided", "greater", "less"]:
            res = stats.fisher_exact([[t[0], t[1]], [t[2], t[3]]], alternative=alt)
            odds = float(res.statistic)
            cases.append({"name": f"{t}/{alt}", "table": t, "alternative": alt,
                          "statistic": odds if math.isfinite(odds) else None,
                          "p_value": float(res.pvalue), "tol": EXACT})
    write("fisher", cases)


def wilson(x, n, z):
    p = x / n
    den = 1 + z * z / n
    c = (p + z * z / (2 * n)) / den
    h = z / den * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(0, c - h), min(1, c + h)


def proportions():
    cases = []
    for (x1, n1, x2, n2) in [(10, 100, 5, 100), (0, 50, 3, 60), (12, 1000, 20, 1000), (45, 50, 30, 50),
                             (1, 10, 1, 10), (0, 20, 0, 25), (500, 10000, 560, 10000), (3, 4, 1, 5),
                             (99, 100, 100, 100), (150, 4000, 120, 4000), (7, 30, 15, 32)]:
        z = stats.norm.ppf(0.975)
        p1, p2 = x1 / n1, x2 / n2
        l1, u1 = wilson(x1, n1, z); l2, u2 = wilson(x2, n2, z)
        d = p1 - p2
        lo = d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
        hi = d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
        pooled = (x1 + x2) / (n1 + n2)
        se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
        zs = d / se if se > 0 else 0.0
        p = float(2 * stats.norm.sf(abs(zs))) if se > 0 else 1.0
        cases.append({"name": f"{x1}/{n1} vs {x2}/{n2}", "x1": x1, "n1": n1, "x2": x2, "n2": n2,
                      "estimate": d, "ci_low": lo, "ci_high": hi, "statistic": zs, "p_value": min(1, p),
                      "tol": EXACT})
    write("proportions", cases)


def binomial():
    cases = []
    for (k, n, p) in [(3, 10, 0.5), (0, 10, 0.5), (10, 10, 0.5), (7, 100, 0.05), (2, 100, 0.05), (60, 100, 0.5),
                      (1, 1, 0.3), (25, 400, 0.05), (480, 10000, 0.05), (5, 20, 0.25), (13, 20, 0.25), (50, 100, 0.5)]:
        for alt in ["two-sided", "greater", "less"]:
            res = stats.binomtest(k, n, p, alternative=alt)
            ci = res.proportion_ci(confidence_level=0.95, method="exact")
            cases.append({"name": f"{k}/{n}@{p}/{alt}", "k": k, "n": n, "p": p, "alternative": alt,
                          "p_value": float(res.pvalue), "ci_low": float(ci.low), "ci_high": float(ci.high),
                          "tol": EXACT})
    write("binomial", cases)


def mcnemar():
    cases = []
    for (b, c) in [(0, 0), (5, 0), (10, 2), (3, 3), (30, 45), (1, 9), (100, 120), (7, 1), (0, 12), (250, 200), (15, 16)]:
        n = b + c
        p_exact = 1.0 if n == 0 else float(min(1, 2 * stats.binom.cdf(min(b, c), n, 0.5)))
        stat_chi = 0.0 if n == 0 else max(0, abs(b - c) - 1) ** 2 / n
        p_chi = 1.0 if n == 0 else float(stats.chi2.sf(stat_chi, 1))
        cases.append({"name": f"b={b},c={c}", "b": b, "c": c, "exact_statistic": float(min(b, c)),
                      "exact_p_value": p_exact, "chi2_statistic": float(stat_chi), "chi2_p_value": p_chi,
                      "tol": EXACT})
    write("mcnemar", cases)


def wilcoxon():
    cases = []
    r = rng
    data = [
        ("small-exact", fl(r.normal(0.5, 1, 9))),
        ("exact-20", fl(r.normal(0.3, 1, 20))),
        ("exact-50", fl(r.normal(0.2, 1, 50))),
        ("asymptotic-80", fl(r.normal(0.1, 1, 80))),
        ("zeros-small", [0.0, 1.0, -2.0, 3.0, 4.0, 0.0, 5.0, 6.0]),
        ("ties-small", [1.0, 1.0, -1.0, 2.0, 2.0, 3.0, -0.5, 4.0, 4.0, 1.0]),
        ("ties-large", fl(r.integers(-3, 5, 40))),
        ("zeros-large", fl(np.concatenate([np.zeros(5), r.normal(0.5, 1, 25)]))),
        ("heavy", fl(r.standard_cauchy(30))),
        ("all-positive", fl(np.abs(r.normal(1, 1, 12)) + 0.01)),
        ("single", [2.5]),
    ]
    for name, d in data:
        for alt in ["two-sided", "greater", "less"]:
            res = stats.wilcoxon(d, alternative=alt)
            dd = np.asarray(d)
            exactish = len(dd) <= 50
            cases.append({"name": f"{name}/{alt}", "d": d, "alternative": alt, "statistic": float(res.statistic),
                          "p_value": float(res.pvalue), "tol": EXACT if exactish else APPROX})
    write("wilcoxon", cases)


def psi_reference(base, cur, bins=10, eps=1e-4):
    s = np.sort(base)
    edges = []
    for i in range(1, bins):
        e = float(np.quantile(s, i / bins))
        if not edges or e > edges[-1]:
            edges.append(e)
    def counts(v):
        idx = np.searchsorted(np.asarray(edges), v, side="right")
        return np.bincount(idx, minlength=len(edges) + 1)
    p = counts(base) / len(base); q = counts(cur) / len(cur)
    a = np.maximum(p, eps); b = np.maximum(q, eps)
    return float(((b - a) * np.log(b / a)).sum()), counts(base), counts(cur)


def drift():
    cases = []
    for name, x, y in samples():
        psi, cb, cc = psi_reference(np.asarray(x), np.asarray(y))
        js = float(jensenshannon(cb.astype(float), cc.astype(float)))
        w = float(stats.wasserstein_distance(x, y))
        cases.append({"name": name, "baseline": x, "current": y, "psi": psi, "jensen_shannon": js, "wasserstein": w,
                      "tol": EXACT})
    vectors = [([0.1, 0.2, 0.7], [0.2, 0.2, 0.6]), ([1, 0, 0], [0, 1, 0]), ([1, 1], [1, 1]), ([5, 3, 2, 0], [1, 1, 1, 1]),
               ([0.25, 0.25, 0.5], [0.5, 0.25, 0.25]), ([10, 20, 30, 40], [40, 30, 20, 10]), ([1e-3, 1, 2], [2, 1, 1e-3]),
               ([3, 3, 3], [3, 3, 4]), ([0, 0, 1], [0, 1, 1]), ([100, 1], [1, 100])]
    vcases = [{"name": f"{p}|{q}", "p": fl(p), "q": fl(q), "jensen_shannon": float(jensenshannon(p, q)), "tol": EXACT}
              for p, q in vectors]
    write("drift", cases)
    write("jensen_shannon_vectors", vcases)


def multiple_testing():
    cases = []
    sets = [[0.01, 0.04, 0.03, 0.005], [0.5], [0.001, 0.002, 0.003, 0.004, 0.05, 0.2], [0.2, 0.2, 0.2],
            fl(rng.uniform(0, 0.1, 15)), [1.0, 0.0, 0.5], [0.04, 0.04, 0.04, 0.01], fl(rng.uniform(0, 1, 40)),
            [0.049, 0.051], [0.0001, 0.9, 0.3, 0.02, 0.02], [0.3, 0.1, 0.7, 0.05]]
    for ps in sets:
        m = len(ps)
        order = np.argsort(ps, kind="stable")
        holm = np.empty(m); running = 0.0
        for rank, i in enumerate(order):
            running = max(running, min(1.0, (m - rank) * ps[i])); holm[i] = running
        bh = stats.false_discovery_control(ps, method="bh")
        cases.append({"name": str(ps[:4]), "p": fl(ps), "holm": fl(holm), "bh": fl(bh), "tol": EXACT})
    write("multiple_testing", cases)


def special():
    cases = {"normal_quantile": [], "normal_cdf": [], "t_sf": [], "chi2_sf": [], "kolmogorov_two_sided_sf": []}
    for p in [1e-300, 1e-20, 1e-10, 1e-5, 0.001, 0.01, 0.025, 0.1, 0.3, 0.5, 0.7, 0.975, 0.999, 1 - 1e-10]:
        cases["normal_quantile"].append({"x": p, "value": float(stats.norm.ppf(p))})
    for z in [-38, -20, -8, -3, -1.96, -0.5, 0, 0.5, 1.96, 3, 8]:
        cases["normal_cdf"].append({"x": z, "value": float(stats.norm.cdf(z))})
    for t, df in [(0.5, 3), (2.1, 10), (-1.5, 4.5), (10, 2), (3.2, 100.5), (0.0, 7), (25, 30), (1.0, 1), (-4.2, 12.3), (6.5, 2000)]:
        cases["t_sf"].append({"x": t, "df": df, "value": float(stats.t.sf(t, df))})
    for x, df in [(0.5, 1), (3.84, 1), (10, 3), (0.1, 5), (50, 10), (200, 150), (1e-4, 2), (30, 1), (7.5, 4), (1.5, 0.5)]:
        cases["chi2_sf"].append({"x": x, "df": df, "value": float(stats.chi2.sf(x, df))})
    for n, d in [(5000, 0.01), (5000, 0.02), (6000, 0.03), (20000, 0.005), (200, 0.05), (200, 0.2), (1000, 0.08),
                 (7000, 0.025), (12000, 0.012), (300, 0.6)]:
        cases["kolmogorov_two_sided_sf"].append({"n": n, "x": d, "value": float(stats.kstwo.sf(d, n))})
    path = os.path.join(OUT, "special.json")
    with open(path, "w") as f:
        json.dump({"generator": "scripts/golden/generate_stats.py", "scipy": scipy.__version__, **cases}, f, indent=1)
    print("special:", {k: len(v) for k, v in cases.items()})


class Xoshiro:
    """TollgateStats.SeededGenerator: xoshiro256** seeded by SplitMix64, Lemire bounded integers."""
    M = (1 << 64) - 1

    def __init__(self, seed):
        x = seed & self.M
        out = []
        for _ in range(4):
            x = (x + 0x9E3779B97F4A7C15) & self.M
            z = x
            z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & self.M
            z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & self.M
            out.append(z ^ (z >> 31))
        self.s = out

    @staticmethod
    def rotl(x, k):
        return ((x << k) | (x >> (64 - k))) & Xoshiro.M

    def next(self):
        s = self.s
        result = (self.rotl((s[1] * 5) & self.M, 7) * 9) & self.M
        t = (s[1] << 17) & self.M
        s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3]; s[2] ^= t
        s[3] = self.rotl(s[3], 45)
        return result

    def index(self, bound):
        m = self.next() * bound
        low, high = m & self.M, m >> 64
        if low < bound:
            threshold = ((1 << 64) - bound) % bound
            while low < threshold:
                m = self.next() * bound
                low, high = m & self.M, m >> 64
        return high


def bootstrap_reference(baseline, candidate, stat, comparison, conf, resamples, seed, method):
    """Transcription of Bootstrap.interval with scipy.stats.bootstrap's BCa formulas (_bca_interval)."""
    from scipy.special import ndtr, ndtri
    b = np.sort(np.asarray(baseline)); c = np.sort(np.asarray(candidate))
    f = (lambda a: float(np.mean(a))) if stat == "mean" else (lambda a: float(np.quantile(a, stat)))
    comb = (lambda cv, bv: cv - bv) if comparison == "difference" else (lambda cv, bv: cv / bv)
    est = comb(f(c), f(b))
    g = Xoshiro(seed)
    reps = []
    for _ in range(resamples):
        rb = b[[g.index(len(b)) for _ in range(len(b))]]
        rc = c[[g.index(len(c)) for _ in range(len(c))]]
        if stat == "mean":
            vb = sum(rb.tolist()) / len(b); vc = sum(rc.tolist()) / len(c)
        else:
            vb = f(rb); vc = f(rc)
        v = comb(vc, vb) if (comparison == "difference" or vb != 0) else float("nan")
        if math.isfinite(v):
            reps.append(v)
    reps = np.sort(np.asarray(reps))
    alpha = (1 - conf) / 2
    lo_level, hi_level = alpha, 1 - alpha
    if method == "bca":
        share = ((reps < est).sum() + (reps <= est).sum()) / (2 * len(reps))
        z0 = ndtri(share)
        nums = dens = 0.0
        for sample, is_c in ((b, False), (c, True)):
            loo = [f(np.delete(sample, i)) for i in range(len(sample))]
            # Leave one out of this sample, keep the other sample's full statistic.
            thetas = np.array([comb(v, f(b)) if is_c else comb(f(c), v) for v in loo])
            n = len(thetas)
            u = (n - 1) * (thetas.mean() - thetas)
            nums += (u ** 3).sum() / n ** 3
            dens += (u ** 2).sum() / n ** 2
        a = nums / 6 / dens ** 1.5 if dens > 0 else 0.0
        zl = ndtri(alpha); zh = -zl
        lo_level = ndtr(z0 + (z0 + zl) / (1 - a * (z0 + zl)))
        hi_level = ndtr(z0 + (z0 + zh) / (1 - a * (z0 + zh)))
    return est, float(np.quantile(reps, lo_level)), float(np.quantile(reps, hi_level))


def bootstrap():
    cases = []
    r = np.random.default_rng(77)
    data = [
        ("lognormal-p95", fl(r.lognormal(5.7, 0.5, 200)), fl(r.lognormal(5.8, 0.5, 180)), 0.95, "difference", "bca"),
        ("lognormal-p99-ratio", fl(r.lognormal(5.7, 0.5, 300)), fl(r.lognormal(5.7, 0.6, 300)), 0.99, "ratio", "bca"),
        ("p50-percentile", fl(r.normal(100, 10, 60)), fl(r.normal(104, 10, 70)), 0.5, "difference", "percentile"),
        ("mean-difference", fl(r.normal(100, 10, 80)), fl(r.normal(98, 12, 90)), "mean", "difference", "bca"),
        ("mean-ratio-percentile", fl(r.lognormal(3, 1, 50)), fl(r.lognormal(3.2, 1, 50)), "mean", "ratio", "percentile"),
        ("ties-integers-p95", fl(r.integers(1, 8, 120)), fl(r.integers(1, 9, 110)), 0.95, "difference", "bca"),
        ("heavy-tails-p95", fl(np.abs(r.standard_cauchy(150)) + 1), fl(np.abs(r.standard_cauchy(150)) + 1.2), 0.95, "difference", "bca"),
        ("small-n", [210.0, 190.0, 250.0, 300.0, 205.0], [220.0, 260.0, 240.0, 310.0], 0.5, "difference", "bca"),
        ("identical", [5.0] * 20, [5.0] * 20, 0.95, "difference", "percentile"),
        ("p99-large", fl(r.lognormal(6, 0.4, 600)), fl(r.lognormal(6.05, 0.4, 600)), 0.99, "difference", "percentile"),
        ("mean-bca-skewed", fl(r.exponential(50, 100)), fl(r.exponential(55, 100)), "mean", "difference", "bca"),
    ]
    for name, b, c, stat, comparison, method in data:
        for seed in (1, 42):
            est, lo, hi = bootstrap_reference(b, c, stat, comparison, 0.95, 300, seed, method)
            cases.append({"name": f"{name}/seed{seed}", "baseline": b, "candidate": c,
                          "statistic": stat, "comparison": comparison, "method": method, "seed": seed,
                          "resamples": 300, "confidence": 0.95, "estimate": est, "ci_low": lo, "ci_high": hi,
                          "tol": EXACT})
    write("bootstrap", cases)


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    for fn in [mannwhitney, hodges_lehmann, welch, ks, chi2, fisher, proportions, binomial, mcnemar, wilcoxon,
               drift, multiple_testing, special, bootstrap]:
        fn()
