/* Pod reconcile: the informer queues keys ("ns/name/uid"); a worker re-reads
 * the pod and the group map and makes ECI match, so a lost or doubled event
 * cannot cause a wrong create or delete (DESIGN.md example 10).
 *
 *   pod gone (or another uid)     -> DeleteContainerGroup
 *   deletionTimestamp set         -> DeleteContainerGroup; once ECI stopped it
 *                                    (or the grace period ran out) the final
 *                                    status, then DELETE the pod with grace 0
 *                                    and a uid precondition
 *   Succeeded / Failed            -> nothing
 *   group known, images changed   -> UpdateContainerGroup
 *   no group                      -> translate, CreateContainerGroup with
 *                                    ClientToken = f(uid) and identity tags */
#include "provider/controllers.h"
#include "provider/objwatch.h"
#include "provider/podmap/pod.h"
#include "provider/podmap/status.h"
#include "util/log.h"
#include "util/timefmt.h"
#include "util/xmalloc.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define COMP "podsync"
/* After the grace period, how long a Terminating pod is kept for ECI to
 * report its containers stopped. Only a fallback (normally termsync sees the
 * group stop first), so it is generous: ECI's grace period starts when
 * DeleteContainerGroup lands, which is after the pod's deletionTimestamp was
 * computed by the watch delay, the work queue, the rate limiter and the call
 * itself, plus one termsync poll; a margin shorter than that would delete a
 * pod whose process still runs. */
#define DELETE_MARGIN_MS 10000L

/* ---- informer handlers --------------------------------------------------- */

static void queue(prov_ctl *c, const cJSON *pod)
{
    char *k = podmap_pod_key(pod);
    prov_wq_add(c->wq, k);
    free(k);
}

static void on_add(const cJSON *obj, void *arg)
{
    queue(arg, obj);
}

/* Whether the pod's status in the API left the one last written (or spec
 * changes force a new one): mark it for the status sync and ask for a poll.
 * Every mark asks (not only the first of a burst): a mark made after the
 * poll in progress read the marks is served by the next poll, at once. The
 * bridge's own writes come back equal to what was written: no mark. */
static void note_drift(prov_ctl *c, const cJSON *pod, int force)
{
    const char *uid = k8s_meta_str(pod, "uid");
    if (!uid)
        return;
    pthread_mutex_lock(&c->drift_mu);
    cJSON *w = force ? NULL : prov_written_get(c, uid);
    int drifted = force || (w && podmap_status_changed(w, cJSON_GetObjectItemCaseSensitive(pod, "status")));
    cJSON_Delete(w);
    if (drifted)
        strmap_set(c->drifted, uid, (int64_t)++c->drift_seq);
    pthread_mutex_unlock(&c->drift_mu);
    if (drifted) {
        log_debug(COMP, "pod %s/%s: status drifted from the one written; status poll asked",
                  k8s_meta_str(pod, "namespace"), k8s_meta_str(pod, "name"));
        prov_ctl_poll_soon(c);
    }
}

static const char *annotation(const cJSON *pod, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(pod, "metadata"), "annotations"), key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* A restart value not yet restarted. */
static int restart_wanted(const cJSON *pod)
{
    const char *want = annotation(pod, PROV_RESTART_ANNOTATION), *done = annotation(pod, PROV_RESTARTED_ANNOTATION);
    return want && *want && (!done || strcmp(want, done) != 0);
}

static void on_update(const cJSON *old_obj, const cJSON *new_obj, void *arg)
{
    prov_ctl *c = arg;
    const cJSON *os = cJSON_GetObjectItemCaseSensitive(old_obj, "spec");
    const cJSON *ns = cJSON_GetObjectItemCaseSensitive(new_obj, "spec");
    int spec_changed = !cJSON_Compare(os, ns, 1);
    if (spec_changed) {
        const char *uid = k8s_meta_str(new_obj, "uid");
        if (uid) {
            pthread_mutex_lock(&c->upd_mu);
            if (!cJSON_GetObjectItemCaseSensitive(c->pending_updates, uid))
                cJSON_AddItemToObject(c->pending_updates, uid, cJSON_Duplicate(old_obj, 1));
            pthread_mutex_unlock(&c->upd_mu);
        }
    }
    /* A deadline counts from startTime, which the status sync writes. */
    const cJSON *ost = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(old_obj, "status"),
                                                        "startTime");
    const cJSON *nst = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(new_obj, "status"),
                                                        "startTime");
    int deadline_starts = !ost && nst && cJSON_GetObjectItemCaseSensitive(ns, "activeDeadlineSeconds");
    /* cJSON_Compare calls two missing lists different. */
    const cJSON *oe = cJSON_GetObjectItemCaseSensitive(os, "ephemeralContainers");
    const cJSON *ne = cJSON_GetObjectItemCaseSensitive(ns, "ephemeralContainers");
    note_drift(c, new_obj, (oe == NULL) != (ne == NULL) || (oe && !cJSON_Compare(oe, ne, 1)));
    if (spec_changed || deadline_starts || podmap_pod_deleting(old_obj) != podmap_pod_deleting(new_obj) ||
        restart_wanted(new_obj))
        queue(c, new_obj);
}

static void on_delete(const cJSON *obj, void *arg)
{
    const char *uid = k8s_meta_str(obj, "uid");
    if (uid)
        prov_drift_forget(arg, uid, 1);
    queue(arg, obj);
}

void prov_pod_handlers(prov_ctl *c, k8s_store_handlers *h)
{
    h->on_add = on_add;
    h->on_update = on_update;
    h->on_delete = on_delete;
    h->arg = c;
}

/* ---- helpers -------------------------------------------------------------- */

/* Write a Failed (with a Warning Event) or a Pending status. 0 when
 * written; -1 when the write failed (it is kept and retried). */
static int set_status(prov_ctl *c, const cJSON *pod, int failed, const char *reason, const char *message)
{
    char ts[40];
    podmap_status_ctx ctx;
    prov_ctl_status_ctx(c, &ctx, ts, sizeof ts);
    cJSON *st = failed ? podmap_status_failed(pod, reason, message, &ctx)
                       : podmap_status_pending(pod, reason, message, &ctx);
    int rc = prov_status_write(c, pod, st, NULL);
    cJSON_Delete(st);
    if (failed)
        k8s_record_event(c->rec, pod, "Warning", reason, message, NULL);
    return rc;
}

static int set_failed(prov_ctl *c, const cJSON *pod, const char *reason, const char *message)
{
    return set_status(c, pod, 1, reason, message);
}

static int set_pending(prov_ctl *c, const cJSON *pod, const char *reason, const char *message)
{
    return set_status(c, pod, 0, reason, message);
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

static void remember(prov_ctl *c, const cJSON *pod, const char *gid, const char *request_id)
{
    prov_gm_entry e;
    memset(&e, 0, sizeof e);
    snprintf(e.uid, sizeof e.uid, "%s", k8s_meta_str(pod, "uid"));
    snprintf(e.group_id, sizeof e.group_id, "%s", gid);
    snprintf(e.request_id, sizeof e.request_id, "%s", request_id ? request_id : "");
    snprintf(e.ns, sizeof e.ns, "%s", k8s_meta_str(pod, "namespace"));
    snprintf(e.name, sizeof e.name, "%s", k8s_meta_str(pod, "name"));
    e.created = time(NULL);
    prov_gm_put(c->gm, &e);
}

/* Drop what is kept for a pod that needs no more updates. */
static void forget_update(prov_ctl *c, const char *uid)
{
    pthread_mutex_lock(&c->upd_mu);
    cJSON_DeleteItemFromObjectCaseSensitive(c->pending_updates, uid);
    cJSON_DeleteItemFromObjectCaseSensitive(c->resize_refused, uid);
    pthread_mutex_unlock(&c->upd_mu);
}

/* Remember (message) or forget (NULL) why ECI does not run the pod's
 * resources, and have the status sync report it. */
static void set_resize_refused(prov_ctl *c, const cJSON *pod, const char *uid, const char *message)
{
    pthread_mutex_lock(&c->upd_mu);
    cJSON_DeleteItemFromObjectCaseSensitive(c->resize_refused, uid);
    if (message)
        cJSON_AddStringToObject(c->resize_refused, uid, message);
    pthread_mutex_unlock(&c->upd_mu);
    if (message)
        log_info(COMP, "pod %s/%s: resize not applied: %s", k8s_meta_str(pod, "namespace"), k8s_meta_str(pod, "name"),
                 message);
    note_drift(c, pod, 1);
}

/* DeleteContainerGroup of the pod's group (if the map has one); 0 when no
 * group is left. */
static int delete_group(prov_ctl *c, const char *uid, const char *why)
{
    prov_gm_entry e;
    if (prov_gm_get(c->gm, uid, &e) != 0)
        return 0;
    eci_error err;
    if (c->be->delete_group(c->be->ud, e.group_id, &err) != 0) {
        char m[900];
        eci_msg(&err, m, sizeof m);
        log_warn(COMP, "delete container group %s of pod %s/%s (%s): %s", e.group_id, e.ns, e.name, why, m);
        return -1;
    }
    log_info(COMP, "deleted container group %s of pod %s/%s (%s)", e.group_id, e.ns, e.name, why);
    prov_gm_del(c->gm, uid);
    return 0;
}

/* ---- the reconcile -------------------------------------------------------- */

static int sync_gone(prov_ctl *c, const char *uid)
{
    forget_update(c, uid);
    prov_status_forget(c, uid);
    return delete_group(c, uid, "pod gone");
}

/* The kubelet's Killing Event for each container it stops (its
 * killContainer): one per container the pod's status shows running. */
static void record_killing(prov_ctl *c, const cJSON *pod)
{
    const cJSON *cs;
    cJSON_ArrayForEach(cs, cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(pod, "status"),
                                                            "containerStatuses"))
    {
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(cs, "name");
        if (cJSON_IsString(name) &&
            cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(cs, "state"), "running"))
            k8s_record_eventf(c->rec, pod, "Normal", "Killing", NULL, "Stopping container %s", name->valuestring);
    }
}

/* The kubelet's last status of a deleted pod whose containers stopped
 * (podmap_status_finished over the status last written, which holds what
 * ECI last reported of each container). 0 when written or not needed. */
static int write_finished(prov_ctl *c, const cJSON *pod, const char *uid)
{
    if (podmap_pod_terminal(pod))
        return 0;
    pthread_mutex_lock(&c->drift_mu);
    cJSON *last = prov_written_get(c, uid);
    pthread_mutex_unlock(&c->drift_mu);
    char ts[40];
    podmap_status_ctx ctx;
    prov_ctl_status_ctx(c, &ctx, ts, sizeof ts);
    cJSON *st = podmap_status_finished(pod, last, &ctx);
    int rc = prov_status_write(c, pod, st, NULL);
    cJSON_Delete(st);
    cJSON_Delete(last);
    return rc;
}

/* Graceful deletion as the kubelet does it: the group is deleted at once
 * (ECI then stops its containers: pre-stop hooks, SIGTERM, SIGKILL after the
 * group's TerminationGracePeriodSeconds; the group is Terminating until they
 * are gone), but the pod stays Terminating until ECI reports the group's
 * containers stopped or the group gone (termsync.c marks the entry stopped
 * and queues the key), or until the grace period, counted to the pod's
 * deletionTimestamp, plus a margin ran out. Then the pod gets its final
 * status (a terminal phase, as the kubelet's TerminatePod) and is deleted
 * with grace 0 and a uid precondition. A pod already Succeeded or Failed, or
 * deleted with grace 0, never waits. */
static int sync_deleting(prov_ctl *c, const cJSON *pod, const char *uid)
{
    const char *ns = k8s_meta_str(pod, "namespace"), *name = k8s_meta_str(pod, "name");
    forget_update(c, uid);
    prov_gm_entry e;
    if (prov_gm_get(c->gm, uid, &e) == 0) {
        if (!e.deleting) {
            eci_error err;
            if (c->be->delete_group(c->be->ud, e.group_id, &err) != 0) {
                char m[900];
                eci_msg(&err, m, sizeof m);
                log_warn(COMP, "delete container group %s of %s/%s: %s", e.group_id, ns, name, m);
                return -1;
            }
            log_info(COMP, "deleted container group %s of pod %s/%s", e.group_id, ns, name);
            prov_gm_set_deleting(c->gm, uid, 1);
            record_killing(c, pod);
            prov_ctl_poll_soon(c); /* the status thread follows the group as it stops */
        }
        const cJSON *md = cJSON_GetObjectItemCaseSensitive(pod, "metadata");
        const cJSON *dt = cJSON_GetObjectItemCaseSensitive(md, "deletionTimestamp");
        const cJSON *gp = cJSON_GetObjectItemCaseSensitive(md, "deletionGracePeriodSeconds");
        struct timespec until;
        if (!e.stopped && !podmap_pod_terminal(pod) && cJSON_IsNumber(gp) && gp->valuedouble > 0 &&
            cJSON_IsString(dt) && timefmt_parse(dt->valuestring, strlen(dt->valuestring), &until) == 0) {
            long left_ms = (long)(until.tv_sec - time(NULL)) * 1000 + DELETE_MARGIN_MS;
            if (left_ms > 0) {
                char *key = podmap_pod_key(pod);
                prov_wq_add_after(c->wq, key, left_ms);
                free(key);
                return 0;
            }
        }
        if (write_finished(c, pod, uid) != 0)
            return -1;
        prov_gm_del(c->gm, uid);
    }
    k8s_delete_opts o = {.precondition_uid = uid, .grace_period_seconds = 0};
    k8s_error kerr;
    if (k8s_delete(c->kc, &K8S_RES_PODS, ns, name, &o, NULL, &kerr) != 0 && kerr.code != K8S_E_NOT_FOUND &&
        kerr.code != K8S_E_CONFLICT) {
        char buf[768];
        log_warn(COMP, "delete pod %s/%s: %s", ns, name, k8s_error_format(&kerr, buf, sizeof buf));
        return -1;
    }
    prov_status_forget(c, uid);
    return 0;
}

static int sync_update(prov_ctl *c, const cJSON *pod, const char *uid, const prov_gm_entry *e)
{
    pthread_mutex_lock(&c->upd_mu);
    cJSON *old = cJSON_DetachItemFromObjectCaseSensitive(c->pending_updates, uid);
    pthread_mutex_unlock(&c->upd_mu);
    if (!old)
        return 0;
    eci_update_cg_req req;
    char *msg = NULL;
    podmap_update_kind k = podmap_update_plan(old, pod, e->group_id, c->trcfg, c->resolver, &req, &msg);
    int rc = 0;
    if (k == PODMAP_UPD_IMAGES || k == PODMAP_UPD_RESIZE) {
        int resize = k == PODMAP_UPD_RESIZE;
        eci_error err;
        memset(&err, 0, sizeof err);
        /* NoNeedUpdate: ECI runs this spec already (a resize back to the
         * size a refused resize left running) */
        if (c->be->update(c->be->ud, &req, &err) != 0 && strcmp(err.api_code, "NoNeedUpdate") != 0) {
            char m[900];
            eci_msg(&err, m, sizeof m);
            eci_class cl = eci_error_classify(&err);
            if (cl == ECI_CLASS_THROTTLED || cl == ECI_CLASS_TRANSIENT) {
                pthread_mutex_lock(&c->upd_mu);
                if (!cJSON_GetObjectItemCaseSensitive(c->pending_updates, uid))
                    cJSON_AddItemToObject(c->pending_updates, uid, cJSON_Duplicate(old, 1));
                pthread_mutex_unlock(&c->upd_mu);
                rc = -1;
            } else {
                k8s_record_eventf(c->rec, pod, "Warning", "UpdateFailed", NULL, "UpdateContainerGroup failed: %s", m);
                if (resize) { /* the old size keeps running */
                    char *why = xasprintf("ECI refused the new resources (the group keeps its size): %s", m);
                    set_resize_refused(c, pod, uid, why);
                    free(why);
                }
            }
        } else {
            log_info(COMP, "updated container group %s of %s/%s (%s)", e->group_id, e->ns, e->name,
                     resize ? "resources" : "images");
            k8s_record_eventf(c->rec, pod, "Normal", "ContainerGroupUpdated", NULL,
                              "Updated container %s of ECI container group %s", resize ? "resources" : "images",
                              e->group_id);
            if (resize)
                set_resize_refused(c, pod, uid, NULL);
        }
    } else if (k == PODMAP_UPD_EPHEMERAL) {
        k8s_record_eventf(c->rec, pod, "Warning", PODMAP_EPHEMERAL_REASON, NULL, "%s", msg);
    } else if (k == PODMAP_UPD_REJECTED) {
        k8s_record_eventf(c->rec, pod, "Warning", "UnsupportedUpdate", NULL, "%s",
                          msg ? msg : "this change cannot be applied to a running ECI container group");
        if (podmap_resources_changed(old, pod)) { /* a resize to a size ECI does not sell */
            char *why = xasprintf("ECI cannot run the new resources (the group keeps its size): %s",
                                  msg ? msg : "not translatable");
            set_resize_refused(c, pod, uid, why);
            free(why);
        }
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
 * replaces a failed pod at once, which is churn without end. Returns 1 when
 * refused (*rc: the sync result). */
static int refuse_daemonset(prov_ctl *c, const cJSON *pod, int *rc)
{
    *rc = 0;
    if (c->allow_daemonset_pods || !podmap_daemonset_refused(pod))
        return 0;
    if (strcmp(status_reason(pod), PODMAP_DAEMONSET_REASON) != 0) {
        static const char msg[] =
            "DaemonSet pods do not run on the ECI virtual node (each would be a paid container group, and the node "
            "is not a machine to run per-node agents on); start eci-kubelet with --allow-daemonset-pods or annotate "
            "the pod template " PODMAP_ALLOW_DAEMONSET_ANNOTATION ": \"true\" to run them, or keep the DaemonSet "
            "off the node with a node affinity";
        *rc = set_pending(c, pod, PODMAP_DAEMONSET_REASON, msg);
        k8s_record_event(c->rec, pod, "Warning", PODMAP_DAEMONSET_REASON, msg, NULL);
    }
    return 1;
}

/* CreateContainerGroup found no capacity: as the pod's fail strategy says,
 * Failed at once or after the maximum pending time, else Pending (with a
 * Warning Event) and another try after the work queue's backoff. Returns
 * the sync result. */
static int no_stock(prov_ctl *c, const cJSON *pod, const char *m)
{
    podmap_create_policy pol;
    char perr[256];
    if (podmap_create_policy_of(pod, &pol, perr, sizeof perr) != 0)
        pol.strategy = PODMAP_FAIL_RETRY;
    if (pol.strategy == PODMAP_FAIL_FAST)
        return set_failed(c, pod, "NoStock", m);
    time_t created = 0;
    const char *ct = k8s_meta_str(pod, "creationTimestamp");
    struct timespec cts;
    if (ct && timefmt_parse(ct, strlen(ct), &cts) == 0)
        created = cts.tv_sec;
    if (created > 0 && time(NULL) - created >= (time_t)pol.max_pending_minutes * 60) {
        char *msg = xasprintf("no ECI capacity for %d minutes (annotation k8s.aliyun.com/eci-max-pending-minute, "
                              "default %d): %s",
                              pol.max_pending_minutes, PODMAP_MAX_PENDING_DEFAULT, m);
        int rc = set_failed(c, pod, "MaxPendingTimeExceeded", msg);
        free(msg);
        return rc;
    }
    char *msg = xasprintf("%s; the pod stays Pending and the create is retried with backoff (fail strategy "
                          "k8s.aliyun.com/eci-fail-strategy: fail-fast fails it instead)",
                          m);
    set_pending(c, pod, "NoStock", msg);
    k8s_record_event(c->rec, pod, "Warning", "NoStock", msg, NULL);
    free(msg);
    return -1;
}

static int sync_create(prov_ctl *c, const cJSON *pod, const char *uid)
{
    const char *ns = k8s_meta_str(pod, "namespace"), *name = k8s_meta_str(pod, "name");
    int refused_rc;
    if (refuse_daemonset(c, pod, &refused_rc))
        return refused_rc;
    podmap_result tr;
    podmap_translate(pod, c->trcfg, c->resolver, &tr);
    int rc = 0;
    if (tr.outcome == PODMAP_REJECTED) {
        log_info(COMP, "pod %s/%s cannot run on ECI: %s", ns, name, tr.message ? tr.message : "");
        for (size_t i = 0; i < tr.nfindings; i++)
            if (tr.findings[i].fate != PODMAP_FATE_REJECTED)
                k8s_record_event(c->rec, pod, tr.findings[i].type, tr.findings[i].reason, tr.findings[i].message,
                                 NULL);
        rc = set_failed(c, pod, tr.reason ? tr.reason : "ProviderFailed", tr.message ? tr.message : "rejected");
        goto out;
    }
    if (tr.outcome == PODMAP_WAIT) {
        /* The missing ConfigMaps/Secrets as Events (the recorder aggregates
         * the repeats), and a watch of each so the pod is retried as soon as
         * it appears rather than after its backoff. */
        for (size_t i = 0; i < tr.nfindings; i++)
            if (strstr(tr.findings[i].reason, "NotFound") && (!strncmp(tr.findings[i].reason, "Mandatory", 9) ||
                                                              !strncmp(tr.findings[i].reason, "Optional", 8)))
                k8s_record_event(c->rec, pod, tr.findings[i].type, tr.findings[i].reason, tr.findings[i].message,
                                 NULL);
        if (c->ow) {
            char *key = podmap_pod_key(pod);
            const cJSON *mo;
            cJSON_ArrayForEach(mo, tr.missing)
            {
                const cJSON *rv = cJSON_GetObjectItemCaseSensitive(mo, "resourceVersion");
                prov_ow_wait(c->ow, cJSON_GetObjectItemCaseSensitive(mo, "kind")->valuestring, ns,
                             cJSON_GetObjectItemCaseSensitive(mo, "name")->valuestring,
                             cJSON_IsString(rv) ? rv->valuestring : NULL, key);
            }
            free(key);
        }
        set_pending(c, pod, tr.reason ? tr.reason : "ProviderRetry", tr.message ? tr.message : "waiting");
        rc = -1;
        goto out;
    }
    char *gid = NULL, *reqid = NULL;
    eci_error err;
    int rc_create = c->be->create(c->be->ud, &tr.req, &gid, &reqid, &err);
    podmap_create_policy pol;
    char perr[256];
    if (rc_create != 0 && eci_error_classify(&err) == ECI_CLASS_NO_STOCK && tr.req.spot_strategy &&
        strcmp(tr.req.spot_strategy, "NoSpot") != 0 && podmap_create_policy_of(pod, &pol, perr, sizeof perr) == 0 &&
        pol.spot_fallback) {
        /* k8s.aliyun.com/eci-spot-fallback: no spot stock, so pay-as-you-go */
        k8s_record_eventf(c->rec, pod, "Normal", "SpotFallback", NULL,
                          "no spot capacity (%s): creating the container group pay-as-you-go", err.api_code);
        free(tr.req.spot_strategy);
        tr.req.spot_strategy = xstrdup("NoSpot");
        tr.req.spot_price_limit.set = 0;
        rc_create = c->be->create(c->be->ud, &tr.req, &gid, &reqid, &err);
    }
    if (rc_create == 0) {
        /* The group id and RequestId annotations are written with the pod's
         * first status (statussync.c), which the wake below brings at once
         * (one request instead of two). No Event of the bridge's own: a
         * kubelet writes none for the sandbox it makes, nor does ACK's
         * virtual node for the group (its id is in the annotation and the log). */
        remember(c, pod, gid, reqid);
        log_info(COMP, "created container group %s for pod %s/%s", gid, ns, name);
        for (size_t i = 0; i < tr.nfindings; i++)
            k8s_record_event(c->rec, pod, tr.findings[i].type, tr.findings[i].reason, tr.findings[i].message, NULL);
        if (tr.req.image_snapshot_id) {
            /* The cache the pod named (by id or ImageCache name) is known
             * only here: written now, with the group's annotations. */
            cJSON *wb = podmap_status_writeback(pod, NULL, gid, reqid);
            if (!wb)
                wb = cJSON_CreateObject();
            cJSON_AddStringToObject(wb, PODMAP_ANN_MATCHED_IMAGE_CACHE, tr.req.image_snapshot_id);
            prov_status_annotate(c, pod, wb);
            cJSON_Delete(wb);
        }
        free(gid);
        free(reqid);
        prov_ctl_poll_soon(c);
        goto out;
    }
    char m[900];
    eci_msg(&err, m, sizeof m);
    eci_class cl = eci_error_classify(&err);
    if (strcmp(err.api_code, "IdempotentParameterMismatch") == 0 || cl == ECI_CLASS_CONFLICT) {
        /* A create for this uid already went through (with other token
         * contents, e.g. a fresh service-account token): adopt the group
         * tagged with the uid. */
        int f = c->be->find_by_uid(c->be->ud, uid, &gid, &err);
        if (f == 1) {
            remember(c, pod, gid, NULL);
            log_info(COMP, "adopted container group %s for pod %s/%s", gid, ns, name);
            free(gid);
            prov_ctl_poll_soon(c);
            goto out;
        }
        rc = -1;
        goto out;
    }
    if (cl == ECI_CLASS_THROTTLED || cl == ECI_CLASS_TRANSIENT || cl == ECI_CLASS_AUTH) {
        log_warn(COMP, "create container group for %s/%s: %s (will retry)", ns, name, m);
        char *key = podmap_pod_key(pod);
        if (cl == ECI_CLASS_AUTH || prov_wq_retries(c->wq, key) >= 3)
            set_pending(c, pod, "ProviderRetry", m);
        free(key);
        rc = -1;
        goto out;
    }
    if (cl == ECI_CLASS_NO_STOCK) {
        log_warn(COMP, "create container group for %s/%s: %s", ns, name, m);
        rc = no_stock(c, pod, m);
        goto out;
    }
    log_warn(COMP, "create container group for %s/%s failed: %s", ns, name, m);
    rc = set_failed(c, pod, "ProviderFailed", m);
out:
    podmap_result_free(&tr);
    return rc;
}

/* activeDeadlineSeconds, enforced like the kubelet does (ECI also gets the
 * value at creation, but a later change cannot be sent to it, and ECI may end
 * the group first with a reason of its own). Returns 0 when the deadline has
 * not passed (or the pod has none; the key comes back when it falls), 1 when
 * it has: the group is deleted and the pod Failed with DeadlineExceeded, or
 * -1 when a step failed (the key is retried with backoff). */
static int check_deadline(prov_ctl *c, const char *key, const cJSON *pod, const char *uid)
{
    const cJSON *ad = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(pod, "spec"),
                                                       "activeDeadlineSeconds");
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(pod, "status"), "startTime");
    if (!cJSON_IsNumber(ad) || !cJSON_IsString(st) || strcmp(podmap_pod_phase(pod), "Succeeded") == 0)
        return 0;
    struct timespec started;
    if (timefmt_parse(st->valuestring, strlen(st->valuestring), &started) != 0)
        return 0;
    time_t start = started.tv_sec;
    double left = (double)start + ad->valuedouble - (double)time(NULL);
    if (left > 0) {
        prov_wq_add_after(c->wq, key, (long)(left * 1000) + 500);
        return 0;
    }
    if (delete_group(c, uid, "activeDeadlineSeconds passed") != 0)
        return -1;
    const cJSON *reason = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(pod, "status"), "reason");
    if (podmap_pod_terminal(pod) && strcmp(podmap_pod_phase(pod), "Failed") == 0 && cJSON_IsString(reason) &&
        strcmp(reason->valuestring, PODMAP_DEADLINE_REASON) == 0)
        return 1;
    return set_failed(c, pod, PODMAP_DEADLINE_REASON, PODMAP_DEADLINE_MESSAGE) == 0
               ? 1
               : -1;
}

/* The in-place restart annotation: RestartContainerGroup once per new value
 * (the token, from uid and value, keeps a retry after a failed write of the
 * restarted annotation from restarting twice). */
static int sync_restart(prov_ctl *c, const cJSON *pod, const char *uid, const prov_gm_entry *e)
{
    if (!restart_wanted(pod) || !c->be->restart || podmap_pod_terminal(pod))
        return 0;
    const char *want = annotation(pod, PROV_RESTART_ANNOTATION);
    char *seed = xasprintf("%s/restart/%s", uid, want);
    char *token = podmap_client_token(seed);
    free(seed);
    eci_error err;
    int rc = c->be->restart(c->be->ud, e->group_id, token, &err);
    free(token);
    if (rc != 0) {
        char m[900];
        eci_msg(&err, m, sizeof m);
        k8s_record_eventf(c->rec, pod, "Warning", "RestartFailed", NULL, "Restarting ECI container group %s: %s",
                          e->group_id, m);
        eci_class cl = eci_error_classify(&err);
        return cl == ECI_CLASS_THROTTLED || cl == ECI_CLASS_TRANSIENT || cl == ECI_CLASS_CONFLICT ? -1 : 0;
    }
    k8s_record_eventf(c->rec, pod, "Normal", "Restarting", NULL,
                      "Restarting ECI container group %s in place (" PROV_RESTART_ANNOTATION "=%s)", e->group_id,
                      want);
    cJSON *a = cJSON_CreateObject();
    cJSON_AddStringToObject(a, PROV_RESTARTED_ANNOTATION, want);
    rc = prov_status_annotate(c, pod, a);
    cJSON_Delete(a);
    prov_ctl_poll_soon(c);
    return rc;
}

int prov_sync_pod(prov_ctl *c, const char *key)
{
    char ns[254], name[254], uid[64];
    if (podmap_pod_key_split(key, ns, sizeof ns, name, sizeof name, uid, sizeof uid) != 0)
        return 0;
    cJSON *pod = prov_ctl_pod(c, ns, name, uid);
    int rc;
    if (!pod) {
        rc = sync_gone(c, uid);
    } else if (podmap_pod_deleting(pod)) {
        rc = sync_deleting(c, pod, uid);
    } else if (prov_status_flush(c, uid) != 0) {
        rc = -1; /* a kept status still waits to be written */
    } else {
        int dl = check_deadline(c, key, pod, uid);
        prov_gm_entry e;
        if (dl != 0)
            rc = dl < 0 ? -1 : 0;
        else if (prov_gm_get(c->gm, uid, &e) == 0) {
            rc = sync_update(c, pod, uid, &e);
            if (rc == 0)
                rc = sync_restart(c, pod, uid, &e);
        }
        else if (podmap_pod_terminal(pod))
            rc = 0;
        else
            rc = sync_create(c, pod, uid);
        /* Only a group needs the spec it was made from (to plan an update);
         * without one, a create uses the spec as it is then. */
        if (prov_gm_get(c->gm, uid, NULL) != 0)
            forget_update(c, uid);
    }
    cJSON_Delete(pod);
    return rc;
}
