# pkgs.sh - install Debian packages only when missing; sourced by scripts/lab
# and scripts/compare-peers.sh.  As a non-root user it uses sudo when it can,
# or stops with the one command to run as root.  The caller defines die.
#   install_pkgs PKG...

missing_pkgs() {
  local p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
      printf '%s\n' "$p"
  done
}

install_pkgs() {
  local missing
  mapfile -t missing < <(missing_pkgs "$@")
  [ "${#missing[@]}" -eq 0 ] && return 0
  command -v apt-get >/dev/null 2>&1 ||
    die "missing packages (${missing[*]}) and no apt-get: install them by hand"
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
      sudo=(sudo)
    else
      die "missing packages: ${missing[*]}; install them as root: apt-get install ${missing[*]}"
    fi
  fi
  printf '%s: installing %s\n' "${0##*/}" "${missing[*]}" >&2
  # Lists may be absent or stale on a fresh machine: update once first.
  # Another apt on a shared machine holds the lock for a while: wait for it.
  local wait=(-o DPkg::Lock::Timeout=600)
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get "${wait[@]}" update -qq ||
    die "apt-get update failed"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get "${wait[@]}" install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
    die "apt-get install ${missing[*]} failed"
}
