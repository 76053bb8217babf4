#!/usr/bin/env bash
# Every command in the README's code blocks runs (tests/cli/readme_blocks.py
# says how blocks are read and marked), in a scratch folder laid out like the
# top of the sources: scripts/, ipc/, notebooks/, results/reference/ from the
# sources, build/release/ipclab and `ipclab` on PATH = the binary under test,
# results/latest = a tiny sweep, and an `infile` for the two-program example.
set -euo pipefail
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
src=${IPCLAB_SOURCE_DIR:?IPCLAB_SOURCE_DIR must name the sources}
py=/usr/bin/python3
[ -x "$py" ] || py=python3
tmp=$(mktemp -d /tmp/ipclab-readmetest-XXXXXX)
trap 'rm -rf "$tmp"; rm -f /tmp/lab1/lab-1-bufsize.html' EXIT
cd "$tmp"
for d in scripts ipc notebooks; do ln -s "$src/$d" "$d"; done
mkdir -p results build/release bin
ln -s "$src/results/reference" results/reference
ln -s "$bin" build/release/ipclab
ln -s "$bin" bin/ipclab
export PATH=$tmp/bin:$PATH IPCLAB_BIN=$bin
# The labs' documented knob for a short run (the notebook test covers the rest).
export IPCLAB_LAB_TOTAL=64K
head -c 300000 /dev/urandom > infile
ipclab sweep -t pipe,pshm-sem -b 4K,64K -m stream,pingpong --reps 2 \
  --min-time 0.01 --quiet -o results/tiny > /dev/null
ln -s tiny results/latest
"$py" "$src/tests/cli/readme_blocks.py" "$src/README.md"
