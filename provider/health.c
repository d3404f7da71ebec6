#include "provider/health.h"
#include "util/dynbuf.h"
#include "util/xmalloc.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#define HEALTH_IDLE_S 5
#define HEALTH_MAX_CONNS 8192
#define HEALTH_CONN_MEM (8 * 1024)

struct prov_health {
    struct MHD_Daemon *d;
    prom_registry *metrics;
    int (*ready)(void *);
    void *ud;
};

static enum MHD_Result reply(struct MHD_Connection *c, unsigned code, const char *type, char *body, size_t len)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
    MHD_add_response_header(r, "Content-Type", type);
    enum MHD_Result ret = MHD_queue_response(c, code, r);
    MHD_destroy_response(r);
    return ret;
}

static int peer_is_loopback(struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *sa = ci ? ci->client_addr : NULL;
    if (!sa)
        return 0;
    if (sa->sa_family == AF_INET)
        return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24) == 127;
    if (sa->sa_family == AF_INET6) {
        const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
        if (IN6_IS_ADDR_LOOPBACK(a))
            return 1;
        return IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127;
    }
    return 0;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                              const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
    prov_health *h = cls;
    (void)version;
    (void)upload;
    (void)upload_size;
    (void)con_cls;
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
        return reply(c, 405, "text/plain", xstrdup("method not allowed\n"), 19);
    if (strcmp(url, "/healthz") == 0 || strcmp(url, "/livez") == 0)
        return reply(c, 200, "text/plain", xstrdup("ok"), 2);
    if (strcmp(url, "/readyz") == 0) {
        if (!h->ready || h->ready(h->ud))
            return reply(c, 200, "text/plain", xstrdup("ok"), 2);
        return reply(c, 503, "text/plain", xstrdup("not ready: pod cache or group map not synced\n"), 45);
    }
    if (strcmp(url, "/metrics") == 0 && h->metrics) {
        /* Plain HTTP without authentication: the figures go to local
         * clients only; anyone else scrapes the kubelet port's /metrics,
         * which authenticates and authorizes (nodes/metrics) like a
         * kubelet's. */
        if (!peer_is_loopback(c)) {
            char *m = xstrdup("forbidden: /metrics here is for local clients; scrape the kubelet port's "
                              "/metrics (authenticated)\n");
            return reply(c, 403, "text/plain", m, strlen(m));
        }
        dynbuf b;
        dynbuf_init(&b, 0);
        prom_render(h->metrics, &b);
        size_t n;
        char *s = dynbuf_take(&b, &n);
        return reply(c, 200, "text/plain; version=0.0.4", s, n);
    }
    return reply(c, 404, "text/plain", xstrdup("not found\n"), 10);
}

prov_health *prov_health_start(const char *bind, prom_registry *metrics, int (*ready)(void *), void *ud, char *err,
                               size_t errlen)
{
    const char *colon = strrchr(bind, ':');
    if (!colon) {
        snprintf(err, errlen, "health bind address %s: expected HOST:PORT or :PORT", bind);
        return NULL;
    }
    int port = atoi(colon + 1);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    char host[64];
    snprintf(host, sizeof host, "%.*s", (int)(colon - bind), bind);
    if (!host[0] || strcmp(host, "0.0.0.0") == 0)
        sa.sin_addr.s_addr = htonl(INADDR_ANY);
    else if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
        snprintf(err, errlen, "health bind address %s: not an IPv4 address", bind);
        return NULL;
    }
    prov_health *h = xcalloc(1, sizeof *h);
    h->metrics = metrics;
    h->ready = ready;
    h->ud = ud;
    /* Slow clients are bounded like on the kubelet port: one epoll thread
     * serves every connection (a half-sent request costs a descriptor and a
     * small buffer, no thread), a connection that sends nothing for
     * HEALTH_IDLE_S is closed, and the connection limit sits far above what
     * a probe needs, so the liveness probe is answered while thousands of
     * requests hang half-sent. */
    h->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG |
                                MHD_USE_TURBO,
                            (uint16_t)port, NULL, NULL, handle, h, MHD_OPTION_SOCK_ADDR, &sa,
                            MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)HEALTH_IDLE_S, MHD_OPTION_CONNECTION_LIMIT,
                            (unsigned)HEALTH_MAX_CONNS, MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HEALTH_CONN_MEM,
                            MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)1024, MHD_OPTION_END);
    if (!h->d) {
        snprintf(err, errlen, "cannot listen on %s", bind);
        free(h);
        return NULL;
    }
    return h;
}

void prov_health_stop(prov_health *h)
{
    if (!h)
        return;
    MHD_stop_daemon(h->d);
    free(h);
}
