/* ECI events -> Kubernetes Events on the pod, deduplicated.
 *
 * Two sources feed one table: the Events embedded in DescribeContainerGroups
 * answers (for groups whose status changed) and DescribeContainerGroupEvents
 * filtered by the node's tags with SinceSecond (for events without a status
 * change, such as BackOff). An ECI event is written again only when its Count
 * grew; its Kubernetes Event has a stable name, so a repeat PATCHes count
 * and lastTimestamp instead of creating another Event. */
#include "provider/bridge_int.h"
#include "provider/podmap/status.h"
#include "util/log.h"
#include "util/xmalloc.h"
#include "util/deadline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define COMP "events"

/* 1 when (group, reason, message) was not yet written with this count. */
static int fresh(prov_bridge *b, const char *gid, const char *reason, const char *message, int64_t count)
{
    char *k = xasprintf("%s|%s|%s", gid, reason ? reason : "", message ? message : "");
    pthread_mutex_lock(&b->ev_mu);
    int64_t seen = 0;
    int is_new = !strmap_get(b->seen_events, k, &seen) || seen < count;
    if (is_new)
        strmap_set(b->seen_events, k, count);
    pthread_mutex_unlock(&b->ev_mu);
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

/* Queue ev (consumed) for the writer thread as compact text (a fraction of
 * the tree's memory while a burst's backlog waits); dropped when full. */
static void queue_event(prov_bridge *b, cJSON *ev)
{
    char *text = cJSON_PrintUnformatted(ev);
    cJSON_Delete(ev);
    if (!text)
        abort(); /* cJSON fails only when out of memory */
    size_t n = strlen(text) + 1;
    prov_evq_item *it = xmalloc(sizeof *it + n);
    it->next = NULL;
    memcpy(it->text, text, n);
    free(text);
    pthread_mutex_lock(&b->evq_mu);
    if (b->evq_len >= PROV_EVQ_CAP) {
        b->evq_dropped++;
    } else {
        if (b->evq_tail)
            b->evq_tail->next = it;
        else
            b->evq_head = it;
        b->evq_tail = it;
        b->evq_len++;
        it = NULL;
        pthread_cond_signal(&b->evq_cv);
    }
    pthread_mutex_unlock(&b->evq_mu);
    free(it);
}

static void write_event(prov_bridge *b, cJSON *ev)
{
    const char *ns = k8s_meta_str(ev, "namespace");
    k8s_client *kc = b->ev_kc ? b->ev_kc : b->kc;
    k8s_error err;
    if (k8s_create(kc, &K8S_RES_EVENTS, ns, ev, NULL, &err) == 0)
        return;
    if (err.code == K8S_E_ALREADY_EXISTS) {
        cJSON *patch = cJSON_CreateObject();
        cJSON *c = cJSON_GetObjectItemCaseSensitive(ev, "count");
        cJSON *l = cJSON_GetObjectItemCaseSensitive(ev, "lastTimestamp");
        if (c)
            cJSON_AddItemToObject(patch, "count", cJSON_Duplicate(c, 1));
        if (l)
            cJSON_AddItemToObject(patch, "lastTimestamp", cJSON_Duplicate(l, 1));
        if (k8s_patch(kc, &K8S_RES_EVENTS, ns, k8s_meta_str(ev, "name"), NULL, K8S_PATCH_MERGE, patch, NULL,
                      &err) != 0) {
            char buf[768];
            log_debug(COMP, "patch event: %s", k8s_error_format(&err, buf, sizeof buf));
        }
        cJSON_Delete(patch);
        return;
    }
    char buf[768];
    log_debug(COMP, "create event: %s", k8s_error_format(&err, buf, sizeof buf));
}

void *prov_event_writer_loop(void *arg)
{
    prov_bridge *b = arg;
    pthread_mutex_lock(&b->evq_mu);
    while (!atomic_load(&b->stop)) {
        if (!b->evq_head) {
            struct timespec ts;
            deadline_after_ms(&ts, CLOCK_REALTIME, 500);
            pthread_cond_timedwait(&b->evq_cv, &b->evq_mu, &ts);
            continue;
        }
        prov_evq_item *item = b->evq_head;
        b->evq_head = item->next;
        if (!b->evq_head)
            b->evq_tail = NULL;
        b->evq_len--;
        pthread_mutex_unlock(&b->evq_mu);
        cJSON *ev = cJSON_Parse(item->text);
        free(item);
        if (ev)
            write_event(b, ev);
        cJSON_Delete(ev);
        pthread_mutex_lock(&b->evq_mu);
    }
    pthread_mutex_unlock(&b->evq_mu);
    return NULL;
}

void prov_emit_group_events(prov_bridge *b, const cJSON *pod, const eci_container_group *g)
{
    char ts[40];
    podmap_status_ctx ctx;
    prov_st_ctx_now(b, &ctx, ts, sizeof ts);
    for (size_t i = 0; i < g->n_events; i++) {
        const eci_event *e = &g->events[i];
        if (!kubelet_writes(e->reason) || !fresh(b, g->container_group_id, e->reason, e->message, e->count > 0 ? e->count : 1))
            continue;
        cJSON *ev = podmap_status_event_from_eci(pod, g->container_group_id, e, &ctx);
        if (ev)
            queue_event(b, ev);
    }
}

static int tracked(const char *key, int64_t v, void *ud)
{
    (void)v;
    char gid[64];
    const char *bar = strchr(key, '|');
    snprintf(gid, sizeof gid, "%.*s", bar ? (int)(bar - key) : 0, key);
    return prov_gm_get_by_group(((prov_bridge *)ud)->gm, gid, NULL) == 0;
}

void prov_events_poll(prov_bridge *b, int since_second)
{
    eci_describe_events_req req = {0};
    eci_tag tags[2] = {
        {(char *)PODMAP_TAG_CLUSTER, (char *)b->trcfg.cluster_name},
        {(char *)PODMAP_TAG_NODE, (char *)b->cfg->node_name},
    };
    req.tags = tags;
    req.n_tags = 2;
    req.limit = ECI_INT(200);
    req.since_second = ECI_INT(since_second > 0 ? since_second : 300);
    eci_describe_events_resp resp;
    eci_error err;
    if (eci_describe_container_group_events(b->ec, &req, &resp, &err) != 0) {
        char buf[900];
        log_debug(COMP, "DescribeContainerGroupEvents: %s", eci_error_format(&err, buf, sizeof buf));
        eci_describe_events_resp_free(&resp);
        return;
    }
    char ts[40];
    podmap_status_ctx ctx;
    prov_st_ctx_now(b, &ctx, ts, sizeof ts);
    for (size_t i = 0; i < resp.n_items && !atomic_load(&b->stop); i++) {
        const eci_cg_events *ge = &resp.items[i];
        prov_gm_entry e;
        if (!ge->container_group_id || prov_gm_get_by_group(b->gm, ge->container_group_id, &e) != 0)
            continue;
        cJSON *pod = NULL;
        for (size_t j = 0; j < ge->n_events; j++) {
            const eci_k8s_event *ke = &ge->events[j];
            if (!kubelet_writes(ke->reason) || !fresh(b, ge->container_group_id, ke->reason, ke->message, ke->count > 0 ? ke->count : 1))
                continue;
            if (!pod) {
                pod = k8s_informer_get(b->pods, e.ns, e.name);
                const char *uid = pod ? k8s_meta_str(pod, "uid") : NULL;
                if (!uid || strcmp(uid, e.uid) != 0)
                    break;
            }
            cJSON *ev = podmap_status_event_from_k8s(pod, ge->container_group_id, ke, &ctx);
            if (ev)
                queue_event(b, ev);
        }
        cJSON_Delete(pod);
    }
    eci_describe_events_resp_free(&resp);

    /* Forget events of groups the bridge no longer tracks. */
    pthread_mutex_lock(&b->ev_mu);
    strmap_filter(b->seen_events, tracked, b);
    pthread_mutex_unlock(&b->ev_mu);
}
