#!/usr/bin/env bash
# The README's test command and what .ci/run runs: install the Debian
# packages, build (CUDA compiled when nvcc exists), run every test. GPU tests
# skip with a reason when there is no device and run when there is one.
set -euo pipefail
cd "$(dirname "$0")/.."

start=$(date +%s)
ci/install_deps.sh
ci/build.sh "$@"
build_dir="${RWKVBENCH_BUILD_DIR:-build}"
ctest --test-dir "$build_dir" --output-on-failure --parallel "$(nproc)"
echo "ci/test.sh: passed in $(( $(date +%s) - start )) s"
