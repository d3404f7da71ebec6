#include "eci/emulator/emu_rt_spawn.h"
#include "eci/emulator/emu_rt_proc.h"
#include "util/xmalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pty.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <strings.h>
#include <sys/mount.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

void emu_rt_ctx_free(emu_rt_ctx *ctx)
{
    if (!ctx)
        return;
    for (char **e = ctx->envp; e && *e; e++)
        free(*e);
    free(ctx->envp);
    free(ctx->workdir);
    for (size_t i = 0; i < ctx->nbinds; i++) {
        free(ctx->binds[i].src);
        free(ctx->binds[i].dst);
    }
    free(ctx->binds);
    free(ctx->hostname);
    free(ctx);
}

emu_rt_ctx *emu_rt_ctx_dup(const emu_rt_ctx *c)
{
    emu_rt_ctx *d = xcalloc(1, sizeof *d);
    size_t n = 0;
    while (c->envp && c->envp[n])
        n++;
    d->envp = xcalloc(n + 1, sizeof(char *));
    for (size_t i = 0; i < n; i++)
        d->envp[i] = xstrdup(c->envp[i]);
    d->workdir = xstrdup(c->workdir);
    d->uid = c->uid;
    d->gid = c->gid;
    d->limit_caps = c->limit_caps;
    d->caps = c->caps;
    d->ro_root = c->ro_root;
    d->use_ns = c->use_ns;
    d->nbinds = c->nbinds;
    d->binds = xcalloc(c->nbinds ? c->nbinds : 1, sizeof(emu_rt_bind));
    for (size_t i = 0; i < c->nbinds; i++) {
        d->binds[i].src = xstrdup(c->binds[i].src);
        d->binds[i].dst = xstrdup(c->binds[i].dst);
        d->binds[i].ro = c->binds[i].ro;
    }
    d->hostname = xstrdup(c->hostname);
    d->join_pid = c->join_pid;
    return d;
}

unsigned long long emu_rt_default_caps(const char *const *add, size_t nadd)
{
    /* CHOWN DAC_OVERRIDE FOWNER FSETID KILL SETGID SETUID SETPCAP
     * NET_BIND_SERVICE SYS_CHROOT MKNOD AUDIT_WRITE SETFCAP */
    static const int dflt[] = {0, 1, 3, 4, 5, 6, 7, 8, 10, 18, 27, 29, 31};
    static const struct { const char *name; int cap; } extra[] = {{"NET_ADMIN", 12}, {"NET_RAW", 13}};
    unsigned long long m = 0;
    for (size_t i = 0; i < sizeof dflt / sizeof dflt[0]; i++)
        m |= 1ULL << dflt[i];
    for (size_t i = 0; i < nadd; i++) {
        const char *n = add[i] ? add[i] : "";
        if (strncasecmp(n, "CAP_", 4) == 0)
            n += 4;
        for (size_t k = 0; k < sizeof extra / sizeof extra[0]; k++)
            if (strcasecmp(n, extra[k].name) == 0)
                m |= 1ULL << extra[k].cap;
    }
    return m;
}

/* ---- child side: only async-signal-safe calls, no allocation ---- */

enum { ST_SETUP = 1, ST_NS, ST_MOUNT, ST_CHDIR, ST_USER, ST_EXEC };

struct child_err {
    int stage;
    int err;
    char detail[200];
};

static void child_fail(int fd, int stage, int e, const char *detail)
{
    struct child_err ce;
    memset(&ce, 0, sizeof ce);
    ce.stage = stage;
    ce.err = e;
    if (detail) {
        size_t n = strlen(detail);
        if (n >= sizeof ce.detail)
            n = sizeof ce.detail - 1;
        memcpy(ce.detail, detail, n);
    }
    ssize_t w = write(fd, &ce, sizeof ce);
    (void)w;
    _exit(127);
}

/* mkdir -p of path (a directory), or of its parent plus an empty file. */
static int make_point(const char *path, int as_file)
{
    char buf[4096];
    size_t n = strlen(path);
    if (n == 0 || n >= sizeof buf)
        return -1;
    memcpy(buf, path, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (buf[i] == '/' || buf[i] == '\0') {
            char c = buf[i];
            buf[i] = '\0';
            if (i == n && as_file) {
                int fd = open(buf, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
                if (fd < 0 && errno != EISDIR)
                    return -1;
                if (fd >= 0)
                    close(fd);
            } else if (mkdir(buf, 0755) < 0 && errno != EEXIST) {
                return -1;
            }
            buf[i] = c;
        }
    }
    return 0;
}

static int join_ns(pid_t pid)
{
    char p[64];
    int ok = 0;
    snprintf(p, sizeof p, "/proc/%d/ns/mnt", (int)pid);
    int fd = open(p, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        ok = setns(fd, CLONE_NEWNS) == 0;
        close(fd);
    }
    if (!ok)
        return -1;
    snprintf(p, sizeof p, "/proc/%d/ns/uts", (int)pid);
    fd = open(p, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        if (setns(fd, CLONE_NEWUTS) < 0) { /* keep the mount view anyway */ }
        close(fd);
    }
    return 0;
}

static void build_ns(const emu_rt_ctx *ctx, int efd)
{
    if (unshare(CLONE_NEWNS | (ctx->hostname ? CLONE_NEWUTS : 0)) < 0)
        child_fail(efd, ST_NS, errno, "unshare");
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
        child_fail(efd, ST_NS, errno, "make / private");
    if (ctx->hostname && sethostname(ctx->hostname, strlen(ctx->hostname)) < 0)
        child_fail(efd, ST_NS, errno, "sethostname");
    for (size_t i = 0; i < ctx->nbinds; i++) {
        const emu_rt_bind *b = &ctx->binds[i];
        struct stat st;
        if (stat(b->src, &st) < 0)
            child_fail(efd, ST_MOUNT, errno, b->src);
        if (make_point(b->dst, !S_ISDIR(st.st_mode)) < 0)
            child_fail(efd, ST_MOUNT, errno, b->dst);
        if (mount(b->src, b->dst, NULL, MS_BIND | MS_REC, NULL) < 0)
            child_fail(efd, ST_MOUNT, errno, b->dst);
        if (b->ro && mount(NULL, b->dst, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL) < 0)
            child_fail(efd, ST_MOUNT, errno, b->dst);
    }
    /* Read-only root last: the mount points above may have been created on
     * it. Only this namespace's copy of the "/" mount changes; the binds,
     * /dev, /proc and the volumes are mounts of their own and keep their
     * mode, as in a container. */
    if (ctx->ro_root && mount(NULL, "/", NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL) < 0)
        child_fail(efd, ST_MOUNT, errno, "/ (read-only root)");
}

static void child_main(const emu_rt_ctx *ctx, const char *const *argv, emu_rt_stdio stdio,
                       int fd_in, int fd_out, int fd_err, int pty_slave, int efd)
{
    sigset_t none;
    sigemptyset(&none);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_DFL;
    for (int s = 1; s < NSIG; s++)
        if (s != SIGKILL && s != SIGSTOP)
            sigaction(s, &sa, NULL);
    sigprocmask(SIG_SETMASK, &none, NULL);
    if (setsid() < 0)
        child_fail(efd, ST_SETUP, errno, "setsid");
    if (stdio == EMU_STDIO_PTY) {
        if (ioctl(pty_slave, TIOCSCTTY, 0) < 0)
            child_fail(efd, ST_SETUP, errno, "TIOCSCTTY");
        fd_in = fd_out = fd_err = pty_slave;
    }
    if (dup2(fd_in, 0) < 0 || dup2(fd_out, 1) < 0 || dup2(fd_err, 2) < 0)
        child_fail(efd, ST_SETUP, errno, "dup2");
    /* Anything another thread opened without O_CLOEXEC must not leak. */
    if (syscall(SYS_close_range, 3U, ~0U, 4U /* CLOSE_RANGE_CLOEXEC */) < 0) {
        for (int fd = 3; fd < 4096; fd++)
            if (fd != efd)
                fcntl(fd, F_SETFD, FD_CLOEXEC);
    }
    int joined = 0;
    if (ctx->join_pid > 0 && ctx->use_ns)
        joined = join_ns(ctx->join_pid) == 0;
    if (!joined && ctx->use_ns)
        build_ns(ctx, efd);
    const char *wd = ctx->workdir && *ctx->workdir ? ctx->workdir : "/";
    if (chdir(wd) < 0)
        child_fail(efd, ST_CHDIR, errno, wd);
    if (ctx->limit_caps && geteuid() == 0) {
        /* Dropping from the bounding set is enough: a root process gets
         * its permitted set from it at execve, and a process that turns
         * to another uid below loses every capability anyway. */
        for (int cap = 0; cap < 64; cap++)
            if (!(ctx->caps & (1ULL << cap)) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
                child_fail(efd, ST_USER, errno, "drop capabilities");
    }
    if (ctx->gid >= 0 && geteuid() == 0) {
        gid_t g = (gid_t)ctx->gid;
        if (setgroups(1, &g) < 0 || setgid(g) < 0)
            child_fail(efd, ST_USER, errno, "setgid");
    }
    if (ctx->uid >= 0 && geteuid() == 0) {
        if ((ctx->gid < 0 && setgroups(0, NULL) < 0) || setuid((uid_t)ctx->uid) < 0)
            child_fail(efd, ST_USER, errno, "setuid");
    }
    execvpe(argv[0], (char *const *)argv, ctx->envp);
    child_fail(efd, ST_EXEC, errno, argv[0]);
}

/* ---- parent side ---- */

static void set_nonblock(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0)
        fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

void emu_rt_child_close_fds(emu_rt_child *c)
{
    if (c->in_fd >= 0)
        close(c->in_fd);
    if (c->out_fd >= 0)
        close(c->out_fd);
    if (c->err_fd >= 0)
        close(c->err_fd);
    if (c->pidfd >= 0)
        close(c->pidfd);
    c->in_fd = c->out_fd = c->err_fd = c->pidfd = -1;
}

int emu_rt_child_reap(emu_rt_child *c, int *sig, unsigned long long *cpu_ns)
{
    int st = 0;
    struct rusage ru;
    memset(&ru, 0, sizeof ru);
    pid_t r;
    do
        r = wait4(c->pid, &st, 0, &ru);
    while (r < 0 && errno == EINTR);
    if (cpu_ns)
        *cpu_ns = (unsigned long long)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000ULL +
                  (unsigned long long)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000ULL;
    *sig = 0;
    if (r < 0)
        return 255;
    if (WIFSIGNALED(st)) {
        *sig = WTERMSIG(st);
        return 128 + *sig;
    }
    return WIFEXITED(st) ? WEXITSTATUS(st) : 255;
}

int emu_rt_spawn(const emu_rt_ctx *ctx, const char *const *argv, emu_rt_stdio stdio,
                 int keep_stdin, unsigned short rows, unsigned short cols,
                 emu_rt_child *out, char *err, size_t errlen)
{
    int inp[2] = { -1, -1 }, outp[2] = { -1, -1 }, errp[2] = { -1, -1 }, ep[2] = { -1, -1 };
    int master = -1, slave = -1, devnull = -1;
    out->pid = -1;
    out->pidfd = out->in_fd = out->out_fd = out->err_fd = -1;
    if (!argv || !argv[0]) {
        snprintf(err, errlen, "exec: no command");
        return -1;
    }
    if (pipe2(ep, O_CLOEXEC) < 0)
        goto sysfail;
    if (stdio == EMU_STDIO_PTY) {
        struct winsize ws = { rows ? rows : 24, cols ? cols : 80, 0, 0 };
        if (openpty(&master, &slave, NULL, NULL, &ws) < 0)
            goto sysfail;
        fcntl(master, F_SETFD, FD_CLOEXEC);
        fcntl(slave, F_SETFD, FD_CLOEXEC);
    } else {
        if (keep_stdin) {
            if (pipe2(inp, O_CLOEXEC) < 0)
                goto sysfail;
        } else {
            devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
            if (devnull < 0)
                goto sysfail;
        }
        if (pipe2(outp, O_CLOEXEC) < 0)
            goto sysfail;
        if (stdio == EMU_STDIO_PIPES && pipe2(errp, O_CLOEXEC) < 0)
            goto sysfail;
    }
    pid_t pid = fork();
    if (pid < 0)
        goto sysfail;
    if (pid == 0) {
        close(ep[0]);
        int fin = keep_stdin ? inp[0] : devnull;
        int ferr = stdio == EMU_STDIO_PIPES ? errp[1] : outp[1];
        child_main(ctx, argv, stdio, fin, outp[1], ferr, slave, ep[1]);
        _exit(127);
    }
    close(ep[1]);
    ep[1] = -1;
    out->pid = pid;
    struct child_err ce;
    ssize_t n;
    do
        n = read(ep[0], &ce, sizeof ce);
    while (n < 0 && errno == EINTR);
    close(ep[0]);
    ep[0] = -1;
    if (inp[0] >= 0) { close(inp[0]); inp[0] = -1; }
    if (outp[1] >= 0) { close(outp[1]); outp[1] = -1; }
    if (errp[1] >= 0) { close(errp[1]); errp[1] = -1; }
    if (slave >= 0) { close(slave); slave = -1; }
    if (devnull >= 0) { close(devnull); devnull = -1; }
    if (n == (ssize_t)sizeof ce) {
        ce.detail[sizeof ce.detail - 1] = '\0';
        if (ce.stage == ST_EXEC && (ce.err == ENOENT || ce.err == ENOTDIR))
            snprintf(err, errlen, "exec: \"%s\": executable file not found in $PATH", ce.detail);
        else if (ce.stage == ST_EXEC)
            snprintf(err, errlen, "exec: \"%s\": %s", ce.detail, strerror(ce.err));
        else if (ce.stage == ST_CHDIR)
            snprintf(err, errlen, "chdir %s: %s", ce.detail, strerror(ce.err));
        else if (ce.stage == ST_MOUNT)
            snprintf(err, errlen, "mount %s: %s", ce.detail, strerror(ce.err));
        else
            snprintf(err, errlen, "%s: %s", ce.detail, strerror(ce.err));
        int sig;
        emu_rt_child c = { pid, -1, -1, -1, -1 };
        emu_rt_child_reap(&c, &sig, NULL);
        if (inp[1] >= 0) close(inp[1]);
        if (outp[0] >= 0) close(outp[0]);
        if (errp[0] >= 0) close(errp[0]);
        if (master >= 0) close(master);
        out->pid = -1;
        return -1;
    }
    out->pidfd = pidfd_open(pid, 0);
    if (out->pidfd >= 0)
        fcntl(out->pidfd, F_SETFD, FD_CLOEXEC);
    if (stdio == EMU_STDIO_PTY) {
        out->out_fd = master;
        out->in_fd = fcntl(master, F_DUPFD_CLOEXEC, 3);
    } else {
        out->in_fd = inp[1];
        out->out_fd = outp[0];
        out->err_fd = errp[0];
    }
    if (out->in_fd >= 0) set_nonblock(out->in_fd);
    if (out->out_fd >= 0) set_nonblock(out->out_fd);
    if (out->err_fd >= 0) set_nonblock(out->err_fd);
    return 0;

sysfail:
    snprintf(err, errlen, "spawn: %s", strerror(errno));
    int fds[] = { inp[0], inp[1], outp[0], outp[1], errp[0], errp[1], ep[0], ep[1], master, slave, devnull };
    for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    return -1;
}

int emu_rt_ns_available(void)
{
    if (geteuid() != 0)
        return 0;
    pid_t pid = fork();
    if (pid < 0)
        return 0;
    if (pid == 0) {
        if (unshare(CLONE_NEWNS | CLONE_NEWUTS) < 0)
            _exit(1);
        if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
            _exit(2);
        _exit(0);
    }
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {}
    return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

void emu_rt_kill_session(pid_t sid, int sig)
{
    if (sid <= 1)
        return;
    kill(-sid, sig);
    emu_rt_procinfo *ps;
    size_t n;
    emu_rt_proc_list(&ps, &n);
    for (size_t i = 0; i < n; i++)
        if (ps[i].session == sid)
            kill(ps[i].pid, sig);
    free(ps);
}
