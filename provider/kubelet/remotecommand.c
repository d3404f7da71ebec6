/* Kubernetes remote command: see remotecommand.h. */
#include "provider/kubelet/remotecommand.h"
#include "util/dynbuf.h"
#include "util/httptok.h"
#include "util/xmalloc.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <pty.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *const spdy_protos[] = {K8SCHAN_PROTO_V4, K8SCHAN_PROTO_V3, K8SCHAN_PROTO_V2, K8SCHAN_PROTO_V1};
static const char *const ws_protos[] = {K8SCHAN_PROTO_V5, K8SCHAN_PROTO_V4, K8SCHAN_PROTO_V4_BASE64,
                                        K8SCHAN_PROTO_V3, K8SCHAN_PROTO_V2, K8SCHAN_PROTO_V1,
                                        K8SCHAN_PROTO_BASE64};

const char *const *kubelet_rc_spdy_protocols(size_t *n)
{
    *n = sizeof spdy_protos / sizeof spdy_protos[0];
    return spdy_protos;
}

const char *const *kubelet_rc_ws_protocols(size_t *n)
{
    *n = sizeof ws_protos / sizeof ws_protos[0];
    return ws_protos;
}

const char *kubelet_rc_negotiate_spdy(const kv_list *headers, int *present)
{
    return httptok_header_pick(headers, "X-Stream-Protocol-Version", spdy_protos,
                               sizeof spdy_protos / sizeof spdy_protos[0], present);
}

static int flag_on(const kv_list *q, const char *name)
{
    const char *v = kv_get(q, name);
    return v && (strcmp(v, "1") == 0 || strcasecmp(v, "true") == 0);
}

int kubelet_rc_options_parse(const kv_list *query, int need_command, kubelet_rc_options *opts, char *err, size_t errlen)
{
    memset(opts, 0, sizeof *opts);
    opts->in = flag_on(query, "input");
    opts->out = flag_on(query, "output");
    opts->err = flag_on(query, "error");
    opts->tty = flag_on(query, "tty");
    if (opts->tty)
        opts->err = 0;
    if (!opts->in && !opts->out && !opts->err) {
        snprintf(err, errlen, "you must specify at least 1 of stdin, stdout, stderr");
        return -1;
    }
    size_t n = kv_count(query, "command");
    if (need_command && n == 0) {
        snprintf(err, errlen, "you must specify a command to run");
        return -1;
    }
    opts->argv = xcalloc(n + 1, sizeof *opts->argv);
    for (size_t i = 0; i < query->n; i++)
        if (strcmp(query->items[i].key, "command") == 0)
            opts->argv[opts->argc++] = xstrdup(query->items[i].val);
    return 0;
}

void kubelet_rc_options_free(kubelet_rc_options *opts)
{
    if (!opts)
        return;
    for (size_t i = 0; i < opts->argc; i++)
        free(opts->argv[i]);
    free(opts->argv);
    opts->argv = NULL;
    opts->argc = 0;
}

size_t kubelet_rc_expected_streams(const kubelet_rc_options *o, kubelet_rc_proto proto)
{
    return 1 + (o->in ? 1 : 0) + (o->out ? 1 : 0) + (o->err ? 1 : 0) + (o->tty && proto >= KUBELET_RC_PROTO_V3 ? 1 : 0);
}

static const char *const stream_names[] = {"stdin", "stdout", "stderr", "error", "resize"};

kubelet_rc_stream kubelet_rc_stream_parse(const char *s)
{
    for (int i = 0; s && i < 5; i++)
        if (strcmp(s, stream_names[i]) == 0)
            return (kubelet_rc_stream)i;
    return KUBELET_RC_STREAM_UNKNOWN;
}

const char *kubelet_rc_stream_name(kubelet_rc_stream s)
{
    return (s >= 0 && s <= 4) ? stream_names[s] : "unknown";
}

/* ---- local-process backend ---- */

struct kubelet_rc_proc {
    pid_t pid;
    int in_fd, out_fd, err_fd; /* -1 when absent; tty: out_fd is the pty master */
    int tty;
    int wake[2]; /* cancel wakes wait() */
    kubelet_rc_output out;
    pthread_mutex_t mu;
    int reaped, cancelled;
};

static kubelet_rc_proc *local_start(void *ud, const kubelet_rc_target *t, const kubelet_rc_options *o, const kubelet_rc_output *out, char *err,
                            size_t errlen)
{
    (void)ud;
    if (strcmp(t->kind, "exec") != 0 || o->argc == 0) {
        snprintf(err, errlen, "the local backend only runs exec commands");
        return NULL;
    }
    kubelet_rc_proc *p = xcalloc(1, sizeof *p);
    p->in_fd = p->out_fd = p->err_fd = -1;
    p->tty = o->tty;
    p->out = *out;
    pthread_mutex_init(&p->mu, NULL);
    if (pipe2(p->wake, O_CLOEXEC) < 0) {
        snprintf(err, errlen, "pipe: %s", strerror(errno));
        pthread_mutex_destroy(&p->mu);
        free(p);
        return NULL;
    }
    int in[2] = {-1, -1}, so[2] = {-1, -1}, se[2] = {-1, -1};
    int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
    pid_t pid;
    if (o->tty) {
        int master;
        struct winsize ws = {.ws_row = 24, .ws_col = 80};
        pid = forkpty(&master, NULL, NULL, &ws);
        if (pid == 0) {
            execvp(o->argv[0], o->argv);
            _exit(127);
        }
        if (pid > 0) {
            fcntl(master, F_SETFD, FD_CLOEXEC);
            p->out_fd = master;
            p->in_fd = o->in ? dup(master) : -1;
            if (p->in_fd >= 0)
                fcntl(p->in_fd, F_SETFD, FD_CLOEXEC);
        }
    } else {
        if ((o->in && pipe2(in, O_CLOEXEC) < 0) || (o->out && pipe2(so, O_CLOEXEC) < 0) ||
            (o->err && pipe2(se, O_CLOEXEC) < 0)) {
            pid = -1;
        } else {
            pid = fork();
        }
        if (pid == 0) {
            dup2(o->in ? in[0] : devnull, 0);
            dup2(o->out ? so[1] : devnull, 1);
            dup2(o->err ? se[1] : devnull, 2);
            setsid();
            execvp(o->argv[0], o->argv);
            _exit(127);
        }
        if (in[0] >= 0)
            close(in[0]);
        if (so[1] >= 0)
            close(so[1]);
        if (se[1] >= 0)
            close(se[1]);
        p->in_fd = in[1];
        p->out_fd = so[0];
        p->err_fd = se[0];
    }
    if (devnull >= 0)
        close(devnull);
    if (pid < 0) {
        snprintf(err, errlen, "cannot start process: %s", strerror(errno));
        int fds[] = {p->in_fd, p->out_fd, p->err_fd, p->wake[0], p->wake[1]};
        for (size_t i = 0; i < 5; i++)
            if (fds[i] >= 0)
                close(fds[i]);
        pthread_mutex_destroy(&p->mu);
        free(p);
        return NULL;
    }
    p->pid = pid;
    return p;
}

static int local_write_stdin(kubelet_rc_proc *p, const void *data, size_t n)
{
    const char *s = data;
    while (n > 0 && p->in_fd >= 0) {
        ssize_t w = write(p->in_fd, s, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        s += w;
        n -= (size_t)w;
    }
    return p->in_fd >= 0 ? 0 : -1;
}

static void local_close_stdin(kubelet_rc_proc *p)
{
    if (p->in_fd < 0)
        return;
    if (p->tty) {
        /* a terminal has no half-close: send EOF (^D) */
        (void)!write(p->in_fd, "\x04", 1);
    }
    close(p->in_fd);
    p->in_fd = -1;
}

static void local_resize(kubelet_rc_proc *p, uint16_t w, uint16_t h)
{
    if (!p->tty)
        return;
    /* The pump thread closes out_fd when the terminal ends; under the lock a
     * resize never reaches a closed descriptor, or one reused since. */
    pthread_mutex_lock(&p->mu);
    if (p->out_fd >= 0) {
        struct winsize ws = {.ws_row = h, .ws_col = w};
        ioctl(p->out_fd, TIOCSWINSZ, &ws);
    }
    pthread_mutex_unlock(&p->mu);
}

static void local_cancel(kubelet_rc_proc *p)
{
    pthread_mutex_lock(&p->mu);
    if (!p->reaped && !p->cancelled) {
        p->cancelled = 1;
        kill(-p->pid, SIGKILL);
        kill(p->pid, SIGKILL);
    }
    pthread_mutex_unlock(&p->mu);
    (void)!write(p->wake[1], "x", 1);
}

static int local_wait(kubelet_rc_proc *p, int *exit_code, char *msg, size_t msglen)
{
    char buf[32768];
    int fds[2] = {p->out_fd, p->err_fd};
    int open_n = (fds[0] >= 0) + (fds[1] >= 0);
    int gone = 0; /* client gone: keep draining without forwarding */
    while (open_n > 0) {
        struct pollfd pf[3];
        int n = 0;
        int map[3];
        for (int i = 0; i < 2; i++) {
            if (fds[i] >= 0) {
                pf[n].fd = fds[i];
                pf[n].events = POLLIN;
                map[n++] = i;
            }
        }
        pf[n].fd = p->wake[0];
        pf[n].events = POLLIN;
        map[n++] = -1;
        if (poll(pf, (nfds_t)n, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        for (int k = 0; k < n; k++) {
            if (!pf[k].revents)
                continue;
            if (map[k] < 0) {
                char x[16];
                (void)!read(p->wake[0], x, sizeof x);
                gone = 1;
                continue;
            }
            int i = map[k];
            ssize_t r = read(fds[i], buf, sizeof buf);
            if (r < 0 && (errno == EINTR || errno == EAGAIN))
                continue;
            if (r <= 0) { /* EOF, or EIO on a pty whose child exited */
                pthread_mutex_lock(&p->mu); /* local_resize reads out_fd */
                close(fds[i]);
                fds[i] = -1;
                if (i == 0)
                    p->out_fd = -1;
                else
                    p->err_fd = -1;
                pthread_mutex_unlock(&p->mu);
                open_n--;
                continue;
            }
            if (!gone && p->out.write(p->out.ctx, i + 1, buf, (size_t)r) < 0) {
                gone = 1;
                local_cancel(p);
            }
        }
    }
    siginfo_t si;
    memset(&si, 0, sizeof si);
    while (waitid(P_PID, (id_t)p->pid, &si, WEXITED | WNOWAIT) < 0 && errno == EINTR)
        ;
    pthread_mutex_lock(&p->mu);
    int st = 0;
    while (waitpid(p->pid, &st, 0) < 0 && errno == EINTR)
        ;
    p->reaped = 1;
    pthread_mutex_unlock(&p->mu);
    if (WIFEXITED(st)) {
        *exit_code = WEXITSTATUS(st);
        if (*exit_code == 127 && msg && msglen)
            snprintf(msg, msglen, "command terminated with exit code 127 (not found?)");
    } else if (WIFSIGNALED(st)) {
        *exit_code = 128 + WTERMSIG(st);
    } else {
        *exit_code = 1;
    }
    return 0;
}

static void local_release(kubelet_rc_proc *p)
{
    if (!p)
        return;
    int fds[] = {p->in_fd, p->out_fd, p->err_fd, p->wake[0], p->wake[1]};
    for (size_t i = 0; i < 5; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    pthread_mutex_destroy(&p->mu);
    free(p);
}

static const kubelet_rc_backend local_backend = {
    .ud = NULL,
    .start = local_start,
    .write_stdin = local_write_stdin,
    .close_stdin = local_close_stdin,
    .resize = local_resize,
    .wait = local_wait,
    .cancel = local_cancel,
    .release = local_release,
};

const kubelet_rc_backend *kubelet_rc_local_backend(void) { return &local_backend; }

/* ---- session ---- */

struct kubelet_rc_session {
    const kubelet_rc_backend *b;
    char *kind, *ns, *pod, *container, *uid;
    const kubelet_rc_options *opts;
    kubelet_rc_proto proto;
    const kubelet_rc_transport *tr;
    kubelet_rc_output out;
    kubelet_rc_proc *proc;
    pthread_t th;
    int thread_started;
    atomic_int done;
    int stdin_closed;
    k8schan_resize_parser *rp;
    /* stdin: queued by the connection thread, written by the stdin thread so
     * that a slow command never blocks the connection */
    pthread_mutex_t in_mu;
    pthread_cond_t in_cv;
    dynbuf inq;
    int in_eof, in_stop, in_failed;
    pthread_t in_th;
    int in_started;
};

static int session_output(void *ctx, int fd, const void *p, size_t n)
{
    kubelet_rc_session *s = ctx;
    kubelet_rc_stream st;
    if (fd == 1 || (fd == 2 && s->opts->tty))
        st = s->opts->out ? KUBELET_RC_STREAM_STDOUT : KUBELET_RC_STREAM_UNKNOWN;
    else
        st = s->opts->err ? KUBELET_RC_STREAM_STDERR : KUBELET_RC_STREAM_UNKNOWN;
    if (st == KUBELET_RC_STREAM_UNKNOWN || n == 0)
        return 0;
    return s->tr->send_data(s->tr->ctx, st, p, n);
}

kubelet_rc_session *kubelet_rc_session_new(const kubelet_rc_backend *b, const kubelet_rc_target *t, const kubelet_rc_options *opts, kubelet_rc_proto proto,
                           const kubelet_rc_transport *tr)
{
    kubelet_rc_session *s = xcalloc(1, sizeof *s);
    s->b = b;
    s->kind = xstrdup(t->kind ? t->kind : "exec");
    s->ns = xstrdup(t->namespace_ ? t->namespace_ : "");
    s->pod = xstrdup(t->pod ? t->pod : "");
    s->container = xstrdup(t->container ? t->container : "");
    s->uid = xstrdup(t->uid ? t->uid : "");
    s->opts = opts;
    s->proto = proto;
    s->tr = tr;
    s->out.write = session_output;
    s->out.ctx = s;
    s->rp = k8schan_resize_parser_new();
    pthread_mutex_init(&s->in_mu, NULL);
    pthread_cond_init(&s->in_cv, NULL);
    dynbuf_init(&s->inq, KUBELET_RC_STDIN_QUEUE_CAP);
    return s;
}

static void *stdin_main(void *arg)
{
    kubelet_rc_session *s = arg;
    dynbuf chunk;
    dynbuf_init(&chunk, 0);
    for (;;) {
        pthread_mutex_lock(&s->in_mu);
        while (!s->inq.len && !s->in_eof && !s->in_stop)
            pthread_cond_wait(&s->in_cv, &s->in_mu);
        if (s->in_stop) {
            pthread_mutex_unlock(&s->in_mu);
            break;
        }
        dynbuf t = chunk;
        chunk = s->inq;
        s->inq = t;
        dynbuf_reset(&s->inq);
        int eof = s->in_eof;
        pthread_mutex_unlock(&s->in_mu);
        if (chunk.len && !s->in_failed && s->b->write_stdin(s->proc, chunk.buf, chunk.len) < 0)
            s->in_failed = 1;
        dynbuf_reset(&chunk);
        if (eof) {
            s->b->close_stdin(s->proc);
            break;
        }
    }
    dynbuf_free(&chunk);
    return NULL;
}

static void send_end(kubelet_rc_session *s, int exit_code, const char *msg)
{
    if (s->opts->out)
        s->tr->close_stream(s->tr->ctx, KUBELET_RC_STREAM_STDOUT);
    if (s->opts->err)
        s->tr->close_stream(s->tr->ctx, KUBELET_RC_STREAM_STDERR);
    size_t len = 0;
    char *payload = k8schan_status((int)s->proto, exit_code, msg, &len);
    if (payload)
        s->tr->send_data(s->tr->ctx, KUBELET_RC_STREAM_ERROR, payload, len);
    free(payload);
    s->tr->close_stream(s->tr->ctx, KUBELET_RC_STREAM_ERROR);
    atomic_store(&s->done, 1);
    s->tr->finish(s->tr->ctx);
}

static void *pump(void *arg)
{
    kubelet_rc_session *s = arg;
    int code = 0;
    char msg[256] = "";
    if (s->b->wait(s->proc, &code, msg, sizeof msg) < 0) {
        code = -1;
        if (!msg[0])
            snprintf(msg, sizeof msg, "waiting for the command failed");
    } else if (code > 0) {
        msg[0] = '\0'; /* the standard wording carries the exit code */
    }
    send_end(s, code, msg);
    atomic_store(&s->done, 1);
    return NULL;
}

int kubelet_rc_session_start(kubelet_rc_session *s, char *err, size_t errlen)
{
    kubelet_rc_target t = {s->kind, s->ns, s->pod, s->container, s->uid};
    char e[256] = "";
    s->proc = s->b->start(s->b->ud, &t, s->opts, &s->out, e, sizeof e);
    if (!s->proc) {
        if (!e[0])
            snprintf(e, sizeof e, "cannot start the command");
        snprintf(err, errlen, "%s", e);
        send_end(s, -1, e);
        atomic_store(&s->done, 1);
        return -1;
    }
    if (pthread_create(&s->th, NULL, pump, s) != 0) {
        s->b->cancel(s->proc);
        int code;
        s->b->wait(s->proc, &code, e, sizeof e);
        snprintf(err, errlen, "cannot create a thread");
        send_end(s, -1, "cannot create a thread");
        atomic_store(&s->done, 1);
        return -1;
    }
    s->thread_started = 1;
    if (s->opts->in && pthread_create(&s->in_th, NULL, stdin_main, s) == 0)
        s->in_started = 1;
    return 0;
}

int kubelet_rc_session_stdin(kubelet_rc_session *s, const void *p, size_t n)
{
    if (!s->opts->in || s->stdin_closed || !n)
        return 0;
    pthread_mutex_lock(&s->in_mu);
    int rc = dynbuf_add(&s->inq, p, n);
    pthread_cond_signal(&s->in_cv);
    pthread_mutex_unlock(&s->in_mu);
    return rc;
}

size_t kubelet_rc_session_stdin_room(kubelet_rc_session *s)
{
    pthread_mutex_lock(&s->in_mu);
    size_t room = s->inq.cap - s->inq.len;
    pthread_mutex_unlock(&s->in_mu);
    return room;
}

void kubelet_rc_session_stdin_eof(kubelet_rc_session *s)
{
    if (s->opts->in && !s->stdin_closed) {
        s->stdin_closed = 1;
        pthread_mutex_lock(&s->in_mu);
        s->in_eof = 1;
        pthread_cond_signal(&s->in_cv);
        pthread_mutex_unlock(&s->in_mu);
    }
}

static void on_resize(void *ud, uint16_t w, uint16_t h)
{
    kubelet_rc_session *s = ud;
    if (s->proc && s->b->resize)
        s->b->resize(s->proc, w, h);
}

void kubelet_rc_session_resize(kubelet_rc_session *s, const void *p, size_t n)
{
    char err[128];
    if (s->opts->tty)
        k8schan_resize_feed(s->rp, p, n, on_resize, s, err, sizeof err);
}

void kubelet_rc_session_cancel(kubelet_rc_session *s)
{
    if (s->proc && !atomic_load(&s->done))
        s->b->cancel(s->proc);
}

int kubelet_rc_session_done(kubelet_rc_session *s) { return atomic_load(&s->done); }

void kubelet_rc_session_free(kubelet_rc_session *s)
{
    if (!s)
        return;
    if (s->thread_started && !atomic_load(&s->done))
        s->b->cancel(s->proc);
    if (s->in_started) {
        pthread_mutex_lock(&s->in_mu);
        s->in_stop = 1;
        pthread_cond_signal(&s->in_cv);
        pthread_mutex_unlock(&s->in_mu);
        pthread_join(s->in_th, NULL);
    }
    if (s->thread_started)
        pthread_join(s->th, NULL);
    if (s->proc)
        s->b->release(s->proc);
    k8schan_resize_parser_free(s->rp);
    dynbuf_free(&s->inq);
    pthread_mutex_destroy(&s->in_mu);
    pthread_cond_destroy(&s->in_cv);
    free(s->kind);
    free(s->ns);
    free(s->pod);
    free(s->container);
    free(s->uid);
    free(s);
}
