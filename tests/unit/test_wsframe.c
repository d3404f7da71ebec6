/* provider/wsframe: RFC 6455 handshake vector, subprotocol choice, decoder
 * (masking, fragmentation, control frames, caps, UTF-8, close codes) and the
 * encoder. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "provider/kubelet/websocket.h"

typedef struct rec {
    dynbuf log;
} rec;

static int on_msg(void *ud, int op, const uint8_t *data, size_t len)
{
    rec *r = ud;
    dynbuf_printf(&r->log, "%d:", op);
    dynbuf_add(&r->log, data, len);
    dynbuf_addc(&r->log, ';');
    return 0;
}

static const uint8_t MASK[4] = {0x37, 0xfa, 0x21, 0x3d};

static void test_accept_key(void **state)
{
    (void)state;
    char out[KUBELET_WS_ACCEPT_LEN + 1];
    assert_int_equal(kubelet_ws_accept_key("dGhlIHNhbXBsZSBub25jZQ==", out), 0);
    assert_string_equal(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    assert_int_equal(kubelet_ws_accept_key("short", out), -1);
    assert_int_equal(kubelet_ws_accept_key(NULL, out), -1);
    assert_int_equal(kubelet_ws_accept_key("dGhlIHNhbXBsZSBub25j!!==", out), -1);
}

static void test_check_and_protocol(void **state)
{
    (void)state;
    kv_list h = KV_LIST_INIT;
    char err[160];
    kv_add(&h, "Upgrade", "websocket");
    kv_add(&h, "Connection", "keep-alive, Upgrade");
    kv_add(&h, "Sec-WebSocket-Version", "13");
    kv_add(&h, "Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==");
    kv_add(&h, "Sec-WebSocket-Protocol", "foo, v4.base64.channel.k8s.io");
    kv_add(&h, "sec-websocket-protocol", "v4.channel.k8s.io");
    assert_int_equal(kubelet_ws_check_request("GET", &h, err, sizeof err), 0);
    assert_int_equal(kubelet_ws_check_request("POST", &h, err, sizeof err), -1);
    const char *sup[] = {"v4.channel.k8s.io", "v4.base64.channel.k8s.io"};
    int offered = 0;
    assert_string_equal(kubelet_ws_choose_protocol(&h, sup, 2, &offered), "v4.base64.channel.k8s.io");
    assert_int_equal(offered, 1);
    const char *none[] = {"x"};
    assert_null(kubelet_ws_choose_protocol(&h, none, 1, &offered));
    kv_set(&h, "Sec-WebSocket-Version", "8");
    assert_int_equal(kubelet_ws_check_request("GET", &h, err, sizeof err), -1);
    assert_non_null(strstr(err, "Version"));
    kv_set(&h, "Sec-WebSocket-Version", "13");
    kv_set(&h, "Sec-WebSocket-Key", "abc");
    assert_int_equal(kubelet_ws_check_request("GET", &h, err, sizeof err), -1);
    kv_set(&h, "Upgrade", "h2c");
    assert_int_equal(kubelet_ws_check_request("GET", &h, err, sizeof err), -1);
    kv_free(&h);
}

static void test_utf8(void **state)
{
    (void)state;
    assert_true(kubelet_ws_utf8_valid((const uint8_t *)"h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80", 15));
    assert_false(kubelet_ws_utf8_valid((const uint8_t *)"\xc0\xaf", 2));         /* overlong */
    assert_false(kubelet_ws_utf8_valid((const uint8_t *)"\xed\xa0\x80", 3));     /* surrogate */
    assert_false(kubelet_ws_utf8_valid((const uint8_t *)"\xf4\x90\x80\x80", 4)); /* > U+10FFFF */
    assert_false(kubelet_ws_utf8_valid((const uint8_t *)"\xe2\x82", 2));         /* truncated */
    assert_false(kubelet_ws_utf8_valid((const uint8_t *)"\xff", 1));
}

static void test_roundtrip_fragmented(void **state)
{
    (void)state;
    dynbuf b;
    dynbuf_init(&b, 0);
    /* binary "\x01hi\n" in two fragments with a ping in between, then text, a big one, close */
    assert_int_equal(kubelet_ws_encode(&b, KUBELET_WS_BINARY, 0, "\x01h", 2, MASK), 0);
    assert_int_equal(kubelet_ws_encode(&b, KUBELET_WS_PING, 1, "p", 1, MASK), 0);
    assert_int_equal(kubelet_ws_encode(&b, KUBELET_WS_CONT, 1, "i\n", 2, MASK), 0);
    assert_int_equal(kubelet_ws_encode(&b, KUBELET_WS_TEXT, 1, "1aGkK", 5, MASK), 0);
    char big[70000];
    memset(big, 'z', sizeof big);
    assert_int_equal(kubelet_ws_encode(&b, KUBELET_WS_BINARY, 1, big, 300, MASK), 0);
    assert_int_equal(kubelet_ws_encode(&b, KUBELET_WS_BINARY, 1, big, sizeof big, MASK), 0);
    assert_int_equal(kubelet_ws_encode(&b, KUBELET_WS_BINARY, 1, NULL, 0, MASK), 0);
    assert_int_equal(kubelet_ws_encode_close(&b, 1000, "bye", MASK), 0);
    for (size_t step = 1; step < 5000; step += 997) {
        kubelet_ws_decoder *d = kubelet_ws_decoder_new(0, 1);
        rec r;
        dynbuf_init(&r.log, 0);
        char err[160];
        for (size_t off = 0; off < b.len; off += step) {
            size_t k = b.len - off < step ? b.len - off : step;
            assert_int_equal(kubelet_ws_decoder_feed(d, b.buf + off, k, on_msg, &r, err, sizeof err), 0);
        }
        const char *l = dynbuf_str(&r.log);
        const char *pre = "9:p;2:\x01hi\n;1:1aGkK;2:";
        assert_int_equal(strncmp(l, pre, strlen(pre)), 0);
        assert_int_equal(r.log.len, strlen(pre) + 300 + 3 + 70000 + 4 + 8);
        assert_memory_equal(l + r.log.len - 8, "8:\x03\xe8" "bye;", 8);
        dynbuf_free(&r.log);
        kubelet_ws_decoder_free(d);
    }
    dynbuf_free(&b);
}

static void test_server_encoding(void **state)
{
    (void)state;
    dynbuf b;
    dynbuf_init(&b, 0);
    assert_int_equal(kubelet_ws_encode(&b, KUBELET_WS_BINARY, 1, "\x01hi\n", 4, NULL), 0);
    assert_int_equal(b.len, 6);
    assert_memory_equal(b.buf, "\x82\x04\x01hi\n", 6);
    assert_int_equal(kubelet_ws_encode(&b, KUBELET_WS_PING, 1, "x", 200, NULL), -1);
    assert_int_equal(kubelet_ws_encode(&b, KUBELET_WS_CLOSE, 0, "x", 1, NULL), -1);
    /* client-side decoder accepts unmasked server frames */
    kubelet_ws_decoder *d = kubelet_ws_decoder_new(0, 0);
    rec r;
    dynbuf_init(&r.log, 0);
    char err[160];
    assert_int_equal(kubelet_ws_decoder_feed(d, b.buf, b.len, on_msg, &r, err, sizeof err), 0);
    assert_string_equal(dynbuf_str(&r.log), "2:\x01hi\n;");
    dynbuf_free(&r.log);
    kubelet_ws_decoder_free(d);
    dynbuf_free(&b);
}

static void expect_fail(const uint8_t *p, size_t n, size_t cap, uint16_t code, const char *needle)
{
    kubelet_ws_decoder *d = kubelet_ws_decoder_new(cap, 1);
    rec r;
    dynbuf_init(&r.log, 0);
    char err[160] = "";
    assert_int_equal(kubelet_ws_decoder_feed(d, p, n, on_msg, &r, err, sizeof err), -1);
    if (!strstr(err, needle))
        fail_msg("error '%s' lacks '%s'", err, needle);
    assert_int_equal(kubelet_ws_decoder_close_code(d), code);
    assert_int_equal(kubelet_ws_decoder_feed(d, p, 1, on_msg, &r, err, sizeof err), -1);
    dynbuf_free(&r.log);
    kubelet_ws_decoder_free(d);
}

static void expect_fail_enc(int op, int fin, const char *data, size_t n, const uint8_t *mask, uint16_t code,
                            const char *needle, size_t cap)
{
    dynbuf b;
    dynbuf_init(&b, 0);
    kubelet_ws_encode(&b, op, fin, data, n, mask);
    expect_fail((const uint8_t *)b.buf, b.len, cap, code, needle);
    dynbuf_free(&b);
}

static void test_errors(void **state)
{
    (void)state;
    expect_fail((const uint8_t *)"\xc2\x80\0\0\0\0", 6, 0, 1002, "reserved bits");
    expect_fail((const uint8_t *)"\x83\x80\0\0\0\0", 6, 0, 1002, "unknown opcode");
    expect_fail((const uint8_t *)"\x82\x01x", 3, 0, 1002, "not masked");
    expect_fail((const uint8_t *)"\x09\x80\0\0\0\0", 6, 0, 1002, "fragmented control");
    expect_fail((const uint8_t *)"\x89\xfe\x00\x7e\0\0\0\0", 8, 0, 1002, "control frame payload");
    expect_fail((const uint8_t *)"\x80\x80\0\0\0\0", 6, 0, 1002, "continuation frame without");
    expect_fail((const uint8_t *)"\x02\x80\0\0\0\0\x02\x80\0\0\0\0", 12, 0, 1002, "new message inside");
    expect_fail((const uint8_t *)"\x82\xff\x80\0\0\0\0\0\0\0\0\0\0\0", 14, 0, 1002, "top bit");
    expect_fail((const uint8_t *)"\x82\xff\x00\0\0\0\x10\0\0\0\0\0\0\0", 14, 0, 1009, "exceeds");
    expect_fail_enc(KUBELET_WS_TEXT, 1, "\xff\xfe", 2, MASK, 1007, "UTF-8", 0);
    expect_fail_enc(KUBELET_WS_CLOSE, 1, "\x03", 1, MASK, 1002, "malformed close", 0);
    expect_fail_enc(KUBELET_WS_CLOSE, 1, "\x03\xed", 2, MASK, 1002, "malformed close", 0); /* 1005 */
    expect_fail_enc(KUBELET_WS_CLOSE, 1, "\x03\xe8\xff", 3, MASK, 1007, "malformed close", 0);
    /* cap across fragments */
    dynbuf b;
    dynbuf_init(&b, 0);
    kubelet_ws_encode(&b, KUBELET_WS_BINARY, 0, "0123456789", 10, MASK);
    kubelet_ws_encode(&b, KUBELET_WS_CONT, 1, "0123456789", 10, MASK);
    expect_fail((const uint8_t *)b.buf, b.len, 15, 1009, "exceeds");
    dynbuf_free(&b);
    /* close parse */
    uint16_t code;
    const char *reason;
    size_t rl;
    assert_int_equal(kubelet_ws_parse_close(NULL, 0, &code, &reason, &rl), 0);
    assert_int_equal(code, 1005);
    assert_int_equal(kubelet_ws_parse_close((const uint8_t *)"\x0f\xa0ok", 4, &code, &reason, &rl), 0);
    assert_int_equal(code, 4000);
    assert_int_equal(rl, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accept_key),
        cmocka_unit_test(test_check_and_protocol),
        cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_roundtrip_fragmented),
        cmocka_unit_test(test_server_encoding),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
