#include "k8s/csr.h"
#include "util/base64.h"
#include "util/clock.h"
#include "util/xmalloc.h"

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <math.h>
#include <string.h>

const k8s_resource K8S_RES_CSRS = { "certificates.k8s.io", "v1", "certificatesigningrequests",
                                    "CertificateSigningRequest", 0 };

#define POLL_MS 250L

void k8s_cert_pair_clear(k8s_cert_pair *p)
{
    if (!p)
        return;
    free(p->cert);
    if (p->key) {
        OPENSSL_cleanse(p->key, p->key_len);
        free(p->key);
    }
    memset(p, 0, sizeof *p);
}

static char *bio_take(BIO *bio, size_t *len)
{
    char *data;
    long n = BIO_get_mem_data(bio, &data);
    char *out = xmalloc((size_t)n + 1);
    memcpy(out, data, (size_t)n);
    out[n] = '\0';
    *len = (size_t)n;
    return out;
}

/* A new P-256 key and a PEM CSR for CN=system:node:NAME, O=system:nodes
 * without SANs (the approver refuses node client CSRs with any). */
static int make_csr(const char *node_name, char **csr_pem, size_t *csr_len, char **key_pem, size_t *key_len,
                    k8s_error *err)
{
    int rc = -1;
    EVP_PKEY *pk = EVP_EC_gen("P-256");
    X509_REQ *req = X509_REQ_new();
    X509_NAME *nm = X509_NAME_new();
    BIO *kb = BIO_new(BIO_s_secmem());
    BIO *rb = BIO_new(BIO_s_mem());
    char *cn = xasprintf("system:node:%s", node_name);
    if (!pk || !req || !nm || !kb || !rb) {
        k8s_error_set(err, K8S_E_INTERNAL, "node certificate: key generation failed");
        goto out;
    }
    if (!X509_NAME_add_entry_by_txt(nm, "O", MBSTRING_UTF8, (const unsigned char *)"system:nodes", -1, -1, 0) ||
        !X509_NAME_add_entry_by_txt(nm, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0) ||
        !X509_REQ_set_version(req, 0) || !X509_REQ_set_subject_name(req, nm) || !X509_REQ_set_pubkey(req, pk) ||
        !X509_REQ_sign(req, pk, EVP_sha256()) || !PEM_write_bio_X509_REQ(rb, req) ||
        !PEM_write_bio_PrivateKey(kb, pk, NULL, NULL, 0, NULL, NULL)) {
        k8s_error_set(err, K8S_E_INVALID_ARG, "node certificate: cannot build a CSR for %s", cn);
        goto out;
    }
    *csr_pem = bio_take(rb, csr_len);
    *key_pem = bio_take(kb, key_len);
    rc = 0;
out:
    ERR_clear_error();
    free(cn);
    BIO_free(rb);
    BIO_free(kb);
    X509_NAME_free(nm);
    X509_REQ_free(req);
    EVP_PKEY_free(pk);
    return rc;
}

/* The Approved / Denied / Failed state of a CSR object: 1 approved, -1
 * denied or failed (err filled), 0 pending. */
static int csr_state(const cJSON *csr, const char *name, k8s_error *err)
{
    const cJSON *conds = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(csr, "status"),
                                                          "conditions");
    const cJSON *c;
    int approved = 0;
    cJSON_ArrayForEach(c, conds)
    {
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(c, "type");
        if (!cJSON_IsString(t))
            continue;
        if (!strcmp(t->valuestring, "Denied") || !strcmp(t->valuestring, "Failed")) {
            const cJSON *r = cJSON_GetObjectItemCaseSensitive(c, "reason");
            const cJSON *m = cJSON_GetObjectItemCaseSensitive(c, "message");
            k8s_error_set(err, K8S_E_FORBIDDEN, "certificate signing request %s %s: %s: %s", name, t->valuestring,
                          cJSON_IsString(r) ? r->valuestring : "", cJSON_IsString(m) ? m->valuestring : "");
            return -1;
        }
        if (!strcmp(t->valuestring, "Approved"))
            approved = 1;
    }
    return approved;
}

/* Whether the certificate's public key is the one of key_pem. */
static int cert_matches_key(const char *cert, size_t cert_len, const char *key, size_t key_len)
{
    BIO *cb = BIO_new_mem_buf(cert, (int)cert_len), *kb = BIO_new_mem_buf(key, (int)key_len);
    X509 *x = cb ? PEM_read_bio_X509(cb, NULL, NULL, NULL) : NULL;
    EVP_PKEY *pk = kb ? PEM_read_bio_PrivateKey(kb, NULL, NULL, NULL) : NULL;
    int ok = x && pk && X509_check_private_key(x, pk) == 1;
    X509_free(x);
    EVP_PKEY_free(pk);
    BIO_free(cb);
    BIO_free(kb);
    ERR_clear_error();
    return ok;
}

int k8s_csr_node_client_cert(k8s_client *c, const char *node_name, long expiration_s, long wait_ms,
                             const atomic_int *stop, k8s_cert_pair *out, k8s_error *err)
{
    memset(out, 0, sizeof *out);
    char *csr_pem = NULL, *key = NULL;
    size_t csr_len = 0, key_len = 0;
    if (!node_name || !*node_name)
        return k8s_error_set(err, K8S_E_INVALID_ARG, "node certificate: empty node name");
    if (make_csr(node_name, &csr_pem, &csr_len, &key, &key_len, err) < 0)
        return -1;

    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "apiVersion", "certificates.k8s.io/v1");
    cJSON_AddStringToObject(o, "kind", "CertificateSigningRequest");
    cJSON_AddStringToObject(cJSON_AddObjectToObject(o, "metadata"), "generateName", "node-csr-");
    cJSON *spec = cJSON_AddObjectToObject(o, "spec");
    char *b64 = b64_encode(csr_pem, csr_len);
    cJSON_AddStringToObject(spec, "request", b64);
    free(b64);
    free(csr_pem);
    cJSON_AddStringToObject(spec, "signerName", K8S_SIGNER_KUBELET_CLIENT);
    /* An ECDSA key: digital signature + client auth (key encipherment is for
     * RSA keys; the approver accepts both sets). */
    cJSON *u = cJSON_AddArrayToObject(spec, "usages");
    cJSON_AddItemToArray(u, cJSON_CreateString("digital signature"));
    cJSON_AddItemToArray(u, cJSON_CreateString("client auth"));
    if (expiration_s > 0)
        cJSON_AddNumberToObject(spec, "expirationSeconds", (double)expiration_s);
    cJSON *created = NULL;
    int rc = k8s_create(c, &K8S_RES_CSRS, NULL, o, &created, err);
    cJSON_Delete(o);
    if (rc < 0)
        goto fail;
    const char *nm = k8s_meta_str(created, "name");
    char *name = xstrdup(nm ? nm : "");
    cJSON_Delete(created);
    if (!*name) {
        free(name);
        k8s_error_set(err, K8S_E_DECODE, "certificate signing request: no metadata.name in the answer");
        goto fail;
    }

    /* Poll the CSR by name: the identity asking may read its own CSR, and a
     * poll is immune to watch restarts; approval takes well under a second
     * when the controller runs. */
    long waited = 0;
    for (;;) {
        cJSON *csr = NULL;
        k8s_error gerr;
        if (k8s_get(c, &K8S_RES_CSRS, NULL, name, &csr, &gerr) == 0) {
            int st = csr_state(csr, name, err);
            const cJSON *cert = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(csr, "status"),
                                                                 "certificate");
            if (st < 0) {
                cJSON_Delete(csr);
                free(name);
                goto fail;
            }
            if (st > 0 && cJSON_IsString(cert) && *cert->valuestring) {
                size_t n = 0;
                unsigned char *pem = b64_decode(cert->valuestring, strlen(cert->valuestring), B64_WS, &n);
                cJSON_Delete(csr);
                if (!pem || k8s_cert_validity((char *)pem, n, &out->not_before, &out->not_after) < 0 ||
                    !cert_matches_key((char *)pem, n, key, key_len)) {
                    free(pem);
                    k8s_error_set(err, K8S_E_DECODE,
                                  "certificate signing request %s: the issued certificate is not a PEM certificate "
                                  "for the requested key",
                                  name);
                    free(name);
                    goto fail;
                }
                free(name);
                out->cert = (char *)pem;
                out->cert_len = n;
                out->key = key;
                out->key_len = key_len;
                return 0;
            }
            cJSON_Delete(csr);
        } else if (!k8s_code_transient(gerr.code)) {
            if (err)
                *err = gerr;
            free(name);
            goto fail;
        }
        if (waited >= wait_ms || (stop && atomic_load(stop))) {
            k8s_error_set(err, K8S_E_TIMEOUT,
                          "certificate signing request %s (signer %s) not issued after %ld s: is it approved "
                          "(kubectl get csr %s) and does kube-controller-manager sign this signer?",
                          name, K8S_SIGNER_KUBELET_CLIENT, wait_ms / 1000, name);
            free(name);
            goto fail;
        }
        clock_sleep_ms(POLL_MS);
        waited += POLL_MS;
    }
fail:
    OPENSSL_cleanse(key, key_len);
    free(key);
    return -1;
}

int k8s_cert_validity(const char *pem, size_t len, time_t *not_before, time_t *not_after)
{
    BIO *b = BIO_new_mem_buf(pem, (int)len);
    X509 *x = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
    int rc = -1;
    struct tm tb, ta;
    if (x && ASN1_TIME_to_tm(X509_get0_notBefore(x), &tb) == 1 && ASN1_TIME_to_tm(X509_get0_notAfter(x), &ta) == 1) {
        *not_before = timegm(&tb);
        *not_after = timegm(&ta);
        rc = 0;
    }
    X509_free(x);
    BIO_free(b);
    ERR_clear_error();
    return rc;
}

time_t k8s_cert_rotation_deadline(time_t not_before, time_t not_after, double u)
{
    if (u < 0)
        u = 0;
    if (u >= 1)
        u = 0.999999;
    double total = difftime(not_after, not_before);
    if (total <= 0)
        return not_before;
    return not_before + (time_t)llround(total * (0.7 + 0.2 * u));
}
