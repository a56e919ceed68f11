#!/usr/bin/env bash
# smoke-deb.sh FCEMU.deb: installs the package with apt on a machine that never built fcemu
# (CI runs it in a fresh Debian 12 root) and uses it from the installed files only: the CLI on
# the installed sample, the desktop app under Xvfb on its built-in sample (--screenshots drives
# a cold call and warm calls, then quits), and uninstalls it again.
set -euo pipefail
deb=$(realpath "$1")
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "$deb" xvfb xauth >/dev/null
cd /tmp
echo "== fcemu --version: $(/usr/bin/fcemu --version)"
echo "== fcemu invoke /usr/share/fcemu/samples/fc-sample-web.tar"
/usr/bin/fcemu invoke /usr/share/fcemu/samples/fc-sample-web.tar --event '{"smoke":1}' --json \
    > /tmp/report.json
grep -q '"statusCode":200' /tmp/report.json || { cat /tmp/report.json; exit 1; }
echo "== fcemu invoke the sample job (non-web-server mode)"
/usr/bin/fcemu invoke /usr/share/fcemu/samples/fc-sample-job.tar --web-server-mode false \
    --event '{"smoke":1}' | grep -q 'FC Invoke End'
echo "== fcemu-gui on its built-in sample, under Xvfb"
rm -rf /tmp/shots
timeout 180 xvfb-run -a -s "-screen 0 1280x720x24" /usr/bin/fcemu-gui --screenshots /tmp/shots
ls /tmp/shots/*.png >/dev/null
echo "== man fcemu, completion"
zcat /usr/share/man/man1/fcemu.1.gz | grep -q 'FUNCTION OPTIONS'
bash -n /usr/share/bash-completion/completions/fcemu
echo "== apt-get remove fcemu"
apt-get remove -y -qq fcemu >/dev/null
[ ! -e /usr/bin/fcemu ] && [ ! -e /usr/libexec/fcemu/fcemu-init ]
echo "smoke-deb: installed, ran the CLI and the GUI on the samples, removed"
