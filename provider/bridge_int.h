/* State shared by the bridge's controllers (provider/bridge*.c, podsync.c,
 * statussync.c, eventsync.c, nodectl.c, gc.c, resolver.c). Not a public
 * interface: only those files include it. */
#ifndef PROVIDER_BRIDGE_INT_H
#define PROVIDER_BRIDGE_INT_H

#include <cjson/cJSON.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "eci/client.h"
#include "eci/ops.h"
#include "k8s/client.h"
#include "k8s/events.h"
#include "k8s/informer.h"
#include "provider/config.h"
#include "provider/groupmap.h"
#include "provider/podmap/translate.h"
#include "provider/workqueue.h"
#include "util/prom.h"
#include "util/strmap.h"

typedef struct prov_bridge {
    const prov_cfg *cfg;
    k8s_client *kc;
    eci_client *ec;
    eci_creds *creds;
    k8s_informer *pods;
    k8s_informer *services; /* for service-link environment variables */
    k8s_recorder *rec;
    k8s_get_cache *gets;
    struct prov_ow *ow; /* watches of the ConfigMaps/Secrets pods wait for (objwatch.h) */
    prov_wq *wq;
    prov_gm *gm;
    prom_registry *metrics;
    podmap_config trcfg;
    podmap_resolver resolver;
    char *vswitches; /* comma list */
    char cluster_dns[64]; /* the kube-dns Service's IP when pods.clusterDNS is empty */
    char *node_uid;
    cJSON *node_status; /* the Node's status as read at registration (seeds transition times) */

    atomic_int stop;       /* set on SIGTERM / SIGINT */
    struct prov_nodecert *nodecert; /* the node's client certificate (NULL: the kubeconfig's identity) */
    atomic_int leading;    /* 1 while this replica runs the controllers */
    atomic_int eci_ok;     /* ECI answered the last call (DescribeRegions at start, then the status poll) */
    pthread_mutex_t eci_mu;
    char eci_reason[600];  /* why ECI is unreachable ("" while it answers); guarded by eci_mu */
    char eci_key[200];     /* the kind of that failure (code, ECI code, HTTP status); guarded by eci_mu */
    eci_client *ec_probe;  /* DescribeRegions without retries: the start-up and recovery probe */
    atomic_int recovered;  /* the group map was rebuilt from ECI */
    pthread_mutex_t wake_mu;
    pthread_cond_t wake_cv;

    /* Pods whose spec changed while running: uid -> the pod before (for
     * UpdateContainerGroup planning). Guarded by upd_mu. */
    pthread_mutex_t upd_mu;
    cJSON *pending_updates; /* object keyed by uid */

    /* The pod status last written (or found already right), uid -> status,
     * and the pods whose status in the API has since moved away from it
     * (another writer: the node lifecycle controller's Ready=False, a
     * readiness gate) or whose ephemeral containers changed, uid -> true:
     * the status sync describes their groups again on its next poll.
     * Guarded by drift_mu. */
    pthread_mutex_t drift_mu;
    cJSON *written;
    cJSON *drifted;

    /* Deduplication of ECI events already written: key -> count. */
    pthread_mutex_t ev_mu;
    strmap *seen_events;

    /* Events mirrored from ECI wait here for the event writer thread
     * (prov_event_writer_loop), which sends them through ev_kc, a client with
     * its own rate limit: events never delay pod creates or status writes.
     * Guarded by evq_mu; at most PROV_EVQ_CAP queued, the rest dropped. */
    k8s_client *ev_kc;
    pthread_mutex_t evq_mu;
    pthread_cond_t evq_cv;
    struct prov_evq_item *evq_head, *evq_tail; /* events as JSON text, oldest first */
    size_t evq_len;
    unsigned long evq_dropped;

    /* Metrics. */
    prom_metric *m_reconcile, *m_queue, *m_pods_phase, *m_status_writes, *m_watch_restarts, *m_eci_calls,
        *m_eci_latency, *m_k8s_requests, *m_evq, *m_evq_dropped, *m_k8s_seconds,
        *m_k8s_wait;
} prov_bridge;

#define PROV_EVQ_CAP 20000
typedef struct prov_evq_item {
    struct prov_evq_item *next;
    char text[]; /* the Event, compact JSON */
} prov_evq_item;
/* The event writer thread: drains evq until the bridge stops. arg = bridge. */
void *prov_event_writer_loop(void *arg);

/* Sleep up to ms, waking early when the bridge stops. Returns 1 when stopping. */
int prov_bridge_sleep(prov_bridge *b, long ms);
/* Wake every sleeping controller (stop). */
void prov_bridge_wake(prov_bridge *b);

/* ECI reachability (ecistate.c). prov_eci_probe calls DescribeRegions once:
 * 0 ECI answers (eci_ok set), 1 no answer (eci_ok cleared, the reason kept
 * and logged once per change), -1 an answer that blames a setting (one
 * error line logged naming it; the bridge should exit). prov_eci_report
 * records a success (err NULL) or a failure (context, may be NULL, says of
 * what) of any ECI call the node's readiness depends on, logging only when
 * the kind of failure changes; prov_eci_reason copies the current reason. */
int prov_eci_probe(prov_bridge *b);
void prov_eci_report(prov_bridge *b, const eci_error *err, const char *context);
void prov_eci_reason(prov_bridge *b, char *buf, size_t n);

/* "ns/name/uid" for a pod; caller frees. */
char *prov_pod_key(const cJSON *pod);
/* Split a key into its parts (copied into the buffers). Returns 0 or -1. */
int prov_pod_key_split(const char *key, char *ns, size_t nsl, char *name, size_t namel, char *uid, size_t uidl);

/* podsync.c: one reconcile of a pod key; 0 done, -1 retry with backoff. */
int prov_sync_pod(prov_bridge *b, const char *key);
/* podsync.c: informer handlers that queue keys. */
void prov_pod_handlers(prov_bridge *b, k8s_store_handlers *h);
/* podsync.c: delete a container group, ignoring NotFound. 0 or -1. */
int prov_delete_group(prov_bridge *b, const char *group_id, eci_error *err);
/* podsync.c: write a pod's status when it differs; 0 written or unchanged. */
int prov_write_pod_status(prov_bridge *b, const cJSON *pod, const cJSON *status);
/* Set annotations (an object of strings; NULL: nothing) on pod through the
 * status subresource, the only pod write NodeRestriction lets a node make
 * besides deleting (it refuses label changes there, not annotations). */
int prov_write_pod_annotations(prov_bridge *b, const cJSON *pod, const cJSON *annotations);
/* The pod's status is right again (written_too: the pod is gone). */
void prov_drift_forget(prov_bridge *b, const char *uid, int written_too);

/* statussync.c: the status poller thread. */
void *prov_status_loop(void *arg);
/* eventsync.c: ECI events -> Kubernetes Events, called by the status loop. */
void prov_events_poll(prov_bridge *b, int since_second);
/* gc.c: rebuild the group map from ECI tags (start-up), then adopt or delete
 * unknown groups and fail pods whose group vanished (periodic). */
int prov_recover(prov_bridge *b);
void prov_gc_pass(prov_bridge *b, const char *const *ids, size_t nids);
/* DescribeContainerGroups for ids[0..n), 20 per call: fn(i, group, arg) for
 * each id in order, group NULL when the service no longer knows it. A failed
 * call is logged and its ids skipped; returns -1 when any call failed. */
typedef void (*prov_describe_fn)(size_t i, const eci_container_group *g, void *arg);
int prov_describe_ids(prov_bridge *b, const char *const *ids, size_t n, prov_describe_fn fn, void *arg);
/* nodectl.c: register the Node, then renew its Lease and status. */
int prov_node_register(prov_bridge *b);
void *prov_node_loop(void *arg);
/* resolver.c: ConfigMaps, Secrets, tokens and Services for translation. */
void prov_resolver_init(prov_bridge *b);

/* The status mapping context for now. */
struct podmap_status_ctx;
void prov_st_ctx_now(prov_bridge *b, struct podmap_status_ctx *ctx, char *buf, size_t buflen);

#endif
