#!/usr/bin/env bash
# Redaction benchmarks (README, "Security and data governance"). Run from the repository root:
#   benchmarks/privacy/run.sh [REQUESTS]
# 1. Redaction throughput (MB/s) against a plain copy and one regex scan measured in the same run.
# 2. Replay into SQLite with mode full vs redacted, alternating, REQUESTS (default 4000) each.
set -euo pipefail
swift build -c release --product tollgate-bench-privacy >/dev/null
"$(swift build -c release --show-bin-path)/tollgate-bench-privacy" "${1:-4000}"
