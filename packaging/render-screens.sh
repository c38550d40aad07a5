#!/usr/bin/env bash
# Renders the workstation's main screens to docs/images/gui-*.png, headless (Xvfb + llvmpipe):
# a phantom case is generated, planned by `rfaplan plan` (segmentation written beside the plan),
# and `rfaplan-gui --screenshot` renders the MPR + 3D layout, the 3D layout, the ultrasound layout,
# the tumour board and the follow-up page (a synthetic follow-up) of that plan; `rfaplan
# ultrasound` the probe-plane image of lesion 1.
# Usage: packaging/render-screens.sh [BUILD_DIR (default build/release)]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/release}
rfaplan=$build/app/rfaplan
gui=$build/app/gui/rfaplan-gui
for exe in "$rfaplan" "$gui"; do
  [[ -x $exe ]] || { echo "render-screens: $exe not built (cmake --build --preset release)" >&2; exit 2; }
done
command -v Xvfb >/dev/null || { echo "render-screens: Xvfb missing (packaging/install-deps.sh)" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$rfaplan" phantom --out "$work/case" --lesions 9 --seed 3 --size 256,256,100 --spacing 1.5,1.5,2.0 \
  --lesion-diameters 10,30 >/dev/null
"$rfaplan" plan "$work/case" -o "$work/plan.json" >/dev/null
mkdir -p docs/images
for layout in mpr 3d ultrasound board; do
  tests/run_with_xvfb.sh "$gui" --screenshot "docs/images/gui-$layout.png" \
    --layout "$layout" --size 1600x1000 "$work/plan.json"
done
# The follow-up page: a synthetic follow-up of session 1 (zones of lesion 1 shifted 4 mm: an
# insufficient margin there), reviewed against the plan.
"$rfaplan" phantom-followup "$work/plan.json" --phantom "$work/case" --out "$work/fu" \
  --zone-shift 1:4,0,0 >/dev/null
tests/run_with_xvfb.sh "$gui" --screenshot docs/images/gui-followup.png --layout followup \
  --followup "$work/fu" --size 1600x1000 "$work/plan.json"
# The simulated ultrasound of the first lesion's probe plane (rfaplan ultrasound).
"$rfaplan" ultrasound "$work/plan.json" -o "$work/us" --lesion 1 --size 512 >/dev/null
cp "$work/us/lesion-1-ultrasound.png" docs/images/ultrasound-phantom.png
