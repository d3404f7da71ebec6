#include "eci/creds.h"

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "eci/sign.h"
#include "util/dynbuf.h"
#include "util/kv.h"
#include "util/timefmt.h"
#include "util/xmalloc.h"

enum src { SRC_CONFIG, SRC_ENV, SRC_ENV_ECI, SRC_OIDC, SRC_METADATA };

struct eci_creds {
    pthread_mutex_t mu;
    enum src src;
    char *id;
    char *secret;
    char *token;
    time_t expires; /* 0 = never */
    char *role;
    char *metadata_url;
    /* RRSA */
    char *role_arn, *oidc_provider_arn, *oidc_token_file, *sts_url, *session_name;
    long sts_duration;
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

/* The configured value, else the environment's (unless no_env). */
static const char *cfg_or_env(const eci_creds_config *cfg, const char *v, const char *env)
{
    if (nonempty(v))
        return v;
    return cfg->no_env ? NULL : nonempty(getenv(env));
}

/* The STS endpoint as a URL without a trailing slash. */
static char *sts_url(const eci_creds_config *cfg)
{
    const char *ep = cfg_or_env(cfg, cfg->sts_endpoint, "ALIBABA_CLOUD_STS_ENDPOINT");
    char *u;
    if (ep) {
        u = strstr(ep, "://") ? xstrdup(ep) : xasprintf("https://%s", ep);
    } else {
        const char *region = cfg->no_env ? NULL : nonempty(getenv("ALIBABA_CLOUD_STS_REGION"));
        const char *vpc = cfg->no_env ? NULL : getenv("ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED");
        int use_vpc = vpc && (!strcmp(vpc, "true") || !strcmp(vpc, "1"));
        u = region ? xasprintf("https://sts%s.%s.aliyuncs.com", use_vpc ? "-vpc" : "", region)
                   : xstrdup("https://sts.aliyuncs.com");
    }
    size_t n = strlen(u);
    while (n && u[n - 1] == '/')
        u[--n] = '\0';
    return u;
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
    } else if (cfg_or_env(cfg, cfg->role_arn, "ALIBABA_CLOUD_ROLE_ARN") ||
               cfg_or_env(cfg, cfg->oidc_provider_arn, "ALIBABA_CLOUD_OIDC_PROVIDER_ARN") ||
               cfg_or_env(cfg, cfg->oidc_token_file, "ALIBABA_CLOUD_OIDC_TOKEN_FILE")) {
        const char *role = cfg_or_env(cfg, cfg->role_arn, "ALIBABA_CLOUD_ROLE_ARN");
        const char *prov = cfg_or_env(cfg, cfg->oidc_provider_arn, "ALIBABA_CLOUD_OIDC_PROVIDER_ARN");
        const char *file = cfg_or_env(cfg, cfg->oidc_token_file, "ALIBABA_CLOUD_OIDC_TOKEN_FILE");
        if (!role || !prov || !file) {
            eci_creds_free(c);
            return eci_error_set(err, ECI_E_CREDENTIALS,
                                 "RRSA needs all three of ALIBABA_CLOUD_ROLE_ARN, ALIBABA_CLOUD_OIDC_PROVIDER_ARN "
                                 "and ALIBABA_CLOUD_OIDC_TOKEN_FILE (missing %s)",
                                 !role ? "the role ARN" : !prov ? "the OIDC provider ARN" : "the token file");
        }
        c->src = SRC_OIDC;
        c->role_arn = xstrdup(role);
        c->oidc_provider_arn = xstrdup(prov);
        c->oidc_token_file = xstrdup(file);
        c->sts_url = sts_url(cfg);
        const char *sn = cfg_or_env(cfg, cfg->role_session_name, "ALIBABA_CLOUD_ROLE_SESSION_NAME");
        c->session_name = xstrdup(sn ? sn : "eci-kubelet");
        c->sts_duration = cfg->sts_duration_s > 0 ? cfg->sts_duration_s : 3600;
    } else if (nonempty(cfg->ram_role) || cfg->use_metadata) {
        c->src = SRC_METADATA;
        c->role = nonempty(cfg->ram_role) ? xstrdup(cfg->ram_role) : NULL;
    } else {
        eci_creds_free(c);
        return eci_error_set(err, ECI_E_CREDENTIALS,
                             "no credentials: set access key id/secret, ALIBABA_CLOUD_ACCESS_KEY_ID/"
                             "ALIBABA_CLOUD_ACCESS_KEY_SECRET, ECI_ACCESS_KEY/ECI_SECRET_KEY, RRSA "
                             "(ALIBABA_CLOUD_ROLE_ARN, ALIBABA_CLOUD_OIDC_PROVIDER_ARN, "
                             "ALIBABA_CLOUD_OIDC_TOKEN_FILE) or a RAM role");
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
    free(c->role_arn);
    free(c->oidc_provider_arn);
    free(c->oidc_token_file);
    free(c->sts_url);
    free(c->session_name);
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
    case SRC_OIDC: return "rrsa";
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

enum method { M_GET, M_PUT, M_POST };

/* GET, PUT (empty body) or POST (form body) url into body (cap 64 KiB) with
 * an optional header; returns the HTTP status or -1. The metadata service is
 * link-local and never reached through a proxy; STS honours the proxy
 * environment like any HTTPS client. */
static long http_req(const char *url, enum method m, const char *form, const char *header, long timeout_ms,
                     dynbuf *body, char *errbuf)
{
    CURL *h = curl_easy_init();
    if (!h)
        return -1;
    struct curl_slist *hdrs = header ? curl_slist_append(NULL, header) : NULL;
    curl_easy_setopt(h, CURLOPT_URL, url);
    if (m == M_PUT) {
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "PUT");
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, "");
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, 0L);
    } else if (m == M_POST) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, form);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(form));
    }
    if (hdrs)
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, body);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    if (m != M_POST)
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
    return http_req(url, M_GET, NULL, header, timeout_ms, body, errbuf);
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
    long st = http_req(url, M_PUT, NULL, "X-aliyun-ecs-metadata-token-ttl-seconds: 21600", c->timeout_ms, &body,
                       errbuf);
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
    struct timespec ts;
    return timefmt_parse(s, strlen(s), &ts) == 0 ? ts.tv_sec : 0;
}

/* Parse a credentials object (the metadata answer itself, or its member
 * `member`) from body, which is scrubbed and freed, and keep it. Caller holds
 * mu. 0, or -1 when malformed (nothing changes). */
static int take_credentials(eci_creds *c, dynbuf *body, const char *member)
{
    cJSON *j = cJSON_ParseWithLength(body->buf ? body->buf : "", body->len);
    OPENSSL_cleanse(body->buf ? body->buf : (char *)"", body->buf ? body->len : 0);
    dynbuf_free(body);
    const cJSON *o = j && member ? cJSON_GetObjectItem(j, member) : j;
    const cJSON *id = o ? cJSON_GetObjectItem(o, "AccessKeyId") : NULL;
    const cJSON *sec = o ? cJSON_GetObjectItem(o, "AccessKeySecret") : NULL;
    const cJSON *tok = o ? cJSON_GetObjectItem(o, "SecurityToken") : NULL;
    const cJSON *exp = o ? cJSON_GetObjectItem(o, "Expiration") : NULL;
    const cJSON *code = o ? cJSON_GetObjectItem(o, "Code") : NULL;
    int ok = cJSON_IsString(id) && cJSON_IsString(sec) && *id->valuestring && *sec->valuestring &&
             (!code || (cJSON_IsString(code) && !strcmp(code->valuestring, "Success")));
    if (ok) {
        zfree(c->id);
        zfree(c->secret);
        zfree(c->token);
        c->id = xstrdup(id->valuestring);
        c->secret = xstrdup(sec->valuestring);
        c->token = cJSON_IsString(tok) && *tok->valuestring ? xstrdup(tok->valuestring) : NULL;
        c->expires = cJSON_IsString(exp) ? parse_rfc3339(exp->valuestring) : 0;
        c->fetches++;
    }
    /* Scrub the secrets that sit in the parsed tree. */
    if (cJSON_IsString(sec))
        OPENSSL_cleanse(sec->valuestring, strlen(sec->valuestring));
    if (cJSON_IsString(tok))
        OPENSSL_cleanse(tok->valuestring, strlen(tok->valuestring));
    cJSON_Delete(j);
    return ok ? 0 : -1;
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
    if (take_credentials(c, &body, NULL) != 0)
        return eci_error_set(err, ECI_E_CREDENTIALS, "metadata service: malformed credentials for role %s",
                             c->role);
    return 0;
}

/* The OIDC token: the file's content, read anew for every exchange (the
 * kubelet rewrites a projected token before it expires). */
static char *read_token_file(const char *path, eci_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        eci_error_set(err, ECI_E_CREDENTIALS, "RRSA: cannot read the OIDC token file %s: %s", path,
                      strerror(errno));
        return NULL;
    }
    dynbuf b;
    dynbuf_init(&b, 64 * 1024);
    char buf[4096];
    size_t n;
    int over = 0;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        if (dynbuf_add(&b, buf, n) != 0) {
            over = 1;
            break;
        }
    fclose(f);
    while (b.len && strchr(" \t\r\n", b.buf[b.len - 1]))
        b.buf[--b.len] = '\0';
    if (over || b.len == 0) {
        OPENSSL_cleanse(b.buf ? b.buf : (char *)"", b.buf ? b.len : 0);
        dynbuf_free(&b);
        eci_error_set(err, ECI_E_CREDENTIALS, "RRSA: the OIDC token file %s is %s", path,
                      over ? "larger than 64 KiB" : "empty");
        return NULL;
    }
    return dynbuf_take(&b, NULL);
}

/* STS AssumeRoleWithOIDC: an anonymous call (the token is the proof), the
 * parameters in a form body so a long token stays out of URLs and logs.
 * Caller holds mu. */
static int fetch_oidc(eci_creds *c, eci_error *err)
{
    char *token = read_token_file(c->oidc_token_file, err);
    if (!token)
        return -1;
    char stamp[TIMEFMT_LEN], nonce[33];
    timefmt_format_s(time(NULL), stamp, sizeof stamp);
    unsigned char rnd[16];
    RAND_bytes(rnd, sizeof rnd);
    for (int i = 0; i < 16; i++)
        snprintf(nonce + 2 * i, 3, "%02x", rnd[i]);
    kv_list p = KV_LIST_INIT;
    kv_add(&p, "Action", "AssumeRoleWithOIDC");
    kv_add(&p, "Format", "JSON");
    kv_add(&p, "Version", "2015-04-01");
    kv_add(&p, "Timestamp", stamp);
    kv_add(&p, "SignatureNonce", nonce);
    kv_add(&p, "RoleArn", c->role_arn);
    kv_add(&p, "OIDCProviderArn", c->oidc_provider_arn);
    kv_add(&p, "OIDCToken", token);
    kv_add(&p, "RoleSessionName", c->session_name);
    kv_addf(&p, "DurationSeconds", "%ld", c->sts_duration);
    OPENSSL_cleanse(token, strlen(token));
    free(token);
    dynbuf form;
    dynbuf_init(&form, 0);
    eci_canonical_query(&form, &p);
    for (size_t i = 0; i < p.n; i++)
        if (!strcmp(p.items[i].key, "OIDCToken"))
            OPENSSL_cleanse(p.items[i].val, strlen(p.items[i].val));
    kv_free(&p);
    char errbuf[CURL_ERROR_SIZE];
    dynbuf body;
    dynbuf_init(&body, 64 * 1024);
    char *url = xasprintf("%s/", c->sts_url);
    long st = http_req(url, M_POST, dynbuf_str(&form), "Content-Type: application/x-www-form-urlencoded",
                       c->timeout_ms > 10000 ? c->timeout_ms : 10000, &body, errbuf);
    free(url);
    OPENSSL_cleanse(form.buf ? form.buf : (char *)"", form.buf ? form.len : 0);
    dynbuf_free(&form);
    if (st < 0) {
        dynbuf_free(&body);
        return eci_error_set(err, ECI_E_CREDENTIALS, "RRSA: STS %s unreachable: %s", c->sts_url, errbuf);
    }
    if (st != 200) {
        /* STS errors carry Code and Message, never a secret. */
        cJSON *j = cJSON_ParseWithLength(body.buf ? body.buf : "", body.len);
        const cJSON *code = j ? cJSON_GetObjectItem(j, "Code") : NULL;
        const cJSON *msg = j ? cJSON_GetObjectItem(j, "Message") : NULL;
        eci_error_set(err, ECI_E_CREDENTIALS, "RRSA: STS AssumeRoleWithOIDC for %s: HTTP %ld %s: %s", c->role_arn, st,
                      cJSON_IsString(code) ? code->valuestring : "",
                      cJSON_IsString(msg) ? msg->valuestring : "");
        cJSON_Delete(j);
        dynbuf_free(&body);
        return -1;
    }
    if (take_credentials(c, &body, "Credentials") != 0)
        return eci_error_set(err, ECI_E_CREDENTIALS, "RRSA: malformed STS answer for %s", c->role_arn);
    return 0;
}

int eci_creds_get(eci_creds *c, eci_credential *out, eci_error *err)
{
    memset(out, 0, sizeof *out);
    if (!c)
        return eci_error_set(err, ECI_E_CREDENTIALS, "no credentials provider");
    pthread_mutex_lock(&c->mu);
    if (c->src == SRC_METADATA || c->src == SRC_OIDC) {
        time_t now = time(NULL);
        int have = c->id && c->secret;
        int valid = have && (c->expires == 0 || now < c->expires);
        int stale = !have || (c->expires != 0 && now >= c->expires - c->refresh_before);
        if (stale) {
            eci_error ferr;
            eci_error_clear(&ferr);
            int frc = c->src == SRC_OIDC ? fetch_oidc(c, &ferr) : fetch_metadata(c, &ferr);
            if (frc != 0 && !valid) {
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
