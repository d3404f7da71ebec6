#include "util/k8schan.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/xmalloc.h"

int k8schan_version(const char *name, int *base64)
{
    static const struct {
        const char *name;
        int version, b64;
    } t[] = {
        {"", 1, 0},
        {K8SCHAN_PROTO_V1, 1, 0},
        {K8SCHAN_PROTO_BASE64, 1, 1},
        {K8SCHAN_PROTO_V2, 2, 0},
        {K8SCHAN_PROTO_V3, 3, 0},
        {K8SCHAN_PROTO_V4, 4, 0},
        {K8SCHAN_PROTO_V4_BASE64, 4, 1},
        {K8SCHAN_PROTO_V5, 5, 0},
    };
    for (size_t i = 0; name && i < sizeof t / sizeof t[0]; i++) {
        if (strcmp(name, t[i].name) == 0) {
            if (base64)
                *base64 = t[i].b64;
            return t[i].version;
        }
    }
    return -1;
}

/* ---- messages ---- */

int k8schan_decode(const void *msg, size_t len, k8schan_msg *out, char *err, size_t errlen)
{
    const unsigned char *p = msg;
    memset(out, 0, sizeof *out);
    if (len == 0) {
        out->kind = K8SCHAN_MSG_EMPTY;
        return 0;
    }
    out->channel = p[0];
    if (p[0] == K8SCHAN_CLOSE) {
        if (len != 2) {
            snprintf(err, errlen, "exec channel: CLOSE message of %zu bytes (want 2)", len);
            return -1;
        }
        out->kind = K8SCHAN_MSG_CLOSE;
        out->channel = p[1];
        return 0;
    }
    out->kind = K8SCHAN_MSG_DATA;
    out->data = p + 1;
    out->len = len - 1;
    return 0;
}

int k8schan_encode(dynbuf *out, unsigned channel, const void *data, size_t len)
{
    size_t cap = out->cap ? out->cap : DYNBUF_DEFAULT_CAP;
    if (len >= cap || out->len > cap - len - 1)
        return -1;
    dynbuf_addc(out, (char)(unsigned char)channel);
    if (len)
        dynbuf_add(out, data, len);
    return 0;
}

void k8schan_close_msg(unsigned channel, unsigned char out[2])
{
    out[0] = K8SCHAN_CLOSE;
    out[1] = (unsigned char)channel;
}

/* ---- the error channel ---- */

static char *print(cJSON *o)
{
    char *s = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    if (!s)
        abort();
    char *r = xstrdup(s);
    cJSON_free(s);
    return r;
}

char *k8schan_status(int version, int exit_code, const char *msg, size_t *len)
{
    char text[512];
    const char *why = msg && *msg ? msg : NULL;
    if (exit_code > 0) {
        if (why)
            snprintf(text, sizeof text, "command terminated with non-zero exit code: %s", why);
        else
            snprintf(text, sizeof text,
                     "command terminated with non-zero exit code: command terminated with exit code %d", exit_code);
    }
    if (!why)
        why = "internal error";
    char *out;
    if (version < 4) {
        out = exit_code == 0 ? NULL : xstrdup(exit_code > 0 ? text : why);
    } else {
        cJSON *st = cJSON_CreateObject();
        cJSON_AddItemToObject(st, "metadata", cJSON_CreateObject());
        if (exit_code == 0) {
            cJSON_AddStringToObject(st, "status", "Success");
        } else if (exit_code > 0) {
            char code[16];
            snprintf(code, sizeof code, "%d", exit_code);
            cJSON_AddStringToObject(st, "status", "Failure");
            cJSON_AddStringToObject(st, "message", text);
            cJSON_AddStringToObject(st, "reason", "NonZeroExitCode");
            cJSON *causes = cJSON_AddArrayToObject(cJSON_AddObjectToObject(st, "details"), "causes");
            cJSON *c = cJSON_CreateObject();
            cJSON_AddStringToObject(c, "reason", "ExitCode");
            cJSON_AddStringToObject(c, "message", code);
            cJSON_AddItemToArray(causes, c);
        } else {
            char *full = xasprintf("Internal error occurred: %s", why);
            cJSON_AddStringToObject(st, "status", "Failure");
            cJSON_AddStringToObject(st, "message", full);
            free(full);
            cJSON_AddStringToObject(st, "reason", "InternalError");
            cJSON *causes = cJSON_AddArrayToObject(cJSON_AddObjectToObject(st, "details"), "causes");
            cJSON *c = cJSON_CreateObject();
            cJSON_AddStringToObject(c, "message", why);
            cJSON_AddItemToArray(causes, c);
            cJSON_AddNumberToObject(st, "code", 500);
        }
        out = print(st);
    }
    if (len)
        *len = out ? strlen(out) : 0;
    return out;
}

static const char *str_item(const cJSON *o, const char *key)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(it) ? it->valuestring : NULL;
}

/* Strict decimal 0-255, as client-go's ParseUint(msg, 10, 8). */
static int parse_exit_code(const char *s)
{
    if (!s || !*s || strlen(s) > 3)
        return -1;
    int v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9')
            return -1;
        v = v * 10 + (*p - '0');
    }
    return v <= 255 ? v : -1;
}

int k8schan_status_parse(const void *json, size_t len, int *exit_code, char *msg, size_t msglen)
{
    *exit_code = -1;
    if (msglen)
        msg[0] = '\0';
    cJSON *o = cJSON_ParseWithLength(json, len);
    if (!o || !cJSON_IsObject(o)) {
        snprintf(msg, msglen, "exec status: not a JSON object");
        cJSON_Delete(o);
        return -1;
    }
    int rc = -1;
    const char *status = str_item(o, "status");
    const char *message = str_item(o, "message");
    if (status && strcmp(status, "Success") == 0) {
        *exit_code = 0;
        rc = 0;
    } else if (status && strcmp(status, "Failure") == 0) {
        const char *reason = str_item(o, "reason");
        if (reason && strcmp(reason, "NonZeroExitCode") == 0) {
            const cJSON *details = cJSON_GetObjectItemCaseSensitive(o, "details");
            const cJSON *causes = cJSON_GetObjectItemCaseSensitive(details, "causes");
            const cJSON *c;
            int code = -1;
            cJSON_ArrayForEach(c, causes) {
                const char *r = str_item(c, "reason");
                if (r && strcmp(r, "ExitCode") == 0) {
                    code = parse_exit_code(str_item(c, "message"));
                    break;
                }
            }
            if (code < 0) {
                snprintf(msg, msglen, "exec status: NonZeroExitCode without a valid ExitCode cause");
            } else {
                *exit_code = code;
                snprintf(msg, msglen, "command terminated with exit code %d", code);
                rc = 0;
            }
        } else {
            snprintf(msg, msglen, "%s", message ? message : "command failed");
            rc = 1;
        }
    } else {
        snprintf(msg, msglen, "exec status: unknown status \"%.40s\"", status ? status : "");
    }
    cJSON_Delete(o);
    return rc;
}

/* ---- the resize channel ---- */

char *k8schan_resize_json(unsigned width, unsigned height)
{
    return xasprintf("{\"Width\":%u,\"Height\":%u}", width & 0xffff, height & 0xffff);
}

#define RESIZE_MAX 4096

struct k8schan_resize_parser {
    dynbuf buf;
    int depth, in_str, esc, failed;
};

k8schan_resize_parser *k8schan_resize_parser_new(void)
{
    k8schan_resize_parser *p = xcalloc(1, sizeof *p);
    dynbuf_init(&p->buf, RESIZE_MAX);
    return p;
}

void k8schan_resize_parser_free(k8schan_resize_parser *p)
{
    if (!p)
        return;
    dynbuf_free(&p->buf);
    free(p);
}

static int resize_fail(k8schan_resize_parser *p, char *err, size_t errlen, const char *msg)
{
    p->failed = 1;
    snprintf(err, errlen, "resize: %s", msg);
    return -1;
}

static int get_dim(const cJSON *o, const char *name, uint16_t *v)
{
    const cJSON *x = cJSON_GetObjectItem(o, name); /* case-insensitive, like Go's decoder */
    if (!x) {
        *v = 0;
        return 0;
    }
    if (!cJSON_IsNumber(x) || x->valuedouble < 0 || x->valuedouble > 65535 ||
        x->valuedouble != (double)(int)x->valuedouble)
        return -1;
    *v = (uint16_t)x->valuedouble;
    return 0;
}

int k8schan_resize_feed(k8schan_resize_parser *p, const void *data, size_t len, k8schan_resize_cb cb, void *ud, char *err,
                   size_t errlen)
{
    const char *s = data;
    if (p->failed)
        return resize_fail(p, err, errlen, "stream already failed");
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (p->depth == 0) {
            if (c == ' ' || c == '\n' || c == '\r' || c == '\t')
                continue;
            if (c != '{')
                return resize_fail(p, err, errlen, "expected a JSON object");
        }
        if (dynbuf_addc(&p->buf, c) < 0)
            return resize_fail(p, err, errlen, "object too large");
        if (p->in_str) {
            if (p->esc)
                p->esc = 0;
            else if (c == '\\')
                p->esc = 1;
            else if (c == '"')
                p->in_str = 0;
            continue;
        }
        if (c == '"') {
            p->in_str = 1;
        } else if (c == '{' || c == '[') {
            p->depth++;
        } else if (c == '}' || c == ']') {
            p->depth--;
            if (p->depth == 0) {
                cJSON *o = cJSON_ParseWithLength(p->buf.buf, p->buf.len);
                uint16_t w, h;
                int bad = !o || !cJSON_IsObject(o) || get_dim(o, "width", &w) < 0 || get_dim(o, "height", &h) < 0;
                cJSON_Delete(o);
                dynbuf_reset(&p->buf);
                if (bad)
                    return resize_fail(p, err, errlen, "malformed terminal size");
                cb(ud, w, h);
            } else if (p->depth < 0) {
                return resize_fail(p, err, errlen, "unbalanced JSON");
            }
        }
    }
    return 0;
}
