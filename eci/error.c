#include "eci/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

const char *eci_errname(int code)
{
    switch (code) {
#define ECI_X_NAME(name, val, text) case val: return #name;
        ECI_ERROR_LIST(ECI_X_NAME)
#undef ECI_X_NAME
    }
    return "ECI_E_UNKNOWN";
}

const char *eci_strerror(int code)
{
    switch (code) {
#define ECI_X_TEXT(name, val, text) case val: return text;
        ECI_ERROR_LIST(ECI_X_TEXT)
#undef ECI_X_TEXT
    }
    return "unknown error";
}

const char *eci_class_name(eci_class c)
{
    switch (c) {
    case ECI_CLASS_OK: return "ok";
    case ECI_CLASS_NOT_FOUND: return "not-found";
    case ECI_CLASS_INVALID: return "invalid";
    case ECI_CLASS_THROTTLED: return "throttled";
    case ECI_CLASS_TRANSIENT: return "transient";
    case ECI_CLASS_CONFLICT: return "conflict";
    case ECI_CLASS_AUTH: return "auth";
    case ECI_CLASS_FATAL: return "fatal";
    case ECI_CLASS_NO_STOCK: return "no-stock";
    }
    return "fatal";
}

void eci_error_clear(eci_error *err)
{
    if (err)
        memset(err, 0, sizeof *err);
}

static void copy_field(char *dst, size_t cap, const char *src)
{
    if (!src)
        src = "";
    size_t n = strlen(src);
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

int eci_error_set(eci_error *err, eci_code code, const char *fmt, ...)
{
    if (!err)
        return -1;
    err->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->detail, sizeof err->detail, fmt, ap);
    va_end(ap);
    return -1;
}

static int has_prefix(const char *s, const char *p)
{
    return strncmp(s, p, strlen(p)) == 0;
}

static int ends_with(const char *s, const char *suf)
{
    size_t n = strlen(s), m = strlen(suf);
    return n >= m && strcmp(s + n - m, suf) == 0;
}

eci_code eci_code_from_api(int http_status, const char *api_code)
{
    const char *c = api_code ? api_code : "";
    if (has_prefix(c, "Throttling") || http_status == 429)
        return ECI_E_THROTTLED;
    if (has_prefix(c, "ServiceUnavailable") || !strcmp(c, "InternalError") ||
        !strcmp(c, "UnknownError") || !strcmp(c, "LastTokenProcessing") ||
        !strcmp(c, "SignatureNonceUsed"))
        return ECI_E_UNAVAILABLE;
    if (ends_with(c, ".NotFound") || ends_with(c, "NotFound") || !strcmp(c, "InvalidParameter.NotFound"))
        return ECI_E_NOT_FOUND;
    if (has_prefix(c, "Forbidden") || has_prefix(c, "InvalidAccessKeyId") ||
        has_prefix(c, "SignatureDoesNotMatch") || has_prefix(c, "IncompleteSignature") ||
        has_prefix(c, "InvalidSecurityToken") || has_prefix(c, "InvalidTimeStamp") ||
        !strcmp(c, "InvalidUser.PassRoleForbidden") || !strcmp(c, "NoPermission") ||
        !strcmp(c, "RealNameAuthenticationError") || !strcmp(c, "MissingSecurityToken"))
        return ECI_E_AUTH;
    if (!strcmp(c, "OperationConflict") || !strcmp(c, "IdempotentParameterMismatch") ||
        !strcmp(c, "IncorrectStatus") || has_prefix(c, "IncorrectStatus."))
        return ECI_E_CONFLICT;
    if (http_status >= 500)
        return ECI_E_UNAVAILABLE;
    if (http_status == 404)
        return ECI_E_NOT_FOUND;
    if (http_status == 401)
        return ECI_E_AUTH;
    if (http_status == 409)
        return ECI_E_CONFLICT;
    return ECI_E_API;
}

void eci_error_set_api(eci_error *err, int http_status, const char *api_code,
                       const char *message, const char *request_id)
{
    if (!err)
        return;
    err->http_status = http_status;
    copy_field(err->api_code, sizeof err->api_code, api_code);
    copy_field(err->message, sizeof err->message, message);
    copy_field(err->request_id, sizeof err->request_id, request_id);
    err->code = eci_code_from_api(http_status, api_code);
}

eci_class eci_error_classify(const eci_error *err)
{
    if (!err)
        return ECI_CLASS_FATAL;
    switch (err->code) {
    case ECI_OK: return ECI_CLASS_OK;
    case ECI_E_INVALID_ARG: return ECI_CLASS_INVALID;
    case ECI_E_HTTP: return ECI_CLASS_TRANSIENT;
    case ECI_E_TIMEOUT: return ECI_CLASS_TRANSIENT;
    case ECI_E_API:
        if (err->http_status >= 500)
            return ECI_CLASS_TRANSIENT;
        if (ends_with(err->api_code, "NoStock"))
            return ECI_CLASS_NO_STOCK;
        return ECI_CLASS_INVALID;
    case ECI_E_THROTTLED: return ECI_CLASS_THROTTLED;
    case ECI_E_NOT_FOUND: return ECI_CLASS_NOT_FOUND;
    case ECI_E_DECODE: return ECI_CLASS_FATAL;
    case ECI_E_AUTH: return ECI_CLASS_AUTH;
    case ECI_E_CONFLICT: return ECI_CLASS_CONFLICT;
    case ECI_E_UNAVAILABLE: return ECI_CLASS_TRANSIENT;
    case ECI_E_CREDENTIALS: return ECI_CLASS_AUTH;
    case ECI_E_TOO_LARGE: return ECI_CLASS_FATAL;
    case ECI_E_RATE_LIMIT: return ECI_CLASS_THROTTLED;
    case ECI_E_FAULT: return ECI_CLASS_TRANSIENT;
    case ECI_E_TLS: return ECI_CLASS_FATAL;
    }
    return ECI_CLASS_FATAL;
}

int eci_error_retriable(const eci_error *err)
{
    eci_class c = eci_error_classify(err);
    return c == ECI_CLASS_THROTTLED || c == ECI_CLASS_TRANSIENT;
}

int eci_error_http_status(const eci_error *err)
{
    switch (eci_error_classify(err)) {
    case ECI_CLASS_OK: return 200;
    case ECI_CLASS_NOT_FOUND: return 404;
    case ECI_CLASS_INVALID: return 400;
    case ECI_CLASS_THROTTLED: return 429;
    case ECI_CLASS_TRANSIENT: return 503;
    case ECI_CLASS_CONFLICT: return 409;
    case ECI_CLASS_AUTH: return 403;
    case ECI_CLASS_FATAL: return 500;
    case ECI_CLASS_NO_STOCK: return 503;
    }
    return 500;
}

const char *eci_error_format(const eci_error *err, char *buf, size_t len)
{
    if (!buf || !len)
        return "";
    if (!err) {
        snprintf(buf, len, "unknown error");
        return buf;
    }
    size_t off = 0;
#define APPEND(...)                                                        \
    do {                                                                   \
        if (off < len) {                                                   \
            int w_ = snprintf(buf + off, len - off, __VA_ARGS__);          \
            if (w_ > 0)                                                    \
                off += (size_t)w_;                                         \
        }                                                                  \
    } while (0)
    buf[0] = '\0';
    if (err->action[0])
        APPEND("%s: ", err->action);
    if (err->http_status)
        APPEND("HTTP %d ", err->http_status);
    if (err->api_code[0]) {
        APPEND("%s", err->api_code);
        if (err->message[0])
            APPEND(": %s", err->message);
    } else {
        APPEND("%s", eci_strerror(err->code));
    }
    if (err->request_id[0])
        APPEND(" (RequestId %s)", err->request_id);
    if (err->detail[0])
        APPEND(" [%s]", err->detail);
    if (err->attempts > 1)
        APPEND(" after %d attempts", err->attempts);
#undef APPEND
    return buf;
}
