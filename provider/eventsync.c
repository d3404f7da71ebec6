/* ECI events -> Kubernetes Events on the pod, deduplicated.
 *
 * Two sources feed one table: the Events embedded in DescribeContainerGroups
 * answers (for groups whose status changed) and DescribeContainerGroupEvents
 * filtered by the node's tags with SinceSecond (for events without a status
 * change, such as BackOff). An ECI event is written again only when its Count
 * grew; its Kubernetes Event has a stable name, so a repeat PATCHes count
 * and lastTimestamp instead of creating another Event. Every Event goes
 * through the recorder (k8s/events.h, k8s_record_mirrored): one queue, one
 * writer thread, for the bridge's own Events and ECI's. */
#include "provider/controllers.h"
#include "provider/podmap/pod.h"
#include "provider/podmap/status.h"
#include "util/log.h"
#include "util/xmalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COMP "events"

/* 1 when (group, reason, message) was not yet written with this count. */
static int fresh(prov_ctl *c, const char *gid, const char *reason, const char *message, int64_t count)
{
    char *k = xasprintf("%s|%s|%s", gid, reason ? reason : "", message ? message : "");
    pthread_mutex_lock(&c->ev_mu);
    int64_t seen = 0;
    int is_new = !strmap_get(c->seen_events, k, &seen) || seen < count;
    if (is_new)
        strmap_set(c->seen_events, k, count);
    pthread_mutex_unlock(&c->ev_mu);
    free(k);
    return is_new;
}

/* 0 for the ECI event reasons that another component already wrote on the
 * pod: ECI's "Scheduled" (the group got a host) repeats the scheduler's
 * "Scheduled" written at binding, which the kubelet never writes again. The
 * kubelet's own reasons for a start (Pulling, Pulled, Created, Started) and
 * every failure pass. */
static int kubelet_writes(const char *reason)
{
    return !reason || strcmp(reason, "Scheduled") != 0;
}

/* ECI announces the reclaim of a spot instance with this event before it
 * releases the instance. */
#define SPOT_RECLAIM_REASON "SpotToBeReleased"

/* Evict the pod of a spot instance ECI is about to reclaim, as the kubelet
 * evicts a pod it must stop (TerminationByKubelet): the DisruptionTarget
 * condition, a Warning event, then a graceful delete (the pod's own grace
 * period), so its controller replaces it before the instance vanishes. */
static void spot_evict(prov_ctl *c, const cJSON *pod, const char *group_id, const char *msg)
{
    if (podmap_pod_deleting(pod) || podmap_pod_terminal(pod))
        return;
    const char *uid = k8s_meta_str(pod, "uid"), *ns = k8s_meta_str(pod, "namespace"),
               *name = k8s_meta_str(pod, "name");
    char ts[40];
    podmap_status_ctx ctx;
    prov_ctl_status_ctx(c, &ctx, ts, sizeof ts);
    cJSON *st = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(pod, "status"), 1);
    if (!st)
        st = cJSON_CreateObject();
    cJSON *conds = cJSON_GetObjectItemCaseSensitive(st, "conditions");
    if (!cJSON_IsArray(conds)) {
        cJSON_DeleteItemFromObject(st, "conditions");
        conds = cJSON_AddArrayToObject(st, "conditions");
    }
    for (int i = cJSON_GetArraySize(conds) - 1; i >= 0; i--) {
        const cJSON *ty = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(conds, i), "type");
        if (cJSON_IsString(ty) && !strcmp(ty->valuestring, "DisruptionTarget"))
            cJSON_DeleteItemFromArray(conds, i);
    }
    char *m = xasprintf("ECI reclaims the spot instance %s: %s", group_id, msg ? msg : "");
    cJSON *cd = cJSON_CreateObject();
    cJSON_AddStringToObject(cd, "type", "DisruptionTarget");
    cJSON_AddStringToObject(cd, "status", "True");
    cJSON_AddNullToObject(cd, "lastProbeTime");
    cJSON_AddStringToObject(cd, "lastTransitionTime", ts);
    cJSON_AddStringToObject(cd, "reason", "TerminationByKubelet");
    cJSON_AddStringToObject(cd, "message", m);
    cJSON_AddItemToArray(conds, cd);
    prov_status_write(c, pod, st, NULL);
    cJSON_Delete(st);
    k8s_record_eventf(c->rec, pod, "Warning", "SpotInterruption", NULL, "%s; evicting the pod", m);
    free(m);
    k8s_delete_opts o = {.precondition_uid = uid, .grace_period_seconds = K8S_GRACE_UNSET};
    k8s_error kerr;
    if (k8s_delete(c->kc, &K8S_RES_PODS, ns, name, &o, NULL, &kerr) != 0 && kerr.code != K8S_E_NOT_FOUND) {
        char buf[600];
        log_warn(COMP, "evict %s/%s (spot reclaim): %s", ns, name, k8s_error_format(&kerr, buf, sizeof buf));
    }
}

void prov_emit_group_events(prov_ctl *c, const cJSON *pod, const eci_container_group *g)
{
    char ts[40];
    podmap_status_ctx ctx;
    prov_ctl_status_ctx(c, &ctx, ts, sizeof ts);
    for (size_t i = 0; i < g->n_events; i++) {
        const eci_event *e = &g->events[i];
        if (!kubelet_writes(e->reason) ||
            !fresh(c, g->container_group_id, e->reason, e->message, e->count > 0 ? e->count : 1))
            continue;
        if (e->reason && !strcmp(e->reason, SPOT_RECLAIM_REASON))
            spot_evict(c, pod, g->container_group_id, e->message);
        cJSON *ev = podmap_status_event_from_eci(pod, g->container_group_id, e, &ctx);
        if (ev)
            k8s_record_mirrored(c->rec, ev, NULL);
    }
}

static int tracked(const char *key, int64_t v, void *ud)
{
    (void)v;
    char gid[64];
    const char *bar = strchr(key, '|');
    snprintf(gid, sizeof gid, "%.*s", bar ? (int)(bar - key) : 0, key);
    return prov_gm_get_by_group(((prov_ctl *)ud)->gm, gid, NULL) == 0;
}

void prov_events_poll(prov_ctl *c, int since_second)
{
    eci_describe_events_resp resp;
    eci_error err;
    if (c->be->events_since(c->be->ud, since_second > 0 ? since_second : 300, &resp, &err) != 0) {
        char buf[900];
        log_debug(COMP, "DescribeContainerGroupEvents: %s", eci_error_format(&err, buf, sizeof buf));
        eci_describe_events_resp_free(&resp);
        return;
    }
    char ts[40];
    podmap_status_ctx ctx;
    prov_ctl_status_ctx(c, &ctx, ts, sizeof ts);
    for (size_t i = 0; i < resp.n_items && !atomic_load(&c->stop); i++) {
        const eci_cg_events *ge = &resp.items[i];
        prov_gm_entry e;
        if (!ge->container_group_id || prov_gm_get_by_group(c->gm, ge->container_group_id, &e) != 0)
            continue;
        cJSON *pod = NULL;
        for (size_t j = 0; j < ge->n_events; j++) {
            const eci_k8s_event *ke = &ge->events[j];
            if (!kubelet_writes(ke->reason) ||
                !fresh(c, ge->container_group_id, ke->reason, ke->message, ke->count > 0 ? ke->count : 1))
                continue;
            if (!pod && !(pod = prov_ctl_pod(c, e.ns, e.name, e.uid)))
                break;
            if (ke->reason && !strcmp(ke->reason, SPOT_RECLAIM_REASON))
                spot_evict(c, pod, ge->container_group_id, ke->message);
            cJSON *ev = podmap_status_event_from_k8s(pod, ge->container_group_id, ke, &ctx);
            if (ev)
                k8s_record_mirrored(c->rec, ev, NULL);
        }
        cJSON_Delete(pod);
    }
    eci_describe_events_resp_free(&resp);

    /* Forget events of groups the bridge no longer tracks, on the full
     * passes only: the table holds a few entries per pod, and a walk of it
     * every period was most of an idle bridge's work at 10,000 pods. */
    if (since_second <= 0) {
        pthread_mutex_lock(&c->ev_mu);
        strmap_filter(c->seen_events, tracked, c);
        pthread_mutex_unlock(&c->ev_mu);
    }
}
