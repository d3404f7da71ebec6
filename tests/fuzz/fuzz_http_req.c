/* libFuzzer target: provider/http_req.c, the incremental HTTP/1.1 request
 * parser (pipelined requests, upgrades, bodies, caps). The first byte picks
 * the feeding split. */
#include <stddef.h>
#include <stdint.h>

#include "provider/http_req.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t step = (size_t)data[0] + 1;
    data++;
    size--;
    kh_parser *p = kh_parser_new(4096, 4096);
    char err[200];
    size_t off = 0;
    while (off < size) {
        size_t k = size - off < step ? size - off : step;
        size_t used = 0;
        int rc = kh_parser_feed(p, (const char *)data + off, k, &used, err, sizeof err);
        if (rc == KH_ERROR)
            break;
        if (used > k)
            __builtin_trap();
        off += used;
        if (rc == KH_DONE) {
            kh_request *r = kh_parser_take(p);
            (void)kh_request_upgrade(r);
            (void)kh_request_has_token(r, "Connection", "keep-alive");
            (void)kh_request_header(r, "host");
            kh_request_free(r);
        } else if (used == 0) {
            break;
        }
    }
    kh_parser_free(p);
    return 0;
}
