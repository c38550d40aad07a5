#!/usr/bin/env bash
# Bounded libFuzzer run over DICOM parsing/assembly/decoding: fails on any crash, leak, timeout or
# sanitizer report (libFuzzer exits non-zero).
# usage: run_fuzz_smoke.sh FUZZER SECONDS SEEDS_DIR SHARED_DIR
set -euo pipefail
fuzzer=$1 seconds=$2 seeds=$3 shared=$4
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus"
extra=()
[[ -d "$shared/testdata/dcmqi-liver-ct3slice" ]] && extra+=("$shared/testdata/dcmqi-liver-ct3slice")
[[ -d "$shared/testdata/rtstruct-refs/pydicom_synthetic" ]] && extra+=("$shared/testdata/rtstruct-refs/pydicom_synthetic")
here=$(cd "$(dirname "$0")" && pwd)
cd "$work"
# Third-party leaks (listed with reasons) are suppressed; everything else fails the run.
export LSAN_OPTIONS="suppressions=$here/../sanitizers/lsan.supp:print_suppressions=0"
set +e
"$fuzzer" -max_total_time="$seconds" -max_len=16384 -rss_limit_mb=2048 -timeout=10 \
  -print_final_stats=1 -artifact_prefix="$OLDPWD/" corpus "$seeds" "${extra[@]}" >"$work/log" 2>&1
rc=$?
set -e
tail -n 25 "$work/log"
exit $rc
