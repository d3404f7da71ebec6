/* What each pod costs: the hourly price DescribeContainerGroupPrice gives for
 * its group's specification, cached per specification and region (so the
 * operation is called once per distinct size, well inside its quota),
 * written on the pod as an annotation and exported as a gauge by
 * namespace/pod (rebuilt from the pods on every scrape, so deleted pods
 * leave no series behind). */
#include "provider/controllers.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eci/ops.h"
#include "util/log.h"
#include "util/prom.h"
#include "util/xmalloc.h"

#define COMP "price"
#define PRICE_CACHE_MAX 1024

typedef struct price_entry {
    char *key;
    double price;
    char currency[8];
} price_entry;

/* Prices do not depend on the bridge (only on spec and region): one cache for the process. */
static pthread_mutex_t cache_mu = PTHREAD_MUTEX_INITIALIZER;
static price_entry cache[PRICE_CACHE_MAX];
static size_t ncache;

static int cache_get(const char *key, double *price, char *cur, size_t curlen)
{
    int found = 0;
    pthread_mutex_lock(&cache_mu);
    for (size_t i = 0; i < ncache && !found; i++)
        if (!strcmp(cache[i].key, key)) {
            *price = cache[i].price;
            snprintf(cur, curlen, "%s", cache[i].currency);
            found = 1;
        }
    pthread_mutex_unlock(&cache_mu);
    return found;
}

static void cache_put(const char *key, double price, const char *cur)
{
    pthread_mutex_lock(&cache_mu);
    if (ncache == PRICE_CACHE_MAX) { /* list prices change rarely: start over */
        for (size_t i = 0; i < ncache; i++)
            free(cache[i].key);
        ncache = 0;
    }
    cache[ncache].key = xstrdup(key);
    cache[ncache].price = price;
    snprintf(cache[ncache].currency, sizeof cache[ncache].currency, "%s", cur ? cur : "");
    ncache++;
    pthread_mutex_unlock(&cache_mu);
}

/* The hourly price of g's specification: 0, or -1 when ECI did not answer. */
static int price_of(prov_ctl *c, const eci_container_group *g, double *price, char *cur, size_t curlen)
{
    int by_type = g->instance_type && !strncmp(g->instance_type, "ecs.", 4);
    int spot = g->spot_strategy && *g->spot_strategy && strcmp(g->spot_strategy, "NoSpot");
    char *key = xasprintf("%s|%s|%.3f|%.3f|%s|%lld", c->trcfg && c->trcfg->region ? c->trcfg->region : "",
                          by_type ? g->instance_type : "", by_type ? 0 : g->cpu, by_type ? 0 : g->memory,
                          spot ? g->spot_strategy : "", (long long)g->ephemeral_storage);
    if (cache_get(key, price, cur, curlen)) {
        free(key);
        return 0;
    }
    eci_price_req req;
    memset(&req, 0, sizeof req);
    if (by_type) {
        req.instance_type = g->instance_type;
    } else {
        req.cpu = ECI_FLOAT(g->cpu);
        req.memory = ECI_FLOAT(g->memory);
    }
    if (spot)
        req.spot_strategy = g->spot_strategy;
    if (g->ephemeral_storage > 0)
        req.ephemeral_storage = ECI_INT(g->ephemeral_storage);
    eci_price_resp resp;
    eci_error err;
    int rc = c->be->price(c->be->ud, &req, &resp, &err);
    if (rc == 0) {
        *price = resp.trade_price;
        snprintf(cur, curlen, "%s", resp.currency ? resp.currency : "");
        cache_put(key, *price, cur);
    } else {
        char m[512];
        log_warn(COMP, "DescribeContainerGroupPrice for %s: %s", key, eci_error_format(&err, m, sizeof m));
    }
    eci_price_resp_free(&resp);
    free(key);
    return rc == 0 ? 0 : -1;
}

void prov_price_annotate(prov_ctl *c, const cJSON *pod, const eci_container_group *g, cJSON **ann)
{
    const cJSON *have = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(pod, "metadata"), "annotations"),
        PROV_PRICE_ANNOTATION);
    if (cJSON_IsString(have) || !g || g->cpu <= 0 || !c->be || !c->be->price)
        return;
    double price = 0;
    char cur[8] = "";
    if (price_of(c, g, &price, cur, sizeof cur) != 0)
        return;
    if (!*ann)
        *ann = cJSON_CreateObject();
    char v[32];
    snprintf(v, sizeof v, "%.6f", price);
    cJSON_AddStringToObject(*ann, PROV_PRICE_ANNOTATION, v);
    if (*cur)
        cJSON_AddStringToObject(*ann, PROV_PRICE_CURRENCY_ANNOTATION, cur);
}

typedef struct price_collector {
    prov_ctl *c;
    prom_metric *gauge;
} price_collector;

char *prov_pod_summary(const cJSON *pod, void *arg)
{
    (void)arg;
    const cJSON *ph = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(pod, "status"), "phase");
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(pod, "metadata"), "annotations"),
        PROV_PRICE_ANNOTATION);
    const char *phase = cJSON_IsString(ph) ? ph->valuestring : "";
    return cJSON_IsString(v) ? xasprintf("%s\t%s", phase, v->valuestring) : xstrdup(phase);
}

const char *prov_pod_summary_phase(const char *summary, char *buf, size_t len)
{
    if (!summary)
        summary = "";
    const char *tab = strchr(summary, '\t');
    snprintf(buf, len, "%.*s", (int)(tab ? (size_t)(tab - summary) : strlen(summary)), summary);
    return buf;
}

const char *prov_pod_summary_of(k8s_store *pods, const char *key, const char *summary, char **owned)
{
    *owned = NULL;
    if (summary)
        return summary;
    cJSON *p = k8s_store_get(pods, key);
    if (p)
        *owned = prov_pod_summary(p, NULL);
    cJSON_Delete(p);
    return *owned;
}

typedef struct price_walk {
    price_collector *pc;
    k8s_store *pods;
} price_walk;

/* One pod's price from its summary ("ns/name" key). */
static int collect_summary(const char *key, const char *summary, void *arg)
{
    price_walk *w = arg;
    char *owned;
    summary = prov_pod_summary_of(w->pods, key, summary, &owned);
    const char *price = summary ? strchr(summary, '\t') : NULL, *slash = strchr(key, '/');
    if (!price || !slash) {
        free(owned);
        return 0;
    }
    char ns[254];
    snprintf(ns, sizeof ns, "%.*s", (int)(slash - key), key);
    const char *lv[] = {ns, slash + 1};
    prom_set(w->pc->gauge, lv, strtod(price + 1, NULL));
    free(owned);
    return 0;
}

static void collect(void *ud)
{
    price_collector *pc = ud;
    prom_clear(pc->gauge);
    price_walk w = {pc, pc->c->pods};
    if (w.pods)
        k8s_store_each_summary(w.pods, collect_summary, &w);
}

void prov_price_metrics(prov_ctl *c, prom_registry *r)
{
    price_collector *pc = xcalloc(1, sizeof *pc);
    pc->c = c;
    const char *lbl[] = {"namespace", "pod", NULL};
    pc->gauge = prom_gauge(r, "eci_kubelet_pod_hourly_price",
                           "Hourly price of each pod's ECI instance (DescribeContainerGroupPrice trade price, in "
                           "the account's currency).",
                           lbl);
    prom_add_collector_owned(r, collect, pc, free);
}
