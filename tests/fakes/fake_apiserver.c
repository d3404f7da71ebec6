/* A fake apiserver behind a real k8s_client (see fake_apiserver.h). */
#include "tests/fakes/fake_apiserver.h"
#include "provider/podmap/imagecache.h"
#include "util/query.h"
#include "util/strmap.h"
#include "util/xmalloc.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* How long a watch request waits for a change before its stream ends empty
 * (the informer then watches again from the same resourceVersion), unless
 * watches are closed (fa_close_watches). */
#define WATCH_WAIT_MS 5000
#define IMC_PATH "/apis/" PODMAP_IMC_GROUP "/" PODMAP_IMC_VERSION "/" PODMAP_IMC_RESOURCE

struct fake_api {
    pthread_mutex_t mu;
    pthread_cond_t changed; /* a pod changed (wakes watches) */
    k8s_client *kc;
    k8s_store *pods;
    k8s_store *imcs;  /* ImageCaches (cluster-scoped custom resource) */
    cJSON *secrets;   /* "ns/name" -> Secret */
    unsigned imc_puts;
    const k8s_store_handlers *h;
    cJSON *events; /* array */
    /* Every pod change since the last compaction, in order, as watch
     * events: [{"type":..., "object":..., "rv":N}]. */
    cJSON *changes;
    unsigned long compacted; /* a watch from an older resourceVersion gets 410 */
    int watches_closed;      /* watches end at once */
    unsigned faults, list_faults, watch_faults; /* requests failed by injection */
    char *fmatch;            /* only requests whose "METHOD path" holds it count for the fault */
    cJSON *objs;             /* path -> object: Nodes, Leases, any other kind */
    unsigned puts;
    unsigned long orv;       /* resourceVersion of those objects (pods count apart, for watches) */
    unsigned calls, patches, deletes, posts, lists, watches;
    unsigned long rv; /* resourceVersion of the last change */
    unsigned fnth, fseen;
    int fpersistent, factive;
    unsigned status_delay_us, overlaps;
    strmap *in_status; /* "ns/name" -> PATCHes of its status in progress */
    cJSON *history;    /* "ns/name" -> "Pending,Running,..." */
};

static void status_body(dynbuf *out, int code, const char *reason, const char *msg)
{
    dynbuf_printf(out, "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"reason\":\"%s\","
                       "\"message\":\"%s\",\"code\":%d}",
                  reason, msg, code);
}

/* "/api/v1/namespaces/NS/RES/NAME[/SUB][?query]" into parts. */
static int split_path(const char *path, char *ns, char *res, char *name, char *sub)
{
    ns[0] = res[0] = name[0] = sub[0] = 0;
    char p[1024];
    snprintf(p, sizeof p, "%s", path);
    char *q = strchr(p, '?');
    if (q)
        *q = 0;
    int n = sscanf(p, "/api/v1/namespaces/%253[^/]/%63[^/]/%253[^/]/%63s", ns, res, name, sub);
    return n >= 2 ? 0 : -1;
}

/* Apply a change to the store as a watch event (obj consumed), with a new
 * resourceVersion as the apiserver gives every change. */
static void apply_to(fake_api *a, const char *res, k8s_watch_type t, cJSON *obj)
{
    char rv[32];
    snprintf(rv, sizeof rv, "%lu", ++a->rv);
    cJSON *md = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
    cJSON_DeleteItemFromObjectCaseSensitive(md, "resourceVersion");
    cJSON_AddStringToObject(md, "resourceVersion", rv);
    cJSON *ch = cJSON_CreateObject();
    cJSON_AddStringToObject(ch, "type", k8s_watch_type_name(t));
    cJSON_AddItemToObject(ch, "object", cJSON_Duplicate(obj, 1));
    cJSON_AddNumberToObject(ch, "rv", (double)a->rv);
    cJSON_AddStringToObject(ch, "res", res);
    cJSON_AddItemToArray(a->changes, ch);
    pthread_cond_broadcast(&a->changed);
    if (strcmp(res, "pods") == 0)
        k8s_store_apply(a->pods, t, obj, a->h);
    else
        k8s_store_apply(a->imcs, t, obj, NULL);
}

static void apply(fake_api *a, k8s_watch_type t, cJSON *obj)
{
    apply_to(a, "pods", t, obj);
}

/* GET of a collection (pods or imagecaches): a list of every object (selectors and paging
 * are not faked: one page), or with watch=true the changes after the
 * resourceVersion asked for, waiting a little for one; ERROR 410 when that
 * version was compacted away. Called with a->mu held. */
static int collection(fake_api *a, const char *res, const kv_list *q, int *status, dynbuf *out)
{
    *status = 200;
    const char *w = kv_get(q, "watch");
    int pods = strcmp(res, "pods") == 0;
    if (!w || strcmp(w, "true") != 0) {
        if (pods)
            a->lists++;
        cJSON *items = k8s_store_list(pods ? a->pods : a->imcs);
        char *text = cJSON_PrintUnformatted(items);
        dynbuf_printf(out, "{\"kind\":\"List\",\"apiVersion\":\"v1\",\"metadata\":{\"resourceVersion\":\"%lu\"},"
                           "\"items\":%s}",
                      a->rv, text);
        free(text);
        cJSON_Delete(items);
        return 0;
    }
    if (pods)
        a->watches++;
    const char *rvs = kv_get(q, "resourceVersion");
    unsigned long from = rvs && *rvs ? strtoul(rvs, NULL, 10) : a->rv;
    if (from < a->compacted) {
        dynbuf_adds(out, "{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"apiVersion\":\"v1\","
                         "\"status\":\"Failure\",\"reason\":\"Expired\",\"message\":\"too old resource version\","
                         "\"code\":410}}\n");
        return 0;
    }
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_nsec += WATCH_WAIT_MS * 1000000L;
    until.tv_sec += until.tv_nsec / 1000000000L;
    until.tv_nsec %= 1000000000L;
    while (a->rv <= from && !a->watches_closed && pthread_cond_timedwait(&a->changed, &a->mu, &until) == 0)
        ;
    const cJSON *ch;
    cJSON_ArrayForEach(ch, a->changes)
    {
        if ((unsigned long)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(ch, "rv")) <= from ||
            strcmp(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(ch, "res")), res) != 0)
            continue;
        char *obj = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(ch, "object"));
        dynbuf_printf(out, "{\"type\":\"%s\",\"object\":%s}\n",
                      cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(ch, "type")), obj);
        free(obj);
    }
    return 0;
}

/* RFC 7386: objects merge, null removes, anything else replaces. */
static void merge_patch(cJSON *target, const cJSON *patch)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, patch)
    {
        cJSON *have = cJSON_GetObjectItemCaseSensitive(target, it->string);
        if (cJSON_IsNull(it)) {
            cJSON_DeleteItemFromObjectCaseSensitive(target, it->string);
        } else if (cJSON_IsObject(it) && cJSON_IsObject(have)) {
            merge_patch(have, it);
        } else {
            cJSON_DeleteItemFromObjectCaseSensitive(target, it->string);
            cJSON_AddItemToObject(target, it->string, cJSON_Duplicate(it, 1));
        }
    }
}

/* A merge patch of the status subresource: body's status merged into the
 * object's. */
static void merge_status(cJSON *obj, const cJSON *body)
{
    cJSON *st = cJSON_GetObjectItemCaseSensitive(obj, "status");
    if (!st)
        st = cJSON_AddObjectToObject(obj, "status");
    merge_patch(st, cJSON_GetObjectItemCaseSensitive(body, "status"));
}

static int pod_call(fake_api *a, const char *method, const char *ns, const char *name, const char *sub,
                    const cJSON *body, int *status, dynbuf *out)
{
    char key[600];
    snprintf(key, sizeof key, "%s/%s", ns, name);
    cJSON *pod = k8s_store_get(a->pods, key);
    if (!pod) {
        *status = 404;
        status_body(out, 404, "NotFound", "pod not found");
        return 0;
    }
    const char *uid = k8s_meta_str(pod, "uid");
    if (strcmp(method, "PATCH") == 0 && strcmp(sub, "status") == 0) {
        a->patches++;
        const char *want = k8s_meta_str(body, "uid");
        if (want && (!uid || strcmp(want, uid) != 0)) {
            cJSON_Delete(pod);
            *status = 409;
            status_body(out, 409, "Conflict", "uid precondition failed");
            return 0;
        }
        merge_status(pod, body);
        /* The status subresource takes metadata.annotations too (a merge). */
        const cJSON *ann = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(body, "metadata"),
                                                            "annotations");
        if (cJSON_IsObject(ann)) {
            cJSON *md = cJSON_GetObjectItemCaseSensitive(pod, "metadata");
            cJSON *have = cJSON_GetObjectItemCaseSensitive(md, "annotations");
            if (!cJSON_IsObject(have)) {
                cJSON_DeleteItemFromObjectCaseSensitive(md, "annotations");
                have = cJSON_AddObjectToObject(md, "annotations");
            }
            merge_patch(have, ann);
        }
        const char *ph = cJSON_GetStringValue(
            cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(body, "status"), "phase"));
        if (ph) {
            const char *was = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(a->history, key));
            char *h = was ? xasprintf("%s,%s", was, ph) : xstrdup(ph);
            cJSON_DeleteItemFromObjectCaseSensitive(a->history, key);
            cJSON_AddStringToObject(a->history, key, h);
            free(h);
        }
        char *text = cJSON_PrintUnformatted(pod);
        dynbuf_adds(out, text);
        free(text);
        *status = 200;
        apply(a, K8S_WATCH_MODIFIED, pod);
        return 0;
    }
    if (strcmp(method, "DELETE") == 0 && !sub[0]) {
        a->deletes++;
        const char *want = cJSON_GetStringValue(
            cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(body, "preconditions"), "uid"));
        if (want && (!uid || strcmp(want, uid) != 0)) {
            cJSON_Delete(pod);
            *status = 409;
            status_body(out, 409, "Conflict", "uid precondition failed");
            return 0;
        }
        dynbuf_adds(out, "{\"kind\":\"Status\",\"status\":\"Success\"}");
        *status = 200;
        apply(a, K8S_WATCH_DELETED, pod);
        return 0;
    }
    cJSON_Delete(pod);
    *status = 405;
    status_body(out, 405, "MethodNotAllowed", "not faked");
    return 0;
}

static int event_call(fake_api *a, const char *method, const char *name, const cJSON *body, int *status,
                      dynbuf *out)
{
    cJSON *ev;
    if (strcmp(method, "POST") == 0) {
        a->posts++;
        const char *n = k8s_meta_str(body, "name");
        cJSON_ArrayForEach(ev, a->events)
        {
            if (n && strcmp(k8s_meta_str(ev, "name"), n) == 0) {
                *status = 409;
                status_body(out, 409, "AlreadyExists", "event exists");
                return 0;
            }
        }
        cJSON_AddItemToArray(a->events, cJSON_Duplicate(body, 1));
        dynbuf_adds(out, "{}");
        *status = 201;
        return 0;
    }
    if (strcmp(method, "PATCH") == 0) {
        a->patches++;
        cJSON_ArrayForEach(ev, a->events)
        {
            if (strcmp(k8s_meta_str(ev, "name"), name) != 0)
                continue;
            const cJSON *it;
            cJSON_ArrayForEach(it, body)
            {
                cJSON_DeleteItemFromObjectCaseSensitive(ev, it->string);
                cJSON_AddItemToObject(ev, it->string, cJSON_Duplicate(it, 1));
            }
            dynbuf_adds(out, "{}");
            *status = 200;
            return 0;
        }
        *status = 404;
        status_body(out, 404, "NotFound", "event not found");
        return 0;
    }
    *status = 405;
    status_body(out, 405, "MethodNotAllowed", "not faked");
    return 0;
}

static void reply(dynbuf *out, int *status, int code, const cJSON *obj)
{
    char *text = cJSON_PrintUnformatted(obj);
    dynbuf_adds(out, text);
    free(text);
    *status = code;
}

/* An ImageCache whose deletion was asked for goes once no finalizer holds it. */
static void imc_store(fake_api *a, cJSON *obj)
{
    const cJSON *md = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
    if (cJSON_GetObjectItemCaseSensitive(md, "deletionTimestamp") &&
        !cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(md, "finalizers")))
        apply_to(a, PODMAP_IMC_RESOURCE, K8S_WATCH_DELETED, obj);
    else
        apply_to(a, PODMAP_IMC_RESOURCE, K8S_WATCH_MODIFIED, obj);
}

/* GET, PUT (resourceVersion checked: 409 when stale), PATCH of status (a
 * merge patch), DELETE (deletionTimestamp while finalizers hold it). */
static int imc_call(fake_api *a, const char *method, const char *name, const char *sub, const cJSON *body,
                    int *status, dynbuf *out)
{
    cJSON *o = k8s_store_get(a->imcs, name);
    if (!o) {
        *status = 404;
        status_body(out, 404, "NotFound", "imagecache not found");
        return 0;
    }
    if (!strcmp(method, "GET") && !sub[0]) {
        reply(out, status, 200, o);
    } else if (!strcmp(method, "PUT") && !sub[0]) {
        const char *want = k8s_meta_str(body, "resourceVersion"), *have = k8s_meta_str(o, "resourceVersion");
        if (!want || !have || strcmp(want, have)) {
            *status = 409;
            status_body(out, 409, "Conflict", "the object has been modified");
        } else {
            a->imc_puts++;
            cJSON *n = cJSON_Duplicate(body, 1);
            /* the status subresource: a PUT of the object keeps the status */
            cJSON_DeleteItemFromObjectCaseSensitive(n, "status");
            cJSON *st = cJSON_GetObjectItemCaseSensitive(o, "status");
            if (st)
                cJSON_AddItemToObject(n, "status", cJSON_Duplicate(st, 1));
            reply(out, status, 200, n);
            imc_store(a, n);
        }
    } else if (!strcmp(method, "PATCH") && !strcmp(sub, "status")) {
        a->patches++;
        merge_status(o, body);
        reply(out, status, 200, o);
        cJSON *n = cJSON_Duplicate(o, 1);
        imc_store(a, n);
    } else if (!strcmp(method, "DELETE") && !sub[0]) {
        cJSON *md = cJSON_GetObjectItemCaseSensitive(o, "metadata");
        if (!cJSON_GetObjectItemCaseSensitive(md, "deletionTimestamp"))
            cJSON_AddStringToObject(md, "deletionTimestamp", "2026-01-01T00:00:00Z");
        reply(out, status, 200, o);
        imc_store(a, cJSON_Duplicate(o, 1));
    } else {
        *status = 405;
        status_body(out, 405, "MethodNotAllowed", "not faked");
    }
    cJSON_Delete(o);
    return 0;
}

static void set_meta(cJSON *obj, const char *field, const char *v)
{
    cJSON *md = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
    if (!md)
        md = cJSON_AddObjectToObject(obj, "metadata");
    cJSON_DeleteItemFromObjectCaseSensitive(md, field);
    cJSON_AddStringToObject(md, field, v);
}

/* Any other kind, kept by path: GET, POST to the collection (AlreadyExists
 * on a known name), PUT (Conflict on a stale resourceVersion), PATCH of the
 * object or its status (merge patch; a strategic one is applied the same
 * way, lists replaced). Called with a->mu held. */
static int object_call(fake_api *a, const char *method, const char *path, const cJSON *body, int *status,
                       dynbuf *out)
{
    char key[1024];
    snprintf(key, sizeof key, "%s", path);
    char *q = strchr(key, '?');
    if (q)
        *q = 0;
    if (strcmp(method, "PATCH") == 0) {
        a->patches++;
        size_t n = strlen(key);
        if (n > 7 && strcmp(key + n - 7, "/status") == 0 && !cJSON_GetObjectItemCaseSensitive(a->objs, key))
            key[n - 7] = 0;
    } else if (strcmp(method, "POST") == 0) {
        a->posts++;
        const char *name = k8s_meta_str(body, "name");
        if (!name) {
            *status = 422;
            status_body(out, 422, "Invalid", "no name");
            return 0;
        }
        size_t n = strlen(key);
        snprintf(key + n, sizeof key - n, "/%s", name);
    } else if (strcmp(method, "PUT") == 0) {
        a->puts++;
    }
    cJSON *obj = cJSON_GetObjectItemCaseSensitive(a->objs, key);
    char rv[32], uid[48];
    snprintf(rv, sizeof rv, "%lu", ++a->orv);
    if (strcmp(method, "POST") == 0) {
        if (obj) {
            *status = 409;
            status_body(out, 409, "AlreadyExists", "object exists");
            return 0;
        }
        obj = cJSON_Duplicate(body, 1);
        snprintf(uid, sizeof uid, "uid-%lu", a->orv);
        set_meta(obj, "uid", uid);
        cJSON_AddItemToObject(a->objs, key, obj);
        *status = 201;
    } else if (!obj) {
        *status = 404;
        status_body(out, 404, "NotFound", "object not found");
        return 0;
    } else if (strcmp(method, "GET") == 0) {
        *status = 200;
    } else if (strcmp(method, "PUT") == 0) {
        const char *want = k8s_meta_str(body, "resourceVersion"), *have = k8s_meta_str(obj, "resourceVersion");
        if (want && have && strcmp(want, have) != 0) {
            *status = 409;
            status_body(out, 409, "Conflict", "the object has been modified");
            return 0;
        }
        cJSON *next = cJSON_Duplicate(body, 1);
        set_meta(next, "uid", k8s_meta_str(obj, "uid"));
        cJSON_ReplaceItemInObjectCaseSensitive(a->objs, key, next);
        obj = next;
        *status = 200;
    } else if (strcmp(method, "PATCH") == 0) {
        merge_patch(obj, body);
        *status = 200;
    } else {
        *status = 405;
        status_body(out, 405, "MethodNotAllowed", "not faked");
        return 0;
    }
    if (strcmp(method, "GET") != 0)
        set_meta(obj, "resourceVersion", rv);
    reply(out, status, *status, obj);
    return 0;
}

static int transport(void *ud, const char *method, const char *path, const char *body, size_t body_len,
                     int *status, dynbuf *out)
{
    fake_api *a = ud;
    char ns[254], res[64], name[254], sub[64], key[600] = "";
    int parsed = split_path(path, ns, res, name, sub) == 0;
    if (parsed && strcmp(method, "PATCH") == 0 && strcmp(res, "pods") == 0 && strcmp(sub, "status") == 0)
        snprintf(key, sizeof key, "%s/%s", ns, name);
    pthread_mutex_lock(&a->mu);
    if (key[0]) {
        /* A second PATCH of a pod's status while one is in progress. */
        int64_t n = 0;
        strmap_get(a->in_status, key, &n);
        if (n > 0)
            a->overlaps++;
        strmap_set(a->in_status, key, n + 1);
        unsigned us = a->status_delay_us;
        pthread_mutex_unlock(&a->mu);
        if (us)
            usleep(us);
        pthread_mutex_lock(&a->mu);
        strmap_get(a->in_status, key, &n);
        if (n <= 1)
            strmap_del(a->in_status, key);
        else
            strmap_set(a->in_status, key, n - 1);
    }
    a->calls++;
    char what[1100];
    snprintf(what, sizeof what, "%s %s", method, path);
    if (a->factive && (!a->fmatch || strstr(what, a->fmatch))) {
        a->fseen++;
        if (a->fseen == a->fnth || (a->fpersistent && a->fseen > a->fnth)) {
            a->faults++;
            if (strcmp(method, "GET") == 0 && strstr(path, "/pods?")) {
                if (strstr(path, "watch=true"))
                    a->watch_faults++;
                else
                    a->list_faults++;
            }
            pthread_mutex_unlock(&a->mu);
            *status = 503;
            status_body(out, 503, "ServiceUnavailable", "injected fault");
            return 0;
        }
    }
    cJSON *b = body && body_len ? cJSON_ParseWithLength(body, body_len) : NULL;
    int rc = 0;
    const char *qs = strchr(path, '?');
    kv_list q = KV_LIST_INIT;
    if (qs)
        query_parse(qs + 1, strlen(qs + 1), 0, &q, NULL, 0);
    char imc_name[254] = "", imc_sub[64] = "";
    size_t il = strlen(IMC_PATH);
    int imc = strncmp(path, IMC_PATH, il) == 0 && (!path[il] || path[il] == '/' || path[il] == '?');
    if (imc && path[il] == '/' && sscanf(path + il, "/%253[^/?]/%63[^?]", imc_name, imc_sub) < 1)
        imc_name[0] = 0;
    if (strcmp(method, "GET") == 0 && (strncmp(path, "/api/v1/pods", 12) == 0 && (!path[12] || path[12] == '?'))) {
        rc = collection(a, "pods", &q, status, out);
    } else if (imc && !imc_name[0] && strcmp(method, "GET") == 0) {
        rc = collection(a, PODMAP_IMC_RESOURCE, &q, status, out);
    } else if (imc) {
        rc = imc_call(a, method, imc_name, imc_sub, b, status, out);
    } else if (!parsed) {
        rc = object_call(a, method, path, b, status, out);
    } else if (strcmp(res, "pods") == 0 && !name[0] && strcmp(method, "GET") == 0) {
        rc = collection(a, "pods", &q, status, out);
    } else if (strcmp(res, "pods") == 0 && name[0]) {
        rc = pod_call(a, method, ns, name, sub, b, status, out);
    } else if (strcmp(res, "secrets") == 0 && name[0] && strcmp(method, "GET") == 0) {
        char skey[600];
        snprintf(skey, sizeof skey, "%s/%s", ns, name);
        const cJSON *sec = cJSON_GetObjectItemCaseSensitive(a->secrets, skey);
        if (!sec) {
            *status = 404;
            status_body(out, 404, "NotFound", "secret not found");
        } else if (cJSON_IsString(sec)) { /* a Secret the caller may not read */
            *status = 403;
            status_body(out, 403, "Forbidden", "secrets is forbidden");
        } else {
            reply(out, status, 200, sec);
        }
    } else if (strcmp(res, "events") == 0) {
        rc = event_call(a, method, name, b, status, out);
    } else {
        rc = object_call(a, method, path, b, status, out);
    }
    kv_free(&q);
    cJSON_Delete(b);
    pthread_mutex_unlock(&a->mu);
    return rc;
}

fake_api *fa_new(void)
{
    fake_api *a = xcalloc(1, sizeof *a);
    pthread_mutex_init(&a->mu, NULL);
    pthread_cond_init(&a->changed, NULL);
    a->pods = k8s_store_new();
    a->imcs = k8s_store_new();
    a->secrets = cJSON_CreateObject();
    a->events = cJSON_CreateArray();
    a->changes = cJSON_CreateArray();
    a->in_status = strmap_new();
    a->history = cJSON_CreateObject();
    a->objs = cJSON_CreateObject();
    k8s_client_opts o = {0};
    o.qps = -1;
    o.max_retries = -1; /* a fault reaches the caller as it is */
    k8s_error err;
    if (k8s_client_new(k8s_config_new("http://fake-apiserver.invalid"), &o, &a->kc, &err) != 0)
        abort();
    k8s_client_set_transport(a->kc, transport, a);
    return a;
}

void fa_free(fake_api *a)
{
    if (!a)
        return;
    k8s_client_free(a->kc);
    k8s_store_free(a->pods);
    k8s_store_free(a->imcs);
    cJSON_Delete(a->secrets);
    cJSON_Delete(a->events);
    cJSON_Delete(a->changes);
    cJSON_Delete(a->objs);
    free(a->fmatch);
    pthread_cond_destroy(&a->changed);
    cJSON_Delete(a->history);
    strmap_free(a->in_status);
    pthread_mutex_destroy(&a->mu);
    free(a);
}

k8s_client *fa_client(fake_api *a) { return a->kc; }
k8s_store *fa_pods(fake_api *a) { return a->pods; }
void fa_set_handlers(fake_api *a, const k8s_store_handlers *h) { a->h = h; }

cJSON *fa_pod(const char *ns, const char *name, const char *uid, const char *image)
{
    cJSON *p = cJSON_CreateObject();
    cJSON_AddStringToObject(p, "apiVersion", "v1");
    cJSON_AddStringToObject(p, "kind", "Pod");
    cJSON *md = cJSON_AddObjectToObject(p, "metadata");
    cJSON_AddStringToObject(md, "namespace", ns);
    cJSON_AddStringToObject(md, "name", name);
    cJSON_AddStringToObject(md, "uid", uid);
    cJSON_AddStringToObject(md, "resourceVersion", "1");
    cJSON *spec = cJSON_AddObjectToObject(p, "spec");
    cJSON_AddStringToObject(spec, "nodeName", "vk-test");
    cJSON_AddStringToObject(spec, "restartPolicy", "Always");
    cJSON_AddBoolToObject(spec, "automountServiceAccountToken", 0);
    cJSON *cs = cJSON_AddArrayToObject(spec, "containers");
    cJSON *c = cJSON_CreateObject();
    cJSON_AddStringToObject(c, "name", "app");
    cJSON_AddStringToObject(c, "image", image);
    cJSON_AddItemToArray(cs, c);
    cJSON *st = cJSON_AddObjectToObject(p, "status");
    cJSON_AddStringToObject(st, "phase", "Pending");
    return p;
}

void fa_put_pod(fake_api *a, cJSON *pod)
{
    pthread_mutex_lock(&a->mu);
    apply(a, K8S_WATCH_MODIFIED, pod);
    pthread_mutex_unlock(&a->mu);
}

void fa_remove_pod(fake_api *a, const char *ns, const char *name)
{
    pthread_mutex_lock(&a->mu);
    char key[600];
    snprintf(key, sizeof key, "%s/%s", ns, name);
    cJSON *pod = k8s_store_get(a->pods, key);
    if (pod)
        apply(a, K8S_WATCH_DELETED, pod);
    pthread_mutex_unlock(&a->mu);
}

cJSON *fa_get_pod(fake_api *a, const char *ns, const char *name)
{
    char key[600];
    snprintf(key, sizeof key, "%s/%s", ns, name);
    return k8s_store_get(a->pods, key);
}

void fa_phase(fake_api *a, const char *ns, const char *name, char *phase, char *reason)
{
    cJSON *p = fa_get_pod(a, ns, name);
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(p, "status");
    const char *ph = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(st, "phase"));
    const char *r = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(st, "reason"));
    snprintf(phase, 64, "%s", ph ? ph : "");
    snprintf(reason, 64, "%s", r ? r : "");
    cJSON_Delete(p);
}

unsigned fa_calls(fake_api *a, const char *method)
{
    pthread_mutex_lock(&a->mu);
    unsigned n = !method                        ? a->calls
                 : strcmp(method, "PATCH") == 0  ? a->patches
                 : strcmp(method, "DELETE") == 0 ? a->deletes
                 : strcmp(method, "POST") == 0   ? a->posts
                 : strcmp(method, "PUT") == 0    ? a->puts
                 : strcmp(method, "LIST") == 0   ? a->lists
                 : strcmp(method, "WATCH") == 0  ? a->watches
                                                 : 0;
    pthread_mutex_unlock(&a->mu);
    return n;
}

void fa_fail(fake_api *a, unsigned nth, int persistent) { fa_fail_matching(a, NULL, nth, persistent); }

void fa_fail_matching(fake_api *a, const char *match, unsigned nth, int persistent)
{
    pthread_mutex_lock(&a->mu);
    free(a->fmatch);
    a->fmatch = match ? xstrdup(match) : NULL;
    a->fnth = nth;
    a->fseen = 0;
    a->fpersistent = persistent;
    a->factive = 1;
    pthread_mutex_unlock(&a->mu);
}

void fa_heal(fake_api *a)
{
    pthread_mutex_lock(&a->mu);
    a->factive = 0;
    pthread_mutex_unlock(&a->mu);
}

size_t fa_events(fake_api *a, const char *pod_name, const char *reason, long *last_count)
{
    pthread_mutex_lock(&a->mu);
    size_t n = 0;
    const cJSON *ev;
    cJSON_ArrayForEach(ev, a->events)
    {
        const cJSON *io = cJSON_GetObjectItemCaseSensitive(ev, "involvedObject");
        const char *nm = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(io, "name"));
        const char *r = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(ev, "reason"));
        if (!nm || strcmp(nm, pod_name) != 0 || (reason && (!r || strcmp(r, reason) != 0)))
            continue;
        n++;
        if (last_count)
            *last_count = (long)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(ev, "count"));
    }
    pthread_mutex_unlock(&a->mu);
    return n;
}

unsigned long fa_resource_version(fake_api *a)
{
    pthread_mutex_lock(&a->mu);
    unsigned long rv = a->rv;
    pthread_mutex_unlock(&a->mu);
    return rv;
}

void fa_compact(fake_api *a)
{
    pthread_mutex_lock(&a->mu);
    a->compacted = a->rv;
    cJSON_Delete(a->changes);
    a->changes = cJSON_CreateArray();
    pthread_mutex_unlock(&a->mu);
}

void fa_set_status_delay_us(fake_api *a, unsigned us)
{
    pthread_mutex_lock(&a->mu);
    a->status_delay_us = us;
    pthread_mutex_unlock(&a->mu);
}

unsigned fa_status_overlaps(fake_api *a)
{
    pthread_mutex_lock(&a->mu);
    unsigned n = a->overlaps;
    pthread_mutex_unlock(&a->mu);
    return n;
}

void fa_close_watches(fake_api *a, int closed)
{
    pthread_mutex_lock(&a->mu);
    a->watches_closed = closed;
    pthread_cond_broadcast(&a->changed);
    pthread_mutex_unlock(&a->mu);
}

unsigned fa_faults(fake_api *a, const char *method)
{
    pthread_mutex_lock(&a->mu);
    unsigned n = !method                       ? a->faults
                 : strcmp(method, "LIST") == 0  ? a->list_faults
                 : strcmp(method, "WATCH") == 0 ? a->watch_faults
                                                : 0;
    pthread_mutex_unlock(&a->mu);
    return n;
}

char *fa_status_history(fake_api *a, const char *ns, const char *name)
{
    char key[600];
    snprintf(key, sizeof key, "%s/%s", ns, name);
    pthread_mutex_lock(&a->mu);
    const char *h = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(a->history, key));
    char *r = xstrdup(h ? h : "");
    pthread_mutex_unlock(&a->mu);
    return r;
}

void fa_put_imc(fake_api *a, cJSON *obj)
{
    pthread_mutex_lock(&a->mu);
    imc_store(a, obj);
    pthread_mutex_unlock(&a->mu);
}

cJSON *fa_get_imc(fake_api *a, const char *name)
{
    return k8s_store_get(a->imcs, name);
}

void fa_delete_imc(fake_api *a, const char *name)
{
    int st;
    dynbuf out;
    dynbuf_init(&out, 0);
    pthread_mutex_lock(&a->mu);
    imc_call(a, "DELETE", name, "", NULL, &st, &out);
    pthread_mutex_unlock(&a->mu);
    dynbuf_free(&out);
}

void fa_put_secret(fake_api *a, const char *ns, const char *name, cJSON *secret)
{
    char key[600];
    snprintf(key, sizeof key, "%s/%s", ns, name);
    pthread_mutex_lock(&a->mu);
    cJSON_DeleteItemFromObjectCaseSensitive(a->secrets, key);
    cJSON_AddItemToObject(a->secrets, key, secret);
    pthread_mutex_unlock(&a->mu);
}

unsigned fa_imc_puts(fake_api *a)
{
    pthread_mutex_lock(&a->mu);
    unsigned n = a->imc_puts;
    pthread_mutex_unlock(&a->mu);
    return n;
}

cJSON *fa_object(fake_api *a, const char *path)
{
    pthread_mutex_lock(&a->mu);
    cJSON *o = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(a->objs, path), 1);
    pthread_mutex_unlock(&a->mu);
    return o;
}

void fa_put_object(fake_api *a, const char *path, cJSON *obj)
{
    pthread_mutex_lock(&a->mu);
    char rv[32];
    snprintf(rv, sizeof rv, "%lu", ++a->orv);
    set_meta(obj, "resourceVersion", rv);
    if (!k8s_meta_str(obj, "uid"))
        set_meta(obj, "uid", "uid-preset");
    cJSON_DeleteItemFromObjectCaseSensitive(a->objs, path);
    cJSON_AddItemToObject(a->objs, path, obj);
    pthread_mutex_unlock(&a->mu);
}
