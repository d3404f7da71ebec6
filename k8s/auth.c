#include "k8s/auth.h"
#include "util/xmalloc.h"

#include <string.h>

static cJSON *new_obj(const char *apiv, const char *kind)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "apiVersion", apiv);
    cJSON_AddStringToObject(o, "kind", kind);
    return o;
}

static void add_audiences(cJSON *spec, const char *const *aud)
{
    if (!aud || !aud[0])
        return;
    cJSON *a = cJSON_AddArrayToObject(spec, "audiences");
    for (; *aud; aud++)
        cJSON_AddItemToArray(a, cJSON_CreateString(*aud));
}

int k8s_token_request(k8s_client *c, const char *ns, const char *sa, const char *const *audiences,
                      long expiration_s, const char *bound_pod_name, const char *bound_pod_uid, char **token,
                      char **expires, k8s_error *err)
{
    *token = NULL;
    if (expires)
        *expires = NULL;
    cJSON *tr = new_obj("authentication.k8s.io/v1", "TokenRequest");
    cJSON *spec = cJSON_AddObjectToObject(tr, "spec");
    add_audiences(spec, audiences);
    if (expiration_s > 0)
        cJSON_AddNumberToObject(spec, "expirationSeconds", (double)expiration_s);
    if (bound_pod_name) {
        cJSON *b = cJSON_AddObjectToObject(spec, "boundObjectRef");
        cJSON_AddStringToObject(b, "apiVersion", "v1");
        cJSON_AddStringToObject(b, "kind", "Pod");
        cJSON_AddStringToObject(b, "name", bound_pod_name);
        if (bound_pod_uid)
            cJSON_AddStringToObject(b, "uid", bound_pod_uid);
    }
    cJSON *out;
    int rc = k8s_create_sub(c, &K8S_RES_SERVICEACCOUNTS, ns, sa, "token", tr, &out, err);
    cJSON_Delete(tr);
    if (rc < 0)
        return -1;
    cJSON *st = cJSON_GetObjectItemCaseSensitive(out, "status");
    cJSON *tok = cJSON_GetObjectItemCaseSensitive(st, "token");
    cJSON *exp = cJSON_GetObjectItemCaseSensitive(st, "expirationTimestamp");
    if (!cJSON_IsString(tok) || !*tok->valuestring) {
        cJSON_Delete(out);
        return k8s_error_set(err, K8S_E_DECODE, "TokenRequest for %s/%s: no status.token in the answer", ns, sa);
    }
    *token = xstrdup(tok->valuestring);
    memset(tok->valuestring, 0, strlen(tok->valuestring));
    if (expires && cJSON_IsString(exp))
        *expires = xstrdup(exp->valuestring);
    cJSON_Delete(out);
    return 0;
}

int k8s_token_review(k8s_client *c, const char *token, const char *const *audiences, cJSON **status,
                     k8s_error *err)
{
    *status = NULL;
    cJSON *tr = new_obj("authentication.k8s.io/v1", "TokenReview");
    cJSON *spec = cJSON_AddObjectToObject(tr, "spec");
    cJSON_AddStringToObject(spec, "token", token);
    add_audiences(spec, audiences);
    cJSON *out;
    int rc = k8s_create(c, &K8S_RES_TOKENREVIEWS, NULL, tr, &out, err);
    cJSON *t = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(tr, "spec"), "token");
    memset(t->valuestring, 0, strlen(t->valuestring));
    cJSON_Delete(tr);
    if (rc < 0)
        return -1;
    cJSON *st = cJSON_DetachItemFromObjectCaseSensitive(out, "status");
    cJSON_Delete(out);
    if (!cJSON_IsObject(st)) {
        cJSON_Delete(st);
        return k8s_error_set(err, K8S_E_DECODE, "TokenReview: no status in the answer");
    }
    *status = st;
    return 0;
}

int k8s_subject_access_review(k8s_client *c, const cJSON *spec, int *allowed, char **reason, k8s_error *err)
{
    *allowed = 0;
    if (reason)
        *reason = NULL;
    cJSON *sar = new_obj("authorization.k8s.io/v1", "SubjectAccessReview");
    cJSON_AddItemToObject(sar, "spec", cJSON_Duplicate(spec, 1));
    cJSON *out;
    int rc = k8s_create(c, &K8S_RES_SUBJECTACCESSREVIEWS, NULL, sar, &out, err);
    cJSON_Delete(sar);
    if (rc < 0)
        return -1;
    cJSON *st = cJSON_GetObjectItemCaseSensitive(out, "status");
    cJSON *al = cJSON_GetObjectItemCaseSensitive(st, "allowed");
    cJSON *re = cJSON_GetObjectItemCaseSensitive(st, "reason");
    *allowed = cJSON_IsTrue(al);
    if (reason && cJSON_IsString(re))
        *reason = xstrdup(re->valuestring);
    cJSON_Delete(out);
    return 0;
}
