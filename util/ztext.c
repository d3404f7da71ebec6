#include "util/ztext.h"
#include "util/xmalloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

struct ztext {
    uint32_t n;  /* text length */
    uint32_t zn; /* deflated length */
    unsigned char b[];
};

/* A small window and hash table: the documents are a few KB, and each call
 * allocates the stream's state afresh (a 32 KB window would cost 256 KB). */
#define WBITS 13
#define MEMLEVEL 7

ztext *ztext_pack(const char *s, size_t n, const char *dict, size_t dict_len)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (n > UINT32_MAX || deflateInit2(&zs, 1, Z_DEFLATED, -WBITS, MEMLEVEL, Z_DEFAULT_STRATEGY) != Z_OK)
        abort(); /* zlib fails here only when out of memory */
    if (dict && dict_len && deflateSetDictionary(&zs, (const Bytef *)dict, (uInt)dict_len) != Z_OK)
        abort();
    size_t bound = deflateBound(&zs, (uLong)n);
    ztext *z = xmalloc(sizeof *z + bound);
    zs.next_in = (Bytef *)(uintptr_t)s;
    zs.avail_in = (uInt)n;
    zs.next_out = z->b;
    zs.avail_out = (uInt)bound;
    if (deflate(&zs, Z_FINISH) != Z_STREAM_END)
        abort(); /* the output buffer is deflateBound's */
    z->n = (uint32_t)n;
    z->zn = (uint32_t)zs.total_out;
    deflateEnd(&zs);
    return xrealloc(z, sizeof *z + z->zn);
}

char *ztext_unpack(const ztext *z, const char *dict, size_t dict_len)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (inflateInit2(&zs, -WBITS) != Z_OK)
        abort(); /* only when out of memory */
    if (dict && dict_len && inflateSetDictionary(&zs, (const Bytef *)dict, (uInt)dict_len) != Z_OK) {
        inflateEnd(&zs);
        return NULL;
    }
    char *out = xmalloc((size_t)z->n + 1);
    zs.next_in = (Bytef *)(uintptr_t)z->b;
    zs.avail_in = z->zn;
    zs.next_out = (Bytef *)out;
    zs.avail_out = z->n;
    int rc = inflate(&zs, Z_FINISH);
    int ok = rc == Z_STREAM_END && zs.total_out == z->n;
    inflateEnd(&zs);
    if (!ok) {
        free(out);
        return NULL;
    }
    out[z->n] = '\0';
    return out;
}

size_t ztext_len(const ztext *z) { return z->n; }

size_t ztext_size(const ztext *z) { return sizeof *z + z->zn; }
