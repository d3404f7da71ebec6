#include "k8s/client.h"
#include "util/backoff.h"
#include "util/clock.h"
#include "util/curlpool.h"
#include "util/dynbuf.h"
#include "util/prom.h"
#include "util/ratelimit.h"
#include "util/xmalloc.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>
#include <time.h>

const k8s_resource K8S_RES_PODS = { "", "v1", "pods", "Pod", 1 };
const k8s_resource K8S_RES_NODES = { "", "v1", "nodes", "Node", 0 };
const k8s_resource K8S_RES_NAMESPACES = { "", "v1", "namespaces", "Namespace", 0 };
const k8s_resource K8S_RES_CONFIGMAPS = { "", "v1", "configmaps", "ConfigMap", 1 };
const k8s_resource K8S_RES_SECRETS = { "", "v1", "secrets", "Secret", 1 };
const k8s_resource K8S_RES_SERVICEACCOUNTS = { "", "v1", "serviceaccounts", "ServiceAccount", 1 };
const k8s_resource K8S_RES_EVENTS = { "", "v1", "events", "Event", 1 };
const k8s_resource K8S_RES_SERVICES = { "", "v1", "services", "Service", 1 };
const k8s_resource K8S_RES_LEASES = { "coordination.k8s.io", "v1", "leases", "Lease", 1 };
const k8s_resource K8S_RES_TOKENREVIEWS = { "authentication.k8s.io", "v1", "tokenreviews", "TokenReview", 0 };
const k8s_resource K8S_RES_SUBJECTACCESSREVIEWS = { "authorization.k8s.io", "v1", "subjectaccessreviews",
                                                    "SubjectAccessReview", 0 };

#define MAX_STATS 128
#define BACKOFF_CAP_MS 5000

struct k8s_client {
    k8s_config *cfg;
    k8s_client_opts o;
    rl_limiter *rl;
    char *connect_to; /* "sni:port:host:port" when tls-server-name is set */
    char *base_url;   /* scheme://host[:port] used in URLs */
    char *user_agent;
    pthread_mutex_t mu; /* pool, stats, rng */
    curlpool *pool;
    k8s_request_stat stats[MAX_STATS];
    size_t nstats;
    unsigned long total; /* attempts */
    k8s_fault_hook fault;
    void *fault_ud;
    k8s_transport_fn transport;
    void *transport_ud;
    prom_metric *m_requests, *m_retries, *m_duration;
};


/* ---- paths ---- */

char *k8s_escape(const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = strlen(s);
    char *out = xmalloc(n * 3 + 1), *p = out;
    for (const unsigned char *q = (const unsigned char *)s; *q; q++) {
        unsigned char ch = *q;
        if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '-' ||
            ch == '.' || ch == '_' || ch == '~') {
            *p++ = (char)ch;
        } else {
            *p++ = '%';
            *p++ = hex[ch >> 4];
            *p++ = hex[ch & 15];
        }
    }
    *p = '\0';
    return out;
}

static int bad_segment(const char *s) { return !s || !*s || !strcmp(s, ".") || !strcmp(s, ".."); }

static void add_segment(dynbuf *b, const char *s)
{
    char *e = k8s_escape(s);
    dynbuf_addc(b, '/');
    dynbuf_adds(b, e);
    free(e);
}

char *k8s_path(const k8s_resource *r, const char *ns, const char *name, const char *sub)
{
    if (!r || bad_segment(r->resource) || bad_segment(r->version))
        return NULL;
    if (r->namespaced && ns && bad_segment(ns))
        return NULL;
    if (name && bad_segment(name))
        return NULL;
    if (sub && (!name || bad_segment(sub)))
        return NULL;
    dynbuf b;
    dynbuf_init(&b, 0);
    if (!r->group || !*r->group) {
        dynbuf_adds(&b, "/api");
    } else {
        if (bad_segment(r->group)) {
            dynbuf_free(&b);
            return NULL;
        }
        dynbuf_adds(&b, "/apis");
        add_segment(&b, r->group);
    }
    add_segment(&b, r->version);
    if (r->namespaced && ns) {
        dynbuf_adds(&b, "/namespaces");
        add_segment(&b, ns);
    }
    add_segment(&b, r->resource);
    if (name)
        add_segment(&b, name);
    if (sub) {
        /* a subresource may itself contain a slash (e.g. "proxy/path"): escape per part */
        char *dup = xstrdup(sub), *save = NULL;
        for (char *tok = strtok_r(dup, "/", &save); tok; tok = strtok_r(NULL, "/", &save)) {
            if (bad_segment(tok)) {
                free(dup);
                dynbuf_free(&b);
                return NULL;
            }
            add_segment(&b, tok);
        }
        free(dup);
    }
    return dynbuf_take(&b, NULL);
}

char *k8s_url_with_query(const char *path, const kv_list *q)
{
    dynbuf b;
    dynbuf_init(&b, 0);
    dynbuf_adds(&b, path);
    for (size_t i = 0; q && i < q->n; i++) {
        char *k = k8s_escape(q->items[i].key), *v = k8s_escape(q->items[i].val);
        dynbuf_printf(&b, "%c%s=%s", i ? '&' : '?', k, v);
        free(k);
        free(v);
    }
    return dynbuf_take(&b, NULL);
}

/* ---- object helpers ---- */

const char *k8s_meta_str(const cJSON *obj, const char *field)
{
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(m, field);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

char *k8s_object_key(const cJSON *obj)
{
    const char *ns = k8s_meta_str(obj, "namespace"), *name = k8s_meta_str(obj, "name");
    if (!name)
        return NULL;
    if (ns && *ns)
        return xasprintf("%s/%s", ns, name);
    return xstrdup(name);
}

/* ---- client ---- */

int k8s_client_new(k8s_config *cfg, const k8s_client_opts *opts, k8s_client **out, k8s_error *err)
{
    *out = NULL;
    if (!cfg || !k8s_config_server(cfg)) {
        k8s_config_free(cfg);
        return k8s_error_set(err, K8S_E_INVALID_ARG, "client: no server in the config");
    }
    k8s_client *c = xcalloc(1, sizeof *c);
    c->cfg = cfg;
    if (opts)
        c->o = *opts;
    if (c->o.qps == 0)
        c->o.qps = 50;
    if (c->o.burst <= 0)
        c->o.burst = 100;
    if (c->o.timeout_ms <= 0)
        c->o.timeout_ms = 30000;
    if (c->o.connect_timeout_ms <= 0)
        c->o.connect_timeout_ms = 10000;
    if (!c->o.max_response_bytes)
        c->o.max_response_bytes = (size_t)64 << 20;
    if (c->o.max_retries == 0)
        c->o.max_retries = 4;
    if (c->o.max_retries < 0)
        c->o.max_retries = 0;
    if (c->o.retry_base_ms <= 0)
        c->o.retry_base_ms = 100;
    if (c->o.pool_size <= 0)
        c->o.pool_size = 8;
#ifdef ECI_KUBELET_VERSION
    c->user_agent = xstrdup(c->o.user_agent ? c->o.user_agent : "eci-kubelet/" ECI_KUBELET_VERSION);
#else
    c->user_agent = xstrdup(c->o.user_agent ? c->o.user_agent : "eci-kubelet");
#endif
    c->o.user_agent = NULL; /* borrowed: the copy above is used */
    if (c->o.metrics) {
        static const char *const l3[] = { "verb", "resource", "code", NULL };
        static const char *const l2[] = { "verb", "resource", NULL };
        static const char *const l1[] = { "verb", NULL };
        static const double buckets[] = { 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30 };
        c->m_requests = prom_counter(c->o.metrics, "k8s_client_requests_total",
                                     "Kubernetes API requests by verb, resource and final HTTP status (or error)", l3);
        c->m_retries = prom_counter(c->o.metrics, "k8s_client_retries_total",
                                    "Kubernetes API request retries by verb and resource", l2);
        c->m_duration = prom_histogram(c->o.metrics, "k8s_client_request_duration_seconds",
                                       "Kubernetes API request latency including retries (watches excluded)", l1,
                                       buckets, sizeof buckets / sizeof *buckets);
    }
    c->o.metrics = NULL;
    c->rl = rl_new(c->o.qps < 0 ? 0 : c->o.qps, c->o.burst);
    pthread_mutex_init(&c->mu, NULL);
    c->pool = curlpool_new(c->o.pool_size);

    const char *server = k8s_config_server(cfg);
    const char *sni = k8s_config_tls_server_name(cfg);
    if (sni && *sni && !strncmp(server, "https://", 8)) {
        /* Verify the certificate against sni while connecting to the real
         * host: address the URL to sni and map it to host:port. */
        const char *hp = server + 8;
        size_t hl = strcspn(hp, "/");
        char *hostport = xstrndup(hp, hl);
        char *host = hostport, *port = "443";
        char *colon;
        if (host[0] == '[') {
            char *rb = strchr(host, ']');
            colon = rb ? strchr(rb, ':') : NULL;
        } else {
            colon = strrchr(host, ':');
        }
        if (colon) {
            *colon = '\0';
            port = colon + 1;
        }
        c->connect_to = xasprintf("%s:%s:%s:%s", sni, port, host, port);
        c->base_url = xasprintf("https://%s:%s%s", sni, port, hp + hl);
        free(hostport);
    } else {
        c->base_url = xstrdup(server);
    }
    *out = c;
    return 0;
}

void k8s_client_free(k8s_client *c)
{
    if (!c)
        return;
    curlpool_free(c->pool);
    rl_free(c->rl);
    pthread_mutex_destroy(&c->mu);
    free(c->connect_to);
    free(c->base_url);
    free(c->user_agent);
    k8s_config_free(c->cfg);
    free(c);
}

k8s_config *k8s_client_config(k8s_client *c) { return c->cfg; }

void k8s_client_set_fault_hook(k8s_client *c, k8s_fault_hook fn, void *ud)
{
    pthread_mutex_lock(&c->mu);
    c->fault = fn;
    c->fault_ud = ud;
    pthread_mutex_unlock(&c->mu);
}

void k8s_client_set_transport(k8s_client *c, k8s_transport_fn fn, void *ud)
{
    pthread_mutex_lock(&c->mu);
    c->transport = fn;
    c->transport_ud = ud;
    pthread_mutex_unlock(&c->mu);
}


static void stat_add(k8s_client *c, const char *verb, const char *resource, int failed, int retries, double secs,
                     double wait_secs)
{
    pthread_mutex_lock(&c->mu);
    k8s_request_stat *s = NULL;
    for (size_t i = 0; i < c->nstats; i++)
        if (!strcmp(c->stats[i].verb, verb) && !strcmp(c->stats[i].resource, resource)) {
            s = &c->stats[i];
            break;
        }
    if (!s && c->nstats < MAX_STATS) {
        s = &c->stats[c->nstats++];
        snprintf(s->verb, sizeof s->verb, "%s", verb);
        snprintf(s->resource, sizeof s->resource, "%s", resource);
    }
    if (s) {
        s->count++;
        s->errors += failed ? 1 : 0;
        s->retries += (unsigned long)retries;
        s->seconds += secs;
        s->wait_seconds += wait_secs;
    }
    pthread_mutex_unlock(&c->mu);
}

size_t k8s_client_stats(k8s_client *c, k8s_request_stat *out, size_t max)
{
    pthread_mutex_lock(&c->mu);
    size_t n = c->nstats;
    for (size_t i = 0; i < n && i < max; i++)
        out[i] = c->stats[i];
    pthread_mutex_unlock(&c->mu);
    return n;
}

unsigned long k8s_client_request_total(k8s_client *c)
{
    pthread_mutex_lock(&c->mu);
    unsigned long t = c->total;
    pthread_mutex_unlock(&c->mu);
    return t;
}

/* ---- one HTTP exchange ---- */

typedef struct xfer {
    k8s_client *c;
    CURL *h;
    dynbuf body;
    int too_large;
    long retry_after_s;
    /* streaming */
    k8s_stream_fn fn;
    void *arg;
    int fn_stopped;
    const atomic_int *stop;
    int cancelled;
    char errbuf[CURL_ERROR_SIZE];
} xfer;

static size_t on_write(char *p, size_t sz, size_t n, void *ud)
{
    xfer *x = ud;
    size_t len = sz * n;
    if (x->fn) {
        long code = 0;
        curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &code);
        if (code >= 200 && code < 300) {
            if (x->fn(p, len, x->arg) != 0) {
                x->fn_stopped = 1;
                return 0;
            }
            return len;
        }
    }
    if (dynbuf_add(&x->body, p, len) < 0) {
        x->too_large = 1;
        return 0;
    }
    return len;
}

static size_t on_header(char *p, size_t sz, size_t n, void *ud)
{
    xfer *x = ud;
    size_t len = sz * n;
    if (len > 12 && !strncasecmp(p, "Retry-After:", 12)) {
        long v = strtol(p + 12, NULL, 10);
        if (v > 0)
            x->retry_after_s = v;
    }
    return len;
}

static int on_progress(void *ud, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
    (void)dt; (void)dn; (void)ut; (void)un;
    xfer *x = ud;
    if (x->stop && atomic_load(x->stop)) {
        x->cancelled = 1;
        return 1;
    }
    return 0;
}

typedef struct req {
    const char *verb;     /* for stats */
    const char *resource; /* for stats */
    const char *method;
    const char *path;
    const kv_list *query;
    const char *content_type;
    const char *body;
    size_t body_len;
    int retry_5xx; /* idempotent: retry 5xx and transport errors */
    /* streaming */
    k8s_stream_fn fn;
    void *arg;
    const atomic_int *stop;
    long idle_timeout_s;
} req;

/* Delay before retry `attempt`: doubling from retry_base_ms up to 5 s, jittered. */
static long retry_delay(const k8s_client *c, int attempt)
{
    return backoff_ms(c->o.retry_base_ms, BACKOFF_CAP_MS, attempt, 50);
}

static int stop_set(void *stop) { return stop && atomic_load((const atomic_int *)stop); }


static void set_err_ctx(k8s_error *err, const req *q)
{
    if (!err)
        return;
    k8s_error_clear(err);
    snprintf(err->verb, sizeof err->verb, "%s", q->method);
    snprintf(err->path, sizeof err->path, "%s", q->path);
}

static unsigned long next_attempt(k8s_client *c)
{
    pthread_mutex_lock(&c->mu);
    unsigned long n = ++c->total;
    pthread_mutex_unlock(&c->mu);
    return n;
}

/* One HTTP exchange of q on x->h; *cc and *code get curl's result and the
 * HTTP status. */
static void attempt_once(k8s_client *c, const req *q, const char *url, xfer *x, CURLcode *ccp, long *codep)
{
    CURL *h = x->h;
    struct curl_slist *hdr = NULL;
    char *auth = NULL;
    hdr = curl_slist_append(hdr, "Accept: application/json");
    if (q->content_type) {
        char *ct = xasprintf("Content-Type: %s", q->content_type);
        hdr = curl_slist_append(hdr, ct);
        free(ct);
    }
    k8s_error terr;
    char *tok = k8s_config_token(c->cfg, &terr);
    if (tok) {
        auth = xasprintf("Authorization: Bearer %s", tok);
        memset(tok, 0, strlen(tok));
        free(tok);
        hdr = curl_slist_append(hdr, auth);
    }
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(h, CURLOPT_USERAGENT, c->user_agent);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, c->o.connect_timeout_ms);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, x->errbuf);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_write);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, x);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    if (q->stop) {
        curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
        curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
        curl_easy_setopt(h, CURLOPT_XFERINFODATA, x);
    }
    if (q->fn) {
        if (q->idle_timeout_s > 0) {
            curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
            curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, q->idle_timeout_s);
        }
    } else {
        curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, c->o.timeout_ms);
    }
    if (strcmp(q->method, "GET")) {
        if (!strcmp(q->method, "HEAD"))
            curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
        else
            curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, q->method);
    }
    if (q->body) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)q->body_len);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, q->body);
    }
    size_t len;
    const unsigned char *blob;
    if ((blob = k8s_config_ca(c->cfg, &len)) && len) {
        struct curl_blob b = { (void *)blob, len, CURL_BLOB_NOCOPY };
        curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &b);
    }
    /* The client certificate may rotate while requests run: take a
     * consistent pair and let libcurl keep its own copy. A pooled connection
     * made with another certificate is not reused (libcurl matches the
     * client certificate when it picks a connection). */
    unsigned char *ccert, *ckey;
    size_t ccert_len, ckey_len;
    if (k8s_config_client_creds(c->cfg, &ccert, &ccert_len, &ckey, &ckey_len)) {
        if (ccert) {
            struct curl_blob b = { ccert, ccert_len, CURL_BLOB_COPY };
            curl_easy_setopt(h, CURLOPT_SSLCERT_BLOB, &b);
            curl_easy_setopt(h, CURLOPT_SSLCERTTYPE, "PEM");
        }
        if (ckey) {
            struct curl_blob b = { ckey, ckey_len, CURL_BLOB_COPY };
            curl_easy_setopt(h, CURLOPT_SSLKEY_BLOB, &b);
            curl_easy_setopt(h, CURLOPT_SSLKEYTYPE, "PEM");
        }
        k8s_config_free_creds(ccert, ccert_len, ckey, ckey_len);
    }
    if (k8s_config_insecure(c->cfg)) {
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    struct curl_slist *cto = NULL;
    if (c->connect_to) {
        cto = curl_slist_append(NULL, c->connect_to);
        curl_easy_setopt(h, CURLOPT_CONNECT_TO, cto);
    }
    CURLcode cc = curl_easy_perform(h);
    long code = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    curl_slist_free_all(hdr);
    curl_slist_free_all(cto);
    if (auth) {
        memset(auth, 0, strlen(auth));
        free(auth);
    }
    *ccp = cc;
    *codep = code;
}

static int retryable_code(k8s_code code, const req *q)
{
    switch (code) {
    case K8S_E_TOO_MANY_REQUESTS:
        return 1;
    case K8S_E_TRANSPORT:
    case K8S_E_TIMEOUT:
        return q->retry_5xx && !q->fn;
    case K8S_E_INTERNAL:
    case K8S_E_UNAVAILABLE:
    case K8S_E_SERVER_TIMEOUT:
        return q->retry_5xx;
    default:
        return 0;
    }
}

/* Perform q; on return *status is the HTTP status (0 when none) and *out the
 * (non-streamed) body. Returns 0 on 2xx, -1 with err filled otherwise. */
static int perform(k8s_client *c, const req *q, int *status, dynbuf *out, k8s_error *err)
{
    set_err_ctx(err, q);
    *status = 0;
    char *url_path = k8s_url_with_query(q->path, q->query);
    char *url = xasprintf("%s%s", c->base_url, url_path);
    free(url_path);
    struct timespec t0;
    clock_mono(&t0);
    int attempt = 0, rc = -1;
    double waited = 0;
    for (;;) {
        if (q->stop && atomic_load(q->stop)) {
            k8s_error_set(err, K8S_E_CANCELLED, "cancelled");
            break;
        }
        struct timespec tw;
        clock_mono(&tw);
        rl_wait(c->rl, -1);
        waited += clock_s_since(&tw);
        xfer x = { .c = c, .fn = q->fn, .arg = q->arg, .stop = q->stop };
        dynbuf_init(&x.body, c->o.max_response_bytes);
        unsigned long no = next_attempt(c);
        CURLcode cc = CURLE_OK;
        long code = 0;
        int injected = 0, retryable = 0;
        long wait = 0;
        k8s_fault_hook hook;
        void *hook_ud;
        pthread_mutex_lock(&c->mu);
        hook = c->fault;
        hook_ud = c->fault_ud;
        pthread_mutex_unlock(&c->mu);
        if (hook) {
            k8s_error f;
            k8s_error_clear(&f);
            if (hook(hook_ud, q->verb, q->path, no, &f)) {
                injected = 1;
                if (f.code == K8S_E_OK)
                    k8s_error_set(&f, K8S_E_TRANSPORT, "injected fault");
                if (!f.reason[0])
                    snprintf(f.reason, sizeof f.reason, "%s", k8s_errname(f.code));
                if (!f.message[0])
                    snprintf(f.message, sizeof f.message, "injected fault (%s)", k8s_strerror(f.code));
                if (err) {
                    err->code = f.code;
                    err->http_status = f.http_status;
                    snprintf(err->reason, sizeof err->reason, "%s", f.reason);
                    snprintf(err->message, sizeof err->message, "%s", f.message);
                }
                *status = f.http_status;
                retryable = retryable_code(f.code, q);
            }
        }
        k8s_transport_fn tr;
        void *tr_ud;
        pthread_mutex_lock(&c->mu);
        tr = c->transport;
        tr_ud = c->transport_ud;
        pthread_mutex_unlock(&c->mu);
        if (!injected && tr) {
            int st = 0;
            char *pq = k8s_url_with_query(q->path, q->query);
            if (tr(tr_ud, q->method, pq, q->body, q->body_len, &st, &x.body) != 0) {
                k8s_error_set(err, K8S_E_TRANSPORT, "test transport failed");
                retryable = retryable_code(K8S_E_TRANSPORT, q);
            } else if (st >= 200 && st < 300) {
                /* a stream gets the whole answer as one chunk, then ends */
                if (q->fn && x.body.len)
                    q->fn(x.body.buf, x.body.len, q->arg);
                rc = 0;
            } else {
                k8s_error_from_response(err, st, x.body.buf, x.body.len);
                retryable = st == 501 ? 0 : retryable_code(k8s_code_from_http(st, NULL), q);
            }
            free(pq);
            *status = st;
            if (err)
                err->http_status = st;
        } else if (!injected) {
            x.h = curlpool_get(c->pool);
            attempt_once(c, q, url, &x, &cc, &code);
            *status = (int)code;
            if (err)
                err->http_status = (int)code;
            if (cc == CURLE_OK && code >= 200 && code < 300) {
                rc = 0;
            } else if (x.fn_stopped) {
                rc = 0;
            } else if (x.cancelled) {
                k8s_error_set(err, K8S_E_CANCELLED, "cancelled");
            } else if (x.too_large) {
                k8s_error_set(err, K8S_E_TOO_LARGE, "response larger than %zu bytes", c->o.max_response_bytes);
            } else if (cc != CURLE_OK) {
                if (x.errbuf[0])
                    k8s_error_set(err, cc == CURLE_OPERATION_TIMEDOUT ? K8S_E_TIMEOUT : K8S_E_TRANSPORT, "%s: %s",
                                  curl_easy_strerror(cc), x.errbuf);
                else
                    k8s_error_set(err, cc == CURLE_OPERATION_TIMEDOUT ? K8S_E_TIMEOUT : K8S_E_TRANSPORT, "%s",
                                  curl_easy_strerror(cc));
                retryable = retryable_code(K8S_E_TRANSPORT, q);
                /* a request never sent can always be retried */
                if (!q->fn && (cc == CURLE_COULDNT_CONNECT || cc == CURLE_COULDNT_RESOLVE_HOST))
                    retryable = 1;
            } else {
                k8s_error_from_response(err, (int)code, x.body.buf, x.body.len);
                k8s_code kc = k8s_code_from_http((int)code, NULL);
                retryable = code == 501 ? 0 : retryable_code(kc, q);
                if (code == 429 && x.retry_after_s > 0)
                    wait = x.retry_after_s > 10 ? 10000 : x.retry_after_s * 1000;
            }
            curlpool_put(c->pool, x.h, cc == CURLE_OK || x.fn_stopped);
        }
        if (rc == 0 || !retryable || attempt >= c->o.max_retries) {
            if (out) {
                dynbuf_free(out);
                *out = x.body;
            } else {
                dynbuf_free(&x.body);
            }
            break;
        }
        dynbuf_free(&x.body);
        /* wake within 50 ms of a stop request */
        clock_sleep_unless(wait > 0 ? wait : retry_delay(c, attempt), 50, stop_set, (void *)q->stop);
        attempt++;
        set_err_ctx(err, q);
    }
    free(url);
    stat_add(c, q->verb, q->resource, rc != 0, attempt, clock_s_since(&t0), waited);
    if (c->m_requests) {
        char codebuf[16];
        if (rc == 0 || *status)
            snprintf(codebuf, sizeof codebuf, "%d", rc == 0 && !*status ? 200 : *status);
        else
            snprintf(codebuf, sizeof codebuf, "%s", err ? k8s_errname(err->code) : "error");
        const char *lv[] = { q->verb, q->resource, codebuf };
        prom_inc(c->m_requests, lv, 1);
        if (attempt) {
            const char *lv2[] = { q->verb, q->resource };
            prom_inc(c->m_retries, lv2, attempt);
        }
        if (!q->fn) {
            const char *lv3[] = { q->verb };
            prom_observe(c->m_duration, lv3, clock_s_since(&t0));
        }
    }
    return rc;
}

static int decode_json(const dynbuf *b, cJSON **out, k8s_error *err)
{
    if (!out)
        return 0;
    *out = cJSON_ParseWithLength(dynbuf_str(b), b->len);
    if (!*out)
        return k8s_error_set(err, K8S_E_DECODE, "response is not JSON (%zu bytes)", b->len);
    return 0;
}

static void res_name(char *buf, size_t n, const k8s_resource *r, const char *sub)
{
    if (sub)
        snprintf(buf, n, "%s/%s", r->resource, sub);
    else
        snprintf(buf, n, "%s", r->resource);
}

/* Run a JSON request; *out (may be NULL) gets the parsed answer on success. */
static int json_call(k8s_client *c, const char *verb, const k8s_resource *r, const char *sub, const char *method,
                     const char *path, const kv_list *query, const char *ctype, const cJSON *body, int retry,
                     const atomic_int *stop, cJSON **out, k8s_error *err)
{
    if (out)
        *out = NULL;
    char rn[64];
    res_name(rn, sizeof rn, r, sub);
    char *b = body ? cJSON_PrintUnformatted(body) : NULL;
    req q = { .verb = verb, .resource = rn, .method = method, .path = path, .query = query,
              .content_type = b ? ctype : NULL, .body = b, .body_len = b ? strlen(b) : 0, .retry_5xx = retry,
              .stop = stop };
    dynbuf resp;
    dynbuf_init(&resp, 0);
    int status;
    int rc = perform(c, &q, &status, &resp, err);
    free(b);
    if (rc == 0)
        rc = decode_json(&resp, out, err);
    dynbuf_free(&resp);
    return rc;
}

static int bad_path(k8s_error *err, const char *what)
{
    if (err)
        k8s_error_clear(err);
    return k8s_error_set(err, K8S_E_INVALID_ARG, "%s: empty or invalid name, namespace or subresource", what);
}

int k8s_get_sub(k8s_client *c, const k8s_resource *r, const char *ns, const char *name, const char *sub,
                cJSON **out, k8s_error *err)
{
    char *path = k8s_path(r, ns, name, sub);
    if (!path || !name)
        return free(path), bad_path(err, "get");
    int rc = json_call(c, "get", r, sub, "GET", path, NULL, NULL, NULL, 1, NULL, out, err);
    free(path);
    return rc;
}

int k8s_get(k8s_client *c, const k8s_resource *r, const char *ns, const char *name, cJSON **out, k8s_error *err)
{
    return k8s_get_sub(c, r, ns, name, NULL, out, err);
}

static void list_query(kv_list *q, const k8s_list_opts *o)
{
    if (!o)
        return;
    if (o->label_selector && *o->label_selector)
        kv_add(q, "labelSelector", o->label_selector);
    if (o->field_selector && *o->field_selector)
        kv_add(q, "fieldSelector", o->field_selector);
    if (o->limit > 0)
        kv_addf(q, "limit", "%ld", o->limit);
    if (o->continue_token && *o->continue_token)
        kv_add(q, "continue", o->continue_token);
    if (o->resource_version)
        kv_add(q, "resourceVersion", o->resource_version);
    if (o->resource_version_match && *o->resource_version_match)
        kv_add(q, "resourceVersionMatch", o->resource_version_match);
}

int k8s_list(k8s_client *c, const k8s_resource *r, const char *ns, const k8s_list_opts *o, cJSON **out,
             k8s_error *err)
{
    char *path = k8s_path(r, ns, NULL, NULL);
    if (!path)
        return bad_path(err, "list");
    kv_list q = KV_LIST_INIT;
    list_query(&q, o);
    int rc = json_call(c, "list", r, NULL, "GET", path, &q, NULL, NULL, 1, o ? o->cancel : NULL, out, err);
    kv_free(&q);
    free(path);
    if (rc == 0 && out && !cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(*out, "items"))) {
        if (cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(*out, "items")) ||
            !cJSON_GetObjectItemCaseSensitive(*out, "items")) {
            cJSON_DeleteItemFromObjectCaseSensitive(*out, "items");
            cJSON_AddItemToObject(*out, "items", cJSON_CreateArray());
        } else {
            cJSON_Delete(*out);
            *out = NULL;
            return k8s_error_set(err, K8S_E_DECODE, "list: items is not an array");
        }
    }
    return rc;
}

int k8s_list_all(k8s_client *c, const k8s_resource *r, const char *ns, const k8s_list_opts *o, cJSON **out,
                 k8s_error *err)
{
    k8s_error local;
    if (!err)
        err = &local;
    *out = NULL;
    k8s_list_opts lo = { 0 };
    if (o)
        lo = *o;
    if (lo.limit <= 0)
        lo.limit = 500;
    int restarted = 0;
restart:;
    cJSON *all = NULL;
    char *cont = NULL;
    lo.continue_token = o ? o->continue_token : NULL;
    lo.resource_version = o ? o->resource_version : NULL;
    lo.resource_version_match = o ? o->resource_version_match : NULL;
    for (;;) {
        cJSON *page;
        if (k8s_list(c, r, ns, &lo, &page, err) < 0) {
            if (err && err->code == K8S_E_GONE && cont && !restarted) {
                /* the continue token expired: start over once from a fresh snapshot */
                restarted = 1;
                cJSON_Delete(all);
                free(cont);
                goto restart;
            }
            cJSON_Delete(all);
            free(cont);
            return -1;
        }
        if (!all) {
            all = page;
        } else {
            cJSON *items = cJSON_DetachItemFromObjectCaseSensitive(page, "items");
            cJSON *dst = cJSON_GetObjectItemCaseSensitive(all, "items");
            cJSON *it;
            while ((it = cJSON_DetachItemViaPointer(items, items->child)) != NULL)
                cJSON_AddItemToArray(dst, it);
            cJSON_Delete(items);
        }
        const char *next = k8s_meta_str(all == page ? all : page, "continue");
        free(cont);
        cont = next && *next ? xstrdup(next) : NULL;
        if (all != page)
            cJSON_Delete(page);
        if (!cont)
            break;
        lo.continue_token = cont;
        lo.resource_version = NULL; /* not allowed together with continue */
        lo.resource_version_match = NULL;
    }
    cJSON *meta = cJSON_GetObjectItemCaseSensitive(all, "metadata");
    if (meta) {
        cJSON_DeleteItemFromObjectCaseSensitive(meta, "continue");
        cJSON_DeleteItemFromObjectCaseSensitive(meta, "remainingItemCount");
    }
    *out = all;
    return 0;
}

int k8s_create_sub(k8s_client *c, const k8s_resource *r, const char *ns, const char *name, const char *sub,
                   const cJSON *body, cJSON **out, k8s_error *err)
{
    char *path = k8s_path(r, ns, name, sub);
    if (!path)
        return bad_path(err, "create");
    int rc = json_call(c, "create", r, sub, "POST", path, NULL, "application/json", body, 0, NULL, out, err);
    free(path);
    return rc;
}

int k8s_create(k8s_client *c, const k8s_resource *r, const char *ns, const cJSON *obj, cJSON **out, k8s_error *err)
{
    return k8s_create_sub(c, r, ns, NULL, NULL, obj, out, err);
}

int k8s_update(k8s_client *c, const k8s_resource *r, const char *ns, const char *sub, const cJSON *obj,
               cJSON **out, k8s_error *err)
{
    const char *name = k8s_meta_str(obj, "name");
    char *path = name ? k8s_path(r, ns, name, sub) : NULL;
    if (!path)
        return bad_path(err, "update");
    int rc = json_call(c, "update", r, sub, "PUT", path, NULL, "application/json", obj, 0, NULL, out, err);
    free(path);
    return rc;
}

int k8s_update_retry(k8s_client *c, const k8s_resource *r, const char *ns, const char *name, const char *sub,
                     int max_tries, k8s_mutate_fn fn, void *arg, cJSON **out, k8s_error *err)
{
    k8s_error local;
    if (!err)
        err = &local;
    if (out)
        *out = NULL;
    if (max_tries <= 0)
        max_tries = 5;
    for (int i = 0; i < max_tries; i++) {
        cJSON *obj;
        if (k8s_get(c, r, ns, name, &obj, err) < 0)
            return -1;
        int m = fn(obj, arg);
        if (m < 0) {
            cJSON_Delete(obj);
            return k8s_error_set(err, K8S_E_INVALID_ARG, "update %s/%s: the mutation gave up", r->resource, name);
        }
        if (m == 1) {
            if (out)
                *out = obj;
            else
                cJSON_Delete(obj);
            return 0;
        }
        int rc = k8s_update(c, r, ns, sub, obj, out, err);
        cJSON_Delete(obj);
        if (rc == 0)
            return 0;
        if (!err || err->code != K8S_E_CONFLICT)
            return -1;
        if (i + 1 < max_tries)
            clock_sleep_ms(retry_delay(c, i) / 4);
    }
    return -1; /* err holds the last Conflict */
}

int k8s_patch(k8s_client *c, const k8s_resource *r, const char *ns, const char *name, const char *sub,
              k8s_patch_type type, const cJSON *patch, cJSON **out, k8s_error *err)
{
    char *path = k8s_path(r, ns, name, sub);
    if (!path || !name || !patch)
        return free(path), bad_path(err, "patch");
    const char *ct = type == K8S_PATCH_JSON        ? "application/json-patch+json"
                     : type == K8S_PATCH_STRATEGIC ? "application/strategic-merge-patch+json"
                                                   : "application/merge-patch+json";
    int rc = json_call(c, "patch", r, sub, "PATCH", path, NULL, ct, patch, 0, NULL, out, err);
    free(path);
    return rc;
}

int k8s_delete(k8s_client *c, const k8s_resource *r, const char *ns, const char *name, const k8s_delete_opts *o,
               cJSON **out, k8s_error *err)
{
    char *path = k8s_path(r, ns, name, NULL);
    if (!path || !name)
        return free(path), bad_path(err, "delete");
    cJSON *body = NULL;
    if (o) {
        body = cJSON_CreateObject();
        cJSON_AddStringToObject(body, "kind", "DeleteOptions");
        cJSON_AddStringToObject(body, "apiVersion", "v1");
        if (o->grace_period_seconds >= 0)
            cJSON_AddNumberToObject(body, "gracePeriodSeconds", (double)o->grace_period_seconds);
        if (o->propagation_policy)
            cJSON_AddStringToObject(body, "propagationPolicy", o->propagation_policy);
        if (o->precondition_uid || o->precondition_resource_version) {
            cJSON *p = cJSON_AddObjectToObject(body, "preconditions");
            if (o->precondition_uid)
                cJSON_AddStringToObject(p, "uid", o->precondition_uid);
            if (o->precondition_resource_version)
                cJSON_AddStringToObject(p, "resourceVersion", o->precondition_resource_version);
        }
    }
    int rc = json_call(c, "delete", r, NULL, "DELETE", path, NULL, "application/json", body, 0, NULL, out, err);
    cJSON_Delete(body);
    free(path);
    return rc;
}

int k8s_request(k8s_client *c, const char *method, const char *path, const kv_list *query,
                const char *content_type, const char *body, size_t body_len, int *status, char **resp,
                size_t *resp_len, k8s_error *err)
{
    int st = 0;
    req q = { .verb = "raw", .resource = "raw", .method = method, .path = path, .query = query,
              .content_type = content_type, .body = body, .body_len = body_len,
              .retry_5xx = !strcmp(method, "GET") || !strcmp(method, "HEAD") };
    dynbuf b;
    dynbuf_init(&b, 0);
    int rc = perform(c, &q, &st, &b, err);
    if (status)
        *status = st;
    if (resp) {
        size_t n;
        *resp = dynbuf_take(&b, &n);
        if (resp_len)
            *resp_len = n;
    }
    dynbuf_free(&b);
    return rc;
}

int k8s_stream(k8s_client *c, const char *verb, const char *resource, const char *path, const kv_list *query,
               k8s_stream_fn fn, void *arg, const atomic_int *stop, long idle_timeout_s, k8s_error *err)
{
    int st;
    req q = { .verb = verb ? verb : "watch", .resource = resource ? resource : "raw", .method = "GET",
              .path = path, .query = query, .fn = fn, .arg = arg, .stop = stop, .idle_timeout_s = idle_timeout_s };
    dynbuf b;
    dynbuf_init(&b, (size_t)1 << 20);
    int rc = perform(c, &q, &st, &b, err);
    dynbuf_free(&b);
    return rc;
}
