/* The one writer of PATCH pods/status. Every status the bridge computes
 * (running, Pending while it waits, Failed with a reason) goes through
 * prov_status_write(). A write that fails is not lost: the status is kept by
 * pod uid and the pod's key re-queued with backoff; the key's next reconcile
 * (prov_sync_pod) calls prov_status_flush() first.
 *
 * Writes of one pod are serialised (a uid is claimed in st_busy for the
 * length of its PATCH, and a second writer of that uid waits on st_cv), so
 * that a kept older status never overwrites a newer one written meanwhile
 * and two writes of a pod never race each other to the apiserver; writes of
 * different pods go out in parallel (the status sync's workers, the
 * reconcile workers). st_mu itself is never held across a request. */
#include "provider/controllers.h"
#include "provider/podmap/pod.h"
#include "provider/podmap/status.h"
#include "util/log.h"
#include "util/strmap.h"
#include "util/xmalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COMP "podstatus"

/* Keep status as the one last written for uid (deflated text: see written
 * in controllers.h). */
static void remember_written(prov_ctl *c, const char *uid, const cJSON *status)
{
    size_t kl = strlen(uid);
    prov_written *w = xmalloc(sizeof *w + kl + 1);
    memcpy(w->uid, uid, kl + 1);
    w->key = w->uid;
    w->text = k8s_text_pack(status);
    pthread_mutex_lock(&c->drift_mu);
    prov_written_free(htab_del(&c->written, uid));
    htab_put(&c->written, w);
    pthread_mutex_unlock(&c->drift_mu);
}

void prov_written_free(prov_written *w)
{
    if (w)
        free(w->text);
    free(w);
}

cJSON *prov_written_get(prov_ctl *c, const char *uid)
{
    const prov_written *w = htab_get(&c->written, uid);
    return w ? k8s_text_parse(w->text) : NULL;
}

/* PATCH the status and/or annotations (either may be NULL) in one merge
 * patch; 0 written or nothing to do (status unchanged and no annotations,
 * pod gone or replaced), -1 on failure. Called with the pod's uid claimed
 * (claim()). */
static int patch_status(prov_ctl *c, const cJSON *pod, const cJSON *status, const cJSON *annotations)
{
    const cJSON *cur = cJSON_GetObjectItemCaseSensitive(pod, "status");
    const char *puid = k8s_meta_str(pod, "uid");
    if (status && puid)
        remember_written(c, puid, status);
    int changed = status && podmap_status_changed(cur, status);
    if (!changed && !annotations)
        return 0;
    /* A JSON merge patch of the status subresource with the pod's uid as a
     * precondition (like the kubelet): the cached pod is stripped of
     * managedFields and the last-applied annotation (k8s_transform_strip_meta),
     * so a PUT of it would drop them. Keys of the current status missing from
     * the new one are set to null; every value of a pod status is a scalar or
     * a list, so the patch replaces the status exactly. Annotations ride in
     * the same request (the status subresource takes metadata.annotations):
     * one write per change instead of two. */
    const char *ns = k8s_meta_str(pod, "namespace"), *name = k8s_meta_str(pod, "name");
    cJSON *patch = cJSON_CreateObject();
    cJSON *md = cJSON_AddObjectToObject(patch, "metadata");
    if (puid)
        cJSON_AddStringToObject(md, "uid", puid);
    if (annotations)
        cJSON_AddItemToObject(md, "annotations", cJSON_Duplicate(annotations, 1));
    if (changed) {
        cJSON *st = cJSON_Duplicate(status, 1);
        const cJSON *it;
        cJSON_ArrayForEach(it, cur)
        {
            if (it->string && !cJSON_GetObjectItemCaseSensitive(st, it->string))
                cJSON_AddNullToObject(st, it->string);
        }
        cJSON_AddItemToObject(patch, "status", st);
    }
    k8s_error kerr;
    int rc = k8s_patch(c->kc, &K8S_RES_PODS, ns, name, "status", K8S_PATCH_MERGE, patch, NULL, &kerr);
    cJSON_Delete(patch);
    if (rc == 0) {
        if (changed) {
            log_debug(COMP, "wrote the status of %s/%s", ns, name);
            atomic_store(&c->write_period, atomic_load(&c->period_polls));
            if (c->m_status_writes)
                prom_inc(c->m_status_writes, NULL, 1);
        }
        return 0;
    }
    /* Gone, or another incarnation of the name (uid precondition failed). */
    if (kerr.code == K8S_E_NOT_FOUND || kerr.code == K8S_E_CONFLICT)
        return 0;
    char buf[768];
    log_warn(COMP, "write %s of %s/%s: %s", changed ? "status" : "annotations", ns, name,
             k8s_error_format(&kerr, buf, sizeof buf));
    return -1;
}

/* Wait until no other thread writes uid's status, then claim it; st_mu held
 * on entry and on return (released while waiting). */
static void claim(prov_ctl *c, const char *uid)
{
    while (strmap_get(c->st_busy, uid, NULL))
        pthread_cond_wait(&c->st_cv, &c->st_mu);
    strmap_set(c->st_busy, uid, 1);
}

/* Give uid back (st_mu held). */
static void release(prov_ctl *c, const char *uid)
{
    strmap_del(c->st_busy, uid);
    pthread_cond_broadcast(&c->st_cv);
}

/* Keep status (and annotations) for uid and queue the pod's key with
 * backoff. st_mu held. */
static void keep(prov_ctl *c, const cJSON *pod, const char *uid, const cJSON *status, const cJSON *annotations)
{
    cJSON *e = cJSON_CreateObject();
    char *key = podmap_pod_key(pod);
    cJSON_AddStringToObject(e, "key", key);
    cJSON_AddItemToObject(e, "status", cJSON_Duplicate(status, 1));
    if (annotations)
        cJSON_AddItemToObject(e, "annotations", cJSON_Duplicate(annotations, 1));
    cJSON_DeleteItemFromObjectCaseSensitive(c->pending_status, uid);
    cJSON_AddItemToObject(c->pending_status, uid, e);
    prov_wq_add_rate_limited(c->wq, key);
    free(key);
}

int prov_status_write(prov_ctl *c, const cJSON *pod, const cJSON *status, const cJSON *annotations)
{
    const char *uid = k8s_meta_str(pod, "uid");
    if (!uid)
        return 0;
    pthread_mutex_lock(&c->st_mu);
    claim(c, uid);
    /* This status is newer than any kept one. */
    cJSON_DeleteItemFromObjectCaseSensitive(c->pending_status, uid);
    pthread_mutex_unlock(&c->st_mu);
    int rc = patch_status(c, pod, status, annotations);
    pthread_mutex_lock(&c->st_mu);
    if (rc != 0)
        keep(c, pod, uid, status, annotations);
    release(c, uid);
    pthread_mutex_unlock(&c->st_mu);
    return rc;
}

int prov_status_flush(prov_ctl *c, const char *uid)
{
    pthread_mutex_lock(&c->st_mu);
    claim(c, uid);
    cJSON *e = cJSON_DetachItemFromObjectCaseSensitive(c->pending_status, uid);
    pthread_mutex_unlock(&c->st_mu);
    int rc = 0;
    if (e) {
        char ns[254], name[254], puid[64];
        const char *key = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "key"));
        cJSON *pod = NULL;
        if (key && podmap_pod_key_split(key, ns, sizeof ns, name, sizeof name, puid, sizeof puid) == 0)
            pod = prov_ctl_pod(c, ns, name, uid);
        const cJSON *st = cJSON_GetObjectItemCaseSensitive(e, "status");
        if (pod && patch_status(c, pod, st, cJSON_GetObjectItemCaseSensitive(e, "annotations")) != 0) {
            pthread_mutex_lock(&c->st_mu);
            cJSON_AddItemToObject(c->pending_status, uid, e);
            pthread_mutex_unlock(&c->st_mu);
            e = NULL;
            rc = -1;
        }
        cJSON_Delete(pod);
        cJSON_Delete(e);
    }
    pthread_mutex_lock(&c->st_mu);
    release(c, uid);
    pthread_mutex_unlock(&c->st_mu);
    return rc;
}

int prov_status_annotate(prov_ctl *c, const cJSON *pod, const cJSON *annotations)
{
    const char *uid = k8s_meta_str(pod, "uid");
    if (!annotations || !uid)
        return 0;
    pthread_mutex_lock(&c->st_mu);
    claim(c, uid);
    pthread_mutex_unlock(&c->st_mu);
    int rc = patch_status(c, pod, NULL, annotations);
    pthread_mutex_lock(&c->st_mu);
    release(c, uid);
    pthread_mutex_unlock(&c->st_mu);
    return rc;
}

void prov_drift_forget(prov_ctl *c, const char *uid, int written_too)
{
    pthread_mutex_lock(&c->drift_mu);
    strmap_del(c->drifted, uid);
    if (written_too)
        prov_written_free(htab_del(&c->written, uid));
    pthread_mutex_unlock(&c->drift_mu);
}

uint64_t prov_drift_mark(prov_ctl *c, const char *uid)
{
    int64_t mark = 0;
    pthread_mutex_lock(&c->drift_mu);
    strmap_get(c->drifted, uid, &mark);
    pthread_mutex_unlock(&c->drift_mu);
    return (uint64_t)mark;
}

void prov_drift_served(prov_ctl *c, const char *uid, uint64_t mark)
{
    int64_t now;
    pthread_mutex_lock(&c->drift_mu);
    if (strmap_get(c->drifted, uid, &now) && (uint64_t)now <= mark)
        strmap_del(c->drifted, uid);
    pthread_mutex_unlock(&c->drift_mu);
}

void prov_status_forget(prov_ctl *c, const char *uid)
{
    pthread_mutex_lock(&c->st_mu);
    cJSON_DeleteItemFromObjectCaseSensitive(c->pending_status, uid);
    pthread_mutex_unlock(&c->st_mu);
}
