/* Small facts about a pod object: its work-queue key and its phase. */
#ifndef PROVIDER_PODMAP_POD_H
#define PROVIDER_PODMAP_POD_H

#include <cjson/cJSON.h>
#include <stddef.h>

/* "ns/name/uid" for a pod; caller frees. */
char *podmap_pod_key(const cJSON *pod);
/* Split a key into its parts (copied into the buffers). Returns 0 or -1. */
int podmap_pod_key_split(const char *key, char *ns, size_t nsl, char *name, size_t namel, char *uid, size_t uidl);
/* status.phase, "" when unset. */
const char *podmap_pod_phase(const cJSON *pod);
/* 1 when the phase is Succeeded or Failed. */
int podmap_pod_terminal(const cJSON *pod);
/* 1 when metadata.deletionTimestamp is set. */
int podmap_pod_deleting(const cJSON *pod);

#endif
