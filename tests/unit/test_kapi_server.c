/* provider/kubelet_server: the attribute mapping and log options, then the HTTPS
 * server in-process with the local-process exec backend and the stub
 * authenticator, driven by libcurl (health, auth 401/403, routes, streaming
 * logs, /run, keep-alive) and by a C test client speaking SPDY/3.1 and
 * WebSocket (exec stdout/stderr/stdin/exit codes/tty resize). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "provider/kubelet/server.h"
#include "provider/kubelet/spdy.h"
#include "provider/kubelet/websocket.h"
#include "util/base64.h"
#include "util/dynbuf.h"
#include "util/log.h"
#include "util/xmalloc.h"

/* ---------- pure parts ---------- */

static void test_attributes(void **state)
{
    (void)state;
    kubelet_attrs a[2];
    struct {
        const char *m, *p;
        int fg;
        size_t n;
        const char *verb, *s0, *s1;
    } t[] = {
        {"POST", "/exec/ns/pod/c", 1, 1, "create", "proxy", NULL},
        {"GET", "/exec/ns/pod/c", 0, 1, "get", "proxy", NULL},
        {"GET", "/containerLogs/ns/p/c", 1, 1, "get", "proxy", NULL},
        {"GET", "/stats/summary", 1, 1, "get", "stats", NULL},
        {"GET", "/stats", 0, 1, "get", "stats", NULL},
        {"GET", "/statsx", 0, 1, "get", "proxy", NULL},
        {"GET", "/metrics/resource", 1, 1, "get", "metrics", NULL},
        {"GET", "/logs/syslog", 1, 1, "get", "log", NULL},
        {"GET", "/pods", 1, 2, "get", "pods", "proxy"},
        {"GET", "/pods", 0, 1, "get", "proxy", NULL},
        {"GET", "/runningpods/", 1, 2, "get", "pods", "proxy"},
        {"GET", "/healthz", 1, 2, "get", "healthz", "proxy"},
        {"GET", "/configz", 1, 2, "get", "configz", "proxy"},
        {"PUT", "/x", 0, 1, "update", "proxy", NULL},
        {"PATCH", "/x", 0, 1, "patch", "proxy", NULL},
        {"DELETE", "/x", 0, 1, "delete", "proxy", NULL},
        {"HEAD", "/x", 0, 1, "", "proxy", NULL},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        size_t n = kubelet_request_attributes(t[i].m, t[i].p, "vk-eci", t[i].fg, a);
        assert_int_equal(n, t[i].n);
        assert_string_equal(a[0].verb, t[i].verb);
        assert_string_equal(a[0].subresource, t[i].s0);
        assert_string_equal(a[0].resource, "nodes");
        assert_string_equal(a[0].api_version, "v1");
        assert_string_equal(a[0].name, "vk-eci");
        assert_string_equal(a[0].path, t[i].p);
        if (n == 2)
            assert_string_equal(a[1].subresource, t[i].s1);
    }
}

static void test_log_options(void **state)
{
    (void)state;
    kv_list q = KV_LIST_INIT;
    kubelet_log_options o;
    char err[128];
    assert_int_equal(kubelet_log_options_parse(&q, &o, err, sizeof err), 0);
    assert_int_equal(o.tail_lines, -1);
    assert_string_equal(o.stream, "All");
    kv_add(&q, "follow", "true");
    kv_add(&q, "timestamps", "true");
    kv_add(&q, "tailLines", "10");
    kv_add(&q, "limitBytes", "500");
    kv_add(&q, "sinceTime", "2024-05-01T12:00:00Z");
    assert_int_equal(kubelet_log_options_parse(&q, &o, err, sizeof err), 0);
    assert_true(o.follow);
    assert_true(o.timestamps);
    assert_int_equal(o.tail_lines, 10);
    assert_int_equal(o.limit_bytes, 500);
    assert_int_equal(o.since_time, 1714564800);
    kv_add(&q, "sinceSeconds", "5");
    assert_int_equal(kubelet_log_options_parse(&q, &o, err, sizeof err), -1);
    assert_non_null(strstr(err, "at most one"));
    kv_free(&q);
    const char *bad[][2] = {{"follow", "maybe"}, {"sinceSeconds", "0"}, {"tailLines", "-1"}, {"limitBytes", "x"},
                            {"sinceTime", "yesterday"}, {"stream", "Both"}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        kv_add(&q, bad[i][0], bad[i][1]);
        assert_int_equal(kubelet_log_options_parse(&q, &o, err, sizeof err), -1);
        kv_free(&q);
    }
    kv_add(&q, "tail", "all");
    kv_add(&q, "sinceTime", "2024-05-01T14:00:00.5+02:00");
    assert_int_equal(kubelet_log_options_parse(&q, &o, err, sizeof err), 0);
    assert_int_equal(o.tail_lines, -1);
    assert_int_equal(o.since_time, 1714564800);
    kv_free(&q);
}

/* counting auth around the stub */
static int n_authn, n_authz;
static int count_authn(void *ud, const kubelet_credential *c, kubelet_user *u, char *e, size_t el)
{
    n_authn++;
    return kubelet_stub_authn(ud, c, u, e, el);
}
static int count_authz(void *ud, const kubelet_user *u, const kubelet_attrs *a, char *r, size_t rl)
{
    n_authz++;
    return kubelet_stub_authz(ud, u, a, r, rl);
}

static void test_auth_cache(void **state)
{
    (void)state;
    kv_list toks = KV_LIST_INIT;
    kv_add(&toks, "t1", "alice");
    kv_add(&toks, "t2", "denied");
    kv_add(&toks, "t3", "error");
    kubelet_auth inner = {&toks, count_authn, count_authz};
    /* TTLs of a minute: nothing expires in this part, however loaded the machine */
    kubelet_auth_cache *c = kubelet_auth_cache_new(&inner, 60000, 60000, 60000, 2);
    const kubelet_auth *a = kubelet_auth_cache_auth(c);
    kubelet_credential cred = {.kind = KUBELET_CRED_TOKEN, .token = "t1"};
    char err[128];
    kubelet_attrs at[2];
    kubelet_request_attributes("GET", "/pods", "n", 0, at);
    n_authn = n_authz = 0;
    for (int i = 0; i < 3; i++) {
        kubelet_user u;
        memset(&u, 0, sizeof u);
        assert_int_equal(a->authn(a->ud, &cred, &u, err, sizeof err), 1);
        assert_string_equal(u.name, "alice");
        assert_int_equal(u.ngroups, 1);
        assert_int_equal(a->authz(a->ud, &u, &at[0], err, sizeof err), 1);
        kubelet_user_clear(&u);
    }
    assert_int_equal(n_authn, 1);
    assert_int_equal(n_authz, 1);
    /* unknown tokens and authorizer errors are not cached; denials are, briefly */
    kubelet_credential bad = {.kind = KUBELET_CRED_TOKEN, .token = "nope"};
    kubelet_user u;
    memset(&u, 0, sizeof u);
    a->authn(a->ud, &bad, &u, err, sizeof err);
    a->authn(a->ud, &bad, &u, err, sizeof err);
    assert_int_equal(n_authn, 3);
    kubelet_user_set_name(&u, "denied");
    assert_int_equal(a->authz(a->ud, &u, &at[0], err, sizeof err), 0);
    assert_int_equal(a->authz(a->ud, &u, &at[0], err, sizeof err), 0);
    assert_string_equal(err, "user is denied");
    assert_int_equal(n_authz, 2);
    kubelet_user_set_name(&u, "error");
    assert_int_equal(a->authz(a->ud, &u, &at[0], err, sizeof err), -1);
    assert_int_equal(a->authz(a->ud, &u, &at[0], err, sizeof err), -1);
    assert_int_equal(n_authz, 4);
    /* capacity 2: a third decision evicts the oldest (alice, then the denial) */
    kubelet_user_set_name(&u, "bob");
    a->authz(a->ud, &u, &at[0], err, sizeof err);
    kubelet_user_set_name(&u, "carol");
    a->authz(a->ud, &u, &at[0], err, sizeof err);
    kubelet_user_set_name(&u, "bob");
    a->authz(a->ud, &u, &at[0], err, sizeof err);
    assert_int_equal(n_authz, 6);
    kubelet_user_set_name(&u, "alice");
    assert_int_equal(a->authz(a->ud, &u, &at[0], err, sizeof err), 1);
    assert_int_equal(n_authz, 7);
    /* expiry: the denial (100 ms) goes, then the allow (600 ms); only lower
     * bounds on the time, so a slow machine cannot fail it */
    kubelet_auth_cache *e = kubelet_auth_cache_new(&inner, 600, 600, 100, 2);
    const kubelet_auth *ea = kubelet_auth_cache_auth(e);
    kubelet_user_set_name(&u, "denied");
    assert_int_equal(ea->authz(ea->ud, &u, &at[0], err, sizeof err), 0);
    assert_int_equal(n_authz, 8);
    usleep(250 * 1000);
    assert_int_equal(ea->authz(ea->ud, &u, &at[0], err, sizeof err), 0);
    assert_int_equal(n_authz, 9);
    kubelet_user_set_name(&u, "alice");
    assert_int_equal(ea->authz(ea->ud, &u, &at[0], err, sizeof err), 1);
    assert_int_equal(n_authz, 10);
    usleep(650 * 1000);
    assert_int_equal(ea->authz(ea->ud, &u, &at[0], err, sizeof err), 1);
    assert_int_equal(n_authz, 11);
    kubelet_auth_cache_free(e);
    /* certificates bypass the cache */
    const char *orgs[] = {"system:masters"};
    kubelet_credential x = {.kind = KUBELET_CRED_X509, .cn = "admin", .orgs = orgs, .norgs = 1};
    kubelet_user v;
    memset(&v, 0, sizeof v);
    assert_int_equal(a->authn(a->ud, &x, &v, err, sizeof err), 1);
    assert_int_equal(a->authn(a->ud, &x, &v, err, sizeof err), 1);
    assert_int_equal(n_authn, 5);
    kubelet_user_clear(&v);
    kubelet_user_clear(&u);
    kubelet_auth_cache_free(c);
    kv_free(&toks);
}

/* ---------- PKI for the tests ---------- */

static char tmpdir[64];
static char ca_path[128], cli_cert[128], cli_key[128], rogue_cert[128], rogue_key[128];

static EVP_PKEY *newkey(void) { return EVP_EC_gen("P-256"); }

static X509 *mkcert(EVP_PKEY *key, const char *cn, const char *org, X509 *issuer, EVP_PKEY *ikey, int ca)
{
    X509 *x = X509_new();
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), (long)(random() & 0x7fffffff));
    X509_gmtime_adj(X509_getm_notBefore(x), -3600);
    X509_gmtime_adj(X509_getm_notAfter(x), 3600);
    X509_set_pubkey(x, key);
    X509_NAME *nm = X509_get_subject_name(x);
    if (org)
        X509_NAME_add_entry_by_txt(nm, "O", MBSTRING_ASC, (const unsigned char *)org, -1, -1, 0);
    X509_NAME_add_entry_by_txt(nm, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
    X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : nm);
    X509V3_CTX v3;
    X509V3_set_ctx_nodb(&v3);
    X509V3_set_ctx(&v3, issuer ? issuer : x, x, NULL, NULL, 0);
    X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &v3, NID_basic_constraints, ca ? "critical,CA:TRUE" : "CA:FALSE");
    X509_add_ext(x, e, -1);
    X509_EXTENSION_free(e);
    if (!ca) {
        e = X509V3_EXT_conf_nid(NULL, &v3, NID_ext_key_usage, "clientAuth");
        X509_add_ext(x, e, -1);
        X509_EXTENSION_free(e);
    }
    X509_sign(x, ikey ? ikey : key, EVP_sha256());
    return x;
}

static void write_pem(const char *path, X509 *x, EVP_PKEY *k)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    if (x)
        PEM_write_X509(f, x);
    if (k)
        PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL);
    fclose(f);
}

static void make_pki(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/kapi-test-XXXXXX");
    assert_non_null(mkdtemp(tmpdir));
    snprintf(ca_path, sizeof ca_path, "%s/ca.crt", tmpdir);
    snprintf(cli_cert, sizeof cli_cert, "%s/client.crt", tmpdir);
    snprintf(cli_key, sizeof cli_key, "%s/client.key", tmpdir);
    snprintf(rogue_cert, sizeof rogue_cert, "%s/rogue.crt", tmpdir);
    snprintf(rogue_key, sizeof rogue_key, "%s/rogue.key", tmpdir);
    EVP_PKEY *cak = newkey(), *ck = newkey(), *rk = newkey();
    X509 *ca = mkcert(cak, "test-ca", NULL, NULL, NULL, 1);
    X509 *cc = mkcert(ck, "kube-apiserver-kubelet-client", "system:masters", ca, cak, 0);
    X509 *rc = mkcert(rk, "kube-apiserver-kubelet-client", "system:masters", NULL, NULL, 0);
    write_pem(ca_path, ca, NULL);
    write_pem(cli_cert, cc, NULL);
    write_pem(cli_key, NULL, ck);
    write_pem(rogue_cert, rc, NULL);
    write_pem(rogue_key, NULL, rk);
    X509_free(ca);
    X509_free(cc);
    X509_free(rc);
    EVP_PKEY_free(cak);
    EVP_PKEY_free(ck);
    EVP_PKEY_free(rk);
}

static void remove_pki(void)
{
    const char *f[] = {ca_path, cli_cert, cli_key, rogue_cert, rogue_key};
    for (size_t i = 0; i < 5; i++)
        unlink(f[i]);
    rmdir(tmpdir);
}

/* ---------- handlers ---------- */

static void h_pods(void *ud, const kubelet_request *r, kubelet_response *w)
{
    (void)ud;
    (void)r;
    const char *b = "{\"kind\":\"PodList\",\"apiVersion\":\"v1\",\"metadata\":{},\"items\":[]}";
    kubelet_resp_send(w, 200, "application/json", b, strlen(b));
}

static void h_logs(void *ud, const kubelet_request *r, kubelet_response *w)
{
    (void)ud;
    kubelet_log_options o;
    char err[128];
    if (kubelet_log_options_parse(kubelet_req_query(r), &o, err, sizeof err) < 0) {
        kubelet_resp_error(w, 422, "%s", err);
        return;
    }
    kubelet_resp_begin(w, 200, "text/plain");
    char line[128];
    for (int i = 0; i < 3; i++) {
        snprintf(line, sizeof line, "%s/%s/%s line %d\n", kubelet_req_param(r, "namespace"), kubelet_req_param(r, "pod"),
                 kubelet_req_param(r, "container"), i);
        kubelet_resp_write(w, line, strlen(line));
    }
}

static void h_noresp(void *ud, const kubelet_request *r, kubelet_response *w)
{
    (void)ud;
    (void)r;
    (void)w;
}

static kv_list tokens = KV_LIST_INIT;
static kubelet_auth auth = {&tokens, kubelet_stub_authn, kubelet_stub_authz};
static kubelet_handlers handlers;
static kubelet_server *srv;
static int port;

static int setup(void **state)
{
    (void)state;
    log_set_level(LOG_WARN);
    make_pki();
    kv_add(&tokens, "good-token", "alice");
    kv_add(&tokens, "deny-token", "denied");
    kv_add(&tokens, "noproxy-token", "deny-proxy:bob");
    kv_add(&tokens, "error-token", "error");
    memset(&handlers, 0, sizeof handlers);
    handlers.pods = h_pods;
    handlers.container_logs = h_logs;
    handlers.stats_summary = h_noresp;
    handlers.exec = kubelet_rc_local_backend();
    kubelet_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.bind_addr = "127.0.0.1";
    cfg.port = 0;
    cfg.client_ca_file = ca_path;
    cfg.node_name = "vk-eci";
    cfg.fine_grained_authz = 1;
    cfg.auth = &auth;
    cfg.handlers = &handlers;
    cfg.stream_create_timeout_ms = 4000;
    cfg.max_conns = 16;
    char err[256];
    srv = kubelet_server_start(&cfg, err, sizeof err);
    if (!srv)
        fail_msg("start: %s", err);
    port = kubelet_server_port(srv);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    kubelet_server_stop(srv);
    kv_free(&tokens);
    remove_pki();
    curl_global_cleanup();
    return 0;
}

/* ---------- curl ---------- */

static size_t collect(char *p, size_t sz, size_t n, void *ud)
{
    dynbuf_add(ud, p, sz * n);
    return sz * n;
}

typedef struct http_res {
    long status;
    dynbuf body;
    dynbuf head;
} http_res;

static void http(CURL *h, const char *method, const char *path, const char *token, int cert, http_res *r)
{
    char url[512];
    snprintf(url, sizeof url, "https://127.0.0.1:%d%s", port, path);
    dynbuf_init(&r->body, 0);
    dynbuf_init(&r->head, 0);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    if (!strcmp(method, "POST"))
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, "");
    else
        curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    if (!strcmp(method, "GET"))
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, NULL);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &r->body);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, collect);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &r->head);
    curl_easy_setopt(h, CURLOPT_SSLCERT, cert == 1 ? cli_cert : cert == 2 ? rogue_cert : NULL);
    curl_easy_setopt(h, CURLOPT_SSLKEY, cert == 1 ? cli_key : cert == 2 ? rogue_key : NULL);
    struct curl_slist *hl = NULL;
    char ab[128];
    if (token) {
        snprintf(ab, sizeof ab, "Authorization: Bearer %s", token);
        hl = curl_slist_append(hl, ab);
    }
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hl);
    CURLcode rc = curl_easy_perform(h);
    if (rc != CURLE_OK)
        fail_msg("curl %s: %s", path, curl_easy_strerror(rc));
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
    curl_slist_free_all(hl);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
}

static void res_free(http_res *r)
{
    dynbuf_free(&r->body);
    dynbuf_free(&r->head);
}

#define EXPECT(h_, m_, p_, tok_, cert_, st_, body_)                                                         \
    do {                                                                                                         \
        http_res r_;                                                                                             \
        http(h_, m_, p_, tok_, cert_, &r_);                                                                      \
        if (r_.status != (st_))                                                                                  \
            fail_msg("%s %s: status %ld, want %d (%s)", m_, p_, r_.status, st_, dynbuf_str(&r_.body));          \
        const char *want_ = (body_);                                                                             \
        if (want_ && strcmp(dynbuf_str(&r_.body), want_))                                                        \
            fail_msg("%s %s: body '%s', want '%s'", m_, p_, dynbuf_str(&r_.body), want_);                        \
        res_free(&r_);                                                                                           \
    } while (0)

static void test_http_auth(void **state)
{
    (void)state;
    CURL *h = curl_easy_init();
    EXPECT(h, "GET", "/healthz", NULL, 1, 200, "ok");
    EXPECT(h, "GET", "/healthz", NULL, 0, 401, "Unauthorized\n");
    EXPECT(h, "GET", "/healthz", NULL, 2, 401, "Unauthorized\n"); /* certificate from an unknown CA */
    EXPECT(h, "GET", "/healthz", "good-token", 0, 200, "ok");
    EXPECT(h, "GET", "/healthz", "bad-token", 0, 401, "Unauthorized\n");
    EXPECT(h, "GET", "/healthz", "deny-token", 0, 403,
           "Forbidden (user=denied, verb=get, resource=nodes, subresource(s)=[healthz proxy])\n");
    EXPECT(h, "POST", "/exec/default/web/nginx?command=ls&output=1", "noproxy-token", 0, 403,
           "Forbidden (user=deny-proxy:bob, verb=create, resource=nodes, subresource(s)=[proxy])\n");
    EXPECT(h, "GET", "/stats/summary", "noproxy-token", 0, 500, "stats/summary handler produced no response\n");
    EXPECT(h, "GET", "/pods", "error-token", 0, 500, NULL);
    curl_easy_cleanup(h);
}

static void test_http_routes(void **state)
{
    (void)state;
    CURL *h = curl_easy_init();
    EXPECT(h, "GET", "/pods", NULL, 1, 200, "{\"kind\":\"PodList\",\"apiVersion\":\"v1\",\"metadata\":{},\"items\":[]}");
    EXPECT(h, "GET", "/healthz/ping", NULL, 1, 200, "ok");
    EXPECT(h, "GET", "/metrics", NULL, 1, 501, "metrics is not implemented by this node\n");
    EXPECT(h, "GET", "/metrics/resource/", NULL, 1, 501, NULL);
    EXPECT(h, "GET", "/runningpods/", NULL, 1, 501, NULL);
    EXPECT(h, "GET", "/portForward/default/web", NULL, 1, 501, NULL);
    EXPECT(h, "GET", "/nope", NULL, 1, 404, "404 page not found\n");
    EXPECT(h, "GET", "/containerLogs/default/web", NULL, 1, 404, NULL);
    EXPECT(h, "DELETE", "/pods", NULL, 1, 405, "Method Not Allowed\n");
    EXPECT(h, "GET", "/run/default/web/nginx?cmd=echo+hello", NULL, 1, 405, NULL);
    EXPECT(h, "GET", "/containerLogs/default/web%2Dx/nginx?follow=true", NULL, 1, 200,
           "default/web-x/nginx line 0\ndefault/web-x/nginx line 1\ndefault/web-x/nginx line 2\n");
    EXPECT(h, "GET", "/containerLogs/default/web/nginx?tailLines=-3", NULL, 1, 422, "tailLines must be an integer >= 0\n");
    EXPECT(h, "POST", "/run/default/web/nginx?cmd=echo+hello+world", NULL, 1, 200, "hello world\n");
    EXPECT(h, "POST", "/run/default/web/uid-1/nginx?cmd=sh+-c+exit", NULL, 1, 200, "");
    EXPECT(h, "POST", "/run/default/web/nginx", NULL, 1, 400, "missing cmd parameter\n");
    EXPECT(h, "GET", "/a%zz", NULL, 1, 400, "malformed path\n");
    /* exec without an upgrade, or with a bad one */
    EXPECT(h, "POST", "/exec/default/web/nginx?command=ls", NULL, 1, 400,
           "you must specify at least 1 of stdin, stdout, stderr\n");
    EXPECT(h, "POST", "/exec/default/web/nginx?output=1", NULL, 1, 400, "you must specify a command to run\n");
    EXPECT(h, "POST", "/exec/default/web/nginx?command=ls&output=1", NULL, 1, 400,
           "unable to upgrade: header X-Stream-Protocol-Version does not exist in request\n");
    /* keep-alive: all of the above over few connections */
    long conns = 0;
    curl_easy_getinfo(h, CURLINFO_NUM_CONNECTS, &conns);
    http_res r;
    http(h, "GET", "/healthz", NULL, 1, &r);
    curl_easy_getinfo(h, CURLINFO_NUM_CONNECTS, &conns);
    assert_int_equal(conns, 0); /* reused */
    res_free(&r);
    curl_easy_cleanup(h);
}

/* ---------- raw TLS test client ---------- */

typedef struct tcli {
    int fd;
    SSL_CTX *ctx;
    SSL *ssl;
    dynbuf in;
} tcli;

static tcli *cli_connect(int with_cert)
{
    tcli *c = xcalloc(1, sizeof *c);
    c->fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    assert_int_equal(connect(c->fd, (struct sockaddr *)&sa, sizeof sa), 0);
    c->ctx = SSL_CTX_new(TLS_client_method());
    ERR_clear_error();
    if (with_cert) {
        assert_int_equal(SSL_CTX_use_certificate_file(c->ctx, cli_cert, SSL_FILETYPE_PEM), 1);
        assert_int_equal(SSL_CTX_use_PrivateKey_file(c->ctx, cli_key, SSL_FILETYPE_PEM), 1);
    }
    c->ssl = SSL_new(c->ctx);
    SSL_set_fd(c->ssl, c->fd);
    assert_int_equal(SSL_connect(c->ssl), 1);
    dynbuf_init(&c->in, 0);
    return c;
}

static void cli_close(tcli *c)
{
    SSL_free(c->ssl);
    SSL_CTX_free(c->ctx);
    close(c->fd);
    dynbuf_free(&c->in);
    free(c);
}

static void cli_write(tcli *c, const void *p, size_t n)
{
    assert_int_equal(SSL_write(c->ssl, p, (int)n), (int)n);
}

/* Read more bytes into c->in; returns the count, 0 on EOF, -1 on timeout/error. */
static int cli_more(tcli *c, int timeout_ms)
{
    if (SSL_pending(c->ssl) == 0) {
        struct pollfd pf = {c->fd, POLLIN, 0};
        if (poll(&pf, 1, timeout_ms) <= 0)
            return -1;
    }
    char buf[16384];
    int r = SSL_read(c->ssl, buf, sizeof buf);
    if (r <= 0) {
        int e = SSL_get_error(c->ssl, r);
        /* OpenSSL 3 reports a close without close_notify as an SSL error. */
        int eof = e == SSL_ERROR_SSL && ERR_GET_REASON(ERR_peek_error()) == SSL_R_UNEXPECTED_EOF_WHILE_READING;
        ERR_clear_error();
        return e == SSL_ERROR_ZERO_RETURN || e == SSL_ERROR_SYSCALL || eof ? 0 : -1;
    }
    dynbuf_add(&c->in, buf, (size_t)r);
    return r;
}

/* Response head (consumed from c->in); caller frees. */
static char *cli_head(tcli *c)
{
    for (;;) {
        char *e = c->in.buf ? strstr(c->in.buf, "\r\n\r\n") : NULL;
        if (e) {
            size_t n = (size_t)(e - c->in.buf) + 4;
            char *h = xstrndup(c->in.buf, n);
            dynbuf_consume(&c->in, n);
            return h;
        }
        if (cli_more(c, 5000) <= 0)
            fail_msg("no response head");
    }
}

/* ---------- SPDY exec ---------- */

typedef struct spdy_res {
    dynbuf out[5];
    int fin[5];
    uint32_t ids[5];
    int replies;
    int pings;
    uint32_t last_ping;
    int goaway;
    int rst;
} spdy_res;

static int sres_frame(void *ud, const kubelet_spdy_frame *f)
{
    spdy_res *r = ud;
    switch (f->type) {
    case KUBELET_SPDY_SYN_REPLY:
        r->replies++;
        break;
    case KUBELET_SPDY_DATA:
        for (int i = 0; i < 5; i++) {
            if (r->ids[i] == f->stream_id) {
                dynbuf_add(&r->out[i], f->data, f->len);
                if (f->flags & KUBELET_SPDY_FLAG_FIN)
                    r->fin[i] = 1;
            }
        }
        break;
    case KUBELET_SPDY_PING:
        r->pings++;
        r->last_ping = f->ping_id;
        break;
    case KUBELET_SPDY_GOAWAY:
        r->goaway++;
        break;
    case KUBELET_SPDY_RST_STREAM:
        r->rst++;
        break;
    }
    return 0;
}

static void pump_spdy(tcli *c, kubelet_spdy_decoder *d, spdy_res *r)
{
    char err[200];
    if (c->in.len) {
        if (kubelet_spdy_decoder_feed(d, c->in.buf, c->in.len, sres_frame, r, err, sizeof err) < 0)
            fail_msg("client decoder: %s", err);
        dynbuf_reset(&c->in);
    }
}

/* Read until cond holds (or timeout). */
#define SPDY_UNTIL(c, d, r, cond)                                                                                \
    do {                                                                                                         \
        pump_spdy(c, d, r);                                                                                      \
        int guard_ = 0;                                                                                          \
        while (!(cond)) {                                                                                        \
            if (cli_more(c, 5000) <= 0 || ++guard_ > 10000)                                                      \
                fail_msg("timed out waiting for " #cond);                                                        \
            pump_spdy(c, d, r);                                                                                  \
        }                                                                                                        \
    } while (0)

/* Run a SPDY exec; stdin_data (may be NULL) is sent then FIN; resize JSON if tty. */
static void spdy_exec(const char *query, int in, int out, int err, int tty, const char *stdin_data, spdy_res *r,
                      const char *want_proto)
{
    memset(r, 0, sizeof *r);
    for (int i = 0; i < 5; i++)
        dynbuf_init(&r->out[i], 0);
    tcli *c = cli_connect(1);
    char req[1024];
    snprintf(req, sizeof req,
             "POST /exec/default/web/nginx?%s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\n"
             "Upgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: v5.channel.k8s.io\r\n"
             "X-Stream-Protocol-Version: %s\r\nX-Stream-Protocol-Version: channel.k8s.io\r\nContent-Length: 0\r\n\r\n",
             query, want_proto);
    cli_write(c, req, strlen(req));
    char *head = cli_head(c);
    assert_non_null(strstr(head, "HTTP/1.1 101 Switching Protocols\r\n"));
    assert_non_null(strstr(head, "Upgrade: SPDY/3.1\r\n"));
    char want[128];
    snprintf(want, sizeof want, "X-Stream-Protocol-Version: %s\r\n", want_proto);
    assert_non_null(strstr(head, want));
    free(head);
    kubelet_spdy_encoder *e = kubelet_spdy_encoder_new();
    kubelet_spdy_decoder *d = kubelet_spdy_decoder_new(0, 0);
    dynbuf f;
    dynbuf_init(&f, 0);
    /* client-go order: error, stdin, stdout, stderr, resize; wait for each reply */
    const char *types[5] = {"error", "stdin", "stdout", "stderr", "resize"};
    int want_st[5] = {1, in, out, err && !tty, tty};
    int idx[5] = {3, 0, 1, 2, 4};
    uint32_t id = 1;
    int created = 0;
    for (int k = 0; k < 5; k++) {
        if (!want_st[k])
            continue;
        kv_list h = KV_LIST_INIT;
        kv_add(&h, "streamType", types[k]);
        dynbuf_reset(&f);
        assert_int_equal(kubelet_spdy_encode_syn_stream(e, &f, id, 0, 0, 0, &h), 0);
        kv_free(&h);
        r->ids[idx[k]] = id;
        cli_write(c, f.buf, f.len);
        created++;
        SPDY_UNTIL(c, d, r, r->replies >= created);
        id += 2;
    }
    /* a ping is echoed */
    dynbuf_reset(&f);
    kubelet_spdy_encode_ping(&f, 1);
    cli_write(c, f.buf, f.len);
    if (tty) {
        dynbuf_reset(&f);
        const char *sz = "{\"Width\":100,\"Height\":40}\n";
        kubelet_spdy_encode_data(&f, r->ids[4], 0, sz, strlen(sz));
        cli_write(c, f.buf, f.len);
    }
    if (in) {
        dynbuf_reset(&f);
        if (stdin_data)
            kubelet_spdy_encode_data(&f, r->ids[0], 0, stdin_data, strlen(stdin_data));
        kubelet_spdy_encode_data(&f, r->ids[0], KUBELET_SPDY_FLAG_FIN, NULL, 0);
        cli_write(c, f.buf, f.len);
    }
    /* the ping is answered when it arrives before the command ends (always with stdin) */
    SPDY_UNTIL(c, d, r, r->fin[3] && (!out || r->fin[1]) && (!err || tty || r->fin[2]) && (!in || r->pings >= 1));
    /* the server ends with GOAWAY, then leaves the close to the client: the
     * connection still answers a ping (spdystream drops undelivered frames
     * when the server closes first) */
    SPDY_UNTIL(c, d, r, r->goaway >= 1);
    dynbuf_reset(&f);
    kubelet_spdy_encode_ping(&f, 3);
    cli_write(c, f.buf, f.len);
    SPDY_UNTIL(c, d, r, r->last_ping == 3);
    dynbuf_free(&f);
    kubelet_spdy_encoder_free(e);
    kubelet_spdy_decoder_free(d);
    cli_close(c);
}

static void sres_free(spdy_res *r)
{
    for (int i = 0; i < 5; i++)
        dynbuf_free(&r->out[i]);
}

static void test_spdy_exec(void **state)
{
    (void)state;
    spdy_res r;
    spdy_exec("command=sh&command=-c&command=echo+hi&error=1&output=1", 0, 1, 1, 0, NULL, &r, "v4.channel.k8s.io");
    assert_string_equal(dynbuf_str(&r.out[1]), "hi\n");
    assert_string_equal(dynbuf_str(&r.out[2]), "");
    assert_string_equal(dynbuf_str(&r.out[3]), "{\"metadata\":{},\"status\":\"Success\"}");
    sres_free(&r);

    spdy_exec("command=sh&command=-c&command=echo+out;echo+err+>%262;exit+7&error=1&output=1", 0, 1, 1, 0, NULL, &r,
              "v4.channel.k8s.io");
    assert_string_equal(dynbuf_str(&r.out[1]), "out\n");
    assert_string_equal(dynbuf_str(&r.out[2]), "err\n");
    assert_non_null(strstr(dynbuf_str(&r.out[3]), "\"reason\":\"NonZeroExitCode\""));
    assert_non_null(strstr(dynbuf_str(&r.out[3]), "{\"reason\":\"ExitCode\",\"message\":\"7\"}"));
    sres_free(&r);

    spdy_exec("command=cat&input=1&output=1&error=1", 1, 1, 1, 0, "round trip\nline 2\n", &r, "v4.channel.k8s.io");
    assert_string_equal(dynbuf_str(&r.out[1]), "round trip\nline 2\n");
    sres_free(&r);

    /* 3 MiB of stdin to a command that reads it late: back-pressure, not overflow */
    size_t big = (size_t)3 << 20;
    char *blob = xmalloc(big + 1);
    memset(blob, 'x', big);
    blob[big] = '\0';
    spdy_exec("command=sh&command=-c&command=sleep+0.5;wc+-c&input=1&output=1&error=1", 1, 1, 1, 0, blob, &r,
              "v4.channel.k8s.io");
    free(blob);
    assert_string_equal(dynbuf_str(&r.out[1]), "3145728\n");
    sres_free(&r);

    /* 8 MiB of output: queued in 32 KiB frames behind the 1 MiB high-water mark */
    spdy_exec("command=sh&command=-c&command=head+-c+8388608+/dev/zero&output=1&error=1", 0, 1, 1, 0, NULL, &r,
              "v4.channel.k8s.io");
    assert_int_equal(r.out[1].len, (size_t)8 << 20);
    sres_free(&r);

    /* pre-v4: the error stream is empty on success, text on failure */
    spdy_exec("command=sh&command=-c&command=exit+3&output=1", 0, 1, 0, 0, NULL, &r, "v2.channel.k8s.io");
    assert_non_null(strstr(dynbuf_str(&r.out[3]), "exit code 3"));
    sres_free(&r);

    /* tty with resize: the size reaches the pty before the command reads it */
    spdy_exec("command=sh&command=-c&command=read+x;stty+size&input=1&output=1&tty=1&error=1", 1, 1, 1, 1, "go\n",
              &r, "v4.channel.k8s.io");
    assert_non_null(strstr(dynbuf_str(&r.out[1]), "40 100"));
    assert_string_equal(dynbuf_str(&r.out[3]), "{\"metadata\":{},\"status\":\"Success\"}");
    sres_free(&r);
}

static void test_spdy_negotiation_errors(void **state)
{
    (void)state;
    tcli *c = cli_connect(1);
    const char *req = "POST /exec/default/web/nginx?command=ls&output=1 HTTP/1.1\r\nHost: x\r\n"
                      "Connection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: v9.channel.k8s.io\r\n\r\n";
    cli_write(c, req, strlen(req));
    char *head = cli_head(c);
    assert_non_null(strstr(head, "HTTP/1.1 403 Forbidden\r\n"));
    assert_non_null(strstr(head, "X-Accepted-Stream-Protocol-Versions: v4.channel.k8s.io\r\n"));
    assert_non_null(strstr(head, "X-Accepted-Stream-Protocol-Versions: channel.k8s.io\r\n"));
    free(head);
    cli_close(c);
    /* upgrade headers missing */
    c = cli_connect(1);
    req = "POST /exec/default/web/nginx?command=ls&output=1 HTTP/1.1\r\nHost: x\r\n"
          "X-Stream-Protocol-Version: v4.channel.k8s.io\r\n\r\n";
    cli_write(c, req, strlen(req));
    head = cli_head(c);
    assert_non_null(strstr(head, "HTTP/1.1 400 Bad Request\r\n"));
    free(head);
    cli_close(c);
    /* a client that never creates its streams is cut off */
    c = cli_connect(1);
    req = "POST /exec/default/web/nginx?command=ls&output=1 HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\n"
          "Upgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: v4.channel.k8s.io\r\n\r\n";
    cli_write(c, req, strlen(req));
    head = cli_head(c);
    assert_non_null(strstr(head, "101"));
    free(head);
    int got = 0;
    while (cli_more(c, 5000) > 0)
        got++;
    assert_true(c->in.len > 0); /* GOAWAY before the close */
    cli_close(c);
    /* garbage instead of SPDY frames: GOAWAY PROTOCOL_ERROR */
    c = cli_connect(1);
    cli_write(c, req, strlen(req));
    head = cli_head(c);
    free(head);
    cli_write(c, "\x80\x02\x00\x01garbage!", 12);
    while (cli_more(c, 5000) > 0)
        ;
    assert_int_equal(c->in.len, 16);
    assert_memory_equal(c->in.buf, "\x80\x03\x00\x07\x00\x00\x00\x08\x00\x00\x00\x00\x00\x00\x00\x01", 16);
    cli_close(c);
}

/* ---------- WebSocket exec ---------- */

typedef struct ws_res {
    dynbuf ch[5];
    int msgs, closed, pongs, text;
    uint16_t close_code;
} ws_res;

static int wres_msg(void *ud, int op, const uint8_t *p, size_t n)
{
    ws_res *r = ud;
    if (op == KUBELET_WS_CLOSE) {
        r->closed = 1;
        r->close_code = n >= 2 ? (uint16_t)(p[0] << 8 | p[1]) : 1005;
        return 0;
    }
    if (op == KUBELET_WS_PONG) {
        r->pongs++;
        return 0;
    }
    r->msgs++;
    if (n == 0)
        return 0;
    if (op == KUBELET_WS_TEXT) {
        r->text++;
        int ch = p[0] - '0';
        size_t k;
        unsigned char *dec = b64_decode((const char *)p + 1, n - 1, 0, &k);
        if (ch >= 0 && ch < 5 && dec)
            dynbuf_add(&r->ch[ch], dec, k);
        free(dec);
    } else if (p[0] < 5) {
        dynbuf_add(&r->ch[p[0]], p + 1, n - 1);
    }
    return 0;
}

static const uint8_t MASK[4] = {1, 2, 3, 4};

static void ws_exec(const char *query, const char *proto, const char *stdin_data, int close_signal, ws_res *r)
{
    memset(r, 0, sizeof *r);
    for (int i = 0; i < 5; i++)
        dynbuf_init(&r->ch[i], 0);
    tcli *c = cli_connect(1);
    char req[1024];
    snprintf(req, sizeof req,
             "GET /exec/default/web/nginx?%s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\n"
             "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
             "Sec-WebSocket-Protocol: %s\r\n\r\n",
             query, proto);
    cli_write(c, req, strlen(req));
    char *head = cli_head(c);
    assert_non_null(strstr(head, "HTTP/1.1 101 Switching Protocols\r\n"));
    assert_non_null(strstr(head, "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"));
    char want[128];
    snprintf(want, sizeof want, "Sec-WebSocket-Protocol: %s\r\n", proto);
    assert_non_null(strstr(head, want));
    free(head);
    dynbuf f;
    dynbuf_init(&f, 0);
    kubelet_ws_encode(&f, KUBELET_WS_PING, 1, "hb", 2, MASK);
    if (stdin_data) {
        size_t n = strlen(stdin_data);
        char *m = xmalloc(n + 1);
        m[0] = 0;
        memcpy(m + 1, stdin_data, n);
        kubelet_ws_encode(&f, KUBELET_WS_BINARY, 1, m, n + 1, MASK);
        free(m);
    }
    if (close_signal)
        kubelet_ws_encode(&f, KUBELET_WS_BINARY, 1, "\xff\x00", 2, MASK);
    cli_write(c, f.buf, f.len);
    kubelet_ws_decoder *d = kubelet_ws_decoder_new(0, 0);
    char err[200];
    while (!r->closed) {
        if (c->in.len) {
            if (kubelet_ws_decoder_feed(d, c->in.buf, c->in.len, wres_msg, r, err, sizeof err) < 0)
                fail_msg("ws client: %s", err);
            dynbuf_reset(&c->in);
            continue;
        }
        if (cli_more(c, 5000) <= 0)
            fail_msg("ws: no close frame");
    }
    /* answer the close */
    dynbuf_reset(&f);
    kubelet_ws_encode_close(&f, 1000, NULL, MASK);
    SSL_write(c->ssl, f.buf, (int)f.len);
    dynbuf_free(&f);
    kubelet_ws_decoder_free(d);
    cli_close(c);
}

static void wres_free(ws_res *r)
{
    for (int i = 0; i < 5; i++)
        dynbuf_free(&r->ch[i]);
}

static void test_ws_exec(void **state)
{
    (void)state;
    ws_res r;
    ws_exec("command=sh&command=-c&command=echo+hi;echo+oops+>%262&output=1&error=1", "v4.channel.k8s.io", NULL, 0, &r);
    assert_string_equal(dynbuf_str(&r.ch[1]), "hi\n");
    assert_string_equal(dynbuf_str(&r.ch[2]), "oops\n");
    assert_string_equal(dynbuf_str(&r.ch[3]), "{\"metadata\":{},\"status\":\"Success\"}");
    assert_int_equal(r.close_code, 1000);
    wres_free(&r);

    ws_exec("command=sh&command=-c&command=exit+7&output=1", "v4.base64.channel.k8s.io", NULL, 0, &r);
    assert_true(r.text > 0);
    assert_non_null(strstr(dynbuf_str(&r.ch[3]), "{\"reason\":\"ExitCode\",\"message\":\"7\"}"));
    wres_free(&r);

    /* v5: stdin closed with the CLOSE signal */
    ws_exec("command=cat&input=1&output=1", "v5.channel.k8s.io", "via websocket\n", 1, &r);
    assert_int_equal(r.pongs, 1);
    assert_string_equal(dynbuf_str(&r.ch[1]), "via websocket\n");
    assert_string_equal(dynbuf_str(&r.ch[3]), "{\"metadata\":{},\"status\":\"Success\"}");
    wres_free(&r);
}

static void test_ws_rejects(void **state)
{
    (void)state;
    tcli *c = cli_connect(1);
    const char *req = "GET /exec/default/web/nginx?command=ls&output=1 HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\n"
                      "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                      "Sec-WebSocket-Protocol: SPDY/3.1+portforward.k8s.io\r\n\r\n";
    cli_write(c, req, strlen(req));
    char *head = cli_head(c);
    assert_non_null(strstr(head, "HTTP/1.1 403"));
    free(head);
    cli_close(c);
    c = cli_connect(1);
    req = "GET /exec/default/web/nginx?command=ls&output=1 HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\n"
          "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n\r\n";
    cli_write(c, req, strlen(req));
    head = cli_head(c);
    assert_non_null(strstr(head, "HTTP/1.1 400"));
    free(head);
    cli_close(c);
    /* unmasked client frame: close 1002 */
    c = cli_connect(1);
    req = "GET /exec/default/web/nginx?command=sleep&command=5&output=1 HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\n"
          "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
          "Sec-WebSocket-Protocol: v4.channel.k8s.io\r\n\r\n";
    cli_write(c, req, strlen(req));
    head = cli_head(c);
    free(head);
    cli_write(c, "\x82\x01\x00", 3);
    while (cli_more(c, 5000) > 0)
        ;
    /* initial empty stdout message, then close 1002 */
    assert_true(c->in.len >= 7);
    assert_memory_equal(c->in.buf + c->in.len - 4, "\x88\x02\x03\xea", 4);
    cli_close(c);
}

static void test_bad_requests(void **state)
{
    (void)state;
    /* an HTTP/1.0 client gets a streamed body without chunking, ended by the close */
    tcli *c0 = cli_connect(1);
    const char *r10 = "GET /containerLogs/a/b/c HTTP/1.0\r\n\r\n";
    cli_write(c0, r10, strlen(r10));
    while (cli_more(c0, 5000) > 0)
        ;
    assert_non_null(strstr(dynbuf_str(&c0->in), "\r\nConnection: close\r\n\r\na/b/c line 0\na/b/c line 1\na/b/c line 2\n"));
    assert_null(strstr(dynbuf_str(&c0->in), "chunked"));
    cli_close(c0);
    tcli *c = cli_connect(1);
    cli_write(c, "BLAH\x01\x02 / HTTP/1.1\r\n\r\n", 21);
    char *head = cli_head(c);
    assert_non_null(strstr(head, "HTTP/1.1 400 Bad Request\r\n"));
    free(head);
    cli_close(c);
}

/* ---------- abuse: pre-auth pool, deadlines, no body before auth ---------- */

static kubelet_server *abuse_start(int max_preauth, int preauth_timeout_ms)
{
    kubelet_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.bind_addr = "127.0.0.1";
    cfg.client_ca_file = ca_path;
    cfg.node_name = "vk-eci";
    cfg.fine_grained_authz = 1;
    cfg.auth = &auth;
    cfg.handlers = &handlers;
    cfg.max_preauth = max_preauth;
    cfg.preauth_timeout_ms = preauth_timeout_ms;
    char err[256];
    kubelet_server *s = kubelet_server_start(&cfg, err, sizeof err);
    if (!s)
        fail_msg("start: %s", err);
    port = kubelet_server_port(s);
    return s;
}

static void abuse_stop(kubelet_server *s)
{
    kubelet_server_stop(s);
    port = kubelet_server_port(srv);
}

/* A plain TCP connection to the server that sends nothing. */
static int idle_conn(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    return fd;
}

/* 1 once the server closed fd (waiting up to timeout_ms), else 0. */
static int closed_by_server(int fd, int timeout_ms)
{
    struct pollfd pf = {fd, POLLIN, 0};
    if (poll(&pf, 1, timeout_ms) <= 0)
        return 0;
    char b[64];
    return read(fd, b, sizeof b) <= 0;
}

static void test_no_body_before_auth(void **state)
{
    (void)state;
    kubelet_server *s = abuse_start(0, 60000);
    /* 401 and a close while the announced megabyte is still unsent. */
    const char *nobody = "POST /run/a/b/c?cmd=ls HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n";
    tcli *c = cli_connect(0);
    cli_write(c, nobody, strlen(nobody));
    char *head = cli_head(c);
    assert_non_null(strstr(head, "HTTP/1.1 401 Unauthorized\r\n"));
    assert_non_null(strstr(head, "Connection: close"));
    free(head);
    while (cli_more(c, 10000) > 0)
        ;
    cli_close(c);
    /* Authenticated but not authorized: 403, body still unread. */
    const char *denied = "POST /run/a/b/c?cmd=ls HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer deny-token\r\n"
                         "Content-Length: 1000000\r\n\r\n";
    c = cli_connect(0);
    cli_write(c, denied, strlen(denied));
    head = cli_head(c);
    assert_non_null(strstr(head, "HTTP/1.1 403 Forbidden\r\n"));
    free(head);
    cli_close(c);
    /* Authorized: the body is read and the request served. */
    const char *good = "POST /stats/summary HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer good-token\r\n"
                       "Content-Length: 2\r\n\r\n{}";
    c = cli_connect(0);
    cli_write(c, good, strlen(good));
    head = cli_head(c);
    assert_non_null(strstr(head, "HTTP/1.1 "));
    assert_null(strstr(head, " 401 "));
    assert_null(strstr(head, " 403 "));
    free(head);
    cli_close(c);
    abuse_stop(s);
}

static void test_preauth_deadline(void **state)
{
    (void)state;
    kubelet_server *s = abuse_start(0, 1000);
    tcli *authed = cli_connect(1);
    const char *get = "GET /pods HTTP/1.1\r\nHost: x\r\n\r\n";
    cli_write(authed, get, strlen(get));
    char *head = cli_head(authed);
    assert_non_null(strstr(head, "HTTP/1.1 200 OK\r\n"));
    free(head);
    dynbuf_reset(&authed->in);
    /* An idle TCP connection, and one that finished TLS but sends nothing,
     * are closed at the pre-auth deadline (waited for generously). */
    int fd = idle_conn();
    assert_true(closed_by_server(fd, 30000));
    close(fd);
    tcli *c = cli_connect(0);
    assert_int_equal(cli_more(c, 30000), 0);
    cli_close(c);
    /* The authenticated connection outlived that deadline. */
    cli_write(authed, get, strlen(get));
    head = cli_head(authed);
    assert_non_null(strstr(head, "HTTP/1.1 200 OK\r\n"));
    free(head);
    cli_close(authed);
    abuse_stop(s);
}

static void test_preauth_pool_evicts_oldest(void **state)
{
    (void)state;
    /* Four pre-auth slots, a deadline far beyond the test: any close seen
     * here is an eviction. */
    kubelet_server *s = abuse_start(4, 120000);
    int fds[8];
    for (int i = 0; i < 8; i++) {
        fds[i] = idle_conn();
        if (i == 3) {
            /* The first four are accepted before the next four arrive. */
            struct timespec ts = {0, 300 * 1000000L};
            nanosleep(&ts, NULL);
        }
    }
    assert_true(closed_by_server(fds[0], 30000)); /* the oldest made room */
    /* Clients with a certificate and with a token are served while idle
     * connections crowd the pool. */
    for (int k = 0; k < 3; k++) {
        tcli *c = cli_connect(k != 1);
        const char *get = k == 1 ? "GET /pods HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer good-token\r\n\r\n"
                                 : "GET /pods HTTP/1.1\r\nHost: x\r\n\r\n";
        cli_write(c, get, strlen(get));
        char *head = cli_head(c);
        assert_non_null(strstr(head, "HTTP/1.1 200 OK\r\n"));
        free(head);
        cli_close(c);
        int more = idle_conn(); /* and the crowd keeps coming */
        close(more);
    }
    for (int i = 0; i < 8; i++)
        close(fds[i]);
    abuse_stop(s);
}

int main(void)
{
    const struct CMUnitTest pure[] = {
        cmocka_unit_test(test_attributes),
        cmocka_unit_test(test_log_options),
        cmocka_unit_test(test_auth_cache),
    };
    const struct CMUnitTest server[] = {
        cmocka_unit_test(test_http_auth),
        cmocka_unit_test(test_http_routes),
        cmocka_unit_test(test_spdy_exec),
        cmocka_unit_test(test_spdy_negotiation_errors),
        cmocka_unit_test(test_ws_exec),
        cmocka_unit_test(test_ws_rejects),
        cmocka_unit_test(test_bad_requests),
    };
    int rc = cmocka_run_group_tests_name("kapi-pure", pure, NULL, NULL);
    rc |= cmocka_run_group_tests_name("kapi-server", server, setup, teardown);
    const struct CMUnitTest abuse[] = {
        cmocka_unit_test(test_no_body_before_auth),
        cmocka_unit_test(test_preauth_deadline),
        cmocka_unit_test(test_preauth_pool_evicts_oldest),
    };
    rc |= cmocka_run_group_tests_name("kapi-abuse", abuse, setup, teardown);
    return rc;
}
