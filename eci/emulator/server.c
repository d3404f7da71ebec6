/* The emulator's HTTP front (libmicrohttpd, one thread per connection) and
 * the wiring of store, runtime, faults, ledger and auth. */
#include "eci/emulator/emu.h"
#include "eci/client.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/xmalloc.h"

#define DEFAULT_BODY_CAP ((size_t)4 << 20)


emu_server *emu_server_new(const emu_options *opt, char *err, size_t errlen)
{
    if (!opt->access_key_id || !*opt->access_key_id || !opt->access_key_secret || !*opt->access_key_secret) {
        snprintf(err, errlen, "an AccessKey id and secret are required");
        return NULL;
    }
    emu_server *s = xcalloc(1, sizeof *s);
    s->opt = *opt;
    snprintf(s->region, sizeof s->region, "%s", opt->region && *opt->region ? opt->region : "cn-hangzhou");
    s->schedule_delay_ms = opt->schedule_delay_ms >= 0 ? opt->schedule_delay_ms : 300;
    if (opt->realistic && opt->schedule_delay_ms < 0)
        s->schedule_delay_ms = 3000;
    uint64_t seed = opt->seed;
    if (!seed) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        seed = ((uint64_t)ts.tv_sec << 20) ^ (uint64_t)ts.tv_nsec ^ ((uint64_t)getpid() << 40);
    }
    emu_rng_init(&s->rng, seed);
    emu_store_init(&s->store);
    emu_faults_init(&s->faults, seed);
    emu_ledger_init(&s->ledger);
    emu_auth_init(&s->auth, opt->access_key_id, opt->access_key_secret, opt->sts_key_id, opt->sts_key_secret,
                  opt->sts_token);
    pthread_mutex_init(&s->evmu, NULL);
    pthread_mutex_init(&s->tmu, NULL);
    pthread_cond_init(&s->tcond, NULL);
    emu_faults_set_latency(&s->faults, opt->latency_ms);
    s->quota_cpu = opt->quota_cpu > 0 ? opt->quota_cpu : 1000;
    /* --realistic: the published quotas, the table the client paces to
     * (spec/eci-api-extra.md section 7), one bucket per action for the whole
     * account. Create and Delete are the service's token bucket: a burst of
     * 100, refilled at the quota's pace (1000 per 60 s, the lower of the
     * published figures). The others are a maximum per minute, which a
     * bucket of a minute's calls refilled over the minute stands for. */
    for (size_t i = 0; opt->realistic && eci_quota_action(i); i++) {
        const char *a = eci_quota_action(i);
        int burst = 0, pm = eci_action_quota(a, NULL, &burst);
        int bucket = strcmp(a, "CreateContainerGroup") == 0 || strcmp(a, "DeleteContainerGroup") == 0;
        emu_faults_set_limit(&s->faults, a, bucket ? burst : pm, pm / 60.0);
    }
    for (size_t i = 0; i < opt->nfaults; i++)
        if (emu_faults_add_rule(&s->faults, opt->faults[i], err, errlen))
            goto fail;
    for (size_t i = 0; i < opt->nqps; i++)
        if (emu_faults_add_qps(&s->faults, opt->qps[i], err, errlen))
            goto fail;
    if (opt->state_dir && *opt->state_dir) {
        snprintf(s->state_dir, sizeof s->state_dir, "%s", opt->state_dir);
    } else {
        snprintf(s->state_dir, sizeof s->state_dir, "/tmp/eci-emulator-%d-XXXXXX", (int)getpid());
        if (!mkdtemp(s->state_dir)) {
            snprintf(err, errlen, "cannot create a state directory: %s", strerror(errno));
            goto fail;
        }
        s->own_state_dir = 1;
    }
    if (!opt->no_runtime) {
        emu_rt_options ro;
        memset(&ro, 0, sizeof ro);
        ro.state_dir = s->state_dir;
        ro.exec_listen = opt->exec_listen && *opt->exec_listen ? opt->exec_listen : "127.0.0.1:0";
        ro.on_event = emu_lifecycle_on_rt_event;
        ro.event_ud = s;
        ro.no_namespaces = opt->no_namespaces;
        ro.simulated = opt->simulated;
        s->rt = emu_rt_new(&ro, err, errlen);
        if (!s->rt)
            goto fail;
    }
    if (emu_lifecycle_start(s, err, errlen))
        goto fail;
    return s;
fail:
    emu_server_free(s);
    return NULL;
}

/* ---- libmicrohttpd glue ------------------------------------------------ */

typedef struct conn {
    char *uri;
    dynbuf body;
    int started;
    int too_big;
} conn;

typedef struct listener {
    emu_server *s;
    int admin;
} listener;

static void *uri_log(void *cls, const char *uri, struct MHD_Connection *c)
{
    (void)c;
    emu_server *s = ((listener *)cls)->s;
    conn *x = xcalloc(1, sizeof *x);
    x->uri = xstrdup(uri ? uri : "/");
    dynbuf_init(&x->body, s->opt.body_cap ? s->opt.body_cap : DEFAULT_BODY_CAP);
    return x;
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode t)
{
    (void)cls;
    (void)c;
    (void)t;
    conn *x = *con_cls;
    if (x) {
        free(x->uri);
        dynbuf_free(&x->body);
        free(x);
        *con_cls = NULL;
    }
}

static int is_loopback(struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (!ci || !ci->client_addr)
        return 0;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
        return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
    }
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
        static const unsigned char lo[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
        return memcmp(in6->sin6_addr.s6_addr, lo, 16) == 0 ||
               (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr) && in6->sin6_addr.s6_addr[12] == 127);
    }
    return 0;
}

static enum MHD_Result collect_header(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    (void)kind;
    kv_list *l = cls;
    kv_add(l, key, value);
    for (char *k = l->items[l->n - 1].key; *k; k++)
        if (*k >= 'A' && *k <= 'Z')
            *k = (char)(*k - 'A' + 'a');
    return MHD_YES;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                               const char *version, const char *upload_data, size_t *upload_data_size,
                               void **con_cls)
{
    (void)version;
    listener *l = cls;
    conn *x = *con_cls;
    if (!x)
        return MHD_NO;
    if (!x->started) {
        x->started = 1;
        return MHD_YES;
    }
    if (*upload_data_size) {
        if (!x->too_big && dynbuf_add(&x->body, upload_data, *upload_data_size) != 0)
            x->too_big = 1;
        *upload_data_size = 0;
        return MHD_YES;
    }
    emu_http_resp resp;
    memset(&resp, 0, sizeof resp);
    dynbuf_init(&resp.body, 0);
    if (x->too_big) {
        char rid[37];
        emu_rng_uuid(&l->s->rng, rid, 1);
        resp.status = 413;
        resp.content_type = "application/json";
        dynbuf_printf(&resp.body,
                      "{\"RequestId\":\"%s\",\"HostId\":\"eci.aliyuncs.com\",\"Code\":\"InvalidParameter\","
                      "\"Message\":\"The request body is too large.\"}",
                      rid);
    } else {
        emu_http_req req;
        memset(&req, 0, sizeof req);
        req.method = method;
        req.path = url;
        const char *q = strchr(x->uri, '?');
        req.query = q ? q + 1 : NULL;
        req.body = x->body.buf;
        req.body_len = x->body.len;
        req.content_type = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
        kv_list headers = KV_LIST_INIT;
        MHD_get_connection_values(c, MHD_HEADER_KIND, collect_header, &headers);
        req.headers = &headers;
        req.loopback = is_loopback(c);
        if (l->admin) {
            if (strncmp(url, "/_emulator", 10) == 0)
                emu_admin_handle(l->s, &req, &resp);
            else {
                resp.status = 404;
                resp.content_type = "application/json";
                dynbuf_adds(&resp.body, "{\"error\":\"admin routes live under /_emulator/\"}");
            }
        } else {
            emu_server_handle(l->s, &req, &resp);
        }
        kv_free(&headers);
    }
    if (resp.drop) {
        dynbuf_free(&resp.body);
        return MHD_NO;
    }
    struct MHD_Response *r =
        MHD_create_response_from_buffer(resp.body.len, resp.body.buf ? resp.body.buf : (char *)"",
                                        MHD_RESPMEM_MUST_COPY);
    MHD_add_response_header(r, "Content-Type", resp.content_type ? resp.content_type : "application/json");
    enum MHD_Result ret = MHD_queue_response(c, (unsigned)resp.status, r);
    MHD_destroy_response(r);
    dynbuf_free(&resp.body);
    return ret;
}

static int parse_addr(const char *s, struct sockaddr_in *sa, char *err, size_t errlen)
{
    memset(sa, 0, sizeof *sa);
    sa->sin_family = AF_INET;
    const char *colon = strrchr(s, ':');
    char host[64];
    if (!colon || (size_t)(colon - s) >= sizeof host) {
        snprintf(err, errlen, "bad listen address \"%s\" (expected HOST:PORT)", s);
        return -1;
    }
    memcpy(host, s, (size_t)(colon - s));
    host[colon - s] = 0;
    char *end = NULL;
    long port = strtol(colon + 1, &end, 10);
    if (!end || *end || port < 0 || port > 65535 || inet_pton(AF_INET, host[0] ? host : "127.0.0.1", &sa->sin_addr) != 1) {
        snprintf(err, errlen, "bad listen address \"%s\"", s);
        return -1;
    }
    sa->sin_port = htons((uint16_t)port);
    return 0;
}

static struct MHD_Daemon *listen_on(emu_server *s, const char *addr, int admin, char *url, size_t urllen, char *err,
                                    size_t errlen)
{
    struct sockaddr_in sa;
    if (parse_addr(addr, &sa, err, errlen))
        return NULL;
    listener *l = xcalloc(1, sizeof *l);
    l->s = s;
    l->admin = admin;
    free(s->listeners[admin]);
    s->listeners[admin] = l;
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL, 0, NULL, NULL, handler, l,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa, MHD_OPTION_URI_LOG_CALLBACK, uri_log, l,
        MHD_OPTION_NOTIFY_COMPLETED, completed, l, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)512, MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned)1, MHD_OPTION_END);
    if (!d) {
        snprintf(err, errlen, "cannot listen on %s: %s", addr, strerror(errno));
        return NULL;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    char host[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &sa.sin_addr, host, sizeof host);
    snprintf(url, urllen, "http://%s:%u", host, di ? (unsigned)di->port : (unsigned)ntohs(sa.sin_port));
    return d;
}

int emu_server_start(emu_server *s, char *err, size_t errlen)
{
    s->mhd = listen_on(s, s->opt.listen ? s->opt.listen : "127.0.0.1:0", 0, s->url, sizeof s->url, err, errlen);
    if (!s->mhd)
        return -1;
    if (s->opt.admin_listen) {
        s->mhd_admin = listen_on(s, s->opt.admin_listen, 1, s->admin_url, sizeof s->admin_url, err, errlen);
        if (!s->mhd_admin)
            return -1;
    } else {
        snprintf(s->admin_url, sizeof s->admin_url, "%s", s->url);
    }
    return 0;
}

const char *emu_server_url(const emu_server *s) { return s->url; }

static void stop_daemon(void *d)
{
    if (d)
        MHD_stop_daemon((struct MHD_Daemon *)d);
}

void emu_server_free(emu_server *s)
{
    if (!s)
        return;
    stop_daemon(s->mhd);
    stop_daemon(s->mhd_admin);
    free(s->listeners[0]);
    free(s->listeners[1]);
    emu_lifecycle_stop(s);
    if (s->rt)
        emu_rt_free(s->rt);
    s->rt = NULL;
    emu_lifecycle_drop_events(s);
    if (s->own_state_dir)
        rmdir(s->state_dir); /* the runtime removed each group's state */
    emu_store_destroy(&s->store);
    emu_faults_destroy(&s->faults);
    emu_ledger_destroy(&s->ledger);
    emu_auth_destroy(&s->auth);
    emu_rng_destroy(&s->rng);
    pthread_mutex_destroy(&s->evmu);
    pthread_mutex_destroy(&s->tmu);
    pthread_cond_destroy(&s->tcond);
    free(s);
}
