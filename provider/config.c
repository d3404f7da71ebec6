/* The bridge's configuration. One table (settings[] below) describes every
 * setting once: its flag, environment variable(s), config-file key, kind,
 * default and help. Loading applies the layers in increasing precedence
 * (defaults, config file, Go-provider env aliases, env, flags), each layer
 * overwriting what the earlier ones set, then checks the settings that
 * depend on each other. */
#include "provider/config.h"
#include "util/dynbuf.h"
#include "util/log.h"
#include "util/xmalloc.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <ifaddrs.h>
#include <limits.h>
#include <math.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

/* ------------------------------------------------------------------ table */

typedef enum {
    K_STR,        /* any string */
    K_ID,         /* cloud id / region: [A-Za-z0-9._-]+ */
    K_NAME,       /* DNS-1123 subdomain (node name) */
    K_SECRET,     /* string never printed */
    K_SECRET_FILE,/* path whose content becomes the secret */
    K_FILE,       /* readable file path */
    K_INT,
    K_FLOAT,
    K_BOOL,
    K_DUR,        /* int64 milliseconds */
    K_LIST,       /* prov_cfg_list of K_ID items */
    K_IPLIST,     /* prov_cfg_list of IP addresses */
    K_LABELS,     /* kv_list */
    K_TAINT,      /* prov_cfg_taint */
    K_QTY,        /* resource quantity */
    K_COUNT,      /* positive integer kept as a string (pods) */
    K_IP,
    K_HOSTPORT,   /* "host:port", ":port" or "" */
    K_URL,
    K_LOGLEVEL,   /* int */
    K_LOGFMT,     /* bool log_json */
    K_META,       /* flags handled by the loader itself (--help ...) */
} kind;

enum { F_REQUIRED = 1, F_NOFLAGVALUE = 2 };

typedef struct setting {
    const char *group;
    const char *flag;    /* without "--"; NULL: no flag */
    const char *key;     /* config-file path; NULL: not in the file */
    const char *env;     /* NULL: none */
    const char *alias;   /* compatibility env name (lower precedence) */
    kind k;
    size_t off;
    const char *def;     /* default in flag syntax; NULL: "" */
    const char *def_doc; /* what --help shows when the default is computed */
    double min, max;     /* ints and floats; durations in ms */
    unsigned flags;
    const char *metavar;
    const char *help;
} setting;

#define OFF(f) offsetof(prov_cfg, f)
#define G_GEN "General"
#define G_KUBE "Kubernetes API"
#define G_NODE "Node"
#define G_ECI "ECI (Alibaba Cloud Elastic Container Instance)"
#define G_API "Kubelet API server"
#define G_CTRL "Controllers"
#define G_POD "Pods"
#define G_OBS "Logging, metrics, health"
#define G_LE "Leader election"

static const setting settings[] = {
    {G_GEN, "config", NULL, "ECI_KUBELET_CONFIG", NULL, K_META, OFF(config_file), NULL, NULL, 0, 0, 0,
     "FILE", "YAML config file (see docs/configuration.md)"},
    {G_GEN, "dry-run", NULL, NULL, NULL, K_META, 0, NULL, NULL, 0, 0, 0, NULL,
     "load and validate the configuration, print it (secrets redacted) and exit"},
    {G_GEN, "help", NULL, NULL, NULL, K_META, 0, NULL, NULL, 0, 0, 0, NULL, "show this help and exit"},
    {G_GEN, "version", NULL, NULL, NULL, K_META, 0, NULL, NULL, 0, 0, 0, NULL, "print the version and exit"},

    {G_KUBE, "kubeconfig", "kubernetes.kubeconfig", "ECI_KUBELET_KUBECONFIG", "KUBECONFIG", K_FILE,
     OFF(kubeconfig), NULL, "in-cluster config", 0, 0, 0, "FILE",
     "kubeconfig for the API server; without it the in-cluster service account is used"},
    {G_KUBE, "kube-context", "kubernetes.context", "ECI_KUBELET_KUBE_CONTEXT", NULL, K_STR, OFF(kube_context),
     NULL, "current-context", 0, 0, 0, "NAME", "kubeconfig context to use"},
    {G_KUBE, "request-node-certificate", "kubernetes.requestNodeCertificate",
     "ECI_KUBELET_REQUEST_NODE_CERTIFICATE", NULL, K_BOOL, OFF(request_node_certificate), "false", NULL, 0, 0, 0,
     NULL,
     "use the kubeconfig or service-account credentials only to request a client certificate for "
     "system:node:<node name> (CertificateSigningRequest, signer kubernetes.io/kube-apiserver-client-kubelet), "
     "then act as that node and renew the certificate before it expires, as a kubelet does"},
    {G_KUBE, "node-certificate-duration", "kubernetes.nodeCertificateDuration",
     "ECI_KUBELET_NODE_CERTIFICATE_DURATION", NULL, K_DUR, OFF(node_certificate_duration_ms), "0s",
     "the signer's default", 0, 10 * 365 * 86400e3, 0, "DURATION",
     "lifetime to ask for the node client certificate (at least 10m; 0: the signer's default)"},
    {G_KUBE, "kube-api-qps", "kubernetes.qps", "ECI_KUBELET_KUBE_API_QPS", NULL, K_FLOAT, OFF(kube_qps), "50",
     NULL, 0, 1e6, 0, "N", "client-side rate limit for API server requests (per second)"},
    {G_KUBE, "kube-api-burst", "kubernetes.burst", "ECI_KUBELET_KUBE_API_BURST", NULL, K_INT, OFF(kube_burst),
     "100", NULL, 1, 1000000, 0, "N", "burst allowed above --kube-api-qps"},

    {G_NODE, "node-name", "node.name", "ECI_KUBELET_NODE_NAME", NULL, K_NAME, OFF(node_name),
     "virtual-kubelet", NULL, 0, 0, 0, "NAME", "name of the Node object this bridge registers"},
    {G_NODE, "node-ip", "node.ip", "ECI_KUBELET_NODE_IP", "VKUBELET_POD_IP", K_IP, OFF(node_ip), NULL,
     "the host's primary IPv4", 0, 0, 0, "IP",
     "InternalIP published on the Node; the API server dials it for logs and exec"},
    {G_NODE, "hostname-address", "node.hostnameAddress", "ECI_KUBELET_HOSTNAME_ADDRESS", NULL, K_STR,
     OFF(hostname_address), NULL, "the node IP", 0, 0, 0, "ADDR",
     "Hostname address published on the Node (the API server prefers it, so it must resolve from the "
     "control plane); \"none\" publishes InternalIP only"},
    {G_NODE, "cluster-name", "clusterName", "ECI_KUBELET_CLUSTER_NAME", "ECI_CLUSTER_NAME", K_ID,
     OFF(cluster_name), "default", NULL, 0, 0, 0, "NAME",
     "cluster name, recorded as the ClusterName tag on every container group"},
    {G_NODE, "node-labels", "node.labels", "ECI_KUBELET_NODE_LABELS", NULL, K_LABELS, OFF(node_labels), NULL,
     "none", 0, 0, 0, "K=V,...", "extra Node labels (comma-separated; the flag may repeat)"},
    {G_NODE, "node-taint", "node.taint", "ECI_KUBELET_NODE_TAINT", NULL, K_TAINT, OFF(taint),
     "virtual-kubelet.io/provider=alibabacloud:NoSchedule", NULL, 0, 0, 0, "KEY[=VALUE]:EFFECT",
     "taint on the Node so that only pods that tolerate it land on ECI; \"none\" disables it"},
    {G_NODE, "capacity-cpu", "node.capacity.cpu", "ECI_KUBELET_CAPACITY_CPU", "ECI_QUOTA_CPU", K_QTY,
     OFF(capacity_cpu), "1000", NULL, 0, 0, 0, "QTY", "Node cpu capacity and allocatable"},
    {G_NODE, "capacity-memory", "node.capacity.memory", "ECI_KUBELET_CAPACITY_MEMORY", "ECI_QUOTA_MEMORY",
     K_QTY, OFF(capacity_memory), "4Ti", NULL, 0, 0, 0, "QTY", "Node memory capacity and allocatable"},
    {G_NODE, "capacity-pods", "node.capacity.pods", "ECI_KUBELET_CAPACITY_PODS", "ECI_QUOTA_POD", K_COUNT,
     OFF(capacity_pods), "1000", NULL, 0, 0, 0, "N", "maximum pods on the Node"},
    {G_NODE, "capacity-ephemeral-storage", "node.capacity.ephemeralStorage",
     "ECI_KUBELET_CAPACITY_EPHEMERAL_STORAGE", NULL, K_QTY, OFF(capacity_ephemeral_storage), "4Ti", NULL, 0,
     0, 0, "QTY", "Node ephemeral-storage capacity and allocatable"},
    {G_NODE, "capacity-from-usage", "node.capacity.fromUsage", "ECI_KUBELET_CAPACITY_FROM_USAGE", NULL, K_BOOL,
     OFF(capacity_from_usage), "true", NULL, 0, 0, 0, NULL,
     "derive cpu/memory/pods capacity from the account's ECI quotas (ListUsage, every minute); the configured "
     "numbers are the fallback and the pods ceiling"},
    {G_NODE, "node-status-update-period", "node.statusUpdatePeriod", "ECI_KUBELET_NODE_STATUS_UPDATE_PERIOD",
     NULL, K_DUR, OFF(node_status_update_period_ms), "1m", NULL, 1000, 86400e3, 0, "DURATION",
     "how often Node status is written when nothing changed (changes are written at once)"},
    {G_NODE, "node-lease-duration", "node.leaseDuration", "ECI_KUBELET_NODE_LEASE_DURATION", NULL, K_DUR,
     OFF(node_lease_duration_ms), "40s", NULL, 4000, 3600e3, 0, "DURATION",
     "Node Lease duration in kube-node-lease; renewed every quarter of it"},

    {G_ECI, "region", "eci.region", "ECI_KUBELET_REGION", "ECI_REGION", K_ID, OFF(region), NULL, NULL, 0, 0,
     F_REQUIRED, "REGION", "region id, e.g. cn-hangzhou"},
    {G_ECI, "zones", "eci.zones", "ECI_KUBELET_ZONES", NULL, K_LIST, OFF(zones), NULL, "none", 0, 0, 0,
     "ZONE,...", "zone ids; the first becomes the topology.kubernetes.io/zone label"},
    {G_ECI, "vswitch", "eci.vswitches", "ECI_KUBELET_VSWITCH", "ECI_VSWITCH", K_LIST, OFF(vswitches), NULL,
     NULL, 0, 10, F_REQUIRED, "VSW,...", "vSwitch id(s) for container groups (comma-separated for several zones)"},
    {G_ECI, "security-group", "eci.securityGroup", "ECI_KUBELET_SECURITY_GROUP", "ECI_SECURITY_GROUP", K_ID,
     OFF(security_group), NULL, NULL, 0, 0, F_REQUIRED, "SG", "security group id for container groups"},
    {G_ECI, "eci-endpoint", "eci.endpoint", "ECI_KUBELET_ECI_ENDPOINT", NULL, K_URL, OFF(eci_endpoint), NULL,
     "derived from the region", 0, 0, 0, "URL", "ECI API endpoint URL override, e.g. http://127.0.0.1:8080"},
    {G_ECI, "eci-use-vpc-endpoint", "eci.useVpcEndpoint", "ECI_KUBELET_ECI_USE_VPC_ENDPOINT", NULL, K_BOOL,
     OFF(eci_use_vpc_endpoint), "false", NULL, 0, 0, 0, NULL,
     "use the region's VPC (internal) endpoint eci-vpc.<region>.aliyuncs.com"},
    {G_ECI, "eci-qps", "eci.qps", "ECI_KUBELET_ECI_QPS", NULL, K_FLOAT, OFF(eci_qps), "100", NULL, 0, 1e6, 0,
     "N", "overall client-side rate limit for ECI API calls (per second); each operation is also paced to its published quota"},
    {G_ECI, "eci-burst", "eci.burst", "ECI_KUBELET_ECI_BURST", NULL, K_INT, OFF(eci_burst), "200", NULL, 1,
     1000000, 0, "N", "burst allowed above --eci-qps"},
    {G_ECI, "eci-retries", "eci.retries", "ECI_KUBELET_ECI_RETRIES", NULL, K_INT, OFF(eci_retries), "5", NULL,
     0, 100, 0, "N", "retries of a throttled or transiently failing ECI call (jittered backoff)"},
    {G_ECI, "eci-timeout", "eci.timeout", "ECI_KUBELET_ECI_TIMEOUT", NULL, K_DUR, OFF(eci_timeout_ms), "30s",
     NULL, 100, 3600e3, 0, "DURATION", "timeout of one ECI API request"},
    {G_ECI, "access-key-id", "eci.accessKeyId", "ECI_KUBELET_ACCESS_KEY_ID", "ECI_ACCESS_KEY", K_STR,
     OFF(access_key_id), NULL, "from the credential chain", 0, 0, 0, "ID",
     "explicit AccessKey id (otherwise ALIBABA_CLOUD_ACCESS_KEY_ID, then the RAM role)"},
    {G_ECI, NULL, "eci.accessKeySecret", "ECI_KUBELET_ACCESS_KEY_SECRET", "ECI_SECRET_KEY", K_SECRET,
     OFF(access_key_secret), NULL, "from the credential chain", 0, 0, 0, NULL,
     "explicit AccessKey secret (no flag: command lines are visible to every user)"},
    {G_ECI, "access-key-secret-file", "eci.accessKeySecretFile", "ECI_KUBELET_ACCESS_KEY_SECRET_FILE", NULL,
     K_SECRET_FILE, OFF(access_key_secret), NULL, "none", 0, 0, 0, "FILE",
     "file holding the AccessKey secret (e.g. a mounted Secret)"},
    {G_ECI, "ram-role", "eci.ramRole", "ECI_KUBELET_RAM_ROLE", NULL, K_STR, OFF(ram_role), NULL, "none", 0, 0,
     0, "NAME", "ECS RAM role whose instance credentials are used"},
    {G_ECI, "resource-group", "eci.resourceGroupId", "ECI_KUBELET_RESOURCE_GROUP", NULL, K_ID,
     OFF(resource_group), NULL, "the account default", 0, 0, 0, "ID", "resource group id for container groups"},
    {G_ECI, "eci-ca-file", "eci.caFile", "ECI_KUBELET_ECI_CA_FILE", NULL, K_FILE, OFF(eci_ca_file), NULL,
     "system CAs", 0, 0, 0, "FILE", "CA bundle that verifies the ECI endpoint"},
    {G_ECI, "eci-insecure-skip-tls-verify", "eci.insecureSkipTlsVerify",
     "ECI_KUBELET_ECI_INSECURE_SKIP_TLS_VERIFY", NULL, K_BOOL, OFF(eci_insecure_skip_tls_verify), "false", NULL,
     0, 0, 0, NULL, "DANGEROUS: do not verify the ECI endpoint's certificate (testing only)"},
    {G_ECI, "eci-legacy-signature", "eci.legacySignature", "ECI_KUBELET_ECI_LEGACY_SIGNATURE", NULL, K_BOOL,
     OFF(eci_legacy_signature), "false", NULL, 0, 0, 0, NULL,
     "sign ECI requests with the legacy method V2 (HMAC-SHA1) instead of V3 (ACS3-HMAC-SHA256)"},

    {G_API, "address", "kubelet.address", "ECI_KUBELET_LISTEN_ADDRESS", NULL, K_IP, OFF(listen_address), "0.0.0.0",
     NULL, 0, 0, 0, "IP", "address the kubelet HTTPS API listens on"},
    {G_API, "port", "kubelet.port", "ECI_KUBELET_LISTEN_PORT", NULL, K_INT, OFF(port), "10250", NULL, 1,
     65535, 0, "PORT", "kubelet HTTPS API port (published in daemonEndpoints)"},
    {G_API, "tls-cert-file", "kubelet.tlsCertFile", "ECI_KUBELET_TLS_CERT_FILE", NULL, K_FILE,
     OFF(tls_cert_file), NULL, "self-signed at start", 0, 0, 0, "FILE", "serving certificate (PEM)"},
    {G_API, "tls-private-key-file", "kubelet.tlsPrivateKeyFile", "ECI_KUBELET_TLS_PRIVATE_KEY_FILE", NULL,
     K_FILE, OFF(tls_private_key_file), NULL, "self-signed at start", 0, 0, 0, "FILE",
     "serving certificate's private key (PEM)"},
    {G_API, "client-ca-file", "kubelet.clientCaFile", "ECI_KUBELET_CLIENT_CA_FILE", NULL, K_FILE,
     OFF(client_ca_file), NULL, "none", 0, 0, 0, "FILE",
     "CA that verifies client certificates (the API server's kubelet client cert)"},
    {G_API, "streaming-connection-idle-timeout", "kubelet.streamingConnectionIdleTimeout",
     "ECI_KUBELET_STREAMING_CONNECTION_IDLE_TIMEOUT", NULL, K_DUR, OFF(streaming_idle_timeout_ms), "4h", NULL,
     1000, 7 * 86400e3, 0, "DURATION", "an idle exec, attach or port-forward stream is closed after this"},

    {G_POD, "cluster-dns", "pods.clusterDNS", "ECI_KUBELET_CLUSTER_DNS", NULL, K_IPLIST, OFF(cluster_dns), NULL,
     "none", 0, 3, 0, "IP,...",
     "name server(s) for pods with dnsPolicy ClusterFirst (the cluster DNS Service IP)"},
    {G_POD, "cluster-domain", "pods.clusterDomain", "ECI_KUBELET_CLUSTER_DOMAIN", NULL, K_NAME, OFF(cluster_domain),
     "cluster.local", NULL, 0, 0, 0, "DOMAIN", "cluster DNS domain for pod search paths"},
    {G_POD, "allow-daemonset-pods", "pods.allowDaemonSets", "ECI_KUBELET_ALLOW_DAEMONSET_PODS", NULL, K_BOOL,
     OFF(allow_daemonset_pods), "false", NULL, 0, 0, 0, NULL,
     "run DaemonSet pods on ECI (refused by default: kept Pending with reason DaemonSetPodRefused; a pod "
     "annotated eci-kubelet/allow-daemonset: \"true\" is admitted either way)"},

    {G_CTRL, "pod-status-sync-period", "controller.podStatusSyncPeriod", "ECI_KUBELET_POD_STATUS_SYNC_PERIOD",
     NULL, K_DUR, OFF(pod_status_sync_period_ms), "5s", NULL, 500, 3600e3, 0, "DURATION",
     "how often container group status is polled from ECI (batched)"},
    {G_CTRL, "reconcile-workers", "controller.reconcileWorkers", "ECI_KUBELET_RECONCILE_WORKERS", NULL, K_INT,
     OFF(reconcile_workers), "10", NULL, 1, 256, 0, "N", "pods reconciled in parallel"},
    {G_CTRL, "status-sync-workers", "controller.statusSyncWorkers", "ECI_KUBELET_STATUS_SYNC_WORKERS", NULL, K_INT,
     OFF(status_sync_workers), "4", NULL, 1, 16, 0, "N",
     "batches of 20 container groups described and applied to pod status in parallel"},
    {G_CTRL, "image-cache-controller", "controller.imageCaches", "ECI_KUBELET_IMAGE_CACHE_CONTROLLER", NULL,
     K_BOOL, OFF(image_cache_controller), "false", NULL, 0, 0, 0, NULL,
     "reconcile ImageCache objects (imagecaches.eci.alibabacloud.com) into ECI image caches while leading; "
     "acts with the service account (the bootstrap identity), never the node's"},
    {G_CTRL, "orphan-gc-period", "controller.orphanGcPeriod", "ECI_KUBELET_ORPHAN_GC_PERIOD", NULL, K_DUR,
     OFF(orphan_gc_period_ms), "2m", NULL, 1000, 86400e3, 0, "DURATION",
     "how often container groups without a pod (and pods without a group) are looked for"},

    {G_OBS, "log-level", "log.level", "ECI_KUBELET_LOG_LEVEL", NULL, K_LOGLEVEL, OFF(log_level), "info", NULL,
     0, 0, 0, "LEVEL", "error, warn, info or debug"},
    {G_OBS, "log-format", "log.format", "ECI_KUBELET_LOG_FORMAT", NULL, K_LOGFMT, OFF(log_json), "text", NULL,
     0, 0, 0, "FORMAT", "text or json"},
    {G_OBS, "metrics", "metrics.enabled", "ECI_KUBELET_METRICS", NULL, K_BOOL, OFF(metrics_enabled), "true",
     NULL, 0, 0, 0, NULL, "serve Prometheus metrics at /metrics"},
    {G_OBS, "health-probe-bind-address", "health.bindAddress", "ECI_KUBELET_HEALTH_PROBE_BIND_ADDRESS", NULL,
     K_HOSTPORT, OFF(health_probe_bind_address), ":10248", NULL, 0, 0, 0, "HOST:PORT",
     "plain-HTTP /healthz, /readyz (and /metrics) listener; \"\" disables it"},

    {G_LE, "leader-elect", "leaderElection.enabled", "ECI_KUBELET_LEADER_ELECT", NULL, K_BOOL,
     OFF(leader_elect), "false", NULL, 0, 0, 0, NULL,
     "run several replicas; only the Lease holder drives the node"},
    {G_LE, "leader-elect-namespace", "leaderElection.namespace", "ECI_KUBELET_LEADER_ELECT_NAMESPACE", NULL,
     K_NAME, OFF(leader_elect_namespace), NULL, "the bridge's own namespace", 0, 0, 0, "NS",
     "namespace of the election Lease (the pod's namespace in-cluster, else the kubeconfig context's)"},
    {G_LE, "leader-elect-name", "leaderElection.name", "ECI_KUBELET_LEADER_ELECT_NAME", NULL, K_NAME,
     OFF(leader_elect_name), NULL, "eci-kubelet-<node name>", 0, 0, 0, "NAME", "name of the election Lease"},
    {G_LE, "leader-elect-lease-duration", "leaderElection.leaseDuration",
     "ECI_KUBELET_LEADER_ELECT_LEASE_DURATION", NULL, K_DUR, OFF(leader_elect_lease_duration_ms), "15s", NULL,
     1000, 3600e3, 0, "DURATION", "how long a leader's Lease is valid"},
    {G_LE, "leader-elect-renew-deadline", "leaderElection.renewDeadline",
     "ECI_KUBELET_LEADER_ELECT_RENEW_DEADLINE", NULL, K_DUR, OFF(leader_elect_renew_deadline_ms), "10s", NULL,
     500, 3600e3, 0, "DURATION", "the leader gives up if it cannot renew within this"},
    {G_LE, "leader-elect-retry-period", "leaderElection.retryPeriod", "ECI_KUBELET_LEADER_ELECT_RETRY_PERIOD",
     NULL, K_DUR, OFF(leader_elect_retry_period_ms), "2s", NULL, 100, 3600e3, 0, "DURATION",
     "how often candidates try to acquire or renew the Lease"},
};

#define NSET (sizeof settings / sizeof settings[0])

/* Layers, in increasing precedence. */
enum { L_DEFAULT = 0, L_FILE, L_ALIAS, L_ENV, L_FLAG };

typedef struct loader {
    prov_cfg *cfg;
    unsigned char layer[NSET]; /* the layer that last set each setting */
    char *src[NSET];           /* where that value came from ("--port", "ECI_REGION", ...) */
    prov_cfg_error *err;
} loader;

/* ---------------------------------------------------------------- helpers */

static void errf(prov_cfg_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void errf(prov_cfg_error *err, const char *fmt, ...)
{
    if (!err)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
}

/* A value quoted for an error message: printable, at most 80 bytes. */
static void quote(char *out, size_t len, const char *v)
{
    size_t o = 0;
    if (len < 8)
        return;
    out[o++] = '"';
    for (size_t i = 0; v && v[i] && o + 6 < len; i++) {
        unsigned char c = (unsigned char)v[i];
        if (i >= 80) {
            memcpy(out + o, "...", 3);
            o += 3;
            break;
        }
        if (c == '"' || c == '\\') {
            out[o++] = '\\';
            out[o++] = (char)c;
        } else if (c < 0x20 || c == 0x7f) {
            o += (size_t)snprintf(out + o, len - o, "\\x%02x", c);
        } else {
            out[o++] = (char)c;
        }
    }
    out[o++] = '"';
    out[o] = 0;
}

static char **str_at(prov_cfg *c, const setting *s) { return (char **)((char *)c + s->off); }
static const char *cstr_at(const prov_cfg *c, const setting *s)
{
    const char *v = *(char *const *)((const char *)c + s->off);
    return v ? v : "";
}

static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

static char *trim_dup(const char *s, size_t n)
{
    while (n && is_space(*s)) {
        s++;
        n--;
    }
    while (n && is_space(s[n - 1]))
        n--;
    return xstrndup(s, n);
}

static const char *env_get(char **env, const char *name)
{
    if (!env || !name)
        return NULL;
    size_t n = strlen(name);
    for (char **e = env; *e; e++)
        if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
            return *e + n + 1;
    return NULL;
}

static void list_clear(prov_cfg_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->items[i]);
    free(l->items);
    l->items = NULL;
    l->n = 0;
}

static void list_add(prov_cfg_list *l, const char *v)
{
    l->items = xrealloc(l->items, (l->n + 1) * sizeof *l->items);
    l->items[l->n++] = xstrdup(v);
}

static void taint_clear(prov_cfg_taint *t)
{
    free(t->key);
    free(t->value);
    free(t->effect);
    memset(t, 0, sizeof *t);
}

static void secret_free(char **p)
{
    if (*p) {
        explicit_bzero(*p, strlen(*p));
        free(*p);
        *p = NULL;
    }
}

/* ------------------------------------------------------------- validators */

static bool valid_id(const char *s)
{
    if (!*s || strlen(s) > 128)
        return false;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_' && *s != '.')
            return false;
    return true;
}

/* DNS-1123 label: [a-z0-9]([-a-z0-9]*[a-z0-9])?, at most 63. */
static bool dns_label(const char *s, size_t n)
{
    if (n == 0 || n > 63)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool an = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        if (!an && !(c == '-' && i > 0 && i + 1 < n))
            return false;
    }
    return true;
}

static bool dns_subdomain(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 253)
        return false;
    const char *p = s;
    while (1) {
        const char *dot = strchr(p, '.');
        size_t l = dot ? (size_t)(dot - p) : strlen(p);
        if (!dns_label(p, l))
            return false;
        if (!dot)
            return true;
        p = dot + 1;
    }
}

/* Label name part / label value: ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9], at most 63. */
static bool label_name(const char *s, size_t n, bool allow_empty)
{
    if (n == 0)
        return allow_empty;
    if (n > 63)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        bool an = isalnum(c) != 0;
        if (!an && ((c != '-' && c != '_' && c != '.') || i == 0 || i + 1 == n))
            return false;
    }
    return true;
}

/* A label or taint key: optional DNS-subdomain prefix and '/', then a name. */
static bool label_key(const char *k)
{
    const char *slash = strchr(k, '/');
    if (slash) {
        char *prefix = xstrndup(k, (size_t)(slash - k));
        bool ok = dns_subdomain(prefix);
        free(prefix);
        if (!ok)
            return false;
        k = slash + 1;
    }
    return label_name(k, strlen(k), false);
}

int prov_cfg_quantity_valid(const char *s)
{
    /* <number>[<suffix>], number = [+]digits[.digits] or .digits; suffix =
     * binary (Ki..Ei), decimal (n u m k M G T P E) or exponent e[+-]N. */
    const char *p = s;
    if (*p == '+')
        p++;
    size_t digits = 0;
    while (isdigit((unsigned char)*p)) {
        p++;
        digits++;
    }
    if (*p == '.') {
        p++;
        while (isdigit((unsigned char)*p)) {
            p++;
            digits++;
        }
    }
    if (digits == 0)
        return 0;
    static const char *const suffixes[] = {"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei", "n", "u", "m",
                                           "k", "M", "G", "T", "P", "E"};
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++)
        if (strcmp(p, suffixes[i]) == 0)
            return 1;
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-')
            p++;
        if (!isdigit((unsigned char)*p))
            return 0;
        while (isdigit((unsigned char)*p))
            p++;
        return *p == 0;
    }
    return 0;
}

int prov_cfg_parse_duration(const char *s, int64_t *ms)
{
    if (!s || !*s)
        return -1;
    /* A bare number is seconds. */
    char *end;
    errno = 0;
    double bare = strtod(s, &end);
    if (*end == 0 && errno == 0 && isdigit((unsigned char)s[0])) {
        if (!isfinite(bare) || bare < 0 || bare > 9e12)
            return -1;
        *ms = (int64_t)llround(bare * 1000.0);
        return 0;
    }
    double total = 0;
    const char *p = s;
    while (*p) {
        if (!isdigit((unsigned char)*p) && *p != '.')
            return -1;
        errno = 0;
        double v = strtod(p, &end);
        if (end == p || errno)
            return -1;
        p = end;
        double mult;
        if (strncmp(p, "ms", 2) == 0) {
            mult = 1;
            p += 2;
        } else if (*p == 'h') {
            mult = 3600e3;
            p++;
        } else if (*p == 'm') {
            mult = 60e3;
            p++;
        } else if (*p == 's') {
            mult = 1e3;
            p++;
        } else {
            return -1;
        }
        total += v * mult;
    }
    if (!isfinite(total) || total > 9e15)
        return -1;
    *ms = (int64_t)llround(total);
    return 0;
}

static void fmt_duration(char *buf, size_t len, int64_t ms)
{
    size_t o = 0;
    buf[0] = 0;
    if (ms == 0) {
        snprintf(buf, len, "0s");
        return;
    }
    int64_t h = ms / 3600000, m = ms / 60000 % 60, s = ms / 1000 % 60, r = ms % 1000;
    if (h)
        o += (size_t)snprintf(buf + o, len - o, "%lldh", (long long)h);
    if (m && o < len)
        o += (size_t)snprintf(buf + o, len - o, "%lldm", (long long)m);
    if (s && o < len)
        o += (size_t)snprintf(buf + o, len - o, "%llds", (long long)s);
    if (r && o < len)
        snprintf(buf + o, len - o, "%lldms", (long long)r);
}

static bool parse_bool(const char *v, bool *out)
{
    static const char *const t[] = {"true", "yes", "on", "1"}, *const f[] = {"false", "no", "off", "0"};
    for (int i = 0; i < 4; i++) {
        if (strcasecmp(v, t[i]) == 0) {
            *out = true;
            return true;
        }
        if (strcasecmp(v, f[i]) == 0) {
            *out = false;
            return true;
        }
    }
    return false;
}

static bool valid_ip(const char *v)
{
    unsigned char b[16];
    return inet_pton(AF_INET, v, b) == 1 || inet_pton(AF_INET6, v, b) == 1;
}

static bool valid_port(const char *p)
{
    if (!*p || strlen(p) > 5)
        return false;
    for (const char *q = p; *q; q++)
        if (!isdigit((unsigned char)*q))
            return false;
    long n = strtol(p, NULL, 10);
    return n >= 1 && n <= 65535;
}

static bool valid_hostport(const char *v)
{
    const char *colon = strrchr(v, ':');
    if (!colon)
        return false;
    if (!valid_port(colon + 1))
        return false;
    if (colon == v)
        return true;
    char *host = xstrndup(v, (size_t)(colon - v));
    bool ok;
    size_t hl = strlen(host);
    if (host[0] == '[' && hl > 2 && host[hl - 1] == ']') {
        host[hl - 1] = 0;
        unsigned char b[16];
        ok = inet_pton(AF_INET6, host + 1, b) == 1;
    } else {
        ok = valid_ip(host) || dns_subdomain(host);
    }
    free(host);
    return ok;
}

static bool valid_url(const char *v)
{
    const char *rest;
    if (strncmp(v, "http://", 7) == 0)
        rest = v + 7;
    else if (strncmp(v, "https://", 8) == 0)
        rest = v + 8;
    else
        return false;
    if (!*rest || *rest == '/' || *rest == ':')
        return false;
    for (const char *p = v; *p; p++)
        if ((unsigned char)*p <= ' ' || *p == 0x7f)
            return false;
    return true;
}

/* "key[=value]:Effect", or none/""/false to disable. */
static int parse_taint(const char *v, prov_cfg_taint *t, const char **why)
{
    taint_clear(t);
    if (!*v || strcasecmp(v, "none") == 0 || strcasecmp(v, "false") == 0)
        return 0;
    const char *colon = strrchr(v, ':');
    if (!colon) {
        *why = "expected KEY[=VALUE]:EFFECT or none";
        return -1;
    }
    const char *effect = colon + 1;
    if (strcmp(effect, "NoSchedule") != 0 && strcmp(effect, "PreferNoSchedule") != 0 &&
        strcmp(effect, "NoExecute") != 0) {
        *why = "effect must be NoSchedule, PreferNoSchedule or NoExecute";
        return -1;
    }
    const char *eq = memchr(v, '=', (size_t)(colon - v));
    size_t klen = eq ? (size_t)(eq - v) : (size_t)(colon - v);
    char *key = xstrndup(v, klen);
    char *val = eq ? xstrndup(eq + 1, (size_t)(colon - eq - 1)) : xstrdup("");
    if (!label_key(key)) {
        *why = "invalid taint key";
        free(key);
        free(val);
        return -1;
    }
    if (!label_name(val, strlen(val), true)) {
        *why = "invalid taint value (at most 63 letters, digits, '-', '_' or '.')";
        free(key);
        free(val);
        return -1;
    }
    t->enabled = true;
    t->key = key;
    t->value = val;
    t->effect = xstrdup(effect);
    return 0;
}

/* ------------------------------------------------------------- set a value */

/* Where a value came from, for error messages. */
/* ------------------------------------- virtual-kubelet/alibabacloud-eci */

/* Note one deprecated setting for main() to log. */
static void deprecated(loader *ld, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void deprecated(loader *ld, const char *fmt, ...)
{
    dynbuf b;
    dynbuf_init(&b, 0);
    if (ld->cfg->deprecations) {
        dynbuf_adds(&b, ld->cfg->deprecations);
        dynbuf_addc(&b, '\n');
        free(ld->cfg->deprecations);
    }
    va_list ap;
    va_start(ap, fmt);
    char line[512];
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    dynbuf_adds(&b, line);
    ld->cfg->deprecations = dynbuf_take(&b, NULL);
}

/* The Go provider's flags (all take a value): renamed, or ignored (to NULL). */
static const struct legacy_flag {
    const char *name, *to, *why;
} k_legacy_flags[] = {
    {"nodename", "node-name", NULL},
    {"pod-sync-workers", "reconcile-workers", NULL},
    {"provider", NULL, "ECI is the only provider"},
    {"provider-config", NULL, NULL}, /* read with the config file (load_provider_config) */
};

static const struct legacy_flag *find_legacy_flag(const char *name, size_t n)
{
    for (size_t i = 0; i < sizeof k_legacy_flags / sizeof k_legacy_flags[0]; i++)
        if (strlen(k_legacy_flags[i].name) == n && strncmp(k_legacy_flags[i].name, name, n) == 0)
            return &k_legacy_flags[i];
    return NULL;
}

typedef struct origin {
    const char *name; /* "--port", "ECI_KUBELET_PORT", "config.yaml: kubelet.port" */
    long line;        /* config-file line (1-based) or 0 */
} origin;

static int fail(loader *ld, const origin *o, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(loader *ld, const origin *o, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (o->line > 0)
        errf(ld->err, "%s: %s (line %ld)", o->name, msg, o->line);
    else
        errf(ld->err, "%s: %s", o->name, msg);
    return -1;
}

static int read_small_file(const char *path, char **out, size_t cap, const char **why)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        *why = strerror(errno);
        return -1;
    }
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        /* a FIFO or device could block or never end */
        *why = "not a regular file";
        fclose(f);
        return -1;
    }
    dynbuf b;
    dynbuf_init(&b, cap);
    char buf[4096];
    size_t n;
    int rc = 0;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
        if (dynbuf_add(&b, buf, n) != 0) {
            *why = "file too large";
            rc = -1;
            break;
        }
    }
    if (rc == 0 && ferror(f)) {
        *why = strerror(errno);
        rc = -1;
    }
    fclose(f);
    if (rc != 0) {
        if (b.buf)
            explicit_bzero(b.buf, b.len);
        dynbuf_free(&b);
        return -1;
    }
    size_t len;
    *out = dynbuf_take(&b, &len);
    return 0;
}

/* Whether a node may label itself with key, as the kubelet checks its
 * --node-labels and NodeRestriction checks a node's writes: keys in the
 * kubernetes.io and k8s.io namespaces (and their subdomains) only from the
 * kubelet's own list and the kubelet.kubernetes.io / node.kubernetes.io
 * namespaces; none in node-restriction.kubernetes.io. */
static bool node_may_set_label(const char *key)
{
    static const char *const allowed[] = {
        "kubernetes.io/hostname", "kubernetes.io/os", "kubernetes.io/arch", "beta.kubernetes.io/os",
        "beta.kubernetes.io/arch", "beta.kubernetes.io/instance-type", "node.kubernetes.io/instance-type",
        "failure-domain.beta.kubernetes.io/zone", "failure-domain.beta.kubernetes.io/region",
        "topology.kubernetes.io/zone", "topology.kubernetes.io/region",
    };
    const char *slash = strchr(key, '/');
    if (!slash)
        return true;
    size_t n = (size_t)(slash - key);
    char ns[254];
    if (n >= sizeof ns)
        return true;
    memcpy(ns, key, n);
    ns[n] = 0;
#define NS_IS(dom) (!strcmp(ns, dom) || (n > strlen(dom) && !strcmp(ns + n - strlen(dom) - 1, "." dom)))
    if (NS_IS("node-restriction.kubernetes.io"))
        return false;
    if (!NS_IS("kubernetes.io") && !NS_IS("k8s.io"))
        return true;
    if (NS_IS("kubelet.kubernetes.io") || NS_IS("node.kubernetes.io"))
        return true;
#undef NS_IS
    for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++)
        if (!strcmp(key, allowed[i]))
            return true;
    return false;
}

/* Apply one textual value v of setting s at layer. For K_LIST/K_LABELS a
 * value from the same layer appends; a value from a higher layer replaces. */
static int set_value(loader *ld, size_t idx, const char *v, int layer, const origin *o)
{
    const setting *s = &settings[idx];
    prov_cfg *c = ld->cfg;
    char q[128];
    quote(q, sizeof q, s->k == K_SECRET || s->k == K_SECRET_FILE ? "" : v);
    bool replace = ld->layer[idx] != layer;
    char *endp;

    switch (s->k) {
    case K_META:
        xstrset(str_at(c, s), v);
        break;
    case K_STR:
        xstrset(str_at(c, s), v);
        break;
    case K_ID:
        if (*v && !valid_id(v))
            return fail(ld, o, "expected letters, digits, '-', '_' or '.', got %s", q);
        xstrset(str_at(c, s), v);
        break;
    case K_NAME:
        if (*v && !dns_subdomain(v))
            return fail(ld, o, "must be a lower-case DNS name (a-z, 0-9, '-', '.'; at most 253), got %s", q);
        xstrset(str_at(c, s), v);
        break;
    case K_SECRET:
        secret_free(str_at(c, s));
        *str_at(c, s) = xstrdup(v);
        break;
    case K_SECRET_FILE: {
        if (!*v)
            break;
        char *content = NULL;
        const char *why = NULL;
        char qp[300];
        quote(qp, sizeof qp, v);
        if (read_small_file(v, &content, 64 * 1024, &why) != 0)
            return fail(ld, o, "cannot read %s: %s", qp, why);
        char *t = trim_dup(content, strlen(content));
        explicit_bzero(content, strlen(content));
        free(content);
        if (!*t) {
            free(t);
            return fail(ld, o, "%s is empty", qp);
        }
        secret_free(str_at(c, s));
        *str_at(c, s) = t;
        break;
    }
    case K_FILE:
        if (*v && access(v, R_OK) != 0) {
            char qp[300];
            quote(qp, sizeof qp, v);
            return fail(ld, o, "cannot read %s: %s", qp, strerror(errno));
        }
        xstrset(str_at(c, s), v);
        break;
    case K_INT: {
        errno = 0;
        long n = strtol(v, &endp, 10);
        if (!*v || *endp || errno || n < (long)s->min || n > (long)s->max) {
            if (s->max >= 1000000)
                return fail(ld, o, "must be an integer of at least %.0f, got %s", s->min, q);
            return fail(ld, o, "must be %.0f-%.0f, got %s", s->min, s->max, q);
        }
        *(int *)((char *)c + s->off) = (int)n;
        break;
    }
    case K_FLOAT: {
        errno = 0;
        double d = strtod(v, &endp);
        if (!*v || *endp || errno || !isfinite(d))
            return fail(ld, o, "expected a number, got %s", q);
        if (d <= s->min || d > s->max)
            return fail(ld, o, "must be greater than %g and at most %g, got %s", s->min, s->max, q);
        *(double *)((char *)c + s->off) = d;
        break;
    }
    case K_BOOL:
        if (!parse_bool(v, (bool *)((char *)c + s->off)))
            return fail(ld, o, "expected true or false, got %s", q);
        break;
    case K_DUR: {
        int64_t ms;
        if (prov_cfg_parse_duration(v, &ms) != 0)
            return fail(ld, o, "expected a duration like 30s, 5m or 1h30m, got %s", q);
        if ((double)ms < s->min || (double)ms > s->max) {
            char a[32], b[32];
            fmt_duration(a, sizeof a, (int64_t)s->min);
            fmt_duration(b, sizeof b, (int64_t)s->max);
            return fail(ld, o, "must be between %s and %s, got %s", a, b, q);
        }
        *(int64_t *)((char *)c + s->off) = ms;
        break;
    }
    case K_LIST:
    case K_IPLIST: {
        prov_cfg_list *l = (prov_cfg_list *)((char *)c + s->off);
        /* Validate every item before changing anything. */
        prov_cfg_list tmp = {NULL, 0};
        const char *p = v;
        while (*p) {
            const char *comma = strchr(p, ',');
            size_t n = comma ? (size_t)(comma - p) : strlen(p);
            char *item = trim_dup(p, n);
            if (*item && (s->k == K_IPLIST ? !valid_ip(item) : !valid_id(item))) {
                char qi[128];
                quote(qi, sizeof qi, item);
                free(item);
                list_clear(&tmp);
                return fail(ld, o, "invalid item %s (expected %s)", qi,
                            s->k == K_IPLIST ? "an IPv4 or IPv6 address" : "letters, digits, '-', '_' or '.'");
            }
            if (*item)
                list_add(&tmp, item);
            free(item);
            p += n;
            if (*p == ',')
                p++;
        }
        if (replace)
            list_clear(l);
        for (size_t i = 0; i < tmp.n; i++)
            list_add(l, tmp.items[i]);
        list_clear(&tmp);
        if (s->max > 0 && (double)l->n > s->max)
            return fail(ld, o, "at most %.0f items, got %zu", s->max, l->n);
        break;
    }
    case K_LABELS: {
        kv_list *l = (kv_list *)((char *)c + s->off);
        kv_list tmp = KV_LIST_INIT;
        const char *p = v;
        while (*p) {
            const char *comma = strchr(p, ',');
            size_t n = comma ? (size_t)(comma - p) : strlen(p);
            char *item = trim_dup(p, n);
            p += n;
            if (*p == ',')
                p++;
            if (!*item) {
                free(item);
                continue;
            }
            char *eq = strchr(item, '=');
            char qi[128];
            quote(qi, sizeof qi, item);
            if (!eq) {
                free(item);
                kv_free(&tmp);
                return fail(ld, o, "expected KEY=VALUE, got %s", qi);
            }
            *eq = 0;
            if (!label_key(item)) {
                free(item);
                kv_free(&tmp);
                return fail(ld, o, "invalid label key in %s", qi);
            }
            if (!label_name(eq + 1, strlen(eq + 1), true)) {
                free(item);
                kv_free(&tmp);
                return fail(ld, o, "invalid label value in %s (at most 63 letters, digits, '-', '_' or '.')", qi);
            }
            if (!node_may_set_label(item)) {
                free(item);
                kv_free(&tmp);
                return fail(ld, o,
                            "%s: a node may not set this kubernetes.io/k8s.io label (NodeRestriction refuses it; "
                            "the kubelet refuses it in --node-labels too)",
                            qi);
            }
            kv_set(&tmp, item, eq + 1);
            free(item);
        }
        if (replace)
            kv_free(l);
        for (size_t i = 0; i < tmp.n; i++)
            kv_set(l, tmp.items[i].key, tmp.items[i].val);
        kv_free(&tmp);
        break;
    }
    case K_TAINT: {
        const char *why = NULL;
        prov_cfg_taint t = {0};
        if (parse_taint(v, &t, &why) != 0)
            return fail(ld, o, "%s, got %s", why, q);
        prov_cfg_taint *dst = (prov_cfg_taint *)((char *)c + s->off);
        taint_clear(dst);
        *dst = t;
        break;
    }
    case K_QTY:
        if (!prov_cfg_quantity_valid(v))
            return fail(ld, o, "expected a quantity like 1000, 500m, 4Ti or 64Gi, got %s", q);
        xstrset(str_at(c, s), v);
        break;
    case K_COUNT: {
        errno = 0;
        long n = strtol(v, &endp, 10);
        if (!*v || *endp || errno || n < 1 || n > 1000000000)
            return fail(ld, o, "must be a whole number of at least 1, got %s", q);
        xstrset(str_at(c, s), v);
        break;
    }
    case K_IP:
        if (*v && !valid_ip(v))
            return fail(ld, o, "expected an IPv4 or IPv6 address, got %s", q);
        xstrset(str_at(c, s), v);
        break;
    case K_HOSTPORT:
        if (*v && !valid_hostport(v))
            return fail(ld, o, "expected HOST:PORT or :PORT (port 1-65535), got %s", q);
        xstrset(str_at(c, s), v);
        break;
    case K_URL:
        if (*v && !valid_url(v))
            return fail(ld, o, "expected an http:// or https:// URL, got %s", q);
        xstrset(str_at(c, s), v);
        break;
    case K_LOGLEVEL: {
        int lvl = log_level_parse(v);
        if (lvl < 0)
            return fail(ld, o, "expected error, warn, info or debug, got %s", q);
        *(int *)((char *)c + s->off) = lvl;
        break;
    }
    case K_LOGFMT:
        if (strcasecmp(v, "text") == 0)
            *(bool *)((char *)c + s->off) = false;
        else if (strcasecmp(v, "json") == 0)
            *(bool *)((char *)c + s->off) = true;
        else
            return fail(ld, o, "expected text or json, got %s", q);
        break;
    }
    ld->layer[idx] = (unsigned char)layer;
    xstrset(&ld->src[idx], o->name);
    return 0;
}

/* ---------------------------------------------------------------- YAML */

typedef struct yctx {
    loader *ld;
    yaml_document_t *doc;
    const char *fname;
} yctx;

static bool y_null(const yaml_node_t *n)
{
    if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return false;
    const char *v = (const char *)n->data.scalar.value;
    return !*v || strcmp(v, "~") == 0 || strcmp(v, "null") == 0 || strcmp(v, "Null") == 0 ||
           strcmp(v, "NULL") == 0;
}

static int y_fail(yctx *y, const char *path, const yaml_node_t *n, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int y_fail(yctx *y, const char *path, const yaml_node_t *n, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    errf(y->ld->err, "%s: %s: %s (line %lu)", y->fname, path, msg, (unsigned long)n->start_mark.line + 1);
    return -1;
}

static int y_apply(yctx *y, size_t idx, const char *path, const yaml_node_t *n)
{
    const setting *s = &settings[idx];
    char *name = xasprintf("%s: %s", y->fname, path);
    origin o = {name, (long)n->start_mark.line + 1};
    int rc = 0;
    if (y_null(n)) {
        free(name);
        return 0; /* an empty value leaves the default */
    }
    if (s->k == K_LABELS) {
        if (n->type != YAML_MAPPING_NODE) {
            rc = y_fail(y, path, n, "expected a mapping of label keys to values");
            goto out;
        }
        if (n->data.mapping.pairs.start == n->data.mapping.pairs.top) {
            rc = set_value(y->ld, idx, "", L_FILE, &o);
            goto out;
        }
        for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
            yaml_node_t *k = yaml_document_get_node(y->doc, p->key);
            yaml_node_t *v = yaml_document_get_node(y->doc, p->value);
            if (!k || !v || k->type != YAML_SCALAR_NODE || v->type != YAML_SCALAR_NODE) {
                rc = y_fail(y, path, k ? k : n, "expected a mapping of label keys to values");
                goto out;
            }
            const char *ks = (const char *)k->data.scalar.value;
            const char *vs = y_null(v) ? "" : (const char *)v->data.scalar.value;
            if (strchr(ks, ',') || strchr(vs, ',')) {
                rc = y_fail(y, path, k, "labels cannot contain ','");
                goto out;
            }
            char *pair = xasprintf("%s=%s", ks, vs);
            origin ko = {name, (long)k->start_mark.line + 1};
            rc = set_value(y->ld, idx, pair, L_FILE, &ko);
            free(pair);
            if (rc)
                goto out;
        }
        goto out;
    }
    if ((s->k == K_LIST || s->k == K_IPLIST) && n->type == YAML_SEQUENCE_NODE) {
        dynbuf b;
        dynbuf_init(&b, 0);
        for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
            yaml_node_t *v = yaml_document_get_node(y->doc, *it);
            if (!v || v->type != YAML_SCALAR_NODE || strchr((const char *)v->data.scalar.value, ',')) {
                dynbuf_free(&b);
                rc = y_fail(y, path, v ? v : n, "expected a list of ids");
                goto out;
            }
            dynbuf_printf(&b, "%s%s", b.len ? "," : "", (const char *)v->data.scalar.value);
        }
        rc = set_value(y->ld, idx, dynbuf_str(&b), L_FILE, &o);
        dynbuf_free(&b);
        goto out;
    }
    if (n->type != YAML_SCALAR_NODE) {
        const char *what = (s->k == K_LIST || s->k == K_IPLIST) ? "a list or a comma-separated string"
                           : (s->k == K_INT || s->k == K_FLOAT) ? "a number"
                           : s->k == K_BOOL                     ? "true or false"
                                                                : "a single value";
        rc = y_fail(y, path, n, "expected %s", what);
        goto out;
    }
    rc = set_value(y->ld, idx, (const char *)n->data.scalar.value, L_FILE, &o);
out:
    free(name);
    return rc;
}

/* Is path a section (a proper prefix of some key)? */
static bool is_section(const char *path)
{
    size_t n = strlen(path);
    for (size_t i = 0; i < NSET; i++)
        if (settings[i].key && strncmp(settings[i].key, path, n) == 0 && settings[i].key[n] == '.')
            return true;
    return false;
}

static int y_walk(yctx *y, const char *prefix, const yaml_node_t *map)
{
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
        yaml_node_t *k = yaml_document_get_node(y->doc, p->key);
        yaml_node_t *v = yaml_document_get_node(y->doc, p->value);
        if (!k || !v)
            continue;
        if (k->type != YAML_SCALAR_NODE)
            return y_fail(y, *prefix ? prefix : "(top level)", k, "keys must be plain strings");
        char *path = *prefix ? xasprintf("%s.%s", prefix, (const char *)k->data.scalar.value)
                             : xstrdup((const char *)k->data.scalar.value);
        int rc = 0;
        size_t idx = NSET;
        for (size_t i = 0; i < NSET; i++)
            if (settings[i].key && strcmp(settings[i].key, path) == 0)
                idx = i;
        if (idx < NSET) {
            rc = y_apply(y, idx, path, v);
        } else if (is_section(path)) {
            if (y_null(v))
                rc = 0;
            else if (v->type != YAML_MAPPING_NODE)
                rc = y_fail(y, path, v, "expected a mapping (a section of settings)");
            else
                rc = y_walk(y, path, v);
        } else {
            rc = y_fail(y, path, k, "unknown setting");
        }
        free(path);
        if (rc)
            return rc;
    }
    return 0;
}

static int load_yaml(loader *ld, const char *file, const char *text, size_t len)
{
    yaml_parser_t parser;
    yaml_document_t doc;
    int rc = 0;
    yctx y = {ld, &doc, file};
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    if (!yaml_parser_load(&parser, &doc)) {
        errf(ld->err, "%s: invalid YAML: %s (line %lu, column %lu)", file,
             parser.problem ? parser.problem : "syntax error", (unsigned long)parser.problem_mark.line + 1,
             (unsigned long)parser.problem_mark.column + 1);
        yaml_parser_delete(&parser);
        return -1;
    }
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    if (root && !y_null(root)) {
        if (root->type != YAML_MAPPING_NODE) {
            errf(ld->err, "%s: expected a mapping of settings at the top level (line %lu)", file,
                 (unsigned long)root->start_mark.line + 1);
            rc = -1;
        } else {
            rc = y_walk(&y, "", root);
        }
    }
    /* A second document is a mistake (two files pasted together). */
    if (rc == 0 && root) {
        yaml_document_t doc2;
        if (yaml_parser_load(&parser, &doc2)) {
            if (yaml_document_get_root_node(&doc2)) {
                errf(ld->err, "%s: more than one YAML document", file);
                rc = -1;
            }
            yaml_document_delete(&doc2);
        }
    }
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    return rc;
}

/* ------------------------------------------------------------ primary IP */

static int route_iface(char *ifname, size_t len)
{
    FILE *f = fopen("/proc/net/route", "r");
    if (!f)
        return -1;
    char line[512];
    int rc = -1;
    if (fgets(line, sizeof line, f)) { /* header */
        while (fgets(line, sizeof line, f)) {
            char name[IF_NAMESIZE + 1];
            unsigned long dst, gw, flags;
            if (sscanf(line, "%16s %lx %lx %lx", name, &dst, &gw, &flags) == 4 && dst == 0 && (flags & 1)) {
                snprintf(ifname, len, "%s", name);
                rc = 0;
                break;
            }
        }
    }
    fclose(f);
    return rc;
}

int prov_cfg_primary_ipv4(char *buf, size_t len)
{
    char dflt[IF_NAMESIZE + 1] = "";
    bool have_dflt = route_iface(dflt, sizeof dflt) == 0;
    struct ifaddrs *ifa = NULL;
    if (getifaddrs(&ifa) != 0)
        return -1;
    int rc = -1;
    for (int pass = have_dflt ? 0 : 1; pass < 2 && rc != 0; pass++) {
        for (struct ifaddrs *i = ifa; i; i = i->ifa_next) {
            if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET)
                continue;
            if (!(i->ifa_flags & IFF_UP) || (i->ifa_flags & IFF_LOOPBACK))
                continue;
            if (pass == 0 && strcmp(i->ifa_name, dflt) != 0)
                continue;
            struct sockaddr_in *sin = (struct sockaddr_in *)(void *)i->ifa_addr;
            if (inet_ntop(AF_INET, &sin->sin_addr, buf, (socklen_t)len)) {
                rc = 0;
                break;
            }
        }
    }
    freeifaddrs(ifa);
    return rc;
}

/* ------------------------------------------------------------------ load */

static size_t find_flag(const char *name, size_t n)
{
    for (size_t i = 0; i < NSET; i++)
        if (settings[i].flag && strlen(settings[i].flag) == n && strncmp(settings[i].flag, name, n) == 0)
            return i;
    return NSET;
}

static void cfg_zero(prov_cfg *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    kv_init(&cfg->node_labels);
}

/* Flags that take no value. */
static bool flag_is_bool(const setting *s)
{
    return s->k == K_BOOL || (s->k == K_META && s->off == 0);
}

static int apply_flags(loader *ld, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0)
            a = "--help";
        if (strncmp(a, "--", 2) != 0 || a[2] == 0) {
            char q[128];
            quote(q, sizeof q, a);
            errf(ld->err, "unexpected argument %s (flags start with --; see --help)", q);
            return -1;
        }
        const char *name = a + 2;
        const char *eq = strchr(name, '=');
        size_t nlen = eq ? (size_t)(eq - name) : strlen(name);
        size_t idx = find_flag(name, nlen);
        const struct legacy_flag *lf = idx == NSET ? find_legacy_flag(name, nlen) : NULL;
        if (lf) {
            const char *lv = eq ? eq + 1 : i + 1 < argc ? argv[++i] : NULL;
            if (!lv) {
                errf(ld->err, "--%s needs a value", lf->name);
                return -1;
            }
            if (!lf->to) {
                if (lf->why)
                    deprecated(ld, "--%s (virtual-kubelet/alibabacloud-eci) is ignored: %s", lf->name, lf->why);
                continue;
            }
            deprecated(ld, "--%s is deprecated (virtual-kubelet/alibabacloud-eci); use --%s", lf->name, lf->to);
            char lname[80];
            snprintf(lname, sizeof lname, "--%s", lf->name);
            origin lo = {lname, 0};
            if (set_value(ld, find_flag(lf->to, strlen(lf->to)), lv, L_FLAG, &lo) != 0)
                return -1;
            continue;
        }
        if (idx == NSET) {
            char q[128], nm[100];
            snprintf(nm, sizeof nm, "--%.*s", (int)(nlen > 90 ? 90 : nlen), name);
            quote(q, sizeof q, nm);
            errf(ld->err, "unknown flag %s (see --help)", q);
            return -1;
        }
        const setting *s = &settings[idx];
        char fname[80];
        snprintf(fname, sizeof fname, "--%s", s->flag);
        origin o = {fname, 0};
        const char *val;
        if (flag_is_bool(s)) {
            val = eq ? eq + 1 : "true";
            if (s->k == K_META) {
                bool b;
                if (!parse_bool(val, &b)) {
                    char q[128];
                    quote(q, sizeof q, val);
                    return fail(ld, &o, "expected true or false, got %s", q);
                }
                if (strcmp(s->flag, "help") == 0)
                    ld->cfg->show_help = b;
                else if (strcmp(s->flag, "version") == 0)
                    ld->cfg->show_version = b;
                else if (strcmp(s->flag, "dry-run") == 0)
                    ld->cfg->dry_run = b;
                continue;
            }
        } else if (eq) {
            val = eq + 1;
        } else if (i + 1 < argc) {
            val = argv[++i];
        } else {
            return fail(ld, &o, "needs a value (%s)", s->metavar ? s->metavar : "VALUE");
        }
        if (s->k == K_META)
            continue; /* --config: read before the other layers */
        if (set_value(ld, idx, val, L_FLAG, &o) != 0)
            return -1;
    }
    return 0;
}

/* The Go provider's taint variables (VK_TAINT_KEY/_VALUE/_EFFECT, also
 * spelled VKUBELET_TAINT_*): each part defaults to the taint it used,
 * virtual-kubelet.io/provider=alibabacloud:NoSchedule. */
static int legacy_taint_env(loader *ld, char **env)
{
    static const char *const parts[] = {"KEY", "VALUE", "EFFECT"};
    const char *v[3] = {"virtual-kubelet.io/provider", "alibabacloud", "NoSchedule"};
    int any = 0;
    for (int i = 0; i < 3; i++)
        for (int pfx = 0; pfx < 2; pfx++) {
            char name[40];
            snprintf(name, sizeof name, "%s_TAINT_%s", pfx ? "VKUBELET" : "VK", parts[i]);
            const char *e = env_get(env, name);
            if (e && *e) {
                v[i] = e;
                any = 1;
                deprecated(ld, "%s is deprecated (virtual-kubelet/alibabacloud-eci); use ECI_KUBELET_NODE_TAINT",
                           name);
                break;
            }
        }
    if (!any)
        return 0;
    char taint[600];
    snprintf(taint, sizeof taint, "%s=%s:%s", v[0], v[1], v[2]);
    origin o = {"VK_TAINT_*", 0};
    return set_value(ld, find_flag("node-taint", 10), taint, L_ALIAS, &o);
}

static int apply_env(loader *ld, char **env)
{
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < NSET; i++) {
            const setting *s = &settings[i];
            if (s->k == K_META)
                continue;
            const char *name = pass == 0 ? s->alias : s->env;
            const char *v = env_get(env, name);
            if (!v || !*v)
                continue;
            origin o = {name, 0};
            if (set_value(ld, i, v, pass == 0 ? L_ALIAS : L_ENV, &o) != 0)
                return -1;
            if (pass == 0 && strcmp(name, "KUBECONFIG") != 0)
                deprecated(ld, "%s is deprecated (virtual-kubelet/alibabacloud-eci); use %s", name, s->env);
        }
        if (pass == 0 && legacy_taint_env(ld, env) != 0)
            return -1;
    }
    return 0;
}

/* --provider-config: the Go provider's TOML file (Key = "value" lines:
 * Region, VSwitch, SecureGroup, ClusterName, CPU, Memory, Pods,
 * OperatingSystem), read as the config-file layer. */
static int load_provider_config(loader *ld, const char *path)
{
    static const struct { const char *key, *flag; } map[] = {
        {"Region", "region"},           {"VSwitch", "vswitch"},           {"SecureGroup", "security-group"},
        {"ClusterName", "cluster-name"}, {"CPU", "capacity-cpu"},          {"Memory", "capacity-memory"},
        {"Pods", "capacity-pods"},
    };
    char *text = NULL;
    const char *why = NULL;
    char q[300];
    quote(q, sizeof q, path);
    if (read_small_file(path, &text, 64 * 1024, &why) != 0) {
        errf(ld->err, "--provider-config: cannot read %s: %s", q, why);
        return -1;
    }
    deprecated(ld, "--provider-config is deprecated (virtual-kubelet/alibabacloud-eci); use --config with "
                   "eci.region, eci.vswitches, eci.securityGroup, clusterName and node.capacity");
    int rc = 0;
    long line = 0;
    for (char *save = NULL, *l = strtok_r(text, "\n", &save); l && rc == 0; l = strtok_r(NULL, "\n", &save)) {
        line++;
        char *hash = strchr(l, '#');
        if (hash)
            *hash = 0;
        char *eq = strchr(l, '=');
        char *k = l;
        while (isspace((unsigned char)*k))
            k++;
        if (!*k)
            continue;
        char where[400];
        snprintf(where, sizeof where, "%s: line %ld", path, line);
        origin o = {where, 0};
        if (!eq || *k == '[') {
            rc = fail(ld, &o, "expected Key = \"value\"");
            break;
        }
        char *ke = eq;
        while (ke > k && isspace((unsigned char)ke[-1]))
            ke--;
        *ke = 0;
        char *v = eq + 1;
        while (isspace((unsigned char)*v))
            v++;
        size_t vl = strlen(v);
        while (vl && isspace((unsigned char)v[vl - 1]))
            v[--vl] = 0;
        if (vl >= 2 && v[0] == '"' && v[vl - 1] == '"') {
            v[vl - 1] = 0;
            v++;
        }
        if (strcmp(k, "OperatingSystem") == 0) {
            if (strcasecmp(v, "Linux") != 0)
                rc = fail(ld, &o, "OperatingSystem %s: ECI runs Linux", v);
            continue;
        }
        size_t m = 0;
        while (m < sizeof map / sizeof map[0] && strcmp(map[m].key, k) != 0)
            m++;
        if (m == sizeof map / sizeof map[0]) {
            rc = fail(ld, &o, "unknown key %s (known: Region, VSwitch, SecureGroup, ClusterName, CPU, Memory, Pods, "
                              "OperatingSystem)", k);
            break;
        }
        if (*v)
            rc = set_value(ld, find_flag(map[m].flag, strlen(map[m].flag)), v, L_FILE, &o);
    }
    free(text);
    return rc;
}

static int load_file(loader *ld, int argc, char **argv, char **env)
{
    for (int i = 1; i < argc; i++) {
        const char *pc = NULL;
        if (strcmp(argv[i], "--provider-config") == 0 && i + 1 < argc)
            pc = argv[++i];
        else if (strncmp(argv[i], "--provider-config=", 18) == 0)
            pc = argv[i] + 18;
        if (pc && load_provider_config(ld, pc) != 0)
            return -1;
    }
    const char *path = env_get(env, "ECI_KUBELET_CONFIG");
    const char *from = "ECI_KUBELET_CONFIG";
    if (path && !*path)
        path = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
            path = argv[++i];
            from = "--config";
        } else if (strncmp(argv[i], "--config=", 9) == 0) {
            path = argv[i] + 9;
            from = "--config";
        } else if (strncmp(argv[i], "--", 2) == 0 && !strchr(argv[i], '=')) {
            size_t idx = find_flag(argv[i] + 2, strlen(argv[i] + 2));
            if (idx < NSET && !flag_is_bool(&settings[idx]))
                i++; /* skip the value of a flag that takes one */
        }
    }
    if (!path || !*path) {
        xstrset(&ld->cfg->config_file, "");
        return 0;
    }
    xstrset(&ld->cfg->config_file, path);
    char *text = NULL;
    const char *why = NULL;
    char q[300];
    quote(q, sizeof q, path);
    if (read_small_file(path, &text, 1 << 20, &why) != 0) {
        errf(ld->err, "%s: cannot read %s: %s", from, q, why);
        return -1;
    }
    int rc = load_yaml(ld, path, text, strlen(text));
    explicit_bzero(text, strlen(text)); /* it may hold the AccessKey secret */
    free(text);
    return rc;
}

/* Where the field at off got its value (the highest layer that set it),
 * e.g. "--access-key-id" or "ECI_ACCESS_KEY"; a default reports its flag. */
static const char *who(const loader *ld, size_t off)
{
    const char *best = NULL;
    int best_layer = -1;
    for (size_t i = 0; i < NSET; i++) {
        if (settings[i].off != off || settings[i].k == K_META)
            continue;
        if (ld->src[i] && ld->layer[i] >= best_layer) {
            best = ld->src[i];
            best_layer = ld->layer[i];
        } else if (!best && settings[i].flag) {
            best = settings[i].flag; /* never set at all: name the flag (without --) */
        }
    }
    return best ? best : "?";
}

static int finish(loader *ld)
{
    prov_cfg *c = ld->cfg;
    /* Required settings. */
    for (size_t i = 0; i < NSET; i++) {
        const setting *s = &settings[i];
        if (!(s->flags & F_REQUIRED))
            continue;
        bool empty = (s->k == K_LIST || s->k == K_IPLIST) ? ((prov_cfg_list *)((char *)c + s->off))->n == 0 : !*cstr_at(c, s);
        if (empty) {
            errf(ld->err, "--%s: required; set --%s, %s%s%s or %s in the config file", s->flag, s->flag, s->env,
                 s->alias ? ", " : "", s->alias ? s->alias : "", s->key);
            return -1;
        }
    }
    /* Values that also become label values (at most 63, alphanumeric ends). */
    if (strlen(c->node_name) > 63) {
        errf(ld->err, "%s: at most 63 characters (it is also the kubernetes.io/hostname label), got %zu",
             who(ld, OFF(node_name)), strlen(c->node_name));
        return -1;
    }
    if (!label_name(c->region, strlen(c->region), false)) {
        errf(ld->err, "%s: not usable as the topology.kubernetes.io/region label value", who(ld, OFF(region)));
        return -1;
    }
    if (c->zones.n > 0 && !label_name(c->zones.items[0], strlen(c->zones.items[0]), false)) {
        errf(ld->err, "%s: not usable as the topology.kubernetes.io/zone label value", who(ld, OFF(zones)));
        return -1;
    }
    if (!*c->node_ip) {
        char ip[INET6_ADDRSTRLEN];
        if (prov_cfg_primary_ipv4(ip, sizeof ip) != 0) {
            errf(ld->err, "--node-ip: could not find the host's primary IPv4 address; set --node-ip");
            return -1;
        }
        xstrset(&c->node_ip, ip);
    }
    if (*c->hostname_address && strcasecmp(c->hostname_address, "none") != 0 && !valid_ip(c->hostname_address) &&
        !dns_subdomain(c->hostname_address)) {
        char q[128];
        quote(q, sizeof q, c->hostname_address);
        errf(ld->err, "%s: expected an IP address, a lower-case DNS name or none, got %s",
             who(ld, OFF(hostname_address)), q);
        return -1;
    }
    if (!*c->hostname_address)
        xstrset(&c->hostname_address, c->node_ip);
    else if (strcasecmp(c->hostname_address, "none") == 0)
        xstrset(&c->hostname_address, "");
    if (!*c->leader_elect_name) {
        char *n = xasprintf("eci-kubelet-%s", c->node_name);
        if (strlen(n) > 253)
            n[253] = 0;
        xstrset(&c->leader_elect_name, n);
        free(n);
    }
    if (*c->tls_cert_file && !*c->tls_private_key_file) {
        errf(ld->err, "%s: the serving certificate needs its key too (--tls-private-key-file, "
                      "ECI_KUBELET_TLS_PRIVATE_KEY_FILE or kubelet.tlsPrivateKeyFile)",
             who(ld, OFF(tls_cert_file)));
        return -1;
    }
    if (!*c->tls_cert_file && *c->tls_private_key_file) {
        errf(ld->err, "%s: the serving key needs its certificate too (--tls-cert-file, "
                      "ECI_KUBELET_TLS_CERT_FILE or kubelet.tlsCertFile)",
             who(ld, OFF(tls_private_key_file)));
        return -1;
    }
    if (*c->access_key_secret && !*c->access_key_id) {
        errf(ld->err, "%s: the AccessKey secret needs its id too (--access-key-id, ECI_KUBELET_ACCESS_KEY_ID, "
                      "ECI_ACCESS_KEY or eci.accessKeyId)",
             who(ld, OFF(access_key_secret)));
        return -1;
    }
    if (*c->access_key_id && !*c->access_key_secret) {
        errf(ld->err, "%s: the AccessKey id needs its secret too (--access-key-secret-file, "
                      "ECI_KUBELET_ACCESS_KEY_SECRET, ECI_SECRET_KEY or eci.accessKeySecret)",
             who(ld, OFF(access_key_id)));
        return -1;
    }
    if (c->node_certificate_duration_ms > 0 && c->node_certificate_duration_ms < 600000) {
        errf(ld->err, "%s: must be 0 (the signer's default) or at least 10m (the API's minimum)",
             who(ld, OFF(node_certificate_duration_ms)));
        return -1;
    }
    if (c->leader_elect) {
        if (c->leader_elect_renew_deadline_ms >= c->leader_elect_lease_duration_ms) {
            errf(ld->err, "%s: must be shorter than the leader election lease duration (%s)",
                 who(ld, OFF(leader_elect_renew_deadline_ms)), who(ld, OFF(leader_elect_lease_duration_ms)));
            return -1;
        }
        if (c->leader_elect_retry_period_ms >= c->leader_elect_renew_deadline_ms) {
            errf(ld->err, "%s: must be shorter than the leader election renew deadline (%s)",
                 who(ld, OFF(leader_elect_retry_period_ms)), who(ld, OFF(leader_elect_renew_deadline_ms)));
            return -1;
        }
    }
    return 0;
}

static int load_layers(loader *ld, int argc, char **argv, char **env)
{
    prov_cfg *cfg = ld->cfg;
    prov_cfg_error *err = ld->err;
    cfg_zero(cfg);
    if (err)
        err->msg[0] = 0;

    /* Every string starts as "" so that users of the struct never see NULL. */
    for (size_t i = 0; i < NSET; i++) {
        const setting *s = &settings[i];
        bool is_str = s->k == K_STR || s->k == K_ID || s->k == K_NAME || s->k == K_SECRET || s->k == K_FILE ||
                      s->k == K_QTY || s->k == K_COUNT || s->k == K_IP || s->k == K_HOSTPORT || s->k == K_URL ||
                      (s->k == K_META && s->off != 0);
        if (is_str && !*str_at(cfg, s))
            *str_at(cfg, s) = xstrdup("");
    }
    for (size_t i = 0; i < NSET; i++) {
        const setting *s = &settings[i];
        if (s->k == K_META || !s->def)
            continue;
        char name[80];
        snprintf(name, sizeof name, "--%s", s->flag ? s->flag : "?");
        origin o = {name, 0};
        if (set_value(ld, i, s->def, L_DEFAULT, &o) != 0)
            return -1; /* a bug in the table; the unit tests catch it */
    }

    /* --help and --version win over everything, even a broken config. */
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            cfg->show_help = true;
            return 0;
        }
        if (strcmp(argv[i], "--version") == 0) {
            cfg->show_version = true;
            return 0;
        }
    }

    if (load_file(ld, argc, argv, env) != 0)
        return -1;
    if (apply_env(ld, env) != 0)
        return -1;
    if (apply_flags(ld, argc, argv) != 0)
        return -1;
    if (cfg->show_help || cfg->show_version)
        return 0;
    return finish(ld);
}

int prov_cfg_load(int argc, char **argv, char **env, prov_cfg *cfg, prov_cfg_error *err)
{
    loader ld;
    memset(&ld, 0, sizeof ld);
    ld.cfg = cfg;
    ld.err = err;
    int rc = load_layers(&ld, argc, argv, env);
    for (size_t i = 0; i < NSET; i++)
        free(ld.src[i]);
    return rc;
}

void prov_cfg_free(prov_cfg *cfg)
{
    if (!cfg)
        return;
    free(cfg->deprecations);
    cfg->deprecations = NULL;
    for (size_t i = 0; i < NSET; i++) {
        const setting *s = &settings[i];
        switch (s->k) {
        case K_SECRET:
        case K_SECRET_FILE:
            secret_free(str_at(cfg, s));
            break;
        case K_LIST:
        case K_IPLIST:
            list_clear((prov_cfg_list *)((char *)cfg + s->off));
            break;
        case K_LABELS:
            kv_free((kv_list *)((char *)cfg + s->off));
            break;
        case K_TAINT:
            taint_clear((prov_cfg_taint *)((char *)cfg + s->off));
            break;
        case K_META:
            if (s->off) {
                free(*str_at(cfg, s));
                *str_at(cfg, s) = NULL;
            }
            break;
        case K_STR: case K_ID: case K_NAME: case K_FILE: case K_QTY: case K_COUNT: case K_IP:
        case K_HOSTPORT: case K_URL:
            free(*str_at(cfg, s));
            *str_at(cfg, s) = NULL;
            break;
        default:
            break;
        }
    }
}

/* ------------------------------------------------------------ dump, help */

char *prov_cfg_list_join(const prov_cfg_list *l, const char *sep)
{
    dynbuf b;
    dynbuf_init(&b, 0);
    for (size_t i = 0; l && i < l->n; i++)
        dynbuf_printf(&b, "%s%s", i ? sep : "", l->items[i]);
    size_t len;
    return dynbuf_take(&b, &len);
}

static void dump_str(dynbuf *b, const char *v)
{
    bool plain = *v != 0;
    for (const char *p = v; *p; p++)
        if ((unsigned char)*p <= ' ' || *p == '"' || *p == '\\' || (unsigned char)*p >= 0x7f)
            plain = false;
    if (plain) {
        dynbuf_adds(b, v);
        return;
    }
    char q[600];
    quote(q, sizeof q, v);
    dynbuf_adds(b, q);
}

static void value_text(dynbuf *b, const prov_cfg *c, const setting *s)
{
    const void *p = (const char *)c + s->off;
    char tmp[64];
    switch (s->k) {
    case K_SECRET:
    case K_SECRET_FILE:
        dynbuf_adds(b, *cstr_at(c, s) ? "REDACTED" : "\"\"");
        break;
    case K_INT:
        dynbuf_printf(b, "%d", *(const int *)p);
        break;
    case K_FLOAT:
        dynbuf_printf(b, "%g", *(const double *)p);
        break;
    case K_BOOL:
        dynbuf_adds(b, *(const bool *)p ? "true" : "false");
        break;
    case K_DUR:
        fmt_duration(tmp, sizeof tmp, *(const int64_t *)p);
        dynbuf_adds(b, tmp);
        break;
    case K_LIST:
    case K_IPLIST: {
        const prov_cfg_list *l = p;
        dynbuf d;
        dynbuf_init(&d, 0);
        for (size_t i = 0; i < l->n; i++)
            dynbuf_printf(&d, "%s%s", i ? "," : "", l->items[i]);
        dump_str(b, dynbuf_str(&d));
        dynbuf_free(&d);
        break;
    }
    case K_LABELS: {
        const kv_list *l = p;
        dynbuf d;
        dynbuf_init(&d, 0);
        for (size_t i = 0; i < l->n; i++)
            dynbuf_printf(&d, "%s%s=%s", i ? "," : "", l->items[i].key, l->items[i].val);
        dump_str(b, dynbuf_str(&d));
        dynbuf_free(&d);
        break;
    }
    case K_TAINT: {
        const prov_cfg_taint *t = p;
        if (!t->enabled) {
            dynbuf_adds(b, "none");
        } else {
            char *v = xasprintf("%s%s%s:%s", t->key, *t->value ? "=" : "", t->value, t->effect);
            dump_str(b, v);
            free(v);
        }
        break;
    }
    case K_LOGLEVEL: {
        static const char *const n[] = {"error", "warn", "info", "debug"};
        int l = *(const int *)p;
        dynbuf_adds(b, l >= 0 && l < 4 ? n[l] : "?");
        break;
    }
    case K_LOGFMT:
        dynbuf_adds(b, *(const bool *)p ? "json" : "text");
        break;
    default:
        dump_str(b, cstr_at(c, s));
        break;
    }
}

char *prov_cfg_dump(const prov_cfg *cfg)
{
    dynbuf b;
    dynbuf_init(&b, 0);
    if (cfg->config_file && *cfg->config_file) {
        dynbuf_adds(&b, "config=");
        dump_str(&b, cfg->config_file);
    }
    for (size_t i = 0; i < NSET; i++) {
        const setting *s = &settings[i];
        if (s->k == K_META || !s->key)
            continue;
        if (s->k == K_SECRET_FILE)
            continue; /* the secret itself is shown (redacted) once */
        if (b.len)
            dynbuf_addc(&b, ' ');
        dynbuf_printf(&b, "%s=", s->key);
        value_text(&b, cfg, s);
    }
    size_t len;
    return dynbuf_take(&b, &len);
}

/* Print text word-wrapped to width, every line indented by indent. */
static void print_wrapped(FILE *out, const char *text, int indent, int width)
{
    const char *p = text;
    while (*p) {
        int room = width - indent;
        size_t n = strlen(p);
        size_t cut = n;
        if ((int)n > room) {
            cut = (size_t)room;
            while (cut > 0 && p[cut] != ' ')
                cut--;
            if (cut == 0) { /* one long word */
                cut = (size_t)room;
                while (p[cut] && p[cut] != ' ')
                    cut++;
            }
        }
        fprintf(out, "%*s%.*s\n", indent, "", (int)cut, p);
        p += cut;
        while (*p == ' ')
            p++;
    }
}

void prov_cfg_help(FILE *out)
{
    fprintf(out,
            "Usage: eci-kubelet [flags]\n"
            "\n"
            "eci-kubelet registers one Node in a Kubernetes cluster and runs the pods bound to it\n"
            "as Alibaba Cloud Elastic Container Instances.\n"
            "\n"
            "Every setting can be given as a flag, an environment variable or a key in the\n"
            "--config YAML file; precedence is flags > environment > config file > defaults.\n"
            "Credentials: ALIBABA_CLOUD_ACCESS_KEY_ID / ALIBABA_CLOUD_ACCESS_KEY_SECRET\n"
            "(+ ALIBABA_CLOUD_SECURITY_TOKEN), explicit settings below, or --ram-role.\n");
    const char *group = NULL;
    for (size_t i = 0; i < NSET; i++) {
        const setting *s = &settings[i];
        if (!group || strcmp(group, s->group) != 0) {
            group = s->group;
            fprintf(out, "\n%s:\n", group);
        }
        if (s->flag)
            fprintf(out, "  --%s%s%s\n", s->flag, s->metavar && !flag_is_bool(s) ? " " : "",
                    s->metavar && !flag_is_bool(s) ? s->metavar : "");
        else
            fprintf(out, "  (no flag)\n");
        print_wrapped(out, s->help, 8, 100);
        dynbuf b;
        dynbuf_init(&b, 0);
        if (s->def_doc)
            dynbuf_printf(&b, "default: %s", s->def_doc);
        else if (s->def)
            dynbuf_printf(&b, "default: %s", s->def);
        else if (s->flags & F_REQUIRED)
            dynbuf_adds(&b, "required");
        if (s->env)
            dynbuf_printf(&b, "%senv: %s", b.len ? "; " : "", s->env);
        if (s->alias)
            dynbuf_printf(&b, " (also %s)", s->alias);
        if (s->key)
            dynbuf_printf(&b, "%sconfig: %s", b.len ? "; " : "", s->key);
        if (b.len)
            fprintf(out, "        [%s]\n", dynbuf_str(&b)); /* one line: easy to grep */
        dynbuf_free(&b);
    }
}

void prov_cfg_node(const prov_cfg *cfg, podmap_node_config *out)
{
    *out = (podmap_node_config){
        .node_name = cfg->node_name,
        .node_ip = cfg->node_ip,
        .hostname_address = cfg->hostname_address,
        .region = cfg->region,
        .zone = cfg->zones.n > 0 ? cfg->zones.items[0] : "",
        .node_labels = cfg->node_labels,
        .taint = {cfg->taint.enabled, cfg->taint.key, cfg->taint.value, cfg->taint.effect},
        .capacity_cpu = cfg->capacity_cpu,
        .capacity_memory = cfg->capacity_memory,
        .capacity_pods = cfg->capacity_pods,
        .capacity_ephemeral_storage = cfg->capacity_ephemeral_storage,
        .capacity_from_usage = cfg->capacity_from_usage,
        .port = cfg->port,
        .node_lease_duration_ms = cfg->node_lease_duration_ms,
    };
}
