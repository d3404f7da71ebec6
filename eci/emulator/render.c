/* Container group -> JSON in the shapes of DescribeContainerGroups
 * (spec/eci-api.md 6.6) and DescribeContainerGroupStatus (extra 2.2).
 * Called with the store lock held. */
#include "eci/emulator/emu.h"
#include "util/base64.h"

#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

static void add_time(cJSON *o, const char *key, time_t t)
{
    char buf[32];
    emu_fmt_time(t, buf, sizeof buf);
    cJSON_AddStringToObject(o, key, buf);
}

static cJSON *strv(char *const *v, size_t n)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToArray(a, cJSON_CreateString(v[i]));
    return a;
}

static const char *state_name(emu_rt_state_kind k)
{
    switch (k) {
    case EMU_CS_RUNNING: return "Running";
    case EMU_CS_TERMINATED: return "Terminated";
    default: return "Waiting";
    }
}

static cJSON *render_state(const emu_rt_state *s)
{
    cJSON *o = cJSON_CreateObject();
    /* no state at all (e.g. no previous run): empty fields */
    int none = s->kind == EMU_CS_WAITING && !s->reason[0] && !s->start_time;
    cJSON_AddStringToObject(o, "State", none ? "" : state_name(s->kind));
    cJSON_AddStringToObject(o, "DetailStatus", s->kind == EMU_CS_RUNNING ? "working" : "");
    cJSON_AddStringToObject(o, "Reason", s->reason);
    cJSON_AddStringToObject(o, "Message", s->message);
    cJSON_AddNumberToObject(o, "ExitCode", s->exit_code);
    cJSON_AddNumberToObject(o, "Signal", s->signal);
    add_time(o, "StartTime", s->start_time);
    add_time(o, "FinishTime", s->finish_time);
    return o;
}

/* The runtime's snapshot of a container, or a state derived from the group
 * status when the runtime has none. */
static void container_status(const emu_group *g, const char *name, int is_init, emu_rt_container_status *out)
{
    for (size_t i = 0; i < g->ncs; i++)
        if (strcmp(g->cs[i].name, name) == 0 && g->cs[i].is_init == is_init) {
            *out = g->cs[i];
            return;
        }
    memset(out, 0, sizeof *out);
    snprintf(out->name, sizeof out->name, "%s", name);
    out->is_init = is_init;
    const char *st = g->status;
    if (strcmp(st, "Running") == 0 || strcmp(st, "Restarting") == 0 || strcmp(st, "Updating") == 0 ||
        strcmp(st, "Terminating") == 0) {
        if (is_init) {
            out->current.kind = EMU_CS_TERMINATED;
            snprintf(out->current.reason, sizeof out->current.reason, "Completed");
            out->current.start_time = out->current.finish_time = g->started;
        } else {
            out->current.kind = EMU_CS_RUNNING;
            snprintf(out->current.reason, sizeof out->current.reason, "Started");
            out->current.start_time = g->started;
            out->ready = 1;
        }
    } else if (strcmp(st, "Succeeded") == 0 || strcmp(st, "Failed") == 0) {
        out->current.kind = EMU_CS_TERMINATED;
        int ok = strcmp(st, "Succeeded") == 0;
        snprintf(out->current.reason, sizeof out->current.reason, "%s", ok ? "Completed" : "Error");
        out->current.exit_code = ok ? 0 : 1;
        out->current.start_time = g->started;
        out->current.finish_time = ok ? g->succeeded : g->failed;
    } else {
        out->current.kind = EMU_CS_WAITING;
        snprintf(out->current.reason, sizeof out->current.reason, "%s",
                 strcmp(st, "ScheduleFailed") == 0 ? "ScheduleFailed" : "ContainerCreating");
    }
}

static cJSON *render_probe(const emu_probe *p)
{
    cJSON *o = cJSON_CreateObject();
    if (!p->present)
        return o;
    if (p->nexec)
        cJSON_AddItemToObject(o, "Execs", strv(p->exec, p->nexec));
    if (p->http_port) {
        cJSON *h = cJSON_AddObjectToObject(o, "HttpGet");
        cJSON_AddStringToObject(h, "Path", p->http_path ? p->http_path : "");
        cJSON_AddNumberToObject(h, "Port", (double)p->http_port);
        cJSON_AddStringToObject(h, "Scheme", p->http_scheme ? p->http_scheme : "HTTP");
    }
    if (p->tcp_port) {
        cJSON *t = cJSON_AddObjectToObject(o, "TcpSocket");
        cJSON_AddNumberToObject(t, "Port", (double)p->tcp_port);
    }
    cJSON_AddNumberToObject(o, "InitialDelaySeconds", (double)p->initial_delay);
    cJSON_AddNumberToObject(o, "PeriodSeconds", (double)p->period);
    cJSON_AddNumberToObject(o, "TimeoutSeconds", (double)p->timeout);
    cJSON_AddNumberToObject(o, "SuccessThreshold", (double)p->success);
    cJSON_AddNumberToObject(o, "FailureThreshold", (double)p->failure);
    return o;
}

static cJSON *render_hook(char *const *exec, size_t nexec, const emu_hook_net *h)
{
    cJSON *o = cJSON_CreateObject();
    if (nexec)
        cJSON_AddItemToObject(o, "Exec", strv(exec, nexec));
    if (h->http_port) {
        cJSON *x = cJSON_AddObjectToObject(o, "HttpGet");
        cJSON_AddStringToObject(x, "Host", h->http_host ? h->http_host : "");
        cJSON_AddStringToObject(x, "Path", h->http_path ? h->http_path : "");
        cJSON_AddNumberToObject(x, "Port", (double)h->http_port);
        cJSON_AddStringToObject(x, "Scheme", h->http_scheme ? h->http_scheme : "HTTP");
        cJSON *hs = cJSON_AddArrayToObject(x, "HttpHeaders");
        for (size_t i = 0; i < h->http_headers.n; i++) {
            cJSON *kv = cJSON_CreateObject();
            cJSON_AddStringToObject(kv, "Name", h->http_headers.items[i].key);
            cJSON_AddStringToObject(kv, "Value", h->http_headers.items[i].val);
            cJSON_AddItemToArray(hs, kv);
        }
    }
    if (h->tcp_port) {
        cJSON *x = cJSON_AddObjectToObject(o, "TcpSocket");
        cJSON_AddStringToObject(x, "Host", h->tcp_host ? h->tcp_host : "");
        cJSON_AddNumberToObject(x, "Port", (double)h->tcp_port);
    }
    return o;
}

static cJSON *render_container(const emu_group *g, const emu_container *c, int is_init, int full)
{
    cJSON *o = cJSON_CreateObject();
    emu_rt_container_status cs;
    container_status(g, c->name, is_init, &cs);
    cJSON_AddStringToObject(o, "Name", c->name);
    cJSON_AddStringToObject(o, "Image", c->image);
    cJSON_AddStringToObject(o, "ImagePullPolicy", c->image_pull_policy ? c->image_pull_policy : "IfNotPresent");
    cJSON_AddNumberToObject(o, "Cpu", c->cpu);
    cJSON_AddNumberToObject(o, "Memory", c->memory);
    cJSON_AddNumberToObject(o, "Gpu", (double)c->gpu);
    cJSON_AddStringToObject(o, "WorkingDir", c->working_dir ? c->working_dir : "");
    cJSON_AddItemToObject(o, is_init ? "Command" : "Commands", strv(c->command, c->ncommand));
    cJSON_AddItemToObject(o, "Args", strv(c->args, c->nargs));
    if (!is_init || full) {
        cJSON_AddBoolToObject(o, "Stdin", c->stdin_open);
        cJSON_AddBoolToObject(o, "StdinOnce", c->stdin_once);
        cJSON_AddBoolToObject(o, "Tty", c->tty);
    }
    cJSON_AddBoolToObject(o, "Ready", cs.ready);
    cJSON_AddNumberToObject(o, "RestartCount", cs.restart_count);
    cJSON_AddItemToObject(o, "CurrentState", render_state(&cs.current));
    cJSON_AddItemToObject(o, "PreviousState", render_state(&cs.previous));
    cJSON *env = cJSON_AddArrayToObject(o, "EnvironmentVars");
    /* EnvironmentVarHide: the values stay out of DescribeContainerGroups */
    for (size_t i = 0; i < c->nenv && (full || !c->env_hide); i++) {
        cJSON *v = cJSON_CreateObject();
        cJSON_AddStringToObject(v, "Key", c->env[i].key);
        cJSON_AddStringToObject(v, "Value", c->env[i].value ? c->env[i].value : "");
        if (c->env[i].field_path) {
            cJSON *vf = cJSON_AddObjectToObject(v, "ValueFrom");
            cJSON *fr = cJSON_AddObjectToObject(vf, "FieldRef");
            cJSON_AddStringToObject(fr, "FieldPath", c->env[i].field_path);
        }
        cJSON_AddItemToArray(env, v);
    }
    cJSON *ports = cJSON_AddArrayToObject(o, "Ports");
    for (size_t i = 0; i < c->nports; i++) {
        cJSON *pt = cJSON_CreateObject();
        cJSON_AddNumberToObject(pt, "Port", (double)c->ports[i].port);
        cJSON_AddStringToObject(pt, "Protocol", c->ports[i].protocol);
        cJSON_AddItemToArray(ports, pt);
    }
    cJSON *mounts = cJSON_AddArrayToObject(o, "VolumeMounts");
    for (size_t i = 0; i < c->nmounts; i++) {
        cJSON *m = cJSON_CreateObject();
        cJSON_AddStringToObject(m, "Name", c->mounts[i].name);
        cJSON_AddStringToObject(m, "MountPath", c->mounts[i].mount_path);
        cJSON_AddBoolToObject(m, "ReadOnly", c->mounts[i].read_only);
        cJSON_AddStringToObject(m, "MountPropagation", c->mounts[i].propagation ? c->mounts[i].propagation : "None");
        /* the SDK model has SubPath for containers only */
        if (!is_init || full)
            cJSON_AddStringToObject(m, "SubPath", c->mounts[i].sub_path ? c->mounts[i].sub_path : "");
        cJSON_AddItemToArray(mounts, m);
    }
    if (!is_init) {
        cJSON_AddItemToObject(o, "LivenessProbe", render_probe(&c->liveness));
        cJSON_AddItemToObject(o, "ReadinessProbe", render_probe(&c->readiness));
    }
    cJSON *sc = cJSON_AddObjectToObject(o, "SecurityContext");
    cJSON *cap = cJSON_AddObjectToObject(sc, "Capability");
    cJSON_AddItemToObject(cap, "Adds", strv(c->cap_add, c->ncap));
    cJSON_AddBoolToObject(sc, "ReadOnlyRootFilesystem", c->read_only_root == 1);
    if (c->run_as_user >= 0)
        cJSON_AddNumberToObject(sc, "RunAsUser", (double)c->run_as_user);
    if (!full)
        return o;
    /* the admin view: what the SDK's response model has no field for */
    if (c->run_as_group >= 0)
        cJSON_AddNumberToObject(sc, "RunAsGroup", (double)c->run_as_group);
    if (c->run_as_non_root >= 0)
        cJSON_AddBoolToObject(sc, "RunAsNonRoot", c->run_as_non_root);
    if (c->privileged >= 0)
        cJSON_AddBoolToObject(sc, "Privileged", c->privileged);
    cJSON_AddBoolToObject(o, "EnvironmentVarHide", c->env_hide);
    cJSON_AddStringToObject(o, "TerminationMessagePath",
                            c->termination_message_path ? c->termination_message_path : "/dev/termination-log");
    cJSON_AddStringToObject(o, "TerminationMessagePolicy",
                            c->termination_message_policy ? c->termination_message_policy : "File");
    if (!is_init) {
        cJSON *lc = cJSON_AddObjectToObject(o, "Lifecycle");
        cJSON_AddItemToObject(lc, "PostStart", render_hook(c->post_start, c->npost_start, &c->post_start_net));
        cJSON_AddItemToObject(lc, "PreStop", render_hook(c->pre_stop, c->npre_stop, &c->pre_stop_net));
    }
    return o;
}

static cJSON *render_events(const emu_group *g)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; i < g->nevents; i++) {
        const emu_event *ev = &g->events[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "Count", ev->count);
        add_time(o, "FirstTimestamp", ev->first);
        add_time(o, "LastTimestamp", ev->last);
        cJSON_AddStringToObject(o, "Message", ev->message);
        cJSON_AddStringToObject(o, "Name", ev->object);
        cJSON_AddStringToObject(o, "Reason", ev->reason);
        cJSON_AddStringToObject(o, "Type", ev->type);
        cJSON_AddItemToArray(a, o);
    }
    return a;
}

static void add_kv_array(cJSON *o, const char *name, const kv_list *l)
{
    cJSON *a = cJSON_AddArrayToObject(o, name);
    for (size_t i = 0; i < l->n; i++) {
        cJSON *x = cJSON_CreateObject();
        cJSON_AddStringToObject(x, "Name", l->items[i].key);
        cJSON_AddStringToObject(x, "Value", l->items[i].val);
        cJSON_AddItemToArray(a, x);
    }
}

static void sha256_hex(const char *s, char out[72])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_Digest(s, strlen(s), md, &n, EVP_sha256(), NULL);
    memcpy(out, "sha256:", 7);
    for (unsigned i = 0; i < 32 && i < n; i++)
        snprintf(out + 7 + 2 * i, 3, "%02x", md[i]);
}

/* The admin view's fields beyond DescribeContainerGroups. */
static void render_admin(cJSON *o, const emu_spec *s)
{
    cJSON_AddStringToObject(o, "DnsPolicy", s->dns_policy ? s->dns_policy : "");
    cJSON_AddStringToObject(o, "HostName", s->host_name ? s->host_name : "");
    cJSON_AddBoolToObject(o, "ShareProcessNamespace", s->share_process_namespace);
    cJSON_AddNumberToObject(o, "TerminationGracePeriodSeconds",
                            (double)(s->termination_grace >= 0 ? s->termination_grace : 30));
    if (s->active_deadline > 0)
        cJSON_AddNumberToObject(o, "ActiveDeadlineSeconds", (double)s->active_deadline);
    cJSON *cr = cJSON_AddArrayToObject(o, "ImageRegistryCredentials");
    for (size_t i = 0; i < s->nregistry_creds && s->creds; i++) {
        cJSON *x = cJSON_CreateObject();
        char h[72];
        cJSON_AddStringToObject(x, "Server", s->creds[i].server);
        cJSON_AddStringToObject(x, "UserName", s->creds[i].user);
        sha256_hex(s->creds[i].password, h);
        cJSON_AddStringToObject(x, "Password", h);
        cJSON_AddItemToArray(cr, x);
    }
    cJSON *ac = cJSON_AddArrayToObject(o, "AcrRegistryInfos");
    for (size_t i = 0; i < s->nacrs; i++) {
        const emu_acr *a = &s->acrs[i];
        cJSON *x = cJSON_CreateObject();
        cJSON_AddStringToObject(x, "InstanceId", a->instance_id ? a->instance_id : "");
        cJSON_AddStringToObject(x, "InstanceName", a->instance_name ? a->instance_name : "");
        cJSON_AddStringToObject(x, "RegionId", a->region ? a->region : s->region);
        cJSON_AddStringToObject(x, "ArnService", a->arn_service ? a->arn_service : "");
        cJSON_AddStringToObject(x, "ArnUser", a->arn_user ? a->arn_user : "");
        cJSON_AddItemToObject(x, "Domains", strv(a->domains, a->ndomains));
        cJSON_AddItemToArray(ac, x);
    }
    cJSON *hsc = cJSON_AddObjectToObject(o, "HostSecurityContext");
    add_kv_array(hsc, "Sysctls", &s->host_sysctls);
    cJSON_AddItemToObject(o, "NtpServers", strv(s->ntp_servers, s->nntp_servers));
    cJSON *st = cJSON_AddObjectToObject(o, "Settings");
    for (size_t i = 0; i < s->settings.n; i++)
        cJSON_AddStringToObject(st, s->settings.items[i].key, s->settings.items[i].val);
}

static cJSON *render_group(const emu_group *g, int full)
{
    const emu_spec *s = g->spec;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "ContainerGroupId", g->id);
    cJSON_AddStringToObject(o, "ContainerGroupName", s->name);
    cJSON_AddStringToObject(o, "RegionId", s->region);
    cJSON_AddStringToObject(o, "ZoneId", s->zone);
    cJSON_AddStringToObject(o, "VpcId", "vpc-emu0default0000000000");
    cJSON_AddStringToObject(o, "VSwitchId", s->vswitch);
    cJSON_AddStringToObject(o, "SecurityGroupId", s->security_group);
    cJSON_AddStringToObject(o, "ResourceGroupId", s->resource_group ? s->resource_group : "rg-emu0default00000");
    cJSON_AddStringToObject(o, "Status", g->status);
    cJSON_AddStringToObject(o, "RestartPolicy", s->restart_policy);
    cJSON_AddNumberToObject(o, "Cpu", s->cpu);
    cJSON_AddNumberToObject(o, "Memory", s->memory);
    cJSON_AddStringToObject(o, "InstanceType", s->instance_type ? s->instance_type : "");
    cJSON_AddStringToObject(o, "SpotStrategy", s->spot_strategy);
    if (s->has_spot_price_limit)
        cJSON_AddNumberToObject(o, "SpotPriceLimit", s->spot_price_limit);
    dynbuf cc;
    dynbuf_init(&cc, 0);
    for (size_t i = 0; i < s->ncompute_category; i++) {
        if (i)
            dynbuf_addc(&cc, ',');
        dynbuf_adds(&cc, s->compute_category[i]);
    }
    cJSON_AddStringToObject(o, "ComputeCategory", dynbuf_str(&cc));
    dynbuf_free(&cc);
    cJSON_AddStringToObject(o, "TenantEniInstanceId", "");
    cJSON_AddStringToObject(o, "TenantEniIp", "");
    cJSON_AddStringToObject(o, "TenantSecurityGroupId", "");
    cJSON_AddStringToObject(o, "TenantVSwitchId", "");
    cJSON_AddNumberToObject(o, "Discount", 10);
    cJSON_AddNumberToObject(o, "EphemeralStorage", (double)s->ephemeral_storage);
    cJSON_AddStringToObject(o, "RamRoleName", s->ram_role ? s->ram_role : "");
    cJSON_AddStringToObject(o, "InternetIp", (s->auto_create_eip || s->eip_instance) ? "47.100.0.1" : "");
    cJSON_AddStringToObject(o, "IntranetIp", g->ip);
    const char *v6 = kv_get(&s->settings, "Ipv6AddressCount");
    cJSON_AddStringToObject(o, "Ipv6Address", v6 && strcmp(v6, "0") ? "2408:4005:39c:1b00::1" : "");
    char eni[40];
    snprintf(eni, sizeof eni, "eni-%s", g->id + 4);
    cJSON_AddStringToObject(o, "EniInstanceId", eni);
    add_time(o, "CreationTime", g->created);
    add_time(o, "SucceededTime", g->succeeded);
    add_time(o, "FailedTime", g->failed);
    add_time(o, "ExpiredTime", 0);
    cJSON *tags = cJSON_AddArrayToObject(o, "Tags");
    for (size_t i = 0; i < s->tags.n; i++) {
        cJSON *t = cJSON_CreateObject();
        cJSON_AddStringToObject(t, "Key", s->tags.items[i].key);
        cJSON_AddStringToObject(t, "Value", s->tags.items[i].val);
        cJSON_AddItemToArray(tags, t);
    }
    cJSON *dns = cJSON_AddObjectToObject(o, "DnsConfig");
    cJSON_AddItemToObject(dns, "NameServers", strv(s->dns_ns, s->ndns_ns));
    cJSON_AddItemToObject(dns, "Searches", strv(s->dns_search, s->ndns_search));
    cJSON *opts = cJSON_AddArrayToObject(dns, "Options");
    for (size_t i = 0; i < s->dns_opts.n; i++) {
        cJSON *x = cJSON_CreateObject();
        cJSON_AddStringToObject(x, "Name", s->dns_opts.items[i].key);
        cJSON_AddStringToObject(x, "Value", s->dns_opts.items[i].val);
        cJSON_AddItemToArray(opts, x);
    }
    cJSON *esc = cJSON_AddObjectToObject(o, "EciSecurityContext");
    cJSON *sys = cJSON_AddArrayToObject(esc, "Sysctls");
    for (size_t i = 0; i < s->sysctls.n; i++) {
        cJSON *x = cJSON_CreateObject();
        cJSON_AddStringToObject(x, "Name", s->sysctls.items[i].key);
        cJSON_AddStringToObject(x, "Value", s->sysctls.items[i].val);
        cJSON_AddItemToArray(sys, x);
    }
    cJSON *ha = cJSON_AddArrayToObject(o, "HostAliases");
    for (size_t i = 0; i < s->host_aliases.n; i++) {
        cJSON *x = cJSON_CreateObject();
        cJSON_AddStringToObject(x, "Ip", s->host_aliases.items[i].key);
        cJSON *hn = cJSON_AddArrayToObject(x, "Hostnames");
        const char *p = s->host_aliases.items[i].val;
        while (*p) {
            size_t n = strcspn(p, " ");
            if (n) {
                char buf[260];
                snprintf(buf, sizeof buf, "%.*s", (int)n, p);
                cJSON_AddItemToArray(hn, cJSON_CreateString(buf));
            }
            p += n;
            while (*p == ' ')
                p++;
        }
        cJSON_AddItemToArray(ha, x);
    }
    cJSON_AddItemToObject(o, "Events", render_events(g));
    cJSON *vols = cJSON_AddArrayToObject(o, "Volumes");
    for (size_t i = 0; i < s->nvolumes; i++) {
        const emu_volume *v = &s->volumes[i];
        cJSON *x = cJSON_CreateObject();
        cJSON_AddStringToObject(x, "Name", v->name);
        cJSON_AddStringToObject(x, "Type", v->type);
        if (v->nfs_server) {
            cJSON_AddStringToObject(x, "NFSVolumeServer", v->nfs_server);
            cJSON_AddStringToObject(x, "NFSVolumePath", v->nfs_path);
            cJSON_AddBoolToObject(x, "NFSVolumeReadOnly", v->nfs_read_only);
        }
        if (v->disk_id || v->disk_fs_type) {
            cJSON_AddStringToObject(x, "DiskVolumeDiskId", v->disk_id ? v->disk_id : "");
            cJSON_AddStringToObject(x, "DiskVolumeFsType", v->disk_fs_type ? v->disk_fs_type : "");
        }
        if (v->flex_driver) {
            cJSON_AddStringToObject(x, "FlexVolumeDriver", v->flex_driver);
            cJSON_AddStringToObject(x, "FlexVolumeFsType", v->flex_fs_type ? v->flex_fs_type : "");
            cJSON_AddStringToObject(x, "FlexVolumeOptions", v->flex_options ? v->flex_options : "");
        }
        if (v->medium)
            cJSON_AddStringToObject(x, "EmptyDirVolumeMedium", v->medium);
        if (v->size_limit)
            cJSON_AddStringToObject(x, "EmptyDirVolumeSizeLimit", v->size_limit);
        if (full && v->disk_size)
            cJSON_AddNumberToObject(x, "DiskVolumeDiskSize", (double)v->disk_size);
        if (full && v->host_path) {
            cJSON_AddStringToObject(x, "HostPathVolumePath", v->host_path);
            cJSON_AddStringToObject(x, "HostPathVolumeType", v->host_path_type ? v->host_path_type : "");
        }
        if (full && strcmp(v->type, "ConfigFileVolume") == 0) {
            char m[16];
            snprintf(m, sizeof m, "%04lo", v->default_mode);
            cJSON_AddStringToObject(x, "ConfigFileVolumeDefaultMode", m);
        }
        if (strcmp(v->type, "ConfigFileVolume") == 0) {
            cJSON *fs = cJSON_AddArrayToObject(x, "ConfigFileVolumeConfigFileToPaths");
            for (size_t j = 0; j < v->nfiles; j++) {
                cJSON *f = cJSON_CreateObject();
                cJSON_AddStringToObject(f, "Path", v->files[j].path);
                /* content as sent: Base64 */
                char *enc = b64_encode(v->files[j].content, v->files[j].len);
                cJSON_AddStringToObject(f, "Content", enc);
                free(enc);
                if (full) {
                    char m[16];
                    snprintf(m, sizeof m, "%04lo", v->files[j].mode);
                    cJSON_AddStringToObject(f, "Mode", m);
                }
                cJSON_AddItemToArray(fs, f);
            }
        }
        cJSON_AddItemToArray(vols, x);
    }
    cJSON *cs = cJSON_AddArrayToObject(o, "Containers");
    for (size_t i = 0; i < s->ncontainers; i++)
        cJSON_AddItemToArray(cs, render_container(g, &s->containers[i], 0, full));
    cJSON *is = cJSON_AddArrayToObject(o, "InitContainers");
    for (size_t i = 0; i < s->ninits; i++)
        cJSON_AddItemToArray(is, render_container(g, &s->inits[i], 1, full));
    if (full)
        render_admin(o, s);
    return o;
}

cJSON *emu_render_group(const emu_group *g) { return render_group(g, 0); }

cJSON *emu_render_group_full(const emu_group *g) { return render_group(g, 1); }

const char *emu_phase_of(const char *status)
{
    if (strcmp(status, "Running") == 0 || strcmp(status, "Restarting") == 0 || strcmp(status, "Updating") == 0 ||
        strcmp(status, "Terminating") == 0)
        return "Running";
    if (strcmp(status, "Succeeded") == 0)
        return "Succeeded";
    if (strcmp(status, "Failed") == 0 || strcmp(status, "Expired") == 0)
        return "Failed";
    return "Pending";
}

static void add_condition(cJSON *a, const char *type, int ok, time_t t, const char *reason)
{
    cJSON *c = cJSON_CreateObject();
    cJSON_AddStringToObject(c, "type", type);
    cJSON_AddStringToObject(c, "status", ok ? "True" : "False");
    add_time(c, "lastTransitionTime", t);
    cJSON_AddStringToObject(c, "Reason", ok ? "" : reason);
    cJSON_AddStringToObject(c, "Message", "");
    cJSON_AddItemToArray(a, c);
}

static cJSON *k8s_state(const emu_rt_state *s, int last)
{
    cJSON *o = cJSON_CreateObject();
    char ts[32];
    if (s->kind == EMU_CS_RUNNING) {
        cJSON *r = cJSON_AddObjectToObject(o, "Running");
        emu_fmt_time(s->start_time, ts, sizeof ts);
        cJSON_AddStringToObject(r, "StartedAtstartedAt", ts);
        cJSON_AddStringToObject(r, "StartedAt", ts);
    } else if (s->kind == EMU_CS_TERMINATED) {
        cJSON *t = cJSON_AddObjectToObject(o, "Terminated");
        cJSON_AddStringToObject(t, "ContainerID", "");
        cJSON_AddNumberToObject(t, "ExitCode", s->exit_code);
        cJSON_AddNumberToObject(t, "Signal", s->signal);
        cJSON_AddStringToObject(t, "Reason", s->reason);
        cJSON_AddStringToObject(t, "Message", s->message);
        add_time(t, "StartedAt", s->start_time);
        add_time(t, "FinishedAt", s->finish_time);
    } else if (!last || s->reason[0]) {
        cJSON *w = cJSON_AddObjectToObject(o, "Waiting");
        cJSON_AddStringToObject(w, "Reason", s->reason);
        cJSON_AddStringToObject(w, "Message", s->message);
    }
    return o;
}

static void image_id(const char *image, char *out, size_t len)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_Digest(image, strlen(image), md, &n, EVP_sha256(), NULL);
    char hex[65];
    for (unsigned i = 0; i < 32 && i < n; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    size_t base = strcspn(image, "@");
    const char *colon = NULL;
    for (size_t i = 0; i < base; i++)
        if (image[i] == ':')
            colon = image + i;
        else if (image[i] == '/')
            colon = NULL;
    size_t keep = colon ? (size_t)(colon - image) : base;
    snprintf(out, len, "%.*s@sha256:%s", (int)keep, image, hex);
}

static const char *namespace_of(const emu_group *g)
{
    for (size_t i = 0; i < g->spec->tags.n; i++) {
        const char *k = g->spec->tags.items[i].key;
        size_t n = strlen(k);
        if (n >= 9 && strcmp(k + n - 9, "namespace") == 0 && g->spec->tags.items[i].val[0])
            return g->spec->tags.items[i].val;
    }
    return "default";
}

cJSON *emu_render_status(const emu_group *g)
{
    const emu_spec *s = g->spec;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "ContainerGroupId", g->id);
    cJSON_AddStringToObject(o, "Name", s->name);
    cJSON_AddStringToObject(o, "Namespace", namespace_of(g));
    cJSON_AddStringToObject(o, "Status", g->status);
    cJSON_AddStringToObject(o, "uuid", g->uuid);
    cJSON_AddStringToObject(o, "Annotations", "{}");
    cJSON *ps = cJSON_AddObjectToObject(o, "PodStatus");
    const char *phase = emu_phase_of(g->status);
    cJSON_AddStringToObject(ps, "Phase", phase);
    int scheduled = strcmp(g->status, "Scheduling") != 0 && strcmp(g->status, "ScheduleFailed") != 0;
    cJSON_AddStringToObject(ps, "HostIp", scheduled ? "192.168.0.1" : "");
    cJSON_AddStringToObject(ps, "PodIp", scheduled ? g->ip : "");
    cJSON *ips = cJSON_AddArrayToObject(ps, "PodIps");
    if (scheduled) {
        cJSON *ip = cJSON_CreateObject();
        cJSON_AddStringToObject(ip, "Ip", g->ip);
        cJSON_AddItemToArray(ips, ip);
    }
    cJSON_AddStringToObject(ps, "QosClass", "Guaranteed");
    add_time(ps, "StartTime", g->started ? g->started : (scheduled ? g->created : 0));
    /* readiness of the regular containers */
    int all_ready = s->ncontainers > 0, inits_done = 1;
    cJSON *css = cJSON_CreateArray();
    for (size_t i = 0; i < s->ninits; i++) {
        emu_rt_container_status cs;
        container_status(g, s->inits[i].name, 1, &cs);
        if (!(cs.current.kind == EMU_CS_TERMINATED && cs.current.exit_code == 0))
            inits_done = 0;
    }
    for (size_t i = 0; i < s->ncontainers; i++) {
        emu_rt_container_status cs;
        container_status(g, s->containers[i].name, 0, &cs);
        if (!cs.ready)
            all_ready = 0;
        cJSON *c = cJSON_CreateObject();
        cJSON_AddStringToObject(c, "Name", cs.name);
        cJSON_AddStringToObject(c, "Image", s->containers[i].image);
        char iid[700];
        image_id(s->containers[i].image, iid, sizeof iid);
        cJSON_AddStringToObject(c, "ImageID", iid);
        cJSON_AddBoolToObject(c, "Ready", cs.ready);
        cJSON_AddBoolToObject(c, "Started", cs.current.kind == EMU_CS_RUNNING);
        cJSON_AddNumberToObject(c, "RestartCount", cs.restart_count);
        cJSON_AddItemToObject(c, "State", k8s_state(&cs.current, 0));
        cJSON_AddItemToObject(c, "LastState", k8s_state(&cs.previous, 1));
        cJSON_AddItemToArray(css, c);
    }
    time_t t = (time_t)g->changed_at;
    cJSON *conds = cJSON_AddArrayToObject(ps, "Conditions");
    add_condition(conds, "PodScheduled", scheduled, g->created, "Unschedulable");
    add_condition(conds, "Initialized", scheduled && inits_done, t, "ContainersNotInitialized");
    add_condition(conds, "ContainersReady", scheduled && all_ready, t, "ContainersNotReady");
    add_condition(conds, "Ready", scheduled && all_ready, t, "ContainersNotReady");
    cJSON_AddItemToObject(ps, "ContainerStatuses", css);
    return o;
}
