/* PodSpec -> ECI CreateContainerGroup: identity, tags, annotations, group
 * level fields and the fate of every PodSpec field. Containers are in
 * translate_container.c, volumes and registry credentials in
 * translate_volume.c, resources in translate_res.c. */
#include "provider/podmap/translate_int.h"
#include "provider/podmap/status.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/dynbuf.h"
#include "util/xmalloc.h"

#define ANN_PREFIX "k8s.aliyun.com/"

/* ---------------------------------------------------------------- names */

static int dns_char(char ch) { return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9'); }

char *podmap_group_name(const char *ns, const char *name)
{
    char *raw = xasprintf("%s-%s", ns ? ns : "", name ? name : "");
    size_t n = strlen(raw);
    char *s = xmalloc(n + 1);
    int altered = 0;
    for (size_t i = 0; i < n; i++) {
        char ch = (char)tolower((unsigned char)raw[i]);
        if (ch != raw[i])
            altered = 1;
        if (!dns_char(ch) && ch != '-') {
            ch = '-';
            altered = 1;
        }
        s[i] = ch;
    }
    s[n] = '\0';
    /* Must start and end with an alphanumeric character. */
    size_t start = 0;
    while (s[start] == '-')
        start++;
    while (n > start && s[n - 1] == '-')
        n--;
    if (start || n != strlen(s))
        altered = 1;
    size_t len = n - start;
    char *res;
    if (!altered && len <= PODMAP_TR_MAX_GROUP_NAME && len >= 2) {
        res = xstrndup(s + start, len);
    } else {
        char h[9];
        char *key = xasprintf("%s/%s", ns ? ns : "", name ? name : "");
        podmap_tr_hash8(key, h);
        free(key);
        size_t keep = PODMAP_TR_MAX_GROUP_NAME - 9;
        if (len < keep)
            keep = len;
        while (keep > 0 && s[start + keep - 1] == '-')
            keep--;
        if (keep == 0)
            res = xasprintf("pod-%s", h);
        else
            res = xasprintf("%.*s-%s", (int)keep, s + start, h);
    }
    free(s);
    free(raw);
    return res;
}

char *podmap_client_token(const char *uid)
{
    const char *u = uid ? uid : "";
    size_t n = strlen(u);
    int ok = n > 0 && n <= 64;
    for (size_t i = 0; ok && i < n; i++)
        if ((unsigned char)u[i] < 0x21 || (unsigned char)u[i] > 0x7e)
            ok = 0;
    if (ok)
        return xstrdup(u);
    char h[9];
    podmap_tr_hash8(u, h);
    return xasprintf("uid-%s", h);
}

char *podmap_tag_value(const char *v)
{
    const char *s = v ? v : "";
    int bad = strncmp(s, "acs:", 4) == 0 || strstr(s, "http://") || strstr(s, "https://");
    if (!bad && strlen(s) <= PODMAP_TR_MAX_TAG_VALUE)
        return xstrdup(s);
    char h[9];
    podmap_tr_hash8(s, h);
    dynbuf b;
    dynbuf_init(&b, 0);
    if (strncmp(s, "acs:", 4) == 0)
        dynbuf_adds(&b, "_");
    size_t keep = PODMAP_TR_MAX_TAG_VALUE - 9 - b.len;
    for (size_t i = 0; s[i] && i < keep; i++) {
        /* break up "http://" so the value passes the check */
        if (s[i] == ':' && s[i + 1] == '/' && s[i + 2] == '/')
            dynbuf_addc(&b, '_');
        else
            dynbuf_addc(&b, s[i]);
    }
    dynbuf_printf(&b, "-%s", h);
    return dynbuf_take(&b, NULL);
}

int podmap_tag_value_shortened(const char *v)
{
    return v && strlen(v) == PODMAP_TR_MAX_TAG_VALUE;
}

static void add_tag(cJSON *tags, const char *k, const char *v)
{
    cJSON *t = cJSON_CreateObject();
    cJSON_AddStringToObject(t, "Key", k);
    char *val = podmap_tag_value(v);
    cJSON_AddStringToObject(t, "Value", val);
    free(val);
    cJSON_AddItemToArray(tags, t);
}

/* ---------------------------------------------------------- annotations */

static int spec_item_ok(const char *s)
{
    if (strncmp(s, "ecs.", 4) == 0) {
        if (!s[4])
            return 0;
        for (const char *p = s + 4; *p; p++)
            if (!(isalnum((unsigned char)*p) || *p == '.' || *p == '-'))
                return 0;
        return 1;
    }
    /* "<cpu>-<mem>Gi", e.g. "2-4Gi" or "0.5-1Gi" */
    const char *d = strchr(s, '-');
    if (!d || d == s)
        return 0;
    char *cpu = xstrndup(s, (size_t)(d - s));
    double c = 0, m = 0;
    int ok = podmap_parse_quantity(cpu, &c) == 0 && c > 0 &&
             podmap_parse_quantity(d + 1, &m) == 0 && m > 0 && strchr(d + 1, 'G');
    free(cpu);
    return ok;
}

static int is_gpu_type(const char *s)
{
    return strncmp(s, "ecs.gn", 6) == 0 || strncmp(s, "ecs.vgn", 7) == 0 ||
           strncmp(s, "ecs.ebmgn", 9) == 0 || strncmp(s, "ecs.sgn", 7) == 0;
}

static const char *known_annotations[] = {
    "eci-use-specs", "eci-spot-strategy", "eci-spot-price-limit", "eci-image-snapshot-id",
    "eci-auto-imc", "eci-with-eip", "eci-eip-instanceid", "eci-vswitch", "eci-security-group",
    "eci-ram-role-name", "eci-extra-ephemeral-storage", "eci-core-pattern", "eci-ntp-server",
    "eci-resource-group-id", "eci-custom-tags", "eci-fail-strategy", "eci-spot-fallback", "pod-fail-on-create-err",
    "eci-spot-release-strategy", NULL,
};

int podmap_daemonset_refused(const cJSON *pod)
{
    const cJSON *meta = podmap_tr_obj(pod, "metadata");
    const char *allow = podmap_tr_str(podmap_tr_obj(meta, "annotations"), PODMAP_ALLOW_DAEMONSET_ANNOTATION);
    if (allow && !strcmp(allow, "true"))
        return 0;
    const cJSON *o;
    cJSON_ArrayForEach(o, podmap_tr_arr(meta, "ownerReferences"))
    {
        const char *kind = podmap_tr_str(o, "kind"), *api = podmap_tr_str(o, "apiVersion");
        if (kind && !strcmp(kind, "DaemonSet") && api && !strncmp(api, "apps/", 5) &&
            cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "controller")))
            return 1;
    }
    return 0;
}

int podmap_create_policy_of(const cJSON *pod, podmap_create_policy *out, char *err, size_t errlen)
{
    out->strategy = PODMAP_FAIL_RETRY;
    out->max_pending_minutes = PODMAP_MAX_PENDING_DEFAULT;
    out->max_pending_set = 0;
    out->spot_fallback = 0;
    const cJSON *ann = podmap_tr_obj(podmap_tr_obj(pod, "metadata"), "annotations");
    const char *v;
    if ((v = podmap_tr_str(ann, ANN_PREFIX "eci-fail-strategy")) != NULL) {
        if (!strcmp(v, "fail-fast"))
            out->strategy = PODMAP_FAIL_FAST;
        else if (strcmp(v, "fail-back") && strcmp(v, "fail-over")) {
            snprintf(err, errlen, "annotation %seci-fail-strategy: \"%s\" is not fail-back, fail-over or fail-fast",
                     ANN_PREFIX, v);
            return -1;
        }
    }
    /* ACK's older switch: "true" fails the pod at a failed create, as
     * fail-fast does; contradicting an explicit eci-fail-strategy is refused. */
    if ((v = podmap_tr_str(ann, ANN_PREFIX "pod-fail-on-create-err")) != NULL) {
        if (strcmp(v, "true") && strcmp(v, "false")) {
            snprintf(err, errlen, "annotation %spod-fail-on-create-err: \"%s\" is not true or false", ANN_PREFIX, v);
            return -1;
        }
        int fast = !strcmp(v, "true");
        const char *fs = podmap_tr_str(ann, ANN_PREFIX "eci-fail-strategy");
        if (fs && fast != (out->strategy == PODMAP_FAIL_FAST)) {
            snprintf(err, errlen, "annotation %spod-fail-on-create-err: \"%s\" contradicts %seci-fail-strategy: \"%s\"",
                     ANN_PREFIX, v, ANN_PREFIX, fs);
            return -1;
        }
        if (fast)
            out->strategy = PODMAP_FAIL_FAST;
    }
    if ((v = podmap_tr_str(ann, ANN_PREFIX "eci-max-pending-minute")) != NULL) {
        char *end = NULL;
        long n = strtol(v, &end, 10);
        if (!*v || *end || n < 10 || n > 1440) {
            snprintf(err, errlen, "annotation %seci-max-pending-minute: \"%s\" is not a number of minutes from 10 "
                     "to 1440", ANN_PREFIX, v);
            return -1;
        }
        out->max_pending_minutes = (int)n;
        out->max_pending_set = 1;
    }
    /* ACK's api-evict is what the bridge does at a spot reclaim (an eviction
     * through the API: DisruptionTarget, then a graceful delete); it has no
     * other strategy to offer. */
    if ((v = podmap_tr_str(ann, ANN_PREFIX "eci-spot-release-strategy")) != NULL && strcmp(v, "api-evict")) {
        snprintf(err, errlen, "annotation %seci-spot-release-strategy: \"%s\" is not api-evict (eci-kubelet evicts "
                 "the pod through the API when ECI announces a spot reclaim)", ANN_PREFIX, v);
        return -1;
    }
    if ((v = podmap_tr_str(ann, ANN_PREFIX "eci-spot-fallback")) != NULL) {
        if (strcmp(v, "true") && strcmp(v, "false")) {
            snprintf(err, errlen, "annotation %seci-spot-fallback: \"%s\" is not true or false", ANN_PREFIX, v);
            return -1;
        }
        out->spot_fallback = !strcmp(v, "true");
    }
    return 0;
}

static void annotations(podmap_tr_ctx *c, cJSON *tags)
{
    const cJSON *ann = podmap_tr_obj(c->meta, "annotations");
    const char *v;
    char path[128];
#define APATH(k) (snprintf(path, sizeof path, "metadata.annotations['" ANN_PREFIX "%s']", k), path)
#define ANN(k) podmap_tr_str(ann, ANN_PREFIX k)

    /* Unknown k8s.aliyun.com/ annotations are reported, not dropped silently;
     * the read-only ones the node itself writes back are not requests. */
    const cJSON *it;
    cJSON_ArrayForEach(it, ann)
    {
        if (!it->string || strncmp(it->string, ANN_PREFIX, strlen(ANN_PREFIX)) != 0)
            continue;
        const char *k = it->string + strlen(ANN_PREFIX);
        int known = podmap_tr_ack_known(k) || podmap_status_writeback_key(it->string);
        for (int i = 0; known_annotations[i]; i++)
            if (strcmp(k, known_annotations[i]) == 0)
                known = 1;
        if (!known)
            podmap_tr_find(c, PODMAP_FATE_IGNORED, "Warning", "UnsupportedAnnotation", APATH(k),
                    "annotation %s%s is not supported by eci-kubelet and is ignored", ANN_PREFIX, k);
    }

    if ((v = ANN("eci-use-specs")) != NULL) {
        cJSON *items = podmap_tr_split_list(v);
        int ok = cJSON_GetArraySize(items) > 0 && cJSON_GetArraySize(items) <= 5;
        cJSON_ArrayForEach(it, items)
        {
            if (!spec_item_ok(it->valuestring))
                ok = 0;
            else if (is_gpu_type(it->valuestring))
                c->gpu_allowed = 1;
        }
        if (!ok) {
            podmap_tr_reject(c, APATH("eci-use-specs"),
                      "annotation %seci-use-specs: \"%s\" is not a list of 1-5 ECS instance types "
                      "(ecs.c6.large) or specifications (2-4Gi)",
                      ANN_PREFIX, v);
        } else {
            char *j = podmap_tr_join_list(items);
            cJSON_AddStringToObject(c->req, "InstanceType", j);
            free(j);
            c->instance_type_set = 1;
        }
        cJSON_Delete(items);
    }
    const char *strategy = ANN("eci-spot-strategy");
    const char *price = ANN("eci-spot-price-limit");
    if (strategy) {
        if (strcmp(strategy, "NoSpot") && strcmp(strategy, "SpotWithPriceLimit") &&
            strcmp(strategy, "SpotAsPriceGo"))
            podmap_tr_reject(c, APATH("eci-spot-strategy"),
                      "annotation %seci-spot-strategy: \"%s\" is not NoSpot, SpotWithPriceLimit or "
                      "SpotAsPriceGo",
                      ANN_PREFIX, strategy);
        else if (strcmp(strategy, "SpotWithPriceLimit") == 0 && !price)
            podmap_tr_reject(c, APATH("eci-spot-strategy"),
                      "annotation %seci-spot-strategy: SpotWithPriceLimit needs the annotation "
                      "%seci-spot-price-limit",
                      ANN_PREFIX, ANN_PREFIX);
        else
            cJSON_AddStringToObject(c->req, "SpotStrategy", strategy);
    }
    if (price) {
        const char *dot = strchr(price, '.');
        double d = 0;
        int ok = podmap_parse_quantity(price, &d) == 0 && d > 0 && isdigit((unsigned char)price[0]);
        for (const char *p = price; *p; p++)
            if (!isdigit((unsigned char)*p) && *p != '.')
                ok = 0;
        if (dot && strlen(dot + 1) > 3)
            ok = 0;
        if (!ok)
            podmap_tr_reject(c, APATH("eci-spot-price-limit"),
                      "annotation %seci-spot-price-limit: \"%s\" is not a positive price with at "
                      "most 3 decimals",
                      ANN_PREFIX, price);
        else if (!strategy || strcmp(strategy, "SpotWithPriceLimit") != 0)
            podmap_tr_reject(c, APATH("eci-spot-price-limit"),
                      "annotation %seci-spot-price-limit needs %seci-spot-strategy: "
                      "SpotWithPriceLimit",
                      ANN_PREFIX, ANN_PREFIX);
        else
            cJSON_AddNumberToObject(c->req, "SpotPriceLimit", d);
    }
    podmap_create_policy pol;
    char perr[256];
    if (podmap_create_policy_of(c->pod, &pol, perr, sizeof perr) != 0)
        podmap_tr_reject(c, "metadata.annotations", "%s", perr);
    if ((v = ANN("eci-image-snapshot-id")) != NULL)
        podmap_tr_image_cache(c, ANN_PREFIX "eci-image-snapshot-id", v);
    static const struct { const char *ann, *param; } bools[] = {
        {"eci-auto-imc", "AutoMatchImageCache"},
        {"eci-with-eip", "AutoCreateEip"},
    };
    for (size_t i = 0; i < 2; i++) {
        if ((v = podmap_tr_str(ann, (snprintf(path, sizeof path, ANN_PREFIX "%s", bools[i].ann), path))) ==
            NULL)
            continue;
        if (strcmp(v, "true") && strcmp(v, "false"))
            podmap_tr_reject(c, APATH(bools[i].ann), "annotation %s%s: \"%s\" is not true or false",
                      ANN_PREFIX, bools[i].ann, v);
        else
            cJSON_AddBoolToObject(c->req, bools[i].param, strcmp(v, "true") == 0);
    }
    if ((v = ANN("eci-eip-instanceid")) != NULL) {
        const char *with = ANN("eci-with-eip");
        if (!podmap_tr_id_ok(v, "eip-"))
            podmap_tr_reject(c, APATH("eci-eip-instanceid"),
                      "annotation %seci-eip-instanceid: \"%s\" is not an EIP id (eip-...)",
                      ANN_PREFIX, v);
        else if (with && strcmp(with, "true") == 0)
            podmap_tr_reject(c, APATH("eci-eip-instanceid"),
                      "annotation %seci-eip-instanceid cannot be combined with %seci-with-eip: true",
                      ANN_PREFIX, ANN_PREFIX);
        else
            cJSON_AddStringToObject(c->req, "EipInstanceId", v);
    }
    const char *vsw = c->cfg->vswitch_ids;
    if ((v = ANN("eci-vswitch")) != NULL) {
        cJSON *items = podmap_tr_split_list(v);
        int n = cJSON_GetArraySize(items), ok = n > 0 && n <= 10;
        cJSON_ArrayForEach(it, items) if (!podmap_tr_id_ok(it->valuestring, "vsw-")) ok = 0;
        if (!ok)
            podmap_tr_reject(c, APATH("eci-vswitch"),
                      "annotation %seci-vswitch: \"%s\" is not a list of 1-10 vSwitch ids (vsw-...)",
                      ANN_PREFIX, v);
        else
            vsw = v;
        cJSON_Delete(items);
    }
    if (vsw && *vsw) {
        cJSON *items = podmap_tr_split_list(vsw);
        char *j = podmap_tr_join_list(items);
        cJSON_AddStringToObject(c->req, "VSwitchId", j);
        free(j);
        cJSON_Delete(items);
    }
    const char *sg = c->cfg->security_group_id;
    if ((v = ANN("eci-security-group")) != NULL) {
        if (!podmap_tr_id_ok(v, "sg-"))
            podmap_tr_reject(c, APATH("eci-security-group"),
                      "annotation %seci-security-group: \"%s\" is not a security group id (sg-...)",
                      ANN_PREFIX, v);
        else
            sg = v;
    }
    if (sg && *sg)
        cJSON_AddStringToObject(c->req, "SecurityGroupId", sg);
    if ((v = ANN("eci-ram-role-name")) != NULL) {
        int ok = *v && strlen(v) <= 64;
        for (const char *p = v; *p; p++)
            if (!(isalnum((unsigned char)*p) || *p == '-' || *p == '.' || *p == '_'))
                ok = 0;
        if (!ok)
            podmap_tr_reject(c, APATH("eci-ram-role-name"),
                      "annotation %seci-ram-role-name: \"%s\" is not a RAM role name", ANN_PREFIX, v);
        else
            cJSON_AddStringToObject(c->req, "RamRoleName", v);
    }
    if ((v = ANN("eci-extra-ephemeral-storage")) != NULL) {
        double q = 0;
        if (podmap_parse_quantity(v, &q) != 0 || q <= 0 || q > 2048.0 * 1073741824.0) {
            podmap_tr_reject(c, APATH("eci-extra-ephemeral-storage"),
                      "annotation %seci-extra-ephemeral-storage: \"%s\" is not a size between 1Gi "
                      "and 2048Gi",
                      ANN_PREFIX, v);
        } else {
            double gib = ceil(q / 1073741824.0 - 1e-9);
            if (fabs(gib * 1073741824.0 - q) > 0.5)
                podmap_tr_find(c, PODMAP_FATE_ADJUSTED, "Normal", "EphemeralStorageRounded",
                        APATH("eci-extra-ephemeral-storage"),
                        "annotation %seci-extra-ephemeral-storage: %s rounded up to %.0fGi",
                        ANN_PREFIX, v, gib);
            cJSON_AddNumberToObject(c->req, "EphemeralStorage", gib);
        }
    }
    if ((v = ANN("eci-core-pattern")) != NULL) {
        if (v[0] != '/' || strlen(v) > 255)
            podmap_tr_reject(c, APATH("eci-core-pattern"),
                      "annotation %seci-core-pattern: \"%s\" must be an absolute directory path "
                      "(not a |program)",
                      ANN_PREFIX, v);
        else
            cJSON_AddStringToObject(c->req, "CorePattern", v);
    }
    if ((v = ANN("eci-ntp-server")) != NULL) {
        cJSON *items = podmap_tr_split_list(v);
        int n = cJSON_GetArraySize(items), ok = n > 0 && n <= 10;
        cJSON_ArrayForEach(it, items)
        {
            for (const char *p = it->valuestring; *p; p++)
                if (!(isalnum((unsigned char)*p) || *p == '.' || *p == '-' || *p == ':'))
                    ok = 0;
        }
        if (!ok) {
            podmap_tr_reject(c, APATH("eci-ntp-server"),
                      "annotation %seci-ntp-server: \"%s\" is not a list of 1-10 host names or IPs",
                      ANN_PREFIX, v);
            cJSON_Delete(items);
        } else {
            cJSON_AddItemToObject(c->req, "NtpServer", items);
        }
    }
    const char *rg = c->cfg->resource_group_id;
    if ((v = ANN("eci-resource-group-id")) != NULL) {
        if (!podmap_tr_id_ok(v, "rg-"))
            podmap_tr_reject(c, APATH("eci-resource-group-id"),
                      "annotation %seci-resource-group-id: \"%s\" is not a resource group id (rg-...)",
                      ANN_PREFIX, v);
        else
            rg = v;
    }
    if (rg && *rg)
        cJSON_AddStringToObject(c->req, "ResourceGroupId", rg);
    if ((v = ANN("eci-custom-tags")) != NULL) {
        /* "k1:v1,k2:v2": at most 20 tags in all, 5 of which are ours. */
        cJSON *items = podmap_tr_split_list(v);
        int n = cJSON_GetArraySize(items), ok = n <= PODMAP_TR_MAX_TAGS - 5;
        cJSON *user = cJSON_CreateArray();
        cJSON_ArrayForEach(it, items)
        {
            const char *kv = it->valuestring, *colon = strchr(kv, ':');
            char *k = colon ? xstrndup(kv, (size_t)(colon - kv)) : xstrdup(kv);
            const char *val = colon ? colon + 1 : "";
            if (!*k || strlen(k) > PODMAP_TR_MAX_TAG_KEY || strncmp(k, "aliyun", 6) == 0 ||
                strncmp(k, "acs:", 4) == 0 || strncmp(k, "eci-kubelet/", 12) == 0 ||
                strstr(k, "http://") || strstr(k, "https://") || strlen(val) > PODMAP_TR_MAX_TAG_VALUE ||
                strncmp(val, "acs:", 4) == 0 || strstr(val, "http://") || strstr(val, "https://"))
                ok = 0;
            else {
                cJSON *t = cJSON_CreateObject();
                cJSON_AddStringToObject(t, "Key", k);
                cJSON_AddStringToObject(t, "Value", val);
                cJSON_AddItemToArray(user, t);
            }
            free(k);
        }
        if (!ok) {
            podmap_tr_reject(c, APATH("eci-custom-tags"),
                      "annotation %seci-custom-tags: expected at most %d key:value pairs with keys "
                      "<= 64 characters not starting with aliyun, acs: or eci-kubelet/",
                      ANN_PREFIX, PODMAP_TR_MAX_TAGS - 5);
            cJSON_Delete(user);
        } else {
            cJSON *u;
            while ((u = cJSON_DetachItemFromArray(user, 0)) != NULL)
                cJSON_AddItemToArray(tags, u);
            cJSON_Delete(user);
        }
        cJSON_Delete(items);
    }
#undef ANN
#undef APATH
}

/* ------------------------------------------------------- field fates */

typedef enum {
    F_MAPPED,   /* translated by code below */
    F_SCHED,    /* scheduling: honoured by the scheduler before binding; nothing to do */
    F_HOST,     /* host namespaces: rejected when true */
    F_WARN,     /* ignored with a Warning when set */
    F_REJECT,   /* rejected when set */
} fate_kind;

static const struct { const char *field; fate_kind kind; const char *why; } spec_fates[] = {
    {"containers", F_MAPPED, NULL},
    {"initContainers", F_MAPPED, NULL},
    {"volumes", F_MAPPED, NULL},
    {"restartPolicy", F_MAPPED, NULL},
    {"terminationGracePeriodSeconds", F_MAPPED, NULL},
    {"activeDeadlineSeconds", F_MAPPED, NULL},
    {"dnsPolicy", F_MAPPED, NULL},
    {"dnsConfig", F_MAPPED, NULL},
    {"hostAliases", F_MAPPED, NULL},
    {"hostname", F_MAPPED, NULL},
    {"subdomain", F_MAPPED, NULL},
    {"setHostnameAsFQDN", F_MAPPED, NULL},
    {"securityContext", F_MAPPED, NULL},
    {"imagePullSecrets", F_MAPPED, NULL},
    {"shareProcessNamespace", F_MAPPED, NULL},
    {"enableServiceLinks", F_MAPPED, NULL},
    {"serviceAccountName", F_MAPPED, NULL},
    {"serviceAccount", F_MAPPED, NULL},
    {"automountServiceAccountToken", F_MAPPED, NULL},
    {"nodeName", F_MAPPED, NULL},
    {"resources", F_MAPPED, NULL},
    {"readinessGates", F_MAPPED, NULL},
    {"os", F_MAPPED, NULL},
    {"nodeSelector", F_SCHED, NULL},
    {"affinity", F_SCHED, NULL},
    {"tolerations", F_SCHED, NULL},
    {"schedulerName", F_SCHED, NULL},
    {"priority", F_SCHED, NULL},
    {"priorityClassName", F_SCHED, NULL},
    {"preemptionPolicy", F_SCHED, NULL},
    {"topologySpreadConstraints", F_SCHED, NULL},
    {"schedulingGates", F_SCHED, NULL},
    {"overhead", F_SCHED, NULL},
    {"hostNetwork", F_HOST, "host networking is not available on ECI: each group has its own ENI"},
    {"hostPID", F_HOST, "the host PID namespace is not available on ECI"},
    {"hostIPC", F_HOST, "the host IPC namespace is not available on ECI"},
    {"hostUsers", F_WARN, "user namespaces cannot be configured on ECI; the sandbox isolates the group"},
    {"runtimeClassName", F_WARN, "ECI runs every group in its own sandbox; the runtime class is not used"},
    {"ephemeralContainers", F_WARN, "ephemeral containers (kubectl debug) cannot be added to an ECI group"},
    {"resourceClaims", F_REJECT, "dynamic resource allocation is not available on ECI"},
    {"hostnameOverride", F_WARN, "not supported on ECI"},
};

static void field_fates(podmap_tr_ctx *c)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, c->spec)
    {
        const char *k = it->string;
        size_t i, n = sizeof spec_fates / sizeof spec_fates[0];
        for (i = 0; i < n; i++)
            if (strcmp(spec_fates[i].field, k) == 0)
                break;
        char path[160];
        snprintf(path, sizeof path, "spec.%.140s", k);
        if (i == n) {
            if (podmap_tr_present(c->spec, k))
                podmap_tr_find(c, PODMAP_FATE_IGNORED, "Warning", "UnsupportedField", path,
                        "%s: unknown PodSpec field, not translated to ECI", path);
            continue;
        }
        switch (spec_fates[i].kind) {
        case F_MAPPED:
        case F_SCHED:
            break;
        case F_HOST:
            if (podmap_tr_bool(c->spec, k, 0))
                podmap_tr_reject(c, path, "%s: %s", path, spec_fates[i].why);
            break;
        case F_WARN:
            if (strcmp(k, "hostUsers") == 0 ? podmap_tr_bool(c->spec, k, 1) == 0 : podmap_tr_present(c->spec, k))
                podmap_tr_find(c, PODMAP_FATE_IGNORED, "Warning", "UnsupportedField", path, "%s: %s",
                        path, spec_fates[i].why);
            break;
        case F_REJECT:
            if (podmap_tr_present(c->spec, k))
                podmap_tr_reject(c, path, "%s: %s", path, spec_fates[i].why);
            break;
        }
    }
    const char *os = podmap_tr_str(podmap_tr_obj(c->spec, "os"), "name");
    if (os && strcmp(os, "linux") != 0)
        podmap_tr_reject(c, "spec.os.name", "spec.os.name: \"%s\" pods cannot run on ECI (Linux only)", os);
}

/* ------------------------------------------------------ group fields */

static void pod_security(podmap_tr_ctx *c)
{
    const cJSON *sc = podmap_tr_obj(c->spec, "securityContext");
    if (!sc)
        return;
    static const char *warn[] = {"fsGroup", "fsGroupChangePolicy", "supplementalGroups",
                                 "supplementalGroupsPolicy", "seLinuxOptions", "seccompProfile",
                                 "appArmorProfile", "windowsOptions", "seLinuxChangePolicy", NULL};
    for (int i = 0; warn[i]; i++) {
        if (!podmap_tr_present(sc, warn[i]))
            continue;
        char path[96];
        snprintf(path, sizeof path, "spec.securityContext.%s", warn[i]);
        podmap_tr_find(c, PODMAP_FATE_IGNORED, "Warning", "UnsupportedField", path,
                "%s: not supported by ECI and ignored%s", path,
                strncmp(warn[i], "fsGroup", 7) == 0 ? " (volume ownership is not changed)" : "");
    }
    const cJSON *it;
    cJSON_ArrayForEach(it, sc)
    {
        static const char *known[] = {"fsGroup", "fsGroupChangePolicy", "supplementalGroups",
                                      "supplementalGroupsPolicy", "seLinuxOptions", "seccompProfile",
                                      "appArmorProfile", "windowsOptions", "seLinuxChangePolicy",
                                      "runAsUser", "runAsGroup", "runAsNonRoot", "sysctls", NULL};
        int k = 0;
        for (int i = 0; known[i]; i++)
            if (strcmp(it->string, known[i]) == 0)
                k = 1;
        if (!k && podmap_tr_present(sc, it->string)) {
            char path[160];
            snprintf(path, sizeof path, "spec.securityContext.%.120s", it->string);
            podmap_tr_find(c, PODMAP_FATE_IGNORED, "Warning", "UnsupportedField", path,
                    "%s: unknown field, not translated to ECI", path);
        }
    }
    /* sysctls: safe ones -> SecurityContext.Sysctl, the namespaced "unsafe" ones
     * ECI allows -> HostSecurityContext.Sysctl, anything else rejected. */
    const cJSON *sys = podmap_tr_arr(sc, "sysctls");
    cJSON *safe = cJSON_CreateArray(), *unsafe = cJSON_CreateArray();
    int i = 0;
    cJSON_ArrayForEach(it, sys)
    {
        const char *n = podmap_tr_str(it, "name"), *v = podmap_tr_str(it, "value");
        char path[96];
        snprintf(path, sizeof path, "spec.securityContext.sysctls[%d]", i++);
        if (!n || !v) {
            podmap_tr_reject(c, path, "%s: name and value are required", path);
            continue;
        }
        int is_safe = !strcmp(n, "net.ipv4.ping_group_range") ||
                      !strcmp(n, "net.ipv4.ip_unprivileged_port_start") ||
                      !strcmp(n, "net.ipv4.ip_local_port_range");
        int is_unsafe_ok =
            (!strncmp(n, "kernel.shm", 10) && strcmp(n, "kernel.shm_rmid_forced") != 0) ||
            !strncmp(n, "kernel.msg", 10) || !strcmp(n, "kernel.sem") || !strncmp(n, "fs.mqueue.", 10) ||
            (!strncmp(n, "net.", 4) && strcmp(n, "net.ipv4.tcp_syncookies") != 0);
        cJSON *s = cJSON_CreateObject();
        cJSON_AddStringToObject(s, "Name", n);
        cJSON_AddStringToObject(s, "Value", v);
        if (is_safe) {
            cJSON_AddItemToArray(safe, s);
        } else if (is_unsafe_ok) {
            cJSON_AddItemToArray(unsafe, s);
        } else {
            cJSON_Delete(s);
            podmap_tr_reject(c, path, "%s: sysctl %s cannot be set on ECI", path, n);
        }
    }
    if (cJSON_GetArraySize(safe)) {
        cJSON *o = cJSON_AddObjectToObject(c->req, "SecurityContext");
        cJSON_AddItemToObject(o, "Sysctl", safe);
    } else {
        cJSON_Delete(safe);
    }
    if (cJSON_GetArraySize(unsafe)) {
        cJSON *o = cJSON_AddObjectToObject(c->req, "HostSecurityContext");
        cJSON_AddItemToObject(o, "Sysctl", unsafe);
    } else {
        cJSON_Delete(unsafe);
    }
}

static void dns(podmap_tr_ctx *c)
{
    const char *policy = podmap_tr_str(c->spec, "dnsPolicy");
    if (!policy)
        policy = "ClusterFirst";
    const char *domain = c->cfg->cluster_domain && *c->cfg->cluster_domain ? c->cfg->cluster_domain
                                                                             : "cluster.local";
    cJSON *ns = cJSON_CreateArray(), *search = cJSON_CreateArray(), *opts = cJSON_CreateArray();
    const char *eci_policy = NULL;
    if (!strcmp(policy, "ClusterFirst") || !strcmp(policy, "ClusterFirstWithHostNet")) {
        cJSON *l = podmap_tr_split_list(c->cfg->cluster_dns ? c->cfg->cluster_dns : "");
        for (size_t i = 0; c->cfg->cluster_dns_list && i < c->cfg->n_cluster_dns; i++)
            if (c->cfg->cluster_dns_list[i] && *c->cfg->cluster_dns_list[i])
                podmap_tr_add_unique(l, c->cfg->cluster_dns_list[i]);
        if (cJSON_GetArraySize(l) > 0) {
            eci_policy = "None";
            const cJSON *it;
            cJSON_ArrayForEach(it, l) podmap_tr_add_unique(ns, it->valuestring);
            cJSON_Delete(l);
            char *s1 = xasprintf("%s.svc.%s", c->ns, domain), *s2 = xasprintf("svc.%s", domain);
            podmap_tr_add_unique(search, s1);
            podmap_tr_add_unique(search, s2);
            podmap_tr_add_unique(search, domain);
            free(s1);
            free(s2);
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "Name", "ndots");
            cJSON_AddStringToObject(o, "Value", "5");
            cJSON_AddItemToArray(opts, o);
        } else {
            cJSON_Delete(l);
            eci_policy = "Default";
            podmap_tr_find(c, PODMAP_FATE_ADJUSTED, "Warning", "ClusterDNSNotConfigured", "spec.dnsPolicy",
                    "spec.dnsPolicy: %s needs the cluster DNS address, which eci-kubelet is not "
                    "configured with; the VPC resolver is used (cluster names do not resolve)",
                    policy);
        }
    } else if (!strcmp(policy, "Default")) {
        eci_policy = "Default";
    } else if (!strcmp(policy, "None")) {
        eci_policy = "None";
    } else {
        podmap_tr_reject(c, "spec.dnsPolicy", "spec.dnsPolicy: unknown policy \"%s\"", policy);
    }
    const cJSON *dc = podmap_tr_obj(c->spec, "dnsConfig");
    const cJSON *it;
    cJSON_ArrayForEach(it, podmap_tr_arr(dc, "nameservers")) if (cJSON_IsString(it))
        podmap_tr_add_unique(ns, it->valuestring);
    cJSON_ArrayForEach(it, podmap_tr_arr(dc, "searches")) if (cJSON_IsString(it))
        podmap_tr_add_unique(search, it->valuestring);
    cJSON_ArrayForEach(it, podmap_tr_arr(dc, "options"))
    {
        const char *n = podmap_tr_str(it, "name"), *v = podmap_tr_str(it, "value");
        if (!n)
            continue;
        cJSON *o = NULL, *x;
        cJSON_ArrayForEach(x, opts) if (!strcmp(podmap_tr_str(x, "Name"), n)) o = x;
        if (o) {
            cJSON_DeleteItemFromObject(o, "Value");
        } else {
            o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "Name", n);
            cJSON_AddItemToArray(opts, o);
        }
        if (v)
            cJSON_AddStringToObject(o, "Value", v);
    }
    if (eci_policy)
        cJSON_AddStringToObject(c->req, "DnsPolicy", eci_policy);
    if (cJSON_GetArraySize(ns) > 3) {
        podmap_tr_find(c, PODMAP_FATE_ADJUSTED, "Warning", "DNSConfigForming", "spec.dnsConfig.nameservers",
                "spec.dnsConfig.nameservers: more than 3 name servers; only the first 3 are used");
        while (cJSON_GetArraySize(ns) > 3)
            cJSON_DeleteItemFromArray(ns, 3);
    }
    if (cJSON_GetArraySize(ns) || cJSON_GetArraySize(search) || cJSON_GetArraySize(opts)) {
        cJSON *d = cJSON_AddObjectToObject(c->req, "DnsConfig");
        if (cJSON_GetArraySize(ns))
            cJSON_AddItemToObject(d, "NameServer", ns);
        else
            cJSON_Delete(ns);
        if (cJSON_GetArraySize(search))
            cJSON_AddItemToObject(d, "Search", search);
        else
            cJSON_Delete(search);
        if (cJSON_GetArraySize(opts))
            cJSON_AddItemToObject(d, "Option", opts);
        else
            cJSON_Delete(opts);
    } else {
        cJSON_Delete(ns);
        cJSON_Delete(search);
        cJSON_Delete(opts);
    }
}

static void host_fields(podmap_tr_ctx *c)
{
    /* hostAliases */
    const cJSON *it;
    cJSON *ha = cJSON_CreateArray();
    int i = 0;
    cJSON_ArrayForEach(it, podmap_tr_arr(c->spec, "hostAliases"))
    {
        const char *ip = podmap_tr_str(it, "ip");
        if (!ip) {
            char path[64];
            snprintf(path, sizeof path, "spec.hostAliases[%d].ip", i);
            podmap_tr_reject(c, path, "%s: an IP address is required", path);
        } else {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "Ip", ip);
            cJSON *hn = cJSON_AddArrayToObject(o, "Hostname");
            const cJSON *h;
            cJSON_ArrayForEach(h, podmap_tr_arr(it, "hostnames")) if (cJSON_IsString(h))
                cJSON_AddItemToArray(hn, cJSON_CreateString(h->valuestring));
            cJSON_AddItemToArray(ha, o);
        }
        i++;
    }
    if (cJSON_GetArraySize(ha))
        cJSON_AddItemToObject(c->req, "HostAliase", ha);
    else
        cJSON_Delete(ha);

    /* hostname: spec.hostname, else the pod name cut to 63 characters. */
    const char *hn = podmap_tr_str(c->spec, "hostname");
    char *host;
    if (hn && *hn) {
        host = xstrdup(hn);
    } else {
        host = xstrndup(c->name, 63);
        size_t n = strlen(host);
        while (n > 0 && (host[n - 1] == '-' || host[n - 1] == '.'))
            host[--n] = '\0';
    }
    const char *sub = podmap_tr_str(c->spec, "subdomain");
    if (sub && *sub) {
        const char *domain = c->cfg->cluster_domain && *c->cfg->cluster_domain
                                 ? c->cfg->cluster_domain
                                 : "cluster.local";
        if (podmap_tr_bool(c->spec, "setHostnameAsFQDN", 0)) {
            char *fqdn = xasprintf("%s.%s.%s.svc.%s", host, sub, c->ns, domain);
            if (strlen(fqdn) > 64) {
                podmap_tr_reject(c, "spec.setHostnameAsFQDN",
                          "spec.setHostnameAsFQDN: the FQDN %s is longer than 64 characters", fqdn);
                free(fqdn);
            } else {
                free(host);
                host = fqdn;
            }
        } else {
            podmap_tr_find(c, PODMAP_FATE_ADJUSTED, "Normal", "SubdomainNotInHosts", "spec.subdomain",
                    "spec.subdomain: the pod's FQDN resolves through cluster DNS, but ECI's "
                    "/etc/hosts carries only the host name %s",
                    host);
        }
    }
    if (*host)
        cJSON_AddStringToObject(c->req, "HostName", host);
    free(host);

    if (podmap_tr_bool(c->spec, "shareProcessNamespace", 0))
        cJSON_AddBoolToObject(c->req, "ShareProcessNamespace", 1);
}

static void lifetime(podmap_tr_ctx *c)
{
    const char *rp = podmap_tr_str(c->spec, "restartPolicy");
    if (!rp)
        rp = "Always";
    if (strcmp(rp, "Always") && strcmp(rp, "OnFailure") && strcmp(rp, "Never"))
        podmap_tr_reject(c, "spec.restartPolicy", "spec.restartPolicy: unknown policy \"%s\"", rp);
    else
        cJSON_AddStringToObject(c->req, "RestartPolicy", rp);
    long long v;
    if (podmap_tr_int(c->spec, "terminationGracePeriodSeconds", &v) == 0 && v >= 0)
        cJSON_AddNumberToObject(c->req, "TerminationGracePeriodSeconds", (double)v);
    if (podmap_tr_int(c->spec, "activeDeadlineSeconds", &v) == 0) {
        if (v <= 0)
            podmap_tr_reject(c, "spec.activeDeadlineSeconds",
                      "spec.activeDeadlineSeconds: must be a positive number of seconds");
        else
            cJSON_AddNumberToObject(c->req, "ActiveDeadlineSeconds", (double)v);
    }
}

/* ------------------------------------------------------------ entry */

static void ctx_free(podmap_tr_ctx *c)
{
    podmap_tr_cached *e = c->cache;
    while (e) {
        podmap_tr_cached *n = e->next;
        free(e->key);
        cJSON_Delete(e->obj);
        free(e);
        e = n;
    }
    kv_free(&c->svc_env);
    free(c->cinfo);
    free(c->wait_reason);
    free(c->wait_message);
}

static char *rejected_message(const podmap_result *r)
{
    dynbuf b;
    dynbuf_init(&b, 4096);
    dynbuf_adds(&b, "");
    for (size_t i = 0; i < r->nfindings; i++) {
        if (r->findings[i].fate != PODMAP_FATE_REJECTED)
            continue;
        if (b.len && dynbuf_adds(&b, "; ") < 0)
            break;
        if (dynbuf_adds(&b, r->findings[i].message) < 0)
            break;
    }
    return dynbuf_take(&b, NULL);
}

podmap_outcome podmap_translate(const cJSON *pod, const podmap_config *cfg,
                                  const podmap_resolver *res, podmap_result *out)
{
    memset(out, 0, sizeof *out);
    podmap_tr_ctx c;
    memset(&c, 0, sizeof c);
    c.pod = pod;
    c.cfg = cfg;
    c.res = res;
    c.out = out;
    c.meta = podmap_tr_obj(pod, "metadata");
    c.spec = podmap_tr_obj(pod, "spec");
    c.ns = podmap_tr_str(c.meta, "namespace");
    if (!c.ns || !*c.ns)
        c.ns = "default";
    c.name = podmap_tr_str(c.meta, "name");
    c.uid = podmap_tr_str(c.meta, "uid");
    c.req = cJSON_CreateObject();

    if (!c.name || !*c.name)
        podmap_tr_reject(&c, "metadata.name", "metadata.name: the pod has no name");
    if (!c.uid || !*c.uid)
        podmap_tr_reject(&c, "metadata.uid", "metadata.uid: the pod has no UID");
    if (!c.spec)
        podmap_tr_reject(&c, "spec", "spec: the pod has no spec");
    if (!c.name)
        c.name = "";
    if (!c.uid)
        c.uid = "";

    if (c.nrejected == 0) {
        char *gname = podmap_group_name(c.ns, c.name);
        cJSON_AddStringToObject(c.req, "RegionId", cfg->region ? cfg->region : "");
        cJSON_AddStringToObject(c.req, "ContainerGroupName", gname);
        free(gname);
        char *tok = podmap_client_token(c.uid);
        cJSON_AddStringToObject(c.req, "ClientToken", tok);
        free(tok);
        cJSON *tags = cJSON_CreateArray();
        add_tag(tags, PODMAP_TAG_CLUSTER, cfg->cluster_name ? cfg->cluster_name : "");
        add_tag(tags, PODMAP_TAG_NODE, cfg->node_name ? cfg->node_name : "");
        add_tag(tags, PODMAP_TAG_NAMESPACE, c.ns);
        add_tag(tags, PODMAP_TAG_POD, c.name);
        cJSON *t = cJSON_CreateObject();
        cJSON_AddStringToObject(t, "Key", PODMAP_TAG_UID);
        cJSON_AddStringToObject(t, "Value", c.uid);
        cJSON_AddItemToArray(tags, t);

        annotations(&c, tags);
        cJSON_AddItemToObject(c.req, "Tag", tags);
        field_fates(&c);
        lifetime(&c);
        podmap_tr_collect_resources(&c);
        podmap_tr_group_resources(&c);
        podmap_tr_volumes(&c);
        podmap_tr_pull_secrets(&c);
        podmap_tr_containers(&c);
        pod_security(&c);
        dns(&c);
        host_fields(&c);
        podmap_tr_ack_annotations(&c);
    }

    if (c.nrejected > 0) {
        out->outcome = PODMAP_REJECTED;
        out->reason = xstrdup("ProviderFailed");
        out->message = rejected_message(out);
        cJSON_Delete(c.req);
    } else if (c.wait) {
        out->outcome = PODMAP_WAIT;
        out->reason = c.wait_reason;
        out->message = c.wait_message;
        c.wait_reason = c.wait_message = NULL;
        cJSON_Delete(c.req);
    } else {
        out->outcome = PODMAP_OK;
        out->params = c.req;
        podmap_build_create(c.req, &out->req);
    }
    ctx_free(&c);
    return out->outcome;
}

void podmap_result_free(podmap_result *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->nfindings; i++) {
        free(r->findings[i].path);
        free(r->findings[i].reason);
        free(r->findings[i].message);
    }
    free(r->findings);
    free(r->reason);
    free(r->message);
    cJSON_Delete(r->params);
    cJSON_Delete(r->missing);
    eci_create_cg_req_free(&r->req);
    memset(r, 0, sizeof *r);
}

/* ----------------------------------------------------------- updates */

static char *images_of(const cJSON *pod)
{
    dynbuf b;
    dynbuf_init(&b, 0);
    dynbuf_adds(&b, "");
    const char *lists[] = {"initContainers", "containers"};
    for (int l = 0; l < 2; l++) {
        const cJSON *it;
        cJSON_ArrayForEach(it, podmap_tr_arr(podmap_tr_obj(pod, "spec"), lists[l]))
        {
            const char *n = podmap_tr_str(it, "name"), *img = podmap_tr_str(it, "image");
            dynbuf_printf(&b, "%s/%s=%s\n", lists[l], n ? n : "", img ? img : "");
        }
    }
    return dynbuf_take(&b, NULL);
}

/* The resources of every container and of the pod, as one comparable text. */
static char *resources_of(const cJSON *pod)
{
    const cJSON *spec = podmap_tr_obj(pod, "spec");
    cJSON *all = cJSON_CreateArray();
    const char *lists[] = {"initContainers", "containers"};
    for (int l = 0; l < 2; l++) {
        const cJSON *it;
        cJSON_ArrayForEach(it, podmap_tr_arr(spec, lists[l]))
        {
            const cJSON *r = podmap_tr_obj(it, "resources");
            cJSON_AddItemToArray(all, r ? cJSON_Duplicate(r, 1) : cJSON_CreateNull());
        }
    }
    const cJSON *pr = podmap_tr_obj(spec, "resources");
    cJSON_AddItemToArray(all, pr ? cJSON_Duplicate(pr, 1) : cJSON_CreateNull());
    char *s = cJSON_PrintUnformatted(all);
    cJSON_Delete(all);
    char *r = xstrdup(s ? s : "");
    cJSON_free(s);
    return r;
}

int podmap_resources_changed(const cJSON *old_pod, const cJSON *new_pod)
{
    char *a = resources_of(old_pod), *b = resources_of(new_pod);
    int changed = strcmp(a, b) != 0;
    free(a);
    free(b);
    return changed;
}

podmap_update_kind podmap_update_plan(const cJSON *old_pod, const cJSON *new_pod,
                                        const char *group_id, const podmap_config *cfg,
                                        const podmap_resolver *res, eci_update_cg_req *req,
                                        char **message)
{
    memset(req, 0, sizeof *req);
    if (message)
        *message = NULL;
    if (cJSON_GetArraySize(podmap_tr_arr(podmap_tr_obj(new_pod, "spec"), "ephemeralContainers")) >
        cJSON_GetArraySize(podmap_tr_arr(podmap_tr_obj(old_pod, "spec"), "ephemeralContainers"))) {
        if (message)
            *message = xstrdup(PODMAP_EPHEMERAL_UNSUPPORTED);
        return PODMAP_UPD_EPHEMERAL;
    }
    char *a = images_of(old_pod), *b = images_of(new_pod);
    char *ra = resources_of(old_pod), *rb = resources_of(new_pod);
    int same_img = strcmp(a, b) == 0, same_res = strcmp(ra, rb) == 0;
    free(a);
    free(ra);
    if (!same_res) { /* the token names the new size too */
        char *x = xasprintf("%s%s", b, rb);
        free(b);
        b = x;
    }
    free(rb);
    if (same_img && same_res) {
        free(b);
        /* activeDeadlineSeconds is the only other mutable PodSpec field ECI
         * knows; it cannot be changed on a running group. */
        long long x = 0, y = 0;
        int hx = podmap_tr_int(podmap_tr_obj(old_pod, "spec"), "activeDeadlineSeconds", &x) == 0;
        int hy = podmap_tr_int(podmap_tr_obj(new_pod, "spec"), "activeDeadlineSeconds", &y) == 0;
        if (message && (hx != hy || x != y))
            *message = xstrdup("spec.activeDeadlineSeconds changed: enforced by eci-kubelet, "
                               "the ECI group keeps its original deadline");
        return PODMAP_UPD_NONE;
    }
    podmap_result r;
    podmap_translate(new_pod, cfg, res, &r);
    if (r.outcome != PODMAP_OK) {
        if (message)
            *message = xasprintf("the new spec cannot be translated: %s",
                                 r.message ? r.message : "unknown error");
        podmap_result_free(&r);
        free(b);
        return PODMAP_UPD_REJECTED;
    }
    cJSON *p = cJSON_CreateObject();
    cJSON_AddStringToObject(p, "RegionId", cfg->region ? cfg->region : "");
    cJSON_AddStringToObject(p, "ContainerGroupId", group_id ? group_id : "");
    char h[9];
    podmap_tr_hash8(b, h);
    free(b);
    const char *uid = podmap_tr_str(podmap_tr_obj(new_pod, "metadata"), "uid");
    char *base = podmap_client_token(uid);
    char *tok = xasprintf("%.50s-u%s", base, h);
    free(base);
    cJSON_AddStringToObject(p, "ClientToken", tok);
    free(tok);
    static const char *copy[] = {"ResourceGroupId", "Container", "InitContainer",
                                 "ImageRegistryCredential", "Cpu", "Memory", NULL};
    for (int i = 0; copy[i]; i++) {
        if (same_res && (!strcmp(copy[i], "Cpu") || !strcmp(copy[i], "Memory")))
            continue;
        cJSON *x = cJSON_DetachItemFromObjectCaseSensitive(r.params, copy[i]);
        if (x)
            cJSON_AddItemToObject(p, copy[i], x);
    }
    podmap_result_free(&r);
    podmap_build_update(p, req);
    cJSON_Delete(p);
    return same_res ? PODMAP_UPD_IMAGES : PODMAP_UPD_RESIZE;
}
