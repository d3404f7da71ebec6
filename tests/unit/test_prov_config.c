/* provider/config: precedence, every validation error, the Go provider's
 * env vars, YAML errors, secret redaction. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "provider/config.h"
#include "util/xmalloc.h"

static char tmpdir[64];

static int setup_dir(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/test_prov_config.XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown_dir(void **state)
{
    (void)state;
    char *cmd = xasprintf("rm -rf '%s'", tmpdir);
    int rc = system(cmd);
    free(cmd);
    return rc == 0 ? 0 : -1;
}

/* Write content to tmpdir/name; returns the path (caller frees). */
static char *write_file(const char *name, const char *content)
{
    char *path = xasprintf("%s/%s", tmpdir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(content, f);
    fclose(f);
    return path;
}

#define MAXARG 64

/* Load with argv items given as a NULL-terminated list and env likewise.
 * The required ECI settings are added unless noreq. */
static int load(prov_cfg *cfg, prov_cfg_error *err, bool noreq, char **env, ...)
{
    char *argv[MAXARG];
    int argc = 0;
    argv[argc++] = "eci-kubelet";
    if (!noreq) {
        argv[argc++] = "--node-ip=10.0.0.5";
    }
    va_list ap;
    va_start(ap, env);
    char *a;
    while ((a = va_arg(ap, char *)) != NULL && argc < MAXARG - 1)
        argv[argc++] = a;
    va_end(ap);
    argv[argc] = NULL;
    return prov_cfg_load(argc, argv, env, cfg, err);
}

static char *req_env[] = {"ECI_REGION=cn-hangzhou", "ECI_SECURITY_GROUP=sg-1", "ECI_VSWITCH=vsw-1", NULL};

/* Expect a load failure whose message equals (or, with a leading '~', contains) want. */
static void expect_err(const char *want, prov_cfg *cfg, prov_cfg_error *err, int rc)
{
    if (rc == 0)
        fail_msg("expected error \"%s\", load succeeded", want);
    if (want[0] == '~') {
        if (!strstr(err->msg, want + 1))
            fail_msg("error \"%s\" does not contain \"%s\"", err->msg, want + 1);
    } else {
        assert_string_equal(err->msg, want);
    }
    prov_cfg_free(cfg);
}

static void test_defaults(void **state)
{
    (void)state;
    prov_cfg c;
    prov_cfg_error e;
    assert_int_equal(load(&c, &e, false, req_env, NULL), 0);
    assert_string_equal(c.node_name, "virtual-kubelet");
    assert_string_equal(c.node_ip, "10.0.0.5");
    assert_string_equal(c.hostname_address, "10.0.0.5");
    assert_string_equal(c.cluster_name, "default");
    assert_string_equal(c.kubeconfig, "");
    assert_int_equal(c.port, 10250);
    assert_string_equal(c.capacity_cpu, "1000");
    assert_string_equal(c.capacity_memory, "4Ti");
    assert_string_equal(c.capacity_pods, "1000");
    assert_string_equal(c.capacity_ephemeral_storage, "4Ti");
    assert_true(c.taint.enabled);
    assert_string_equal(c.taint.key, "virtual-kubelet.io/provider");
    assert_string_equal(c.taint.value, "alibabacloud");
    assert_string_equal(c.taint.effect, "NoSchedule");
    assert_int_equal(c.node_status_update_period_ms, 60000);
    assert_int_equal(c.node_lease_duration_ms, 40000);
    assert_int_equal(c.pod_status_sync_period_ms, 5000);
    assert_int_equal(c.vswitches.n, 1);
    assert_string_equal(c.vswitches.items[0], "vsw-1");
    assert_int_equal(c.zones.n, 0);
    assert_true(c.eci_qps == 100.0);
    assert_int_equal(c.eci_burst, 200);
    assert_false(c.eci_insecure_skip_tls_verify);
    assert_false(c.eci_legacy_signature);
    assert_true(c.metrics_enabled);
    assert_string_equal(c.health_probe_bind_address, ":10248");
    assert_string_equal(c.leader_elect_name, "eci-kubelet-virtual-kubelet");
    assert_string_equal(c.access_key_secret, "");
    assert_int_equal(c.cluster_dns.n, 0);
    assert_string_equal(c.cluster_domain, "cluster.local");
    assert_int_equal(c.streaming_idle_timeout_ms, 4LL * 3600 * 1000);
    assert_false(c.dry_run);
    prov_cfg_free(&c);
    prov_cfg_free(&c); /* idempotent */
    prov_cfg_free(NULL);
}

static void test_documented_command_line(void **state)
{
    (void)state;
    prov_cfg c;
    prov_cfg_error e;
    char *kc = write_file("kubeconfig", "apiVersion: v1\n");
    char *crt = write_file("tls.crt", "x");
    char *key = write_file("tls.key", "x");
    char *ca = write_file("ca.crt", "x");
    int rc = load(&c, &e, false, NULL, "--kubeconfig", kc, "--node-name", "vk-eci", "--eci-endpoint",
                  "http://127.0.0.1:8080", "--region", "cn-shanghai", "--security-group", "sg-9", "--vswitch",
                  "vsw-a,vsw-b", "--port", "10350", "--tls-cert-file", crt, "--tls-private-key-file", key,
                  "--client-ca-file", ca, "--dry-run", NULL);
    assert_int_equal(rc, 0);
    assert_string_equal(c.kubeconfig, kc);
    assert_string_equal(c.node_name, "vk-eci");
    assert_string_equal(c.eci_endpoint, "http://127.0.0.1:8080");
    assert_string_equal(c.region, "cn-shanghai");
    assert_int_equal(c.vswitches.n, 2);
    assert_string_equal(c.vswitches.items[1], "vsw-b");
    char *joined = prov_cfg_list_join(&c.vswitches, ",");
    assert_string_equal(joined, "vsw-a,vsw-b");
    free(joined);
    joined = prov_cfg_list_join(&c.zones, ",");
    assert_string_equal(joined, "");
    free(joined);
    assert_int_equal(c.port, 10350);
    assert_string_equal(c.tls_cert_file, crt);
    assert_string_equal(c.client_ca_file, ca);
    assert_true(c.dry_run);
    assert_string_equal(c.leader_elect_name, "eci-kubelet-vk-eci");
    prov_cfg_free(&c);
    free(kc);
    free(crt);
    free(key);
    free(ca);
}

static void test_precedence(void **state)
{
    (void)state;
    prov_cfg c;
    prov_cfg_error e;
    char *f = write_file("prec.yaml", "kubelet:\n  port: 1001\neci:\n  region: file-region\n  qps: 3\n"
                                      "  securityGroup: sg-file\n  vswitches: [vsw-f1, vsw-f2]\n"
                                      "node:\n  name: from-file\n");
    char *cfgenv = xasprintf("ECI_KUBELET_CONFIG=%s", f);
    /* file only */
    char *env1[] = {cfgenv, NULL};
    assert_int_equal(load(&c, &e, false, env1, NULL), 0);
    assert_int_equal(c.port, 1001);
    assert_string_equal(c.region, "file-region");
    assert_string_equal(c.config_file, f);
    assert_int_equal(c.vswitches.n, 2);
    assert_true(c.eci_qps == 3.0);
    prov_cfg_free(&c);
    /* env beats file; the Go alias loses to the primary name */
    char *env2[] = {cfgenv, "ECI_KUBELET_LISTEN_PORT=1002", "ECI_REGION=alias-region", "ECI_KUBELET_REGION=env-region",
                    "ECI_VSWITCH=vsw-e", NULL};
    assert_int_equal(load(&c, &e, false, env2, NULL), 0);
    assert_int_equal(c.port, 1002);
    assert_string_equal(c.region, "env-region");
    assert_int_equal(c.vswitches.n, 1);
    assert_string_equal(c.vswitches.items[0], "vsw-e");
    assert_string_equal(c.node_name, "from-file");
    prov_cfg_free(&c);
    /* flags beat env; repeated list flags accumulate within the flag layer */
    assert_int_equal(load(&c, &e, false, env2, "--port=1003", "--vswitch", "vsw-x", "--vswitch=vsw-y",
                          "--node-name", "flagnode", NULL),
                     0);
    assert_int_equal(c.port, 1003);
    assert_int_equal(c.vswitches.n, 2);
    assert_string_equal(c.vswitches.items[0], "vsw-x");
    assert_string_equal(c.vswitches.items[1], "vsw-y");
    assert_string_equal(c.node_name, "flagnode");
    prov_cfg_free(&c);
    /* --config beats ECI_KUBELET_CONFIG */
    char *g = write_file("prec2.yaml", "kubelet:\n  port: 2001\n");
    assert_int_equal(load(&c, &e, false, env1, "--config", g, "--region=r", "--security-group=s", "--vswitch=v",
                          NULL),
                     0);
    assert_int_equal(c.port, 2001);
    assert_string_equal(c.config_file, g);
    prov_cfg_free(&c);
    /* an empty env value counts as unset */
    char *env3[] = {"ECI_REGION=cn-hangzhou", "ECI_SECURITY_GROUP=sg-1", "ECI_VSWITCH=vsw-1", "ECI_KUBELET_LISTEN_PORT=",
                    NULL};
    assert_int_equal(load(&c, &e, false, env3, NULL), 0);
    assert_int_equal(c.port, 10250);
    prov_cfg_free(&c);
    /* The variables Kubernetes injects for a Service named eci-kubelet are not settings. */
    char *env4[] = {"ECI_REGION=cn-hangzhou", "ECI_SECURITY_GROUP=sg-1", "ECI_VSWITCH=vsw-1",
                    "ECI_KUBELET_PORT=tcp://10.96.0.12:10250", "ECI_KUBELET_SERVICE_HOST=10.96.0.12",
                    "ECI_KUBELET_SERVICE_PORT=10250", "ECI_KUBELET_PORT_10250_TCP_ADDR=10.96.0.12", NULL};
    assert_int_equal(load(&c, &e, false, env4, NULL), 0);
    assert_int_equal(c.port, 10250);
    prov_cfg_free(&c);
    free(cfgenv);
    free(f);
    free(g);
}

static void test_go_provider_env(void **state)
{
    (void)state;
    prov_cfg c;
    prov_cfg_error e;
    char *env[] = {"ECI_REGION=cn-beijing",     "ECI_SECURITY_GROUP=sg-go", "ECI_VSWITCH=vsw-go",
                   "ECI_ACCESS_KEY=LTAIgo",      "ECI_SECRET_KEY=gosecret",  "ECI_CLUSTER_NAME=prod",
                   "ECI_QUOTA_CPU=200",          "ECI_QUOTA_MEMORY=800Gi",   "ECI_QUOTA_POD=300",
                   "VKUBELET_POD_IP=10.1.2.3",   NULL};
    assert_int_equal(load(&c, &e, true, env, NULL), 0);
    assert_string_equal(c.region, "cn-beijing");
    assert_string_equal(c.security_group, "sg-go");
    assert_string_equal(c.vswitches.items[0], "vsw-go");
    assert_string_equal(c.access_key_id, "LTAIgo");
    assert_string_equal(c.access_key_secret, "gosecret");
    assert_string_equal(c.cluster_name, "prod");
    assert_string_equal(c.capacity_cpu, "200");
    assert_string_equal(c.capacity_memory, "800Gi");
    assert_string_equal(c.capacity_pods, "300");
    assert_string_equal(c.node_ip, "10.1.2.3");
    char *dump = prov_cfg_dump(&c);
    assert_null(strstr(dump, "gosecret"));
    assert_non_null(strstr(dump, "eci.accessKeySecret=REDACTED"));
    assert_non_null(strstr(dump, "eci.accessKeyId=LTAIgo"));
    free(dump);
    prov_cfg_free(&c);
    /* a bad Go quota names the variable */
    char *bad[] = {"ECI_REGION=cn-beijing", "ECI_SECURITY_GROUP=sg", "ECI_VSWITCH=v", "ECI_QUOTA_POD=lots", NULL};
    expect_err("ECI_QUOTA_POD: must be a whole number of at least 1, got \"lots\"", &c, &e,
               load(&c, &e, false, bad, NULL));
}

/* The Go provider's flags and taint variables, each with a deprecation line. */
static void test_go_provider_flags(void **state)
{
    (void)state;
    prov_cfg c;
    prov_cfg_error e;
    char path[] = "/tmp/eci-provider-config-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char *toml = "# the Go provider's eci.toml\nRegion = \"cn-beijing\"\nVSwitch = \"vsw-toml\"\n"
                       "SecureGroup = \"sg-toml\"\nClusterName = \"prod\"\nCPU = \"20\"\nMemory = \"100Gi\"\n"
                       "Pods = \"20\"\nOperatingSystem = \"Linux\"\n";
    assert_int_equal(write(fd, toml, strlen(toml)), (ssize_t)strlen(toml));
    close(fd);
    char pc[64];
    snprintf(pc, sizeof pc, "--provider-config=%s", path);
    char *env[] = {"VK_TAINT_KEY=example.com/eci", "VKUBELET_TAINT_EFFECT=NoExecute", NULL};
    assert_int_equal(load(&c, &e, false, env, "--nodename", "vk-go", "--provider", "alibabacloud", pc,
                          "--pod-sync-workers=7", NULL),
                     0);
    assert_string_equal(c.node_name, "vk-go");
    assert_string_equal(c.region, "cn-beijing");
    assert_string_equal(c.vswitches.items[0], "vsw-toml");
    assert_string_equal(c.security_group, "sg-toml");
    assert_string_equal(c.cluster_name, "prod");
    assert_string_equal(c.capacity_pods, "20");
    assert_int_equal(c.reconcile_workers, 7);
    assert_string_equal(c.taint.key, "example.com/eci");
    assert_string_equal(c.taint.value, "alibabacloud");
    assert_string_equal(c.taint.effect, "NoExecute");
    assert_non_null(c.deprecations);
    assert_non_null(strstr(c.deprecations, "--nodename is deprecated (virtual-kubelet/alibabacloud-eci); use --node-name"));
    assert_non_null(strstr(c.deprecations, "--provider-config is deprecated"));
    assert_non_null(strstr(c.deprecations, "--provider (virtual-kubelet/alibabacloud-eci) is ignored"));
    assert_non_null(strstr(c.deprecations, "VK_TAINT_KEY is deprecated"));
    assert_non_null(strstr(c.deprecations, "VKUBELET_TAINT_EFFECT is deprecated"));
    prov_cfg_free(&c);
    /* a current setup has no deprecation line */
    assert_int_equal(load(&c, &e, false, NULL, "--region=cn-hangzhou", "--security-group=sg-1", "--vswitch=vsw-1",
                          NULL),
                     0);
    assert_null(c.deprecations);
    prov_cfg_free(&c);
    /* an unknown key in the TOML file is named */
    fd = open(path, O_WRONLY | O_TRUNC);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "Zone = \"a\"\n", 11), 11);
    close(fd);
    expect_err("~unknown key Zone", &c, &e, load(&c, &e, false, req_env, pc, NULL));
    unlink(path);
}

static void test_yaml_full(void **state)
{
    (void)state;
    prov_cfg c;
    prov_cfg_error e;
    char *sec = write_file("secret", "  s3cr3t-from-file\n");
    char *yaml = xasprintf("# sample\n"
                           "clusterName: c1\n"
                           "kubernetes:\n  qps: 20.5\n  burst: 40\n  context: ctx\n"
                           "node:\n  name: vk-1\n  ip: 10.9.9.9\n  hostnameAddress: none\n"
                           "  labels:\n    team: infra\n    example.com/tier: \"\"\n"
                           "  taint: example.com/eci:NoExecute\n"
                           "  capacity:\n    cpu: 500m\n    memory: 64Gi\n    pods: 50\n"
                           "    ephemeralStorage: 1e12\n    fromUsage: yes\n"
                           "  statusUpdatePeriod: 1m30s\n  leaseDuration: 20\n"
                           "eci:\n  region: cn-hangzhou\n  zones: cn-hangzhou-a, cn-hangzhou-b\n"
                           "  vswitches:\n    - vsw-1\n    - vsw-2\n  securityGroup: sg-1\n"
                           "  endpoint: https://eci.example.com\n  useVpcEndpoint: true\n  retries: 0\n"
                           "  timeout: 500ms\n  accessKeyId: LTAI\n  accessKeySecretFile: %s\n"
                           "  ramRole: role1\n  resourceGroupId: rg-1\n  insecureSkipTlsVerify: true\n"
                           "  legacySignature: true\n"
                           "kubelet:\n  address: \"::\"\n  port: 10251\n"
                           "controller:\n  podStatusSyncPeriod: 2s\n  reconcileWorkers: 4\n  orphanGcPeriod: 1h\n"
                           "log:\n  level: debug\n  format: json\n"
                           "pods:\n  clusterDNS: [10.96.0.10, \"fd00::10\"]\n  clusterDomain: corp.example\n"
                           "metrics:\n  enabled: false\n"
                           "health:\n  bindAddress: 127.0.0.1:9999\n"
                           "leaderElection:\n  enabled: true\n  namespace: ops\n  name: le\n"
                           "  leaseDuration: 30s\n  renewDeadline: 20s\n  retryPeriod: 5s\n"
                           "unused:\n",
                           sec);
    /* "unused:" is not a setting: the loader must reject it; strip it first */
    char *cut = strstr(yaml, "unused:\n");
    *cut = 0;
    char *f = write_file("full.yaml", yaml);
    assert_int_equal(load(&c, &e, true, NULL, "--config", f, NULL), 0);
    assert_string_equal(c.cluster_name, "c1");
    assert_true(c.kube_qps == 20.5);
    assert_int_equal(c.kube_burst, 40);
    assert_string_equal(c.kube_context, "ctx");
    assert_string_equal(c.node_name, "vk-1");
    assert_string_equal(c.node_ip, "10.9.9.9");
    assert_string_equal(c.hostname_address, "");
    assert_int_equal(c.node_labels.n, 2);
    assert_string_equal(kv_get(&c.node_labels, "team"), "infra");
    assert_string_equal(kv_get(&c.node_labels, "example.com/tier"), "");
    assert_string_equal(c.taint.key, "example.com/eci");
    assert_string_equal(c.taint.value, "");
    assert_string_equal(c.taint.effect, "NoExecute");
    assert_string_equal(c.capacity_cpu, "500m");
    assert_string_equal(c.capacity_pods, "50");
    assert_string_equal(c.capacity_ephemeral_storage, "1e12");
    assert_true(c.capacity_from_usage);
    assert_int_equal(c.node_status_update_period_ms, 90000);
    assert_int_equal(c.node_lease_duration_ms, 20000);
    assert_int_equal(c.zones.n, 2);
    assert_string_equal(c.zones.items[1], "cn-hangzhou-b");
    assert_int_equal(c.vswitches.n, 2);
    assert_true(c.eci_use_vpc_endpoint);
    assert_int_equal(c.eci_retries, 0);
    assert_int_equal(c.eci_timeout_ms, 500);
    assert_string_equal(c.access_key_secret, "s3cr3t-from-file");
    assert_string_equal(c.ram_role, "role1");
    assert_string_equal(c.resource_group, "rg-1");
    assert_true(c.eci_insecure_skip_tls_verify);
    assert_true(c.eci_legacy_signature);
    assert_string_equal(c.listen_address, "::");
    assert_int_equal(c.port, 10251);
    assert_int_equal(c.pod_status_sync_period_ms, 2000);
    assert_int_equal(c.reconcile_workers, 4);
    assert_int_equal(c.orphan_gc_period_ms, 3600000);
    assert_int_equal(c.log_level, 3);
    assert_int_equal(c.cluster_dns.n, 2);
    assert_string_equal(c.cluster_dns.items[1], "fd00::10");
    assert_string_equal(c.cluster_domain, "corp.example");
    assert_true(c.log_json);
    assert_false(c.metrics_enabled);
    assert_string_equal(c.health_probe_bind_address, "127.0.0.1:9999");
    assert_true(c.leader_elect);
    assert_string_equal(c.leader_elect_namespace, "ops");
    assert_string_equal(c.leader_elect_name, "le");
    char *dump = prov_cfg_dump(&c);
    assert_null(strstr(dump, "s3cr3t"));
    assert_non_null(strstr(dump, "node.statusUpdatePeriod=1m30s"));
    assert_non_null(strstr(dump, "node.labels=team=infra,example.com/tier="));
    assert_non_null(strstr(dump, "node.taint=example.com/eci:NoExecute"));
    assert_non_null(strstr(dump, "eci.zones=cn-hangzhou-a,cn-hangzhou-b"));
    free(dump);
    prov_cfg_free(&c);
    free(f);
    free(yaml);
    free(sec);
}

typedef struct bad_case {
    const char *args[4];
    const char *want; /* exact, or "~substring" */
} bad_case;

static void test_flag_errors(void **state)
{
    (void)state;
    static const bad_case cases[] = {
        {{"--port", "x"}, "--port: must be 1-65535, got \"x\""},
        {{"--port=0"}, "--port: must be 1-65535, got \"0\""},
        {{"--port=65536"}, "--port: must be 1-65535, got \"65536\""},
        {{"--port"}, "--port: needs a value (PORT)"},
        {{"--kube-api-burst=0"}, "--kube-api-burst: must be an integer of at least 1, got \"0\""},
        {{"--reconcile-workers=1000"}, "--reconcile-workers: must be 1-256, got \"1000\""},
        {{"--eci-retries=-1"}, "--eci-retries: must be 0-100, got \"-1\""},
        {{"--eci-qps=abc"}, "--eci-qps: expected a number, got \"abc\""},
        {{"--eci-qps=0"}, "--eci-qps: must be greater than 0 and at most 1e+06, got \"0\""},
        {{"--kube-api-qps=nan"}, "--kube-api-qps: expected a number, got \"nan\""},
        {{"--metrics=maybe"}, "--metrics: expected true or false, got \"maybe\""},
        {{"--dry-run=perhaps"}, "--dry-run: expected true or false, got \"perhaps\""},
        {{"--eci-timeout=soon"}, "--eci-timeout: expected a duration like 30s, 5m or 1h30m, got \"soon\""},
        {{"--eci-timeout=10ms"}, "--eci-timeout: must be between 100ms and 1h, got \"10ms\""},
        {{"--node-lease-duration=1s"}, "--node-lease-duration: must be between 4s and 1h, got \"1s\""},
        {{"--vswitch=v1,v2,v3,v4,v5,v6,v7,v8,v9,v10,v11"}, "--vswitch: at most 10 items, got 11"},
        {{"--cluster-dns=10.0.0.10,dns"}, "--cluster-dns: invalid item \"dns\" (expected an IPv4 or IPv6 address)"},
        {{"--cluster-domain=Cluster_Local"}, "~--cluster-domain: must be a lower-case DNS name"},
        {{"--streaming-connection-idle-timeout=0"}, "~--streaming-connection-idle-timeout: must be between 1s and"},
        {{"--node-name=a123456789.b123456789.c123456789.d123456789.e123456789.f12345678"},
         "--node-name: at most 63 characters (it is also the kubernetes.io/hostname label), got 64"},
        {{"--region=-cn-x"}, "--region: not usable as the topology.kubernetes.io/region label value"},
        {{"--zones=zone-a-,zone-b"}, "--zones: not usable as the topology.kubernetes.io/zone label value"},
        {{"--zones=cn-a,bad zone"}, "--zones: invalid item \"bad zone\" (expected letters, digits, '-', '_' or '.')"},
        {{"--node-labels=noequals"}, "--node-labels: expected KEY=VALUE, got \"noequals\""},
        {{"--node-labels=-bad=x"}, "--node-labels: invalid label key in \"-bad=x\""},
        {{"--node-labels=Bad_Prefix/x=y"}, "--node-labels: invalid label key in \"Bad_Prefix/x=y\""},
        {{"--node-labels=a=b c"}, "~--node-labels: invalid label value in \"a=b c\""},
        {{"--node-labels=kubernetes.io/role=agent"},
         "~--node-labels: \"kubernetes.io/role=agent\": a node may not set this kubernetes.io/k8s.io label"},
        {{"--node-labels=node-role.kubernetes.io/master="}, "~--node-labels: \"node-role.kubernetes.io/master=\": a node"},
        {{"--node-labels=node-restriction.kubernetes.io/x=y"}, "~--node-labels: \"node-restriction.kubernetes.io/x=y\""},
        {{"--node-labels=example.k8s.io/x=y"}, "~--node-labels: \"example.k8s.io/x=y\": a node may not"},
        {{"--node-certificate-duration=5m"},
         "~--node-certificate-duration: must be 0 (the signer's default) or at least 10m"},
        {{"--node-taint=foo"}, "--node-taint: expected KEY[=VALUE]:EFFECT or none, got \"foo\""},
        {{"--node-taint=foo=bar:Never"},
         "--node-taint: effect must be NoSchedule, PreferNoSchedule or NoExecute, got \"foo=bar:Never\""},
        {{"--node-taint=/x:NoSchedule"}, "--node-taint: invalid taint key, got \"/x:NoSchedule\""},
        {{"--node-taint=k=v v:NoSchedule"}, "~--node-taint: invalid taint value"},
        {{"--capacity-cpu=lots"}, "--capacity-cpu: expected a quantity like 1000, 500m, 4Ti or 64Gi, got \"lots\""},
        {{"--capacity-memory=-4Ti"}, "~--capacity-memory: expected a quantity"},
        {{"--capacity-memory=4TB"}, "~--capacity-memory: expected a quantity"},
        {{"--capacity-pods=0"}, "--capacity-pods: must be a whole number of at least 1, got \"0\""},
        {{"--capacity-pods=1.5"}, "--capacity-pods: must be a whole number of at least 1, got \"1.5\""},
        {{"--node-ip=10.0.0.256"}, "--node-ip: expected an IPv4 or IPv6 address, got \"10.0.0.256\""},
        {{"--address=localhost"}, "--address: expected an IPv4 or IPv6 address, got \"localhost\""},
        {{"--health-probe-bind-address=10248"},
         "--health-probe-bind-address: expected HOST:PORT or :PORT (port 1-65535), got \"10248\""},
        {{"--health-probe-bind-address=:0"}, "~--health-probe-bind-address: expected HOST:PORT"},
        {{"--eci-endpoint=ftp://x"}, "--eci-endpoint: expected an http:// or https:// URL, got \"ftp://x\""},
        {{"--eci-endpoint=http://"}, "~--eci-endpoint: expected an http"},
        {{"--log-level=loud"}, "--log-level: expected error, warn, info or debug, got \"loud\""},
        {{"--log-format=xml"}, "--log-format: expected text or json, got \"xml\""},
        {{"--node-name=Upper"}, "~--node-name: must be a lower-case DNS name"},
        {{"--node-name=a..b"}, "~--node-name: must be a lower-case DNS name"},
        {{"--region=cn hangzhou"}, "--region: expected letters, digits, '-', '_' or '.', got \"cn hangzhou\""},
        {{"--security-group=sg/1"}, "~--security-group: expected letters"},
        {{"--kubeconfig=/nonexistent/kc"}, "--kubeconfig: cannot read \"/nonexistent/kc\": No such file or directory"},
        {{"--tls-cert-file=/nonexistent/c"}, "~--tls-cert-file: cannot read"},
        {{"--client-ca-file=/nonexistent/c"}, "~--client-ca-file: cannot read"},
        {{"--eci-ca-file=/nonexistent/c"}, "~--eci-ca-file: cannot read"},
        {{"--access-key-secret-file=/nonexistent/s"},
         "--access-key-secret-file: cannot read \"/nonexistent/s\": No such file or directory"},
        {{"--hostname-address=Not A Host"},
         "--hostname-address: expected an IP address, a lower-case DNS name or none, got \"Not A Host\""},
        {{"--access-key-id=a", "--access-key-secret-file=/dev/null"},
         "--access-key-secret-file: cannot read \"/dev/null\": not a regular file"},
        {{"--access-key-id=a", "--access-key-secret-file=/"}, "~--access-key-secret-file: cannot read \"/\""},
        {{"--bogus"}, "unknown flag \"--bogus\" (see --help)"},
        {{"--bogus=1"}, "unknown flag \"--bogus\" (see --help)"},
        {{"stray"}, "unexpected argument \"stray\" (flags start with --; see --help)"},
        {{"-port=1"}, "~unexpected argument \"-port=1\""},
        {{"--leader-elect", "--leader-elect-renew-deadline=20s"},
         "--leader-elect-renew-deadline: must be shorter than the leader election lease duration "
         "(--leader-elect-lease-duration)"},
        {{"--leader-elect", "--leader-elect-retry-period=10s"},
         "--leader-elect-retry-period: must be shorter than the leader election renew deadline "
         "(--leader-elect-renew-deadline)"},
        {{"--access-key-id=LTAI"}, "~--access-key-id: the AccessKey id needs its secret too"},
        {{"--config=/nonexistent/c.yaml"},
         "--config: cannot read \"/nonexistent/c.yaml\": No such file or directory"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        prov_cfg c;
        prov_cfg_error e;
        const bad_case *b = &cases[i];
        int rc = load(&c, &e, false, req_env, b->args[0], b->args[1], b->args[2], b->args[3], NULL);
        expect_err(b->want, &c, &e, rc);
    }
}

static void test_required_and_pairs(void **state)
{
    (void)state;
    prov_cfg c;
    prov_cfg_error e;
    expect_err("--region: required; set --region, ECI_KUBELET_REGION, ECI_REGION or eci.region in the config file",
               &c, &e, load(&c, &e, false, NULL, NULL));
    char *env1[] = {"ECI_REGION=r", NULL};
    expect_err("~--vswitch: required", &c, &e, load(&c, &e, false, env1, NULL));
    char *env2[] = {"ECI_REGION=r", "ECI_VSWITCH=v", NULL};
    expect_err("~--security-group: required", &c, &e, load(&c, &e, false, env2, NULL));
    char *env3[] = {"ECI_REGION=r", "ECI_VSWITCH= , ", "ECI_SECURITY_GROUP=s", NULL};
    expect_err("~--vswitch: required", &c, &e, load(&c, &e, false, env3, NULL));
    char *crt = write_file("only.crt", "x");
    expect_err("--tls-cert-file: the serving certificate needs its key too (--tls-private-key-file, "
               "ECI_KUBELET_TLS_PRIVATE_KEY_FILE or kubelet.tlsPrivateKeyFile)", &c, &e,
               load(&c, &e, false, req_env, "--tls-cert-file", crt, NULL));
    expect_err("~--tls-private-key-file: the serving key needs its certificate too", &c, &e,
               load(&c, &e, false, req_env, "--tls-private-key-file", crt, NULL));
    char *env4[] = {"ECI_REGION=r", "ECI_VSWITCH=v", "ECI_SECURITY_GROUP=s", "ECI_SECRET_KEY=topsecret", NULL};
    int rc = load(&c, &e, false, env4, NULL);
    assert_null(strstr(e.msg, "topsecret"));
    expect_err("ECI_SECRET_KEY: the AccessKey secret needs its id too (--access-key-id, ECI_KUBELET_ACCESS_KEY_ID, "
               "ECI_ACCESS_KEY or eci.accessKeyId)", &c, &e, rc);
    /* the Go provider's id without its secret names the variable */
    char *env5[] = {"ECI_REGION=r", "ECI_VSWITCH=v", "ECI_SECURITY_GROUP=s", "ECI_ACCESS_KEY=LTAI", NULL};
    expect_err("~ECI_ACCESS_KEY: the AccessKey id needs its secret too", &c, &e, load(&c, &e, false, env5, NULL));
    /* from a config file: the file and key */
    char *lf = write_file("le.yaml", "leaderElection:\n  enabled: true\n  retryPeriod: 12s\n");
    rc = load(&c, &e, false, req_env, "--config", lf, NULL);
    char *want = xasprintf("%s: leaderElection.retryPeriod: must be shorter than the leader election renew deadline "
                           "(--leader-elect-renew-deadline)", lf);
    expect_err(want, &c, &e, rc);
    free(want);
    free(lf);
    char *empty = write_file("empty-secret", " \n");
    expect_err("~--access-key-secret-file: \"", &c, &e,
               load(&c, &e, false, req_env, "--access-key-id=a", "--access-key-secret-file", empty, NULL));
    assert_non_null(strstr(e.msg, "is empty"));
    free(crt);
    free(empty);
}

static void test_yaml_errors(void **state)
{
    (void)state;
    static const struct {
        const char *yaml;
        const char *want; /* after "<path>: " */
    } cases[] = {
        {"eci:\n  qps: abc\n", "eci.qps: expected a number, got \"abc\" (line 2)"},
        {"eci:\n  qps: [1]\n", "eci.qps: expected a number (line 2)"},
        {"eci:\n  qsp: 1\n", "eci.qsp: unknown setting (line 2)"},
        {"nope: 1\n", "nope: unknown setting (line 1)"},
        {"eci: 5\n", "eci: expected a mapping (a section of settings) (line 1)"},
        {"kubelet:\n  port: 99999\n", "kubelet.port: must be 1-65535, got \"99999\" (line 2)"},
        {"metrics:\n  enabled: sometimes\n", "metrics.enabled: expected true or false, got \"sometimes\" (line 2)"},
        {"node:\n  labels: a=b\n", "node.labels: expected a mapping of label keys to values (line 2)"},
        {"node:\n  labels:\n    a: [1]\n", "node.labels: expected a mapping of label keys to values (line 3)"},
        {"node:\n  labels:\n    \"bad key\": x\n", "node.labels: invalid label key in \"bad key=x\" (line 3)"},
        {"eci:\n  vswitches:\n    - {a: b}\n", "eci.vswitches: expected a list of ids (line 3)"},
        {"eci:\n  zones: {a: b}\n", "eci.zones: expected a list or a comma-separated string (line 2)"},
        {"node:\n  statusUpdatePeriod: forever\n",
         "node.statusUpdatePeriod: expected a duration like 30s, 5m or 1h30m, got \"forever\" (line 2)"},
        {"- a\n- b\n", "expected a mapping of settings at the top level (line 1)"},
        {"eci:\n  qps: 1\n qps: 2\n", "~invalid YAML: "},
        {"eci: {region: [}\n", "~invalid YAML: "},
        {"a: 1\n---\nb: 2\n", "~a: unknown setting"},
        {"eci:\n  region: r\n---\neci:\n  region: s\n", "more than one YAML document"},
        {"? [a]\n: 1\n", "(top level): keys must be plain strings (line 1)"},
        {"node:\n  labels:\n    a: \"x,y\"\n", "node.labels: labels cannot contain ',' (line 3)"},
        {"eci:\n  zones: [\"a,b\"]\n", "eci.zones: expected a list of ids (line 2)"},
        {"log:\n  level: chatty\n", "log.level: expected error, warn, info or debug, got \"chatty\" (line 2)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        prov_cfg c;
        prov_cfg_error e;
        char *f = write_file("bad.yaml", cases[i].yaml);
        int rc = load(&c, &e, false, req_env, "--config", f, NULL);
        char *want = cases[i].want[0] == '~' ? xasprintf("~%s: %s", f, cases[i].want + 1)
                                             : xasprintf("%s: %s", f, cases[i].want);
        expect_err(want, &c, &e, rc);
        free(want);
        free(f);
    }
    /* An empty file and null values are fine and leave defaults. */
    prov_cfg c;
    prov_cfg_error e;
    char *f = write_file("empty.yaml", "# nothing\n");
    assert_int_equal(load(&c, &e, false, req_env, "--config", f, NULL), 0);
    prov_cfg_free(&c);
    free(f);
    f = write_file("nulls.yaml", "kubelet:\n  port: ~\neci:\nnode:\n  labels:\n");
    assert_int_equal(load(&c, &e, false, req_env, "--config", f, NULL), 0);
    assert_int_equal(c.port, 10250);
    prov_cfg_free(&c);
    free(f);
}

static void test_secrets_never_leak(void **state)
{
    (void)state;
    prov_cfg c;
    prov_cfg_error e;
    /* A YAML error next to the secret does not echo it. */
    char *f = write_file("sec.yaml", "eci:\n  accessKeyId: id\n  accessKeySecret: TOPSECRET123\n  qps: x\n");
    int rc = load(&c, &e, false, req_env, "--config", f, NULL);
    assert_null(strstr(e.msg, "TOPSECRET123"));
    expect_err("~eci.qps: expected a number", &c, &e, rc);
    /* A structural error on the secret itself does not echo it either. */
    char *g = write_file("sec2.yaml", "eci:\n  accessKeySecret: [TOPSECRET123]\n");
    rc = load(&c, &e, false, req_env, "--config", g, NULL);
    assert_null(strstr(e.msg, "TOPSECRET123"));
    expect_err("~eci.accessKeySecret: expected a single value", &c, &e, rc);
    /* Help lists the secret's env var and key but has no flag for it. */
    char *h = xasprintf("%s/help.txt", tmpdir);
    FILE *out = fopen(h, "w");
    prov_cfg_help(out);
    fclose(out);
    char *text = NULL;
    size_t cap = 0;
    out = fopen(h, "r");
    ssize_t n = getdelim(&text, &cap, 0, out);
    fclose(out);
    assert_true(n > 1000);
    assert_non_null(strstr(text, "ECI_SECRET_KEY"));
    assert_null(strstr(text, "--access-key-secret "));
    free(text);
    free(h);
    free(f);
    free(g);
}

static void test_help_lists_everything(void **state)
{
    (void)state;
    char *h = xasprintf("%s/help2.txt", tmpdir);
    FILE *out = fopen(h, "w");
    prov_cfg_help(out);
    fclose(out);
    char *text = NULL;
    size_t cap = 0;
    out = fopen(h, "r");
    assert_true(getdelim(&text, &cap, 0, out) > 0);
    fclose(out);
    static const char *const must[] = {
        "--kubeconfig FILE", "--node-name NAME", "--eci-endpoint URL", "--region REGION", "--security-group SG",
        "--vswitch VSW", "--port PORT", "--tls-cert-file FILE", "--tls-private-key-file FILE",
        "--client-ca-file FILE", "--node-ip IP", "--config FILE", "--dry-run", "--version", "ECI_QUOTA_CPU",
        "ECI_QUOTA_MEMORY", "ECI_QUOTA_POD", "ECI_CLUSTER_NAME", "ECI_ACCESS_KEY", "eci.qps",
        "default: 10250", "default: virtual-kubelet.io/provider=alibabacloud:NoSchedule", "Leader election:",
        "--leader-elect-lease-duration DURATION", "--eci-insecure-skip-tls-verify", "--capacity-from-usage",
        "--orphan-gc-period DURATION", "--health-probe-bind-address HOST:PORT", "--ram-role NAME",
        "--resource-group ID", "--eci-ca-file FILE", "--eci-use-vpc-endpoint", "--kube-api-qps N",
    };
    for (size_t i = 0; i < sizeof must / sizeof must[0]; i++)
        if (!strstr(text, must[i]))
            fail_msg("help lacks \"%s\"", must[i]);
    free(text);
    free(h);
}

static void test_help_and_version_short_circuit(void **state)
{
    (void)state;
    prov_cfg c;
    prov_cfg_error e;
    assert_int_equal(load(&c, &e, true, NULL, "--port=x", "--help", NULL), 0);
    assert_true(c.show_help);
    prov_cfg_free(&c);
    assert_int_equal(load(&c, &e, true, NULL, "--version", "--config=/nonexistent", NULL), 0);
    assert_true(c.show_version);
    prov_cfg_free(&c);
    assert_int_equal(load(&c, &e, true, NULL, "-h", NULL), 0);
    assert_true(c.show_help);
    prov_cfg_free(&c);
}

static void test_misc_values(void **state)
{
    (void)state;
    prov_cfg c;
    prov_cfg_error e;
    assert_int_equal(load(&c, &e, false, req_env, "--node-taint=none", "--hostname-address", "vk.example.com",
                          "--node-labels", "a=1", "--node-labels=b=2,a=3", "--eci-insecure-skip-tls-verify",
                          "--metrics=false", "--node-ip", "fd00::5", NULL),
              0);
    assert_false(c.taint.enabled);
    assert_string_equal(c.hostname_address, "vk.example.com");
    assert_int_equal(c.node_labels.n, 2);
    assert_string_equal(kv_get(&c.node_labels, "a"), "3");
    assert_true(c.eci_insecure_skip_tls_verify);
    assert_false(c.metrics_enabled);
    assert_string_equal(c.node_ip, "fd00::5");
    char *dump = prov_cfg_dump(&c);
    assert_non_null(strstr(dump, "node.taint=none"));
    assert_non_null(strstr(dump, "eci.insecureSkipTlsVerify=true"));
    free(dump);
    prov_cfg_free(&c);
    /* taint with key only */
    assert_int_equal(load(&c, &e, false, req_env, "--node-taint", "example.com/x:PreferNoSchedule", NULL), 0);
    assert_true(c.taint.enabled);
    assert_string_equal(c.taint.value, "");
    prov_cfg_free(&c);
    /* the primary IPv4 is detected when --node-ip is absent (when the host has one) */
    char ip[64];
    if (prov_cfg_primary_ipv4(ip, sizeof ip) == 0) {
        assert_int_equal(load(&c, &e, true, req_env, NULL), 0);
        assert_string_equal(c.node_ip, ip);
        assert_string_equal(c.hostname_address, ip);
        prov_cfg_free(&c);
    }
}

static void test_duration_and_quantity(void **state)
{
    (void)state;
    int64_t ms;
    assert_int_equal(prov_cfg_parse_duration("1h30m", &ms), 0);
    assert_int_equal(ms, 5400000);
    assert_int_equal(prov_cfg_parse_duration("1.5s", &ms), 0);
    assert_int_equal(ms, 1500);
    assert_int_equal(prov_cfg_parse_duration("250ms", &ms), 0);
    assert_int_equal(ms, 250);
    assert_int_equal(prov_cfg_parse_duration("1m0s", &ms), 0);
    assert_int_equal(ms, 60000);
    assert_int_equal(prov_cfg_parse_duration("30", &ms), 0);
    assert_int_equal(ms, 30000);
    assert_int_equal(prov_cfg_parse_duration("0.5", &ms), 0);
    assert_int_equal(ms, 500);
    assert_int_equal(prov_cfg_parse_duration("", &ms), -1);
    assert_int_equal(prov_cfg_parse_duration("5d", &ms), -1);
    assert_int_equal(prov_cfg_parse_duration("-5s", &ms), -1);
    assert_int_equal(prov_cfg_parse_duration("s", &ms), -1);
    assert_int_equal(prov_cfg_parse_duration("1e400", &ms), -1);
    assert_int_equal(prov_cfg_parse_duration("5 s", &ms), -1);
    assert_true(prov_cfg_quantity_valid("1000"));
    assert_true(prov_cfg_quantity_valid("4Ti"));
    assert_true(prov_cfg_quantity_valid("500m"));
    assert_true(prov_cfg_quantity_valid("1.5Gi"));
    assert_true(prov_cfg_quantity_valid("1e3"));
    assert_true(prov_cfg_quantity_valid("+2k"));
    assert_false(prov_cfg_quantity_valid(""));
    assert_false(prov_cfg_quantity_valid("Gi"));
    assert_false(prov_cfg_quantity_valid("-1"));
    assert_false(prov_cfg_quantity_valid("1 Gi"));
    assert_false(prov_cfg_quantity_valid("1GiB"));
    assert_false(prov_cfg_quantity_valid("1e"));
}

/* deploy/config.example.yaml loads, and names every config key the help lists. */
static void test_example_file(void **state)
{
    (void)state;
    const char *repo = getenv("ECI_REPO") ? getenv("ECI_REPO") : ".";
    char *path = xasprintf("%s/deploy/config.example.yaml", repo);
    if (access(path, R_OK) != 0) {
        free(path);
        skip();
    }
    prov_cfg c;
    prov_cfg_error e;
    if (load(&c, &e, false, NULL, "--config", path, NULL) != 0)
        fail_msg("example config: %s", e.msg);
    assert_string_equal(c.region, "cn-hangzhou");
    assert_int_equal(c.vswitches.n, 2);
    prov_cfg_free(&c);

    FILE *f = fopen(path, "r");
    char *yaml = NULL;
    size_t cap = 0;
    assert_true(getdelim(&yaml, &cap, 0, f) > 0);
    fclose(f);
    char *h = xasprintf("%s/help3.txt", tmpdir);
    FILE *out = fopen(h, "w");
    prov_cfg_help(out);
    fclose(out);
    out = fopen(h, "r");
    char *text = NULL;
    cap = 0;
    assert_true(getdelim(&text, &cap, 0, out) > 0);
    fclose(out);
    int keys = 0;
    for (char *p = strstr(text, "config: "); p; p = strstr(p + 1, "config: ")) {
        char key[128];
        if (sscanf(p, "config: %127[^]]", key) != 1)
            continue;
        char *last = strrchr(key, '.');
        /* the key's last segment appears at the start of a (possibly indented) line */
        bool found = false;
        for (char *q = strstr(yaml, last ? last + 1 : key); q; q = strstr(q + 1, last ? last + 1 : key)) {
            char *ls = q;
            while (ls > yaml && ls[-1] == ' ')
                ls--;
            size_t kl = strlen(last ? last + 1 : key);
            if ((ls == yaml || ls[-1] == '\n') && q[kl] == ':')
                found = true;
        }
        if (!found)
            fail_msg("deploy/config.example.yaml lacks %s", key);
        keys++;
    }
    assert_true(keys > 50);
    free(text);
    free(h);
    free(yaml);
    free(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_documented_command_line),
        cmocka_unit_test(test_precedence),
        cmocka_unit_test(test_go_provider_env),
        cmocka_unit_test(test_go_provider_flags),
        cmocka_unit_test(test_yaml_full),
        cmocka_unit_test(test_flag_errors),
        cmocka_unit_test(test_required_and_pairs),
        cmocka_unit_test(test_yaml_errors),
        cmocka_unit_test(test_secrets_never_leak),
        cmocka_unit_test(test_help_lists_everything),
        cmocka_unit_test(test_help_and_version_short_circuit),
        cmocka_unit_test(test_misc_values),
        cmocka_unit_test(test_duration_and_quantity),
        cmocka_unit_test(test_example_file),
    };
    return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
