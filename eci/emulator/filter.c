/* Filters and paging shared by the describe operations (spec 6.6, extra 2.1,
 * 3.1, 9.3-9.6): AND of every filter, all tags must match (empty value
 * matches any value), unknown ids are simply absent, NextToken opaque. */
#include "eci/emulator/emu.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/xmalloc.h"

int emu_filter_parse(const kv_list *p, emu_filter *f, int allow_name_status, emu_err *e)
{
    memset(f, 0, sizeof *f);
    f->nids = -1;
    const char *ids = emu_get(p, "ContainerGroupIds");
    if (ids) {
        f->nids = emu_json_strv(ids, &f->ids);
        if (f->nids < 0) {
            f->nids = -1;
            return emu_invalid(e, "ContainerGroupIds", "expected a JSON array of container group ids");
        }
        if (f->nids > 20) {
            emu_filter_free(f);
            return emu_fail(e, 400, "InvalidParameter",
                            "The parameter \"ContainerGroupIds\" holds more than 20 ids.");
        }
    }
    if (allow_name_status) {
        f->name = emu_get(p, "ContainerGroupName");
        f->status = emu_get(p, "Status");
    }
    f->zone = emu_get(p, "ZoneId");
    f->vswitch = emu_get(p, "VSwitchId");
    f->resource_group = emu_get(p, "ResourceGroupId");
    f->security_group = emu_get(p, "SecurityGroupId");
    f->compute_category = emu_get(p, "ComputeCategory");
    long *idx = NULL;
    long n = emu_list_indices(p, "Tag.", &idx, e);
    if (n < 0) {
        emu_filter_free(f);
        return -1;
    }
    if (n > 20) {
        free(idx);
        emu_filter_free(f);
        return emu_fail(e, 400, "InvalidParameter.LengthExceeded", "At most 20 tags can be specified.");
    }
    char key[64];
    for (long i = 0; i < n; i++) {
        const char *k = emu_getf(p, key, sizeof key, "Tag.%ld.Key", idx[i]);
        if (!k) {
            free(idx);
            emu_filter_free(f);
            return emu_missing(e, key);
        }
        const char *v = emu_getf(p, key, sizeof key, "Tag.%ld.Value", idx[i]);
        kv_add(&f->tags, k, v ? v : "");
    }
    free(idx);
    return 0;
}

void emu_filter_free(emu_filter *f)
{
    if (f->nids > 0)
        emu_strv_free(f->ids, (size_t)f->nids);
    else
        free(f->ids);
    f->ids = NULL;
    f->nids = -1;
    kv_free(&f->tags);
}

static int status_match(const char *want, const char *status)
{
    /* one status, a comma list, or a JSON array */
    if (want[0] == '[') {
        char **v = NULL;
        long n = emu_json_strv(want, &v);
        int ok = 0;
        for (long i = 0; i < n; i++)
            if (strcmp(v[i], status) == 0)
                ok = 1;
        if (n > 0)
            emu_strv_free(v, (size_t)n);
        else
            free(v);
        return ok;
    }
    size_t sl = strlen(status);
    for (const char *p = want; *p;) {
        size_t n = strcspn(p, ",");
        if (n == sl && strncmp(p, status, n) == 0)
            return 1;
        p += n;
        if (*p == ',')
            p++;
    }
    return 0;
}

int emu_filter_match(const emu_filter *f, const emu_group *g, double now)
{
    const emu_spec *s = g->spec;
    if (f->nids >= 0) {
        int found = 0;
        for (long i = 0; i < f->nids && !found; i++)
            found = strcmp(f->ids[i], g->id) == 0;
        if (!found)
            return 0;
    }
    if (f->name && strcmp(f->name, s->name) != 0)
        return 0;
    if (f->status && !status_match(f->status, g->status))
        return 0;
    if (f->zone && strcmp(f->zone, s->zone) != 0)
        return 0;
    if (f->vswitch && strcmp(f->vswitch, s->vswitch) != 0)
        return 0;
    if (f->resource_group && (!s->resource_group || strcmp(f->resource_group, s->resource_group) != 0))
        return 0;
    if (f->security_group && strcmp(f->security_group, s->security_group) != 0)
        return 0;
    if (f->compute_category) {
        int found = 0;
        for (size_t i = 0; i < s->ncompute_category && !found; i++)
            found = strcmp(s->compute_category[i], f->compute_category) == 0;
        if (!found)
            return 0;
    }
    for (size_t i = 0; i < f->tags.n; i++) {
        const char *v = kv_get(&s->tags, f->tags.items[i].key);
        if (!v)
            return 0;
        if (f->tags.items[i].val[0] && strcmp(v, f->tags.items[i].val) != 0)
            return 0;
    }
    if (f->since > 0 && g->changed_at < now - f->since)
        return 0;
    return 1;
}

#define TOKEN_KEY 0x5DEECE66DULL

void emu_token_encode(uint64_t offset, char out[40])
{
    uint64_t check = (offset * 0x9E3779B97F4A7C15ULL) ^ TOKEN_KEY;
    snprintf(out, 40, "%08llx-%016llx", (unsigned long long)(offset ^ 0xA5A5A5A5ULL),
             (unsigned long long)check);
}

int emu_token_decode(const char *tok, uint64_t *offset)
{
    unsigned long long a, b;
    char tail;
    if (strlen(tok) != 25 || sscanf(tok, "%8llx-%16llx%c", &a, &b, &tail) != 2)
        return -1;
    uint64_t off = a ^ 0xA5A5A5A5ULL;
    if (((off * 0x9E3779B97F4A7C15ULL) ^ TOKEN_KEY) != b)
        return -1;
    *offset = off;
    return 0;
}
