#include "util/kv.h"
#include "util/xmalloc.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void kv_init(kv_list *l)
{
    l->items = NULL;
    l->n = 0;
    l->alloc = 0;
}

void kv_free(kv_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->items[i].key);
        free(l->items[i].val);
    }
    free(l->items);
    kv_init(l);
}

void kv_addn(kv_list *l, const char *key, size_t klen, const char *val, size_t vlen)
{
    if (l->n == l->alloc) {
        l->alloc = l->alloc ? l->alloc * 2 : 16;
        l->items = xrealloc(l->items, l->alloc * sizeof *l->items);
    }
    l->items[l->n].key = xstrndup(key, klen);
    l->items[l->n].val = val ? xstrndup(val, vlen) : xstrdup("");
    l->n++;
}

void kv_add(kv_list *l, const char *key, const char *val)
{
    kv_addn(l, key, strlen(key), val ? val : "", val ? strlen(val) : 0);
}

void kv_addf(kv_list *l, const char *key, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *v = xvasprintf(fmt, ap);
    va_end(ap);
    kv_add(l, key, v);
    free(v);
}

void kv_set(kv_list *l, const char *key, const char *val)
{
    for (size_t i = 0; i < l->n; i++) {
        if (strcmp(l->items[i].key, key) == 0) {
            xstrset(&l->items[i].val, val ? val : "");
            return;
        }
    }
    kv_add(l, key, val);
}

const char *kv_get(const kv_list *l, const char *key)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->items[i].key, key) == 0)
            return l->items[i].val;
    return NULL;
}

const char *kv_get_ci(const kv_list *l, const char *key)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcasecmp(l->items[i].key, key) == 0)
            return l->items[i].val;
    return NULL;
}

size_t kv_count(const kv_list *l, const char *key)
{
    size_t c = 0;
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->items[i].key, key) == 0)
            c++;
    return c;
}

size_t kv_del(kv_list *l, const char *key)
{
    size_t w = 0, removed = 0;
    for (size_t i = 0; i < l->n; i++) {
        if (strcmp(l->items[i].key, key) == 0) {
            free(l->items[i].key);
            free(l->items[i].val);
            removed++;
        } else {
            l->items[w++] = l->items[i];
        }
    }
    l->n = w;
    return removed;
}

/* Insertion-merge sort keeps equal keys in order; lists here are small. */
static void merge_sort(kv_pair *a, kv_pair *tmp, size_t n)
{
    if (n < 2)
        return;
    size_t m = n / 2;
    merge_sort(a, tmp, m);
    merge_sort(a + m, tmp, n - m);
    size_t i = 0, j = m, k = 0;
    while (i < m && j < n)
        tmp[k++] = strcmp(a[j].key, a[i].key) < 0 ? a[j++] : a[i++];
    while (i < m)
        tmp[k++] = a[i++];
    while (j < n)
        tmp[k++] = a[j++];
    memcpy(a, tmp, n * sizeof *a);
}

void kv_sort(kv_list *l)
{
    if (l->n < 2)
        return;
    kv_pair *tmp = xmalloc(l->n * sizeof *tmp);
    merge_sort(l->items, tmp, l->n);
    free(tmp);
}
