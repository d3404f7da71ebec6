/* provider/http_req: request parsing (chunked feeding, keep-alive pipelining,
 * upgrades, caps, garbage) and response helpers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "provider/kubelet/http.h"

static void test_simple_get_bytewise(void **state)
{
    (void)state;
    const char *req = "GET /containerLogs/default/web/nginx?follow=true&tailLines=10&x=a+b%2Fc HTTP/1.1\r\n"
                      "Host: 10.0.0.5:10250\r\nAuthorization: Bearer abc\r\nX-Multi: 1\r\nx-multi: 2\r\n\r\n";
    kubelet_http_parser *p = kubelet_http_parser_new(0, 0);
    char err[160];
    size_t used = 0, n = strlen(req);
    int rc = KUBELET_HTTP_MORE;
    for (size_t i = 0; i < n; i++) {
        rc = kubelet_http_parser_feed(p, req + i, 1, &used, err, sizeof err);
        assert_int_equal(used, 1);
        if (i + 1 < n)
            assert_int_equal(rc, KUBELET_HTTP_MORE);
    }
    assert_int_equal(rc, KUBELET_HTTP_DONE);
    kubelet_http_request *r = kubelet_http_parser_take(p);
    assert_non_null(r);
    assert_string_equal(kubelet_http_request_method(r), "GET");
    assert_string_equal(kubelet_http_request_path(r), "/containerLogs/default/web/nginx");
    assert_string_equal(kv_get(kubelet_http_request_query(r), "follow"), "true");
    assert_string_equal(kv_get(kubelet_http_request_query(r), "x"), "a b/c");
    assert_string_equal(kubelet_http_request_header(r, "authorization"), "Bearer abc");
    assert_int_equal(kv_count(kubelet_http_request_headers(r), "X-Multi") + kv_count(kubelet_http_request_headers(r), "x-multi"), 2);
    assert_true(kubelet_http_request_keep_alive(r));
    assert_null(kubelet_http_request_upgrade(r));
    size_t bl = 99;
    kubelet_http_request_body(r, &bl);
    assert_int_equal(bl, 0);
    kubelet_http_request_free(r);
    assert_null(kubelet_http_parser_take(p));
    kubelet_http_parser_free(p);
}

static void test_pipelined_with_body(void **state)
{
    (void)state;
    const char *req = "POST /run/ns/pod/c?cmd=ls+-l HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello"
                      "GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n";
    kubelet_http_parser *p = kubelet_http_parser_new(0, 0);
    char err[160];
    size_t used = 0, n = strlen(req);
    assert_int_equal(kubelet_http_parser_feed(p, req, n, &used, err, sizeof err), KUBELET_HTTP_DONE);
    kubelet_http_request *r = kubelet_http_parser_take(p);
    size_t bl;
    assert_string_equal(kubelet_http_request_body(r, &bl), "hello");
    assert_string_equal(kv_get(kubelet_http_request_query(r), "cmd"), "ls -l");
    kubelet_http_request_free(r);
    size_t used2 = 0;
    assert_int_equal(kubelet_http_parser_feed(p, req + used, n - used, &used2, err, sizeof err), KUBELET_HTTP_DONE);
    assert_int_equal(used + used2, n);
    r = kubelet_http_parser_take(p);
    assert_string_equal(kubelet_http_request_path(r), "/healthz");
    assert_false(kubelet_http_request_keep_alive(r));
    kubelet_http_request_free(r);
    kubelet_http_parser_free(p);
}

static void test_upgrade_leaves_rest(void **state)
{
    (void)state;
    const char *req = "POST /exec/default/web/nginx?command=sh&command=-c&command=echo+hi&error=1&output=1 HTTP/1.1\r\n"
                      "Host: x\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n"
                      "X-Stream-Protocol-Version: v4.channel.k8s.io\r\nX-Stream-Protocol-Version: channel.k8s.io\r\n\r\n"
                      "\x80\x03\x01\x06";
    kubelet_http_parser *p = kubelet_http_parser_new(0, 0);
    char err[160];
    size_t used = 0, n = strlen(req) + 0;
    assert_int_equal(kubelet_http_parser_feed(p, req, n, &used, err, sizeof err), KUBELET_HTTP_DONE);
    assert_int_equal(n - used, 4);
    kubelet_http_request *r = kubelet_http_parser_take(p);
    assert_string_equal(kubelet_http_request_upgrade(r), "SPDY/3.1");
    assert_true(kubelet_http_request_has_token(r, "connection", "UPGRADE"));
    assert_int_equal(kv_count(kubelet_http_request_query(r), "command"), 3);
    assert_string_equal(kubelet_http_request_query(r)->items[2].val, "echo hi");
    kubelet_http_request_free(r);
    kubelet_http_parser_free(p);
}

static int expect_err(const char *req, size_t max_head, size_t max_body, int status, const char *needle)
{
    kubelet_http_parser *p = kubelet_http_parser_new(max_head, max_body);
    char err[160] = "";
    size_t used;
    int rc = kubelet_http_parser_feed(p, req, strlen(req), &used, err, sizeof err);
    assert_int_equal(rc, KUBELET_HTTP_ERROR);
    assert_int_equal(kubelet_http_parser_error_status(p), status);
    if (!strstr(err, needle))
        fail_msg("error '%s' lacks '%s'", err, needle);
    /* stays failed */
    assert_int_equal(kubelet_http_parser_feed(p, "GET / HTTP/1.1\r\n\r\n", 18, &used, err, sizeof err), KUBELET_HTTP_ERROR);
    kubelet_http_parser_free(p);
    return 0;
}

static void test_errors(void **state)
{
    (void)state;
    expect_err("\x01\x02garbage\r\n\r\n", 0, 0, 400, "malformed HTTP request");
    expect_err("GET /a HTTP/1.1\r\nContent-Length: x\r\n\r\n", 0, 0, 400, "malformed");
    expect_err("GET /a HTTP/1.1\r\nBad Header\r\n\r\n", 0, 0, 400, "malformed");
    expect_err("GET /a?x=%zz HTTP/1.1\r\n\r\n", 0, 0, 400, "bad query string");
    expect_err("GET http://h/a HTTP/1.1\r\n\r\n", 0, 0, 400, "absolute path");
    expect_err("GET /aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa HTTP/1.1\r\n\r\n", 16, 0, 431, "too large");
    expect_err("GET / HTTP/1.1\r\nX: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n", 24, 0, 431, "too large");
    expect_err("POST / HTTP/1.1\r\nContent-Length: 100\r\n\r\n", 0, 10, 413, "body too large");
    expect_err("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n20\r\n0123456789abcdef0123456789abcdef\r\n0\r\n\r\n",
               0, 10, 413, "body too large");
    /* too many headers */
    char big[8192];
    strcpy(big, "GET / HTTP/1.1\r\n");
    for (int i = 0; i < KUBELET_HTTP_MAX_HEADERS + 1; i++)
        sprintf(big + strlen(big), "H%d: v\r\n", i);
    strcat(big, "\r\n");
    expect_err(big, 0, 0, 431, "too many header fields");
}

static void test_chunked_body(void **state)
{
    (void)state;
    const char *req = "POST /stats/summary HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n";
    kubelet_http_parser *p = kubelet_http_parser_new(0, 0);
    char err[160];
    size_t used;
    assert_int_equal(kubelet_http_parser_feed(p, req, strlen(req), &used, err, sizeof err), KUBELET_HTTP_DONE);
    kubelet_http_request *r = kubelet_http_parser_take(p);
    assert_string_equal(kubelet_http_request_body(r, NULL), "abcde");
    kubelet_http_request_free(r);
    kubelet_http_parser_free(p);
}

static void test_hold_bodies(void **state)
{
    (void)state;
    kubelet_http_parser *p = kubelet_http_parser_new(0, 0);
    kubelet_http_parser_hold_bodies(p, 1);
    const char *in = "POST /run/ns/pod/c?cmd=ls HTTP/1.1\r\nAuthorization: Bearer t\r\nContent-Length: 5\r\n\r\nhello"
                     "GET /pods HTTP/1.1\r\n\r\n";
    size_t len = strlen(in), used = 0, off = 0;
    char err[128];
    char dummy[8];
    /* The head, not one body byte. */
    assert_int_equal(kubelet_http_parser_feed(p, in, len, &used, err, sizeof err), KUBELET_HTTP_HEAD);
    assert_true(used <= (size_t)(strstr(in, "hello") - in)); /* (http_parser keeps the head's last LF) */
    off += used;
    kubelet_http_request *h = kubelet_http_parser_head(p, err, sizeof err);
    assert_non_null(h);
    assert_string_equal(kubelet_http_request_method(h), "POST");
    assert_string_equal(kubelet_http_request_path(h), "/run/ns/pod/c");
    assert_string_equal(kubelet_http_request_header(h, "authorization"), "Bearer t");
    size_t bl = 9;
    kubelet_http_request_body(h, &bl);
    assert_int_equal(bl, 0);
    kubelet_http_request_free(h);
    /* Feeding again without releasing is an error, not a silent body read. */
    assert_int_equal(kubelet_http_parser_feed(p, in + off, len - off, &used, dummy, sizeof dummy),
                     KUBELET_HTTP_ERROR);
    kubelet_http_parser_free(p);

    p = kubelet_http_parser_new(0, 0);
    kubelet_http_parser_hold_bodies(p, 1);
    off = 0;
    assert_int_equal(kubelet_http_parser_feed(p, in, len, &used, err, sizeof err), KUBELET_HTTP_HEAD);
    off += used;
    kubelet_http_parser_release(p);
    assert_int_equal(kubelet_http_parser_feed(p, in + off, len - off, &used, err, sizeof err), KUBELET_HTTP_DONE);
    off += used;
    kubelet_http_request *r = kubelet_http_parser_take(p);
    kubelet_http_request_body(r, &bl);
    assert_int_equal(bl, 5);
    kubelet_http_request_free(r);
    /* A request without a body completes at once. */
    assert_int_equal(kubelet_http_parser_feed(p, in + off, len - off, &used, err, sizeof err), KUBELET_HTTP_DONE);
    r = kubelet_http_parser_take(p);
    assert_string_equal(kubelet_http_request_path(r), "/pods");
    kubelet_http_request_free(r);
    assert_null(kubelet_http_parser_head(p, err, sizeof err));
    kubelet_http_parser_free(p);
}

static void test_responses(void **state)
{
    (void)state;
    dynbuf b;
    dynbuf_init(&b, 0);
    kv_list h = KV_LIST_INIT;
    kv_add(&h, "X-Evil", "a\r\nInjected: yes");
    kubelet_http_response_simple(&b, 404, "text/plain", "nope", 4, 0, &h);
    assert_string_equal(dynbuf_str(&b), "HTTP/1.1 404 Not Found\r\nX-Evil: a  Injected: yes\r\n"
                                        "Content-Type: text/plain\r\nContent-Length: 4\r\nConnection: close\r\n\r\nnope");
    dynbuf_reset(&b);
    kubelet_http_chunk(&b, "hello world, this is long", 25);
    kubelet_http_chunk(&b, "x", 0);
    kubelet_http_chunk_end(&b);
    assert_string_equal(dynbuf_str(&b), "19\r\nhello world, this is long\r\n0\r\n\r\n");
    assert_string_equal(kubelet_http_status_text(101), "Switching Protocols");
    assert_string_equal(kubelet_http_status_text(599), "Server Error");
    kv_free(&h);
    dynbuf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_simple_get_bytewise),
        cmocka_unit_test(test_pipelined_with_body),
        cmocka_unit_test(test_upgrade_leaves_rest),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_chunked_body),
        cmocka_unit_test(test_hold_bodies),
        cmocka_unit_test(test_responses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
