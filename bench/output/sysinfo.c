/* sysinfo.c - the machine and run context (see sysinfo.h). */
#include "sysinfo.h"
#include "json.h"
#include "cacheline.h"
#include "options.h"
#include "speedprobe.h"
#include "topology.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/statvfs.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "config.h"

/* First line of a file, trimmed; "" when unreadable. */
static void read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	buf[0] = '\0';
	if (!f)
		return;
	if (fgets(buf, (int)len, f))
		buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}

/* "always [madvise] never" -> "madvise". */
static void bracketed(const char *path, char *buf, size_t len)
{
	char line[256];
	read_line(path, line, sizeof(line));
	char *a = strchr(line, '['), *b = a ? strchr(a, ']') : NULL;
	if (a && b) {
		*b = '\0';
		snprintf(buf, len, "%s", a + 1);
	} else {
		snprintf(buf, len, "%s", line[0] ? line : "n/a");
	}
}

static void field(const char *path, const char *key, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	char line[512];
	size_t kl = strlen(key);
	buf[0] = '\0';
	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, key, kl) == 0) {
			char *v = line + kl;
			v += strspn(v, " \t:");
			v[strcspn(v, "\n")] = '\0';
			snprintf(buf, len, "%s", v);
			break;
		}
	fclose(f);
}

/* A number as JSON, or null when the file is missing. */
static void json_num_file(FILE *f, const char *path)
{
	char v[128];
	read_line(path, v, sizeof(v));
	char *end;
	(void)strtoull(v, &end, 10);
	if (v[0] && *end == '\0')
		fputs(v, f);
	else
		fputs("null", f);
}

static const struct {
	const char *key, *path;
} limits[] = {
	{"mq_msg_max", "/proc/sys/fs/mqueue/msg_max"},
	{"mq_msgsize_max", "/proc/sys/fs/mqueue/msgsize_max"},
	{"mq_queues_max", "/proc/sys/fs/mqueue/queues_max"},
	{"msgmax", "/proc/sys/kernel/msgmax"},
	{"msgmnb", "/proc/sys/kernel/msgmnb"},
	{"msgmni", "/proc/sys/kernel/msgmni"},
	{"shmmax", "/proc/sys/kernel/shmmax"},
	{"shmall", "/proc/sys/kernel/shmall"},
	{"shmmni", "/proc/sys/kernel/shmmni"},
	{"pipe_max_size", "/proc/sys/fs/pipe-max-size"},
	{"wmem_max", "/proc/sys/net/core/wmem_max"},
	{"rmem_max", "/proc/sys/net/core/rmem_max"},
	{"nr_hugepages", "/proc/sys/vm/nr_hugepages"},
};

void sysinfo_now(char *buf, size_t len)
{
	time_t now = time(NULL);
	struct tm tm;
	localtime_r(&now, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%S%z", &tm);
}

/* The hypervisor's name from CPUID leaf 0x40000000, or "" on bare metal. */
static void hypervisor(char *buf, size_t len)
{
	buf[0] = '\0';
#if defined(__x86_64__) || defined(__i386__)
	unsigned a = 1, b = 0, c = 0, d = 0;
	__asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	if (!(c & (1u << 31))) /* the "hypervisor present" bit */
		return;
	a = 0x40000000;
	c = 0;
	__asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	char id[13];
	memcpy(id, &b, 4);
	memcpy(id + 4, &c, 4);
	memcpy(id + 8, &d, 4);
	id[12] = '\0';
	static const struct { const char *id, *name; } known[] = {
		{"KVMKVMKVM", "KVM"}, {"Microsoft Hv", "Hyper-V"},
		{"VMwareVMware", "VMware"}, {"XenVMMXenVMM", "Xen"},
		{"TCGTCGTCGTCG", "QEMU (TCG)"}, {" lrpepyh  vr", "Parallels"},
		{"ACRNACRNACRN", "ACRN"}, {"bhyve bhyve ", "bhyve"},
	};
	snprintf(buf, len, "unknown (%s)", id);
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strncmp(id, known[i].id, strlen(known[i].id)) == 0)
			snprintf(buf, len, "%s", known[i].name);
#else
	read_line("/sys/hypervisor/type", buf, len);
#endif
}

/* This process's cgroup v2 CPU quota (cpu.max), "max 100000" when none. */
static void cgroup_cpu_max(char *buf, size_t len)
{
	char line[512], path[700];
	read_line("/proc/self/cgroup", line, sizeof(line));
	buf[0] = '\0';
	if (strncmp(line, "0::", 3) != 0)
		return;
	snprintf(path, sizeof(path), "/sys/fs/cgroup%s/cpu.max", line + 3);
	read_line(path, buf, len);
	if (!buf[0])
		read_line("/sys/fs/cgroup/cpu.max", buf, len);
}

/* "meltdown: Not affected; spectre_v2: Mitigation: ..." */
static void mitigations(char *buf, size_t len)
{
	const char *dir = "/sys/devices/system/cpu/vulnerabilities";
	DIR *d = opendir(dir);
	size_t n = 0;
	buf[0] = '\0';
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d)) && n + 1 < len) {
		char path[512], v[256];
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		read_line(path, v, sizeof(v));
		n += (size_t)snprintf(buf + n, len - n, "%s%s: %s",
				      n ? "; " : "", e->d_name, v);
	}
	closedir(d);
}

/* What can change a measurement that the records cannot show per run. */
static void write_environment(FILE *f)
{
	char v[2048];
	fputs(",\n  \"environment\": {\"cpu_governor\": ", f);
	read_line("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor", v,
		  sizeof(v));
	json_write_string(f, v[0] ? v : "n/a (no cpufreq: set by the host)");
	fputs(", \"cpu_mhz\": ", f);
	read_line("/sys/devices/system/cpu/cpu0/cpufreq/scaling_cur_freq", v,
		  sizeof(v));
	if (v[0])
		fprintf(f, "%.0f", strtod(v, NULL) / 1000);
	else
		fputs("null", f);
	fputs(", \"clocksource\": ", f);
	read_line("/sys/devices/system/clocksource/clocksource0/"
		  "current_clocksource", v, sizeof(v));
	json_write_string(f, v[0] ? v : "n/a");
	fputs(", \"hypervisor\": ", f);
	hypervisor(v, sizeof(v));
	json_write_string(f, v[0] ? v : "none");
	fputs(", \"smt\": ", f);
	read_line("/sys/devices/system/cpu/smt/control", v, sizeof(v));
	json_write_string(f, v[0] ? v : "n/a");
	fputs(", \"mitigations\": ", f);
	mitigations(v, sizeof(v));
	json_write_string(f, v[0] ? v : "n/a");
	fputs(", \"cgroup_cpu_max\": ", f);
	cgroup_cpu_max(v, sizeof(v));
	json_write_string(f, v[0] ? v : "n/a");
	fputs(", \"dev_shm_bytes\": ", f);
	struct statvfs sv;
	if (statvfs("/dev/shm", &sv) == 0)
		fprintf(f, "%llu", (unsigned long long)sv.f_blocks *
			(unsigned long long)sv.f_frsize);
	else
		fputs("null", f);
	fputs(", \"loadavg\": ", f);
	read_line("/proc/loadavg", v, sizeof(v));
	json_write_string(f, v);
	fputs("}", f);
}

static int cmd_argc;
static char **cmd_argv;

void sysinfo_set_command_line(int argc, char **argv)
{
	cmd_argc = argc;
	cmd_argv = argv;
}

void sysinfo_write_json(FILE *f, const char *run_id, const char *start,
			const char *end, const struct bench_opts *o,
			const char *extra)
{
	struct utsname u;
	char cpu[256], v[256], host[256];
	uname(&u);
	snprintf(host, sizeof(host), "%s", u.nodename);
	field("/proc/cpuinfo", "model name", cpu, sizeof(cpu));
	fprintf(f, "{\n  \"schema_version\": %d,\n  \"run_id\": ",
		RECORD_SCHEMA_VERSION);
	json_write_string(f, run_id ? run_id : "");
	fputs(",\n  \"command_line\": ", f);
	char cmd[4096] = "";
	size_t n = 0;
	for (int i = 0; i < cmd_argc && n < sizeof(cmd) - 1; i++)
		n += (size_t)snprintf(cmd + n, sizeof(cmd) - n, "%s%s",
				      i ? " " : "", cmd_argv[i]);
	json_write_string(f, cmd);
	fputs(",\n  \"start_time\": ", f);
	json_write_string(f, start ? start : "");
	fputs(",\n  \"end_time\": ", f);
	if (end)
		json_write_string(f, end);
	else
		fputs("null", f);
	fputs(",\n  \"host\": ", f);
	json_write_string(f, host);
	fputs(",\n  \"kernel\": ", f);
	snprintf(v, sizeof(v), "%s %s", u.release, u.machine);
	json_write_string(f, v);
	fputs(",\n  \"cpu_model\": ", f);
	json_write_string(f, cpu[0] ? cpu : "unknown");
	fprintf(f, ",\n  \"cpus_online\": %ld", sysconf(_SC_NPROCESSORS_ONLN));
	const struct topology *topo = topology_get(v, sizeof(v));
	fputs(",\n  \"topology\": ", f);
	if (topo)
		topology_write_json(f, topo);
	else
		json_write_string(f, v);
	read_line("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor", v,
		  sizeof(v));
	fputs(",\n  \"cpu_governor\": ", f);
	json_write_string(f, v[0] ? v : "n/a");
	fputs(",\n  \"ipclab_version\": ", f);
	json_write_string(f, IPCLAB_VERSION);
	fputs(",\n  \"git_rev\": ", f);
	json_write_string(f, IPCLAB_GIT_REV);
	fputs(",\n  \"compiler\": ", f);
	json_write_string(f, IPCLAB_COMPILER);
	fputs(",\n  \"cflags\": ", f);
	json_write_string(f, IPCLAB_CFLAGS);
	fputs(",\n  \"build_type\": ", f);
	json_write_string(f, IPCLAB_BUILD_TYPE);
	fprintf(f, ",\n  \"canaries\": {\"speed_probe\": %d, \"line_probe\": %d}",
		SPEEDPROBE_VERSION, CACHELINE_VERSION);
	fputs(",\n  \"thp\": {\"enabled\": ", f);
	bracketed("/sys/kernel/mm/transparent_hugepage/enabled", v, sizeof(v));
	json_write_string(f, v);
	fputs(", \"shmem_enabled\": ", f);
	bracketed("/sys/kernel/mm/transparent_hugepage/shmem_enabled", v,
		  sizeof(v));
	json_write_string(f, v);
	fputs("},\n  \"hugepages\": {\"total\": ", f);
	field("/proc/meminfo", "HugePages_Total", v, sizeof(v));
	fputs(v[0] ? v : "null", f);
	fputs(", \"free\": ", f);
	field("/proc/meminfo", "HugePages_Free", v, sizeof(v));
	fputs(v[0] ? v : "null", f);
	fputs(", \"size_kb\": ", f);
	field("/proc/meminfo", "Hugepagesize", v, sizeof(v));
	fprintf(f, "%ld", strtol(v, NULL, 10));
	fputs("},\n  \"limits\": {", f);
	for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
		fprintf(f, "%s\"%s\": ", i ? ", " : "", limits[i].key);
		json_num_file(f, limits[i].path);
	}
	struct rlimit rl;
	if (getrlimit(RLIMIT_MSGQUEUE, &rl) == 0)
		fprintf(f, ", \"rlimit_msgqueue\": %llu",
			(unsigned long long)rl.rlim_cur);
	read_line("/proc/sys/kernel/sem", v, sizeof(v));
	for (char *c = v; *c; c++)
		if (*c == '\t')
			*c = ' ';
	fputs(", \"sem\": ", f);
	json_write_string(f, v);
	fputs("}", f);
	write_environment(f);
	if (o)
		fprintf(f, ",\n  \"options\": {\"min_time_s\": %g, \"reps\": %u, "
			"\"max_rounds\": %u, \"budget_s\": %g, \"target\": %g, "
			"\"warmup\": %u, \"verify\": %d, \"total\": %llu, "
			"\"messages\": %llu, \"seed\": %llu, \"shuffle_seed\": %llu, "
			"\"floor\": %d}",
			o->min_time, o->reps, o->max_rounds, o->budget_s,
			o->target, o->warmup, o->verify,
			(unsigned long long)o->total,
			(unsigned long long)o->messages,
			(unsigned long long)o->seed,
			(unsigned long long)o->shuffle_seed, o->floor);
	if (extra && extra[0])
		fprintf(f, ",\n  %s", extra);
	fputs("\n}\n", f);
}

void sysinfo_write_text(FILE *f)
{
	char v[256];
	struct utsname u;
	uname(&u);
	field("/proc/cpuinfo", "model name", v, sizeof(v));
	fprintf(f, "machine     %s, %ld CPUs online, kernel %s\n", v,
		sysconf(_SC_NPROCESSORS_ONLN), u.release);
	fprintf(f, "\nhuge pages (for --hugepages on|try; reserve with "
		"scripts/hugepages.sh reserve N, as root)\n");
	static const char *const hp[] = {"HugePages_Total", "HugePages_Free",
					 "HugePages_Rsvd", "Hugepagesize"};
	for (size_t i = 0; i < 4; i++) {
		field("/proc/meminfo", hp[i], v, sizeof(v));
		fprintf(f, "  %-22s %s\n", hp[i], v[0] ? v : "n/a");
	}
	bracketed("/sys/kernel/mm/transparent_hugepage/enabled", v, sizeof(v));
	fprintf(f, "\ntransparent huge pages (for --hugepages thp; set with "
		"scripts/hugepages.sh thp advise)\n  %-22s %s\n", "enabled", v);
	bracketed("/sys/kernel/mm/transparent_hugepage/shmem_enabled", v,
		  sizeof(v));
	fprintf(f, "  %-22s %s\n", "shmem_enabled", v);
	fprintf(f, "\nIPC limits (they bound BUF_SIZE of the queues and "
		"buffers; see ipclab list -v)\n");
	for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
		read_line(limits[i].path, v, sizeof(v));
		fprintf(f, "  %-22s %-12s (%s)\n", limits[i].key,
			v[0] ? v : "n/a", limits[i].path);
	}
	struct rlimit rl;
	if (getrlimit(RLIMIT_MSGQUEUE, &rl) == 0)
		fprintf(f, "  %-22s %-12llu (ulimit -q, bytes)\n",
			"rlimit_msgqueue", (unsigned long long)rl.rlim_cur);
	read_line("/proc/sys/kernel/sem", v, sizeof(v));
	fprintf(f, "  %-22s %s (semmsl semmns semopm semmni)\n", "sem", v);
}
