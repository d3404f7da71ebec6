/* Watch streams: a pure incremental decoder of the newline-delimited JSON
 * event stream, and a runner that keeps a watch alive (bookmarks,
 * resourceVersion tracking, resume after disconnects, relist on 410 Gone,
 * jittered reconnect backoff, clean stop from another thread). */
#ifndef K8S_WATCH_H
#define K8S_WATCH_H

#include <cjson/cJSON.h>
#include <stdatomic.h>
#include <stddef.h>

#include "k8s/client.h"
#include "k8s/error.h"

typedef enum k8s_watch_type {
    K8S_WATCH_ADDED,
    K8S_WATCH_MODIFIED,
    K8S_WATCH_DELETED,
    K8S_WATCH_BOOKMARK,
    K8S_WATCH_ERROR,
} k8s_watch_type;

/* "ADDED", ...; static. */
const char *k8s_watch_type_name(k8s_watch_type t);

/* ---- decoder ---- */

/* One decoded event; fn owns object (free with cJSON_Delete). Return 0 to go
 * on, non-zero to stop decoding (feed then returns 1). */
typedef int (*k8s_watch_event_fn)(k8s_watch_type type, cJSON *object, void *arg);

typedef struct k8s_watch_decoder k8s_watch_decoder;

/* A decoder calling fn for each complete event line; lines longer than
 * line_cap bytes (0 = 16 MiB) are an error. Free with k8s_watch_decoder_free. */
k8s_watch_decoder *k8s_watch_decoder_new(size_t line_cap, k8s_watch_event_fn fn, void *arg);
void k8s_watch_decoder_free(k8s_watch_decoder *d);
/* Feed bytes in any chunking. Returns 0, 1 when fn asked to stop (the rest of
 * the chunk is kept), or -1 with a message in err (the decoder stays failed
 * until reset): "event 3: not JSON", "event 1: unknown type \"FOO\"",
 * "event line longer than N bytes". */
int k8s_watch_decoder_feed(k8s_watch_decoder *d, const char *data, size_t len, char *err, size_t errlen);
/* Bytes buffered that do not yet form a complete line. */
size_t k8s_watch_decoder_pending(const k8s_watch_decoder *d);
/* Events decoded so far. */
unsigned long k8s_watch_decoder_events(const k8s_watch_decoder *d);
/* Forget buffered bytes and a failure (for a new stream). */
void k8s_watch_decoder_reset(k8s_watch_decoder *d);

/* ---- runner ---- */

typedef struct k8s_watch_opts {
    const k8s_resource *resource;
    const char *ns;             /* NULL: all namespaces */
    const char *label_selector; /* may be NULL */
    const char *field_selector; /* may be NULL */
    /* Start from this resourceVersion; NULL: list first when on_list (or
     * on_list_page) is set,
     * otherwise start "now" with synthetic ADDED events for what exists. */
    const char *resource_version;
    int timeout_seconds; /* per watch request, server side; 0 = 300 */
    long backoff_min_ms; /* reconnect backoff; 0 = 200 */
    long backoff_max_ms; /* 0 = 10000 */
    size_t line_cap;     /* 0 = 16 MiB */
    long list_page_size; /* 0 = 500 */
    /* ADDED/MODIFIED/DELETED events; obj is consumed. Non-zero stops the runner. */
    int (*on_event)(k8s_watch_type type, cJSON *obj, void *arg);
    /* Optional: the full List from the initial list and each relist (after 410
     * Gone); list is consumed. Non-zero stops the runner. */
    int (*on_list)(cJSON *list, void *arg);
    /* Optional, instead of on_list: the same listing one page at a time, as it
     * arrives (the whole list is never held); page consumed. first marks the
     * first page of a listing (a listing restarted after an expired continue
     * token starts again with first set), last the final one, after which the
     * watch resumes from the listing's resourceVersion. Non-zero stops. */
    int (*on_list_page)(cJSON *page, int first, int last, void *arg);
    /* Optional: a failure the runner recovers from (for the caller's logs). */
    void (*on_error)(const k8s_error *err, void *arg);
    void *arg;
} k8s_watch_opts;

typedef struct k8s_watch_stats {
    unsigned long connects;  /* watch requests started */
    unsigned long lists;     /* lists done (initial + relists) */
    unsigned long gone;      /* 410 Gone seen (HTTP or ERROR event) */
    unsigned long events;    /* ADDED/MODIFIED/DELETED delivered */
    unsigned long bookmarks;
    unsigned long errors;    /* recovered failures */
    char resource_version[64];
} k8s_watch_stats;

typedef struct k8s_watch k8s_watch;

/* Run the watch in the calling thread until *stop becomes non-zero or a
 * callback returns non-zero; returns 0. opts is copied (its strings must
 * outlive the call). */
int k8s_watch_run(k8s_client *c, const k8s_watch_opts *opts, const atomic_int *stop, k8s_error *err);

/* Run the watch on a new thread. Callbacks run on that thread. The strings in
 * opts are copied. Free with k8s_watch_stop. */
int k8s_watch_start(k8s_client *c, const k8s_watch_opts *opts, k8s_watch **out, k8s_error *err);
/* Stop the thread (within about a second), join it and free w; NULL is fine. */
void k8s_watch_stop(k8s_watch *w);
/* Counters and the last resourceVersion seen. */
void k8s_watch_get_stats(k8s_watch *w, k8s_watch_stats *out);

#endif
