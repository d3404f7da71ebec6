/* The bridge's side of the kubelet API (provider/kapi_server.h serves it):
 * authentication and authorization through the apiserver, and the handlers
 * for /pods, /containerLogs, /exec, /attach, /run, /portForward,
 * /stats/summary, /metrics/resource and /metrics, backed by ECI. */
#ifndef PROVIDER_KUBELET_H
#define PROVIDER_KUBELET_H

#include "k8s/client.h"
#include "provider/kapi_server.h"

struct prov_bridge;

/* TokenReview / SubjectAccessReview with caches. kc is borrowed. */
typedef struct prov_kauth prov_kauth;
prov_kauth *prov_kauth_new(k8s_client *kc);
void prov_kauth_free(prov_kauth *a);
/* kapi_auth callbacks; ud is the prov_kauth. */
int prov_kauth_authn(void *ud, const kapi_credential *cred, kapi_user *user, char *err, size_t errlen);
int prov_kauth_authz(void *ud, const kapi_user *user, const kapi_attrs *attrs, char *reason, size_t reasonlen);

/* Start the kubelet API server for the bridge; NULL (logged) on failure. */
typedef struct prov_kubelet prov_kubelet;
prov_kubelet *prov_kubelet_start(struct prov_bridge *b);
void prov_kubelet_stop(prov_kubelet *k);

/* kubelet_stats.c: set the /stats/summary and /metrics/resource handlers
 * (their ud becomes b). */
void prov_kubelet_stats_handlers(struct prov_bridge *b, kapi_handlers *h);

#endif
