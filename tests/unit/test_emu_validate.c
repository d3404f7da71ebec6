/* eci/emulator/validate.c and params.c: CreateContainerGroup /
 * UpdateContainerGroup validation with the documented limits and codes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eci/emulator/emu.h"
#include "util/timefmt.h"
#include "util/xmalloc.h"

static void base(kv_list *p)
{
    kv_add(p, "RegionId", "cn-hangzhou");
    kv_add(p, "ContainerGroupName", "web-1");
    kv_add(p, "Container.1.Name", "app");
    kv_add(p, "Container.1.Image", "nginx:1.25");
}

/* Parse p as a create; return the error code ("" on success). */
static const char *create_code(kv_list *p, emu_err *e)
{
    memset(e, 0, sizeof *e);
    emu_spec *s = emu_spec_parse_create(p, "cn-hangzhou", e);
    if (s) {
        emu_spec_free(s);
        e->code[0] = 0;
    }
    kv_free(p);
    return e->code;
}

static void test_minimal(void **st)
{
    (void)st;
    kv_list p = KV_LIST_INIT;
    emu_err e;
    base(&p);
    emu_spec *s = emu_spec_parse_create(&p, "cn-hangzhou", &e);
    assert_non_null(s);
    assert_string_equal(s->name, "web-1");
    assert_int_equal(s->ncontainers, 1);
    assert_string_equal(s->restart_policy, "Always");
    assert_true(s->cpu == 2 && s->memory == 4);
    assert_string_equal(s->zone, "cn-hangzhou-h");
    emu_spec_free(s);
    kv_free(&p);
}

static void test_required(void **st)
{
    (void)st;
    kv_list p = KV_LIST_INIT;
    emu_err e;
    kv_add(&p, "Container.1.Name", "a");
    kv_add(&p, "Container.1.Image", "x");
    assert_string_equal(create_code(&p, &e), "MissingParameter");
    assert_non_null(strstr(e.msg, "ContainerGroupName"));
    kv_add(&p, "ContainerGroupName", "ok-name");
    assert_string_equal(create_code(&p, &e), "MissingParameter");
    assert_non_null(strstr(e.msg, "Container.1.Name"));
    kv_add(&p, "ContainerGroupName", "ok-name");
    kv_add(&p, "Container.1.Name", "a");
    assert_string_equal(create_code(&p, &e), "MissingParameter");
    assert_non_null(strstr(e.msg, "Container.1.Image"));
    kv_add(&p, "ContainerGroupName", "Bad_Name");
    kv_add(&p, "Container.1.Name", "a");
    kv_add(&p, "Container.1.Image", "x");
    assert_string_equal(create_code(&p, &e), "InvalidParameter");
    assert_int_equal(e.http, 400);
}

static void test_counts(void **st)
{
    (void)st;
    kv_list p = KV_LIST_INIT;
    emu_err e;
    char k[64], v[64];
    base(&p);
    for (int i = 2; i <= 6; i++) {
        snprintf(k, sizeof k, "Container.%d.Name", i);
        snprintf(v, sizeof v, "c%d", i);
        kv_add(&p, k, v);
        snprintf(k, sizeof k, "Container.%d.Image", i);
        kv_add(&p, k, "img");
    }
    assert_string_equal(create_code(&p, &e), "InvalidParameter.LengthExceeded");
    base(&p);
    for (int i = 1; i <= 6; i++) {
        snprintf(k, sizeof k, "InitContainer.%d.Name", i);
        snprintf(v, sizeof v, "i%d", i);
        kv_add(&p, k, v);
        snprintf(k, sizeof k, "InitContainer.%d.Image", i);
        kv_add(&p, k, "img");
    }
    assert_string_equal(create_code(&p, &e), "InvalidParameter.LengthExceeded");
    base(&p);
    for (int i = 1; i <= 21; i++) {
        snprintf(k, sizeof k, "Volume.%d.Name", i);
        snprintf(v, sizeof v, "v%d", i);
        kv_add(&p, k, v);
        snprintf(k, sizeof k, "Volume.%d.Type", i);
        kv_add(&p, k, "EmptyDirVolume");
    }
    assert_string_equal(create_code(&p, &e), "InvalidParameter.LengthExceeded");
    base(&p);
    for (int i = 1; i <= 101; i++) {
        snprintf(k, sizeof k, "Container.1.EnvironmentVar.%d.Key", i);
        snprintf(v, sizeof v, "K%d", i);
        kv_add(&p, k, v);
    }
    assert_string_equal(create_code(&p, &e), "InvalidParameter.LengthExceeded");
    base(&p);
    for (int i = 1; i <= 21; i++) {
        snprintf(k, sizeof k, "Container.1.Command.%d", i);
        kv_add(&p, k, "x");
    }
    assert_string_equal(create_code(&p, &e), "InvalidParameter.LengthExceeded");
    base(&p);
    for (int i = 1; i <= 11; i++) {
        snprintf(k, sizeof k, "Container.1.Arg.%d", i);
        kv_add(&p, k, "x");
    }
    assert_string_equal(create_code(&p, &e), "InvalidParameter.LengthExceeded");
    base(&p);
    kv_add(&p, "Volume.1.Name", "v");
    kv_add(&p, "Volume.1.Type", "EmptyDirVolume");
    for (int i = 1; i <= 17; i++) {
        snprintf(k, sizeof k, "Container.1.VolumeMount.%d.Name", i);
        kv_add(&p, k, "v");
        snprintf(k, sizeof k, "Container.1.VolumeMount.%d.MountPath", i);
        snprintf(v, sizeof v, "/m%d", i);
        kv_add(&p, k, v);
    }
    assert_string_equal(create_code(&p, &e), "InvalidParameter.LengthExceeded");
    base(&p);
    for (int i = 1; i <= 101; i++) {
        snprintf(k, sizeof k, "Container.1.Port.%d.Port", i);
        snprintf(v, sizeof v, "%d", 1000 + i);
        kv_add(&p, k, v);
    }
    assert_string_equal(create_code(&p, &e), "InvalidParameter.LengthExceeded");
    base(&p);
    for (int i = 1; i <= 21; i++) {
        snprintf(k, sizeof k, "Tag.%d.Key", i);
        snprintf(v, sizeof v, "k%d", i);
        kv_add(&p, k, v);
    }
    assert_string_equal(create_code(&p, &e), "InvalidParameter.LengthExceeded");
    base(&p);
    for (int i = 1; i <= 11; i++) {
        snprintf(k, sizeof k, "ImageRegistryCredential.%d.Server", i);
        kv_add(&p, k, "r.example.com");
        snprintf(k, sizeof k, "ImageRegistryCredential.%d.UserName", i);
        kv_add(&p, k, "u");
        snprintf(k, sizeof k, "ImageRegistryCredential.%d.Password", i);
        kv_add(&p, k, "p");
    }
    assert_string_equal(create_code(&p, &e), "InvalidParameter.LengthExceeded");
}

static void test_values(void **st)
{
    (void)st;
    kv_list p = KV_LIST_INIT;
    emu_err e;
    char longv[300];
    memset(longv, 'a', 257);
    longv[257] = 0;
    base(&p);
    kv_add(&p, "Container.1.Command.1", longv);
    assert_string_equal(create_code(&p, &e), "InvalidParameter.ValueExceeded");
    base(&p);
    kv_add(&p, "Container.1.EnvironmentVar.1.Key", "1BAD");
    assert_string_equal(create_code(&p, &e), "InvalidParameter");
    base(&p);
    kv_add(&p, "Container.1.EnvironmentVar.1.Key", "GOOD_1");
    kv_add(&p, "Container.1.EnvironmentVar.1.Value", longv);
    assert_string_equal(create_code(&p, &e), "InvalidParameter.ValueExceeded");
    base(&p);
    kv_add(&p, "Container.1.EnvironmentVar.1.Key", "IP");
    kv_add(&p, "Container.1.EnvironmentVar.1.FieldRef.FieldPath", "metadata.name");
    assert_string_equal(create_code(&p, &e), "InvalidParameter");
    base(&p);
    kv_add(&p, "Container.1.Port.1.Port", "70000");
    assert_string_equal(create_code(&p, &e), "InvalidParameter.ValueExceeded");
    base(&p);
    kv_add(&p, "Container.1.Port.1.Port", "80");
    kv_add(&p, "Container.1.Port.1.Protocol", "SCTP");
    assert_string_equal(create_code(&p, &e), "InvalidParameter");
    base(&p);
    kv_add(&p, "RestartPolicy", "Sometimes");
    assert_string_equal(create_code(&p, &e), "InvalidParameter");
    base(&p);
    kv_add(&p, "Container.1.Tty", "yes");
    assert_string_equal(create_code(&p, &e), "InvalidParameter");
    base(&p);
    kv_add(&p, "Tag.1.Key", "aliyun-x");
    assert_string_equal(create_code(&p, &e), "InvalidParameter");
    base(&p);
    kv_add(&p, "Tag.1.Key", "a");
    kv_add(&p, "Tag.2.Key", "a");
    assert_string_equal(create_code(&p, &e), "InvalidParameter");
    base(&p);
    kv_add(&p, "Container.1.SecurityContext.ReadOnlyRootFilesystem", "false");
    assert_string_equal(create_code(&p, &e), "InvalidParameter");
    base(&p);
    kv_add(&p, "Container.1.SecurityContext.Capability.Add.1", "SYS_ADMIN");
    assert_string_equal(create_code(&p, &e), "InvalidParameter");
    base(&p);
    kv_add(&p, "ClientToken", "x");
    kv_add(&p, "SpotStrategy", "SpotWithPriceLimit");
    assert_string_equal(create_code(&p, &e), "MissingParameter");
    base(&p);
    kv_add(&p, "Container.1.1ame", "typo-is-ignored");
    assert_string_equal(create_code(&p, &e), "");
}

static void test_names_and_mounts(void **st)
{
    (void)st;
    kv_list p = KV_LIST_INIT;
    emu_err e;
    base(&p);
    kv_add(&p, "Container.2.Name", "app");
    kv_add(&p, "Container.2.Image", "x");
    assert_string_equal(create_code(&p, &e), "InvalidParameter.DuplicatedName");
    base(&p);
    kv_add(&p, "InitContainer.1.Name", "app");
    kv_add(&p, "InitContainer.1.Image", "x");
    assert_string_equal(create_code(&p, &e), "InvalidParameter.DuplicatedName");
    base(&p);
    kv_add(&p, "Volume.1.Name", "v");
    kv_add(&p, "Volume.1.Type", "EmptyDirVolume");
    kv_add(&p, "Volume.2.Name", "v");
    kv_add(&p, "Volume.2.Type", "EmptyDirVolume");
    assert_string_equal(create_code(&p, &e), "InvalidParameter.DuplicatedVolumeName");
    base(&p);
    kv_add(&p, "Container.1.VolumeMount.1.Name", "missing");
    kv_add(&p, "Container.1.VolumeMount.1.MountPath", "/data");
    assert_string_equal(create_code(&p, &e), "InvalidParameter");
    assert_non_null(strstr(e.msg, "missing"));
    base(&p);
    kv_add(&p, "Volume.1.Name", "cfg");
    kv_add(&p, "Volume.1.Type", "ConfigFileVolume");
    kv_add(&p, "Volume.1.ConfigFileVolume.ConfigFileToPath.1.Path", "a.conf");
    kv_add(&p, "Volume.1.ConfigFileVolume.ConfigFileToPath.1.Content", "aGVsbG8=");
    kv_add(&p, "Container.1.VolumeMount.1.Name", "cfg");
    kv_add(&p, "Container.1.VolumeMount.1.MountPath", "/etc/app");
    /* the core Python SDK's "None" for an unset ReadOnly */
    kv_add(&p, "Container.1.VolumeMount.1.ReadOnly", "None");
    emu_spec *s = emu_spec_parse_create(&p, "cn-hangzhou", &e);
    assert_non_null(s);
    assert_int_equal(s->containers[0].mounts[0].read_only, 0);
    assert_int_equal(s->volumes[0].nfiles, 1);
    assert_int_equal(s->volumes[0].files[0].len, 5);
    assert_memory_equal(s->volumes[0].files[0].content, "hello", 5);
    emu_spec_free(s);
    kv_free(&p);
    base(&p);
    kv_add(&p, "Volume.1.Name", "cfg");
    kv_add(&p, "Volume.1.Type", "ConfigFileVolume");
    kv_add(&p, "Volume.1.ConfigFileVolume.ConfigFileToPath.1.Path", "a.conf");
    kv_add(&p, "Volume.1.ConfigFileVolume.ConfigFileToPath.1.Content", "aGVsbG8=");
    kv_add(&p, "Container.1.VolumeMount.1.Name", "cfg");
    kv_add(&p, "Container.1.VolumeMount.1.MountPath", "/etc/app");
    kv_add(&p, "Container.1.VolumeMount.1.ReadOnly", "maybe");
    assert_string_equal(create_code(&p, &e), "InvalidParameter");
    base(&p);
    kv_add(&p, "Volume.1.Name", "cfg");
    kv_add(&p, "Volume.1.Type", "ConfigFileVolume");
    kv_add(&p, "Volume.1.ConfigFileVolume.ConfigFileToPath.1.Path", "a.conf");
    kv_add(&p, "Volume.1.ConfigFileVolume.ConfigFileToPath.1.Content", "not base64 !");
    assert_string_equal(create_code(&p, &e), "InvalidParameter");
    /* 33 KiB of content */
    size_t n = 33 * 1024;
    char *raw = xmalloc(n);
    memset(raw, 'z', n);
    char *b64 = xmalloc(n * 2);
    static const char al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t w = 0;
    for (size_t i = 0; i + 2 < n; i += 3) {
        unsigned v = ((unsigned char)raw[i] << 16) | ((unsigned char)raw[i + 1] << 8) | (unsigned char)raw[i + 2];
        b64[w++] = al[(v >> 18) & 63];
        b64[w++] = al[(v >> 12) & 63];
        b64[w++] = al[(v >> 6) & 63];
        b64[w++] = al[v & 63];
    }
    b64[w] = 0;
    base(&p);
    kv_add(&p, "Volume.1.Name", "cfg");
    kv_add(&p, "Volume.1.Type", "ConfigFileVolume");
    kv_add(&p, "Volume.1.ConfigFileVolume.ConfigFileToPath.1.Path", "big");
    kv_add(&p, "Volume.1.ConfigFileVolume.ConfigFileToPath.1.Content", b64);
    assert_string_equal(create_code(&p, &e), "InvalidParameter.ValueExceeded");
    free(raw);
    free(b64);
}

static void test_cpu_memory(void **st)
{
    (void)st;
    kv_list p = KV_LIST_INIT;
    emu_err e;
    base(&p);
    kv_add(&p, "Cpu", "2");
    kv_add(&p, "Memory", "3");
    assert_string_equal(create_code(&p, &e), "InvalidParameter.CPU.Memory");
    base(&p);
    kv_add(&p, "Cpu", "2");
    assert_string_equal(create_code(&p, &e), "InvalidParameter.CPU.Memory");
    base(&p);
    kv_add(&p, "Cpu", "1");
    kv_add(&p, "Memory", "2");
    kv_add(&p, "Container.1.Cpu", "2");
    assert_string_equal(create_code(&p, &e), "InvalidParameter");
    base(&p);
    kv_add(&p, "Container.1.Cpu", "0.5");
    kv_add(&p, "Container.1.Memory", "1");
    emu_spec *s = emu_spec_parse_create(&p, "cn-hangzhou", &e);
    assert_non_null(s);
    assert_true(s->cpu == 0.5 && s->memory == 1);
    emu_spec_free(s);
    kv_free(&p);
    base(&p);
    kv_add(&p, "Container.1.Cpu", "3");
    kv_add(&p, "Container.1.Memory", "5");
    s = emu_spec_parse_create(&p, "cn-hangzhou", &e);
    assert_non_null(s);
    assert_true(s->cpu == 4 && s->memory == 8);
    emu_spec_free(s);
    kv_free(&p);
    assert_true(emu_spec_cpu_mem_ok(0.25, 0.5));
    assert_false(emu_spec_cpu_mem_ok(0.25, 4));
}

static void test_probes(void **st)
{
    (void)st;
    kv_list p = KV_LIST_INIT;
    emu_err e;
    base(&p);
    kv_add(&p, "Container.1.LivenessProbe.TcpSocket.Port", "80");
    kv_add(&p, "Container.1.LivenessProbe.SuccessThreshold", "2");
    assert_string_equal(create_code(&p, &e), "InvalidParameter");
    base(&p);
    kv_add(&p, "Container.1.ReadinessProbe.TcpSocket.Port", "80");
    kv_add(&p, "Container.1.ReadinessProbe.Exec.Command.1", "true");
    assert_string_equal(create_code(&p, &e), "InvalidParameter");
    base(&p);
    kv_add(&p, "Container.1.ReadinessProbe.HttpGet.Path", "/healthz");
    kv_add(&p, "Container.1.ReadinessProbe.HttpGet.Port", "8080");
    kv_add(&p, "Container.1.ReadinessProbe.PeriodSeconds", "0");
    assert_string_equal(create_code(&p, &e), "InvalidParameter.ValueExceeded");
    base(&p);
    kv_add(&p, "Container.1.ReadinessProbe.HttpGet.Path", "/healthz");
    kv_add(&p, "Container.1.ReadinessProbe.HttpGet.Port", "8080");
    kv_add(&p, "Container.1.LifecyclePreStopHandlerExec.1", "/bin/sh");
    assert_string_equal(create_code(&p, &e), "");
}

/* Hooks over HTTP/TCP, the flat security-context fields and the
 * termination message: parsed, kept by a copy, checked. */
static void test_hooks_security(void **st)
{
    (void)st;
    kv_list p = KV_LIST_INIT;
    emu_err e;
    base(&p);
    kv_add(&p, "Container.1.LifecyclePostStartHandlerHttpGetPath", "/started");
    kv_add(&p, "Container.1.LifecyclePostStartHandlerHttpGetPort", "8080");
    kv_add(&p, "Container.1.LifecyclePostStartHandlerHttpGetScheme", "HTTP");
    kv_add(&p, "Container.1.LifecyclePostStartHandlerHttpGetHttpHeader.1.Name", "X-Hook");
    kv_add(&p, "Container.1.LifecyclePostStartHandlerHttpGetHttpHeader.1.Value", "post");
    kv_add(&p, "Container.1.LifecyclePreStopHandlerTcpSocketPort", "9090");
    kv_add(&p, "Container.1.SecurityContextRunAsGroup", "3000");
    kv_add(&p, "Container.1.SecurityContextRunAsNonRoot", "true");
    kv_add(&p, "Container.1.SecurityContextPrivileged", "false");
    kv_add(&p, "Container.1.TerminationMessagePath", "/tmp/term");
    kv_add(&p, "Container.1.TerminationMessagePolicy", "FallbackToLogsOnError");
    emu_spec *s = emu_spec_parse_create(&p, "cn-hangzhou", &e);
    assert_non_null(s);
    emu_spec *c = emu_spec_copy(s);
    emu_spec_free(s);
    const emu_container *ct = &c->containers[0];
    assert_string_equal(ct->post_start_net.http_path, "/started");
    assert_int_equal(ct->post_start_net.http_port, 8080);
    assert_string_equal(kv_get(&ct->post_start_net.http_headers, "X-Hook"), "post");
    assert_int_equal(ct->pre_stop_net.tcp_port, 9090);
    assert_int_equal(ct->pre_stop_net.http_port, 0);
    assert_int_equal(ct->run_as_group, 3000);
    assert_int_equal(ct->run_as_non_root, 1);
    assert_int_equal(ct->privileged, 0);
    assert_string_equal(ct->termination_message_path, "/tmp/term");
    assert_string_equal(ct->termination_message_policy, "FallbackToLogsOnError");
    emu_spec_free(c);
    kv_free(&p);

    base(&p); /* two handlers for one hook */
    kv_add(&p, "Container.1.LifecyclePreStopHandlerExec.1", "true");
    kv_add(&p, "Container.1.LifecyclePreStopHandlerTcpSocketPort", "80");
    assert_string_equal(create_code(&p, &e), "InvalidParameter");
    base(&p);
    kv_add(&p, "Container.1.LifecyclePostStartHandlerHttpGetPath", "/x");
    assert_string_equal(create_code(&p, &e), "MissingParameter");
    base(&p);
    kv_add(&p, "Container.1.LifecyclePostStartHandlerHttpGetPort", "80");
    kv_add(&p, "Container.1.LifecyclePostStartHandlerHttpGetScheme", "FTP");
    assert_string_equal(create_code(&p, &e), "InvalidParameter");
    base(&p);
    kv_add(&p, "Container.1.LifecyclePreStopHandlerTcpSocketPort", "70000");
    assert_string_equal(create_code(&p, &e), "InvalidParameter.ValueExceeded");
    base(&p);
    kv_add(&p, "Container.1.SecurityContextPrivileged", "maybe");
    assert_string_equal(create_code(&p, &e), "InvalidParameter");
    base(&p);
    kv_add(&p, "Container.1.TerminationMessagePath", "relative/path");
    assert_string_equal(create_code(&p, &e), "InvalidParameter");
    base(&p);
    kv_add(&p, "Container.1.TerminationMessagePolicy", "Always");
    assert_string_equal(create_code(&p, &e), "InvalidParameter");
}

static void test_update(void **st)
{
    (void)st;
    kv_list p = KV_LIST_INIT;
    emu_err e;
    base(&p);
    emu_spec *cur = emu_spec_parse_create(&p, "cn-hangzhou", &e);
    assert_non_null(cur);
    kv_free(&p);
    int changed = -1;
    kv_add(&p, "ContainerGroupId", "eci-x");
    emu_spec *ns = emu_spec_parse_update(&p, cur, &changed, &e);
    assert_non_null(ns);
    assert_int_equal(changed, 0);
    emu_spec_free(ns);
    kv_add(&p, "Container.1.Name", "app");
    kv_add(&p, "Container.1.Image", "nginx:1.26");
    ns = emu_spec_parse_update(&p, cur, &changed, &e);
    assert_non_null(ns);
    assert_int_equal(changed, 1);
    assert_string_equal(ns->containers[0].image, "nginx:1.26");
    assert_string_equal(cur->containers[0].image, "nginx:1.25");
    emu_spec_free(ns);
    kv_add(&p, "Container.2.Name", "app");
    kv_add(&p, "Container.2.Image", "x");
    assert_null(emu_spec_parse_update(&p, cur, &changed, &e));
    assert_string_equal(e.code, "InvalidParameter.DuplicatedName");
    kv_free(&p);
    emu_spec_free(cur);
}

/* Update code of one extra parameter list against cur (NULL = ""). */
static emu_spec *update_with(const emu_spec *cur, int *changed, emu_err *e, ...)
{
    kv_list p = KV_LIST_INIT;
    va_list ap;
    va_start(ap, e);
    for (const char *k; (k = va_arg(ap, const char *));)
        kv_add(&p, k, va_arg(ap, const char *));
    va_end(ap);
    memset(e, 0, sizeof *e);
    emu_spec *s = emu_spec_parse_update(&p, cur, changed, e);
    kv_free(&p);
    return s;
}

static void test_update_full(void **st)
{
    (void)st;
    kv_list p = KV_LIST_INIT;
    emu_err e;
    base(&p);
    kv_add(&p, "Container.2.Name", "side");
    kv_add(&p, "Container.2.Image", "busybox");
    kv_add(&p, "Tag.1.Key", "team");
    kv_add(&p, "Tag.1.Value", "a");
    emu_spec *cur = emu_spec_parse_create(&p, "cn-hangzhou", &e);
    assert_non_null(cur);
    kv_free(&p);
    int changed = 0;
    /* group-level fields */
    emu_spec *ns = update_with(cur, &changed, &e, "RestartPolicy", "Never", "Cpu", "4", "Memory", "8",
                               "ResourceGroupId", "rg-new", "DnsConfig.NameServer.1", "10.0.0.10",
                               "Volume.1.Name", "v1", "Volume.1.Type", "EmptyDirVolume", NULL);
    assert_non_null(ns);
    assert_int_equal(changed, 1);
    assert_string_equal(ns->restart_policy, "Never");
    assert_true(ns->cpu == 4 && ns->memory == 8);
    assert_string_equal(ns->resource_group, "rg-new");
    assert_int_equal(ns->ndns_ns, 1);
    assert_int_equal(ns->nvolumes, 1);
    assert_int_equal(ns->ncontainers, 2); /* containers untouched */
    emu_spec_free(ns);
    /* a combination that is not sold */
    assert_null(update_with(cur, &changed, &e, "Cpu", "3", NULL));
    assert_string_equal(e.code, "InvalidParameter.CPU.Memory");
    /* RenewUpdate replaces the container list; IncrementalUpdate keeps the others */
    ns = update_with(cur, &changed, &e, "Container.1.Name", "app", "Container.1.Image", "nginx:2", NULL);
    assert_non_null(ns);
    assert_int_equal(ns->ncontainers, 1);
    emu_spec_free(ns);
    ns = update_with(cur, &changed, &e, "UpdateType", "IncrementalUpdate", "Container.1.Name", "app",
                     "Container.1.Image", "nginx:2", "Tag.1.Key", "env", "Tag.1.Value", "b", NULL);
    assert_non_null(ns);
    assert_int_equal(ns->ncontainers, 2);
    assert_string_equal(ns->containers[0].image, "nginx:2");
    assert_string_equal(ns->containers[1].name, "side");
    assert_int_equal(ns->tags.n, 2);
    emu_spec_free(ns);
    /* a mount must name a volume of the updated group */
    assert_null(update_with(cur, &changed, &e, "Container.1.Name", "app", "Container.1.Image", "nginx",
                            "Container.1.VolumeMount.1.Name", "nothere", "Container.1.VolumeMount.1.MountPath", "/x",
                            NULL));
    assert_string_equal(e.code, "InvalidParameter");
    emu_spec_free(cur);
}

/* The parameter table: unknown parameters and bad values are refused,
 * naming the parameter; every SDK spelling is known. */
static void test_param_table(void **st)
{
    (void)st;
    static const struct { const char *action, *key, *val, *code; } cases[] = {
        {"CreateContainerGroup", "Container.1.Name", "app", ""},
        {"CreateContainerGroup", "Container.1.Nmae", "app", "InvalidParameter"},
        {"CreateContainerGroup", "Container.1.1ame", "app", "InvalidParameter"},
        {"CreateContainerGroup", "Container.01.Name", "app", "InvalidParameter"},
        {"CreateContainerGroup", "HostAliase.1.Ip", "10.0.0.300", "InvalidParameter"},
        {"CreateContainerGroup", "HostAliase.1.Ip", "fd00::1", ""},
        {"CreateContainerGroup", "DnsConfig.NameServer.2", "dns", "InvalidParameter"},
        {"CreateContainerGroup", "InstanceType", "c6.large", "InvalidParameter"},
        {"CreateContainerGroup", "Container.1.Image", "bad image", "InvalidParameter"},
        {"CreateContainerGroup", "EipBandwidth", "501", "InvalidParameter.ValueExceeded"},
        {"CreateContainerGroup", "OsType", "Windows", "InvalidParameter"},
        {"CreateContainerGroup", "CpuOptionsNuma", "1", "InvalidParameter"},
        {"CreateContainerGroup", "OwnerId", "42", "Forbidden.Unauthorized"},
        {"CreateContainerGroup", "OwnerId", EMU_ACCOUNT_ID, ""},
        {"CreateContainerGroup", "Container.1.VolumeMount.1.ReadOnly", "None", ""},
        {"CreateContainerGroup", "Volume.1.ConfigFileVolume.DefaultModel", "0644", ""},
        {"CreateContainerGroup", "Volume.1.ConfigFileVolume.ConfigFileToPath.1.Mode", "0800", "InvalidParameter"},
        {"CreateContainerGroup", "AcrRegistryInfo.1Domain.1", "r.example.com", ""},
        {"CreateContainerGroup", "SecurityContext.Sysctl.1.Name", "kernel.msgmax", "InvalidParameter"},
        {"CreateContainerGroup", "HostSecurityContext.Sysctl.1.Name", "kernel.msgmax", ""},
        {"CreateContainerGroup", "InitContainer.1.SecurityContextPrivileged", "true", "InvalidParameter"},
        {"UpdateContainerGroup", "Container.1.LifecyclePostStartHandlerHttpGetHttpHeaders.1.Name", "X-A", ""},
        {"UpdateContainerGroup", "InitContainer.1.Tty", "true", ""},
        {"UpdateContainerGroup", "ContainerGroupName", "x", "InvalidParameter"},
        {"DescribeContainerGroups", "Limit", "5", ""},
        {"DescribeContainerGroups", "Container.1.Name", "x", "InvalidParameter"},
        {"RunInstances", "Anything", "x", ""}, /* not an operation of the table: InvalidAction later */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        kv_list p = KV_LIST_INIT;
        emu_err e;
        memset(&e, 0, sizeof e);
        kv_add(&p, "Action", cases[i].action);
        kv_add(&p, cases[i].key, cases[i].val);
        int rc = emu_params_check(cases[i].action, &p, &e);
        kv_free(&p);
        if (strcmp(e.code, cases[i].code) != 0 || (rc != 0) != (cases[i].code[0] != 0))
            fail_msg("%s %s=%s: got '%s' (%s), want '%s'", cases[i].action, cases[i].key, cases[i].val, e.code,
                     e.msg, cases[i].code);
        if (cases[i].code[0] && strcmp(cases[i].code, "Forbidden.Unauthorized") != 0 &&
            !strstr(e.msg, cases[i].key))
            fail_msg("%s: the message does not name the parameter: %s", cases[i].key, e.msg);
    }
    /* the published table: every row has a check and a treatment */
    cJSON *t = emu_params_json();
    assert_true(cJSON_GetArraySize(t) > 250);
    cJSON *row;
    cJSON_ArrayForEach(row, t)
    {
        assert_non_null(cJSON_GetObjectItem(row, "Check"));
        assert_true(strlen(cJSON_GetObjectItem(row, "Treatment")->valuestring) > 0);
    }
    cJSON_Delete(t);
    char *md = emu_params_table_markdown();
    assert_non_null(strstr(md, "| `Container.N.SecurityContextRunAsGroup` |"));
    free(md);
}

static void test_helpers(void **st)
{
    (void)st;
    char **v = NULL;
    assert_int_equal(emu_json_strv("[\"eci-a\",\"eci-b\"]", &v), 2);
    assert_string_equal(v[1], "eci-b");
    emu_strv_free(v, 2);
    assert_int_equal(emu_json_strv("['eci-a', 'eci-b', 'eci-c']", &v), 3);
    emu_strv_free(v, 3);
    assert_int_equal(emu_json_strv("[\xe2\x80\x9c" "eci-a\xe2\x80\x9d]", &v), 1);
    assert_string_equal(v[0], "eci-a");
    emu_strv_free(v, 1);
    assert_int_equal(emu_json_strv("eci-a", &v), -1);
    assert_int_equal(emu_json_strv("[1,2]", &v), -1);
    struct timespec ts;
    assert_int_equal(timefmt_parse("2019-03-12T01:00:00.000Z", strlen("2019-03-12T01:00:00.000Z"), &ts), 0);
    time_t a = ts.tv_sec;
    assert_int_equal(timefmt_parse("2019-03-12T09:00:00.000+08:00", strlen("2019-03-12T09:00:00.000+08:00"), &ts), 0);
    assert_int_equal((long)a, (long)ts.tv_sec);
    assert_int_equal(timefmt_parse("2019-03-12 09:00", strlen("2019-03-12 09:00"), &ts), -1);
    assert_int_equal(timefmt_parse("2019-13-12T09:00:00Z", strlen("2019-13-12T09:00:00Z"), &ts), -1);
    char buf[32];
    emu_fmt_time(a, buf, sizeof buf);
    assert_string_equal(buf, "2019-03-12T01:00:00Z");

    kv_list p1 = KV_LIST_INIT, p2 = KV_LIST_INIT;
    kv_add(&p1, "ContainerGroupName", "a");
    kv_add(&p1, "SignatureNonce", "1");
    kv_add(&p1, "Timestamp", "x");
    kv_add(&p2, "Timestamp", "y");
    kv_add(&p2, "SignatureNonce", "2");
    kv_add(&p2, "ContainerGroupName", "a");
    char d1[65], d2[65];
    emu_params_digest(&p1, d1);
    emu_params_digest(&p2, d2);
    assert_string_equal(d1, d2);
    kv_add(&p2, "Container.1.Image", "x");
    emu_params_digest(&p2, d2);
    assert_string_not_equal(d1, d2);
    kv_free(&p1);
    kv_free(&p2);

    long *idx = NULL;
    emu_err e;
    kv_list p = KV_LIST_INIT;
    kv_add(&p, "Container.3.Name", "c");
    kv_add(&p, "Container.1.Name", "a");
    kv_add(&p, "Container.1.Image", "a");
    kv_add(&p, "ContainerGroupName", "g");
    assert_int_equal(emu_list_indices(&p, "Container.", &idx, &e), 2);
    assert_int_equal(idx[0], 1);
    assert_int_equal(idx[1], 3);
    free(idx);
    kv_add(&p, "Container.01.Name", "z");
    assert_int_equal(emu_list_indices(&p, "Container.", &idx, &e), -1);
    kv_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_minimal),         cmocka_unit_test(test_required),
        cmocka_unit_test(test_counts),          cmocka_unit_test(test_values),
        cmocka_unit_test(test_names_and_mounts), cmocka_unit_test(test_cpu_memory),
        cmocka_unit_test(test_probes),          cmocka_unit_test(test_update),
        cmocka_unit_test(test_helpers),         cmocka_unit_test(test_hooks_security),
        cmocka_unit_test(test_update_full),     cmocka_unit_test(test_param_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
