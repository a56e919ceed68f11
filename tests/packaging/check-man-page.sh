#!/usr/bin/env bash
# check-man-page.sh PROGRAM MANPAGE: the man page names every command and option that
# `PROGRAM --help` prints, and no option that --help does not know (test_man_pages).
set -euo pipefail
program=$1 manpage=$2
help=$("$program" --help)
# roff writes a dash as \- : undo that, and drop font escapes (\fB, \fR, \fI, \fP).
page=$(sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' -e 's/^\.[A-Z]* //' "$manpage")
options() { grep -oE -- '--[a-z][a-z0-9-]*' | sort -u; }
missing=$(comm -23 <(options <<<"$help") <(options <<<"$page"))
extra=$(comm -13 <(options <<<"$help") <(options <<<"$page"))
status=0
if [ -n "$missing" ]; then
    echo "$manpage lacks options that $program --help lists:" $missing
    status=1
fi
if [ -n "$extra" ]; then
    echo "$manpage names options that $program --help does not list:" $extra
    status=1
fi
# Commands: the lower-case words after the program's name on each usage line of --help.
name=$(basename "$program")
while read -r command; do
    [ -n "$command" ] || continue
    if ! grep -qF -- "$command" <<<"$(tr -s ' "' ' ' <<<"$page")"; then
        echo "$manpage lacks the command '$name $command'"
        status=1
    fi
done < <(grep -E "^ +$name [a-z]" <<<"$help" | sed -E "s/^ +$name //" |
         awk '{ c = ""; for (i = 1; i <= NF && $i ~ /^[a-z]+$/; i++) c = c (c ? " " : "") $i; print c }' |
         sort -u)
[ "$status" -eq 0 ] && echo "$manpage: every command and option of $name --help is there"
exit "$status"
