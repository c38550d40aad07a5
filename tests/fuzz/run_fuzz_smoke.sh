#!/usr/bin/env bash
# Bounded libFuzzer run of one reader target: fails on any crash, leak, timeout, out-of-memory or
# sanitizer report (libFuzzer exits non-zero).
# usage: run_fuzz_smoke.sh FUZZER SECONDS SEEDS_DIR [EXTRA_SEED_DIR...]
# SEEDS_DIR: the files at its top level (sub-folders hold the seeds of other targets) are copied
# into a scratch corpus; each EXTRA_SEED_DIR that exists (real files under ../shared) is read in
# place. -max_len is the largest seed, at least 16 KiB, so seeds are fuzzed whole.
# RFA_FUZZ_LEAK_REPLAY=1 (targets whose third-party leaks are suppressed by function name: the
# stacks through the GCC-built ITK/DCMTK libraries are only complete with the slow unwinder, which
# makes fuzzing 10-50x slower): fuzz without leak detection, then replay the whole corpus once with
# leak detection and complete stacks.
set -euo pipefail
fuzzer=$1 seconds=$2 seeds=$3
shift 3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus" "$work/seeds"
find "$seeds" -maxdepth 1 -type f ! -name '*.md' -exec cp {} "$work/seeds/" \;
extra=()
for d in "$@"; do
  [[ -d "$d" ]] && extra+=("$d")
done
max_len=16384
while IFS= read -r size; do
  ((size > max_len)) && max_len=$size
done < <(find "$work/seeds" -type f -printf '%s\n')
here=$(cd "$(dirname "$0")" && pwd)
out=$PWD
cd "$work"
# Third-party leaks (listed with reasons) are suppressed; everything else fails the run.
cat "$here/../sanitizers/lsan.supp" "$here/lsan_fuzz.supp" >"$work/lsan.supp"
export LSAN_OPTIONS="suppressions=$work/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
common=(-max_len="$max_len" -rss_limit_mb=2048 -timeout=10
  -artifact_prefix="$out/$(basename "$fuzzer")-")
replay=${RFA_FUZZ_LEAK_REPLAY:-}
leaks=1
[[ -n $replay ]] && leaks=0
set +e
# detect_leaks twice: libFuzzer's per-input check, and LeakSanitizer's own at exit.
ASAN_OPTIONS="detect_leaks=$leaks" "$fuzzer" "${common[@]}" -max_total_time="$seconds" \
  -print_final_stats=1 -detect_leaks="$leaks" corpus seeds "${extra[@]}" >"$work/log" 2>&1
rc=$?
if [[ $rc -eq 0 && -n $replay ]]; then
  echo "replaying the corpus with leak detection" >>"$work/log"
  ASAN_OPTIONS=fast_unwind_on_malloc=0 "$fuzzer" "${common[@]}" -runs=0 corpus seeds \
    "${extra[@]}" >>"$work/log" 2>&1
  rc=$?
fi
set -e
# The last progress line (executions, coverage, features, corpus), then the end of the log.
grep -E '^#[0-9]+' "$work/log" | tail -n 1 || true
tail -n 25 "$work/log"
exit $rc
