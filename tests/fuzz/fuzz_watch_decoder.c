/* libFuzzer target: k8s/watch.c, the watch stream decoder, feeding what it
 * decodes into a k8s_store (k8s/informer.c) and decoding ERROR events as
 * metav1.Status (k8s/error.c), as the watch runner and the informer do. The
 * first byte picks the chunk size, so every split of the stream is exercised. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "k8s/error.h"
#include "k8s/informer.h"
#include "k8s/watch.h"

static int on_event(k8s_watch_type type, cJSON *obj, void *arg)
{
    k8s_store *s = arg;
    if (type == K8S_WATCH_ERROR) {
        char *txt = cJSON_PrintUnformatted(obj);
        k8s_error e;
        k8s_error_clear(&e);
        k8s_error_from_response(&e, 0, txt, txt ? strlen(txt) : 0);
        free(txt);
    }
    k8s_store_apply(s, type, obj, NULL); /* consumes obj */
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t chunk = (size_t)data[0] % 17 + 1;
    int relist = data[0] & 0x80;
    data++;
    size--;
    char err[160];
    k8s_store *s = k8s_store_new();
    k8s_watch_decoder *d = k8s_watch_decoder_new(4096, on_event, s);
    for (size_t off = 0; off < size; off += chunk) {
        size_t len = size - off < chunk ? size - off : chunk;
        if (k8s_watch_decoder_feed(d, (const char *)data + off, len, err, sizeof err) < 0)
            break;
    }
    if (relist) {
        /* the whole input as a List replacing the store */
        cJSON *list = cJSON_ParseWithLength((const char *)data, size);
        if (list)
            k8s_store_replace(s, list, NULL);
    }
    cJSON_Delete(k8s_store_list(s));
    k8s_watch_decoder_free(d);
    k8s_store_free(s);
    return 0;
}
