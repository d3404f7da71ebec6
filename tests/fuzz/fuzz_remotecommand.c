/* libFuzzer target: provider/kubelet/remotecommand.c and server.c, the exec
 * options, log options and SPDY protocol negotiation decoded from a query
 * string. */
#include <stddef.h>
#include <stdint.h>

#include "provider/kubelet/server.h"
#include "provider/kubelet/remotecommand.h"
#include "util/query.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[200];
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
