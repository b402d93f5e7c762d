#!/usr/bin/env bash
# Installs the Debian 12 packages vfstudio needs, only when some are missing.
# Idempotent and quick when everything is present. Works as root or through sudo.
set -euo pipefail

PKGS=(
  build-essential cmake ninja-build pkg-config git lld clang libclang-rt-14-dev
  qt6-base-dev qt6-base-dev-tools qt6-charts-dev libqt6opengl6-dev libqt6svg6-dev qt6-l10n-tools
  libopencv-dev libopencv-contrib-dev
  libtorch-dev libopenblas0-openmp libjemalloc-dev
  libavformat-dev libavcodec-dev libswscale-dev libavutil-dev ffmpeg
  nlohmann-json3-dev
  xvfb xauth
  dpkg-dev fakeroot lintian
)

missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PKGS[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "install-deps: missing packages (${missing[*]}) and not root; run as root or install sudo" >&2
    exit 1
  fi
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
