/* ImageCache objects (ACK's CRD imagecaches.eci.alibabacloud.com/v1,
 * cluster-scoped) and the ECI image-cache operations: an object's spec →
 * a CreateImageCache request, an ECI cache → the object's status. Pure: no
 * I/O, the Secrets named by spec.imagePullSecrets are read by the caller and
 * handed in. */
#ifndef PROVIDER_PODMAP_IMAGECACHE_H
#define PROVIDER_PODMAP_IMAGECACHE_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "eci/types.h"

#define PODMAP_IMC_GROUP "eci.alibabacloud.com"
#define PODMAP_IMC_VERSION "v1"
#define PODMAP_IMC_KIND "ImageCache"
#define PODMAP_IMC_RESOURCE "imagecaches"
/* Held by every ImageCache whose cache may exist, until DeleteImageCache
 * succeeded (or the cache is gone). */
#define PODMAP_IMC_FINALIZER "eci-kubelet/image-cache"
/* Tag keys on the caches the bridge creates (with PODMAP_TAG_CLUSTER). */
#define PODMAP_IMC_TAG_NAME "eci-kubelet/imagecache"
#define PODMAP_IMC_TAG_UID "eci-kubelet/uid"

/* Bounds from ACK's ImageCache documentation. */
#define PODMAP_IMC_MAX_IMAGES 20
#define PODMAP_IMC_SIZE_MIN 20
#define PODMAP_IMC_SIZE_MAX 32768
#define PODMAP_IMC_DAYS_MIN 1
#define PODMAP_IMC_DAYS_MAX 65536

/* Where the bridge creates caches (the node's settings; ImageCache
 * annotations override vSwitch, security group and resource group). */
typedef struct podmap_imc_config {
    const char *cluster_name;
    const char *security_group_id;
    const char *vswitch_id; /* the first vSwitch of the node's list */
    const char *resource_group_id;
} podmap_imc_config;

/* A Secret named by spec.imagePullSecrets. */
typedef struct podmap_imc_ref {
    char *ns;
    char *name;
} podmap_imc_ref;

typedef struct podmap_imc_spec {
    /* Valid: the request without credentials (podmap_imc_add_secret adds
     * them); ClientToken from the object's uid. */
    eci_create_image_cache_req req;
    podmap_imc_ref *secrets;
    size_t n_secrets;
    /* Invalid: the field at fault ("spec.images", ...) and a message that
     * names it. */
    char *field;
    char *message;
    /* Valid or not: settings that have no effect here (ACK annotations
     * CreateImageCache has no parameter for), one message each. */
    char **ignored;
    size_t n_ignored;
} podmap_imc_spec;

/* Check obj (an ImageCache) and build its CreateImageCache request into
 * *out (zeroed first; release with podmap_imc_spec_free). Returns 0 when
 * valid, -1 with out->field and out->message set when not. Any JSON shape
 * is accepted: a bad shape is an invalid spec, never a crash. */
int podmap_imc_parse(const cJSON *obj, const podmap_imc_config *cfg, podmap_imc_spec *out);
void podmap_imc_spec_free(podmap_imc_spec *s);

/* Add the registry credentials of secret (a core/v1 Secret object) to the
 * request; ref names it in the message. Returns 0, or -1 with out->field
 * ("spec.imagePullSecrets[i]") and out->message set when the Secret holds no
 * docker config. Secret values never reach the message. */
int podmap_imc_add_secret(podmap_imc_spec *s, size_t i, const cJSON *secret);

/* The status of obj for the cache c as DescribeImageCaches returned it:
 * phase (ECI's Status: Preparing, Creating, Ready, Failed), imageCacheId,
 * progress, snapshotId, startTime, expireDateTime, events (ECI's, lower
 * camel case), observedGeneration; now (RFC 3339) as lastUpdatedTime.
 * Caller frees. */
cJSON *podmap_imc_status(const cJSON *obj, const eci_image_cache *c, const char *now);
/* The status of a cache just created (phase Creating, progress "0%", no
 * events yet) or of an object that cannot get one (phase Failed, reason,
 * message). id may be NULL. Caller frees. */
cJSON *podmap_imc_status_phase(const cJSON *obj, const char *phase, const char *id, const char *reason,
                               const char *message, const char *now);
/* 1 when want differs from the status cur (either may be NULL) in
 * anything but lastUpdatedTime. */
int podmap_imc_status_changed(const cJSON *cur, const cJSON *want);

/* The object's status.imageCacheId and status.phase (borrowed, NULL when
 * absent). */
const char *podmap_imc_id(const cJSON *obj);
const char *podmap_imc_phase(const cJSON *obj);

#endif
