#include "eci/emulator/emu_rt_log.h"
#include "util/timefmt.h"
#include "util/xmalloc.h"

#include <stdio.h>
#include <string.h>

#define PARTIAL_MAX (16 * 1024)

typedef struct line {
    struct timespec ts;
    size_t len;
    char data[];
} line;

struct emu_rt_log {
    line **ring;     /* circular, power-of-two size */
    size_t size, head, count;
    size_t bytes, cap;
    char *partial;   /* pending bytes without a newline */
    size_t plen;
    struct timespec pts;
};

emu_rt_log *emu_rt_log_new(size_t cap)
{
    emu_rt_log *l = xcalloc(1, sizeof *l);
    l->cap = cap;
    l->size = 64;
    l->ring = xcalloc(l->size, sizeof(line *));
    l->partial = xmalloc(PARTIAL_MAX);
    return l;
}

void emu_rt_log_free(emu_rt_log *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->count; i++)
        free(l->ring[(l->head + i) & (l->size - 1)]);
    free(l->ring);
    free(l->partial);
    free(l);
}

static void drop_oldest(emu_rt_log *l)
{
    line *x = l->ring[l->head];
    l->bytes -= x->len;
    free(x);
    l->ring[l->head] = NULL;
    l->head = (l->head + 1) & (l->size - 1);
    l->count--;
}

static void push_line(emu_rt_log *l, const struct timespec *ts, const char *p, size_t n)
{
    if (n > l->cap)
        return;
    while (l->count && l->bytes + n > l->cap)
        drop_oldest(l);
    if (l->count == l->size) {
        line **nr = xcalloc(l->size * 2, sizeof(line *));
        for (size_t i = 0; i < l->count; i++)
            nr[i] = l->ring[(l->head + i) & (l->size - 1)];
        free(l->ring);
        l->ring = nr;
        l->head = 0;
        l->size *= 2;
    }
    line *x = xmalloc(sizeof *x + n);
    x->ts = *ts;
    x->len = n;
    memcpy(x->data, p, n);
    l->ring[(l->head + l->count) & (l->size - 1)] = x;
    l->count++;
    l->bytes += n;
}

void emu_rt_log_write(emu_rt_log *l, const void *data, size_t n, const struct timespec *now)
{
    const char *p = data;
    while (n) {
        if (l->plen == 0)
            l->pts = *now;
        const char *nl = memchr(p, '\n', n);
        size_t take = nl ? (size_t)(nl - p) + 1 : n;
        if (l->plen + take > PARTIAL_MAX)
            take = PARTIAL_MAX - l->plen;
        memcpy(l->partial + l->plen, p, take);
        l->plen += take;
        p += take;
        n -= take;
        if (l->partial[l->plen - 1] == '\n' || l->plen == PARTIAL_MAX) {
            push_line(l, &l->pts, l->partial, l->plen);
            l->plen = 0;
        }
    }
}

void emu_rt_log_flush(emu_rt_log *l)
{
    if (l->plen) {
        push_line(l, &l->pts, l->partial, l->plen);
        l->plen = 0;
    }
}

static int before(const struct timespec *a, const struct timespec *b)
{
    return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

/* Append one line; returns -1 when limit_bytes stops the output. */
static int emit(dynbuf *out, size_t start, long limit, int timestamps, const struct timespec *ts,
                const char *p, size_t n)
{
    char tb[TIMEFMT_LEN + 1];
    size_t tl = 0;
    if (timestamps) {
        timefmt_format(ts, 9, tb, sizeof tb);
        tl = strlen(tb);
        tb[tl++] = ' ';
    }
    size_t used = out->len - start;
    if (limit > 0) {
        size_t room = (size_t)limit > used ? (size_t)limit - used : 0;
        if (tl + n > room) {
            size_t a = tl < room ? tl : room;
            dynbuf_add(out, tb, a);
            room -= a;
            dynbuf_add(out, p, n < room ? n : room);
            return -1;
        }
    }
    if ((tl && dynbuf_add(out, tb, tl) < 0) || dynbuf_add(out, p, n) < 0)
        return -1;
    return 0;
}

void emu_rt_log_read(const emu_rt_log *l, const struct timespec *since, long tail, long limit_bytes,
                     int timestamps, dynbuf *out)
{
    size_t total = l->count + (l->plen ? 1 : 0);
    size_t first = 0;
    if (since && (since->tv_sec || since->tv_nsec)) {
        while (first < l->count && before(&l->ring[(l->head + first) & (l->size - 1)]->ts, since))
            first++;
        if (first == l->count && l->plen && before(&l->pts, since))
            first++;
    }
    if (tail >= 0 && total - first > (size_t)tail)
        first = total - (size_t)tail;
    size_t start = out->len;
    for (size_t i = first; i < total; i++) {
        int r;
        if (i < l->count) {
            const line *x = l->ring[(l->head + i) & (l->size - 1)];
            r = emit(out, start, limit_bytes, timestamps, &x->ts, x->data, x->len);
        } else {
            r = emit(out, start, limit_bytes, timestamps, &l->pts, l->partial, l->plen);
        }
        if (r < 0)
            break;
    }
}
