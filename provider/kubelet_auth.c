/* Authentication and authorization of kubelet API callers, the way a real
 * kubelet does them (kubelet-protocols.md 5.3): a client certificate already
 * verified against --client-ca-file maps to user CN and groups O; a bearer
 * token goes through a TokenReview; every request is authorized with a
 * SubjectAccessReview on the node's subresource. Answers are cached like the
 * kubelet's webhook caches (authn 2 min, authz 5 min allowed / 30 s denied). */
#include "provider/kubelet.h"
#include "k8s/auth.h"
#include "util/dynbuf.h"
#include "util/log.h"
#include "util/xmalloc.h"

#include <openssl/sha.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define COMP "kubelet-auth"
#define AUTHN_TTL_OK 120
#define AUTHN_TTL_FAIL 10
#define AUTHZ_TTL_OK 300
#define AUTHZ_TTL_DENY 30
#define CACHE_MAX 4096

struct prov_kauth {
    k8s_client *kc;
    pthread_mutex_t mu;
    cJSON *authn; /* sha256(token) -> {"exp":t,"ok":b,"user":..,"uid":..,"groups":[..]} */
    cJSON *authz; /* key -> {"exp":t,"ok":b,"reason":..} */
};

prov_kauth *prov_kauth_new(k8s_client *kc)
{
    prov_kauth *a = xcalloc(1, sizeof *a);
    a->kc = kc;
    pthread_mutex_init(&a->mu, NULL);
    a->authn = cJSON_CreateObject();
    a->authz = cJSON_CreateObject();
    return a;
}

void prov_kauth_free(prov_kauth *a)
{
    if (!a)
        return;
    cJSON_Delete(a->authn);
    cJSON_Delete(a->authz);
    pthread_mutex_destroy(&a->mu);
    free(a);
}

/* Copy of a fresh cache entry, or NULL. Drops expired entries on the way. */
static cJSON *cache_get(prov_kauth *a, cJSON *cache, const char *key)
{
    time_t now = time(NULL);
    pthread_mutex_lock(&a->mu);
    cJSON *e = cJSON_GetObjectItemCaseSensitive(cache, key);
    cJSON *out = NULL;
    if (e) {
        if ((time_t)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(e, "exp")) > now)
            out = cJSON_Duplicate(e, 1);
        else
            cJSON_DeleteItemFromObjectCaseSensitive(cache, key);
    }
    pthread_mutex_unlock(&a->mu);
    return out;
}

static void cache_put(prov_kauth *a, cJSON *cache, const char *key, cJSON *val, int ttl)
{
    cJSON_AddNumberToObject(val, "exp", (double)(time(NULL) + ttl));
    pthread_mutex_lock(&a->mu);
    if (cJSON_GetArraySize(cache) >= CACHE_MAX) {
        /* Simple bound: drop the oldest half. */
        for (int i = 0; i < CACHE_MAX / 2 && cache->child; i++)
            cJSON_Delete(cJSON_DetachItemViaPointer(cache, cache->child));
    }
    cJSON_DeleteItemFromObjectCaseSensitive(cache, key);
    cJSON_AddItemToObject(cache, key, val);
    pthread_mutex_unlock(&a->mu);
}

static void fill_user(kapi_user *u, const cJSON *e)
{
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(e, "user");
    kapi_user_set_name(u, cJSON_IsString(n) ? n->valuestring : "");
    const cJSON *uid = cJSON_GetObjectItemCaseSensitive(e, "uid");
    if (cJSON_IsString(uid))
        xstrset(&u->uid, uid->valuestring);
    const cJSON *g;
    cJSON_ArrayForEach(g, cJSON_GetObjectItemCaseSensitive(e, "groups"))
    {
        if (cJSON_IsString(g))
            kapi_user_add_group(u, g->valuestring);
    }
}

int prov_kauth_authn(void *ud, const kapi_credential *cred, kapi_user *user, char *err, size_t errlen)
{
    prov_kauth *a = ud;
    if (cred->kind == KAPI_CRED_X509) {
        kapi_user_set_name(user, cred->cn ? cred->cn : "");
        for (size_t i = 0; i < cred->norgs; i++)
            kapi_user_add_group(user, cred->orgs[i]);
        kapi_user_add_group(user, "system:authenticated");
        return 1;
    }
    if (cred->kind != KAPI_CRED_TOKEN || !cred->token || !cred->token[0]) {
        snprintf(err, errlen, "no credentials");
        return 0;
    }
    unsigned char md[SHA256_DIGEST_LENGTH];
    SHA256((const unsigned char *)cred->token, strlen(cred->token), md);
    char key[2 * SHA256_DIGEST_LENGTH + 1];
    for (int i = 0; i < SHA256_DIGEST_LENGTH; i++)
        snprintf(key + 2 * i, 3, "%02x", md[i]);
    cJSON *e = cache_get(a, a->authn, key);
    if (!e) {
        cJSON *status = NULL;
        k8s_error kerr;
        if (k8s_token_review(a->kc, cred->token, NULL, &status, &kerr) != 0) {
            char buf[600];
            snprintf(err, errlen, "TokenReview failed: %s", k8s_error_format(&kerr, buf, sizeof buf));
            return -1;
        }
        e = cJSON_CreateObject();
        int okv = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(status, "authenticated"));
        cJSON_AddBoolToObject(e, "ok", okv);
        const cJSON *u = cJSON_GetObjectItemCaseSensitive(status, "user");
        const cJSON *un = cJSON_GetObjectItemCaseSensitive(u, "username");
        const cJSON *uu = cJSON_GetObjectItemCaseSensitive(u, "uid");
        cJSON_AddStringToObject(e, "user", cJSON_IsString(un) ? un->valuestring : "");
        cJSON_AddStringToObject(e, "uid", cJSON_IsString(uu) ? uu->valuestring : "");
        const cJSON *gr = cJSON_GetObjectItemCaseSensitive(u, "groups");
        cJSON_AddItemToObject(e, "groups", gr ? cJSON_Duplicate(gr, 1) : cJSON_CreateArray());
        cJSON_Delete(status);
        cache_put(a, a->authn, key, cJSON_Duplicate(e, 1), okv ? AUTHN_TTL_OK : AUTHN_TTL_FAIL);
    }
    int okv = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(e, "ok"));
    if (okv)
        fill_user(user, e);
    else
        snprintf(err, errlen, "invalid bearer token");
    cJSON_Delete(e);
    return okv ? 1 : 0;
}

int prov_kauth_authz(void *ud, const kapi_user *user, const kapi_attrs *attrs, char *reason, size_t reasonlen)
{
    prov_kauth *a = ud;
    dynbuf k;
    dynbuf_init(&k, 0);
    dynbuf_printf(&k, "%s|%s|%s|%s|%s|", user->name ? user->name : "", attrs->verb, attrs->resource,
                  attrs->subresource ? attrs->subresource : "", attrs->name ? attrs->name : "");
    for (size_t i = 0; i < user->ngroups; i++)
        dynbuf_printf(&k, "%s,", user->groups[i]);
    cJSON *e = cache_get(a, a->authz, dynbuf_str(&k));
    if (!e) {
        cJSON *spec = cJSON_CreateObject();
        cJSON_AddStringToObject(spec, "user", user->name ? user->name : "");
        if (user->uid && user->uid[0])
            cJSON_AddStringToObject(spec, "uid", user->uid);
        cJSON *g = cJSON_AddArrayToObject(spec, "groups");
        for (size_t i = 0; i < user->ngroups; i++)
            cJSON_AddItemToArray(g, cJSON_CreateString(user->groups[i]));
        cJSON *ra = cJSON_AddObjectToObject(spec, "resourceAttributes");
        cJSON_AddStringToObject(ra, "verb", attrs->verb);
        cJSON_AddStringToObject(ra, "group", "");
        cJSON_AddStringToObject(ra, "version", attrs->api_version ? attrs->api_version : "v1");
        cJSON_AddStringToObject(ra, "resource", attrs->resource);
        if (attrs->subresource && attrs->subresource[0])
            cJSON_AddStringToObject(ra, "subresource", attrs->subresource);
        if (attrs->name && attrs->name[0])
            cJSON_AddStringToObject(ra, "name", attrs->name);
        int allowed = 0;
        char *why = NULL;
        k8s_error kerr;
        int rc = k8s_subject_access_review(a->kc, spec, &allowed, &why, &kerr);
        cJSON_Delete(spec);
        if (rc != 0) {
            char buf[600];
            snprintf(reason, reasonlen, "SubjectAccessReview failed: %s", k8s_error_format(&kerr, buf, sizeof buf));
            dynbuf_free(&k);
            return -1;
        }
        e = cJSON_CreateObject();
        cJSON_AddBoolToObject(e, "ok", allowed);
        cJSON_AddStringToObject(e, "reason", why ? why : "");
        free(why);
        cache_put(a, a->authz, dynbuf_str(&k), cJSON_Duplicate(e, 1), allowed ? AUTHZ_TTL_OK : AUTHZ_TTL_DENY);
    }
    dynbuf_free(&k);
    int allowed = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(e, "ok"));
    if (!allowed) {
        const cJSON *r = cJSON_GetObjectItemCaseSensitive(e, "reason");
        snprintf(reason, reasonlen, "%s", cJSON_IsString(r) ? r->valuestring : "");
    }
    cJSON_Delete(e);
    return allowed ? 1 : 0;
}
