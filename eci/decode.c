/* Parsed JSON responses -> typed responses (see eci/codec.h). Tolerant of the
 * service's (and its documentation's) habits: keys in any case, numbers and
 * booleans as strings, lists rendered as strings ("[a, b]"), arrays wrapped in
 * an object named after the item ("Rules": {"Rule": [...]}). Wrong types are
 * ECI_E_DECODE errors naming the field path. */
#include "eci/codec.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/xmalloc.h"

typedef struct dctx {
    eci_error *err;
    char path[384];
    size_t len;
} dctx;

static size_t push(dctx *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static size_t push(dctx *d, const char *fmt, ...)
{
    size_t mark = d->len;
    if (d->len < sizeof d->path - 1) {
        va_list ap;
        va_start(ap, fmt);
        int w = vsnprintf(d->path + d->len, sizeof d->path - d->len, fmt, ap);
        va_end(ap);
        if (w > 0)
            d->len += (size_t)w;
        if (d->len > sizeof d->path - 1)
            d->len = sizeof d->path - 1;
    }
    return mark;
}

static void pop(dctx *d, size_t mark)
{
    d->len = mark;
    d->path[mark] = '\0';
}

static int fail(dctx *d, const char *key, const char *what)
{
    const char *sep = d->len ? "." : "";
    if (!key)
        key = sep = "";
    return eci_error_set(d->err, ECI_E_DECODE, "%s%s%s: %s", d->path, sep, key, what);
}

static const cJSON *field(const cJSON *obj, const char *key)
{
    const cJSON *it = cJSON_GetObjectItem(obj, key); /* case-insensitive */
    if (!it || cJSON_IsNull(it))
        return NULL;
    return it;
}

/* Scalar -> fresh string, NULL for objects/arrays. */
static char *scalar_str(const cJSON *it)
{
    if (cJSON_IsString(it))
        return xstrdup(it->valuestring ? it->valuestring : "");
    if (cJSON_IsBool(it))
        return xstrdup(cJSON_IsTrue(it) ? "true" : "false");
    if (cJSON_IsNumber(it)) {
        double v = it->valuedouble;
        if (isfinite(v) && v == floor(v) && fabs(v) < 9e15)
            return xasprintf("%lld", (long long)v);
        return xasprintf("%.17g", v);
    }
    return NULL;
}

static int get_str(dctx *d, const cJSON *obj, const char *key, char **out)
{
    const cJSON *it = field(obj, key);
    if (!it)
        return 0;
    char *s = scalar_str(it);
    if (!s)
        return fail(d, key, "expected a string");
    free(*out);
    *out = s;
    return 0;
}

/* First present of several alternative keys. */
static int get_str_alt(dctx *d, const cJSON *obj, const char *const *keys, char **out)
{
    for (; *keys; keys++)
        if (field(obj, *keys))
            return get_str(d, obj, *keys, out);
    return 0;
}

static int parse_i64(const char *s, int64_t *out)
{
    while (isspace((unsigned char)*s))
        s++;
    if (!*s) {
        *out = 0;
        return 0;
    }
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno == 0 && end != s) {
        while (isspace((unsigned char)*end))
            end++;
        if (!*end) {
            *out = v;
            return 0;
        }
    }
    errno = 0;
    double dv = strtod(s, &end);
    if (errno || end == s)
        return -1;
    while (isspace((unsigned char)*end))
        end++;
    if (*end || !isfinite(dv) || dv != floor(dv) || fabs(dv) > 9.2e18)
        return -1;
    *out = (int64_t)dv;
    return 0;
}

static int get_i64(dctx *d, const cJSON *obj, const char *key, int64_t *out)
{
    const cJSON *it = field(obj, key);
    if (!it)
        return 0;
    if (cJSON_IsNumber(it)) {
        double v = it->valuedouble;
        if (!isfinite(v) || fabs(v) > 9.2e18)
            return fail(d, key, "integer out of range");
        *out = (int64_t)v;
        return 0;
    }
    if (cJSON_IsBool(it)) {
        *out = cJSON_IsTrue(it);
        return 0;
    }
    if (cJSON_IsString(it) && it->valuestring && parse_i64(it->valuestring, out) == 0)
        return 0;
    return fail(d, key, "expected an integer");
}

static int get_f(dctx *d, const cJSON *obj, const char *key, double *out)
{
    const cJSON *it = field(obj, key);
    if (!it)
        return 0;
    if (cJSON_IsNumber(it)) {
        *out = it->valuedouble;
        return 0;
    }
    if (cJSON_IsString(it) && it->valuestring) {
        const char *s = it->valuestring;
        while (isspace((unsigned char)*s))
            s++;
        if (!*s) {
            *out = 0;
            return 0;
        }
        char *end;
        errno = 0;
        double v = strtod(s, &end);
        while (end && isspace((unsigned char)*end))
            end++;
        if (!errno && end != s && !*end && isfinite(v)) {
            *out = v;
            return 0;
        }
    }
    return fail(d, key, "expected a number");
}

static int get_bool(dctx *d, const cJSON *obj, const char *key, int *out)
{
    const cJSON *it = field(obj, key);
    if (!it)
        return 0;
    if (cJSON_IsBool(it)) {
        *out = cJSON_IsTrue(it);
        return 0;
    }
    if (cJSON_IsNumber(it)) {
        *out = it->valuedouble != 0;
        return 0;
    }
    if (cJSON_IsString(it) && it->valuestring) {
        const char *s = it->valuestring;
        if (!strcasecmp(s, "true") || !strcmp(s, "1")) {
            *out = 1;
            return 0;
        }
        if (!strcasecmp(s, "false") || !strcmp(s, "0") || !*s) {
            *out = 0;
            return 0;
        }
    }
    return fail(d, key, "expected a boolean");
}

/* "[a, b]" / "['a', 'b']" / "[\"a\",\"b\"]" / "a" -> items. */
static void split_list_string(const char *s, eci_strv *out)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    if (!n)
        return;
    if (s[0] != '[') {
        char *one = xstrndup(s, n);
        eci_strv_add(out, one);
        free(one);
        return;
    }
    cJSON *j = cJSON_ParseWithLength(s, n);
    if (j && cJSON_IsArray(j)) {
        int ok = 1;
        const cJSON *e;
        cJSON_ArrayForEach(e, j) if (!cJSON_IsString(e) && !cJSON_IsNumber(e) && !cJSON_IsBool(e)) ok = 0;
        if (ok) {
            cJSON_ArrayForEach(e, j)
            {
                char *v = scalar_str(e);
                eci_strv_add(out, v);
                free(v);
            }
            cJSON_Delete(j);
            return;
        }
    }
    cJSON_Delete(j);
    /* Not JSON: strip the brackets, split on commas (or blanks if none). */
    const char *b = s + 1, *e = s + n;
    if (e > b && e[-1] == ']')
        e--;
    int commas = memchr(b, ',', (size_t)(e - b)) != NULL;
    const char *p = b;
    while (p < e) {
        while (p < e && (isspace((unsigned char)*p) || *p == ','))
            p++;
        if (p >= e)
            break;
        const char *x, *y;
        if (*p == '\'' || *p == '"') {
            char quote = *p++;
            x = p;
            while (p < e && *p != quote)
                p++;
            y = p;
            if (p < e)
                p++;
        } else {
            x = p;
            while (p < e && (commas ? *p != ',' : !isspace((unsigned char)*p)))
                p++;
            y = p;
            while (y > x && isspace((unsigned char)y[-1]))
                y--;
        }
        char *item = xstrndup(x, (size_t)(y - x));
        eci_strv_add(out, item);
        free(item);
    }
}

static int get_strv(dctx *d, const cJSON *obj, const char *key, eci_strv *out)
{
    const cJSON *it = field(obj, key);
    if (!it)
        return 0;
    eci_strv_free(out);
    if (cJSON_IsArray(it)) {
        size_t i = 0;
        const cJSON *e;
        cJSON_ArrayForEach(e, it)
        {
            if (cJSON_IsNull(e)) {
                i++;
                continue;
            }
            char *s = scalar_str(e);
            if (!s) {
                char k[96];
                snprintf(k, sizeof k, "%s[%zu]", key, i);
                return fail(d, k, "expected a string");
            }
            eci_strv_add(out, s);
            free(s);
            i++;
        }
        return 0;
    }
    if (cJSON_IsString(it)) {
        split_list_string(it->valuestring ? it->valuestring : "", out);
        return 0;
    }
    return fail(d, key, "expected a list of strings");
}

static int get_obj(dctx *d, const cJSON *obj, const char *key, const cJSON **out)
{
    *out = NULL;
    const cJSON *it = field(obj, key);
    if (!it)
        return 0;
    if (!cJSON_IsObject(it))
        return fail(d, key, "expected an object");
    *out = it;
    return 0;
}

/* A list of objects: a JSON array, a single object (one item), or an object
 * wrapping the array under `wrap` ({"Rule": [...]}). *first is the first
 * element, iterate with list_next(). */
typedef struct dlist {
    const cJSON *arr; /* NULL when a single object */
    const cJSON *first;
    size_t n;
} dlist;

static int get_list(dctx *d, const cJSON *obj, const char *key, const char *wrap, dlist *l)
{
    memset(l, 0, sizeof *l);
    const cJSON *it = field(obj, key);
    if (!it)
        return 0;
    if (cJSON_IsObject(it) && wrap) {
        const cJSON *w = field(it, wrap);
        if (w)
            it = w;
        else if (!it->child)
            return 0;
    }
    if (cJSON_IsArray(it)) {
        l->arr = it;
        l->first = it->child;
        for (const cJSON *e = it->child; e; e = e->next)
            l->n++;
        return 0;
    }
    if (cJSON_IsObject(it)) {
        l->first = it;
        l->n = 1;
        return 0;
    }
    if (cJSON_IsString(it) && it->valuestring && !*it->valuestring)
        return 0; /* "" for an empty list */
    return fail(d, key, "expected a list of objects");
}

static const cJSON *list_next(const dlist *l, const cJSON *e)
{
    return l->arr ? e->next : NULL;
}

/* Iterate over list elements, each an object (null elements are skipped as
 * empty objects). Sets up the path "key[i]". */
#define FOR_LIST(d, l, key, e, i)                                                     \
    for (const cJSON *e = (l).first; e; e = list_next(&(l), e), (i)++)

static int elem_obj(dctx *d, const char *key, size_t i, const cJSON *e, size_t *mark)
{
    *mark = push(d, "%s%s[%zu]", d->len ? "." : "", key, i);
    if (!cJSON_IsObject(e) && !cJSON_IsNull(e)) {
        int r = fail(d, NULL, "expected an object");
        return r;
    }
    return 0;
}

static size_t enter(dctx *d, const char *key)
{
    return push(d, "%s%s", d->len ? "." : "", key);
}

static int require_object(dctx *d, const cJSON *root)
{
    if (!root || !cJSON_IsObject(root))
        return eci_error_set(d->err, ECI_E_DECODE, "response body is not a JSON object");
    return 0;
}

#define TRY(x)              \
    do {                    \
        if ((x) != 0)       \
            return -1;      \
    } while (0)

/* Allocate out array for a list and iterate. body uses `e` (element) and `it` (item ptr). */
#define DECODE_LIST(d, obj, key, wrap, arr, count, fn)                                   \
    do {                                                                                 \
        dlist l_;                                                                        \
        TRY(get_list(d, obj, key, wrap, &l_));                                           \
        if (l_.n) {                                                                      \
            (arr) = xcalloc(l_.n, sizeof *(arr));                                        \
            (count) = l_.n;                                                              \
            size_t i_ = 0;                                                               \
            FOR_LIST(d, l_, key, e_, i_)                                                 \
            {                                                                            \
                size_t m_;                                                               \
                TRY(elem_obj(d, key, i_, e_, &m_));                                      \
                if (cJSON_IsObject(e_))                                                  \
                    TRY(fn(d, e_, &(arr)[i_]));                                          \
                pop(d, m_);                                                              \
            }                                                                            \
        }                                                                                \
    } while (0)

/* ---- shared pieces ---------------------------------------------------------- */
static int dec_tag(dctx *d, const cJSON *o, eci_tag *t)
{
    TRY(get_str(d, o, "Key", &t->key));
    return get_str(d, o, "Value", &t->value);
}

static int dec_nv(dctx *d, const cJSON *o, eci_name_value *t)
{
    TRY(get_str(d, o, "Name", &t->name));
    return get_str(d, o, "Value", &t->value);
}

static int dec_event(dctx *d, const cJSON *o, eci_event *e)
{
    TRY(get_i64(d, o, "Count", &e->count));
    TRY(get_str(d, o, "FirstTimestamp", &e->first_timestamp));
    TRY(get_str(d, o, "LastTimestamp", &e->last_timestamp));
    TRY(get_str(d, o, "Message", &e->message));
    TRY(get_str(d, o, "Name", &e->name));
    TRY(get_str(d, o, "Type", &e->type));
    return get_str(d, o, "Reason", &e->reason);
}

static int dec_state(dctx *d, const cJSON *o, const char *key, eci_container_state *s)
{
    const cJSON *st;
    TRY(get_obj(d, o, key, &st));
    if (!st)
        return 0;
    size_t m = enter(d, key);
    TRY(get_str(d, st, "State", &s->state));
    TRY(get_str(d, st, "DetailStatus", &s->detail_status));
    TRY(get_str(d, st, "Reason", &s->reason));
    TRY(get_str(d, st, "Message", &s->message));
    TRY(get_i64(d, st, "ExitCode", &s->exit_code));
    TRY(get_i64(d, st, "Signal", &s->signal));
    TRY(get_str(d, st, "StartTime", &s->start_time));
    TRY(get_str(d, st, "FinishTime", &s->finish_time));
    pop(d, m);
    return 0;
}

static int dec_probe(dctx *d, const cJSON *o, const char *key, eci_probe_info *p)
{
    const cJSON *pr, *sub;
    TRY(get_obj(d, o, key, &pr));
    if (!pr)
        return 0;
    p->present = 1;
    size_t m = enter(d, key);
    TRY(get_strv(d, pr, "Execs", &p->execs));
    if (!p->execs.n) {
        TRY(get_obj(d, pr, "Exec", &sub));
        if (sub) {
            size_t m2 = enter(d, "Exec");
            TRY(get_strv(d, sub, "Commands", &p->execs));
            if (!p->execs.n)
                TRY(get_strv(d, sub, "Command", &p->execs));
            pop(d, m2);
        }
    }
    TRY(get_obj(d, pr, "HttpGet", &sub));
    if (sub) {
        size_t m2 = enter(d, "HttpGet");
        TRY(get_str(d, sub, "Path", &p->http_path));
        TRY(get_i64(d, sub, "Port", &p->http_port));
        TRY(get_str(d, sub, "Scheme", &p->http_scheme));
        pop(d, m2);
    }
    TRY(get_obj(d, pr, "TcpSocket", &sub));
    if (sub) {
        size_t m2 = enter(d, "TcpSocket");
        TRY(get_str(d, sub, "Host", &p->tcp_host));
        TRY(get_i64(d, sub, "Port", &p->tcp_port));
        pop(d, m2);
    }
    TRY(get_i64(d, pr, "InitialDelaySeconds", &p->initial_delay_seconds));
    TRY(get_i64(d, pr, "PeriodSeconds", &p->period_seconds));
    TRY(get_i64(d, pr, "TimeoutSeconds", &p->timeout_seconds));
    TRY(get_i64(d, pr, "SuccessThreshold", &p->success_threshold));
    TRY(get_i64(d, pr, "FailureThreshold", &p->failure_threshold));
    pop(d, m);
    return 0;
}

static int dec_env(dctx *d, const cJSON *o, eci_env_info *e)
{
    TRY(get_str(d, o, "Key", &e->key));
    TRY(get_str(d, o, "Value", &e->value));
    const cJSON *vf, *fr;
    TRY(get_obj(d, o, "ValueFrom", &vf));
    if (vf) {
        size_t m = enter(d, "ValueFrom");
        TRY(get_obj(d, vf, "FieldRef", &fr));
        if (fr) {
            size_t m2 = enter(d, "FieldRef");
            TRY(get_str(d, fr, "FieldPath", &e->field_path));
            pop(d, m2);
        }
        pop(d, m);
    } else {
        TRY(get_obj(d, o, "FieldRef", &fr));
        if (fr) {
            size_t m2 = enter(d, "FieldRef");
            TRY(get_str(d, fr, "FieldPath", &e->field_path));
            pop(d, m2);
        }
    }
    return 0;
}

static int dec_port(dctx *d, const cJSON *o, eci_port_info *p)
{
    TRY(get_i64(d, o, "Port", &p->port));
    return get_str(d, o, "Protocol", &p->protocol);
}

static int dec_mount(dctx *d, const cJSON *o, eci_mount_info *m)
{
    TRY(get_str(d, o, "Name", &m->name));
    TRY(get_str(d, o, "MountPath", &m->mount_path));
    TRY(get_bool(d, o, "ReadOnly", &m->read_only));
    TRY(get_str(d, o, "MountPropagation", &m->mount_propagation));
    return get_str(d, o, "SubPath", &m->sub_path);
}

static int dec_container(dctx *d, const cJSON *o, eci_container_info *c)
{
    TRY(get_str(d, o, "Name", &c->name));
    TRY(get_str(d, o, "Image", &c->image));
    TRY(get_str(d, o, "ImagePullPolicy", &c->image_pull_policy));
    TRY(get_f(d, o, "Cpu", &c->cpu));
    TRY(get_f(d, o, "Memory", &c->memory));
    TRY(get_i64(d, o, "Gpu", &c->gpu));
    TRY(get_str(d, o, "WorkingDir", &c->working_dir));
    TRY(get_strv(d, o, "Commands", &c->commands));
    if (!c->commands.n)
        TRY(get_strv(d, o, "Command", &c->commands));
    TRY(get_strv(d, o, "Args", &c->args));
    TRY(get_bool(d, o, "Stdin", &c->stdin_open));
    TRY(get_bool(d, o, "StdinOnce", &c->stdin_once));
    TRY(get_bool(d, o, "Tty", &c->tty));
    TRY(get_bool(d, o, "Ready", &c->ready));
    TRY(get_i64(d, o, "RestartCount", &c->restart_count));
    TRY(dec_state(d, o, "CurrentState", &c->current_state));
    TRY(dec_state(d, o, "PreviousState", &c->previous_state));
    DECODE_LIST(d, o, "EnvironmentVars", NULL, c->env, c->n_env, dec_env);
    DECODE_LIST(d, o, "Ports", NULL, c->ports, c->n_ports, dec_port);
    DECODE_LIST(d, o, "VolumeMounts", NULL, c->volume_mounts, c->n_volume_mounts, dec_mount);
    TRY(dec_probe(d, o, "LivenessProbe", &c->liveness_probe));
    TRY(dec_probe(d, o, "ReadinessProbe", &c->readiness_probe));
    const cJSON *sc, *cap;
    TRY(get_obj(d, o, "SecurityContext", &sc));
    if (sc) {
        size_t m = enter(d, "SecurityContext");
        TRY(get_obj(d, sc, "Capability", &cap));
        if (cap) {
            size_t m2 = enter(d, "Capability");
            TRY(get_strv(d, cap, "Adds", &c->capability_adds));
            if (!c->capability_adds.n)
                TRY(get_strv(d, cap, "Add", &c->capability_adds));
            pop(d, m2);
        }
        TRY(get_bool(d, sc, "ReadOnlyRootFilesystem", &c->read_only_root_filesystem));
        if (field(sc, "RunAsUser")) {
            c->has_run_as_user = 1;
            TRY(get_i64(d, sc, "RunAsUser", &c->run_as_user));
        }
        pop(d, m);
    }
    return 0;
}

static int dec_cfi(dctx *d, const cJSON *o, eci_config_file_info *f)
{
    TRY(get_str(d, o, "Path", &f->path));
    return get_str(d, o, "Content", &f->content);
}

static int dec_volume(dctx *d, const cJSON *o, eci_volume_info *v)
{
    TRY(get_str(d, o, "Name", &v->name));
    TRY(get_str(d, o, "Type", &v->type));
    TRY(get_str(d, o, "NFSVolumeServer", &v->nfs_server));
    TRY(get_str(d, o, "NFSVolumePath", &v->nfs_path));
    TRY(get_bool(d, o, "NFSVolumeReadOnly", &v->nfs_read_only));
    TRY(get_str(d, o, "DiskVolumeDiskId", &v->disk_id));
    TRY(get_str(d, o, "DiskVolumeFsType", &v->disk_fs_type));
    TRY(get_str(d, o, "FlexVolumeDriver", &v->flex_driver));
    TRY(get_str(d, o, "FlexVolumeFsType", &v->flex_fs_type));
    TRY(get_str(d, o, "FlexVolumeOptions", &v->flex_options));
    TRY(get_str(d, o, "EmptyDirVolumeMedium", &v->empty_dir_medium));
    TRY(get_str(d, o, "EmptyDirVolumeSizeLimit", &v->empty_dir_size_limit));
    DECODE_LIST(d, o, "ConfigFileVolumeConfigFileToPaths", NULL, v->config_files, v->n_config_files, dec_cfi);
    return 0;
}

static int dec_alias(dctx *d, const cJSON *o, eci_host_alias *h)
{
    TRY(get_str(d, o, "Ip", &h->ip));
    return get_strv(d, o, "Hostnames", &h->hostnames);
}

static int dec_group(dctx *d, const cJSON *o, eci_container_group *g)
{
    static const struct {
        const char *key;
        size_t off;
    } strs[] = {
#define S(k, f) {k, offsetof(eci_container_group, f)}
        S("ContainerGroupId", container_group_id), S("ContainerGroupName", container_group_name),
        S("RegionId", region_id), S("ZoneId", zone_id), S("VpcId", vpc_id), S("VSwitchId", vswitch_id),
        S("SecurityGroupId", security_group_id), S("ResourceGroupId", resource_group_id),
        S("Status", status), S("RestartPolicy", restart_policy), S("InstanceType", instance_type),
        S("SpotStrategy", spot_strategy), S("RamRoleName", ram_role_name), S("InternetIp", internet_ip),
        S("IntranetIp", intranet_ip), S("Ipv6Address", ipv6_address), S("EniInstanceId", eni_instance_id),
        S("CreationTime", creation_time), S("SucceededTime", succeeded_time), S("FailedTime", failed_time),
        S("ExpiredTime", expired_time), S("TenantEniInstanceId", tenant_eni_instance_id),
        S("TenantEniIp", tenant_eni_ip), S("TenantSecurityGroupId", tenant_security_group_id),
        S("TenantVSwitchId", tenant_vswitch_id),
#undef S
    };
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        TRY(get_str(d, o, strs[i].key, (char **)((char *)g + strs[i].off)));
    TRY(get_f(d, o, "Cpu", &g->cpu));
    TRY(get_f(d, o, "Memory", &g->memory));
    TRY(get_i64(d, o, "Discount", &g->discount));
    TRY(get_i64(d, o, "EphemeralStorage", &g->ephemeral_storage));
    DECODE_LIST(d, o, "Tags", "Tag", g->tags, g->n_tags, dec_tag);
    const cJSON *dns, *sc;
    TRY(get_obj(d, o, "DnsConfig", &dns));
    if (dns) {
        size_t m = enter(d, "DnsConfig");
        TRY(get_strv(d, dns, "NameServers", &g->dns_nameservers));
        TRY(get_strv(d, dns, "Searches", &g->dns_searches));
        DECODE_LIST(d, dns, "Options", NULL, g->dns_options, g->n_dns_options, dec_nv);
        pop(d, m);
    }
    TRY(get_obj(d, o, "EciSecurityContext", &sc));
    if (sc) {
        size_t m = enter(d, "EciSecurityContext");
        DECODE_LIST(d, sc, "Sysctls", NULL, g->sysctls, g->n_sysctls, dec_nv);
        pop(d, m);
    }
    DECODE_LIST(d, o, "HostAliases", NULL, g->host_aliases, g->n_host_aliases, dec_alias);
    DECODE_LIST(d, o, "Events", NULL, g->events, g->n_events, dec_event);
    DECODE_LIST(d, o, "Volumes", NULL, g->volumes, g->n_volumes, dec_volume);
    DECODE_LIST(d, o, "Containers", NULL, g->containers, g->n_containers, dec_container);
    DECODE_LIST(d, o, "InitContainers", NULL, g->init_containers, g->n_init_containers, dec_container);
    return 0;
}

/* ---- operations ------------------------------------------------------------ */
#define BEGIN(root, out)                     \
    dctx d_ = {.err = err};                  \
    dctx *d = &d_;                           \
    memset(out, 0, sizeof *(out));           \
    TRY(require_object(d, root));            \
    TRY(get_str(d, root, "RequestId", &(out)->request_id))

int eci_decode_create_cg(const cJSON *root, eci_create_cg_resp *out, eci_error *err)
{
    BEGIN(root, out);
    return get_str(d, root, "ContainerGroupId", &out->container_group_id);
}

int eci_decode_simple(const cJSON *root, eci_simple_resp *out, eci_error *err)
{
    BEGIN(root, out);
    return 0;
}

int eci_decode_describe_cgs(const cJSON *root, eci_describe_cgs_resp *out, eci_error *err)
{
    BEGIN(root, out);
    TRY(get_i64(d, root, "TotalCount", &out->total_count));
    TRY(get_str(d, root, "NextToken", &out->next_token));
    DECODE_LIST(d, root, "ContainerGroups", "ContainerGroup", out->groups, out->n_groups, dec_group);
    return 0;
}

static int dec_k8s_state(dctx *d, const cJSON *o, const char *key, eci_k8s_state *s)
{
    const cJSON *st, *sub;
    TRY(get_obj(d, o, key, &st));
    if (!st)
        return 0;
    size_t m = enter(d, key);
    TRY(get_obj(d, st, "Waiting", &sub));
    if (sub) {
        size_t m2 = enter(d, "Waiting");
        s->waiting = 1;
        TRY(get_str(d, sub, "Reason", &s->waiting_reason));
        TRY(get_str(d, sub, "Message", &s->waiting_message));
        pop(d, m2);
    }
    TRY(get_obj(d, st, "Running", &sub));
    if (sub) {
        static const char *const keys[] = {"StartedAt", "StartedAtstartedAt", NULL};
        size_t m2 = enter(d, "Running");
        s->running = 1;
        TRY(get_str_alt(d, sub, keys, &s->running_started_at));
        pop(d, m2);
    }
    TRY(get_obj(d, st, "Terminated", &sub));
    if (sub) {
        size_t m2 = enter(d, "Terminated");
        s->terminated = 1;
        TRY(get_str(d, sub, "ContainerID", &s->terminated_container_id));
        TRY(get_i64(d, sub, "ExitCode", &s->terminated_exit_code));
        TRY(get_i64(d, sub, "Signal", &s->terminated_signal));
        TRY(get_str(d, sub, "Reason", &s->terminated_reason));
        TRY(get_str(d, sub, "Message", &s->terminated_message));
        TRY(get_str(d, sub, "StartedAt", &s->terminated_started_at));
        TRY(get_str(d, sub, "FinishedAt", &s->terminated_finished_at));
        pop(d, m2);
    }
    pop(d, m);
    return 0;
}

static int dec_cstatus(dctx *d, const cJSON *o, eci_container_status *s)
{
    TRY(get_str(d, o, "Name", &s->name));
    TRY(get_str(d, o, "Image", &s->image));
    TRY(get_str(d, o, "ImageID", &s->image_id));
    TRY(get_bool(d, o, "Ready", &s->ready));
    TRY(get_bool(d, o, "Started", &s->started));
    TRY(get_i64(d, o, "RestartCount", &s->restart_count));
    TRY(dec_k8s_state(d, o, "State", &s->state));
    return dec_k8s_state(d, o, "LastState", &s->last_state);
}

static int dec_cond(dctx *d, const cJSON *o, eci_pod_condition *c)
{
    TRY(get_str(d, o, "type", &c->type));
    TRY(get_str(d, o, "status", &c->status));
    TRY(get_str(d, o, "lastTransitionTime", &c->last_transition_time));
    TRY(get_str(d, o, "Reason", &c->reason));
    return get_str(d, o, "Message", &c->message);
}

static int dec_pod_ip(dctx *d, const cJSON *o, char **ip)
{
    return get_str(d, o, "Ip", ip);
}

static int dec_cg_status(dctx *d, const cJSON *o, eci_cg_status *s)
{
    TRY(get_str(d, o, "ContainerGroupId", &s->container_group_id));
    TRY(get_str(d, o, "Name", &s->name));
    TRY(get_str(d, o, "Namespace", &s->namespace_));
    TRY(get_str(d, o, "Status", &s->status));
    TRY(get_str(d, o, "uuid", &s->uuid));
    const cJSON *ann = field(o, "Annotations");
    if (ann && cJSON_IsObject(ann)) {
        char *t = cJSON_PrintUnformatted(ann);
        s->annotations = xstrdup(t ? t : "{}");
        cJSON_free(t);
    } else {
        TRY(get_str(d, o, "Annotations", &s->annotations));
    }
    const cJSON *ps;
    TRY(get_obj(d, o, "PodStatus", &ps));
    if (!ps)
        return 0;
    size_t m = enter(d, "PodStatus");
    TRY(get_str(d, ps, "Phase", &s->phase));
    TRY(get_str(d, ps, "HostIp", &s->host_ip));
    TRY(get_str(d, ps, "PodIp", &s->pod_ip));
    TRY(get_str(d, ps, "QosClass", &s->qos_class));
    TRY(get_str(d, ps, "StartTime", &s->start_time));
    char **ips = NULL;
    size_t nips = 0;
    DECODE_LIST(d, ps, "PodIps", NULL, ips, nips, dec_pod_ip);
    for (size_t i = 0; i < nips; i++) {
        if (ips[i])
            eci_strv_add(&s->pod_ips, ips[i]);
        free(ips[i]);
    }
    free(ips);
    DECODE_LIST(d, ps, "Conditions", NULL, s->conditions, s->n_conditions, dec_cond);
    DECODE_LIST(d, ps, "ContainerStatuses", NULL, s->container_statuses, s->n_container_statuses,
                dec_cstatus);
    pop(d, m);
    return 0;
}

int eci_decode_describe_status(const cJSON *root, eci_describe_status_resp *out, eci_error *err)
{
    BEGIN(root, out);
    TRY(get_i64(d, root, "TotalCount", &out->total_count));
    TRY(get_str(d, root, "NextToken", &out->next_token));
    DECODE_LIST(d, root, "Data", NULL, out->items, out->n_items, dec_cg_status);
    return 0;
}

static int dec_sub_str(dctx *d, const cJSON *o, const char *obj_key, const char *key, char **out)
{
    const cJSON *sub;
    TRY(get_obj(d, o, obj_key, &sub));
    if (!sub)
        return 0;
    size_t m = enter(d, obj_key);
    TRY(get_str(d, sub, key, out));
    pop(d, m);
    return 0;
}

static int dec_k8s_event(dctx *d, const cJSON *o, eci_k8s_event *e)
{
    TRY(get_str(d, o, "Type", &e->type));
    TRY(get_str(d, o, "Reason", &e->reason));
    TRY(get_str(d, o, "Message", &e->message));
    TRY(get_i64(d, o, "Count", &e->count));
    TRY(get_str(d, o, "FirstTimestamp", &e->first_timestamp));
    TRY(get_str(d, o, "LastTimestamp", &e->last_timestamp));
    TRY(get_str(d, o, "ReportingComponent", &e->reporting_component));
    TRY(get_str(d, o, "ReportingInstance", &e->reporting_instance));
    TRY(dec_sub_str(d, o, "Source", "Component", &e->source_component));
    TRY(dec_sub_str(d, o, "Source", "Host", &e->source_host));
    TRY(dec_sub_str(d, o, "involvedObject", "Kind", &e->involved_kind));
    TRY(dec_sub_str(d, o, "involvedObject", "Name", &e->involved_name));
    TRY(dec_sub_str(d, o, "involvedObject", "Namespace", &e->involved_namespace));
    TRY(dec_sub_str(d, o, "involvedObject", "Uid", &e->involved_uid));
    TRY(dec_sub_str(d, o, "involvedObject", "ApiVersion", &e->involved_api_version));
    TRY(dec_sub_str(d, o, "Metadata", "Name", &e->metadata_name));
    return dec_sub_str(d, o, "Metadata", "Namespace", &e->metadata_namespace);
}

static int dec_cg_events(dctx *d, const cJSON *o, eci_cg_events *g)
{
    TRY(get_str(d, o, "ContainerGroupId", &g->container_group_id));
    TRY(get_str(d, o, "Name", &g->name));
    TRY(get_str(d, o, "Namespace", &g->namespace_));
    TRY(get_str(d, o, "uuid", &g->uuid));
    const cJSON *ann = field(o, "Annotations");
    if (ann && cJSON_IsObject(ann)) {
        char *t = cJSON_PrintUnformatted(ann);
        g->annotations = xstrdup(t ? t : "{}");
        cJSON_free(t);
    } else {
        TRY(get_str(d, o, "Annotations", &g->annotations));
    }
    DECODE_LIST(d, o, "Events", NULL, g->events, g->n_events, dec_k8s_event);
    return 0;
}

int eci_decode_describe_events(const cJSON *root, eci_describe_events_resp *out, eci_error *err)
{
    BEGIN(root, out);
    TRY(get_i64(d, root, "TotalCount", &out->total_count));
    TRY(get_str(d, root, "NextToken", &out->next_token));
    DECODE_LIST(d, root, "Data", NULL, out->items, out->n_items, dec_cg_events);
    return 0;
}

int eci_decode_exec(const cJSON *root, eci_exec_resp *out, eci_error *err)
{
    BEGIN(root, out);
    TRY(get_str(d, root, "WebSocketUri", &out->web_socket_uri));
    TRY(get_str(d, root, "HttpUrl", &out->http_url));
    return get_str(d, root, "SyncResponse", &out->sync_response);
}

int eci_decode_log(const cJSON *root, eci_log_resp *out, eci_error *err)
{
    BEGIN(root, out);
    TRY(get_str(d, root, "ContainerName", &out->container_name));
    return get_str(d, root, "Content", &out->content);
}

static int dec_region(dctx *d, const cJSON *o, eci_region *r)
{
    TRY(get_str(d, o, "RegionId", &r->region_id));
    TRY(get_str(d, o, "RegionEndpoint", &r->region_endpoint));
    TRY(get_strv(d, o, "Zones", &r->zones));
    return get_strv(d, o, "RecommendZones", &r->recommend_zones);
}

int eci_decode_describe_regions(const cJSON *root, eci_describe_regions_resp *out, eci_error *err)
{
    BEGIN(root, out);
    DECODE_LIST(d, root, "Regions", "Region", out->regions, out->n_regions, dec_region);
    return 0;
}

int eci_decode_create_image_cache(const cJSON *root, eci_create_image_cache_resp *out, eci_error *err)
{
    BEGIN(root, out);
    TRY(get_str(d, root, "ContainerGroupId", &out->container_group_id));
    return get_str(d, root, "ImageCacheId", &out->image_cache_id);
}

static int dec_image_cache(dctx *d, const cJSON *o, eci_image_cache *c)
{
    TRY(get_str(d, o, "ImageCacheId", &c->image_cache_id));
    TRY(get_str(d, o, "ImageCacheName", &c->image_cache_name));
    TRY(get_i64(d, o, "ImageCacheSize", &c->image_cache_size));
    TRY(get_strv(d, o, "Images", &c->images));
    TRY(get_str(d, o, "Status", &c->status));
    TRY(get_str(d, o, "Progress", &c->progress));
    TRY(get_str(d, o, "SnapshotId", &c->snapshot_id));
    TRY(get_str(d, o, "FlashSnapshotId", &c->flash_snapshot_id));
    TRY(get_str(d, o, "ContainerGroupId", &c->container_group_id));
    TRY(get_str(d, o, "CreationTime", &c->creation_time));
    TRY(get_str(d, o, "ExpireDateTime", &c->expire_date_time));
    TRY(get_str(d, o, "RegionId", &c->region_id));
    TRY(get_str(d, o, "ResourceGroupId", &c->resource_group_id));
    DECODE_LIST(d, o, "Events", NULL, c->events, c->n_events, dec_event);
    DECODE_LIST(d, o, "Tags", "Tag", c->tags, c->n_tags, dec_tag);
    return 0;
}

int eci_decode_describe_image_caches(const cJSON *root, eci_describe_image_caches_resp *out, eci_error *err)
{
    BEGIN(root, out);
    DECODE_LIST(d, root, "ImageCaches", "ImageCache", out->caches, out->n_caches, dec_image_cache);
    return 0;
}

static int dec_cpu(dctx *d, const cJSON *o, eci_cpu_stats *c)
{
    const cJSON *x;
    TRY(get_obj(d, o, "CPU", &x));
    if (!x)
        return 0;
    size_t m = enter(d, "CPU");
    TRY(get_i64(d, x, "UsageNanoCores", &c->usage_nano_cores));
    TRY(get_i64(d, x, "UsageCoreNanoSeconds", &c->usage_core_nano_seconds));
    TRY(get_i64(d, x, "Load", &c->load));
    TRY(get_i64(d, x, "Limit", &c->limit));
    pop(d, m);
    return 0;
}

static int dec_mem(dctx *d, const cJSON *o, eci_mem_stats *c)
{
    const cJSON *x;
    TRY(get_obj(d, o, "Memory", &x));
    if (!x)
        return 0;
    size_t m = enter(d, "Memory");
    TRY(get_i64(d, x, "AvailableBytes", &c->available_bytes));
    TRY(get_i64(d, x, "UsageBytes", &c->usage_bytes));
    TRY(get_i64(d, x, "Cache", &c->cache));
    TRY(get_i64(d, x, "WorkingSet", &c->working_set));
    TRY(get_i64(d, x, "Rss", &c->rss));
    pop(d, m);
    return 0;
}

static int dec_cmetric(dctx *d, const cJSON *o, eci_container_metric *c)
{
    TRY(get_str(d, o, "Name", &c->name));
    TRY(dec_cpu(d, o, &c->cpu));
    return dec_mem(d, o, &c->memory);
}

static int dec_iface(dctx *d, const cJSON *o, eci_net_iface *i)
{
    TRY(get_str(d, o, "Name", &i->name));
    TRY(get_i64(d, o, "TxBytes", &i->tx_bytes));
    TRY(get_i64(d, o, "RxBytes", &i->rx_bytes));
    TRY(get_i64(d, o, "TxErrors", &i->tx_errors));
    return get_i64(d, o, "RxErrors", &i->rx_errors);
}

static int dec_record(dctx *d, const cJSON *o, eci_metric_record *r)
{
    TRY(get_str(d, o, "Timestamp", &r->timestamp));
    DECODE_LIST(d, o, "Containers", NULL, r->containers, r->n_containers, dec_cmetric);
    TRY(dec_cpu(d, o, &r->cpu));
    TRY(dec_mem(d, o, &r->memory));
    const cJSON *net;
    TRY(get_obj(d, o, "Network", &net));
    if (net) {
        size_t m = enter(d, "Network");
        DECODE_LIST(d, net, "Interfaces", NULL, r->interfaces, r->n_interfaces, dec_iface);
        pop(d, m);
    }
    return 0;
}

int eci_decode_metric(const cJSON *root, eci_metric_resp *out, eci_error *err)
{
    BEGIN(root, out);
    TRY(get_str(d, root, "ContainerGroupId", &out->container_group_id));
    DECODE_LIST(d, root, "Records", NULL, out->records, out->n_records, dec_record);
    return 0;
}

static int dec_monitor(dctx *d, const cJSON *o, eci_monitor_data *m)
{
    TRY(get_str(d, o, "ContainerGroupId", &m->container_group_id));
    DECODE_LIST(d, o, "Records", NULL, m->records, m->n_records, dec_record);
    return 0;
}

int eci_decode_multi_metric(const cJSON *root, eci_multi_metric_resp *out, eci_error *err)
{
    BEGIN(root, out);
    DECODE_LIST(d, root, "MonitorDatas", NULL, out->items, out->n_items, dec_monitor);
    return 0;
}

static int dec_rule(dctx *d, const cJSON *o, eci_price_rule *r)
{
    TRY(get_i64(d, o, "RuleId", &r->rule_id));
    return get_str(d, o, "Description", &r->description);
}

static int dec_detail(dctx *d, const cJSON *o, eci_price_detail *x)
{
    TRY(get_str(d, o, "Resource", &x->resource));
    TRY(get_f(d, o, "OriginalPrice", &x->original_price));
    TRY(get_f(d, o, "DiscountPrice", &x->discount_price));
    TRY(get_f(d, o, "TradePrice", &x->trade_price));
    DECODE_LIST(d, o, "Rules", "Rule", x->rules, x->n_rules, dec_rule);
    return 0;
}

static int dec_spot(dctx *d, const cJSON *o, eci_spot_price *s)
{
    TRY(get_str(d, o, "InstanceType", &s->instance_type));
    TRY(get_str(d, o, "ZoneId", &s->zone_id));
    TRY(get_f(d, o, "OriginPrice", &s->origin_price));
    return get_f(d, o, "SpotPrice", &s->spot_price);
}

int eci_decode_price(const cJSON *root, eci_price_resp *out, eci_error *err)
{
    BEGIN(root, out);
    const cJSON *pi, *price;
    TRY(get_obj(d, root, "PriceInfo", &pi));
    if (!pi)
        return 0;
    size_t m = enter(d, "PriceInfo");
    TRY(get_obj(d, pi, "Price", &price));
    if (price) {
        size_t m2 = enter(d, "Price");
        TRY(get_str(d, price, "Currency", &out->currency));
        TRY(get_f(d, price, "OriginalPrice", &out->original_price));
        TRY(get_f(d, price, "DiscountPrice", &out->discount_price));
        TRY(get_f(d, price, "TradePrice", &out->trade_price));
        DECODE_LIST(d, price, "DetailInfos", "DetailInfo", out->details, out->n_details, dec_detail);
        pop(d, m2);
    }
    DECODE_LIST(d, pi, "Rules", "Rule", out->rules, out->n_rules, dec_rule);
    DECODE_LIST(d, pi, "SpotPrices", "SpotPrice", out->spot_prices, out->n_spot_prices, dec_spot);
    pop(d, m);
    return 0;
}

int eci_decode_list_usage(const cJSON *root, eci_list_usage_resp *out, eci_error *err)
{
    BEGIN(root, out);
    const cJSON *attrs;
    TRY(get_obj(d, root, "Attributes", &attrs));
    if (!attrs)
        return 0;
    size_t m = enter(d, "Attributes");
    for (const cJSON *a = attrs->child; a; a = a->next) {
        char *v = scalar_str(a);
        if (!v && !cJSON_IsNull(a))
            return fail(d, a->string, "expected a scalar");
        kv_add(&out->attributes, a->string ? a->string : "", v ? v : "");
        free(v);
    }
    TRY(get_f(d, attrs, "UsedCpu", &out->used_cpu));
    TRY(get_f(d, attrs, "MaxCpu", &out->max_cpu));
    TRY(get_f(d, attrs, "MaxImageCacheCount", &out->max_image_cache_count));
    TRY(get_f(d, attrs, "UsedImageCacheCount", &out->used_image_cache_count));
    pop(d, m);
    return 0;
}

int eci_decode_error_body(const cJSON *root, int http_status, eci_error *err)
{
    if (!err)
        return 0;
    const cJSON *code = root && cJSON_IsObject(root) ? field(root, "Code") : NULL;
    const cJSON *msg = root && cJSON_IsObject(root) ? field(root, "Message") : NULL;
    const cJSON *rid = root && cJSON_IsObject(root) ? field(root, "RequestId") : NULL;
    char *c = code ? scalar_str(code) : NULL;
    char *m = msg ? scalar_str(msg) : NULL;
    char *r = rid ? scalar_str(rid) : NULL;
    eci_error_set_api(err, http_status, c, m, r);
    int found = c && *c;
    free(c);
    free(m);
    free(r);
    return found;
}
