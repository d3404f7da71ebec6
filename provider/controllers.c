/* The controllers' shared context (see controllers.h): its state, sleeping
 * and waking, the reconcile workers, and the batched describe. */
#include "provider/controllers.h"
#include "provider/podmap/status.h"
#include "util/deadline.h"
#include "util/log.h"
#include "util/timefmt.h"
#include "util/xmalloc.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COMP "controllers"

void prov_ctl_init(prov_ctl *c)
{
    atomic_store(&c->stop, 0);
    atomic_store(&c->eci_ok, 1);
    atomic_store(&c->recovered, 0);
    c->cluster_tag = podmap_tag_value(c->cluster_name ? c->cluster_name : "");
    c->node_tag = podmap_tag_value(c->node_name ? c->node_name : "");
    pthread_mutex_init(&c->wake_mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&c->wake_cv, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&c->upd_mu, NULL);
    pthread_mutex_init(&c->st_mu, NULL);
    pthread_cond_init(&c->st_cv, NULL);
    c->st_busy = strmap_new();
    pthread_mutex_init(&c->ev_mu, NULL);
    pthread_mutex_init(&c->drift_mu, NULL);
    htab_init(&c->written, 64, offsetof(prov_written, next), offsetof(prov_written, key));
    c->drifted = strmap_new();
    c->drift_seq = 0;
    c->poll_asked = 0;
    atomic_store(&c->period_polls, 0);
    atomic_store(&c->write_period, 0);
    c->pending_updates = cJSON_CreateObject();
    c->resize_refused = cJSON_CreateObject();
    c->pending_status = cJSON_CreateObject();
    c->seen_events = strmap_new();
}

static int drop_written(void *item, void *ud)
{
    (void)ud;
    prov_written_free(item);
    return 0;
}

void prov_ctl_destroy(prov_ctl *c)
{
    if (!c)
        return;
    free(c->cluster_tag);
    free(c->node_tag);
    cJSON_Delete(c->pending_updates);
    cJSON_Delete(c->resize_refused);
    cJSON_Delete(c->pending_status);
    htab_filter(&c->written, drop_written, NULL);
    htab_fini(&c->written);
    strmap_free(c->drifted);
    strmap_free(c->seen_events);
    pthread_mutex_destroy(&c->wake_mu);
    pthread_cond_destroy(&c->wake_cv);
    pthread_mutex_destroy(&c->upd_mu);
    pthread_mutex_destroy(&c->st_mu);
    pthread_cond_destroy(&c->st_cv);
    strmap_free(c->st_busy);
    c->st_busy = NULL;
    pthread_mutex_destroy(&c->ev_mu);
    pthread_mutex_destroy(&c->drift_mu);
    c->drifted = NULL;
    c->cluster_tag = c->node_tag = NULL;
    c->pending_updates = c->pending_status = NULL;
    c->seen_events = NULL;
}

int prov_ctl_sleep(prov_ctl *c, long ms)
{
    struct timespec ts;
    deadline_after_ms(&ts, CLOCK_MONOTONIC, ms);
    pthread_mutex_lock(&c->wake_mu);
    if (!atomic_load(&c->stop))
        pthread_cond_timedwait(&c->wake_cv, &c->wake_mu, &ts); /* woken or timed out: callers re-check */
    pthread_mutex_unlock(&c->wake_mu);
    return atomic_load(&c->stop);
}

void prov_ctl_wake(prov_ctl *c)
{
    pthread_mutex_lock(&c->wake_mu);
    pthread_cond_broadcast(&c->wake_cv);
    pthread_mutex_unlock(&c->wake_mu);
}

void prov_ctl_poll_soon(prov_ctl *c)
{
    pthread_mutex_lock(&c->wake_mu);
    c->poll_asked = 1;
    pthread_cond_broadcast(&c->wake_cv);
    pthread_mutex_unlock(&c->wake_mu);
}

int prov_ctl_poll_wait(prov_ctl *c, long ms, long min_ms)
{
    if (min_ms > ms)
        min_ms = ms;
    struct timespec until, soonest;
    deadline_after_ms(&until, CLOCK_MONOTONIC, ms);
    deadline_after_ms(&soonest, CLOCK_MONOTONIC, min_ms);
    pthread_mutex_lock(&c->wake_mu);
    /* The ask is a flag, not the signal: one made while the poll ran (after
     * it read the pods it serves) is found here, where a condition signal
     * would have found no sleeper. Other wakes (the node loop's) sleep on;
     * an ask waits for min_ms, so a stream of asks polls at that pace. */
    while (!atomic_load(&c->stop)) {
        const struct timespec *dl = c->poll_asked ? &soonest : &until;
        if (pthread_cond_timedwait(&c->wake_cv, &c->wake_mu, dl) == ETIMEDOUT && (dl == &until || c->poll_asked))
            break;
    }
    int asked = c->poll_asked && !atomic_load(&c->stop);
    c->poll_asked = 0;
    pthread_mutex_unlock(&c->wake_mu);
    return asked;
}

void prov_ctl_stop(prov_ctl *c)
{
    atomic_store(&c->stop, 1);
    prov_ctl_wake(c);
    if (c->wq)
        prov_wq_shutdown(c->wq);
}

void prov_ctl_eci(prov_ctl *c, const eci_error *err, const char *context)
{
    if (c->eci_report)
        c->eci_report(c->eci_report_arg, err, context);
    else
        atomic_store(&c->eci_ok, err ? 0 : 1);
}

cJSON *prov_ctl_pod(prov_ctl *c, const char *ns, const char *name, const char *uid)
{
    if (!ns || !name || !c->pods)
        return NULL;
    char *key = xasprintf("%s/%s", ns, name);
    cJSON *pod = k8s_store_get(c->pods, key);
    free(key);
    const char *puid = pod ? k8s_meta_str(pod, "uid") : NULL;
    if (uid && (!puid || strcmp(puid, uid) != 0)) {
        cJSON_Delete(pod);
        return NULL;
    }
    return pod;
}

void prov_ctl_status_ctx(prov_ctl *c, podmap_status_ctx *ctx, char *buf, size_t buflen)
{
    timefmt_now(0, buf, buflen);
    ctx->node_name = c->node_name;
    ctx->node_ip = c->node_ip;
    ctx->now = buf;
    ctx->resize_refused = NULL;
}

char *prov_resize_refused(prov_ctl *c, const char *uid)
{
    pthread_mutex_lock(&c->upd_mu);
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(c->resize_refused, uid);
    char *r = cJSON_IsString(m) ? xstrdup(m->valuestring) : NULL;
    pthread_mutex_unlock(&c->upd_mu);
    return r;
}

void *prov_worker_loop(void *arg)
{
    prov_ctl *c = arg;
    char *key;
    while ((key = prov_wq_get(c->wq)) != NULL) {
        int rc = prov_sync_pod(c, key);
        if (rc == 0)
            prov_wq_forget(c->wq, key);
        else if (!atomic_load(&c->stop))
            prov_wq_add_rate_limited(c->wq, key);
        if (c->m_reconcile) {
            const char *lv[] = {rc == 0 ? "ok" : "retry"};
            prom_inc(c->m_reconcile, lv, 1);
        }
        prov_wq_done(c->wq, key);
        free(key);
    }
    return NULL;
}

int prov_describe_ids(prov_ctl *c, const char *const *ids, size_t n, prov_describe_fn fn, void *arg)
{
    int rc = 0;
    for (size_t off = 0; off < n && !atomic_load(&c->stop); off += 20) {
        size_t cnt = n - off < 20 ? n - off : 20;
        eci_describe_cgs_resp resp;
        eci_error err;
        if (c->be->describe(c->be->ud, ids + off, cnt, &resp, &err) != 0) {
            char buf[900];
            log_warn(COMP, "DescribeContainerGroups: %s", eci_error_format(&err, buf, sizeof buf));
            rc = -1;
        } else {
            for (size_t i = 0; i < cnt; i++) {
                const eci_container_group *g = NULL;
                for (size_t j = 0; j < resp.n_groups && !g; j++)
                    if (resp.groups[j].container_group_id &&
                        strcmp(resp.groups[j].container_group_id, ids[off + i]) == 0)
                        g = &resp.groups[j];
                fn(off + i, g, arg);
            }
        }
        eci_describe_cgs_resp_free(&resp);
    }
    return rc;
}
