#!/bin/sh
# Gateway benchmark, run on demand: builds the release binary, then compares the gateway with
# direct access and HAProxy (added latency, throughput) and measures streamed TTFT through it.
# Needs haproxy, nginx, wrk and python3 (Debian: apt-get install haproxy nginx wrk). Prints a Markdown report (copied into docs/gateway.md).
set -eu
cd "$(dirname "$0")/../.."
swift build -c release --product tollgate >/dev/null
TOLLGATE="$(swift build -c release --show-bin-path)/tollgate" exec python3 benchmarks/gateway/bench.py "$@"
