/* util/backoff: doubling, the cap, the jitter's range, threads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>

#include "util/backoff.h"

static void test_doubling_and_cap(void **state)
{
    (void)state;
    assert_int_equal(backoff_ms(100, 5000, 0, 0), 100);
    assert_int_equal(backoff_ms(100, 5000, 1, 0), 200);
    assert_int_equal(backoff_ms(100, 5000, 5, 0), 3200);
    assert_int_equal(backoff_ms(100, 5000, 6, 0), 5000);
    assert_int_equal(backoff_ms(100, 5000, 1000000, 0), 5000);
    assert_int_equal(backoff_ms(100, 5000, -3, 0), 100);
    assert_int_equal(backoff_ms(300, 100, 2, 0), 300); /* a cap below base is base */
    assert_int_equal(backoff_ms(0, 100, 2, 50), 0);
    /* no overflow near the top of long */
    long big = backoff_ms(1, 0x7fffffffffffffffL, 200, 0);
    assert_true(big > 0);
}

static void test_jitter_range(void **state)
{
    (void)state;
    int below = 0;
    for (int i = 0; i < 2000; i++) {
        long d = backoff_ms(1000, 10000, 2, 50); /* step 4000: [2000, 4000] */
        assert_true(d >= 2000 && d <= 4000);
        below += d < 3000;
        long c = backoff_ms(1000, 10000, 30, 25); /* capped: [7500, 10000] */
        assert_true(c >= 7500 && c <= 10000);
        long f = backoff_ms(1, 10, 0, 100); /* never 0 */
        assert_true(f >= 1 && f <= 1);
    }
    /* spread over the range, not stuck at one end (a fair coin: p < 1e-30) */
    assert_true(below > 500 && below < 1500);
}

static void *spin(void *arg)
{
    long *out = arg;
    for (int i = 0; i < 5000; i++) {
        long d = backoff_ms(10, 1000, i % 12, 50);
        if (d < 1 || d > 1000)
            *out = d;
    }
    return NULL;
}

static void test_threads(void **state)
{
    (void)state;
    pthread_t t[4];
    long bad[4] = {0, 0, 0, 0};
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&t[i], NULL, spin, &bad[i]), 0);
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(bad[i], 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_doubling_and_cap),
        cmocka_unit_test(test_jitter_range),
        cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests_name("backoff", tests, NULL, NULL);
}
