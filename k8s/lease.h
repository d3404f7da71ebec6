/* coordination.k8s.io/v1 Leases: the node heartbeat Lease in kube-node-lease
 * and a leader-election helper in the style of client-go's leaderelection. */
#ifndef K8S_LEASE_H
#define K8S_LEASE_H

#include <cjson/cJSON.h>
#include <time.h>

#include "k8s/client.h"
#include "k8s/error.h"

#define K8S_NODE_LEASE_NS "kube-node-lease"
#define K8S_NODE_LEASE_DURATION_S 40

/* ---- node heartbeat lease ---- */

typedef struct k8s_node_lease k8s_node_lease;

/* A heartbeat for node_name (holderIdentity = node name, leaseDurationSeconds
 * = duration_s, 0 = 40). node_uid, when non-NULL, sets an ownerReference to the
 * Node. c is borrowed. Free with k8s_node_lease_free. */
/* The Lease object itself (caller frees): coordination.k8s.io/v1 in
 * kube-node-lease, holderIdentity node_name, an ownerReference to the Node
 * when node_uid is non-empty, renewTime a MicroTime string. */
cJSON *k8s_node_lease_build(const char *node_name, const char *node_uid, int duration_s, const char *renew_time);
k8s_node_lease *k8s_node_lease_new(k8s_client *c, const char *node_name, const char *node_uid, int duration_s);
void k8s_node_lease_free(k8s_node_lease *l);
/* Create the Lease if missing, otherwise PUT a new renewTime (re-GET and retry
 * on 409, up to 5 tries). Not thread-safe per lease (one heartbeat thread). */
int k8s_node_lease_renew(k8s_node_lease *l, k8s_error *err);
/* The last Lease written (borrowed, NULL before the first renew). */
const cJSON *k8s_node_lease_object(const k8s_node_lease *l);

/* ---- leader election ---- */

typedef struct k8s_leader_opts {
    const char *ns;            /* Lease namespace */
    const char *name;          /* Lease name */
    const char *identity;      /* this candidate */
    int lease_duration_s;      /* 0 = 15 */
    long renew_deadline_ms;    /* leader gives up when it cannot renew for this long; 0 = 10000 */
    long retry_period_ms;      /* between attempts; 0 = 2000 */
    int release_on_cancel;     /* k8s_leader_stop() empties holderIdentity when leading */
    /* Callbacks run on the election thread; each may be NULL. */
    void (*on_started_leading)(void *arg);
    void (*on_stopped_leading)(void *arg);
    void (*on_new_leader)(const char *identity, void *arg);
    void *arg;
} k8s_leader_opts;

/* Election state for the one-step API (callers may embed it; zero it first). */
typedef struct k8s_leader_state {
    char holder[128];             /* last observed holderIdentity */
    char observed_rv[64];         /* resourceVersion of the last observed record */
    char observed_renew[40];      /* renewTime of the last observed record */
    struct timespec observed_at;  /* local monotonic time the record last changed */
    struct timespec renewed_at;   /* local monotonic time we last renewed */
    int leading;
} k8s_leader_state;

/* One tryAcquireOrRenew: GET the Lease (create it when missing); take it when
 * it is ours, free, or expired (unchanged for lease_duration_s by our clock);
 * write holder/renewTime (acquireTime and leaseTransitions on a change of
 * holder). Returns 1 when we hold the lease, 0 when another does, -1 on error. */
int k8s_leader_try_acquire_or_renew(k8s_client *c, const k8s_leader_opts *o, k8s_leader_state *st, k8s_error *err);
/* Give the lease up if we hold it (holderIdentity "", leaseDurationSeconds 1). */
int k8s_leader_release(k8s_client *c, const k8s_leader_opts *o, k8s_leader_state *st, k8s_error *err);

typedef struct k8s_leader k8s_leader;

/* Run the election on a new thread: acquire (retrying every retry_period),
 * then renew every retry_period; when renewals fail for renew_deadline it
 * stops leading (on_stopped_leading) and goes back to acquiring. Strings in
 * opts are copied. Stop with k8s_leader_stop. */
int k8s_leader_start(k8s_client *c, const k8s_leader_opts *opts, k8s_leader **out, k8s_error *err);
/* 1 while this candidate leads. */
int k8s_leader_is_leader(k8s_leader *l);
/* The holder last observed (copied into buf). */
const char *k8s_leader_holder(k8s_leader *l, char *buf, size_t n);
/* Stop the thread (releasing when configured and leading), join, free; NULL is fine. */
void k8s_leader_stop(k8s_leader *l);

#endif
