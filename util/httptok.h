/* Comma-separated HTTP header values (RFC 9110 section 5.6.1, "#list"):
 * elements separated by commas with optional spaces and tabs around them;
 * empty elements are skipped. Used for Connection, Upgrade,
 * Sec-WebSocket-Protocol and X-Stream-Protocol-Version. */
#ifndef UTIL_HTTPTOK_H
#define UTIL_HTTPTOK_H

#include <stddef.h>

#include "util/kv.h"

/* The next non-empty element at or after *cur: 1 with *tok and *len set (not
 * NUL-terminated) and *cur moved past it, or 0 at the end of the value. */
int httptok_next(const char **cur, const char **tok, size_t *len);

/* 1 when the list holds token as a whole element; icase: ASCII
 * case-insensitive (tokens such as "upgrade"), else byte for byte
 * (subprotocol names). */
int httptok_has(const char *list, const char *token, int icase);

/* 1 when any header line called name (case-insensitive) holds token,
 * compared case-insensitively. */
int httptok_header_has(const kv_list *headers, const char *name, const char *token);

/* Negotiation in the client's order: over every header line called name, in
 * order, the elements of each list; the first that equals (byte for byte)
 * one of supported[0..n) wins. Returns that supported entry, or NULL.
 * *offered (may be NULL) is 1 when any non-empty element was sent. */
const char *httptok_header_pick(const kv_list *headers, const char *name, const char *const *supported, size_t n,
                                int *offered);

#endif
