#include "provider/workqueue.h"
#include "util/backoff.h"
#include "util/clock.h"
#include "util/htab.h"
#include "util/xmalloc.h"
#include "util/deadline.h"

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Per-key bookkeeping in a chained hash table (keys are unique). */
typedef struct wq_entry {
    char *key;
    int queued;     /* in the ready FIFO */
    int processing; /* handed to a worker */
    int dirty;      /* added while processing: requeue on done */
    int64_t due_ms; /* >0: waiting on the timer heap until then */
    int failures;
    struct wq_entry *next;
} wq_entry;

/* Timer heap node; stale nodes (entry's due_ms changed) are skipped lazily. */
typedef struct wq_timer {
    int64_t due_ms;
    char *key;
} wq_timer;

struct prov_wq {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    htab entries; /* of wq_entry, by key */
    char **fifo; /* ready keys (borrowed from entries) */
    size_t head, count, cap;
    wq_timer *heap;
    size_t nheap, heapcap;
    size_t ndelayed;
    long base_ms, cap_ms;
    int shutdown;
};


static int drop_entry(void *p, void *ud)
{
    (void)ud;
    wq_entry *e = p;
    free(e->key);
    free(e);
    return 0;
}

prov_wq *prov_wq_new(long base_ms, long cap_ms)
{
    prov_wq *q = xcalloc(1, sizeof *q);
    pthread_mutex_init(&q->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&q->cv, &ca);
    pthread_condattr_destroy(&ca);
    htab_init(&q->entries, 1024, offsetof(wq_entry, next), offsetof(wq_entry, key));
    q->base_ms = base_ms > 0 ? base_ms : 100;
    q->cap_ms = cap_ms >= q->base_ms ? cap_ms : q->base_ms;
    return q;
}

void prov_wq_free(prov_wq *q)
{
    if (!q)
        return;
    htab_filter(&q->entries, drop_entry, NULL);
    for (size_t i = 0; i < q->nheap; i++)
        free(q->heap[i].key);
    free(q->heap);
    htab_fini(&q->entries);
    free(q->fifo);
    pthread_mutex_destroy(&q->mu);
    pthread_cond_destroy(&q->cv);
    free(q);
}

static wq_entry *lookup(prov_wq *q, const char *key, int create)
{
    wq_entry *e = htab_get(&q->entries, key);
    if (e || !create)
        return e;
    e = xcalloc(1, sizeof *e);
    e->key = xstrdup(key);
    htab_put(&q->entries, e);
    return e;
}

/* Drop an entry that carries no state any more. */
static void maybe_remove(prov_wq *q, wq_entry *e)
{
    if (e->queued || e->processing || e->dirty || e->due_ms || e->failures)
        return;
    htab_del(&q->entries, e->key);
    free(e->key);
    free(e);
}

static void fifo_push(prov_wq *q, char *key)
{
    if (q->count == q->cap) {
        size_t nc = q->cap ? q->cap * 2 : 256;
        char **f = xmalloc(nc * sizeof *f);
        for (size_t i = 0; i < q->count; i++)
            f[i] = q->fifo[(q->head + i) % q->cap];
        free(q->fifo);
        q->fifo = f;
        q->head = 0;
        q->cap = nc;
    }
    q->fifo[(q->head + q->count) % q->cap] = key;
    q->count++;
}

static void heap_push(prov_wq *q, int64_t due, const char *key)
{
    if (q->nheap == q->heapcap) {
        q->heapcap = q->heapcap ? q->heapcap * 2 : 64;
        q->heap = xrealloc(q->heap, q->heapcap * sizeof *q->heap);
    }
    size_t i = q->nheap++;
    q->heap[i].due_ms = due;
    q->heap[i].key = xstrdup(key);
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (q->heap[p].due_ms <= q->heap[i].due_ms)
            break;
        wq_timer t = q->heap[p];
        q->heap[p] = q->heap[i];
        q->heap[i] = t;
        i = p;
    }
}

static wq_timer heap_pop(prov_wq *q)
{
    wq_timer top = q->heap[0];
    q->heap[0] = q->heap[--q->nheap];
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < q->nheap && q->heap[l].due_ms < q->heap[m].due_ms)
            m = l;
        if (r < q->nheap && q->heap[r].due_ms < q->heap[m].due_ms)
            m = r;
        if (m == i)
            break;
        wq_timer t = q->heap[m];
        q->heap[m] = q->heap[i];
        q->heap[i] = t;
        i = m;
    }
    return top;
}

/* Make e ready (caller holds the lock). */
static void enqueue(prov_wq *q, wq_entry *e)
{
    if (e->due_ms) {
        e->due_ms = 0;
        q->ndelayed--;
    }
    if (e->processing) {
        e->dirty = 1;
        return;
    }
    if (e->queued)
        return;
    e->queued = 1;
    fifo_push(q, e->key);
    pthread_cond_signal(&q->cv);
}

void prov_wq_add(prov_wq *q, const char *key)
{
    pthread_mutex_lock(&q->mu);
    if (!q->shutdown)
        enqueue(q, lookup(q, key, 1));
    pthread_mutex_unlock(&q->mu);
}

static void add_after_locked(prov_wq *q, const char *key, long delay_ms)
{
    if (q->shutdown)
        return;
    wq_entry *e = lookup(q, key, 1);
    if (delay_ms <= 0) {
        enqueue(q, e);
        return;
    }
    int64_t due = clock_mono_ms() + delay_ms;
    if (e->queued || (e->due_ms && e->due_ms <= due))
        return;
    if (!e->due_ms)
        q->ndelayed++;
    e->due_ms = due;
    heap_push(q, due, key);
    pthread_cond_broadcast(&q->cv);
}

void prov_wq_add_after(prov_wq *q, const char *key, long delay_ms)
{
    pthread_mutex_lock(&q->mu);
    add_after_locked(q, key, delay_ms);
    pthread_mutex_unlock(&q->mu);
}

void prov_wq_add_rate_limited(prov_wq *q, const char *key)
{
    pthread_mutex_lock(&q->mu);
    wq_entry *e = lookup(q, key, 1);
    add_after_locked(q, key, backoff_ms(q->base_ms, q->cap_ms, e->failures++, 25));
    pthread_mutex_unlock(&q->mu);
}

void prov_wq_forget(prov_wq *q, const char *key)
{
    pthread_mutex_lock(&q->mu);
    wq_entry *e = lookup(q, key, 0);
    if (e) {
        e->failures = 0;
        maybe_remove(q, e);
    }
    pthread_mutex_unlock(&q->mu);
}

int prov_wq_retries(prov_wq *q, const char *key)
{
    pthread_mutex_lock(&q->mu);
    wq_entry *e = lookup(q, key, 0);
    int r = e ? e->failures : 0;
    pthread_mutex_unlock(&q->mu);
    return r;
}

/* Move due timers to the FIFO; return ms until the next one (-1: none). */
static long promote_due(prov_wq *q)
{
    int64_t now = clock_mono_ms();
    while (q->nheap) {
        if (q->heap[0].due_ms > now)
            return (long)(q->heap[0].due_ms - now);
        wq_timer t = heap_pop(q);
        wq_entry *e = lookup(q, t.key, 0);
        if (e && e->due_ms == t.due_ms)
            enqueue(q, e);
        free(t.key);
    }
    return -1;
}

/* Wait up to max_ms (< 0: for ever) for a ready key. */
static char *get(prov_wq *q, long max_ms)
{
    int64_t limit = max_ms >= 0 ? clock_mono_ms() + max_ms : 0;
    pthread_mutex_lock(&q->mu);
    for (;;) {
        if (q->shutdown) {
            pthread_mutex_unlock(&q->mu);
            return NULL;
        }
        long wait = promote_due(q);
        if (q->count)
            break;
        if (max_ms >= 0) {
            long left = (long)(limit - clock_mono_ms());
            if (left <= 0) {
                pthread_mutex_unlock(&q->mu);
                return NULL;
            }
            if (wait < 0 || wait > left)
                wait = left;
        }
        if (wait < 0) {
            pthread_cond_wait(&q->cv, &q->mu);
        } else {
            struct timespec ts;
            deadline_after_ms(&ts, CLOCK_MONOTONIC, wait);
            pthread_cond_timedwait(&q->cv, &q->mu, &ts);
        }
    }
    char *k = q->fifo[q->head];
    q->head = (q->head + 1) % q->cap;
    q->count--;
    wq_entry *e = lookup(q, k, 0);
    e->queued = 0;
    e->processing = 1;
    char *out = xstrdup(k);
    pthread_mutex_unlock(&q->mu);
    return out;
}

char *prov_wq_get(prov_wq *q)
{
    return get(q, -1);
}

char *prov_wq_get_within(prov_wq *q, long max_ms)
{
    return get(q, max_ms < 0 ? 0 : max_ms);
}

void prov_wq_done(prov_wq *q, const char *key)
{
    pthread_mutex_lock(&q->mu);
    wq_entry *e = lookup(q, key, 0);
    if (e) {
        e->processing = 0;
        if (e->dirty) {
            e->dirty = 0;
            if (!q->shutdown)
                enqueue(q, e);
        }
        maybe_remove(q, e);
    }
    pthread_mutex_unlock(&q->mu);
}

void prov_wq_shutdown(prov_wq *q)
{
    pthread_mutex_lock(&q->mu);
    q->shutdown = 1;
    pthread_cond_broadcast(&q->cv);
    pthread_mutex_unlock(&q->mu);
}

size_t prov_wq_len(prov_wq *q)
{
    pthread_mutex_lock(&q->mu);
    size_t n = q->count + q->ndelayed;
    pthread_mutex_unlock(&q->mu);
    return n;
}
