#!/usr/bin/env bash
# Concurrency: two sweeps started at the same moment by the same user both
# complete with only `ok` (or `skipped`) rows and leave nothing behind; as
# root, a sweep of root and one of `nobody` at the same moment both complete
# too.  While runs are alive, every kernel object they hold (POSIX shm and
# queues, FIFOs, System V sets and queues) has mode 0600.  Names carry the
# creating pid, so no two processes can collide; the System V keys carry it
# too, with a retry on EEXIST.
#
#   bash tests/cli/concurrent.sh build/ipclab
set -uo pipefail
bin=$(readlink -f "$1")
. "$(dirname "$0")/lib.sh" concurrent

# check_sweep NAME DIR STATUS: exit 0, runs.csv with only ok/skipped rows
# and at least one ok row, summary.csv and meta.json present.
check_sweep() {
  local name=$1 dir=$2 status=$3 bad nok
  if [ "$status" != 0 ]; then
    fail "$name: exit $status"; cat "$dir.err"; return
  fi
  bad=$(python3 - "$dir/runs.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
bad = [r for r in rows if r["status"] not in ("ok", "skipped")]
for r in bad:
    print(r["transport"], r["buf_size"], r["status"], r["reason"])
if not any(r["status"] == "ok" for r in rows):
    print("no ok row")
PY
)
  nok=$(grep -c ',ok,' "$dir/runs.csv")
  if [ -n "$bad" ]; then
    fail "$name: rows that are not ok: $bad"
  elif [ ! -s "$dir/summary.csv" ] || [ ! -s "$dir/meta.json" ]; then
    fail "$name: summary.csv or meta.json missing"
  else
    pass
    echo "ok: $name: $nok ok rows"
  fi
}

sweep_args=(-t all -b 1K,16K --total 2M --reps 2 --warmup 1 --min-time 0.001
            --no-floor --quiet)

# ---- the same user, twice at once ----
"$bin" sweep "${sweep_args[@]}" -o "$work/a" 2>"$work/a.err" &
pa=$!
"$bin" sweep "${sweep_args[@]}" -o "$work/b" 2>"$work/b.err" &
pb=$!
pids+=("$pa" "$pb")
wait_exit "$pa" 100; sa=$st
wait_exit "$pb" 100; sb=$st
check_sweep "sweep A (same user)" "$work/a" "$sa"
check_sweep "sweep B (same user)" "$work/b" "$sb"
for p in "$pa" "$pb"; do
  left=$(leftovers "$p")
  if [ -n "$left" ]; then fail "sweep $p left behind: $left"; else pass; fi
done

# ---- modes of live objects: every transport, one long run each ----
# mode_of PID: "mode path" of every ipclab object PID holds open.
modes_of() {
  local p=$1 f target
  for f in /proc/"$p"/fd/*; do
    target=$(readlink "$f" 2>/dev/null) || continue
    case $target in
      /dev/shm/ipclab-*|/tmp/ipclab-*|*/ipclab-*)
        echo "$(stat -L -c %a "$f" 2>/dev/null) $target" ;;
    esac
  done
}
for t in $("$bin" list | awk 'NR > 1 { print $1 }'); do
  "$bin" run -t "$t" -b 4K --total 100G --reps 1 --warmup 0 --min-time 0.001 \
    --no-floor --quiet --format csv -o /dev/null 2>"$work/mode-$t.err" &
  p=$!
  pids+=("$p")
  if ! wait_children "$p"; then
    fail "mode check $t: no children"; cat "$work/mode-$t.err"
    kill -KILL "$p"; wait "$p"; continue
  fi
  sleep 0.2
  found="" wrong=""
  for q in "$p" $(pgrep -P "$p"); do
    while read -r mode path; do
      [ -z "$mode" ] && continue
      found+="$path "
      [ "$mode" = 600 ] || wrong+="$path has mode $mode; "
    done < <(modes_of "$q")
  done
  # System V: the perms column of /proc/sysvipc, keys carrying our pid.
  while read -r file key perms; do
    found+="$file:$key "
    [ "$perms" = 600 ] || wrong+="$file key $key has mode $perms; "
  done < <(awk -v p="$p" 'FNR > 1 { k = $1 + 0; if (k < 0) k += 4294967296;
       if (int(k / 67108864) == 45 && int(k / 16) % 4194304 == p % 4194304)
         print FILENAME, $1, $3 }' /proc/sysvipc/shm /proc/sysvipc/sem /proc/sysvipc/msg)
  kill -TERM "$p"
  wait_exit "$p" 10
  left=$(leftovers "$p")
  if [ -n "$wrong" ]; then
    fail "mode check $t: $wrong"
  elif [ "$st" != 143 ]; then
    fail "mode check $t: exit $st after SIGTERM, want 143"; cat "$work/mode-$t.err"
  elif [ -n "$left" ]; then
    fail "mode check $t: left behind: $left"
  else
    pass
    echo "ok: $t: objects seen while running, all 0600: ${found:-none named (anonymous or unlinked before use)}"
  fi
done

# ---- two users at once: root and nobody ----
if [ "$(id -u)" -ne 0 ]; then
  echo "skip: two users at once needs root (to run one sweep as nobody)"
elif ! setpriv --reuid=nobody --regid=nogroup --clear-groups "$bin" version >/dev/null 2>&1; then
  echo "skip: nobody cannot run $bin (its directory is not readable by others)"
else
  mkdir "$work/u" && chown nobody:nogroup "$work/u" && chmod 0700 "$work/u"
  chmod 0711 "$work"
  "$bin" sweep "${sweep_args[@]}" -o "$work/root" 2>"$work/root.err" &
  pr=$!
  (cd "$work/u" && exec setpriv --reuid=nobody --regid=nogroup --clear-groups \
     "$bin" sweep "${sweep_args[@]}" -o "$work/u/nobody") 2>"$work/u/nobody.err" &
  pn=$!
  pids+=("$pr" "$pn")
  wait_exit "$pr" 100; sr=$st
  wait_exit "$pn" 100; sn=$st
  check_sweep "sweep as root" "$work/root" "$sr"
  check_sweep "sweep as nobody" "$work/u/nobody" "$sn"
  for p in "$pr" "$pn"; do
    left=$(leftovers "$p")
    if [ -n "$left" ]; then fail "sweep $p left behind: $left"; else pass; fi
  done
fi

finish
