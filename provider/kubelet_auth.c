/* Authentication and authorization of kubelet API callers, the way a real
 * kubelet does them (kubelet-protocols.md 5.3): a client certificate already
 * verified against --client-ca-file maps to user CN and groups O; a bearer
 * token goes through a TokenReview; every request is authorized with a
 * SubjectAccessReview on the node's subresource. The kubelet's webhook caches
 * wrap these callbacks (kubelet_auth_cache in provider/kubelet/server.h). */
#include "provider/kubelet_handlers.h"
#include "k8s/auth.h"
#include "util/xmalloc.h"

#include <stdio.h>
#include <string.h>

struct prov_kauth {
    k8s_client *kc;
};

prov_kauth *prov_kauth_new(k8s_client *kc)
{
    prov_kauth *a = xcalloc(1, sizeof *a);
    a->kc = kc;
    return a;
}

void prov_kauth_free(prov_kauth *a)
{
    free(a);
}

int prov_kauth_authn(void *ud, const kubelet_credential *cred, kubelet_user *user, char *err, size_t errlen)
{
    prov_kauth *a = ud;
    if (cred->kind == KUBELET_CRED_X509) {
        kubelet_user_set_name(user, cred->cn ? cred->cn : "");
        for (size_t i = 0; i < cred->norgs; i++)
            kubelet_user_add_group(user, cred->orgs[i]);
        kubelet_user_add_group(user, "system:authenticated");
        return 1;
    }
    if (cred->kind != KUBELET_CRED_TOKEN || !cred->token || !cred->token[0]) {
        snprintf(err, errlen, "no credentials");
        return 0;
    }
    cJSON *status = NULL;
    k8s_error kerr;
    if (k8s_token_review(a->kc, cred->token, NULL, &status, &kerr) != 0) {
        char buf[600];
        snprintf(err, errlen, "TokenReview failed: %s", k8s_error_format(&kerr, buf, sizeof buf));
        return -1;
    }
    int ok = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(status, "authenticated"));
    if (!ok) {
        snprintf(err, errlen, "invalid bearer token");
        cJSON_Delete(status);
        return 0;
    }
    const cJSON *u = cJSON_GetObjectItemCaseSensitive(status, "user");
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(u, "username");
    const cJSON *uid = cJSON_GetObjectItemCaseSensitive(u, "uid");
    kubelet_user_set_name(user, cJSON_IsString(name) ? name->valuestring : "");
    if (cJSON_IsString(uid))
        xstrset(&user->uid, uid->valuestring);
    const cJSON *g;
    cJSON_ArrayForEach(g, cJSON_GetObjectItemCaseSensitive(u, "groups"))
    {
        if (cJSON_IsString(g))
            kubelet_user_add_group(user, g->valuestring);
    }
    /* extra (e.g. the bound pod and credential id of a service account token)
     * goes on to the SubjectAccessReview, as the kubelet's webhook does */
    const cJSON *x, *v;
    cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(u, "extra"))
    {
        cJSON_ArrayForEach(v, x)
        {
            if (cJSON_IsString(v))
                kubelet_user_add_extra(user, x->string, v->valuestring);
        }
    }
    cJSON_Delete(status);
    return 1;
}

int prov_kauth_authz(void *ud, const kubelet_user *user, const kubelet_attrs *attrs, char *reason, size_t reasonlen)
{
    prov_kauth *a = ud;
    cJSON *spec = cJSON_CreateObject();
    cJSON_AddStringToObject(spec, "user", user->name ? user->name : "");
    if (user->uid && user->uid[0])
        cJSON_AddStringToObject(spec, "uid", user->uid);
    cJSON *g = cJSON_AddArrayToObject(spec, "groups");
    for (size_t i = 0; i < user->ngroups; i++)
        cJSON_AddItemToArray(g, cJSON_CreateString(user->groups[i]));
    if (user->extra.n) {
        cJSON *ex = cJSON_AddObjectToObject(spec, "extra");
        for (size_t i = 0; i < user->extra.n; i++) {
            cJSON *vals = cJSON_GetObjectItemCaseSensitive(ex, user->extra.items[i].key);
            if (!vals)
                vals = cJSON_AddArrayToObject(ex, user->extra.items[i].key);
            cJSON_AddItemToArray(vals, cJSON_CreateString(user->extra.items[i].val));
        }
    }
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
        return -1;
    }
    if (!allowed)
        snprintf(reason, reasonlen, "%s", why ? why : "");
    free(why);
    return allowed ? 1 : 0;
}
