/* Query strings and form bodies (a=1&b=x%20y). A pure parser over bytes:
 * it never touches a socket, so tests and fuzzers drive it directly. */
#ifndef UTIL_QUERY_H
#define UTIL_QUERY_H

#include <stddef.h>
#include "util/kv.h"

enum {
    QUERY_PLUS_IS_SPACE = 1, /* application/x-www-form-urlencoded: '+' means ' ' */
};

/* Parse s[0..len) into out (appending decoded pairs). A bare key ("tty")
 * gets the value "". Returns 0, or -1 with a message in err (for example
 * "bad percent-escape at offset 7") and out unchanged. */
int query_parse(const char *s, size_t len, unsigned flags, kv_list *out, char *err, size_t errlen);

/* Percent-decode src[0..len) into a fresh NUL-terminated string (caller frees).
 * Returns NULL on a malformed escape or an embedded NUL byte. */
char *query_unescape(const char *src, size_t len, unsigned flags);

#endif
