#include "k8s/informer.h"
#include "util/clock.h"
#include "util/hash.h"
#include "util/htab.h"
#include "util/xmalloc.h"
#include "util/deadline.h"

#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- store: a chained hash map key -> object ----
 *
 * Objects are kept as compact JSON text, deflated (k8s_text_pack, see
 * informer.h), not as cJSON trees: a tree costs several times the text (a
 * node, a key and a value allocation per field), and every read hands out a
 * copy anyway, so an inflate and a parse replace a deep copy. */

typedef struct entry {
    char *key;
    ztext *json; /* the object, unformatted, deflated (k8s_text_pack) */
    char *summary; /* the store's summarize(object), or NULL */
    char *rv;   /* its metadata.resourceVersion, or NULL */
    struct entry *next;
    int mark; /* replace(): seen in the new list */
} entry;

static void entry_free(entry *e)
{
    free(e->key);
    free(e->json);
    free(e->summary);
    free(e->rv);
    free(e);
}

static char *dup_rv(const cJSON *obj)
{
    const char *rv = k8s_meta_str(obj, "resourceVersion");
    return rv ? xstrdup(rv) : NULL;
}

/* The preset dictionary of the kept texts: the names and values most pods
 * (and their statuses) share. Deflated alone, a 3 KB pod keeps 40 % of its
 * size; with these, about 23 %. */
static const char text_dict[] =
    "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"\",\"generateName\":\"\",\"namespac"
    "e\":\"default\",\"uid\":\"\",\"resourceVersion\":\"\",\"creationTimestamp\":\"\",\"deletionTimestamp"
    "\":\"\",\"deletionGracePeriodSeconds\":30,\"labels\":{\"app\":\"\",\"pod-template-hash\":\"\"},\"ann"
    "otations\":{\"k8s.aliyun.com/eci-instance-id\":\"eci-\",\"k8s.aliyun.com/eci-instance-spec\":\"\",\""
    "k8s.aliyun.com/eci-request-id\":\"\",\"k8s.aliyun.com/eci-vpc\":\"vpc-\",\"k8s.aliyun.com/eni-instan"
    "ce-id\":\"eni-\",\"eci-kubelet/hourly-price\":\"\",\"eci-kubelet/price-currency\":\"CNY\"},\"ownerRe"
    "ferences\":[{\"apiVersion\":\"apps/v1\",\"kind\":\"ReplicaSet\",\"name\":\"\",\"uid\":\"\",\"control"
    "ler\":true,\"blockOwnerDeletion\":true}],\"finalizers\":[]},\"spec\":{\"volumes\":[{\"name\":\"kube-"
    "api-access-\",\"projected\":{\"sources\":[{\"serviceAccountToken\":{\"expirationSeconds\":3607,\"pat"
    "h\":\"token\"}},{\"configMap\":{\"name\":\"kube-root-ca.crt\",\"items\":[{\"key\":\"ca.crt\",\"path\""
    ":\"ca.crt\"}]}},{\"downwardAPI\":{\"items\":[{\"path\":\"namespace\",\"fieldRef\":{\"apiVersion\":\""
    "v1\",\"fieldPath\":\"metadata.namespace\"}}]}}],\"defaultMode\":420}}],\"containers\":[{\"name\":\"\""
    ",\"image\":\"\",\"command\":[],\"args\":[],\"ports\":[{\"containerPort\":80,\"protocol\":\"TCP\"}],\""
    "env\":[{\"name\":\"\",\"value\":\"\"}],\"resources\":{\"limits\":{\"cpu\":\"\",\"memory\":\"\"},\"re"
    "quests\":{\"cpu\":\"\",\"memory\":\"\"}},\"volumeMounts\":[{\"name\":\"kube-api-access-\",\"readOnly"
    "\":true,\"mountPath\":\"/var/run/secrets/kubernetes.io/serviceaccount\"}],\"terminationMessagePath\""
    ":\"/dev/termination-log\",\"terminationMessagePolicy\":\"File\",\"imagePullPolicy\":\"IfNotPresent\""
    "}],\"restartPolicy\":\"Always\",\"terminationGracePeriodSeconds\":30,\"dnsPolicy\":\"ClusterFirst\","
    "\"nodeSelector\":{\"type\":\"virtual-kubelet\",\"kubernetes.io/hostname\":\"\"},\"serviceAccountName"
    "\":\"default\",\"serviceAccount\":\"default\",\"nodeName\":\"\",\"securityContext\":{},\"schedulerNa"
    "me\":\"default-scheduler\",\"tolerations\":[{\"key\":\"virtual-kubelet.io/provider\",\"operator\":\""
    "Exists\",\"effect\":\"NoSchedule\"},{\"key\":\"node.kubernetes.io/not-ready\",\"operator\":\"Exists\""
    ",\"effect\":\"NoExecute\",\"tolerationSeconds\":300},{\"key\":\"node.kubernetes.io/unreachable\",\"o"
    "perator\":\"Exists\",\"effect\":\"NoExecute\",\"tolerationSeconds\":300}],\"priority\":0,\"enableSer"
    "viceLinks\":true,\"preemptionPolicy\":\"PreemptLowerPriority\"},\"status\":{\"phase\":\"Running\",\""
    "conditions\":[{\"type\":\"PodReadyToStartContainers\",\"status\":\"True\",\"lastProbeTime\":null,\"l"
    "astTransitionTime\":\"2026-\"},{\"type\":\"Initialized\",\"status\":\"True\",\"lastProbeTime\":null,"
    "\"lastTransitionTime\":\"2026-\"},{\"type\":\"Ready\",\"status\":\"True\",\"lastProbeTime\":null,\"l"
    "astTransitionTime\":\"2026-\"},{\"type\":\"ContainersReady\",\"status\":\"True\",\"lastProbeTime\":n"
    "ull,\"lastTransitionTime\":\"2026-\"},{\"type\":\"PodScheduled\",\"status\":\"True\",\"lastProbeTime"
    "\":null,\"lastTransitionTime\":\"2026-\"}],\"hostIP\":\"\",\"hostIPs\":[{\"ip\":\"\"}],\"podIP\":\"\""
    ",\"podIPs\":[{\"ip\":\"\"}],\"startTime\":\"2026-\",\"containerStatuses\":[{\"name\":\"\",\"state\":"
    "{\"running\":{\"startedAt\":\"2026-\"}},\"lastState\":{},\"ready\":true,\"restartCount\":0,\"image\""
    ":\"\",\"imageID\":\"\",\"containerID\":\"eci://\",\"started\":true}],\"qosClass\":\"Burstable\"}}";

ztext *k8s_text_pack(const cJSON *obj)
{
    char *t = cJSON_PrintUnformatted(obj);
    if (!t)
        abort(); /* cJSON fails only when out of memory */
    ztext *z = ztext_pack(t, strlen(t), text_dict, sizeof text_dict - 1);
    free(t);
    return z;
}

char *k8s_text_unpack(const ztext *z)
{
    char *t = ztext_unpack(z, text_dict, sizeof text_dict - 1);
    if (!t)
        abort(); /* packed here with the same dictionary: never damaged */
    return t;
}

cJSON *k8s_text_parse(const ztext *z)
{
    char *t = k8s_text_unpack(z);
    cJSON *o = cJSON_Parse(t);
    free(t);
    return o;
}

struct k8s_store {
    pthread_mutex_t mu;
    htab t; /* of entry, by key */
    k8s_summarize_fn summarize;
    void *summarize_arg;
};

void k8s_store_set_summarize(k8s_store *s, k8s_summarize_fn fn, void *arg)
{
    s->summarize = fn;
    s->summarize_arg = arg;
}

static int drop_entry(void *e, void *ud)
{
    (void)ud;
    entry_free(e);
    return 0;
}

k8s_store *k8s_store_new(void)
{
    k8s_store *s = xcalloc(1, sizeof *s);
    pthread_mutex_init(&s->mu, NULL);
    htab_init(&s->t, 64, offsetof(entry, next), offsetof(entry, key));
    return s;
}

void k8s_store_free(k8s_store *s)
{
    if (!s)
        return;
    htab_filter(&s->t, drop_entry, NULL);
    htab_fini(&s->t);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

/* Insert or replace; handlers called after unlocking with obj (borrowed
 * from here) and the previous state parsed back. obj consumed. */
static void put(k8s_store *s, char *key, cJSON *obj, const k8s_store_handlers *h, int mark)
{
    const char *rv = k8s_meta_str(obj, "resourceVersion");
    char *sum = s->summarize ? s->summarize(obj, s->summarize_arg) : NULL;
    pthread_mutex_lock(&s->mu);
    entry *cur = htab_get(&s->t, key);
    ztext *old = NULL;
    int existed = cur != NULL;
    if (existed) {
        cur->mark = mark;
        if (rv && cur->rv && !strcmp(rv, cur->rv)) {
            pthread_mutex_unlock(&s->mu);
            free(key);
            free(sum);
            cJSON_Delete(obj);
            return;
        }
        old = cur->json;
        cur->json = k8s_text_pack(obj);
        free(cur->summary);
        cur->summary = sum;
        free(cur->rv);
        cur->rv = dup_rv(obj);
        free(key);
    } else {
        entry *e = xcalloc(1, sizeof *e);
        e->key = key;
        e->json = k8s_text_pack(obj);
        e->summary = sum;
        e->rv = dup_rv(obj);
        e->mark = mark;
        htab_put(&s->t, e);
    }
    pthread_mutex_unlock(&s->mu);
    if (existed) {
        if (h && h->on_update) {
            cJSON *o = k8s_text_parse(old);
            h->on_update(o, obj, h->arg);
            cJSON_Delete(o);
        }
        free(old);
    } else if (h && h->on_add) {
        h->on_add(obj, h->arg);
    }
    cJSON_Delete(obj);
}

static void del(k8s_store *s, const char *key, const k8s_store_handlers *h, cJSON *final_state)
{
    pthread_mutex_lock(&s->mu);
    entry *e = htab_del(&s->t, key);
    pthread_mutex_unlock(&s->mu);
    if (!e)
        return;
    if (h && h->on_delete) {
        if (final_state) {
            h->on_delete(final_state, h->arg);
        } else {
            cJSON *o = k8s_text_parse(e->json);
            h->on_delete(o, h->arg);
            cJSON_Delete(o);
        }
    }
    entry_free(e);
}

void k8s_store_apply(k8s_store *s, k8s_watch_type type, cJSON *obj, const k8s_store_handlers *h)
{
    char *key = (type == K8S_WATCH_BOOKMARK || type == K8S_WATCH_ERROR) ? NULL : k8s_object_key(obj);
    if (!key) {
        cJSON_Delete(obj);
        return;
    }
    if (type == K8S_WATCH_DELETED) {
        del(s, key, h, obj);
        free(key);
        cJSON_Delete(obj);
        return;
    }
    put(s, key, obj, h, 0);
}

void k8s_store_replace_begin(k8s_store *s)
{
    pthread_mutex_lock(&s->mu);
    for (size_t i = 0; i < s->t.nb; i++)
        for (entry *e = s->t.b[i]; e; e = e->next)
            e->mark = 0;
    pthread_mutex_unlock(&s->mu);
}

void k8s_store_replace_page(k8s_store *s, cJSON *page, const k8s_store_handlers *h)
{
    cJSON *items = cJSON_GetObjectItemCaseSensitive(page, "items");
    cJSON *it;
    while (cJSON_IsArray(items) && (it = items->child) != NULL) {
        cJSON_DetachItemViaPointer(items, it);
        char *key = k8s_object_key(it);
        if (!key) {
            cJSON_Delete(it);
            continue;
        }
        put(s, key, it, h, 1);
    }
    cJSON_Delete(page);
}

void k8s_store_replace_end(k8s_store *s, const k8s_store_handlers *h)
{
    pthread_mutex_lock(&s->mu);
    size_t nv = 0;
    char **victims = xcalloc(s->t.n + 1, sizeof *victims);
    for (size_t i = 0; i < s->t.nb; i++)
        for (entry *e = s->t.b[i]; e; e = e->next)
            if (!e->mark)
                victims[nv++] = xstrdup(e->key);
    pthread_mutex_unlock(&s->mu);
    for (size_t i = 0; i < nv; i++) {
        del(s, victims[i], h, NULL);
        free(victims[i]);
    }
    free(victims);
}

void k8s_store_replace(k8s_store *s, cJSON *list, const k8s_store_handlers *h)
{
    k8s_store_replace_begin(s);
    k8s_store_replace_page(s, list, h);
    k8s_store_replace_end(s, h);
}

cJSON *k8s_store_get(k8s_store *s, const char *key)
{
    pthread_mutex_lock(&s->mu);
    entry *e = htab_get(&s->t, key);
    cJSON *c = e ? k8s_text_parse(e->json) : NULL;
    pthread_mutex_unlock(&s->mu);
    return c;
}

cJSON *k8s_store_list(k8s_store *s)
{
    cJSON *a = cJSON_CreateArray();
    pthread_mutex_lock(&s->mu);
    for (size_t i = 0; i < s->t.nb; i++)
        for (entry *e = s->t.b[i]; e; e = e->next)
            cJSON_AddItemToArray(a, k8s_text_parse(e->json));
    pthread_mutex_unlock(&s->mu);
    return a;
}

void k8s_store_each(k8s_store *s, const char *ns, k8s_store_visit_fn fn, void *arg)
{
    size_t plen = ns ? strlen(ns) : 0;
    pthread_mutex_lock(&s->mu);
    char **keys = xcalloc(s->t.n + 1, sizeof *keys);
    size_t nk = 0;
    for (size_t i = 0; i < s->t.nb; i++)
        for (entry *e = s->t.b[i]; e; e = e->next)
            if (!ns || (!strncmp(e->key, ns, plen) && e->key[plen] == '/'))
                keys[nk++] = xstrdup(e->key);
    pthread_mutex_unlock(&s->mu);
    int stop = 0;
    for (size_t i = 0; i < nk; i++) {
        if (!stop) {
            cJSON *o = k8s_store_get(s, keys[i]);
            if (o)
                stop = fn(o, arg) != 0;
            cJSON_Delete(o);
        }
        free(keys[i]);
    }
    free(keys);
}

void k8s_store_each_summary(k8s_store *s, k8s_store_summary_fn fn, void *arg)
{
    pthread_mutex_lock(&s->mu);
    size_t nk = 0;
    char **kv = xcalloc(2 * s->t.n + 1, sizeof *kv);
    for (size_t i = 0; i < s->t.nb; i++)
        for (entry *e = s->t.b[i]; e; e = e->next) {
            kv[2 * nk] = xstrdup(e->key);
            kv[2 * nk + 1] = e->summary ? xstrdup(e->summary) : NULL;
            nk++;
        }
    pthread_mutex_unlock(&s->mu);
    int stop = 0;
    for (size_t i = 0; i < nk; i++) {
        if (!stop)
            stop = fn(kv[2 * i], kv[2 * i + 1], arg) != 0;
        free(kv[2 * i]);
        free(kv[2 * i + 1]);
    }
    free(kv);
}

int k8s_store_list_text(k8s_store *s, dynbuf *out)
{
    int rc = dynbuf_addc(out, '[');
    int first = 1;
    pthread_mutex_lock(&s->mu);
    for (size_t i = 0; i < s->t.nb && rc == 0; i++)
        for (entry *e = s->t.b[i]; e && rc == 0; e = e->next) {
            if (!first)
                rc = dynbuf_addc(out, ',');
            first = 0;
            if (rc == 0) {
                char *t = k8s_text_unpack(e->json);
                rc = dynbuf_adds(out, t);
                free(t);
            }
        }
    pthread_mutex_unlock(&s->mu);
    if (rc == 0)
        rc = dynbuf_addc(out, ']');
    return rc;
}

size_t k8s_store_len(k8s_store *s)
{
    pthread_mutex_lock(&s->mu);
    size_t n = s->t.n;
    pthread_mutex_unlock(&s->mu);
    return n;
}

/* ---- informer ---- */

struct k8s_informer {
    k8s_store *store;
    k8s_informer_opts o;
    char *s_ns, *s_label, *s_field;
    k8s_watch *w;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int synced;
};

void k8s_transform_strip_meta(cJSON *obj, void *arg)
{
    (void)arg;
    cJSON *meta = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
    if (!cJSON_IsObject(meta))
        return;
    cJSON_DeleteItemFromObjectCaseSensitive(meta, "managedFields");
    cJSON *ann = cJSON_GetObjectItemCaseSensitive(meta, "annotations");
    if (cJSON_IsObject(ann)) {
        cJSON_DeleteItemFromObjectCaseSensitive(ann, "kubectl.kubernetes.io/last-applied-configuration");
        if (!ann->child)
            cJSON_DeleteItemFromObjectCaseSensitive(meta, "annotations");
    }
}

static int inf_on_list_page(cJSON *page, int first, int last, void *arg)
{
    k8s_informer *inf = arg;
    if (inf->o.transform) {
        cJSON *items = cJSON_GetObjectItemCaseSensitive(page, "items");
        cJSON *it;
        cJSON_ArrayForEach(it, items)
            inf->o.transform(it, inf->o.handlers.arg);
    }
    if (first)
        k8s_store_replace_begin(inf->store);
    k8s_store_replace_page(inf->store, page, &inf->o.handlers);
    if (!last)
        return 0;
    k8s_store_replace_end(inf->store, &inf->o.handlers);
    pthread_mutex_lock(&inf->mu);
    inf->synced = 1;
    pthread_cond_broadcast(&inf->cv);
    pthread_mutex_unlock(&inf->mu);
    return 0;
}

static int inf_on_event(k8s_watch_type type, cJSON *obj, void *arg)
{
    k8s_informer *inf = arg;
    if (inf->o.transform && obj)
        inf->o.transform(obj, inf->o.handlers.arg);
    k8s_store_apply(inf->store, type, obj, &inf->o.handlers);
    return 0;
}

static void inf_on_error(const k8s_error *e, void *arg)
{
    k8s_informer *inf = arg;
    if (inf->o.on_error)
        inf->o.on_error(e, inf->o.handlers.arg);
}

int k8s_informer_start(k8s_client *c, const k8s_informer_opts *opts, k8s_informer **out, k8s_error *err)
{
    *out = NULL;
    if (!opts || !opts->resource)
        return k8s_error_set(err, K8S_E_INVALID_ARG, "informer: resource is required");
    k8s_informer *inf = xcalloc(1, sizeof *inf);
    inf->o = *opts;
    inf->o.ns = inf->s_ns = xstrdup(opts->ns);
    inf->o.label_selector = inf->s_label = xstrdup(opts->label_selector);
    inf->o.field_selector = inf->s_field = xstrdup(opts->field_selector);
    inf->store = k8s_store_new();
    if (opts->summarize)
        k8s_store_set_summarize(inf->store, opts->summarize, opts->handlers.arg);
    pthread_mutex_init(&inf->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&inf->cv, &ca);
    pthread_condattr_destroy(&ca);
    k8s_watch_opts wo = { .resource = opts->resource, .ns = inf->o.ns, .label_selector = inf->o.label_selector,
                          .field_selector = inf->o.field_selector, .timeout_seconds = opts->timeout_seconds,
                          .list_page_size = opts->list_page_size, .on_event = inf_on_event,
                          .on_list_page = inf_on_list_page, .on_error = inf_on_error, .arg = inf };
    if (k8s_watch_start(c, &wo, &inf->w, err) < 0) {
        inf->w = NULL;
        k8s_informer_stop(inf);
        return -1;
    }
    *out = inf;
    return 0;
}

void k8s_informer_stop(k8s_informer *inf)
{
    if (!inf)
        return;
    k8s_watch_stop(inf->w);
    k8s_store_free(inf->store);
    pthread_cond_destroy(&inf->cv);
    pthread_mutex_destroy(&inf->mu);
    free(inf->s_ns);
    free(inf->s_label);
    free(inf->s_field);
    free(inf);
}

int k8s_informer_has_synced(k8s_informer *inf)
{
    pthread_mutex_lock(&inf->mu);
    int s = inf->synced;
    pthread_mutex_unlock(&inf->mu);
    return s;
}

int k8s_informer_wait_synced(k8s_informer *inf, long timeout_ms)
{
    struct timespec dl;
    deadline_after_ms(&dl, CLOCK_MONOTONIC, timeout_ms);
    pthread_mutex_lock(&inf->mu);
    while (!inf->synced)
        if (pthread_cond_timedwait(&inf->cv, &inf->mu, &dl) == ETIMEDOUT)
            break;
    int s = inf->synced;
    pthread_mutex_unlock(&inf->mu);
    return s;
}

cJSON *k8s_informer_get(k8s_informer *inf, const char *ns, const char *name)
{
    char *key = ns && *ns ? xasprintf("%s/%s", ns, name) : xstrdup(name);
    cJSON *o = k8s_store_get(inf->store, key);
    free(key);
    return o;
}

cJSON *k8s_informer_list(k8s_informer *inf) { return k8s_store_list(inf->store); }
size_t k8s_informer_len(k8s_informer *inf) { return k8s_store_len(inf->store); }
void k8s_informer_each(k8s_informer *inf, const char *ns, k8s_store_visit_fn fn, void *arg)
{
    k8s_store_each(inf->store, ns, fn, arg);
}
int k8s_informer_list_text(k8s_informer *inf, dynbuf *out) { return k8s_store_list_text(inf->store, out); }

void k8s_informer_stats(k8s_informer *inf, k8s_watch_stats *out) { k8s_watch_get_stats(inf->w, out); }

/* ---- TTL GET cache ---- */

typedef struct gc_entry {
    char *key; /* group/resource/ns/name */
    cJSON *obj;
    struct timespec at;
} gc_entry;

struct k8s_get_cache {
    k8s_client *c;
    long ttl_ms;
    size_t max;
    pthread_mutex_t mu;
    gc_entry *e;
    size_t n;
};

k8s_get_cache *k8s_get_cache_new(k8s_client *c, long ttl_ms, size_t max_entries)
{
    k8s_get_cache *gc = xcalloc(1, sizeof *gc);
    gc->c = c;
    gc->ttl_ms = ttl_ms > 0 ? ttl_ms : 5000;
    gc->max = max_entries ? max_entries : 1024;
    gc->e = xcalloc(gc->max, sizeof *gc->e);
    pthread_mutex_init(&gc->mu, NULL);
    return gc;
}

void k8s_get_cache_free(k8s_get_cache *gc)
{
    if (!gc)
        return;
    for (size_t i = 0; i < gc->n; i++) {
        free(gc->e[i].key);
        cJSON_Delete(gc->e[i].obj);
    }
    free(gc->e);
    pthread_mutex_destroy(&gc->mu);
    free(gc);
}


static void gc_drop(k8s_get_cache *gc, size_t i)
{
    free(gc->e[i].key);
    cJSON_Delete(gc->e[i].obj);
    gc->e[i] = gc->e[--gc->n];
}

int k8s_get_cache_get(k8s_get_cache *gc, const k8s_resource *r, const char *ns, const char *name, cJSON **out,
                      k8s_error *err)
{
    *out = NULL;
    char *key = xasprintf("%s/%s/%s/%s", r->group, r->resource, ns ? ns : "", name ? name : "");
    pthread_mutex_lock(&gc->mu);
    for (size_t i = 0; i < gc->n; i++) {
        if (strcmp(gc->e[i].key, key))
            continue;
        if (clock_ms_since(&gc->e[i].at) <= gc->ttl_ms) {
            *out = cJSON_Duplicate(gc->e[i].obj, 1);
            pthread_mutex_unlock(&gc->mu);
            free(key);
            return 0;
        }
        gc_drop(gc, i);
        break;
    }
    pthread_mutex_unlock(&gc->mu);
    cJSON *obj;
    if (k8s_get(gc->c, r, ns, name, &obj, err) < 0) {
        free(key);
        return -1;
    }
    pthread_mutex_lock(&gc->mu);
    for (size_t i = 0; i < gc->n;) /* expire stale entries, drop a duplicate key */
        if (clock_ms_since(&gc->e[i].at) > gc->ttl_ms || !strcmp(gc->e[i].key, key))
            gc_drop(gc, i);
        else
            i++;
    if (gc->n == gc->max) { /* full: evict the oldest */
        size_t old = 0;
        for (size_t i = 1; i < gc->n; i++)
            if (clock_ms_since(&gc->e[i].at) > clock_ms_since(&gc->e[old].at))
                old = i;
        gc_drop(gc, old);
    }
    gc_entry *e = &gc->e[gc->n++];
    e->key = key;
    e->obj = cJSON_Duplicate(obj, 1);
    clock_mono(&e->at);
    pthread_mutex_unlock(&gc->mu);
    *out = obj;
    return 0;
}

void k8s_get_cache_invalidate(k8s_get_cache *gc, const k8s_resource *r, const char *ns, const char *name)
{
    char *key = name ? xasprintf("%s/%s/%s/%s", r->group, r->resource, ns ? ns : "", name) : NULL;
    pthread_mutex_lock(&gc->mu);
    for (size_t i = 0; i < gc->n;)
        if (!key || !strcmp(gc->e[i].key, key))
            gc_drop(gc, i);
        else
            i++;
    pthread_mutex_unlock(&gc->mu);
    free(key);
}

k8s_store *k8s_informer_store(k8s_informer *inf)
{
    return inf ? inf->store : NULL;
}
