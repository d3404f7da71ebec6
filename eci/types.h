/* Typed requests and responses of the ECI OpenAPI (version 2018-08-08).
 *
 * Plain structs owned by the caller. Strings are heap copies (char *, NULL =
 * not set) freed by the matching *_free(); arrays are (pointer, count) pairs
 * grown with ECI_APPEND(). Optional numbers/booleans in requests use the
 * eci_opt_* wrappers so that 0/false can be sent explicitly; an unset field
 * is not sent. Responses use plain values (a missing field decodes to 0,
 * false or NULL).
 *
 * Every *_free() accepts NULL, frees the contents and leaves the struct
 * zeroed; it does not free the struct itself (they usually live on the
 * stack or inside an array). */
#ifndef ECI_TYPES_H
#define ECI_TYPES_H

#include <stddef.h>
#include <stdint.h>

#include "util/kv.h"

/* ---- optional scalars (requests) ---------------------------------------- */
typedef struct { int set; int64_t v; } eci_opt_int;
typedef struct { int set; double v; } eci_opt_float;
typedef struct { int set; int v; } eci_opt_bool;
#define ECI_INT(x) ((eci_opt_int){1, (int64_t)(x)})
#define ECI_FLOAT(x) ((eci_opt_float){1, (double)(x)})
#define ECI_BOOL(x) ((eci_opt_bool){1, (x) ? 1 : 0})

/* ---- string vector ------------------------------------------------------- */
typedef struct eci_strv {
    char **v;
    size_t n;
} eci_strv;
/* Append a copy of s. */
void eci_strv_add(eci_strv *sv, const char *s);
void eci_strv_free(eci_strv *sv);

/* Grow an array by one zeroed element and return it (aborts on OOM):
 *   eci_container *c = ECI_APPEND(req.containers, req.n_containers); */
void *eci_append(void **arr, size_t *n, size_t elem_size);
#define ECI_APPEND(arr, n) ((__typeof__(&(arr)[0]))eci_append((void **)&(arr), &(n), sizeof *(arr)))

/* ---- building blocks --------------------------------------------------- */
typedef struct eci_tag {
    char *key;
    char *value;
} eci_tag;

typedef struct eci_env_var {
    char *key;
    char *value;
    char *field_path; /* FieldRef.FieldPath, only "status.podIP" */
} eci_env_var;

typedef struct eci_port {
    eci_opt_int port;
    char *protocol; /* TCP | UDP */
} eci_port;

typedef struct eci_volume_mount {
    char *name;
    char *mount_path;
    char *sub_path;
    char *mount_propagation; /* None | HostToCotainer | Bidirectional */
    eci_opt_bool read_only;
} eci_volume_mount;

/* Liveness/readiness probe; one of exec / http / tcp. Sent only when
 * eci_probe_is_set() (any field set). */
typedef struct eci_probe {
    eci_strv exec;          /* Exec.Command.N */
    char *http_path;        /* HttpGet.Path */
    eci_opt_int http_port;  /* HttpGet.Port */
    char *http_scheme;      /* HttpGet.Scheme HTTP|HTTPS */
    eci_opt_int tcp_port;   /* TcpSocket.Port */
    eci_opt_int initial_delay_seconds;
    eci_opt_int period_seconds;
    eci_opt_int timeout_seconds;
    eci_opt_int success_threshold;
    eci_opt_int failure_threshold;
} eci_probe;

typedef struct eci_http_header {
    char *name;
    char *value;
} eci_http_header;

/* Lifecycle hook (Container.N.LifecyclePostStartHandler* / ...PreStopHandler*). */
typedef struct eci_lifecycle_handler {
    eci_strv exec;
    char *http_host;
    char *http_path;
    eci_opt_int http_port;
    char *http_scheme;
    eci_http_header *http_headers;
    size_t n_http_headers;
    char *tcp_host;
    eci_opt_int tcp_port;
} eci_lifecycle_handler;

typedef struct eci_security_context {
    eci_strv capability_add;              /* SecurityContext.Capability.Add.N */
    eci_opt_bool read_only_root_filesystem; /* SecurityContext.ReadOnlyRootFilesystem */
    eci_opt_int run_as_user;              /* SecurityContext.RunAsUser */
    /* containers only (flat names): */
    eci_opt_int run_as_group;             /* SecurityContextRunAsGroup */
    eci_opt_bool run_as_non_root;         /* SecurityContextRunAsNonRoot */
    eci_opt_bool privileged;              /* SecurityContextPrivileged */
} eci_security_context;

/* A container or init container of a request (Container.N.* / InitContainer.N.*).
 * Fields an init container does not have (probes, hooks, flat security
 * context, EnvironmentVarHide) are not sent for init containers. */
typedef struct eci_container {
    char *name;
    char *image;
    eci_opt_float cpu;
    eci_opt_float memory; /* GiB */
    eci_opt_int gpu;
    char *image_pull_policy; /* Always | IfNotPresent | Never */
    char *working_dir;
    eci_strv command; /* Command.N */
    eci_strv args;    /* Arg.N */
    eci_opt_bool tty;
    eci_opt_bool stdin_open; /* Stdin */
    eci_opt_bool stdin_once;
    eci_env_var *env;
    size_t n_env;
    eci_opt_bool environment_var_hide;
    eci_port *ports;
    size_t n_ports;
    eci_volume_mount *volume_mounts;
    size_t n_volume_mounts;
    eci_probe readiness_probe;
    eci_probe liveness_probe;
    eci_security_context security_context;
    eci_lifecycle_handler post_start;
    eci_lifecycle_handler pre_stop;
    char *termination_message_path;
    char *termination_message_policy;
} eci_container;

typedef struct eci_config_file {
    char *path;
    char *content; /* Base64 text */
    eci_opt_int mode;
} eci_config_file;

/* Volume.N.*; type is EmptyDirVolume | NFSVolume | ConfigFileVolume |
 * DiskVolume | FlexVolume | HostPathVolume. */
typedef struct eci_volume {
    char *name;
    char *type;
    char *empty_dir_medium;     /* "" | Memory | LocalRaid0 */
    char *empty_dir_size_limit; /* e.g. "256Mi" */
    char *nfs_server;
    char *nfs_path;
    eci_opt_bool nfs_read_only;
    eci_opt_int config_file_default_mode;
    eci_config_file *config_files;
    size_t n_config_files;
    char *disk_id;
    eci_opt_int disk_size;
    char *disk_fs_type;
    char *flex_driver;
    char *flex_fs_type;
    char *flex_options; /* JSON object text */
    char *host_path;
    char *host_path_type;
} eci_volume;

typedef struct eci_registry_credential {
    char *server;
    char *user_name;
    char *password; /* secret: never logged */
} eci_registry_credential;

typedef struct eci_acr_registry_info {
    char *instance_id;
    char *instance_name;
    char *region_id;
    eci_strv domains;
    char *arn_service;
    char *arn_user;
} eci_acr_registry_info;

typedef struct eci_name_value {
    char *name;
    char *value;
} eci_name_value;

typedef struct eci_host_alias {
    char *ip;
    eci_strv hostnames;
} eci_host_alias;

/* ---- CreateContainerGroup ------------------------------------------------ */
typedef struct eci_create_cg_req {
    char *region_id; /* defaults to the client's region */
    char *zone_id;
    char *container_group_name;
    char *security_group_id;
    char *vswitch_id; /* up to 10, comma separated */
    char *restart_policy; /* Always | OnFailure | Never */
    eci_opt_float cpu;
    eci_opt_float memory;
    char *instance_type;
    char *eip_instance_id;
    eci_opt_bool auto_create_eip;
    eci_opt_int eip_bandwidth;
    char *eip_isp;
    char *eip_common_bandwidth_package;
    char *resource_group_id;
    char *dns_policy;
    char *client_token; /* idempotency; a UUID is generated when NULL */
    eci_opt_bool sls_enable;
    char *image_snapshot_id;
    eci_opt_bool auto_match_image_cache;
    char *ram_role_name;
    eci_opt_int termination_grace_period_seconds;
    eci_opt_int active_deadline_seconds;
    eci_opt_int ipv6_address_count;
    char *spot_strategy;
    eci_opt_float spot_price_limit;
    eci_opt_int spot_duration;
    char *core_pattern;
    char *host_name;
    eci_opt_int ingress_bandwidth;
    eci_opt_int egress_bandwidth;
    eci_opt_int cpu_options_core;
    eci_opt_int cpu_options_threads_per_core;
    char *cpu_options_numa;
    eci_opt_int ephemeral_storage;
    eci_opt_bool share_process_namespace;
    char *schedule_strategy; /* VSwitchOrdered | VSwitchRandom */
    eci_opt_bool dry_run;
    eci_opt_int max_pending_minute;
    eci_opt_bool container_resource_view;
    char *private_ip_address;
    char *fixed_ip;
    eci_opt_int fixed_ip_retain_hour;
    char *os_type;
    char *cpu_architecture;
    eci_strv compute_category;
    char *image_accelerate_mode;
    char *insecure_registry;
    char *plain_http_registry;
    char *gpu_driver_version;
    eci_opt_bool strict_spot;
    eci_opt_bool ipv6_gateway_bandwidth_enable;
    char *ipv6_gateway_bandwidth;
    char *data_cache_bucket;
    char *data_cache_pl;
    eci_opt_int data_cache_provisioned_iops;
    eci_opt_bool data_cache_bursting_enabled;

    eci_tag *tags;
    size_t n_tags;
    eci_registry_credential *registry_credentials;
    size_t n_registry_credentials;
    eci_acr_registry_info *acr_registry_infos;
    size_t n_acr_registry_infos;
    eci_container *containers;
    size_t n_containers;
    eci_container *init_containers;
    size_t n_init_containers;
    eci_volume *volumes;
    size_t n_volumes;
    eci_strv dns_nameservers; /* DnsConfig.NameServer.N */
    eci_strv dns_searches;    /* DnsConfig.Search.N */
    eci_name_value *dns_options;
    size_t n_dns_options;
    eci_host_alias *host_aliases;
    size_t n_host_aliases;
    eci_name_value *sysctls;      /* SecurityContext.Sysctl.N */
    size_t n_sysctls;
    eci_name_value *host_sysctls; /* HostSecurityContext.Sysctl.N */
    size_t n_host_sysctls;
    eci_strv ntp_servers;
    kv_list extra; /* any further wire parameters, sent verbatim last */
} eci_create_cg_req;

typedef struct eci_create_cg_resp {
    char *request_id;
    char *container_group_id;
} eci_create_cg_resp;

/* ---- UpdateContainerGroup ---------------------------------------------- */
typedef struct eci_update_cg_req {
    char *region_id;
    char *container_group_id;
    char *client_token;
    char *resource_group_id;
    eci_container *containers;
    size_t n_containers;
    eci_container *init_containers;
    size_t n_init_containers;
    eci_registry_credential *registry_credentials;
    size_t n_registry_credentials;
    eci_opt_float cpu, memory;    /* the group's specification (a resize) */
    kv_list extra;
} eci_update_cg_req;

/* Responses that carry only RequestId (Update, Restart, Delete,
 * DeleteImageCache). */
typedef struct eci_simple_resp {
    char *request_id;
} eci_simple_resp;

/* ---- Restart / Delete --------------------------------------------------- */
typedef struct eci_cg_id_req {
    char *region_id;
    char *container_group_id;
    char *client_token;
} eci_cg_id_req;

/* ---- DescribeContainerGroups ------------------------------------------- */
typedef struct eci_describe_cgs_req {
    char *region_id;
    char *zone_id;
    char *vswitch_id;
    char *next_token;
    eci_opt_int limit;          /* 1..20 */
    eci_tag *tags;
    size_t n_tags;
    eci_strv container_group_ids; /* <= 20, sent as a JSON array string */
    char *container_group_name;
    char *status;
    char *resource_group_id;
} eci_describe_cgs_req;

typedef struct eci_event {
    int64_t count;
    char *first_timestamp;
    char *last_timestamp;
    char *message;
    char *name;
    char *type;   /* Normal | Warning */
    char *reason;
} eci_event;

typedef struct eci_container_state {
    char *state; /* Waiting | Running | Terminated */
    char *detail_status;
    char *reason;
    char *message;
    int64_t exit_code;
    int64_t signal;
    char *start_time;
    char *finish_time;
} eci_container_state;

typedef struct eci_probe_info {
    int present;
    eci_strv execs;
    char *http_path;
    int64_t http_port;
    char *http_scheme;
    char *tcp_host;
    int64_t tcp_port;
    int64_t initial_delay_seconds;
    int64_t period_seconds;
    int64_t timeout_seconds;
    int64_t success_threshold;
    int64_t failure_threshold;
} eci_probe_info;

typedef struct eci_env_info {
    char *key;
    char *value;
    char *field_path; /* ValueFrom.FieldRef.FieldPath */
} eci_env_info;

typedef struct eci_port_info {
    int64_t port;
    char *protocol;
} eci_port_info;

typedef struct eci_mount_info {
    char *name;
    char *mount_path;
    int read_only;
    char *mount_propagation;
    char *sub_path;
} eci_mount_info;

/* A container or init container as described by DescribeContainerGroups. */
typedef struct eci_container_info {
    char *name;
    char *image;
    char *image_pull_policy;
    double cpu;
    double memory;
    int64_t gpu;
    char *working_dir;
    eci_strv commands; /* Commands (containers) or Command (init containers) */
    eci_strv args;
    int stdin_open;
    int stdin_once;
    int tty;
    int ready;
    int64_t restart_count;
    eci_container_state current_state;
    eci_container_state previous_state;
    eci_env_info *env;
    size_t n_env;
    eci_port_info *ports;
    size_t n_ports;
    eci_mount_info *volume_mounts;
    size_t n_volume_mounts;
    eci_probe_info liveness_probe;
    eci_probe_info readiness_probe;
    eci_strv capability_adds;
    int read_only_root_filesystem;
    int64_t run_as_user;
    int has_run_as_user;
} eci_container_info;

typedef struct eci_config_file_info {
    char *path;
    char *content;
} eci_config_file_info;

typedef struct eci_volume_info {
    char *name;
    char *type;
    char *nfs_server;
    char *nfs_path;
    int nfs_read_only;
    char *disk_id;
    char *disk_fs_type;
    char *flex_driver;
    char *flex_fs_type;
    char *flex_options;
    char *empty_dir_medium;
    char *empty_dir_size_limit;
    eci_config_file_info *config_files;
    size_t n_config_files;
} eci_volume_info;

typedef struct eci_container_group {
    char *container_group_id;
    char *container_group_name;
    char *region_id;
    char *zone_id;
    char *vpc_id;
    char *vswitch_id;
    char *security_group_id;
    char *resource_group_id;
    char *status;
    char *restart_policy;
    double cpu;
    double memory;
    char *instance_type;
    char *spot_strategy;
    int64_t discount;
    int64_t ephemeral_storage;
    char *ram_role_name;
    char *internet_ip;
    char *intranet_ip;
    char *ipv6_address;
    char *eni_instance_id;
    char *creation_time;
    char *succeeded_time;
    char *failed_time;
    char *expired_time;
    char *tenant_eni_instance_id;
    char *tenant_eni_ip;
    char *tenant_security_group_id;
    char *tenant_vswitch_id;
    eci_tag *tags;
    size_t n_tags;
    eci_strv dns_nameservers;
    eci_strv dns_searches;
    eci_name_value *dns_options;
    size_t n_dns_options;
    eci_name_value *sysctls;
    size_t n_sysctls;
    eci_host_alias *host_aliases;
    size_t n_host_aliases;
    eci_event *events;
    size_t n_events;
    eci_volume_info *volumes;
    size_t n_volumes;
    eci_container_info *containers;
    size_t n_containers;
    eci_container_info *init_containers;
    size_t n_init_containers;
} eci_container_group;

typedef struct eci_describe_cgs_resp {
    char *request_id;
    int64_t total_count;
    char *next_token; /* NULL or "" when there is no next page */
    eci_container_group *groups;
    size_t n_groups;
} eci_describe_cgs_resp;

/* ---- DescribeContainerGroupStatus --------------------------------------- */
typedef struct eci_describe_status_req {
    char *region_id;
    char *zone_id;
    char *vswitch_id;
    char *resource_group_id;
    eci_strv container_group_ids; /* <= 20 */
    eci_opt_int since_second;
    eci_tag *tags;
    size_t n_tags;
    char *next_token;
    eci_opt_int limit;
} eci_describe_status_req;

typedef struct eci_pod_condition {
    char *type;
    char *status;
    char *last_transition_time;
    char *reason;
    char *message;
} eci_pod_condition;

typedef struct eci_k8s_state {
    int waiting;   /* 1 when a Waiting struct is present */
    char *waiting_reason;
    char *waiting_message;
    int running;
    char *running_started_at; /* StartedAtstartedAt | StartedAt | startedAt */
    int terminated;
    char *terminated_container_id;
    int64_t terminated_exit_code;
    int64_t terminated_signal;
    char *terminated_reason;
    char *terminated_message;
    char *terminated_started_at;
    char *terminated_finished_at;
} eci_k8s_state;

typedef struct eci_container_status {
    char *name;
    char *image;
    char *image_id;
    int ready;
    int started;
    int64_t restart_count;
    eci_k8s_state state;
    eci_k8s_state last_state;
} eci_container_status;

typedef struct eci_cg_status {
    char *container_group_id;
    char *name;
    char *namespace_;
    char *status;
    char *uuid;
    char *annotations; /* JSON object text */
    char *phase;
    char *host_ip;
    char *pod_ip;
    eci_strv pod_ips;
    char *qos_class;
    char *start_time;
    eci_pod_condition *conditions;
    size_t n_conditions;
    eci_container_status *container_statuses;
    size_t n_container_statuses;
} eci_cg_status;

typedef struct eci_describe_status_resp {
    char *request_id;
    char *next_token;
    int64_t total_count;
    eci_cg_status *items;
    size_t n_items;
} eci_describe_status_resp;

/* ---- DescribeContainerGroupEvents --------------------------------------- */
typedef struct eci_describe_events_req {
    char *region_id;
    char *zone_id;
    char *vswitch_id;
    char *resource_group_id;
    eci_strv container_group_ids; /* <= 20 */
    eci_tag *tags;
    size_t n_tags;
    char *event_source; /* EciService | K8sAgent | NULL (all) */
    eci_opt_int since_second;
    char *next_token;
    eci_opt_int limit;
} eci_describe_events_req;

typedef struct eci_k8s_event {
    char *type;
    char *reason;
    char *message;
    int64_t count;
    char *first_timestamp;
    char *last_timestamp;
    char *reporting_component;
    char *reporting_instance;
    char *source_component;
    char *source_host;
    char *involved_kind;
    char *involved_name;
    char *involved_namespace;
    char *involved_uid;
    char *involved_api_version;
    char *metadata_name;
    char *metadata_namespace;
} eci_k8s_event;

typedef struct eci_cg_events {
    char *container_group_id;
    char *name;
    char *namespace_;
    char *uuid;
    char *annotations;
    eci_k8s_event *events;
    size_t n_events;
} eci_cg_events;

typedef struct eci_describe_events_resp {
    char *request_id;
    int64_t total_count;
    char *next_token;
    eci_cg_events *items;
    size_t n_items;
} eci_describe_events_resp;

/* ---- ExecContainerCommand ----------------------------------------------- */
typedef struct eci_exec_req {
    char *region_id;
    char *container_group_id;
    char *container_name;
    eci_strv command;   /* sent as a JSON array string */
    eci_opt_bool tty;   /* TTY */
    eci_opt_bool stdin_open; /* Stdin (service default true) */
    eci_opt_bool sync;  /* Sync: output returned in SyncResponse; TTY must be false */
} eci_exec_req;

typedef struct eci_exec_resp {
    char *request_id;
    char *web_socket_uri;
    char *http_url;
    char *sync_response; /* NULL unless Sync */
} eci_exec_resp;

/* ---- DescribeContainerLog ------------------------------------------------ */
typedef struct eci_log_req {
    char *region_id;
    char *container_group_id;
    char *container_name;
    char *start_time;        /* RFC 3339 UTC */
    eci_opt_int tail;        /* <= 2000 */
    eci_opt_bool last_time;  /* previous container instance */
    eci_opt_int since_seconds;
    eci_opt_int limit_bytes; /* 1..1048576 */
    eci_opt_bool timestamps;
} eci_log_req;

typedef struct eci_log_resp {
    char *request_id;
    char *container_name;
    char *content;
} eci_log_resp;

/* ---- DescribeRegions ----------------------------------------------------- */
typedef struct eci_region {
    char *region_id;
    char *region_endpoint;
    eci_strv zones;
    eci_strv recommend_zones;
} eci_region;

typedef struct eci_describe_regions_resp {
    char *request_id;
    eci_region *regions;
    size_t n_regions;
} eci_describe_regions_resp;

/* ---- CreateImageCache / DescribeImageCaches / DeleteImageCache ----------- */
typedef struct eci_create_image_cache_req {
    char *region_id;
    char *image_cache_name;
    eci_strv images;
    char *security_group_id;
    char *vswitch_id;
    char *zone_id;
    eci_registry_credential *registry_credentials;
    size_t n_registry_credentials;
    char *eip_instance_id;
    eci_opt_int image_cache_size;
    eci_opt_int retention_days;
    char *resource_group_id;
    char *client_token;
    eci_opt_bool auto_match_image_cache;
    eci_opt_bool flash;
    eci_tag *tags;
    size_t n_tags;
} eci_create_image_cache_req;

typedef struct eci_create_image_cache_resp {
    char *request_id;
    char *container_group_id;
    char *image_cache_id;
} eci_create_image_cache_resp;

typedef struct eci_describe_image_caches_req {
    char *region_id;
    char *image_cache_id;
    char *image_cache_name;
    char *snapshot_id;
    char *image;
    char *resource_group_id;
    eci_tag *tags;
    size_t n_tags;
} eci_describe_image_caches_req;

typedef struct eci_image_cache {
    char *image_cache_id;
    char *image_cache_name;
    int64_t image_cache_size;
    eci_strv images;
    char *status;
    char *progress;
    char *snapshot_id;
    char *flash_snapshot_id;
    char *container_group_id;
    char *creation_time;
    char *expire_date_time;
    char *region_id;
    char *resource_group_id;
    eci_event *events;
    size_t n_events;
    eci_tag *tags;
    size_t n_tags;
} eci_image_cache;

typedef struct eci_describe_image_caches_resp {
    char *request_id;
    eci_image_cache *caches;
    size_t n_caches;
} eci_describe_image_caches_resp;

typedef struct eci_delete_image_cache_req {
    char *region_id;
    char *image_cache_id;
    char *client_token;
} eci_delete_image_cache_req;

/* ---- metrics --------------------------------------------------------------- */
typedef struct eci_metric_req {
    char *region_id;
    char *container_group_id;
    char *start_time;
    char *end_time;
    char *period; /* "15" | "30" | "60" | "600" */
} eci_metric_req;

typedef struct eci_cpu_stats {
    int64_t usage_nano_cores;
    int64_t usage_core_nano_seconds;
    int64_t load;
    int64_t limit;
} eci_cpu_stats;

typedef struct eci_mem_stats {
    int64_t available_bytes;
    int64_t usage_bytes;
    int64_t cache;
    int64_t working_set;
    int64_t rss;
} eci_mem_stats;

typedef struct eci_net_iface {
    char *name;
    int64_t tx_bytes;
    int64_t rx_bytes;
    int64_t tx_errors;
    int64_t rx_errors;
} eci_net_iface;

typedef struct eci_container_metric {
    char *name;
    eci_cpu_stats cpu;
    eci_mem_stats memory;
} eci_container_metric;

typedef struct eci_metric_record {
    char *timestamp;
    eci_container_metric *containers;
    size_t n_containers;
    eci_cpu_stats cpu;
    eci_mem_stats memory;
    eci_net_iface *interfaces;
    size_t n_interfaces;
} eci_metric_record;

typedef struct eci_metric_resp {
    char *request_id;
    char *container_group_id;
    eci_metric_record *records;
    size_t n_records;
} eci_metric_resp;

typedef struct eci_multi_metric_req {
    char *region_id;
    eci_strv container_group_ids; /* sent as a JSON array string */
    char *resource_group_id;
    char *metric_type;
} eci_multi_metric_req;

typedef struct eci_monitor_data {
    char *container_group_id;
    eci_metric_record *records;
    size_t n_records;
} eci_monitor_data;

typedef struct eci_multi_metric_resp {
    char *request_id;
    eci_monitor_data *items;
    size_t n_items;
} eci_multi_metric_resp;

/* ---- DescribeContainerGroupPrice --------------------------------------- */
typedef struct eci_price_req {
    char *region_id;
    eci_opt_float cpu;
    eci_opt_float memory;
    char *instance_type;
    char *spot_strategy;
    char *zone_id;
    eci_opt_float spot_price_limit;
    eci_opt_int ephemeral_storage;
} eci_price_req;

typedef struct eci_price_rule {
    int64_t rule_id;
    char *description;
} eci_price_rule;

typedef struct eci_price_detail {
    char *resource;
    double original_price;
    double discount_price;
    double trade_price;
    eci_price_rule *rules;
    size_t n_rules;
} eci_price_detail;

typedef struct eci_spot_price {
    char *instance_type;
    char *zone_id;
    double origin_price;
    double spot_price;
} eci_spot_price;

typedef struct eci_price_resp {
    char *request_id;
    char *currency;
    double original_price;
    double discount_price;
    double trade_price;
    eci_price_detail *details;
    size_t n_details;
    eci_price_rule *rules;
    size_t n_rules;
    eci_spot_price *spot_prices;
    size_t n_spot_prices;
} eci_price_resp;

/* ---- ListUsage ----------------------------------------------------------- */
typedef struct eci_list_usage_resp {
    char *request_id;
    kv_list attributes; /* every attribute as text, e.g. UsedCpu=11 */
    double used_cpu;
    double max_cpu;
    double max_image_cache_count;
    double used_image_cache_count;
} eci_list_usage_resp;

/* ---- free functions (accept NULL; leave the struct zeroed) -------------- */
int eci_probe_is_set(const eci_probe *p);
void eci_container_free(eci_container *c);
void eci_volume_free(eci_volume *v);
void eci_create_cg_req_free(eci_create_cg_req *r);
void eci_create_cg_resp_free(eci_create_cg_resp *r);
void eci_update_cg_req_free(eci_update_cg_req *r);
void eci_simple_resp_free(eci_simple_resp *r);
void eci_cg_id_req_free(eci_cg_id_req *r);
void eci_describe_cgs_req_free(eci_describe_cgs_req *r);
void eci_container_group_free(eci_container_group *g);
void eci_describe_cgs_resp_free(eci_describe_cgs_resp *r);
void eci_describe_status_req_free(eci_describe_status_req *r);
void eci_cg_status_free(eci_cg_status *s);
void eci_describe_status_resp_free(eci_describe_status_resp *r);
void eci_describe_events_req_free(eci_describe_events_req *r);
void eci_describe_events_resp_free(eci_describe_events_resp *r);
void eci_exec_req_free(eci_exec_req *r);
void eci_exec_resp_free(eci_exec_resp *r);
void eci_log_req_free(eci_log_req *r);
void eci_log_resp_free(eci_log_resp *r);
void eci_describe_regions_resp_free(eci_describe_regions_resp *r);
void eci_create_image_cache_req_free(eci_create_image_cache_req *r);
void eci_create_image_cache_resp_free(eci_create_image_cache_resp *r);
void eci_describe_image_caches_req_free(eci_describe_image_caches_req *r);
void eci_describe_image_caches_resp_free(eci_describe_image_caches_resp *r);
void eci_delete_image_cache_req_free(eci_delete_image_cache_req *r);
void eci_metric_req_free(eci_metric_req *r);
void eci_metric_resp_free(eci_metric_resp *r);
void eci_multi_metric_req_free(eci_multi_metric_req *r);
void eci_multi_metric_resp_free(eci_multi_metric_resp *r);
void eci_price_req_free(eci_price_req *r);
void eci_price_resp_free(eci_price_resp *r);
void eci_list_usage_resp_free(eci_list_usage_resp *r);

#endif
