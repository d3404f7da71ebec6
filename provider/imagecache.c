/* The ImageCache controller (imagecache.h).
 *
 * A reconcile re-reads the object from the informer and makes ECI match,
 * like the pod workers: keys (the object's name), not events, so a lost or
 * doubled event cannot create twice or delete wrongly. CreateImageCache
 * carries a ClientToken derived from the object's uid, and the caches carry
 * the uid as a tag, so a create whose answer or status write was lost is
 * found again instead of made twice. */
#include "provider/imagecache.h"
#include "k8s/events.h"
#include "k8s/informer.h"
#include "provider/podmap/imagecache.h"
#include "provider/workqueue.h"
#include "util/log.h"
#include "util/timefmt.h"
#include "util/xmalloc.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COMP "imagecache"

const k8s_resource PROV_RES_IMAGECACHES = {PODMAP_IMC_GROUP, PODMAP_IMC_VERSION, PODMAP_IMC_RESOURCE,
                                           PODMAP_IMC_KIND, 0};

struct prov_imc {
    prov_imc_opts o;
    k8s_informer *inf;
    k8s_recorder *rec;
    prov_wq *wq;
    atomic_int stop;
    atomic_int active; /* reconciles run only while set (the leader of the ImageCache Lease) */
    pthread_t worker;
    pthread_mutex_t mu;
    char last_watch_error[768]; /* guarded by mu: log a watch failure once per change */
    /* uid -> cache id of the caches this controller made whose status write
     * the informer has not shown yet (the worker's alone): a reconcile in
     * between follows that cache instead of asking for another. */
    cJSON *created;
};

/* ---- informer handlers --------------------------------------------------- */

static void queue_obj(prov_imc *m, const cJSON *obj)
{
    const char *name = k8s_meta_str(obj, "name");
    if (name)
        prov_wq_add(m->wq, name);
}

static void on_add(const cJSON *obj, void *arg)
{
    queue_obj(arg, obj);
}

/* Status writes (ours) change neither the generation nor the finalizers:
 * they do not queue the object again. */
static void on_update(const cJSON *old, const cJSON *obj, void *arg)
{
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(old, "metadata");
    const cJSON *b = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
    const char *keys[] = {"generation", "deletionTimestamp", "finalizers"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        const cJSON *x = cJSON_GetObjectItemCaseSensitive(a, keys[i]);
        const cJSON *y = cJSON_GetObjectItemCaseSensitive(b, keys[i]);
        if ((x == NULL) != (y == NULL) || (x && !cJSON_Compare(x, y, 1))) {
            queue_obj(arg, obj);
            return;
        }
    }
}

static void on_delete(const cJSON *obj, void *arg)
{
    prov_imc *m = arg;
    const char *name = k8s_meta_str(obj, "name");
    if (name)
        prov_wq_forget(m->wq, name);
}

static void on_watch_error(const k8s_error *err, void *arg)
{
    prov_imc *m = arg;
    char buf[768];
    k8s_error_format(err, buf, sizeof buf);
    pthread_mutex_lock(&m->mu);
    int fresh = strncmp(m->last_watch_error, buf, sizeof m->last_watch_error - 1) != 0;
    snprintf(m->last_watch_error, sizeof m->last_watch_error, "%s", buf);
    pthread_mutex_unlock(&m->mu);
    if (fresh)
        log_warn(COMP, "ImageCache watch (retrying; is the CRD of deploy/ installed?): %s", buf);
}

/* ---- writes ---------------------------------------------------------------- */

static void now_str(char *buf, size_t n)
{
    timefmt_now(0, buf, n);
}

/* Events need the object's apiVersion and kind, which listed items may lack. */
static void event(prov_imc *m, const cJSON *obj, const char *type, const char *reason, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static void event(prov_imc *m, const cJSON *obj, const char *type, const char *reason, const char *fmt, ...)
{
    cJSON *o = cJSON_Duplicate(obj, 1);
    cJSON_DeleteItemFromObjectCaseSensitive(o, "apiVersion");
    cJSON_DeleteItemFromObjectCaseSensitive(o, "kind");
    cJSON_AddStringToObject(o, "apiVersion", PODMAP_IMC_GROUP "/" PODMAP_IMC_VERSION);
    cJSON_AddStringToObject(o, "kind", PODMAP_IMC_KIND);
    va_list ap;
    va_start(ap, fmt);
    char *msg = xvasprintf(fmt, ap);
    va_end(ap);
    k8s_error err;
    k8s_record_event(m->rec, o, type, reason, msg, &err);
    free(msg);
    cJSON_Delete(o);
}

/* Merge-patch status to want: keys the current status has and want lacks
 * are set to null, so the patch replaces it exactly. 0, or -1 (logged). */
static int write_status(prov_imc *m, const cJSON *obj, cJSON *want)
{
    const cJSON *cur = cJSON_GetObjectItemCaseSensitive(obj, "status");
    if (!podmap_imc_status_changed(cur, want))
        return 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, cur)
    {
        if (it->string && !cJSON_GetObjectItemCaseSensitive(want, it->string))
            cJSON_AddNullToObject(want, it->string);
    }
    cJSON *patch = cJSON_CreateObject();
    cJSON_AddItemReferenceToObject(patch, "status", want);
    k8s_error err;
    int rc = k8s_patch(m->o.kc, &PROV_RES_IMAGECACHES, NULL, k8s_meta_str(obj, "name"), "status", K8S_PATCH_MERGE,
                       patch, NULL, &err);
    cJSON_Delete(patch);
    if (rc != 0 && err.code != K8S_E_NOT_FOUND) {
        char buf[768];
        log_warn(COMP, "ImageCache %s: status: %s", k8s_meta_str(obj, "name"), k8s_error_format(&err, buf, sizeof buf));
        return -1;
    }
    return 0;
}

static int has_finalizer(const cJSON *obj)
{
    const cJSON *f;
    cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(obj, "metadata"),
                                                           "finalizers"))
    {
        if (cJSON_IsString(f) && !strcmp(f->valuestring, PODMAP_IMC_FINALIZER))
            return 1;
    }
    return 0;
}

typedef struct fin_arg {
    int add;
    const char *uid;
} fin_arg;

/* k8s_update_retry mutation: add or remove the finalizer (on the same
 * incarnation only). */
static int mutate_finalizer(cJSON *obj, void *arg)
{
    fin_arg *a = arg;
    const char *uid = k8s_meta_str(obj, "uid");
    if (!uid || strcmp(uid, a->uid))
        return 1;
    cJSON *md = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
    cJSON *fin = cJSON_GetObjectItemCaseSensitive(md, "finalizers");
    if (a->add) {
        if (has_finalizer(obj))
            return 1;
        if (k8s_meta_str(obj, "deletionTimestamp"))
            return 1; /* no new finalizer on an object going away */
        if (!cJSON_IsArray(fin)) {
            cJSON_DeleteItemFromObjectCaseSensitive(md, "finalizers");
            fin = cJSON_AddArrayToObject(md, "finalizers");
        }
        cJSON_AddItemToArray(fin, cJSON_CreateString(PODMAP_IMC_FINALIZER));
        return 0;
    }
    for (int i = cJSON_GetArraySize(fin) - 1; i >= 0; i--) {
        const cJSON *f = cJSON_GetArrayItem(fin, i);
        if (cJSON_IsString(f) && !strcmp(f->valuestring, PODMAP_IMC_FINALIZER)) {
            cJSON_DeleteItemFromArray(fin, i);
            return 0;
        }
    }
    return 1;
}

static int set_finalizer(prov_imc *m, const cJSON *obj, int add)
{
    fin_arg a = {add, k8s_meta_str(obj, "uid")};
    if (!a.uid)
        return -1;
    k8s_error err;
    if (k8s_update_retry(m->o.kc, &PROV_RES_IMAGECACHES, NULL, k8s_meta_str(obj, "name"), NULL, 5, mutate_finalizer,
                         &a, NULL, &err) != 0 &&
        err.code != K8S_E_NOT_FOUND) {
        char buf[768];
        log_warn(COMP, "ImageCache %s: %s the finalizer: %s", k8s_meta_str(obj, "name"), add ? "adding" : "removing",
                 k8s_error_format(&err, buf, sizeof buf));
        return -1;
    }
    return 0;
}

/* ---- reconcile --------------------------------------------------------------- */

typedef enum { R_DONE, R_POLL, R_RESYNC, R_RETRY } r_next;

/* Every cache of this object: by the id in its status, and by its uid tag
 * (a create whose answer or status write was lost). */
static int delete_caches(prov_imc *m, const cJSON *obj, const char *id)
{
    const char *name = k8s_meta_str(obj, "name");
    eci_error err;
    char buf[1024];
    if (id && *id && m->o.be->imc_delete(m->o.be->ud, id, &err) != 0) {
        event(m, obj, "Warning", "DeleteImageCacheFailed", "DeleteImageCache %s: %s", id,
              eci_error_format(&err, buf, sizeof buf));
        return -1;
    }
    eci_describe_image_caches_resp resp;
    if (m->o.be->imc_describe(m->o.be->ud, NULL, k8s_meta_str(obj, "uid"), &resp, &err) != 0) {
        eci_describe_image_caches_resp_free(&resp);
        log_warn(COMP, "ImageCache %s: DescribeImageCaches: %s", name, eci_error_format(&err, buf, sizeof buf));
        return -1;
    }
    int rc = 0;
    for (size_t i = 0; i < resp.n_caches && rc == 0; i++) {
        const char *cid = resp.caches[i].image_cache_id;
        if (cid && m->o.be->imc_delete(m->o.be->ud, cid, &err) != 0) {
            event(m, obj, "Warning", "DeleteImageCacheFailed", "DeleteImageCache %s: %s", cid,
                  eci_error_format(&err, buf, sizeof buf));
            rc = -1;
        }
    }
    eci_describe_image_caches_resp_free(&resp);
    if (rc == 0)
        log_info(COMP, "ImageCache %s: cache %s deleted", name, id && *id ? id : "(none made)");
    return rc;
}

static r_next fail_spec(prov_imc *m, const cJSON *obj, const char *reason, const char *message, r_next next)
{
    char now[40];
    now_str(now, sizeof now);
    const char *phase = podmap_imc_phase(obj);
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(obj, "status");
    const char *old = cJSON_IsString(cJSON_GetObjectItemCaseSensitive(st, "message"))
                          ? cJSON_GetObjectItemCaseSensitive(st, "message")->valuestring
                          : NULL;
    if (!phase || strcmp(phase, "Failed") || !old || strcmp(old, message))
        event(m, obj, "Warning", reason, "%s", message);
    cJSON *want = podmap_imc_status_phase(obj, "Failed", NULL, reason, message, now);
    write_status(m, obj, want);
    cJSON_Delete(want);
    return next;
}

/* Read the Secrets of spec.imagePullSecrets into s. R_DONE when all were
 * read; otherwise the object is Failed with the reason and retried (the
 * Secret or the right to read it may come). */
static r_next read_secrets(prov_imc *m, const cJSON *obj, podmap_imc_spec *s)
{
    for (size_t i = 0; i < s->n_secrets; i++) {
        const podmap_imc_ref *r = &s->secrets[i];
        cJSON *sec = NULL;
        k8s_error err;
        char msg[600];
        if (k8s_get(m->o.kc, &K8S_RES_SECRETS, r->ns, r->name, &sec, &err) != 0) {
            if (err.code == K8S_E_NOT_FOUND)
                snprintf(msg, sizeof msg, "spec.imagePullSecrets[%zu]: Secret %s/%s not found", i, r->ns, r->name);
            else if (err.code == K8S_E_FORBIDDEN)
                snprintf(msg, sizeof msg,
                         "spec.imagePullSecrets[%zu]: the bridge may not read Secret %s/%s; bind ClusterRole "
                         "eci-kubelet-imagecache-secrets to its service account in namespace %s",
                         i, r->ns, r->name, r->ns);
            else
                snprintf(msg, sizeof msg, "spec.imagePullSecrets[%zu]: reading Secret %s/%s failed: %s", i, r->ns,
                         r->name, k8s_errname(err.code));
            cJSON_Delete(sec);
            return fail_spec(m, obj, "ImagePullSecretUnavailable", msg, R_RETRY);
        }
        int rc = podmap_imc_add_secret(s, i, sec);
        cJSON_Delete(sec);
        if (rc != 0)
            return fail_spec(m, obj, "InvalidImagePullSecret", s->message, R_RETRY);
    }
    return R_DONE;
}

static r_next create(prov_imc *m, const cJSON *obj, podmap_imc_spec *s)
{
    const char *name = k8s_meta_str(obj, "name");
    r_next n = read_secrets(m, obj, s);
    if (n != R_DONE)
        return n;
    for (size_t i = 0; i < s->n_ignored; i++)
        event(m, obj, "Warning", "IgnoredSetting", "%s", s->ignored[i]);
    char *id = NULL;
    eci_error err;
    char buf[1024];
    if (m->o.be->imc_create(m->o.be->ud, &s->req, &id, &err) != 0) {
        free(id);
        eci_class cl = eci_error_classify(&err);
        eci_error_format(&err, buf, sizeof buf);
        if (cl == ECI_CLASS_THROTTLED || cl == ECI_CLASS_TRANSIENT) {
            log_warn(COMP, "ImageCache %s: CreateImageCache (retrying): %s", name, buf);
            return R_RETRY;
        }
        char msg[1200];
        snprintf(msg, sizeof msg, "CreateImageCache: %s", buf);
        return fail_spec(m, obj, "CreateImageCacheFailed", msg, R_DONE);
    }
    log_info(COMP, "ImageCache %s: cache %s created (%zu images)", name, id, s->req.images.n);
    const char *uid = k8s_meta_str(obj, "uid");
    cJSON_DeleteItemFromObjectCaseSensitive(m->created, uid);
    cJSON_AddStringToObject(m->created, uid, id);
    event(m, obj, "Normal", "ImageCacheCreating", "CreateImageCache: cache %s for %zu images", id, s->req.images.n);
    char now[40];
    now_str(now, sizeof now);
    cJSON *want = podmap_imc_status_phase(obj, "Creating", id, NULL, NULL, now);
    write_status(m, obj, want);
    cJSON_Delete(want);
    free(id);
    return R_POLL;
}

static r_next follow(prov_imc *m, const cJSON *obj, const char *id)
{
    const char *name = k8s_meta_str(obj, "name");
    eci_describe_image_caches_resp resp;
    eci_error err;
    char buf[1024];
    if (m->o.be->imc_describe(m->o.be->ud, id, NULL, &resp, &err) != 0) {
        eci_describe_image_caches_resp_free(&resp);
        log_warn(COMP, "ImageCache %s: DescribeImageCaches: %s", name, eci_error_format(&err, buf, sizeof buf));
        return R_RETRY;
    }
    const eci_image_cache *c = NULL;
    for (size_t i = 0; i < resp.n_caches && !c; i++)
        if (resp.caches[i].image_cache_id && !strcmp(resp.caches[i].image_cache_id, id))
            c = &resp.caches[i];
    char now[40];
    now_str(now, sizeof now);
    const char *old = podmap_imc_phase(obj);
    r_next next = R_RESYNC;
    cJSON *want;
    if (!c) {
        char msg[300];
        snprintf(msg, sizeof msg, "image cache %s no longer exists (expired or deleted outside Kubernetes)", id);
        if (!old || strcmp(old, "Failed"))
            event(m, obj, "Warning", "ImageCacheNotFound", "%s", msg);
        want = podmap_imc_status_phase(obj, "Failed", id, "ImageCacheNotFound", msg, now);
        next = R_DONE;
    } else {
        want = podmap_imc_status(obj, c, now);
        const char *ph = c->status ? c->status : "";
        if (!old || strcmp(old, ph)) {
            if (!strcmp(ph, "Ready"))
                event(m, obj, "Normal", "ImageCacheReady", "image cache %s is Ready (snapshot %s)", id,
                      c->snapshot_id ? c->snapshot_id : "");
            else if (!strcmp(ph, "Failed"))
                event(m, obj, "Warning", "ImageCacheFailed", "image cache %s Failed: %s", id,
                      cJSON_GetObjectItemCaseSensitive(want, "message")->valuestring);
        }
        if (strcmp(ph, "Ready") && strcmp(ph, "Failed"))
            next = R_POLL;
    }
    eci_describe_image_caches_resp_free(&resp);
    int wrc = write_status(m, obj, want);
    cJSON_Delete(want);
    return wrc != 0 ? R_RETRY : next;
}

static r_next reconcile(prov_imc *m, const char *name)
{
    cJSON *obj = k8s_informer_get(m->inf, NULL, name);
    if (!obj)
        return R_DONE;
    r_next next = R_DONE;
    /* the cache id: the status's, or that of a create whose status write the
     * informer has not shown yet */
    const char *uid = k8s_meta_str(obj, "uid"), *id = podmap_imc_id(obj);
    const cJSON *made = uid ? cJSON_GetObjectItemCaseSensitive(m->created, uid) : NULL;
    char *made_id = cJSON_IsString(made) ? xstrdup(made->valuestring) : NULL;
    if (made && id && *id)
        cJSON_DeleteItemFromObjectCaseSensitive(m->created, uid);
    if ((!id || !*id) && made_id)
        id = made_id;
    if (k8s_meta_str(obj, "deletionTimestamp")) {
        if (has_finalizer(obj))
            next = delete_caches(m, obj, id) == 0 && set_finalizer(m, obj, 0) == 0 ? R_DONE : R_RETRY;
        if (next == R_DONE && uid)
            cJSON_DeleteItemFromObjectCaseSensitive(m->created, uid);
        free(made_id);
        cJSON_Delete(obj);
        return next;
    }
    if (!has_finalizer(obj)) {
        /* the finalizer first, so no cache exists without it; the update's
         * watch event (or the poll) brings the object back with it */
        int rc = set_finalizer(m, obj, 1);
        free(made_id);
        cJSON_Delete(obj);
        return rc == 0 ? R_POLL : R_RETRY;
    }
    podmap_imc_spec s;
    int valid = podmap_imc_parse(obj, &m->o.cfg, &s) == 0;
    if (id && *id) {
        const cJSON *gen = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(obj, "metadata"),
                                                            "generation");
        const cJSON *seen = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(obj, "status"),
                                                             "observedGeneration");
        if (cJSON_IsNumber(gen) && cJSON_IsNumber(seen) && gen->valuedouble != seen->valuedouble)
            event(m, obj, "Warning", "SpecChangeNotApplied",
                  "image cache %s keeps the images it was built with; delete and re-create the ImageCache to "
                  "change them",
                  id);
        next = follow(m, obj, id);
    } else if (!valid) {
        next = fail_spec(m, obj, "InvalidSpec", s.message, R_DONE);
    } else {
        next = create(m, obj, &s);
    }
    podmap_imc_spec_free(&s);
    free(made_id);
    cJSON_Delete(obj);
    return next;
}

static void *worker(void *arg)
{
    prov_imc *m = arg;
    while (!atomic_load(&m->stop)) {
        char *key = prov_wq_get_within(m->wq, 1000);
        if (!key)
            continue;
        /* a standby keeps its cache (for the pods' lookups) and acts on nothing */
        r_next n = atomic_load(&m->active) ? reconcile(m, key) : R_DONE;
        switch (n) {
        case R_DONE:
            prov_wq_forget(m->wq, key);
            break;
        case R_POLL:
            prov_wq_forget(m->wq, key);
            prov_wq_add_after(m->wq, key, m->o.poll_ms);
            break;
        case R_RESYNC:
            prov_wq_forget(m->wq, key);
            prov_wq_add_after(m->wq, key, m->o.resync_ms);
            break;
        case R_RETRY:
            prov_wq_add_rate_limited(m->wq, key);
            break;
        }
        prov_wq_done(m->wq, key);
        free(key);
    }
    return NULL;
}

/* ---- lifecycle ------------------------------------------------------------------ */

prov_imc *prov_imc_start(const prov_imc_opts *o)
{
    prov_imc *m = xcalloc(1, sizeof *m);
    m->o = *o;
    if (m->o.poll_ms <= 0)
        m->o.poll_ms = 2000;
    if (m->o.resync_ms <= 0)
        m->o.resync_ms = 300000;
    pthread_mutex_init(&m->mu, NULL);
    m->wq = prov_wq_new(1000, 300000);
    m->created = cJSON_CreateObject();
    k8s_recorder_opts ro = {0};
    ro.component = "eci-kubelet";
    ro.host = o->host;
    ro.qps = 5;
    ro.burst = 50;
    ro.queue_size = 1000;
    m->rec = k8s_recorder_new(o->kc, &ro);
    k8s_informer_opts io = {0};
    io.resource = &PROV_RES_IMAGECACHES;
    io.transform = k8s_transform_strip_meta;
    io.handlers.on_add = on_add;
    io.handlers.on_update = on_update;
    io.handlers.on_delete = on_delete;
    io.handlers.arg = m;
    io.on_error = on_watch_error;
    k8s_error kerr;
    if (k8s_informer_start(o->kc, &io, &m->inf, &kerr) != 0) {
        char buf[768];
        log_error(COMP, "ImageCache informer: %s", k8s_error_format(&kerr, buf, sizeof buf));
        k8s_recorder_free(m->rec);
        prov_wq_free(m->wq);
        cJSON_Delete(m->created);
        pthread_mutex_destroy(&m->mu);
        free(m);
        return NULL;
    }
    pthread_create(&m->worker, NULL, worker, m);
    log_info(COMP, "ImageCache controller started");
    return m;
}

void prov_imc_stop(prov_imc *m)
{
    if (!m)
        return;
    atomic_store(&m->stop, 1);
    prov_wq_shutdown(m->wq);
    pthread_join(m->worker, NULL);
    k8s_informer_stop(m->inf);
    k8s_recorder_flush(m->rec, 2000);
    k8s_recorder_free(m->rec);
    prov_wq_free(m->wq);
    cJSON_Delete(m->created);
    pthread_mutex_destroy(&m->mu);
    free(m);
}

static int queue_each(const cJSON *obj, void *arg)
{
    queue_obj(arg, obj);
    return 0;
}

void prov_imc_set_active(prov_imc *m, int active)
{
    if (!m || atomic_exchange(&m->active, active ? 1 : 0) == (active ? 1 : 0))
        return;
    log_info(COMP, "ImageCache controller %s", active ? "active" : "standing by");
    if (active)
        k8s_informer_each(m->inf, NULL, queue_each, m);
}

int prov_imc_lookup(prov_imc *m, const char *name, char **id, char **reason)
{
    *id = NULL;
    if (reason)
        *reason = NULL;
    if (!m)
        return 0;
    cJSON *obj = k8s_informer_get(m->inf, NULL, name);
    if (!obj)
        return 0;
    const char *ph = podmap_imc_phase(obj), *cid = podmap_imc_id(obj);
    int rc;
    if (ph && !strcmp(ph, "Ready") && cid && *cid && !k8s_meta_str(obj, "deletionTimestamp")) {
        *id = xstrdup(cid);
        rc = 1;
    } else {
        rc = (ph && !strcmp(ph, "Failed")) || k8s_meta_str(obj, "deletionTimestamp") ? 3 : 2;
        if (reason)
            *reason = xstrdup(k8s_meta_str(obj, "deletionTimestamp") ? "being deleted" : ph ? ph : "not yet created");
    }
    cJSON_Delete(obj);
    return rc;
}
