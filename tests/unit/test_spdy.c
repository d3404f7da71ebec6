/* provider/spdy: the spec's byte-exact vectors, round trips, chunked feeding
 * and every decoder error path. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "provider/kubelet/spdy.h"
#include "util/xmalloc.h"

/* Collected frames: a compact text line per frame. */
typedef struct rec {
    dynbuf log;
    dynbuf data;
    int frames;
    int stop_after;
} rec;

static int on_frame(void *ud, const kubelet_spdy_frame *f)
{
    rec *r = ud;
    r->frames++;
    dynbuf_printf(&r->log, "%s", kubelet_spdy_type_name(f->type));
    switch (f->type) {
    case KUBELET_SPDY_DATA:
        dynbuf_printf(&r->log, " s=%u f=%u n=%zu", f->stream_id, f->flags, f->len);
        dynbuf_add(&r->data, f->data, f->len);
        break;
    case KUBELET_SPDY_SYN_STREAM:
    case KUBELET_SPDY_SYN_REPLY:
    case KUBELET_SPDY_HEADERS:
        dynbuf_printf(&r->log, " s=%u f=%u", f->stream_id, f->flags);
        for (size_t i = 0; i < f->headers->n; i++)
            dynbuf_printf(&r->log, " %s=%s", f->headers->items[i].key, f->headers->items[i].val);
        break;
    case KUBELET_SPDY_RST_STREAM:
        dynbuf_printf(&r->log, " s=%u st=%u", f->stream_id, f->status);
        break;
    case KUBELET_SPDY_PING:
        dynbuf_printf(&r->log, " id=%u", f->ping_id);
        break;
    case KUBELET_SPDY_GOAWAY:
        dynbuf_printf(&r->log, " last=%u st=%u", f->last_good_id, f->status);
        break;
    case KUBELET_SPDY_WINDOW_UPDATE:
        dynbuf_printf(&r->log, " s=%u d=%u", f->stream_id, f->delta);
        break;
    case KUBELET_SPDY_SETTINGS:
        dynbuf_printf(&r->log, " n=%zu", f->nsettings);
        for (size_t i = 0; i < f->nsettings; i++)
            dynbuf_printf(&r->log, " %u:%u:%u", f->settings[i].flags, f->settings[i].id, f->settings[i].value);
        break;
    }
    dynbuf_addc(&r->log, ';');
    if (r->stop_after && r->frames >= r->stop_after)
        return 7;
    return 0;
}

static size_t unhex(const char *h, uint8_t *out)
{
    size_t n = 0;
    while (h[0] && h[1]) {
        unsigned v;
        sscanf(h, "%2x", &v);
        out[n++] = (uint8_t)v;
        h += 2;
    }
    return n;
}

static void rec_init(rec *r)
{
    memset(r, 0, sizeof *r);
    dynbuf_init(&r->log, 0);
    dynbuf_init(&r->data, 0);
}

static void rec_free(rec *r)
{
    dynbuf_free(&r->log);
    dynbuf_free(&r->data);
}

/* Feed hex in pieces of `step` bytes (0 = all at once); expect rc. */
static int feed_hex(kubelet_spdy_decoder *d, const char *hex, size_t step, rec *r, char *err, size_t errlen)
{
    uint8_t buf[4096];
    size_t n = unhex(hex, buf);
    if (!step)
        step = n ? n : 1;
    for (size_t off = 0; off < n; off += step) {
        size_t k = n - off < step ? n - off : step;
        int rc = kubelet_spdy_decoder_feed(d, buf + off, k, on_frame, r, err, errlen);
        if (rc)
            return rc;
    }
    return 0;
}

#define V1 "80030001000000290000000100000000000078f9e3c6a7c26260606004a7b392a2d4c45c6851c29a0a0a6800000000ffff"
#define V2 "800300010000001900000003000000000000c22ac5565c92925f5a02000000ffff"
#define V3 "80030002000000140000000178f9e3c6a7c26260606000000000ffff"
#define V4 "800300020000000c00000003026100000000ffff"
#define V5 "80030002000000140000000178f9e3c6a7c202a6230600000000ffff" "800300020000000c00000003020100000000ffff"

static void test_dictionary(void **state)
{
    (void)state;
    const uint8_t *d = kubelet_spdy_dictionary();
    assert_memory_equal(d, "\0\0\0\7options", 11);
    assert_memory_equal(d + KUBELET_SPDY_DICT_LEN - 7, ",enq=0.", 7);
}

static void test_vectors_client_stream(void **state)
{
    (void)state;
    for (size_t step = 0; step <= 5; step++) {
        rec r;
        rec_init(&r);
        char err[200] = "";
        kubelet_spdy_decoder *d = kubelet_spdy_decoder_new(0, 0);
        assert_int_equal(feed_hex(d, V1 V2 "000000030000000368690a" "0000000301000000", step, &r, err, sizeof err), 0);
        if (step == 0 || step == 5)
            assert_string_equal(dynbuf_str(&r.log),
                                "SYN_STREAM s=1 f=0 streamtype=error;SYN_STREAM s=3 f=0 streamtype=stdout;"
                                "DATA s=3 f=0 n=3;DATA s=3 f=1 n=0;");
        assert_string_equal(dynbuf_str(&r.data), "hi\n");
        kubelet_spdy_decoder_free(d);
        rec_free(&r);
    }
}

static void test_vectors_server_replies(void **state)
{
    (void)state;
    rec r;
    rec_init(&r);
    char err[200] = "";
    kubelet_spdy_decoder *d = kubelet_spdy_decoder_new(0, 0);
    assert_int_equal(feed_hex(d, V3 V4, 1, &r, err, sizeof err), 0);
    assert_string_equal(dynbuf_str(&r.log), "SYN_REPLY s=1 f=0;SYN_REPLY s=3 f=0;");
    kubelet_spdy_decoder_free(d);
    rec_free(&r);
    /* V5: the C-zlib variant decodes the same */
    rec_init(&r);
    d = kubelet_spdy_decoder_new(0, 0);
    assert_int_equal(feed_hex(d, V5, 0, &r, err, sizeof err), 0);
    assert_string_equal(dynbuf_str(&r.log), "SYN_REPLY s=1 f=0;SYN_REPLY s=3 f=0;");
    kubelet_spdy_decoder_free(d);
    rec_free(&r);
}

static void test_vectors_fixed(void **state)
{
    (void)state;
    rec r;
    rec_init(&r);
    char err[200] = "";
    kubelet_spdy_decoder *d = kubelet_spdy_decoder_new(0, 0);
    assert_int_equal(feed_hex(d, "800300060000000400000001" "80030007000000080000000300000000"
                                 "80030003000000080000000500000005",
                              2, &r, err, sizeof err), 0);
    assert_string_equal(dynbuf_str(&r.log), "PING id=1;GOAWAY last=3 st=0;RST_STREAM s=5 st=5;");
    kubelet_spdy_decoder_free(d);
    rec_free(&r);
}

static void assert_hex(const dynbuf *b, const char *hex)
{
    uint8_t want[512];
    size_t n = unhex(hex, want);
    assert_int_equal(b->len, n);
    assert_memory_equal(b->buf, want, n);
}

static void test_encode_fixed_vectors(void **state)
{
    (void)state;
    dynbuf b;
    dynbuf_init(&b, 0);
    assert_int_equal(kubelet_spdy_encode_data(&b, 3, 0, "hi\n", 3), 0);
    assert_hex(&b, "000000030000000368690a");
    dynbuf_reset(&b);
    assert_int_equal(kubelet_spdy_encode_data(&b, 3, KUBELET_SPDY_FLAG_FIN, NULL, 0), 0);
    assert_hex(&b, "0000000301000000");
    dynbuf_reset(&b);
    assert_int_equal(kubelet_spdy_encode_ping(&b, 1), 0);
    assert_hex(&b, "800300060000000400000001");
    dynbuf_reset(&b);
    assert_int_equal(kubelet_spdy_encode_goaway(&b, 3, KUBELET_SPDY_GOAWAY_OK), 0);
    assert_hex(&b, "80030007000000080000000300000000");
    dynbuf_reset(&b);
    assert_int_equal(kubelet_spdy_encode_rst_stream(&b, 5, KUBELET_SPDY_CANCEL), 0);
    assert_hex(&b, "80030003000000080000000500000005");
    dynbuf_reset(&b);
    /* C zlib with the same parameters gives the spec's V5 bytes */
    kubelet_spdy_encoder *e = kubelet_spdy_encoder_new();
    assert_int_equal(kubelet_spdy_encode_syn_reply(e, &b, 1, 0, NULL), 0);
    assert_int_equal(kubelet_spdy_encode_syn_reply(e, &b, 3, 0, NULL), 0);
    assert_hex(&b, V5);
    kubelet_spdy_encoder_free(e);
    /* argument checks */
    assert_int_equal(kubelet_spdy_encode_data(&b, 0, 0, "x", 1), -1);
    assert_int_equal(kubelet_spdy_encode_rst_stream(&b, 1, 0), -1);
    assert_int_equal(kubelet_spdy_encode_ping(&b, 0), -1);
    assert_int_equal(kubelet_spdy_encode_window_update(&b, 1, 0), -1);
    assert_int_equal(kubelet_spdy_encode_syn_stream(NULL, &b, 1, 0, 9, 0, NULL), -1);
    dynbuf_free(&b);
}

static void test_roundtrip(void **state)
{
    (void)state;
    kubelet_spdy_encoder *e = kubelet_spdy_encoder_new();
    kubelet_spdy_decoder *d = kubelet_spdy_decoder_new(0, 0);
    dynbuf b;
    dynbuf_init(&b, 0);
    kv_list h = KV_LIST_INIT;
    kv_add(&h, "streamType", "stdin");
    kv_add(&h, "X-Multi", "a");
    kv_add(&h, "x-multi", "b");
    assert_int_equal(kubelet_spdy_encode_syn_stream(e, &b, 1, 0, 3, KUBELET_SPDY_FLAG_UNIDIRECTIONAL, &h), 0);
    assert_int_equal(kubelet_spdy_encode_syn_stream(e, &b, 3, 1, 0, KUBELET_SPDY_FLAG_FIN, &h), 0);
    assert_int_equal(kubelet_spdy_encode_headers(e, &b, 3, 0, NULL), 0);
    kubelet_spdy_setting s[2] = {{1, 7, 65536}, {0, 4, 100}};
    assert_int_equal(kubelet_spdy_encode_settings(&b, KUBELET_SPDY_FLAG_CLEAR_SETTINGS, s, 2), 0);
    assert_int_equal(kubelet_spdy_encode_window_update(&b, 3, 1000), 0);
    assert_int_equal(kubelet_spdy_encode_settings(&b, 0, NULL, 0), 0);
    rec r;
    rec_init(&r);
    char err[200] = "";
    for (size_t i = 0; i < b.len; i++)
        assert_int_equal(kubelet_spdy_decoder_feed(d, b.buf + i, 1, on_frame, &r, err, sizeof err), 0);
    assert_string_equal(dynbuf_str(&r.log),
                        "SYN_STREAM s=1 f=2 streamtype=stdin x-multi=a x-multi=b;"
                        "SYN_STREAM s=3 f=1 streamtype=stdin x-multi=a x-multi=b;"
                        "HEADERS s=3 f=0;SETTINGS n=2 1:7:65536 0:4:100;WINDOW_UPDATE s=3 d=1000;SETTINGS n=0;");
    rec_free(&r);
    kv_free(&h);
    dynbuf_free(&b);
    kubelet_spdy_encoder_free(e);
    kubelet_spdy_decoder_free(d);
}

static void test_big_data_pieces(void **state)
{
    (void)state;
    size_t n = 100000;
    char *big = xmalloc(n);
    for (size_t i = 0; i < n; i++)
        big[i] = (char)('a' + i % 26);
    dynbuf b;
    dynbuf_init(&b, 0);
    assert_int_equal(kubelet_spdy_encode_data(&b, 5, KUBELET_SPDY_FLAG_FIN, big, n), 0);
    kubelet_spdy_decoder *d = kubelet_spdy_decoder_new(0, 0);
    rec r;
    rec_init(&r);
    char err[200];
    for (size_t off = 0; off < b.len; off += 7000) {
        size_t k = b.len - off < 7000 ? b.len - off : 7000;
        assert_int_equal(kubelet_spdy_decoder_feed(d, b.buf + off, k, on_frame, &r, err, sizeof err), 0);
    }
    assert_int_equal(r.data.len, n);
    assert_memory_equal(r.data.buf, big, n);
    /* only the last piece has FIN */
    const char *last = strrchr(dynbuf_str(&r.log), 'D');
    assert_non_null(strstr(last, "f=1"));
    assert_int_equal(strstr(dynbuf_str(&r.log), "f=1") - dynbuf_str(&r.log), last - dynbuf_str(&r.log) + 9);
    free(big);
    rec_free(&r);
    dynbuf_free(&b);
    kubelet_spdy_decoder_free(d);
}

static void test_callback_stop(void **state)
{
    (void)state;
    kubelet_spdy_decoder *d = kubelet_spdy_decoder_new(0, 0);
    rec r;
    rec_init(&r);
    r.stop_after = 1;
    char err[200];
    assert_int_equal(feed_hex(d, "800300060000000400000001", 0, &r, err, sizeof err), 7);
    rec_free(&r);
    kubelet_spdy_decoder_free(d);
}

static void expect_error(const char *hex, const char *needle)
{
    kubelet_spdy_decoder *d = kubelet_spdy_decoder_new(64, 64);
    rec r;
    rec_init(&r);
    char err[200] = "";
    assert_int_equal(feed_hex(d, hex, 0, &r, err, sizeof err), -1);
    if (!strstr(err, needle))
        fail_msg("error '%s' lacks '%s'", err, needle);
    /* stays failed */
    char err2[200] = "";
    assert_int_equal(kubelet_spdy_decoder_feed(d, "x", 1, on_frame, &r, err2, sizeof err2), -1);
    assert_string_equal(err, err2);
    rec_free(&r);
    kubelet_spdy_decoder_free(d);
}

/* A header block with given raw (uncompressed) content, compressed with a
 * fresh zlib stream like the peer's, wrapped in SYN_STREAM 1. */
static void expect_block_error(const uint8_t *raw, size_t n, const char *needle)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    deflateInit2(&z, 9, Z_DEFLATED, 15, 8, Z_DEFAULT_STRATEGY);
    deflateSetDictionary(&z, kubelet_spdy_dictionary(), KUBELET_SPDY_DICT_LEN);
    uint8_t out[8192];
    z.next_in = (Bytef *)raw;
    z.avail_in = (uInt)n;
    z.next_out = out;
    z.avail_out = sizeof out;
    deflate(&z, Z_SYNC_FLUSH);
    size_t zl = sizeof out - z.avail_out;
    deflateEnd(&z);
    uint8_t frame[8300];
    size_t fl = 10 + zl;
    uint8_t hdr[18] = {0x80, 3, 0, 1, 0, (uint8_t)(fl >> 16), (uint8_t)(fl >> 8), (uint8_t)fl,
                       0, 0, 0, 1, 0, 0, 0, 0, 0, 0};
    memcpy(frame, hdr, 18);
    memcpy(frame + 18, out, zl);
    kubelet_spdy_decoder *d = kubelet_spdy_decoder_new(0, 4096);
    rec r;
    rec_init(&r);
    char err[200] = "";
    assert_int_equal(kubelet_spdy_decoder_feed(d, frame, 18 + zl, on_frame, &r, err, sizeof err), -1);
    if (!strstr(err, needle))
        fail_msg("error '%s' lacks '%s'", err, needle);
    rec_free(&r);
    kubelet_spdy_decoder_free(d);
}

static void test_errors(void **state)
{
    (void)state;
    expect_error("800200010000000a", "version 2");
    expect_error("8003000500000000", "unknown control frame type 5");
    expect_error("8003000a00000000", "unknown control frame type 10");
    expect_error("8003000100010000", "exceeds");
    expect_error("0000000000000001ff", "stream id 0");
    expect_error("80030001000000040000000100", "too short");
    expect_error("800300010000000a00000000000000000000", "stream id 0");
    expect_error("80030002000000020001", "too short");
    expect_error("800300020000000400000000", "stream id 0");
    expect_error("800300080000000400000000", "stream id 0");
    expect_error("80030003000000040000000500000005", "RST_STREAM length");
    expect_error("80030003000000080000000500000000", "status 0");
    expect_error("8003000400000002aaaa", "too short");
    expect_error("800300040000000800000002aaaaaaaa", "entries");
    expect_error("800300060000000800000001aaaaaaaa", "PING length");
    expect_error("800300060100000400000001", "PING with flags");
    expect_error("800300060000000400000000", "PING with id 0");
    expect_error("80030007000000040000000300000000", "GOAWAY length");
    expect_error("80030007010000080000000300000000", "GOAWAY with flags");
    expect_error("80030009000000040000000300000000", "WINDOW_UPDATE length");
    expect_error("80030009010000080000000300000001", "WINDOW_UPDATE with flags");
    /* header blocks: empty, garbage zlib, wrong dictionary, trailing compressed bytes */
    expect_error("800300020000000400000001", "empty header block");
    expect_error("800300020000000800000001deadbeef", "decompression");
    expect_error("800300020000000a0000000178bb00000001ffff", "dictionary");
    expect_error("80030002000000150000000178f9e3c6a7c26260606000000000ffffff", "decompression");
}

static void put32t(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static void test_block_errors(void **state)
{
    (void)state;
    uint8_t b[6000];
    expect_block_error((const uint8_t *)"\0\0", 2, "shorter");
    put32t(b, 2000);
    expect_block_error(b, 4, "too many pairs");
    put32t(b, 1);
    expect_block_error(b, 6, "truncated name length");
    put32t(b + 4, 0);
    expect_block_error(b, 8, "empty name");
    put32t(b + 4, 100);
    expect_block_error(b, 10, "name length 100 exceeds");
    put32t(b + 4, 1);
    b[8] = 'A';
    expect_block_error(b, 9, "not lower-case");
    b[8] = 0;
    expect_block_error(b, 9, "NUL in name");
    b[8] = 'a';
    expect_block_error(b, 11, "truncated value length");
    put32t(b + 9, 50);
    expect_block_error(b, 13, "value length 50 exceeds");
    put32t(b + 9, 0);
    expect_block_error(b, 15, "trailing");
    put32t(b, 2);
    memcpy(b + 13, b + 4, 9);
    expect_block_error(b, 22, "duplicate name");
    put32t(b, 1);
    put32t(b + 9, 5000);
    memset(b + 13, 'x', 5000);
    expect_block_error(b, 5013, "inflates beyond");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dictionary),
        cmocka_unit_test(test_vectors_client_stream),
        cmocka_unit_test(test_vectors_server_replies),
        cmocka_unit_test(test_vectors_fixed),
        cmocka_unit_test(test_encode_fixed_vectors),
        cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_big_data_pieces),
        cmocka_unit_test(test_callback_stop),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_block_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
