#!/usr/bin/env bash
# README's run command: sets up, builds, and runs the built-in sample function the way FC
# would (non-web-server mode: a fresh rootless container per event), cold and then cached.
set -euo pipefail
cd "$(dirname "$0")/.."
./packaging/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release
fcemu=build/release/app/fcemu
sample=build/release/resources/samples/fc-sample-job.tar
echo
echo "== fcemu image inspect (the sample image, packed by fcemu image pack)"
"$fcemu" image inspect "$sample"
echo
echo "== fcemu invoke: the event arrives in FC_CUSTOM_CONTAINER_EVENT"
"$fcemu" invoke "$sample" --web-server-mode false --memory 256 --event '{"hello":"fcemu"}' "$@"
echo
echo "== again: the image is cached now (no pull charge, unpack 0)"
"$fcemu" invoke "$sample" --web-server-mode false --memory 256 --event '{"hello":"again"}' --json "$@" |
    python3 -c 'import json,sys; r=json.loads(sys.stdin.readline()); print(json.dumps({k: r[k] for k in ("requestId","coldStart","statusCode","timings","memory","billing")}, indent=2))'
