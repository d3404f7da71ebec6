#include "eci/sign.h"
#include "util/base64.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <string.h>
#include <strings.h>

static int unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '_' || c == '.' || c == '~';
}

void eci_percent_encode(dynbuf *out, const char *s, size_t len)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (unreserved(c)) {
            dynbuf_addc(out, (char)c);
        } else {
            char e[3] = {'%', hex[c >> 4], hex[c & 15]};
            dynbuf_add(out, e, 3);
        }
    }
}

void eci_form_encode(dynbuf *out, const kv_list *p)
{
    for (size_t i = 0; i < p->n; i++) {
        if (i)
            dynbuf_addc(out, '&');
        eci_percent_encode(out, p->items[i].key, strlen(p->items[i].key));
        dynbuf_addc(out, '=');
        eci_percent_encode(out, p->items[i].val, strlen(p->items[i].val));
    }
}

/* Sorted "k=v&..." of params, skipping the parameter named skip (if any). */
static void sorted_query(dynbuf *out, const kv_list *params, const char *skip)
{
    kv_list sorted = KV_LIST_INIT;
    for (size_t i = 0; params && i < params->n; i++)
        if (!skip || strcmp(params->items[i].key, skip) != 0)
            kv_add(&sorted, params->items[i].key, params->items[i].val);
    kv_sort(&sorted);
    eci_form_encode(out, &sorted);
    kv_free(&sorted);
}

void eci_canonical_query(dynbuf *out, const kv_list *params)
{
    sorted_query(out, params, "Signature");
}

void eci_string_to_sign(dynbuf *out, const char *method, const kv_list *params)
{
    dynbuf q;
    dynbuf_init(&q, 0);
    eci_canonical_query(&q, params);
    dynbuf_adds(out, method);
    dynbuf_adds(out, "&%2F&");
    eci_percent_encode(out, dynbuf_str(&q), q.len);
    dynbuf_free(&q);
}

void eci_sign_rpc(const char *method, const kv_list *params, const char *secret, char sig[64])
{
    dynbuf sts, key;
    dynbuf_init(&sts, 0);
    dynbuf_init(&key, 0);
    eci_string_to_sign(&sts, method, params);
    dynbuf_adds(&key, secret ? secret : "");
    dynbuf_addc(&key, '&');
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int maclen = 0;
    HMAC(EVP_sha1(), key.buf, (int)key.len, (const unsigned char *)sts.buf, sts.len, mac, &maclen);
    b64_encode_to(sig, mac, maclen);
    OPENSSL_cleanse(key.buf, key.len);
    dynbuf_free(&key);
    dynbuf_free(&sts);
}

int eci_sign_equal(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la != lb)
        return 0;
    return CRYPTO_memcmp(a, b, la) == 0;
}

/* ---- V3 ----------------------------------------------------------------- */

static void hex(const unsigned char *p, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[p[i] >> 4];
        out[2 * i + 1] = digits[p[i] & 15];
    }
    out[2 * n] = '\0';
}

void eci_sha256_hex(const void *p, size_t n, char out[65])
{
    unsigned char md[SHA256_DIGEST_LENGTH];
    SHA256(p ? p : (const void *)"", n, md);
    hex(md, sizeof md, out);
}

static int is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

static void add_lower(kv_list *l, const char *s, size_t n)
{
    kv_addn(l, s, n, "", 0);
    for (char *k = l->items[l->n - 1].key; *k; k++)
        if (*k >= 'A' && *k <= 'Z')
            *k = (char)(*k - 'A' + 'a');
}

/* Sorted names of a ';' list into names; -1 on an empty or repeated name. */
static int split_names(const char *list, kv_list *names)
{
    if (!list || !*list)
        return -1;
    for (const char *p = list;;) {
        const char *end = strchr(p, ';');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n == 0)
            return -1;
        add_lower(names, p, n);
        if (!end)
            break;
        p = end + 1;
    }
    kv_sort(names);
    for (size_t i = 1; i < names->n; i++)
        if (strcmp(names->items[i - 1].key, names->items[i].key) == 0)
            return -1;
    return 0;
}

/* "v1,v2" for every header called name (trimmed values, sorted); -1 when none. */
static int header_value(dynbuf *out, const kv_list *headers, const char *name)
{
    kv_list vals = KV_LIST_INIT;
    for (size_t i = 0; headers && i < headers->n; i++) {
        if (strcasecmp(headers->items[i].key, name) != 0)
            continue;
        const char *v = headers->items[i].val;
        size_t n = strlen(v);
        while (n && is_space(*v))
            v++, n--;
        while (n && is_space(v[n - 1]))
            n--;
        kv_addn(&vals, v, n, "", 0);
    }
    int rc = vals.n ? 0 : -1;
    kv_sort(&vals);
    for (size_t i = 0; i < vals.n; i++) {
        if (i)
            dynbuf_addc(out, ',');
        dynbuf_adds(out, vals.items[i].key);
    }
    kv_free(&vals);
    return rc;
}

int eci_v3_canonical_request(dynbuf *out, const eci_v3_request *r)
{
    kv_list names = KV_LIST_INIT;
    int rc = split_names(r->signed_headers, &names);
    dynbuf_adds(out, r->method);
    dynbuf_addc(out, '\n');
    dynbuf_adds(out, r->path && *r->path ? r->path : "/");
    dynbuf_addc(out, '\n');
    sorted_query(out, r->query, NULL);
    dynbuf_addc(out, '\n');
    for (size_t i = 0; rc == 0 && i < names.n; i++) {
        dynbuf_adds(out, names.items[i].key);
        dynbuf_addc(out, ':');
        rc = header_value(out, r->headers, names.items[i].key);
        dynbuf_addc(out, '\n');
    }
    dynbuf_addc(out, '\n');
    for (size_t i = 0; i < names.n; i++) {
        if (i)
            dynbuf_addc(out, ';');
        dynbuf_adds(out, names.items[i].key);
    }
    dynbuf_addc(out, '\n');
    dynbuf_adds(out, r->payload_sha256 ? r->payload_sha256 : "");
    kv_free(&names);
    return rc;
}

int eci_sign_v3(const eci_v3_request *r, const char *secret, char sig[65], dynbuf *sts_out)
{
    dynbuf creq, sts;
    dynbuf_init(&creq, 0);
    dynbuf_init(&sts, 0);
    int rc = eci_v3_canonical_request(&creq, r);
    char h[65];
    eci_sha256_hex(creq.buf, creq.len, h);
    dynbuf_adds(&sts, ECI_V3_ALGORITHM "\n");
    dynbuf_adds(&sts, h);
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int maclen = 0;
    secret = secret ? secret : "";
    HMAC(EVP_sha256(), secret, (int)strlen(secret), (const unsigned char *)sts.buf, sts.len, mac, &maclen);
    hex(mac, maclen, sig);
    if (sts_out)
        dynbuf_add(sts_out, sts.buf, sts.len);
    /* the canonical request may hold an STS token */
    OPENSSL_cleanse(creq.buf, creq.len);
    dynbuf_free(&creq);
    dynbuf_free(&sts);
    return rc;
}

void eci_v3_signed_headers(dynbuf *out, const kv_list *headers)
{
    kv_list names = KV_LIST_INIT;
    for (size_t i = 0; headers && i < headers->n; i++) {
        const char *k = headers->items[i].key;
        if (strcasecmp(k, "host") == 0 || strcasecmp(k, "content-type") == 0 || strncasecmp(k, "x-acs-", 6) == 0)
            add_lower(&names, k, strlen(k));
    }
    kv_sort(&names);
    size_t w = 0;
    for (size_t i = 0; i < names.n; i++) {
        if (i && strcmp(names.items[i - 1].key, names.items[i].key) == 0)
            continue;
        if (w++)
            dynbuf_addc(out, ';');
        dynbuf_adds(out, names.items[i].key);
    }
    kv_free(&names);
}

void eci_v3_sign_call(kv_list *headers, const eci_v3_call *c, const char *secret)
{
    char payload[65];
    eci_sha256_hex(c->body, c->body_len, payload);
    kv_list h = KV_LIST_INIT;
    kv_add(&h, "host", c->host);
    kv_add(&h, "x-acs-action", c->action);
    kv_add(&h, "x-acs-version", c->version);
    kv_add(&h, "x-acs-date", c->date);
    kv_add(&h, "x-acs-signature-nonce", c->nonce);
    kv_add(&h, "x-acs-content-sha256", payload);
    if (c->security_token)
        kv_add(&h, "x-acs-security-token", c->security_token);
    if (c->content_type)
        kv_add(&h, "content-type", c->content_type);
    dynbuf names;
    dynbuf_init(&names, 0);
    eci_v3_signed_headers(&names, &h);
    eci_v3_request r = {c->method ? c->method : "POST", "/", c->query, &h, dynbuf_str(&names), payload};
    char sig[65];
    eci_sign_v3(&r, secret, sig, NULL);
    for (size_t i = 0; i < h.n; i++)
        kv_add(headers, h.items[i].key, h.items[i].val);
    kv_addf(headers, "Authorization", ECI_V3_ALGORITHM " Credential=%s,SignedHeaders=%s,Signature=%s",
            c->access_key_id, dynbuf_str(&names), sig);
    OPENSSL_cleanse(sig, sizeof sig);
    dynbuf_free(&names);
    for (size_t i = 0; i < h.n; i++)
        OPENSSL_cleanse(h.items[i].val, strlen(h.items[i].val));
    kv_free(&h);
}

int eci_v3_parse_authorization(const char *value, dynbuf *alg, dynbuf *credential, dynbuf *signed_headers,
                               dynbuf *signature)
{
    const char *p = value;
    while (*p == ' ')
        p++;
    const char *sp = strchr(p, ' ');
    if (!sp || sp == p)
        return -1;
    dynbuf_add(alg, p, (size_t)(sp - p));
    dynbuf *part[3] = {credential, signed_headers, signature};
    static const char *const key[3] = {"Credential=", "SignedHeaders=", "Signature="};
    int seen[3] = {0, 0, 0};
    for (p = sp; *p;) {
        while (*p == ' ')
            p++;
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        while (n && p[n - 1] == ' ')
            n--;
        int k = 0;
        while (k < 3 && strncmp(p, key[k], strlen(key[k])) != 0)
            k++;
        size_t kl = k < 3 ? strlen(key[k]) : 0;
        if (k == 3 || seen[k] || n <= kl)
            return -1;
        seen[k] = 1;
        dynbuf_add(part[k], p + kl, n - kl);
        if (!end)
            break;
        p = end + 1;
    }
    return seen[0] && seen[1] && seen[2] ? 0 : -1;
}
