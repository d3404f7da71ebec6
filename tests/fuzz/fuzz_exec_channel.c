/* libFuzzer target: eci/exec_channel.c (channel messages, status and resize JSON). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "eci/exec_channel.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[256];
    eci_chan_msg m;
    if (eci_chan_decode(data, size, &m, err, sizeof err) == 0 && m.kind == ECI_CHAN_MSG_DATA) {
        dynbuf b;
        dynbuf_init(&b, 1 << 20);
        eci_chan_encode(&b, m.channel, m.data, m.len);
        dynbuf_free(&b);
    }
    int code;
    eci_chan_status_parse(data, size, &code, err, sizeof err);
    size_t off = 0;
    for (int i = 0; i < 16 && off < size; i++) {
        unsigned w, h;
        size_t used;
        if (eci_chan_resize_parse(data + off, size - off, &w, &h, &used, err, sizeof err) < 0 || used == 0)
            break;
        off += used;
    }
    char proto[64];
    size_t n = size < sizeof proto - 1 ? size : sizeof proto - 1;
    for (size_t i = 0; i < n; i++)
        proto[i] = data[i] ? (char)data[i] : ' ';
    proto[n] = '\0';
    eci_chan_pick_protocol(proto);
    return 0;
}
