#include "k8s/error.h"

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static const char *const names[] = {
#define K8S_X_NAME(name, reason, msg) reason,
    K8S_ERROR_TABLE(K8S_X_NAME)
#undef K8S_X_NAME
};

static const char *const messages[] = {
#define K8S_X_MSG(name, reason, msg) msg,
    K8S_ERROR_TABLE(K8S_X_MSG)
#undef K8S_X_MSG
};

const char *k8s_errname(k8s_code code)
{
    if ((int)code < 0 || code >= K8S_E__COUNT)
        return "Unknown";
    return names[code];
}

const char *k8s_strerror(k8s_code code)
{
    if ((int)code < 0 || code >= K8S_E__COUNT)
        return "unknown error";
    return messages[code];
}

void k8s_error_clear(k8s_error *e)
{
    if (!e)
        return;
    memset(e, 0, sizeof *e);
    e->code = K8S_E_OK;
}

static void copy_str(char *dst, size_t n, const char *src)
{
    if (!src)
        src = "";
    snprintf(dst, n, "%s", src);
}

int k8s_error_set(k8s_error *e, k8s_code code, const char *fmt, ...)
{
    if (!e)
        return -1;
    e->code = code;
    copy_str(e->reason, sizeof e->reason, k8s_errname(code));
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(e->message, sizeof e->message, fmt, ap);
        va_end(ap);
    } else {
        copy_str(e->message, sizeof e->message, k8s_strerror(code));
    }
    return -1;
}

k8s_code k8s_code_from_http(int st, const char *reason)
{
    if (reason && *reason) {
        if (!strcmp(reason, "Expired"))
            return K8S_E_GONE;
        /* only API reasons, not client-side ones */
        for (int c = K8S_E_BAD_REQUEST; c <= K8S_E_UNAVAILABLE; c++)
            if (!strcmp(reason, names[c]))
                return (k8s_code)c;
    }
    switch (st) {
    case 400: return K8S_E_BAD_REQUEST;
    case 401: return K8S_E_UNAUTHORIZED;
    case 403: return K8S_E_FORBIDDEN;
    case 404: return K8S_E_NOT_FOUND;
    case 405: return K8S_E_METHOD_NOT_ALLOWED;
    case 409: return K8S_E_CONFLICT;
    case 410: return K8S_E_GONE;
    case 422: return K8S_E_INVALID;
    case 429: return K8S_E_TOO_MANY_REQUESTS;
    case 500: return K8S_E_INTERNAL;
    case 503: return K8S_E_UNAVAILABLE;
    case 504: return K8S_E_SERVER_TIMEOUT;
    default: break;
    }
    if (st >= 500)
        return K8S_E_INTERNAL;
    return K8S_E_UNKNOWN;
}

int k8s_code_transient(k8s_code code)
{
    switch (code) {
    case K8S_E_TRANSPORT:
    case K8S_E_TIMEOUT:
    case K8S_E_TOO_MANY_REQUESTS:
    case K8S_E_SERVER_TIMEOUT:
    case K8S_E_INTERNAL:
    case K8S_E_UNAVAILABLE:
    case K8S_E_THROTTLED:
        return 1;
    default:
        return 0;
    }
}

int k8s_error_from_response(k8s_error *e, int st, const char *body, size_t len)
{
    if (!e)
        return -1;
    e->http_status = st;
    const char *reason = NULL, *message = NULL;
    cJSON *j = NULL;
    if (body && len)
        j = cJSON_ParseWithLength(body, len);
    if (j && cJSON_IsObject(j)) {
        cJSON *kind = cJSON_GetObjectItemCaseSensitive(j, "kind");
        if (cJSON_IsString(kind) && !strcmp(kind->valuestring, "Status")) {
            cJSON *r = cJSON_GetObjectItemCaseSensitive(j, "reason");
            cJSON *m = cJSON_GetObjectItemCaseSensitive(j, "message");
            cJSON *c = cJSON_GetObjectItemCaseSensitive(j, "code");
            if (cJSON_IsString(r))
                reason = r->valuestring;
            if (cJSON_IsString(m))
                message = m->valuestring;
            if (st == 0 && cJSON_IsNumber(c))
                e->http_status = st = c->valueint;
        }
    }
    e->code = k8s_code_from_http(st, reason);
    copy_str(e->reason, sizeof e->reason, reason && *reason ? reason : k8s_errname(e->code));
    if (message && *message) {
        copy_str(e->message, sizeof e->message, message);
    } else if (body && len && !j) {
        /* not JSON: keep a printable prefix of the body */
        size_t n = len < 200 ? len : 200;
        size_t k = 0;
        for (size_t i = 0; i < n && k + 1 < sizeof e->message; i++) {
            unsigned char ch = (unsigned char)body[i];
            e->message[k++] = (ch >= 0x20 && ch < 0x7f) ? (char)ch : ' ';
        }
        e->message[k] = '\0';
    } else {
        copy_str(e->message, sizeof e->message, k8s_strerror(e->code));
    }
    cJSON_Delete(j);
    return -1;
}

const char *k8s_error_format(const k8s_error *e, char *buf, size_t n)
{
    if (!e) {
        copy_str(buf, n, "no error");
        return buf;
    }
    char st[16] = "";
    if (e->http_status)
        snprintf(st, sizeof st, "%d ", e->http_status);
    if (e->verb[0] || e->path[0])
        snprintf(buf, n, "%s %s: %s%s: %s", e->verb, e->path, st, e->reason, e->message);
    else
        snprintf(buf, n, "%s%s: %s", st, e->reason, e->message);
    return buf;
}
