/* The kubelet API server: see server.h. */
#include "provider/kubelet/server.h"
#include "provider/kubelet/http.h"
#include "provider/kubelet/spdy.h"
#include "provider/kubelet/websocket.h"
#include "util/base64.h"
#include "util/clock.h"
#include "util/dynbuf.h"
#include "util/httptok.h"
#include "util/log.h"
#include "util/query.h"
#include "util/timefmt.h"
#include "util/xmalloc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define COMP "kapi"
#define IO_CHUNK 16384
#define DATA_CHUNK 32768
#define OUTQ_HIGH_WATER ((size_t)1 << 20)
#define SPDY_PEER_CLOSE_WAIT_MS 10000

/* ---- users, attributes, stub auth ---- */

void kubelet_user_set_name(kubelet_user *u, const char *name) { xstrset(&u->name, name); }

void kubelet_user_add_group(kubelet_user *u, const char *group)
{
    u->groups = xrealloc(u->groups, (u->ngroups + 1) * sizeof *u->groups);
    u->groups[u->ngroups++] = xstrdup(group);
}

void kubelet_user_add_extra(kubelet_user *u, const char *key, const char *value) { kv_add(&u->extra, key, value); }

void kubelet_user_clear(kubelet_user *u)
{
    free(u->name);
    free(u->uid);
    for (size_t i = 0; i < u->ngroups; i++)
        free(u->groups[i]);
    free(u->groups);
    kv_free(&u->extra);
    memset(u, 0, sizeof *u);
}

static int path_is(const char *path, const char *prefix)
{
    size_t n = strlen(prefix);
    return strncmp(path, prefix, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

size_t kubelet_request_attributes(const char *method, const char *path, const char *node, int fine_grained,
                               kubelet_attrs out[2])
{
    const char *verb = "";
    if (strcmp(method, "POST") == 0)
        verb = "create";
    else if (strcmp(method, "GET") == 0)
        verb = "get";
    else if (strcmp(method, "PUT") == 0)
        verb = "update";
    else if (strcmp(method, "PATCH") == 0)
        verb = "patch";
    else if (strcmp(method, "DELETE") == 0)
        verb = "delete";
    const char *sub = "proxy", *fine = NULL;
    if (path_is(path, "/stats"))
        sub = "stats";
    else if (path_is(path, "/metrics"))
        sub = "metrics";
    else if (path_is(path, "/logs"))
        sub = "log";
    else if (path_is(path, "/checkpoint"))
        sub = "checkpoint";
    else if (path_is(path, "/pods") || path_is(path, "/runningpods"))
        fine = "pods";
    else if (path_is(path, "/healthz"))
        fine = "healthz";
    else if (path_is(path, "/configz"))
        fine = "configz";
    else if (path_is(path, "/statusz"))
        fine = "statusz";
    size_t n = 0;
    const char *subs[2];
    if (fine && fine_grained)
        subs[n++] = fine;
    subs[n++] = sub;
    for (size_t i = 0; i < n; i++) {
        out[i].verb = verb;
        out[i].api_version = "v1";
        out[i].resource = "nodes";
        out[i].subresource = subs[i];
        out[i].name = node ? node : "";
        out[i].path = path;
    }
    return n;
}

int kubelet_stub_authn(void *ud, const kubelet_credential *cred, kubelet_user *user, char *err, size_t errlen)
{
    const kv_list *tokens = ud;
    if (cred->kind == KUBELET_CRED_X509) {
        kubelet_user_set_name(user, cred->cn);
        for (size_t i = 0; i < cred->norgs; i++)
            kubelet_user_add_group(user, cred->orgs[i]);
        kubelet_user_add_group(user, "system:authenticated");
        return 1;
    }
    const char *name = tokens ? kv_get(tokens, cred->token) : NULL;
    if (!name) {
        snprintf(err, errlen, "invalid bearer token");
        return 0;
    }
    kubelet_user_set_name(user, name);
    kubelet_user_add_group(user, "system:authenticated");
    return 1;
}

int kubelet_stub_authz(void *ud, const kubelet_user *user, const kubelet_attrs *attrs, char *reason, size_t reasonlen)
{
    (void)ud;
    const char *n = user->name ? user->name : "";
    if (strcmp(n, "denied") == 0) {
        snprintf(reason, reasonlen, "user is denied");
        return 0;
    }
    if (strncmp(n, "deny-", 5) == 0) {
        size_t sl = strlen(attrs->subresource);
        if (strncmp(n + 5, attrs->subresource, sl) == 0 && n[5 + sl] == ':') {
            snprintf(reason, reasonlen, "subresource %s denied", attrs->subresource);
            return 0;
        }
    }
    if (strcmp(n, "error") == 0) {
        snprintf(reason, reasonlen, "authorizer unavailable");
        return -1;
    }
    return 1;
}

/* ---- log options ---- */

static int parse_bool(const char *v, int *out)
{
    if (!v)
        return 0;
    if (!strcmp(v, "true") || !strcmp(v, "1") || !strcmp(v, "True") || !strcmp(v, "TRUE") || !strcmp(v, "t") ||
        !strcmp(v, "T") || !strcmp(v, ""))
        *out = 1;
    else if (!strcmp(v, "false") || !strcmp(v, "0") || !strcmp(v, "False") || !strcmp(v, "FALSE") ||
             !strcmp(v, "f") || !strcmp(v, "F"))
        *out = 0;
    else
        return -1;
    return 0;
}

static int parse_i64(const char *v, int64_t *out)
{
    if (!v || !*v)
        return -1;
    char *end;
    errno = 0;
    long long x = strtoll(v, &end, 10);
    if (errno || *end)
        return -1;
    *out = x;
    return 0;
}

int kubelet_log_options_parse(const kv_list *q, kubelet_log_options *o, char *err, size_t errlen)
{
    memset(o, 0, sizeof *o);
    o->tail_lines = -1;
    snprintf(o->stream, sizeof o->stream, "All");
    const char *v;
    if (parse_bool(kv_get(q, "follow"), &o->follow) < 0 || parse_bool(kv_get(q, "previous"), &o->previous) < 0 ||
        parse_bool(kv_get(q, "timestamps"), &o->timestamps) < 0) {
        snprintf(err, errlen, "invalid boolean in follow, previous or timestamps");
        return -1;
    }
    if ((v = kv_get(q, "sinceSeconds")) && (parse_i64(v, &o->since_seconds) < 0 || o->since_seconds < 1)) {
        snprintf(err, errlen, "sinceSeconds must be an integer >= 1");
        return -1;
    }
    struct timespec since;
    if ((v = kv_get(q, "sinceTime")) && timefmt_parse(v, strlen(v), &since) < 0) {
        snprintf(err, errlen, "sinceTime must be an RFC 3339 time");
        return -1;
    }
    if (v)
        o->since_time = (int64_t)since.tv_sec;
    if (kv_get(q, "sinceSeconds") && kv_get(q, "sinceTime")) {
        snprintf(err, errlen, "at most one of sinceTime or sinceSeconds may be specified");
        return -1;
    }
    if ((v = kv_get(q, "tailLines")) || (v = kv_get(q, "tail"))) {
        if (strcmp(v, "all") == 0 && !kv_get(q, "tailLines"))
            o->tail_lines = -1;
        else if (parse_i64(v, &o->tail_lines) < 0 || o->tail_lines < 0) {
            snprintf(err, errlen, "tailLines must be an integer >= 0");
            return -1;
        }
    }
    if ((v = kv_get(q, "limitBytes")) && (parse_i64(v, &o->limit_bytes) < 0 || o->limit_bytes < 1)) {
        snprintf(err, errlen, "limitBytes must be an integer >= 1");
        return -1;
    }
    if ((v = kv_get(q, "stream"))) {
        if (strcmp(v, "All") && strcmp(v, "Stdout") && strcmp(v, "Stderr")) {
            snprintf(err, errlen, "stream must be All, Stdout or Stderr");
            return -1;
        }
        snprintf(o->stream, sizeof o->stream, "%s", v);
        if (strcmp(v, "All") && o->tail_lines >= 0) {
            snprintf(err, errlen, "tailLines is not supported with a single stream");
            return -1;
        }
    }
    return 0;
}

/* ---- server and connections ---- */

/* A connection thread, joined once it is done (so that per-thread library
 * state is released before the server is gone). */
typedef struct th_rec {
    pthread_t th;
    int done;
    struct th_rec *next;
} th_rec;

struct kubelet_server {
    kubelet_config cfg;
    th_rec *threads; /* under mu */
    char *bind_addr, *cert_file, *key_file, *ca_file, *node_name;
    SSL_CTX *ctx;
    int lfd;
    int port;
    int stop_pipe[2]; /* readable once stopping: every poll watches it */
    atomic_int stopping;
    pthread_t accept_th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int nconns;            /* every connection thread (under mu) */
    int npre;              /* of which not authenticated yet (under mu) */
    struct conn *pre_head; /* the unauthenticated ones, oldest first (under mu) */
    struct conn *pre_tail;
};

typedef struct conn {
    kubelet_server *srv;
    th_rec *rec;
    int fd;
    SSL *ssl;
    char peer[64];
    int cert_ok;
    char *cn;
    char **orgs;
    size_t norgs;
    char fp[65];
    dynbuf inbuf; /* bytes read but not yet parsed */
    /* Before authentication a connection lives in the server's bounded
     * pre-auth pool (linked under srv->mu) with one deadline for the TLS
     * handshake and its first request head; authenticated, it leaves the
     * pool and gets the ordinary idle and request timeouts. */
    long long preauth_deadline;
    int authed;         /* left the pre-auth pool */
    int evicted;        /* shut down to make room in the pool */
    struct conn *pre_prev, *pre_next;
} conn;


static void ssl_errstr(char *err, size_t errlen, const char *what)
{
    unsigned long e = ERR_get_error();
    char buf[200] = "";
    if (e)
        ERR_error_string_n(e, buf, sizeof buf);
    snprintf(err, errlen, "%s%s%s", what, buf[0] ? ": " : "", buf);
    ERR_clear_error();
}

static int self_signed(SSL_CTX *ctx, const char *node, char *err, size_t errlen)
{
    EVP_PKEY *key = EVP_EC_gen("P-256");
    X509 *x = X509_new();
    int ok = 0;
    if (!key || !x)
        goto out;
    X509_set_version(x, 2);
    unsigned char serial[16];
    RAND_bytes(serial, sizeof serial);
    serial[0] &= 0x7f;
    BIGNUM *bn = BN_bin2bn(serial, sizeof serial, NULL);
    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x));
    BN_free(bn);
    X509_gmtime_adj(X509_getm_notBefore(x), -3600);
    X509_gmtime_adj(X509_getm_notAfter(x), 365L * 24 * 3600);
    X509_set_pubkey(x, key);
    X509_NAME *nm = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(nm, "CN", MBSTRING_ASC, (const unsigned char *)(node && *node ? node : "eci-kubelet"),
                               -1, -1, 0);
    X509_set_issuer_name(x, nm);
    char *san = xasprintf("DNS:localhost,IP:127.0.0.1,IP:::1%s%s", node && *node ? ",DNS:" : "",
                          node && *node ? node : "");
    X509V3_CTX v3;
    X509V3_set_ctx_nodb(&v3);
    X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &v3, NID_subject_alt_name, san);
    free(san);
    if (ext) {
        X509_add_ext(x, ext, -1);
        X509_EXTENSION_free(ext);
    }
    if (!X509_sign(x, key, EVP_sha256()))
        goto out;
    if (SSL_CTX_use_certificate(ctx, x) != 1 || SSL_CTX_use_PrivateKey(ctx, key) != 1)
        goto out;
    ok = 1;
out:
    if (!ok)
        ssl_errstr(err, errlen, "self-signed certificate");
    X509_free(x);
    EVP_PKEY_free(key);
    return ok ? 0 : -1;
}

static int accept_any_cert(int preverify, X509_STORE_CTX *x)
{
    (void)preverify;
    (void)x;
    return 1; /* the result is checked after the handshake: a bad cert only means "not authenticated" */
}

static SSL_CTX *make_ctx(kubelet_server *s, char *err, size_t errlen)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (!ctx) {
        ssl_errstr(err, errlen, "SSL_CTX_new");
        return NULL;
    }
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    static const unsigned char sid_ctx[] = "eci-kubelet-kapi";
    SSL_CTX_set_session_id_context(ctx, sid_ctx, sizeof sid_ctx - 1);
    if (s->cert_file || s->key_file) {
        if (!s->cert_file || !s->key_file) {
            snprintf(err, errlen, "both a certificate and a key file are needed");
            goto fail;
        }
        if (SSL_CTX_use_certificate_chain_file(ctx, s->cert_file) != 1) {
            ssl_errstr(err, errlen, "loading the serving certificate");
            goto fail;
        }
        if (SSL_CTX_use_PrivateKey_file(ctx, s->key_file, SSL_FILETYPE_PEM) != 1 ||
            SSL_CTX_check_private_key(ctx) != 1) {
            ssl_errstr(err, errlen, "loading the serving key");
            goto fail;
        }
    } else if (self_signed(ctx, s->node_name, err, errlen) < 0) {
        goto fail;
    }
    if (s->ca_file) {
        if (SSL_CTX_load_verify_locations(ctx, s->ca_file, NULL) != 1) {
            ssl_errstr(err, errlen, "loading the client CA file");
            goto fail;
        }
        STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(s->ca_file);
        if (names)
            SSL_CTX_set_client_CA_list(ctx, names);
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, accept_any_cert);
    } else {
        SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
    }
    return ctx;
fail:
    SSL_CTX_free(ctx);
    return NULL;
}

/* ---- connection I/O (non-blocking TLS driven by poll) ---- */

enum { IO_EOF = 0, IO_ERR = -1, IO_TIMEOUT = -2, IO_STOP = -3 };

/* Wait for fd events or stop; timeout_ms < 0 waits forever. */
static int wait_fd(conn *c, short ev, int timeout_ms)
{
    struct pollfd pf[2] = {{c->fd, ev, 0}, {c->srv->stop_pipe[0], POLLIN, 0}};
    for (;;) {
        int r = poll(pf, 2, timeout_ms);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return IO_ERR;
        if (r == 0)
            return IO_TIMEOUT;
        if (pf[1].revents)
            return IO_STOP;
        return 1;
    }
}

/* Read some bytes; deadline is absolute (ms, monotonic) or 0 for none. */
static int conn_read(conn *c, void *buf, size_t n, long long deadline)
{
    for (;;) {
        ERR_clear_error();
        int r = SSL_read(c->ssl, buf, (int)(n > INT32_MAX ? INT32_MAX : n));
        if (r > 0)
            return r;
        int e = SSL_get_error(c->ssl, r);
        short ev;
        if (e == SSL_ERROR_WANT_READ)
            ev = POLLIN;
        else if (e == SSL_ERROR_WANT_WRITE)
            ev = POLLOUT;
        else if (e == SSL_ERROR_ZERO_RETURN || (e == SSL_ERROR_SYSCALL && ERR_peek_error() == 0))
            return IO_EOF;
        else
            return IO_ERR;
        int left = -1;
        if (deadline) {
            long long d = deadline - clock_mono_ms();
            if (d <= 0)
                return IO_TIMEOUT;
            left = (int)(d > 1000000 ? 1000000 : d);
        }
        int w = wait_fd(c, ev, left);
        if (w <= 0 && w != 1)
            return w;
    }
}

static int conn_write_all(conn *c, const void *buf, size_t n, int timeout_ms)
{
    const char *p = buf;
    long long deadline = clock_mono_ms() + timeout_ms;
    while (n > 0) {
        ERR_clear_error();
        int r = SSL_write(c->ssl, p, (int)(n > (1u << 30) ? (1u << 30) : n));
        if (r > 0) {
            p += r;
            n -= (size_t)r;
            continue;
        }
        int e = SSL_get_error(c->ssl, r);
        short ev;
        if (e == SSL_ERROR_WANT_WRITE)
            ev = POLLOUT;
        else if (e == SSL_ERROR_WANT_READ)
            ev = POLLIN;
        else
            return IO_ERR;
        long long d = deadline - clock_mono_ms();
        if (d <= 0)
            return IO_TIMEOUT;
        int w = wait_fd(c, ev, (int)d);
        if (w != 1)
            return w;
    }
    return 0;
}

/* Orderly close: close_notify, half-close, drain briefly so that unread
 * input does not turn the close into a reset that loses our last bytes. */
static void conn_linger_close(conn *c)
{
    ERR_clear_error();
    SSL_shutdown(c->ssl);
    shutdown(c->fd, SHUT_WR);
    long long deadline = clock_mono_ms() + 2000;
    char buf[4096];
    for (;;) {
        long long d = deadline - clock_mono_ms();
        if (d <= 0)
            break;
        struct pollfd pf = {c->fd, POLLIN, 0};
        if (poll(&pf, 1, (int)d) <= 0)
            break;
        ssize_t r = read(c->fd, buf, sizeof buf);
        if (r <= 0)
            break;
    }
}

/* ---- requests and responses ---- */

enum { P_NS, P_POD, P_CONTAINER, P_UID, P_COUNT };
static const char *const param_names[P_COUNT] = {"namespace", "pod", "container", "uid"};

struct kubelet_request {
    conn *c;
    kubelet_http_request *hr;
    char *params[P_COUNT];
    kubelet_user user;
    int has_user;
};

struct kubelet_response {
    conn *c;
    kv_list headers;
    int keep_alive;
    int sent;      /* a response (or its head) went out */
    int streaming; /* chunked in progress */
    int raw_stream; /* HTTP/1.0 client: no chunking, the end is the close */
    int failed;    /* the client is gone */
};

const char *kubelet_req_method(const kubelet_request *r) { return kubelet_http_request_method(r->hr); }
const char *kubelet_req_path(const kubelet_request *r) { return kubelet_http_request_path(r->hr); }
const kv_list *kubelet_req_query(const kubelet_request *r) { return kubelet_http_request_query(r->hr); }
const char *kubelet_req_header(const kubelet_request *r, const char *name) { return kubelet_http_request_header(r->hr, name); }
const char *kubelet_req_body(const kubelet_request *r, size_t *len) { return kubelet_http_request_body(r->hr, len); }
const kubelet_user *kubelet_req_user(const kubelet_request *r) { return r->has_user ? &r->user : NULL; }

const char *kubelet_req_param(const kubelet_request *r, const char *name)
{
    for (int i = 0; i < P_COUNT; i++)
        if (strcmp(name, param_names[i]) == 0)
            return r->params[i] ? r->params[i] : "";
    return "";
}

void kubelet_resp_header(kubelet_response *w, const char *name, const char *value)
{
    if (!w->sent)
        kv_add(&w->headers, name, value);
}

static int resp_write_raw(kubelet_response *w, const void *p, size_t n)
{
    if (w->failed)
        return -1;
    if (conn_write_all(w->c, p, n, 30000) < 0) {
        w->failed = 1;
        return -1;
    }
    return 0;
}

int kubelet_resp_send(kubelet_response *w, int status, const char *ctype, const void *body, size_t len)
{
    if (w->sent)
        return -1;
    w->sent = 1;
    dynbuf out;
    dynbuf_init(&out, 0);
    kubelet_http_response_simple(&out, status, ctype, body, len, w->keep_alive, &w->headers);
    int rc = resp_write_raw(w, out.buf, out.len);
    dynbuf_free(&out);
    return rc;
}

int kubelet_resp_error(kubelet_response *w, int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *m = xvasprintf(fmt, ap);
    va_end(ap);
    char *body = xasprintf("%s\n", m);
    int rc = kubelet_resp_send(w, status, "text/plain; charset=utf-8", body, strlen(body));
    free(body);
    free(m);
    return rc;
}

int kubelet_resp_begin(kubelet_response *w, int status, const char *ctype)
{
    if (w->sent)
        return -1;
    w->sent = 1;
    w->streaming = 1;
    if (ctype)
        kv_add(&w->headers, "Content-Type", ctype);
    if (w->raw_stream) {
        w->keep_alive = 0;
        kv_add(&w->headers, "Connection", "close");
    } else {
        kv_add(&w->headers, "Transfer-Encoding", "chunked");
        if (!w->keep_alive)
            kv_add(&w->headers, "Connection", "close");
    }
    dynbuf out;
    dynbuf_init(&out, 0);
    kubelet_http_response_head(&out, status, &w->headers);
    int rc = resp_write_raw(w, out.buf, out.len);
    dynbuf_free(&out);
    return rc;
}

int kubelet_resp_write(kubelet_response *w, const void *p, size_t n)
{
    if (!w->streaming || w->failed)
        return -1;
    if (n == 0)
        return 0;
    if (w->raw_stream)
        return resp_write_raw(w, p, n);
    dynbuf out;
    dynbuf_init(&out, 0);
    kubelet_http_chunk(&out, p, n);
    int rc = resp_write_raw(w, out.buf, out.len);
    dynbuf_free(&out);
    return rc;
}

int kubelet_resp_client_gone(kubelet_response *w)
{
    if (w->failed)
        return 1;
    struct pollfd pf = {w->c->fd, POLLIN | POLLRDHUP, 0};
    if (poll(&pf, 1, 0) > 0 && (pf.revents & (POLLRDHUP | POLLHUP | POLLERR)))
        return 1;
    return 0;
}

static void resp_finish(kubelet_response *w)
{
    if (w->streaming && !w->failed && !w->raw_stream) {
        resp_write_raw(w, "0\r\n\r\n", 5);
        w->streaming = 0;
    }
}

/* ---- authentication and authorization ---- */

/* Returns 1 to go on, 0 when a 401/403/500 was sent. */
static int check_auth(kubelet_request *req, kubelet_response *w)
{
    kubelet_server *s = req->c->srv;
    const kubelet_auth *a = s->cfg.auth;
    if (!a)
        return 1;
    kubelet_credential cred;
    memset(&cred, 0, sizeof cred);
    const char *authz = kubelet_http_request_header(req->hr, "Authorization");
    if (req->c->cert_ok) {
        cred.kind = KUBELET_CRED_X509;
        cred.cn = req->c->cn;
        cred.orgs = (const char *const *)req->c->orgs;
        cred.norgs = req->c->norgs;
        cred.cert_sha256 = req->c->fp;
    } else if (authz && strncasecmp(authz, "Bearer ", 7) == 0 && authz[7]) {
        cred.kind = KUBELET_CRED_TOKEN;
        cred.token = authz + 7;
        while (*cred.token == ' ')
            cred.token++;
    } else {
        kubelet_resp_error(w, 401, "Unauthorized");
        return 0;
    }
    char msg[256] = "";
    int rc;
    if (a->authn) {
        rc = a->authn(a->ud, &cred, &req->user, msg, sizeof msg);
    } else if (cred.kind == KUBELET_CRED_X509) {
        kubelet_user_set_name(&req->user, cred.cn);
        for (size_t i = 0; i < cred.norgs; i++)
            kubelet_user_add_group(&req->user, cred.orgs[i]);
        rc = 1;
    } else {
        rc = 0;
    }
    if (rc != 1 || !req->user.name) {
        log_info(COMP, "%s %s from %s: authentication failed%s%s", kubelet_http_request_method(req->hr),
                 kubelet_http_request_path(req->hr), req->c->peer, msg[0] ? ": " : "", msg);
        kubelet_user_clear(&req->user);
        kubelet_resp_error(w, 401, "Unauthorized");
        return 0;
    }
    req->has_user = 1;
    if (!a->authz)
        return 1;
    kubelet_attrs attrs[2];
    size_t n = kubelet_request_attributes(kubelet_http_request_method(req->hr), kubelet_http_request_path(req->hr), s->node_name,
                                       s->cfg.fine_grained_authz, attrs);
    int any_error = 0;
    for (size_t i = 0; i < n; i++) {
        char reason[256] = "";
        int z = a->authz(a->ud, &req->user, &attrs[i], reason, sizeof reason);
        if (z == 1)
            return 1;
        if (z < 0) {
            any_error = 1;
            log_warn(COMP, "authorization error for user %s on nodes/%s: %s", req->user.name,
                     attrs[i].subresource, reason);
        }
    }
    dynbuf subs;
    dynbuf_init(&subs, 0);
    for (size_t i = 0; i < n; i++)
        dynbuf_printf(&subs, "%s%s", i ? " " : "", attrs[i].subresource);
    if (any_error) {
        kubelet_resp_error(w, 500, "Authorization error (user=%s, verb=%s, resource=%s, subresource(s)=[%s])",
                        req->user.name, attrs[0].verb, attrs[0].resource, dynbuf_str(&subs));
    } else {
        log_info(COMP, "forbidden: user=%s verb=%s nodes/[%s] %s", req->user.name, attrs[0].verb,
                 dynbuf_str(&subs), kubelet_http_request_path(req->hr));
        kubelet_resp_error(w, 403, "Forbidden (user=%s, verb=%s, resource=%s, subresource(s)=[%s])", req->user.name,
                        attrs[0].verb, attrs[0].resource, dynbuf_str(&subs));
    }
    dynbuf_free(&subs);
    return 0;
}

/* ---- exec/attach streams over SPDY or WebSocket ---- */

typedef struct stream_conn {
    conn *c;
    int ws;                  /* 0 SPDY, 1 WebSocket */
    int b64;                 /* WebSocket base64 text framing */
    kubelet_rc_proto proto;
    kubelet_rc_options opts;
    kubelet_rc_session *rs;
    kubelet_rc_transport tr;
    int started;
    /* shared with the pump thread (under mu) */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    dynbuf outq;
    int finish;
    int closed;
    int wake[2];
    /* SPDY (connection thread only, except ids which are fixed before start) */
    kubelet_spdy_decoder *sd;
    kubelet_spdy_encoder *se;
    uint32_t ids[5];
    uint32_t last_id;
    size_t nstreams, expected;
    dynbuf pre_resize;
    /* WebSocket */
    kubelet_ws_decoder *wd;
    int peer_closed;
    int bye_sent; /* GOAWAY / close frame already queued */
    /* end of the loop */
    int stop;
    long long last_io;
} stream_conn;

static void sc_wake(stream_conn *sc)
{
    (void)!write(sc->wake[1], "x", 1);
}

/* Queue bytes for the connection thread (caller holds mu). */
static int sc_queue_locked(stream_conn *sc, const dynbuf *frame)
{
    if (sc->closed)
        return -1;
    if (dynbuf_add(&sc->outq, frame->buf, frame->len) < 0) {
        sc->closed = 1;
        return -1;
    }
    return 0;
}

static void ws_frame_for(stream_conn *sc, dynbuf *f, int ch, const void *p, size_t n)
{
    if (sc->b64) {
        char *t = xmalloc(B64_ENCODED_LEN(n) + 2);
        t[0] = (char)('0' + ch);
        size_t enc = b64_encode_to(t + 1, p, n);
        kubelet_ws_encode(f, KUBELET_WS_TEXT, 1, t, enc + 1, NULL);
        free(t);
    } else {
        char *t = xmalloc(n + 1);
        t[0] = (char)ch;
        if (n)
            memcpy(t + 1, p, n);
        kubelet_ws_encode(f, KUBELET_WS_BINARY, 1, t, n + 1, NULL);
        free(t);
    }
}

/* kubelet_rc_transport, called from the pump thread */
static int tr_send(void *ctx, kubelet_rc_stream st, const void *p, size_t n)
{
    stream_conn *sc = ctx;
    const char *d = p;
    int rc = 0;
    pthread_mutex_lock(&sc->mu);
    while (n > 0 && rc == 0) {
        size_t k = n < DATA_CHUNK ? n : DATA_CHUNK;
        dynbuf f;
        dynbuf_init(&f, 0);
        if (sc->ws) {
            ws_frame_for(sc, &f, (int)st, d, k);
        } else {
            uint32_t id = sc->ids[st];
            if (!id) {
                dynbuf_free(&f);
                break;
            }
            kubelet_spdy_encode_data(&f, id, 0, d, k);
        }
        rc = sc_queue_locked(sc, &f);
        dynbuf_free(&f);
        d += k;
        n -= k;
        sc_wake(sc);
        while (rc == 0 && !sc->closed && sc->outq.len > OUTQ_HIGH_WATER)
            pthread_cond_wait(&sc->cv, &sc->mu);
        if (sc->closed)
            rc = -1;
    }
    pthread_mutex_unlock(&sc->mu);
    return rc;
}

static void tr_close_stream(void *ctx, kubelet_rc_stream st)
{
    stream_conn *sc = ctx;
    if (sc->ws)
        return;
    pthread_mutex_lock(&sc->mu);
    uint32_t id = sc->ids[st];
    if (id) {
        dynbuf f;
        dynbuf_init(&f, 0);
        kubelet_spdy_encode_data(&f, id, KUBELET_SPDY_FLAG_FIN, NULL, 0);
        sc_queue_locked(sc, &f);
        dynbuf_free(&f);
        sc_wake(sc);
    }
    pthread_mutex_unlock(&sc->mu);
}

static void tr_finish(void *ctx)
{
    stream_conn *sc = ctx;
    pthread_mutex_lock(&sc->mu);
    sc->finish = 1;
    sc_wake(sc);
    pthread_mutex_unlock(&sc->mu);
}

/* Queue a frame from the connection thread. */
static void sc_queue(stream_conn *sc, const dynbuf *f)
{
    pthread_mutex_lock(&sc->mu);
    sc_queue_locked(sc, f);
    pthread_mutex_unlock(&sc->mu);
}

static void sc_start(stream_conn *sc)
{
    if (sc->started)
        return;
    sc->started = 1;
    char err[256];
    if (kubelet_rc_session_start(sc->rs, err, sizeof err) < 0) {
        log_warn(COMP, "%s: remote command failed to start: %s", sc->c->peer, err);
        return;
    }
    if (sc->pre_resize.len)
        kubelet_rc_session_resize(sc->rs, sc->pre_resize.buf, sc->pre_resize.len);
    dynbuf_free(&sc->pre_resize);
}

static int stream_wanted(const stream_conn *sc, kubelet_rc_stream st)
{
    switch (st) {
    case KUBELET_RC_STREAM_ERROR: return 1;
    case KUBELET_RC_STREAM_STDIN: return sc->opts.in;
    case KUBELET_RC_STREAM_STDOUT: return sc->opts.out;
    case KUBELET_RC_STREAM_STDERR: return sc->opts.err;
    case KUBELET_RC_STREAM_RESIZE: return sc->opts.tty && sc->proto >= KUBELET_RC_PROTO_V3;
    default: return 0;
    }
}

/* Stdin is queued in the session (also before it starts); the connection
 * stops reading while the queue is nearly full, so this never overflows
 * unless a client ignores that back-pressure within one read. */
static void sc_stdin(stream_conn *sc, const void *p, size_t n)
{
    if (kubelet_rc_session_stdin(sc->rs, p, n) < 0) {
        log_warn(COMP, "%s: stdin queue overflow, closing", sc->c->peer);
        sc->stop = 1;
    }
}

static void sc_stdin_eof(stream_conn *sc)
{
    kubelet_rc_session_stdin_eof(sc->rs);
}

static void sc_resize(stream_conn *sc, const void *p, size_t n)
{
    if (sc->started)
        kubelet_rc_session_resize(sc->rs, p, n);
    else if (dynbuf_add(&sc->pre_resize, p, n) < 0)
        sc->stop = 1;
}

static int on_spdy_frame(void *ud, const kubelet_spdy_frame *f)
{
    stream_conn *sc = ud;
    dynbuf out;
    dynbuf_init(&out, 0);
    switch (f->type) {
    case KUBELET_SPDY_SYN_STREAM: {
        uint32_t id = f->stream_id;
        if (id % 2 == 0 || id <= sc->last_id) {
            kubelet_spdy_encode_rst_stream(&out, id, KUBELET_SPDY_PROTOCOL_ERROR);
            break;
        }
        sc->last_id = id;
        pthread_mutex_lock(&sc->mu);
        kubelet_spdy_encode_syn_reply(sc->se, &out, id, 0, NULL);
        sc_queue_locked(sc, &out);
        dynbuf_reset(&out);
        kubelet_rc_stream st = kubelet_rc_stream_parse(kv_get(f->headers, "streamtype"));
        if (st != KUBELET_RC_STREAM_UNKNOWN && stream_wanted(sc, st) && !sc->ids[st]) {
            sc->ids[st] = id;
            sc->nstreams++;
        } else {
            log_debug(COMP, "ignoring SPDY stream %u (streamtype %s)", id,
                      kv_get(f->headers, "streamtype") ? kv_get(f->headers, "streamtype") : "none");
        }
        pthread_mutex_unlock(&sc->mu);
        if (!sc->started && sc->nstreams == sc->expected)
            sc_start(sc);
        break;
    }
    case KUBELET_SPDY_DATA:
        if (f->stream_id == sc->ids[KUBELET_RC_STREAM_STDIN]) {
            if (f->len)
                sc_stdin(sc, f->data, f->len);
            if (f->flags & KUBELET_SPDY_FLAG_FIN)
                sc_stdin_eof(sc);
        } else if (f->stream_id == sc->ids[KUBELET_RC_STREAM_RESIZE] && f->len) {
            sc_resize(sc, f->data, f->len);
        }
        break;
    case KUBELET_SPDY_RST_STREAM:
        if (f->stream_id == sc->ids[KUBELET_RC_STREAM_STDIN])
            sc_stdin_eof(sc);
        break;
    case KUBELET_SPDY_PING:
        if (f->ping_id % 2 == 1)
            kubelet_spdy_encode_ping(&out, f->ping_id);
        break;
    case KUBELET_SPDY_GOAWAY:
        sc->peer_closed = 1;
        break;
    default: /* SETTINGS, WINDOW_UPDATE, HEADERS, SYN_REPLY: no flow control, nothing to do */
        break;
    }
    if (out.len)
        sc_queue(sc, &out);
    dynbuf_free(&out);
    return 0;
}

static int b64_decode_into(const uint8_t *p, size_t n, dynbuf *out)
{
    size_t dn;
    unsigned char *d = b64_decode((const char *)p, n, 0, &dn);
    int rc = d ? dynbuf_add(out, d, dn) : -1;
    free(d);
    return rc;
}

static int on_ws_msg(void *ud, int op, const uint8_t *data, size_t len)
{
    stream_conn *sc = ud;
    dynbuf out;
    dynbuf_init(&out, 0);
    int rc = 0;
    if (op == KUBELET_WS_PING) {
        kubelet_ws_encode(&out, KUBELET_WS_PONG, 1, data, len, NULL);
    } else if (op == KUBELET_WS_CLOSE) {
        uint16_t code;
        const char *reason;
        size_t rl;
        kubelet_ws_parse_close(data, len, &code, &reason, &rl);
        kubelet_ws_encode_close(&out, code == KUBELET_WS_CLOSE_NO_STATUS ? KUBELET_WS_CLOSE_NORMAL : code, NULL, NULL);
        sc->peer_closed = 1;
        sc->bye_sent = 1;
    } else if (op == KUBELET_WS_BINARY || op == KUBELET_WS_TEXT) {
        dynbuf dec;
        dynbuf_init(&dec, 0);
        const uint8_t *pl = NULL;
        size_t pn = 0;
        int ch = -1;
        if (len == 0) {
            /* ignored */
        } else if (sc->b64 && op == KUBELET_WS_TEXT) {
            ch = data[0] - '0';
            if (b64_decode_into(data + 1, len - 1, &dec) < 0) {
                kubelet_ws_encode_close(&out, KUBELET_WS_CLOSE_BAD_DATA, "bad base64", NULL);
                sc->stop = 1;
                sc->bye_sent = 1;
                ch = -1;
            }
            pl = (const uint8_t *)dec.buf;
            pn = dec.len;
        } else if (!sc->b64 && op == KUBELET_WS_BINARY) {
            ch = data[0];
            pl = data + 1;
            pn = len - 1;
        }
        if (ch == K8SCHAN_CLOSE && sc->proto >= KUBELET_RC_PROTO_V5) {
            if (pn != 1) {
                kubelet_ws_encode_close(&out, KUBELET_WS_CLOSE_PROTOCOL_ERROR, "bad close signal", NULL);
                sc->stop = 1;
                sc->bye_sent = 1;
            } else if (pl[0] == KUBELET_RC_STREAM_STDIN) {
                sc_stdin_eof(sc);
            }
        } else if (ch == KUBELET_RC_STREAM_STDIN && sc->opts.in) {
            sc_stdin(sc, pl, pn);
        } else if (ch == KUBELET_RC_STREAM_RESIZE) {
            sc_resize(sc, pl, pn);
        }
        dynbuf_free(&dec);
    }
    if (out.len)
        sc_queue(sc, &out);
    dynbuf_free(&out);
    return rc;
}

static int sc_input(stream_conn *sc, const void *p, size_t n)
{
    char err[200];
    sc->last_io = clock_mono_ms();
    if (sc->ws) {
        if (kubelet_ws_decoder_feed(sc->wd, p, n, on_ws_msg, sc, err, sizeof err) < 0) {
            log_info(COMP, "%s: %s", sc->c->peer, err);
            dynbuf f;
            dynbuf_init(&f, 0);
            kubelet_ws_encode_close(&f, kubelet_ws_decoder_close_code(sc->wd), NULL, NULL);
            sc_queue(sc, &f);
            sc->bye_sent = 1;
            dynbuf_free(&f);
            return -1;
        }
    } else if (kubelet_spdy_decoder_feed(sc->sd, p, n, on_spdy_frame, sc, err, sizeof err) < 0) {
        log_info(COMP, "%s: %s", sc->c->peer, err);
        dynbuf f;
        dynbuf_init(&f, 0);
        kubelet_spdy_encode_goaway(&f, sc->last_id, KUBELET_SPDY_GOAWAY_PROTOCOL_ERROR);
        sc_queue(sc, &f);
        sc->bye_sent = 1;
        dynbuf_free(&f);
        return -1;
    }
    return sc->stop ? -1 : 0;
}

/* After the last frames and GOAWAY of a finished command, leave the close to
 * the client. spdystream (the apiserver's and kubectl's SPDY client) hands
 * frames to per-stream worker goroutines, and at end of input it closes every
 * stream and drops the frames those workers have not delivered yet: a command
 * that prints and exits at once has its output, the FINs, the status and our
 * close arrive in one burst, and closing right after it can lose the output
 * with a success status. The client closes as soon as it has read the status
 * stream to its FIN; the wait is bounded for one that never does. */
static int on_spdy_frame_after_end(void *ud, const kubelet_spdy_frame *f)
{
    stream_conn *sc = ud;
    if (f->type == KUBELET_SPDY_PING && f->ping_id % 2 == 1) { /* the connection lives on until the client closes */
        dynbuf out;
        dynbuf_init(&out, 0);
        kubelet_spdy_encode_ping(&out, f->ping_id);
        conn_write_all(sc->c, out.buf, out.len, 5000);
        dynbuf_free(&out);
    }
    return 0;
}

static void spdy_await_peer_close(stream_conn *sc)
{
    long long deadline = clock_mono_ms() + SPDY_PEER_CLOSE_WAIT_MS;
    char buf[4096], err[200];
    int r;
    while ((r = conn_read(sc->c, buf, sizeof buf, deadline)) > 0)
        if (kubelet_spdy_decoder_feed(sc->sd, buf, (size_t)r, on_spdy_frame_after_end, sc, err, sizeof err) < 0)
            break;
}

/* Write everything queued (blocking, bounded), used at the end. */
static void sc_flush_all(stream_conn *sc, dynbuf *sending, size_t *soff)
{
    pthread_mutex_lock(&sc->mu);
    if (sc->outq.len)
        dynbuf_add(sending, sc->outq.buf, sc->outq.len);
    dynbuf_reset(&sc->outq);
    pthread_mutex_unlock(&sc->mu);
    if (sending->len > *soff)
        conn_write_all(sc->c, sending->buf + *soff, sending->len - *soff, 10000);
    dynbuf_reset(sending);
    *soff = 0;
}

/* The connection thread's loop for one exec/attach. */
static void stream_loop(stream_conn *sc, const char *leftover, size_t nleft)
{
    kubelet_server *s = sc->c->srv;
    dynbuf sending;
    dynbuf_init(&sending, 0);
    size_t soff = 0;
    int want_out = 0, dead = 0, graceful = 0;
    long long create_deadline = clock_mono_ms() + s->cfg.stream_create_timeout_ms;
    sc->last_io = clock_mono_ms();
    if (nleft && sc_input(sc, leftover, nleft) < 0)
        dead = 1;
    if (sc->ws)
        sc_start(sc);
    char buf[IO_CHUNK];
    while (!dead) {
        /* take queued output */
        pthread_mutex_lock(&sc->mu);
        if (soff >= sending.len && sc->outq.len) {
            dynbuf t = sending;
            sending = sc->outq;
            sc->outq = t;
            dynbuf_reset(&sc->outq);
            soff = 0;
            pthread_cond_broadcast(&sc->cv);
        }
        int fin = sc->finish && sc->outq.len == 0;
        pthread_mutex_unlock(&sc->mu);
        /* write what we can */
        want_out = 0;
        while (soff < sending.len) {
            ERR_clear_error();
            size_t left = sending.len - soff;
            int r = SSL_write(sc->c->ssl, sending.buf + soff, (int)(left > (1u << 20) ? (1u << 20) : left));
            if (r > 0) {
                soff += (size_t)r;
                sc->last_io = clock_mono_ms();
                continue;
            }
            int e = SSL_get_error(sc->c->ssl, r);
            if (e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_WANT_READ) {
                want_out = 1;
                break;
            }
            dead = 1;
            break;
        }
        if (dead)
            break;
        if (soff >= sending.len) {
            dynbuf_reset(&sending);
            soff = 0;
            pthread_mutex_lock(&sc->mu);
            int more = sc->outq.len > 0;
            pthread_mutex_unlock(&sc->mu);
            if (more)
                continue;
            if (fin) {
                graceful = 1;
                break;
            }
            if (sc->peer_closed || sc->stop)
                break;
        }
        /* wait */
        long long now = clock_mono_ms();
        long long next = sc->last_io + s->cfg.stream_idle_timeout_ms;
        if (!sc->started && !sc->ws && create_deadline < next)
            next = create_deadline;
        if (now >= next) {
            if (!sc->started && !sc->ws && now >= create_deadline)
                log_info(COMP, "%s: timed out waiting for client to create streams", sc->c->peer);
            else
                log_info(COMP, "%s: stream connection idle, closing", sc->c->peer);
            break;
        }
        /* stdin back-pressure: read only while the session can take a full read */
        int can_read = kubelet_rc_session_stdin_room(sc->rs) >= IO_CHUNK;
        struct pollfd pf[3] = {{sc->c->fd, (short)((can_read ? POLLIN : 0) | (want_out ? POLLOUT : 0)), 0},
                               {sc->wake[0], POLLIN, 0},
                               {s->stop_pipe[0], POLLIN, 0}};
        int timeout = (int)(next - now > 60000 ? 60000 : next - now);
        if (!can_read) {
            timeout = timeout > 20 ? 20 : timeout;
        } else if (SSL_pending(sc->c->ssl) > 0) {
            timeout = 0;
        }
        int pr = poll(pf, 3, timeout);
        if (pr < 0 && errno != EINTR)
            break;
        if (pf[2].revents)
            break;
        if (pf[1].revents) {
            char x[64];
            while (read(sc->wake[0], x, sizeof x) > 0)
                ;
        }
        /* read what is there */
        while (can_read && kubelet_rc_session_stdin_room(sc->rs) >= IO_CHUNK) {
            ERR_clear_error();
            int r = SSL_read(sc->c->ssl, buf, sizeof buf);
            if (r > 0) {
                if (sc_input(sc, buf, (size_t)r) < 0) {
                    sc->stop = 1;
                    break;
                }
                continue;
            }
            int e = SSL_get_error(sc->c->ssl, r);
            if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
                break;
            sc->peer_closed = 1; /* EOF or error */
            dead = e != SSL_ERROR_ZERO_RETURN;
            break;
        }
        if (sc->peer_closed && !graceful) {
            /* the client went away: stop the command, flush what we have and close */
            if (sc->started)
                kubelet_rc_session_cancel(sc->rs);
        }
    }
    /* end: make the pump stop, then flush its last words if the peer is alive */
    pthread_mutex_lock(&sc->mu);
    int pump_finished = sc->finish;
    pthread_mutex_unlock(&sc->mu);
    if (!pump_finished && sc->started)
        kubelet_rc_session_cancel(sc->rs);
    if (!dead) {
        sc_flush_all(sc, &sending, &soff);
        dynbuf f;
        dynbuf_init(&f, 0);
        if (sc->ws)
            kubelet_ws_encode_close(&f, KUBELET_WS_CLOSE_NORMAL, NULL, NULL);
        else
            kubelet_spdy_encode_goaway(&f, sc->last_id, KUBELET_SPDY_GOAWAY_OK);
        if (!sc->bye_sent)
            conn_write_all(sc->c, f.buf, f.len, 5000);
        dynbuf_free(&f);
    }
    pthread_mutex_lock(&sc->mu);
    sc->closed = 1;
    pthread_cond_broadcast(&sc->cv);
    pthread_mutex_unlock(&sc->mu);
    kubelet_rc_session_free(sc->rs); /* joins the pump thread */
    sc->rs = NULL;
    if (!dead && graceful && !sc->ws)
        spdy_await_peer_close(sc);
    if (!dead)
        conn_linger_close(sc->c);
    dynbuf_free(&sending);
}

static void add_accepted_protocols(kubelet_response *w)
{
    size_t n;
    const char *const *p = kubelet_rc_spdy_protocols(&n);
    for (size_t i = 0; i < n; i++)
        kubelet_resp_header(w, "X-Accepted-Stream-Protocol-Versions", p[i]);
}

/* /exec and /attach. Returns 1 when the connection was upgraded (and is done). */
static int handle_remotecommand(kubelet_request *req, kubelet_response *w, int attach, const char *leftover,
                                size_t nleft)
{
    kubelet_server *s = req->c->srv;
    const kubelet_rc_backend *b = s->cfg.handlers ? s->cfg.handlers->exec : NULL;
    if (!b) {
        kubelet_resp_error(w, 501, "%s is not implemented by this node", attach ? "attach" : "exec");
        return 0;
    }
    stream_conn sc;
    memset(&sc, 0, sizeof sc);
    char err[512];
    if (kubelet_rc_options_parse(kubelet_http_request_query(req->hr), !attach, &sc.opts, err, sizeof err) < 0) {
        kubelet_resp_error(w, 400, "%s", err);
        return 0;
    }
    kubelet_rc_target t = {attach ? "attach" : "exec", req->params[P_NS], req->params[P_POD], req->params[P_CONTAINER],
                           req->params[P_UID] ? req->params[P_UID] : ""};
    if (b->check) {
        int code = b->check(b->ud, &t, &sc.opts, err, sizeof err);
        if (code) {
            kubelet_resp_send(w, code, "text/plain; charset=utf-8", err, strlen(err));
            goto fail;
        }
    }
    const char *up = kubelet_http_request_upgrade(req->hr);
    int is_ws = up && kubelet_http_request_has_token(req->hr, "Upgrade", "websocket");
    const char *chosen = NULL;
    char accept[KUBELET_WS_ACCEPT_LEN + 1] = "";
    if (is_ws) {
        if (s->cfg.disable_websocket) {
            kubelet_resp_error(w, 400, "unable to upgrade: websocket is not supported by this node, use SPDY");
            goto fail;
        }
        if (kubelet_ws_check_request(kubelet_http_request_method(req->hr), kubelet_http_request_headers(req->hr), err, sizeof err) < 0) {
            kubelet_resp_error(w, 400, "unable to upgrade: %s", err);
            goto fail;
        }
        size_t n;
        const char *const *sup = kubelet_rc_ws_protocols(&n);
        int offered = 0;
        chosen = kubelet_ws_choose_protocol(kubelet_http_request_headers(req->hr), sup, n, &offered);
        if (!chosen && offered) {
            kubelet_resp_error(w, 403, "unable to upgrade: no supported websocket subprotocol offered");
            goto fail;
        }
        if (!chosen)
            chosen = "";
        kubelet_ws_accept_key(kubelet_http_request_header(req->hr, "Sec-WebSocket-Key"), accept);
    } else {
        int present = 0;
        chosen = kubelet_rc_negotiate_spdy(kubelet_http_request_headers(req->hr), &present);
        if (!present) {
            kubelet_resp_error(w, 400, "unable to upgrade: header X-Stream-Protocol-Version does not exist in request");
            goto fail;
        }
        if (!chosen) {
            add_accepted_protocols(w);
            kubelet_resp_error(w, 403, "unable to upgrade: unable to negotiate protocol: server accepts %s, %s, %s, %s",
                            K8SCHAN_PROTO_V4, K8SCHAN_PROTO_V3, K8SCHAN_PROTO_V2, K8SCHAN_PROTO_V1);
            goto fail;
        }
        if (!up || !kubelet_http_request_has_token(req->hr, "Upgrade", "spdy/3.1")) {
            kubelet_resp_error(w, 400, "unable to upgrade: missing upgrade headers in request");
            goto fail;
        }
    }
    int b64 = 0, version = k8schan_version(chosen, &b64);
    sc.proto = (kubelet_rc_proto)(version > 0 ? version : KUBELET_RC_PROTO_V1);
    sc.c = req->c;
    sc.ws = is_ws;
    sc.b64 = b64;
    sc.expected = kubelet_rc_expected_streams(&sc.opts, sc.proto);
    pthread_mutex_init(&sc.mu, NULL);
    pthread_cond_init(&sc.cv, NULL);
    dynbuf_init(&sc.outq, (size_t)64 << 20);
    dynbuf_init(&sc.pre_resize, 4096);
    if (pipe2(sc.wake, O_CLOEXEC | O_NONBLOCK) < 0) {
        kubelet_resp_error(w, 500, "cannot create a pipe");
        pthread_mutex_destroy(&sc.mu);
        pthread_cond_destroy(&sc.cv);
        goto fail;
    }
    if (is_ws)
        sc.wd = kubelet_ws_decoder_new(s->cfg.max_body, 1);
    else {
        sc.sd = kubelet_spdy_decoder_new(0, 0);
        sc.se = kubelet_spdy_encoder_new();
    }
    sc.tr.send_data = tr_send;
    sc.tr.close_stream = tr_close_stream;
    sc.tr.finish = tr_finish;
    sc.tr.ctx = &sc;
    sc.rs = kubelet_rc_session_new(b, &t, &sc.opts, sc.proto, &sc.tr);
    /* 101 */
    kv_list h = KV_LIST_INIT;
    kv_add(&h, "Connection", "Upgrade");
    if (is_ws) {
        kv_add(&h, "Upgrade", "websocket");
        kv_add(&h, "Sec-WebSocket-Accept", accept);
        if (*chosen)
            kv_add(&h, "Sec-WebSocket-Protocol", chosen);
    } else {
        kv_add(&h, "Upgrade", "SPDY/3.1");
        kv_add(&h, "X-Stream-Protocol-Version", chosen);
    }
    dynbuf out;
    dynbuf_init(&out, 0);
    kubelet_http_response_head(&out, 101, &h);
    if (is_ws) {
        /* the kubelet opens with an empty message on the first output channel */
        int ch = sc.opts.out ? KUBELET_RC_STREAM_STDOUT : sc.opts.err ? KUBELET_RC_STREAM_STDERR : KUBELET_RC_STREAM_ERROR;
        ws_frame_for(&sc, &out, ch, NULL, 0);
    }
    kv_free(&h);
    w->sent = 1;
    log_info(COMP, "%s %s/%s/%s from %s over %s (%s)%s", attach ? "attach" : "exec", t.namespace_, t.pod, t.container,
             req->c->peer, is_ws ? "websocket" : "SPDY/3.1", *chosen ? chosen : "channel.k8s.io",
             sc.opts.tty ? " tty" : "");
    if (conn_write_all(req->c, out.buf, out.len, 10000) == 0)
        stream_loop(&sc, leftover, nleft);
    else if (sc.rs) {
        kubelet_rc_session_free(sc.rs);
        sc.rs = NULL;
    }
    dynbuf_free(&out);
    kubelet_rc_session_free(sc.rs);
    kubelet_spdy_decoder_free(sc.sd);
    kubelet_spdy_encoder_free(sc.se);
    kubelet_ws_decoder_free(sc.wd);
    close(sc.wake[0]);
    close(sc.wake[1]);
    dynbuf_free(&sc.outq);
    dynbuf_free(&sc.pre_resize);
    pthread_mutex_destroy(&sc.mu);
    pthread_cond_destroy(&sc.cv);
    kubelet_rc_options_free(&sc.opts);
    return 1;
fail:
    kubelet_rc_options_free(&sc.opts);
    return 0;
}

/* Built-in /run: the exec backend with output collected. */
typedef struct run_out {
    pthread_mutex_t mu;
    dynbuf buf;
    int over;
} run_out;

static int run_write(void *ctx, int fd, const void *p, size_t n)
{
    (void)fd;
    run_out *ro = ctx;
    pthread_mutex_lock(&ro->mu);
    int rc = dynbuf_add(&ro->buf, p, n);
    if (rc < 0)
        ro->over = 1;
    pthread_mutex_unlock(&ro->mu);
    return rc;
}

static void builtin_run(kubelet_request *req, kubelet_response *w, const kubelet_rc_backend *b)
{
    const char *cmd = kv_get(kubelet_http_request_query(req->hr), "cmd");
    if (!cmd || !*cmd) {
        kubelet_resp_error(w, 400, "missing cmd parameter");
        return;
    }
    kubelet_rc_options o;
    memset(&o, 0, sizeof o);
    o.out = o.err = 1;
    /* split on single spaces, like the kubelet */
    size_t n = 1;
    for (const char *p = cmd; *p; p++)
        n += *p == ' ';
    o.argv = xcalloc(n + 1, sizeof *o.argv);
    const char *st = cmd;
    for (const char *p = cmd;; p++) {
        if (*p == ' ' || *p == '\0') {
            o.argv[o.argc++] = xstrndup(st, (size_t)(p - st));
            st = p + 1;
            if (!*p)
                break;
        }
    }
    run_out ro;
    pthread_mutex_init(&ro.mu, NULL);
    dynbuf_init(&ro.buf, (size_t)16 << 20);
    ro.over = 0;
    kubelet_rc_output out = {run_write, &ro};
    kubelet_rc_target t = {"exec", req->params[P_NS], req->params[P_POD], req->params[P_CONTAINER],
                   req->params[P_UID] ? req->params[P_UID] : ""};
    char err[256] = "";
    kubelet_rc_proc *p = b->start(b->ud, &t, &o, &out, err, sizeof err);
    if (!p) {
        kubelet_resp_error(w, 500, "%s", err[0] ? err : "cannot run the command");
    } else {
        int code = 0;
        int rc = b->wait(p, &code, err, sizeof err);
        b->release(p);
        if (rc < 0)
            kubelet_resp_error(w, 500, "%s", err[0] ? err : "running the command failed");
        else if (ro.over)
            kubelet_resp_error(w, 500, "command output exceeds 16 MiB");
        else
            kubelet_resp_send(w, 200, "application/json", ro.buf.buf, ro.buf.len);
    }
    dynbuf_free(&ro.buf);
    pthread_mutex_destroy(&ro.mu);
    kubelet_rc_options_free(&o);
}

/* ---- routing ---- */

static void call(kubelet_handler_fn fn, kubelet_request *req, kubelet_response *w, const char *what)
{
    kubelet_server *s = req->c->srv;
    if (!fn) {
        kubelet_resp_error(w, 501, "%s is not implemented by this node", what);
        return;
    }
    fn(s->cfg.handlers->ud, req, w);
    if (!w->sent)
        kubelet_resp_error(w, 500, "%s handler produced no response", what);
    resp_finish(w);
}

/* Handle one request. Returns 1 to keep the connection, 0 to close it. */
static void conn_authenticated(conn *c);

/* A request and its response on c; the response keeps the connection open
 * when the request allows it. */
static void req_init(kubelet_request *req, kubelet_response *w, conn *c, kubelet_http_request *hr)
{
    memset(req, 0, sizeof *req);
    req->c = c;
    req->hr = hr;
    memset(w, 0, sizeof *w);
    w->c = c;
    w->keep_alive = kubelet_http_request_keep_alive(hr) && !kubelet_http_request_upgrade(hr);
    w->raw_stream = !kubelet_http_request_http11(hr);
}

static int handle_request(conn *c, kubelet_http_request *hr, const char *leftover, size_t nleft)
{
    kubelet_server *s = c->srv;
    kubelet_request req;
    kubelet_response w;
    req_init(&req, &w, c, hr);
    const char *method = kubelet_http_request_method(hr);
    const char *path = kubelet_http_request_path(hr);
    /* decode path segments */
    char *segs[8];
    size_t nseg = 0;
    int bad = 0;
    const char *p = path;
    while (*p == '/')
        p++;
    while (*p && !bad) {
        const char *e = strchr(p, '/');
        size_t l = e ? (size_t)(e - p) : strlen(p);
        if (nseg == 8) {
            bad = 2;
            break;
        }
        char *seg = query_unescape(p, l, 0);
        if (!seg)
            bad = 1;
        else
            segs[nseg++] = seg;
        if (!e)
            break;
        p = e + 1;
    }
    const kubelet_handlers *H = s->cfg.handlers;
    static const kubelet_handlers none;
    if (!H)
        H = &none;
    int upgraded = 0;
    if (bad == 1) {
        kubelet_resp_error(&w, 400, "malformed path");
        goto done;
    }
    if (!check_auth(&req, &w))
        goto done;
    conn_authenticated(c);
    /* drop empty segments from trailing slashes */
    while (nseg && !segs[nseg - 1][0])
        free(segs[--nseg]);
    const char *r0 = nseg ? segs[0] : "";
    const char *allowed = NULL;
    if (!strcmp(r0, "healthz") && (nseg == 1 || (nseg == 2 && (!strcmp(segs[1], "ping") || !strcmp(segs[1], "log") ||
                                                                !strcmp(segs[1], "syncloop"))))) {
        allowed = "GET";
        if (httptok_has(allowed, method, 0)) {
            if (H->healthz)
                call(H->healthz, &req, &w, "healthz");
            else
                kubelet_resp_send(&w, 200, "text/plain; charset=utf-8", "ok", 2);
        }
    } else if (!strcmp(r0, "pods") && nseg == 1) {
        allowed = "GET";
        if (httptok_has(allowed, method, 0))
            call(H->pods, &req, &w, "pods");
    } else if (!strcmp(r0, "runningpods") && nseg == 1) {
        allowed = "GET";
        if (httptok_has(allowed, method, 0))
            call(H->running_pods, &req, &w, "runningpods");
    } else if (!strcmp(r0, "containerLogs") && nseg == 4) {
        allowed = "GET";
        req.params[P_NS] = segs[1];
        req.params[P_POD] = segs[2];
        req.params[P_CONTAINER] = segs[3];
        if (httptok_has(allowed, method, 0))
            call(H->container_logs, &req, &w, "containerLogs");
    } else if ((!strcmp(r0, "exec") || !strcmp(r0, "attach")) && (nseg == 4 || nseg == 5)) {
        allowed = "GET,POST";
        req.params[P_NS] = segs[1];
        req.params[P_POD] = segs[2];
        if (nseg == 5)
            req.params[P_UID] = segs[3];
        req.params[P_CONTAINER] = segs[nseg - 1];
        if (httptok_has(allowed, method, 0))
            upgraded = handle_remotecommand(&req, &w, r0[0] == 'a', leftover, nleft);
    } else if (!strcmp(r0, "run") && (nseg == 4 || nseg == 5)) {
        allowed = "POST";
        req.params[P_NS] = segs[1];
        req.params[P_POD] = segs[2];
        if (nseg == 5)
            req.params[P_UID] = segs[3];
        req.params[P_CONTAINER] = segs[nseg - 1];
        if (httptok_has(allowed, method, 0)) {
            if (H->run)
                call(H->run, &req, &w, "run");
            else if (H->exec)
                builtin_run(&req, &w, H->exec);
            else
                kubelet_resp_error(&w, 501, "run is not implemented by this node");
        }
    } else if (!strcmp(r0, "portForward") && (nseg == 3 || nseg == 4)) {
        allowed = "GET,POST";
        req.params[P_NS] = segs[1];
        req.params[P_POD] = segs[2];
        if (nseg == 4)
            req.params[P_UID] = segs[3];
        if (httptok_has(allowed, method, 0)) {
            w.keep_alive = 0;
            call(H->port_forward, &req, &w, "portForward");
        }
    } else if (!strcmp(r0, "stats") && nseg == 2 && !strcmp(segs[1], "summary")) {
        allowed = "GET,POST";
        if (httptok_has(allowed, method, 0))
            call(H->stats_summary, &req, &w, "stats/summary");
    } else if (!strcmp(r0, "metrics") && nseg == 1) {
        allowed = "GET";
        if (httptok_has(allowed, method, 0))
            call(H->metrics, &req, &w, "metrics");
    } else if (!strcmp(r0, "metrics") && nseg == 2 && !strcmp(segs[1], "resource")) {
        allowed = "GET";
        if (httptok_has(allowed, method, 0))
            call(H->metrics_resource, &req, &w, "metrics/resource");
    } else if (!strcmp(r0, "metrics") && nseg == 2 && !strcmp(segs[1], "cadvisor")) {
        allowed = "GET";
        if (httptok_has(allowed, method, 0))
            call(H->metrics_cadvisor, &req, &w, "metrics/cadvisor");
    } else if (!strcmp(r0, "configz") && nseg == 1) {
        allowed = "GET";
        if (httptok_has(allowed, method, 0))
            call(H->configz, &req, &w, "configz");
    } else {
        kubelet_resp_error(&w, 404, "404 page not found");
    }
    if (allowed && !w.sent) {
        kubelet_resp_header(&w, "Allow", allowed);
        kubelet_resp_error(&w, 405, "Method Not Allowed");
    }
done:
    for (size_t i = 0; i < nseg; i++)
        free(segs[i]);
    if (req.has_user)
        kubelet_user_clear(&req.user);
    kv_free(&w.headers);
    if (upgraded || w.failed)
        return 0;
    return w.keep_alive;
}

static void send_parse_error(conn *c, int status, const char *msg);

/* ---- connection pools ---- */

/* Under s->mu. */
static void pre_unlink(kubelet_server *s, conn *c)
{
    if (c->pre_prev)
        c->pre_prev->pre_next = c->pre_next;
    else
        s->pre_head = c->pre_next;
    if (c->pre_next)
        c->pre_next->pre_prev = c->pre_prev;
    else
        s->pre_tail = c->pre_prev;
    c->pre_prev = c->pre_next = NULL;
    s->npre--;
}

/* The connection authenticated a request (or presented a verified client
 * certificate): it leaves the pre-auth pool, so no number of unauthenticated
 * connections can push it out or hold its slot. */
static void conn_authenticated(conn *c)
{
    kubelet_server *s = c->srv;
    pthread_mutex_lock(&s->mu);
    if (!c->authed) {
        c->authed = 1;
        pre_unlink(s, c);
    }
    pthread_mutex_unlock(&s->mu);
}

/* Earliest of deadline and, while unauthenticated, the pre-auth deadline. */
static long long pre_bound(const conn *c, long long deadline)
{
    if (c->authed)
        return deadline;
    return deadline && deadline < c->preauth_deadline ? deadline : c->preauth_deadline;
}

/* Authenticate and authorize the head of a request whose body is still
 * unread; 1 to read the body, 0 when a 401/403 went out (then the
 * connection closes without reading the body). */
static int head_auth(conn *c, kubelet_http_parser *parser)
{
    char err[200];
    kubelet_http_request *head = kubelet_http_parser_head(parser, err, sizeof err);
    if (!head) {
        send_parse_error(c, kubelet_http_parser_error_status(parser), err);
        return 0;
    }
    kubelet_request req;
    kubelet_response w;
    req_init(&req, &w, c, head);
    w.keep_alive = 0; /* a refusal closes the connection, the body unread */
    int ok = check_auth(&req, &w);
    if (req.has_user)
        kubelet_user_clear(&req.user);
    kv_free(&w.headers);
    kubelet_http_request_free(head);
    if (ok)
        conn_authenticated(c);
    return ok;
}

/* ---- connection thread ---- */

static void conn_identity(conn *c)
{
    if (!c->srv->ca_file)
        return;
    X509 *x = SSL_get1_peer_certificate(c->ssl);
    if (!x)
        return;
    if (SSL_get_verify_result(c->ssl) != X509_V_OK) {
        log_info(COMP, "%s: client certificate not verified: %s", c->peer,
                 X509_verify_cert_error_string(SSL_get_verify_result(c->ssl)));
        X509_free(x);
        return;
    }
    X509_NAME *nm = X509_get_subject_name(x);
    for (int i = -1; (i = X509_NAME_get_index_by_NID(nm, NID_commonName, i)) >= 0;) {
        unsigned char *u = NULL;
        if (ASN1_STRING_to_UTF8(&u, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(nm, i))) >= 0) {
            xstrset(&c->cn, (char *)u);
            OPENSSL_free(u);
        }
        break;
    }
    for (int i = -1; (i = X509_NAME_get_index_by_NID(nm, NID_organizationName, i)) >= 0;) {
        unsigned char *u = NULL;
        if (ASN1_STRING_to_UTF8(&u, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(nm, i))) >= 0) {
            c->orgs = xrealloc(c->orgs, (c->norgs + 1) * sizeof *c->orgs);
            c->orgs[c->norgs++] = xstrdup((char *)u);
            OPENSSL_free(u);
        }
    }
    unsigned char md[32];
    unsigned int mdl = 0;
    X509_digest(x, EVP_sha256(), md, &mdl);
    for (unsigned i = 0; i < mdl && i < 32; i++)
        snprintf(c->fp + 2 * i, 3, "%02x", md[i]);
    c->cert_ok = c->cn != NULL;
    X509_free(x);
}

static void send_parse_error(conn *c, int status, const char *msg)
{
    dynbuf out;
    dynbuf_init(&out, 0);
    char *body = xasprintf("%s\n", msg);
    kubelet_http_response_simple(&out, status, "text/plain; charset=utf-8", body, strlen(body), 0, NULL);
    conn_write_all(c, out.buf, out.len, 5000);
    free(body);
    dynbuf_free(&out);
}

static void *conn_main(void *arg)
{
    conn *c = arg;
    kubelet_server *s = c->srv;
    th_rec *rec = c->rec;
    kubelet_http_parser *parser = NULL;
    /* The TLS handshake and the first request head share the pre-auth
     * deadline: an idle or slow client is gone after preauth_timeout_ms. */
    long long deadline = c->preauth_deadline;
    /* TLS handshake */
    for (;;) {
        ERR_clear_error();
        int r = SSL_accept(c->ssl);
        if (r == 1)
            break;
        int e = SSL_get_error(c->ssl, r);
        short ev = e == SSL_ERROR_WANT_READ ? POLLIN : e == SSL_ERROR_WANT_WRITE ? POLLOUT : 0;
        long long d = deadline - clock_mono_ms();
        if (!ev || d <= 0 || wait_fd(c, ev, (int)d) != 1) {
            char err[256];
            ssl_errstr(err, sizeof err, "TLS handshake");
            log_debug(COMP, "%s: %s", c->peer, err);
            goto out;
        }
    }
    conn_identity(c);
    if (c->cert_ok && s->cfg.auth)
        conn_authenticated(c); /* the TLS layer verified the client certificate */
    parser = kubelet_http_parser_new(s->cfg.max_head, s->cfg.max_body);
    kubelet_http_parser_hold_bodies(parser, 1);
    dynbuf_init(&c->inbuf, s->cfg.max_head + s->cfg.max_body + 65536);
    int first = 1;
    for (;;) {
        /* read one request */
        long long idle_deadline = clock_mono_ms() + (first ? s->cfg.request_timeout_ms : s->cfg.idle_timeout_ms);
        long long req_deadline = 0;
        int rc = KUBELET_HTTP_MORE;
        size_t used = 0;
        char err[200];
        char buf[IO_CHUNK];
        for (;;) {
            if (c->inbuf.len) {
                if (!req_deadline)
                    req_deadline = clock_mono_ms() + s->cfg.request_timeout_ms;
                rc = kubelet_http_parser_feed(parser, c->inbuf.buf, c->inbuf.len, &used, err, sizeof err);
                if (rc == KUBELET_HTTP_ERROR)
                    break;
                if (rc == KUBELET_HTTP_DONE)
                    break;
                dynbuf_consume(&c->inbuf, used);
                if (rc == KUBELET_HTTP_HEAD) {
                    /* A body follows: not one more byte of it before the
                     * caller is authenticated and authorized. */
                    if (!head_auth(c, parser))
                        goto out;
                    kubelet_http_parser_release(parser);
                    continue;
                }
            }
            int r = conn_read(c, buf, sizeof buf, pre_bound(c, req_deadline ? req_deadline : idle_deadline));
            if (r == IO_TIMEOUT && req_deadline && c->authed) {
                send_parse_error(c, 408, "request timeout");
                goto out;
            }
            if (r <= 0)
                goto out;
            if (dynbuf_add(&c->inbuf, buf, (size_t)r) < 0) {
                send_parse_error(c, 413, "request too large");
                goto out;
            }
        }
        if (rc == KUBELET_HTTP_ERROR) {
            log_info(COMP, "%s: bad request: %s", c->peer, err);
            send_parse_error(c, kubelet_http_parser_error_status(parser), err);
            goto out;
        }
        first = 0;
        kubelet_http_request *hr = kubelet_http_parser_take(parser);
        const char *rest = c->inbuf.buf + used;
        size_t nrest = c->inbuf.len - used;
        log_debug(COMP, "%s %s %s", c->peer, kubelet_http_request_method(hr), kubelet_http_request_path(hr));
        int keep = handle_request(c, hr, rest, nrest);
        kubelet_http_request_free(hr);
        if (!keep || atomic_load(&s->stopping))
            break;
        dynbuf_consume(&c->inbuf, used);
    }
out:
    /* Out of the pre-auth pool before the descriptor closes: the accept
     * thread may shut down a pooled connection's fd to evict it. */
    pthread_mutex_lock(&s->mu);
    if (!c->authed) {
        c->authed = 1;
        pre_unlink(s, c);
    }
    pthread_mutex_unlock(&s->mu);
    kubelet_http_parser_free(parser);
    dynbuf_free(&c->inbuf);
    SSL_free(c->ssl);
    close(c->fd);
    free(c->cn);
    for (size_t i = 0; i < c->norgs; i++)
        free(c->orgs[i]);
    free(c->orgs);
    free(c);
    pthread_mutex_lock(&s->mu);
    s->nconns--;
    rec->done = 1;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

/* Join finished connection threads (all of them when all != 0). */
static void reap_threads(kubelet_server *s, int all)
{
    for (;;) {
        th_rec *victim = NULL;
        pthread_mutex_lock(&s->mu);
        for (th_rec **pp = &s->threads; *pp; pp = &(*pp)->next) {
            if ((*pp)->done || all) {
                victim = *pp;
                *pp = victim->next;
                break;
            }
        }
        pthread_mutex_unlock(&s->mu);
        if (!victim)
            return;
        pthread_join(victim->th, NULL);
        free(victim);
    }
}

static void *accept_main(void *arg)
{
    kubelet_server *s = arg;
    long long last_full_log = 0;
    while (!atomic_load(&s->stopping)) {
        struct pollfd pf[2] = {{s->lfd, POLLIN, 0}, {s->stop_pipe[0], POLLIN, 0}};
        if (poll(pf, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (pf[1].revents)
            break;
        struct sockaddr_storage sa;
        socklen_t sl = sizeof sa;
        int fd = accept4(s->lfd, (struct sockaddr *)&sa, &sl, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (fd < 0)
            continue;
        pthread_mutex_lock(&s->mu);
        int full = s->nconns >= s->cfg.max_conns;
        if (!full)
            s->nconns++;
        pthread_mutex_unlock(&s->mu);
        if (full) {
            long long t = clock_mono_ms();
            if (t - last_full_log >= 10000) { /* once per burst, not per connection */
                log_warn(COMP, "connection limit (%d) reached; refusing connections", s->cfg.max_conns);
                last_full_log = t;
            }
            close(fd);
            continue;
        }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        conn *c = xcalloc(1, sizeof *c);
        c->srv = s;
        c->fd = fd;
        c->ssl = SSL_new(s->ctx);
        SSL_set_fd(c->ssl, fd);
        char host[INET6_ADDRSTRLEN] = "?";
        int port = 0;
        if (sa.ss_family == AF_INET) {
            struct sockaddr_in *in = (struct sockaddr_in *)&sa;
            inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
            port = ntohs(in->sin_port);
        } else if (sa.ss_family == AF_INET6) {
            struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&sa;
            inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host);
            port = ntohs(in6->sin6_port);
        }
        snprintf(c->peer, sizeof c->peer, "%s:%d", host, port);
        th_rec *rec = xcalloc(1, sizeof *rec);
        c->rec = rec;
        c->preauth_deadline = clock_mono_ms() + s->cfg.preauth_timeout_ms;
        pthread_mutex_lock(&s->mu);
        /* The pre-auth pool is full: the oldest unauthenticated connection
         * makes room. A real client finishes its handshake and first head
         * in milliseconds, so it is never the oldest; an idle one is. */
        if (s->npre >= s->cfg.max_preauth) {
            for (conn *o = s->pre_head; o; o = o->pre_next) {
                if (!o->evicted) {
                    o->evicted = 1;
                    shutdown(o->fd, SHUT_RDWR);
                    break;
                }
            }
        }
        c->pre_prev = s->pre_tail;
        if (s->pre_tail)
            s->pre_tail->pre_next = c;
        else
            s->pre_head = c;
        s->pre_tail = c;
        s->npre++;
        rec->next = s->threads;
        s->threads = rec;
        int ok = pthread_create(&rec->th, NULL, conn_main, c) == 0;
        if (!ok) {
            s->threads = rec->next;
            pre_unlink(s, c);
            s->nconns--;
            pthread_cond_broadcast(&s->cv);
        }
        pthread_mutex_unlock(&s->mu);
        if (!ok) {
            SSL_free(c->ssl);
            close(fd);
            free(c);
            free(rec);
        }
        reap_threads(s, 0);
    }
    return NULL;
}

static void free_server(kubelet_server *s)
{
    if (s->ctx)
        SSL_CTX_free(s->ctx);
    if (s->lfd >= 0)
        close(s->lfd);
    if (s->stop_pipe[0] >= 0)
        close(s->stop_pipe[0]);
    if (s->stop_pipe[1] >= 0)
        close(s->stop_pipe[1]);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
    free(s->bind_addr);
    free(s->cert_file);
    free(s->key_file);
    free(s->ca_file);
    free(s->node_name);
    free(s);
}

kubelet_server *kubelet_server_start(const kubelet_config *cfg, char *err, size_t errlen)
{
    signal(SIGPIPE, SIG_IGN);
    kubelet_server *s = xcalloc(1, sizeof *s);
    s->cfg = *cfg;
    s->lfd = -1;
    s->stop_pipe[0] = s->stop_pipe[1] = -1;
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    s->bind_addr = xstrdup(cfg->bind_addr && *cfg->bind_addr ? cfg->bind_addr : "0.0.0.0");
    s->cert_file = xstrdup(cfg->cert_file && *cfg->cert_file ? cfg->cert_file : NULL);
    s->key_file = xstrdup(cfg->key_file && *cfg->key_file ? cfg->key_file : NULL);
    s->ca_file = xstrdup(cfg->client_ca_file && *cfg->client_ca_file ? cfg->client_ca_file : NULL);
    s->node_name = xstrdup(cfg->node_name ? cfg->node_name : "");
    if (s->cfg.max_conns <= 0)
        s->cfg.max_conns = 8192;
    if (s->cfg.max_preauth <= 0)
        s->cfg.max_preauth = 1024;
    if (s->cfg.preauth_timeout_ms <= 0)
        s->cfg.preauth_timeout_ms = 10000;
    if (s->cfg.idle_timeout_ms <= 0)
        s->cfg.idle_timeout_ms = 90000;
    if (s->cfg.request_timeout_ms <= 0)
        s->cfg.request_timeout_ms = 30000;
    if (s->cfg.stream_idle_timeout_ms <= 0)
        s->cfg.stream_idle_timeout_ms = 4 * 3600 * 1000;
    if (s->cfg.stream_create_timeout_ms <= 0)
        s->cfg.stream_create_timeout_ms = 30000;
    if (!s->cfg.max_head)
        s->cfg.max_head = KUBELET_HTTP_DEFAULT_MAX_HEAD;
    if (!s->cfg.max_body)
        s->cfg.max_body = KUBELET_HTTP_DEFAULT_MAX_BODY;
    if (pipe2(s->stop_pipe, O_CLOEXEC) < 0) {
        snprintf(err, errlen, "pipe: %s", strerror(errno));
        goto fail;
    }
    s->ctx = make_ctx(s, err, errlen);
    if (!s->ctx)
        goto fail;
    struct sockaddr_storage sa;
    memset(&sa, 0, sizeof sa);
    socklen_t sl;
    struct sockaddr_in *in4 = (struct sockaddr_in *)&sa;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&sa;
    if (inet_pton(AF_INET, s->bind_addr, &in4->sin_addr) == 1) {
        in4->sin_family = AF_INET;
        in4->sin_port = htons((uint16_t)cfg->port);
        sl = sizeof *in4;
    } else if (inet_pton(AF_INET6, s->bind_addr, &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons((uint16_t)cfg->port);
        sl = sizeof *in6;
    } else {
        snprintf(err, errlen, "bad bind address %s", s->bind_addr);
        goto fail;
    }
    s->lfd = socket(sa.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    if (s->lfd < 0 || setsockopt(s->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
        bind(s->lfd, (struct sockaddr *)&sa, sl) < 0 || listen(s->lfd, 1024) < 0) {
        snprintf(err, errlen, "listen on %s:%d: %s", s->bind_addr, cfg->port, strerror(errno));
        goto fail;
    }
    sl = sizeof sa;
    getsockname(s->lfd, (struct sockaddr *)&sa, &sl);
    s->port = ntohs(sa.ss_family == AF_INET ? in4->sin_port : in6->sin6_port);
    if (pthread_create(&s->accept_th, NULL, accept_main, s) != 0) {
        snprintf(err, errlen, "cannot create the accept thread");
        goto fail;
    }
    log_info(COMP, "kubelet API listening on https://%s:%d (client CA %s, auth %s)", s->bind_addr, s->port,
             s->ca_file ? s->ca_file : "none", cfg->auth ? "on" : "OFF");
    return s;
fail:
    free_server(s);
    return NULL;
}

int kubelet_server_port(const kubelet_server *s) { return s->port; }

void kubelet_server_stop(kubelet_server *s)
{
    if (!s)
        return;
    atomic_store(&s->stopping, 1);
    (void)!write(s->stop_pipe[1], "x", 1);
    pthread_join(s->accept_th, NULL);
    reap_threads(s, 1);
    free_server(s);
}
