/* provider/kubelet_stats.c: PodStats from an ECI metric record and the
 * /metrics/resource text of a Summary. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "eci/types.h"
#include "provider/kubelet.h"

static const char *POD = "{\"metadata\":{\"name\":\"web\",\"namespace\":\"default\",\"uid\":\"u-1\"},"
                         "\"spec\":{\"containers\":[{\"name\":\"nginx\"},{\"name\":\"side\"}]},"
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pod_stats),
        cmocka_unit_test(test_label_escape),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
