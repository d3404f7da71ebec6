#include "util/ratelimit.h"

#include <math.h>
#include <pthread.h>
#include <time.h>

#include "util/clock.h"
#include "util/xmalloc.h"

struct rl_limiter {
    pthread_mutex_t mu;
    double qps;
    double burst;
    double tokens;
    double filled; /* tokens the refill has added so far, in all */
    double last;   /* seconds, CLOCK_MONOTONIC */
};


rl_limiter *rl_new(double qps, int burst)
{
    rl_limiter *rl = xcalloc(1, sizeof *rl);
    pthread_mutex_init(&rl->mu, NULL);
    rl->qps = qps;
    rl->burst = burst < 1 ? 1 : burst;
    rl->tokens = rl->burst;
    rl->last = clock_mono_s();
    return rl;
}

void rl_free(rl_limiter *rl)
{
    if (!rl)
        return;
    pthread_mutex_destroy(&rl->mu);
    free(rl);
}

/* Caller holds mu. */
static void refill(rl_limiter *rl, double now)
{
    if (now > rl->last && rl->tokens < rl->burst) {
        double add = (now - rl->last) * rl->qps;
        if (add > rl->burst - rl->tokens)
            add = rl->burst - rl->tokens;
        rl->tokens += add;
        rl->filled += add;
    }
    rl->last = now;
}

int rl_try_take(rl_limiter *rl)
{
    if (!rl || rl->qps <= 0)
        return 1;
    pthread_mutex_lock(&rl->mu);
    refill(rl, clock_mono_s());
    int ok = rl->tokens >= 1.0;
    if (ok)
        rl->tokens -= 1.0;
    pthread_mutex_unlock(&rl->mu);
    return ok;
}

/* Caller holds mu; returns the wait in seconds for one more token. */
static double wait_for_one(const rl_limiter *rl)
{
    return rl->tokens >= 1.0 ? 0.0 : (1.0 - rl->tokens) / rl->qps;
}

long rl_reserve_ms(rl_limiter *rl)
{
    if (!rl)
        return 0;
    pthread_mutex_lock(&rl->mu);
    if (rl->qps <= 0) {
        pthread_mutex_unlock(&rl->mu);
        return 0;
    }
    refill(rl, clock_mono_s());
    double w = wait_for_one(rl);
    rl->tokens -= 1.0;
    pthread_mutex_unlock(&rl->mu);
    return (long)ceil(w * 1000.0);
}


/* A waiter's turn comes when the refill has added the tokens the waiters
 * before it took in advance, plus its own: a point on the running total of
 * refilled tokens (filled), not a time. So a rate changed while it waits
 * (rl_set_rate, rl_drain) applies to the waiters already queued, re-evaluated
 * at least every RL_RECHECK_MS, instead of only to the next reservations: an
 * adaptive client whose rate was just cut must not go on sending at the old
 * pace for as long as its queue is deep. */
#define RL_RECHECK_MS 200

int rl_wait(rl_limiter *rl, long max_wait_ms)
{
    if (!rl)
        return 0;
    pthread_mutex_lock(&rl->mu);
    if (rl->qps <= 0) {
        pthread_mutex_unlock(&rl->mu);
        return 0;
    }
    refill(rl, clock_mono_s());
    double w = wait_for_one(rl);
    long ms = (long)ceil(w * 1000.0);
    if (max_wait_ms >= 0 && ms > max_wait_ms) {
        pthread_mutex_unlock(&rl->mu);
        return -1;
    }
    double turn = rl->filled + (rl->tokens >= 1.0 ? 0.0 : 1.0 - rl->tokens);
    rl->tokens -= 1.0;
    while (ms > 0) {
        pthread_mutex_unlock(&rl->mu);
        clock_sleep_ms(ms < RL_RECHECK_MS ? ms : RL_RECHECK_MS);
        pthread_mutex_lock(&rl->mu);
        refill(rl, clock_mono_s());
        double left = turn - rl->filled;
        ms = rl->qps <= 0 || left <= 1e-9 ? 0 : (long)ceil(left / rl->qps * 1000.0);
    }
    pthread_mutex_unlock(&rl->mu);
    return 0;
}

void rl_set_rate(rl_limiter *rl, double qps, int burst)
{
    if (!rl)
        return;
    pthread_mutex_lock(&rl->mu);
    refill(rl, clock_mono_s());
    rl->qps = qps;
    rl->burst = burst < 1 ? 1 : burst;
    if (rl->tokens > rl->burst)
        rl->tokens = rl->burst;
    pthread_mutex_unlock(&rl->mu);
}

void rl_drain(rl_limiter *rl)
{
    if (!rl)
        return;
    pthread_mutex_lock(&rl->mu);
    refill(rl, clock_mono_s());
    if (rl->tokens > 0)
        rl->tokens = 0;
    pthread_mutex_unlock(&rl->mu);
}

double rl_tokens(rl_limiter *rl)
{
    if (!rl)
        return 0;
    pthread_mutex_lock(&rl->mu);
    refill(rl, clock_mono_s());
    double t = rl->tokens;
    pthread_mutex_unlock(&rl->mu);
    return t;
}
