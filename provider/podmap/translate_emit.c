/* Parameter tree (wire names) -> typed ECI requests of eci/types.h. */
#include "provider/podmap/translate_int.h"

#include <stdio.h>
#include <string.h>

#include "util/xmalloc.h"

static char *s_dup(const cJSON *o, const char *k)
{
    const char *s = podmap_tr_str(o, k);
    return s ? xstrdup(s) : NULL;
}

static eci_opt_int o_int(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    eci_opt_int r = {0, 0};
    if (cJSON_IsNumber(v))
        r = ECI_INT(v->valuedouble);
    return r;
}

static eci_opt_float o_float(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    eci_opt_float r = {0, 0};
    if (cJSON_IsNumber(v))
        r = ECI_FLOAT(v->valuedouble);
    return r;
}

static eci_opt_bool o_bool(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    eci_opt_bool r = {0, 0};
    if (cJSON_IsBool(v))
        r = ECI_BOOL(cJSON_IsTrue(v));
    return r;
}

static void strv(const cJSON *arr, eci_strv *out)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, arr) if (cJSON_IsString(it)) eci_strv_add(out, it->valuestring);
}

static void name_values(const cJSON *arr, eci_name_value **v, size_t *n)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, arr)
    {
        eci_name_value *x = ECI_APPEND(*v, *n);
        x->name = s_dup(it, "Name");
        x->value = s_dup(it, "Value");
    }
}

static void probe(const cJSON *p, eci_probe *out)
{
    if (!p)
        return;
    strv(podmap_tr_arr(podmap_tr_obj(p, "Exec"), "Command"), &out->exec);
    const cJSON *h = podmap_tr_obj(p, "HttpGet");
    out->http_path = s_dup(h, "Path");
    out->http_port = o_int(h, "Port");
    out->http_scheme = s_dup(h, "Scheme");
    out->tcp_port = o_int(podmap_tr_obj(p, "TcpSocket"), "Port");
    out->initial_delay_seconds = o_int(p, "InitialDelaySeconds");
    out->period_seconds = o_int(p, "PeriodSeconds");
    out->timeout_seconds = o_int(p, "TimeoutSeconds");
    out->success_threshold = o_int(p, "SuccessThreshold");
    out->failure_threshold = o_int(p, "FailureThreshold");
}

static void hook(const cJSON *c, const char *prefix, eci_lifecycle_handler *h)
{
    char k[96];
#define HK(s) (snprintf(k, sizeof k, "%s%s", prefix, s), k)
    strv(podmap_tr_arr(c, HK("Exec")), &h->exec);
    h->http_host = s_dup(c, HK("HttpGetHost"));
    h->http_path = s_dup(c, HK("HttpGetPath"));
    h->http_port = o_int(c, HK("HttpGetPort"));
    h->http_scheme = s_dup(c, HK("HttpGetScheme"));
    const cJSON *it;
    cJSON_ArrayForEach(it, podmap_tr_arr(c, HK("HttpGetHttpHeader")))
    {
        eci_http_header *x = ECI_APPEND(h->http_headers, h->n_http_headers);
        x->name = s_dup(it, "Name");
        x->value = s_dup(it, "Value");
    }
    h->tcp_host = s_dup(c, HK("TcpSocketHost"));
    h->tcp_port = o_int(c, HK("TcpSocketPort"));
#undef HK
}

static void container(const cJSON *c, eci_container *o)
{
    o->name = s_dup(c, "Name");
    o->image = s_dup(c, "Image");
    o->cpu = o_float(c, "Cpu");
    o->memory = o_float(c, "Memory");
    o->gpu = o_int(c, "Gpu");
    o->image_pull_policy = s_dup(c, "ImagePullPolicy");
    o->working_dir = s_dup(c, "WorkingDir");
    strv(podmap_tr_arr(c, "Command"), &o->command);
    strv(podmap_tr_arr(c, "Arg"), &o->args);
    o->tty = o_bool(c, "Tty");
    o->stdin_open = o_bool(c, "Stdin");
    o->stdin_once = o_bool(c, "StdinOnce");
    const cJSON *it;
    cJSON_ArrayForEach(it, podmap_tr_arr(c, "EnvironmentVar"))
    {
        eci_env_var *e = ECI_APPEND(o->env, o->n_env);
        e->key = s_dup(it, "Key");
        e->value = s_dup(it, "Value");
        e->field_path = s_dup(podmap_tr_obj(it, "FieldRef"), "FieldPath");
    }
    o->environment_var_hide = o_bool(c, "EnvironmentVarHide");
    cJSON_ArrayForEach(it, podmap_tr_arr(c, "Port"))
    {
        eci_port *p = ECI_APPEND(o->ports, o->n_ports);
        p->port = o_int(it, "Port");
        p->protocol = s_dup(it, "Protocol");
    }
    cJSON_ArrayForEach(it, podmap_tr_arr(c, "VolumeMount"))
    {
        eci_volume_mount *m = ECI_APPEND(o->volume_mounts, o->n_volume_mounts);
        m->name = s_dup(it, "Name");
        m->mount_path = s_dup(it, "MountPath");
        m->sub_path = s_dup(it, "SubPath");
        m->mount_propagation = s_dup(it, "MountPropagation");
        m->read_only = o_bool(it, "ReadOnly");
    }
    probe(podmap_tr_obj(c, "ReadinessProbe"), &o->readiness_probe);
    probe(podmap_tr_obj(c, "LivenessProbe"), &o->liveness_probe);
    const cJSON *sc = podmap_tr_obj(c, "SecurityContext");
    strv(podmap_tr_arr(podmap_tr_obj(sc, "Capability"), "Add"), &o->security_context.capability_add);
    o->security_context.read_only_root_filesystem = o_bool(sc, "ReadOnlyRootFilesystem");
    o->security_context.run_as_user = o_int(sc, "RunAsUser");
    o->security_context.run_as_group = o_int(c, "SecurityContextRunAsGroup");
    o->security_context.run_as_non_root = o_bool(c, "SecurityContextRunAsNonRoot");
    o->security_context.privileged = o_bool(c, "SecurityContextPrivileged");
    hook(c, "LifecyclePostStartHandler", &o->post_start);
    hook(c, "LifecyclePreStopHandler", &o->pre_stop);
    o->termination_message_path = s_dup(c, "TerminationMessagePath");
    o->termination_message_policy = s_dup(c, "TerminationMessagePolicy");
}

static void containers(const cJSON *arr, eci_container **v, size_t *n)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, arr) container(it, ECI_APPEND(*v, *n));
}

static void credentials(const cJSON *arr, eci_registry_credential **v, size_t *n)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, arr)
    {
        eci_registry_credential *x = ECI_APPEND(*v, *n);
        x->server = s_dup(it, "Server");
        x->user_name = s_dup(it, "UserName");
        x->password = s_dup(it, "Password");
    }
}

void podmap_build_create(const cJSON *p, eci_create_cg_req *r)
{
    memset(r, 0, sizeof *r);
    r->region_id = s_dup(p, "RegionId");
    r->container_group_name = s_dup(p, "ContainerGroupName");
    r->client_token = s_dup(p, "ClientToken");
    r->security_group_id = s_dup(p, "SecurityGroupId");
    r->vswitch_id = s_dup(p, "VSwitchId");
    r->restart_policy = s_dup(p, "RestartPolicy");
    r->cpu = o_float(p, "Cpu");
    r->memory = o_float(p, "Memory");
    r->instance_type = s_dup(p, "InstanceType");
    r->eip_instance_id = s_dup(p, "EipInstanceId");
    r->auto_create_eip = o_bool(p, "AutoCreateEip");
    r->resource_group_id = s_dup(p, "ResourceGroupId");
    r->dns_policy = s_dup(p, "DnsPolicy");
    r->image_snapshot_id = s_dup(p, "ImageSnapshotId");
    r->auto_match_image_cache = o_bool(p, "AutoMatchImageCache");
    r->ram_role_name = s_dup(p, "RamRoleName");
    r->termination_grace_period_seconds = o_int(p, "TerminationGracePeriodSeconds");
    r->active_deadline_seconds = o_int(p, "ActiveDeadlineSeconds");
    r->spot_strategy = s_dup(p, "SpotStrategy");
    r->spot_price_limit = o_float(p, "SpotPriceLimit");
    r->core_pattern = s_dup(p, "CorePattern");
    r->host_name = s_dup(p, "HostName");
    r->ephemeral_storage = o_int(p, "EphemeralStorage");
    r->share_process_namespace = o_bool(p, "ShareProcessNamespace");
    r->schedule_strategy = s_dup(p, "ScheduleStrategy");
    strv(podmap_tr_arr(p, "ComputeCategory"), &r->compute_category);
    r->gpu_driver_version = s_dup(p, "GpuDriverVersion");
    r->cpu_options_core = o_int(p, "CpuOptionsCore");
    r->cpu_options_threads_per_core = o_int(p, "CpuOptionsThreadsPerCore");
    r->cpu_architecture = s_dup(p, "CpuArchitecture");
    r->max_pending_minute = o_int(p, "MaxPendingMinute");
    r->spot_duration = o_int(p, "SpotDuration");
    r->plain_http_registry = s_dup(p, "PlainHttpRegistry");
    r->insecure_registry = s_dup(p, "InsecureRegistry");
    r->data_cache_bucket = s_dup(p, "DataCacheBucket");
    r->data_cache_pl = s_dup(p, "DataCachePL");
    r->data_cache_provisioned_iops = o_int(p, "DataCacheProvisionedIops");
    r->data_cache_bursting_enabled = o_bool(p, "DataCacheBurstingEnabled");
    r->eip_bandwidth = o_int(p, "EipBandwidth");
    r->eip_common_bandwidth_package = s_dup(p, "EipCommonBandwidthPackage");
    r->eip_isp = s_dup(p, "EipISP");
    r->ipv6_address_count = o_int(p, "Ipv6AddressCount");
    r->ipv6_gateway_bandwidth_enable = o_bool(p, "Ipv6GatewayBandwidthEnable");
    r->ipv6_gateway_bandwidth = s_dup(p, "Ipv6GatewayBandwidth");
    r->private_ip_address = s_dup(p, "PrivateIpAddress");
    r->fixed_ip = s_dup(p, "FixedIp");
    r->fixed_ip_retain_hour = o_int(p, "FixedIpRetainHour");
    r->ingress_bandwidth = o_int(p, "IngressBandwidth");
    r->egress_bandwidth = o_int(p, "EgressBandwidth");
    r->sls_enable = o_bool(p, "SlsEnable");
    const cJSON *it;
    cJSON_ArrayForEach(it, podmap_tr_arr(p, "AcrRegistryInfo"))
    {
        eci_acr_registry_info *a = ECI_APPEND(r->acr_registry_infos, r->n_acr_registry_infos);
        a->instance_id = s_dup(it, "InstanceId");
        a->region_id = s_dup(it, "RegionId");
        a->arn_service = s_dup(it, "ArnService");
        a->arn_user = s_dup(it, "ArnUser");
    }
    cJSON_ArrayForEach(it, podmap_tr_arr(p, "Tag"))
    {
        eci_tag *t = ECI_APPEND(r->tags, r->n_tags);
        t->key = s_dup(it, "Key");
        t->value = s_dup(it, "Value");
    }
    credentials(podmap_tr_arr(p, "ImageRegistryCredential"), &r->registry_credentials,
                &r->n_registry_credentials);
    containers(podmap_tr_arr(p, "Container"), &r->containers, &r->n_containers);
    containers(podmap_tr_arr(p, "InitContainer"), &r->init_containers, &r->n_init_containers);
    cJSON_ArrayForEach(it, podmap_tr_arr(p, "Volume"))
    {
        eci_volume *v = ECI_APPEND(r->volumes, r->n_volumes);
        v->name = s_dup(it, "Name");
        v->type = s_dup(it, "Type");
        const cJSON *ed = podmap_tr_obj(it, "EmptyDirVolume");
        v->empty_dir_medium = s_dup(ed, "Medium");
        v->empty_dir_size_limit = s_dup(ed, "SizeLimit");
        const cJSON *nfs = podmap_tr_obj(it, "NFSVolume");
        v->nfs_server = s_dup(nfs, "Server");
        v->nfs_path = s_dup(nfs, "Path");
        v->nfs_read_only = o_bool(nfs, "ReadOnly");
        const cJSON *cf = podmap_tr_obj(it, "ConfigFileVolume");
        v->config_file_default_mode = o_int(cf, "DefaultMode");
        const cJSON *f;
        cJSON_ArrayForEach(f, podmap_tr_arr(cf, "ConfigFileToPath"))
        {
            eci_config_file *x = ECI_APPEND(v->config_files, v->n_config_files);
            x->path = s_dup(f, "Path");
            x->content = s_dup(f, "Content");
            x->mode = o_int(f, "Mode");
        }
    }
    const cJSON *dns = podmap_tr_obj(p, "DnsConfig");
    strv(podmap_tr_arr(dns, "NameServer"), &r->dns_nameservers);
    strv(podmap_tr_arr(dns, "Search"), &r->dns_searches);
    name_values(podmap_tr_arr(dns, "Option"), &r->dns_options, &r->n_dns_options);
    cJSON_ArrayForEach(it, podmap_tr_arr(p, "HostAliase"))
    {
        eci_host_alias *h = ECI_APPEND(r->host_aliases, r->n_host_aliases);
        h->ip = s_dup(it, "Ip");
        strv(podmap_tr_arr(it, "Hostname"), &h->hostnames);
    }
    name_values(podmap_tr_arr(podmap_tr_obj(p, "SecurityContext"), "Sysctl"), &r->sysctls, &r->n_sysctls);
    name_values(podmap_tr_arr(podmap_tr_obj(p, "HostSecurityContext"), "Sysctl"), &r->host_sysctls,
                &r->n_host_sysctls);
    strv(podmap_tr_arr(p, "NtpServer"), &r->ntp_servers);
}

void podmap_build_update(const cJSON *p, eci_update_cg_req *r)
{
    memset(r, 0, sizeof *r);
    r->region_id = s_dup(p, "RegionId");
    r->container_group_id = s_dup(p, "ContainerGroupId");
    r->client_token = s_dup(p, "ClientToken");
    r->resource_group_id = s_dup(p, "ResourceGroupId");
    containers(podmap_tr_arr(p, "Container"), &r->containers, &r->n_containers);
    containers(podmap_tr_arr(p, "InitContainer"), &r->init_containers, &r->n_init_containers);
    credentials(podmap_tr_arr(p, "ImageRegistryCredential"), &r->registry_credentials,
                &r->n_registry_credentials);
    r->cpu = o_float(p, "Cpu");
    r->memory = o_float(p, "Memory");
}
