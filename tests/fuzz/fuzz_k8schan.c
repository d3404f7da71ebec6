/* libFuzzer target: util/k8schan.c (channel messages, protocol names, the
 * status JSON, the resize stream in any split). The first byte picks the
 * split of the resize stream. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "util/k8schan.h"

static void on_size(void *ud, uint16_t w, uint16_t h)
{
    (void)ud;
    (void)w;
    (void)h;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[256];
    k8schan_msg m;
    if (k8schan_decode(data, size, &m, err, sizeof err) == 0 && m.kind == K8SCHAN_MSG_DATA) {
        dynbuf b;
        dynbuf_init(&b, 1 << 20);
        k8schan_encode(&b, m.channel, m.data, m.len);
        dynbuf_free(&b);
    }
    int code;
    k8schan_status_parse(data, size, &code, err, sizeof err);
    if (size > 0) {
        size_t step = (size_t)data[0] + 1;
        k8schan_resize_parser *p = k8schan_resize_parser_new();
        for (size_t off = 1; off < size; off += step) {
            size_t k = size - off < step ? size - off : step;
            if (k8schan_resize_feed(p, data + off, k, on_size, NULL, err, sizeof err) < 0)
                break;
        }
        k8schan_resize_parser_free(p);
    }
    char proto[64];
    size_t n = size < sizeof proto - 1 ? size : sizeof proto - 1;
    for (size_t i = 0; i < n; i++)
        proto[i] = data[i] ? (char)data[i] : ' ';
    proto[n] = '\0';
    int b64;
    k8schan_version(proto, &b64);
    return 0;
}
