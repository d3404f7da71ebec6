/* Growable byte buffer with a hard cap (every buffer filled from the network
 * has one). The content is always NUL-terminated for convenience. */
#ifndef UTIL_DYNBUF_H
#define UTIL_DYNBUF_H

#include <stddef.h>
#include <stdarg.h>

typedef struct dynbuf {
    char *buf;
    size_t len;
    size_t alloc;
    size_t cap; /* maximum len; 0 means DYNBUF_DEFAULT_CAP */
} dynbuf;

#define DYNBUF_DEFAULT_CAP ((size_t)64 << 20)

/* Initialise an empty buffer that may hold at most cap bytes. */
void dynbuf_init(dynbuf *b, size_t cap);
/* Release the storage; the buffer is empty and reusable afterwards. */
void dynbuf_free(dynbuf *b);
void dynbuf_reset(dynbuf *b);
/* Append; return 0, or -1 (nothing appended) when the cap would be exceeded. */
int dynbuf_add(dynbuf *b, const void *p, size_t n);
int dynbuf_adds(dynbuf *b, const char *s);
int dynbuf_addc(dynbuf *b, char c);
int dynbuf_printf(dynbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int dynbuf_vprintf(dynbuf *b, const char *fmt, va_list ap);
/* Drop the first n bytes. */
void dynbuf_consume(dynbuf *b, size_t n);
/* Hand the content to the caller (who frees it) and empty the buffer.
 * Never returns NULL. */
char *dynbuf_take(dynbuf *b, size_t *len);
static inline const char *dynbuf_str(const dynbuf *b) { return b->buf ? b->buf : ""; }

#endif
