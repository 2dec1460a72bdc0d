#!/usr/bin/env bash
# The README's first command: set up, build and run the default job on the
# shipped data (no downloads). Until the evaluation tasks land this is
# `rwkvbench info` plus the kernel self-check; the command itself stays the same.
set -euo pipefail
cd "$(dirname "$0")/.."

ci/install_deps.sh
ci/build.sh "$@"
build_dir="${RWKVBENCH_BUILD_DIR:-build}"
"$build_dir/harness/cli/rwkvbench" info
"$build_dir/harness/cli/rwkvbench" selfcheck
