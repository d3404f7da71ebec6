#include "eci/creds.h"

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <openssl/crypto.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/dynbuf.h"
#include "util/xmalloc.h"

enum src { SRC_CONFIG, SRC_ENV, SRC_ENV_ECI, SRC_METADATA };

struct eci_creds {
    pthread_mutex_t mu;
    enum src src;
    char *id;
    char *secret;
    char *token;
    time_t expires; /* 0 = never */
    char *role;
    char *metadata_url;
    long timeout_ms;
    long refresh_before;
    unsigned fetches;
};

static void zfree(char *s)
{
    if (s) {
        OPENSSL_cleanse(s, strlen(s));
        free(s);
    }
}

static const char *nonempty(const char *s)
{
    return s && *s ? s : NULL;
}

int eci_creds_new(const eci_creds_config *cfg, eci_creds **out, eci_error *err)
{
    eci_creds_config zero = {0};
    if (!cfg)
        cfg = &zero;
    *out = NULL;
    eci_creds *c = xcalloc(1, sizeof *c);
    pthread_mutex_init(&c->mu, NULL);
    c->timeout_ms = cfg->metadata_timeout_ms > 0 ? cfg->metadata_timeout_ms : 2000;
    c->refresh_before = cfg->refresh_before_s > 0 ? cfg->refresh_before_s : 300;
    c->metadata_url = xstrdup(nonempty(cfg->metadata_url) ? cfg->metadata_url : "http://100.100.100.200");
    size_t n = strlen(c->metadata_url);
    while (n && c->metadata_url[n - 1] == '/')
        c->metadata_url[--n] = '\0';
    if (nonempty(cfg->access_key_id) && nonempty(cfg->access_key_secret)) {
        c->src = SRC_CONFIG;
        c->id = xstrdup(cfg->access_key_id);
        c->secret = xstrdup(cfg->access_key_secret);
        c->token = nonempty(cfg->security_token) ? xstrdup(cfg->security_token) : NULL;
    } else if (!cfg->no_env && nonempty(getenv("ALIBABA_CLOUD_ACCESS_KEY_ID")) &&
               nonempty(getenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET"))) {
        c->src = SRC_ENV;
        c->id = xstrdup(getenv("ALIBABA_CLOUD_ACCESS_KEY_ID"));
        c->secret = xstrdup(getenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET"));
        c->token = nonempty(getenv("ALIBABA_CLOUD_SECURITY_TOKEN")) ? xstrdup(getenv("ALIBABA_CLOUD_SECURITY_TOKEN"))
                                                                   : NULL;
    } else if (!cfg->no_env && nonempty(getenv("ECI_ACCESS_KEY")) && nonempty(getenv("ECI_SECRET_KEY"))) {
        c->src = SRC_ENV_ECI;
        c->id = xstrdup(getenv("ECI_ACCESS_KEY"));
        c->secret = xstrdup(getenv("ECI_SECRET_KEY"));
    } else if (nonempty(cfg->ram_role) || cfg->use_metadata) {
        c->src = SRC_METADATA;
        c->role = nonempty(cfg->ram_role) ? xstrdup(cfg->ram_role) : NULL;
    } else {
        eci_creds_free(c);
        return eci_error_set(err, ECI_E_CREDENTIALS,
                             "no credentials: set access key id/secret, ALIBABA_CLOUD_ACCESS_KEY_ID/"
                             "ALIBABA_CLOUD_ACCESS_KEY_SECRET, ECI_ACCESS_KEY/ECI_SECRET_KEY, or a RAM role");
    }
    *out = c;
    return 0;
}

void eci_creds_free(eci_creds *c)
{
    if (!c)
        return;
    zfree(c->id);
    zfree(c->secret);
    zfree(c->token);
    free(c->role);
    free(c->metadata_url);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

void eci_credential_clear(eci_credential *cred)
{
    if (!cred)
        return;
    zfree(cred->access_key_id);
    zfree(cred->access_key_secret);
    zfree(cred->security_token);
    memset(cred, 0, sizeof *cred);
}

const char *eci_creds_source(const eci_creds *c)
{
    if (!c)
        return "none";
    switch (c->src) {
    case SRC_CONFIG: return "config";
    case SRC_ENV: return "env";
    case SRC_ENV_ECI: return "env-eci";
    case SRC_METADATA: return "ecs-ram-role";
    }
    return "none";
}

unsigned eci_creds_fetch_count(eci_creds *c)
{
    pthread_mutex_lock(&c->mu);
    unsigned n = c->fetches;
    pthread_mutex_unlock(&c->mu);
    return n;
}

static size_t on_body(char *p, size_t size, size_t nmemb, void *ud)
{
    size_t n = size * nmemb;
    return dynbuf_add(ud, p, n) == 0 ? n : 0;
}

/* GET (or PUT when put) url into body (cap 64 KiB) with an optional header;
 * returns the HTTP status or -1. */
static long http_req(const char *url, int put, const char *header, long timeout_ms, dynbuf *body, char *errbuf)
{
    CURL *h = curl_easy_init();
    if (!h)
        return -1;
    struct curl_slist *hdrs = header ? curl_slist_append(NULL, header) : NULL;
    curl_easy_setopt(h, CURLOPT_URL, url);
    if (put) {
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "PUT");
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, "");
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, 0L);
    }
    if (hdrs)
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, body);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_PROXY, "");
    errbuf[0] = '\0';
    CURLcode rc = curl_easy_perform(h);
    long status = -1;
    if (rc == CURLE_OK)
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    else if (!errbuf[0])
        snprintf(errbuf, CURL_ERROR_SIZE, "%s", curl_easy_strerror(rc));
    curl_easy_cleanup(h);
    curl_slist_free_all(hdrs);
    return status;
}

static long http_get(const char *url, const char *header, long timeout_ms, dynbuf *body, char *errbuf)
{
    dynbuf_reset(body);
    return http_req(url, 0, header, timeout_ms, body, errbuf);
}

/* Metadata hardening mode: a session token from PUT /latest/api/token sent as
 * X-aliyun-ecs-metadata-token. Returns a fresh header line, or NULL when the
 * service does not hand out tokens (plain mode). */
static char *metadata_token_header(const eci_creds *c)
{
    char errbuf[CURL_ERROR_SIZE];
    dynbuf body;
    dynbuf_init(&body, 4096);
    char *url = xasprintf("%s/latest/api/token", c->metadata_url);
    long st = http_req(url, 1, "X-aliyun-ecs-metadata-token-ttl-seconds: 21600", c->timeout_ms, &body, errbuf);
    free(url);
    char *hdr = NULL;
    if (st == 200 && body.len > 0 && body.len < 2048) {
        char *t = dynbuf_take(&body, NULL);
        t[strcspn(t, "\r\n")] = '\0';
        if (*t)
            hdr = xasprintf("X-aliyun-ecs-metadata-token: %s", t);
        OPENSSL_cleanse(t, strlen(t));
        free(t);
    }
    dynbuf_free(&body);
    return hdr;
}

static time_t parse_rfc3339(const char *s)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    const char *e = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
    if (!e)
        return 0;
    return timegm(&tm);
}

/* Caller holds mu. */
static int fetch_metadata(eci_creds *c, eci_error *err)
{
    char errbuf[CURL_ERROR_SIZE];
    dynbuf body;
    dynbuf_init(&body, 64 * 1024);
    char *hdr = metadata_token_header(c);
    if (!c->role) {
        char *url = xasprintf("%s/latest/meta-data/ram/security-credentials/", c->metadata_url);
        long st = http_get(url, hdr, c->timeout_ms, &body, errbuf);
        free(url);
        if (st != 200) {
            dynbuf_free(&body);
            zfree(hdr);
            return eci_error_set(err, ECI_E_CREDENTIALS, "metadata service: cannot list RAM roles (%s)",
                                 st < 0 ? errbuf : "HTTP error");
        }
        char *r = dynbuf_take(&body, NULL);
        r[strcspn(r, "\r\n")] = '\0';
        if (!*r) {
            free(r);
            zfree(hdr);
            return eci_error_set(err, ECI_E_CREDENTIALS, "metadata service: no RAM role attached");
        }
        c->role = r;
    }
    char *url = xasprintf("%s/latest/meta-data/ram/security-credentials/%s", c->metadata_url, c->role);
    long st = http_get(url, hdr, c->timeout_ms, &body, errbuf);
    free(url);
    zfree(hdr);
    if (st != 200) {
        dynbuf_free(&body);
        if (st < 0)
            return eci_error_set(err, ECI_E_CREDENTIALS, "metadata service unreachable: %s", errbuf);
        return eci_error_set(err, ECI_E_CREDENTIALS, "metadata service: HTTP %ld for role %s", st, c->role);
    }
    cJSON *j = cJSON_ParseWithLength(body.buf ? body.buf : "", body.len);
    OPENSSL_cleanse(body.buf ? body.buf : (char *)"", body.buf ? body.len : 0);
    dynbuf_free(&body);
    const cJSON *id = j ? cJSON_GetObjectItem(j, "AccessKeyId") : NULL;
    const cJSON *sec = j ? cJSON_GetObjectItem(j, "AccessKeySecret") : NULL;
    const cJSON *tok = j ? cJSON_GetObjectItem(j, "SecurityToken") : NULL;
    const cJSON *exp = j ? cJSON_GetObjectItem(j, "Expiration") : NULL;
    const cJSON *code = j ? cJSON_GetObjectItem(j, "Code") : NULL;
    int ok = cJSON_IsString(id) && cJSON_IsString(sec) && *id->valuestring && *sec->valuestring &&
             (!code || (cJSON_IsString(code) && !strcmp(code->valuestring, "Success")));
    if (!ok) {
        if (j) {
            /* Scrub secrets that may sit in the parsed tree. */
            if (cJSON_IsString(sec))
                OPENSSL_cleanse(sec->valuestring, strlen(sec->valuestring));
            if (cJSON_IsString(tok))
                OPENSSL_cleanse(tok->valuestring, strlen(tok->valuestring));
        }
        cJSON_Delete(j);
        return eci_error_set(err, ECI_E_CREDENTIALS, "metadata service: malformed credentials for role %s",
                             c->role);
    }
    zfree(c->id);
    zfree(c->secret);
    zfree(c->token);
    c->id = xstrdup(id->valuestring);
    c->secret = xstrdup(sec->valuestring);
    c->token = cJSON_IsString(tok) && *tok->valuestring ? xstrdup(tok->valuestring) : NULL;
    c->expires = cJSON_IsString(exp) ? parse_rfc3339(exp->valuestring) : 0;
    OPENSSL_cleanse(sec->valuestring, strlen(sec->valuestring));
    if (cJSON_IsString(tok))
        OPENSSL_cleanse(tok->valuestring, strlen(tok->valuestring));
    cJSON_Delete(j);
    c->fetches++;
    return 0;
}

int eci_creds_get(eci_creds *c, eci_credential *out, eci_error *err)
{
    memset(out, 0, sizeof *out);
    if (!c)
        return eci_error_set(err, ECI_E_CREDENTIALS, "no credentials provider");
    pthread_mutex_lock(&c->mu);
    if (c->src == SRC_METADATA) {
        time_t now = time(NULL);
        int have = c->id && c->secret;
        int valid = have && (c->expires == 0 || now < c->expires);
        int stale = !have || (c->expires != 0 && now >= c->expires - c->refresh_before);
        if (stale) {
            eci_error ferr;
            eci_error_clear(&ferr);
            if (fetch_metadata(c, &ferr) != 0 && !valid) {
                pthread_mutex_unlock(&c->mu);
                if (err) {
                    err->code = ferr.code;
                    memcpy(err->detail, ferr.detail, sizeof err->detail);
                }
                return -1;
            }
        }
    }
    out->access_key_id = xstrdup(c->id);
    out->access_key_secret = xstrdup(c->secret);
    out->security_token = c->token ? xstrdup(c->token) : NULL;
    pthread_mutex_unlock(&c->mu);
    return 0;
}
