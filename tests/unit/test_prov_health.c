/* provider/health.c: /healthz, /readyz, and /metrics answered to loopback
 * clients only (403 from another address of this host). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <curl/curl.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "provider/health.h"
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

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_metrics_local_only),
        cmocka_unit_test(test_binds_where_configured),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
