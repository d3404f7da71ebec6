/* A bounded pool of libcurl easy handles, so a client reuses connections
 * (TLS sessions, keep-alive) across requests and threads. Used by the ECI
 * and the Kubernetes clients. Thread-safe. */
#ifndef UTIL_CURLPOOL_H
#define UTIL_CURLPOOL_H

#include <curl/curl.h>

typedef struct curlpool curlpool;

/* A pool keeping at most cap idle handles (cap <= 0: 4). Also runs
 * curl_global_init once per process. */
curlpool *curlpool_new(int cap);
/* Clean up the idle handles and the pool; NULL is ignored. Handles still
 * taken must have been put back or cleaned up by their holder. */
void curlpool_free(curlpool *p);
/* An idle handle, reset to defaults but keeping its live connections, or a
 * new one. Never NULL (aborts when libcurl cannot allocate). */
CURL *curlpool_get(curlpool *p);
/* Give h back: kept when reusable and the pool has room, else cleaned up.
 * Pass reusable = 0 after a transfer that left the connection in doubt. */
void curlpool_put(curlpool *p, CURL *h, int reusable);

#endif
