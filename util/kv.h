/* An ordered list of string pairs: request parameters, parsed query strings,
 * HTTP headers. Keys and values are copied in and freed by kv_free(). */
#ifndef UTIL_KV_H
#define UTIL_KV_H

#include <stddef.h>

typedef struct kv_pair {
    char *key;
    char *val;
} kv_pair;

typedef struct kv_list {
    kv_pair *items;
    size_t n;
    size_t alloc;
} kv_list;

#define KV_LIST_INIT { NULL, 0, 0 }

void kv_init(kv_list *l);
void kv_free(kv_list *l);
/* Append a copy of key and val (val NULL stores ""). */
void kv_add(kv_list *l, const char *key, const char *val);
void kv_addn(kv_list *l, const char *key, size_t klen, const char *val, size_t vlen);
void kv_addf(kv_list *l, const char *key, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Replace the value of the first pair with key, or append. */
void kv_set(kv_list *l, const char *key, const char *val);
/* First value for key, or NULL. Borrowed. */
const char *kv_get(const kv_list *l, const char *key);
/* Case-insensitive lookup (HTTP header names). */
const char *kv_get_ci(const kv_list *l, const char *key);
size_t kv_count(const kv_list *l, const char *key);
/* Remove every pair with key; returns how many were removed. */
size_t kv_del(kv_list *l, const char *key);
/* Stable sort by key, byte order. */
void kv_sort(kv_list *l);

#endif
