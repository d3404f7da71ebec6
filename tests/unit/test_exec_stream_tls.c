/* eci/exec_stream.c over wss://: a local libwebsockets TLS server with a
 * throw-away self-signed certificate. Verification is on by default (the
 * unknown CA is refused), a CA file makes it trusted, and
 * insecure_skip_verify accepts anything. Needs the openssl command line to
 * make the certificate; skips with a message without it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <libwebsockets.h>
#include <sys/wait.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/k8schan.h"
#include "eci/exec_stream.h"

typedef struct srv {
    pid_t pid;
    int port;
    char dir[128], cert[200], key[200];
} srv;

typedef struct pss {
    int step;
} pss;

/* Each connection gets stdout "tls\n", then exit code 5, then a close. */
static int srv_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
    (void)in;
    (void)len;
    pss *p = user;
    switch (reason) {
    case LWS_CALLBACK_ESTABLISHED:
        p->step = 0;
        lws_callback_on_writable(wsi);
        return 0;
    case LWS_CALLBACK_SERVER_WRITEABLE: {
        unsigned char buf[LWS_PRE + 512];
        size_t n;
        if (p->step == 0) {
            memcpy(buf + LWS_PRE, "\x01tls\n", 5);
            n = 5;
        } else if (p->step == 1) {
            char *st = k8schan_status(5, 5, NULL, NULL);
            buf[LWS_PRE] = K8SCHAN_ERROR;
            n = strlen(st);
            memcpy(buf + LWS_PRE + 1, st, n);
            n++;
            free(st);
        } else {
            lws_close_reason(wsi, LWS_CLOSE_STATUS_NORMAL, NULL, 0);
            return -1;
        }
        p->step++;
        if (lws_write(wsi, buf + LWS_PRE, n, LWS_WRITE_BINARY) < 0)
            return -1;
        lws_callback_on_writable(wsi);
        return 0;
    }
    default:
        return 0;
    }
}

static const struct lws_protocols srv_protocols[] = {
    { K8SCHAN_PROTO_V5, srv_cb, sizeof(pss), 4096, 0, NULL, 0 },
    { NULL, NULL, 0, 0, 0, NULL, 0 },
};

/* The server runs in a child process (killed by teardown), so its
 * libwebsockets/OpenSSL state never mixes with the client's under test. */
static void srv_child(srv *s, int wfd)
{
    lws_set_log_level(0, NULL);
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.port = 0;
    info.iface = "127.0.0.1";
    info.protocols = srv_protocols;
    info.gid = -1;
    info.uid = -1;
    info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT | LWS_SERVER_OPTION_DISABLE_IPV6;
    info.ssl_cert_filepath = s->cert;
    info.ssl_private_key_filepath = s->key;
    info.vhost_name = "tls-test";
    struct lws_context *ctx = lws_create_context(&info);
    int port = ctx ? lws_get_vhost_listen_port(lws_get_vhost_by_name(ctx, "tls-test")) : -1;
    if (write(wfd, &port, sizeof port) != sizeof port || port <= 0)
        _exit(1);
    close(wfd);
    for (;;)
        lws_service(ctx, 0);
}

static int setup(void **state)
{
    srv *s = calloc(1, sizeof *s);
    *state = s;
    s->pid = -1;
    snprintf(s->dir, sizeof s->dir, "/tmp/eci-tls-test-%d-XXXXXX", (int)getpid());
    if (!mkdtemp(s->dir))
        return -1;
    snprintf(s->cert, sizeof s->cert, "%s/cert.pem", s->dir);
    snprintf(s->key, sizeof s->key, "%s/key.pem", s->dir);
    char cmd[800];
    snprintf(cmd, sizeof cmd,
             "openssl req -x509 -newkey rsa:2048 -nodes -keyout '%s' -out '%s' -days 1 "
             "-subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 >/dev/null 2>&1",
             s->key, s->cert);
    if (system(cmd) != 0) {
        s->port = -1; /* no openssl command line: tests skip */
        return 0;
    }
    int p[2];
    if (pipe(p) < 0)
        return -1;
    s->pid = fork();
    if (s->pid == 0) {
        close(p[0]);
        srv_child(s, p[1]);
    }
    close(p[1]);
    if (s->pid < 0 || read(p[0], &s->port, sizeof s->port) != sizeof s->port || s->port <= 0) {
        close(p[0]);
        return -1;
    }
    close(p[0]);
    return 0;
}

static int teardown(void **state)
{
    srv *s = *state;
    if (s->pid > 0) {
        kill(s->pid, SIGKILL);
        waitpid(s->pid, NULL, 0);
    }
    char cmd[200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", s->dir);
    int rc = system(cmd);
    free(s);
    return rc == 0 ? 0 : -1;
}

static void run_ok(srv *s, const char *host, const eci_exec_opts *o)
{
    char uri[128];
    snprintf(uri, sizeof uri, "wss://%s:%d/exec/x", host, s->port);
    eci_error e;
    eci_exec_stream *st = eci_exec_open(uri, o, &e);
    if (!st)
        fail_msg("open %s: %s", uri, e.detail);
    char buf[64];
    int ch;
    ssize_t n = eci_exec_read(st, &ch, buf, sizeof buf, 5000);
    assert_int_equal(n, 4);
    assert_int_equal(ch, K8SCHAN_STDOUT);
    assert_memory_equal(buf, "tls\n", 4);
    int code;
    assert_int_equal(eci_exec_wait(st, 60000, &code, &e), 0);
    assert_int_equal(code, 5);
    eci_exec_free(st);
}

static void test_verify_default(void **state)
{
    srv *s = *state;
    if (s->port < 0)
        skip();
    char uri[128];
    snprintf(uri, sizeof uri, "wss://localhost:%d/exec/x", s->port);
    eci_error e;
    assert_null(eci_exec_open(uri, NULL, &e)); /* self-signed: not trusted by default */
    assert_int_equal(e.code, ECI_E_HTTP);
}

static void test_ca_file(void **state)
{
    srv *s = *state;
    if (s->port < 0)
        skip();
    eci_exec_opts o;
    memset(&o, 0, sizeof o);
    o.ca_file = s->cert;
    run_ok(s, "localhost", &o);
}

static void test_insecure(void **state)
{
    srv *s = *state;
    if (s->port < 0)
        skip();
    eci_exec_opts o;
    memset(&o, 0, sizeof o);
    o.insecure_skip_verify = 1;
    run_ok(s, "127.0.0.1", &o);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    if (getenv("ECI_TEST_FILTER"))
        cmocka_set_test_filter(getenv("ECI_TEST_FILTER"));
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_verify_default),
        cmocka_unit_test(test_ca_file),
        cmocka_unit_test(test_insecure),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
