/* The bridge's wiring: the clients, the informers and the controllers'
 * context (controllers.h), for bridge.c, nodectl.c, resolver.c and the
 * kubelet handlers. Not a public interface. */
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
#include "provider/controllers.h"
#include "provider/groupmap.h"
#include "provider/podmap/translate.h"
#include "provider/workqueue.h"
#include "util/prom.h"
#include "util/strmap.h"

typedef struct prov_bridge {
    const prov_cfg *cfg;
    k8s_client *kc;
    k8s_client *ev_kc; /* the Event recorder's client, with its own rate limit */
    eci_client *ec;
    eci_creds *creds;
    k8s_informer *_Atomic pods; /* read by the health server's callbacks */
    k8s_informer *services; /* for service-link environment variables */
    k8s_recorder *rec;
    k8s_get_cache *gets;
    struct prov_ow *ow; /* watches of the ConfigMaps/Secrets pods wait for (objwatch.h) */
    prov_wq *wq;
    prov_gm *gm;
    prov_backend *be;
    prom_registry *metrics;
    podmap_config trcfg;
    podmap_resolver resolver;
    char *vswitches; /* comma list */
    char cluster_dns[64]; /* the kube-dns Service's IP when pods.clusterDNS is empty */
    char *node_uid;
    cJSON *node_status; /* the Node's status as read at registration (seeds transition times) */
    struct prov_nodecert *nodecert; /* the node's client certificate (NULL: the kubeconfig's identity) */
    atomic_int leading; /* 1 while this replica runs the controllers */
    struct prov_imc *imc;          /* the ImageCache controller (imagecache.h), NULL when off */
    struct k8s_leader *imc_leader; /* its own election: one controller for every virtual node */
    pthread_mutex_t eci_mu;
    char eci_reason[600]; /* why ECI is unreachable ("" while it answers); guarded by eci_mu */
    char eci_key[200];    /* the kind of that failure (code, ECI code, HTTP status); guarded by eci_mu */
    eci_client *ec_probe; /* DescribeRegions without retries: the start-up and recovery probe */
    /* The controllers' context; its stop, eci_ok (ECI answered the last
     * call: DescribeRegions at start, then the status poll) and recovered
     * are the bridge's too. */
    prov_ctl ctl;

    /* Metrics. */
    prom_metric *m_queue, *m_pods_phase, *m_watch_restarts, *m_eci_calls, *m_eci_latency, *m_k8s_requests,
        *m_evq, *m_evq_dropped, *m_k8s_seconds, *m_k8s_wait, *m_write_period;
} prov_bridge;

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
/* bridge.c, for the health server and tests: the metrics registry with its
 * collectors (b->metrics); /readyz (ud = b: the pod informer has synced and
 * the group map is rebuilt); the pod informer over b->kc for the node
 * ctl.node_name, published to b->pods and ctl.pods while the health server
 * may be reading them. 0, or -1 with err filled. */
void prov_bridge_metrics_init(prov_bridge *b);
int prov_bridge_ready(void *ud);
int prov_bridge_start_pods(prov_bridge *b, k8s_error *err);
/* nodectl.c: register the Node, then renew its Lease and status. */
int prov_node_register(prov_bridge *b);
void *prov_node_loop(void *arg);
/* resolver.c: ConfigMaps, Secrets, tokens and Services for translation. */
void prov_resolver_init(prov_bridge *b);

#endif
