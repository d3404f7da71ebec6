/* k8s/csr.c, the rotating client credentials of k8s/config.c and the
 * bridge's renewal (provider/nodecert.c): the CSR a node sends (subject,
 * signer, usages, no SANs), approval, denial, the issued certificate matched
 * against the key, validity parsing, the 70-90 % renewal point, and a
 * short-lived certificate replaced in the configs that use it; a local
 * server plays the CSR API and signs with a test CA. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "k8s/client.h"
#include "k8s/config.h"
#include "k8s/csr.h"
#include "provider/nodecert.h"
#include "util/base64.h"
#include "util/dynbuf.h"
#include "util/log.h"
#include "util/xmalloc.h"

typedef struct api {
    struct MHD_Daemon *d;
    int port;
    pthread_mutex_t mu;
    EVP_PKEY *ca_key;
    X509 *ca;
    int deny;          /* answer with a Denied condition */
    int pending_polls; /* GETs answered without a certificate first */
    int gets;
    char subject[256];
    char signer[128];
    char usages[128];
    long expiration;
    int sans;
    int lifetime_s; /* > 0: certificates valid from now for this long */
    int posts;
    char *cert_pem; /* issued on POST */
} api;

typedef struct body {
    dynbuf b;
} body;

static char *sign_req(api *a, X509_REQ *req)
{
    X509 *x = X509_new();
    ASN1_INTEGER_set(X509_get_serialNumber(x), 7);
    X509_set_issuer_name(x, X509_get_subject_name(a->ca));
    X509_set_subject_name(x, X509_REQ_get_subject_name(req));
    EVP_PKEY *pk = X509_REQ_get_pubkey(req);
    X509_set_pubkey(x, pk);
    EVP_PKEY_free(pk);
    time_t nb = a->lifetime_s > 0 ? time(NULL) - 1 : 1000000000;
    ASN1_TIME_set(X509_getm_notBefore(x), nb);
    ASN1_TIME_set(X509_getm_notAfter(x), nb + (a->lifetime_s > 0 ? a->lifetime_s + 1 : 1000));
    X509_sign(x, a->ca_key, EVP_sha256());
    BIO *b = BIO_new(BIO_s_mem());
    PEM_write_bio_X509(b, x);
    char *p;
    long n = BIO_get_mem_data(b, &p);
    char *out = xstrndup(p, (size_t)n);
    BIO_free(b);
    X509_free(x);
    return out;
}

static void on_post(api *a, const char *json)
{
    cJSON *o = cJSON_Parse(json);
    cJSON *spec = cJSON_GetObjectItem(o, "spec");
    const char *req64 = cJSON_GetStringValue(cJSON_GetObjectItem(spec, "request"));
    snprintf(a->signer, sizeof a->signer, "%s", cJSON_GetStringValue(cJSON_GetObjectItem(spec, "signerName")));
    char *u = cJSON_PrintUnformatted(cJSON_GetObjectItem(spec, "usages"));
    snprintf(a->usages, sizeof a->usages, "%s", u);
    free(u);
    cJSON *exp = cJSON_GetObjectItem(spec, "expirationSeconds");
    a->expiration = cJSON_IsNumber(exp) ? (long)exp->valuedouble : 0;
    size_t n;
    unsigned char *pem = b64_decode(req64, strlen(req64), 0, &n);
    BIO *b = BIO_new_mem_buf(pem, (int)n);
    X509_REQ *req = PEM_read_bio_X509_REQ(b, NULL, NULL, NULL);
    X509_NAME_oneline(X509_REQ_get_subject_name(req), a->subject, sizeof a->subject);
    STACK_OF(X509_EXTENSION) *exts = X509_REQ_get_extensions(req);
    a->sans = exts && X509v3_get_ext_by_NID(exts, NID_subject_alt_name, -1) >= 0;
    sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
    free(a->cert_pem);
    a->cert_pem = sign_req(a, req);
    X509_REQ_free(req);
    BIO_free(b);
    free(pem);
    cJSON_Delete(o);
}

static char *csr_json(api *a)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(cJSON_AddObjectToObject(o, "metadata"), "name", "node-csr-x1");
    cJSON *st = cJSON_AddObjectToObject(o, "status");
    if (a->gets > a->pending_polls) {
        cJSON *conds = cJSON_AddArrayToObject(st, "conditions");
        cJSON *c = cJSON_CreateObject();
        cJSON_AddStringToObject(c, "type", a->deny ? "Denied" : "Approved");
        cJSON_AddStringToObject(c, "reason", a->deny ? "NotAllowed" : "AutoApproved");
        cJSON_AddStringToObject(c, "message", a->deny ? "no nodeclient permission" : "ok");
        cJSON_AddItemToArray(conds, c);
        if (!a->deny) {
            char *b = b64_encode(a->cert_pem, strlen(a->cert_pem));
            cJSON_AddStringToObject(st, "certificate", b);
            free(b);
        }
    }
    char *s = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return s;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                               const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
    (void)version;
    api *a = cls;
    body *bd = *con_cls;
    if (!bd) {
        bd = xcalloc(1, sizeof *bd);
        dynbuf_init(&bd->b, 1 << 20);
        *con_cls = bd;
        return MHD_YES;
    }
    if (*upload_size) {
        dynbuf_add(&bd->b, upload, *upload_size);
        *upload_size = 0;
        return MHD_YES;
    }
    int status = 404;
    char *out = xstrdup("{}");
    pthread_mutex_lock(&a->mu);
    if (!strcmp(method, "POST") && !strcmp(url, "/apis/certificates.k8s.io/v1/certificatesigningrequests")) {
        on_post(a, dynbuf_str(&bd->b));
        a->posts++;
        status = 201;
        free(out);
        a->gets = 0;
        out = csr_json(a);
    } else if (!strcmp(method, "GET") &&
               !strcmp(url, "/apis/certificates.k8s.io/v1/certificatesigningrequests/node-csr-x1")) {
        a->gets++;
        status = 200;
        free(out);
        out = csr_json(a);
    }
    pthread_mutex_unlock(&a->mu);
    struct MHD_Response *r = MHD_create_response_from_buffer(strlen(out), out, MHD_RESPMEM_MUST_FREE);
    enum MHD_Result ret = MHD_queue_response(c, (unsigned)status, r);
    MHD_destroy_response(r);
    return ret;
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode t)
{
    (void)cls; (void)c; (void)t;
    body *bd = *con_cls;
    if (bd) {
        dynbuf_free(&bd->b);
        free(bd);
    }
    *con_cls = NULL;
}

static api *api_start(void)
{
    api *a = xcalloc(1, sizeof *a);
    pthread_mutex_init(&a->mu, NULL);
    a->ca_key = EVP_EC_gen("P-256");
    a->ca = X509_new();
    X509_NAME *n = X509_get_subject_name(a->ca);
    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)"test-ca", -1, -1, 0);
    X509_set_issuer_name(a->ca, n);
    X509_set_pubkey(a->ca, a->ca_key);
    X509_sign(a->ca, a->ca_key, EVP_sha256());
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION, 0, NULL, NULL,
                            handler, a, MHD_OPTION_SOCK_ADDR, &sa, MHD_OPTION_NOTIFY_COMPLETED, completed, a,
                            MHD_OPTION_END);
    assert_non_null(a->d);
    a->port = MHD_get_daemon_info(a->d, MHD_DAEMON_INFO_BIND_PORT)->port;
    return a;
}

static void api_stop(api *a)
{
    MHD_stop_daemon(a->d);
    X509_free(a->ca);
    EVP_PKEY_free(a->ca_key);
    free(a->cert_pem);
    pthread_mutex_destroy(&a->mu);
    free(a);
}

static k8s_client *client_for(api *a)
{
    char *url = xasprintf("http://127.0.0.1:%d", a->port);
    k8s_config *cfg = k8s_config_new(url);
    free(url);
    k8s_config_set_token(cfg, "bootstrap-token");
    k8s_client_opts o = { .qps = -1, .retry_base_ms = 5 };
    k8s_client *c;
    k8s_error e;
    assert_int_equal(k8s_client_new(cfg, &o, &c, &e), 0);
    return c;
}

static void test_issued(void **state)
{
    (void)state;
    api *a = api_start();
    a->pending_polls = 2;
    k8s_client *c = client_for(a);
    k8s_cert_pair p;
    k8s_error e;
    assert_int_equal(k8s_csr_node_client_cert(c, "vk-1", 3600, 10000, NULL, &p, &e), 0);
    assert_string_equal(a->subject, "/O=system:nodes/CN=system:node:vk-1");
    assert_string_equal(a->signer, K8S_SIGNER_KUBELET_CLIENT);
    assert_string_equal(a->usages, "[\"digital signature\",\"client auth\"]");
    assert_int_equal(a->expiration, 3600);
    assert_false(a->sans);
    assert_int_equal(a->gets, 3); /* two pending answers, then the certificate */
    assert_string_equal(p.cert, a->cert_pem);
    assert_non_null(strstr(p.key, "PRIVATE KEY"));
    assert_int_equal(p.not_before, 1000000000);
    assert_int_equal(p.not_after, 1000001000);

    /* The pair becomes a config's credentials, copied and swappable. */
    k8s_config *base = k8s_config_new("https://127.0.0.1:1");
    k8s_config_set_token(base, "bootstrap-token");
    k8s_config *nc = k8s_config_with_client_cert(base, (unsigned char *)p.cert, p.cert_len, (unsigned char *)p.key,
                                                 p.key_len);
    assert_null(k8s_config_token(nc, &e)); /* the node presents its certificate only */
    unsigned char *cc, *ck;
    size_t ccl, ckl;
    assert_int_equal(k8s_config_client_creds(nc, &cc, &ccl, &ck, &ckl), 1);
    assert_int_equal(ccl, p.cert_len);
    assert_memory_equal(cc, p.cert, ccl);
    assert_memory_equal(ck, p.key, ckl);
    k8s_config_free_creds(cc, ccl, ck, ckl);
    k8s_config_set_client_cert(nc, (const unsigned char *)"C2", 2, (const unsigned char *)"K2", 2);
    assert_int_equal(k8s_config_client_creds(nc, &cc, &ccl, &ck, &ckl), 1);
    assert_memory_equal(cc, "C2", 2);
    assert_memory_equal(ck, "K2", 2);
    k8s_config_free_creds(cc, ccl, ck, ckl);
    k8s_config_free(nc);
    assert_int_equal(k8s_config_client_creds(base, &cc, &ccl, &ck, &ckl), 0);
    k8s_config_free(base);

    /* No lifetime asked: the signer decides (no expirationSeconds). */
    a->pending_polls = 0;
    k8s_cert_pair q;
    assert_int_equal(k8s_csr_node_client_cert(c, "vk-1", 0, 10000, NULL, &q, &e), 0);
    assert_int_equal(a->expiration, 0);
    k8s_cert_pair_clear(&q);
    k8s_cert_pair_clear(&p);
    k8s_cert_pair_clear(NULL);
    k8s_client_free(c);
    api_stop(a);
}

static void test_denied_and_timeout(void **state)
{
    (void)state;
    api *a = api_start();
    a->deny = 1;
    k8s_client *c = client_for(a);
    k8s_cert_pair p;
    k8s_error e;
    assert_int_equal(k8s_csr_node_client_cert(c, "vk-2", 0, 10000, NULL, &p, &e), -1);
    assert_int_equal(e.code, K8S_E_FORBIDDEN);
    assert_non_null(strstr(e.message, "node-csr-x1 Denied: NotAllowed: no nodeclient permission"));
    assert_null(p.cert);
    a->deny = 0;
    a->pending_polls = 1000;
    assert_int_equal(k8s_csr_node_client_cert(c, "vk-2", 0, 600, NULL, &p, &e), -1);
    assert_int_equal(e.code, K8S_E_TIMEOUT);
    assert_non_null(strstr(e.message, "not issued after"));
    assert_int_equal(k8s_csr_node_client_cert(c, "", 0, 600, NULL, &p, &e), -1);
    assert_int_equal(e.code, K8S_E_INVALID_ARG);
    k8s_client_free(c);
    api_stop(a);
}

static void test_rotation_deadline(void **state)
{
    (void)state;
    time_t nb = 1000, na = 1000 + 10000;
    assert_int_equal(k8s_cert_rotation_deadline(nb, na, 0), 1000 + 7000);
    assert_int_equal(k8s_cert_rotation_deadline(nb, na, 0.5), 1000 + 8000);
    time_t hi = k8s_cert_rotation_deadline(nb, na, 1.0);
    assert_true(hi >= 1000 + 8999 && hi <= 1000 + 9000);
    assert_int_equal(k8s_cert_rotation_deadline(nb, na, -3), 1000 + 7000);
    assert_int_equal(k8s_cert_rotation_deadline(na, nb, 0.5), na); /* nonsense validity: renew now */
    time_t x, y;
    assert_int_equal(k8s_cert_validity("not a certificate", 17, &x, &y), -1);
}

static void test_nodecert_renews(void **state)
{
    (void)state;
    api *a = api_start();
    a->lifetime_s = 4; /* renewed 2.8-3.6 s after issue */
    log_set_level(LOG_WARN);
    char *url = xasprintf("http://127.0.0.1:%d", a->port);
    k8s_config *boot = k8s_config_new(url);
    free(url);
    k8s_config_set_token(boot, "bootstrap-token");
    atomic_int stop = 0;
    prov_nodecert *nc;
    assert_int_equal(prov_nodecert_new(boot, "vk-9", 0, 10000, &stop, &nc), 0);
    assert_string_equal(a->subject, "/O=system:nodes/CN=system:node:vk-9");
    k8s_config *cfg = prov_nodecert_config(nc);
    k8s_error e;
    assert_null(k8s_config_token(cfg, &e));
    unsigned char *c1, *k1, *c2, *k2;
    size_t c1l, k1l, c2l, k2l;
    assert_int_equal(k8s_config_client_creds(cfg, &c1, &c1l, &k1, &k1l), 1);
    prov_nodecert_start(nc);
    /* Wait (generously) for a second certificate with a new key. */
    int renewed = 0;
    for (int i = 0; i < 600 && !renewed; i++) {
        struct timespec ts = {0, 100 * 1000000L};
        nanosleep(&ts, NULL);
        k8s_config_client_creds(cfg, &c2, &c2l, &k2, &k2l);
        renewed = c2l != c1l || memcmp(c2, c1, c1l) != 0;
        if (renewed) {
            assert_true(k2l != k1l || memcmp(k2, k1, k1l) != 0);
            assert_non_null(strstr((char *)c2, "BEGIN CERTIFICATE"));
        }
        k8s_config_free_creds(c2, c2l, k2, k2l);
    }
    assert_true(renewed);
    assert_true(a->posts >= 2);
    atomic_store(&stop, 1);
    prov_nodecert_stop(nc);
    k8s_config_free_creds(c1, c1l, k1, k1l);
    k8s_config_free(cfg);
    prov_nodecert_free(nc);
    api_stop(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_issued),
        cmocka_unit_test(test_denied_and_timeout),
        cmocka_unit_test(test_rotation_deadline),
        cmocka_unit_test(test_nodecert_renews),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
