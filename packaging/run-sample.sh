#!/usr/bin/env bash
# README's run command: sets up, builds, and opens the desktop app (fcemu-gui) on the built-in
# sample web function, ready to invoke. Without a display (no $DISPLAY or $WAYLAND_DISPLAY, or
# with --cli) it runs the same sample through the fcemu command line instead: a cold start and a
# warm call in web-server mode, a JSON report, and the sample job in non-web-server mode.
set -euo pipefail
cli=0
if [ "${1:-}" = "--cli" ]; then
    cli=1
    shift
fi
cd "$(dirname "$0")/.."
./packaging/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release
fcemu=build/release/app/fcemu
web=build/release/resources/samples/fc-sample-web.tar
job=build/release/resources/samples/fc-sample-job.tar
if [ "$cli" = 0 ] && [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
    echo "== fcemu-gui: the built-in sample web function, ready to invoke (Ctrl+Enter sends)"
    exec build/release/app/fcemu-gui "$@"
fi
echo "(no display: the same sample through the fcemu command line; ./packaging/screenshots.sh"
echo " shows the desktop app under Xvfb)"
echo
echo "== fcemu image inspect: the built-in sample web function (packed by fcemu image pack)"
"$fcemu" image inspect "$web"
echo
echo "== fcemu invoke (web-server mode, FC's default): a cold start, then a warm call"
"$fcemu" invoke "$web" --memory 256 --initializer --http GET '/hello?from=fcemu' -H 'X-Demo: 1' --repeat 2 "$@"
echo
echo "== the same as a JSON report (docs/CONTRACT.md §1.2), an event invocation"
"$fcemu" invoke "$web" --memory 256 --event '{"hello":"fcemu"}' --json "$@"
echo
echo "== non-web-server mode: a fresh container per event, the event in FC_CUSTOM_CONTAINER_EVENT"
"$fcemu" invoke "$job" --web-server-mode false --memory 256 --event '{"hello":"fcemu"}' "$@"
