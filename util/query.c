#include "util/query.h"
#include "util/xmalloc.h"

#include <stdio.h>
#include <string.h>

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decode into dst (at least len+1 bytes). Returns decoded length, or -1 with
 * *bad set to the offending offset. */
static long decode(const char *src, size_t len, unsigned flags, char *dst, size_t *bad)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)src[i];
        if (c == '%') {
            if (i + 2 >= len) {
                *bad = i;
                return -1;
            }
            int hi = hexval((unsigned char)src[i + 1]);
            int lo = hexval((unsigned char)src[i + 2]);
            if (hi < 0 || lo < 0) {
                *bad = i;
                return -1;
            }
            c = (unsigned char)(hi * 16 + lo);
            if (c == 0) {
                *bad = i;
                return -1;
            }
            i += 2;
        } else if (c == '+' && (flags & QUERY_PLUS_IS_SPACE)) {
            c = ' ';
        } else if (c == 0) {
            *bad = i;
            return -1;
        }
        dst[o++] = (char)c;
    }
    dst[o] = '\0';
    return (long)o;
}

char *query_unescape(const char *src, size_t len, unsigned flags)
{
    char *d = xmalloc(len + 1);
    size_t bad;
    if (decode(src, len, flags, d, &bad) < 0) {
        free(d);
        return NULL;
    }
    return d;
}

int query_parse(const char *s, size_t len, unsigned flags, kv_list *out, char *err, size_t errlen)
{
    kv_list tmp = KV_LIST_INIT;
    size_t i = 0;
    while (i < len) {
        size_t start = i;
        while (i < len && s[i] != '&')
            i++;
        size_t seg = i - start;
        if (seg > 0) {
            const char *p = s + start;
            const char *eq = memchr(p, '=', seg);
            size_t klen = eq ? (size_t)(eq - p) : seg;
            size_t vlen = eq ? seg - klen - 1 : 0;
            if (klen == 0) {
                if (err)
                    snprintf(err, errlen, "empty parameter name at offset %zu", start);
                kv_free(&tmp);
                return -1;
            }
            char *k = xmalloc(klen + 1), *v = xmalloc(vlen + 1);
            size_t bad = 0;
            long kl = decode(p, klen, flags, k, &bad);
            long vl = kl < 0 ? -1 : decode(eq ? eq + 1 : "", vlen, flags, v, &bad);
            if (kl < 0 || vl < 0) {
                if (err)
                    snprintf(err, errlen, "bad percent-escape or NUL byte at offset %zu",
                             start + (kl < 0 ? 0 : klen + 1) + bad);
                free(k);
                free(v);
                kv_free(&tmp);
                return -1;
            }
            kv_addn(&tmp, k, (size_t)kl, v, (size_t)vl);
            free(k);
            free(v);
        }
        i++; /* skip '&' */
    }
    for (size_t j = 0; j < tmp.n; j++) {
        kv_add(out, tmp.items[j].key, tmp.items[j].val);
    }
    kv_free(&tmp);
    return 0;
}
