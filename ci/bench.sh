#!/usr/bin/env bash
# Runs the kernel microbenchmarks (build first: ci/build.sh). Arguments go to
# Google Benchmark, e.g. ci/bench.sh --benchmark_filter='matmul/cpu/bf16'.
# RWKVBENCH_BENCH_THREADS sets the CPU threads (default: all cores).
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir="${RWKVBENCH_BUILD_DIR:-build}"
exec "$build_dir/kernels/bench/rwkvbench_bench" --benchmark_counters_tabular=true "$@"
