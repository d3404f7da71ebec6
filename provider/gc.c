/* Recovery and orphan GC (DESIGN.md invariants 1 and 2).
 *
 * On start, after the pod informer has synced, the group map is rebuilt from
 * the tags on the node's container groups (the backend lists the groups
 * carrying the cluster and node tags): a group whose pod (same uid) exists
 * is adopted, one whose pod is gone is deleted. The status loop hands every
 * group it lists but the map does not know to prov_gc_pass(), which applies
 * the same rule to those groups only. Tag values longer than ECI allows are
 * shortened (podmap_tag_value), so every comparison goes through it.
 *
 * Takeover from virtual-kubelet/alibabacloud-eci (the Go provider): its
 * groups carry its own tags (ClusterName, NodeName, NameSpace, PodName, UID;
 * no ClusterName meant "default"; values as they are). Recovery lists the
 * node's groups by its NodeName tag too and applies the same rule through
 * those tags, so a pod it started keeps its group (no second group) and its
 * orphans stop billing. */
#include "provider/controllers.h"
#include "provider/podmap/pod.h"
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

/* 1 when the tag value tv stands for value v. */
static int tag_is(const char *tv, const char *v)
{
    char *want = podmap_tag_value(v);
    int same = strcmp(want, tv) == 0;
    free(want);
    return same;
}

typedef struct uid_search {
    const char *uid_tag, *name_tag;
    cJSON *found;
} uid_search;

static int match_uid(const cJSON *pod, void *arg)
{
    uid_search *s = arg;
    const char *uid = k8s_meta_str(pod, "uid"), *name = k8s_meta_str(pod, "name");
    if (uid && name && tag_is(s->uid_tag, uid) && tag_is(s->name_tag, name)) {
        s->found = cJSON_Duplicate(pod, 1);
        return 1;
    }
    return 0;
}

/* The pod a group's tags name (a copy), or NULL when it is gone. */
static cJSON *tagged_pod(prov_ctl *c, const char *ns, const char *name_tag, const char *uid_tag)
{
    cJSON *pod = prov_ctl_pod(c, ns, name_tag, NULL);
    const char *puid = pod ? k8s_meta_str(pod, "uid") : NULL;
    if (puid && tag_is(uid_tag, puid))
        return pod;
    cJSON_Delete(pod);
    if (!podmap_tag_value_shortened(name_tag))
        return NULL;
    /* The name was too long for a tag: look for the pod by its uid. */
    uid_search s = {uid_tag, name_tag, NULL};
    k8s_store_each(c->pods, ns, match_uid, &s);
    return s.found;
}

/* Adopt or delete one group. */
static void settle(prov_ctl *c, const eci_container_group *g)
{
    const tag_scheme *ts = tag(g, PODMAP_TAG_UID) ? &k_ours : tag(g, k_legacy.uid) ? &k_legacy : NULL;
    if (!ts)
        return;
    const char *uid = tag(g, ts->uid), *ns = tag(g, ts->ns), *name = tag(g, ts->pod);
    const char *cluster = tag(g, ts->cluster), *node = tag(g, ts->node);
    if (ts->legacy && (!cluster || !*cluster))
        cluster = "default";
    const char *want_cluster = ts->legacy ? c->cluster_name : c->cluster_tag;
    const char *want_node = ts->legacy ? c->node_name : c->node_tag;
    if (!g->container_group_id || !uid || !cluster || !node || strcmp(cluster, want_cluster) != 0 ||
        strcmp(node, want_node) != 0)
        return; /* not ours */
    cJSON *pod = !ns || !name ? NULL : ts->legacy ? prov_ctl_pod(c, ns, name, uid) : tagged_pod(c, ns, name, uid);
    if (pod) {
        const char *puid = k8s_meta_str(pod, "uid"), *pname = k8s_meta_str(pod, "name");
        prov_gm_entry e;
        if (prov_gm_get(c->gm, puid, &e) == 0 && strcmp(e.group_id, g->container_group_id) != 0) {
            /* Two groups for one pod must never happen; keep the one in
             * the map and delete the other. */
            log_warn(COMP, "pod %s/%s has a second container group %s (keeping %s): deleting it", ns, pname,
                     g->container_group_id, e.group_id);
            eci_error err;
            c->be->delete_group(c->be->ud, g->container_group_id, &err);
        } else if (prov_gm_get(c->gm, puid, &e) != 0) {
            memset(&e, 0, sizeof e);
            snprintf(e.uid, sizeof e.uid, "%s", puid);
            snprintf(e.group_id, sizeof e.group_id, "%s", g->container_group_id);
            snprintf(e.ns, sizeof e.ns, "%s", ns);
            snprintf(e.name, sizeof e.name, "%s", pname);
            e.created = time(NULL);
            e.legacy = ts->legacy;
            prov_gm_put(c->gm, &e);
            if (ts->legacy)
                log_info(COMP, "adopted container group %s of pod %s/%s from virtual-kubelet/alibabacloud-eci",
                         g->container_group_id, ns, pname);
            char *key = podmap_pod_key(pod);
            prov_wq_add(c->wq, key);
            free(key);
        }
        cJSON_Delete(pod);
        return;
    }
    log_info(COMP, "deleting orphan container group %s (pod %s/%s uid %s is gone)%s", g->container_group_id,
             ns ? ns : "?", name ? name : "?", uid, ts->legacy ? ", left by virtual-kubelet/alibabacloud-eci" : "");
    eci_error err;
    if (c->be->delete_group(c->be->ud, g->container_group_id, &err) != 0) {
        char buf[900];
        log_warn(COMP, "delete orphan %s: %s", g->container_group_id, eci_error_format(&err, buf, sizeof buf));
    }
}

static int visit(void *ud, const eci_container_group *g)
{
    settle(ud, g);
    return atomic_load(&((prov_ctl *)ud)->stop) ? 1 : 0;
}

int prov_recover(prov_ctl *c)
{
    eci_error err;
    if (c->be->list(c->be->ud, visit, c, &err) != 0) {
        prov_ctl_eci(c, &err, "rebuilding the group map"); /* logged once per change, not on every retry */
        return -1;
    }
    if (c->be->list_legacy(c->be->ud, visit, c, &err) != 0) {
        char buf[900];
        log_error(COMP, "looking for virtual-kubelet/alibabacloud-eci groups: %s",
                  eci_error_format(&err, buf, sizeof buf));
        return -1;
    }
    atomic_store(&c->recovered, 1);
    log_info(COMP, "group map rebuilt from ECI tags: %zu container groups", prov_gm_count(c->gm));
    return 0;
}

static void settle_found(size_t i, const eci_container_group *g, void *arg)
{
    (void)i;
    if (g)
        settle(arg, g);
}

void prov_gc_pass(prov_ctl *c, const char *const *ids, size_t nids)
{
    prov_describe_ids(c, ids, nids, settle_found, c);
}
