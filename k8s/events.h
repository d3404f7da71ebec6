/* Event recorder (core/v1 Events) with client-go style aggregation: the same
 * involvedObject + type + reason + message within a window PATCHes count and
 * lastTimestamp of the existing Event instead of creating a new one. Token
 * buckets limit how many Events are written, per involved object (a spam
 * filter, as client-go's) and in total. */
#ifndef K8S_EVENTS_H
#define K8S_EVENTS_H

#include <cjson/cJSON.h>

#include "k8s/client.h"
#include "k8s/error.h"

typedef struct k8s_recorder k8s_recorder;

typedef struct k8s_recorder_opts {
    const char *component;  /* source.component, e.g. "eci-kubelet" */
    const char *host;       /* source.host, e.g. the node name (may be NULL) */
    double qps;             /* Event writes a second; 0 = 1/3 (one every 3 s) */
    int burst;              /* 0 = 25 */
    /* Per involved object (client-go's spam filter): object_burst Events, then
     * object_qps a second; 0 = 25 and 1/300, object_qps < 0 = no per-object limit. */
    double object_qps;
    int object_burst;
    long window_s;          /* aggregation window; 0 = 600 */
    size_t cache_size;      /* remembered Events; 0 = 4096 */
    /* > 0: Events are written by the recorder's own thread, at most this many
     * waiting (like client-go's broadcaster), so a caller never waits for the
     * apiserver or the client's rate limit; a full queue drops (counted).
     * 0: written in the caller's thread. */
    size_t queue_size;
} k8s_recorder_opts;

/* A recorder writing through c (borrowed, must outlive it); strings in opts
 * are copied. Free with k8s_recorder_free. */
k8s_recorder *k8s_recorder_new(k8s_client *c, const k8s_recorder_opts *opts);
void k8s_recorder_free(k8s_recorder *r);

/* Record an Event about obj (borrowed; apiVersion, kind, metadata.namespace,
 * name, uid and resourceVersion are used). type is "Normal" or "Warning".
 * Returns 0 when written (created or aggregated), -1 with err filled on
 * failure, K8S_E_THROTTLED when the rate limit dropped it. Messages longer
 * than 1024 bytes are truncated. Thread-safe. With a queue: 0 once queued
 * (the outcome shows in the stats), K8S_E_THROTTLED when the queue is full. */
int k8s_record_event(k8s_recorder *r, const cJSON *obj, const char *type, const char *reason, const char *message,
                     k8s_error *err);
/* printf form of k8s_record_event. */
int k8s_record_eventf(k8s_recorder *r, const cJSON *obj, const char *type, const char *reason, k8s_error *err,
                      const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* Record an Event mirrored from another source that names and counts its
 * own Events (e.g. a cloud's events about a pod): ev (consumed) is a complete
 * core/v1 Event with a stable metadata.name and its count. It is created;
 * when an Event of that name exists, its count and lastTimestamp are patched.
 * Such Events skip the rate limits above (the source already aggregates
 * them) and wait for the client's own rate limit; with a queue they take a
 * place in it like any other Event (kept as compact text). Returns as
 * k8s_record_event. */
int k8s_record_mirrored(k8s_recorder *r, cJSON *ev, k8s_error *err);

/* With a queue: wait up to timeout_ms until every queued Event is written;
 * 1 when drained. Without a queue: 1 at once. */
int k8s_recorder_flush(k8s_recorder *r, long timeout_ms);
/* Counters: created, aggregated (patched), dropped by the rate limit (or a
 * full queue), failed. */
typedef struct k8s_recorder_stats {
    unsigned long created, aggregated, dropped, failed;
    size_t queued; /* waiting in the queue now */
} k8s_recorder_stats;
void k8s_recorder_get_stats(k8s_recorder *r, k8s_recorder_stats *out);

#endif
