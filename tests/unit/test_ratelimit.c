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
        cmocka_unit_test(test_null_and_unlimited),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
