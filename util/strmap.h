/* A map from strings (copied in) to 64-bit integers, over util/htab.h. Not thread-safe:
 * callers hold their own lock. */
#ifndef UTIL_STRMAP_H
#define UTIL_STRMAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct strmap strmap;

strmap *strmap_new(void);
void strmap_free(strmap *m);
/* Set key to v (inserting a copy of key when new). */
void strmap_set(strmap *m, const char *key, int64_t v);
/* 1 and *v set when key exists, else 0. v may be NULL. */
int strmap_get(const strmap *m, const char *key, int64_t *v);
/* Remove key; 1 when it existed. */
int strmap_del(strmap *m, const char *key);
size_t strmap_len(const strmap *m);
/* Remove every entry for which keep(key, v, ud) returns 0. */
void strmap_filter(strmap *m, int (*keep)(const char *key, int64_t v, void *ud), void *ud);

#endif
