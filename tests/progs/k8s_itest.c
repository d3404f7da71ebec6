/* Integration scenarios for the k8s/ client against a real control plane.
 *
 *   k8s_itest KUBECONFIG NAMESPACE SCENARIO...
 *
 * Prints "ok - NAME" or "not ok - NAME: why" per scenario. ECI_ITEST_CLUSTER
 * is the command that drives tests/cluster/cluster.sh (restart-apiserver,
 * compact). Scenarios: smoke paging watch-order watch-resume relist-410
 * conflict bad-kubeconfig tls events lease leader informer-pods token. */
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <openssl/evp.h>

#include "k8s/auth.h"
#include "k8s/client.h"
#include "k8s/config.h"
#include "k8s/events.h"
#include "k8s/informer.h"
#include "k8s/lease.h"
#include "k8s/watch.h"
#include "util/base64.h"
#include "util/clock.h"
#include "util/xmalloc.h"

static const char *g_kubeconfig;
static const char *g_ns;
static char g_why[1024];

#define FAIL(...) do { snprintf(g_why, sizeof g_why, __VA_ARGS__); goto fail; } while (0)
#define CHECK(cond, ...) do { if (!(cond)) FAIL(__VA_ARGS__); } while (0)

static const char *fmt_err(const k8s_error *e)
{
    static __thread char b[1200];
    return k8s_error_format(e, b, sizeof b);
}

/* How long a scenario waits for a condition before it gives up: generous, so
 * a loaded machine cannot fail a scenario that is only slow. */
#define WAIT_S 60

static void msleep(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}


static k8s_client *new_client(double qps)
{
    k8s_config *cfg;
    k8s_error e;
    if (k8s_config_load_kubeconfig(g_kubeconfig, NULL, &cfg, &e) < 0) {
        fprintf(stderr, "# %s\n", e.message);
        return NULL;
    }
    k8s_client_opts o = { .qps = qps, .burst = 200 };
    k8s_client *c;
    if (k8s_client_new(cfg, &o, &c, &e) < 0) {
        fprintf(stderr, "# %s\n", e.message);
        return NULL;
    }
    return c;
}

static cJSON *configmap(const char *name, const char *label, const char *key, const char *val)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "apiVersion", "v1");
    cJSON_AddStringToObject(o, "kind", "ConfigMap");
    cJSON *md = cJSON_AddObjectToObject(o, "metadata");
    cJSON_AddStringToObject(md, "name", name);
    if (label) {
        cJSON *l = cJSON_AddObjectToObject(md, "labels");
        cJSON_AddStringToObject(l, "itest", label);
    }
    cJSON *d = cJSON_AddObjectToObject(o, "data");
    if (key)
        cJSON_AddStringToObject(d, key, val);
    return o;
}

static int create_cm(k8s_client *c, const char *name, const char *label, const char *key, const char *val,
                     k8s_error *e)
{
    cJSON *o = configmap(name, label, key, val);
    int rc = k8s_create(c, &K8S_RES_CONFIGMAPS, g_ns, o, NULL, e);
    cJSON_Delete(o);
    return rc;
}

static int cluster_cmd(const char *what)
{
    const char *cl = getenv("ECI_ITEST_CLUSTER");
    if (!cl || !*cl) {
        fprintf(stderr, "# ECI_ITEST_CLUSTER is not set\n");
        return -1;
    }
    char *cmd = xasprintf("%s %s >&2", cl, what);
    int rc = system(cmd);
    free(cmd);
    return rc == 0 ? 0 : -1;
}

static const char *cm_data(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(o, "data"), key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* ---- smoke ---- */

static int sc_smoke(void)
{
    k8s_client *c = new_client(0);
    k8s_error e;
    cJSON *o = NULL, *p = NULL;
    CHECK(c, "no client");
    CHECK(k8s_get(c, &K8S_RES_NAMESPACES, NULL, g_ns, &o, &e) == 0, "get namespace: %s", fmt_err(&e));
    cJSON_Delete(o);
    o = NULL;
    CHECK(create_cm(c, "smoke", "smoke", "a", "1", &e) == 0, "create: %s", fmt_err(&e));
    CHECK(create_cm(c, "smoke", "smoke", "a", "1", &e) < 0 && e.code == K8S_E_ALREADY_EXISTS && e.http_status == 409,
          "second create: want AlreadyExists, got %s", fmt_err(&e));
    p = cJSON_Parse("{\"data\":{\"b\":\"2\"}}");
    CHECK(k8s_patch(c, &K8S_RES_CONFIGMAPS, g_ns, "smoke", NULL, K8S_PATCH_MERGE, p, NULL, &e) == 0, "merge patch: %s",
          fmt_err(&e));
    cJSON_Delete(p);
    p = cJSON_Parse("[{\"op\":\"add\",\"path\":\"/data/c\",\"value\":\"3\"}]");
    CHECK(k8s_patch(c, &K8S_RES_CONFIGMAPS, g_ns, "smoke", NULL, K8S_PATCH_JSON, p, NULL, &e) == 0, "json patch: %s",
          fmt_err(&e));
    cJSON_Delete(p);
    p = cJSON_Parse("{\"metadata\":{\"labels\":{\"x\":\"y\"}}}");
    CHECK(k8s_patch(c, &K8S_RES_CONFIGMAPS, g_ns, "smoke", NULL, K8S_PATCH_STRATEGIC, p, NULL, &e) == 0,
          "strategic patch: %s", fmt_err(&e));
    cJSON_Delete(p);
    p = NULL;
    CHECK(k8s_get(c, &K8S_RES_CONFIGMAPS, g_ns, "smoke", &o, &e) == 0, "get: %s", fmt_err(&e));
    CHECK(cm_data(o, "a") && cm_data(o, "b") && cm_data(o, "c"), "patches did not land");
    cJSON_ReplaceItemInObject(cJSON_GetObjectItem(o, "data"), "a", cJSON_CreateString("updated"));
    cJSON *u;
    CHECK(k8s_update(c, &K8S_RES_CONFIGMAPS, g_ns, NULL, o, &u, &e) == 0, "update: %s", fmt_err(&e));
    CHECK(!strcmp(cm_data(u, "a"), "updated"), "update did not land");
    cJSON_Delete(u);
    /* stale resourceVersion: Conflict */
    CHECK(k8s_update(c, &K8S_RES_CONFIGMAPS, g_ns, NULL, o, NULL, &e) < 0 && e.code == K8S_E_CONFLICT,
          "stale update: want Conflict, got %s", fmt_err(&e));
    k8s_delete_opts bad = { .precondition_uid = "00000000-0000-0000-0000-000000000000",
                            .grace_period_seconds = K8S_GRACE_UNSET };
    CHECK(k8s_delete(c, &K8S_RES_CONFIGMAPS, g_ns, "smoke", &bad, NULL, &e) < 0 && e.code == K8S_E_CONFLICT,
          "delete with a wrong uid precondition: want Conflict, got %s", fmt_err(&e));
    k8s_delete_opts good = { .precondition_uid = k8s_meta_str(o, "uid"), .grace_period_seconds = 0,
                             .propagation_policy = "Background" };
    CHECK(k8s_delete(c, &K8S_RES_CONFIGMAPS, g_ns, "smoke", &good, NULL, &e) == 0, "delete: %s", fmt_err(&e));
    cJSON_Delete(o);
    o = NULL;
    CHECK(k8s_get(c, &K8S_RES_CONFIGMAPS, g_ns, "smoke", &o, &e) < 0 && e.code == K8S_E_NOT_FOUND &&
              e.http_status == 404 && strstr(e.message, "not found") && !strcmp(e.verb, "GET") &&
              strstr(e.path, "/configmaps/smoke"),
          "get after delete: want NotFound, got %s", fmt_err(&e));
    int st;
    char *body;
    CHECK(k8s_request(c, "GET", "/version", NULL, NULL, NULL, 0, &st, &body, NULL, &e) == 0 && st == 200 &&
              strstr(body, "gitVersion"),
          "raw /version: %s", fmt_err(&e));
    free(body);
    k8s_client_free(c);
    return 0;
fail:
    cJSON_Delete(o);
    cJSON_Delete(p);
    k8s_client_free(c);
    return -1;
}

/* ---- paging ---- */

#define PAGING_N 1200
#define PAGING_THREADS 6

typedef struct pg_arg {
    k8s_client *c;
    int from, to, failed;
    k8s_error e;
} pg_arg;

static void *pg_create(void *arg)
{
    pg_arg *a = arg;
    for (int i = a->from; i < a->to; i++) {
        char name[32];
        snprintf(name, sizeof name, "page-%04d", i);
        if (create_cm(a->c, name, "paging", "i", name, &a->e) < 0 && a->e.code != K8S_E_ALREADY_EXISTS) {
            a->failed = 1;
            break;
        }
    }
    return NULL;
}

static int sc_paging(void)
{
    k8s_client *c = new_client(-1);
    cJSON *all = NULL, *page = NULL;
    k8s_error e;
    CHECK(c, "no client");
    double t0 = clock_mono_s();
    pthread_t th[PAGING_THREADS];
    pg_arg a[PAGING_THREADS];
    for (int i = 0; i < PAGING_THREADS; i++) {
        a[i] = (pg_arg){ .c = c, .from = i * PAGING_N / PAGING_THREADS, .to = (i + 1) * PAGING_N / PAGING_THREADS };
        pthread_create(&th[i], NULL, pg_create, &a[i]);
    }
    int failed = 0;
    for (int i = 0; i < PAGING_THREADS; i++) {
        pthread_join(th[i], NULL);
        if (a[i].failed) {
            failed = 1;
            e = a[i].e;
        }
    }
    CHECK(!failed, "create: %s", fmt_err(&e));
    fprintf(stderr, "# created %d ConfigMaps in %.1fs\n", PAGING_N, clock_mono_s() - t0);
    k8s_list_opts lo = { .label_selector = "itest=paging", .limit = 100 };
    CHECK(k8s_list(c, &K8S_RES_CONFIGMAPS, g_ns, &lo, &page, &e) == 0, "list: %s", fmt_err(&e));
    CHECK(cJSON_GetArraySize(cJSON_GetObjectItem(page, "items")) == 100, "first page has %d items",
          cJSON_GetArraySize(cJSON_GetObjectItem(page, "items")));
    CHECK(k8s_meta_str(page, "continue") && *k8s_meta_str(page, "continue"), "first page has no continue token");
    k8s_request_stat st0[64];
    size_t n0 = k8s_client_stats(c, st0, 64);
    unsigned long lists0 = 0;
    for (size_t i = 0; i < n0 && i < 64; i++)
        if (!strcmp(st0[i].verb, "list"))
            lists0 += st0[i].count;
    t0 = clock_mono_s();
    CHECK(k8s_list_all(c, &K8S_RES_CONFIGMAPS, g_ns, &lo, &all, &e) == 0, "list all: %s", fmt_err(&e));
    int n = cJSON_GetArraySize(cJSON_GetObjectItem(all, "items"));
    CHECK(n == PAGING_N, "list all returned %d items, want %d", n, PAGING_N);
    /* every name exactly once */
    char *seen = xcalloc(PAGING_N, 1);
    cJSON *it;
    cJSON_ArrayForEach(it, cJSON_GetObjectItem(all, "items"))
    {
        const char *nm = k8s_meta_str(it, "name");
        int idx = nm ? atoi(nm + 5) : -1;
        if (idx >= 0 && idx < PAGING_N)
            seen[idx]++;
    }
    int dup = 0;
    for (int i = 0; i < PAGING_N; i++)
        if (seen[i] != 1)
            dup++;
    free(seen);
    CHECK(!dup, "%d names missing or repeated", dup);
    k8s_request_stat st[64];
    size_t ns = k8s_client_stats(c, st, 64);
    unsigned long lists = 0;
    for (size_t i = 0; i < ns && i < 64; i++)
        if (!strcmp(st[i].verb, "list"))
            lists += st[i].count;
    CHECK(lists - lists0 == PAGING_N / 100, "list all used %lu requests, want %d", lists - lists0, PAGING_N / 100);
    CHECK(k8s_meta_str(all, "resourceVersion") != NULL, "merged list has no resourceVersion");
    fprintf(stderr, "# listed %d in %lu pages in %.2fs\n", n, lists - lists0, clock_mono_s() - t0);
    /* clean up with one collection delete */
    kv_list q = KV_LIST_INIT;
    kv_add(&q, "labelSelector", "itest=paging");
    char *path = k8s_path(&K8S_RES_CONFIGMAPS, g_ns, NULL, NULL);
    int hs;
    int rc = k8s_request(c, "DELETE", path, &q, NULL, NULL, 0, &hs, NULL, NULL, &e);
    kv_free(&q);
    free(path);
    CHECK(rc == 0, "delete collection: %s", fmt_err(&e));
    cJSON_Delete(all);
    cJSON_Delete(page);
    k8s_client_free(c);
    return 0;
fail:
    cJSON_Delete(all);
    cJSON_Delete(page);
    k8s_client_free(c);
    return -1;
}

/* ---- event log shared by the watch scenarios ---- */

typedef struct evlog {
    pthread_mutex_t mu;
    char lines[512][96];
    int n;
    /* gate: when closed, the handler blocks (the stream is not read) */
    int gate_closed;
    int blocked;
    pthread_cond_t cv;
} evlog;

static void evlog_init(evlog *l)
{
    memset(l, 0, sizeof *l);
    pthread_mutex_init(&l->mu, NULL);
    pthread_cond_init(&l->cv, NULL);
}

static void evlog_fini(evlog *l)
{
    pthread_mutex_destroy(&l->mu);
    pthread_cond_destroy(&l->cv);
}

static void evlog_add(evlog *l, const char *type, const cJSON *obj)
{
    pthread_mutex_lock(&l->mu);
    while (l->gate_closed) {
        l->blocked = 1;
        pthread_cond_broadcast(&l->cv);
        pthread_cond_wait(&l->cv, &l->mu);
    }
    l->blocked = 0;
    if (l->n < 512) {
        const char *a = cm_data(obj, "v");
        snprintf(l->lines[l->n++], 96, "%s %s %s", type, k8s_meta_str(obj, "name"), a ? a : "-");
    }
    pthread_mutex_unlock(&l->mu);
}

static int evlog_count(evlog *l, const char *line)
{
    int k = 0;
    pthread_mutex_lock(&l->mu);
    for (int i = 0; i < l->n; i++)
        if (!strcmp(l->lines[i], line))
            k++;
    pthread_mutex_unlock(&l->mu);
    return k;
}

static int evlog_index(evlog *l, const char *line)
{
    int k = -1;
    pthread_mutex_lock(&l->mu);
    for (int i = 0; i < l->n && k < 0; i++)
        if (!strcmp(l->lines[i], line))
            k = i;
    pthread_mutex_unlock(&l->mu);
    return k;
}

static int evlog_wait(evlog *l, const char *line, double secs)
{
    double t0 = clock_mono_s();
    while (clock_mono_s() - t0 < secs) {
        if (evlog_count(l, line) > 0)
            return 1;
        msleep(20);
    }
    return 0;
}

static void evlog_dump(evlog *l)
{
    pthread_mutex_lock(&l->mu);
    for (int i = 0; i < l->n; i++)
        fprintf(stderr, "#   event %d: %s\n", i, l->lines[i]);
    pthread_mutex_unlock(&l->mu);
}

static int wo_event(k8s_watch_type t, cJSON *obj, void *arg)
{
    evlog_add(arg, k8s_watch_type_name(t), obj);
    cJSON_Delete(obj);
    return 0;
}

static int wo_list(cJSON *list, void *arg)
{
    cJSON *it;
    cJSON_ArrayForEach(it, cJSON_GetObjectItem(list, "items")) evlog_add(arg, "LISTED", it);
    cJSON_Delete(list);
    return 0;
}

static void wo_error(const k8s_error *e, void *arg)
{
    (void)arg;
    fprintf(stderr, "# watch recovered from: %s\n", fmt_err(e));
}

static int set_v(cJSON *obj, void *arg)
{
    cJSON *d = cJSON_GetObjectItem(obj, "data");
    if (!d)
        d = cJSON_AddObjectToObject(obj, "data");
    cJSON_DeleteItemFromObject(d, "v");
    cJSON_AddStringToObject(d, "v", arg);
    return 0;
}

static int sc_watch_order(void)
{
    k8s_client *c = new_client(0);
    k8s_watch *w = NULL;
    evlog l;
    evlog_init(&l);
    k8s_error e;
    CHECK(c, "no client");
    k8s_watch_opts o = { .resource = &K8S_RES_CONFIGMAPS, .ns = g_ns, .label_selector = "itest=order",
                         .on_event = wo_event, .on_list = wo_list, .on_error = wo_error, .arg = &l };
    CHECK(k8s_watch_start(c, &o, &w, &e) == 0, "start: %s", fmt_err(&e));
    double t0 = clock_mono_s();
    k8s_watch_stats st;
    do {
        msleep(20);
        k8s_watch_get_stats(w, &st);
    } while (st.connects == 0 && clock_mono_s() - t0 < WAIT_S);
    msleep(200);
    CHECK(create_cm(c, "order-1", "order", "v", "one", &e) == 0, "create: %s", fmt_err(&e));
    CHECK(k8s_update_retry(c, &K8S_RES_CONFIGMAPS, g_ns, "order-1", NULL, 0, set_v, "two", NULL, &e) == 0,
          "update: %s", fmt_err(&e));
    CHECK(k8s_delete(c, &K8S_RES_CONFIGMAPS, g_ns, "order-1", NULL, NULL, &e) == 0, "delete: %s", fmt_err(&e));
    CHECK(evlog_wait(&l, "DELETED order-1 two", WAIT_S), "no DELETED event within %d s", WAIT_S);
    int a = evlog_index(&l, "ADDED order-1 one"), m = evlog_index(&l, "MODIFIED order-1 two"),
        d = evlog_index(&l, "DELETED order-1 two");
    CHECK(a >= 0 && m > a && d > m, "events out of order (ADDED %d, MODIFIED %d, DELETED %d)", a, m, d);
    CHECK(l.n == 3, "%d events, want 3", l.n);
    t0 = clock_mono_s();
    k8s_watch_stop(w);
    w = NULL;
    fprintf(stderr, "# stopping the watch took %.1fs\n", clock_mono_s() - t0);
    evlog_fini(&l);
    k8s_client_free(c);
    return 0;
fail:
    evlog_dump(&l);
    k8s_watch_stop(w);
    evlog_fini(&l);
    k8s_client_free(c);
    return -1;
}

static int sc_watch_resume(void)
{
    k8s_client *c = new_client(0);
    k8s_watch *w = NULL;
    evlog l;
    evlog_init(&l);
    k8s_error e;
    CHECK(c, "no client");
    CHECK(create_cm(c, "resume-0", "resume", "v", "zero", &e) == 0, "create: %s", fmt_err(&e));
    k8s_watch_opts o = { .resource = &K8S_RES_CONFIGMAPS, .ns = g_ns, .label_selector = "itest=resume",
                         .on_event = wo_event, .on_list = wo_list, .on_error = wo_error, .arg = &l,
                         .backoff_min_ms = 100, .backoff_max_ms = 1000 };
    CHECK(k8s_watch_start(c, &o, &w, &e) == 0, "start: %s", fmt_err(&e));
    CHECK(evlog_wait(&l, "LISTED resume-0 zero", WAIT_S), "initial list not seen");
    CHECK(create_cm(c, "resume-1", "resume", "v", "one", &e) == 0, "create: %s", fmt_err(&e));
    CHECK(evlog_wait(&l, "ADDED resume-1 one", WAIT_S), "ADDED resume-1 not seen");
    /* close the gate so events pile up unread, then restart the apiserver */
    pthread_mutex_lock(&l.mu);
    l.gate_closed = 1;
    pthread_mutex_unlock(&l.mu);
    CHECK(k8s_update_retry(c, &K8S_RES_CONFIGMAPS, g_ns, "resume-1", NULL, 0, set_v, "two", NULL, &e) == 0,
          "update: %s", fmt_err(&e));
    double t0 = clock_mono_s();
    CHECK(cluster_cmd("restart-apiserver") == 0, "restart-apiserver failed");
    fprintf(stderr, "# apiserver restarted in %.1fs\n", clock_mono_s() - t0);
    pthread_mutex_lock(&l.mu);
    l.gate_closed = 0;
    pthread_cond_broadcast(&l.cv);
    pthread_mutex_unlock(&l.mu);
    /* changes right after the restart, while the watch reconnects */
    k8s_client *c2 = new_client(0);
    int ok = c2 && create_cm(c2, "resume-2", "resume", "v", "three", &e) == 0 &&
             k8s_update_retry(c2, &K8S_RES_CONFIGMAPS, g_ns, "resume-2", NULL, 0, set_v, "four", NULL, &e) == 0 &&
             k8s_delete(c2, &K8S_RES_CONFIGMAPS, g_ns, "resume-0", NULL, NULL, &e) == 0;
    k8s_client_free(c2);
    CHECK(ok, "changes after the restart: %s", fmt_err(&e));
    CHECK(evlog_wait(&l, "DELETED resume-0 zero", WAIT_S), "DELETED resume-0 not seen after the restart");
    CHECK(evlog_wait(&l, "MODIFIED resume-2 four", WAIT_S), "MODIFIED resume-2 not seen");
    static const char *const want[] = { "ADDED resume-1 one", "MODIFIED resume-1 two", "ADDED resume-2 three",
                                        "MODIFIED resume-2 four", "DELETED resume-0 zero" };
    int prev = -1;
    for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
        int k = evlog_index(&l, want[i]);
        CHECK(k > prev, "\"%s\" missing or out of order", want[i]);
        CHECK(evlog_count(&l, want[i]) == 1, "\"%s\" seen %d times", want[i], evlog_count(&l, want[i]));
        prev = k;
    }
    k8s_watch_stats st;
    k8s_watch_get_stats(w, &st);
    fprintf(stderr, "# watch: connects %lu lists %lu gone %lu events %lu errors %lu\n", st.connects, st.lists,
            st.gone, st.events, st.errors);
    CHECK(st.connects >= 2, "the watch did not reconnect (connects %lu)", st.connects);
    CHECK(st.lists == 1, "the watch relisted (%lu lists) instead of resuming", st.lists);
    k8s_watch_stop(w);
    evlog_fini(&l);
    k8s_client_free(c);
    return 0;
fail:
    pthread_mutex_lock(&l.mu);
    l.gate_closed = 0;
    pthread_cond_broadcast(&l.cv);
    pthread_mutex_unlock(&l.mu);
    evlog_dump(&l);
    k8s_watch_stop(w);
    evlog_fini(&l);
    k8s_client_free(c);
    return -1;
}

/* ---- 410 Gone: relist converges an informer's cache ---- */

typedef struct inf_ctx {
    evlog log;
} inf_ctx;

static void ih_add(const cJSON *o, void *arg) { evlog_add(&((inf_ctx *)arg)->log, "ADD", o); }
static void ih_update(const cJSON *old, const cJSON *o, void *arg)
{
    (void)old;
    evlog_add(&((inf_ctx *)arg)->log, "UPDATE", o);
}
static void ih_delete(const cJSON *o, void *arg) { evlog_add(&((inf_ctx *)arg)->log, "DELETE", o); }
static void ih_error(const k8s_error *e, void *arg)
{
    (void)arg;
    fprintf(stderr, "# informer recovered from: %s\n", fmt_err(e));
}

static int cache_matches(k8s_client *c, k8s_informer *inf, const char *label, char *why, size_t n)
{
    cJSON *list;
    k8s_error e;
    char sel[64];
    snprintf(sel, sizeof sel, "itest=%s", label);
    k8s_list_opts lo = { .label_selector = sel };
    if (k8s_list(c, &K8S_RES_CONFIGMAPS, g_ns, &lo, &list, &e) < 0) {
        snprintf(why, n, "list: %s", fmt_err(&e));
        return 0;
    }
    int ok = 1;
    cJSON *items = cJSON_GetObjectItem(list, "items"), *it;
    if ((size_t)cJSON_GetArraySize(items) != k8s_informer_len(inf)) {
        snprintf(why, n, "cache has %zu objects, server %d", k8s_informer_len(inf), cJSON_GetArraySize(items));
        ok = 0;
    }
    cJSON_ArrayForEach(it, items)
    {
        if (!ok)
            break;
        cJSON *got = k8s_informer_get(inf, g_ns, k8s_meta_str(it, "name"));
        if (!got || strcmp(k8s_meta_str(got, "resourceVersion"), k8s_meta_str(it, "resourceVersion"))) {
            snprintf(why, n, "cache differs on %s", k8s_meta_str(it, "name"));
            ok = 0;
        }
        cJSON_Delete(got);
    }
    cJSON_Delete(list);
    return ok;
}

/* The informer's thread is held in a handler while the server ends its
 * watch (timeoutSeconds=2); then objects change and etcd is compacted past
 * the changes, so the informer must get 410 Gone and relist. Whether the
 * server had ended the stream by then is known only afterwards: when the
 * old stream was still open it carried the changes as watch events, that
 * attempt proves nothing and is made again with new objects. */
static int sc_relist_410(void)
{
    k8s_client *c = new_client(0);
    k8s_informer *inf = NULL;
    inf_ctx ctx;
    evlog_init(&ctx.log);
    k8s_error e;
    char why[256] = "";
    CHECK(c, "no client");
    for (int i = 0; i < 3; i++) {
        char nm[32];
        snprintf(nm, sizeof nm, "gone-%d", i);
        CHECK(create_cm(c, nm, "gone", "v", "a", &e) == 0, "create: %s", fmt_err(&e));
    }
    k8s_informer_opts io = { .resource = &K8S_RES_CONFIGMAPS, .ns = g_ns, .label_selector = "itest=gone",
                             .handlers = { ih_add, ih_update, ih_delete, &ctx }, .timeout_seconds = 2,
                             .on_error = ih_error, .list_page_size = 2 /* lists span pages */ };
    CHECK(k8s_informer_start(c, &io, &inf, &e) == 0, "start: %s", fmt_err(&e));
    CHECK(k8s_informer_wait_synced(inf, WAIT_S * 1000), "informer did not sync");
    CHECK(k8s_informer_len(inf) == 3, "cache has %zu objects, want 3", k8s_informer_len(inf));
    k8s_watch_stats st;
    int relisted = 0, attempt;
    char del[32] = "", upd[32] = "", add[32] = "";
    for (attempt = 0; attempt < 10 && !relisted; attempt++) {
        /* the objects this attempt changes: gone-0 and gone-1 at first, then new ones */
        snprintf(del, sizeof del, "gone-%d", attempt ? 3 * attempt + 1 : 0);
        snprintf(upd, sizeof upd, "gone-%d", attempt ? 3 * attempt + 2 : 1);
        snprintf(add, sizeof add, "gone-%d", 3 * attempt + 3);
        if (attempt) {
            CHECK(create_cm(c, del, "gone", "v", "a", &e) == 0, "create: %s", fmt_err(&e));
            CHECK(create_cm(c, upd, "gone", "v", "a", &e) == 0, "create: %s", fmt_err(&e));
            double t1 = clock_mono_s();
            while (!cache_matches(c, inf, "gone", why, sizeof why) && clock_mono_s() - t1 < WAIT_S)
                msleep(50);
            CHECK(cache_matches(c, inf, "gone", why, sizeof why), "cache did not take the new objects: %s", why);
        }
        k8s_informer_stats(inf, &st);
        unsigned long gone0 = st.gone, lists0 = st.lists;
        /* hold the informer thread inside a handler, so its stream is not read */
        pthread_mutex_lock(&ctx.log.mu);
        ctx.log.gate_closed = 1;
        pthread_mutex_unlock(&ctx.log.mu);
        char trig[32];
        snprintf(trig, sizeof trig, "gone-trigger-%d", attempt);
        CHECK(create_cm(c, trig, "gone", "v", "t", &e) == 0, "create: %s", fmt_err(&e));
        pthread_mutex_lock(&ctx.log.mu);
        double t0 = clock_mono_s();
        while (!ctx.log.blocked && clock_mono_s() - t0 < WAIT_S) {
            pthread_mutex_unlock(&ctx.log.mu);
            msleep(20);
            pthread_mutex_lock(&ctx.log.mu);
        }
        int blocked = ctx.log.blocked;
        pthread_mutex_unlock(&ctx.log.mu);
        CHECK(blocked, "the informer never delivered the trigger event");
        msleep(3000 + 1000 * attempt); /* time for the server to end the stream (timeoutSeconds=2) */
        k8s_informer_stats(inf, &st);
        unsigned long events0 = st.events; /* the trigger's included */
        /* changes the old stream never carried, then compaction past them */
        CHECK(k8s_delete(c, &K8S_RES_CONFIGMAPS, g_ns, del, NULL, NULL, &e) == 0, "delete: %s", fmt_err(&e));
        CHECK(k8s_update_retry(c, &K8S_RES_CONFIGMAPS, g_ns, upd, NULL, 0, set_v, "b", NULL, &e) == 0,
              "update: %s", fmt_err(&e));
        CHECK(create_cm(c, add, "gone", "v", "a", &e) == 0, "create: %s", fmt_err(&e));
        CHECK(cluster_cmd("compact") == 0, "compact failed");
        pthread_mutex_lock(&ctx.log.mu);
        ctx.log.gate_closed = 0;
        pthread_cond_broadcast(&ctx.log.cv);
        pthread_mutex_unlock(&ctx.log.mu);
        /* the cache converges either way: by a relist after 410, or by the old stream */
        t0 = clock_mono_s();
        int conv = 0;
        while (!conv && clock_mono_s() - t0 < WAIT_S) {
            k8s_informer_stats(inf, &st);
            conv = cache_matches(c, inf, "gone", why, sizeof why) && (st.gone == gone0 || st.lists > lists0);
            if (!conv)
                msleep(100);
        }
        CHECK(conv, "cache did not converge: %s", why);
        k8s_informer_stats(inf, &st);
        /* proven only when no watch event carried the changes: the relist did */
        relisted = st.gone > gone0 && st.lists > lists0 && st.events == events0;
        if (!relisted)
            fprintf(stderr, "# attempt %d: the old stream was still open and carried the changes; again\n", attempt);
    }
    fprintf(stderr, "# informer: connects %lu lists %lu gone %lu events %lu errors %lu (%d attempts)\n",
            st.connects, st.lists, st.gone, st.events, st.errors, attempt);
    CHECK(relisted, "no 410 Gone and relist in %d attempts", attempt);
    char line[64];
    snprintf(line, sizeof line, "DELETE %s a", del);
    CHECK(evlog_count(&ctx.log, line) == 1, "no synthesized DELETE for %s", del);
    snprintf(line, sizeof line, "UPDATE %s b", upd);
    CHECK(evlog_count(&ctx.log, line) == 1, "no UPDATE for %s", upd);
    snprintf(line, sizeof line, "ADD %s a", add);
    CHECK(evlog_count(&ctx.log, line) == 1, "no ADD for %s", add);
    k8s_informer_stop(inf);
    evlog_fini(&ctx.log);
    k8s_client_free(c);
    return 0;
fail:
    pthread_mutex_lock(&ctx.log.mu);
    ctx.log.gate_closed = 0;
    pthread_cond_broadcast(&ctx.log.cv);
    pthread_mutex_unlock(&ctx.log.mu);
    evlog_dump(&ctx.log);
    k8s_informer_stop(inf);
    evlog_fini(&ctx.log);
    k8s_client_free(c);
    return -1;
}

/* ---- conflicting updates ---- */

typedef struct cf_arg {
    k8s_client *c;
    const char *key;
    pthread_barrier_t *bar;
    int calls;
    int rc;
    k8s_error e;
} cf_arg;

static int cf_mutate(cJSON *obj, void *arg)
{
    cf_arg *a = arg;
    if (a->calls++ == 0)
        pthread_barrier_wait(a->bar); /* both read the same resourceVersion */
    cJSON *d = cJSON_GetObjectItem(obj, "data");
    cJSON_DeleteItemFromObject(d, a->key);
    cJSON_AddStringToObject(d, a->key, "set");
    return 0;
}

static void *cf_thread(void *arg)
{
    cf_arg *a = arg;
    a->rc = k8s_update_retry(a->c, &K8S_RES_CONFIGMAPS, g_ns, "conflict", NULL, 0, cf_mutate, a, NULL, &a->e);
    return NULL;
}

static int sc_conflict(void)
{
    k8s_client *c = new_client(0);
    k8s_error e;
    cJSON *o = NULL;
    CHECK(c, "no client");
    CHECK(create_cm(c, "conflict", "conflict", "base", "1", &e) == 0, "create: %s", fmt_err(&e));
    pthread_barrier_t bar;
    pthread_barrier_init(&bar, NULL, 2);
    cf_arg a = { .c = c, .key = "left", .bar = &bar }, b = { .c = c, .key = "right", .bar = &bar };
    pthread_t ta, tb;
    pthread_create(&ta, NULL, cf_thread, &a);
    pthread_create(&tb, NULL, cf_thread, &b);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    pthread_barrier_destroy(&bar);
    CHECK(a.rc == 0, "left: %s", fmt_err(&a.e));
    CHECK(b.rc == 0, "right: %s", fmt_err(&b.e));
    CHECK(a.calls + b.calls >= 3, "no conflict happened (%d mutations)", a.calls + b.calls);
    CHECK(k8s_get(c, &K8S_RES_CONFIGMAPS, g_ns, "conflict", &o, &e) == 0, "get: %s", fmt_err(&e));
    CHECK(cm_data(o, "left") && cm_data(o, "right") && cm_data(o, "base"), "a change was lost");
    fprintf(stderr, "# mutations: left %d right %d\n", a.calls, b.calls);
    cJSON_Delete(o);
    k8s_client_free(c);
    return 0;
fail:
    cJSON_Delete(o);
    k8s_client_free(c);
    return -1;
}

/* ---- kubeconfig errors ---- */

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = xmalloc((size_t)n + 1);
    size_t got = fread(b, 1, (size_t)n, f);
    b[got] = '\0';
    fclose(f);
    return b;
}

static int sc_bad_kubeconfig(void)
{
    char *orig = slurp(g_kubeconfig), *bad = NULL;
    char path[] = "/tmp/k8s-itest-kc-XXXXXX";
    int fd = -1;
    k8s_config *cfg = NULL;
    k8s_error e;
    CHECK(orig, "cannot read %s", g_kubeconfig);
    char *k = strstr(orig, "client-key-data:");
    CHECK(k, "the kubeconfig has no client-key-data");
    char *eol = strchr(k, '\n');
    bad = xasprintf("%.*sclient-key-data: '!!not base64!!'%s", (int)(k - orig), orig, eol ? eol : "");
    fd = mkstemp(path);
    CHECK(fd >= 0, "mkstemp");
    CHECK(write(fd, bad, strlen(bad)) == (ssize_t)strlen(bad), "write");
    close(fd);
    fd = -1;
    CHECK(k8s_config_load_kubeconfig(path, NULL, &cfg, &e) < 0, "a bad key was accepted");
    fprintf(stderr, "# %s\n", e.message);
    CHECK(strstr(e.message, "user.client-key-data: invalid base64") && strstr(e.message, path) &&
              strstr(e.message, "users[0]"),
          "message does not name the field: %s", e.message);
    CHECK(k8s_config_load_kubeconfig(g_kubeconfig, "no-such-context", &cfg, &e) < 0, "a missing context was accepted");
    fprintf(stderr, "# %s\n", e.message);
    CHECK(strstr(e.message, "context \"no-such-context\" not found"), "message: %s", e.message);
    /* the good one still works, with the context named explicitly */
    CHECK(k8s_config_load_kubeconfig(g_kubeconfig, NULL, &cfg, &e) == 0, "good kubeconfig: %s", e.message);
    k8s_config_free(cfg);
    cfg = NULL;
    unlink(path);
    free(orig);
    free(bad);
    return 0;
fail:
    if (fd >= 0)
        close(fd);
    unlink(path);
    free(orig);
    free(bad);
    return -1;
}


/* ---- TLS: tls-server-name, a wrong CA, insecure-skip-tls-verify ---- */

static const char OTHER_CA[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBdTCCARugAwIBAgIUJrIllon/DuCx2npK2gDoQeIwaG8wCgYIKoZIzj0EAwIw\n"
    "DzENMAsGA1UEAwwEdGVzdDAgFw0yNjExMjMwMTU4MDlaGA8yMTI2MTAzMDAxNTgw\n"
    "OVowDzENMAsGA1UEAwwEdGVzdDBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABL64\n"
    "zYsTp+st4Qn6M0E0Vp0TWy1d+3WgPWddzWjU4wNSjIfKIMPV+VXK3W+MJ1OAenfC\n"
    "+iGpT4ajAaXM9VQ1cC+jUzBRMB0GA1UdDgQWBBTibi+8yMPNc5HdBLFbST8p8tgi\n"
    "HTAfBgNVHSMEGDAWgBTibi+8yMPNc5HdBLFbST8p8tgiHTAPBgNVHRMBAf8EBTAD\n"
    "AQH/MAoGCCqGSM49BAMCA0gAMEUCIQDKRz/PVjNbvgQBjeEEmYdq0yDH1W2Xz9e9\n"
    "JRjMAMAx5QIgLfrAVjgtbYTO4Q1i70Zq1O7qgZvAU+/LOSJq+jcIR4c=\n"
    "-----END CERTIFICATE-----\n";

/* A kubeconfig with the admin's credentials and the given cluster lines. */
static char *kubeconfig_with(const k8s_config *src, const char *cluster_lines, char *path, size_t pathlen)
{
    size_t n;
    const unsigned char *p = k8s_config_client_cert(src, &n);
    char *cert = b64_encode(p, n);
    p = k8s_config_client_key(src, &n);
    char *key = b64_encode(p, n);
    char *text = xasprintf("current-context: t\ncontexts:\n- name: t\n  context:\n    cluster: c\n    user: u\n"
                           "clusters:\n- name: c\n  cluster:\n    server: %s\n%s"
                           "users:\n- name: u\n  user:\n    client-certificate-data: %s\n    client-key-data: %s\n",
                           k8s_config_server(src), cluster_lines, cert, key);
    free(cert);
    free(key);
    snprintf(path, pathlen, "/tmp/k8s-itest-tls-XXXXXX");
    int fd = mkstemp(path);
    if (fd < 0) {
        free(text);
        return NULL;
    }
    ssize_t w = write(fd, text, strlen(text));
    close(fd);
    free(text);
    return w > 0 ? path : NULL;
}

/* 0 when GET /version works through kubeconfig path; -1 with e filled. */
static int version_via(const char *path, k8s_error *e, char **warning)
{
    k8s_config *cfg;
    if (k8s_config_load_kubeconfig(path, NULL, &cfg, e) < 0)
        return -1;
    if (warning)
        *warning = k8s_config_warning(cfg) ? xstrdup(k8s_config_warning(cfg)) : NULL;
    k8s_client_opts o = { .max_retries = -1 };
    k8s_client *c;
    if (k8s_client_new(cfg, &o, &c, e) < 0)
        return -1;
    int st;
    int rc = k8s_request(c, "GET", "/version", NULL, NULL, NULL, 0, &st, NULL, NULL, e);
    k8s_client_free(c);
    return rc;
}

static int sc_tls(void)
{
    k8s_config *adm = NULL;
    k8s_error e;
    char path[64] = "", *lines = NULL, *ca = NULL, *warn = NULL;
    CHECK(k8s_config_load_kubeconfig(g_kubeconfig, NULL, &adm, &e) == 0, "%s", e.message);
    size_t n;
    const unsigned char *p = k8s_config_ca(adm, &n);
    CHECK(p && n, "the admin kubeconfig has no CA");
    ca = b64_encode(p, n);
    /* the serving certificate names "kubernetes": verify against that name */
    lines = xasprintf("    certificate-authority-data: %s\n    tls-server-name: kubernetes\n", ca);
    CHECK(kubeconfig_with(adm, lines, path, sizeof path), "write kubeconfig");
    CHECK(version_via(path, &e, NULL) == 0, "tls-server-name kubernetes: %s", fmt_err(&e));
    unlink(path);
    free(lines);
    lines = xasprintf("    certificate-authority-data: %s\n    tls-server-name: not-in-the-cert.example\n", ca);
    CHECK(kubeconfig_with(adm, lines, path, sizeof path), "write kubeconfig");
    CHECK(version_via(path, &e, NULL) < 0 && e.code == K8S_E_TRANSPORT, "a wrong tls-server-name was accepted");
    fprintf(stderr, "# wrong name: %s\n", fmt_err(&e));
    unlink(path);
    free(lines);
    char *other = b64_encode(OTHER_CA, strlen(OTHER_CA));
    lines = xasprintf("    certificate-authority-data: %s\n", other);
    free(other);
    CHECK(kubeconfig_with(adm, lines, path, sizeof path), "write kubeconfig");
    CHECK(version_via(path, &e, NULL) < 0 && e.code == K8S_E_TRANSPORT, "a server signed by another CA was accepted");
    fprintf(stderr, "# wrong CA: %s\n", fmt_err(&e));
    unlink(path);
    free(lines);
    lines = xstrdup("    insecure-skip-tls-verify: true\n");
    CHECK(kubeconfig_with(adm, lines, path, sizeof path), "write kubeconfig");
    CHECK(version_via(path, &e, &warn) == 0, "insecure: %s", fmt_err(&e));
    CHECK(warn && strstr(warn, "insecure-skip-tls-verify"), "no warning for insecure-skip-tls-verify");
    unlink(path);
    free(lines);
    free(warn);
    free(ca);
    k8s_config_free(adm);
    return 0;
fail:
    if (path[0])
        unlink(path);
    free(lines);
    free(warn);
    free(ca);
    k8s_config_free(adm);
    return -1;
}

/* ---- events ---- */

static int sc_events(void)
{
    k8s_client *c = new_client(0);
    k8s_recorder *r = NULL;
    cJSON *o = NULL, *list = NULL;
    k8s_error e;
    CHECK(c, "no client");
    CHECK(create_cm(c, "evsubject", "events", "v", "x", &e) == 0, "create: %s", fmt_err(&e));
    CHECK(k8s_get(c, &K8S_RES_CONFIGMAPS, g_ns, "evsubject", &o, &e) == 0, "get: %s", fmt_err(&e));
    k8s_recorder_opts ro = { .component = "eci-kubelet", .host = "itest-node", .qps = 10, .burst = 10 };
    r = k8s_recorder_new(c, &ro);
    for (int i = 0; i < 3; i++)
        CHECK(k8s_record_event(r, o, "Warning", "ItestReason", "same message", &e) == 0, "record: %s", fmt_err(&e));
    CHECK(k8s_record_eventf(r, o, "Normal", "ItestReason", &e, "other message %d", 1) == 0, "record: %s",
          fmt_err(&e));
    k8s_list_opts lo = { .field_selector = "involvedObject.name=evsubject" };
    CHECK(k8s_list(c, &K8S_RES_EVENTS, g_ns, &lo, &list, &e) == 0, "list: %s", fmt_err(&e));
    cJSON *items = cJSON_GetObjectItem(list, "items"), *it;
    CHECK(cJSON_GetArraySize(items) == 2, "%d Events, want 2", cJSON_GetArraySize(items));
    int seen = 0;
    cJSON_ArrayForEach(it, items)
    {
        cJSON *cnt = cJSON_GetObjectItem(it, "count");
        const char *msg = cJSON_GetStringValue(cJSON_GetObjectItem(it, "message"));
        const char *host = cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(it, "source"), "host"));
        CHECK(host && !strcmp(host, "itest-node"), "source.host missing");
        if (msg && !strcmp(msg, "same message")) {
            CHECK(cJSON_IsNumber(cnt) && cnt->valueint == 3, "aggregated count %d, want 3", cnt ? cnt->valueint : -1);
            seen |= 1;
        } else if (msg && !strcmp(msg, "other message 1")) {
            seen |= 2;
        }
    }
    CHECK(seen == 3, "Events missing");
    /* the rate limit drops what exceeds the burst */
    k8s_recorder_opts slow = { .component = "eci-kubelet", .qps = 0.01, .burst = 2 };
    k8s_recorder *r2 = k8s_recorder_new(c, &slow);
    int dropped = 0;
    for (int i = 0; i < 4; i++) {
        char m[32];
        snprintf(m, sizeof m, "burst %d", i);
        if (k8s_record_event(r2, o, "Normal", "Burst", m, &e) < 0 && e.code == K8S_E_THROTTLED)
            dropped++;
    }
    k8s_recorder_free(r2);
    CHECK(dropped == 2, "%d Events dropped, want 2", dropped);
    k8s_recorder_free(r);
    cJSON_Delete(o);
    cJSON_Delete(list);
    k8s_client_free(c);
    return 0;
fail:
    k8s_recorder_free(r);
    cJSON_Delete(o);
    cJSON_Delete(list);
    k8s_client_free(c);
    return -1;
}

/* ---- leases ---- */

static int sc_lease(void)
{
    k8s_client *c = new_client(0);
    k8s_node_lease *l = NULL;
    cJSON *o = NULL;
    k8s_error e;
    char *renew1 = NULL, *rv1 = NULL;
    CHECK(c, "no client");
    char node[64];
    snprintf(node, sizeof node, "itest-%s", g_ns);
    k8s_delete(c, &K8S_RES_LEASES, K8S_NODE_LEASE_NS, node, NULL, NULL, &e);
    l = k8s_node_lease_new(c, node, NULL, 0);
    CHECK(k8s_node_lease_renew(l, &e) == 0, "create: %s", fmt_err(&e));
    CHECK(k8s_get(c, &K8S_RES_LEASES, K8S_NODE_LEASE_NS, node, &o, &e) == 0, "get: %s", fmt_err(&e));
    cJSON *sp = cJSON_GetObjectItem(o, "spec");
    CHECK(!strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(sp, "holderIdentity")), node), "holderIdentity");
    CHECK(cJSON_GetObjectItem(sp, "leaseDurationSeconds")->valueint == 40, "leaseDurationSeconds");
    renew1 = xstrdup(cJSON_GetStringValue(cJSON_GetObjectItem(sp, "renewTime")));
    rv1 = xstrdup(k8s_meta_str(o, "resourceVersion"));
    cJSON_Delete(o);
    o = NULL;
    msleep(20);
    /* someone else touches the lease: the renew must survive the conflict */
    cJSON *p = cJSON_Parse("{\"metadata\":{\"labels\":{\"touched\":\"yes\"}}}");
    int prc = k8s_patch(c, &K8S_RES_LEASES, K8S_NODE_LEASE_NS, node, NULL, K8S_PATCH_MERGE, p, NULL, &e);
    cJSON_Delete(p);
    CHECK(prc == 0, "patch: %s", fmt_err(&e));
    CHECK(k8s_node_lease_renew(l, &e) == 0, "renew: %s", fmt_err(&e));
    CHECK(k8s_get(c, &K8S_RES_LEASES, K8S_NODE_LEASE_NS, node, &o, &e) == 0, "get: %s", fmt_err(&e));
    const char *renew2 = cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(o, "spec"), "renewTime"));
    CHECK(renew2 && strcmp(renew1, renew2) && strlen(renew2) == 27, "renewTime not advanced (%s -> %s)", renew1,
          renew2 ? renew2 : "-");
    CHECK(strcmp(rv1, k8s_meta_str(o, "resourceVersion")), "resourceVersion unchanged");
    k8s_delete(c, &K8S_RES_LEASES, K8S_NODE_LEASE_NS, node, NULL, NULL, &e);
    free(renew1);
    free(rv1);
    cJSON_Delete(o);
    k8s_node_lease_free(l);
    k8s_client_free(c);
    return 0;
fail:
    free(renew1);
    free(rv1);
    cJSON_Delete(o);
    k8s_node_lease_free(l);
    k8s_client_free(c);
    return -1;
}

static int sc_leader(void)
{
    k8s_client *c = new_client(0);
    k8s_leader *a = NULL, *b = NULL;
    k8s_error e;
    CHECK(c, "no client");
    /* a lease long enough that a starved leader still renews in time */
    k8s_leader_opts oa = { .ns = g_ns, .name = "itest-leader", .identity = "cand-a", .lease_duration_s = 10,
                           .renew_deadline_ms = 7000, .retry_period_ms = 500, .release_on_cancel = 1 };
    k8s_leader_opts ob = oa;
    ob.identity = "cand-b";
    CHECK(k8s_leader_start(c, &oa, &a, &e) == 0, "start a: %s", fmt_err(&e));
    double t0 = clock_mono_s();
    while (!k8s_leader_is_leader(a) && clock_mono_s() - t0 < WAIT_S)
        msleep(20);
    CHECK(k8s_leader_is_leader(a), "a never led");
    CHECK(k8s_leader_start(c, &ob, &b, &e) == 0, "start b: %s", fmt_err(&e));
    /* longer than the lease, sampled throughout: a keeps renewing, b never takes it */
    t0 = clock_mono_s();
    int held = 1;
    while (held && clock_mono_s() - t0 < 11) {
        held = k8s_leader_is_leader(a) && !k8s_leader_is_leader(b);
        msleep(100);
    }
    CHECK(held, "leadership moved while a renewed (after %.1fs)", clock_mono_s() - t0);
    char h[64];
    CHECK(!strcmp(k8s_leader_holder(b, h, sizeof h), "cand-a"), "b observes holder %s", h);
    k8s_leader_stop(a); /* releases */
    a = NULL;
    t0 = clock_mono_s();
    while (!k8s_leader_is_leader(b) && clock_mono_s() - t0 < WAIT_S)
        msleep(20);
    CHECK(k8s_leader_is_leader(b), "b did not take over after a released");
    fprintf(stderr, "# takeover after release in %.2fs\n", clock_mono_s() - t0);
    k8s_leader_stop(b);
    k8s_client_free(c);
    return 0;
fail:
    k8s_leader_stop(a);
    k8s_leader_stop(b);
    k8s_client_free(c);
    return -1;
}

/* ---- informer on pods with a node field selector ---- */

static cJSON *pod(const char *name, const char *node)
{
    char *s = xasprintf("{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"%s\"},"
                        "\"spec\":{\"nodeName\":\"%s\",\"automountServiceAccountToken\":false,"
                        "\"containers\":[{\"name\":\"c\",\"image\":\"busybox\"}]}}",
                        name, node);
    cJSON *o = cJSON_Parse(s);
    free(s);
    return o;
}

static int create_pod(k8s_client *c, const char *name, const char *node, k8s_error *e)
{
    cJSON *p = pod(name, node);
    int rc = -1;
    for (int i = 0; i < 50; i++) { /* the namespace's default ServiceAccount may not exist yet */
        rc = k8s_create(c, &K8S_RES_PODS, g_ns, p, NULL, e);
        if (rc == 0 || e->code != K8S_E_FORBIDDEN)
            break;
        msleep(200);
    }
    cJSON_Delete(p);
    return rc;
}

static int sc_informer_pods(void)
{
    k8s_client *c = new_client(0);
    k8s_informer *inf = NULL;
    inf_ctx ctx;
    evlog_init(&ctx.log);
    k8s_error e;
    CHECK(c, "no client");
    CHECK(create_pod(c, "mine-1", "itest-node", &e) == 0, "create pod: %s", fmt_err(&e));
    CHECK(create_pod(c, "other-1", "other-node", &e) == 0, "create pod: %s", fmt_err(&e));
    k8s_informer_opts io = { .resource = &K8S_RES_PODS, .ns = NULL, .field_selector = "spec.nodeName=itest-node",
                             .handlers = { ih_add, ih_update, ih_delete, &ctx }, .on_error = ih_error };
    CHECK(k8s_informer_start(c, &io, &inf, &e) == 0, "start: %s", fmt_err(&e));
    CHECK(k8s_informer_wait_synced(inf, WAIT_S * 1000), "not synced");
    CHECK(k8s_informer_has_synced(inf), "has_synced");
    CHECK(k8s_informer_len(inf) == 1, "cache has %zu pods, want 1", k8s_informer_len(inf));
    CHECK(create_pod(c, "mine-2", "itest-node", &e) == 0, "create pod: %s", fmt_err(&e));
    CHECK(evlog_wait(&ctx.log, "ADD mine-2 -", WAIT_S), "ADD mine-2 not seen");
    k8s_delete_opts now = { .grace_period_seconds = 0 };
    CHECK(k8s_delete(c, &K8S_RES_PODS, g_ns, "mine-1", &now, NULL, &e) == 0, "delete: %s", fmt_err(&e));
    CHECK(evlog_wait(&ctx.log, "DELETE mine-1 -", WAIT_S), "DELETE mine-1 not seen");
    cJSON *got = k8s_informer_get(inf, g_ns, "mine-2");
    CHECK(got, "get mine-2 from the cache");
    cJSON_Delete(got);
    CHECK(!k8s_informer_get(inf, g_ns, "other-1"), "a pod of another node is cached");
    cJSON *all = k8s_informer_list(inf);
    int n = cJSON_GetArraySize(all);
    cJSON_Delete(all);
    CHECK(n == 1, "list copy has %d pods", n);
    k8s_informer_stop(inf);
    evlog_fini(&ctx.log);
    k8s_client_free(c);
    return 0;
fail:
    evlog_dump(&ctx.log);
    k8s_informer_stop(inf);
    evlog_fini(&ctx.log);
    k8s_client_free(c);
    return -1;
}

/* ---- TokenRequest, TokenReview, SubjectAccessReview, GET cache ---- */

static int sc_token(void)
{
    k8s_client *c = new_client(0);
    char *tok = NULL, *exp = NULL;
    cJSON *st = NULL, *spec = NULL, *a = NULL, *b = NULL;
    k8s_error e;
    CHECK(c, "no client");
    cJSON *sa = cJSON_Parse("{\"apiVersion\":\"v1\",\"kind\":\"ServiceAccount\",\"metadata\":{\"name\":\"itest-sa\"}}");
    int rc = k8s_create(c, &K8S_RES_SERVICEACCOUNTS, g_ns, sa, NULL, &e);
    cJSON_Delete(sa);
    CHECK(rc == 0 || e.code == K8S_E_ALREADY_EXISTS, "create sa: %s", fmt_err(&e));
    CHECK(k8s_token_request(c, g_ns, "itest-sa", NULL, 600, NULL, NULL, &tok, &exp, &e) == 0, "token request: %s",
          fmt_err(&e));
    CHECK(strlen(tok) > 20 && exp, "token looks wrong");
    CHECK(k8s_token_review(c, tok, NULL, &st, &e) == 0, "token review: %s", fmt_err(&e));
    CHECK(cJSON_IsTrue(cJSON_GetObjectItem(st, "authenticated")), "token not authenticated");
    char want[128];
    snprintf(want, sizeof want, "system:serviceaccount:%s:itest-sa", g_ns);
    const char *user = cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(st, "user"), "username"));
    CHECK(user && !strcmp(user, want), "username %s", user ? user : "-");
    spec = cJSON_CreateObject();
    cJSON_AddStringToObject(spec, "user", want);
    cJSON *ra = cJSON_AddObjectToObject(spec, "resourceAttributes");
    cJSON_AddStringToObject(ra, "verb", "delete");
    cJSON_AddStringToObject(ra, "resource", "nodes");
    int allowed = -1;
    char *reason = NULL;
    CHECK(k8s_subject_access_review(c, spec, &allowed, &reason, &e) == 0, "sar: %s", fmt_err(&e));
    free(reason);
    CHECK(allowed == 0, "a service account may delete nodes?");
    cJSON_ReplaceItemInObject(spec, "user", cJSON_CreateString("admin"));
    cJSON *groups = cJSON_AddArrayToObject(spec, "groups");
    cJSON_AddItemToArray(groups, cJSON_CreateString("system:masters"));
    CHECK(k8s_subject_access_review(c, spec, &allowed, NULL, &e) == 0 && allowed == 1, "system:masters denied");
    /* TTL GET cache */
    CHECK(create_cm(c, "cached", "cache", "v", "1", &e) == 0, "create: %s", fmt_err(&e));
    k8s_get_cache *gc = k8s_get_cache_new(c, 60000, 4);
    CHECK(k8s_get_cache_get(gc, &K8S_RES_CONFIGMAPS, g_ns, "cached", &a, &e) == 0, "cache get: %s", fmt_err(&e));
    unsigned long before = k8s_client_request_total(c);
    int grc = k8s_get_cache_get(gc, &K8S_RES_CONFIGMAPS, g_ns, "cached", &b, &e);
    unsigned long after = k8s_client_request_total(c);
    k8s_get_cache_free(gc);
    CHECK(grc == 0 && after == before, "second get was not served from the cache");
    free(exp);
    if (tok)
        memset(tok, 0, strlen(tok));
    free(tok);
    cJSON_Delete(st);
    cJSON_Delete(spec);
    cJSON_Delete(a);
    cJSON_Delete(b);
    k8s_client_free(c);
    return 0;
fail:
    free(exp);
    free(tok);
    cJSON_Delete(st);
    cJSON_Delete(spec);
    cJSON_Delete(a);
    cJSON_Delete(b);
    k8s_client_free(c);
    return -1;
}

static const struct {
    const char *name;
    int (*fn)(void);
} scenarios[] = {
    { "smoke", sc_smoke },
    { "paging", sc_paging },
    { "watch-order", sc_watch_order },
    { "watch-resume", sc_watch_resume },
    { "relist-410", sc_relist_410 },
    { "conflict", sc_conflict },
    { "bad-kubeconfig", sc_bad_kubeconfig },
    { "tls", sc_tls },
    { "events", sc_events },
    { "lease", sc_lease },
    { "leader", sc_leader },
    { "informer-pods", sc_informer_pods },
    { "token", sc_token },
};

static int ensure_namespace(void)
{
    k8s_client *c = new_client(0);
    if (!c)
        return -1;
    char *s = xasprintf("{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"%s\"}}", g_ns);
    cJSON *o = cJSON_Parse(s);
    free(s);
    k8s_error e;
    int rc = k8s_create(c, &K8S_RES_NAMESPACES, NULL, o, NULL, &e);
    cJSON_Delete(o);
    if (rc < 0 && e.code != K8S_E_ALREADY_EXISTS) {
        fprintf(stderr, "# create namespace: %s\n", fmt_err(&e));
        k8s_client_free(c);
        return -1;
    }
    k8s_client_free(c);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: %s KUBECONFIG NAMESPACE SCENARIO...|all\n", argv[0]);
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    g_kubeconfig = argv[1];
    g_ns = argv[2];
    if (ensure_namespace() < 0) {
        printf("not ok - namespace: cannot create %s\n", g_ns);
        return 1;
    }
    int failed = 0;
    size_t ns = sizeof scenarios / sizeof *scenarios;
    for (int i = 3; i < argc; i++) {
        int found = 0;
        for (size_t j = 0; j < ns; j++) {
            if (strcmp(argv[i], "all") && strcmp(argv[i], scenarios[j].name))
                continue;
            found = 1;
            g_why[0] = '\0';
            double t0 = clock_mono_s();
            int rc = scenarios[j].fn();
            if (rc == 0) {
                printf("ok - %s (%.1fs)\n", scenarios[j].name, clock_mono_s() - t0);
            } else {
                printf("not ok - %s: %s\n", scenarios[j].name, g_why);
                failed++;
            }
        }
        if (!found) {
            printf("not ok - %s: unknown scenario\n", argv[i]);
            failed++;
        }
    }
    return failed ? 1 : 0;
}
