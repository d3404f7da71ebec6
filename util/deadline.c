#include "util/deadline.h"

void deadline_after_ms(struct timespec *ts, clockid_t clk, long ms)
{
    clock_gettime(clk, ts);
    if (ms < 0)
        ms = 0;
    ts->tv_sec += ms / 1000;
    ts->tv_nsec += (ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}
