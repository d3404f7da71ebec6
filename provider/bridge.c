/* The bridge's wiring: clients, the pod informer, the work queue and its
 * workers, the status loop, the node controller, leader election, signals.
 *
 * Threads: signal waiter; pod informer (k8s/informer.c); reconcile workers
 * (cfg->reconcile_workers); status loop (statussync.c, also polls events and
 * hands unknown groups to gc.c); node loop (nodectl.c); health/metrics HTTP
 * server (health.c); leader election (k8s/lease.c) when enabled. */
#include "provider/bridge.h"
#include "provider/bridge_int.h"
#include "provider/objwatch.h"
#include "provider/nodecert.h"
#include "provider/health.h"
#include "provider/imagecache.h"
#include "provider/kubelet_handlers.h"
#include "k8s/lease.h"
#include "util/log.h"
#include "util/procstat.h"
#include "util/xmalloc.h"
#include "util/deadline.h"

#include <arpa/inet.h>
#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define COMP "bridge"
/* How long the first node certificate may take to be approved and issued. */
#define NODECERT_WAIT_MS 60000L
/* How often an unreachable ECI is probed (DescribeRegions, no retries). */
#define ECI_PROBE_MS 2000L

/* ---- signals ---------------------------------------------------------------- */

typedef struct sigctx {
    prov_bridge *b;
    sigset_t set;
} sigctx;

static void *signal_thread(void *arg)
{
    sigctx *sc = arg;
    for (;;) {
        int sig = 0;
        if (sigwait(&sc->set, &sig) != 0)
            continue;
        if (sig == SIGUSR2)
            return NULL; /* shutdown of the waiter itself */
        log_info(COMP, "received %s: stopping (container groups keep running)", strsignal(sig));
        prov_ctl_stop(&sc->b->ctl);
    }
}

/* ---- cluster DNS ------------------------------------------------------------ */

/* pods.clusterDNS unset: use the cluster IP of the kube-dns Service in
 * kube-system (what CoreDNS and kube-dns installs create), read once from the
 * service informer before the first pod is translated, so ClusterFirst pods
 * get the cluster's name server without a flag. Without it they fall back to
 * the Default policy with a ClusterDNSNotConfigured warning, like a kubelet. */
static void discover_cluster_dns(prov_bridge *b)
{
    if (!b->services)
        return;
    for (int i = 0; i < 30 && !atomic_load(&b->ctl.stop) && !k8s_informer_wait_synced(b->services, 1000); i++)
        ;
    cJSON *svc = k8s_informer_get(b->services, "kube-system", "kube-dns");
    const cJSON *ip = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(svc, "spec"), "clusterIP");
    struct in6_addr a6;
    struct in_addr a4;
    if (cJSON_IsString(ip) && (inet_pton(AF_INET, ip->valuestring, &a4) == 1 ||
                               inet_pton(AF_INET6, ip->valuestring, &a6) == 1)) {
        snprintf(b->cluster_dns, sizeof b->cluster_dns, "%s", ip->valuestring);
        b->trcfg.cluster_dns = b->cluster_dns;
        log_info(COMP, "cluster DNS %s from Service kube-system/kube-dns (pods.clusterDNS is not set)",
                 b->cluster_dns);
    } else {
        log_warn(COMP, "pods.clusterDNS is not set and there is no Service kube-system/kube-dns with a cluster IP: "
                       "ClusterFirst pods fall back to the Default DNS policy");
    }
    cJSON_Delete(svc);
}

/* ---- metrics ---------------------------------------------------------------- */

typedef struct phase_count {
    double pending, running, succeeded, failed, unknown;
} phase_count;

typedef struct phase_walk {
    phase_count c;
    k8s_informer *pods;
} phase_walk;

/* One pod's phase from its summary (prov_pod_summary). */
static int count_phase(const char *key, const char *summary, void *arg)
{
    phase_walk *w = arg;
    phase_count *c = &w->c;
    char s[64], *owned;
    prov_pod_summary_phase(prov_pod_summary_of(k8s_informer_store(w->pods), key, summary, &owned), s, sizeof s);
    free(owned);
    if (!strcmp(s, "Running"))
        c->running++;
    else if (!strcmp(s, "Succeeded"))
        c->succeeded++;
    else if (!strcmp(s, "Failed"))
        c->failed++;
    else if (!strcmp(s, "Pending") || !s[0])
        c->pending++;
    else
        c->unknown++;
    return 0;
}

static void collect(void *ud)
{
    prov_bridge *b = ud;
    prom_set(b->m_queue, NULL, (double)prov_wq_len(b->wq));
    k8s_recorder_stats rs;
    k8s_recorder_get_stats(b->rec, &rs);
    prom_set(b->m_evq, NULL, (double)rs.queued);
    prom_set(b->m_write_period, NULL, (double)atomic_load(&b->ctl.write_period));
    prom_set(b->m_evq_dropped, NULL, (double)rs.dropped);
    k8s_informer *pods = atomic_load(&b->pods);
    if (pods) {
        phase_walk w = {{0}, pods};
        k8s_store_each_summary(k8s_informer_store(pods), count_phase, &w);
        phase_count c = w.c;
        const char *l1[] = {"Pending"}, *l2[] = {"Running"}, *l3[] = {"Succeeded"}, *l4[] = {"Failed"},
                   *l5[] = {"Unknown"};
        prom_set(b->m_pods_phase, l1, c.pending);
        prom_set(b->m_pods_phase, l2, c.running);
        prom_set(b->m_pods_phase, l3, c.succeeded);
        prom_set(b->m_pods_phase, l4, c.failed);
        prom_set(b->m_pods_phase, l5, c.unknown);
        k8s_watch_stats ws;
        k8s_informer_stats(pods, &ws);
        prom_set(b->m_watch_restarts, NULL, ws.connects ? (double)(ws.connects - 1) : 0);
    }
    k8s_request_stat st[128];
    size_t n = 0;
    k8s_client *clients[] = {b->kc, b->ev_kc};
    for (size_t c = 0; c < 2; c++) {
        if (!clients[c])
            continue;
        k8s_request_stat one[64];
        size_t m = k8s_client_stats(clients[c], one, 64);
        for (size_t i = 0; i < m && i < 64; i++) {
            size_t j = 0;
            while (j < n && (strcmp(st[j].verb, one[i].verb) || strcmp(st[j].resource, one[i].resource)))
                j++;
            if (j == n) {
                if (n == sizeof st / sizeof st[0])
                    continue;
                st[n++] = one[i];
            } else {
                st[j].count += one[i].count;
                st[j].seconds += one[i].seconds;
                st[j].wait_seconds += one[i].wait_seconds;
            }
        }
    }
    for (size_t i = 0; i < n; i++) {
        const char *lv[] = {st[i].verb, st[i].resource};
        prom_set(b->m_k8s_requests, lv, (double)st[i].count);
        prom_set(b->m_k8s_seconds, lv, st[i].seconds);
        prom_set(b->m_k8s_wait, lv, st[i].wait_seconds);
    }
}

void prov_bridge_metrics_init(prov_bridge *b)
{
    b->metrics = prom_registry_new();
    const char *res[] = {"result", NULL};
    const char *phase[] = {"phase", NULL};
    b->ctl.m_reconcile =
        prom_counter(b->metrics, "eci_kubelet_pod_reconciles_total", "Pod reconciles by result.", res);
    b->m_queue = prom_gauge(b->metrics, "eci_kubelet_reconcile_queue_depth", "Pod keys waiting to be reconciled.",
                            NULL);
    b->m_pods_phase = prom_gauge(b->metrics, "eci_kubelet_pods", "Pods on the node by phase.", phase);
    b->ctl.m_status_writes =
        prom_counter(b->metrics, "eci_kubelet_pod_status_writes_total", "Pod status writes to the apiserver.", NULL);
    const char *trig[] = {"trigger", NULL};
    b->ctl.m_status_polls = prom_counter(b->metrics, "eci_kubelet_status_polls_total",
                                         "Status polls of ECI begun, by what began them: the sync period (period; "
                                         "one second while groups start or stop) or a change that asked for one "
                                         "(change: a new or stopping group, a pod whose status drifted).",
                                         trig);
    b->m_write_period = prom_gauge(b->metrics, "eci_kubelet_pod_status_write_period_polls",
                                   "eci_kubelet_status_polls_total{trigger=\"period\"} when a pod status was last "
                                   "written: how many sync periods a write came after another count.",
                                   NULL);
    const char *vr[] = {"verb", "resource", NULL};
    b->m_k8s_requests = prom_counter(b->metrics, "eci_kubelet_kube_requests_total",
                                      "Requests to the apiserver by verb and resource.", vr);
    b->m_k8s_seconds = prom_counter(b->metrics, "eci_kubelet_kube_request_seconds_total",
                                     "Time spent in apiserver requests (retries and rate-limit waits included; "
                                     "watches count their whole stream).",
                                     vr);
    b->m_k8s_wait = prom_counter(b->metrics, "eci_kubelet_kube_ratelimit_wait_seconds_total",
                                  "Time apiserver requests waited for the client-side rate limit (--kube-api-qps).", vr);
    b->m_watch_restarts = prom_counter(b->metrics, "eci_kubelet_pod_watch_restarts_total",
                                       "Restarts of the pod watch since start.", NULL);
    b->m_evq = prom_gauge(b->metrics, "eci_kubelet_event_queue_depth",
                          "Events (the bridge's and ECI's) waiting to be written.", NULL);
    b->m_evq_dropped = prom_counter(b->metrics, "eci_kubelet_events_dropped_total",
                                    "Events dropped because the event queue was full or by the rate limit.", NULL);
    procstat_register(b->metrics);
    prom_add_collector(b->metrics, collect, b);
    prov_price_metrics(&b->ctl, b->metrics);
}

/* ---- wiring ----------------------------------------------------------------- */

static char *join_list(const prov_cfg_list *l)
{
    dynbuf d;
    dynbuf_init(&d, 0);
    for (size_t i = 0; i < l->n; i++) {
        if (i)
            dynbuf_addc(&d, ',');
        dynbuf_adds(&d, l->items[i]);
    }
    return dynbuf_take(&d, NULL);
}

/* The Kubernetes client configuration from the kubeconfig or the in-cluster
 * files; *out is the caller's. */
static int load_kube_config(const prov_cfg *cfg, k8s_config **out, k8s_error *err)
{
    k8s_config *kcfg = NULL;
    k8s_error kerr;
    k8s_error_clear(&kerr);
    int rc;
    if (cfg->kubeconfig && cfg->kubeconfig[0])
        rc = k8s_config_load_kubeconfig(cfg->kubeconfig, cfg->kube_context[0] ? cfg->kube_context : NULL, &kcfg,
                                        &kerr);
    else {
        /* ECI_KUBELET_INCLUSTER_DIR: the service-account files (token, ca.crt,
         * namespace) are read from this directory instead of
         * /var/run/secrets/kubernetes.io/serviceaccount (the in-cluster path
         * run outside a pod, e.g. by tests). */
        const char *dir = getenv("ECI_KUBELET_INCLUSTER_DIR");
        k8s_incluster_paths paths = {0};
        char *tok = NULL, *ca = NULL, *ns = NULL;
        if (dir && *dir) {
            paths.token_file = tok = xasprintf("%s/token", dir);
            paths.ca_file = ca = xasprintf("%s/ca.crt", dir);
            paths.namespace_file = ns = xasprintf("%s/namespace", dir);
        }
        rc = k8s_config_in_cluster(dir && *dir ? &paths : NULL, &kcfg, &kerr);
        free(tok);
        free(ca);
        free(ns);
    }
    *out = kcfg;
    *err = kerr;
    return rc;
}

static int make_clients(prov_bridge *b)
{
    const prov_cfg *cfg = b->cfg;
    k8s_error kerr;
    k8s_error_clear(&kerr);
    char buf[900];
    k8s_config *kcfg = NULL;
    int rc = load_kube_config(cfg, &kcfg, &kerr);
    if (rc != 0) {
        log_error(COMP, "Kubernetes configuration: %s", k8s_error_format(&kerr, buf, sizeof buf));
        return -1;
    }
    if (k8s_config_warning(kcfg))
        log_warn(COMP, "%s", k8s_config_warning(kcfg));
    if (cfg->request_node_certificate) {
        /* The loaded credentials only bootstrap the node's own identity; every
         * other request is made as system:node:NAME. */
        if (prov_nodecert_new(kcfg, cfg->node_name, cfg->node_certificate_duration_ms, NODECERT_WAIT_MS, &b->ctl.stop,
                              &b->nodecert) != 0)
            return -1;
        kcfg = prov_nodecert_config(b->nodecert);
    }
    k8s_client_opts ko = {0};
    ko.qps = cfg->kube_qps;
    ko.burst = cfg->kube_burst;
    ko.user_agent = "eci-kubelet/" ECI_KUBELET_VERSION;
    ko.metrics = b->metrics; /* k8s_client_request_duration_seconds and friends, both clients */
    if (k8s_client_new(kcfg, &ko, &b->kc, &kerr) != 0) {
        log_error(COMP, "Kubernetes client: %s", k8s_error_format(&kerr, buf, sizeof buf));
        return -1;
    }
    /* Events get their own client and rate limit (like the kubelet's event
     * client), so a burst of events never delays pods. */
    k8s_config *ecfg = NULL;
    if (b->nodecert)
        ecfg = prov_nodecert_config(b->nodecert);
    if ((!ecfg && load_kube_config(cfg, &ecfg, &kerr) != 0) || k8s_client_new(ecfg, &ko, &b->ev_kc, &kerr) != 0) {
        log_error(COMP, "Kubernetes client (events): %s", k8s_error_format(&kerr, buf, sizeof buf));
        return -1;
    }

    eci_client_config ec;
    eci_client_config_init(&ec);
    ec.region = cfg->region;
    ec.endpoint = cfg->eci_endpoint[0] ? cfg->eci_endpoint : NULL;
    ec.use_vpc_endpoint = cfg->eci_use_vpc_endpoint;
    ec.creds_config.access_key_id = cfg->access_key_id[0] ? cfg->access_key_id : NULL;
    ec.creds_config.access_key_secret = cfg->access_key_secret[0] ? cfg->access_key_secret : NULL;
    ec.creds_config.ram_role = cfg->ram_role[0] ? cfg->ram_role : NULL;
    if (cfg->eci_qps > 0)
        ec.qps = cfg->eci_qps;
    if (cfg->eci_burst > 0)
        ec.burst = cfg->eci_burst;
    if (cfg->eci_retries >= 0)
        ec.max_retries = cfg->eci_retries;
    if (cfg->eci_timeout_ms > 0)
        ec.request_timeout_ms = (long)cfg->eci_timeout_ms;
    ec.ca_file = cfg->eci_ca_file[0] ? cfg->eci_ca_file : NULL;
    ec.insecure_skip_tls_verify = cfg->eci_insecure_skip_tls_verify;
    ec.signature = cfg->eci_legacy_signature ? ECI_SIGN_V2 : ECI_SIGN_V3;
    ec.metrics = b->metrics;
    eci_error eerr;
    if (eci_client_new(&ec, &b->ec, &eerr) != 0) {
        log_error(COMP, "ECI client: %s", eci_error_format(&eerr, buf, sizeof buf));
        return -1;
    }
    /* The reachability probe answers for one attempt, soon: no retries, a
     * short timeout, outside the metrics and the per-operation pacing. */
    ec.max_retries = 0;
    ec.request_timeout_ms = 5000;
    ec.connect_timeout_ms = 3000;
    ec.metrics = NULL;
    if (eci_client_new(&ec, &b->ec_probe, &eerr) != 0) {
        log_error(COMP, "ECI client: %s", eci_error_format(&eerr, buf, sizeof buf));
        return -1;
    }
    k8s_recorder_opts ro = {0};
    ro.component = "eci-kubelet";
    ro.host = cfg->node_name;
    ro.qps = 50;
    ro.burst = 500;
    ro.queue_size = 20000; /* a reconcile or a status poll never waits for an Event write */
    b->rec = k8s_recorder_new(b->ev_kc, &ro);
    b->gets = k8s_get_cache_new(b->kc, 2000, 4096);
    b->ow = prov_ow_new(b);
    return 0;
}

static void free_bridge(prov_bridge *b)
{
    prov_ow_free(b->ow);
    k8s_informer_stop(atomic_load(&b->pods));
    k8s_informer_stop(b->services);
    k8s_get_cache_free(b->gets);
    k8s_recorder_free(b->rec);
    eci_client_free(b->ec);
    eci_client_free(b->ec_probe);
    k8s_client_free(b->ev_kc);
    k8s_client_free(b->kc);
    prov_nodecert_free(b->nodecert);
    prov_backend_eci_free(b->be);
    prov_wq_free(b->wq);
    prov_gm_free(b->gm);
    prom_registry_free(b->metrics);
    free(b->vswitches);
    free(b->node_uid);
    cJSON_Delete(b->node_status);
    prov_ctl_destroy(&b->ctl);
    pthread_mutex_destroy(&b->eci_mu);
}

/* The controllers' ECI reports go to the node's readiness (ecistate.c). */
static void eci_report(void *arg, const eci_error *err, const char *context)
{
    prov_eci_report(arg, err, context);
}

static void on_leader_start(void *arg)
{
    prov_bridge *b = arg;
    log_info(COMP, "acquired leadership");
    atomic_store(&b->leading, 1);
    prov_ctl_wake(&b->ctl);
}

static void on_leader_stop(void *arg)
{
    prov_bridge *b = arg;
    if (!atomic_load(&b->leading))
        return;
    atomic_store(&b->leading, 0);
    if (atomic_load(&b->ctl.stop)) {
        log_info(COMP, "released leadership");
        return; /* a normal shutdown: the lease was handed back */
    }
    log_error(COMP, "lost leadership: stopping so that the new leader alone drives the node");
    prov_ctl_stop(&b->ctl);
}

static void on_new_leader(const char *identity, void *arg)
{
    (void)arg;
    log_info(COMP, "election lease held by %s", identity);
}

static void on_watch_error(const k8s_error *err, void *arg)
{
    (void)arg;
    char buf[768];
    log_warn(COMP, "pod watch (recovering): %s", k8s_error_format(err, buf, sizeof buf));
}

int prov_bridge_ready(void *ud)
{
    prov_bridge *b = ud;
    k8s_informer *pods = atomic_load(&b->pods);
    return atomic_load(&b->ctl.recovered) && pods && k8s_informer_has_synced(pods);
}

int prov_bridge_start_pods(prov_bridge *b, k8s_error *err)
{
    prov_ctl *c = &b->ctl;
    char selector[400];
    snprintf(selector, sizeof selector, "spec.nodeName=%s", c->node_name);
    k8s_informer_opts io = {0};
    io.resource = &K8S_RES_PODS;
    io.field_selector = selector;
    io.transform = k8s_transform_strip_meta;
    io.summarize = prov_pod_summary;
    prov_pod_handlers(c, &io.handlers);
    io.on_error = on_watch_error;
    k8s_informer *pods = NULL;
    if (k8s_informer_start(b->kc, &io, &pods, err) != 0)
        return -1;
    /* Published atomically: the health server's callbacks (readiness, the
     * pod and price metrics) read both while this thread writes them. */
    c->pods = k8s_informer_store(pods);
    atomic_store(&b->pods, pods);
    return 0;
}

/* NodeRestriction lets a node write Leases only in kube-node-lease: acting
 * as a node, the bridge holds its elections (and reconciles ImageCaches,
 * on which a kubelet has no rights) with its bootstrap identity, the
 * service account. */
static k8s_client *election_client(prov_bridge *b)
{
    return b->nodecert ? prov_nodecert_bootstrap_client(b->nodecert) : b->kc;
}

/* The options of an election for Lease name in the configured namespace;
 * ident (n bytes) receives this candidate's identity. */
static void election_opts(prov_bridge *b, k8s_client *lc, const char *name, char *ident, size_t n,
                          k8s_leader_opts *lo)
{
    const prov_cfg *cfg = b->cfg;
    char host[128] = "";
    gethostname(host, sizeof host - 1);
    snprintf(ident, n, "%s_%ld", host, (long)getpid());
    memset(lo, 0, sizeof *lo);
    lo->ns = *cfg->leader_elect_namespace ? cfg->leader_elect_namespace : k8s_config_namespace(k8s_client_config(lc));
    lo->name = name;
    lo->identity = ident;
    lo->lease_duration_s = (int)(cfg->leader_elect_lease_duration_ms / 1000);
    lo->renew_deadline_ms = (long)cfg->leader_elect_renew_deadline_ms;
    lo->retry_period_ms = (long)cfg->leader_elect_retry_period_ms;
    lo->release_on_cancel = 1;
}

static void on_imc_start(void *arg)
{
    prov_imc_set_active(arg, 1);
}

static void on_imc_stop(void *arg)
{
    prov_imc_set_active(arg, 0);
}

/* The ImageCache objects are the cluster's, not one node's: with leader
 * election every bridge (of every virtual node) keeps their cache and the
 * holder of one shared Lease reconciles them. */
static void start_image_caches(prov_bridge *b)
{
    const prov_cfg *cfg = b->cfg;
    k8s_client *ic = election_client(b);
    prov_imc_opts o = {0};
    o.kc = ic;
    o.be = b->be;
    o.cfg.cluster_name = cfg->cluster_name;
    o.cfg.security_group_id = cfg->security_group;
    o.cfg.vswitch_id = cfg->vswitches.n ? cfg->vswitches.items[0] : NULL;
    o.cfg.resource_group_id = cfg->resource_group;
    o.host = cfg->node_name;
    b->imc = prov_imc_start(&o);
    if (!b->imc)
        return;
    if (!cfg->leader_elect) {
        prov_imc_set_active(b->imc, 1);
        return;
    }
    k8s_leader_opts lo;
    char ident[256];
    election_opts(b, ic, "eci-kubelet-imagecache", ident, sizeof ident, &lo);
    lo.on_started_leading = on_imc_start;
    lo.on_stopped_leading = on_imc_stop;
    lo.arg = b->imc;
    k8s_error kerr;
    if (k8s_leader_start(ic, &lo, &b->imc_leader, &kerr) != 0) {
        char buf[768];
        log_error(COMP, "ImageCache leader election: %s", k8s_error_format(&kerr, buf, sizeof buf));
    }
}

int prov_bridge_run(const prov_cfg *cfg)
{
    prov_bridge bs;
    prov_bridge *b = &bs;
    memset(b, 0, sizeof *b);
#ifdef M_ARENA_MAX
    /* Many threads build JSON; glibc's default of up to 8 arenas per core
     * keeps tens of MB of freed pages resident. Two arenas suffice here. */
    mallopt(M_ARENA_MAX, 2);
#endif
    b->cfg = cfg;
    pthread_mutex_init(&b->eci_mu, NULL);
    b->gm = prov_gm_new();
    b->wq = prov_wq_new(200, 60000);
    prov_ctl *c = &b->ctl;
    c->node_name = cfg->node_name;
    c->node_ip = cfg->node_ip;
    c->cluster_name = cfg->cluster_name;
    c->gm = b->gm;
    c->wq = b->wq;
    c->trcfg = &b->trcfg;
    c->resolver = &b->resolver;
    c->status_period_ms = (long)cfg->pod_status_sync_period_ms;
    c->status_workers = cfg->status_sync_workers;
    c->allow_daemonset_pods = cfg->allow_daemonset_pods;
    prov_ctl_init(c);
    prov_bridge_metrics_init(b);

    /* Signals go to one thread; every other thread blocks them. */
    sigctx sc;
    sc.b = b;
    sigemptyset(&sc.set);
    sigaddset(&sc.set, SIGTERM);
    sigaddset(&sc.set, SIGINT);
    sigaddset(&sc.set, SIGUSR2);
    pthread_sigmask(SIG_BLOCK, &sc.set, NULL);
    signal(SIGPIPE, SIG_IGN);
    pthread_t sig_tid;
    pthread_create(&sig_tid, NULL, signal_thread, &sc);

    int rc = -1;
    prov_health *health = NULL;
    prov_kubelet *kubelet = NULL;
    k8s_leader *leader = NULL;
    pthread_t *workers = NULL;
    int nworkers = 0, status_started = 0, node_started = 0;
    pthread_t status_tid, node_tid;

    if (make_clients(b) != 0)
        goto out;
    b->be = prov_backend_eci_new(b->ec, b->ec_probe, cfg->cluster_name, cfg->node_name);
    c->kc = b->kc;
    c->rec = b->rec;
    c->be = b->be;
    c->ow = b->ow;
    c->eci_report = eci_report;
    c->eci_report_arg = b;
    /* Credentials, region and endpoint in one call: a wrong setting ends the
     * process here with one line naming it; an endpoint that does not answer
     * leaves the node NotReady (ECIUnreachable) until it does. */
    if (prov_eci_probe(b) < 0)
        goto out;
    prov_nodecert_start(b->nodecert);

    b->vswitches = join_list(&cfg->vswitches);
    b->trcfg.cluster_name = cfg->cluster_name;
    b->trcfg.node_name = cfg->node_name;
    b->trcfg.region = cfg->region;
    b->trcfg.vswitch_ids = b->vswitches[0] ? b->vswitches : NULL;
    b->trcfg.security_group_id = cfg->security_group[0] ? cfg->security_group : NULL;
    b->trcfg.resource_group_id = cfg->resource_group[0] ? cfg->resource_group : NULL;
    b->trcfg.node_ip = cfg->node_ip;
    b->trcfg.cluster_dns_list = (const char *const *)cfg->cluster_dns.items;
    b->trcfg.n_cluster_dns = cfg->cluster_dns.n;
    b->trcfg.cluster_domain = cfg->cluster_domain;
    prov_resolver_init(b);

    if (cfg->health_probe_bind_address && cfg->health_probe_bind_address[0]) {
        char err[256];
        health = prov_health_start(cfg->health_probe_bind_address, b->metrics, prov_bridge_ready, b, err, sizeof err);
        if (!health)
            log_warn(COMP, "health server: %s", err);
    }

    if (cfg->leader_elect) {
        k8s_leader_opts lo;
        char ident[256];
        k8s_client *lc = election_client(b);
        election_opts(b, lc, cfg->leader_elect_name, ident, sizeof ident, &lo);
        lo.on_started_leading = on_leader_start;
        lo.on_stopped_leading = on_leader_stop;
        lo.on_new_leader = on_new_leader;
        lo.arg = b;
        k8s_error kerr;
        if (k8s_leader_start(lc, &lo, &leader, &kerr) != 0) {
            char buf[768];
            log_error(COMP, "leader election: %s", k8s_error_format(&kerr, buf, sizeof buf));
            goto out;
        }
        log_info(COMP, "waiting to acquire the lease %s/%s as %s", lo.ns, lo.name, ident);
        while (!atomic_load(&c->stop) && !atomic_load(&b->leading))
            prov_ctl_sleep(c, 1000);
        if (atomic_load(&c->stop)) {
            rc = 0;
            goto out;
        }
    } else {
        atomic_store(&b->leading, 1);
    }
    if (cfg->image_cache_controller)
        start_image_caches(b);

    if (prov_node_register(b) != 0)
        goto out;
    pthread_create(&node_tid, NULL, prov_node_loop, b);
    node_started = 1;

    k8s_error kerr;
    if (prov_bridge_start_pods(b, &kerr) != 0) {
        char buf[768];
        log_error(COMP, "pod informer: %s", k8s_error_format(&kerr, buf, sizeof buf));
        goto out;
    }
    k8s_informer *pods = atomic_load(&b->pods);
    k8s_informer_opts so = {0};
    so.resource = &K8S_RES_SERVICES;
    so.transform = k8s_transform_strip_meta;
    if (k8s_informer_start(b->kc, &so, &b->services, &kerr) != 0) {
        char buf[768];
        log_warn(COMP, "service informer (service-link variables are listed per pod instead): %s",
                 k8s_error_format(&kerr, buf, sizeof buf));
        b->services = NULL;
    }
    while (!atomic_load(&c->stop) && !k8s_informer_wait_synced(pods, 1000))
        ;
    if (atomic_load(&c->stop)) {
        rc = 0;
        goto out;
    }
    log_info(COMP, "pod informer synced: %zu pods on node %s", k8s_informer_len(pods), cfg->node_name);
    if (cfg->cluster_dns.n == 0)
        discover_cluster_dns(b);

    /* Rebuild the map before any create, so a restart never duplicates. */
    while (!atomic_load(&c->stop)) {
        /* ECI must answer first: probe it quietly (prov_eci_probe logs a
         * change of error, not every attempt) while the node says NotReady. */
        if (!atomic_load(&c->eci_ok)) {
            prov_ctl_sleep(c, ECI_PROBE_MS);
            if (!atomic_load(&c->stop) && prov_eci_probe(b) < 0)
                goto out;
            continue;
        }
        if (prov_recover(c) == 0)
            break;
        prov_ctl_sleep(c, ECI_PROBE_MS);
    }
    if (atomic_load(&c->stop)) {
        rc = 0;
        goto out;
    }

    kubelet = prov_kubelet_start(b);
    if (!kubelet)
        goto out;

    nworkers = cfg->reconcile_workers > 0 ? cfg->reconcile_workers : 4;
    workers = xcalloc((size_t)nworkers, sizeof *workers);
    for (int i = 0; i < nworkers; i++)
        pthread_create(&workers[i], NULL, prov_worker_loop, c);
    pthread_create(&status_tid, NULL, prov_status_loop, c);
    status_started = 1;
    log_info(COMP, "running: %d reconcile workers, status poll every %lld ms", nworkers,
             (long long)cfg->pod_status_sync_period_ms);

    while (!atomic_load(&c->stop))
        prov_ctl_sleep(c, 1000);
    rc = 0;

out:
    prov_ctl_stop(c);
    for (int i = 0; i < nworkers; i++)
        pthread_join(workers[i], NULL);
    free(workers);
    if (status_started)
        pthread_join(status_tid, NULL);
    if (node_started)
        pthread_join(node_tid, NULL);
    prov_kubelet_stop(kubelet);
    k8s_leader_stop(b->imc_leader);
    prov_imc_stop(b->imc);
    k8s_leader_stop(leader);
    prov_nodecert_stop(b->nodecert);
    prov_health_stop(health);
    pthread_kill(sig_tid, SIGUSR2);
    pthread_join(sig_tid, NULL);
    free_bridge(b);
    log_info(COMP, "stopped");
    return rc;
}
