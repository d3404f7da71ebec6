/* Request parameter helpers: typed getters with the service's error codes,
 * flattened list indices (Name.N...), JSON-array strings, times, ids. */
#include "eci/emulator/emu.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "util/timefmt.h"
#include "util/xmalloc.h"

const char *emu_get(const kv_list *p, const char *key)
{
    const char *v = kv_get(p, key);
    return (v && *v) ? v : NULL;
}

const char *emu_getf(const kv_list *p, char *keybuf, size_t keylen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(keybuf, keylen, fmt, ap);
    va_end(ap);
    return emu_get(p, keybuf);
}

int emu_get_bool(const kv_list *p, const char *key, int *out, emu_err *e)
{
    const char *v = emu_get(p, key);
    if (!v)
        return 0;
    if (strcasecmp(v, "true") == 0) {
        *out = 1;
        return 1;
    }
    if (strcasecmp(v, "false") == 0) {
        *out = 0;
        return 1;
    }
    return emu_invalid(e, key, "expected true or false");
}

int emu_get_long(const kv_list *p, const char *key, long lo, long hi, long *out, emu_err *e)
{
    const char *v = emu_get(p, key);
    if (!v)
        return 0;
    errno = 0;
    char *end = NULL;
    long n = strtol(v, &end, 10);
    if (errno || end == v || *end)
        return emu_invalid(e, key, "expected an integer");
    if (n < lo || n > hi)
        return emu_fail(e, 400, "InvalidParameter.ValueExceeded",
                        "The parameter \"%s\" is out of range (%ld..%ld).", key, lo, hi);
    *out = n;
    return 1;
}

int emu_get_double(const kv_list *p, const char *key, double lo, double hi, double *out, emu_err *e)
{
    const char *v = emu_get(p, key);
    if (!v)
        return 0;
    errno = 0;
    char *end = NULL;
    double d = strtod(v, &end);
    if (errno || end == v || *end || !isfinite(d))
        return emu_invalid(e, key, "expected a number");
    if (d < lo || d > hi)
        return emu_fail(e, 400, "InvalidParameter.ValueExceeded",
                        "The parameter \"%s\" is out of range.", key);
    *out = d;
    return 1;
}

static int cmp_long(const void *a, const void *b)
{
    long x = *(const long *)a, y = *(const long *)b;
    return (x > y) - (x < y);
}

long emu_list_indices(const kv_list *p, const char *prefix, long **idx, emu_err *e)
{
    size_t plen = strlen(prefix), n = 0, alloc = 0;
    long *v = NULL;
    for (size_t i = 0; i < p->n; i++) {
        const char *k = p->items[i].key;
        if (strncmp(k, prefix, plen) != 0)
            continue;
        const char *d = k + plen;
        size_t nd = 0;
        while (isdigit((unsigned char)d[nd]))
            nd++;
        /* an upper-case letter right after the index: the core SDK's missing
         * dot (AcrRegistryInfo.1Domain.1) */
        if (nd == 0 || (d[nd] != '\0' && d[nd] != '.' && !isupper((unsigned char)d[nd])))
            continue; /* another parameter sharing the prefix (e.g. Container.1.Name vs ContainerX) */
        if (nd > 6 || d[0] == '0') {
            free(v);
            return emu_fail(e, 400, "InvalidParameter", "The parameter \"%s\" has an invalid list index.", k);
        }
        long x = strtol(d, NULL, 10);
        int seen = 0;
        for (size_t j = 0; j < n; j++)
            if (v[j] == x) {
                seen = 1;
                break;
            }
        if (seen)
            continue;
        if (n == alloc) {
            alloc = alloc ? alloc * 2 : 8;
            v = xrealloc(v, alloc * sizeof *v);
        }
        v[n++] = x;
    }
    if (n)
        qsort(v, n, sizeof *v, cmp_long);
    *idx = v;
    return (long)n;
}

long emu_repeat_list(const kv_list *p, const char *prefix, const char ***out, emu_err *e)
{
    long *idx = NULL;
    long n = emu_list_indices(p, prefix, &idx, e);
    *out = NULL;
    if (n <= 0) {
        free(idx);
        return n;
    }
    const char **v = xcalloc((size_t)n, sizeof *v);
    long m = 0;
    char key[512];
    for (long i = 0; i < n; i++) {
        snprintf(key, sizeof key, "%s%ld", prefix, idx[i]);
        const char *val = kv_get(p, key);
        if (val)
            v[m++] = val;
    }
    free(idx);
    *out = v;
    return m;
}

void emu_strv_free(char **v, size_t n)
{
    if (!v)
        return;
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* Normalise typographic quotes (U+201C/U+201D, U+2018/U+2019) and single
 * quotes to '"' so cJSON can read the spec's sample forms. */
static char *normalise_quotes(const char *s)
{
    size_t n = strlen(s);
    char *o = xmalloc(n + 1), *w = o;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == 0xE2 && i + 2 < n && (unsigned char)s[i + 1] == 0x80 &&
            ((unsigned char)s[i + 2] >= 0x98 && (unsigned char)s[i + 2] <= 0x9D)) {
            *w++ = '"';
            i += 2;
        } else if (c == '\'') {
            *w++ = '"';
        } else {
            *w++ = (char)c;
        }
    }
    *w = 0;
    return o;
}

long emu_json_strv(const char *s, char ***out)
{
    *out = NULL;
    cJSON *j = cJSON_Parse(s);
    if (!j) {
        char *n = normalise_quotes(s);
        j = cJSON_Parse(n);
        free(n);
    }
    if (!j || !cJSON_IsArray(j)) {
        cJSON_Delete(j);
        return -1;
    }
    int n = cJSON_GetArraySize(j);
    char **v = xcalloc((size_t)n + 1, sizeof *v);
    long m = 0;
    cJSON *it;
    cJSON_ArrayForEach(it, j) {
        if (!cJSON_IsString(it)) {
            emu_strv_free(v, (size_t)m);
            cJSON_Delete(j);
            return -1;
        }
        v[m++] = xstrdup(it->valuestring);
    }
    cJSON_Delete(j);
    *out = v;
    return m;
}

void emu_fmt_time(time_t t, char *buf, size_t len)
{
    if (t == 0) {
        if (len)
            buf[0] = 0;
        return;
    }
    timefmt_format_s(t, buf, len);
}

double emu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}


void emu_rng_init(emu_rng *r, uint64_t seed)
{
    pthread_mutex_init(&r->mu, NULL);
    r->s = seed ? seed : 0x9E3779B97F4A7C15ULL;
}

void emu_rng_destroy(emu_rng *r) { pthread_mutex_destroy(&r->mu); }

uint64_t emu_rng_next(emu_rng *r)
{
    pthread_mutex_lock(&r->mu);
    /* splitmix64 */
    uint64_t z = (r->s += 0x9E3779B97F4A7C15ULL);
    pthread_mutex_unlock(&r->mu);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

double emu_rng_unit(emu_rng *r) { return (double)(emu_rng_next(r) >> 11) / 9007199254740992.0; }

void emu_rng_uuid(emu_rng *r, char out[37], int upper)
{
    uint64_t a = emu_rng_next(r), b = emu_rng_next(r);
    a = (a & ~0xF000ULL) | 0x4000ULL;            /* version 4 */
    b = (b & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL; /* variant */
    snprintf(out, 37, upper ? "%08X-%04X-%04X-%04X-%012llX" : "%08x-%04x-%04x-%04x-%012llx",
             (unsigned)(a >> 32), (unsigned)((a >> 16) & 0xFFFF), (unsigned)(a & 0xFFFF),
             (unsigned)(b >> 48), (unsigned long long)(b & 0xFFFFFFFFFFFFULL));
}

void emu_rng_id(emu_rng *r, const char *prefix, char *out, size_t len)
{
    static const char al[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    char tail[21];
    uint64_t x = emu_rng_next(r), y = emu_rng_next(r);
    for (int i = 0; i < 20; i++) {
        uint64_t *w = i < 10 ? &x : &y;
        tail[i] = al[*w % 36];
        *w /= 36;
    }
    tail[20] = 0;
    snprintf(out, len, "%s%s", prefix, tail);
}

static int common_param(const char *k)
{
    static const char *const common[] = {
        "Signature", "SignatureNonce", "Timestamp", "AccessKeyId", "SignatureMethod",
        "SignatureVersion", "SignatureType", "Format", "Version", "SecurityToken", "ClientToken",
        "Action", NULL};
    for (int i = 0; common[i]; i++)
        if (strcmp(k, common[i]) == 0)
            return 1;
    return 0;
}

void emu_params_digest(const kv_list *p, char out[65])
{
    kv_list b = KV_LIST_INIT;
    for (size_t i = 0; i < p->n; i++)
        if (!common_param(p->items[i].key))
            kv_add(&b, p->items[i].key, p->items[i].val);
    kv_sort(&b);
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    EVP_DigestInit_ex(c, EVP_sha256(), NULL);
    for (size_t i = 0; i < b.n; i++) {
        EVP_DigestUpdate(c, b.items[i].key, strlen(b.items[i].key) + 1);
        EVP_DigestUpdate(c, b.items[i].val, strlen(b.items[i].val) + 1);
    }
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    EVP_DigestFinal_ex(c, md, &mdlen);
    EVP_MD_CTX_free(c);
    for (int i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
    kv_free(&b);
}
