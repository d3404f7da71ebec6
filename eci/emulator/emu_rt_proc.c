#include "eci/emulator/emu_rt_proc.h"
#include "util/xmalloc.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int emu_rt_proc_parse_stat(const char *text, emu_rt_procinfo *p)
{
    memset(p, 0, sizeof *p);
    const char *rp = strrchr(text, ')');
    if (!rp)
        return -1;
    int pid = atoi(text);
    char state;
    int ppid, pgrp, session, tty, tpgid;
    unsigned flags;
    unsigned long minflt, cminflt, majflt, cmajflt, utime, stime;
    long cutime, cstime;
    if (sscanf(rp + 1, " %c %d %d %d %d %d %u %lu %lu %lu %lu %lu %lu %ld %ld", &state, &ppid, &pgrp,
               &session, &tty, &tpgid, &flags, &minflt, &cminflt, &majflt, &cmajflt, &utime, &stime,
               &cutime, &cstime) != 15)
        return -1;
    static long hz;
    if (!hz)
        hz = sysconf(_SC_CLK_TCK);
    p->pid = pid;
    p->ppid = ppid;
    p->pgrp = pgrp;
    p->session = session;
    uint64_t ticks = (uint64_t)utime + stime + (uint64_t)(cutime > 0 ? cutime : 0) +
                     (uint64_t)(cstime > 0 ? cstime : 0);
    p->cpu_ns = ticks * (1000000000ULL / (uint64_t)(hz > 0 ? hz : 100));
    return 0;
}

static ssize_t read_small(const char *path, char *buf, size_t len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, len - 1);
    close(fd);
    if (n < 0)
        return -1;
    buf[n] = '\0';
    return n;
}

void emu_rt_proc_list(emu_rt_procinfo **out, size_t *n)
{
    size_t alloc = 64, cnt = 0;
    emu_rt_procinfo *arr = xmalloc(alloc * sizeof *arr);
    DIR *d = opendir("/proc");
    long page = sysconf(_SC_PAGESIZE);
    if (d) {
        struct dirent *de;
        while ((de = readdir(d))) {
            if (de->d_name[0] < '1' || de->d_name[0] > '9' || strlen(de->d_name) > 12)
                continue;
            char path[64], buf[1024];
            snprintf(path, sizeof path, "/proc/%.12s/stat", de->d_name);
            if (read_small(path, buf, sizeof buf) <= 0)
                continue;
            emu_rt_procinfo p;
            if (emu_rt_proc_parse_stat(buf, &p) < 0)
                continue;
            snprintf(path, sizeof path, "/proc/%.12s/statm", de->d_name);
            unsigned long size, resident, shared;
            if (read_small(path, buf, sizeof buf) > 0 &&
                sscanf(buf, "%lu %lu %lu", &size, &resident, &shared) == 3) {
                p.rss_bytes = (uint64_t)resident * (uint64_t)page;
                p.shared_bytes = (uint64_t)shared * (uint64_t)page;
            }
            if (cnt == alloc) {
                alloc *= 2;
                arr = xrealloc(arr, alloc * sizeof *arr);
            }
            arr[cnt++] = p;
        }
        closedir(d);
    }
    *out = arr;
    *n = cnt;
}
