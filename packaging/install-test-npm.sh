#!/usr/bin/env bash
# Installs the npm packages the SDK tests drive `fcemu serve` with: FC's official Node.js SDKs,
# pinned. Into the BUILD tree (never the source tree), where tests/sdk/ looks for them:
#   packaging/install-test-npm.sh [BUILD_DIR]     (default build/testing)
# Needs node and npm (Debian: nodejs, npm). Idempotent: does nothing when the pinned versions
# are already there.
set -euo pipefail

build_dir="${1:-build/testing}"
target="$build_dir/npm"
packages=("@alicloud/fc2@2.6.6" "@alicloud/fc20230330@4.7.6")

for tool in node npm; do
    if ! command -v "$tool" >/dev/null; then
        echo "install-test-npm: $tool is missing (Debian: apt-get install nodejs npm)" >&2
        exit 1
    fi
done

installed() {
    local name="${1%@*}" version="${1##*@}"
    local manifest="$target/node_modules/$name/package.json"
    [ -f "$manifest" ] && node -e 'process.exit(require(process.argv[1]).version === process.argv[2] ? 0 : 1)' \
        "$(realpath "$manifest")" "$version"
}

missing=0
for p in "${packages[@]}"; do
    installed "$p" || missing=1
done
if [ "$missing" -eq 0 ]; then
    echo "install-test-npm: ${packages[*]} present in $target"
    exit 0
fi

mkdir -p "$target"
[ -f "$target/package.json" ] || echo '{"name":"fcemu-test-npm","private":true}' >"$target/package.json"
npm install --prefix "$target" --no-audit --no-fund --save-exact "${packages[@]}"
for p in "${packages[@]}"; do
    installed "$p" || { echo "install-test-npm: $p did not install" >&2; exit 1; }
done
echo "install-test-npm: installed ${packages[*]} in $target"
