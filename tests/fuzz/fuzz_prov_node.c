/* libFuzzer target: provider/podmap/node.c on Node JSON as the apiserver might
 * return it (any shape): status with transition times taken from it, change
 * detection both ways, and the label/taint patch. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "provider/config.h"
#include "provider/podmap/node.h"

static prov_cfg cfg;
static podmap_node_config nc;
static int loaded;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!loaded) {
        char *argv[] = {"eci-kubelet", "--node-name=vk-fuzz", "--node-ip=10.0.0.1", "--region=cn-hangzhou",
                        "--zones=cn-hangzhou-h", "--security-group=sg-1", "--vswitch=vsw-1",
                        "--node-labels=a=b,example.com/x=y", "--capacity-from-usage", NULL};
        prov_cfg_error err;
        if (prov_cfg_load(9, argv, NULL, &cfg, &err) != 0)
            abort();
        prov_cfg_node(&cfg, &nc);
        loaded = 1;
    }
    cJSON *prev = cJSON_ParseWithLength((const char *)data, size);
    if (!prev)
        return 0;
    podmap_node_facts f = {.now = 1714564800, .not_ready = size & 1, .usage_cpu = "64"};
    cJSON *next = podmap_node_status(&nc, &f, prev);
    (void)podmap_node_status_changed(prev, next);
    (void)podmap_node_status_changed(next, prev);
    cJSON *p = podmap_node_meta_patch(&nc, prev);
    cJSON_Delete(p);
    cJSON_Delete(next);
    cJSON_Delete(prev);
    return 0;
}
