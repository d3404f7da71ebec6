/* The bridge's node identity: a client certificate for system:node:NAME
 * obtained through the CertificateSigningRequest API with bootstrap
 * credentials (the kubeconfig or the pod's service account, allowed only to
 * request node client certificates), kept in memory and renewed on a thread
 * at 70-90 % of its lifetime, as the kubelet's certificate manager does.
 * Requests made with a config from prov_nodecert_config() present the
 * current certificate; renewal swaps it in place. */
#ifndef PROVIDER_NODECERT_H
#define PROVIDER_NODECERT_H

#include <stdatomic.h>
#include <stdint.h>

#include "k8s/config.h"

typedef struct prov_nodecert prov_nodecert;

/* Request the first certificate for node with the bootstrap config boot
 * (consumed, also on failure). duration_ms > 0 asks for that lifetime.
 * Waits up to wait_ms for issuance, less when *stop becomes non-zero.
 * Returns 0 and a new *out (free with prov_nodecert_free), or -1 after
 * logging one line that says what to fix. */
int prov_nodecert_new(k8s_config *boot, const char *node, int64_t duration_ms, long wait_ms, const atomic_int *stop,
                      prov_nodecert **out);

/* A new config that authenticates with the current certificate; nc keeps a
 * borrowed pointer to it and updates it on renewal, so it must outlive the
 * renewal thread (prov_nodecert_stop before freeing it). Caller owns it. */
k8s_config *prov_nodecert_config(prov_nodecert *nc);

/* The bootstrap identity's client (borrowed, lives as long as nc): the
 * bridge holds its leader-election Lease with it, since NodeRestriction lets
 * a node write Leases only in kube-node-lease. */
struct k8s_client *prov_nodecert_bootstrap_client(prov_nodecert *nc);

/* Start the renewal thread; it ends when *stop becomes non-zero (stop is the
 * pointer given to prov_nodecert_new). */
void prov_nodecert_start(prov_nodecert *nc);
/* Join the renewal thread (no-op when not started). */
void prov_nodecert_stop(prov_nodecert *nc);
/* Release; NULL is fine. Stop the thread first. */
void prov_nodecert_free(prov_nodecert *nc);

#endif
