/* Helpers of the translation: findings, JSON getters, resolver cache,
 * base64/hash, env names, $(VAR) expansion, downward-API values, flattening. */
#include "provider/podmap/translate_int.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

#include "util/dynbuf.h"
#include "util/xmalloc.h"

void podmap_tr_find(podmap_tr_ctx *c, podmap_fate fate, const char *type, const char *reason, const char *path,
             const char *fmt, ...)
{
    podmap_result *o = c->out;
    /* Bound the list: a hostile pod cannot make it grow without limit. */
    if (o->nfindings >= 256) {
        if (fate == PODMAP_FATE_REJECTED)
            c->nrejected++;
        return;
    }
    o->findings = xrealloc(o->findings, (o->nfindings + 1) * sizeof *o->findings);
    podmap_finding *f = &o->findings[o->nfindings++];
    va_list ap;
    va_start(ap, fmt);
    f->message = xvasprintf(fmt, ap);
    va_end(ap);
    /* Messages quote user input (annotation values, names); keep them event-sized. */
    if (strlen(f->message) > 512)
        strcpy(f->message + 509, "...");
    f->path = xstrdup(path);
    f->fate = fate;
    f->type = type;
    f->reason = xstrdup(reason);
    if (fate == PODMAP_FATE_REJECTED)
        c->nrejected++;
}

void podmap_tr_missing(podmap_tr_ctx *c, int secret, const char *name, const char *key, int optional,
                       const cJSON *obj, const char *path)
{
    const char *kind = secret ? "Secret" : "ConfigMap", *lower = secret ? "secret" : "configmap";
    char reason[48];
    snprintf(reason, sizeof reason, "%s%s%sNotFound", optional ? "Optional" : "Mandatory", kind, key ? "Key" : "");
    if (optional) {
        if (key)
            podmap_tr_find(c, PODMAP_FATE_IGNORED, "Warning", reason, path,
                           "skipping optional %s: key \"%s\" not found in %s \"%s\"", path, key, lower, name);
        else
            podmap_tr_find(c, PODMAP_FATE_IGNORED, "Warning", reason, path, "skipping optional %s: %s \"%s\" not found",
                           path, lower, name);
        return;
    }
    if (key) {
        podmap_tr_find(c, PODMAP_FATE_IGNORED, "Warning", reason, path, "key \"%s\" not found in %s \"%s\"", key,
                       lower, name);
        podmap_tr_wait(c, "CreateContainerConfigError", "%s: couldn't find key %s in %s %s/%s", path, key, kind,
                       c->ns, name);
    } else {
        podmap_tr_find(c, PODMAP_FATE_IGNORED, "Warning", reason, path, "%s \"%s\" not found", lower, name);
        podmap_tr_wait(c, "CreateContainerConfigError", "%s: %s \"%s\" not found", path, kind, name);
    }
    if (!c->out->missing)
        c->out->missing = cJSON_CreateArray();
    const cJSON *it;
    cJSON_ArrayForEach(it, c->out->missing)
    {
        if (!strcmp(podmap_tr_str(it, "kind"), kind) && !strcmp(podmap_tr_str(it, "name"), name))
            return;
    }
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "kind", kind);
    cJSON_AddStringToObject(m, "name", name);
    const char *rv = podmap_tr_str(podmap_tr_obj(obj, "metadata"), "resourceVersion");
    if (key && rv)
        cJSON_AddStringToObject(m, "resourceVersion", rv);
    cJSON_AddItemToArray(c->out->missing, m);
}

void podmap_tr_wait(podmap_tr_ctx *c, const char *reason, const char *fmt, ...)
{
    if (c->wait)
        return;
    c->wait = 1;
    c->wait_reason = xstrdup(reason);
    va_list ap;
    va_start(ap, fmt);
    c->wait_message = xvasprintf(fmt, ap);
    va_end(ap);
}

const char *podmap_tr_str(const cJSON *o, const char *key)
{
    const cJSON *v = o ? cJSON_GetObjectItemCaseSensitive(o, key) : NULL;
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

int podmap_tr_bool(const cJSON *o, const char *key, int dflt)
{
    const cJSON *v = o ? cJSON_GetObjectItemCaseSensitive(o, key) : NULL;
    if (cJSON_IsTrue(v))
        return 1;
    if (cJSON_IsFalse(v))
        return 0;
    return dflt;
}

int podmap_tr_int(const cJSON *o, const char *key, long long *v)
{
    const cJSON *x = o ? cJSON_GetObjectItemCaseSensitive(o, key) : NULL;
    if (!cJSON_IsNumber(x) || !isfinite(x->valuedouble) || fabs(x->valuedouble) > 9e15)
        return -1;
    *v = (long long)x->valuedouble;
    return 0;
}

const cJSON *podmap_tr_obj(const cJSON *o, const char *key)
{
    const cJSON *v = o ? cJSON_GetObjectItemCaseSensitive(o, key) : NULL;
    return cJSON_IsObject(v) ? v : NULL;
}

const cJSON *podmap_tr_arr(const cJSON *o, const char *key)
{
    const cJSON *v = o ? cJSON_GetObjectItemCaseSensitive(o, key) : NULL;
    return cJSON_IsArray(v) ? v : NULL;
}

int podmap_tr_present(const cJSON *o, const char *key)
{
    const cJSON *v = o ? cJSON_GetObjectItemCaseSensitive(o, key) : NULL;
    if (!v || cJSON_IsNull(v) || cJSON_IsFalse(v))
        return 0;
    if (cJSON_IsString(v))
        return v->valuestring[0] != '\0';
    if (cJSON_IsNumber(v))
        return v->valuedouble != 0;
    if (cJSON_IsArray(v) || cJSON_IsObject(v))
        return v->child != NULL;
    return 1;
}

void podmap_tr_unknown_fields(podmap_tr_ctx *c, const cJSON *o, const char *const *known, const char *path)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, o)
    {
        if (!it->string)
            continue;
        int k = 0;
        for (int i = 0; known[i] && !k; i++)
            k = strcmp(known[i], it->string) == 0;
        if (k || !podmap_tr_present(o, it->string))
            continue;
        char *p = xasprintf("%s.%.100s", path, it->string);
        podmap_tr_find(c, PODMAP_FATE_IGNORED, "Warning", "UnsupportedField", p,
                "%s: unknown field, not translated to ECI", p);
        free(p);
    }
}

int podmap_tr_get_object(podmap_tr_ctx *c, const char *kind, const char *name, const cJSON **obj)
{
    *obj = NULL;
    char *key = xasprintf("%s/%s/%s", kind, c->ns, name);
    for (podmap_tr_cached *e = c->cache; e; e = e->next) {
        if (strcmp(e->key, key) == 0) {
            free(key);
            *obj = e->obj;
            return e->rc;
        }
    }
    cJSON *o = NULL;
    int rc = PODMAP_RES_NOT_FOUND;
    int is_cm = strcmp(kind, "cm") == 0;
    if (c->res) {
        if (is_cm && c->res->get_configmap)
            rc = c->res->get_configmap(c->res->ctx, c->ns, name, &o);
        else if (!is_cm && c->res->get_secret)
            rc = c->res->get_secret(c->res->ctx, c->ns, name, &o);
    }
    if (rc == PODMAP_RES_OK && !cJSON_IsObject(o))
        rc = PODMAP_RES_NOT_FOUND;
    if (rc != PODMAP_RES_OK) {
        cJSON_Delete(o);
        o = NULL;
        if (rc != PODMAP_RES_NOT_FOUND)
            rc = PODMAP_RES_ERROR;
    }
    podmap_tr_cached *e = xcalloc(1, sizeof *e);
    e->key = key;
    e->rc = rc;
    e->obj = o;
    e->next = c->cache;
    c->cache = e;
    *obj = o;
    return rc;
}


void podmap_tr_hash8(const char *s, char buf[9])
{
    unsigned char md[SHA256_DIGEST_LENGTH];
    SHA256((const unsigned char *)s, strlen(s), md);
    for (int i = 0; i < 4; i++)
        snprintf(buf + 2 * i, 3, "%02x", md[i]);
}

int podmap_tr_eci_env_key_ok(const char *s)
{
    if (!s || !*s || strlen(s) > PODMAP_TR_MAX_ENV_KEY || isdigit((unsigned char)s[0]))
        return 0;
    for (const char *p = s; *p; p++)
        if (!(isalnum((unsigned char)*p) || *p == '_'))
            return 0;
    return 1;
}

int podmap_tr_k8s_env_key_ok(const char *s)
{
    if (!s || !*s || isdigit((unsigned char)s[0]))
        return 0;
    for (const char *p = s; *p; p++)
        if (!(isalnum((unsigned char)*p) || *p == '_' || *p == '-' || *p == '.'))
            return 0;
    return 1;
}

char *podmap_expand(const char *s, const kv_list *env)
{
    dynbuf b;
    dynbuf_init(&b, 0);
    for (const char *p = s; *p;) {
        if (p[0] != '$') {
            dynbuf_addc(&b, *p++);
            continue;
        }
        if (p[1] == '$') { /* escaped */
            dynbuf_addc(&b, '$');
            p += 2;
            continue;
        }
        if (p[1] == '(') {
            const char *e = strchr(p + 2, ')');
            if (e) {
                size_t n = (size_t)(e - (p + 2));
                const char *val = NULL;
                for (size_t i = env ? env->n : 0; i > 0; i--) {
                    const kv_pair *kp = &env->items[i - 1];
                    if (strlen(kp->key) == n && strncmp(kp->key, p + 2, n) == 0) {
                        val = kp->val;
                        break;
                    }
                }
                if (val) {
                    dynbuf_adds(&b, val);
                } else {
                    dynbuf_add(&b, p, n + 3);
                }
                p = e + 1;
                continue;
            }
        }
        dynbuf_addc(&b, *p++);
    }
    return dynbuf_take(&b, NULL);
}

/* Parse "metadata.labels['key']" style subscripts. */
static char *subscript(const char *path, const char *prefix)
{
    size_t n = strlen(prefix);
    if (strncmp(path, prefix, n) != 0 || path[n] != '[')
        return NULL;
    const char *p = path + n + 1;
    char q = *p;
    if (q != '\'' && q != '"')
        return NULL;
    const char *e = strchr(p + 1, q);
    if (!e || e[1] != ']' || e[2] != '\0')
        return NULL;
    return xstrndup(p + 1, (size_t)(e - p - 1));
}

char *podmap_tr_field_value(podmap_tr_ctx *c, const char *path, int *podip)
{
    *podip = 0;
    if (strcmp(path, "metadata.name") == 0)
        return xstrdup(c->name);
    if (strcmp(path, "metadata.namespace") == 0)
        return xstrdup(c->ns);
    if (strcmp(path, "metadata.uid") == 0)
        return xstrdup(c->uid);
    if (strcmp(path, "spec.nodeName") == 0) {
        const char *n = podmap_tr_str(c->spec, "nodeName");
        return xstrdup(n ? n : c->cfg->node_name);
    }
    if (strcmp(path, "spec.serviceAccountName") == 0) {
        const char *n = podmap_tr_str(c->spec, "serviceAccountName");
        return xstrdup(n ? n : "");
    }
    if (strcmp(path, "status.hostIP") == 0 || strcmp(path, "status.hostIPs") == 0)
        return xstrdup(c->cfg->node_ip ? c->cfg->node_ip : "");
    if (strcmp(path, "status.podIP") == 0 || strcmp(path, "status.podIPs") == 0) {
        *podip = 1;
        return NULL;
    }
    char *k;
    if ((k = subscript(path, "metadata.labels")) != NULL) {
        const char *v = podmap_tr_str(podmap_tr_obj(c->meta, "labels"), k);
        free(k);
        return xstrdup(v ? v : "");
    }
    if ((k = subscript(path, "metadata.annotations")) != NULL) {
        const char *v = podmap_tr_str(podmap_tr_obj(c->meta, "annotations"), k);
        free(k);
        return xstrdup(v ? v : "");
    }
    return NULL;
}

static void flatten(const cJSON *n, dynbuf *key, kv_list *out)
{
    size_t base = key->len;
    if (cJSON_IsObject(n)) {
        const cJSON *ch;
        cJSON_ArrayForEach(ch, n)
        {
            if (base)
                dynbuf_addc(key, '.');
            dynbuf_adds(key, ch->string);
            flatten(ch, key, out);
            key->len = base;
            key->buf[base] = '\0';
        }
    } else if (cJSON_IsArray(n)) {
        int i = 1;
        const cJSON *ch;
        cJSON_ArrayForEach(ch, n)
        {
            dynbuf_printf(key, ".%d", i++);
            flatten(ch, key, out);
            key->len = base;
            key->buf[base] = '\0';
        }
    } else if (cJSON_IsString(n)) {
        kv_add(out, dynbuf_str(key), n->valuestring);
    } else if (cJSON_IsBool(n)) {
        kv_add(out, dynbuf_str(key), cJSON_IsTrue(n) ? "true" : "false");
    } else if (cJSON_IsNumber(n)) {
        double d = n->valuedouble;
        if (d == floor(d) && fabs(d) < 1e15)
            kv_addf(out, dynbuf_str(key), "%.0f", d);
        else
            kv_addf(out, dynbuf_str(key), "%.10g", d);
    }
}

void podmap_flatten(const cJSON *params, kv_list *out)
{
    dynbuf key;
    dynbuf_init(&key, 0);
    dynbuf_adds(&key, "");
    flatten(params, &key, out);
    dynbuf_free(&key);
}

const char *podmap_fate_name(podmap_fate f)
{
    switch (f) {
    case PODMAP_FATE_REJECTED: return "rejected";
    case PODMAP_FATE_IGNORED: return "ignored";
    case PODMAP_FATE_ADJUSTED: return "adjusted";
    }
    return "unknown";
}

int podmap_tr_id_ok(const char *v, const char *prefix)
{
    size_t pl = strlen(prefix), n = strlen(v);
    if (n <= pl || n > 64 || strncmp(v, prefix, pl) != 0)
        return 0;
    for (const char *p = v + pl; *p; p++)
        if (!(isalnum((unsigned char)*p) || *p == '-' || *p == '_'))
            return 0;
    return 1;
}

/* Split a comma list into a fresh JSON array of trimmed, non-empty items. */
cJSON *podmap_tr_split_list(const char *v)
{
    cJSON *a = cJSON_CreateArray();
    const char *p = v;
    while (*p) {
        const char *e = strchr(p, ',');
        if (!e)
            e = p + strlen(p);
        const char *s = p, *t = e;
        while (s < t && isspace((unsigned char)*s))
            s++;
        while (t > s && isspace((unsigned char)t[-1]))
            t--;
        if (t > s) {
            char *item = xstrndup(s, (size_t)(t - s));
            cJSON_AddItemToArray(a, cJSON_CreateString(item));
            free(item);
        }
        p = *e ? e + 1 : e;
    }
    return a;
}

char *podmap_tr_join_list(const cJSON *a)
{
    dynbuf b;
    dynbuf_init(&b, 0);
    dynbuf_adds(&b, "");
    const cJSON *it;
    cJSON_ArrayForEach(it, a)
    {
        if (b.len)
            dynbuf_addc(&b, ',');
        dynbuf_adds(&b, it->valuestring);
    }
    return dynbuf_take(&b, NULL);
}

void podmap_tr_add_unique(cJSON *arr, const char *s)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, arr) if (strcmp(it->valuestring, s) == 0) return;
    cJSON_AddItemToArray(arr, cJSON_CreateString(s));
}
