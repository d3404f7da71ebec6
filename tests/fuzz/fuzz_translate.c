/* libFuzzer target: provider/podmap/translate*.c and provider/podmap/status.c. The
 * input is a JSON document: either a Pod, or {"pod": Pod, "store": {"cm":
 * {...}, "secret": {...}, "services": {ns: [...]}, "imagecaches": {name:
 * "imc-..." | "error" | "failed"}, "token": "..."}, "ecis":
 * DescribeContainerGroups body, "ecist": DescribeContainerGroupStatus body}
 * whose store answers the resolver. Translation must never crash or leak;
 * an update plan against itself is exercised too; the ECI bodies, decoded by
 * the real decoders, are mapped to PodStatus and Events. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "eci/codec.h"
#include "provider/podmap/status.h"
#include "provider/podmap/translate.h"
#include "util/xmalloc.h"

static int get(const cJSON *store, const char *kind, const char *name, cJSON **out)
{
    const cJSON *o = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(store, kind), name);
    if (!o)
        return PODMAP_RES_NOT_FOUND;
    if (cJSON_IsString(o) && strcmp(o->valuestring, "error") == 0)
        return PODMAP_RES_ERROR;
    *out = cJSON_Duplicate(o, 1);
    return PODMAP_RES_OK;
}

static int get_cm(void *ctx, const char *ns, const char *name, cJSON **out)
{
    (void)ns;
    return get(ctx, "cm", name, out);
}

static int get_secret(void *ctx, const char *ns, const char *name, cJSON **out)
{
    (void)ns;
    return get(ctx, "secret", name, out);
}

static int get_token(void *ctx, const char *ns, const char *sa, const char *aud, long exp,
                     const cJSON *pod, char **tok)
{
    (void)ns; (void)sa; (void)aud; (void)exp; (void)pod;
    const char *t = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(ctx, "token"));
    if (!t)
        return PODMAP_RES_NOT_FOUND;
    *tok = xstrdup(t);
    return PODMAP_RES_OK;
}

static int list_svc(void *ctx, const char *ns, cJSON **out)
{
    return get(ctx, "services", ns, out);
}

/* An ImageCache's cache id, "error" (being built) or "failed". */
static int get_imc(void *ctx, const char *name, char **id, char **why)
{
    const cJSON *o = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(ctx, "imagecaches"), name);
    if (!cJSON_IsString(o))
        return PODMAP_RES_NOT_FOUND;
    if (!strcmp(o->valuestring, "error") || !strcmp(o->valuestring, "failed")) {
        *why = xstrdup(o->valuestring);
        return o->valuestring[0] == 'e' ? PODMAP_RES_ERROR : PODMAP_RES_UNUSABLE;
    }
    *id = xstrdup(o->valuestring);
    return PODMAP_RES_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cJSON *doc = cJSON_ParseWithLength((const char *)data, size);
    if (!doc)
        return 0;
    const cJSON *pod = cJSON_GetObjectItemCaseSensitive(doc, "pod");
    cJSON *store = cJSON_GetObjectItemCaseSensitive(doc, "store");
    if (!pod)
        pod = doc;
    podmap_config cfg = {.cluster_name = "c", .node_name = "n", .region = "cn-hangzhou",
                          .vswitch_ids = "vsw-1", .security_group_id = "sg-1",
                          .node_ip = "10.0.0.1", .cluster_dns = "10.96.0.10"};
    podmap_resolver res = {store, get_cm, get_secret, get_token, list_svc, get_imc};
    podmap_result r;
    podmap_translate(pod, &cfg, &res, &r);
    if (r.outcome == PODMAP_OK) {
        kv_list kv = KV_LIST_INIT;
        eci_error err;
        memset(&err, 0, sizeof err);
        eci_encode_create_cg(&r.req, "cn-hangzhou", &kv, &err);
        kv_free(&kv);
        podmap_flatten(r.params, &kv);
        kv_free(&kv);
    }
    podmap_result_free(&r);
    eci_update_cg_req ureq;
    char *msg = NULL;
    if (podmap_update_plan(pod, pod, "eci-1", &cfg, &res, &ureq, &msg) == PODMAP_UPD_IMAGES)
        eci_update_cg_req_free(&ureq);
    free(msg);

    podmap_status_ctx sctx = {"n", "10.0.0.1", "2026-01-01T00:00:00Z", NULL};
    const cJSON *ecis = cJSON_GetObjectItemCaseSensitive(doc, "ecis");
    if (ecis) {
        eci_describe_cgs_resp gr;
        eci_error err;
        memset(&gr, 0, sizeof gr);
        memset(&err, 0, sizeof err);
        if (eci_decode_describe_cgs(ecis, &gr, &err) == 0) {
            for (size_t i = 0; i < gr.n_groups; i++) {
                cJSON *st = podmap_status_from_group(pod, &gr.groups[i], &sctx);
                podmap_status_changed(cJSON_GetObjectItemCaseSensitive(pod, "status"), st);
                cJSON_Delete(st);
                for (size_t k = 0; k < gr.groups[i].n_events; k++)
                    cJSON_Delete(podmap_status_event_from_eci(pod, gr.groups[i].container_group_id,
                                                        &gr.groups[i].events[k], &sctx));
            }
        }
        eci_describe_cgs_resp_free(&gr);
    }
    const cJSON *ecist = cJSON_GetObjectItemCaseSensitive(doc, "ecist");
    if (ecist) {
        eci_describe_status_resp sr;
        eci_error err;
        memset(&sr, 0, sizeof sr);
        memset(&err, 0, sizeof err);
        if (eci_decode_describe_status(ecist, &sr, &err) == 0) {
            for (size_t i = 0; i < sr.n_items; i++)
                cJSON_Delete(podmap_status_from_status(pod, &sr.items[i], &sctx));
        }
        eci_describe_status_resp_free(&sr);
    }
    cJSON *f = podmap_status_failed(pod, "ContainerGroupNotFound", "gone", &sctx);
    cJSON_Delete(f);
    f = podmap_status_pending(pod, NULL, NULL, &sctx);
    cJSON_Delete(f);
    cJSON_Delete(doc);
    return 0;
}
