/* util/prom.c: text exposition of counters, gauges and histograms. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "util/prom.h"
#include "util/procstat.h"
#include "util/dynbuf.h"
#include <stdlib.h>
#include <stdio.h>

static void test_render(void **state)
{
    (void)state;
    prom_registry *r = prom_registry_new();
    const char *const lbl[] = {"action", "result", NULL};
    prom_metric *c = prom_counter(r, "eci_calls_total", "ECI calls.", lbl);
    prom_metric *g = prom_gauge(r, "queue_depth", "Depth.", NULL);
    const double b[] = {0.1, 1};
    prom_metric *h = prom_histogram(r, "lat_seconds", "Latency.", lbl, b, 2);
    const char *const v1[] = {"CreateContainerGroup", "ok"};
    const char *const v2[] = {"Describe\"x", "Throttling"};
    prom_inc(c, v1, 1);
    prom_inc(c, v1, 2);
    prom_inc(c, v2, 1);
    prom_set(g, NULL, 7);
    prom_observe(h, v1, 0.05);
    prom_observe(h, v1, 0.5);
    prom_observe(h, v1, 5);
    dynbuf out;
    dynbuf_init(&out, 0);
    prom_render(r, &out);
    const char *s = dynbuf_str(&out);
    assert_non_null(strstr(s, "# TYPE eci_calls_total counter\n"));
    assert_non_null(strstr(s, "eci_calls_total{action=\"CreateContainerGroup\",result=\"ok\"} 3\n"));
    assert_non_null(strstr(s, "action=\"Describe\\\"x\""));
    assert_non_null(strstr(s, "queue_depth 7\n"));
    assert_non_null(strstr(s, "lat_seconds_bucket{action=\"CreateContainerGroup\",result=\"ok\",le=\"0.1\"} 1\n"));
    assert_non_null(strstr(s, "le=\"1\"} 2\n"));
    assert_non_null(strstr(s, "le=\"+Inf\"} 3\n"));
    assert_non_null(strstr(s, "lat_seconds_count{action=\"CreateContainerGroup\",result=\"ok\"} 3\n"));
    dynbuf_free(&out);
    prom_registry_free(r);
}

static double metric(const char *text, const char *name)
{
    const char *p = text;
    size_t n = strlen(name);
    while ((p = strstr(p, name)) != NULL) {
        if ((p == text || p[-1] == '\n') && p[n] == ' ')
            return strtod(p + n + 1, NULL);
        p += n;
    }
    return -1;
}

/* A name registered twice (two clients of one kind) is one family. */
/* Series are found by their whole tuple of values: many pods, each set
 * twice, stay one series each; tuples whose joined values read alike stay
 * apart. */
static void test_many_series(void **state)
{
    (void)state;
    prom_registry *r = prom_registry_new();
    const char *const lbl[] = {"namespace", "pod", NULL};
    prom_metric *g = prom_gauge(r, "pod_price", "Price.", lbl);
    char name[32];
    for (int round = 0; round < 2; round++)
        for (int i = 0; i < 3000; i++) {
            snprintf(name, sizeof name, "p-%d", i);
            const char *const lv[] = {"ns", name};
            prom_set(g, lv, i + round);
        }
    const char *const x[] = {"a:b", "c"}, *const y[] = {"a", "b:c"}, *const z[] = {"1:a", ""};
    prom_set(g, x, -1);
    prom_set(g, y, -2);
    prom_set(g, z, -3);
    dynbuf out;
    dynbuf_init(&out, 0);
    prom_render(r, &out);
    const char *s = dynbuf_str(&out);
    assert_non_null(strstr(s, "pod_price{namespace=\"ns\",pod=\"p-0\"} 1\n"));
    assert_non_null(strstr(s, "pod_price{namespace=\"ns\",pod=\"p-2999\"} 3000\n"));
    assert_non_null(strstr(s, "pod_price{namespace=\"a:b\",pod=\"c\"} -1\n"));
    assert_non_null(strstr(s, "pod_price{namespace=\"a\",pod=\"b:c\"} -2\n"));
    assert_non_null(strstr(s, "pod_price{namespace=\"1:a\",pod=\"\"} -3\n"));
    size_t lines = 0;
    for (const char *p = s; (p = strstr(p, "pod_price{")) != NULL; p++)
        lines++;
    assert_int_equal(lines, 3003);
    dynbuf_free(&out);
    prom_registry_free(r);
}

/* prom_clear drops every series of a gauge (rebuilt by a collector). */
static void test_clear(void **state)
{
    (void)state;
    prom_registry *r = prom_registry_new();
    const char *const lbl[] = {"namespace", "pod", NULL};
    prom_metric *g = prom_gauge(r, "pod_price", "Price.", lbl);
    const char *const a[] = {"ns", "a"}, *const b[] = {"ns", "b"};
    prom_set(g, a, 1.5);
    prom_set(g, b, 2);
    prom_clear(g);
    prom_set(g, b, 3);
    dynbuf out;
    dynbuf_init(&out, 0);
    prom_render(r, &out);
    assert_null(strstr(dynbuf_str(&out), "pod=\"a\""));
    assert_non_null(strstr(dynbuf_str(&out), "pod_price{namespace=\"ns\",pod=\"b\"} 3\n"));
    dynbuf_free(&out);
    prom_registry_free(r);
}

static void test_shared_registration(void **state)
{
    (void)state;
    prom_registry *r = prom_registry_new();
    const char *const lbl[] = {"verb", NULL};
    prom_metric *a = prom_counter(r, "requests_total", "Requests.", lbl);
    prom_metric *b = prom_counter(r, "requests_total", "Requests.", lbl);
    assert_ptr_equal(a, b);
    const char *const v[] = {"get"};
    prom_inc(a, v, 1);
    prom_inc(b, v, 2);
    dynbuf out;
    dynbuf_init(&out, 0);
    prom_render(r, &out);
    const char *s = dynbuf_str(&out);
    const char *first = strstr(s, "# TYPE requests_total counter");
    assert_non_null(first);
    assert_null(strstr(first + 1, "# TYPE requests_total counter"));
    assert_non_null(strstr(s, "requests_total{verb=\"get\"} 3\n"));
    dynbuf_free(&out);
    prom_registry_free(r);
}

static void test_process_metrics(void **state)
{
    (void)state;
    procstat st;
    assert_int_equal(procstat_read(&st), 0);
    assert_true(st.resident_bytes > 0);
    assert_true(st.resident_peak >= st.resident_bytes);
    assert_true(st.threads >= 1);
    assert_true(st.open_fds >= 3);
    assert_true(st.start_time > 1.6e9);
    /* two registries at once each render their own figures; both free cleanly */
    prom_registry *r1 = prom_registry_new(), *r2 = prom_registry_new();
    procstat_register(r1);
    procstat_register(r2);
    dynbuf d;
    dynbuf_init(&d, 0);
    prom_render(r1, &d);
    assert_non_null(strstr(dynbuf_str(&d), "# TYPE process_cpu_seconds_total counter"));
    assert_true(metric(dynbuf_str(&d), "process_resident_memory_bytes") > 0);
    assert_true(metric(dynbuf_str(&d), "process_open_fds") >= 3);
    dynbuf_reset(&d);
    prom_render(r2, &d);
    assert_true(metric(dynbuf_str(&d), "process_start_time_seconds") > 1.6e9);
    dynbuf_free(&d);
    prom_registry_free(r1);
    prom_registry_free(r2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_render), cmocka_unit_test(test_shared_registration),
                                       cmocka_unit_test(test_process_metrics), cmocka_unit_test(test_clear),
                                       cmocka_unit_test(test_many_series)};
    return cmocka_run_group_tests_name("prom", tests, NULL, NULL);
}
