#!/usr/bin/env bash
# Builds the .deb with CPack into a temporary folder and checks what it installs.
set -euo pipefail
build=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$build" && cpack -G DEB -B "$work" >"$work/cpack.log" 2>&1) || { cat "$work/cpack.log"; exit 1; }
deb=$(ls "$work"/*.deb)
echo "package: $(basename "$deb")"
dpkg-deb -c "$deb" >"$work/contents"
grep -q '\./usr/bin/rfaplan$' "$work/contents"
dpkg-deb -f "$deb" Package Version Depends | tee "$work/fields"
grep -q '^Package: rfaplan' "$work/fields"
# Run-time needs that dpkg-shlibdeps cannot see are declared (the report's font).
grep -q '^Depends:.*fonts-dejavu-core' "$work/fields"
dpkg-deb -f "$deb" Description >"$work/description"
grep -qi 'RESEARCH USE ONLY' "$work/description"
# The packaged binary runs.
dpkg-deb -x "$deb" "$work/root"
"$work/root/usr/bin/rfaplan" --version >"$work/version"
grep -q 'research use only' "$work/version"
echo "package ok"
