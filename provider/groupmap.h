/* The bridge's map between pods and ECI container groups, keyed by pod UID
 * with a reverse index by ContainerGroupId. It is a cache of what the tags on
 * the groups and the pods say (rebuilt on start, gc.c); ECI remains
 * the truth. Thread-safe; lookups copy out. */
#ifndef PROVIDER_GROUPMAP_H
#define PROVIDER_GROUPMAP_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

typedef struct prov_gm prov_gm;

typedef struct prov_gm_entry {
    char uid[64];
    char group_id[64];
    char ns[64];           /* a namespace is a DNS label: at most 63 */
    char name[254];
    char eci_status[32];   /* last ECI group status seen ("" unknown) */
    uint64_t status_sig;   /* signature of the pod status last written (0: none) */
    char request_id[64];   /* RequestId of the CreateContainerGroup that made the group ("" unknown),
                              written on the pod with its first status */
    time_t created;        /* when the bridge created or first saw the group */
    int deleting;          /* DeleteContainerGroup sent */
    int stopped;           /* since then, ECI reported the group's containers stopped or the group gone */
    int legacy;            /* adopted from virtual-kubelet/alibabacloud-eci: without our tags, so
                              the tag listings miss it and status sync describes it by id */
} prov_gm_entry;

prov_gm *prov_gm_new(void);
void prov_gm_free(prov_gm *m);

/* Insert or replace the entry for e->uid (copied). */
void prov_gm_put(prov_gm *m, const prov_gm_entry *e);
/* Copy the entry for uid into *out; 0 when found, -1 otherwise. */
int prov_gm_get(prov_gm *m, const char *uid, prov_gm_entry *out);
int prov_gm_get_by_group(prov_gm *m, const char *group_id, prov_gm_entry *out);
/* Remove by uid; 0 when it existed. */
int prov_gm_del(prov_gm *m, const char *uid);
/* Update single fields; -1 when uid is unknown. */
int prov_gm_set_status(prov_gm *m, const char *uid, const char *eci_status, uint64_t status_sig);
int prov_gm_set_deleting(prov_gm *m, const char *uid, int deleting);
int prov_gm_set_stopped(prov_gm *m, const char *uid);
size_t prov_gm_count(prov_gm *m);
/* Snapshot of every entry: an array the caller frees; *n its length. */
prov_gm_entry *prov_gm_list(prov_gm *m, size_t *n);
/* 1 when pred holds for some entry (called under the map's lock: pred must not
 * call back into the map). No copy of the entries is made. */
int prov_gm_any(prov_gm *m, int (*pred)(const prov_gm_entry *e, void *arg), void *arg);

#endif
