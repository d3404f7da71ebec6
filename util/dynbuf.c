#include "util/dynbuf.h"
#include "util/xmalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void dynbuf_init(dynbuf *b, size_t cap)
{
    b->buf = NULL;
    b->len = 0;
    b->alloc = 0;
    b->cap = cap ? cap : DYNBUF_DEFAULT_CAP;
}

void dynbuf_free(dynbuf *b)
{
    free(b->buf);
    b->buf = NULL;
    b->len = 0;
    b->alloc = 0;
}

void dynbuf_reset(dynbuf *b)
{
    b->len = 0;
    if (b->buf)
        b->buf[0] = '\0';
}

static int grow(dynbuf *b, size_t extra)
{
    size_t cap = b->cap ? b->cap : DYNBUF_DEFAULT_CAP;
    if (extra > cap || b->len > cap - extra)
        return -1;
    size_t need = b->len + extra + 1;
    if (need <= b->alloc)
        return 0;
    size_t n = b->alloc ? b->alloc : 64;
    while (n < need)
        n *= 2;
    if (n > cap + 1)
        n = cap + 1;
    b->buf = xrealloc(b->buf, n);
    b->alloc = n;
    return 0;
}

int dynbuf_add(dynbuf *b, const void *p, size_t n)
{
    if (grow(b, n) < 0)
        return -1;
    if (n)
        memcpy(b->buf + b->len, p, n);
    b->len += n;
    b->buf[b->len] = '\0';
    return 0;
}

int dynbuf_adds(dynbuf *b, const char *s)
{
    return dynbuf_add(b, s, strlen(s));
}

int dynbuf_addc(dynbuf *b, char c)
{
    return dynbuf_add(b, &c, 1);
}

int dynbuf_vprintf(dynbuf *b, const char *fmt, va_list ap)
{
    va_list cp;
    va_copy(cp, ap);
    int n = vsnprintf(NULL, 0, fmt, cp);
    va_end(cp);
    if (n < 0)
        return -1;
    if (grow(b, (size_t)n) < 0)
        return -1;
    vsnprintf(b->buf + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return 0;
}

int dynbuf_printf(dynbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = dynbuf_vprintf(b, fmt, ap);
    va_end(ap);
    return r;
}

void dynbuf_consume(dynbuf *b, size_t n)
{
    if (n >= b->len) {
        dynbuf_reset(b);
        return;
    }
    memmove(b->buf, b->buf + n, b->len - n);
    b->len -= n;
    b->buf[b->len] = '\0';
}

char *dynbuf_take(dynbuf *b, size_t *len)
{
    char *p = b->buf ? b->buf : xstrdup("");
    if (len)
        *len = b->len;
    b->buf = NULL;
    b->len = 0;
    b->alloc = 0;
    return p;
}
