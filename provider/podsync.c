/* Pod reconcile: the informer queues keys ("ns/name/uid"); a worker re-reads
 * the pod and the group map and makes ECI match, so a lost or doubled event
 * cannot cause a wrong create or delete (DESIGN.md example 10).
 *
 *   pod gone (or another uid)     -> DeleteContainerGroup
 *   deletionTimestamp set         -> DeleteContainerGroup, then DELETE the pod
 *                                    with grace 0 and a uid precondition
 *   Succeeded / Failed            -> nothing
 *   group known, images changed   -> UpdateContainerGroup
 *   no group                      -> translate, CreateContainerGroup with
 *                                    ClientToken = f(uid) and identity tags */
#include "provider/bridge_int.h"
#include "provider/objwatch.h"
#include "provider/podmap/status.h"
#include "util/log.h"
#include "util/timefmt.h"
#include "util/timefmt.h"
#include "util/xmalloc.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define COMP "podsync"
/* After the grace period, how long a Terminating pod is kept for its
 * containers to be stopped. */
#define DELETE_MARGIN_MS 2000L

char *prov_pod_key(const cJSON *pod)
{
    const char *ns = k8s_meta_str(pod, "namespace");
    const char *name = k8s_meta_str(pod, "name");
    const char *uid = k8s_meta_str(pod, "uid");
    return xasprintf("%s/%s/%s", ns ? ns : "", name ? name : "", uid ? uid : "");
}

int prov_pod_key_split(const char *key, char *ns, size_t nsl, char *name, size_t namel, char *uid, size_t uidl)
{
    const char *a = strchr(key, '/');
    const char *b2 = a ? strchr(a + 1, '/') : NULL;
    if (!a || !b2)
        return -1;
    snprintf(ns, nsl, "%.*s", (int)(a - key), key);
    snprintf(name, namel, "%.*s", (int)(b2 - a - 1), a + 1);
    snprintf(uid, uidl, "%s", b2 + 1);
    return ns[0] && name[0] && uid[0] ? 0 : -1;
}

/* ---- informer handlers --------------------------------------------------- */

static int is_deleting(const cJSON *pod)
{
    const cJSON *meta = cJSON_GetObjectItemCaseSensitive(pod, "metadata");
    const cJSON *dt = cJSON_GetObjectItemCaseSensitive(meta, "deletionTimestamp");
    return cJSON_IsString(dt);
}

static const char *pod_phase(const cJSON *pod)
{
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(pod, "status");
    const cJSON *ph = cJSON_GetObjectItemCaseSensitive(st, "phase");
    return cJSON_IsString(ph) ? ph->valuestring : "";
}

static void queue(prov_bridge *b, const cJSON *pod)
{
    char *k = prov_pod_key(pod);
    prov_wq_add(b->wq, k);
    free(k);
}

static void on_add(const cJSON *obj, void *arg)
{
    queue(arg, obj);
}

/* Whether the pod's status in the API left the one last written (or spec
 * changes force a new one): mark it for the status sync. */
static void note_drift(prov_bridge *b, const cJSON *pod, int force)
{
    const char *uid = k8s_meta_str(pod, "uid");
    if (!uid)
        return;
    pthread_mutex_lock(&b->drift_mu);
    const cJSON *w = cJSON_GetObjectItemCaseSensitive(b->written, uid);
    int first = 0;
    if ((force || (w && podmap_status_changed(w, cJSON_GetObjectItemCaseSensitive(pod, "status")))) &&
        !cJSON_GetObjectItemCaseSensitive(b->drifted, uid)) {
        first = b->drifted->child == NULL;
        cJSON_AddTrueToObject(b->drifted, uid);
    }
    pthread_mutex_unlock(&b->drift_mu);
    /* The status sync polls at once for the first of a burst (a node's
     * pods all marked not ready); the rest join it or the next period. */
    if (first)
        prov_bridge_wake(b);
}

void prov_drift_forget(prov_bridge *b, const char *uid, int written_too)
{
    pthread_mutex_lock(&b->drift_mu);
    cJSON_DeleteItemFromObjectCaseSensitive(b->drifted, uid);
    if (written_too)
        cJSON_DeleteItemFromObjectCaseSensitive(b->written, uid);
    pthread_mutex_unlock(&b->drift_mu);
}

static void on_update(const cJSON *old_obj, const cJSON *new_obj, void *arg)
{
    prov_bridge *b = arg;
    const cJSON *os = cJSON_GetObjectItemCaseSensitive(old_obj, "spec");
    const cJSON *ns = cJSON_GetObjectItemCaseSensitive(new_obj, "spec");
    int spec_changed = !cJSON_Compare(os, ns, 1);
    if (spec_changed) {
        const char *uid = k8s_meta_str(new_obj, "uid");
        if (uid) {
            pthread_mutex_lock(&b->upd_mu);
            if (!cJSON_GetObjectItemCaseSensitive(b->pending_updates, uid))
                cJSON_AddItemToObject(b->pending_updates, uid, cJSON_Duplicate(old_obj, 1));
            pthread_mutex_unlock(&b->upd_mu);
        }
    }
    /* A deadline counts from startTime, which the status sync writes. */
    const cJSON *ost = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(old_obj, "status"),
                                                        "startTime");
    const cJSON *nst = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(new_obj, "status"),
                                                        "startTime");
    int deadline_starts = !ost && nst && cJSON_GetObjectItemCaseSensitive(ns, "activeDeadlineSeconds");
    note_drift(b, new_obj,
               !cJSON_Compare(cJSON_GetObjectItemCaseSensitive(os, "ephemeralContainers"),
                              cJSON_GetObjectItemCaseSensitive(ns, "ephemeralContainers"), 1));
    if (spec_changed || deadline_starts || is_deleting(old_obj) != is_deleting(new_obj))
        queue(b, new_obj);
}

static void on_delete(const cJSON *obj, void *arg)
{
    const char *uid = k8s_meta_str(obj, "uid");
    if (uid)
        prov_drift_forget(arg, uid, 1);
    queue(arg, obj);
}

void prov_pod_handlers(prov_bridge *b, k8s_store_handlers *h)
{
    h->on_add = on_add;
    h->on_update = on_update;
    h->on_delete = on_delete;
    h->arg = b;
}

/* ---- helpers -------------------------------------------------------------- */

int prov_delete_group(prov_bridge *b, const char *group_id, eci_error *err)
{
    eci_cg_id_req req = {0};
    req.container_group_id = (char *)group_id;
    eci_simple_resp resp;
    int rc = eci_delete_container_group(b->ec, &req, &resp, err);
    eci_simple_resp_free(&resp);
    if (rc != 0 && eci_error_classify(err) == ECI_CLASS_NOT_FOUND)
        rc = 0;
    return rc;
}

int prov_write_pod_status(prov_bridge *b, const cJSON *pod, const cJSON *status)
{
    const cJSON *cur = cJSON_GetObjectItemCaseSensitive(pod, "status");
    const char *puid = k8s_meta_str(pod, "uid");
    if (puid) {
        pthread_mutex_lock(&b->drift_mu);
        cJSON_DeleteItemFromObjectCaseSensitive(b->written, puid);
        cJSON_AddItemToObject(b->written, puid, cJSON_Duplicate(status, 1));
        pthread_mutex_unlock(&b->drift_mu);
    }
    if (!podmap_status_changed(cur, status))
        return 0;
    /* A JSON merge patch of the status subresource with the pod's uid as a
     * precondition (like the kubelet): the cached pod is stripped of
     * managedFields and the last-applied annotation (k8s_transform_strip_meta),
     * so a PUT of it would drop them. Keys of the current status missing from
     * the new one are set to null; every value of a pod status is a scalar or
     * a list, so the patch replaces the status exactly. */
    const char *ns = k8s_meta_str(pod, "namespace"), *name = k8s_meta_str(pod, "name");
    cJSON *patch = cJSON_CreateObject();
    cJSON *md = cJSON_AddObjectToObject(patch, "metadata");
    const char *uid = k8s_meta_str(pod, "uid");
    if (uid)
        cJSON_AddStringToObject(md, "uid", uid);
    cJSON *st = cJSON_Duplicate(status, 1);
    const cJSON *it;
    cJSON_ArrayForEach(it, cur)
    {
        if (it->string && !cJSON_GetObjectItemCaseSensitive(st, it->string))
            cJSON_AddNullToObject(st, it->string);
    }
    cJSON_AddItemToObject(patch, "status", st);
    k8s_error kerr;
    int rc = k8s_patch(b->kc, &K8S_RES_PODS, ns, name, "status", K8S_PATCH_MERGE, patch, NULL, &kerr);
    cJSON_Delete(patch);
    if (rc == 0) {
        if (b->m_status_writes)
            prom_inc(b->m_status_writes, NULL, 1);
        return 0;
    }
    /* Gone, or another incarnation of the name (uid precondition failed). */
    if (kerr.code == K8S_E_NOT_FOUND || kerr.code == K8S_E_CONFLICT)
        return 0;
    char buf[768];
    log_warn(COMP, "write status of %s/%s: %s", ns, name, k8s_error_format(&kerr, buf, sizeof buf));
    return -1;
}

int prov_write_pod_annotations(prov_bridge *b, const cJSON *pod, const cJSON *annotations)
{
    if (!annotations)
        return 0;
    const char *ns = k8s_meta_str(pod, "namespace"), *name = k8s_meta_str(pod, "name"),
               *uid = k8s_meta_str(pod, "uid");
    cJSON *patch = cJSON_CreateObject();
    cJSON *md = cJSON_AddObjectToObject(patch, "metadata");
    if (uid)
        cJSON_AddStringToObject(md, "uid", uid);
    cJSON_AddItemToObject(md, "annotations", cJSON_Duplicate(annotations, 1));
    k8s_error kerr;
    int rc = k8s_patch(b->kc, &K8S_RES_PODS, ns, name, "status", K8S_PATCH_MERGE, patch, NULL, &kerr);
    cJSON_Delete(patch);
    if (rc == 0 || kerr.code == K8S_E_NOT_FOUND || kerr.code == K8S_E_CONFLICT)
        return 0;
    char buf[768];
    log_warn(COMP, "write annotations of %s/%s: %s", ns, name, k8s_error_format(&kerr, buf, sizeof buf));
    return -1;
}

void prov_st_ctx_now(prov_bridge *b, podmap_status_ctx *ctx, char *buf, size_t buflen)
{
    timefmt_now(0, buf, buflen);
    ctx->node_name = b->cfg->node_name;
    ctx->node_ip = b->cfg->node_ip;
    ctx->now = buf;
}

/* Write a Failed (with a Warning Event) or a Pending status. */
static void set_status(prov_bridge *b, const cJSON *pod, int failed, const char *reason, const char *message)
{
    char ts[40];
    podmap_status_ctx ctx;
    prov_st_ctx_now(b, &ctx, ts, sizeof ts);
    cJSON *st = failed ? podmap_status_failed(pod, reason, message, &ctx) : podmap_status_pending(pod, reason, message, &ctx);
    prov_write_pod_status(b, pod, st);
    cJSON_Delete(st);
    if (failed)
        k8s_record_event(b->rec, pod, "Warning", reason, message, NULL);
}

static void set_failed(prov_bridge *b, const cJSON *pod, const char *reason, const char *message)
{
    set_status(b, pod, 1, reason, message);
}

static void set_pending(prov_bridge *b, const cJSON *pod, const char *reason, const char *message)
{
    set_status(b, pod, 0, reason, message);
}

static void eci_msg(const eci_error *err, char *buf, size_t n)
{
    if (err->api_code[0])
        snprintf(buf, n, "%s: %s: %s (RequestId %s)", err->action, err->api_code,
                 err->message[0] ? err->message : eci_strerror(err->code), err->request_id);
    else
        snprintf(buf, n, "%s: %s%s%s", err->action, eci_strerror(err->code), err->detail[0] ? ": " : "",
                 err->detail);
}

/* Find the group of uid by its tag (after IdempotentParameterMismatch or when
 * the map missed it). Returns 1 and fills gid when found, 0 when not, -1 on error. */
static int find_group_by_uid(prov_bridge *b, const char *uid, char *gid, size_t gidl)
{
    eci_describe_cgs_req req = {0};
    eci_tag tags[3];
    char *uidv = podmap_tag_value(uid);
    tags[0] = (eci_tag){(char *)PODMAP_TAG_CLUSTER, b->trcfg.cluster_name ? (char *)b->trcfg.cluster_name : ""};
    tags[1] = (eci_tag){(char *)PODMAP_TAG_NODE, (char *)b->cfg->node_name};
    tags[2] = (eci_tag){(char *)PODMAP_TAG_UID, uidv};
    req.tags = tags;
    req.n_tags = 3;
    req.limit = ECI_INT(20);
    eci_describe_cgs_resp resp;
    eci_error err;
    int rc = eci_describe_container_groups(b->ec, &req, &resp, &err);
    free(uidv);
    if (rc != 0) {
        eci_describe_cgs_resp_free(&resp);
        return -1;
    }
    int found = 0;
    for (size_t i = 0; i < resp.n_groups && !found; i++) {
        if (resp.groups[i].container_group_id && resp.groups[i].status &&
            strcmp(resp.groups[i].status, "Deleting") != 0) {
            snprintf(gid, gidl, "%s", resp.groups[i].container_group_id);
            found = 1;
        }
    }
    eci_describe_cgs_resp_free(&resp);
    return found;
}

static void remember(prov_bridge *b, const cJSON *pod, const char *gid)
{
    prov_gm_entry e;
    memset(&e, 0, sizeof e);
    snprintf(e.uid, sizeof e.uid, "%s", k8s_meta_str(pod, "uid"));
    snprintf(e.group_id, sizeof e.group_id, "%s", gid);
    snprintf(e.ns, sizeof e.ns, "%s", k8s_meta_str(pod, "namespace"));
    snprintf(e.name, sizeof e.name, "%s", k8s_meta_str(pod, "name"));
    e.created = time(NULL);
    prov_gm_put(b->gm, &e);
}

/* ---- the reconcile -------------------------------------------------------- */

static int sync_gone(prov_bridge *b, const char *uid)
{
    prov_gm_entry e;
    if (prov_gm_get(b->gm, uid, &e) != 0)
        return 0;
    eci_error err;
    if (prov_delete_group(b, e.group_id, &err) != 0) {
        char m[900];
        eci_msg(&err, m, sizeof m);
        log_warn(COMP, "delete container group %s of vanished pod %s/%s: %s", e.group_id, e.ns, e.name, m);
        return -1;
    }
    log_info(COMP, "deleted container group %s of pod %s/%s (pod gone)", e.group_id, e.ns, e.name);
    prov_gm_del(b->gm, uid);
    return 0;
}

/* Whether the pod's containers have all stopped as far as its status says
 * (a terminal phase, or every container terminated or never started). */
static int containers_stopped(const cJSON *pod)
{
    const char *phase = pod_phase(pod);
    if (!strcmp(phase, "Succeeded") || !strcmp(phase, "Failed"))
        return 1;
    const cJSON *cs;
    cJSON_ArrayForEach(cs, cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(pod, "status"),
                                                            "containerStatuses"))
    {
        if (cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(cs, "state"), "running"))
            return 0;
    }
    return 1;
}

/* Graceful deletion as the kubelet does it: the group is deleted at once
 * (ECI then stops its containers within the grace period), but the pod
 * stays Terminating until its containers stopped or the grace period,
 * counted to the pod's deletionTimestamp, plus a margin ran out; only then
 * is the pod deleted with grace 0 and a uid precondition. ECI drops a group
 * from its answers as soon as DeleteContainerGroup returns, while its
 * processes may still run out their grace period, so a group that is gone
 * proves nothing: a running pod is kept to its deadline. A force delete
 * (grace 0) never waits. */
static int sync_deleting(prov_bridge *b, const cJSON *pod, const char *uid)
{
    const char *ns = k8s_meta_str(pod, "namespace"), *name = k8s_meta_str(pod, "name");
    prov_gm_entry e;
    if (prov_gm_get(b->gm, uid, &e) == 0) {
        int stopped = containers_stopped(pod);
        if (!e.deleting) {
            eci_error err;
            if (prov_delete_group(b, e.group_id, &err) != 0) {
                char m[900];
                eci_msg(&err, m, sizeof m);
                log_warn(COMP, "delete container group %s of %s/%s: %s", e.group_id, ns, name, m);
                return -1;
            }
            log_info(COMP, "deleted container group %s of pod %s/%s", e.group_id, ns, name);
            prov_gm_set_deleting(b->gm, uid, 1);
        }
        const cJSON *md = cJSON_GetObjectItemCaseSensitive(pod, "metadata");
        const cJSON *dt = cJSON_GetObjectItemCaseSensitive(md, "deletionTimestamp");
        const cJSON *gp = cJSON_GetObjectItemCaseSensitive(md, "deletionGracePeriodSeconds");
        struct timespec until;
        if (!stopped && cJSON_IsNumber(gp) && gp->valuedouble > 0 && cJSON_IsString(dt) &&
            timefmt_parse(dt->valuestring, strlen(dt->valuestring), &until) == 0) {
            long left_ms = (long)(until.tv_sec - time(NULL)) * 1000 + DELETE_MARGIN_MS;
            if (left_ms > 0) {
                char *key = prov_pod_key(pod);
                prov_wq_add_after(b->wq, key, left_ms);
                free(key);
                return 0;
            }
        }
        prov_gm_del(b->gm, uid);
    }
    k8s_delete_opts o = {.precondition_uid = uid, .grace_period_seconds = 0};
    k8s_error kerr;
    if (k8s_delete(b->kc, &K8S_RES_PODS, ns, name, &o, NULL, &kerr) != 0 && kerr.code != K8S_E_NOT_FOUND &&
        kerr.code != K8S_E_CONFLICT) {
        char buf[768];
        log_warn(COMP, "delete pod %s/%s: %s", ns, name, k8s_error_format(&kerr, buf, sizeof buf));
        return -1;
    }
    return 0;
}

static int sync_update(prov_bridge *b, const cJSON *pod, const char *uid, const prov_gm_entry *e)
{
    pthread_mutex_lock(&b->upd_mu);
    cJSON *old = cJSON_DetachItemFromObjectCaseSensitive(b->pending_updates, uid);
    pthread_mutex_unlock(&b->upd_mu);
    if (!old)
        return 0;
    eci_update_cg_req req;
    char *msg = NULL;
    podmap_update_kind k = podmap_update_plan(old, pod, e->group_id, &b->trcfg, &b->resolver, &req, &msg);
    int rc = 0;
    if (k == PODMAP_UPD_IMAGES) {
        eci_simple_resp resp;
        eci_error err;
        if (eci_update_container_group(b->ec, &req, &resp, &err) != 0) {
            char m[900];
            eci_msg(&err, m, sizeof m);
            eci_class cl = eci_error_classify(&err);
            if (cl == ECI_CLASS_THROTTLED || cl == ECI_CLASS_TRANSIENT) {
                pthread_mutex_lock(&b->upd_mu);
                if (!cJSON_GetObjectItemCaseSensitive(b->pending_updates, uid))
                    cJSON_AddItemToObject(b->pending_updates, uid, cJSON_Duplicate(old, 1));
                pthread_mutex_unlock(&b->upd_mu);
                rc = -1;
            } else {
                k8s_record_eventf(b->rec, pod, "Warning", "UpdateFailed", NULL, "UpdateContainerGroup failed: %s", m);
            }
        } else {
            log_info(COMP, "updated container group %s of %s/%s (images)", e->group_id, e->ns, e->name);
            k8s_record_eventf(b->rec, pod, "Normal", "ContainerGroupUpdated", NULL,
                              "Updated container images of ECI container group %s", e->group_id);
        }
        eci_simple_resp_free(&resp);
    } else if (k == PODMAP_UPD_EPHEMERAL) {
        k8s_record_eventf(b->rec, pod, "Warning", PODMAP_EPHEMERAL_REASON, NULL, "%s", msg);
    } else if (k == PODMAP_UPD_REJECTED) {
        k8s_record_eventf(b->rec, pod, "Warning", "UnsupportedUpdate", NULL, "%s",
                          msg ? msg : "this change cannot be applied to a running ECI container group");
    }
    eci_update_cg_req_free(&req);
    free(msg);
    cJSON_Delete(old);
    return rc;
}

static const char *status_reason(const cJSON *pod)
{
    const cJSON *r = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(pod, "status"), "reason");
    return cJSON_IsString(r) ? r->valuestring : "";
}

/* DaemonSet pods are kept Pending, not Failed: the DaemonSet controller
 * replaces a failed pod at once, which is churn without end. */
static int refuse_daemonset(prov_bridge *b, const cJSON *pod)
{
    if (b->cfg->allow_daemonset_pods || !podmap_daemonset_refused(pod))
        return 0;
    if (strcmp(status_reason(pod), PODMAP_DAEMONSET_REASON) != 0) {
        static const char msg[] =
            "DaemonSet pods do not run on the ECI virtual node (each would be a paid container group, and the node "
            "is not a machine to run per-node agents on); start eci-kubelet with --allow-daemonset-pods or annotate "
            "the pod template " PODMAP_ALLOW_DAEMONSET_ANNOTATION ": \"true\" to run them, or keep the DaemonSet "
            "off the node with a node affinity";
        set_pending(b, pod, PODMAP_DAEMONSET_REASON, msg);
        k8s_record_event(b->rec, pod, "Warning", PODMAP_DAEMONSET_REASON, msg, NULL);
    }
    return 1;
}

/* CreateContainerGroup found no capacity: as the pod's fail strategy says,
 * Failed at once or after the maximum pending time, else Pending (with a
 * Warning Event) and another try after the work queue's backoff. Returns
 * the sync result. */
static int no_stock(prov_bridge *b, const cJSON *pod, const char *m)
{
    podmap_create_policy pol;
    char perr[256];
    if (podmap_create_policy_of(pod, &pol, perr, sizeof perr) != 0)
        pol.strategy = PODMAP_FAIL_RETRY;
    if (pol.strategy == PODMAP_FAIL_FAST) {
        set_failed(b, pod, "NoStock", m);
        return 0;
    }
    time_t created = 0;
    const char *ct = k8s_meta_str(pod, "creationTimestamp");
    struct timespec cts;
    if (ct && timefmt_parse(ct, strlen(ct), &cts) == 0)
        created = cts.tv_sec;
    if (created > 0 && time(NULL) - created >= (time_t)pol.max_pending_minutes * 60) {
        char *msg = xasprintf("no ECI capacity for %d minutes (annotation k8s.aliyun.com/eci-max-pending-minute, "
                              "default %d): %s",
                              pol.max_pending_minutes, PODMAP_MAX_PENDING_DEFAULT, m);
        set_failed(b, pod, "MaxPendingTimeExceeded", msg);
        free(msg);
        return 0;
    }
    char *msg = xasprintf("%s; the pod stays Pending and the create is retried with backoff (fail strategy "
                          "k8s.aliyun.com/eci-fail-strategy: fail-fast fails it instead)",
                          m);
    set_pending(b, pod, "NoStock", msg);
    k8s_record_event(b->rec, pod, "Warning", "NoStock", msg, NULL);
    free(msg);
    return -1;
}

static int sync_create(prov_bridge *b, const cJSON *pod, const char *uid)
{
    const char *ns = k8s_meta_str(pod, "namespace"), *name = k8s_meta_str(pod, "name");
    if (refuse_daemonset(b, pod))
        return 0;
    podmap_result tr;
    podmap_translate(pod, &b->trcfg, &b->resolver, &tr);
    int rc = 0;
    if (tr.outcome == PODMAP_REJECTED) {
        log_info(COMP, "pod %s/%s cannot run on ECI: %s", ns, name, tr.message ? tr.message : "");
        for (size_t i = 0; i < tr.nfindings; i++)
            if (tr.findings[i].fate != PODMAP_FATE_REJECTED)
                k8s_record_event(b->rec, pod, tr.findings[i].type, tr.findings[i].reason, tr.findings[i].message,
                                 NULL);
        set_failed(b, pod, tr.reason ? tr.reason : "ProviderFailed", tr.message ? tr.message : "rejected");
        goto out;
    }
    if (tr.outcome == PODMAP_WAIT) {
        /* The missing ConfigMaps/Secrets as Events (the recorder aggregates
         * the repeats), and a watch of each so the pod is retried as soon as
         * it appears rather than after its backoff. */
        for (size_t i = 0; i < tr.nfindings; i++)
            if (strstr(tr.findings[i].reason, "NotFound") && (!strncmp(tr.findings[i].reason, "Mandatory", 9) ||
                                                              !strncmp(tr.findings[i].reason, "Optional", 8)))
                k8s_record_event(b->rec, pod, tr.findings[i].type, tr.findings[i].reason, tr.findings[i].message,
                                 NULL);
        char *key = prov_pod_key(pod);
        const cJSON *m;
        cJSON_ArrayForEach(m, tr.missing)
        {
            const cJSON *rv = cJSON_GetObjectItemCaseSensitive(m, "resourceVersion");
            prov_ow_wait(b->ow, cJSON_GetObjectItemCaseSensitive(m, "kind")->valuestring, ns,
                         cJSON_GetObjectItemCaseSensitive(m, "name")->valuestring,
                         cJSON_IsString(rv) ? rv->valuestring : NULL, key);
        }
        free(key);
        set_pending(b, pod, tr.reason ? tr.reason : "ProviderRetry", tr.message ? tr.message : "waiting");
        rc = -1;
        goto out;
    }
    eci_create_cg_resp resp;
    eci_error err;
    int rc_create = eci_create_container_group(b->ec, &tr.req, &resp, &err);
    podmap_create_policy pol;
    char perr[256];
    if (rc_create != 0 && eci_error_classify(&err) == ECI_CLASS_NO_STOCK && tr.req.spot_strategy &&
        strcmp(tr.req.spot_strategy, "NoSpot") != 0 && podmap_create_policy_of(pod, &pol, perr, sizeof perr) == 0 &&
        pol.spot_fallback) {
        /* k8s.aliyun.com/eci-spot-fallback: no spot stock, so pay-as-you-go */
        k8s_record_eventf(b->rec, pod, "Normal", "SpotFallback", NULL,
                          "no spot capacity (%s): creating the container group pay-as-you-go", err.api_code);
        free(tr.req.spot_strategy);
        tr.req.spot_strategy = xstrdup("NoSpot");
        tr.req.spot_price_limit.set = 0;
        eci_create_cg_resp_free(&resp);
        rc_create = eci_create_container_group(b->ec, &tr.req, &resp, &err);
    }
    if (rc_create == 0) {
        remember(b, pod, resp.container_group_id);
        log_info(COMP, "created container group %s for pod %s/%s", resp.container_group_id, ns, name);
        for (size_t i = 0; i < tr.nfindings; i++)
            k8s_record_event(b->rec, pod, tr.findings[i].type, tr.findings[i].reason, tr.findings[i].message, NULL);
        k8s_record_eventf(b->rec, pod, "Normal", "ContainerGroupCreated", NULL, "Created ECI container group %s",
                          resp.container_group_id);
        cJSON *wb = podmap_status_writeback(pod, NULL, resp.container_group_id, resp.request_id);
        prov_write_pod_annotations(b, pod, wb);
        cJSON_Delete(wb);
        eci_create_cg_resp_free(&resp);
        prov_bridge_wake(b);
        goto out;
    }
    eci_create_cg_resp_free(&resp);
    char m[900];
    eci_msg(&err, m, sizeof m);
    eci_class cl = eci_error_classify(&err);
    if (strcmp(err.api_code, "IdempotentParameterMismatch") == 0 || cl == ECI_CLASS_CONFLICT) {
        /* A create for this uid already went through (with other token
         * contents, e.g. a fresh service-account token): adopt it. */
        char gid[64];
        int f = find_group_by_uid(b, uid, gid, sizeof gid);
        if (f == 1) {
            remember(b, pod, gid);
            log_info(COMP, "adopted container group %s for pod %s/%s", gid, ns, name);
            goto out;
        }
        rc = -1;
        goto out;
    }
    if (cl == ECI_CLASS_THROTTLED || cl == ECI_CLASS_TRANSIENT || cl == ECI_CLASS_AUTH) {
        log_warn(COMP, "create container group for %s/%s: %s (will retry)", ns, name, m);
        char *key = prov_pod_key(pod);
        if (cl == ECI_CLASS_AUTH || prov_wq_retries(b->wq, key) >= 3)
            set_pending(b, pod, "ProviderRetry", m);
        free(key);
        rc = -1;
        goto out;
    }
    if (cl == ECI_CLASS_NO_STOCK) {
        log_warn(COMP, "create container group for %s/%s: %s", ns, name, m);
        rc = no_stock(b, pod, m);
        goto out;
    }
    log_warn(COMP, "create container group for %s/%s failed: %s", ns, name, m);
    set_failed(b, pod, "ProviderFailed", m);
out:
    podmap_result_free(&tr);
    return rc;
}

/* activeDeadlineSeconds, enforced like the kubelet does (ECI also gets the
 * value at creation, but a later change cannot be sent to it): past the
 * deadline the group is deleted and the pod fails with DeadlineExceeded;
 * before it, the key comes back when the deadline falls. Returns 1 when the
 * deadline was enforced. */
static int check_deadline(prov_bridge *b, const char *key, const cJSON *pod, const prov_gm_entry *e)
{
    const cJSON *ad = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(pod, "spec"),
                                                       "activeDeadlineSeconds");
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(pod, "status"), "startTime");
    if (!cJSON_IsNumber(ad) || !cJSON_IsString(st))
        return 0;
    struct timespec started;
    if (timefmt_parse(st->valuestring, strlen(st->valuestring), &started) != 0)
        return 0;
    time_t start = started.tv_sec;
    double left = (double)start + ad->valuedouble - (double)time(NULL);
    if (left > 0) {
        prov_wq_add_after(b->wq, key, (long)(left * 1000) + 500);
        return 0;
    }
    eci_error err;
    if (prov_delete_group(b, e->group_id, &err) != 0)
        return 0;
    prov_gm_del(b->gm, e->uid);
    log_info(COMP, "pod %s/%s passed its activeDeadlineSeconds: deleted container group %s", e->ns, e->name,
             e->group_id);
    set_failed(b, pod, "DeadlineExceeded", "Pod was active on the node longer than the specified deadline");
    return 1;
}

int prov_sync_pod(prov_bridge *b, const char *key)
{
    char ns[254], name[254], uid[64];
    if (prov_pod_key_split(key, ns, sizeof ns, name, sizeof name, uid, sizeof uid) != 0)
        return 0;
    cJSON *pod = k8s_informer_get(b->pods, ns, name);
    const char *puid = pod ? k8s_meta_str(pod, "uid") : NULL;
    int rc;
    if (!pod || !puid || strcmp(puid, uid) != 0) {
        rc = sync_gone(b, uid);
    } else if (is_deleting(pod)) {
        rc = sync_deleting(b, pod, uid);
    } else {
        prov_gm_entry e;
        const char *phase = pod_phase(pod);
        if (prov_gm_get(b->gm, uid, &e) == 0)
            rc = check_deadline(b, key, pod, &e) ? 0 : sync_update(b, pod, uid, &e);
        else if (strcmp(phase, "Succeeded") == 0 || strcmp(phase, "Failed") == 0)
            rc = 0;
        else
            rc = sync_create(b, pod, uid);
    }
    cJSON_Delete(pod);
    return rc;
}
