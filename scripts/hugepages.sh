#!/usr/bin/env bash
# hugepages.sh - give ipclab huge pages to use, and show what the machine has.
#
# `ipclab run --hugepages on` needs 2 MiB pages reserved in the kernel's
# hugetlb pool (vm.nr_hugepages, 0 by default) and, for named POSIX regions,
# a hugetlbfs mount; `--hugepages thp` needs transparent huge pages allowed
# on shared memory (shmem_enabled, `never` by default).  This script changes
# those settings (as root) and shows them before and after.  Running a
# subcommand twice changes nothing the second time.  Changes are made under
# an flock on /run/lock/ipclab-hugepages.lock, which ipclab's tests take too.
#
#   scripts/hugepages.sh status          what the machine has (no root needed)
#   sudo scripts/hugepages.sh reserve 8  8 pages of 2 MiB = 16 MiB
#   sudo scripts/hugepages.sh release
set -euo pipefail

PROG=${0##*/}
NR=/proc/sys/vm/nr_hugepages
THP=/sys/kernel/mm/transparent_hugepage
MNT=/dev/hugepages
LOCK=/run/lock/ipclab-hugepages.lock

usage() {
	cat <<EOF
usage: $PROG status | reserve N | release | thp advise|never | --help

  status        the hugetlb pool (HugePages_Total/Free/Rsvd, Hugepagesize),
                hugetlbfs mounts, THP settings; needs no root
  reserve N     set the pool of default-size huge pages to N pages (not N
                more), check how many the kernel really gave (it gives fewer
                when memory is fragmented), mount hugetlbfs at $MNT if
                none is mounted; shows before and after
  release       set the pool to 0 pages (pages in use are freed when their
                programs exit); mounts are left alone
  thp advise    allow transparent huge pages on shared memory for regions
                that ask (madvise): what ipclab --hugepages thp needs
  thp never     forbid them again (the default here)

A region of S bytes needs ceil(S / 2 MiB) pages; a ping-pong run has two.
Every subcommand but status needs root; without it the script prints what it
would do and exits 1.  Exit status: 0 done, 1 not done (no root, fewer pages
than asked), 2 bad usage.
EOF
}

die_usage() {
	echo "$PROG: $1" >&2
	usage >&2
	exit 2
}

meminfo() { awk -v k="$1:" '$1 == k { print $2 }' /proc/meminfo; }

# The [selected] word of a sysfs multiple-choice file.
selected() {
	if [[ -r $1 ]]; then
		sed -n 's/.*\[\([^]]*\)\].*/\1/p' "$1"
	else
		echo "(absent)"
	fi
}

# Mount points of hugetlbfs for the default page size (no pagesize= option,
# or one equal to Hugepagesize).
default_hugetlbfs() {
	local kb
	kb=$(meminfo Hugepagesize)
	awk -v kb="$kb" '$3 == "hugetlbfs" {
		size = kb
		n = split($4, o, ",")
		for (i = 1; i <= n; i++)
			if (o[i] ~ /^pagesize=/) {
				v = substr(o[i], 10); u = substr(v, length(v))
				size = v + 0
				if (u == "M") size *= 1024
				else if (u == "G") size *= 1048576
				else if (u == "K" || u == "k") size += 0
				else size /= 1024
			}
		if (size == kb) print $2
	}' /proc/mounts
}

summary() {
	local mnts
	mnts=$(default_hugetlbfs | paste -sd ' ')
	printf '  HugePages_Total %s, Free %s, Rsvd %s (%s kB each); hugetlbfs: %s; shmem THP: %s\n' \
		"$(meminfo HugePages_Total)" "$(meminfo HugePages_Free)" \
		"$(meminfo HugePages_Rsvd)" "$(meminfo Hugepagesize)" \
		"${mnts:-none}" "$(selected $THP/shmem_enabled)"
}

status() {
	echo "hugetlb pool (/proc/meminfo):"
	printf '  HugePages_Total %s  HugePages_Free %s  HugePages_Rsvd %s  HugePages_Surp %s\n' \
		"$(meminfo HugePages_Total)" "$(meminfo HugePages_Free)" \
		"$(meminfo HugePages_Rsvd)" "$(meminfo HugePages_Surp)"
	printf '  Hugepagesize %s kB; vm.nr_hugepages %s; vm.nr_overcommit_hugepages %s\n' \
		"$(meminfo Hugepagesize)" "$(cat $NR)" \
		"$(cat /proc/sys/vm/nr_overcommit_hugepages 2>/dev/null || echo '?')"
	local d
	for d in /sys/kernel/mm/hugepages/hugepages-*; do
		[[ -d $d ]] || continue
		printf '  %s: nr_hugepages %s, free %s\n' "${d##*/}" \
			"$(cat "$d/nr_hugepages")" "$(cat "$d/free_hugepages")"
	done
	echo "hugetlbfs mounts (/proc/mounts):"
	if ! awk '$3 == "hugetlbfs" { print "  " $2 " (" $4 ")"; n++ }
		  END { exit n == 0 }' /proc/mounts; then
		echo "  none (named POSIX regions with --hugepages on need one;" \
			"'$PROG reserve N' mounts $MNT)"
	fi
	echo "transparent huge pages ($THP):"
	printf '  enabled %s; shmem_enabled %s; hugepages-2048kB/shmem_enabled %s; defrag %s\n' \
		"$(selected $THP/enabled)" "$(selected $THP/shmem_enabled)" \
		"$(selected $THP/hugepages-2048kB/shmem_enabled)" \
		"$(selected $THP/defrag)"
	local shm
	shm=$(awk '$2 == "/dev/shm" && $3 == "tmpfs" { o = $4 } END { print o }' /proc/mounts)
	if [[ ,$shm, == *,huge=* ]]; then
		echo "  /dev/shm: $(tr ',' '\n' <<<"$shm" | grep '^huge=') (named POSIX regions follow it)"
	else
		echo "  /dev/shm: no huge= option: named POSIX regions get no THP" \
			"(mount -o remount,huge=advise /dev/shm allows them)"
	fi
}

# Without root, say what would be done and stop (exit 1).
need_root() {
	[[ $EUID -eq 0 ]] && return 0
	echo "$PROG: '$1' needs root; it would:" >&2
	shift
	printf '  %s\n' "$@" >&2
	echo "run it as root (sudo $0 ${ARGS[*]})" >&2
	exit 1
}

lock() {
	exec 9>>"$LOCK"
	if command -v flock >/dev/null; then
		flock -w 60 9 || { echo "$PROG: $LOCK is held by someone else" >&2; exit 1; }
	fi
}

reserve() {
	local want=$1 got
	need_root "reserve $want" "echo $want > $NR (currently $(cat $NR))" \
		"mount -t hugetlbfs -o mode=1777 none $MNT, if no hugetlbfs is mounted" \
		"then show HugePages_Total/Free before and after"
	lock
	echo "before:"
	summary
	if [[ $(cat $NR) -ne $want ]]; then
		echo "$want" >$NR
		got=$(cat $NR)
		if ((got < want)); then
			# Fragmented memory: compact it and ask once more.
			echo 1 >/proc/sys/vm/compact_memory 2>/dev/null || true
			echo "$want" >$NR
		fi
	fi
	got=$(cat $NR)
	if [[ -z $(default_hugetlbfs) ]]; then
		mkdir -p "$MNT"
		# 1777 like /dev/shm: anyone may create, only owners remove.
		mount -t hugetlbfs -o mode=1777 none "$MNT"
		echo "mounted hugetlbfs at $MNT"
	fi
	echo "after:"
	summary
	if ((got < want)); then
		echo "$PROG: asked for $want huge pages, the kernel gave $got" \
			"(memory too fragmented: free some, or reserve at boot with" \
			"hugepages=$want on the kernel command line)" >&2
		exit 1
	fi
}

release() {
	need_root release "echo 0 > $NR (currently $(cat $NR)); mounts stay"
	lock
	echo "before:"
	summary
	[[ $(cat $NR) -eq 0 ]] || echo 0 >$NR
	echo "after:"
	summary
	local total
	total=$(meminfo HugePages_Total)
	if ((total > 0)); then
		echo "$PROG: $total huge pages are still in use; they return to" \
			"the system when the programs using them exit" >&2
	fi
}

thp() {
	local mode=$1
	need_root "thp $mode" "echo $mode > $THP/shmem_enabled (currently $(selected $THP/shmem_enabled))"
	[[ -w $THP/shmem_enabled ]] || { echo "$PROG: $THP/shmem_enabled: no THP in this kernel" >&2; exit 1; }
	lock
	echo "before:"
	summary
	[[ $(selected $THP/shmem_enabled) == "$mode" ]] || echo "$mode" >$THP/shmem_enabled
	echo "after:"
	summary
	if [[ $mode == advise ]]; then
		echo "note: POSIX regions in fork mode (a memfd), SysV and anonymous" \
			"regions follow shmem_enabled; named POSIX regions on /dev/shm" \
			"follow its huge= mount option instead"
	fi
}

ARGS=("$@")
case ${1:-} in
-h | --help | help)
	usage
	;;
status)
	[[ $# -eq 1 ]] || die_usage "status takes no argument"
	status
	;;
reserve)
	[[ $# -eq 2 && $2 =~ ^[0-9]+$ ]] || die_usage "reserve needs a number of pages, e.g. reserve 8"
	reserve "$((10#$2))"
	;;
release)
	[[ $# -eq 1 ]] || die_usage "release takes no argument"
	release
	;;
thp)
	[[ $# -eq 2 && ($2 == advise || $2 == never) ]] || die_usage "thp needs advise or never"
	thp "$2"
	;;
"")
	die_usage "a subcommand is needed"
	;;
*)
	die_usage "unknown subcommand '$1'"
	;;
esac
