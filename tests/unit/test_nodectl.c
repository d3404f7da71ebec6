/* The node controller (provider/nodectl.c) against the fake apiserver and
 * the fake backend of tests/fakes/: registration (a new Node, or one taken
 * over), the Lease renewed, the Ready condition following the backend's
 * health probe (NotReady ECIUnreachable while DescribeRegions fails, Ready
 * again when it answers) with the kubelet's node Events, and a failed
 * status PATCH written again. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "provider/bridge_int.h"
#include "tests/fakes/fake_apiserver.h"
#include "tests/fakes/fake_backend.h"
#include "util/log.h"

#define NODE_PATH "/api/v1/nodes/vk-test"
#define LEASE_PATH "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/vk-test"

typedef struct nrig {
    fake_api *fa;
    fake_backend *fb;
    prov_cfg cfg;
    prov_bridge b;
    pthread_t loop;
    int looping;
} nrig;

static nrig *nrig_new(void)
{
    nrig *r = calloc(1, sizeof *r);
    assert_non_null(r);
    char *argv[] = {"eci-kubelet", "--node-name=vk-test", "--node-ip=10.0.0.5", "--node-lease-duration=4s", NULL};
    char *env[] = {"ECI_REGION=cn-hangzhou", "ECI_SECURITY_GROUP=sg-1", "ECI_VSWITCH=vsw-1", NULL};
    prov_cfg_error cerr;
    assert_int_equal(prov_cfg_load(4, argv, env, &r->cfg, &cerr), 0);
    r->fa = fa_new();
    r->fb = fb_new("c1", "vk-test");
    prov_bridge *b = &r->b;
    b->cfg = &r->cfg;
    b->kc = fa_client(r->fa);
    k8s_recorder_opts ro = {.component = "eci-kubelet", .host = "vk-test", .qps = 1e6, .burst = 1000000};
    b->rec = k8s_recorder_new(b->kc, &ro);
    b->be = (prov_backend *)fb_backend(r->fb); /* nodectl only reads it */
    pthread_mutex_init(&b->eci_mu, NULL);
    b->ctl.node_name = "vk-test";
    b->ctl.cluster_name = "c1";
    prov_ctl_init(&b->ctl);
    return r;
}

static void start_loop(nrig *r)
{
    assert_int_equal(prov_node_register(&r->b), 0);
    assert_int_equal(pthread_create(&r->loop, NULL, prov_node_loop, &r->b), 0);
    r->looping = 1;
}

static void nrig_free(nrig *r)
{
    prov_ctl_stop(&r->b.ctl);
    if (r->looping)
        pthread_join(r->loop, NULL);
    k8s_recorder_free(r->b.rec);
    free(r->b.node_uid);
    cJSON_Delete(r->b.node_status);
    prov_ctl_destroy(&r->b.ctl);
    pthread_mutex_destroy(&r->b.eci_mu);
    fb_free(r->fb);
    fa_free(r->fa);
    prov_cfg_free(&r->cfg);
    free(r);
}

/* The Node's Ready condition: its status and reason ("" when absent). */
static void ready_of(nrig *r, char *status, char *reason)
{
    status[0] = reason[0] = 0;
    cJSON *n = fa_object(r->fa, NODE_PATH);
    const cJSON *c;
    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(n, "status"),
                                                           "conditions"))
    {
        const char *t = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "type"));
        if (!t || strcmp(t, "Ready") != 0)
            continue;
        const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "status"));
        const char *re = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "reason"));
        snprintf(status, 16, "%s", s ? s : "");
        snprintf(reason, 64, "%s", re ? re : "");
    }
    cJSON_Delete(n);
}

static int ready_is(nrig *r, const char *want_status, const char *want_reason)
{
    char st[16], re[64];
    ready_of(r, st, re);
    return strcmp(st, want_status) == 0 && (!want_reason || strcmp(re, want_reason) == 0);
}

/* How many times the node's Event of this reason was recorded (the recorder
 * raises the count of a repeated one). */
static long event_count(nrig *r, const char *reason)
{
    long count = 0;
    size_t n = fa_events(r->fa, "vk-test", reason, &count);
    return n == 0 ? 0 : count > 0 ? count : 1;
}

static char *lease_renew_time(nrig *r)
{
    cJSON *l = fa_object(r->fa, LEASE_PATH);
    const char *t =
        cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(l, "spec"), "renewTime"));
    char *out = t ? strdup(t) : NULL;
    cJSON_Delete(l);
    return out;
}

/* Poll cond (with the loop woken each time, so a change is written at its
 * next pass) until it holds or a minute passed. */
#define WAIT_FOR(r, cond)                                                                                              \
    do {                                                                                                               \
        time_t until_ = time(NULL) + 60;                                                                               \
        while (!(cond) && time(NULL) < until_) {                                                                       \
            prov_ctl_wake(&(r)->b.ctl);                                                                                \
            struct timespec ts_ = {0, 10000000L};                                                                      \
            nanosleep(&ts_, NULL);                                                                                     \
        }                                                                                                              \
        assert_true(cond);                                                                                             \
    } while (0)

static void test_register_and_renew(void **state)
{
    (void)state;
    nrig *r = nrig_new();
    assert_int_equal(prov_eci_probe(&r->b), 0);
    start_loop(r);
    cJSON *n = fa_object(r->fa, NODE_PATH);
    assert_non_null(n);
    assert_string_equal(k8s_meta_str(n, "uid"), r->b.node_uid);
    cJSON_Delete(n);
    WAIT_FOR(r, ready_is(r, "True", NULL));
    WAIT_FOR(r, event_count(r, "Starting") == 1);
    WAIT_FOR(r, event_count(r, "NodeReady") == 1);
    /* the Lease exists and its renewTime moves (renewed every second) */
    char *first = NULL;
    WAIT_FOR(r, (free(first), first = lease_renew_time(r)) != NULL);
    unsigned puts = fa_calls(r->fa, "PUT");
    WAIT_FOR(r, fa_calls(r->fa, "PUT") >= puts + 2);
    char *later = lease_renew_time(r);
    assert_non_null(later);
    assert_string_not_equal(first, later);
    cJSON *l = fa_object(r->fa, LEASE_PATH);
    const cJSON *sp = cJSON_GetObjectItemCaseSensitive(l, "spec");
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(sp, "holderIdentity")), "vk-test");
    assert_int_equal((int)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(sp, "leaseDurationSeconds")), 4);
    cJSON_Delete(l);
    free(first);
    free(later);
    nrig_free(r);
}

static void test_takes_over_existing_node(void **state)
{
    (void)state;
    nrig *r = nrig_new();
    cJSON *n = cJSON_Parse("{\"apiVersion\":\"v1\",\"kind\":\"Node\",\"metadata\":{\"name\":\"vk-test\","
                           "\"uid\":\"uid-before\",\"labels\":{\"team\":\"a\"}},\"status\":{}}");
    fa_put_object(r->fa, NODE_PATH, n);
    assert_int_equal(prov_eci_probe(&r->b), 0);
    start_loop(r);
    assert_string_equal(r->b.node_uid, "uid-before"); /* the same Node, not a new one */
    WAIT_FOR(r, ready_is(r, "True", NULL));
    cJSON *after = fa_object(r->fa, NODE_PATH);
    const cJSON *labels =
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(after, "metadata"), "labels");
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(labels, "team")), "a");
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(labels, "type")), "virtual-kubelet");
    cJSON_Delete(after);
    nrig_free(r);
}

static void test_ready_follows_ping(void **state)
{
    (void)state;
    nrig *r = nrig_new();
    assert_int_equal(prov_eci_probe(&r->b), 0);
    start_loop(r);
    WAIT_FOR(r, ready_is(r, "True", NULL));
    WAIT_FOR(r, event_count(r, "NodeReady") == 1);
    /* DescribeRegions stops answering: NotReady, named */
    fb_fail(r->fb, FB_PING, 1, 1, 0, 0);
    assert_int_equal(prov_eci_probe(&r->b), 1);
    WAIT_FOR(r, ready_is(r, "False", "ECIUnreachable"));
    WAIT_FOR(r, event_count(r, "NodeNotReady") == 1);
    /* it answers again: Ready */
    fb_heal(r->fb);
    assert_int_equal(prov_eci_probe(&r->b), 0);
    WAIT_FOR(r, ready_is(r, "True", NULL));
    WAIT_FOR(r, event_count(r, "NodeReady") == 2);
    nrig_free(r);
}

static void test_failed_status_patch_is_retried(void **state)
{
    (void)state;
    nrig *r = nrig_new();
    assert_int_equal(prov_eci_probe(&r->b), 0);
    start_loop(r);
    WAIT_FOR(r, ready_is(r, "True", NULL));
    /* the next status write fails: NotReady still reaches the Node */
    fa_fail_matching(r->fa, "PATCH " NODE_PATH "/status", 1, 0);
    fb_fail(r->fb, FB_PING, 1, 1, 0, 0);
    assert_int_equal(prov_eci_probe(&r->b), 1);
    WAIT_FOR(r, fa_faults(r->fa, NULL) == 1);
    WAIT_FOR(r, ready_is(r, "False", "ECIUnreachable"));
    /* and a failed lease renewal is renewed again */
    char *before = lease_renew_time(r);
    fa_fail_matching(r->fa, "PUT " LEASE_PATH, 1, 0);
    WAIT_FOR(r, fa_faults(r->fa, NULL) == 2);
    char *now = NULL;
    WAIT_FOR(r, (free(now), now = lease_renew_time(r)) && strcmp(now, before) != 0);
    free(before);
    free(now);
    nrig_free(r);
}

int main(void)
{
    log_set_level(getenv("TEST_LOG") ? LOG_DEBUG : LOG_ERROR);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_register_and_renew),
        cmocka_unit_test(test_takes_over_existing_node),
        cmocka_unit_test(test_ready_follows_ping),
        cmocka_unit_test(test_failed_status_patch_is_retried),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
