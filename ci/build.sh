#!/usr/bin/env bash
# Configures and builds rwkvbench (Release, Ninja, all cores) into build/.
# CUDA is compiled when nvcc is found (also at /usr/local/cuda/bin); extra
# arguments go to cmake, e.g. ci/build.sh -DRWKVBENCH_CUDA=OFF.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v nvcc >/dev/null && [ -x /usr/local/cuda/bin/nvcc ]; then
    export PATH="/usr/local/cuda/bin:$PATH"
fi
build_dir="${RWKVBENCH_BUILD_DIR:-build}"
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release "$@"
cmake --build "$build_dir" --parallel "$(nproc)"
