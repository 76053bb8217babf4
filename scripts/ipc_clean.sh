#!/usr/bin/env bash
# ipc_clean.sh - the last resort when ipclab is not built: `ipclab clean` in
# bash, with the same rules and the same output.
#
# It looks for what crashed ipclab processes left behind - POSIX shm and
# semaphores (/dev/shm/ipclab-*, /dev/shm/sem.ipclab-*), POSIX queues
# (<mqueue mount>/ipclab-*), files on hugetlbfs mounts (ipclab-*), the
# private directories of FIFOs and sockets (/tmp/ipclab-<pid>-XXXXXX) and
# System V objects whose key carries ipclab's mark (0x2d in the top 6 bits,
# the creator's pid in the next 22) - and removes one only when it belongs
# to the caller (any user with --all-users, root only), its creator is gone,
# and nothing still uses it: no segment attached, no running process that
# was the last to use it (lpid, sempid, lspid, lrpid) or waits on it, that
# holds the file open or mapped, or that has a socket bound in the directory.
# A name without a pid stays, and so does a directory holding anything but
# FIFOs and sockets.  Every object is looked at again just before removal.
#
# Unlike the binary it cannot open a queue by name, so it trusts the mqueue
# mount to show this IPC namespace's queues.  With no mqueue mount, root
# re-runs it in a private mount namespace (unshare) with one mounted there.
#
#   scripts/ipc_clean.sh --dry-run -v
set -euo pipefail

PREFIX=ipclab-
MARK=$((0x2d))

usage() {
  cat <<'EOF'
usage: ipc_clean.sh [--dry-run] [--all-users] [-v]
Remove what crashed ipclab runs left behind: POSIX shared memory, semaphores
and message queues named ipclab-*, ipclab-* files on hugetlbfs mounts,
/tmp/ipclab-<pid>-* directories of FIFOs and sockets, and System V objects
whose key carries ipclab's mark.  Only objects of the current user whose
creating process is gone and that no running process still uses are removed.
The same rules as `ipclab clean`, for when the binary is not built.

  -n, --dry-run    list the leftovers, remove nothing
      --all-users  objects of every user (root only)
  -v, --verbose    also list the ipclab objects kept, and why
  -h, --help       this text

Exit status: 0 cleaned (or nothing to clean), 1 something could not be
removed or examined (the reason is printed), 2 bad usage.
EOF
}

DRY=0 ALL=0 VERBOSE=0
for arg in "$@"; do
  case $arg in
    -n | --dry-run) DRY=1 ;;
    --all-users) ALL=1 ;;
    -v | --verbose) VERBOSE=1 ;;
    -h | --help) usage; exit 0 ;;
    -*) echo "ipc_clean.sh: unknown option $arg (see --help)" >&2; exit 2 ;;
    *) echo "ipc_clean.sh: unexpected argument '$arg' (options only; see --help)" >&2
       exit 2 ;;
  esac
done
if ((ALL)) && [[ $EUID -ne 0 ]]; then
  echo "ipc_clean.sh: --all-users: only root may remove other users' objects" \
       "(run it as root, or drop --all-users)" >&2
  exit 2
fi

ME=$(id -u)
FAILED=0
NOTES=()


# mount_dirs TYPE: the mount points of file systems of that type.
mount_dirs() {
  local dir type rest
  while read -r _ dir type rest; do
    # /proc/self/mounts escapes blanks as \040
    if [[ $type == "$1" ]]; then printf '%b\n' "$dir"; fi
  done </proc/self/mounts
}

MQDIR=$(mount_dirs mqueue)
MQDIR=${MQDIR%%$'\n'*} # the first one
if [[ -z $MQDIR ]]; then
  if [[ -n ${IPCLAB_CLEAN_PRIVATE_NS:-} ]]; then
    for spot in /dev/mqueue /mnt /media; do
      if [[ -d $spot ]] && mount -t mqueue -o nosuid,nodev,noexec mqueue "$spot" 2>/dev/null; then
        MQDIR=$spot
        NOTES+=("no mqueue file system mounted: mounted one at $spot, seen by this process only")
        break
      fi
    done
  elif [[ $EUID -eq 0 ]] && command -v unshare >/dev/null &&
       unshare --mount --propagation private true 2>/dev/null; then
    IPCLAB_CLEAN_PRIVATE_NS=1 exec unshare --mount --propagation private -- \
      "$BASH" "${BASH_SOURCE[0]}" "$@"
  fi
  [[ -n $MQDIR ]] ||
    NOTES+=("POSIX message queues not looked at: no mqueue file system is mounted (as root: mkdir -p /dev/mqueue && mount -t mqueue none /dev/mqueue)")
fi

# ---- what was found: one entry per object, in parallel arrays -------------
K=() NAME=() FPATH=() OWNER=() CPID=() SIZE=() UNIT=() ID=() KEY=() DEVINO=() KEPT=()
SOCKDIR=()

add() { # kind name path uid pid size unit id key devino
  K+=("$1") NAME+=("$2") FPATH+=("$3") OWNER+=("$4") CPID+=("$5") SIZE+=("$6")
  UNIT+=("$7") ID+=("$8") KEY+=("$9") DEVINO+=("${10}") KEPT+=("") SOCKDIR+=(0)
}

keep() { # index reason: the first reason found is the one shown
  [[ -n ${KEPT[$1]} ]] || KEPT[$1]=$2
}

mine() { ((ALL)) || [[ $1 -eq $ME ]]; }

# A pid may be running while kill finds it, or /proc has it (another user's).
alive() { [[ $1 -gt 0 ]] && { kill -0 "$1" 2>/dev/null || [[ -d /proc/$1 ]]; }; }

name_pid() { # "ipclab-<pid>-..." -> pid, or 0
  if [[ $1 =~ ^ipclab-([0-9]+)- ]]; then echo $((10#${BASH_REMATCH[1]})); else echo 0; fi
}

# dev_ino PATH: "major:minor inode" (decimal) without following a link.
dev_ino() { stat -c '%Hd:%Ld %i' -- "$1"; }

declare -A SEEN=()

scan_files() { # dir kind
  local dir=$1 kind=$2 f base k name uid size di pid line
  [[ -d $dir ]] || return 0
  shopt -s nullglob dotglob
  local files=("$dir"/*)
  shopt -u nullglob dotglob
  for f in "${files[@]}"; do
    base=${f##*/} k=$kind
    if [[ $kind == posix-shm && $base == sem.$PREFIX* ]]; then
      k=posix-sem base=${base#sem.}
    fi
    [[ $base == "$PREFIX"* ]] || continue
    [[ -f $f && ! -L $f ]] || continue
    read -r uid size < <(stat -c '%u %s' -- "$f") || continue
    mine "$uid" || continue
    di=$(dev_ino "$f") || continue
    [[ -z ${SEEN[$di]:-} ]] || continue
    SEEN[$di]=1
    name=/$base
    [[ $k == hugetlbfs ]] && name=$f
    if [[ $k == posix-mq ]]; then
      line=$(head -c 100 -- "$f" 2>/dev/null || true)
      size=0
      [[ $line =~ QSIZE:([0-9]+) ]] && size=${BASH_REMATCH[1]}
    fi
    pid=$(name_pid "$base")
    local unit=B
    [[ $k == posix-mq ]] && unit="B queued"
    add "$k" "$name" "$f" "$uid" "$pid" "$size" "$unit" "" "" "$di"
  done
}

scan_tmpdirs() {
  local d base uid n e i
  shopt -s nullglob
  local dirs=(/tmp/"$PREFIX"*)
  shopt -u nullglob
  for d in "${dirs[@]}"; do
    base=${d##*/}
    # Two-program (xfr) rendezvous: whether its writer or reader lives is an
    # fcntl lock, which bash cannot test (flock(1) is another lock): the
    # binary handles these.
    if [[ -d $d && ! -L $d && ( -e $d/writer.lock || -e $d/info ) ]]; then
      NOTES+=("$d: a two-program (ipclab xfr) directory, not looked at here: run 'ipclab clean'")
      continue
    fi
    [[ $base =~ ^ipclab-[0-9]+-[A-Za-z0-9]+$ ]] || continue
    [[ -d $d && ! -L $d ]] || continue
    uid=$(stat -c '%u' -- "$d") || continue
    mine "$uid" || continue
    add tmp-dir "$d" "$d" "$uid" "$(name_pid "$base")" 0 entries "" "" "$(dev_ino "$d")"
    i=$((${#K[@]} - 1))
    if [[ ! -r $d || ! -x $d ]]; then
      keep "$i" "cannot look inside: EACCES"
      continue
    fi
    n=0
    shopt -s nullglob dotglob
    local entries=("$d"/*)
    shopt -u nullglob dotglob
    for e in "${entries[@]}"; do
      n=$((n + 1))
      if [[ -L $e || ! (-p $e || -S $e) ]]; then
        keep "$i" "holds ${e##*/}, which is neither a FIFO nor a socket"
      elif [[ $(stat -c '%u' -- "$e") -ne $uid ]]; then
        keep "$i" "holds ${e##*/} of another owner"
      fi
      [[ -S $e && ! -L $e ]] && SOCKDIR[i]=1
      WATCH["$(dev_ino "$e")"]+=" $i"
    done
    SIZE[i]=$n
    ((n != 1)) || UNIT[i]=entry
  done
}

# sysv_rows FILE: the rows of /proc/sysvipc/FILE as "key id uid size a b c"
# where a b c are, for shm: nattch cpid lpid; for msg: lspid lrpid 0.
sysv_rows() {
  local file=/proc/sysvipc/$1 idcol=$2 sizecol=$3 cols i
  [[ -r $file ]] || return 0
  {
    read -r -a cols || return 0
    declare -A at=()
    for i in "${!cols[@]}"; do at[${cols[$i]}]=$i; done
    local need
    for need in key "$idcol" uid "$sizecol"; do
      if [[ -z ${at[$need]:-} ]]; then
        echo "ipc_clean.sh: $file: unexpected header (no $need column)" >&2
        return 1
      fi
    done
    local row
    while read -r -a row; do
      case $1 in
        shm) echo "${row[${at[key]}]} ${row[${at[$idcol]}]} ${row[${at[uid]}]} ${row[${at[$sizecol]}]} ${row[${at[nattch]}]} ${row[${at[cpid]}]} ${row[${at[lpid]}]}" ;;
        msg) echo "${row[${at[key]}]} ${row[${at[$idcol]}]} ${row[${at[uid]}]} ${row[${at[$sizecol]}]} 0 ${row[${at[lspid]}]} ${row[${at[lrpid]}]}" ;;
        *) echo "${row[${at[key]}]} ${row[${at[$idcol]}]} ${row[${at[uid]}]} ${row[${at[$sizecol]}]} 0 0 0" ;;
      esac
    done
  } <"$file"
}

scan_sysv() { # shm|sem|msg idcol sizecol kind unit
  local rows key id uid size a b c k pid
  rows=$(sysv_rows "$1" "$2" "$3") || { FAILED=1; return 0; }
  [[ -n $rows ]] || return 0
  while read -r key id uid size a b c; do
    k=$((key & 0xffffffff))
    (((k >> 26) == MARK)) || continue
    pid=$(((k >> 4) & 0x3fffff))
    mine "$uid" || continue
    add "$4" "$(printf 'key=0x%08x id=%d' "$k" "$id")" "" "$uid" "$pid" "$size" "$5" "$id" "$k" ""
  done <<<"$rows"
}

# sysv_check INDEX: prints why the object stays ("" when it may go); fails
# when it is gone or its id now names another object.
sysv_check() {
  local i=$1 rows key id uid size a b c line
  case ${K[$i]} in
    sysv-shm) rows=$(sysv_rows shm shmid size) ;;
    sysv-sem) rows=$(sysv_rows sem semid nsems) ;;
    sysv-msg) rows=$(sysv_rows msg msqid cbytes) ;;
  esac
  line=$(awk -v id="${ID[$i]}" '$2 == id' <<<"$rows")
  [[ -n $line ]] || return 1
  read -r key id uid size a b c <<<"$line"
  [[ $((key & 0xffffffff)) -eq ${KEY[$i]} ]] || return 1
  case ${K[$i]} in
    sysv-shm)
      if ((a > 0)); then echo "attached by $a process(es)"
      elif [[ $b -ne ${CPID[$i]} ]] && alive "$b"; then echo "process $b that created it is running"
      elif alive "$c"; then echo "process $c, the last to attach or detach, is running"
      fi ;;
    sysv-msg)
      if alive "$b"; then echo "process $b, the last to send, is running"
      elif alive "$c"; then echo "process $c, the last to receive, is running"
      fi ;;
    sysv-sem)
      # ipcs -s -i: semnum value ncount zcount pid, one line per semaphore
      local out num ncnt zcnt spid
      out=$(ipcs -s -i "${ID[$i]}" 2>/dev/null) || { echo "cannot read it (ipcs -s -i ${ID[$i]})"; return 0; }
      while read -r num _ ncnt zcnt spid; do
        [[ $num =~ ^[0-9]+$ && $spid =~ ^[0-9]+$ ]] || continue
        if ((ncnt + zcnt > 0)); then echo "$((ncnt + zcnt)) process(es) wait on semaphore $num"; return 0; fi
        if alive "$spid"; then echo "process $spid, the last to operate on it, is running"; return 0; fi
      done <<<"$out" ;;
  esac
  return 0
}

socket_bound_in() { # dir
  [[ -r /proc/net/unix ]] || return 0
  awk -v d="$1/" 'NR > 1 && index($8, d) == 1 { found = 1 } END { exit !found }' /proc/net/unix
}

# Mark what a running process holds open or mapped: one pass over all the
# /proc/<pid>/maps (device in hex there) and one over all /proc/<pid>/fd,
# reduced by awk to the watched "major:minor inode" pairs.
check_processes() {
  ((${#WATCH[@]})) || return 0
  local keys pid di idx
  keys=$(printf '%s\n' "${!WATCH[@]}")
  while read -r pid di; do
    for idx in ${WATCH[$di]:-}; do keep "$idx" "mapped by running process $pid"; done
  done < <(grep -H '' /proc/[0-9]*/maps 2>/dev/null | awk -v keys="$keys" '
      function hex(s,   i, n) {
        n = 0
        s = tolower(s)
        for (i = 1; i <= length(s); i++)
          n = n * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
        return n
      }
      BEGIN { n = split(keys, k, "\n"); for (i = 1; i <= n; i++) want[k[i]] = 1 }
      $5 != 0 {
        split($1, f, "/")
        split($4, d, ":")
        key = hex(d[1]) ":" hex(d[2]) " " $5
        if (key in want) print f[3], key
      }' | sort -u || true)
  while read -r pid di; do
    for idx in ${WATCH[$di]:-}; do keep "$idx" "open in running process $pid"; done
  done < <(stat -L -c '%n %Hd:%Ld %i' -- /proc/[0-9]*/fd/* 2>/dev/null | awk -v keys="$keys" '
      BEGIN { n = split(keys, k, "\n"); for (i = 1; i <= n; i++) want[k[i]] = 1 }
      { key = $2 " " $3; split($1, f, "/"); if (key in want) print f[3], key }' | sort -u || true)
}

declare -A WATCH=()
scan_files /dev/shm posix-shm
[[ -z $MQDIR ]] || scan_files "$MQDIR" posix-mq
while read -r hdir; do
  [[ -z $hdir ]] || scan_files "$hdir" hugetlbfs
done < <(mount_dirs hugetlbfs)
scan_tmpdirs
scan_sysv shm shmid size sysv-shm B
scan_sysv sem semid nsems sysv-sem sems
scan_sysv msg msqid cbytes sysv-msg "B queued"

# ---- judge --------------------------------------------------------------
for i in "${!K[@]}"; do
  [[ -z ${DEVINO[$i]} || ${K[$i]} == tmp-dir ]] || WATCH["${DEVINO[$i]}"]+=" $i"
  if [[ ${CPID[$i]} -eq 0 ]]; then
    keep "$i" "no creator pid in its name: remove it by hand once nothing uses it"
  elif alive "${CPID[$i]}"; then
    keep "$i" "creator ${CPID[$i]} is running"
  elif [[ ${K[$i]} == sysv-* ]]; then
    if why=$(sysv_check "$i"); then
      [[ -z $why ]] || keep "$i" "$why"
    else
      keep "$i" "cannot read it: gone"
    fi
  elif [[ ${K[$i]} == tmp-dir && ${SOCKDIR[$i]} == 1 ]] && socket_bound_in "${FPATH[$i]}"; then
    keep "$i" "a running process has a socket bound in it"
  fi
done
check_processes

# ---- list -----------------------------------------------------------------
declare -A UNAME=()
owner_name() {
  [[ -n ${UNAME[$1]:-} ]] || UNAME[$1]=$(getent passwd "$1" | cut -d: -f1)
  [[ -n ${UNAME[$1]} ]] || UNAME[$1]=$1
  OWNER_NAME=${UNAME[$1]}
}

# Kinds in the binary's order, then ids, then names.
kind_rank() {
  case $1 in
    posix-shm) echo 0 ;; posix-sem) echo 1 ;; posix-mq) echo 2 ;; hugetlbfs) echo 3 ;;
    tmp-dir) echo 4 ;; sysv-shm) echo 5 ;; sysv-sem) echo 6 ;; *) echo 7 ;;
  esac
}
ORDER=()
if ((${#K[@]})); then
  while read -r _ _ i _; do ORDER+=("$i"); done < <(
    for i in "${!K[@]}"; do
      printf '%s %s %s %s\n' "$(kind_rank "${K[$i]}")" "${ID[$i]:--1}" "$i" "${NAME[$i]}"
    done | sort -k1,1n -k2,2n -k4 )
fi

print_table() { # 0: leftovers, 1: kept; lead
  local want=$1 lead=$2 i wname=4 wowner=5 creator
  for i in "${ORDER[@]}"; do
    [[ $want -eq 1 && -n ${KEPT[$i]} || $want -eq 0 && -z ${KEPT[$i]} ]] || continue
    ((${#NAME[$i]} <= wname)) || wname=${#NAME[$i]}
    owner_name "${OWNER[$i]}"
    ((${#OWNER_NAME} <= wowner)) || wowner=${#OWNER_NAME}
  done
  printf '%s%-9s  %-*s  %-*s  %-7s  %s\n' "$lead" kind "$wname" name "$wowner" owner creator size
  for i in "${ORDER[@]}"; do
    [[ $want -eq 1 && -n ${KEPT[$i]} || $want -eq 0 && -z ${KEPT[$i]} ]] || continue
    owner_name "${OWNER[$i]}"
    creator=${CPID[$i]}
    [[ $creator -ne 0 ]] || creator='?'
    printf '%s%-9s  %-*s  %-*s  %-7s  %s %s' "$lead" "${K[$i]}" "$wname" "${NAME[$i]}" \
      "$wowner" "$OWNER_NAME" "$creator" "${SIZE[$i]}" "${UNIT[$i]}"
    [[ -z ${KEPT[$i]} ]] || printf '  (%s)' "${KEPT[$i]}"
    printf '\n'
  done
}

FOUND=0 KEPTN=0
for i in "${!K[@]}"; do
  if [[ -z ${KEPT[$i]} ]]; then FOUND=$((FOUND + 1)); else KEPTN=$((KEPTN + 1)); fi
done
((FOUND == 0)) || print_table 0 ""

# ---- remove ---------------------------------------------------------------
# remove INDEX: 0 removed, 1 failed (reason printed), 3 changed since listed.
remove() {
  local i=$1 out why e
  if alive "${CPID[$i]}"; then KEPT[i]="creator ${CPID[$i]} is running now"; return 3; fi
  case ${K[$i]} in
    sysv-*)
      if ! why=$(sysv_check "$i"); then KEPT[i]="gone, or replaced, since it was listed"; return 3; fi
      if [[ -n $why ]]; then KEPT[i]=$why; return 3; fi
      local opt=-m
      [[ ${K[$i]} == sysv-sem ]] && opt=-s
      [[ ${K[$i]} == sysv-msg ]] && opt=-q
      if ! out=$(ipcrm "$opt" "${ID[$i]}" 2>&1); then
        echo "ipc_clean.sh: ipcrm $opt ${ID[$i]} (${NAME[$i]}): $out" >&2
        return 1
      fi
      return 0 ;;
  esac
  if [[ ! -e ${FPATH[$i]} || $(dev_ino "${FPATH[$i]}" 2>/dev/null) != "${DEVINO[$i]}" ]]; then
    KEPT[i]="gone, or replaced, since it was listed"
    return 3
  fi
  if [[ ${K[$i]} == tmp-dir ]]; then
    shopt -s nullglob dotglob
    local entries=("${FPATH[$i]}"/*)
    shopt -u nullglob dotglob
    for e in "${entries[@]}"; do
      if [[ -L $e || ! (-p $e || -S $e) ]]; then
        echo "ipc_clean.sh: $e appeared, neither a FIFO nor a socket; not removed" >&2
        return 1
      fi
      if ! out=$(rm -f -- "$e" 2>&1); then echo "ipc_clean.sh: $out" >&2; return 1; fi
    done
    if ! out=$(rmdir -- "${FPATH[$i]}" 2>&1); then echo "ipc_clean.sh: $out" >&2; return 1; fi
    return 0
  fi
  # Removing the name from /dev/shm or the mqueue mount is shm_unlink,
  # sem_unlink or mq_unlink.
  if ! out=$(rm -f -- "${FPATH[$i]}" 2>&1); then echo "ipc_clean.sh: $out" >&2; return 1; fi
  return 0
}

REMOVED=0 FAILS=0 CHANGED=0
if ((!DRY)); then
  for i in "${ORDER[@]}"; do
    [[ -z ${KEPT[$i]} ]] || continue
    rc=0
    remove "$i" || rc=$?
    case $rc in
      0) REMOVED=$((REMOVED + 1)) ;;
      3) CHANGED=$((CHANGED + 1))
         ((!VERBOSE)) || echo "not removed: ${K[$i]} ${NAME[$i]} (${KEPT[$i]})" ;;
      *) FAILS=$((FAILS + 1)) ;;
    esac
  done
fi

if ((VERBOSE && KEPTN)); then
  echo "kept (ipclab's, but not leftovers):"
  print_table 1 "  "
fi
for n in "${NOTES[@]+"${NOTES[@]}"}"; do
  [[ $VERBOSE -eq 1 || $n != "no mqueue"* ]] || continue
  echo "ipc_clean.sh: note: $n" >&2
done

if ((DRY)); then
  echo "$FOUND leftover(s) found; nothing removed (--dry-run)"
elif ((FOUND == 0)); then
  echo "no leftovers found"
else
  msg="removed $REMOVED of $FOUND leftover(s)"
  ((FAILS == 0)) || msg+="; some could not be removed (see above)"
  ((CHANGED == 0)) || msg+="; some changed since they were listed and were kept"
  echo "$msg"
fi
((FAILS == 0 && FAILED == 0)) || exit 1
exit 0
