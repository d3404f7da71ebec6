/* The emulator's container runtime: one supervisor thread per container
 * group runs its containers as local processes (see runtime.h). Each thread
 * owns its group's processes: it starts them, polls their output pipes and
 * pidfds, restarts them under the restart policy with back-off, and on stop
 * runs the pre-stop hooks, sends SIGTERM and then SIGKILL, reaps, unmounts
 * and removes the group's state. */
#include "eci/emulator/runtime.h"
#include "eci/emulator/emu_rt_execws.h"
#include "eci/emulator/emu_rt_log.h"
#include "eci/emulator/emu_rt_proc.h"
#include "eci/emulator/emu_rt_sim.h"
#include "eci/emulator/emu_rt_spawn.h"
#include "eci/emulator/emu_rt_spec.h"
#include "util/backoff.h"
#include "util/clock.h"
#include "util/xmalloc.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <curl/curl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/eventfd.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define LOG_CAP ((size_t)4 << 20)
#define BACKOFF_MAX 10
#define BACKOFF_RESET_SECONDS 20
#define HOOK_TIMEOUT 30
#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* ---- runtime objects ---- */

typedef struct rt_ctr {
    const emu_rt_container *spec;
    int is_init;
    emu_rt_container_status st;
    emu_rt_child ch;  /* pid -1 when no process */
    int idle;         /* running without a process (no command) */
    emu_rt_log *log, *prev;
    int backoff;
    int waiting_restart;
    struct timespec restart_at;
    int starts;
    struct timespec run_start;
    uint64_t cpu_done_ns;
    uint64_t last_cpu_ns;
    struct timespec last_sample;
    uint64_t rate;
    /* probes: [0] readiness, [1] liveness */
    struct timespec probe_at[2];
    int probe_ok[2], probe_fail[2];
    int probe_passing; /* readiness state */
    int config_error;  /* CreateContainerConfigError: not started until the spec changes */
    int sidecar_stopped; /* a sidecar stopped because the app containers finished */
} rt_ctr;

enum { STAGE_INIT = 0, STAGE_MAIN, STAGE_DONE };

typedef struct rt_group rt_group;
struct rt_group {
    emu_rt *rt;
    char *id;
    emu_rt_arena a;
    emu_rt_group_spec *spec;
    emu_rt_arena next_a;
    emu_rt_group_spec *next_spec; /* pending update */
    pthread_t thr;
    int thr_started;
    pthread_mutex_t mu;
    int wake_fd;
    rt_ctr *c;
    size_t nc, ninit;
    size_t init_idx;
    int stage;
    emu_rt_group_phase phase;
    int stop_req, restart_req, killing;
    int stopping;    /* emu_rt_stop_group under way (rt->mu): findable until its processes are gone */
    int grace;
    struct timespec kill_deadline;
    int killed_hard;
    char *dir;
    char **vol_dirs;
    int *vol_tmpfs;
    int has_resolv;  /* dir/etc/resolv.conf is the containers' /etc/resolv.conf */
    uint64_t gen;    /* bumped by every turn of the supervisor loop, before it waits */
    rt_group *next;
};

struct emu_rt {
    char *state_dir;
    emu_rt_event_fn on_event;
    void *event_ud;
    int ns_ok;
    pthread_mutex_t mu;
    rt_group *groups;
    emu_rt_execws *ws;
    emu_rt_sim *sim;  /* simulated mode: everything is forwarded to it */
};


static int ms_until(const struct timespec *t)
{
    double s = -clock_s_since(t);
    if (s <= 0)
        return 0;
    return (int)(s * 1000) + 1;
}

static void wake(rt_group *g)
{
    uint64_t one = 1;
    ssize_t r = write(g->wake_fd, &one, sizeof one);
    (void)r;
}

static void event(rt_group *g, const char *ctr, const char *type, const char *reason, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static void event(rt_group *g, const char *ctr, const char *type, const char *reason, const char *fmt, ...)
{
    if (!g->rt->on_event)
        return;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    g->rt->on_event(g->rt->event_ud, g->id, ctr, type, reason, msg);
}

static char *sanitize(const char *s)
{
    char *r = xstrdup(s && *s ? s : "_");
    for (char *p = r; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '-' && *p != '.' && *p != '_')
            *p = '_';
    if (r[0] == '.')
        r[0] = '_';
    return r;
}

static int mkdir_p(const char *path, mode_t mode)
{
    char *d = xstrdup(path);
    int rc = 0;
    for (char *p = d + 1; ; p++) {
        if (*p == '/' || *p == '\0') {
            char c = *p;
            *p = '\0';
            if (mkdir(d, mode) < 0 && errno != EEXIST) {
                rc = -1;
                break;
            }
            *p = c;
            if (!c)
                break;
        }
    }
    free(d);
    return rc;
}

static int write_file(const char *path, const void *data, size_t len, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
    if (fd < 0)
        return -1;
    const char *p = data;
    while (len) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            close(fd);
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    fchmod(fd, mode);
    close(fd);
    return 0;
}

static int rm_cb(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)ftw;
    if (flag == FTW_DP || flag == FTW_D)
        rmdir(path);
    else
        unlink(path);
    return 0;
}

static void rm_rf(const char *path)
{
    nftw(path, rm_cb, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}

/* A relative path without "..", so files stay inside their volume. */
static int safe_rel(const char *p)
{
    if (!p || !*p || p[0] == '/')
        return 0;
    for (const char *s = p; *s;) {
        const char *e = strchr(s, '/');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        if (n == 2 && s[0] == '.' && s[1] == '.')
            return 0;
        s += n;
        if (*s == '/')
            s++;
    }
    return 1;
}

/* ---- group state on disk: volumes, /etc views ---- */

static void teardown_dirs(rt_group *g)
{
    if (!g->vol_dirs)
        return;
    for (size_t i = 0; i < g->spec->nvolumes; i++) {
        if (g->vol_tmpfs && g->vol_tmpfs[i])
            umount2(g->vol_dirs[i], MNT_DETACH);
        free(g->vol_dirs[i]);
    }
    free(g->vol_dirs);
    free(g->vol_tmpfs);
    g->vol_dirs = NULL;
    g->vol_tmpfs = NULL;
}

static void add_unique(kv_list *l, const char *k)
{
    if (k && *k && !kv_get(l, k))
        kv_add(l, k, "");
}

/* The container's resolv.conf in containerd's layout (search, nameserver,
 * options lines). DnsPolicy None: the DNS fields alone; otherwise the
 * host's file with the fields appended the way the kubelet merges a pod's
 * dnsConfig (servers and searches without duplicates, an option of the same
 * name replaced). NULL when nothing is set: the host's file is used as is. */
static char *resolv_conf(const emu_rt_group_spec *s)
{
    int none = s->dns_policy && strcmp(s->dns_policy, "None") == 0;
    if (!none && !s->ndns_nameservers && !s->ndns_searches && !(s->dns_options && s->dns_options->n))
        return NULL;
    kv_list ns = KV_LIST_INIT, search = KV_LIST_INIT, opts = KV_LIST_INIT;
    FILE *f = none ? NULL : fopen("/etc/resolv.conf", "re");
    char line[1024];
    while (f && fgets(line, sizeof line, f)) {
        char *save = NULL, *w = strtok_r(line, " \t\r\n", &save);
        if (!w || w[0] == '#' || w[0] == ';')
            continue;
        int kind = strcmp(w, "nameserver") == 0 ? 1 : (strcmp(w, "search") == 0 || strcmp(w, "domain") == 0) ? 2
                   : strcmp(w, "options") == 0 ? 3 : 0;
        while (kind && (w = strtok_r(NULL, " \t\r\n", &save)) != NULL) {
            if (kind == 1)
                add_unique(&ns, w);
            else if (kind == 2)
                add_unique(&search, w);
            else {
                char *colon = strchr(w, ':');
                if (colon)
                    *colon++ = '\0';
                kv_set(&opts, w, colon ? colon : "");
            }
        }
    }
    if (f)
        fclose(f);
    for (size_t i = 0; i < s->ndns_nameservers; i++)
        add_unique(&ns, s->dns_nameservers[i]);
    for (size_t i = 0; i < s->ndns_searches; i++)
        add_unique(&search, s->dns_searches[i]);
    for (size_t i = 0; s->dns_options && i < s->dns_options->n; i++)
        kv_set(&opts, s->dns_options->items[i].key, s->dns_options->items[i].val);
    dynbuf b;
    dynbuf_init(&b, 1 << 16);
    const kv_list *lists[3] = { &search, &ns, &opts };
    for (int k = 0; k < 3; k++) {
        if (!lists[k]->n)
            continue;
        dynbuf_adds(&b, k == 0 ? "search" : k == 2 ? "options" : "");
        for (size_t i = 0; i < lists[k]->n; i++) {
            const kv_pair *x = &lists[k]->items[i];
            if (k == 1)
                dynbuf_printf(&b, "nameserver %s\n", x->key);
            else
                dynbuf_printf(&b, " %s%s%s", x->key, x->val[0] ? ":" : "", x->val);
        }
        if (k != 1)
            dynbuf_adds(&b, "\n");
    }
    kv_free(&ns);
    kv_free(&search);
    kv_free(&opts);
    char *r = xstrdup(dynbuf_str(&b));
    dynbuf_free(&b);
    return r;
}

/* A Kubernetes quantity ("256Mi", "2Gi", "500M", "1048576") in bytes; 0
 * when absent or not one (then the tmpfs keeps its default size). */
static unsigned long long quantity_bytes(const char *q)
{
    if (!q || !*q)
        return 0;
    char *end;
    double v = strtod(q, &end);
    if (end == q || v <= 0)
        return 0;
    static const struct { const char *sfx; double mul; } units[] = {
        {"", 1}, {"Ki", 1024.0}, {"Mi", 1048576.0}, {"Gi", 1073741824.0}, {"Ti", 1099511627776.0},
        {"k", 1e3}, {"K", 1e3}, {"M", 1e6}, {"G", 1e9}, {"T", 1e12},
    };
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (strcmp(end, units[i].sfx) == 0)
            return (unsigned long long)(v * units[i].mul);
    return 0;
}

static int setup_dirs(rt_group *g, char *err, size_t errlen)
{
    emu_rt *rt = g->rt;
    const emu_rt_group_spec *s = g->spec;
    char *p = xasprintf("%s/etc", g->dir);
    if (mkdir_p(p, 0755) < 0) {
        snprintf(err, errlen, "mkdir %s: %s", p, strerror(errno));
        free(p);
        return -1;
    }
    free(p);
    g->vol_dirs = xcalloc(s->nvolumes + 1, sizeof(char *));
    g->vol_tmpfs = xcalloc(s->nvolumes + 1, sizeof(int));
    for (size_t i = 0; i < s->nvolumes; i++) {
        const emu_rt_volume *v = &s->volumes[i];
        char *name = sanitize(v->name);
        if (v->type == EMU_VOL_NFS) {
            char *srv = sanitize(v->nfs_server), *path = sanitize(v->nfs_path ? v->nfs_path : "/");
            g->vol_dirs[i] = xasprintf("%s/nfs/%s_%s", rt->state_dir, srv, path);
            free(srv);
            free(path);
        } else {
            g->vol_dirs[i] = xasprintf("%s/volumes/%s", g->dir, name);
        }
        free(name);
        if (mkdir_p(g->vol_dirs[i], 0777) < 0) {
            snprintf(err, errlen, "volume %s: mkdir %s: %s", v->name, g->vol_dirs[i], strerror(errno));
            return -1;
        }
        if (v->type == EMU_VOL_EMPTYDIR) {
            chmod(g->vol_dirs[i], 0777);
            char opts[64];
            unsigned long long size = quantity_bytes(v->size_limit);
            if (size)
                snprintf(opts, sizeof opts, "mode=0777,size=%llu", size);
            else
                snprintf(opts, sizeof opts, "mode=0777");
            if (rt->ns_ok && v->medium && strcasecmp(v->medium, "Memory") == 0 &&
                mount("tmpfs", g->vol_dirs[i], "tmpfs", MS_NOSUID | MS_NODEV, opts) == 0)
                g->vol_tmpfs[i] = 1;
        }
        if (v->type == EMU_VOL_CONFIGFILE) {
            for (size_t j = 0; j < v->nfiles; j++) {
                const emu_rt_file *f = &v->files[j];
                if (!safe_rel(f->path)) {
                    snprintf(err, errlen, "volume %s: bad file path \"%s\"", v->name, f->path);
                    return -1;
                }
                char *fp = xasprintf("%s/%s", g->vol_dirs[i], f->path);
                char *slash = strrchr(fp, '/');
                *slash = '\0';
                int rc = mkdir_p(fp, 0755);
                *slash = '/';
                if (rc < 0 || write_file(fp, f->content, f->len, f->mode > 0 ? (mode_t)(f->mode & 07777) : 0644) < 0) {
                    snprintf(err, errlen, "volume %s: write %s: %s", v->name, fp, strerror(errno));
                    free(fp);
                    return -1;
                }
                free(fp);
            }
        }
    }
    const char *hn = s->hostname && *s->hostname ? s->hostname : NULL;
    dynbuf h;
    dynbuf_init(&h, 1 << 20);
    dynbuf_adds(&h, "# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n"
                    "::1\tlocalhost ip6-localhost ip6-loopback\n");
    if (hn)
        dynbuf_printf(&h, "127.0.1.1\t%s\n", hn);
    if (s->host_aliases && s->host_aliases->n) {
        dynbuf_adds(&h, "\n# Entries added by HostAliases.\n");
        for (size_t i = 0; i < s->host_aliases->n; i++)
            dynbuf_printf(&h, "%s\t%s\n", s->host_aliases->items[i].key, s->host_aliases->items[i].val);
    }
    p = xasprintf("%s/etc/hosts", g->dir);
    int rc = write_file(p, h.buf, h.len, 0644);
    free(p);
    dynbuf_free(&h);
    if (rc == 0) {
        p = xasprintf("%s/etc/hostname", g->dir);
        char *line = xasprintf("%s\n", hn ? hn : g->id);
        rc = write_file(p, line, strlen(line), 0644);
        free(line);
        free(p);
    }
    char *rcf = rc == 0 ? resolv_conf(s) : NULL;
    if (rcf) {
        p = xasprintf("%s/etc/resolv.conf", g->dir);
        rc = write_file(p, rcf, strlen(rcf), 0644);
        free(p);
        free(rcf);
        g->has_resolv = rc == 0;
    }
    if (rc == 0) {
        p = xasprintf("%s/term", g->dir);
        rc = mkdir_p(p, 0755);
        free(p);
    }
    if (rc < 0) {
        snprintf(err, errlen, "write /etc views: %s", strerror(errno));
        return -1;
    }
    return 0;
}

static int vol_index(const rt_group *g, const char *name)
{
    for (size_t i = 0; i < g->spec->nvolumes; i++)
        if (strcmp(g->spec->volumes[i].name, name) == 0)
            return (int)i;
    return -1;
}

static char *env_name(const char *prefix, const char *name)
{
    char *r = xasprintf("%s%s", prefix, name);
    for (char *p = r + strlen(prefix); *p; p++)
        *p = isalnum((unsigned char)*p) ? (char)toupper((unsigned char)*p) : '_';
    return r;
}

static const char *term_path(const emu_rt_container *cs)
{
    return cs->termination_message_path && *cs->termination_message_path ? cs->termination_message_path
                                                                         : "/dev/termination-log";
}

/* Host file behind container c's termination message path (caller frees). */
static char *term_file(const rt_group *g, const rt_ctr *c)
{
    return xasprintf("%s/term/%zu", g->dir, (size_t)(c - g->c));
}

/* The context of container c (caller frees). Lock held. */
static emu_rt_ctx *build_ctx(rt_group *g, const rt_ctr *c, int tty, char *err, size_t errlen)
{
    const emu_rt_container *cs = c->spec;
    emu_rt_ctx *ctx = xcalloc(1, sizeof *ctx);
    kv_list env = KV_LIST_INIT;
    kv_add(&env, "PATH", DEFAULT_PATH);
    kv_add(&env, "HOSTNAME", g->spec->hostname && *g->spec->hostname ? g->spec->hostname : g->id);
    kv_add(&env, "HOME", cs->run_as_user > 0 ? "/" : "/root");
    if (tty)
        kv_add(&env, "TERM", "xterm");
    ctx->use_ns = g->rt->ns_ok;
    ctx->binds = xcalloc(cs->nmounts + 5, sizeof(emu_rt_bind));
    if (ctx->use_ns) {
        ctx->binds[ctx->nbinds].src = xasprintf("%s/etc/hosts", g->dir);
        ctx->binds[ctx->nbinds++].dst = xstrdup("/etc/hosts");
        ctx->binds[ctx->nbinds].src = xasprintf("%s/etc/hostname", g->dir);
        ctx->binds[ctx->nbinds++].dst = xstrdup("/etc/hostname");
        if (g->has_resolv) {
            ctx->binds[ctx->nbinds].src = xasprintf("%s/etc/resolv.conf", g->dir);
            ctx->binds[ctx->nbinds++].dst = xstrdup("/etc/resolv.conf");
        }
        /* Like the kubelet: a host file bound at the termination message
         * path, read back when the container ends. */
        char *tf = term_file(g, c);
        int fd = open(tf, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0666);
        if (fd >= 0) {
            fchmod(fd, 0666); /* writable by any RunAsUser */
            close(fd);
        }
        ctx->binds[ctx->nbinds].src = tf;
        ctx->binds[ctx->nbinds++].dst = xstrdup(term_path(cs));
        ctx->hostname = xstrdup(g->spec->hostname && *g->spec->hostname ? g->spec->hostname : NULL);
        ctx->ro_root = cs->read_only_root;
    }
    for (size_t i = 0; i < g->spec->nvolumes && !ctx->use_ns; i++) {
        char *k = env_name("ECI_VOLUME_", g->spec->volumes[i].name);
        kv_set(&env, k, g->vol_dirs[i]);
        free(k);
    }
    for (size_t i = 0; i < cs->nmounts; i++) {
        const emu_rt_mount *m = &cs->mounts[i];
        int vi = vol_index(g, m->volume);
        if (vi < 0) {
            snprintf(err, errlen, "container %s: volume mount \"%s\" names no volume of the group",
                     cs->name, m->volume);
            kv_free(&env);
            emu_rt_ctx_free(ctx);
            return NULL;
        }
        if (!ctx->use_ns)
            continue;
        char *src;
        if (m->sub_path && *m->sub_path) {
            if (!safe_rel(m->sub_path)) {
                snprintf(err, errlen, "container %s: bad subPath \"%s\"", cs->name, m->sub_path);
                kv_free(&env);
                emu_rt_ctx_free(ctx);
                return NULL;
            }
            src = xasprintf("%s/%s", g->vol_dirs[vi], m->sub_path);
            struct stat st;
            if (stat(src, &st) < 0 && mkdir_p(src, 0777) == 0)
                chmod(src, 0777); /* like the volume root: writable for any RunAsUser */
        } else {
            src = xstrdup(g->vol_dirs[vi]);
        }
        ctx->binds[ctx->nbinds].src = src;
        ctx->binds[ctx->nbinds].dst = xstrdup(m->mount_path);
        ctx->binds[ctx->nbinds++].ro = m->read_only || g->spec->volumes[vi].read_only;
    }
    if (cs->env)
        for (size_t i = 0; i < cs->env->n; i++)
            kv_set(&env, cs->env->items[i].key, cs->env->items[i].val);
    ctx->envp = xcalloc(env.n + 1, sizeof(char *));
    for (size_t i = 0; i < env.n; i++)
        ctx->envp[i] = xasprintf("%s=%s", env.items[i].key, env.items[i].val);
    kv_free(&env);
    ctx->workdir = xstrdup(cs->working_dir && *cs->working_dir ? cs->working_dir : NULL);
    ctx->uid = cs->run_as_user;
    ctx->gid = cs->run_as_group;
    ctx->limit_caps = !cs->privileged;
    ctx->caps = emu_rt_default_caps(cs->cap_add, cs->ncap_add);
    ctx->join_pid = c->ch.pid > 0 ? c->ch.pid : 0;
    return ctx;
}

/* Run a hook to completion (output discarded) within timeout seconds.
 * Called without the lock. Returns the exit code, or -1 with err. */
static int run_to_end(const emu_rt_ctx *ctx, const char *const *argv, int timeout, dynbuf *o,
                      dynbuf *e, char *err, size_t errlen)
{
    emu_rt_child ch;
    if (emu_rt_spawn(ctx, argv, EMU_STDIO_PIPES, 0, 0, 0, &ch, err, errlen) < 0)
        return -1;
    struct timespec deadline;
    clock_mono(&deadline);
    deadline.tv_sec += timeout > 0 ? timeout : 1;
    int exited = 0, timed_out = 0;
    char buf[16384];
    while (ch.out_fd >= 0 || ch.err_fd >= 0 || !exited) {
        struct pollfd pf[3];
        int n = 0, io = -1, ie = -1, ip = -1;
        if (ch.out_fd >= 0) { io = n; pf[n].fd = ch.out_fd; pf[n++].events = POLLIN; }
        if (ch.err_fd >= 0) { ie = n; pf[n].fd = ch.err_fd; pf[n++].events = POLLIN; }
        if (!exited) { ip = n; pf[n].fd = ch.pidfd; pf[n++].events = POLLIN; }
        int t = ms_until(&deadline);
        if (t == 0 && !timed_out) {
            timed_out = 1;
            emu_rt_kill_session(ch.pid, SIGKILL);
        }
        int r = poll(pf, (nfds_t)n, (timed_out || exited) ? 200 : ch.pidfd < 0 && (t < 0 || t > 200) ? 200 : t);
        if (r < 0 && errno != EINTR)
            break;
        if (r == 0 && exited)
            break; /* a background process holds the pipes */
        if (!exited && ch.pidfd < 0) { /* no pidfd (fd exhaustion): poll for the exit */
            siginfo_t si;
            memset(&si, 0, sizeof si);
            if (waitid(P_PID, (id_t)ch.pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid)
                exited = 1;
        }
        for (int k = 0; k < 2; k++) {
            int idx = k ? ie : io;
            int *fd = k ? &ch.err_fd : &ch.out_fd;
            dynbuf *dst = k ? e : o;
            if (idx < 0 || !(pf[idx].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            ssize_t got = read(*fd, buf, sizeof buf);
            if (got > 0) {
                if (dst)
                    dynbuf_add(dst, buf, (size_t)got);
            } else if (got == 0 || (errno != EAGAIN && errno != EINTR)) {
                close(*fd);
                *fd = -1;
            }
        }
        if (ip >= 0 && (pf[ip].revents & POLLIN))
            exited = 1;
    }
    int sig;
    emu_rt_kill_session(ch.pid, SIGKILL);
    int code = emu_rt_child_reap(&ch, &sig, NULL);
    emu_rt_child_close_fds(&ch);
    if (timed_out) {
        snprintf(err, errlen, "command timed out after %d seconds", timeout);
        return -1;
    }
    return code;
}

static const char *policy(const rt_group *g) { return g->spec->restart_policy; }

static int has_probe(const emu_rt_probe *p)
{
    return p->argc > 0 || p->tcp_port > 0 || p->http_path;
}

static int probe_timeout(const emu_rt_probe *p) { return p->timeout_seconds > 0 ? p->timeout_seconds : 1; }

/* TCP connect to host:port (host NULL or "": 127.0.0.1) within timeout
 * seconds. 1 when it connects. */
static int tcp_check(const char *host, int port, int timeout, char *msg, size_t msglen)
{
    const char *h = host && *host ? host : "127.0.0.1";
    char ps[16];
    snprintf(ps, sizeof ps, "%d", port);
    struct addrinfo hints, *ai = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    int gr = getaddrinfo(h, ps, &hints, &ai);
    if (gr != 0) {
        snprintf(msg, msglen, "dial tcp %s:%d: lookup %s: %s", h, port, h, gai_strerror(gr));
        return 0;
    }
    int ok = 0, e = 0;
    for (struct addrinfo *a = ai; a && !ok; a = a->ai_next) {
        int fd = socket(a->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            e = errno;
            continue;
        }
        if (connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
            ok = 1;
        } else if (errno == EINPROGRESS) {
            struct pollfd pf = { fd, POLLOUT, 0 };
            socklen_t el = sizeof e;
            e = 0;
            if (poll(&pf, 1, timeout * 1000) == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el) == 0 && e == 0)
                ok = 1;
            else if (!e)
                e = ETIMEDOUT;
        } else {
            e = errno;
        }
        close(fd);
    }
    freeaddrinfo(ai);
    if (!ok)
        snprintf(msg, msglen, "dial tcp %s:%d: connect: %s", h, port, strerror(e ? e : ECONNREFUSED));
    return ok;
}

static size_t discard_body(char *p, size_t sz, size_t n, void *ud)
{
    (void)p;
    (void)ud;
    return sz * n;
}

/* HTTP GET scheme://host:port/path (host default 127.0.0.1; HTTPS without
 * certificate checks, as the kubelet's probes and hooks). check_status: only
 * a 2xx/3xx answer passes (probes); otherwise any answer does (lifecycle
 * hooks fail only when no answer comes, like the kubelet's). 1 on success. */
static int http_get(const char *scheme, const char *host, int port, const char *path, const kv_list *headers,
                    const char *user_agent, int timeout, int check_status, char *msg, size_t msglen)
{
    CURL *h = curl_easy_init();
    if (!h) {
        snprintf(msg, msglen, "curl init failed");
        return 0;
    }
    int https = scheme && strcasecmp(scheme, "HTTPS") == 0;
    const char *hs = host && *host ? host : "127.0.0.1";
    int v6 = strchr(hs, ':') != NULL;
    if (!path)
        path = "/";
    char *url = xasprintf("%s://%s%s%s:%d%s%s", https ? "https" : "http", v6 ? "[" : "", hs, v6 ? "]" : "", port,
                          path[0] == '/' ? "" : "/", path);
    struct curl_slist *hl = NULL;
    for (size_t i = 0; headers && i < headers->n; i++) {
        char *line = xasprintf("%s: %s", headers->items[i].key, headers->items[i].val);
        hl = curl_slist_append(hl, line);
        free(line);
    }
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)timeout * 1000L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard_body);
    curl_easy_setopt(h, CURLOPT_USERAGENT, user_agent);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    if (https) {
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    CURLcode rc = curl_easy_perform(h);
    long code = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    curl_easy_cleanup(h);
    curl_slist_free_all(hl);
    int ok = rc == CURLE_OK && (!check_status || (code >= 200 && code < 400));
    if (rc != CURLE_OK)
        snprintf(msg, msglen, "Get \"%s\": %s", url, curl_easy_strerror(rc));
    else if (!ok)
        snprintf(msg, msglen, "HTTP probe failed with statuscode: %ld", code);
    free(url);
    return ok;
}

/* Run probe k of container c once. Lock held; released while it runs.
 * Returns 1 on success. */
static int probe_once(rt_group *g, rt_ctr *c, int k, char *msg, size_t msglen)
{
    const emu_rt_probe *p = k ? &c->spec->liveness : &c->spec->readiness;
    int t = probe_timeout(p);
    int ok;
    msg[0] = '\0';
    if (p->argc > 0) {
        emu_rt_ctx *ctx = build_ctx(g, c, 0, msg, msglen);
        if (!ctx)
            return 0;
        const char *const *argv = p->argv;
        pthread_mutex_unlock(&g->mu);
        dynbuf out;
        dynbuf_init(&out, 4096);
        int code = run_to_end(ctx, argv, t, &out, &out, msg, msglen);
        pthread_mutex_lock(&g->mu);
        emu_rt_ctx_free(ctx);
        ok = code == 0;
        if (code > 0)
            snprintf(msg, msglen, "%.*s", (int)(out.len > 200 ? 200 : out.len), dynbuf_str(&out));
        dynbuf_free(&out);
    } else if (p->tcp_port > 0) {
        int port = p->tcp_port;
        pthread_mutex_unlock(&g->mu);
        ok = tcp_check(NULL, port, t, msg, msglen);
        pthread_mutex_lock(&g->mu);
    } else {
        int port = p->http_port;
        char *path = xstrdup(p->http_path);
        pthread_mutex_unlock(&g->mu);
        char *scheme = xstrdup(p->http_scheme);
        ok = http_get(scheme, NULL, port, path, NULL, "kube-probe/1.33", t, 1, msg, msglen);
        free(scheme);
        pthread_mutex_lock(&g->mu);
        free(path);
    }
    return ok;
}

static void probes_reset(rt_ctr *c)
{
    for (int k = 0; k < 2; k++) {
        const emu_rt_probe *p = k ? &c->spec->liveness : &c->spec->readiness;
        clock_mono(&c->probe_at[k]);
        c->probe_at[k].tv_sec += p->initial_delay_seconds > 0 ? p->initial_delay_seconds : 0;
        c->probe_ok[k] = c->probe_fail[k] = 0;
    }
    c->probe_passing = 0;
}

/* Run the probes that are due. Lock held (released while a probe runs). */
static void run_probes(rt_group *g)
{
    for (size_t i = g->ninit; i < g->nc && !g->stop_req && !g->restart_req; i++) {
        rt_ctr *c = &g->c[i];
        for (int k = 0; k < 2; k++) {
            const emu_rt_probe *p = k ? &c->spec->liveness : &c->spec->readiness;
            if (c->ch.pid <= 0 || !has_probe(p) || ms_until(&c->probe_at[k]) > 0)
                continue;
            pid_t pid = c->ch.pid;
            int starts = c->starts;
            char msg[256];
            int ok = probe_once(g, c, k, msg, sizeof msg);
            if (c->ch.pid != pid || c->starts != starts || g->stop_req || g->restart_req || g->killing)
                return; /* the container changed while the lock was released */
            clock_mono(&c->probe_at[k]);
            c->probe_at[k].tv_sec += p->period_seconds > 0 ? p->period_seconds : 10;
            int succ = p->success_threshold > 0 ? p->success_threshold : 1;
            int fail = p->failure_threshold > 0 ? p->failure_threshold : 3;
            if (ok) {
                c->probe_fail[k] = 0;
                c->probe_ok[k]++;
                if (k == 0 && c->probe_ok[k] >= succ)
                    c->probe_passing = 1;
            } else {
                c->probe_ok[k] = 0;
                c->probe_fail[k]++;
                event(g, c->spec->name, "Warning", "Unhealthy", "%s probe failed: %s", k ? "Liveness" : "Readiness",
                      msg);
                if (k == 0 && c->probe_fail[k] >= fail)
                    c->probe_passing = 0;
                if (k == 1 && c->probe_fail[k] >= fail && c->ch.pid > 0) {
                    event(g, c->spec->name, "Normal", "Killing",
                          "Container %s failed liveness probe, will be restarted", c->spec->name);
                    c->probe_fail[k] = 0;
                    emu_rt_kill_session(c->ch.pid, SIGKILL);
                }
            }
            c->st.ready = c->probe_passing;
        }
        if (!has_probe(&c->spec->readiness) && (c->ch.pid > 0 || c->idle))
            c->st.ready = 1;
    }
}

static void probe_timeout_ms(const rt_group *g, int *timeout)
{
    for (size_t i = g->ninit; i < g->nc; i++) {
        const rt_ctr *c = &g->c[i];
        if (c->ch.pid <= 0)
            continue;
        for (int k = 0; k < 2; k++) {
            if (!has_probe(k ? &c->spec->liveness : &c->spec->readiness))
                continue;
            int t = ms_until(&c->probe_at[k]);
            if (*timeout < 0 || t < *timeout)
                *timeout = t;
        }
    }
}

static int has_hook(const emu_rt_hook *h) { return h->argc > 0 || h->http_port > 0 || h->tcp_port > 0; }

/* Run hook h ("PostStart" or "PreStop") of container c within timeout
 * seconds. Lock held; released while the hook runs. Returns 0, or -1 with
 * the kubelet's message for the Failed...Hook event in msg. */
static int run_hook(rt_group *g, rt_ctr *c, const emu_rt_hook *h, int timeout, char *msg, size_t msglen)
{
    const emu_rt_container *cs = c->spec;
    char err[512] = "";
    int ok;
    if (h->argc > 0) {
        emu_rt_ctx *ctx = build_ctx(g, c, 0, err, sizeof err);
        if (!ctx) {
            snprintf(msg, msglen, "Exec lifecycle hook for Container \"%s\" in Pod \"%s\" failed - error: %s",
                     cs->name, g->id, err);
            return -1;
        }
        dynbuf out, cmd;
        dynbuf_init(&out, 4096);
        dynbuf_init(&cmd, 1024);
        for (size_t i = 0; i < h->argc; i++)
            dynbuf_printf(&cmd, "%s%s", i ? " " : "", h->argv[i]);
        const char *const *argv = h->argv;
        pthread_mutex_unlock(&g->mu);
        int code = run_to_end(ctx, argv, timeout, &out, &out, err, sizeof err);
        pthread_mutex_lock(&g->mu);
        emu_rt_ctx_free(ctx);
        ok = code == 0;
        if (code > 0)
            snprintf(err, sizeof err, "command '%s' exited with %d: ", dynbuf_str(&cmd), code);
        if (!ok)
            snprintf(msg, msglen, "Exec lifecycle hook ([%s]) for Container \"%s\" in Pod \"%s\" failed - error: %s, "
                     "message: \"%.*s\"", dynbuf_str(&cmd), cs->name, g->id, err,
                     (int)(out.len > 200 ? 200 : out.len), dynbuf_str(&out));
        dynbuf_free(&out);
        dynbuf_free(&cmd);
        return ok ? 0 : -1;
    }
    /* Copies: the spec may be replaced while the lock is released. */
    char *host = xstrdup(h->http_port > 0 ? h->http_host : h->tcp_host);
    char *path = xstrdup(h->http_path ? h->http_path : "/");
    char *scheme = xstrdup(h->http_scheme);
    kv_list hdr = KV_LIST_INIT;
    for (size_t i = 0; h->http_headers && i < h->http_headers->n; i++)
        kv_add(&hdr, h->http_headers->items[i].key, h->http_headers->items[i].val);
    int http = h->http_port > 0, port = http ? h->http_port : h->tcp_port;
    pthread_mutex_unlock(&g->mu);
    if (http)
        ok = http_get(scheme, host, port, path, &hdr, "kube-lifecycle/1.33", timeout, 0, err, sizeof err);
    else
        ok = tcp_check(host, port, timeout, err, sizeof err);
    pthread_mutex_lock(&g->mu);
    if (!ok && http)
        snprintf(msg, msglen, "HTTP lifecycle hook (%s) for Container \"%s\" in Pod \"%s\" failed - error: %s", path,
                 cs->name, g->id, err);
    else if (!ok)
        snprintf(msg, msglen, "TCP lifecycle hook (%d) for Container \"%s\" in Pod \"%s\" failed - error: %s", port,
                 cs->name, g->id, err);
    free(host);
    free(path);
    free(scheme);
    kv_free(&hdr);
    return ok ? 0 : -1;
}

static void finish_run(rt_group *g, rt_ctr *c, int code, int sig, const char *reason, const char *msg)
{
    time_t started = c->st.current.kind == EMU_CS_RUNNING ? c->st.current.start_time : time(NULL);
    emu_rt_set_state(&c->st.current, EMU_CS_TERMINATED, reason ? reason : code == 0 ? "Completed" : "Error", msg);
    c->st.current.exit_code = code;
    c->st.current.signal = sig;
    c->st.current.start_time = started;
    c->st.current.finish_time = time(NULL);
    c->st.ready = c->is_init && code == 0;
    c->idle = 0;
    if (g->killing || c->sidecar_stopped)
        return;
    int restart;
    if (c->is_init)
        restart = code != 0 && strcmp(policy(g), "Never") != 0;
    else
        restart = strcmp(policy(g), "Always") == 0 || (code != 0 && strcmp(policy(g), "OnFailure") == 0);
    if (c->is_init && code == 0) {
        g->init_idx++;
    } else if (c->is_init && !restart) {
        g->stage = STAGE_DONE;
        g->phase = EMU_GS_FAILED;
    }
    if (!restart)
        return;
    if (clock_s_since(&c->run_start) >= BACKOFF_RESET_SECONDS)
        c->backoff = 0;
    c->backoff = c->backoff ? (int)backoff_ms(c->backoff, BACKOFF_MAX, 1, 0) : 1; /* doubling, no jitter: the kubelet's */
    c->st.previous = c->st.current;
    char m[256];
    snprintf(m, sizeof m, "back-off %ds restarting failed container=%s", c->backoff, c->spec->name);
    emu_rt_set_state(&c->st.current, EMU_CS_WAITING, "CrashLoopBackOff", m);
    clock_mono(&c->restart_at);
    c->restart_at.tv_sec += c->backoff;
    c->waiting_restart = 1;
    event(g, c->spec->name, "Warning", "BackOff", "Back-off restarting failed container %s in pod %s",
          c->spec->name, g->id);
}

static void start_ctr(rt_group *g, rt_ctr *c)
{
    const emu_rt_container *cs = c->spec;
    c->waiting_restart = 0;
    char cfg[512];
    if (emu_rt_config_check(g->id, cs, cfg, sizeof cfg) < 0) {
        /* Not started: waits until the spec changes, like the kubelet's
         * CreateContainerConfigError (which it retries to the same end). */
        event(g, cs->name, "Normal", "Pulled", "Container image \"%s\" already present on machine", cs->image);
        event(g, cs->name, "Warning", "Failed", "Error: %s", cfg);
        emu_rt_set_state(&c->st.current, EMU_CS_WAITING, "CreateContainerConfigError", cfg);
        c->config_error = 1;
        return;
    }
    if (c->starts > 0) {
        c->st.restart_count++;
        if (c->st.current.kind == EMU_CS_TERMINATED)
            c->st.previous = c->st.current;
    }
    c->starts++;
    if (c->log) {
        emu_rt_log_free(c->prev);
        c->prev = c->log;
    }
    c->log = emu_rt_log_new(LOG_CAP);
    clock_mono(&c->run_start);
    c->last_sample.tv_sec = 0;
    event(g, cs->name, "Normal", "Pulling", "Pulling image \"%s\"", cs->image);
    event(g, cs->name, "Normal", "Pulled", "Successfully pulled image \"%s\" in 0s (0s including waiting)",
          cs->image);
    if (cs->argc == 0) {
        event(g, cs->name, "Normal", "Created", "Created container %s", cs->name);
        event(g, cs->name, "Normal", "Started", "Started container %s", cs->name);
        if (c->is_init) { /* nothing to run: complete at once */
            finish_run(g, c, 0, 0, "Completed", NULL);
            return;
        }
        emu_rt_set_state(&c->st.current, EMU_CS_RUNNING, "Started", NULL);
        c->st.current.start_time = time(NULL);
        c->st.ready = 1; /* nothing runs, so nothing to probe: always ready */
        c->idle = 1;
        return;
    }
    char err[512] = "";
    emu_rt_ctx *ctx = NULL;
    if (cs->read_only_root && !g->rt->ns_ok)
        snprintf(err, sizeof err, "readOnlyRootFilesystem needs a mount namespace, and the emulator runs "
                                  "without them");
    else
        ctx = build_ctx(g, c, cs->tty, err, sizeof err);
    int rc = -1;
    if (ctx) {
        char *tf = term_file(g, c); /* a fresh termination message for each run */
        if (truncate(tf, 0) < 0) { /* created by build_ctx; nothing to clear otherwise */ }
        free(tf);
        ctx->join_pid = 0;
        rc = emu_rt_spawn(ctx, cs->argv, cs->tty ? EMU_STDIO_PTY : EMU_STDIO_LOG, cs->stdin_open, 24, 80,
                          &c->ch, err, sizeof err);
    }
    if (rc < 0) {
        emu_rt_ctx_free(ctx);
        event(g, cs->name, "Warning", "Failed", "Error: failed to start container \"%s\": %s", cs->name, err);
        c->ch.pid = -1;
        finish_run(g, c, 128, 0, "StartError", err);
        return;
    }
    event(g, cs->name, "Normal", "Created", "Created container %s", cs->name);
    event(g, cs->name, "Normal", "Started", "Started container %s", cs->name);
    time_t started = time(NULL);
    emu_rt_ctx_free(ctx);
    if (has_hook(&cs->post_start)) {
        /* Like the kubelet, whose pod sync reports the container only once
         * the postStart handler has returned: not Running meanwhile. */
        emu_rt_set_state(&c->st.current, EMU_CS_WAITING, "ContainerCreating", NULL);
        c->st.ready = 0;
        pid_t pid = c->ch.pid;
        char msg[512];
        if (run_hook(g, c, &cs->post_start, HOOK_TIMEOUT, msg, sizeof msg) < 0) {
            event(g, cs->name, "Warning", "FailedPostStartHook", "%s", msg);
            if (c->ch.pid > 0 && c->ch.pid == pid)
                emu_rt_kill_session(c->ch.pid, SIGKILL);
        }
    }
    emu_rt_set_state(&c->st.current, EMU_CS_RUNNING, "Started", NULL);
    c->st.current.start_time = started;
    probes_reset(c);
    c->st.ready = !c->is_init && !has_probe(&cs->readiness);
}

static void drain(rt_ctr *c)
{
    char buf[65536];
    for (int i = 0; i < 64 && c->ch.out_fd >= 0; i++) {
        ssize_t n = read(c->ch.out_fd, buf, sizeof buf);
        if (n > 0) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            emu_rt_log_write(c->log, buf, (size_t)n, &ts);
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n == 0 || errno != EAGAIN) { /* EOF, or EIO from a pty whose slave closed */
            close(c->ch.out_fd);
            c->ch.out_fd = -1;
        }
        break;
    }
}

/* The termination message of a run that ended with code, as the kubelet
 * reads it: the last bytes of the file at TerminationMessagePath, or with
 * FallbackToLogsOnError and a failure and an empty file, the last 80 lines
 * (at most 2 KiB) of the log. NULL when there is none (caller frees). */
static char *termination_message(const rt_group *g, const rt_ctr *c, int code)
{
    dynbuf b;
    dynbuf_init(&b, 1 << 20);
    if (g->rt->ns_ok) {
        char *tf = term_file(g, c);
        int fd = open(tf, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        free(tf);
        if (fd >= 0) {
            struct stat st;
            char buf[sizeof c->st.current.message];
            size_t want = sizeof buf - 1;
            if (fstat(fd, &st) == 0 && (size_t)st.st_size > want)
                lseek(fd, st.st_size - (off_t)want, SEEK_SET);
            ssize_t n = read(fd, buf, want);
            if (n > 0)
                dynbuf_add(&b, buf, (size_t)n);
            close(fd);
        }
    }
    if (b.len == 0 && code != 0 && c->spec->termination_fallback_to_logs && c->log) {
        emu_rt_log_read(c->log, NULL, 80, -1, 0, &b);
        if (b.len > 2048) {
            memmove(b.buf, b.buf + b.len - 2048, 2048);
            b.len = 2048;
            b.buf[b.len] = '\0';
        }
    }
    char *r = b.len ? xstrdup(dynbuf_str(&b)) : NULL;
    dynbuf_free(&b);
    return r;
}

static void on_exit_ctr(rt_group *g, rt_ctr *c)
{
    drain(c);
    /* Like a container whose PID 1 died: the rest of the session goes too.
     * Before the reap, so the zombie keeps the id from being reused. */
    emu_rt_kill_session(c->ch.pid, SIGKILL);
    int sig;
    unsigned long long cpu = 0;
    int code = emu_rt_child_reap(&c->ch, &sig, &cpu);
    c->cpu_done_ns += cpu;
    drain(c);
    emu_rt_child_close_fds(&c->ch);
    c->ch.pid = -1;
    emu_rt_log_flush(c->log);
    char *msg = termination_message(g, c, code);
    finish_run(g, c, code, sig, NULL, msg);
    free(msg);
}

static int any_process(const rt_group *g)
{
    for (size_t i = 0; i < g->nc; i++)
        if (g->c[i].ch.pid > 0 || g->c[i].idle)
            return 1;
    return 0;
}

static void schedule(rt_group *g)
{
    if (g->stage == STAGE_INIT) {
        while (g->init_idx < g->ninit && g->stage == STAGE_INIT) {
            rt_ctr *c = &g->c[g->init_idx];
            if (c->ch.pid > 0 || c->config_error)
                break;
            if (c->waiting_restart) {
                if (ms_until(&c->restart_at) == 0)
                    start_ctr(g, c);
                break;
            }
            size_t before = g->init_idx;
            start_ctr(g, c);
            if (g->init_idx == before)
                break;
        }
        if (g->stage == STAGE_INIT && g->init_idx >= g->ninit) {
            g->stage = STAGE_MAIN;
            g->phase = EMU_GS_RUNNING;
            for (size_t i = g->ninit; i < g->nc; i++)
                start_ctr(g, &g->c[i]);
        }
    }
    if (g->stage == STAGE_MAIN) {
        int live = 0, failed = 0, blocked = 0, apps = 0, app_live = 0;
        for (size_t i = g->ninit; i < g->nc; i++) {
            rt_ctr *c = &g->c[i];
            int sidecar = emu_rt_is_sidecar(c->spec);
            apps += !sidecar;
            if (c->waiting_restart && ms_until(&c->restart_at) == 0)
                start_ctr(g, c);
            if (c->ch.pid > 0 || c->idle || c->waiting_restart) {
                live = 1;
                app_live |= !sidecar;
            } else if (c->config_error) {
                blocked = 1;
            } else if (c->st.current.kind == EMU_CS_TERMINATED && c->st.current.exit_code != 0 &&
                       !c->sidecar_stopped && !emu_rt_ignores_exit(c->spec)) {
                failed = 1;
            }
        }
        /* The app containers are done for good: stop the sidecars (SIGTERM;
         * the reaper then ends their run without a restart). */
        if (apps && !app_live && !blocked && live) {
            for (size_t i = g->ninit; i < g->nc; i++) {
                rt_ctr *c = &g->c[i];
                if (!emu_rt_is_sidecar(c->spec) || c->sidecar_stopped)
                    continue;
                c->sidecar_stopped = 1;
                c->waiting_restart = 0;
                event(g, c->spec->name, "Normal", "Killing", "Stopping sidecar container %s: the app containers finished",
                      c->spec->name);
                if (c->idle)
                    finish_run(g, c, 0, 0, "Completed", NULL);
                else if (c->ch.pid > 0)
                    kill(-c->ch.pid, SIGTERM);
                else if (c->st.current.kind != EMU_CS_TERMINATED)
                    finish_run(g, c, 0, 0, "Completed", NULL);
            }
            live = 0;
            for (size_t i = g->ninit; i < g->nc; i++)
                if (g->c[i].ch.pid > 0 || g->c[i].idle)
                    live = 1;
        }
        if (blocked) /* a container never created keeps the pod Pending */
            g->phase = EMU_GS_STARTING;
        else if (!live) {
            g->stage = STAGE_DONE;
            g->phase = failed ? EMU_GS_FAILED : EMU_GS_SUCCEEDED;
        } else {
            g->phase = EMU_GS_RUNNING;
        }
    }
}

/* Back to the first init container, the group Starting: Running only once
 * schedule() has started a container (a snapshot taken before the group's
 * thread first runs sees every container waiting, and a group Running with
 * nothing running is a pod Running that runs nothing; the kubelet says
 * Pending). */
static void start_over(rt_group *g)
{
    g->init_idx = 0;
    g->stage = STAGE_INIT;
    g->phase = EMU_GS_STARTING;
}

static void init_ctrs(rt_group *g, rt_ctr *old, size_t nold)
{
    const emu_rt_group_spec *s = g->spec;
    g->ninit = s->ninit;
    g->nc = s->ninit + s->ncontainers;
    g->c = xcalloc(g->nc + 1, sizeof(rt_ctr));
    for (size_t i = 0; i < g->nc; i++) {
        rt_ctr *c = &g->c[i];
        c->is_init = i < s->ninit;
        c->spec = c->is_init ? &s->init_containers[i] : &s->containers[i - s->ninit];
        c->ch.pid = -1;
        c->ch.pidfd = c->ch.in_fd = c->ch.out_fd = c->ch.err_fd = -1;
        snprintf(c->st.name, sizeof c->st.name, "%s", c->spec->name);
        c->st.is_init = c->is_init;
        emu_rt_set_state(&c->st.current, EMU_CS_WAITING, s->ninit ? "PodInitializing" : "ContainerCreating", NULL);
        for (size_t j = 0; j < nold; j++) {
            rt_ctr *o = &old[j];
            if (o->spec && o->is_init == c->is_init && strcmp(o->st.name, c->st.name) == 0) {
                c->st.restart_count = o->st.restart_count;
                c->st.previous = o->st.current.kind == EMU_CS_TERMINATED ? o->st.current : o->st.previous;
                c->starts = o->starts;
                c->log = o->log;
                c->prev = o->prev;
                c->cpu_done_ns = o->cpu_done_ns;
                o->log = o->prev = NULL;
                o->spec = NULL;
            }
        }
    }
    for (size_t j = 0; j < nold; j++) {
        emu_rt_log_free(old[j].log);
        emu_rt_log_free(old[j].prev);
    }
    free(old);
    start_over(g);
}

/* Begin stopping every process: pre-stop hooks, then SIGTERM. Lock held. */
static void begin_kill(rt_group *g, int grace)
{
    g->killing = 1;
    g->killed_hard = 0;
    for (size_t i = 0; i < g->nc; i++) {
        rt_ctr *c = &g->c[i];
        c->waiting_restart = 0;
        if (c->ch.pid <= 0 && !c->idle)
            continue;
        event(g, c->spec->name, "Normal", "Killing", "Stopping container %s", c->spec->name);
        if (c->ch.pid > 0 && has_hook(&c->spec->pre_stop) && grace > 0) {
            char msg[512];
            if (run_hook(g, c, &c->spec->pre_stop, grace, msg, sizeof msg) < 0)
                event(g, c->spec->name, "Warning", "FailedPreStopHook", "%s", msg);
        }
    }
    for (size_t i = 0; i < g->nc; i++) {
        rt_ctr *c = &g->c[i];
        if (c->idle) {
            c->idle = 0;
            finish_run(g, c, 0, 0, "Completed", NULL);
        }
        if (c->ch.pid > 0)
            kill(-c->ch.pid, grace > 0 ? SIGTERM : SIGKILL);
    }
    clock_mono(&g->kill_deadline);
    g->kill_deadline.tv_sec += grace > 0 ? grace : 0;
}

static void *group_main(void *arg)
{
    rt_group *g = arg;
    pthread_setname_np(pthread_self(), "emu-group");
    pthread_mutex_lock(&g->mu);
    for (;;) {
        if ((g->stop_req || g->restart_req) && !g->killing) {
            int grace = g->stop_req ? g->grace : (g->spec->termination_grace_seconds >= 0 ?
                                                  g->spec->termination_grace_seconds : 30);
            begin_kill(g, grace);
        }
        if (g->killing) {
            if (!any_process(g)) {
                g->killing = 0;
                if (g->stop_req)
                    break;
                g->restart_req = 0;
                if (g->next_spec) {
                    rt_ctr *old = g->c;
                    size_t nold = g->nc;
                    teardown_dirs(g);
                    emu_rt_arena_free(&g->a);
                    g->a = g->next_a;
                    g->spec = g->next_spec;
                    memset(&g->next_a, 0, sizeof g->next_a);
                    g->next_spec = NULL;
                    char err[256];
                    if (setup_dirs(g, err, sizeof err) < 0)
                        event(g, "", "Warning", "Failed", "update: %s", err);
                    init_ctrs(g, old, nold);
                } else {
                    for (size_t i = 0; i < g->nc; i++) {
                        g->c[i].waiting_restart = 0;
                        g->c[i].backoff = 0;
                        g->c[i].config_error = 0;
                    }
                    start_over(g);
                }
                continue;
            }
            if (!g->killed_hard && ms_until(&g->kill_deadline) == 0) {
                g->killed_hard = 1;
                for (size_t i = 0; i < g->nc; i++)
                    if (g->c[i].ch.pid > 0)
                        emu_rt_kill_session(g->c[i].ch.pid, SIGKILL);
            }
        } else {
            schedule(g);
            if (!g->killing && !g->stop_req && !g->restart_req)
                run_probes(g);
        }
        /* poll set: wake fd, then (out, pidfd) per running container */
        struct pollfd *pf = xcalloc(1 + 2 * g->nc, sizeof *pf);
        size_t n = 0;
        pf[n].fd = g->wake_fd;
        pf[n++].events = POLLIN;
        int timeout = -1;
        for (size_t i = 0; i < g->nc; i++) {
            rt_ctr *c = &g->c[i];
            pf[1 + 2 * i].fd = -1;
            pf[2 + 2 * i].fd = -1;
            if (c->ch.pid > 0) {
                pf[1 + 2 * i].fd = c->ch.out_fd;
                pf[1 + 2 * i].events = POLLIN;
                pf[2 + 2 * i].fd = c->ch.pidfd;
                pf[2 + 2 * i].events = POLLIN;
            }
            if (c->waiting_restart && !g->killing) {
                int t = ms_until(&c->restart_at);
                if (timeout < 0 || t < timeout)
                    timeout = t;
            }
        }
        n = 1 + 2 * g->nc;
        if (!g->killing)
            probe_timeout_ms(g, &timeout);
        if (g->killing && !g->killed_hard) {
            int t = ms_until(&g->kill_deadline);
            if (timeout < 0 || t < timeout)
                timeout = t;
        }
        if (g->killing && g->killed_hard)
            timeout = 100; /* a pidfd may never fire if the process is in D state; re-check */
        for (size_t i = 0; i < g->nc; i++)
            if (g->c[i].ch.pid > 0 && g->c[i].ch.pidfd < 0 && (timeout < 0 || timeout > 200))
                timeout = 200; /* no pidfd (fd exhaustion): poll for the exit */
        g->gen++; /* this turn may have changed anything a snapshot shows */
        pthread_mutex_unlock(&g->mu);
        int r = poll(pf, (nfds_t)n, timeout);
        pthread_mutex_lock(&g->mu);
        if (r > 0 && (pf[0].revents & POLLIN)) {
            uint64_t v;
            ssize_t rr = read(g->wake_fd, &v, sizeof v);
            (void)rr;
        }
        for (size_t i = 0; r >= 0 && i < g->nc; i++) {
            rt_ctr *c = &g->c[i];
            if (c->ch.pid <= 0 || pf[1 + 2 * i].fd != c->ch.out_fd)
                continue;
            if (c->ch.out_fd >= 0 && (pf[1 + 2 * i].revents & (POLLIN | POLLHUP | POLLERR)))
                drain(c);
            int exited = (pf[2 + 2 * i].revents & POLLIN) != 0;
            if (c->ch.pidfd < 0) {
                siginfo_t si;
                memset(&si, 0, sizeof si);
                exited = waitid(P_PID, (id_t)c->ch.pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid;
            }
            if (exited)
                on_exit_ctr(g, c);
        }
        free(pf);
    }
    g->phase = EMU_GS_STOPPED;
    g->gen++;
    pthread_mutex_unlock(&g->mu);
    return NULL;
}

/* ---- public API ---- */

static void block_sigpipe_create(pthread_t *t, void *(*fn)(void *), void *arg, int *ok)
{
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &set, &old);
    *ok = pthread_create(t, NULL, fn, arg) == 0;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
}

emu_rt *emu_rt_new(const emu_rt_options *opt, char *err, size_t errlen)
{
    if (opt && opt->simulated) {
        emu_rt *rt = xcalloc(1, sizeof *rt);
        rt->sim = emu_rt_sim_new(opt->on_event, opt->event_ud);
        return rt;
    }
    if (!opt || !opt->state_dir || !*opt->state_dir) {
        snprintf(err, errlen, "runtime: state_dir is required");
        return NULL;
    }
    if (mkdir_p(opt->state_dir, 0755) < 0) {
        snprintf(err, errlen, "runtime: mkdir %s: %s", opt->state_dir, strerror(errno));
        return NULL;
    }
    emu_rt *rt = xcalloc(1, sizeof *rt);
    char *real = realpath(opt->state_dir, NULL);
    rt->state_dir = xstrdup(real ? real : opt->state_dir);
    free(real);
    rt->on_event = opt->on_event;
    rt->event_ud = opt->event_ud;
    rt->ns_ok = !opt->no_namespaces && emu_rt_ns_available();
    pthread_mutex_init(&rt->mu, NULL);
    rt->ws = emu_rt_execws_new(rt, opt->exec_listen && *opt->exec_listen ? opt->exec_listen : "127.0.0.1:0",
                               err, errlen);
    if (!rt->ws) {
        pthread_mutex_destroy(&rt->mu);
        free(rt->state_dir);
        free(rt);
        return NULL;
    }
    return rt;
}

static void group_free(rt_group *g)
{
    if (!g)
        return;
    teardown_dirs(g);
    if (g->dir)
        rm_rf(g->dir);
    for (size_t i = 0; i < g->nc; i++) {
        emu_rt_child_close_fds(&g->c[i].ch);
        emu_rt_log_free(g->c[i].log);
        emu_rt_log_free(g->c[i].prev);
    }
    free(g->c);
    emu_rt_arena_free(&g->a);
    emu_rt_arena_free(&g->next_a);
    if (g->wake_fd >= 0)
        close(g->wake_fd);
    pthread_mutex_destroy(&g->mu);
    free(g->dir);
    free(g->id);
    free(g);
}

/* Ask g's supervisor to stop every process and wait until it did. */
static void stop_and_join(rt_group *g, int grace)
{
    pthread_mutex_lock(&g->mu);
    g->stop_req = 1;
    g->grace = grace >= 0 ? grace : (g->spec->termination_grace_seconds >= 0 ?
                                     g->spec->termination_grace_seconds : 30);
    wake(g);
    pthread_mutex_unlock(&g->mu);
    if (g->thr_started)
        pthread_join(g->thr, NULL);
    g->thr_started = 0;
}

static void stop_and_free(rt_group *g, int grace)
{
    stop_and_join(g, grace);
    group_free(g);
}

void emu_rt_free(emu_rt *rt)
{
    if (!rt)
        return;
    if (rt->sim) {
        emu_rt_sim_free(rt->sim);
        free(rt);
        return;
    }
    emu_rt_execws_free(rt->ws);
    pthread_mutex_lock(&rt->mu);
    rt_group *gs = rt->groups;
    rt->groups = NULL;
    pthread_mutex_unlock(&rt->mu);
    for (rt_group *g = gs; g; g = g->next) { /* signal all first so they stop in parallel */
        pthread_mutex_lock(&g->mu);
        g->stop_req = 1;
        g->grace = 0;
        wake(g);
        pthread_mutex_unlock(&g->mu);
    }
    while (gs) {
        rt_group *n = gs->next;
        stop_and_free(gs, 0);
        gs = n;
    }
    pthread_mutex_destroy(&rt->mu);
    free(rt->state_dir);
    free(rt);
}

static rt_group *find_locked(emu_rt *rt, const char *id)
{
    for (rt_group *g = rt->groups; g; g = g->next)
        if (strcmp(g->id, id) == 0)
            return g;
    return NULL;
}

/* Find a group and lock it; NULL when unknown. */
static rt_group *lock_group(emu_rt *rt, const char *id)
{
    if (!id)
        return NULL;
    pthread_mutex_lock(&rt->mu);
    rt_group *g = find_locked(rt, id);
    if (g)
        pthread_mutex_lock(&g->mu);
    pthread_mutex_unlock(&rt->mu);
    return g;
}

int emu_rt_simulated(const emu_rt *rt) { return rt && rt->sim; }

int emu_rt_start_group(emu_rt *rt, const emu_rt_group_spec *spec, char *err, size_t errlen)
{
    if (rt->sim)
        return emu_rt_sim_start(rt->sim, spec, err, errlen);
    if (emu_rt_spec_check(spec, err, errlen) < 0)
        return -1;
    rt_group *g = xcalloc(1, sizeof *g);
    g->rt = rt;
    g->id = xstrdup(spec->id);
    g->spec = emu_rt_spec_copy(&g->a, spec);
    pthread_mutex_init(&g->mu, NULL);
    g->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    char *sid = sanitize(spec->id);
    g->dir = xasprintf("%s/groups/%s", rt->state_dir, sid);
    free(sid);
    pthread_mutex_lock(&rt->mu);
    if (find_locked(rt, spec->id)) {
        pthread_mutex_unlock(&rt->mu);
        snprintf(err, errlen, "runtime: group %s already exists", spec->id);
        free(g->dir);
        g->dir = NULL; /* do not remove the live group's state */
        group_free(g);
        return -1;
    }
    if (g->wake_fd < 0 || setup_dirs(g, err, errlen) < 0) {
        pthread_mutex_unlock(&rt->mu);
        if (g->wake_fd < 0)
            snprintf(err, errlen, "runtime: eventfd: %s", strerror(errno));
        group_free(g);
        return -1;
    }
    init_ctrs(g, NULL, 0);
    int ok;
    block_sigpipe_create(&g->thr, group_main, g, &ok);
    if (!ok) {
        pthread_mutex_unlock(&rt->mu);
        snprintf(err, errlen, "runtime: cannot start a thread");
        group_free(g);
        return -1;
    }
    g->thr_started = 1;
    g->next = rt->groups;
    rt->groups = g;
    pthread_mutex_unlock(&rt->mu);
    return 0;
}

int emu_rt_stop_group(emu_rt *rt, const char *id, int grace_seconds)
{
    if (rt->sim)
        return emu_rt_sim_stop(rt->sim, id, grace_seconds);
    pthread_mutex_lock(&rt->mu);
    rt_group *g = find_locked(rt, id);
    if (g && g->stopping)
        g = NULL;
    if (g)
        g->stopping = 1;
    pthread_mutex_unlock(&rt->mu);
    if (!g)
        return -1;
    /* The group stays in the list while its processes stop, so snapshots
     * show each container terminated as it exits (a deleted group is
     * Terminating until then); only then is it unlinked and freed. */
    stop_and_join(g, grace_seconds);
    pthread_mutex_lock(&rt->mu);
    for (rt_group **pp = &rt->groups; *pp; pp = &(*pp)->next)
        if (*pp == g) {
            *pp = g->next;
            break;
        }
    /* whoever found g before the unlink holds its lock (lock_group takes it
     * under rt->mu): wait for them */
    pthread_mutex_lock(&g->mu);
    pthread_mutex_unlock(&g->mu);
    pthread_mutex_unlock(&rt->mu);
    group_free(g);
    return 0;
}

int emu_rt_restart_group(emu_rt *rt, const char *id)
{
    if (rt->sim)
        return emu_rt_sim_restart(rt->sim, id);
    rt_group *g = lock_group(rt, id);
    if (!g)
        return -1;
    g->restart_req = 1;
    wake(g);
    pthread_mutex_unlock(&g->mu);
    return 0;
}

int emu_rt_update_group(emu_rt *rt, const emu_rt_group_spec *spec, char *err, size_t errlen)
{
    if (rt->sim)
        return emu_rt_sim_update(rt->sim, spec, err, errlen);
    if (emu_rt_spec_check(spec, err, errlen) < 0)
        return -1;
    rt_group *g = lock_group(rt, spec->id);
    if (!g) {
        snprintf(err, errlen, "runtime: unknown group %s", spec->id);
        return -1;
    }
    emu_rt_arena_free(&g->next_a);
    g->next_spec = emu_rt_spec_copy(&g->next_a, spec);
    g->restart_req = 1;
    wake(g);
    pthread_mutex_unlock(&g->mu);
    return 0;
}

int emu_rt_group_status_get(emu_rt *rt, const char *id, emu_rt_group_status *out)
{
    return emu_rt_group_status_since(rt, id, 0, out) < 0 ? -1 : 0;
}

int emu_rt_group_status_since(emu_rt *rt, const char *id, uint64_t gen, emu_rt_group_status *out)
{
    if (rt->sim)
        return emu_rt_sim_status(rt->sim, id, gen, out);
    memset(out, 0, sizeof *out);
    rt_group *g = lock_group(rt, id);
    if (!g)
        return -1;
    out->gen = g->gen + 1; /* never 0 */
    if (gen && gen == out->gen) {
        pthread_mutex_unlock(&g->mu);
        return 0;
    }
    out->phase = g->phase;
    out->ncontainers = g->nc;
    out->containers = xcalloc(g->nc + 1, sizeof(emu_rt_container_status));
    for (size_t i = 0; i < g->nc; i++)
        out->containers[i] = g->c[i].st;
    pthread_mutex_unlock(&g->mu);
    return 1;
}

void emu_rt_status_free(emu_rt_group_status *st)
{
    if (!st)
        return;
    free(st->containers);
    st->containers = NULL;
    st->ncontainers = 0;
}

static rt_ctr *find_ctr(rt_group *g, const char *name)
{
    if (!name)
        return g->nc - g->ninit == 1 ? &g->c[g->ninit] : NULL;
    for (size_t i = 0; i < g->nc; i++)
        if (strcmp(g->c[i].st.name, name) == 0 && !g->c[i].is_init)
            return &g->c[i];
    for (size_t i = 0; i < g->nc; i++)
        if (strcmp(g->c[i].st.name, name) == 0)
            return &g->c[i];
    return NULL;
}

int emu_rt_logs(emu_rt *rt, const char *id, const char *container, int previous,
                const struct timespec *since, long tail, long limit_bytes, int timestamps, dynbuf *out)
{
    if (rt->sim)
        return emu_rt_sim_logs(rt->sim, id, container, previous, since, tail, limit_bytes, timestamps, out);
    rt_group *g = lock_group(rt, id);
    if (!g)
        return -1;
    rt_ctr *c = find_ctr(g, container);
    int rc = -1;
    if (c) {
        const emu_rt_log *l = previous ? c->prev : c->log;
        if (l) {
            emu_rt_log_read(l, since, tail, limit_bytes, timestamps, out);
            rc = 0;
        } else {
            rc = previous ? -2 : 0;
        }
    }
    pthread_mutex_unlock(&g->mu);
    return rc;
}

emu_rt_ctx *emu_rt_exec_context(emu_rt *rt, const char *id, const char *container, int tty,
                                char *err, size_t errlen)
{
    rt_group *g = lock_group(rt, id);
    if (!g) {
        snprintf(err, errlen, "container group %s not found", id ? id : "");
        return NULL;
    }
    rt_ctr *c = find_ctr(g, container);
    emu_rt_ctx *ctx = NULL;
    if (!c)
        snprintf(err, errlen, "container %s not found in group %s", container ? container : "", id);
    else if (c->ch.pid <= 0 && !c->idle)
        snprintf(err, errlen, "container %s is not running", c->st.name);
    else
        ctx = build_ctx(g, c, tty, err, errlen);
    pthread_mutex_unlock(&g->mu);
    return ctx;
}

char *emu_rt_exec_session(emu_rt *rt, const char *id, const char *container, const char *const *argv,
                          size_t argc, int tty, int stdin_open, char *err, size_t errlen)
{
    if (!argv || !argc) {
        snprintf(err, errlen, "exec: a command is required");
        return NULL;
    }
    if (rt->sim) {
        emu_rt_sim_exec_session(rt->sim, id, container, err, errlen);
        return NULL;
    }
    emu_rt_ctx *ctx = emu_rt_exec_context(rt, id, container, tty, err, errlen);
    if (!ctx)
        return NULL;
    emu_rt_ctx_free(ctx);
    return emu_rt_execws_add(rt->ws, id, container, argv, argc, tty, stdin_open);
}

int emu_rt_exec_sync(emu_rt *rt, const char *id, const char *container, const char *const *argv,
                     size_t argc, int timeout_seconds, dynbuf *out_stdout, dynbuf *out_stderr,
                     int *exit_code, char *err, size_t errlen)
{
    *exit_code = -1;
    if (!argv || !argc) {
        snprintf(err, errlen, "exec: a command is required");
        return -1;
    }
    if (rt->sim)
        return emu_rt_sim_exec_sync(rt->sim, id, container, argv, argc, out_stdout, exit_code, err, errlen);
    emu_rt_ctx *ctx = emu_rt_exec_context(rt, id, container, 0, err, errlen);
    if (!ctx)
        return -1;
    const char **av = xcalloc(argc + 1, sizeof(char *));
    for (size_t i = 0; i < argc; i++)
        av[i] = argv[i];
    int code = run_to_end(ctx, av, timeout_seconds > 0 ? timeout_seconds : 60, out_stdout, out_stderr,
                          err, errlen);
    free(av);
    emu_rt_ctx_free(ctx);
    if (code < 0)
        return -1;
    *exit_code = code;
    return 0;
}

int emu_rt_usage_get(emu_rt *rt, const char *id, emu_rt_usage **out, size_t *n)
{
    if (rt->sim)
        return emu_rt_sim_usage(rt->sim, id, out, n);
    *out = NULL;
    *n = 0;
    emu_rt_procinfo *ps;
    size_t np;
    emu_rt_proc_list(&ps, &np);
    rt_group *g = lock_group(rt, id);
    if (!g) {
        free(ps);
        return -1;
    }
    size_t cnt = g->nc - g->ninit;
    emu_rt_usage *u = xcalloc(cnt + 1, sizeof *u);
    struct timespec now;
    clock_mono(&now);
    for (size_t i = 0; i < cnt; i++) {
        rt_ctr *c = &g->c[g->ninit + i];
        snprintf(u[i].container, sizeof u[i].container, "%s", c->st.name);
        uint64_t live = 0, rss = 0, shared = 0;
        if (c->ch.pid > 0)
            for (size_t k = 0; k < np; k++)
                if (ps[k].session == c->ch.pid) {
                    live += ps[k].cpu_ns;
                    rss += ps[k].rss_bytes;
                    shared += ps[k].shared_bytes;
                }
        uint64_t cum = c->cpu_done_ns + live;
        if (cum < c->last_cpu_ns)
            cum = c->last_cpu_ns; /* never go backwards */
        if (c->last_sample.tv_sec) {
            double dt = (double)(now.tv_sec - c->last_sample.tv_sec) +
                        (double)(now.tv_nsec - c->last_sample.tv_nsec) / 1e9;
            if (dt >= 0.5) {
                c->rate = (uint64_t)((double)(cum - c->last_cpu_ns) / dt);
                c->last_cpu_ns = cum;
                c->last_sample = now;
            }
        } else {
            double dt = clock_s_since(&c->run_start);
            uint64_t run_cpu = live;
            c->rate = dt > 0.01 && c->ch.pid > 0 ? (uint64_t)((double)run_cpu / dt) : 0;
            c->last_cpu_ns = cum;
            c->last_sample = now;
        }
        if (c->ch.pid <= 0 && !c->idle)
            c->rate = 0;
        u[i].cpu_usage_core_nano_seconds = cum;
        u[i].cpu_usage_nano_cores = c->rate;
        u[i].memory_usage_bytes = rss;
        u[i].memory_working_set_bytes = rss;
        u[i].memory_rss_bytes = rss > shared ? rss - shared : rss;
    }
    pthread_mutex_unlock(&g->mu);
    free(ps);
    *out = u;
    *n = cnt;
    return 0;
}
