/* Where the apiserver is and how to authenticate to it: a kubeconfig file
 * (parsed with libyaml) or the in-cluster service-account files. Certificates,
 * keys and tokens stay in memory; they never appear in error messages. */
#ifndef K8S_CONFIG_H
#define K8S_CONFIG_H

#include <stddef.h>
#include "k8s/error.h"

typedef struct k8s_config k8s_config;

/* Load the kubeconfig at path using context (NULL: its current-context).
 * Relative file paths inside are resolved against the file's directory.
 * On success *out is a new config the caller frees (or hands to
 * k8s_client_new). On failure returns -1 and err says which field of which
 * entry is wrong, e.g. "kubeconfig /x: users[0].user.client-key-data:
 * invalid base64" or "kubeconfig /x: context \"foo\" not found". */
int k8s_config_load_kubeconfig(const char *path, const char *context, k8s_config **out, k8s_error *err);

/* Parse kubeconfig text data[0..len) (pure: reads files only for
 * certificate-authority/client-certificate/client-key/tokenFile, resolved
 * against base_dir). name is used in messages. Same ownership as above. */
int k8s_config_parse_kubeconfig(const char *data, size_t len, const char *name, const char *base_dir,
                                const char *context, k8s_config **out, k8s_error *err);

/* Files of the in-cluster configuration; NULL members take the defaults under
 * /var/run/secrets/kubernetes.io/serviceaccount/. */
typedef struct k8s_incluster_paths {
    const char *token_file;
    const char *ca_file;
    const char *namespace_file;
} k8s_incluster_paths;

/* In-cluster config from KUBERNETES_SERVICE_HOST/PORT and the service-account
 * files (paths may be NULL for the defaults). The token file is re-read when it
 * changes (mtime/size) or at least once a minute. Caller frees *out. */
int k8s_config_in_cluster(const k8s_incluster_paths *paths, k8s_config **out, k8s_error *err);

/* kubeconfig_path if non-NULL, else $KUBECONFIG (first entry), else in-cluster
 * when KUBERNETES_SERVICE_HOST is set, else ~/.kube/config. Caller frees *out. */
int k8s_config_load_default(const char *kubeconfig_path, const char *context, k8s_config **out, k8s_error *err);

/* A config for server with no credentials (tests, proxies); caller frees. */
k8s_config *k8s_config_new(const char *server);

/* Release the config; NULL is fine. */
void k8s_config_free(k8s_config *c);

/* Accessors; strings are borrowed from the config (NULL when unset). */
const char *k8s_config_server(const k8s_config *c);
const char *k8s_config_namespace(const k8s_config *c);    /* "default" when unset */
const char *k8s_config_context(const k8s_config *c);      /* NULL for in-cluster */
const char *k8s_config_source(const k8s_config *c);       /* path or "in-cluster" */
const char *k8s_config_tls_server_name(const k8s_config *c);
int k8s_config_insecure(const k8s_config *c);
/* A loud warning the caller should log (insecure-skip-tls-verify), or NULL. */
const char *k8s_config_warning(const k8s_config *c);
/* PEM blobs (borrowed; *len 0 and NULL when absent). The client certificate
 * and key pointers stay valid only until k8s_config_set_client_cert; code
 * that runs while they may rotate uses k8s_config_client_creds. */
const unsigned char *k8s_config_ca(const k8s_config *c, size_t *len);
const unsigned char *k8s_config_client_cert(const k8s_config *c, size_t *len);
const unsigned char *k8s_config_client_key(const k8s_config *c, size_t *len);
/* The bearer token to send now (re-reading a rotated token file); a fresh copy
 * the caller frees, or NULL when the config has no token (or the file cannot
 * be read, then err is filled). Thread-safe. */
char *k8s_config_token(k8s_config *c, k8s_error *err);

/* Copies of the client certificate and key taken together under the
 * config's lock (a rotation never hands out a certificate with the other
 * key). Returns 1 when either is set. Free both with k8s_config_free_creds
 * (the key is wiped). Thread-safe. */
int k8s_config_client_creds(k8s_config *c, unsigned char **cert, size_t *cert_len, unsigned char **key,
                            size_t *key_len);
void k8s_config_free_creds(unsigned char *cert, size_t cert_len, unsigned char *key, size_t key_len);

/* Replace the client certificate and key (PEM, copied; the old key is
 * wiped). Thread-safe: requests started afterwards present the new pair. */
void k8s_config_set_client_cert(k8s_config *c, const unsigned char *cert, size_t cert_len, const unsigned char *key,
                                size_t key_len);

/* A new config for the same server (CA, TLS server name, namespace, insecure
 * flag copied from base) that authenticates with the client certificate and
 * key (copied) instead of base's credentials. Caller frees. */
k8s_config *k8s_config_with_client_cert(const k8s_config *base, const unsigned char *cert, size_t cert_len,
                                        const unsigned char *key, size_t key_len);

/* Replace the values (tests and programmatic setup). Blobs are copied. */
void k8s_config_set_token(k8s_config *c, const char *token);
void k8s_config_set_namespace(k8s_config *c, const char *ns);

#endif
