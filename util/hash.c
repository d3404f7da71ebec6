#include "util/hash.h"

#include <string.h>

#define FNV1A_PRIME 1099511628211ULL

uint64_t hash_fnv1a_add(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * FNV1A_PRIME;
    return h;
}

uint64_t hash_fnv1a(const char *s) { return hash_fnv1a_add(HASH_FNV1A_INIT, s, strlen(s)); }
