/* Container group specs: free, deep copy, and the canonical text of the
 * updatable part (UpdateContainerGroup's NoNeedUpdate check). */
#include "eci/emulator/emu.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/xmalloc.h"

static void probe_free(emu_probe *p)
{
    emu_strv_free(p->exec, p->nexec);
    free(p->http_path);
    free(p->http_scheme);
}

static void hook_net_free(emu_hook_net *h)
{
    free(h->http_host);
    free(h->http_path);
    free(h->http_scheme);
    kv_free(&h->http_headers);
    free(h->tcp_host);
}

void emu_container_free(emu_container *c)
{
    free(c->name);
    free(c->image);
    free(c->image_pull_policy);
    free(c->working_dir);
    emu_strv_free(c->command, c->ncommand);
    emu_strv_free(c->args, c->nargs);
    for (size_t i = 0; i < c->nenv; i++) {
        free(c->env[i].key);
        free(c->env[i].value);
        free(c->env[i].field_path);
    }
    free(c->env);
    for (size_t i = 0; i < c->nports; i++)
        free(c->ports[i].protocol);
    free(c->ports);
    for (size_t i = 0; i < c->nmounts; i++) {
        free(c->mounts[i].name);
        free(c->mounts[i].mount_path);
        free(c->mounts[i].sub_path);
        free(c->mounts[i].propagation);
    }
    free(c->mounts);
    probe_free(&c->liveness);
    probe_free(&c->readiness);
    emu_strv_free(c->cap_add, c->ncap);
    emu_strv_free(c->post_start, c->npost_start);
    emu_strv_free(c->pre_stop, c->npre_stop);
    hook_net_free(&c->post_start_net);
    hook_net_free(&c->pre_stop_net);
    free(c->termination_message_path);
    free(c->termination_message_policy);
}

void emu_volume_free(emu_volume *v)
{
    free(v->name);
    free(v->type);
    free(v->medium);
    free(v->size_limit);
    free(v->nfs_server);
    free(v->nfs_path);
    for (size_t i = 0; i < v->nfiles; i++) {
        free(v->files[i].path);
        free(v->files[i].content);
    }
    free(v->files);
    free(v->disk_id);
    free(v->disk_fs_type);
    free(v->flex_driver);
    free(v->flex_fs_type);
    free(v->flex_options);
    free(v->host_path);
    free(v->host_path_type);
}

void emu_spec_free(emu_spec *s)
{
    if (!s)
        return;
    char **strs[] = {&s->region, &s->zone, &s->name, &s->security_group, &s->vswitch,
                     &s->restart_policy, &s->instance_type, &s->resource_group, &s->dns_policy,
                     &s->ram_role, &s->spot_strategy, &s->host_name, &s->eip_instance,
                     &s->image_snapshot};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        free(*strs[i]);
    for (size_t i = 0; i < s->ncontainers; i++)
        emu_container_free(&s->containers[i]);
    free(s->containers);
    for (size_t i = 0; i < s->ninits; i++)
        emu_container_free(&s->inits[i]);
    free(s->inits);
    for (size_t i = 0; i < s->nvolumes; i++)
        emu_volume_free(&s->volumes[i]);
    free(s->volumes);
    kv_free(&s->tags);
    emu_strv_free(s->dns_ns, s->ndns_ns);
    emu_strv_free(s->dns_search, s->ndns_search);
    kv_free(&s->dns_opts);
    kv_free(&s->host_aliases);
    kv_free(&s->sysctls);
    for (size_t i = 0; i < s->nregistry_creds && s->creds; i++) {
        free(s->creds[i].server);
        free(s->creds[i].user);
        free(s->creds[i].password);
    }
    free(s->creds);
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
    emu_strv_free(s->compute_category, s->ncompute_category);
    emu_strv_free(s->ntp_servers, s->nntp_servers);
    kv_free(&s->host_sysctls);
    kv_free(&s->settings);
    free(s);
}

static void copy_str(char **dst, const char *src) { *dst = src ? xstrdup(src) : NULL; }

static char **copy_strv(char *const *v, size_t n)
{
    if (!n)
        return NULL;
    char **o = xcalloc(n, sizeof *o);
    for (size_t i = 0; i < n; i++)
        o[i] = xstrdup(v[i]);
    return o;
}

static void copy_probe(emu_probe *d, const emu_probe *s)
{
    *d = *s;
    d->exec = copy_strv(s->exec, s->nexec);
    copy_str(&d->http_path, s->http_path);
    copy_str(&d->http_scheme, s->http_scheme);
}

static void copy_kv(kv_list *d, const kv_list *s)
{
    kv_init(d);
    for (size_t i = 0; i < s->n; i++)
        kv_add(d, s->items[i].key, s->items[i].val);
}

static void copy_hook_net(emu_hook_net *d, const emu_hook_net *s)
{
    *d = *s;
    copy_str(&d->http_host, s->http_host);
    copy_str(&d->http_path, s->http_path);
    copy_str(&d->http_scheme, s->http_scheme);
    copy_kv(&d->http_headers, &s->http_headers);
    copy_str(&d->tcp_host, s->tcp_host);
}

static void copy_container(emu_container *d, const emu_container *s)
{
    *d = *s;
    copy_str(&d->name, s->name);
    copy_str(&d->image, s->image);
    copy_str(&d->image_pull_policy, s->image_pull_policy);
    copy_str(&d->working_dir, s->working_dir);
    d->command = copy_strv(s->command, s->ncommand);
    d->args = copy_strv(s->args, s->nargs);
    d->env = s->nenv ? xcalloc(s->nenv, sizeof *d->env) : NULL;
    for (size_t i = 0; i < s->nenv; i++) {
        copy_str(&d->env[i].key, s->env[i].key);
        copy_str(&d->env[i].value, s->env[i].value);
        copy_str(&d->env[i].field_path, s->env[i].field_path);
    }
    d->ports = s->nports ? xcalloc(s->nports, sizeof *d->ports) : NULL;
    for (size_t i = 0; i < s->nports; i++) {
        d->ports[i].port = s->ports[i].port;
        copy_str(&d->ports[i].protocol, s->ports[i].protocol);
    }
    d->mounts = s->nmounts ? xcalloc(s->nmounts, sizeof *d->mounts) : NULL;
    for (size_t i = 0; i < s->nmounts; i++) {
        d->mounts[i].read_only = s->mounts[i].read_only;
        copy_str(&d->mounts[i].name, s->mounts[i].name);
        copy_str(&d->mounts[i].mount_path, s->mounts[i].mount_path);
        copy_str(&d->mounts[i].sub_path, s->mounts[i].sub_path);
        copy_str(&d->mounts[i].propagation, s->mounts[i].propagation);
    }
    copy_probe(&d->liveness, &s->liveness);
    copy_probe(&d->readiness, &s->readiness);
    d->cap_add = copy_strv(s->cap_add, s->ncap);
    d->post_start = copy_strv(s->post_start, s->npost_start);
    d->pre_stop = copy_strv(s->pre_stop, s->npre_stop);
    copy_hook_net(&d->post_start_net, &s->post_start_net);
    copy_hook_net(&d->pre_stop_net, &s->pre_stop_net);
    copy_str(&d->termination_message_path, s->termination_message_path);
    copy_str(&d->termination_message_policy, s->termination_message_policy);
}

static void copy_volume(emu_volume *d, const emu_volume *s)
{
    *d = *s;
    copy_str(&d->name, s->name);
    copy_str(&d->type, s->type);
    copy_str(&d->medium, s->medium);
    copy_str(&d->size_limit, s->size_limit);
    copy_str(&d->nfs_server, s->nfs_server);
    copy_str(&d->nfs_path, s->nfs_path);
    d->files = s->nfiles ? xcalloc(s->nfiles, sizeof *d->files) : NULL;
    for (size_t i = 0; i < s->nfiles; i++) {
        d->files[i] = s->files[i];
        copy_str(&d->files[i].path, s->files[i].path);
        d->files[i].content = xmalloc(s->files[i].len + 1);
        memcpy(d->files[i].content, s->files[i].content, s->files[i].len + 1);
    }
    copy_str(&d->disk_id, s->disk_id);
    copy_str(&d->disk_fs_type, s->disk_fs_type);
    copy_str(&d->flex_driver, s->flex_driver);
    copy_str(&d->flex_fs_type, s->flex_fs_type);
    copy_str(&d->flex_options, s->flex_options);
    copy_str(&d->host_path, s->host_path);
    copy_str(&d->host_path_type, s->host_path_type);
}

emu_spec *emu_spec_copy(const emu_spec *s)
{
    emu_spec *d = xcalloc(1, sizeof *d);
    *d = *s;
    const char *src[] = {s->region, s->zone, s->name, s->security_group, s->vswitch, s->restart_policy,
                         s->instance_type, s->resource_group, s->dns_policy, s->ram_role,
                         s->spot_strategy, s->host_name, s->eip_instance, s->image_snapshot};
    char **dst[] = {&d->region, &d->zone, &d->name, &d->security_group, &d->vswitch, &d->restart_policy,
                    &d->instance_type, &d->resource_group, &d->dns_policy, &d->ram_role,
                    &d->spot_strategy, &d->host_name, &d->eip_instance, &d->image_snapshot};
    for (size_t i = 0; i < sizeof src / sizeof src[0]; i++)
        copy_str(dst[i], src[i]);
    d->containers = s->ncontainers ? xcalloc(s->ncontainers, sizeof *d->containers) : NULL;
    for (size_t i = 0; i < s->ncontainers; i++)
        copy_container(&d->containers[i], &s->containers[i]);
    d->inits = s->ninits ? xcalloc(s->ninits, sizeof *d->inits) : NULL;
    for (size_t i = 0; i < s->ninits; i++)
        copy_container(&d->inits[i], &s->inits[i]);
    d->volumes = s->nvolumes ? xcalloc(s->nvolumes, sizeof *d->volumes) : NULL;
    for (size_t i = 0; i < s->nvolumes; i++)
        copy_volume(&d->volumes[i], &s->volumes[i]);
    copy_kv(&d->tags, &s->tags);
    d->dns_ns = copy_strv(s->dns_ns, s->ndns_ns);
    d->dns_search = copy_strv(s->dns_search, s->ndns_search);
    copy_kv(&d->dns_opts, &s->dns_opts);
    copy_kv(&d->host_aliases, &s->host_aliases);
    copy_kv(&d->sysctls, &s->sysctls);
    d->creds = s->nregistry_creds ? xcalloc(s->nregistry_creds, sizeof *d->creds) : NULL;
    for (size_t i = 0; i < s->nregistry_creds && s->creds; i++) {
        copy_str(&d->creds[i].server, s->creds[i].server);
        copy_str(&d->creds[i].user, s->creds[i].user);
        copy_str(&d->creds[i].password, s->creds[i].password);
    }
    d->acrs = s->nacrs ? xcalloc(s->nacrs, sizeof *d->acrs) : NULL;
    for (size_t i = 0; i < s->nacrs; i++) {
        const emu_acr *a = &s->acrs[i];
        emu_acr *b = &d->acrs[i];
        copy_str(&b->instance_id, a->instance_id);
        copy_str(&b->instance_name, a->instance_name);
        copy_str(&b->region, a->region);
        copy_str(&b->arn_service, a->arn_service);
        copy_str(&b->arn_user, a->arn_user);
        b->domains = copy_strv(a->domains, a->ndomains);
        b->ndomains = a->ndomains;
    }
    d->compute_category = copy_strv(s->compute_category, s->ncompute_category);
    d->ntp_servers = copy_strv(s->ntp_servers, s->nntp_servers);
    copy_kv(&d->host_sysctls, &s->host_sysctls);
    copy_kv(&d->settings, &s->settings);
    return d;
}

/* A canonical text of the updatable part of a spec (everything
 * UpdateContainerGroup can change) to detect NoNeedUpdate. */
static const char *z(const char *s) { return s ? s : ""; }

static void sig_strv(dynbuf *b, const char *tag, char *const *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        dynbuf_printf(b, "%s:%s\x1f", tag, v[i]);
}

static void sig_kv(dynbuf *b, const char *tag, const kv_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        dynbuf_printf(b, "%s:%s=%s\x1f", tag, l->items[i].key, l->items[i].val);
}

static void sig_hook(dynbuf *b, const char *tag, char *const *exec, size_t nexec, const emu_hook_net *h)
{
    sig_strv(b, tag, exec, nexec);
    dynbuf_printf(b, "%s:%s:%s:%s:%ld:%s:%ld\x1f", tag, z(h->http_host), z(h->http_path), z(h->http_scheme),
                  h->http_port, z(h->tcp_host), h->tcp_port);
    sig_kv(b, tag, &h->http_headers);
}

static void sig_container(dynbuf *b, const emu_container *c)
{
    dynbuf_printf(b, "[%s|%s|%s|%s|%g|%g|%ld|%d%d%d|", c->name, c->image, z(c->image_pull_policy),
                  z(c->working_dir), c->cpu, c->memory, c->gpu, c->tty, c->stdin_open, c->stdin_once);
    sig_strv(b, "c", c->command, c->ncommand);
    sig_strv(b, "a", c->args, c->nargs);
    for (size_t i = 0; i < c->nenv; i++)
        dynbuf_printf(b, "e:%s=%s/%s\x1f", c->env[i].key, z(c->env[i].value), z(c->env[i].field_path));
    for (size_t i = 0; i < c->nports; i++)
        dynbuf_printf(b, "p:%ld/%s\x1f", c->ports[i].port, c->ports[i].protocol);
    for (size_t i = 0; i < c->nmounts; i++)
        dynbuf_printf(b, "m:%s:%s:%s:%s:%d\x1f", c->mounts[i].name, c->mounts[i].mount_path,
                      z(c->mounts[i].sub_path), z(c->mounts[i].propagation), c->mounts[i].read_only);
    const emu_probe *pr[2] = {&c->liveness, &c->readiness};
    for (int k = 0; k < 2; k++) {
        dynbuf_printf(b, "pr%d:%d:%s:%s:%ld:%ld:%ld:%ld:%ld:%ld:%ld:", k, pr[k]->present, z(pr[k]->http_path),
                      z(pr[k]->http_scheme), pr[k]->http_port, pr[k]->tcp_port, pr[k]->initial_delay,
                      pr[k]->period, pr[k]->timeout, pr[k]->success, pr[k]->failure);
        sig_strv(b, "x", pr[k]->exec, pr[k]->nexec);
    }
    sig_strv(b, "cap", c->cap_add, c->ncap);
    sig_hook(b, "ps", c->post_start, c->npost_start, &c->post_start_net);
    sig_hook(b, "pq", c->pre_stop, c->npre_stop, &c->pre_stop_net);
    dynbuf_printf(b, "ro:%d:u:%ld:g:%ld:nr:%d:pv:%d:eh:%d:tm:%s:%s]", c->read_only_root, c->run_as_user,
                  c->run_as_group, c->run_as_non_root, c->privileged, c->env_hide,
                  z(c->termination_message_path), z(c->termination_message_policy));
}

void emu_spec_update_sig(dynbuf *b, const emu_spec *s)
{
    for (size_t i = 0; i < s->ninits; i++)
        sig_container(b, &s->inits[i]);
    dynbuf_adds(b, "|");
    for (size_t i = 0; i < s->ncontainers; i++)
        sig_container(b, &s->containers[i]);
    dynbuf_printf(b, "|creds:%zu", s->nregistry_creds);
    for (size_t i = 0; i < s->nregistry_creds && s->creds; i++)
        dynbuf_printf(b, "%s\x1f%s\x1f%s\x1f", z(s->creds[i].server), z(s->creds[i].user), z(s->creds[i].password));
    for (size_t i = 0; i < s->nacrs; i++) {
        const emu_acr *a = &s->acrs[i];
        dynbuf_printf(b, "acr:%s:%s:%s:%s:%s\x1f", z(a->instance_id), z(a->instance_name), z(a->region),
                      z(a->arn_service), z(a->arn_user));
        sig_strv(b, "d", a->domains, a->ndomains);
    }
    for (size_t i = 0; i < s->nvolumes; i++) {
        const emu_volume *v = &s->volumes[i];
        dynbuf_printf(b, "v:%s:%s:%s:%s:%s:%s:%d:%ld:%s:%s:%ld:%s:%s:%s:%s:%s\x1f", v->name, v->type, z(v->medium),
                      z(v->size_limit), z(v->nfs_server), z(v->nfs_path), v->nfs_read_only, v->default_mode,
                      z(v->disk_id), z(v->disk_fs_type), v->disk_size, z(v->flex_driver), z(v->flex_fs_type),
                      z(v->flex_options), z(v->host_path), z(v->host_path_type));
        for (size_t j = 0; j < v->nfiles; j++) {
            dynbuf_printf(b, "f:%s:%ld:%zu:", v->files[j].path, v->files[j].mode, v->files[j].len);
            dynbuf_add(b, v->files[j].content, v->files[j].len);
        }
    }
    dynbuf_printf(b, "|%g|%g|%s|%s|", s->cpu, s->memory, z(s->restart_policy), z(s->resource_group));
    sig_kv(b, "t", &s->tags);
    sig_strv(b, "ns", s->dns_ns, s->ndns_ns);
    sig_strv(b, "se", s->dns_search, s->ndns_search);
    sig_kv(b, "o", &s->dns_opts);
}
