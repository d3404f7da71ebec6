/* The Node object, its status and Lease as pure functions (see node.h). */
#include "provider/podmap/node.h"
#include "k8s/lease.h"
#include "util/dynbuf.h"
#include "util/timefmt.h"
#include "util/xmalloc.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef ECI_KUBELET_VERSION
#define ECI_KUBELET_VERSION "0.0.0"
#endif

/* ------------------------------------------------------------------ time */

char *podmap_node_kubelet_version(const char *version)
{
    const char *v = version && *version ? version : ECI_KUBELET_VERSION;
    char *out = xasprintf("%s-eci-kubelet-%s", PODMAP_NODE_KUBE_VERSION, v);
    /* semver pre-release identifiers: [0-9A-Za-z-], dot separated */
    size_t pre = strlen(PODMAP_NODE_KUBE_VERSION) + 1;
    for (char *p = out + pre; *p; p++) {
        bool ok = (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                  *p == '-' || *p == '.';
        if (!ok)
            *p = '-';
    }
    return out;
}

/* ---------------------------------------------------------------- labels */

cJSON *podmap_node_labels(const podmap_node_config *cfg)
{
    cJSON *l = cJSON_CreateObject();
    cJSON_AddStringToObject(l, "type", "virtual-kubelet");
    cJSON_AddStringToObject(l, "kubernetes.io/os", "linux");
    cJSON_AddStringToObject(l, "kubernetes.io/arch", "amd64");
    cJSON_AddStringToObject(l, "beta.kubernetes.io/os", "linux");
    cJSON_AddStringToObject(l, "beta.kubernetes.io/arch", "amd64");
    cJSON_AddStringToObject(l, "kubernetes.io/hostname", cfg->node_name);
    cJSON_AddStringToObject(l, "node.kubernetes.io/instance-type", "eci");
    cJSON_AddStringToObject(l, "node.kubernetes.io/exclude-from-external-load-balancers", "true");
    if (cfg->region && *cfg->region)
        cJSON_AddStringToObject(l, "topology.kubernetes.io/region", cfg->region);
    if (cfg->zone && *cfg->zone)
        cJSON_AddStringToObject(l, "topology.kubernetes.io/zone", cfg->zone);
    cJSON_AddStringToObject(l, "alibabacloud.com/virtual-node", "true");
    for (size_t i = 0; i < cfg->node_labels.n; i++) {
        const kv_pair *p = &cfg->node_labels.items[i];
        cJSON_DeleteItemFromObjectCaseSensitive(l, p->key);
        cJSON_AddStringToObject(l, p->key, p->val);
    }
    return l;
}

static cJSON *taint_json(const podmap_node_taint *t)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "key", t->key);
    if (t->value && *t->value)
        cJSON_AddStringToObject(o, "value", t->value);
    cJSON_AddStringToObject(o, "effect", t->effect);
    return o;
}

/* ---------------------------------------------------------------- status */

typedef struct cond_def {
    const char *type;
    const char *ok_reason, *ok_msg;   /* the healthy state */
    const char *bad_reason, *bad_msg; /* the unhealthy state */
    bool healthy_is_true;             /* Ready: True is healthy; the others: False */
} cond_def;

static const cond_def conds[] = {
    {"Ready", "KubeletReady", "kubelet is ready.", "KubeletNotReady", "eci-kubelet is not ready", true},
    {"MemoryPressure", "KubeletHasSufficientMemory", "kubelet has sufficient memory available",
     "KubeletHasInsufficientMemory", "kubelet has insufficient memory available (ECI memory quota exhausted)",
     false},
    {"DiskPressure", "KubeletHasNoDiskPressure", "kubelet has no disk pressure", "KubeletHasDiskPressure",
     "kubelet has disk pressure", false},
    {"PIDPressure", "KubeletHasSufficientPID", "kubelet has sufficient PID available",
     "KubeletHasInsufficientPID", "kubelet has insufficient PID available (ECI instance quota exhausted)",
     false},
    {"NetworkUnavailable", "RouteCreated", "RouteController created a route", "NoRouteCreated",
     "no usable vSwitch for container groups", false},
};
#define NCOND (sizeof conds / sizeof conds[0])

/* The status object inside a Node, or the object itself when it already
 * looks like a status. */
static const cJSON *status_of(const cJSON *node)
{
    if (!node || !cJSON_IsObject(node))
        return NULL;
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(node, "status");
    if (cJSON_IsObject(st))
        return st;
    if (cJSON_GetObjectItemCaseSensitive(node, "conditions") || cJSON_GetObjectItemCaseSensitive(node, "capacity"))
        return node;
    return NULL;
}

static const cJSON *find_cond(const cJSON *status, const char *type)
{
    const cJSON *cs = status ? cJSON_GetObjectItemCaseSensitive(status, "conditions") : NULL;
    const cJSON *c;
    cJSON_ArrayForEach(c, cs)
    {
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(c, "type");
        if (cJSON_IsString(t) && strcmp(t->valuestring, type) == 0)
            return c;
    }
    return NULL;
}

static const char *str_item(const cJSON *o, const char *key)
{
    const cJSON *v = o ? cJSON_GetObjectItemCaseSensitive(o, key) : NULL;
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void add_resources(cJSON *status, const char *name, const podmap_node_config *cfg, const podmap_node_facts *f)
{
    bool usage = cfg->capacity_from_usage;
    cJSON *r = cJSON_AddObjectToObject(status, name);
    cJSON_AddStringToObject(r, "cpu", usage && f->usage_cpu ? f->usage_cpu : cfg->capacity_cpu);
    cJSON_AddStringToObject(r, "memory", usage && f->usage_memory ? f->usage_memory : cfg->capacity_memory);
    cJSON_AddStringToObject(r, "ephemeral-storage", cfg->capacity_ephemeral_storage);
    cJSON_AddStringToObject(r, "pods", usage && f->usage_pods ? f->usage_pods : cfg->capacity_pods);
}

cJSON *podmap_node_status(const podmap_node_config *cfg, const podmap_node_facts *f, const cJSON *prev_node)
{
    const cJSON *prev = status_of(prev_node);
    char now[32];
    timefmt_format_s(f->now, now, sizeof now);

    cJSON *st = cJSON_CreateObject();
    cJSON_AddStringToObject(st, "phase", "Running");
    add_resources(st, "capacity", cfg, f);
    add_resources(st, "allocatable", cfg, f);

    cJSON *cs = cJSON_AddArrayToObject(st, "conditions");
    const bool bad[NCOND] = {f->not_ready, f->memory_pressure, f->disk_pressure, f->pid_pressure,
                             f->network_unavailable};
    for (size_t i = 0; i < NCOND; i++) {
        const cond_def *d = &conds[i];
        bool is_true = d->healthy_is_true ? !bad[i] : bad[i];
        const char *status = is_true ? "True" : "False";
        const char *reason = bad[i] ? d->bad_reason : d->ok_reason;
        const char *msg = bad[i] ? d->bad_msg : d->ok_msg;
        if (i == 0 && bad[i]) {
            if (f->not_ready_reason && *f->not_ready_reason)
                reason = f->not_ready_reason;
            if (f->not_ready_message && *f->not_ready_message)
                msg = f->not_ready_message;
        }
        const cJSON *pc = find_cond(prev, d->type);
        const char *pstatus = str_item(pc, "status");
        const char *ptrans = str_item(pc, "lastTransitionTime");
        const char *trans = pstatus && ptrans && *ptrans && strcmp(pstatus, status) == 0 ? ptrans : now;

        cJSON *c = cJSON_CreateObject();
        cJSON_AddStringToObject(c, "type", d->type);
        cJSON_AddStringToObject(c, "status", status);
        cJSON_AddStringToObject(c, "lastHeartbeatTime", now);
        cJSON_AddStringToObject(c, "lastTransitionTime", trans);
        cJSON_AddStringToObject(c, "reason", reason);
        cJSON_AddStringToObject(c, "message", msg);
        cJSON_AddItemToArray(cs, c);
    }

    cJSON *addrs = cJSON_AddArrayToObject(st, "addresses");
    cJSON *a = cJSON_CreateObject();
    cJSON_AddStringToObject(a, "type", "InternalIP");
    cJSON_AddStringToObject(a, "address", cfg->node_ip);
    cJSON_AddItemToArray(addrs, a);
    if (cfg->hostname_address && *cfg->hostname_address) {
        a = cJSON_CreateObject();
        cJSON_AddStringToObject(a, "type", "Hostname");
        cJSON_AddStringToObject(a, "address", cfg->hostname_address);
        cJSON_AddItemToArray(addrs, a);
    }

    cJSON *de = cJSON_AddObjectToObject(st, "daemonEndpoints");
    cJSON *ke = cJSON_AddObjectToObject(de, "kubeletEndpoint");
    cJSON_AddNumberToObject(ke, "Port", cfg->port);

    cJSON *ni = cJSON_AddObjectToObject(st, "nodeInfo");
    char *kv = podmap_node_kubelet_version(f->version);
    const char *ver = f->version && *f->version ? f->version : ECI_KUBELET_VERSION;
    char *os_image = xasprintf("Alibaba Cloud Elastic Container Instance (eci-kubelet %s)", ver);
    cJSON_AddStringToObject(ni, "machineID", "");
    cJSON_AddStringToObject(ni, "systemUUID", "");
    cJSON_AddStringToObject(ni, "bootID", "");
    cJSON_AddStringToObject(ni, "kernelVersion", "eci");
    cJSON_AddStringToObject(ni, "osImage", os_image);
    cJSON_AddStringToObject(ni, "containerRuntimeVersion", PODMAP_NODE_RUNTIME_VERSION);
    cJSON_AddStringToObject(ni, "kubeletVersion", kv);
    cJSON_AddStringToObject(ni, "kubeProxyVersion", "");
    cJSON_AddStringToObject(ni, "operatingSystem", "linux");
    cJSON_AddStringToObject(ni, "architecture", "amd64");
    free(kv);
    free(os_image);
    return st;
}

static char *extra_label_keys(const podmap_node_config *cfg)
{
    dynbuf b;
    dynbuf_init(&b, 0);
    for (size_t i = 0; i < cfg->node_labels.n; i++)
        dynbuf_printf(&b, "%s%s", i ? "," : "", cfg->node_labels.items[i].key);
    size_t len;
    return dynbuf_take(&b, &len);
}

cJSON *podmap_node_build(const podmap_node_config *cfg, const podmap_node_facts *f, const cJSON *prev_node)
{
    cJSON *n = cJSON_CreateObject();
    cJSON_AddStringToObject(n, "apiVersion", "v1");
    cJSON_AddStringToObject(n, "kind", "Node");
    cJSON *md = cJSON_AddObjectToObject(n, "metadata");
    cJSON_AddStringToObject(md, "name", cfg->node_name);
    cJSON_AddItemToObject(md, "labels", podmap_node_labels(cfg));
    cJSON *ann = cJSON_AddObjectToObject(md, "annotations");
    char *keys = extra_label_keys(cfg);
    cJSON_AddStringToObject(ann, PODMAP_NODE_ANN_LABELS, keys);
    free(keys);
    cJSON_AddStringToObject(ann, PODMAP_NODE_ANN_TAINT, cfg->taint.enabled ? cfg->taint.key : "");
    cJSON *spec = cJSON_AddObjectToObject(n, "spec");
    cJSON *taints = cJSON_AddArrayToObject(spec, "taints");
    if (cfg->taint.enabled)
        cJSON_AddItemToArray(taints, taint_json(&cfg->taint));
    cJSON_AddItemToObject(n, "status", podmap_node_status(cfg, f, prev_node));
    return n;
}

cJSON *podmap_node_status_patch(const cJSON *status)
{
    cJSON *p = cJSON_CreateObject();
    cJSON_AddItemToObject(p, "status", cJSON_Duplicate(status, 1));
    return p;
}

/* ---------------------------------------------------------------- change */

/* The value of a Kubernetes quantity ("1k", "1000", "4Ti", "500m", "1e3"),
 * or NAN when it does not parse. The apiserver returns quantities in
 * canonical form ("1000" comes back as "1k"), so they compare by value. */
static long double qty_value(const char *s)
{
    char *end;
    long double v = strtold(s, &end);
    if (end == s || !isfinite(v))
        return NAN;
    static const struct {
        const char *suf;
        long double mult;
    } sfx[] = {{"Ki", 1024.0L}, {"Mi", 1048576.0L}, {"Gi", 1073741824.0L}, {"Ti", 1099511627776.0L},
               {"Pi", 1125899906842624.0L}, {"Ei", 1152921504606846976.0L}, {"n", 1e-9L}, {"u", 1e-6L},
               {"m", 1e-3L}, {"k", 1e3L}, {"M", 1e6L}, {"G", 1e9L}, {"T", 1e12L}, {"P", 1e15L}, {"E", 1e18L},
               {"", 1.0L}};
    for (size_t i = 0; i < sizeof sfx / sizeof sfx[0]; i++)
        if (strcmp(end, sfx[i].suf) == 0)
            return v * sfx[i].mult;
    return NAN; /* strtold already consumed any exponent form */
}

static bool qty_equal(const char *a, const char *b)
{
    if (strcmp(a, b) == 0)
        return true;
    long double x = qty_value(a), y = qty_value(b);
    if (isnan(x) || isnan(y))
        return false;
    long double m = fabsl(x) > fabsl(y) ? fabsl(x) : fabsl(y);
    return fabsl(x - y) <= m * 1e-12L;
}

/* Every key of want is in have with an equal string (quantities by value). */
static bool subset_equal(const cJSON *want, const cJSON *have, bool quantities)
{
    const cJSON *w;
    cJSON_ArrayForEach(w, want)
    {
        const char *h = str_item(have, w->string);
        if (!cJSON_IsString(w) || !h)
            return false;
        if (quantities ? !qty_equal(w->valuestring, h) : strcmp(w->valuestring, h) != 0)
            return false;
    }
    return true;
}

static int port_of(const cJSON *status)
{
    const cJSON *de = cJSON_GetObjectItemCaseSensitive(status, "daemonEndpoints");
    const cJSON *ke = cJSON_GetObjectItemCaseSensitive(de, "kubeletEndpoint");
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(ke, "Port");
    return cJSON_IsNumber(p) ? p->valueint : -1;
}

bool podmap_node_status_changed(const cJSON *prev, const cJSON *next)
{
    const cJSON *ps = status_of(prev), *ns = status_of(next);
    if (!ps || !ns)
        return true;
    const char *pp = str_item(ps, "phase"), *np = str_item(ns, "phase");
    if (np && (!pp || strcmp(pp, np) != 0))
        return true;
    /* Only what the bridge sets is compared: the apiserver or others may add
     * resources, nodeInfo fields or conditions of their own. */
    static const char *const objs[] = {"capacity", "allocatable", "nodeInfo"};
    for (size_t i = 0; i < 3; i++)
        if (!subset_equal(cJSON_GetObjectItemCaseSensitive(ns, objs[i]), cJSON_GetObjectItemCaseSensitive(ps, objs[i]),
                          i < 2))
            return true;
    const cJSON *nc;
    cJSON_ArrayForEach(nc, cJSON_GetObjectItemCaseSensitive(ns, "conditions"))
    {
        const char *type = str_item(nc, "type");
        const cJSON *pc = type ? find_cond(ps, type) : NULL;
        if (!pc)
            return true;
        static const char *const ck[] = {"status", "reason", "message"};
        for (size_t k = 0; k < 3; k++) {
            const char *a = str_item(nc, ck[k]), *b = str_item(pc, ck[k]);
            if (!a != !b || (a && strcmp(a, b) != 0))
                return true;
        }
    }
    const cJSON *pa = cJSON_GetObjectItemCaseSensitive(ps, "addresses");
    const cJSON *na = cJSON_GetObjectItemCaseSensitive(ns, "addresses");
    if (!cJSON_Compare(pa, na, 1) && (pa || na))
        return true;
    return port_of(ps) != port_of(ns);
}

bool podmap_node_status_due(bool changed, time_t last_write, time_t now, int64_t period_ms)
{
    if (changed || last_write == 0)
        return true;
    if (now < last_write) /* clock stepped back: write and restart the period */
        return true;
    return (int64_t)(now - last_write) * 1000 >= period_ms;
}

/* ------------------------------------------------------------ meta patch */

static bool taint_equal(const cJSON *t, const podmap_node_taint *want)
{
    const char *k = str_item(t, "key"), *v = str_item(t, "value"), *e = str_item(t, "effect");
    return k && e && strcmp(k, want->key) == 0 && strcmp(v ? v : "", want->value) == 0 &&
           strcmp(e, want->effect) == 0;
}

cJSON *podmap_node_meta_patch(const podmap_node_config *cfg, const cJSON *existing)
{
    const cJSON *md = cJSON_GetObjectItemCaseSensitive(existing, "metadata");
    const cJSON *labels = cJSON_GetObjectItemCaseSensitive(md, "labels");
    const cJSON *ann = cJSON_GetObjectItemCaseSensitive(md, "annotations");
    const cJSON *spec = cJSON_GetObjectItemCaseSensitive(existing, "spec");
    const cJSON *taints = cJSON_GetObjectItemCaseSensitive(spec, "taints");
    bool changed = false;

    /* Labels: set every wanted label that differs; drop extra labels this
     * bridge applied before and no longer wants. */
    cJSON *lp = cJSON_CreateObject();
    cJSON *want = podmap_node_labels(cfg);
    const cJSON *w;
    cJSON_ArrayForEach(w, want)
    {
        const char *have = str_item(labels, w->string);
        if (!have || strcmp(have, w->valuestring) != 0)
            cJSON_AddStringToObject(lp, w->string, w->valuestring);
    }
    const char *old_keys = str_item(ann, PODMAP_NODE_ANN_LABELS);
    for (const char *p = old_keys; p && *p;) {
        const char *c = strchr(p, ',');
        size_t l = c ? (size_t)(c - p) : strlen(p);
        char *k = xstrndup(p, l);
        if (*k && !cJSON_GetObjectItemCaseSensitive(want, k) && cJSON_GetObjectItemCaseSensitive(labels, k) &&
            !cJSON_GetObjectItemCaseSensitive(lp, k))
            cJSON_AddNullToObject(lp, k);
        free(k);
        p = c ? c + 1 : p + l;
    }
    cJSON_Delete(want);

    /* Annotations. */
    cJSON *ap = cJSON_CreateObject();
    char *keys = extra_label_keys(cfg);
    if (!old_keys || strcmp(old_keys, keys) != 0)
        cJSON_AddStringToObject(ap, PODMAP_NODE_ANN_LABELS, keys);
    free(keys);
    const char *want_tk = cfg->taint.enabled ? cfg->taint.key : "";
    const char *old_tk = str_item(ann, PODMAP_NODE_ANN_TAINT);
    if (!old_tk || strcmp(old_tk, want_tk) != 0)
        cJSON_AddStringToObject(ap, PODMAP_NODE_ANN_TAINT, want_tk);

    /* Taints: keep every taint others own; the bridge owns the configured
     * key and the key it applied before. */
    cJSON *nt = cJSON_CreateArray();
    bool have_wanted = false, dropped = false;
    const cJSON *t;
    cJSON_ArrayForEach(t, taints)
    {
        const char *k = str_item(t, "key");
        bool ours = k && ((cfg->taint.enabled && strcmp(k, cfg->taint.key) == 0) ||
                          (old_tk && *old_tk && strcmp(k, old_tk) == 0));
        if (ours && cfg->taint.enabled && !have_wanted && taint_equal(t, &cfg->taint)) {
            have_wanted = true;
            cJSON_AddItemToArray(nt, cJSON_Duplicate(t, 1));
        } else if (ours) {
            dropped = true;
        } else {
            cJSON_AddItemToArray(nt, cJSON_Duplicate(t, 1));
        }
    }
    if (cfg->taint.enabled && !have_wanted)
        cJSON_AddItemToArray(nt, taint_json(&cfg->taint));
    bool taints_changed = dropped || (cfg->taint.enabled && !have_wanted);

    cJSON *patch = cJSON_CreateObject();
    cJSON *pmd = cJSON_AddObjectToObject(patch, "metadata");
    const char *rv = str_item(md, "resourceVersion");
    if (rv)
        cJSON_AddStringToObject(pmd, "resourceVersion", rv);
    if (cJSON_GetArraySize(lp) > 0) {
        cJSON_AddItemToObject(pmd, "labels", lp);
        changed = true;
    } else {
        cJSON_Delete(lp);
    }
    if (cJSON_GetArraySize(ap) > 0) {
        cJSON_AddItemToObject(pmd, "annotations", ap);
        changed = true;
    } else {
        cJSON_Delete(ap);
    }
    if (taints_changed) {
        cJSON *ps = cJSON_AddObjectToObject(patch, "spec");
        cJSON_AddItemToObject(ps, "taints", nt);
        changed = true;
    } else {
        cJSON_Delete(nt);
    }
    if (!changed) {
        cJSON_Delete(patch);
        return NULL;
    }
    return patch;
}

/* ----------------------------------------------------------------- lease */

cJSON *podmap_node_lease(const podmap_node_config *cfg, const char *node_uid, const struct timespec *now)
{
    char rt[40];
    timefmt_format(now, 6, rt, sizeof rt);
    int64_t secs = cfg->node_lease_duration_ms / 1000;
    return k8s_node_lease_build(cfg->node_name, node_uid, (int)(secs > 0 ? secs : 1), rt);
}

int64_t podmap_node_lease_renew_interval_ms(const podmap_node_config *cfg)
{
    int64_t d = cfg->node_lease_duration_ms > 0 ? cfg->node_lease_duration_ms : 40000;
    return d / 4;
}
