/* The translation's view of the apiserver: ConfigMaps and Secrets through a
 * short-lived GET cache, service-account tokens through the TokenRequest API
 * (bound to the pod), and Services for the service-link variables. */
#include "provider/bridge_int.h"
#include "k8s/auth.h"
#include "provider/imagecache.h"
#include "util/log.h"

#include <string.h>

static int map_err(const k8s_error *err)
{
    return err->code == K8S_E_NOT_FOUND ? PODMAP_RES_NOT_FOUND : PODMAP_RES_ERROR;
}

static int get_cached(prov_bridge *b, const k8s_resource *r, const char *ns, const char *name, cJSON **out)
{
    k8s_error err;
    if (k8s_get_cache_get(b->gets, r, ns, name, out, &err) != 0) {
        *out = NULL;
        return map_err(&err);
    }
    return PODMAP_RES_OK;
}

static int get_configmap(void *ctx, const char *ns, const char *name, cJSON **out)
{
    return get_cached(ctx, &K8S_RES_CONFIGMAPS, ns, name, out);
}

static int get_secret(void *ctx, const char *ns, const char *name, cJSON **out)
{
    return get_cached(ctx, &K8S_RES_SECRETS, ns, name, out);
}

static int get_sa_token(void *ctx, const char *ns, const char *sa, const char *audience, long expiration_seconds,
                        const cJSON *pod, char **token)
{
    prov_bridge *b = ctx;
    const char *aud[2] = {audience, NULL};
    k8s_error err;
    if (k8s_token_request(b->kc, ns, sa, audience ? aud : NULL, expiration_seconds, k8s_meta_str(pod, "name"),
                          k8s_meta_str(pod, "uid"), token, NULL, &err) != 0) {
        *token = NULL;
        return map_err(&err);
    }
    return PODMAP_RES_OK;
}

static int add_copy(const cJSON *obj, void *arg)
{
    cJSON_AddItemToArray(arg, cJSON_Duplicate(obj, 1));
    return 0;
}

static int list_services(void *ctx, const char *ns, cJSON **out)
{
    prov_bridge *b = ctx;
    if (b->services && k8s_informer_has_synced(b->services)) {
        /* From the Service cache: no apiserver request per pod. */
        cJSON *arr = cJSON_CreateArray();
        k8s_informer_each(b->services, ns, add_copy, arr);
        *out = arr;
        return PODMAP_RES_OK;
    }
    cJSON *list = NULL;
    k8s_error err;
    if (k8s_list_all(b->kc, &K8S_RES_SERVICES, ns, NULL, &list, &err) != 0) {
        *out = NULL;
        return map_err(&err);
    }
    *out = cJSON_DetachItemFromObjectCaseSensitive(list, "items");
    cJSON_Delete(list);
    if (!*out)
        *out = cJSON_CreateArray();
    return PODMAP_RES_OK;
}

/* From the ImageCache controller's informer (no request per pod). */
static int get_image_cache(void *ctx, const char *name, char **id, char **why)
{
    prov_bridge *b = ctx;
    switch (prov_imc_lookup(b->imc, name, id, why)) {
    case 1: return PODMAP_RES_OK;
    case 2: return PODMAP_RES_ERROR;
    case 3: return PODMAP_RES_UNUSABLE;
    default: return PODMAP_RES_NOT_FOUND;
    }
}

void prov_resolver_init(prov_bridge *b)
{
    memset(&b->resolver, 0, sizeof b->resolver);
    b->resolver.ctx = b;
    b->resolver.get_configmap = get_configmap;
    b->resolver.get_secret = get_secret;
    b->resolver.get_sa_token = get_sa_token;
    b->resolver.list_services = list_services;
    b->resolver.get_image_cache = get_image_cache;
}
