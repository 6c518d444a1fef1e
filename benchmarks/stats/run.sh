#!/usr/bin/env bash
# Benchmarks of TollgateStats (see docs/statistics.md, "Benchmarks"). Run from the repository root:
#   benchmarks/stats/run.sh [RUNS]
# 1. Mann–Whitney + Hodges–Lehmann interval on 1,000,000 vs 1,000,000 lognormal samples, against
#    scipy.stats.mannwhitneyu on the same data in the same run (ratio printed).
# 2. Operating characteristics of the canary judges (RUNS canaries per row, default 2,000): the table of docs/statistics.md.
set -euo pipefail
runs="${1:-2000}"
swift build -c release --product tollgate-bench-stats >/dev/null
bench="$(swift build -c release --show-bin-path)/tollgate-bench-stats"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

python3 - "$tmp" <<'PY'
import sys, numpy as np
rng = np.random.default_rng(2026)
rng.lognormal(5.7, 0.5, 1_000_000).astype('<f8').tofile(sys.argv[1] + "/x.f64")
rng.lognormal(5.72, 0.5, 1_000_000).astype('<f8').tofile(sys.argv[1] + "/y.f64")
PY

swift_json="$("$bench" mw-hl "$tmp/x.f64" "$tmp/y.f64")"
python3 - "$tmp" "$swift_json" <<'PY'
import sys, json, time, numpy as np, scipy
from scipy import stats
x = np.fromfile(sys.argv[1] + "/x.f64"); y = np.fromfile(sys.argv[1] + "/y.f64")
best = float("inf")
for _ in range(3):
    t = time.perf_counter(); r = stats.mannwhitneyu(x, y); best = min(best, time.perf_counter() - t)
s = json.loads(sys.argv[2])
print(f"Mann-Whitney + Hodges-Lehmann 95% interval, 1e6 vs 1e6 (best of 3):")
print(f"  tollgate (MW + HL + interval): {s['seconds']:.3f} s   (MW alone {s['mw_only_seconds']:.3f} s)")
print(f"  scipy {scipy.__version__} mannwhitneyu (MW only): {best:.3f} s")
print(f"  ratio scipy / tollgate: {best / s['seconds']:.2f}x  (>1 means tollgate is faster)")
print(f"  U agrees: {s['u'] == float(r.statistic)}; p tollgate {s['p']:.6g} vs scipy {float(r.pvalue):.6g}")
print(f"  HL shift {s['hl']:.4f} ms, 95% interval [{s['ci_low']:.4f}, {s['ci_high']:.4f}]")
PY

echo
"$bench" simulate "$runs"
