#include "eci/exec_channel.h"
#include "util/httptok.h"
#include "util/xmalloc.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int eci_chan_decode(const void *msg, size_t len, eci_chan_msg *out, char *err, size_t errlen)
{
    const unsigned char *p = msg;
    memset(out, 0, sizeof *out);
    if (len == 0) {
        out->kind = ECI_CHAN_MSG_EMPTY;
        return 0;
    }
    out->channel = p[0];
    if (p[0] == ECI_CHAN_CLOSE) {
        if (len != 2) {
            snprintf(err, errlen, "exec channel: CLOSE message of %zu bytes (want 2)", len);
            return -1;
        }
        out->kind = ECI_CHAN_MSG_CLOSE;
        out->channel = p[1];
        return 0;
    }
    out->kind = ECI_CHAN_MSG_DATA;
    out->data = p + 1;
    out->len = len - 1;
    return 0;
}

int eci_chan_encode(dynbuf *out, unsigned channel, const void *data, size_t len)
{
    size_t cap = out->cap ? out->cap : DYNBUF_DEFAULT_CAP;
    if (len >= cap || out->len > cap - len - 1)
        return -1;
    dynbuf_addc(out, (char)(unsigned char)channel);
    if (len)
        dynbuf_add(out, data, len);
    return 0;
}

void eci_chan_close_msg(unsigned channel, unsigned char out[2])
{
    out[0] = ECI_CHAN_CLOSE;
    out[1] = (unsigned char)channel;
}

int eci_chan_proto_has_close(const char *proto)
{
    return proto && strcmp(proto, ECI_CHAN_PROTO_V5) == 0;
}

int eci_chan_proto_status_json(const char *proto)
{
    return proto && (strcmp(proto, ECI_CHAN_PROTO_V5) == 0 || strcmp(proto, ECI_CHAN_PROTO_V4) == 0);
}

const char *eci_chan_pick_protocol(const char *offered)
{
    static const char *const known[] = { ECI_CHAN_PROTO_V5, ECI_CHAN_PROTO_V4, ECI_CHAN_PROTO_V1 };
    if (!offered)
        return "";
    const char *p = offered, *t;
    size_t n;
    if (!httptok_next(&p, &t, &n))
        return "";
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (httptok_has(offered, known[i], 0))
            return known[i];
    return NULL;
}

char *eci_chan_status_json(int exit_code, const char *errmsg)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "metadata", cJSON_CreateObject());
    if (!errmsg && exit_code == 0) {
        cJSON_AddStringToObject(o, "status", "Success");
    } else if (!errmsg) {
        char m[128], code[16];
        snprintf(m, sizeof m,
                 "command terminated with non-zero exit code: command terminated with exit code %d",
                 exit_code);
        snprintf(code, sizeof code, "%d", exit_code);
        cJSON_AddStringToObject(o, "status", "Failure");
        cJSON_AddStringToObject(o, "message", m);
        cJSON_AddStringToObject(o, "reason", "NonZeroExitCode");
        cJSON *details = cJSON_AddObjectToObject(o, "details");
        cJSON *causes = cJSON_AddArrayToObject(details, "causes");
        cJSON *c = cJSON_CreateObject();
        cJSON_AddStringToObject(c, "reason", "ExitCode");
        cJSON_AddStringToObject(c, "message", code);
        cJSON_AddItemToArray(causes, c);
    } else {
        char *m = xasprintf("Internal error occurred: %s", errmsg);
        cJSON_AddStringToObject(o, "status", "Failure");
        cJSON_AddStringToObject(o, "message", m);
        free(m);
        cJSON_AddStringToObject(o, "reason", "InternalError");
        cJSON *details = cJSON_AddObjectToObject(o, "details");
        cJSON *causes = cJSON_AddArrayToObject(details, "causes");
        cJSON *c = cJSON_CreateObject();
        cJSON_AddStringToObject(c, "message", errmsg);
        cJSON_AddItemToArray(causes, c);
        cJSON_AddNumberToObject(o, "code", 500);
    }
    char *s = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    if (!s)
        abort();
    char *r = xstrdup(s);
    cJSON_free(s);
    return r;
}

char *eci_chan_status_for(const char *proto, int exit_code, const char *errmsg)
{
    if (eci_chan_proto_status_json(proto))
        return eci_chan_status_json(exit_code, errmsg);
    if (errmsg)
        return xstrdup(errmsg);
    if (exit_code == 0)
        return NULL;
    return xasprintf("command terminated with non-zero exit code: command terminated with exit code %d",
                     exit_code);
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

int eci_chan_status_parse(const void *json, size_t len, int *exit_code, char *msg, size_t msglen)
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

char *eci_chan_resize_json(unsigned width, unsigned height)
{
    return xasprintf("{\"Width\":%u,\"Height\":%u}", width & 0xffff, height & 0xffff);
}

static int dim(const cJSON *o, const char *key, unsigned *v)
{
    const cJSON *it = cJSON_GetObjectItem(o, key); /* case-insensitive, as Go */
    if (!it) {
        *v = 0;
        return 0;
    }
    if (!cJSON_IsNumber(it) || it->valuedouble < 0 || it->valuedouble > 65535 ||
        it->valuedouble != (double)(unsigned)it->valuedouble)
        return -1;
    *v = (unsigned)it->valuedouble;
    return 0;
}

int eci_chan_resize_parse(const void *json, size_t len, unsigned *width, unsigned *height,
                          size_t *consumed, char *err, size_t errlen)
{
    const char *end = NULL;
    *consumed = 0;
    cJSON *o = cJSON_ParseWithLengthOpts(json, len, &end, 0);
    if (!o || !cJSON_IsObject(o)) {
        snprintf(err, errlen, "exec resize: not a JSON object");
        cJSON_Delete(o);
        return -1;
    }
    int rc = 0;
    if (dim(o, "Width", width) < 0 || dim(o, "Height", height) < 0) {
        snprintf(err, errlen, "exec resize: Width/Height must be integers 0-65535");
        rc = -1;
    }
    cJSON_Delete(o);
    if (rc == 0) {
        const char *s = json;
        size_t n = end ? (size_t)(end - s) : len;
        while (n < len && isspace((unsigned char)s[n]))
            n++;
        *consumed = n;
    }
    return rc;
}
