/* Per-container operations served by the runtime: DescribeContainerLog,
 * ExecContainerCommand, DescribeContainerGroupMetric and
 * DescribeMultiContainerGroupMetric (spec 6.7, 6.11-6.13; extra 4, 5). */
#include "eci/emulator/emu.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/timefmt.h"
#include "util/xmalloc.h"

#define LOG_CAP (1024 * 1024)

/* Look up group and container under the lock; copies the group status. */
static int find_container(emu_req *r, const char *container, char status[24], emu_err *e)
{
    const char *id = emu_get(r->p, "ContainerGroupId");
    if (!id)
        return emu_missing(e, "ContainerGroupId");
    pthread_mutex_lock(&r->s->store.mu);
    emu_group *g = emu_store_find(&r->s->store, id);
    if (!g) {
        pthread_mutex_unlock(&r->s->store.mu);
        return emu_fail(e, 404, "InvalidParameter.NotFound", "The specified ContainerGroupId \"%.64s\" is not found.", id);
    }
    snprintf(status, 24, "%s", g->status);
    int found = container == NULL;
    for (size_t i = 0; container && i < g->spec->ncontainers; i++)
        found |= strcmp(g->spec->containers[i].name, container) == 0;
    for (size_t i = 0; container && i < g->spec->ninits; i++)
        found |= strcmp(g->spec->inits[i].name, container) == 0;
    pthread_mutex_unlock(&r->s->store.mu);
    if (!found)
        return emu_fail(e, 404, "InvalidParameter.NotFound",
                        "The specified container \"%.64s\" is not found in container group %s.", container, id);
    return 0;
}

int emu_op_describe_log(emu_req *r, cJSON *out, emu_err *e)
{
    if (emu_check_region(r, 1, e))
        return -1;
    const char *name = emu_get(r->p, "ContainerName");
    if (!emu_get(r->p, "ContainerGroupId"))
        return emu_missing(e, "ContainerGroupId");
    if (!name)
        return emu_missing(e, "ContainerName");
    long tail = 500, since = 0, limit = 0;
    int previous = 0, stamps = 0;
    if (emu_get_long(r->p, "Tail", 1, 2000, &tail, e) < 0 ||
        emu_get_long(r->p, "SinceSeconds", 1, 86400L * 365, &since, e) < 0 ||
        emu_get_bool(r->p, "LastTime", &previous, e) < 0 || emu_get_bool(r->p, "Timestamps", &stamps, e) < 0)
        return -1;
    const char *lb = emu_get(r->p, "LimitBytes");
    if (lb) {
        char *end = NULL;
        long v = strtol(lb, &end, 10);
        if (!end || *end || v < 1 || v > LOG_CAP)
            return emu_invalid(e, "LimitBytes", "must be 1..1048576");
        limit = v;
    }
    struct timespec from = {0, 0};
    const char *st = emu_get(r->p, "StartTime");
    if (st && timefmt_parse(st, strlen(st), &from) != 0)
        return emu_invalid(e, "StartTime", "expected an RFC 3339 UTC time such as 2018-08-02T15:00:00Z");
    if (since > 0) {
        double t = emu_now() - (double)since;
        if (t > (double)from.tv_sec + from.tv_nsec / 1e9) {
            from.tv_sec = (time_t)t;
            from.tv_nsec = (long)((t - (double)from.tv_sec) * 1e9);
        }
    }
    char status[24];
    if (find_container(r, name, status, e))
        return -1;
    dynbuf b;
    dynbuf_init(&b, LOG_CAP);
    if (r->s->rt) {
        long lim = limit > 0 ? limit : LOG_CAP;
        emu_rt_logs(r->s->rt, emu_get(r->p, "ContainerGroupId"), name, previous,
                    (from.tv_sec || from.tv_nsec) ? &from : NULL, tail, lim, stamps, &b);
    }
    cJSON_AddStringToObject(out, "ContainerName", name);
    cJSON_AddStringToObject(out, "Content", dynbuf_str(&b));
    dynbuf_free(&b);
    return 0;
}

int emu_op_exec(emu_req *r, cJSON *out, emu_err *e)
{
    if (emu_check_region(r, 1, e))
        return -1;
    const char *id = emu_get(r->p, "ContainerGroupId");
    const char *name = emu_get(r->p, "ContainerName");
    const char *cmd = emu_get(r->p, "Command");
    if (!id)
        return emu_missing(e, "ContainerGroupId");
    if (!name)
        return emu_missing(e, "ContainerName");
    if (!cmd)
        return emu_missing(e, "Command");
    int tty = 0, in = 1, sync = 0;
    if (emu_get_bool(r->p, "TTY", &tty, e) < 0 || emu_get_bool(r->p, "Stdin", &in, e) < 0 ||
        emu_get_bool(r->p, "Sync", &sync, e) < 0)
        return -1;
    if (sync && tty)
        return emu_invalid(e, "TTY", "TTY must be false when Sync is true");
    char **argv = NULL;
    long argc;
    if (cmd[0] == '[') {
        argc = emu_json_strv(cmd, &argv);
        if (argc < 0)
            return emu_invalid(e, "Command", "expected a JSON array of strings");
    } else {
        argv = xcalloc(2, sizeof *argv);
        argv[0] = xstrdup(cmd);
        argc = 1;
    }
    int rc = 0;
    if (argc == 0)
        rc = emu_invalid(e, "Command", "the command is empty");
    else if (argc > 20)
        rc = emu_fail(e, 400, "InvalidParameter.ValueExceeded", "The command has more than 20 items.");
    for (long i = 0; rc == 0 && i < argc; i++)
        if (strlen(argv[i]) > 256)
            rc = emu_fail(e, 400, "InvalidParameter.ValueExceeded", "A command item is longer than 256 characters.");
    char status[24];
    if (rc == 0)
        rc = find_container(r, name, status, e);
    if (rc == 0 && strcmp(status, "Running") != 0 && strcmp(status, "Updating") != 0 &&
        strcmp(status, "Restarting") != 0)
        rc = emu_fail(e, 400, "IncorrectStatus", "The container group %s is %s; exec needs a Running container group.",
                      id, status);
    if (rc == 0 && !r->s->rt)
        rc = emu_fail(e, 500, "InternalError", "The emulator runs without a container runtime.");
    char err[256] = "";
    char *uri = NULL;
    if (rc == 0) {
        uri = emu_rt_exec_session(r->s->rt, id, name, (const char *const *)argv, (size_t)argc, tty, in, err,
                                  sizeof err);
        if (!uri && !sync)
            rc = emu_fail(e, 500, "InternalError", "The exec session could not be created: %s", err);
    }
    if (rc == 0 && sync) {
        dynbuf o, x;
        dynbuf_init(&o, LOG_CAP);
        dynbuf_init(&x, LOG_CAP);
        int code = 0;
        if (emu_rt_exec_sync(r->s->rt, id, name, (const char *const *)argv, (size_t)argc, 30, &o, &x, &code, err,
                             sizeof err) != 0) {
            rc = emu_fail(e, 500, "InternalError", "The command could not be run: %s", err);
        } else {
            dynbuf_add(&o, x.buf ? x.buf : "", x.len);
            cJSON_AddStringToObject(out, "SyncResponse", dynbuf_str(&o));
        }
        dynbuf_free(&o);
        dynbuf_free(&x);
    }
    if (rc == 0) {
        char tok[40];
        emu_rng_id(&r->s->rng, "", tok, sizeof tok);
        char url[160];
        snprintf(url, sizeof url, "https://eci.console.aliyun.com/terminal?param=%s", tok);
        cJSON_AddStringToObject(out, "WebSocketUri", uri ? uri : "");
        cJSON_AddStringToObject(out, "HttpUrl", url);
    }
    free(uri);
    emu_strv_free(argv, (size_t)argc);
    return rc;
}

/* ---- metrics ---------------------------------------------------------- */

static void add_cpu(cJSON *o, uint64_t nano_cores, uint64_t core_ns, double limit_cores)
{
    cJSON *c = cJSON_AddObjectToObject(o, "CPU");
    cJSON_AddNumberToObject(c, "UsageNanoCores", (double)nano_cores);
    cJSON_AddNumberToObject(c, "UsageCoreNanoSeconds", (double)core_ns);
    cJSON_AddNumberToObject(c, "Load", 0);
    cJSON_AddNumberToObject(c, "Limit", limit_cores * 1024.0);
}

static void add_mem(cJSON *o, const emu_rt_usage *u, double limit_gib)
{
    cJSON *m = cJSON_AddObjectToObject(o, "Memory");
    double lim = limit_gib * 1073741824.0;
    double used = (double)u->memory_usage_bytes;
    cJSON_AddNumberToObject(m, "AvailableBytes", lim > used ? lim - used : 0);
    cJSON_AddNumberToObject(m, "UsageBytes", used);
    cJSON_AddNumberToObject(m, "Cache", used > (double)u->memory_rss_bytes ? used - (double)u->memory_rss_bytes : 0);
    cJSON_AddNumberToObject(m, "WorkingSet", (double)u->memory_working_set_bytes);
    cJSON_AddNumberToObject(m, "Rss", (double)u->memory_rss_bytes);
}

static void add_zeros(cJSON *o, const char *const *names)
{
    for (; *names; names++)
        cJSON_AddNumberToObject(o, *names, 0);
}

/* The latest record of a group, or NULL when unknown. multi: the shape of
 * DescribeMultiContainerGroupMetric (Disk ReadIo/WriteIo, no Filesystem
 * Category in its model). */
static cJSON *metric_record(emu_server *s, const char *id, int multi)
{
    double gcpu = 0, gmem = 0, disk_gib = 0;
    size_t nc = 0;
    char (*names)[64] = NULL;
    double *ccpu = NULL, *cmem = NULL;
    pthread_mutex_lock(&s->store.mu);
    emu_group *g = emu_store_find(&s->store, id);
    if (g) {
        gcpu = g->spec->cpu;
        gmem = g->spec->memory;
        disk_gib = g->spec->ephemeral_storage > 0 ? (double)g->spec->ephemeral_storage : 30;
        nc = g->spec->ncontainers;
        names = xcalloc(nc + 1, sizeof *names);
        ccpu = xcalloc(nc + 1, sizeof *ccpu);
        cmem = xcalloc(nc + 1, sizeof *cmem);
        for (size_t i = 0; i < nc; i++) {
            snprintf(names[i], 64, "%s", g->spec->containers[i].name);
            ccpu[i] = g->spec->containers[i].cpu > 0 ? g->spec->containers[i].cpu : gcpu;
            cmem[i] = g->spec->containers[i].memory > 0 ? g->spec->containers[i].memory : gmem;
        }
    }
    pthread_mutex_unlock(&s->store.mu);
    if (!g)
        return NULL;
    emu_rt_usage *u = NULL;
    size_t nu = 0;
    if (s->rt)
        emu_rt_usage_get(s->rt, id, &u, &nu);
    cJSON *rec = cJSON_CreateObject();
    char ts[TIMEFMT_LEN];
    struct timespec now = {time(NULL), 0};
    timefmt_format(&now, 3, ts, sizeof ts);
    cJSON_AddStringToObject(rec, "Timestamp", ts);
    cJSON *cs = cJSON_AddArrayToObject(rec, "Containers");
    emu_rt_usage total;
    memset(&total, 0, sizeof total);
    for (size_t i = 0; i < nc; i++) {
        emu_rt_usage cu;
        memset(&cu, 0, sizeof cu);
        for (size_t j = 0; j < nu; j++)
            if (strcmp(u[j].container, names[i]) == 0)
                cu = u[j];
        total.cpu_usage_core_nano_seconds += cu.cpu_usage_core_nano_seconds;
        total.cpu_usage_nano_cores += cu.cpu_usage_nano_cores;
        total.memory_usage_bytes += cu.memory_usage_bytes;
        total.memory_rss_bytes += cu.memory_rss_bytes;
        total.memory_working_set_bytes += cu.memory_working_set_bytes;
        cJSON *c = cJSON_CreateObject();
        cJSON_AddStringToObject(c, "Name", names[i]);
        add_cpu(c, cu.cpu_usage_nano_cores, cu.cpu_usage_core_nano_seconds, ccpu[i]);
        add_mem(c, &cu, cmem[i]);
        cJSON_AddItemToArray(cs, c);
    }
    add_cpu(rec, total.cpu_usage_nano_cores, total.cpu_usage_core_nano_seconds, gcpu);
    add_mem(rec, &total, gmem);
    cJSON *net = cJSON_AddObjectToObject(rec, "Network");
    cJSON *ifs = cJSON_AddArrayToObject(net, "Interfaces");
    cJSON *eth = cJSON_CreateObject();
    cJSON_AddStringToObject(eth, "Name", "eth0");
    static const char *const net_counters[] = {"TxBytes", "RxBytes", "TxErrors", "RxErrors", "TxPackets",
                                               "RxPackets", "TxDrops", "RxDrops", NULL};
    add_zeros(eth, net_counters);
    cJSON_AddItemToArray(ifs, eth);
    /* Containers share the host's network and disks: only CPU and memory
     * are measured; the I/O counters are 0 and the file system is the
     * group's temporary storage (EphemeralStorage, default 30 GiB). */
    cJSON *disk = cJSON_AddArrayToObject(rec, "Disk");
    cJSON *vda = cJSON_CreateObject();
    cJSON_AddStringToObject(vda, "Device", "vda");
    static const char *const disk_counters[] = {"ReadBytes", "WriteBytes", "ReadIO", "WriteIO", NULL};
    /* the multi-group model spells the I/O counts ReadIo/WriteIo */
    add_zeros(vda, multi ? (const char *const[]){"ReadBytes", "WriteBytes", "ReadIo", "WriteIo", NULL}
                         : disk_counters);
    cJSON_AddItemToArray(disk, vda);
    cJSON *fsa = cJSON_AddArrayToObject(rec, "Filesystem");
    cJSON *fs = cJSON_CreateObject();
    cJSON_AddStringToObject(fs, "FsName", "/dev/vda1");
    if (!multi)
        cJSON_AddStringToObject(fs, "Category", "system");
    cJSON_AddNumberToObject(fs, "Capacity", disk_gib * 1073741824.0);
    cJSON_AddNumberToObject(fs, "Usage", 0);
    cJSON_AddNumberToObject(fs, "Available", disk_gib * 1073741824.0);
    cJSON_AddItemToArray(fsa, fs);
    free(u);
    free(names);
    free(ccpu);
    free(cmem);
    return rec;
}

int emu_op_metric(emu_req *r, cJSON *out, emu_err *e)
{
    if (emu_check_region(r, 1, e))
        return -1;
    const char *id = emu_get(r->p, "ContainerGroupId");
    if (!id)
        return emu_missing(e, "ContainerGroupId");
    const char *period = emu_get(r->p, "Period");
    long per = 60;
    if (period) {
        if (strcmp(period, "15") && strcmp(period, "30") && strcmp(period, "60") && strcmp(period, "600"))
            return emu_invalid(e, "Period", "must be 15, 30, 60 or 600");
        per = strtol(period, NULL, 10);
    }
    struct timespec st = {0, 0}, en = {0, 0};
    const char *s1 = emu_get(r->p, "StartTime"), *s2 = emu_get(r->p, "EndTime");
    if (s1 && timefmt_parse(s1, strlen(s1), &st) != 0)
        return emu_invalid(e, "StartTime", "expected an RFC 3339 time");
    if (s2 && timefmt_parse(s2, strlen(s2), &en) != 0)
        return emu_invalid(e, "EndTime", "expected an RFC 3339 time");
    time_t now = time(NULL);
    if (!s2)
        en.tv_sec = now;
    if (!s1)
        st.tv_sec = en.tv_sec - 300;
    if (!s1 && !s2)
        per = 15;
    if (st.tv_sec > en.tv_sec)
        return emu_invalid(e, "StartTime", "StartTime is after EndTime");
    if (st.tv_sec < now - 30L * 86400)
        return emu_invalid(e, "StartTime", "must lie within the last 30 days");
    if ((en.tv_sec - st.tv_sec) / per > 50)
        return emu_fail(e, 400, "InvalidParameter.ValueExceeded",
                        "The query would return more than 50 monitoring records.");
    cJSON *rec = metric_record(r->s, id, 0);
    if (!rec)
        return emu_fail(e, 404, "InvalidParameter.NotFound", "The specified ContainerGroupId \"%.64s\" is not found.", id);
    cJSON_AddStringToObject(out, "ContainerGroupId", id);
    cJSON *recs = cJSON_AddArrayToObject(out, "Records");
    cJSON_AddItemToArray(recs, rec);
    return 0;
}

int emu_op_multi_metric(emu_req *r, cJSON *out, emu_err *e)
{
    if (emu_check_region(r, 1, e))
        return -1;
    const char *ids = emu_get(r->p, "ContainerGroupIds");
    if (!ids)
        return emu_missing(e, "ContainerGroupIds");
    char **v = NULL;
    long n = emu_json_strv(ids, &v);
    if (n < 0)
        return emu_invalid(e, "ContainerGroupIds", "expected a JSON array of container group ids");
    if (n > 20) {
        emu_strv_free(v, (size_t)n);
        return emu_fail(e, 400, "InvalidParameter", "The parameter \"ContainerGroupIds\" holds more than 20 ids.");
    }
    cJSON *arr = cJSON_AddArrayToObject(out, "MonitorDatas");
    for (long i = 0; i < n; i++) {
        cJSON *rec = metric_record(r->s, v[i], 1);
        if (!rec)
            continue;
        cJSON *d = cJSON_CreateObject();
        cJSON_AddStringToObject(d, "ContainerGroupId", v[i]);
        cJSON *recs = cJSON_AddArrayToObject(d, "Records");
        cJSON_AddItemToArray(recs, rec);
        cJSON_AddItemToArray(arr, d);
    }
    emu_strv_free(v, (size_t)n);
    return 0;
}
