#!/usr/bin/env bash
# One command from a fresh Debian 12 clone to a working rfaplan:
#   packaging/bootstrap.sh demo   install deps (apt), build, run the demo on the bundled phantom case
#   packaging/bootstrap.sh test   install deps (apt), build, run every test (release, ASan/UBSan, fuzz)
set -euo pipefail
mode=${1:-demo}
cd "$(dirname "$0")/.."

packaging/install-deps.sh
# ccache keys on paths relative to the checkout and leaves the build folder out of the key (by
# default it hashes the working directory of every -g compile), so a fresh clone elsewhere (CI)
# reuses earlier builds.
export CCACHE_BASEDIR="$PWD"
export CCACHE_NOHASHDIR=1
cmake --preset release
cmake --build --preset release

case $mode in
  demo)
    out=${RFA_DEMO_OUT:-rfaplan-demo}
    build/release/app/rfaplan demo --out "$out"
    ;;
  test)
    ctest --preset release
    # Input-handling tests again under AddressSanitizer + UBSan (g++).
    cmake --preset asan
    cmake --build --preset asan
    ctest --preset asan
    # Bounded libFuzzer campaign over DICOM parsing and decoding (clang, ASan + UBSan).
    cmake --preset fuzz
    cmake --build --preset fuzz
    ctest --preset fuzz
    ;;
  *)
    echo "usage: packaging/bootstrap.sh demo|test" >&2
    exit 2
    ;;
esac
