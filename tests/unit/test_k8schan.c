/* util/k8schan: the Kubernetes channel protocol (messages, protocol names,
 * the error channel's status, the resize stream). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "util/k8schan.h"

static void test_encode_decode(void **state)
{
    (void)state;
    dynbuf b;
    dynbuf_init(&b, 16);
    assert_int_equal(k8schan_encode(&b, K8SCHAN_STDOUT, "hi\n", 3), 0);
    assert_int_equal(b.len, 4);
    assert_memory_equal(b.buf, "\x01hi\n", 4);
    k8schan_msg m;
    char err[128];
    assert_int_equal(k8schan_decode(b.buf, b.len, &m, err, sizeof err), 0);
    assert_int_equal(m.kind, K8SCHAN_MSG_DATA);
    assert_int_equal(m.channel, 1);
    assert_int_equal(m.len, 3);
    assert_memory_equal(m.data, "hi\n", 3);
    /* cap: 16 bytes hold 4 + 12 but not one more */
    assert_int_equal(k8schan_encode(&b, 2, "0123456789a", 11), 0);
    assert_int_equal(k8schan_encode(&b, 2, "", 0), -1);
    assert_int_equal(b.len, 16);
    dynbuf_free(&b);
    /* an empty channel-only message (what the server sends on open) */
    assert_int_equal(k8schan_decode("\x01", 1, &m, err, sizeof err), 0);
    assert_int_equal(m.kind, K8SCHAN_MSG_DATA);
    assert_int_equal(m.len, 0);
    assert_int_equal(k8schan_decode("", 0, &m, err, sizeof err), 0);
    assert_int_equal(m.kind, K8SCHAN_MSG_EMPTY);
}

static void test_close(void **state)
{
    (void)state;
    unsigned char c[2];
    k8schan_close_msg(K8SCHAN_STDIN, c);
    assert_int_equal(c[0], 255);
    assert_int_equal(c[1], 0);
    k8schan_msg m;
    char err[128];
    assert_int_equal(k8schan_decode(c, 2, &m, err, sizeof err), 0);
    assert_int_equal(m.kind, K8SCHAN_MSG_CLOSE);
    assert_int_equal(m.channel, 0);
    assert_int_equal(k8schan_decode("\xff", 1, &m, err, sizeof err), -1);
    assert_non_null(strstr(err, "CLOSE"));
    assert_int_equal(k8schan_decode("\xff\x00\x00", 3, &m, err, sizeof err), -1);
}

static void test_version(void **state)
{
    (void)state;
    int b64 = -1;
    assert_int_equal(k8schan_version(K8SCHAN_PROTO_V4_BASE64, &b64), 4);
    assert_int_equal(b64, 1);
    assert_int_equal(k8schan_version(K8SCHAN_PROTO_BASE64, &b64), 1);
    assert_int_equal(b64, 1);
    assert_int_equal(k8schan_version(K8SCHAN_PROTO_V5, &b64), 5);
    assert_int_equal(b64, 0);
    assert_int_equal(k8schan_version(K8SCHAN_PROTO_V3, NULL), 3);
    assert_int_equal(k8schan_version(K8SCHAN_PROTO_V2, NULL), 2);
    assert_int_equal(k8schan_version(K8SCHAN_PROTO_V1, NULL), 1);
    assert_int_equal(k8schan_version("", NULL), 1); /* no subprotocol offered */
    assert_int_equal(k8schan_version("v5.channel.k8s.iox", &b64), -1);
    assert_int_equal(k8schan_version("V5.channel.k8s.io", &b64), -1);
    assert_int_equal(k8schan_version(NULL, &b64), -1);
    assert_string_equal(K8SCHAN_CLIENT_OFFER, "v5.channel.k8s.io, v4.channel.k8s.io, channel.k8s.io");
}

static void test_status_payload(void **state)
{
    (void)state;
    size_t n;
    char *s = k8schan_status(4, 0, NULL, &n);
    assert_string_equal(s, "{\"metadata\":{},\"status\":\"Success\"}");
    free(s);
    s = k8schan_status(4, 3, NULL, &n);
    assert_string_equal(s, "{\"metadata\":{},\"status\":\"Failure\",\"message\":\"command terminated with non-zero exit "
                           "code: command terminated with exit code 3\",\"reason\":\"NonZeroExitCode\",\"details\":"
                           "{\"causes\":[{\"reason\":\"ExitCode\",\"message\":\"3\"}]}}");
    free(s);
    s = k8schan_status(5, -1, "boom", &n);
    assert_string_equal(s, "{\"metadata\":{},\"status\":\"Failure\",\"message\":\"Internal error occurred: boom\","
                           "\"reason\":\"InternalError\",\"details\":{\"causes\":[{\"message\":\"boom\"}]},\"code\":500}");
    assert_int_equal(n, strlen(s));
    free(s);
    assert_null(k8schan_status(2, 0, NULL, &n));
    assert_int_equal(n, 0);
    s = k8schan_status(3, 2, NULL, &n);
    assert_non_null(strstr(s, "exit code 2"));
    free(s);
    s = k8schan_status(1, -1, "no such container", &n);
    assert_string_equal(s, "no such container");
    free(s);
    s = k8schan_status(4, 7, "command terminated with exit code 7", NULL);
    assert_non_null(strstr(s, "\"message\":\"command terminated with non-zero exit code: command terminated with "
                              "exit code 7\""));
    free(s);
}

static void test_status_roundtrip(void **state)
{
    (void)state;
    char *s = k8schan_status(4, 0, NULL, NULL);
    assert_string_equal(s, "{\"metadata\":{},\"status\":\"Success\"}");
    int code;
    char msg[256];
    assert_int_equal(k8schan_status_parse(s, strlen(s), &code, msg, sizeof msg), 0);
    assert_int_equal(code, 0);
    free(s);
    s = k8schan_status(5, 3, NULL, NULL);
    assert_string_equal(s, "{\"metadata\":{},\"status\":\"Failure\",\"message\":\"command terminated with "
                           "non-zero exit code: command terminated with exit code 3\",\"reason\":"
                           "\"NonZeroExitCode\",\"details\":{\"causes\":[{\"reason\":\"ExitCode\",\"message\":\"3\"}]}}");
    assert_int_equal(k8schan_status_parse(s, strlen(s), &code, msg, sizeof msg), 0);
    assert_int_equal(code, 3);
    free(s);
    s = k8schan_status(4, -1, "boom", NULL);
    assert_string_equal(s, "{\"metadata\":{},\"status\":\"Failure\",\"message\":\"Internal error occurred: boom\","
                           "\"reason\":\"InternalError\",\"details\":{\"causes\":[{\"message\":\"boom\"}]},\"code\":500}");
    assert_int_equal(k8schan_status_parse(s, strlen(s), &code, msg, sizeof msg), 1);
    assert_int_equal(code, -1);
    assert_string_equal(msg, "Internal error occurred: boom");
    free(s);
    const char *bad[] = {
        "", "[]", "{\"status\":\"Weird\"}", "{\"status\":\"Failure\",\"reason\":\"NonZeroExitCode\"}",
        "{\"status\":\"Failure\",\"reason\":\"NonZeroExitCode\",\"details\":{\"causes\":[{\"reason\":\"ExitCode\",\"message\":\"256\"}]}}",
        "{\"status\":\"Failure\",\"reason\":\"NonZeroExitCode\",\"details\":{\"causes\":[{\"reason\":\"ExitCode\",\"message\":\"-1\"}]}}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(k8schan_status_parse(bad[i], strlen(bad[i]), &code, msg, sizeof msg), -1);
}

static void on_size(void *ud, uint16_t w, uint16_t h)
{
    dynbuf_printf(ud, "%ux%u;", w, h);
}

static void test_resize(void **state)
{
    (void)state;
    char *j = k8schan_resize_json(80, 24);
    assert_string_equal(j, "{\"Width\":80,\"Height\":24}");
    free(j);
    k8schan_resize_parser *p = k8schan_resize_parser_new();
    dynbuf log;
    dynbuf_init(&log, 0);
    char err[128];
    const char *in = "{\"Width\":80,\"Height\":24}\n {\"width\": 100, \"HEIGHT\": 40, \"x\":\"}\\\"{\"}\n{\"Width\":1}";
    for (size_t i = 0; in[i]; i++)
        assert_int_equal(k8schan_resize_feed(p, in + i, 1, on_size, &log, err, sizeof err), 0);
    assert_string_equal(dynbuf_str(&log), "80x24;100x40;1x0;");
    k8schan_resize_parser_free(p);
    const char *bad[] = {"x", "{\"Width\":-1}", "{\"Width\":70000}", "{\"Width\":\"80\"}", "{\"a\":[}}", "{]}"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        p = k8schan_resize_parser_new();
        assert_int_equal(k8schan_resize_feed(p, bad[i], strlen(bad[i]), on_size, &log, err, sizeof err), -1);
        assert_int_equal(k8schan_resize_feed(p, "{}", 2, on_size, &log, err, sizeof err), -1);
        k8schan_resize_parser_free(p);
    }
    p = k8schan_resize_parser_new();
    char big[5000];
    memset(big, ' ', sizeof big);
    big[0] = '{';
    assert_int_equal(k8schan_resize_feed(p, big, sizeof big, on_size, &log, err, sizeof err), -1);
    assert_non_null(strstr(err, "too large"));
    k8schan_resize_parser_free(p);
    dynbuf_free(&log);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_encode_decode),
        cmocka_unit_test(test_close),
        cmocka_unit_test(test_version),
        cmocka_unit_test(test_status_payload),
        cmocka_unit_test(test_status_roundtrip),
        cmocka_unit_test(test_resize),
    };
    return cmocka_run_group_tests_name("k8schan", tests, NULL, NULL);
}
