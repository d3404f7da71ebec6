/* util/prom.c: text exposition of counters, gauges and histograms. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "util/prom.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_render)};
    return cmocka_run_group_tests_name("prom", tests, NULL, NULL);
}
