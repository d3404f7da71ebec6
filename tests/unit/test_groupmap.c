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

/* Every field comes back as put, the longest values included; a group id
 * put for a second uid is indexed to the newer, and deleting the older keeps
 * that index. */
static void test_fields_round_trip(void **state)
{
    (void)state;
    prov_gm *m = prov_gm_new();
    prov_gm_entry e = mk(1);
    memset(e.name, 'n', sizeof e.name - 1);
    memset(e.ns, 's', sizeof e.ns - 1);
    memset(e.request_id, 'r', sizeof e.request_id - 1);
    snprintf(e.eci_status, sizeof e.eci_status, "Pending");
    e.status_sig = 0xfeedfacecafebeefULL;
    e.created = 1700000000;
    e.deleting = 1;
    e.legacy = 1;
    prov_gm_put(m, &e);
    prov_gm_entry out;
    assert_int_equal(prov_gm_get(m, "uid-1", &out), 0);
    assert_memory_equal(&out, &e, sizeof e);
    assert_int_equal(prov_gm_set_stopped(m, "uid-1"), 0);
    assert_int_equal(prov_gm_set_deleting(m, "uid-1", 0), 0);
    assert_int_equal(prov_gm_get_by_group(m, "eci-1", &out), 0);
    assert_int_equal(out.stopped, 1);
    assert_int_equal(out.deleting, 0);
    assert_string_equal(out.name, e.name);

    prov_gm_entry twin = mk(2);
    snprintf(twin.group_id, sizeof twin.group_id, "eci-1");
    prov_gm_put(m, &twin);
    assert_int_equal(prov_gm_get_by_group(m, "eci-1", &out), 0);
    assert_string_equal(out.uid, "uid-2");
    assert_int_equal(prov_gm_del(m, "uid-1"), 0);
    assert_int_equal(prov_gm_get_by_group(m, "eci-1", &out), 0);
    assert_string_equal(out.uid, "uid-2");
    assert_int_equal(prov_gm_count(m), 1);
    prov_gm_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_put_get_del),
        cmocka_unit_test(test_fields_round_trip),
    };
    return cmocka_run_group_tests_name("groupmap", tests, NULL, NULL);
}
