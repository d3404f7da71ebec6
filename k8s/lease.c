#include "k8s/lease.h"
#include "util/clock.h"
#include "util/timefmt.h"
#include "util/xmalloc.h"
#include "util/deadline.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

/* ---- node heartbeat lease ---- */

struct k8s_node_lease {
    k8s_client *c;
    char *node;
    char *uid;
    int duration;
    cJSON *obj; /* last written */
};

k8s_node_lease *k8s_node_lease_new(k8s_client *c, const char *node_name, const char *node_uid, int duration_s)
{
    k8s_node_lease *l = xcalloc(1, sizeof *l);
    l->c = c;
    l->node = xstrdup(node_name);
    l->uid = xstrdup(node_uid);
    l->duration = duration_s > 0 ? duration_s : K8S_NODE_LEASE_DURATION_S;
    return l;
}

void k8s_node_lease_free(k8s_node_lease *l)
{
    if (!l)
        return;
    free(l->node);
    free(l->uid);
    cJSON_Delete(l->obj);
    free(l);
}

const cJSON *k8s_node_lease_object(const k8s_node_lease *l) { return l->obj; }

static void set_str(cJSON *o, const char *k, const char *v)
{
    cJSON_DeleteItemFromObjectCaseSensitive(o, k);
    cJSON_AddStringToObject(o, k, v);
}

static void set_num(cJSON *o, const char *k, double v)
{
    cJSON_DeleteItemFromObjectCaseSensitive(o, k);
    cJSON_AddNumberToObject(o, k, v);
}

static cJSON *spec_of(cJSON *lease)
{
    cJSON *s = cJSON_GetObjectItemCaseSensitive(lease, "spec");
    if (!cJSON_IsObject(s)) {
        cJSON_DeleteItemFromObjectCaseSensitive(lease, "spec");
        s = cJSON_AddObjectToObject(lease, "spec");
    }
    return s;
}

cJSON *k8s_node_lease_build(const char *node_name, const char *node_uid, int duration_s, const char *renew_time)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "apiVersion", "coordination.k8s.io/v1");
    cJSON_AddStringToObject(o, "kind", "Lease");
    cJSON *md = cJSON_AddObjectToObject(o, "metadata");
    cJSON_AddStringToObject(md, "name", node_name);
    cJSON_AddStringToObject(md, "namespace", K8S_NODE_LEASE_NS);
    if (node_uid && *node_uid) {
        cJSON *refs = cJSON_AddArrayToObject(md, "ownerReferences");
        cJSON *ref = cJSON_CreateObject();
        cJSON_AddStringToObject(ref, "apiVersion", "v1");
        cJSON_AddStringToObject(ref, "kind", "Node");
        cJSON_AddStringToObject(ref, "name", node_name);
        cJSON_AddStringToObject(ref, "uid", node_uid);
        cJSON_AddItemToArray(refs, ref);
    }
    cJSON *sp = cJSON_AddObjectToObject(o, "spec");
    cJSON_AddStringToObject(sp, "holderIdentity", node_name);
    cJSON_AddNumberToObject(sp, "leaseDurationSeconds", duration_s > 0 ? duration_s : K8S_NODE_LEASE_DURATION_S);
    cJSON_AddStringToObject(sp, "renewTime", renew_time);
    return o;
}

static int node_lease_create(k8s_node_lease *l, k8s_error *err)
{
    char now[40];
    timefmt_now(6, now, sizeof now);
    cJSON *o = k8s_node_lease_build(l->node, l->uid, l->duration, now);
    cJSON *out;
    int rc = k8s_create(l->c, &K8S_RES_LEASES, K8S_NODE_LEASE_NS, o, &out, err);
    cJSON_Delete(o);
    if (rc == 0) {
        cJSON_Delete(l->obj);
        l->obj = out;
    }
    return rc;
}

int k8s_node_lease_renew(k8s_node_lease *l, k8s_error *err)
{
    k8s_error local;
    if (!err)
        err = &local;
    for (int attempt = 0; attempt < 5; attempt++) {
        if (!l->obj) {
            cJSON *got;
            if (k8s_get(l->c, &K8S_RES_LEASES, K8S_NODE_LEASE_NS, l->node, &got, err) < 0) {
                if (err && err->code == K8S_E_NOT_FOUND) {
                    if (node_lease_create(l, err) == 0)
                        return 0;
                    if (err && err->code == K8S_E_ALREADY_EXISTS)
                        continue;
                }
                return -1;
            }
            l->obj = got;
        }
        cJSON *o = cJSON_Duplicate(l->obj, 1);
        cJSON *sp = spec_of(o);
        char now[40];
        timefmt_now(6, now, sizeof now);
        set_str(sp, "holderIdentity", l->node);
        set_num(sp, "leaseDurationSeconds", l->duration);
        set_str(sp, "renewTime", now);
        cJSON *out;
        int rc = k8s_update(l->c, &K8S_RES_LEASES, K8S_NODE_LEASE_NS, NULL, o, &out, err);
        cJSON_Delete(o);
        if (rc == 0) {
            cJSON_Delete(l->obj);
            l->obj = out;
            return 0;
        }
        if (err && (err->code == K8S_E_CONFLICT || err->code == K8S_E_NOT_FOUND)) {
            cJSON_Delete(l->obj); /* re-read (or re-create) and try again */
            l->obj = NULL;
            continue;
        }
        return -1;
    }
    return -1;
}

/* ---- leader election ---- */


static const char *spec_str(const cJSON *lease, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(lease, "spec"), k);
    return cJSON_IsString(v) ? v->valuestring : "";
}

static double spec_num(const cJSON *lease, const char *k, double dflt)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(lease, "spec"), k);
    return cJSON_IsNumber(v) ? v->valuedouble : dflt;
}

static void observe(k8s_leader_state *st, const cJSON *lease)
{
    const char *holder = spec_str(lease, "holderIdentity"), *renew = spec_str(lease, "renewTime");
    const char *rv = k8s_meta_str(lease, "resourceVersion");
    if (strcmp(st->holder, holder) || strcmp(st->observed_renew, renew) ||
        strcmp(st->observed_rv, rv ? rv : "") || !st->observed_at.tv_sec) {
        snprintf(st->holder, sizeof st->holder, "%s", holder);
        snprintf(st->observed_renew, sizeof st->observed_renew, "%s", renew);
        snprintf(st->observed_rv, sizeof st->observed_rv, "%s", rv ? rv : "");
        clock_mono(&st->observed_at);
    }
}

static int duration_of(const k8s_leader_opts *o) { return o->lease_duration_s > 0 ? o->lease_duration_s : 15; }

int k8s_leader_try_acquire_or_renew(k8s_client *c, const k8s_leader_opts *o, k8s_leader_state *st, k8s_error *err)
{
    k8s_error local;
    if (!err)
        err = &local;
    char now[40];
    timefmt_now(6, now, sizeof now);
    cJSON *cur;
    if (k8s_get(c, &K8S_RES_LEASES, o->ns, o->name, &cur, err) < 0) {
        if (!err || err->code != K8S_E_NOT_FOUND)
            return -1;
        cJSON *l = cJSON_CreateObject();
        cJSON_AddStringToObject(l, "apiVersion", "coordination.k8s.io/v1");
        cJSON_AddStringToObject(l, "kind", "Lease");
        cJSON *md = cJSON_AddObjectToObject(l, "metadata");
        cJSON_AddStringToObject(md, "name", o->name);
        cJSON_AddStringToObject(md, "namespace", o->ns);
        cJSON *sp = cJSON_AddObjectToObject(l, "spec");
        cJSON_AddStringToObject(sp, "holderIdentity", o->identity);
        cJSON_AddNumberToObject(sp, "leaseDurationSeconds", duration_of(o));
        cJSON_AddStringToObject(sp, "acquireTime", now);
        cJSON_AddStringToObject(sp, "renewTime", now);
        cJSON_AddNumberToObject(sp, "leaseTransitions", 0);
        cJSON *out;
        int rc = k8s_create(c, &K8S_RES_LEASES, o->ns, l, &out, err);
        cJSON_Delete(l);
        if (rc < 0) {
            if (err && err->code == K8S_E_ALREADY_EXISTS) {
                st->leading = 0;
                return 0;
            }
            return -1;
        }
        observe(st, out);
        cJSON_Delete(out);
        clock_mono(&st->renewed_at);
        st->leading = 1;
        return 1;
    }
    observe(st, cur);
    const char *holder = spec_str(cur, "holderIdentity");
    int mine = !strcmp(holder, o->identity);
    double their = spec_num(cur, "leaseDurationSeconds", duration_of(o));
    if (*holder && !mine && clock_ms_since(&st->observed_at) < (long)(their * 1000)) {
        cJSON_Delete(cur);
        st->leading = 0;
        return 0;
    }
    cJSON *sp = spec_of(cur);
    if (!mine) {
        set_str(sp, "acquireTime", now);
        set_num(sp, "leaseTransitions", spec_num(cur, "leaseTransitions", 0) + 1);
    }
    set_str(sp, "holderIdentity", o->identity);
    set_num(sp, "leaseDurationSeconds", duration_of(o));
    set_str(sp, "renewTime", now);
    cJSON *out;
    int rc = k8s_update(c, &K8S_RES_LEASES, o->ns, NULL, cur, &out, err);
    cJSON_Delete(cur);
    if (rc < 0) {
        if (err && err->code == K8S_E_CONFLICT) {
            st->leading = 0;
            return 0;
        }
        return -1;
    }
    observe(st, out);
    cJSON_Delete(out);
    clock_mono(&st->renewed_at);
    st->leading = 1;
    return 1;
}

int k8s_leader_release(k8s_client *c, const k8s_leader_opts *o, k8s_leader_state *st, k8s_error *err)
{
    if (!st->leading)
        return 0;
    st->leading = 0;
    cJSON *cur;
    if (k8s_get(c, &K8S_RES_LEASES, o->ns, o->name, &cur, err) < 0)
        return -1;
    if (strcmp(spec_str(cur, "holderIdentity"), o->identity)) {
        cJSON_Delete(cur);
        return 0;
    }
    char now[40];
    timefmt_now(6, now, sizeof now);
    cJSON *sp = spec_of(cur);
    set_str(sp, "holderIdentity", "");
    set_num(sp, "leaseDurationSeconds", 1);
    set_str(sp, "renewTime", now);
    set_str(sp, "acquireTime", now);
    cJSON *out = NULL;
    int rc = k8s_update(c, &K8S_RES_LEASES, o->ns, NULL, cur, &out, err);
    cJSON_Delete(cur);
    if (rc == 0)
        observe(st, out);
    cJSON_Delete(out);
    return rc;
}

struct k8s_leader {
    k8s_client *c;
    k8s_leader_opts o;
    char *s_ns, *s_name, *s_id;
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int stop;
    int leading;
    char holder[128];
};

static void *leader_thread(void *arg)
{
    k8s_leader *l = arg;
    k8s_leader_state st;
    memset(&st, 0, sizeof st);
    long retry = l->o.retry_period_ms > 0 ? l->o.retry_period_ms : 2000;
    long deadline = l->o.renew_deadline_ms > 0 ? l->o.renew_deadline_ms : 10000;
    int leading = 0;
    char last_holder[128] = "";
    pthread_mutex_lock(&l->mu);
    while (!l->stop) {
        pthread_mutex_unlock(&l->mu);
        k8s_error e;
        int rc = k8s_leader_try_acquire_or_renew(l->c, &l->o, &st, &e);
        if (rc == 1 && !leading) {
            leading = 1;
            if (l->o.on_started_leading)
                l->o.on_started_leading(l->o.arg);
        } else if (leading && (rc == 0 || clock_ms_since(&st.renewed_at) > deadline)) {
            leading = 0;
            st.leading = 0;
            if (l->o.on_stopped_leading)
                l->o.on_stopped_leading(l->o.arg);
        }
        if (strcmp(last_holder, st.holder)) {
            snprintf(last_holder, sizeof last_holder, "%s", st.holder);
            if (l->o.on_new_leader && *last_holder)
                l->o.on_new_leader(last_holder, l->o.arg);
        }
        pthread_mutex_lock(&l->mu);
        l->leading = leading;
        snprintf(l->holder, sizeof l->holder, "%s", st.holder);
        if (l->stop)
            break;
        struct timespec dl;
        deadline_after_ms(&dl, CLOCK_MONOTONIC, retry);
        while (!l->stop && pthread_cond_timedwait(&l->cv, &l->mu, &dl) != ETIMEDOUT)
            ;
    }
    pthread_mutex_unlock(&l->mu);
    if (leading) {
        if (l->o.release_on_cancel) {
            k8s_error e;
            k8s_leader_release(l->c, &l->o, &st, &e);
        }
        if (l->o.on_stopped_leading)
            l->o.on_stopped_leading(l->o.arg);
    }
    pthread_mutex_lock(&l->mu);
    l->leading = 0;
    pthread_mutex_unlock(&l->mu);
    return NULL;
}

int k8s_leader_start(k8s_client *c, const k8s_leader_opts *opts, k8s_leader **out, k8s_error *err)
{
    *out = NULL;
    if (!opts || !opts->ns || !opts->name || !opts->identity || !*opts->identity)
        return k8s_error_set(err, K8S_E_INVALID_ARG, "leader election: ns, name and identity are required");
    k8s_leader *l = xcalloc(1, sizeof *l);
    l->c = c;
    l->o = *opts;
    l->o.ns = l->s_ns = xstrdup(opts->ns);
    l->o.name = l->s_name = xstrdup(opts->name);
    l->o.identity = l->s_id = xstrdup(opts->identity);
    pthread_mutex_init(&l->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&l->cv, &ca);
    pthread_condattr_destroy(&ca);
    if (pthread_create(&l->th, NULL, leader_thread, l) != 0) {
        pthread_cond_destroy(&l->cv);
        pthread_mutex_destroy(&l->mu);
        free(l->s_ns);
        free(l->s_name);
        free(l->s_id);
        free(l);
        return k8s_error_set(err, K8S_E_INVALID_ARG, "leader election: cannot start a thread");
    }
    *out = l;
    return 0;
}

int k8s_leader_is_leader(k8s_leader *l)
{
    pthread_mutex_lock(&l->mu);
    int v = l->leading;
    pthread_mutex_unlock(&l->mu);
    return v;
}

const char *k8s_leader_holder(k8s_leader *l, char *buf, size_t n)
{
    pthread_mutex_lock(&l->mu);
    snprintf(buf, n, "%s", l->holder);
    pthread_mutex_unlock(&l->mu);
    return buf;
}

void k8s_leader_stop(k8s_leader *l)
{
    if (!l)
        return;
    pthread_mutex_lock(&l->mu);
    l->stop = 1;
    pthread_cond_broadcast(&l->cv);
    pthread_mutex_unlock(&l->mu);
    pthread_join(l->th, NULL);
    pthread_cond_destroy(&l->cv);
    pthread_mutex_destroy(&l->mu);
    free(l->s_ns);
    free(l->s_name);
    free(l->s_id);
    free(l);
}
