/* provider/node: Node JSON, conditions and transition times, change
 * detection, status cadence, label/taint reconciliation, Lease. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "provider/config.h"
#include "provider/podmap/node.h"

/* The Node part of c, taken afresh at each call (tests change c between calls). */
static const podmap_node_config *node_cfg(const prov_cfg *c)
{
    static podmap_node_config nc;
    prov_cfg_node(c, &nc);
    return &nc;
}

static void load_cfg(prov_cfg *c, const char *extra1, const char *extra2)
{
    char *argv[16];
    int n = 0;
    argv[n++] = "eci-kubelet";
    argv[n++] = "--node-name=vk-eci";
    argv[n++] = "--node-ip=10.0.0.5";
    argv[n++] = "--region=cn-hangzhou";
    argv[n++] = "--zones=cn-hangzhou-h,cn-hangzhou-i";
    argv[n++] = "--security-group=sg-1";
    argv[n++] = "--vswitch=vsw-1";
    if (extra1)
        argv[n++] = (char *)extra1;
    if (extra2)
        argv[n++] = (char *)extra2;
    argv[n] = NULL;
    prov_cfg_error e;
    if (prov_cfg_load(n, argv, NULL, c, &e) != 0)
        fail_msg("config: %s", e.msg);
}

static const char *jstr(const cJSON *o, const char *path)
{
    /* dotted path; a segment "[type=Ready]" picks an array element by type */
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    const cJSON *cur = o;
    for (char *seg = strtok(buf, "|"); seg && cur; seg = strtok(NULL, "|")) {
        if (seg[0] == '[') {
            char *eq = strchr(seg, '=');
            char *end = strchr(seg, ']');
            *eq = 0;
            *end = 0;
            const cJSON *it, *found = NULL;
            cJSON_ArrayForEach(it, cur)
            {
                const cJSON *v = cJSON_GetObjectItemCaseSensitive(it, seg + 1);
                if (cJSON_IsString(v) && strcmp(v->valuestring, eq + 1) == 0)
                    found = it;
            }
            cur = found;
        } else {
            cur = cJSON_GetObjectItemCaseSensitive(cur, seg);
        }
    }
    if (!cur)
        return NULL;
    if (cJSON_IsString(cur))
        return cur->valuestring;
    return "(non-string)";
}

static void test_node_object(void **state)
{
    (void)state;
    prov_cfg c;
    load_cfg(&c, "--node-labels=team=infra,type=override-not-allowed-here", "--port=10350");
    podmap_node_facts f = {.now = 1714564800, .version = "1.2.3"}; /* 2024-05-01T12:00:00Z */
    cJSON *n = podmap_node_build(node_cfg(&c), &f, NULL);
    assert_string_equal(jstr(n, "apiVersion"), "v1");
    assert_string_equal(jstr(n, "kind"), "Node");
    assert_string_equal(jstr(n, "metadata|name"), "vk-eci");
    static const char *const labels[][2] = {
        {"kubernetes.io/os", "linux"},
        {"kubernetes.io/arch", "amd64"},
        {"beta.kubernetes.io/os", "linux"},
        {"kubernetes.io/hostname", "vk-eci"},
        {"node.kubernetes.io/instance-type", "eci"},
        {"topology.kubernetes.io/region", "cn-hangzhou"},
        {"topology.kubernetes.io/zone", "cn-hangzhou-h"},
        {"alibabacloud.com/virtual-node", "true"},
        {"node.kubernetes.io/exclude-from-external-load-balancers", "true"},
        {"team", "infra"},
        {"type", "override-not-allowed-here"}, /* extra labels are applied last */
    };
    const cJSON *lab = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(n, "metadata"), "labels");
    for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(lab, labels[i][0]);
        if (!cJSON_IsString(v) || strcmp(v->valuestring, labels[i][1]) != 0)
            fail_msg("label %s", labels[i][0]);
    }
    assert_string_equal(jstr(n, "metadata|annotations|" PODMAP_NODE_ANN_LABELS), "team,type");
    const cJSON *taints = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(n, "spec"), "taints");
    assert_int_equal(cJSON_GetArraySize(taints), 1);
    assert_string_equal(jstr(cJSON_GetArrayItem(taints, 0), "key"), "virtual-kubelet.io/provider");
    assert_string_equal(jstr(cJSON_GetArrayItem(taints, 0), "value"), "alibabacloud");
    assert_string_equal(jstr(cJSON_GetArrayItem(taints, 0), "effect"), "NoSchedule");

    assert_string_equal(jstr(n, "status|phase"), "Running");
    assert_string_equal(jstr(n, "status|capacity|cpu"), "1000");
    assert_string_equal(jstr(n, "status|capacity|memory"), "4Ti");
    assert_string_equal(jstr(n, "status|capacity|pods"), "1000");
    assert_string_equal(jstr(n, "status|capacity|ephemeral-storage"), "4Ti");
    assert_string_equal(jstr(n, "status|allocatable|pods"), "1000");
    static const char *const cond[][3] = {
        {"Ready", "True", "KubeletReady"},
        {"MemoryPressure", "False", "KubeletHasSufficientMemory"},
        {"DiskPressure", "False", "KubeletHasNoDiskPressure"},
        {"PIDPressure", "False", "KubeletHasSufficientPID"},
        {"NetworkUnavailable", "False", "RouteCreated"},
    };
    for (size_t i = 0; i < 5; i++) {
        char p[128];
        snprintf(p, sizeof p, "status|conditions|[type=%s]|status", cond[i][0]);
        assert_string_equal(jstr(n, p), cond[i][1]);
        snprintf(p, sizeof p, "status|conditions|[type=%s]|reason", cond[i][0]);
        assert_string_equal(jstr(n, p), cond[i][2]);
        snprintf(p, sizeof p, "status|conditions|[type=%s]|lastHeartbeatTime", cond[i][0]);
        assert_string_equal(jstr(n, p), "2024-05-01T12:00:00Z");
        snprintf(p, sizeof p, "status|conditions|[type=%s]|lastTransitionTime", cond[i][0]);
        assert_string_equal(jstr(n, p), "2024-05-01T12:00:00Z");
        snprintf(p, sizeof p, "status|conditions|[type=%s]|message", cond[i][0]);
        assert_true(strlen(jstr(n, p)) > 5);
    }
    assert_string_equal(jstr(n, "status|addresses|[type=InternalIP]|address"), "10.0.0.5");
    assert_string_equal(jstr(n, "status|addresses|[type=Hostname]|address"), "10.0.0.5");
    const cJSON *port = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(n, "status"), "daemonEndpoints"),
            "kubeletEndpoint"),
        "Port");
    assert_true(cJSON_IsNumber(port));
    assert_int_equal(port->valueint, 10350);
    assert_string_equal(jstr(n, "status|nodeInfo|kubeletVersion"), "v1.33.0-eci-kubelet-1.2.3");
    assert_string_equal(jstr(n, "status|nodeInfo|containerRuntimeVersion"), "eci://2018-08-08");
    assert_string_equal(jstr(n, "status|nodeInfo|operatingSystem"), "linux");
    assert_string_equal(jstr(n, "status|nodeInfo|architecture"), "amd64");
    assert_non_null(jstr(n, "status|nodeInfo|kernelVersion"));
    assert_non_null(strstr(jstr(n, "status|nodeInfo|osImage"), "Elastic Container Instance"));
    cJSON_Delete(n);
    prov_cfg_free(&c);
}

static void test_taint_none_and_hostname(void **state)
{
    (void)state;
    prov_cfg c;
    load_cfg(&c, "--node-taint=none", "--hostname-address=none");
    podmap_node_facts f = {.now = 1000};
    cJSON *n = podmap_node_build(node_cfg(&c), &f, NULL);
    const cJSON *taints = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(n, "spec"), "taints");
    assert_int_equal(cJSON_GetArraySize(taints), 0);
    assert_null(jstr(n, "status|addresses|[type=Hostname]|address"));
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(
                         cJSON_GetObjectItemCaseSensitive(n, "status"), "addresses")),
                     1);
    cJSON_Delete(n);
    prov_cfg_free(&c);
}

static void test_transition_times(void **state)
{
    (void)state;
    prov_cfg c;
    load_cfg(&c, NULL, NULL);
    podmap_node_facts f = {.now = 1714564800};
    cJSON *s1 = podmap_node_status(node_cfg(&c), &f, NULL);
    /* Later, nothing changed: heartbeat moves, transition stays. */
    f.now += 60;
    cJSON *s2 = podmap_node_status(node_cfg(&c), &f, s1);
    assert_string_equal(jstr(s2, "conditions|[type=Ready]|lastHeartbeatTime"), "2024-05-01T12:01:00Z");
    assert_string_equal(jstr(s2, "conditions|[type=Ready]|lastTransitionTime"), "2024-05-01T12:00:00Z");
    assert_false(podmap_node_status_changed(s1, s2));
    /* Not ready: Ready transitions, the others keep their times. */
    f.now += 60;
    f.not_ready = true;
    f.not_ready_reason = "ECIUnreachable";
    f.not_ready_message = "DescribeContainerGroups failed: timeout";
    /* pass the whole Node as prev this time */
    cJSON *node = cJSON_CreateObject();
    cJSON_AddItemToObject(node, "status", cJSON_Duplicate(s2, 1));
    cJSON *s3 = podmap_node_status(node_cfg(&c), &f, node);
    assert_string_equal(jstr(s3, "conditions|[type=Ready]|status"), "False");
    assert_string_equal(jstr(s3, "conditions|[type=Ready]|reason"), "ECIUnreachable");
    assert_string_equal(jstr(s3, "conditions|[type=Ready]|message"), "DescribeContainerGroups failed: timeout");
    assert_string_equal(jstr(s3, "conditions|[type=Ready]|lastTransitionTime"), "2024-05-01T12:02:00Z");
    assert_string_equal(jstr(s3, "conditions|[type=MemoryPressure]|lastTransitionTime"), "2024-05-01T12:00:00Z");
    assert_true(podmap_node_status_changed(node, s3));
    /* Pressure flags. */
    f.not_ready = false;
    f.not_ready_reason = NULL;
    f.memory_pressure = f.pid_pressure = f.disk_pressure = f.network_unavailable = true;
    cJSON *s4 = podmap_node_status(node_cfg(&c), &f, s3);
    assert_string_equal(jstr(s4, "conditions|[type=Ready]|reason"), "KubeletReady");
    assert_string_equal(jstr(s4, "conditions|[type=MemoryPressure]|status"), "True");
    assert_string_equal(jstr(s4, "conditions|[type=MemoryPressure]|reason"), "KubeletHasInsufficientMemory");
    assert_string_equal(jstr(s4, "conditions|[type=DiskPressure]|reason"), "KubeletHasDiskPressure");
    assert_string_equal(jstr(s4, "conditions|[type=PIDPressure]|reason"), "KubeletHasInsufficientPID");
    assert_string_equal(jstr(s4, "conditions|[type=NetworkUnavailable]|status"), "True");
    /* A malformed previous object is ignored rather than trusted. */
    cJSON *junk = cJSON_Parse("{\"status\":{\"conditions\":[{\"type\":7},{\"type\":\"Ready\",\"status\":\"True\","
                              "\"lastTransitionTime\":5}]}}");
    cJSON *s5 = podmap_node_status(node_cfg(&c), &f, junk);
    assert_string_equal(jstr(s5, "conditions|[type=Ready]|lastTransitionTime"), "2024-05-01T12:02:00Z");
    cJSON_Delete(junk);
    cJSON *patch = podmap_node_status_patch(s4);
    assert_string_equal(jstr(patch, "status|phase"), "Running");
    cJSON_Delete(patch);
    cJSON_Delete(s1);
    cJSON_Delete(s2);
    cJSON_Delete(s3);
    cJSON_Delete(s4);
    cJSON_Delete(s5);
    cJSON_Delete(node);
    prov_cfg_free(&c);
}

static void test_change_detection(void **state)
{
    (void)state;
    prov_cfg c;
    load_cfg(&c, "--capacity-from-usage", NULL);
    podmap_node_facts f = {.now = 100};
    cJSON *a = podmap_node_status(node_cfg(&c), &f, NULL);
    assert_true(podmap_node_status_changed(NULL, a));
    /* The apiserver's copy may reorder conditions and add fields. */
    cJSON *b = cJSON_Duplicate(a, 1);
    cJSON *conds = cJSON_DetachItemFromObjectCaseSensitive(b, "conditions");
    cJSON *rev = cJSON_CreateArray();
    for (int i = cJSON_GetArraySize(conds) - 1; i >= 0; i--)
        cJSON_AddItemToArray(rev, cJSON_DetachItemFromArray(conds, i));
    cJSON_Delete(conds);
    cJSON_AddItemToObject(b, "conditions", rev);
    cJSON_AddItemToObject(b, "images", cJSON_CreateArray());
    assert_false(podmap_node_status_changed(a, b));
    /* The apiserver returns canonical quantities and may add fields of its own. */
    cJSON *cap = cJSON_GetObjectItemCaseSensitive(b, "capacity");
    cJSON_ReplaceItemInObjectCaseSensitive(cap, "cpu", cJSON_CreateString("1k"));
    cJSON_ReplaceItemInObjectCaseSensitive(cap, "pods", cJSON_CreateString("1e3"));
    cJSON_ReplaceItemInObjectCaseSensitive(cap, "memory", cJSON_CreateString("4398046511104"));
    cJSON_AddStringToObject(cap, "hugepages-2Mi", "0");
    cJSON_AddStringToObject(cJSON_GetObjectItemCaseSensitive(b, "nodeInfo"), "swap", "x");
    cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(b, "conditions"),
                         cJSON_Parse("{\"type\":\"CustomCheck\",\"status\":\"True\"}"));
    assert_false(podmap_node_status_changed(b, a));
    cJSON_ReplaceItemInObjectCaseSensitive(cap, "cpu", cJSON_CreateString("999"));
    assert_true(podmap_node_status_changed(b, a));
    cJSON_ReplaceItemInObjectCaseSensitive(cap, "cpu", cJSON_CreateString("bogus"));
    assert_true(podmap_node_status_changed(b, a));
    cJSON_ReplaceItemInObjectCaseSensitive(cap, "cpu", cJSON_CreateString("1000"));
    assert_false(podmap_node_status_changed(b, a));
    /* Port and address changes count. */
    cJSON *c2 = cJSON_Duplicate(a, 1);
    cJSON_SetIntValue(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(c2, "daemonEndpoints"), "kubeletEndpoint"), "Port"), 1);
    assert_true(podmap_node_status_changed(a, c2));
    cJSON_Delete(c2);
    c2 = cJSON_Duplicate(a, 1);
    cJSON_DeleteItemFromArray(cJSON_GetObjectItemCaseSensitive(c2, "addresses"), 1);
    assert_true(podmap_node_status_changed(a, c2));
    cJSON_Delete(c2);
    /* Capacity from ListUsage. */
    f.usage_cpu = "64";
    f.usage_pods = "100";
    cJSON *d = podmap_node_status(node_cfg(&c), &f, a);
    assert_string_equal(jstr(d, "capacity|cpu"), "64");
    assert_string_equal(jstr(d, "allocatable|pods"), "100");
    assert_string_equal(jstr(d, "capacity|memory"), "4Ti");
    assert_true(podmap_node_status_changed(a, d));
    /* Cadence. */
    assert_true(podmap_node_status_due(true, 1000, 1001, 60000));
    assert_true(podmap_node_status_due(false, 0, 1001, 60000));
    assert_false(podmap_node_status_due(false, 1000, 1059, 60000));
    assert_true(podmap_node_status_due(false, 1000, 1060, 60000));
    assert_true(podmap_node_status_due(false, 1000, 900, 60000));
    cJSON_Delete(a);
    cJSON_Delete(b);
    cJSON_Delete(d);
    prov_cfg_free(&c);
    /* usage is ignored when capacity_from_usage is off */
    load_cfg(&c, "--capacity-from-usage=false", NULL);
    cJSON *e = podmap_node_status(node_cfg(&c), &f, NULL);
    assert_string_equal(jstr(e, "capacity|cpu"), "1000");
    cJSON_Delete(e);
    prov_cfg_free(&c);
}

static void test_meta_patch(void **state)
{
    (void)state;
    prov_cfg c;
    load_cfg(&c, "--node-labels=team=infra,old=1", NULL);
    podmap_node_facts f = {.now = 100};
    cJSON *n = podmap_node_build(node_cfg(&c), &f, NULL);
    /* What the bridge created needs no patch. */
    assert_null(podmap_node_meta_patch(node_cfg(&c), n));
    /* Someone else's taint and label are kept; the bridge's change lands. */
    cJSON *md = cJSON_GetObjectItemCaseSensitive(n, "metadata");
    cJSON_AddStringToObject(md, "resourceVersion", "42");
    cJSON_AddStringToObject(cJSON_GetObjectItemCaseSensitive(md, "labels"), "other", "x");
    cJSON *taints = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(n, "spec"), "taints");
    cJSON_AddItemToArray(taints, cJSON_Parse("{\"key\":\"node.kubernetes.io/unreachable\",\"effect\":\"NoExecute\"}"));
    prov_cfg_free(&c);
    load_cfg(&c, "--node-labels=team=platform", "--node-taint=example.com/eci=yes:NoSchedule");
    cJSON *p = podmap_node_meta_patch(node_cfg(&c), n);
    assert_non_null(p);
    assert_string_equal(jstr(p, "metadata|resourceVersion"), "42");
    assert_string_equal(jstr(p, "metadata|labels|team"), "platform");
    assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(p, "metadata"), "labels"), "old")));
    assert_null(cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(p, "metadata"), "labels"), "other"));
    assert_string_equal(jstr(p, "metadata|annotations|" PODMAP_NODE_ANN_LABELS), "team");
    assert_string_equal(jstr(p, "metadata|annotations|" PODMAP_NODE_ANN_TAINT), "example.com/eci");
    const cJSON *nt = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(p, "spec"), "taints");
    assert_int_equal(cJSON_GetArraySize(nt), 2);
    assert_string_equal(jstr(cJSON_GetArrayItem(nt, 0), "key"), "node.kubernetes.io/unreachable");
    assert_string_equal(jstr(cJSON_GetArrayItem(nt, 1), "key"), "example.com/eci");
    assert_string_equal(jstr(cJSON_GetArrayItem(nt, 1), "value"), "yes");
    cJSON_Delete(p);
    /* Disabling the taint removes only the bridge's. */
    prov_cfg_free(&c);
    load_cfg(&c, "--node-labels=team=infra,old=1", "--node-taint=none");
    p = podmap_node_meta_patch(node_cfg(&c), n);
    nt = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(p, "spec"), "taints");
    assert_int_equal(cJSON_GetArraySize(nt), 1);
    assert_string_equal(jstr(cJSON_GetArrayItem(nt, 0), "key"), "node.kubernetes.io/unreachable");
    assert_null(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(p, "metadata"), "labels"));
    cJSON_Delete(p);
    /* A Node with nothing (created by someone else) gets everything. */
    cJSON *bare = cJSON_Parse("{\"metadata\":{\"name\":\"vk-eci\"}}");
    p = podmap_node_meta_patch(node_cfg(&c), bare);
    assert_string_equal(jstr(p, "metadata|labels|type"), "virtual-kubelet");
    assert_null(cJSON_GetObjectItemCaseSensitive(p, "spec"));
    cJSON_Delete(p);
    cJSON_Delete(bare);
    cJSON_Delete(n);
    prov_cfg_free(&c);
}

static void test_lease_and_times(void **state)
{
    (void)state;
    prov_cfg c;
    load_cfg(&c, NULL, NULL);
    struct timespec ts = {1714564800, 123456789};
    cJSON *l = podmap_node_lease(node_cfg(&c), "uid-1", &ts);
    assert_string_equal(jstr(l, "apiVersion"), "coordination.k8s.io/v1");
    assert_string_equal(jstr(l, "kind"), "Lease");
    assert_string_equal(jstr(l, "metadata|name"), "vk-eci");
    assert_string_equal(jstr(l, "metadata|namespace"), "kube-node-lease");
    assert_string_equal(jstr(l, "metadata|ownerReferences|[kind=Node]|uid"), "uid-1");
    assert_string_equal(jstr(l, "spec|holderIdentity"), "vk-eci");
    assert_string_equal(jstr(l, "spec|renewTime"), "2024-05-01T12:00:00.123456Z");
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(l, "spec"),
                                                      "leaseDurationSeconds")
                         ->valueint,
                     40);
    assert_int_equal(podmap_node_lease_renew_interval_ms(node_cfg(&c)), 10000);
    cJSON_Delete(l);
    l = podmap_node_lease(node_cfg(&c), NULL, &ts);
    assert_null(jstr(l, "metadata|ownerReferences"));
    cJSON_Delete(l);
    char *v = podmap_node_kubelet_version("6c0d650-dirty");
    assert_string_equal(v, "v1.33.0-eci-kubelet-6c0d650-dirty");
    free(v);
    v = podmap_node_kubelet_version("1.0+build/7");
    assert_string_equal(v, "v1.33.0-eci-kubelet-1.0-build-7");
    free(v);
    v = podmap_node_kubelet_version(NULL);
    assert_true(strncmp(v, "v1.33.0-eci-kubelet-", 20) == 0);
    free(v);
    prov_cfg_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_node_object),     cmocka_unit_test(test_taint_none_and_hostname),
        cmocka_unit_test(test_transition_times), cmocka_unit_test(test_change_detection),
        cmocka_unit_test(test_meta_patch),      cmocka_unit_test(test_lease_and_times),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
