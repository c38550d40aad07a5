#!/usr/bin/env bash
# Builds the .deb with CPack into a temporary folder and checks what it installs.
set -euo pipefail
build=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$build" && cpack -G DEB -B "$work" >"$work/cpack.log" 2>&1) || { cat "$work/cpack.log"; exit 1; }
deb=$(ls "$work"/*.deb)
echo "package: $(basename "$deb")"
dpkg-deb -c "$deb" | tee "$work/contents" | grep -q './usr/bin/rfaplan$'
dpkg-deb -f "$deb" Package Version Depends | tee "$work/fields"
grep -q '^Package: rfaplan' "$work/fields"
grep -qi 'RESEARCH USE ONLY' <(dpkg-deb -f "$deb" Description)
# The packaged binary runs.
dpkg-deb -x "$deb" "$work/root"
"$work/root/usr/bin/rfaplan" --version | grep -q 'research use only'
echo "package ok"
