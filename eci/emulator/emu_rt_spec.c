/* Runtime pieces shared by the process and the simulated runtime: the deep
 * copy of a group spec, its checks, container states and the kubelet's
 * pre-creation checks. */
#include "eci/emulator/emu_rt_spec.h"
#include "util/xmalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* ---- the deep copy of a spec ---- */

typedef emu_rt_arena arena;

static void *a_keep(arena *a, void *p)
{
    if (a->n == a->alloc) {
        a->alloc = a->alloc ? a->alloc * 2 : 32;
        a->p = xrealloc(a->p, a->alloc * sizeof(void *));
    }
    a->p[a->n++] = p;
    return p;
}

static char *a_str(arena *a, const char *s)
{
    return s ? a_keep(a, xstrdup(s)) : NULL;
}

static void *a_zalloc(arena *a, size_t n)
{
    return a_keep(a, xcalloc(1, n ? n : 1));
}

static const kv_list *a_kv(arena *a, const kv_list *in)
{
    if (!in)
        return NULL;
    kv_list *l = xcalloc(1, sizeof *l);
    for (size_t i = 0; i < in->n; i++)
        kv_add(l, in->items[i].key, in->items[i].val);
    a->kv = xrealloc(a->kv, (a->nkv + 1) * sizeof(kv_list *));
    a->kv[a->nkv++] = l;
    return l;
}

void emu_rt_arena_free(emu_rt_arena *a)
{
    for (size_t i = 0; i < a->n; i++)
        free(a->p[i]);
    free(a->p);
    for (size_t i = 0; i < a->nkv; i++) {
        kv_free(a->kv[i]);
        free(a->kv[i]);
    }
    free(a->kv);
    memset(a, 0, sizeof *a);
}

static const char *const *a_argv(arena *a, const char *const *v, size_t n)
{
    if (!v || !n)
        return NULL;
    const char **r = a_zalloc(a, (n + 1) * sizeof(char *));
    for (size_t i = 0; i < n; i++)
        r[i] = a_str(a, v[i] ? v[i] : "");
    return r;
}

static void copy_container(arena *a, emu_rt_container *d, const emu_rt_container *s)
{
    *d = *s;
    d->name = a_str(a, s->name ? s->name : "");
    d->image = a_str(a, s->image ? s->image : "");
    d->argv = a_argv(a, s->argv, s->argc);
    d->argc = d->argv ? s->argc : 0;
    d->env = a_kv(a, s->env);
    d->working_dir = a_str(a, s->working_dir);
    emu_rt_mount *m = a_zalloc(a, s->nmounts * sizeof *m);
    for (size_t i = 0; i < s->nmounts; i++) {
        m[i] = s->mounts[i];
        m[i].volume = a_str(a, s->mounts[i].volume ? s->mounts[i].volume : "");
        m[i].mount_path = a_str(a, s->mounts[i].mount_path ? s->mounts[i].mount_path : "/");
        m[i].sub_path = a_str(a, s->mounts[i].sub_path);
    }
    d->mounts = m;
    emu_rt_hook *hk[2] = { &d->post_start, &d->pre_stop };
    for (int i = 0; i < 2; i++) {
        hk[i]->argv = a_argv(a, hk[i]->argv, hk[i]->argc);
        hk[i]->argc = hk[i]->argv ? hk[i]->argc : 0;
        hk[i]->http_host = a_str(a, hk[i]->http_host);
        hk[i]->http_path = a_str(a, hk[i]->http_path);
        hk[i]->http_scheme = a_str(a, hk[i]->http_scheme);
        hk[i]->http_headers = a_kv(a, hk[i]->http_headers);
        hk[i]->tcp_host = a_str(a, hk[i]->tcp_host);
    }
    d->cap_add = a_argv(a, s->cap_add, s->ncap_add);
    d->ncap_add = d->cap_add ? s->ncap_add : 0;
    d->termination_message_path = a_str(a, s->termination_message_path);
    emu_rt_probe *pr[2] = { &d->readiness, &d->liveness };
    for (int i = 0; i < 2; i++) {
        pr[i]->argv = a_argv(a, pr[i]->argv, pr[i]->argc);
        pr[i]->argc = pr[i]->argv ? pr[i]->argc : 0;
        pr[i]->http_path = a_str(a, pr[i]->http_path);
        pr[i]->http_scheme = a_str(a, pr[i]->http_scheme);
    }
}

emu_rt_group_spec *emu_rt_spec_copy(emu_rt_arena *a, const emu_rt_group_spec *s)
{
    emu_rt_group_spec *d = a_zalloc(a, sizeof *d);
    *d = *s;
    d->id = a_str(a, s->id);
    d->restart_policy = a_str(a, s->restart_policy && *s->restart_policy ? s->restart_policy : "Always");
    emu_rt_container *ic = a_zalloc(a, s->ninit * sizeof *ic);
    for (size_t i = 0; i < s->ninit; i++)
        copy_container(a, &ic[i], &s->init_containers[i]);
    d->init_containers = ic;
    emu_rt_container *cc = a_zalloc(a, s->ncontainers * sizeof *cc);
    for (size_t i = 0; i < s->ncontainers; i++)
        copy_container(a, &cc[i], &s->containers[i]);
    d->containers = cc;
    emu_rt_volume *v = a_zalloc(a, s->nvolumes * sizeof *v);
    for (size_t i = 0; i < s->nvolumes; i++) {
        const emu_rt_volume *sv = &s->volumes[i];
        v[i] = *sv;
        v[i].name = a_str(a, sv->name ? sv->name : "");
        v[i].medium = a_str(a, sv->medium ? sv->medium : "");
        v[i].size_limit = a_str(a, sv->size_limit);
        v[i].nfs_server = a_str(a, sv->nfs_server);
        v[i].nfs_path = a_str(a, sv->nfs_path);
        emu_rt_file *f = a_zalloc(a, sv->nfiles * sizeof *f);
        for (size_t j = 0; j < sv->nfiles; j++) {
            f[j].path = a_str(a, sv->files[j].path ? sv->files[j].path : "");
            char *c = a_zalloc(a, sv->files[j].len + 1);
            if (sv->files[j].len)
                memcpy(c, sv->files[j].content, sv->files[j].len);
            f[j].content = c;
            f[j].len = sv->files[j].len;
            f[j].mode = sv->files[j].mode;
        }
        v[i].files = f;
    }
    d->volumes = v;
    d->hostname = a_str(a, s->hostname);
    d->host_aliases = a_kv(a, s->host_aliases);
    d->dns_policy = a_str(a, s->dns_policy);
    d->dns_nameservers = a_argv(a, s->dns_nameservers, s->ndns_nameservers);
    d->ndns_nameservers = d->dns_nameservers ? s->ndns_nameservers : 0;
    d->dns_searches = a_argv(a, s->dns_searches, s->ndns_searches);
    d->ndns_searches = d->dns_searches ? s->ndns_searches : 0;
    d->dns_options = a_kv(a, s->dns_options);
    return d;
}

void emu_rt_set_state(emu_rt_state *s, emu_rt_state_kind k, const char *reason, const char *msg)
{
    memset(s, 0, sizeof *s);
    s->kind = k;
    snprintf(s->reason, sizeof s->reason, "%s", reason ? reason : "");
    snprintf(s->message, sizeof s->message, "%s", msg ? msg : "");
}

/* The kubelet's checks before it creates a container (verifyRunAsNonRoot):
 * the image user is the emulator's own, root when it runs as root. Returns
 * 0, or -1 with the kubelet's message. */
int emu_rt_config_check(const char *group_id, const emu_rt_container *cs, char *msg, size_t len)
{
    if (cs->run_as_non_root != 1)
        return 0;
    if (cs->run_as_user == 0) {
        snprintf(msg, len, "container's runAsUser breaks non-root policy (pod: \"%s\", container: %s)", group_id,
                 cs->name);
        return -1;
    }
    if (cs->run_as_user < 0 && geteuid() == 0) {
        snprintf(msg, len, "container has runAsNonRoot and image will run as root (pod: \"%s\", container: %s)",
                 group_id, cs->name);
        return -1;
    }
    return 0;
}

int emu_rt_spec_check(const emu_rt_group_spec *s, char *err, size_t errlen)
{
    if (!s || !s->id || !*s->id) {
        snprintf(err, errlen, "runtime: group id is required");
        return -1;
    }
    if (s->restart_policy && *s->restart_policy && strcmp(s->restart_policy, "Always") != 0 &&
        strcmp(s->restart_policy, "OnFailure") != 0 && strcmp(s->restart_policy, "Never") != 0) {
        snprintf(err, errlen, "runtime: unknown restart policy \"%s\"", s->restart_policy);
        return -1;
    }
    for (size_t i = 0; i < s->ninit + s->ncontainers; i++) {
        const emu_rt_container *c = i < s->ninit ? &s->init_containers[i] : &s->containers[i - s->ninit];
        for (size_t j = 0; j < c->nmounts; j++) {
            const char *mp = c->mounts[j].mount_path;
            if (!mp || mp[0] != '/') {
                snprintf(err, errlen, "runtime: container %s: mount path must be absolute", c->name);
                return -1;
            }
        }
    }
    return 0;
}


static int env_is(const emu_rt_container *cs, const char *key, const char *val)
{
    const char *v = cs->env ? kv_get(cs->env, key) : NULL;
    return v && strcasecmp(v, val) == 0;
}

int emu_rt_is_sidecar(const emu_rt_container *cs)
{
    return env_is(cs, "ECI_CONTAINER_TYPE", "sidecar");
}

int emu_rt_ignores_exit(const emu_rt_container *cs)
{
    return env_is(cs, "ECI_CONTAINER_IGNORE_EXIT_CODE", "true");
}
