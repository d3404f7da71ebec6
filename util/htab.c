#include "util/htab.h"

#include <stdlib.h>
#include <string.h>

#include "util/hash.h"
#include "util/xmalloc.h"

#define NEXT(t, it) (*(void **)((char *)(it) + (t)->next_off))
#define KEY(t, it) (*(char **)((char *)(it) + (t)->key_off))

void htab_init(htab *t, size_t nb, size_t next_off, size_t key_off)
{
    size_t n = 16;
    while (n < nb)
        n *= 2;
    t->nb = n;
    t->n = 0;
    t->b = xcalloc(n, sizeof *t->b);
    t->next_off = next_off;
    t->key_off = key_off;
}

void htab_fini(htab *t)
{
    free(t->b);
    t->b = NULL;
    t->nb = t->n = 0;
}

/* The link that points at key's item, or at the end of its chain. */
static void **slot(const htab *t, const char *key)
{
    void **pp = &t->b[hash_fnv1a(key) & (t->nb - 1)];
    while (*pp && strcmp(KEY(t, *pp), key) != 0)
        pp = &NEXT(t, *pp);
    return pp;
}

void *htab_get(const htab *t, const char *key) { return *slot(t, key); }

static void grow(htab *t)
{
    size_t nb = t->nb * 2;
    void **b = xcalloc(nb, sizeof *b);
    for (size_t i = 0; i < t->nb; i++) {
        void *it = t->b[i];
        while (it) {
            void *nx = NEXT(t, it);
            size_t j = hash_fnv1a(KEY(t, it)) & (nb - 1);
            NEXT(t, it) = b[j];
            b[j] = it;
            it = nx;
        }
    }
    free(t->b);
    t->b = b;
    t->nb = nb;
}

void htab_put(htab *t, void *item)
{
    if (t->n >= t->nb)
        grow(t);
    size_t j = hash_fnv1a(KEY(t, item)) & (t->nb - 1);
    NEXT(t, item) = t->b[j];
    t->b[j] = item;
    t->n++;
}

void *htab_del(htab *t, const char *key)
{
    void **pp = slot(t, key);
    void *it = *pp;
    if (it) {
        *pp = NEXT(t, it);
        NEXT(t, it) = NULL;
        t->n--;
    }
    return it;
}

void htab_filter(htab *t, int (*keep)(void *item, void *ud), void *ud)
{
    for (size_t i = 0; i < t->nb; i++) {
        void **pp = &t->b[i];
        while (*pp) {
            void *it = *pp, *nx = NEXT(t, it);
            if (keep(it, ud)) {
                pp = &NEXT(t, it);
            } else {
                *pp = nx;
                t->n--;
            }
        }
    }
}
