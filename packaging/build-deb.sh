#!/usr/bin/env bash
# Builds the Debian package from the release preset (CMake's default generator, Unix Makefiles;
# Release; prefix /usr, where the engine looks for fcemu-init), then checks it
# (packaging/check-deb.sh). The .deb's path is the last line printed. Needs
# `packaging/install-deps.sh --package` first.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake --preset release >/dev/null
cmake --build --preset release >&2
rm -rf build/release/deb
cpack --preset release >&2
deb=$(ls build/release/deb/fcemu_*.deb)
./packaging/check-deb.sh "$deb" >&2
echo "$deb"
