#include "eci/sign.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <string.h>

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

void eci_canonical_query(dynbuf *out, const kv_list *params)
{
    kv_list sorted = KV_LIST_INIT;
    for (size_t i = 0; i < params->n; i++)
        if (strcmp(params->items[i].key, "Signature") != 0)
            kv_add(&sorted, params->items[i].key, params->items[i].val);
    kv_sort(&sorted);
    for (size_t i = 0; i < sorted.n; i++) {
        if (i)
            dynbuf_addc(out, '&');
        eci_percent_encode(out, sorted.items[i].key, strlen(sorted.items[i].key));
        dynbuf_addc(out, '=');
        eci_percent_encode(out, sorted.items[i].val, strlen(sorted.items[i].val));
    }
    kv_free(&sorted);
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
    EVP_EncodeBlock((unsigned char *)sig, mac, (int)maclen);
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
