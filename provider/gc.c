/* Recovery and orphan GC (DESIGN.md invariants 1 and 2).
 *
 * On start, after the pod informer has synced, the group map is rebuilt:
 * a group whose pod (same uid) exists is adopted, one whose pod is gone is
 * deleted. The node's groups are listed with DescribeContainerGroupStatus
 * (200 a page, filtered by the cluster and node tags, but without the tags
 * that name a group's pod). A group is adopted at once when a pod's own
 * status names it: the pod's eci-instance-id annotation and its
 * ContainerInstanceCreated condition (podmap_status_group_id, which ties
 * the annotation to the pod's uid) name the group and the group's name is
 * the one the bridge gives that pod. Every other group (a pod whose first
 * status was never written, an orphan, a second group) is described by id,
 * 20 a call, and settled by its tags as before, so a restart costs
 * ceil(N/200) calls plus one per 20 groups no pod names.
 *
 * The status loop hands every group it lists but the map does not know to
 * prov_gc_pass(), which applies the same rule to those groups only. Tag
 * values longer than ECI allows are shortened (podmap_tag_value), so every
 * comparison goes through it.
 *
 * Takeover from virtual-kubelet/alibabacloud-eci (the Go provider): its
 * groups carry its own tags (ClusterName, NodeName, NameSpace, PodName, UID;
 * no ClusterName meant "default"; values as they are). Recovery lists the
 * node's groups by its NodeName tag too and applies the same rule through
 * those tags, so a pod it started keeps its group (no second group) and its
 * orphans stop billing. */
#include "provider/controllers.h"
#include "provider/podmap/pod.h"
#include "provider/podmap/status.h"
#include "util/log.h"
#include "util/strmap.h"
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

/* Put group_id in the map for pod, or delete it when the map holds another
 * group for the pod. */
static void adopt(prov_ctl *c, const cJSON *pod, const char *group_id, int legacy)
{
    const char *puid = k8s_meta_str(pod, "uid"), *pname = k8s_meta_str(pod, "name");
    const char *ns = k8s_meta_str(pod, "namespace");
    prov_gm_entry e;
    if (prov_gm_get(c->gm, puid, &e) == 0) {
        if (strcmp(e.group_id, group_id) == 0)
            return;
        /* Two groups for one pod must never happen; keep the one in the
         * map and delete the other. */
        log_warn(COMP, "pod %s/%s has a second container group %s (keeping %s): deleting it", ns, pname, group_id,
                 e.group_id);
        eci_error err;
        c->be->delete_group(c->be->ud, group_id, &err);
        return;
    }
    memset(&e, 0, sizeof e);
    snprintf(e.uid, sizeof e.uid, "%s", puid);
    snprintf(e.group_id, sizeof e.group_id, "%s", group_id);
    snprintf(e.ns, sizeof e.ns, "%s", ns);
    snprintf(e.name, sizeof e.name, "%s", pname);
    e.created = time(NULL);
    e.legacy = legacy;
    prov_gm_put(c->gm, &e);
    if (legacy)
        log_info(COMP, "adopted container group %s of pod %s/%s from virtual-kubelet/alibabacloud-eci", group_id, ns,
                 pname);
    char *key = podmap_pod_key(pod);
    prov_wq_add(c->wq, key);
    free(key);
}

/* Adopt or delete one group by its tags. */
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
        adopt(c, pod, g->container_group_id, ts->legacy);
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

static void settle_found(size_t i, const eci_container_group *g, void *arg)
{
    (void)i;
    if (g)
        settle(arg, g);
}

/* A pod whose own status names its group (podmap_status_group_id). */
typedef struct owner {
    char *ns, *name, *uid;
} owner;

typedef struct recovery {
    prov_ctl *c;
    strmap *by_group; /* group id -> index in owners; -1 when two pods name it */
    owner *owners;
    size_t n_owners;
    char **rest; /* the groups no pod names: described by id */
    size_t n_rest;
    size_t named; /* adopted because their pod names them */
} recovery;

static int index_pod(const cJSON *pod, void *arg)
{
    recovery *r = arg;
    const char *gid = podmap_status_group_id(pod);
    const char *ns = k8s_meta_str(pod, "namespace"), *name = k8s_meta_str(pod, "name");
    const char *uid = k8s_meta_str(pod, "uid");
    if (gid && ns && name && uid) {
        if (strmap_get(r->by_group, gid, NULL)) {
            strmap_set(r->by_group, gid, -1); /* neither: the tags decide */
        } else {
            r->owners = xrealloc(r->owners, (r->n_owners + 1) * sizeof *r->owners);
            r->owners[r->n_owners] = (owner){xstrdup(ns), xstrdup(name), xstrdup(uid)};
            strmap_set(r->by_group, gid, (int64_t)r->n_owners++);
        }
    }
    return atomic_load(&r->c->stop) ? 1 : 0;
}

/* One group of the node's listing: adopted when a pod names it, else kept
 * for the describe by id. */
static int match_listed(void *ud, const eci_cg_status *s)
{
    recovery *r = ud;
    if (!s->container_group_id || !*s->container_group_id)
        return 0;
    int64_t i = -1;
    cJSON *pod = NULL;
    if (strmap_get(r->by_group, s->container_group_id, &i) && i >= 0 && s->name) {
        const owner *o = &r->owners[i];
        char *want = podmap_group_name(o->ns, o->name);
        if (strcmp(want, s->name) == 0)
            pod = prov_ctl_pod(r->c, o->ns, o->name, o->uid); /* NULL: deleted since */
        free(want);
    }
    if (pod) {
        adopt(r->c, pod, s->container_group_id, 0);
        r->named++;
        cJSON_Delete(pod);
    } else {
        r->rest = xrealloc(r->rest, (r->n_rest + 1) * sizeof *r->rest);
        r->rest[r->n_rest++] = xstrdup(s->container_group_id);
    }
    return atomic_load(&r->c->stop) ? 1 : 0;
}

static void recovery_free(recovery *r)
{
    strmap_free(r->by_group);
    for (size_t i = 0; i < r->n_owners; i++) {
        free(r->owners[i].ns);
        free(r->owners[i].name);
        free(r->owners[i].uid);
    }
    free(r->owners);
    for (size_t i = 0; i < r->n_rest; i++)
        free(r->rest[i]);
    free(r->rest);
}

int prov_recover(prov_ctl *c)
{
    eci_error err;
    recovery r = {.c = c, .by_group = strmap_new()};
    k8s_store_each(c->pods, NULL, index_pod, &r);
    int rc = -1;
    if (c->be->status_since(c->be->ud, 0, match_listed, &r, &err) != 0) {
        prov_ctl_eci(c, &err, "rebuilding the group map"); /* logged once per change, not on every retry */
        goto out;
    }
    /* A group left out here could get a second one from the pod's create:
     * a failed describe fails the recovery (it is retried whole). */
    if (prov_describe_ids(c, (const char *const *)r.rest, r.n_rest, settle_found, c) != 0)
        goto out;
    if (c->be->list_legacy(c->be->ud, visit, c, &err) != 0) {
        char buf[900];
        log_error(COMP, "looking for virtual-kubelet/alibabacloud-eci groups: %s",
                  eci_error_format(&err, buf, sizeof buf));
        goto out;
    }
    if (atomic_load(&c->stop))
        goto out;
    atomic_store(&c->recovered, 1);
    log_info(COMP, "group map rebuilt: %zu container groups (%zu named by their pod's status, %zu described by id)",
             prov_gm_count(c->gm), r.named, r.n_rest);
    rc = 0;
out:
    recovery_free(&r);
    return rc;
}

void prov_gc_pass(prov_ctl *c, const char *const *ids, size_t nids)
{
    prov_describe_ids(c, ids, nids, settle_found, c);
}
