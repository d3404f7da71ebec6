/* Internals shared by the provider/podmap/translate*.c files. Not for other modules. */
#ifndef PROVIDER_PODMAP_TRANSLATE_INT_H
#define PROVIDER_PODMAP_TRANSLATE_INT_H

#include <stddef.h>
#include <cjson/cJSON.h>

#include "provider/podmap/translate.h"
#include "util/kv.h"

/* ECI limits (eci-api.md 5.17, eci-api-extra.md 6). */
#define PODMAP_TR_MAX_CONTAINERS 5
#define PODMAP_TR_MAX_INIT_CONTAINERS 5
#define PODMAP_TR_MAX_VOLUMES 20
#define PODMAP_TR_MAX_CREDENTIALS PODMAP_MAX_CREDENTIALS
#define PODMAP_TR_MAX_TAGS 20
#define PODMAP_TR_MAX_COMMAND 20
#define PODMAP_TR_MAX_COMMAND_LEN 256
#define PODMAP_TR_MAX_ARGS 10
#define PODMAP_TR_MAX_ENV 100
#define PODMAP_TR_MAX_ENV_KEY 128
#define PODMAP_TR_MAX_ENV_VALUE 256
#define PODMAP_TR_MAX_MOUNTS 16
#define PODMAP_TR_MAX_PORTS 100
#define PODMAP_TR_MAX_FILE_CONTENT 32768
#define PODMAP_TR_MAX_GROUP_NAME 128
#define PODMAP_TR_MAX_TAG_KEY 64
#define PODMAP_TR_MAX_TAG_VALUE 128

/* A fetched object kept for the duration of one translation. */
typedef struct podmap_tr_cached {
    char *key; /* "cm/ns/name" or "secret/ns/name" */
    int rc;
    cJSON *obj;
    struct podmap_tr_cached *next;
} podmap_tr_cached;

/* Per-container facts needed across files (resources for resourceFieldRef,
 * ports for named probe ports). */
typedef struct podmap_tr_cinfo {
    const char *name;
    double cpu;        /* cores: limits, else requests; 0 = unset */
    double cpu_req;
    double mem;        /* bytes */
    double mem_req;
    double eph;        /* bytes (ephemeral-storage) */
    double eph_req;
} podmap_tr_cinfo;

typedef struct podmap_tr_ctx {
    const cJSON *pod, *meta, *spec;
    const char *ns, *name, *uid;
    const podmap_config *cfg;
    const podmap_resolver *res;
    podmap_result *out;
    cJSON *req;          /* the parameter tree being built */
    int nrejected;
    int wait;            /* PODMAP_WAIT requested */
    char *wait_reason, *wait_message;
    podmap_tr_cached *cache;
    kv_list svc_env;     /* service environment variables (lazy) */
    int svc_loaded;
    podmap_tr_cinfo *cinfo;     /* [ninit + ncont]: init containers first */
    size_t ncinfo;
    int gpu_allowed;     /* a GPU instance type was requested by annotation */
    int instance_type_set;
} podmap_tr_ctx;

/* Record a finding. path/fmt are formatted by the caller. */
void podmap_tr_find(podmap_tr_ctx *c, podmap_fate fate, const char *type, const char *reason, const char *path,
             const char *fmt, ...) __attribute__((format(printf, 6, 7)));
#define podmap_tr_reject(c, path, ...) podmap_tr_find(c, PODMAP_FATE_REJECTED, "Warning", "ProviderFailed", path, __VA_ARGS__)
/* Ask for WAIT (first reason wins). */
/* A ConfigMap or Secret (or one of its keys: key non-NULL) the pod refers to
 * is missing. Optional: a Warning finding Optional{ConfigMap,Secret}[Key]NotFound
 * and nothing else. Mandatory: a Warning finding Mandatory...NotFound, a wait
 * (CreateContainerConfigError) and the object recorded in the result's
 * missing list (with obj's resourceVersion when only a key is missing). */
void podmap_tr_missing(podmap_tr_ctx *c, int secret, const char *name, const char *key, int optional,
                       const cJSON *obj, const char *path);
void podmap_tr_wait(podmap_tr_ctx *c, const char *reason, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* JSON helpers: NULL-safe typed getters. */
const char *podmap_tr_str(const cJSON *o, const char *key);    /* NULL when absent or not a string */
int podmap_tr_bool(const cJSON *o, const char *key, int dflt); /* JSON true/false */
int podmap_tr_int(const cJSON *o, const char *key, long long *v); /* 0 when a number */
const cJSON *podmap_tr_obj(const cJSON *o, const char *key);   /* object or NULL */
const cJSON *podmap_tr_arr(const cJSON *o, const char *key);   /* array or NULL */
int podmap_tr_present(const cJSON *o, const char *key);        /* key present and not null/empty/false/0 */

/* Report every present member of o not in known (NULL-terminated) as an
 * ignored "UnsupportedField" finding under path (nothing is dropped silently). */
void podmap_tr_unknown_fields(podmap_tr_ctx *c, const cJSON *o, const char *const *known, const char *path);

/* Resolver access with caching. kind: "cm" or "secret". Returns PODMAP_RES_*
 * and a borrowed object. */
int podmap_tr_get_object(podmap_tr_ctx *c, const char *kind, const char *name, const cJSON **obj);

/* 8 lower-case hex digits of SHA-256(s). buf >= 9. */
void podmap_tr_hash8(const char *s, char buf[9]);

/* Is s a valid ECI environment variable name ([A-Za-z_][A-Za-z0-9_]*, <= 128)? */
int podmap_tr_eci_env_key_ok(const char *s);
/* Kubernetes C_IDENTIFIER-ish env name check used for envFrom ([-._a-zA-Z][-._a-zA-Z0-9]*). */
int podmap_tr_k8s_env_key_ok(const char *s);

/* Value of a downward-API fieldRef path for the pod, or NULL when unknown.
 * status.podIP returns NULL and sets *podip. Caller frees. */
char *podmap_tr_field_value(podmap_tr_ctx *c, const char *path, int *podip);
/* Value of a resourceFieldRef ("limits.cpu", divisor) for container cname;
 * NULL and a message in *err when invalid. Caller frees both. */
char *podmap_tr_resource_value(podmap_tr_ctx *c, const char *cname, const char *resource, const char *divisor,
                        char **err);

/* Is v prefix followed by 1+ letters, digits, '-' or '_' (<= 64 in all)? (cloud ids: "vsw-...") */
int podmap_tr_id_ok(const char *v, const char *prefix);
/* A comma list as a fresh JSON array of its trimmed, non-empty items. */
cJSON *podmap_tr_split_list(const char *v);
/* The strings of a array joined with ','. Caller frees. */
char *podmap_tr_join_list(const cJSON *a);
/* Append s to the string array arr unless already there. */
void podmap_tr_add_unique(cJSON *arr, const char *s);

/* ACK annotations beyond the core ones (translate_ack.c): whether k (without
 * "k8s.aliyun.com/") is one of them, and their translation, run after DNS and
 * host aliases are in place (it extends both). */
int podmap_tr_ack_known(const char *k);
void podmap_tr_ack_annotations(podmap_tr_ctx *c);
/* ImageSnapshotId from annotation ann (full key) of value v: an image cache
 * id (imc-...) as is, or the name of an ImageCache object resolved to its
 * cache id (the pod waits while the cache is built); rejected naming the
 * annotation when neither, or when another annotation set another cache. */
void podmap_tr_image_cache(podmap_tr_ctx *c, const char *ann, const char *v);

/* Containers (translate_container.c). */
void podmap_tr_containers(podmap_tr_ctx *c);
/* Volumes (translate_volume.c). */
void podmap_tr_volumes(podmap_tr_ctx *c);
/* Volume mounts of one container into ctr (wire shape); base is the field path. */
void podmap_tr_mounts(podmap_tr_ctx *c, const cJSON *container, const char *base, const kv_list *env, cJSON *ctr);
/* Registry credentials (translate_volume.c). */
void podmap_tr_pull_secrets(podmap_tr_ctx *c);
/* Resource collection and group sizing (translate_res.c). */
void podmap_tr_collect_resources(podmap_tr_ctx *c);
void podmap_tr_group_resources(podmap_tr_ctx *c);

/* Whether a volume named name was translated (exists in c->req "Volume"). */
int podmap_tr_volume_known(podmap_tr_ctx *c, const char *name);

#endif
