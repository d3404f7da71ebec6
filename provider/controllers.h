/* The controllers' context and entry points. A controller sees the pod store,
 * the group map, the work queue, the event recorder, the apiserver client and
 * the backend (backend.h), nothing of the bridge's wiring, so tests drive
 * them with a fake backend (tests/fakes/) and a fake apiserver transport.
 *
 *   podsync.c    a pod key -> create / update / delete its group (workers)
 *   statussync.c the node's groups -> pod status (one thread)
 *   termsync.c   the groups of pods being deleted -> pod status, deletion
 *   eventsync.c  ECI events -> Kubernetes Events (through the recorder)
 *   gc.c         recovery at start, orphans and second groups later
 *   podstatus.c  the one writer of PATCH pods/status, with retries
 *
 * Calls go one way: statussync -> {podstatus, eventsync, gc};
 * podsync -> podstatus; nobody calls podsync but the workers. */
#ifndef PROVIDER_CONTROLLERS_H
#define PROVIDER_CONTROLLERS_H

#include <cjson/cJSON.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "k8s/client.h"
#include "k8s/events.h"
#include "k8s/informer.h"
#include "provider/backend.h"
#include "provider/groupmap.h"
#include "provider/podmap/translate.h"
#include "provider/workqueue.h"
#include "util/htab.h"
#include "util/prom.h"
#include "util/strmap.h"

/* One pod's status last written. */
typedef struct prov_written {
    struct prov_written *next;
    char *key;   /* = uid */
    ztext *text; /* the status (k8s_text_pack) */
    char uid[];
} prov_written;

typedef struct prov_ctl {
    /* ---- set by the owner before prov_ctl_init; borrowed ---- */
    const char *node_name;
    const char *node_ip;
    const char *cluster_name;
    /* the pod informer's store ("ns/name" keys); atomic: the price metrics
     * read it from the health server while the bridge publishes it */
    k8s_store *_Atomic pods;
    k8s_client *kc;    /* PATCH pods/status, DELETE pods */
    k8s_recorder *rec; /* every Event */
    prov_gm *gm;
    prov_wq *wq;
    const prov_backend *be;
    const podmap_config *trcfg;
    const podmap_resolver *resolver;
    struct prov_ow *ow;             /* watches of objects pods wait for (objwatch.h); may be NULL */
    long status_period_ms;          /* status poll period; <= 0: 5 s */
    int status_workers;             /* batches described and applied in parallel; <= 0: 1 */
    int allow_daemonset_pods;       /* else DaemonSet pods are kept Pending */
    prom_metric *m_status_writes;   /* may be NULL */
    prom_metric *m_reconcile;       /* by result; may be NULL */
    prom_metric *m_status_polls;    /* by trigger (period, change); may be NULL */
    /* Whether ECI answers the calls the node's readiness depends on (the
     * status poll, recovery): err NULL, or the failure (context, may be
     * NULL, says of what). NULL: only eci_ok below is set. */
    void (*eci_report)(void *arg, const eci_error *err, const char *context);
    void *eci_report_arg;

    /* ---- state ---- */
    atomic_int stop;      /* set on shutdown */
    atomic_int eci_ok;    /* the last status poll succeeded */
    atomic_int recovered; /* the group map was rebuilt from ECI */
    char *cluster_tag;    /* the tag values of cluster_name and node_name */
    char *node_tag;
    pthread_mutex_t wake_mu;
    pthread_cond_t wake_cv;
    /* A status poll was asked for (prov_ctl_poll_soon) since the last one
     * began (wake_mu); status polls begun because the period ran out; that
     * count when a pod status was last written (a changed status). */
    int poll_asked;
    atomic_ulong period_polls;
    atomic_ulong write_period;
    /* Pods whose spec changed while they had a group: uid -> the pod before
     * (for UpdateContainerGroup planning). */
    pthread_mutex_t upd_mu;
    cJSON *pending_updates;
    cJSON *resize_refused; /* uid -> why ECI does not run the pod's resources */
    /* Status writes that failed: uid -> {"key":..., "status":...}, written
     * again by the pod's next reconcile (podstatus.c); the uids whose status
     * a thread is writing (one writer per pod at a time), st_cv signalled
     * when one is given back. */
    pthread_mutex_t st_mu;
    pthread_cond_t st_cv;
    cJSON *pending_status;
    strmap *st_busy;
    /* The pod status last written (or found already right), by uid, as
     * deflated JSON text (prov_written, podstatus.c: a parsed tree per pod
     * cost 5 KB, its text 1.3 KB, deflated 0.3 KB, and it is read only when
     * the pod's status in the API moves or the pod is deleted), and the pods whose
     * status in the API has since moved away from it (another writer: the
     * node lifecycle controller's Ready=False, a readiness gate) or whose
     * ephemeral containers changed, uid -> the mark's number (drift_seq, a
     * later mark of the pod a larger one): the status sync describes their
     * groups again on the poll the mark asks for. */
    pthread_mutex_t drift_mu;
    htab written; /* of prov_written */
    strmap *drifted;
    uint64_t drift_seq;
    /* ECI events already written: "group|reason|message" -> count. */
    pthread_mutex_t ev_mu;
    strmap *seen_events;
} prov_ctl;

/* Initialise the state part (the borrowed fields must be set). */
void prov_ctl_init(prov_ctl *c);
void prov_ctl_destroy(prov_ctl *c);
/* Sleep up to ms, waking early on prov_ctl_wake or stop. Returns 1 when stopping. */
int prov_ctl_sleep(prov_ctl *c, long ms);
/* Wake every sleeper (stop, a change the node loop writes at once). */
void prov_ctl_wake(prov_ctl *c);
/* Ask the status sync for a poll now (a new group, a group stopping or
 * restarted, a pod whose status drifted): the poll begins at once, or as
 * soon as the one in progress ends (asked polls a second apart at least).
 * Never lost, however it falls against the poll in progress; asks made
 * before a poll begins are served by it. */
void prov_ctl_poll_soon(prov_ctl *c);
/* The status loop's wait: until a poll is asked for (but not before min_ms
 * passed), ms pass, or stop. Returns 1 when a poll was asked for (and takes
 * the ask), 0 when ms passed or stopping. */
int prov_ctl_poll_wait(prov_ctl *c, long ms, long min_ms);
/* Set stop, wake every sleeper and shut the work queue down. */
void prov_ctl_stop(prov_ctl *c);
/* Report whether ECI answered (err NULL) or how it failed, through eci_report. */
void prov_ctl_eci(prov_ctl *c, const eci_error *err, const char *context);
/* The pod at ns/name when its uid is uid (a copy the caller frees), else NULL. */
cJSON *prov_ctl_pod(prov_ctl *c, const char *ns, const char *name, const char *uid);

/* podsync.c: one reconcile of a pod key; 0 done, -1 retry with backoff. */
int prov_sync_pod(prov_ctl *c, const char *key);
/* podsync.c: informer handlers that queue keys (arg = c). */
void prov_pod_handlers(prov_ctl *c, k8s_store_handlers *h);
/* A worker: reconcile keys from the work queue until it shuts down (arg = c). */
void *prov_worker_loop(void *arg);

/* podstatus.c: write the pod's status when it differs from the current one
 * (a merge patch with a uid precondition), with annotations (an object of
 * strings; NULL: none) in the same patch. 0 when written, unchanged, or the
 * pod is gone; -1 when the write failed: then the status is kept and the
 * pod's key re-queued with backoff, and prov_status_flush writes it. */
int prov_status_write(prov_ctl *c, const cJSON *pod, const cJSON *status, const cJSON *annotations);
/* Write the status kept for uid by a failed prov_status_write, if any.
 * 0 when none is left, -1 when the write failed again. */
int prov_status_flush(prov_ctl *c, const char *uid);
/* Set annotations (an object of strings; NULL: nothing) on pod through the
 * status subresource, the only pod write NodeRestriction lets a node make
 * besides deleting (it refuses label changes there, not annotations).
 * 0 when written or the pod is gone, -1 on failure (logged). */
int prov_status_annotate(prov_ctl *c, const cJSON *pod, const cJSON *annotations);
/* In-place restart (podsync.c): a new value of PROV_RESTART_ANNOTATION on a
 * pod with a group calls RestartContainerGroup once; the value restarted is
 * then written as PROV_RESTARTED_ANNOTATION. */
#define PROV_RESTART_ANNOTATION "eci-kubelet/restart"
#define PROV_RESTARTED_ANNOTATION "eci-kubelet/restarted"

/* price.c: the hourly price of a pod's group (the backend's price, cached
 * per specification and region) as the annotations below, added to *ann
 * (created when NULL) when the pod lacks them; and the gauge
 * eci_kubelet_pod_hourly_price{namespace,pod} rebuilt from the pod store on
 * every scrape. */
#define PROV_PRICE_ANNOTATION "eci-kubelet/hourly-price"
#define PROV_PRICE_CURRENCY_ANNOTATION "eci-kubelet/price-currency"
void prov_price_annotate(prov_ctl *c, const cJSON *pod, const eci_container_group *g, cJSON **ann);
void prov_price_metrics(prov_ctl *c, prom_registry *r);
/* price.c: the pod store's summary of a pod (k8s_informer_opts.summarize):
 * "PHASE\tPRICE", or "PHASE" when the pod has no price annotation, so that
 * the metrics collectors read each pod's phase and price on every scrape
 * without parsing every pod. */
char *prov_pod_summary(const cJSON *pod, void *arg);
/* The phase in a summary, copied into buf ("" when none). */
const char *prov_pod_summary_phase(const char *summary, char *buf, size_t len);
/* summary, or when the store kept none for the pod at key, the pod's made
 * now (then *owned holds it: free() it); NULL when the pod is gone. */
const char *prov_pod_summary_of(k8s_store *pods, const char *key, const char *summary, char **owned);
/* Forget the kept status of uid (the pod is gone). */
void prov_status_forget(prov_ctl *c, const char *uid);
/* podstatus.c: the status last written for uid, parsed (the caller frees
 * it), or NULL. drift_mu held. */
cJSON *prov_written_get(prov_ctl *c, const char *uid);
void prov_written_free(prov_written *w);
/* The pod's status is right again (written_too: the pod is gone). */
void prov_drift_forget(prov_ctl *c, const char *uid, int written_too);
/* The number of uid's drift mark (0: none). A status built from the pod as
 * the store holds it after this call corrects that mark: then
 * prov_drift_served forgets it unless a later mark replaced it. */
uint64_t prov_drift_mark(prov_ctl *c, const char *uid);
void prov_drift_served(prov_ctl *c, const char *uid, uint64_t mark);

/* statussync.c: one poll of the node's groups (full: every group, vanished
 * groups, unknown groups to gc), then the thread that polls every period. */
void prov_status_poll(prov_ctl *c, int full, int since_s);
void *prov_status_loop(void *arg);

/* termsync.c: the groups of pods being deleted, described by id: the pod's
 * container statuses follow ECI while the group stops, and once it stopped
 * (or is gone) the pod's key is queued so its sync deletes the pod. Returns
 * how many groups are still stopping (the status thread polls every second
 * while any is). */
size_t prov_term_poll(prov_ctl *c);

/* eventsync.c: ECI events -> Kubernetes Events. */
void prov_events_poll(prov_ctl *c, int since_second);
void prov_emit_group_events(prov_ctl *c, const cJSON *pod, const eci_container_group *g);

/* gc.c: rebuild the group map (start-up) from the node's group listing, the
 * pods' own status and, for the groups no pod names, the groups' tags,
 * adopting groups whose pod exists and deleting the others; then the same
 * rule for groups the status poll finds that the map does not know. */
int prov_recover(prov_ctl *c);
void prov_gc_pass(prov_ctl *c, const char *const *ids, size_t nids);

/* DescribeContainerGroups for ids[0..n), 20 per call: fn(i, group, arg) for
 * each id in order, group NULL when the service no longer knows it. A failed
 * call skips its ids; returns -1 when any call failed. */
typedef void (*prov_describe_fn)(size_t i, const eci_container_group *g, void *arg);
int prov_describe_ids(prov_ctl *c, const char *const *ids, size_t n, prov_describe_fn fn, void *arg);

/* The status mapping context for now (buf holds the timestamp). */
struct podmap_status_ctx;
void prov_ctl_status_ctx(prov_ctl *c, struct podmap_status_ctx *ctx, char *buf, size_t buflen);
/* Why ECI does not run the pod's current resources (a refused in-place
 * resize; caller frees), or NULL. */
char *prov_resize_refused(prov_ctl *c, const char *uid);

#endif
