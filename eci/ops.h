/* One function per ECI operation: encode the typed request (eci/codec.h),
 * eci_call() it (eci/client.h), decode the typed response.
 *
 * Common contract: req is borrowed; resp is overwritten (zeroed first) and the
 * caller frees it with the matching *_free() whatever the result; returns 0,
 * or -1 with err filled (operation, HTTP status, Code, Message, RequestId;
 * ECI_E_INVALID_ARG for requests the encoder rejects before sending).
 * A NULL region_id in a request means the client's region.
 *
 * Idempotency: CreateContainerGroup and CreateImageCache send the request's
 * client_token, or a fresh UUID when it is NULL, and reuse it on every retry,
 * so a retried create never makes a second group. */
#ifndef ECI_OPS_H
#define ECI_OPS_H

#include "eci/client.h"
#include "eci/types.h"

int eci_describe_regions(eci_client *c, const char *region_id, eci_describe_regions_resp *resp, eci_error *err);
int eci_create_container_group(eci_client *c, const eci_create_cg_req *req, eci_create_cg_resp *resp,
                               eci_error *err);
int eci_update_container_group(eci_client *c, const eci_update_cg_req *req, eci_simple_resp *resp, eci_error *err);
int eci_restart_container_group(eci_client *c, const eci_cg_id_req *req, eci_simple_resp *resp, eci_error *err);
int eci_delete_container_group(eci_client *c, const eci_cg_id_req *req, eci_simple_resp *resp, eci_error *err);
int eci_describe_container_groups(eci_client *c, const eci_describe_cgs_req *req, eci_describe_cgs_resp *resp,
                                  eci_error *err);
int eci_describe_container_group_status(eci_client *c, const eci_describe_status_req *req,
                                        eci_describe_status_resp *resp, eci_error *err);
int eci_describe_container_group_events(eci_client *c, const eci_describe_events_req *req,
                                        eci_describe_events_resp *resp, eci_error *err);
int eci_exec_container_command(eci_client *c, const eci_exec_req *req, eci_exec_resp *resp, eci_error *err);
int eci_describe_container_log(eci_client *c, const eci_log_req *req, eci_log_resp *resp, eci_error *err);
int eci_create_image_cache(eci_client *c, const eci_create_image_cache_req *req, eci_create_image_cache_resp *resp,
                           eci_error *err);
int eci_describe_image_caches(eci_client *c, const eci_describe_image_caches_req *req,
                              eci_describe_image_caches_resp *resp, eci_error *err);
int eci_delete_image_cache(eci_client *c, const eci_delete_image_cache_req *req, eci_simple_resp *resp,
                           eci_error *err);
int eci_describe_container_group_metric(eci_client *c, const eci_metric_req *req, eci_metric_resp *resp,
                                        eci_error *err);
int eci_describe_multi_container_group_metric(eci_client *c, const eci_multi_metric_req *req,
                                              eci_multi_metric_resp *resp, eci_error *err);
int eci_describe_container_group_price(eci_client *c, const eci_price_req *req, eci_price_resp *resp,
                                       eci_error *err);
int eci_list_usage(eci_client *c, const char *region_id, eci_list_usage_resp *resp, eci_error *err);

/* Paging helpers: walk NextToken from the request's next_token (or the start)
 * until an empty token, calling fn for every item (borrowed for the duration
 * of the callback). fn returns 0 to continue, nonzero to stop early (the
 * helper then returns 0). Stops with ECI_E_DECODE if the service repeats a
 * token. max_pages 0 means no limit. */
typedef int (*eci_cg_visit_fn)(void *ud, const eci_container_group *g);
int eci_describe_container_groups_all(eci_client *c, const eci_describe_cgs_req *req, unsigned max_pages,
                                      eci_cg_visit_fn fn, void *ud, eci_error *err);
typedef int (*eci_status_visit_fn)(void *ud, const eci_cg_status *s);
int eci_describe_container_group_status_all(eci_client *c, const eci_describe_status_req *req, unsigned max_pages,
                                            eci_status_visit_fn fn, void *ud, eci_error *err);

#endif
