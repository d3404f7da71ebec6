/* eci/emulator/runtime.c: containers as real processes (logs, exit codes,
 * restart policies, init order, volumes, env, stop, usage, exec sync) and
 * the log ring. Namespace tests need root and skip with a message otherwise. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "eci/emulator/emu_rt_log.h"
#include "eci/emulator/emu_rt_spawn.h"
#include "eci/emulator/runtime.h"
#include "tests/unit/emu_rt_stopper.h"
#include "util/xmalloc.h"
#include "tests/unit/unit_threads.h"

typedef struct fixture {
    emu_rt *rt;
    char dir[128];
    pthread_mutex_t mu;
    char events[8192];
} fixture;

static void on_event(void *ud, const char *gid, const char *ctr, const char *type, const char *reason,
                     const char *msg)
{
    fixture *f = ud;
    (void)gid;
    (void)msg;
    pthread_mutex_lock(&f->mu);
    size_t n = strlen(f->events);
    snprintf(f->events + n, sizeof f->events - n, "%s/%s/%s;", ctr, type, reason);
    pthread_mutex_unlock(&f->mu);
}

static int has_event(fixture *f, const char *needle)
{
    pthread_mutex_lock(&f->mu);
    int r = strstr(f->events, needle) != NULL;
    pthread_mutex_unlock(&f->mu);
    return r;
}

static fixture *fx_new(int no_ns)
{
    fixture *f = xcalloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/eci-rt-test-%d-XXXXXX", (int)getpid());
    assert_non_null(mkdtemp(f->dir));
    pthread_mutex_init(&f->mu, NULL);
    emu_rt_options o = { f->dir, "127.0.0.1:0", on_event, f, no_ns, 0 };
    char err[256];
    f->rt = emu_rt_new(&o, err, sizeof err);
    if (!f->rt)
        fail_msg("emu_rt_new: %s", err);
    return f;
}

/* A fixture with namespaces; skips the test when they are not available. */
static fixture *fx_ns(void)
{
    if (!emu_rt_ns_available()) {
        print_message("skipping: not root or unshare(CLONE_NEWNS) refused\n");
        skip();
    }
    return fx_new(0);
}

static void fx_free(fixture *f)
{
    emu_rt_free(f->rt);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    assert_int_equal(system(cmd), 0);
    pthread_mutex_destroy(&f->mu);
    free(f);
}

static void sleep_ms(int ms)
{
    struct timespec t = { ms / 1000, (long)(ms % 1000) * 1000000L };
    nanosleep(&t, NULL);
}

/* How long a test waits for a state before it gives up: generous, so a
 * loaded machine cannot fail a test that is only slow. */
#define WAIT_MS 60000
#define POLL_MS 20
#define KIND(k) (1u << (k))

/* Container idx is in one of the kinds of the mask (and, if restarts >= 0,
 * has at least that many restarts): 1, and its status in *out. */
static int state_is(fixture *f, const char *id, size_t idx, unsigned kinds, int restarts,
                    emu_rt_container_status *out)
{
    emu_rt_group_status st;
    int hit = 0;
    if (emu_rt_group_status_get(f->rt, id, &st) == 0 && idx < st.ncontainers) {
        emu_rt_container_status c = st.containers[idx];
        if ((kinds & KIND(c.current.kind)) && (restarts < 0 || c.restart_count >= restarts)) {
            if (out)
                *out = c;
            hit = 1;
        }
    }
    emu_rt_status_free(&st);
    return hit;
}

/* Wait (up to WAIT_MS) until state_is() holds. Returns 1 when reached. */
static int wait_state(fixture *f, const char *id, size_t idx, unsigned kinds, int restarts,
                      emu_rt_container_status *out)
{
    for (int waited = 0; waited <= WAIT_MS; waited += POLL_MS) {
        if (state_is(f, id, idx, kinds, restarts, out))
            return 1;
        sleep_ms(POLL_MS);
    }
    return 0;
}

static emu_rt_group_phase phase_of(fixture *f, const char *id)
{
    emu_rt_group_status st;
    if (emu_rt_group_status_get(f->rt, id, &st) < 0)
        return (emu_rt_group_phase)-1;
    emu_rt_group_phase p = st.phase;
    emu_rt_status_free(&st);
    return p;
}

static int start1(fixture *f, const char *id, const char *policy, const char *const *argv, size_t argc,
                  const kv_list *env)
{
    emu_rt_container c;
    memset(&c, 0, sizeof c);
    c.name = "main";
    c.image = "busybox";
    c.argv = argv;
    c.argc = argc;
    c.env = env;
    c.run_as_user = -1;
    emu_rt_group_spec s;
    memset(&s, 0, sizeof s);
    s.id = id;
    s.restart_policy = policy;
    s.containers = &c;
    s.ncontainers = 1;
    s.hostname = "mypod";
    s.termination_grace_seconds = 2;
    char err[256];
    int rc = emu_rt_start_group(f->rt, &s, err, sizeof err);
    if (rc < 0)
        fail_msg("start: %s", err);
    return rc;
}

static char *logs_of(fixture *f, const char *id, const char *ctr, int previous)
{
    dynbuf b;
    dynbuf_init(&b, 1 << 20);
    int rc = emu_rt_logs(f->rt, id, ctr, previous, NULL, -1, 0, 0, &b);
    if (rc < 0) {
        dynbuf_free(&b);
        return NULL;
    }
    size_t n;
    return dynbuf_take(&b, &n);
}

static void test_exit_code_and_logs(void **state)
{
    (void)state;
    fixture *f = fx_new(0);
    const char *argv[] = { "sh", "-c", "echo hi; exit 3" };
    start1(f, "g1", "Never", argv, 3, NULL);
    /* The first snapshot (usually taken before the group's thread started
     * anything): Running only with its container running or done. */
    emu_rt_group_status first;
    assert_int_equal(emu_rt_group_status_get(f->rt, "g1", &first), 0);
    assert_int_equal(first.ncontainers, 1);
    if (first.phase == EMU_GS_RUNNING)
        assert_int_not_equal(first.containers[0].current.kind, EMU_CS_WAITING);
    emu_rt_status_free(&first);
    emu_rt_container_status c;
    assert_true(wait_state(f, "g1", 0, KIND(EMU_CS_TERMINATED), -1, &c));
    assert_int_equal(c.current.exit_code, 3);
    assert_string_equal(c.current.reason, "Error");
    assert_int_equal(c.restart_count, 0);
    assert_int_equal(phase_of(f, "g1"), EMU_GS_FAILED);
    char *l = logs_of(f, "g1", "main", 0);
    assert_string_equal(l, "hi\n");
    free(l);
    /* timestamps: RFC 3339 with nanoseconds */
    dynbuf b;
    dynbuf_init(&b, 4096);
    assert_int_equal(emu_rt_logs(f->rt, "g1", "main", 0, NULL, -1, 0, 1, &b), 0);
    assert_int_equal(b.len, 31 + 3);
    assert_int_equal(b.buf[10], 'T');
    assert_int_equal(b.buf[29], 'Z');
    assert_string_equal(b.buf + 31, "hi\n");
    dynbuf_free(&b);
    assert_int_equal(emu_rt_logs(f->rt, "g1", "nope", 0, NULL, -1, 0, 0, &b), -1);
    assert_int_equal(emu_rt_logs(f->rt, "nope", "main", 0, NULL, -1, 0, 0, &b), -1);
    assert_true(has_event(f, "main/Normal/Pulling;"));
    assert_true(has_event(f, "main/Normal/Started;"));
    assert_int_equal(emu_rt_stop_group(f->rt, "g1", 0), 0);
    assert_int_equal(emu_rt_stop_group(f->rt, "g1", 0), -1);
    fx_free(f);
}

static void test_restart_policies(void **state)
{
    (void)state;
    fixture *f = fx_new(0);
    const char *ok[] = { "sh", "-c", "echo run; exit 0" };
    const char *bad[] = { "sh", "-c", "echo run; exit 1" };
    start1(f, "always", "Always", ok, 3, NULL);
    start1(f, "onfail-ok", "OnFailure", ok, 3, NULL);
    start1(f, "onfail-bad", "OnFailure", bad, 3, NULL);
    emu_rt_container_status c;
    /* Always restarts a clean exit: back-off 1s then 2s */
    assert_true(wait_state(f, "always", 0, KIND(EMU_CS_WAITING) | KIND(EMU_CS_RUNNING) | KIND(EMU_CS_TERMINATED), 1,
                           &c));
    assert_true(c.restart_count >= 1);
    assert_int_equal(c.previous.kind, EMU_CS_TERMINATED);
    assert_int_equal(c.previous.exit_code, 0);
    assert_true(has_event(f, "main/Warning/BackOff;"));
    char *l = logs_of(f, "always", "main", 1);
    assert_non_null(l);
    assert_string_equal(l, "run\n");
    free(l);
    /* OnFailure: exit 0 stays terminated, the group succeeded */
    assert_true(wait_state(f, "onfail-ok", 0, KIND(EMU_CS_TERMINATED), -1, &c));
    sleep_ms(1500);
    assert_true(state_is(f, "onfail-ok", 0, KIND(EMU_CS_TERMINATED), -1, &c)); /* and stays so */
    assert_int_equal(c.restart_count, 0);
    assert_string_equal(c.current.reason, "Completed");
    assert_int_equal(phase_of(f, "onfail-ok"), EMU_GS_SUCCEEDED);
    /* OnFailure: exit 1 restarts */
    assert_true(wait_state(f, "onfail-bad", 0, KIND(EMU_CS_WAITING) | KIND(EMU_CS_RUNNING), 1, &c));
    assert_int_equal(phase_of(f, "onfail-bad"), EMU_GS_RUNNING);
    assert_int_equal(emu_rt_logs(f->rt, "onfail-ok", "main", 1, NULL, -1, 0, 0, &(dynbuf){0}), -2);
    fx_free(f); /* emu_rt_free stops every group */
}

static void test_init_order_env_volume(void **state)
{
    (void)state;
    fixture *f = fx_new(0);
    const char *i1[] = { "sh", "-c", "echo one >> ${ECI_VOLUME_DATA:-/data}/order" };
    const char *i2[] = { "sh", "-c", "echo two >> ${ECI_VOLUME_DATA:-/data}/order" };
    const char *m[] = { "sh", "-c", "cat ${ECI_VOLUME_DATA:-/data}/order; echo $FOO $HOSTNAME; pwd; sleep 100" };
    emu_rt_mount mnt = { "data", "/data", NULL, 0 };
    emu_rt_container init[2];
    memset(init, 0, sizeof init);
    init[0].name = "i1";
    init[0].argv = i1;
    init[0].argc = 3;
    init[0].mounts = &mnt;
    init[0].nmounts = 1;
    init[0].run_as_user = -1;
    init[1] = init[0];
    init[1].name = "i2";
    init[1].argv = i2;
    kv_list env = KV_LIST_INIT;
    kv_add(&env, "FOO", "bar");
    emu_rt_container main;
    memset(&main, 0, sizeof main);
    main.name = "main";
    main.argv = m;
    main.argc = 3;
    main.env = &env;
    main.working_dir = "/tmp";
    main.mounts = &mnt;
    main.nmounts = 1;
    main.run_as_user = -1;
    emu_rt_volume vol = { "data", EMU_VOL_EMPTYDIR, "", NULL, 0, NULL, NULL, 0, NULL };
    emu_rt_group_spec s;
    memset(&s, 0, sizeof s);
    s.id = "g-init";
    s.restart_policy = "Never";
    s.init_containers = init;
    s.ninit = 2;
    s.containers = &main;
    s.ncontainers = 1;
    s.volumes = &vol;
    s.nvolumes = 1;
    s.hostname = "mypod";
    s.termination_grace_seconds = 1;
    char err[256];
    assert_int_equal(emu_rt_start_group(f->rt, &s, err, sizeof err), 0);
    kv_free(&env);
    emu_rt_container_status c;
    assert_true(wait_state(f, "g-init", 2, KIND(EMU_CS_RUNNING), -1, &c));
    assert_int_equal(c.ready, 1);
    emu_rt_group_status st;
    assert_int_equal(emu_rt_group_status_get(f->rt, "g-init", &st), 0);
    assert_int_equal(st.ncontainers, 3);
    assert_int_equal(st.containers[0].is_init, 1);
    assert_string_equal(st.containers[0].name, "i1");
    assert_int_equal(st.containers[0].current.kind, EMU_CS_TERMINATED);
    assert_string_equal(st.containers[1].current.reason, "Completed");
    assert_int_equal(st.phase, EMU_GS_RUNNING);
    emu_rt_status_free(&st);
    char *l = NULL;
    for (int i = 0; i < WAIT_MS / POLL_MS; i++) {
        free(l);
        l = logs_of(f, "g-init", "main", 0);
        if (l && strstr(l, "/tmp\n"))
            break;
        sleep_ms(POLL_MS);
    }
    assert_string_equal(l, "one\ntwo\nbar mypod\n/tmp\n");
    free(l);
    /* exec sync in the container's context */
    const char *ex[] = { "sh", "-c", "cat ${ECI_VOLUME_DATA:-/data}/order; echo err >&2; exit 7" };
    dynbuf o, e;
    dynbuf_init(&o, 4096);
    dynbuf_init(&e, 4096);
    int code;
    assert_int_equal(emu_rt_exec_sync(f->rt, "g-init", "main", ex, 3, 10, &o, &e, &code, err, sizeof err), 0);
    assert_int_equal(code, 7);
    assert_string_equal(dynbuf_str(&o), "one\ntwo\n");
    assert_string_equal(dynbuf_str(&e), "err\n");
    dynbuf_free(&o);
    dynbuf_free(&e);
    const char *nf[] = { "no-such-command-xyz" };
    assert_int_equal(emu_rt_exec_sync(f->rt, "g-init", "main", nf, 1, 10, NULL, NULL, &code, err, sizeof err), -1);
    assert_non_null(strstr(err, "executable file not found"));
    assert_int_equal(emu_rt_stop_group(f->rt, "g-init", 1), 0);
    fx_free(f);
}

static void test_init_failure_never(void **state)
{
    (void)state;
    fixture *f = fx_new(0);
    const char *i1[] = { "sh", "-c", "exit 2" };
    const char *m[] = { "sleep", "100" };
    emu_rt_container init, main;
    memset(&init, 0, sizeof init);
    init.name = "i1";
    init.argv = i1;
    init.argc = 3;
    init.run_as_user = -1;
    memset(&main, 0, sizeof main);
    main.name = "main";
    main.argv = m;
    main.argc = 2;
    main.run_as_user = -1;
    emu_rt_group_spec s;
    memset(&s, 0, sizeof s);
    s.id = "g-if";
    s.restart_policy = "Never";
    s.init_containers = &init;
    s.ninit = 1;
    s.containers = &main;
    s.ncontainers = 1;
    char err[256];
    assert_int_equal(emu_rt_start_group(f->rt, &s, err, sizeof err), 0);
    assert_true(wait_state(f, "g-if", 0, KIND(EMU_CS_TERMINATED), -1, NULL));
    for (int i = 0; i < WAIT_MS / POLL_MS && phase_of(f, "g-if") != EMU_GS_FAILED; i++)
        sleep_ms(POLL_MS);
    assert_int_equal(phase_of(f, "g-if"), EMU_GS_FAILED);
    emu_rt_group_status st;
    assert_int_equal(emu_rt_group_status_get(f->rt, "g-if", &st), 0);
    assert_int_equal(st.containers[1].current.kind, EMU_CS_WAITING);
    assert_string_equal(st.containers[1].current.reason, "PodInitializing");
    emu_rt_status_free(&st);
    /* a missing executable: StartError and a Failed event */
    const char *nx[] = { "/nonexistent/prog" };
    start1(f, "g-nx", "Never", nx, 1, NULL);
    emu_rt_container_status c;
    assert_true(wait_state(f, "g-nx", 0, KIND(EMU_CS_TERMINATED), -1, &c));
    assert_string_equal(c.current.reason, "StartError");
    assert_true(has_event(f, "main/Warning/Failed;"));
    /* no command: idles until deleted */
    start1(f, "g-idle", "Always", NULL, 0, NULL);
    assert_true(wait_state(f, "g-idle", 0, KIND(EMU_CS_RUNNING), -1, &c));
    fx_free(f);
}

static int proc_alive(pid_t pid)
{
    char p[64], buf[512];
    snprintf(p, sizeof p, "/proc/%d/stat", (int)pid);
    FILE *fp = fopen(p, "r");
    if (!fp)
        return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, fp);
    fclose(fp);
    buf[n] = '\0';
    char *r = strrchr(buf, ')');
    return r && r[1] == ' ' && r[2] != 'Z' && r[2] != 'X';
}

static void test_stop_kills_tree(void **state)
{
    (void)state;
    fixture *f = fx_new(0);
    char pidfile[200];
    snprintf(pidfile, sizeof pidfile, "%s/pids", f->dir);
    kv_list env = KV_LIST_INIT;
    kv_add(&env, "PIDFILE", pidfile);
    const char *argv[] = { "sh", "-c", "trap '' TERM; sleep 1000 & echo $! > $PIDFILE.tmp; "
                                       "mv $PIDFILE.tmp $PIDFILE; while :; do sleep 1; done" };
    start1(f, "g-tree", "Always", argv, 3, &env);
    kv_free(&env);
    pid_t child = 0;
    for (int i = 0; i < WAIT_MS / POLL_MS && !child; i++) {
        FILE *fp = fopen(pidfile, "r");
        if (fp) {
            int p;
            if (fscanf(fp, "%d", &p) == 1)
                child = p;
            fclose(fp);
        }
        if (!child)
            sleep_ms(POLL_MS);
    }
    assert_true(child > 0);
    assert_true(proc_alive(child));
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    assert_int_equal(emu_rt_stop_group(f->rt, "g-tree", 1), 0); /* the shell ignores TERM: KILL after 1s */
    clock_gettime(CLOCK_MONOTONIC, &b);
    double took = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
    assert_true(took >= 0.9);
    int gone = 0;
    for (int i = 0; i < WAIT_MS / POLL_MS && !gone; i++) {
        gone = !proc_alive(child);
        if (!gone)
            sleep_ms(POLL_MS);
    }
    assert_true(gone);
    assert_true(has_event(f, "main/Normal/Killing;"));
    char gdir[300];
    snprintf(gdir, sizeof gdir, "%s/groups/g-tree", f->dir);
    struct stat sb;
    assert_int_equal(stat(gdir, &sb), -1);
    fx_free(f);
}

static void test_usage_and_restart(void **state)
{
    (void)state;
    fixture *f = fx_new(0);
    const char *argv[] = { "sh", "-c", "while :; do :; done" };
    start1(f, "g-busy", "Always", argv, 3, NULL);
    assert_true(wait_state(f, "g-busy", 0, KIND(EMU_CS_RUNNING), -1, NULL));
    emu_rt_usage *u = NULL;
    size_t n;
    for (int i = 0; i < WAIT_MS / 100; i++) { /* a loaded machine may give the loop little CPU */
        sleep_ms(100);
        free(u);
        assert_int_equal(emu_rt_usage_get(f->rt, "g-busy", &u, &n), 0);
        if (u[0].cpu_usage_core_nano_seconds > 100000000ULL && u[0].cpu_usage_nano_cores > 0)
            break;
    }
    assert_int_equal(n, 1);
    assert_string_equal(u[0].container, "main");
    assert_true(u[0].cpu_usage_core_nano_seconds > 100000000ULL);
    assert_true(u[0].cpu_usage_nano_cores > 0);
    assert_true(u[0].memory_working_set_bytes > 0);
    free(u);
    assert_int_equal(emu_rt_usage_get(f->rt, "nope", &u, &n), -1);
    assert_int_equal(emu_rt_restart_group(f->rt, "g-busy"), 0);
    assert_true(wait_state(f, "g-busy", 0, KIND(EMU_CS_RUNNING), 1, NULL));
    assert_int_equal(emu_rt_stop_group(f->rt, "g-busy", 0), 0);
    fx_free(f);
}

static void test_namespaces(void **state)
{
    (void)state;
    fixture *f = fx_ns();
    char mp[128], mp2[128];
    snprintf(mp, sizeof mp, "/tmp/eci-rt-mnt-%d", (int)getpid());
    snprintf(mp2, sizeof mp2, "/tmp/eci-rt-mnt2-%d", (int)getpid());
    emu_rt_file files[] = { { "a.txt", "hello-config\n", 13, 0 }, { "sub/b.txt", "bee\n", 4, 0 } };
    emu_rt_volume vols[] = {
        { "cfg", EMU_VOL_CONFIGFILE, "", files, 2, NULL, NULL, 0, NULL },
        { "share", EMU_VOL_NFS, "", NULL, 0, "nfs.example.com", "/export/x", 0, NULL },
    };
    emu_rt_mount mounts[] = { { "cfg", mp, NULL, 1 }, { "share", mp2, NULL, 0 } };
    const char *argv[] = { "sh", "-c", "sleep 100" };
    emu_rt_container c;
    memset(&c, 0, sizeof c);
    c.name = "main";
    c.argv = argv;
    c.argc = 3;
    c.mounts = mounts;
    c.nmounts = 2;
    c.run_as_user = -1;
    kv_list aliases = KV_LIST_INIT;
    kv_add(&aliases, "10.1.2.3", "foo.local bar.local");
    emu_rt_group_spec s;
    memset(&s, 0, sizeof s);
    s.id = "g-ns";
    s.restart_policy = "Always";
    s.containers = &c;
    s.ncontainers = 1;
    s.volumes = vols;
    s.nvolumes = 2;
    s.hostname = "nspod";
    s.host_aliases = &aliases;
    char err[256];
    assert_int_equal(emu_rt_start_group(f->rt, &s, err, sizeof err), 0);
    kv_free(&aliases);
    assert_true(wait_state(f, "g-ns", 0, KIND(EMU_CS_RUNNING), -1, NULL));
    char script[1200];
    snprintf(script, sizeof script,
             "cat %s/a.txt %s/sub/b.txt; cat /etc/hostname; hostname; grep foo.local /etc/hosts; "
             "touch %s/x 2>/dev/null && echo rw || echo ro; echo shared > %s/f", mp, mp, mp, mp2);
    const char *ex[] = { "sh", "-c", script };
    dynbuf o;
    dynbuf_init(&o, 4096);
    int code;
    assert_int_equal(emu_rt_exec_sync(f->rt, "g-ns", "main", ex, 3, 10, &o, NULL, &code, err, sizeof err), 0);
    assert_int_equal(code, 0);
    assert_string_equal(dynbuf_str(&o), "hello-config\nbee\nnspod\nnspod\n10.1.2.3\tfoo.local bar.local\nro\n");
    dynbuf_free(&o);
    /* the NFS directory is shared by server+path, and not visible on the host at mp2 */
    char nfsf[300];
    snprintf(nfsf, sizeof nfsf, "%s/nfs/nfs.example.com__export_x/f", f->dir);
    struct stat sb;
    assert_int_equal(stat(nfsf, &sb), 0);
    snprintf(nfsf, sizeof nfsf, "%s/f", mp2);
    assert_int_equal(stat(nfsf, &sb), -1);
    assert_int_equal(emu_rt_stop_group(f->rt, "g-ns", 0), 0);
    rmdir(mp);
    rmdir(mp2);
    fx_free(f);
}

static void test_no_namespaces_env(void **state)
{
    (void)state;
    fixture *f = fx_new(1);
    emu_rt_volume vol = { "my-vol", EMU_VOL_EMPTYDIR, "", NULL, 0, NULL, NULL, 0, NULL };
    const char *argv[] = { "sh", "-c", "echo $ECI_VOLUME_MY_VOL; sleep 100" };
    emu_rt_container c;
    memset(&c, 0, sizeof c);
    c.name = "main";
    c.argv = argv;
    c.argc = 3;
    c.run_as_user = -1;
    emu_rt_group_spec s;
    memset(&s, 0, sizeof s);
    s.id = "g-plain";
    s.containers = &c;
    s.ncontainers = 1;
    s.volumes = &vol;
    s.nvolumes = 1;
    char err[256];
    assert_int_equal(emu_rt_start_group(f->rt, &s, err, sizeof err), 0);
    char want[300];
    snprintf(want, sizeof want, "%s/groups/g-plain/volumes/my-vol\n", f->dir);
    char *l = NULL;
    for (int i = 0; i < WAIT_MS / POLL_MS; i++) {
        free(l);
        l = logs_of(f, "g-plain", "main", 0);
        if (l && *l)
            break;
        sleep_ms(POLL_MS);
    }
    char *real = realpath(f->dir, NULL);
    snprintf(want, sizeof want, "%s/groups/g-plain/volumes/my-vol\n", real);
    free(real);
    assert_string_equal(l, want);
    free(l);
    fx_free(f);
}

/* Hooks, subPath, Memory emptyDir (tmpfs), RunAsUser, UpdateContainerGroup. */
static void test_hooks_update_user(void **state)
{
    (void)state;
    fixture *f = fx_new(0);
    int ns = emu_rt_ns_available();
    char mark[200];
    snprintf(mark, sizeof mark, "%s/hk", f->dir);
    chmod(f->dir, 0755); /* the hooks run as RunAsUser too */
    assert_int_equal(mkdir(mark, 0777), 0);
    chmod(mark, 0777);
    snprintf(mark, sizeof mark, "%s/hk/hooks", f->dir);
    char post[300], pre[300];
    snprintf(post, sizeof post, "echo post >> %s", mark);
    snprintf(pre, sizeof pre, "echo pre >> %s", mark);
    const char *post_argv[] = { "sh", "-c", post };
    const char *pre_argv[] = { "sh", "-c", pre };
    char mp[128];
    snprintf(mp, sizeof mp, "/tmp/eci-rt-sub-%d", (int)getpid());
    emu_rt_volume vol = { "mem", EMU_VOL_EMPTYDIR, "Memory", NULL, 0, NULL, NULL, 0, "64Mi" };
    emu_rt_mount mnt = { "mem", mp, "inner/dir", 0 };
    const char *argv[] = { "sleep", "100" };
    emu_rt_container c;
    memset(&c, 0, sizeof c);
    c.name = "main";
    c.argv = argv;
    c.argc = 2;
    c.run_as_user = ns ? 65534 : -1;
    c.post_start.argv = post_argv;
    c.post_start.argc = 3;
    c.pre_stop.argv = pre_argv;
    c.pre_stop.argc = 3;
    c.mounts = &mnt;
    c.nmounts = 1;
    emu_rt_group_spec s;
    memset(&s, 0, sizeof s);
    s.id = "g-hooks";
    s.containers = &c;
    s.ncontainers = 1;
    s.volumes = &vol;
    s.nvolumes = 1;
    s.termination_grace_seconds = 2;
    char err[256];
    assert_int_equal(emu_rt_start_group(f->rt, &s, err, sizeof err), 0);
    assert_true(wait_state(f, "g-hooks", 0, KIND(EMU_CS_RUNNING), -1, NULL));
    if (ns) {
        char script[700];
        snprintf(script, sizeof script, "id -u; stat -f -c %%T %s; echo $(( $(stat -f -c '%%b * %%S' %s) )); "
                 "touch %s/w && echo writable", mp, mp, mp);
        const char *ex[] = { "sh", "-c", script };
        dynbuf o;
        dynbuf_init(&o, 4096);
        int code;
        assert_int_equal(emu_rt_exec_sync(f->rt, "g-hooks", "main", ex, 3, 10, &o, NULL, &code, err, sizeof err), 0);
        assert_string_equal(dynbuf_str(&o), "65534\ntmpfs\n67108864\nwritable\n"); /* SizeLimit 64Mi */
        dynbuf_free(&o);
    } else {
        print_message("no namespaces: RunAsUser, tmpfs and subPath checks skipped\n");
    }
    /* update: a new command; the restart count carries over and grows */
    const char *argv2[] = { "sh", "-c", "echo v2; sleep 100" };
    c.argv = argv2;
    c.argc = 3;
    c.post_start.argc = 0;
    assert_int_equal(emu_rt_update_group(f->rt, &s, err, sizeof err), 0);
    emu_rt_container_status st;
    assert_true(wait_state(f, "g-hooks", 0, KIND(EMU_CS_RUNNING), 1, &st));
    assert_int_equal(st.restart_count, 1);
    char *l = NULL;
    for (int i = 0; i < WAIT_MS / POLL_MS; i++) {
        free(l);
        l = logs_of(f, "g-hooks", "main", 0);
        if (l && *l)
            break;
        sleep_ms(POLL_MS);
    }
    assert_string_equal(l, "v2\n");
    free(l);
    assert_int_equal(emu_rt_stop_group(f->rt, "g-hooks", 2), 0);
    FILE *fp = fopen(mark, "r");
    assert_non_null(fp);
    char buf[64] = "";
    size_t n = fread(buf, 1, sizeof buf - 1, fp);
    buf[n] = '\0';
    fclose(fp);
    /* post-start once, pre-stop on the update's stop and on the final stop */
    assert_string_equal(buf, "post\npre\npre\n");
    rmdir(mp);
    fx_free(f);
}

static enum MHD_Result probe_handler(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                     const char *version, const char *data, size_t *size, void **ptr)
{
    (void)cls; (void)method; (void)version; (void)data; (void)size; (void)ptr;
    int ok = strcmp(url, "/healthz") == 0;
    struct MHD_Response *r = MHD_create_response_from_buffer(2, (void *)"ok", MHD_RESPMEM_PERSISTENT);
    enum MHD_Result rc = MHD_queue_response(conn, ok ? 200 : 500, r);
    MHD_destroy_response(r);
    return rc;
}

/* Readiness (exec, TCP, HTTP) and liveness probes. */
static void test_probes(void **state)
{
    (void)state;
    fixture *f = fx_new(0);
    char flag[200];
    snprintf(flag, sizeof flag, "%s/ready", f->dir);
    char check[300];
    snprintf(check, sizeof check, "test -f %s", flag);
    const char *ready_argv[] = { "sh", "-c", check };
    const char *fail_argv[] = { "false" };
    const char *argv[] = { "sleep", "100" };
    /* a listening TCP port and an HTTP server of our own */
    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_int_equal(listen(lfd, 8), 0);
    socklen_t sl = sizeof sa;
    getsockname(lfd, (struct sockaddr *)&sa, &sl);
    int tcp_port = ntohs(sa.sin_port);
    struct MHD_Daemon *d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, probe_handler, NULL,
                                            MHD_OPTION_END);
    assert_non_null(d);
    int http_port = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT)->port;

    emu_rt_container c[4];
    memset(c, 0, sizeof c);
    const char *names[] = { "exec", "tcp", "http", "live" };
    for (int i = 0; i < 4; i++) {
        c[i].name = names[i];
        c[i].argv = argv;
        c[i].argc = 2;
        c[i].run_as_user = -1;
        c[i].readiness.period_seconds = 1;
        c[i].readiness.failure_threshold = 1;
    }
    c[0].readiness.argv = ready_argv;
    c[0].readiness.argc = 3;
    c[1].readiness.tcp_port = tcp_port;
    c[2].readiness.http_port = http_port;
    c[2].readiness.http_path = "/healthz";
    c[3].readiness.tcp_port = 1; /* nothing listens: never ready */
    c[3].liveness.argv = fail_argv;
    c[3].liveness.argc = 1;
    c[3].liveness.period_seconds = 1;
    c[3].liveness.failure_threshold = 2;
    emu_rt_group_spec s;
    memset(&s, 0, sizeof s);
    s.id = "g-probe";
    s.containers = c;
    s.ncontainers = 4;
    s.termination_grace_seconds = 1;
    char err[256];
    assert_int_equal(emu_rt_start_group(f->rt, &s, err, sizeof err), 0);
    emu_rt_container_status st;
    assert_true(wait_state(f, "g-probe", 0, KIND(EMU_CS_RUNNING), -1, &st));
    /* the TCP and HTTP probes pass; then the exec one must still fail */
    emu_rt_group_status gs;
    for (int i = 0; i <= WAIT_MS / POLL_MS; i++) {
        assert_int_equal(emu_rt_group_status_get(f->rt, "g-probe", &gs), 0);
        if (gs.containers[1].ready && gs.containers[2].ready)
            break;
        emu_rt_status_free(&gs);
        sleep_ms(POLL_MS);
    }
    assert_int_equal(gs.containers[0].ready, 0); /* the flag file is missing */
    assert_int_equal(gs.containers[1].ready, 1);
    assert_int_equal(gs.containers[2].ready, 1);
    assert_int_equal(gs.containers[3].ready, 0);
    emu_rt_status_free(&gs);
    FILE *fp = fopen(flag, "w");
    assert_non_null(fp);
    fclose(fp);
    int ready = 0;
    for (int i = 0; i < WAIT_MS / POLL_MS && !ready; i++) {
        assert_int_equal(emu_rt_group_status_get(f->rt, "g-probe", &gs), 0);
        ready = gs.containers[0].ready;
        emu_rt_status_free(&gs);
        if (!ready)
            sleep_ms(POLL_MS);
    }
    assert_true(ready);
    /* liveness: two failures a second apart kill the container, which restarts */
    assert_true(wait_state(f, "g-probe", 3, KIND(EMU_CS_RUNNING) | KIND(EMU_CS_WAITING), 1, NULL));
    assert_true(has_event(f, "live/Warning/Unhealthy;"));
    assert_true(has_event(f, "live/Normal/Killing;"));
    assert_int_equal(emu_rt_stop_group(f->rt, "g-probe", 0), 0);
    MHD_stop_daemon(d);
    close(lfd);
    fx_free(f);
}


/* exec_sync of a shell script in a container; returns its stdout (caller frees). */
static char *sh_in(fixture *f, const char *id, const char *ctr, const char *script)
{
    const char *ex[] = { "sh", "-c", script };
    dynbuf o;
    dynbuf_init(&o, 1 << 16);
    int code;
    char err[256];
    if (emu_rt_exec_sync(f->rt, id, ctr, ex, 3, 10, &o, NULL, &code, err, sizeof err) < 0)
        fail_msg("exec in %s/%s: %s", id, ctr, err);
    size_t n;
    return dynbuf_take(&o, &n);
}

/* This process's CapBnd line from /proc/self/status. */
static void own_capbnd(char *out, size_t len)
{
    FILE *fp = fopen("/proc/self/status", "r");
    char line[256];
    out[0] = '\0';
    while (fp && fgets(line, sizeof line, fp))
        if (strncmp(line, "CapBnd:", 7) == 0)
            snprintf(out, len, "%s", line);
    if (fp)
        fclose(fp);
}

/* Read-only root, resolv.conf from the DNS fields, config file modes,
 * capabilities (default set, added, privileged), RunAsGroup and RunAsNonRoot. */
static void test_security_dns_modes(void **state)
{
    (void)state;
    fixture *f = fx_ns();
    char mp[128], mp2[128];
    snprintf(mp, sizeof mp, "/tmp/eci-rt-cfg-%d", (int)getpid());
    snprintf(mp2, sizeof mp2, "/tmp/eci-rt-scratch-%d", (int)getpid());
    emu_rt_file files[] = { { "secret", "s3\n", 3, 0400 }, { "plain", "p\n", 2, 0 } };
    emu_rt_volume vols[] = {
        { "cfg", EMU_VOL_CONFIGFILE, "", files, 2, NULL, NULL, 0, NULL },
        { "scratch", EMU_VOL_EMPTYDIR, "", NULL, 0, NULL, NULL, 0, NULL },
    };
    emu_rt_mount mounts[] = { { "cfg", mp, NULL, 1 }, { "scratch", mp2, NULL, 0 } };
    const char *argv[] = { "sleep", "100" };
    const char *net_admin[] = { "NET_ADMIN" };
    emu_rt_container c[5];
    memset(c, 0, sizeof c);
    const char *names[] = { "ro", "caps", "priv", "grp", "nonroot" };
    for (int i = 0; i < 5; i++) {
        c[i].name = names[i];
        c[i].argv = argv;
        c[i].argc = 2;
        c[i].run_as_user = -1;
        c[i].run_as_group = -1;
    }
    c[0].read_only_root = 1;
    c[0].mounts = mounts;
    c[0].nmounts = 2;
    c[1].cap_add = net_admin;
    c[1].ncap_add = 1;
    c[2].privileged = 1;
    c[3].run_as_user = 1000;
    c[3].run_as_group = 3000;
    c[4].run_as_non_root = 1;
    const char *dns_ns[] = { "10.0.0.10", "1.1.1.1" };
    const char *dns_search[] = { "ns1.svc.cluster.local", "cluster.local" };
    kv_list opts = KV_LIST_INIT;
    kv_add(&opts, "ndots", "5");
    kv_add(&opts, "edns0", "");
    emu_rt_group_spec s;
    memset(&s, 0, sizeof s);
    s.id = "g-sec";
    s.containers = c;
    s.ncontainers = 5;
    s.volumes = vols;
    s.nvolumes = 2;
    s.dns_policy = "None";
    s.dns_nameservers = dns_ns;
    s.ndns_nameservers = 2;
    s.dns_searches = dns_search;
    s.ndns_searches = 2;
    s.dns_options = &opts;
    s.termination_grace_seconds = 1;
    char err[256];
    assert_int_equal(emu_rt_start_group(f->rt, &s, err, sizeof err), 0);
    kv_free(&opts);
    /* a snapshot taken at once is followed by a newer one with every change */
    emu_rt_group_status early;
    assert_int_equal(emu_rt_group_status_since(f->rt, "g-sec", 0, &early), 1);
    uint64_t gen = early.gen;
    int refused = !strcmp(early.containers[4].current.reason, "CreateContainerConfigError") &&
                  early.phase == EMU_GS_STARTING;
    emu_rt_status_free(&early);
    for (int i = 0; i < WAIT_MS / POLL_MS && !refused; i++) {
        emu_rt_group_status later;
        int r = emu_rt_group_status_since(f->rt, "g-sec", gen, &later);
        if (r == 1) {
            gen = later.gen;
            refused = !strcmp(later.containers[4].current.reason, "CreateContainerConfigError") &&
                      later.phase == EMU_GS_STARTING;
            emu_rt_status_free(&later);
        }
        if (!refused)
            sleep_ms(POLL_MS);
    }
    assert_true(refused);
    emu_rt_container_status st;
    assert_true(wait_state(f, "g-sec", 3, KIND(EMU_CS_RUNNING), -1, NULL));
    /* every container is started in one pass: the refusal is already there */
    assert_true(wait_state(f, "g-sec", 4, KIND(EMU_CS_WAITING), -1, &st));
    assert_string_equal(st.current.reason, "CreateContainerConfigError");
    assert_non_null(strstr(st.current.message, "container has runAsNonRoot and image will run as root"));
    assert_int_equal(phase_of(f, "g-sec"), EMU_GS_STARTING); /* a container never created: Pending */
    assert_true(has_event(f, "nonroot/Warning/Failed;"));

    char script[1200];
    snprintf(script, sizeof script,
             "touch /eci-rt-ro-probe 2>/dev/null && echo root-rw || echo root-ro; "
             "touch %s/x && echo scratch-rw; stat -c '%%a %%n' %s/secret %s/plain; cat /etc/resolv.conf",
             mp2, mp, mp);
    char *out = sh_in(f, "g-sec", "ro", script);
    char want[1200];
    snprintf(want, sizeof want,
             "root-ro\nscratch-rw\n400 %s/secret\n644 %s/plain\n"
             "search ns1.svc.cluster.local cluster.local\nnameserver 10.0.0.10\nnameserver 1.1.1.1\n"
             "options ndots:5 edns0\n", mp, mp);
    assert_string_equal(out, want);
    free(out);
    struct stat sb;
    assert_int_equal(stat("/eci-rt-ro-probe", &sb), -1); /* nothing reached the host's root either */

    out = sh_in(f, "g-sec", "caps", "grep CapBnd /proc/self/status");
    /* the default set (0xa80425fb without NET_RAW: 0xa80405fb) plus NET_ADMIN (bit 12) */
    assert_string_equal(out, "CapBnd:\t00000000a80415fb\n");
    free(out);
    char mine[300];
    own_capbnd(mine, sizeof mine);
    out = sh_in(f, "g-sec", "priv", "grep CapBnd /proc/self/status");
    assert_string_equal(out, mine);
    free(out);
    out = sh_in(f, "g-sec", "grp", "id -u; id -g; id -G");
    assert_string_equal(out, "1000\n3000\n3000\n");
    free(out);
    assert_int_equal(emu_rt_stop_group(f->rt, "g-sec", 0), 0);
    rmdir(mp);
    rmdir(mp2);
    fx_free(f);
}

/* The termination message: the file at the path, the log fallback on
 * failure, nothing on success with an empty file. */
static void test_termination_message(void **state)
{
    (void)state;
    fixture *f = fx_ns();
    char tp[128];
    snprintf(tp, sizeof tp, "/tmp/eci-rt-term-%d", (int)getpid());
    char s1[300];
    snprintf(s1, sizeof s1, "echo done-by-file > %s; exit 3", tp);
    const char *a0[] = { "sh", "-c", "printf bye > /dev/termination-log; exit 0" };
    const char *a1[] = { "sh", "-c", s1 };
    const char *a2[] = { "sh", "-c", "echo line1; echo oops; exit 2" };
    const char *a3[] = { "sh", "-c", "echo fine; exit 0" };
    emu_rt_container c[4];
    memset(c, 0, sizeof c);
    const char *names[] = { "dflt", "path", "fallback", "quiet" };
    const char *const *argvs[] = { a0, a1, a2, a3 };
    for (int i = 0; i < 4; i++) {
        c[i].name = names[i];
        c[i].argv = argvs[i];
        c[i].argc = 3;
        c[i].run_as_user = -1;
        c[i].run_as_group = -1;
    }
    c[1].termination_message_path = tp;
    c[1].read_only_root = 1; /* the message file is writable on a read-only root */
    c[2].termination_fallback_to_logs = 1;
    c[3].termination_fallback_to_logs = 1;
    emu_rt_group_spec s;
    memset(&s, 0, sizeof s);
    s.id = "g-term";
    s.restart_policy = "Never";
    s.containers = c;
    s.ncontainers = 4;
    char err[256];
    assert_int_equal(emu_rt_start_group(f->rt, &s, err, sizeof err), 0);
    const char *want[] = { "bye", "done-by-file\n", "line1\noops\n", "" };
    for (size_t i = 0; i < 4; i++) {
        emu_rt_container_status st;
        assert_true(wait_state(f, "g-term", i, KIND(EMU_CS_TERMINATED), -1, &st));
        assert_string_equal(st.current.message, want[i]);
    }
    assert_int_equal(emu_rt_stop_group(f->rt, "g-term", 0), 0);
    unlink(tp);
    fx_free(f);
}

/* While a stop runs, the group stays readable and shows each container
 * terminated as it exits: one that ends on SIGTERM (143) long before one
 * that ignores it is killed at the end of the grace period. */
static void test_stop_shows_progress(void **state)
{
    (void)state;
    fixture *f = fx_new(0);
    const char *names[2] = { "stubborn", "plain" };
    const char *argvs[2][3] = { { "sh", "-c", "trap '' TERM; while :; do sleep 0.2; done" },
                                { "sh", "-c", "sleep 3600" } };
    emu_rt_container c[2];
    memset(c, 0, sizeof c);
    for (int i = 0; i < 2; i++) {
        c[i].name = names[i];
        c[i].argv = argvs[i];
        c[i].argc = 3;
        c[i].run_as_user = -1;
        c[i].run_as_group = -1;
    }
    emu_rt_group_spec s;
    memset(&s, 0, sizeof s);
    s.id = "g-stopping";
    s.restart_policy = "Always";
    s.containers = c;
    s.ncontainers = 2;
    char err[256];
    assert_int_equal(emu_rt_start_group(f->rt, &s, err, sizeof err), 0);
    emu_rt_container_status st;
    assert_true(wait_state(f, "g-stopping", 0, KIND(EMU_CS_RUNNING), -1, &st));
    assert_true(wait_state(f, "g-stopping", 1, KIND(EMU_CS_RUNNING), -1, &st));
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    emu_rt_stopper sa;
    assert_int_equal(emu_rt_stopper_start(&sa, f->rt, "g-stopping", 4), 0);
    assert_true(wait_state(f, "g-stopping", 1, KIND(EMU_CS_TERMINATED), -1, &st));
    assert_int_equal(st.current.exit_code, 143);
    assert_int_equal(st.current.signal, 15);
    assert_int_equal(emu_rt_stopper_join(&sa), 0);
    clock_gettime(CLOCK_MONOTONIC, &b);
    assert_true((double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9 >= 3.9);
    emu_rt_group_status gs;
    assert_int_equal(emu_rt_group_status_get(f->rt, "g-stopping", &gs), -1);
    fx_free(f);
}

static pthread_mutex_t hook_mu = PTHREAD_MUTEX_INITIALIZER;
static char hook_seen[512];

static enum MHD_Result hook_handler(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                    const char *version, const char *data, size_t *size, void **ptr)
{
    (void)cls; (void)version; (void)data; (void)size; (void)ptr;
    const char *h = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Hook");
    pthread_mutex_lock(&hook_mu);
    size_t n = strlen(hook_seen);
    snprintf(hook_seen + n, sizeof hook_seen - n, "%s %s %s;", method, url, h ? h : "-");
    pthread_mutex_unlock(&hook_mu);
    /* a 500 answer still counts as a run hook, as in the kubelet */
    struct MHD_Response *r = MHD_create_response_from_buffer(2, (void *)"no", MHD_RESPMEM_PERSISTENT);
    enum MHD_Result rc = MHD_queue_response(conn, 500, r);
    MHD_destroy_response(r);
    return rc;
}

/* postStart over HTTP (with a header), preStop over TCP, and a TCP
 * postStart that fails: FailedPostStartHook and the container is killed. */
static void test_net_hooks(void **state)
{
    (void)state;
    fixture *f = fx_new(0);
    struct MHD_Daemon *d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, hook_handler, NULL,
                                            MHD_OPTION_END);
    assert_non_null(d);
    int http_port = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT)->port;
    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_int_equal(listen(lfd, 8), 0);
    socklen_t sl = sizeof sa;
    getsockname(lfd, (struct sockaddr *)&sa, &sl);
    int tcp_port = ntohs(sa.sin_port);

    const char *argv[] = { "sleep", "100" };
    kv_list hdr = KV_LIST_INIT;
    kv_add(&hdr, "X-Hook", "post");
    emu_rt_container c[2];
    memset(c, 0, sizeof c);
    c[0].name = "web";
    c[1].name = "bad";
    for (int i = 0; i < 2; i++) {
        c[i].argv = argv;
        c[i].argc = 2;
        c[i].run_as_user = -1;
        c[i].run_as_group = -1;
    }
    c[0].post_start.http_port = http_port;
    c[0].post_start.http_path = "/started";
    c[0].post_start.http_headers = &hdr;
    c[0].pre_stop.tcp_port = tcp_port;
    c[0].pre_stop.tcp_host = "127.0.0.1";
    c[1].post_start.tcp_port = 1; /* nothing listens */
    emu_rt_group_spec s;
    memset(&s, 0, sizeof s);
    s.id = "g-nethooks";
    s.restart_policy = "Always";
    s.containers = c;
    s.ncontainers = 2;
    s.termination_grace_seconds = 2;
    char err[256];
    assert_int_equal(emu_rt_start_group(f->rt, &s, err, sizeof err), 0);
    kv_free(&hdr);
    assert_true(wait_state(f, "g-nethooks", 0, KIND(EMU_CS_RUNNING), -1, NULL));
    int seen = 0;
    for (int i = 0; i < WAIT_MS / POLL_MS && !seen; i++) {
        pthread_mutex_lock(&hook_mu);
        seen = strstr(hook_seen, "GET /started post;") != NULL;
        pthread_mutex_unlock(&hook_mu);
        if (!seen)
            sleep_ms(POLL_MS);
    }
    assert_true(seen);
    /* the failed hook kills "bad", which restarts under Always */
    assert_true(wait_state(f, "g-nethooks", 1, KIND(EMU_CS_WAITING) | KIND(EMU_CS_RUNNING), 1, NULL));
    assert_true(has_event(f, "bad/Warning/FailedPostStartHook;"));
    assert_false(has_event(f, "web/Warning/FailedPostStartHook;"));
    assert_int_equal(emu_rt_stop_group(f->rt, "g-nethooks", 2), 0);
    /* the pre-stop TCP connect reached the listener */
    int afd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
    assert_true(afd >= 0);
    close(afd);
    assert_false(has_event(f, "web/Warning/FailedPreStopHook;"));
    close(lfd);
    MHD_stop_daemon(d);
    fx_free(f);
}

static void test_log_ring(void **state)
{
    (void)state;
    emu_rt_log *l = emu_rt_log_new(20);
    struct timespec t1 = { 1000, 5 }, t2 = { 2000, 0 }, t3 = { 3000, 0 };
    emu_rt_log_write(l, "aaaa\nbb", 7, &t1);
    emu_rt_log_write(l, "bb\ncccc\n", 8, &t2);
    emu_rt_log_write(l, "dd", 2, &t3);
    dynbuf b;
    dynbuf_init(&b, 4096);
    emu_rt_log_read(l, NULL, -1, 0, 0, &b);
    assert_string_equal(b.buf, "aaaa\nbbbb\ncccc\ndd");
    dynbuf_reset(&b);
    emu_rt_log_read(l, NULL, 2, 0, 0, &b);
    assert_string_equal(b.buf, "cccc\ndd");
    dynbuf_reset(&b);
    emu_rt_log_read(l, &t2, -1, 0, 0, &b);
    assert_string_equal(b.buf, "cccc\ndd");
    dynbuf_reset(&b);
    emu_rt_log_read(l, NULL, -1, 7, 0, &b);
    assert_string_equal(b.buf, "aaaa\nbb");
    dynbuf_reset(&b);
    emu_rt_log_read(l, NULL, 1, 0, 1, &b);
    assert_string_equal(b.buf, "1970-01-01T00:50:00.000000000Z dd");
    dynbuf_reset(&b);
    emu_rt_log_read(l, NULL, 3, 0, 1, &b);
    assert_memory_equal(b.buf, "1970-01-01T00:16:40.000000005Z bbbb\n", 36);
    /* cap 20: writing 12 more bytes drops the oldest lines */
    emu_rt_log_flush(l);
    emu_rt_log_write(l, "eeeeeeeeeee\n", 12, &t3);
    dynbuf_reset(&b);
    emu_rt_log_read(l, NULL, -1, 0, 0, &b);
    assert_string_equal(b.buf, "cccc\ndd" "eeeeeeeeeee\n");
    dynbuf_free(&b);
    emu_rt_log_free(l);
}

static int count_fds(void)
{
    int n = 0;
    for (int fd = 0; fd < 1024; fd++)
        if (fcntl(fd, F_GETFD) >= 0)
            n++;
    return n;
}

static int fds_at_start;

/* After every group was stopped: no fd, child or thread left behind. */
static void test_no_leaks(void **state)
{
    (void)state;
    assert_int_equal(count_fds(), fds_at_start);
    assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
    assert_int_equal(errno, ECHILD);
    assert_int_equal(unit_threads(), 1);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    fds_at_start = count_fds();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_log_ring),
        cmocka_unit_test(test_exit_code_and_logs),
        cmocka_unit_test(test_restart_policies),
        cmocka_unit_test(test_init_order_env_volume),
        cmocka_unit_test(test_init_failure_never),
        cmocka_unit_test(test_stop_kills_tree),
        cmocka_unit_test(test_stop_shows_progress),
        cmocka_unit_test(test_usage_and_restart),
        cmocka_unit_test(test_namespaces),
        cmocka_unit_test(test_no_namespaces_env),
        cmocka_unit_test(test_hooks_update_user),
        cmocka_unit_test(test_probes),
        cmocka_unit_test(test_security_dns_modes),
        cmocka_unit_test(test_termination_message),
        cmocka_unit_test(test_net_hooks),
        cmocka_unit_test(test_no_leaks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
