/* List+watch cache: a thread-safe store of objects keyed "namespace/name",
 * kept current by a watch runner, with add/update/delete handlers. Plus a
 * tiny TTL cache for plain GETs (ConfigMaps, Secrets, ServiceAccounts). */
#ifndef K8S_INFORMER_H
#define K8S_INFORMER_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "k8s/client.h"
#include "k8s/watch.h"
#include "util/dynbuf.h"
#include "util/ztext.h"

/* Handlers; each may be NULL. Objects are borrowed for the call only. */
typedef struct k8s_store_handlers {
    void (*on_add)(const cJSON *obj, void *arg);
    void (*on_update)(const cJSON *old_obj, const cJSON *new_obj, void *arg);
    void (*on_delete)(const cJSON *obj, void *arg);
    void *arg;
} k8s_store_handlers;

/* ---- objects kept as text ----
 * The store keeps each object as its compact JSON, deflated with a preset
 * dictionary of what pods share (util/ztext.h): a parsed tree costs several
 * times the text, and every read hands out a copy anyway, so a parse
 * replaces a deep copy. Others that keep many objects or pod statuses for
 * long use the same. */

/* obj's compact JSON, deflated (free() it). */
ztext *k8s_text_pack(const cJSON *obj);
/* The JSON text again (the caller frees it). */
char *k8s_text_unpack(const ztext *z);
/* The object again, parsed (the caller frees it); NULL when the text was not
 * JSON (never for a packed object). */
cJSON *k8s_text_parse(const ztext *z);

/* ---- store (pure; unit tested) ---- */

typedef struct k8s_store k8s_store;

/* An empty store; free with k8s_store_free. Reads are thread-safe; writes
 * (apply/replace) must come from one thread at a time, and handlers run on
 * that thread without the store's lock held. */
k8s_store *k8s_store_new(void);
void k8s_store_free(k8s_store *s);
/* Apply a watch event; obj is consumed. ADDED of a known key is an update,
 * MODIFIED of an unknown key an add; an unchanged resourceVersion calls no
 * handler; DELETED of an unknown key is ignored. BOOKMARK/ERROR are ignored. */
void k8s_store_apply(k8s_store *s, k8s_watch_type type, cJSON *obj, const k8s_store_handlers *h);
/* Replace the content with list's items (list consumed): adds for new keys,
 * updates for changed resourceVersions, deletes for keys that vanished. */
void k8s_store_replace(k8s_store *s, cJSON *list, const k8s_store_handlers *h);
/* The same in steps, for a listing that arrives page by page: begin, then
 * each page (consumed), then end, which deletes what no page had. A begin
 * again before end (a restarted listing) starts over. */
void k8s_store_replace_begin(k8s_store *s);
void k8s_store_replace_page(k8s_store *s, cJSON *page, const k8s_store_handlers *h);
void k8s_store_replace_end(k8s_store *s, const k8s_store_handlers *h);
/* A deep copy of the object at key ("ns/name" or "name"), or NULL; caller frees. */
cJSON *k8s_store_get(k8s_store *s, const char *key);
/* A deep copy of every object as a JSON array (unordered); caller frees. */
cJSON *k8s_store_list(k8s_store *s);
size_t k8s_store_len(k8s_store *s);
/* Visit objects one parsed copy at a time, outside the store's lock, so a
 * walk over thousands of objects never holds them all as trees at once; fn
 * returns non-zero to stop. ns non-NULL: only that namespace's objects.
 * Objects added during the walk may be missed; removed ones are skipped. */
typedef int (*k8s_store_visit_fn)(const cJSON *obj, void *arg);
void k8s_store_each(k8s_store *s, const char *ns, k8s_store_visit_fn fn, void *arg);
/* A short text kept beside each object (the few fields a frequent walk
 * reads, so that it parses no object), made by fn(obj, arg) when the object
 * is stored; fn returns a string the store owns, or NULL. Set before
 * anything is stored. */
typedef char *(*k8s_summarize_fn)(const cJSON *obj, void *arg);
void k8s_store_set_summarize(k8s_store *s, k8s_summarize_fn fn, void *arg);
/* Visit every object's key and summary (NULL: none), copied out of the
 * store first (fn runs outside its lock); fn returns non-zero to stop. */
typedef int (*k8s_store_summary_fn)(const char *key, const char *summary, void *arg);
void k8s_store_each_summary(k8s_store *s, k8s_store_summary_fn fn, void *arg);
/* Append every object as one JSON array ("[{...},{...}]") to out, straight
 * from the stored text; -1 when out's cap is reached (out then holds a prefix). */
int k8s_store_list_text(k8s_store *s, dynbuf *out);

/* ---- informer ---- */

typedef struct k8s_informer_opts {
    const k8s_resource *resource;
    const char *ns;             /* NULL: all namespaces */
    const char *label_selector; /* may be NULL */
    const char *field_selector; /* e.g. "spec.nodeName=NODE" */
    k8s_store_handlers handlers;
    int timeout_seconds; /* watch request timeout; 0 = 300 */
    long list_page_size; /* 0 = 500 */
    void (*on_error)(const k8s_error *err, void *arg); /* recovered failures; arg = handlers.arg */
    /* Applied to every listed or watched object before it is stored (like
     * client-go's SetTransform), e.g. k8s_transform_strip_meta; may be NULL.
     * It edits the object in place; arg = handlers.arg. */
    void (*transform)(cJSON *obj, void *arg);
    /* The store's summary of each object (k8s_store_set_summarize), made
     * after transform; may be NULL. arg = handlers.arg. */
    k8s_summarize_fn summarize;
} k8s_informer_opts;

/* A transform that drops what a cache rarely needs and that dominates an
 * object's size: metadata.managedFields and the
 * kubectl.kubernetes.io/last-applied-configuration annotation. obj is edited in
 * place; arg is unused. */
void k8s_transform_strip_meta(cJSON *obj, void *arg);

typedef struct k8s_informer k8s_informer;

/* Start listing and watching on a new thread (handlers run there). Strings in
 * opts are copied. Stop and free with k8s_informer_stop. */
int k8s_informer_start(k8s_client *c, const k8s_informer_opts *opts, k8s_informer **out, k8s_error *err);
/* Stop the thread, join it and free the informer and its store; NULL is fine. */
void k8s_informer_stop(k8s_informer *inf);
/* 1 once the first list has been applied to the store. */
int k8s_informer_has_synced(k8s_informer *inf);
/* Wait up to timeout_ms for has_synced; returns it. */
int k8s_informer_wait_synced(k8s_informer *inf, long timeout_ms);
/* Deep copy of namespace/name (ns NULL for cluster-scoped), or NULL; caller frees. */
cJSON *k8s_informer_get(k8s_informer *inf, const char *ns, const char *name);
/* Deep copy of every object as a JSON array; caller frees. Costs a parsed
 * tree per object: prefer k8s_informer_each for large stores. */
cJSON *k8s_informer_list(k8s_informer *inf);
/* k8s_store_each / k8s_store_list_text on the informer's store. */
void k8s_informer_each(k8s_informer *inf, const char *ns, k8s_store_visit_fn fn, void *arg);
int k8s_informer_list_text(k8s_informer *inf, dynbuf *out);
size_t k8s_informer_len(k8s_informer *inf);
/* The informer's store (borrowed: valid until k8s_informer_stop). */
k8s_store *k8s_informer_store(k8s_informer *inf);
/* The watch runner's counters. */
void k8s_informer_stats(k8s_informer *inf, k8s_watch_stats *out);

/* ---- TTL cache for plain GETs ---- */

typedef struct k8s_get_cache k8s_get_cache;

/* A cache of up to max_entries objects (0 = 1024) fresh for ttl_ms (0 = 5000).
 * c is borrowed and must outlive the cache. Free with k8s_get_cache_free. */
k8s_get_cache *k8s_get_cache_new(k8s_client *c, long ttl_ms, size_t max_entries);
void k8s_get_cache_free(k8s_get_cache *gc);
/* Like k8s_get, answered from the cache while fresh; *out is a copy the caller frees. */
int k8s_get_cache_get(k8s_get_cache *gc, const k8s_resource *r, const char *ns, const char *name, cJSON **out,
                      k8s_error *err);
/* Drop one entry (NULL name: every entry). */
void k8s_get_cache_invalidate(k8s_get_cache *gc, const k8s_resource *r, const char *ns, const char *name);

#endif
