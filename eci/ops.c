#include "eci/ops.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>

#include "eci/codec.h"
#include "util/xmalloc.h"

static void scrub(kv_list *p)
{
    for (size_t i = 0; i < p->n; i++)
        OPENSSL_cleanse(p->items[i].val, strlen(p->items[i].val));
    kv_free(p);
}

static void set_action(eci_error *err, const char *action)
{
    if (err)
        snprintf(err->action, sizeof err->action, "%s", action);
}

/* Send p (consumed) and decode with dec into resp. */
#define SEND_AND_DECODE(action, dec)                          \
    do {                                                      \
        cJSON *j_ = NULL;                                     \
        int rc_ = eci_call(c, action, &p, &j_, err);          \
        scrub(&p);                                            \
        if (rc_ != 0)                                         \
            return -1;                                        \
        rc_ = dec(j_, resp, err);                             \
        cJSON_Delete(j_);                                     \
        if (rc_ != 0) {                                       \
            set_action(err, action);                          \
            return -1;                                        \
        }                                                     \
        return 0;                                             \
    } while (0)

#define ENCODE(action, enc, req)                                              \
    kv_list p = KV_LIST_INIT;                                                 \
    eci_error_clear(err);                                                     \
    if (enc(req, eci_client_region(c), &p, err) != 0) {                       \
        scrub(&p);                                                            \
        set_action(err, action);                                              \
        return -1;                                                            \
    }

#define SIMPLE_OP(fname, action, reqtype, enc, resptype, dec, freefn) \
    int fname(eci_client *c, const reqtype *req, resptype *resp, eci_error *err) \
    {                                                                  \
        memset(resp, 0, sizeof *resp);                                 \
        ENCODE(action, enc, req)                                       \
        SEND_AND_DECODE(action, dec);                                  \
    }

static void ensure_token(kv_list *p)
{
    if (!kv_get(p, "ClientToken")) {
        char u[37];
        eci_uuid(u);
        kv_add(p, "ClientToken", u);
    }
}

int eci_describe_regions(eci_client *c, const char *region_id, eci_describe_regions_resp *resp, eci_error *err)
{
    memset(resp, 0, sizeof *resp);
    kv_list p = KV_LIST_INIT;
    eci_error_clear(err);
    eci_encode_region_only(region_id, &p, err);
    SEND_AND_DECODE("DescribeRegions", eci_decode_describe_regions);
}

int eci_list_usage(eci_client *c, const char *region_id, eci_list_usage_resp *resp, eci_error *err)
{
    memset(resp, 0, sizeof *resp);
    kv_list p = KV_LIST_INIT;
    eci_error_clear(err);
    eci_encode_region_only(region_id, &p, err);
    SEND_AND_DECODE("ListUsage", eci_decode_list_usage);
}

int eci_create_container_group(eci_client *c, const eci_create_cg_req *req, eci_create_cg_resp *resp,
                               eci_error *err)
{
    memset(resp, 0, sizeof *resp);
    ENCODE("CreateContainerGroup", eci_encode_create_cg, req)
    ensure_token(&p);
    SEND_AND_DECODE("CreateContainerGroup", eci_decode_create_cg);
}

int eci_create_image_cache(eci_client *c, const eci_create_image_cache_req *req, eci_create_image_cache_resp *resp,
                           eci_error *err)
{
    memset(resp, 0, sizeof *resp);
    ENCODE("CreateImageCache", eci_encode_create_image_cache, req)
    ensure_token(&p);
    SEND_AND_DECODE("CreateImageCache", eci_decode_create_image_cache);
}

SIMPLE_OP(eci_update_container_group, "UpdateContainerGroup", eci_update_cg_req, eci_encode_update_cg,
          eci_simple_resp, eci_decode_simple, eci_simple_resp_free)
SIMPLE_OP(eci_restart_container_group, "RestartContainerGroup", eci_cg_id_req, eci_encode_cg_id, eci_simple_resp,
          eci_decode_simple, eci_simple_resp_free)
SIMPLE_OP(eci_delete_container_group, "DeleteContainerGroup", eci_cg_id_req, eci_encode_cg_id, eci_simple_resp,
          eci_decode_simple, eci_simple_resp_free)
SIMPLE_OP(eci_describe_container_groups, "DescribeContainerGroups", eci_describe_cgs_req, eci_encode_describe_cgs,
          eci_describe_cgs_resp, eci_decode_describe_cgs, eci_describe_cgs_resp_free)
SIMPLE_OP(eci_describe_container_group_status, "DescribeContainerGroupStatus", eci_describe_status_req,
          eci_encode_describe_status, eci_describe_status_resp, eci_decode_describe_status,
          eci_describe_status_resp_free)
SIMPLE_OP(eci_describe_container_group_events, "DescribeContainerGroupEvents", eci_describe_events_req,
          eci_encode_describe_events, eci_describe_events_resp, eci_decode_describe_events,
          eci_describe_events_resp_free)
SIMPLE_OP(eci_exec_container_command, "ExecContainerCommand", eci_exec_req, eci_encode_exec, eci_exec_resp,
          eci_decode_exec, eci_exec_resp_free)
SIMPLE_OP(eci_describe_container_log, "DescribeContainerLog", eci_log_req, eci_encode_log, eci_log_resp,
          eci_decode_log, eci_log_resp_free)
SIMPLE_OP(eci_describe_image_caches, "DescribeImageCaches", eci_describe_image_caches_req,
          eci_encode_describe_image_caches, eci_describe_image_caches_resp, eci_decode_describe_image_caches,
          eci_describe_image_caches_resp_free)
SIMPLE_OP(eci_delete_image_cache, "DeleteImageCache", eci_delete_image_cache_req, eci_encode_delete_image_cache,
          eci_simple_resp, eci_decode_simple, eci_simple_resp_free)
SIMPLE_OP(eci_describe_container_group_metric, "DescribeContainerGroupMetric", eci_metric_req, eci_encode_metric,
          eci_metric_resp, eci_decode_metric, eci_metric_resp_free)
SIMPLE_OP(eci_describe_multi_container_group_metric, "DescribeMultiContainerGroupMetric", eci_multi_metric_req,
          eci_encode_multi_metric, eci_multi_metric_resp, eci_decode_multi_metric, eci_multi_metric_resp_free)
SIMPLE_OP(eci_describe_container_group_price, "DescribeContainerGroupPrice", eci_price_req, eci_encode_price,
          eci_price_resp, eci_decode_price, eci_price_resp_free)

int eci_describe_container_groups_all(eci_client *c, const eci_describe_cgs_req *req, unsigned max_pages,
                                      eci_cg_visit_fn fn, void *ud, eci_error *err)
{
    eci_describe_cgs_req r = *req; /* shallow copy; only next_token changes */
    char *token = req->next_token ? xstrdup(req->next_token) : NULL;
    unsigned pages = 0;
    int rc = 0;
    for (;;) {
        r.next_token = token;
        eci_describe_cgs_resp resp;
        if (eci_describe_container_groups(c, &r, &resp, err) != 0) {
            eci_describe_cgs_resp_free(&resp);
            rc = -1;
            break;
        }
        int stop = 0;
        for (size_t i = 0; i < resp.n_groups && !stop; i++)
            stop = fn(ud, &resp.groups[i]);
        pages++;
        char *next = resp.next_token && *resp.next_token ? xstrdup(resp.next_token) : NULL;
        eci_describe_cgs_resp_free(&resp);
        if (next && token && !strcmp(next, token)) {
            free(next);
            rc = eci_error_set(err, ECI_E_DECODE, "DescribeContainerGroups repeated NextToken");
            break;
        }
        free(token);
        token = next;
        if (stop || !token || (max_pages && pages >= max_pages))
            break;
    }
    free(token);
    return rc;
}

int eci_describe_container_group_status_all(eci_client *c, const eci_describe_status_req *req, unsigned max_pages,
                                            eci_status_visit_fn fn, void *ud, eci_error *err)
{
    eci_describe_status_req r = *req;
    char *token = req->next_token ? xstrdup(req->next_token) : NULL;
    unsigned pages = 0;
    int rc = 0;
    for (;;) {
        r.next_token = token;
        eci_describe_status_resp resp;
        if (eci_describe_container_group_status(c, &r, &resp, err) != 0) {
            eci_describe_status_resp_free(&resp);
            rc = -1;
            break;
        }
        int stop = 0;
        for (size_t i = 0; i < resp.n_items && !stop; i++)
            stop = fn(ud, &resp.items[i]);
        pages++;
        char *next = resp.next_token && *resp.next_token ? xstrdup(resp.next_token) : NULL;
        eci_describe_status_resp_free(&resp);
        if (next && token && !strcmp(next, token)) {
            free(next);
            rc = eci_error_set(err, ECI_E_DECODE, "DescribeContainerGroupStatus repeated NextToken");
            break;
        }
        free(token);
        token = next;
        if (stop || !token || (max_pages && pages >= max_pages))
            break;
    }
    free(token);
    return rc;
}
