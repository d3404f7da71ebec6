#include "k8s/events.h"
#include "k8s/informer.h"
#include "util/clock.h"
#include "util/ratelimit.h"
#include "util/timefmt.h"
#include "util/xmalloc.h"
#include "util/deadline.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define MAX_MESSAGE 1024

typedef struct ev_entry {
    char *key;     /* aggregation key */
    char *ns;      /* Event namespace */
    char *name;    /* Event name */
    long count;
    char first[40]; /* firstTimestamp */
    time_t last;    /* last write (monotonic s) */
} ev_entry;

typedef struct obj_bucket {
    char *key; /* involved object + source */
    rl_limiter *rl;
    time_t used;
} obj_bucket;

/* A queued Event: the involved object's identity and the Event's words.
 * The identity (and a mirrored Event) is kept as deflated text
 * (k8s_text_pack), parsed when the Event is written: a burst queues
 * thousands, and a tree costs several times its text. */
typedef struct ev_item {
    ztext *obj;
    char *type, *reason, *message;
    ztext *mirrored; /* k8s_record_mirrored: the whole Event */
    struct ev_item *next;
} ev_item;

struct k8s_recorder {
    k8s_client *c;
    /* the queue (queue_size > 0), guarded by qmu */
    size_t qcap, qlen;
    ev_item *qhead, *qtail;
    int busy; /* the thread is writing one */
    int stopping;
    pthread_mutex_t qmu;
    pthread_cond_t qcv, qidle;
    pthread_t th;
    int th_started;
    char *component;
    char *host;
    long window_s;
    size_t max;
    rl_limiter *rl;
    double obj_qps; /* < 0: no per-object limit */
    int obj_burst;
    obj_bucket *ob;
    size_t nob;
    pthread_mutex_t mu;
    ev_entry *e;
    size_t n;
    unsigned long seq;
    k8s_recorder_stats st;
};

static void item_free(ev_item *it)
{
    free(it->obj);
    free(it->type);
    free(it->reason);
    free(it->message);
    free(it->mirrored);
    free(it);
}

static void *writer_main(void *arg);


k8s_recorder *k8s_recorder_new(k8s_client *c, const k8s_recorder_opts *o)
{
    k8s_recorder *r = xcalloc(1, sizeof *r);
    r->c = c;
    r->component = xstrdup(o && o->component ? o->component : "eci-kubelet");
    r->host = xstrdup(o ? o->host : NULL);
    r->window_s = o && o->window_s > 0 ? o->window_s : 600;
    r->max = o && o->cache_size ? o->cache_size : 4096;
    double qps = o && o->qps > 0 ? o->qps : 1.0 / 3.0;
    r->rl = rl_new(qps, o && o->burst > 0 ? o->burst : 25);
    r->e = xcalloc(r->max, sizeof *r->e);
    r->obj_qps = o && o->object_qps != 0 ? o->object_qps : 1.0 / 300.0;
    r->obj_burst = o && o->object_burst > 0 ? o->object_burst : 25;
    r->ob = xcalloc(r->max, sizeof *r->ob);
    pthread_mutex_init(&r->mu, NULL);
    pthread_mutex_init(&r->qmu, NULL);
    pthread_cond_init(&r->qcv, NULL);
    pthread_cond_init(&r->qidle, NULL);
    r->qcap = o ? o->queue_size : 0;
    if (r->qcap)
        r->th_started = pthread_create(&r->th, NULL, writer_main, r) == 0;
    if (!r->th_started)
        r->qcap = 0;
    return r;
}

static void entry_free(ev_entry *e)
{
    free(e->key);
    free(e->ns);
    free(e->name);
    memset(e, 0, sizeof *e);
}

void k8s_recorder_free(k8s_recorder *r)
{
    if (!r)
        return;
    if (r->th_started) {
        /* What is queued gets two seconds to be written, then is dropped. */
        k8s_recorder_flush(r, 2000);
        pthread_mutex_lock(&r->qmu);
        r->stopping = 1;
        pthread_cond_broadcast(&r->qcv);
        pthread_mutex_unlock(&r->qmu);
        pthread_join(r->th, NULL);
    }
    while (r->qhead) {
        ev_item *it = r->qhead;
        r->qhead = it->next;
        item_free(it);
    }
    pthread_mutex_destroy(&r->qmu);
    pthread_cond_destroy(&r->qcv);
    pthread_cond_destroy(&r->qidle);
    for (size_t i = 0; i < r->n; i++)
        entry_free(&r->e[i]);
    free(r->e);
    for (size_t i = 0; i < r->nob; i++) {
        free(r->ob[i].key);
        rl_free(r->ob[i].rl);
    }
    free(r->ob);
    rl_free(r->rl);
    pthread_mutex_destroy(&r->mu);
    free(r->component);
    free(r->host);
    free(r);
}

void k8s_recorder_get_stats(k8s_recorder *r, k8s_recorder_stats *out)
{
    pthread_mutex_lock(&r->mu);
    *out = r->st;
    pthread_mutex_unlock(&r->mu);
    pthread_mutex_lock(&r->qmu);
    out->queued = r->qlen;
    pthread_mutex_unlock(&r->qmu);
}

/* The per-object spam filter: 1 when an Event about key may be written. */
static int object_allowed(k8s_recorder *r, const char *key, time_t now)
{
    if (r->obj_qps < 0)
        return 1;
    pthread_mutex_lock(&r->mu);
    obj_bucket *b = NULL;
    for (size_t i = 0; i < r->nob; i++)
        if (!strcmp(r->ob[i].key, key)) {
            b = &r->ob[i];
            break;
        }
    if (!b) {
        if (r->nob == r->max) { /* evict the least recently used object */
            size_t old = 0;
            for (size_t i = 1; i < r->nob; i++)
                if (r->ob[i].used < r->ob[old].used)
                    old = i;
            free(r->ob[old].key);
            rl_free(r->ob[old].rl);
            r->ob[old] = r->ob[--r->nob];
        }
        b = &r->ob[r->nob++];
        b->key = xstrdup(key);
        b->rl = rl_new(r->obj_qps, r->obj_burst);
    }
    b->used = now;
    int ok = rl_try_take(b->rl);
    pthread_mutex_unlock(&r->mu);
    return ok;
}

static const char *str_or(const cJSON *o, const char *k, const char *dflt)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : dflt;
}

static void bump(k8s_recorder *r, unsigned long *f)
{
    pthread_mutex_lock(&r->mu);
    (*f)++;
    pthread_mutex_unlock(&r->mu);
}

static int record_now(k8s_recorder *r, const cJSON *obj, const char *type, const char *reason, const char *message,
                      k8s_error *err)
{
    k8s_error local;
    if (!err)
        err = &local;
    k8s_error_clear(err);
    const char *oname = k8s_meta_str(obj, "name");
    if (!oname || !reason)
        return k8s_error_set(err, K8S_E_INVALID_ARG, "event: the object has no name or the reason is empty");
    const char *ons = k8s_meta_str(obj, "namespace");
    const char *uid = k8s_meta_str(obj, "uid");
    const char *kind = str_or(obj, "kind", "");
    const char *apiv = str_or(obj, "apiVersion", "");
    const char *ev_ns = ons && *ons ? ons : "default";
    char msg[MAX_MESSAGE + 1];
    snprintf(msg, sizeof msg, "%s", message ? message : "");
    if (!type)
        type = "Normal";
    char *key = xasprintf("%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s", kind, ev_ns, oname, uid ? uid : "",
                          type, reason, msg, r->component, r->host ? r->host : "");
    char now[40];
    timefmt_now(0, now, sizeof now);
    time_t t = (time_t)(clock_mono_ms() / 1000);

    /* aggregate onto a recent Event with the same key */
    char *agg_ns = NULL, *agg_name = NULL;
    long count = 0;
    pthread_mutex_lock(&r->mu);
    for (size_t i = 0; i < r->n; i++) {
        if (strcmp(r->e[i].key, key))
            continue;
        if (t - r->e[i].last <= r->window_s) {
            agg_ns = xstrdup(r->e[i].ns);
            agg_name = xstrdup(r->e[i].name);
            count = r->e[i].count + 1;
        } else {
            entry_free(&r->e[i]);
            r->e[i] = r->e[--r->n];
        }
        break;
    }
    pthread_mutex_unlock(&r->mu);

    char *okey = xasprintf("%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s", kind, ev_ns, oname, uid ? uid : "", r->component,
                           r->host ? r->host : "");
    int allowed = object_allowed(r, okey, t);
    free(okey);
    if (!allowed) {
        free(key);
        free(agg_ns);
        free(agg_name);
        bump(r, &r->st.dropped);
        return k8s_error_set(err, K8S_E_THROTTLED, "event %s on %s/%s dropped: too many Events about this object",
                             reason, ev_ns, oname);
    }
    if (!rl_try_take(r->rl)) {
        free(key);
        free(agg_ns);
        free(agg_name);
        bump(r, &r->st.dropped);
        return k8s_error_set(err, K8S_E_THROTTLED, "event %s on %s/%s dropped by the rate limit", reason, ev_ns,
                             oname);
    }

    if (agg_name) {
        cJSON *p = cJSON_CreateObject();
        cJSON_AddNumberToObject(p, "count", (double)count);
        cJSON_AddStringToObject(p, "lastTimestamp", now);
        int rc = k8s_patch(r->c, &K8S_RES_EVENTS, agg_ns, agg_name, NULL, K8S_PATCH_STRATEGIC, p, NULL, err);
        cJSON_Delete(p);
        if (rc == 0) {
            pthread_mutex_lock(&r->mu);
            for (size_t i = 0; i < r->n; i++)
                if (!strcmp(r->e[i].key, key)) {
                    r->e[i].count = count;
                    r->e[i].last = t;
                }
            r->st.aggregated++;
            pthread_mutex_unlock(&r->mu);
            free(key);
            free(agg_ns);
            free(agg_name);
            return 0;
        }
        free(agg_ns);
        free(agg_name);
        if (err && err->code != K8S_E_NOT_FOUND) {
            free(key);
            bump(r, &r->st.failed);
            return -1;
        }
        /* the Event expired on the server: create a new one */
        count = 0;
    }

    pthread_mutex_lock(&r->mu);
    unsigned long seq = ++r->seq;
    pthread_mutex_unlock(&r->mu);
    struct timespec rt;
    clock_gettime(CLOCK_REALTIME, &rt);
    char *ename = xasprintf("%s.%llx%04lx", oname,
                            (unsigned long long)rt.tv_sec * 1000000000ULL + (unsigned long long)rt.tv_nsec,
                            seq & 0xffff);
    cJSON *ev = cJSON_CreateObject();
    cJSON_AddStringToObject(ev, "apiVersion", "v1");
    cJSON_AddStringToObject(ev, "kind", "Event");
    cJSON *md = cJSON_AddObjectToObject(ev, "metadata");
    cJSON_AddStringToObject(md, "name", ename);
    cJSON_AddStringToObject(md, "namespace", ev_ns);
    cJSON *io = cJSON_AddObjectToObject(ev, "involvedObject");
    if (*apiv)
        cJSON_AddStringToObject(io, "apiVersion", apiv);
    if (*kind)
        cJSON_AddStringToObject(io, "kind", kind);
    if (ons && *ons)
        cJSON_AddStringToObject(io, "namespace", ons);
    cJSON_AddStringToObject(io, "name", oname);
    if (uid)
        cJSON_AddStringToObject(io, "uid", uid);
    const char *orv = k8s_meta_str(obj, "resourceVersion");
    if (orv)
        cJSON_AddStringToObject(io, "resourceVersion", orv);
    cJSON_AddStringToObject(ev, "reason", reason);
    cJSON_AddStringToObject(ev, "message", msg);
    cJSON_AddStringToObject(ev, "type", type);
    cJSON *src = cJSON_AddObjectToObject(ev, "source");
    cJSON_AddStringToObject(src, "component", r->component);
    if (r->host && *r->host)
        cJSON_AddStringToObject(src, "host", r->host);
    cJSON_AddStringToObject(ev, "firstTimestamp", now);
    cJSON_AddStringToObject(ev, "lastTimestamp", now);
    cJSON_AddNumberToObject(ev, "count", 1);
    cJSON_AddStringToObject(ev, "reportingComponent", r->component);
    cJSON_AddStringToObject(ev, "reportingInstance", r->host ? r->host : "");
    int rc = k8s_create(r->c, &K8S_RES_EVENTS, ev_ns, ev, NULL, err);
    cJSON_Delete(ev);
    if (rc < 0) {
        free(key);
        free(ename);
        bump(r, &r->st.failed);
        return -1;
    }
    pthread_mutex_lock(&r->mu);
    for (size_t i = 0; i < r->n; i++) /* a racing writer may have added the key */
        if (!strcmp(r->e[i].key, key)) {
            entry_free(&r->e[i]);
            r->e[i] = r->e[--r->n];
            break;
        }
    if (r->n == r->max) { /* evict the least recently written */
        size_t old = 0;
        for (size_t i = 1; i < r->n; i++)
            if (r->e[i].last < r->e[old].last)
                old = i;
        entry_free(&r->e[old]);
        r->e[old] = r->e[--r->n];
    }
    ev_entry *e = &r->e[r->n++];
    e->key = key;
    e->ns = xstrdup(ev_ns);
    e->name = ename;
    e->count = 1;
    snprintf(e->first, sizeof e->first, "%s", now);
    e->last = t;
    r->st.created++;
    pthread_mutex_unlock(&r->mu);
    return 0;
}

static cJSON *identity_of(const cJSON *obj)
{
    cJSON *o = cJSON_CreateObject();
    const char *top[] = {"apiVersion", "kind"};
    for (int i = 0; i < 2; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, top[i]);
        if (cJSON_IsString(v))
            cJSON_AddStringToObject(o, top[i], v->valuestring);
    }
    cJSON *md = cJSON_AddObjectToObject(o, "metadata");
    const char *meta[] = {"namespace", "name", "uid", "resourceVersion"};
    for (int i = 0; i < 4; i++) {
        const char *v = k8s_meta_str(obj, meta[i]);
        if (v)
            cJSON_AddStringToObject(md, meta[i], v);
    }
    return o;
}

/* Queue it (consumed); a full queue drops it. */
static int enqueue(k8s_recorder *r, ev_item *it, k8s_error *err)
{
    pthread_mutex_lock(&r->qmu);
    int full = r->qlen >= r->qcap || r->stopping;
    if (!full) {
        if (r->qtail)
            r->qtail->next = it;
        else
            r->qhead = it;
        r->qtail = it;
        r->qlen++;
        pthread_cond_signal(&r->qcv);
    }
    pthread_mutex_unlock(&r->qmu);
    if (full) {
        item_free(it);
        bump(r, &r->st.dropped);
        return k8s_error_set(err, K8S_E_THROTTLED, "event dropped: %zu Events already wait to be written", r->qcap);
    }
    return 0;
}

int k8s_record_event(k8s_recorder *r, const cJSON *obj, const char *type, const char *reason, const char *message,
                     k8s_error *err)
{
    if (!r->qcap)
        return record_now(r, obj, type, reason, message, err);
    k8s_error local;
    if (!err)
        err = &local;
    k8s_error_clear(err);
    if (!k8s_meta_str(obj, "name") || !reason)
        return k8s_error_set(err, K8S_E_INVALID_ARG, "event: the object has no name or the reason is empty");
    ev_item *it = xcalloc(1, sizeof *it);
    cJSON *id = identity_of(obj);
    it->obj = k8s_text_pack(id);
    cJSON_Delete(id);
    it->type = xstrdup(type);
    it->reason = xstrdup(reason);
    char msg[MAX_MESSAGE + 1];
    snprintf(msg, sizeof msg, "%s", message ? message : "");
    it->message = xstrdup(msg);
    return enqueue(r, it, err);
}

/* Create the mirrored Event; when its name exists, patch count and
 * lastTimestamp. */
static int mirror_now(k8s_recorder *r, const cJSON *ev, k8s_error *err)
{
    const char *ns = k8s_meta_str(ev, "namespace");
    if (k8s_create(r->c, &K8S_RES_EVENTS, ns, ev, NULL, err) == 0) {
        bump(r, &r->st.created);
        return 0;
    }
    if (err->code != K8S_E_ALREADY_EXISTS) {
        bump(r, &r->st.failed);
        return -1;
    }
    cJSON *patch = cJSON_CreateObject();
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(ev, "count");
    const cJSON *l = cJSON_GetObjectItemCaseSensitive(ev, "lastTimestamp");
    if (c)
        cJSON_AddItemToObject(patch, "count", cJSON_Duplicate(c, 1));
    if (l)
        cJSON_AddItemToObject(patch, "lastTimestamp", cJSON_Duplicate(l, 1));
    int rc = k8s_patch(r->c, &K8S_RES_EVENTS, ns, k8s_meta_str(ev, "name"), NULL, K8S_PATCH_MERGE, patch, NULL, err);
    cJSON_Delete(patch);
    bump(r, rc == 0 ? &r->st.aggregated : &r->st.failed);
    return rc == 0 ? 0 : -1;
}

int k8s_record_mirrored(k8s_recorder *r, cJSON *ev, k8s_error *err)
{
    k8s_error local;
    if (!err)
        err = &local;
    k8s_error_clear(err);
    if (!k8s_meta_str(ev, "name")) {
        cJSON_Delete(ev);
        return k8s_error_set(err, K8S_E_INVALID_ARG, "event: no metadata.name");
    }
    if (!r->qcap) {
        int rc = mirror_now(r, ev, err);
        cJSON_Delete(ev);
        return rc;
    }
    ev_item *it = xcalloc(1, sizeof *it);
    it->mirrored = k8s_text_pack(ev);
    cJSON_Delete(ev);
    return enqueue(r, it, err);
}

static void *writer_main(void *arg)
{
    k8s_recorder *r = arg;
    pthread_mutex_lock(&r->qmu);
    for (;;) {
        while (!r->qhead && !r->stopping)
            pthread_cond_wait(&r->qcv, &r->qmu);
        if (r->stopping)
            break;
        ev_item *it = r->qhead;
        r->qhead = it->next;
        if (!r->qhead)
            r->qtail = NULL;
        r->qlen--;
        r->busy = 1;
        pthread_mutex_unlock(&r->qmu);
        k8s_error err;
        if (it->mirrored) {
            cJSON *ev = k8s_text_parse(it->mirrored);
            if (ev)
                mirror_now(r, ev, &err);
            cJSON_Delete(ev);
        } else {
            cJSON *obj = k8s_text_parse(it->obj);
            if (obj)
                record_now(r, obj, it->type, it->reason, it->message, &err);
            cJSON_Delete(obj);
        }
        item_free(it);
        pthread_mutex_lock(&r->qmu);
        r->busy = 0;
        if (!r->qhead)
            pthread_cond_broadcast(&r->qidle);
    }
    pthread_mutex_unlock(&r->qmu);
    return NULL;
}

int k8s_recorder_flush(k8s_recorder *r, long timeout_ms)
{
    if (!r || !r->qcap)
        return 1;
    struct timespec dl;
    deadline_after_ms(&dl, CLOCK_REALTIME, timeout_ms);
    pthread_mutex_lock(&r->qmu);
    int rc = 0;
    while ((r->qhead || r->busy) && rc == 0)
        rc = pthread_cond_timedwait(&r->qidle, &r->qmu, &dl);
    int drained = !r->qhead && !r->busy;
    pthread_mutex_unlock(&r->qmu);
    return drained;
}

int k8s_record_eventf(k8s_recorder *r, const cJSON *obj, const char *type, const char *reason, k8s_error *err,
                      const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *m = xvasprintf(fmt, ap);
    va_end(ap);
    int rc = k8s_record_event(r, obj, type, reason, m, err);
    free(m);
    return rc;
}
