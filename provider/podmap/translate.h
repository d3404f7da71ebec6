/* PodSpec -> ECI container group translation.
 *
 * podmap_translate() reads a Pod (cJSON as served by the apiserver) and
 * produces the CreateContainerGroup request for it, plus a list of findings:
 * one per PodSpec/Container field that ECI cannot honour exactly. Every field
 * has a fate (docs/pod-mapping.md); a field that is mapped 1:1 produces no
 * finding, a field that is dropped or changed produces an "ignored" or
 * "adjusted" finding (a Kubernetes Event), and a field that cannot run on ECI
 * produces a "rejected" finding (the pod is marked Failed).
 *
 * The translation works in two steps: first an ECI-shaped parameter tree
 * (cJSON, wire names: {"Container":[{"Name":..,"EnvironmentVar":[..]}]}), then
 * the typed request of eci/types.h built from that tree. podmap_flatten()
 * turns the tree into the flattened query parameters (Container.1.Name) the
 * ECI encoder also produces, which is what the unit tests compare.
 *
 * Everything here is pure: no network, no logging. ConfigMaps, Secrets,
 * service-account tokens and Services come from a resolver supplied by the
 * caller. Secret values (env from Secrets, secret volumes, registry passwords,
 * tokens) are placed in the request only; never in findings or messages. */
#ifndef PROVIDER_PODMAP_TRANSLATE_H
#define PROVIDER_PODMAP_TRANSLATE_H

#include <stddef.h>
#include <cjson/cJSON.h>

#include "eci/types.h"
#include "util/kv.h"

/* Facts of the bridge's configuration the translation needs. Borrowed. */
typedef struct podmap_config {
    const char *cluster_name;      /* tag eci-kubelet/cluster; required */
    const char *node_name;         /* tag eci-kubelet/node; required */
    const char *region;            /* RegionId; required */
    const char *vswitch_ids;       /* default VSwitchId (comma list, <= 10); may be NULL */
    const char *security_group_id; /* default SecurityGroupId; may be NULL */
    const char *resource_group_id; /* default ResourceGroupId; may be NULL */
    const char *node_ip;           /* value of status.hostIP; may be NULL */
    const char *cluster_dns;       /* ClusterFirst name server(s), comma list; NULL: none */
    const char *const *cluster_dns_list; /* ... or as a list (both may be given) */
    size_t n_cluster_dns;
    const char *cluster_domain;    /* default "cluster.local" */
} podmap_config;

/* Resolver answers. */
enum {
    PODMAP_RES_OK = 0,
    PODMAP_RES_NOT_FOUND = 1,
    PODMAP_RES_ERROR = -1, /* transient: the translation is retried later */
    PODMAP_RES_UNUSABLE = 2, /* the object exists but can never serve: the pod is rejected */
};

/* How the translation reaches the apiserver. Any function pointer may be
 * NULL: a NULL get_* behaves as "not found", a NULL list_services disables
 * service environment variables. Objects returned through *out become the
 * translator's (it frees them with cJSON_Delete/free). */
typedef struct podmap_resolver {
    void *ctx;
    /* The ConfigMap ns/name as a whole object ({"data":{..},"binaryData":{..}}). */
    int (*get_configmap)(void *ctx, const char *ns, const char *name, cJSON **out);
    /* The Secret ns/name as a whole object ({"type":..,"data":{k: base64}}). */
    int (*get_secret)(void *ctx, const char *ns, const char *name, cJSON **out);
    /* A TokenRequest for service account sa of pod (bound to the pod: name and
     * uid from pod metadata); audience NULL = the apiserver's; *token is a
     * fresh string. */
    int (*get_sa_token)(void *ctx, const char *ns, const char *sa, const char *audience,
                        long expiration_seconds, const cJSON *pod, char **token);
    /* The Services of namespace ns as a JSON array of Service objects. Called
     * for the pod's namespace (when enableServiceLinks) and for "default"
     * (the "kubernetes" service: KUBERNETES_SERVICE_HOST/PORT). */
    int (*list_services)(void *ctx, const char *ns, cJSON **out);
    /* The cache id (imc-...) of the ImageCache object name (cluster-scoped):
     * OK with *id (fresh string) when it is Ready; NOT_FOUND; ERROR while it
     * is being built, UNUSABLE when it failed or is being deleted, both
     * with *why (fresh string, its phase). */
    int (*get_image_cache)(void *ctx, const char *name, char **id, char **why);
} podmap_resolver;

typedef enum {
    PODMAP_FATE_REJECTED = 0, /* the pod cannot run on ECI: Failed */
    PODMAP_FATE_IGNORED = 1,  /* the field has no effect on ECI: an Event */
    PODMAP_FATE_ADJUSTED = 2, /* the field was changed to fit ECI: an Event */
} podmap_fate;

typedef struct podmap_finding {
    char *path;       /* PodSpec field path, e.g. "spec.volumes[2].hostPath" */
    podmap_fate fate;
    const char *type; /* Event type: "Warning" or "Normal" */
    char *reason;     /* Event reason, CamelCase, e.g. "UnsupportedField" */
    char *message;    /* human text naming the field; never contains secret values */
} podmap_finding;

typedef enum {
    PODMAP_OK = 0,       /* request built; findings hold only ignored/adjusted */
    PODMAP_REJECTED = 1, /* at least one rejected finding: mark the pod Failed */
    PODMAP_WAIT = 2,     /* a referenced object is missing or the resolver failed:
                           * keep the pod Pending (reason/message say why) and retry */
} podmap_outcome;

typedef struct podmap_result {
    podmap_outcome outcome;
    char *reason;  /* REJECTED: "ProviderFailed" or a more specific reason;
                    * WAIT: "CreateContainerConfigError" or "ProviderRetry" */
    char *message; /* REJECTED/WAIT: the fields or objects at fault */
    podmap_finding *findings;
    size_t nfindings;
    cJSON *params; /* OK: the ECI-shaped parameter tree (wire names); else NULL */
    eci_create_cg_req req; /* OK: the typed request built from params */
    /* Group-level resources actually requested (after rounding); 0 when unset. */
    double cpu, memory_gib;
    /* WAIT: the ConfigMaps and Secrets the pod waits for, [{"kind":
     * "ConfigMap"|"Secret", "name", "resourceVersion" (when the object
     * exists but lacks a key)}], or NULL. */
    cJSON *missing;
} podmap_result;

/* Translate pod. Fills *out (which the caller releases with
 * podmap_result_free) and returns out->outcome. res may be NULL (no
 * ConfigMaps/Secrets/tokens available). Never fails on malformed input: bad
 * shapes become rejected findings. */
podmap_outcome podmap_translate(const cJSON *pod, const podmap_config *cfg,
                                  const podmap_resolver *res, podmap_result *out);

/* Release everything held by r (NULL accepted); r is zeroed. */
void podmap_result_free(podmap_result *r);

/* Flatten an ECI-shaped parameter tree into query parameters: objects nest
 * with '.', arrays get 1-based ".N" indices, booleans are "true"/"false",
 * numbers print without trailing zeros. Appends to out (caller owns it). */
void podmap_flatten(const cJSON *params, kv_list *out);

/* Name of the fate ("rejected", "ignored", "adjusted"). Static string. */
const char *podmap_fate_name(podmap_fate f);

/* --- names and identities (also used by the bridge to find groups) --- */

/* ContainerGroupName for namespace/name: lower-case DNS label characters,
 * <= 128 characters, "<ns>-<name>" when that fits, otherwise truncated with
 * an 8-hex-digit hash of "ns/name". Caller frees. */
char *podmap_group_name(const char *ns, const char *name);
/* ClientToken for a pod UID (ASCII, <= 64). Caller frees. */
char *podmap_client_token(const char *uid);
/* Fit a tag value into ECI's limits (<= 128 characters, no "acs:" prefix, no
 * "http://"): returned unchanged when it fits, else truncated with a hash.
 * Caller frees. */
char *podmap_tag_value(const char *v);
/* 1 when tag value v may stand for a longer value podmap_tag_value() shortened
 * (so that a lookup by it must compare through podmap_tag_value()). */
int podmap_tag_value_shortened(const char *v);

/* The registry credentials of a Secret's docker config (data
 * ".dockerconfigjson" or ".dockercfg", base64): appends {"Server",
 * "UserName", "Password"} objects to arr, the first per server, at most
 * PODMAP_MAX_CREDENTIALS in arr (*dropped counts the rest); *skipped counts
 * registries without username/password or auth. Returns -1 when the Secret
 * holds no docker config. The decoded text is wiped before it is freed. */
#define PODMAP_MAX_CREDENTIALS 10
int podmap_secret_credentials(const cJSON *secret, cJSON *arr, int *dropped, int *skipped);

/* Tag keys put on every container group. */
#define PODMAP_TAG_CLUSTER "eci-kubelet/cluster"
#define PODMAP_TAG_NODE "eci-kubelet/node"
#define PODMAP_TAG_NAMESPACE "eci-kubelet/namespace"
#define PODMAP_TAG_POD "eci-kubelet/pod"
#define PODMAP_TAG_UID "eci-kubelet/uid"

/* --- resources --- */

/* Parse a Kubernetes quantity ("250m", "1.5Gi", "1e3") into *v (base units:
 * cores or bytes). Returns 0, or -1 when s is not a quantity. */
int podmap_parse_quantity(const char *s, double *v);

/* Round a (cpu cores, memory GiB) request up to the smallest valid ECI
 * specification (docs/pod-mapping.md, "Specifications"). Returns 0 and the
 * chosen spec, or -1 when the request exceeds the largest specification. */
int podmap_round_spec(double cpu, double mem_gib, double *out_cpu, double *out_mem);

/* Kubernetes $(VAR) expansion of s with the variables in env (later pairs of
 * the same key win): "$$" -> "$", "$(NAME)" -> value when defined, else left
 * as is. Caller frees. */
char *podmap_expand(const char *s, const kv_list *env);

/* --- when ECI has no capacity --- */

/* What to do when CreateContainerGroup finds no capacity (NoStock and the
 * like), from ACK's annotations: k8s.aliyun.com/eci-fail-strategy fail-back
 * or fail-over (default) keep the pod Pending and retry with backoff,
 * fail-fast fails it at once; eci-max-pending-minute (10-1440, default 240;
 * also sent as MaxPendingMinute) bounds the retries from the pod's
 * creation; eci-spot-fallback: true retries a spot pod as pay-as-you-go. */
typedef enum { PODMAP_FAIL_RETRY = 0, PODMAP_FAIL_FAST = 1 } podmap_fail_strategy;
#define PODMAP_MAX_PENDING_DEFAULT 240
typedef struct podmap_create_policy {
    podmap_fail_strategy strategy;
    int max_pending_minutes;
    int max_pending_set; /* the annotation was given */
    int spot_fallback;
} podmap_create_policy;
/* 0, or -1 with the reason an annotation is invalid (the translation rejects
 * the pod with it). */
int podmap_create_policy_of(const cJSON *pod, podmap_create_policy *out, char *err, size_t errlen);

/* --- DaemonSet pods --- */

/* A DaemonSet's pod would run once per node; on a virtual node each is a
 * paid ECI group, and a failed one is recreated at once by its controller,
 * so they are refused (kept Pending) unless admitted by configuration or by
 * this annotation set to "true". */
#define PODMAP_ALLOW_DAEMONSET_ANNOTATION "eci-kubelet/allow-daemonset"
#define PODMAP_DAEMONSET_REASON "DaemonSetPodRefused"
/* 1 when pod is controlled by a DaemonSet and not admitted by its annotation. */
int podmap_daemonset_refused(const cJSON *pod);

/* --- updates of a running pod --- */

typedef enum {
    PODMAP_UPD_NONE = 0,     /* nothing ECI needs to know changed */
    PODMAP_UPD_IMAGES = 1,   /* container/init-container images changed: call
                               * UpdateContainerGroup with *params */
    PODMAP_UPD_REJECTED = 2, /* a change ECI cannot apply (message says which) */
    PODMAP_UPD_EPHEMERAL = 3, /* ephemeral containers added: refused (PODMAP_EPHEMERAL_UNSUPPORTED) */
    PODMAP_UPD_RESIZE = 4,   /* resources changed (an in-place resize, images may
                               * have changed too): *req as for IMAGES, plus the
                               * group's Cpu/Memory when the pod has no instance type */
} podmap_update_kind;

/* Compare the pod as it was created (old_pod) with its current version and
 * decide whether UpdateContainerGroup applies. For PODMAP_UPD_IMAGES, *req
 * (zeroed by this function; the caller frees it with eci_update_cg_req_free)
 * receives the UpdateContainerGroup request: ContainerGroupId, RegionId, a
 * ClientToken derived from the UID and the new images, and the full
 * Container/InitContainer lists and registry credentials re-translated from
 * new_pod (UpdateContainerGroup replaces whole lists; fields the operation
 * does not have, such as lifecycle hooks, keep their values on ECI's side or
 * are dropped by ECI). *message (caller frees; may be NULL) explains
 * NONE/REJECTED. */
podmap_update_kind podmap_update_plan(const cJSON *old_pod, const cJSON *new_pod,
                                        const char *group_id, const podmap_config *cfg,
                                        const podmap_resolver *res, eci_update_cg_req *req,
                                        char **message);

/* Whether the resources of a container or of the pod differ (a resize). */
int podmap_resources_changed(const cJSON *old_pod, const cJSON *new_pod);

/* Build the typed requests from parameter trees (as produced above). The
 * request is zeroed first; the caller frees it. Unknown keys are ignored. */
void podmap_build_create(const cJSON *params, eci_create_cg_req *req);
void podmap_build_update(const cJSON *params, eci_update_cg_req *req);

#endif
