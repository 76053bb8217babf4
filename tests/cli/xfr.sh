#!/usr/bin/env bash
# xfr.sh - the two-program mode, `ipclab xfr writer|reader`: for every
# transport `ipclab list` marks "named", a random file goes from a writer to
# a reader started separately, in both orders, at BUF_SIZE 10 and 10000, and
# arrives intact (cmp); both print what they moved; nothing is left behind
# (/dev/shm, /tmp, POSIX queues, System V).  Then the errors: `pipe` by name
# (exit 2, suggests fifo), a BUF_SIZE above a transport's limit (exit 2, the
# limit named), a reader with no writer (times out, says so), a foreign
# object in the way (a clear error, left alone), a killed run (the next
# writer replaces its leftovers), a killed peer (the survivor says so and
# cleans up), ^C (the writer removes its objects), one writer per name.
# The placement and memory options (--pin, --cpu, --populate, --hugepages,
# --pipe-size, --sock-buf): refused where they do not apply, else honoured
# with the data intact and each side's summary (handoffs, time and switches
# per handoff, the CPUs it ran on, one sentence).
#
# Sizes: BUF_SIZE 10000 moves 10 MB + 3 bytes.  BUF_SIZE 10 moves a smaller
# file, 300 KB + 7 bytes (30,001 handoffs): 10 MB at 10 bytes is a million
# handoffs, 20-60 us each here under the sanitizers (two context switches
# per block on 2 CPUs), i.e. 20-60 s per run and 15-30 min for the whole
# matrix.  The file sizes are not multiples of BUF_SIZE, so the last block
# is always a short one.
#
# Names: every NAME starts with xfrt<pid of this script>-, so the leak checks
# look at this test's objects only (others may run at the same time).
#   bash tests/cli/xfr.sh build/ipclab
set -euo pipefail

BIN=${1:?usage: xfr.sh path/to/ipclab}
TMP=$(mktemp -d)
TAG=xfrt$$
BIG_SIZE=10000003
SMALL_SIZE=300007
WPIDS=()   # writers started: System V keys carry the creator's pid
fails=0
START=$SECONDS

fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
note() { echo "-- $*"; }

# ---- leak checks: this test's names and writers only ---------------------

# The POSIX queues of this IPC namespace: /dev/mqueue is not mounted here,
# so mount one in a private mount namespace (root), else probe by name.
MQ_HOW=none
if [[ $EUID -eq 0 ]] && command -v unshare >/dev/null &&
   unshare -m true 2>/dev/null; then
  MQ_HOW=unshare
elif command -v python3 >/dev/null; then
  MQ_HOW=probe
fi

mq_names() { # NAME...: those of "/ipclab-NAME" that exist as queues
  case $MQ_HOW in
    unshare)
      local d
      d=$(mktemp -d)
      unshare -m sh -c "mount -t mqueue none '$d' && ls -1 '$d'" |
        while read -r q; do
          for n in "$@"; do [[ $q == "ipclab-$n" ]] && echo "mqueue /$q"; done
        done || true
      rmdir "$d" ;;
    probe)
      python3 - "$@" <<'EOF' || true
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
for n in sys.argv[1:]:
    q = libc.mq_open(("/ipclab-" + n).encode(), os.O_RDONLY)
    if q >= 0:
        libc.mq_close(q)
        print("mqueue /ipclab-" + n)
EOF
      ;;
  esac
}

sysv_of() { # PID...: System V objects whose ipclab key carries one of them
  local f key id rest k p
  for f in shm sem msg; do
    [[ -r /proc/sysvipc/$f ]] || continue
    while read -r key id rest; do
      [[ $key =~ ^-?[0-9]+$ ]] || continue
      k=$((key & 0xffffffff))
      (((k >> 26) == 0x2d)) || continue
      for p in "$@"; do
        if (((k >> 4 & 0x3fffff) == p)); then
          echo "sysv $f key $(printf 0x%08x "$k") id $id"
        fi
      done
    done <"/proc/sysvipc/$f"
  done
  return 0
}

# leftovers NAME [WRITER_PID]: print what of this run is still there.
leftovers() {
  local n=$1
  [[ ! -e /dev/shm/ipclab-$n ]] || echo "/dev/shm/ipclab-$n"
  [[ ! -e /tmp/ipclab-$n ]] || echo "/tmp/ipclab-$n"
  mq_names "$n"
  [[ -z ${2:-} ]] || sysv_of "$2"
  return 0
}

# Wait (up to 20 s) until the writer NAME PID has made its objects: a fixed
# sleep is too short for a sanitized writer on a loaded machine.
await_objects() { # NAME WRITER_PID
  local i
  for ((i = 0; i < 200; i++)); do
    [[ -z $(leftovers "$1" "$2") ]] || { sleep 0.2; return 0; }
    sleep 0.1
  done
}

expect_clean() { # NAME WRITER_PID WHAT
  local left
  left=$(leftovers "$1" "$2")
  [[ -z $left ]] || fail "$3: left behind: $(echo "$left" | tr '\n' ' ')"
}

cleanup() {
  local p
  for p in $(jobs -p); do kill -9 "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$TMP"
  # Whatever a failed case left: only this test's names and writers.
  rm -rf /dev/shm/ipclab-"$TAG"-* /tmp/ipclab-"$TAG"-* 2>/dev/null || true
  if [[ $MQ_HOW == unshare ]]; then
    local d
    d=$(mktemp -d)
    unshare -m sh -c "mount -t mqueue none '$d' && rm -f '$d'/ipclab-$TAG-*" || true
    rmdir "$d"
  fi
  local line
  while read -r line; do
    [[ -n $line ]] || continue
    set -- $line
    case $2 in
      shm) ipcrm -m "$6" 2>/dev/null || true ;;
      sem) ipcrm -s "$6" 2>/dev/null || true ;;
      msg) ipcrm -q "$6" 2>/dev/null || true ;;
    esac
  done < <(sysv_of "${WPIDS[@]+"${WPIDS[@]}"}")
}
trap cleanup EXIT

# ---- running the two programs ---------------------------------------------

WRC=0 RRC=0
# pair T BUF ORDER INFILE NAME: one round trip, the second program started
# 0.3 s after the first (ORDER writer-first or reader-first) or at once
# (together: the race for the rendezvous); stdout in $TMP/NAME.out, stderr
# in .werr / .rerr.
pair() {
  local t=$1 b=$2 order=$3 in=$4 n=$5 w r dog
  local wcmd=("$BIN" xfr writer -t "$t" -b "$b" --name "$n" --timeout 60)
  local rcmd=("$BIN" xfr reader -t "$t" --name "$n" --timeout 60)
  if [[ $order == together ]]; then
    "${wcmd[@]}" <"$in" 2>"$TMP/$n.werr" & w=$!
    "${rcmd[@]}" >"$TMP/$n.out" 2>"$TMP/$n.rerr" & r=$!
  elif [[ $order == writer-first ]]; then
    "${wcmd[@]}" <"$in" 2>"$TMP/$n.werr" & w=$!
    sleep 0.3
    "${rcmd[@]}" >"$TMP/$n.out" 2>"$TMP/$n.rerr" & r=$!
  else
    "${rcmd[@]}" >"$TMP/$n.out" 2>"$TMP/$n.rerr" & r=$!
    sleep 0.3
    "${wcmd[@]}" <"$in" 2>"$TMP/$n.werr" & w=$!
  fi
  WPIDS+=("$w")
  # A hang is a failure, not a stuck test.
  (sleep 120; kill -9 "$w" "$r" 2>/dev/null) & dog=$!
  WRC=0 RRC=0
  wait "$w" || WRC=$?
  wait "$r" || RRC=$?
  kill "$dog" 2>/dev/null || true
  wait "$dog" 2>/dev/null || true
  LAST_WRITER=$w
}

show() { sed 's/^/    /' "$TMP/$1.werr" "$TMP/$1.rerr" >&2 2>/dev/null || true; }

# roundtrip T BUF FILE SIZE ORDER
roundtrip() {
  local t=$1 b=$2 in=$3 size=$4 order=$5
  local n=$TAG-$t-$b-${order%%-*}
  local blocks=$(((size + b - 1) / b))
  pair "$t" "$b" "$order" "$in" "$n"
  local what="$t BUF_SIZE $b, $order"
  if [[ $WRC -ne 0 || $RRC -ne 0 ]]; then
    fail "$what: writer exited $WRC, reader $RRC"
    show "$n"
  elif ! cmp -s "$in" "$TMP/$n.out"; then
    fail "$what: output differs from input ($(stat -c %s "$TMP/$n.out") of $size bytes)"
  else
    grep -q "sent $size bytes in $blocks blocks" "$TMP/$n.werr" ||
      { fail "$what: writer did not say 'sent $size bytes in $blocks blocks'"; show "$n"; }
    grep -q "received $size bytes in $blocks blocks" "$TMP/$n.rerr" ||
      { fail "$what: reader did not say 'received $size bytes in $blocks blocks'"; show "$n"; }
  fi
  expect_clean "$n" "$LAST_WRITER" "$what"
  rm -f "$TMP/$n.out"
}

# ---- the transports that work by name ------------------------------------

# `ipclab list`: NAME (16) CAPABILITIES (28) MAX BUF_SIZE (14) SUMMARY
NAMED=()
declare -A MAX=()
while IFS= read -r line; do
  t=${line:0:16} caps=${line:17:28} max=${line:46:14}
  t=${t// /} max=${max// /}
  [[ " $caps " == *" named "* ]] || continue
  NAMED+=("$t")
  MAX[$t]=$max
done < <("$BIN" list | tail -n +2)
for want in pshm-sem pshm-pipe sysv-shm fifo unix-stream unix-seqpacket posix-mq sysv-msg; do
  [[ " ${NAMED[*]} " == *" $want "* ]] || fail "ipclab list does not mark $want as named"
done
[[ " ${NAMED[*]} " != *" pipe "* ]] || fail "ipclab list marks the anonymous pipe as named"
note "named transports: ${NAMED[*]}"
if ! "$BIN" xfr --help >/dev/null 2>&1; then
  echo "FAIL: $BIN has no xfr command (bench/cmd/commands.def must list" \
       "\`ipclab xfr\` with xfr_main)" >&2
  exit 1
fi

head -c "$BIG_SIZE" /dev/urandom >"$TMP/big"
head -c "$SMALL_SIZE" /dev/urandom >"$TMP/small"

for t in "${NAMED[@]}"; do
  for b in 10 10000; do
    in=$TMP/big size=$BIG_SIZE
    [[ $b -ne 10 ]] || { in=$TMP/small size=$SMALL_SIZE; }
    max=${MAX[$t]}
    if [[ $max =~ ^[0-9]+$ ]] && ((b > max)); then
      # The limit is an error that names it, before anything is made.
      n=$TAG-$t-toobig rc=0
      "$BIN" xfr writer -t "$t" -b "$b" --name "$n" </dev/null 2>"$TMP/toobig.err" || rc=$?
      [[ $rc -eq 2 ]] || fail "$t -b $b (above its limit $max): exit $rc, want 2"
      grep -q "above the largest block $t can carry here, $max bytes: .*sysctl [a-z.]*[a-z]" "$TMP/toobig.err" ||
        { fail "$t -b $b: the message does not name the limit and its fix"; sed 's/^/    /' "$TMP/toobig.err" >&2; }
      expect_clean "$n" "" "$t -b $b (refused)"
      note "$t: BUF_SIZE $b is above its limit here ($max): refused with exit 2; round trip at $max"
      b=$max
    fi
    orders=(writer-first reader-first)
    [[ $b -eq 10 ]] || orders+=(together)
    for order in "${orders[@]}"; do
      roundtrip "$t" "$b" "$in" "$size" "$order"
    done
  done
done
note "round trips done after $((SECONDS - START)) s"

# An empty input: the stream ends at once, nothing arrives, nothing stays.
for t in pshm-sem fifo posix-mq; do
  n=$TAG-$t-empty
  : >"$TMP/empty"
  pair "$t" 7 writer-first "$TMP/empty" "$n"
  [[ $WRC -eq 0 && $RRC -eq 0 && ! -s $TMP/$n.out ]] ||
    { fail "$t, empty input: exit $WRC/$RRC, $(stat -c %s "$TMP/$n.out") bytes out"; show "$n"; }
  grep -q "sent 0 bytes in 0 blocks" "$TMP/$n.werr" || fail "$t, empty input: writer's count"
  expect_clean "$n" "$LAST_WRITER" "$t, empty input"
done

# ---- usage errors: exit 2, a message, nothing made ------------------------

usage_case() { # WHAT REGEX ARGS...
  local what=$1 re=$2 rc=0
  shift 2
  "$BIN" xfr "$@" </dev/null >/dev/null 2>"$TMP/usage.err" || rc=$?
  [[ $rc -eq 2 ]] || fail "$what: exit $rc, want 2"
  grep -Eq -- "$re" "$TMP/usage.err" ||
    { fail "$what: message does not match /$re/"; sed 's/^/    /' "$TMP/usage.err" >&2; }
}
usage_case "pipe by name" "anonymous pipe.*-t fifo" writer -t pipe -b 10 --name "$TAG-pipe"
usage_case "pipe by name (reader)" "anonymous pipe.*-t fifo" reader -t pipe --name "$TAG-pipe"
expect_clean "$TAG-pipe" "" "pipe by name"
usage_case "unknown transport" "unknown transport" writer -t no-such -b 10
usage_case "writer without -b" "-b BUF_SIZE is required" writer -t pshm-sem
usage_case "reader with -b" "reader learns BUF_SIZE" reader -t pshm-sem -b 10
usage_case "bad name" "--name" writer -t fifo -b 10 --name "../etc"
usage_case "no role" "writer.*reader" -t fifo
usage_case "bad timeout" "--timeout" reader -t fifo --timeout -3

# Placement and memory options: refused where they do not apply, with the
# option named; nothing is made.
usage_case "bad --pin" "--pin sideways: expected same, split or two CPU" writer -t pshm-sem -b 10 --pin sideways
usage_case "half a --pin" "--pin 0,: expected" reader -t pshm-sem --pin 0,
usage_case "--pin and --cpu" "give one of them" writer -t pshm-sem -b 10 --pin same --cpu 0
usage_case "--cpu not a number" "--cpu x" reader -t pshm-sem --cpu x
usage_case "--pin CPU not allowed" "--pin 0,1000: CPU 1000 is not available" writer -t pshm-sem -b 10 --pin 0,1000 --name "$TAG-cpu"
usage_case "--populate bad value" "--populate yes: expected on or off" writer -t pshm-sem -b 10 --populate yes
usage_case "--populate without region" "--populate: -t fifo has no shared region" writer -t fifo -b 10 --populate on
usage_case "--hugepages on the reader" "reader: no --hugepages" reader -t pshm-sem --hugepages try
usage_case "--hugepages without region" "--hugepages: -t unix-stream has no shared region" writer -t unix-stream -b 10 --hugepages try
usage_case "--pipe-size on a socket" "--pipe-size: -t unix-stream has no pipe.*use --sock-buf" writer -t unix-stream -b 10 --pipe-size 128K
usage_case "--sock-buf on a pipe" "--sock-buf: -t fifo has no socket buffer.*use --pipe-size" writer -t fifo -b 10 --sock-buf 128K
usage_case "--sock-buf on the reader" "reader: no --sock-buf" reader -t unix-stream --sock-buf 128K
usage_case "--pipe-size 0" "--pipe-size 0: must be from 1 byte" writer -t fifo -b 10 --pipe-size 0
usage_case "--pipe-size above the limit" "--pipe-size .*fs.pipe-max-size" writer -t fifo -b 10 --pipe-size 1G --name "$TAG-pmax"
expect_clean "$TAG-cpu" "" "--pin refused"
expect_clean "$TAG-pmax" "" "--pipe-size refused"

# Accepted: each side pins itself, the data is byte-exact, and each prints
# its handoffs, time and switches per handoff, CPUs and one sentence.
mapfile -t ALLOWED < <(taskset -pc $$ 2>/dev/null | sed 's/.*: //' | tr ',' '\n' |
  while IFS=- read -r lo hi; do seq "$lo" "${hi:-$lo}"; done)
summary_ok() { # WHAT FILE ROLE BLOCKS CPU|'' (CPU: pinned there)
  local what=$1 f=$2 role=$3 blocks=$4 cpu=$5
  local re="ipclab: xfr $role: $blocks handoffs, [0-9.]+ [nmu]?s per handoff; context switches per handoff: [0-9]+\.[0-9]{2} voluntary \+ [0-9]+\.[0-9]{2} involuntary; ran on CPUs? [0-9,]+"
  [[ -z $cpu ]] || re="ipclab: xfr $role: .* ran on CPU $cpu \(pinned\)"
  grep -Eq "$re" "$f" ||
    { fail "$what: the $role's summary line is missing or wrong (want /$re/)"; sed 's/^/    /' "$f" >&2; }
  grep -Eq "ipclab: xfr $role: (about one voluntary|almost no voluntary|a voluntary switch on|one context switch per handoff in all).*\.$" "$f" ||
    { fail "$what: the $role's explanation is missing"; sed 's/^/    /' "$f" >&2; }
}
# xfr_opts WHAT T BUF CPU_W CPU_R OPTS_BOTH -- WRITER_ONLY_OPTS
xfr_opts() {
  local what=$1 t=$2 b=$3 cw=$4 cr=$5 both=$6 wonly=${7:-} n=$TAG-opt$RANDOM w r rc=0
  local blocks=$(((SMALL_SIZE + b - 1) / b))
  "$BIN" xfr writer -t "$t" -b "$b" --name "$n" --timeout 60 $both $wonly <"$TMP/small" 2>"$TMP/$n.werr" & w=$!
  WPIDS+=("$w")
  "$BIN" xfr reader -t "$t" --name "$n" --timeout 60 $both >"$TMP/$n.out" 2>"$TMP/$n.rerr" || rc=$?
  wait "$w" || rc=$((rc + 100))
  if ((rc)); then
    fail "$what: exit status $rc"; show "$n"
  elif ! cmp -s "$TMP/small" "$TMP/$n.out"; then
    fail "$what: output differs from input"
  else
    summary_ok "$what" "$TMP/$n.werr" writer "$blocks" "$cw"
    summary_ok "$what" "$TMP/$n.rerr" reader "$blocks" "$cr"
  fi
  expect_clean "$n" "$w" "$what"
}
C0=${ALLOWED[0]:-0}
xfr_opts "pshm-sem --pin same" pshm-sem 100 "$C0" "$C0" "--pin same"
xfr_opts "pshm-sem --cpu (both on one CPU)" pshm-sem 1000 "$C0" "$C0" "--cpu $C0"
xfr_opts "pshm-sem unpinned" pshm-sem 1000 "" "" ""
if ((${#ALLOWED[@]} >= 2)); then
  C1=${ALLOWED[1]}
  xfr_opts "pshm-sem --pin split" pshm-sem 1000 "$C0" "$C1" "--pin split"
  xfr_opts "fifo --pin $C1,$C0" fifo 1000 "$C1" "$C0" "--pin $C1,$C0" "--pipe-size 128K"
else
  note "one CPU allowed: --pin split and W,R across two CPUs not tried"
fi
xfr_opts "pshm-pipe --populate on" pshm-pipe 1000 "" "" "--populate on" "--hugepages try"
xfr_opts "unix-stream --sock-buf" unix-stream 1000 "" "" "" "--sock-buf 64K"

# ---- a reader with no writer times out, and says why ---------------------

n=$TAG-nobody rc=0 t0=$SECONDS
"$BIN" xfr reader -t pshm-sem --name "$n" --timeout 1 >/dev/null 2>"$TMP/nobody.err" || rc=$?
[[ $rc -eq 1 ]] || fail "reader with no writer: exit $rc, want 1"
grep -q "no writer for '$n' within 1 s" "$TMP/nobody.err" ||
  { fail "reader with no writer: unclear message"; sed 's/^/    /' "$TMP/nobody.err" >&2; }
((SECONDS - t0 <= 10)) || fail "reader with no writer: --timeout 1 took $((SECONDS - t0)) s"
expect_clean "$n" "" "reader timeout"

# ...and a writer with no reader.
n=$TAG-noreader rc=0
"$BIN" xfr writer -t fifo -b 10 --name "$n" --timeout 1 <"$TMP/small" 2>"$TMP/noreader.err" & w=$!
WPIDS+=("$w")
wait "$w" || rc=$?
[[ $rc -eq 1 ]] && grep -q "no reader came for '$n' within 1 s" "$TMP/noreader.err" ||
  { fail "writer with no reader: exit $rc or unclear message"; sed 's/^/    /' "$TMP/noreader.err" >&2; }
expect_clean "$n" "$w" "writer timeout"

# ---- foreign or stale things in the way ----------------------------------

# Garbage under the shm name: a clear error, and the garbage stays (it is
# not ipclab's to delete).
n=$TAG-junk rc=0
printf 'not an ipclab object\n' >"/dev/shm/ipclab-$n"
"$BIN" xfr writer -t pshm-sem -b 10 --name "$n" --timeout 1 <"$TMP/small" 2>"$TMP/junk.err" & w=$!
WPIDS+=("$w")
wait "$w" || rc=$?
[[ $rc -eq 1 ]] || fail "garbage /dev/shm/ipclab-$n: writer exit $rc, want 1"
grep -q "EEXIST.*exists and no ipclab record lists it" "$TMP/junk.err" ||
  { fail "garbage shm object: unclear message"; sed 's/^/    /' "$TMP/junk.err" >&2; }
[[ $(cat "/dev/shm/ipclab-$n" 2>/dev/null) == 'not an ipclab object' ]] ||
  fail "garbage shm object: it was changed or removed"
rm -f "/dev/shm/ipclab-$n"
expect_clean "$n" "$w" "garbage shm object"

# The rendezvous directory open to others, or not a directory at all.
n=$TAG-open
mkdir -m 755 "/tmp/ipclab-$n"
usage_rc=0
"$BIN" xfr writer -t fifo -b 10 --name "$n" </dev/null 2>"$TMP/open.err" || usage_rc=$?
[[ $usage_rc -eq 1 ]] && grep -q "open to other users" "$TMP/open.err" ||
  { fail "directory mode 755: exit $usage_rc or unclear message"; sed 's/^/    /' "$TMP/open.err" >&2; }
rmdir "/tmp/ipclab-$n"
n=$TAG-notdir
: >"/tmp/ipclab-$n"
usage_rc=0
"$BIN" xfr reader -t fifo --name "$n" --timeout 1 2>"$TMP/notdir.err" >/dev/null || usage_rc=$?
[[ $usage_rc -eq 1 ]] && grep -q "is not a directory" "$TMP/notdir.err" ||
  { fail "a file in place of the directory: exit $usage_rc or unclear message"; sed 's/^/    /' "$TMP/notdir.err" >&2; }
rm -f "/tmp/ipclab-$n"
if [[ $EUID -eq 0 ]] && id nobody >/dev/null 2>&1; then
  n=$TAG-foreign
  mkdir -m 700 "/tmp/ipclab-$n"
  chown nobody "/tmp/ipclab-$n"
  usage_rc=0
  "$BIN" xfr writer -t fifo -b 10 --name "$n" </dev/null 2>"$TMP/foreign.err" || usage_rc=$?
  [[ $usage_rc -eq 1 ]] && grep -q "belongs to uid" "$TMP/foreign.err" ||
    { fail "another user's directory: exit $usage_rc or unclear message"; sed 's/^/    /' "$TMP/foreign.err" >&2; }
  rmdir "/tmp/ipclab-$n"
fi

# A run killed outright (SIGKILL, no clean-up) leaves its objects; the next
# writer of the name replaces them, and the round trip works.
for t in "${NAMED[@]}"; do
  n=$TAG-$t-stale
  "$BIN" xfr writer -t "$t" -b 10 --name "$n" --timeout 30 <"$TMP/small" 2>/dev/null & w=$!
  WPIDS+=("$w")
  await_objects "$n" "$w"
  kill -9 "$w"
  wait "$w" 2>/dev/null || true
  [[ -n $(leftovers "$n" "$w") ]] || fail "$t: a killed writer left nothing (the case tests nothing)"
  pair "$t" 1000 writer-first "$TMP/small" "$n"
  [[ $WRC -eq 0 && $RRC -eq 0 ]] && cmp -s "$TMP/small" "$TMP/$n.out" ||
    { fail "$t: after a killed run of the same name: exit $WRC/$RRC or data differs"; show "$n"; }
  expect_clean "$n" "$w" "$t, leftovers of the killed run"
  expect_clean "$n" "$LAST_WRITER" "$t, after a killed run"
done

# A peer killed mid-stream: the survivor says so, exits 1, and nothing is
# left (the reader removes an orphaned writer's objects).  sysv-msg too: its
# blocking calls end every IPC_RDV_CHECK_MS to check the peer.
head -c 50000000 /dev/zero >"$TMP/long"
for t in "${NAMED[@]}"; do
  for victim in writer reader; do
    n=$TAG-$t-kill$victim rc=0
    "$BIN" xfr writer -t "$t" -b 10 --name "$n" --timeout 30 <"$TMP/long" 2>"$TMP/$n.werr" & w=$!
    WPIDS+=("$w")
    "$BIN" xfr reader -t "$t" --name "$n" --timeout 30 >/dev/null 2>"$TMP/$n.rerr" & r=$!
    sleep 1
    if [[ $victim == writer ]]; then v=$w s=$r; else v=$r s=$w; fi
    kill -9 "$v"
    wait "$v" 2>/dev/null || true # (bash reports the kill here, to /dev/null)
    (sleep 30; kill -9 "$s" 2>/dev/null) & dog=$!
    wait "$s" || rc=$?
    kill "$dog" 2>/dev/null || true
    wait 2>/dev/null || true
    other=reader
    [[ $victim == writer ]] || other=writer
    [[ $rc -eq 1 ]] || fail "$t: $victim killed: the $other exited $rc, want 1"
    grep -Eq "is gone|cut short|EPIPE|ECONNRESET" "$TMP/$n.${other:0:1}err" ||
      { fail "$t: $victim killed: the $other does not say so"; sed 's/^/    /' "$TMP/$n.${other:0:1}err" >&2; }
    expect_clean "$n" "$w" "$t, $victim killed"
  done
done

# ^C on a writer waiting for its reader: its objects go with it.
for t in pshm-sem sysv-shm posix-mq; do
  n=$TAG-$t-int
  "$BIN" xfr writer -t "$t" -b 10 --name "$n" --timeout 30 <"$TMP/small" 2>/dev/null & w=$!
  WPIDS+=("$w")
  await_objects "$n" "$w"
  [[ -n $(leftovers "$n" "$w") ]] || fail "$t: the waiting writer made nothing?"
  kill -INT "$w"
  rc=0
  wait "$w" || rc=$?
  [[ $rc -eq 130 ]] || fail "$t: writer after SIGINT exited $rc, want 130 (killed by SIGINT)"
  expect_clean "$n" "$w" "$t, SIGINT"
done

# One writer per name; the reader must name the writer's transport.
n=$TAG-busy
"$BIN" xfr writer -t pshm-sem -b 10 --name "$n" --timeout 30 <"$TMP/small" 2>/dev/null & w=$!
WPIDS+=("$w")
await_objects "$n" "$w"
rc=0
"$BIN" xfr writer -t fifo -b 10 --name "$n" </dev/null 2>"$TMP/busy.err" || rc=$?
[[ $rc -eq 1 ]] && grep -q "in use: writer pid $w is running" "$TMP/busy.err" ||
  { fail "second writer: exit $rc or unclear message"; sed 's/^/    /' "$TMP/busy.err" >&2; }
rc=0
"$BIN" xfr reader -t fifo --name "$n" --timeout 2 >/dev/null 2>"$TMP/wrongt.err" || rc=$?
[[ $rc -eq 1 ]] && grep -q "uses pshm-sem, not fifo: run the reader with -t pshm-sem" "$TMP/wrongt.err" ||
  { fail "reader with another transport: exit $rc or unclear message"; sed 's/^/    /' "$TMP/wrongt.err" >&2; }
"$BIN" xfr reader -t pshm-sem --name "$n" >"$TMP/busy.out" 2>/dev/null ||
  fail "the first writer's reader failed"
wait "$w" || fail "the first writer failed, after the refused ones"
cmp -s "$TMP/small" "$TMP/busy.out" || fail "the first writer's transfer, after the refused ones"
expect_clean "$n" "$w" "one writer per name"

# Nothing of this test anywhere, whatever the case.
left=$({ ls -d /dev/shm/ipclab-"$TAG"-* /tmp/ipclab-"$TAG"-* 2>/dev/null || true
         sysv_of "${WPIDS[@]}"; })
if [[ $MQ_HOW == unshare ]]; then
  d=$(mktemp -d)
  left+=$(unshare -m sh -c "mount -t mqueue none '$d' && ls -1 '$d'" | grep "^ipclab-$TAG-" || true)
  rmdir "$d"
fi
[[ -z $left ]] || fail "left behind at the end: $(echo "$left" | tr '\n' ' ')"
note "all cases done after $((SECONDS - START)) s"
if ((fails)); then
  echo "xfr.sh: $fails failure(s)" >&2
  exit 1
fi
echo "xfr.sh: all passed"
