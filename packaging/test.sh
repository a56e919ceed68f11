#!/usr/bin/env bash
# README's test command: sets up, builds and runs the whole test suite.
# Sandbox tests also run as an unprivileged user when started as root (the rootless proof).
set -euo pipefail
cd "$(dirname "$0")/.."
./packaging/install-deps.sh
cmake --preset testing
cmake --build --preset testing
# FC's official Node.js SDKs (pinned) for tests/sdk, into the build tree.
./packaging/install-test-npm.sh build/testing
# Under CI (CI set) the `ci` test preset makes a sandbox test that cannot run fail, not skip.
export EMU_SANDBOX_MUST_WORK="${EMU_SANDBOX_MUST_WORK:-${CI:+1}}"
ctest --preset "$([ "$EMU_SANDBOX_MUST_WORK" = 1 ] && echo ci || echo testing)" -j2
# (count first: `grep -q` would end the pipe early and, with pipefail, make it look false)
sandbox_tests=$(ctest --preset testing -N -L sandbox | grep -c 'Test *#' || true)
if [ "$(id -u)" -eq 0 ] && [ "${sandbox_tests:-0}" -gt 0 ]; then
    echo "== sandbox tests again as the unprivileged user nobody"
    chmod -R a+rX build/testing
    mkdir -p build/testing/Testing/Temporary && chmod -R a+rwX build/testing/Testing
    # nobody must reach the build through every parent folder.
    d="$PWD"; while [ "$d" != / ]; do chmod a+x "$d" 2>/dev/null || true; d=$(dirname "$d"); done
    setpriv --reuid=nobody --regid=nogroup --clear-groups --reset-env \
        env PATH=/usr/bin:/bin HOME=/tmp EMU_SANDBOX_MUST_WORK="$EMU_SANDBOX_MUST_WORK" \
        ctest --test-dir build/testing -L sandbox --output-on-failure
fi
