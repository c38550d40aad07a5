#!/usr/bin/env bash
# Multi-atlas liver benchmark with its baselines in the same run (bench_atlas_liver.cpp).
#   run_bench_atlas_liver.sh BENCH smoke   CHAOS T2 case 1 with 2 atlases, one iteration (CI)
#   run_bench_atlas_liver.sh BENCH full    CHAOS T2 case 1 with the other 9 as atlases
# Exits 77 (ctest: skipped) when ../shared/testdata/chaos-mr-t2 is absent.
set -euo pipefail
bench=$1 mode=${2:-full}
shared=${RFA_SHARED_DIR:-$(cd "$(dirname "$0")/../../.." && pwd)/shared}
chaos="$shared/testdata/chaos-mr-t2"
[[ -f $chaos/image_1.nii.gz ]] || { echo "CHAOS T2 absent at $chaos: skipped" >&2; exit 77; }
if [[ $mode == smoke ]]; then
  out=$("$bench" --benchmark_min_time=0.01 --benchmark_color=false "$chaos/image_1.nii.gz" "$chaos" 1 2)
  echo "$out"
  grep -q '^atlas_liver' <<<"$out"
  exit 0
fi
"$bench" --benchmark_color=false --benchmark_repetitions=${RFA_BENCH_REPS:-3} \
  --benchmark_report_aggregates_only=true "$chaos/image_1.nii.gz" "$chaos" 1
