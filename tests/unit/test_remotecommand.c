/* provider/kubelet/remotecommand: SPDY negotiation, options, and sessions
 * over the local-process backend with an in-memory transport. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "provider/kubelet/remotecommand.h"
#include "util/dynbuf.h"

static void test_negotiate(void **state)
{
    (void)state;
    kv_list h = KV_LIST_INIT;
    int present;
    assert_null(kubelet_rc_negotiate_spdy(&h, &present));
    assert_int_equal(present, 0);
    kv_add(&h, "X-Stream-Protocol-Version", "v5.channel.k8s.io");
    kv_add(&h, "x-stream-protocol-version", "v4.channel.k8s.io, v3.channel.k8s.io");
    kv_add(&h, "X-Stream-Protocol-Version", "channel.k8s.io");
    assert_string_equal(kubelet_rc_negotiate_spdy(&h, &present), "v4.channel.k8s.io");
    kv_free(&h);
    kv_add(&h, "X-Stream-Protocol-Version", "v9.channel.k8s.io");
    assert_null(kubelet_rc_negotiate_spdy(&h, &present));
    assert_int_equal(present, 1);
    kv_free(&h);
    size_t n;
    assert_string_equal(kubelet_rc_spdy_protocols(&n)[0], "v4.channel.k8s.io");
    assert_int_equal(n, 4);
    assert_string_equal(kubelet_rc_ws_protocols(&n)[0], "v5.channel.k8s.io");
}

static void test_options(void **state)
{
    (void)state;
    kv_list q = KV_LIST_INIT;
    kubelet_rc_options o;
    char err[128];
    kv_add(&q, "command", "sh");
    kv_add(&q, "error", "1");
    kv_add(&q, "command", "-c");
    kv_add(&q, "tty", "1");
    kv_add(&q, "input", "1");
    kv_add(&q, "command", "echo hi");
    assert_int_equal(kubelet_rc_options_parse(&q, 1, &o, err, sizeof err), 0);
    assert_int_equal(o.argc, 3);
    assert_string_equal(o.argv[2], "echo hi");
    assert_null(o.argv[3]);
    assert_int_equal(o.err, 0); /* tty forces stderr off */
    assert_int_equal(o.in, 1);
    assert_int_equal(o.out, 0);
    assert_int_equal(kubelet_rc_expected_streams(&o, KUBELET_RC_PROTO_V4), 3);
    assert_int_equal(kubelet_rc_expected_streams(&o, KUBELET_RC_PROTO_V2), 2);
    kubelet_rc_options_free(&o);
    kv_free(&q);
    kv_add(&q, "command", "ls");
    assert_int_equal(kubelet_rc_options_parse(&q, 1, &o, err, sizeof err), -1);
    assert_string_equal(err, "you must specify at least 1 of stdin, stdout, stderr");
    kv_free(&q);
    kv_add(&q, "output", "1");
    assert_int_equal(kubelet_rc_options_parse(&q, 1, &o, err, sizeof err), -1);
    assert_non_null(strstr(err, "command"));
    assert_int_equal(kubelet_rc_options_parse(&q, 0, &o, err, sizeof err), 0);
    assert_int_equal(o.argc, 0);
    kubelet_rc_options_free(&o);
    kv_free(&q);
    assert_int_equal(kubelet_rc_stream_parse("resize"), KUBELET_RC_STREAM_RESIZE);
    assert_int_equal(kubelet_rc_stream_parse("Error"), KUBELET_RC_STREAM_UNKNOWN);
    assert_string_equal(kubelet_rc_stream_name(KUBELET_RC_STREAM_ERROR), "error");
}

/* In-memory transport. */
typedef struct mem_tr {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    dynbuf out[5];
    int closed[5];
    int finished;
} mem_tr;

static int mem_send(void *ctx, kubelet_rc_stream s, const void *p, size_t n)
{
    mem_tr *m = ctx;
    pthread_mutex_lock(&m->mu);
    dynbuf_add(&m->out[s], p, n);
    pthread_mutex_unlock(&m->mu);
    return 0;
}

static void mem_close(void *ctx, kubelet_rc_stream s)
{
    mem_tr *m = ctx;
    pthread_mutex_lock(&m->mu);
    m->closed[s]++;
    pthread_mutex_unlock(&m->mu);
}

static void mem_finish(void *ctx)
{
    mem_tr *m = ctx;
    pthread_mutex_lock(&m->mu);
    m->finished++;
    pthread_cond_broadcast(&m->cv);
    pthread_mutex_unlock(&m->mu);
}

static void mem_init(mem_tr *m)
{
    memset(m, 0, sizeof *m);
    pthread_mutex_init(&m->mu, NULL);
    pthread_cond_init(&m->cv, NULL);
    for (int i = 0; i < 5; i++)
        dynbuf_init(&m->out[i], 0);
}

static void mem_wait(mem_tr *m)
{
    pthread_mutex_lock(&m->mu);
    while (!m->finished)
        pthread_cond_wait(&m->cv, &m->mu);
    pthread_mutex_unlock(&m->mu);
}

static void mem_free(mem_tr *m)
{
    for (int i = 0; i < 5; i++)
        dynbuf_free(&m->out[i]);
    pthread_mutex_destroy(&m->mu);
    pthread_cond_destroy(&m->cv);
}

static void run_session(const char *query_cmd, int in, int tty, const char *stdin_data, mem_tr *m)
{
    kv_list q = KV_LIST_INIT;
    kv_add(&q, "command", "sh");
    kv_add(&q, "command", "-c");
    kv_add(&q, "command", query_cmd);
    kv_add(&q, "output", "1");
    kv_add(&q, "error", "1");
    if (in)
        kv_add(&q, "input", "1");
    if (tty)
        kv_add(&q, "tty", "1");
    kubelet_rc_options o;
    char err[128];
    assert_int_equal(kubelet_rc_options_parse(&q, 1, &o, err, sizeof err), 0);
    kubelet_rc_transport tr = {mem_send, mem_close, mem_finish, m};
    kubelet_rc_target t = {"exec", "default", "web", "nginx", ""};
    kubelet_rc_session *s = kubelet_rc_session_new(kubelet_rc_local_backend(), &t, &o, KUBELET_RC_PROTO_V4, &tr);
    assert_int_equal(kubelet_rc_session_start(s, err, sizeof err), 0);
    if (tty)
        kubelet_rc_session_resize(s, "{\"Width\":100,\"Height\":40}\n", 26);
    if (stdin_data)
        kubelet_rc_session_stdin(s, stdin_data, strlen(stdin_data));
    if (in)
        kubelet_rc_session_stdin_eof(s);
    mem_wait(m);
    assert_true(kubelet_rc_session_done(s));
    kubelet_rc_session_free(s);
    kubelet_rc_options_free(&o);
    kv_free(&q);
}

static void test_session_local(void **state)
{
    (void)state;
    mem_tr m;
    mem_init(&m);
    run_session("echo hi; echo err >&2", 0, 0, NULL, &m);
    assert_string_equal(dynbuf_str(&m.out[KUBELET_RC_STREAM_STDOUT]), "hi\n");
    assert_string_equal(dynbuf_str(&m.out[KUBELET_RC_STREAM_STDERR]), "err\n");
    assert_string_equal(dynbuf_str(&m.out[KUBELET_RC_STREAM_ERROR]), "{\"metadata\":{},\"status\":\"Success\"}");
    assert_int_equal(m.closed[KUBELET_RC_STREAM_STDOUT], 1);
    assert_int_equal(m.closed[KUBELET_RC_STREAM_STDERR], 1);
    assert_int_equal(m.closed[KUBELET_RC_STREAM_ERROR], 1);
    mem_free(&m);

    mem_init(&m);
    run_session("exit 7", 0, 0, NULL, &m);
    assert_non_null(strstr(dynbuf_str(&m.out[KUBELET_RC_STREAM_ERROR]), "{\"reason\":\"ExitCode\",\"message\":\"7\"}"));
    mem_free(&m);

    mem_init(&m);
    run_session("cat; echo done", 1, 0, "ping\n", &m);
    assert_string_equal(dynbuf_str(&m.out[KUBELET_RC_STREAM_STDOUT]), "ping\ndone\n");
    mem_free(&m);

    mem_init(&m);
    run_session("stty size; echo out; echo err >&2", 0, 1, NULL, &m);
    /* a pty: stderr goes to stdout; the size comes from the resize stream or the default */
    assert_non_null(strstr(dynbuf_str(&m.out[KUBELET_RC_STREAM_STDOUT]), "out\r\n"));
    assert_non_null(strstr(dynbuf_str(&m.out[KUBELET_RC_STREAM_STDOUT]), "err\r\n"));
    assert_int_equal(m.out[KUBELET_RC_STREAM_STDERR].len, 0);
    mem_free(&m);
}

static void test_session_cancel_and_failure(void **state)
{
    (void)state;
    mem_tr m;
    mem_init(&m);
    kv_list q = KV_LIST_INIT;
    kv_add(&q, "command", "sleep");
    kv_add(&q, "command", "30");
    kv_add(&q, "output", "1");
    kubelet_rc_options o;
    char err[128];
    assert_int_equal(kubelet_rc_options_parse(&q, 1, &o, err, sizeof err), 0);
    kubelet_rc_transport tr = {mem_send, mem_close, mem_finish, &m};
    kubelet_rc_target t = {"exec", "default", "web", "nginx", ""};
    kubelet_rc_session *s = kubelet_rc_session_new(kubelet_rc_local_backend(), &t, &o, KUBELET_RC_PROTO_V4, &tr);
    assert_int_equal(kubelet_rc_session_start(s, err, sizeof err), 0);
    kubelet_rc_session_cancel(s);
    mem_wait(&m);
    assert_non_null(strstr(dynbuf_str(&m.out[KUBELET_RC_STREAM_ERROR]), "\"message\":\"137\""));
    kubelet_rc_session_free(s);
    mem_free(&m);

    /* attach is refused by the local backend: status right away */
    mem_init(&m);
    kubelet_rc_target ta = {"attach", "default", "web", "nginx", ""};
    s = kubelet_rc_session_new(kubelet_rc_local_backend(), &ta, &o, KUBELET_RC_PROTO_V4, &tr);
    tr.ctx = &m;
    assert_int_equal(kubelet_rc_session_start(s, err, sizeof err), -1);
    assert_int_equal(m.finished, 1);
    assert_non_null(strstr(dynbuf_str(&m.out[KUBELET_RC_STREAM_ERROR]), "InternalError"));
    kubelet_rc_session_free(s);
    mem_free(&m);
    kubelet_rc_options_free(&o);
    kv_free(&q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_negotiate),
        cmocka_unit_test(test_options),
        cmocka_unit_test(test_session_local),
        cmocka_unit_test(test_session_cancel_and_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
