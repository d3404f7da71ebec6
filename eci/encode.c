/* Typed requests -> flattened wire parameters (see eci/codec.h). */
#include "eci/codec.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/dynbuf.h"
#include "util/xmalloc.h"

/* Wire names are short and bounded; a truncated key would only be sent wrong,
 * never overflow. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wformat-truncation"
#endif

#define KEYLEN 256

/* ---- primitives ---------------------------------------------------------- */
static void put_s(kv_list *o, const char *key, const char *s)
{
    if (s)
        kv_add(o, key, s);
}

static void put_i(kv_list *o, const char *key, eci_opt_int v)
{
    if (v.set)
        kv_addf(o, key, "%lld", (long long)v.v);
}

static void fmt_float(char *buf, size_t len, double v)
{
    snprintf(buf, len, "%.10g", v);
    if (!strpbrk(buf, ".eEnN"))
        strncat(buf, ".0", len - strlen(buf) - 1);
}

static void put_f(kv_list *o, const char *key, eci_opt_float v)
{
    if (v.set) {
        char b[64];
        fmt_float(b, sizeof b, v.v);
        kv_add(o, key, b);
    }
}

static void put_b(kv_list *o, const char *key, eci_opt_bool v)
{
    if (v.set)
        kv_add(o, key, v.v ? "true" : "false");
}

/* key = prefix + suffix */
static const char *k2(char *buf, const char *prefix, const char *suffix)
{
    snprintf(buf, KEYLEN, "%s%s", prefix, suffix);
    return buf;
}

static void put_strv(kv_list *o, const char *prefix, const eci_strv *sv)
{
    char k[KEYLEN];
    for (size_t i = 0; i < sv->n; i++) {
        snprintf(k, sizeof k, "%s.%zu", prefix, i + 1);
        kv_add(o, k, sv->v[i]);
    }
}

static const char *region_or(const char *r, const char *def)
{
    return r && *r ? r : def;
}

static int need_region(const char *region, kv_list *o, eci_error *err)
{
    if (!region || !*region)
        return eci_error_set(err, ECI_E_INVALID_ARG, "RegionId is required");
    kv_add(o, "RegionId", region);
    return 0;
}

static int need(const char *v, const char *name, eci_error *err)
{
    if (!v || !*v)
        return eci_error_set(err, ECI_E_INVALID_ARG, "%s is required", name);
    return 0;
}

static int check_token(const char *t, eci_error *err)
{
    if (!t)
        return 0;
    size_t n = strlen(t);
    if (n == 0 || n > ECI_MAX_CLIENT_TOKEN)
        return eci_error_set(err, ECI_E_INVALID_ARG, "ClientToken must be 1..%d characters",
                             ECI_MAX_CLIENT_TOKEN);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)t[i] < 0x20 || (unsigned char)t[i] > 0x7e)
            return eci_error_set(err, ECI_E_INVALID_ARG, "ClientToken must be printable ASCII");
    return 0;
}

static int put_tags(kv_list *o, const char *prefix, const eci_tag *tags, size_t n, eci_error *err)
{
    char k[KEYLEN];
    if (n > ECI_MAX_TAGS)
        return eci_error_set(err, ECI_E_INVALID_ARG, "at most %d tags (got %zu)", ECI_MAX_TAGS, n);
    for (size_t i = 0; i < n; i++) {
        if (!tags[i].key || !*tags[i].key)
            return eci_error_set(err, ECI_E_INVALID_ARG, "%s.%zu.Key is empty", prefix, i + 1);
        snprintf(k, sizeof k, "%s.%zu.Key", prefix, i + 1);
        kv_add(o, k, tags[i].key);
        if (tags[i].value) {
            snprintf(k, sizeof k, "%s.%zu.Value", prefix, i + 1);
            kv_add(o, k, tags[i].value);
        }
    }
    return 0;
}

char *eci_json_string_array(const eci_strv *ids)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; i < ids->n; i++)
        cJSON_AddItemToArray(a, cJSON_CreateString(ids->v[i]));
    char *s = cJSON_PrintUnformatted(a);
    cJSON_Delete(a);
    if (!s)
        abort(); /* cJSON only fails on OOM */
    char *r = xstrdup(s);
    cJSON_free(s);
    return r;
}

static int put_ids(kv_list *o, const eci_strv *ids, eci_error *err)
{
    if (!ids->n)
        return 0;
    if (ids->n > ECI_MAX_IDS_PER_QUERY)
        return eci_error_set(err, ECI_E_INVALID_ARG, "ContainerGroupIds: at most %d ids (got %zu)",
                             ECI_MAX_IDS_PER_QUERY, ids->n);
    char *s = eci_json_string_array(ids);
    kv_add(o, "ContainerGroupIds", s);
    free(s);
    return 0;
}

static void put_creds(kv_list *o, const eci_registry_credential *c, size_t n)
{
    char k[KEYLEN];
    for (size_t i = 0; i < n; i++) {
        snprintf(k, sizeof k, "ImageRegistryCredential.%zu.Server", i + 1);
        put_s(o, k, c[i].server);
        snprintf(k, sizeof k, "ImageRegistryCredential.%zu.UserName", i + 1);
        put_s(o, k, c[i].user_name);
        snprintf(k, sizeof k, "ImageRegistryCredential.%zu.Password", i + 1);
        put_s(o, k, c[i].password);
    }
}

/* ---- containers ---------------------------------------------------------- */
static void put_probe(kv_list *o, const char *p, const eci_probe *pr)
{
    char k[KEYLEN];
    if (!eci_probe_is_set(pr))
        return;
    put_strv(o, k2(k, p, ".Exec.Command"), &pr->exec);
    put_s(o, k2(k, p, ".HttpGet.Path"), pr->http_path);
    put_i(o, k2(k, p, ".HttpGet.Port"), pr->http_port);
    put_s(o, k2(k, p, ".HttpGet.Scheme"), pr->http_scheme);
    put_i(o, k2(k, p, ".TcpSocket.Port"), pr->tcp_port);
    put_i(o, k2(k, p, ".InitialDelaySeconds"), pr->initial_delay_seconds);
    put_i(o, k2(k, p, ".PeriodSeconds"), pr->period_seconds);
    put_i(o, k2(k, p, ".TimeoutSeconds"), pr->timeout_seconds);
    put_i(o, k2(k, p, ".SuccessThreshold"), pr->success_threshold);
    put_i(o, k2(k, p, ".FailureThreshold"), pr->failure_threshold);
}

/* hdr: the headers' list name; UpdateContainerGroup's post-start hook spells
 * it HttpGetHttpHeaders (as the SDK's update model does). */
static void put_hook(kv_list *o, const char *p, const eci_lifecycle_handler *h, const char *hdr)
{
    char k[KEYLEN];
    put_strv(o, k2(k, p, "Exec"), &h->exec);
    put_s(o, k2(k, p, "HttpGetHost"), h->http_host);
    put_s(o, k2(k, p, "HttpGetPath"), h->http_path);
    put_i(o, k2(k, p, "HttpGetPort"), h->http_port);
    put_s(o, k2(k, p, "HttpGetScheme"), h->http_scheme);
    for (size_t i = 0; i < h->n_http_headers; i++) {
        snprintf(k, sizeof k, "%s%s.%zu.Name", p, hdr, i + 1);
        put_s(o, k, h->http_headers[i].name);
        snprintf(k, sizeof k, "%s%s.%zu.Value", p, hdr, i + 1);
        put_s(o, k, h->http_headers[i].value);
    }
    put_s(o, k2(k, p, "TcpSocketHost"), h->tcp_host);
    put_i(o, k2(k, p, "TcpSocketPort"), h->tcp_port);
}

/* init: an init container (no probes, hooks, flat security context,
 * EnvironmentVarHide); require: CreateContainerGroup (Name and Image needed;
 * init containers there also have no Tty/Stdin/StdinOnce, which
 * UpdateContainerGroup does have). UpdateContainerGroup has no
 * EnvironmentVarHide, flat security context or termination message
 * parameters: those are set at creation only. */
static int put_container(kv_list *o, const char *p, const eci_container *c, int init, int require,
                         eci_error *err)
{
    char k[KEYLEN], q[KEYLEN];
    if (require) {
        if (!c->name || !*c->name)
            return eci_error_set(err, ECI_E_INVALID_ARG, "%s.Name is required", p);
        if (!c->image || !*c->image)
            return eci_error_set(err, ECI_E_INVALID_ARG, "%s.Image is required", p);
    }
    put_s(o, k2(k, p, ".Name"), c->name);
    put_s(o, k2(k, p, ".Image"), c->image);
    put_f(o, k2(k, p, ".Cpu"), c->cpu);
    put_f(o, k2(k, p, ".Memory"), c->memory);
    put_i(o, k2(k, p, ".Gpu"), c->gpu);
    put_s(o, k2(k, p, ".ImagePullPolicy"), c->image_pull_policy);
    put_s(o, k2(k, p, ".WorkingDir"), c->working_dir);
    put_strv(o, k2(k, p, ".Command"), &c->command);
    put_strv(o, k2(k, p, ".Arg"), &c->args);
    if (!(init && require)) {
        put_b(o, k2(k, p, ".Tty"), c->tty);
        put_b(o, k2(k, p, ".Stdin"), c->stdin_open);
        put_b(o, k2(k, p, ".StdinOnce"), c->stdin_once);
    }
    for (size_t i = 0; i < c->n_env; i++) {
        const eci_env_var *e = &c->env[i];
        if (!e->key || !*e->key)
            return eci_error_set(err, ECI_E_INVALID_ARG, "%s.EnvironmentVar.%zu.Key is empty", p, i + 1);
        snprintf(q, sizeof q, "%s.EnvironmentVar.%zu", p, i + 1);
        put_s(o, k2(k, q, ".Key"), e->key);
        put_s(o, k2(k, q, ".Value"), e->value);
        put_s(o, k2(k, q, ".FieldRef.FieldPath"), e->field_path);
    }
    if (!init && require)
        put_b(o, k2(k, p, ".EnvironmentVarHide"), c->environment_var_hide);
    for (size_t i = 0; i < c->n_ports; i++) {
        snprintf(q, sizeof q, "%s.Port.%zu", p, i + 1);
        if (c->ports[i].port.set && (c->ports[i].port.v < 1 || c->ports[i].port.v > 65535))
            return eci_error_set(err, ECI_E_INVALID_ARG, "%s.Port must be 1..65535", q);
        put_i(o, k2(k, q, ".Port"), c->ports[i].port);
        put_s(o, k2(k, q, ".Protocol"), c->ports[i].protocol);
    }
    for (size_t i = 0; i < c->n_volume_mounts; i++) {
        const eci_volume_mount *m = &c->volume_mounts[i];
        snprintf(q, sizeof q, "%s.VolumeMount.%zu", p, i + 1);
        put_s(o, k2(k, q, ".Name"), m->name);
        put_s(o, k2(k, q, ".MountPath"), m->mount_path);
        put_b(o, k2(k, q, ".ReadOnly"), m->read_only);
        put_s(o, k2(k, q, ".SubPath"), m->sub_path);
        put_s(o, k2(k, q, ".MountPropagation"), m->mount_propagation);
    }
    if (!init) {
        put_probe(o, k2(q, p, ".ReadinessProbe"), &c->readiness_probe);
        put_probe(o, k2(q, p, ".LivenessProbe"), &c->liveness_probe);
    }
    const eci_security_context *sc = &c->security_context;
    put_strv(o, k2(k, p, ".SecurityContext.Capability.Add"), &sc->capability_add);
    put_b(o, k2(k, p, ".SecurityContext.ReadOnlyRootFilesystem"), sc->read_only_root_filesystem);
    put_i(o, k2(k, p, ".SecurityContext.RunAsUser"), sc->run_as_user);
    if (!init && require) {
        put_i(o, k2(k, p, ".SecurityContextRunAsGroup"), sc->run_as_group);
        put_b(o, k2(k, p, ".SecurityContextRunAsNonRoot"), sc->run_as_non_root);
        put_b(o, k2(k, p, ".SecurityContextPrivileged"), sc->privileged);
    }
    if (!init) {
        put_hook(o, k2(q, p, ".LifecyclePostStartHandler"), &c->post_start,
                 require ? "HttpGetHttpHeader" : "HttpGetHttpHeaders");
        put_hook(o, k2(q, p, ".LifecyclePreStopHandler"), &c->pre_stop, "HttpGetHttpHeader");
    }
    if (require) {
        put_s(o, k2(k, p, ".TerminationMessagePath"), c->termination_message_path);
        put_s(o, k2(k, p, ".TerminationMessagePolicy"), c->termination_message_policy);
    }
    return 0;
}

static int put_containers(kv_list *o, const char *base, const eci_container *cs, size_t n, int init,
                          int require, eci_error *err)
{
    char p[KEYLEN];
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < i; j++)
            if (cs[i].name && cs[j].name && !strcmp(cs[i].name, cs[j].name))
                return eci_error_set(err, ECI_E_INVALID_ARG, "%s.%zu.Name duplicates %s.%zu.Name (%s)",
                                     base, i + 1, base, j + 1, cs[i].name);
        snprintf(p, sizeof p, "%s.%zu", base, i + 1);
        if (put_container(o, p, &cs[i], init, require, err))
            return -1;
    }
    return 0;
}

static int put_volume(kv_list *o, const char *p, const eci_volume *v, eci_error *err)
{
    char k[KEYLEN], q[KEYLEN];
    if (!v->name || !*v->name)
        return eci_error_set(err, ECI_E_INVALID_ARG, "%s.Name is required", p);
    if (!v->type || !*v->type)
        return eci_error_set(err, ECI_E_INVALID_ARG, "%s.Type is required", p);
    put_s(o, k2(k, p, ".Name"), v->name);
    put_s(o, k2(k, p, ".Type"), v->type);
    put_s(o, k2(k, p, ".EmptyDirVolume.Medium"), v->empty_dir_medium);
    put_s(o, k2(k, p, ".EmptyDirVolume.SizeLimit"), v->empty_dir_size_limit);
    put_s(o, k2(k, p, ".NFSVolume.Server"), v->nfs_server);
    put_s(o, k2(k, p, ".NFSVolume.Path"), v->nfs_path);
    put_b(o, k2(k, p, ".NFSVolume.ReadOnly"), v->nfs_read_only);
    put_i(o, k2(k, p, ".ConfigFileVolume.DefaultMode"), v->config_file_default_mode);
    for (size_t i = 0; i < v->n_config_files; i++) {
        snprintf(q, sizeof q, "%s.ConfigFileVolume.ConfigFileToPath.%zu", p, i + 1);
        if (!v->config_files[i].path || !*v->config_files[i].path)
            return eci_error_set(err, ECI_E_INVALID_ARG, "%s.Path is required", q);
        if (v->config_files[i].content && strlen(v->config_files[i].content) > 32 * 1024 * 4 / 3 + 4)
            return eci_error_set(err, ECI_E_INVALID_ARG, "%s.Content exceeds 32 KB", q);
        put_s(o, k2(k, q, ".Path"), v->config_files[i].path);
        put_s(o, k2(k, q, ".Content"), v->config_files[i].content);
        put_i(o, k2(k, q, ".Mode"), v->config_files[i].mode);
    }
    put_s(o, k2(k, p, ".DiskVolume.DiskId"), v->disk_id);
    put_i(o, k2(k, p, ".DiskVolume.DiskSize"), v->disk_size);
    put_s(o, k2(k, p, ".DiskVolume.FsType"), v->disk_fs_type);
    put_s(o, k2(k, p, ".FlexVolume.Driver"), v->flex_driver);
    put_s(o, k2(k, p, ".FlexVolume.FsType"), v->flex_fs_type);
    put_s(o, k2(k, p, ".FlexVolume.Options"), v->flex_options);
    put_s(o, k2(k, p, ".HostPathVolume.Path"), v->host_path);
    put_s(o, k2(k, p, ".HostPathVolume.Type"), v->host_path_type);
    return 0;
}

static void put_nv(kv_list *o, const char *base, const eci_name_value *nv, size_t n)
{
    char k[KEYLEN];
    for (size_t i = 0; i < n; i++) {
        snprintf(k, sizeof k, "%s.%zu.Name", base, i + 1);
        put_s(o, k, nv[i].name);
        snprintf(k, sizeof k, "%s.%zu.Value", base, i + 1);
        put_s(o, k, nv[i].value);
    }
}

/* ---- operations ---------------------------------------------------------- */
int eci_encode_create_cg(const eci_create_cg_req *r, const char *def, kv_list *o, eci_error *err)
{
    char k[KEYLEN];
    if (need_region(region_or(r->region_id, def), o, err) ||
        need(r->container_group_name, "ContainerGroupName", err) || check_token(r->client_token, err))
        return -1;
    if (!r->n_containers)
        return eci_error_set(err, ECI_E_INVALID_ARG, "at least one Container is required");
    put_s(o, "ZoneId", r->zone_id);
    put_s(o, "ContainerGroupName", r->container_group_name);
    put_s(o, "SecurityGroupId", r->security_group_id);
    put_s(o, "VSwitchId", r->vswitch_id);
    put_s(o, "RestartPolicy", r->restart_policy);
    put_f(o, "Cpu", r->cpu);
    put_f(o, "Memory", r->memory);
    put_s(o, "InstanceType", r->instance_type);
    put_s(o, "EipInstanceId", r->eip_instance_id);
    put_b(o, "AutoCreateEip", r->auto_create_eip);
    put_i(o, "EipBandwidth", r->eip_bandwidth);
    put_s(o, "EipISP", r->eip_isp);
    put_s(o, "EipCommonBandwidthPackage", r->eip_common_bandwidth_package);
    put_s(o, "ResourceGroupId", r->resource_group_id);
    put_s(o, "DnsPolicy", r->dns_policy);
    put_s(o, "ClientToken", r->client_token);
    put_b(o, "SlsEnable", r->sls_enable);
    put_s(o, "ImageSnapshotId", r->image_snapshot_id);
    put_b(o, "AutoMatchImageCache", r->auto_match_image_cache);
    put_s(o, "RamRoleName", r->ram_role_name);
    put_i(o, "TerminationGracePeriodSeconds", r->termination_grace_period_seconds);
    put_i(o, "ActiveDeadlineSeconds", r->active_deadline_seconds);
    put_i(o, "Ipv6AddressCount", r->ipv6_address_count);
    put_s(o, "SpotStrategy", r->spot_strategy);
    if (r->spot_strategy && !strcmp(r->spot_strategy, "SpotWithPriceLimit") && !r->spot_price_limit.set)
        return eci_error_set(err, ECI_E_INVALID_ARG, "SpotPriceLimit is required with SpotWithPriceLimit");
    put_f(o, "SpotPriceLimit", r->spot_price_limit);
    if (r->spot_duration.set && (r->spot_duration.v < 0 || r->spot_duration.v > 6))
        return eci_error_set(err, ECI_E_INVALID_ARG, "SpotDuration must be 0..6");
    put_i(o, "SpotDuration", r->spot_duration);
    if (r->core_pattern && r->core_pattern[0] == '|')
        return eci_error_set(err, ECI_E_INVALID_ARG, "CorePattern must not start with '|'");
    put_s(o, "CorePattern", r->core_pattern);
    put_s(o, "HostName", r->host_name);
    put_i(o, "IngressBandwidth", r->ingress_bandwidth);
    put_i(o, "EgressBandwidth", r->egress_bandwidth);
    put_i(o, "CpuOptionsCore", r->cpu_options_core);
    put_i(o, "CpuOptionsThreadsPerCore", r->cpu_options_threads_per_core);
    put_s(o, "CpuOptionsNuma", r->cpu_options_numa);
    put_i(o, "EphemeralStorage", r->ephemeral_storage);
    put_b(o, "ShareProcessNamespace", r->share_process_namespace);
    put_s(o, "ScheduleStrategy", r->schedule_strategy);
    put_b(o, "DryRun", r->dry_run);
    put_i(o, "MaxPendingMinute", r->max_pending_minute);
    put_b(o, "ContainerResourceView", r->container_resource_view);
    put_s(o, "PrivateIpAddress", r->private_ip_address);
    put_s(o, "FixedIp", r->fixed_ip);
    put_i(o, "FixedIpRetainHour", r->fixed_ip_retain_hour);
    put_s(o, "OsType", r->os_type);
    put_s(o, "CpuArchitecture", r->cpu_architecture);
    put_strv(o, "ComputeCategory", &r->compute_category);
    put_s(o, "ImageAccelerateMode", r->image_accelerate_mode);
    put_s(o, "InsecureRegistry", r->insecure_registry);
    put_s(o, "PlainHttpRegistry", r->plain_http_registry);
    put_s(o, "GpuDriverVersion", r->gpu_driver_version);
    put_b(o, "StrictSpot", r->strict_spot);
    put_b(o, "Ipv6GatewayBandwidthEnable", r->ipv6_gateway_bandwidth_enable);
    put_s(o, "Ipv6GatewayBandwidth", r->ipv6_gateway_bandwidth);
    put_s(o, "DataCacheBucket", r->data_cache_bucket);
    put_s(o, "DataCachePL", r->data_cache_pl);
    put_i(o, "DataCacheProvisionedIops", r->data_cache_provisioned_iops);
    put_b(o, "DataCacheBurstingEnabled", r->data_cache_bursting_enabled);

    if (put_tags(o, "Tag", r->tags, r->n_tags, err))
        return -1;
    if (r->n_registry_credentials > 10)
        return eci_error_set(err, ECI_E_INVALID_ARG, "at most 10 ImageRegistryCredential (got %zu)",
                             r->n_registry_credentials);
    put_creds(o, r->registry_credentials, r->n_registry_credentials);
    for (size_t i = 0; i < r->n_acr_registry_infos; i++) {
        const eci_acr_registry_info *a = &r->acr_registry_infos[i];
        char p[KEYLEN];
        snprintf(p, sizeof p, "AcrRegistryInfo.%zu", i + 1);
        put_s(o, k2(k, p, ".InstanceId"), a->instance_id);
        put_s(o, k2(k, p, ".InstanceName"), a->instance_name);
        put_s(o, k2(k, p, ".RegionId"), a->region_id);
        put_strv(o, k2(k, p, ".Domain"), &a->domains);
        put_s(o, k2(k, p, ".ArnService"), a->arn_service);
        put_s(o, k2(k, p, ".ArnUser"), a->arn_user);
    }
    if (put_containers(o, "Container", r->containers, r->n_containers, 0, 1, err) ||
        put_containers(o, "InitContainer", r->init_containers, r->n_init_containers, 1, 1, err))
        return -1;
    if (r->n_volumes > 20)
        return eci_error_set(err, ECI_E_INVALID_ARG, "at most 20 volumes (got %zu)", r->n_volumes);
    for (size_t i = 0; i < r->n_volumes; i++) {
        char p[KEYLEN];
        for (size_t j = 0; j < i; j++)
            if (r->volumes[i].name && r->volumes[j].name && !strcmp(r->volumes[i].name, r->volumes[j].name))
                return eci_error_set(err, ECI_E_INVALID_ARG, "Volume.%zu.Name duplicates Volume.%zu.Name (%s)",
                                     i + 1, j + 1, r->volumes[i].name);
        snprintf(p, sizeof p, "Volume.%zu", i + 1);
        if (put_volume(o, p, &r->volumes[i], err))
            return -1;
    }
    put_strv(o, "DnsConfig.NameServer", &r->dns_nameservers);
    put_strv(o, "DnsConfig.Search", &r->dns_searches);
    put_nv(o, "DnsConfig.Option", r->dns_options, r->n_dns_options);
    for (size_t i = 0; i < r->n_host_aliases; i++) {
        char p[KEYLEN];
        snprintf(p, sizeof p, "HostAliase.%zu", i + 1);
        put_s(o, k2(k, p, ".Ip"), r->host_aliases[i].ip);
        put_strv(o, k2(k, p, ".Hostname"), &r->host_aliases[i].hostnames);
    }
    put_nv(o, "SecurityContext.Sysctl", r->sysctls, r->n_sysctls);
    put_nv(o, "HostSecurityContext.Sysctl", r->host_sysctls, r->n_host_sysctls);
    put_strv(o, "NtpServer", &r->ntp_servers);
    for (size_t i = 0; i < r->extra.n; i++)
        kv_set(o, r->extra.items[i].key, r->extra.items[i].val);
    return 0;
}

int eci_encode_update_cg(const eci_update_cg_req *r, const char *def, kv_list *o, eci_error *err)
{
    if (need_region(region_or(r->region_id, def), o, err) ||
        need(r->container_group_id, "ContainerGroupId", err) || check_token(r->client_token, err))
        return -1;
    put_s(o, "ContainerGroupId", r->container_group_id);
    put_s(o, "ClientToken", r->client_token);
    put_s(o, "ResourceGroupId", r->resource_group_id);
    put_f(o, "Cpu", r->cpu);
    put_f(o, "Memory", r->memory);
    if (put_containers(o, "Container", r->containers, r->n_containers, 0, 0, err) ||
        put_containers(o, "InitContainer", r->init_containers, r->n_init_containers, 1, 0, err))
        return -1;
    put_creds(o, r->registry_credentials, r->n_registry_credentials);
    for (size_t i = 0; i < r->extra.n; i++)
        kv_set(o, r->extra.items[i].key, r->extra.items[i].val);
    return 0;
}

int eci_encode_cg_id(const eci_cg_id_req *r, const char *def, kv_list *o, eci_error *err)
{
    if (need_region(region_or(r->region_id, def), o, err) ||
        need(r->container_group_id, "ContainerGroupId", err) || check_token(r->client_token, err))
        return -1;
    put_s(o, "ContainerGroupId", r->container_group_id);
    put_s(o, "ClientToken", r->client_token);
    return 0;
}

int eci_encode_describe_cgs(const eci_describe_cgs_req *r, const char *def, kv_list *o, eci_error *err)
{
    if (need_region(region_or(r->region_id, def), o, err))
        return -1;
    put_s(o, "ZoneId", r->zone_id);
    put_s(o, "VSwitchId", r->vswitch_id);
    if (r->next_token && *r->next_token)
        put_s(o, "NextToken", r->next_token);
    if (r->limit.set && (r->limit.v < 1 || r->limit.v > ECI_MAX_DESCRIBE_LIMIT))
        return eci_error_set(err, ECI_E_INVALID_ARG, "Limit must be 1..%d", ECI_MAX_DESCRIBE_LIMIT);
    put_i(o, "Limit", r->limit);
    if (put_tags(o, "Tag", r->tags, r->n_tags, err) || put_ids(o, &r->container_group_ids, err))
        return -1;
    put_s(o, "ContainerGroupName", r->container_group_name);
    put_s(o, "Status", r->status);
    put_s(o, "ResourceGroupId", r->resource_group_id);
    return 0;
}

int eci_encode_describe_status(const eci_describe_status_req *r, const char *def, kv_list *o, eci_error *err)
{
    if (need_region(region_or(r->region_id, def), o, err))
        return -1;
    put_s(o, "ZoneId", r->zone_id);
    put_s(o, "VSwitchId", r->vswitch_id);
    put_s(o, "ResourceGroupId", r->resource_group_id);
    if (put_ids(o, &r->container_group_ids, err))
        return -1;
    if (r->since_second.set && r->since_second.v < 0)
        return eci_error_set(err, ECI_E_INVALID_ARG, "SinceSecond must not be negative");
    put_i(o, "SinceSecond", r->since_second);
    if (put_tags(o, "Tag", r->tags, r->n_tags, err))
        return -1;
    if (r->next_token && *r->next_token)
        put_s(o, "NextToken", r->next_token);
    if (r->limit.set && r->limit.v < 1)
        return eci_error_set(err, ECI_E_INVALID_ARG, "Limit must be positive");
    put_i(o, "Limit", r->limit);
    return 0;
}

int eci_encode_describe_events(const eci_describe_events_req *r, const char *def, kv_list *o, eci_error *err)
{
    if (need_region(region_or(r->region_id, def), o, err))
        return -1;
    put_s(o, "ZoneId", r->zone_id);
    put_s(o, "VSwitchId", r->vswitch_id);
    put_s(o, "ResourceGroupId", r->resource_group_id);
    if (put_ids(o, &r->container_group_ids, err) || put_tags(o, "Tag", r->tags, r->n_tags, err))
        return -1;
    if (r->event_source && *r->event_source && strcmp(r->event_source, "EciService") &&
        strcmp(r->event_source, "K8sAgent"))
        return eci_error_set(err, ECI_E_INVALID_ARG, "EventSource must be EciService or K8sAgent");
    if (r->event_source && *r->event_source)
        put_s(o, "EventSource", r->event_source);
    if (r->since_second.set && r->since_second.v < 0)
        return eci_error_set(err, ECI_E_INVALID_ARG, "SinceSecond must not be negative");
    put_i(o, "SinceSecond", r->since_second);
    if (r->next_token && *r->next_token)
        put_s(o, "NextToken", r->next_token);
    if (r->limit.set && r->limit.v < 1)
        return eci_error_set(err, ECI_E_INVALID_ARG, "Limit must be positive");
    put_i(o, "Limit", r->limit);
    return 0;
}

int eci_encode_exec(const eci_exec_req *r, const char *def, kv_list *o, eci_error *err)
{
    if (need_region(region_or(r->region_id, def), o, err) ||
        need(r->container_group_id, "ContainerGroupId", err) ||
        need(r->container_name, "ContainerName", err))
        return -1;
    if (!r->command.n)
        return eci_error_set(err, ECI_E_INVALID_ARG, "Command is required");
    if (r->command.n > ECI_MAX_EXEC_ITEMS)
        return eci_error_set(err, ECI_E_INVALID_ARG, "Command: at most %d items (got %zu)",
                             ECI_MAX_EXEC_ITEMS, r->command.n);
    for (size_t i = 0; i < r->command.n; i++)
        if (strlen(r->command.v[i]) > ECI_MAX_EXEC_ITEM_LEN)
            return eci_error_set(err, ECI_E_INVALID_ARG, "Command item %zu exceeds %d characters", i + 1,
                                 ECI_MAX_EXEC_ITEM_LEN);
    if (r->sync.set && r->sync.v && r->tty.set && r->tty.v)
        return eci_error_set(err, ECI_E_INVALID_ARG, "Sync requires TTY=false");
    put_s(o, "ContainerGroupId", r->container_group_id);
    put_s(o, "ContainerName", r->container_name);
    char *cmd = eci_json_string_array(&r->command);
    kv_add(o, "Command", cmd);
    free(cmd);
    put_b(o, "TTY", r->tty);
    put_b(o, "Stdin", r->stdin_open);
    put_b(o, "Sync", r->sync);
    return 0;
}

int eci_encode_log(const eci_log_req *r, const char *def, kv_list *o, eci_error *err)
{
    if (need_region(region_or(r->region_id, def), o, err) ||
        need(r->container_group_id, "ContainerGroupId", err) ||
        need(r->container_name, "ContainerName", err))
        return -1;
    if (r->tail.set && (r->tail.v < 0 || r->tail.v > ECI_MAX_LOG_TAIL))
        return eci_error_set(err, ECI_E_INVALID_ARG, "Tail must be 0..%d", ECI_MAX_LOG_TAIL);
    if (r->limit_bytes.set && (r->limit_bytes.v < 1 || r->limit_bytes.v > ECI_MAX_LOG_LIMIT_BYTES))
        return eci_error_set(err, ECI_E_INVALID_ARG, "LimitBytes must be 1..%d", ECI_MAX_LOG_LIMIT_BYTES);
    if (r->since_seconds.set && r->since_seconds.v < 0)
        return eci_error_set(err, ECI_E_INVALID_ARG, "SinceSeconds must not be negative");
    put_s(o, "ContainerGroupId", r->container_group_id);
    put_s(o, "ContainerName", r->container_name);
    put_s(o, "StartTime", r->start_time);
    put_i(o, "Tail", r->tail);
    put_b(o, "LastTime", r->last_time);
    put_i(o, "SinceSeconds", r->since_seconds);
    put_i(o, "LimitBytes", r->limit_bytes);
    put_b(o, "Timestamps", r->timestamps);
    return 0;
}

int eci_encode_region_only(const char *region_id, kv_list *o, eci_error *err)
{
    (void)err;
    if (region_id && *region_id)
        kv_add(o, "RegionId", region_id);
    return 0;
}

int eci_encode_create_image_cache(const eci_create_image_cache_req *r, const char *def, kv_list *o,
                                  eci_error *err)
{
    if (need_region(region_or(r->region_id, def), o, err) ||
        need(r->image_cache_name, "ImageCacheName", err) ||
        need(r->security_group_id, "SecurityGroupId", err) || need(r->vswitch_id, "VSwitchId", err) ||
        check_token(r->client_token, err))
        return -1;
    if (!r->images.n)
        return eci_error_set(err, ECI_E_INVALID_ARG, "Image.N: at least one image is required");
    put_s(o, "ImageCacheName", r->image_cache_name);
    put_strv(o, "Image", &r->images);
    put_s(o, "SecurityGroupId", r->security_group_id);
    put_s(o, "VSwitchId", r->vswitch_id);
    put_s(o, "ZoneId", r->zone_id);
    put_creds(o, r->registry_credentials, r->n_registry_credentials);
    put_s(o, "EipInstanceId", r->eip_instance_id);
    put_i(o, "ImageCacheSize", r->image_cache_size);
    put_i(o, "RetentionDays", r->retention_days);
    put_s(o, "ResourceGroupId", r->resource_group_id);
    put_s(o, "ClientToken", r->client_token);
    put_b(o, "AutoMatchImageCache", r->auto_match_image_cache);
    put_b(o, "Flash", r->flash);
    return put_tags(o, "Tag", r->tags, r->n_tags, err);
}

int eci_encode_describe_image_caches(const eci_describe_image_caches_req *r, const char *def, kv_list *o,
                                     eci_error *err)
{
    if (need_region(region_or(r->region_id, def), o, err))
        return -1;
    put_s(o, "ImageCacheId", r->image_cache_id);
    put_s(o, "ImageCacheName", r->image_cache_name);
    put_s(o, "SnapshotId", r->snapshot_id);
    put_s(o, "Image", r->image);
    put_s(o, "ResourceGroupId", r->resource_group_id);
    return put_tags(o, "Tag", r->tags, r->n_tags, err);
}

int eci_encode_delete_image_cache(const eci_delete_image_cache_req *r, const char *def, kv_list *o,
                                  eci_error *err)
{
    if (need_region(region_or(r->region_id, def), o, err) ||
        need(r->image_cache_id, "ImageCacheId", err) || check_token(r->client_token, err))
        return -1;
    put_s(o, "ImageCacheId", r->image_cache_id);
    put_s(o, "ClientToken", r->client_token);
    return 0;
}

int eci_encode_metric(const eci_metric_req *r, const char *def, kv_list *o, eci_error *err)
{
    if (need_region(region_or(r->region_id, def), o, err) ||
        need(r->container_group_id, "ContainerGroupId", err))
        return -1;
    if (r->period && strcmp(r->period, "15") && strcmp(r->period, "30") && strcmp(r->period, "60") &&
        strcmp(r->period, "600"))
        return eci_error_set(err, ECI_E_INVALID_ARG, "Period must be 15, 30, 60 or 600");
    put_s(o, "ContainerGroupId", r->container_group_id);
    put_s(o, "StartTime", r->start_time);
    put_s(o, "EndTime", r->end_time);
    put_s(o, "Period", r->period);
    return 0;
}

int eci_encode_multi_metric(const eci_multi_metric_req *r, const char *def, kv_list *o, eci_error *err)
{
    if (need_region(region_or(r->region_id, def), o, err))
        return -1;
    if (!r->container_group_ids.n)
        return eci_error_set(err, ECI_E_INVALID_ARG, "ContainerGroupIds is required");
    if (put_ids(o, &r->container_group_ids, err))
        return -1;
    put_s(o, "ResourceGroupId", r->resource_group_id);
    put_s(o, "MetricType", r->metric_type);
    return 0;
}

int eci_encode_price(const eci_price_req *r, const char *def, kv_list *o, eci_error *err)
{
    if (need_region(region_or(r->region_id, def), o, err))
        return -1;
    if (!r->cpu.set || !r->memory.set)
        return eci_error_set(err, ECI_E_INVALID_ARG, "Cpu and Memory are required");
    if (r->spot_strategy && !strcmp(r->spot_strategy, "SpotWithPriceLimit") && !r->spot_price_limit.set)
        return eci_error_set(err, ECI_E_INVALID_ARG, "SpotPriceLimit is required with SpotWithPriceLimit");
    put_f(o, "Cpu", r->cpu);
    put_f(o, "Memory", r->memory);
    put_s(o, "InstanceType", r->instance_type);
    put_s(o, "SpotStrategy", r->spot_strategy);
    put_s(o, "ZoneId", r->zone_id);
    put_f(o, "SpotPriceLimit", r->spot_price_limit);
    put_i(o, "EphemeralStorage", r->ephemeral_storage);
    return 0;
}
