#include "util/clock.h"

#include <errno.h>

void clock_mono(struct timespec *ts) { clock_gettime(CLOCK_MONOTONIC, ts); }

int64_t clock_mono_ns(void)
{
    struct timespec ts;
    clock_mono(&ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t clock_mono_ms(void) { return clock_mono_ns() / 1000000; }

double clock_mono_s(void) { return (double)clock_mono_ns() / 1e9; }

int64_t clock_ms_since(const struct timespec *t)
{
    struct timespec n;
    clock_mono(&n);
    return ((int64_t)n.tv_sec - t->tv_sec) * 1000 + (n.tv_nsec - t->tv_nsec) / 1000000;
}

double clock_s_since(const struct timespec *t)
{
    struct timespec n;
    clock_mono(&n);
    return (double)(n.tv_sec - t->tv_sec) + (double)(n.tv_nsec - t->tv_nsec) / 1e9;
}

void clock_sleep_ms(long ms)
{
    if (ms <= 0)
        return;
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
        ;
}

int clock_sleep_unless(long ms, long step_ms, int (*stop)(void *arg), void *arg)
{
    if (step_ms <= 0)
        step_ms = 1;
    for (;;) {
        if (stop(arg))
            return 1;
        if (ms <= 0)
            return 0;
        long step = ms > step_ms ? step_ms : ms;
        clock_sleep_ms(step);
        ms -= step;
    }
}
