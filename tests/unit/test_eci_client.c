/* eci/client.c, eci/ops.c, eci/creds.c, eci/endpoint.c, util/ratelimit.c
 * against a small libmicrohttpd server run inside the test: signatures,
 * common parameters, retries and backoff, non-retriable errors, bounded
 * attempts, timeouts, size caps, fault hook, stats, idempotent create,
 * credentials from env and from a metadata server with refresh, endpoints,
 * no secrets in error text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "eci/client.h"
#include "eci/emulator/emulator.h"
#include "eci/endpoint.h"
#include "eci/ops.h"
#include "eci/sign.h"
#include "util/clock.h"
#include "util/dynbuf.h"
#include "util/prom.h"
#include "util/query.h"
#include "util/ratelimit.h"
#include "util/timefmt.h"
#include "util/xmalloc.h"

#define SECRET "SUPERSECRETxyz"
#define MAXREQ 64

typedef struct srv {
    struct MHD_Daemon *d;
    int port;
    pthread_mutex_t mu;
    int n;
    int bad_sig;
    int v3; /* requests signed with V3 */
    kv_list last;
    kv_list last_headers;
    char nonce[MAXREQ][40];
    char token[MAXREQ][80];
    char action[MAXREQ][64];
    int script_n;
    int script_status[16];
    const char *script_body[16];
    int default_status;
    const char *default_body;
    int delay_ms;
    size_t big_body;
    /* metadata mode */
    int metadata;
    int meta_fetches;
    int meta_ttl_s;
    int meta_tokens; /* hardening mode: PUT /latest/api/token, token header required */
} srv;

static const char *g_retry_after; /* Retry-After header on non-2xx replies */

static enum MHD_Result reply(struct MHD_Connection *conn, int status, const char *body, size_t len)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
    MHD_add_response_header(r, "Content-Type", "application/json");
    if (g_retry_after && status >= 300)
        MHD_add_response_header(r, "Retry-After", g_retry_after);
    enum MHD_Result ret = MHD_queue_response(conn, (unsigned)status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result collect_header(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    (void)kind;
    kv_add(cls, key, value);
    return MHD_YES;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                               const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
    (void)version;
    srv *s = cls;
    if (!*con_cls) {
        dynbuf *b = xcalloc(1, sizeof *b);
        dynbuf_init(b, 1 << 20);
        *con_cls = b;
        return MHD_YES;
    }
    dynbuf *b = *con_cls;
    if (*upload_size) {
        dynbuf_add(b, upload, *upload_size);
        *upload_size = 0;
        return MHD_YES;
    }
    if (s->metadata) {
        char body[512];
        if (!strcmp(url, "/latest/api/token")) {
            const char *ttl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-aliyun-ecs-metadata-token-ttl-seconds");
            if (!s->meta_tokens || strcmp(method, "PUT") || !ttl)
                return reply(conn, 404, "not found", 9);
            return reply(conn, 200, "tkn-123", 7);
        }
        if (s->meta_tokens) {
            const char *t = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-aliyun-ecs-metadata-token");
            if (!t || strcmp(t, "tkn-123"))
                return reply(conn, 401, "token required", 14);
        }
        if (!strcmp(url, "/latest/meta-data/ram/security-credentials/"))
            return reply(conn, 200, "my-role\n", 8);
        if (strcmp(url, "/latest/meta-data/ram/security-credentials/my-role"))
            return reply(conn, 404, "not found", 9);
        pthread_mutex_lock(&s->mu);
        int k = ++s->meta_fetches;
        pthread_mutex_unlock(&s->mu);
        char ts[TIMEFMT_LEN];
        timefmt_format_s(time(NULL) + s->meta_ttl_s, ts, sizeof ts);
        int n = snprintf(body, sizeof body,
                         "{\"AccessKeyId\":\"STS.id%d\",\"AccessKeySecret\":\"sec%d\",\"SecurityToken\":\"tok%d\","
                         "\"Expiration\":\"%s\",\"Code\":\"Success\",\"LastUpdated\":\"x\"}",
                         k, k, k, ts);
        return reply(conn, 200, body, (size_t)n);
    }
    (void)method;
    kv_list p = KV_LIST_INIT, hdrs = KV_LIST_INIT;
    MHD_get_connection_values(conn, MHD_HEADER_KIND, collect_header, &hdrs);
    char qerr[128];
    query_parse(dynbuf_str(b), b->len, QUERY_PLUS_IS_SPACE, &p, qerr, sizeof qerr);
    const char *auth = kv_get_ci(&hdrs, "Authorization");
    dynbuf alg, cred, names, v3sig;
    dynbuf_init(&alg, 0);
    dynbuf_init(&cred, 0);
    dynbuf_init(&names, 0);
    dynbuf_init(&v3sig, 0);
    if (auth && eci_v3_parse_authorization(auth, &alg, &cred, &names, &v3sig) == 0) {
        /* V3: present the header fields as the V2 parameters the tests look at */
        kv_set(&p, "AccessKeyId", dynbuf_str(&cred));
        static const char *const map[][2] = {{"x-acs-action", "Action"}, {"x-acs-version", "Version"},
                                             {"x-acs-signature-nonce", "SignatureNonce"},
                                             {"x-acs-date", "Timestamp"},
                                             {"x-acs-security-token", "SecurityToken"}};
        for (size_t k = 0; k < sizeof map / sizeof map[0]; k++)
            if (kv_get_ci(&hdrs, map[k][0]))
                kv_set(&p, map[k][1], kv_get_ci(&hdrs, map[k][0]));
    }
    const char *sig = auth ? dynbuf_str(&v3sig) : kv_get(&p, "Signature");
    const char *id = kv_get(&p, "AccessKeyId");
    char want[65] = "";
    const char *secret = SECRET;
    if (id && !strncmp(id, "STS.id", 6)) {
        static char buf[32];
        snprintf(buf, sizeof buf, "sec%s", id + 6);
        secret = buf;
    }
    if (auth) {
        char payload[65];
        eci_sha256_hex(b->buf, b->len, payload);
        const char *claimed = kv_get_ci(&hdrs, "x-acs-content-sha256");
        eci_v3_request r = {"POST", "/", NULL, &hdrs, dynbuf_str(&names), payload};
        dynbuf required;
        dynbuf_init(&required, 0);
        eci_v3_signed_headers(&required, &hdrs);
        if (strcmp(dynbuf_str(&alg), ECI_V3_ALGORITHM) || !claimed || strcmp(claimed, payload) ||
            strcmp(dynbuf_str(&required), dynbuf_str(&names)) || eci_sign_v3(&r, secret, want, NULL))
            want[0] = 0;
        dynbuf_free(&required);
    } else {
        eci_sign_rpc("POST", &p, secret, want);
    }
    pthread_mutex_lock(&s->mu);
    int i = s->n++;
    if (!sig || !want[0] || !eci_sign_equal(sig, want))
        s->bad_sig++;
    s->v3 += auth != NULL;
    if (i < MAXREQ) {
        snprintf(s->nonce[i], sizeof s->nonce[i], "%s", kv_get(&p, "SignatureNonce") ? kv_get(&p, "SignatureNonce") : "");
        snprintf(s->token[i], sizeof s->token[i], "%s", kv_get(&p, "ClientToken") ? kv_get(&p, "ClientToken") : "");
        snprintf(s->action[i], sizeof s->action[i], "%s", kv_get(&p, "Action") ? kv_get(&p, "Action") : "");
    }
    kv_free(&s->last);
    s->last = p;
    kv_free(&s->last_headers);
    s->last_headers = hdrs;
    dynbuf_free(&alg);
    dynbuf_free(&cred);
    dynbuf_free(&names);
    dynbuf_free(&v3sig);
    int status = s->default_status;
    const char *body = s->default_body;
    if (i < s->script_n) {
        status = s->script_status[i];
        body = s->script_body[i];
    }
    int delay = s->delay_ms;
    size_t big = s->big_body;
    pthread_mutex_unlock(&s->mu);
    if (delay)
        usleep((useconds_t)delay * 1000);
    if (big) {
        char *x = xmalloc(big);
        memset(x, ' ', big);
        x[0] = '{';
        x[big - 1] = '}';
        enum MHD_Result r = reply(conn, 200, x, big);
        free(x);
        return r;
    }
    return reply(conn, status, body, strlen(body));
}

static void completed(void *cls, struct MHD_Connection *conn, void **con_cls, enum MHD_RequestTerminationCode t)
{
    (void)cls;
    (void)conn;
    (void)t;
    dynbuf *b = *con_cls;
    if (b) {
        dynbuf_free(b);
        free(b);
    }
    *con_cls = NULL;
}

static srv *srv_start_tls(const char *key, const char *cert)
{
    srv *s = xcalloc(1, sizeof *s);
    pthread_mutex_init(&s->mu, NULL);
    s->default_status = 200;
    s->default_body = "{\"RequestId\":\"TLS-1\"}";
    s->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_TLS, 0, NULL,
                            NULL, handler, s, MHD_OPTION_NOTIFY_COMPLETED, completed, NULL,
                            MHD_OPTION_HTTPS_MEM_KEY, key, MHD_OPTION_HTTPS_MEM_CERT, cert, MHD_OPTION_END);
    assert_non_null(s->d);
    s->port = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT)->port;
    return s;
}

static srv *srv_start(void)
{
    srv *s = xcalloc(1, sizeof *s);
    pthread_mutex_init(&s->mu, NULL);
    s->default_status = 200;
    s->default_body = "{\"RequestId\":\"OK-1\"}";
    s->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION, 0, NULL, NULL,
                            handler, s, MHD_OPTION_NOTIFY_COMPLETED, completed, NULL, MHD_OPTION_LISTENING_ADDRESS_REUSE,
                            1, MHD_OPTION_END);
    assert_non_null(s->d);
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
    s->port = info->port;
    return s;
}

static void srv_stop(srv *s)
{
    MHD_stop_daemon(s->d);
    kv_free(&s->last);
    kv_free(&s->last_headers);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

/* A client of s with fast backoff; metrics into reg when not NULL. */
static eci_client *mk_client_full(srv *s, int retries, eci_signature sig, prom_registry *reg)
{
    eci_client_config cfg;
    eci_client_config_init(&cfg);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", s->port);
    cfg.region = "cn-test";
    cfg.endpoint = url;
    cfg.creds_config.access_key_id = "AKID";
    cfg.creds_config.access_key_secret = SECRET;
    cfg.creds_config.no_env = 1;
    cfg.max_retries = retries;
    cfg.backoff_base_ms = 1;
    cfg.backoff_cap_ms = 5;
    cfg.qps = 0;
    cfg.request_timeout_ms = 2000;
    cfg.signature = sig;
    cfg.metrics = reg;
    eci_client *c = NULL;
    eci_error err;
    assert_int_equal(eci_client_new(&cfg, &c, &err), 0);
    return c;
}

static eci_client *mk_client_sig(srv *s, int retries, eci_signature sig)
{
    return mk_client_full(s, retries, sig, NULL);
}

static eci_client *mk_client(srv *s, int retries) { return mk_client_sig(s, retries, ECI_SIGN_V3); }

/* V3 by default: x-acs-* headers and Authorization, only business
 * parameters and RegionId in the form body. */
static void test_signed_v3(void **state)
{
    (void)state;
    srv *s = srv_start();
    eci_client *c = mk_client(s, 0);
    kv_list p = KV_LIST_INIT;
    kv_add(&p, "Container.1.Name", "a b&c=d/é");
    cJSON *j = NULL;
    eci_error err;
    assert_int_equal(eci_call(c, "DescribeRegions", &p, &j, &err), 0);
    assert_non_null(j);
    assert_string_equal(err.request_id, "OK-1");
    cJSON_Delete(j);
    assert_int_equal(s->bad_sig, 0);
    assert_int_equal(s->v3, 1);
    const kv_list *h = &s->last_headers;
    assert_string_equal(kv_get_ci(h, "x-acs-action"), "DescribeRegions");
    assert_string_equal(kv_get_ci(h, "x-acs-version"), "2018-08-08");
    assert_int_equal(strlen(kv_get_ci(h, "x-acs-signature-nonce")), 36);
    assert_int_equal(strlen(kv_get_ci(h, "x-acs-date")), 20);
    assert_int_equal(strlen(kv_get_ci(h, "x-acs-content-sha256")), 64);
    assert_null(kv_get_ci(h, "x-acs-security-token"));
    char host[64];
    snprintf(host, sizeof host, "127.0.0.1:%d", s->port);
    assert_string_equal(kv_get_ci(h, "Host"), host);
    assert_int_equal(strncmp(kv_get_ci(h, "Authorization"), "ACS3-HMAC-SHA256 Credential=AKID,SignedHeaders=", 47),
                     0);
    assert_string_equal(kv_get(&s->last, "RegionId"), "cn-test");
    assert_string_equal(kv_get(&s->last, "Container.1.Name"), "a b&c=d/é");
    static const char *const v2only[] = {"Format", "SignatureMethod", "SignatureVersion", "Signature", NULL};
    for (int i = 0; v2only[i]; i++)
        assert_null(kv_get(&s->last, v2only[i]));
    kv_free(&p);
    eci_client_free(c);
    srv_stop(s);
}

static void test_signed_common_params_v2(void **state)
{
    (void)state;
    srv *s = srv_start();
    eci_client *c = mk_client_sig(s, 0, ECI_SIGN_V2);
    kv_list p = KV_LIST_INIT;
    kv_add(&p, "Container.1.Name", "a b&c=d/é");
    cJSON *j = NULL;
    eci_error err;
    assert_int_equal(eci_call(c, "DescribeRegions", &p, &j, &err), 0);
    assert_non_null(j);
    assert_string_equal(err.request_id, "OK-1");
    cJSON_Delete(j);
    assert_int_equal(s->bad_sig, 0);
    assert_int_equal(s->v3, 0);
    assert_null(kv_get_ci(&s->last_headers, "Authorization"));
    assert_string_equal(kv_get(&s->last, "Action"), "DescribeRegions");
    assert_string_equal(kv_get(&s->last, "Format"), "JSON");
    assert_string_equal(kv_get(&s->last, "Version"), "2018-08-08");
    assert_string_equal(kv_get(&s->last, "AccessKeyId"), "AKID");
    assert_string_equal(kv_get(&s->last, "SignatureMethod"), "HMAC-SHA1");
    assert_string_equal(kv_get(&s->last, "SignatureVersion"), "1.0");
    assert_string_equal(kv_get(&s->last, "RegionId"), "cn-test");
    assert_string_equal(kv_get(&s->last, "Container.1.Name"), "a b&c=d/é");
    assert_int_equal(strlen(kv_get(&s->last, "SignatureNonce")), 36);
    assert_int_equal(strlen(kv_get(&s->last, "Timestamp")), 20);
    assert_null(kv_get(&s->last, "SecurityToken"));
    kv_free(&p);
    eci_client_free(c);
    srv_stop(s);
}

static void test_retry_throttling_then_success(void **state)
{
    (void)state;
    srv *s = srv_start();
    s->script_n = 2;
    s->script_status[0] = 400;
    s->script_body[0] = "{\"RequestId\":\"T1\",\"Code\":\"Throttling\",\"Message\":\"slow down\"}";
    s->script_status[1] = 503;
    s->script_body[1] = "{\"RequestId\":\"T2\",\"Code\":\"ServiceUnavailable\",\"Message\":\"busy\"}";
    s->default_body = "{\"RequestId\":\"OK\",\"ContainerGroupId\":\"eci-1\"}";
    eci_client *c = mk_client(s, 4);
    eci_create_cg_req req = {0};
    req.container_group_name = xstrdup("g");
    eci_container *ct = ECI_APPEND(req.containers, req.n_containers);
    ct->name = xstrdup("c");
    ct->image = xstrdup("busybox");
    eci_create_cg_resp resp;
    eci_error err;
    assert_int_equal(eci_create_container_group(c, &req, &resp, &err), 0);
    assert_string_equal(resp.container_group_id, "eci-1");
    assert_int_equal(err.attempts, 3);
    assert_int_equal(s->n, 3);
    assert_int_equal(s->bad_sig, 0);
    /* fresh nonce each attempt, same generated ClientToken */
    assert_string_not_equal(s->nonce[0], s->nonce[1]);
    assert_string_not_equal(s->nonce[1], s->nonce[2]);
    assert_int_equal(strlen(s->token[0]), 36);
    assert_string_equal(s->token[0], s->token[1]);
    assert_string_equal(s->token[1], s->token[2]);
    assert_int_equal(eci_client_stat_count(c, "CreateContainerGroup", "ok"), 1);
    eci_create_cg_resp_free(&resp);
    eci_create_cg_req_free(&req);
    eci_client_free(c);
    srv_stop(s);
}

static void test_non_retriable_and_bounded(void **state)
{
    (void)state;
    srv *s = srv_start();
    s->default_status = 400;
    s->default_body = "{\"RequestId\":\"R9\",\"Code\":\"InvalidParameter\",\"Message\":\"bad Cpu\"}";
    eci_client *c = mk_client(s, 4);
    eci_error err;
    assert_int_equal(eci_call(c, "CreateContainerGroup", NULL, NULL, &err), -1);
    assert_int_equal(s->n, 1);
    assert_int_equal(err.attempts, 1);
    assert_int_equal(err.code, ECI_E_API);
    assert_int_equal(err.http_status, 400);
    assert_string_equal(err.api_code, "InvalidParameter");
    assert_string_equal(err.message, "bad Cpu");
    assert_string_equal(err.request_id, "R9");
    assert_string_equal(err.action, "CreateContainerGroup");
    assert_int_equal(eci_error_classify(&err), ECI_CLASS_INVALID);

    s->default_status = 503;
    s->default_body = "{\"RequestId\":\"R10\",\"Code\":\"ServiceUnavailable\",\"Message\":\"x\"}";
    s->n = 0;
    assert_int_equal(eci_call(c, "DescribeContainerGroups", NULL, NULL, &err), -1);
    assert_int_equal(s->n, 5);
    assert_int_equal(err.attempts, 5);
    assert_int_equal(err.code, ECI_E_UNAVAILABLE);

    /* 5xx without a JSON body */
    s->default_status = 502;
    s->default_body = "<html>bad gateway</html>";
    s->n = 0;
    assert_int_equal(eci_call(c, "DescribeContainerGroups", NULL, NULL, &err), -1);
    assert_int_equal(s->n, 5);
    assert_int_equal(err.code, ECI_E_UNAVAILABLE);
    assert_int_equal(err.http_status, 502);

    /* 2xx with garbage: decode error, not retried */
    s->default_status = 200;
    s->default_body = "not json";
    s->n = 0;
    assert_int_equal(eci_call(c, "DescribeContainerGroups", NULL, NULL, &err), -1);
    assert_int_equal(err.code, ECI_E_DECODE);
    assert_int_equal(s->n, 1);

    /* 404 NotFound maps to not-found */
    s->default_status = 404;
    s->default_body = "{\"RequestId\":\"R\",\"Code\":\"InvalidParameter.NotFound\",\"Message\":\"eci-x\"}";
    eci_cg_id_req dr = {0};
    dr.container_group_id = xstrdup("eci-x");
    eci_simple_resp sr;
    assert_int_equal(eci_delete_container_group(c, &dr, &sr, &err), -1);
    assert_int_equal(eci_error_classify(&err), ECI_CLASS_NOT_FOUND);
    assert_string_equal(err.action, "DeleteContainerGroup");
    eci_simple_resp_free(&sr);
    eci_cg_id_req_free(&dr);

    /* invalid request: nothing sent */
    s->n = 0;
    assert_int_equal(eci_delete_container_group(c, &dr, &sr, &err), -1);
    assert_int_equal(err.code, ECI_E_INVALID_ARG);
    assert_int_equal(s->n, 0);
    eci_simple_resp_free(&sr);

    eci_stat_row *rows;
    size_t n = eci_client_stats(c, &rows);
    assert_true(n >= 3);
    int found = 0;
    for (size_t i = 0; i < n; i++)
        if (!strcmp(rows[i].action, "DescribeContainerGroups") && !strcmp(rows[i].result, "transient")) {
            assert_int_equal(rows[i].count, 2);
            assert_int_equal(rows[i].attempts, 10);
            assert_int_equal(rows[i].buckets[ECI_STATS_NBUCKETS - 1], 2);
            found = 1;
        }
    assert_true(found);
    free(rows);
    eci_client_free(c);
    srv_stop(s);
}

static void test_no_secret_in_errors(void **state)
{
    (void)state;
    srv *s = srv_start();
    s->default_status = 400;
    s->default_body = "{\"RequestId\":\"R\",\"Code\":\"SignatureDoesNotMatch\",\"Message\":\"nope\"}";
    eci_client *c = mk_client(s, 2);
    eci_error err;
    assert_int_equal(eci_call(c, "DescribeRegions", NULL, NULL, &err), -1);
    assert_int_equal(eci_error_classify(&err), ECI_CLASS_AUTH);
    char buf[2048];
    eci_error_format(&err, buf, sizeof buf);
    assert_null(strstr(buf, SECRET));
    assert_null(strstr(buf, "Signature="));
    assert_null(memmem(&err, sizeof err, SECRET, strlen(SECRET)));
    eci_client_free(c);
    srv_stop(s);

    /* transport failure: connection refused, retried, no secret either */
    eci_client_config cfg;
    eci_client_config_init(&cfg);
    cfg.region = "cn-test";
    cfg.endpoint = "http://127.0.0.1:1";
    cfg.creds_config.access_key_id = "AKID";
    cfg.creds_config.access_key_secret = SECRET;
    cfg.creds_config.no_env = 1;
    cfg.max_retries = 2;
    cfg.backoff_base_ms = 1;
    assert_int_equal(eci_client_new(&cfg, &c, &err), 0);
    assert_int_equal(eci_call(c, "DescribeRegions", NULL, NULL, &err), -1);
    assert_int_equal(err.code, ECI_E_HTTP);
    assert_int_equal(err.attempts, 3);
    eci_error_format(&err, buf, sizeof buf);
    assert_null(strstr(buf, SECRET));
    eci_client_free(c);
}

static void test_retry_after(void **state)
{
    (void)state;
    srv *s = srv_start();
    s->script_n = 1;
    s->script_status[0] = 503;
    s->script_body[0] = "{\"RequestId\":\"RA\",\"Code\":\"ServiceUnavailable\",\"Message\":\"later\"}";
    eci_client_config cfg;
    eci_client_config_init(&cfg);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", s->port);
    cfg.region = "cn-test";
    cfg.endpoint = url;
    cfg.creds_config.access_key_id = "AKID";
    cfg.creds_config.access_key_secret = SECRET;
    cfg.creds_config.no_env = 1;
    cfg.backoff_base_ms = 1;
    cfg.backoff_cap_ms = 300; /* Retry-After: 1 s is honoured up to the cap */
    eci_client *c;
    eci_error err;
    assert_int_equal(eci_client_new(&cfg, &c, &err), 0);
    g_retry_after = "1";
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    assert_int_equal(eci_call(c, "DescribeRegions", NULL, NULL, &err), 0);
    clock_gettime(CLOCK_MONOTONIC, &b);
    g_retry_after = NULL;
    double el = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
    assert_int_equal(err.attempts, 2);
    assert_true(el >= 0.29);
    eci_client_free(c);
    srv_stop(s);
}

static void test_timeout_and_cap(void **state)
{
    (void)state;
    srv *s = srv_start();
    s->delay_ms = 400;
    eci_client_config cfg;
    eci_client_config_init(&cfg);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/", s->port);
    cfg.region = "cn-test";
    cfg.endpoint = url;
    cfg.creds_config.access_key_id = "AKID";
    cfg.creds_config.access_key_secret = SECRET;
    cfg.creds_config.no_env = 1;
    cfg.max_retries = 1;
    cfg.backoff_base_ms = 1;
    cfg.request_timeout_ms = 100;
    cfg.max_response_bytes = 4096;
    eci_client *c;
    eci_error err;
    assert_int_equal(eci_client_new(&cfg, &c, &err), 0);
    url[strlen(url) - 1] = '\0';
    assert_string_equal(eci_client_endpoint(c), url); /* as given, trailing slash removed */
    assert_int_equal(eci_call(c, "DescribeRegions", NULL, NULL, &err), -1);
    assert_int_equal(err.code, ECI_E_TIMEOUT);
    assert_int_equal(err.attempts, 2);
    assert_int_equal(eci_error_classify(&err), ECI_CLASS_TRANSIENT);
    /* The handler of the timed-out request may still be sleeping: its server
     * thread reads these under the lock. */
    pthread_mutex_lock(&s->mu);
    s->delay_ms = 0;
    s->big_body = 100000;
    pthread_mutex_unlock(&s->mu);
    assert_int_equal(eci_call(c, "DescribeRegions", NULL, NULL, &err), -1);
    assert_int_equal(err.code, ECI_E_TOO_LARGE);
    assert_int_equal(err.attempts, 1);
    eci_client_free(c);
    srv_stop(s);
}

typedef struct fault_state {
    unsigned long fail_at;
    int throttle;
    int calls;
} fault_state;

static int fault(void *ud, const char *action, unsigned long no, eci_error *err)
{
    fault_state *f = ud;
    (void)action;
    f->calls++;
    if (no != f->fail_at)
        return 0;
    if (f->throttle)
        eci_error_set_api(err, 400, "Throttling", "injected", "FAKE");
    return 1;
}

static void test_fault_hook(void **state)
{
    (void)state;
    srv *s = srv_start();
    eci_client *c = mk_client(s, 0);
    fault_state f = {.fail_at = 2};
    eci_client_set_fault_hook(c, fault, &f);
    eci_error err;
    assert_int_equal(eci_call(c, "DescribeRegions", NULL, NULL, &err), 0);
    assert_int_equal(eci_call(c, "DescribeRegions", NULL, NULL, &err), -1);
    assert_int_equal(err.code, ECI_E_FAULT);
    assert_int_equal(eci_call(c, "DescribeRegions", NULL, NULL, &err), 0);
    assert_int_equal(s->n, 2);
    eci_client_free(c);

    /* with retries, an injected throttle is retried transparently */
    c = mk_client(s, 3);
    fault_state g = {.fail_at = 1, .throttle = 1};
    eci_client_set_fault_hook(c, fault, &g);
    assert_int_equal(eci_call(c, "DescribeRegions", NULL, NULL, &err), 0);
    assert_int_equal(err.attempts, 2);
    eci_client_set_fault_hook(c, NULL, NULL);
    eci_client_free(c);
    srv_stop(s);
}

static void test_ops_roundtrip(void **state)
{
    (void)state;
    srv *s = srv_start();
    s->default_body = "{\"RequestId\":\"L\",\"ContainerName\":\"c\",\"Content\":\"line1\\nline2\\n\"}";
    eci_client *c = mk_client(s, 0);
    eci_log_req lr = {0};
    lr.container_group_id = xstrdup("eci-1");
    lr.container_name = xstrdup("c");
    lr.tail = ECI_INT(5);
    eci_log_resp l;
    eci_error err;
    assert_int_equal(eci_describe_container_log(c, &lr, &l, &err), 0);
    assert_string_equal(l.content, "line1\nline2\n");
    assert_string_equal(kv_get(&s->last, "Action"), "DescribeContainerLog");
    assert_string_equal(kv_get(&s->last, "Tail"), "5");
    eci_log_resp_free(&l);
    eci_log_req_free(&lr);

    s->default_body = "{\"RequestId\":\"X\",\"SyncResponse\":\"hi\\n\"}";
    eci_exec_req xr = {0};
    xr.container_group_id = xstrdup("eci-1");
    xr.container_name = xstrdup("c");
    eci_strv_add(&xr.command, "echo");
    eci_strv_add(&xr.command, "hi");
    xr.sync = ECI_BOOL(1);
    eci_exec_resp x;
    assert_int_equal(eci_exec_container_command(c, &xr, &x, &err), 0);
    assert_string_equal(x.sync_response, "hi\n");
    assert_string_equal(kv_get(&s->last, "Command"), "[\"echo\",\"hi\"]");
    eci_exec_resp_free(&x);
    eci_exec_req_free(&xr);

    /* a decode error names the field and keeps the action */
    s->default_body = "{\"RequestId\":\"X\",\"TotalCount\":{}}";
    eci_describe_cgs_req dr = {0};
    eci_describe_cgs_resp d;
    assert_int_equal(eci_describe_container_groups(c, &dr, &d, &err), -1);
    assert_int_equal(err.code, ECI_E_DECODE);
    assert_string_equal(err.action, "DescribeContainerGroups");
    assert_non_null(strstr(err.detail, "TotalCount"));
    eci_describe_cgs_resp_free(&d);

    eci_client_free(c);
    srv_stop(s);
}

static int count_groups(void *ud, const eci_container_group *g)
{
    (void)g;
    (*(int *)ud)++;
    return 0;
}

static void test_paging(void **state)
{
    (void)state;
    srv *s = srv_start();
    s->script_n = 2;
    s->script_status[0] = 200;
    s->script_body[0] = "{\"NextToken\":\"p2\",\"ContainerGroups\":[{\"ContainerGroupId\":\"a\"},{\"ContainerGroupId\":\"b\"}]}";
    s->script_status[1] = 200;
    s->script_body[1] = "{\"NextToken\":\"\",\"ContainerGroups\":[{\"ContainerGroupId\":\"c\"}]}";
    eci_client *c = mk_client(s, 0);
    eci_describe_cgs_req dr = {0};
    int count = 0;
    eci_error err;
    assert_int_equal(eci_describe_container_groups_all(c, &dr, 0, count_groups, &count, &err), 0);
    assert_int_equal(count, 3);
    assert_int_equal(s->n, 2);
    assert_string_equal(kv_get(&s->last, "NextToken"), "p2");
    /* a repeating token is an error, not a loop */
    s->script_n = 0;
    s->default_body = "{\"NextToken\":\"same\",\"ContainerGroups\":[]}";
    dr.next_token = "same";
    assert_int_equal(eci_describe_container_groups_all(c, &dr, 0, count_groups, &count, &err), -1);
    eci_client_free(c);
    srv_stop(s);
}

static void test_ratelimit(void **state)
{
    (void)state;
    /* one token in 1,000 s: nothing refills during the test */
    rl_limiter *rl = rl_new(0.001, 3);
    assert_true(rl_try_take(rl));
    assert_true(rl_try_take(rl));
    assert_true(rl_try_take(rl));
    assert_false(rl_try_take(rl));
    assert_int_equal(rl_wait(rl, 10), -1);
    rl_free(rl);
    rl = rl_new(20, 3);
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (int i = 0; i < 5; i++)
        assert_int_equal(rl_wait(rl, -1), 0);
    clock_gettime(CLOCK_MONOTONIC, &b);
    double el = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
    assert_true(el >= 0.099); /* 3 from the burst, 2 refilled at 20/s */
    long w = rl_reserve_ms(rl);
    assert_true(w >= 0 && w <= 60);
    rl_set_rate(rl, 0, 1);
    assert_true(rl_try_take(rl)); /* unlimited */
    assert_int_equal(rl_reserve_ms(rl), 0);
    rl_free(rl);
    rl_free(NULL);
    assert_true(rl_try_take(NULL));
}

static void test_endpoints(void **state)
{
    (void)state;
    char *u = eci_endpoint_url("cn-hangzhou", 0, NULL);
    assert_string_equal(u, "https://eci.cn-hangzhou.aliyuncs.com");
    free(u);
    u = eci_endpoint_url("cn-hangzhou", 1, NULL);
    assert_string_equal(u, "https://eci-vpc.cn-hangzhou.aliyuncs.com");
    free(u);
    u = eci_endpoint_url("eu-west-1", 1, "");
    assert_string_equal(u, "https://eci-vpc.eu-west-1.aliyuncs.com");
    free(u);
    assert_null(eci_endpoint_url("xx-nowhere-9", 1, NULL));
    u = eci_endpoint_url("cn-hangzhou", 1, "http://127.0.0.1:9/");
    assert_string_equal(u, "http://127.0.0.1:9");
    free(u);
    assert_int_equal(eci_vpc_region_count(), 21);
    for (size_t i = 0; i < eci_vpc_region_count(); i++) {
        char want[128];
        snprintf(want, sizeof want, "eci-vpc.%s.aliyuncs.com", eci_vpc_region_at(i));
        assert_string_equal(eci_vpc_endpoint_host(eci_vpc_region_at(i)), want);
    }
    eci_client_config cfg;
    eci_client_config_init(&cfg);
    cfg.region = "xx-nowhere-9";
    cfg.use_vpc_endpoint = 1;
    cfg.creds_config.access_key_id = "a";
    cfg.creds_config.access_key_secret = "b";
    eci_client *c = NULL;
    eci_error err;
    assert_int_equal(eci_client_new(&cfg, &c, &err), -1);
    assert_int_equal(err.code, ECI_E_INVALID_ARG);
    cfg.region = "cn-shanghai";
    assert_int_equal(eci_client_new(&cfg, &c, &err), 0);
    assert_string_equal(eci_client_endpoint(c), "https://eci-vpc.cn-shanghai.aliyuncs.com");
    eci_client_free(c);
    cfg.endpoint = "ftp://x";
    assert_int_equal(eci_client_new(&cfg, &c, &err), -1);
}

static void test_creds_env(void **state)
{
    (void)state;
    eci_creds *cr;
    eci_credential cd;
    eci_error err;
    unsetenv("ALIBABA_CLOUD_ACCESS_KEY_ID");
    unsetenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET");
    unsetenv("ALIBABA_CLOUD_SECURITY_TOKEN");
    unsetenv("ECI_ACCESS_KEY");
    unsetenv("ECI_SECRET_KEY");
    eci_creds_config cfg = {0};
    assert_int_equal(eci_creds_new(&cfg, &cr, &err), -1);
    assert_int_equal(err.code, ECI_E_CREDENTIALS);

    setenv("ECI_ACCESS_KEY", "goid", 1);
    setenv("ECI_SECRET_KEY", "gosecret", 1);
    assert_int_equal(eci_creds_new(&cfg, &cr, &err), 0);
    assert_string_equal(eci_creds_source(cr), "env-eci");
    assert_int_equal(eci_creds_get(cr, &cd, &err), 0);
    assert_string_equal(cd.access_key_id, "goid");
    assert_null(cd.security_token);
    eci_credential_clear(&cd);
    eci_creds_free(cr);

    setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "envid", 1);
    setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "envsecret", 1);
    setenv("ALIBABA_CLOUD_SECURITY_TOKEN", "envtok", 1);
    assert_int_equal(eci_creds_new(&cfg, &cr, &err), 0);
    assert_string_equal(eci_creds_source(cr), "env");
    assert_int_equal(eci_creds_get(cr, &cd, &err), 0);
    assert_string_equal(cd.access_key_id, "envid");
    assert_string_equal(cd.access_key_secret, "envsecret");
    assert_string_equal(cd.security_token, "envtok");
    eci_credential_clear(&cd);
    eci_creds_free(cr);

    cfg.access_key_id = "cfgid";
    cfg.access_key_secret = "cfgsecret";
    assert_int_equal(eci_creds_new(&cfg, &cr, &err), 0);
    assert_string_equal(eci_creds_source(cr), "config");
    eci_creds_free(cr);

    cfg.access_key_id = NULL;
    cfg.no_env = 1;
    assert_int_equal(eci_creds_new(&cfg, &cr, &err), -1);
    unsetenv("ALIBABA_CLOUD_ACCESS_KEY_ID");
    unsetenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET");
    unsetenv("ALIBABA_CLOUD_SECURITY_TOKEN");
    unsetenv("ECI_ACCESS_KEY");
    unsetenv("ECI_SECRET_KEY");
}

static void test_creds_metadata_refresh(void **state)
{
    (void)state;
    srv *m = srv_start();
    m->metadata = 1;
    m->meta_ttl_s = 3600;
    char base[64];
    snprintf(base, sizeof base, "http://127.0.0.1:%d", m->port);
    eci_creds_config cfg = {0};
    cfg.no_env = 1;
    cfg.use_metadata = 1; /* discover the role name */
    cfg.metadata_url = base;
    cfg.refresh_before_s = 60;
    eci_creds *cr;
    eci_error err;
    assert_int_equal(eci_creds_new(&cfg, &cr, &err), 0);
    assert_string_equal(eci_creds_source(cr), "ecs-ram-role");
    eci_credential cd;
    assert_int_equal(eci_creds_get(cr, &cd, &err), 0);
    assert_string_equal(cd.access_key_id, "STS.id1");
    assert_string_equal(cd.security_token, "tok1");
    eci_credential_clear(&cd);
    assert_int_equal(eci_creds_get(cr, &cd, &err), 0); /* cached: valid for an hour */
    assert_string_equal(cd.access_key_id, "STS.id1");
    eci_credential_clear(&cd);
    assert_int_equal(eci_creds_fetch_count(cr), 1);
    eci_creds_free(cr);

    /* metadata hardening mode: a session token is fetched and sent */
    m->meta_tokens = 1;
    assert_int_equal(eci_creds_new(&cfg, &cr, &err), 0);
    assert_int_equal(eci_creds_get(cr, &cd, &err), 0);
    assert_string_equal(cd.access_key_id, "STS.id2");
    eci_credential_clear(&cd);
    eci_creds_free(cr);
    m->meta_tokens = 0;

    /* expiring within the refresh window: refetched on every get */
    m->meta_ttl_s = 30;
    cfg.ram_role = "my-role";
    assert_int_equal(eci_creds_new(&cfg, &cr, &err), 0);
    assert_int_equal(eci_creds_get(cr, &cd, &err), 0);
    char first[32];
    snprintf(first, sizeof first, "%s", cd.access_key_id);
    eci_credential_clear(&cd);
    assert_int_equal(eci_creds_get(cr, &cd, &err), 0);
    assert_string_not_equal(cd.access_key_id, first);
    eci_credential_clear(&cd);
    assert_int_equal(eci_creds_fetch_count(cr), 2);

    /* a client signs with the STS secret and sends SecurityToken */
    srv *s = srv_start();
    eci_client_config ccfg;
    eci_client_config_init(&ccfg);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", s->port);
    ccfg.region = "cn-test";
    ccfg.endpoint = url;
    ccfg.creds = cr;
    eci_client *c;
    assert_int_equal(eci_client_new(&ccfg, &c, &err), 0);
    assert_int_equal(eci_call(c, "DescribeRegions", NULL, NULL, &err), 0);
    assert_int_equal(s->bad_sig, 0);
    assert_non_null(kv_get(&s->last, "SecurityToken"));
    assert_int_equal(strncmp(kv_get(&s->last, "SecurityToken"), "tok", 3), 0);
    eci_client_free(c);
    srv_stop(s);

    /* metadata unreachable: clear error */
    srv_stop(m);
    eci_creds_free(cr);
    assert_int_equal(eci_creds_new(&cfg, &cr, &err), 0);
    assert_int_equal(eci_creds_get(cr, &cd, &err), -1);
    assert_int_equal(err.code, ECI_E_CREDENTIALS);
    eci_creds_free(cr);
}


/* eci_api_calls_total counts NoStock as its own result; the latency
 * histogram reaches 60 s (the create-latency alert fires above 10 s). */
static void test_metrics_no_stock(void **state)
{
    (void)state;
    srv *s = srv_start();
    s->default_status = 403;
    s->default_body = "{\"RequestId\":\"R1\",\"Code\":\"OperationDenied.NoStock\",\"Message\":\"no stock\"}";
    prom_registry *reg = prom_registry_new();
    eci_client *c = mk_client_full(s, 0, ECI_SIGN_V3, reg);
    eci_error err;
    assert_int_equal(eci_call(c, "CreateContainerGroup", NULL, NULL, &err), -1);
    assert_int_equal(eci_error_classify(&err), ECI_CLASS_NO_STOCK);
    assert_int_equal(eci_error_http_status(&err), 503);
    dynbuf out;
    dynbuf_init(&out, 0);
    prom_render(reg, &out);
    const char *txt = dynbuf_str(&out);
    assert_non_null(strstr(txt, "eci_api_calls_total{action=\"CreateContainerGroup\",result=\"no-stock\"} 1"));
    assert_null(strstr(txt, "result=\"invalid\""));
    assert_non_null(strstr(txt, "eci_api_call_duration_seconds_bucket{action=\"CreateContainerGroup\",result=\"no-stock\",le=\"60\"} 1"));
    dynbuf_free(&out);
    eci_client_free(c);
    prom_registry_free(reg);
    srv_stop(s);
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* RRSA against the emulator's STS: the token file is re-read on every
 * exchange, the pair is refreshed before it expires, the ECI API accepts it. */
/* An emulator without a runtime, the account's AccessKey "ak"/"sk". */
static emu_options emu_account(const char *state_dir)
{
    emu_options o = {0};
    o.listen = "127.0.0.1:0";
    o.access_key_id = "ak";
    o.access_key_secret = "sk";
    o.no_runtime = 1;
    o.state_dir = state_dir;
    return o;
}

static void test_creds_rrsa(void **state)
{
    (void)state;
    char dir[] = "/tmp/eci-rrsa-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char want[300], have[300];
    snprintf(want, sizeof want, "%s/expected", dir);
    snprintf(have, sizeof have, "%s/token", dir);
    write_text(want, "oidc-token-A\n");
    write_text(have, "oidc-token-A\n");
    emu_options o = emu_account(dir);
    o.oidc_role_arn = "acs:ram::1234567890123456:role/eci";
    o.oidc_provider_arn = "acs:ram::1234567890123456:oidc-provider/ack-rrsa-c1";
    o.oidc_token_file = want;
    o.sts_lifetime_s = 30; /* inside the refresh window below: every get exchanges */
    char emsg[256];
    emu_server *es = emu_server_new(&o, emsg, sizeof emsg);
    assert_non_null(es);
    assert_int_equal(emu_server_start(es, emsg, sizeof emsg), 0);

    eci_creds_config cfg = {0};
    cfg.no_env = 1;
    cfg.role_arn = o.oidc_role_arn;
    cfg.oidc_provider_arn = o.oidc_provider_arn;
    cfg.oidc_token_file = have;
    cfg.sts_endpoint = emu_server_url(es);
    cfg.refresh_before_s = 60;
    eci_creds *cr;
    eci_error err;
    assert_int_equal(eci_creds_new(&cfg, &cr, &err), 0);
    assert_string_equal(eci_creds_source(cr), "rrsa");
    eci_credential cd;
    assert_int_equal(eci_creds_get(cr, &cd, &err), 0);
    assert_int_equal(strncmp(cd.access_key_id, "STS.", 4), 0);
    assert_non_null(cd.security_token);
    eci_credential_clear(&cd);
    assert_int_equal(eci_creds_fetch_count(cr), 1);

    /* the ECI API accepts the issued pair (signed, with its SecurityToken) */
    eci_client_config ccfg;
    eci_client_config_init(&ccfg);
    ccfg.region = "cn-hangzhou";
    ccfg.endpoint = emu_server_url(es);
    ccfg.creds = cr;
    eci_client *c;
    assert_int_equal(eci_client_new(&ccfg, &c, &err), 0);
    assert_int_equal(eci_call(c, "DescribeRegions", NULL, NULL, &err), 0);
    eci_client_free(c);

    /* the token rotates at the IdP first: the exchange fails, the pair that
     * is still valid keeps being used */
    unsigned before = eci_creds_fetch_count(cr);
    write_text(want, "oidc-token-B");
    assert_int_equal(eci_creds_get(cr, &cd, &err), 0);
    eci_credential_clear(&cd);
    assert_int_equal(eci_creds_fetch_count(cr), before);
    /* ... then in the file: the next exchange reads the new token */
    write_text(have, "oidc-token-B");
    assert_int_equal(eci_creds_get(cr, &cd, &err), 0);
    eci_credential_clear(&cd);
    assert_int_equal(eci_creds_fetch_count(cr), before + 1);
    eci_creds_free(cr);

    /* a role STS does not know: a clear error, no credential */
    cfg.role_arn = "acs:ram::1234567890123456:role/other";
    assert_int_equal(eci_creds_new(&cfg, &cr, &err), 0);
    assert_int_equal(eci_creds_get(cr, &cd, &err), -1);
    assert_int_equal(err.code, ECI_E_CREDENTIALS);
    assert_non_null(strstr(err.detail, "EntityNotExist.Role"));
    assert_null(strstr(err.detail, "oidc-token"));
    eci_creds_free(cr);

    /* two of the three settings are an error naming the missing one */
    cfg.oidc_token_file = NULL;
    assert_int_equal(eci_creds_new(&cfg, &cr, &err), -1);
    assert_non_null(strstr(err.detail, "token file"));

    emu_server_free(es);
    unlink(want);
    unlink(have);
    rmdir(dir);
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    dynbuf b;
    dynbuf_init(&b, 1 << 20);
    char tmp[4096];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
        dynbuf_add(&b, tmp, n);
    fclose(f);
    return dynbuf_take(&b, NULL);
}

static void test_tls_verification(void **state)
{
    (void)state;
    if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
        skip();
        return;
    }
    char dir[] = "/tmp/eci-tls-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 "
             "-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 -keyout %s/key.pem -out %s/cert.pem "
             ">/dev/null 2>&1",
             dir, dir);
    if (system(cmd) != 0) {
        skip();
        return;
    }
    char kp[256], cp[256];
    snprintf(kp, sizeof kp, "%s/key.pem", dir);
    snprintf(cp, sizeof cp, "%s/cert.pem", dir);
    char *key = read_file(kp), *cert = read_file(cp);
    srv *s = srv_start_tls(key, cert);
    char url[64];
    snprintf(url, sizeof url, "https://127.0.0.1:%d", s->port);
    eci_client_config cfg;
    eci_client_config_init(&cfg);
    cfg.region = "cn-test";
    cfg.endpoint = url;
    cfg.creds_config.access_key_id = "AKID";
    cfg.creds_config.access_key_secret = SECRET;
    cfg.creds_config.no_env = 1;
    cfg.max_retries = 3;
    cfg.backoff_base_ms = 1;
    eci_client *c;
    eci_error err;
    /* default: verification on, self-signed certificate refused, not retried */
    assert_int_equal(eci_client_new(&cfg, &c, &err), 0);
    assert_int_equal(eci_call(c, "DescribeRegions", NULL, NULL, &err), -1);
    assert_int_equal(err.code, ECI_E_TLS);
    assert_int_equal(err.attempts, 1);
    assert_int_equal(s->n, 0);
    eci_client_free(c);
    /* trusted through ca_file */
    cfg.ca_file = cp;
    assert_int_equal(eci_client_new(&cfg, &c, &err), 0);
    assert_int_equal(eci_call(c, "DescribeRegions", NULL, NULL, &err), 0);
    assert_string_equal(err.request_id, "TLS-1");
    eci_client_free(c);
    /* explicit insecure flag */
    cfg.ca_file = NULL;
    cfg.insecure_skip_tls_verify = 1;
    assert_int_equal(eci_client_new(&cfg, &c, &err), 0);
    assert_int_equal(eci_call(c, "DescribeRegions", NULL, NULL, &err), 0);
    eci_client_free(c);
    assert_int_equal(s->bad_sig, 0);
    srv_stop(s);
    free(key);
    free(cert);
    unlink(kp);
    unlink(cp);
    rmdir(dir);
}

typedef struct thr_arg {
    eci_client *c;
    int ok;
} thr_arg;

static void *thr_main(void *p)
{
    thr_arg *a = p;
    for (int i = 0; i < 25; i++) {
        eci_describe_status_req q = {0};
        eci_describe_status_resp r;
        eci_error err;
        if (eci_describe_container_group_status(a->c, &q, &r, &err) == 0)
            a->ok++;
        eci_describe_status_resp_free(&r);
    }
    return NULL;
}

/* A client of the emulator at url as the account's AccessKey "ak". */
static eci_client *mk_emu_client(const char *url, prom_registry *reg)
{
    eci_client_config cfg;
    eci_client_config_init(&cfg);
    cfg.region = "cn-hangzhou";
    cfg.endpoint = url;
    cfg.creds_config.access_key_id = "ak";
    cfg.creds_config.access_key_secret = "sk";
    cfg.creds_config.no_env = 1;
    cfg.max_retries = 0;
    cfg.qps = 0;
    cfg.metrics = reg;
    eci_client *c = NULL;
    eci_error err;
    assert_int_equal(eci_client_new(&cfg, &c, &err), 0);
    return c;
}

/* Two clients on one account against the emulator's account-wide quota: the
 * first call drains it (one call per 100 s), then each client's Throttling
 * halves its own rate, down to the floor and no lower; successes raise it
 * again, never past the published quota. */
static void test_aimd_shared_account(void **state)
{
    (void)state;
    char dir[] = "/tmp/eci-aimd-XXXXXX";
    assert_non_null(mkdtemp(dir));
    static const char *const qps[] = {"DescribeRegions:0.01"};
    emu_options o = emu_account(dir);
    o.qps = qps;
    o.nqps = 1;
    char emsg[256];
    emu_server *es = emu_server_new(&o, emsg, sizeof emsg);
    assert_non_null(es);
    assert_int_equal(emu_server_start(es, emsg, sizeof emsg), 0);
    prom_registry *reg = prom_registry_new();
    eci_client *a = mk_emu_client(emu_server_url(es), reg);
    eci_client *b = mk_emu_client(emu_server_url(es), NULL);
    int pm = 0;
    eci_action_quota("DescribeRegions", &pm, NULL);
    double ceiling = pm / 60.0, floor = ceiling / ECI_AIMD_FLOOR_DIV;
    assert_true(eci_client_action_rate(a, "DescribeRegions") == ceiling);
    assert_true(eci_client_action_rate(a, "NoSuchAction") == 0);

    eci_error err;
    assert_int_equal(eci_call(a, "DescribeRegions", NULL, NULL, &err), 0);
    /* the account's quota is spent: b, which never called, is throttled too */
    assert_int_equal(eci_call(b, "DescribeRegions", NULL, NULL, &err), -1);
    assert_int_equal(eci_error_classify(&err), ECI_CLASS_THROTTLED);
    assert_true(eci_client_action_rate(b, "DescribeRegions") == ceiling * ECI_AIMD_DECREASE);
    assert_true(eci_client_action_rate(a, "DescribeRegions") == ceiling);
    assert_int_equal(eci_call(a, "DescribeRegions", NULL, NULL, &err), -1);
    double r = eci_client_action_rate(a, "DescribeRegions");
    assert_true(r <= ceiling * ECI_AIMD_DECREASE && r >= floor);
    /* other operations keep their own rate */
    assert_true(eci_client_action_rate(a, "CreateContainerGroup") == 1000 / 60.0);
    dynbuf text;
    dynbuf_init(&text, 0);
    prom_render(reg, &text);
    assert_non_null(strstr(dynbuf_str(&text), "eci_api_rate_limit_per_second{action=\"DescribeRegions\"}"));
    assert_non_null(strstr(dynbuf_str(&text), "eci_api_rate_limit_per_second{action=\"CreateContainerGroup\"} 16.6"));
    dynbuf_free(&text);

    /* Throttling after Throttling, each call paced after the decrease before
     * it: a decrease each, down to the floor, no lower */
    int cuts = 0;
    while (eci_client_action_rate(a, "DescribeRegions") > floor) {
        double before = eci_client_action_rate(a, "DescribeRegions");
        assert_int_equal(eci_call(a, "DescribeRegions", NULL, NULL, &err), -1);
        assert_true(eci_client_action_rate(a, "DescribeRegions") < before);
        assert_true(++cuts < 20);
    }
    assert_int_equal(eci_call(a, "DescribeRegions", NULL, NULL, &err), -1);
    assert_true(eci_client_action_rate(a, "DescribeRegions") == floor);

    /* the quota refills (a fresh emulator on the same client is the simplest
     * way to get one here): each success raises the rate, not past the quota */
    eci_client_free(b);
    b = NULL;
    emu_server_free(es);
    o.qps = NULL;
    o.nqps = 0;
    es = emu_server_new(&o, emsg, sizeof emsg);
    assert_non_null(es);
    assert_int_equal(emu_server_start(es, emsg, sizeof emsg), 0);
    eci_client_free(a);
    a = mk_emu_client(emu_server_url(es), NULL);
    b = mk_emu_client(emu_server_url(es), NULL);
    /* b: one Throttling from the fault hook, then the emulator's successes */
    fault_state fs = {.fail_at = 1, .throttle = 1};
    eci_client_set_fault_hook(b, fault, &fs);
    assert_int_equal(eci_call(b, "DescribeRegions", NULL, NULL, &err), -1);
    eci_client_set_fault_hook(b, NULL, NULL);
    double low = eci_client_action_rate(b, "DescribeRegions");
    assert_true(low == ceiling * ECI_AIMD_DECREASE);
    clock_sleep_ms(50);
    assert_int_equal(eci_call(b, "DescribeRegions", NULL, NULL, &err), 0);
    double up = eci_client_action_rate(b, "DescribeRegions");
    assert_true(up > low && up <= ceiling);
    assert_int_equal(eci_call(a, "DescribeRegions", NULL, NULL, &err), 0);
    assert_true(eci_client_action_rate(a, "DescribeRegions") == ceiling);
    eci_client_free(a);
    eci_client_free(b);
    prom_registry_free(reg);
    emu_server_free(es);
    rmdir(dir);
}

/* The fault hook of the call "outer": before its own (throttled) answer, a
 * call made after it took its turn is throttled and cuts the rate. */
typedef struct inflight_state {
    eci_client *c;
    int depth;
    double rate_after_inner;
} inflight_state;

static int inflight_hook(void *ud, const char *action, unsigned long no, eci_error *err)
{
    inflight_state *st = ud;
    (void)no;
    if (st->depth++ == 0) {
        eci_error inner;
        assert_int_equal(eci_call(st->c, action, NULL, NULL, &inner), -1);
        assert_int_equal(eci_error_classify(&inner), ECI_CLASS_THROTTLED);
        st->rate_after_inner = eci_client_action_rate(st->c, action);
    }
    eci_error_set_api(err, 400, "Throttling", "injected", "FAKE");
    return 1;
}

/* A decrease acts on the Throttling answers of calls paced before it: the
 * answer to a call that was already under way when the rate was cut does not
 * cut it again; the answer to the next call, paced at the cut rate, does. */
static void test_aimd_one_cut_per_round(void **state)
{
    (void)state;
    srv *s = srv_start();
    eci_client *c = mk_client(s, 0);
    int pm = 0;
    eci_action_quota("DescribeRegions", &pm, NULL);
    double ceiling = pm / 60.0;
    inflight_state st = {c, 0, 0};
    eci_client_set_fault_hook(c, inflight_hook, &st);
    eci_error err;
    assert_int_equal(eci_call(c, "DescribeRegions", NULL, NULL, &err), -1);
    assert_int_equal(st.depth, 2);
    assert_true(st.rate_after_inner == ceiling * ECI_AIMD_DECREASE);
    assert_true(eci_client_action_rate(c, "DescribeRegions") == ceiling * ECI_AIMD_DECREASE);
    assert_int_equal(eci_call(c, "DescribeRegions", NULL, NULL, &err), -1);
    assert_true(eci_client_action_rate(c, "DescribeRegions") == ceiling * ECI_AIMD_DECREASE * ECI_AIMD_DECREASE);
    eci_client_free(c);
    srv_stop(s);
}

/* A decrease drops the burst saved up: the account's bucket is empty, so the
 * next call waits for the cut rate's next token instead of going at once.
 * CreateImageCache (200 per 60 s) halved is 1 call per 0.6 s; its burst,
 * halved too, would have let the next calls go at once. A throttled call is
 * retried after its backoff and paced like the others. */
static void test_aimd_cut_drops_the_burst(void **state)
{
    (void)state;
    srv *s = srv_start();
    eci_client *c = mk_client(s, 0);
    int pm = 0;
    eci_action_quota("CreateImageCache", &pm, NULL);
    fault_state fs = {.fail_at = 1, .throttle = 1};
    eci_client_set_fault_hook(c, fault, &fs);
    eci_error err;
    assert_int_equal(eci_call(c, "CreateImageCache", NULL, NULL, &err), -1);
    double rate = eci_client_action_rate(c, "CreateImageCache");
    assert_true(rate == pm / 60.0 * ECI_AIMD_DECREASE);
    double t0 = clock_mono_s();
    assert_int_equal(eci_call(c, "CreateImageCache", NULL, NULL, &err), 0);
    assert_true(clock_mono_s() - t0 >= 0.9 / rate);
    eci_client_free(c);
    /* the retry: throttled once, answered on the second attempt */
    c = mk_client(s, 2);
    fault_state fr = {.fail_at = 1, .throttle = 1};
    eci_client_set_fault_hook(c, fault, &fr);
    assert_int_equal(eci_call(c, "CreateImageCache", NULL, NULL, &err), 0);
    assert_int_equal(err.attempts, 2);
    eci_client_free(c);
    srv_stop(s);
}

static void test_concurrent_calls(void **state)
{
    (void)state;
    srv *s = srv_start();
    s->default_body = "{\"RequestId\":\"C\",\"Data\":[{\"ContainerGroupId\":\"eci-1\",\"Status\":\"Running\"}]}";
    eci_client_config cfg;
    eci_client_config_init(&cfg);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", s->port);
    cfg.region = "cn-test";
    cfg.endpoint = url;
    cfg.creds_config.access_key_id = "AKID";
    cfg.creds_config.access_key_secret = SECRET;
    cfg.creds_config.no_env = 1;
    cfg.qps = 400;
    cfg.burst = 10;
    cfg.pool_size = 2; /* fewer idle handles than threads */
    eci_client *c;
    eci_error err;
    assert_int_equal(eci_client_new(&cfg, &c, &err), 0);
    pthread_t th[6];
    thr_arg args[6];
    for (int i = 0; i < 6; i++) {
        args[i].c = c;
        args[i].ok = 0;
        pthread_create(&th[i], NULL, thr_main, &args[i]);
    }
    int total = 0;
    for (int i = 0; i < 6; i++) {
        pthread_join(th[i], NULL);
        total += args[i].ok;
    }
    assert_int_equal(total, 150);
    assert_int_equal(s->n, 150);
    assert_int_equal(s->bad_sig, 0);
    assert_int_equal(eci_client_stat_count(c, "DescribeContainerGroupStatus", "ok"), 150);
    /* 10 burst + 140 at 400/s: at least ~0.3 s */
    eci_client_free(c);
    srv_stop(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_signed_v3), cmocka_unit_test(test_signed_common_params_v2),
        cmocka_unit_test(test_retry_throttling_then_success),
        cmocka_unit_test(test_non_retriable_and_bounded),
        cmocka_unit_test(test_no_secret_in_errors),
        cmocka_unit_test(test_timeout_and_cap),
        cmocka_unit_test(test_retry_after),
        cmocka_unit_test(test_fault_hook),
        cmocka_unit_test(test_ops_roundtrip),
        cmocka_unit_test(test_paging),
        cmocka_unit_test(test_ratelimit),
        cmocka_unit_test(test_endpoints),
        cmocka_unit_test(test_creds_env),
        cmocka_unit_test(test_creds_metadata_refresh),
        cmocka_unit_test(test_creds_rrsa),
        cmocka_unit_test(test_metrics_no_stock),
        cmocka_unit_test(test_tls_verification),
        cmocka_unit_test(test_concurrent_calls),
        cmocka_unit_test(test_aimd_shared_account),
        cmocka_unit_test(test_aimd_one_cut_per_round),
        cmocka_unit_test(test_aimd_cut_drops_the_burst),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
