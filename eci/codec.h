/* Request encoding (typed request -> flattened wire parameters) and response
 * decoding (cJSON -> typed response) for every ECI operation. Pure functions:
 * no I/O, so unit tests and fuzzers drive them directly. eci/ops.c glues them
 * to eci_call().
 *
 * Encoders append the operation's business parameters (not Action, not the
 * common/signature parameters) to out and validate documented limits; on bad
 * input they return -1 with ECI_E_INVALID_ARG naming the field, and out may
 * hold a partial list (the caller frees it). default_region is used when the
 * request has no region_id. Flattening: lists of structs `Name.N.Field`
 * (N from 1), scalar lists `Name.N`, nested structs `Outer.Inner`, and
 * JSON-array strings where the API wants them (ContainerGroupIds, exec Command).
 *
 * Decoders fill a zeroed response struct from the parsed JSON body (the caller
 * frees it with the matching *_free(), also on error). They match keys
 * case-insensitively, accept numbers and booleans sent as strings ("19",
 * "true"), treat missing or null fields as defaults, and return -1 with
 * ECI_E_DECODE naming the field path (e.g. "ContainerGroups[0].Containers[1].Ready")
 * when a field has the wrong type. */
#ifndef ECI_CODEC_H
#define ECI_CODEC_H

#include <cjson/cJSON.h>

#include "eci/error.h"
#include "eci/types.h"
#include "util/kv.h"

/* Documented limits the encoders enforce. */
#define ECI_MAX_IDS_PER_QUERY 20      /* ContainerGroupIds */
#define ECI_MAX_DESCRIBE_LIMIT 20     /* DescribeContainerGroups Limit */
#define ECI_MAX_TAGS 20
#define ECI_MAX_CLIENT_TOKEN 64
#define ECI_MAX_EXEC_ITEMS 20
#define ECI_MAX_EXEC_ITEM_LEN 256
#define ECI_MAX_LOG_TAIL 2000
#define ECI_MAX_LOG_LIMIT_BYTES 1048576

int eci_encode_create_cg(const eci_create_cg_req *r, const char *default_region, kv_list *out, eci_error *err);
int eci_encode_update_cg(const eci_update_cg_req *r, const char *default_region, kv_list *out, eci_error *err);
/* RestartContainerGroup and DeleteContainerGroup. */
int eci_encode_cg_id(const eci_cg_id_req *r, const char *default_region, kv_list *out, eci_error *err);
int eci_encode_describe_cgs(const eci_describe_cgs_req *r, const char *default_region, kv_list *out, eci_error *err);
int eci_encode_describe_status(const eci_describe_status_req *r, const char *default_region, kv_list *out, eci_error *err);
int eci_encode_describe_events(const eci_describe_events_req *r, const char *default_region, kv_list *out, eci_error *err);
int eci_encode_exec(const eci_exec_req *r, const char *default_region, kv_list *out, eci_error *err);
int eci_encode_log(const eci_log_req *r, const char *default_region, kv_list *out, eci_error *err);
/* DescribeRegions and ListUsage take only an optional RegionId. */
int eci_encode_region_only(const char *region_id, kv_list *out, eci_error *err);
int eci_encode_create_image_cache(const eci_create_image_cache_req *r, const char *default_region, kv_list *out, eci_error *err);
int eci_encode_describe_image_caches(const eci_describe_image_caches_req *r, const char *default_region, kv_list *out, eci_error *err);
int eci_encode_delete_image_cache(const eci_delete_image_cache_req *r, const char *default_region, kv_list *out, eci_error *err);
int eci_encode_metric(const eci_metric_req *r, const char *default_region, kv_list *out, eci_error *err);
int eci_encode_multi_metric(const eci_multi_metric_req *r, const char *default_region, kv_list *out, eci_error *err);
int eci_encode_price(const eci_price_req *r, const char *default_region, kv_list *out, eci_error *err);

/* Render ids as a JSON array string ["a","b"]; caller frees. */
char *eci_json_string_array(const eci_strv *ids);

int eci_decode_create_cg(const cJSON *root, eci_create_cg_resp *out, eci_error *err);
/* Update, Restart, Delete, DeleteImageCache: only RequestId. */
int eci_decode_simple(const cJSON *root, eci_simple_resp *out, eci_error *err);
int eci_decode_describe_cgs(const cJSON *root, eci_describe_cgs_resp *out, eci_error *err);
int eci_decode_describe_status(const cJSON *root, eci_describe_status_resp *out, eci_error *err);
int eci_decode_describe_events(const cJSON *root, eci_describe_events_resp *out, eci_error *err);
int eci_decode_exec(const cJSON *root, eci_exec_resp *out, eci_error *err);
int eci_decode_log(const cJSON *root, eci_log_resp *out, eci_error *err);
int eci_decode_describe_regions(const cJSON *root, eci_describe_regions_resp *out, eci_error *err);
int eci_decode_create_image_cache(const cJSON *root, eci_create_image_cache_resp *out, eci_error *err);
int eci_decode_describe_image_caches(const cJSON *root, eci_describe_image_caches_resp *out, eci_error *err);
int eci_decode_metric(const cJSON *root, eci_metric_resp *out, eci_error *err);
int eci_decode_multi_metric(const cJSON *root, eci_multi_metric_resp *out, eci_error *err);
int eci_decode_price(const cJSON *root, eci_price_resp *out, eci_error *err);
int eci_decode_list_usage(const cJSON *root, eci_list_usage_resp *out, eci_error *err);

/* Decode an error body {"Code","Message","RequestId"} (any key case) into err
 * with http_status; returns 1 when a Code was found, else 0. */
int eci_decode_error_body(const cJSON *root, int http_status, eci_error *err);

#endif
