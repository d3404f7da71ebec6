/* k8s/client.c, k8s/error.c, the k8s/watch.c runner, k8s/events.c and k8s/lease.c: paths,
 * Status decoding, the error table, and the REST client against a scripted
 * local HTTP server (retries, conflicts, caps, streams, resume). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "k8s/client.h"
#include "k8s/error.h"
#include "k8s/events.h"
#include "k8s/lease.h"
#include "k8s/watch.h"
#include "util/dynbuf.h"
#include "util/prom.h"
#include "util/deadline.h"
#include "util/xmalloc.h"

/* ---- pure parts ---- */

static void test_paths(void **state)
{
    (void)state;
    char *p = k8s_path(&K8S_RES_PODS, "ns1", "web-0", "status");
    assert_string_equal(p, "/api/v1/namespaces/ns1/pods/web-0/status");
    free(p);
    p = k8s_path(&K8S_RES_PODS, NULL, NULL, NULL);
    assert_string_equal(p, "/api/v1/pods");
    free(p);
    p = k8s_path(&K8S_RES_NODES, "ignored", "n1", NULL);
    assert_string_equal(p, "/api/v1/nodes/n1");
    free(p);
    p = k8s_path(&K8S_RES_LEASES, "kube-node-lease", "vk", NULL);
    assert_string_equal(p, "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/vk");
    free(p);
    p = k8s_path(&K8S_RES_SUBJECTACCESSREVIEWS, NULL, NULL, NULL);
    assert_string_equal(p, "/apis/authorization.k8s.io/v1/subjectaccessreviews");
    free(p);
    p = k8s_path(&K8S_RES_CONFIGMAPS, "a b", "x/y?z#%", NULL);
    assert_string_equal(p, "/api/v1/namespaces/a%20b/configmaps/x%2Fy%3Fz%23%25");
    free(p);
    p = k8s_path(&K8S_RES_SERVICEACCOUNTS, "ns", "sa", "token");
    assert_string_equal(p, "/api/v1/namespaces/ns/serviceaccounts/sa/token");
    free(p);
    p = k8s_path(&K8S_RES_PODS, "ns", "p", "proxy/a b");
    assert_string_equal(p, "/api/v1/namespaces/ns/pods/p/proxy/a%20b");
    free(p);
    assert_null(k8s_path(&K8S_RES_PODS, "ns", "..", NULL));
    assert_null(k8s_path(&K8S_RES_PODS, "ns", ".", NULL));
    assert_null(k8s_path(&K8S_RES_PODS, "ns", "", NULL));
    assert_null(k8s_path(&K8S_RES_PODS, "", "a", NULL));
    assert_null(k8s_path(&K8S_RES_PODS, "ns", NULL, "status"));
    assert_null(k8s_path(&K8S_RES_PODS, "ns", "p", "x/../y"));
    assert_null(k8s_path(NULL, "ns", "p", NULL));

    kv_list q = KV_LIST_INIT;
    kv_add(&q, "fieldSelector", "spec.nodeName=vk 1");
    kv_add(&q, "labelSelector", "app in (a,b),tier!=x");
    char *u = k8s_url_with_query("/api/v1/pods", &q);
    assert_string_equal(u, "/api/v1/pods?fieldSelector=spec.nodeName%3Dvk%201"
                           "&labelSelector=app%20in%20%28a%2Cb%29%2Ctier%21%3Dx");
    free(u);
    kv_free(&q);
    u = k8s_url_with_query("/x", NULL);
    assert_string_equal(u, "/x");
    free(u);
}

static void test_errors(void **state)
{
    (void)state;
    assert_string_equal(k8s_errname(K8S_E_NOT_FOUND), "NotFound");
    assert_string_equal(k8s_errname(K8S_E_OK), "OK");
    assert_string_equal(k8s_errname((k8s_code)999), "Unknown");
    assert_string_equal(k8s_strerror(K8S_E_CONFLICT), "conflict");
    for (int c = 0; c < K8S_E__COUNT; c++) {
        assert_non_null(k8s_errname((k8s_code)c));
        assert_non_null(k8s_strerror((k8s_code)c));
    }
    assert_true(k8s_code_transient(K8S_E_UNAVAILABLE));
    assert_true(k8s_code_transient(K8S_E_TRANSPORT));
    assert_true(k8s_code_transient(K8S_E_TOO_MANY_REQUESTS));
    assert_false(k8s_code_transient(K8S_E_NOT_FOUND));
    assert_false(k8s_code_transient(K8S_E_CONFLICT));
    assert_false(k8s_code_transient(K8S_E_INVALID));
    assert_int_equal(k8s_code_from_http(404, NULL), K8S_E_NOT_FOUND);
    assert_int_equal(k8s_code_from_http(409, "AlreadyExists"), K8S_E_ALREADY_EXISTS);
    assert_int_equal(k8s_code_from_http(410, "Expired"), K8S_E_GONE);
    assert_int_equal(k8s_code_from_http(422, "Invalid"), K8S_E_INVALID);
    assert_int_equal(k8s_code_from_http(502, NULL), K8S_E_INTERNAL);
    assert_int_equal(k8s_code_from_http(418, NULL), K8S_E_UNKNOWN);
    assert_int_equal(k8s_code_from_http(403, "Throttled"), K8S_E_FORBIDDEN); /* client-side names are not API reasons */

    k8s_error e;
    k8s_error_clear(&e);
    snprintf(e.verb, sizeof e.verb, "GET");
    snprintf(e.path, sizeof e.path, "/api/v1/namespaces/d/pods/x");
    const char *st = "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\","
                     "\"message\":\"pods \\\"x\\\" not found\",\"reason\":\"NotFound\","
                     "\"details\":{\"name\":\"x\",\"kind\":\"pods\"},\"code\":404}";
    assert_int_equal(k8s_error_from_response(&e, 404, st, strlen(st)), -1);
    assert_int_equal(e.code, K8S_E_NOT_FOUND);
    assert_int_equal(e.http_status, 404);
    assert_string_equal(e.reason, "NotFound");
    assert_string_equal(e.message, "pods \"x\" not found");
    char buf[600];
    assert_string_equal(k8s_error_format(&e, buf, sizeof buf),
                        "GET /api/v1/namespaces/d/pods/x: 404 NotFound: pods \"x\" not found");
    /* an ERROR watch event carries a Status without an HTTP status */
    const char *gone = "{\"kind\":\"Status\",\"code\":410,\"reason\":\"Expired\",\"message\":\"too old\"}";
    k8s_error_clear(&e);
    k8s_error_from_response(&e, 0, gone, strlen(gone));
    assert_int_equal(e.code, K8S_E_GONE);
    assert_int_equal(e.http_status, 410);
    assert_string_equal(e.reason, "Expired");
    /* not JSON: a printable prefix */
    k8s_error_clear(&e);
    k8s_error_from_response(&e, 502, "<html>\001bad gateway</html>", 25);
    assert_int_equal(e.code, K8S_E_INTERNAL);
    assert_string_equal(e.message, "<html> bad gateway</html>");
    k8s_error_clear(&e);
    k8s_error_from_response(&e, 503, NULL, 0);
    assert_int_equal(e.code, K8S_E_UNAVAILABLE);
    assert_string_equal(e.message, "service unavailable");
    assert_string_equal(k8s_error_format(&e, buf, sizeof buf), "503 ServiceUnavailable: service unavailable");
    assert_int_equal(k8s_error_set(&e, K8S_E_CONFIG, "x %d", 1), -1);
    assert_string_equal(e.message, "x 1");
    assert_string_equal(e.reason, "ConfigError");
    assert_int_equal(k8s_error_set(NULL, K8S_E_CONFIG, NULL), -1);
    k8s_error_clear(NULL);
}

static void test_helpers(void **state)
{
    (void)state;
    cJSON *o = cJSON_Parse("{\"metadata\":{\"namespace\":\"n\",\"name\":\"a\"}}");
    char *k = k8s_object_key(o);
    assert_string_equal(k, "n/a");
    free(k);
    cJSON_Delete(o);
    o = cJSON_Parse("{\"metadata\":{\"name\":\"node\"}}");
    k = k8s_object_key(o);
    assert_string_equal(k, "node");
    free(k);
    cJSON_Delete(o);
    o = cJSON_Parse("{\"metadata\":{}}");
    assert_null(k8s_object_key(o));
    assert_null(k8s_meta_str(o, "name"));
    cJSON_Delete(o);
}

/* ---- scripted server ---- */

typedef struct reply {
    int status;
    const char *body;
    const char *retry_after;
} reply;

typedef struct mock {
    struct MHD_Daemon *d;
    int port;
    pthread_mutex_t mu;
    reply script[16];
    int nscript, next;
    char log[32][512]; /* "METHOD url?query body" */
    int nlog;
    /* hold: answer nothing until released (or 60 s passed); held counts the
     * requests being held now. */
    int hold, held;
    pthread_cond_t cv;
} mock;

typedef struct conn_ctx {
    dynbuf body;
} conn_ctx;

static enum MHD_Result add_arg(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    (void)kind;
    dynbuf *b = cls;
    dynbuf_printf(b, "%c%s=%s", b->len && strchr(b->buf, '?') ? '&' : '?', key, value ? value : "");
    return MHD_YES;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                               const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
    (void)version;
    mock *m = cls;
    conn_ctx *cc = *con_cls;
    if (!cc) {
        cc = xcalloc(1, sizeof *cc);
        dynbuf_init(&cc->body, 1 << 20);
        *con_cls = cc;
        return MHD_YES;
    }
    if (*upload_size) {
        dynbuf_add(&cc->body, upload, *upload_size);
        *upload_size = 0;
        return MHD_YES;
    }
    dynbuf line;
    dynbuf_init(&line, 0);
    dynbuf_printf(&line, "%s %s", method, url);
    dynbuf q;
    dynbuf_init(&q, 0);
    dynbuf_adds(&q, "");
    MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, add_arg, &q);
    dynbuf_adds(&line, dynbuf_str(&q));
    if (cc->body.len)
        dynbuf_printf(&line, " %s", dynbuf_str(&cc->body));
    pthread_mutex_lock(&m->mu);
    if (m->nlog < 32)
        snprintf(m->log[m->nlog++], 512, "%s", dynbuf_str(&line));
    reply r = m->next < m->nscript ? m->script[m->next++] : (reply){ 500, "{}", NULL };
    if (m->hold) {
        struct timespec until;
        deadline_after_ms(&until, CLOCK_MONOTONIC, 60000);
        m->held++;
        pthread_cond_broadcast(&m->cv);
        while (m->hold && pthread_cond_timedwait(&m->cv, &m->mu, &until) == 0)
            ;
        m->held--;
    }
    pthread_mutex_unlock(&m->mu);
    dynbuf_free(&line);
    dynbuf_free(&q);
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(strlen(r.body), (void *)r.body, MHD_RESPMEM_MUST_COPY);
    MHD_add_response_header(resp, "Content-Type", "application/json");
    if (r.retry_after)
        MHD_add_response_header(resp, "Retry-After", r.retry_after);
    enum MHD_Result ret = MHD_queue_response(c, (unsigned)r.status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode t)
{
    (void)cls; (void)c; (void)t;
    conn_ctx *cc = *con_cls;
    if (cc) {
        dynbuf_free(&cc->body);
        free(cc);
    }
    *con_cls = NULL;
}

static mock *mock_start(void)
{
    mock *m = xcalloc(1, sizeof *m);
    pthread_mutex_init(&m->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&m->cv, &ca);
    pthread_condattr_destroy(&ca);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    m->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION, 0, NULL, NULL,
                            handler, m, MHD_OPTION_SOCK_ADDR, &sa, MHD_OPTION_NOTIFY_COMPLETED, completed, m,
                            MHD_OPTION_END);
    assert_non_null(m->d);
    m->port = MHD_get_daemon_info(m->d, MHD_DAEMON_INFO_BIND_PORT)->port;
    return m;
}

static void mock_script(mock *m, int n, const reply *r)
{
    pthread_mutex_lock(&m->mu);
    for (int i = 0; i < n; i++)
        m->script[i] = r[i];
    m->nscript = n;
    m->next = 0;
    m->nlog = 0;
    pthread_mutex_unlock(&m->mu);
}

static void mock_stop(mock *m)
{
    MHD_stop_daemon(m->d);
    pthread_cond_destroy(&m->cv);
    pthread_mutex_destroy(&m->mu);
    free(m);
}

static k8s_client *client_for(mock *m, size_t cap)
{
    char *url = xasprintf("http://127.0.0.1:%d", m->port);
    k8s_config *cfg = k8s_config_new(url);
    free(url);
    k8s_config_set_token(cfg, "sekret");
    k8s_client_opts o = { .qps = -1, .retry_base_ms = 5, .max_response_bytes = cap };
    k8s_client *c;
    k8s_error e;
    assert_int_equal(k8s_client_new(cfg, &o, &c, &e), 0);
    return c;
}

static const char CM[] = "{\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"a\",\"namespace\":\"n\","
                         "\"resourceVersion\":\"1\"},\"data\":{}}";
static const char CM2[] = "{\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"a\",\"namespace\":\"n\","
                          "\"resourceVersion\":\"2\"},\"data\":{}}";
static const char CONFLICT[] = "{\"kind\":\"Status\",\"code\":409,\"reason\":\"Conflict\",\"message\":\"changed\"}";

static void test_retries(void **state)
{
    mock *m = *state;
    k8s_client *c = client_for(m, 0);
    k8s_error e;
    cJSON *o;
    reply r1[] = { { 503, "{}", NULL }, { 503, "{}", NULL }, { 200, CM, NULL } };
    mock_script(m, 3, r1);
    assert_int_equal(k8s_get(c, &K8S_RES_CONFIGMAPS, "n", "a", &o, &e), 0);
    assert_string_equal(k8s_meta_str(o, "name"), "a");
    cJSON_Delete(o);
    assert_int_equal(m->nlog, 3);
    assert_string_equal(m->log[0], "GET /api/v1/namespaces/n/configmaps/a");
    /* POST is not retried on 5xx */
    reply r2[] = { { 500, "{\"kind\":\"Status\",\"code\":500,\"reason\":\"InternalError\",\"message\":\"boom\"}", NULL },
                   { 201, CM, NULL } };
    mock_script(m, 2, r2);
    cJSON *body = cJSON_Parse(CM);
    assert_int_equal(k8s_create(c, &K8S_RES_CONFIGMAPS, "n", body, NULL, &e), -1);
    assert_int_equal(e.code, K8S_E_INTERNAL);
    assert_string_equal(e.message, "boom");
    assert_string_equal(e.verb, "POST");
    assert_int_equal(m->nlog, 1);
    /* but 429 is, for every verb */
    reply r3[] = { { 429, "{}", NULL }, { 201, CM, NULL } };
    mock_script(m, 2, r3);
    assert_int_equal(k8s_create(c, &K8S_RES_CONFIGMAPS, "n", body, NULL, &e), 0);
    assert_int_equal(m->nlog, 2);
    assert_non_null(strstr(m->log[0], "POST /api/v1/namespaces/n/configmaps {"));
    /* retries are bounded */
    reply r4[] = { { 503, "{}", NULL }, { 503, "{}", NULL }, { 503, "{}", NULL },
                   { 503, "{}", NULL }, { 503, "{}", NULL }, { 503, "{}", NULL } };
    mock_script(m, 6, r4);
    assert_int_equal(k8s_get(c, &K8S_RES_CONFIGMAPS, "n", "a", &o, &e), -1);
    assert_int_equal(e.code, K8S_E_UNAVAILABLE);
    assert_int_equal(m->nlog, 5); /* 1 + max_retries (4) */
    cJSON_Delete(body);
    k8s_request_stat st[16];
    size_t n = k8s_client_stats(c, st, 16);
    int found = 0;
    for (size_t i = 0; i < n; i++)
        if (!strcmp(st[i].verb, "get") && !strcmp(st[i].resource, "configmaps")) {
            assert_int_equal(st[i].count, 2);
            assert_int_equal(st[i].errors, 1);
            assert_int_equal(st[i].retries, 6);
            found = 1;
        }
    assert_true(found);
    assert_int_equal(k8s_client_request_total(c), 3 + 1 + 2 + 5);
    k8s_client_free(c);
}

static int mut_calls;
static int mutate(cJSON *obj, void *arg)
{
    (void)arg;
    mut_calls++;
    cJSON_AddStringToObject(cJSON_GetObjectItem(obj, "data"), "k", "v");
    return 0;
}

static void test_update_retry(void **state)
{
    mock *m = *state;
    k8s_client *c = client_for(m, 0);
    k8s_error e;
    reply r[] = { { 200, CM, NULL }, { 409, CONFLICT, NULL }, { 200, CM2, NULL }, { 200, CM2, NULL } };
    mock_script(m, 4, r);
    mut_calls = 0;
    cJSON *out;
    assert_int_equal(k8s_update_retry(c, &K8S_RES_CONFIGMAPS, "n", "a", NULL, 0, mutate, NULL, &out, &e), 0);
    assert_int_equal(mut_calls, 2);
    assert_int_equal(m->nlog, 4);
    assert_non_null(strstr(m->log[1], "PUT /api/v1/namespaces/n/configmaps/a {"));
    assert_non_null(strstr(m->log[1], "\"resourceVersion\":\"1\""));
    assert_non_null(strstr(m->log[3], "\"resourceVersion\":\"2\""));
    assert_non_null(strstr(m->log[3], "\"k\":\"v\""));
    cJSON_Delete(out);
    /* the same without an error value */
    mock_script(m, 4, r);
    assert_int_equal(k8s_update_retry(c, &K8S_RES_CONFIGMAPS, "n", "a", NULL, 0, mutate, NULL, NULL, NULL), 0);
    assert_int_equal(m->nlog, 4);
    /* gives up after max_tries conflicts */
    reply r2[] = { { 200, CM, NULL }, { 409, CONFLICT, NULL }, { 200, CM, NULL }, { 409, CONFLICT, NULL } };
    mock_script(m, 4, r2);
    assert_int_equal(k8s_update_retry(c, &K8S_RES_CONFIGMAPS, "n", "a", "status", 2, mutate, NULL, NULL, &e), -1);
    assert_int_equal(e.code, K8S_E_CONFLICT);
    assert_non_null(strstr(m->log[1], "PUT /api/v1/namespaces/n/configmaps/a/status"));
    k8s_client_free(c);
}

static void test_verbs_on_the_wire(void **state)
{
    mock *m = *state;
    k8s_client *c = client_for(m, 0);
    k8s_error e;
    reply ok[] = { { 200, CM, NULL }, { 200, CM, NULL }, { 200, CM, NULL }, { 200, CM, NULL } };
    mock_script(m, 4, ok);
    cJSON *patch = cJSON_Parse("{\"data\":{\"x\":\"1\"}}");
    assert_int_equal(k8s_patch(c, &K8S_RES_CONFIGMAPS, "n", "a", NULL, K8S_PATCH_STRATEGIC, patch, NULL, &e), 0);
    cJSON_Delete(patch);
    k8s_delete_opts d = { .precondition_uid = "u1", .precondition_resource_version = "7",
                          .grace_period_seconds = 0, .propagation_policy = "Foreground" };
    assert_int_equal(k8s_delete(c, &K8S_RES_PODS, "n", "p", &d, NULL, &e), 0);
    k8s_list_opts lo = { .label_selector = "a=b", .field_selector = "spec.nodeName=vk", .limit = 5,
                         .continue_token = "tok", .resource_version = "0" };
    cJSON *l;
    assert_int_equal(k8s_list(c, &K8S_RES_PODS, NULL, &lo, &l, &e), 0); /* items missing: becomes [] */
    assert_true(cJSON_IsArray(cJSON_GetObjectItem(l, "items")));
    cJSON_Delete(l);
    assert_int_equal(m->nlog, 3);
    assert_string_equal(m->log[0], "PATCH /api/v1/namespaces/n/configmaps/a {\"data\":{\"x\":\"1\"}}");
    assert_non_null(strstr(m->log[1], "DELETE /api/v1/namespaces/n/pods/p {"));
    assert_non_null(strstr(m->log[1], "\"gracePeriodSeconds\":0"));
    assert_non_null(strstr(m->log[1], "\"propagationPolicy\":\"Foreground\""));
    assert_non_null(strstr(m->log[1], "\"preconditions\":{\"uid\":\"u1\",\"resourceVersion\":\"7\"}"));
    assert_non_null(strstr(m->log[2], "GET /api/v1/pods?"));
    assert_non_null(strstr(m->log[2], "fieldSelector=spec.nodeName=vk"));
    assert_non_null(strstr(m->log[2], "limit=5"));
    assert_non_null(strstr(m->log[2], "continue=tok"));
    /* invalid names never reach the wire */
    assert_int_equal(k8s_get(c, &K8S_RES_PODS, "n", "..", &l, &e), -1);
    assert_int_equal(e.code, K8S_E_INVALID_ARG);
    cJSON *noname = cJSON_Parse("{\"metadata\":{}}");
    assert_int_equal(k8s_update(c, &K8S_RES_PODS, "n", NULL, noname, NULL, &e), -1);
    cJSON_Delete(noname);
    /* list_all follows continue tokens */
    reply pages[] = {
        { 200, "{\"metadata\":{\"resourceVersion\":\"9\",\"continue\":\"c1\"},\"items\":[{\"metadata\":{\"name\":\"a\"}}]}", NULL },
        { 200, "{\"metadata\":{\"continue\":\"c2\"},\"items\":[{\"metadata\":{\"name\":\"b\"}}]}", NULL },
        { 200, "{\"metadata\":{},\"items\":[{\"metadata\":{\"name\":\"c\"}}]}", NULL },
    };
    mock_script(m, 3, pages);
    assert_int_equal(k8s_list_all(c, &K8S_RES_PODS, "n", NULL, &l, &e), 0);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(l, "items")), 3);
    assert_string_equal(k8s_meta_str(l, "resourceVersion"), "9");
    assert_null(k8s_meta_str(l, "continue"));
    cJSON_Delete(l);
    assert_non_null(strstr(m->log[1], "continue=c1"));
    assert_non_null(strstr(m->log[2], "continue=c2"));
    /* raw request returns the body also on errors */
    reply teapot[] = { { 418, "short and stout", NULL } };
    mock_script(m, 1, teapot);
    int st;
    char *body;
    size_t blen;
    assert_int_equal(k8s_request(c, "POST", "/x", NULL, "text/plain", "hi", 2, &st, &body, &blen, &e), -1);
    assert_int_equal(st, 418);
    assert_string_equal(body, "short and stout");
    assert_string_equal(e.message, "short and stout");
    free(body);
    /* non-JSON 200 */
    reply junk[] = { { 200, "not json", NULL } };
    mock_script(m, 1, junk);
    assert_int_equal(k8s_get(c, &K8S_RES_PODS, "n", "p", &l, &e), -1);
    assert_int_equal(e.code, K8S_E_DECODE);
    k8s_client_free(c);
}

static void test_cap_and_transport(void **state)
{
    mock *m = *state;
    k8s_client *c = client_for(m, 64);
    k8s_error e;
    cJSON *o;
    static char big[1000];
    memset(big, ' ', sizeof big - 1);
    big[0] = '{';
    big[sizeof big - 2] = '}';
    reply r[] = { { 200, big, NULL } };
    mock_script(m, 1, r);
    assert_int_equal(k8s_get(c, &K8S_RES_PODS, "n", "p", &o, &e), -1);
    assert_int_equal(e.code, K8S_E_TOO_LARGE);
    k8s_client_free(c);
    /* nobody listening */
    k8s_config *cfg = k8s_config_new("http://127.0.0.1:1");
    k8s_client_opts opts = { .qps = -1, .retry_base_ms = 1, .max_retries = 2 };
    assert_int_equal(k8s_client_new(cfg, &opts, &c, &e), 0);
    assert_int_equal(k8s_get(c, &K8S_RES_PODS, "n", "p", &o, &e), -1);
    assert_int_equal(e.code, K8S_E_TRANSPORT);
    assert_int_equal(k8s_client_request_total(c), 3);
    k8s_client_free(c);
    assert_int_equal(k8s_client_new(NULL, NULL, &c, &e), -1);
    assert_int_equal(e.code, K8S_E_INVALID_ARG);
    k8s_client_free(NULL);
}


static int fault_fn(void *ud, const char *verb, const char *path, unsigned long no, k8s_error *err)
{
    (void)path;
    int *mode = ud;
    if (*mode == 1 && no <= 2 && !strcmp(verb, "get")) {
        err->code = K8S_E_UNAVAILABLE;
        err->http_status = 503;
        snprintf(err->message, sizeof err->message, "injected 503");
        return 1;
    }
    return *mode == 2;
}

static void test_fault_hook_and_metrics(void **state)
{
    mock *m = *state;
    char *url = xasprintf("http://127.0.0.1:%d", m->port);
    k8s_config *cfg = k8s_config_new(url);
    free(url);
    prom_registry *reg = prom_registry_new();
    k8s_client_opts o = { .qps = -1, .retry_base_ms = 1, .metrics = reg };
    k8s_client *c;
    k8s_error e;
    assert_int_equal(k8s_client_new(cfg, &o, &c, &e), 0);
    int mode = 1;
    k8s_client_set_fault_hook(c, fault_fn, &mode);
    reply r[] = { { 200, CM, NULL } };
    mock_script(m, 1, r);
    cJSON *obj;
    assert_int_equal(k8s_get(c, &K8S_RES_CONFIGMAPS, "n", "a", &obj, &e), 0);
    cJSON_Delete(obj);
    assert_int_equal(m->nlog, 1); /* two attempts never reached the server */
    mode = 2;                     /* every attempt fails: POST is not retried */
    mock_script(m, 1, r);
    cJSON *body = cJSON_Parse(CM);
    assert_int_equal(k8s_create(c, &K8S_RES_CONFIGMAPS, "n", body, NULL, &e), -1);
    cJSON_Delete(body);
    assert_int_equal(e.code, K8S_E_TRANSPORT);
    assert_string_equal(e.message, "injected fault");
    assert_string_equal(e.verb, "POST");
    assert_int_equal(m->nlog, 0);
    k8s_client_set_fault_hook(c, NULL, NULL);
    dynbuf out;
    dynbuf_init(&out, 0);
    prom_render(reg, &out);
    const char *txt = dynbuf_str(&out);
    if (!strstr(txt, "k8s_client_requests_total{verb=\"get\",resource=\"configmaps\",code=\"200\"} 1") ||
        !strstr(txt, "k8s_client_retries_total{verb=\"get\",resource=\"configmaps\"} 2") ||
        !strstr(txt, "k8s_client_requests_total{verb=\"create\",resource=\"configmaps\",code=\"TransportError\"} 1") ||
        !strstr(txt, "k8s_client_request_duration_seconds_count{verb=\"get\"} 1"))
        fail_msg("metrics:\n%s", txt);
    dynbuf_free(&out);
    k8s_client_free(c);
    prom_registry_free(reg);
}


static void test_events_aggregate(void **state)
{
    mock *m = *state;
    k8s_client *c = client_for(m, 0);
    k8s_error e;
    reply r[] = { { 201, "{}", NULL }, { 200, "{}", NULL }, { 200, "{}", NULL },
                  { 404, "{\"kind\":\"Status\",\"code\":404,\"reason\":\"NotFound\"}", NULL }, { 201, "{}", NULL } };
    mock_script(m, 5, r);
    cJSON *pod = cJSON_Parse("{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\","
                             "\"namespace\":\"n\",\"uid\":\"u1\",\"resourceVersion\":\"3\"}}");
    k8s_recorder_opts ro = { .component = "eci-kubelet", .host = "vk", .qps = 100, .burst = 100 };
    k8s_recorder *rec = k8s_recorder_new(c, &ro);
    for (int i = 0; i < 4; i++)
        assert_int_equal(k8s_record_event(rec, pod, "Warning", "Failed", "same", &e), 0);
    assert_int_equal(m->nlog, 5);
    assert_non_null(strstr(m->log[0], "POST /api/v1/namespaces/n/events {"));
    assert_non_null(strstr(m->log[0], "\"involvedObject\":{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"namespace\":\"n\","
                                      "\"name\":\"p\",\"uid\":\"u1\",\"resourceVersion\":\"3\"}"));
    assert_non_null(strstr(m->log[0], "\"source\":{\"component\":\"eci-kubelet\",\"host\":\"vk\"}"));
    assert_non_null(strstr(m->log[0], "\"count\":1"));
    assert_non_null(strstr(m->log[1], "PATCH /api/v1/namespaces/n/events/p."));
    assert_non_null(strstr(m->log[1], "{\"count\":2,\"lastTimestamp\":"));
    assert_non_null(strstr(m->log[2], "{\"count\":3,"));
    assert_non_null(strstr(m->log[3], "{\"count\":4,")); /* the Event expired on the server ... */
    assert_non_null(strstr(m->log[4], "POST "));          /* ... so a new one is created */
    k8s_recorder_stats st;
    k8s_recorder_get_stats(rec, &st);
    assert_int_equal(st.created, 2);
    assert_int_equal(st.aggregated, 2);
    /* a cluster-scoped object's Events go to "default" */
    reply r2[] = { { 201, "{}", NULL } };
    mock_script(m, 1, r2);
    cJSON *node = cJSON_Parse("{\"kind\":\"Node\",\"metadata\":{\"name\":\"vk\"}}");
    assert_int_equal(k8s_record_eventf(rec, node, "Normal", "Starting", &e, "started %s", "bridge"), 0);
    assert_non_null(strstr(m->log[0], "POST /api/v1/namespaces/default/events"));
    assert_non_null(strstr(m->log[0], "\"message\":\"started bridge\""));
    /* the per-object spam filter: two Events about one object, then silence */
    k8s_recorder_opts so = { .component = "c", .qps = 100, .burst = 100, .object_qps = 0.001, .object_burst = 2 };
    k8s_recorder *spam = k8s_recorder_new(c, &so);
    reply r3[] = { { 201, "{}", NULL }, { 201, "{}", NULL }, { 201, "{}", NULL } };
    mock_script(m, 3, r3);
    assert_int_equal(k8s_record_event(spam, pod, "Normal", "A", "1", &e), 0);
    assert_int_equal(k8s_record_event(spam, pod, "Normal", "A", "2", &e), 0);
    assert_int_equal(k8s_record_event(spam, pod, "Normal", "A", "3", &e), -1);
    assert_int_equal(e.code, K8S_E_THROTTLED);
    assert_non_null(strstr(e.message, "too many Events about this object"));
    assert_int_equal(k8s_record_event(spam, node, "Normal", "A", "1", &e), 0); /* another object */
    assert_int_equal(m->nlog, 3);
    k8s_recorder_get_stats(spam, &st);
    assert_int_equal(st.dropped, 1);
    k8s_recorder_free(spam);
    cJSON *noname = cJSON_Parse("{\"metadata\":{}}");
    assert_int_equal(k8s_record_event(rec, noname, "Normal", "X", "y", &e), -1);
    assert_int_equal(e.code, K8S_E_INVALID_ARG);
    cJSON_Delete(noname);
    cJSON_Delete(node);
    cJSON_Delete(pod);
    k8s_recorder_free(rec);
    k8s_recorder_free(NULL);
    /* queued: the caller returns at once, the recorder's thread writes, in order */
    k8s_recorder_opts qo = { .component = "c", .qps = 100, .burst = 100, .queue_size = 16 };
    k8s_recorder *q = k8s_recorder_new(c, &qo);
    reply r4[] = { { 201, "{}", NULL }, { 200, "{}", NULL }, { 201, "{}", NULL } };
    mock_script(m, 3, r4);
    pod = cJSON_Parse("{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\","
                      "\"namespace\":\"n\",\"uid\":\"u1\",\"resourceVersion\":\"3\",\"labels\":{\"a\":\"b\"}}}");
    assert_int_equal(k8s_record_event(q, pod, "Warning", "Failed", "same", &e), 0);
    assert_int_equal(k8s_record_event(q, pod, "Warning", "Failed", "same", &e), 0);
    assert_int_equal(k8s_record_eventf(q, pod, "Normal", "Other", &e, "n=%d", 2), 0);
    assert_int_equal(k8s_record_event(q, pod, "Normal", NULL, "no reason", &e), -1);
    assert_int_equal(k8s_recorder_flush(q, 5000), 1);
    assert_int_equal(m->nlog, 3);
    assert_non_null(strstr(m->log[0], "\"involvedObject\":{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"namespace\":\"n\","
                                      "\"name\":\"p\",\"uid\":\"u1\",\"resourceVersion\":\"3\"}"));
    assert_non_null(strstr(m->log[1], "{\"count\":2,"));
    assert_non_null(strstr(m->log[2], "\"message\":\"n=2\""));
    k8s_recorder_get_stats(q, &st);
    assert_int_equal(st.created, 2);
    assert_int_equal(st.aggregated, 1);
    /* freed with Events still queued: they are written first (or dropped after 2 s) */
    mock_script(m, 1, r4);
    assert_int_equal(k8s_record_event(q, pod, "Normal", "Last", "bye", &e), 0);
    k8s_recorder_free(q);
    assert_int_equal(m->nlog, 1);
    cJSON_Delete(pod);
    k8s_client_free(c);
}

static const char LEASE_OTHER[] =
    "{\"metadata\":{\"name\":\"l\",\"namespace\":\"n\",\"resourceVersion\":\"5\"},"
    "\"spec\":{\"holderIdentity\":\"other\",\"leaseDurationSeconds\":1,\"renewTime\":\"2026-01-01T00:00:00.000000Z\","
    "\"leaseTransitions\":3}}";
static const char LEASE_ME[] =
    "{\"metadata\":{\"name\":\"l\",\"namespace\":\"n\",\"resourceVersion\":\"6\"},"
    "\"spec\":{\"holderIdentity\":\"me\",\"leaseDurationSeconds\":1,\"renewTime\":\"2026-01-01T00:00:01.000000Z\","
    "\"leaseTransitions\":4}}";

static void test_leases(void **state)
{
    mock *m = *state;
    k8s_client *c = client_for(m, 0);
    k8s_error e;
    /* node lease: created when missing, then renewed with PUT; a 409 re-reads */
    reply r[] = { { 404, "{\"kind\":\"Status\",\"code\":404,\"reason\":\"NotFound\"}", NULL },
                  { 201, "{\"metadata\":{\"name\":\"vk\",\"resourceVersion\":\"1\"},\"spec\":{}}", NULL },
                  { 409, CONFLICT, NULL },
                  { 200, "{\"metadata\":{\"name\":\"vk\",\"resourceVersion\":\"2\"},\"spec\":{}}", NULL },
                  { 200, "{\"metadata\":{\"name\":\"vk\",\"resourceVersion\":\"3\"},\"spec\":{}}", NULL } };
    mock_script(m, 5, r);
    k8s_node_lease *nl = k8s_node_lease_new(c, "vk", "node-uid", 0);
    assert_int_equal(k8s_node_lease_renew(nl, &e), 0);
    assert_non_null(strstr(m->log[1], "POST /apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases {"));
    assert_non_null(strstr(m->log[1], "\"holderIdentity\":\"vk\",\"leaseDurationSeconds\":40,\"renewTime\":\""));
    assert_non_null(strstr(m->log[1], "\"ownerReferences\":[{\"apiVersion\":\"v1\",\"kind\":\"Node\",\"name\":\"vk\",\"uid\":\"node-uid\"}]"));
    assert_int_equal(k8s_node_lease_renew(nl, &e), 0);
    assert_int_equal(m->nlog, 5);
    assert_non_null(strstr(m->log[2], "PUT /apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/vk"));
    assert_non_null(strstr(m->log[3], "GET "));
    assert_non_null(strstr(m->log[4], "\"resourceVersion\":\"2\""));
    assert_string_equal(k8s_meta_str(k8s_node_lease_object(nl), "resourceVersion"), "3");
    k8s_node_lease_free(nl);
    k8s_node_lease_free(NULL);

    /* leader election: a fresh foreign lease is respected, an expired one taken */
    k8s_leader_opts o = { .ns = "n", .name = "l", .identity = "me", .lease_duration_s = 1 };
    k8s_leader_state st;
    memset(&st, 0, sizeof st);
    reply l1[] = { { 200, LEASE_OTHER, NULL }, { 200, LEASE_OTHER, NULL }, { 200, LEASE_ME, NULL },
                   { 200, LEASE_ME, NULL }, { 200, LEASE_ME, NULL } };
    mock_script(m, 5, l1);
    assert_int_equal(k8s_leader_try_acquire_or_renew(c, &o, &st, &e), 0);
    assert_string_equal(st.holder, "other");
    assert_int_equal(m->nlog, 1);
    struct timespec ts = { 1, 100000000L };
    nanosleep(&ts, NULL); /* unchanged for longer than its duration: expired */
    assert_int_equal(k8s_leader_try_acquire_or_renew(c, &o, &st, &e), 1);
    assert_true(st.leading);
    assert_int_equal(m->nlog, 3);
    assert_non_null(strstr(m->log[2], "PUT /apis/coordination.k8s.io/v1/namespaces/n/leases/l"));
    assert_non_null(strstr(m->log[2], "\"leaseTransitions\":4"));
    assert_non_null(strstr(m->log[2], "\"holderIdentity\":\"me\""));
    assert_non_null(strstr(m->log[2], "\"acquireTime\":"));
    /* release: holder emptied */
    assert_int_equal(k8s_leader_release(c, &o, &st, &e), 0);
    assert_false(st.leading);
    assert_non_null(strstr(m->log[4], "\"holderIdentity\":\"\""));
    assert_non_null(strstr(m->log[4], "\"leaseDurationSeconds\":1"));
    /* missing lease: created; a racing creator wins with AlreadyExists */
    memset(&st, 0, sizeof st);
    reply l2[] = { { 404, "{\"kind\":\"Status\",\"code\":404,\"reason\":\"NotFound\"}", NULL },
                   { 201, LEASE_ME, NULL },
                   { 404, "{\"kind\":\"Status\",\"code\":404,\"reason\":\"NotFound\"}", NULL },
                   { 409, "{\"kind\":\"Status\",\"code\":409,\"reason\":\"AlreadyExists\"}", NULL } };
    mock_script(m, 4, l2);
    assert_int_equal(k8s_leader_try_acquire_or_renew(c, &o, &st, &e), 1);
    assert_non_null(strstr(m->log[1], "\"leaseTransitions\":0"));
    assert_int_equal(k8s_leader_try_acquire_or_renew(c, &o, &st, &e), 0);
    k8s_client_free(c);
}


typedef struct nth {
    unsigned long fail_from; /* attempts >= this fail */
    int persistent;
} nth;

static int nth_fault(void *ud, const char *verb, const char *path, unsigned long no, k8s_error *err)
{
    (void)verb; (void)path;
    nth *f = ud;
    if (no == f->fail_from || (f->persistent && no > f->fail_from)) {
        err->code = K8S_E_UNAVAILABLE;
        err->http_status = 503;
        return 1;
    }
    return 0;
}

/* Fail the Nth apiserver attempt (once, then for good) at every point of a
 * GET-mutate-PUT retry loop and a paged list: each run ends in success or a
 * clean error, and ASan sees no leak. */
static void test_fault_every_n(void **state)
{
    mock *m = *state;
    for (int persistent = 0; persistent < 2; persistent++) {
        for (unsigned long n = 1; n <= 6; n++) {
            k8s_client *c = client_for(m, 0);
            unsigned long base = k8s_client_request_total(c);
            nth f = { base + n, persistent };
            k8s_client_set_fault_hook(c, nth_fault, &f);
            reply r[] = { { 200, CM, NULL }, { 409, CONFLICT, NULL }, { 200, CM2, NULL }, { 200, CM2, NULL },
                          { 200, CM2, NULL }, { 200, CM2, NULL } };
            mock_script(m, 6, r);
            k8s_error e;
            cJSON *out = NULL;
            int rc = k8s_update_retry(c, &K8S_RES_CONFIGMAPS, "n", "a", NULL, 3, mutate, NULL, &out, &e);
            if (rc == 0)
                assert_non_null(out);
            else
                if (!(e.code != K8S_E_OK && e.reason[0] && e.verb[0]))
                    fail_msg("n=%lu p=%d: code %d reason \"%s\" verb \"%s\" msg \"%s\"", n, persistent, e.code, e.reason, e.verb, e.message);
            cJSON_Delete(out);
            reply pages[] = {
                { 200, "{\"metadata\":{\"resourceVersion\":\"9\",\"continue\":\"c1\"},\"items\":[{}]}", NULL },
                { 200, "{\"metadata\":{\"continue\":\"c2\"},\"items\":[{}]}", NULL },
                { 200, "{\"metadata\":{},\"items\":[{}]}", NULL },
                { 200, "{\"metadata\":{},\"items\":[{}]}", NULL },
            };
            mock_script(m, 4, pages);
            f.fail_from = k8s_client_request_total(c) + n;
            cJSON *l = NULL;
            rc = k8s_list_all(c, &K8S_RES_PODS, "n", NULL, &l, &e);
            if (rc == 0)
                assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(l, "items")), 3);
            else
                assert_int_equal(e.code, K8S_E_UNAVAILABLE);
            cJSON_Delete(l);
            k8s_client_free(c);
        }
    }
}

typedef struct evs {
    char got[16][64];
    int n;
} evs;

static int w_event(k8s_watch_type t, cJSON *obj, void *arg)
{
    evs *v = arg;
    if (v->n < 16)
        snprintf(v->got[v->n++], 64, "%s %s", k8s_watch_type_name(t), k8s_meta_str(obj, "name"));
    cJSON_Delete(obj);
    return v->n >= 4; /* stop after four events */
}

static int w_list(cJSON *list, void *arg)
{
    evs *v = arg;
    if (v->n < 16)
        snprintf(v->got[v->n++], 64, "LIST %d", cJSON_GetArraySize(cJSON_GetObjectItem(list, "items")));
    cJSON_Delete(list);
    return 0;
}

static void test_watch_runner(void **state)
{
    mock *m = *state;
    k8s_client *c = client_for(m, 0);
    k8s_error e;
    reply r[] = {
        { 200, "{\"metadata\":{\"resourceVersion\":\"10\"},\"items\":[{\"metadata\":{\"name\":\"a\"}}]}", NULL },
        { 200,
          "{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":\"b\",\"resourceVersion\":\"11\"}}}\n"
          "{\"type\":\"BOOKMARK\",\"object\":{\"metadata\":{\"resourceVersion\":\"15\"}}}\n",
          NULL },
        /* resumed from 15, then told it is too old */
        { 200, "{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"code\":410,\"reason\":\"Expired\"}}\n", NULL },
        { 200, "{\"metadata\":{\"resourceVersion\":\"20\"},\"items\":[]}", NULL },
        { 410, "{\"kind\":\"Status\",\"code\":410,\"reason\":\"Gone\"}", NULL },
        { 200, "{\"metadata\":{\"resourceVersion\":\"30\"},\"items\":[]}", NULL },
        { 200, "garbage\n", NULL },
        { 200, "{\"type\":\"DELETED\",\"object\":{\"metadata\":{\"name\":\"b\",\"resourceVersion\":\"31\"}}}\n", NULL },
    };
    mock_script(m, 8, r);
    evs v = { .n = 0 };
    k8s_watch_opts o = { .resource = &K8S_RES_PODS, .ns = "n", .field_selector = "spec.nodeName=vk",
                         .timeout_seconds = 5, .backoff_min_ms = 5, .backoff_max_ms = 20, .on_event = w_event,
                         .on_list = w_list, .arg = &v };
    atomic_int stop = 0;
    assert_int_equal(k8s_watch_run(c, &o, &stop, &e), 0);
    const char *want[] = { "LIST 1", "ADDED b", "LIST 0", "LIST 0", "DELETED b" };
    assert_int_equal(v.n, 5);
    for (int i = 0; i < 5; i++)
        assert_string_equal(v.got[i], want[i]);
    assert_int_equal(m->nlog, 8);
    assert_non_null(strstr(m->log[1], "watch=true"));
    assert_non_null(strstr(m->log[1], "allowWatchBookmarks=true"));
    assert_non_null(strstr(m->log[1], "resourceVersion=10"));
    assert_non_null(strstr(m->log[1], "fieldSelector=spec.nodeName=vk"));
    assert_non_null(strstr(m->log[2], "resourceVersion=15")); /* bookmark's version */
    assert_null(strstr(m->log[3], "watch=true"));              /* relist */
    assert_non_null(strstr(m->log[4], "resourceVersion=20"));
    assert_non_null(strstr(m->log[6], "resourceVersion=30"));
    assert_non_null(strstr(m->log[7], "resourceVersion=30")); /* garbage: reconnect from the same version */
    k8s_client_free(c);
    (void)w_list;
}

static int never(k8s_watch_type t, cJSON *obj, void *arg)
{
    (void)t; (void)arg;
    cJSON_Delete(obj);
    return 0;
}


static int list_sink(cJSON *list, void *arg)
{
    (void)arg;
    cJSON_Delete(list);
    return 0;
}

/* Stopping a watch in the middle of a list cancels the list: the stop returns
 * while the server still holds its answer. */
static void test_watch_stop_during_list(void **state)
{
    mock *m = *state;
    k8s_client *c = client_for(m, 0);
    k8s_error e;
    reply r[] = { { 200, "{\"items\":[]}", NULL } };
    mock_script(m, 1, r);
    pthread_mutex_lock(&m->mu);
    m->hold = 1;
    pthread_mutex_unlock(&m->mu);
    k8s_watch_opts o = { .resource = &K8S_RES_PODS, .on_event = never, .on_list = list_sink };
    k8s_watch *w;
    assert_int_equal(k8s_watch_start(c, &o, &w, &e), 0);
    struct timespec until;
    deadline_after_ms(&until, CLOCK_MONOTONIC, 60000);
    pthread_mutex_lock(&m->mu);
    while (m->held == 0 && pthread_cond_timedwait(&m->cv, &m->mu, &until) == 0)
        ;
    int listing = m->held;
    pthread_mutex_unlock(&m->mu);
    assert_int_equal(listing, 1);
    k8s_watch_stop(w);
    pthread_mutex_lock(&m->mu);
    int still_held = m->held;
    m->hold = 0;
    pthread_cond_broadcast(&m->cv);
    pthread_mutex_unlock(&m->mu);
    assert_int_equal(still_held, 1);
    /* a cancelled list says so */
    atomic_int cancel = 1;
    k8s_list_opts lo = { .cancel = &cancel };
    cJSON *l;
    assert_int_equal(k8s_list(c, &K8S_RES_PODS, "n", &lo, &l, &e), -1);
    assert_int_equal(e.code, K8S_E_CANCELLED);
    k8s_client_free(c);
}

static void test_watch_stop(void **state)
{
    (void)state;
    /* a server that never answers: stop must still return promptly */
    k8s_config *cfg = k8s_config_new("http://127.0.0.1:1");
    k8s_client_opts opts = { .qps = -1 };
    k8s_client *c;
    k8s_error e;
    assert_int_equal(k8s_client_new(cfg, &opts, &c, &e), 0);
    k8s_watch_opts o = { .resource = &K8S_RES_PODS, .on_event = never, .backoff_min_ms = 50 };
    k8s_watch *w;
    assert_int_equal(k8s_watch_start(c, &o, &w, &e), 0);
    /* wait (up to a minute) for the first failed connect */
    k8s_watch_stats st;
    struct timespec ts = { 0, 10000000L };
    for (int i = 0; i < 6000; i++) {
        k8s_watch_get_stats(w, &st);
        if (st.errors >= 1)
            break;
        nanosleep(&ts, NULL);
    }
    assert_true(st.connects >= 1);
    assert_true(st.errors >= 1);
    k8s_watch_stop(w);
    k8s_watch_stop(NULL);
    k8s_watch_opts bad = { .resource = NULL };
    assert_int_equal(k8s_watch_start(c, &bad, &w, &e), -1);
    k8s_client_free(c);
}

static int setup(void **state)
{
    *state = mock_start();
    return 0;
}

static int teardown(void **state)
{
    mock_stop(*state);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_paths),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_helpers),
        cmocka_unit_test_setup_teardown(test_retries, setup, teardown),
        cmocka_unit_test_setup_teardown(test_update_retry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_verbs_on_the_wire, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cap_and_transport, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fault_hook_and_metrics, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fault_every_n, setup, teardown),
        cmocka_unit_test_setup_teardown(test_events_aggregate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_leases, setup, teardown),
        cmocka_unit_test_setup_teardown(test_watch_runner, setup, teardown),
        cmocka_unit_test_setup_teardown(test_watch_stop_during_list, setup, teardown),
        cmocka_unit_test(test_watch_stop),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
