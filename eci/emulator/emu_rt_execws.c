/* Exec WebSocket server of the emulator (see emu_rt_execws.h).
 *
 * Threads: one libwebsockets service thread owns every connection; each live
 * session has a pump thread that moves bytes between the process (pipes or a
 * pty) and the session's queues. They meet under ws->mu: the pump queues
 * framed output and wakes the service thread with lws_cancel_service(); the
 * service thread queues stdin/resize/EOF and wakes the pump through its
 * eventfd. Both queues are capped (back-pressure: the pump stops reading the
 * process, the service thread pauses the socket with lws_rx_flow_control). A
 * session is freed by the service thread once its socket closed and its
 * pump finished. */
#include "eci/emulator/emu_rt_execws.h"
#include "util/k8schan.h"
#include "util/clock.h"
#include "util/xmalloc.h"

#include <errno.h>
#include <libwebsockets.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <termios.h>
#include <sys/wait.h>
#include <unistd.h>

#define TOKEN_TTL_SECONDS 60
#define OUT_QUEUE_CAP (256 * 1024)  /* framed output waiting for the socket */
#define IN_HIGH (256 * 1024)        /* pause the socket above this much pending stdin */
#define IN_LOW (64 * 1024)
#define RX_MSG_CAP (1024 * 1024)    /* one incoming message, all fragments */

typedef struct xtoken {
    char tok[33];
    char *id, *container;
    char **argv;
    size_t argc;
    int tty, stdin_open;
    struct timespec created;
    struct xtoken *next;
} xtoken;

typedef struct xmsg {
    struct xmsg *next;
    size_t len, cap;     /* framed length, room after LWS_PRE */
    unsigned char buf[]; /* LWS_PRE + len */
} xmsg;

typedef struct xsess {
    emu_rt_execws *ws;
    struct lws *wsi;
    const char *proto; /* negotiated subprotocol (static), "" for none */
    int stdin_open, tty;
    emu_rt_child ch;
    xmsg *qhead, *qtail;
    size_t qbytes;
    dynbuf in;
    int in_eof;
    int rx_paused, want_rx_resume;
    int resize_pending;
    unsigned rows, cols;
    k8schan_resize_parser *resize;
    int wake_fd;
    int closing;   /* the status is queued: close once the queue is empty */
    int ws_gone;
    int pump_done;
    pthread_t thr;
    int thr_started;
    dynbuf rx;
    struct xsess *next;
} xsess;

struct emu_rt_execws {
    emu_rt *rt;
    struct lws_context *ctx;
    int ctx_dead;
    pthread_t thr;
    int stop;
    pthread_mutex_t mu;
    xtoken *tokens;
    xsess *sessions;
    char addr[80];
};

typedef struct pss {
    xsess *s;
} pss;


/* Wake the service thread. ws->mu held. */
static void kick(emu_rt_execws *ws)
{
    if (!ws->ctx_dead && ws->ctx)
        lws_cancel_service(ws->ctx);
}

static void wake_pump(xsess *s)
{
    uint64_t one = 1;
    ssize_t r = write(s->wake_fd, &one, sizeof one);
    (void)r;
}

static void token_free(xtoken *t)
{
    if (!t)
        return;
    free(t->id);
    free(t->container);
    for (size_t i = 0; i < t->argc; i++)
        free(t->argv[i]);
    free(t->argv);
    free(t);
}

/* Drop expired tokens. ws->mu held. */
static void purge_tokens(emu_rt_execws *ws)
{
    struct timespec now;
    clock_mono(&now);
    for (xtoken **pp = &ws->tokens; *pp;) {
        if (now.tv_sec - (*pp)->created.tv_sec >= TOKEN_TTL_SECONDS) {
            xtoken *t = *pp;
            *pp = t->next;
            token_free(t);
        } else {
            pp = &(*pp)->next;
        }
    }
}

/* Queue one framed message. Output that arrives while the socket is busy
 * joins the last queued message of its channel (up to the payload limit), so
 * a process writing in small pieces costs few WebSocket messages. ws->mu held. */
static void enqueue(xsess *s, unsigned channel, const void *data, size_t len)
{
    xmsg *t = s->qtail;
    if ((channel == K8SCHAN_STDOUT || channel == K8SCHAN_STDERR) && len && t && t->len > 1 &&
        t->buf[LWS_PRE] == channel && t->len + len <= t->cap) {
        memcpy(t->buf + LWS_PRE + t->len, data, len);
        t->len += len;
        s->qbytes += len;
        return; /* the service thread already knows the queue is not empty */
    }
    size_t cap = len + 1;
    if ((channel == K8SCHAN_STDOUT || channel == K8SCHAN_STDERR) && cap < K8SCHAN_MAX_PAYLOAD + 1)
        cap = K8SCHAN_MAX_PAYLOAD + 1;
    xmsg *m = xmalloc(sizeof *m + LWS_PRE + cap);
    m->next = NULL;
    m->cap = cap;
    m->len = len + 1;
    m->buf[LWS_PRE] = (unsigned char)channel;
    if (len)
        memcpy(m->buf + LWS_PRE + 1, data, len);
    int was_empty = !s->qhead;
    if (s->qtail)
        s->qtail->next = m;
    else
        s->qhead = m;
    s->qtail = m;
    s->qbytes += m->len;
    if (was_empty) /* else a write is already scheduled and re-arms itself */
        kick(s->ws);
}

static void sess_free(xsess *s)
{
    while (s->qhead) {
        xmsg *m = s->qhead;
        s->qhead = m->next;
        free(m);
    }
    emu_rt_child_close_fds(&s->ch);
    dynbuf_free(&s->in);
    dynbuf_free(&s->rx);
    k8schan_resize_parser_free(s->resize);
    if (s->wake_fd >= 0)
        close(s->wake_fd);
    free(s);
}

/* Free sessions whose socket closed and whose pump finished. ws->mu held. */
static void reap_sessions(emu_rt_execws *ws)
{
    for (xsess **pp = &ws->sessions; *pp;) {
        xsess *s = *pp;
        if (s->ws_gone && s->pump_done) {
            *pp = s->next;
            if (s->thr_started)
                pthread_join(s->thr, NULL);
            sess_free(s);
        } else {
            pp = &s->next;
        }
    }
}

/* ---- the pump thread ---- */

static void *pump_main(void *arg)
{
    xsess *s = arg;
    pthread_setname_np(pthread_self(), "emu-exec-pump");
    emu_rt_execws *ws = s->ws;
    int exited = 0;
    char buf[K8SCHAN_MAX_PAYLOAD];
    for (;;) {
        pthread_mutex_lock(&ws->mu);
        if (s->ws_gone) {
            pthread_mutex_unlock(&ws->mu);
            break;
        }
        int qfull = s->qbytes >= OUT_QUEUE_CAP;
        int have_in = s->in.len > 0;
        if (s->in_eof && !have_in && s->ch.in_fd >= 0) {
            if (s->tty) {
                struct termios tio;
                char eof = 4;
                if (tcgetattr(s->ch.in_fd, &tio) == 0)
                    eof = (char)tio.c_cc[VEOF];
                ssize_t w = write(s->ch.in_fd, &eof, 1);
                (void)w;
            }
            close(s->ch.in_fd);
            s->ch.in_fd = -1;
        }
        if (s->resize_pending && s->tty && s->ch.out_fd >= 0) {
            struct winsize wsz = { (unsigned short)s->rows, (unsigned short)s->cols, 0, 0 };
            ioctl(s->ch.out_fd, TIOCSWINSZ, &wsz);
        }
        s->resize_pending = 0;
        pthread_mutex_unlock(&ws->mu);

        struct pollfd pf[5];
        int n = 0, io = -1, ie = -1, ii = -1, ip = -1;
        pf[n].fd = s->wake_fd;
        pf[n++].events = POLLIN;
        if (s->ch.out_fd >= 0 && !qfull) { io = n; pf[n].fd = s->ch.out_fd; pf[n++].events = POLLIN; }
        if (s->ch.err_fd >= 0 && !qfull) { ie = n; pf[n].fd = s->ch.err_fd; pf[n++].events = POLLIN; }
        if (s->ch.in_fd >= 0 && have_in) { ii = n; pf[n].fd = s->ch.in_fd; pf[n++].events = POLLOUT; }
        if (!exited) { ip = n; pf[n].fd = s->ch.pidfd; pf[n++].events = POLLIN; }
        int r = poll(pf, (nfds_t)n, exited || s->ch.pidfd < 0 ? 200 : -1);
        if (r < 0 && errno != EINTR)
            break;
        if (r == 0 && exited)
            break; /* a background process holds the output open */
        if (r > 0 && (pf[0].revents & POLLIN)) {
            uint64_t v;
            ssize_t rr = read(s->wake_fd, &v, sizeof v);
            (void)rr;
        }
        for (int k = 0; k < 2; k++) {
            int idx = k ? ie : io;
            int *fd = k ? &s->ch.err_fd : &s->ch.out_fd;
            if (idx < 0 || !(pf[idx].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            /* Fill the buffer with what is there now: one message for many
             * small writes of the process. */
            size_t have = 0;
            ssize_t got;
            while ((got = read(*fd, buf + have, sizeof buf - have)) > 0 && (have += (size_t)got) < sizeof buf)
                ;
            if (have) {
                pthread_mutex_lock(&ws->mu);
                enqueue(s, k ? K8SCHAN_STDERR : K8SCHAN_STDOUT, buf, have);
                pthread_mutex_unlock(&ws->mu);
            }
            if (have == sizeof buf)
                continue;
            if (got == 0 || (got < 0 && errno != EAGAIN && errno != EINTR)) {
                if (s->tty && *fd == s->ch.out_fd && s->ch.in_fd >= 0) {
                    pthread_mutex_lock(&ws->mu);
                    close(s->ch.in_fd); /* the same pty */
                    s->ch.in_fd = -1;
                    pthread_mutex_unlock(&ws->mu);
                }
                close(*fd);
                *fd = -1;
            }
        }
        if (ii >= 0 && (pf[ii].revents & (POLLOUT | POLLERR | POLLHUP))) {
            pthread_mutex_lock(&ws->mu);
            ssize_t w = write(s->ch.in_fd, s->in.buf, s->in.len);
            if (w > 0) {
                dynbuf_consume(&s->in, (size_t)w);
            } else if (w < 0 && errno != EAGAIN && errno != EINTR) {
                dynbuf_reset(&s->in); /* the process closed its stdin */
                s->in_eof = 1;
            }
            if (s->rx_paused && s->in.len < IN_LOW) {
                s->want_rx_resume = 1;
                kick(ws);
            }
            pthread_mutex_unlock(&ws->mu);
        }
        if (ip >= 0 && (pf[ip].revents & POLLIN))
            exited = 1;
        if (!exited && s->ch.pidfd < 0) { /* no pidfd (fd exhaustion): poll for the exit */
            siginfo_t si;
            memset(&si, 0, sizeof si);
            exited = waitid(P_PID, (id_t)s->ch.pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid;
        }
        if (exited && s->ch.out_fd < 0 && s->ch.err_fd < 0)
            break;
    }
    /* Background processes of the command go with it; killed before the
     * reap so the zombie keeps the session id from being reused. */
    emu_rt_kill_session(s->ch.pid, SIGKILL);
    int sig;
    int code = emu_rt_child_reap(&s->ch, &sig, NULL);
    pthread_mutex_lock(&ws->mu);
    emu_rt_child_close_fds(&s->ch);
    if (!s->ws_gone) {
        char *st = k8schan_status(k8schan_version(s->proto, NULL), code, NULL, NULL);
        if (st)
            enqueue(s, K8SCHAN_ERROR, st, strlen(st));
        free(st);
        s->closing = 1;
    }
    s->pump_done = 1;
    kick(ws);
    pthread_mutex_unlock(&ws->mu);
    return NULL;
}

/* ---- the service thread ---- */

static xtoken *claim_token(emu_rt_execws *ws, struct lws *wsi)
{
    char uri[256];
    if (lws_hdr_copy(wsi, uri, sizeof uri, WSI_TOKEN_GET_URI) <= 0)
        return NULL;
    if (strncmp(uri, "/exec/", 6) != 0)
        return NULL;
    const char *tok = uri + 6;
    purge_tokens(ws);
    for (xtoken **pp = &ws->tokens; *pp; pp = &(*pp)->next)
        if (strcmp((*pp)->tok, tok) == 0) {
            xtoken *t = *pp;
            *pp = t->next;
            return t;
        }
    return NULL;
}

static int token_exists(emu_rt_execws *ws, struct lws *wsi)
{
    char uri[256];
    if (lws_hdr_copy(wsi, uri, sizeof uri, WSI_TOKEN_GET_URI) <= 0 || strncmp(uri, "/exec/", 6) != 0)
        return 0;
    purge_tokens(ws);
    for (xtoken *t = ws->tokens; t; t = t->next)
        if (strcmp(t->tok, uri + 6) == 0)
            return 1;
    return 0;
}

/* Start a session on an established connection. ws->mu held. */
static xsess *start_session(emu_rt_execws *ws, struct lws *wsi)
{
    xtoken *t = claim_token(ws, wsi);
    if (!t)
        return NULL;
    xsess *s = xcalloc(1, sizeof *s);
    s->ws = ws;
    s->wsi = wsi;
    s->ch.pid = -1;
    s->ch.pidfd = s->ch.in_fd = s->ch.out_fd = s->ch.err_fd = -1;
    s->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    s->stdin_open = t->stdin_open;
    s->tty = t->tty;
    dynbuf_init(&s->in, IN_HIGH + RX_MSG_CAP);
    dynbuf_init(&s->rx, RX_MSG_CAP);
    s->proto = lws_hdr_total_length(wsi, WSI_TOKEN_PROTOCOL) > 0 ? lws_get_protocol(wsi)->name : "";
    s->next = ws->sessions;
    ws->sessions = s;

    char err[512] = "";
    emu_rt_ctx *ctx = emu_rt_exec_context(ws->rt, t->id, t->container, t->tty, err, sizeof err);
    int rc = -1;
    if (ctx) {
        const char **av = xcalloc(t->argc + 1, sizeof(char *));
        for (size_t i = 0; i < t->argc; i++)
            av[i] = t->argv[i];
        rc = emu_rt_spawn(ctx, av, t->tty ? EMU_STDIO_PTY : EMU_STDIO_PIPES, t->stdin_open, 24, 80,
                          &s->ch, err, sizeof err);
        free(av);
        emu_rt_ctx_free(ctx);
    }
    token_free(t);
    enqueue(s, K8SCHAN_STDOUT, NULL, 0); /* the opening empty message */
    if (rc == 0 && s->wake_fd >= 0) {
        sigset_t set, old;
        sigemptyset(&set);
        sigaddset(&set, SIGPIPE);
        pthread_sigmask(SIG_BLOCK, &set, &old);
        s->thr_started = pthread_create(&s->thr, NULL, pump_main, s) == 0;
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        if (s->thr_started)
            return s;
        snprintf(err, sizeof err, "cannot start a thread");
        emu_rt_kill_session(s->ch.pid, SIGKILL);
        int sig;
        emu_rt_child_reap(&s->ch, &sig, NULL);
        emu_rt_child_close_fds(&s->ch);
    }
    char *st = k8schan_status(k8schan_version(s->proto, NULL), -1, err[0] ? err : "exec failed", NULL);
    enqueue(s, K8SCHAN_ERROR, st, strlen(st));
    free(st);
    s->closing = 1;
    s->pump_done = 1;
    return s;
}

static void on_size(void *ud, uint16_t width, uint16_t height)
{
    xsess *s = ud;
    s->cols = width;
    s->rows = height;
    s->resize_pending = 1;
}

/* A complete incoming message. ws->mu held. Returns -1 to drop the connection. */
static int on_message(xsess *s, struct lws *wsi)
{
    k8schan_msg m;
    char err[128];
    if (k8schan_decode(s->rx.buf, s->rx.len, &m, err, sizeof err) < 0)
        return -1;
    if (m.kind == K8SCHAN_MSG_CLOSE) {
        if (m.channel == K8SCHAN_STDIN) {
            s->in_eof = 1;
            wake_pump(s);
        }
        return 0;
    }
    if (m.kind != K8SCHAN_MSG_DATA)
        return 0;
    if (m.channel == K8SCHAN_STDIN && s->stdin_open && !s->in_eof && m.len) {
        if (dynbuf_add(&s->in, m.data, m.len) < 0)
            return -1;
        if (s->in.len >= IN_HIGH && !s->rx_paused) {
            s->rx_paused = 1;
            lws_rx_flow_control(wsi, 0);
        }
        wake_pump(s);
    } else if (m.channel == K8SCHAN_RESIZE) {
        if (!s->resize)
            s->resize = k8schan_resize_parser_new();
        /* a malformed size is dropped with what follows in its message */
        if (k8schan_resize_feed(s->resize, m.data, m.len, on_size, s, err, sizeof err) < 0) {
            k8schan_resize_parser_free(s->resize);
            s->resize = NULL;
        }
        wake_pump(s);
    }
    return 0;
}

static int cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
    struct lws_context *lc = lws_get_context(wsi);
    emu_rt_execws *ws = lc ? lws_context_user(lc) : NULL;
    pss *p = user;
    switch (reason) {
    case LWS_CALLBACK_HTTP:
        lws_return_http_status(wsi, HTTP_STATUS_NOT_FOUND, NULL);
        return -1;
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION: {
        pthread_mutex_lock(&ws->mu);
        int ok = token_exists(ws, wsi);
        pthread_mutex_unlock(&ws->mu);
        return ok ? 0 : 1;
    }
    case LWS_CALLBACK_ESTABLISHED:
        pthread_mutex_lock(&ws->mu);
        p->s = start_session(ws, wsi);
        if (p->s)
            lws_callback_on_writable(wsi);
        pthread_mutex_unlock(&ws->mu);
        return p->s ? 0 : -1;
    case LWS_CALLBACK_RECEIVE: {
        if (!p->s)
            return -1;
        pthread_mutex_lock(&ws->mu);
        int rc = 0;
        if (lws_is_first_fragment(wsi))
            dynbuf_reset(&p->s->rx);
        if (dynbuf_add(&p->s->rx, in, len) < 0)
            rc = -1;
        else if (lws_is_final_fragment(wsi) && !lws_remaining_packet_payload(wsi)) {
            if (lws_frame_is_binary(wsi))
                rc = on_message(p->s, wsi);
            dynbuf_reset(&p->s->rx);
        }
        pthread_mutex_unlock(&ws->mu);
        return rc;
    }
    case LWS_CALLBACK_SERVER_WRITEABLE: {
        if (!p->s)
            return -1;
        pthread_mutex_lock(&ws->mu);
        xsess *s = p->s;
        xmsg *m = s->qhead;
        if (m) {
            if (s->qbytes >= OUT_QUEUE_CAP)
                wake_pump(s); /* it may wait for room */
            s->qhead = m->next;
            if (!s->qhead)
                s->qtail = NULL;
            s->qbytes -= m->len;
        }
        int more = s->qhead != NULL, closing = s->closing;
        pthread_mutex_unlock(&ws->mu);
        if (m) {
            int w = lws_write(wsi, m->buf + LWS_PRE, m->len, LWS_WRITE_BINARY);
            free(m);
            if (w < 0)
                return -1;
        }
        if (more) {
            lws_callback_on_writable(wsi);
        } else if (closing) {
            lws_close_reason(wsi, LWS_CLOSE_STATUS_NORMAL, NULL, 0);
            return -1;
        }
        return 0;
    }
    case LWS_CALLBACK_CLOSED:
        if (p && p->s) {
            pthread_mutex_lock(&ws->mu);
            p->s->wsi = NULL;
            p->s->ws_gone = 1;
            wake_pump(p->s);
            p->s = NULL;
            reap_sessions(ws);
            pthread_mutex_unlock(&ws->mu);
        }
        return 0;
    case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
        if (!ws)
            return 0;
        pthread_mutex_lock(&ws->mu);
        for (xsess *s = ws->sessions; s; s = s->next) {
            if (!s->wsi)
                continue;
            if (s->qhead || s->closing)
                lws_callback_on_writable(s->wsi);
            if (s->want_rx_resume) {
                s->want_rx_resume = 0;
                s->rx_paused = 0;
                lws_rx_flow_control(s->wsi, 1);
            }
        }
        reap_sessions(ws);
        pthread_mutex_unlock(&ws->mu);
        return 0;
    default:
        return 0;
    }
}

static const struct lws_protocols protocols[] = {
    { K8SCHAN_PROTO_V5, cb, sizeof(pss), 65536, 0, NULL, 0 },
    { K8SCHAN_PROTO_V4, cb, sizeof(pss), 65536, 0, NULL, 0 },
    { K8SCHAN_PROTO_V1, cb, sizeof(pss), 65536, 0, NULL, 0 },
    { NULL, NULL, 0, 0, 0, NULL, 0 },
};

static void *service_main(void *arg)
{
    emu_rt_execws *ws = arg;
    pthread_setname_np(pthread_self(), "emu-exec-ws");
    for (;;) {
        pthread_mutex_lock(&ws->mu);
        int stop = ws->stop;
        pthread_mutex_unlock(&ws->mu);
        if (stop)
            break;
        lws_service(ws->ctx, 0);
    }
    return NULL;
}

emu_rt_execws *emu_rt_execws_new(emu_rt *rt, const char *listen, char *err, size_t errlen)
{
    const char *colon = strrchr(listen, ':');
    if (!colon || colon == listen) {
        snprintf(err, errlen, "exec server: listen address \"%s\" is not HOST:PORT", listen);
        return NULL;
    }
    char host[64];
    size_t hl = (size_t)(colon - listen);
    if (hl >= sizeof host) {
        snprintf(err, errlen, "exec server: host too long");
        return NULL;
    }
    memcpy(host, listen, hl);
    host[hl] = '\0';
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (*end || port < 0 || port > 65535) {
        snprintf(err, errlen, "exec server: bad port in \"%s\"", listen);
        return NULL;
    }
    lws_set_log_level(0, NULL);
    emu_rt_execws *ws = xcalloc(1, sizeof *ws);
    ws->rt = rt;
    pthread_mutex_init(&ws->mu, NULL);
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.port = (int)port;
    info.iface = host;
    info.protocols = protocols;
    info.user = ws;
    info.pt_serv_buf_size = 128 * 1024; /* socket reads per service round (default 4 KiB) */
    info.gid = -1;
    info.uid = -1;
    info.options = LWS_SERVER_OPTION_DISABLE_IPV6;
    info.vhost_name = "eci-emulator-exec";
    ws->ctx = lws_create_context(&info);
    if (!ws->ctx) {
        snprintf(err, errlen, "exec server: cannot listen on %s", listen);
        pthread_mutex_destroy(&ws->mu);
        free(ws);
        return NULL;
    }
    struct lws_vhost *vh = lws_get_vhost_by_name(ws->ctx, "eci-emulator-exec");
    int lp = vh ? lws_get_vhost_listen_port(vh) : (int)port;
    snprintf(ws->addr, sizeof ws->addr, "%s:%d", host, lp);
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &set, &old);
    int rc = pthread_create(&ws->thr, NULL, service_main, ws);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        snprintf(err, errlen, "exec server: cannot start a thread");
        lws_context_destroy(ws->ctx);
        pthread_mutex_destroy(&ws->mu);
        free(ws);
        return NULL;
    }
    return ws;
}

void emu_rt_execws_free(emu_rt_execws *ws)
{
    if (!ws)
        return;
    pthread_mutex_lock(&ws->mu);
    ws->stop = 1;
    kick(ws);
    pthread_mutex_unlock(&ws->mu);
    pthread_join(ws->thr, NULL);
    pthread_mutex_lock(&ws->mu);
    ws->ctx_dead = 1;
    pthread_mutex_unlock(&ws->mu);
    lws_context_destroy(ws->ctx); /* CLOSED for every connection: pumps kill their processes */
    pthread_mutex_lock(&ws->mu);
    for (xsess *s = ws->sessions; s; s = s->next) {
        s->ws_gone = 1;
        s->wsi = NULL;
        wake_pump(s);
    }
    pthread_mutex_unlock(&ws->mu);
    while (ws->sessions) {
        xsess *s = ws->sessions;
        ws->sessions = s->next;
        if (s->thr_started)
            pthread_join(s->thr, NULL);
        sess_free(s);
    }
    while (ws->tokens) {
        xtoken *t = ws->tokens;
        ws->tokens = t->next;
        token_free(t);
    }
    pthread_mutex_destroy(&ws->mu);
    free(ws);
}

const char *emu_rt_execws_address(const emu_rt_execws *ws)
{
    return ws->addr;
}

char *emu_rt_execws_add(emu_rt_execws *ws, const char *id, const char *container,
                        const char *const *argv, size_t argc, int tty, int stdin_open)
{
    xtoken *t = xcalloc(1, sizeof *t);
    unsigned char rnd[16];
    size_t got = 0;
    while (got < sizeof rnd) {
        ssize_t r = getrandom(rnd + got, sizeof rnd - got, 0);
        if (r > 0)
            got += (size_t)r;
        else if (errno != EINTR)
            abort();
    }
    for (size_t i = 0; i < sizeof rnd; i++)
        snprintf(t->tok + 2 * i, 3, "%02x", rnd[i]);
    t->id = xstrdup(id);
    t->container = xstrdup(container);
    t->argv = xcalloc(argc + 1, sizeof(char *));
    for (size_t i = 0; i < argc; i++)
        t->argv[i] = xstrdup(argv[i] ? argv[i] : "");
    t->argc = argc;
    t->tty = tty;
    t->stdin_open = stdin_open;
    clock_mono(&t->created);
    pthread_mutex_lock(&ws->mu);
    purge_tokens(ws);
    t->next = ws->tokens;
    ws->tokens = t;
    char *uri = xasprintf("ws://%s/exec/%s", ws->addr, t->tok);
    pthread_mutex_unlock(&ws->mu);
    return uri;
}
