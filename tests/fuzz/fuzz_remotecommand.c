/* libFuzzer target: provider/kubelet/remotecommand.c, the resize stream decoder (any
 * split) and the exec options / log options decoded from a query string. The
 * first byte picks the split; the input is used both as a resize stream and
 * as a query. */
#include <stddef.h>
#include <stdint.h>

#include "provider/kubelet/server.h"
#include "provider/kubelet/remotecommand.h"
#include "util/query.h"

static void on_size(void *ud, uint16_t w, uint16_t h)
{
    (void)ud;
    (void)w;
    (void)h;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t step = (size_t)data[0] + 1;
    data++;
    size--;
    kubelet_rc_resize_parser *p = kubelet_rc_resize_parser_new();
    char err[200];
    for (size_t off = 0; off < size; off += step) {
        size_t k = size - off < step ? size - off : step;
        if (kubelet_rc_resize_feed(p, data + off, k, on_size, NULL, err, sizeof err) < 0)
            break;
    }
    kubelet_rc_resize_parser_free(p);
    kv_list q = KV_LIST_INIT;
    if (query_parse((const char *)data, size, QUERY_PLUS_IS_SPACE, &q, err, sizeof err) == 0) {
        kubelet_rc_options o;
        if (kubelet_rc_options_parse(&q, 1, &o, err, sizeof err) == 0)
            kubelet_rc_options_free(&o);
        kubelet_log_options lo;
        kubelet_log_options_parse(&q, &lo, err, sizeof err);
        int present;
        kubelet_rc_negotiate_spdy(&q, &present);
    }
    kv_free(&q);
    return 0;
}
