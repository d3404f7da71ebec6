/* Token-bucket rate limiter (thread-safe): `rate` tokens a second refill a
 * bucket of at most `burst` tokens; each call takes one token. */
#ifndef UTIL_RATELIMIT_H
#define UTIL_RATELIMIT_H

typedef struct rl_bucket rl_bucket;

/* A new full bucket; rate <= 0 means unlimited (every call succeeds at once).
 * burst < 1 is treated as 1. Free with rl_free(). */
rl_bucket *rl_new(double rate, double burst);
/* Release the bucket; NULL is fine. No thread may be waiting in it. */
void rl_free(rl_bucket *b);
/* Take one token if one is available now: 1 taken, 0 not. */
int rl_try(rl_bucket *b);
/* Reserve one token and return how many milliseconds the caller must wait
 * before using it (0 when available now). The reservation cannot be undone. */
long rl_reserve_ms(rl_bucket *b);
/* Reserve one token and sleep until it is usable. */
void rl_wait(rl_bucket *b);
/* Change the rate and burst; tokens already saved are kept (capped at burst). */
void rl_set(rl_bucket *b, double rate, double burst);

#endif
