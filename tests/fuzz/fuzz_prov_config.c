/* libFuzzer target: provider/config.c, the YAML config file loader (and,
 * when the input loads, the redacted dump and the Node built from it). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "provider/config.h"
#include "provider/podmap/node.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int fd = memfd_create("fuzz-config", 0);
    if (fd < 0)
        return 0;
    if (size && write(fd, data, size) != (ssize_t)size) {
        close(fd);
        return 0;
    }
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    char *argv[] = {"eci-kubelet", "--config", path, "--node-ip=10.0.0.1", NULL};
    char *env[] = {"ECI_REGION=cn-hangzhou", "ECI_SECURITY_GROUP=sg-1", "ECI_VSWITCH=vsw-1", NULL};
    prov_cfg cfg;
    prov_cfg_error err;
    if (prov_cfg_load(4, argv, env, &cfg, &err) == 0) {
        free(prov_cfg_dump(&cfg));
        podmap_node_config nc;
        prov_cfg_node(&cfg, &nc);
        podmap_node_facts f = {.now = 1714564800};
        cJSON *n = podmap_node_build(&nc, &f, NULL);
        cJSON *p = podmap_node_meta_patch(&nc, n);
        cJSON_Delete(p);
        cJSON_Delete(n);
    }
    prov_cfg_free(&cfg);
    close(fd);
    return 0;
}
