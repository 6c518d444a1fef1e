#!/usr/bin/env bash
# Traffic benchmarks (run on demand; not part of the test suite):
#   1. non-streamed requests/s of `tollgate replay` vs `wrk` against the same local stub;
#   2. 50, 200 and 1000 concurrent streams against the simulator: achieved concurrency, TTFT/ITL measurement
#      error against the simulator's own write times, and peak memory of the client.
# Usage: benchmarks/traffic/run.sh   (from the package root; builds release first)
set -euo pipefail
cd "$(dirname "$0")/../.."
HERE=benchmarks/traffic
WORK=$(mktemp -d)
PIDS=()
cleanup() { for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT

swift build -c release --product tollgate >/dev/null
BIN=$(swift build -c release --show-bin-path)/tollgate

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
wait_ready() { for _ in $(seq 100); do curl -sf "http://127.0.0.1:$1/health" >/dev/null && return 0; sleep 0.1; done; echo "server on $1 did not start" >&2; exit 1; }

echo "machine: $(lscpu | awk -F: '/Model name/ {gsub(/^ +/,"",$2); print $2}'), $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GB", $2/1048576}' /proc/meminfo) RAM, $(uname -sr)"

# --- 1. requests/s vs wrk -------------------------------------------------------------
PORT=$(free_port)
"$BIN" sim --listen "127.0.0.1:$PORT" --profile "$HERE/stub-profile.yaml" >/dev/null & PIDS+=($!)
wait_ready "$PORT"
python3 "$HERE/make_traffic.py" 40000 whole "$WORK/whole.jsonl"
CONC=${CONC:-64}
wrk -t 1 -c "$CONC" -d 10s -s "$HERE/post.lua" "http://127.0.0.1:$PORT/v1/chat/completions" >/dev/null   # warm the stub
WRK=$(wrk -t 1 -c "$CONC" -d 15s -s "$HERE/post.lua" "http://127.0.0.1:$PORT/v1/chat/completions" | awk '/Requests\/sec/ {print $2}')
REPLAY=$("$BIN" replay "$WORK/whole.jsonl" --endpoint "http://127.0.0.1:$PORT/v1" --concurrency "$CONC" --warmup 2000 --requests 38000 --json \
  | python3 -c 'import json,sys; print(round(json.load(sys.stdin)["arms"][0]["requestsPerSecond"], 1))')
python3 -c "print(f'non-streamed req/s at concurrency $CONC: wrk $WRK, tollgate replay $REPLAY, ratio {float($REPLAY)/float($WRK):.2f} (goal >= 0.5)')"
kill "${PIDS[-1]}"; wait "${PIDS[-1]}" 2>/dev/null || true

# --- 2. concurrent streams (50, 200, 1000 by default) -----------------------------------
PORT=$(free_port)
"$BIN" sim --listen "127.0.0.1:$PORT" --profile "$HERE/streams-profile.yaml" >/dev/null & PIDS+=($!)
wait_ready "$PORT"
for STREAMS in ${STREAM_LEVELS:-50 200 1000}; do
  echo "--- $STREAMS concurrent streams (warm-up $STREAMS, then $((STREAMS * 3)) measured)"
  python3 "$HERE/make_traffic.py" $((STREAMS * 4)) stream "$WORK/stream-$STREAMS.jsonl" "s$STREAMS-"
  /usr/bin/time -v "$BIN" replay "$WORK/stream-$STREAMS.jsonl" --endpoint "http://127.0.0.1:$PORT/v1" --concurrency "$STREAMS" \
    --warmup "$STREAMS" --samples "$WORK/samples-$STREAMS.jsonl" --json > "$WORK/report-$STREAMS.json" 2> "$WORK/time-$STREAMS.txt"
  python3 - "$WORK/report-$STREAMS.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["arms"][0]
print(f"{r['requests']} streamed requests, {r['succeeded']} ok, errors {r['errors']}; "
      f"TTFT p50 {r['ttftMs']['p50']:.1f} ms p99 {r['ttftMs']['p99']:.1f} ms; ITL p50 {r['itlMs']['p50']:.1f} ms p99 {r['itlMs']['p99']:.1f} ms; "
      f"{r['outputTokensPerSecond']:.0f} output tokens/s")
PY
  python3 "$HERE/analyze_streams.py" "$WORK/samples-$STREAMS.jsonl" "http://127.0.0.1:$PORT/sim/schedule"
  awk -F: '/Maximum resident set size/ {printf "peak resident memory of tollgate replay: %.0f MB\n", $2/1024}' "$WORK/time-$STREAMS.txt"
done
echo "load average during the run: $(cut -d' ' -f1-3 /proc/loadavg)"
