#!/usr/bin/env bash
# GPU checks in one go, for a machine with an NVIDIA GPU and no X server (EGL device platform):
#   tests/gpu/run_gpu_checks.sh [BUILD_DIR]      (default build/release, built on Debian 12)
# Needs: the release build (thermal_tests, bench_thermal, bench_render), the NVIDIA driver with
# its EGL vendor library (libEGL_nvidia, /usr/share/glvnd/egl_vendor.d/10_nvidia.json), and the
# shared libraries the build links (packaging/install-deps.sh). Runs:
#   1. the GL thermal tests (GlBackend.*) on the GPU;
#   2. CPU vs GL on the heat-sink case (Simulation.CpuAndGlAgreeOnTheSameCase: zone Dice, max dT);
#   3. the thermal bench (one step at 128^3 / 256^3, the 12-min protocol) on CPU and GL, with the
#      triad baseline of the same run;
#   4. the render bench (VTK GPU volume rendering) when an X display or xvfb-run is available;
#      under Xvfb VTK renders with Mesa, not the GPU, which the table says.
# Prints one markdown table (also written to $OUT/table.md, default /tmp/rfa-gpu-checks) with
# the GL renderer of each step; the raw logs are beside it. CI never runs this script.
set -u
BUILD=${1:-build/release}
OUT=${OUT:-/tmp/rfa-gpu-checks}
mkdir -p "$OUT"
TABLE="$OUT/table.md"
: >"$TABLE"
row() { printf '| %s | %s | %s |\n' "$1" "$2" "$3" | tee -a "$TABLE"; }

THERMAL_TESTS="$BUILD/modules/thermal/thermal_tests"
BENCH_THERMAL="$BUILD/tests/bench/bench_thermal"
BENCH_RENDER="$BUILD/tests/bench/bench_render"
for exe in "$THERMAL_TESTS" "$BENCH_THERMAL"; do
  if [ ! -x "$exe" ]; then
    echo "missing $exe: build the release preset first (cmake --preset release && cmake --build build/release)" >&2
    exit 2
  fi
done
if ldd "$THERMAL_TESTS" | grep -q "not found"; then
  echo "shared libraries missing (run packaging/install-deps.sh):" >&2
  ldd "$THERMAL_TESTS" | grep "not found" >&2
  exit 2
fi

echo "| check | result | device / renderer |" | tee -a "$TABLE"
echo "|---|---|---|" | tee -a "$TABLE"
GPU=$(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null | head -1)
row "GPU" "${GPU:-no nvidia-smi}" "$(uname -r)"
unset RFA_GL  # the GL backend on

# 1. GL tests.
"$THERMAL_TESTS" --gtest_filter='GlBackend.*' >"$OUT/gl_tests.log" 2>&1
rc=$?
passed=$(grep -c '^\[       OK \]' "$OUT/gl_tests.log")
skipped=$(grep -c '^\[  SKIPPED \]' "$OUT/gl_tests.log")
failed=$(grep -c '^\[  FAILED  \]' "$OUT/gl_tests.log")
renderer=$(grep -o 'GL_RENDERER[^,]*' "$OUT/gl_tests.log" | head -1)
row "GL thermal tests (GlBackend.*)" "exit $rc: $passed passed, $skipped skipped, $((failed > 0 ? failed - 1 : 0)) failed" "${renderer:-see gl_tests.log}"

# 2. CPU vs GL on the heat-sink case.
"$THERMAL_TESTS" --gtest_filter='Simulation.CpuAndGlAgreeOnTheSameCase' >"$OUT/cpu_vs_gl.log" 2>&1
rc=$?
row "CPU vs GL, heat-sink case" "exit $rc: $(grep -o 'zone Dice.*' "$OUT/cpu_vs_gl.log" | head -1)" "$(grep -o 'backend [a-z]*' "$OUT/cpu_vs_gl.log" | sort -u | tr '\n' ' ')"

# 3. Thermal bench, CPU and GL, with the triad baseline.
RFA_BENCH_GL_PROTOCOL=1 "$BENCH_THERMAL" --benchmark_min_time=0.5 >"$OUT/bench_thermal.log" 2>&1
rc=$?
triad=$(grep -io 'triad[^|]*' "$OUT/bench_thermal.log" | head -1)
row "thermal bench baseline" "exit $rc: ${triad:-see bench_thermal.log}" "CPU $(nproc) threads"
grep -E '^(bioheat_step|protocol_12min)' "$OUT/bench_thermal.log" | while read -r name time _unit cpu _rest; do
  row "$name" "$time $_unit wall; $(echo "$_rest" | grep -o 'updates_per_s=[^ ]*')" "$(echo "$name" | grep -q _gl && echo GL || echo CPU)"
done

# 4. Render bench.
if [ -x "$BENCH_RENDER" ]; then
  if [ -n "${DISPLAY:-}" ]; then
    "$BENCH_RENDER" --benchmark_min_time=1 >"$OUT/bench_render.log" 2>&1
    rc=$?
  elif command -v xvfb-run >/dev/null; then
    xvfb-run -a -s "-screen 0 1280x1024x24" "$BENCH_RENDER" --benchmark_min_time=1 >"$OUT/bench_render.log" 2>&1
    rc=$?
  else
    rc=skip
  fi
  if [ "$rc" = skip ]; then
    row "render bench" "not run: no X display and no xvfb-run" "-"
  else
    r=$(grep -o 'renderer[^,]*' "$OUT/bench_render.log" | head -1)
    row "render bench" "exit $rc: $(grep -E '^BM|^render' "$OUT/bench_render.log" | awk '{print $1": "$2" "$3}' | tr '\n' ';')" "${r:-see bench_render.log} (under Xvfb: Mesa, not the GPU)"
  fi
fi
echo "table: $TABLE"
