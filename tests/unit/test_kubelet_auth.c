/* provider/kubelet_auth.c against a scripted apiserver: a bearer token goes
 * through a TokenReview, and the SubjectAccessReview for the request carries
 * the reviewed user's name, uid, groups and extra; the caches keep extra. */
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

#include "k8s/client.h"
#include "k8s/config.h"
#include "provider/kubelet/server.h"
#include "provider/kubelet_handlers.h"
#include "util/dynbuf.h"
#include "util/xmalloc.h"

static const char TOKEN_REVIEW[] =
    "{\"kind\":\"TokenReview\",\"apiVersion\":\"authentication.k8s.io/v1\",\"status\":{\"authenticated\":true,"
    "\"user\":{\"username\":\"system:serviceaccount:ns:sa\",\"uid\":\"u-1\","
    "\"groups\":[\"system:serviceaccounts\",\"system:authenticated\"],"
    "\"extra\":{\"authentication.kubernetes.io/pod-name\":[\"web-0\"],"
    "\"authentication.kubernetes.io/credential-id\":[\"JTI=a\",\"JTI=b\"]}}}}";
static const char SAR_ALLOWED[] =
    "{\"kind\":\"SubjectAccessReview\",\"apiVersion\":\"authorization.k8s.io/v1\",\"status\":{\"allowed\":true}}";

typedef struct mock {
    struct MHD_Daemon *d;
    int port;
    pthread_mutex_t mu;
    int reviews, sars;
    char *last_sar; /* the body of the last SubjectAccessReview */
} mock;

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                               const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
    (void)version;
    (void)method;
    mock *m = cls;
    dynbuf *b = *con_cls;
    if (!b) {
        b = xcalloc(1, sizeof *b);
        dynbuf_init(b, 1 << 20);
        *con_cls = b;
        return MHD_YES;
    }
    if (*upload_size) {
        dynbuf_add(b, upload, *upload_size);
        *upload_size = 0;
        return MHD_YES;
    }
    const char *body = "{}";
    unsigned status = 404;
    pthread_mutex_lock(&m->mu);
    if (strcmp(url, "/apis/authentication.k8s.io/v1/tokenreviews") == 0) {
        m->reviews++;
        body = TOKEN_REVIEW;
        status = 201;
    } else if (strcmp(url, "/apis/authorization.k8s.io/v1/subjectaccessreviews") == 0) {
        m->sars++;
        free(m->last_sar);
        m->last_sar = xstrdup(dynbuf_str(b));
        body = SAR_ALLOWED;
        status = 201;
    }
    pthread_mutex_unlock(&m->mu);
    struct MHD_Response *resp = MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
    MHD_add_response_header(resp, "Content-Type", "application/json");
    enum MHD_Result r = MHD_queue_response(c, status, resp);
    MHD_destroy_response(resp);
    return r;
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode t)
{
    (void)cls;
    (void)c;
    (void)t;
    dynbuf *b = *con_cls;
    if (b) {
        dynbuf_free(b);
        free(b);
    }
    *con_cls = NULL;
}

/* The SubjectAccessReview spec the mock received last (caller frees). */
static cJSON *last_sar_spec(mock *m)
{
    pthread_mutex_lock(&m->mu);
    cJSON *j = cJSON_Parse(m->last_sar ? m->last_sar : "");
    pthread_mutex_unlock(&m->mu);
    assert_non_null(j);
    cJSON *spec = cJSON_DetachItemFromObjectCaseSensitive(j, "spec");
    cJSON_Delete(j);
    assert_non_null(spec);
    return spec;
}

static void assert_extra(const cJSON *spec)
{
    const cJSON *ex = cJSON_GetObjectItemCaseSensitive(spec, "extra");
    assert_int_equal(cJSON_GetArraySize(ex), 2);
    const cJSON *pod = cJSON_GetObjectItemCaseSensitive(ex, "authentication.kubernetes.io/pod-name");
    assert_int_equal(cJSON_GetArraySize(pod), 1);
    assert_string_equal(cJSON_GetArrayItem(pod, 0)->valuestring, "web-0");
    const cJSON *cid = cJSON_GetObjectItemCaseSensitive(ex, "authentication.kubernetes.io/credential-id");
    assert_int_equal(cJSON_GetArraySize(cid), 2);
    assert_string_equal(cJSON_GetArrayItem(cid, 0)->valuestring, "JTI=a");
    assert_string_equal(cJSON_GetArrayItem(cid, 1)->valuestring, "JTI=b");
}

static void test_sar_carries_extra(void **state)
{
    (void)state;
    mock m;
    memset(&m, 0, sizeof m);
    pthread_mutex_init(&m.mu, NULL);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    m.d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION, 0, NULL, NULL, handler,
                           &m, MHD_OPTION_SOCK_ADDR, &sa, MHD_OPTION_NOTIFY_COMPLETED, completed, NULL,
                           MHD_OPTION_END);
    assert_non_null(m.d);
    m.port = MHD_get_daemon_info(m.d, MHD_DAEMON_INFO_BIND_PORT)->port;
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", m.port);
    k8s_config *cfg = k8s_config_new(url);
    k8s_config_set_token(cfg, "bridge-token");
    k8s_client_opts o = {.qps = -1, .retry_base_ms = 5};
    k8s_client *kc;
    k8s_error e;
    assert_int_equal(k8s_client_new(cfg, &o, &kc, &e), 0);

    prov_kauth *pa = prov_kauth_new(kc);
    kubelet_auth inner = {pa, prov_kauth_authn, prov_kauth_authz};
    kubelet_auth_cache *cache = kubelet_auth_cache_new(&inner, 60000, 60000, 60000, 0);
    const kubelet_auth *a = kubelet_auth_cache_auth(cache);
    kubelet_credential cred = {.kind = KUBELET_CRED_TOKEN, .token = "caller-token"};
    kubelet_attrs at[2];
    kubelet_request_attributes("GET", "/containerLogs/ns/web-0/c", "vk", 0, at);
    char err[256];
    for (int i = 0; i < 2; i++) { /* the second time from the caches */
        kubelet_user u;
        memset(&u, 0, sizeof u);
        assert_int_equal(a->authn(a->ud, &cred, &u, err, sizeof err), 1);
        assert_string_equal(u.name, "system:serviceaccount:ns:sa");
        assert_int_equal(u.extra.n, 3);
        assert_int_equal(a->authz(a->ud, &u, &at[0], err, sizeof err), 1);
        kubelet_user_clear(&u);
    }
    assert_int_equal(m.reviews, 1);
    assert_int_equal(m.sars, 1);
    cJSON *spec = last_sar_spec(&m);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(spec, "user")->valuestring, "system:serviceaccount:ns:sa");
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(spec, "uid")->valuestring, "u-1");
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(spec, "groups")), 2);
    assert_extra(spec);
    cJSON_Delete(spec);

    /* the same user with other extra is another decision */
    kubelet_user u;
    memset(&u, 0, sizeof u);
    assert_int_equal(a->authn(a->ud, &cred, &u, err, sizeof err), 1);
    kubelet_user_add_extra(&u, "example.com/scope", "x");
    assert_int_equal(a->authz(a->ud, &u, &at[0], err, sizeof err), 1);
    assert_int_equal(m.sars, 2);
    kubelet_user_clear(&u);

    /* a certificate user has no extra: the review has none */
    const char *orgs[] = {"system:nodes"};
    kubelet_credential x = {.kind = KUBELET_CRED_X509, .cn = "system:node:vk", .orgs = orgs, .norgs = 1};
    memset(&u, 0, sizeof u);
    assert_int_equal(a->authn(a->ud, &x, &u, err, sizeof err), 1);
    assert_int_equal(a->authz(a->ud, &u, &at[0], err, sizeof err), 1);
    kubelet_user_clear(&u);
    spec = last_sar_spec(&m);
    assert_null(cJSON_GetObjectItemCaseSensitive(spec, "extra"));
    cJSON_Delete(spec);

    kubelet_auth_cache_free(cache);
    prov_kauth_free(pa);
    k8s_client_free(kc);
    MHD_stop_daemon(m.d);
    free(m.last_sar);
    pthread_mutex_destroy(&m.mu);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sar_carries_extra),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
