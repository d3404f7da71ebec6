/* A chained hash table of caller-owned items keyed by a string (FNV-1a,
 * util/hash.h). Intrusive: each item is a struct with a `next` pointer and
 * a `char *key` field, whose offsets are given at init, so items need no
 * extra allocation and callers keep their own types. Not thread-safe:
 * callers hold their own lock. Iterate with
 *     for (size_t i = 0; i < t->nb; i++)
 *         for (item *e = t->b[i]; e; e = e->next) ...
 * (do not insert while iterating). */
#ifndef UTIL_HTAB_H
#define UTIL_HTAB_H

#include <stddef.h>

typedef struct htab {
    void **b;        /* buckets: the first item of each chain */
    size_t nb, n;    /* bucket count (a power of two), items */
    size_t next_off; /* offsetof(item, next) */
    size_t key_off;  /* offsetof(item, key) */
} htab;

/* nb: initial buckets, rounded up to a power of two (>= 16). The table
 * doubles when it holds as many items as buckets. */
void htab_init(htab *t, size_t nb, size_t next_off, size_t key_off);
/* Free the buckets (never the items); the table is then empty. */
void htab_fini(htab *t);
/* The item with key, or NULL. */
void *htab_get(const htab *t, const char *key);
/* Add item, whose key must not be in the table. */
void htab_put(htab *t, void *item);
/* Unlink and return the item with key, or NULL. */
void *htab_del(htab *t, const char *key);
/* Unlink every item for which keep(item, ud) returns 0; keep may free such
 * an item (it is no longer read). */
void htab_filter(htab *t, int (*keep)(void *item, void *ud), void *ud);

#endif
