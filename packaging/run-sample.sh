#!/usr/bin/env bash
# README's run command: sets up, builds, and runs the built-in sample function the way FC
# would (non-web-server mode: a fresh rootless container per event), cold and then cached.
set -euo pipefail
cd "$(dirname "$0")/.."
./packaging/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release
fcemu=build/release/app/fcemu
web=build/release/resources/samples/fc-sample-web.tar
job=build/release/resources/samples/fc-sample-job.tar
echo
echo "== fcemu image inspect: the built-in sample web function (packed by fcemu image pack)"
"$fcemu" image inspect "$web"
echo
echo "== fcemu invoke (web-server mode, FC's default): a cold start, then a warm call"
"$fcemu" invoke "$web" --memory 256 --initializer --http GET '/hello?from=fcemu' -H 'X-Demo: 1' --repeat 2 "$@"
echo
echo "== the same as a JSON report (SPEC 1.2), an event invocation"
"$fcemu" invoke "$web" --memory 256 --event '{"hello":"fcemu"}' --json "$@"
echo
echo "== non-web-server mode: a fresh container per event, the event in FC_CUSTOM_CONTAINER_EVENT"
"$fcemu" invoke "$job" --web-server-mode false --memory 256 --event '{"hello":"fcemu"}' "$@"
