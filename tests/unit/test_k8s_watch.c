/* k8s/watch.c: the watch stream decoder, fed in every chunking. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "k8s/watch.h"
#include "util/xmalloc.h"

typedef struct rec {
    char got[32][64];
    int n;
    int stop_after; /* 0 = never */
} rec;

static int on_event(k8s_watch_type t, cJSON *obj, void *arg)
{
    rec *r = arg;
    const char *name = k8s_meta_str(obj, "name");
    const char *rv = k8s_meta_str(obj, "resourceVersion");
    if (r->n < 32)
        snprintf(r->got[r->n++], 64, "%s %s %s", k8s_watch_type_name(t), name ? name : "-", rv ? rv : "-");
    cJSON_Delete(obj);
    return r->stop_after && r->n >= r->stop_after;
}

static const char STREAM[] =
    "{\"type\":\"ADDED\",\"object\":{\"kind\":\"Pod\",\"metadata\":{\"name\":\"a\",\"resourceVersion\":\"1\"}}}\n"
    "{\"type\":\"MODIFIED\",\"object\":{\"metadata\":{\"name\":\"a\",\"resourceVersion\":\"2\",\"labels\":{\"x\":\"\\n\"}}}}\n"
    "\n"
    "{\"type\":\"BOOKMARK\",\"object\":{\"metadata\":{\"resourceVersion\":\"5\"}}}\r\n"
    "{\"type\":\"DELETED\",\"object\":{\"metadata\":{\"name\":\"a\",\"resourceVersion\":\"6\"}}}\n"
    "{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"code\":410,\"reason\":\"Expired\"}}\n";

static const char *const WANT[] = { "ADDED a 1", "MODIFIED a 2", "BOOKMARK - 5", "DELETED a 6", "ERROR - -" };

static void check_all(rec *r)
{
    assert_int_equal(r->n, 5);
    for (int i = 0; i < 5; i++)
        assert_string_equal(r->got[i], WANT[i]);
}

static void test_whole_and_bytewise(void **state)
{
    (void)state;
    char err[160];
    for (size_t chunk = 1; chunk <= sizeof STREAM; chunk++) {
        rec r = { .n = 0 };
        k8s_watch_decoder *d = k8s_watch_decoder_new(0, on_event, &r);
        size_t len = strlen(STREAM);
        for (size_t off = 0; off < len; off += chunk) {
            size_t n = len - off < chunk ? len - off : chunk;
            assert_int_equal(k8s_watch_decoder_feed(d, STREAM + off, n, err, sizeof err), 0);
        }
        check_all(&r);
        assert_int_equal(k8s_watch_decoder_pending(d), 0);
        assert_int_equal(k8s_watch_decoder_events(d), 5);
        k8s_watch_decoder_free(d);
    }
    k8s_watch_decoder_free(NULL);
}

static void test_partial_line_pending(void **state)
{
    (void)state;
    rec r = { .n = 0 };
    char err[160];
    k8s_watch_decoder *d = k8s_watch_decoder_new(0, on_event, &r);
    const char *half = "{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":\"b\"}}";
    assert_int_equal(k8s_watch_decoder_feed(d, half, strlen(half), err, sizeof err), 0);
    assert_int_equal(r.n, 0);
    assert_int_equal(k8s_watch_decoder_pending(d), strlen(half));
    assert_int_equal(k8s_watch_decoder_feed(d, "}\n", 2, err, sizeof err), 0);
    assert_int_equal(r.n, 1);
    assert_string_equal(r.got[0], "ADDED b -");
    k8s_watch_decoder_reset(d);
    assert_int_equal(k8s_watch_decoder_pending(d), 0);
    k8s_watch_decoder_free(d);
}

static void expect_garbage(const char *line, const char *want)
{
    rec r = { .n = 0 };
    char err[160] = "";
    k8s_watch_decoder *d = k8s_watch_decoder_new(0, on_event, &r);
    assert_int_equal(k8s_watch_decoder_feed(d, line, strlen(line), err, sizeof err), -1);
    if (!strstr(err, want))
        fail_msg("want \"%s\", got \"%s\"", want, err);
    /* the failure sticks until reset */
    err[0] = '\0';
    assert_int_equal(k8s_watch_decoder_feed(d, "\n", 1, err, sizeof err), -1);
    assert_non_null(strstr(err, want));
    k8s_watch_decoder_reset(d);
    assert_int_equal(k8s_watch_decoder_feed(d, "\n", 1, err, sizeof err), 0);
    k8s_watch_decoder_free(d);
}

static void test_garbage(void **state)
{
    (void)state;
    expect_garbage("hello\n", "event 1: not JSON");
    expect_garbage("[1,2]\n", "event 1: not a JSON object");
    expect_garbage("{\"object\":{}}\n", "event 1: missing \"type\"");
    expect_garbage("{\"type\":\"FOO\",\"object\":{}}\n", "event 1: unknown type \"FOO\"");
    expect_garbage("{\"type\":\"ADDED\"}\n", "event 1: \"object\" missing or not an object");
    expect_garbage("{\"type\":\"ADDED\",\"object\":3}\n", "\"object\" missing or not an object");
    expect_garbage("{\"type\":\"ADDED\",\"object\":{}}\n{\"type\":\"ADDED\",\"object\":{}} x\n", "event 2: not JSON");
    expect_garbage("{\"type\":\"\\u0001\\u0002\",\"object\":{}}\n", "unknown type \"??\"");
}

static void test_line_cap(void **state)
{
    (void)state;
    rec r = { .n = 0 };
    char err[160];
    k8s_watch_decoder *d = k8s_watch_decoder_new(64, on_event, &r);
    char big[100];
    memset(big, 'x', sizeof big);
    assert_int_equal(k8s_watch_decoder_feed(d, big, 60, err, sizeof err), 0);
    assert_int_equal(k8s_watch_decoder_feed(d, big, 10, err, sizeof err), -1);
    assert_non_null(strstr(err, "longer than 64 bytes"));
    k8s_watch_decoder_free(d);
}

static void test_stop_keeps_rest(void **state)
{
    (void)state;
    rec r = { .n = 0, .stop_after = 2 };
    char err[160];
    k8s_watch_decoder *d = k8s_watch_decoder_new(0, on_event, &r);
    assert_int_equal(k8s_watch_decoder_feed(d, STREAM, strlen(STREAM), err, sizeof err), 1);
    assert_int_equal(r.n, 2);
    assert_true(k8s_watch_decoder_pending(d) > 0);
    k8s_watch_decoder_free(d);
}

static void test_type_names(void **state)
{
    (void)state;
    assert_string_equal(k8s_watch_type_name(K8S_WATCH_ADDED), "ADDED");
    assert_string_equal(k8s_watch_type_name(K8S_WATCH_ERROR), "ERROR");
    assert_string_equal(k8s_watch_type_name((k8s_watch_type)42), "UNKNOWN");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_whole_and_bytewise), cmocka_unit_test(test_partial_line_pending),
        cmocka_unit_test(test_garbage),            cmocka_unit_test(test_line_cap),
        cmocka_unit_test(test_stop_keeps_rest),    cmocka_unit_test(test_type_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
