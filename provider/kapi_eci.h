/* The exec/attach backend over ECI: ExecContainerCommand for the pod's
 * container group, then the WebSocketUri through eci/exec_stream.h. The
 * bridge supplies how a pod maps to its container group. */
#ifndef PROVIDER_KAPI_ECI_H
#define PROVIDER_KAPI_ECI_H

#include <stddef.h>

#include "eci/client.h"
#include "eci/exec_stream.h"
#include "provider/remotecommand.h"

/* Find the container group of pod ns/pod (uid "" when the request named
 * none; check it when set). Returns 0 with *cg_id (caller frees), or -1 with
 * a message in err (e.g. "pod default/web not found"). Thread-safe. */
typedef int (*kapi_eci_resolve_fn)(void *ud, const char *ns, const char *pod, const char *uid, char **cg_id,
                                   char *err, size_t errlen);

typedef struct kapi_eci_config {
    eci_client *client;          /* borrowed; must outlive the backend */
    kapi_eci_resolve_fn resolve;
    void *resolve_ud;
    const char *ws_ca_file;      /* CA bundle for wss:// (NULL: system store) */
    int ws_insecure_skip_verify; /* tests only */
    int connect_timeout_ms;      /* WebSocket connect; <= 0: 15 s */
} kapi_eci_config;

typedef struct kapi_eci kapi_eci;

/* New backend (cfg copied). Caller frees with kapi_eci_free after the server
 * that uses it stopped. */
kapi_eci *kapi_eci_new(const kapi_eci_config *cfg);
/* The rc_backend to put in kapi_handlers.exec; borrowed from k. */
const rc_backend *kapi_eci_backend(kapi_eci *k);
void kapi_eci_free(kapi_eci *k);

#endif
