/* provider/imagecache.c, the ImageCache controller, against the fake
 * apiserver (a real informer over LIST and WATCH) and an in-memory ECI
 * image-cache service: the finalizer first, one CreateImageCache with the
 * object's ClientToken, Creating → Ready through DescribeImageCaches with
 * status and Events, a bad spec Failed naming the field and made once fixed,
 * a transient CreateImageCache error retried and a fatal one Failed, pull
 * secrets read (registry credentials in the request) or refused (missing,
 * forbidden), deletion through the finalizer, the lookups pods use, and a
 * standby that acts on nothing. No thread is left after stop. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "provider/imagecache.h"
#include "tests/fakes/fake_apiserver.h"
#include "tests/unit/unit_threads.h"
#include "util/base64.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/xmalloc.h"

/* ---- an in-memory ECI image-cache service ------------------------------------- */

typedef struct cache {
    char id[32], token[80], uid[64], status[16];
    int describes;
} cache;

typedef struct fake_ecs {
    pthread_mutex_t mu;
    cache c[16];
    int n, seq;
    unsigned creates, describes, deletes;
    int fail_creates;   /* the next creates that fail ... */
    eci_code fail_code; /* ... with this code */
    size_t last_ncreds;
    char last_user[64];
} fake_ecs;

static int ecs_create(void *ud, const eci_create_image_cache_req *req, char **id, eci_error *err)
{
    fake_ecs *f = ud;
    pthread_mutex_lock(&f->mu);
    f->creates++;
    *id = NULL;
    if (f->fail_creates > 0) {
        f->fail_creates--;
        memset(err, 0, sizeof *err);
        err->code = f->fail_code;
        snprintf(err->api_code, sizeof err->api_code, "%s",
                 f->fail_code == ECI_E_UNAVAILABLE ? "ServiceUnavailable" : "InvalidParameter");
        snprintf(err->message, sizeof err->message, "scripted failure");
        pthread_mutex_unlock(&f->mu);
        return -1;
    }
    f->last_ncreds = req->n_registry_credentials;
    snprintf(f->last_user, sizeof f->last_user, "%s",
             req->n_registry_credentials ? req->registry_credentials[0].user_name : "");
    for (int i = 0; i < f->n; i++)
        if (!strcmp(f->c[i].token, req->client_token)) { /* the token's first answer */
            *id = xstrdup(f->c[i].id);
            pthread_mutex_unlock(&f->mu);
            return 0;
        }
    cache *c = &f->c[f->n++];
    memset(c, 0, sizeof *c);
    snprintf(c->id, sizeof c->id, "imc-%d", ++f->seq);
    snprintf(c->token, sizeof c->token, "%s", req->client_token);
    snprintf(c->status, sizeof c->status, "Creating");
    for (size_t i = 0; i < req->n_tags; i++)
        if (!strcmp(req->tags[i].key, PODMAP_IMC_TAG_UID))
            snprintf(c->uid, sizeof c->uid, "%s", req->tags[i].value);
    *id = xstrdup(c->id);
    pthread_mutex_unlock(&f->mu);
    return 0;
}

/* A cache is Ready at its second describe. */
static int ecs_describe(void *ud, const char *id, const char *uid, eci_describe_image_caches_resp *resp,
                        eci_error *err)
{
    (void)err;
    fake_ecs *f = ud;
    memset(resp, 0, sizeof *resp);
    pthread_mutex_lock(&f->mu);
    f->describes++;
    for (int i = 0; i < f->n; i++) {
        cache *c = &f->c[i];
        if (id ? strcmp(c->id, id) != 0 : strcmp(c->uid, uid ? uid : "") != 0)
            continue;
        if (id && ++c->describes >= 2)
            snprintf(c->status, sizeof c->status, "Ready");
        eci_image_cache *o = ECI_APPEND(resp->caches, resp->n_caches);
        o->image_cache_id = xstrdup(c->id);
        o->status = xstrdup(c->status);
        o->progress = xstrdup(strcmp(c->status, "Ready") ? "50%" : "100%");
        o->snapshot_id = xstrdup("s-1");
        o->creation_time = xstrdup("2026-01-01T00:00:00Z");
        o->expire_date_time = xstrdup("2026-01-08T00:00:00Z");
    }
    pthread_mutex_unlock(&f->mu);
    return 0;
}

static int ecs_delete(void *ud, const char *id, eci_error *err)
{
    (void)err;
    fake_ecs *f = ud;
    pthread_mutex_lock(&f->mu);
    f->deletes++;
    for (int i = 0; i < f->n; i++)
        if (!strcmp(f->c[i].id, id)) {
            f->c[i] = f->c[--f->n];
            break;
        }
    pthread_mutex_unlock(&f->mu);
    return 0;
}

static int ecs_count(fake_ecs *f)
{
    pthread_mutex_lock(&f->mu);
    int n = f->n;
    pthread_mutex_unlock(&f->mu);
    return n;
}

/* The next CreateImageCache fails with code. */
static void ecs_fail_next(fake_ecs *f, eci_code code)
{
    pthread_mutex_lock(&f->mu);
    f->fail_creates = 1;
    f->fail_code = code;
    pthread_mutex_unlock(&f->mu);
}

static unsigned ecs_creates(fake_ecs *f)
{
    pthread_mutex_lock(&f->mu);
    unsigned n = f->creates;
    pthread_mutex_unlock(&f->mu);
    return n;
}

/* ---- the fixture ------------------------------------------------------------------ */

typedef struct fx {
    fake_api *api;
    fake_ecs ecs;
    prov_backend be;
    prov_imc *m;
    int threads0;
} fx;

static int setup(void **st)
{
    fx *x = xcalloc(1, sizeof *x);
    x->threads0 = unit_threads();
    x->api = fa_new();
    pthread_mutex_init(&x->ecs.mu, NULL);
    x->be.ud = &x->ecs;
    x->be.imc_create = ecs_create;
    x->be.imc_describe = ecs_describe;
    x->be.imc_delete = ecs_delete;
    prov_imc_opts o = {0};
    o.kc = fa_client(x->api);
    o.be = &x->be;
    o.cfg = (podmap_imc_config){"c1", "sg-1", "vsw-1", NULL};
    o.poll_ms = 50;
    o.resync_ms = 60000;
    o.host = "vk-test";
    x->m = prov_imc_start(&o);
    assert_non_null(x->m);
    *st = x;
    return 0;
}

static int teardown(void **st)
{
    fx *x = *st;
    fa_close_watches(x->api, 1); /* the informers' watches end at once */
    prov_imc_stop(x->m);
    fa_free(x->api);
    pthread_mutex_destroy(&x->ecs.mu);
    if (x->threads0 >= 0)
        assert_int_equal(unit_threads(), x->threads0);
    free(x);
    return 0;
}

static void put(fx *x, const char *name, const char *uid, const char *spec)
{
    char *j = xasprintf("{\"apiVersion\":\"eci.alibabacloud.com/v1\",\"kind\":\"ImageCache\",\"metadata\":{\"name\":"
                        "\"%s\",\"uid\":\"%s\",\"generation\":1},\"spec\":%s}",
                        name, uid, spec);
    cJSON *o = cJSON_Parse(j);
    free(j);
    assert_non_null(o);
    fa_put_imc(x->api, o);
}

static char *field(fx *x, const char *name, const char *key)
{
    cJSON *o = fa_get_imc(x->api, name);
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(o, "status"), key);
    char *r = cJSON_IsString(v) ? xstrdup(v->valuestring) : NULL;
    cJSON_Delete(o);
    return r;
}

/* Wait (generously) until status.key of name is want. */
static int wait_status(fx *x, const char *name, const char *key, const char *want)
{
    for (int i = 0; i < 3000; i++) {
        char *v = field(x, name, key);
        int ok = v && !strcmp(v, want);
        free(v);
        if (ok)
            return 1;
        clock_sleep_ms(10);
    }
    return 0;
}

static int has_finalizer(fx *x, const char *name)
{
    cJSON *o = fa_get_imc(x->api, name);
    int found = 0;
    const cJSON *f;
    cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(o, "metadata"),
                                                           "finalizers"))
    found |= cJSON_IsString(f) && !strcmp(f->valuestring, PODMAP_IMC_FINALIZER);
    cJSON_Delete(o);
    return found;
}

static int wait_gone(fx *x, const char *name)
{
    for (int i = 0; i < 3000; i++) {
        cJSON *o = fa_get_imc(x->api, name);
        if (!o)
            return 1;
        cJSON_Delete(o);
        clock_sleep_ms(10);
    }
    return 0;
}

static int wait_events(fx *x, const char *name, const char *reason)
{
    for (int i = 0; i < 3000; i++) {
        if (fa_events(x->api, name, reason, NULL) > 0)
            return 1;
        clock_sleep_ms(10);
    }
    return 0;
}

/* ---- tests ------------------------------------------------------------------------- */

static void t_create_ready_delete(void **st)
{
    fx *x = *st;
    prov_imc_set_active(x->m, 1);
    put(x, "web", "uid-web", "{\"images\":[\"nginx:1.25\"],\"retentionDays\":7}");
    assert_true(wait_status(x, "web", "phase", "Ready"));
    assert_true(has_finalizer(x, "web"));
    char *id = field(x, "web", "imageCacheId");
    assert_string_equal(id, "imc-1");
    char *progress = field(x, "web", "progress"), *exp = field(x, "web", "expireDateTime");
    assert_string_equal(progress, "100%");
    assert_string_equal(exp, "2026-01-08T00:00:00Z");
    assert_true(wait_events(x, "web", "ImageCacheCreating"));
    assert_true(wait_events(x, "web", "ImageCacheReady"));
    assert_int_equal(ecs_creates(&x->ecs), 1);
    assert_int_equal(ecs_count(&x->ecs), 1);
    /* pods see it */
    char *got = NULL, *why = NULL;
    assert_int_equal(prov_imc_lookup(x->m, "web", &got, &why), 1);
    assert_string_equal(got, "imc-1");
    free(got);
    assert_int_equal(prov_imc_lookup(x->m, "nope", &got, &why), 0);
    /* deleting the object deletes the cache, then lets the object go */
    fa_delete_imc(x->api, "web");
    assert_true(wait_gone(x, "web"));
    assert_int_equal(ecs_count(&x->ecs), 0);
    free(id);
    free(progress);
    free(exp);
}

static void t_bad_spec_then_fixed(void **st)
{
    fx *x = *st;
    prov_imc_set_active(x->m, 1);
    put(x, "empty", "uid-empty", "{\"images\":[]}");
    assert_true(wait_status(x, "empty", "phase", "Failed"));
    char *msg = field(x, "empty", "message");
    assert_non_null(strstr(msg, "spec.images"));
    free(msg);
    assert_true(wait_events(x, "empty", "InvalidSpec"));
    assert_int_equal(ecs_creates(&x->ecs), 0);
    /* the user fixes it: a new generation */
    cJSON *o = fa_get_imc(x->api, "empty");
    cJSON *spec = cJSON_GetObjectItemCaseSensitive(o, "spec");
    cJSON_ReplaceItemInObjectCaseSensitive(spec, "images", cJSON_Parse("[\"busybox\"]"));
    cJSON_ReplaceItemInObjectCaseSensitive(cJSON_GetObjectItemCaseSensitive(o, "metadata"), "generation",
                                           cJSON_CreateNumber(2));
    fa_put_imc(x->api, o);
    assert_true(wait_status(x, "empty", "phase", "Ready"));
    assert_int_equal(ecs_creates(&x->ecs), 1);
}

static void t_create_errors(void **st)
{
    fx *x = *st;
    prov_imc_set_active(x->m, 1);
    /* transient: retried (with backoff) until it succeeds */
    ecs_fail_next(&x->ecs, ECI_E_UNAVAILABLE);
    put(x, "retry", "uid-retry", "{\"images\":[\"a\"]}");
    assert_true(wait_status(x, "retry", "phase", "Ready"));
    assert_int_equal(ecs_creates(&x->ecs), 2);
    /* refused: Failed with ECI's answer, no retry */
    ecs_fail_next(&x->ecs, ECI_E_API);
    put(x, "refused", "uid-refused", "{\"images\":[\"a\"]}");
    assert_true(wait_status(x, "refused", "reason", "CreateImageCacheFailed"));
    char *msg = field(x, "refused", "message");
    assert_non_null(strstr(msg, "InvalidParameter"));
    free(msg);
    assert_true(wait_events(x, "refused", "CreateImageCacheFailed"));
    assert_int_equal(ecs_creates(&x->ecs), 3);
    /* deleting a Failed object (no cache) removes the finalizer at once */
    fa_delete_imc(x->api, "refused");
    assert_true(wait_gone(x, "refused"));
}

static cJSON *docker_secret(const char *user, const char *pass)
{
    char *cfg = xasprintf("{\"auths\":{\"reg.example.com\":{\"username\":\"%s\",\"password\":\"%s\"}}}", user, pass);
    char *b = b64_encode(cfg, strlen(cfg));
    char *j = xasprintf("{\"type\":\"kubernetes.io/dockerconfigjson\",\"data\":{\".dockerconfigjson\":\"%s\"}}", b);
    cJSON *s = cJSON_Parse(j);
    free(cfg);
    free(b);
    free(j);
    return s;
}

static void t_pull_secrets(void **st)
{
    fx *x = *st;
    prov_imc_set_active(x->m, 1);
    fa_put_secret(x->api, "eci-kubelet", "regcred", docker_secret("bob", "pw-1"));
    fa_put_secret(x->api, "team-a", "regcred", cJSON_CreateString("forbidden"));
    put(x, "private", "uid-private", "{\"images\":[\"reg.example.com/a\"],\"imagePullSecrets\":[\"eci-kubelet:regcred\"]}");
    assert_true(wait_status(x, "private", "phase", "Ready"));
    pthread_mutex_lock(&x->ecs.mu);
    assert_int_equal(x->ecs.last_ncreds, 1);
    assert_string_equal(x->ecs.last_user, "bob");
    pthread_mutex_unlock(&x->ecs.mu);
    put(x, "missing", "uid-missing", "{\"images\":[\"a\"],\"imagePullSecrets\":[\"eci-kubelet:nope\"]}");
    assert_true(wait_status(x, "missing", "reason", "ImagePullSecretUnavailable"));
    char *msg = field(x, "missing", "message");
    assert_non_null(strstr(msg, "spec.imagePullSecrets[0]: Secret eci-kubelet/nope not found"));
    free(msg);
    put(x, "elsewhere", "uid-elsewhere", "{\"images\":[\"a\"],\"imagePullSecrets\":[\"team-a:regcred\"]}");
    assert_true(wait_status(x, "elsewhere", "reason", "ImagePullSecretUnavailable"));
    msg = field(x, "elsewhere", "message");
    assert_non_null(strstr(msg, "eci-kubelet-imagecache-secrets"));
    assert_null(strstr(msg, "pw-1"));
    free(msg);
    /* the Secret appears: the retry (with backoff) makes the cache */
    fa_put_secret(x->api, "eci-kubelet", "nope", docker_secret("carol", "pw-2"));
    assert_true(wait_status(x, "missing", "phase", "Ready"));
    char *got = NULL, *why = NULL;
    assert_int_equal(prov_imc_lookup(x->m, "elsewhere", &got, &why), 3);
    free(why);
}

static void t_standby_acts_on_nothing(void **st)
{
    fx *x = *st;
    put(x, "idle", "uid-idle", "{\"images\":[\"a\"]}");
    clock_sleep_ms(300); /* long enough for a reconcile to have happened, were the controller active */
    assert_int_equal(ecs_creates(&x->ecs), 0);
    assert_int_equal(fa_imc_puts(x->api), 0);
    char *got = NULL, *why = NULL;
    assert_int_equal(prov_imc_lookup(x->m, "idle", &got, &why), 2);
    assert_string_equal(why, "not yet created");
    free(why);
    /* leading: every object is taken up */
    prov_imc_set_active(x->m, 1);
    assert_true(wait_status(x, "idle", "phase", "Ready"));
}

static void *nothing(void *arg)
{
    return arg;
}

int main(void)
{
    log_set_level(LOG_ERROR);
    /* a first thread, so that a sanitizer's own thread exists before any
     * test counts threads */
    pthread_t t;
    pthread_create(&t, NULL, nothing, NULL);
    pthread_join(t, NULL);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(t_create_ready_delete, setup, teardown),
        cmocka_unit_test_setup_teardown(t_bad_spec_then_fixed, setup, teardown),
        cmocka_unit_test_setup_teardown(t_create_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(t_pull_secrets, setup, teardown),
        cmocka_unit_test_setup_teardown(t_standby_acts_on_nothing, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
