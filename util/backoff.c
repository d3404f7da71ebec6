#include "util/backoff.h"

#include <stdatomic.h>
#include <stdint.h>

#include "util/clock.h"

/* splitmix64 over a shared counter mixed with the clock: cheap, lock-free,
 * and different across processes (jitter only; nothing secret). */
static uint64_t next_random(void)
{
    static _Atomic uint64_t counter;
    uint64_t z = atomic_fetch_add(&counter, 0x9E3779B97F4A7C15ULL) ^ (uint64_t)clock_mono_ns();
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

long backoff_ms(long base_ms, long cap_ms, int attempt, int jitter_pct)
{
    if (base_ms <= 0)
        return 0;
    if (cap_ms < base_ms)
        cap_ms = base_ms;
    long d = base_ms;
    for (int i = 0; i < attempt && d < cap_ms; i++)
        d = d > cap_ms / 2 ? cap_ms : d * 2;
    if (d > cap_ms)
        d = cap_ms;
    if (jitter_pct > 100)
        jitter_pct = 100;
    if (jitter_pct > 0) {
        long span = (long)((double)d * jitter_pct / 100.0);
        d -= (long)(next_random() % (uint64_t)(span + 1));
    }
    return d < 1 ? 1 : d;
}
