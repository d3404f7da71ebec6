/* Authentication like the real service, with either signature method
 * (eci/sign.h): V2 (HMAC-SHA1, common parameters in the query or form body)
 * or V3 (ACS3-HMAC-SHA256, x-acs-* headers and Authorization); AccessKey
 * lookup, STS security token, ±15 min timestamp window and nonce replay
 * protection for 15 minutes. */
#include "eci/emulator/emu.h"

#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "eci/sign.h"
#include "util/timefmt.h"
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
    htab_init(&a->nonces, 4096, offsetof(emu_nonce, next), offsetof(emu_nonce, nonce));
}

static void free_secret(char *s)
{
    if (s) {
        OPENSSL_cleanse(s, strlen(s));
        free(s);
    }
}

static void issued_free(emu_issued *i)
{
    free(i->id);
    free_secret(i->secret);
    free_secret(i->token);
    free(i);
}

void emu_auth_issue(emu_auth *a, const char *id, const char *secret, const char *token, time_t expires)
{
    emu_issued *i = xcalloc(1, sizeof *i);
    i->id = xstrdup(id);
    i->secret = xstrdup(secret);
    i->token = xstrdup(token);
    i->expires = expires;
    pthread_mutex_lock(&a->mu);
    i->next = a->issued;
    a->issued = i;
    pthread_mutex_unlock(&a->mu);
}

/* The secret and token of an unexpired issued pair, copied into the caller's
 * buffers; 0 when found. Expired pairs are dropped on the way. */
static int issued_find(emu_auth *a, const char *id, time_t now, char *secret, size_t slen, char *token, size_t tlen)
{
    int found = 0;
    pthread_mutex_lock(&a->mu);
    for (emu_issued **pp = &a->issued; *pp;) {
        emu_issued *i = *pp;
        if (i->expires <= now) {
            *pp = i->next;
            issued_free(i);
            continue;
        }
        if (!found && strcmp(i->id, id) == 0) {
            snprintf(secret, slen, "%s", i->secret);
            snprintf(token, tlen, "%s", i->token);
            found = 1;
        }
        pp = &i->next;
    }
    pthread_mutex_unlock(&a->mu);
    return found ? 0 : -1;
}

void emu_auth_destroy(emu_auth *a)
{
    for (emu_issued *i = a->issued, *nx; i; i = nx) {
        nx = i->next;
        issued_free(i);
    }
    for (size_t i = 0; i < a->nonces.nb; i++)
        for (emu_nonce *n = a->nonces.b[i], *nx; n; n = nx) {
            nx = n->next;
            free(n->nonce);
            free(n);
        }
    htab_fini(&a->nonces);
    free(a->ak_id);
    free_secret(a->ak_secret);
    free(a->sts_id);
    free_secret(a->sts_secret);
    free_secret(a->sts_token);
    pthread_mutex_destroy(&a->mu);
}

static int fresh(void *item, void *ud)
{
    emu_nonce *n = item;
    if (*(const time_t *)ud - n->at <= NONCE_WINDOW)
        return 1;
    free(n->nonce);
    free(n);
    return 0;
}

static void purge(emu_auth *a, time_t now)
{
    htab_filter(&a->nonces, fresh, &now);
    a->last_purge = now;
}

/* 1 when the nonce was seen within the window; records it otherwise. */
static int nonce_seen(emu_auth *a, const char *nonce, time_t now)
{
    int seen = 0;
    pthread_mutex_lock(&a->mu);
    if (now - a->last_purge > 60 || a->nonces.n > MAX_NONCES)
        purge(a, now);
    emu_nonce *n = htab_get(&a->nonces, nonce);
    if (n && now - n->at <= NONCE_WINDOW) {
        seen = 1;
    } else if (n) {
        n->at = now; /* seen before the window: a new use */
    } else {
        n = xcalloc(1, sizeof *n);
        n->nonce = xstrdup(nonce);
        n->at = now;
        htab_put(&a->nonces, n);
    }
    pthread_mutex_unlock(&a->mu);
    return seen;
}

/* The timestamp of either method: ISO 8601 UTC within the window. */
static int check_time(const char *stamp, time_t now, emu_err *e)
{
    struct timespec ts;
    if (timefmt_parse(stamp, strlen(stamp), &ts) != 0)
        return emu_fail_code(e, "InvalidTimeStamp.Format");
    if (ts.tv_sec > now + NONCE_WINDOW || ts.tv_sec < now - NONCE_WINDOW)
        return emu_fail_code(e, "InvalidTimeStamp.Expired");
    return 0;
}

/* The secret of AccessKey id, copied into secret (the caller wipes it); an
 * STS key (the configured pair or one AssumeRoleWithOIDC issued and not yet
 * expired) needs its security token. */
static int lookup_key(emu_auth *a, const char *id, const char *token, time_t now, char *secret, size_t cap,
                      emu_err *e)
{
    int sts = 0;
    const char *want_token = NULL;
    char issued_token[128];
    if (a->ak_id && strcmp(id, a->ak_id) == 0) {
        snprintf(secret, cap, "%s", a->ak_secret);
    } else if (a->sts_id && strcmp(id, a->sts_id) == 0) {
        snprintf(secret, cap, "%s", a->sts_secret);
        want_token = a->sts_token;
        sts = 1;
    } else if (issued_find(a, id, now, secret, cap, issued_token, sizeof issued_token) == 0) {
        want_token = issued_token;
        sts = 1;
    } else {
        return emu_fail_code(e, "InvalidAccessKeyId.NotFound");
    }
    if (sts && (!token || !*token))
        return emu_fail_code(e, "MissingSecurityToken");
    if (sts && want_token && strcmp(token, want_token) != 0)
        return emu_fail_code(e, "InvalidSecurityToken.MismatchWithAccessKey");
    return 0;
}

static int sig_mismatch(emu_err *e, const dynbuf *sts)
{
    return emu_fail(e, 400, "SignatureDoesNotMatch",
                    "Specified signature is not matched with our calculation. server string to sign is:%.1400s",
                    dynbuf_str(sts));
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
    if (check_time(kv_get(params, "Timestamp"), now, e))
        return -1;
    char secret[256];
    if (lookup_key(a, kv_get(params, "AccessKeyId"), emu_get(params, "SecurityToken"), now, secret, sizeof secret,
                   e)) {
        OPENSSL_cleanse(secret, sizeof secret);
        return -1;
    }

    char sig[64];
    eci_sign_rpc(method, params, secret, sig);
    OPENSSL_cleanse(secret, sizeof secret);
    if (!eci_sign_equal(sig, kv_get(params, "Signature"))) {
        dynbuf sts_buf;
        dynbuf_init(&sts_buf, 0);
        eci_string_to_sign(&sts_buf, method, params);
        sig_mismatch(e, &sts_buf);
        dynbuf_free(&sts_buf);
        return -1;
    }
    if (nonce_seen(a, nonce, now))
        return emu_fail_code(e, "SignatureNonceUsed");
    return 0;
}

static int incomplete(emu_err *e, const char *why)
{
    return emu_fail(e, 400, "IncompleteSignature", "The request signature does not conform to Aliyun standards: %s",
                    why);
}

/* Every name of need (';'-joined) is in have (';'-joined); the first one
 * missing goes to missing. */
static int names_cover(const char *need, const char *have, char *missing, size_t cap)
{
    for (const char *p = need; *p;) {
        size_t n = strcspn(p, ";");
        int found = 0;
        for (const char *q = have; *q && !found;) {
            size_t m = strcspn(q, ";");
            found = m == n && strncasecmp(p, q, n) == 0;
            q += m + (q[m] == ';');
        }
        if (!found) {
            snprintf(missing, cap, "%.*s", (int)n, p);
            return 0;
        }
        p += n + (p[n] == ';');
    }
    return 1;
}

int emu_auth_check_v3(emu_auth *a, const char *method, const kv_list *query, const kv_list *headers,
                      const char *body, size_t body_len, time_t now, emu_err *e)
{
    dynbuf alg, cred, names, sig, need, sts;
    char secret[256] = "";
    dynbuf_init(&alg, 0);
    dynbuf_init(&cred, 0);
    dynbuf_init(&names, 0);
    dynbuf_init(&sig, 0);
    dynbuf_init(&need, 0);
    dynbuf_init(&sts, 0);
    int rc = -1;
    static const char *const required[] = {"x-acs-action", "x-acs-version", "x-acs-date", "x-acs-signature-nonce",
                                           "x-acs-content-sha256", NULL};
    const char *auth = kv_get_ci(headers, "authorization");
    char missing[64];
    if (eci_v3_parse_authorization(auth, &alg, &cred, &names, &sig) != 0) {
        incomplete(e, "the Authorization header is not \"ACS3-HMAC-SHA256 Credential=<AccessKeyId>,"
                      "SignedHeaders=<names>,Signature=<hex>\"");
        goto out;
    }
    if (strcmp(dynbuf_str(&alg), ECI_V3_ALGORITHM) != 0) {
        emu_fail(e, 400, "IncompleteSignature",
                 "The signature algorithm %.64s is not supported by the emulator; use ACS3-HMAC-SHA256 or HMAC-SHA1.",
                 dynbuf_str(&alg));
        goto out;
    }
    for (int i = 0; required[i]; i++)
        if (!kv_get_ci(headers, required[i]) || !*kv_get_ci(headers, required[i])) {
            emu_missing(e, required[i]);
            goto out;
        }
#ifdef ECI_FUZZING
    if (strcmp(dynbuf_str(&sig), "fuzz") == 0) {
        rc = 0;
        goto out;
    }
#endif
    if (strcmp(kv_get_ci(headers, "x-acs-version"), "2018-08-08") != 0) {
        emu_fail_code(e, "InvalidVersion");
        goto out;
    }
    const char *nonce = kv_get_ci(headers, "x-acs-signature-nonce");
    if (strlen(nonce) > 128) {
        emu_invalid(e, "x-acs-signature-nonce", "too long");
        goto out;
    }
    if (check_time(kv_get_ci(headers, "x-acs-date"), now, e))
        goto out;
    if (lookup_key(a, dynbuf_str(&cred), kv_get_ci(headers, "x-acs-security-token"), now, secret, sizeof secret, e))
        goto out;
    /* host, content-type and every x-acs-* header must be signed */
    eci_v3_signed_headers(&need, headers);
    if (!names_cover(dynbuf_str(&need), dynbuf_str(&names), missing, sizeof missing)) {
        char why[128];
        snprintf(why, sizeof why, "SignedHeaders must include %s", missing);
        incomplete(e, why);
        goto out;
    }
    char payload[65];
    eci_sha256_hex(body, body_len, payload);
    if (strcasecmp(kv_get_ci(headers, "x-acs-content-sha256"), payload) != 0) {
        emu_fail(e, 400, "SignatureDoesNotMatch",
                 "Specified signature is not matched with our calculation: x-acs-content-sha256 is not the "
                 "SHA-256 of the request body.");
        goto out;
    }
    eci_v3_request r = {method, "/", query, headers, dynbuf_str(&names), payload};
    char want[65];
    if (eci_sign_v3(&r, secret, want, &sts) != 0) {
        incomplete(e, "a header named in SignedHeaders is not in the request");
        goto out;
    }
    if (!eci_sign_equal(want, dynbuf_str(&sig))) {
        sig_mismatch(e, &sts);
        goto out;
    }
    if (nonce_seen(a, nonce, now)) {
        emu_fail_code(e, "SignatureNonceUsed");
        goto out;
    }
    rc = 0;
out:
    OPENSSL_cleanse(secret, sizeof secret);
    dynbuf_free(&alg);
    dynbuf_free(&cred);
    dynbuf_free(&names);
    dynbuf_free(&sig);
    dynbuf_free(&need);
    dynbuf_free(&sts);
    return rc;
}
