#include "util/base64.h"
#include "util/xmalloc.h"

#include <openssl/evp.h>

#define B64_CAP ((size_t)64 << 20)

char *b64_encode(const void *p, size_t n)
{
    char *out = xmalloc(4 * ((n + 2) / 3) + 1);
    EVP_EncodeBlock((unsigned char *)out, p, (int)n);
    return out;
}

unsigned char *b64_decode(const char *s, size_t n, size_t *outlen)
{
    if (n > B64_CAP)
        return NULL;
    EVP_ENCODE_CTX *ctx = EVP_ENCODE_CTX_new();
    unsigned char *out = xmalloc(n / 4 * 3 + 64);
    int l1 = 0, l2 = 0;
    EVP_DecodeInit(ctx);
    int ok = EVP_DecodeUpdate(ctx, out, &l1, (const unsigned char *)s, (int)n) >= 0 &&
             EVP_DecodeFinal(ctx, out + l1, &l2) == 1;
    EVP_ENCODE_CTX_free(ctx);
    if (!ok) {
        free(out);
        return NULL;
    }
    *outlen = (size_t)(l1 + l2);
    out[*outlen] = '\0';
    return out;
}
