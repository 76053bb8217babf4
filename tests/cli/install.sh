#!/usr/bin/env bash
# cmake --install of the build tree that made $1 into a temporary prefix;
# the installed ipclab then works from a directory outside the source tree:
# a short sweep, its plots, report and comparison through the installed
# scripts, gnuplot, a student plugin built with pkg-config against the
# installed header and passed by `ipclab check`, the man page (which holds
# every line of the --help texts) and the bash completion.
set -euo pipefail
bin=$1
build=$(cd "$(dirname "$bin")" && pwd)
[ -f "$build/cmake_install.cmake" ] ||
  { echo "skip: $bin is not in a CMake build tree"; exit 77; }
for tool in cmake cc pkg-config man; do
  command -v "$tool" >/dev/null || { echo "skip: no $tool"; exit 77; }
done
tmp=$(mktemp -d /tmp/ipclab-installtest-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
# A command that stops the script says which (and the scripts' stderr).
trap 'echo "FAIL: line $LINENO: $BASH_COMMAND (status $?)"; tail -n 5 "$tmp"/work/*.err 2>/dev/null' ERR
trap 'echo "FAIL: line $LINENO: $BASH_COMMAND (status $?)"; for f in "$tmp"/work/*.err; do [ -s "$f" ] && tail -5 "$f"; done' ERR
passes=0 fails=0
ok() { if "$@"; then passes=$((passes + 1)); else echo "FAIL: $*"; fails=$((fails + 1)); fi; }
no() { if "$@"; then echo "FAIL: not expected: $*"; fails=$((fails + 1)); else passes=$((passes + 1)); fi; }

p=$tmp/prefix
cmake --install "$build" --prefix "$p" > "$tmp/install.log"
d=$p/share/ipclab
for f in bin/ipclab share/ipclab/scripts/pyrun share/ipclab/scripts/plot.py \
         share/ipclab/scripts/report.py share/ipclab/scripts/compare.py \
         share/ipclab/scripts/ipclab_results.py share/ipclab/scripts/gp/throughput.gp \
         share/ipclab/notebooks/lab-1-bufsize.ipynb share/ipclab/notebooks/analysis.ipynb \
         share/ipclab/results/reference/summary.csv \
         share/ipclab/exercises/template.c share/ipclab/exercises/example.c \
         include/ipclab/transport.h include/ipclab/region.h include/ipclab/util.h \
         share/pkgconfig/ipclab.pc share/man/man1/ipclab.1.gz \
         share/bash-completion/completions/ipclab; do
  ok test -s "$p/$f"
done
ok test -x "$d/scripts/pyrun"
no test -e "$d/notebooks/instructor"

# Run from outside the source tree, with only the installed ipclab on PATH.
mkdir "$tmp/work"
cd "$tmp/work"
export PATH=$p/bin:$PATH
unset IPCLAB_DATADIR IPCLAB_SOURCE_DIR IPCLAB_BIN
ok test "$(command -v ipclab)" = "$p/bin/ipclab"
ok ipclab version > /dev/null
st=0; ipclab version --bogus 2> err || st=$?
ok test "$st" -eq 2
ok grep -q "^ipclab: version: " err

ipclab sweep -t pipe -b 4K --reps 2 --min-time 0.01 --quiet -o sweep > /dev/null
ok test -s sweep/summary.csv
ipclab plot sweep > plot.out 2> plot.err
ok test -s sweep/plots/throughput.png
ok grep -q "throughput.png" plot.out
ipclab report sweep > /dev/null 2> report.err
ok test -s sweep/report.md
ipclab compare "$d/results/reference" sweep -o cmp > /dev/null 2> compare.err
ok test -n "$(ls cmp)"
if command -v gnuplot >/dev/null; then
  gnuplot -c "$d/scripts/gp/throughput.gp" sweep gp.png > /dev/null
  ok test -s gp.png
fi
# The installed tree is relocatable, and an installed binary never reaches
# back into its source tree.
cp -r "$p" moved
moved/bin/ipclab plot sweep -o moved-plots --only throughput > /dev/null 2>&1
ok test -s moved-plots/throughput.png
rm -rf moved/share/ipclab
st=0; moved/bin/ipclab plot sweep 2> err > /dev/null || st=$?
ok test "$st" -eq 1
ok grep -q "^ipclab: plot: no scripts/pyrun beside this binary" err

# A student transport against the installed header only.
export PKG_CONFIG_PATH=$p/share/pkgconfig
cflags=$(pkg-config --cflags ipclab)
ok test "$(pkg-config --modversion ipclab)" = "$(ipclab version | awk '{ print $2 }')"
# shellcheck disable=SC2086
cc $cflags -Wall -Wextra -Werror -shared -fPIC -o example.so "$d/exercises/example.c"
ipclab check -t ./example.so --quick --no-bench --timeout 20 > check.out 2>&1 || true
ok grep -q "^verdict: PASS" check.out
# shellcheck disable=SC2086
cc $cflags -shared -fPIC -o template.so "$d/exercises/template.c"
ok test -s template.so

# The man page renders and holds every line of every --help.
MANWIDTH=250 man -l "$p/share/man/man1/ipclab.1.gz" > man.txt 2> man.err
ok grep -q "^NAME" man.txt
for c in "" run sweep xfr check clean ctxsw; do
  ipclab $c --help | sed 's/^ *//; s/ *$//' | grep -v '^$' > help.txt
  while IFS= read -r line; do
    grep -qF -- "$line" man.txt || { echo "FAIL: man page lacks '$line' (ipclab $c --help)"; fails=$((fails + 1)); }
  done < help.txt
done

# The completion loads in bash and completes commands and transports, alone
# and with Debian's bash-completion (its _init_completion) loaded first.
bc=""
complete_line() {
  bash -c '
    [ -z "$3" ] || source "$3"
    source "$1"; line=$2
    read -ra COMP_WORDS <<< "$line"
    [[ $line == *" " ]] && COMP_WORDS+=("")
    COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 )); COMP_LINE=$line; COMP_POINT=${#line}
    _ipclab; printf "%s\n" "${COMPREPLY[@]}"' _ "$p/share/bash-completion/completions/ipclab" "$1" "$bc"
}
ipclab list | awk 'NR > 1 && $1 ~ /^p/ { print $1 }' | sort > want
ok test -s want
for bc in "" /usr/share/bash-completion/bash_completion; do
  [ -z "$bc" ] || [ -f "$bc" ] || continue
  ok test "$(complete_line "ipclab sw")" = sweep
  complete_line "ipclab run -t p" | sort > got
  ok cmp got want
  ok test "$(complete_line "ipclab run --hugepages t" | tr '\n' ' ')" = "try thp "
  ok test "$(complete_line "ipclab run --ver")" = --verify
done

echo "install: $passes passed, $fails failed"
[ "$fails" -eq 0 ]
