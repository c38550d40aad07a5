#!/usr/bin/env bash
# Segmentation benchmark (liver, lesion from a seed) with baselines in the same run.
#   run_bench_segmentation.sh BENCH RFAPLAN smoke   small phantom, one iteration each (CI)
#   run_bench_segmentation.sh BENCH RFAPLAN full    IRCADb 17 from ../shared, seed = tumour 2 centroid
set -euo pipefail
bench=$1 rfaplan=$2 mode=${3:-full}
shared=${RFA_SHARED_DIR:-$(cd "$(dirname "$0")/../../.." && pwd)/shared}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [[ $mode == smoke ]]; then
  "$rfaplan" phantom --out "$work/p" --size 128,128,60 --spacing 3 --lesions 2 >/dev/null
  seed=$(grep -A3 '"center_lps_mm"' "$work/p/truth.json" | head -4 | tail -3 | tr -d ' \n' | sed 's/,$//')
  "$bench" --benchmark_min_time=0.01 --benchmark_color=false "$work/p" "$seed" | tee "$work/out.txt"
  grep -q 'lesion_from_seed' "$work/out.txt"
  exit 0
fi
ct="$shared/testdata/ircadb1-17/ct"
[[ -d $ct ]] || { echo "IRCADb 17 absent at $ct" >&2; exit 1; }
"$bench" --benchmark_color=false --benchmark_repetitions=${RFA_BENCH_REPS:-3} \
  --benchmark_report_aggregates_only=true "$ct" 206.02,126.45,147.56
