/* eci/emulator/emu_rt_sim.c through runtime.h with emu_rt_options.simulated:
 * the state machine without processes (scripts of echo/sleep/exit, restart
 * policies with back-off, init order, CreateContainerConfigError, restart
 * and update), logs, usage, exec, the change generation, and 10,000 groups. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "eci/emulator/runtime.h"
#include "tests/unit/emu_rt_stopper.h"
#include "util/clock.h"
#include "util/xmalloc.h"

/* Generous: a loaded machine may be slow, never wrong. */
#define WAIT_MS 60000
#define POLL_MS 10

typedef struct sim_fx {
    emu_rt *rt;
    pthread_mutex_t mu;
    dynbuf events;
} sim_fx;

static void on_event(void *ud, const char *gid, const char *ctr, const char *type, const char *reason,
                     const char *msg)
{
    sim_fx *f = ud;
    (void)gid;
    (void)msg;
    pthread_mutex_lock(&f->mu);
    dynbuf_printf(&f->events, "%s/%s/%s;", ctr, type, reason);
    pthread_mutex_unlock(&f->mu);
}

static int saw(sim_fx *f, const char *needle)
{
    pthread_mutex_lock(&f->mu);
    int r = strstr(dynbuf_str(&f->events), needle) != NULL;
    pthread_mutex_unlock(&f->mu);
    return r;
}

static sim_fx *sim_new(void)
{
    sim_fx *f = xcalloc(1, sizeof *f);
    pthread_mutex_init(&f->mu, NULL);
    dynbuf_init(&f->events, 1 << 24);
    emu_rt_options o;
    memset(&o, 0, sizeof o);
    o.on_event = on_event;
    o.event_ud = f;
    o.simulated = 1;
    char err[256];
    f->rt = emu_rt_new(&o, err, sizeof err);
    if (!f->rt)
        fail_msg("emu_rt_new: %s", err);
    assert_true(emu_rt_simulated(f->rt));
    return f;
}

static void sim_free(sim_fx *f)
{
    emu_rt_free(f->rt);
    dynbuf_free(&f->events);
    pthread_mutex_destroy(&f->mu);
    free(f);
}

static void nap(void) { clock_sleep_ms(POLL_MS); }

/* Container idx of group id as it is now (1), or 0 when unknown. */
static int ctr_now(sim_fx *f, const char *id, size_t idx, emu_rt_container_status *out, emu_rt_group_phase *ph)
{
    emu_rt_group_status st;
    if (emu_rt_group_status_get(f->rt, id, &st) < 0 || idx >= st.ncontainers) {
        emu_rt_status_free(&st);
        return 0;
    }
    *out = st.containers[idx];
    if (ph)
        *ph = st.phase;
    emu_rt_status_free(&st);
    return 1;
}

/* Wait until container idx has reason (and at least restarts restarts). */
static int wait_reason(sim_fx *f, const char *id, size_t idx, const char *reason, int restarts,
                       emu_rt_container_status *out)
{
    for (int i = 0; i <= WAIT_MS / POLL_MS; i++) {
        if (ctr_now(f, id, idx, out, NULL) && !strcmp(out->current.reason, reason) && out->restart_count >= restarts)
            return 1;
        nap();
    }
    return 0;
}

static emu_rt_container ctr(const char *name, const char *const *argv, size_t argc)
{
    emu_rt_container c;
    memset(&c, 0, sizeof c);
    c.name = name;
    c.image = "busybox";
    c.argv = argv;
    c.argc = argc;
    c.run_as_user = -1;
    c.run_as_group = -1;
    return c;
}

static void start(sim_fx *f, const char *id, const char *policy, emu_rt_container *inits, size_t ninit,
                  emu_rt_container *cs, size_t n)
{
    emu_rt_group_spec s;
    memset(&s, 0, sizeof s);
    s.id = id;
    s.restart_policy = policy;
    s.init_containers = inits;
    s.ninit = ninit;
    s.containers = cs;
    s.ncontainers = n;
    char err[256];
    if (emu_rt_start_group(f->rt, &s, err, sizeof err) < 0)
        fail_msg("start %s: %s", id, err);
}

static char *logs(sim_fx *f, const char *id, const char *c, int previous, int *rc)
{
    dynbuf b;
    dynbuf_init(&b, 1 << 20);
    *rc = emu_rt_logs(f->rt, id, c, previous, NULL, -1, 0, 0, &b);
    size_t n;
    return dynbuf_take(&b, &n);
}

/* A script: lines at their times, the exit code, the group's end, and no
 * process anywhere. */
static void test_script_and_logs(void **state)
{
    (void)state;
    sim_fx *f = sim_new();
    kv_list env = KV_LIST_INIT;
    kv_add(&env, "WHO", "world");
    const char *a[] = { "sh", "-c",
                        "echo \"hello $WHO\"; sleep 0.2; echo 'two  words $WHO' >&2; echo to-file > /tmp/x; exit 3" };
    emu_rt_container c = ctr("main", a, 3);
    c.env = &env;
    start(f, "g-script", "Never", NULL, 0, &c, 1);
    kv_free(&env);
    emu_rt_container_status st;
    assert_true(wait_reason(f, "g-script", 0, "Error", 0, &st));
    assert_int_equal(st.current.kind, EMU_CS_TERMINATED);
    assert_int_equal(st.current.exit_code, 3);
    assert_true(st.current.finish_time >= st.current.start_time);
    emu_rt_group_phase ph;
    assert_true(ctr_now(f, "g-script", 0, &st, &ph));
    assert_int_equal(ph, EMU_GS_FAILED);
    int rc;
    char *l = logs(f, "g-script", "main", 0, &rc);
    assert_int_equal(rc, 0);
    assert_string_equal(l, "hello world\ntwo  words $WHO\n");
    free(l);
    l = logs(f, "g-script", "main", 1, &rc);
    assert_int_equal(rc, -2); /* no previous run */
    free(l);
    l = logs(f, "g-script", "nope", 0, &rc);
    assert_int_equal(rc, -1);
    free(l);
    assert_true(saw(f, "main/Normal/Started;"));
    assert_int_equal(waitpid(-1, NULL, WNOHANG), -1); /* nothing was ever forked */
    assert_int_equal(errno, ECHILD);
    assert_int_equal(emu_rt_stop_group(f->rt, "g-script", 30), 0);
    assert_int_equal(emu_rt_stop_group(f->rt, "g-script", 30), -1);
    sim_free(f);
}

/* Restart policies: Always with a failing command backs off and restarts;
 * OnFailure with success completes; a command it cannot read runs on. */
static void test_policies(void **state)
{
    (void)state;
    sim_fx *f = sim_new();
    const char *fail[] = { "false" };
    const char *ok[] = { "sh", "-c", "echo done" };
    const char *server[] = { "nginx", "-g", "daemon off;" };
    emu_rt_container c1 = ctr("crash", fail, 1);
    start(f, "g-always", "Always", NULL, 0, &c1, 1);
    emu_rt_container_status st;
    assert_true(wait_reason(f, "g-always", 0, "CrashLoopBackOff", 2, &st));
    assert_int_equal(st.previous.kind, EMU_CS_TERMINATED);
    assert_int_equal(st.previous.exit_code, 1);
    assert_non_null(strstr(st.current.message, "back-off"));
    assert_true(saw(f, "crash/Warning/BackOff;"));
    int rc;
    char *l = logs(f, "g-always", "crash", 1, &rc);
    assert_int_equal(rc, 0); /* a previous run exists (empty log) */
    free(l);

    emu_rt_container c2 = ctr("job", ok, 3);
    start(f, "g-onfail", "OnFailure", NULL, 0, &c2, 1);
    assert_true(wait_reason(f, "g-onfail", 0, "Completed", 0, &st));
    emu_rt_group_phase ph;
    assert_true(ctr_now(f, "g-onfail", 0, &st, &ph));
    assert_int_equal(ph, EMU_GS_SUCCEEDED);
    assert_int_equal(st.restart_count, 0);

    emu_rt_container c3 = ctr("web", server, 3);
    start(f, "g-server", "Always", NULL, 0, &c3, 1);
    assert_true(wait_reason(f, "g-server", 0, "Started", 0, &st));
    assert_int_equal(st.current.kind, EMU_CS_RUNNING);
    assert_int_equal(st.ready, 1);
    sim_free(f);
}

/* Init containers in order, then the containers; a failing init container
 * under Never fails the group; RunAsNonRoot as the kubelet refuses it. */
static void test_init_and_config_error(void **state)
{
    (void)state;
    sim_fx *f = sim_new();
    const char *i1[] = { "sh", "-c", "echo one; sleep 0.1" };
    const char *i2[] = { "sh", "-c", "echo two $HOSTNAME" };
    const char *m[] = { "sleep", "3600" };
    emu_rt_container inits[2] = { ctr("init1", i1, 3), ctr("init2", i2, 3) };
    emu_rt_container mains[2] = { ctr("app", m, 2), ctr("idle", NULL, 0) };
    start(f, "g-init", "Always", inits, 2, mains, 2);
    emu_rt_container_status st;
    emu_rt_group_phase ph = EMU_GS_STARTING;
    assert_true(wait_reason(f, "g-init", 2, "Started", 0, &st));
    assert_true(ctr_now(f, "g-init", 1, &st, &ph));
    assert_string_equal(st.current.reason, "Completed");
    assert_int_equal(ph, EMU_GS_RUNNING);
    assert_true(ctr_now(f, "g-init", 0, &st, NULL));
    assert_true(st.current.finish_time >= st.current.start_time);
    int rc;
    char *l = logs(f, "g-init", "init2", 0, &rc);
    assert_string_equal(l, "two g-init\n"); /* HOSTNAME: the group id without a hostname */
    free(l);

    /* an init container that runs for an hour holds the others back */
    const char *long_init[] = { "sleep", "3600" };
    emu_rt_container li = ctr("wait", long_init, 2);
    emu_rt_container lm = ctr("app", m, 2);
    start(f, "g-initwait", "Always", &li, 1, &lm, 1);
    assert_true(ctr_now(f, "g-initwait", 1, &st, &ph));
    assert_string_equal(st.current.reason, "PodInitializing");
    assert_int_equal(ph, EMU_GS_STARTING);

    const char *bad[] = { "sh", "-c", "exit 2" };
    emu_rt_container bi = ctr("setup", bad, 3);
    emu_rt_container bm = ctr("app", m, 2);
    start(f, "g-initfail", "Never", &bi, 1, &bm, 1);
    assert_true(wait_reason(f, "g-initfail", 0, "Error", 0, &st));
    for (int i = 0; i <= WAIT_MS / POLL_MS && ph != EMU_GS_FAILED; i++, nap())
        ctr_now(f, "g-initfail", 1, &st, &ph);
    assert_int_equal(ph, EMU_GS_FAILED);
    assert_int_equal(st.current.kind, EMU_CS_WAITING); /* never started */

    emu_rt_container nr = ctr("app", m, 2);
    nr.run_as_non_root = 1;
    nr.run_as_user = 0;
    start(f, "g-nonroot", "Always", NULL, 0, &nr, 1);
    assert_true(ctr_now(f, "g-nonroot", 0, &st, &ph));
    assert_string_equal(st.current.reason, "CreateContainerConfigError");
    assert_non_null(strstr(st.current.message, "runAsUser breaks non-root policy"));
    assert_int_equal(ph, EMU_GS_STARTING);
    assert_true(saw(f, "app/Warning/Failed;"));
    sim_free(f);
}

/* Restart and update carry the restart count; the generation moves only
 * with a change; exec answers echo and refuses the rest; usage is the same
 * figure each time. */
static void test_restart_update_exec_usage(void **state)
{
    (void)state;
    sim_fx *f = sim_new();
    const char *m[] = { "sleep", "3600" };
    emu_rt_container c = ctr("app", m, 2);
    start(f, "g-ops", "Always", NULL, 0, &c, 1);
    emu_rt_group_status st;
    assert_int_equal(emu_rt_group_status_since(f->rt, "g-ops", 0, &st), 1);
    uint64_t gen = st.gen;
    assert_true(gen > 0);
    assert_true(st.next_change_ms > 0); /* the sleep ends in an hour */
    emu_rt_status_free(&st);
    assert_int_equal(emu_rt_group_status_since(f->rt, "g-ops", gen, &st), 0);
    assert_int_equal(emu_rt_group_status_since(f->rt, "nope", 0, &st), -1);

    assert_int_equal(emu_rt_restart_group(f->rt, "g-ops"), 0);
    assert_int_equal(emu_rt_group_status_since(f->rt, "g-ops", gen, &st), 1);
    assert_int_equal(st.containers[0].restart_count, 1);
    assert_int_equal(st.containers[0].previous.exit_code, 143); /* stopped with SIGTERM */
    assert_int_equal(st.containers[0].current.kind, EMU_CS_RUNNING);
    emu_rt_status_free(&st);
    assert_true(saw(f, "app/Normal/Killing;"));

    const char *m2[] = { "sh", "-c", "echo v2; sleep 3600" };
    c.argv = m2;
    c.argc = 3;
    emu_rt_group_spec s;
    memset(&s, 0, sizeof s);
    s.id = "g-ops";
    s.containers = &c;
    s.ncontainers = 1;
    char err[256];
    assert_int_equal(emu_rt_update_group(f->rt, &s, err, sizeof err), 0);
    s.id = "nope";
    assert_int_equal(emu_rt_update_group(f->rt, &s, err, sizeof err), -1);
    emu_rt_container_status cs;
    assert_true(ctr_now(f, "g-ops", 0, &cs, NULL));
    assert_int_equal(cs.restart_count, 2);
    int rc;
    char *l = logs(f, "g-ops", NULL, 0, &rc);
    assert_string_equal(l, "v2\n");
    free(l);

    const char *echo[] = { "echo", "hi", "there" };
    const char *ls[] = { "ls", "/" };
    dynbuf o;
    dynbuf_init(&o, 4096);
    int code;
    assert_int_equal(emu_rt_exec_sync(f->rt, "g-ops", "app", echo, 3, 10, &o, NULL, &code, err, sizeof err), 0);
    assert_int_equal(code, 0);
    assert_string_equal(dynbuf_str(&o), "hi there\n");
    assert_int_equal(emu_rt_exec_sync(f->rt, "g-ops", "app", ls, 2, 10, &o, NULL, &code, err, sizeof err), -1);
    assert_non_null(strstr(err, "simulated"));
    dynbuf_free(&o);
    assert_null(emu_rt_exec_session(f->rt, "g-ops", "app", echo, 3, 0, 0, err, sizeof err));
    assert_non_null(strstr(err, "--runtime simulated"));
    assert_null(emu_rt_exec_session(f->rt, "g-ops", "nope", echo, 3, 0, 0, err, sizeof err));
    assert_non_null(strstr(err, "not found"));

    emu_rt_usage *u1, *u2;
    size_t n1, n2;
    assert_int_equal(emu_rt_usage_get(f->rt, "g-ops", &u1, &n1), 0);
    assert_int_equal(emu_rt_usage_get(f->rt, "g-ops", &u2, &n2), 0);
    assert_int_equal(n1, 1);
    assert_string_equal(u1[0].container, "app");
    assert_true(u1[0].cpu_usage_nano_cores > 0);
    assert_true(u1[0].memory_working_set_bytes >= (16u << 20));
    assert_true(u1[0].cpu_usage_nano_cores == u2[0].cpu_usage_nano_cores);
    assert_true(u1[0].memory_working_set_bytes == u2[0].memory_working_set_bytes);
    assert_true(u2[0].cpu_usage_core_nano_seconds >= u1[0].cpu_usage_core_nano_seconds);
    free(u1);
    free(u2);
    assert_int_equal(emu_rt_usage_get(f->rt, "nope", &u1, &n1), -1);
    sim_free(f);
}

/* Ten thousand groups: all running at once, no process, no thread. */
/* Wait until group id reaches phase ph. */
static int wait_phase(sim_fx *f, const char *id, emu_rt_group_phase want)
{
    for (int i = 0; i <= WAIT_MS / POLL_MS; i++) {
        emu_rt_container_status st;
        emu_rt_group_phase ph;
        if (ctr_now(f, id, 0, &st, &ph) && ph == want)
            return 1;
        nap();
    }
    return 0;
}

/* ECI's env conventions: a sidecar stops once the app containers finished
 * (the group succeeds); an ignored exit code does not fail the group. */
static void test_sidecar_and_ignored_exit(void **state)
{
    (void)state;
    sim_fx *f = sim_new();
    const char *ok[] = { "sh", "-c", "echo done" };
    const char *fail[] = { "false" };
    const char *server[] = { "nginx", "-g", "daemon off;" };
    kv_list side, ign;
    kv_init(&side);
    kv_init(&ign);
    kv_add(&side, "ECI_CONTAINER_TYPE", "sidecar");
    kv_add(&ign, "ECI_CONTAINER_IGNORE_EXIT_CODE", "true");
    emu_rt_container cs[2] = { ctr("app", ok, 3), ctr("proxy", server, 3) };
    cs[1].env = &side;
    start(f, "g-sidecar", "Never", NULL, 0, cs, 2);
    assert_true(wait_phase(f, "g-sidecar", EMU_GS_SUCCEEDED));
    emu_rt_container_status st;
    assert_true(ctr_now(f, "g-sidecar", 1, &st, NULL));
    assert_int_equal(st.current.kind, EMU_CS_TERMINATED);
    assert_true(saw(f, "proxy/Normal/Killing;"));

    emu_rt_container c = ctr("batch", fail, 1);
    c.env = &ign;
    start(f, "g-ignore", "Never", NULL, 0, &c, 1);
    assert_true(wait_phase(f, "g-ignore", EMU_GS_SUCCEEDED));
    assert_true(ctr_now(f, "g-ignore", 0, &st, NULL));
    assert_int_equal(st.current.exit_code, 1);
    kv_free(&side);
    kv_free(&ign);
    sim_free(f);
}

/* A stop: a container ignoring SIGTERM (trap '' TERM) runs out the grace
 * period and ends 137 (SIGKILL), the other ends 143 at once; the group stays
 * readable until then and is unknown afterwards. */
static void test_stop_grace(void **state)
{
    (void)state;
    sim_fx *f = sim_new();
    const char *stubborn[] = { "sh", "-c", "trap '' TERM; while :; do sleep 0.2; done" };
    const char *plain[] = { "sh", "-c", "sleep 3600" };
    emu_rt_container cs[2] = { ctr("stubborn", stubborn, 3), ctr("plain", plain, 3) };
    start(f, "g-stop", "Always", NULL, 0, cs, 2);
    emu_rt_container_status st;
    assert_true(wait_reason(f, "g-stop", 0, "Started", 0, &st));
    assert_true(wait_reason(f, "g-stop", 1, "Started", 0, &st));
    struct timespec t0;
    clock_mono(&t0);
    emu_rt_stopper a;
    assert_int_equal(emu_rt_stopper_start(&a, f->rt, "g-stop", 3), 0);
    assert_true(wait_reason(f, "g-stop", 1, "Error", 0, &st)); /* while the other runs on */
    assert_int_equal(st.current.kind, EMU_CS_TERMINATED);
    assert_int_equal(st.current.exit_code, 143);
    assert_int_equal(st.current.signal, 15);
    assert_int_equal(emu_rt_stopper_join(&a), 0);
    assert_true(clock_s_since(&t0) >= 3.0); /* the stubborn one ran out the grace period */
    assert_false(ctr_now(f, "g-stop", 0, &st, NULL));
    assert_true(saw(f, "stubborn/Normal/Killing;"));
    sim_free(f);
}

static void test_ten_thousand(void **state)
{
    (void)state;
    sim_fx *f = sim_new();
    const char *m[] = { "sleep", "3600" };
    emu_rt_container c = ctr("app", m, 2);
    char id[32];
    for (int i = 0; i < 10000; i++) {
        snprintf(id, sizeof id, "g-%05d", i);
        start(f, id, "Always", NULL, 0, &c, 1);
    }
    int running = 0;
    for (int i = 0; i < 10000; i++) {
        snprintf(id, sizeof id, "g-%05d", i);
        emu_rt_container_status st;
        emu_rt_group_phase ph;
        running += ctr_now(f, id, 0, &st, &ph) && ph == EMU_GS_RUNNING && st.current.kind == EMU_CS_RUNNING;
    }
    assert_int_equal(running, 10000);
    assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
    for (int i = 0; i < 10000; i += 2) {
        snprintf(id, sizeof id, "g-%05d", i);
        assert_int_equal(emu_rt_stop_group(f->rt, id, 0), 0);
    }
    emu_rt_container_status st;
    assert_false(ctr_now(f, "g-00000", 0, &st, NULL));
    assert_true(ctr_now(f, "g-00001", 0, &st, NULL));
    sim_free(f); /* frees the other 5,000 */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_script_and_logs),
        cmocka_unit_test(test_policies),
        cmocka_unit_test(test_init_and_config_error),
        cmocka_unit_test(test_restart_update_exec_usage),
        cmocka_unit_test(test_sidecar_and_ignored_exit),
        cmocka_unit_test(test_stop_grace),
        cmocka_unit_test(test_ten_thousand),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
