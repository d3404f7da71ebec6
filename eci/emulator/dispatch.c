/* One API request from bytes to bytes: parameters from the query string and
 * the form body, the operation from the Action parameter (signature V2) or
 * the x-acs-action header (V3, recognised by its Authorization header), fault
 * injection, authentication, rate limits, the operation, the ledger, and the
 * JSON (or XML) response with a RequestId. */
#include "eci/emulator/emu.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/clock.h"
#include "util/query.h"
#include "util/xmalloc.h"

#define MAX_PARAMS 20000

static const struct {
    const char *action;
    emu_op_fn fn;
} k_ops[] = {
    {"CreateContainerGroup", emu_op_create_group},
    {"UpdateContainerGroup", emu_op_update_group},
    {"RestartContainerGroup", emu_op_restart_group},
    {"DeleteContainerGroup", emu_op_delete_group},
    {"DescribeContainerGroups", emu_op_describe_groups},
    {"DescribeContainerGroupStatus", emu_op_describe_status},
    {"DescribeContainerGroupEvents", emu_op_describe_events},
    {"DescribeContainerLog", emu_op_describe_log},
    {"ExecContainerCommand", emu_op_exec},
    {"DescribeContainerGroupMetric", emu_op_metric},
    {"DescribeMultiContainerGroupMetric", emu_op_multi_metric},
    {"DescribeRegions", emu_op_regions},
    {"DescribeContainerGroupPrice", emu_op_price},
    {"ListUsage", emu_op_list_usage},
    {"CreateImageCache", emu_op_create_image_cache},
    {"DescribeImageCaches", emu_op_describe_image_caches},
    {"DeleteImageCache", emu_op_delete_image_cache},
    {NULL, NULL},
};

static emu_op_fn find_op(const char *action)
{
    for (int i = 0; action && k_ops[i].action; i++)
        if (strcmp(k_ops[i].action, action) == 0)
            return k_ops[i].fn;
    return NULL;
}

/* ---- XML rendering (Format=XML) ---------------------------------------- */

static void xml_escape(dynbuf *b, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '<': dynbuf_adds(b, "&lt;"); break;
        case '>': dynbuf_adds(b, "&gt;"); break;
        case '&': dynbuf_adds(b, "&amp;"); break;
        case '"': dynbuf_adds(b, "&quot;"); break;
        default: dynbuf_addc(b, *s);
        }
    }
}

static void xml_value(dynbuf *b, const char *name, const cJSON *v);

static void xml_children(dynbuf *b, const cJSON *o)
{
    const cJSON *c;
    cJSON_ArrayForEach(c, o) {
        if (cJSON_IsArray(c)) {
            const cJSON *it;
            cJSON_ArrayForEach(it, c) xml_value(b, c->string, it);
        } else {
            xml_value(b, c->string, c);
        }
    }
}

static void xml_value(dynbuf *b, const char *name, const cJSON *v)
{
    dynbuf_printf(b, "<%s>", name);
    if (cJSON_IsObject(v)) {
        xml_children(b, v);
    } else if (cJSON_IsString(v)) {
        xml_escape(b, v->valuestring);
    } else if (cJSON_IsBool(v)) {
        dynbuf_adds(b, cJSON_IsTrue(v) ? "true" : "false");
    } else if (cJSON_IsNumber(v)) {
        char *n = cJSON_PrintUnformatted(v);
        dynbuf_adds(b, n);
        free(n);
    }
    dynbuf_printf(b, "</%s>", name);
}

static void render(emu_http_resp *resp, const char *root, cJSON *o, int xml)
{
    dynbuf_reset(&resp->body);
    if (xml) {
        resp->content_type = "text/xml;charset=utf-8";
        dynbuf_adds(&resp->body, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
        xml_value(&resp->body, root, o);
    } else {
        resp->content_type = "application/json;charset=utf-8";
        char *txt = cJSON_PrintUnformatted(o);
        dynbuf_adds(&resp->body, txt);
        free(txt);
    }
}

/* Numbers and booleans as strings, like several doc samples (a test switch
 * for client tolerance). */
static void stringify(cJSON *o)
{
    cJSON *c = o ? o->child : NULL;
    for (; c; c = c->next) {
        if (cJSON_IsNumber(c) || cJSON_IsBool(c)) {
            char buf[64];
            if (cJSON_IsBool(c))
                snprintf(buf, sizeof buf, "%s", cJSON_IsTrue(c) ? "true" : "false");
            else if (c->valuedouble == (double)(long long)c->valuedouble)
                snprintf(buf, sizeof buf, "%lld", (long long)c->valuedouble);
            else
                snprintf(buf, sizeof buf, "%.17g", c->valuedouble);
            cJSON *n = cJSON_CreateString(buf);
            if (c->string) {
                size_t kl = strlen(c->string) + 1;
                n->string = cJSON_malloc(kl);
                memcpy(n->string, c->string, kl);
            }
            cJSON_ReplaceItemViaPointer(o, c, n);
            c = n;
        } else {
            stringify(c);
        }
    }
}

static void error_response(emu_http_resp *resp, const char *request_id, const emu_err *e, int xml)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "RequestId", request_id);
    cJSON_AddStringToObject(o, "HostId", "eci.aliyuncs.com");
    cJSON_AddStringToObject(o, "Code", e->code);
    cJSON_AddStringToObject(o, "Message", e->msg);
    char rec[200];
    snprintf(rec, sizeof rec, "https://api.aliyun.com/troubleshoot?q=%s&product=Eci", e->code);
    cJSON_AddStringToObject(o, "Recommend", rec);
    render(resp, "Error", o, xml);
    resp->status = e->http;
    cJSON_Delete(o);
}


/* Query-string parameters into q, those and the form body's into p. */
static int parse_params(const emu_http_req *req, kv_list *q, kv_list *p, emu_err *e)
{
    char err[128];
    if (req->query && *req->query &&
        query_parse(req->query, strlen(req->query), QUERY_PLUS_IS_SPACE, q, err, sizeof err) != 0)
        return emu_fail(e, 400, "InvalidParameter", "The query string is malformed: %s", err);
    for (size_t i = 0; i < q->n; i++)
        kv_add(p, q->items[i].key, q->items[i].val);
    if (req->body && req->body_len && strcmp(req->method, "POST") == 0) {
        const char *ct = req->content_type ? req->content_type : "application/x-www-form-urlencoded";
        if (strncasecmp(ct, "application/x-www-form-urlencoded", 33) != 0)
            return emu_fail(e, 400, "InvalidParameter",
                            "The request body must be application/x-www-form-urlencoded.");
        if (query_parse(req->body, req->body_len, QUERY_PLUS_IS_SPACE, p, err, sizeof err) != 0)
            return emu_fail(e, 400, "InvalidParameter", "The form body is malformed: %s", err);
    }
    if (p->n > MAX_PARAMS)
        return emu_fail(e, 400, "InvalidParameter", "Too many parameters.");
    return 0;
}

void emu_server_handle(emu_server *s, const emu_http_req *req, emu_http_resp *resp)
{
    if (strncmp(req->path, "/_emulator", 10) == 0 && (req->path[10] == '/' || req->path[10] == 0)) {
        if (s->opt.admin_listen) {
            resp->status = 404;
            resp->content_type = "application/json";
            dynbuf_adds(&resp->body, "{\"error\":\"the admin routes are served on --admin-listen\"}");
        } else {
            emu_admin_handle(s, req, resp);
        }
        return;
    }
    if (emu_faults_unreachable(&s->faults)) {
        resp->drop = 1;
        emu_ledger_record(&s->ledger, "-", "Unreachable");
        return;
    }
    emu_req r;
    memset(&r, 0, sizeof r);
    r.s = s;
    r.method = req->method;
    r.now = emu_now();
    emu_rng_uuid(&s->rng, r.request_id, 1);
    kv_list p = KV_LIST_INIT, q = KV_LIST_INIT;
    emu_err e;
    memset(&e, 0, sizeof e);
    int xml = 0;
    cJSON *out = NULL;
    const char *action = NULL;
    int rc = 0;

    if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "POST") != 0) {
        rc = emu_fail_code(&e, "UnsupportedHTTPMethod");
        goto done;
    }
    if (parse_params(req, &q, &p, &e)) {
        rc = -1;
        goto done;
    }
    r.p = &p;
    int v3 = req->headers && kv_get_ci(req->headers, "authorization");
    action = v3 ? kv_get_ci(req->headers, "x-acs-action") : kv_get(&p, "Action");
    r.action = action ? action : "";
    const char *fmt = kv_get(&p, "Format");
    xml = fmt && strcasecmp(fmt, "XML") == 0;
    clock_sleep_ms(emu_faults_latency(&s->faults));
    char code[80];
    int f = emu_faults_check(&s->faults, r.action, code);
    if (f == 2) {
        resp->drop = 1;
        emu_ledger_record(&s->ledger, find_op(r.action) ? r.action : "(unknown)", "Dropped");
        kv_free(&p);
        kv_free(&q);
        return;
    }
    if (f == 1) {
        rc = emu_fail_code(&e, code);
        goto done;
    }
    if (action && strcmp(action, EMU_STS_ACTION) == 0) {
        /* STS on the same port: anonymous, so before the signature check. */
        out = cJSON_CreateObject();
        cJSON_AddStringToObject(out, "RequestId", r.request_id);
        rc = emu_op_assume_role_with_oidc(&r, out, &e);
        goto done;
    }
    if (v3 ? emu_auth_check_v3(&s->auth, req->method, &q, req->headers, req->body, req->body_len, (time_t)r.now, &e)
           : emu_auth_check(&s->auth, req->method, &p, (time_t)r.now, &e)) {
        rc = -1;
        goto done;
    }
    emu_op_fn fn = find_op(action);
    if (!fn) {
        rc = emu_fail_code(&e, "InvalidAction");
        goto done;
    }
    if (emu_faults_throttled(&s->faults, action)) {
        rc = emu_fail_code(&e, "Throttling");
        goto done;
    }
    if (emu_params_check(action, &p, &e)) {
        rc = -1;
        goto done;
    }
    out = cJSON_CreateObject();
    cJSON_AddStringToObject(out, "RequestId", r.request_id);
    rc = fn(&r, out, &e);

done:
    if (rc == 0) {
        char root[128];
        /* XML roots as in the samples: two operations lack the suffix */
        if (strcmp(action, "ListUsage") == 0 || strcmp(action, "UpdateContainerGroup") == 0)
            snprintf(root, sizeof root, "%s", action);
        else
            snprintf(root, sizeof root, "%sResponse", action);
        if (s->opt.string_scalars)
            stringify(out);
        resp->status = 200;
        render(resp, root, out, xml);
    } else {
        error_response(resp, r.request_id, &e, xml);
    }
    /* the ledger keys known actions only, so clients cannot grow it without bound */
    const char *lkey = !action                                                ? "-"
                       : find_op(action) || strcmp(action, EMU_STS_ACTION) == 0 ? action
                                                                                 : "(unknown)";
    emu_ledger_record(&s->ledger, lkey, rc == 0 ? "OK" : e.code);
    if (action && strcmp(action, "CreateContainerGroup") == 0) {
        const cJSON *id = out ? cJSON_GetObjectItem(out, "ContainerGroupId") : NULL;
        emu_ledger_record_create(&s->ledger, kv_get(&p, "ClientToken"),
                                 rc == 0 && cJSON_IsString(id) ? id->valuestring : "", rc == 0 ? "OK" : e.code,
                                 r.request_id);
    }
    if (s->opt.log_fn) {
        char line[300];
        snprintf(line, sizeof line, "%s %s %d %s", req->method, action ? action : "-", resp->status,
                 rc == 0 ? "OK" : e.code);
        s->opt.log_fn(rc == 0 ? 3 : 2, line);
    }
    cJSON_Delete(out);
    kv_free(&p);
    kv_free(&q);
}
