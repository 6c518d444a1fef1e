#!/usr/bin/env bash
# Measures how reliably `tollgate demo --healthy` promotes and `tollgate demo` rolls back on the
# judge's own evidence (the canary's last verdict is `rollback`, not only an error-rate rule).
# Usage, from the repository root after `swift build` (or -c release):
#   scripts/demo-reliability.sh [RUNS] [TOLLGATE]
# Prints one line per run and the totals; run it on the machine you care about and note its
# load (`uptime` is printed before and after).
set -uo pipefail
runs="${1:-20}"
tollgate="${2:-$(swift build --show-bin-path 2>/dev/null)/tollgate}"
log="$(mktemp)"
reports="$(mktemp -d)"   # each demo writes its run's HTML report; keep them out of the repository
trap 'rm -rf "$log" "$reports"' EXIT
uptime
promoted=0
judged=0
for i in $(seq 1 "$runs"); do
    "$tollgate" demo --healthy --report "$reports/healthy-$i.html" >"$log" 2>&1
    code=$?
    [ "$code" -eq 0 ] && promoted=$((promoted + 1))
    echo "healthy run $i: exit $code $(grep -m1 -o 'promoted\|rolled_back\|rolled back' "$log" | head -1)"
done
for i in $(seq 1 "$runs"); do
    "$tollgate" demo --report "$reports/unhealthy-$i.html" >"$log" 2>&1
    code=$?
    by_judge=no
    if [ "$code" -eq 3 ] && grep -q "last verdict: rollback" "$log"; then by_judge=yes; judged=$((judged + 1)); fi
    echo "unhealthy run $i: exit $code, rolled back on the judge's verdict: $by_judge"
done
uptime
echo "healthy promoted: $promoted/$runs; unhealthy rolled back by the judge: $judged/$runs"
