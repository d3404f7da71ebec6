/* Volumes (emptyDir, configMap, secret, downwardAPI, projected, nfs; the
 * rest rejected), volume mounts, and image pull secrets. */
#include "provider/podmap/translate_int.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/base64.h"
#include "util/dynbuf.h"
#include "util/xmalloc.h"

/* Files of a ConfigFileVolume being assembled. */
typedef struct vfile {
    char *path;
    char *b64; /* content, base64 */
    long long mode; /* -1: default */
} vfile;

typedef struct vfiles {
    vfile *f;
    size_t n;
} vfiles;

static void vf_add(vfiles *v, const char *path, char *b64, long long mode)
{
    for (size_t i = 0; i < v->n; i++) {
        if (strcmp(v->f[i].path, path) == 0) { /* later sources win, like kubelet */
            free(v->f[i].b64);
            v->f[i].b64 = b64;
            v->f[i].mode = mode;
            return;
        }
    }
    v->f = xrealloc(v->f, (v->n + 1) * sizeof *v->f);
    v->f[v->n].path = xstrdup(path);
    v->f[v->n].b64 = b64;
    v->f[v->n].mode = mode;
    v->n++;
}

static void vf_free(vfiles *v)
{
    for (size_t i = 0; i < v->n; i++) {
        free(v->f[i].path);
        free(v->f[i].b64);
    }
    free(v->f);
    v->f = NULL;
    v->n = 0;
}

static int b64_ok(const char *s)
{
    size_t n;
    unsigned char *d = b64_decode(s, strlen(s), 0, &n);
    free(d);
    return d != NULL;
}

/* Go's %q for the downward API's label/annotation files. */
static void go_quote(dynbuf *b, const char *s)
{
    dynbuf_addc(b, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': dynbuf_adds(b, "\\\""); break;
        case '\\': dynbuf_adds(b, "\\\\"); break;
        case '\n': dynbuf_adds(b, "\\n"); break;
        case '\t': dynbuf_adds(b, "\\t"); break;
        case '\r': dynbuf_adds(b, "\\r"); break;
        default:
            if (*p < 0x20 || *p == 0x7f)
                dynbuf_printf(b, "\\x%02x", *p);
            else
                dynbuf_addc(b, (char)*p);
        }
    }
    dynbuf_addc(b, '"');
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static char *format_map(const cJSON *m)
{
    size_t n = 0;
    const char **keys = xcalloc((size_t)cJSON_GetArraySize(m) + 1, sizeof *keys);
    const cJSON *it;
    cJSON_ArrayForEach(it, m) if (cJSON_IsString(it)) keys[n++] = it->string;
    qsort(keys, n, sizeof *keys, cmp_str);
    dynbuf b;
    dynbuf_init(&b, 0);
    dynbuf_adds(&b, "");
    for (size_t i = 0; i < n; i++) {
        if (i)
            dynbuf_addc(&b, '\n');
        dynbuf_printf(&b, "%s=", keys[i]);
        go_quote(&b, podmap_tr_str(m, keys[i]));
    }
    free(keys);
    return dynbuf_take(&b, NULL);
}

static long long item_mode(const cJSON *item)
{
    long long m;
    return podmap_tr_int(item, "mode", &m) == 0 ? m : -1;
}

static void wait_obj(podmap_tr_ctx *c, int rc, int secret, const char *name, int optional, const char *path)
{
    if (rc == PODMAP_RES_ERROR)
        podmap_tr_wait(c, "ProviderRetry", "%s: reading %s \"%s\" failed; retrying", path,
                       secret ? "Secret" : "ConfigMap", name);
    else
        podmap_tr_missing(c, secret, name, NULL, optional, NULL, path);
}

/* configMap or secret source (volume or projection) into files. */
static void object_files(podmap_tr_ctx *c, const cJSON *src, int secret, const char *path, vfiles *out)
{
    const char *kind = secret ? "Secret" : "ConfigMap";
    const char *name = podmap_tr_str(src, secret ? "secretName" : "name");
    if (!name && secret)
        name = podmap_tr_str(src, "name"); /* projected secrets use "name" */
    int optional = podmap_tr_bool(src, "optional", 0);
    if (!name) {
        podmap_tr_reject(c, path, "%s: needs the %s name", path, kind);
        return;
    }
    const cJSON *obj;
    int rc = podmap_tr_get_object(c, secret ? "secret" : "cm", name, &obj);
    if (rc != PODMAP_RES_OK) {
        wait_obj(c, rc, secret, name, optional, path);
        return;
    }
    const cJSON *data = podmap_tr_obj(obj, "data"), *bin = secret ? NULL : podmap_tr_obj(obj, "binaryData");
    const cJSON *items = podmap_tr_arr(src, "items");
    if (items) {
        const cJSON *it;
        cJSON_ArrayForEach(it, items)
        {
            const char *key = podmap_tr_str(it, "key"), *p = podmap_tr_str(it, "path");
            if (!key || !p)
                continue;
            const char *v = podmap_tr_str(data, key);
            const char *bv = v ? NULL : podmap_tr_str(bin, key);
            if (!v && !bv) {
                podmap_tr_missing(c, secret, name, key, optional, obj, path);
                continue;
            }
            char *b64;
            if (secret || bv) {
                if (!b64_ok(v ? v : bv)) {
                    podmap_tr_reject(c, path, "%s: key %s of %s \"%s\" is not valid base64", path, key,
                              kind, name);
                    continue;
                }
                b64 = xstrdup(v ? v : bv);
            } else {
                b64 = b64_encode(v, strlen(v));
            }
            vf_add(out, p, b64, item_mode(it));
        }
        return;
    }
    for (int pass = 0; pass < 2; pass++) {
        const cJSON *m = pass == 0 ? data : bin;
        const cJSON *it;
        cJSON_ArrayForEach(it, m)
        {
            if (!cJSON_IsString(it))
                continue;
            char *b64;
            if (secret || pass == 1) {
                if (!b64_ok(it->valuestring)) {
                    podmap_tr_reject(c, path, "%s: key %s of %s \"%s\" is not valid base64", path,
                              it->string, kind, name);
                    continue;
                }
                b64 = xstrdup(it->valuestring);
            } else {
                b64 = b64_encode(it->valuestring, strlen(it->valuestring));
            }
            vf_add(out, it->string, b64, -1);
        }
    }
}

static void downward_files(podmap_tr_ctx *c, const cJSON *src, const char *path, vfiles *out)
{
    const cJSON *it;
    int j = 0;
    cJSON_ArrayForEach(it, podmap_tr_arr(src, "items"))
    {
        char ip[224];
        snprintf(ip, sizeof ip, "%s.items[%d]", path, j++);
        const char *p = podmap_tr_str(it, "path");
        if (!p) {
            podmap_tr_reject(c, ip, "%s.path: required", ip);
            continue;
        }
        char *val = NULL;
        const cJSON *fr = podmap_tr_obj(it, "fieldRef"), *rr = podmap_tr_obj(it, "resourceFieldRef");
        if (fr) {
            const char *fp = podmap_tr_str(fr, "fieldPath");
            if (fp && strcmp(fp, "metadata.labels") == 0)
                val = format_map(podmap_tr_obj(c->meta, "labels"));
            else if (fp && strcmp(fp, "metadata.annotations") == 0)
                val = format_map(podmap_tr_obj(c->meta, "annotations"));
            else {
                int podip = 0;
                val = fp ? podmap_tr_field_value(c, fp, &podip) : NULL;
            }
            if (!val) {
                podmap_tr_reject(c, ip, "%s.fieldRef: %s is not available in a downwardAPI volume on ECI",
                          ip, fp ? fp : "(none)");
                continue;
            }
        } else if (rr) {
            const char *cn = podmap_tr_str(rr, "containerName"), *res = podmap_tr_str(rr, "resource");
            const cJSON *dv = cJSON_GetObjectItemCaseSensitive(rr, "divisor");
            char dbuf[64] = "";
            if (cJSON_IsString(dv))
                snprintf(dbuf, sizeof dbuf, "%s", dv->valuestring);
            char *err = NULL;
            val = podmap_tr_resource_value(c, cn, res ? res : "", dbuf, &err);
            if (!val) {
                podmap_tr_reject(c, ip, "%s.resourceFieldRef: %s", ip, err);
                free(err);
                continue;
            }
        } else {
            podmap_tr_reject(c, ip, "%s: needs fieldRef or resourceFieldRef", ip);
            continue;
        }
        vf_add(out, p, b64_encode(val, strlen(val)), item_mode(it));
        free(val);
    }
}

static void token_file(podmap_tr_ctx *c, const cJSON *src, const char *path, vfiles *out)
{
    const char *p = podmap_tr_str(src, "path");
    const char *aud = podmap_tr_str(src, "audience");
    long long exp = 3600;
    podmap_tr_int(src, "expirationSeconds", &exp);
    const char *sa = podmap_tr_str(c->spec, "serviceAccountName");
    if (!sa || !*sa)
        sa = podmap_tr_str(c->spec, "serviceAccount");
    if (!sa || !*sa)
        sa = "default";
    if (!p) {
        podmap_tr_reject(c, path, "%s.path: required", path);
        return;
    }
    char *tok = NULL;
    int rc = PODMAP_RES_NOT_FOUND;
    if (c->res && c->res->get_sa_token)
        rc = c->res->get_sa_token(c->res->ctx, c->ns, sa, aud && *aud ? aud : NULL, (long)exp, c->pod,
                                  &tok);
    if (rc != PODMAP_RES_OK || !tok) {
        free(tok);
        if (rc == PODMAP_RES_ERROR)
            podmap_tr_wait(c, "ProviderRetry", "%s: requesting a token for service account \"%s\" failed; "
                    "retrying", path, sa);
        else
            podmap_tr_wait(c, "CreateContainerConfigError",
                    "%s: no token for service account \"%s\"", path, sa);
        return;
    }
    vf_add(out, p, b64_encode(tok, strlen(tok)), -1);
    /* the token is a secret: wipe our copy */
    memset(tok, 0, strlen(tok));
    free(tok);
}

static void add_config_volume(podmap_tr_ctx *c, cJSON *vol, vfiles *files, const cJSON *src,
                              const char *path)
{
    if (files->n == 0) {
        /* An empty configMap/secret (or all optional sources missing) is an
         * empty directory, as with kubelet. */
        cJSON_AddStringToObject(vol, "Type", "EmptyDirVolume");
        return;
    }
    cJSON_AddStringToObject(vol, "Type", "ConfigFileVolume");
    cJSON *cfv = cJSON_AddObjectToObject(vol, "ConfigFileVolume");
    long long dm;
    if (podmap_tr_int(src, "defaultMode", &dm) == 0 && dm != 420)
        cJSON_AddNumberToObject(cfv, "DefaultMode", (double)dm);
    cJSON *arr = cJSON_AddArrayToObject(cfv, "ConfigFileToPath");
    for (size_t i = 0; i < files->n; i++) {
        size_t blen = strlen(files->f[i].b64), raw = blen / 4 * 3;
        if (blen >= 1 && files->f[i].b64[blen - 1] == '=')
            raw--;
        if (blen >= 2 && files->f[i].b64[blen - 2] == '=')
            raw--;
        if (raw > PODMAP_TR_MAX_FILE_CONTENT) {
            podmap_tr_reject(c, path, "%s: file %s has %zu bytes; ECI config files hold at most 32 KiB",
                      path, files->f[i].path, raw);
            continue;
        }
        cJSON *f = cJSON_CreateObject();
        cJSON_AddStringToObject(f, "Path", files->f[i].path);
        cJSON_AddStringToObject(f, "Content", files->f[i].b64);
        if (files->f[i].mode >= 0)
            cJSON_AddNumberToObject(f, "Mode", (double)files->f[i].mode);
        cJSON_AddItemToArray(arr, f);
    }
}

static void empty_dir(podmap_tr_ctx *c, const cJSON *ed, const char *path, cJSON *vol)
{
    cJSON_AddStringToObject(vol, "Type", "EmptyDirVolume");
    const char *medium = podmap_tr_str(ed, "medium");
    const cJSON *sl = cJSON_GetObjectItemCaseSensitive(ed, "sizeLimit");
    cJSON *e = cJSON_CreateObject();
    if (medium && *medium) {
        if (strcmp(medium, "Memory") == 0) {
            cJSON_AddStringToObject(e, "Medium", "Memory");
        } else {
            char p[320];
            snprintf(p, sizeof p, "%s.medium", path);
            podmap_tr_reject(c, p, "%s: medium %s is not available on ECI (\"\" or Memory)", p, medium);
        }
    }
    if (cJSON_IsString(sl) && *sl->valuestring) {
        const char *s = sl->valuestring;
        size_t n = strlen(s);
        double q;
        char p[320];
        snprintf(p, sizeof p, "%s.sizeLimit", path);
        if (podmap_parse_quantity(s, &q) != 0 || q <= 0) {
            podmap_tr_reject(c, p, "%s: \"%s\" is not a size", p, s);
        } else if (n > 2 && (strcmp(s + n - 2, "Mi") == 0 || strcmp(s + n - 2, "Gi") == 0)) {
            cJSON_AddStringToObject(e, "SizeLimit", s);
        } else {
            char buf[64];
            snprintf(buf, sizeof buf, "%.0fMi", ceil(q / 1048576.0 - 1e-9));
            podmap_tr_find(c, PODMAP_FATE_ADJUSTED, "Normal", "SizeLimitRounded", p,
                    "%s: %s becomes %s (ECI takes Mi or Gi)", p, s, buf);
            cJSON_AddStringToObject(e, "SizeLimit", buf);
        }
    }
    if (e->child)
        cJSON_AddItemToObject(vol, "EmptyDirVolume", e);
    else
        cJSON_Delete(e);
}

void podmap_tr_volumes(podmap_tr_ctx *c)
{
    const cJSON *vols = podmap_tr_arr(c->spec, "volumes");
    int nv = cJSON_GetArraySize(vols);
    if (nv == 0)
        return;
    if (nv > PODMAP_TR_MAX_VOLUMES) {
        podmap_tr_reject(c, "spec.volumes", "spec.volumes: %d volumes; ECI allows at most %d", nv,
                  PODMAP_TR_MAX_VOLUMES);
        return;
    }
    cJSON *arr = cJSON_AddArrayToObject(c->req, "Volume");
    const cJSON *v;
    int i = 0;
    cJSON_ArrayForEach(v, vols)
    {
        char path[160];
        snprintf(path, sizeof path, "spec.volumes[%d]", i++);
        const char *name = podmap_tr_str(v, "name");
        if (!name || !*name) {
            podmap_tr_reject(c, path, "%s.name: a volume needs a name", path);
            continue;
        }
        /* the source is the one key besides "name" */
        const cJSON *src = NULL;
        const char *type = NULL;
        const cJSON *it;
        cJSON_ArrayForEach(it, v)
        {
            if (strcmp(it->string, "name") != 0 && !cJSON_IsNull(it)) {
                src = it;
                type = it->string;
            }
        }
        char tp[224];
        snprintf(tp, sizeof tp, "%s.%s", path, type ? type : "");
        cJSON *vol = cJSON_CreateObject();
        cJSON_AddStringToObject(vol, "Name", name);
        int ok = 1;
        if (!type || !strcmp(type, "emptyDir")) {
            empty_dir(c, src, tp, vol);
        } else if (!strcmp(type, "configMap") || !strcmp(type, "secret")) {
            vfiles files = {NULL, 0};
            object_files(c, src, !strcmp(type, "secret"), tp, &files);
            add_config_volume(c, vol, &files, src, tp);
            vf_free(&files);
        } else if (!strcmp(type, "downwardAPI")) {
            vfiles files = {NULL, 0};
            downward_files(c, src, tp, &files);
            add_config_volume(c, vol, &files, src, tp);
            vf_free(&files);
        } else if (!strcmp(type, "projected")) {
            vfiles files = {NULL, 0};
            const cJSON *s;
            int j = 0;
            cJSON_ArrayForEach(s, podmap_tr_arr(src, "sources"))
            {
                char sp[256];
                snprintf(sp, sizeof sp, "%s.sources[%d]", tp, j++);
                const cJSON *x;
                char sub[288];
                if ((x = podmap_tr_obj(s, "configMap")) != NULL) {
                    snprintf(sub, sizeof sub, "%s.configMap", sp);
                    object_files(c, x, 0, sub, &files);
                } else if ((x = podmap_tr_obj(s, "secret")) != NULL) {
                    snprintf(sub, sizeof sub, "%s.secret", sp);
                    object_files(c, x, 1, sub, &files);
                } else if ((x = podmap_tr_obj(s, "downwardAPI")) != NULL) {
                    snprintf(sub, sizeof sub, "%s.downwardAPI", sp);
                    downward_files(c, x, sub, &files);
                } else if ((x = podmap_tr_obj(s, "serviceAccountToken")) != NULL) {
                    snprintf(sub, sizeof sub, "%s.serviceAccountToken", sp);
                    token_file(c, x, sub, &files);
                } else {
                    podmap_tr_reject(c, sp, "%s: projection source not supported on ECI (configMap, "
                              "secret, downwardAPI, serviceAccountToken)", sp);
                }
            }
            add_config_volume(c, vol, &files, src, tp);
            vf_free(&files);
        } else if (!strcmp(type, "nfs")) {
            const char *srv = podmap_tr_str(src, "server"), *p = podmap_tr_str(src, "path");
            if (!srv || !p) {
                podmap_tr_reject(c, tp, "%s: server and path are required", tp);
                ok = 0;
            } else {
                cJSON_AddStringToObject(vol, "Type", "NFSVolume");
                cJSON *n = cJSON_AddObjectToObject(vol, "NFSVolume");
                cJSON_AddStringToObject(n, "Server", srv);
                cJSON_AddStringToObject(n, "Path", p);
                if (podmap_tr_bool(src, "readOnly", 0))
                    cJSON_AddBoolToObject(n, "ReadOnly", 1);
            }
        } else if (!strcmp(type, "hostPath")) {
            podmap_tr_reject(c, tp, "%s: hostPath volumes cannot be used on ECI", tp);
            ok = 0;
        } else if (!strcmp(type, "persistentVolumeClaim")) {
            podmap_tr_reject(c, tp,
                      "%s: persistentVolumeClaim volumes cannot be used on ECI by eci-kubelet; "
                      "use an nfs volume",
                      tp);
            ok = 0;
        } else {
            podmap_tr_reject(c, tp, "%s: %s volumes are not supported on ECI (emptyDir, configMap, "
                      "secret, downwardAPI, projected, nfs)", tp, type);
            ok = 0;
        }
        if (ok)
            cJSON_AddItemToArray(arr, vol);
        else
            cJSON_Delete(vol);
    }
}

int podmap_tr_volume_known(podmap_tr_ctx *c, const char *name)
{
    const cJSON *v;
    cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(c->req, "Volume"))
    {
        const char *n = podmap_tr_str(v, "Name");
        if (n && strcmp(n, name) == 0)
            return 1;
    }
    return 0;
}

static int volume_in_spec(podmap_tr_ctx *c, const char *name)
{
    const cJSON *v;
    cJSON_ArrayForEach(v, podmap_tr_arr(c->spec, "volumes"))
    {
        const char *n = podmap_tr_str(v, "name");
        if (n && strcmp(n, name) == 0)
            return 1;
    }
    return 0;
}

void podmap_tr_mounts(podmap_tr_ctx *c, const cJSON *container, const char *base, const kv_list *env, cJSON *ctr)
{
    cJSON *arr = cJSON_CreateArray();
    const cJSON *m;
    int j = 0;
    cJSON_ArrayForEach(m, podmap_tr_arr(container, "volumeMounts"))
    {
        char path[192];
        snprintf(path, sizeof path, "%s.volumeMounts[%d]", base, j++);
        static const char *const known[] = {"name", "readOnly", "recursiveReadOnly", "mountPath",
                                            "subPath", "mountPropagation", "subPathExpr", NULL};
        podmap_tr_unknown_fields(c, m, known, path);
        const char *name = podmap_tr_str(m, "name"), *mp = podmap_tr_str(m, "mountPath");
        if (!name || !mp || !*mp) {
            podmap_tr_reject(c, path, "%s: name and mountPath are required", path);
            continue;
        }
        if (!podmap_tr_volume_known(c, name)) {
            if (!volume_in_spec(c, name))
                podmap_tr_reject(c, path, "%s: no volume named \"%s\"", path, name);
            continue; /* the volume itself was rejected */
        }
        if (cJSON_GetArraySize(arr) >= PODMAP_TR_MAX_MOUNTS) {
            podmap_tr_reject(c, path, "%s.volumeMounts: more than %d mounts; ECI allows %d", base,
                      PODMAP_TR_MAX_MOUNTS, PODMAP_TR_MAX_MOUNTS);
            break;
        }
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "Name", name);
        cJSON_AddStringToObject(o, "MountPath", mp);
        if (podmap_tr_bool(m, "readOnly", 0))
            cJSON_AddBoolToObject(o, "ReadOnly", 1);
        const char *sp = podmap_tr_str(m, "subPath"), *spe = podmap_tr_str(m, "subPathExpr");
        if (sp && *sp) {
            cJSON_AddStringToObject(o, "SubPath", sp);
        } else if (spe && *spe) {
            char *x = podmap_expand(spe, env);
            cJSON_AddStringToObject(o, "SubPath", x);
            free(x);
        }
        const char *prop = podmap_tr_str(m, "mountPropagation");
        if (prop && strcmp(prop, "None") != 0) {
            if (!strcmp(prop, "HostToContainer"))
                cJSON_AddStringToObject(o, "MountPropagation", "HostToCotainer");
            else if (!strcmp(prop, "Bidirectional"))
                cJSON_AddStringToObject(o, "MountPropagation", "Bidirectional");
            else
                podmap_tr_reject(c, path, "%s.mountPropagation: unknown mode \"%s\"", path, prop);
        }
        const char *rro = podmap_tr_str(m, "recursiveReadOnly");
        if (rro && !strcmp(rro, "Enabled")) {
            char p2[224];
            snprintf(p2, sizeof p2, "%s.recursiveReadOnly", path);
            podmap_tr_find(c, PODMAP_FATE_IGNORED, "Warning", "UnsupportedField", p2,
                    "%s: ECI mounts are not recursively read-only; sub-mounts stay writable", p2);
        }
        cJSON_AddItemToArray(arr, o);
    }
    if (cJSON_GetArraySize(arr))
        cJSON_AddItemToObject(ctr, "VolumeMount", arr);
    else
        cJSON_Delete(arr);
}

/* ---------------------------------------------------- pull secrets */

static char *norm_server(const char *s)
{
    if (!strncmp(s, "https://", 8))
        s += 8;
    else if (!strncmp(s, "http://", 7))
        s += 7;
    char *r = xstrdup(s);
    size_t n = strlen(r);
    while (n > 0 && r[n - 1] == '/')
        r[--n] = '\0';
    if (n > 3 && (!strcmp(r + n - 3, "/v1") || !strcmp(r + n - 3, "/v2")))
        r[n - 3] = '\0';
    return r;
}

static void add_credential(cJSON *arr, const char *server, const char *user, const char *pass,
                           int *dropped)
{
    char *srv = norm_server(server);
    const cJSON *it;
    cJSON_ArrayForEach(it, arr)
    {
        if (!strcmp(podmap_tr_str(it, "Server"), srv)) { /* first one wins, like the kubelet keyring */
            free(srv);
            return;
        }
    }
    if (cJSON_GetArraySize(arr) >= PODMAP_TR_MAX_CREDENTIALS) {
        (*dropped)++;
        free(srv);
        return;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "Server", srv);
    cJSON_AddStringToObject(o, "UserName", user);
    cJSON_AddStringToObject(o, "Password", pass);
    cJSON_AddItemToArray(arr, o);
    free(srv);
}

/* Parse a docker config ({"auths":{..}} or the legacy flat map) into arr.
 * Returns -1 when it is not one. */
static int docker_config(const char *json, size_t len, cJSON *arr, int *dropped, int *skipped)
{
    cJSON *cfg = cJSON_ParseWithLength(json, len);
    if (!cJSON_IsObject(cfg)) {
        cJSON_Delete(cfg);
        return -1;
    }
    const cJSON *auths = podmap_tr_obj(cfg, "auths");
    if (!auths)
        auths = cfg;
    const cJSON *e;
    cJSON_ArrayForEach(e, auths)
    {
        if (!cJSON_IsObject(e) || !e->string || !*e->string)
            continue;
        const char *u = podmap_tr_str(e, "username"), *p = podmap_tr_str(e, "password");
        const char *a = podmap_tr_str(e, "auth");
        if (u && p && *u) {
            add_credential(arr, e->string, u, p, dropped);
        } else if (a && *a) {
            size_t n;
            unsigned char *d = b64_decode(a, strlen(a), 0, &n);
            char *colon = d ? memchr(d, ':', n) : NULL;
            if (colon && colon != (char *)d && !memchr(d, '\0', n)) {
                *colon = '\0';
                add_credential(arr, e->string, (char *)d, colon + 1, dropped);
            } else {
                (*skipped)++;
            }
            if (d) {
                memset(d, 0, n);
                free(d);
            }
        } else {
            (*skipped)++;
        }
    }
    cJSON_Delete(cfg);
    return 0;
}

int podmap_secret_credentials(const cJSON *secret, cJSON *arr, int *dropped, int *skipped)
{
    const cJSON *data = podmap_tr_obj(secret, "data");
    const char *raw = podmap_tr_str(data, ".dockerconfigjson");
    if (!raw)
        raw = podmap_tr_str(data, ".dockercfg");
    size_t n = 0;
    unsigned char *json = raw ? b64_decode(raw, strlen(raw), 0, &n) : NULL;
    int rc = json ? docker_config((const char *)json, n, arr, dropped, skipped) : -1;
    if (json) {
        memset(json, 0, n);
        free(json);
    }
    return rc;
}

void podmap_tr_pull_secrets(podmap_tr_ctx *c)
{
    cJSON *arr = cJSON_CreateArray();
    const cJSON *ps;
    int i = 0, dropped = 0;
    cJSON_ArrayForEach(ps, podmap_tr_arr(c->spec, "imagePullSecrets"))
    {
        char path[96];
        snprintf(path, sizeof path, "spec.imagePullSecrets[%d]", i++);
        const char *name = podmap_tr_str(ps, "name");
        if (!name || !*name)
            continue;
        const cJSON *sec;
        int rc = podmap_tr_get_object(c, "secret", name, &sec);
        if (rc == PODMAP_RES_ERROR) {
            podmap_tr_wait(c, "ProviderRetry", "%s: reading Secret \"%s\" failed; retrying", path, name);
            continue;
        }
        if (rc != PODMAP_RES_OK) {
            podmap_tr_find(c, PODMAP_FATE_IGNORED, "Warning", "FailedToRetrieveImagePullSecret", path,
                    "%s: unable to retrieve some image pull secrets (%s); attempting to pull the "
                    "image may not succeed",
                    path, name);
            continue;
        }
        int skipped = 0;
        if (podmap_secret_credentials(sec, arr, &dropped, &skipped) != 0)
            podmap_tr_find(c, PODMAP_FATE_IGNORED, "Warning", "InvalidImagePullSecret", path,
                    "%s: Secret \"%s\" holds no .dockerconfigjson or .dockercfg docker config; "
                    "not used",
                    path, name);
        else if (skipped)
            podmap_tr_find(c, PODMAP_FATE_IGNORED, "Warning", "InvalidImagePullSecret", path,
                    "%s: %d registries of Secret \"%s\" have no username/password or auth "
                    "(identity tokens are not supported by ECI) and are not used",
                    path, skipped, name);
    }
    if (dropped)
        podmap_tr_find(c, PODMAP_FATE_IGNORED, "Warning", "TooManyRegistryCredentials",
                "spec.imagePullSecrets",
                "spec.imagePullSecrets: %d registries left out; ECI takes at most %d credentials",
                dropped, PODMAP_TR_MAX_CREDENTIALS);
    if (cJSON_GetArraySize(arr))
        cJSON_AddItemToObject(c->req, "ImageRegistryCredential", arr);
    else
        cJSON_Delete(arr);
}
