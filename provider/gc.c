/* Recovery and orphan GC (DESIGN.md invariants 1 and 2).
 *
 * On start, after the pod informer has synced, the group map is rebuilt from
 * the tags on the node's container groups (DescribeContainerGroups filtered by
 * the cluster and node tags, 20 a page): a group whose pod (same uid) exists
 * is adopted, one whose pod is gone is deleted. The status loop hands every
 * group it lists but the map does not know to prov_gc_pass(), which applies
 * the same rule to those groups only.
 *
 * Takeover from virtual-kubelet/alibabacloud-eci (the Go provider): its
 * groups carry its own tags (ClusterName, NodeName, NameSpace, PodName, UID;
 * no ClusterName meant "default"). Recovery lists the node's groups by its
 * NodeName tag too and applies the same rule through those tags, so a pod it
 * started keeps its group (no second group) and its orphans stop billing. */
#include "provider/bridge_int.h"
#include "util/log.h"
#include "util/xmalloc.h"

#include <stdio.h>
#include <string.h>

#define COMP "gc"

static const char *tag(const eci_container_group *g, const char *key)
{
    for (size_t i = 0; i < g->n_tags; i++)
        if (g->tags[i].key && strcmp(g->tags[i].key, key) == 0)
            return g->tags[i].value ? g->tags[i].value : "";
    return NULL;
}

/* The tag keys of a group's owner. */
typedef struct tag_scheme {
    const char *cluster, *node, *ns, *pod, *uid;
    int legacy; /* the Go provider's: raw values, no ClusterName means "default" */
} tag_scheme;

static const tag_scheme k_ours = {PODMAP_TAG_CLUSTER, PODMAP_TAG_NODE, PODMAP_TAG_NAMESPACE, PODMAP_TAG_POD,
                                  PODMAP_TAG_UID, 0};
static const tag_scheme k_legacy = {"ClusterName", "NodeName", "NameSpace", "PodName", "UID", 1};

/* Adopt or delete one group. */
static void settle(prov_bridge *b, const eci_container_group *g)
{
    const tag_scheme *ts = tag(g, PODMAP_TAG_UID) ? &k_ours : tag(g, k_legacy.uid) ? &k_legacy : NULL;
    if (!ts)
        return;
    const char *uid = tag(g, ts->uid), *ns = tag(g, ts->ns), *name = tag(g, ts->pod);
    const char *cluster = tag(g, ts->cluster), *node = tag(g, ts->node);
    if (ts->legacy && (!cluster || !*cluster))
        cluster = "default";
    if (!g->container_group_id || !uid || !cluster || !node || strcmp(cluster, b->trcfg.cluster_name) != 0 ||
        strcmp(node, b->cfg->node_name) != 0)
        return; /* not ours */
    cJSON *pod = ns && name ? k8s_informer_get(b->pods, ns, name) : NULL;
    const char *puid = pod ? k8s_meta_str(pod, "uid") : NULL;
    if (pod && puid) {
        /* Our tag values may be shortened: compare through the same function. */
        char *want = ts->legacy ? xstrdup(puid) : podmap_tag_value(puid);
        int match = strcmp(want, uid) == 0;
        free(want);
        if (match) {
            prov_gm_entry e;
            if (prov_gm_get(b->gm, puid, &e) != 0 || strcmp(e.group_id, g->container_group_id) != 0) {
                if (prov_gm_get(b->gm, puid, &e) == 0 && strcmp(e.group_id, g->container_group_id) != 0) {
                    /* Two groups for one pod must never happen; keep the one in
                     * the map and delete the other. */
                    log_warn(COMP, "pod %s/%s has a second container group %s (keeping %s): deleting it", ns, name,
                             g->container_group_id, e.group_id);
                    eci_error err;
                    prov_delete_group(b, g->container_group_id, &err);
                } else {
                    memset(&e, 0, sizeof e);
                    snprintf(e.uid, sizeof e.uid, "%s", puid);
                    snprintf(e.group_id, sizeof e.group_id, "%s", g->container_group_id);
                    snprintf(e.ns, sizeof e.ns, "%s", ns);
                    snprintf(e.name, sizeof e.name, "%s", name);
                    e.created = time(NULL);
                    e.legacy = ts->legacy;
                    prov_gm_put(b->gm, &e);
                    if (ts->legacy)
                        log_info(COMP, "adopted container group %s of pod %s/%s from virtual-kubelet/alibabacloud-eci",
                                 g->container_group_id, ns, name);
                    char *key = prov_pod_key(pod);
                    prov_wq_add(b->wq, key);
                    free(key);
                }
            }
            cJSON_Delete(pod);
            return;
        }
    }
    cJSON_Delete(pod);
    log_info(COMP, "deleting orphan container group %s (pod %s/%s uid %s is gone)%s", g->container_group_id,
             ns ? ns : "?", name ? name : "?", uid, ts->legacy ? ", left by virtual-kubelet/alibabacloud-eci" : "");
    eci_error err;
    if (prov_delete_group(b, g->container_group_id, &err) != 0) {
        char buf[900];
        log_warn(COMP, "delete orphan %s: %s", g->container_group_id, eci_error_format(&err, buf, sizeof buf));
    }
}

static int visit(void *ud, const eci_container_group *g)
{
    settle(ud, g);
    return atomic_load(&((prov_bridge *)ud)->stop) ? 1 : 0;
}

int prov_recover(prov_bridge *b)
{
    eci_describe_cgs_req req = {0};
    eci_tag tags[2] = {
        {(char *)PODMAP_TAG_CLUSTER, (char *)b->trcfg.cluster_name},
        {(char *)PODMAP_TAG_NODE, (char *)b->cfg->node_name},
    };
    req.tags = tags;
    req.n_tags = 2;
    req.limit = ECI_INT(20);
    eci_error err;
    if (eci_describe_container_groups_all(b->ec, &req, 0, visit, b, &err) != 0) {
        prov_eci_report(b, &err, "rebuilding the group map"); /* logged once per change, not on every retry */
        return -1;
    }
    /* The Go provider's groups of this node (ClusterName is checked per group:
     * it may be absent). */
    eci_tag legacy = {(char *)k_legacy.node, (char *)b->cfg->node_name};
    req.tags = &legacy;
    req.n_tags = 1;
    if (eci_describe_container_groups_all(b->ec, &req, 0, visit, b, &err) != 0) {
        char buf[900];
        log_error(COMP, "looking for virtual-kubelet/alibabacloud-eci groups: %s",
                  eci_error_format(&err, buf, sizeof buf));
        return -1;
    }
    atomic_store(&b->recovered, 1);
    log_info(COMP, "group map rebuilt from ECI tags: %zu container groups", prov_gm_count(b->gm));
    return 0;
}

static void settle_found(size_t i, const eci_container_group *g, void *arg)
{
    (void)i;
    if (g)
        settle(arg, g);
}

void prov_gc_pass(prov_bridge *b, const char *const *ids, size_t nids)
{
    prov_describe_ids(b, ids, nids, settle_found, b);
}
