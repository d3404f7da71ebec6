/* The bridge's configuration: command-line flags, environment variables, a
 * YAML config file and defaults, merged with the precedence
 *     flags > environment > config file > defaults
 * and validated in one place. Every setting has a flag, an environment
 * variable and a config-file key (docs/configuration.md lists them all);
 * the original Go provider's ECI_* variables are accepted as aliases.
 *
 * Errors name the setting the way the user wrote it:
 *     --port: must be 1-65535, got "x"
 *     ECI_KUBELET_PORT: must be 1-65535, got "x"
 *     config.yaml: eci.qps: expected a number, got "abc" (line 4)
 * Secrets (the AccessKey secret) never appear in help, dumps or errors. */
#ifndef PROVIDER_CONFIG_H
#define PROVIDER_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "provider/podmap/node.h"
#include "util/kv.h"

/* A list of strings (vSwitches, zones, DNS servers); items owned by the config. */
typedef struct prov_cfg_list {
    char **items;
    size_t n;
} prov_cfg_list;

/* The node's taint. enabled=false means no taint at all. */
typedef struct prov_cfg_taint {
    bool enabled;
    char *key;    /* e.g. "virtual-kubelet.io/provider" */
    char *value;  /* may be "" */
    char *effect; /* NoSchedule | PreferNoSchedule | NoExecute */
} prov_cfg_taint;

/* Every field is owned by the struct and released by prov_cfg_free().
 * Strings are never NULL after a successful load ("" when unset) except
 * where noted. Durations are milliseconds. */
typedef struct prov_cfg {
    /* ---- what main() should do ---- */
    bool show_help;    /* --help: print prov_cfg_help() and exit 0 */
    bool show_version; /* --version */
    bool dry_run;      /* --dry-run: print the redacted config and exit 0 */
    char *config_file; /* --config: the YAML file that was read ("" when none) */
    char *deprecations; /* NULL, or one line per deprecated setting used (the Go
                           provider's flags and variables), '\n'-separated */

    /* ---- Kubernetes API ---- */
    char *kubeconfig;   /* "" = in-cluster config */
    char *kube_context; /* "" = the kubeconfig's current-context */
    double kube_qps;
    int kube_burst;
    bool request_node_certificate;        /* bootstrap a system:node:NAME client certificate (CSR) */
    int64_t node_certificate_duration_ms; /* asked lifetime; 0 = the signer's default */

    /* ---- the Node ---- */
    char *node_name;        /* DNS-1123 subdomain */
    char *node_ip;          /* InternalIP; default: the host's primary IPv4 */
    char *hostname_address; /* published Hostname address; "" = none (set "none"); default node_ip */
    char *cluster_name;     /* ClusterName tag on every container group */
    kv_list node_labels;    /* extra labels, applied after the built-in ones */
    prov_cfg_taint taint;
    char *capacity_cpu;     /* Kubernetes quantities, validated */
    char *capacity_memory;
    char *capacity_pods;
    char *capacity_ephemeral_storage;
    bool capacity_from_usage; /* derive capacity from ECI ListUsage quotas */
    int64_t node_status_update_period_ms;
    int64_t node_lease_duration_ms; /* renewed every quarter of it */

    /* ---- ECI ---- */
    char *region;
    prov_cfg_list zones;     /* may be empty */
    prov_cfg_list vswitches; /* 1 to 10 */
    char *security_group;
    char *eci_endpoint;      /* full URL override; "" = derived from region */
    bool eci_use_vpc_endpoint;
    double eci_qps;
    int eci_burst;
    int eci_retries;
    int64_t eci_timeout_ms;
    char *access_key_id;     /* explicit credentials; "" = let the ECI client find them */
    char *access_key_secret; /* SECRET: never printed */
    char *ram_role;          /* ECS RAM role name for instance credentials */
    char *resource_group;
    char *eci_ca_file;
    bool eci_insecure_skip_tls_verify; /* dangerous; logged loudly */
    bool eci_legacy_signature;         /* sign with V2 HMAC-SHA1 instead of V3 */

    /* ---- kubelet API server ---- */
    char *listen_address;
    int port;
    char *tls_cert_file;        /* both or neither of cert and key */
    char *tls_private_key_file;
    char *client_ca_file;       /* "" = client certificates are not verified against a CA */
    int64_t streaming_idle_timeout_ms; /* idle exec/attach/port-forward streams close */

    /* ---- pods ---- */
    prov_cfg_list cluster_dns; /* ClusterFirst name servers (IPs); may be empty */
    char *cluster_domain;      /* default "cluster.local" */
    bool allow_daemonset_pods; /* run DaemonSet pods (default: refused, kept Pending) */

    /* ---- controllers ---- */
    int64_t pod_status_sync_period_ms;
    int reconcile_workers;
    int status_sync_workers;
    int64_t orphan_gc_period_ms;
    bool image_cache_controller; /* run the ImageCache controller while leading */

    /* ---- observability ---- */
    int log_level;   /* util/log.h log_level */
    bool log_json;   /* --log-format json */
    bool metrics_enabled;
    char *health_probe_bind_address; /* "host:port" or ":port"; "" = disabled */

    /* ---- leader election ---- */
    bool leader_elect;
    char *leader_elect_namespace;
    char *leader_elect_name; /* default "eci-kubelet-<node name>" */
    int64_t leader_elect_lease_duration_ms;
    int64_t leader_elect_renew_deadline_ms;
    int64_t leader_elect_retry_period_ms;
} prov_cfg;

/* An error message naming the setting (never a secret value). */
typedef struct prov_cfg_error {
    char msg[1024];
} prov_cfg_error;

/* Load the configuration from argv (argv[0] is skipped), env (a NULL
 * terminated "NAME=value" array like environ; NULL means empty) and the
 * config file named by --config / ECI_KUBELET_CONFIG. cfg is overwritten
 * (no need to initialise it) and must be released with prov_cfg_free()
 * whatever the result. Returns 0, or -1 with err->msg set. When --help or
 * --version is given the function returns 0 at once with show_help /
 * show_version set and the other fields at their defaults. */
int prov_cfg_load(int argc, char **argv, char **env, prov_cfg *cfg, prov_cfg_error *err);

/* Release every field (secrets are wiped first); cfg itself belongs to the
 * caller. Accepts NULL; the struct may be loaded again afterwards. */
void prov_cfg_free(prov_cfg *cfg);

/* One line "key=value key=value ..." of every setting with secrets shown as
 * "REDACTED" (or "" when unset), for the startup log. Caller frees. */
char *prov_cfg_dump(const prov_cfg *cfg);

/* The items of l joined by sep ("vsw-a,vsw-b" for translate's vswitch_ids);
 * "" when empty. Caller frees. */
char *prov_cfg_list_join(const prov_cfg_list *l, const char *sep);

/* The Node part of cfg for provider/podmap/node.h; every pointer in *out
 * borrows from cfg. */
void prov_cfg_node(const prov_cfg *cfg, podmap_node_config *out);

/* Print the grouped flag reference (defaults, env variable and config key
 * for every setting) to out. */
void prov_cfg_help(FILE *out);

/* The host's primary IPv4 address (the interface of the default route, else
 * the first non-loopback IPv4 interface that is up), written to buf.
 * Returns 0, or -1 when the host has none. */
int prov_cfg_primary_ipv4(char *buf, size_t len);

/* Parse a Go-style duration ("1m30s", "500ms", "2h") or a bare number of
 * seconds into milliseconds. Returns 0 or -1. */
int prov_cfg_parse_duration(const char *s, int64_t *ms);

/* Validate a Kubernetes resource quantity ("1000", "4Ti", "500m", "1e3").
 * Returns 1 when valid and not negative, else 0. */
int prov_cfg_quantity_valid(const char *s);

#endif
