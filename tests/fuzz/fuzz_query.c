/* libFuzzer target: util/query.c, the query-string and form-body parser. */
#include <stddef.h>
#include <stdint.h>

#include "util/query.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    kv_list l = KV_LIST_INIT;
    char err[128];
    query_parse((const char *)data, size, 0, &l, err, sizeof err);
    kv_free(&l);
    query_parse((const char *)data, size, QUERY_PLUS_IS_SPACE, &l, err, sizeof err);
    kv_free(&l);
    return 0;
}
