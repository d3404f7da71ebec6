/* libFuzzer target: eci/emulator/emu_rt_log.c, the container log ring. The
 * input is process output cut into writes; the first bytes choose the cap and
 * the read options. Checks that reads stay within limit_bytes and tail. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "eci/emulator/emu_rt_log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 6)
        return 0;
    size_t cap = 1 + (size_t)data[0] * 64;
    long tail = data[1] == 255 ? -1 : (long)data[1];
    long limit = data[2] == 0 ? 0 : (long)data[2] * 3;
    int stamps = data[3] & 1;
    unsigned chunk = 1 + data[4];
    long since_sec = data[5] & 7;
    data += 6;
    size -= 6;
    emu_rt_log *l = emu_rt_log_new(cap);
    struct timespec t = { 1, 0 };
    for (size_t off = 0; off < size; off += chunk) {
        size_t n = size - off < chunk ? size - off : chunk;
        emu_rt_log_write(l, data + off, n, &t);
        t.tv_sec++;
    }
    if (stamps)
        emu_rt_log_flush(l);
    dynbuf b;
    dynbuf_init(&b, 1 << 22);
    struct timespec since = { since_sec, 0 };
    emu_rt_log_read(l, since_sec ? &since : NULL, tail, limit, stamps, &b);
    if (limit > 0 && b.len > (size_t)limit)
        abort();
    if (tail >= 0 && !stamps) {
        size_t lines = 0;
        for (size_t i = 0; i + 1 < b.len; i++)
            lines += b.buf[i] == '\n';
        if (lines > (size_t)tail)
            abort();
    }
    dynbuf_free(&b);
    emu_rt_log_free(l);
    return 0;
}
