#!/usr/bin/env bash
# The libFuzzer targets of tests/fuzz (CMakePresets.json "fuzz": clang,
# ASan + UBSan) in build-fuzz/, each run from its checked-in seed corpus
# (tests/fuzz/corpus/<target>) for FUZZ_SECONDS (default 40) of wall time,
# two at a time: 12 targets take about 4 minutes. A crash, a sanitizer
# report, an exception other than bad input (exit 2), a timeout or an
# allocation over 2 GB fails the script and leaves the input that did it in
# build-fuzz/artifacts/, with the command that replays it.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
seconds=${FUZZ_SECONDS:-40}
ci/install_deps.sh fuzz
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz --parallel "$(nproc)"

work=build-fuzz/run
rm -rf "$work" build-fuzz/artifacts
mkdir -p "$work" build-fuzz/artifacts
targets=$(cd tests/fuzz/corpus && ls)
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

fuzz_one() {
    local t=$1 seconds=$2 work=$3
    mkdir -p "$work/$t"
    cp tests/fuzz/corpus/"$t"/* "$work/$t/"  # new inputs go here, not into the checkout
    if build-fuzz/tests/fuzz/fuzz_"$t" "$work/$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -malloc_limit_mb=2048 -print_final_stats=1 -artifact_prefix=build-fuzz/artifacts/"$t"- \
        >"$work/$t.log" 2>&1; then
        local runs
        runs=$(grep -m1 'stat::number_of_executed_units' "$work/$t.log" | awk '{print $2}')
        echo "fuzz $t: ${runs:-?} runs in ${seconds} s, no finding"
    else
        echo "fuzz $t: FINDING (log: $work/$t.log)"
        tail -n 40 "$work/$t.log"
        ls build-fuzz/artifacts/"$t"-* 2>/dev/null | sed "s|^|  replay: build-fuzz/tests/fuzz/fuzz_$t |"
        return 1
    fi
}
export -f fuzz_one
status=0
echo "$targets" | xargs -P 2 -I{} bash -c 'fuzz_one "$@"' _ {} "$seconds" "$work" || status=1
total=$(cat "$work"/*.log | grep 'stat::number_of_executed_units' | awk '{s += $2} END {print s + 0}')
echo "ci/test_fuzz.sh: $(echo "$targets" | wc -w) targets, $total runs, $(( $(date +%s) - start )) s"
exit $status
