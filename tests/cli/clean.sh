#!/usr/bin/env bash
# clean.sh - `ipclab clean` removes exactly what dead ipclab processes left
# behind: the objects of a dead creator go; those of a
# live creator, those a live process still uses, those without ipclab's
# prefix or key mark, and those of another user stay.
#
# A small C helper (compiled here) makes the objects the way ipclab names
# them, with its own pid in the names and keys, then exits without removing
# them - or stays alive.  The test runs in private IPC and mount namespaces
# (unshare; a user namespace when not root) with fresh tmpfs on /dev/shm and
# /tmp, so that it sees - and cleans - nothing of the other tests running
# beside it, and whatever happens nothing outlives it.  Where namespaces are
# not available it runs on the real machine and looks only at its own pids.
#   bash tests/cli/clean.sh build/ipclab
set -euo pipefail

BIN=${1:?usage: clean.sh path/to/ipclab}
BIN=$(realpath "$BIN")
SRC=${IPCLAB_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
[[ -x $BIN ]] || { echo "clean.sh: $BIN is not executable" >&2; exit 1; }
command -v cc >/dev/null || { echo "clean.sh: needs cc for its helper: skipped"; exit 77; }
if ! "$BIN" clean --help >/dev/null 2>&1; then
  echo "FAIL: '$BIN clean --help' fails: is the clean command a row of bench/cmd/commands.def?" >&2
  exit 1
fi

# ---- isolation: re-run inside private namespaces --------------------------
if [[ -z ${CLEAN_TEST_INNER:-} ]]; then
  if [[ $EUID -eq 0 ]]; then
    ns=(unshare --ipc --mount --propagation private)
  else
    ns=(unshare --user --map-root-user --ipc --mount --propagation private)
  fi
  if command -v unshare >/dev/null && "${ns[@]}" true 2>/dev/null; then
    CLEAN_TEST_INNER=ns CLEAN_TEST_REAL_ROOT=$((EUID == 0)) \
      exec "${ns[@]}" -- bash "$0" "$BIN"
  fi
  echo "clean.sh: no private namespaces here: testing on the real machine"
  CLEAN_TEST_INNER=host
  CLEAN_TEST_REAL_ROOT=$((EUID == 0))
fi
ISOLATED=0
[[ $CLEAN_TEST_INNER == ns ]] && ISOLATED=1
ROOT=$CLEAN_TEST_REAL_ROOT # really root: another user can be made
command -v setpriv >/dev/null || ROOT=0

HUGE=""
if ((ISOLATED)); then
  # The fresh /tmp would hide a binary that lives in the old one.
  exec 8<"$BIN"
  # Fresh, empty file systems: only this test's objects are in them.
  mount -t tmpfs -o mode=1777,size=16m clean-test-shm /dev/shm
  mount -t tmpfs -o mode=1777,size=64m clean-test-tmp /tmp
  if ((ROOT)) && mkdir -p /tmp/huge &&
     mount -t hugetlbfs -o mode=0755 clean-test-huge /tmp/huge 2>/dev/null; then
    HUGE=/tmp/huge
  fi
fi

TMP="" HELPER=""
HPIDS=()     # every helper pid whose objects may exist
LIVE=()      # helpers still running
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

cleanup() {
  local p
  if ((ISOLATED)); then mount -o remount,bind,rw /tmp 2>/dev/null || true; fi
  for p in "${LIVE[@]+"${LIVE[@]}"}"; do kill -KILL "$p" 2>/dev/null || true; done
  for p in "${LIVE[@]+"${LIVE[@]}"}"; do wait "$p" 2>/dev/null || true; done
  if [[ -x $HELPER ]]; then
    for p in "${HPIDS[@]+"${HPIDS[@]}"}"; do
      "$HELPER" purge "$p" "$HUGE" 2>/dev/null || true
      rm -rf /tmp/ipclab-"$p"-* /tmp/notours-"$p"-* 2>/dev/null || true
    done
  fi
  [[ -z $TMP ]] || rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
TMP=$(mktemp -d /tmp/clean-test.XXXXXX)
chmod 755 "$TMP"
HELPER=$TMP/mkobj
if ((ISOLATED)) && [[ $BIN == /tmp/* ]]; then
  cat <&8 >"$TMP/ipclab" && chmod 755 "$TMP/ipclab" && BIN=$TMP/ipclab
fi
if ((ISOLATED)); then exec 8<&-; fi

# ---- the helper -----------------------------------------------------------
cat >"$TMP/mkobj.c" <<'EOF'
/* mkobj - make IPC objects named the way ipclab names them, for clean.sh.
 *   mkobj leave [HUGEDIR]   the full set of ipclab objects, then exit (or
 *                           stay with STAY=1 until WATCH's process is gone)
 *   mkobj foreign           objects without the prefix or the key mark, and
 *                           ipclab-named things clean must not take
 *   mkobj inuse             ipclab objects a child keeps using after the
 *                           creator exits (the child stays while WATCH lives)
 *   mkobj mqexists NAME     exit 0 when the POSIX queue exists, 1 if not
 *   mkobj purge PID [HUGEDIR]  remove every object mkobj PID made */
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#ifdef WITH_UTIL
#include "util.h" /* ipclab's own naming: the test follows it */
#endif

static int me;

static void die(const char *what)
{
	fprintf(stderr, "mkobj: %s: %s\n", what, strerror(errno));
	exit(3);
}

static key_t key(int pid, unsigned n, int marked)
{
	unsigned k = (((unsigned)pid & 0x3fffffu) << 4) | n;
	return (key_t)(marked ? k | 0x2du << 26 : k);
}

static void pname(char *b, size_t l, const char *pfx, int pid, unsigned n)
{
	snprintf(b, l, "/%s%d-%u", pfx, pid, n);
}

/* The n-th POSIX name and System V key this process makes, as ipclab makes
 * them when built against ipc/util.c - which must match what the test
 * expects. */
static void ours_name(char *b, size_t l, unsigned n)
{
	pname(b, l, "ipclab-", me, n);
#ifdef WITH_UTIL
	static unsigned next;
	char u[96];
	do
		ipc_unique_name(u, sizeof(u));
	while (next++ < n);
	/* ipclab adds "-<random>" after the counter (unguessable names);
	 * clean goes by the "ipclab-<pid>-" before it. */
	size_t bl = strlen(b);
	if (strncmp(u, b, bl) != 0 || u[bl] != '-') {
		fprintf(stderr, "mkobj: ipc_unique_name gives %s, the test "
				"expects %s-<random>: update clean.sh\n", u, b);
		exit(3);
	}
#endif
}

static key_t ours_key(unsigned n)
{
	key_t k = key(me, n, 1);
#ifdef WITH_UTIL
	key_t u = ipc_sysv_key(0);
	if (u != k) {
		fprintf(stderr, "mkobj: ipc_sysv_key gives 0x%08x, the test "
				"expects 0x%08x: update clean.sh\n", (unsigned)u, (unsigned)k);
		exit(3);
	}
#endif
	return k;
}

static int make_shm(const char *name)
{
	int fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
	if (fd < 0 || ftruncate(fd, 4096) < 0)
		die(name);
	return fd;
}

static void make_mq(const char *name, int send)
{
	struct mq_attr a = {.mq_maxmsg = 4, .mq_msgsize = 64};
	mqd_t q = mq_open(name, O_WRONLY | O_CREAT | O_EXCL, 0600, &a);
	if (q == (mqd_t)-1)
		die(name);
	if (send && mq_send(q, "hello", 5, 0) < 0)
		die("mq_send");
	mq_close(q);
}

static char *make_dir(const char *pfx, char *buf, size_t len)
{
	snprintf(buf, len, "/tmp/%s%d-XXXXXX", pfx, me);
	if (!mkdtemp(buf))
		die("mkdtemp");
	return buf;
}

static void make_fifo(const char *dir)
{
	char p[256];
	snprintf(p, sizeof(p), "%s/fifo", dir);
	if (mkfifo(p, 0600) < 0)
		die(p);
}

/* A bound socket whose process is gone leaves its file behind. */
static void make_socket_file(const char *dir)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	snprintf(a.sun_path, sizeof(a.sun_path), "%s/sock", dir);
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) < 0)
		die("bind");
	close(s);
}

static int sysv(int kind, key_t k)
{
	int id = kind == 0 ? shmget(k, 4096, IPC_CREAT | IPC_EXCL | 0600)
	       : kind == 1 ? semget(k, 2, IPC_CREAT | IPC_EXCL | 0600)
			   : msgget(k, IPC_CREAT | IPC_EXCL | 0600);
	if (id < 0)
		die("sysv get");
	return id;
}

static void stay(void)
{
	const char *w = getenv("WATCH");
	int watch = w ? atoi(w) : 0;
	printf("ready\n");
	fflush(stdout);
	/* No file stays open for writing: the test remounts /tmp read-only. */
	if (!freopen("/dev/null", "w", stdout))
		die("freopen");
	while (watch > 0 && (kill(watch, 0) == 0 || errno != ESRCH))
		usleep(100000);
}

static int leave(const char *huge)
{
	char n[64], dir[64];
	close(make_shm((ours_name(n, sizeof(n), 0), n)));
	ours_name(n, sizeof(n), 1);
	sem_t *s = sem_open(n, O_CREAT | O_EXCL, 0600, 1);
	if (s == SEM_FAILED)
		die(n);
	sem_close(s);
	make_mq((ours_name(n, sizeof(n), 2), n), 1);
	sysv(0, ours_key(0));
	sysv(1, ours_key(1));
	int q = sysv(2, ours_key(2));
	struct { long type; char text[16]; } m = {1, "sixteen bytes.."};
	if (msgsnd(q, &m, sizeof(m.text), 0) < 0)
		die("msgsnd");
	make_dir("ipclab-", dir, sizeof(dir));
	make_fifo(dir);
	make_socket_file(dir);
	printf("dir %s\n", dir);
	if (huge && *huge) {
		char p[256];
		snprintf(p, sizeof(p), "%s/ipclab-%d-3", huge, me);
		int fd = open(p, O_RDWR | O_CREAT | O_EXCL, 0600);
		if (fd < 0)
			die(p);
		close(fd);
	}
	if (getenv("STAY"))
		stay();
	return 0;
}

static int foreign(void)
{
	char n[64], dir[64], other[64], p[128];
	close(make_shm((pname(n, sizeof(n), "notours-", me, 0), n)));
	close(make_shm((pname(n, sizeof(n), "ipclabx-", me, 0), n)));
	close(make_shm((pname(n, sizeof(n), "ipclab_", me, 0), n)));
	make_mq((pname(n, sizeof(n), "notours-", me, 2), n), 0);
	sysv(0, key(me, 0, 0));
	sysv(1, key(me, 1, 0));
	sysv(2, key(me, 2, 0));
	/* A directory that is not ipclab's, and a link to it that looks like
	 * one of ipclab's: clean must not follow the link. */
	make_dir("notours-", other, sizeof(other));
	make_fifo(other);
	snprintf(p, sizeof(p), "/tmp/ipclab-%d-link00", me);
	if (symlink(other, p) < 0)
		die(p);
	/* An ipclab-named directory holding a file ipclab never makes. */
	make_dir("ipclab-", dir, sizeof(dir));
	snprintf(p, sizeof(p), "%s/data", dir);
	int fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (fd < 0)
		die(p);
	close(fd);
	printf("dir %s\nother %s\n", dir, other);
	return 0;
}

/* The creator exits; its child goes on using every object. */
static int inuse(void)
{
	char shm[64], mq[64], dir[64], fifo[128];
	int fd = make_shm((ours_name(shm, sizeof(shm), 0), shm));
	make_mq((ours_name(mq, sizeof(mq), 2), mq), 0);
	int shmid = sysv(0, ours_key(0));
	int semid = sysv(1, ours_key(1));
	int msqid = sysv(2, ours_key(2));
	make_dir("ipclab-", dir, sizeof(dir));
	make_fifo(dir);
	snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
	int sync[2];
	if (pipe(sync) < 0)
		die("pipe");
	pid_t child = fork();
	if (child < 0)
		die("fork");
	if (child == 0) {
		close(sync[0]);
		if (mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) ==
		    MAP_FAILED)
			die("mmap");
		close(fd); /* held by the mapping only */
		if (mq_open(mq, O_RDONLY) == (mqd_t)-1)
			die("mq_open");
		if (shmat(shmid, NULL, 0) == (void *)-1)
			die("shmat");
		struct sembuf op = {0, 1, 0};
		if (semop(semid, &op, 1) < 0)
			die("semop");
		struct { long type; char text[4]; } m = {1, "abc"};
		if (msgsnd(msqid, &m, sizeof(m.text), 0) < 0)
			die("msgsnd");
		if (open(fifo, O_RDWR) < 0)
			die(fifo);
		printf("child %d\ndir %s\n", (int)getpid(), dir);
		fflush(stdout);
		close(sync[1]); /* ready */
		stay();
		_exit(0);
	}
	close(sync[1]);
	char c;
	if (read(sync[0], &c, 1) < 0) /* 0 at the child's close */
		die("read");
	return 0;
}

static void purge(int pid, const char *huge)
{
	char n[64];
	const char *pfx[] = {"ipclab-", "notours-", "ipclabx-", "ipclab_"};
	for (unsigned i = 0; i < 4; i++) {
		for (unsigned k = 0; k < 3; k++) {
			pname(n, sizeof(n), pfx[i], pid, k);
			shm_unlink(n);
			sem_unlink(n);
			mq_unlink(n);
		}
	}
	for (int marked = 0; marked < 2; marked++) {
		int id;
		if ((id = shmget(key(pid, 0, marked), 0, 0)) >= 0)
			shmctl(id, IPC_RMID, NULL);
		if ((id = semget(key(pid, 1, marked), 0, 0)) >= 0)
			semctl(id, 0, IPC_RMID);
		if ((id = msgget(key(pid, 2, marked), 0)) >= 0)
			msgctl(id, IPC_RMID, NULL);
	}
	if (huge && *huge) {
		char p[256];
		snprintf(p, sizeof(p), "%s/ipclab-%d-3", huge, pid);
		unlink(p);
	}
}

int main(int argc, char **argv)
{
	me = (int)getpid();
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 2 && strcmp(argv[1], "leave") == 0)
		return leave(argc > 2 ? argv[2] : NULL);
	if (argc >= 2 && strcmp(argv[1], "foreign") == 0)
		return foreign();
	if (argc >= 2 && strcmp(argv[1], "inuse") == 0)
		return inuse();
	if (argc >= 3 && strcmp(argv[1], "mqexists") == 0) {
		mqd_t q = mq_open(argv[2], O_RDONLY);
		if (q == (mqd_t)-1)
			return errno == ENOENT ? 1 : 3;
		mq_close(q);
		return 0;
	}
	if (argc >= 3 && strcmp(argv[1], "purge") == 0) {
		purge(atoi(argv[2]), argc > 3 ? argv[3] : NULL);
		return 0;
	}
	fprintf(stderr, "mkobj: bad usage\n");
	return 2;
}
EOF
# Built with ipclab's own naming functions when they compile on their own.
if ! cc -std=c11 -D_GNU_SOURCE -Wall -Werror -DWITH_UTIL -I"$SRC/ipc" -o "$HELPER" \
     "$TMP/mkobj.c" "$SRC/ipc/util.c" -lrt -lpthread 2>"$TMP/cc.err"; then
  echo "clean.sh: note: helper not built against ipc/util.c: $(head -n 3 "$TMP/cc.err")"
  cc -std=c11 -D_GNU_SOURCE -Wall -Werror -o "$HELPER" "$TMP/mkobj.c" -lrt -lpthread
fi

# ---- looking at what exists -----------------------------------------------
# Can the ipclab side see POSIX queues?  Root (real or in the user namespace)
# mounts an mqueue privately; anyone else needs one mounted.
MQ_VISIBLE=0
if [[ $EUID -eq 0 ]] || grep -q ' mqueue ' /proc/self/mounts; then MQ_VISIBLE=1; fi

sysv_key() { # pid n marked -> key as /proc/sysvipc prints it (signed)
  local k=$((($1 & 0x3fffff) << 4 | $2))
  (($3)) && k=$((k | 0x2d << 26))
  ((k < 2 ** 31)) || k=$((k - 2 ** 32))
  echo "$k"
}
sysv_has() { # file pid n marked
  awk -v k="$(sysv_key "$2" "$3" "$4")" 'NR > 1 && $1 == k { f = 1 } END { exit !f }' \
    "/proc/sysvipc/$1"
}
key_hex() { printf 'key=0x%08x' $(((0x2d << 26) | ($1 & 0x3fffff) << 4 | $2)); }

# objects PID: the ipclab objects of helper PID that exist, in a fixed order.
objects() {
  local p=$1 out=()
  [[ -e /dev/shm/ipclab-$p-0 ]] && out+=(posix-shm)
  [[ -e /dev/shm/sem.ipclab-$p-1 ]] && out+=(posix-sem)
  "$HELPER" mqexists "/ipclab-$p-2" && out+=(posix-mq)
  [[ -n $HUGE && -e $HUGE/ipclab-$p-3 ]] && out+=(hugetlbfs)
  compgen -G "/tmp/ipclab-$p-[A-Za-z0-9]*" >/dev/null && out+=(tmp-dir)
  sysv_has shm "$p" 0 1 && out+=(sysv-shm)
  sysv_has sem "$p" 1 1 && out+=(sysv-sem)
  sysv_has msg "$p" 2 1 && out+=(sysv-msg)
  echo "${out[*]-}"
}
# foreign PID: the foreign objects of helper PID that exist.
foreign_objects() {
  local p=$1 out=() n
  for n in notours ipclabx ipclab_; do
    if [[ $n == ipclab_ ]]; then [[ -e /dev/shm/ipclab_$p-0 ]] && out+=("shm-$n")
    else [[ -e /dev/shm/$n-$p-0 ]] && out+=("shm-$n"); fi
  done
  "$HELPER" mqexists "/notours-$p-2" && out+=(mq)
  sysv_has shm "$p" 0 0 && out+=(sysv-shm)
  sysv_has sem "$p" 1 0 && out+=(sysv-sem)
  sysv_has msg "$p" 2 0 && out+=(sysv-msg)
  [[ -L /tmp/ipclab-$p-link00 ]] && out+=(link)
  compgen -G "/tmp/notours-$p-*/fifo" >/dev/null && out+=(other-dir)
  compgen -G "/tmp/ipclab-$p-*/data" >/dev/null && out+=(data-dir)
  echo "${out[*]-}"
}

ALL_KINDS="posix-shm posix-sem"
((MQ_VISIBLE)) && ALL_KINDS+=" posix-mq"
[[ -n $HUGE ]] && ALL_KINDS+=" hugetlbfs"
ALL_KINDS+=" tmp-dir sysv-shm sysv-sem sysv-msg"
FULL_SET="posix-shm posix-sem posix-mq"
[[ -n $HUGE ]] && FULL_SET+=" hugetlbfs"
FULL_SET+=" tmp-dir sysv-shm sysv-sem sysv-msg"
INUSE_SET="posix-shm posix-mq tmp-dir sysv-shm sysv-sem sysv-msg"
FOREIGN_SET="shm-notours shm-ipclabx shm-ipclab_ mq sysv-shm sysv-sem sysv-msg link other-dir data-dir"
EXPECT_N=$(wc -w <<<"$ALL_KINDS")

# helper KIND [ENV...]: run it to the end; sets HP (its pid) and HOUT.
helper() {
  local kind=$1
  shift
  env "$@" "$HELPER" "$kind" "$HUGE" >"$TMP/h.out" &
  HP=$!
  HPIDS+=("$HP")
  wait "$HP" || { fail "helper $kind exited $?"; cat "$TMP/h.out" >&2; }
  HOUT=$(cat "$TMP/h.out")
}

# helper_live: a creator that stays; sets HP.
helper_live() {
  local log=$TMP/live.$RANDOM
  STAY=1 WATCH=$$ "$HELPER" leave "$HUGE" >"$log" &
  HP=$!
  HPIDS+=("$HP")
  LIVE+=("$HP")
  for _ in $(seq 100); do grep -q ready "$log" && return 0; sleep 0.05; done
  fail "live helper never became ready"
}

# run CMD...: stdout in OUT, stderr in ERR, status in RC.
run() {
  RC=0
  "$@" >"$TMP/run.out" 2>"$TMP/run.err" || RC=$?
  OUT=$(cat "$TMP/run.out")
  ERR=$(cat "$TMP/run.err")
}
show() { { echo "  --- stdout"; sed 's/^/    /' <<<"$OUT"; echo "  --- stderr"; sed 's/^/    /' <<<"$ERR"; } >&2; }

# listed PID KIND...: every KIND of PID is a row of the leftover table.
listed() {
  local p=$1 k pat
  shift
  for k in "$@"; do
    case $k in
      posix-shm) pat="^posix-shm +/ipclab-$p-0 " ;;
      posix-sem) pat="^posix-sem +/ipclab-$p-1 " ;;
      posix-mq) pat="^posix-mq +/ipclab-$p-2 " ;;
      hugetlbfs) pat="^hugetlbfs +$HUGE/ipclab-$p-3 " ;;
      tmp-dir) pat="^tmp-dir +/tmp/ipclab-$p-[A-Za-z0-9]+ " ;;
      sysv-shm) pat="^sysv-shm +$(key_hex "$p" 0) " ;;
      sysv-sem) pat="^sysv-sem +$(key_hex "$p" 1) " ;;
      sysv-msg) pat="^sysv-msg +$(key_hex "$p" 2) " ;;
    esac
    grep -Eq "$pat" <<<"$OUT" || { fail "$LABEL: $k of $p not listed"; return 1; }
  done
}
# not_listed PID...: no leftover row names these pids.
not_listed() {
  local p k
  for p in "$@"; do
    for k in 0 1 2; do
      ! grep -Eq "^[a-z-]+ +($(key_hex "$p" "$k")|/ipclab-$p-|/tmp/ipclab-$p-|$HUGE/ipclab-$p-)" <<<"$OUT" ||
        { fail "$LABEL: an object of $p is listed as a leftover"; return 1; }
    done
  done
}

# ---- the scenario -----------------------------------------------------------
scenario() {
  LABEL=$1
  shift
  local CLEAN=("$@")
  echo "== $LABEL"

  helper_live
  local L=$HP
  helper leave
  local D=$HP
  helper foreign
  local F=$HP
  helper inuse WATCH=$$
  local I=$HP C
  C=$(sed -n 's/^child //p' <<<"$HOUT")
  LIVE+=("$C")
  local N=""
  if ((ROOT)); then
    env -C /tmp setpriv --reuid=65534 --regid=65534 --clear-groups "$HELPER" leave >"$TMP/n.out" &
    N=$!
    HPIDS+=("$N")
    wait "$N" || fail "helper leave as nobody exited $?"
  fi
  local before_L before_I before_F
  before_L=$(objects "$L") before_I=$(objects "$I") before_F=$(foreign_objects "$F")
  [[ $(objects "$D") == "$FULL_SET" ]] || fail "$LABEL: setup: dead set is '$(objects "$D")'"
  [[ $before_L == "$FULL_SET" ]] || fail "$LABEL: setup: live set is '$before_L'"
  [[ $before_I == "$INUSE_SET" ]] || fail "$LABEL: setup: in-use set is '$before_I'"
  [[ $before_F == "$FOREIGN_SET" ]] || fail "$LABEL: setup: foreign set is '$before_F'"

  # --dry-run: the dead one's objects listed, nothing removed.
  run "${CLEAN[@]}" --dry-run
  [[ $RC -eq 0 ]] || { fail "$LABEL --dry-run exited $RC"; show; }
  listed "$D" $ALL_KINDS || show
  not_listed "$L" "$I" "$F" ${N:+"$N"} || show
  if ((ISOLATED)); then
    grep -q "^$EXPECT_N leftover(s) found; nothing removed (--dry-run)$" <<<"$OUT" ||
      { fail "$LABEL --dry-run: want a count of $EXPECT_N"; show; }
  fi
  [[ $(objects "$D") == "$FULL_SET" ]] || fail "$LABEL --dry-run removed something: '$(objects "$D")' left"
  grep -Eq "^posix-shm +/ipclab-$D-0 +[a-z0-9_-]+ +$D +4096 B$" <<<"$OUT" ||
    { fail "$LABEL: the posix-shm row lacks owner, creator or size"; show; }

  # -v says why each kept object stays.
  run "${CLEAN[@]}" --dry-run -v
  [[ $RC -eq 0 ]] || fail "$LABEL --dry-run -v exited $RC"
  grep -Eq "^  posix-shm +/ipclab-$L-0 .*\(creator $L is running\)" <<<"$OUT" ||
    { fail "$LABEL -v: live creator not given as the reason"; show; }
  grep -Eq "^  posix-shm +/ipclab-$I-0 .*\(mapped by running process $C\)" <<<"$OUT" ||
    { fail "$LABEL -v: mapping not given as the reason"; show; }
  grep -Eq "^  posix-mq +/ipclab-$I-2 .*\(open in running process $C\)" <<<"$OUT" ||
    { ((!MQ_VISIBLE)) || { fail "$LABEL -v: open queue not given as the reason"; show; }; }
  grep -Eq "^  sysv-shm +$(key_hex "$I" 0) .*\(attached by 1 process" <<<"$OUT" ||
    { fail "$LABEL -v: attachment not given as the reason"; show; }
  grep -Eq "^  sysv-sem +$(key_hex "$I" 1) .*\(process $C, the last to operate on it" <<<"$OUT" ||
    { fail "$LABEL -v: semaphore user not given as the reason"; show; }
  grep -Eq "^  sysv-msg +$(key_hex "$I" 2) .*\(process $C, the last to send" <<<"$OUT" ||
    { fail "$LABEL -v: queue sender not given as the reason"; show; }
  grep -Eq "^  tmp-dir +/tmp/ipclab-$I-.*\(open in running process $C\)" <<<"$OUT" ||
    { fail "$LABEL -v: open FIFO not given as the reason"; show; }
  grep -Eq "^  tmp-dir +/tmp/ipclab-$F-.*\(holds data, which is neither" <<<"$OUT" ||
    { fail "$LABEL -v: foreign file in the directory not given as the reason"; show; }
  # What is not ipclab's is not even mentioned among the kept objects.
  ! grep -Eq "notours|ipclabx|ipclab_|link00|$(key_hex "$F" 0 | sed 's/0xb4/0x00/')" <<<"$OUT" ||
    { fail "$LABEL -v: lists objects that are not ipclab's"; show; }

  # The real thing: exactly the dead one's objects go.
  run "${CLEAN[@]}"
  [[ $RC -eq 0 ]] || { fail "$LABEL exited $RC"; show; }
  listed "$D" $ALL_KINDS || show
  if ((ISOLATED)); then
    grep -q "^removed $EXPECT_N of $EXPECT_N leftover(s)$" <<<"$OUT" ||
      { fail "$LABEL: want 'removed $EXPECT_N of $EXPECT_N'"; show; }
  fi
  local left
  left=$(objects "$D")
  ((MQ_VISIBLE)) || left=${left/posix-mq/}
  [[ -z ${left// /} ]] || fail "$LABEL: left behind of the dead creator: $left"
  [[ $(objects "$L") == "$before_L" ]] || fail "$LABEL removed objects of a live creator: '$(objects "$L")' left"
  [[ $(objects "$I") == "$before_I" ]] || fail "$LABEL removed objects still in use: '$(objects "$I")' left"
  [[ $(foreign_objects "$F") == "$before_F" ]] || fail "$LABEL removed foreign objects: '$(foreign_objects "$F")' left"
  if [[ -n $N ]]; then
    [[ $(objects "$N") == "${FULL_SET/hugetlbfs /}" ]] || fail "$LABEL removed another user's objects: '$(objects "$N")' left"
  fi
  ((MQ_VISIBLE)) || "$HELPER" purge "$D"

  run "${CLEAN[@]}"
  if ((ISOLATED)); then
    [[ $RC -eq 0 && $OUT == "no leftovers found" ]] || { fail "$LABEL, second time: exit $RC, want 'no leftovers found'"; show; }
  fi

  # Another user's leftovers: only for root, and only when asked.
  if [[ -n $N ]]; then
    run env -C /tmp setpriv --reuid=65534 --regid=65534 --clear-groups "${CLEAN[@]}" --all-users
    [[ $RC -eq 2 && $ERR == *"only root"* ]] || { fail "$LABEL --all-users as nobody: exit $RC, want 2"; show; }
    run env -C /tmp setpriv --reuid=65534 --regid=65534 --clear-groups "${CLEAN[@]}" --dry-run
    [[ $RC -eq 0 ]] || { fail "$LABEL --dry-run as nobody exited $RC"; show; }
    listed "$N" posix-shm posix-sem tmp-dir sysv-shm sysv-sem sysv-msg || show
    not_listed "$L" "$I" || show
    run "${CLEAN[@]}" --all-users
    [[ $RC -eq 0 ]] || { fail "$LABEL --all-users exited $RC"; show; }
    listed "$N" posix-shm posix-sem posix-mq tmp-dir sysv-shm sysv-sem sysv-msg || show
    grep -Eq "^posix-shm +/ipclab-$N-0 +nobody +$N " <<<"$OUT" || { fail "$LABEL: owner not shown as nobody"; show; }
    [[ -z $(objects "$N") ]] || fail "$LABEL --all-users left '$(objects "$N")' of nobody"
    [[ $(objects "$L") == "$before_L" ]] || fail "$LABEL --all-users removed objects of a live creator"
  fi

  # A removal that fails: exit 1 and the reason.
  if ((ISOLATED)); then
    helper leave
    local R=$HP
    # Nothing may be written to /tmp meanwhile: the output stays in memory.
    RC=0 ERR=""
    if ! OUT=$(mount -o remount,bind,ro /tmp 2>&1); then
      fail "$LABEL: cannot remount /tmp read-only (a removed file still open?): $OUT"
    else
      OUT=$("${CLEAN[@]}" 2>&1) || RC=$?
      mount -o remount,bind,rw /tmp
    fi
    [[ $RC -eq 1 ]] || { fail "$LABEL on a read-only /tmp exited $RC, want 1"; show; }
    grep -Eq "ipclab-$R-.*(EROFS|Read-only)" <<<"$OUT" || { fail "$LABEL: no reason for the failed removal"; show; }
    grep -q "^removed $((EXPECT_N - 1)) of $EXPECT_N leftover(s); some could not be removed" <<<"$OUT" ||
      { fail "$LABEL: the count does not say what failed"; show; }
    compgen -G "/tmp/ipclab-$R-[A-Za-z0-9]*" >/dev/null || fail "$LABEL: read-only directory gone?"
    run "${CLEAN[@]}"
    [[ $RC -eq 0 && -z $(objects "$R") ]] || { fail "$LABEL after remount: exit $RC, left '$(objects "$R")'"; show; }
  fi

  # Once the creator and the user are gone, their objects are leftovers.
  kill -TERM "$L" "$C" 2>/dev/null || true
  wait "$L" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$C" 2>/dev/null || break; sleep 0.05; done
  LIVE=()
  run "${CLEAN[@]}"
  [[ $RC -eq 0 ]] || { fail "$LABEL after the deaths exited $RC"; show; }
  listed "$L" $ALL_KINDS || show
  listed "$I" posix-shm sysv-shm sysv-sem sysv-msg tmp-dir || show
  [[ -z $(objects "$L" | sed 's/posix-mq//;s/ //g') ]] || fail "$LABEL: live creator's objects not removed after its death"
  [[ -z $(objects "$I" | sed 's/posix-mq//;s/ //g') ]] || fail "$LABEL: in-use objects not removed after their user died"
  [[ $(foreign_objects "$F") == "$before_F" ]] || fail "$LABEL: foreign objects touched"

  # Foreign objects are never ipclab's: the test removes them itself.
  "$HELPER" purge "$F"
  rm -rf /tmp/ipclab-"$F"-* /tmp/notours-"$F"-*
  for p in "$L" "$D" "$I" ${N:+"$N"}; do "$HELPER" purge "$p"; done
}

# ---- usage errors -----------------------------------------------------------
LABEL=usage
run "$BIN" clean --no-such-option
[[ $RC -eq 2 && $ERR == *"--no-such-option"* ]] || { fail "unknown option: exit $RC"; show; }
run "$BIN" clean stray
[[ $RC -eq 2 && $ERR == *stray* ]] || { fail "stray argument: exit $RC"; show; }
run "$BIN" clean --help
[[ $RC -eq 0 && $OUT == *--dry-run* && $OUT == *--all-users* ]] || { fail "--help: exit $RC"; show; }

scenario "ipclab clean" "$BIN" clean

# ---- two-program mode: rendezvous directories (binary only) ----------------
# Real writers of `ipclab xfr`, waiting for a reader: three SIGKILLed (their
# directories and objects remain, no lock held), one left alive.
if ((ISOLATED)); then
  LABEL=xfr
  echo "== xfr rendezvous leftovers"
  head -c 8192 /dev/zero >"$TMP/xfr.in"
  xfr_start() { # NAME TRANSPORT: starts a writer, its pid in XP
    "$BIN" xfr writer -t "$2" -b 4096 --name "$1" <"$TMP/xfr.in" >/dev/null 2>&1 &
    XP=$!
    LIVE+=("$XP")
    for _ in $(seq 100); do [[ -s /tmp/ipclab-$1/info ]] && break; sleep 0.05; done
    sleep 0.3 # every object made and recorded
    [[ -s /tmp/ipclab-$1/info ]] || fail "xfr writer $1 ($2) never published its record"
  }
  for spec in cl1:pshm-sem cl2:sysv-shm cl3:posix-mq; do
    xfr_start "${spec%%:*}" "${spec#*:}"
    kill -KILL "$XP"; wait "$XP" 2>/dev/null || true
  done
  xfr_start cl4 pshm-sem
  XL=$XP
  sysv_before=$(awk 'NR>1 && $1 < 0 {n++} END {print n+0}' /proc/sysvipc/shm)
  [[ -e /dev/shm/ipclab-cl1 && -e /dev/shm/ipclab-cl4 ]] || fail "xfr: setup: shm objects missing"
  ((sysv_before >= 1)) || fail "xfr: setup: no System V segment of cl2"
  run "$BIN" clean --dry-run
  [[ $RC -eq 0 ]] || { fail "xfr --dry-run exited $RC"; show; }
  for n in cl1 cl2 cl3; do
    grep -Eq "^xfr +$n " <<<"$OUT" || { fail "xfr --dry-run: $n not listed"; show; }
  done
  grep -Eq "^ +object: posix-shm /ipclab-cl1$" <<<"$OUT" || { fail "xfr: cl1's object not listed"; show; }
  grep -Eq "^ +object: sysv-shm key=" <<<"$OUT" || { fail "xfr: cl2's segment not listed"; show; }
  ! grep -Eq "^xfr +cl4 " <<<"$OUT" || { fail "xfr --dry-run lists the live writer"; show; }
  grep -q "^3 leftover(s) found" <<<"$OUT" || { fail "xfr --dry-run: want 3 leftovers"; show; }
  [[ -d /tmp/ipclab-cl1 && -e /dev/shm/ipclab-cl1 ]] || fail "xfr --dry-run removed something"
  cl2key=$(sed -n 's/^ *object: sysv-shm key=\(0x[0-9a-f]*\) .*/\1/p' <<<"$OUT" | head -1)
  cl2key=${cl2key:+$(( $cl2key > 0x7fffffff ? $cl2key - 0x100000000 : $cl2key ))}
  run "$BIN" clean --dry-run -v
  grep -Eq "^  xfr +cl4 .*\(in use: process $XL holds writer.lock\)" <<<"$OUT" ||
    { fail "xfr -v: the live writer's lock not given as the reason"; show; }
  run "$BIN" clean
  [[ $RC -eq 0 ]] || { fail "xfr clean exited $RC"; show; }
  grep -q "^removed 3 of 3 leftover(s)$" <<<"$OUT" || { fail "xfr: want 'removed 3 of 3'"; show; }
  for n in cl1 cl2 cl3; do [[ ! -e /tmp/ipclab-$n ]] || fail "xfr: /tmp/ipclab-$n left"; done
  [[ ! -e /dev/shm/ipclab-cl1 ]] || fail "xfr: /dev/shm/ipclab-cl1 left"
  ! grep -q "ipclab-cl3" < <(ls /dev/mqueue 2>/dev/null) || fail "xfr: queue of cl3 left"
  [[ -n $cl2key && -z $(awk -v k="$cl2key" 'NR>1 && $1 == k' /proc/sysvipc/shm) ]] ||
    fail "xfr: cl2's System V segment (key $cl2key) left"
  [[ -d /tmp/ipclab-cl4 && -e /dev/shm/ipclab-cl4 ]] || fail "xfr: the live writer's objects were removed"
  kill -0 "$XL" 2>/dev/null || fail "xfr: the live writer died"
  # A corrupt record: the directory stays whole.
  mkdir -m 700 /tmp/ipclab-cl5 && echo junk >/tmp/ipclab-cl5/info
  kill -KILL "$XL"; wait "$XL" 2>/dev/null || true
  LIVE=()
  run "$BIN" clean -v
  [[ $RC -eq 0 && ! -e /tmp/ipclab-cl4 && ! -e /dev/shm/ipclab-cl4 ]] || { fail "xfr: cl4 not removed after its writer died"; show; }
  grep -Eq "^  xfr +cl5 .*record is unreadable \(EBADMSG" <<<"$OUT" || { fail "xfr: corrupt record not reported"; show; }
  [[ -s /tmp/ipclab-cl5/info ]] || fail "xfr: a directory with a corrupt record was touched"
  rm -rf /tmp/ipclab-cl5
fi

((ROOT)) || echo "clean.sh: not root (or no setpriv): the parts with another user were skipped"
if ((fails)); then
  echo "clean.sh: $fails failure(s)" >&2
  exit 1
fi
echo "clean.sh: ok (isolated=$ISOLATED root=$ROOT hugetlbfs=${HUGE:-none})"
exit 0
