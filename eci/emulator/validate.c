/* CreateContainerGroup / UpdateContainerGroup parameter parsing and
 * validation with the service's documented limits and error codes
 * (spec/eci-api.md 5.17, 6.2, 6.3; eci-api-extra.md 6). */
#include "eci/emulator/emu.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/base64.h"
#include "util/xmalloc.h"

#define MAX_CONTAINERS 5
#define MAX_INITS 5
#define MAX_VOLUMES 20
#define MAX_CREDS 10
#define MAX_TAGS 20
#define MAX_COMMAND 20
#define MAX_COMMAND_LEN 256
#define MAX_ARGS 10
#define MAX_ENV 100
#define MAX_MOUNTS 16
#define MAX_PORTS 100
#define MAX_CFILE (32 * 1024)
#define MAX_LIST_MISC 64

static char *dupv(const char *s) { return s ? xstrdup(s) : NULL; }

static int length_exceeded(emu_err *e, const char *what, size_t max)
{
    return emu_fail(e, 400, "InvalidParameter.LengthExceeded",
                    "The number of %s exceeds the limit %zu.", what, max);
}

/* LIST.N.Name / LIST.N.Value pairs (a group's sysctls) into out. */
static int parse_sysctls(const kv_list *p, const char *list, kv_list *out, emu_err *e)
{
    char prefix[64], key[160], vkey[160];
    snprintf(prefix, sizeof prefix, "%s.", list);
    long *idx = NULL;
    long n = emu_list_indices(p, prefix, &idx, e);
    if (n < 0)
        return -1;
    if (n > MAX_LIST_MISC) {
        free(idx);
        return length_exceeded(e, "sysctls", MAX_LIST_MISC);
    }
    for (long i = 0; i < n; i++) {
        const char *nm = emu_getf(p, key, sizeof key, "%s.%ld.Name", list, idx[i]);
        const char *v = emu_getf(p, vkey, sizeof vkey, "%s.%ld.Value", list, idx[i]);
        if (!nm || !v) {
            free(idx);
            return emu_missing(e, nm ? vkey : key);
        }
        kv_add(out, nm, v);
    }
    free(idx);
    return 0;
}

/* RepeatList with a count and an item-length limit. */
static int strlist(const kv_list *p, const char *prefix, size_t max, size_t maxlen,
                   char ***out, size_t *n, emu_err *e)
{
    const char **v = NULL;
    long m = emu_repeat_list(p, prefix, &v, e);
    if (m < 0)
        return -1;
    if ((size_t)m > max) {
        free(v);
        return length_exceeded(e, prefix, max);
    }
    for (long i = 0; i < m; i++)
        if (strlen(v[i]) > maxlen) {
            free(v);
            return emu_fail(e, 400, "InvalidParameter.ValueExceeded",
                            "An item of %s is longer than %zu characters.", prefix, maxlen);
        }
    *out = m ? xcalloc((size_t)m, sizeof(char *)) : NULL;
    for (long i = 0; i < m; i++)
        (*out)[i] = xstrdup(v[i]);
    *n = (size_t)m;
    free(v);
    return 0;
}

static int one_of(const char *v, const char *const *allowed)
{
    for (int i = 0; allowed[i]; i++)
        if (strcmp(v, allowed[i]) == 0)
            return 1;
    return 0;
}

static int check_enum(const kv_list *p, const char *key, const char *const *allowed, emu_err *e)
{
    const char *v = emu_get(p, key);
    if (v && !one_of(v, allowed))
        return emu_invalid(e, key, "value not allowed");
    return 0;
}

static int valid_name(const char *s, size_t lo, size_t hi)
{
    size_t n = strlen(s);
    if (n < lo || n > hi)
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!(islower(c) || isdigit(c) || c == '-'))
            return 0;
    }
    return s[0] != '-' && s[n - 1] != '-';
}

static int env_key_ok(const char *k)
{
    size_t n = strlen(k);
    if (n < 1 || n > 128 || isdigit((unsigned char)k[0]))
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!(isalnum((unsigned char)k[i]) || k[i] == '_'))
            return 0;
    return 1;
}

static int parse_probe(const kv_list *p, const char *base, int liveness, emu_probe *pr, emu_err *e)
{
    char key[640], pre[256];
    int any = 0;
    size_t blen = strlen(base);
    for (size_t i = 0; i < p->n; i++)
        if (strncmp(p->items[i].key, base, blen) == 0 && p->items[i].val[0]) {
            any = 1;
            break;
        }
    pr->initial_delay = 0;
    pr->period = 10;
    pr->timeout = 1;
    pr->success = 1;
    pr->failure = 3;
    if (!any)
        return 0;
    pr->present = 1;
    snprintf(pre, sizeof pre, "%sExec.Command.", base);
    if (strlist(p, pre, MAX_COMMAND, 4096, &pr->exec, &pr->nexec, e))
        return -1;
    pr->http_path = dupv(emu_getf(p, key, sizeof key, "%sHttpGet.Path", base));
    pr->http_scheme = dupv(emu_getf(p, key, sizeof key, "%sHttpGet.Scheme", base));
    static const char *const schemes[] = {"HTTP", "HTTPS", NULL};
    if (pr->http_scheme && !one_of(pr->http_scheme, schemes))
        return emu_invalid(e, key, "must be HTTP or HTTPS");
    snprintf(key, sizeof key, "%sHttpGet.Port", base);
    if (emu_get_long(p, key, 1, 65535, &pr->http_port, e) < 0)
        return -1;
    snprintf(key, sizeof key, "%sTcpSocket.Port", base);
    if (emu_get_long(p, key, 1, 65535, &pr->tcp_port, e) < 0)
        return -1;
    int handlers = (pr->nexec > 0) + (pr->http_port > 0 || pr->http_path != NULL) + (pr->tcp_port > 0);
    if (handlers != 1)
        return emu_fail(e, 400, "InvalidParameter",
                        "The probe %s must have exactly one of Exec, HttpGet and TcpSocket.", base);
    if (pr->http_path && pr->http_port == 0)
        return emu_missing(e, "HttpGet.Port");
    struct { const char *name; long lo, hi; long *dst; } nums[] = {
        {"InitialDelaySeconds", 0, 86400, &pr->initial_delay},
        {"PeriodSeconds", 1, 86400, &pr->period},
        {"TimeoutSeconds", 1, 86400, &pr->timeout},
        {"SuccessThreshold", 1, 1000, &pr->success},
        {"FailureThreshold", 1, 1000, &pr->failure},
    };
    for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++) {
        snprintf(key, sizeof key, "%s%s", base, nums[i].name);
        if (emu_get_long(p, key, nums[i].lo, nums[i].hi, nums[i].dst, e) < 0)
            return -1;
    }
    if (liveness && pr->success != 1)
        return emu_fail(e, 400, "InvalidParameter",
                        "The parameter \"%sSuccessThreshold\" must be 1 for a liveness probe.", base);
    return 0;
}

/* A lifecycle hook: base is "Container.N.LifecyclePostStartHandler" (no dot
 * before the handler kind). At most one handler. UpdateContainerGroup's SDK
 * spells the post-start headers HttpHeaders. */
static int parse_hook(const kv_list *p, const char *base, char ***exec, size_t *nexec, emu_hook_net *h, emu_err *e)
{
    char key[640], pre[320];
    snprintf(pre, sizeof pre, "%sExec.", base);
    if (strlist(p, pre, MAX_COMMAND, 4096, exec, nexec, e))
        return -1;
    h->http_host = dupv(emu_getf(p, key, sizeof key, "%sHttpGetHost", base));
    h->http_path = dupv(emu_getf(p, key, sizeof key, "%sHttpGetPath", base));
    if (h->http_path && h->http_path[0] != '/')
        return emu_invalid(e, key, "must start with /");
    h->http_scheme = dupv(emu_getf(p, key, sizeof key, "%sHttpGetScheme", base));
    static const char *const schemes[] = {"HTTP", "HTTPS", NULL};
    if (h->http_scheme && !one_of(h->http_scheme, schemes))
        return emu_invalid(e, key, "must be HTTP or HTTPS");
    snprintf(key, sizeof key, "%sHttpGetPort", base);
    if (emu_get_long(p, key, 1, 65535, &h->http_port, e) < 0)
        return -1;
    static const char *const hdrs[] = {"HttpGetHttpHeader.", "HttpGetHttpHeaders."};
    for (int k = 0; k < 2; k++) {
        long *idx = NULL;
        snprintf(pre, sizeof pre, "%s%s", base, hdrs[k]);
        long n = emu_list_indices(p, pre, &idx, e);
        if (n < 0)
            return -1;
        for (long i = 0; i < n; i++) {
            const char *nm = emu_getf(p, key, sizeof key, "%s%ld.Name", pre, idx[i]);
            if (!nm) {
                free(idx);
                return emu_missing(e, key);
            }
            const char *v = emu_getf(p, key, sizeof key, "%s%ld.Value", pre, idx[i]);
            kv_add(&h->http_headers, nm, v ? v : "");
        }
        free(idx);
    }
    h->tcp_host = dupv(emu_getf(p, key, sizeof key, "%sTcpSocketHost", base));
    snprintf(key, sizeof key, "%sTcpSocketPort", base);
    if (emu_get_long(p, key, 1, 65535, &h->tcp_port, e) < 0)
        return -1;
    int http = h->http_port > 0 || h->http_path || h->http_host || h->http_scheme || h->http_headers.n;
    int tcp = h->tcp_port > 0 || h->tcp_host;
    if ((*nexec > 0) + http + tcp > 1)
        return emu_fail(e, 400, "InvalidParameter", "The hook %s must have at most one of Exec, HttpGet and TcpSocket.",
                        base);
    if (http && !h->http_port)
        return emu_missing(e, strcat(strcpy(key, base), "HttpGetPort"));
    if (tcp && !h->tcp_port)
        return emu_missing(e, strcat(strcpy(key, base), "TcpSocketPort"));
    return 0;
}

static int parse_container(const kv_list *p, const char *base, int is_init, emu_container *c, emu_err *e)
{
    char key[640], pre[256];
    long *idx = NULL;
    long n;
    c->read_only_root = -1;
    c->run_as_user = -1;
    c->run_as_group = -1;
    c->privileged = -1;
    c->run_as_non_root = -1;
    c->name = dupv(emu_getf(p, key, sizeof key, "%sName", base));
    if (!c->name)
        return emu_missing(e, key);
    if (!valid_name(c->name, 1, 128))
        return emu_invalid(e, key, "container names are 1-128 lower-case letters, digits and '-', "
                                   "not starting or ending with '-'");
    c->image = dupv(emu_getf(p, key, sizeof key, "%sImage", base));
    if (!c->image)
        return emu_missing(e, key);
    if (strlen(c->image) > 512)
        return emu_invalid(e, key, "too long");
    c->image_pull_policy = dupv(emu_getf(p, key, sizeof key, "%sImagePullPolicy", base));
    static const char *const pulls[] = {"Always", "IfNotPresent", "Never", NULL};
    if (c->image_pull_policy && !one_of(c->image_pull_policy, pulls))
        return emu_invalid(e, key, "must be Always, IfNotPresent or Never");
    c->working_dir = dupv(emu_getf(p, key, sizeof key, "%sWorkingDir", base));
    snprintf(key, sizeof key, "%sCpu", base);
    if (emu_get_double(p, key, 0, 64, &c->cpu, e) < 0)
        return -1;
    snprintf(key, sizeof key, "%sMemory", base);
    if (emu_get_double(p, key, 0, 512, &c->memory, e) < 0)
        return -1;
    snprintf(key, sizeof key, "%sGpu", base);
    if (emu_get_long(p, key, 0, 8, &c->gpu, e) < 0)
        return -1;
    snprintf(pre, sizeof pre, "%sCommand.", base);
    if (strlist(p, pre, MAX_COMMAND, MAX_COMMAND_LEN, &c->command, &c->ncommand, e))
        return -1;
    snprintf(pre, sizeof pre, "%sArg.", base);
    if (strlist(p, pre, MAX_ARGS, 4096, &c->args, &c->nargs, e))
        return -1;
    snprintf(key, sizeof key, "%sTty", base);
    if (emu_get_bool(p, key, &c->tty, e) < 0)
        return -1;
    snprintf(key, sizeof key, "%sStdin", base);
    if (emu_get_bool(p, key, &c->stdin_open, e) < 0)
        return -1;
    snprintf(key, sizeof key, "%sStdinOnce", base);
    if (emu_get_bool(p, key, &c->stdin_once, e) < 0)
        return -1;

    /* environment */
    snprintf(pre, sizeof pre, "%sEnvironmentVar.", base);
    if ((n = emu_list_indices(p, pre, &idx, e)) < 0)
        return -1;
    if (n > MAX_ENV) {
        free(idx);
        return length_exceeded(e, "environment variables", MAX_ENV);
    }
    c->env = n ? xcalloc((size_t)n, sizeof *c->env) : NULL;
    for (long i = 0; i < n; i++) {
        emu_env *v = &c->env[c->nenv++];
        v->key = dupv(emu_getf(p, key, sizeof key, "%s%ld.Key", pre, idx[i]));
        if (!v->key) {
            free(idx);
            return emu_missing(e, key);
        }
        if (!env_key_ok(v->key)) {
            free(idx);
            return emu_invalid(e, key, "names are 1-128 characters [0-9a-zA-Z_], not starting with a digit");
        }
        v->value = dupv(emu_getf(p, key, sizeof key, "%s%ld.Value", pre, idx[i]));
        if (v->value && strlen(v->value) > 256) {
            free(idx);
            return emu_fail(e, 400, "InvalidParameter.ValueExceeded",
                            "The value of \"%s\" is longer than 256 characters.", key);
        }
        v->field_path = dupv(emu_getf(p, key, sizeof key, "%s%ld.FieldRef.FieldPath", pre, idx[i]));
        if (v->field_path && strcmp(v->field_path, "status.podIP") != 0) {
            free(idx);
            return emu_invalid(e, key, "only status.podIP is supported");
        }
        if (v->field_path && v->value) {
            free(idx);
            return emu_invalid(e, key, "FieldRef cannot be used together with a non-empty Value");
        }
    }
    free(idx);
    idx = NULL;

    /* ports */
    snprintf(pre, sizeof pre, "%sPort.", base);
    if ((n = emu_list_indices(p, pre, &idx, e)) < 0)
        return -1;
    if (n > MAX_PORTS) {
        free(idx);
        return length_exceeded(e, "ports", MAX_PORTS);
    }
    c->ports = n ? xcalloc((size_t)n, sizeof *c->ports) : NULL;
    for (long i = 0; i < n; i++) {
        emu_port *pt = &c->ports[c->nports++];
        snprintf(key, sizeof key, "%s%ld.Port", pre, idx[i]);
        int r = emu_get_long(p, key, 1, 65535, &pt->port, e);
        if (r <= 0) {
            free(idx);
            return r < 0 ? -1 : emu_missing(e, key);
        }
        const char *proto = emu_getf(p, key, sizeof key, "%s%ld.Protocol", pre, idx[i]);
        pt->protocol = proto && strcmp(proto, "None") != 0 ? xstrdup(proto) : NULL; /* "None": see paramtab.c */
        static const char *const protos[] = {"TCP", "UDP", NULL};
        if (pt->protocol && !one_of(pt->protocol, protos)) {
            free(idx);
            return emu_invalid(e, key, "must be TCP or UDP");
        }
        if (!pt->protocol)
            pt->protocol = xstrdup("TCP");
    }
    free(idx);
    idx = NULL;

    /* volume mounts (names checked against the volumes later) */
    snprintf(pre, sizeof pre, "%sVolumeMount.", base);
    if ((n = emu_list_indices(p, pre, &idx, e)) < 0)
        return -1;
    if (n > MAX_MOUNTS) {
        free(idx);
        return length_exceeded(e, "volume mounts", MAX_MOUNTS);
    }
    c->mounts = n ? xcalloc((size_t)n, sizeof *c->mounts) : NULL;
    for (long i = 0; i < n; i++) {
        emu_vmount *m = &c->mounts[c->nmounts++];
        m->name = dupv(emu_getf(p, key, sizeof key, "%s%ld.Name", pre, idx[i]));
        if (!m->name) {
            free(idx);
            return emu_missing(e, key);
        }
        m->mount_path = dupv(emu_getf(p, key, sizeof key, "%s%ld.MountPath", pre, idx[i]));
        if (!m->mount_path) {
            free(idx);
            return emu_missing(e, key);
        }
        if (m->mount_path[0] != '/') {
            free(idx);
            return emu_invalid(e, key, "must be an absolute path");
        }
        m->sub_path = dupv(emu_getf(p, key, sizeof key, "%s%ld.SubPath", pre, idx[i]));
        if (m->sub_path && (m->sub_path[0] == '/' || strstr(m->sub_path, ".."))) {
            free(idx);
            return emu_invalid(e, key, "must be a relative path without '..'");
        }
        m->propagation = dupv(emu_getf(p, key, sizeof key, "%s%ld.MountPropagation", pre, idx[i]));
        static const char *const props[] = {"None", "HostToCotainer", "HostToContainer", "Bidirectional", NULL};
        if (m->propagation && !one_of(m->propagation, props)) {
            free(idx);
            return emu_invalid(e, key, "must be None, HostToCotainer or Bidirectional");
        }
        snprintf(key, sizeof key, "%s%ld.ReadOnly", pre, idx[i]);
        /* The core Python SDK sends ReadOnly on every mount, the string "None" when unset. */
        const char *rov = emu_get(p, key);
        if (!(rov && strcmp(rov, "None") == 0) && emu_get_bool(p, key, &m->read_only, e) < 0) {
            free(idx);
            return -1;
        }
    }
    free(idx);
    idx = NULL;

    /* security context */
    snprintf(pre, sizeof pre, "%sSecurityContext.Capability.Add.", base);
    if (strlist(p, pre, 8, 64, &c->cap_add, &c->ncap, e))
        return -1;
    for (size_t i = 0; i < c->ncap; i++)
        if (strcmp(c->cap_add[i], "NET_ADMIN") != 0 && strcmp(c->cap_add[i], "NET_RAW") != 0)
            return emu_invalid(e, pre, "only NET_ADMIN and NET_RAW can be added");
    snprintf(key, sizeof key, "%sSecurityContext.ReadOnlyRootFilesystem", base);
    int ro = -1;
    if (emu_get_bool(p, key, &ro, e) < 0)
        return -1;
    if (ro == 0)
        return emu_invalid(e, key, "only true is supported");
    c->read_only_root = ro;
    snprintf(key, sizeof key, "%sSecurityContext.RunAsUser", base);
    if (emu_get_long(p, key, 0, 2147483647L, &c->run_as_user, e) < 0)
        return -1;
    snprintf(key, sizeof key, "%sEnvironmentVarHide", base);
    if (emu_get_bool(p, key, &c->env_hide, e) < 0)
        return -1;
    c->termination_message_path = dupv(emu_getf(p, key, sizeof key, "%sTerminationMessagePath", base));
    if (c->termination_message_path &&
        (c->termination_message_path[0] != '/' || strlen(c->termination_message_path) > 4096))
        return emu_invalid(e, key, "must be an absolute path of at most 4096 characters");
    c->termination_message_policy = dupv(emu_getf(p, key, sizeof key, "%sTerminationMessagePolicy", base));
    static const char *const tmpols[] = {"File", "FallbackToLogsOnError", NULL};
    if (c->termination_message_policy && !one_of(c->termination_message_policy, tmpols))
        return emu_invalid(e, key, "must be File or FallbackToLogsOnError");

    if (!is_init) {
        /* the flat security-context fields exist for containers only */
        snprintf(key, sizeof key, "%sSecurityContextRunAsGroup", base);
        if (emu_get_long(p, key, 0, 2147483647L, &c->run_as_group, e) < 0)
            return -1;
        snprintf(key, sizeof key, "%sSecurityContextRunAsNonRoot", base);
        if (emu_get_bool(p, key, &c->run_as_non_root, e) < 0)
            return -1;
        snprintf(key, sizeof key, "%sSecurityContextPrivileged", base);
        if (emu_get_bool(p, key, &c->privileged, e) < 0)
            return -1;
        snprintf(pre, sizeof pre, "%sLivenessProbe.", base);
        if (parse_probe(p, pre, 1, &c->liveness, e))
            return -1;
        snprintf(pre, sizeof pre, "%sReadinessProbe.", base);
        if (parse_probe(p, pre, 0, &c->readiness, e))
            return -1;
        snprintf(pre, sizeof pre, "%sLifecyclePostStartHandler", base);
        if (parse_hook(p, pre, &c->post_start, &c->npost_start, &c->post_start_net, e))
            return -1;
        snprintf(pre, sizeof pre, "%sLifecyclePreStopHandler", base);
        if (parse_hook(p, pre, &c->pre_stop, &c->npre_stop, &c->pre_stop_net, e))
            return -1;
    }
    return 0;
}

static int parse_containers(const kv_list *p, const char *prefix, size_t max, int is_init,
                            emu_container **out, size_t *nout, emu_err *e)
{
    long *idx = NULL;
    long n = emu_list_indices(p, prefix, &idx, e);
    if (n < 0)
        return -1;
    if ((size_t)n > max) {
        free(idx);
        return length_exceeded(e, is_init ? "init containers" : "containers", max);
    }
    *out = n ? xcalloc((size_t)n, sizeof **out) : NULL;
    *nout = 0;
    char base[64];
    for (long i = 0; i < n; i++) {
        snprintf(base, sizeof base, "%s%ld.", prefix, idx[i]);
        (*nout)++;
        if (parse_container(p, base, is_init, &(*out)[i], e)) {
            free(idx);
            return -1;
        }
    }
    free(idx);
    return 0;
}

static int parse_volumes(const kv_list *p, emu_spec *s, emu_err *e)
{
    long *idx = NULL;
    long n = emu_list_indices(p, "Volume.", &idx, e);
    char key[640], pre[256];
    if (n < 0)
        return -1;
    if (n > MAX_VOLUMES) {
        free(idx);
        return length_exceeded(e, "volumes", MAX_VOLUMES);
    }
    s->volumes = n ? xcalloc((size_t)n, sizeof *s->volumes) : NULL;
    int rc = 0;
    for (long i = 0; i < n && rc == 0; i++) {
        emu_volume *v = &s->volumes[s->nvolumes++];
        long k = idx[i];
        v->name = dupv(emu_getf(p, key, sizeof key, "Volume.%ld.Name", k));
        if (!v->name) {
            rc = emu_missing(e, key);
            break;
        }
        if (!valid_name(v->name, 1, 128)) {
            rc = emu_invalid(e, key, "volume names are lower-case letters, digits and '-'");
            break;
        }
        for (size_t j = 0; j + 1 < s->nvolumes; j++)
            if (strcmp(s->volumes[j].name, v->name) == 0) {
                rc = emu_fail_code(e, "InvalidParameter.DuplicatedVolumeName");
                break;
            }
        if (rc)
            break;
        v->type = dupv(emu_getf(p, key, sizeof key, "Volume.%ld.Type", k));
        if (!v->type) {
            rc = emu_missing(e, key);
            break;
        }
        static const char *const types[] = {"EmptyDirVolume", "NFSVolume", "ConfigFileVolume", "FlexVolume",
                                            "DiskVolume", "HostPathVolume", NULL};
        if (!one_of(v->type, types)) {
            rc = emu_invalid(e, key, "unknown volume type");
            break;
        }
        v->medium = dupv(emu_getf(p, key, sizeof key, "Volume.%ld.EmptyDirVolume.Medium", k));
        static const char *const media[] = {"Memory", "memory", "LocalRaid0", NULL};
        if (v->medium && !one_of(v->medium, media)) {
            rc = emu_invalid(e, key, "must be empty, Memory or LocalRaid0");
            break;
        }
        v->size_limit = dupv(emu_getf(p, key, sizeof key, "Volume.%ld.EmptyDirVolume.SizeLimit", k));
        v->nfs_server = dupv(emu_getf(p, key, sizeof key, "Volume.%ld.NFSVolume.Server", k));
        v->nfs_path = dupv(emu_getf(p, key, sizeof key, "Volume.%ld.NFSVolume.Path", k));
        snprintf(key, sizeof key, "Volume.%ld.NFSVolume.ReadOnly", k);
        if (emu_get_bool(p, key, &v->nfs_read_only, e) < 0) {
            rc = -1;
            break;
        }
        if (strcmp(v->type, "NFSVolume") == 0 && (!v->nfs_server || !v->nfs_path)) {
            rc = emu_missing(e, v->nfs_server ? "NFSVolume.Path" : "NFSVolume.Server");
            break;
        }
        v->default_mode = 0644;
        const char *dm = emu_getf(p, key, sizeof key, "Volume.%ld.ConfigFileVolume.DefaultMode", k);
        if (!dm) /* the core SDK's spelling */
            dm = emu_getf(p, key, sizeof key, "Volume.%ld.ConfigFileVolume.DefaultModel", k);
        if (dm) {
            if (emu_param_mode(dm, &v->default_mode)) {
                rc = emu_invalid(e, key, "a file mode 0000-0777");
                break;
            }
            v->has_default_mode = 1;
        }
        snprintf(pre, sizeof pre, "Volume.%ld.ConfigFileVolume.ConfigFileToPath.", k);
        long *fidx = NULL;
        long nf = emu_list_indices(p, pre, &fidx, e);
        if (nf < 0) {
            rc = -1;
            break;
        }
        if (nf > 64) {
            free(fidx);
            rc = length_exceeded(e, "config files", 64);
            break;
        }
        v->files = nf ? xcalloc((size_t)nf, sizeof *v->files) : NULL;
        for (long j = 0; j < nf && rc == 0; j++) {
            emu_cfile *f = &v->files[v->nfiles++];
            f->path = dupv(emu_getf(p, key, sizeof key, "%s%ld.Path", pre, fidx[j]));
            if (!f->path) {
                rc = emu_missing(e, key);
                break;
            }
            if (f->path[0] == '/' || strstr(f->path, "..")) {
                rc = emu_invalid(e, key, "must be a relative path without '..'");
                break;
            }
            const char *content = emu_getf(p, key, sizeof key, "%s%ld.Content", pre, fidx[j]);
            if (content) {
                if (strlen(content) > (MAX_CFILE / 3 + 1) * 4) {
                    rc = emu_fail(e, 400, "InvalidParameter.ValueExceeded",
                                  "The content of \"%s\" exceeds 32 KB.", key);
                    break;
                }
                f->content = (char *)b64_decode(content, strlen(content), B64_URL | B64_NOPAD, &f->len);
                if (!f->content) {
                    rc = emu_invalid(e, key, "the content must be Base64-encoded");
                    break;
                }
                if (f->len > MAX_CFILE) {
                    rc = emu_fail(e, 400, "InvalidParameter.ValueExceeded",
                                  "The content of \"%s\" exceeds 32 KB.", key);
                    break;
                }
            } else {
                f->content = xstrdup("");
            }
            f->mode = v->default_mode;
            const char *fm = emu_getf(p, key, sizeof key, "%s%ld.Mode", pre, fidx[j]);
            if (fm && emu_param_mode(fm, &f->mode))
                rc = emu_invalid(e, key, "a file mode 0000-0777");
            f->has_mode = fm != NULL;
        }
        free(fidx);
        if (rc)
            break;
        v->disk_id = dupv(emu_getf(p, key, sizeof key, "Volume.%ld.DiskVolume.DiskId", k));
        v->disk_fs_type = dupv(emu_getf(p, key, sizeof key, "Volume.%ld.DiskVolume.FsType", k));
        snprintf(key, sizeof key, "Volume.%ld.DiskVolume.DiskSize", k);
        if (emu_get_long(p, key, 1, 32768, &v->disk_size, e) < 0) {
            rc = -1;
            break;
        }
        v->flex_driver = dupv(emu_getf(p, key, sizeof key, "Volume.%ld.FlexVolume.Driver", k));
        v->flex_fs_type = dupv(emu_getf(p, key, sizeof key, "Volume.%ld.FlexVolume.FsType", k));
        v->flex_options = dupv(emu_getf(p, key, sizeof key, "Volume.%ld.FlexVolume.Options", k));
        v->host_path = dupv(emu_getf(p, key, sizeof key, "Volume.%ld.HostPathVolume.Path", k));
        v->host_path_type = dupv(emu_getf(p, key, sizeof key, "Volume.%ld.HostPathVolume.Type", k));
    }
    free(idx);
    return rc;
}

/* Container names unique across containers and init containers; every
 * mount names a volume of the group. */
static int check_containers(const emu_spec *s, emu_err *e)
{
    size_t total = s->ncontainers + s->ninits;
    for (size_t i = 0; i < total; i++) {
        const emu_container *a = i < s->ninits ? &s->inits[i] : &s->containers[i - s->ninits];
        for (size_t j = i + 1; j < total; j++) {
            const emu_container *b = j < s->ninits ? &s->inits[j] : &s->containers[j - s->ninits];
            if (strcmp(a->name, b->name) == 0)
                return emu_fail_code(e, "InvalidParameter.DuplicatedName");
        }
        for (size_t m = 0; m < a->nmounts; m++) {
            int found = 0;
            for (size_t v = 0; v < s->nvolumes; v++)
                if (strcmp(s->volumes[v].name, a->mounts[m].name) == 0)
                    found = 1;
            if (!found)
                return emu_fail(e, 400, "InvalidParameter",
                                "The volume \"%s\" mounted by container \"%s\" is not defined in the container group.",
                                a->mounts[m].name, a->name);
        }
    }
    return 0;
}

static const struct { double cpu; double mem[5]; } k_specs[] = {
    {0.25, {0.5, 1, 0, 0, 0}}, {0.5, {1, 2, 0, 0, 0}},       {1, {2, 4, 8, 0, 0}},
    {2, {1, 2, 4, 8, 16}},     {4, {4, 8, 16, 32, 0}},       {8, {4, 8, 16, 32, 64}},
    {12, {12, 24, 48, 96, 0}}, {16, {16, 32, 64, 128, 0}},   {24, {24, 48, 96, 192, 0}},
    {32, {32, 64, 128, 256, 0}}, {52, {96, 192, 384, 0, 0}}, {64, {128, 256, 512, 0, 0}},
};
#define NSPECS (sizeof k_specs / sizeof k_specs[0])

int emu_spec_cpu_mem_ok(double cpu, double mem)
{
    for (size_t i = 0; i < NSPECS; i++)
        if (fabs(k_specs[i].cpu - cpu) < 1e-9)
            for (int j = 0; j < 5 && k_specs[i].mem[j] > 0; j++)
                if (fabs(k_specs[i].mem[j] - mem) < 1e-9)
                    return 1;
    return 0;
}

/* Effective group resources: the requested group spec (validated), or the
 * smallest allowed spec covering the containers (init containers run one at a
 * time, so their maximum counts), or 2 vCPU / 4 GiB. */
static int resolve_resources(emu_spec *s, int have_cpu, int have_mem, emu_err *e)
{
    double cpu = 0, mem = 0, icpu = 0, imem = 0;
    for (size_t i = 0; i < s->ncontainers; i++) {
        cpu += s->containers[i].cpu;
        mem += s->containers[i].memory;
    }
    for (size_t i = 0; i < s->ninits; i++) {
        if (s->inits[i].cpu > icpu)
            icpu = s->inits[i].cpu;
        if (s->inits[i].memory > imem)
            imem = s->inits[i].memory;
    }
    if (icpu > cpu)
        cpu = icpu;
    if (imem > mem)
        mem = imem;
    if (have_cpu != have_mem)
        return emu_fail_code(e, "InvalidParameter.CPU.Memory");
    if (have_cpu) {
        if (!emu_spec_cpu_mem_ok(s->cpu, s->memory))
            return emu_fail_code(e, "InvalidParameter.CPU.Memory");
        if (cpu > s->cpu + 1e-9 || mem > s->memory + 1e-9)
            return emu_fail(e, 400, "InvalidParameter",
                            "The total Cpu/Memory of the containers exceeds the Cpu/Memory of the container group.");
        return 0;
    }
    if (cpu <= 0 && mem <= 0) {
        s->cpu = 2;
        s->memory = 4;
        return 0;
    }
    for (size_t i = 0; i < NSPECS; i++) {
        if (k_specs[i].cpu + 1e-9 < cpu)
            continue;
        for (int j = 0; j < 5 && k_specs[i].mem[j] > 0; j++)
            if (k_specs[i].mem[j] + 1e-9 >= mem) {
                s->cpu = k_specs[i].cpu;
                s->memory = k_specs[i].mem[j];
                return 0;
            }
    }
    return emu_fail_code(e, "InvalidParameter.CPU.Memory");
}

static int parse_tags(const kv_list *p, kv_list *tags, emu_err *e)
{
    long *idx = NULL;
    long n = emu_list_indices(p, "Tag.", &idx, e);
    char key[64];
    if (n < 0)
        return -1;
    if (n > MAX_TAGS) {
        free(idx);
        return length_exceeded(e, "tags", MAX_TAGS);
    }
    for (long i = 0; i < n; i++) {
        const char *k = emu_getf(p, key, sizeof key, "Tag.%ld.Key", idx[i]);
        if (!k) {
            free(idx);
            return emu_missing(e, key);
        }
        if (strlen(k) > 64 || strncmp(k, "aliyun", 6) == 0 || strncmp(k, "acs:", 4) == 0 ||
            strstr(k, "http://") || strstr(k, "https://")) {
            free(idx);
            return emu_invalid(e, key, "tag keys are at most 64 characters, must not start with "
                                       "aliyun or acs: and must not contain http:// or https://");
        }
        if (kv_get(tags, k)) {
            free(idx);
            return emu_invalid(e, key, "duplicate tag key");
        }
        const char *v = emu_getf(p, key, sizeof key, "Tag.%ld.Value", idx[i]);
        if (v && (strlen(v) > 128 || strncmp(v, "acs:", 4) == 0 || strstr(v, "http://") ||
                  strstr(v, "https://"))) {
            free(idx);
            return emu_invalid(e, key, "tag values are at most 128 characters, must not start with "
                                       "acs: and must not contain http:// or https://");
        }
        kv_add(tags, k, v ? v : "");
    }
    free(idx);
    return 0;
}

static void creds_free(emu_spec *s)
{
    for (size_t i = 0; i < s->nregistry_creds && s->creds; i++) {
        free(s->creds[i].server);
        free(s->creds[i].user);
        free(s->creds[i].password);
    }
    free(s->creds);
    s->creds = NULL;
    s->nregistry_creds = 0;
}

static int parse_creds(const kv_list *p, emu_spec *s, emu_err *e)
{
    long *idx = NULL;
    long n = emu_list_indices(p, "ImageRegistryCredential.", &idx, e);
    char key[96];
    if (n < 0)
        return -1;
    if (n > MAX_CREDS) {
        free(idx);
        return length_exceeded(e, "image registry credentials", MAX_CREDS);
    }
    creds_free(s);
    s->creds = n ? xcalloc((size_t)n, sizeof *s->creds) : NULL;
    for (long i = 0; i < n; i++) {
        static const char *const f[] = {"Server", "UserName", "Password"};
        const char *v[3];
        for (int j = 0; j < 3; j++)
            if (!(v[j] = emu_getf(p, key, sizeof key, "ImageRegistryCredential.%ld.%s", idx[i], f[j]))) {
                free(idx);
                return emu_missing(e, key);
            }
        if (strncmp(v[0], "http://", 7) == 0 || strncmp(v[0], "https://", 8) == 0) {
            free(idx);
            snprintf(key, sizeof key, "ImageRegistryCredential.%ld.Server", idx[i]);
            return emu_invalid(e, key, "the registry address must not start with http:// or https://");
        }
        emu_cred *c = &s->creds[s->nregistry_creds++];
        c->server = xstrdup(v[0]);
        c->user = xstrdup(v[1]);
        c->password = xstrdup(v[2]);
    }
    free(idx);
    return 0;
}

static void acrs_free(emu_spec *s)
{
    for (size_t i = 0; i < s->nacrs; i++) {
        emu_acr *a = &s->acrs[i];
        free(a->instance_id);
        free(a->instance_name);
        free(a->region);
        free(a->arn_service);
        free(a->arn_user);
        emu_strv_free(a->domains, a->ndomains);
    }
    free(s->acrs);
    s->acrs = NULL;
    s->nacrs = 0;
}

static int parse_acrs(const kv_list *p, emu_spec *s, emu_err *e)
{
    long *idx = NULL;
    long n = emu_list_indices(p, "AcrRegistryInfo.", &idx, e);
    char key[96], pre[96];
    if (n < 0)
        return -1;
    if (n > MAX_CREDS) {
        free(idx);
        return length_exceeded(e, "ACR registry infos", MAX_CREDS);
    }
    acrs_free(s);
    s->acrs = n ? xcalloc((size_t)n, sizeof *s->acrs) : NULL;
    for (long i = 0; i < n; i++) {
        emu_acr *a = &s->acrs[s->nacrs++];
        a->instance_id = dupv(emu_getf(p, key, sizeof key, "AcrRegistryInfo.%ld.InstanceId", idx[i]));
        a->instance_name = dupv(emu_getf(p, key, sizeof key, "AcrRegistryInfo.%ld.InstanceName", idx[i]));
        a->region = dupv(emu_getf(p, key, sizeof key, "AcrRegistryInfo.%ld.RegionId", idx[i]));
        a->arn_service = dupv(emu_getf(p, key, sizeof key, "AcrRegistryInfo.%ld.ArnService", idx[i]));
        a->arn_user = dupv(emu_getf(p, key, sizeof key, "AcrRegistryInfo.%ld.ArnUser", idx[i]));
        snprintf(pre, sizeof pre, "AcrRegistryInfo.%ld.Domain.", idx[i]);
        if (strlist(p, pre, MAX_LIST_MISC, 253, &a->domains, &a->ndomains, e)) {
            free(idx);
            return -1;
        }
        /* the core SDK's spelling: AcrRegistryInfo.1Domain.1 */
        snprintf(pre, sizeof pre, "AcrRegistryInfo.%ldDomain.", idx[i]);
        if (!a->ndomains && strlist(p, pre, MAX_LIST_MISC, 253, &a->domains, &a->ndomains, e)) {
            free(idx);
            return -1;
        }
    }
    free(idx);
    return 0;
}

/* Group-level parameters the table marks "setting": stored as accepted
 * (booleans normalised to true/false). */
static void parse_settings(const kv_list *p, const char *action, kv_list *out)
{
    unsigned bit = emu_param_op_bit(action);
    for (size_t i = 0; i < p->n; i++) {
        const emu_param_def *d = emu_param_find(bit, p->items[i].key, NULL);
        if (!d || strcmp(d->treat, "setting") != 0 || !p->items[i].val[0])
            continue;
        const char *v = p->items[i].val;
        if (d->type == 'b')
            v = strcasecmp(v, "true") == 0 ? "true" : "false";
        kv_set(out, p->items[i].key, v);
    }
}

static int parse_dns(const kv_list *p, emu_spec *s, emu_err *e)
{
    char key[96];
    if (strlist(p, "DnsConfig.NameServer.", 3, 64, &s->dns_ns, &s->ndns_ns, e))
        return -1;
    if (strlist(p, "DnsConfig.Search.", 6, 256, &s->dns_search, &s->ndns_search, e))
        return -1;
    long *idx = NULL;
    long n = emu_list_indices(p, "DnsConfig.Option.", &idx, e);
    if (n < 0)
        return -1;
    if (n > MAX_LIST_MISC) {
        free(idx);
        return length_exceeded(e, "DNS options", MAX_LIST_MISC);
    }
    for (long i = 0; i < n; i++) {
        const char *nm = emu_getf(p, key, sizeof key, "DnsConfig.Option.%ld.Name", idx[i]);
        if (!nm) {
            free(idx);
            return emu_missing(e, key);
        }
        const char *v = emu_getf(p, key, sizeof key, "DnsConfig.Option.%ld.Value", idx[i]);
        kv_add(&s->dns_opts, nm, v ? v : "");
    }
    free(idx);
    return 0;
}

static int parse_dns_hosts(const kv_list *p, emu_spec *s, emu_err *e)
{
    char key[96], pre[96];
    long *idx = NULL;
    if (parse_dns(p, s, e))
        return -1;
    long n = emu_list_indices(p, "HostAliase.", &idx, e);
    if (n < 0)
        return -1;
    if (n > MAX_LIST_MISC) {
        free(idx);
        return length_exceeded(e, "host aliases", MAX_LIST_MISC);
    }
    for (long i = 0; i < n; i++) {
        const char *ip = emu_getf(p, key, sizeof key, "HostAliase.%ld.Ip", idx[i]);
        if (!ip) {
            free(idx);
            return emu_missing(e, key);
        }
        snprintf(pre, sizeof pre, "HostAliase.%ld.Hostname.", idx[i]);
        char **names = NULL;
        size_t nn = 0;
        if (strlist(p, pre, MAX_LIST_MISC, 256, &names, &nn, e)) {
            free(idx);
            return -1;
        }
        dynbuf b;
        dynbuf_init(&b, 0);
        for (size_t j = 0; j < nn; j++) {
            if (j)
                dynbuf_addc(&b, ' ');
            dynbuf_adds(&b, names[j]);
        }
        kv_add(&s->host_aliases, ip, dynbuf_str(&b));
        dynbuf_free(&b);
        emu_strv_free(names, nn);
    }
    free(idx);
    idx = NULL;
    if (parse_sysctls(p, "SecurityContext.Sysctl", &s->sysctls, e) ||
        parse_sysctls(p, "HostSecurityContext.Sysctl", &s->host_sysctls, e))
        return -1;
    if (strlist(p, "NtpServer.", 8, 253, &s->ntp_servers, &s->nntp_servers, e))
        return -1;
    if (strlist(p, "ComputeCategory.", 2, 32, &s->compute_category, &s->ncompute_category, e))
        return -1;
    return 0;
}

static const char *const k_restart[] = {"Always", "Never", "OnFailure", NULL};

emu_spec *emu_spec_parse_create(const kv_list *p, const char *region, emu_err *e)
{
    emu_spec *s = xcalloc(1, sizeof *s);
    s->termination_grace = -1;
    s->active_deadline = -1;
    char key[64];
    int have_cpu = 0, have_mem = 0;

    s->region = xstrdup(region);
    s->name = dupv(emu_get(p, "ContainerGroupName"));
    if (!s->name) {
        emu_missing(e, "ContainerGroupName");
        goto fail;
    }
    if (!valid_name(s->name, 2, 128)) {
        emu_invalid(e, "ContainerGroupName",
                    "the name is 2-128 characters: lower-case letters, digits and '-', "
                    "not starting or ending with '-'");
        goto fail;
    }
    const char *zone = emu_get(p, "ZoneId");
    if (zone && strncmp(zone, region, strlen(region)) != 0) {
        emu_fail_code(e, "Zone.NotOnSale");
        goto fail;
    }
    s->zone = zone ? xstrdup(zone) : xasprintf("%s-h", region);
    const char *vsw = emu_get(p, "VSwitchId");
    if (vsw) {
        int count = 1;
        for (const char *c = vsw; *c; c++)
            count += *c == ',';
        if (count > 10) {
            emu_fail(e, 400, "InvalidParameter.LengthExceeded", "At most 10 vSwitches can be specified.");
            goto fail;
        }
        if (strncmp(vsw, "vsw-", 4) != 0) {
            emu_invalid(e, "VSwitchId", "vSwitch ids start with vsw-");
            goto fail;
        }
        s->vswitch = xstrndup(vsw, strcspn(vsw, ","));
    } else {
        s->vswitch = xstrdup("vsw-emu0default0000000000");
    }
    const char *sg = emu_get(p, "SecurityGroupId");
    if (sg && strncmp(sg, "sg-", 3) != 0) {
        emu_invalid(e, "SecurityGroupId", "security group ids start with sg-");
        goto fail;
    }
    s->security_group = xstrdup(sg ? sg : "sg-emu0default0000000000");
    if (check_enum(p, "RestartPolicy", k_restart, e))
        goto fail;
    s->restart_policy = xstrdup(emu_get(p, "RestartPolicy") ? emu_get(p, "RestartPolicy") : "Always");
    if ((have_cpu = emu_get_double(p, "Cpu", 0, 64, &s->cpu, e)) < 0)
        goto fail;
    if ((have_mem = emu_get_double(p, "Memory", 0, 512, &s->memory, e)) < 0)
        goto fail;
    s->instance_type = dupv(emu_get(p, "InstanceType"));
    s->resource_group = dupv(emu_get(p, "ResourceGroupId"));
    static const char *const dns[] = {"None", "Default", NULL};
    if (check_enum(p, "DnsPolicy", dns, e))
        goto fail;
    s->dns_policy = dupv(emu_get(p, "DnsPolicy"));
    s->ram_role = dupv(emu_get(p, "RamRoleName"));
    static const char *const spot[] = {"NoSpot", "SpotWithPriceLimit", "SpotAsPriceGo", NULL};
    if (check_enum(p, "SpotStrategy", spot, e))
        goto fail;
    s->spot_strategy = xstrdup(emu_get(p, "SpotStrategy") ? emu_get(p, "SpotStrategy") : "NoSpot");
    int have_limit = emu_get_double(p, "SpotPriceLimit", 0, 1e6, &s->spot_price_limit, e);
    if (have_limit < 0)
        goto fail;
    s->has_spot_price_limit = have_limit > 0;
    if (strcmp(s->spot_strategy, "SpotWithPriceLimit") == 0 && !have_limit) {
        emu_missing(e, "SpotPriceLimit");
        goto fail;
    }
    s->host_name = dupv(emu_get(p, "HostName"));
    s->eip_instance = dupv(emu_get(p, "EipInstanceId"));
    s->image_snapshot = dupv(emu_get(p, "ImageSnapshotId"));
    if (emu_get_bool(p, "AutoCreateEip", &s->auto_create_eip, e) < 0 ||
        emu_get_bool(p, "ShareProcessNamespace", &s->share_process_namespace, e) < 0)
        goto fail;
    if (emu_get_long(p, "EphemeralStorage", 0, 2048, &s->ephemeral_storage, e) < 0 ||
        emu_get_long(p, "TerminationGracePeriodSeconds", 0, 86400 * 7, &s->termination_grace, e) < 0 ||
        emu_get_long(p, "ActiveDeadlineSeconds", 1, 86400L * 3650, &s->active_deadline, e) < 0)
        goto fail;
    const char *core = emu_get(p, "CorePattern");
    if (core && core[0] == '|') {
        emu_invalid(e, "CorePattern", "must not start with |");
        goto fail;
    }
    if (parse_tags(p, &s->tags, e) || parse_creds(p, s, e) || parse_acrs(p, s, e) || parse_volumes(p, s, e))
        goto fail;
    parse_settings(p, "CreateContainerGroup", &s->settings);
    if (parse_containers(p, "Container.", MAX_CONTAINERS, 0, &s->containers, &s->ncontainers, e))
        goto fail;
    if (s->ncontainers == 0) {
        emu_missing(e, "Container.1.Name");
        goto fail;
    }
    if (parse_containers(p, "InitContainer.", MAX_INITS, 1, &s->inits, &s->ninits, e))
        goto fail;
    if (check_containers(s, e) || parse_dns_hosts(p, s, e))
        goto fail;
    if (resolve_resources(s, have_cpu > 0, have_mem > 0, e))
        goto fail;
    (void)key;
    return s;
fail:
    emu_spec_free(s);
    return NULL;
}

static int has_prefix_param(const kv_list *p, const char *prefix)
{
    size_t n = strlen(prefix);
    for (size_t i = 0; i < p->n; i++)
        if (strncmp(p->items[i].key, prefix, n) == 0)
            return 1;
    return 0;
}

/* Replace list *dst by the items parsed from p under prefix (RenewUpdate),
 * or (IncrementalUpdate) replace the items of the same name and append the
 * others. */
static int update_containers(const kv_list *p, const char *prefix, size_t max, int is_init, int incremental,
                             emu_container **dst, size_t *ndst, emu_err *e)
{
    emu_container *nw = NULL;
    size_t nn = 0;
    if (parse_containers(p, prefix, max, is_init, &nw, &nn, e)) {
        for (size_t i = 0; i < nn; i++)
            emu_container_free(&nw[i]);
        free(nw);
        return -1;
    }
    /* UpdateContainerGroup has no parameters for these: a container keeps
     * what it was created with */
    for (size_t i = 0; i < nn; i++)
        for (size_t j = 0; j < *ndst; j++)
            if (strcmp((*dst)[j].name, nw[i].name) == 0) {
                const emu_container *o = &(*dst)[j];
                emu_container *c = &nw[i];
                c->env_hide = o->env_hide;
                if (!is_init) {
                    c->run_as_group = o->run_as_group;
                    c->run_as_non_root = o->run_as_non_root;
                    c->privileged = o->privileged;
                }
                free(c->termination_message_path);
                free(c->termination_message_policy);
                c->termination_message_path = o->termination_message_path ? xstrdup(o->termination_message_path) : NULL;
                c->termination_message_policy =
                    o->termination_message_policy ? xstrdup(o->termination_message_policy) : NULL;
            }
    if (!incremental) {
        for (size_t i = 0; i < *ndst; i++)
            emu_container_free(&(*dst)[i]);
        free(*dst);
        *dst = nw;
        *ndst = nn;
        return 0;
    }
    for (size_t i = 0; i < nn; i++) {
        size_t j = 0;
        while (j < *ndst && strcmp((*dst)[j].name, nw[i].name) != 0)
            j++;
        if (j == *ndst) {
            if (*ndst >= max) {
                for (size_t k = i; k < nn; k++)
                    emu_container_free(&nw[k]);
                free(nw);
                return length_exceeded(e, is_init ? "init containers" : "containers", max);
            }
            *dst = xrealloc(*dst, (*ndst + 1) * sizeof **dst);
            (*ndst)++;
        } else {
            emu_container_free(&(*dst)[j]);
        }
        (*dst)[j] = nw[i];
    }
    free(nw);
    return 0;
}

emu_spec *emu_spec_parse_update(const kv_list *p, const emu_spec *cur, int *changed, emu_err *e)
{
    emu_spec *s = emu_spec_copy(cur);
    *changed = 0;
    const char *ut = emu_get(p, "UpdateType");
    int incremental = ut && strcmp(ut, "IncrementalUpdate") == 0;
    if (has_prefix_param(p, "Volume.")) {
        emu_spec tmp;
        memset(&tmp, 0, sizeof tmp);
        if (parse_volumes(p, &tmp, e)) {
            for (size_t i = 0; i < tmp.nvolumes; i++)
                emu_volume_free(&tmp.volumes[i]);
            free(tmp.volumes);
            goto fail;
        }
        if (incremental) {
            /* a volume of the same name is replaced, the others added */
            for (size_t i = 0; i < tmp.nvolumes; i++) {
                size_t j = 0;
                while (j < s->nvolumes && strcmp(s->volumes[j].name, tmp.volumes[i].name) != 0)
                    j++;
                if (j == s->nvolumes) {
                    s->volumes = xrealloc(s->volumes, (s->nvolumes + 1) * sizeof *s->volumes);
                    s->nvolumes++;
                } else {
                    emu_volume_free(&s->volumes[j]);
                }
                s->volumes[j] = tmp.volumes[i];
            }
            free(tmp.volumes);
            if (s->nvolumes > MAX_VOLUMES) {
                length_exceeded(e, "volumes", MAX_VOLUMES);
                goto fail;
            }
        } else {
            for (size_t i = 0; i < s->nvolumes; i++)
                emu_volume_free(&s->volumes[i]);
            free(s->volumes);
            s->volumes = tmp.volumes;
            s->nvolumes = tmp.nvolumes;
        }
    }
    if (has_prefix_param(p, "Container.")) {
        if (update_containers(p, "Container.", MAX_CONTAINERS, 0, incremental, &s->containers, &s->ncontainers, e))
            goto fail;
        if (s->ncontainers == 0) {
            emu_missing(e, "Container.1.Name");
            goto fail;
        }
    }
    if (has_prefix_param(p, "InitContainer.") &&
        update_containers(p, "InitContainer.", MAX_INITS, 1, incremental, &s->inits, &s->ninits, e))
        goto fail;
    if (has_prefix_param(p, "ImageRegistryCredential.") && parse_creds(p, s, e))
        goto fail;
    if (has_prefix_param(p, "AcrRegistryInfo.") && parse_acrs(p, s, e))
        goto fail;
    if (check_enum(p, "RestartPolicy", k_restart, e))
        goto fail;
    if (emu_get(p, "RestartPolicy")) {
        free(s->restart_policy);
        s->restart_policy = xstrdup(emu_get(p, "RestartPolicy"));
    }
    if (emu_get(p, "ResourceGroupId")) {
        free(s->resource_group);
        s->resource_group = xstrdup(emu_get(p, "ResourceGroupId"));
    }
    if (has_prefix_param(p, "Tag.")) {
        kv_list tags = KV_LIST_INIT;
        if (parse_tags(p, &tags, e)) {
            kv_free(&tags);
            goto fail;
        }
        if (incremental)
            for (size_t i = 0; i < tags.n; i++)
                kv_set(&s->tags, tags.items[i].key, tags.items[i].val);
        else {
            kv_free(&s->tags);
            s->tags = tags;
            kv_init(&tags);
        }
        kv_free(&tags);
        if (s->tags.n > MAX_TAGS) {
            length_exceeded(e, "tags", MAX_TAGS);
            goto fail;
        }
    }
    if (has_prefix_param(p, "DnsConfig.")) {
        emu_strv_free(s->dns_ns, s->ndns_ns);
        emu_strv_free(s->dns_search, s->ndns_search);
        s->dns_ns = s->dns_search = NULL;
        s->ndns_ns = s->ndns_search = 0;
        kv_free(&s->dns_opts);
        if (parse_dns(p, s, e))
            goto fail;
    }
    {
        double cpu = s->cpu, mem = s->memory;
        int hc = emu_get_double(p, "Cpu", 0, 64, &cpu, e), hm;
        if (hc < 0 || (hm = emu_get_double(p, "Memory", 0, 512, &mem, e)) < 0)
            goto fail;
        if ((hc || hm) && !emu_spec_cpu_mem_ok(cpu, mem)) {
            emu_fail_code(e, "InvalidParameter.CPU.Memory");
            goto fail;
        }
        s->cpu = cpu;
        s->memory = mem;
    }
    if (check_containers(s, e))
        goto fail;
    /* containers must fit the instance specification */
    {
        double cpu = 0, mem = 0;
        for (size_t i = 0; i < s->ncontainers; i++) {
            cpu += s->containers[i].cpu;
            mem += s->containers[i].memory;
        }
        if (cpu > s->cpu + 1e-9 || mem > s->memory + 1e-9) {
            emu_fail_code(e, "InvalidParam.CpuOrMemorySpec");
            goto fail;
        }
    }
    dynbuf a, b;
    dynbuf_init(&a, 0);
    dynbuf_init(&b, 0);
    emu_spec_update_sig(&a, cur);
    emu_spec_update_sig(&b, s);
    *changed = a.len != b.len || memcmp(dynbuf_str(&a), dynbuf_str(&b), a.len) != 0;
    dynbuf_free(&a);
    dynbuf_free(&b);
    return s;
fail:
    emu_spec_free(s);
    return NULL;
}
