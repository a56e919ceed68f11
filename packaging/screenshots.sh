#!/usr/bin/env bash
# Pictures of the desktop app for README: builds the release preset, starts fcemu-gui under
# Xvfb on the built-in sample web function, lets it make a cold call, warm calls and an HTTP
# call, and saves the pictures to docs/screenshots/ (or DIR):
#   - at 1920x1080, the main window and the inspectors in the light and the dark palette
#     (main-light.png, timing-dark.png, ...);
#   - the default layout at each screen size people have: layout-1280x720.png,
#     layout-1366x768.png, layout-1920x1080.png, layout-2560x1440.png, and 1280x720 at
#     QT_SCALE_FACTOR=2 (layout-1280x720@2x.png);
#   - the compare view (a cold call beside a warm one) as it opens on a 1280x720 screen:
#     compare.png and compare-dark.png.
# fcemu-gui reports any text it finds cut in a picture on stderr ("cut text: ..."); the script
# fails when it does. Settings and the image cache are kept apart from the user's.
#
#   ./packaging/screenshots.sh [DIR]
#   FCEMU_GUI=build/testing/app/fcemu-gui ./packaging/screenshots.sh   # a build you have
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(realpath -m "${1:-docs/screenshots}")
if ! command -v xvfb-run >/dev/null; then
    ./packaging/install-deps.sh
fi
gui=${FCEMU_GUI:-}
if [ -z "$gui" ]; then
    cmake --preset release >/dev/null
    cmake --build --preset release --target fcemu-gui
    gui=build/release/app/fcemu-gui
fi
gui=$(realpath "$gui")
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$out"
cut=0

# shoot WIDTHxHEIGHT SCALE: one run of the tour on a screen of that size.
shoot() {
    local size=$1 scale=$2 dir="$scratch/shots-$1-$2"
    mkdir -p "$dir"
    rm -rf "$scratch/config" "$scratch/cache"
    XDG_CONFIG_HOME="$scratch/config" XDG_CACHE_HOME="$scratch/cache" \
        FCEMU_CACHE_DIR="$scratch/images" QT_SCALE_FACTOR="$scale" \
        xvfb-run -a -s "-screen 0 ${size}x24" \
        "$gui" --screenshots "$dir" >/dev/null 2>"$dir/stderr" || {
        cat "$dir/stderr" >&2
        return 1
    }
    if [ "$scale" = 1 ] && grep -E "cut text|larger than the screen" "$dir/stderr" >&2; then
        cut=1
    fi
}

for size in 1280x720 1366x768 2560x1440 1920x1080; do
    shoot "$size" 1
    cp "$scratch/shots-$size-1/layout-$size.png" "$out/"
done
cp "$scratch"/shots-1280x720-1/compare{,-dark}.png "$out/"
# The Image panel at the smallest size a user has (README links it).
cp "$scratch"/shots-1280x720-1/image-light.png "$out/image-panel.png"
# The themed pictures for README come from the 1920x1080 run.
cp "$scratch"/shots-1920x1080-1/{main,timing,billing}-{light,dark}.png "$out/"
# High DPI: a 1280x720 screen at twice the scale (640x360 logical pixels). Panels that do not
# fit scroll inside their docks here, so cut text is expected and not checked.
shoot 1280x720 2 || true
cp "$scratch"/shots-1280x720-2/layout-1280x720@2x.png "$out/"
ls -l "$out"
exit "$cut"
