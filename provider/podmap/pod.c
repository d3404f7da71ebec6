/* Small facts about a pod object (see pod.h). */
#include "provider/podmap/pod.h"
#include "k8s/client.h"
#include "util/xmalloc.h"

#include <stdio.h>
#include <string.h>

char *podmap_pod_key(const cJSON *pod)
{
    const char *ns = k8s_meta_str(pod, "namespace");
    const char *name = k8s_meta_str(pod, "name");
    const char *uid = k8s_meta_str(pod, "uid");
    return xasprintf("%s/%s/%s", ns ? ns : "", name ? name : "", uid ? uid : "");
}

int podmap_pod_key_split(const char *key, char *ns, size_t nsl, char *name, size_t namel, char *uid, size_t uidl)
{
    const char *a = strchr(key, '/');
    const char *b = a ? strchr(a + 1, '/') : NULL;
    if (!a || !b)
        return -1;
    snprintf(ns, nsl, "%.*s", (int)(a - key), key);
    snprintf(name, namel, "%.*s", (int)(b - a - 1), a + 1);
    snprintf(uid, uidl, "%s", b + 1);
    return ns[0] && name[0] && uid[0] ? 0 : -1;
}

const char *podmap_pod_phase(const cJSON *pod)
{
    const cJSON *ph = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(pod, "status"), "phase");
    return cJSON_IsString(ph) ? ph->valuestring : "";
}

int podmap_pod_terminal(const cJSON *pod)
{
    const char *p = podmap_pod_phase(pod);
    return strcmp(p, "Succeeded") == 0 || strcmp(p, "Failed") == 0;
}

int podmap_pod_deleting(const cJSON *pod)
{
    const cJSON *meta = cJSON_GetObjectItemCaseSensitive(pod, "metadata");
    return cJSON_IsString(cJSON_GetObjectItemCaseSensitive(meta, "deletionTimestamp"));
}
