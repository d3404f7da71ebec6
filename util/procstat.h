/* The process's own resource figures from /proc/self, for the standard
 * Prometheus process_* metrics. */
#ifndef UTIL_PROCSTAT_H
#define UTIL_PROCSTAT_H

#include "util/prom.h"

typedef struct procstat {
    double cpu_seconds;      /* user + system */
    double resident_bytes;   /* VmRSS */
    double resident_peak;    /* VmHWM */
    double virtual_bytes;    /* VmSize */
    double threads;
    double open_fds;
    double max_fds;          /* soft RLIMIT_NOFILE */
    double start_time;       /* seconds since the epoch */
} procstat;

/* Fill st; 0, or -1 when /proc is unreadable (st then zeroed). */
int procstat_read(procstat *st);

/* Register process_cpu_seconds_total, process_resident_memory_bytes,
 * process_resident_memory_peak_bytes, process_virtual_memory_bytes,
 * process_threads, process_open_fds, process_max_fds and
 * process_start_time_seconds on r, refreshed at every render. */
void procstat_register(prom_registry *r);

#endif
