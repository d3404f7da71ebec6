/* What N container groups cost the emulator: creates N groups (one
 * container each, `sleep 3600`) through the real ECI client from several
 * threads, waits until DescribeContainerGroups counts N Running, then idles,
 * and prints the emulator's RSS and CPU (from /proc/PID) at each step.
 * Meant for `eci-emulator --runtime simulated`; works with either runtime.
 *
 *   emu_sim_bench N [THREADS] [IDLE_SECONDS]
 *
 * Environment: ECI_ENDPOINT, EMU_PID (the emulator's pid), credentials as
 * eci/creds.h reads them. Prints "key=value" lines; exits 1 when a create
 * fails or the groups do not all run within 10 minutes. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "eci/ops.h"
#include "util/clock.h"
#include "util/xmalloc.h"

typedef struct bench {
    eci_client *c;
    int n, next, oks;
    pthread_mutex_t mu;
} bench;

/* CPU seconds (utime+stime) and RSS / peak RSS in KiB of pid. */
static void proc_figures(int pid, double *cpu, long *rss_kb, long *hwm_kb)
{
    char p[64], line[512];
    *cpu = 0;
    *rss_kb = *hwm_kb = 0;
    snprintf(p, sizeof p, "/proc/%d/stat", pid);
    FILE *f = fopen(p, "r");
    if (f && fgets(line, sizeof line, f)) {
        const char *r = strrchr(line, ')');
        unsigned long ut = 0, st = 0;
        /* after ")": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime */
        if (r && sscanf(r + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) == 2)
            *cpu = (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
    }
    if (f)
        fclose(f);
    snprintf(p, sizeof p, "/proc/%d/status", pid);
    f = fopen(p, "r");
    while (f && fgets(line, sizeof line, f)) {
        if (!strncmp(line, "VmRSS:", 6))
            *rss_kb = atol(line + 6);
        else if (!strncmp(line, "VmHWM:", 6))
            *hwm_kb = atol(line + 6);
    }
    if (f)
        fclose(f);
}

static void *creator(void *arg)
{
    bench *b = arg;
    for (;;) {
        pthread_mutex_lock(&b->mu);
        int i = b->next++;
        pthread_mutex_unlock(&b->mu);
        if (i >= b->n)
            break;
        eci_create_cg_req r = {0};
        r.container_group_name = xasprintf("sim-%d", i);
        r.client_token = xasprintf("sim-bench-%d-%d", (int)getpid(), i);
        r.security_group_id = xstrdup("sg-bench");
        r.vswitch_id = xstrdup("vsw-bench");
        eci_container *ct = ECI_APPEND(r.containers, r.n_containers);
        ct->name = xstrdup("app");
        ct->image = xstrdup("busybox:1.36");
        eci_strv_add(&ct->command, "sleep");
        eci_strv_add(&ct->args, "3600");
        eci_create_cg_resp resp;
        eci_error err;
        int rc = eci_create_container_group(b->c, &r, &resp, &err);
        if (rc != 0) {
            char buf[1024];
            fprintf(stderr, "create %d: %s\n", i, eci_error_format(&err, buf, sizeof buf));
        }
        pthread_mutex_lock(&b->mu);
        b->oks += rc == 0;
        pthread_mutex_unlock(&b->mu);
        eci_create_cg_resp_free(&resp);
        eci_create_cg_req_free(&r);
    }
    return NULL;
}

/* TotalCount of DescribeContainerGroups with Status=status; -1 on error. */
static long count_status(eci_client *c, const char *status)
{
    eci_describe_cgs_req q = {0};
    q.status = xstrdup(status);
    q.limit = ECI_INT(1);
    eci_describe_cgs_resp resp;
    eci_error err;
    long n = eci_describe_container_groups(c, &q, &resp, &err) == 0 ? (long)resp.total_count : -1;
    if (n >= 0)
        eci_describe_cgs_resp_free(&resp);
    eci_describe_cgs_req_free(&q);
    return n;
}

static void report(const char *step, int pid, double t0, double cpu0)
{
    double cpu;
    long rss, hwm;
    proc_figures(pid, &cpu, &rss, &hwm);
    printf("%s: t=%.1fs emulator_cpu_s=%.2f emulator_rss_mib=%.1f emulator_peak_rss_mib=%.1f\n", step,
           clock_mono_s() - t0, cpu - cpu0, (double)rss / 1024.0, (double)hwm / 1024.0);
    fflush(stdout);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: emu_sim_bench N [THREADS] [IDLE_SECONDS]\n");
        return 2;
    }
    int n = atoi(argv[1]), threads = argc > 2 ? atoi(argv[2]) : 8, idle = argc > 3 ? atoi(argv[3]) : 30;
    const char *ep = getenv("ECI_ENDPOINT"), *pids = getenv("EMU_PID");
    if (n <= 0 || threads <= 0 || !ep || !pids) {
        fprintf(stderr, "emu_sim_bench: N > 0, ECI_ENDPOINT and EMU_PID are required\n");
        return 2;
    }
    int pid = atoi(pids);
    eci_client_config cfg;
    eci_client_config_init(&cfg);
    cfg.region = "cn-hangzhou";
    cfg.endpoint = ep;
    cfg.max_retries = 5;
    cfg.request_timeout_ms = 60000;
    cfg.qps = 0; /* unlimited: the emulator is what is measured */
    cfg.no_action_limits = 1;
    eci_error err;
    bench b = { NULL, n, 0, 0, PTHREAD_MUTEX_INITIALIZER };
    if (eci_client_new(&cfg, &b.c, &err) != 0) {
        char buf[1024];
        fprintf(stderr, "emu_sim_bench: %s\n", eci_error_format(&err, buf, sizeof buf));
        return 2;
    }
    double cpu0;
    long rss0, hwm0;
    proc_figures(pid, &cpu0, &rss0, &hwm0);
    double t0 = clock_mono_s();
    printf("groups=%d threads=%d\n", n, threads);
    report("start", pid, t0, cpu0);
    pthread_t *th = xcalloc((size_t)threads, sizeof *th);
    for (int i = 0; i < threads; i++)
        pthread_create(&th[i], NULL, creator, &b);
    for (int i = 0; i < threads; i++)
        pthread_join(th[i], NULL);
    free(th);
    double created = clock_mono_s() - t0;
    printf("created=%d in %.1fs (%.0f creates/s)\n", b.oks, created, (double)b.oks / created);
    report("after creates", pid, t0, cpu0);
    int rc = b.oks == n ? 0 : 1;
    long running = 0;
    while (rc == 0 && (running = count_status(b.c, "Running")) < n && clock_mono_s() - t0 < 600)
        usleep(500000);
    printf("running=%ld after %.1fs\n", running, clock_mono_s() - t0);
    if (running < n)
        rc = 1;
    report("all running", pid, t0, cpu0);
    double c1;
    long r1, h1;
    proc_figures(pid, &c1, &r1, &h1);
    double i0 = clock_mono_s();
    sleep((unsigned)idle);
    double c2;
    long r2, h2;
    proc_figures(pid, &c2, &r2, &h2);
    printf("idle: %d s, emulator_cpu=%.1f%% of a core, rss_mib=%.1f, rss_per_group_kib=%.1f\n", idle,
           100.0 * (c2 - c1) / (clock_mono_s() - i0), (double)r2 / 1024.0, (double)(r2 - rss0) / (double)n);
    eci_client_free(b.c);
    return rc;
}
