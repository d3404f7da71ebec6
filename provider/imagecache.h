/* The ImageCache controller: ACK's cluster-scoped ImageCache objects
 * (imagecaches.eci.alibabacloud.com/v1) reconciled through CreateImageCache,
 * DescribeImageCaches and DeleteImageCache, with status, Events and a
 * finalizer that deletes the cache with the object. Run by the leader only.
 *
 * It acts with an identity of its own, never the node's (a kubelet has no
 * rights on custom resources): the bridge's service account, which holds
 * ClusterRole eci-kubelet-imagecache (deploy/base/rbac.yaml). One thread
 * runs the informer, one the reconciles. */
#ifndef PROVIDER_IMAGECACHE_H
#define PROVIDER_IMAGECACHE_H

#include <stdatomic.h>

#include "k8s/client.h"
#include "provider/backend.h"
#include "provider/podmap/imagecache.h"

typedef struct prov_imc prov_imc;

typedef struct prov_imc_opts {
    k8s_client *kc;           /* borrowed: the controller's identity */
    const prov_backend *be;   /* borrowed: imc_create/imc_describe/imc_delete */
    podmap_imc_config cfg;    /* strings borrowed, must outlive the controller */
    long poll_ms;             /* DescribeImageCaches period while a cache is built; 0 = 2000 */
    long resync_ms;           /* of a Ready cache (expiry, deletion outside); 0 = 300000 */
    const char *host;         /* source.host of its Events (the node name) */
} prov_imc_opts;

/* Start the informer and the worker; NULL (after one log line) when the
 * informer cannot be made. Stop with prov_imc_stop. */
prov_imc *prov_imc_start(const prov_imc_opts *o);
/* Reconcile (1) or only keep the informer's cache (0, the start state):
 * the holder of the ImageCache Lease reconciles, every replica answers
 * prov_imc_lookup. Becoming active queues every object. NULL is fine. */
void prov_imc_set_active(prov_imc *m, int active);
/* Stop both threads and free; NULL is fine. */
void prov_imc_stop(prov_imc *m);

/* The cache of ImageCache name (for pods that name one): 1 and *id (caller
 * frees) when it is Ready, 0 when there is no such object, 2 when it exists
 * but its cache is not Ready yet (*reason, caller frees, says its phase),
 * 3 when its cache Failed. m NULL: 0. Thread-safe. */
int prov_imc_lookup(prov_imc *m, const char *name, char **id, char **reason);

/* The ImageCache resource. */
extern const k8s_resource PROV_RES_IMAGECACHES;

#endif
