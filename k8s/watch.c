#include "k8s/watch.h"
#include "util/backoff.h"
#include "util/clock.h"
#include "util/dynbuf.h"
#include "util/kv.h"
#include "util/xmalloc.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const type_names[] = { "ADDED", "MODIFIED", "DELETED", "BOOKMARK", "ERROR" };

const char *k8s_watch_type_name(k8s_watch_type t)
{
    if ((int)t < 0 || t > K8S_WATCH_ERROR)
        return "UNKNOWN";
    return type_names[t];
}

/* ---- decoder ---- */

struct k8s_watch_decoder {
    dynbuf line;
    size_t cap;
    k8s_watch_event_fn fn;
    void *arg;
    unsigned long events;
    int failed;
    char msg[160];
};

k8s_watch_decoder *k8s_watch_decoder_new(size_t line_cap, k8s_watch_event_fn fn, void *arg)
{
    k8s_watch_decoder *d = xcalloc(1, sizeof *d);
    d->cap = line_cap ? line_cap : (size_t)16 << 20;
    dynbuf_init(&d->line, d->cap);
    d->fn = fn;
    d->arg = arg;
    return d;
}

void k8s_watch_decoder_free(k8s_watch_decoder *d)
{
    if (!d)
        return;
    dynbuf_free(&d->line);
    free(d);
}

size_t k8s_watch_decoder_pending(const k8s_watch_decoder *d) { return d->line.len; }
unsigned long k8s_watch_decoder_events(const k8s_watch_decoder *d) { return d->events; }

void k8s_watch_decoder_reset(k8s_watch_decoder *d)
{
    dynbuf_reset(&d->line);
    d->failed = 0;
    d->msg[0] = '\0';
}

static int dec_fail(k8s_watch_decoder *d, char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int dec_fail(k8s_watch_decoder *d, char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->msg, sizeof d->msg, fmt, ap);
    va_end(ap);
    d->failed = 1;
    if (err && errlen)
        snprintf(err, errlen, "%s", d->msg);
    return -1;
}

static int blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
            return 0;
    return 1;
}

/* Decode one complete line; 0, 1 (stop) or -1. */
static int dec_line(k8s_watch_decoder *d, const char *s, size_t n, char *err, size_t errlen)
{
    if (blank(s, n))
        return 0;
    unsigned long no = d->events + 1;
    const char *end = NULL;
    cJSON *j = cJSON_ParseWithLengthOpts(s, n, &end, 0);
    if (j && end && !blank(end, n - (size_t)(end - s))) {
        cJSON_Delete(j);
        j = NULL;
    }
    if (!j)
        return dec_fail(d, err, errlen, "event %lu: not JSON", no);
    if (!cJSON_IsObject(j)) {
        cJSON_Delete(j);
        return dec_fail(d, err, errlen, "event %lu: not a JSON object", no);
    }
    cJSON *t = cJSON_GetObjectItemCaseSensitive(j, "type");
    if (!cJSON_IsString(t)) {
        cJSON_Delete(j);
        return dec_fail(d, err, errlen, "event %lu: missing \"type\"", no);
    }
    int type = -1;
    for (int i = 0; i <= K8S_WATCH_ERROR; i++)
        if (!strcmp(t->valuestring, type_names[i]))
            type = i;
    if (type < 0) {
        char tn[40];
        snprintf(tn, sizeof tn, "%s", t->valuestring);
        for (char *p = tn; *p; p++)
            if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
                *p = '?';
        cJSON_Delete(j);
        return dec_fail(d, err, errlen, "event %lu: unknown type \"%s\"", no, tn);
    }
    cJSON *obj = cJSON_DetachItemFromObjectCaseSensitive(j, "object");
    cJSON_Delete(j);
    if (!cJSON_IsObject(obj)) {
        cJSON_Delete(obj);
        return dec_fail(d, err, errlen, "event %lu: \"object\" missing or not an object", no);
    }
    d->events++;
    return d->fn(type, obj, d->arg) ? 1 : 0;
}

int k8s_watch_decoder_feed(k8s_watch_decoder *d, const char *data, size_t len, char *err, size_t errlen)
{
    if (d->failed) {
        if (err && errlen)
            snprintf(err, errlen, "%s", d->msg);
        return -1;
    }
    while (len > 0) {
        const char *nl = memchr(data, '\n', len);
        size_t take = nl ? (size_t)(nl - data) : len;
        if (dynbuf_add(&d->line, data, take) < 0)
            return dec_fail(d, err, errlen, "event line longer than %zu bytes", d->cap);
        if (!nl)
            break;
        data += take + 1;
        len -= take + 1;
        int rc = dec_line(d, d->line.buf ? d->line.buf : "", d->line.len, err, errlen);
        dynbuf_reset(&d->line);
        if (rc != 0) {
            if (rc == 1 && len > 0)
                dynbuf_add(&d->line, data, len); /* keep the rest; cannot exceed the cap meaningfully */
            return rc;
        }
    }
    return 0;
}

/* ---- runner ---- */

typedef struct runner {
    k8s_client *c;
    k8s_watch_opts o;
    const atomic_int *stop;
    pthread_mutex_t mu; /* stats */
    k8s_watch_stats st;
    char *rv;
    int gone;       /* this stream ended with 410 */
    int cb_stopped; /* a callback asked to stop */
    int stream_err; /* an ERROR event other than 410 */
    k8s_error serr;
} runner;

struct k8s_watch {
    runner r;
    atomic_int stop;
    pthread_t th;
    char *s_ns, *s_label, *s_field, *s_rv;
};

static void set_rv_str(runner *r, const char *rv)
{
    if (!rv || !*rv)
        return;
    xstrset(&r->rv, rv);
    pthread_mutex_lock(&r->mu);
    snprintf(r->st.resource_version, sizeof r->st.resource_version, "%s", rv);
    pthread_mutex_unlock(&r->mu);
}

static void set_rv(runner *r, const cJSON *obj) { set_rv_str(r, k8s_meta_str(obj, "resourceVersion")); }

static void count(runner *r, unsigned long *field)
{
    pthread_mutex_lock(&r->mu);
    (*field)++;
    pthread_mutex_unlock(&r->mu);
}

static void report(runner *r, const k8s_error *e)
{
    count(r, &r->st.errors);
    if (r->o.on_error)
        r->o.on_error(e, r->o.arg);
}

static int on_decoded(k8s_watch_type type, cJSON *obj, void *arg)
{
    runner *r = arg;
    switch (type) {
    case K8S_WATCH_BOOKMARK:
        set_rv(r, obj);
        count(r, &r->st.bookmarks);
        cJSON_Delete(obj);
        return 0;
    case K8S_WATCH_ERROR: {
        char *s = cJSON_PrintUnformatted(obj);
        k8s_error_clear(&r->serr);
        snprintf(r->serr.verb, sizeof r->serr.verb, "WATCH");
        k8s_error_from_response(&r->serr, 0, s, s ? strlen(s) : 0);
        free(s);
        cJSON_Delete(obj);
        if (r->serr.code == K8S_E_GONE)
            r->gone = 1;
        else
            r->stream_err = 1;
        return 1;
    }
    default:
        set_rv(r, obj);
        count(r, &r->st.events);
        if (r->o.on_event(type, obj, r->o.arg)) {
            r->cb_stopped = 1;
            return 1;
        }
        return 0;
    }
}

typedef struct stream_ctx {
    runner *r;
    k8s_watch_decoder *d;
    int decode_failed;
    char msg[160];
} stream_ctx;

static int on_bytes(const char *data, size_t len, void *arg)
{
    stream_ctx *s = arg;
    int rc = k8s_watch_decoder_feed(s->d, data, len, s->msg, sizeof s->msg);
    if (rc < 0) {
        s->decode_failed = 1;
        return 1;
    }
    return rc;
}

static int stopped(runner *r) { return (r->stop && atomic_load(r->stop)) || r->cb_stopped; }

static int runner_stopped(void *r) { return stopped(r); }

static void nap(runner *r, long ms) { clock_sleep_unless(ms, 50, runner_stopped, r); }


static int do_list(runner *r, k8s_error *e)
{
    k8s_list_opts lo = { .label_selector = r->o.label_selector, .field_selector = r->o.field_selector,
                         .limit = r->o.list_page_size > 0 ? r->o.list_page_size : 500, .cancel = r->stop };
    cJSON *list;
    if (k8s_list_all(r->c, r->o.resource, r->o.ns, &lo, &list, e) < 0)
        return -1;
    count(r, &r->st.lists);
    set_rv(r, list);
    if (r->o.on_list(list, r->o.arg))
        r->cb_stopped = 1;
    return 0;
}

/* The listing page by page into on_list_page; the resourceVersion is taken
 * only once the last page is delivered. */
static int do_list_pages(runner *r, k8s_error *e)
{
    k8s_list_opts lo = { .label_selector = r->o.label_selector, .field_selector = r->o.field_selector,
                         .limit = r->o.list_page_size > 0 ? r->o.list_page_size : 500, .cancel = r->stop };
    char *cont = NULL, *rv = NULL;
    int first = 1, restarted = 0;
    for (;;) {
        cJSON *page;
        if (k8s_list(r->c, r->o.resource, r->o.ns, &lo, &page, e) < 0) {
            if (e->code == K8S_E_GONE && cont && !restarted) {
                /* the continue token expired: start over once from a fresh snapshot */
                restarted = 1;
                first = 1;
                free(cont);
                cont = NULL;
                lo.continue_token = NULL;
                continue;
            }
            free(cont);
            free(rv);
            return -1;
        }
        if (first) {
            const char *prv = k8s_meta_str(page, "resourceVersion");
            free(rv);
            rv = prv ? xstrdup(prv) : NULL;
        }
        const char *next = k8s_meta_str(page, "continue");
        free(cont);
        cont = next && *next ? xstrdup(next) : NULL;
        int last = cont == NULL;
        int stop = r->o.on_list_page(page, first, last, r->o.arg);
        first = 0;
        if (stop) {
            r->cb_stopped = 1;
            break;
        }
        if (last) {
            count(r, &r->st.lists);
            set_rv_str(r, rv);
            break;
        }
        lo.continue_token = cont;
    }
    free(cont);
    free(rv);
    return 0;
}

static void run_loop(runner *r)
{
    int fails = 0; /* failures in a row: the backoff step */
    int need_list = (r->o.on_list || r->o.on_list_page) && !r->rv;
    k8s_watch_decoder *d = k8s_watch_decoder_new(r->o.line_cap, on_decoded, r);
    char res[80];
    snprintf(res, sizeof res, "%s", r->o.resource->resource);
    while (!stopped(r)) {
        k8s_error e;
        k8s_error_clear(&e);
        if (need_list) {
            if ((r->o.on_list_page ? do_list_pages(r, &e) : do_list(r, &e)) < 0) {
                report(r, &e);
                nap(r, backoff_ms(r->o.backoff_min_ms, r->o.backoff_max_ms, fails++, 50));
                continue;
            }
            need_list = 0;
            continue;
        }
        char *path = k8s_path(r->o.resource, r->o.ns, NULL, NULL);
        kv_list q = KV_LIST_INIT;
        kv_add(&q, "watch", "true");
        kv_add(&q, "allowWatchBookmarks", "true");
        kv_addf(&q, "timeoutSeconds", "%d", r->o.timeout_seconds);
        if (r->rv)
            kv_add(&q, "resourceVersion", r->rv);
        if (r->o.label_selector && *r->o.label_selector)
            kv_add(&q, "labelSelector", r->o.label_selector);
        if (r->o.field_selector && *r->o.field_selector)
            kv_add(&q, "fieldSelector", r->o.field_selector);
        stream_ctx s = { .r = r, .d = d };
        k8s_watch_decoder_reset(d);
        r->gone = r->stream_err = 0;
        count(r, &r->st.connects);
        unsigned long ev0 = k8s_watch_decoder_events(d);
        time_t t0 = time(NULL);
        int rc = k8s_stream(r->c, "watch", res, path, &q, on_bytes, &s, r->stop, r->o.timeout_seconds + 60L, &e);
        kv_free(&q);
        free(path);
        if (stopped(r))
            break;
        int progressed = k8s_watch_decoder_events(d) > ev0 || time(NULL) - t0 >= 5;
        if (rc < 0 && e.code == K8S_E_GONE)
            r->gone = 1;
        if (r->gone) {
            count(r, &r->st.gone);
            if (r->o.on_list || r->o.on_list_page) {
                need_list = 1;
            } else {
                free(r->rv);
                r->rv = NULL;
            }
            fails = 0;
            continue;
        }
        if (rc < 0 || s.decode_failed || r->stream_err) {
            if (s.decode_failed) {
                k8s_error_clear(&e);
                k8s_error_set(&e, K8S_E_DECODE, "watch %s: %s", res, s.msg);
            } else if (r->stream_err) {
                e = r->serr;
            }
            report(r, &e);
            if (progressed)
                fails = 0;
            nap(r, backoff_ms(r->o.backoff_min_ms, r->o.backoff_max_ms, fails++, 50));
            continue;
        }
        /* a clean end (server timeout): reconnect at once from the last rv */
        fails = 0;
        if (!progressed)
            nap(r, backoff_ms(r->o.backoff_min_ms, r->o.backoff_max_ms, 0, 50));
    }
    k8s_watch_decoder_free(d);
}

static void runner_init(runner *r, k8s_client *c, const k8s_watch_opts *o, const atomic_int *stop)
{
    memset(r, 0, sizeof *r);
    r->c = c;
    r->o = *o;
    r->stop = stop;
    if (r->o.timeout_seconds <= 0)
        r->o.timeout_seconds = 300;
    if (r->o.backoff_min_ms <= 0)
        r->o.backoff_min_ms = 200;
    if (r->o.backoff_max_ms <= 0)
        r->o.backoff_max_ms = 10000;
    if (r->o.backoff_max_ms < r->o.backoff_min_ms)
        r->o.backoff_max_ms = r->o.backoff_min_ms;
    pthread_mutex_init(&r->mu, NULL);
    if (o->resource_version && *o->resource_version) {
        r->rv = xstrdup(o->resource_version);
        snprintf(r->st.resource_version, sizeof r->st.resource_version, "%s", r->rv);
    }
}

static void runner_fini(runner *r)
{
    free(r->rv);
    pthread_mutex_destroy(&r->mu);
}

static int check_opts(const k8s_watch_opts *o, k8s_error *err)
{
    if (!o || !o->resource || !o->on_event)
        return k8s_error_set(err, K8S_E_INVALID_ARG, "watch: resource and on_event are required");
    return 0;
}

int k8s_watch_run(k8s_client *c, const k8s_watch_opts *opts, const atomic_int *stop, k8s_error *err)
{
    if (check_opts(opts, err) < 0)
        return -1;
    runner r;
    runner_init(&r, c, opts, stop);
    run_loop(&r);
    runner_fini(&r);
    return 0;
}

static void *watch_thread(void *arg)
{
    k8s_watch *w = arg;
    run_loop(&w->r);
    return NULL;
}

int k8s_watch_start(k8s_client *c, const k8s_watch_opts *opts, k8s_watch **out, k8s_error *err)
{
    *out = NULL;
    if (check_opts(opts, err) < 0)
        return -1;
    k8s_watch *w = xcalloc(1, sizeof *w);
    atomic_init(&w->stop, 0);
    k8s_watch_opts o = *opts;
    o.ns = w->s_ns = xstrdup(opts->ns);
    o.label_selector = w->s_label = xstrdup(opts->label_selector);
    o.field_selector = w->s_field = xstrdup(opts->field_selector);
    o.resource_version = w->s_rv = xstrdup(opts->resource_version);
    runner_init(&w->r, c, &o, &w->stop);
    if (pthread_create(&w->th, NULL, watch_thread, w) != 0) {
        runner_fini(&w->r);
        free(w->s_ns);
        free(w->s_label);
        free(w->s_field);
        free(w->s_rv);
        free(w);
        return k8s_error_set(err, K8S_E_INVALID_ARG, "watch: cannot start a thread");
    }
    *out = w;
    return 0;
}

void k8s_watch_stop(k8s_watch *w)
{
    if (!w)
        return;
    atomic_store(&w->stop, 1);
    pthread_join(w->th, NULL);
    runner_fini(&w->r);
    free(w->s_ns);
    free(w->s_label);
    free(w->s_field);
    free(w->s_rv);
    free(w);
}

void k8s_watch_get_stats(k8s_watch *w, k8s_watch_stats *out)
{
    pthread_mutex_lock(&w->r.mu);
    *out = w->r.st;
    pthread_mutex_unlock(&w->r.mu);
}
