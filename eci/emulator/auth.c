/* Authentication like the real service: common parameters, AccessKey
 * lookup, STS SecurityToken, ±15 min Timestamp window, V2 signature
 * (eci/sign.h) and SignatureNonce replay protection for 15 minutes. */
#include "eci/emulator/emu.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "eci/sign.h"
#include "util/xmalloc.h"

#define NONCE_WINDOW 900
#define MAX_NONCES 1000000

void emu_auth_init(emu_auth *a, const char *id, const char *secret, const char *sts_id, const char *sts_secret,
                   const char *sts_token)
{
    memset(a, 0, sizeof *a);
    pthread_mutex_init(&a->mu, NULL);
    a->ak_id = xstrdup(id);
    a->ak_secret = xstrdup(secret);
    a->sts_id = xstrdup(sts_id);
    a->sts_secret = xstrdup(sts_secret);
    a->sts_token = (sts_token && *sts_token) ? xstrdup(sts_token) : NULL;
    a->nbuckets = 4096;
    a->buckets = xcalloc(a->nbuckets, sizeof *a->buckets);
}

static void free_secret(char *s)
{
    if (s) {
        OPENSSL_cleanse(s, strlen(s));
        free(s);
    }
}

void emu_auth_destroy(emu_auth *a)
{
    for (size_t i = 0; i < a->nbuckets; i++)
        for (emu_nonce *n = a->buckets[i], *nx; n; n = nx) {
            nx = n->next;
            free(n->nonce);
            free(n);
        }
    free(a->buckets);
    free(a->ak_id);
    free_secret(a->ak_secret);
    free(a->sts_id);
    free_secret(a->sts_secret);
    free_secret(a->sts_token);
    pthread_mutex_destroy(&a->mu);
}

static size_t hash(const char *s)
{
    size_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static void purge(emu_auth *a, time_t now)
{
    for (size_t i = 0; i < a->nbuckets; i++) {
        emu_nonce **pp = &a->buckets[i];
        while (*pp) {
            emu_nonce *n = *pp;
            if (now - n->at > NONCE_WINDOW) {
                *pp = n->next;
                free(n->nonce);
                free(n);
                a->count--;
            } else {
                pp = &n->next;
            }
        }
    }
    a->last_purge = now;
}

/* 1 when the nonce was seen within the window; records it otherwise. */
static int nonce_seen(emu_auth *a, const char *nonce, time_t now)
{
    int seen = 0;
    pthread_mutex_lock(&a->mu);
    if (now - a->last_purge > 60 || a->count > MAX_NONCES)
        purge(a, now);
    size_t b = hash(nonce) % a->nbuckets;
    for (emu_nonce *n = a->buckets[b]; n; n = n->next)
        if (strcmp(n->nonce, nonce) == 0 && now - n->at <= NONCE_WINDOW) {
            seen = 1;
            break;
        }
    if (!seen) {
        emu_nonce *n = xcalloc(1, sizeof *n);
        n->nonce = xstrdup(nonce);
        n->at = now;
        n->next = a->buckets[b];
        a->buckets[b] = n;
        a->count++;
    }
    pthread_mutex_unlock(&a->mu);
    return seen;
}

int emu_auth_check(emu_auth *a, const char *method, const kv_list *params, time_t now, emu_err *e)
{
    static const char *const required[] = {"Action", "Version", "AccessKeyId", "SignatureMethod",
                                           "SignatureVersion", "SignatureNonce", "Timestamp", "Signature",
                                           NULL};
    for (int i = 0; required[i]; i++)
        if (!emu_get(params, required[i]))
            return emu_missing(e, required[i]);
    for (int i = 0; required[i]; i++)
        if (kv_count(params, required[i]) > 1)
            return emu_invalid(e, required[i], "the parameter is given more than once");
#ifdef ECI_FUZZING
    /* Fuzz builds: Signature=fuzz reaches the operations without a valid signature. */
    if (strcmp(kv_get(params, "Signature"), "fuzz") == 0)
        return 0;
#endif
    if (strcmp(kv_get(params, "Version"), "2018-08-08") != 0)
        return emu_fail_code(e, "InvalidVersion");
    const char *fmt = emu_get(params, "Format");
    if (fmt && strcasecmp(fmt, "JSON") != 0 && strcasecmp(fmt, "XML") != 0)
        return emu_fail_code(e, "InvalidParameter.Format");
    if (strcmp(kv_get(params, "SignatureMethod"), "HMAC-SHA1") != 0)
        return emu_invalid(e, "SignatureMethod", "only HMAC-SHA1 is supported");
    if (strcmp(kv_get(params, "SignatureVersion"), "1.0") != 0)
        return emu_invalid(e, "SignatureVersion", "only 1.0 is supported");
    const char *nonce = kv_get(params, "SignatureNonce");
    if (strlen(nonce) > 128)
        return emu_invalid(e, "SignatureNonce", "too long");
    struct timespec ts;
    const char *stamp = kv_get(params, "Timestamp");
    if (emu_parse_time(stamp, &ts) != 0)
        return emu_fail_code(e, "InvalidTimeStamp.Format");
    if (ts.tv_sec > now + NONCE_WINDOW || ts.tv_sec < now - NONCE_WINDOW)
        return emu_fail_code(e, "InvalidTimeStamp.Expired");

    const char *id = kv_get(params, "AccessKeyId");
    const char *secret = NULL;
    int sts = 0;
    if (a->ak_id && strcmp(id, a->ak_id) == 0) {
        secret = a->ak_secret;
    } else if (a->sts_id && strcmp(id, a->sts_id) == 0) {
        secret = a->sts_secret;
        sts = 1;
    } else {
        return emu_fail_code(e, "InvalidAccessKeyId.NotFound");
    }
    const char *token = emu_get(params, "SecurityToken");
    if (sts && !token)
        return emu_fail_code(e, "MissingSecurityToken");
    if (sts && a->sts_token && strcmp(token, a->sts_token) != 0)
        return emu_fail_code(e, "InvalidSecurityToken.MismatchWithAccessKey");

    char sig[64];
    eci_sign_rpc(method, params, secret, sig);
    if (!eci_sign_equal(sig, kv_get(params, "Signature"))) {
        dynbuf sts_buf;
        dynbuf_init(&sts_buf, 0);
        eci_string_to_sign(&sts_buf, method, params);
        emu_fail(e, 400, "SignatureDoesNotMatch",
                 "Specified signature is not matched with our calculation. server string to sign is:%.1400s",
                 dynbuf_str(&sts_buf));
        dynbuf_free(&sts_buf);
        return -1;
    }
    if (nonce_seen(a, nonce, now))
        return emu_fail_code(e, "SignatureNonceUsed");
    return 0;
}
