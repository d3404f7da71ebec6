/* A node's client certificate through the CertificateSigningRequest API, the
 * way a kubelet bootstraps and rotates its credentials: a fresh ECDSA P-256
 * key, a CSR for CN=system:node:NAME, O=system:nodes with the signer
 * kubernetes.io/kube-apiserver-client-kubelet, then the issued certificate
 * once the CSR is approved (kube-controller-manager's csrapproving controller
 * approves it when the requester may create certificatesigningrequests/
 * nodeclient, or /selfnodeclient for a node renewing its own). Keys never
 * leave memory. */
#ifndef K8S_CSR_H
#define K8S_CSR_H

#include <stdatomic.h>
#include <stddef.h>
#include <time.h>

#include "k8s/client.h"
#include "k8s/error.h"

#define K8S_SIGNER_KUBELET_CLIENT "kubernetes.io/kube-apiserver-client-kubelet"

extern const k8s_resource K8S_RES_CSRS;

/* A PEM certificate and its PEM private key (both NUL-terminated past len). */
typedef struct k8s_cert_pair {
    char *cert;
    size_t cert_len;
    char *key;
    size_t key_len;
    time_t not_before, not_after;
} k8s_cert_pair;

/* Request a client certificate for node node_name through c (whose identity
 * must be allowed to create CSRs and read the one it created).
 * expiration_s > 0 asks for that lifetime (spec.expirationSeconds, at least
 * 600); 0 leaves it to the signer. Waits up to wait_ms for approval and
 * issuance (polling the CSR), giving up early when *stop (may be NULL)
 * becomes non-zero. A denied or failed CSR, or one not issued in time, fills
 * err with the CSR's name and the condition's reason and message. On success
 * *out holds fresh buffers; release them with k8s_cert_pair_clear. */
int k8s_csr_node_client_cert(k8s_client *c, const char *node_name, long expiration_s, long wait_ms,
                             const atomic_int *stop, k8s_cert_pair *out, k8s_error *err);

/* Free the buffers of p (wiping the key) and zero it; NULL is fine. */
void k8s_cert_pair_clear(k8s_cert_pair *p);

/* notBefore and notAfter of the first certificate in pem[0..len); -1 when
 * none can be parsed. */
int k8s_cert_validity(const char *pem, size_t len, time_t *not_before, time_t *not_after);

/* When to rotate a certificate valid from not_before to not_after: at 70 % to
 * 90 % of its lifetime, u in [0, 1) picking the point (the kubelet's
 * certificate manager jitters the same way, so nodes started together do not
 * renew together). */
time_t k8s_cert_rotation_deadline(time_t not_before, time_t not_after, double u);

#endif
