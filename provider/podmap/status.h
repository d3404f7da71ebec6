/* ECI container group -> Kubernetes PodStatus and Events.
 *
 * Pure functions: the bridge hands in the Pod as read from the apiserver and
 * the container group as described by ECI (DescribeContainerGroups or the
 * cheaper DescribeContainerGroupStatus), and gets the PodStatus JSON to write
 * (PUT pods/status) and v1 Event objects to create. Conditions keep their
 * lastTransitionTime unless their status changes; podmap_status_changed() tells
 * whether a new status differs from the current one in anything but
 * heartbeat-only fields, so status is written only on change.
 *
 * Mapping (docs/pod-mapping.md, "Status"):
 *   group Scheduling/Pending         -> Pending (containers waiting: ContainerCreating)
 *   group Running/Updating/Restarting/Terminating -> Running
 *   group Succeeded                  -> Succeeded
 *   group Failed                     -> Failed
 *   group ScheduleFailed             -> Failed, reason "ScheduleFailed"
 *   group Expired                    -> Failed, reason "Expired"
 * podIP = IntranetIp, hostIP = the node IP, containerID = eci://<group>/<name>. */
#ifndef PROVIDER_PODMAP_STATUS_H
#define PROVIDER_PODMAP_STATUS_H

#include <stdint.h>
#include <cjson/cJSON.h>

#include "eci/types.h"

/* Why every ephemeral container ends at once (state terminated, reason
 * PODMAP_EPHEMERAL_REASON): ECI cannot add a container to a running group. */
#define PODMAP_EPHEMERAL_REASON "EphemeralContainerUnsupported"
#define PODMAP_EPHEMERAL_UNSUPPORTED                                                                           \
    "ephemeral containers are not supported by Elastic Container Instance: UpdateContainerGroup replaces the " \
    "group's whole container list and restarts it, so no container can be added to a running pod; use kubectl " \
    "exec"

/* A pod active longer than spec.activeDeadlineSeconds: the kubelet's reason
 * and message (ECI, given the deadline at creation, fails the group with a
 * Warning event of that reason; the bridge also enforces a later change). */
#define PODMAP_DEADLINE_REASON "DeadlineExceeded"
#define PODMAP_DEADLINE_MESSAGE "Pod was active on the node longer than the specified deadline"

/* Facts the mapping needs besides the pod and the group. Borrowed. */
typedef struct podmap_status_ctx {
    const char *node_name; /* Event source host */
    const char *node_ip;   /* status.hostIP */
    const char *now;       /* RFC 3339 UTC, e.g. "2026-01-02T03:04:05Z" */
    /* ECI's refusal of the pod's current resources (an in-place resize it
     * cannot apply), or NULL: reported as PodResizePending/Infeasible. */
    const char *resize_refused;
} podmap_status_ctx;

/* PodStatus for pod from a DescribeContainerGroups item. Returns a new
 * object the caller frees with cJSON_Delete. */
cJSON *podmap_status_from_group(const cJSON *pod, const eci_container_group *g, const podmap_status_ctx *ctx);

/* What ACK's virtual node writes back on a pod once its instance exists:
 * the annotations k8s.aliyun.com/eci-instance-id, eci-instance-spec
 * ("<cpu>-<mem>Gi", e.g. "2.0-4.0Gi"), eci-vpc, eni-instance-id,
 * allocated-eipAddress and allocated-ipv6Address from the described group g
 * (g may be NULL), and eci-request-id when request_id is given (the
 * CreateContainerGroup answer). Returns only those missing from the pod or
 * different there (NULL when none); caller frees. */
cJSON *podmap_status_writeback(const cJSON *pod, const eci_container_group *g, const char *group_id,
                               const char *request_id);

/* The image cache a pod's group was created from (ACK's read-only annotation). */
#define PODMAP_ANN_MATCHED_IMAGE_CACHE "k8s.aliyun.com/eci-matched-image-cache"

/* 1 when key is one of the read-only annotations the node writes back
 * (podmap_status_writeback's and PODMAP_ANN_MATCHED_IMAGE_CACHE). */
int podmap_status_writeback_key(const char *key);

/* Condition type set True on a pod whose ECI instance exists (as ACK does). */
#define PODMAP_COND_INSTANCE_CREATED "ContainerInstanceCreated"

/* The group id the node wrote on this pod object: its
 * k8s.aliyun.com/eci-instance-id annotation when its ContainerInstanceCreated
 * condition names the same instance (borrowed from pod), else NULL. The
 * condition is what ties the annotation to the pod's uid: the apiserver
 * resets the status of a pod it creates, so a pod made again from a copy of
 * an old one (same name, annotations copied, new uid) has the annotation but
 * not the condition. */
const char *podmap_status_group_id(const cJSON *pod);

/* PodStatus for pod from a DescribeContainerGroupStatus item (no init
 * container details: init containers are reported terminated/Completed once
 * the group runs, waiting before). Caller frees. */
cJSON *podmap_status_from_status(const cJSON *pod, const eci_cg_status *s, const podmap_status_ctx *ctx);

/* A Failed PodStatus (reason/message on the pod, every container that has
 * not terminated becomes terminated with that reason): for pods ECI cannot
 * run (translation rejected) or whose group vanished (reason
 * "ContainerGroupNotFound"). Caller frees. */
cJSON *podmap_status_failed(const cJSON *pod, const char *reason, const char *message,
                      const podmap_status_ctx *ctx);

/* The PodStatus the kubelet writes once a deleted pod's containers stopped
 * (its TerminatePod), before it deletes the pod: from last (the status last
 * written; NULL: the pod's), every container not terminated becomes
 * terminated with reason ContainerStatusUnknown and exit code 137 (regular
 * containers once the pod initialized), no container is ready, Ready and
 * ContainersReady are False (PodCompleted), and the phase is Succeeded
 * when every regular container exited 0, else Failed. Caller frees. */
cJSON *podmap_status_finished(const cJSON *pod, const cJSON *last, const podmap_status_ctx *ctx);

/* A Pending PodStatus whose containers wait with reason/message (e.g.
 * "CreateContainerConfigError" while a ConfigMap is missing, or
 * "ContainerCreating"). Caller frees. */
cJSON *podmap_status_pending(const cJSON *pod, const char *reason, const char *message,
                       const podmap_status_ctx *ctx);

/* 1 when new_status differs from old_status (either may be NULL) in
 * anything but heartbeat-only fields (conditions' lastProbeTime and
 * lastHeartbeatTime; condition order), else 0. */
int podmap_status_changed(const cJSON *old_status, const cJSON *new_status);

/* The QoS class of a pod spec: "Guaranteed", "Burstable" or "BestEffort". */
const char *podmap_status_qos_class(const cJSON *pod);

/* A v1 Event about pod. key makes the Event's name stable (the same ECI
 * event maps to the same Kubernetes Event, whose count is then updated):
 * metadata.name = "<pod>.<16 hex of sha256(uid/key)>". type other than
 * "Warning" becomes "Normal"; count < 1 becomes 1; missing timestamps
 * become ctx->now. Caller frees. */
cJSON *podmap_status_event(const cJSON *pod, const char *key, const char *type, const char *reason,
                     const char *message, int64_t count, const char *first, const char *last,
                     const podmap_status_ctx *ctx);

/* Events from a DescribeContainerGroups event and a DescribeContainerGroupEvents
 * event (reason, message, type, count, first/last timestamps). Caller frees. */
cJSON *podmap_status_event_from_eci(const cJSON *pod, const char *group_id, const eci_event *e,
                              const podmap_status_ctx *ctx);
cJSON *podmap_status_event_from_k8s(const cJSON *pod, const char *group_id, const eci_k8s_event *e,
                              const podmap_status_ctx *ctx);

#endif
