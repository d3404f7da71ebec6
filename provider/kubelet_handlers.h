/* The bridge's side of the kubelet API (provider/kubelet/server.h serves it):
 * authentication and authorization through the apiserver, and the handlers
 * for /pods, /containerLogs, /exec, /attach, /run, /portForward,
 * /stats/summary, /metrics/resource and /metrics, backed by ECI. */
#ifndef PROVIDER_KUBELET_HANDLERS_H
#define PROVIDER_KUBELET_HANDLERS_H

#include "k8s/client.h"
#include "provider/kubelet/server.h"
#include "util/dynbuf.h"

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>

struct prov_bridge;

/* TokenReview / SubjectAccessReview (wrapped in kubelet_auth_cache). kc is borrowed. */
typedef struct prov_kauth prov_kauth;
prov_kauth *prov_kauth_new(k8s_client *kc);
void prov_kauth_free(prov_kauth *a);
/* kubelet_auth callbacks; ud is the prov_kauth. */
int prov_kauth_authn(void *ud, const kubelet_credential *cred, kubelet_user *user, char *err, size_t errlen);
int prov_kauth_authz(void *ud, const kubelet_user *user, const kubelet_attrs *attrs, char *reason, size_t reasonlen);

/* Start the kubelet API server for the bridge; NULL (logged) on failure. */
typedef struct prov_kubelet prov_kubelet;
prov_kubelet *prov_kubelet_start(struct prov_bridge *b);
void prov_kubelet_stop(prov_kubelet *k);

/* Where a log follower is: the newest line time seen and how many lines
 * carried exactly that time, and the bytes sent. Zero it to start. */
typedef struct prov_log_cursor {
    int have;
    int64_t last_sec;
    long last_nsec;
    long at_last;
    int64_t sent;
} prov_log_cursor;

/* Pick the lines of content (DescribeContainerLog with Timestamps: "STAMP
 * text\n" each) newer than the cursor and pass each to emit (the stamp
 * removed unless timestamps; cut at limit_bytes when > 0); emit NULL only
 * moves the cursor. A line is never picked twice across calls, also when
 * several share a time. Returns -1 when emit failed or the limit was reached,
 * else 0. Pure; content is borrowed. */
int prov_log_select(const char *content, int timestamps, int64_t limit_bytes, prov_log_cursor *cur,
                    int (*emit)(void *ud, const char *p, size_t n), void *ud);

/* kubelet_stats.c: /stats/summary and /metrics/resource from
 * DescribeMultiContainerGroupMetric (batches of 20, cached 10 s). b is
 * borrowed; the handlers are thread-safe. */
typedef struct prov_kstats prov_kstats;
prov_kstats *prov_kstats_new(struct prov_bridge *b);
void prov_kstats_free(prov_kstats *s);
void prov_kstats_summary(prov_kstats *s, const kubelet_request *req, kubelet_response *w);
void prov_kstats_resource(prov_kstats *s, const kubelet_request *req, kubelet_response *w);
/* GET /metrics/cadvisor: the container families of cAdvisor that Prometheus's
 * kubelet job and the usual dashboards read (cpu, memory, start time,
 * network), from the same snapshot. */
void prov_kstats_cadvisor(prov_kstats *s, const kubelet_request *req, kubelet_response *w);

/* /runningpods/: the kubelet's runtime view (Pod.ToAPIPod) of pods (a list
 * of pod objects): each pod the runtime knows with running containers,
 * carrying only its name, namespace, uid and the running containers' names
 * and images. runtime_status answers -1 for a pod without a container group,
 * else 0 with *status the runtime's pod status (the caller deletes it) or
 * NULL to read the pod's own status. Returns a PodList the caller deletes. */
typedef int (*prov_runtime_status_fn)(void *ud, const char *uid, cJSON **status);
cJSON *prov_running_pods(const cJSON *pods, prov_runtime_status_fn runtime_status, void *ud);

struct eci_metric_record;
/* One pod's stats/v1alpha1 PodStats from an ECI metric record (containers
 * not in the pod's spec are left out); the caller deletes it. */
cJSON *prov_kstats_pod_stats(const cJSON *pod, const struct eci_metric_record *rec, int with_network);
/* Append the /metrics/resource Prometheus text for a Summary to d. */
void prov_kstats_render_resource(const cJSON *summary, int scrape_error, dynbuf *d);
/* Append the /metrics/cadvisor text for a Summary to d; pods maps
 * "namespace/name" to the pod (for the image label; may lack some). */
void prov_kstats_render_cadvisor(const cJSON *summary, const cJSON *pods, dynbuf *d);

#endif
