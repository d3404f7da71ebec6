/* Exec stream client (see exec_stream.h). Each stream owns a libwebsockets
 * client context and its service thread. The caller's threads and the
 * service thread meet under s->mu: callers queue outgoing messages and wake
 * the service thread with lws_cancel_service(); the service thread delivers
 * output (callback or buffer) and signals s->cv. */
#include "eci/exec_stream.h"
#include "util/k8schan.h"
#include "util/dynbuf.h"
#include "util/xmalloc.h"
#include "util/deadline.h"

#include <errno.h>
#include <libwebsockets.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DEFAULT_MAX_BUFFERED ((size_t)1 << 20)
#define RX_MSG_CAP ((size_t)1 << 20)

typedef struct omsg {
    struct omsg *next;
    size_t len;
    unsigned char buf[]; /* LWS_PRE + len */
} omsg;

typedef struct imsg {
    struct imsg *next;
    int channel;
    size_t len, off;
    unsigned char data[];
} imsg;

struct eci_exec_stream {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct lws_context *ctx;
    struct lws *wsi;
    pthread_t thr;
    int thr_started;
    eci_exec_opts opts;
    char proto[64];
    int established, done, cancel, stop;
    char conn_err[256];
    /* outgoing */
    omsg *ohead, *otail;
    size_t obytes;
    /* incoming */
    dynbuf rx;
    imsg *ihead, *itail;
    size_t ibytes;
    int rx_paused, want_resume;
    /* result */
    int have_status;
    int status_rc; /* k8schan_status_parse result */
    int exit_code;
    char status_msg[512];
    int v1_error; /* pre-v4: any error-channel text is a failure */
};

static void kick(eci_exec_stream *s)
{
    if (s->ctx)
        lws_cancel_service(s->ctx);
}

/* Queue one framed message. mu held. */
static void oqueue(eci_exec_stream *s, unsigned channel, const void *data, size_t len, int raw_close)
{
    omsg *m = xmalloc(sizeof *m + LWS_PRE + len + 2);
    m->next = NULL;
    if (raw_close) {
        k8schan_close_msg(channel, m->buf + LWS_PRE);
        m->len = 2;
    } else {
        m->buf[LWS_PRE] = (unsigned char)channel;
        if (len)
            memcpy(m->buf + LWS_PRE + 1, data, len);
        m->len = len + 1;
    }
    int was_empty = !s->ohead;
    if (s->otail)
        s->otail->next = m;
    else
        s->ohead = m;
    s->otail = m;
    s->obytes += m->len;
    if (was_empty) /* else a write is already scheduled and re-arms itself */
        kick(s);
}

/* A complete message from the server. mu held (released around on_output). */
static int on_message(eci_exec_stream *s, struct lws *wsi)
{
    k8schan_msg m;
    char err[128];
    if (k8schan_decode(s->rx.buf, s->rx.len, &m, err, sizeof err) < 0 || m.kind != K8SCHAN_MSG_DATA)
        return 0;
    if (m.channel == K8SCHAN_STDOUT || m.channel == K8SCHAN_STDERR) {
        if (!m.len)
            return 0;
        if (s->opts.on_output) {
            size_t n = m.len;
            unsigned char *copy = xmalloc(n);
            memcpy(copy, m.data, n);
            pthread_mutex_unlock(&s->mu);
            s->opts.on_output(s->opts.ud, (int)m.channel, copy, n);
            pthread_mutex_lock(&s->mu);
            free(copy);
            return 0;
        }
        imsg *im = xmalloc(sizeof *im + m.len);
        im->next = NULL;
        im->channel = (int)m.channel;
        im->len = m.len;
        im->off = 0;
        memcpy(im->data, m.data, m.len);
        if (s->itail)
            s->itail->next = im;
        else
            s->ihead = im;
        s->itail = im;
        s->ibytes += m.len;
        if (s->ibytes >= s->opts.max_buffered && !s->rx_paused) {
            s->rx_paused = 1;
            lws_rx_flow_control(wsi, 0);
        }
        pthread_cond_broadcast(&s->cv);
    } else if (m.channel == K8SCHAN_ERROR) {
        if ((k8schan_version(s->proto, NULL) >= 4)) {
            s->status_rc = k8schan_status_parse(m.data, m.len, &s->exit_code, s->status_msg,
                                                 sizeof s->status_msg);
        } else if (m.len) {
            s->status_rc = 1;
            s->exit_code = -1;
            snprintf(s->status_msg, sizeof s->status_msg, "%.*s", (int)(m.len < 400 ? m.len : 400),
                     (const char *)m.data);
            s->v1_error = 1;
        }
        s->have_status = 1;
        pthread_cond_broadcast(&s->cv);
    }
    return 0;
}

static int cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
    (void)user;
    struct lws_context *lc = lws_get_context(wsi);
    eci_exec_stream *s = lc ? lws_context_user(lc) : NULL;
    if (!s)
        return 0;
    switch (reason) {
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
        pthread_mutex_lock(&s->mu);
        snprintf(s->conn_err, sizeof s->conn_err, "%s", in && len < 1000 ? (const char *)in : "connection failed");
        s->done = 1;
        s->wsi = NULL;
        pthread_cond_broadcast(&s->cv);
        pthread_mutex_unlock(&s->mu);
        return 0;
    case LWS_CALLBACK_CLIENT_FILTER_PRE_ESTABLISH: /* the response headers are still here */
        pthread_mutex_lock(&s->mu);
        s->proto[0] = '\0';
        if (lws_hdr_total_length(wsi, WSI_TOKEN_PROTOCOL) > 0)
            lws_hdr_copy(wsi, s->proto, sizeof s->proto, WSI_TOKEN_PROTOCOL);
        pthread_mutex_unlock(&s->mu);
        return 0;
    case LWS_CALLBACK_CLIENT_ESTABLISHED:
        pthread_mutex_lock(&s->mu);
        s->established = 1;
        if (s->ohead || s->cancel)
            lws_callback_on_writable(wsi);
        pthread_cond_broadcast(&s->cv);
        pthread_mutex_unlock(&s->mu);
        return 0;
    case LWS_CALLBACK_CLIENT_RECEIVE: {
        pthread_mutex_lock(&s->mu);
        int rc = 0;
        if (lws_is_first_fragment(wsi))
            dynbuf_reset(&s->rx);
        if (dynbuf_add(&s->rx, in, len) < 0) {
            rc = -1;
        } else if (lws_is_final_fragment(wsi) && !lws_remaining_packet_payload(wsi)) {
            if (lws_frame_is_binary(wsi))
                rc = on_message(s, wsi);
            dynbuf_reset(&s->rx);
        }
        pthread_mutex_unlock(&s->mu);
        return rc;
    }
    case LWS_CALLBACK_CLIENT_WRITEABLE: {
        pthread_mutex_lock(&s->mu);
        if (s->cancel) {
            pthread_mutex_unlock(&s->mu);
            lws_close_reason(wsi, LWS_CLOSE_STATUS_NORMAL, NULL, 0);
            return -1;
        }
        omsg *m = s->ohead;
        if (m) {
            s->ohead = m->next;
            if (!s->ohead)
                s->otail = NULL;
            s->obytes -= m->len;
            pthread_cond_broadcast(&s->cv);
        }
        int more = s->ohead != NULL;
        pthread_mutex_unlock(&s->mu);
        if (m) {
            int w = lws_write(wsi, m->buf + LWS_PRE, m->len, LWS_WRITE_BINARY);
            free(m);
            if (w < 0)
                return -1;
        }
        if (more)
            lws_callback_on_writable(wsi);
        return 0;
    }
    case LWS_CALLBACK_CLIENT_CLOSED:
        pthread_mutex_lock(&s->mu);
        s->done = 1;
        s->wsi = NULL;
        pthread_cond_broadcast(&s->cv);
        pthread_mutex_unlock(&s->mu);
        return 0;
    case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
        pthread_mutex_lock(&s->mu);
        if (s->wsi && s->established) {
            if (s->ohead || s->cancel)
                lws_callback_on_writable(s->wsi);
            if (s->want_resume) {
                s->want_resume = 0;
                s->rx_paused = 0;
                lws_rx_flow_control(s->wsi, 1);
            }
        }
        pthread_mutex_unlock(&s->mu);
        return 0;
    default:
        return 0;
    }
}

static const struct lws_protocols protocols[] = {
    { "eci-exec", cb, 0, 65536, 0, NULL, 0 },
    { NULL, NULL, 0, 0, 0, NULL, 0 },
};

static void *service_main(void *arg)
{
    eci_exec_stream *s = arg;
    pthread_setname_np(pthread_self(), "eci-exec");
    for (;;) {
        pthread_mutex_lock(&s->mu);
        int end = s->stop || (s->done && !s->wsi);
        pthread_mutex_unlock(&s->mu);
        if (end)
            break;
        lws_service(s->ctx, 0);
    }
    pthread_mutex_lock(&s->mu);
    s->done = 1;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

static void deadline_in(struct timespec *t, int ms)
{
    deadline_after_ms(t, CLOCK_MONOTONIC, ms);
}

static void stream_destroy(eci_exec_stream *s)
{
    if (s->thr_started) {
        pthread_mutex_lock(&s->mu);
        s->stop = 1;
        s->cancel = 1;
        kick(s);
        pthread_mutex_unlock(&s->mu);
        pthread_join(s->thr, NULL);
    }
    if (s->ctx)
        lws_context_destroy(s->ctx);
    while (s->ohead) {
        omsg *m = s->ohead;
        s->ohead = m->next;
        free(m);
    }
    while (s->ihead) {
        imsg *m = s->ihead;
        s->ihead = m->next;
        free(m);
    }
    dynbuf_free(&s->rx);
    pthread_cond_destroy(&s->cv);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

eci_exec_stream *eci_exec_open(const char *uri, const eci_exec_opts *opts, eci_error *err)
{
    eci_error_clear(err);
    if (err)
        snprintf(err->action, sizeof err->action, "ExecStream");
    if (!uri || !*uri) {
        eci_error_set(err, ECI_E_INVALID_ARG, "exec stream: empty WebSocket URI");
        return NULL;
    }
    char *copy = xstrdup(uri);
    const char *prot = NULL, *ads = NULL, *path = NULL;
    int port = 0;
    if (lws_parse_uri(copy, &prot, &ads, &port, &path) || !ads || !*ads ||
        (strcmp(prot, "ws") != 0 && strcmp(prot, "wss") != 0)) {
        free(copy);
        eci_error_set(err, ECI_E_INVALID_ARG, "exec stream: not a ws:// or wss:// URI");
        return NULL;
    }
    int tls = strcmp(prot, "wss") == 0;
    eci_exec_stream *s = xcalloc(1, sizeof *s);
    pthread_mutex_init(&s->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&s->cv, &ca);
    pthread_condattr_destroy(&ca);
    if (opts)
        s->opts = *opts;
    if (!s->opts.max_buffered)
        s->opts.max_buffered = DEFAULT_MAX_BUFFERED;
    if (s->opts.connect_timeout_ms <= 0)
        s->opts.connect_timeout_ms = 15000;
    s->opts.ca_file = NULL; /* only used below, not kept */
    s->opts.protocols = NULL;
    dynbuf_init(&s->rx, RX_MSG_CAP);

    lws_set_log_level(0, NULL);
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.port = CONTEXT_PORT_NO_LISTEN;
    info.protocols = protocols;
    info.gid = -1;
    info.uid = -1;
    info.user = s;
    info.pt_serv_buf_size = 128 * 1024; /* socket reads per service round (default 4 KiB) */
    info.options = tls ? LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT : 0;
    if (tls && opts && opts->ca_file)
        info.client_ssl_ca_filepath = opts->ca_file;
    info.connect_timeout_secs = (unsigned)((s->opts.connect_timeout_ms + 999) / 1000);
    s->ctx = lws_create_context(&info);
    if (!s->ctx) {
        free(copy);
        eci_error_set(err, ECI_E_HTTP, "exec stream: cannot create the WebSocket context%s",
                      tls ? " (check the CA file)" : "");
        stream_destroy(s);
        return NULL;
    }
    char *full_path = xasprintf("/%s", path ? path : "");
    char *host = (port == (tls ? 443 : 80)) ? xstrdup(ads) : xasprintf("%s:%d", ads, port);
    struct lws_client_connect_info ci;
    memset(&ci, 0, sizeof ci);
    ci.context = s->ctx;
    ci.address = ads;
    ci.port = port;
    ci.path = full_path;
    ci.host = host;
    ci.origin = host;
    ci.protocol = opts && opts->protocols ? opts->protocols : K8SCHAN_CLIENT_OFFER;
    ci.local_protocol_name = "eci-exec";
    ci.pwsi = &s->wsi;
    if (tls) {
        ci.ssl_connection = LCCSCF_USE_SSL;
        if (opts && opts->insecure_skip_verify)
            ci.ssl_connection |= LCCSCF_ALLOW_SELFSIGNED | LCCSCF_SKIP_SERVER_CERT_HOSTNAME_CHECK |
                                 LCCSCF_ALLOW_EXPIRED | LCCSCF_ALLOW_INSECURE;
    }
    pthread_mutex_lock(&s->mu);
    struct lws *w = lws_client_connect_via_info(&ci);
    pthread_mutex_unlock(&s->mu);
    free(full_path);
    free(host);
    free(copy);
    if (!w) {
        eci_error_set(err, ECI_E_HTTP, "exec stream: cannot start connecting to %s",
                      s->conn_err[0] ? s->conn_err : "the server");
        stream_destroy(s);
        return NULL;
    }
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &set, &old);
    s->thr_started = pthread_create(&s->thr, NULL, service_main, s) == 0;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (!s->thr_started) {
        eci_error_set(err, ECI_E_HTTP, "exec stream: cannot start a thread");
        stream_destroy(s);
        return NULL;
    }
    struct timespec dl;
    deadline_in(&dl, s->opts.connect_timeout_ms);
    pthread_mutex_lock(&s->mu);
    int rc = 0;
    while (!s->established && !s->done && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&s->cv, &s->mu, &dl);
    int ok = s->established;
    char cerr[256];
    snprintf(cerr, sizeof cerr, "%s", s->conn_err);
    pthread_mutex_unlock(&s->mu);
    if (!ok) {
        if (cerr[0])
            eci_error_set(err, ECI_E_HTTP, "exec stream: %s", cerr);
        else if (rc == ETIMEDOUT)
            eci_error_set(err, ECI_E_TIMEOUT, "exec stream: no handshake within %d ms",
                          s->opts.connect_timeout_ms);
        else
            eci_error_set(err, ECI_E_HTTP, "exec stream: connection closed during the handshake");
        stream_destroy(s);
        return NULL;
    }
    return s;
}

const char *eci_exec_protocol(const eci_exec_stream *s)
{
    return s->proto;
}

int eci_exec_write_stdin(eci_exec_stream *s, const void *data, size_t len)
{
    const unsigned char *p = data;
    pthread_mutex_lock(&s->mu);
    while (len) {
        while (!s->done && !s->cancel && s->obytes >= s->opts.max_buffered)
            pthread_cond_wait(&s->cv, &s->mu);
        if (s->done || s->cancel) {
            pthread_mutex_unlock(&s->mu);
            return -1;
        }
        size_t n = len < K8SCHAN_MAX_PAYLOAD ? len : K8SCHAN_MAX_PAYLOAD;
        oqueue(s, K8SCHAN_STDIN, p, n, 0);
        p += n;
        len -= n;
    }
    int rc = s->done ? -1 : 0;
    pthread_mutex_unlock(&s->mu);
    return rc;
}

int eci_exec_close_stdin(eci_exec_stream *s)
{
    pthread_mutex_lock(&s->mu);
    int rc = -1;
    if (!s->done && !s->cancel && (k8schan_version(s->proto, NULL) >= 5)) {
        oqueue(s, K8SCHAN_STDIN, NULL, 0, 1);
        rc = 0;
    }
    pthread_mutex_unlock(&s->mu);
    return rc;
}

int eci_exec_resize(eci_exec_stream *s, unsigned width, unsigned height)
{
    char *j = k8schan_resize_json(width, height);
    pthread_mutex_lock(&s->mu);
    int rc = -1;
    if (!s->done && !s->cancel) {
        oqueue(s, K8SCHAN_RESIZE, j, strlen(j), 0);
        rc = 0;
    }
    pthread_mutex_unlock(&s->mu);
    free(j);
    return rc;
}

ssize_t eci_exec_read(eci_exec_stream *s, int *channel, void *buf, size_t len, int timeout_ms)
{
    struct timespec dl;
    if (timeout_ms >= 0)
        deadline_in(&dl, timeout_ms);
    pthread_mutex_lock(&s->mu);
    while (!s->ihead && !s->done) {
        if (timeout_ms < 0) {
            pthread_cond_wait(&s->cv, &s->mu);
        } else if (pthread_cond_timedwait(&s->cv, &s->mu, &dl) == ETIMEDOUT) {
            pthread_mutex_unlock(&s->mu);
            errno = ETIMEDOUT;
            return -1;
        }
    }
    imsg *m = s->ihead;
    if (!m) {
        pthread_mutex_unlock(&s->mu);
        return 0;
    }
    size_t n = m->len - m->off;
    if (n > len)
        n = len;
    memcpy(buf, m->data + m->off, n);
    *channel = m->channel;
    m->off += n;
    s->ibytes -= n;
    if (m->off == m->len) {
        s->ihead = m->next;
        if (!s->ihead)
            s->itail = NULL;
        free(m);
    }
    if (s->rx_paused && s->ibytes < s->opts.max_buffered / 2) {
        s->want_resume = 1;
        kick(s);
    }
    pthread_mutex_unlock(&s->mu);
    return (ssize_t)n;
}

int eci_exec_wait(eci_exec_stream *s, int timeout_ms, int *exit_code, eci_error *err)
{
    eci_error_clear(err);
    if (err)
        snprintf(err->action, sizeof err->action, "ExecStream");
    *exit_code = -1;
    struct timespec dl;
    if (timeout_ms >= 0)
        deadline_in(&dl, timeout_ms);
    pthread_mutex_lock(&s->mu);
    while (!s->done) {
        if (timeout_ms < 0) {
            pthread_cond_wait(&s->cv, &s->mu);
        } else if (pthread_cond_timedwait(&s->cv, &s->mu, &dl) == ETIMEDOUT) {
            pthread_mutex_unlock(&s->mu);
            return eci_error_set(err, ECI_E_TIMEOUT, "exec stream: still running after %d ms", timeout_ms);
        }
    }
    int rc;
    if (s->have_status && s->status_rc == 0) {
        *exit_code = s->exit_code;
        rc = 0;
    } else if (s->have_status && s->status_rc == 1) {
        if (err)
            snprintf(err->message, sizeof err->message, "%s", s->status_msg);
        rc = eci_error_set(err, ECI_E_API, "exec stream: the command failed: %s", s->status_msg);
    } else if (s->have_status) {
        rc = eci_error_set(err, ECI_E_DECODE, "exec stream: %s", s->status_msg);
    } else if (!(k8schan_version(s->proto, NULL) >= 4) && !s->cancel) {
        *exit_code = 0; /* pre-v4: no error text means success */
        rc = 0;
    } else {
        rc = eci_error_set(err, ECI_E_HTTP, "exec stream: connection closed without an exit status%s%s",
                           s->conn_err[0] ? ": " : "", s->conn_err);
    }
    pthread_mutex_unlock(&s->mu);
    return rc;
}

void eci_exec_cancel(eci_exec_stream *s)
{
    pthread_mutex_lock(&s->mu);
    s->cancel = 1;
    kick(s);
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

void eci_exec_free(eci_exec_stream *s)
{
    if (s)
        stream_destroy(s);
}
