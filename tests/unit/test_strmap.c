/* util/strmap.c: insert, update, delete, filter, growth with tombstones. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "util/strmap.h"

static int keep_even(const char *key, int64_t v, void *ud)
{
    (void)key;
    (void)ud;
    return v % 2 == 0;
}

static void test_strmap(void **state)
{
    (void)state;
    strmap *m = strmap_new();
    char k[32];
    for (int i = 0; i < 10000; i++) {
        snprintf(k, sizeof k, "key-%d", i);
        strmap_set(m, k, i);
    }
    assert_int_equal(strmap_len(m), 10000);
    int64_t v = 0;
    assert_true(strmap_get(m, "key-4242", &v));
    assert_int_equal(v, 4242);
    strmap_set(m, "key-4242", 7);
    assert_true(strmap_get(m, "key-4242", &v));
    assert_int_equal(v, 7);
    assert_true(strmap_del(m, "key-1"));
    assert_false(strmap_del(m, "key-1"));
    assert_false(strmap_get(m, "key-1", NULL));
    strmap_filter(m, keep_even, NULL);
    assert_false(strmap_get(m, "key-3", NULL));
    assert_true(strmap_get(m, "key-4", NULL));
    size_t n = strmap_len(m);
    for (int r = 0; r < 5; r++) { /* churn through tombstones */
        for (int i = 0; i < 3000; i++) {
            snprintf(k, sizeof k, "churn-%d-%d", r, i);
            strmap_set(m, k, 2);
            strmap_del(m, k);
        }
    }
    assert_int_equal(strmap_len(m), n);
    strmap_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_strmap)};
    return cmocka_run_group_tests_name("strmap", tests, NULL, NULL);
}
