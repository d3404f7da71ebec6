/* libFuzzer target: provider/kubelet/http.c, the incremental HTTP/1.1 request
 * parser (pipelined requests, upgrades, bodies, caps). The first byte picks
 * the feeding split. */
#include <stddef.h>
#include <stdint.h>

#include "provider/kubelet/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t step = (size_t)data[0] + 1;
    data++;
    size--;
    kubelet_http_parser *p = kubelet_http_parser_new(4096, 4096);
    char err[200];
    size_t off = 0;
    while (off < size) {
        size_t k = size - off < step ? size - off : step;
        size_t used = 0;
        int rc = kubelet_http_parser_feed(p, (const char *)data + off, k, &used, err, sizeof err);
        if (rc == KUBELET_HTTP_ERROR)
            break;
        if (used > k)
            __builtin_trap();
        off += used;
        if (rc == KUBELET_HTTP_DONE) {
            kubelet_http_request *r = kubelet_http_parser_take(p);
            (void)kubelet_http_request_upgrade(r);
            (void)kubelet_http_request_has_token(r, "Connection", "keep-alive");
            (void)kubelet_http_request_header(r, "host");
            kubelet_http_request_free(r);
        } else if (used == 0) {
            break;
        }
    }
    kubelet_http_parser_free(p);
    return 0;
}
