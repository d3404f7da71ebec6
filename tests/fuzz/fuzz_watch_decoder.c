/* libFuzzer target: k8s/watch.c, the watch stream decoder. The first byte
 * picks the chunk size, so every split of the stream is exercised. */
#include <stddef.h>
#include <stdint.h>

#include "k8s/watch.h"

static int on_event(k8s_watch_type type, cJSON *obj, void *arg)
{
    (void)type;
    (*(unsigned long *)arg)++;
    k8s_meta_str(obj, "resourceVersion");
    cJSON_Delete(obj);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t chunk = (size_t)data[0] % 17 + 1;
    data++;
    size--;
    unsigned long n = 0;
    char err[160];
    k8s_watch_decoder *d = k8s_watch_decoder_new(4096, on_event, &n);
    for (size_t off = 0; off < size; off += chunk) {
        size_t len = size - off < chunk ? size - off : chunk;
        if (k8s_watch_decoder_feed(d, (const char *)data + off, len, err, sizeof err) < 0)
            break;
    }
    k8s_watch_decoder_free(d);
    return 0;
}
