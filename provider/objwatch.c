/* Per-object watches of ConfigMaps and Secrets pods wait for: see objwatch.h. */
#include "provider/objwatch.h"
#include "provider/bridge_int.h"
#include "util/log.h"
#include "util/xmalloc.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#define COMP "objwatch"

typedef struct ow_entry {
    prov_ow *w;
    const k8s_resource *res;
    char *ns, *name;
    k8s_watch *watch;
    atomic_int done;  /* the object appeared: the watch thread has ended or is ending */
    cJSON *waiters;   /* pod keys; guarded by the prov_ow lock */
    struct ow_entry *next;
} ow_entry;

struct prov_ow {
    prov_bridge *b;
    pthread_mutex_t mu;
    ow_entry *head;
};

prov_ow *prov_ow_new(prov_bridge *b)
{
    prov_ow *w = xcalloc(1, sizeof *w);
    w->b = b;
    pthread_mutex_init(&w->mu, NULL);
    return w;
}

static void entry_free(ow_entry *e)
{
    k8s_watch_stop(e->watch); /* joins the thread; it no longer takes the lock once done */
    cJSON_Delete(e->waiters);
    free(e->ns);
    free(e->name);
    free(e);
}

void prov_ow_free(prov_ow *w)
{
    if (!w)
        return;
    while (w->head) {
        ow_entry *e = w->head;
        w->head = e->next;
        entry_free(e);
    }
    pthread_mutex_destroy(&w->mu);
    free(w);
}

static int on_event(k8s_watch_type type, cJSON *obj, void *arg)
{
    ow_entry *e = arg;
    cJSON_Delete(obj);
    if (type != K8S_WATCH_ADDED && type != K8S_WATCH_MODIFIED)
        return 0;
    prov_bridge *b = e->w->b;
    k8s_get_cache_invalidate(b->gets, e->res, e->ns, e->name);
    pthread_mutex_lock(&e->w->mu);
    const cJSON *k;
    cJSON_ArrayForEach(k, e->waiters) prov_wq_add(b->wq, k->valuestring);
    log_info(COMP, "%s %s/%s appeared: %d waiting pod(s) queued", e->res->resource, e->ns, e->name,
             cJSON_GetArraySize(e->waiters));
    atomic_store(&e->done, 1);
    pthread_mutex_unlock(&e->w->mu);
    return 1; /* ends this watch */
}

void prov_ow_wait(prov_ow *w, const char *kind, const char *ns, const char *name, const char *rv,
                  const char *pod_key)
{
    const k8s_resource *res = strcmp(kind, "Secret") == 0 ? &K8S_RES_SECRETS : &K8S_RES_CONFIGMAPS;
    pthread_mutex_lock(&w->mu);
    /* Free the watches that ended (their threads are gone or going). */
    for (ow_entry **pp = &w->head; *pp;) {
        ow_entry *e = *pp;
        if (atomic_load(&e->done)) {
            *pp = e->next;
            entry_free(e);
        } else {
            pp = &e->next;
        }
    }
    ow_entry *e = w->head;
    while (e && !(e->res == res && !strcmp(e->ns, ns) && !strcmp(e->name, name)))
        e = e->next;
    if (!e) {
        e = xcalloc(1, sizeof *e);
        e->w = w;
        e->res = res;
        e->ns = xstrdup(ns);
        e->name = xstrdup(name);
        e->waiters = cJSON_CreateArray();
        char *sel = xasprintf("metadata.name=%s", name);
        k8s_watch_opts o = {0};
        o.resource = res;
        o.ns = ns;
        o.field_selector = sel;
        o.resource_version = rv;
        o.on_event = on_event;
        o.arg = e;
        k8s_error err;
        if (k8s_watch_start(w->b->kc, &o, &e->watch, &err) != 0) {
            char buf[512];
            log_warn(COMP, "watch %s %s/%s: %s", res->resource, ns, name, k8s_error_format(&err, buf, sizeof buf));
            free(sel);
            cJSON_Delete(e->waiters);
            free(e->ns);
            free(e->name);
            free(e);
            pthread_mutex_unlock(&w->mu);
            return; /* the pod's retries with backoff still find the object */
        }
        free(sel);
        e->next = w->head;
        w->head = e;
    }
    const cJSON *k;
    int have = 0;
    cJSON_ArrayForEach(k, e->waiters) have |= !strcmp(k->valuestring, pod_key);
    if (!have)
        cJSON_AddItemToArray(e->waiters, cJSON_CreateString(pod_key));
    pthread_mutex_unlock(&w->mu);
}
