/* The kubelet API server: HTTPS (OpenSSL, TLS 1.2+) on the daemon port, one
 * thread per connection (bounded), keep-alive and idle timeouts, the kubelet's
 * routes, authentication and authorization through callbacks with the
 * kubelet's attribute mapping, and exec/attach upgraded to SPDY/3.1 or
 * WebSocket and run through a kubelet_rc_backend.
 *
 * The provider boundary is kubelet_handlers: a struct of function pointers; a
 * missing entry answers 501. Handlers run on the connection's thread. */
#ifndef PROVIDER_KUBELET_SERVER_H
#define PROVIDER_KUBELET_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "provider/kubelet/remotecommand.h"
#include "util/kv.h"

typedef struct kubelet_server kubelet_server;
typedef struct kubelet_request kubelet_request;
typedef struct kubelet_response kubelet_response;

/* An authenticated caller. Strings owned by the struct; kubelet_user_clear frees them. */
typedef struct kubelet_user {
    char *name;
    char *uid;
    char **groups;
    size_t ngroups;
    kv_list extra; /* TokenReview user.extra: one pair per value, a key repeated for several */
} kubelet_user;

/* Set name (copied). */
void kubelet_user_set_name(kubelet_user *u, const char *name);
/* Append a group (copied). */
void kubelet_user_add_group(kubelet_user *u, const char *group);
/* Append one value of extra[key] (both copied). */
void kubelet_user_add_extra(kubelet_user *u, const char *key, const char *value);
/* Free the strings and zero the struct. */
void kubelet_user_clear(kubelet_user *u);

typedef enum kubelet_cred_kind { KUBELET_CRED_X509 = 1, KUBELET_CRED_TOKEN = 2 } kubelet_cred_kind;

/* What the caller presented. X509: a client certificate already verified
 * against the client CA (cn, orgs, lower-hex SHA-256 of the DER). TOKEN: the
 * bearer token (never log it). All borrowed for the call. */
typedef struct kubelet_credential {
    kubelet_cred_kind kind;
    const char *token;
    const char *cn;
    const char *const *orgs;
    size_t norgs;
    const char *cert_sha256;
} kubelet_credential;

/* One authorization record, as the kubelet builds it: apiGroup "", version
 * "v1", resource "nodes", name = node name, namespace "". Strings static or
 * borrowed from the request. */
typedef struct kubelet_attrs {
    const char *verb;        /* create, get, update, patch, delete, or "" */
    const char *api_version; /* "v1" */
    const char *resource;    /* "nodes" */
    const char *subresource; /* proxy, stats, metrics, log, pods, healthz, ... */
    const char *name;        /* node name */
    const char *path;        /* URL path */
} kubelet_attrs;

/* Compute the kubelet's authorization records for a request: verb from the
 * method, subresource from the path. fine_grained (KubeletFineGrainedAuthz,
 * on from 1.33) checks pods/healthz/configz/statusz first, then proxy.
 * Fills out[0..n) and returns n (1 or 2). Strings point into path, node or
 * static storage. */
size_t kubelet_request_attributes(const char *method, const char *path, const char *node, int fine_grained,
                               kubelet_attrs out[2]);

/* Authentication and authorization the bridge supplies (TokenReview,
 * SubjectAccessReview, with caches). Called on connection threads, so they
 * must be thread-safe. */
typedef struct kubelet_auth {
    void *ud;
    /* 1 authenticated (fill user), 0 rejected (401), -1 error (401).
     * NULL: certificates map to user CN, groups O; tokens are rejected. */
    int (*authn)(void *ud, const kubelet_credential *cred, kubelet_user *user, char *err, size_t errlen);
    /* 1 allowed, 0 denied (403), -1 error (500). NULL: allow. */
    int (*authz)(void *ud, const kubelet_user *user, const kubelet_attrs *attrs, char *reason, size_t reasonlen);
} kubelet_auth;

/* The test stub: authn accepts certificates (CN/O) and the tokens listed in
 * ud (a kv_list: token → user name); authz allows users whose name is not
 * "denied" and not prefixed "deny-<subresource>:" for the record's subresource. */
int kubelet_stub_authn(void *ud, const kubelet_credential *cred, kubelet_user *user, char *err, size_t errlen);
int kubelet_stub_authz(void *ud, const kubelet_user *user, const kubelet_attrs *attrs, char *reason, size_t reasonlen);

/* The kubelet's webhook caches around a kubelet_auth: authenticated tokens are
 * remembered for authn_ttl_ms (kubelet: 2 min), allowed decisions for
 * allow_ttl_ms (5 min), denied ones for deny_ttl_ms (30 s); errors and
 * rejected tokens are not cached, certificates go straight through. Tokens
 * are keyed by their SHA-256 and never stored. At most max_entries (0: 4096)
 * of each kind; the oldest go first. Thread-safe. inner must outlive the
 * cache; free it after the server stopped. */
typedef struct kubelet_auth_cache kubelet_auth_cache;
kubelet_auth_cache *kubelet_auth_cache_new(const kubelet_auth *inner, int authn_ttl_ms, int allow_ttl_ms, int deny_ttl_ms,
                                     size_t max_entries);
/* The caching kubelet_auth to put in kubelet_config.auth; borrowed from c. */
const kubelet_auth *kubelet_auth_cache_auth(kubelet_auth_cache *c);
void kubelet_auth_cache_free(kubelet_auth_cache *c);

typedef void (*kubelet_handler_fn)(void *ud, const kubelet_request *req, kubelet_response *resp);

/* The provider boundary. NULL entries answer 501, except healthz (built-in
 * "ok") and run (built on exec when exec is set). */
typedef struct kubelet_handlers {
    void *ud;
    kubelet_handler_fn healthz;          /* GET /healthz[/ping|/log|/syncloop] */
    kubelet_handler_fn pods;             /* GET /pods */
    kubelet_handler_fn running_pods;     /* GET /runningpods/ */
    kubelet_handler_fn container_logs;   /* GET /containerLogs/{ns}/{pod}/{container} */
    kubelet_handler_fn run;              /* POST /run/{ns}/{pod}[/{uid}]/{container}?cmd= */
    kubelet_handler_fn port_forward;     /* /portForward/{ns}/{pod}[/{uid}] (raw request) */
    kubelet_handler_fn stats_summary;    /* GET|POST /stats/summary */
    kubelet_handler_fn metrics_resource; /* GET /metrics/resource */
    kubelet_handler_fn metrics_cadvisor; /* GET /metrics/cadvisor */
    kubelet_handler_fn metrics;          /* GET /metrics */
    kubelet_handler_fn configz;          /* GET /configz */
    const kubelet_rc_backend *exec;           /* exec and attach over SPDY/WebSocket */
} kubelet_handlers;

typedef struct kubelet_config {
    const char *bind_addr;       /* default "0.0.0.0" */
    int port;                    /* 0: an ephemeral port (see kubelet_server_port) */
    const char *cert_file;       /* serving cert and key (PEM); both NULL: self-signed in memory */
    const char *key_file;
    const char *client_ca_file;  /* client certificates are requested and verified against it; NULL: not requested */
    const char *node_name;       /* for authorization records and the self-signed cert */
    int fine_grained_authz;      /* see kubelet_request_attributes */
    int max_conns;               /* connections at once, each a thread; default 8192 */
    int max_preauth;             /* of which not yet authenticated; default 1024. When full, the
                                  * oldest unauthenticated one is closed to make room, so idle or
                                  * slow clients cannot starve authenticated ones. */
    int preauth_timeout_ms;      /* TLS handshake plus the first request head (and any request
                                  * head until one authenticates); default 10 s */
    int idle_timeout_ms;         /* between requests on a keep-alive connection; default 90 s */
    int request_timeout_ms;      /* to receive one request's head and body; default 30 s */
    int stream_idle_timeout_ms;  /* exec/attach without any frame; default 4 h (the kubelet's) */
    int stream_create_timeout_ms;/* SPDY streams must all arrive within; default 30 s */
    size_t max_head;             /* default 64 KiB */
    size_t max_body;             /* default 1 MiB */
    int disable_websocket;       /* answer WebSocket exec/attach with 400 (clients fall back to SPDY) */
    const kubelet_auth *auth;       /* NULL: no authentication at all (tests only) */
    const kubelet_handlers *handlers;
} kubelet_config;

/* Start listening and serving in background threads. cfg is copied (the
 * auth and handlers structs it points to must outlive the server). Returns
 * the server, or NULL with a message in err. Ignores SIGPIPE process-wide. */
kubelet_server *kubelet_server_start(const kubelet_config *cfg, char *err, size_t errlen);
/* The bound port. */
int kubelet_server_port(const kubelet_server *s);
/* Stop accepting, end every connection and session, join, free. NULL is fine. */
void kubelet_server_stop(kubelet_server *s);

/* ---- request accessors for handlers (strings borrowed from the request) ---- */
const char *kubelet_req_method(const kubelet_request *r);
const char *kubelet_req_path(const kubelet_request *r);
/* Route parameters: "namespace", "pod", "container", "uid" ("" when absent). */
const char *kubelet_req_param(const kubelet_request *r, const char *name);
const kv_list *kubelet_req_query(const kubelet_request *r);
const char *kubelet_req_header(const kubelet_request *r, const char *name);
const char *kubelet_req_body(const kubelet_request *r, size_t *len);
const kubelet_user *kubelet_req_user(const kubelet_request *r); /* NULL without authentication */

/* ---- responses ---- */
/* Add a response header (before send/begin). */
void kubelet_resp_header(kubelet_response *w, const char *name, const char *value);
/* Send a whole response. Returns 0, or -1 when the client is gone. */
int kubelet_resp_send(kubelet_response *w, int status, const char *ctype, const void *body, size_t len);
/* Send a text/plain error with a formatted message and a newline. */
int kubelet_resp_error(kubelet_response *w, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Start a chunked streaming response; kubelet_resp_write sends (and flushes)
 * one chunk; the end is sent when the handler returns. -1: client gone. */
int kubelet_resp_begin(kubelet_response *w, int status, const char *ctype);
int kubelet_resp_write(kubelet_response *w, const void *p, size_t n);
/* 1 when the client has closed its side (for follow loops that wait). */
int kubelet_resp_client_gone(kubelet_response *w);

/* ---- /containerLogs options (v1.PodLogOptions as the apiserver sends them) ---- */
typedef struct kubelet_log_options {
    int follow, previous, timestamps;
    int64_t since_seconds; /* 0 when unset */
    int64_t since_time;    /* unix seconds; 0 when unset */
    int64_t tail_lines;    /* -1 when unset */
    int64_t limit_bytes;   /* 0 when unset */
    char stream[8];        /* "All", "Stdout", "Stderr" */
} kubelet_log_options;

/* Parse and validate; returns 0, or -1 with a message (answer 422). */
int kubelet_log_options_parse(const kv_list *query, kubelet_log_options *o, char *err, size_t errlen);

#endif
