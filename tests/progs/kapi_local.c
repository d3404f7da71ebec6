/* A kubelet API server backed by local processes, for suites that drive it
 * through the real kube-apiserver and kubectl: exec/attach run the command
 * on this machine (kubelet_rc_local_backend), /containerLogs answers canned lines,
 * /pods an empty list. Prints "listening <port>" once serving; stops on
 * SIGINT/SIGTERM.
 *
 * With --eci-endpoint, exec goes to ECI instead (provider/kubelet_exec.c):
 * ExecContainerCommand on the container group that --eci-map names for the
 * pod, credentials from ALIBABA_CLOUD_ACCESS_KEY_ID/_SECRET.
 *
 *   kapi_local [--port N] [--cert F --key F] [--client-ca F] [--node NAME]
 *              [--token TOKEN=USER]... [--no-auth] [--no-websocket]
 *              [--eci-endpoint URL [--eci-region R] [--eci-map NS/POD=CGID]...]
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "eci/client.h"
#include "provider/kubelet_exec.h"
#include "provider/kubelet/server.h"
#include "util/log.h"
#include "util/xmalloc.h"

static int resolve(void *ud, const char *ns, const char *pod, const char *uid, char **cg, char *err, size_t errlen)
{
    (void)uid;
    char key[512];
    snprintf(key, sizeof key, "%s/%s", ns, pod);
    const char *id = kv_get(ud, key);
    if (!id) {
        snprintf(err, errlen, "pod %s has no container group", key);
        return -1;
    }
    *cg = xstrdup(id);
    return 0;
}

static void h_logs(void *ud, const kubelet_request *r, kubelet_response *w)
{
    (void)ud;
    kubelet_log_options o;
    char err[160];
    if (kubelet_log_options_parse(kubelet_req_query(r), &o, err, sizeof err) < 0) {
        kubelet_resp_error(w, 422, "%s", err);
        return;
    }
    kubelet_resp_begin(w, 200, "text/plain");
    char line[256];
    int n = o.follow ? 1000 : 3;
    for (int i = 1; i <= n; i++) {
        snprintf(line, sizeof line, "log line %d from %s/%s/%s\n", i, kubelet_req_param(r, "namespace"),
                 kubelet_req_param(r, "pod"), kubelet_req_param(r, "container"));
        if (kubelet_resp_write(w, line, strlen(line)) < 0)
            return;
        if (o.follow) {
            for (int k = 0; k < 5; k++) {
                if (kubelet_resp_client_gone(w))
                    return;
                struct timespec ts = {0, 100 * 1000 * 1000};
                nanosleep(&ts, NULL);
            }
        }
    }
}

static void h_pods(void *ud, const kubelet_request *r, kubelet_response *w)
{
    (void)ud;
    (void)r;
    const char *b = "{\"kind\":\"PodList\",\"apiVersion\":\"v1\",\"metadata\":{},\"items\":[]}";
    kubelet_resp_send(w, 200, "application/json", b, strlen(b));
}

int main(int argc, char **argv)
{
    kubelet_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.bind_addr = "127.0.0.1";
    cfg.node_name = "kapi-local";
    cfg.fine_grained_authz = 1;
    kv_list tokens = KV_LIST_INIT, map = KV_LIST_INIT;
    int no_auth = 0;
    const char *eci_endpoint = NULL, *eci_region = "cn-hangzhou";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--port") && v) {
            cfg.port = atoi(v);
            i++;
        } else if (!strcmp(a, "--cert") && v) {
            cfg.cert_file = v;
            i++;
        } else if (!strcmp(a, "--key") && v) {
            cfg.key_file = v;
            i++;
        } else if (!strcmp(a, "--client-ca") && v) {
            cfg.client_ca_file = v;
            i++;
        } else if (!strcmp(a, "--node") && v) {
            cfg.node_name = v;
            i++;
        } else if (!strcmp(a, "--token") && v && strchr(v, '=')) {
            const char *eq = strchr(v, '=');
            kv_addn(&tokens, v, (size_t)(eq - v), eq + 1, strlen(eq + 1));
            i++;
        } else if (!strcmp(a, "--eci-endpoint") && v) {
            eci_endpoint = v;
            i++;
        } else if (!strcmp(a, "--eci-region") && v) {
            eci_region = v;
            i++;
        } else if (!strcmp(a, "--eci-map") && v && strchr(v, '=')) {
            const char *eq = strchr(v, '=');
            kv_addn(&map, v, (size_t)(eq - v), eq + 1, strlen(eq + 1));
            i++;
        } else if (!strcmp(a, "--no-auth")) {
            no_auth = 1;
        } else if (!strcmp(a, "--no-websocket")) {
            cfg.disable_websocket = 1;
        } else {
            fprintf(stderr, "usage: kapi_local [--port N] [--cert F --key F] [--client-ca F] [--node NAME] "
                            "[--token TOKEN=USER]... [--no-auth] [--no-websocket] [--eci-endpoint URL [--eci-region R] "
                            "[--eci-map NS/POD=CGID]...]\n");
            return 2;
        }
    }
    kubelet_auth auth = {&tokens, kubelet_stub_authn, kubelet_stub_authz};
    kubelet_handlers h;
    memset(&h, 0, sizeof h);
    h.container_logs = h_logs;
    h.pods = h_pods;
    h.exec = kubelet_rc_local_backend();
    eci_client *ec = NULL;
    prov_kexec *ke = NULL;
    if (eci_endpoint) {
        eci_client_config ecfg;
        eci_client_config_init(&ecfg);
        ecfg.region = eci_region;
        ecfg.endpoint = eci_endpoint;
        eci_error e;
        memset(&e, 0, sizeof e);
        if (eci_client_new(&ecfg, &ec, &e) < 0) {
            fprintf(stderr, "kapi_local: ECI client: %s %s\n", e.message, e.detail);
            return 1;
        }
        prov_kexec_config kc;
        memset(&kc, 0, sizeof kc);
        kc.client = ec;
        kc.resolve = resolve;
        kc.resolve_ud = &map;
        ke = prov_kexec_new(&kc);
        h.exec = prov_kexec_backend(ke);
    }
    cfg.handlers = &h;
    cfg.auth = no_auth ? NULL : &auth;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    char err[256];
    kubelet_server *s = kubelet_server_start(&cfg, err, sizeof err);
    if (!s) {
        fprintf(stderr, "kapi_local: %s\n", err);
        prov_kexec_free(ke);
        eci_client_free(ec);
        kv_free(&map);
        kv_free(&tokens);
        return 1;
    }
    printf("listening %d\n", kubelet_server_port(s));
    fflush(stdout);
    int sig;
    sigwait(&set, &sig);
    kubelet_server_stop(s);
    prov_kexec_free(ke);
    eci_client_free(ec);
    kv_free(&tokens);
    kv_free(&map);
    return 0;
}
