/* util/ratelimit.c: burst, refill, waits, reservations, rate changes and
 * several threads sharing one bucket. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <time.h>

#include "util/ratelimit.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A rate so slow that nothing refills while a test runs, however loaded the
 * machine: one token in 1,000 s. */
#define SLOW_QPS 0.001

static void test_burst_and_refill(void **state)
{
    (void)state;
    rl_limiter *rl = rl_new(SLOW_QPS, 4);
    for (int i = 0; i < 4; i++)
        assert_true(rl_try_take(rl));
    assert_false(rl_try_take(rl));
    rl_free(rl);
    rl = rl_new(100, 4);
    for (int i = 0; i < 4; i++)
        assert_true(rl_try_take(rl));
    struct timespec ts = {0, 25 * 1000000L};
    nanosleep(&ts, NULL);
    assert_true(rl_try_take(rl)); /* at least 2.5 tokens refilled */
    ts.tv_nsec = 100 * 1000000L;
    nanosleep(&ts, NULL);
    assert_true(rl_tokens(rl) <= 4.0); /* never above the burst */
    rl_free(rl);
}

static void test_wait_limits(void **state)
{
    (void)state;
    rl_limiter *slow = rl_new(SLOW_QPS, 1);
    assert_int_equal(rl_wait(slow, 0), 0); /* the burst token */
    assert_int_equal(rl_wait(slow, 20), -1); /* the next one is 1,000 s away */
    rl_free(slow);
    rl_limiter *rl = rl_new(10, 1);
    double t0 = now_s();
    assert_int_equal(rl_wait(rl, 0), 0); /* the burst token */
    assert_int_equal(rl_wait(rl, 500), 0);
    double el = now_s() - t0;
    assert_true(el >= 0.099); /* the second token refilled at 10/s */
    /* reservations queue: the second waits one period (100 ms) longer, less
     * the time that passed between the two calls */
    double r0 = now_s();
    long a = rl_reserve_ms(rl), b = rl_reserve_ms(rl);
    long between = (long)((now_s() - r0) * 1000.0) + 1;
    assert_true(a >= 0 && a <= 101);
    assert_true(b - a <= 101 && b - a >= 99 - between);
    rl_set_rate(rl, 1000, 5);
    assert_true(rl_tokens(rl) <= 5);
    rl_set_rate(rl, 0, 1);
    for (int i = 0; i < 100; i++)
        assert_true(rl_try_take(rl));
    rl_free(rl);
}

typedef struct targ {
    rl_limiter *rl;
    int n;
} targ;

static void *worker(void *p)
{
    targ *t = p;
    for (int i = 0; i < t->n; i++)
        rl_wait(t->rl, -1);
    return NULL;
}

static void test_threads_share_the_rate(void **state)
{
    (void)state;
    rl_limiter *rl = rl_new(200, 1);
    pthread_t th[4];
    targ t = {rl, 10};
    double t0 = now_s();
    for (int i = 0; i < 4; i++)
        pthread_create(&th[i], NULL, worker, &t);
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    double el = now_s() - t0;
    /* 40 tokens, 1 from the burst, 39 at 200/s: at least 0.19 s */
    assert_true(el >= 0.18);
    rl_free(rl);
}

typedef struct cut_arg {
    rl_limiter *rl;
    volatile int done;
} cut_arg;

static void *cut_waiter(void *p)
{
    cut_arg *a = p;
    rl_wait(a->rl, -1);
    __atomic_store_n(&a->done, 1, __ATOMIC_SEQ_CST);
    return NULL;
}

/* A rate cut while a call waits paces that call too: the waiter queued at
 * 0.5/s (its turn 2 s away) is still waiting well past those 2 s once the
 * rate fell to one token in 1,000 s, and goes when the rate rises again. */
static void test_rate_change_paces_waiters(void **state)
{
    (void)state;
    rl_limiter *rl = rl_new(0.5, 1);
    assert_true(rl_try_take(rl));
    cut_arg a = {rl, 0};
    pthread_t th;
    pthread_create(&th, NULL, cut_waiter, &a);
    while (rl_tokens(rl) > -0.5) { /* the waiter has taken its turn */
        struct timespec ts = {0, 1000000L};
        nanosleep(&ts, NULL);
    }
    rl_set_rate(rl, SLOW_QPS, 1);
    struct timespec ts = {2, 500 * 1000000L};
    nanosleep(&ts, NULL);
    assert_false(__atomic_load_n(&a.done, __ATOMIC_SEQ_CST));
    rl_set_rate(rl, 1000, 1);
    pthread_join(th, NULL);
    assert_true(a.done);
    rl_free(rl);
}

/* rl_drain spends the saved burst; a queue of waiters (negative tokens) is
 * kept. */
static void test_drain(void **state)
{
    (void)state;
    rl_limiter *rl = rl_new(SLOW_QPS, 4);
    assert_true(rl_try_take(rl));
    rl_drain(rl);
    assert_false(rl_try_take(rl));
    assert_true(rl_tokens(rl) < 1.0 && rl_tokens(rl) >= 0.0);
    long w = rl_reserve_ms(rl);
    assert_true(w > 0);
    rl_drain(rl);
    assert_true(rl_tokens(rl) < 0.0);
    rl_drain(NULL);
    rl_free(rl);
}

static void test_null_and_unlimited(void **state)
{
    (void)state;
    assert_true(rl_try_take(NULL));
    assert_int_equal(rl_wait(NULL, 0), 0);
    assert_int_equal(rl_reserve_ms(NULL), 0);
    rl_free(NULL);
    rl_limiter *rl = rl_new(-1, 0);
    for (int i = 0; i < 1000; i++)
        assert_int_equal(rl_wait(rl, 0), 0);
    rl_free(rl);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_burst_and_refill),
        cmocka_unit_test(test_wait_limits),
        cmocka_unit_test(test_threads_share_the_rate),
        cmocka_unit_test(test_rate_change_paces_waiters),
        cmocka_unit_test(test_drain),
        cmocka_unit_test(test_null_and_unlimited),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
