#!/usr/bin/env bash
# Runs a command on a private Xvfb display (Mesa llvmpipe) for the GL tests and benchmarks.
# Xvfb picks a free display number itself and reports it once it accepts clients (-displayfd), so
# the command never starts before the server is ready and parallel runs cannot collide; no xauth
# cookie is involved, and -noreset: by default Xvfb resets when its last client disconnects, and a
# window opened during that reset failed with "bad X server connection" (seen with xvfb-run too).
# Usage: tests/run_with_xvfb.sh COMMAND [ARGS...]   (exit status: the command's)
set -uo pipefail
command -v Xvfb >/dev/null || { echo "run_with_xvfb: Xvfb not installed (packaging/install-deps.sh)" >&2; exit 127; }
dir=$(mktemp -d)
Xvfb -displayfd 3 -screen 0 1920x1200x24 -nolisten tcp -noreset 3>"$dir/display" 2>"$dir/xvfb.log" &
xvfb_pid=$!
cleanup() { kill "$xvfb_pid" 2>/dev/null; wait "$xvfb_pid" 2>/dev/null; rm -rf "$dir"; }
trap cleanup EXIT
for _ in $(seq 300); do
  [[ -s $dir/display ]] && break
  kill -0 "$xvfb_pid" 2>/dev/null || { echo "run_with_xvfb: Xvfb exited:" >&2; cat "$dir/xvfb.log" >&2; exit 1; }
  sleep 0.1
done
[[ -s $dir/display ]] || { echo "run_with_xvfb: Xvfb did not start within 30 s" >&2; exit 1; }
export DISPLAY=":$(tr -d '[:space:]' < "$dir/display")"
unset XAUTHORITY
"$@"
