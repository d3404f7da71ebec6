/* HTTP/1.1 requests for the kubelet API: an incremental request parser over
 * bytes (http_parser underneath; no sockets) and response-writing helpers that
 * append to a dynbuf (status line, headers, chunked transfer for streams). */
#ifndef PROVIDER_KUBELET_HTTP_H
#define PROVIDER_KUBELET_HTTP_H

#include <stddef.h>

#include "util/dynbuf.h"
#include "util/kv.h"

typedef struct kubelet_http_parser kubelet_http_parser;
typedef struct kubelet_http_request kubelet_http_request;

enum { KUBELET_HTTP_MORE = 0, KUBELET_HTTP_DONE = 1, KUBELET_HTTP_ERROR = -1, KUBELET_HTTP_HEAD = 2 };

#define KUBELET_HTTP_DEFAULT_MAX_HEAD ((size_t)64 << 10)
#define KUBELET_HTTP_DEFAULT_MAX_BODY ((size_t)1 << 20)
#define KUBELET_HTTP_MAX_HEADERS 128

/* New parser. max_head caps the request line plus headers (0: 64 KiB), max_body
 * the body (0: 1 MiB). Caller frees with kubelet_http_parser_free. */
kubelet_http_parser *kubelet_http_parser_new(size_t max_head, size_t max_body);
void kubelet_http_parser_free(kubelet_http_parser *p);

/* Feed bytes. Returns KUBELET_HTTP_MORE when every byte was consumed and the request is
 * not complete yet, KUBELET_HTTP_DONE when a request is complete (*used tells how many
 * bytes of buf belong to it; the rest belong to the next request or, after an
 * upgrade, to the new protocol), or KUBELET_HTTP_ERROR with a message in err and the
 * HTTP status to answer in kubelet_http_parser_error_status (400, 413 or 431). */
int kubelet_http_parser_feed(kubelet_http_parser *p, const char *buf, size_t len, size_t *used, char *err, size_t errlen);
int kubelet_http_parser_error_status(const kubelet_http_parser *p);
/* Hold bodies (on: 1): once the head of a request that carries a body is
 * complete, kubelet_http_parser_feed stops there and returns
 * KUBELET_HTTP_HEAD (*used counts the head's bytes) without reading any of
 * the body, so that the caller can authenticate first; then
 * kubelet_http_parser_head gives the head and kubelet_http_parser_release
 * lets the next feed read the body. Requests without a body (and upgrades)
 * complete as usual. */
void kubelet_http_parser_hold_bodies(kubelet_http_parser *p, int on);
/* The held request's head (method, target, path, query, headers; no body)
 * as a new request the caller frees; NULL (err filled) when the target is
 * malformed or no head is held. */
kubelet_http_request *kubelet_http_parser_head(kubelet_http_parser *p, char *err, size_t errlen);
/* Let the held request's body be read by the next feed. */
void kubelet_http_parser_release(kubelet_http_parser *p);
/* Hand over the request completed by the last KUBELET_HTTP_DONE (caller frees with
 * kubelet_http_request_free) and make the parser ready for the next one. NULL if none. */
kubelet_http_request *kubelet_http_parser_take(kubelet_http_parser *p);

void kubelet_http_request_free(kubelet_http_request *r);
/* Accessors; strings are borrowed from r. */
const char *kubelet_http_request_method(const kubelet_http_request *r);     /* "GET", "POST", ... */
const char *kubelet_http_request_target(const kubelet_http_request *r);     /* raw request target */
const char *kubelet_http_request_path(const kubelet_http_request *r);       /* target up to '?', still percent-encoded */
const kv_list *kubelet_http_request_query(const kubelet_http_request *r);   /* decoded, '+' is space */
const kv_list *kubelet_http_request_headers(const kubelet_http_request *r); /* names as sent */
const char *kubelet_http_request_header(const kubelet_http_request *r, const char *name); /* first, case-insensitive */
const char *kubelet_http_request_body(const kubelet_http_request *r, size_t *len);
int kubelet_http_request_keep_alive(const kubelet_http_request *r);
/* 1 for HTTP/1.1 (or later): chunked responses are allowed. */
int kubelet_http_request_http11(const kubelet_http_request *r);
/* 1 when some header `name` holds `token` in its comma-separated list
 * (case-insensitive), e.g. Connection: keep-alive, Upgrade. */
int kubelet_http_request_has_token(const kubelet_http_request *r, const char *name, const char *token);
/* The Upgrade header value when the request asks to switch protocols
 * (Connection has the "upgrade" token), else NULL. Borrowed. */
const char *kubelet_http_request_upgrade(const kubelet_http_request *r);

/* Reason phrase for a status code ("OK", "Not Found", ...). Static. */
const char *kubelet_http_status_text(int status);
/* Append a status line and headers (CR/LF in names or values become spaces)
 * and the blank line. */
void kubelet_http_response_head(dynbuf *out, int status, const kv_list *headers);
/* Append a whole response with Content-Type (if ctype), Content-Length and
 * Connection: close unless keep_alive; extra headers (may be NULL) first. */
void kubelet_http_response_simple(dynbuf *out, int status, const char *ctype, const void *body, size_t n,
                        int keep_alive, const kv_list *extra);
/* Chunked transfer: one chunk (n > 0; n == 0 appends nothing), and the end. */
void kubelet_http_chunk(dynbuf *out, const void *p, size_t n);
void kubelet_http_chunk_end(dynbuf *out);

#endif
