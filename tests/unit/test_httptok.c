/* util/httptok: comma-separated header values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "util/httptok.h"

static void test_next(void **state)
{
    (void)state;
    const char *p = " ,a , \tbb\t,,  c d ,", *t;
    size_t n;
    assert_int_equal(httptok_next(&p, &t, &n), 1);
    assert_int_equal(n, 1);
    assert_memory_equal(t, "a", 1);
    assert_int_equal(httptok_next(&p, &t, &n), 1);
    assert_int_equal(n, 2);
    assert_memory_equal(t, "bb", 2);
    assert_int_equal(httptok_next(&p, &t, &n), 1);
    assert_int_equal(n, 3); /* inner space belongs to the element */
    assert_memory_equal(t, "c d", 3);
    assert_int_equal(httptok_next(&p, &t, &n), 0);
    assert_int_equal(httptok_next(&p, &t, &n), 0);
    p = " , ,\t";
    assert_int_equal(httptok_next(&p, &t, &n), 0);
}

static void test_has(void **state)
{
    (void)state;
    assert_true(httptok_has("keep-alive, Upgrade", "upgrade", 1));
    assert_false(httptok_has("keep-alive, Upgrade", "upgrade", 0));
    assert_true(httptok_has("keep-alive, Upgrade", "Upgrade", 0));
    assert_false(httptok_has("upgrades", "upgrade", 1));
    assert_false(httptok_has("upgrad", "upgrade", 1));
    assert_false(httptok_has("", "x", 1));
    assert_false(httptok_has(NULL, "x", 1));
    assert_true(httptok_has("GET,POST", "POST", 0));
    assert_false(httptok_has("GET,POST", "PUT", 0));
}

static void test_header(void **state)
{
    (void)state;
    kv_list h = KV_LIST_INIT;
    kv_add(&h, "Host", "x");
    kv_add(&h, "connection", "keep-alive");
    kv_add(&h, "Connection", "UPGRADE");
    kv_add(&h, "X-Stream-Protocol-Version", " , ");
    kv_add(&h, "X-Stream-Protocol-Version", "v9.channel.k8s.io, v3.channel.k8s.io ,v4.channel.k8s.io");
    assert_true(httptok_header_has(&h, "CONNECTION", "upgrade"));
    assert_false(httptok_header_has(&h, "Upgrade", "websocket"));

    static const char *const sup[] = {"v4.channel.k8s.io", "v3.channel.k8s.io"};
    int offered = -1;
    /* the client's order wins, not the server's */
    assert_string_equal(httptok_header_pick(&h, "x-stream-protocol-version", sup, 2, &offered), "v3.channel.k8s.io");
    assert_int_equal(offered, 1);
    assert_null(httptok_header_pick(&h, "Sec-WebSocket-Protocol", sup, 2, &offered));
    assert_int_equal(offered, 0);
    kv_add(&h, "Sec-WebSocket-Protocol", "V4.channel.k8s.io");
    assert_null(httptok_header_pick(&h, "Sec-WebSocket-Protocol", sup, 2, &offered)); /* names are case-sensitive */
    assert_int_equal(offered, 1);
    assert_null(httptok_header_pick(&h, "Sec-WebSocket-Protocol", sup, 2, NULL));
    kv_free(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_next),
        cmocka_unit_test(test_has),
        cmocka_unit_test(test_header),
    };
    return cmocka_run_group_tests_name("httptok", tests, NULL, NULL);
}
