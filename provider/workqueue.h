/* A work queue of string keys ("namespace/name/uid") in the manner of
 * client-go's: a key is queued at most once, a key being processed is never
 * handed to a second worker (if it is added meanwhile it is queued again when
 * the first worker is done), failed keys come back after a per-key jittered
 * exponential backoff, and delayed adds wait in a timer list. Thread-safe. */
#ifndef PROVIDER_WORKQUEUE_H
#define PROVIDER_WORKQUEUE_H

#include <stddef.h>

typedef struct prov_wq prov_wq;

/* base_ms/cap_ms: the backoff of prov_wq_add_rate_limited (doubling from base). */
prov_wq *prov_wq_new(long base_ms, long cap_ms);
/* Frees the queue and its keys; call after every worker has returned. NULL ok. */
void prov_wq_free(prov_wq *q);

/* Queue a copy of key now (no-op if already queued). */
void prov_wq_add(prov_wq *q, const char *key);
/* Queue a copy of key after delay_ms (an earlier pending time wins). */
void prov_wq_add_after(prov_wq *q, const char *key, long delay_ms);
/* Queue after this key's next backoff step. */
void prov_wq_add_rate_limited(prov_wq *q, const char *key);
/* Reset the key's backoff (call after a successful sync). */
void prov_wq_forget(prov_wq *q, const char *key);
/* Number of times the key was rate-limited since the last forget. */
int prov_wq_retries(prov_wq *q, const char *key);

/* Block until a key is ready; returns a string the caller frees after calling
 * prov_wq_done(q, key). Returns NULL once the queue is shut down. */
char *prov_wq_get(prov_wq *q);
void prov_wq_done(prov_wq *q, const char *key);
/* Like prov_wq_get, but NULL when no key is ready within max_ms. */
char *prov_wq_get_within(prov_wq *q, long max_ms);

/* Wake every waiter; subsequent gets return NULL. */
void prov_wq_shutdown(prov_wq *q);
/* Keys ready now plus keys waiting on a timer (for metrics). */
size_t prov_wq_len(prov_wq *q);

#endif
