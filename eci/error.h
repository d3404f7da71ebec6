/* ECI client errors: one table generates the eci_code enum, eci_errname() and
 * eci_strerror(); values never change. A failing call fills an eci_error (a
 * plain struct the caller owns, no free needed) with the operation, HTTP
 * status, the service's Code/Message/RequestId and a detail line. Error texts
 * never contain secrets or signatures. */
#ifndef ECI_ERROR_H
#define ECI_ERROR_H

#include <stddef.h>

/* X(name, value, text) */
#define ECI_ERROR_LIST(X)                                                       \
    X(ECI_OK, 0, "success")                                                     \
    X(ECI_E_INVALID_ARG, 1, "invalid argument")                                 \
    X(ECI_E_HTTP, 2, "HTTP transport error")                                    \
    X(ECI_E_TIMEOUT, 3, "timed out")                                            \
    X(ECI_E_API, 4, "the service rejected the request")                         \
    X(ECI_E_THROTTLED, 5, "request throttled")                                  \
    X(ECI_E_NOT_FOUND, 6, "resource not found")                                 \
    X(ECI_E_DECODE, 7, "malformed response")                                    \
    X(ECI_E_AUTH, 8, "authentication or authorization failed")                  \
    X(ECI_E_CONFLICT, 9, "conflicts with the resource's state or a previous request") \
    X(ECI_E_UNAVAILABLE, 10, "service unavailable")                             \
    X(ECI_E_CREDENTIALS, 11, "no usable credentials")                           \
    X(ECI_E_TOO_LARGE, 12, "response exceeds the size limit")                   \
    X(ECI_E_RATE_LIMIT, 13, "client-side rate limit wait exceeded")             \
    X(ECI_E_FAULT, 14, "injected fault")                                       \
    X(ECI_E_TLS, 15, "TLS verification failed")

typedef enum {
#define ECI_X_ENUM(name, val, text) name = val,
    ECI_ERROR_LIST(ECI_X_ENUM)
#undef ECI_X_ENUM
} eci_code;

/* Retry/handling classes (see eci_error_classify). */
typedef enum {
    ECI_CLASS_OK = 0,
    ECI_CLASS_NOT_FOUND,
    ECI_CLASS_INVALID,
    ECI_CLASS_THROTTLED,
    ECI_CLASS_TRANSIENT,
    ECI_CLASS_CONFLICT,
    ECI_CLASS_AUTH,
    ECI_CLASS_FATAL,
    ECI_CLASS_NO_STOCK, /* the zone has no capacity for the request (NoStock) */
} eci_class;

typedef struct eci_error {
    eci_code code;
    int http_status;       /* 0 when no HTTP response was received */
    int attempts;          /* attempts made by the call (1 = no retry) */
    char action[64];       /* operation, e.g. "CreateContainerGroup" */
    char api_code[96];     /* service Code, e.g. "Throttling" ("" if none) */
    char message[512];     /* service Message ("" if none) */
    char request_id[80];   /* service RequestId ("" if none) */
    char detail[512];      /* human detail from the client (transport, decode path, ...) */
} eci_error;

/* Enum name ("ECI_E_THROTTLED"); static string, "ECI_E_UNKNOWN" for bad values. */
const char *eci_errname(int code);
/* Fixed English text for a code; static string. */
const char *eci_strerror(int code);
/* Short class name ("not-found", "invalid", "throttled", "transient",
 * "conflict", "auth", "fatal", "no-stock", "ok"); static string. */
const char *eci_class_name(eci_class c);

/* Reset to ECI_OK with every field empty. err may be NULL. */
void eci_error_clear(eci_error *err);
/* Set code and a printf detail (keeps other fields). err may be NULL.
 * Returns -1 so callers can `return eci_error_set(...)`. */
int eci_error_set(eci_error *err, eci_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Fill the service fields and derive code from (http_status, api_code). */
void eci_error_set_api(eci_error *err, int http_status, const char *api_code,
                       const char *message, const char *request_id);
/* Map a service error to a code: Throttling* -> THROTTLED, ServiceUnavailable*,
 * InternalError, 5xx -> UNAVAILABLE, *NotFound / 404 -> NOT_FOUND, credential and
 * Forbidden.* codes -> AUTH, conflicts -> CONFLICT, other 4xx -> API. */
eci_code eci_code_from_api(int http_status, const char *api_code);
/* Classify for retry decisions: throttled and transient are retriable.
 * NoStock (OperationDenied.NoStock and other *NoStock codes) is its own class:
 * the request was valid, the cloud lacked capacity. */
eci_class eci_error_classify(const eci_error *err);
/* 1 when a retry may succeed (class throttled or transient). */
int eci_error_retriable(const eci_error *err);
/* The HTTP status a server fronting ECI (the kubelet API) should answer for
 * this error: not-found 404, invalid 400, throttled 429, transient and
 * no-stock 503, conflict 409, auth 403, fatal 500, ok 200. */
int eci_error_http_status(const eci_error *err);
/* Render "Action: HTTP 400 Throttling: message (RequestId X) [detail]" into buf;
 * returns buf. */
const char *eci_error_format(const eci_error *err, char *buf, size_t len);

#endif
