#!/usr/bin/env bash
# Checks that packaging/install-deps.sh installs everything a configured build uses, so that a fresh
# Debian 12 machine with only those packages builds, tests and packages rfaplan.
#
# What the build uses, each mapped to its Debian package with `dpkg -S`:
#   - CMake package configs: every <Pkg>_DIR in CMakeCache.txt (the <Pkg>Config.cmake file in it);
#   - files CMake found: every FILEPATH entry in CMakeCache.txt outside the source and build trees;
#   - link lines: absolute library paths and -l names in build.ninja;
#   - shared libraries the built programs load: `ldd` of every ELF file in the build tree;
#   - programs the tests and packaging run: the compilers named in CMakePresets.json, the program
#     names the C++ tests pass to test::run / test::haveProgram, and the tools of the test scripts.
# A package passes when it is in the dependency closure of install-deps' list
# (`apt-cache depends --recurse --no-recommends ...`: what apt installs with --no-install-recommends)
# or is part of every Debian system (Essential: yes, or Priority: required). A file that no Debian
# package owns (e.g. something installed by hand under /usr/local) fails too.
#
# Usage: tests/packaging/check_deps.sh [--without PKG]... SOURCE_DIR BUILD_DIR...
#   --without PKG   check as if PKG were not in install-deps' list (the test that proves this check
#                   catches a package missing from the list uses it)
# Exit status: 0 complete; 1 something is missing (each missing package is named with what needs
# it); 2 usage or environment error (no dpkg/apt-cache, no CMakeCache.txt).
set -euo pipefail

without=()
while [[ ${1:-} == --without ]]; do
  without+=("$2")
  shift 2
done
if (($# < 2)); then
  echo "usage: check_deps.sh [--without PKG]... SOURCE_DIR BUILD_DIR..." >&2
  exit 2
fi
src=$(realpath "$1")
shift
builds=()
for b in "$@"; do
  [[ -f $b/CMakeCache.txt ]] || { echo "check_deps: no CMakeCache.txt in $b (configure first)" >&2; exit 2; }
  builds+=("$(realpath "$b")")
done
for tool in dpkg-query apt-cache ldd; do
  command -v "$tool" >/dev/null || { echo "check_deps: $tool not found (Debian only)" >&2; exit 2; }
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# --- install-deps' list and its closure -----------------------------------------------------------
"$src/packaging/install-deps.sh" --list >"$work/listed"
for w in "${without[@]}"; do
  grep -qxF "$w" "$work/listed" || { echo "check_deps: --without $w: not in install-deps' list" >&2; exit 2; }
  grep -vxF "$w" "$work/listed" >"$work/listed.new" || true
  mv "$work/listed.new" "$work/listed"
done
# Lines without indentation are the packages of the closure; <virtual> names are left out (their
# providers are listed and followed).
mapfile -t listed <"$work/listed"
apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks --no-replaces \
  --no-enhances "${listed[@]}" 2>"$work/apt.err" | grep -v '^[[:space:]<]' | sed 's/:.*$//' |
  sort -u >"$work/closure" || true
if [[ ! -s $work/closure ]]; then
  echo "check_deps: apt-cache depends gave no closure:" >&2
  cat "$work/apt.err" >&2
  exit 2
fi
# Every Debian system has these.
dpkg-query -W -f='${Package} ${Essential} ${Priority}\n' |
  awk '$2 == "yes" || $3 == "required" { print $1 }' | sort -u >"$work/base"

# --- what the builds use: "path<TAB>why" lines ---------------------------------------------------
uses=$work/uses
: >"$uses"
inside_trees() { [[ $1 == "$src"/* || $1 == "$src" ]] && return 0; for b in "${builds[@]}"; do [[ $1 == "$b"/* ]] && return 0; done; return 1; }

for b in "${builds[@]}"; do
  cache=$b/CMakeCache.txt
  # <Pkg>_DIR:PATH=/usr/lib/.../cmake/<Pkg>  -> its config file
  while IFS='=' read -r key dir; do
    name=${key%%_DIR:*}
    [[ -d $dir ]] || continue
    inside_trees "$dir" && continue
    cfg=$(find "$dir" -maxdepth 1 -type f \( -iname "${name}Config.cmake" -o -iname "${name}-config.cmake" \
      -o -iname '*Config.cmake' -o -iname '*-config.cmake' \) 2>/dev/null | sort | head -n 1)
    [[ -n $cfg ]] && printf '%s\t%s\n' "$cfg" "${key%%:*}=$dir (CMakeCache, $(basename "$b"))" >>"$uses"
  done < <(grep -E '^[A-Za-z0-9_.+-]+_DIR:PATH=/' "$cache" || true)
  # KEY:FILEPATH=/path  (compilers, libraries, programs CMake found). Left out: the binutils-like
  # probes CMake records for every toolchain but a Ninja build never runs (the compiler driver links,
  # so CMAKE_LINKER is unused; addr2line, dlltool, readelf, objdump, objcopy are not called).
  while IFS='=' read -r key path; do
    case ${key%%:*} in
      CMAKE_LINKER | CMAKE_ADDR2LINE | CMAKE_DLLTOOL | CMAKE_READELF | CMAKE_OBJDUMP | CMAKE_OBJCOPY) continue ;;
    esac
    [[ -e $path ]] || continue
    inside_trees "$path" && continue
    printf '%s\t%s\n' "$path" "${key%%:*} (CMakeCache, $(basename "$b"))" >>"$uses"
  done < <(grep -E '^[A-Za-z0-9_.+-]+:FILEPATH=/' "$cache" || true)
  # Link lines.
  if [[ -f $b/build.ninja ]]; then
    cxx=$(sed -n 's/^CMAKE_CXX_COMPILER:[A-Z]*=//p' "$cache")
    grep -E '^ *LINK_LIBRARIES = ' "$b/build.ninja" | sed 's/^ *LINK_LIBRARIES = //' | tr ' ' '\n' |
      sed 's/^-Wl,//' | tr ',' '\n' | sort -u >"$work/linkitems"
    while read -r item; do
      case $item in
        /*.so* | /*.a)
          inside_trees "$item" || printf '%s\t%s\n' "$item" "link line ($(basename "$b"))" >>"$uses" ;;
        -l*)
          lib=${item#-l}
          f=$("$cxx" -print-file-name="lib$lib.so" 2>/dev/null || true)
          [[ $f == /* ]] || f=$("$cxx" -print-file-name="lib$lib.a" 2>/dev/null || true)
          [[ $f == /* && -e $f ]] && printf '%s\t%s\n' "$(realpath -s "$f")" "-l$lib on a link line ($(basename "$b"))" >>"$uses" ;;
      esac
    done <"$work/linkitems"
  fi
  # Sanitizer and libFuzzer runtimes: the compiler driver links them without naming them.
  if grep -q '^RFA_SANITIZE:BOOL=ON' "$cache"; then
    cxx=$(sed -n 's/^CMAKE_CXX_COMPILER:[A-Z]*=//p' "$cache")
    if "$cxx" --version | grep -qi clang; then
      runtimes=(libclang_rt.asan-x86_64.a libclang_rt.ubsan_standalone-x86_64.a)
      grep -q '^RFA_FUZZ_ONLY:BOOL=ON' "$cache" && runtimes+=(libclang_rt.fuzzer-x86_64.a)
    else
      runtimes=(libasan.so libubsan.so)
    fi
    for rt in "${runtimes[@]}"; do
      f=$("$cxx" -print-file-name="$rt")
      if [[ $f == /* && -e $f ]]; then
        printf '%s\t%s\n' "$(realpath -s "$f")" "sanitizer runtime of $(basename "$cxx") ($(basename "$b"))" >>"$uses"
      else
        printf '%s\t%s\n' "(missing $rt)" "the sanitizer runtime $(basename "$cxx") links ($(basename "$b"))" >>"$uses"
      fi
    done
  fi
  # Shared libraries the built programs and libraries load.
  find "$b" -type f \( -perm -u+x -o -name '*.so*' \) -size +1k -print0 2>/dev/null |
    while IFS= read -r -d '' f; do
      [[ $(head -c 4 "$f" | od -An -c | tr -d ' ') == 177ELF ]] || continue
      ldd "$f" 2>/dev/null | awk -v who="${f#"$b"/}" -v bn="$(basename "$b")" \
        '$2 == "=>" && $3 ~ /^\// { print $3 "\tloaded by " who " (" bn ")" }
         $1 ~ /^\// { print $1 "\tloaded by " who " (" bn ")" }'
    done | sort -u -t$'\t' -k1,1 | while IFS=$'\t' read -r lib why; do
      inside_trees "$lib" || printf '%s\t%s\n' "$lib" "$why"
    done >>"$uses"
done

# Programs: compilers of the presets, programs the C++ tests run, tools of the test scripts.
{
  grep -hoE '"CMAKE_(C|CXX)_COMPILER": *"[^"]+"' "$src/CMakePresets.json" | sed 's/.*: *"//; s/"$//'
  grep -rhoE '(test::)?(run|haveProgram)\(\{?"[A-Za-z0-9_.+-]+"' "$src/modules" "$src/tests" "$src/app" \
    --include='*.cpp' --include='*.h' | sed 's/.*("//; s/.*{"//; s/"$//'
  # tests/run_with_xvfb.sh, tests/packaging/check_package.sh, modules/pacs/tests/orthanc_server.cpp,
  # CPack's DEB generator (dpkg-shlibdeps, file), this script.
  printf '%s\n' Xvfb cpack ctest dpkg-deb dpkg-shlibdeps file Orthanc dpkg-query apt-cache ldd
} | sort -u | while read -r prog; do
  p=$(PATH="$PATH:/usr/sbin:/sbin" command -v "$prog" || true)
  if [[ -z $p ]]; then
    printf '%s\t%s\n' "(missing program $prog)" "run by the tests or packaging" >>"$uses"
  else
    printf '%s\t%s\n' "$p" "program $prog run by the build, tests or packaging" >>"$uses"
  fi
done

# --- map each file to its package ----------------------------------------------------------------
# dpkg's database has the paths as packaged: each path is looked up as given, resolved (symlinks,
# alternatives) and as its usrmerge twin (/lib <-> /usr/lib), in one pass over dpkg's file lists.
sort -u "$uses" >"$work/uses.sorted"
cut -f1 "$work/uses.sorted" | grep '^/' | sort -u | while read -r f; do
  r=$(realpath "$f" 2>/dev/null || echo "$f")
  for c in "$f" "$r"; do
    printf '%s\t%s\n' "$f" "$c"
    if [[ $c == /usr/* ]]; then printf '%s\t%s\n' "$f" "${c#/usr}"; else printf '%s\t%s\n' "$f" "/usr$c"; fi
  done
done | sort -u >"$work/candidates"
for l in /var/lib/dpkg/info/*.list; do
  p=${l##*/}
  p=${p%.list}
  p=${p%%:*}
  sed "s|\$|\t$p|" "$l"
done >"$work/dpkg-index"
awk -F'\t' 'NR == FNR { want[$2] = want[$2] " " $1; next }
             ($1 in want) { n = split(want[$1], fs, " "); for (i = 1; i <= n; i++) print fs[i] "\t" $2 }' \
  "$work/candidates" "$work/dpkg-index" | sort -u >"$work/owners"

status=0
: >"$work/needed"
while IFS=$'\t' read -r path why; do
  if [[ $path == "(missing "* ]]; then
    path=${path#(missing }
    echo "MISSING: ${path%)} is not installed - $why; add the Debian package that provides it to packaging/install-deps.sh"
    status=1
    continue
  fi
  pkgs=$(awk -F'\t' -v p="$path" '$1 == p { print $2 }' "$work/owners")
  if [[ -z $pkgs ]]; then
    echo "MISSING: $path is in no Debian package ($why): installed by hand? install-deps cannot bring it"
    status=1
    continue
  fi
  ok=0
  for p in $pkgs; do
    if grep -qxF "$p" "$work/closure" || grep -qxF "$p" "$work/base"; then ok=1; fi
  done
  if ((ok == 0)); then
    for p in $pkgs; do printf '%s\t%s\t%s\n' "$p" "$path" "$why"; done >>"$work/needed"
    status=1
  fi
done <"$work/uses.sorted"

if [[ -s $work/needed ]]; then
  cut -f1 "$work/needed" | sort -u | while read -r p; do
    echo "MISSING: Debian package $p is used by the build but not installed by packaging/install-deps.sh" \
      "(nor pulled in by the packages it lists):"
    grep -P "^\Q$p\E\t" "$work/needed" | cut -f2- | head -n 5 | sed 's/^/    /; s/\t/  <-  /'
  done
fi

n_uses=$(cut -f1 "$work/uses.sorted" | sort -u | wc -l)
n_pkgs=$(cut -f2 "$work/owners" | sort -u | wc -l)
echo "check_deps: ${#builds[@]} build(s), $n_uses files and programs used, from $n_pkgs Debian packages;" \
  "install-deps lists $(wc -l <"$work/listed") packages (closure $(wc -l <"$work/closure"))"
if ((status == 0)); then
  echo "check_deps: complete - every package used is installed by packaging/install-deps.sh"
fi
exit $status
