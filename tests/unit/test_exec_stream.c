/* Exec round trips in-process through the emulator's libwebsockets server
 * (eci/emulator/emu_rt_execws.c) and the bridge's client (eci/exec_stream.c):
 * stdout and exit 0, stderr and exit 7, 1 MiB through cat with v5 CLOSE,
 * a tty with resize reaching `stty size`, bad tokens, cancel. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "eci/emulator/runtime.h"
#include "util/k8schan.h"
#include "eci/exec_stream.h"
#include "util/xmalloc.h"
#include "tests/unit/unit_threads.h"

static emu_rt *g_rt;
static char g_dir[128];
static int g_fds;

static int count_fds(void)
{
    int n = 0;
    for (int fd = 0; fd < 1024; fd++)
        if (fcntl(fd, F_GETFD) >= 0)
            n++;
    return n;
}

static void sleep_ms(int ms)
{
    struct timespec t = { ms / 1000, (long)(ms % 1000) * 1000000L };
    nanosleep(&t, NULL);
}

static int setup(void **state)
{
    (void)state;
    g_fds = count_fds();
    snprintf(g_dir, sizeof g_dir, "/tmp/eci-exec-test-%d-XXXXXX", (int)getpid());
    if (!mkdtemp(g_dir))
        return -1;
    emu_rt_options o = { g_dir, "127.0.0.1:0", NULL, NULL, 0, 0 };
    char err[256];
    g_rt = emu_rt_new(&o, err, sizeof err);
    if (!g_rt)
        return -1;
    const char *argv[] = { "sleep", "1000" };
    emu_rt_container c;
    memset(&c, 0, sizeof c);
    c.name = "main";
    c.argv = argv;
    c.argc = 2;
    c.run_as_user = -1;
    emu_rt_group_spec s;
    memset(&s, 0, sizeof s);
    s.id = "g";
    s.containers = &c;
    s.ncontainers = 1;
    s.hostname = "execpod";
    if (emu_rt_start_group(g_rt, &s, err, sizeof err) < 0)
        return -1;
    for (int i = 0; i < 6000; i++) { /* up to a minute */
        emu_rt_group_status st;
        emu_rt_group_status_get(g_rt, "g", &st);
        int running = st.ncontainers == 1 && st.containers[0].current.kind == EMU_CS_RUNNING;
        emu_rt_status_free(&st);
        if (running)
            return 0;
        sleep_ms(10);
    }
    return -1;
}

static int teardown(void **state)
{
    (void)state;
    emu_rt_free(g_rt);
    /* nothing left behind: one thread, no child */
    int threads = unit_threads();
    if (threads != 1 || waitpid(-1, NULL, WNOHANG) != -1 || count_fds() != g_fds) {
        fprintf(stderr, "leak: %d threads, %d fds (%d before) or a child left\n", threads, count_fds(), g_fds);
        return -1;
    }
    char cmd[200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_dir);
    return system(cmd) == 0 ? 0 : -1;
}

static eci_exec_stream *open_exec(const char *const *argv, size_t argc, int tty, int in,
                                  const eci_exec_opts *opts)
{
    char err[256];
    char *uri = emu_rt_exec_session(g_rt, "g", "main", argv, argc, tty, in, err, sizeof err);
    if (!uri)
        fail_msg("exec session: %s", err);
    assert_true(strncmp(uri, "ws://127.0.0.1:", 15) == 0);
    eci_error e;
    eci_exec_stream *s = eci_exec_open(uri, opts, &e);
    free(uri);
    if (!s)
        fail_msg("open: %s", e.detail);
    return s;
}

/* Read everything (read mode) into out/err buffers. */
static void read_all(eci_exec_stream *s, dynbuf *out, dynbuf *err)
{
    char buf[4096];
    int ch;
    ssize_t n;
    while ((n = eci_exec_read(s, &ch, buf, sizeof buf, 10000)) > 0)
        dynbuf_add(ch == K8SCHAN_STDERR ? err : out, buf, (size_t)n);
    assert_int_equal(n, 0);
}

static void test_echo(void **state)
{
    (void)state;
    const char *argv[] = { "echo", "hi" };
    eci_exec_stream *s = open_exec(argv, 2, 0, 0, NULL);
    assert_string_equal(eci_exec_protocol(s), K8SCHAN_PROTO_V5);
    dynbuf o, e;
    dynbuf_init(&o, 1 << 16);
    dynbuf_init(&e, 1 << 16);
    read_all(s, &o, &e);
    int code;
    eci_error err;
    assert_int_equal(eci_exec_wait(s, 60000, &code, &err), 0);
    assert_int_equal(code, 0);
    assert_string_equal(dynbuf_str(&o), "hi\n");
    assert_int_equal(e.len, 0);
    eci_exec_free(s);
    dynbuf_free(&o);
    dynbuf_free(&e);
}

static void test_stderr_exit7(void **state)
{
    (void)state;
    const char *argv[] = { "sh", "-c", "echo out; echo err >&2; exit 7" };
    eci_exec_opts opts;
    memset(&opts, 0, sizeof opts);
    opts.protocols = K8SCHAN_PROTO_V4; /* v4 also carries the status JSON */
    eci_exec_stream *s = open_exec(argv, 3, 0, 0, &opts);
    assert_string_equal(eci_exec_protocol(s), K8SCHAN_PROTO_V4);
    assert_int_equal(eci_exec_close_stdin(s), -1); /* no CLOSE signal before v5 */
    dynbuf o, e;
    dynbuf_init(&o, 1 << 16);
    dynbuf_init(&e, 1 << 16);
    read_all(s, &o, &e);
    int code;
    eci_error err;
    assert_int_equal(eci_exec_wait(s, 60000, &code, &err), 0);
    assert_int_equal(code, 7);
    assert_string_equal(dynbuf_str(&o), "out\n");
    assert_string_equal(dynbuf_str(&e), "err\n");
    eci_exec_free(s);
    dynbuf_free(&o);
    dynbuf_free(&e);
}

typedef struct sink {
    pthread_mutex_t mu;
    dynbuf out, err;
} sink;

static void on_output(void *ud, int channel, const void *data, size_t len)
{
    sink *k = ud;
    pthread_mutex_lock(&k->mu);
    dynbuf_add(channel == K8SCHAN_STDERR ? &k->err : &k->out, data, len);
    pthread_mutex_unlock(&k->mu);
}

static void test_cat_1mib(void **state)
{
    (void)state;
    size_t n = 1 << 20;
    unsigned char *data = xmalloc(n);
    srand(42);
    for (size_t i = 0; i < n; i++)
        data[i] = (unsigned char)rand();
    sink k;
    pthread_mutex_init(&k.mu, NULL);
    dynbuf_init(&k.out, 2 << 20);
    dynbuf_init(&k.err, 1 << 16);
    eci_exec_opts opts;
    memset(&opts, 0, sizeof opts);
    opts.on_output = on_output;
    opts.ud = &k;
    opts.max_buffered = 128 * 1024;
    const char *argv[] = { "cat" };
    eci_exec_stream *s = open_exec(argv, 1, 0, 1, &opts);
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (size_t off = 0; off < n; off += 100000)
        assert_int_equal(eci_exec_write_stdin(s, data + off, n - off < 100000 ? n - off : 100000), 0);
    assert_int_equal(eci_exec_close_stdin(s), 0);
    int code;
    eci_error err;
    assert_int_equal(eci_exec_wait(s, 20000, &code, &err), 0);
    clock_gettime(CLOCK_MONOTONIC, &b);
    assert_int_equal(code, 0);
    assert_int_equal(k.out.len, n);
    assert_memory_equal(k.out.buf, data, n);
    print_message("1 MiB cat round trip: %.0f ms\n",
                  (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6);
    eci_exec_free(s);
    dynbuf_free(&k.out);
    dynbuf_free(&k.err);
    pthread_mutex_destroy(&k.mu);
    free(data);
}

static void test_echo_pipe_cat(void **state)
{
    (void)state;
    /* `echo hi | kubectl exec -i -- cat`: stdin EOF ends the command */
    const char *argv[] = { "cat" };
    eci_exec_stream *s = open_exec(argv, 1, 0, 1, NULL);
    assert_int_equal(eci_exec_write_stdin(s, "hi\n", 3), 0);
    assert_int_equal(eci_exec_close_stdin(s), 0);
    dynbuf o, e;
    dynbuf_init(&o, 1 << 16);
    dynbuf_init(&e, 1 << 16);
    read_all(s, &o, &e);
    int code;
    eci_error err;
    assert_int_equal(eci_exec_wait(s, 60000, &code, &err), 0);
    assert_int_equal(code, 0);
    assert_string_equal(dynbuf_str(&o), "hi\n");
    eci_exec_free(s);
    dynbuf_free(&o);
    dynbuf_free(&e);
}

static void test_tty_resize(void **state)
{
    (void)state;
    const char *argv[] = { "sh", "-c", "read x; stty size; echo $TERM; exit 3" };
    eci_exec_stream *s = open_exec(argv, 3, 1, 1, NULL);
    assert_int_equal(eci_exec_resize(s, 100, 40), 0);
    sleep_ms(100);
    assert_int_equal(eci_exec_write_stdin(s, "go\r", 3), 0);
    dynbuf o, e;
    dynbuf_init(&o, 1 << 16);
    dynbuf_init(&e, 1 << 16);
    read_all(s, &o, &e);
    int code;
    eci_error err;
    assert_int_equal(eci_exec_wait(s, 60000, &code, &err), 0);
    assert_int_equal(code, 3);
    if (!strstr(dynbuf_str(&o), "40 100\r\nxterm\r\n"))
        fail_msg("tty output: %s", dynbuf_str(&o));
    assert_int_equal(e.len, 0);
    eci_exec_free(s);
    dynbuf_free(&o);
    dynbuf_free(&e);
}

static void test_pre_v4(void **state)
{
    (void)state;
    eci_exec_opts opts;
    memset(&opts, 0, sizeof opts);
    opts.protocols = K8SCHAN_PROTO_V1;
    const char *ok[] = { "echo", "v1" };
    eci_exec_stream *s = open_exec(ok, 2, 0, 0, &opts);
    assert_string_equal(eci_exec_protocol(s), K8SCHAN_PROTO_V1);
    int code;
    eci_error err;
    assert_int_equal(eci_exec_wait(s, 60000, &code, &err), 0); /* no error text: success */
    assert_int_equal(code, 0);
    eci_exec_free(s);
    const char *bad[] = { "sh", "-c", "exit 4" };
    s = open_exec(bad, 3, 0, 0, &opts);
    assert_int_equal(eci_exec_wait(s, 60000, &code, &err), -1);
    assert_int_equal(err.code, ECI_E_API);
    assert_non_null(strstr(err.message, "exit code 4"));
    eci_exec_free(s);
}

static void test_bad_token_and_reuse(void **state)
{
    (void)state;
    char err[256];
    const char *argv[] = { "true" };
    char *uri = emu_rt_exec_session(g_rt, "g", "main", argv, 1, 0, 0, err, sizeof err);
    assert_non_null(uri);
    eci_error e;
    eci_exec_stream *s = eci_exec_open(uri, NULL, &e);
    assert_non_null(s);
    int code;
    assert_int_equal(eci_exec_wait(s, 60000, &code, &e), 0);
    assert_int_equal(code, 0);
    eci_exec_free(s);
    /* a token serves once */
    s = eci_exec_open(uri, NULL, &e);
    assert_null(s);
    assert_int_equal(e.code, ECI_E_HTTP);
    /* unknown token, bad URIs */
    char *bad = xstrdup(uri);
    bad[strlen(bad) - 1] = bad[strlen(bad) - 1] == '0' ? '1' : '0';
    assert_null(eci_exec_open(bad, NULL, &e));
    assert_int_equal(e.code, ECI_E_HTTP);
    free(bad);
    free(uri);
    assert_null(eci_exec_open("http://x/", NULL, &e));
    assert_int_equal(e.code, ECI_E_INVALID_ARG);
    assert_null(eci_exec_open("ws://127.0.0.1:1/exec/x", NULL, &e));
    assert_int_equal(e.code, ECI_E_HTTP);
    /* unknown container or group */
    assert_null(emu_rt_exec_session(g_rt, "g", "nope", argv, 1, 0, 0, err, sizeof err));
    assert_null(emu_rt_exec_session(g_rt, "nope", "main", argv, 1, 0, 0, err, sizeof err));
    assert_non_null(strstr(err, "not found"));
    /* a command that cannot start: failure status */
    const char *nf[] = { "no-such-cmd-xyz" };
    s = open_exec(nf, 1, 0, 0, NULL);
    assert_int_equal(eci_exec_wait(s, 60000, &code, &e), -1);
    assert_int_equal(e.code, ECI_E_API);
    assert_non_null(strstr(e.message, "executable file not found"));
    eci_exec_free(s);
}

static void test_cancel_kills(void **state)
{
    (void)state;
    char pidfile[200];
    snprintf(pidfile, sizeof pidfile, "%s/exec.pid", g_dir);
    char script[300];
    snprintf(script, sizeof script, "echo $$ > %s; exec sleep 1000", pidfile);
    const char *argv[] = { "sh", "-c", script };
    eci_exec_stream *s = open_exec(argv, 3, 0, 0, NULL);
    int pid = 0;
    for (int i = 0; i < 6000 && !pid; i++) {
        FILE *fp = fopen(pidfile, "r");
        if (fp) {
            if (fscanf(fp, "%d", &pid) != 1)
                pid = 0;
            fclose(fp);
        }
        if (!pid)
            sleep_ms(10);
    }
    assert_true(pid > 0);
    eci_exec_cancel(s);
    int code;
    eci_error e;
    /* the stream ends (closed without an exit status), not the wait */
    assert_int_equal(eci_exec_wait(s, 120000, &code, &e), -1);
    assert_int_equal(e.code, ECI_E_HTTP);
    eci_exec_free(s);
    int gone = 0;
    for (int i = 0; i < 6000 && !gone; i++) {
        gone = kill(pid, 0) < 0 && errno == ESRCH;
        if (!gone)
            sleep_ms(10);
    }
    assert_true(gone);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_echo),
        cmocka_unit_test(test_stderr_exit7),
        cmocka_unit_test(test_cat_1mib),
        cmocka_unit_test(test_echo_pipe_cat),
        cmocka_unit_test(test_tty_resize),
        cmocka_unit_test(test_pre_v4),
        cmocka_unit_test(test_bad_token_and_reuse),
        cmocka_unit_test(test_cancel_kills),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
