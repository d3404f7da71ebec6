/* libFuzzer target: every ECI response decoder (eci/decode.c) and the error
 * body decoder over arbitrary bytes parsed with cJSON. Seeds: the spec's
 * sample responses (tests/fuzz/corpus/fuzz_eci_json/). */
#include <stddef.h>
#include <stdint.h>

#include "eci/codec.h"

#define RUN(type, fn, freefn)          \
    do {                               \
        type r_;                       \
        eci_error e_;                  \
        eci_error_clear(&e_);          \
        fn(j, &r_, &e_);               \
        freefn(&r_);                   \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cJSON *j = cJSON_ParseWithLength((const char *)data, size);
    if (!j)
        return 0;
    RUN(eci_create_cg_resp, eci_decode_create_cg, eci_create_cg_resp_free);
    RUN(eci_simple_resp, eci_decode_simple, eci_simple_resp_free);
    RUN(eci_describe_cgs_resp, eci_decode_describe_cgs, eci_describe_cgs_resp_free);
    RUN(eci_describe_status_resp, eci_decode_describe_status, eci_describe_status_resp_free);
    RUN(eci_describe_events_resp, eci_decode_describe_events, eci_describe_events_resp_free);
    RUN(eci_exec_resp, eci_decode_exec, eci_exec_resp_free);
    RUN(eci_log_resp, eci_decode_log, eci_log_resp_free);
    RUN(eci_describe_regions_resp, eci_decode_describe_regions, eci_describe_regions_resp_free);
    RUN(eci_create_image_cache_resp, eci_decode_create_image_cache, eci_create_image_cache_resp_free);
    RUN(eci_describe_image_caches_resp, eci_decode_describe_image_caches, eci_describe_image_caches_resp_free);
    RUN(eci_metric_resp, eci_decode_metric, eci_metric_resp_free);
    RUN(eci_multi_metric_resp, eci_decode_multi_metric, eci_multi_metric_resp_free);
    RUN(eci_price_resp, eci_decode_price, eci_price_resp_free);
    RUN(eci_list_usage_resp, eci_decode_list_usage, eci_list_usage_resp_free);
    eci_error e;
    eci_error_clear(&e);
    eci_decode_error_body(j, 400, &e);
    cJSON_Delete(j);
    return 0;
}
