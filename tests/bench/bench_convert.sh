#!/usr/bin/env bash
# `rfaplan convert` against dcm2niix (with pigz for .nii.gz), same run, interleaved repetitions.
#   bench_convert.sh RFAPLAN smoke   small phantom, 1 repetition (CI: proves it runs, measures nothing)
#   bench_convert.sh RFAPLAN full    IRCADb 17 (../shared, in place; else a 512x512x120 phantom)
# Prints, per job, the best and median wall time of RFA_BENCH_REPS (default 5) runs, the output size,
# and rfaplan / dcm2niix. Every command of a repetition runs before the next repetition starts, so a
# slow minute of a shared machine slows all of them alike. Needs dcm2niix and pigz
# (packaging/install-deps.sh); without them the peer rows are skipped with a note.
set -euo pipefail
rfaplan=$1 mode=${2:-full}
shared=${RFA_SHARED_DIR:-$(cd "$(dirname "$0")/../../.." && pwd)/shared}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
reps=${RFA_BENCH_REPS:-5}
if [[ $mode == smoke ]]; then
  "$rfaplan" phantom --out "$work/p" --size 64,64,20 --spacing 3 --lesions 1 >/dev/null
  input=$work/p/ct
  reps=1
elif [[ -d $shared/testdata/ircadb1-17/ct ]]; then
  input=$shared/testdata/ircadb1-17/ct
else
  echo "note: $shared/testdata/ircadb1-17/ct absent; benchmarking a phantom" >&2
  "$rfaplan" phantom --out "$work/p" --size 512,512,120 --spacing 0.75,0.75,1.6 --lesions 4 >/dev/null
  input=$work/p/ct
fi
have_peer=1
for p in dcm2niix pigz; do
  command -v "$p" >/dev/null || { echo "note: $p not installed: peer rows skipped" >&2; have_peer=0; }
done

# job name -> command (output in $work/out/<name>.*)
names=() cmds=()
add() { names+=("$1"); cmds+=("$2"); }
add "rfaplan .nii" "'$rfaplan' convert '$input' -o '$work/out/rfa.nii'"
add "rfaplan .nii.gz level 1" "'$rfaplan' convert '$input' -o '$work/out/rfa1.nii.gz' --compression-level 1"
add "rfaplan .nii.gz level 3 (default)" "'$rfaplan' convert '$input' -o '$work/out/rfa3.nii.gz'"
add "rfaplan .nii.gz level 6" "'$rfaplan' convert '$input' -o '$work/out/rfa6.nii.gz' --compression-level 6"
add "rfaplan .nrrd level 3" "'$rfaplan' convert '$input' -o '$work/out/rfa.nrrd'"
if ((have_peer)); then
  add "dcm2niix -z n" "dcm2niix -z n -f d2n_n -o '$work/out' '$input'"
  add "dcm2niix -z y (pigz, level 6)" "dcm2niix -z y -f d2n_y -o '$work/out' '$input'"
  add "dcm2niix -z y -1 (pigz, level 1)" "dcm2niix -z y -1 -f d2n_y1 -o '$work/out' '$input'"
fi
declare -A times sizes
for ((r = 0; r < reps; r++)); do
  for i in "${!names[@]}"; do
    rm -rf "$work/out"
    mkdir -p "$work/out"
    s=$(date +%s.%N)
    bash -c "${cmds[$i]}" >"$work/log" 2>&1 || { cat "$work/log" >&2; exit 1; }
    e=$(date +%s.%N)
    times[$i]+="$(awk -v s="$s" -v e="$e" 'BEGIN {printf "%.4f", e - s}') "
    sizes[$i]=$(find "$work/out" -name '*.nii*' -o -name '*.nrrd' | xargs stat -c %s | head -1)
  done
done
stat_of() { tr ' ' '\n' <<<"$1" | grep . | sort -g | awk '{a[NR]=$1} END {printf "%.3f %.3f", a[1], a[int((NR+1)/2)]}'; }
echo "input: $input, $reps repetitions, $(nproc) cores"
printf '| %-34s | %8s | %8s | %10s |\n' job "best s" "median s" "size MB"
printf '|%s|%s|%s|%s|\n' "------------------------------------" "----------" "----------" "------------"
for i in "${!names[@]}"; do
  read -r best med <<<"$(stat_of "${times[$i]}")"
  printf '| %-34s | %8s | %8s | %10.1f |\n' "${names[$i]}" "$best" "$med" "$(awk -v b="${sizes[$i]}" 'BEGIN {print b / 1e6}')"
  echo "RESULT ${names[$i]}|$best|$med" >>"$work/results"
done
if ((have_peer)); then
  best_of() { grep -F "RESULT $1|" "$work/results" | cut -d'|' -f2; }
  ratio() { awk -v a="$(best_of "$1")" -v b="$(best_of "$2")" 'BEGIN {printf "%.2f", a / b}'; }
  echo "RATIO .nii: rfaplan / dcm2niix -z n = $(ratio 'rfaplan .nii' 'dcm2niix -z n') (goal <= 1.5)"
  echo "RATIO .nii.gz: rfaplan (default) / dcm2niix -z y = $(ratio 'rfaplan .nii.gz level 3 (default)' 'dcm2niix -z y (pigz, level 6)') (goal <= 1.0)"
fi
