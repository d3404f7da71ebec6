/* Token-bucket rate limiter (QPS + burst), thread-safe. Shared by the ECI
 * client and the Kubernetes client. A bucket starts full (burst tokens) and
 * refills at qps tokens per second up to burst. qps <= 0 means unlimited. */
#ifndef UTIL_RATELIMIT_H
#define UTIL_RATELIMIT_H

typedef struct rl_limiter rl_limiter;

/* New limiter; burst < 1 is taken as 1. Free with rl_free(). */
rl_limiter *rl_new(double qps, int burst);
/* Accepts NULL. */
void rl_free(rl_limiter *rl);
/* Take one token without waiting: 1 when taken, 0 when the bucket is empty. */
int rl_try_take(rl_limiter *rl);
/* Reserve one token and return how many milliseconds the caller must wait
 * before using it (0 = now). Reservations queue fairly: the bucket may go
 * negative. */
long rl_reserve_ms(rl_limiter *rl);
/* Block until a token is available. Returns 0, or -1 (nothing taken) when the
 * wait would exceed max_wait_ms (max_wait_ms < 0 waits as long as needed) at
 * the rate of the moment. Waiters keep their order; a rate changed while they
 * wait paces them from then on. */
int rl_wait(rl_limiter *rl, long max_wait_ms);
/* Change the rate at run time (e.g. from configuration reload). */
void rl_set_rate(rl_limiter *rl, double qps, int burst);
/* Spend the tokens saved up (the burst), keeping the waiters' queue: the
 * next call waits for a refill. */
void rl_drain(rl_limiter *rl);
/* Tokens currently available (may be negative while reservations wait). */
double rl_tokens(rl_limiter *rl);

#endif
