#!/usr/bin/env bash
# The CPU unit tests built with AddressSanitizer and UBSan (CMakePresets.json
# "asan": optimised with debug info, no CUDA, no benchmarks) in build-asan/.
# Any out-of-bounds access, use after free, leak or undefined behaviour fails
# the test that hits it.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
cmake --preset asan
cmake --build --preset asan --parallel "$(nproc)"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
ctest --preset asan -LE gpu --parallel "$(nproc)"
echo "ci/test_asan.sh: passed in $(( $(date +%s) - start )) s"
