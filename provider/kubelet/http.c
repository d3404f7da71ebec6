/* HTTP/1.1 request parsing and response helpers: see http.h. */
#include "provider/kubelet/http.h"
#include "util/httptok.h"
#include "util/query.h"
#include "util/xmalloc.h"

#include <ctype.h>
#include <http_parser.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

struct kubelet_http_request {
    char *method;
    char *target;
    char *path;
    kv_list query;
    kv_list headers;
    dynbuf body;
    int keep_alive;
    int upgrade;
    int http11; /* HTTP/1.1 or later */
};

struct kubelet_http_parser {
    http_parser hp;
    http_parser_settings st;
    size_t max_head, max_body;
    size_t head_bytes;
    dynbuf url, field, value;
    int in_value;
    kv_list headers;
    dynbuf body;
    int done;
    int status;      /* error status */
    char msg[160];   /* error set by a callback */
    kubelet_http_request *ready;
    int hold_bodies;  /* stop after the head of a request with a body */
    int head_held;    /* stopped there; kubelet_http_parser_release goes on */
    int failed;       /* sticky: the connection must be closed */
    char failmsg[160];
};

static int set_err(kubelet_http_parser *p, int status, const char *msg)
{
    if (!p->msg[0]) {
        p->status = status;
        snprintf(p->msg, sizeof p->msg, "%s", msg);
    }
    return -1;
}

static int count_head(kubelet_http_parser *p, size_t n)
{
    p->head_bytes += n;
    if (p->head_bytes > p->max_head)
        return set_err(p, 431, "request header fields too large");
    return 0;
}

static int on_begin(http_parser *hp)
{
    kubelet_http_parser *p = hp->data;
    p->head_bytes = 0;
    return 0;
}

static int on_url(http_parser *hp, const char *at, size_t n)
{
    kubelet_http_parser *p = hp->data;
    if (count_head(p, n) < 0 || dynbuf_add(&p->url, at, n) < 0)
        return set_err(p, 414, "request target too long");
    return 0;
}

static int push_header(kubelet_http_parser *p)
{
    if (p->headers.n >= KUBELET_HTTP_MAX_HEADERS)
        return set_err(p, 431, "too many header fields");
    kv_addn(&p->headers, p->field.buf ? p->field.buf : "", p->field.len, p->value.buf ? p->value.buf : "",
            p->value.len);
    dynbuf_reset(&p->field);
    dynbuf_reset(&p->value);
    return 0;
}

static int on_field(http_parser *hp, const char *at, size_t n)
{
    kubelet_http_parser *p = hp->data;
    if (count_head(p, n) < 0)
        return -1;
    if (p->in_value) {
        if (push_header(p) < 0)
            return -1;
        p->in_value = 0;
    }
    if (dynbuf_add(&p->field, at, n) < 0)
        return set_err(p, 431, "header name too long");
    return 0;
}

static int on_value(http_parser *hp, const char *at, size_t n)
{
    kubelet_http_parser *p = hp->data;
    if (count_head(p, n) < 0)
        return -1;
    p->in_value = 1;
    if (dynbuf_add(&p->value, at, n) < 0)
        return set_err(p, 431, "header value too long");
    return 0;
}

static int on_headers_complete(http_parser *hp)
{
    kubelet_http_parser *p = hp->data;
    if (p->in_value || p->field.len) {
        if (push_header(p) < 0)
            return -1;
        p->in_value = 0;
    }
    if ((hp->flags & F_CONTENTLENGTH) && hp->content_length > p->max_body)
        return set_err(p, 413, "request body too large");
    int has_body = (hp->flags & F_CHUNKED) || ((hp->flags & F_CONTENTLENGTH) && hp->content_length > 0);
    if (p->hold_bodies && has_body && !hp->upgrade) {
        /* Not one body byte before the caller says so (authentication). */
        p->head_held = 1;
        http_parser_pause(hp, 1);
    }
    return 0;
}

static int on_body(http_parser *hp, const char *at, size_t n)
{
    kubelet_http_parser *p = hp->data;
    if (dynbuf_add(&p->body, at, n) < 0)
        return set_err(p, 413, "request body too large");
    return 0;
}

static int on_complete(http_parser *hp)
{
    kubelet_http_parser *p = hp->data;
    p->done = 1;
    http_parser_pause(hp, 1);
    return 0;
}

static void reset_state(kubelet_http_parser *p)
{
    http_parser_init(&p->hp, HTTP_REQUEST);
    p->hp.data = p;
    p->head_bytes = 0;
    dynbuf_reset(&p->url);
    dynbuf_reset(&p->field);
    dynbuf_reset(&p->value);
    p->in_value = 0;
    kv_free(&p->headers);
    dynbuf_free(&p->body);
    dynbuf_init(&p->body, p->max_body);
    p->done = 0;
    p->head_held = 0;
    if (!p->failed)
        p->status = 0;
    p->msg[0] = '\0';
}

kubelet_http_parser *kubelet_http_parser_new(size_t max_head, size_t max_body)
{
    kubelet_http_parser *p = xcalloc(1, sizeof *p);
    p->max_head = max_head ? max_head : KUBELET_HTTP_DEFAULT_MAX_HEAD;
    p->max_body = max_body ? max_body : KUBELET_HTTP_DEFAULT_MAX_BODY;
    dynbuf_init(&p->url, p->max_head);
    dynbuf_init(&p->field, p->max_head);
    dynbuf_init(&p->value, p->max_head);
    kv_init(&p->headers);
    dynbuf_init(&p->body, p->max_body);
    http_parser_settings_init(&p->st);
    p->st.on_message_begin = on_begin;
    p->st.on_url = on_url;
    p->st.on_header_field = on_field;
    p->st.on_header_value = on_value;
    p->st.on_headers_complete = on_headers_complete;
    p->st.on_body = on_body;
    p->st.on_message_complete = on_complete;
    reset_state(p);
    return p;
}

void kubelet_http_parser_free(kubelet_http_parser *p)
{
    if (!p)
        return;
    dynbuf_free(&p->url);
    dynbuf_free(&p->field);
    dynbuf_free(&p->value);
    kv_free(&p->headers);
    dynbuf_free(&p->body);
    kubelet_http_request_free(p->ready);
    free(p);
}

int kubelet_http_parser_error_status(const kubelet_http_parser *p)
{
    return p->status ? p->status : 400;
}

/* A request from the parsed head: method, target, path, query; headers and
 * body are the caller's to fill. NULL with err and p->status on a bad target. */
static kubelet_http_request *build_head(kubelet_http_parser *p, char *err, size_t errlen)
{
    kubelet_http_request *r = xcalloc(1, sizeof *r);
    r->method = xstrdup(http_method_str((enum http_method)p->hp.method));
    r->target = xstrndup(dynbuf_str(&p->url), p->url.len);
    const char *t = r->target;
    const char *q = strchr(t, '?');
    size_t plen = q ? (size_t)(q - t) : strlen(t);
    const char *hash = memchr(t, '#', plen);
    if (hash)
        plen = (size_t)(hash - t);
    r->path = xstrndup(t, plen);
    kv_init(&r->query);
    if (q) {
        const char *qs = q + 1;
        size_t qlen = strcspn(qs, "#");
        char qerr[120];
        if (query_parse(qs, qlen, QUERY_PLUS_IS_SPACE, &r->query, qerr, sizeof qerr) < 0) {
            kubelet_http_request_free(r);
            snprintf(err, errlen, "bad query string: %s", qerr);
            p->status = 400;
            return NULL;
        }
    }
    if (r->path[0] != '/') {
        kubelet_http_request_free(r);
        snprintf(err, errlen, "request target must be an absolute path");
        p->status = 400;
        return NULL;
    }
    kv_init(&r->headers);
    dynbuf_init(&r->body, 0);
    r->keep_alive = http_should_keep_alive(&p->hp);
    r->http11 = p->hp.http_major > 1 || (p->hp.http_major == 1 && p->hp.http_minor >= 1);
    r->upgrade = p->hp.upgrade;
    return r;
}

static int finish(kubelet_http_parser *p, char *err, size_t errlen)
{
    kubelet_http_request *r = build_head(p, err, errlen);
    if (!r)
        return KUBELET_HTTP_ERROR;
    kv_free(&r->headers);
    dynbuf_free(&r->body);
    r->headers = p->headers;
    kv_init(&p->headers);
    r->body = p->body;
    dynbuf_init(&p->body, p->max_body);
    kubelet_http_request_free(p->ready);
    p->ready = r;
    return KUBELET_HTTP_DONE;
}

static int feed(kubelet_http_parser *p, const char *buf, size_t len, size_t *used, char *err, size_t errlen);

int kubelet_http_parser_feed(kubelet_http_parser *p, const char *buf, size_t len, size_t *used, char *err, size_t errlen)
{
    char dummy[8];
    if (!err || !errlen) {
        err = dummy;
        errlen = sizeof dummy;
    }
    if (p->failed) {
        *used = 0;
        snprintf(err, errlen, "%s", p->failmsg);
        return KUBELET_HTTP_ERROR;
    }
    int rc = feed(p, buf, len, used, err, errlen);
    if (rc == KUBELET_HTTP_ERROR) {
        p->failed = p->status ? p->status : 400;
        p->status = p->failed;
        snprintf(p->failmsg, sizeof p->failmsg, "%s", err);
    }
    return rc;
}

static int feed(kubelet_http_parser *p, const char *buf, size_t len, size_t *used, char *err, size_t errlen)
{
    *used = 0;
    if (p->done)
        reset_state(p);
    if (len == 0)
        return KUBELET_HTTP_MORE;
    if (p->head_held) {
        /* The caller must release the held head first. */
        snprintf(err, errlen, "request body held: release the head first");
        p->status = 500;
        return KUBELET_HTTP_ERROR;
    }
    size_t n = http_parser_execute(&p->hp, &p->st, buf, len);
    enum http_errno e = HTTP_PARSER_ERRNO(&p->hp);
    if (p->head_held && !p->done && e == HPE_PAUSED && !p->msg[0]) {
        *used = n;
        return KUBELET_HTTP_HEAD;
    }
    if (p->done) {
        if (e == HPE_PAUSED)
            http_parser_pause(&p->hp, 0);
        *used = n;
        return finish(p, err, errlen);
    }
    if (e != HPE_OK || p->msg[0]) {
        if (p->msg[0]) {
            snprintf(err, errlen, "%s", p->msg);
        } else {
            snprintf(err, errlen, "malformed HTTP request: %s", http_errno_description(e));
            p->status = 400;
        }
        return KUBELET_HTTP_ERROR;
    }
    if (p->hp.upgrade) {
        /* an upgrade request whose headers are complete */
        *used = n;
        p->done = 1;
        return finish(p, err, errlen);
    }
    *used = n;
    return KUBELET_HTTP_MORE;
}

void kubelet_http_parser_hold_bodies(kubelet_http_parser *p, int on) { p->hold_bodies = on; }

kubelet_http_request *kubelet_http_parser_head(kubelet_http_parser *p, char *err, size_t errlen)
{
    if (!p->head_held) {
        snprintf(err, errlen, "no request head is held");
        return NULL;
    }
    kubelet_http_request *r = build_head(p, err, errlen);
    if (!r)
        return NULL;
    for (size_t i = 0; i < p->headers.n; i++)
        kv_add(&r->headers, p->headers.items[i].key, p->headers.items[i].val);
    return r;
}

void kubelet_http_parser_release(kubelet_http_parser *p)
{
    if (!p->head_held)
        return;
    p->head_held = 0;
    http_parser_pause(&p->hp, 0);
}

kubelet_http_request *kubelet_http_parser_take(kubelet_http_parser *p)
{
    kubelet_http_request *r = p->ready;
    p->ready = NULL;
    if (p->done)
        reset_state(p);
    return r;
}

void kubelet_http_request_free(kubelet_http_request *r)
{
    if (!r)
        return;
    free(r->method);
    free(r->target);
    free(r->path);
    kv_free(&r->query);
    kv_free(&r->headers);
    dynbuf_free(&r->body);
    free(r);
}

const char *kubelet_http_request_method(const kubelet_http_request *r) { return r->method; }
const char *kubelet_http_request_target(const kubelet_http_request *r) { return r->target; }
const char *kubelet_http_request_path(const kubelet_http_request *r) { return r->path; }
const kv_list *kubelet_http_request_query(const kubelet_http_request *r) { return &r->query; }
const kv_list *kubelet_http_request_headers(const kubelet_http_request *r) { return &r->headers; }
const char *kubelet_http_request_header(const kubelet_http_request *r, const char *name) { return kv_get_ci(&r->headers, name); }
int kubelet_http_request_keep_alive(const kubelet_http_request *r) { return r->keep_alive; }
int kubelet_http_request_http11(const kubelet_http_request *r) { return r->http11; }

const char *kubelet_http_request_body(const kubelet_http_request *r, size_t *len)
{
    if (len)
        *len = r->body.len;
    return dynbuf_str(&r->body);
}

int kubelet_http_request_has_token(const kubelet_http_request *r, const char *name, const char *token)
{
    return httptok_header_has(&r->headers, name, token);
}

const char *kubelet_http_request_upgrade(const kubelet_http_request *r)
{
    if (!kubelet_http_request_has_token(r, "Connection", "upgrade"))
        return NULL;
    const char *u = kubelet_http_request_header(r, "Upgrade");
    return (u && *u) ? u : NULL;
}

/* ---- responses ---- */

const char *kubelet_http_status_text(int s)
{
    switch (s) {
    case 101: return "Switching Protocols";
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 413: return "Payload Too Large";
    case 414: return "URI Too Long";
    case 422: return "Unprocessable Entity";
    case 426: return "Upgrade Required";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return s < 200 ? "Informational" : s < 300 ? "OK" : s < 400 ? "Redirect" : s < 500 ? "Client Error" : "Server Error";
    }
}

static void add_clean(dynbuf *out, const char *s)
{
    for (; *s; s++)
        dynbuf_addc(out, (*s == '\r' || *s == '\n') ? ' ' : *s);
}

void kubelet_http_response_head(dynbuf *out, int status, const kv_list *headers)
{
    dynbuf_printf(out, "HTTP/1.1 %d %s\r\n", status, kubelet_http_status_text(status));
    for (size_t i = 0; headers && i < headers->n; i++) {
        add_clean(out, headers->items[i].key);
        dynbuf_adds(out, ": ");
        add_clean(out, headers->items[i].val);
        dynbuf_adds(out, "\r\n");
    }
    dynbuf_adds(out, "\r\n");
}

void kubelet_http_response_simple(dynbuf *out, int status, const char *ctype, const void *body, size_t n, int keep_alive,
                        const kv_list *extra)
{
    kv_list h = KV_LIST_INIT;
    for (size_t i = 0; extra && i < extra->n; i++)
        kv_add(&h, extra->items[i].key, extra->items[i].val);
    if (ctype)
        kv_add(&h, "Content-Type", ctype);
    kv_addf(&h, "Content-Length", "%zu", n);
    if (!keep_alive)
        kv_add(&h, "Connection", "close");
    kubelet_http_response_head(out, status, &h);
    if (n)
        dynbuf_add(out, body, n);
    kv_free(&h);
}

void kubelet_http_chunk(dynbuf *out, const void *p, size_t n)
{
    if (!n)
        return;
    dynbuf_printf(out, "%zx\r\n", n);
    dynbuf_add(out, p, n);
    dynbuf_adds(out, "\r\n");
}

void kubelet_http_chunk_end(dynbuf *out)
{
    dynbuf_adds(out, "0\r\n\r\n");
}
