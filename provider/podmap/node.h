/* The Node object the bridge registers, its status and its Lease, as pure
 * functions of the configuration and the current facts (no I/O, no clock:
 * the caller passes the time). The heartbeat is the Lease (renewed every
 * quarter of its duration); Node status is written only when it changed or
 * when node_status_update_period has passed (kubelet-protocols.md 6.3):
 *
 *     cJSON *next = podmap_node_status(cfg, &facts, last_node);
 *     if (podmap_node_status_due(podmap_node_status_changed(last_status, next),
 *                              last_write, now, status_update_period_ms))
 *         PATCH /api/v1/nodes/NAME/status  with podmap_node_status_patch(next)
 *
 * All JSON is cJSON; every returned object is owned by the caller
 * (cJSON_Delete). */
#ifndef PROVIDER_PODMAP_NODE_H
#define PROVIDER_PODMAP_NODE_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "util/kv.h"

/* The Kubernetes version the bridge reports (kubeletVersion prefix). */
#define PODMAP_NODE_KUBE_VERSION "v1.33.0"
/* nodeInfo.containerRuntimeVersion: the ECI API version. */
#define PODMAP_NODE_RUNTIME_VERSION "eci://2018-08-08"
/* Annotations that remember what the bridge applied, so that a later
 * configuration change removes what it no longer wants. */
#define PODMAP_NODE_ANN_LABELS "eci-kubelet.alibabacloud.com/extra-labels"
#define PODMAP_NODE_ANN_TAINT "eci-kubelet.alibabacloud.com/taint-key"

/* The node's taint. enabled=false means no taint at all. */
typedef struct podmap_node_taint {
    bool enabled;
    const char *key;    /* e.g. "virtual-kubelet.io/provider" */
    const char *value;  /* may be "" */
    const char *effect; /* NoSchedule | PreferNoSchedule | NoExecute */
} podmap_node_taint;

/* What the Node is configured to be. Every pointer is borrowed; strings
 * are "" when unset. */
typedef struct podmap_node_config {
    const char *node_name;
    const char *node_ip;          /* InternalIP */
    const char *hostname_address; /* Hostname address; "" = none */
    const char *region;           /* topology.kubernetes.io/region; "" = none */
    const char *zone;             /* topology.kubernetes.io/zone; "" = none */
    kv_list node_labels;          /* extra labels, applied after the built-in ones */
    podmap_node_taint taint;
    const char *capacity_cpu; /* Kubernetes quantities */
    const char *capacity_memory;
    const char *capacity_pods;
    const char *capacity_ephemeral_storage;
    bool capacity_from_usage; /* capacity from podmap_node_facts' usage_* */
    int port;                 /* the kubelet endpoint's port */
    int64_t node_lease_duration_ms;
} podmap_node_config;

/* What the bridge currently knows; everything else comes from the config.
 * Zero-initialise and set what applies. */
typedef struct podmap_node_facts {
    time_t now;                    /* wall clock (seconds) for heartbeat/transition times */
    bool not_ready;                /* Ready=False (e.g. ECI unreachable, credentials rejected) */
    const char *not_ready_reason;  /* NULL: "KubeletNotReady" */
    const char *not_ready_message; /* NULL: a generic message */
    bool memory_pressure;          /* e.g. the ECI memory quota is exhausted */
    bool disk_pressure;
    bool pid_pressure;             /* e.g. the pod quota is exhausted */
    bool network_unavailable;      /* e.g. no usable vSwitch */
    /* Capacity learnt from ECI ListUsage; used only when
     * cfg->capacity_from_usage is set. NULL: the configured value. */
    const char *usage_cpu;
    const char *usage_memory;
    const char *usage_pods;
    const char *version; /* eci-kubelet version; NULL: the compiled-in one */
} podmap_node_facts;

/* The Node's labels (built-ins + cfg->node_labels) as a JSON object. */
cJSON *podmap_node_labels(const podmap_node_config *cfg);

/* The Node's status object. prev_node (the Node as last read from or written
 * to the apiserver, or NULL; a bare status object is accepted too) supplies
 * each condition's lastTransitionTime, which only changes when that
 * condition's status changes; lastHeartbeatTime is facts->now. */
cJSON *podmap_node_status(const podmap_node_config *cfg, const podmap_node_facts *facts, const cJSON *prev_node);

/* The full Node for POST /api/v1/nodes: metadata (name, labels, the
 * annotations above), spec.taints, and podmap_node_status(). */
cJSON *podmap_node_build(const podmap_node_config *cfg, const podmap_node_facts *facts, const cJSON *prev_node);

/* {"status": <copy of status>} for PATCH /api/v1/nodes/NAME/status
 * (application/strategic-merge-patch+json: conditions and addresses merge
 * by type). */
cJSON *podmap_node_status_patch(const cJSON *status);

/* Whether next differs from prev (a status object or a whole Node) in
 * anything but heartbeat times: capacity, allocatable, condition status,
 * reason or message, addresses, daemon endpoints, nodeInfo, phase.
 * prev NULL counts as changed. */
bool podmap_node_status_changed(const cJSON *prev, const cJSON *next);

/* Whether to write status now: when it changed, when it was never
 * written (last_write 0), or when period_ms has passed since last_write. */
bool podmap_node_status_due(bool changed, time_t last_write, time_t now, int64_t period_ms);

/* A JSON merge patch (application/merge-patch+json) that brings an existing
 * Node's labels, taint and bookkeeping annotations in line with cfg, keeping
 * taints and labels that others own; carries the existing resourceVersion so
 * a concurrent change makes it fail with 409 (re-read and retry). NULL when
 * nothing needs to change. */
cJSON *podmap_node_meta_patch(const podmap_node_config *cfg, const cJSON *existing);

/* The node Lease (coordination.k8s.io/v1, namespace kube-node-lease) with
 * renewTime = now (microseconds) and an ownerReference to the Node when
 * node_uid is non-empty. For an update, copy metadata.resourceVersion from
 * the Lease last read. */
cJSON *podmap_node_lease(const podmap_node_config *cfg, const char *node_uid, const struct timespec *now);

/* How often to renew the Lease: a quarter of its duration (10 s for 40 s). */
int64_t podmap_node_lease_renew_interval_ms(const podmap_node_config *cfg);

/* "v1.33.0-eci-kubelet-<version>", the version made semver-safe. Caller frees. */
char *podmap_node_kubelet_version(const char *version);

#endif
