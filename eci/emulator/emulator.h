/* The ECI emulator's API server: a local stand-in for the Alibaba Cloud ECI
 * OpenAPI (RPC style, version 2018-08-08) that authenticates like the real
 * service, validates parameters as the spec documents, keeps container
 * groups in memory and runs them through eci/emulator/runtime.h. An admin
 * endpoint under /_emulator/ exposes a call ledger and fault injection.
 * See docs/emulator.md. */
#ifndef ECI_EMULATOR_EMULATOR_H
#define ECI_EMULATOR_EMULATOR_H

#include <stddef.h>

#include "util/dynbuf.h"
#include "util/kv.h"

typedef struct emu_server emu_server;

typedef struct emu_options {
    const char *listen;            /* "127.0.0.1:PORT" (port 0 picks one) */
    const char *admin_listen;      /* NULL: admin routes on the API port under /_emulator/ */
    const char *access_key_id;     /* the account's permanent key pair */
    const char *access_key_secret;
    const char *sts_key_id;        /* optional STS key pair: requests must carry a SecurityToken */
    const char *sts_key_secret;
    const char *sts_token;         /* NULL or "": any token is accepted for the STS pair */
    /* RRSA: STS AssumeRoleWithOIDC for this role and OIDC provider with the
     * token that oidc_token_file holds at the time of the call (re-read on
     * every call) issues a temporary key pair the API then accepts. */
    const char *oidc_role_arn;
    const char *oidc_provider_arn;
    const char *oidc_token_file;
    long sts_lifetime_s;           /* >0: issued pairs expire after this (tests); else DurationSeconds */
    const char *region;            /* default "cn-hangzhou" */
    const char *state_dir;         /* runtime state; NULL: a directory under /tmp */
    const char *exec_listen;       /* runtime exec WebSocket address; NULL: 127.0.0.1:0 */
    int latency_ms;                /* added to every API call */
    int schedule_delay_ms;         /* Scheduling -> start of the containers; <0: default 300 */
    int realistic;                 /* published per-minute quotas, slower scheduling */
    double quota_cpu;              /* ListUsage MaxCpu; <= 0: 1000 (settable: POST /_emulator/quota) */
    int no_namespaces;             /* runtime without mount namespaces */
    int simulated;                 /* simulated runtime: no process per container */
    int no_runtime;                /* do not create a runtime (unit tests, fuzzing) */
    int string_scalars;            /* numbers and booleans rendered as JSON strings */
    int lowercase_events;          /* DescribeContainerGroupEvents in the lower-case key form */
    unsigned long long seed;       /* 0: random */
    const char *const *faults;     /* "ACTION:CODE:RATE" rules */
    size_t nfaults;
    const char *const *qps;        /* "ACTION:N" rate limits (N calls per second) */
    size_t nqps;
    size_t body_cap;               /* request body cap in bytes; 0: 4 MiB */
    /* Optional request log: level 0 error .. 3 debug, one line per API call
     * (action, status, code; never parameters or credentials). */
    void (*log_fn)(int level, const char *line);
} emu_options;

/* Create the emulator state (store, runtime, ticker) without any socket.
 * Returns NULL with a message in err. Free with emu_server_free. */
emu_server *emu_server_new(const emu_options *opt, char *err, size_t errlen);

/* Start the HTTP listener(s). Returns 0, or -1 with a message in err. */
int emu_server_start(emu_server *s, char *err, size_t errlen);

/* "http://127.0.0.1:PORT" once started (borrowed). */
const char *emu_server_url(const emu_server *s);

/* Stop listening, stop every group, free everything. Accepts NULL. */
void emu_server_free(emu_server *s);

/* One HTTP request as the server sees it: a pure function over bytes used by
 * the HTTP layer, the unit tests and the fuzzer. */
typedef struct emu_http_req {
    const char *method;       /* "GET", "POST", ... */
    const char *path;         /* path without the query */
    const char *query;        /* raw query string (after '?'), may be NULL */
    const char *body;         /* raw body, may be NULL */
    size_t body_len;
    const char *content_type; /* may be NULL */
    const kv_list *headers;   /* every request header, names lower-case; may be NULL */
    int loopback;             /* peer is 127.0.0.0/8 or ::1 */
} emu_http_req;

typedef struct emu_http_resp {
    int status;               /* HTTP status */
    int drop;                 /* 1: close the connection without any response */
    const char *content_type; /* static string */
    dynbuf body;              /* caller initialises and frees */
} emu_http_resp;

/* Answer one request (API or admin). resp->body must be initialised by the caller. */
void emu_server_handle(emu_server *s, const emu_http_req *req, emu_http_resp *resp);

/* The table of every request parameter with its check and treatment, as
 * Markdown (docs/emulator.md). Free with free(). */
char *emu_params_table_markdown(void);

#endif
