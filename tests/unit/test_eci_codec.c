/* eci/encode.c and eci/decode.c: flattened request names, every sample
 * response of the spec, string-typed values, wrong types, error bodies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eci/codec.h"
#include "util/xmalloc.h"

static char *slurp(const char *name)
{
    char path[512];
    const char *repo = getenv("ECI_REPO");
    snprintf(path, sizeof path, "%s/tests/unit/data/eci/%s", repo ? repo : ".", name);
    FILE *f = fopen(path, "rb");
    if (!f) {
        fail_msg("cannot open %s", path);
        return NULL;
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = xmalloc((size_t)n + 1);
    assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
    b[n] = 0;
    fclose(f);
    return b;
}

static cJSON *load(const char *name)
{
    char *s = slurp(name);
    cJSON *j = cJSON_Parse(s);
    free(s);
    assert_non_null(j);
    return j;
}

static void expect(const kv_list *l, const char *k, const char *v)
{
    const char *got = kv_get(l, k);
    if (!got)
        fail_msg("missing parameter %s", k);
    if (strcmp(got, v))
        fail_msg("%s: got '%s', want '%s'", k, got, v);
}

static void build_full_create(eci_create_cg_req *r)
{
    memset(r, 0, sizeof *r);
    r->container_group_name = xstrdup("web");
    r->security_group_id = xstrdup("sg-1");
    r->vswitch_id = xstrdup("vsw-a,vsw-b");
    r->restart_policy = xstrdup("OnFailure");
    r->cpu = ECI_FLOAT(2);
    r->memory = ECI_FLOAT(4.5);
    r->client_token = xstrdup("uid-1234");
    r->auto_match_image_cache = ECI_BOOL(0);
    r->termination_grace_period_seconds = ECI_INT(30);
    r->spot_strategy = xstrdup("SpotWithPriceLimit");
    r->spot_price_limit = ECI_FLOAT(0.025);
    r->spot_duration = ECI_INT(1);
    r->core_pattern = xstrdup("/core");
    r->ephemeral_storage = ECI_INT(20);
    r->share_process_namespace = ECI_BOOL(1);
    r->dns_policy = xstrdup("None");
    eci_tag *t = ECI_APPEND(r->tags, r->n_tags);
    t->key = xstrdup("eci-kubelet/pod-uid");
    t->value = xstrdup("uid-1234");
    eci_registry_credential *rc = ECI_APPEND(r->registry_credentials, r->n_registry_credentials);
    rc->server = xstrdup("registry.example.com");
    rc->user_name = xstrdup("u");
    rc->password = xstrdup("p4ss");

    eci_container *c = ECI_APPEND(r->containers, r->n_containers);
    c->name = xstrdup("app");
    c->image = xstrdup("nginx:1");
    c->cpu = ECI_FLOAT(0.25);
    c->memory = ECI_FLOAT(0.5);
    eci_strv_add(&c->command, "/bin/sh");
    eci_strv_add(&c->command, "-c");
    eci_strv_add(&c->args, "echo hi");
    eci_env_var *e = ECI_APPEND(c->env, c->n_env);
    e->key = xstrdup("A");
    e->value = xstrdup("1");
    e = ECI_APPEND(c->env, c->n_env);
    e->key = xstrdup("POD_IP");
    e->field_path = xstrdup("status.podIP");
    eci_port *p = ECI_APPEND(c->ports, c->n_ports);
    p->port = ECI_INT(80);
    p->protocol = xstrdup("TCP");
    eci_volume_mount *m = ECI_APPEND(c->volume_mounts, c->n_volume_mounts);
    m->name = xstrdup("data");
    m->mount_path = xstrdup("/data");
    m->sub_path = xstrdup("sub");
    m->mount_propagation = xstrdup("HostToCotainer");
    m->read_only = ECI_BOOL(1);
    c->readiness_probe.http_path = xstrdup("/healthz");
    c->readiness_probe.http_port = ECI_INT(8080);
    c->readiness_probe.http_scheme = xstrdup("HTTP");
    c->readiness_probe.period_seconds = ECI_INT(5);
    eci_strv_add(&c->liveness_probe.exec, "cat");
    eci_strv_add(&c->liveness_probe.exec, "/tmp/ok");
    c->liveness_probe.failure_threshold = ECI_INT(3);
    c->security_context.run_as_user = ECI_INT(0);
    eci_strv_add(&c->security_context.capability_add, "NET_ADMIN");
    c->security_context.read_only_root_filesystem = ECI_BOOL(1);
    c->security_context.run_as_group = ECI_INT(3000);
    eci_strv_add(&c->post_start.exec, "/bin/true");
    c->pre_stop.http_path = xstrdup("/stop");
    c->pre_stop.http_port = ECI_INT(88);
    eci_http_header *h = ECI_APPEND(c->pre_stop.http_headers, c->pre_stop.n_http_headers);
    h->name = xstrdup("X-A");
    h->value = xstrdup("b");
    c->tty = ECI_BOOL(0);

    c = ECI_APPEND(r->containers, r->n_containers);
    c->name = xstrdup("side");
    c->image = xstrdup("busybox");
    c->liveness_probe.tcp_port = ECI_INT(9000);

    eci_container *ic = ECI_APPEND(r->init_containers, r->n_init_containers);
    ic->name = xstrdup("init");
    ic->image = xstrdup("busybox");
    eci_strv_add(&ic->command, "true");
    ic->readiness_probe.tcp_port = ECI_INT(1); /* not sent for init containers */
    ic->tty = ECI_BOOL(1);                     /* nor Tty in CreateContainerGroup */
    eci_strv_add(&ic->post_start.exec, "x");   /* nor hooks */

    eci_volume *v = ECI_APPEND(r->volumes, r->n_volumes);
    v->name = xstrdup("data");
    v->type = xstrdup("EmptyDirVolume");
    v->empty_dir_medium = xstrdup("Memory");
    v->empty_dir_size_limit = xstrdup("256Mi");
    v = ECI_APPEND(r->volumes, r->n_volumes);
    v->name = xstrdup("cfg");
    v->type = xstrdup("ConfigFileVolume");
    v->config_file_default_mode = ECI_INT(420);
    eci_config_file *cf = ECI_APPEND(v->config_files, v->n_config_files);
    cf->path = xstrdup("a/b");
    cf->content = xstrdup("aGk=");
    cf->mode = ECI_INT(384);
    v = ECI_APPEND(r->volumes, r->n_volumes);
    v->name = xstrdup("nfs");
    v->type = xstrdup("NFSVolume");
    v->nfs_server = xstrdup("nas");
    v->nfs_path = xstrdup("/share");
    v->nfs_read_only = ECI_BOOL(0);
    v = ECI_APPEND(r->volumes, r->n_volumes);
    v->name = xstrdup("disk");
    v->type = xstrdup("DiskVolume");
    v->disk_id = xstrdup("d-1");
    v->disk_size = ECI_INT(15);
    v->disk_fs_type = xstrdup("xfs");
    v = ECI_APPEND(r->volumes, r->n_volumes);
    v->name = xstrdup("flex");
    v->type = xstrdup("FlexVolume");
    v->flex_driver = xstrdup("flexvolume");
    v->flex_options = xstrdup("{\"volumeId\":\"d-2\"}");
    v = ECI_APPEND(r->volumes, r->n_volumes);
    v->name = xstrdup("hp");
    v->type = xstrdup("HostPathVolume");
    v->host_path = xstrdup("/var/log");
    v->host_path_type = xstrdup("Directory");

    eci_strv_add(&r->dns_nameservers, "10.0.0.10");
    eci_strv_add(&r->dns_searches, "svc.cluster.local");
    eci_name_value *o = ECI_APPEND(r->dns_options, r->n_dns_options);
    o->name = xstrdup("ndots");
    o->value = xstrdup("5");
    eci_host_alias *ha = ECI_APPEND(r->host_aliases, r->n_host_aliases);
    ha->ip = xstrdup("1.1.1.1");
    eci_strv_add(&ha->hostnames, "a.com");
    eci_strv_add(&ha->hostnames, "b.com");
    o = ECI_APPEND(r->sysctls, r->n_sysctls);
    o->name = xstrdup("net.ipv4.ping_group_range");
    o->value = xstrdup("0 2147483647");
    eci_strv_add(&r->ntp_servers, "ntp.cloud.aliyuncs.com");
    kv_add(&r->extra, "MaxPendingMinute", "60");
}

static void test_encode_full_create(void **state)
{
    (void)state;
    eci_create_cg_req r;
    build_full_create(&r);
    kv_list o = KV_LIST_INIT;
    eci_error err;
    eci_error_clear(&err);
    assert_int_equal(eci_encode_create_cg(&r, "cn-hangzhou", &o, &err), 0);
    expect(&o, "RegionId", "cn-hangzhou");
    expect(&o, "ContainerGroupName", "web");
    expect(&o, "VSwitchId", "vsw-a,vsw-b");
    expect(&o, "Cpu", "2.0");
    expect(&o, "Memory", "4.5");
    expect(&o, "ClientToken", "uid-1234");
    expect(&o, "AutoMatchImageCache", "false");
    expect(&o, "TerminationGracePeriodSeconds", "30");
    expect(&o, "SpotPriceLimit", "0.025");
    expect(&o, "ShareProcessNamespace", "true");
    expect(&o, "Tag.1.Key", "eci-kubelet/pod-uid");
    expect(&o, "Tag.1.Value", "uid-1234");
    expect(&o, "ImageRegistryCredential.1.Server", "registry.example.com");
    expect(&o, "ImageRegistryCredential.1.Password", "p4ss");
    expect(&o, "Container.1.Name", "app");
    expect(&o, "Container.1.Image", "nginx:1");
    expect(&o, "Container.1.Cpu", "0.25");
    expect(&o, "Container.1.Command.1", "/bin/sh");
    expect(&o, "Container.1.Command.2", "-c");
    expect(&o, "Container.1.Arg.1", "echo hi");
    expect(&o, "Container.1.EnvironmentVar.1.Key", "A");
    expect(&o, "Container.1.EnvironmentVar.1.Value", "1");
    expect(&o, "Container.1.EnvironmentVar.2.Key", "POD_IP");
    expect(&o, "Container.1.EnvironmentVar.2.FieldRef.FieldPath", "status.podIP");
    assert_null(kv_get(&o, "Container.1.EnvironmentVar.2.Value"));
    expect(&o, "Container.1.Port.1.Port", "80");
    expect(&o, "Container.1.Port.1.Protocol", "TCP");
    expect(&o, "Container.1.VolumeMount.1.Name", "data");
    expect(&o, "Container.1.VolumeMount.1.MountPath", "/data");
    expect(&o, "Container.1.VolumeMount.1.SubPath", "sub");
    expect(&o, "Container.1.VolumeMount.1.MountPropagation", "HostToCotainer");
    expect(&o, "Container.1.VolumeMount.1.ReadOnly", "true");
    expect(&o, "Container.1.ReadinessProbe.HttpGet.Path", "/healthz");
    expect(&o, "Container.1.ReadinessProbe.HttpGet.Port", "8080");
    expect(&o, "Container.1.ReadinessProbe.HttpGet.Scheme", "HTTP");
    expect(&o, "Container.1.ReadinessProbe.PeriodSeconds", "5");
    expect(&o, "Container.1.LivenessProbe.Exec.Command.1", "cat");
    expect(&o, "Container.1.LivenessProbe.Exec.Command.2", "/tmp/ok");
    expect(&o, "Container.1.LivenessProbe.FailureThreshold", "3");
    expect(&o, "Container.1.SecurityContext.RunAsUser", "0");
    expect(&o, "Container.1.SecurityContext.Capability.Add.1", "NET_ADMIN");
    expect(&o, "Container.1.SecurityContext.ReadOnlyRootFilesystem", "true");
    expect(&o, "Container.1.SecurityContextRunAsGroup", "3000");
    expect(&o, "Container.1.LifecyclePostStartHandlerExec.1", "/bin/true");
    expect(&o, "Container.1.LifecyclePreStopHandlerHttpGetPath", "/stop");
    expect(&o, "Container.1.LifecyclePreStopHandlerHttpGetPort", "88");
    expect(&o, "Container.1.LifecyclePreStopHandlerHttpGetHttpHeader.1.Name", "X-A");
    expect(&o, "Container.1.LifecyclePreStopHandlerHttpGetHttpHeader.1.Value", "b");
    expect(&o, "Container.1.Tty", "false");
    expect(&o, "Container.2.Name", "side");
    expect(&o, "Container.2.LivenessProbe.TcpSocket.Port", "9000");
    assert_null(kv_get(&o, "Container.2.ReadinessProbe.PeriodSeconds"));
    expect(&o, "InitContainer.1.Name", "init");
    expect(&o, "InitContainer.1.Command.1", "true");
    assert_null(kv_get(&o, "InitContainer.1.ReadinessProbe.TcpSocket.Port"));
    assert_null(kv_get(&o, "InitContainer.1.Tty"));
    assert_null(kv_get(&o, "InitContainer.1.LifecyclePostStartHandlerExec.1"));
    expect(&o, "Volume.1.Name", "data");
    expect(&o, "Volume.1.Type", "EmptyDirVolume");
    expect(&o, "Volume.1.EmptyDirVolume.Medium", "Memory");
    expect(&o, "Volume.1.EmptyDirVolume.SizeLimit", "256Mi");
    expect(&o, "Volume.2.ConfigFileVolume.DefaultMode", "420");
    expect(&o, "Volume.2.ConfigFileVolume.ConfigFileToPath.1.Path", "a/b");
    expect(&o, "Volume.2.ConfigFileVolume.ConfigFileToPath.1.Content", "aGk=");
    expect(&o, "Volume.2.ConfigFileVolume.ConfigFileToPath.1.Mode", "384");
    expect(&o, "Volume.3.NFSVolume.Server", "nas");
    expect(&o, "Volume.3.NFSVolume.Path", "/share");
    expect(&o, "Volume.3.NFSVolume.ReadOnly", "false");
    expect(&o, "Volume.4.DiskVolume.DiskId", "d-1");
    expect(&o, "Volume.4.DiskVolume.DiskSize", "15");
    expect(&o, "Volume.4.DiskVolume.FsType", "xfs");
    expect(&o, "Volume.5.FlexVolume.Driver", "flexvolume");
    expect(&o, "Volume.5.FlexVolume.Options", "{\"volumeId\":\"d-2\"}");
    expect(&o, "Volume.6.HostPathVolume.Path", "/var/log");
    expect(&o, "Volume.6.HostPathVolume.Type", "Directory");
    expect(&o, "DnsPolicy", "None");
    expect(&o, "DnsConfig.NameServer.1", "10.0.0.10");
    expect(&o, "DnsConfig.Search.1", "svc.cluster.local");
    expect(&o, "DnsConfig.Option.1.Name", "ndots");
    expect(&o, "DnsConfig.Option.1.Value", "5");
    expect(&o, "HostAliase.1.Ip", "1.1.1.1");
    expect(&o, "HostAliase.1.Hostname.2", "b.com");
    expect(&o, "SecurityContext.Sysctl.1.Name", "net.ipv4.ping_group_range");
    expect(&o, "NtpServer.1", "ntp.cloud.aliyuncs.com");
    expect(&o, "MaxPendingMinute", "60");
    assert_null(kv_get(&o, "Action"));
    kv_free(&o);
    eci_create_cg_req_free(&r);
    eci_create_cg_req_free(&r); /* idempotent */
    eci_create_cg_req_free(NULL);
}

static void test_encode_invalid(void **state)
{
    (void)state;
    eci_error err;
    kv_list o = KV_LIST_INIT;
    eci_create_cg_req r;
    build_full_create(&r);
    free(r.containers[1].name);
    r.containers[1].name = xstrdup("app");
    eci_error_clear(&err);
    assert_int_equal(eci_encode_create_cg(&r, "cn-hangzhou", &o, &err), -1);
    assert_int_equal(err.code, ECI_E_INVALID_ARG);
    assert_non_null(strstr(err.detail, "Container.2.Name"));
    kv_free(&o);
    eci_create_cg_req_free(&r);

    build_full_create(&r);
    free(r.client_token);
    r.client_token = xstrdup("x123456789012345678901234567890123456789012345678901234567890123456");
    assert_int_equal(eci_encode_create_cg(&r, "cn-hangzhou", &o, &err), -1);
    assert_non_null(strstr(err.detail, "ClientToken"));
    kv_free(&o);
    assert_int_equal(eci_encode_create_cg(&r, NULL, &o, &err), -1); /* no region */
    kv_free(&o);
    eci_create_cg_req_free(&r);

    eci_describe_cgs_req dr = {0};
    for (int i = 0; i < 21; i++) {
        char id[32];
        snprintf(id, sizeof id, "eci-%d", i);
        eci_strv_add(&dr.container_group_ids, id);
    }
    assert_int_equal(eci_encode_describe_cgs(&dr, "r", &o, &err), -1);
    assert_non_null(strstr(err.detail, "ContainerGroupIds"));
    kv_free(&o);
    eci_describe_cgs_req_free(&dr);
    dr.limit = ECI_INT(21);
    assert_int_equal(eci_encode_describe_cgs(&dr, "r", &o, &err), -1);
    kv_free(&o);

    eci_exec_req x = {0};
    x.container_group_id = xstrdup("eci-1");
    x.container_name = xstrdup("c");
    eci_strv_add(&x.command, "sh");
    x.sync = ECI_BOOL(1);
    x.tty = ECI_BOOL(1);
    assert_int_equal(eci_encode_exec(&x, "r", &o, &err), -1);
    kv_free(&o);
    eci_exec_req_free(&x);

    eci_log_req lr = {0};
    lr.container_group_id = xstrdup("eci-1");
    lr.container_name = xstrdup("c");
    lr.limit_bytes = ECI_INT(0);
    assert_int_equal(eci_encode_log(&lr, "r", &o, &err), -1);
    kv_free(&o);
    lr.limit_bytes = ECI_INT(1048577);
    assert_int_equal(eci_encode_log(&lr, "r", &o, &err), -1);
    kv_free(&o);
    lr.limit_bytes.set = 0;
    lr.tail = ECI_INT(2001);
    assert_int_equal(eci_encode_log(&lr, "r", &o, &err), -1);
    kv_free(&o);
    eci_log_req_free(&lr);
}

static void test_encode_small_ops(void **state)
{
    (void)state;
    eci_error err;
    kv_list o = KV_LIST_INIT;
    eci_describe_cgs_req dr = {0};
    eci_strv_add(&dr.container_group_ids, "eci-a");
    eci_strv_add(&dr.container_group_ids, "eci-b");
    dr.limit = ECI_INT(20);
    dr.next_token = xstrdup("tok");
    eci_tag *t = ECI_APPEND(dr.tags, dr.n_tags);
    t->key = xstrdup("k");
    t->value = xstrdup("v");
    assert_int_equal(eci_encode_describe_cgs(&dr, "cn-beijing", &o, &err), 0);
    expect(&o, "RegionId", "cn-beijing");
    expect(&o, "ContainerGroupIds", "[\"eci-a\",\"eci-b\"]");
    expect(&o, "Limit", "20");
    expect(&o, "NextToken", "tok");
    expect(&o, "Tag.1.Key", "k");
    expect(&o, "Tag.1.Value", "v");
    kv_free(&o);
    eci_describe_cgs_req_free(&dr);

    eci_describe_status_req sr = {0};
    sr.since_second = ECI_INT(30);
    sr.limit = ECI_INT(200);
    eci_strv_add(&sr.container_group_ids, "eci-a");
    assert_int_equal(eci_encode_describe_status(&sr, "r1", &o, &err), 0);
    expect(&o, "SinceSecond", "30");
    expect(&o, "Limit", "200");
    expect(&o, "ContainerGroupIds", "[\"eci-a\"]");
    kv_free(&o);
    eci_describe_status_req_free(&sr);

    eci_describe_events_req er = {0};
    er.event_source = xstrdup("EciService");
    er.since_second = ECI_INT(60);
    assert_int_equal(eci_encode_describe_events(&er, "r1", &o, &err), 0);
    expect(&o, "EventSource", "EciService");
    expect(&o, "SinceSecond", "60");
    kv_free(&o);
    free(er.event_source);
    er.event_source = xstrdup("Bogus");
    assert_int_equal(eci_encode_describe_events(&er, "r1", &o, &err), -1);
    kv_free(&o);
    eci_describe_events_req_free(&er);

    eci_cg_id_req dl = {0};
    dl.container_group_id = xstrdup("eci-1");
    assert_int_equal(eci_encode_cg_id(&dl, "r1", &o, &err), 0);
    expect(&o, "ContainerGroupId", "eci-1");
    kv_free(&o);
    eci_cg_id_req_free(&dl);
    assert_int_equal(eci_encode_cg_id(&dl, "r1", &o, &err), -1);
    kv_free(&o);

    eci_exec_req x = {0};
    x.container_group_id = xstrdup("eci-1");
    x.container_name = xstrdup("c");
    eci_strv_add(&x.command, "/bin/sh");
    eci_strv_add(&x.command, "-c");
    eci_strv_add(&x.command, "echo \"hi\"");
    x.sync = ECI_BOOL(1);
    x.tty = ECI_BOOL(0);
    x.stdin_open = ECI_BOOL(0);
    assert_int_equal(eci_encode_exec(&x, "r1", &o, &err), 0);
    expect(&o, "Command", "[\"/bin/sh\",\"-c\",\"echo \\\"hi\\\"\"]");
    expect(&o, "Sync", "true");
    expect(&o, "TTY", "false");
    expect(&o, "Stdin", "false");
    expect(&o, "ContainerName", "c");
    kv_free(&o);
    eci_exec_req_free(&x);

    eci_log_req lr = {0};
    lr.container_group_id = xstrdup("eci-1");
    lr.container_name = xstrdup("c");
    lr.tail = ECI_INT(10);
    lr.last_time = ECI_BOOL(1);
    lr.since_seconds = ECI_INT(5);
    lr.limit_bytes = ECI_INT(1024);
    lr.timestamps = ECI_BOOL(1);
    lr.start_time = xstrdup("2024-01-01T00:00:00Z");
    assert_int_equal(eci_encode_log(&lr, "r1", &o, &err), 0);
    expect(&o, "Tail", "10");
    expect(&o, "LastTime", "true");
    expect(&o, "SinceSeconds", "5");
    expect(&o, "LimitBytes", "1024");
    expect(&o, "Timestamps", "true");
    expect(&o, "StartTime", "2024-01-01T00:00:00Z");
    kv_free(&o);
    eci_log_req_free(&lr);

    eci_create_image_cache_req ic = {0};
    ic.image_cache_name = xstrdup("c");
    ic.security_group_id = xstrdup("sg");
    ic.vswitch_id = xstrdup("vsw");
    eci_strv_add(&ic.images, "nginx");
    ic.flash = ECI_BOOL(1);
    assert_int_equal(eci_encode_create_image_cache(&ic, "r1", &o, &err), 0);
    expect(&o, "Image.1", "nginx");
    expect(&o, "Flash", "true");
    kv_free(&o);
    eci_create_image_cache_req_free(&ic);

    eci_update_cg_req ur = {0};
    ur.container_group_id = xstrdup("eci-9");
    ur.client_token = xstrdup("upd-1");
    eci_container *uc = ECI_APPEND(ur.containers, ur.n_containers);
    uc->name = xstrdup("app");
    uc->image = xstrdup("nginx:2");
    ur.cpu = ECI_FLOAT(2);
    ur.memory = ECI_FLOAT(4);
    uc->security_context.run_as_group = ECI_INT(3000);
    uc->environment_var_hide = ECI_BOOL(1);
    uc->termination_message_path = xstrdup("/tmp/msg");
    uc->post_start.http_port = ECI_INT(8080);
    eci_http_header *hh = ECI_APPEND(uc->post_start.http_headers, uc->post_start.n_http_headers);
    hh->name = xstrdup("X-A");
    hh->value = xstrdup("1");
    eci_container *ui = ECI_APPEND(ur.init_containers, ur.n_init_containers);
    ui->name = xstrdup("init");
    ui->tty = ECI_BOOL(1);
    eci_registry_credential *urc = ECI_APPEND(ur.registry_credentials, ur.n_registry_credentials);
    urc->server = xstrdup("r.example.com");
    assert_int_equal(eci_encode_update_cg(&ur, "r1", &o, &err), 0);
    expect(&o, "ContainerGroupId", "eci-9");
    expect(&o, "ClientToken", "upd-1");
    expect(&o, "Container.1.Image", "nginx:2");
    expect(&o, "InitContainer.1.Name", "init");
    expect(&o, "InitContainer.1.Tty", "true"); /* UpdateContainerGroup has it */
    expect(&o, "ImageRegistryCredential.1.Server", "r.example.com");
    expect(&o, "Cpu", "2.0");
    expect(&o, "Memory", "4.0");
    /* the update model's spellings; no creation-only parameters */
    expect(&o, "Container.1.LifecyclePostStartHandlerHttpGetHttpHeaders.1.Name", "X-A");
    assert_null(kv_get(&o, "Container.1.SecurityContextRunAsGroup"));
    assert_null(kv_get(&o, "Container.1.EnvironmentVarHide"));
    assert_null(kv_get(&o, "Container.1.TerminationMessagePath"));
    kv_free(&o);
    eci_update_cg_req_free(&ur);

    eci_price_req pr = {0};
    pr.cpu = ECI_FLOAT(2);
    pr.memory = ECI_FLOAT(4);
    assert_int_equal(eci_encode_price(&pr, "r1", &o, &err), 0);
    expect(&o, "Cpu", "2.0");
    kv_free(&o);

    eci_metric_req mr = {0};
    mr.container_group_id = xstrdup("eci-1");
    mr.period = xstrdup("45");
    assert_int_equal(eci_encode_metric(&mr, "r1", &o, &err), -1);
    kv_free(&o);
    eci_metric_req_free(&mr);
}

static void test_decode_describe_cgs_sample(void **state)
{
    (void)state;
    cJSON *j = load("describe_cgs.json");
    eci_describe_cgs_resp r;
    eci_error err;
    eci_error_clear(&err);
    assert_int_equal(eci_decode_describe_cgs(j, &r, &err), 0);
    assert_string_equal(r.request_id, "89945DD3-9072-47D0-A318-353284CFC7B3");
    assert_int_equal(r.total_count, 19); /* "19" as a string */
    assert_string_equal(r.next_token, "d78f2dd8-5979-42fe-****-b16db43be5bc");
    assert_int_equal(r.n_groups, 1);
    eci_container_group *g = &r.groups[0];
    assert_string_equal(g->container_group_id, "eci-bp1jrgfqqy54kg5hc****");
    assert_string_equal(g->status, "Running");
    assert_true(g->cpu == 2.0);
    assert_true(g->memory == 4.0);
    assert_int_equal(g->discount, 9);
    assert_int_equal(g->ephemeral_storage, 20);
    assert_string_equal(g->intranet_ip, "10.21.1.1");
    assert_int_equal(g->n_containers, 1);
    eci_container_info *c = &g->containers[0];
    assert_string_equal(c->name, "nginx");
    assert_true(c->ready);
    assert_false(c->tty);
    assert_true(c->stdin_open);
    assert_int_equal(c->gpu, 1);
    assert_int_equal(c->commands.n, 2); /* "[/bin/sh echo]" */
    assert_string_equal(c->commands.v[0], "/bin/sh");
    assert_string_equal(c->commands.v[1], "echo");
    assert_int_equal(c->args.n, 1);
    assert_string_equal(c->args.v[0], "hello");
    assert_string_equal(c->current_state.state, "Terminated");
    assert_string_equal(c->current_state.start_time, "2019-12-19T12:05:02Z");
    assert_int_equal(c->current_state.signal, 1);
    assert_string_equal(c->previous_state.reason, "Completed");
    assert_int_equal(c->n_env, 1);
    assert_string_equal(c->env[0].field_path, "status.podIP");
    assert_int_equal(c->ports[0].port, 8080);
    assert_false(c->volume_mounts[0].read_only);
    assert_true(c->readiness_probe.present);
    assert_int_equal(c->readiness_probe.execs.n, 3);
    assert_string_equal(c->readiness_probe.execs.v[2], "echo Hello world > /usr/share/message");
    assert_int_equal(c->readiness_probe.http_port, 8080);
    assert_string_equal(c->readiness_probe.tcp_host, "1.2.3.4");
    assert_int_equal(c->liveness_probe.timeout_seconds, 10);
    assert_int_equal(c->capability_adds.n, 1);
    assert_string_equal(c->capability_adds.v[0], "NET_ADMIN");
    assert_true(c->read_only_root_filesystem);
    assert_int_equal(c->run_as_user, 1000);
    assert_int_equal(g->n_init_containers, 1);
    assert_string_equal(g->init_containers[0].commands.v[0], "/bin/sh");
    assert_int_equal(g->init_containers[0].restart_count, 5);
    assert_string_equal(g->init_containers[0].args.v[0], "hello world");
    assert_string_equal(g->init_containers[0].capability_adds.v[0], "NET_ADMIN");
    assert_int_equal(g->n_host_aliases, 1);
    assert_int_equal(g->host_aliases[0].hostnames.n, 2);
    assert_string_equal(g->host_aliases[0].hostnames.v[1], "haha.com");
    assert_int_equal(g->n_volumes, 1);
    assert_string_equal(g->volumes[0].nfs_server, "0eafxxxxx-xxxxx.cn-hangzhou.nas.aliyuncs.com");
    assert_string_equal(g->volumes[0].config_files[0].content, "hello world");
    assert_int_equal(g->n_events, 1);
    assert_int_equal(g->events[0].count, 20);
    assert_string_equal(g->events[0].reason, "Created");
    assert_string_equal(g->tags[0].key, "name");
    assert_string_equal(g->dns_nameservers.v[0], "10.2.*.*");
    assert_string_equal(g->dns_options[0].name, "name");
    assert_string_equal(g->sysctls[0].value, "65536");
    eci_describe_cgs_resp_free(&r);
    cJSON_Delete(j);
}

static void test_decode_status_sample(void **state)
{
    (void)state;
    cJSON *j = load("describe_status.json");
    eci_describe_status_resp r;
    eci_error err;
    assert_int_equal(eci_decode_describe_status(j, &r, &err), 0);
    assert_int_equal(r.total_count, 1);
    assert_int_equal(r.n_items, 1);
    eci_cg_status *s = &r.items[0];
    assert_string_equal(s->container_group_id, "eci-bp1jrgfqqy54kg5hc****");
    assert_string_equal(s->name, "nginx");
    assert_string_equal(s->uuid, "78ee0657-987g-b8b2-1f507dic4****");
    assert_string_equal(s->annotations, "{\"tenancy.x-k8s.io/namespace\":\"redis\"}");
    assert_string_equal(s->phase, "Running");
    assert_string_equal(s->pod_ips.v[0], "192.168.XX.XX");
    assert_string_equal(s->conditions[0].type, "Ready");
    assert_string_equal(s->conditions[0].status, "True");
    assert_string_equal(s->conditions[0].last_transition_time, "2021-05-12T07:02:47Z");
    eci_container_status *cs = &s->container_statuses[0];
    assert_true(cs->ready);
    assert_true(cs->started);
    assert_int_equal(cs->restart_count, 1);
    assert_true(cs->state.running);
    assert_false(cs->state.terminated);
    assert_string_equal(cs->state.running_started_at, "2021-05-23T20:49:31Z");
    assert_true(cs->last_state.terminated);
    assert_int_equal(cs->last_state.terminated_exit_code, 0);
    assert_int_equal(cs->last_state.terminated_signal, 1);
    assert_string_equal(cs->last_state.terminated_finished_at, "2021-05-23T20:49:31Z");
    eci_describe_status_resp_free(&r);
    cJSON_Delete(j);
}

static void test_decode_events_samples(void **state)
{
    (void)state;
    cJSON *j = load("describe_events.json");
    eci_describe_events_resp r;
    eci_error err;
    assert_int_equal(eci_decode_describe_events(j, &r, &err), 0);
    assert_int_equal(r.n_items, 1);
    eci_k8s_event *e = &r.items[0].events[0];
    assert_string_equal(e->reason, "Started");
    assert_int_equal(e->count, 10);
    assert_string_equal(e->source_component, "kubelet");
    assert_string_equal(e->involved_uid, "eci-8vb5nkcq3a5cu0p3****");
    assert_string_equal(e->metadata_name, "eci-uto-created-eci-for-ubuntu.167e3fb73cc7f9cb");
    eci_describe_events_resp_free(&r);
    cJSON_Delete(j);

    j = load("event_lowercase.json");
    assert_int_equal(eci_decode_describe_events(j, &r, &err), 0);
    assert_string_equal(r.request_id, "R-LOWER");
    e = &r.items[0].events[0];
    assert_string_equal(e->reason, "OOMKilled");
    assert_string_equal(e->type, "Warning");
    assert_string_equal(e->involved_kind, "Pod");
    assert_string_equal(e->source_component, "EciService");
    assert_string_equal(e->metadata_name, "container-group-1.1861****6a400");
    eci_describe_events_resp_free(&r);
    cJSON_Delete(j);
}

static void test_decode_small_samples(void **state)
{
    (void)state;
    eci_error err;
    cJSON *j = load("create_cg.json");
    eci_create_cg_resp cr;
    assert_int_equal(eci_decode_create_cg(j, &cr, &err), 0);
    assert_string_equal(cr.container_group_id, "eci-uf6fonnghi50u374****");
    assert_string_equal(cr.request_id, "89945DD3-9072-47D0-A318-353284CFC7B3\t");
    eci_create_cg_resp_free(&cr);
    cJSON_Delete(j);

    const char *simple[] = {"update_cg.json", "restart_cg.json", "delete_cg.json", "delete_image_cache.json"};
    for (size_t i = 0; i < 4; i++) {
        j = load(simple[i]);
        eci_simple_resp s;
        assert_int_equal(eci_decode_simple(j, &s, &err), 0);
        assert_non_null(s.request_id);
        eci_simple_resp_free(&s);
        cJSON_Delete(j);
    }

    j = load("exec_sync.json");
    eci_exec_resp x;
    assert_int_equal(eci_decode_exec(j, &x, &err), 0);
    assert_string_equal(x.sync_response, "Hello");
    assert_string_equal(x.web_socket_uri, "wss://eci-cn-shanghai.aliyun.com/exec/?s=ktHPx****");
    eci_exec_resp_free(&x);
    cJSON_Delete(j);
    j = load("exec.json");
    assert_int_equal(eci_decode_exec(j, &x, &err), 0);
    assert_null(x.sync_response);
    eci_exec_resp_free(&x);
    cJSON_Delete(j);

    j = load("log.json");
    eci_log_resp l;
    assert_int_equal(eci_decode_log(j, &l, &err), 0);
    assert_string_equal(l.content, "{}");
    assert_string_equal(l.container_name, "nginx");
    eci_log_resp_free(&l);
    cJSON_Delete(j);

    j = load("describe_regions.json");
    eci_describe_regions_resp rr;
    assert_int_equal(eci_decode_describe_regions(j, &rr, &err), 0);
    assert_int_equal(rr.n_regions, 1);
    assert_string_equal(rr.regions[0].region_endpoint, "eci.aliyuncs.com");
    assert_int_equal(rr.regions[0].zones.n, 6);
    assert_int_equal(rr.regions[0].recommend_zones.n, 3);
    eci_describe_regions_resp_free(&rr);
    cJSON_Delete(j);

    j = load("create_image_cache.json");
    eci_create_image_cache_resp icr;
    assert_int_equal(eci_decode_create_image_cache(j, &icr, &err), 0);
    assert_string_equal(icr.image_cache_id, "imc-2zebxkiifuyzzlhl****");
    eci_create_image_cache_resp_free(&icr);
    cJSON_Delete(j);

    j = load("describe_image_caches.json");
    eci_describe_image_caches_resp dic;
    assert_int_equal(eci_decode_describe_image_caches(j, &dic, &err), 0);
    assert_int_equal(dic.n_caches, 1);
    assert_int_equal(dic.caches[0].image_cache_size, 20);
    assert_int_equal(dic.caches[0].images.n, 1);
    assert_string_equal(dic.caches[0].images.v[0], "registry-vpc.cn-hangzhou.aliyuncs.com/eci_open/nginx:1.15.10-perl");
    assert_int_equal(dic.caches[0].events[0].count, 1);
    eci_describe_image_caches_resp_free(&dic);
    cJSON_Delete(j);

    j = load("metric.json");
    eci_metric_resp m;
    assert_int_equal(eci_decode_metric(j, &m, &err), 0);
    assert_int_equal(m.n_records, 2);
    assert_int_equal(m.records[0].n_containers, 2);
    assert_int_equal(m.records[0].containers[0].cpu.usage_core_nano_seconds, 40876694);
    assert_int_equal(m.records[0].memory.usage_bytes, 9289728);
    assert_int_equal(m.records[1].interfaces[0].rx_bytes, 20410229);
    assert_int_equal(m.records[1].cpu.limit, 0);
    eci_metric_resp_free(&m);
    cJSON_Delete(j);

    j = load("multi_metric.json");
    eci_multi_metric_resp mm;
    assert_int_equal(eci_decode_multi_metric(j, &mm, &err), 0);
    assert_int_equal(mm.n_items, 2);
    assert_int_equal(mm.items[1].records[0].memory.rss, 77824);
    eci_multi_metric_resp_free(&mm);
    cJSON_Delete(j);

    j = load("price.json");
    eci_price_resp p;
    assert_int_equal(eci_decode_price(j, &p, &err), 0);
    assert_string_equal(p.currency, "CNY");
    assert_true(p.trade_price > 0.000122 && p.trade_price < 0.000123);
    assert_int_equal(p.n_details, 1);
    assert_int_equal(p.details[0].rules[0].rule_id, 587);
    assert_int_equal(p.n_spot_prices, 1);
    assert_true(p.spot_prices[0].spot_price == 0.056);
    assert_int_equal(p.n_rules, 1);
    eci_price_resp_free(&p);
    cJSON_Delete(j);

    j = load("list_usage.json");
    eci_list_usage_resp u;
    assert_int_equal(eci_decode_list_usage(j, &u, &err), 0);
    assert_true(u.max_cpu == 1000);
    assert_string_equal(kv_get(&u.attributes, "UsedCpu"), "11");
    eci_list_usage_resp_free(&u);
    cJSON_Delete(j);
}

static void test_decode_wrong_types(void **state)
{
    (void)state;
    eci_error err;
    eci_describe_cgs_resp r;
    cJSON *j = cJSON_Parse("{\"ContainerGroups\":[{\"ContainerGroupId\":\"a\"},"
                           "{\"Containers\":[{\"Name\":\"x\"},{\"Ready\":{\"x\":1}}]}]}");
    eci_error_clear(&err);
    assert_int_equal(eci_decode_describe_cgs(j, &r, &err), -1);
    assert_int_equal(err.code, ECI_E_DECODE);
    assert_string_equal(err.detail, "ContainerGroups[1].Containers[1].Ready: expected a boolean");
    eci_describe_cgs_resp_free(&r);
    cJSON_Delete(j);

    j = cJSON_Parse("{\"TotalCount\":\"nineteen\"}");
    assert_int_equal(eci_decode_describe_cgs(j, &r, &err), -1);
    assert_string_equal(err.detail, "TotalCount: expected an integer");
    eci_describe_cgs_resp_free(&r);
    cJSON_Delete(j);

    j = cJSON_Parse("[1,2]");
    assert_int_equal(eci_decode_describe_cgs(j, &r, &err), -1);
    eci_describe_cgs_resp_free(&r);
    cJSON_Delete(j);
    assert_int_equal(eci_decode_describe_cgs(NULL, &r, &err), -1);

    j = cJSON_Parse("{\"ContainerGroups\":\"oops\"}");
    assert_int_equal(eci_decode_describe_cgs(j, &r, &err), -1);
    eci_describe_cgs_resp_free(&r);
    cJSON_Delete(j);

    /* Tolerated: null fields, numbers as strings, booleans as numbers, key case. */
    j = cJSON_Parse("{\"requestid\":\"R\",\"totalcount\":2.0,\"nextToken\":null,\"containerGroups\":"
                    "[{\"status\":\"Pending\",\"cpu\":\"0.5\",\"containers\":[{\"ready\":1,\"restartCount\":\" 3 \"}]}]}");
    assert_int_equal(eci_decode_describe_cgs(j, &r, &err), 0);
    assert_string_equal(r.request_id, "R");
    assert_int_equal(r.total_count, 2);
    assert_null(r.next_token);
    assert_true(r.groups[0].cpu == 0.5);
    assert_true(r.groups[0].containers[0].ready);
    assert_int_equal(r.groups[0].containers[0].restart_count, 3);
    eci_describe_cgs_resp_free(&r);
    cJSON_Delete(j);

    eci_describe_status_resp s;
    j = cJSON_Parse("{\"Data\":[{\"PodStatus\":{\"ContainerStatuses\":[{\"State\":{\"Running\":{\"startedAt\":\"T\"}}}]}}]}");
    assert_int_equal(eci_decode_describe_status(j, &s, &err), 0);
    assert_string_equal(s.items[0].container_statuses[0].state.running_started_at, "T");
    eci_describe_status_resp_free(&s);
    cJSON_Delete(j);
}

static void test_decode_error_body(void **state)
{
    (void)state;
    eci_error err;
    eci_error_clear(&err);
    strcpy(err.action, "CreateContainerGroup");
    cJSON *j = cJSON_Parse("{\"RequestId\":\"RID-1\",\"HostId\":\"eci.aliyuncs.com\",\"Code\":\"Throttling\","
                           "\"Message\":\"You have made too many requests\"}");
    assert_int_equal(eci_decode_error_body(j, 400, &err), 1);
    assert_int_equal(err.code, ECI_E_THROTTLED);
    assert_int_equal(err.http_status, 400);
    assert_string_equal(err.api_code, "Throttling");
    assert_string_equal(err.request_id, "RID-1");
    assert_int_equal(eci_error_classify(&err), ECI_CLASS_THROTTLED);
    assert_true(eci_error_retriable(&err));
    char buf[512];
    eci_error_format(&err, buf, sizeof buf);
    assert_string_equal(buf, "CreateContainerGroup: HTTP 400 Throttling: You have made too many requests (RequestId RID-1)");
    cJSON_Delete(j);

    struct {
        int http;
        const char *code;
        eci_code want;
        eci_class cls;
    } cases[] = {
        {503, "ServiceUnavailable", ECI_E_UNAVAILABLE, ECI_CLASS_TRANSIENT},
        {503, "ServiceUnavailable.RegionMaintaining", ECI_E_UNAVAILABLE, ECI_CLASS_TRANSIENT},
        {500, "InternalError", ECI_E_UNAVAILABLE, ECI_CLASS_TRANSIENT},
        {502, "", ECI_E_UNAVAILABLE, ECI_CLASS_TRANSIENT},
        {403, "Throttling.Vcpu.PerDay", ECI_E_THROTTLED, ECI_CLASS_THROTTLED},
        {404, "InvalidParameter.NotFound", ECI_E_NOT_FOUND, ECI_CLASS_NOT_FOUND},
        {404, "ImageSnapshot.NotFound", ECI_E_NOT_FOUND, ECI_CLASS_NOT_FOUND},
        {400, "InvalidParameter", ECI_E_API, ECI_CLASS_INVALID},
        {400, "MissingParameter", ECI_E_API, ECI_CLASS_INVALID},
        {403, "Forbidden.RAM", ECI_E_AUTH, ECI_CLASS_AUTH},
        {400, "SignatureDoesNotMatch", ECI_E_AUTH, ECI_CLASS_AUTH},
        {404, "InvalidAccessKeyId.NotFound", ECI_E_NOT_FOUND, ECI_CLASS_NOT_FOUND},
        {409, "OperationConflict", ECI_E_CONFLICT, ECI_CLASS_CONFLICT},
        {400, "IdempotentParameterMismatch", ECI_E_CONFLICT, ECI_CLASS_CONFLICT},
        {400, "IncorrectStatus", ECI_E_CONFLICT, ECI_CLASS_CONFLICT},
        {403, "LastTokenProcessing", ECI_E_UNAVAILABLE, ECI_CLASS_TRANSIENT},
        {403, "QuotaExceeded", ECI_E_API, ECI_CLASS_INVALID},
        /* a valid request the zone has no capacity for: its own class */
        {403, "OperationDenied.NoStock", ECI_E_API, ECI_CLASS_NO_STOCK},
        {400, "NoStock", ECI_E_API, ECI_CLASS_NO_STOCK},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        eci_error e;
        eci_error_clear(&e);
        eci_error_set_api(&e, cases[i].http, cases[i].code, "m", "r");
        if (e.code != cases[i].want || eci_error_classify(&e) != cases[i].cls)
            fail_msg("%d %s: got %s/%s", cases[i].http, cases[i].code, eci_errname(e.code),
                     eci_class_name(eci_error_classify(&e)));
    }
    /* InvalidAccessKeyId.NotFound is an auth problem, not a missing resource. */
    assert_string_equal(eci_errname(ECI_E_TIMEOUT), "ECI_E_TIMEOUT");
    assert_string_equal(eci_class_name(ECI_CLASS_NO_STOCK), "no-stock");
    assert_string_equal(eci_errname(999), "ECI_E_UNKNOWN");
    assert_string_equal(eci_strerror(ECI_OK), "success");
    eci_error e;
    eci_error_clear(&e);
    e.code = ECI_E_HTTP;
    assert_int_equal(eci_error_classify(&e), ECI_CLASS_TRANSIENT);
    e.code = ECI_E_TIMEOUT;
    assert_int_equal(eci_error_classify(&e), ECI_CLASS_TRANSIENT);
    e.code = ECI_E_DECODE;
    assert_int_equal(eci_error_classify(&e), ECI_CLASS_FATAL);
    assert_int_equal(eci_error_http_status(&e), 500);
    e.code = ECI_E_NOT_FOUND;
    assert_int_equal(eci_error_http_status(&e), 404);
    e.code = ECI_E_THROTTLED;
    assert_int_equal(eci_error_http_status(&e), 429);
    e.code = ECI_E_UNAVAILABLE;
    assert_int_equal(eci_error_http_status(&e), 503);
    e.code = ECI_OK;
    assert_int_equal(eci_error_http_status(&e), 200);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_encode_full_create),
        cmocka_unit_test(test_encode_invalid),
        cmocka_unit_test(test_encode_small_ops),
        cmocka_unit_test(test_decode_describe_cgs_sample),
        cmocka_unit_test(test_decode_status_sample),
        cmocka_unit_test(test_decode_events_samples),
        cmocka_unit_test(test_decode_small_samples),
        cmocka_unit_test(test_decode_wrong_types),
        cmocka_unit_test(test_decode_error_body),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
