/* Absolute times for pthread_cond_timedwait and friends. */
#ifndef UTIL_DEADLINE_H
#define UTIL_DEADLINE_H

#include <time.h>

/* *ts = now on clock clk plus ms milliseconds (ms >= 0). */
void deadline_after_ms(struct timespec *ts, clockid_t clk, long ms);

#endif
