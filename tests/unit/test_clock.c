/* util/clock: the monotonic clock in its units, elapsed time, sleeping. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "util/clock.h"

static void test_units_agree(void **state)
{
    (void)state;
    int64_t ns = clock_mono_ns();
    int64_t ms = clock_mono_ms();
    double s = clock_mono_s();
    struct timespec ts;
    clock_mono(&ts);
    /* read in order, so each is at least the one before in its unit */
    assert_true(ms >= ns / 1000000);
    assert_true(s * 1000.0 >= (double)ms - 1.0);
    assert_true((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 >= ms);
    assert_true(ts.tv_nsec >= 0 && ts.tv_nsec < 1000000000L);
}

static void test_never_backwards(void **state)
{
    (void)state;
    int64_t prev = clock_mono_ns();
    for (int i = 0; i < 10000; i++) {
        int64_t now = clock_mono_ns();
        assert_true(now >= prev);
        prev = now;
    }
}

static void test_since(void **state)
{
    (void)state;
    struct timespec t0;
    clock_mono(&t0);
    clock_sleep_ms(20);
    /* a lower bound only: the machine may be slow, never fast */
    assert_true(clock_ms_since(&t0) >= 20);
    assert_true(clock_s_since(&t0) >= 0.020);
    struct timespec ahead = t0;
    ahead.tv_sec += 3600;
    assert_true(clock_ms_since(&ahead) < 0);
    assert_true(clock_s_since(&ahead) < 0);
}

static int stop_after(void *arg)
{
    int *calls = arg;
    return ++*calls > 3;
}

static int never(void *arg)
{
    (void)arg;
    return 0;
}

static void test_sleep_unless(void **state)
{
    (void)state;
    /* stop asked before every step: the fourth question ends a 1 h wait */
    int calls = 0;
    assert_int_equal(clock_sleep_unless(3600L * 1000, 5, stop_after, &calls), 1);
    assert_int_equal(calls, 4);
    /* an already-stopped wait does not sleep at all */
    calls = 10;
    assert_int_equal(clock_sleep_unless(3600L * 1000, 5, stop_after, &calls), 1);
    assert_int_equal(calls, 11);
    /* the whole time passes when nobody stops: at least ms, never less */
    struct timespec t0;
    clock_mono(&t0);
    assert_int_equal(clock_sleep_unless(30, 7, never, NULL), 0);
    assert_true(clock_ms_since(&t0) >= 30);
    assert_int_equal(clock_sleep_unless(0, 7, never, NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_units_agree),
        cmocka_unit_test(test_never_backwards),
        cmocka_unit_test(test_since),
        cmocka_unit_test(test_sleep_unless),
    };
    return cmocka_run_group_tests_name("clock", tests, NULL, NULL);
}
