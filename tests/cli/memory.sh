#!/usr/bin/env bash
# memory.sh - the memory options of `ipclab run` / `ipclab sweep`, through the
# real binary: what was asked and what was obtained, as the records say.
#
#   populate   --populate on moves the page faults of the shared region out
#              of the timed region (counted faults drop to about zero)
#   hugepages  with no pages free, `on` exits 2 naming the numbers and the
#              setup script, `try` runs on 4 KiB pages and says why; as root,
#              with pages reserved by this test, `on` records 2 MiB pages and
#              the mechanism and moves the data intact; `thp` with shmem THP
#              set to advise records 2 MiB pages once the data was moved
#   pin        same / split / W,R record the CPUs; a bad CPU is exit 2
#   n/a        transports without a region record populate/hugepages n/a,
#              and a sweep runs them once, not once per region option
#
# Counts are asserted relative to the region's page count, never times.  The
# hugetlb pool and shmem_enabled are shared with other tests: every check
# that depends on them holds /run/lock/ipclab-hugepages.lock (shared to read,
# exclusive to change), like tests/unit/test_region.c and
# scripts/hugepages.sh, and whatever this test changes it restores.
#
#   bash tests/cli/memory.sh build/ipclab      (as root for the pool parts)
set -euo pipefail

BIN=${1:?usage: memory.sh path/to/ipclab}
TMP=$(mktemp -d)
LOCK=/run/lock/ipclab-hugepages.lock
NR=/proc/sys/vm/nr_hugepages
THP=/sys/kernel/mm/transparent_hugepage
PAGE=4096
HUGE=2097152

PIDS=()      # every ipclab process started here: object names carry them
RC=0
fails=0
tested=0     # checks that ran (not skipped)
LOCKFD=

# What the root part changed, restored on any exit.
RESTORE_NR=
RESTORE_THP=
RESTORE_THP_PMD=
cleanup() {
  if [[ -n $RESTORE_NR ]]; then echo "$RESTORE_NR" >"$NR" || true; fi
  if [[ -n $RESTORE_THP ]]; then echo "$RESTORE_THP" >"$THP/shmem_enabled" || true; fi
  if [[ -n $RESTORE_THP_PMD ]]; then
    echo "$RESTORE_THP_PMD" >"$THP/hugepages-2048kB/shmem_enabled" || true
  fi
  rm -rf "$TMP"
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
skip() { echo "SKIP: $*" >&2; }

# run NAME ARGS...: ipclab ARGS, stdout in $TMP/NAME.out, stderr in
# $TMP/NAME.err, exit status in RC.
run() {
  local name=$1
  shift
  "$BIN" "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" &
  local pid=$!
  PIDS+=("$pid")
  RC=0
  wait "$pid" || RC=$?
  tested=$((tested + 1))
}

# one NAME ARGS...: one short measured run of ipclab run, rows in $TMP/NAME.csv
# (loaded: see load), exit status in RC.
one() {
  local name=$1
  shift
  run "$name" run "$@" --reps 1 --warmup 0 --no-floor --quiet --format csv \
    -o "$TMP/$name.csv"
  if [[ -s $TMP/$name.csv ]]; then load "$TMP/$name.csv"; else ROWS=(); fi
}

show() { sed 's/^/    /' "$TMP/$1.err" >&2 || true; }

# --- CSV by column name (fields may be quoted: "0,1", reasons) ------------
# csv_split LINE: the fields in F.
csv_split() {
  local line=$1 f
  local re='^("([^"]|"")*"|[^,"]*)(,|$)'
  F=()
  while [[ $line =~ $re ]]; do
    f=${BASH_REMATCH[1]}
    if [[ $f == \"* ]]; then
      f=${f:1:${#f}-2}
      f=${f//\"\"/\"}
    fi
    F+=("$f")
    line=${line:${#BASH_REMATCH[0]}}
    [[ -n ${BASH_REMATCH[3]} ]] || return 0
  done
  echo "memory.sh: cannot parse CSV line: $1" >&2
  return 1
}

declare -A H
ROWS=()
# load FILE: header names into H (name -> index), data lines into ROWS.
load() {
  local line first=1 i
  H=()
  ROWS=()
  while IFS= read -r line; do
    if ((first)); then
      csv_split "$line"
      for i in "${!F[@]}"; do H[${F[i]}]=$i; done
      first=0
    elif [[ -n $line ]]; then
      ROWS+=("$line")
    fi
  done <"$1"
}

# val ROW NAME: the field NAME of data row ROW (0-based) of the last load.
val() {
  local i=${H[$2]:-}
  if [[ -z $i ]]; then
    echo "memory.sh: no column $2" >&2
    echo "<no column $2>"
    return 0
  fi
  csv_split "${ROWS[$1]}" || { echo "<bad row>"; return 0; }
  printf '%s\n' "${F[i]:-}"
}

# expect_row NAME FIELD=VALUE...: exactly one row, status ok, and each
# field as given.
expect_row() {
  local name=$1 kv k v got
  shift
  if [[ ${#ROWS[@]} -ne 1 ]]; then
    fail "$name: ${#ROWS[@]} rows, want 1 (exit $RC)"
    show "$name"
    return 0
  fi
  got=$(val 0 status)
  [[ $got == ok ]] || fail "$name: status '$got', reason '$(val 0 reason)'"
  for kv in "$@"; do
    k=${kv%%=*}
    v=${kv#*=}
    got=$(val 0 "$k")
    [[ $got == "$v" ]] || fail "$name: $k is '$got', want '$v'"
  done
}

isint() { [[ $1 =~ ^[0-9]+$ ]]; }

# --- what this binary and machine are ---------------------------------------
"$BIN" list >"$TMP/list.out" 2>&1 || { echo "memory.sh: $BIN list failed" >&2; exit 1; }
REGION_T=()
for t in pshm-sem pshm-pipe sysv-shm; do
  grep -Eq "^$t +.*region" "$TMP/list.out" && REGION_T+=("$t")
done
if [[ ${#REGION_T[@]} -eq 0 ]]; then
  echo "SKIP: no transport with a shared region in this build" >&2
  exit 77
fi

# AddressSanitizer's checks of memcpy on the region read its shadow (1/8 of
# the region), which faults in the timed region whatever --populate says.
ASAN=0
grep -qa __asan_init "$BIN" && ASAN=1

# The transports' regions here: about 8 MiB each (one 8 MiB buffer, or 8
# blocks of 1 MiB), moved twice so every page is used.
declare -A SIZE=(
  [pshm-sem]="-b 8M"
  [pshm-pipe]="-b 1M --blocks 8"
  [sysv-shm]="-b 8M"
)
declare -A MECH=([pshm-sem]=memfd [pshm-pipe]=memfd [sysv-shm]=sysv-shm)
REGION_BYTES=$((8 << 20))
PAGES=$((REGION_BYTES / PAGE))

# lock_pool sh|ex: take the pool lock (fd in LOCKFD); 1 if it cannot.
lock_pool() {
  command -v flock >/dev/null || return 1
  if [[ -z $LOCKFD ]]; then
    if [[ -e $LOCK ]]; then exec {LOCKFD}<"$LOCK"; else exec {LOCKFD}>>"$LOCK"; fi
  fi
  flock -w 300 "-${1:0:1}" "$LOCKFD"
}
unlock_pool() { [[ -z $LOCKFD ]] || flock -u "$LOCKFD"; }

meminfo() { awk -v k="$1:" '$1 == k { print $2 }' /proc/meminfo; }
# Pages a new region can still get (as region_hugetlb_pool counts them).
pool_available() {
  local free rsvd over surp avail
  free=$(meminfo HugePages_Free) rsvd=$(meminfo HugePages_Rsvd)
  surp=$(meminfo HugePages_Surp)
  over=$(cat /proc/sys/vm/nr_overcommit_hugepages 2>/dev/null || echo 0)
  avail=$((free > rsvd ? free - rsvd : 0))
  ((over > surp)) && avail=$((avail + over - surp))
  echo "$avail"
}
selected() { sed -n 's/.*\[\([^]]*\)\].*/\1/p' "$1"; }

# --- populate: faults of the region leave the timed region ----------------
# Shared lock: nobody may switch shmem THP to always under us (4 KiB pages
# are what these counts are about).
pool_locked=0
lock_pool sh && pool_locked=1
for t in "${REGION_T[@]}"; do
  # shellcheck disable=SC2086  # SIZE holds several options
  {
    one "pop-off-$t" -t "$t" ${SIZE[$t]} --total 16M --populate off
    expect_row "populate off, $t" transport="$t" populate=off page_size=$PAGE
    wf_off=$(val 0 writer_minflt)
    rf_off=$(val 0 reader_minflt)
    one "pop-on-$t" -t "$t" ${SIZE[$t]} --total 16M --populate on
    expect_row "populate on, $t" transport="$t" populate=on page_size=$PAGE
    wf_on=$(val 0 writer_minflt)
    rf_on=$(val 0 reader_minflt)
  }
  if ! isint "$wf_off" || ! isint "$rf_off" || ! isint "$wf_on" || ! isint "$rf_on"; then
    fail "$t: minflt not counts: off $wf_off/$rf_off, on $wf_on/$rf_on"
    continue
  fi
  # Off: the writer's copy into the region faults every page it first
  # writes (the reader may fault 16 pages at once on POSIX shm: fault-around).
  if ((wf_off < PAGES / 2)); then
    fail "$t --populate off: writer $wf_off minor faults for a region of $PAGES pages (want >= $((PAGES / 2)))"
  fi
  # On: the pages and page tables exist before the barrier.
  limit=$((PAGES / 20 + 16 + ASAN * PAGES / 8))
  if ((wf_on > limit || rf_on > limit)); then
    fail "$t --populate on: writer $wf_on, reader $rf_on minor faults (want <= $limit for $PAGES pages; off: $wf_off, $rf_off)"
  fi
  echo "populate $t: minflt writer/reader off $wf_off/$rf_off, on $wf_on/$rf_on ($PAGES pages, asan $ASAN)"
done
((pool_locked == 0)) || unlock_pool

# --- huge pages with none free: `on` refused, `try` falls back --------------
if [[ -z $(meminfo Hugepagesize) ]]; then
  skip "huge pages: this kernel has no hugetlb pages"
elif ! lock_pool sh; then
  skip "huge pages: cannot take $LOCK (no flock, or held for 300 s)"
else
  avail=$(pool_available)
  if ((avail >= 5)); then
    skip "huge pages refused: $avail pages are free here, so --hugepages on would succeed"
  else
    for t in "${REGION_T[@]}"; do
      # shellcheck disable=SC2086
      one "hp-on-$t" -t "$t" ${SIZE[$t]} --total 16M --hugepages on
      if [[ $RC -ne 2 ]]; then
        fail "$t --hugepages on with $avail pages free: exit $RC, want 2"
        show "hp-on-$t"
      fi
      # The numbers (an 8 MiB region and its header: 4 or 5 pages), the
      # count free, and the fix.
      re="needs [45] huge pages of 2 MiB for a [0-9]+ (bytes|KiB|MiB) region, $avail free .*scripts/hugepages.sh reserve [0-9]+"
      if ! grep -Eq -- "^ipclab: run: --hugepages on: $re" "$TMP/hp-on-$t.err"; then
        fail "$t --hugepages on: message does not name needed/free pages and the script"
        show "hp-on-$t"
      fi
      [[ ${#ROWS[@]} -eq 0 ]] || fail "$t --hugepages on refused, yet rows were written"

      # shellcheck disable=SC2086
      one "hp-try-$t" -t "$t" ${SIZE[$t]} --total 16M --hugepages try
      [[ $RC -eq 0 ]] || { fail "$t --hugepages try: exit $RC"; show "hp-try-$t"; }
      expect_row "$t --hugepages try" hugepages=try page_size=$PAGE
      reason=$(val 0 reason)
      # Why: the pool (needed, free), or SHM_HUGETLB's privilege when not root.
      [[ $reason =~ fell\ back\ to\ 4\ KiB:\ .*(huge\ pages?\ needed,\ [0-9]+\ free|SHM_HUGETLB\ needs) ]] ||
        fail "$t --hugepages try: reason '$reason' does not say it fell back and why"
    done
  fi
  # THP on shared memory refused while shmem_enabled forbids it.
  mode=$(selected "$THP/shmem_enabled" 2>/dev/null || true)
  pmd=$(selected "$THP/hugepages-2048kB/shmem_enabled" 2>/dev/null || true)
  if [[ $mode == never && ( -z $pmd || $pmd == inherit || $pmd == never ) ]]; then
    one hp-thp-never -t "${REGION_T[0]}" -b 1M --total 2M --hugepages thp
    [[ $RC -eq 2 ]] || fail "--hugepages thp with shmem_enabled never: exit $RC, want 2"
    grep -q 'shmem_enabled is never.*scripts/hugepages.sh thp advise' "$TMP/hp-thp-never.err" ||
      { fail "--hugepages thp refused without naming shmem_enabled and the fix"; show hp-thp-never; }
  else
    skip "thp refused: shmem_enabled is '$mode' (per-size '$pmd') here, not never"
  fi
  unlock_pool
fi

# --- huge pages obtained (root: this test reserves them, then restores) ------
if [[ $EUID -ne 0 ]]; then
  skip "huge pages obtained (on, thp): needs root to reserve pages and set shmem_enabled"
elif [[ -z $(meminfo Hugepagesize) ]]; then
  skip "huge pages obtained: no hugetlb pages in this kernel"
elif ! lock_pool ex; then
  skip "huge pages obtained: cannot take $LOCK exclusively within 300 s"
else
  old=$(cat "$NR")
  RESTORE_NR=$old
  need=6 # one region of 8 MiB + header at a time: 5 pages, one spare
  avail=$(pool_available)
  ((avail >= need)) || echo $((old + need - avail)) >"$NR"
  avail=$(pool_available)
  if ((avail < need)); then
    skip "huge pages obtained: asked the kernel for $need free pages, it has $avail (memory fragmented)"
  else
    for t in "${REGION_T[@]}"; do
      for p in off on; do
        # shellcheck disable=SC2086
        one "hp-$p-$t" -t "$t" ${SIZE[$t]} --total 16M --hugepages on \
          --populate "$p" --verify on
        [[ $RC -eq 0 ]] || { fail "$t --hugepages on --populate $p (pool $avail free): exit $RC"; show "hp-$p-$t"; }
        expect_row "$t --hugepages on --populate $p" hugepages=on \
          page_size=$HUGE region_mechanism="${MECH[$t]}" verified=1 \
          total_bytes=$((16 << 20))
      done
    done
  fi
  echo "$old" >"$NR"
  RESTORE_NR=

  # Transparent huge pages: shmem_enabled advise (and the 2 MiB knob
  # inherit), then the page size read back after the data was moved.
  if [[ ! -w $THP/shmem_enabled ]]; then
    skip "thp obtained: $THP/shmem_enabled absent"
  else
    RESTORE_THP=$(selected "$THP/shmem_enabled")
    echo advise >"$THP/shmem_enabled"
    if [[ -w $THP/hugepages-2048kB/shmem_enabled ]]; then
      pmd=$(selected "$THP/hugepages-2048kB/shmem_enabled")
      if [[ $pmd != inherit ]]; then
        RESTORE_THP_PMD=$pmd
        echo inherit >"$THP/hugepages-2048kB/shmem_enabled"
      fi
    fi
    for t in "${REGION_T[@]}"; do
      # shellcheck disable=SC2086
      one "thp-$t" -t "$t" ${SIZE[$t]} --total 16M --hugepages thp --verify on
      [[ $RC -eq 0 ]] || { fail "$t --hugepages thp: exit $RC"; show "thp-$t"; }
      expect_row "$t --hugepages thp (populate off)" hugepages=thp \
        page_size=$HUGE region_mechanism="${MECH[$t]}" verified=1
    done
    echo "$RESTORE_THP" >"$THP/shmem_enabled"
    RESTORE_THP=
    if [[ -n $RESTORE_THP_PMD ]]; then
      echo "$RESTORE_THP_PMD" >"$THP/hugepages-2048kB/shmem_enabled"
      RESTORE_THP_PMD=
    fi
  fi
  unlock_pool
fi

# --- pinning ----------------------------------------------------------------
# The CPUs this test may run on (Cpus_allowed_list: "0-3,6").
CPUS=()
IFS=, read -r -a ranges <<<"$(awk '/^Cpus_allowed_list:/ { print $2 }' /proc/self/status)"
for r in "${ranges[@]}"; do
  if [[ $r == *-* ]]; then
    for ((c = ${r%-*}; c <= ${r#*-}; c++)); do CPUS+=("$c"); done
  elif [[ -n $r ]]; then
    CPUS+=("$r")
  fi
done
PT="${REGION_T[0]}"

one pin-same -t "$PT" -b 64K --total 1M --pin same
expect_row "--pin same" pin=same
w=$(val 0 writer_cpu) r=$(val 0 reader_cpu)
[[ $w =~ ^[0-9]+$ && $w == "$r" ]] || fail "--pin same: writer on '$w', reader on '$r'"

if [[ ${#CPUS[@]} -lt 2 ]]; then
  skip "--pin split and W,R: one CPU allowed here (${CPUS[*]})"
else
  one pin-split -t "$PT" -b 64K --total 1M --pin split
  expect_row "--pin split" pin=split
  w=$(val 0 writer_cpu) r=$(val 0 reader_cpu)
  [[ $w =~ ^[0-9]+$ && $r =~ ^[0-9]+$ && $w != "$r" ]] ||
    fail "--pin split: writer on '$w', reader on '$r'"

  a=${CPUS[0]} b=${CPUS[1]}
  for pair in "$a,$b" "$b,$a"; do
    # Recorded as W:R, so that the CSV cell needs no quotes.
    one "pin-$pair" -t "$PT" -b 64K --total 1M --pin "$pair"
    expect_row "--pin $pair" pin="${pair/,/:}" writer_cpu="${pair%,*}" \
      reader_cpu="${pair#*,}"
  done
fi

bad=$((${CPUS[${#CPUS[@]} - 1]} + 1))
one pin-bad -t "$PT" -b 64K --total 1M --pin "${CPUS[0]},$bad"
[[ $RC -eq 2 ]] || fail "--pin ${CPUS[0]},$bad: exit $RC, want 2"
grep -Eq -- "^ipclab: run: --pin ${CPUS[0]},$bad: CPU $bad is not available" "$TMP/pin-bad.err" ||
  { fail "--pin ${CPUS[0]},$bad: no message naming the CPU"; show pin-bad; }
for p in 0,-1 x,1 0,1,2; do
  one "pin-bad-$p" -t "$PT" -b 64K --total 1M --pin "$p"
  [[ $RC -eq 2 ]] || fail "--pin $p: exit $RC, want 2"
  grep -q -- "^ipclab: run: --pin $p: " "$TMP/pin-bad-$p.err" ||
    { fail "--pin $p: no message naming the option"; show "pin-bad-$p"; }
done

# --- no region: options recorded as not applicable --------------------------
for opt in "--populate on" "--hugepages on" "--hugepages thp"; do
  # shellcheck disable=SC2086
  one "na-${opt##* }-${opt%% *}" -t pipe -b 4K --total 256K $opt
  name="na-${opt##* }-${opt%% *}"
  [[ $RC -eq 0 ]] || { fail "pipe $opt: exit $RC, want 0"; show "$name"; }
  expect_row "pipe $opt" transport=pipe populate=n/a hugepages=n/a page_size= \
    region_mechanism=
  grep -q 'pipe has no shared region.*n/a' "$TMP/$name.err" ||
    fail "pipe $opt: no note on stderr that the option does not apply"
done

# --- a sweep does not repeat a transport without a region -------------------
run sweep sweep -t pshm-pipe,pipe -b 4K --populate both --hugepages off,try \
  --total 256K --reps 1 --warmup 0 --no-floor --quiet -o "$TMP/sweep"
if [[ $RC -ne 0 || ! -s $TMP/sweep/runs.csv ]]; then
  fail "sweep --populate both --hugepages off,try: exit $RC, no runs.csv"
  show sweep
else
  load "$TMP/sweep/runs.csv"
  npipe=0 nshm=0 combos=
  for i in "${!ROWS[@]}"; do
    t=$(val "$i" transport)
    [[ $(val "$i" status) == ok ]] || fail "sweep row $i ($t): status $(val "$i" status)"
    case $t in
    pipe)
      npipe=$((npipe + 1))
      [[ $(val "$i" populate) == n/a && $(val "$i" hugepages) == n/a ]] ||
        fail "sweep: pipe row records populate '$(val "$i" populate)', hugepages '$(val "$i" hugepages)', want n/a"
      ;;
    pshm-pipe)
      nshm=$((nshm + 1))
      combos+="$(val "$i" populate)/$(val "$i" hugepages) "
      ;;
    esac
  done
  [[ $npipe -eq 1 ]] || fail "sweep: $npipe pipe rows, want 1 (the region options do not apply to it)"
  [[ $nshm -eq 4 ]] || fail "sweep: $nshm pshm-pipe rows, want 4 (off,on x off,try)"
  for c in off/off on/off off/try on/try; do
    [[ " $combos" == *" $c "* ]] || fail "sweep: no pshm-pipe row for populate/hugepages $c (have: $combos)"
  done
  if [[ -s $TMP/sweep/summary.csv ]]; then
    load "$TMP/sweep/summary.csv"
    n=0
    for i in "${!ROWS[@]}"; do [[ $(val "$i" transport) == pipe ]] && n=$((n + 1)); done
    [[ $n -eq 1 ]] || fail "sweep summary: $n pipe rows, want 1"
  else
    fail "sweep: no summary.csv"
  fi
fi

# --- nothing of ours left behind --------------------------------------------
for pid in "${PIDS[@]}"; do
  leaked=$(compgen -G "/dev/shm/ipclab-$pid-*" || true)
  leaked+=$(awk -v p="$pid" 'FNR > 1 { k = $1 + 0; if (k < 0) k += 4294967296;
             if (int(k / 67108864) == 45 && int(k / 16) % 4194304 == p) print FILENAME ": " $0 }' \
             /proc/sysvipc/shm /proc/sysvipc/sem /proc/sysvipc/msg)
  leaked+=$(compgen -G "/dev/hugepages/ipclab-$pid-*" || true)
  [[ -z $leaked ]] || fail "objects of ipclab pid $pid left behind: $leaked"
done

if ((tested == 0)); then
  echo "SKIP: nothing could be tested" >&2
  exit 77
fi
if ((fails)); then
  echo "memory.sh: $fails failure(s)" >&2
  exit 1
fi
echo "memory.sh: ok ($tested ipclab runs)"
