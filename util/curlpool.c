#include "util/curlpool.h"

#include <pthread.h>
#include <stdlib.h>

#include "util/xmalloc.h"

struct curlpool {
    pthread_mutex_t mu;
    CURL **idle;
    int n, cap;
};

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static void global_init(void) { curl_global_init(CURL_GLOBAL_ALL); }

curlpool *curlpool_new(int cap)
{
    pthread_once(&global_once, global_init);
    curlpool *p = xcalloc(1, sizeof *p);
    pthread_mutex_init(&p->mu, NULL);
    p->cap = cap > 0 ? cap : 4;
    p->idle = xcalloc((size_t)p->cap, sizeof *p->idle);
    return p;
}

void curlpool_free(curlpool *p)
{
    if (!p)
        return;
    for (int i = 0; i < p->n; i++)
        curl_easy_cleanup(p->idle[i]);
    free(p->idle);
    pthread_mutex_destroy(&p->mu);
    free(p);
}

CURL *curlpool_get(curlpool *p)
{
    CURL *h = NULL;
    pthread_mutex_lock(&p->mu);
    if (p->n > 0)
        h = p->idle[--p->n];
    pthread_mutex_unlock(&p->mu);
    if (h) {
        curl_easy_reset(h); /* options go, the connection cache stays */
        return h;
    }
    h = curl_easy_init();
    if (!h)
        abort();
    return h;
}

void curlpool_put(curlpool *p, CURL *h, int reusable)
{
    if (!h)
        return;
    if (reusable) {
        pthread_mutex_lock(&p->mu);
        if (p->n < p->cap) {
            p->idle[p->n++] = h;
            h = NULL;
        }
        pthread_mutex_unlock(&p->mu);
    }
    if (h)
        curl_easy_cleanup(h);
}
