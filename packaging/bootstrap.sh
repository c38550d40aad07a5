#!/usr/bin/env bash
# One command from a fresh Debian 12 clone to a working rfaplan:
#   packaging/bootstrap.sh demo   install deps (apt), build, run the demo on the bundled phantom case
#   packaging/bootstrap.sh test   install deps (apt), build, run every test (release + ASan/UBSan/fuzz)
set -euo pipefail
mode=${1:-demo}
cd "$(dirname "$0")/.."

packaging/install-deps.sh
cmake --preset release
cmake --build --preset release

case $mode in
  demo)
    out=${RFA_DEMO_OUT:-rfaplan-demo}
    build/release/app/rfaplan demo --out "$out"
    ;;
  test)
    ctest --preset release
    # Sanitizer build of the input-handling tests and the bounded fuzzing campaign.
    cmake --preset asan
    cmake --build --preset asan
    ctest --preset asan
    ;;
  *)
    echo "usage: packaging/bootstrap.sh demo|test" >&2
    exit 2
    ;;
esac
