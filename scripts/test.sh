#!/usr/bin/env bash
# Tollgate's test command (README, "Tests"): on a fresh Debian machine it installs everything the
# tests need — Debian packages, the real peers (HAProxy, Alertmanager, Prometheus, Chromium, and
# llama.cpp's OpenAI server with two small models) — builds with warnings checked, then runs every
# test serially. `.ci/run` calls exactly this.
#
# The llama-cpp-python wheel is built once per machine (about 17 minutes on 2 cores) into
# ${TOLLGATE_CI_CACHE:-$HOME/.cache/tollgate-ci}, outside the repository, and reused afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
t0=$SECONDS
phase() { echo "test.sh: $1 ($((SECONDS - t0))s since start)"; }

# Debian packages: SQLite and curl headers for the build; the real peers some tests start; wrk for
# the benchmarks.
packages=(libsqlite3-dev libcurl4-openssl-dev haproxy prometheus prometheus-alertmanager wrk cmake chromium)
missing=()
for p in "${packages[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if ((${#missing[@]})); then
    phase "installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
command -v swift >/dev/null || export PATH=/opt/swift/usr/bin:$PATH
swift --version

# The real LLM server builds beside the Swift build (both are CPU-bound; together they keep both
# cores busy through the Swift build's serial link steps).
peers_env=$(mktemp)
peers_log=$(mktemp)
bash scripts/peers/setup.sh >"$peers_env" 2>"$peers_log" &
peers_pid=$!

# Build everything, tests included; fail on any warning in our own code (Swift 6 mode, strict
# concurrency, zero warnings).
log=$(mktemp)
status=0
phase "building"
swift build --build-tests >"$log" 2>&1 || status=$?
tail -n 3 "$log"
if [ "$status" -ne 0 ]; then
    grep -E "error:" "$log" | sort -u | head -50
    echo "test.sh: build failed"
    kill "$peers_pid" 2>/dev/null || true
    exit 1
fi
own_warnings=$(grep -E "^$(pwd)/(Sources|Tests)/.*warning:" "$log" | sort -u || true)
if [ -n "$own_warnings" ]; then
    echo "$own_warnings"
    echo "test.sh: the build has warnings in Tollgate's own code"
    kill "$peers_pid" 2>/dev/null || true
    exit 1
fi
phase "built"

peers_status=0
wait "$peers_pid" || peers_status=$?
cat "$peers_log"
if [ "$peers_status" -ne 0 ]; then
    echo "test.sh: installing llama.cpp's server failed"
    exit 1
fi
# shellcheck disable=SC1090
source "$peers_env"
phase "peers ready"

swift test --skip-build --no-parallel
phase "tests finished"
