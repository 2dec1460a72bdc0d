#!/usr/bin/env bash
# The test suite a second time, under conditions that differ from the first
# pass in every way a user's machine may: the checkout reached through a path
# with spaces, non-ASCII letters and src/ and include/ components (tests find
# their data at run time through RWKVBENCH_SOURCE_DIR), OpenBLAS's Haswell
# kernels (another summation order than Zen's or SkylakeX's), one thread, the
# C locale and an unusual time zone. No rebuild: the same binaries.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir="${RWKVBENCH_BUILD_DIR:-build}"

link_root="$(mktemp -d)"
trap 'rm -rf "$link_root"' EXIT
link="$link_root/a checkout path/naïve Ünïcode/src/include/rwkvbench"
mkdir -p "$(dirname "$link")"
ln -s "$PWD" "$link"

export RWKVBENCH_SOURCE_DIR="$link" OMP_NUM_THREADS=1 LC_ALL=C TZ=Pacific/Chatham
if grep -qw avx2 /proc/cpuinfo; then
    export OPENBLAS_CORETYPE=Haswell  # needs AVX2; every x86-64 CI machine here has it
fi
echo "ci/test_portable.sh: source through '$link', OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-default}, OMP_NUM_THREADS=1, LC_ALL=C"
start=$(date +%s)
ctest --test-dir "$build_dir" --output-on-failure --parallel "$(nproc)" -LE gpu
echo "ci/test_portable.sh: passed in $(( $(date +%s) - start )) s"
