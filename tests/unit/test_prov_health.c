/* provider/health.c: /healthz, /readyz, and /metrics answered to loopback
 * clients only (403 from another address of this host); the bridge's
 * callbacks behind them (provider/bridge.c) while the pod informer is
 * published. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <curl/curl.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "provider/bridge_int.h"
#include "provider/health.h"
#include "tests/fakes/fake_apiserver.h"
#include "tests/fakes/fake_backend.h"
#include "util/log.h"
#include "util/prom.h"

static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    socklen_t sl = sizeof sa;
    getsockname(fd, (struct sockaddr *)&sa, &sl);
    close(fd);
    return ntohs(sa.sin_port);
}

/* A non-loopback IPv4 address of this host into buf; 0 when there is none. */
static int other_address(char *buf, size_t n)
{
    struct ifaddrs *ifs, *i;
    int found = 0;
    if (getifaddrs(&ifs) != 0)
        return 0;
    for (i = ifs; i && !found; i = i->ifa_next) {
        if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET)
            continue;
        struct in_addr a = ((struct sockaddr_in *)i->ifa_addr)->sin_addr;
        if ((ntohl(a.s_addr) >> 24) == 127)
            continue;
        inet_ntop(AF_INET, &a, buf, (socklen_t)n);
        found = 1;
    }
    freeifaddrs(ifs);
    return found;
}

static size_t sink(char *p, size_t sz, size_t nm, void *ud)
{
    (void)p;
    (void)ud;
    return sz * nm;
}

static long get(const char *host, int port, const char *path)
{
    char url[128];
    snprintf(url, sizeof url, "http://%s:%d%s", host, port, path);
    CURL *h = curl_easy_init();
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sink);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 30L);
    long code = 0;
    if (curl_easy_perform(h) == CURLE_OK)
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    curl_easy_cleanup(h);
    return code;
}

static int not_ready(void *ud)
{
    (void)ud;
    return 0;
}

static void test_metrics_local_only(void **state)
{
    (void)state;
    prom_registry *reg = prom_registry_new();
    prom_counter(reg, "eci_test_total", "a counter", NULL);
    int port = free_port();
    char bind[32], err[128];
    snprintf(bind, sizeof bind, "0.0.0.0:%d", port);
    prov_health *h = prov_health_start(bind, reg, not_ready, NULL, err, sizeof err);
    assert_non_null(h);
    assert_int_equal(get("127.0.0.1", port, "/healthz"), 200);
    assert_int_equal(get("127.0.0.1", port, "/readyz"), 503);
    assert_int_equal(get("127.0.0.1", port, "/metrics"), 200);
    char other[INET_ADDRSTRLEN];
    if (other_address(other, sizeof other)) {
        assert_int_equal(get(other, port, "/healthz"), 200);
        assert_int_equal(get(other, port, "/metrics"), 403);
    }
    prov_health_stop(h);
    prom_registry_free(reg);
}

static void test_binds_where_configured(void **state)
{
    (void)state;
    char other[INET_ADDRSTRLEN];
    if (!other_address(other, sizeof other))
        skip();
    int port = free_port();
    char bind[32], err[128];
    snprintf(bind, sizeof bind, "127.0.0.1:%d", port);
    prov_health *h = prov_health_start(bind, NULL, NULL, NULL, err, sizeof err);
    assert_non_null(h);
    assert_int_equal(get("127.0.0.1", port, "/healthz"), 200);
    assert_int_equal(get(other, port, "/healthz"), 0); /* nothing listens there */
    prov_health_stop(h);
}

/* ---- the bridge's callbacks while the pod informer is published ---------- */

typedef struct scraper {
    int port;
    long ready, metrics; /* the last answers */
} scraper;

/* Ask /readyz and /metrics (whose collectors walk the pod informer) until
 * /readyz says ready, or a minute passed. */
static void *scrape(void *arg)
{
    scraper *s = arg;
    time_t until = time(NULL) + 60;
    do {
        s->metrics = get("127.0.0.1", s->port, "/metrics");
        s->ready = get("127.0.0.1", s->port, "/readyz");
    } while (s->ready != 200 && time(NULL) < until);
    s->metrics = get("127.0.0.1", s->port, "/metrics");
    return NULL;
}

/* The health server's threads run the bridge's readiness and metrics
 * callbacks while prov_bridge_start_pods publishes the pod informer from
 * another thread: under ThreadSanitizer a plain pointer there (b->pods
 * read by /readyz and the pod metrics, ctl.pods by the price metrics) is a
 * reported race. */
static void test_callbacks_while_informer_published(void **state)
{
    (void)state;
    fake_api *fa = fa_new();
    fa_put_pod(fa, fa_pod("default", "web", "uid-1", "nginx:1"));
    fake_backend *fb = fb_new("c1", "vk-test");
    prov_bridge *b = calloc(1, sizeof *b);
    assert_non_null(b);
    b->kc = fa_client(fa);
    k8s_recorder_opts ro = {.component = "eci-kubelet", .host = "vk-test", .qps = 1e6, .burst = 1000000};
    b->rec = k8s_recorder_new(b->kc, &ro);
    b->gm = prov_gm_new();
    b->wq = prov_wq_new(1, 4);
    b->ctl.node_name = "vk-test";
    b->ctl.node_ip = "10.0.0.1";
    b->ctl.cluster_name = "c1";
    b->ctl.kc = b->kc;
    b->ctl.rec = b->rec;
    b->ctl.gm = b->gm;
    b->ctl.wq = b->wq;
    b->ctl.be = fb_backend(fb);
    b->ctl.trcfg = &b->trcfg;
    b->ctl.resolver = &b->resolver;
    prov_ctl_init(&b->ctl);
    atomic_store(&b->ctl.recovered, 1);
    prov_bridge_metrics_init(b);

    scraper s = {.port = free_port()};
    char bind[32], err[128];
    snprintf(bind, sizeof bind, "127.0.0.1:%d", s.port);
    prov_health *h = prov_health_start(bind, b->metrics, prov_bridge_ready, b, err, sizeof err);
    assert_non_null(h);
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, scrape, &s), 0);
    k8s_error kerr;
    assert_int_equal(prov_bridge_start_pods(b, &kerr), 0);
    pthread_join(th, NULL);
    assert_int_equal(s.ready, 200); /* the informer was seen, synced */
    assert_int_equal(s.metrics, 200);
    assert_int_equal(k8s_informer_len(atomic_load(&b->pods)), 1);

    prov_health_stop(h);
    fa_close_watches(fa, 1);
    k8s_informer_stop(atomic_load(&b->pods));
    prov_ctl_destroy(&b->ctl);
    prom_registry_free(b->metrics);
    k8s_recorder_free(b->rec);
    prov_wq_free(b->wq);
    prov_gm_free(b->gm);
    free(b);
    fb_free(fb);
    fa_free(fa);
}

int main(void)
{
    log_set_level(getenv("TEST_LOG") ? LOG_DEBUG : LOG_ERROR);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_metrics_local_only),
        cmocka_unit_test(test_binds_where_configured),
        cmocka_unit_test(test_callbacks_while_informer_published),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
