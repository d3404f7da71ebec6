/* ACK virtual-node annotations beyond the core set of translate.c. Each one
 * maps to a CreateContainerGroup parameter (ack-virtual-node conventions);
 * an invalid value rejects the pod with a message naming the annotation, and
 * a parameter already set by another annotation is a conflict, not an
 * override. Most are one value -> one parameter and live in a table; the
 * rest (lists, JSON, units) have their own code below. */
#include "provider/podmap/translate_int.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/xmalloc.h"

#define ACK "k8s.aliyun.com/"

typedef enum { V_ENUM, V_INT, V_BOOL, V_ID, V_HOSTS, V_NAME, V_IPV4, V_GPU } vkind;

/* One annotation -> one parameter. For V_ENUM, vals is "A|B|..." matched
 * without regard to case and sent as written here; V_INT sends a number in
 * [lo, hi]; V_BOOL sends a boolean; V_ID needs prefix vals; V_HOSTS is a
 * comma list of registry host[:port]; V_NAME letters, digits, '.', '-', '_'
 * of at most hi characters; V_GPU "tesla=<version>". needs/needs_val: another
 * annotation that must be present with that value. */
typedef struct {
    const char *ann, *param;
    vkind kind;
    long long lo, hi;
    const char *vals;
    const char *needs, *needs_val;
} simple_ann;

static const simple_ann simple[] = {
    {ACK "eci-schedule-strategy", "ScheduleStrategy", V_ENUM, 0, 0, "VSwitchOrdered|VSwitchRandom", NULL, NULL},
    {ACK "eci-gpu-driver-version", "GpuDriverVersion", V_GPU, 0, 0, NULL, NULL, NULL},
    {ACK "eci-cpu-option-core", "CpuOptionsCore", V_INT, 1, 256, NULL, NULL, NULL},
    {ACK "eci-cpu-option-ht", "CpuOptionsThreadsPerCore", V_INT, 1, 2, NULL, NULL, NULL},
    {ACK "eci-cpu-architecture", "CpuArchitecture", V_ENUM, 0, 0, "AMD64|ARM64", NULL, NULL},
    {ACK "eci-max-pending-minute", "MaxPendingMinute", V_INT, 10, 1440, NULL, NULL, NULL},
    {ACK "eci-spot-duration", "SpotDuration", V_INT, 0, 6, NULL, ACK "eci-spot-strategy", NULL},
    {ACK "eci-image-cache", "AutoMatchImageCache", V_BOOL, 0, 0, NULL, NULL, NULL},
    {ACK "plain-http-registry", "PlainHttpRegistry", V_HOSTS, 0, 0, NULL, NULL, NULL},
    {ACK "insecure-registry", "InsecureRegistry", V_HOSTS, 0, 0, NULL, NULL, NULL},
    {ACK "eci-data-cache-bucket", "DataCacheBucket", V_NAME, 0, 128, NULL, NULL, NULL},
    {ACK "eci-data-cache-pl", "DataCachePL", V_ENUM, 0, 0, "PL0|PL1|PL2|PL3", NULL, NULL},
    {ACK "eci-data-cache-provisionedIops", "DataCacheProvisionedIops", V_INT, 0, 50000, NULL, NULL, NULL},
    {ACK "eci-data-cache-burstingEnabled", "DataCacheBurstingEnabled", V_BOOL, 0, 0, NULL, NULL, NULL},
    {ACK "eip-bandwidth", "EipBandwidth", V_INT, 1, 500, NULL, NULL, NULL},
    {ACK "eip-common-bandwidth-package-id", "EipCommonBandwidthPackage", V_ID, 0, 0, "cbwp-", NULL, NULL},
    {ACK "eip-isp", "EipISP", V_ENUM, 0, 0, "BGP|BGP_PRO", NULL, NULL},
    {ACK "eci-ipv6-bandwidth-enable", "Ipv6GatewayBandwidthEnable", V_BOOL, 0, 0, NULL, NULL, NULL},
    {ACK "eci-private-ip-address", "PrivateIpAddress", V_IPV4, 0, 0, NULL, NULL, NULL},
    {ACK "eci-fixed-ip", "FixedIp", V_ENUM, 0, 0, "true|false", NULL, NULL},
    {ACK "eci-fixed-ip-retain-hour", "FixedIpRetainHour", V_INT, 1, 8760, NULL, ACK "eci-fixed-ip", "true"},
    {ACK "eci-sls-enable", "SlsEnable", V_BOOL, 0, 0, NULL, NULL, NULL},
};

/* The k8s.aliyun.com/ names handled here outside the table (for the
 * unknown-annotation check). */
static const char *const special[] = {
    "eci-imc-id", "eci-compute-category", "eci-enable-ipv6", "eci-ipv6-bandwidth", "eci-custom-hosts", "eci-custom-dnsconfig",
    "acr-instance-ids", "acr-instance-id", "acr-service-arns", "acr-user-arns", NULL,
};

int podmap_tr_ack_known(const char *k)
{
    for (size_t i = 0; i < sizeof simple / sizeof simple[0]; i++)
        if (strcmp(simple[i].ann + strlen(ACK), k) == 0)
            return 1;
    for (size_t i = 0; special[i]; i++)
        if (strcmp(special[i], k) == 0)
            return 1;
    return 0;
}

static int int_ok(const char *v, long long lo, long long hi, long long *out)
{
    if (!*v || strlen(v) > 18)
        return 0;
    for (const char *p = v; *p; p++)
        if (!isdigit((unsigned char)*p))
            return 0;
    *out = strtoll(v, NULL, 10);
    return *out >= lo && *out <= hi;
}

static int hosts_ok(const char *v)
{
    if (!*v || strlen(v) > 1024)
        return 0;
    cJSON *items = podmap_tr_split_list(v);
    int ok = cJSON_GetArraySize(items) > 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, items)
    {
        const char *s = it->valuestring;
        if (strlen(s) > 253 || !isalnum((unsigned char)s[0]))
            ok = 0;
        for (const char *p = s; *p; p++)
            if (!(isalnum((unsigned char)*p) || *p == '.' || *p == '-' || *p == ':'))
                ok = 0;
    }
    cJSON_Delete(items);
    return ok;
}

static int gpu_ok(const char *v)
{
    if (strncmp(v, "tesla=", 6) != 0 || !isdigit((unsigned char)v[6]) || strlen(v) > 64)
        return 0;
    for (const char *p = v + 6; *p; p++)
        if (!(isdigit((unsigned char)*p) || *p == '.'))
            return 0;
    return 1;
}

static int ipv4_ok(const char *v)
{
    struct in_addr a;
    return inet_pton(AF_INET, v, &a) == 1;
}

static int ip_ok(const char *v)
{
    struct in6_addr a;
    return ipv4_ok(v) || inet_pton(AF_INET6, v, &a) == 1;
}

static const char *what(const simple_ann *s, char *buf, size_t n)
{
    switch (s->kind) {
    case V_ENUM: snprintf(buf, n, "one of %s", s->vals); break;
    case V_INT: snprintf(buf, n, "an integer from %lld to %lld", s->lo, s->hi); break;
    case V_BOOL: snprintf(buf, n, "true or false"); break;
    case V_ID: snprintf(buf, n, "an id %s...", s->vals); break;
    case V_HOSTS: snprintf(buf, n, "a comma list of registry host[:port] (<= 1024 characters)"); break;
    case V_NAME: snprintf(buf, n, "a name of letters, digits, '.', '-', '_' (<= %lld characters)", s->hi); break;
    case V_IPV4: snprintf(buf, n, "an IPv4 address"); break;
    case V_GPU: snprintf(buf, n, "a driver version tesla=<digits and dots>"); break;
    }
    return buf;
}

/* Add param=val (string) to the request unless another annotation already
 * set it to something else. Returns 0, or -1 after rejecting. */
static int put(podmap_tr_ctx *c, const char *ann, const char *path, const char *param, cJSON *val)
{
    cJSON *old = cJSON_GetObjectItemCaseSensitive(c->req, param);
    if (old) {
        int same = cJSON_Compare(old, val, 1);
        cJSON_Delete(val);
        if (same)
            return 0;
        podmap_tr_reject(c, path, "annotation %s conflicts with another annotation setting %s", ann, param);
        return -1;
    }
    cJSON_AddItemToObject(c->req, param, val);
    return 0;
}

static void simple_one(podmap_tr_ctx *c, const cJSON *ann, const simple_ann *s)
{
    const char *v = podmap_tr_str(ann, s->ann);
    if (!v)
        return;
    char path[160], buf[128];
    snprintf(path, sizeof path, "metadata.annotations['%s']", s->ann);
    cJSON *val = NULL;
    long long n = 0;
    switch (s->kind) {
    case V_ENUM: {
        const char *p = s->vals;
        while (*p && !val) {
            const char *e = strchr(p, '|');
            size_t l = e ? (size_t)(e - p) : strlen(p);
            if (strlen(v) == l && strncasecmp(v, p, l) == 0) {
                char *canon = xstrndup(p, l);
                val = cJSON_CreateString(canon);
                free(canon);
            }
            p += l + (e ? 1 : 0);
        }
        break;
    }
    case V_INT:
        if (int_ok(v, s->lo, s->hi, &n))
            val = cJSON_CreateNumber((double)n);
        break;
    case V_BOOL:
        if (!strcmp(v, "true") || !strcmp(v, "false"))
            val = cJSON_CreateBool(!strcmp(v, "true"));
        break;
    case V_ID:
        if (podmap_tr_id_ok(v, s->vals))
            val = cJSON_CreateString(v);
        break;
    case V_HOSTS:
        if (hosts_ok(v)) {
            cJSON *items = podmap_tr_split_list(v);
            char *j = podmap_tr_join_list(items);
            val = cJSON_CreateString(j);
            free(j);
            cJSON_Delete(items);
        }
        break;
    case V_NAME: {
        int ok = *v && (long long)strlen(v) <= s->hi;
        for (const char *p = v; *p; p++)
            if (!(isalnum((unsigned char)*p) || *p == '.' || *p == '-' || *p == '_'))
                ok = 0;
        if (ok)
            val = cJSON_CreateString(v);
        break;
    }
    case V_IPV4:
        if (ipv4_ok(v))
            val = cJSON_CreateString(v);
        break;
    case V_GPU:
        if (gpu_ok(v))
            val = cJSON_CreateString(v);
        break;
    }
    if (!val) {
        podmap_tr_reject(c, path, "annotation %s: \"%s\" is not %s", s->ann, v, what(s, buf, sizeof buf));
        return;
    }
    if (s->needs) {
        const char *dep = podmap_tr_str(ann, s->needs);
        if (!dep || (s->needs_val && strcmp(dep, s->needs_val) != 0) ||
            (!s->needs_val && strcmp(dep, "NoSpot") == 0)) {
            podmap_tr_reject(c, path, "annotation %s needs the annotation %s%s%s", s->ann, s->needs,
                             s->needs_val ? ": " : "", s->needs_val ? s->needs_val : " (not NoSpot)");
            cJSON_Delete(val);
            return;
        }
    }
    put(c, s->ann, path, s->param, val);
}

void podmap_tr_image_cache(podmap_tr_ctx *c, const char *ann, const char *v)
{
    char path[160];
    snprintf(path, sizeof path, "metadata.annotations['%s']", ann);
    if (podmap_tr_id_ok(v, "imc-")) {
        put(c, ann, path, "ImageSnapshotId", cJSON_CreateString(v));
        return;
    }
    char *id = NULL, *why = NULL;
    int rc = c->res && c->res->get_image_cache ? c->res->get_image_cache(c->res->ctx, v, &id, &why)
                                               : PODMAP_RES_NOT_FOUND;
    if (rc == PODMAP_RES_OK && id)
        put(c, ann, path, "ImageSnapshotId", cJSON_CreateString(id));
    else if (rc == PODMAP_RES_ERROR)
        podmap_tr_wait(c, "ImageCacheNotReady", "annotation %s: ImageCache \"%s\" is not Ready yet (%s)", ann, v,
                       why ? why : "unknown");
    else if (rc == PODMAP_RES_UNUSABLE)
        podmap_tr_reject(c, path, "annotation %s: ImageCache \"%s\" cannot be used (%s)", ann, v,
                         why ? why : "unknown");
    else
        podmap_tr_reject(c, path,
                         "annotation %s: \"%s\" is neither an image cache id (imc-...) nor the name of an ImageCache",
                         ann, v);
    free(id);
    free(why);
}

/* eci-compute-category: "economy,general" -> ComputeCategory.N (ordered). */
static void compute_category(podmap_tr_ctx *c, const char *v, const char *path)
{
    cJSON *items = podmap_tr_split_list(v), *out = cJSON_CreateArray();
    int n = cJSON_GetArraySize(items), ok = n > 0 && n <= 2;
    const cJSON *it;
    cJSON_ArrayForEach(it, items)
    {
        const char *canon = !strcasecmp(it->valuestring, "economy")   ? "Economy"
                            : !strcasecmp(it->valuestring, "general") ? "General"
                                                                      : NULL;
        if (!canon)
            ok = 0;
        else
            podmap_tr_add_unique(out, canon);
    }
    cJSON_Delete(items);
    if (!ok) {
        podmap_tr_reject(c, path, "annotation " ACK "eci-compute-category: \"%s\" is not economy, general or both "
                                  "(comma-separated, in order of preference)", v);
        cJSON_Delete(out);
        return;
    }
    cJSON_AddItemToObject(c->req, "ComputeCategory", out);
}

/* Bandwidth in the Kubernetes bandwidth plugin's notation (a quantity in
 * bit/s: "10M" = 10 Mbit/s) -> IngressBandwidth/EgressBandwidth in bit/s. */
static void bandwidth(podmap_tr_ctx *c, const cJSON *ann, const char *name, const char *param)
{
    char key[64], path[128];
    snprintf(key, sizeof key, "kubernetes.io/%s", name);
    const char *v = podmap_tr_str(ann, key);
    if (!v)
        return;
    snprintf(path, sizeof path, "metadata.annotations['%s']", key);
    double q = 0;
    if (podmap_parse_quantity(v, &q) != 0 || q < 1 || q > 1e12) {
        podmap_tr_reject(c, path, "annotation %s: \"%s\" is not a bandwidth from 1 to 1T bit/s (e.g. 40M)", key, v);
        return;
    }
    cJSON_AddNumberToObject(c->req, param, ceil(q));
}

/* eci-custom-hosts: [{"host":"a.example","ip":"10.0.0.1"}, ...] -> more HostAliase entries. */
static void custom_hosts(podmap_tr_ctx *c, const char *v, const char *path)
{
    cJSON *j = cJSON_Parse(v);
    int ok = cJSON_IsArray(j) && cJSON_GetArraySize(j) > 0 && cJSON_GetArraySize(j) <= 100;
    const cJSON *it;
    cJSON_ArrayForEach(it, (ok ? j : NULL))
    {
        const char *h = podmap_tr_str(it, "host"), *ip = podmap_tr_str(it, "ip");
        if (!h || !*h || strlen(h) > 253 || !ip || !ip_ok(ip))
            ok = 0;
        for (const char *p = h ? h : ""; ok && *p; p++)
            if (!(isalnum((unsigned char)*p) || *p == '.' || *p == '-' || *p == '_'))
                ok = 0;
    }
    if (!ok) {
        podmap_tr_reject(c, path, "annotation " ACK "eci-custom-hosts: expected a JSON list of up to 100 "
                                  "{\"host\": name, \"ip\": address}");
        cJSON_Delete(j);
        return;
    }
    cJSON *ha = cJSON_GetObjectItemCaseSensitive(c->req, "HostAliase");
    if (!ha)
        ha = cJSON_AddArrayToObject(c->req, "HostAliase");
    cJSON_ArrayForEach(it, j)
    {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "Ip", podmap_tr_str(it, "ip"));
        cJSON *hn = cJSON_AddArrayToObject(o, "Hostname");
        cJSON_AddItemToArray(hn, cJSON_CreateString(podmap_tr_str(it, "host")));
        cJSON_AddItemToArray(ha, o);
    }
    cJSON_Delete(j);
}

/* eci-custom-dnsconfig: {"nameservers":[..],"searches":[..],"options":[{"name","value"}]}
 * merged into the DnsConfig built from dnsPolicy/dnsConfig (ECI takes at most
 * 3 name servers, as the kubelet's resolv.conf does). */
static void custom_dns(podmap_tr_ctx *c, const char *v, const char *path)
{
    cJSON *j = cJSON_Parse(v);
    int ok = cJSON_IsObject(j);
    const cJSON *it;
    cJSON_ArrayForEach(it, (ok ? j : NULL))
    {
        if (strcmp(it->string, "nameservers") && strcmp(it->string, "searches") && strcmp(it->string, "options"))
            ok = 0;
    }
    cJSON_ArrayForEach(it, (ok ? podmap_tr_arr(j, "nameservers") : NULL)) if (!cJSON_IsString(it) ||
                                                                           !ip_ok(it->valuestring)) ok = 0;
    cJSON_ArrayForEach(it, (ok ? podmap_tr_arr(j, "searches") : NULL)) if (!cJSON_IsString(it) ||
                                                                        !*it->valuestring ||
                                                                        strlen(it->valuestring) > 253) ok = 0;
    cJSON_ArrayForEach(it, (ok ? podmap_tr_arr(j, "options") : NULL)) if (!podmap_tr_str(it, "name")) ok = 0;
    cJSON *d = ok ? cJSON_GetObjectItemCaseSensitive(c->req, "DnsConfig") : NULL;
    if (ok && !d)
        d = cJSON_AddObjectToObject(c->req, "DnsConfig");
    cJSON *ns = NULL, *search = NULL, *opts = NULL;
    if (ok) {
        if (!(ns = cJSON_GetObjectItemCaseSensitive(d, "NameServer")))
            ns = cJSON_AddArrayToObject(d, "NameServer");
        if (!(search = cJSON_GetObjectItemCaseSensitive(d, "Search")))
            search = cJSON_AddArrayToObject(d, "Search");
        if (!(opts = cJSON_GetObjectItemCaseSensitive(d, "Option")))
            opts = cJSON_AddArrayToObject(d, "Option");
        cJSON_ArrayForEach(it, podmap_tr_arr(j, "nameservers")) podmap_tr_add_unique(ns, it->valuestring);
        cJSON_ArrayForEach(it, podmap_tr_arr(j, "searches")) podmap_tr_add_unique(search, it->valuestring);
        cJSON_ArrayForEach(it, podmap_tr_arr(j, "options"))
        {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "Name", podmap_tr_str(it, "name"));
            if (podmap_tr_str(it, "value"))
                cJSON_AddStringToObject(o, "Value", podmap_tr_str(it, "value"));
            cJSON_AddItemToArray(opts, o);
        }
        ok = cJSON_GetArraySize(ns) <= 3 && cJSON_GetArraySize(search) <= 6;
        /* An empty list would flatten to nothing anyway; keep the tree tidy. */
        if (!cJSON_GetArraySize(ns))
            cJSON_DeleteItemFromObject(d, "NameServer");
        if (!cJSON_GetArraySize(search))
            cJSON_DeleteItemFromObject(d, "Search");
        if (!cJSON_GetArraySize(opts))
            cJSON_DeleteItemFromObject(d, "Option");
        if (ok && !podmap_tr_str(c->req, "DnsPolicy"))
            cJSON_AddStringToObject(c->req, "DnsPolicy", "None");
    }
    cJSON_Delete(j);
    if (!ok)
        podmap_tr_reject(c, path, "annotation " ACK "eci-custom-dnsconfig: expected JSON {\"nameservers\": [IPs], "
                                  "\"searches\": [domains], \"options\": [{\"name\", \"value\"}]} with at most 3 "
                                  "name servers and 6 search domains in all");
}

static int arn_ok(const char *v)
{
    if (strncmp(v, "acs:ram::", 9) != 0 || strlen(v) > 256)
        return 0;
    for (const char *p = v; *p; p++)
        if (!isgraph((unsigned char)*p) || *p == ',')
            return 0;
    return 1;
}

/* acr-instance-ids (older: acr-instance-id): "cri-a,cn-hangzhou:cri-b" ->
 * AcrRegistryInfo.N.InstanceId (+ RegionId for cross-region), with the
 * acr-service-arns / acr-user-arns role ARNs on each. */
static void acr(podmap_tr_ctx *c, const cJSON *ann)
{
    const char *key = ACK "acr-instance-ids";
    const char *v = podmap_tr_str(ann, key);
    if (!v) {
        key = ACK "acr-instance-id";
        v = podmap_tr_str(ann, key);
    }
    const char *svc = podmap_tr_str(ann, ACK "acr-service-arns"), *usr = podmap_tr_str(ann, ACK "acr-user-arns");
    char path[128];
    if (!v) {
        if (svc || usr) {
            snprintf(path, sizeof path, "metadata.annotations['%s']", svc ? ACK "acr-service-arns" : ACK "acr-user-arns");
            podmap_tr_reject(c, path, "annotation %s needs the annotation " ACK "acr-instance-ids",
                             svc ? ACK "acr-service-arns" : ACK "acr-user-arns");
        }
        return;
    }
    snprintf(path, sizeof path, "metadata.annotations['%s']", key);
    cJSON *items = podmap_tr_split_list(v), *out = cJSON_CreateArray();
    int n = cJSON_GetArraySize(items), ok = n > 0 && n <= 10;
    const cJSON *it;
    cJSON_ArrayForEach(it, items)
    {
        const char *s = it->valuestring, *colon = strchr(s, ':');
        char *region = colon ? xstrndup(s, (size_t)(colon - s)) : NULL;
        const char *id = colon ? colon + 1 : s;
        int rok = 1;
        for (const char *p = region ? region : ""; *p; p++)
            if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '-'))
                rok = 0;
        if (!podmap_tr_id_ok(id, "cri-") || (region && (!*region || !rok))) {
            ok = 0;
        } else {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "InstanceId", id);
            if (region)
                cJSON_AddStringToObject(o, "RegionId", region);
            cJSON_AddItemToArray(out, o);
        }
        free(region);
    }
    cJSON_Delete(items);
    if (!ok) {
        podmap_tr_reject(c, path, "annotation %s: \"%s\" is not a list of 1-10 ACR instance ids cri-... "
                                  "(region:cri-... for another region)", key, v);
        cJSON_Delete(out);
        return;
    }
    static const struct { const char *ann, *member; } arns[] = {
        {ACK "acr-service-arns", "ArnService"},
        {ACK "acr-user-arns", "ArnUser"},
    };
    for (size_t i = 0; i < 2; i++) {
        const char *a = podmap_tr_str(ann, arns[i].ann);
        if (!a)
            continue;
        if (!arn_ok(a)) {
            snprintf(path, sizeof path, "metadata.annotations['%s']", arns[i].ann);
            podmap_tr_reject(c, path, "annotation %s: \"%s\" is not a RAM role ARN (acs:ram::...)", arns[i].ann, a);
            continue;
        }
        cJSON *o;
        cJSON_ArrayForEach(o, out) cJSON_AddStringToObject(o, arns[i].member, a);
    }
    cJSON_AddItemToObject(c->req, "AcrRegistryInfo", out);
}

void podmap_tr_ack_annotations(podmap_tr_ctx *c)
{
    const cJSON *ann = podmap_tr_obj(c->meta, "annotations");
    if (!ann)
        return;
    for (size_t i = 0; i < sizeof simple / sizeof simple[0]; i++)
        simple_one(c, ann, &simple[i]);
    const char *v;
    if ((v = podmap_tr_str(ann, ACK "eci-imc-id")) != NULL)
        podmap_tr_image_cache(c, ACK "eci-imc-id", v);
    if ((v = podmap_tr_str(ann, ACK "eci-compute-category")) != NULL)
        compute_category(c, v, "metadata.annotations['" ACK "eci-compute-category']");
    if ((v = podmap_tr_str(ann, ACK "eci-enable-ipv6")) != NULL) {
        if (strcmp(v, "true") && strcmp(v, "false"))
            podmap_tr_reject(c, "metadata.annotations['" ACK "eci-enable-ipv6']",
                             "annotation " ACK "eci-enable-ipv6: \"%s\" is not true or false", v);
        else if (!strcmp(v, "true"))
            cJSON_AddNumberToObject(c->req, "Ipv6AddressCount", 1);
    }
    if ((v = podmap_tr_str(ann, ACK "eci-ipv6-bandwidth")) != NULL) {
        /* ACK writes "100M"; ECI wants Mbit/s as a digit string. */
        size_t l = strlen(v);
        char *d = xstrndup(v, l && (v[l - 1] == 'M' || v[l - 1] == 'm') ? l - 1 : l);
        long long n = 0;
        if (!int_ok(d, 1, 100000, &n))
            podmap_tr_reject(c, "metadata.annotations['" ACK "eci-ipv6-bandwidth']",
                             "annotation " ACK "eci-ipv6-bandwidth: \"%s\" is not a bandwidth in Mbit/s "
                             "from 1 to 100000 (e.g. 100M)", v);
        else
            cJSON_AddStringToObject(c->req, "Ipv6GatewayBandwidth", d);
        free(d);
    }
    bandwidth(c, ann, "ingress-bandwidth", "IngressBandwidth");
    bandwidth(c, ann, "egress-bandwidth", "EgressBandwidth");
    if ((v = podmap_tr_str(ann, ACK "eci-custom-hosts")) != NULL)
        custom_hosts(c, v, "metadata.annotations['" ACK "eci-custom-hosts']");
    if ((v = podmap_tr_str(ann, ACK "eci-custom-dnsconfig")) != NULL)
        custom_dns(c, v, "metadata.annotations['" ACK "eci-custom-dnsconfig']");
    acr(c, ann);
}
