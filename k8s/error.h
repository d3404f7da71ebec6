/* Errors of the Kubernetes client. One table generates the code enum, the
 * reason names and the messages; values never change. API failures carry the
 * metav1.Status reason the apiserver sent (NotFound, Conflict, ...). */
#ifndef K8S_ERROR_H
#define K8S_ERROR_H

#include <stddef.h>

/* X(NAME, reason as the apiserver spells it (or a client-side name), message) */
#define K8S_ERROR_TABLE(X)                                                        \
    X(OK, "OK", "success")                                                        \
    X(INVALID_ARG, "InvalidArgument", "invalid argument")                         \
    X(CONFIG, "ConfigError", "bad client configuration")                          \
    X(UNSUPPORTED, "Unsupported", "unsupported configuration")                    \
    X(TRANSPORT, "TransportError", "connection to the apiserver failed")          \
    X(TIMEOUT, "Timeout", "request timed out")                                    \
    X(TOO_LARGE, "ResponseTooLarge", "response exceeds the size cap")             \
    X(DECODE, "DecodeError", "malformed response")                                \
    X(CANCELLED, "Cancelled", "cancelled")                                        \
    X(BAD_REQUEST, "BadRequest", "bad request")                                   \
    X(UNAUTHORIZED, "Unauthorized", "unauthorized")                               \
    X(FORBIDDEN, "Forbidden", "forbidden")                                        \
    X(NOT_FOUND, "NotFound", "not found")                                         \
    X(METHOD_NOT_ALLOWED, "MethodNotAllowed", "method not allowed")               \
    X(ALREADY_EXISTS, "AlreadyExists", "already exists")                          \
    X(CONFLICT, "Conflict", "conflict")                                           \
    X(GONE, "Gone", "resource version too old")                                   \
    X(INVALID, "Invalid", "invalid object")                                       \
    X(TOO_MANY_REQUESTS, "TooManyRequests", "too many requests")                  \
    X(SERVER_TIMEOUT, "ServerTimeout", "server timeout")                          \
    X(INTERNAL, "InternalError", "internal server error")                         \
    X(UNAVAILABLE, "ServiceUnavailable", "service unavailable")                   \
    X(UNKNOWN, "Unknown", "unexpected response")                                  \
    X(THROTTLED, "Throttled", "dropped by the client-side rate limit")

typedef enum k8s_code {
#define K8S_X_ENUM(name, reason, msg) K8S_E_##name,
    K8S_ERROR_TABLE(K8S_X_ENUM)
#undef K8S_X_ENUM
    K8S_E__COUNT
} k8s_code;

/* The error value a failing call fills (curl's error buffer): the code for the
 * program, the detail for the human. Plain struct, no allocation. Every
 * k8s_ function taking a k8s_error * accepts NULL. */
typedef struct k8s_error {
    k8s_code code;
    int http_status;   /* 0 when no HTTP answer */
    char reason[64];   /* Status.reason as sent, or the table's reason */
    char message[512]; /* human detail; never holds credentials */
    char verb[12];     /* request verb (GET, PUT, ...), "" when none */
    char path[384];    /* request path without query, "" when none */
} k8s_error;

/* Static name of a code ("NotFound"); never NULL. */
const char *k8s_errname(k8s_code code);
/* Static message of a code; never NULL. */
const char *k8s_strerror(k8s_code code);
/* Reset e to K8S_E_OK with empty fields; NULL is fine. */
void k8s_error_clear(k8s_error *e);
/* Fill e (NULL is fine) with code and a printf message; returns -1 so callers
 * can `return k8s_error_set(...)`. */
int k8s_error_set(k8s_error *e, k8s_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Map an HTTP status and an optional Status.reason to a code. */
k8s_code k8s_code_from_http(int http_status, const char *reason);
/* 1 for failures worth retrying later (connection, timeout, 429, 5xx,
 * client-side throttling), 0 otherwise (not found, conflict, invalid, ...). */
int k8s_code_transient(k8s_code code);
/* Decode a failed response (metav1.Status JSON, or anything else) into e;
 * body may be NULL. Keeps e->verb/path. Returns -1. */
int k8s_error_from_response(k8s_error *e, int http_status, const char *body, size_t len);
/* "GET /api/v1/...: 404 NotFound: pods \"x\" not found" into buf; returns buf. */
const char *k8s_error_format(const k8s_error *e, char *buf, size_t n);

#endif
