/* provider/kubelet_stats.c: PodStats from an ECI metric record and the
 * /metrics/resource and /metrics/cadvisor texts of a Summary. provider/kubelet_handlers.c: the log
 * follower's line selection (prov_log_select) and /runningpods/ (prov_running_pods). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "eci/types.h"
#include "provider/kubelet_handlers.h"

static const char *POD = "{\"metadata\":{\"name\":\"web\",\"namespace\":\"default\",\"uid\":\"u-1\"},"
                         "\"spec\":{\"containers\":[{\"name\":\"nginx\",\"image\":\"nginx:1.27\"},{\"name\":\"side\"}]},"
                         "\"status\":{\"startTime\":\"2024-05-01T11:00:00Z\",\"containerStatuses\":["
                         "{\"name\":\"nginx\",\"state\":{\"running\":{\"startedAt\":\"2024-05-01T11:00:05Z\"}}},"
                         "{\"name\":\"side\",\"state\":{\"running\":{\"startedAt\":\"2024-05-01T11:00:06Z\"}}}]}}";

static void record(eci_metric_record *r, eci_container_metric cm[3], eci_net_iface *nif)
{
    memset(r, 0, sizeof *r);
    memset(cm, 0, 3 * sizeof *cm);
    r->timestamp = "2024-05-01T20:00:00.734+08:00";
    cm[0].name = "nginx";
    cm[0].cpu.usage_nano_cores = 1000000;
    cm[0].cpu.usage_core_nano_seconds = 3600000000;
    cm[0].memory.usage_bytes = 20000000;
    cm[0].memory.working_set = 15000000;
    cm[0].memory.rss = 10000000;
    cm[1].name = "side";
    cm[1].memory.working_set = 4096; /* no CPU used yet */
    cm[2].name = "not-in-spec";
    r->containers = cm;
    r->n_containers = 3;
    r->cpu = cm[0].cpu;
    r->memory = cm[0].memory;
    memset(nif, 0, sizeof *nif);
    nif->name = "eth0";
    nif->rx_bytes = 7;
    r->interfaces = nif;
    r->n_interfaces = 1;
}

static void test_pod_stats(void **state)
{
    (void)state;
    cJSON *pod = cJSON_Parse(POD);
    eci_metric_record r;
    eci_container_metric cm[3];
    eci_net_iface nif;
    record(&r, cm, &nif);
    cJSON *ps = prov_kstats_pod_stats(pod, &r, 1);
    char *s = cJSON_PrintUnformatted(ps);
    assert_non_null(strstr(s, "\"podRef\":{\"name\":\"web\",\"namespace\":\"default\",\"uid\":\"u-1\"}"));
    assert_non_null(strstr(s, "\"startTime\":\"2024-05-01T11:00:00Z\""));
    /* +08:00 is converted to UTC, seconds precision. */
    assert_non_null(strstr(s, "{\"name\":\"nginx\",\"startTime\":\"2024-05-01T11:00:05Z\",\"cpu\":{\"time\":"
                              "\"2024-05-01T12:00:00Z\",\"usageNanoCores\":1000000,\"usageCoreNanoSeconds\":"
                              "3600000000},\"memory\":{\"time\":\"2024-05-01T12:00:00Z\",\"usageBytes\":20000000,"
                              "\"workingSetBytes\":15000000,\"rssBytes\":10000000}}"));
    assert_null(strstr(s, "not-in-spec"));
    assert_non_null(strstr(s, "\"network\":{\"time\":\"2024-05-01T12:00:00Z\",\"name\":\"eth0\",\"rxBytes\":7"));
    free(s);

    cJSON *sum = cJSON_CreateObject();
    cJSON *node = cJSON_AddObjectToObject(sum, "node");
    cJSON_AddStringToObject(node, "nodeName", "vk");
    cJSON *cpu = cJSON_AddObjectToObject(node, "cpu");
    cJSON_AddStringToObject(cpu, "time", "2024-05-01T12:00:00Z");
    cJSON_AddNumberToObject(cpu, "usageCoreNanoSeconds", 1234000000000.0);
    cJSON *mem = cJSON_AddObjectToObject(node, "memory");
    cJSON_AddStringToObject(mem, "time", "2024-05-01T12:00:00Z");
    cJSON_AddNumberToObject(mem, "workingSetBytes", 1e9);
    cJSON_AddItemToArray(cJSON_AddArrayToObject(sum, "pods"), ps);
    dynbuf d;
    dynbuf_init(&d, 0);
    prov_kstats_render_resource(sum, 0, &d);
    const char *t = dynbuf_str(&d);
    assert_non_null(strstr(t, "# TYPE container_cpu_usage_seconds_total counter\n"
                              "container_cpu_usage_seconds_total{container=\"nginx\",namespace=\"default\","
                              "pod=\"web\"} 3.6 1714564800000\n"));
    /* 0 cumulative CPU is reported as 1 ns so metrics-server keeps the pod. */
    assert_non_null(strstr(t, "container_cpu_usage_seconds_total{container=\"side\",namespace=\"default\","
                              "pod=\"web\"} 1e-09 1714564800000\n"));
    assert_non_null(strstr(t, "container_memory_working_set_bytes{container=\"nginx\",namespace=\"default\","
                              "pod=\"web\"} 15000000 1714564800000\n"));
    assert_non_null(strstr(t, "container_start_time_seconds{container=\"nginx\",namespace=\"default\","
                              "pod=\"web\"} 1714561205\n"));
    assert_non_null(strstr(t, "pod_cpu_usage_seconds_total{namespace=\"default\",pod=\"web\"} 3.6 1714564800000\n"));
    assert_non_null(strstr(t, "node_cpu_usage_seconds_total 1234 1714564800000\n"));
    assert_non_null(strstr(t, "node_memory_working_set_bytes 1000000000 1714564800000\n"));
    assert_non_null(strstr(t, "resource_scrape_error 0\n"));
    /* /metrics/cadvisor: cAdvisor's container families and labels */
    dynbuf_reset(&d);
    cJSON *pods = cJSON_CreateObject();
    cJSON_AddItemToObject(pods, "default/web", cJSON_Duplicate(pod, 1));
    prov_kstats_render_cadvisor(sum, pods, &d);
    t = dynbuf_str(&d);
    assert_non_null(strstr(t, "# TYPE container_cpu_usage_seconds_total counter\n"
                              "container_cpu_usage_seconds_total{container=\"nginx\",id=\"/eci/default/web/nginx\","
                              "image=\"nginx:1.27\",name=\"nginx\",namespace=\"default\",pod=\"web\"} 3.6 "
                              "1714564800000\n"));
    assert_non_null(strstr(t, "container_memory_working_set_bytes{container=\"nginx\",id=\"/eci/default/web/nginx\","
                              "image=\"nginx:1.27\",name=\"nginx\",namespace=\"default\",pod=\"web\"} 15000000"));
    assert_non_null(strstr(t, "container_memory_usage_bytes{container=\"nginx\""));
    assert_non_null(strstr(t, "container_memory_rss{container=\"nginx\""));
    assert_non_null(strstr(t, "container_start_time_seconds{container=\"side\",id=\"/eci/default/web/side\",image=\"\""));
    assert_non_null(strstr(t, "container_network_receive_bytes_total{container=\"\",id=\"/eci/default/web\",image=\"\","
                              "interface=\"eth0\",name=\"\",namespace=\"default\",pod=\"web\"} 7 1714564800000\n"));
    assert_non_null(strstr(t, "# TYPE container_network_transmit_bytes_total counter\n"));
    cJSON_Delete(pods);
    dynbuf_reset(&d);
    prov_kstats_render_resource(sum, 1, &d);
    assert_non_null(strstr(dynbuf_str(&d), "resource_scrape_error 1\n"));
    assert_non_null(strstr(dynbuf_str(&d), "\nscrape_error 1\n"));
    dynbuf_free(&d);
    cJSON_Delete(sum);
    cJSON_Delete(pod);
}

static void test_label_escape(void **state)
{
    (void)state;
    cJSON *sum = cJSON_Parse("{\"node\":{},\"pods\":[{\"podRef\":{\"name\":\"a\\\"b\",\"namespace\":\"n\\\\s\"},"
                             "\"containers\":[{\"name\":\"c\",\"memory\":{\"workingSetBytes\":5}}]}]}");
    dynbuf d;
    dynbuf_init(&d, 0);
    prov_kstats_render_resource(sum, 0, &d);
    assert_non_null(strstr(dynbuf_str(&d), "container_memory_working_set_bytes{container=\"c\",namespace=\"n\\\\s\","
                                           "pod=\"a\\\"b\"} 5\n"));
    /* No node figures: no node samples. */
    assert_null(strstr(dynbuf_str(&d), "\nnode_cpu_usage_seconds_total "));
    dynbuf_free(&d);
    cJSON_Delete(sum);
}

static int collect(void *ud, const char *p, size_t n)
{
    return dynbuf_add(ud, p, n);
}

static const char *sel(prov_log_cursor *c, const char *content, int ts, int64_t limit, dynbuf *d, int *rc)
{
    dynbuf_reset(d);
    *rc = prov_log_select(content, ts, limit, c, collect, d);
    dynbuf_addc(d, 0);
    return d->buf;
}

static void test_log_select(void **state)
{
    (void)state;
    dynbuf d;
    dynbuf_init(&d, 0);
    prov_log_cursor c;
    memset(&c, 0, sizeof c);
    int rc;
    const char *a = "2024-05-01T12:00:00.1Z one\n2024-05-01T12:00:00.12Z two\n";
    assert_string_equal(sel(&c, a, 0, 0, &d, &rc), "one\ntwo\n");
    assert_int_equal(rc, 0);
    /* The next poll returns the same lines and more: only the new ones. */
    const char *b = "2024-05-01T12:00:00.1Z one\n2024-05-01T12:00:00.12Z two\n"
                    "2024-05-01T12:00:00.120Z three\n2024-05-01T20:00:01+08:00 four\n";
    assert_string_equal(sel(&c, b, 0, 0, &d, &rc), "three\nfour\n");
    /* Several lines with one time: counted, none repeated, none lost. */
    const char *e = "2024-05-01T12:00:01Z four\n2024-05-01T12:00:01Z five\n2024-05-01T12:00:01Z six\n";
    assert_string_equal(sel(&c, e, 1, 0, &d, &rc), "2024-05-01T12:00:01Z five\n2024-05-01T12:00:01Z six\n");
    assert_string_equal(sel(&c, e, 1, 0, &d, &rc), "");
    /* Older lines are never sent again. */
    assert_string_equal(sel(&c, a, 0, 0, &d, &rc), "");
    /* A line without a stamp keeps its text. */
    assert_string_equal(sel(&c, "2024-05-01T12:00:02Z x y\nno stamp here\n", 0, 0, &d, &rc), "x y\nno stamp here\n");
    dynbuf_free(&d);
}

static void test_log_select_limit(void **state)
{
    (void)state;
    dynbuf d;
    dynbuf_init(&d, 0);
    prov_log_cursor c;
    memset(&c, 0, sizeof c);
    int rc;
    const char *a = "2024-05-01T12:00:00Z line-1\n2024-05-01T12:00:01Z line-2\n";
    assert_string_equal(sel(&c, a, 0, 10, &d, &rc), "line-1\nlin");
    assert_int_equal(rc, -1);
    /* Cursor only (tail 0): nothing is emitted, the next call sends new lines. */
    memset(&c, 0, sizeof c);
    assert_int_equal(prov_log_select(a, 0, 0, &c, NULL, NULL), 0);
    assert_int_equal(c.sent, 0);
    assert_string_equal(sel(&c, "2024-05-01T12:00:01Z line-2\n2024-05-01T12:00:02Z line-3\n", 0, 0, &d, &rc),
                        "line-3\n");
    dynbuf_free(&d);
}

/* The runtime's view of the pods in test_running_pods: "u-a" has a group and
 * a written status with its container running, though its watched pod still
 * shows it waiting (the watch lags the write); "u-b" has a group and nothing
 * written (its watched status serves); "u-c" has no group. */
static int runtime_status(void *ud, const char *uid, cJSON **status)
{
    (void)ud;
    if (!strcmp(uid, "u-a")) {
        *status = cJSON_Parse("{\"initContainerStatuses\":[{\"name\":\"init\",\"image\":\"busybox\","
                              "\"state\":{\"terminated\":{\"exitCode\":0}}}],"
                              "\"containerStatuses\":[{\"name\":\"main\",\"image\":\"nginx\","
                              "\"state\":{\"running\":{}}},{\"name\":\"side\",\"image\":\"envoy\","
                              "\"state\":{\"waiting\":{}}}]}");
        return 0;
    }
    if (!strcmp(uid, "u-b")) {
        *status = NULL;
        return 0;
    }
    return -1;
}

static void test_running_pods(void **state)
{
    (void)state;
    cJSON *pods = cJSON_Parse(
        "[{\"metadata\":{\"name\":\"a\",\"namespace\":\"ns\",\"uid\":\"u-a\"},\"status\":{\"containerStatuses\":"
        "[{\"name\":\"main\",\"image\":\"nginx\",\"state\":{\"waiting\":{}}}]}},"
        "{\"metadata\":{\"name\":\"b\",\"namespace\":\"ns\",\"uid\":\"u-b\"},\"status\":{\"containerStatuses\":"
        "[{\"name\":\"web\",\"image\":\"httpd\",\"state\":{\"running\":{}}}]}},"
        "{\"metadata\":{\"name\":\"c\",\"namespace\":\"ns\",\"uid\":\"u-c\"},\"status\":{\"containerStatuses\":"
        "[{\"name\":\"x\",\"image\":\"x\",\"state\":{\"running\":{}}}]}},"
        "{\"metadata\":{\"name\":\"d\",\"namespace\":\"ns\"}}]");
    cJSON *list = prov_running_pods(pods, runtime_status, NULL);
    char *s = cJSON_PrintUnformatted(list);
    assert_string_equal(
        s, "{\"kind\":\"PodList\",\"apiVersion\":\"v1\",\"metadata\":{},\"items\":["
           "{\"metadata\":{\"name\":\"a\",\"namespace\":\"ns\",\"uid\":\"u-a\",\"creationTimestamp\":null},"
           "\"spec\":{\"containers\":[{\"name\":\"main\",\"image\":\"nginx\",\"resources\":{}}]},\"status\":{}},"
           "{\"metadata\":{\"name\":\"b\",\"namespace\":\"ns\",\"uid\":\"u-b\",\"creationTimestamp\":null},"
           "\"spec\":{\"containers\":[{\"name\":\"web\",\"image\":\"httpd\",\"resources\":{}}]},\"status\":{}}]}");
    cJSON_free(s);
    cJSON_Delete(list);
    cJSON_Delete(pods);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pod_stats),
        cmocka_unit_test(test_label_escape),
        cmocka_unit_test(test_log_select),
        cmocka_unit_test(test_log_select_limit),
        cmocka_unit_test(test_running_pods),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
