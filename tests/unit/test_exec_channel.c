/* eci/exec_channel.c: channel messages, v5 CLOSE, status and resize JSON. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "eci/exec_channel.h"

static void test_encode_decode(void **state)
{
    (void)state;
    dynbuf b;
    dynbuf_init(&b, 16);
    assert_int_equal(eci_chan_encode(&b, ECI_CHAN_STDOUT, "hi\n", 3), 0);
    assert_int_equal(b.len, 4);
    assert_memory_equal(b.buf, "\x01hi\n", 4);
    eci_chan_msg m;
    char err[128];
    assert_int_equal(eci_chan_decode(b.buf, b.len, &m, err, sizeof err), 0);
    assert_int_equal(m.kind, ECI_CHAN_MSG_DATA);
    assert_int_equal(m.channel, 1);
    assert_int_equal(m.len, 3);
    assert_memory_equal(m.data, "hi\n", 3);
    /* cap: 16 bytes hold 4 + 12 but not one more */
    assert_int_equal(eci_chan_encode(&b, 2, "0123456789a", 11), 0);
    assert_int_equal(eci_chan_encode(&b, 2, "", 0), -1);
    assert_int_equal(b.len, 16);
    dynbuf_free(&b);
    /* an empty channel-only message (what the server sends on open) */
    assert_int_equal(eci_chan_decode("\x01", 1, &m, err, sizeof err), 0);
    assert_int_equal(m.kind, ECI_CHAN_MSG_DATA);
    assert_int_equal(m.len, 0);
    assert_int_equal(eci_chan_decode("", 0, &m, err, sizeof err), 0);
    assert_int_equal(m.kind, ECI_CHAN_MSG_EMPTY);
}

static void test_close(void **state)
{
    (void)state;
    unsigned char c[2];
    eci_chan_close_msg(ECI_CHAN_STDIN, c);
    assert_int_equal(c[0], 255);
    assert_int_equal(c[1], 0);
    eci_chan_msg m;
    char err[128];
    assert_int_equal(eci_chan_decode(c, 2, &m, err, sizeof err), 0);
    assert_int_equal(m.kind, ECI_CHAN_MSG_CLOSE);
    assert_int_equal(m.channel, 0);
    assert_int_equal(eci_chan_decode("\xff", 1, &m, err, sizeof err), -1);
    assert_non_null(strstr(err, "CLOSE"));
    assert_int_equal(eci_chan_decode("\xff\x00\x00", 3, &m, err, sizeof err), -1);
}

static void test_protocols(void **state)
{
    (void)state;
    assert_string_equal(eci_chan_pick_protocol("v4.channel.k8s.io, v5.channel.k8s.io"), ECI_CHAN_PROTO_V5);
    assert_string_equal(eci_chan_pick_protocol("v4.channel.k8s.io"), ECI_CHAN_PROTO_V4);
    assert_string_equal(eci_chan_pick_protocol("base64.channel.k8s.io,channel.k8s.io"), ECI_CHAN_PROTO_V1);
    assert_null(eci_chan_pick_protocol("v5.channel.k8s.iox, foo"));
    assert_string_equal(eci_chan_pick_protocol(NULL), "");
    assert_string_equal(eci_chan_pick_protocol("  "), "");
    assert_true(eci_chan_proto_has_close(ECI_CHAN_PROTO_V5));
    assert_false(eci_chan_proto_has_close(ECI_CHAN_PROTO_V4));
    assert_true(eci_chan_proto_status_json(ECI_CHAN_PROTO_V4));
    assert_false(eci_chan_proto_status_json(""));
}

static void test_status(void **state)
{
    (void)state;
    char *s = eci_chan_status_json(0, NULL);
    assert_string_equal(s, "{\"metadata\":{},\"status\":\"Success\"}");
    int code;
    char msg[256];
    assert_int_equal(eci_chan_status_parse(s, strlen(s), &code, msg, sizeof msg), 0);
    assert_int_equal(code, 0);
    free(s);
    s = eci_chan_status_json(3, NULL);
    assert_string_equal(s, "{\"metadata\":{},\"status\":\"Failure\",\"message\":\"command terminated with "
                           "non-zero exit code: command terminated with exit code 3\",\"reason\":"
                           "\"NonZeroExitCode\",\"details\":{\"causes\":[{\"reason\":\"ExitCode\",\"message\":\"3\"}]}}");
    assert_int_equal(eci_chan_status_parse(s, strlen(s), &code, msg, sizeof msg), 0);
    assert_int_equal(code, 3);
    free(s);
    s = eci_chan_status_json(0, "boom");
    assert_string_equal(s, "{\"metadata\":{},\"status\":\"Failure\",\"message\":\"Internal error occurred: boom\","
                           "\"reason\":\"InternalError\",\"details\":{\"causes\":[{\"message\":\"boom\"}]},\"code\":500}");
    assert_int_equal(eci_chan_status_parse(s, strlen(s), &code, msg, sizeof msg), 1);
    assert_int_equal(code, -1);
    assert_string_equal(msg, "Internal error occurred: boom");
    free(s);
    const char *bad[] = {
        "", "[]", "{\"status\":\"Weird\"}", "{\"status\":\"Failure\",\"reason\":\"NonZeroExitCode\"}",
        "{\"status\":\"Failure\",\"reason\":\"NonZeroExitCode\",\"details\":{\"causes\":[{\"reason\":\"ExitCode\",\"message\":\"256\"}]}}",
        "{\"status\":\"Failure\",\"reason\":\"NonZeroExitCode\",\"details\":{\"causes\":[{\"reason\":\"ExitCode\",\"message\":\"-1\"}]}}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(eci_chan_status_parse(bad[i], strlen(bad[i]), &code, msg, sizeof msg), -1);
}

static void test_status_for(void **state)
{
    (void)state;
    char *s = eci_chan_status_for(ECI_CHAN_PROTO_V5, 0, NULL);
    assert_string_equal(s, "{\"metadata\":{},\"status\":\"Success\"}");
    free(s);
    assert_null(eci_chan_status_for(ECI_CHAN_PROTO_V1, 0, NULL));
    assert_null(eci_chan_status_for("", 0, NULL));
    s = eci_chan_status_for(ECI_CHAN_PROTO_V1, 2, NULL);
    assert_non_null(strstr(s, "exit code 2"));
    assert_int_equal(s[0], 'c');
    free(s);
    s = eci_chan_status_for("", 0, "boom");
    assert_string_equal(s, "boom");
    free(s);
}

static void test_resize(void **state)
{
    (void)state;
    char *s = eci_chan_resize_json(80, 24);
    assert_string_equal(s, "{\"Width\":80,\"Height\":24}");
    free(s);
    const char *in = "{\"Width\":80,\"Height\":24}\n{\"width\":100,\"HEIGHT\":50}\n";
    unsigned w, h;
    size_t used;
    char err[128];
    assert_int_equal(eci_chan_resize_parse(in, strlen(in), &w, &h, &used, err, sizeof err), 0);
    assert_int_equal(w, 80);
    assert_int_equal(h, 24);
    assert_int_equal(used, 25);
    assert_int_equal(eci_chan_resize_parse(in + used, strlen(in) - used, &w, &h, &used, err, sizeof err), 0);
    assert_int_equal(w, 100);
    assert_int_equal(h, 50);
    assert_int_equal(eci_chan_resize_parse("{\"Width\":70000}", 15, &w, &h, &used, err, sizeof err), -1);
    assert_int_equal(eci_chan_resize_parse("{\"Width\":1.5}", 13, &w, &h, &used, err, sizeof err), -1);
    assert_int_equal(eci_chan_resize_parse("nope", 4, &w, &h, &used, err, sizeof err), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_encode_decode),
        cmocka_unit_test(test_close),
        cmocka_unit_test(test_protocols),
        cmocka_unit_test(test_status),
        cmocka_unit_test(test_status_for),
        cmocka_unit_test(test_resize),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
