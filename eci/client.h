/* ECI OpenAPI client: one opaque eci_client per process, shared by threads.
 *
 * Every call is an RPC-style HTTP POST to "<endpoint>/" whose business
 * parameters (and RegionId) travel in an application/x-www-form-urlencoded
 * body. It is signed (eci/sign.h) with:
 *  - V3, ACS3-HMAC-SHA256 (default): the operation, version, date and nonce in
 *    x-acs-* headers, the body's SHA-256 in x-acs-content-sha256, the
 *    signature in the Authorization header;
 *  - V2, HMAC-SHA1 (eci_client_config.signature = ECI_SIGN_V2): the common
 *    parameters (Action, Version, Format, AccessKeyId, SignatureNonce,
 *    Timestamp, ...) and Signature join the form body; the string to sign
 *    uses the method "POST".
 * Responses are JSON. Connections are kept alive in a small pool of libcurl
 * handles. TLS is verified unless insecure_skip_tls_verify is set explicitly.
 *
 * Retries: throttling, 5xx/ServiceUnavailable/InternalError, timeouts and
 * broken connections are retried up to max_retries times with jittered
 * exponential backoff (base * 2^attempt, capped, then a random value in
 * [d/2, d]; a Retry-After header lengthens it up to the cap); every attempt
 * gets a fresh nonce, date and signature. Client errors (4xx) return at once.
 * A client-side token bucket (qps, burst) paces every attempt.
 *
 * Per-operation pacing adapts to the account (unless no_action_limits): each
 * operation with a published quota starts at that quota (burst: the
 * published one less ECI_BURST_MARGIN); a Throttling answer halves its rate
 * (never below the quota over ECI_AIMD_FLOOR_DIV) and drops the saved-up
 * burst, again only for answers to calls paced after that decrease; successes
 * raise it by the quota over ECI_AIMD_RAMP_S per second, up to the quota.
 * Waiting calls are paced at the new rate at once. Throttled calls are
 * retried like the other retriable errors. Several clients sharing one
 * AccessKey (several virtual nodes) thus settle on shares of the account's
 * quota without configuration. */
#ifndef ECI_CLIENT_H
#define ECI_CLIENT_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "eci/creds.h"
#include "eci/error.h"
#include "util/kv.h"

typedef struct eci_client eci_client;

#define ECI_AIMD_DECREASE 0.5  /* factor on a Throttling answer */
#define ECI_AIMD_RAMP_S 90.0    /* seconds of successes from 0 to the quota */
#define ECI_AIMD_FLOOR_DIV 64.0 /* the floor is the quota over this */
#define ECI_BURST_MARGIN 0.1    /* the client's burst: the published one less this share */
struct prom_registry;

#define ECI_API_VERSION "2018-08-08"

/* Request signature method. */
typedef enum eci_signature {
    ECI_SIGN_V3 = 0, /* ACS3-HMAC-SHA256, the vendor's current method (default) */
    ECI_SIGN_V2 = 1, /* HMAC-SHA1, SignatureVersion 1.0 (legacy) */
} eci_signature;

typedef struct eci_client_config {
    const char *region;        /* RegionId, e.g. "cn-hangzhou" (required) */
    const char *endpoint;      /* full URL override, e.g. "http://127.0.0.1:8080" */
    int use_vpc_endpoint;      /* use eci-vpc.<region>.aliyuncs.com from the table */
    eci_creds *creds;          /* borrowed provider; NULL: built from creds_config */
    eci_creds_config creds_config;
    long connect_timeout_ms;   /* default 5000 */
    long request_timeout_ms;   /* default 30000, per attempt */
    double qps;                /* client-side rate; default 20, <= 0 unlimited */
    int burst;                 /* default 40 */
    int max_retries;           /* retries after the first attempt; default 4 */
    long backoff_base_ms;      /* default 200 */
    long backoff_cap_ms;       /* default 10000 */
    long max_rate_wait_ms;     /* longest wait on the rate limiter, -1 = no limit (default) */
    int no_action_limits;      /* 1: no per-operation limits; default 0: each operation is paced
                                * to the service's published quota (eci_action_quota) */
    const char *ca_file;       /* PEM bundle; default: the system store */
    int insecure_skip_tls_verify; /* default 0: verify peer and host */
    size_t max_response_bytes; /* default 8 MiB */
    int pool_size;             /* idle keep-alive handles kept; default 4 */
    const char *user_agent;    /* default "eci-kubelet/<version>" */
    eci_signature signature;   /* default ECI_SIGN_V3 */
    struct prom_registry *metrics; /* optional: registers eci_api_* metrics */
} eci_client_config;

/* Fill cfg with the defaults above (zeroes everything else). */
void eci_client_config_init(eci_client_config *cfg);

/* Create a client; config strings are copied; cfg->creds stays the caller's
 * and must outlive the client. Free with eci_client_free(). */
int eci_client_new(const eci_client_config *cfg, eci_client **out, eci_error *err);
/* Accepts NULL. */
void eci_client_free(eci_client *c);
/* Region and base URL in use (borrowed). */
const char *eci_client_region(const eci_client *c);
const char *eci_client_endpoint(const eci_client *c);

/* Call an operation. params holds the business parameters (borrowed; may be
 * NULL); common parameters are added here. On success *out (may be NULL if the
 * caller does not want it) receives the parsed JSON body, freed by the caller
 * with cJSON_Delete. On failure returns -1 and err describes it (err->action
 * is the operation, err->attempts the attempts made). */
int eci_call(eci_client *c, const char *action, const kv_list *params, cJSON **out, eci_error *err);

/* Fault injection for tests: the hook runs before each attempt with the
 * 1-based attempt number counted over the client's life; returning nonzero
 * fails that attempt without sending it. The hook may fill err (e.g.
 * eci_error_set_api(err, 400, "Throttling", ...)); otherwise it fails with
 * ECI_E_FAULT (transient). NULL removes the hook. */
typedef int (*eci_fault_hook)(void *ud, const char *action, unsigned long attempt_no, eci_error *err);
void eci_client_set_fault_hook(eci_client *c, eci_fault_hook fn, void *ud);

/* Call statistics per (action, result), result being the eci_class name of
 * the final outcome ("ok", "throttled", ...). Latency covers the whole call
 * including retries. */
#define ECI_STATS_NBUCKETS 12
extern const double eci_stats_bucket_bounds[ECI_STATS_NBUCKETS]; /* seconds, last is +Inf */

typedef struct eci_stat_row {
    char action[64];
    const char *result; /* static string */
    unsigned long count;
    unsigned long attempts; /* HTTP attempts made for these calls */
    double sum_seconds;
    unsigned long buckets[ECI_STATS_NBUCKETS]; /* cumulative counts, Prometheus style */
} eci_stat_row;

/* Snapshot of every row into a fresh array (caller frees); returns the count. */
size_t eci_client_stats(eci_client *c, eci_stat_row **rows);
/* Count for one (action, result); 0 when absent. */
unsigned long eci_client_stat_count(eci_client *c, const char *action, const char *result);

/* The published per-operation quota (spec/eci-api-extra.md section 7, the
 * FLOW column, which is the lower figure where sources disagree) as calls per
 * 60 s and the burst the client allows. 0 when the operation has none listed. */
int eci_action_quota(const char *action, int *per_minute, int *burst);
/* Calls per second an operation is currently paced to (see AIMD above);
 * 0 when it has no published quota or per-operation limits are off. Also the
 * gauge eci_api_rate_limit_per_second{action}. */
double eci_client_action_rate(eci_client *c, const char *action);
/* The actions with a published quota, by index (0, 1, ...); NULL past the last. */
const char *eci_quota_action(size_t i);

/* Fresh random UUID v4 (36 chars + NUL) from OpenSSL's RAND. */
void eci_uuid(char out[37]);

#endif
