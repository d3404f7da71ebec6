/* Reading processes from /proc for the emulator's runtime: which processes
 * belong to a container (its session), their CPU time and memory. */
#ifndef ECI_EMULATOR_EMU_RT_PROC_H
#define ECI_EMULATOR_EMU_RT_PROC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct emu_rt_procinfo {
    pid_t pid, ppid, pgrp, session;
    uint64_t cpu_ns;    /* utime+stime+cutime+cstime */
    uint64_t rss_bytes;
    uint64_t shared_bytes;
} emu_rt_procinfo;

/* Every process in /proc; *out is an array the caller frees. */
void emu_rt_proc_list(emu_rt_procinfo **out, size_t *n);

/* Parse the text of /proc/PID/stat into p (memory left 0). 0 or -1. */
int emu_rt_proc_parse_stat(const char *text, emu_rt_procinfo *p);

#endif
