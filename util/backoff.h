/* Jittered exponential backoff, the one retry delay of the tree (ECI calls,
 * apiserver calls, watch reconnects, the work queue's per-key retries). */
#ifndef UTIL_BACKOFF_H
#define UTIL_BACKOFF_H

/* The delay before retry number `attempt` (0 for the first): base_ms doubled
 * attempt times and capped at cap_ms gives d; the result is drawn uniformly
 * from [d - d * jitter_pct / 100, d], so retries of many callers spread out
 * and the cap is never exceeded. jitter_pct 0..100; 0 gives d exactly.
 * At least 1 when base_ms > 0. Thread-safe. */
long backoff_ms(long base_ms, long cap_ms, int attempt, int jitter_pct);

#endif
