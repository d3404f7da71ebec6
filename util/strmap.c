#include "util/hash.h"
#include "util/strmap.h"
#include "util/xmalloc.h"

#include <string.h>

/* Open addressing with linear probing and tombstones. */
typedef struct slot {
    char *key; /* NULL: empty; TOMB: deleted */
    int64_t v;
} slot;

static char tomb_marker;
#define TOMB (&tomb_marker)

struct strmap {
    slot *s;
    size_t cap, len, used; /* used counts live + tombstones */
};

strmap *strmap_new(void)
{
    strmap *m = xcalloc(1, sizeof *m);
    m->cap = 64;
    m->s = xcalloc(m->cap, sizeof *m->s);
    return m;
}

void strmap_free(strmap *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->cap; i++)
        if (m->s[i].key && m->s[i].key != TOMB)
            free(m->s[i].key);
    free(m->s);
    free(m);
}

static void grow(strmap *m)
{
    size_t ncap = m->len * 4 > m->cap ? m->cap * 2 : m->cap;
    slot *old = m->s;
    size_t ocap = m->cap;
    m->s = xcalloc(ncap, sizeof *m->s);
    m->cap = ncap;
    m->used = m->len;
    for (size_t i = 0; i < ocap; i++) {
        if (!old[i].key || old[i].key == TOMB)
            continue;
        size_t j = hash_fnv1a(old[i].key) & (ncap - 1);
        while (m->s[j].key)
            j = (j + 1) & (ncap - 1);
        m->s[j] = old[i];
    }
    free(old);
}

static slot *find(const strmap *m, const char *key)
{
    size_t j = hash_fnv1a(key) & (m->cap - 1);
    while (m->s[j].key) {
        if (m->s[j].key != TOMB && strcmp(m->s[j].key, key) == 0)
            return &m->s[j];
        j = (j + 1) & (m->cap - 1);
    }
    return NULL;
}

void strmap_set(strmap *m, const char *key, int64_t v)
{
    slot *f = find(m, key);
    if (f) {
        f->v = v;
        return;
    }
    if ((m->used + 1) * 2 > m->cap)
        grow(m);
    size_t j = hash_fnv1a(key) & (m->cap - 1);
    while (m->s[j].key && m->s[j].key != TOMB)
        j = (j + 1) & (m->cap - 1);
    if (!m->s[j].key)
        m->used++;
    m->s[j].key = xstrdup(key);
    m->s[j].v = v;
    m->len++;
}

int strmap_get(const strmap *m, const char *key, int64_t *v)
{
    slot *f = find(m, key);
    if (f && v)
        *v = f->v;
    return f != NULL;
}

int strmap_del(strmap *m, const char *key)
{
    slot *f = find(m, key);
    if (!f)
        return 0;
    free(f->key);
    f->key = TOMB;
    m->len--;
    return 1;
}

size_t strmap_len(const strmap *m)
{
    return m->len;
}

void strmap_filter(strmap *m, int (*keep)(const char *key, int64_t v, void *ud), void *ud)
{
    for (size_t i = 0; i < m->cap; i++) {
        slot *s = &m->s[i];
        if (s->key && s->key != TOMB && !keep(s->key, s->v, ud)) {
            free(s->key);
            s->key = TOMB;
            m->len--;
        }
    }
}
