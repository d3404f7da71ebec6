/* k8s/config.c: kubeconfig parsing (every error path) and in-cluster config. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "k8s/config.h"
#include "util/base64.h"
#include "util/xmalloc.h"

static const char CERT[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBdTCCARugAwIBAgIUJrIllon/DuCx2npK2gDoQeIwaG8wCgYIKoZIzj0EAwIw\n"
    "DzENMAsGA1UEAwwEdGVzdDAgFw0yNjExMjMwMTU4MDlaGA8yMTI2MTAzMDAxNTgw\n"
    "OVowDzENMAsGA1UEAwwEdGVzdDBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABL64\n"
    "zYsTp+st4Qn6M0E0Vp0TWy1d+3WgPWddzWjU4wNSjIfKIMPV+VXK3W+MJ1OAenfC\n"
    "+iGpT4ajAaXM9VQ1cC+jUzBRMB0GA1UdDgQWBBTibi+8yMPNc5HdBLFbST8p8tgi\n"
    "HTAfBgNVHSMEGDAWgBTibi+8yMPNc5HdBLFbST8p8tgiHTAPBgNVHRMBAf8EBTAD\n"
    "AQH/MAoGCCqGSM49BAMCA0gAMEUCIQDKRz/PVjNbvgQBjeEEmYdq0yDH1W2Xz9e9\n"
    "JRjMAMAx5QIgLfrAVjgtbYTO4Q1i70Zq1O7qgZvAU+/LOSJq+jcIR4c=\n"
    "-----END CERTIFICATE-----\n";
static const char KEY[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg8UvP0h3sniiv8cRX\n"
    "TvFkPx8tUbTwLWww1ESzuqOa51ChRANCAAS+uM2LE6frLeEJ+jNBNFadE1stXft1\n"
    "oD1nXc1o1OMDUoyHyiDD1flVyt1vjCdTgHp3wvohqU+GowGlzPVUNXAv\n"
    "-----END PRIVATE KEY-----\n";

/* A kubeconfig with two contexts; extra_cluster / extra_user lines are
 * appended to the first cluster's / user's mapping. */
static char *kubeconfig(const char *extra_cluster, const char *extra_user, const char *current)
{
    char *c = b64_encode(CERT, strlen(CERT)), *k = b64_encode(KEY, strlen(KEY));
    char *s = xasprintf("apiVersion: v1\n"
                        "kind: Config\n"
                        "current-context: %s\n"
                        "clusters:\n"
                        "- name: other\n"
                        "  cluster:\n"
                        "    server: https://other.example:6443\n"
                        "- name: main\n"
                        "  cluster:\n"
                        "    server: https://127.0.0.1:6443/\n"
                        "    certificate-authority-data: %s\n"
                        "%s"
                        "users:\n"
                        "- name: admin\n"
                        "  user:\n"
                        "    client-certificate-data: %s\n"
                        "    client-key-data: %s\n"
                        "%s"
                        "- name: tokenuser\n"
                        "  user:\n"
                        "    token: \"  abc.def  \"\n"
                        "contexts:\n"
                        "- name: main\n"
                        "  context:\n"
                        "    cluster: main\n"
                        "    user: admin\n"
                        "    namespace: work\n"
                        "- name: tok\n"
                        "  context:\n"
                        "    cluster: other\n"
                        "    user: tokenuser\n",
                        current, c, extra_cluster ? extra_cluster : "", c, k, extra_user ? extra_user : "");
    free(c);
    free(k);
    return s;
}

static int parse(const char *text, const char *ctx, k8s_config **out, k8s_error *e)
{
    return k8s_config_parse_kubeconfig(text, strlen(text), "/x", "/nonexistent-dir", ctx, out, e);
}

static void expect_error(const char *text, const char *ctx, const char *want)
{
    k8s_config *c = NULL;
    k8s_error e;
    k8s_error_clear(&e);
    int rc = parse(text, ctx, &c, &e);
    if (rc == 0 || !strstr(e.message, want))
        fail_msg("want error containing \"%s\", got rc %d \"%s\"", want, rc, e.message);
    assert_null(c);
    assert_true(e.code == K8S_E_CONFIG || e.code == K8S_E_UNSUPPORTED);
}

static void test_valid(void **state)
{
    (void)state;
    char *t = kubeconfig(NULL, NULL, "main");
    k8s_config *c;
    k8s_error e;
    assert_int_equal(parse(t, NULL, &c, &e), 0);
    assert_string_equal(k8s_config_server(c), "https://127.0.0.1:6443");
    assert_string_equal(k8s_config_namespace(c), "work");
    assert_string_equal(k8s_config_context(c), "main");
    assert_string_equal(k8s_config_source(c), "/x");
    assert_null(k8s_config_warning(c));
    assert_false(k8s_config_insecure(c));
    size_t n;
    const unsigned char *p = k8s_config_ca(c, &n);
    assert_int_equal(n, strlen(CERT));
    assert_memory_equal(p, CERT, n);
    p = k8s_config_client_key(c, &n);
    assert_int_equal(n, strlen(KEY));
    assert_memory_equal(p, KEY, n);
    p = k8s_config_client_cert(c, &n);
    assert_int_equal(n, strlen(CERT));
    assert_null(k8s_config_token(c, &e));
    k8s_config_free(c);
    /* explicit context override */
    assert_int_equal(parse(t, "tok", &c, &e), 0);
    assert_string_equal(k8s_config_server(c), "https://other.example:6443");
    assert_string_equal(k8s_config_namespace(c), "default");
    char *tok = k8s_config_token(c, &e);
    assert_string_equal(tok, "abc.def");
    free(tok);
    k8s_config_set_token(c, "x");
    tok = k8s_config_token(c, &e);
    assert_string_equal(tok, "x");
    free(tok);
    assert_null(k8s_config_ca(c, &n));
    assert_int_equal(n, 0);
    k8s_config_free(c);
    free(t);
    k8s_config_free(NULL);
}

static void test_context_errors(void **state)
{
    (void)state;
    char *t = kubeconfig(NULL, NULL, "main");
    expect_error(t, "foo", "kubeconfig /x: context \"foo\" not found");
    free(t);
    t = kubeconfig(NULL, NULL, "\"\"");
    expect_error(t, NULL, "current-context: not set");
    free(t);
    expect_error("clusters: []\ncontexts:\n- name: a\n  context:\n    user: u\n", "a",
                 "contexts[0].context.cluster: missing");
    expect_error("contexts:\n- name: a\n  context:\n    cluster: nope\n", "a",
                 "contexts[0].context.cluster: cluster \"nope\" not found");
    expect_error("clusters:\n- name: c\n  cluster:\n    server: https://h\ncontexts:\n- name: a\n  context:\n"
                 "    cluster: c\n    user: ghost\n",
                 "a", "contexts[0].context.user: user \"ghost\" not found");
    expect_error("contexts: {}\n", "a", "contexts: expected a list");
    expect_error("contexts:\n- 3\n", "a", "contexts[0]: expected a mapping");
    expect_error("contexts:\n- name: a\n  context: 5\n", "a", "contexts[0].context: missing or not a mapping");
    expect_error("contexts:\n- name: [1]\n", "a", "contexts[0].name: expected a string");
}

static void test_syntax_errors(void **state)
{
    (void)state;
    expect_error("", NULL, "kubeconfig /x: empty document");
    expect_error("- a\n- b\n", NULL, "top level is not a mapping");
    expect_error("a: [1, 2\n", NULL, "YAML error at line");
    expect_error("current-context: {a: 1}\n", NULL, "current-context: expected a string");
    expect_error("current-context: \"a\\0b\"\n", NULL, "current-context: contains a NUL byte");
    expect_error("clusters: 7\ncontexts:\n- name: a\n  context:\n    cluster: c\n", "a", "clusters: expected a list");
}

static void test_cluster_errors(void **state)
{
    (void)state;
    char *c = b64_encode(CERT, strlen(CERT));
    const char *tmpl = "current-context: a\ncontexts:\n- name: a\n  context:\n    cluster: c\n"
                       "clusters:\n- name: c\n  cluster:\n%s";
    char *t = xasprintf(tmpl, "    insecure-skip-tls-verify: true\n");
    expect_error(t, NULL, "clusters[0].cluster.server: missing");
    free(t);
    t = xasprintf(tmpl, "    server: ftp://h\n");
    expect_error(t, NULL, "clusters[0].cluster.server: \"ftp://h\" is not an http(s) URL");
    free(t);
    t = xasprintf(tmpl, "    server: https://h\n    certificate-authority-data: '@@@'\n");
    expect_error(t, NULL, "clusters[0].cluster.certificate-authority-data: invalid base64");
    free(t);
    t = xasprintf(tmpl, "    server: https://h\n    certificate-authority-data: aGVsbG8=\n");
    expect_error(t, NULL, "clusters[0].cluster.certificate-authority-data: not a PEM certificate");
    free(t);
    t = xasprintf(tmpl, "    server: https://h\n    certificate-authority: missing-ca.crt\n");
    expect_error(t, NULL, "clusters[0].cluster.certificate-authority: cannot read /nonexistent-dir/missing-ca.crt");
    free(t);
    t = xasprintf(tmpl, "    server: https://h\n    insecure-skip-tls-verify: maybe\n");
    expect_error(t, NULL, "clusters[0].cluster.insecure-skip-tls-verify: not a boolean");
    free(t);
    t = xasprintf(tmpl, "  cluster2: 1\n");
    expect_error(t, NULL, "clusters[0].cluster: missing or not a mapping");
    free(t);
    /* insecure is allowed, with a loud warning; tls-server-name is kept */
    t = xasprintf(tmpl, "    server: https://h:1\n    insecure-skip-tls-verify: true\n    tls-server-name: api.local\n");
    k8s_config *cfg;
    k8s_error e;
    assert_int_equal(parse(t, NULL, &cfg, &e), 0);
    assert_true(k8s_config_insecure(cfg));
    assert_non_null(strstr(k8s_config_warning(cfg), "insecure-skip-tls-verify"));
    assert_string_equal(k8s_config_tls_server_name(cfg), "api.local");
    k8s_config_free(cfg);
    free(t);
    free(c);
}

static void test_user_errors(void **state)
{
    (void)state;
    const char *tmpl = "current-context: a\ncontexts:\n- name: a\n  context:\n    cluster: c\n    user: u\n"
                       "clusters:\n- name: c\n  cluster:\n    server: https://h\n"
                       "users:\n- name: x\n- name: u\n  user:\n%s";
    char *c = b64_encode(CERT, strlen(CERT)), *k = b64_encode(KEY, strlen(KEY));
    struct {
        const char *user;
        const char *want;
    } cases[] = {
        { "    client-key-data: '!!'\n", "kubeconfig /x: users[1].user.client-key-data: invalid base64" },
        { "    username: a\n    password: b\n", "users[1].user.username: unsupported" },
        { "    password: b\n", "users[1].user.password: unsupported" },
        { "    exec:\n      command: x\n", "users[1].user.exec: unsupported" },
        { "    auth-provider:\n      name: gcp\n", "users[1].user.auth-provider: unsupported" },
        { "    client-certificate: nope.crt\n", "users[1].user.client-certificate: cannot read /nonexistent-dir/nope.crt" },
        { "    tokenFile: /nonexistent-dir/token\n", "users[1].user.tokenFile: token file /nonexistent-dir/token" },
        { "    token: [a]\n", "users[1].user.token: expected a string" },
        { "    client-certificate-data: 'a b c'\n", "users[1].user.client-certificate-data: invalid base64" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *t = xasprintf(tmpl, cases[i].user);
        expect_error(t, NULL, cases[i].want);
        free(t);
    }
    char *u = xasprintf("    client-certificate-data: %s\n", c);
    char *t = xasprintf(tmpl, u);
    expect_error(t, NULL, "users[1].user.client-key-data: missing");
    free(t);
    free(u);
    u = xasprintf("    client-key-data: %s\n", k);
    t = xasprintf(tmpl, u);
    expect_error(t, NULL, "users[1].user.client-certificate-data: missing");
    free(t);
    free(u);
    u = xasprintf("    client-certificate-data: %s\n    client-key-data: %s\n", c, c);
    t = xasprintf(tmpl, u);
    expect_error(t, NULL, "users[1].user.client-key-data: not a PEM private key");
    free(t);
    free(u);
    t = xasprintf("current-context: a\ncontexts:\n- name: a\n  context:\n    cluster: c\n    user: u\n"
                  "clusters:\n- name: c\n  cluster:\n    server: https://h\nusers:\n- name: u\n  user: 5\n");
    expect_error(t, NULL, "users[0].user: not a mapping");
    free(t);
    /* null user and bare entries are fine */
    t = xasprintf(tmpl, "    ~\n");
    k8s_config *cfg;
    k8s_error e;
    assert_int_equal(parse(t, NULL, &cfg, &e), 0);
    k8s_config_free(cfg);
    free(t);
    free(c);
    free(k);
}

static char *write_tmp(const char *dir, const char *name, const char *content)
{
    char *p = xasprintf("%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(content, f);
    fclose(f);
    return p;
}

static void test_files(void **state)
{
    (void)state;
    char dir[] = "/tmp/k8s-config-test-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char *pc = write_tmp(dir, "ca.crt", CERT), *pk = write_tmp(dir, "client.key", KEY);
    char *pt = write_tmp(dir, "token", "file-token\n");
    char *kc = write_tmp(dir, "config",
                         "current-context: a\ncontexts:\n- name: a\n  context:\n    cluster: c\n    user: u\n"
                         "clusters:\n- name: c\n  cluster:\n    server: https://h\n"
                         "    certificate-authority: ca.crt\n"
                         "users:\n- name: u\n  user:\n    client-certificate: ca.crt\n"
                         "    client-key: client.key\n    tokenFile: token\n");
    k8s_config *cfg;
    k8s_error e;
    assert_int_equal(k8s_config_load_kubeconfig(kc, NULL, &cfg, &e), 0);
    size_t n;
    assert_non_null(k8s_config_ca(cfg, &n));
    assert_int_equal(n, strlen(CERT));
    char *tok = k8s_config_token(cfg, &e);
    assert_string_equal(tok, "file-token");
    free(tok);
    k8s_config_free(cfg);
    /* load_default honours an explicit path and $KUBECONFIG */
    assert_int_equal(k8s_config_load_default(kc, NULL, &cfg, &e), 0);
    k8s_config_free(cfg);
    setenv("KUBECONFIG", kc, 1);
    assert_int_equal(k8s_config_load_default(NULL, NULL, &cfg, &e), 0);
    k8s_config_free(cfg);
    unsetenv("KUBECONFIG");
    char *missing = xasprintf("%s/nope", dir);
    assert_int_equal(k8s_config_load_kubeconfig(missing, NULL, &cfg, &e), -1);
    assert_non_null(strstr(e.message, "cannot read"));

    /* an empty token file, a CA file that is not PEM, a file over the cap */
    char *pe = write_tmp(dir, "empty-token", "\n");
    char *kc2 = write_tmp(dir, "config2",
                          "current-context: a\ncontexts:\n- name: a\n  context:\n    cluster: c\n    user: u\n"
                          "clusters:\n- name: c\n  cluster:\n    server: https://h\n"
                          "users:\n- name: u\n  user:\n    tokenFile: empty-token\n");
    assert_int_equal(k8s_config_load_kubeconfig(kc2, NULL, &cfg, &e), -1);
    assert_non_null(strstr(e.message, "users[0].user.tokenFile: token file"));
    assert_non_null(strstr(e.message, "is empty"));
    free(write_tmp(dir, "config2",
                   "current-context: a\ncontexts:\n- name: a\n  context:\n    cluster: c\n"
                   "clusters:\n- name: c\n  cluster:\n    server: https://h\n    certificate-authority: token\n"));
    assert_int_equal(k8s_config_load_kubeconfig(kc2, NULL, &cfg, &e), -1);
    assert_non_null(strstr(e.message, "clusters[0].cluster.certificate-authority: not a PEM certificate"));
    char *big = xasprintf("%s/big", dir);
    FILE *bf = fopen(big, "w");
    assert_non_null(bf);
    for (int i = 0; i < 5 * 1024; i++)
        fprintf(bf, "%01023d\n", 0);
    fclose(bf);
    assert_int_equal(k8s_config_load_kubeconfig(big, NULL, &cfg, &e), -1);
    assert_non_null(strstr(e.message, "is larger than"));
    unlink(big);
    free(big);
    unlink(pe);
    unlink(kc2);
    free(pe);
    free(kc2);

    /* in-cluster */
    char *pn = write_tmp(dir, "namespace", "kube-system\n");
    k8s_incluster_paths paths = { pt, pc, pn };
    unsetenv("KUBERNETES_SERVICE_HOST");
    assert_int_equal(k8s_config_in_cluster(&paths, &cfg, &e), -1);
    assert_non_null(strstr(e.message, "KUBERNETES_SERVICE_HOST"));
    setenv("KUBERNETES_SERVICE_HOST", "10.0.0.1", 1);
    setenv("KUBERNETES_SERVICE_PORT", "443", 1);
    assert_int_equal(k8s_config_in_cluster(&paths, &cfg, &e), 0);
    assert_string_equal(k8s_config_server(cfg), "https://10.0.0.1:443");
    assert_string_equal(k8s_config_namespace(cfg), "kube-system");
    assert_string_equal(k8s_config_source(cfg), "in-cluster");
    tok = k8s_config_token(cfg, &e);
    assert_string_equal(tok, "file-token");
    free(tok);
    /* rotation: a new file content (different size) is picked up */
    free(write_tmp(dir, "token", "rotated-token-value\n"));
    tok = k8s_config_token(cfg, &e);
    assert_string_equal(tok, "rotated-token-value");
    free(tok);
    k8s_config_free(cfg);
    setenv("KUBERNETES_SERVICE_HOST", "fd00::1", 1);
    assert_int_equal(k8s_config_in_cluster(&paths, &cfg, &e), 0);
    assert_string_equal(k8s_config_server(cfg), "https://[fd00::1]:443");
    k8s_config_free(cfg);
    k8s_incluster_paths badca = { pt, pk, pn };
    assert_int_equal(k8s_config_in_cluster(&badca, &cfg, &e), -1);
    assert_non_null(strstr(e.message, "not a PEM certificate"));
    k8s_incluster_paths notoken = { missing, pc, pn };
    assert_int_equal(k8s_config_in_cluster(&notoken, &cfg, &e), -1);
    assert_non_null(strstr(e.message, "token file"));
    unsetenv("KUBERNETES_SERVICE_HOST");
    unsetenv("KUBERNETES_SERVICE_PORT");

    cfg = k8s_config_new("http://127.0.0.1:1");
    assert_string_equal(k8s_config_server(cfg), "http://127.0.0.1:1");
    k8s_config_set_namespace(cfg, "ns1");
    assert_string_equal(k8s_config_namespace(cfg), "ns1");
    k8s_config_free(cfg);
    unlink(pc);
    unlink(pk);
    unlink(pt);
    unlink(pn);
    unlink(kc);
    rmdir(dir);
    free(pc);
    free(pk);
    free(pt);
    free(pn);
    free(kc);
    free(missing);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid),         cmocka_unit_test(test_context_errors),
        cmocka_unit_test(test_syntax_errors), cmocka_unit_test(test_cluster_errors),
        cmocka_unit_test(test_user_errors),   cmocka_unit_test(test_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
