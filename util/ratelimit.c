#include "util/ratelimit.h"
#include "util/xmalloc.h"

#include <pthread.h>
#include <time.h>

struct rl_bucket {
    pthread_mutex_t mu;
    double rate;
    double burst;
    double tokens; /* may go negative: outstanding reservations */
    double last;   /* monotonic seconds of the last refill */
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

rl_bucket *rl_new(double rate, double burst)
{
    rl_bucket *b = xcalloc(1, sizeof *b);
    pthread_mutex_init(&b->mu, NULL);
    b->rate = rate;
    b->burst = burst < 1 ? 1 : burst;
    b->tokens = b->burst;
    b->last = now_s();
    return b;
}

void rl_free(rl_bucket *b)
{
    if (!b)
        return;
    pthread_mutex_destroy(&b->mu);
    free(b);
}

static void refill(rl_bucket *b, double t)
{
    if (t > b->last) {
        b->tokens += (t - b->last) * b->rate;
        if (b->tokens > b->burst)
            b->tokens = b->burst;
    }
    b->last = t;
}

int rl_try(rl_bucket *b)
{
    if (b->rate <= 0)
        return 1;
    int ok = 0;
    pthread_mutex_lock(&b->mu);
    refill(b, now_s());
    if (b->tokens >= 1) {
        b->tokens -= 1;
        ok = 1;
    }
    pthread_mutex_unlock(&b->mu);
    return ok;
}

long rl_reserve_ms(rl_bucket *b)
{
    if (b->rate <= 0)
        return 0;
    long ms = 0;
    pthread_mutex_lock(&b->mu);
    refill(b, now_s());
    b->tokens -= 1;
    if (b->tokens < 0)
        ms = (long)((-b->tokens) / b->rate * 1000.0 + 0.999);
    pthread_mutex_unlock(&b->mu);
    return ms;
}

void rl_wait(rl_bucket *b)
{
    long ms = rl_reserve_ms(b);
    if (ms <= 0)
        return;
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) != 0)
        ;
}

void rl_set(rl_bucket *b, double rate, double burst)
{
    pthread_mutex_lock(&b->mu);
    refill(b, now_s());
    b->rate = rate;
    b->burst = burst < 1 ? 1 : burst;
    if (b->tokens > b->burst)
        b->tokens = b->burst;
    pthread_mutex_unlock(&b->mu);
}
