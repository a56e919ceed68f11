#!/usr/bin/env bash
# check-deb.sh FCEMU.deb: what Debian's tools say of the package. lintian without errors (the
# warnings we keep are listed in README with why), the desktop entry and the AppStream
# metainfo valid, every binary hardened (hardening-check), the man pages and completion there.
set -euo pipefail
deb=$(realpath "$1")
need=(lintian desktop-file-validate appstreamcli hardening-check)
for t in "${need[@]}"; do
    command -v "$t" >/dev/null || {
        echo "check-deb: $t is missing (packaging/install-deps.sh --package installs it)" >&2
        exit 4
    }
done
tree=$(mktemp -d)
trap 'rm -rf "$tree"' EXIT
dpkg-deb -x "$deb" "$tree"
status=0
for f in usr/bin/fcemu usr/bin/fcemu-gui usr/libexec/fcemu/fcemu-init \
         usr/share/fcemu/samples/fc-sample-web.tar usr/share/fcemu/samples/fc-sample-job.tar \
         usr/share/applications/org.fcemu.fcemu.desktop \
         usr/share/icons/hicolor/scalable/apps/org.fcemu.fcemu.svg \
         usr/share/metainfo/org.fcemu.fcemu.metainfo.xml \
         usr/share/man/man1/fcemu.1.gz usr/share/man/man1/fcemu-gui.1.gz \
         usr/share/bash-completion/completions/fcemu usr/share/doc/fcemu/copyright; do
    [ -e "$tree/$f" ] || { echo "check-deb: /$f is not in the package"; status=1; }
done
echo "== dependencies (from shlibdeps)"
dpkg-deb -f "$deb" Depends
echo "== desktop-file-validate"
desktop-file-validate "$tree/usr/share/applications/org.fcemu.fcemu.desktop" || status=1
echo "== appstreamcli validate --no-net"
appstreamcli validate --no-net "$tree/usr/share/metainfo/org.fcemu.fcemu.metainfo.xml" || status=1
echo "== hardening-check"
# Debian 12's own default hardening (dpkg-buildflags): fortify, stack protector, PIE, RELRO and
# now-binding. Control-flow protection is not in it (it came with Debian 13), so not required.
hardening-check --nocfprotection "$tree/usr/bin/fcemu" "$tree/usr/bin/fcemu-gui" || status=1
# fcemu-init is a static PIE (it runs inside the sandbox, where no libraries are): stripped, it
# has no symbols from which hardening-check could see the stack protector; the unstripped build
# shows __stack_chk_fail, and it is built with the same flags.
hardening-check --nocfprotection --nostackprotector "$tree/usr/libexec/fcemu/fcemu-init" || status=1
echo "== lintian"
# lintian exits non-zero on errors only (warnings are printed and kept, see README).
lintian --no-tag-display-limit --fail-on error "$deb" || status=1
[ "$status" -eq 0 ] && echo "check-deb: $(basename "$deb") passes"
exit "$status"
