/* Containers and init containers: image, command/args with $(VAR)
 * expansion, environment (values, ConfigMap/Secret/field/resource
 * references, envFrom, service links), ports, probes, lifecycle hooks,
 * security context, terminal flags. */
#include "provider/podmap/translate_int.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/base64.h"
#include "util/dynbuf.h"
#include "util/xmalloc.h"

#define GIB (1024.0 * 1024.0 * 1024.0)

/* One environment variable of a container, in Kubernetes order. */
typedef struct envvar {
    char *key;
    char *value;  /* NULL for a FieldRef (status.podIP) */
    int podip;    /* value comes from ECI's FieldRef */
    int secret;   /* value comes from a Secret */
    char *path;   /* field path for messages */
} envvar;

typedef struct envlist {
    envvar *v;
    size_t n;
} envlist;

static void env_set(envlist *l, const char *key, const char *value, int podip, int secret,
                    const char *path)
{
    for (size_t i = 0; i < l->n; i++) {
        if (strcmp(l->v[i].key, key) == 0) {
            xstrset(&l->v[i].value, value);
            l->v[i].podip = podip;
            l->v[i].secret = secret;
            xstrset(&l->v[i].path, path);
            return;
        }
    }
    l->v = xrealloc(l->v, (l->n + 1) * sizeof *l->v);
    envvar *e = &l->v[l->n++];
    e->key = xstrdup(key);
    e->value = xstrdup(value);
    e->podip = podip;
    e->secret = secret;
    e->path = xstrdup(path);
}

static void env_free(envlist *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i].key);
        free(l->v[i].value);
        free(l->v[i].path);
    }
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

/* The expansion mapping: every variable with a known value (service
 * variables first, so the container's own win). */
static void env_mapping(podmap_tr_ctx *c, const envlist *l, kv_list *m)
{
    kv_init(m);
    for (size_t i = 0; i < c->svc_env.n; i++)
        kv_add(m, c->svc_env.items[i].key, c->svc_env.items[i].val);
    for (size_t i = 0; i < l->n; i++)
        if (!l->v[i].podip)
            kv_add(m, l->v[i].key, l->v[i].value);
}

/* Warn when s still references a variable whose value only ECI knows. */
static void check_podip_refs(podmap_tr_ctx *c, const envlist *l, const char *s, const char *path)
{
    for (size_t i = 0; i < l->n; i++) {
        if (!l->v[i].podip)
            continue;
        char *ref = xasprintf("$(%s)", l->v[i].key);
        int hit = strstr(s, ref) != NULL;
        free(ref);
        if (hit) {
            podmap_tr_find(c, PODMAP_FATE_IGNORED, "Warning", "UnexpandedVariable", path,
                    "%s: $(%s) is not expanded: its value (status.podIP) is only known to ECI at "
                    "start",
                    path, l->v[i].key);
            return;
        }
    }
}

/* ------------------------------------------------------------ services */

static void upper_name(dynbuf *b, const char *s)
{
    for (; *s; s++)
        dynbuf_addc(b, *s == '-' ? '_' : (char)toupper((unsigned char)*s));
}

static void service_vars(kv_list *out, const cJSON *svc)
{
    const char *name = podmap_tr_str(podmap_tr_obj(svc, "metadata"), "name");
    const cJSON *spec = podmap_tr_obj(svc, "spec");
    const char *ip = podmap_tr_str(spec, "clusterIP");
    if (!name || !ip || !*ip || strcmp(ip, "None") == 0)
        return;
    dynbuf n;
    dynbuf_init(&n, 4096);
    upper_name(&n, name);
    const char *N = dynbuf_str(&n);
    char key[512];
    snprintf(key, sizeof key, "%s_SERVICE_HOST", N);
    kv_set(out, key, ip);
    int i = 0;
    const cJSON *p;
    cJSON_ArrayForEach(p, podmap_tr_arr(spec, "ports"))
    {
        long long port;
        if (podmap_tr_int(p, "port", &port) != 0)
            continue;
        const char *proto = podmap_tr_str(p, "protocol");
        if (!proto)
            proto = "TCP";
        char lproto[16];
        size_t k;
        for (k = 0; proto[k] && k < sizeof lproto - 1; k++)
            lproto[k] = (char)tolower((unsigned char)proto[k]);
        lproto[k] = '\0';
        char val[64], url[128];
        snprintf(val, sizeof val, "%lld", port);
        snprintf(url, sizeof url, "%s://%s:%lld", lproto, ip, port);
        if (i == 0) {
            snprintf(key, sizeof key, "%s_SERVICE_PORT", N);
            kv_set(out, key, val);
            snprintf(key, sizeof key, "%s_PORT", N);
            kv_set(out, key, url);
        }
        const char *pn = podmap_tr_str(p, "name");
        if (pn && *pn) {
            dynbuf pk;
            dynbuf_init(&pk, 4096);
            dynbuf_printf(&pk, "%s_SERVICE_PORT_", N);
            upper_name(&pk, pn);
            kv_set(out, dynbuf_str(&pk), val);
            dynbuf_free(&pk);
        }
        char uproto[16];
        for (k = 0; lproto[k]; k++)
            uproto[k] = (char)toupper((unsigned char)lproto[k]);
        uproto[k] = '\0';
        snprintf(key, sizeof key, "%s_PORT_%lld_%s", N, port, uproto);
        kv_set(out, key, url);
        snprintf(key, sizeof key, "%s_PORT_%lld_%s_PROTO", N, port, uproto);
        kv_set(out, key, lproto);
        snprintf(key, sizeof key, "%s_PORT_%lld_%s_PORT", N, port, uproto);
        kv_set(out, key, val);
        snprintf(key, sizeof key, "%s_PORT_%lld_%s_ADDR", N, port, uproto);
        kv_set(out, key, ip);
        i++;
    }
    dynbuf_free(&n);
}

static void load_services(podmap_tr_ctx *c)
{
    if (c->svc_loaded)
        return;
    c->svc_loaded = 1;
    kv_init(&c->svc_env);
    if (!c->res || !c->res->list_services)
        return;
    /* The master service "kubernetes" (namespace default) is always
     * present; the pod's own namespace only with enableServiceLinks. */
    cJSON *def = NULL;
    int rc = c->res->list_services(c->res->ctx, "default", &def);
    if (rc == PODMAP_RES_ERROR) {
        podmap_tr_wait(c, "ProviderRetry", "listing services failed; retrying");
    } else if (rc == PODMAP_RES_OK) {
        const cJSON *s;
        cJSON_ArrayForEach(s, def)
        {
            const char *n = podmap_tr_str(podmap_tr_obj(s, "metadata"), "name");
            if (n && strcmp(n, "kubernetes") == 0)
                service_vars(&c->svc_env, s);
        }
    }
    cJSON_Delete(def);
    if (!podmap_tr_bool(c->spec, "enableServiceLinks", 1))
        return;
    cJSON *mine = NULL;
    rc = c->res->list_services(c->res->ctx, c->ns, &mine);
    if (rc == PODMAP_RES_ERROR) {
        podmap_tr_wait(c, "ProviderRetry", "listing services failed; retrying");
    } else if (rc == PODMAP_RES_OK) {
        const cJSON *s;
        cJSON_ArrayForEach(s, mine) service_vars(&c->svc_env, s);
    }
    cJSON_Delete(mine);
}

/* ------------------------------------------------------------ env */

/* Sorted keys of a JSON object (for deterministic output). */
static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static const char **sorted_keys(const cJSON *o, size_t *n)
{
    *n = 0;
    const char **keys = xcalloc((size_t)cJSON_GetArraySize(o) + 1, sizeof *keys);
    const cJSON *it;
    cJSON_ArrayForEach(it, o) if (it->string && cJSON_IsString(it)) keys[(*n)++] = it->string;
    qsort(keys, *n, sizeof *keys, cmp_str);
    return keys;
}

/* Value of key in a ConfigMap (data) or Secret (data, base64). NULL when
 * missing or undecodable. Caller frees. */
static char *object_value(const cJSON *obj, int secret, const char *key, int *bad)
{
    *bad = 0;
    const char *v = podmap_tr_str(podmap_tr_obj(obj, "data"), key);
    if (!v)
        return NULL;
    if (!secret)
        return xstrdup(v);
    size_t n;
    unsigned char *d = b64_decode(v, strlen(v), 0, &n);
    if (!d)
        *bad = 1;
    else if (memchr(d, '\0', n)) {
        free(d);
        *bad = 1;
        return NULL;
    }
    return (char *)d;
}

static void wait_missing(podmap_tr_ctx *c, int rc, int secret, const char *name, const char *key, int optional,
                         const cJSON *obj, const char *path)
{
    if (rc == PODMAP_RES_ERROR)
        podmap_tr_wait(c, "ProviderRetry", "%s: reading %s \"%s\" failed; retrying", path,
                       secret ? "Secret" : "ConfigMap", name);
    else
        podmap_tr_missing(c, secret, name, key, optional, obj, path);
}

static void env_from(podmap_tr_ctx *c, const cJSON *ctr, const char *base, envlist *l)
{
    const cJSON *src;
    int j = 0;
    cJSON_ArrayForEach(src, podmap_tr_arr(ctr, "envFrom"))
    {
        char path[192];
        snprintf(path, sizeof path, "%s.envFrom[%d]", base, j++);
        static const char *const known[] = {"prefix", "configMapRef", "secretRef", NULL};
        podmap_tr_unknown_fields(c, src, known, path);
        const cJSON *ref = podmap_tr_obj(src, "configMapRef");
        int secret = 0;
        if (!ref) {
            ref = podmap_tr_obj(src, "secretRef");
            secret = 1;
        }
        const char *name = podmap_tr_str(ref, "name");
        if (!ref || !name) {
            podmap_tr_reject(c, path, "%s: needs configMapRef or secretRef with a name", path);
            continue;
        }
        const char *kind = secret ? "Secret" : "ConfigMap";
        const cJSON *obj;
        int rc = podmap_tr_get_object(c, secret ? "secret" : "cm", name, &obj);
        if (rc != PODMAP_RES_OK) {
            wait_missing(c, rc, secret, name, NULL, podmap_tr_bool(ref, "optional", 0), NULL, path);
            continue;
        }
        const char *prefix = podmap_tr_str(src, "prefix");
        size_t n;
        const char **keys = sorted_keys(podmap_tr_obj(obj, "data"), &n);
        dynbuf invalid, unsupported;
        dynbuf_init(&invalid, 2048);
        dynbuf_init(&unsupported, 2048);
        for (size_t k = 0; k < n; k++) {
            char *key = xasprintf("%s%s", prefix ? prefix : "", keys[k]);
            if (!podmap_tr_k8s_env_key_ok(key)) {
                dynbuf_printf(&invalid, "%s%s", invalid.len ? ", " : "", key);
            } else if (!podmap_tr_eci_env_key_ok(key)) {
                dynbuf_printf(&unsupported, "%s%s", unsupported.len ? ", " : "", key);
            } else {
                int bad;
                char *v = object_value(obj, secret, keys[k], &bad);
                if (v) {
                    char *p = xasprintf("%s (%s)", path, key);
                    env_set(l, key, v, 0, secret, p);
                    free(p);
                } else if (bad) {
                    podmap_tr_reject(c, path, "%s: key %s of Secret \"%s\" is not valid base64 text", path,
                              keys[k], name);
                }
                free(v);
            }
            free(key);
        }
        if (invalid.len)
            podmap_tr_find(c, PODMAP_FATE_IGNORED, "Warning", "InvalidEnvironmentVariableNames", path,
                    "%s: keys [%s] from %s %s/%s were skipped since they are considered invalid "
                    "environment variable names",
                    path, dynbuf_str(&invalid), kind, c->ns, name);
        if (unsupported.len)
            podmap_tr_find(c, PODMAP_FATE_IGNORED, "Warning", "InvalidEnvironmentVariableNames", path,
                    "%s: keys [%s] from %s %s/%s were skipped: ECI variable names allow only "
                    "letters, digits and _",
                    path, dynbuf_str(&unsupported), kind, c->ns, name);
        dynbuf_free(&invalid);
        dynbuf_free(&unsupported);
        free(keys);
    }
}

static void env_vars(podmap_tr_ctx *c, const cJSON *ctr, const char *cname, const char *base, envlist *l)
{
    const cJSON *e;
    int j = 0;
    cJSON_ArrayForEach(e, podmap_tr_arr(ctr, "env"))
    {
        char path[192];
        snprintf(path, sizeof path, "%s.env[%d]", base, j++);
        static const char *const known[] = {"name", "value", "valueFrom", NULL};
        podmap_tr_unknown_fields(c, e, known, path);
        const char *name = podmap_tr_str(e, "name");
        if (!name || !podmap_tr_eci_env_key_ok(name)) {
            podmap_tr_reject(c, path,
                      "%s: \"%s\" is not a valid ECI environment variable name (letters, digits "
                      "and _, not starting with a digit, at most 128)",
                      path, name ? name : "");
            continue;
        }
        const cJSON *vf = podmap_tr_obj(e, "valueFrom");
        if (!vf) {
            const char *v = podmap_tr_str(e, "value");
            kv_list m;
            env_mapping(c, l, &m);
            char *x = podmap_expand(v ? v : "", &m);
            kv_free(&m);
            check_podip_refs(c, l, x, path);
            env_set(l, name, x, 0, 0, path);
            free(x);
            continue;
        }
        const cJSON *ref;
        if ((ref = podmap_tr_obj(vf, "configMapKeyRef")) != NULL || (ref = podmap_tr_obj(vf, "secretKeyRef")) != NULL) {
            int secret = podmap_tr_obj(vf, "secretKeyRef") != NULL && !podmap_tr_obj(vf, "configMapKeyRef");
            const char *kind = secret ? "Secret" : "ConfigMap";
            const char *on = podmap_tr_str(ref, "name"), *key = podmap_tr_str(ref, "key");
            int optional = podmap_tr_bool(ref, "optional", 0);
            if (!on || !key) {
                podmap_tr_reject(c, path, "%s: %s reference needs name and key", path, kind);
                continue;
            }
            const cJSON *obj;
            int rc = podmap_tr_get_object(c, secret ? "secret" : "cm", on, &obj);
            if (rc != PODMAP_RES_OK) {
                wait_missing(c, rc, secret, on, NULL, optional, NULL, path);
                continue;
            }
            int bad;
            char *v = object_value(obj, secret, key, &bad);
            if (!v) {
                if (bad)
                    podmap_tr_reject(c, path, "%s: key %s of Secret \"%s\" is not valid base64 text", path,
                              key, on);
                else
                    podmap_tr_missing(c, secret, on, key, optional, obj, path);
                continue;
            }
            env_set(l, name, v, 0, secret, path);
            free(v);
        } else if ((ref = podmap_tr_obj(vf, "fieldRef")) != NULL) {
            const char *fp = podmap_tr_str(ref, "fieldPath");
            int podip = 0;
            char *v = fp ? podmap_tr_field_value(c, fp, &podip) : NULL;
            if (podip) {
                if (strcmp(fp, "status.podIPs") == 0)
                    podmap_tr_find(c, PODMAP_FATE_ADJUSTED, "Normal", "SingleStackPodIP", path,
                            "%s: status.podIPs becomes ECI's status.podIP (one IPv4 address)",
                            path);
                env_set(l, name, NULL, 1, 0, path);
            } else if (!v) {
                podmap_tr_reject(c, path, "%s: fieldRef %s is not supported on ECI", path,
                          fp ? fp : "(none)");
            } else {
                env_set(l, name, v, 0, 0, path);
            }
            free(v);
        } else if ((ref = podmap_tr_obj(vf, "resourceFieldRef")) != NULL) {
            const char *cn = podmap_tr_str(ref, "containerName");
            const char *res = podmap_tr_str(ref, "resource");
            const cJSON *dv = cJSON_GetObjectItemCaseSensitive(ref, "divisor");
            char dbuf[64] = "";
            if (cJSON_IsString(dv))
                snprintf(dbuf, sizeof dbuf, "%s", dv->valuestring);
            else if (cJSON_IsNumber(dv))
                snprintf(dbuf, sizeof dbuf, "%g", dv->valuedouble);
            char *err = NULL;
            char *v = podmap_tr_resource_value(c, cn && *cn ? cn : cname, res ? res : "", dbuf, &err);
            if (!v) {
                podmap_tr_reject(c, path, "%s: resourceFieldRef: %s", path, err);
                free(err);
            } else {
                env_set(l, name, v, 0, 0, path);
                free(v);
            }
        } else {
            podmap_tr_reject(c, path, "%s: valueFrom has no supported source", path);
        }
    }
}

static cJSON *env_params(podmap_tr_ctx *c, const envlist *l, const char *base, int *hide)
{
    cJSON *arr = cJSON_CreateArray();
    size_t count = 0;
    int capped = 0;
    for (size_t i = 0; i < l->n; i++) {
        const envvar *e = &l->v[i];
        if (!e->podip && strlen(e->value) > PODMAP_TR_MAX_ENV_VALUE) {
            podmap_tr_reject(c, e->path, "%s: the value of %s has %zu characters; ECI allows at most %d",
                      e->path, e->key, strlen(e->value), PODMAP_TR_MAX_ENV_VALUE);
            continue;
        }
        if (count >= PODMAP_TR_MAX_ENV) {
            podmap_tr_reject(c, e->path, "%s: more than %d environment variables; ECI allows %d", base,
                      PODMAP_TR_MAX_ENV, PODMAP_TR_MAX_ENV);
            break;
        }
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "Key", e->key);
        if (e->podip) {
            cJSON *fr = cJSON_AddObjectToObject(o, "FieldRef");
            cJSON_AddStringToObject(fr, "FieldPath", "status.podIP");
        } else {
            cJSON_AddStringToObject(o, "Value", e->value);
        }
        if (e->secret)
            *hide = 1;
        cJSON_AddItemToArray(arr, o);
        count++;
    }
    /* Service variables fill the remaining room (kubelet adds them last and
     * never overrides the container's own). */
    for (size_t i = 0; i < c->svc_env.n; i++) {
        const char *k = c->svc_env.items[i].key;
        int dup = 0;
        for (size_t j = 0; j < l->n && !dup; j++)
            dup = strcmp(l->v[j].key, k) == 0;
        if (dup || !podmap_tr_eci_env_key_ok(k))
            continue;
        if (count >= PODMAP_TR_MAX_ENV) {
            capped++;
            continue;
        }
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "Key", k);
        cJSON_AddStringToObject(o, "Value", c->svc_env.items[i].val);
        cJSON_AddItemToArray(arr, o);
        count++;
    }
    if (capped)
        podmap_tr_find(c, PODMAP_FATE_ADJUSTED, "Warning", "ServiceEnvTruncated", base,
                "%s: %d service environment variables left out: ECI allows %d variables per "
                "container (set enableServiceLinks: false to drop them)",
                base, capped, PODMAP_TR_MAX_ENV);
    if (!cJSON_GetArraySize(arr)) {
        cJSON_Delete(arr);
        return NULL;
    }
    return arr;
}

/* ------------------------------------------------------- command/args */

static void str_array(const cJSON *a, char ***out, size_t *n)
{
    *n = 0;
    *out = xcalloc((size_t)cJSON_GetArraySize(a) + 1, sizeof **out);
    const cJSON *it;
    cJSON_ArrayForEach(it, a) if (cJSON_IsString(it))(*out)[(*n)++] = it->valuestring;
}

static void command_args(podmap_tr_ctx *c, const cJSON *ctr, const char *base, const envlist *l, cJSON *o)
{
    char **cmd, **args;
    size_t nc, na;
    str_array(podmap_tr_arr(ctr, "command"), &cmd, &nc);
    str_array(podmap_tr_arr(ctr, "args"), &args, &na);
    kv_list m;
    env_mapping(c, l, &m);
    size_t nt = nc + na;
    char **all = xcalloc(nt + 1, sizeof *all);
    for (size_t i = 0; i < nt; i++) {
        all[i] = podmap_expand(i < nc ? cmd[i] : args[i - nc], &m);
        char path[192];
        snprintf(path, sizeof path, "%s.%s[%zu]", base, i < nc ? "command" : "args",
                 i < nc ? i : i - nc);
        check_podip_refs(c, l, all[i], path);
    }
    kv_free(&m);
    /* ECI: Command <= 20 items of <= 256 characters, Arg <= 10 items. Both
     * are executed as one argv, so items may move between them. */
    size_t split = nc;
    int ok = 1;
    if (nc == 0) {
        ok = na <= PODMAP_TR_MAX_ARGS;
    } else {
        int fits = nc <= PODMAP_TR_MAX_COMMAND && na <= PODMAP_TR_MAX_ARGS;
        for (size_t i = 0; i < nc && fits; i++)
            if (strlen(all[i]) > PODMAP_TR_MAX_COMMAND_LEN)
                fits = 0;
        if (!fits) {
            ok = 0;
            /* largest prefix of short items, at most 20, leaving <= 10 */
            size_t k = 0;
            while (k < nt && k < PODMAP_TR_MAX_COMMAND && strlen(all[k]) <= PODMAP_TR_MAX_COMMAND_LEN)
                k++;
            if (k >= 1 && nt - k <= PODMAP_TR_MAX_ARGS) {
                ok = 1;
                split = k;
                podmap_tr_find(c, PODMAP_FATE_ADJUSTED, "Normal", "CommandRearranged", base,
                        "%s: command/args rearranged into ECI's Command (%zu items) and Arg "
                        "(%zu items) to fit ECI's limits; the container runs the same argv",
                        base, split, nt - split);
            }
        }
    }
    if (!ok) {
        podmap_tr_reject(c, base,
                  "%s: command/args do not fit ECI's limits (command: at most %d items of at most "
                  "%d characters; args: at most %d items)",
                  base, PODMAP_TR_MAX_COMMAND, PODMAP_TR_MAX_COMMAND_LEN, PODMAP_TR_MAX_ARGS);
    } else {
        if (split > 0) {
            cJSON *a = cJSON_AddArrayToObject(o, "Command");
            for (size_t i = 0; i < split; i++)
                cJSON_AddItemToArray(a, cJSON_CreateString(all[i]));
        }
        if (nt > split) {
            cJSON *a = cJSON_AddArrayToObject(o, "Arg");
            for (size_t i = split; i < nt; i++)
                cJSON_AddItemToArray(a, cJSON_CreateString(all[i]));
        }
    }
    for (size_t i = 0; i < nt; i++)
        free(all[i]);
    free(all);
    free(cmd);
    free(args);
}

/* ------------------------------------------------------------- ports */

/* Resolve a probe/hook port (number or the name of a container port). */
static int resolve_port(const cJSON *ctr, const cJSON *port, long long *out)
{
    if (cJSON_IsNumber(port)) {
        /* Range first: casting a double beyond long long (8.7e61) is undefined. */
        double d = port->valuedouble;
        if (!(d >= 1 && d <= 65535))
            return -1;
        *out = (long long)d;
        return 0;
    }
    if (!cJSON_IsString(port))
        return -1;
    const char *s = port->valuestring;
    if (*s && strlen(s) <= 5 && strspn(s, "0123456789") == strlen(s)) {
        *out = atoll(s);
        return *out >= 1 && *out <= 65535 ? 0 : -1;
    }
    const cJSON *p;
    cJSON_ArrayForEach(p, podmap_tr_arr(ctr, "ports"))
    {
        const char *n = podmap_tr_str(p, "name");
        if (n && strcmp(n, s) == 0 && podmap_tr_int(p, "containerPort", out) == 0)
            return 0;
    }
    return -1;
}

static void ports(podmap_tr_ctx *c, const cJSON *ctr, const char *base, cJSON *o)
{
    cJSON *arr = cJSON_CreateArray();
    const cJSON *p;
    int j = 0;
    cJSON_ArrayForEach(p, podmap_tr_arr(ctr, "ports"))
    {
        char path[192];
        snprintf(path, sizeof path, "%s.ports[%d]", base, j++);
        static const char *const known[] = {"name", "hostPort", "containerPort", "protocol", "hostIP",
                                            NULL};
        podmap_tr_unknown_fields(c, p, known, path);
        long long port;
        if (podmap_tr_int(p, "containerPort", &port) != 0 || port < 1 || port > 65535) {
            podmap_tr_reject(c, path, "%s.containerPort: must be 1-65535", path);
            continue;
        }
        const char *proto = podmap_tr_str(p, "protocol");
        if (!proto)
            proto = "TCP";
        if (strcmp(proto, "TCP") && strcmp(proto, "UDP")) {
            podmap_tr_reject(c, path, "%s.protocol: %s is not supported on ECI (TCP or UDP)", path, proto);
            continue;
        }
        long long hp;
        if (podmap_tr_int(p, "hostPort", &hp) == 0 && hp > 0)
            podmap_tr_find(c, PODMAP_FATE_IGNORED, "Warning", "HostPortIgnored", path,
                    "%s.hostPort: ECI groups have no host; reach the port on the pod IP", path);
        if (cJSON_GetArraySize(arr) >= PODMAP_TR_MAX_PORTS) {
            podmap_tr_reject(c, path, "%s: more than %d ports", base, PODMAP_TR_MAX_PORTS);
            break;
        }
        cJSON *x = cJSON_CreateObject();
        cJSON_AddNumberToObject(x, "Port", (double)port);
        cJSON_AddStringToObject(x, "Protocol", proto);
        cJSON_AddItemToArray(arr, x);
    }
    if (cJSON_GetArraySize(arr))
        cJSON_AddItemToObject(o, "Port", arr);
    else
        cJSON_Delete(arr);
}

/* ------------------------------------------------------------ probes */

static cJSON *probe(podmap_tr_ctx *c, const cJSON *pr, const cJSON *ctr, const char *path, int liveness,
                    long long extra_delay)
{
    static const char *const known[] = {"exec", "httpGet", "tcpSocket", "grpc", "initialDelaySeconds",
                                        "timeoutSeconds", "periodSeconds", "successThreshold",
                                        "failureThreshold", "terminationGracePeriodSeconds", NULL};
    podmap_tr_unknown_fields(c, pr, known, path);
    cJSON *o = cJSON_CreateObject();
    const cJSON *h;
    char p2[224];
    if ((h = podmap_tr_obj(pr, "exec")) != NULL) {
        cJSON *cmd = cJSON_CreateArray();
        const cJSON *it;
        cJSON_ArrayForEach(it, podmap_tr_arr(h, "command")) if (cJSON_IsString(it))
            cJSON_AddItemToArray(cmd, cJSON_CreateString(it->valuestring));
        cJSON *e = cJSON_AddObjectToObject(o, "Exec");
        cJSON_AddItemToObject(e, "Command", cmd);
    } else if ((h = podmap_tr_obj(pr, "httpGet")) != NULL) {
        long long port;
        if (resolve_port(ctr, cJSON_GetObjectItemCaseSensitive(h, "port"), &port) != 0) {
            snprintf(p2, sizeof p2, "%s.httpGet.port", path);
            podmap_tr_reject(c, p2, "%s: not a port number or the name of a container port", p2);
            cJSON_Delete(o);
            return NULL;
        }
        cJSON *g = cJSON_AddObjectToObject(o, "HttpGet");
        const char *hp = podmap_tr_str(h, "path");
        cJSON_AddStringToObject(g, "Path", hp && *hp ? hp : "/");
        cJSON_AddNumberToObject(g, "Port", (double)port);
        const char *sch = podmap_tr_str(h, "scheme");
        cJSON_AddStringToObject(g, "Scheme", sch ? sch : "HTTP");
        if (podmap_tr_present(h, "host")) {
            snprintf(p2, sizeof p2, "%s.httpGet.host", path);
            podmap_tr_find(c, PODMAP_FATE_IGNORED, "Warning", "ProbeFieldIgnored", p2,
                    "%s: ECI probes always target the pod IP", p2);
        }
        if (podmap_tr_present(h, "httpHeaders")) {
            snprintf(p2, sizeof p2, "%s.httpGet.httpHeaders", path);
            podmap_tr_find(c, PODMAP_FATE_IGNORED, "Warning", "ProbeFieldIgnored", p2,
                    "%s: ECI probes cannot send custom headers", p2);
        }
    } else if ((h = podmap_tr_obj(pr, "tcpSocket")) != NULL) {
        long long port;
        if (resolve_port(ctr, cJSON_GetObjectItemCaseSensitive(h, "port"), &port) != 0) {
            snprintf(p2, sizeof p2, "%s.tcpSocket.port", path);
            podmap_tr_reject(c, p2, "%s: not a port number or the name of a container port", p2);
            cJSON_Delete(o);
            return NULL;
        }
        cJSON *t = cJSON_AddObjectToObject(o, "TcpSocket");
        cJSON_AddNumberToObject(t, "Port", (double)port);
        if (podmap_tr_present(h, "host")) {
            snprintf(p2, sizeof p2, "%s.tcpSocket.host", path);
            podmap_tr_find(c, PODMAP_FATE_IGNORED, "Warning", "ProbeFieldIgnored", p2,
                    "%s: ECI probes always target the pod IP", p2);
        }
    } else if (podmap_tr_obj(pr, "grpc")) {
        snprintf(p2, sizeof p2, "%s.grpc", path);
        podmap_tr_find(c, PODMAP_FATE_IGNORED, "Warning", "ProbeIgnored", p2,
                "%s: ECI has no gRPC probes; this probe is not run", p2);
        cJSON_Delete(o);
        return NULL;
    } else {
        podmap_tr_reject(c, path, "%s: needs exec, httpGet or tcpSocket", path);
        cJSON_Delete(o);
        return NULL;
    }
    long long v;
    if (podmap_tr_int(pr, "initialDelaySeconds", &v) == 0 || extra_delay > 0) {
        if (podmap_tr_int(pr, "initialDelaySeconds", &v) != 0)
            v = 0;
        cJSON_AddNumberToObject(o, "InitialDelaySeconds", (double)(v + extra_delay));
    }
    if (podmap_tr_int(pr, "periodSeconds", &v) == 0)
        cJSON_AddNumberToObject(o, "PeriodSeconds", (double)(v < 1 ? 1 : v));
    if (podmap_tr_int(pr, "timeoutSeconds", &v) == 0)
        cJSON_AddNumberToObject(o, "TimeoutSeconds", (double)(v < 1 ? 1 : v));
    if (podmap_tr_int(pr, "successThreshold", &v) == 0) {
        if (v != 1) {
            snprintf(p2, sizeof p2, "%s.successThreshold", path);
            podmap_tr_find(c, PODMAP_FATE_ADJUSTED, "Warning", "ProbeAdjusted", p2,
                    "%s: ECI requires 1 (was %lld)", p2, v);
        }
        cJSON_AddNumberToObject(o, "SuccessThreshold", 1);
    }
    if (podmap_tr_int(pr, "failureThreshold", &v) == 0)
        cJSON_AddNumberToObject(o, "FailureThreshold", (double)(v < 1 ? 1 : v));
    if (podmap_tr_present(pr, "terminationGracePeriodSeconds")) {
        snprintf(p2, sizeof p2, "%s.terminationGracePeriodSeconds", path);
        podmap_tr_find(c, PODMAP_FATE_IGNORED, "Warning", "ProbeFieldIgnored", p2,
                "%s: ECI uses the pod's grace period", p2);
    }
    (void)liveness;
    return o;
}

static void probes(podmap_tr_ctx *c, const cJSON *ctr, const char *base, cJSON *o)
{
    char path[192];
    long long extra = 0;
    const cJSON *sp = podmap_tr_obj(ctr, "startupProbe");
    if (sp) {
        /* No StartupProbe on ECI: the liveness probe waits for as long as the
         * startup probe would have allowed. */
        long long d = 0, p = 10, f = 3;
        podmap_tr_int(sp, "initialDelaySeconds", &d);
        podmap_tr_int(sp, "periodSeconds", &p);
        podmap_tr_int(sp, "failureThreshold", &f);
        snprintf(path, sizeof path, "%s.startupProbe", base);
        if (podmap_tr_obj(ctr, "livenessProbe")) {
            extra = d + p * f;
            podmap_tr_find(c, PODMAP_FATE_ADJUSTED, "Warning", "StartupProbeApproximated", path,
                    "%s: ECI has no startup probes; the probe is not run and the liveness "
                    "probe's initial delay grows by %llds (initialDelay + period x "
                    "failureThreshold)",
                    path, extra);
        } else {
            podmap_tr_find(c, PODMAP_FATE_IGNORED, "Warning", "StartupProbeIgnored", path,
                    "%s: ECI has no startup probes; the probe is not run (the container counts "
                    "as started at once)",
                    path);
        }
    }
    const cJSON *lp = podmap_tr_obj(ctr, "livenessProbe"), *rp = podmap_tr_obj(ctr, "readinessProbe");
    if (lp) {
        snprintf(path, sizeof path, "%s.livenessProbe", base);
        cJSON *x = probe(c, lp, ctr, path, 1, extra);
        if (x)
            cJSON_AddItemToObject(o, "LivenessProbe", x);
    }
    if (rp) {
        snprintf(path, sizeof path, "%s.readinessProbe", base);
        cJSON *x = probe(c, rp, ctr, path, 0, 0);
        if (x)
            cJSON_AddItemToObject(o, "ReadinessProbe", x);
    }
}

static void hook(podmap_tr_ctx *c, const cJSON *h, const cJSON *ctr, const char *path, const char *prefix,
                 cJSON *o)
{
    char key[96], p2[224];
    const cJSON *x;
    if ((x = podmap_tr_obj(h, "exec")) != NULL) {
        cJSON *cmd = cJSON_CreateArray();
        const cJSON *it;
        cJSON_ArrayForEach(it, podmap_tr_arr(x, "command")) if (cJSON_IsString(it))
            cJSON_AddItemToArray(cmd, cJSON_CreateString(it->valuestring));
        snprintf(key, sizeof key, "%sExec", prefix);
        cJSON_AddItemToObject(o, key, cmd);
    } else if ((x = podmap_tr_obj(h, "httpGet")) != NULL) {
        long long port;
        if (resolve_port(ctr, cJSON_GetObjectItemCaseSensitive(x, "port"), &port) != 0) {
            snprintf(p2, sizeof p2, "%s.httpGet.port", path);
            podmap_tr_reject(c, p2, "%s: not a port number or the name of a container port", p2);
            return;
        }
        const char *host = podmap_tr_str(x, "host"), *hp = podmap_tr_str(x, "path"), *sch = podmap_tr_str(x, "scheme");
        if (host && *host) {
            snprintf(key, sizeof key, "%sHttpGetHost", prefix);
            cJSON_AddStringToObject(o, key, host);
        }
        snprintf(key, sizeof key, "%sHttpGetPath", prefix);
        cJSON_AddStringToObject(o, key, hp && *hp ? hp : "/");
        snprintf(key, sizeof key, "%sHttpGetPort", prefix);
        cJSON_AddNumberToObject(o, key, (double)port);
        snprintf(key, sizeof key, "%sHttpGetScheme", prefix);
        cJSON_AddStringToObject(o, key, sch ? sch : "HTTP");
        const cJSON *hdrs = podmap_tr_arr(x, "httpHeaders");
        if (cJSON_GetArraySize(hdrs)) {
            snprintf(key, sizeof key, "%sHttpGetHttpHeader", prefix);
            cJSON *a = cJSON_AddArrayToObject(o, key);
            const cJSON *hd;
            cJSON_ArrayForEach(hd, hdrs)
            {
                cJSON *y = cJSON_CreateObject();
                const char *n = podmap_tr_str(hd, "name"), *v = podmap_tr_str(hd, "value");
                cJSON_AddStringToObject(y, "Name", n ? n : "");
                cJSON_AddStringToObject(y, "Value", v ? v : "");
                cJSON_AddItemToArray(a, y);
            }
        }
    } else if ((x = podmap_tr_obj(h, "tcpSocket")) != NULL) {
        long long port;
        if (resolve_port(ctr, cJSON_GetObjectItemCaseSensitive(x, "port"), &port) != 0) {
            snprintf(p2, sizeof p2, "%s.tcpSocket.port", path);
            podmap_tr_reject(c, p2, "%s: not a port number or the name of a container port", p2);
            return;
        }
        const char *host = podmap_tr_str(x, "host");
        if (host && *host) {
            snprintf(key, sizeof key, "%sTcpSocketHost", prefix);
            cJSON_AddStringToObject(o, key, host);
        }
        snprintf(key, sizeof key, "%sTcpSocketPort", prefix);
        cJSON_AddNumberToObject(o, key, (double)port);
    } else if ((x = podmap_tr_obj(h, "sleep")) != NULL) {
        long long s = 0;
        podmap_tr_int(x, "seconds", &s);
        cJSON *cmd = cJSON_CreateArray();
        char buf[32];
        snprintf(buf, sizeof buf, "%lld", s < 0 ? 0 : s);
        cJSON_AddItemToArray(cmd, cJSON_CreateString("sleep"));
        cJSON_AddItemToArray(cmd, cJSON_CreateString(buf));
        snprintf(key, sizeof key, "%sExec", prefix);
        cJSON_AddItemToObject(o, key, cmd);
        snprintf(p2, sizeof p2, "%s.sleep", path);
        podmap_tr_find(c, PODMAP_FATE_ADJUSTED, "Warning", "SleepHookAsExec", p2,
                "%s: ECI has no sleep action; it runs `sleep %s` in the container (the image "
                "needs a sleep binary)",
                p2, buf);
    } else {
        podmap_tr_reject(c, path, "%s: needs exec, httpGet, tcpSocket or sleep", path);
    }
}

static void lifecycle(podmap_tr_ctx *c, const cJSON *ctr, const char *base, cJSON *o)
{
    const cJSON *lc = podmap_tr_obj(ctr, "lifecycle");
    if (!lc)
        return;
    char path[192];
    static const char *const known[] = {"postStart", "preStop", "stopSignal", NULL};
    snprintf(path, sizeof path, "%s.lifecycle", base);
    podmap_tr_unknown_fields(c, lc, known, path);
    const cJSON *h;
    if ((h = podmap_tr_obj(lc, "postStart")) != NULL) {
        snprintf(path, sizeof path, "%s.lifecycle.postStart", base);
        hook(c, h, ctr, path, "LifecyclePostStartHandler", o);
    }
    if ((h = podmap_tr_obj(lc, "preStop")) != NULL) {
        snprintf(path, sizeof path, "%s.lifecycle.preStop", base);
        hook(c, h, ctr, path, "LifecyclePreStopHandler", o);
    }
    if (podmap_tr_present(lc, "stopSignal")) {
        snprintf(path, sizeof path, "%s.lifecycle.stopSignal", base);
        podmap_tr_find(c, PODMAP_FATE_IGNORED, "Warning", "UnsupportedField", path,
                "%s: ECI stops containers with SIGTERM", path);
    }
}

/* -------------------------------------------------------- security */

static const char *default_caps[] = {"CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL",
                                     "SETGID", "SETUID", "SETPCAP", "NET_BIND_SERVICE",
                                     "SYS_CHROOT", "MKNOD", "AUDIT_WRITE", "SETFCAP", NULL};

static void security(podmap_tr_ctx *c, const cJSON *ctr, const char *base, int init, cJSON *o)
{
    const cJSON *sc = podmap_tr_obj(ctr, "securityContext");
    const cJSON *psc = podmap_tr_obj(c->spec, "securityContext");
    char path[192];
    static const char *const known[] = {"capabilities", "privileged", "seLinuxOptions", "windowsOptions",
                                        "runAsUser", "runAsGroup", "runAsNonRoot",
                                        "readOnlyRootFilesystem", "allowPrivilegeEscalation",
                                        "procMount", "seccompProfile", "appArmorProfile", NULL};
    snprintf(path, sizeof path, "%s.securityContext", base);
    podmap_tr_unknown_fields(c, sc, known, path);
    cJSON *eci = cJSON_CreateObject();
    long long v;
    if (podmap_tr_int(sc, "runAsUser", &v) == 0 || podmap_tr_int(psc, "runAsUser", &v) == 0)
        cJSON_AddNumberToObject(eci, "RunAsUser", (double)v);
    if (podmap_tr_bool(sc, "readOnlyRootFilesystem", 0))
        cJSON_AddBoolToObject(eci, "ReadOnlyRootFilesystem", 1);
    if (podmap_tr_bool(sc, "privileged", 0)) {
        snprintf(path, sizeof path, "%s.securityContext.privileged", base);
        podmap_tr_reject(c, path, "%s: privileged containers are not allowed on ECI", path);
    }
    const cJSON *caps = podmap_tr_obj(sc, "capabilities");
    cJSON *add = cJSON_CreateArray();
    const cJSON *it;
    int j = 0;
    cJSON_ArrayForEach(it, podmap_tr_arr(caps, "add"))
    {
        snprintf(path, sizeof path, "%s.securityContext.capabilities.add[%d]", base, j++);
        if (!cJSON_IsString(it))
            continue;
        char cap[64];
        const char *s = it->valuestring;
        if (strncasecmp(s, "CAP_", 4) == 0)
            s += 4;
        size_t k;
        for (k = 0; s[k] && k < sizeof cap - 1; k++)
            cap[k] = (char)toupper((unsigned char)s[k]);
        cap[k] = '\0';
        if (!strcmp(cap, "NET_ADMIN") || !strcmp(cap, "NET_RAW")) {
            int dup = 0;
            const cJSON *x;
            cJSON_ArrayForEach(x, add) if (!strcmp(x->valuestring, cap)) dup = 1;
            if (!dup)
                cJSON_AddItemToArray(add, cJSON_CreateString(cap));
            continue;
        }
        int dflt = 0;
        for (int d = 0; default_caps[d]; d++)
            if (!strcmp(default_caps[d], cap))
                dflt = 1;
        if (dflt)
            podmap_tr_find(c, PODMAP_FATE_IGNORED, "Normal", "CapabilityDefault", path,
                    "%s: %s is granted to ECI containers by default", path, cap);
        else
            podmap_tr_reject(c, path,
                      "%s: capability %s cannot be added on ECI (only NET_ADMIN and NET_RAW)", path,
                      cap);
    }
    if (cJSON_GetArraySize(add)) {
        cJSON *capo = cJSON_AddObjectToObject(eci, "Capability");
        cJSON_AddItemToObject(capo, "Add", add);
    } else {
        cJSON_Delete(add);
    }
    if (cJSON_GetArraySize(podmap_tr_arr(caps, "drop"))) {
        snprintf(path, sizeof path, "%s.securityContext.capabilities.drop", base);
        podmap_tr_find(c, PODMAP_FATE_IGNORED, "Warning", "CapabilityDropIgnored", path,
                "%s: ECI cannot drop capabilities; the container keeps the default set", path);
    }
    if (eci->child)
        cJSON_AddItemToObject(o, "SecurityContext", eci);
    else
        cJSON_Delete(eci);

    /* Flat fields exist for containers only. */
    int has_group = podmap_tr_int(sc, "runAsGroup", &v) == 0 || podmap_tr_int(psc, "runAsGroup", &v) == 0;
    if (has_group) {
        if (init) {
            snprintf(path, sizeof path, "%s.securityContext.runAsGroup", base);
            podmap_tr_find(c, PODMAP_FATE_IGNORED, "Warning", "UnsupportedField", path,
                    "%s: ECI init containers cannot set the group id", path);
        } else {
            cJSON_AddNumberToObject(o, "SecurityContextRunAsGroup", (double)v);
        }
    }
    int nonroot = podmap_tr_bool(sc, "runAsNonRoot", podmap_tr_bool(psc, "runAsNonRoot", 0));
    if (nonroot) {
        if (init) {
            snprintf(path, sizeof path, "%s.securityContext.runAsNonRoot", base);
            podmap_tr_find(c, PODMAP_FATE_IGNORED, "Warning", "UnsupportedField", path,
                    "%s: ECI init containers cannot require a non-root user", path);
        } else {
            cJSON_AddBoolToObject(o, "SecurityContextRunAsNonRoot", 1);
        }
    }
    static const char *ignored[] = {"allowPrivilegeEscalation", "seccompProfile", "seLinuxOptions",
                                    "appArmorProfile", "procMount", "windowsOptions", NULL};
    for (int i = 0; ignored[i]; i++) {
        const cJSON *x = cJSON_GetObjectItemCaseSensitive(sc, ignored[i]);
        if (!x || cJSON_IsNull(x))
            continue;
        int hardening = (i == 0 && cJSON_IsFalse(x)) ||
                        (i == 1 && podmap_tr_str(x, "type") && !strcmp(podmap_tr_str(x, "type"), "RuntimeDefault"));
        if (i == 0 && !hardening && !cJSON_IsTrue(x))
            continue;
        snprintf(path, sizeof path, "%s.securityContext.%s", base, ignored[i]);
        podmap_tr_find(c, PODMAP_FATE_IGNORED, hardening ? "Normal" : "Warning", "UnsupportedField", path,
                "%s: not configurable on ECI and ignored%s", path,
                hardening ? " (ECI runs each group in its own sandbox)" : "");
    }
}

/* ----------------------------------------------------------- container */

static const char *container_fields[] = {
    "name", "image", "command", "args", "workingDir", "ports", "envFrom", "env", "resources",
    "resizePolicy", "restartPolicy", "restartPolicyRules", "volumeMounts", "volumeDevices",
    "livenessProbe", "readinessProbe", "startupProbe", "lifecycle", "terminationMessagePath",
    "terminationMessagePolicy", "imagePullPolicy", "securityContext", "stdin", "stdinOnce", "tty",
    NULL,
};

static cJSON *container(podmap_tr_ctx *c, const cJSON *ctr, int init, size_t idx, const podmap_tr_cinfo *ci)
{
    char base[96];
    snprintf(base, sizeof base, "spec.%s[%zu]", init ? "initContainers" : "containers", idx);
    char path[192];
    const cJSON *it;
    cJSON_ArrayForEach(it, ctr)
    {
        int known = 0;
        for (int i = 0; container_fields[i]; i++)
            if (!strcmp(container_fields[i], it->string))
                known = 1;
        if (!known && podmap_tr_present(ctr, it->string)) {
            snprintf(path, sizeof path, "%s.%.80s", base, it->string);
            podmap_tr_find(c, PODMAP_FATE_IGNORED, "Warning", "UnsupportedField", path,
                    "%s: unknown container field, not translated to ECI", path);
        }
    }
    cJSON *o = cJSON_CreateObject();
    const char *name = podmap_tr_str(ctr, "name"), *image = podmap_tr_str(ctr, "image");
    if (!name || !*name)
        podmap_tr_reject(c, base, "%s.name: a container needs a name", base);
    if (!image || !*image)
        podmap_tr_reject(c, base, "%s.image: a container needs an image", base);
    cJSON_AddStringToObject(o, "Name", name ? name : "");
    cJSON_AddStringToObject(o, "Image", image ? image : "");
    double cpu = ci->cpu > 0 ? ci->cpu : ci->cpu_req;
    double mem = ci->mem > 0 ? ci->mem : ci->mem_req;
    if (cpu > 0)
        cJSON_AddNumberToObject(o, "Cpu", round(cpu * 1000.0) / 1000.0);
    if (mem > 0)
        cJSON_AddNumberToObject(o, "Memory", mem / GIB);
    if (c->gpu_allowed) {
        const cJSON *lim = podmap_tr_obj(podmap_tr_obj(ctr, "resources"), "limits");
        static const char *gpus[] = {"nvidia.com/gpu", "aliyun.com/gpu", "amd.com/gpu", NULL};
        for (int g = 0; gpus[g]; g++) {
            const cJSON *q = cJSON_GetObjectItemCaseSensitive(lim, gpus[g]);
            double n = 0;
            if (cJSON_IsNumber(q))
                n = q->valuedouble;
            else if (cJSON_IsString(q))
                podmap_parse_quantity(q->valuestring, &n);
            if (n > 0) {
                cJSON_AddNumberToObject(o, "Gpu", ceil(n));
                break;
            }
        }
    }
    const char *ipp = podmap_tr_str(ctr, "imagePullPolicy");
    if (ipp) {
        if (strcmp(ipp, "Always") && strcmp(ipp, "IfNotPresent") && strcmp(ipp, "Never")) {
            snprintf(path, sizeof path, "%s.imagePullPolicy", base);
            podmap_tr_reject(c, path, "%s: unknown policy \"%s\"", path, ipp);
        } else {
            cJSON_AddStringToObject(o, "ImagePullPolicy", ipp);
        }
    }
    const char *wd = podmap_tr_str(ctr, "workingDir");
    if (wd && *wd)
        cJSON_AddStringToObject(o, "WorkingDir", wd);

    envlist env = {NULL, 0};
    env_from(c, ctr, base, &env);
    env_vars(c, ctr, name, base, &env);
    command_args(c, ctr, base, &env, o);
    int hide = 0;
    cJSON *ev = env_params(c, &env, base, &hide);
    if (ev)
        cJSON_AddItemToObject(o, "EnvironmentVar", ev);
    if (hide && !init)
        cJSON_AddBoolToObject(o, "EnvironmentVarHide", 1);
    ports(c, ctr, base, o);
    kv_list m;
    env_mapping(c, &env, &m);
    podmap_tr_mounts(c, ctr, base, &m, o);
    kv_free(&m);
    env_free(&env);

    if (init) {
        static const char *no_init[] = {"livenessProbe", "readinessProbe", "startupProbe",
                                        "lifecycle", NULL};
        for (int i = 0; no_init[i]; i++) {
            if (!podmap_tr_present(ctr, no_init[i]))
                continue;
            snprintf(path, sizeof path, "%s.%s", base, no_init[i]);
            podmap_tr_find(c, PODMAP_FATE_IGNORED, "Warning", "UnsupportedField", path,
                    "%s: ECI init containers have no probes or hooks", path);
        }
        const char *rp = podmap_tr_str(ctr, "restartPolicy");
        if (rp && strcmp(rp, "Always") == 0) {
            snprintf(path, sizeof path, "%s.restartPolicy", base);
            podmap_tr_reject(c, path,
                      "%s: sidecar init containers (restartPolicy: Always) are not supported on "
                      "ECI; make it a regular container",
                      path);
        }
    } else {
        probes(c, ctr, base, o);
        lifecycle(c, ctr, base, o);
        if (podmap_tr_present(ctr, "restartPolicy") || podmap_tr_present(ctr, "restartPolicyRules")) {
            snprintf(path, sizeof path, "%s.restartPolicy", base);
            podmap_tr_find(c, PODMAP_FATE_IGNORED, "Warning", "UnsupportedField", path,
                    "%s: ECI restarts containers by the pod's restartPolicy only", path);
        }
    }
    security(c, ctr, base, init, o);
    if (podmap_tr_present(ctr, "volumeDevices")) {
        snprintf(path, sizeof path, "%s.volumeDevices", base);
        podmap_tr_reject(c, path, "%s: raw block devices cannot be attached on ECI", path);
    }

    int tty = podmap_tr_bool(ctr, "tty", 0), in = podmap_tr_bool(ctr, "stdin", 0), once = podmap_tr_bool(ctr, "stdinOnce", 0);
    if (init) {
        if (tty || in || once) {
            snprintf(path, sizeof path, "%s.stdin", base);
            podmap_tr_find(c, PODMAP_FATE_IGNORED, "Warning", "UnsupportedField", path,
                    "%s: ECI init containers have no stdin/tty", path);
        }
    } else {
        if (tty)
            cJSON_AddBoolToObject(o, "Tty", 1);
        if (in)
            cJSON_AddBoolToObject(o, "Stdin", 1);
        if (once)
            cJSON_AddBoolToObject(o, "StdinOnce", 1);
    }
    const char *tmp = podmap_tr_str(ctr, "terminationMessagePath");
    if (tmp && *tmp && strcmp(tmp, "/dev/termination-log") != 0)
        cJSON_AddStringToObject(o, "TerminationMessagePath", tmp);
    const char *tmpol = podmap_tr_str(ctr, "terminationMessagePolicy");
    if (tmpol && strcmp(tmpol, "File") != 0) {
        if (strcmp(tmpol, "FallbackToLogsOnError") == 0)
            cJSON_AddStringToObject(o, "TerminationMessagePolicy", tmpol);
        else {
            snprintf(path, sizeof path, "%s.terminationMessagePolicy", base);
            podmap_tr_reject(c, path, "%s: unknown policy \"%s\"", path, tmpol);
        }
    }
    return o;
}

void podmap_tr_containers(podmap_tr_ctx *c)
{
    const cJSON *inits = podmap_tr_arr(c->spec, "initContainers");
    const cJSON *conts = podmap_tr_arr(c->spec, "containers");
    size_t ni = (size_t)cJSON_GetArraySize(inits), nc = (size_t)cJSON_GetArraySize(conts);
    if (nc == 0)
        podmap_tr_reject(c, "spec.containers", "spec.containers: the pod has no containers");
    if (nc > PODMAP_TR_MAX_CONTAINERS)
        podmap_tr_reject(c, "spec.containers", "spec.containers: %zu containers; ECI allows at most %d", nc,
                  PODMAP_TR_MAX_CONTAINERS);
    if (ni > PODMAP_TR_MAX_INIT_CONTAINERS)
        podmap_tr_reject(c, "spec.initContainers",
                  "spec.initContainers: %zu init containers; ECI allows at most %d", ni,
                  PODMAP_TR_MAX_INIT_CONTAINERS);
    if (nc > PODMAP_TR_MAX_CONTAINERS || ni > PODMAP_TR_MAX_INIT_CONTAINERS)
        return;
    load_services(c);
    if (ni) {
        cJSON *arr = cJSON_AddArrayToObject(c->req, "InitContainer");
        for (size_t i = 0; i < ni; i++)
            cJSON_AddItemToArray(arr, container(c, cJSON_GetArrayItem(inits, (int)i), 1, i,
                                                &c->cinfo[i]));
    }
    if (nc) {
        cJSON *arr = cJSON_AddArrayToObject(c->req, "Container");
        for (size_t i = 0; i < nc; i++)
            cJSON_AddItemToArray(arr, container(c, cJSON_GetArrayItem(conts, (int)i), 0, i,
                                                &c->cinfo[ni + i]));
    }
}
