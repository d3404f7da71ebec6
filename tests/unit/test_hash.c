/* util/hash: FNV-1a 64 against the published test vectors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "util/hash.h"

static void test_vectors(void **state)
{
    (void)state;
    /* from the FNV reference (draft-eastlake-fnv) */
    assert_true(hash_fnv1a("") == 0xcbf29ce484222325ULL);
    assert_true(hash_fnv1a("a") == 0xaf63dc4c8601ec8cULL);
    assert_true(hash_fnv1a("foobar") == 0x85944171f73967e8ULL);
}

static void test_incremental(void **state)
{
    (void)state;
    uint64_t h = hash_fnv1a_add(HASH_FNV1A_INIT, "foo", 3);
    h = hash_fnv1a_add(h, "bar", 3);
    assert_true(h == hash_fnv1a("foobar"));
    assert_true(hash_fnv1a_add(HASH_FNV1A_INIT, "x", 0) == HASH_FNV1A_INIT);
    /* bytes past a NUL count when a length is given */
    assert_true(hash_fnv1a_add(HASH_FNV1A_INIT, "a\0b", 3) != hash_fnv1a("a"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vectors),
        cmocka_unit_test(test_incremental),
    };
    return cmocka_run_group_tests_name("hash", tests, NULL, NULL);
}
