#!/usr/bin/env bash
# Eval benchmark (run on demand; not part of the test suite): the cost of scoring and comparing.
# `tollgate eval run` on N cases (2N streamed requests, five scorers per answer, the paired
# comparison, compatibility checks) against `tollgate replay` of the same 2N requests at the same
# concurrency, on the same simulators, in the same run. The ratio is eval time / replay time.
# Usage: benchmarks/eval/run.sh   (from the package root; BUILD=debug skips the release build)
set -euo pipefail
cd "$(dirname "$0")/../.."
HERE=benchmarks/eval
WORK=$(mktemp -d)
PIDS=()
cleanup() { for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT

BUILD=${BUILD:-release}
swift build -c "$BUILD" --product tollgate >/dev/null
BIN=$(swift build -c "$BUILD" --show-bin-path)/tollgate

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
wait_ready() { for _ in $(seq 100); do curl -sf "http://127.0.0.1:$1/health" >/dev/null && return 0; sleep 0.1; done; echo "server on $1 did not start" >&2; exit 1; }

echo "machine: $(lscpu | awk -F: '/Model name/ {gsub(/^ +/,"",$2); print $2}'), $(nproc) cores, $(uname -sr); build: $BUILD"
N=${N:-500}
CONC=${CONC:-16}
python3 "$HERE/make_cases.py" "$N" "$WORK"
SIM=(--cases "$WORK/sim-cases.json" --prefill-ms 5 --decode-ms 1 --seed 1)
PA=$(free_port); "$BIN" sim --listen "127.0.0.1:$PA" "${SIM[@]}" >/dev/null & PIDS+=($!)
PB=$(free_port); "$BIN" sim --listen "127.0.0.1:$PB" "${SIM[@]}" --degraded-rate 0.05 >/dev/null & PIDS+=($!)
wait_ready "$PA"; wait_ready "$PB"

now() { python3 -c 'import time; print(time.monotonic())'; }
T0=$(now)
"$BIN" replay "$WORK/traffic.jsonl" --endpoint "http://127.0.0.1:$PA/v1" --concurrency "$CONC" --json >/dev/null
T1=$(now)
set +e
"$BIN" eval run "$WORK/suite.yaml" --baseline "http://127.0.0.1:$PA/v1" --candidate "http://127.0.0.1:$PB/v1" \
  --concurrency "$CONC" --no-store --json > "$WORK/eval.json"
STATUS=$?
set -e
T2=$(now)
python3 - "$WORK/eval.json" "$T0" "$T1" "$T2" "$N" "$STATUS" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
t0, t1, t2, n, status = float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
replay, ev = t1 - t0, t2 - t1
q = r["quality"]
print(f"{n} cases ({2*n} requests): replay {replay:.2f} s, eval run {ev:.2f} s, ratio {ev/replay:.2f} (exit {status})")
print(f"pass rate {q['baselinePassRate']:.3f} -> {q['candidatePassRate']:.3f}, difference {q['difference']*100:+.1f}pp "
      f"[{q['differenceLow']*100:+.1f}, {q['differenceHigh']*100:+.1f}], McNemar p {q['mcnemarPValue']:.3g}, decision {q['decision']}")
PY
