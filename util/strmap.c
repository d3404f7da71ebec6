#include "util/strmap.h"
#include "util/htab.h"
#include "util/xmalloc.h"

#include <stddef.h>
#include <stdlib.h>

typedef struct item {
    char *key;
    int64_t v;
    struct item *next;
} item;

struct strmap {
    htab t; /* of item */
};

strmap *strmap_new(void)
{
    strmap *m = xcalloc(1, sizeof *m);
    htab_init(&m->t, 64, offsetof(item, next), offsetof(item, key));
    return m;
}

static int drop_all(void *it, void *ud)
{
    (void)ud;
    free(((item *)it)->key);
    free(it);
    return 0;
}

void strmap_free(strmap *m)
{
    if (!m)
        return;
    htab_filter(&m->t, drop_all, NULL);
    htab_fini(&m->t);
    free(m);
}

void strmap_set(strmap *m, const char *key, int64_t v)
{
    item *it = htab_get(&m->t, key);
    if (!it) {
        it = xcalloc(1, sizeof *it);
        it->key = xstrdup(key);
        htab_put(&m->t, it);
    }
    it->v = v;
}

int strmap_get(const strmap *m, const char *key, int64_t *v)
{
    item *it = htab_get(&m->t, key);
    if (it && v)
        *v = it->v;
    return it != NULL;
}

int strmap_del(strmap *m, const char *key)
{
    item *it = htab_del(&m->t, key);
    if (!it)
        return 0;
    free(it->key);
    free(it);
    return 1;
}

size_t strmap_len(const strmap *m) { return m->t.n; }

typedef struct filter_ctx {
    int (*keep)(const char *key, int64_t v, void *ud);
    void *ud;
} filter_ctx;

static int keep_or_drop(void *p, void *ud)
{
    item *it = p;
    filter_ctx *f = ud;
    if (f->keep(it->key, it->v, f->ud))
        return 1;
    free(it->key);
    free(it);
    return 0;
}

void strmap_filter(strmap *m, int (*keep)(const char *key, int64_t v, void *ud), void *ud)
{
    filter_ctx f = {keep, ud};
    htab_filter(&m->t, keep_or_drop, &f);
}
