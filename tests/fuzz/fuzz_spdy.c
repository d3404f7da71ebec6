/* libFuzzer target: provider/kubelet/spdy.c, the SPDY/3.1 frame decoder with its zlib
 * header inflater. The first byte picks the feeding split; decoded header
 * blocks are re-encoded and decoded again. */
#include <stddef.h>
#include <stdint.h>

#include "provider/kubelet/spdy.h"

typedef struct ctx {
    kubelet_spdy_encoder *e;
    dynbuf out;
} ctx;

static int on_frame(void *ud, const kubelet_spdy_frame *f)
{
    ctx *c = ud;
    if (f->type == KUBELET_SPDY_SYN_STREAM)
        kubelet_spdy_encode_syn_stream(c->e, &c->out, f->stream_id, f->assoc_id, f->priority, f->flags, f->headers);
    else if (f->type == KUBELET_SPDY_SYN_REPLY)
        kubelet_spdy_encode_syn_reply(c->e, &c->out, f->stream_id, f->flags, f->headers);
    else if (f->type == KUBELET_SPDY_DATA && f->len)
        kubelet_spdy_encode_data(&c->out, f->stream_id, f->flags, f->data, f->len);
    return 0;
}

static int on_frame2(void *ud, const kubelet_spdy_frame *f)
{
    (void)ud;
    (void)f;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t step = (size_t)data[0] + 1;
    data++;
    size--;
    ctx c;
    c.e = kubelet_spdy_encoder_new();
    dynbuf_init(&c.out, (size_t)4 << 20);
    kubelet_spdy_decoder *d = kubelet_spdy_decoder_new(4096, 16384);
    char err[200];
    for (size_t off = 0; off < size; off += step) {
        size_t k = size - off < step ? size - off : step;
        if (kubelet_spdy_decoder_feed(d, data + off, k, on_frame, &c, err, sizeof err) != 0)
            break;
    }
    /* what we re-encoded must decode cleanly */
    kubelet_spdy_decoder *d2 = kubelet_spdy_decoder_new(0, 0);
    if (c.out.len && kubelet_spdy_decoder_feed(d2, c.out.buf, c.out.len, on_frame2, NULL, err, sizeof err) != 0)
        __builtin_trap();
    kubelet_spdy_decoder_free(d2);
    kubelet_spdy_decoder_free(d);
    kubelet_spdy_encoder_free(c.e);
    dynbuf_free(&c.out);
    return 0;
}
