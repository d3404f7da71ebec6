/* k8s/informer.c: the store's event and relist logic, and its handlers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "k8s/informer.h"
#include "util/xmalloc.h"

typedef struct calls {
    char log[64][64];
    int n;
} calls;

static void add(calls *c, const char *what, const cJSON *o)
{
    if (c->n < 64)
        snprintf(c->log[c->n++], 64, "%s %s %s", what, k8s_meta_str(o, "name"), k8s_meta_str(o, "resourceVersion"));
}
static void h_add(const cJSON *o, void *a) { add(a, "add", o); }
static void h_update(const cJSON *old, const cJSON *o, void *a)
{
    char w[32];
    snprintf(w, sizeof w, "update(%s)", k8s_meta_str(old, "resourceVersion"));
    add(a, w, o);
}
static void h_delete(const cJSON *o, void *a) { add(a, "delete", o); }

static cJSON *obj(const char *ns, const char *name, const char *rv)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *md = cJSON_AddObjectToObject(o, "metadata");
    if (ns)
        cJSON_AddStringToObject(md, "namespace", ns);
    cJSON_AddStringToObject(md, "name", name);
    cJSON_AddStringToObject(md, "resourceVersion", rv);
    return o;
}

static cJSON *list_of(int n, ...)
{
    cJSON *l = cJSON_CreateObject();
    cJSON *items = cJSON_AddArrayToObject(l, "items");
    va_list ap;
    va_start(ap, n);
    for (int i = 0; i < n; i++)
        cJSON_AddItemToArray(items, va_arg(ap, cJSON *));
    va_end(ap);
    return l;
}

static void test_apply(void **state)
{
    (void)state;
    calls c = { .n = 0 };
    k8s_store_handlers h = { h_add, h_update, h_delete, &c };
    k8s_store *s = k8s_store_new();
    k8s_store_apply(s, K8S_WATCH_ADDED, obj("ns", "a", "1"), &h);
    k8s_store_apply(s, K8S_WATCH_MODIFIED, obj("ns", "a", "2"), &h);
    k8s_store_apply(s, K8S_WATCH_MODIFIED, obj("ns", "a", "2"), &h); /* unchanged: no call */
    k8s_store_apply(s, K8S_WATCH_ADDED, obj("ns", "a", "3"), &h);    /* ADDED of a known key: update */
    k8s_store_apply(s, K8S_WATCH_MODIFIED, obj("ns", "b", "4"), &h); /* MODIFIED of unknown: add */
    k8s_store_apply(s, K8S_WATCH_DELETED, obj("ns", "zz", "5"), &h); /* unknown: ignored */
    k8s_store_apply(s, K8S_WATCH_BOOKMARK, obj(NULL, "x", "6"), &h);
    k8s_store_apply(s, K8S_WATCH_ADDED, obj(NULL, "node1", "7"), &h); /* cluster-scoped key */
    assert_int_equal(k8s_store_len(s), 3);
    k8s_store_apply(s, K8S_WATCH_DELETED, obj("ns", "a", "8"), &h);
    assert_int_equal(k8s_store_len(s), 2);
    const char *want[] = { "add a 1", "update(1) a 2", "update(2) a 3", "add b 4", "add node1 7", "delete a 8" };
    assert_int_equal(c.n, 6);
    for (int i = 0; i < 6; i++)
        assert_string_equal(c.log[i], want[i]);
    cJSON *g = k8s_store_get(s, "ns/b");
    assert_non_null(g);
    assert_string_equal(k8s_meta_str(g, "resourceVersion"), "4");
    cJSON_Delete(g);
    g = k8s_store_get(s, "node1");
    assert_non_null(g);
    cJSON_Delete(g);
    assert_null(k8s_store_get(s, "ns/a"));
    k8s_store_apply(s, K8S_WATCH_ADDED, cJSON_CreateObject(), &h); /* no name: dropped */
    assert_int_equal(k8s_store_len(s), 2);
    k8s_store_free(s);
    k8s_store_free(NULL);
}

static void test_replace(void **state)
{
    (void)state;
    calls c = { .n = 0 };
    k8s_store_handlers h = { h_add, h_update, h_delete, &c };
    k8s_store *s = k8s_store_new();
    k8s_store_replace(s, list_of(3, obj("n", "a", "1"), obj("n", "b", "1"), obj("n", "c", "1")), &h);
    assert_int_equal(c.n, 3);
    c.n = 0;
    /* a vanished, b changed, c unchanged, d new */
    k8s_store_replace(s, list_of(3, obj("n", "b", "2"), obj("n", "c", "1"), obj("n", "d", "1")), &h);
    assert_int_equal(k8s_store_len(s), 3);
    assert_int_equal(c.n, 3);
    int seen = 0;
    for (int i = 0; i < c.n; i++) {
        if (!strcmp(c.log[i], "update(1) b 2"))
            seen |= 1;
        if (!strcmp(c.log[i], "add d 1"))
            seen |= 2;
        if (!strcmp(c.log[i], "delete a 1"))
            seen |= 4;
    }
    assert_int_equal(seen, 7);
    /* an empty list empties the store */
    c.n = 0;
    k8s_store_replace(s, list_of(0), &h);
    assert_int_equal(k8s_store_len(s), 0);
    assert_int_equal(c.n, 3);
    /* NULL handlers are fine */
    k8s_store_replace(s, list_of(1, obj("n", "x", "1")), NULL);
    k8s_store_apply(s, K8S_WATCH_DELETED, obj("n", "x", "2"), NULL);
    assert_int_equal(k8s_store_len(s), 0);
    k8s_store_free(s);
}

static void test_many_and_list(void **state)
{
    (void)state;
    k8s_store *s = k8s_store_new();
    for (int i = 0; i < 5000; i++) {
        char n[16];
        snprintf(n, sizeof n, "o%d", i);
        k8s_store_apply(s, K8S_WATCH_ADDED, obj("ns", n, "1"), NULL);
    }
    assert_int_equal(k8s_store_len(s), 5000);
    cJSON *all = k8s_store_list(s);
    assert_int_equal(cJSON_GetArraySize(all), 5000);
    cJSON_Delete(all);
    cJSON *g = k8s_store_get(s, "ns/o4321");
    assert_non_null(g);
    cJSON_Delete(g);
    for (int i = 0; i < 5000; i += 2) {
        char n[16];
        snprintf(n, sizeof n, "o%d", i);
        k8s_store_apply(s, K8S_WATCH_DELETED, obj("ns", n, "2"), NULL);
    }
    assert_int_equal(k8s_store_len(s), 2500);
    k8s_store_free(s);
}

typedef struct visit {
    int n, other_ns;
    int stop_at;
} visit;

static int count_visit(const cJSON *o, void *arg)
{
    visit *v = arg;
    const char *ns = k8s_meta_str(o, "namespace");
    if (!ns || strcmp(ns, "a") != 0)
        v->other_ns++;
    v->n++;
    return v->stop_at && v->n >= v->stop_at;
}

static void test_each_and_list_text(void **state)
{
    (void)state;
    k8s_store *s = k8s_store_new();
    dynbuf d;
    dynbuf_init(&d, 0);
    assert_int_equal(k8s_store_list_text(s, &d), 0);
    assert_string_equal(dynbuf_str(&d), "[]");
    dynbuf_reset(&d);
    for (int i = 0; i < 300; i++) {
        char n[16];
        snprintf(n, sizeof n, "o%d", i);
        k8s_store_apply(s, K8S_WATCH_ADDED, obj(i % 3 ? "a" : "ab", n, "1"), NULL);
    }
    k8s_store_apply(s, K8S_WATCH_ADDED, obj(NULL, "cluster-scoped", "1"), NULL);
    /* a namespace filter matches the whole namespace, not a prefix of it */
    visit v = {0};
    k8s_store_each(s, "a", count_visit, &v);
    assert_int_equal(v.n, 200);
    assert_int_equal(v.other_ns, 0);
    memset(&v, 0, sizeof v);
    k8s_store_each(s, NULL, count_visit, &v);
    assert_int_equal(v.n, 301);
    memset(&v, 0, sizeof v);
    v.stop_at = 7;
    k8s_store_each(s, NULL, count_visit, &v);
    assert_int_equal(v.n, 7);
    /* the text listing is one valid array of every object */
    assert_int_equal(k8s_store_list_text(s, &d), 0);
    cJSON *arr = cJSON_Parse(dynbuf_str(&d));
    assert_non_null(arr);
    assert_int_equal(cJSON_GetArraySize(arr), 301);
    cJSON_Delete(arr);
    dynbuf_free(&d);
    /* a capped buffer reports that the listing did not fit */
    dynbuf_init(&d, 100);
    assert_int_equal(k8s_store_list_text(s, &d), -1);
    dynbuf_free(&d);
    k8s_store_free(s);
}

static void test_transform_strip_meta(void **state)
{
    (void)state;
    cJSON *o = cJSON_Parse("{\"metadata\":{\"name\":\"p\",\"managedFields\":[{\"manager\":\"kubectl\"}],"
                           "\"annotations\":{\"kubectl.kubernetes.io/last-applied-configuration\":\"{}\","
                           "\"keep\":\"me\"}},\"spec\":{\"nodeName\":\"n\"}}");
    assert_non_null(o);
    k8s_transform_strip_meta(o, NULL);
    char *s = cJSON_PrintUnformatted(o);
    assert_string_equal(s, "{\"metadata\":{\"name\":\"p\",\"annotations\":{\"keep\":\"me\"}},"
                           "\"spec\":{\"nodeName\":\"n\"}}");
    free(s);
    cJSON_Delete(o);
    /* The annotations object goes when only the last-applied one was there. */
    o = cJSON_Parse("{\"metadata\":{\"name\":\"p\",\"annotations\":"
                    "{\"kubectl.kubernetes.io/last-applied-configuration\":\"{}\"}}}");
    k8s_transform_strip_meta(o, NULL);
    s = cJSON_PrintUnformatted(o);
    assert_string_equal(s, "{\"metadata\":{\"name\":\"p\"}}");
    free(s);
    cJSON_Delete(o);
    /* Odd shapes are left alone. */
    o = cJSON_Parse("{\"metadata\":[1]}");
    k8s_transform_strip_meta(o, NULL);
    cJSON_Delete(o);
    o = cJSON_CreateString("x");
    k8s_transform_strip_meta(o, NULL);
    cJSON_Delete(o);
}

/* The summary is made when an object is stored, replaced with it, and
 * visited with its key; a store without a summarize function gives NULL. */
static char *rv_summary(const cJSON *o, void *arg)
{
    (*(int *)arg)++;
    return xasprintf("rv=%s", k8s_meta_str(o, "resourceVersion"));
}

typedef struct sums {
    int n, null;
    char last_o1[32];
    int stop_at;
} sums;

static int visit_summary(const char *key, const char *summary, void *arg)
{
    sums *v = arg;
    v->n++;
    if (!summary)
        v->null++;
    else if (!strcmp(key, "ns/o1"))
        snprintf(v->last_o1, sizeof v->last_o1, "%s", summary);
    return v->stop_at && v->n >= v->stop_at;
}

static void test_summary(void **state)
{
    (void)state;
    int made = 0;
    k8s_store *s = k8s_store_new();
    k8s_store_set_summarize(s, rv_summary, &made);
    k8s_store_apply(s, K8S_WATCH_ADDED, obj("ns", "o1", "1"), NULL);
    k8s_store_apply(s, K8S_WATCH_ADDED, obj("ns", "o2", "1"), NULL);
    k8s_store_apply(s, K8S_WATCH_MODIFIED, obj("ns", "o1", "7"), NULL);
    assert_int_equal(made, 3);
    sums v = {0};
    k8s_store_each_summary(s, visit_summary, &v);
    assert_int_equal(v.n, 2);
    assert_int_equal(v.null, 0);
    assert_string_equal(v.last_o1, "rv=7");
    memset(&v, 0, sizeof v);
    v.stop_at = 1;
    k8s_store_each_summary(s, visit_summary, &v);
    assert_int_equal(v.n, 1);
    k8s_store_apply(s, K8S_WATCH_DELETED, obj("ns", "o1", "8"), NULL);
    memset(&v, 0, sizeof v);
    k8s_store_each_summary(s, visit_summary, &v);
    assert_int_equal(v.n, 1);
    k8s_store_free(s);

    k8s_store *plain = k8s_store_new();
    k8s_store_apply(plain, K8S_WATCH_ADDED, obj("ns", "o1", "1"), NULL);
    memset(&v, 0, sizeof v);
    k8s_store_each_summary(plain, visit_summary, &v);
    assert_int_equal(v.n, 1);
    assert_int_equal(v.null, 1);
    k8s_store_free(plain);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_apply),
        cmocka_unit_test(test_replace),
        cmocka_unit_test(test_many_and_list),
        cmocka_unit_test(test_each_and_list_text),
        cmocka_unit_test(test_transform_strip_meta),
        cmocka_unit_test(test_summary),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
