/* The controllers (provider/podsync.c, statussync.c, eventsync.c, gc.c,
 * podstatus.c) against the fake backend and the fake apiserver of
 * tests/fakes/: create, update, delete, recovery after a restart, the GC
 * rules, the deadline, the status writer's retries, events, and a fault loop
 * that fails every call of a create, a delete and a recovery in turn, with
 * the pods reaching the controllers through a real informer (LIST and WATCH
 * on the fake apiserver). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "k8s/events.h"
#include "provider/controllers.h"
#include "provider/podmap/pod.h"
#include "tests/fakes/fake_apiserver.h"
#include "tests/fakes/fake_backend.h"
#include "util/log.h"
#include "util/xmalloc.h"

typedef struct rig {
    fake_backend *fb;
    fake_api *fa;
    prov_gm *gm;
    prov_wq *wq;
    k8s_recorder *rec;
    podmap_config trcfg;
    podmap_resolver resolver;
    prov_ctl c;
    k8s_store_handlers h;
    char *cluster, *node;
    /* With an informer: the pod informer over the fake apiserver (its own
     * store, filled by LIST and WATCH), the controllers' handlers (ph)
     * wrapped by h to note the resourceVersion of the last change they saw. */
    int with_informer;
    k8s_informer *inf;
    k8s_store_handlers ph;
    atomic_ulong handled;
} rig;

static void note_rv(rig *r, const cJSON *obj)
{
    const char *rv = k8s_meta_str(obj, "resourceVersion");
    if (rv)
        atomic_store(&r->handled, strtoul(rv, NULL, 10));
}

static void seen_add(const cJSON *obj, void *arg)
{
    rig *r = arg;
    r->ph.on_add(obj, r->ph.arg);
    note_rv(r, obj);
}

static void seen_update(const cJSON *old_obj, const cJSON *new_obj, void *arg)
{
    rig *r = arg;
    r->ph.on_update(old_obj, new_obj, r->ph.arg);
    note_rv(r, new_obj);
}

static void seen_delete(const cJSON *obj, void *arg)
{
    rig *r = arg;
    r->ph.on_delete(obj, r->ph.arg);
    note_rv(r, obj);
}

/* Wait until the informer's handlers have seen every change of the fake
 * apiserver (a failed watch is retried after a backoff: a generous deadline). */
static void informer_sync(rig *r)
{
    if (!r->inf)
        return;
    time_t until = time(NULL) + 120;
    while (atomic_load(&r->handled) < fa_resource_version(r->fa) && time(NULL) < until) {
        struct timespec ts = {0, 1000000L};
        nanosleep(&ts, NULL);
    }
    assert_true(atomic_load(&r->handled) >= fa_resource_version(r->fa));
}

static void informer_start(rig *r)
{
    prov_pod_handlers(&r->c, &r->ph);
    r->h = (k8s_store_handlers){.on_add = seen_add, .on_update = seen_update, .on_delete = seen_delete, .arg = r};
    k8s_informer_opts io = {.resource = &K8S_RES_PODS, .field_selector = "spec.nodeName=vk-test", .handlers = r->h};
    k8s_error err;
    fa_close_watches(r->fa, 0);
    assert_int_equal(k8s_informer_start(fa_client(r->fa), &io, &r->inf, &err), 0);
    /* The first LIST may meet an injected fault: it is retried. */
    assert_true(k8s_informer_wait_synced(r->inf, 120000));
    k8s_watch_stats ws;
    do
        k8s_informer_stats(r->inf, &ws);
    while (!ws.resource_version[0]);
    /* The listing's handlers ran before it counted as synced. */
    atomic_store(&r->handled, strtoul(ws.resource_version, NULL, 10));
    r->c.pods = k8s_informer_store(r->inf);
}

static void ctl_start(rig *r)
{
    memset(&r->c, 0, sizeof r->c);
    r->c.node_name = r->node;
    r->c.node_ip = "10.0.0.1";
    r->c.cluster_name = r->cluster;
    r->c.pods = fa_pods(r->fa);
    r->c.kc = fa_client(r->fa);
    r->c.rec = r->rec;
    r->c.gm = r->gm;
    r->c.wq = r->wq;
    r->c.be = fb_backend(r->fb);
    r->c.trcfg = &r->trcfg;
    r->c.resolver = &r->resolver;
    prov_ctl_init(&r->c);
    if (r->with_informer) {
        informer_start(r);
        return;
    }
    prov_pod_handlers(&r->c, &r->h);
    fa_set_handlers(r->fa, &r->h);
}

static void ctl_stop(rig *r)
{
    if (r->inf) {
        fa_close_watches(r->fa, 1);
        k8s_informer_stop(r->inf);
        r->inf = NULL;
    }
    fa_set_handlers(r->fa, NULL);
    prov_ctl_destroy(&r->c);
}

/* A rig whose controllers see the fake apiserver's own store (its changes
 * applied with their handlers at once) or, with_informer, a pod informer's. */
static rig *rig_new_with(const char *cluster, const char *node, int with_informer)
{
    rig *r = xcalloc(1, sizeof *r);
    r->with_informer = with_informer;
    r->cluster = xstrdup(cluster);
    r->node = xstrdup(node);
    r->fb = fb_new(cluster, node);
    r->fa = fa_new();
    r->gm = prov_gm_new();
    r->wq = prov_wq_new(1, 4);
    k8s_recorder_opts ro = {.component = "eci-kubelet", .host = node, .qps = 1e6, .burst = 1000000,
                            .object_qps = -1};
    r->rec = k8s_recorder_new(fa_client(r->fa), &ro);
    r->trcfg = (podmap_config){.cluster_name = r->cluster, .node_name = r->node, .region = "cn-hangzhou",
                               .vswitch_ids = "vsw-1", .security_group_id = "sg-1", .node_ip = "10.0.0.1"};
    ctl_start(r);
    return r;
}

static rig *rig_new(const char *cluster, const char *node) { return rig_new_with(cluster, node, 0); }

/* A restart: a new context and group map over the same cloud and apiserver. */
static void restart(rig *r)
{
    ctl_stop(r);
    prov_gm_free(r->gm);
    prov_wq_free(r->wq);
    r->gm = prov_gm_new();
    r->wq = prov_wq_new(1, 4);
    ctl_start(r);
}

static void rig_free(rig *r)
{
    ctl_stop(r);
    k8s_recorder_free(r->rec);
    prov_wq_free(r->wq);
    prov_gm_free(r->gm);
    fa_free(r->fa);
    fb_free(r->fb);
    free(r->cluster);
    free(r->node);
    free(r);
}

/* Run the queued keys as the workers would, until none is ready within a
 * little while (backoffs here are at most 4 ms) or 500 reconciles were run
 * (a call failing for good is retried without end); with an informer, once
 * it has seen every change, and again while the reconciles made changes. */
static void drain(rig *r)
{
    int budget = 500;
    for (;;) {
        informer_sync(r);
        char *key;
        while (budget > 0 && (key = prov_wq_get_within(r->wq, 10)) != NULL) {
            budget--;
            if (prov_sync_pod(&r->c, key) == 0)
                prov_wq_forget(r->wq, key);
            else
                prov_wq_add_rate_limited(r->wq, key);
            prov_wq_done(r->wq, key);
            free(key);
        }
        if (!r->inf || budget == 0 || atomic_load(&r->handled) >= fa_resource_version(r->fa))
            break;
    }
    informer_sync(r);
}

static void add_pod(rig *r, const char *name, const char *uid)
{
    fa_put_pod(r->fa, fa_pod("default", name, uid, "nginx:1"));
}

static void set_field(rig *r, const char *name, const char *obj, const char *field, cJSON *v)
{
    cJSON *p = fa_get_pod(r->fa, "default", name);
    assert_non_null(p);
    cJSON *o = cJSON_GetObjectItemCaseSensitive(p, obj);
    cJSON_DeleteItemFromObjectCaseSensitive(o, field);
    cJSON_AddItemToObject(o, field, v);
    fa_put_pod(r->fa, p);
}

static void mark_deleting(rig *r, const char *name)
{
    set_field(r, name, "metadata", "deletionTimestamp", cJSON_CreateString("2024-05-01T12:00:00Z"));
}

static void expect_phase(rig *r, const char *name, const char *phase, const char *reason)
{
    char ph[64], re[64];
    fa_phase(r->fa, "default", name, ph, re);
    assert_string_equal(ph, phase);
    if (reason)
        assert_string_equal(re, reason);
}

/* ---- create, status, update, delete ---------------------------------------- */

static void test_create_status_delete(void **state)
{
    (void)state;
    rig *r = rig_new("c1", "vk-test");
    add_pod(r, "web", "uid-1");
    drain(r);
    assert_int_equal(fb_count_uid(r->fb, "uid-1"), 1);
    char *gid = fb_group_of(r->fb, "uid-1");
    char *v = fb_tag(r->fb, gid, "eci-kubelet/pod");
    assert_string_equal(v, "web");
    free(v);
    /* no Event of the bridge's own for the group (a kubelet writes none for its sandbox) */
    assert_int_equal(fa_events(r->fa, "web", "ContainerGroupCreated", NULL), 0);
    /* a second reconcile changes nothing */
    prov_wq_add(r->wq, "default/web/uid-1");
    drain(r);
    assert_int_equal(fb_calls(r->fb, FB_CREATE), 1);

    fb_set_status(r->fb, gid, "Running");
    prov_status_poll(&r->c, 1, 0);
    expect_phase(r, "web", "Running", NULL);
    unsigned patches = fa_calls(r->fa, "PATCH");
    prov_status_poll(&r->c, 1, 0); /* unchanged: no write */
    assert_int_equal(fa_calls(r->fa, "PATCH"), patches);

    mark_deleting(r, "web");
    drain(r);
    assert_int_equal(fb_count(r->fb), 0);
    assert_null(fa_get_pod(r->fa, "default", "web"));
    assert_int_equal(prov_gm_count(r->gm), 0);
    free(gid);
    rig_free(r);
}

/* Graceful deletion: the pod stays Terminating after DeleteContainerGroup
 * until ECI no longer has the group (termsync.c), not for its whole grace
 * period; then it gets a terminal status and is deleted. */
static void test_graceful_delete_follows_eci(void **state)
{
    (void)state;
    rig *r = rig_new("c1", "vk-test");
    add_pod(r, "web", "uid-g");
    drain(r);
    char *gid = fb_group_of(r->fb, "uid-g");
    fb_set_status(r->fb, gid, "Running");
    prov_status_poll(&r->c, 1, 0);
    expect_phase(r, "web", "Running", NULL);
    char ts[40];
    time_t later = time(NULL) + 300;
    struct tm tm;
    gmtime_r(&later, &tm);
    strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
    set_field(r, "web", "metadata", "deletionGracePeriodSeconds", cJSON_CreateNumber(300));
    set_field(r, "web", "metadata", "deletionTimestamp", cJSON_CreateString(ts));
    drain(r);
    assert_int_equal(fb_count(r->fb), 0);                    /* the group was deleted at once */
    assert_int_equal(fa_events(r->fa, "web", "Killing", NULL), 1); /* "Stopping container ..." */
    cJSON *p = fa_get_pod(r->fa, "default", "web");
    assert_non_null(p); /* the pod waits for ECI */
    cJSON_Delete(p);
    assert_int_equal(prov_term_poll(&r->c), 1);              /* ECI no longer has the group */
    assert_int_equal(prov_term_poll(&r->c), 0);              /* nothing left to follow */
    drain(r);
    assert_null(fa_get_pod(r->fa, "default", "web"));
    assert_int_equal(prov_gm_count(r->gm), 0);
    free(gid);
    rig_free(r);
}

static void test_update_images(void **state)
{
    (void)state;
    rig *r = rig_new("c1", "vk-test");
    add_pod(r, "web", "uid-1");
    drain(r);
    cJSON *p = fa_get_pod(r->fa, "default", "web");
    cJSON *c0 = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(p, "spec"),
                                                                   "containers"),
                                   0);
    cJSON_ReplaceItemInObjectCaseSensitive(c0, "image", cJSON_CreateString("nginx:2"));
    fa_put_pod(r->fa, p);
    drain(r);
    assert_int_equal(fb_calls(r->fb, FB_UPDATE), 1);
    assert_int_equal(fa_events(r->fa, "web", "ContainerGroupUpdated", NULL), 1);
    assert_int_equal(fb_calls(r->fb, FB_CREATE), 1);
    rig_free(r);
}

static void test_pod_gone_deletes_group(void **state)
{
    (void)state;
    rig *r = rig_new("c1", "vk-test");
    add_pod(r, "web", "uid-1");
    drain(r);
    fa_remove_pod(r->fa, "default", "web");
    drain(r);
    assert_int_equal(fb_count(r->fb), 0);
    /* a new pod of the same name (another uid) gets its own group */
    add_pod(r, "web", "uid-2");
    drain(r);
    assert_int_equal(fb_count_uid(r->fb, "uid-2"), 1);
    assert_int_equal(fb_count(r->fb), 1);
    rig_free(r);
}

/* ---- recovery and GC ----------------------------------------------------------- */

static void test_recovery_rules(void **state)
{
    (void)state;
    rig *r = rig_new("c1", "vk-test");
    add_pod(r, "web", "uid-1");
    char *kept = fb_add_group(r->fb, "default", "web", "uid-1", "Running");
    char *second = fb_add_group(r->fb, "default", "web", "uid-1", "Running");
    char *orphan = fb_add_group(r->fb, "default", "old", "uid-9", "Running");
    char *stale = fb_add_group(r->fb, "default", "web", "uid-0", "Running"); /* an earlier incarnation */
    assert_int_equal(prov_recover(&r->c), 0);
    assert_int_equal(prov_gm_count(r->gm), 1);
    assert_int_equal(fb_count_uid(r->fb, "uid-1"), 1);
    assert_int_equal(fb_count_uid(r->fb, "uid-9"), 0);
    assert_int_equal(fb_count_uid(r->fb, "uid-0"), 0);
    prov_gm_entry e;
    assert_int_equal(prov_gm_get(r->gm, "uid-1", &e), 0);
    assert_string_equal(e.group_id, kept);
    drain(r);
    assert_int_equal(fb_calls(r->fb, FB_CREATE), 0);
    /* a group appearing later (found by the status poll) follows the same rules */
    char *late = fb_add_group(r->fb, "default", "gone", "uid-7", "Running");
    prov_status_poll(&r->c, 1, 0);
    assert_int_equal(fb_count_uid(r->fb, "uid-7"), 0);
    assert_int_equal(fb_count(r->fb), 1);
    free(kept);
    free(second);
    free(orphan);
    free(stale);
    free(late);
    rig_free(r);
}

/* A group ECI already stops, which the map no longer holds (its pod's final
 * status was written before ECI dropped the group), is not the GC's: it is
 * neither adopted again nor deleted a second time. */
static void test_gc_leaves_terminating_groups(void **state)
{
    (void)state;
    rig *r = rig_new("c1", "vk-test");
    add_pod(r, "web", "uid-1");
    assert_int_equal(prov_recover(&r->c), 0);
    char *going = fb_add_group(r->fb, "default", "web", "uid-1", "Terminating");
    char *gone = fb_add_group(r->fb, "default", "old", "uid-9", "Terminating");
    int del = fb_calls(r->fb, FB_DELETE), ds = fb_calls(r->fb, FB_DESCRIBE);
    prov_status_poll(&r->c, 1, 0);
    assert_int_equal(fb_calls(r->fb, FB_DELETE), del);
    assert_int_equal(fb_calls(r->fb, FB_DESCRIBE), ds);
    prov_gm_entry e;
    assert_int_not_equal(prov_gm_get_by_group(r->gm, going, &e), 0);
    /* the same groups still running are the GC's: adopted, and deleted as an orphan */
    fb_set_status(r->fb, going, "Running");
    fb_set_status(r->fb, gone, "Running");
    prov_status_poll(&r->c, 1, 0);
    assert_int_equal(prov_gm_get_by_group(r->gm, going, &e), 0);
    assert_int_equal(fb_count_uid(r->fb, "uid-9"), 0);
    free(going);
    free(gone);
    rig_free(r);
}

static void test_restart_keeps_groups(void **state)
{
    (void)state;
    rig *r = rig_new("c1", "vk-test");
    add_pod(r, "a", "uid-a");
    add_pod(r, "b", "uid-b");
    drain(r);
    assert_int_equal(fb_count(r->fb), 2);
    restart(r);
    assert_int_equal(prov_recover(&r->c), 0);
    assert_int_equal(prov_gm_count(r->gm), 2);
    drain(r);
    assert_int_equal(fb_count(r->fb), 2);
    assert_int_equal(fb_calls(r->fb, FB_CREATE), 2);
    rig_free(r);
}

/* Bug 1: tag values are shortened to 128 characters; recovery must compare
 * through the same function (pod, node and cluster names). */
static void test_long_names_survive_restart(void **state)
{
    (void)state;
    char node[201], cluster[201], pod[201];
    memset(node, 'n', 200);
    memset(cluster, 'c', 200);
    memset(pod, 'p', 200);
    node[200] = cluster[200] = pod[200] = 0;
    rig *r = rig_new(cluster, node);
    add_pod(r, pod, "uid-long");
    drain(r);
    assert_int_equal(fb_count_uid(r->fb, "uid-long"), 1);
    char *gid = fb_group_of(r->fb, "uid-long");
    char *tv = fb_tag(r->fb, gid, "eci-kubelet/pod");
    assert_true(strlen(tv) <= 128);
    free(tv);
    restart(r);
    assert_int_equal(prov_recover(&r->c), 0);
    assert_int_equal(prov_gm_count(r->gm), 1);
    assert_int_equal(fb_count_uid(r->fb, "uid-long"), 1);
    prov_status_poll(&r->c, 1, 0);
    drain(r);
    char *after = fb_group_of(r->fb, "uid-long");
    assert_non_null(after);
    assert_string_equal(after, gid);
    assert_int_equal(fb_calls(r->fb, FB_CREATE), 1);
    free(after);
    free(gid);
    rig_free(r);
}

/* Pods run with their first status written (the group id annotation and
 * the ContainerInstanceCreated condition), then a restart. */
static void run_pods(rig *r, const char *const *names, const char *const *uids, size_t n)
{
    for (size_t i = 0; i < n; i++)
        add_pod(r, names[i], uids[i]);
    drain(r);
    for (size_t i = 0; i < n; i++) {
        char *g = fb_group_of(r->fb, uids[i]);
        assert_non_null(g);
        fb_set_status(r->fb, g, "Running");
        free(g);
    }
    prov_status_poll(&r->c, 1, 0);
    for (size_t i = 0; i < n; i++)
        expect_phase(r, names[i], "Running", NULL);
}

/* The groups named by their pods' status are adopted from the listing alone
 * (one DescribeContainerGroupStatus, no DescribeContainerGroups by id),
 * including a pod name too long for a group name as it is; only the group
 * no pod names (a pod whose first status was never written) is described,
 * by id, and adopted by its tags; nothing is created. */
static void test_recovery_by_pod_status(void **state)
{
    (void)state;
    char longname[201];
    memset(longname, 'p', 200);
    longname[200] = 0;
    rig *r = rig_new("c1", "vk-test");
    run_pods(r, (const char *const[]){"a", "b", longname}, (const char *const[]){"uid-a", "uid-b", "uid-l"}, 3);
    add_pod(r, "fresh", "uid-f"); /* its group exists, its status not yet */
    drain(r);
    assert_int_equal(fb_count(r->fb), 4);
    restart(r);
    unsigned st = fb_calls(r->fb, FB_STATUS), ds = fb_calls(r->fb, FB_DESCRIBE);
    assert_int_equal(prov_recover(&r->c), 0);
    assert_int_equal(fb_calls(r->fb, FB_STATUS) - st, 1);
    assert_int_equal(fb_calls(r->fb, FB_DESCRIBE) - ds, 1); /* "fresh" only */
    assert_int_equal(prov_gm_count(r->gm), 4);
    for (const char *const *u = (const char *const[]){"uid-a", "uid-b", "uid-l", "uid-f", NULL}; *u; u++) {
        prov_gm_entry e;
        char *g = fb_group_of(r->fb, *u);
        assert_int_equal(prov_gm_get(r->gm, *u, &e), 0);
        assert_string_equal(e.group_id, g);
        free(g);
    }
    drain(r);
    assert_int_equal(fb_calls(r->fb, FB_CREATE), 4);
    assert_int_equal(fb_count(r->fb), 4);
    rig_free(r);
}

/* A pod deleted and made again under the same name while the bridge was
 * down, from a copy of the old one (its annotations, the old group's id
 * among them, copied; a new uid; the status the apiserver resets): the old
 * group is not the new pod's. It is described, found to be the old pod's
 * by its tags, and deleted as an orphan; the new pod gets its own group. */
static void test_recovery_recreated_pod(void **state)
{
    (void)state;
    rig *r = rig_new("c1", "vk-test");
    run_pods(r, (const char *const[]){"web"}, (const char *const[]){"uid-1"}, 1);
    char *old = fb_group_of(r->fb, "uid-1");
    cJSON *p = fa_get_pod(r->fa, "default", "web");
    cJSON *ann = cJSON_DetachItemFromObjectCaseSensitive(cJSON_GetObjectItemCaseSensitive(p, "metadata"),
                                                         "annotations");
    cJSON_Delete(p);
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(ann, "k8s.aliyun.com/eci-instance-id")),
                        old);
    fa_remove_pod(r->fa, "default", "web");
    cJSON *again = fa_pod("default", "web", "uid-2", "nginx:1");
    cJSON_AddItemToObject(cJSON_GetObjectItemCaseSensitive(again, "metadata"), "annotations", ann);
    fa_put_pod(r->fa, again);
    restart(r); /* the keys queued by those changes go with the old queue, unsynced */
    unsigned ds = fb_calls(r->fb, FB_DESCRIBE);
    assert_int_equal(prov_recover(&r->c), 0);
    assert_int_equal(fb_calls(r->fb, FB_DESCRIBE) - ds, 1);
    assert_int_equal(prov_gm_count(r->gm), 0);
    assert_int_equal(fb_count_uid(r->fb, "uid-1"), 0); /* the orphan is deleted */
    prov_wq_add(r->wq, "default/web/uid-2"); /* as the informer's first listing does */
    drain(r);
    assert_int_equal(fb_count_uid(r->fb, "uid-2"), 1);
    assert_int_equal(fb_count(r->fb), 1);
    char *now = fb_group_of(r->fb, "uid-2");
    assert_string_not_equal(now, old);
    free(now);
    free(old);
    rig_free(r);
}

/* The annotation (and condition) name a group ECI no longer has: nothing in
 * the listing matches it, nothing is described for it, and the pod is left
 * to its sync as a pod without a group; an orphan group beside it (its pod
 * gone) is described and deleted. Two pods naming one group (a copy the
 * apiserver would not make) adopt it by neither: its tags decide. */
static void test_recovery_stale_annotations(void **state)
{
    (void)state;
    rig *r = rig_new("c1", "vk-test");
    run_pods(r, (const char *const[]){"gone", "kept"}, (const char *const[]){"uid-g", "uid-k"}, 2);
    char *gone = fb_group_of(r->fb, "uid-g");
    char *kept = fb_group_of(r->fb, "uid-k");
    fb_remove(r->fb, gone);
    char *orphan = fb_add_group(r->fb, "default", "old", "uid-9", "Running");
    /* "twin": a pod carrying kept's annotations and status under another uid */
    cJSON *twin = fa_get_pod(r->fa, "default", "kept");
    cJSON *md = cJSON_GetObjectItemCaseSensitive(twin, "metadata");
    cJSON_ReplaceItemInObjectCaseSensitive(md, "name", cJSON_CreateString("twin"));
    cJSON_ReplaceItemInObjectCaseSensitive(md, "uid", cJSON_CreateString("uid-t"));
    fa_put_pod(r->fa, twin);
    restart(r);
    unsigned ds = fb_calls(r->fb, FB_DESCRIBE);
    assert_int_equal(prov_recover(&r->c), 0);
    assert_int_equal(fb_calls(r->fb, FB_DESCRIBE) - ds, 1); /* kept and the orphan, one call */
    prov_gm_entry e;
    assert_int_equal(prov_gm_get(r->gm, "uid-k", &e), 0); /* by its tags */
    assert_string_equal(e.group_id, kept);
    assert_int_not_equal(prov_gm_get(r->gm, "uid-t", &e), 0);
    assert_int_not_equal(prov_gm_get(r->gm, "uid-g", &e), 0);
    assert_int_equal(prov_gm_count(r->gm), 1);
    assert_int_equal(fb_count_uid(r->fb, "uid-9"), 0);
    assert_int_equal(fb_count_uid(r->fb, "uid-k"), 1);
    free(gone);
    free(kept);
    free(orphan);
    rig_free(r);
}

static void test_vanished_group_fails_pod(void **state)
{
    (void)state;
    rig *r = rig_new("c1", "vk-test");
    add_pod(r, "web", "uid-1");
    drain(r);
    prov_gm_entry e;
    assert_int_equal(prov_gm_get(r->gm, "uid-1", &e), 0);
    e.created = time(NULL) - 3600; /* past the grace a new group gets */
    prov_gm_put(r->gm, &e);
    fb_remove(r->fb, e.group_id);
    prov_status_poll(&r->c, 1, 0);
    expect_phase(r, "web", "Failed", "ContainerGroupNotFound");
    assert_int_equal(prov_gm_count(r->gm), 0);
    drain(r);
    assert_int_equal(fb_count(r->fb), 0); /* a Failed pod gets no new group */
    rig_free(r);
}

/* ---- the deadline (bug 2) ------------------------------------------------------ */

static void start_deadline(rig *r, const char *name)
{
    set_field(r, name, "spec", "activeDeadlineSeconds", cJSON_CreateNumber(1));
    set_field(r, name, "status", "startTime", cJSON_CreateString("2024-05-01T12:00:00Z"));
}

static void test_deadline_retries_delete(void **state)
{
    (void)state;
    rig *r = rig_new("c1", "vk-test");
    add_pod(r, "job", "uid-1");
    drain(r);
    fb_fail(r->fb, FB_DELETE, 1, 1, 0, 0); /* every delete fails */
    start_deadline(r, "job");
    for (int i = 0; i < 5; i++)
        assert_int_equal(prov_sync_pod(&r->c, "default/job/uid-1"), -1);
    assert_int_equal(fb_count(r->fb), 1);
    fb_heal(r->fb);
    drain(r);
    assert_int_equal(prov_sync_pod(&r->c, "default/job/uid-1"), 0);
    assert_int_equal(fb_count(r->fb), 0);
    expect_phase(r, "job", "Failed", "DeadlineExceeded");
    drain(r);
    assert_int_equal(fb_calls(r->fb, FB_CREATE), 1);
    rig_free(r);
}

static void test_deadline_when_already_failed(void **state)
{
    (void)state;
    rig *r = rig_new("c1", "vk-test");
    add_pod(r, "job", "uid-1");
    drain(r);
    /* ECI ended the group first (it was given the deadline too) */
    set_field(r, "job", "status", "phase", cJSON_CreateString("Failed"));
    set_field(r, "job", "status", "reason", cJSON_CreateString("Error"));
    start_deadline(r, "job");
    drain(r);
    assert_int_equal(fb_count(r->fb), 0);
    expect_phase(r, "job", "Failed", "DeadlineExceeded");
    rig_free(r);
}

/* ---- the status writer (bug 3) ------------------------------------------------- */

static void test_failed_status_write_is_retried(void **state)
{
    (void)state;
    rig *r = rig_new("c1", "vk-test");
    fb_fail(r->fb, FB_CREATE, 1, 1, 0, ECI_E_INVALID_ARG); /* a request ECI refuses fails the pod */
    fa_fail(r->fa, 1, 0);                                   /* the status write fails */
    add_pod(r, "bad", "uid-1");
    assert_int_equal(prov_sync_pod(&r->c, "default/bad/uid-1"), -1);
    expect_phase(r, "bad", "Pending", NULL);
    fa_heal(r->fa);
    fb_heal(r->fb);
    drain(r);
    expect_phase(r, "bad", "Failed", "ProviderFailed");
    assert_int_equal(fa_events(r->fa, "bad", "ProviderFailed", NULL), 1);
    rig_free(r);
}

static void test_pending_status_write_is_retried(void **state)
{
    (void)state;
    rig *r = rig_new("c1", "vk-test");
    fb_fail(r->fb, FB_CREATE, 1, 1, 0, ECI_E_AUTH); /* credentials rejected: Pending, retried */
    fa_fail(r->fa, 1, 0);                           /* the first status write fails */
    add_pod(r, "web", "uid-1");
    assert_int_equal(prov_sync_pod(&r->c, "default/web/uid-1"), -1);
    char ph[64], re[64];
    fa_phase(r->fa, "default", "web", ph, re);
    assert_string_equal(re, "");
    assert_int_equal(prov_sync_pod(&r->c, "default/web/uid-1"), -1);
    expect_phase(r, "web", "Pending", "ProviderRetry");
    fb_heal(r->fb);
    drain(r);
    assert_int_equal(fb_count_uid(r->fb, "uid-1"), 1);
    rig_free(r);
}

static void test_running_status_write_is_retried(void **state)
{
    (void)state;
    rig *r = rig_new("c1", "vk-test");
    add_pod(r, "web", "uid-1");
    drain(r);
    char *gid = fb_group_of(r->fb, "uid-1");
    fb_set_status(r->fb, gid, "Running");
    fa_fail(r->fa, 1, 0);
    prov_status_poll(&r->c, 0, 15);
    expect_phase(r, "web", "Pending", NULL);
    drain(r); /* the pod's key came back and wrote the kept status */
    expect_phase(r, "web", "Running", NULL);
    free(gid);
    rig_free(r);
}

/* ---- the status sync's workers ------------------------------------------------ */

static void settle(rig *r);

/* n pods p0..p(n-1) with their groups, the status sync on 4 workers. */
static rig *rig_pods(int n)
{
    rig *r = rig_new("c1", "vk-test");
    r->c.status_workers = 4;
    for (int i = 0; i < n; i++) {
        char name[32], uid[32];
        snprintf(name, sizeof name, "p%d", i);
        snprintf(uid, sizeof uid, "uid-%d", i);
        add_pod(r, name, uid);
    }
    drain(r);
    assert_int_equal(fb_count(r->fb), (size_t)n);
    return r;
}

static void set_all_status(rig *r, int n, const char *status)
{
    for (int i = 0; i < n; i++) {
        char uid[32];
        snprintf(uid, sizeof uid, "uid-%d", i);
        char *g = fb_group_of(r->fb, uid);
        fb_set_status(r->fb, g, status);
        free(g);
    }
}

static int count_phase(rig *r, int n, const char *phase)
{
    int k = 0;
    for (int i = 0; i < n; i++) {
        char name[32], ph[64], re[64];
        snprintf(name, sizeof name, "p%d", i);
        fa_phase(r->fa, "default", name, ph, re);
        k += strcmp(ph, phase) == 0;
    }
    return k;
}

/* The group's annotations (its id, the create's RequestId) are written in
 * the patch of the pod's first status, not in a request of their own. */
static void test_annotations_ride_with_status(void **state)
{
    (void)state;
    rig *r = rig_new("c1", "vk-test");
    add_pod(r, "web", "uid-1");
    unsigned patches = fa_calls(r->fa, "PATCH");
    drain(r);
    assert_int_equal(fa_calls(r->fa, "PATCH"), patches); /* the create writes nothing on the pod */
    char *gid = fb_group_of(r->fb, "uid-1");
    fb_set_status(r->fb, gid, "Running");
    prov_status_poll(&r->c, 0, 15);
    assert_int_equal(fa_calls(r->fa, "PATCH"), patches + 1);
    expect_phase(r, "web", "Running", NULL);
    cJSON *p = fa_get_pod(r->fa, "default", "web");
    const cJSON *ann = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(p, "metadata"), "annotations");
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(ann, "k8s.aliyun.com/eci-instance-id")),
                        gid);
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(ann, "k8s.aliyun.com/eci-request-id")),
                        "fake-request-1");
    cJSON_Delete(p);
    prov_status_poll(&r->c, 1, 0); /* nothing new: no write */
    assert_int_equal(fa_calls(r->fa, "PATCH"), patches + 1);
    free(gid);
    rig_free(r);
}

/* 130 changed groups are 7 batches of 20: the describes run side by side
 * (the fake holds each until two are in progress), and every pod gets its
 * status, once. */
static void test_status_batches_in_parallel(void **state)
{
    (void)state;
    enum { N = 130 };
    rig *r = rig_pods(N);
    set_all_status(r, N, "Running");
    fb_gate_describes(r->fb, 2);
    unsigned describes = fb_calls(r->fb, FB_DESCRIBE), patches = fa_calls(r->fa, "PATCH");
    prov_status_poll(&r->c, 0, 15);
    assert_true(fb_describe_peak(r->fb) >= 2);
    assert_int_equal(fb_calls(r->fb, FB_DESCRIBE) - describes, (N + 19) / 20);
    assert_int_equal(count_phase(r, N, "Running"), N);
    assert_int_equal(fa_calls(r->fa, "PATCH") - patches, N);
    assert_int_equal(fa_status_overlaps(r->fa), 0);
    patches = fa_calls(r->fa, "PATCH");
    prov_status_poll(&r->c, 0, 15); /* nothing moved: no describe, no write */
    assert_int_equal(fa_calls(r->fa, "PATCH"), patches);
    assert_int_equal(fb_calls(r->fb, FB_DESCRIBE) - describes, (N + 19) / 20);
    rig_free(r);
}

typedef struct drainer {
    rig *r;
    int rounds;
} drainer;

/* The reconcile workers' side: flush kept statuses while the status sync runs. */
static void *drain_thread(void *arg)
{
    drainer *d = arg;
    for (int i = 0; i < d->rounds; i++)
        drain(d->r);
    return NULL;
}

/* Where a phase comes in a group's life; a pod's writes must never go back. */
static int phase_rank(const char *ph)
{
    return strcmp(ph, "Pending") == 0 ? 0 : strcmp(ph, "Running") == 0 ? 1 : strcmp(ph, "Failed") == 0 ? 2 : -1;
}

/* Each pod's status written by the status sync's workers and, for the same
 * pod at the same time, by the reconcile of its key (a kept older status):
 * never two PATCHes of one pod at once, never an older phase after a newer. */
static void test_status_one_writer_per_pod(void **state)
{
    (void)state;
    enum { N = 60 };
    rig *r = rig_pods(N);
    fa_set_status_delay_us(r->fa, 300);
    static const char *const steps[] = {"Pending", "Running", "Failed"};
    for (size_t s = 0; s < sizeof steps / sizeof *steps; s++) {
        /* Every write of this step's status fails: each pod keeps it and
         * its key is queued. */
        set_all_status(r, N, steps[s]);
        fa_fail(r->fa, 1, 1);
        prov_status_poll(&r->c, 0, 15);
        fa_heal(r->fa);
        if (s + 1 < sizeof steps / sizeof *steps)
            set_all_status(r, N, steps[s + 1]); /* ECI moves on */
        drainer d = {r, 3};
        pthread_t t;
        assert_int_equal(pthread_create(&t, NULL, drain_thread, &d), 0);
        prov_status_poll(&r->c, 0, 15);
        pthread_join(t, NULL);
        settle(r);
    }
    assert_int_equal(fa_status_overlaps(r->fa), 0);
    for (int i = 0; i < N; i++) {
        char name[32];
        snprintf(name, sizeof name, "p%d", i);
        char *h = fa_status_history(r->fa, "default", name), *save = NULL;
        int last = -1;
        for (char *tok = strtok_r(h, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
            int rank = phase_rank(tok);
            if (rank < last)
                fail_msg("pod %s: %s written after a later phase", name, tok);
            last = rank;
        }
        assert_int_equal(last, 2);
        free(h);
    }
    assert_int_equal(count_phase(r, N, "Failed"), N);
    rig_free(r);
}

/* One PATCH of a concurrent poll fails: that pod keeps its status and its
 * key comes back; its reconcile writes it; nothing else is written. */
static void test_status_failed_patch_requeued(void **state)
{
    (void)state;
    enum { N = 90 };
    rig *r = rig_pods(N);
    set_all_status(r, N, "Running");
    fa_fail(r->fa, 7, 0);
    unsigned calls = fa_calls(r->fa, NULL);
    prov_status_poll(&r->c, 0, 15);
    assert_int_equal(fa_calls(r->fa, NULL) - calls, N); /* a PATCH per pod, the failed one too */
    assert_int_equal(count_phase(r, N, "Running"), N - 1);
    assert_int_equal(cJSON_GetArraySize(r->c.pending_status), 1);
    assert_int_equal(prov_wq_len(r->wq), 1);
    drain(r);
    assert_int_equal(count_phase(r, N, "Running"), N);
    assert_int_equal(cJSON_GetArraySize(r->c.pending_status), 0);
    calls = fa_calls(r->fa, NULL);
    prov_status_poll(&r->c, 0, 15); /* the failed one's group described again; the status is right */
    assert_int_equal(fa_calls(r->fa, NULL), calls);
    rig_free(r);
}

/* ---- status written by others ------------------------------------------------ */

/* The status of the pod's condition of type ("" when it has none); buf of 16. */
static const char *condition(rig *r, const char *name, const char *type, char *buf)
{
    buf[0] = '\0';
    cJSON *p = fa_get_pod(r->fa, "default", name);
    const cJSON *c;
    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(p, "status"), "conditions"))
    {
        const char *t = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "type"));
        const char *v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "status"));
        if (t && v && strcmp(t, type) == 0)
            snprintf(buf, 16, "%s", v);
    }
    cJSON_Delete(p);
    return buf;
}

/* Another writer sets the pod's condition of type (added when missing), as
 * the node lifecycle controller's MarkPodsNotReady or a readiness gate's
 * controller does; the informer sees the change. */
static void set_condition(rig *r, const char *name, const char *type, const char *status)
{
    cJSON *p = fa_get_pod(r->fa, "default", name);
    if (!p)
        return; /* (called on the status loop's thread too: no cmocka assertion there) */
    cJSON *st = cJSON_GetObjectItemCaseSensitive(p, "status");
    cJSON *conds = cJSON_GetObjectItemCaseSensitive(st, "conditions");
    if (!conds)
        conds = cJSON_AddArrayToObject(st, "conditions");
    cJSON *c, *found = NULL;
    cJSON_ArrayForEach(c, conds)
    {
        const char *t = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "type"));
        if (t && strcmp(t, type) == 0)
            found = c;
    }
    if (!found) {
        found = cJSON_CreateObject();
        cJSON_AddStringToObject(found, "type", type);
        cJSON_AddItemToArray(conds, found);
    }
    cJSON_DeleteItemFromObjectCaseSensitive(found, "status");
    cJSON_AddStringToObject(found, "status", status);
    fa_put_pod(r->fa, p);
}

/* A pod web (uid-1, readiness gates of the types given, NULL-terminated)
 * whose group runs, its status written. */
static rig *rig_running(const char *const *gates)
{
    rig *r = rig_new("c1", "vk-test");
    cJSON *p = fa_pod("default", "web", "uid-1", "nginx:1");
    if (gates && *gates) {
        cJSON *rg = cJSON_AddArrayToObject(cJSON_GetObjectItemCaseSensitive(p, "spec"), "readinessGates");
        for (; *gates; gates++) {
            cJSON *g = cJSON_CreateObject();
            cJSON_AddStringToObject(g, "conditionType", *gates);
            cJSON_AddItemToArray(rg, g);
        }
    }
    fa_put_pod(r->fa, p);
    drain(r);
    char *gid = fb_group_of(r->fb, "uid-1");
    fb_set_status(r->fb, gid, "Running");
    free(gid);
    prov_status_poll(&r->c, 0, 15);
    expect_phase(r, "web", "Running", NULL);
    return r;
}

/* The node lifecycle controller marks the pod not Ready (the node went
 * Unknown); ECI reports nothing new. The next poll describes the group
 * again and writes Ready back, once; the bridge's own writes are no drift. */
static void test_drift_corrected_at_next_poll(void **state)
{
    (void)state;
    char b[16];
    rig *r = rig_running(NULL);
    assert_string_equal(condition(r, "web", "Ready", b), "True");
    unsigned describes = fb_calls(r->fb, FB_DESCRIBE), patches = fa_calls(r->fa, "PATCH");
    prov_status_poll(&r->c, 0, 15); /* after its own write: nothing to describe */
    assert_int_equal(fb_calls(r->fb, FB_DESCRIBE), describes);
    set_condition(r, "web", "Ready", "False");
    assert_string_equal(condition(r, "web", "Ready", b), "False");
    patches = fa_calls(r->fa, "PATCH");
    prov_status_poll(&r->c, 0, 15);
    assert_string_equal(condition(r, "web", "Ready", b), "True");
    assert_int_equal(fb_calls(r->fb, FB_DESCRIBE), describes + 1);
    assert_int_equal(fa_calls(r->fa, "PATCH"), patches + 1);
    prov_status_poll(&r->c, 1, 0); /* corrected: a full resync neither describes nor writes */
    assert_int_equal(fb_calls(r->fb, FB_DESCRIBE), describes + 1);
    assert_int_equal(fa_calls(r->fa, "PATCH"), patches + 1);
    rig_free(r);
}

/* A readiness gate's condition set by its controller makes the pod Ready at
 * the next poll, and not Ready again when set False. */
static void test_readiness_gate_honoured(void **state)
{
    (void)state;
    char b[16];
    static const char *const gates[] = {"example.com/gate", NULL};
    rig *r = rig_running(gates);
    assert_string_equal(condition(r, "web", "ContainersReady", b), "True");
    assert_string_equal(condition(r, "web", "Ready", b), "False");
    set_condition(r, "web", "example.com/gate", "True");
    prov_status_poll(&r->c, 0, 15);
    assert_string_equal(condition(r, "web", "Ready", b), "True");
    assert_string_equal(condition(r, "web", "example.com/gate", b), "True"); /* kept */
    set_condition(r, "web", "example.com/gate", "False");
    prov_status_poll(&r->c, 0, 15);
    assert_string_equal(condition(r, "web", "Ready", b), "False");
    rig_free(r);
}

/* Marked not Ready while ECI does not answer: the polls that fail write
 * nothing, the first that succeeds corrects the pod. */
static void test_drift_corrected_after_eci_outage(void **state)
{
    (void)state;
    char b[16];
    rig *r = rig_running(NULL);
    fb_fail(r->fb, FB_STATUS, 1, 1, 0, 0);
    set_condition(r, "web", "Ready", "False");
    unsigned patches = fa_calls(r->fa, "PATCH");
    prov_status_poll(&r->c, 0, 15);
    prov_status_poll(&r->c, 1, 0);
    assert_int_equal(fa_calls(r->fa, "PATCH"), patches);
    fb_heal(r->fb);
    prov_status_poll(&r->c, 0, 15);
    assert_string_equal(condition(r, "web", "Ready", b), "True");
    rig_free(r);
}

typedef struct flipper {
    rig *r;
    const char *name;
    atomic_int armed, done;
} flipper;

/* fb_on_call hook: mark the pod not Ready once, while the controller is in
 * the call. */
static void flip_ready(void *arg)
{
    flipper *f = arg;
    if (atomic_exchange(&f->armed, 0)) {
        set_condition(f->r, f->name, "Ready", "False");
        atomic_store(&f->done, 1);
    }
}

/* Wait (generous deadline) until the hook has run. */
static int wait_flipped(flipper *f)
{
    time_t until = time(NULL) + 60;
    while (!atomic_load(&f->done)) {
        if (time(NULL) >= until)
            return 0;
        struct timespec ts = {0, 1000000L};
        nanosleep(&ts, NULL);
    }
    return 1;
}

/* Wait (generous deadline) until the pod's Ready condition is want. */
static int wait_ready(rig *r, const char *name, const char *want)
{
    char b[16];
    time_t until = time(NULL) + 60;
    while (strcmp(condition(r, name, "Ready", b), want) != 0) {
        if (time(NULL) >= until)
            return 0;
        struct timespec ts = {0, 1000000L};
        nanosleep(&ts, NULL);
    }
    return 1;
}

/* The status loop with a sync period of an hour: a drift is corrected by a
 * poll it asks for, never by the period. A drift seen while the loop sleeps
 * wakes it; one seen while a poll is in progress, after the poll read the
 * marks (here, in its DescribeContainerGroupEvents), is corrected by the
 * poll that follows at once. Every write falls in the loop's first period. */
static void test_drift_asks_a_poll(void **state)
{
    (void)state;
    rig *r = rig_pods(2);
    set_all_status(r, 2, "Running");
    prov_status_poll(&r->c, 1, 0);
    assert_int_equal(count_phase(r, 2, "Running"), 2);
    r->c.status_period_ms = 3600L * 1000;
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, prov_status_loop, &r->c), 0);
    set_condition(r, "p0", "Ready", "False");
    assert_true(wait_ready(r, "p0", "True"));
    flipper f = {.r = r, .name = "p1"};
    atomic_init(&f.armed, 1);
    atomic_init(&f.done, 0);
    fb_on_call(r->fb, FB_EVENTS, flip_ready, &f);
    set_condition(r, "p0", "Ready", "False");
    assert_true(wait_ready(r, "p0", "True"));
    assert_true(wait_flipped(&f)); /* p1 marked not Ready inside that poll */
    assert_true(wait_ready(r, "p1", "True"));
    fb_on_call(r->fb, FB_EVENTS, NULL, NULL);
    prov_ctl_stop(&r->c);
    pthread_join(t, NULL);
    assert_int_equal(atomic_load(&r->c.period_polls), 1);
    assert_int_equal(atomic_load(&r->c.write_period), 1);
    rig_free(r);
}

/* ---- events --------------------------------------------------------------------- */

static void test_eci_events(void **state)
{
    (void)state;
    rig *r = rig_new("c1", "vk-test");
    add_pod(r, "web", "uid-1");
    drain(r);
    char *gid = fb_group_of(r->fb, "uid-1");
    fb_add_event(r->fb, gid, "Warning", "BackOff", "Back-off restarting failed container", 1);
    prov_events_poll(&r->c, 15);
    assert_int_equal(fa_events(r->fa, "web", "BackOff", NULL), 1);
    prov_events_poll(&r->c, 15); /* seen: not written again */
    unsigned posts = fa_calls(r->fa, "POST");
    prov_events_poll(&r->c, 15);
    assert_int_equal(fa_calls(r->fa, "POST"), posts);
    fb_add_event(r->fb, gid, "Warning", "BackOff", "Back-off restarting failed container", 3);
    prov_events_poll(&r->c, 15);
    long count = 0; /* the same Event (stable name), its count raised */
    assert_int_equal(fa_events(r->fa, "web", "BackOff", &count), 1);
    assert_int_equal(count, 3);
    free(gid);
    rig_free(r);
}

/* ---- bug 4: what is kept for an update does not outlive the pod ----------------- */

static void test_pending_updates_bounded(void **state)
{
    (void)state;
    rig *r = rig_new("c1", "vk-test");
    fb_fail(r->fb, FB_CREATE, 1, 1, 0, ECI_E_INVALID_ARG);
    for (int i = 0; i < 20; i++) {
        char name[32], uid[32];
        snprintf(name, sizeof name, "p%d", i);
        snprintf(uid, sizeof uid, "uid-%d", i);
        add_pod(r, name, uid);
        drain(r); /* Failed: never a group */
        set_field(r, name, "spec", "activeDeadlineSeconds", cJSON_CreateNumber(600));
        fa_remove_pod(r->fa, "default", name);
        drain(r);
    }
    assert_int_equal(cJSON_GetArraySize(r->c.pending_updates), 0);
    assert_int_equal(cJSON_GetArraySize(r->c.pending_status), 0);
    rig_free(r);
}

/* ---- the fault loop ------------------------------------------------------------- */

/* Drive to the end state: queued keys, status polls, until the cloud and the
 * apiserver agree (bounded). */
static void settle(rig *r)
{
    for (int i = 0; i < 4; i++) {
        drain(r);
        prov_status_poll(&r->c, 1, 0);
    }
    drain(r);
}

/* The scenario: create two pods, run them, delete one, restart, recover,
 * the pods reaching the controllers through the informer. fault(r, step)
 * arms one fault before step 0 (create), 1 (running), 2 (delete) or 3
 * (recovery: the new informer's LIST included); it returns 1 when the
 * armed call came (the nth call of that step exists). Returns whether any
 * step's fault fired. */
typedef int (*fault_fn)(rig *r, int step, unsigned n, int mode);

static int scenario(fault_fn fault, unsigned n, int mode)
{
    rig *r = rig_new_with("c1", "vk-test", 1);
    int fired = 0;
    for (int step = 0; step < 4; step++) {
        fault(r, step, n, mode);
        if (step == 0) {
            add_pod(r, "a", "uid-a");
            add_pod(r, "b", "uid-b");
        } else if (step == 1) {
            for (const char *const *u = (const char *const[]){"uid-a", "uid-b", NULL}; *u; u++) {
                char *g = fb_group_of(r->fb, *u);
                if (g)
                    fb_set_status(r->fb, g, "Running");
                free(g);
            }
            prov_status_poll(&r->c, 1, 0);
        } else if (step == 2) {
            mark_deleting(r, "a");
        } else {
            restart(r);
            /* the bridge retries recovery until it succeeds, before any worker */
            for (int i = 0; prov_recover(&r->c) != 0; i++)
                if (i == 3) {
                    fb_heal(r->fb);
                    fa_heal(r->fa);
                }
        }
        drain(r);
        /* never two groups for one pod, whatever failed */
        assert_true(fb_count_uid(r->fb, "uid-a") <= 1);
        assert_true(fb_count_uid(r->fb, "uid-b") <= 1);
        fired |= fault(r, -1, 0, 0);
        fb_heal(r->fb);
        fa_heal(r->fa);
        settle(r);
        if (step == 1) {
            char *g = fb_group_of(r->fb, "uid-b");
            if (g)
                fb_set_status(r->fb, g, "Running");
            free(g);
            g = fb_group_of(r->fb, "uid-a");
            if (g)
                fb_set_status(r->fb, g, "Running");
            free(g);
            settle(r);
        }
    }
    /* the end state: b runs with one group, a and its group are gone */
    assert_int_equal(fb_count_uid(r->fb, "uid-b"), 1);
    assert_int_equal(fb_count_uid(r->fb, "uid-a"), 0);
    assert_int_equal(fb_count(r->fb), 1);
    assert_null(fa_get_pod(r->fa, "default", "a"));
    expect_phase(r, "b", "Running", NULL);
    assert_int_equal(prov_gm_count(r->gm), 1);
    /* the informer's store agrees with the apiserver */
    informer_sync(r);
    assert_int_equal(k8s_store_len(r->c.pods), 1);
    cJSON *b = k8s_store_get(r->c.pods, "default/b");
    assert_non_null(b);
    cJSON_Delete(b);
    rig_free(r);
    return fired;
}

/* step -1: whether the armed fault fired (the calls before it were made). */
static int eci_fault(rig *r, int step, unsigned n, int mode)
{
    static unsigned before, nth;
    if (step < 0)
        return fb_calls(r->fb, FB_ANY) - before >= nth;
    /* mode: 0 transient, 1 persistent for the step, 2 lost answer */
    before = fb_calls(r->fb, FB_ANY);
    nth = n;
    fb_fail(r->fb, FB_ANY, n, mode == 1, mode == 2, 0);
    return 0;
}

/* The informer's LISTs and WATCHes failed by api_fault, over all scenarios. */
static unsigned list_faults, watch_faults;

static int api_fault(rig *r, int step, unsigned n, int mode)
{
    static unsigned before, lists, watches;
    if (step < 0) {
        list_faults += fa_faults(r->fa, "LIST") - lists;
        watch_faults += fa_faults(r->fa, "WATCH") - watches;
        return fa_faults(r->fa, NULL) > before;
    }
    before = fa_faults(r->fa, NULL);
    lists = fa_faults(r->fa, "LIST");
    watches = fa_faults(r->fa, "WATCH");
    fa_fail(r->fa, n, mode == 1);
    return 0;
}

/* Every n up to 12, and on until no step has an nth call left. */
static void fault_loop(fault_fn fault, int mode)
{
    unsigned last = 0;
    for (unsigned n = 1; n <= 12 || last == n - 1; n++)
        if (scenario(fault, n, mode))
            last = n;
    assert_true(last >= 1); /* a fault came at all */
    print_message("every call of each step failed in turn (up to call %u of a step)\n", last);
}

static void test_fault_loop_eci(void **state)
{
    (void)state;
    for (int mode = 0; mode < 3; mode++)
        fault_loop(eci_fault, mode);
}

/* Transient failures of every apiserver request: PATCH pods/status, DELETE
 * pods, Events, and the informer's LIST and WATCH. */
static void test_fault_loop_apiserver(void **state)
{
    (void)state;
    fault_loop(api_fault, 0);
    print_message("%u LISTs and %u WATCHes of the informer failed\n", list_faults, watch_faults);
    assert_true(list_faults > 0);
    assert_true(watch_faults > 0);
}

/* ---- the price gauge from the pod store's summaries ---------------------------- */

static cJSON *priced_pod(const char *name, const char *phase, const char *price)
{
    cJSON *p = fa_pod("default", name, name, "nginx:1");
    cJSON *md = cJSON_GetObjectItemCaseSensitive(p, "metadata");
    cJSON_AddStringToObject(md, "resourceVersion", "1");
    if (price)
        cJSON_AddStringToObject(cJSON_AddObjectToObject(md, "annotations"), PROV_PRICE_ANNOTATION, price);
    cJSON *st = cJSON_GetObjectItemCaseSensitive(p, "status");
    if (!st)
        st = cJSON_AddObjectToObject(p, "status");
    cJSON_DeleteItemFromObjectCaseSensitive(st, "phase");
    cJSON_AddStringToObject(st, "phase", phase);
    return p;
}

/* The gauge is the same whether the store keeps summaries (the bridge's pod
 * informer) or each pod is parsed (a store without them). */
static void test_price_gauge_summaries(void **state)
{
    (void)state;
    char sb[64];
    cJSON *x = priced_pod("x", "Running", "0.25");
    char *sum = prov_pod_summary(x, NULL);
    assert_string_equal(sum, "Running\t0.25");
    assert_string_equal(prov_pod_summary_phase(sum, sb, sizeof sb), "Running");
    free(sum);
    cJSON_Delete(x);
    x = priced_pod("y", "Running", NULL); /* no price: the summary is the phase alone */
    sum = prov_pod_summary(x, NULL);
    assert_string_equal(sum, "Running");
    assert_string_equal(prov_pod_summary_phase(sum, sb, sizeof sb), "Running");
    free(sum);
    cJSON_Delete(x);
    for (int with = 0; with < 2; with++) {
        k8s_store *st = k8s_store_new();
        if (with)
            k8s_store_set_summarize(st, prov_pod_summary, NULL);
        k8s_store_apply(st, K8S_WATCH_ADDED, priced_pod("a", "Running", "0.5"), NULL);
        k8s_store_apply(st, K8S_WATCH_ADDED, priced_pod("b", "Pending", NULL), NULL);
        k8s_store_apply(st, K8S_WATCH_ADDED, priced_pod("c", "Running", ""), NULL);
        prov_ctl c;
        memset(&c, 0, sizeof c);
        atomic_store(&c.pods, st);
        prom_registry *reg = prom_registry_new();
        prov_price_metrics(&c, reg);
        dynbuf out;
        dynbuf_init(&out, 0);
        prom_render(reg, &out);
        const char *txt = dynbuf_str(&out);
        assert_non_null(strstr(txt, "eci_kubelet_pod_hourly_price{namespace=\"default\",pod=\"a\"} 0.5\n"));
        assert_non_null(strstr(txt, "eci_kubelet_pod_hourly_price{namespace=\"default\",pod=\"c\"} 0\n"));
        assert_null(strstr(txt, "pod=\"b\""));
        dynbuf_free(&out);
        prom_registry_free(reg);
        k8s_store_free(st);
    }
}

int main(void)
{
    log_set_level(getenv("TEST_LOG") ? LOG_DEBUG : LOG_ERROR);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_status_delete),
        cmocka_unit_test(test_price_gauge_summaries),
        cmocka_unit_test(test_graceful_delete_follows_eci),
        cmocka_unit_test(test_update_images),
        cmocka_unit_test(test_pod_gone_deletes_group),
        cmocka_unit_test(test_recovery_rules),
        cmocka_unit_test(test_gc_leaves_terminating_groups),
        cmocka_unit_test(test_restart_keeps_groups),
        cmocka_unit_test(test_long_names_survive_restart),
        cmocka_unit_test(test_recovery_by_pod_status),
        cmocka_unit_test(test_recovery_recreated_pod),
        cmocka_unit_test(test_recovery_stale_annotations),
        cmocka_unit_test(test_vanished_group_fails_pod),
        cmocka_unit_test(test_deadline_retries_delete),
        cmocka_unit_test(test_deadline_when_already_failed),
        cmocka_unit_test(test_failed_status_write_is_retried),
        cmocka_unit_test(test_pending_status_write_is_retried),
        cmocka_unit_test(test_running_status_write_is_retried),
        cmocka_unit_test(test_annotations_ride_with_status),
        cmocka_unit_test(test_status_batches_in_parallel),
        cmocka_unit_test(test_status_one_writer_per_pod),
        cmocka_unit_test(test_status_failed_patch_requeued),
        cmocka_unit_test(test_drift_corrected_at_next_poll),
        cmocka_unit_test(test_readiness_gate_honoured),
        cmocka_unit_test(test_drift_corrected_after_eci_outage),
        cmocka_unit_test(test_drift_asks_a_poll),
        cmocka_unit_test(test_eci_events),
        cmocka_unit_test(test_pending_updates_bounded),
        cmocka_unit_test(test_fault_loop_eci),
        cmocka_unit_test(test_fault_loop_apiserver),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
