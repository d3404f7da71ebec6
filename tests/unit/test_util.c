/* util/: dynbuf caps, kv lists, query-string parsing, redaction. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "util/dynbuf.h"
#include "util/kv.h"
#include "util/log.h"
#include "util/query.h"

static void test_dynbuf_cap(void **state)
{
    (void)state;
    dynbuf b;
    dynbuf_init(&b, 8);
    assert_int_equal(dynbuf_adds(&b, "12345678"), 0);
    assert_int_equal(dynbuf_addc(&b, 'x'), -1);
    assert_int_equal(b.len, 8);
    dynbuf_consume(&b, 3);
    assert_string_equal(dynbuf_str(&b), "45678");
    dynbuf_free(&b);
}

static void test_query_parse(void **state)
{
    (void)state;
    kv_list l = KV_LIST_INIT;
    char err[128];
    const char *q = "command=sh&command=-c&command=echo%20hi&tty&input=1&x=a+b";
    assert_int_equal(query_parse(q, strlen(q), 0, &l, err, sizeof err), 0);
    assert_int_equal(kv_count(&l, "command"), 3);
    assert_string_equal(l.items[2].val, "echo hi");
    assert_string_equal(kv_get(&l, "tty"), "");
    assert_string_equal(kv_get(&l, "x"), "a+b");
    kv_free(&l);
    assert_int_equal(query_parse("x=a+b", 5, QUERY_PLUS_IS_SPACE, &l, err, sizeof err), 0);
    assert_string_equal(kv_get(&l, "x"), "a b");
    kv_free(&l);
}

static void test_query_reject(void **state)
{
    (void)state;
    kv_list l = KV_LIST_INIT;
    char err[128] = "";
    assert_int_equal(query_parse("a=%2", 4, 0, &l, err, sizeof err), -1);
    assert_non_null(strstr(err, "offset 2"));
    assert_int_equal(query_parse("a=%zz", 5, 0, &l, err, sizeof err), -1);
    assert_int_equal(query_parse("=v", 2, 0, &l, err, sizeof err), -1);
    assert_int_equal(query_parse("a=%00", 5, 0, &l, err, sizeof err), -1);
    assert_int_equal(l.n, 0);
}

static void test_kv_sort_stable(void **state)
{
    (void)state;
    kv_list l = KV_LIST_INIT;
    kv_add(&l, "b", "1");
    kv_add(&l, "a", "2");
    kv_add(&l, "b", "0");
    kv_add(&l, "B", "3");
    kv_sort(&l);
    assert_string_equal(l.items[0].key, "B");
    assert_string_equal(l.items[1].key, "a");
    assert_string_equal(l.items[2].val, "1");
    assert_string_equal(l.items[3].val, "0");
    assert_int_equal(kv_del(&l, "b"), 2);
    assert_int_equal(l.n, 2);
    kv_free(&l);
}

static void test_redact(void **state)
{
    (void)state;
    char *r = log_redact("GET /?Action=X&AccessKeyId=LTAIabc&Signature=zz%3D&Timestamp=1 Authorization: Bearer abc.def");
    assert_null(strstr(r, "LTAIabc"));
    assert_null(strstr(r, "zz%3D"));
    assert_null(strstr(r, "abc.def"));
    assert_non_null(strstr(r, "Action=X"));
    assert_non_null(strstr(r, "Timestamp=1"));
    free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dynbuf_cap),
        cmocka_unit_test(test_query_parse),
        cmocka_unit_test(test_query_reject),
        cmocka_unit_test(test_kv_sort_stable),
        cmocka_unit_test(test_redact),
    };
    return cmocka_run_group_tests_name("util", tests, NULL, NULL);
}
