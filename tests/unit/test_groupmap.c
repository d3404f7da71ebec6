/* provider/groupmap.c: pod UID <-> container group index. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "provider/groupmap.h"

static prov_gm_entry mk(int i)
{
    prov_gm_entry e;
    memset(&e, 0, sizeof e);
    snprintf(e.uid, sizeof e.uid, "uid-%d", i);
    snprintf(e.group_id, sizeof e.group_id, "eci-%d", i);
    snprintf(e.ns, sizeof e.ns, "default");
    snprintf(e.name, sizeof e.name, "pod-%d", i);
    return e;
}

static void test_put_get_del(void **state)
{
    (void)state;
    prov_gm *m = prov_gm_new();
    for (int i = 0; i < 3000; i++) {
        prov_gm_entry e = mk(i);
        prov_gm_put(m, &e);
    }
    assert_int_equal(prov_gm_count(m), 3000);
    prov_gm_entry out;
    assert_int_equal(prov_gm_get(m, "uid-1234", &out), 0);
    assert_string_equal(out.group_id, "eci-1234");
    assert_int_equal(prov_gm_get_by_group(m, "eci-2999", &out), 0);
    assert_string_equal(out.uid, "uid-2999");
    for (int i = 0; i < 3000; i += 2) {
        char uid[32];
        snprintf(uid, sizeof uid, "uid-%d", i);
        assert_int_equal(prov_gm_del(m, uid), 0);
    }
    assert_int_equal(prov_gm_count(m), 1500);
    assert_int_equal(prov_gm_get(m, "uid-2", &out), -1);
    assert_int_equal(prov_gm_get_by_group(m, "eci-3", &out), 0);
    assert_int_equal(prov_gm_set_status(m, "uid-3", "Running", 42), 0);
    assert_int_equal(prov_gm_get(m, "uid-3", &out), 0);
    assert_string_equal(out.eci_status, "Running");
    assert_int_equal(out.status_sig, 42);
    /* re-put with a new group id moves the reverse index */
    prov_gm_entry e = mk(3);
    snprintf(e.group_id, sizeof e.group_id, "eci-new");
    prov_gm_put(m, &e);
    assert_int_equal(prov_gm_get_by_group(m, "eci-3", &out), -1);
    assert_int_equal(prov_gm_get_by_group(m, "eci-new", &out), 0);
    size_t n;
    prov_gm_entry *all = prov_gm_list(m, &n);
    assert_int_equal(n, 1500);
    free(all);
    prov_gm_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_put_get_del),
    };
    return cmocka_run_group_tests_name("groupmap", tests, NULL, NULL);
}
