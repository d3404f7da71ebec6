/* The kubelet API server: HTTPS (OpenSSL, TLS 1.2+) on the daemon port, one
 * thread per connection (bounded), keep-alive and idle timeouts, the kubelet's
 * routes, authentication and authorization through callbacks with the
 * kubelet's attribute mapping, and exec/attach upgraded to SPDY/3.1 or
 * WebSocket and run through an rc_backend.
 *
 * The provider boundary is kapi_handlers: a struct of function pointers; a
 * missing entry answers 501. Handlers run on the connection's thread. */
#ifndef PROVIDER_KAPI_SERVER_H
#define PROVIDER_KAPI_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "provider/remotecommand.h"
#include "util/kv.h"

typedef struct kapi_server kapi_server;
typedef struct kapi_request kapi_request;
typedef struct kapi_response kapi_response;

/* An authenticated caller. Strings owned by the struct; kapi_user_clear frees them. */
typedef struct kapi_user {
    char *name;
    char *uid;
    char **groups;
    size_t ngroups;
} kapi_user;

/* Set name (copied). */
void kapi_user_set_name(kapi_user *u, const char *name);
/* Append a group (copied). */
void kapi_user_add_group(kapi_user *u, const char *group);
/* Free the strings and zero the struct. */
void kapi_user_clear(kapi_user *u);

typedef enum kapi_cred_kind { KAPI_CRED_X509 = 1, KAPI_CRED_TOKEN = 2 } kapi_cred_kind;

/* What the caller presented. X509: a client certificate already verified
 * against the client CA (cn, orgs, lower-hex SHA-256 of the DER). TOKEN: the
 * bearer token (never log it). All borrowed for the call. */
typedef struct kapi_credential {
    kapi_cred_kind kind;
    const char *token;
    const char *cn;
    const char *const *orgs;
    size_t norgs;
    const char *cert_sha256;
} kapi_credential;

/* One authorization record, as the kubelet builds it: apiGroup "", version
 * "v1", resource "nodes", name = node name, namespace "". Strings static or
 * borrowed from the request. */
typedef struct kapi_attrs {
    const char *verb;        /* create, get, update, patch, delete, or "" */
    const char *api_version; /* "v1" */
    const char *resource;    /* "nodes" */
    const char *subresource; /* proxy, stats, metrics, log, pods, healthz, ... */
    const char *name;        /* node name */
    const char *path;        /* URL path */
} kapi_attrs;

/* Compute the kubelet's authorization records for a request: verb from the
 * method, subresource from the path. fine_grained (KubeletFineGrainedAuthz,
 * on from 1.33) checks pods/healthz/configz/statusz first, then proxy.
 * Fills out[0..n) and returns n (1 or 2). Strings point into path, node or
 * static storage. */
size_t kapi_request_attributes(const char *method, const char *path, const char *node, int fine_grained,
                               kapi_attrs out[2]);

/* Authentication and authorization the bridge supplies (TokenReview,
 * SubjectAccessReview, with caches). Called on connection threads, so they
 * must be thread-safe. */
typedef struct kapi_auth {
    void *ud;
    /* 1 authenticated (fill user), 0 rejected (401), -1 error (401).
     * NULL: certificates map to user CN, groups O; tokens are rejected. */
    int (*authn)(void *ud, const kapi_credential *cred, kapi_user *user, char *err, size_t errlen);
    /* 1 allowed, 0 denied (403), -1 error (500). NULL: allow. */
    int (*authz)(void *ud, const kapi_user *user, const kapi_attrs *attrs, char *reason, size_t reasonlen);
} kapi_auth;

/* The test stub: authn accepts certificates (CN/O) and the tokens listed in
 * ud (a kv_list: token → user name); authz allows users whose name is not
 * "denied" and not prefixed "deny-<subresource>:" for the record's subresource. */
int kapi_stub_authn(void *ud, const kapi_credential *cred, kapi_user *user, char *err, size_t errlen);
int kapi_stub_authz(void *ud, const kapi_user *user, const kapi_attrs *attrs, char *reason, size_t reasonlen);

/* The kubelet's webhook caches around a kapi_auth: authenticated tokens are
 * remembered for authn_ttl_ms (kubelet: 2 min), allowed decisions for
 * allow_ttl_ms (5 min), denied ones for deny_ttl_ms (30 s); errors and
 * rejected tokens are not cached, certificates go straight through. Tokens
 * are keyed by their SHA-256 and never stored. At most max_entries (0: 4096)
 * of each kind; the oldest go first. Thread-safe. inner must outlive the
 * cache; free it after the server stopped. */
typedef struct kapi_auth_cache kapi_auth_cache;
kapi_auth_cache *kapi_auth_cache_new(const kapi_auth *inner, int authn_ttl_ms, int allow_ttl_ms, int deny_ttl_ms,
                                     size_t max_entries);
/* The caching kapi_auth to put in kapi_config.auth; borrowed from c. */
const kapi_auth *kapi_auth_cache_auth(kapi_auth_cache *c);
void kapi_auth_cache_free(kapi_auth_cache *c);

typedef void (*kapi_handler_fn)(void *ud, const kapi_request *req, kapi_response *resp);

/* The provider boundary. NULL entries answer 501, except healthz (built-in
 * "ok") and run (built on exec when exec is set). */
typedef struct kapi_handlers {
    void *ud;
    kapi_handler_fn healthz;          /* GET /healthz[/ping|/log|/syncloop] */
    kapi_handler_fn pods;             /* GET /pods */
    kapi_handler_fn running_pods;     /* GET /runningpods/ */
    kapi_handler_fn container_logs;   /* GET /containerLogs/{ns}/{pod}/{container} */
    kapi_handler_fn run;              /* POST /run/{ns}/{pod}[/{uid}]/{container}?cmd= */
    kapi_handler_fn port_forward;     /* /portForward/{ns}/{pod}[/{uid}] (raw request) */
    kapi_handler_fn stats_summary;    /* GET|POST /stats/summary */
    kapi_handler_fn metrics_resource; /* GET /metrics/resource */
    kapi_handler_fn metrics;          /* GET /metrics */
    const rc_backend *exec;           /* exec and attach over SPDY/WebSocket */
} kapi_handlers;

typedef struct kapi_config {
    const char *bind_addr;       /* default "0.0.0.0" */
    int port;                    /* 0: an ephemeral port (see kapi_server_port) */
    const char *cert_file;       /* serving cert and key (PEM); both NULL: self-signed in memory */
    const char *key_file;
    const char *client_ca_file;  /* client certificates are requested and verified against it; NULL: not requested */
    const char *node_name;       /* for authorization records and the self-signed cert */
    int fine_grained_authz;      /* see kapi_request_attributes */
    int max_conns;               /* default 128 */
    int idle_timeout_ms;         /* between requests on a keep-alive connection; default 90 s */
    int request_timeout_ms;      /* to receive one request's head and body; default 30 s */
    int stream_idle_timeout_ms;  /* exec/attach without any frame; default 4 h (the kubelet's) */
    int stream_create_timeout_ms;/* SPDY streams must all arrive within; default 30 s */
    size_t max_head;             /* default 64 KiB */
    size_t max_body;             /* default 1 MiB */
    int disable_websocket;       /* answer WebSocket exec/attach with 400 (clients fall back to SPDY) */
    const kapi_auth *auth;       /* NULL: no authentication at all (tests only) */
    const kapi_handlers *handlers;
} kapi_config;

/* Start listening and serving in background threads. cfg is copied (the
 * auth and handlers structs it points to must outlive the server). Returns
 * the server, or NULL with a message in err. Ignores SIGPIPE process-wide. */
kapi_server *kapi_server_start(const kapi_config *cfg, char *err, size_t errlen);
/* The bound port. */
int kapi_server_port(const kapi_server *s);
/* Stop accepting, end every connection and session, join, free. NULL is fine. */
void kapi_server_stop(kapi_server *s);

/* ---- request accessors for handlers (strings borrowed from the request) ---- */
const char *kapi_req_method(const kapi_request *r);
const char *kapi_req_path(const kapi_request *r);
/* Route parameters: "namespace", "pod", "container", "uid" ("" when absent). */
const char *kapi_req_param(const kapi_request *r, const char *name);
const kv_list *kapi_req_query(const kapi_request *r);
const char *kapi_req_header(const kapi_request *r, const char *name);
const char *kapi_req_body(const kapi_request *r, size_t *len);
const kapi_user *kapi_req_user(const kapi_request *r); /* NULL without authentication */

/* ---- responses ---- */
/* Add a response header (before send/begin). */
void kapi_resp_header(kapi_response *w, const char *name, const char *value);
/* Send a whole response. Returns 0, or -1 when the client is gone. */
int kapi_resp_send(kapi_response *w, int status, const char *ctype, const void *body, size_t len);
/* Send a text/plain error with a formatted message and a newline. */
int kapi_resp_error(kapi_response *w, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Start a chunked streaming response; kapi_resp_write sends (and flushes)
 * one chunk; the end is sent when the handler returns. -1: client gone. */
int kapi_resp_begin(kapi_response *w, int status, const char *ctype);
int kapi_resp_write(kapi_response *w, const void *p, size_t n);
/* 1 when the client has closed its side (for follow loops that wait). */
int kapi_resp_client_gone(kapi_response *w);

/* ---- /containerLogs options (v1.PodLogOptions as the apiserver sends them) ---- */
typedef struct kapi_log_options {
    int follow, previous, timestamps;
    int64_t since_seconds; /* 0 when unset */
    int64_t since_time;    /* unix seconds; 0 when unset */
    int64_t tail_lines;    /* -1 when unset */
    int64_t limit_bytes;   /* 0 when unset */
    char stream[8];        /* "All", "Stdout", "Stderr" */
} kapi_log_options;

/* Parse and validate; returns 0, or -1 with a message (answer 422). */
int kapi_log_options_parse(const kv_list *query, kapi_log_options *o, char *err, size_t errlen);

#endif
