/* Kubernetes remote command (exec/attach) independent of the transport:
 * protocol negotiation (SPDY X-Stream-Protocol-Version, WebSocket
 * subprotocols), the options a request carries (command, stdin, stdout,
 * stderr, tty), stream types and WebSocket channel numbers, error-stream
 * payloads (v4 Status JSON with an ExitCode cause; plain text before v4),
 * terminal resize messages, the backend interface that runs the command, a
 * local-process backend, and a session object that joins a transport to a
 * backend.
 *
 * Backend contract (kubelet_rc_backend): start() launches the command and returns at
 * once; output flows through kubelet_rc_output.write from whatever thread the backend
 * uses; wait() blocks until the command has ended and all its output has been
 * written; cancel() (any thread, any time before release) makes wait() return
 * soon; release() frees the handle after wait() returned. write_stdin,
 * close_stdin and resize are called from the connection's thread, never
 * concurrently with each other (write_stdin and close_stdin come from the
 * session's stdin thread; resize from the connection's thread). */
#ifndef PROVIDER_KUBELET_REMOTECOMMAND_H
#define PROVIDER_KUBELET_REMOTECOMMAND_H

#include <stddef.h>
#include <stdint.h>

#include "util/k8schan.h"
#include "util/kv.h"

typedef enum kubelet_rc_proto {
    KUBELET_RC_PROTO_V1 = 1,
    KUBELET_RC_PROTO_V2 = 2,
    KUBELET_RC_PROTO_V3 = 3,
    KUBELET_RC_PROTO_V4 = 4,
    KUBELET_RC_PROTO_V5 = 5,
} kubelet_rc_proto;

/* Stream types; the values are the WebSocket channel numbers. */
typedef enum kubelet_rc_stream {
    KUBELET_RC_STREAM_UNKNOWN = -1,
    KUBELET_RC_STREAM_STDIN = K8SCHAN_STDIN,
    KUBELET_RC_STREAM_STDOUT = K8SCHAN_STDOUT,
    KUBELET_RC_STREAM_STDERR = K8SCHAN_STDERR,
    KUBELET_RC_STREAM_ERROR = K8SCHAN_ERROR,
    KUBELET_RC_STREAM_RESIZE = K8SCHAN_RESIZE,
} kubelet_rc_stream;

/* The protocols this server speaks, in preference order. SPDY: v4, v3, v2,
 * channel.k8s.io (like the kubelet). WebSocket: v5, v4, v4.base64, v3, v2,
 * channel.k8s.io, base64.channel.k8s.io. Static arrays. */
const char *const *kubelet_rc_spdy_protocols(size_t *n);
const char *const *kubelet_rc_ws_protocols(size_t *n);

/* Choose the SPDY protocol: the first X-Stream-Protocol-Version value (all
 * header lines, comma lists, client order) that the server supports. Returns
 * a static name, or NULL; *present is 0 when the header is absent. */
const char *kubelet_rc_negotiate_spdy(const kv_list *headers, int *present);

/* Exec/attach options from the kubelet query (input, output, error, tty,
 * command...). */
typedef struct kubelet_rc_options {
    char **argv; /* NULL-terminated; argc == 0 for attach */
    size_t argc;
    int in, out, err, tty;
} kubelet_rc_options;

/* Parse query into opts (caller frees with kubelet_rc_options_free). need_command:
 * exec requires at least one command. tty with error forces error off.
 * Returns 0, or -1 with a message for a 400 in err. */
int kubelet_rc_options_parse(const kv_list *query, int need_command, kubelet_rc_options *opts, char *err, size_t errlen);
void kubelet_rc_options_free(kubelet_rc_options *opts);

/* How many SPDY streams the client opens: error + each of stdin/stdout/stderr
 * + resize (tty and protocol >= v3). */
size_t kubelet_rc_expected_streams(const kubelet_rc_options *opts, kubelet_rc_proto proto);

/* streamtype header value ("error", "stdin", ...) → stream, or KUBELET_RC_STREAM_UNKNOWN. */
kubelet_rc_stream kubelet_rc_stream_parse(const char *streamtype);
const char *kubelet_rc_stream_name(kubelet_rc_stream s);


/* ---- backend ---- */

/* What to run it in. Strings borrowed for the duration of start(). */
typedef struct kubelet_rc_target {
    const char *kind; /* "exec" or "attach" */
    const char *namespace_;
    const char *pod;
    const char *container;
    const char *uid; /* "" when the request named none */
} kubelet_rc_target;

/* Output sink handed to start(): fd 1 stdout, 2 stderr. Returns 0, or -1 when
 * the client is gone (the backend should stop producing). Thread-safe. */
typedef struct kubelet_rc_output {
    int (*write)(void *ctx, int fd, const void *p, size_t n);
    void *ctx;
} kubelet_rc_output;

typedef struct kubelet_rc_proc kubelet_rc_proc; /* defined by each backend */

typedef struct kubelet_rc_backend {
    void *ud;
    /* Optional, before the connection is upgraded: 0 to go on, or the HTTP
     * status to refuse with (err: the plain-text body), as the kubelet's
     * streaming server answers what its runtime refuses. */
    int (*check)(void *ud, const kubelet_rc_target *t, const kubelet_rc_options *o, char *err, size_t errlen);
    /* Launch; returns a handle, or NULL with a message in err. out stays
     * valid until release(). */
    kubelet_rc_proc *(*start)(void *ud, const kubelet_rc_target *t, const kubelet_rc_options *o, const kubelet_rc_output *out, char *err,
                      size_t errlen);
    int (*write_stdin)(kubelet_rc_proc *p, const void *data, size_t n); /* 0 or -1 */
    void (*close_stdin)(kubelet_rc_proc *p);
    void (*resize)(kubelet_rc_proc *p, uint16_t width, uint16_t height);
    /* 0 with *exit_code set, or -1 with a message (internal failure). */
    int (*wait)(kubelet_rc_proc *p, int *exit_code, char *msg, size_t msglen);
    void (*cancel)(kubelet_rc_proc *p);
    void (*release)(kubelet_rc_proc *p);
} kubelet_rc_backend;

/* Backend that runs the command as a local process (fork/exec of argv, a pty
 * when tty). For tests and as a reference; attach is refused. Static. A
 * blocked stdin pipe blocks write_stdin. */
const kubelet_rc_backend *kubelet_rc_local_backend(void);

/* ---- session: one exec/attach joined to a transport ---- */

/* What the session sends through. Thread-safe: called from the session's
 * pump thread. send_data: payload on a stream; close_stream: half-close it
 * (SPDY FIN; WebSocket: nothing); finish: the session is over, close the
 * connection after flushing. */
typedef struct kubelet_rc_transport {
    int (*send_data)(void *ctx, kubelet_rc_stream s, const void *p, size_t n);
    void (*close_stream)(void *ctx, kubelet_rc_stream s);
    void (*finish)(void *ctx);
    void *ctx;
} kubelet_rc_transport;

typedef struct kubelet_rc_session kubelet_rc_session;

/* New session (copies target strings; keeps pointers to b, opts and tr,
 * which must outlive it). Caller frees with kubelet_rc_session_free. */
kubelet_rc_session *kubelet_rc_session_new(const kubelet_rc_backend *b, const kubelet_rc_target *t, const kubelet_rc_options *opts, kubelet_rc_proto proto,
                           const kubelet_rc_transport *tr);
/* Start the command and the pump thread (which waits for the command, sends
 * the status on the error stream, closes the output streams and calls
 * finish). On start failure the status is sent and finish called at once, and
 * -1 is returned with the message in err. */
int kubelet_rc_session_start(kubelet_rc_session *s, char *err, size_t errlen);
/* From the transport (connection thread). Stdin is queued (at most
 * KUBELET_RC_STDIN_QUEUE_CAP bytes) and written to the backend by the session's stdin
 * thread, so a command that does not read never blocks the connection: the
 * transport stops reading from its socket while kubelet_rc_session_stdin_room is
 * low. kubelet_rc_session_stdin returns -1 when the bytes do not fit (dropped). Data
 * queued before kubelet_rc_session_start is delivered once the command runs. */
#define KUBELET_RC_STDIN_QUEUE_CAP ((size_t)1 << 20)
int kubelet_rc_session_stdin(kubelet_rc_session *s, const void *p, size_t n);
size_t kubelet_rc_session_stdin_room(kubelet_rc_session *s);
void kubelet_rc_session_stdin_eof(kubelet_rc_session *s);
void kubelet_rc_session_resize(kubelet_rc_session *s, const void *p, size_t n);
/* The client went away: stop the command. */
void kubelet_rc_session_cancel(kubelet_rc_session *s);
/* 1 once the pump thread has finished. */
int kubelet_rc_session_done(kubelet_rc_session *s);
/* Cancel if still running, join the pump thread, free. NULL is fine. */
void kubelet_rc_session_free(kubelet_rc_session *s);

#endif
