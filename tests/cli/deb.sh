#!/usr/bin/env bash
# `cpack -G DEB` on the build tree that made $1 gives
# ipclab_<project version>_<arch>.deb whose control file depends on libc and
# recommends what the scripts need, and whose payload, unpacked into a
# scratch root (never installed here: CI shares its machine), holds a working
# ipclab with its man page, completion, header, pkg-config file and scripts.
set -euo pipefail
bin=$1
build=$(cd "$(dirname "$bin")" && pwd)
[ -f "$build/CPackConfig.cmake" ] ||
  { echo "skip: $bin is not in a CMake build tree"; exit 77; }
for tool in cpack dpkg-deb dpkg; do
  command -v "$tool" >/dev/null || { echo "skip: no $tool"; exit 77; }
done
tmp=$(mktemp -d /tmp/ipclab-debtest-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
passes=0 fails=0
ok() { if "$@"; then passes=$((passes + 1)); else echo "FAIL: $*"; fails=$((fails + 1)); fi; }
has() { [[ ", $1, " == *", $2"[,\ ]* ]]; }

version=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$build/CMakeCache.txt")
ok test -n "$version"
arch=$(dpkg --print-architecture)
cpack -G DEB --config "$build/CPackConfig.cmake" -B "$tmp/out" > "$tmp/cpack.log" 2>&1 ||
  { cat "$tmp/cpack.log"; exit 1; }
deb=$tmp/out/ipclab_${version}_${arch}.deb
ok test -s "$deb"

ok test "$(dpkg-deb -f "$deb" Package)" = ipclab
ok test "$(dpkg-deb -f "$deb" Version)" = "$version"
ok test "$(dpkg-deb -f "$deb" Architecture)" = "$arch"
depends=$(dpkg-deb -f "$deb" Depends)
recommends=$(dpkg-deb -f "$deb" Recommends)
ok has "$depends" libc6
for p in gnuplot-nox python3-matplotlib python3-numpy pkg-config; do
  ok has "$recommends" "$p"
done
# Optional, so recommended, not a hard dependency.
if has "$depends" python3-matplotlib; then echo "FAIL: Depends: $depends"; fails=$((fails + 1)); fi

root=$tmp/root
dpkg -x "$deb" "$root"
for f in usr/bin/ipclab usr/share/man/man1/ipclab.1.gz \
         usr/share/bash-completion/completions/ipclab \
         usr/include/ipclab/transport.h usr/share/pkgconfig/ipclab.pc \
         usr/share/ipclab/scripts/pyrun usr/share/ipclab/scripts/plot.py \
         usr/share/ipclab/exercises/template.c; do
  ok test -s "$root/$f"
done
# Nothing outside /usr, nothing of the build tree.
ok test "$(ls "$root")" = usr
ok test -z "$(find "$root" -name '*.o' -o -name CMakeCache.txt)"
# The packaged binary's version is the package's.
ok test "$("$root/usr/bin/ipclab" version | awk '{ print $2 }')" = "$version"
ok test "$("$root/usr/bin/ipclab" --version | awk '{ print $2 }')" = "$version"
# It finds its own scripts (usr/share/ipclab beside usr/bin).
out=$("$root/usr/bin/ipclab" plot --help 2>&1) || true
ok grep -q "usage: plot.py" <<< "$out"
# The pkg-config file is relocatable: it points into the scratch root.
cflags=$(PKG_CONFIG_PATH=$root/usr/share/pkgconfig pkg-config --cflags ipclab)
# (the -I word itself: the scratch root's random name may hold "-I" too)
inc=$(tr ' ' '\n' <<< "$cflags" | sed -n 's/^-I//p' | head -n 1)
ok test -s "$inc/transport.h"

echo "deb: $passes passed, $fails failed"
[ "$fails" -eq 0 ]
