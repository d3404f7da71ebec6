/* The provider boundary over eci/ (see backend.h). The node's identity tags
 * are shortened once here with the same function translation uses for the
 * tags it writes, so a long node or cluster name filters exactly the groups
 * created for it. */
#include "provider/backend.h"
#include "provider/podmap/imagecache.h"
#include "provider/podmap/translate.h"
#include "util/xmalloc.h"

#include <stdio.h>
#include <string.h>

typedef struct eci_be {
    prov_backend be;
    eci_client *c;
    eci_client *probe; /* no retries: ping */
    char *cluster_tag;
    char *node_tag;
    char *node_name;
} eci_be;

static void node_tags(const eci_be *e, eci_tag tags[2])
{
    tags[0] = (eci_tag){(char *)PODMAP_TAG_CLUSTER, e->cluster_tag};
    tags[1] = (eci_tag){(char *)PODMAP_TAG_NODE, e->node_tag};
}

static int be_create(void *ud, const eci_create_cg_req *req, char **group_id, char **request_id, eci_error *err)
{
    eci_be *e = ud;
    eci_create_cg_resp resp;
    int rc = eci_create_container_group(e->c, req, &resp, err);
    *group_id = rc == 0 && resp.container_group_id ? xstrdup(resp.container_group_id) : NULL;
    *request_id = rc == 0 && resp.request_id ? xstrdup(resp.request_id) : NULL;
    eci_create_cg_resp_free(&resp);
    return rc == 0 && *group_id ? 0 : -1;
}

static int be_update(void *ud, const eci_update_cg_req *req, eci_error *err)
{
    eci_be *e = ud;
    eci_simple_resp resp;
    int rc = eci_update_container_group(e->c, req, &resp, err);
    eci_simple_resp_free(&resp);
    return rc;
}

static int be_delete(void *ud, const char *group_id, eci_error *err)
{
    eci_be *e = ud;
    eci_cg_id_req req = {0};
    req.container_group_id = (char *)group_id;
    eci_simple_resp resp;
    int rc = eci_delete_container_group(e->c, &req, &resp, err);
    eci_simple_resp_free(&resp);
    if (rc != 0 && eci_error_classify(err) == ECI_CLASS_NOT_FOUND)
        rc = 0;
    return rc;
}

static int be_describe(void *ud, const char *const *ids, size_t n, eci_describe_cgs_resp *resp, eci_error *err)
{
    eci_be *e = ud;
    eci_describe_cgs_req req = {0};
    for (size_t i = 0; i < n; i++)
        eci_strv_add(&req.container_group_ids, ids[i]);
    req.limit = ECI_INT(20);
    int rc = eci_describe_container_groups(e->c, &req, resp, err);
    eci_strv_free(&req.container_group_ids);
    return rc;
}

static int be_list_legacy(void *ud, eci_cg_visit_fn fn, void *arg, eci_error *err)
{
    eci_be *e = ud;
    /* The Go provider's tag holds the node name as it is (ClusterName is
     * checked per group: it may be absent). */
    eci_tag legacy = {(char *)"NodeName", e->node_name};
    eci_describe_cgs_req req = {0};
    req.tags = &legacy;
    req.n_tags = 1;
    req.limit = ECI_INT(20);
    return eci_describe_container_groups_all(e->c, &req, 0, fn, arg, err);
}

static int be_status_since(void *ud, int since_s, eci_status_visit_fn fn, void *arg, eci_error *err)
{
    eci_be *e = ud;
    eci_tag tags[2];
    node_tags(e, tags);
    eci_describe_status_req req = {0};
    req.tags = tags;
    req.n_tags = 2;
    req.limit = ECI_INT(200);
    if (since_s > 0)
        req.since_second = ECI_INT(since_s);
    return eci_describe_container_group_status_all(e->c, &req, 0, fn, arg, err);
}

static int be_events_since(void *ud, int since_s, eci_describe_events_resp *resp, eci_error *err)
{
    eci_be *e = ud;
    eci_tag tags[2];
    node_tags(e, tags);
    eci_describe_events_req req = {0};
    req.tags = tags;
    req.n_tags = 2;
    req.limit = ECI_INT(200);
    req.since_second = ECI_INT(since_s);
    return eci_describe_container_group_events(e->c, &req, resp, err);
}

static int be_find_by_uid(void *ud, const char *uid, char **group_id, eci_error *err)
{
    eci_be *e = ud;
    eci_tag tags[3];
    node_tags(e, tags);
    char *uidv = podmap_tag_value(uid);
    tags[2] = (eci_tag){(char *)PODMAP_TAG_UID, uidv};
    eci_describe_cgs_req req = {0};
    req.tags = tags;
    req.n_tags = 3;
    req.limit = ECI_INT(20);
    eci_describe_cgs_resp resp;
    int rc = eci_describe_container_groups(e->c, &req, &resp, err);
    free(uidv);
    *group_id = NULL;
    if (rc != 0) {
        eci_describe_cgs_resp_free(&resp);
        return -1;
    }
    for (size_t i = 0; i < resp.n_groups && !*group_id; i++)
        if (resp.groups[i].container_group_id && resp.groups[i].status &&
            strcmp(resp.groups[i].status, "Deleting") != 0)
            *group_id = xstrdup(resp.groups[i].container_group_id);
    eci_describe_cgs_resp_free(&resp);
    return *group_id ? 1 : 0;
}

static int be_restart(void *ud, const char *group_id, const char *token, eci_error *err)
{
    eci_be *e = ud;
    eci_cg_id_req req = {0};
    req.container_group_id = (char *)group_id;
    req.client_token = (char *)token;
    eci_simple_resp resp;
    int rc = eci_restart_container_group(e->c, &req, &resp, err);
    eci_simple_resp_free(&resp);
    return rc;
}

static int be_price(void *ud, const eci_price_req *req, eci_price_resp *resp, eci_error *err)
{
    eci_be *e = ud;
    return eci_describe_container_group_price(e->c, req, resp, err);
}

static int be_ping(void *ud, const char *region, eci_describe_regions_resp *resp, eci_error *err)
{
    eci_be *e = ud;
    return eci_describe_regions(e->probe, region, resp, err);
}

static int be_usage(void *ud, eci_list_usage_resp *resp, eci_error *err)
{
    eci_be *e = ud;
    return eci_list_usage(e->c, NULL, resp, err);
}

static int be_imc_create(void *ud, const eci_create_image_cache_req *req, char **id, eci_error *err)
{
    eci_be *e = ud;
    eci_create_image_cache_resp resp;
    int rc = eci_create_image_cache(e->c, req, &resp, err);
    *id = rc == 0 && resp.image_cache_id && *resp.image_cache_id ? xstrdup(resp.image_cache_id) : NULL;
    eci_create_image_cache_resp_free(&resp);
    return rc == 0 && *id ? 0 : -1;
}

static int be_imc_describe(void *ud, const char *id, const char *uid, eci_describe_image_caches_resp *resp,
                           eci_error *err)
{
    eci_be *e = ud;
    eci_describe_image_caches_req req = {0};
    eci_tag tags[2];
    char *uidv = NULL;
    if (id) {
        req.image_cache_id = (char *)id;
    } else {
        /* the caches this cluster made for that object */
        uidv = podmap_tag_value(uid ? uid : "");
        tags[0] = (eci_tag){(char *)PODMAP_TAG_CLUSTER, e->cluster_tag};
        tags[1] = (eci_tag){(char *)PODMAP_IMC_TAG_UID, uidv};
        req.tags = tags;
        req.n_tags = 2;
    }
    int rc = eci_describe_image_caches(e->c, &req, resp, err);
    free(uidv);
    return rc;
}

static int be_imc_delete(void *ud, const char *id, eci_error *err)
{
    eci_be *e = ud;
    eci_delete_image_cache_req req = {0};
    req.image_cache_id = (char *)id;
    eci_simple_resp resp;
    int rc = eci_delete_image_cache(e->c, &req, &resp, err);
    eci_simple_resp_free(&resp);
    if (rc != 0 && eci_error_classify(err) == ECI_CLASS_NOT_FOUND)
        rc = 0;
    return rc;
}

prov_backend *prov_backend_eci_new(eci_client *c, eci_client *probe, const char *cluster_name, const char *node_name)
{
    eci_be *e = xcalloc(1, sizeof *e);
    e->c = c;
    e->probe = probe ? probe : c;
    e->cluster_tag = podmap_tag_value(cluster_name ? cluster_name : "");
    e->node_tag = podmap_tag_value(node_name ? node_name : "");
    e->node_name = xstrdup(node_name ? node_name : "");
    e->be = (prov_backend){
        .ud = e,
        .create = be_create,
        .update = be_update,
        .delete_group = be_delete,
        .describe = be_describe,
        .list_legacy = be_list_legacy,
        .status_since = be_status_since,
        .events_since = be_events_since,
        .find_by_uid = be_find_by_uid,
        .restart = be_restart,
        .price = be_price,
        .ping = be_ping,
        .usage = be_usage,
        .imc_create = be_imc_create,
        .imc_describe = be_imc_describe,
        .imc_delete = be_imc_delete,
    };
    return &e->be;
}

void prov_backend_eci_free(prov_backend *be)
{
    if (!be)
        return;
    eci_be *e = be->ud;
    free(e->cluster_tag);
    free(e->node_tag);
    free(e->node_name);
    free(e);
}
