/* Kubernetes REST client: verbs on core and group resources over libcurl
 * (keep-alive pool of easy handles, client-side QPS/burst limit, bounded
 * retries, response size cap). Objects are cJSON trees. Thread-safe: one
 * client serves every thread of the process. */
#ifndef K8S_CLIENT_H
#define K8S_CLIENT_H

#include <cjson/cJSON.h>
#include <stdatomic.h>
#include <stddef.h>

#include "k8s/config.h"
#include "k8s/error.h"
#include "util/dynbuf.h"
#include "util/kv.h"

struct prom_registry;

typedef struct k8s_client k8s_client;

/* A resource type: group "" means the core group (/api/v1). */
typedef struct k8s_resource {
    const char *group;
    const char *version;
    const char *resource; /* plural, lower case: "pods" */
    const char *kind;     /* "Pod" */
    int namespaced;
} k8s_resource;

extern const k8s_resource K8S_RES_PODS, K8S_RES_NODES, K8S_RES_NAMESPACES, K8S_RES_CONFIGMAPS,
    K8S_RES_SECRETS, K8S_RES_SERVICEACCOUNTS, K8S_RES_EVENTS, K8S_RES_SERVICES, K8S_RES_LEASES,
    K8S_RES_TOKENREVIEWS, K8S_RES_SUBJECTACCESSREVIEWS;

typedef struct k8s_client_opts {
    double qps;                /* client-side rate; 0 = default 50, < 0 = unlimited */
    int burst;                 /* 0 = default 100 */
    long timeout_ms;           /* whole request (not watches); 0 = 30000 */
    long connect_timeout_ms;   /* 0 = 10000 */
    size_t max_response_bytes; /* 0 = 64 MiB */
    int max_retries;           /* for 429/5xx/connection errors; 0 = 4, < 0 = none */
    long retry_base_ms;        /* first backoff; 0 = 100 (doubles, capped at 5 s, jittered) */
    int pool_size;             /* idle easy handles kept; 0 = 8 */
    const char *user_agent;    /* copied; NULL = "eci-kubelet/VERSION" */
    /* Optional: registers k8s_client_requests_total{verb,resource,code},
     * k8s_client_retries_total{verb,resource} and
     * k8s_client_request_duration_seconds{verb}; must outlive the client. */
    struct prom_registry *metrics;
} k8s_client_opts;

/* A new client; cfg is consumed (freed by k8s_client_free, also on failure).
 * opts may be NULL for defaults. Caller frees *out with k8s_client_free. */
int k8s_client_new(k8s_config *cfg, const k8s_client_opts *opts, k8s_client **out, k8s_error *err);
/* Release the client; NULL is fine. No request may be in flight. */
void k8s_client_free(k8s_client *c);
/* The client's config (borrowed). */
k8s_config *k8s_client_config(k8s_client *c);

/* Fault injection for tests: the hook runs before every attempt with the
 * 1-based attempt number counted over the client's life; returning non-zero
 * fails that attempt without sending it. The hook may fill err (code,
 * http_status, reason, message); otherwise the attempt fails with
 * K8S_E_TRANSPORT. Retries then apply as for a real failure. NULL removes it. */
typedef int (*k8s_fault_hook)(void *ud, const char *verb, const char *path, unsigned long attempt_no,
                              k8s_error *err);
void k8s_client_set_fault_hook(k8s_client *c, k8s_fault_hook fn, void *ud);

/* A transport for tests: when set, every non-streaming request goes to fn
 * instead of the network (after the fault hook, through the same retries,
 * rate limit, error decoding and metrics). fn gets the method, the path with
 * its query ("/api/v1/namespaces/a/pods/b/status?x=y") and the body; it sets
 * *status to the HTTP status and appends the answer's body to out. Returning
 * non-zero is a transport failure. A streaming request (a watch) gets fn's
 * whole 2xx answer as one chunk, after which its stream ends, as when the
 * server's timeoutSeconds ends it. NULL restores the network. */
typedef int (*k8s_transport_fn)(void *ud, const char *method, const char *path, const char *body, size_t body_len,
                                int *status, dynbuf *out);
void k8s_client_set_transport(k8s_client *c, k8s_transport_fn fn, void *ud);

/* Path of a resource, collection or subresource with each segment escaped:
 * /api/v1/namespaces/NS/pods/NAME/SUB, /apis/GROUP/VERSION/...; ns is ignored
 * for cluster-scoped resources and may be NULL for "all namespaces"; name and
 * sub may be NULL. Returns a fresh string, or NULL when a segment is empty,
 * "." or "..". */
char *k8s_path(const k8s_resource *r, const char *ns, const char *name, const char *sub);
/* Append k=v pairs, escaped, as "?a=b&c=d" to path; returns a fresh string. */
char *k8s_url_with_query(const char *path, const kv_list *query);
/* Percent-escape s for a URL path segment or query value; fresh string. */
char *k8s_escape(const char *s);

typedef struct k8s_list_opts {
    const char *label_selector;
    const char *field_selector;
    long limit; /* page size; 0 = server default (no paging) */
    const char *continue_token;
    const char *resource_version;
    const char *resource_version_match;
    /* Optional: the request (and its retries) is abandoned with
     * K8S_E_CANCELLED within about a second once *cancel is non-zero. */
    const atomic_int *cancel;
} k8s_list_opts;

/* GET one object. *out is a new tree the caller frees with cJSON_Delete. */
int k8s_get(k8s_client *c, const k8s_resource *r, const char *ns, const char *name, cJSON **out, k8s_error *err);
/* GET a subresource (e.g. "status"); same ownership. */
int k8s_get_sub(k8s_client *c, const k8s_resource *r, const char *ns, const char *name, const char *sub,
                cJSON **out, k8s_error *err);
/* One page of a list (opts may be NULL); *out is the List object (items,
 * metadata.continue, metadata.resourceVersion), caller frees. */
int k8s_list(k8s_client *c, const k8s_resource *r, const char *ns, const k8s_list_opts *opts, cJSON **out,
             k8s_error *err);
/* Every page (page size opts->limit, default 500) merged into one List whose
 * metadata.resourceVersion is that of the first page (a consistent snapshot);
 * a continue token that expires (410) restarts the listing once. Caller frees. */
int k8s_list_all(k8s_client *c, const k8s_resource *r, const char *ns, const k8s_list_opts *opts, cJSON **out,
                 k8s_error *err);
/* POST obj (borrowed) to the collection; *out (may be NULL) gets the created
 * object, caller frees. */
int k8s_create(k8s_client *c, const k8s_resource *r, const char *ns, const cJSON *obj, cJSON **out, k8s_error *err);
/* POST body to a subresource: pods/NAME/binding, pods/NAME/eviction,
 * serviceaccounts/NAME/token. Same ownership. */
int k8s_create_sub(k8s_client *c, const k8s_resource *r, const char *ns, const char *name, const char *sub,
                   const cJSON *body, cJSON **out, k8s_error *err);
/* PUT obj (borrowed; metadata.name and metadata.resourceVersion taken from it)
 * to the object or its subresource sub (NULL or "status"). *out may be NULL. */
int k8s_update(k8s_client *c, const k8s_resource *r, const char *ns, const char *sub, const cJSON *obj,
               cJSON **out, k8s_error *err);

/* Mutation for k8s_update_retry: change obj in place and return 0 to write it,
 * 1 when nothing needs writing, < 0 to give up (the call fails with
 * K8S_E_INVALID_ARG). Called once per attempt with a fresh copy. */
typedef int (*k8s_mutate_fn)(cJSON *obj, void *arg);
/* GET, mutate, PUT (to sub when non-NULL); on 409 Conflict re-GET and re-apply,
 * up to max_tries (0 = 5). *out (may be NULL) gets the final object. */
int k8s_update_retry(k8s_client *c, const k8s_resource *r, const char *ns, const char *name, const char *sub,
                     int max_tries, k8s_mutate_fn fn, void *arg, cJSON **out, k8s_error *err);

typedef enum k8s_patch_type {
    K8S_PATCH_MERGE,     /* application/merge-patch+json */
    K8S_PATCH_STRATEGIC, /* application/strategic-merge-patch+json */
    K8S_PATCH_JSON,      /* application/json-patch+json (an array of operations) */
} k8s_patch_type;

/* PATCH the object (or subresource sub) with patch (borrowed). *out may be NULL. */
int k8s_patch(k8s_client *c, const k8s_resource *r, const char *ns, const char *name, const char *sub,
              k8s_patch_type type, const cJSON *patch, cJSON **out, k8s_error *err);

typedef struct k8s_delete_opts {
    const char *precondition_uid;
    const char *precondition_resource_version;
    long grace_period_seconds;      /* < 0 = unset; use K8S_GRACE_UNSET */
    const char *propagation_policy; /* Orphan, Background, Foreground or NULL */
} k8s_delete_opts;
#define K8S_GRACE_UNSET (-1L)

/* DELETE the object; opts may be NULL. *out (may be NULL) gets the answer
 * (the object being deleted or a Status), caller frees. */
int k8s_delete(k8s_client *c, const k8s_resource *r, const char *ns, const char *name, const k8s_delete_opts *opts,
               cJSON **out, k8s_error *err);

/* Any request: method, path (already escaped), query (may be NULL), body of
 * body_len bytes with content_type (both may be NULL). *status gets the HTTP
 * status (0 without an answer); *resp (may be NULL) gets the body, caller
 * frees, also on HTTP errors. Returns 0 on 2xx. Retried like a GET only when
 * method is GET or HEAD. */
int k8s_request(k8s_client *c, const char *method, const char *path, const kv_list *query,
                const char *content_type, const char *body, size_t body_len, int *status, char **resp,
                size_t *resp_len, k8s_error *err);

/* Streaming GET (watches): fn gets the 2xx body in arbitrary chunks and
 * returns 0 to go on, non-zero to stop (then the call returns 0). *stop
 * (may be NULL) set from another thread ends the stream within ~1 s
 * (K8S_E_CANCELLED). A non-2xx answer is decoded into err. No retries and no
 * overall timeout: the server's timeoutSeconds ends the stream; a stream idle
 * longer than idle_timeout_s (0 = none) fails with K8S_E_TIMEOUT. */
typedef int (*k8s_stream_fn)(const char *data, size_t len, void *arg);
int k8s_stream(k8s_client *c, const char *verb, const char *resource, const char *path, const kv_list *query,
               k8s_stream_fn fn, void *arg, const atomic_int *stop, long idle_timeout_s, k8s_error *err);

/* Request counters per verb and resource (for metrics and benchmarks). */
typedef struct k8s_request_stat {
    char verb[16];     /* get, list, create, update, patch, delete, watch, raw */
    char resource[64]; /* "pods", "pods/status", "leases", ... */
    unsigned long count;
    unsigned long errors;  /* calls that failed after retries */
    unsigned long retries; /* extra attempts */
    double seconds;        /* wall time of the calls, retries and waits included */
    double wait_seconds;   /* of which waiting for the client's rate limiter */
} k8s_request_stat;
/* Copy up to max counters into out; returns how many exist in total. */
size_t k8s_client_stats(k8s_client *c, k8s_request_stat *out, size_t max);
/* Total requests sent (attempts included). */
unsigned long k8s_client_request_total(k8s_client *c);

/* Helpers on objects. */
/* metadata.<field> as a borrowed string, or NULL. */
const char *k8s_meta_str(const cJSON *obj, const char *field);
/* "namespace/name" (or "name" for cluster-scoped objects) into a fresh string. */
char *k8s_object_key(const cJSON *obj);

#endif
