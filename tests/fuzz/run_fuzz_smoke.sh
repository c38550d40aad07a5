#!/usr/bin/env bash
# Bounded libFuzzer run over DICOM parsing/decoding: fails on any crash, leak or sanitizer report.
# usage: run_fuzz_smoke.sh FUZZER RFAPLAN SECONDS SHARED_DIR
set -euo pipefail
fuzzer=$1 rfaplan=$2 seconds=$3 shared=$4
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$rfaplan" phantom --out "$work/seed" --size 24,20,3 --spacing 4 --lesions 1 --noise 5 >/dev/null
mkdir -p "$work/corpus" "$work/seeds"
cp "$work"/seed/ct/*.dcm "$work/seeds/"
# Real files from ../shared are read in place as extra seeds when present.
extra=()
[[ -d "$shared/testdata/dcmqi-liver-ct3slice" ]] && extra+=("$shared/testdata/dcmqi-liver-ct3slice")
[[ -d "$shared/testdata/rtstruct-refs/pydicom_synthetic" ]] && extra+=("$shared/testdata/rtstruct-refs/pydicom_synthetic")
cd "$work"
"$fuzzer" -max_total_time="$seconds" -max_len=16384 -rss_limit_mb=2048 -timeout=10 \
  -print_final_stats=1 corpus seeds "${extra[@]}" 2>&1 | tail -n 25
