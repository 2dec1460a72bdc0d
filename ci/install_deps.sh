#!/usr/bin/env bash
# Installs the Debian packages rwkvbench builds and tests with. Idempotent:
# does nothing when everything is already installed. Works as root or via sudo.
# The CUDA toolkit is not a Debian package here: when nvcc exists (e.g.
# /usr/local/cuda/bin/nvcc) the build uses it, otherwise it builds CPU-only.
set -euo pipefail

packages=(
    g++ cmake ninja-build pkg-config git
    libopenblas-openmp-dev       # BLAS, OpenMP build: one thread pool with our loops
    nlohmann-json3-dev libboost-program-options-dev libicu-dev
    libgtest-dev libgmock-dev libbenchmark-dev
    gnuplot-nox                  # charts (reports)
    python3-jsonschema           # tests: every report validates against reports/report.schema.json
    chromium                     # tests: the HTML pages in a headless browser (charts decode, review verdicts)
    libopenmpi-dev openmpi-bin   # mpirun: one run over several processes (RWKVBENCH_MPI)
)
# `ci/install_deps.sh fuzz`: also what the fuzz targets build with (ci/test_fuzz.sh).
if [ "${1:-}" = fuzz ]; then
    packages+=(clang-14 libclang-rt-14-dev libomp-14-dev)
fi

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
    echo "ci/install_deps.sh: all ${#packages[@]} packages present"
    exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "ci/install_deps.sh: run as root or install sudo" >&2; exit 2; }
    sudo="sudo"
fi
echo "ci/install_deps.sh: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends "${missing[@]}"
