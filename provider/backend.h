/* The provider boundary: everything the controllers do to the cloud, as a
 * table of functions over one node's container groups (the idea of
 * virtual-kubelet's PodLifecycleHandler). backend_eci.c implements it over
 * eci/; tests/fakes/fake_backend.c implements it in memory. The node's
 * identity tags (cluster, node) are the backend's business: list, status,
 * events and find_by_uid see only the groups carrying them.
 *
 * Every function returns 0 on success or -1 with err filled; a resp is
 * zeroed first and freed by the caller whatever the result (err->code and
 * the classification of eci_error_classify() decide retry or give up). ud is
 * the backend's own state. Functions are called from several threads. */
#ifndef PROVIDER_BACKEND_H
#define PROVIDER_BACKEND_H

#include <stddef.h>

#include "eci/error.h"
#include "eci/ops.h"
#include "eci/types.h"

typedef struct prov_backend {
    void *ud;
    /* CreateContainerGroup; *group_id (caller frees) names the new group,
     * *request_id (caller frees; NULL when unknown) the service's RequestId. */
    int (*create)(void *ud, const eci_create_cg_req *req, char **group_id, char **request_id, eci_error *err);
    /* UpdateContainerGroup (new images of a running group). */
    int (*update)(void *ud, const eci_update_cg_req *req, eci_error *err);
    /* DeleteContainerGroup; a group the service does not know counts as deleted. */
    int (*delete_group)(void *ud, const char *group_id, eci_error *err);
    /* DescribeContainerGroups of ids[0..n), n <= 20; groups the service no
     * longer knows are missing from resp (free with eci_describe_cgs_resp_free). */
    int (*describe)(void *ud, const char *const *ids, size_t n, eci_describe_cgs_resp *resp, eci_error *err);
    /* The groups virtual-kubelet/alibabacloud-eci (the Go provider) made for a
     * node of this name (its NodeName tag), for a takeover, full detail, page
     * by page: fn(arg, group) for each; fn returning non-zero stops the walk. */
    int (*list_legacy)(void *ud, eci_cg_visit_fn fn, void *arg, eci_error *err);
    /* The status of the node's groups whose status moved in the last since_s
     * seconds (since_s 0: every group): fn(arg, item) for each. */
    int (*status_since)(void *ud, int since_s, eci_status_visit_fn fn, void *arg, eci_error *err);
    /* The events of the node's groups in the last since_s seconds. */
    int (*events_since)(void *ud, int since_s, eci_describe_events_resp *resp, eci_error *err);
    /* The live (not Deleting) group tagged with the pod uid: 1 and *group_id
     * (caller frees), 0 when there is none, -1 on error. */
    int (*find_by_uid)(void *ud, const char *uid, char **group_id, eci_error *err);
    /* RestartContainerGroup (in place: same id, IP and volumes); token makes it idempotent. May be NULL. */
    int (*restart)(void *ud, const char *group_id, const char *token, eci_error *err);
    /* DescribeRegions for region, answered once (no retries): the health
     * probe that checks credentials, region and endpoint in one call (free
     * resp with eci_describe_regions_resp_free). */
    int (*ping)(void *ud, const char *region, eci_describe_regions_resp *resp, eci_error *err);
    /* ListUsage: the account's quotas, for the node's capacity (free resp
     * with eci_list_usage_resp_free). */
    int (*usage)(void *ud, eci_list_usage_resp *resp, eci_error *err);
    /* DescribeContainerGroupPrice (free resp with eci_price_resp_free). May be NULL: no prices. */
    int (*price)(void *ud, const eci_price_req *req, eci_price_resp *resp, eci_error *err);
    /* The image-cache operations (the ImageCache controller); each may be
     * NULL. CreateImageCache: *id (caller frees) names the cache.
     * DescribeImageCaches of the cache id, or when id is NULL of the caches
     * tagged with the ImageCache's uid (free resp with
     * eci_describe_image_caches_resp_free). DeleteImageCache: a cache the
     * service does not know counts as deleted. */
    int (*imc_create)(void *ud, const eci_create_image_cache_req *req, char **id, eci_error *err);
    int (*imc_describe)(void *ud, const char *id, const char *uid, eci_describe_image_caches_resp *resp,
                        eci_error *err);
    int (*imc_delete)(void *ud, const char *id, eci_error *err);
} prov_backend;

/* The backend over an ECI client (borrowed; probe, also borrowed, answers
 * ping without retries, NULL: c) for the groups tagged with
 * cluster_name and node_name (copied; shortened like every tag value by
 * podmap_tag_value()). Free with prov_backend_eci_free. */
prov_backend *prov_backend_eci_new(eci_client *c, eci_client *probe, const char *cluster_name, const char *node_name);
void prov_backend_eci_free(prov_backend *be);

#endif
