/* provider/workqueue.c: dedupe, processing exclusivity, delays, backoff. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <time.h>

#include "provider/workqueue.h"

static long elapsed_ms(const struct timespec *a)
{
    struct timespec b;
    clock_gettime(CLOCK_MONOTONIC, &b);
    return (b.tv_sec - a->tv_sec) * 1000 + (b.tv_nsec - a->tv_nsec) / 1000000;
}

static void test_dedupe(void **state)
{
    (void)state;
    prov_wq *q = prov_wq_new(10, 100);
    prov_wq_add(q, "a");
    prov_wq_add(q, "b");
    prov_wq_add(q, "a");
    assert_int_equal(prov_wq_len(q), 2);
    char *k = prov_wq_get(q);
    assert_string_equal(k, "a");
    /* added while processing: not handed out again until done */
    prov_wq_add(q, "a");
    char *k2 = prov_wq_get(q);
    assert_string_equal(k2, "b");
    assert_int_equal(prov_wq_len(q), 0);
    prov_wq_done(q, k);
    assert_int_equal(prov_wq_len(q), 1);
    char *k3 = prov_wq_get(q);
    assert_string_equal(k3, "a");
    prov_wq_done(q, k2);
    prov_wq_done(q, k3);
    free(k);
    free(k2);
    free(k3);
    prov_wq_free(q);
}

static void test_delay_and_backoff(void **state)
{
    (void)state;
    prov_wq *q = prov_wq_new(20, 80);
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    prov_wq_add_after(q, "late", 200);
    prov_wq_add_after(q, "soon", 30);
    char *k = prov_wq_get(q);
    assert_string_equal(k, "soon");
    assert_true(elapsed_ms(&t0) >= 25);
    prov_wq_done(q, k);
    free(k);
    k = prov_wq_get(q);
    assert_string_equal(k, "late");
    assert_true(elapsed_ms(&t0) >= 190);
    prov_wq_done(q, k);
    free(k);

    for (int i = 0; i < 4; i++) {
        prov_wq_add_rate_limited(q, "x");
        k = prov_wq_get(q);
        prov_wq_done(q, k);
        free(k);
    }
    assert_int_equal(prov_wq_retries(q, "x"), 4);
    prov_wq_forget(q, "x");
    assert_int_equal(prov_wq_retries(q, "x"), 0);
    prov_wq_free(q);
}

static void *getter(void *arg)
{
    return prov_wq_get(arg);
}

static void test_shutdown_wakes(void **state)
{
    (void)state;
    prov_wq *q = prov_wq_new(10, 100);
    pthread_t t;
    pthread_create(&t, NULL, getter, q);
    struct timespec ts = {0, 20 * 1000000};
    nanosleep(&ts, NULL);
    prov_wq_shutdown(q);
    void *r;
    pthread_join(t, &r);
    assert_null(r);
    prov_wq_add_after(q, "k", 10);
    prov_wq_free(q);
}

static void test_many_keys(void **state)
{
    (void)state;
    prov_wq *q = prov_wq_new(1, 2);
    char key[32];
    for (int i = 0; i < 5000; i++) {
        snprintf(key, sizeof key, "ns/pod-%d/uid", i);
        prov_wq_add(q, key);
        prov_wq_add(q, key);
    }
    assert_int_equal(prov_wq_len(q), 5000);
    for (int i = 0; i < 5000; i++) {
        char *k = prov_wq_get(q);
        snprintf(key, sizeof key, "ns/pod-%d/uid", i);
        assert_string_equal(k, key);
        prov_wq_done(q, k);
        free(k);
    }
    prov_wq_free(q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dedupe),
        cmocka_unit_test(test_delay_and_backoff),
        cmocka_unit_test(test_shutdown_wakes),
        cmocka_unit_test(test_many_keys),
    };
    return cmocka_run_group_tests_name("workqueue", tests, NULL, NULL);
}
