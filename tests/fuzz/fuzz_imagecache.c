/* libFuzzer target: provider/podmap/imagecache.c on ImageCache JSON as the
 * apiserver might return it (any shape; users write these objects): the
 * spec check and request, the input again as a pull Secret, and the status
 * built for it. */
#include <stddef.h>
#include <stdint.h>

#include "provider/podmap/imagecache.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cJSON *obj = cJSON_ParseWithLength((const char *)data, size);
    if (!obj)
        return 0;
    podmap_imc_config cfg = {"fuzz", "sg-1", "vsw-1", NULL};
    podmap_imc_spec s;
    if (podmap_imc_parse(obj, &cfg, &s) == 0)
        for (size_t i = 0; i < s.n_secrets; i++)
            (void)podmap_imc_add_secret(&s, i, obj);
    podmap_imc_spec_free(&s);
    eci_image_cache c = {0};
    c.status = "Ready";
    c.image_cache_id = "imc-1";
    cJSON *st = podmap_imc_status(obj, &c, "2026-01-01T00:00:00Z");
    (void)podmap_imc_status_changed(cJSON_GetObjectItemCaseSensitive(obj, "status"), st);
    (void)podmap_imc_id(obj);
    (void)podmap_imc_phase(obj);
    cJSON_Delete(st);
    cJSON_Delete(obj);
    return 0;
}
