#include "util/base64.h"

#include <openssl/evp.h>

#include "util/xmalloc.h"

#define B64_CAP ((size_t)64 << 20)

size_t b64_encode_to(char *out, const void *p, size_t n)
{
    /* EVP_EncodeBlock takes an int: encode in chunks that are whole groups */
    size_t w = 0;
    const unsigned char *b = p;
    while (n > 0) {
        size_t chunk = n > ((size_t)3 << 20) ? (size_t)3 << 20 : n;
        w += (size_t)EVP_EncodeBlock((unsigned char *)out + w, b, (int)chunk);
        b += chunk;
        n -= chunk;
    }
    out[w] = '\0';
    return w;
}

char *b64_encode(const void *p, size_t n)
{
    char *out = xmalloc(B64_ENCODED_LEN(n) + 1);
    b64_encode_to(out, p, n);
    return out;
}

static int sextet(unsigned char c, unsigned flags)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    if ((flags & B64_URL) && c == '-')
        return 62;
    if ((flags & B64_URL) && c == '_')
        return 63;
    return -1;
}

static int is_ws(unsigned char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

unsigned char *b64_decode(const char *s, size_t n, unsigned flags, size_t *outlen)
{
    if (n > B64_CAP)
        return NULL;
    unsigned char *out = xmalloc(n / 4 * 3 + 4);
    size_t w = 0, digits = 0, pad = 0;
    unsigned acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((flags & B64_WS) && is_ws(c))
            continue;
        if (c == '=') {
            pad++;
            continue;
        }
        int v = sextet(c, flags);
        if (v < 0 || pad) /* data after padding */
            goto bad;
        digits++;
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[w++] = (unsigned char)(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    /* A final group of one digit carries no whole byte; padding, when
     * present, completes the last group to four characters exactly. */
    if (digits % 4 == 1 || pad > 2)
        goto bad;
    if (pad ? (digits + pad) % 4 != 0 : (digits % 4 != 0 && !(flags & B64_NOPAD)))
        goto bad;
    out[w] = '\0';
    *outlen = w;
    return out;
bad:
    free(out);
    return NULL;
}
