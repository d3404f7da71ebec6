/* util/base64: RFC 4648 vectors, strict decoding and the relaxing flags. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "util/base64.h"

static const char *const vec[][2] = {
    {"", ""}, {"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"},
    {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"},
};

static void test_rfc4648(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof vec / sizeof vec[0]; i++) {
        char *e = b64_encode(vec[i][0], strlen(vec[i][0]));
        assert_string_equal(e, vec[i][1]);
        assert_int_equal(strlen(e), B64_ENCODED_LEN(strlen(vec[i][0])));
        free(e);
        char buf[16];
        assert_int_equal(b64_encode_to(buf, vec[i][0], strlen(vec[i][0])), strlen(vec[i][1]));
        assert_string_equal(buf, vec[i][1]);
        size_t n = 99;
        unsigned char *d = b64_decode(vec[i][1], strlen(vec[i][1]), 0, &n);
        assert_non_null(d);
        assert_int_equal(n, strlen(vec[i][0]));
        assert_string_equal((char *)d, vec[i][0]); /* NUL-terminated */
        free(d);
    }
}

static void test_binary_roundtrip(void **state)
{
    (void)state;
    unsigned char raw[256];
    for (int i = 0; i < 256; i++)
        raw[i] = (unsigned char)(255 - i);
    for (size_t len = 0; len <= sizeof raw; len += 37) {
        char *e = b64_encode(raw, len);
        size_t n;
        unsigned char *d = b64_decode(e, strlen(e), 0, &n);
        assert_non_null(d);
        assert_int_equal(n, len);
        assert_memory_equal(d, raw, len);
        free(d);
        free(e);
    }
}

static int bad(const char *s, unsigned flags)
{
    size_t n;
    unsigned char *d = b64_decode(s, strlen(s), flags, &n);
    free(d);
    return d == NULL;
}

static void test_strict(void **state)
{
    (void)state;
    assert_true(bad("Zg", 0));        /* padding required */
    assert_true(bad("Zg=", 0));       /* half padding */
    assert_true(bad("Zg===", 0));     /* too much */
    assert_true(bad("Z===", 0));
    assert_true(bad("Zg==Zg==", 0));  /* data after padding */
    assert_true(bad("Zm9v\n", 0));    /* whitespace */
    assert_true(bad(" Zm9v", 0));
    assert_true(bad("Zm9-", 0));      /* URL alphabet */
    assert_true(bad("Zm9_", 0));
    assert_true(bad("Zm9v!A==", 0));
    assert_true(bad("Z", 0));
    assert_true(bad("Zm9vY", B64_NOPAD)); /* one digit is never a byte */
    assert_false(bad("", 0));
}

static void test_flags(void **state)
{
    (void)state;
    size_t n;
    const char *pem = "Zm9v\r\nYmFy\n Zg==\n";
    unsigned char *d = b64_decode(pem, strlen(pem), B64_WS, &n);
    assert_non_null(d);
    assert_int_equal(n, 7);
    assert_memory_equal(d, "foobarf", 7);
    free(d);
    d = b64_decode("-_8", 3, B64_URL | B64_NOPAD, &n);
    assert_non_null(d);
    assert_int_equal(n, 2);
    assert_int_equal(d[0], 0xfb);
    assert_int_equal(d[1], 0xff);
    free(d);
    assert_true(bad("-_8", B64_NOPAD));
    assert_true(bad("-_8", B64_URL));
    assert_false(bad("Zm9vYg", B64_NOPAD));
    assert_false(bad("Zm9vYg==", B64_NOPAD)); /* padding still allowed */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc4648),
        cmocka_unit_test(test_binary_roundtrip),
        cmocka_unit_test(test_strict),
        cmocka_unit_test(test_flags),
    };
    return cmocka_run_group_tests_name("base64", tests, NULL, NULL);
}
