/* HTTP/1.1 requests for the kubelet API: an incremental request parser over
 * bytes (http_parser underneath; no sockets) and response-writing helpers that
 * append to a dynbuf (status line, headers, chunked transfer for streams). */
#ifndef PROVIDER_HTTP_REQ_H
#define PROVIDER_HTTP_REQ_H

#include <stddef.h>

#include "util/dynbuf.h"
#include "util/kv.h"

typedef struct kh_parser kh_parser;
typedef struct kh_request kh_request;

enum { KH_MORE = 0, KH_DONE = 1, KH_ERROR = -1 };

#define KH_DEFAULT_MAX_HEAD ((size_t)64 << 10)
#define KH_DEFAULT_MAX_BODY ((size_t)1 << 20)
#define KH_MAX_HEADERS 128

/* New parser. max_head caps the request line plus headers (0: 64 KiB), max_body
 * the body (0: 1 MiB). Caller frees with kh_parser_free. */
kh_parser *kh_parser_new(size_t max_head, size_t max_body);
void kh_parser_free(kh_parser *p);

/* Feed bytes. Returns KH_MORE when every byte was consumed and the request is
 * not complete yet, KH_DONE when a request is complete (*used tells how many
 * bytes of buf belong to it; the rest belong to the next request or, after an
 * upgrade, to the new protocol), or KH_ERROR with a message in err and the
 * HTTP status to answer in kh_parser_error_status (400, 413 or 431). */
int kh_parser_feed(kh_parser *p, const char *buf, size_t len, size_t *used, char *err, size_t errlen);
int kh_parser_error_status(const kh_parser *p);
/* Hand over the request completed by the last KH_DONE (caller frees with
 * kh_request_free) and make the parser ready for the next one. NULL if none. */
kh_request *kh_parser_take(kh_parser *p);

void kh_request_free(kh_request *r);
/* Accessors; strings are borrowed from r. */
const char *kh_request_method(const kh_request *r);     /* "GET", "POST", ... */
const char *kh_request_target(const kh_request *r);     /* raw request target */
const char *kh_request_path(const kh_request *r);       /* target up to '?', still percent-encoded */
const kv_list *kh_request_query(const kh_request *r);   /* decoded, '+' is space */
const kv_list *kh_request_headers(const kh_request *r); /* names as sent */
const char *kh_request_header(const kh_request *r, const char *name); /* first, case-insensitive */
const char *kh_request_body(const kh_request *r, size_t *len);
int kh_request_keep_alive(const kh_request *r);
/* 1 for HTTP/1.1 (or later): chunked responses are allowed. */
int kh_request_http11(const kh_request *r);
/* 1 when some header `name` holds `token` in its comma-separated list
 * (case-insensitive), e.g. Connection: keep-alive, Upgrade. */
int kh_request_has_token(const kh_request *r, const char *name, const char *token);
/* The Upgrade header value when the request asks to switch protocols
 * (Connection has the "upgrade" token), else NULL. Borrowed. */
const char *kh_request_upgrade(const kh_request *r);

/* Reason phrase for a status code ("OK", "Not Found", ...). Static. */
const char *kh_status_text(int status);
/* Append a status line and headers (CR/LF in names or values become spaces)
 * and the blank line. */
void kh_response_head(dynbuf *out, int status, const kv_list *headers);
/* Append a whole response with Content-Type (if ctype), Content-Length and
 * Connection: close unless keep_alive; extra headers (may be NULL) first. */
void kh_response_simple(dynbuf *out, int status, const char *ctype, const void *body, size_t n,
                        int keep_alive, const kv_list *extra);
/* Chunked transfer: one chunk (n > 0; n == 0 appends nothing), and the end. */
void kh_chunk(dynbuf *out, const void *p, size_t n);
void kh_chunk_end(dynbuf *out);

#endif
