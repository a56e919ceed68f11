#!/usr/bin/env bash
# Pictures of the desktop app for README: builds the release preset, starts fcemu-gui under
# Xvfb on the built-in sample web function, lets it make a cold call, warm calls and an HTTP
# call, and saves the main window and the inspectors in the light and the dark palette to
# docs/screenshots/ (or DIR). Settings and the image cache are kept apart from the user's.
#
#   ./packaging/screenshots.sh [DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(realpath -m "${1:-docs/screenshots}")
if ! command -v xvfb-run >/dev/null; then
    ./packaging/install-deps.sh
fi
cmake --preset release >/dev/null
cmake --build --preset release --target fcemu-gui
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$out"
XDG_CONFIG_HOME="$scratch/config" XDG_CACHE_HOME="$scratch/cache" \
    FCEMU_CACHE_DIR="$scratch/images" \
    xvfb-run -a -s "-screen 0 1680x1050x24" \
    build/release/app/fcemu-gui --screenshots "$out"
