/* eci/sign.c against the published RPC signature vectors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "eci/sign.h"

static void add_vector(kv_list *p, const char *ts_name)
{
    kv_add(p, "AccessKeyId", "testid");
    kv_add(p, "Action", "DescribeRegions");
    kv_add(p, "Format", "XML");
    kv_add(p, "SignatureMethod", "HMAC-SHA1");
    kv_add(p, "SignatureNonce", "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf");
    kv_add(p, "SignatureVersion", "1.0");
    kv_add(p, ts_name, "2016-02-23T12:46:24Z");
    kv_add(p, "Version", "2014-05-26");
}

static void test_vector_a(void **state)
{
    (void)state;
    kv_list p = KV_LIST_INIT;
    add_vector(&p, "Timestamp");
    char sig[64];
    eci_sign_rpc("GET", &p, "testsecret", sig);
    assert_string_equal(sig, "OLeaidS1JvxuMvnyHOwuJ+uX5qY=");
    dynbuf b;
    dynbuf_init(&b, 0);
    eci_percent_encode(&b, sig, strlen(sig));
    assert_string_equal(dynbuf_str(&b), "OLeaidS1JvxuMvnyHOwuJ%2BuX5qY%3D");
    dynbuf_free(&b);
    /* A Signature parameter already present is not signed. */
    kv_add(&p, "Signature", sig);
    char sig2[64];
    eci_sign_rpc("GET", &p, "testsecret", sig2);
    assert_true(eci_sign_equal(sig, sig2));
    kv_free(&p);
}

static void test_vector_b(void **state)
{
    (void)state;
    kv_list p = KV_LIST_INIT;
    add_vector(&p, "TimeStamp");
    char sig[64];
    eci_sign_rpc("GET", &p, "testsecret", sig);
    assert_string_equal(sig, "CT9X0VtwR86fNWSnsc6v8YGOjuE=");
    kv_free(&p);
}

static void test_vector_c(void **state)
{
    (void)state;
    kv_list p = KV_LIST_INIT;
    kv_add(&p, "key", "value");
    kv_add(&p, "q", "http://domain/?q=value&q2=value2");
    dynbuf b;
    dynbuf_init(&b, 0);
    eci_string_to_sign(&b, "GET", &p);
    assert_string_equal(dynbuf_str(&b),
                        "GET&%2F&key%3Dvalue%26q%3Dhttp%253A%252F%252Fdomain%252F%253Fq%253Dvalue%2526q2%253Dvalue2");
    dynbuf_reset(&b);
    kv_list empty = KV_LIST_INIT;
    eci_string_to_sign(&b, "GET", &empty);
    assert_string_equal(dynbuf_str(&b), "GET&%2F&");
    dynbuf_free(&b);
    kv_free(&p);
}

static void test_encode_specials(void **state)
{
    (void)state;
    dynbuf b;
    dynbuf_init(&b, 0);
    const char *s = "a b*c~d+e/\xe4\xb8\xad";
    eci_percent_encode(&b, s, strlen(s));
    assert_string_equal(dynbuf_str(&b), "a%20b%2Ac~d%2Be%2F%E4%B8%AD");
    dynbuf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vector_a),
        cmocka_unit_test(test_vector_b),
        cmocka_unit_test(test_vector_c),
        cmocka_unit_test(test_encode_specials),
    };
    return cmocka_run_group_tests_name("eci_sign", tests, NULL, NULL);
}
