/* libFuzzer target: provider/kubelet/websocket.c, the RFC 6455 frame decoder (server
 * side, masked frames) plus close-payload parsing and UTF-8 validation. The
 * first byte picks the feeding split. */
#include <stddef.h>
#include <stdint.h>

#include "provider/kubelet/websocket.h"

static int on_msg(void *ud, int op, const uint8_t *p, size_t n)
{
    (void)ud;
    if (op == KUBELET_WS_CLOSE) {
        uint16_t code;
        const char *r;
        size_t rl;
        if (kubelet_ws_parse_close(p, n, &code, &r, &rl) != 0)
            __builtin_trap(); /* the decoder only passes valid close frames */
    }
    if (op == KUBELET_WS_TEXT && !kubelet_ws_utf8_valid(p, n))
        __builtin_trap();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t step = (size_t)data[0] + 1;
    data++;
    size--;
    for (int server = 0; server < 2; server++) {
        kubelet_ws_decoder *d = kubelet_ws_decoder_new(65536, server);
        char err[200];
        for (size_t off = 0; off < size; off += step) {
            size_t k = size - off < step ? size - off : step;
            if (kubelet_ws_decoder_feed(d, data + off, k, on_msg, NULL, err, sizeof err) != 0)
                break;
        }
        kubelet_ws_decoder_free(d);
    }
    return 0;
}
