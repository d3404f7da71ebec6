/* provider/podmap/translate*: a table of PodSpecs (JSON) -> expected flattened ECI
 * parameters (through the eci encoder) and findings; every rejection path;
 * resource rounding; $(VAR) expansion; secrets never in findings; updates. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eci/codec.h"
#include "provider/podmap/translate.h"
#include "util/xmalloc.h"

/* ------------------------------------------------------------ fixtures */

/* JSON written with single quotes for readability. */
static char *J(const char *s)
{
    char *r = xstrdup(s);
    for (char *p = r; *p; p++) {
        if (*p == '\'')
            *p = '"';
        else if (*p == '`')
            *p = '\'';
    }
    return r;
}

typedef struct fake {
    cJSON *store; /* {"cm":{..},"secret":{..},"services":{ns:[..]},"token":".."} */
    int fail;     /* every call answers PODMAP_RES_ERROR */
    int token_calls;
    char last_audience[64];
    long last_exp;
} fake;

static int fake_get(fake *f, const char *kind, const char *name, cJSON **out)
{
    if (f->fail)
        return PODMAP_RES_ERROR;
    const cJSON *o = cJSON_GetObjectItem(cJSON_GetObjectItem(f->store, kind), name);
    if (!o)
        return PODMAP_RES_NOT_FOUND;
    *out = cJSON_Duplicate(o, 1);
    return PODMAP_RES_OK;
}

static int get_cm(void *ctx, const char *ns, const char *name, cJSON **out)
{
    (void)ns;
    return fake_get(ctx, "cm", name, out);
}

static int get_secret(void *ctx, const char *ns, const char *name, cJSON **out)
{
    (void)ns;
    return fake_get(ctx, "secret", name, out);
}

static int get_token(void *ctx, const char *ns, const char *sa, const char *aud, long exp,
                     const cJSON *pod, char **tok)
{
    (void)ns;
    (void)pod;
    fake *f = ctx;
    if (f->fail)
        return PODMAP_RES_ERROR;
    f->token_calls++;
    snprintf(f->last_audience, sizeof f->last_audience, "%s", aud ? aud : "(null)");
    f->last_exp = exp;
    const char *t = cJSON_GetStringValue(cJSON_GetObjectItem(f->store, "token"));
    if (!t || strcmp(sa, "missing") == 0)
        return PODMAP_RES_NOT_FOUND;
    *tok = xstrdup(t);
    return PODMAP_RES_OK;
}

static int list_svc(void *ctx, const char *ns, cJSON **out)
{
    fake *f = ctx;
    if (f->fail)
        return PODMAP_RES_ERROR;
    const cJSON *o = cJSON_GetObjectItem(cJSON_GetObjectItem(f->store, "services"), ns);
    *out = o ? cJSON_Duplicate(o, 1) : cJSON_CreateArray();
    return PODMAP_RES_OK;
}

/* ImageCache objects by name: their phase; a Ready one's id is imc-<name>. */
static int get_imc(void *ctx, const char *name, char **id, char **why)
{
    fake *f = ctx;
    const char *ph = cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(f->store, "imagecaches"), name));
    if (!ph)
        return PODMAP_RES_NOT_FOUND;
    if (!strcmp(ph, "Ready")) {
        *id = xasprintf("imc-%s", name);
        return PODMAP_RES_OK;
    }
    *why = xstrdup(ph);
    return !strcmp(ph, "Failed") ? PODMAP_RES_UNUSABLE : PODMAP_RES_ERROR;
}

static const char *STORE =
    "{'cm':{"
    "  'app':{'data':{'LEVEL':'debug','bad-key':'x','1abc':'y','URL':'http://x'}},"
    "  'files':{'data':{'a.conf':'hello','b.conf':'world'},'binaryData':{'c.bin':'AAEC'}},"
    "  'kube-root-ca.crt':{'data':{'ca.crt':'CERT'}}},"
    " 'secret':{"
    "  'db':{'type':'Opaque','data':{'password':'czNjcjN0LXZhbHVl','user':'YWRtaW4='}},"
    "  'long':{'type':'Opaque','data':{'blob':'"
    /* 300 x 'A' base64 encoded = 400 chars of QUFB */
    "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB"
    "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB"
    "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB"
    "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB"
    "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB'}},"
    /* {"auths":{"https://registry.example.com/v1/":{"auth":"dXNlcjpodW50ZXIy"}}}  user:hunter2 */
    "  'pull':{'type':'kubernetes.io/dockerconfigjson','data':{'.dockerconfigjson':"
    "'eyJhdXRocyI6eyJodHRwczovL3JlZ2lzdHJ5LmV4YW1wbGUuY29tL3YxLyI6eyJhdXRoIjoiZFhObGNqcG9kVzUwWlhJeSJ9fX0='}},"
    /* {"quay.io":{"username":"bob","password":"pw-bob-1"}} */
    "  'legacy':{'type':'kubernetes.io/dockercfg','data':{'.dockercfg':"
    "'eyJxdWF5LmlvIjp7InVzZXJuYW1lIjoiYm9iIiwicGFzc3dvcmQiOiJwdy1ib2ItMSJ9fQ=='}},"
    "  'tls':{'type':'Opaque','data':{'tls.key':'S0VZ'}}},"
    " 'services':{"
    "  'default':[{'metadata':{'name':'kubernetes'},'spec':{'clusterIP':'10.96.0.1',"
    "     'ports':[{'name':'https','port':443,'protocol':'TCP'}]}}],"
    "  'shop':[{'metadata':{'name':'redis-main'},'spec':{'clusterIP':'10.96.5.5',"
    "     'ports':[{'port':6379}]}},"
    "          {'metadata':{'name':'headless'},'spec':{'clusterIP':'None','ports':[{'port':80}]}}]},"
    " 'imagecaches':{'web-cache':'Ready','slow-cache':'Creating','bad-cache':'Failed'},"
    " 'token':'eyJhbGciOiJSUzI1NiJ9.tok.sig'}";

static podmap_config CFG = {
    .cluster_name = "c1",
    .node_name = "vk-eci",
    .region = "cn-hangzhou",
    .vswitch_ids = "vsw-1",
    .security_group_id = "sg-1",
    .node_ip = "192.168.0.10",
    .cluster_dns = "10.96.0.10",
    .cluster_domain = "cluster.local",
};

static fake *new_fake(void)
{
    fake *f = xcalloc(1, sizeof *f);
    char *s = J(STORE);
    f->store = cJSON_Parse(s);
    free(s);
    assert_non_null(f->store);
    return f;
}

static void free_fake(fake *f)
{
    cJSON_Delete(f->store);
    free(f);
}

/* A pod in namespace "shop" named "web" with the given extra metadata
 * members (may be "") and spec members. */
static cJSON *mkpod(const char *meta, const char *spec)
{
    char *s = xasprintf("{'apiVersion':'v1','kind':'Pod','metadata':{'name':'web','namespace':'shop',"
                        "'uid':'0f0e0d0c-1111-2222-3333-444455556666','labels':{'app':'web','tier':'fe'}%s%s},"
                        "'spec':{%s}}",
                        *meta ? "," : "", meta, spec);
    char *j = J(s);
    cJSON *p = cJSON_Parse(j);
    if (!p)
        fail_msg("bad test JSON: %s", j);
    free(s);
    free(j);
    return p;
}

typedef struct run {
    podmap_result r;
    kv_list kv;   /* encoder output */
    kv_list flat; /* podmap_flatten output */
    fake *f;
} run;

static int kv_cmp(const void *a, const void *b)
{
    const kv_pair *x = a, *y = b;
    return strcmp(x->key, y->key);
}

static void translate(run *t, const char *meta, const char *spec)
{
    memset(t, 0, sizeof *t);
    t->f = new_fake();
    podmap_resolver res = {t->f, get_cm, get_secret, get_token, list_svc, get_imc};
    cJSON *pod = mkpod(meta, spec);
    podmap_translate(pod, &CFG, &res, &t->r);
    cJSON_Delete(pod);
    kv_init(&t->kv);
    kv_init(&t->flat);
    if (t->r.outcome == PODMAP_OK) {
        eci_error err;
        memset(&err, 0, sizeof err);
        if (eci_encode_create_cg(&t->r.req, "cn-hangzhou", &t->kv, &err) != 0)
            fail_msg("encoder refused the request: %s", err.detail);
        podmap_flatten(t->r.params, &t->flat);
        /* The typed request encodes to exactly the parameter tree. */
        kv_list a = t->kv, b = t->flat;
        qsort(a.items, a.n, sizeof *a.items, kv_cmp);
        qsort(b.items, b.n, sizeof *b.items, kv_cmp);
        for (size_t i = 0; i < a.n && i < b.n; i++) {
            char *e1, *e2;
            double d1 = strtod(a.items[i].val, &e1), d2 = strtod(b.items[i].val, &e2);
            int numeq = *a.items[i].val && *b.items[i].val && !*e1 && !*e2 && d1 == d2;
            if (strcmp(a.items[i].key, b.items[i].key) || (!numeq && strcmp(a.items[i].val, b.items[i].val)))
                fail_msg("encoder/tree mismatch: %s=%s vs %s=%s", a.items[i].key, a.items[i].val,
                         b.items[i].key, b.items[i].val);
        }
        assert_int_equal(a.n, b.n);
    }
}

static void done(run *t)
{
    podmap_result_free(&t->r);
    kv_free(&t->kv);
    kv_free(&t->flat);
    free_fake(t->f);
}

static void want(run *t, const char *k, const char *v)
{
    const char *got = kv_get(&t->kv, k);
    if (!got)
        fail_msg("missing parameter %s (outcome %d, %s)", k, t->r.outcome,
                 t->r.message ? t->r.message : "");
    if (strcmp(got, v))
        fail_msg("%s: got '%s', want '%s'", k, got, v);
}

static void absent(run *t, const char *k)
{
    if (kv_get(&t->kv, k))
        fail_msg("unexpected parameter %s=%s", k, kv_get(&t->kv, k));
}

static const podmap_finding *finding(run *t, const char *fate, const char *path)
{
    for (size_t i = 0; i < t->r.nfindings; i++) {
        const podmap_finding *f = &t->r.findings[i];
        if (!strcmp(podmap_fate_name(f->fate), fate) && !strcmp(f->path, path))
            return f;
    }
    fprintf(stderr, "findings:\n");
    for (size_t i = 0; i < t->r.nfindings; i++)
        fprintf(stderr, "  %s %s: %s\n", podmap_fate_name(t->r.findings[i].fate),
                t->r.findings[i].path, t->r.findings[i].message);
    fail_msg("no %s finding for %s", fate, path);
    return NULL;
}

static void no_findings(run *t)
{
    for (size_t i = 0; i < t->r.nfindings; i++)
        fail_msg("unexpected finding %s %s: %s", podmap_fate_name(t->r.findings[i].fate),
                 t->r.findings[i].path, t->r.findings[i].message);
}

/* Nothing the pod or the resolver calls secret may show up in any text. */
static void no_secret_text(run *t, const char *secret)
{
    for (size_t i = 0; i < t->r.nfindings; i++) {
        assert_null(strstr(t->r.findings[i].message, secret));
        assert_null(strstr(t->r.findings[i].path, secret));
    }
    if (t->r.message)
        assert_null(strstr(t->r.message, secret));
}

#define C1 "'containers':[{'name':'app','image':'nginx:1.25'"

/* ------------------------------------------------------------- tests */

static void t_minimal(void **st)
{
    (void)st;
    run t;
    translate(&t, "", C1 "}]");
    assert_int_equal(t.r.outcome, PODMAP_OK);
    no_findings(&t);
    want(&t, "RegionId", "cn-hangzhou");
    want(&t, "ContainerGroupName", "shop-web");
    want(&t, "ClientToken", "0f0e0d0c-1111-2222-3333-444455556666");
    want(&t, "SecurityGroupId", "sg-1");
    want(&t, "VSwitchId", "vsw-1");
    want(&t, "RestartPolicy", "Always");
    want(&t, "Tag.1.Key", "eci-kubelet/cluster");
    want(&t, "Tag.1.Value", "c1");
    want(&t, "Tag.2.Key", "eci-kubelet/node");
    want(&t, "Tag.2.Value", "vk-eci");
    want(&t, "Tag.3.Value", "shop");
    want(&t, "Tag.4.Value", "web");
    want(&t, "Tag.5.Key", "eci-kubelet/uid");
    want(&t, "Tag.5.Value", "0f0e0d0c-1111-2222-3333-444455556666");
    want(&t, "Container.1.Name", "app");
    want(&t, "Container.1.Image", "nginx:1.25");
    want(&t, "DnsPolicy", "None");
    want(&t, "DnsConfig.NameServer.1", "10.96.0.10");
    want(&t, "DnsConfig.Search.1", "shop.svc.cluster.local");
    want(&t, "DnsConfig.Search.2", "svc.cluster.local");
    want(&t, "DnsConfig.Search.3", "cluster.local");
    want(&t, "DnsConfig.Option.1.Name", "ndots");
    want(&t, "DnsConfig.Option.1.Value", "5");
    want(&t, "HostName", "web");
    /* the master service is always there */
    want(&t, "Container.1.EnvironmentVar.1.Key", "KUBERNETES_SERVICE_HOST");
    absent(&t, "Cpu");
    absent(&t, "Memory");
    absent(&t, "Container.1.Cpu");
    done(&t);
}

static void t_resources_rounded(void **st)
{
    (void)st;
    run t;
    translate(&t, "", C1 ",'resources':{'limits':{'cpu':'300m','memory':'700Mi'}}}]");
    assert_int_equal(t.r.outcome, PODMAP_OK);
    want(&t, "Container.1.Cpu", "0.3");
    want(&t, "Container.1.Memory", "0.68359375");
    want(&t, "Cpu", "0.5");
    want(&t, "Memory", "1.0");
    const podmap_finding *f = finding(&t, "adjusted", "spec.containers[*].resources");
    assert_string_equal(f->type, "Normal");
    assert_string_equal(f->reason, "ResourcesRounded");
    assert_non_null(strstr(f->message, "0.5 vCPU / 1 GiB"));
    done(&t);

    /* requests when no limits; an exact spec has no finding */
    translate(&t, "", C1 ",'resources':{'requests':{'cpu':'2','memory':'4Gi'}}}]");
    want(&t, "Cpu", "2.0");
    want(&t, "Memory", "4.0");
    want(&t, "Container.1.Cpu", "2.0");
    no_findings(&t);
    done(&t);

    /* effective = max(sum(containers), max(init)) */
    translate(&t, "",
              "'initContainers':[{'name':'i','image':'busybox','resources':{'limits':{'cpu':'4','memory':'8Gi'}}}],"
              C1 ",'resources':{'limits':{'cpu':'1','memory':'2Gi'}}},"
              "{'name':'b','image':'x','resources':{'limits':{'cpu':'1','memory':'1Gi'}}}]");
    want(&t, "Cpu", "4.0");
    want(&t, "Memory", "8.0");
    want(&t, "InitContainer.1.Cpu", "4.0");
    done(&t);

    /* memory only: smallest spec with that much memory */
    translate(&t, "", C1 ",'resources':{'limits':{'memory':'3Gi'}}}]");
    want(&t, "Cpu", "1.0");
    want(&t, "Memory", "4.0");
    done(&t);

    /* larger than the biggest spec */
    translate(&t, "", C1 ",'resources':{'limits':{'cpu':'100','memory':'8Gi'}}}]");
    assert_int_equal(t.r.outcome, PODMAP_REJECTED);
    assert_string_equal(t.r.reason, "ProviderFailed");
    finding(&t, "rejected", "spec.containers[*].resources");
    done(&t);

    /* bad quantity */
    translate(&t, "", C1 ",'resources':{'limits':{'cpu':'lots'}}}]");
    assert_int_equal(t.r.outcome, PODMAP_REJECTED);
    finding(&t, "rejected", "spec.containers[0].resources.limits.cpu");
    done(&t);

    /* GPU without a GPU instance type; extended resources ignored */
    translate(&t, "", C1 ",'resources':{'limits':{'nvidia.com/gpu':'1','example.com/foo':'2'}}}]");
    assert_int_equal(t.r.outcome, PODMAP_REJECTED);
    finding(&t, "rejected", "spec.containers[0].resources.limits.nvidia.com/gpu");
    finding(&t, "ignored", "spec.containers[0].resources.limits.example.com/foo");
    done(&t);

    /* GPU with a GPU instance type */
    translate(&t, "'annotations':{'k8s.aliyun.com/eci-use-specs':'ecs.gn6i-c4g1.xlarge'}",
              C1 ",'resources':{'limits':{'nvidia.com/gpu':'1','cpu':'4','memory':'15Gi'}}}]");
    assert_int_equal(t.r.outcome, PODMAP_OK);
    want(&t, "InstanceType", "ecs.gn6i-c4g1.xlarge");
    want(&t, "Container.1.Gpu", "1");
    absent(&t, "Cpu");
    done(&t);
}

static void t_quantity_and_specs(void **st)
{
    (void)st;
    double v;
    assert_int_equal(podmap_parse_quantity("250m", &v), 0);
    assert_true(v > 0.2499 && v < 0.2501);
    assert_int_equal(podmap_parse_quantity("1.5Gi", &v), 0);
    assert_true(v == 1.5 * 1024 * 1024 * 1024);
    assert_int_equal(podmap_parse_quantity("1e3", &v), 0);
    assert_true(v == 1000);
    assert_int_equal(podmap_parse_quantity("2E", &v), 0);
    assert_true(v == 2e18);
    assert_int_equal(podmap_parse_quantity("128974848", &v), 0);
    assert_int_equal(podmap_parse_quantity("12Q", &v), -1);
    assert_int_equal(podmap_parse_quantity("", &v), -1);
    assert_int_equal(podmap_parse_quantity("1.2.3", &v), -1);
    assert_int_equal(podmap_parse_quantity("inf", &v), -1);
    assert_int_equal(podmap_parse_quantity("0x10", &v), -1);
    double c, m;
    assert_int_equal(podmap_round_spec(0.1, 0.1, &c, &m), 0);
    assert_true(c == 0.25 && m == 0.5);
    assert_int_equal(podmap_round_spec(1, 5, &c, &m), 0);
    assert_true(c == 1 && m == 8);
    assert_int_equal(podmap_round_spec(1, 9, &c, &m), 0);
    assert_true(c == 2 && m == 16);
    assert_int_equal(podmap_round_spec(2, 1, &c, &m), 0);
    assert_true(c == 2 && m == 1);
    assert_int_equal(podmap_round_spec(3, 2, &c, &m), 0);
    assert_true(c == 4 && m == 4);
    assert_int_equal(podmap_round_spec(9, 10, &c, &m), 0);
    assert_true(c == 12 && m == 12);
    assert_int_equal(podmap_round_spec(64, 512, &c, &m), 0);
    assert_int_equal(podmap_round_spec(64, 600, &c, &m), -1);
    assert_int_equal(podmap_round_spec(65, 1, &c, &m), -1);
}

static void t_expand(void **st)
{
    (void)st;
    kv_list env = KV_LIST_INIT;
    kv_add(&env, "A", "x");
    kv_add(&env, "B", "$(A)y");
    kv_add(&env, "A", "z");
    const struct { const char *in, *out; } cases[] = {
        {"$(A)", "z"}, {"$$(A)", "$(A)"}, {"$(B)", "$(A)y"}, {"a$(C)b", "a$(C)b"},
        {"$(A", "$(A"}, {"$", "$"}, {"$$", "$"}, {"x$y", "x$y"}, {"$()", "$()"},
        {"$(A)$(A)", "zz"}, {"", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *r = podmap_expand(cases[i].in, &env);
        if (strcmp(r, cases[i].out))
            fail_msg("expand(%s) = %s, want %s", cases[i].in, r, cases[i].out);
        free(r);
    }
    kv_free(&env);
}

static void t_env(void **st)
{
    (void)st;
    run t;
    translate(&t, "'annotations':{'team':'blue'}",
              "'enableServiceLinks':false,"
              C1 ",'command':['sh','-c','echo $(GREETING) $(POD_IP) $$(HOME) $(NOPE)'],"
              "'args':['$(LEVEL)'],"
              "'resources':{'limits':{'cpu':'500m','memory':'1Gi'}},"
              "'env':["
              "{'name':'NAME','value':'world'},"
              "{'name':'GREETING','value':'hello $(NAME)'},"
              "{'name':'LEVEL','valueFrom':{'configMapKeyRef':{'name':'app','key':'LEVEL'}}},"
              "{'name':'DB_PASS','valueFrom':{'secretKeyRef':{'name':'db','key':'password'}}},"
              "{'name':'OPT','valueFrom':{'secretKeyRef':{'name':'nope','key':'x','optional':true}}},"
              "{'name':'OPT2','valueFrom':{'configMapKeyRef':{'name':'app','key':'none','optional':true}}},"
              "{'name':'POD_NAME','valueFrom':{'fieldRef':{'fieldPath':'metadata.name'}}},"
              "{'name':'POD_NS','valueFrom':{'fieldRef':{'fieldPath':'metadata.namespace'}}},"
              "{'name':'POD_UID','valueFrom':{'fieldRef':{'fieldPath':'metadata.uid'}}},"
              "{'name':'APP','valueFrom':{'fieldRef':{'fieldPath':'metadata.labels[`app`]'}}},"
              "{'name':'TEAM','valueFrom':{'fieldRef':{'fieldPath':'metadata.annotations[`team`]'}}},"
              "{'name':'NODE','valueFrom':{'fieldRef':{'fieldPath':'spec.nodeName'}}},"
              "{'name':'SA','valueFrom':{'fieldRef':{'fieldPath':'spec.serviceAccountName'}}},"
              "{'name':'HOST_IP','valueFrom':{'fieldRef':{'fieldPath':'status.hostIP'}}},"
              "{'name':'POD_IP','valueFrom':{'fieldRef':{'fieldPath':'status.podIP'}}},"
              "{'name':'MEM_MB','valueFrom':{'resourceFieldRef':{'resource':'limits.memory','divisor':'1Mi'}}},"
              "{'name':'CPU_M','valueFrom':{'resourceFieldRef':{'containerName':'app','resource':'limits.cpu','divisor':'1m'}}},"
              "{'name':'CPU','valueFrom':{'resourceFieldRef':{'resource':'limits.cpu'}}}"
              "]}], 'nodeName':'vk-eci','serviceAccountName':'builder'");
    assert_int_equal(t.r.outcome, PODMAP_OK);
    const char *e = "Container.1.EnvironmentVar.";
    char k[96];
#define ENV(i, key, val)                                   \
    do {                                                   \
        snprintf(k, sizeof k, "%s%d.Key", e, i);           \
        want(&t, k, key);                                  \
        snprintf(k, sizeof k, "%s%d.Value", e, i);         \
        want(&t, k, val);                                  \
    } while (0)
    ENV(1, "NAME", "world");
    ENV(2, "GREETING", "hello world");
    ENV(3, "LEVEL", "debug");
    ENV(4, "DB_PASS", "s3cr3t-value");
    ENV(5, "POD_NAME", "web");
    ENV(6, "POD_NS", "shop");
    ENV(7, "POD_UID", "0f0e0d0c-1111-2222-3333-444455556666");
    ENV(8, "APP", "web");
    ENV(9, "TEAM", "blue");
    ENV(10, "NODE", "vk-eci");
    ENV(11, "SA", "builder");
    ENV(12, "HOST_IP", "192.168.0.10");
    want(&t, "Container.1.EnvironmentVar.13.Key", "POD_IP");
    want(&t, "Container.1.EnvironmentVar.13.FieldRef.FieldPath", "status.podIP");
    absent(&t, "Container.1.EnvironmentVar.13.Value");
    ENV(14, "MEM_MB", "1024");
    ENV(15, "CPU_M", "500");
    ENV(16, "CPU", "1");
    /* no service links, but the master service is always there */
    want(&t, "Container.1.EnvironmentVar.17.Key", "KUBERNETES_SERVICE_HOST");
    want(&t, "Container.1.EnvironmentVarHide", "true");
    want(&t, "Container.1.Command.1", "sh");
    want(&t, "Container.1.Command.3", "echo hello world $(POD_IP) $(HOME) $(NOPE)");
    want(&t, "Container.1.Arg.1", "debug");
    finding(&t, "ignored", "spec.containers[0].command[2]");
    no_secret_text(&t, "s3cr3t-value");
    done(&t);
}

static void t_env_errors(void **st)
{
    (void)st;
    run t;
    /* missing ConfigMap: wait, as kubelet does */
    translate(&t, "", C1 ",'env':[{'name':'X','valueFrom':{'configMapKeyRef':{'name':'gone','key':'k'}}}]}]");
    assert_int_equal(t.r.outcome, PODMAP_WAIT);
    assert_string_equal(t.r.reason, "CreateContainerConfigError");
    assert_non_null(strstr(t.r.message, "gone"));
    done(&t);
    /* missing key */
    translate(&t, "", C1 ",'env':[{'name':'X','valueFrom':{'configMapKeyRef':{'name':'app','key':'k'}}}]}]");
    assert_int_equal(t.r.outcome, PODMAP_WAIT);
    assert_non_null(strstr(t.r.message, "couldn't find key k"));
    done(&t);
    /* resolver failure: retry */
    memset(&t, 0, sizeof t);
    {
        fake *f = new_fake();
        f->fail = 1;
        podmap_resolver res = {f, get_cm, get_secret, get_token, list_svc, get_imc};
        cJSON *pod = mkpod("", C1 ",'envFrom':[{'secretRef':{'name':'db'}}]}]");
        assert_int_equal(podmap_translate(pod, &CFG, &res, &t.r), PODMAP_WAIT);
        assert_string_equal(t.r.reason, "ProviderRetry");
        podmap_result_free(&t.r);
        cJSON_Delete(pod);
        free_fake(f);
    }
    /* invalid ECI names, unsupported fieldRef, too long value (secret: no value in text) */
    translate(&t, "",
              C1 ",'env':[{'name':'my.var','value':'1'},"
              "{'name':'X','valueFrom':{'fieldRef':{'fieldPath':'metadata.generation'}}},"
              "{'name':'BLOB','valueFrom':{'secretKeyRef':{'name':'long','key':'blob'}}},"
              "{'name':'R','valueFrom':{'resourceFieldRef':{'resource':'limits.gpu'}}}]}]");
    assert_int_equal(t.r.outcome, PODMAP_REJECTED);
    finding(&t, "rejected", "spec.containers[0].env[0]");
    finding(&t, "rejected", "spec.containers[0].env[1]");
    const podmap_finding *f = finding(&t, "rejected", "spec.containers[0].env[2]");
    assert_non_null(strstr(f->message, "300 characters"));
    finding(&t, "rejected", "spec.containers[0].env[3]");
    no_secret_text(&t, "AAAAAAAAAA");
    assert_non_null(strstr(t.r.message, "spec.containers[0].env[0]"));
    done(&t);
}

static void t_env_from(void **st)
{
    (void)st;
    run t;
    translate(&t, "",
              "'enableServiceLinks':false," C1 ",'envFrom':[{'configMapRef':{'name':'app'}},"
              "{'configMapRef':{'name':'app'},'prefix':'APP_'},"
              "{'secretRef':{'name':'db'}},{'secretRef':{'name':'zzz','optional':true}}],"
              "'env':[{'name':'APP_LEVEL','value':'override'}]}]");
    assert_int_equal(t.r.outcome, PODMAP_OK);
    /* sorted keys, invalid ones skipped; env overrides envFrom in place */
    want(&t, "Container.1.EnvironmentVar.1.Key", "LEVEL");
    want(&t, "Container.1.EnvironmentVar.2.Key", "URL");
    want(&t, "Container.1.EnvironmentVar.3.Key", "APP_1abc");
    want(&t, "Container.1.EnvironmentVar.4.Key", "APP_LEVEL");
    want(&t, "Container.1.EnvironmentVar.4.Value", "override");
    want(&t, "Container.1.EnvironmentVar.5.Key", "APP_URL");
    want(&t, "Container.1.EnvironmentVar.6.Key", "password");
    want(&t, "Container.1.EnvironmentVar.6.Value", "s3cr3t-value");
    want(&t, "Container.1.EnvironmentVar.7.Key", "user");
    want(&t, "Container.1.EnvironmentVar.7.Value", "admin");
    want(&t, "Container.1.EnvironmentVar.8.Key", "KUBERNETES_SERVICE_HOST");
    const podmap_finding *f = finding(&t, "ignored", "spec.containers[0].envFrom[0]");
    assert_string_equal(f->reason, "InvalidEnvironmentVariableNames");
    assert_non_null(strstr(f->message, "1abc"));
    f = finding(&t, "ignored", "spec.containers[0].envFrom[1]");
    assert_non_null(strstr(f->message, "APP_bad-key"));
    no_secret_text(&t, "s3cr3t-value");
    done(&t);
}

static void t_service_links(void **st)
{
    (void)st;
    run t;
    translate(&t, "", C1 ",'env':[{'name':'REDIS_MAIN_SERVICE_HOST','value':'mine'}]}]");
    assert_int_equal(t.r.outcome, PODMAP_OK);
    want(&t, "Container.1.EnvironmentVar.1.Key", "REDIS_MAIN_SERVICE_HOST");
    want(&t, "Container.1.EnvironmentVar.1.Value", "mine");
    /* service variables follow, never overriding the container's own */
    int found_k8s = 0, found_port = 0, dup = 0;
    for (size_t i = 0; i < t.kv.n; i++) {
        if (!strcmp(t.kv.items[i].val, "KUBERNETES_SERVICE_HOST"))
            found_k8s = 1;
        if (!strcmp(t.kv.items[i].val, "REDIS_MAIN_PORT_6379_TCP_ADDR"))
            found_port = 1;
        if (!strcmp(t.kv.items[i].val, "REDIS_MAIN_SERVICE_HOST"))
            dup++;
        assert_null(strstr(t.kv.items[i].val, "HEADLESS"));
    }
    assert_true(found_k8s && found_port);
    assert_int_equal(dup, 1);
    done(&t);
}

static void t_command_limits(void **st)
{
    (void)st;
    run t;
    /* 12 args with a command: folded into Command */
    translate(&t, "",
              C1 ",'command':['run'],'args':['1','2','3','4','5','6','7','8','9','10','11','12']}]");
    assert_int_equal(t.r.outcome, PODMAP_OK);
    finding(&t, "adjusted", "spec.containers[0]");
    want(&t, "Container.1.Command.13", "12");
    absent(&t, "Container.1.Arg.1");
    done(&t);
    /* 11 args and no command: cannot fit */
    translate(&t, "", C1 ",'args':['1','2','3','4','5','6','7','8','9','10','11']}]");
    assert_int_equal(t.r.outcome, PODMAP_REJECTED);
    finding(&t, "rejected", "spec.containers[0]");
    done(&t);
    /* a long script moves to Arg */
    char big[400];
    memset(big, 'x', 300);
    big[300] = 0;
    char *spec = xasprintf(C1 ",'command':['sh','-c','%s']}]", big);
    translate(&t, "", spec);
    free(spec);
    assert_int_equal(t.r.outcome, PODMAP_OK);
    want(&t, "Container.1.Command.2", "-c");
    want(&t, "Container.1.Arg.1", big);
    done(&t);
}

static void t_volumes(void **st)
{
    (void)st;
    run t;
    translate(&t, "",
              "'volumes':["
              "{'name':'cfg','configMap':{'name':'files','defaultMode':256,'items':[{'key':'a.conf','path':'conf/a','mode':384}]}},"
              "{'name':'all','configMap':{'name':'files'}},"
              "{'name':'sec','secret':{'secretName':'db'}},"
              "{'name':'gone','secret':{'secretName':'nope','optional':true}},"
              "{'name':'info','downwardAPI':{'items':[{'path':'labels','fieldRef':{'fieldPath':'metadata.labels'}},"
              "  {'path':'name','fieldRef':{'fieldPath':'metadata.name'}},"
              "  {'path':'mem','resourceFieldRef':{'containerName':'app','resource':'limits.memory','divisor':'1Mi'}}]}},"
              "{'name':'kube-api-access-x','projected':{'defaultMode':420,'sources':["
              "  {'serviceAccountToken':{'expirationSeconds':3607,'path':'token'}},"
              "  {'configMap':{'name':'kube-root-ca.crt','items':[{'key':'ca.crt','path':'ca.crt'}]}},"
              "  {'downwardAPI':{'items':[{'path':'namespace','fieldRef':{'apiVersion':'v1','fieldPath':'metadata.namespace'}}]}}]}},"
              "{'name':'scratch','emptyDir':{}},"
              "{'name':'shm','emptyDir':{'medium':'Memory','sizeLimit':'1Gi'}},"
              "{'name':'odd','emptyDir':{'sizeLimit':'500M'}},"
              "{'name':'share','nfs':{'server':'nas.example.com','path':'/eci','readOnly':true}}],"
              C1 ",'resources':{'limits':{'memory':'2Gi'}},'volumeMounts':["
              "{'name':'cfg','mountPath':'/etc/app'},"
              "{'name':'sec','mountPath':'/secrets','readOnly':true},"
              "{'name':'kube-api-access-x','mountPath':'/var/run/secrets/kubernetes.io/serviceaccount','readOnly':true},"
              "{'name':'share','mountPath':'/data','subPath':'web','mountPropagation':'HostToContainer'},"
              "{'name':'scratch','mountPath':'/scratch','subPathExpr':'$(POD)'}],"
              "'env':[{'name':'POD','valueFrom':{'fieldRef':{'fieldPath':'metadata.name'}}}]}]");
    assert_int_equal(t.r.outcome, PODMAP_OK);
    want(&t, "Volume.1.Name", "cfg");
    want(&t, "Volume.1.Type", "ConfigFileVolume");
    want(&t, "Volume.1.ConfigFileVolume.DefaultMode", "256");
    want(&t, "Volume.1.ConfigFileVolume.ConfigFileToPath.1.Path", "conf/a");
    want(&t, "Volume.1.ConfigFileVolume.ConfigFileToPath.1.Content", "aGVsbG8="); /* hello */
    want(&t, "Volume.1.ConfigFileVolume.ConfigFileToPath.1.Mode", "384");
    absent(&t, "Volume.1.ConfigFileVolume.ConfigFileToPath.2.Path");
    want(&t, "Volume.2.ConfigFileVolume.ConfigFileToPath.2.Path", "b.conf");
    want(&t, "Volume.2.ConfigFileVolume.ConfigFileToPath.3.Path", "c.bin");
    want(&t, "Volume.2.ConfigFileVolume.ConfigFileToPath.3.Content", "AAEC");
    want(&t, "Volume.3.Type", "ConfigFileVolume");
    want(&t, "Volume.3.ConfigFileVolume.ConfigFileToPath.1.Path", "password");
    want(&t, "Volume.3.ConfigFileVolume.ConfigFileToPath.1.Content", "czNjcjN0LXZhbHVl");
    want(&t, "Volume.4.Name", "gone");
    want(&t, "Volume.4.Type", "EmptyDirVolume");
    want(&t, "Volume.5.ConfigFileVolume.ConfigFileToPath.1.Path", "labels");
    /* app="web"\ntier="fe" */
    want(&t, "Volume.5.ConfigFileVolume.ConfigFileToPath.1.Content", "YXBwPSJ3ZWIiCnRpZXI9ImZlIg==");
    want(&t, "Volume.5.ConfigFileVolume.ConfigFileToPath.2.Content", "d2Vi");
    want(&t, "Volume.5.ConfigFileVolume.ConfigFileToPath.3.Content", "MjA0OA=="); /* 2048 */
    want(&t, "Volume.6.Name", "kube-api-access-x");
    absent(&t, "Volume.6.ConfigFileVolume.DefaultMode");
    want(&t, "Volume.6.ConfigFileVolume.ConfigFileToPath.1.Path", "token");
    want(&t, "Volume.6.ConfigFileVolume.ConfigFileToPath.1.Content",
         "ZXlKaGJHY2lPaUpTVXpJMU5pSjkudG9rLnNpZw==");
    want(&t, "Volume.6.ConfigFileVolume.ConfigFileToPath.2.Path", "ca.crt");
    want(&t, "Volume.6.ConfigFileVolume.ConfigFileToPath.2.Content", "Q0VSVA==");
    want(&t, "Volume.6.ConfigFileVolume.ConfigFileToPath.3.Path", "namespace");
    want(&t, "Volume.6.ConfigFileVolume.ConfigFileToPath.3.Content", "c2hvcA==");
    assert_int_equal(t.f->token_calls, 1);
    assert_int_equal(t.f->last_exp, 3607);
    assert_string_equal(t.f->last_audience, "(null)");
    want(&t, "Volume.7.Type", "EmptyDirVolume");
    absent(&t, "Volume.7.EmptyDirVolume.Medium");
    want(&t, "Volume.8.EmptyDirVolume.Medium", "Memory");
    want(&t, "Volume.8.EmptyDirVolume.SizeLimit", "1Gi");
    want(&t, "Volume.9.EmptyDirVolume.SizeLimit", "477Mi");
    finding(&t, "adjusted", "spec.volumes[8].emptyDir.sizeLimit");
    want(&t, "Volume.10.Type", "NFSVolume");
    want(&t, "Volume.10.NFSVolume.Server", "nas.example.com");
    want(&t, "Volume.10.NFSVolume.Path", "/eci");
    want(&t, "Volume.10.NFSVolume.ReadOnly", "true");
    want(&t, "Container.1.VolumeMount.1.Name", "cfg");
    want(&t, "Container.1.VolumeMount.1.MountPath", "/etc/app");
    absent(&t, "Container.1.VolumeMount.1.ReadOnly");
    want(&t, "Container.1.VolumeMount.2.ReadOnly", "true");
    want(&t, "Container.1.VolumeMount.4.SubPath", "web");
    want(&t, "Container.1.VolumeMount.4.MountPropagation", "HostToCotainer");
    want(&t, "Container.1.VolumeMount.5.SubPath", "web");
    no_secret_text(&t, "s3cr3t-value");
    no_secret_text(&t, "tok.sig");
    done(&t);
}

static void t_volume_rejections(void **st)
{
    (void)st;
    run t;
    translate(&t, "",
              "'volumes':[{'name':'h','hostPath':{'path':'/var/log'}},"
              "{'name':'p','persistentVolumeClaim':{'claimName':'data'}},"
              "{'name':'c','csi':{'driver':'x'}},"
              "{'name':'e','emptyDir':{'medium':'HugePages'}},"
              "{'name':'pr','projected':{'sources':[{'clusterTrustBundle':{'signerName':'x'}}]}}],"
              C1 ",'volumeMounts':[{'name':'h','mountPath':'/h'},{'name':'missing','mountPath':'/m'}],"
              "'volumeDevices':[{'name':'p','devicePath':'/dev/x'}]}]");
    assert_int_equal(t.r.outcome, PODMAP_REJECTED);
    const podmap_finding *f = finding(&t, "rejected", "spec.volumes[0].hostPath");
    assert_string_equal(f->message, "spec.volumes[0].hostPath: hostPath volumes cannot be used on ECI");
    finding(&t, "rejected", "spec.volumes[1].persistentVolumeClaim");
    finding(&t, "rejected", "spec.volumes[2].csi");
    finding(&t, "rejected", "spec.volumes[3].emptyDir.medium");
    finding(&t, "rejected", "spec.volumes[4].projected.sources[0]");
    finding(&t, "rejected", "spec.containers[0].volumeMounts[1]");
    finding(&t, "rejected", "spec.containers[0].volumeDevices");
    assert_non_null(strstr(t.r.message, "hostPath volumes cannot be used on ECI"));
    done(&t);

    /* missing ConfigMap for a volume: wait; optional: empty dir */
    translate(&t, "", "'volumes':[{'name':'v','configMap':{'name':'nope'}}]," C1 "}]");
    assert_int_equal(t.r.outcome, PODMAP_WAIT);
    done(&t);
    /* no token for the service account: wait */
    translate(&t, "", "'serviceAccountName':'missing','volumes':[{'name':'v','projected':{'sources':["
                      "{'serviceAccountToken':{'path':'token','audience':'vault'}}]}}]," C1 "}]");
    assert_int_equal(t.r.outcome, PODMAP_WAIT);
    assert_string_equal(t.f->last_audience, "vault");
    done(&t);
    /* too large a file */
    {
        fake *fk = new_fake();
        cJSON *cm = cJSON_GetObjectItem(cJSON_GetObjectItem(fk->store, "cm"), "files");
        char *bigv = xmalloc(33001);
        memset(bigv, 'a', 33000);
        bigv[33000] = 0;
        cJSON_AddStringToObject(cJSON_GetObjectItem(cm, "data"), "big", bigv);
        free(bigv);
        podmap_resolver res = {fk, get_cm, get_secret, get_token, list_svc, get_imc};
        cJSON *pod = mkpod("", "'volumes':[{'name':'v','configMap':{'name':'files'}}]," C1 "}]");
        podmap_result r;
        assert_int_equal(podmap_translate(pod, &CFG, &res, &r), PODMAP_REJECTED);
        assert_non_null(strstr(r.message, "32 KiB"));
        podmap_result_free(&r);
        cJSON_Delete(pod);
        free_fake(fk);
    }
}

static void t_probes_hooks(void **st)
{
    (void)st;
    run t;
    translate(&t, "",
              C1 ",'ports':[{'name':'http','containerPort':8080},{'containerPort':53,'protocol':'UDP','hostPort':53}],"
              "'livenessProbe':{'httpGet':{'path':'/healthz','port':'http','scheme':'HTTPS','host':'x','httpHeaders':[{'name':'a','value':'b'}]},"
              "  'initialDelaySeconds':5,'periodSeconds':10,'timeoutSeconds':2,'successThreshold':1,'failureThreshold':4},"
              "'readinessProbe':{'tcpSocket':{'port':8080},'successThreshold':3,'periodSeconds':0},"
              "'startupProbe':{'exec':{'command':['true']},'periodSeconds':5,'failureThreshold':30},"
              "'lifecycle':{'postStart':{'httpGet':{'path':'/start','port':8080,'host':'10.0.0.1','httpHeaders':[{'name':'X-A','value':'1'}]}},"
              "  'preStop':{'exec':{'command':['/bin/sh','-c','sleep 5']}}}}]");
    assert_int_equal(t.r.outcome, PODMAP_OK);
    want(&t, "Container.1.Port.1.Port", "8080");
    want(&t, "Container.1.Port.1.Protocol", "TCP");
    want(&t, "Container.1.Port.2.Protocol", "UDP");
    finding(&t, "ignored", "spec.containers[0].ports[1]");
    want(&t, "Container.1.LivenessProbe.HttpGet.Path", "/healthz");
    want(&t, "Container.1.LivenessProbe.HttpGet.Port", "8080");
    want(&t, "Container.1.LivenessProbe.HttpGet.Scheme", "HTTPS");
    want(&t, "Container.1.LivenessProbe.InitialDelaySeconds", "155"); /* 5 + 5*30 */
    want(&t, "Container.1.LivenessProbe.TimeoutSeconds", "2");
    want(&t, "Container.1.LivenessProbe.FailureThreshold", "4");
    finding(&t, "ignored", "spec.containers[0].livenessProbe.httpGet.host");
    finding(&t, "ignored", "spec.containers[0].livenessProbe.httpGet.httpHeaders");
    finding(&t, "adjusted", "spec.containers[0].startupProbe");
    want(&t, "Container.1.ReadinessProbe.TcpSocket.Port", "8080");
    want(&t, "Container.1.ReadinessProbe.SuccessThreshold", "1");
    want(&t, "Container.1.ReadinessProbe.PeriodSeconds", "1");
    finding(&t, "adjusted", "spec.containers[0].readinessProbe.successThreshold");
    want(&t, "Container.1.LifecyclePostStartHandlerHttpGetHost", "10.0.0.1");
    want(&t, "Container.1.LifecyclePostStartHandlerHttpGetPath", "/start");
    want(&t, "Container.1.LifecyclePostStartHandlerHttpGetPort", "8080");
    want(&t, "Container.1.LifecyclePostStartHandlerHttpGetScheme", "HTTP");
    want(&t, "Container.1.LifecyclePostStartHandlerHttpGetHttpHeader.1.Name", "X-A");
    want(&t, "Container.1.LifecyclePreStopHandlerExec.3", "sleep 5");
    done(&t);

    translate(&t, "", C1 ",'startupProbe':{'tcpSocket':{'port':80}}}]");
    assert_int_equal(t.r.outcome, PODMAP_OK);
    assert_string_equal(finding(&t, "ignored", "spec.containers[0].startupProbe")->reason, "StartupProbeIgnored");
    absent(&t, "Container.1.LivenessProbe.InitialDelaySeconds");
    done(&t);

    translate(&t, "",
              C1 ",'livenessProbe':{'grpc':{'port':9000}},"
              "'readinessProbe':{'httpGet':{'port':'nope'}},"
              "'lifecycle':{'preStop':{'sleep':{'seconds':7}}},"
              "'ports':[{'containerPort':80,'protocol':'SCTP'}]}]");
    assert_int_equal(t.r.outcome, PODMAP_REJECTED);
    finding(&t, "ignored", "spec.containers[0].livenessProbe.grpc");
    finding(&t, "rejected", "spec.containers[0].readinessProbe.httpGet.port");
    finding(&t, "adjusted", "spec.containers[0].lifecycle.preStop.sleep");
    finding(&t, "rejected", "spec.containers[0].ports[0]");
    done(&t);
}

static void t_security(void **st)
{
    (void)st;
    run t;
    translate(&t, "",
              "'securityContext':{'runAsUser':1000,'runAsGroup':3000,'runAsNonRoot':true,'fsGroup':2000,"
              "  'sysctls':[{'name':'net.ipv4.ping_group_range','value':'0 1'},{'name':'kernel.msgmax','value':'65536'}]},"
              "'initContainers':[{'name':'init','image':'busybox','securityContext':{'runAsUser':0}}],"
              C1 ",'securityContext':{'readOnlyRootFilesystem':true,'allowPrivilegeEscalation':false,"
              "  'capabilities':{'add':['NET_ADMIN','CAP_NET_RAW','CHOWN'],'drop':['ALL']}},"
              "'tty':true,'stdin':true,'stdinOnce':true,'imagePullPolicy':'IfNotPresent','workingDir':'/srv',"
              "'terminationMessagePath':'/tmp/msg','terminationMessagePolicy':'FallbackToLogsOnError'}],"
              "'shareProcessNamespace':true,'activeDeadlineSeconds':600,'terminationGracePeriodSeconds':45,"
              "'restartPolicy':'OnFailure','hostAliases':[{'ip':'1.2.3.4','hostnames':['a.local','b.local']}],"
              "'hostname':'box','subdomain':'grp','setHostnameAsFQDN':true");
    assert_int_equal(t.r.outcome, PODMAP_OK);
    want(&t, "Container.1.SecurityContext.RunAsUser", "1000");
    want(&t, "InitContainer.1.SecurityContext.RunAsUser", "0");
    want(&t, "Container.1.SecurityContextRunAsGroup", "3000");
    want(&t, "Container.1.SecurityContextRunAsNonRoot", "true");
    finding(&t, "ignored", "spec.initContainers[0].securityContext.runAsGroup");
    want(&t, "Container.1.SecurityContext.ReadOnlyRootFilesystem", "true");
    want(&t, "Container.1.SecurityContext.Capability.Add.1", "NET_ADMIN");
    want(&t, "Container.1.SecurityContext.Capability.Add.2", "NET_RAW");
    absent(&t, "Container.1.SecurityContext.Capability.Add.3");
    assert_string_equal(finding(&t, "ignored", "spec.containers[0].securityContext.capabilities.add[2]")->type,
                        "Normal");
    finding(&t, "ignored", "spec.containers[0].securityContext.capabilities.drop");
    finding(&t, "ignored", "spec.securityContext.fsGroup");
    want(&t, "SecurityContext.Sysctl.1.Name", "net.ipv4.ping_group_range");
    want(&t, "HostSecurityContext.Sysctl.1.Name", "kernel.msgmax");
    want(&t, "HostSecurityContext.Sysctl.1.Value", "65536");
    want(&t, "Container.1.Tty", "true");
    want(&t, "Container.1.Stdin", "true");
    want(&t, "Container.1.StdinOnce", "true");
    want(&t, "Container.1.ImagePullPolicy", "IfNotPresent");
    want(&t, "Container.1.WorkingDir", "/srv");
    want(&t, "Container.1.TerminationMessagePath", "/tmp/msg");
    want(&t, "Container.1.TerminationMessagePolicy", "FallbackToLogsOnError");
    want(&t, "ShareProcessNamespace", "true");
    want(&t, "ActiveDeadlineSeconds", "600");
    want(&t, "TerminationGracePeriodSeconds", "45");
    want(&t, "RestartPolicy", "OnFailure");
    want(&t, "HostAliase.1.Ip", "1.2.3.4");
    want(&t, "HostAliase.1.Hostname.2", "b.local");
    want(&t, "HostName", "box.grp.shop.svc.cluster.local");
    done(&t);

    translate(&t, "",
              "'hostNetwork':true,'hostPID':true,'hostIPC':true,"
              "'securityContext':{'sysctls':[{'name':'kernel.shm_rmid_forced','value':'1'}]},"
              "'initContainers':[{'name':'side','image':'envoy','restartPolicy':'Always'}],"
              C1 ",'securityContext':{'privileged':true,'capabilities':{'add':['SYS_ADMIN']}}}],"
              "'os':{'name':'windows'},'resourceClaims':[{'name':'gpu'}]");
    assert_int_equal(t.r.outcome, PODMAP_REJECTED);
    finding(&t, "rejected", "spec.hostNetwork");
    finding(&t, "rejected", "spec.hostPID");
    finding(&t, "rejected", "spec.hostIPC");
    finding(&t, "rejected", "spec.securityContext.sysctls[0]");
    finding(&t, "rejected", "spec.initContainers[0].restartPolicy");
    finding(&t, "rejected", "spec.containers[0].securityContext.privileged");
    finding(&t, "rejected", "spec.containers[0].securityContext.capabilities.add[0]");
    finding(&t, "rejected", "spec.os.name");
    finding(&t, "rejected", "spec.resourceClaims");
    done(&t);
}

static void t_pull_secrets(void **st)
{
    (void)st;
    run t;
    translate(&t, "",
              "'imagePullSecrets':[{'name':'pull'},{'name':'legacy'},{'name':'absent'},{'name':'tls'}]," C1 "}]");
    assert_int_equal(t.r.outcome, PODMAP_OK);
    want(&t, "ImageRegistryCredential.1.Server", "registry.example.com");
    want(&t, "ImageRegistryCredential.1.UserName", "user");
    want(&t, "ImageRegistryCredential.1.Password", "hunter2");
    want(&t, "ImageRegistryCredential.2.Server", "quay.io");
    want(&t, "ImageRegistryCredential.2.UserName", "bob");
    want(&t, "ImageRegistryCredential.2.Password", "pw-bob-1");
    assert_string_equal(finding(&t, "ignored", "spec.imagePullSecrets[2]")->reason,
                        "FailedToRetrieveImagePullSecret");
    finding(&t, "ignored", "spec.imagePullSecrets[3]");
    no_secret_text(&t, "hunter2");
    no_secret_text(&t, "pw-bob-1");
    done(&t);
}

static void t_annotations(void **st)
{
    (void)st;
    run t;
    translate(&t,
              "'annotations':{'k8s.aliyun.com/eci-use-specs':'2-4Gi,ecs.c6.large',"
              "'k8s.aliyun.com/eci-spot-strategy':'SpotWithPriceLimit',"
              "'k8s.aliyun.com/eci-spot-price-limit':'0.25',"
              "'k8s.aliyun.com/eci-image-snapshot-id':'imc-abc123',"
              "'k8s.aliyun.com/eci-auto-imc':'false',"
              "'k8s.aliyun.com/eci-with-eip':'true',"
              "'k8s.aliyun.com/eci-vswitch':'vsw-a, vsw-b',"
              "'k8s.aliyun.com/eci-security-group':'sg-x',"
              "'k8s.aliyun.com/eci-ram-role-name':'MyRole',"
              "'k8s.aliyun.com/eci-extra-ephemeral-storage':'50Gi',"
              "'k8s.aliyun.com/eci-core-pattern':'/cores',"
              "'k8s.aliyun.com/eci-ntp-server':'100.100.5.1,ntp.example.com',"
              "'k8s.aliyun.com/eci-resource-group-id':'rg-1',"
              "'k8s.aliyun.com/eci-custom-tags':'env:prod,team:blue',"
              "'k8s.aliyun.com/eci-something-new':'x'}",
              C1 ",'resources':{'limits':{'cpu':'1'}}}]");
    assert_int_equal(t.r.outcome, PODMAP_OK);
    want(&t, "InstanceType", "2-4Gi,ecs.c6.large");
    absent(&t, "Cpu");
    want(&t, "SpotStrategy", "SpotWithPriceLimit");
    want(&t, "SpotPriceLimit", "0.25");
    want(&t, "ImageSnapshotId", "imc-abc123");
    want(&t, "AutoMatchImageCache", "false");
    want(&t, "AutoCreateEip", "true");
    want(&t, "VSwitchId", "vsw-a,vsw-b");
    want(&t, "SecurityGroupId", "sg-x");
    want(&t, "RamRoleName", "MyRole");
    want(&t, "EphemeralStorage", "50");
    want(&t, "CorePattern", "/cores");
    want(&t, "NtpServer.1", "100.100.5.1");
    want(&t, "NtpServer.2", "ntp.example.com");
    want(&t, "ResourceGroupId", "rg-1");
    want(&t, "Tag.6.Key", "env");
    want(&t, "Tag.7.Value", "blue");
    finding(&t, "ignored", "metadata.annotations['k8s.aliyun.com/eci-something-new']");
    done(&t);

    static const char *bad[][2] = {
        {"eci-use-specs", "huge"},
        {"eci-spot-strategy", "Cheap"},
        {"eci-spot-price-limit", "0.12345"},
        {"eci-image-snapshot-id", "snap-1"},
        {"eci-auto-imc", "yes"},
        {"eci-with-eip", "1"},
        {"eci-eip-instanceid", "x-1"},
        {"eci-vswitch", "vsw-a,sw-b"},
        {"eci-security-group", "group"},
        {"eci-ram-role-name", "bad role"},
        {"eci-extra-ephemeral-storage", "lots"},
        {"eci-core-pattern", "|/bin/cat"},
        {"eci-ntp-server", "a b"},
        {"eci-resource-group-id", "group"},
        {"eci-custom-tags", "aliyun-x:1"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *meta = xasprintf("'annotations':{'k8s.aliyun.com/%s':'%s'}", bad[i][0], bad[i][1]);
        translate(&t, meta, C1 "}]");
        free(meta);
        if (t.r.outcome != PODMAP_REJECTED)
            fail_msg("annotation %s=%s was not rejected", bad[i][0], bad[i][1]);
        char path[160];
        snprintf(path, sizeof path, "metadata.annotations['k8s.aliyun.com/%s']", bad[i][0]);
        finding(&t, "rejected", path);
        assert_non_null(strstr(t.r.message, bad[i][0]));
        done(&t);
    }
    /* EIP id plus auto EIP conflict; price limit without the strategy */
    translate(&t, "'annotations':{'k8s.aliyun.com/eci-eip-instanceid':'eip-1','k8s.aliyun.com/eci-with-eip':'true'}",
              C1 "}]");
    assert_int_equal(t.r.outcome, PODMAP_REJECTED);
    done(&t);
    translate(&t, "'annotations':{'k8s.aliyun.com/eci-spot-price-limit':'0.5'}", C1 "}]");
    assert_int_equal(t.r.outcome, PODMAP_REJECTED);
    done(&t);
}

/* A pod names an image cache by id or by the name of an ImageCache object:
 * Ready → its id; being built → the pod waits; Failed or unknown → rejected
 * naming the annotation. */
static void t_image_cache_by_name(void **st)
{
    (void)st;
    run t;
    static const char *anns[] = {"k8s.aliyun.com/eci-imc-id", "k8s.aliyun.com/eci-image-snapshot-id"};
    for (size_t i = 0; i < 2; i++) {
        char *meta = xasprintf("'annotations':{'%s':'web-cache'}", anns[i]);
        translate(&t, meta, C1 "}]");
        free(meta);
        assert_int_equal(t.r.outcome, PODMAP_OK);
        want(&t, "ImageSnapshotId", "imc-web-cache");
        assert_string_equal(t.r.req.image_snapshot_id, "imc-web-cache");
        done(&t);
    }
    translate(&t, "'annotations':{'k8s.aliyun.com/eci-imc-id':'slow-cache'}", C1 "}]");
    assert_int_equal(t.r.outcome, PODMAP_WAIT);
    assert_string_equal(t.r.reason, "ImageCacheNotReady");
    assert_non_null(strstr(t.r.message, "Creating"));
    done(&t);
    static const char *rej[] = {"bad-cache", "no-such-cache", "Not_A_Name"};
    for (size_t i = 0; i < 3; i++) {
        char *meta = xasprintf("'annotations':{'k8s.aliyun.com/eci-imc-id':'%s'}", rej[i]);
        translate(&t, meta, C1 "}]");
        free(meta);
        assert_int_equal(t.r.outcome, PODMAP_REJECTED);
        finding(&t, "rejected", "metadata.annotations['k8s.aliyun.com/eci-imc-id']");
        assert_non_null(strstr(t.r.message, rej[i]));
        done(&t);
    }
    /* the same cache by id and by name is no conflict */
    translate(&t, "'annotations':{'k8s.aliyun.com/eci-imc-id':'web-cache',"
                  "'k8s.aliyun.com/eci-image-snapshot-id':'imc-web-cache'}",
              C1 "}]");
    assert_int_equal(t.r.outcome, PODMAP_OK);
    done(&t);
}

/* The ACK annotations of translate_ack.c: each good value reaches its
 * parameter, each bad value rejects the pod naming the annotation. */
static void t_ack_annotations(void **st)
{
    (void)st;
    static const struct {
        const char *ann, *good, *param, *want, *bad;
    } tab[] = {
        {"k8s.aliyun.com/eci-schedule-strategy", "VSwitchOrdered", "ScheduleStrategy", "VSwitchOrdered", "First"},
        {"k8s.aliyun.com/eci-compute-category", "economy,general", "ComputeCategory.2", "General", "cheap"},
        {"k8s.aliyun.com/eci-gpu-driver-version", "tesla=525.85.12", "GpuDriverVersion", "tesla=525.85.12", "525"},
        {"k8s.aliyun.com/eci-cpu-option-core", "2", "CpuOptionsCore", "2", "0"},
        {"k8s.aliyun.com/eci-cpu-option-ht", "1", "CpuOptionsThreadsPerCore", "1", "3"},
        {"k8s.aliyun.com/eci-cpu-architecture", "arm64", "CpuArchitecture", "ARM64", "sparc"},
        {"k8s.aliyun.com/eci-max-pending-minute", "30", "MaxPendingMinute", "30", "5"},
        {"k8s.aliyun.com/eci-imc-id", "imc-x1", "ImageSnapshotId", "imc-x1", "snap-1"},
        {"k8s.aliyun.com/eci-image-cache", "true", "AutoMatchImageCache", "true", "yes"},
        {"k8s.aliyun.com/plain-http-registry", "reg.local:5000, r2", "PlainHttpRegistry", "reg.local:5000,r2", "a b"},
        {"k8s.aliyun.com/insecure-registry", "reg.local", "InsecureRegistry", "reg.local", "http://x"},
        {"k8s.aliyun.com/eci-data-cache-bucket", "default", "DataCacheBucket", "default", "a/b"},
        {"k8s.aliyun.com/eci-data-cache-pl", "PL2", "DataCachePL", "PL2", "PL9"},
        {"k8s.aliyun.com/eci-data-cache-provisionedIops", "1000", "DataCacheProvisionedIops", "1000", "-1"},
        {"k8s.aliyun.com/eci-data-cache-burstingEnabled", "true", "DataCacheBurstingEnabled", "true", "on"},
        {"k8s.aliyun.com/eip-bandwidth", "10", "EipBandwidth", "10", "1000"},
        {"k8s.aliyun.com/eip-common-bandwidth-package-id", "cbwp-1", "EipCommonBandwidthPackage", "cbwp-1", "bw-1"},
        {"k8s.aliyun.com/eip-isp", "BGP_PRO", "EipISP", "BGP_PRO", "ISP"},
        {"k8s.aliyun.com/eci-enable-ipv6", "true", "Ipv6AddressCount", "1", "1"},
        {"k8s.aliyun.com/eci-ipv6-bandwidth-enable", "true", "Ipv6GatewayBandwidthEnable", "true", "y"},
        {"k8s.aliyun.com/eci-ipv6-bandwidth", "100M", "Ipv6GatewayBandwidth", "100", "fast"},
        {"k8s.aliyun.com/eci-private-ip-address", "10.1.2.3", "PrivateIpAddress", "10.1.2.3", "10.1.2"},
        {"k8s.aliyun.com/eci-fixed-ip", "true", "FixedIp", "true", "maybe"},
        {"k8s.aliyun.com/eci-sls-enable", "false", "SlsEnable", "false", "no"},
        {"kubernetes.io/ingress-bandwidth", "40M", "IngressBandwidth", "40000000", "wide"},
        {"kubernetes.io/egress-bandwidth", "1k", "EgressBandwidth", "1000", "0"},
        {"k8s.aliyun.com/eci-custom-hosts", "[{\\'host\\':\\'db.example\\',\\'ip\\':\\'10.0.0.9\\'}]",
         "HostAliase.1.Hostname.1", "db.example", "[{\\'host\\':\\'db\\'}]"},
        {"k8s.aliyun.com/eci-custom-dnsconfig", "{\\'nameservers\\':[\\'10.0.0.53\\'],\\'searches\\':[\\'corp\\']}",
         "DnsConfig.Search.4", "corp", "{\\'servers\\':[]}"},
        {"k8s.aliyun.com/acr-instance-ids", "cri-a,cn-beijing:cri-b", "AcrRegistryInfo.2.RegionId", "cn-beijing",
         "cri-a,x:y"},
    };
    run t;
    for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++) {
        for (int good = 1; good >= 0; good--) {
            char *meta = xasprintf("'annotations':{'%s':'%s'}", tab[i].ann, good ? tab[i].good : tab[i].bad);
            translate(&t, meta, C1 "}]");
            free(meta);
            if (good) {
                if (t.r.outcome != PODMAP_OK)
                    fail_msg("%s: %s", tab[i].ann, t.r.message ? t.r.message : "not translated");
                want(&t, tab[i].param, tab[i].want);
            } else {
                if (t.r.outcome != PODMAP_REJECTED)
                    fail_msg("annotation %s=%s was not rejected", tab[i].ann, tab[i].bad);
                char path[160];
                snprintf(path, sizeof path, "metadata.annotations['%s']", tab[i].ann);
                finding(&t, "rejected", path);
                assert_non_null(strstr(t.r.message, tab[i].ann));
            }
            done(&t);
        }
    }
    /* Dependencies and conflicts. */
    static const char *rejected[] = {
        "'k8s.aliyun.com/eci-spot-duration':'1'",
        "'k8s.aliyun.com/eci-spot-strategy':'NoSpot','k8s.aliyun.com/eci-spot-duration':'1'",
        "'k8s.aliyun.com/eci-fixed-ip-retain-hour':'24'",
        "'k8s.aliyun.com/eci-imc-id':'imc-a','k8s.aliyun.com/eci-image-snapshot-id':'imc-b'",
        "'k8s.aliyun.com/acr-service-arns':'acs:ram::1:role/r'",
        "'k8s.aliyun.com/acr-instance-ids':'cri-a','k8s.aliyun.com/acr-user-arns':'arn'",
        "'k8s.aliyun.com/eci-custom-dnsconfig':'{\\'nameservers\\':[\\'1.1.1.1\\',\\'1.1.1.2\\',\\'1.1.1.3\\',"
        "\\'1.1.1.4\\']}'",
    };
    for (size_t i = 0; i < sizeof rejected / sizeof rejected[0]; i++) {
        char *meta = xasprintf("'annotations':{%s}", rejected[i]);
        translate(&t, meta, C1 "}]");
        free(meta);
        if (t.r.outcome != PODMAP_REJECTED)
            fail_msg("not rejected: %s", rejected[i]);
        done(&t);
    }
    translate(&t,
              "'annotations':{'k8s.aliyun.com/eci-spot-strategy':'SpotAsPriceGo','k8s.aliyun.com/eci-spot-duration':'0',"
              "'k8s.aliyun.com/eci-fixed-ip':'true','k8s.aliyun.com/eci-fixed-ip-retain-hour':'24',"
              "'k8s.aliyun.com/acr-instance-ids':'cri-a','k8s.aliyun.com/acr-service-arns':'acs:ram::1:role/r'}",
              C1 "}]");
    assert_int_equal(t.r.outcome, PODMAP_OK);
    no_findings(&t);
    want(&t, "SpotDuration", "0");
    want(&t, "FixedIpRetainHour", "24");
    want(&t, "AcrRegistryInfo.1.InstanceId", "cri-a");
    want(&t, "AcrRegistryInfo.1.ArnService", "acs:ram::1:role/r");
    done(&t);
}

static void t_dns(void **st)
{
    (void)st;
    run t;
    translate(&t, "",
              "'dnsPolicy':'None','dnsConfig':{'nameservers':['1.1.1.1'],'searches':['corp.local'],"
              "'options':[{'name':'ndots','value':'2'},{'name':'edns0'}]}," C1 "}]");
    want(&t, "DnsPolicy", "None");
    want(&t, "DnsConfig.NameServer.1", "1.1.1.1");
    absent(&t, "DnsConfig.NameServer.2");
    want(&t, "DnsConfig.Search.1", "corp.local");
    want(&t, "DnsConfig.Option.1.Value", "2");
    want(&t, "DnsConfig.Option.2.Name", "edns0");
    absent(&t, "DnsConfig.Option.2.Value");
    done(&t);

    translate(&t, "", "'dnsPolicy':'ClusterFirst','dnsConfig':{'options':[{'name':'ndots','value':'1'}]}," C1 "}]");
    want(&t, "DnsConfig.Option.1.Name", "ndots");
    want(&t, "DnsConfig.Option.1.Value", "1");
    done(&t);

    translate(&t, "", "'dnsPolicy':'Default'," C1 "}]");
    want(&t, "DnsPolicy", "Default");
    absent(&t, "DnsConfig.NameServer.1");
    done(&t);

    /* no cluster DNS configured */
    memset(&t, 0, sizeof t);
    podmap_config cfg = CFG;
    cfg.cluster_dns = NULL;
    cJSON *pod = mkpod("", C1 "}]");
    assert_int_equal(podmap_translate(pod, &cfg, NULL, &t.r), PODMAP_OK);
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(t.r.params, "DnsPolicy")), "Default");
    assert_int_equal(t.r.nfindings, 1);
    assert_string_equal(t.r.findings[0].path, "spec.dnsPolicy");
    podmap_result_free(&t.r);
    /* cluster DNS as a list */
    const char *servers[] = {"10.0.0.10", "10.0.0.11"};
    cfg.cluster_dns_list = servers;
    cfg.n_cluster_dns = 2;
    cfg.cluster_domain = "corp.example";
    assert_int_equal(podmap_translate(pod, &cfg, NULL, &t.r), PODMAP_OK);
    assert_int_equal(t.r.nfindings, 0);
    assert_string_equal(t.r.req.dns_policy, "None");
    assert_int_equal(t.r.req.dns_nameservers.n, 2);
    assert_string_equal(t.r.req.dns_nameservers.v[1], "10.0.0.11");
    assert_string_equal(t.r.req.dns_searches.v[0], "shop.svc.corp.example");
    podmap_result_free(&t.r);
    podmap_result_free(&t.r); /* idempotent */
    podmap_result_free(NULL);
    cJSON_Delete(pod);
}

static void t_names(void **st)
{
    (void)st;
    char *n = podmap_group_name("default", "nginx");
    assert_string_equal(n, "default-nginx");
    free(n);
    n = podmap_group_name("ns", "a.b.c");
    assert_int_equal(strncmp(n, "ns-a-b-c-", 9), 0);
    assert_int_equal(strlen(n), 17);
    free(n);
    char longname[260];
    memset(longname, 'x', 253);
    longname[253] = 0;
    n = podmap_group_name("team-a", longname);
    assert_true(strlen(n) <= 128);
    char *n2 = podmap_group_name("team-a", longname);
    assert_string_equal(n, n2);
    free(n2);
    longname[252] = 'y';
    n2 = podmap_group_name("team-a", longname);
    assert_string_not_equal(n, n2);
    free(n2);
    free(n);
    for (const char *p = "abc"; *p; p++) {
        (void)p;
    }
    char *v = podmap_tag_value(longname);
    assert_true(strlen(v) <= 128);
    free(v);
    v = podmap_tag_value("acs:thing");
    assert_int_not_equal(strncmp(v, "acs:", 4), 0);
    free(v);
    v = podmap_tag_value("see http://x");
    assert_null(strstr(v, "http://"));
    free(v);
    v = podmap_client_token("0f0e0d0c-1111-2222-3333-444455556666");
    assert_string_equal(v, "0f0e0d0c-1111-2222-3333-444455556666");
    free(v);
    v = podmap_client_token("ünïcode");
    assert_int_equal(strncmp(v, "uid-", 4), 0);
    free(v);

    /* a long pod name: the group name and pod tag are hashed, the uid tag exact */
    run t;
    cJSON *pod = mkpod("", C1 "}]");
    cJSON_ReplaceItemInObject(cJSON_GetObjectItem(pod, "metadata"), "name", cJSON_CreateString(longname));
    podmap_translate(pod, &CFG, NULL, &t.r);
    assert_int_equal(t.r.outcome, PODMAP_OK);
    assert_true(strlen(t.r.req.container_group_name) <= 128);
    assert_true(strlen(t.r.req.tags[3].value) <= 128);
    assert_string_equal(t.r.req.tags[4].value, "0f0e0d0c-1111-2222-3333-444455556666");
    assert_true(strlen(t.r.req.host_name) <= 63);
    podmap_result_free(&t.r);
    cJSON_Delete(pod);
}

static void t_shape_errors(void **st)
{
    (void)st;
    podmap_result r;
    const char *docs[] = {
        "{}", "[]", "{'metadata':{'name':'x'}}", "{'metadata':{'name':'x','uid':'u'},'spec':{}}",
        "{'metadata':{'name':'x','uid':'u'},'spec':{'containers':[{}]}}",
        "{'metadata':{'name':'x','uid':'u'},'spec':{'containers':[1,2],'volumes':[{'name':3}]}}",
        "{'metadata':{'name':'x','uid':'u'},'spec':{'containers':[{'name':'a','image':'b','env':[{'name':'A','valueFrom':{}}]}]}}",
    };
    for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
        char *j = J(docs[i]);
        cJSON *pod = cJSON_Parse(j);
        free(j);
        assert_int_equal(podmap_translate(pod, &CFG, NULL, &r), PODMAP_REJECTED);
        assert_non_null(r.message);
        assert_null(r.params);
        podmap_result_free(&r);
        cJSON_Delete(pod);
    }
    assert_int_equal(podmap_translate(NULL, &CFG, NULL, &r), PODMAP_REJECTED);
    podmap_result_free(&r);

    run t;
    translate(&t, "", "'containers':[{'name':'a','image':'x'},{'name':'b','image':'x'},{'name':'c','image':'x'},"
                      "{'name':'d','image':'x'},{'name':'e','image':'x'},{'name':'f','image':'x'}]");
    finding(&t, "rejected", "spec.containers");
    done(&t);
    /* unknown fields are reported, scheduling fields are not */
    translate(&t, "", "'futureField':{'x':1},'nodeSelector':{'a':'b'},'tolerations':[{'key':'k'}],"
                      "'priority':5,'runtimeClassName':'kata','ephemeralContainers':[{'name':'dbg'}],"
                      C1 ",'futureContainerField':true,'securityContext':{'newKnob':1},"
                      "'ports':[{'containerPort':80,'appProtocol':'h2'}],'env':[{'name':'A','value':'1','extra':'x'}],"
                      "'livenessProbe':{'exec':{'command':['true']},'newTiming':3},"
                      "'volumeMounts':[{'name':'v','mountPath':'/v','newMode':'x'}]}],"
                      "'volumes':[{'name':'v','emptyDir':{}}]");
    assert_int_equal(t.r.outcome, PODMAP_OK);
    finding(&t, "ignored", "spec.futureField");
    finding(&t, "ignored", "spec.runtimeClassName");
    finding(&t, "ignored", "spec.ephemeralContainers");
    finding(&t, "ignored", "spec.containers[0].futureContainerField");
    finding(&t, "ignored", "spec.containers[0].securityContext.newKnob");
    finding(&t, "ignored", "spec.containers[0].ports[0].appProtocol");
    finding(&t, "ignored", "spec.containers[0].env[0].extra");
    finding(&t, "ignored", "spec.containers[0].livenessProbe.newTiming");
    finding(&t, "ignored", "spec.containers[0].volumeMounts[0].newMode");
    assert_int_equal(t.r.nfindings, 9);
    done(&t);
}

static void t_update(void **st)
{
    (void)st;
    fake *f = new_fake();
    podmap_resolver res = {f, get_cm, get_secret, get_token, list_svc, get_imc};
    cJSON *a = mkpod("", "'imagePullSecrets':[{'name':'pull'}],'initContainers':[{'name':'i','image':'busybox:1'}]," C1 "}]");
    cJSON *b = mkpod("", "'imagePullSecrets':[{'name':'pull'}],'initContainers':[{'name':'i','image':'busybox:1'}]," C1 "}]");
    eci_update_cg_req req;
    char *msg = NULL;
    assert_int_equal(podmap_update_plan(a, b, "eci-1", &CFG, &res, &req, &msg), PODMAP_UPD_NONE);
    assert_null(msg);
    cJSON_SetValuestring(cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetObjectItem(b, "spec"),
                                                                                     "containers"), 0), "image"),
                         "nginx:1.26");
    assert_int_equal(podmap_update_plan(a, b, "eci-1", &CFG, &res, &req, &msg), PODMAP_UPD_IMAGES);
    kv_list kv = KV_LIST_INIT;
    eci_error err;
    memset(&err, 0, sizeof err);
    assert_int_equal(eci_encode_update_cg(&req, "cn-hangzhou", &kv, &err), 0);
    assert_string_equal(kv_get(&kv, "ContainerGroupId"), "eci-1");
    assert_string_equal(kv_get(&kv, "Container.1.Image"), "nginx:1.26");
    assert_string_equal(kv_get(&kv, "InitContainer.1.Image"), "busybox:1");
    assert_string_equal(kv_get(&kv, "ImageRegistryCredential.1.Password"), "hunter2");
    const char *tok = kv_get(&kv, "ClientToken");
    assert_non_null(tok);
    assert_true(strlen(tok) <= 64);
    assert_null(kv_get(&kv, "Volume.1.Name"));
    assert_null(kv_get(&kv, "Tag.1.Key"));
    kv_free(&kv);
    eci_update_cg_req_free(&req);
    /* the same change gives the same token, another change another */
    char *tok1 = NULL;
    podmap_update_plan(a, b, "eci-1", &CFG, &res, &req, &msg);
    tok1 = xstrdup(req.client_token);
    eci_update_cg_req_free(&req);
    cJSON_SetValuestring(cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetObjectItem(b, "spec"),
                                                                                     "containers"), 0), "image"),
                         "nginx:1.27");
    podmap_update_plan(a, b, "eci-1", &CFG, &res, &req, &msg);
    assert_string_not_equal(tok1, req.client_token);
    free(tok1);
    eci_update_cg_req_free(&req);
    /* a new spec that cannot run is refused */
    cJSON_SetValuestring(cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetObjectItem(b, "spec"),
                                                                                     "containers"), 0), "image"),
                         "");
    assert_int_equal(podmap_update_plan(a, b, "eci-1", &CFG, &res, &req, &msg), PODMAP_UPD_REJECTED);
    assert_non_null(msg);
    free(msg);
    msg = NULL;
    /* activeDeadlineSeconds change: nothing to call, but said */
    cJSON_Delete(b);
    b = mkpod("", "'activeDeadlineSeconds':30,'imagePullSecrets':[{'name':'pull'}],'initContainers':[{'name':'i','image':'busybox:1'}]," C1 "}]");
    assert_int_equal(podmap_update_plan(a, b, "eci-1", &CFG, &res, &req, &msg), PODMAP_UPD_NONE);
    assert_non_null(msg);
    free(msg);
    msg = NULL;
    cJSON_Delete(a);
    cJSON_Delete(b);
    /* an in-place resize: the container's and the group's new size, the
     * group rounded up to a sold specification as at creation */
    a = mkpod("", C1 ",'resources':{'requests':{'cpu':'250m','memory':'512Mi'},'limits':{'cpu':'1','memory':'1Gi'}}}]");
    b = mkpod("", C1 ",'resources':{'requests':{'cpu':'250m','memory':'512Mi'},'limits':{'cpu':'1500m','memory':'3Gi'}}}]");
    assert_int_equal(podmap_update_plan(a, b, "eci-1", &CFG, &res, &req, &msg), PODMAP_UPD_RESIZE);
    kv_init(&kv);
    assert_int_equal(eci_encode_update_cg(&req, "cn-hangzhou", &kv, &err), 0);
    assert_string_equal(kv_get(&kv, "Container.1.Cpu"), "1.5");
    assert_string_equal(kv_get(&kv, "Container.1.Memory"), "3.0");
    assert_string_equal(kv_get(&kv, "Cpu"), "2.0");
    assert_string_equal(kv_get(&kv, "Memory"), "4.0");
    assert_string_equal(kv_get(&kv, "Container.1.Image"), "nginx:1.25");
    kv_free(&kv);
    eci_update_cg_req_free(&req);
    /* an image change alone leaves the group's size out */
    cJSON_Delete(b);
    b = mkpod("", "'containers':[{'name':'app','image':'nginx:1.26','resources':{'requests':{'cpu':'250m','memory':"
                  "'512Mi'},'limits':{'cpu':'1','memory':'1Gi'}}}]");
    assert_int_equal(podmap_update_plan(a, b, "eci-1", &CFG, &res, &req, &msg), PODMAP_UPD_IMAGES);
    kv_init(&kv);
    assert_int_equal(eci_encode_update_cg(&req, "cn-hangzhou", &kv, &err), 0);
    assert_null(kv_get(&kv, "Cpu"));
    assert_null(kv_get(&kv, "Memory"));
    kv_free(&kv);
    eci_update_cg_req_free(&req);
    cJSON_Delete(a);
    cJSON_Delete(b);
    free_fake(f);
}

/* Missing ConfigMaps/Secrets: the kubelet's Event reasons, the wait, and the
 * objects to watch (with the resourceVersion when only a key is missing). */
static const podmap_finding *by_reason(run *t, const char *reason)
{
    for (size_t i = 0; i < t->r.nfindings; i++)
        if (!strcmp(t->r.findings[i].reason, reason))
            return &t->r.findings[i];
    fail_msg("no finding with reason %s", reason);
    return NULL;
}

static void t_missing_objects(void **st)
{
    (void)st;
    run t;
    translate(&t, "",
              C1 ",'envFrom':[{'configMapRef':{'name':'gone'}}],"
                 "'env':[{'name':'P','valueFrom':{'secretKeyRef':{'name':'nosecret','key':'pw'}}},"
                 "{'name':'O','valueFrom':{'configMapKeyRef':{'name':'alsogone','key':'k','optional':true}}},"
                 "{'name':'Q','valueFrom':{'secretKeyRef':{'name':'gone2','key':'k','optional':true}}},"
                 "{'name':'K','valueFrom':{'configMapKeyRef':{'name':'app','key':'nokey'}}}]}]");
    assert_int_equal(t.r.outcome, PODMAP_WAIT);
    assert_string_equal(t.r.reason, "CreateContainerConfigError");
    const podmap_finding *f = by_reason(&t, "MandatoryConfigMapNotFound");
    assert_string_equal(f->type, "Warning");
    assert_string_equal(f->message, "configmap \"gone\" not found");
    assert_string_equal(by_reason(&t, "MandatorySecretNotFound")->message, "secret \"nosecret\" not found");
    assert_non_null(strstr(by_reason(&t, "OptionalConfigMapNotFound")->message, "skipping optional"));
    assert_non_null(strstr(by_reason(&t, "OptionalSecretNotFound")->message, "secret \"gone2\" not found"));
    assert_string_equal(by_reason(&t, "MandatoryConfigMapKeyNotFound")->message,
                        "key \"nokey\" not found in configmap \"app\"");
    /* what to watch: the three mandatory objects, optional ones not */
    assert_int_equal(cJSON_GetArraySize(t.r.missing), 3);
    const cJSON *m;
    int seen = 0;
    cJSON_ArrayForEach(m, t.r.missing)
    {
        const char *kind = cJSON_GetObjectItem(m, "kind")->valuestring, *name = cJSON_GetObjectItem(m, "name")->valuestring;
        const cJSON *rv = cJSON_GetObjectItem(m, "resourceVersion");
        if (!strcmp(name, "gone") && !strcmp(kind, "ConfigMap") && !rv)
            seen |= 1;
        if (!strcmp(name, "nosecret") && !strcmp(kind, "Secret") && !rv)
            seen |= 2;
        if (!strcmp(name, "app") && !strcmp(kind, "ConfigMap"))
            seen |= 4; /* exists: watched from its resourceVersion when it has one */
    }
    assert_int_equal(seen, 7);
    done(&t);
    /* only optional references missing: the pod runs, the Events say what was skipped */
    translate(&t, "", C1 ",'env':[{'name':'O','valueFrom':{'configMapKeyRef':{'name':'x','key':'k','optional':true}}}]}]");
    assert_int_equal(t.r.outcome, PODMAP_OK);
    assert_null(t.r.missing);
    by_reason(&t, "OptionalConfigMapNotFound");
    done(&t);
}

/* ACK's fail strategy annotations and DaemonSet admission. */
static void t_create_policy(void **st)
{
    (void)st;
    podmap_create_policy p;
    char err[256];
    cJSON *pod = mkpod("", C1 "}]");
    assert_int_equal(podmap_create_policy_of(pod, &p, err, sizeof err), 0);
    assert_int_equal(p.strategy, PODMAP_FAIL_RETRY);
    assert_int_equal(p.max_pending_minutes, 240);
    assert_false(p.spot_fallback);
    cJSON_Delete(pod);
    pod = mkpod("'annotations':{'k8s.aliyun.com/eci-fail-strategy':'fail-fast','k8s.aliyun.com/eci-max-pending-minute':'30',"
                "'k8s.aliyun.com/eci-spot-fallback':'true'}",
                C1 "}]");
    assert_int_equal(podmap_create_policy_of(pod, &p, err, sizeof err), 0);
    assert_int_equal(p.strategy, PODMAP_FAIL_FAST);
    assert_int_equal(p.max_pending_minutes, 30);
    assert_true(p.max_pending_set);
    assert_true(p.spot_fallback);
    cJSON_Delete(pod);
    /* each bad value refused naming its annotation; ACK's older
     * pod-fail-on-create-err contradicting eci-fail-strategy too */
    static const char *const bad[] = {"'k8s.aliyun.com/eci-fail-strategy':'retry'",
                                      "'k8s.aliyun.com/eci-max-pending-minute':'9'",
                                      "'k8s.aliyun.com/eci-max-pending-minute':'1441'",
                                      "'k8s.aliyun.com/eci-max-pending-minute':'30m'",
                                      "'k8s.aliyun.com/eci-spot-fallback':'yes'",
                                      "'k8s.aliyun.com/eci-spot-release-strategy':'keep'",
                                      "'k8s.aliyun.com/pod-fail-on-create-err':'yes'",
                                      "'k8s.aliyun.com/pod-fail-on-create-err':'true','k8s.aliyun.com/eci-fail-strategy':'fail-back'",
                                      "'k8s.aliyun.com/pod-fail-on-create-err':'false','k8s.aliyun.com/eci-fail-strategy':'fail-fast'"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *meta = xasprintf("'annotations':{%s}", bad[i]);
        pod = mkpod(meta, C1 "}]");
        assert_int_equal(podmap_create_policy_of(pod, &p, err, sizeof err), -1);
        char name[64];
        assert_int_equal(sscanf(bad[i], "'%63[^']'", name), 1);
        char *want_err = xasprintf("annotation %s", name);
        assert_non_null(strstr(err, want_err));
        free(want_err);
        cJSON_Delete(pod);
        run t;
        translate(&t, meta, C1 "}]");
        assert_int_equal(t.r.outcome, PODMAP_REJECTED);
        done(&t);
        free(meta);
    }
    run t;
    translate(&t, "'annotations':{'k8s.aliyun.com/eci-max-pending-minute':'30'}", C1 "}]");
    want(&t, "MaxPendingMinute", "30");
    done(&t);
    /* ACK's older pod-fail-on-create-err: "true" is fail-fast */
    pod = mkpod("'annotations':{'k8s.aliyun.com/pod-fail-on-create-err':'true'}", C1 "}]");
    assert_int_equal(podmap_create_policy_of(pod, &p, err, sizeof err), 0);
    assert_int_equal(p.strategy, PODMAP_FAIL_FAST);
    cJSON_Delete(pod);
    pod = mkpod("'annotations':{'k8s.aliyun.com/pod-fail-on-create-err':'true','k8s.aliyun.com/eci-fail-strategy':'fail-fast'}",
                C1 "}]");
    assert_int_equal(podmap_create_policy_of(pod, &p, err, sizeof err), 0);
    assert_int_equal(p.strategy, PODMAP_FAIL_FAST);
    cJSON_Delete(pod);
    pod = mkpod("'annotations':{'k8s.aliyun.com/pod-fail-on-create-err':'false'}", C1 "}]");
    assert_int_equal(podmap_create_policy_of(pod, &p, err, sizeof err), 0);
    assert_int_equal(p.strategy, PODMAP_FAIL_RETRY);
    cJSON_Delete(pod);
    /* every unknown k8s.aliyun.com/ annotation is reported, not only eci-*;
     * the ones the node writes back are not requests and pass silently */
    translate(&t, "'annotations':{'k8s.aliyun.com/eip-internet-charge-type':'PayByTraffic',"
                  "'k8s.aliyun.com/imc-perfect-match':'true'}", C1 "}]");
    assert_int_equal(t.r.outcome, PODMAP_OK);
    finding(&t, "ignored", "metadata.annotations['k8s.aliyun.com/eip-internet-charge-type']");
    finding(&t, "ignored", "metadata.annotations['k8s.aliyun.com/imc-perfect-match']");
    done(&t);
    translate(&t, "'annotations':{'k8s.aliyun.com/eci-instance-id':'eci-1','k8s.aliyun.com/allocated-eipAddress':'1.2.3.4',"
                  "'k8s.aliyun.com/pod-fail-on-create-err':'true','example.com/other':'x',"
                  "'k8s.aliyun.com/eci-spot-release-strategy':'api-evict'}", C1 "}]");
    assert_int_equal(t.r.outcome, PODMAP_OK);
    no_findings(&t);
    done(&t);
    /* DaemonSet pods */
    pod = mkpod("'ownerReferences':[{'apiVersion':'apps/v1','kind':'DaemonSet','name':'agent','uid':'u','controller':true}]",
                C1 "}]");
    assert_true(podmap_daemonset_refused(pod));
    cJSON_Delete(pod);
    pod = mkpod("'ownerReferences':[{'apiVersion':'apps/v1','kind':'DaemonSet','name':'agent','uid':'u','controller':true}],"
                "'annotations':{'eci-kubelet/allow-daemonset':'true'}",
                C1 "}]");
    assert_false(podmap_daemonset_refused(pod));
    cJSON_Delete(pod);
    pod = mkpod("'ownerReferences':[{'apiVersion':'apps/v1','kind':'ReplicaSet','name':'web','uid':'u','controller':true}]",
                C1 "}]");
    assert_false(podmap_daemonset_refused(pod));
    cJSON_Delete(pod);
}

/* kubectl debug: ephemeral containers cannot join a running group. */
static void t_ephemeral(void **st)
{
    (void)st;
    fake *f = new_fake();
    podmap_resolver res = {f, get_cm, get_secret, get_token, list_svc, get_imc};
    cJSON *a = mkpod("", C1 "}]");
    cJSON *b = mkpod("", C1 "}],'ephemeralContainers':[{'name':'dbg','image':'busybox'}]");
    eci_update_cg_req req;
    char *msg = NULL;
    assert_int_equal(podmap_update_plan(a, b, "eci-1", &CFG, &res, &req, &msg), PODMAP_UPD_EPHEMERAL);
    assert_non_null(strstr(msg, "ephemeral containers are not supported"));
    free(msg);
    cJSON_Delete(a);
    cJSON_Delete(b);
    free_fake(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_minimal),
        cmocka_unit_test(t_missing_objects),
        cmocka_unit_test(t_create_policy),
        cmocka_unit_test(t_ephemeral),
        cmocka_unit_test(t_resources_rounded),
        cmocka_unit_test(t_quantity_and_specs),
        cmocka_unit_test(t_expand),
        cmocka_unit_test(t_env),
        cmocka_unit_test(t_env_errors),
        cmocka_unit_test(t_env_from),
        cmocka_unit_test(t_service_links),
        cmocka_unit_test(t_command_limits),
        cmocka_unit_test(t_volumes),
        cmocka_unit_test(t_volume_rejections),
        cmocka_unit_test(t_probes_hooks),
        cmocka_unit_test(t_security),
        cmocka_unit_test(t_pull_secrets),
        cmocka_unit_test(t_annotations),
        cmocka_unit_test(t_ack_annotations),
        cmocka_unit_test(t_image_cache_by_name),
        cmocka_unit_test(t_dns),
        cmocka_unit_test(t_names),
        cmocka_unit_test(t_shape_errors),
        cmocka_unit_test(t_update),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
