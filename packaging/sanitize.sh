#!/usr/bin/env bash
# The whole test suite under AddressSanitizer, UndefinedBehaviorSanitizer and LeakSanitizer: the
# clang-19 `sanitize` preset, in build/sanitize (the same build as the fuzzers of fuzz/: the
# `fuzz` preset shares the folder, so one build serves both). Then the sandbox tests again as
# the unprivileged user nobody when run as root, as packaging/test.sh does for the testing
# build. Prints how long the build and each suite run took.
#   packaging/sanitize.sh [CTEST_ARGS...]      e.g. -R test_sandbox
# Left out: the soak (label soak): ASan's quarantine keeps freed memory on purpose, so its RSS
# bound says nothing here; it runs in the testing build (packaging/test.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
./packaging/install-deps.sh --sanitize
t0=$SECONDS
[ -f build/sanitize/CMakeCache.txt ] || cmake --preset sanitize
cmake --build --preset sanitize -j2
t1=$SECONDS
echo "sanitize: build $(((t1 - t0) / 60)) min $(((t1 - t0) % 60)) s"
# FC's Node.js SDKs for tests/sdk, into this build tree too.
./packaging/install-test-npm.sh build/sanitize
export EMU_SANDBOX_MUST_WORK="${EMU_SANDBOX_MUST_WORK:-${CI:+1}}"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
supp="$PWD/tests/sanitize/lsan.supp"
ctest --preset sanitize -j2 -LE soak "$@"
t2=$SECONDS
echo "sanitize: suite $(((t2 - t1) / 60)) min $(((t2 - t1) % 60)) s"
sandbox_tests=$(ctest --test-dir build/sanitize -N -L sandbox -LE soak | grep -c 'Test *#' || true)
if [ "$(id -u)" -eq 0 ] && [ "${sandbox_tests:-0}" -gt 0 ]; then
    echo "== sandbox tests again as the unprivileged user nobody (sanitized)"
    chmod -R a+rX build/sanitize
    mkdir -p build/sanitize/Testing/Temporary && chmod -R a+rwX build/sanitize/Testing
    d="$PWD"; while [ "$d" != / ]; do chmod a+x "$d" 2>/dev/null || true; d=$(dirname "$d"); done
    setpriv --reuid=nobody --regid=nogroup --clear-groups --reset-env \
        env PATH=/usr/bin:/bin HOME=/tmp EMU_SANDBOX_MUST_WORK="$EMU_SANDBOX_MUST_WORK" \
        ASAN_OPTIONS="$ASAN_OPTIONS" UBSAN_OPTIONS="$UBSAN_OPTIONS" \
        LSAN_OPTIONS="suppressions=$supp:print_suppressions=0" \
        ctest --test-dir build/sanitize -j2 -L sandbox -LE soak --output-on-failure "$@"
    t3=$SECONDS
    echo "sanitize: sandbox tests as nobody $(((t3 - t2) / 60)) min $(((t3 - t2) % 60)) s"
fi
