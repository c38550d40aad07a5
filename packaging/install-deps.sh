#!/usr/bin/env bash
# Installs everything rfaplan needs to build, test and run on Debian 12 (bookworm), with apt.
# Non-interactive and idempotent: packages already present are not touched, and apt-get update
# runs only when something is missing. Uses sudo when not run as root.
#   packaging/install-deps.sh          install what is missing
#   packaging/install-deps.sh --list   print the package list, one a line (read by the test
#                                      tests/packaging/check_deps.sh, which checks that every
#                                      package the build links, finds or runs is in its closure)
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build ccache pkg-config git clang libclang-rt-14-dev
  # llvm-ar/llvm-ranlib: CMake picks them for the clang (fuzz) build when present; named so that every
  # machine builds with the same tools
  llvm-14
  # libraries
  libdcmtk-dev libinsighttoolkit5-dev libgdcm-dev libopenjp2-7-dev libeigen3-dev nlohmann-json3-dev libcli11-dev
  zlib1g-dev libdeflate-dev libgtest-dev googletest libbenchmark-dev libcairo2-dev libopenigtlink-dev libsqlite3-dev
  # DICOM TLS (rfa::pacs links OpenSSL 3 next to DCMTK's dcmtls)
  libssl-dev
  # the workstation (rfaplan-gui): Qt6 widgets/OpenGL and VTK 9.1 (its Qt module is Qt5: unused).
  # libqt6opengl6-dev (Qt6OpenGL, Qt6OpenGLWidgets) is only a Recommends of qt6-base-dev.
  qt6-base-dev libqt6opengl6-dev libvtk9-dev
  # headless OpenGL 4.3 compute for the thermal GLSL backend: EGL + Mesa llvmpipe (no X needed)
  libegl-dev libopengl-dev libgl-dev libegl-mesa0 libgl1-mesa-dri
  # the GUI tests and screenshots run on a virtual X display (Xvfb + llvmpipe)
  xvfb xauth
  # tools used by the tests and packaging: DCMTK and GDCM command lines, dciodvfy, dpkg-shlibdeps;
  # openssl makes the DICOM TLS tests' certificates (CA, server, expired, other CA, client)
  dcmtk libgdcm-tools dicom3tools dpkg-dev file openssl
  # peers of the tests: plastimatch (RTSTRUCT rasterisation check), Orthanc (a real PACS on
  # loopback), poppler-utils (pdftoppm/pdftotext read the report's pages back)
  plastimatch orthanc poppler-utils
  # peer of the survival statistics (trial endpoints): R's survival package
  r-base-core r-cran-survival
  # peers of the benchmarks (tests/bench/bench_convert.sh): dcm2niix with pigz, the converter users pick
  dcm2niix pigz
  # the report's font (cairo toy text API: DejaVu Sans)
  fonts-dejavu-core
)

if [[ ${1:-} == --list ]]; then
  printf '%s\n' "${packages[@]}"
  exit 0
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#packages[@]} packages already installed"
  exit 0
fi

sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "install-deps: run as root or install sudo" >&2; exit 1; }
  sudo_cmd=(sudo)
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
