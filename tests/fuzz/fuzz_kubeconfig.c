/* libFuzzer target: k8s/config.c, kubeconfig parsing (YAML via libyaml,
 * base64 and PEM checks). File access is disabled in fuzz builds. */
#include <stddef.h>
#include <stdint.h>

#include "k8s/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    k8s_config *c = NULL;
    k8s_error e;
    if (k8s_config_parse_kubeconfig((const char *)data, size, "fuzz", "/nonexistent", NULL, &c, &e) == 0)
        k8s_config_free(c);
    if (k8s_config_parse_kubeconfig((const char *)data, size, "fuzz", "/nonexistent", "a", &c, &e) == 0)
        k8s_config_free(c);
    return 0;
}
