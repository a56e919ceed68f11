#!/usr/bin/env bash
# Runs every libFuzzer target in fuzz/ for SECONDS_PER_TARGET (default 120) over its seed
# corpus, in the clang-19 ASan+UBSan build (the `fuzz` preset: build/sanitize, the same build
# the sanitizer suite runs from). Fails on the first crash, leak or timeout; the reproducer is
# left in build/sanitize/fuzz-artifacts/. Found inputs go to build/sanitize/fuzz-corpus/ (the
# repo's seeds stay untouched); copy a crash reproducer into fuzz/corpus/<target>/ once fixed,
# and ctest replays it from then on. Prints executions and coverage per target.
#   packaging/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-120}"
shift || true
targets=("$@")
if [ "${#targets[@]}" -eq 0 ]; then
    targets=(fuzz_http_request fuzz_http_response fuzz_config fuzz_image_reader
             fuzz_layer_writer fuzz_har)
fi
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || [ "$seconds" -lt 1 ]; then
    echo "fuzz.sh: SECONDS_PER_TARGET must be a whole number of seconds, got '$seconds'" >&2
    exit 2
fi
if [ ! -f build/sanitize/CMakeCache.txt ]; then
    cmake --preset fuzz
fi
cmake --build build/sanitize -j2 --target "${targets[@]}"

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
export LSAN_OPTIONS="${LSAN_OPTIONS:-suppressions=$PWD/tests/sanitize/lsan.supp:print_suppressions=0}"
artifacts="$PWD/build/sanitize/fuzz-artifacts"
mkdir -p "$artifacts"
summary=()
for t in "${targets[@]}"; do
    work="build/sanitize/fuzz-corpus/$t"
    mkdir -p "$work"
    log="build/sanitize/fuzz-$t.log"
    echo "== $t for ${seconds}s"
    status=0
    "build/sanitize/fuzz/$t" -max_total_time="$seconds" -timeout=25 -rss_limit_mb=3072 \
        -max_len=65536 -print_final_stats=1 -artifact_prefix="$artifacts/$t-" \
        "$work" "fuzz/corpus/$t" >"$log" 2>&1 || status=$?
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')
    cov=$(grep -o 'cov: [0-9]* ft: [0-9]*' "$log" | tail -1 || echo '?')
    summary+=("$t: $runs executions, $cov")
    if [ "$status" -ne 0 ]; then
        tail -n 60 "$log" >&2
        echo "fuzz.sh: $t failed (exit $status); reproducer in $artifacts, log $log" >&2
        printf '%s\n' "${summary[@]}"
        exit 1
    fi
done
printf '%s\n' "${summary[@]}"
