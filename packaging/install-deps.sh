#!/usr/bin/env bash
# Installs every Debian 12 package needed to build, run and test fcemu. Idempotent.
set -euo pipefail

packages=(
    # build
    build-essential cmake ninja-build pkg-config clang-format
    qt6-base-dev qt6-base-dev-tools qt6-charts-dev qt6-svg-dev
    libqt6opengl6-dev   # only a Recommends of qt6-base-dev, but Qt6Charts' CMake package needs it
    libarchive-dev nlohmann-json3-dev libzstd-dev libssl-dev libyaml-cpp-dev
    libhttp-parser-dev zlib1g-dev libisal-dev
    # run: the GUI on a desktop, or headless under Xvfb
    xvfb xauth libgl1 libegl1 libxkbcommon-x11-0 fonts-dejavu-core
    # tests and benchmarks: third-party image tools and extractors to compare against
    umoci skopeo libarchive-tools tar gzip zstd bubblewrap util-linux hyperfine
    nodejs node-express wrk curl
)

sudo=""
if [ "$(id -u)" -ne 0 ]; then
    sudo="sudo"
fi

missing=()
for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done

if [ "${#missing[@]}" -eq 0 ]; then
    echo "install-deps: all ${#packages[@]} packages present"
    exit 0
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
