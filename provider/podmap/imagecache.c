/* ImageCache object ↔ ECI image cache (imagecache.h). */
#include "provider/podmap/imagecache.h"
#include "provider/podmap/translate_int.h"
#include "util/xmalloc.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ACK "k8s.aliyun.com/"

static int invalid(podmap_imc_spec *s, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int invalid(podmap_imc_spec *s, const char *field, const char *fmt, ...)
{
    if (s->field) /* the first fault is the one reported */
        return -1;
    s->field = xstrdup(field);
    va_list ap;
    va_start(ap, fmt);
    char *m = xvasprintf(fmt, ap);
    va_end(ap);
    s->message = xasprintf("%s: %s", field, m);
    free(m);
    return -1;
}

static void ignored(podmap_imc_spec *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void ignored(podmap_imc_spec *s, const char *fmt, ...)
{
    s->ignored = xrealloc(s->ignored, (s->n_ignored + 1) * sizeof *s->ignored);
    va_list ap;
    va_start(ap, fmt);
    s->ignored[s->n_ignored++] = xvasprintf(fmt, ap);
    va_end(ap);
}

/* A DNS-1123 label or subdomain as Kubernetes names are (<= 253). */
static int k8s_name_ok(const char *v, size_t max)
{
    size_t n = strlen(v);
    if (n == 0 || n > max || !isalnum((unsigned char)v[0]) || !isalnum((unsigned char)v[n - 1]))
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!(islower((unsigned char)v[i]) || isdigit((unsigned char)v[i]) || v[i] == '-' || v[i] == '.'))
            return 0;
    return 1;
}

/* An image reference: printable, no blanks, at most 255 characters (the
 * length ECI allows for Container.N.Image). */
static int image_ok(const char *v)
{
    size_t n = strlen(v);
    if (n == 0 || n > 255)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isgraph((unsigned char)v[i]))
            return 0;
    return 1;
}

static void add_ref(podmap_imc_spec *s, const char *ns, const char *name)
{
    s->secrets = xrealloc(s->secrets, (s->n_secrets + 1) * sizeof *s->secrets);
    s->secrets[s->n_secrets].ns = xstrdup(ns);
    s->secrets[s->n_secrets].name = xstrdup(name);
    s->n_secrets++;
}

/* spec.imagePullSecrets[i]: "namespace:name" (ACK's form) or
 * {"namespace": .., "name": ..}. */
static int pull_secret(podmap_imc_spec *s, int i, const cJSON *it)
{
    char path[64];
    snprintf(path, sizeof path, "spec.imagePullSecrets[%d]", i);
    char ns[254] = "", name[254] = "";
    if (cJSON_IsString(it)) {
        const char *v = it->valuestring, *colon = strchr(v, ':');
        if (!colon || (size_t)(colon - v) >= sizeof ns || strlen(colon + 1) >= sizeof name)
            return invalid(s, path, "\"%.80s\" is not of the form namespace:name", v);
        memcpy(ns, v, (size_t)(colon - v));
        snprintf(name, sizeof name, "%s", colon + 1);
    } else if (cJSON_IsObject(it)) {
        const char *a = podmap_tr_str(it, "namespace"), *b = podmap_tr_str(it, "name");
        if (!a || !b || strlen(a) >= sizeof ns || strlen(b) >= sizeof name)
            return invalid(s, path, "needs a namespace and a name");
        snprintf(ns, sizeof ns, "%s", a);
        snprintf(name, sizeof name, "%s", b);
    } else {
        return invalid(s, path, "must be a string \"namespace:name\"");
    }
    if (!k8s_name_ok(ns, 63))
        return invalid(s, path, "namespace \"%.80s\" is not a valid namespace name", ns);
    if (!k8s_name_ok(name, 253))
        return invalid(s, path, "\"%.80s\" is not a valid Secret name", name);
    add_ref(s, ns, name);
    return 0;
}

/* An integer field within [lo, hi]; absent is fine (*set 0). */
static int int_field(podmap_imc_spec *s, const cJSON *spec, const char *key, long lo, long hi, eci_opt_int *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(spec, key);
    if (!v || cJSON_IsNull(v))
        return 0;
    char path[64];
    snprintf(path, sizeof path, "spec.%s", key);
    if (!cJSON_IsNumber(v))
        return invalid(s, path, "must be an integer");
    /* the range first: a double beyond int64 must not be converted */
    if (!(v->valuedouble >= (double)lo && v->valuedouble <= (double)hi))
        return invalid(s, path, "%.15g is out of range [%ld, %ld]", v->valuedouble, lo, hi);
    if (v->valuedouble != (double)(int64_t)v->valuedouble)
        return invalid(s, path, "must be an integer");
    *out = ECI_INT((int64_t)v->valuedouble);
    return 0;
}

/* ImageCacheName from the object's name: ECI wants 2-128 characters
 * starting with a letter; Kubernetes names may start with a digit and
 * hold dots. */
static char *cache_name(const char *name)
{
    char *n = xasprintf("%s%s", isalpha((unsigned char)name[0]) ? "" : "ic-", name);
    for (char *p = n; *p; p++)
        if (*p == '.')
            *p = '-';
    char *r = podmap_tag_value(n);
    free(n);
    return r;
}

static void add_tag(eci_create_image_cache_req *r, const char *k, const char *v)
{
    eci_tag *t = ECI_APPEND(r->tags, r->n_tags);
    t->key = xstrdup(k);
    t->value = podmap_tag_value(v);
}

/* ACK's creation annotations: those with a CreateImageCache parameter are
 * applied, the others reported as ignored. */
static int annotations(podmap_imc_spec *s, const cJSON *ann)
{
    eci_create_image_cache_req *r = &s->req;
    const char *v;
    if ((v = podmap_tr_str(ann, ACK "vswitch-ids")) != NULL) {
        char first[64] = "";
        size_t n = strcspn(v, ",");
        if (n == 0 || n >= sizeof first)
            return invalid(s, "metadata.annotations[" ACK "vswitch-ids]", "\"%.80s\" is not a vSwitch list", v);
        memcpy(first, v, n);
        if (!podmap_tr_id_ok(first, "vsw-"))
            return invalid(s, "metadata.annotations[" ACK "vswitch-ids]", "\"%.80s\" is not a vSwitch id (vsw-...)",
                           first);
        if (v[n])
            ignored(s, "metadata.annotations[" ACK "vswitch-ids]: CreateImageCache takes one vSwitch; %s is used",
                    first);
        xstrset(&r->vswitch_id, first);
    }
    static const struct {
        const char *key, *prefix;
        size_t off;
    } ids[] = {
        {ACK "security-group-id", "sg-", offsetof(eci_create_image_cache_req, security_group_id)},
        {ACK "resource-group-id", "rg-", offsetof(eci_create_image_cache_req, resource_group_id)},
        {ACK "eci-eip-instanceid", "eip-", offsetof(eci_create_image_cache_req, eip_instance_id)},
    };
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        if ((v = podmap_tr_str(ann, ids[i].key)) == NULL)
            continue;
        if (!podmap_tr_id_ok(v, ids[i].prefix)) {
            char path[128];
            snprintf(path, sizeof path, "metadata.annotations[%s]", ids[i].key);
            return invalid(s, path, "\"%.80s\" is not an id (%s...)", v, ids[i].prefix);
        }
        xstrset((char **)((char *)r + ids[i].off), v);
    }
    static const char *const unsupported[] = {ACK "acr-instance-ids", ACK "imc-cpu-arch", ACK "imc-os-type",
                                              ACK "eci-with-eip"};
    for (size_t i = 0; i < sizeof unsupported / sizeof unsupported[0]; i++)
        if (podmap_tr_str(ann, unsupported[i]))
            ignored(s, "metadata.annotations[%s]: CreateImageCache has no parameter for it; ignored", unsupported[i]);
    return 0;
}

int podmap_imc_parse(const cJSON *obj, const podmap_imc_config *cfg, podmap_imc_spec *out)
{
    memset(out, 0, sizeof *out);
    eci_create_image_cache_req *r = &out->req;
    const cJSON *md = podmap_tr_obj(obj, "metadata");
    const char *name = podmap_tr_str(md, "name"), *uid = podmap_tr_str(md, "uid");
    if (!name || !k8s_name_ok(name, 253))
        return invalid(out, "metadata.name", "missing or not a valid name");
    if (!uid || !*uid || strlen(uid) > 64)
        return invalid(out, "metadata.uid", "missing");
    const cJSON *spec = podmap_tr_obj(obj, "spec");
    if (!spec)
        return invalid(out, "spec", "required");
    const cJSON *imgs = cJSON_GetObjectItemCaseSensitive(spec, "images");
    if (imgs && !cJSON_IsNull(imgs) && !cJSON_IsArray(imgs))
        return invalid(out, "spec.images", "must be a list of images");
    int n = cJSON_GetArraySize(imgs);
    if (n == 0)
        return invalid(out, "spec.images", "at least one image is required");
    if (n > PODMAP_IMC_MAX_IMAGES)
        return invalid(out, "spec.images", "%d images; at most %d can be cached", n, PODMAP_IMC_MAX_IMAGES);
    for (int i = 0; i < n; i++) {
        const cJSON *it = cJSON_GetArrayItem(imgs, i);
        char path[48];
        snprintf(path, sizeof path, "spec.images[%d]", i);
        if (!cJSON_IsString(it) || !image_ok(it->valuestring))
            return invalid(out, path, "not an image reference");
        for (size_t j = 0; j < r->images.n; j++)
            if (!strcmp(r->images.v[j], it->valuestring))
                return invalid(out, path, "\"%.200s\" is listed twice", it->valuestring);
        eci_strv_add(&r->images, it->valuestring);
    }
    const cJSON *ps = cJSON_GetObjectItemCaseSensitive(spec, "imagePullSecrets");
    if (ps && !cJSON_IsNull(ps) && !cJSON_IsArray(ps))
        return invalid(out, "spec.imagePullSecrets", "must be a list of \"namespace:name\"");
    int np = cJSON_GetArraySize(ps);
    if (np > PODMAP_MAX_CREDENTIALS)
        return invalid(out, "spec.imagePullSecrets", "%d Secrets; ECI takes at most %d registry credentials", np,
                       PODMAP_MAX_CREDENTIALS);
    for (int i = 0; i < np; i++)
        if (pull_secret(out, i, cJSON_GetArrayItem(ps, i)) != 0)
            return -1;
    if (int_field(out, spec, "imageCacheSize", PODMAP_IMC_SIZE_MIN, PODMAP_IMC_SIZE_MAX, &r->image_cache_size) ||
        int_field(out, spec, "retentionDays", PODMAP_IMC_DAYS_MIN, PODMAP_IMC_DAYS_MAX, &r->retention_days))
        return -1;
    r->image_cache_name = cache_name(name);
    r->client_token = podmap_client_token(uid);
    if (cfg->security_group_id && *cfg->security_group_id)
        r->security_group_id = xstrdup(cfg->security_group_id);
    if (cfg->vswitch_id && *cfg->vswitch_id)
        r->vswitch_id = xstrdup(cfg->vswitch_id);
    if (cfg->resource_group_id && *cfg->resource_group_id)
        r->resource_group_id = xstrdup(cfg->resource_group_id);
    if (annotations(out, podmap_tr_obj(md, "annotations")) != 0)
        return -1;
    if (!r->security_group_id)
        return invalid(out, "metadata.annotations[" ACK "security-group-id]",
                       "no security group: set the annotation or eci.securityGroup");
    if (!r->vswitch_id)
        return invalid(out, "metadata.annotations[" ACK "vswitch-ids]", "no vSwitch: set the annotation or eci.vswitches");
    if (cfg->cluster_name && *cfg->cluster_name)
        add_tag(r, PODMAP_TAG_CLUSTER, cfg->cluster_name);
    add_tag(r, PODMAP_IMC_TAG_NAME, name);
    add_tag(r, PODMAP_IMC_TAG_UID, uid);
    return 0;
}

void podmap_imc_spec_free(podmap_imc_spec *s)
{
    if (!s)
        return;
    /* the request may hold registry passwords: wipe them before freeing */
    for (size_t i = 0; i < s->req.n_registry_credentials; i++) {
        char *p = s->req.registry_credentials[i].password;
        if (p)
            memset(p, 0, strlen(p));
    }
    eci_create_image_cache_req_free(&s->req);
    for (size_t i = 0; i < s->n_secrets; i++) {
        free(s->secrets[i].ns);
        free(s->secrets[i].name);
    }
    free(s->secrets);
    for (size_t i = 0; i < s->n_ignored; i++)
        free(s->ignored[i]);
    free(s->ignored);
    free(s->field);
    free(s->message);
    memset(s, 0, sizeof *s);
}

int podmap_imc_add_secret(podmap_imc_spec *s, size_t i, const cJSON *secret)
{
    char path[64];
    snprintf(path, sizeof path, "spec.imagePullSecrets[%zu]", i);
    const char *ref = i < s->n_secrets ? s->secrets[i].name : "";
    cJSON *arr = cJSON_CreateArray();
    int dropped = 0, skipped = 0;
    eci_create_image_cache_req *r = &s->req;
    /* the credentials already taken count against ECI's limit and win for
     * their server, as in a pod's list */
    for (size_t k = 0; k < r->n_registry_credentials; k++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "Server", r->registry_credentials[k].server);
        cJSON_AddItemToArray(arr, o);
    }
    int have = cJSON_GetArraySize(arr);
    int rc = podmap_secret_credentials(secret, arr, &dropped, &skipped);
    if (rc == 0) {
        for (int k = have; k < cJSON_GetArraySize(arr); k++) {
            const cJSON *o = cJSON_GetArrayItem(arr, k);
            eci_registry_credential *c = ECI_APPEND(r->registry_credentials, r->n_registry_credentials);
            c->server = xstrdup(podmap_tr_str(o, "Server"));
            c->user_name = xstrdup(podmap_tr_str(o, "UserName"));
            c->password = xstrdup(podmap_tr_str(o, "Password"));
        }
        if (skipped)
            ignored(s, "%s: %d registries of Secret \"%s\" have no username/password or auth and are not used", path,
                    skipped, ref);
        if (dropped)
            ignored(s, "%s: %d registries left out; ECI takes at most %d credentials", path, dropped,
                    PODMAP_MAX_CREDENTIALS);
    }
    /* wipe the parsed passwords */
    const cJSON *o;
    cJSON_ArrayForEach(o, arr)
    {
        const cJSON *p = cJSON_GetObjectItemCaseSensitive(o, "Password");
        if (cJSON_IsString(p))
            memset(p->valuestring, 0, strlen(p->valuestring));
    }
    cJSON_Delete(arr);
    if (rc != 0)
        return invalid(s, path, "Secret \"%s\" holds no .dockerconfigjson or .dockercfg docker config", ref);
    return 0;
}

static void add_str(cJSON *o, const char *k, const char *v)
{
    if (v && *v)
        cJSON_AddStringToObject(o, k, v);
}

static cJSON *base_status(const cJSON *obj, const char *phase, const char *id, const char *now)
{
    cJSON *st = cJSON_CreateObject();
    add_str(st, "phase", phase);
    add_str(st, "imageCacheId", id);
    const cJSON *gen = cJSON_GetObjectItemCaseSensitive(podmap_tr_obj(obj, "metadata"), "generation");
    if (cJSON_IsNumber(gen))
        cJSON_AddNumberToObject(st, "observedGeneration", gen->valuedouble);
    add_str(st, "lastUpdatedTime", now);
    return st;
}

cJSON *podmap_imc_status(const cJSON *obj, const eci_image_cache *c, const char *now)
{
    cJSON *st = base_status(obj, c->status, c->image_cache_id, now);
    add_str(st, "progress", c->progress);
    add_str(st, "snapshotId", c->snapshot_id);
    add_str(st, "startTime", c->creation_time);
    add_str(st, "expireDateTime", c->expire_date_time);
    cJSON *evs = cJSON_AddArrayToObject(st, "events");
    for (size_t i = 0; i < c->n_events; i++) {
        const eci_event *e = &c->events[i];
        cJSON *o = cJSON_CreateObject();
        add_str(o, "name", e->name);
        add_str(o, "type", e->type);
        add_str(o, "reason", e->reason);
        add_str(o, "message", e->message);
        cJSON_AddNumberToObject(o, "count", (double)e->count);
        add_str(o, "firstTimestamp", e->first_timestamp);
        add_str(o, "lastTimestamp", e->last_timestamp);
        cJSON_AddItemToArray(evs, o);
    }
    /* a failed cache says why: its latest Warning */
    if (c->status && !strcmp(c->status, "Failed")) {
        const char *why = NULL;
        for (size_t i = 0; i < c->n_events; i++)
            if (c->events[i].type && !strcmp(c->events[i].type, "Warning") && c->events[i].message)
                why = c->events[i].message;
        cJSON_AddStringToObject(st, "reason", "ImageCacheFailed");
        cJSON_AddStringToObject(st, "message", why ? why : "ECI reports the image cache Failed");
    }
    return st;
}

cJSON *podmap_imc_status_phase(const cJSON *obj, const char *phase, const char *id, const char *reason,
                               const char *message, const char *now)
{
    cJSON *st = base_status(obj, phase, id, now);
    if (phase && !strcmp(phase, "Creating"))
        cJSON_AddStringToObject(st, "progress", "0%");
    add_str(st, "reason", reason);
    add_str(st, "message", message);
    return st;
}

int podmap_imc_status_changed(const cJSON *cur, const cJSON *want)
{
    if (!cur || !want)
        return cur != want;
    cJSON *a = cJSON_Duplicate(cur, 1), *b = cJSON_Duplicate(want, 1);
    cJSON_DeleteItemFromObjectCaseSensitive(a, "lastUpdatedTime");
    cJSON_DeleteItemFromObjectCaseSensitive(b, "lastUpdatedTime");
    int same = cJSON_Compare(a, b, 1);
    cJSON_Delete(a);
    cJSON_Delete(b);
    return !same;
}

const char *podmap_imc_id(const cJSON *obj)
{
    return podmap_tr_str(podmap_tr_obj(obj, "status"), "imageCacheId");
}

const char *podmap_imc_phase(const cJSON *obj)
{
    return podmap_tr_str(podmap_tr_obj(obj, "status"), "phase");
}
