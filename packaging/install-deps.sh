#!/usr/bin/env bash
# Installs every Debian 12 package needed to build, run and test fcemu. Idempotent.
#   --package   also the tools that build and check the Debian package (lintian, ...)
#   --sanitize  also clang-19, for the sanitize and fuzz presets
set -euo pipefail

packages=(
    # build
    build-essential cmake ninja-build pkg-config clang-format
    qt6-base-dev qt6-base-dev-tools qt6-charts-dev qt6-svg-dev
    libqt6opengl6-dev   # only a Recommends of qt6-base-dev, but Qt6Charts' CMake package needs it
    libarchive-dev nlohmann-json3-dev libzstd-dev libssl-dev libyaml-cpp-dev
    libhttp-parser-dev zlib1g-dev libisal-dev
    libseccomp-dev      # the sandbox's default seccomp filter (emulator/sandbox/Seccomp.cpp)
    # run: a function's outbound network (docs/network.md); pasta (passt) is the fallback
    slirp4netns
    # run: the GUI on a desktop, or headless under Xvfb
    xvfb xauth libgl1 libegl1 libxkbcommon-x11-0 fonts-dejavu-core
    # tests and benchmarks: third-party image tools and extractors to compare against
    umoci skopeo libarchive-tools tar gzip zstd bubblewrap util-linux hyperfine
    nodejs node-express wrk curl
    # registry tests (label registry): the distribution registry, started by the test itself on
    # 127.0.0.1 (its systemd service is not used), htpasswd -B for basic auth, openssl for a CA
    docker-registry apache2-utils openssl
)
# npm fetches FC's Node.js SDKs for the SDK tests (packaging/install-test-npm.sh). Debian's npm
# package, unless the node installed already brings its own npm (NodeSource's does, and
# conflicts with Debian's).
if ! command -v npm >/dev/null; then
    packages+=(npm)
fi
if [ "${1:-}" = "--sanitize" ]; then
    # the sanitize and fuzz presets: ASan+UBSan+libFuzzer (Debian 12's clang-14 lacks C++23)
    packages+=(clang-19 libclang-rt-19-dev)
fi
if [ "${1:-}" = "--package" ]; then
    packages+=(
        # the Debian package: shlibdeps, and the checks of packaging/check-deb.sh
        dpkg-dev file lintian desktop-file-utils appstream devscripts
    )
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
    sudo="sudo"
fi

missing=()
for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done

if [ "${#missing[@]}" -eq 0 ]; then
    echo "install-deps: all ${#packages[@]} packages present"
    exit 0
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
