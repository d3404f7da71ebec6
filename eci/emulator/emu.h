/* Internal declarations shared by the emulator's API server modules
 * (the eci/emulator sources other than the runtime). Not for use outside eci/emulator. */
#ifndef ECI_EMULATOR_EMU_H
#define ECI_EMULATOR_EMU_H

#include <pthread.h>
#include <stdint.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "eci/emulator/emulator.h"
#include "eci/emulator/runtime.h"
#include "util/dynbuf.h"
#include "util/htab.h"
#include "util/kv.h"
#include "util/strmap.h"

/* ---- errors (errors.c) ------------------------------------------------ */

typedef struct emu_err {
    int http;
    char code[80];
    char msg[1536];
} emu_err;

/* Fill e; always returns -1 so callers can `return emu_fail(...)`. */
int emu_fail(emu_err *e, int http, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Fill e from the documented table (HTTP status and message of code);
 * unknown codes get HTTP 400 and a generic message. Returns -1. */
int emu_fail_code(emu_err *e, const char *code);
/* The documented HTTP status of an error code (400 for unknown codes). */
int emu_code_status(const char *code);
int emu_missing(emu_err *e, const char *param);
int emu_invalid(emu_err *e, const char *param, const char *why);

/* ---- parameters (params.c) -------------------------------------------- */

/* Typed getters: 0 absent (default kept), 1 present and valid, -1 invalid (e filled). */
int emu_get_bool(const kv_list *p, const char *key, int *out, emu_err *e);
int emu_get_long(const kv_list *p, const char *key, long lo, long hi, long *out, emu_err *e);
int emu_get_double(const kv_list *p, const char *key, double lo, double hi, double *out, emu_err *e);
/* Value of key or NULL; an empty value counts as absent. */
const char *emu_get(const kv_list *p, const char *key);
const char *emu_getf(const kv_list *p, char *keybuf, size_t keylen, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Sorted distinct list indices N of parameters named "<prefix>N" or
 * "<prefix>N.<rest>". *idx is freed by the caller. Returns the count, or -1
 * (InvalidParameter) for a malformed or absurd index. */
long emu_list_indices(const kv_list *p, const char *prefix, long **idx, emu_err *e);
/* Values of a RepeatList "<prefix>N" in index order (strings borrowed from p). */
long emu_repeat_list(const kv_list *p, const char *prefix, const char ***out, emu_err *e);

/* Parse a JSON array of strings (ContainerGroupIds, Command). Also accepts
 * single quotes and typographic quotes like the spec samples. Returns the
 * number of items (array in *out, free with emu_strv_free) or -1. */
long emu_json_strv(const char *s, char ***out);
void emu_strv_free(char **v, size_t n);

/* "2006-01-02T15:04:05Z" into buf (>= 21 bytes); t == 0 gives "". */
void emu_fmt_time(time_t t, char *buf, size_t len);
double emu_now(void);          /* wall clock, seconds */

/* Deterministic pseudo-random source (seeded), thread-safe. */
typedef struct emu_rng {
    pthread_mutex_t mu;
    uint64_t s;
} emu_rng;
void emu_rng_init(emu_rng *r, uint64_t seed);
void emu_rng_destroy(emu_rng *r);
uint64_t emu_rng_next(emu_rng *r);
double emu_rng_unit(emu_rng *r);  /* [0,1) */
void emu_rng_uuid(emu_rng *r, char out[37], int upper);
void emu_rng_id(emu_rng *r, const char *prefix, char *out, size_t len); /* prefix + 20 [a-z0-9] */

/* ---- the parameter table (paramtab.c) ---------------------------------- */

/* The emulator's one account: OwnerId/ResourceOwnerId and
 * OwnerAccount/ResourceOwnerAccount must name it. */
#define EMU_ACCOUNT_ID "1000000000000001"
#define EMU_ACCOUNT_NAME "eci-emulator"

typedef struct emu_param_def {
    const char *name;     /* wire name, N for list indices; "*." = Container.N. / InitContainer.N. */
    unsigned ops, iops;   /* operations (bits) of the name / of its InitContainer.N. form */
    char type;            /* 's' string, 'i' integer, 'f' float, 'b' boolean */
    double lo, hi;        /* numeric range; strings: length range */
    const char *rule;     /* "A|B" allowed values, or "@format" */
    const char *sample;   /* a valid value ("" for parameters the walk does not send) */
    const char *needs;    /* parameters a sample needs beside it, "K=V&K=V" */
    const char *returns;  /* where the value is returned (see paramtab.c) */
    const char *treat;    /* stored, used, setting, refused */
    const char *note;
} emu_param_def;

/* Operation bit of an action (0 for an unknown one). */
unsigned emu_param_op_bit(const char *action);
/* The row of a request key for an operation; *init set for InitContainer.N. */
const emu_param_def *emu_param_find(unsigned opbit, const char *key, int *init);
/* Check every parameter of a request against the table: unknown ones and
 * bad values are refused with the service's codes. 0 or -1 (e filled). */
int emu_params_check(const char *action, const kv_list *p, emu_err *e);
/* A file mode as the SDKs send it (0644 octal or 420 decimal). 0 or -1. */
int emu_param_mode(const char *v, long *out);
int emu_sysctl_safe(const char *name);
int emu_sysctl_host(const char *name);
/* The table as JSON (one object per wire name) and as a Markdown table. */
cJSON *emu_params_json(void);
void emu_params_markdown(dynbuf *b);

/* ---- container group spec (validate.c) --------------------------------- */

typedef struct emu_probe {
    int present;
    char **exec; size_t nexec;
    char *http_path, *http_scheme; long http_port;
    long tcp_port;
    long initial_delay, period, timeout, success, failure;
} emu_probe;

typedef struct emu_env { char *key, *value, *field_path; } emu_env;
typedef struct emu_port { long port; char *protocol; } emu_port;
typedef struct emu_vmount { char *name, *mount_path, *sub_path, *propagation; int read_only; } emu_vmount;

/* A lifecycle hook's network handler: HttpGet when http_port > 0, TcpSocket
 * when tcp_port > 0 (at most one of them, and not with an Exec handler). */
typedef struct emu_hook_net {
    char *http_host, *http_path, *http_scheme; long http_port;
    kv_list http_headers;         /* name -> value, in request order */
    char *tcp_host; long tcp_port;
} emu_hook_net;

typedef struct emu_container {
    char *name, *image, *image_pull_policy, *working_dir;
    double cpu, memory; long gpu;
    char **command; size_t ncommand;
    char **args; size_t nargs;
    int tty, stdin_open, stdin_once;
    emu_env *env; size_t nenv;
    emu_port *ports; size_t nports;
    emu_vmount *mounts; size_t nmounts;
    emu_probe liveness, readiness;
    char **cap_add; size_t ncap;
    int read_only_root;  /* -1 unset */
    long run_as_user;    /* -1 unset */
    long run_as_group;   /* -1 unset (SecurityContextRunAsGroup) */
    int run_as_non_root; /* -1 unset (SecurityContextRunAsNonRoot) */
    int privileged;      /* -1 unset (SecurityContextPrivileged) */
    int env_hide;        /* EnvironmentVarHide: Describe omits EnvironmentVars */
    char *termination_message_path;          /* NULL: /dev/termination-log */
    char *termination_message_policy;        /* NULL: File */
    char **post_start; size_t npost_start;   /* Exec handler argv */
    char **pre_stop; size_t npre_stop;
    emu_hook_net post_start_net, pre_stop_net; /* HTTP GET / TCP handlers */
} emu_container;

typedef struct emu_cfile {
    char *path; char *content; size_t len;
    long mode;                    /* effective: Mode, else the volume's DefaultMode (0644) */
    int has_mode;                 /* Mode given */
} emu_cfile;

typedef struct emu_volume {
    char *name, *type;
    int has_default_mode;         /* ConfigFileVolume.DefaultMode given */
    char *medium, *size_limit;
    char *nfs_server, *nfs_path; int nfs_read_only;
    emu_cfile *files; size_t nfiles; long default_mode;
    char *disk_id, *disk_fs_type; long disk_size;
    char *flex_driver, *flex_fs_type, *flex_options;
    char *host_path, *host_path_type;
} emu_volume;

typedef struct emu_cred { char *server, *user, *password; } emu_cred;
typedef struct emu_acr {
    char *instance_id, *instance_name, *region, *arn_service, *arn_user;
    char **domains; size_t ndomains;
} emu_acr;

typedef struct emu_spec {
    char *region, *zone, *name, *security_group, *vswitch, *restart_policy;
    char *instance_type, *resource_group, *dns_policy, *ram_role, *spot_strategy;
    char *host_name, *eip_instance, *image_snapshot;
    double cpu, memory;           /* effective group spec */
    double spot_price_limit;
    long ephemeral_storage, termination_grace, active_deadline;
    int auto_create_eip;
    emu_container *containers; size_t ncontainers;
    emu_container *inits; size_t ninits;
    emu_volume *volumes; size_t nvolumes;
    size_t nregistry_creds;
    emu_cred *creds;              /* nregistry_creds items */
    emu_acr *acrs; size_t nacrs;  /* AcrRegistryInfo.N */
    char **compute_category; size_t ncompute_category;
    char **ntp_servers; size_t nntp_servers;
    kv_list host_sysctls;         /* HostSecurityContext.Sysctl.N */
    /* Group-level parameters the emulator validates and stores but that have
     * no effect on a local process (networking, billing, placement): wire
     * name -> value as accepted (booleans as true/false). */
    kv_list settings;
    kv_list tags;                 /* key -> value, in request order */
    char **dns_ns; size_t ndns_ns;
    char **dns_search; size_t ndns_search;
    kv_list dns_opts;
    kv_list host_aliases;         /* ip -> "name1 name2" */
    kv_list sysctls;
    int share_process_namespace;
    int has_spot_price_limit;
} emu_spec;

/* Parse and validate CreateContainerGroup parameters. Returns a new spec
 * (free with emu_spec_free) or NULL with e filled (documented code/status). */
emu_spec *emu_spec_parse_create(const kv_list *p, const char *region, emu_err *e);
/* Parse UpdateContainerGroup's container-level parameters against the group's
 * current spec. Returns a new full spec (the old one untouched), or NULL with
 * e filled; *changed is 0 when nothing would change (NoNeedUpdate). */
emu_spec *emu_spec_parse_update(const kv_list *p, const emu_spec *cur, int *changed, emu_err *e);
void emu_spec_free(emu_spec *s);
/* Deep copy (free with emu_spec_free). */
emu_spec *emu_spec_copy(const emu_spec *s);
/* Free a container's / a volume's fields (not the struct itself). */
void emu_container_free(emu_container *c);
void emu_volume_free(emu_volume *v);
/* Append the canonical text of the updatable part of s (containers, init
 * containers, credentials count) to b. */
void emu_spec_update_sig(dynbuf *b, const emu_spec *s);
/* Valid Cpu/Memory combinations of the service; 1 when allowed. */
int emu_spec_cpu_mem_ok(double cpu, double mem);

/* Hash (hex SHA-256) of the business parameters: every parameter except the
 * common/signature ones. Used for ClientToken idempotency. */
void emu_params_digest(const kv_list *p, char out[65]);

/* ---- store (store.c) --------------------------------------------------- */

#define EMU_MAX_EVENTS 50

typedef struct emu_event {
    char type[16];
    char reason[64];
    char message[512];
    char object[160];   /* Name: the object the event belongs to */
    char source[16];    /* EciService or K8sAgent */
    char uid[24];       /* event id (hex) */
    int count;
    time_t first, last;
} emu_event;

typedef struct emu_group {
    char id[32];
    char uuid[40];
    char client_token[72];
    emu_spec *spec;
    char status[24];
    char ip[20];
    uint64_t seq;                 /* creation order */
    time_t created, started, succeeded, failed;
    double changed_at;            /* last status-visible change (wall seconds) */
    double running_at;            /* first time Running (wall seconds, 0 = never) */
    char fingerprint[512];
    int64_t schedule_at_ms;       /* monotonic; start the runtime then */
    int64_t transient_until_ms;   /* Restarting/Updating shown until then */
    int rt_started;               /* runtime group exists */
    int rt_busy;                  /* a runtime call is in flight */
    int spec_dirty;               /* updated before the runtime started it */
    int schedule_fail;            /* become ScheduleFailed instead of starting */
    int forced_failed;            /* admin /fail */
    int deleting;                 /* DeleteContainerGroup: Terminating until the runtime stopped it */
    int stop_deferred;            /* deleted during a start/update: its end starts the stop */
    emu_event *events;            /* oldest first; grows to EMU_MAX_EVENTS as needed */
    size_t nevents, aevents;
    emu_rt_container_status *cs;  /* last snapshot (init first) */
    size_t ncs;
    uint64_t rt_gen;              /* the snapshot's generation (0: none yet) */
    emu_rt_group_phase rt_phase;  /* and its phase */
    int64_t rt_next_ms;           /* monotonic: no need to look at the runtime before */
    struct emu_group *next, *prev;
} emu_group;

typedef struct emu_token {
    char action[40];
    char token[72];
    char digest[65];
    char group_id[32];
    struct emu_token *next;
} emu_token;

typedef struct emu_image_cache {
    char id[32], name[136], snapshot_id[32], group_id[32], resource_group[64];
    char **images; size_t nimages;
    kv_list tags;
    long size_gib, retention_days;
    char elimination[8];          /* EliminationStrategy: "LRU" or "" */
    time_t created;
    time_t last_matched;          /* last create that named it (ImageSnapshotId) */
    int64_t created_ms;
    emu_event events[8];
    size_t nevents;
    struct emu_image_cache *next;
} emu_image_cache;

typedef struct emu_store {
    pthread_mutex_t mu;
    emu_group *groups;            /* in creation order */
    emu_group *tail;
    size_t ngroups;
    strmap *by_id, *by_ip;        /* -> emu_group* */
    strmap *by_token;             /* "Action\x1fToken" -> emu_token* */
    uint64_t next_seq;
    uint32_t next_ip;
    emu_token *tokens;
    emu_image_cache *caches;
} emu_store;

void emu_store_init(emu_store *st);
void emu_store_destroy(emu_store *st);
/* The following require st->mu held. */
emu_group *emu_store_find(emu_store *st, const char *id);
/* Insert a new group (takes ownership of spec) in status Scheduling. */
emu_group *emu_store_add(emu_store *st, emu_rng *rng, emu_spec *spec, const char *client_token, double now);
/* Unlink and free a group; returns 0, -1 when unknown. */
int emu_store_remove(emu_store *st, const char *id);
emu_token *emu_store_token_find(emu_store *st, const char *action, const char *token);
void emu_store_token_add(emu_store *st, const char *action, const char *token, const char *digest, const char *group_id);
/* Forget every ClientToken. */
void emu_store_tokens_clear(emu_store *st);
/* Add an event, aggregating a repeat of the newest event with the same
 * type/reason/message/object (Count++, LastTimestamp). Keeps the latest 50. */
void emu_group_event(emu_group *g, emu_rng *rng, const char *type, const char *reason,
                     const char *object, const char *message, time_t now);
/* Set status (records times and changed_at when it differs). */
void emu_group_set_status(emu_group *g, const char *status, double now);
/* Recompute the fingerprint of the client-visible state; bump changed_at when it moved. */
void emu_group_touch(emu_group *g, double now);
void emu_image_cache_free(emu_image_cache *c);

/* ---- faults (faults.c) -------------------------------------------------- */

typedef struct emu_fault_rule {
    char action[64];    /* "*" = any */
    char code[80];      /* error code, "drop", or "ScheduleFailed" */
    double rate;        /* probability per call */
    long remaining;     /* >0: fail the next N matching calls ("xN"), then stop */
} emu_fault_rule;

typedef struct emu_bucket {
    char action[64];
    double capacity, refill_per_s, tokens;
    int64_t last_ms;
} emu_bucket;

typedef struct emu_faults {
    pthread_mutex_t mu;
    emu_rng rng;
    emu_fault_rule *rules; size_t nrules;
    emu_bucket *buckets; size_t nbuckets;
    int latency_ms;
    int64_t unreachable_until_ms;
} emu_faults;

void emu_faults_init(emu_faults *f, uint64_t seed);
void emu_faults_destroy(emu_faults *f);
/* "ACTION:CODE:RATE" (RATE a probability 0..1, or "xN" for the next N calls). */
int emu_faults_add_rule(emu_faults *f, const char *spec, char *err, size_t errlen);
/* "ACTION:N" calls per second (burst N). */
int emu_faults_add_qps(emu_faults *f, const char *spec, char *err, size_t errlen);
void emu_faults_set_limit(emu_faults *f, const char *action, double capacity, double refill_per_s);
void emu_faults_clear(emu_faults *f);
/* Decide the fate of one API call: 0 pass; 1 answer with code (filled);
 * 2 drop the connection. */
int emu_faults_check(emu_faults *f, const char *action, char code[80]);
/* 1 when the action is over its rate limit (answer Throttling). */
int emu_faults_throttled(emu_faults *f, const char *action);
/* 1 when a new group should end in ScheduleFailed. */
int emu_faults_schedule_fail(emu_faults *f);
int emu_faults_unreachable(emu_faults *f);
void emu_faults_set_unreachable(emu_faults *f, double seconds);
int emu_faults_latency(emu_faults *f);
void emu_faults_set_latency(emu_faults *f, int ms);
cJSON *emu_faults_json(emu_faults *f);

/* ---- ledger (ledger.c) -------------------------------------------------- */

typedef struct emu_ledger_create {
    char client_token[72];
    char group_id[32];
    char code[80];
    char request_id[40];
    time_t at;
    double at_s;                  /* wall seconds with fraction (benchmarks) */
} emu_ledger_create;

typedef struct emu_ledger {
    pthread_mutex_t mu;
    kv_list counts;              /* "Action code" -> decimal count */
    emu_ledger_create *creates; size_t ncreates, acreates;
    unsigned long total;
} emu_ledger;

void emu_ledger_init(emu_ledger *l);
void emu_ledger_destroy(emu_ledger *l);
void emu_ledger_record(emu_ledger *l, const char *action, const char *code);
void emu_ledger_record_create(emu_ledger *l, const char *token, const char *group_id,
                              const char *code, const char *request_id);
void emu_ledger_reset(emu_ledger *l);
cJSON *emu_ledger_json(emu_ledger *l);

/* ---- auth (auth.c) ------------------------------------------------------ */

typedef struct emu_nonce { char *nonce; time_t at; struct emu_nonce *next; } emu_nonce;

/* A temporary key pair issued by AssumeRoleWithOIDC (sts.c). */
typedef struct emu_issued {
    char *id, *secret, *token;
    time_t expires;
    struct emu_issued *next;
} emu_issued;

typedef struct emu_auth {
    pthread_mutex_t mu;
    char *ak_id, *ak_secret;
    char *sts_id, *sts_secret, *sts_token;
    emu_issued *issued;           /* newest first; expired ones are purged */
    htab nonces;                  /* of emu_nonce, by nonce */
    time_t last_purge;
} emu_auth;

void emu_auth_init(emu_auth *a, const char *id, const char *secret, const char *sts_id,
                   const char *sts_secret, const char *sts_token);
void emu_auth_destroy(emu_auth *a);
/* Check common parameters, credentials, timestamp, signature and nonce.
 * Returns 0, or -1 with the service's error in e. */
int emu_auth_check(emu_auth *a, const char *method, const kv_list *params, time_t now, emu_err *e);
/* The same for a V3 (ACS3-HMAC-SHA256) request: the Authorization and
 * x-acs-* headers, query holds the query-string parameters only, body the
 * raw body (its SHA-256 is checked against x-acs-content-sha256). */
int emu_auth_check_v3(emu_auth *a, const char *method, const kv_list *query, const kv_list *headers,
                      const char *body, size_t body_len, time_t now, emu_err *e);
/* Accept the temporary key pair (copied) with its SecurityToken until expires. */
void emu_auth_issue(emu_auth *a, const char *id, const char *secret, const char *token, time_t expires);


/* ---- the server (server.c / dispatch.c / lifecycle.c) ---------------- */

typedef struct emu_work emu_work;

struct emu_server {
    emu_options opt;
    double quota_cpu; /* ListUsage MaxCpu; guarded by store.mu */
    char region[64];
    char url[96];
    char admin_url[96];
    char state_dir[512];
    int own_state_dir;
    int schedule_delay_ms;
    emu_store store;
    emu_faults faults;
    emu_ledger ledger;
    emu_auth auth;
    emu_rng rng;
    emu_rt *rt;
    /* runtime events queued by the runtime's threads */
    pthread_mutex_t evmu;
    struct emu_qevent *evq, *evq_tail;
    size_t evq_len;
    /* ticker */
    pthread_t ticker;
    int ticker_running;
    pthread_mutex_t tmu;
    pthread_cond_t tcond;
    int stopping;
    int inflight;                 /* runtime worker threads */
    int64_t retention_at_ms;      /* next retention pass (monotonic) */
    void *mhd, *mhd_admin;
    void *listeners[2];
};

typedef struct emu_req {
    emu_server *s;
    const kv_list *p;
    const char *action;
    const char *method;
    char request_id[40];
    double now;
} emu_req;

typedef int (*emu_op_fn)(emu_req *r, cJSON *out, emu_err *e);

/* Operations (ops_*.c). Each fills out (RequestId is added by the caller). */
int emu_op_create_group(emu_req *r, cJSON *out, emu_err *e);
int emu_op_update_group(emu_req *r, cJSON *out, emu_err *e);
int emu_op_restart_group(emu_req *r, cJSON *out, emu_err *e);
int emu_op_delete_group(emu_req *r, cJSON *out, emu_err *e);
int emu_op_describe_groups(emu_req *r, cJSON *out, emu_err *e);
int emu_op_describe_status(emu_req *r, cJSON *out, emu_err *e);
int emu_op_describe_events(emu_req *r, cJSON *out, emu_err *e);
int emu_op_describe_log(emu_req *r, cJSON *out, emu_err *e);
int emu_op_exec(emu_req *r, cJSON *out, emu_err *e);
int emu_op_metric(emu_req *r, cJSON *out, emu_err *e);
int emu_op_multi_metric(emu_req *r, cJSON *out, emu_err *e);
int emu_op_regions(emu_req *r, cJSON *out, emu_err *e);
int emu_op_price(emu_req *r, cJSON *out, emu_err *e);
int emu_op_list_usage(emu_req *r, cJSON *out, emu_err *e);
int emu_op_create_image_cache(emu_req *r, cJSON *out, emu_err *e);
int emu_op_describe_image_caches(emu_req *r, cJSON *out, emu_err *e);
int emu_op_delete_image_cache(emu_req *r, cJSON *out, emu_err *e);

/* STS (sts.c): AssumeRoleWithOIDC (version 2015-04-01), the anonymous call
 * of RRSA clients, served before authentication; it succeeds only for the
 * role, OIDC provider and token the emulator is configured with
 * (emu_options.oidc_*). */
#define EMU_STS_ACTION "AssumeRoleWithOIDC"
int emu_op_assume_role_with_oidc(emu_req *r, cJSON *out, emu_err *e);

/* Shared request checks: RegionId present and served here. */
int emu_check_region(emu_req *r, int required, emu_err *e);
/* Filters shared by the describe operations. */
typedef struct emu_filter {
    char **ids; long nids;        /* -1: no id filter */
    const char *name, *status, *zone, *vswitch, *resource_group;
    const char *security_group, *compute_category; /* DescribeContainerGroups only */
    kv_list tags;                 /* key -> value ("" matches any value) */
    double since;                 /* >0: changed within the last N seconds */
} emu_filter;
int emu_filter_parse(const kv_list *p, emu_filter *f, int allow_name_status, emu_err *e);
void emu_filter_free(emu_filter *f);
int emu_filter_match(const emu_filter *f, const emu_group *g, double now);
/* Opaque paging tokens. */
void emu_token_encode(uint64_t offset, char out[40]);
int emu_token_decode(const char *tok, uint64_t *offset);

/* Rendering of a group (render.c), store lock held. */
cJSON *emu_render_group(const emu_group *g);
/* The admin view: the DescribeContainerGroups item plus every stored
 * parameter the SDK's response model has no field for. */
cJSON *emu_render_group_full(const emu_group *g);
cJSON *emu_render_status(const emu_group *g);
const char *emu_phase_of(const char *status);

/* Lifecycle (lifecycle.c). */
int emu_lifecycle_start(emu_server *s, char *err, size_t errlen);
void emu_lifecycle_stop(emu_server *s);
/* Free runtime events still queued (after the runtime is gone). */
void emu_lifecycle_drop_events(emu_server *s);
/* Queue an asynchronous runtime stop of a group that left the store. */
void emu_lifecycle_stop_group(emu_server *s, const char *id, int grace);
void emu_lifecycle_restart_group(emu_server *s, const char *id);
/* Update with the spec copy; the lifecycle owns and frees it. */
void emu_lifecycle_update_group(emu_server *s, const char *id, emu_spec *spec);
/* Runtime event callback (runtime threads). */
void emu_lifecycle_on_rt_event(void *ud, const char *group_id, const char *container,
                               const char *type, const char *reason, const char *message);
/* One ticker step (exposed for tests). */
void emu_lifecycle_tick(emu_server *s);

/* Admin routes (admin.c). */
void emu_admin_handle(emu_server *s, const emu_http_req *req, emu_http_resp *resp);

#endif
