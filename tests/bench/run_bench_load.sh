#!/usr/bin/env bash
# DICOM loading benchmark, rfaplan vs ITK (same run).
#   run_bench_load.sh BENCH RFAPLAN smoke   tiny phantom, a few iterations (CI: proves it runs)
#   run_bench_load.sh BENCH RFAPLAN full    IRCADb 17 (../shared, in place) + 512x512x300 phantom
set -euo pipefail
bench=$1 rfaplan=$2 mode=${3:-full}
shared=${RFA_SHARED_DIR:-$(cd "$(dirname "$0")/../../.." && pwd)/shared}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [[ $mode == smoke ]]; then
  "$rfaplan" phantom --out "$work/p" --size 64,64,20 --spacing 3 --lesions 1 >/dev/null
  "$bench" --benchmark_min_time=0.01 --benchmark_color=false "$work/p/ct" | tee "$work/out.txt"
  grep -q 'RATIO ' "$work/out.txt"
  exit 0
fi
dirs=()
if [[ -d "$shared/testdata/ircadb1-17/ct" ]]; then
  dirs+=("$shared/testdata/ircadb1-17/ct")
else
  echo "note: $shared/testdata/ircadb1-17/ct absent; benchmarking the phantom only" >&2
fi
"$rfaplan" phantom --out "$work/p300" --size 512,512,300 --spacing 0.75,0.75,1.0 --lesions 4 >/dev/null
dirs+=("$work/p300/ct")
"$bench" --benchmark_color=false --benchmark_repetitions=${RFA_BENCH_REPS:-5} --benchmark_report_aggregates_only=true "${dirs[@]}"
