/* util/htab: the intrusive chained table under strmap, the informer store,
 * the work queue and the emulator's nonce table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/htab.h"

typedef struct node {
    int v;
    char *key; /* not the first field: offsets are honoured */
    struct node *next;
} node;

static node *mk(const char *k, int v)
{
    node *n = calloc(1, sizeof *n);
    n->key = strdup(k);
    n->v = v;
    return n;
}

static int odd_only(void *it, void *ud)
{
    node *n = it;
    (*(int *)ud)++;
    if (n->v % 2)
        return 1;
    free(n->key);
    free(n);
    return 0;
}

static int drop(void *it, void *ud)
{
    (void)ud;
    free(((node *)it)->key);
    free(it);
    return 0;
}

static void test_htab(void **state)
{
    (void)state;
    htab t;
    htab_init(&t, 3, offsetof(node, next), offsetof(node, key));
    assert_int_equal(t.nb, 16);
    assert_null(htab_get(&t, "x"));
    assert_null(htab_del(&t, "x"));
    char k[32];
    for (int i = 0; i < 1000; i++) { /* grows from 16 buckets */
        snprintf(k, sizeof k, "key-%d", i);
        htab_put(&t, mk(k, i));
    }
    assert_int_equal(t.n, 1000);
    assert_true(t.nb >= 1000 && (t.nb & (t.nb - 1)) == 0);
    for (int i = 0; i < 1000; i++) {
        snprintf(k, sizeof k, "key-%d", i);
        node *n = htab_get(&t, k);
        assert_non_null(n);
        assert_int_equal(n->v, i);
    }
    node *d = htab_del(&t, "key-7");
    assert_non_null(d);
    assert_null(d->next);
    assert_null(htab_get(&t, "key-7"));
    assert_int_equal(t.n, 999);
    free(d->key);
    free(d);
    /* every item visited once by iteration */
    size_t seen = 0;
    for (size_t i = 0; i < t.nb; i++)
        for (node *n = t.b[i]; n; n = n->next)
            seen++;
    assert_int_equal(seen, 999);
    int calls = 0;
    htab_filter(&t, odd_only, &calls);
    assert_int_equal(calls, 999);
    assert_int_equal(t.n, 499); /* the odd ones but key-7 */
    assert_null(htab_get(&t, "key-8"));
    assert_non_null(htab_get(&t, "key-9"));
    htab_put(&t, mk("key-8", 8)); /* a removed key can come back */
    assert_int_equal(((node *)htab_get(&t, "key-8"))->v, 8);
    htab_filter(&t, drop, NULL);
    assert_int_equal(t.n, 0);
    htab_fini(&t);
    assert_null(t.b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_htab),
    };
    return cmocka_run_group_tests_name("htab", tests, NULL, NULL);
}
