/* Resources: Kubernetes quantities, ECI specifications, container and group
 * CPU/memory, resourceFieldRef values. */
#include "provider/podmap/translate_int.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/xmalloc.h"

#define GIB (1024.0 * 1024.0 * 1024.0)

int podmap_parse_quantity(const char *s, double *v)
{
    if (!s || !*s)
        return -1;
    const char *p = s;
    int neg = 0;
    if (*p == '+' || *p == '-') {
        neg = *p == '-';
        p++;
    }
    const char *num = p;
    int digits = 0, dots = 0;
    while (isdigit((unsigned char)*p) || *p == '.') {
        if (*p == '.')
            dots++;
        else
            digits++;
        p++;
    }
    if (!digits || dots > 1 || p - num > 64)
        return -1;
    char buf[72];
    memcpy(buf, num, (size_t)(p - num));
    buf[p - num] = '\0';
    double x = strtod(buf, NULL);
    double mult = 1;
    static const struct { const char *suf; double mult; } sufs[] = {
        {"Ki", 1024.0}, {"Mi", 1048576.0}, {"Gi", GIB}, {"Ti", GIB * 1024},
        {"Pi", GIB * 1048576.0}, {"Ei", GIB * GIB}, {"n", 1e-9}, {"u", 1e-6},
        {"m", 1e-3}, {"k", 1e3}, {"M", 1e6}, {"G", 1e9}, {"T", 1e12}, {"P", 1e15},
        {"E", 1e18}, {"", 1},
    };
    size_t i;
    for (i = 0; i < sizeof sufs / sizeof sufs[0]; i++)
        if (strcmp(p, sufs[i].suf) == 0)
            break;
    if (i < sizeof sufs / sizeof sufs[0]) {
        mult = sufs[i].mult;
    } else if (*p == 'e' || *p == 'E') {
        const char *q = p + 1;
        if (*q == '+' || *q == '-')
            q++;
        if (!isdigit((unsigned char)*q))
            return -1;
        for (const char *r = q; *r; r++)
            if (!isdigit((unsigned char)*r))
                return -1;
        long e = strtol(p + 1, NULL, 10);
        if (e > 30 || e < -30)
            return -1;
        mult = pow(10.0, (double)e);
    } else {
        return -1;
    }
    x *= mult;
    if (!isfinite(x))
        return -1;
    *v = neg ? -x : x;
    return 0;
}

/* The ECI vCPU/memory specifications used for group sizing: for each vCPU
 * count the memory sizes (GiB) ECI sells. Sorted by vCPU, then memory. */
static const struct { double cpu; double mem[6]; } specs[] = {
    {0.25, {0.5, 1}},
    {0.5, {1, 2}},
    {1, {2, 4, 8}},
    {2, {1, 2, 4, 8, 16}},
    {4, {4, 8, 16, 32}},
    {8, {4, 8, 16, 32, 64}},
    {12, {12, 24, 48, 96}},
    {16, {16, 32, 64, 128}},
    {24, {24, 48, 96, 192}},
    {32, {32, 64, 128, 256}},
    {52, {96, 192, 384}},
    {64, {128, 256, 512}},
};

int podmap_round_spec(double cpu, double mem, double *out_cpu, double *out_mem)
{
    const double eps = 1e-9;
    for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++) {
        if (specs[i].cpu + eps < cpu)
            continue;
        for (size_t j = 0; j < 6 && specs[i].mem[j] > 0; j++) {
            if (specs[i].mem[j] + eps >= mem) {
                *out_cpu = specs[i].cpu;
                *out_mem = specs[i].mem[j];
                return 0;
            }
        }
    }
    return -1;
}

static int get_q(podmap_tr_ctx *c, const cJSON *m, const char *key, const char *path, double *v)
{
    *v = 0;
    const cJSON *q = cJSON_GetObjectItemCaseSensitive(m, key);
    if (!q)
        return 0;
    if (cJSON_IsNumber(q)) {
        *v = q->valuedouble;
        return 0;
    }
    if (!cJSON_IsString(q) || podmap_parse_quantity(q->valuestring, v) != 0 || *v < 0) {
        podmap_tr_reject(c, path, "%s: not a valid quantity", path);
        *v = 0;
        return -1;
    }
    return 0;
}

static int is_gpu_resource(const char *k)
{
    return strcmp(k, "nvidia.com/gpu") == 0 || strcmp(k, "aliyun.com/gpu") == 0 ||
           strcmp(k, "amd.com/gpu") == 0;
}

static void check_other_resources(podmap_tr_ctx *c, const cJSON *m, const char *path, const char *cname,
                                  long long *gpu)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, m)
    {
        const char *k = it->string;
        if (!k || strcmp(k, "cpu") == 0 || strcmp(k, "memory") == 0 ||
            strcmp(k, "ephemeral-storage") == 0)
            continue;
        char *p = xasprintf("%s.%s", path, k);
        if (is_gpu_resource(k)) {
            double g = 0;
            if (get_q(c, m, k, p, &g) == 0) {
                if (!c->gpu_allowed && g > 0)
                    podmap_tr_reject(c, p,
                              "%s: GPUs need a GPU instance type named in the annotation "
                              "k8s.aliyun.com/eci-use-specs (e.g. ecs.gn6i-c4g1.xlarge)",
                              p);
                else if (g > *gpu)
                    *gpu = (long long)ceil(g);
            }
        } else if (strncmp(k, "hugepages-", 10) == 0) {
            podmap_tr_find(c, PODMAP_FATE_IGNORED, "Warning", "UnsupportedResource", p,
                    "%s: huge pages are not available on ECI; the container %s gets none", p,
                    cname ? cname : "");
        } else {
            podmap_tr_find(c, PODMAP_FATE_IGNORED, "Warning", "UnsupportedResource", p,
                    "%s: extended resource %s is not available on ECI and is ignored", p, k);
        }
        free(p);
    }
}

/* Fill c->cinfo from every init container then every container. */
void podmap_tr_collect_resources(podmap_tr_ctx *c)
{
    const cJSON *inits = podmap_tr_arr(c->spec, "initContainers");
    const cJSON *conts = podmap_tr_arr(c->spec, "containers");
    size_t ni = (size_t)cJSON_GetArraySize(inits), nc = (size_t)cJSON_GetArraySize(conts);
    c->ncinfo = ni + nc;
    c->cinfo = xcalloc(c->ncinfo ? c->ncinfo : 1, sizeof *c->cinfo);
    for (size_t i = 0; i < c->ncinfo; i++) {
        int init = i < ni;
        size_t idx = init ? i : i - ni;
        const cJSON *ctr = cJSON_GetArrayItem(init ? inits : conts, (int)idx);
        podmap_tr_cinfo *ci = &c->cinfo[i];
        ci->name = podmap_tr_str(ctr, "name");
        const cJSON *r = podmap_tr_obj(ctr, "resources");
        const cJSON *lim = podmap_tr_obj(r, "limits"), *req = podmap_tr_obj(r, "requests");
        char base[96];
        snprintf(base, sizeof base, "spec.%s[%zu].resources", init ? "initContainers" : "containers",
                 idx);
        char p[160];
        snprintf(p, sizeof p, "%s.limits.cpu", base);
        get_q(c, lim, "cpu", p, &ci->cpu);
        snprintf(p, sizeof p, "%s.requests.cpu", base);
        get_q(c, req, "cpu", p, &ci->cpu_req);
        snprintf(p, sizeof p, "%s.limits.memory", base);
        get_q(c, lim, "memory", p, &ci->mem);
        snprintf(p, sizeof p, "%s.requests.memory", base);
        get_q(c, req, "memory", p, &ci->mem_req);
        snprintf(p, sizeof p, "%s.limits.ephemeral-storage", base);
        get_q(c, lim, "ephemeral-storage", p, &ci->eph);
        snprintf(p, sizeof p, "%s.requests.ephemeral-storage", base);
        get_q(c, req, "ephemeral-storage", p, &ci->eph_req);
        long long gpu = 0;
        snprintf(p, sizeof p, "%s.limits", base);
        check_other_resources(c, lim, p, ci->name, &gpu);
        snprintf(p, sizeof p, "%s.requests", base);
        long long gpu_req = 0;
        check_other_resources(c, req, p, ci->name, &gpu_req);
        if (ci->eph > 0 || ci->eph_req > 0)
            podmap_tr_find(c, PODMAP_FATE_IGNORED, "Normal", "EphemeralStorageIgnored", base,
                    "%s: ephemeral-storage is not enforced per container on ECI; the group has a "
                    "30 GiB system disk, extended with the annotation "
                    "k8s.aliyun.com/eci-extra-ephemeral-storage",
                    base);
    }
}

static double eff(double lim, double req) { return lim > 0 ? lim : req; }

/* Decide group Cpu/Memory and write them (plus per-container values are
 * written by podmap_tr_containers). */
void podmap_tr_group_resources(podmap_tr_ctx *c)
{
    const cJSON *inits = podmap_tr_arr(c->spec, "initContainers");
    size_t ni = (size_t)cJSON_GetArraySize(inits);
    double sum_cpu = 0, sum_mem = 0, max_icpu = 0, max_imem = 0;
    for (size_t i = 0; i < c->ncinfo; i++) {
        double cpu = eff(c->cinfo[i].cpu, c->cinfo[i].cpu_req);
        double mem = eff(c->cinfo[i].mem, c->cinfo[i].mem_req);
        if (i < ni) {
            if (cpu > max_icpu)
                max_icpu = cpu;
            if (mem > max_imem)
                max_imem = mem;
        } else {
            sum_cpu += cpu;
            sum_mem += mem;
        }
    }
    double cpu = sum_cpu > max_icpu ? sum_cpu : max_icpu;
    double mem = sum_mem > max_imem ? sum_mem : max_imem;
    /* Pod-level resources (spec.resources) size the whole group. */
    const cJSON *pr = podmap_tr_obj(c->spec, "resources");
    if (pr) {
        double pl = 0, prq = 0, ml = 0, mr = 0;
        get_q(c, podmap_tr_obj(pr, "limits"), "cpu", "spec.resources.limits.cpu", &pl);
        get_q(c, podmap_tr_obj(pr, "requests"), "cpu", "spec.resources.requests.cpu", &prq);
        get_q(c, podmap_tr_obj(pr, "limits"), "memory", "spec.resources.limits.memory", &ml);
        get_q(c, podmap_tr_obj(pr, "requests"), "memory", "spec.resources.requests.memory", &mr);
        if (eff(pl, prq) > cpu)
            cpu = eff(pl, prq);
        if (eff(ml, mr) > mem)
            mem = eff(ml, mr);
    }
    double mem_gib = mem / GIB;
    if (c->instance_type_set || (cpu <= 0 && mem <= 0))
        return;
    double rc, rm;
    if (podmap_round_spec(cpu, mem_gib, &rc, &rm) != 0) {
        podmap_tr_reject(c, "spec.containers[*].resources",
                  "spec.containers[*].resources: the pod needs %g vCPU and %g GiB, more than the "
                  "largest ECI specification (64 vCPU, 512 GiB)",
                  cpu, mem_gib);
        return;
    }
    if (fabs(rc - cpu) > 1e-9 || fabs(rm - mem_gib) > 1e-9)
        podmap_tr_find(c, PODMAP_FATE_ADJUSTED, "Normal", "ResourcesRounded",
                "spec.containers[*].resources",
                "spec.containers[*].resources: %g vCPU / %.4g GiB rounded up to the ECI "
                "specification %g vCPU / %g GiB",
                cpu, mem_gib, rc, rm);
    c->out->cpu = rc;
    c->out->memory_gib = rm;
    cJSON_AddNumberToObject(c->req, "Cpu", rc);
    cJSON_AddNumberToObject(c->req, "Memory", rm);
}

char *podmap_tr_resource_value(podmap_tr_ctx *c, const char *cname, const char *resource, const char *divisor,
                        char **err)
{
    *err = NULL;
    const podmap_tr_cinfo *ci = NULL;
    for (size_t i = 0; i < c->ncinfo; i++)
        if (cname && c->cinfo[i].name && strcmp(c->cinfo[i].name, cname) == 0)
            ci = &c->cinfo[i];
    if (!ci) {
        *err = xasprintf("container \"%s\" not found", cname ? cname : "");
        return NULL;
    }
    double div = 1;
    if (divisor && *divisor && (podmap_parse_quantity(divisor, &div) != 0 || div <= 0)) {
        *err = xasprintf("invalid divisor \"%s\"", divisor);
        return NULL;
    }
    double v;
    int cpu = 0;
    /* Unset limits default to the group's size (kubelet uses the node's
     * allocatable; on ECI the group is the node). */
    if (strcmp(resource, "limits.cpu") == 0) {
        v = ci->cpu > 0 ? ci->cpu : c->out->cpu;
        cpu = 1;
    } else if (strcmp(resource, "requests.cpu") == 0) {
        v = ci->cpu_req;
        cpu = 1;
    } else if (strcmp(resource, "limits.memory") == 0) {
        v = ci->mem > 0 ? ci->mem : c->out->memory_gib * GIB;
    } else if (strcmp(resource, "requests.memory") == 0) {
        v = ci->mem_req;
    } else if (strcmp(resource, "limits.ephemeral-storage") == 0) {
        v = ci->eph > 0 ? ci->eph : 30.0 * GIB;
    } else if (strcmp(resource, "requests.ephemeral-storage") == 0) {
        v = ci->eph_req;
    } else {
        *err = xasprintf("unsupported resource \"%s\"", resource);
        return NULL;
    }
    double r = ceil(v / div - 1e-9);
    if (cpu && r < 1 && v > 0 && strcmp(resource, "limits.cpu") == 0)
        r = 1;
    return xasprintf("%.0f", r);
}
