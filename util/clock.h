/* The monotonic clock (CLOCK_MONOTONIC) in the units callers need, and a
 * sleep that survives signals. Wall-clock times are util/timefmt.h. */
#ifndef UTIL_CLOCK_H
#define UTIL_CLOCK_H

#include <stdint.h>
#include <time.h>

/* Now on CLOCK_MONOTONIC. */
void clock_mono(struct timespec *ts);
int64_t clock_mono_ns(void);
int64_t clock_mono_ms(void);
double clock_mono_s(void);

/* Time from t (a clock_mono() reading) to now; negative when t is ahead. */
int64_t clock_ms_since(const struct timespec *t);
double clock_s_since(const struct timespec *t);

/* Sleep ms milliseconds (<= 0: return at once), resuming after EINTR. */
void clock_sleep_ms(long ms);

/* Sleep up to ms milliseconds in steps of at most step_ms, asking stop(arg)
 * before each step so a long wait ends soon after a stop request. Returns 1
 * when stop(arg) answered non-zero, 0 when the whole time passed. */
int clock_sleep_unless(long ms, long step_ms, int (*stop)(void *arg), void *arg);

#endif
