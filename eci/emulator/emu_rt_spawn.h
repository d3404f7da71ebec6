/* Starting a process in a container's context: its environment, working
 * directory, user, and (when namespaces are on) a private mount namespace
 * with the container's volumes bound at their mount paths, or the mount
 * namespace of a running process of that container. Internal to the
 * emulator's runtime (runtime.c and emu_rt_execws.c). */
#ifndef ECI_EMULATOR_EMU_RT_SPAWN_H
#define ECI_EMULATOR_EMU_RT_SPAWN_H

#include <stddef.h>
#include <sys/types.h>

/* The capability mask of an unprivileged container (ECI's default set)
 * plus the named extra capabilities ("NET_ADMIN", "NET_RAW", with or
 * without "CAP_"); unknown names are ignored. */
unsigned long long emu_rt_default_caps(const char *const *add, size_t nadd);

typedef struct emu_rt_bind {
    char *src; /* host path (directory or file) */
    char *dst; /* absolute path inside the namespace */
    int ro;
} emu_rt_bind;

/* Everything needed to run a process "inside" a container. Owned by whoever
 * builds it; free with emu_rt_ctx_free. */
typedef struct emu_rt_ctx {
    char **envp;      /* NULL-terminated "K=V" strings */
    char *workdir;    /* NULL: "/" */
    long uid;         /* -1: unchanged */
    long gid;         /* -1: unchanged; else the only group (primary and supplementary) */
    int limit_caps;   /* 1: keep only the capabilities in caps (bounding set) */
    unsigned long long caps; /* bit N: capability N */
    int ro_root;      /* 1: "/" read-only in a new mount namespace (after the binds) */
    int use_ns;       /* 1: build a private mount (and UTS) namespace from binds */
    emu_rt_bind *binds;
    size_t nbinds;
    char *hostname;   /* set in the new UTS namespace; may be NULL */
    pid_t join_pid;   /* >0: join this process's mount/UTS namespaces instead when possible */
} emu_rt_ctx;

void emu_rt_ctx_free(emu_rt_ctx *ctx);
/* A deep copy; caller frees with emu_rt_ctx_free. */
emu_rt_ctx *emu_rt_ctx_dup(const emu_rt_ctx *ctx);

typedef enum {
    EMU_STDIO_LOG = 0, /* stdout and stderr on one pipe (out_fd) */
    EMU_STDIO_PIPES,   /* separate out_fd and err_fd */
    EMU_STDIO_PTY,     /* a pty: out_fd is the master, in_fd a duplicate of it */
} emu_rt_stdio;

typedef struct emu_rt_child {
    pid_t pid;  /* also its process group and session id */
    int pidfd;  /* readable when the process exits */
    int in_fd;  /* write end of stdin, -1 when stdin is /dev/null */
    int out_fd;
    int err_fd; /* -1 unless EMU_STDIO_PIPES */
} emu_rt_child;

/* Fork and exec argv[0] (PATH lookup in the context's environment) in ctx.
 * keep_stdin: give the process a stdin the caller holds (in_fd), else
 * /dev/null (a pty always has one). All returned fds are close-on-exec and
 * non-blocking. Returns 0, or -1 with err ("exec: \"x\": executable file not
 * found in $PATH", "chdir /x: ..."); the child is reaped on failure. */
int emu_rt_spawn(const emu_rt_ctx *ctx, const char *const *argv, emu_rt_stdio stdio,
                 int keep_stdin, unsigned short rows, unsigned short cols,
                 emu_rt_child *out, char *err, size_t errlen);
/* Close every fd of a child (not the pidfd's process: it is not waited). */
void emu_rt_child_close_fds(emu_rt_child *c);
/* Reap the exited child (blocking waitpid). Returns the status as an exit
 * code (128+signal when killed), *sig the signal or 0. */
int emu_rt_child_reap(emu_rt_child *c, int *sig, unsigned long long *cpu_ns);

/* 1 when this process can create private mount namespaces (root, unshare
 * works), probed with a short-lived child. */
int emu_rt_ns_available(void);

/* Kill every process of the session sid (the process group, then any
 * straggler found in /proc with that session id). */
void emu_rt_kill_session(pid_t sid, int sig);

#endif
