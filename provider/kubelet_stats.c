/* /stats/summary and /metrics/resource for metrics-server and kubectl top,
 * /metrics/cadvisor for Prometheus's kubelet job,
 * from DescribeMultiContainerGroupMetric in batches of at most 20 groups
 * (the operation's limit), cached for a few seconds so that scrapes in a row
 * cost no extra ECI calls. Pods come from the informer, their groups from the
 * group map. The node's figures are the sums over its pods; its cumulative
 * CPU also keeps what pods that ended (or restarted) had used, so it never
 * goes back. */
#include "provider/kubelet_handlers.h"
#include "provider/bridge_int.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/timefmt.h"
#include "util/xmalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define COMP "kubelet"
#define STATS_TTL_MS 10000
#define STATS_ERR_TTL_MS 2000
#define STATS_BATCH 20
#define STATS_MAX_BODY (16u * 1024 * 1024)

struct prov_kstats {
    prov_bridge *b;
    pthread_mutex_t mu;
    int64_t start_unix;
    int64_t at_ms;      /* when the snapshot was taken (monotonic ms), 0: none */
    int error;          /* the snapshot's fetch failed (partly or wholly) */
    char errmsg[512];
    cJSON *summary;     /* stats/v1alpha1 Summary */
    cJSON *prev_cum;    /* uid -> pod usageCoreNanoSeconds of the previous snapshot */
    double retired_cum; /* nanoseconds used by pods no longer reported */
};


/* An RFC 3339 time → unix seconds; -1 when absent or unparsable. */
static int64_t parse_time(const char *s)
{
    struct timespec ts;
    return s && timefmt_parse(s, strlen(s), &ts) == 0 ? (int64_t)ts.tv_sec : -1;
}

static void add_u64(cJSON *o, const char *key, int64_t v)
{
    if (v >= 0)
        cJSON_AddNumberToObject(o, key, (double)v);
}

static cJSON *cpu_obj(const char *t, const eci_cpu_stats *c)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "time", t);
    add_u64(o, "usageNanoCores", c->usage_nano_cores);
    add_u64(o, "usageCoreNanoSeconds", c->usage_core_nano_seconds);
    return o;
}

static cJSON *mem_obj(const char *t, const eci_mem_stats *m)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "time", t);
    if (m->available_bytes > 0)
        add_u64(o, "availableBytes", m->available_bytes);
    add_u64(o, "usageBytes", m->usage_bytes);
    add_u64(o, "workingSetBytes", m->working_set);
    add_u64(o, "rssBytes", m->rss);
    return o;
}

static const cJSON *jget(const cJSON *o, const char *k)
{
    return cJSON_GetObjectItemCaseSensitive(o, k);
}

/* The running container's startedAt from the pod status, or NULL. */
static const char *container_started(const cJSON *pod, const char *name)
{
    const cJSON *cs;
    cJSON_ArrayForEach(cs, jget(jget(pod, "status"), "containerStatuses"))
    {
        const cJSON *n = jget(cs, "name");
        if (cJSON_IsString(n) && strcmp(n->valuestring, name) == 0) {
            const cJSON *s = jget(jget(jget(cs, "state"), "running"), "startedAt");
            return cJSON_IsString(s) ? s->valuestring : NULL;
        }
    }
    return NULL;
}

static int spec_has_container(const cJSON *pod, const char *name)
{
    const cJSON *c;
    cJSON_ArrayForEach(c, jget(jget(pod, "spec"), "containers"))
    {
        const cJSON *n = jget(c, "name");
        if (cJSON_IsString(n) && strcmp(n->valuestring, name) == 0)
            return 1;
    }
    return 0;
}

cJSON *prov_kstats_pod_stats(const cJSON *pod, const eci_metric_record *rec, int with_network)
{
    char tbuf[32];
    int64_t t = parse_time(rec->timestamp);
    if (t < 0)
        t = (int64_t)time(NULL);
    timefmt_format_s((time_t)(t), tbuf, sizeof tbuf);
    const cJSON *md = jget(pod, "metadata");
    cJSON *ps = cJSON_CreateObject();
    cJSON *ref = cJSON_AddObjectToObject(ps, "podRef");
    const char *keys[] = {"name", "namespace", "uid"};
    for (int i = 0; i < 3; i++) {
        const cJSON *v = jget(md, keys[i]);
        cJSON_AddStringToObject(ref, keys[i], cJSON_IsString(v) ? v->valuestring : "");
    }
    const cJSON *st = jget(jget(pod, "status"), "startTime");
    if (cJSON_IsString(st))
        cJSON_AddStringToObject(ps, "startTime", st->valuestring);
    cJSON *cs = cJSON_AddArrayToObject(ps, "containers");
    for (size_t i = 0; i < rec->n_containers; i++) {
        const eci_container_metric *cm = &rec->containers[i];
        if (!cm->name || !spec_has_container(pod, cm->name))
            continue;
        cJSON *c = cJSON_CreateObject();
        cJSON_AddStringToObject(c, "name", cm->name);
        const char *started = container_started(pod, cm->name);
        if (started)
            cJSON_AddStringToObject(c, "startTime", started);
        else if (cJSON_IsString(st))
            cJSON_AddStringToObject(c, "startTime", st->valuestring);
        cJSON_AddItemToObject(c, "cpu", cpu_obj(tbuf, &cm->cpu));
        cJSON_AddItemToObject(c, "memory", mem_obj(tbuf, &cm->memory));
        cJSON_AddItemToArray(cs, c);
    }
    cJSON_AddItemToObject(ps, "cpu", cpu_obj(tbuf, &rec->cpu));
    cJSON_AddItemToObject(ps, "memory", mem_obj(tbuf, &rec->memory));
    if (with_network && rec->n_interfaces > 0) {
        cJSON *net = cJSON_AddObjectToObject(ps, "network");
        cJSON_AddStringToObject(net, "time", tbuf);
        const eci_net_iface *f0 = &rec->interfaces[0];
        cJSON_AddStringToObject(net, "name", f0->name ? f0->name : "eth0");
        add_u64(net, "rxBytes", f0->rx_bytes);
        add_u64(net, "rxErrors", f0->rx_errors);
        add_u64(net, "txBytes", f0->tx_bytes);
        add_u64(net, "txErrors", f0->tx_errors);
        cJSON *ifs = cJSON_AddArrayToObject(net, "interfaces");
        for (size_t i = 0; i < rec->n_interfaces; i++) {
            const eci_net_iface *f = &rec->interfaces[i];
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "name", f->name ? f->name : "");
            add_u64(o, "rxBytes", f->rx_bytes);
            add_u64(o, "rxErrors", f->rx_errors);
            add_u64(o, "txBytes", f->tx_bytes);
            add_u64(o, "txErrors", f->tx_errors);
            cJSON_AddItemToArray(ifs, o);
        }
    }
    return ps;
}

/* ---- Prometheus text of a summary --------------------------------------------- */

static double num_at(const cJSON *o, const char *a, const char *b)
{
    const cJSON *v = jget(jget(o, a), b);
    return cJSON_IsNumber(v) ? v->valuedouble : -1;
}

/* Sample timestamp (ms) of o[a].time, or 0. */
static int64_t ts_ms(const cJSON *o, const char *a)
{
    const cJSON *t = jget(jget(o, a), "time");
    int64_t s = cJSON_IsString(t) ? parse_time(t->valuestring) : -1;
    return s > 0 ? s * 1000 : 0;
}

static void label_value(dynbuf *d, const char *s)
{
    for (; s && *s; s++) {
        if (*s == '\\')
            dynbuf_adds(d, "\\\\");
        else if (*s == '"')
            dynbuf_adds(d, "\\\"");
        else if (*s == '\n')
            dynbuf_adds(d, "\\n");
        else
            dynbuf_addc(d, *s);
    }
}

static void sample(dynbuf *d, const char *name, const char *container, const char *pod, const char *ns, double v,
                   int64_t ms)
{
    dynbuf_adds(d, name);
    if (pod) {
        dynbuf_addc(d, '{');
        if (container) {
            dynbuf_adds(d, "container=\"");
            label_value(d, container);
            dynbuf_adds(d, "\",");
        }
        dynbuf_adds(d, "namespace=\"");
        label_value(d, ns);
        dynbuf_adds(d, "\",pod=\"");
        label_value(d, pod);
        dynbuf_adds(d, "\"}");
    }
    dynbuf_printf(d, " %.15g", v);
    if (ms > 0)
        dynbuf_printf(d, " %lld", (long long)ms);
    dynbuf_addc(d, '\n');
}

enum { F_CCPU, F_CMEM, F_CSTART, F_PCPU, F_PMEM, F_N };

void prov_kstats_render_resource(const cJSON *summary, int scrape_error, dynbuf *d)
{
    static const char *const names[F_N] = {"container_cpu_usage_seconds_total", "container_memory_working_set_bytes",
                                           "container_start_time_seconds", "pod_cpu_usage_seconds_total",
                                           "pod_memory_working_set_bytes"};
    static const char *const help[F_N] = {
        "[STABLE] Cumulative cpu time consumed by the container in core-seconds",
        "[STABLE] Current working set of the container in bytes",
        "[STABLE] Start time of the container since unix epoch in seconds",
        "[STABLE] Cumulative cpu time consumed by the pod in core-seconds",
        "[STABLE] Current working set of the pod in bytes"};
    static const char *const type[F_N] = {"counter", "gauge", "gauge", "counter", "gauge"};
    const cJSON *pods = jget(summary, "pods");
    for (int f = 0; f < F_N; f++) {
        dynbuf_printf(d, "# HELP %s %s\n# TYPE %s %s\n", names[f], help[f], names[f], type[f]);
        const cJSON *p;
        cJSON_ArrayForEach(p, pods)
        {
            const cJSON *ref = jget(p, "podRef");
            const cJSON *pn = jget(ref, "name"), *pns = jget(ref, "namespace");
            if (!cJSON_IsString(pn) || !cJSON_IsString(pns))
                continue;
            if (f == F_PCPU || f == F_PMEM) {
                const char *a = f == F_PCPU ? "cpu" : "memory";
                double v = num_at(p, a, f == F_PCPU ? "usageCoreNanoSeconds" : "workingSetBytes");
                if (v >= 0)
                    sample(d, names[f], NULL, pn->valuestring, pns->valuestring, f == F_PCPU ? v / 1e9 : v,
                           ts_ms(p, a));
                continue;
            }
            const cJSON *c;
            cJSON_ArrayForEach(c, jget(p, "containers"))
            {
                const cJSON *cn = jget(c, "name");
                if (!cJSON_IsString(cn))
                    continue;
                if (f == F_CSTART) {
                    const cJSON *s = jget(c, "startTime");
                    int64_t t = cJSON_IsString(s) ? parse_time(s->valuestring) : -1;
                    if (t > 0)
                        sample(d, names[f], cn->valuestring, pn->valuestring, pns->valuestring, (double)t, 0);
                    continue;
                }
                const char *a = f == F_CCPU ? "cpu" : "memory";
                double v = num_at(c, a, f == F_CCPU ? "usageCoreNanoSeconds" : "workingSetBytes");
                /* metrics-server drops a whole pod when one container reports
                 * 0 cumulative CPU; a container that ran has used some, so 0
                 * only means less than the source's resolution: say 1 ns. */
                if (f == F_CCPU && v == 0)
                    v = 1;
                if (v >= 0)
                    sample(d, names[f], cn->valuestring, pn->valuestring, pns->valuestring,
                           f == F_CCPU ? v / 1e9 : v, ts_ms(c, a));
            }
        }
    }
    const cJSON *node = jget(summary, "node");
    double ncpu = num_at(node, "cpu", "usageCoreNanoSeconds"), nmem = num_at(node, "memory", "workingSetBytes");
    dynbuf_adds(d, "# HELP node_cpu_usage_seconds_total [STABLE] Cumulative cpu time consumed by the node in "
                   "core-seconds\n# TYPE node_cpu_usage_seconds_total counter\n");
    if (ncpu >= 0)
        sample(d, "node_cpu_usage_seconds_total", NULL, NULL, NULL, ncpu / 1e9, ts_ms(node, "cpu"));
    dynbuf_adds(d, "# HELP node_memory_working_set_bytes [STABLE] Current working set of the node in bytes\n"
                   "# TYPE node_memory_working_set_bytes gauge\n");
    if (nmem >= 0)
        sample(d, "node_memory_working_set_bytes", NULL, NULL, NULL, nmem, ts_ms(node, "memory"));
    dynbuf_printf(d,
                  "# HELP resource_scrape_error [STABLE] 1 if there was an error while getting container metrics, "
                  "0 otherwise\n# TYPE resource_scrape_error gauge\nresource_scrape_error %d\n"
                  "# HELP scrape_error [ALPHA] 1 if there was an error while getting container metrics, 0 "
                  "otherwise\n# TYPE scrape_error gauge\nscrape_error %d\n",
                  scrape_error ? 1 : 0, scrape_error ? 1 : 0);
}

/* The namespace and name of a PodStats' podRef; 0 when both are there. */
static int summary_pod_ref(const cJSON *ps, const char **ns, const char **name)
{
    const cJSON *ref = jget(ps, "podRef");
    const cJSON *pn = jget(ref, "name"), *pns = jget(ref, "namespace");
    if (!cJSON_IsString(pn) || !cJSON_IsString(pns))
        return -1;
    *ns = pns->valuestring;
    *name = pn->valuestring;
    return 0;
}

/* ---- /metrics/cadvisor ------------------------------------------------------------ */

/* The image of container name in pod's spec, or "". */
static const char *spec_image(const cJSON *pod, const char *name)
{
    const cJSON *c;
    cJSON_ArrayForEach(c, jget(jget(pod, "spec"), "containers"))
    {
        const cJSON *n = jget(c, "name"), *im = jget(c, "image");
        if (cJSON_IsString(n) && strcmp(n->valuestring, name) == 0 && cJSON_IsString(im))
            return im->valuestring;
    }
    return "";
}

/* One cAdvisor sample: the labels a kubelet's cAdvisor gives a container
 * (container, id, image, name, namespace, pod), plus interface for network. */
static void csample(dynbuf *d, const char *metric, const char *container, const char *image, const char *ns,
                    const char *pod, const char *iface, double v, int64_t ms)
{
    dynbuf_printf(d, "%s{container=\"", metric);
    label_value(d, container);
    dynbuf_adds(d, "\",id=\"/eci/");
    label_value(d, ns);
    dynbuf_addc(d, '/');
    label_value(d, pod);
    if (*container) {
        dynbuf_addc(d, '/');
        label_value(d, container);
    }
    dynbuf_adds(d, "\",image=\"");
    label_value(d, image);
    if (iface) {
        dynbuf_adds(d, "\",interface=\"");
        label_value(d, iface);
    }
    dynbuf_adds(d, "\",name=\"");
    label_value(d, container);
    dynbuf_adds(d, "\",namespace=\"");
    label_value(d, ns);
    dynbuf_adds(d, "\",pod=\"");
    label_value(d, pod);
    dynbuf_printf(d, "\"} %.15g", v);
    if (ms > 0)
        dynbuf_printf(d, " %lld", (long long)ms);
    dynbuf_addc(d, '\n');
}

enum { X_CPU, X_WSS, X_MEM, X_RSS, X_START, X_RX, X_TX, X_RXERR, X_TXERR, X_N };

void prov_kstats_render_cadvisor(const cJSON *summary, const cJSON *pods, dynbuf *d)
{
    static const struct { const char *name, *type, *help, *group, *field; } f[X_N] = {
        {"container_cpu_usage_seconds_total", "counter", "Cumulative cpu time consumed in seconds.", "cpu",
         "usageCoreNanoSeconds"},
        {"container_memory_working_set_bytes", "gauge", "Current working set in bytes.", "memory", "workingSetBytes"},
        {"container_memory_usage_bytes", "gauge", "Current memory usage in bytes, including all memory regardless "
         "of when it was accessed", "memory", "usageBytes"},
        {"container_memory_rss", "gauge", "Size of RSS in bytes.", "memory", "rssBytes"},
        {"container_start_time_seconds", "gauge", "Start time of the container since unix epoch in seconds.", NULL,
         NULL},
        {"container_network_receive_bytes_total", "counter", "Cumulative count of bytes received", "network",
         "rxBytes"},
        {"container_network_transmit_bytes_total", "counter", "Cumulative count of bytes transmitted", "network",
         "txBytes"},
        {"container_network_receive_errors_total", "counter", "Cumulative count of errors encountered while "
         "receiving", "network", "rxErrors"},
        {"container_network_transmit_errors_total", "counter", "Cumulative count of errors encountered while "
         "transmitting", "network", "txErrors"},
    };
    for (int i = 0; i < X_N; i++) {
        dynbuf_printf(d, "# HELP %s %s\n# TYPE %s %s\n", f[i].name, f[i].help, f[i].name, f[i].type);
        const cJSON *p;
        cJSON_ArrayForEach(p, jget(summary, "pods"))
        {
            const char *ns, *name;
            if (summary_pod_ref(p, &ns, &name) != 0)
                continue;
            if (i >= X_RX) {
                /* Network is the pod's (its sandbox in cAdvisor: no container). */
                const cJSON *ifc;
                cJSON_ArrayForEach(ifc, jget(jget(p, "network"), "interfaces"))
                {
                    const cJSON *in = jget(ifc, "name"), *v = jget(ifc, f[i].field);
                    if (cJSON_IsString(in) && cJSON_IsNumber(v))
                        csample(d, f[i].name, "", "", ns, name, in->valuestring, v->valuedouble,
                                ts_ms(p, "network"));
                }
                continue;
            }
            char key[600];
            snprintf(key, sizeof key, "%s/%s", ns, name);
            const cJSON *pod = jget(pods, key);
            const cJSON *c;
            cJSON_ArrayForEach(c, jget(p, "containers"))
            {
                const cJSON *cn = jget(c, "name");
                if (!cJSON_IsString(cn))
                    continue;
                const char *image = spec_image(pod, cn->valuestring);
                if (i == X_START) {
                    const cJSON *st = jget(c, "startTime");
                    int64_t t = cJSON_IsString(st) ? parse_time(st->valuestring) : -1;
                    if (t > 0)
                        csample(d, f[i].name, cn->valuestring, image, ns, name, NULL, (double)t, 0);
                    continue;
                }
                double v = num_at(c, f[i].group, f[i].field);
                if (v >= 0)
                    csample(d, f[i].name, cn->valuestring, image, ns, name, NULL, i == X_CPU ? v / 1e9 : v,
                            ts_ms(c, f[i].group));
            }
        }
    }
}

/* ---- the snapshot --------------------------------------------------------------- */

prov_kstats *prov_kstats_new(prov_bridge *b)
{
    prov_kstats *s = xcalloc(1, sizeof *s);
    s->b = b;
    pthread_mutex_init(&s->mu, NULL);
    s->start_unix = (int64_t)time(NULL);
    s->prev_cum = cJSON_CreateObject();
    return s;
}

void prov_kstats_free(prov_kstats *s)
{
    if (!s)
        return;
    cJSON_Delete(s->summary);
    cJSON_Delete(s->prev_cum);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

/* A pod to measure: its key and group, parsed again only when its metric is
 * in hand, so a refresh never holds every pod as a tree. */
typedef struct pod_ref {
    char *ns, *name;
    char gid[64];
} pod_ref;

typedef struct ref_list {
    prov_bridge *b;
    pod_ref *v;
    size_t n, cap;
} ref_list;

static int add_ref(const cJSON *pod, void *arg)
{
    ref_list *rl = arg;
    const char *uid = k8s_meta_str(pod, "uid");
    const cJSON *ph = jget(jget(pod, "status"), "phase");
    if (!uid || (cJSON_IsString(ph) && (strcmp(ph->valuestring, "Succeeded") == 0 ||
                                        strcmp(ph->valuestring, "Failed") == 0)))
        return 0;
    prov_gm_entry e;
    if (prov_gm_get(rl->b->gm, uid, &e) != 0 || e.deleting)
        return 0;
    if (rl->n == rl->cap) {
        rl->cap = rl->cap ? rl->cap * 2 : 64;
        rl->v = xrealloc(rl->v, rl->cap * sizeof *rl->v);
    }
    pod_ref *r = &rl->v[rl->n++];
    r->ns = xstrdup(k8s_meta_str(pod, "namespace"));
    r->name = xstrdup(k8s_meta_str(pod, "name"));
    snprintf(r->gid, sizeof r->gid, "%s", e.group_id);
    return 0;
}

static const eci_metric_record *last_record(const eci_monitor_data *m)
{
    return m->n_records ? &m->records[m->n_records - 1] : NULL;
}

/* Fetch metrics for every pod with a container group and build a new
 * summary. Called with s->mu held. */
static void refresh(prov_kstats *s)
{
    prov_bridge *b = s->b;
    ref_list rl = {.b = b};
    k8s_informer_each(b->pods, NULL, add_ref, &rl);
    pod_ref *refs = rl.v;
    size_t nref = rl.n;
    cJSON *summary = cJSON_CreateObject();
    cJSON *node = cJSON_AddObjectToObject(summary, "node");
    cJSON *pods = cJSON_AddArrayToObject(summary, "pods");
    cJSON *cum_now = cJSON_CreateObject();
    eci_cpu_stats ncpu = {0};
    eci_mem_stats nmem = {0};
    int failed = 0;
    s->errmsg[0] = 0;
    for (size_t off = 0; off < nref; off += STATS_BATCH) {
        size_t n = nref - off < STATS_BATCH ? nref - off : STATS_BATCH;
        eci_multi_metric_req req = {0};
        for (size_t i = 0; i < n; i++)
            eci_strv_add(&req.container_group_ids, refs[off + i].gid);
        eci_multi_metric_resp resp;
        eci_error err;
        int rc = eci_describe_multi_container_group_metric(b->ec, &req, &resp, &err);
        eci_strv_free(&req.container_group_ids);
        if (rc != 0) {
            failed = 1;
            eci_error_format(&err, s->errmsg, sizeof s->errmsg);
            log_warn(COMP, "DescribeMultiContainerGroupMetric for %zu groups: %s", n, s->errmsg);
            continue;
        }
        for (size_t i = 0; i < n; i++) {
            const pod_ref *r = &refs[off + i];
            const eci_metric_record *rec = NULL;
            for (size_t j = 0; j < resp.n_items && !rec; j++)
                if (resp.items[j].container_group_id && strcmp(resp.items[j].container_group_id, r->gid) == 0)
                    rec = last_record(&resp.items[j]);
            cJSON *pod = rec ? k8s_informer_get(b->pods, r->ns, r->name) : NULL;
            if (!pod)
                continue;
            cJSON_AddItemToArray(pods, prov_kstats_pod_stats(pod, rec, 1));
            ncpu.usage_nano_cores += rec->cpu.usage_nano_cores > 0 ? rec->cpu.usage_nano_cores : 0;
            ncpu.usage_core_nano_seconds +=
                rec->cpu.usage_core_nano_seconds > 0 ? rec->cpu.usage_core_nano_seconds : 0;
            nmem.usage_bytes += rec->memory.usage_bytes > 0 ? rec->memory.usage_bytes : 0;
            nmem.working_set += rec->memory.working_set > 0 ? rec->memory.working_set : 0;
            nmem.rss += rec->memory.rss > 0 ? rec->memory.rss : 0;
            const char *uid = k8s_meta_str(pod, "uid");
            if (uid && !jget(cum_now, uid))
                cJSON_AddNumberToObject(cum_now, uid, (double)rec->cpu.usage_core_nano_seconds);
            cJSON_Delete(pod);
        }
        eci_multi_metric_resp_free(&resp);
    }
    /* What pods that are gone, or whose counters restarted, had used stays in
     * the node's total. A pod missing because its batch failed is not gone. */
    const cJSON *pc;
    cJSON_ArrayForEach(pc, s->prev_cum)
    {
        const cJSON *now = jget(cum_now, pc->string);
        if (now ? now->valuedouble < pc->valuedouble : !failed)
            s->retired_cum += pc->valuedouble;
        else if (!now && failed)
            cJSON_AddNumberToObject(cum_now, pc->string, pc->valuedouble);
    }
    cJSON_Delete(s->prev_cum);
    s->prev_cum = cum_now;

    char tnow[32], tstart[32];
    timefmt_format_s((time_t)((int64_t)time(NULL)), tnow, sizeof tnow);
    timefmt_format_s((time_t)(s->start_unix), tstart, sizeof tstart);
    cJSON_AddStringToObject(node, "nodeName", b->cfg->node_name);
    cJSON_AddStringToObject(node, "startTime", tstart);
    ncpu.usage_core_nano_seconds += (int64_t)s->retired_cum;
    cJSON_AddItemToObject(node, "cpu", cpu_obj(tnow, &ncpu));
    cJSON_AddItemToObject(node, "memory", mem_obj(tnow, &nmem));
    cJSON_AddArrayToObject(node, "systemContainers");
    for (size_t i = 0; i < nref; i++) {
        free(refs[i].ns);
        free(refs[i].name);
    }
    free(refs);
    cJSON_Delete(s->summary);
    s->summary = summary;
    s->error = failed;
    s->at_ms = clock_mono_ms();
}

/* A copy of the current summary (refreshed when older than the TTL); *error
 * set when its fetch failed. Caller deletes. */
static cJSON *current(prov_kstats *s, int *error, char *msg, size_t msglen)
{
    pthread_mutex_lock(&s->mu);
    int64_t now = clock_mono_ms();
    int ttl = s->error ? STATS_ERR_TTL_MS : STATS_TTL_MS;
    if (!s->summary || now - s->at_ms >= ttl)
        refresh(s);
    cJSON *c = cJSON_Duplicate(s->summary, 1);
    *error = s->error;
    snprintf(msg, msglen, "%s", s->errmsg);
    pthread_mutex_unlock(&s->mu);
    return c;
}

static int query_true(const kubelet_request *req, const char *key)
{
    const char *v = kv_get(kubelet_req_query(req), key);
    return v && (strcmp(v, "true") == 0 || strcmp(v, "1") == 0);
}

void prov_kstats_summary(prov_kstats *s, const kubelet_request *req, kubelet_response *w)
{
    int error;
    char msg[512];
    cJSON *sum = current(s, &error, msg, sizeof msg);
    if (error && cJSON_GetArraySize(jget(sum, "pods")) == 0) {
        kubelet_resp_error(w, 500, "failed to get stats from ECI: %s", msg);
        cJSON_Delete(sum);
        return;
    }
    if (query_true(req, "only_cpu_and_memory")) {
        const cJSON *p;
        cJSON_ArrayForEach(p, jget(sum, "pods")) cJSON_DeleteItemFromObjectCaseSensitive((cJSON *)p, "network");
    }
    char *body = cJSON_PrintUnformatted(sum);
    kubelet_resp_send(w, 200, "application/json", body, strlen(body));
    free(body);
    cJSON_Delete(sum);
}

void prov_kstats_cadvisor(prov_kstats *s, const kubelet_request *req, kubelet_response *w)
{
    (void)req;
    int error;
    char msg[512];
    cJSON *sum = current(s, &error, msg, sizeof msg);
    /* The pods' specs give each container its image label. */
    cJSON *pods = cJSON_CreateObject();
    const cJSON *p;
    cJSON_ArrayForEach(p, jget(sum, "pods"))
    {
        const char *ns, *name;
        if (summary_pod_ref(p, &ns, &name) != 0)
            continue;
        cJSON *pod = k8s_informer_get(s->b->pods, ns, name);
        if (pod) {
            char key[600];
            snprintf(key, sizeof key, "%s/%s", ns, name);
            cJSON_AddItemToObject(pods, key, pod);
        }
    }
    dynbuf d;
    dynbuf_init(&d, STATS_MAX_BODY);
    prov_kstats_render_cadvisor(sum, pods, &d);
    kubelet_resp_send(w, 200, "text/plain; version=0.0.4", dynbuf_str(&d), d.len);
    dynbuf_free(&d);
    cJSON_Delete(pods);
    cJSON_Delete(sum);
}

void prov_kstats_resource(prov_kstats *s, const kubelet_request *req, kubelet_response *w)
{
    (void)req;
    int error;
    char msg[512];
    cJSON *sum = current(s, &error, msg, sizeof msg);
    dynbuf d;
    dynbuf_init(&d, STATS_MAX_BODY);
    prov_kstats_render_resource(sum, error, &d);
    kubelet_resp_send(w, 200, "text/plain; version=0.0.4", dynbuf_str(&d), d.len);
    dynbuf_free(&d);
    cJSON_Delete(sum);
}
