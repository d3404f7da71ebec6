/* FNV-1a, 64-bit: the one string hash of the tree (hash tables, change
 * signatures). Not for anything an attacker may choose to collide on a
 * security boundary. */
#ifndef UTIL_HASH_H
#define UTIL_HASH_H

#include <stddef.h>
#include <stdint.h>

#define HASH_FNV1A_INIT 14695981039346656037ULL

/* Continue hash h over n bytes of p. Start from HASH_FNV1A_INIT. */
uint64_t hash_fnv1a_add(uint64_t h, const void *p, size_t n);
/* The hash of a NUL-terminated string. */
uint64_t hash_fnv1a(const char *s);

#endif
