#!/usr/bin/env bash
# A fresh, minimal Debian 12 machine for proving set-up: what install-deps.sh forgets to
# install, this root lacks, so the build or the tests fail there (issue #18).
#
#   packaging/fresh-root.sh create TARBALL
#       mmdebstrap a minbase Debian 12 root file system (plus sudo and ca-certificates, which a
#       developer's machine has) into TARBALL, from the host's own apt sources.
#   packaging/fresh-root.sh run TARBALL DIR SRC [--] CMD...
#       unpack TARBALL into DIR (a new, empty folder), bind SRC at /src, and run CMD in /src
#       as root under the C locale with a clean environment. The root is entered with
#       pivot_root in a mount and PID namespace of its own (not chroot: the kernel refuses
#       user namespaces inside a chroot, and the sandbox needs them), with its own /proc,
#       /tmp and /run, the host's /dev and /sys, and the host's resolv.conf for apt.
#
# Needs root (CI runs as root) and mmdebstrap for `create`.
set -euo pipefail

usage() {
    sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' >&2
    exit 2
}

[ "$(id -u)" -eq 0 ] || { echo "fresh-root: must run as root (mmdebstrap and pivot_root)" >&2; exit 4; }

case "${1:-}" in
create)
    [ $# -eq 2 ] || usage
    tarball=$2
    command -v mmdebstrap >/dev/null || {
        echo "fresh-root: mmdebstrap is not installed (apt-get install mmdebstrap)" >&2
        exit 4
    }
    sources=()
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
        [ -s "$f" ] && sources+=("$f")
    done
    [ "${#sources[@]}" -gt 0 ] || { echo "fresh-root: no apt sources on this host" >&2; exit 4; }
    mmdebstrap --quiet --variant=minbase --include=sudo,ca-certificates \
        bookworm "$tarball" "${sources[@]}"
    ;;
run)
    [ $# -ge 5 ] || usage
    tarball=$2 root=$3 src=$4
    shift 4
    [ "${1:-}" = "--" ] && shift
    [ -f "$tarball" ] || { echo "fresh-root: no root tarball at $tarball" >&2; exit 2; }
    [ -d "$src" ] || { echo "fresh-root: no source folder at $src" >&2; exit 2; }
    if [ -e "$root" ] && [ -n "$(ls -A "$root")" ]; then
        echo "fresh-root: $root is not empty: give a new folder" >&2
        exit 2
    fi
    mkdir -p "$root"
    tar -xf "$tarball" -C "$root" --numeric-owner
    mkdir -p "$root/src"
    cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
    # The host's own trust anchors (a company proxy's CA, say) are part of any machine here:
    # without them npm cannot reach its registry from the root.
    if compgen -G "/usr/local/share/ca-certificates/*" >/dev/null; then
        mkdir -p "$root/usr/local/share/ca-certificates"
        cp -r /usr/local/share/ca-certificates/. "$root/usr/local/share/ca-certificates/"
    fi
    root=$(realpath "$root") src=$(realpath "$src")
    # Everything below runs in the new namespaces: the mounts vanish with them.
    exec unshare --mount --pid --fork --propagation private -- \
        env ROOT="$root" SRC="$src" bash -euo pipefail -c '
            mount --bind "$ROOT" "$ROOT"
            mount -t proc proc "$ROOT/proc"
            mount --rbind /dev "$ROOT/dev"
            mount --rbind /sys "$ROOT/sys"
            mount -t tmpfs -o mode=1777 tmpfs "$ROOT/tmp"
            mount -t tmpfs -o mode=755 tmpfs "$ROOT/run"
            mount --bind "$SRC" "$ROOT/src"
            cd "$ROOT"
            mkdir -p .old-root
            pivot_root . .old-root
            umount -l /.old-root
            rmdir /.old-root
            cd /src
            if [ -x /usr/sbin/update-ca-certificates ]; then
                update-ca-certificates >/dev/null 2>&1 || true
            fi
            exec env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
                HOME=/root TERM=dumb CI="${CI:-}" ${NODE_EXTRA_CA_CERTS:+NODE_EXTRA_CA_CERTS="$NODE_EXTRA_CA_CERTS"} \
                "$@"' fresh-root "$@"
    ;;
*)
    usage
    ;;
esac
