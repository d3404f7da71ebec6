/* Account- and region-level operations: DescribeRegions,
 * DescribeContainerGroupPrice, ListUsage, and the image caches
 * (spec 6.1, 6.8-6.10, 6.14, 6.15). */
#include "eci/emulator/emu.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/clock.h"
#include "util/xmalloc.h"

static void zones_of(const char *region, char zones[6][48], int *n)
{
    static const char *const hz[] = {"g", "h", "i", "j", "k"};
    static const char *const other[] = {"a", "b", "c"};
    int hangzhou = strcmp(region, "cn-hangzhou") == 0;
    *n = hangzhou ? 5 : 3;
    for (int i = 0; i < *n; i++)
        snprintf(zones[i], 48, "%s-%s", region, hangzhou ? hz[i] : other[i]);
}

int emu_op_regions(emu_req *r, cJSON *out, emu_err *e)
{
    if (emu_check_region(r, 0, e))
        return -1;
    const char *region = r->s->region;
    cJSON *arr = cJSON_AddArrayToObject(out, "Regions");
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "RegionId", region);
    char ep[96];
    if (strcmp(region, "cn-hangzhou") == 0)
        snprintf(ep, sizeof ep, "eci.aliyuncs.com");
    else
        snprintf(ep, sizeof ep, "eci.%s.aliyuncs.com", region);
    cJSON_AddStringToObject(o, "RegionEndpoint", ep);
    char zones[6][48];
    int n;
    zones_of(region, zones, &n);
    cJSON *z = cJSON_AddArrayToObject(o, "Zones");
    cJSON *rz = cJSON_AddArrayToObject(o, "RecommendZones");
    for (int i = 0; i < n; i++) {
        cJSON_AddItemToArray(z, cJSON_CreateString(zones[i]));
        if (i > 0)
            cJSON_AddItemToArray(rz, cJSON_CreateString(zones[i]));
    }
    cJSON_AddItemToArray(arr, o);
    return 0;
}

static cJSON *rule(void)
{
    cJSON *r = cJSON_CreateObject();
    cJSON_AddNumberToObject(r, "RuleId", 587);
    cJSON_AddStringToObject(r, "Description", "买满1年，立享官网价格8.5折优惠");
    return r;
}

static cJSON *detail(const char *res, double price)
{
    cJSON *d = cJSON_CreateObject();
    cJSON_AddStringToObject(d, "Resource", res);
    cJSON_AddNumberToObject(d, "OriginalPrice", price);
    cJSON_AddNumberToObject(d, "DiscountPrice", 0);
    cJSON_AddNumberToObject(d, "TradePrice", price);
    cJSON *rs = cJSON_AddObjectToObject(d, "Rules");
    cJSON *ra = cJSON_AddArrayToObject(rs, "Rule");
    cJSON_AddItemToArray(ra, rule());
    return d;
}

int emu_op_price(emu_req *r, cJSON *out, emu_err *e)
{
    if (emu_check_region(r, 1, e))
        return -1;
    double cpu = 0, mem = 0, limit = 0;
    int hc = emu_get_double(r->p, "Cpu", 0, 1024, &cpu, e);
    if (hc < 0)
        return -1;
    if (!hc)
        return emu_missing(e, "Cpu");
    int hm = emu_get_double(r->p, "Memory", 0, 4096, &mem, e);
    if (hm < 0)
        return -1;
    if (!hm)
        return emu_missing(e, "Memory");
    if (!emu_spec_cpu_mem_ok(cpu, mem))
        return emu_fail_code(e, "InvalidParam.CpuOrMemorySpec");
    const char *spot = emu_get(r->p, "SpotStrategy");
    if (spot && strcmp(spot, "NoSpot") && strcmp(spot, "SpotWithPriceLimit") && strcmp(spot, "SpotAsPriceGo"))
        return emu_invalid(e, "SpotStrategy", "must be NoSpot, SpotWithPriceLimit or SpotAsPriceGo");
    int hl = emu_get_double(r->p, "SpotPriceLimit", 0, 1e6, &limit, e);
    if (hl < 0)
        return -1;
    if (spot && strcmp(spot, "SpotWithPriceLimit") == 0 && !hl)
        return emu_missing(e, "SpotPriceLimit");
    long eph = 0;
    if (emu_get_long(r->p, "EphemeralStorage", 0, 2048, &eph, e) < 0)
        return -1;
    /* per second, CNY: the sample's 2 vCPU / 4 GiB = 0.00012252 */
    double pcpu = 0.000049 * cpu, pmem = 0.00000613 * mem, pdisk = 0.0000000104 * (double)eph;
    double total = pcpu + pmem + pdisk;
    cJSON *pi = cJSON_AddObjectToObject(out, "PriceInfo");
    cJSON *price = cJSON_AddObjectToObject(pi, "Price");
    cJSON_AddStringToObject(price, "Currency", "CNY");
    cJSON_AddNumberToObject(price, "OriginalPrice", total);
    cJSON_AddNumberToObject(price, "DiscountPrice", 0);
    cJSON_AddNumberToObject(price, "TradePrice", total);
    cJSON *dis = cJSON_AddObjectToObject(price, "DetailInfos");
    cJSON *da = cJSON_AddArrayToObject(dis, "DetailInfo");
    cJSON_AddItemToArray(da, detail("cpu", pcpu));
    cJSON_AddItemToArray(da, detail("memory", pmem));
    if (eph)
        cJSON_AddItemToArray(da, detail("ephemeralStorage", pdisk));
    cJSON *rs = cJSON_AddObjectToObject(pi, "Rules");
    cJSON *ra = cJSON_AddArrayToObject(rs, "Rule");
    cJSON_AddItemToArray(ra, rule());
    cJSON *sp = cJSON_AddObjectToObject(pi, "SpotPrices");
    cJSON *sa = cJSON_AddArrayToObject(sp, "SpotPrice");
    if (spot && strcmp(spot, "NoSpot") != 0) {
        char zones[6][48];
        int n;
        zones_of(r->s->region, zones, &n);
        const char *zone = emu_get(r->p, "ZoneId");
        cJSON *x = cJSON_CreateObject();
        const char *itype = emu_get(r->p, "InstanceType");
        cJSON_AddStringToObject(x, "InstanceType", itype ? itype : "ecs.c5.large");
        cJSON_AddStringToObject(x, "ZoneId", zone ? zone : zones[0]);
        cJSON_AddNumberToObject(x, "OriginPrice", total * 3600);
        cJSON_AddNumberToObject(x, "SpotPrice", total * 3600 * 0.1);
        cJSON_AddItemToArray(sa, x);
        if (hl && limit < total * 3600 * 0.1)
            return emu_fail(e, 403, "Spot.NotMatched",
                            "The spot price limit is below the current spot price. We recommend that you use the "
                            "create multi-zone function to avoid insufficient inventory. For more information, see "
                            "https://help.aliyun.com/document_detail/157290.html");
    }
    return 0;
}

int emu_op_list_usage(emu_req *r, cJSON *out, emu_err *e)
{
    if (emu_check_region(r, 0, e))
        return -1;
    double cpu = 0;
    long caches = 0;
    pthread_mutex_lock(&r->s->store.mu);
    for (emu_group *g = r->s->store.groups; g; g = g->next)
        if (strcmp(g->status, "Succeeded") && strcmp(g->status, "Failed") && strcmp(g->status, "ScheduleFailed"))
            cpu += g->spec->cpu;
    for (emu_image_cache *c = r->s->store.caches; c; c = c->next)
        caches++;
    double max_cpu = r->s->quota_cpu;
    pthread_mutex_unlock(&r->s->store.mu);
    cJSON *a = cJSON_AddObjectToObject(out, "Attributes");
    cJSON_AddNumberToObject(a, "UsedCpu", cpu);
    cJSON_AddNumberToObject(a, "MaxCpu", max_cpu);
    cJSON_AddNumberToObject(a, "MaxImageCacheCount", 50);
    cJSON_AddNumberToObject(a, "UsedImageCacheCount", (double)caches);
    return 0;
}

/* ---- image caches ----------------------------------------------------- */

/* Preparing for 1 s, Creating for 1 s, then Ready. */
static const char *cache_status(const emu_image_cache *c, const char **progress)
{
    int64_t age = clock_mono_ms() - c->created_ms;
    if (age < 1000) {
        *progress = "0%";
        return "Preparing";
    }
    if (age < 2000) {
        *progress = "50%";
        return "Creating";
    }
    *progress = "100%";
    return "Ready";
}

int emu_op_create_image_cache(emu_req *r, cJSON *out, emu_err *e)
{
    emu_server *s = r->s;
    if (emu_check_region(r, 1, e))
        return -1;
    const char *name = emu_get(r->p, "ImageCacheName");
    if (!name)
        return emu_missing(e, "ImageCacheName");
    if (strlen(name) < 2 || strlen(name) > 128)
        return emu_invalid(e, "ImageCacheName", "2-128 characters");
    if (!emu_get(r->p, "SecurityGroupId"))
        return emu_missing(e, "SecurityGroupId");
    if (!emu_get(r->p, "VSwitchId"))
        return emu_missing(e, "VSwitchId");
    const char **imgs = NULL;
    long ni = emu_repeat_list(r->p, "Image.", &imgs, e);
    if (ni < 0)
        return -1;
    if (ni == 0) {
        free(imgs);
        return emu_missing(e, "Image.1");
    }
    if (ni > 20) {
        free(imgs);
        return emu_fail(e, 400, "InvalidParameter.LengthExceeded", "At most 20 images can be cached.");
    }
    long size = 20, days = 0;
    if (emu_get_long(r->p, "ImageCacheSize", 20, 2000, &size, e) < 0 ||
        emu_get_long(r->p, "RetentionDays", 1, 36500, &days, e) < 0) {
        free(imgs);
        return -1;
    }
    kv_list tags = KV_LIST_INIT;
    long *idx = NULL;
    long nt = emu_list_indices(r->p, "Tag.", &idx, e);
    if (nt < 0 || nt > 20) {
        free(imgs);
        free(idx);
        return nt < 0 ? -1 : emu_fail(e, 400, "InvalidParameter.LengthExceeded", "At most 20 tags.");
    }
    char key[64];
    for (long i = 0; i < nt; i++) {
        const char *k = emu_getf(r->p, key, sizeof key, "Tag.%ld.Key", idx[i]);
        const char *v = emu_getf(r->p, key, sizeof key, "Tag.%ld.Value", idx[i]);
        if (k)
            kv_add(&tags, k, v ? v : "");
    }
    free(idx);
    char digest[65];
    emu_params_digest(r->p, digest);
    const char *tok = emu_get(r->p, "ClientToken");
    if (tok && strlen(tok) > 64) {
        free(imgs);
        kv_free(&tags);
        return emu_invalid(e, "ClientToken", "at most 64 ASCII characters");
    }
    pthread_mutex_lock(&s->store.mu);
    if (tok) {
        emu_token *t = emu_store_token_find(&s->store, r->action, tok);
        if (t) {
            int same = strcmp(t->digest, digest) == 0;
            emu_image_cache *c = s->store.caches;
            while (c && strcmp(c->id, t->group_id) != 0)
                c = c->next;
            pthread_mutex_unlock(&s->store.mu);
            free(imgs);
            kv_free(&tags);
            if (!same)
                return emu_fail_code(e, "IdempotentParameterMismatch");
            cJSON_AddStringToObject(out, "ImageCacheId", t->group_id);
            cJSON_AddStringToObject(out, "ContainerGroupId", c ? c->group_id : "");
            return 0;
        }
    }
    emu_image_cache *c = xcalloc(1, sizeof *c);
    emu_rng_id(&s->rng, "imc-", c->id, sizeof c->id);
    emu_rng_id(&s->rng, "s-", c->snapshot_id, sizeof c->snapshot_id);
    emu_rng_id(&s->rng, "eci-", c->group_id, sizeof c->group_id);
    snprintf(c->name, sizeof c->name, "%s", name);
    const char *rg = emu_get(r->p, "ResourceGroupId");
    snprintf(c->resource_group, sizeof c->resource_group, "%s", rg ? rg : "rg-emu0default00000");
    c->images = xcalloc((size_t)ni, sizeof *c->images);
    for (long i = 0; i < ni; i++)
        c->images[c->nimages++] = xstrdup(imgs[i]);
    c->tags = tags;
    c->size_gib = size;
    c->retention_days = days;
    snprintf(c->elimination, sizeof c->elimination, "%s", emu_get(r->p, "EliminationStrategy") ? "LRU" : "");
    c->created = (time_t)r->now;
    c->created_ms = clock_mono_ms();
    c->next = s->store.caches;
    s->store.caches = c;
    if (tok)
        emu_store_token_add(&s->store, r->action, tok, digest, c->id);
    cJSON_AddStringToObject(out, "ImageCacheId", c->id);
    cJSON_AddStringToObject(out, "ContainerGroupId", c->group_id);
    pthread_mutex_unlock(&s->store.mu);
    free(imgs);
    return 0;
}

int emu_op_describe_image_caches(emu_req *r, cJSON *out, emu_err *e)
{
    emu_server *s = r->s;
    if (emu_check_region(r, 1, e))
        return -1;
    const char *fid = emu_get(r->p, "ImageCacheId"), *fname = emu_get(r->p, "ImageCacheName");
    const char *fsnap = emu_get(r->p, "SnapshotId"), *fimg = emu_get(r->p, "Image");
    const char *frg = emu_get(r->p, "ResourceGroupId");
    emu_filter f;
    if (emu_filter_parse(r->p, &f, 0, e))
        return -1;
    long limit = 20;
    uint64_t offset = 0;
    if (emu_get_long(r->p, "Limit", 1, 20, &limit, e) < 0) {
        emu_filter_free(&f);
        return -1;
    }
    const char *next = emu_get(r->p, "NextToken");
    if (next && emu_token_decode(next, &offset)) {
        emu_filter_free(&f);
        return emu_invalid(e, "NextToken", "not a token of this emulator");
    }
    const char **match = NULL;
    long nmatch = emu_repeat_list(r->p, "MatchImage.", &match, e);
    if (nmatch < 0) {
        emu_filter_free(&f);
        return -1;
    }
    cJSON *arr = cJSON_AddArrayToObject(out, "ImageCaches");
    long n = 0, total = 0;
    pthread_mutex_lock(&s->store.mu);
    for (emu_image_cache *c = s->store.caches; c; c = c->next) {
        if ((fid && strcmp(fid, c->id)) || (fname && strcmp(fname, c->name)) ||
            (fsnap && strcmp(fsnap, c->snapshot_id)) || (frg && strcmp(frg, c->resource_group)))
            continue;
        if (fimg) {
            int found = 0;
            for (size_t i = 0; i < c->nimages; i++)
                found |= strcmp(c->images[i], fimg) == 0;
            if (!found)
                continue;
        }
        int tags_ok = 1;
        for (size_t i = 0; i < f.tags.n; i++) {
            const char *v = kv_get(&c->tags, f.tags.items[i].key);
            if (!v || (f.tags.items[i].val[0] && strcmp(v, f.tags.items[i].val)))
                tags_ok = 0;
        }
        if (!tags_ok)
            continue;
        if (nmatch > 0) {
            int found = 0;
            for (long m = 0; m < nmatch; m++)
                for (size_t i = 0; i < c->nimages; i++)
                    found |= strcmp(c->images[i], match[m]) == 0;
            if (!found)
                continue;
        }
        /* a page: skip the matches before the token, stop at Limit */
        if ((uint64_t)total++ < offset || n >= limit)
            continue;
        const char *progress;
        const char *status = cache_status(c, &progress);
        cJSON *o = cJSON_CreateObject();
        char ts[32];
        cJSON_AddStringToObject(o, "ImageCacheId", c->id);
        cJSON_AddStringToObject(o, "ImageCacheName", c->name);
        cJSON_AddNumberToObject(o, "ImageCacheSize", (double)c->size_gib);
        cJSON *im = cJSON_AddArrayToObject(o, "Images");
        for (size_t i = 0; i < c->nimages; i++)
            cJSON_AddItemToArray(im, cJSON_CreateString(c->images[i]));
        cJSON_AddStringToObject(o, "Status", status);
        cJSON_AddStringToObject(o, "Progress", progress);
        cJSON_AddStringToObject(o, "SnapshotId", strcmp(status, "Ready") == 0 ? c->snapshot_id : "");
        cJSON_AddStringToObject(o, "FlashSnapshotId", "");
        cJSON_AddStringToObject(o, "EliminationStrategy", c->elimination);
        emu_fmt_time(c->last_matched, ts, sizeof ts);
        cJSON_AddStringToObject(o, "LastMatchedTime", ts);
        cJSON_AddStringToObject(o, "ContainerGroupId", c->group_id);
        emu_fmt_time(c->created, ts, sizeof ts);
        cJSON_AddStringToObject(o, "CreationTime", ts);
        emu_fmt_time(c->retention_days ? c->created + c->retention_days * 86400 : 0, ts, sizeof ts);
        cJSON_AddStringToObject(o, "ExpireDateTime", ts);
        cJSON_AddStringToObject(o, "RegionId", s->region);
        cJSON_AddStringToObject(o, "ResourceGroupId", c->resource_group);
        cJSON *evs = cJSON_AddArrayToObject(o, "Events");
        cJSON *ev = cJSON_CreateObject();
        emu_fmt_time(c->created, ts, sizeof ts);
        cJSON_AddNumberToObject(ev, "Count", 1);
        cJSON_AddStringToObject(ev, "FirstTimestamp", ts);
        cJSON_AddStringToObject(ev, "LastTimestamp", ts);
        cJSON_AddStringToObject(ev, "Message", "Successfully check image cache resource.");
        cJSON_AddStringToObject(ev, "Reason", "Created");
        char en[200];
        snprintf(en, sizeof en, "%s.%s", c->name, c->id + 4);
        cJSON_AddStringToObject(ev, "Name", en);
        cJSON_AddStringToObject(ev, "Type", "Normal");
        cJSON_AddItemToArray(evs, ev);
        cJSON *tg = cJSON_AddArrayToObject(o, "Tags");
        for (size_t i = 0; i < c->tags.n; i++) {
            cJSON *t = cJSON_CreateObject();
            cJSON_AddStringToObject(t, "Key", c->tags.items[i].key);
            cJSON_AddStringToObject(t, "Value", c->tags.items[i].val);
            cJSON_AddItemToArray(tg, t);
        }
        cJSON_AddItemToArray(arr, o);
        n++;
    }
    pthread_mutex_unlock(&s->store.mu);
    emu_filter_free(&f);
    free(match);
    char tok[40] = "";
    if ((uint64_t)total > offset + (uint64_t)n)
        emu_token_encode(offset + (uint64_t)n, tok);
    cJSON_AddStringToObject(out, "NextToken", tok);
    cJSON_AddNumberToObject(out, "TotalCount", (double)total);
    return 0;
}

int emu_op_delete_image_cache(emu_req *r, cJSON *out, emu_err *e)
{
    (void)out;
    emu_server *s = r->s;
    if (emu_check_region(r, 1, e))
        return -1;
    const char *id = emu_get(r->p, "ImageCacheId");
    if (!id)
        return emu_missing(e, "ImageCacheId");
    pthread_mutex_lock(&s->store.mu);
    emu_image_cache **pp = &s->store.caches;
    while (*pp && strcmp((*pp)->id, id) != 0)
        pp = &(*pp)->next;
    if (!*pp) {
        pthread_mutex_unlock(&s->store.mu);
        return emu_fail(e, 404, "InvalidParameter.NotFound", "The specified ImageCacheId \"%.64s\" is not found.", id);
    }
    emu_image_cache *c = *pp;
    *pp = c->next;
    emu_image_cache_free(c);
    pthread_mutex_unlock(&s->store.mu);
    return 0;
}
