#!/usr/bin/env bash
# The README's first command: set up, build and run the default job on the
# shipped data (no downloads): the kernel self-check, then `rwkvbench run`'s
# default suite into runs/default-<timestamp>.
set -euo pipefail
cd "$(dirname "$0")/.."

ci/install_deps.sh
ci/build.sh "$@"
build_dir="${RWKVBENCH_BUILD_DIR:-build}"
"$build_dir/harness/cli/rwkvbench" info
"$build_dir/harness/cli/rwkvbench" selfcheck
"$build_dir/harness/cli/rwkvbench" run
