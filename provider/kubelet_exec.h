/* The exec/attach backend over ECI: ExecContainerCommand for the pod's
 * container group, then the WebSocketUri through eci/exec_stream.h. The
 * bridge supplies how a pod maps to its container group. */
#ifndef PROVIDER_KUBELET_EXEC_H
#define PROVIDER_KUBELET_EXEC_H

#include <stddef.h>

#include "eci/client.h"
#include "eci/exec_stream.h"
#include "provider/kubelet/remotecommand.h"

/* Find the container group of pod ns/pod (uid "" when the request named
 * none; check it when set). Returns 0 with *cg_id (caller frees), or -1 with
 * a message in err (e.g. "pod default/web not found"). Thread-safe. */
typedef int (*prov_kexec_resolve_fn)(void *ud, const char *ns, const char *pod, const char *uid, char **cg_id,
                                   char *err, size_t errlen);

typedef struct prov_kexec_config {
    eci_client *client;          /* borrowed; must outlive the backend */
    prov_kexec_resolve_fn resolve;
    void *resolve_ud;
    const char *ws_ca_file;      /* CA bundle for wss:// (NULL: system store) */
    int ws_insecure_skip_verify; /* tests only */
    int connect_timeout_ms;      /* WebSocket connect; <= 0: 15 s */
} prov_kexec_config;

typedef struct prov_kexec prov_kexec;

/* ExecContainerCommand's Command limits (items, bytes per item). */
#define PROV_KEXEC_MAX_ITEMS 20
#define PROV_KEXEC_MAX_ITEM_LEN 256

/* The argv ExecContainerCommand is sent for argv. Within the limits: argv
 * itself. Beyond them: /bin/sh -c 'IFS=;eval "$*"' sh <chunk>..., the chunks
 * (each at most PROV_KEXEC_MAX_ITEM_LEN bytes, cut between UTF-8 sequences)
 * concatenating to a shell command that execs argv: every argument
 * single-quoted, or, when not UTF-8, rebuilt by printf from octal escapes.
 * About 4 KB of argv fit. Returns 0 with out filled, or -1 with a message
 * naming the limits. */
struct eci_strv; /* eci/types.h */
int prov_kexec_fit_argv(const char *const *argv, size_t argc, struct eci_strv *out, char *err, size_t errlen);

/* New backend (cfg copied). Caller frees with prov_kexec_free after the server
 * that uses it stopped. */
prov_kexec *prov_kexec_new(const prov_kexec_config *cfg);
/* The kubelet_rc_backend to put in kubelet_handlers.exec; borrowed from k. */
const kubelet_rc_backend *prov_kexec_backend(prov_kexec *k);
void prov_kexec_free(prov_kexec *k);

#endif
