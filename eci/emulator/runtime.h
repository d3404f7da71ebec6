/* The emulator's container runtime: runs a container group's containers as
 * local processes (init containers first, in order), mounts its volumes in a
 * private mount namespace, keeps each container's state, restart count and
 * logs, serves exec sessions, and measures CPU and memory. In simulated mode
 * (emu_rt_options.simulated) it runs no process at all: the same state
 * machine advances on timers derived from each container's command, logs
 * and usage are synthetic and deterministic (see docs/emulator-runtime.md).
 *
 * The API side (eci/emulator/api*.c) owns validation, the ECI-level group
 * status (Scheduling/Pending/Running/...), events shown to clients and the
 * ledger; it drives this module and reads container snapshots from it.
 *
 * Thread safety: every function may be called from any thread. */
#ifndef ECI_EMULATOR_RUNTIME_H
#define ECI_EMULATOR_RUNTIME_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "util/dynbuf.h"
#include "util/kv.h"

typedef struct emu_rt emu_rt;

typedef enum {
    EMU_VOL_EMPTYDIR = 0,
    EMU_VOL_CONFIGFILE,
    EMU_VOL_NFS,       /* served from a local directory named by nfs_server:nfs_path */
    EMU_VOL_OTHER,     /* accepted but backed by an empty directory */
} emu_rt_vol_type;

typedef struct emu_rt_file {
    const char *path;    /* relative to the volume root */
    const char *content; /* bytes (already base64-decoded) */
    size_t len;
    int mode;            /* permission bits; 0: 0644 */
} emu_rt_file;

typedef struct emu_rt_volume {
    const char *name;
    emu_rt_vol_type type;
    const char *medium;  /* EmptyDir: "" or "Memory" */
    const emu_rt_file *files;
    size_t nfiles;
    const char *nfs_server, *nfs_path;
    int read_only;
    const char *size_limit; /* EmptyDir "Memory": the tmpfs size ("256Mi", "1Gi", bytes); NULL: none */
} emu_rt_volume;

typedef struct emu_rt_mount {
    const char *volume;     /* name of a volume of the group */
    const char *mount_path; /* absolute path inside the container */
    const char *sub_path;   /* may be NULL */
    int read_only;
} emu_rt_mount;

/* A probe: an exec command, a TCP connect or an HTTP GET against the
 * container (processes share the host network, so 127.0.0.1). All fields 0
 * (the default of a zeroed struct): no probe. A container without a command
 * is not probed (always ready). */
typedef struct emu_rt_probe {
    const char *const *argv;  /* Exec action: Command, run in the container's context */
    size_t argc;
    int tcp_port;             /* TCPSocket action when > 0 and argc is 0 */
    const char *http_path;    /* HTTPGet action when non-NULL and argc is 0: http://127.0.0.1:http_port/path */
    int http_port;
    const char *http_scheme;  /* "HTTPS": https without certificate checks, as the kubelet probes; else HTTP */
    int initial_delay_seconds;
    int period_seconds;       /* <=0: 10 */
    int timeout_seconds;      /* <=0: 1 */
    int success_threshold;    /* <=0: 1 */
    int failure_threshold;    /* <=0: 3 */
} emu_rt_probe;

/* A lifecycle hook (postStart / preStop): an exec command run in the
 * container's context, an HTTP GET, or a TCP connect (hosts default to
 * 127.0.0.1: processes share the host network). All zero: no hook. */
typedef struct emu_rt_hook {
    const char *const *argv;
    size_t argc;
    int http_port;            /* HttpGet when > 0 */
    const char *http_host, *http_path, *http_scheme; /* may be NULL ("/", "HTTP") */
    const kv_list *http_headers;                     /* may be NULL */
    int tcp_port;             /* TcpSocket when > 0 */
    const char *tcp_host;
} emu_rt_hook;

typedef struct emu_rt_container {
    const char *name;
    const char *image;
    const char *const *argv; /* Command then Args; argc 0 means "no runnable command": idle until deleted */
    size_t argc;
    const kv_list *env;      /* may be NULL */
    const char *working_dir; /* may be NULL */
    const emu_rt_mount *mounts;
    size_t nmounts;
    int tty, stdin_open;
    long run_as_user;        /* -1: unset */
    long run_as_group;       /* -1: unset (0 in a zeroed struct is root's group) */
    int run_as_non_root;     /* 1: refuse to start as uid 0 (CreateContainerConfigError) */
    int privileged;          /* 1: every capability; else the default set plus cap_add */
    const char *const *cap_add; /* "NET_ADMIN", "NET_RAW"; may be NULL */
    size_t ncap_add;
    int read_only_root;      /* 1: "/" is mounted read-only (volumes keep their own mode) */
    const char *termination_message_path;  /* NULL: /dev/termination-log */
    int termination_fallback_to_logs;      /* FallbackToLogsOnError */
    emu_rt_hook post_start, pre_stop;
    emu_rt_probe readiness;  /* ready only while it passes (Unhealthy events when it fails) */
    emu_rt_probe liveness;   /* failure_threshold failures in a row kill the container (restart policy applies) */
} emu_rt_container;

typedef struct emu_rt_group_spec {
    const char *id;             /* ContainerGroupId */
    const char *restart_policy; /* "Always" (default), "OnFailure", "Never" */
    const emu_rt_container *init_containers;
    size_t ninit;
    const emu_rt_container *containers;
    size_t ncontainers;
    const emu_rt_volume *volumes;
    size_t nvolumes;
    const char *hostname;      /* written to /etc/hostname view; may be NULL */
    const kv_list *host_aliases; /* ip -> "name1 name2"; may be NULL */
    const char *dns_policy;    /* "None": resolv.conf from the DNS fields only; else the host's plus them */
    const char *const *dns_nameservers;
    size_t ndns_nameservers;
    const char *const *dns_searches;
    size_t ndns_searches;
    const kv_list *dns_options; /* name -> value ("" for a bare option); may be NULL */
    int termination_grace_seconds; /* <0: default 30 */
} emu_rt_group_spec;

typedef enum {
    EMU_CS_WAITING = 0,
    EMU_CS_RUNNING,
    EMU_CS_TERMINATED,
} emu_rt_state_kind;

typedef struct emu_rt_state {
    emu_rt_state_kind kind;
    char reason[64];      /* "Started", "Completed", "Error", "PodInitializing", ... */
    char message[1024];   /* also the termination message (cut at 1 KiB) */
    int exit_code;
    int signal;
    time_t start_time, finish_time; /* 0 when not set */
} emu_rt_state;

typedef struct emu_rt_container_status {
    char name[64];
    int is_init;
    emu_rt_state current;
    emu_rt_state previous; /* kind WAITING with empty reason when there is none */
    int restart_count;
    int ready;
} emu_rt_container_status;

typedef enum {
    EMU_GS_STARTING = 0, /* init containers running */
    EMU_GS_RUNNING,
    EMU_GS_SUCCEEDED,
    EMU_GS_FAILED,
    EMU_GS_STOPPED,      /* emu_rt_stop_group done */
} emu_rt_group_phase;

typedef struct emu_rt_group_status {
    emu_rt_group_phase phase;
    uint64_t gen;  /* grows whenever the group's status changes */
    int64_t next_change_ms; /* CLOCK_MONOTONIC ms before which the status cannot change
                             * unless the group is restarted, updated or stopped
                             * (simulated runtime); 0: unknown, look again soon */
    emu_rt_container_status *containers; /* init containers first, then containers */
    size_t ncontainers;
} emu_rt_group_status;

/* Called from a runtime thread when something a client should see happens
 * (reason like "Pulled", "Created", "Started", "BackOff", "Killing"; type
 * "Normal" or "Warning"). Must not call back into the runtime. */
typedef void (*emu_rt_event_fn)(void *ud, const char *group_id, const char *container,
                                const char *type, const char *reason, const char *message);

typedef struct emu_rt_options {
    const char *state_dir;   /* where volumes and rootfs views live; created if missing */
    const char *exec_listen; /* "127.0.0.1:PORT" for exec WebSockets; port 0 picks one */
    emu_rt_event_fn on_event;
    void *event_ud;
    int no_namespaces;       /* 1: plain processes with volumes under state_dir (no mount namespace) */
    int simulated;           /* 1: no process, no state on disk: the state machine on timers */
} emu_rt_options;

/* Create the runtime and start its reaper and exec server threads.
 * Returns NULL with a message in err. Free with emu_rt_free (stops every group). */
emu_rt *emu_rt_new(const emu_rt_options *opt, char *err, size_t errlen);
void emu_rt_free(emu_rt *rt);

/* Start a group; the spec is copied. Returns 0, or -1 with err. */
int emu_rt_start_group(emu_rt *rt, const emu_rt_group_spec *spec, char *err, size_t errlen);
/* Stop every process of a group (pre-stop hooks, SIGTERM, SIGKILL after the
 * grace period) and forget it, removing its state. Blocks until the
 * processes are gone; meanwhile the group's snapshots show each container
 * terminated as it exits. Unknown id, or a stop already under way: -1.
 * Not concurrently with emu_rt_free. */
int emu_rt_stop_group(emu_rt *rt, const char *id, int grace_seconds);
/* Restart all containers (RestartContainerGroup); restart counts increase. */
int emu_rt_restart_group(emu_rt *rt, const char *id);
/* Replace the spec (UpdateContainerGroup) and restart with it. */
int emu_rt_update_group(emu_rt *rt, const emu_rt_group_spec *spec, char *err, size_t errlen);

/* Snapshot of a group's containers. Fills *out (free with emu_rt_status_free).
 * Returns -1 when the group is unknown. */
int emu_rt_group_status_get(emu_rt *rt, const char *id, emu_rt_group_status *out);
void emu_rt_status_free(emu_rt_group_status *st);
/* Like emu_rt_group_status_get, but only when the status changed since the
 * snapshot whose gen is given (0: any): 1 with *out filled, 0 unchanged
 * (*out holds only gen and next_change_ms), -1 unknown group. */
int emu_rt_group_status_since(emu_rt *rt, const char *id, uint64_t gen, emu_rt_group_status *out);
/* 1 when the runtime is simulated (emu_rt_options.simulated). */
int emu_rt_simulated(const emu_rt *rt);

/* Append a container's log to out. previous: the last terminated run.
 * since: only lines at or after this time (0: all). tail: last N lines
 * (<0: all). limit_bytes: cap (<=0: none). timestamps: prefix each line with
 * its RFC 3339 nano time and a space. Returns -1 for unknown group/container. */
int emu_rt_logs(emu_rt *rt, const char *id, const char *container, int previous,
                const struct timespec *since, long tail, long limit_bytes, int timestamps,
                dynbuf *out);

/* Create an exec session in a container's context (its mount namespace,
 * environment and working directory; a pty when tty). Returns a fresh
 * "ws://host:port/exec/<token>" URI (caller frees) that serves the session
 * once, with the channel framing of util/k8schan.h; NULL with err. */
char *emu_rt_exec_session(emu_rt *rt, const char *id, const char *container,
                          const char *const *argv, size_t argc, int tty, int stdin_open,
                          char *err, size_t errlen);
/* Run a command to completion (ExecContainerCommand Sync=true). */
int emu_rt_exec_sync(emu_rt *rt, const char *id, const char *container,
                     const char *const *argv, size_t argc, int timeout_seconds,
                     dynbuf *out_stdout, dynbuf *out_stderr, int *exit_code,
                     char *err, size_t errlen);

typedef struct emu_rt_usage {
    char container[64];
    uint64_t cpu_usage_core_nano_seconds; /* cumulative */
    uint64_t cpu_usage_nano_cores;        /* recent rate */
    uint64_t memory_working_set_bytes;
    uint64_t memory_rss_bytes;
    uint64_t memory_usage_bytes;
} emu_rt_usage;

/* Real usage of each container's processes (from /proc). *out is an array the
 * caller frees; *n its length. -1 for an unknown group. */
int emu_rt_usage_get(emu_rt *rt, const char *id, emu_rt_usage **out, size_t *n);

#endif
