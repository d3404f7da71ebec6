#include "eci/client.h"

#include <curl/curl.h>
#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "eci/codec.h"
#include "eci/endpoint.h"
#include "eci/sign.h"
#include "util/backoff.h"
#include "util/clock.h"
#include "util/curlpool.h"
#include "util/dynbuf.h"
#include "util/prom.h"
#include "util/ratelimit.h"
#include "util/timefmt.h"
#include "util/xmalloc.h"

#ifndef ECI_KUBELET_VERSION
#define ECI_KUBELET_VERSION "0.0.0"
#endif

const double eci_stats_bucket_bounds[ECI_STATS_NBUCKETS] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                            0.5,   1,    2.5,   5,    10,  1e300};

typedef struct stat_entry {
    eci_stat_row row;
} stat_entry;

struct eci_client {
    char *region;
    char *url;
    char *user_agent;
    char *host; /* host[:port] of url, the signed Host header */
    char *ca_file;
    int insecure;
    eci_signature signature;
    long connect_timeout_ms;
    long request_timeout_ms;
    int max_retries;
    long backoff_base_ms;
    long backoff_cap_ms;
    long max_rate_wait_ms;
    size_t max_response;
    eci_creds *creds;
    int own_creds;
    rl_limiter *rl;
    rl_limiter **action_rl; /* parallel to quota_table; NULL when disabled */
    struct aimd *aimd;      /* parallel to action_rl */

    pthread_mutex_t mu; /* pool, counters, stats, hook */
    curlpool *pool;
    unsigned long attempt_no;
    eci_fault_hook hook;
    void *hook_ud;
    stat_entry *stats;
    size_t nstats;

    prom_metric *m_calls;
    prom_metric *m_latency;
    prom_metric *m_attempts;
    prom_metric *m_rate;
};

/* The adaptive rate of one operation (under eci_client.mu). */
typedef struct aimd {
    double rate;        /* calls per second the limiter is set to */
    double ceiling;     /* the published quota per second */
    double floor;       /* lowest rate a decrease reaches */
    int burst_ceiling;  /* the limiter's burst at the ceiling */
    double last_change; /* monotonic seconds of the last increase or decrease */
    double last_cut;    /* monotonic seconds of the last decrease */
} aimd;

/* Published quotas per 60 s (FLOW) and a burst of a tenth of a minute's
 * quota, at least 10 (Create/Delete: the token bucket's burst of 100). */
static const struct {
    const char *action;
    int per_minute;
} quota_table[] = {
    {"DescribeContainerGroupStatus", 10000}, {"DescribeContainerGroupEvents", 10000},
    {"DescribeRegions", 10000},              {"DescribeContainerGroups", 2000},
    {"DescribeContainerGroupMetric", 2000},  {"DescribeMultiContainerGroupMetric", 2000},
    {"CreateContainerGroup", 1000},          {"DeleteContainerGroup", 1000},
    {"UpdateContainerGroup", 1000},          {"RestartContainerGroup", 1000},
    {"DescribeContainerGroupPrice", 1000},   {"ExecContainerCommand", 500},
    {"DescribeContainerLog", 500},           {"CreateImageCache", 200},
};
#define NQUOTA (sizeof quota_table / sizeof quota_table[0])

static int quota_index(const char *action)
{
    for (size_t i = 0; i < NQUOTA; i++)
        if (strcmp(quota_table[i].action, action) == 0)
            return (int)i;
    return -1;
}

const char *eci_quota_action(size_t i) { return i < NQUOTA ? quota_table[i].action : NULL; }

int eci_action_quota(const char *action, int *per_minute, int *burst)
{
    int i = action ? quota_index(action) : -1;
    if (i < 0)
        return 0;
    int pm = quota_table[i].per_minute;
    if (per_minute)
        *per_minute = pm;
    if (burst)
        *burst = pm / 10 < 10 ? 10 : pm / 10;
    return pm;
}

/* The burst the client allows itself: the published one less
 * ECI_BURST_MARGIN. The service's bucket and the client's drain together,
 * but the service counts a call when it arrives, and calls overtake each
 * other on the way: at the quota's pace with no margin, a call that arrives
 * a little early finds the bucket a fraction of a token short and is
 * throttled, which halves the rate of a client that is alone on the account. */
static int client_burst(int published)
{
    int b = (int)(published * (1.0 - ECI_BURST_MARGIN));
    return b < 1 ? 1 : b;
}

void eci_client_config_init(eci_client_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->connect_timeout_ms = 5000;
    cfg->request_timeout_ms = 30000;
    cfg->qps = 20;
    cfg->burst = 40;
    cfg->max_retries = 4;
    cfg->backoff_base_ms = 200;
    cfg->backoff_cap_ms = 10000;
    cfg->max_rate_wait_ms = -1;
    cfg->max_response_bytes = 8u << 20;
    cfg->pool_size = 4;
}

int eci_client_new(const eci_client_config *cfg, eci_client **out, eci_error *err)
{
    *out = NULL;
    eci_error_clear(err);
    if (!cfg || !cfg->region || !*cfg->region)
        return eci_error_set(err, ECI_E_INVALID_ARG, "region is required");
    char *url = eci_endpoint_url(cfg->region, cfg->use_vpc_endpoint, cfg->endpoint);
    if (!url)
        return eci_error_set(err, ECI_E_INVALID_ARG, "no VPC endpoint is known for region %s; set an endpoint",
                             cfg->region);
    if (strncmp(url, "http://", 7) && strncmp(url, "https://", 8)) {
        free(url);
        return eci_error_set(err, ECI_E_INVALID_ARG, "endpoint must start with http:// or https://");
    }
    eci_client *c = xcalloc(1, sizeof *c);
    c->url = url;
    c->region = xstrdup(cfg->region);
    c->user_agent = cfg->user_agent && *cfg->user_agent ? xstrdup(cfg->user_agent)
                                                        : xstrdup("eci-kubelet/" ECI_KUBELET_VERSION);
    c->ca_file = cfg->ca_file && *cfg->ca_file ? xstrdup(cfg->ca_file) : NULL;
    const char *h = strstr(url, "://") + 3;
    c->host = xstrndup(h, strcspn(h, "/?#"));
    c->signature = cfg->signature;
    c->insecure = cfg->insecure_skip_tls_verify;
    c->connect_timeout_ms = cfg->connect_timeout_ms > 0 ? cfg->connect_timeout_ms : 5000;
    c->request_timeout_ms = cfg->request_timeout_ms > 0 ? cfg->request_timeout_ms : 30000;
    c->max_retries = cfg->max_retries >= 0 ? cfg->max_retries : 0;
    c->backoff_base_ms = cfg->backoff_base_ms > 0 ? cfg->backoff_base_ms : 1;
    c->backoff_cap_ms = cfg->backoff_cap_ms >= c->backoff_base_ms ? cfg->backoff_cap_ms : c->backoff_base_ms;
    c->max_rate_wait_ms = cfg->max_rate_wait_ms;
    c->max_response = cfg->max_response_bytes ? cfg->max_response_bytes : (8u << 20);
    c->pool = curlpool_new(cfg->pool_size);
    pthread_mutex_init(&c->mu, NULL);
    c->rl = rl_new(cfg->qps, cfg->burst > 0 ? cfg->burst : 1);
    if (!cfg->no_action_limits) {
        c->action_rl = xcalloc(NQUOTA, sizeof *c->action_rl);
        for (size_t i = 0; i < NQUOTA; i++) {
            int pm = 0, burst = 0;
            eci_action_quota(quota_table[i].action, &pm, &burst);
            c->action_rl[i] = rl_new(pm / 60.0, client_burst(burst));
        }
        c->aimd = xcalloc(NQUOTA, sizeof *c->aimd);
        double now = clock_mono_s();
        for (size_t i = 0; i < NQUOTA; i++) {
            int burst = 0;
            double ceil_qps = eci_action_quota(quota_table[i].action, NULL, &burst) / 60.0;
            c->aimd[i] = (aimd){.rate = ceil_qps, .ceiling = ceil_qps, .floor = ceil_qps / ECI_AIMD_FLOOR_DIV,
                                .burst_ceiling = client_burst(burst), .last_change = now, .last_cut = now - 3600};
        }
    }
    if (cfg->creds) {
        c->creds = cfg->creds;
    } else {
        if (eci_creds_new(&cfg->creds_config, &c->creds, err) != 0) {
            eci_client_free(c);
            return -1;
        }
        c->own_creds = 1;
    }
    if (cfg->metrics) {
        static const char *const labels2[] = {"action", "result", NULL};
        static const char *const labels1[] = {"action", NULL};
        /* Up to a minute: a create with retries under throttling takes tens of seconds. */
        static const double b[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60};
        c->m_calls = prom_counter(cfg->metrics, "eci_api_calls_total", "ECI API calls by action and final result",
                                  labels2);
        c->m_latency = prom_histogram(cfg->metrics, "eci_api_call_duration_seconds",
                                      "ECI API call latency including retries", labels2, b, sizeof b / sizeof b[0]);
        c->m_attempts = prom_counter(cfg->metrics, "eci_api_attempts_total", "ECI API HTTP attempts by action",
                                     labels1);
        if (c->aimd) {
            c->m_rate = prom_gauge(cfg->metrics, "eci_api_rate_limit_per_second",
                                   "Calls per second each ECI operation is paced to: the published quota, lowered "
                                   "by Throttling answers and raised again by successes",
                                   labels1);
            for (size_t i = 0; i < NQUOTA; i++) {
                const char *lv[] = {quota_table[i].action};
                prom_set(c->m_rate, lv, c->aimd[i].rate);
            }
        }
    }
    *out = c;
    return 0;
}

void eci_client_free(eci_client *c)
{
    if (!c)
        return;
    curlpool_free(c->pool);
    if (c->own_creds)
        eci_creds_free(c->creds);
    rl_free(c->rl);
    if (c->action_rl) {
        for (size_t i = 0; i < NQUOTA; i++)
            rl_free(c->action_rl[i]);
        free(c->action_rl);
    }
    free(c->aimd);
    free(c->stats);
    free(c->region);
    free(c->url);
    free(c->host);
    free(c->user_agent);
    free(c->ca_file);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

const char *eci_client_region(const eci_client *c)
{
    return c->region;
}

const char *eci_client_endpoint(const eci_client *c)
{
    return c->url;
}

void eci_client_set_fault_hook(eci_client *c, eci_fault_hook fn, void *ud)
{
    pthread_mutex_lock(&c->mu);
    c->hook = fn;
    c->hook_ud = ud;
    pthread_mutex_unlock(&c->mu);
}

void eci_uuid(char out[37])
{
    unsigned char b[16];
    if (RAND_bytes(b, sizeof b) != 1)
        abort();
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2],
             b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}


typedef struct body_ctx {
    dynbuf buf;
    int overflow;
} body_ctx;

static size_t on_body(char *p, size_t size, size_t nmemb, void *ud)
{
    body_ctx *b = ud;
    size_t n = size * nmemb;
    if (dynbuf_add(&b->buf, p, n) != 0) {
        b->overflow = 1;
        return 0;
    }
    return n;
}

/* ---- stats ------------------------------------------------------------------ */
static void record(eci_client *c, const char *action, eci_class cls, int attempts, double secs)
{
    const char *result = eci_class_name(cls);
    pthread_mutex_lock(&c->mu);
    stat_entry *e = NULL;
    for (size_t i = 0; i < c->nstats; i++)
        if (c->stats[i].row.result == result && !strcmp(c->stats[i].row.action, action)) {
            e = &c->stats[i];
            break;
        }
    if (!e && c->nstats < 512) {
        c->stats = xrealloc(c->stats, (c->nstats + 1) * sizeof *c->stats);
        e = &c->stats[c->nstats++];
        memset(e, 0, sizeof *e);
        snprintf(e->row.action, sizeof e->row.action, "%s", action);
        e->row.result = result;
    }
    if (e) {
        e->row.count++;
        e->row.attempts += (unsigned long)attempts;
        e->row.sum_seconds += secs;
        for (int i = 0; i < ECI_STATS_NBUCKETS; i++)
            if (secs <= eci_stats_bucket_bounds[i])
                e->row.buckets[i]++;
    }
    pthread_mutex_unlock(&c->mu);
    if (c->m_calls) {
        const char *lv[] = {action, result};
        prom_inc(c->m_calls, lv, 1);
        prom_observe(c->m_latency, lv, secs);
        const char *lv1[] = {action};
        prom_inc(c->m_attempts, lv1, attempts);
    }
}

size_t eci_client_stats(eci_client *c, eci_stat_row **rows)
{
    pthread_mutex_lock(&c->mu);
    size_t n = c->nstats;
    *rows = xcalloc(n ? n : 1, sizeof **rows);
    for (size_t i = 0; i < n; i++)
        (*rows)[i] = c->stats[i].row;
    pthread_mutex_unlock(&c->mu);
    return n;
}

unsigned long eci_client_stat_count(eci_client *c, const char *action, const char *result)
{
    unsigned long n = 0;
    pthread_mutex_lock(&c->mu);
    for (size_t i = 0; i < c->nstats; i++)
        if (!strcmp(c->stats[i].row.action, action) && !strcmp(c->stats[i].row.result, result))
            n = c->stats[i].row.count;
    pthread_mutex_unlock(&c->mu);
    return n;
}

/* ---- one attempt --------------------------------------------------------- */
static void scrub_free_params(kv_list *p)
{
    for (size_t i = 0; i < p->n; i++)
        OPENSSL_cleanse(p->items[i].val, strlen(p->items[i].val));
    kv_free(p);
}

static int is_tls_error(CURLcode rc)
{
    return rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CACERT_BADFILE ||
           rc == CURLE_SSL_CERTPROBLEM || rc == CURLE_SSL_ISSUER_ERROR || rc == CURLE_SSL_CRL_BADFILE ||
           rc == CURLE_SSL_PINNEDPUBKEYNOTMATCH;
}

/* Body snippet for errors: printable ASCII only, short. */
static void snippet(char *dst, size_t cap, const char *s, size_t n)
{
    size_t j = 0;
    for (size_t i = 0; i < n && j + 1 < cap && i < 160; i++) {
        unsigned char ch = (unsigned char)s[i];
        dst[j++] = (ch >= 0x20 && ch < 0x7f) ? (char)ch : ' ';
    }
    dst[j] = '\0';
}

static int attempt_once(eci_client *c, const char *action, const kv_list *params, cJSON **out, eci_error *err,
                        long *retry_after_ms)
{
    *retry_after_ms = 0;
    eci_credential cred;
    if (eci_creds_get(c->creds, &cred, err) != 0)
        return -1;
    kv_list p = KV_LIST_INIT;
    if (params)
        for (size_t i = 0; i < params->n; i++)
            kv_add(&p, params->items[i].key, params->items[i].val);
    if (!kv_get(&p, "RegionId"))
        kv_set(&p, "RegionId", c->region);
    char nonce[37];
    eci_uuid(nonce);
    char ts[TIMEFMT_LEN];
    timefmt_format_s(time(NULL), ts, sizeof ts);
    dynbuf form;
    dynbuf_init(&form, 0);
    struct curl_slist *hdrs = NULL;
    if (c->signature == ECI_SIGN_V2) {
        kv_set(&p, "Action", action);
        kv_set(&p, "Format", "JSON");
        kv_set(&p, "Version", ECI_API_VERSION);
        kv_set(&p, "AccessKeyId", cred.access_key_id);
        kv_set(&p, "SignatureMethod", "HMAC-SHA1");
        kv_set(&p, "SignatureVersion", "1.0");
        kv_set(&p, "SignatureNonce", nonce);
        kv_set(&p, "Timestamp", ts);
        if (cred.security_token)
            kv_set(&p, "SecurityToken", cred.security_token);
        kv_del(&p, "Signature");
        char sig[64];
        eci_sign_rpc("POST", &p, cred.access_key_secret, sig);
        kv_add(&p, "Signature", sig);
        OPENSSL_cleanse(sig, sizeof sig);
        eci_form_encode(&form, &p);
        hdrs = curl_slist_append(hdrs, "Content-Type: application/x-www-form-urlencoded");
    } else {
        eci_form_encode(&form, &p);
        eci_v3_call v3 = {.host = c->host, .action = action, .version = ECI_API_VERSION, .date = ts,
                          .nonce = nonce, .security_token = cred.security_token,
                          .content_type = "application/x-www-form-urlencoded", .body = form.buf,
                          .body_len = form.len, .access_key_id = cred.access_key_id};
        kv_list hv = KV_LIST_INIT;
        eci_v3_sign_call(&hv, &v3, cred.access_key_secret);
        dynbuf line;
        dynbuf_init(&line, 0);
        for (size_t i = 0; i < hv.n; i++) {
            dynbuf_reset(&line);
            dynbuf_printf(&line, "%s: %s", hv.items[i].key, hv.items[i].val);
            hdrs = curl_slist_append(hdrs, dynbuf_str(&line));
            OPENSSL_cleanse(line.buf, line.len);
        }
        dynbuf_free(&line);
        scrub_free_params(&hv);
    }
    eci_credential_clear(&cred);
    scrub_free_params(&p);

    CURL *h = curlpool_get(c->pool);
    body_ctx body = {.overflow = 0};
    dynbuf_init(&body.buf, c->max_response);
    char errbuf[CURL_ERROR_SIZE];
    errbuf[0] = '\0';
    hdrs = curl_slist_append(hdrs, "Accept: application/json");
    hdrs = curl_slist_append(hdrs, "Expect:");
    char url[1024];
    snprintf(url, sizeof url, "%s/", c->url);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, form.buf ? form.buf : "");
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)form.len);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(h, CURLOPT_USERAGENT, c->user_agent);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &body);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, c->connect_timeout_ms);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, c->request_timeout_ms);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, c->insecure ? 0L : 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, c->insecure ? 0L : 2L);
    if (c->ca_file)
        curl_easy_setopt(h, CURLOPT_CAINFO, c->ca_file);
    curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    CURLcode rc = curl_easy_perform(h);
    long status = 0;
    if (rc == CURLE_OK) {
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
        curl_off_t ra = 0;
        if (curl_easy_getinfo(h, CURLINFO_RETRY_AFTER, &ra) == CURLE_OK && ra > 0)
            *retry_after_ms = ra > 3600 ? 3600000L : (long)ra * 1000L;
    }
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, NULL);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, NULL);
    curl_slist_free_all(hdrs);
    OPENSSL_cleanse(form.buf ? form.buf : (char *)"", form.buf ? form.len : 0);
    dynbuf_free(&form);
    curlpool_put(c->pool, h, rc == CURLE_OK);

    int ret = -1;
    if (rc != CURLE_OK) {
        const char *msg = errbuf[0] ? errbuf : curl_easy_strerror(rc);
        if (body.overflow || rc == CURLE_FILESIZE_EXCEEDED)
            eci_error_set(err, ECI_E_TOO_LARGE, "response larger than %zu bytes", c->max_response);
        else if (rc == CURLE_OPERATION_TIMEDOUT)
            eci_error_set(err, ECI_E_TIMEOUT, "%s", msg);
        else if (is_tls_error(rc))
            eci_error_set(err, ECI_E_TLS, "%s", msg);
        else
            eci_error_set(err, ECI_E_HTTP, "%s", msg);
        goto done;
    }
    cJSON *j = cJSON_ParseWithLength(dynbuf_str(&body.buf), body.buf.len);
    if (status >= 200 && status < 300) {
        if (!j || !cJSON_IsObject(j)) {
            char sn[200];
            snippet(sn, sizeof sn, dynbuf_str(&body.buf), body.buf.len);
            err->http_status = (int)status;
            eci_error_set(err, ECI_E_DECODE, "response is not a JSON object: %s", sn);
            cJSON_Delete(j);
            goto done;
        }
        /* Capture the RequestId for the caller's logs even on success. */
        const cJSON *rid = cJSON_GetObjectItem(j, "RequestId");
        if (cJSON_IsString(rid))
            snprintf(err->request_id, sizeof err->request_id, "%s", rid->valuestring);
        err->http_status = (int)status;
        if (out)
            *out = j;
        else
            cJSON_Delete(j);
        ret = 0;
        goto done;
    }
    if (!eci_decode_error_body(j, (int)status, err)) {
        char sn[200];
        snippet(sn, sizeof sn, dynbuf_str(&body.buf), body.buf.len);
        eci_error_set_api(err, (int)status, "", "", "");
        eci_error_set(err, err->code, "HTTP %ld without an error code: %s", status, sn);
    }
    cJSON_Delete(j);
done:
    dynbuf_free(&body.buf);
    return ret;
}

/* Additive increase, multiplicative decrease of one operation's rate, so
 * several clients on one account converge on shares of its quota without
 * knowing of each other.
 *
 * A Throttling answer says the account's bucket is empty: the rate halves
 * and the tokens this client saved up are dropped (sending them would only
 * meet the same empty bucket; the limiter's queue is kept and paced at the
 * new rate from now on). Only an answer to a call that took its turn after
 * the last decrease (paced_at, when the attempt started waiting for the
 * limiter) cuts again: the answers to calls queued or in flight before it
 * say what the decrease already acted on, and the calls paced at the new
 * rate tell whether it was enough. So the first seconds, when N clients each
 * start at the whole quota, cost a decrease per client per round trip, not
 * per second.
 *
 * Each success raises the rate by the ceiling times the time since the last
 * change over ECI_AIMD_RAMP_S (at most one second's worth): N clients raise
 * the account's load by N times that, and each rise past the quota costs a
 * few Throttling answers, so the ramp is slow enough that a few clients meet
 * the quota again only every several seconds (the saved-up difference is not
 * lost: the account's bucket keeps it for the calls of the next rise). One
 * client alone is never throttled and never leaves the quota. */
static void adapt(eci_client *c, int qi, int throttled, double paced_at)
{
    if (!c->aimd || qi < 0)
        return;
    double now = clock_mono_s();
    int drain = 0;
    pthread_mutex_lock(&c->mu);
    aimd *a = &c->aimd[qi];
    double before = a->rate;
    if (throttled) {
        if (paced_at >= a->last_cut) {
            a->rate = a->rate * ECI_AIMD_DECREASE < a->floor ? a->floor : a->rate * ECI_AIMD_DECREASE;
            a->last_cut = now;
            a->last_change = now;
            drain = 1;
        }
    } else if (a->rate < a->ceiling) {
        double dt = now - a->last_change;
        if (dt > 1.0)
            dt = 1.0;
        a->rate += a->ceiling * dt / ECI_AIMD_RAMP_S;
        if (a->rate > a->ceiling)
            a->rate = a->ceiling;
        a->last_change = now;
    }
    double rate = a->rate;
    int burst = (int)(a->burst_ceiling * rate / a->ceiling + 0.5);
    pthread_mutex_unlock(&c->mu);
    if (rate != before)
        rl_set_rate(c->action_rl[qi], rate, burst < 1 ? 1 : burst);
    if (drain)
        rl_drain(c->action_rl[qi]);
    if (rate != before && c->m_rate) {
        const char *lv[] = {quota_table[qi].action};
        prom_set(c->m_rate, lv, rate);
    }
}

double eci_client_action_rate(eci_client *c, const char *action)
{
    int qi = c->aimd && action ? quota_index(action) : -1;
    if (qi < 0)
        return 0;
    pthread_mutex_lock(&c->mu);
    double r = c->aimd[qi].rate;
    pthread_mutex_unlock(&c->mu);
    return r;
}

int eci_call(eci_client *c, const char *action, const kv_list *params, cJSON **out, eci_error *err)
{
    eci_error local;
    if (!err)
        err = &local;
    eci_error_clear(err);
    if (out)
        *out = NULL;
    if (!c || !action || !*action)
        return eci_error_set(err, ECI_E_INVALID_ARG, "client and action are required");
    snprintf(err->action, sizeof err->action, "%s", action);
    double t0 = clock_mono_s();
    int attempt = 0, rc = -1;
    long retry_after = 0;
    for (;;) {
        /* Reset the per-attempt fields, keep action. */
        char act[sizeof err->action];
        memcpy(act, err->action, sizeof act);
        eci_error_clear(err);
        memcpy(err->action, act, sizeof act);
        attempt++;

        int qi = c->action_rl ? quota_index(action) : -1;
        double paced_at = clock_mono_s();
        if ((qi >= 0 && rl_wait(c->action_rl[qi], c->max_rate_wait_ms) != 0) ||
            rl_wait(c->rl, c->max_rate_wait_ms) != 0) {
            eci_error_set(err, ECI_E_RATE_LIMIT, "client-side rate limit: would wait more than %ld ms",
                          c->max_rate_wait_ms);
            break;
        }
        pthread_mutex_lock(&c->mu);
        unsigned long no = ++c->attempt_no;
        eci_fault_hook hook = c->hook;
        void *hook_ud = c->hook_ud;
        pthread_mutex_unlock(&c->mu);
        if (hook && hook(hook_ud, action, no, err)) {
            if (err->code == ECI_OK)
                eci_error_set(err, ECI_E_FAULT, "injected fault at attempt %lu", no);
            rc = -1;
            retry_after = 0;
        } else {
            rc = attempt_once(c, action, params, out, err, &retry_after);
        }
        /* Any answer from the service tells how the account's quota stands;
         * broken connections and injected faults tell nothing. */
        if (rc == 0 || err->http_status > 0 || eci_error_classify(err) == ECI_CLASS_THROTTLED)
            adapt(c, qi, rc != 0 && eci_error_classify(err) == ECI_CLASS_THROTTLED, paced_at);
        if (rc == 0 || !eci_error_retriable(err) || attempt > c->max_retries)
            break;
        /* A Retry-After from the service lengthens the wait, up to the cap. */
        long wait = backoff_ms(c->backoff_base_ms, c->backoff_cap_ms, attempt - 1, 50);
        if (retry_after > wait)
            wait = retry_after < c->backoff_cap_ms ? retry_after : c->backoff_cap_ms;
        clock_sleep_ms(wait);
    }
    err->attempts = attempt;
    if (rc == 0)
        err->code = ECI_OK;
    record(c, action, rc == 0 ? ECI_CLASS_OK : eci_error_classify(err), attempt, clock_mono_s() - t0);
    return rc;
}
