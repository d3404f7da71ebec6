/* eci_raw: a tiny signing client for the ECI RPC API, for suites and
 * debugging. Prints "HTTP <status>" and the response body.
 *
 *   eci_raw [options] Action [Name=Value ...]
 *     --endpoint URL     (env ECI_ENDPOINT, default http://127.0.0.1:8080)
 *     --id ID --secret S (env ECI_AK_ID / ECI_AK_SECRET, else ALIBABA_CLOUD_ACCESS_KEY_ID / _SECRET)
 *     --token T          SecurityToken (STS)
 *     --method GET|POST  GET: everything in the query; POST: form body (default GET)
 *     --version V        (default 2018-08-08)   --format JSON|XML
 *     --nonce N          fixed SignatureNonce   --timestamp T   fixed Timestamp
 *     --omit NAME        drop a common parameter before signing (repeatable);
 *                        with --v3 a header (x-acs-date, ...) after signing
 *     --tamper           corrupt the signature
 *     --header "N: V"    one more request header, added after signing (repeatable)
 *     --v3               sign with ACS3-HMAC-SHA256 (x-acs-* headers and
 *                        Authorization; parameters in the query for GET, the
 *                        form body for POST) instead of HMAC-SHA1
 *   Env ECI_REGION adds RegionId unless given. */
#include <curl/curl.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "eci/sign.h"
#include "util/dynbuf.h"
#include "util/kv.h"
#include "util/timefmt.h"

static size_t on_body(char *p, size_t sz, size_t n, void *ud)
{
    dynbuf_add((dynbuf *)ud, p, sz * n);
    return sz * n;
}

int main(int argc, char **argv)
{
    const char *endpoint = getenv("ECI_ENDPOINT") ? getenv("ECI_ENDPOINT") : "http://127.0.0.1:8080";
    const char *id = getenv("ECI_AK_ID") ? getenv("ECI_AK_ID")
                     : getenv("ALIBABA_CLOUD_ACCESS_KEY_ID") ? getenv("ALIBABA_CLOUD_ACCESS_KEY_ID") : "testid";
    const char *secret = getenv("ECI_AK_SECRET") ? getenv("ECI_AK_SECRET")
                         : getenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET") ? getenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET")
                                                                     : "testsecret";
    const char *token = NULL, *method = "GET", *version = "2018-08-08", *format = "JSON";
    const char *nonce = NULL, *stamp = NULL;
    const char *omit[32], *extra[8];
    int nomit = 0, nextra = 0, tamper = 0, v3 = 0, i = 1;
    for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
        const char *o = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(o, "--tamper") == 0 || strcmp(o, "--v3") == 0) {
            *(o[2] == 't' ? &tamper : &v3) = 1;
            continue;
        }
        if (!v) {
            fprintf(stderr, "eci_raw: %s needs a value\n", o);
            return 2;
        }
        i++;
        if (strcmp(o, "--endpoint") == 0) endpoint = v;
        else if (strcmp(o, "--id") == 0) id = v;
        else if (strcmp(o, "--secret") == 0) secret = v;
        else if (strcmp(o, "--token") == 0) token = v;
        else if (strcmp(o, "--method") == 0) method = v;
        else if (strcmp(o, "--version") == 0) version = v;
        else if (strcmp(o, "--format") == 0) format = v;
        else if (strcmp(o, "--nonce") == 0) nonce = v;
        else if (strcmp(o, "--timestamp") == 0) stamp = v;
        else if (strcmp(o, "--omit") == 0 && nomit < 32) omit[nomit++] = v;
        else if (strcmp(o, "--header") == 0 && nextra < 8) extra[nextra++] = v;
        else {
            fprintf(stderr, "eci_raw: unknown option %s\n", o);
            return 2;
        }
    }
    if (i >= argc) {
        fprintf(stderr, "usage: eci_raw [options] Action [Name=Value ...]\n");
        return 2;
    }
    kv_list p = KV_LIST_INIT;
    kv_add(&p, "Action", argv[i++]);
    for (; i < argc; i++) {
        const char *eq = strchr(argv[i], '=');
        if (!eq) {
            fprintf(stderr, "eci_raw: expected Name=Value, got %s\n", argv[i]);
            return 2;
        }
        kv_addn(&p, argv[i], (size_t)(eq - argv[i]), eq + 1, strlen(eq + 1));
    }
    if (getenv("ECI_REGION") && !kv_get(&p, "RegionId"))
        kv_add(&p, "RegionId", getenv("ECI_REGION"));
    char nbuf[64], tbuf[32];
    if (!nonce) {
        unsigned char r[16];
        RAND_bytes(r, sizeof r);
        for (int k = 0; k < 16; k++)
            snprintf(nbuf + 2 * k, 3, "%02x", r[k]);
        nonce = nbuf;
    }
    if (!stamp) {
        stamp = timefmt_format_s(time(NULL), tbuf, sizeof tbuf);
    }
    int post = strcmp(method, "POST") == 0;
    dynbuf q, body, form;
    dynbuf_init(&q, 0);
    dynbuf_init(&body, 0);
    dynbuf_init(&form, 0);
    struct curl_slist *hdrs = NULL;
    if (v3) {
        char action[128];
        snprintf(action, sizeof action, "%s", kv_get(&p, "Action"));
        kv_del(&p, "Action");
        eci_form_encode(post ? &form : &q, &p);
        const char *h = strstr(endpoint, "://");
        h = h ? h + 3 : endpoint;
        char host[256];
        snprintf(host, sizeof host, "%.*s", (int)strcspn(h, "/?#"), h);
        eci_v3_call call = {.method = method, .host = host, .action = action, .version = version, .date = stamp, .nonce = nonce,
                            .security_token = token,
                            .content_type = post ? "application/x-www-form-urlencoded" : NULL,
                            .body = form.buf, .body_len = form.len, .query = post ? NULL : &p,
                            .access_key_id = id};
        kv_list hv = KV_LIST_INIT;
        eci_v3_sign_call(&hv, &call, secret);
        for (int k = 0; k < nomit; k++)
            kv_del(&hv, omit[k]);
        for (size_t k = 0; k < hv.n; k++) {
            char *v = hv.items[k].val;
            if (tamper && strcmp(hv.items[k].key, "Authorization") == 0)
                v[strlen(v) - 1] = v[strlen(v) - 1] == '0' ? '1' : '0';
            dynbuf line;
            dynbuf_init(&line, 0);
            dynbuf_printf(&line, "%s: %s", hv.items[k].key, v);
            hdrs = curl_slist_append(hdrs, dynbuf_str(&line));
            dynbuf_free(&line);
        }
        kv_free(&hv);
    } else {
        kv_add(&p, "Version", version);
        kv_add(&p, "Format", format);
        kv_add(&p, "AccessKeyId", id);
        kv_add(&p, "SignatureMethod", "HMAC-SHA1");
        kv_add(&p, "SignatureVersion", "1.0");
        kv_add(&p, "SignatureNonce", nonce);
        kv_add(&p, "Timestamp", stamp);
        if (token)
            kv_add(&p, "SecurityToken", token);
        for (int k = 0; k < nomit; k++)
            kv_del(&p, omit[k]);
        int omit_sig = 0;
        for (int k = 0; k < nomit; k++)
            omit_sig |= strcmp(omit[k], "Signature") == 0;
        char sig[64];
        eci_sign_rpc(method, &p, secret, sig);
        if (tamper)
            sig[0] = sig[0] == 'A' ? 'B' : 'A';
        if (!omit_sig)
            kv_add(&p, "Signature", sig);
        eci_form_encode(post ? &form : &q, &p);
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    CURL *c = curl_easy_init();
    dynbuf url;
    dynbuf_init(&url, 0);
    dynbuf_adds(&url, endpoint);
    if (url.len == 0 || dynbuf_str(&url)[url.len - 1] != '/')
        dynbuf_addc(&url, '/');
    if (q.len) {
        dynbuf_addc(&url, '?');
        dynbuf_add(&url, q.buf, q.len);
    }
    if (post) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, dynbuf_str(&form));
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)form.len);
    }
    for (int k = 0; k < nextra; k++)
        hdrs = curl_slist_append(hdrs, extra[k]);
    if (hdrs)
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
    if (strcmp(method, "GET") != 0 && !post)
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_URL, dynbuf_str(&url));
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
    CURLcode rc = curl_easy_perform(c);
    long status = 0;
    int ret = 0;
    if (rc != CURLE_OK) {
        printf("HTTP 000\n%s\n", curl_easy_strerror(rc));
        ret = 3;
    } else {
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
        printf("HTTP %ld\n%s\n", status, dynbuf_str(&body));
        ret = status >= 200 && status < 300 ? 0 : 1;
    }
    curl_easy_cleanup(c);
    curl_slist_free_all(hdrs);
    curl_global_cleanup();
    dynbuf_free(&url);
    dynbuf_free(&q);
    dynbuf_free(&body);
    dynbuf_free(&form);
    kv_free(&p);
    return ret;
}
