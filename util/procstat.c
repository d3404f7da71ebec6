#include "util/procstat.h"
#include "util/xmalloc.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

/* A "Key:   N kB" line of /proc/self/status, in bytes (threads: a count). */
static double status_field(const char *text, const char *key)
{
    size_t kl = strlen(key);
    for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
        if (strncmp(p, key, kl) == 0 && p[kl] == ':') {
            char *end;
            double v = strtod(p + kl + 1, &end);
            while (*end == ' ' || *end == '\t')
                end++;
            return strncmp(end, "kB", 2) == 0 ? v * 1024.0 : v;
        }
    }
    return 0;
}

static size_t slurp(const char *path, char *buf, size_t cap)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, cap - 1, f);
    fclose(f);
    buf[n] = 0;
    return n;
}

int procstat_read(procstat *st)
{
    memset(st, 0, sizeof *st);
    char buf[4096];
    if (!slurp("/proc/self/stat", buf, sizeof buf))
        return -1;
    /* Fields after the command name, which may hold spaces and parentheses. */
    const char *p = strrchr(buf, ')');
    if (!p)
        return -1;
    unsigned long long utime = 0, stime = 0, start = 0;
    /* state(3) ... utime(14) stime(15) ... starttime(22) */
    if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %*d %*d %*d %*d %*d %*d %llu",
               &utime, &stime, &start) != 3)
        return -1;
    double hz = (double)sysconf(_SC_CLK_TCK);
    if (hz <= 0)
        hz = 100;
    st->cpu_seconds = (double)(utime + stime) / hz;
    char up[128];
    if (slurp("/proc/uptime", up, sizeof up))
        st->start_time = (double)time(NULL) - strtod(up, NULL) + (double)start / hz;
    char status[8192];
    if (slurp("/proc/self/status", status, sizeof status)) {
        st->resident_bytes = status_field(status, "VmRSS");
        st->resident_peak = status_field(status, "VmHWM");
        st->virtual_bytes = status_field(status, "VmSize");
        st->threads = status_field(status, "Threads");
    }
    DIR *d = opendir("/proc/self/fd");
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL)
            if (e->d_name[0] != '.')
                st->open_fds++;
        closedir(d);
        st->open_fds--; /* the directory's own descriptor */
    }
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
        st->max_fds = rl.rlim_cur == RLIM_INFINITY ? -1 : (double)rl.rlim_cur;
    return 0;
}

typedef struct pm {
    prom_metric *cpu, *rss, *peak, *vsz, *threads, *fds, *maxfds, *start;
} pm;

static void collect(void *ud)
{
    pm *m = ud;
    procstat st;
    if (procstat_read(&st) != 0)
        return;
    prom_set(m->cpu, NULL, st.cpu_seconds);
    prom_set(m->rss, NULL, st.resident_bytes);
    prom_set(m->peak, NULL, st.resident_peak);
    prom_set(m->vsz, NULL, st.virtual_bytes);
    prom_set(m->threads, NULL, st.threads);
    prom_set(m->fds, NULL, st.open_fds);
    prom_set(m->maxfds, NULL, st.max_fds);
    prom_set(m->start, NULL, st.start_time);
}

void procstat_register(prom_registry *r)
{
    pm *mp = xcalloc(1, sizeof *mp);
    pm m;
    m.cpu = prom_counter(r, "process_cpu_seconds_total", "Total user and system CPU time spent in seconds.", NULL);
    m.rss = prom_gauge(r, "process_resident_memory_bytes", "Resident memory size in bytes.", NULL);
    m.peak = prom_gauge(r, "process_resident_memory_peak_bytes", "Peak resident memory size in bytes (VmHWM).",
                        NULL);
    m.vsz = prom_gauge(r, "process_virtual_memory_bytes", "Virtual memory size in bytes.", NULL);
    m.threads = prom_gauge(r, "process_threads", "Number of OS threads in the process.", NULL);
    m.fds = prom_gauge(r, "process_open_fds", "Number of open file descriptors.", NULL);
    m.maxfds = prom_gauge(r, "process_max_fds", "Maximum number of open file descriptors.", NULL);
    m.start = prom_gauge(r, "process_start_time_seconds", "Start time of the process since unix epoch in seconds.",
                         NULL);
    *mp = m;
    prom_add_collector_owned(r, collect, mp, free);
}
