/* Kubernetes remote command (exec/attach) independent of the transport:
 * protocol negotiation (SPDY X-Stream-Protocol-Version, WebSocket
 * subprotocols), the options a request carries (command, stdin, stdout,
 * stderr, tty), stream types and WebSocket channel numbers, error-stream
 * payloads (v4 Status JSON with an ExitCode cause; plain text before v4),
 * terminal resize messages, the backend interface that runs the command, a
 * local-process backend, and a session object that joins a transport to a
 * backend.
 *
 * Backend contract (rc_backend): start() launches the command and returns at
 * once; output flows through rc_output.write from whatever thread the backend
 * uses; wait() blocks until the command has ended and all its output has been
 * written; cancel() (any thread, any time before release) makes wait() return
 * soon; release() frees the handle after wait() returned. write_stdin,
 * close_stdin and resize are called from the connection's thread, never
 * concurrently with each other (write_stdin and close_stdin come from the
 * session's stdin thread; resize from the connection's thread). */
#ifndef PROVIDER_REMOTECOMMAND_H
#define PROVIDER_REMOTECOMMAND_H

#include <stddef.h>
#include <stdint.h>

#include "util/kv.h"

#define RC_PROTO_V1_NAME "channel.k8s.io"
#define RC_PROTO_V2_NAME "v2.channel.k8s.io"
#define RC_PROTO_V3_NAME "v3.channel.k8s.io"
#define RC_PROTO_V4_NAME "v4.channel.k8s.io"
#define RC_PROTO_V5_NAME "v5.channel.k8s.io"
#define RC_PROTO_BASE64_NAME "base64.channel.k8s.io"
#define RC_PROTO_V4_BASE64_NAME "v4.base64.channel.k8s.io"

typedef enum rc_proto {
    RC_PROTO_V1 = 1,
    RC_PROTO_V2 = 2,
    RC_PROTO_V3 = 3,
    RC_PROTO_V4 = 4,
    RC_PROTO_V5 = 5,
} rc_proto;

/* Stream types; the values are the WebSocket channel numbers. */
typedef enum rc_stream {
    RC_STREAM_UNKNOWN = -1,
    RC_STREAM_STDIN = 0,
    RC_STREAM_STDOUT = 1,
    RC_STREAM_STDERR = 2,
    RC_STREAM_ERROR = 3,
    RC_STREAM_RESIZE = 4,
} rc_stream;
#define RC_WS_CLOSE_CHANNEL 255

/* The protocols this server speaks, in preference order. SPDY: v4, v3, v2,
 * channel.k8s.io (like the kubelet). WebSocket: v5, v4, v4.base64, v3, v2,
 * channel.k8s.io, base64.channel.k8s.io. Static arrays. */
const char *const *rc_spdy_protocols(size_t *n);
const char *const *rc_ws_protocols(size_t *n);

/* Choose the SPDY protocol: the first X-Stream-Protocol-Version value (all
 * header lines, comma lists, client order) that the server supports. Returns
 * a static name, or NULL; *present is 0 when the header is absent. */
const char *rc_negotiate_spdy(const kv_list *headers, int *present);

/* Version and encoding of a protocol name (SPDY or WebSocket); "" counts as
 * channel.k8s.io (a WebSocket client that offers no subprotocol). Returns 0,
 * or -1 for an unknown name. */
int rc_proto_parse(const char *name, rc_proto *proto, int *base64);

/* Exec/attach options from the kubelet query (input, output, error, tty,
 * command...). */
typedef struct rc_options {
    char **argv; /* NULL-terminated; argc == 0 for attach */
    size_t argc;
    int in, out, err, tty;
} rc_options;

/* Parse query into opts (caller frees with rc_options_free). need_command:
 * exec requires at least one command. tty with error forces error off.
 * Returns 0, or -1 with a message for a 400 in err. */
int rc_options_parse(const kv_list *query, int need_command, rc_options *opts, char *err, size_t errlen);
void rc_options_free(rc_options *opts);

/* How many SPDY streams the client opens: error + each of stdin/stdout/stderr
 * + resize (tty and protocol >= v3). */
size_t rc_expected_streams(const rc_options *opts, rc_proto proto);

/* streamtype header value ("error", "stdin", ...) → stream, or RC_STREAM_UNKNOWN. */
rc_stream rc_stream_parse(const char *streamtype);
const char *rc_stream_name(rc_stream s);

/* Error-stream payload for how the command ended: exit_code >= 0 is the exit
 * status; exit_code < 0 is an internal error described by msg. v4/v5: Status
 * JSON (also on success); before v4: NULL on success, else the message text.
 * Caller frees; *len receives the length. */
char *rc_status_payload(rc_proto proto, int exit_code, const char *msg, size_t *len);

/* Resize stream decoder: a stream of JSON objects {"Width":80,"Height":24}
 * (keys in any case), split across arbitrary chunks. */
typedef struct rc_resize_parser rc_resize_parser;
typedef void (*rc_resize_cb)(void *ud, uint16_t width, uint16_t height);
/* New parser; caller frees with rc_resize_parser_free. */
rc_resize_parser *rc_resize_parser_new(void);
void rc_resize_parser_free(rc_resize_parser *p);
/* Feed bytes; cb for each complete size. Returns 0, or -1 with a message on
 * malformed input or an object over 4 KiB (the parser then stays failed). */
int rc_resize_feed(rc_resize_parser *p, const void *buf, size_t len, rc_resize_cb cb, void *ud, char *err,
                   size_t errlen);

/* ---- backend ---- */

/* What to run it in. Strings borrowed for the duration of start(). */
typedef struct rc_target {
    const char *kind; /* "exec" or "attach" */
    const char *namespace_;
    const char *pod;
    const char *container;
    const char *uid; /* "" when the request named none */
} rc_target;

/* Output sink handed to start(): fd 1 stdout, 2 stderr. Returns 0, or -1 when
 * the client is gone (the backend should stop producing). Thread-safe. */
typedef struct rc_output {
    int (*write)(void *ctx, int fd, const void *p, size_t n);
    void *ctx;
} rc_output;

typedef struct rc_proc rc_proc; /* defined by each backend */

typedef struct rc_backend {
    void *ud;
    /* Launch; returns a handle, or NULL with a message in err. out stays
     * valid until release(). */
    rc_proc *(*start)(void *ud, const rc_target *t, const rc_options *o, const rc_output *out, char *err,
                      size_t errlen);
    int (*write_stdin)(rc_proc *p, const void *data, size_t n); /* 0 or -1 */
    void (*close_stdin)(rc_proc *p);
    void (*resize)(rc_proc *p, uint16_t width, uint16_t height);
    /* 0 with *exit_code set, or -1 with a message (internal failure). */
    int (*wait)(rc_proc *p, int *exit_code, char *msg, size_t msglen);
    void (*cancel)(rc_proc *p);
    void (*release)(rc_proc *p);
} rc_backend;

/* Backend that runs the command as a local process (fork/exec of argv, a pty
 * when tty). For tests and as a reference; attach is refused. Static. A
 * blocked stdin pipe blocks write_stdin. */
const rc_backend *rc_local_backend(void);

/* ---- session: one exec/attach joined to a transport ---- */

/* What the session sends through. Thread-safe: called from the session's
 * pump thread. send_data: payload on a stream; close_stream: half-close it
 * (SPDY FIN; WebSocket: nothing); finish: the session is over, close the
 * connection after flushing. */
typedef struct rc_transport {
    int (*send_data)(void *ctx, rc_stream s, const void *p, size_t n);
    void (*close_stream)(void *ctx, rc_stream s);
    void (*finish)(void *ctx);
    void *ctx;
} rc_transport;

typedef struct rc_session rc_session;

/* New session (copies target strings; keeps pointers to b, opts and tr,
 * which must outlive it). Caller frees with rc_session_free. */
rc_session *rc_session_new(const rc_backend *b, const rc_target *t, const rc_options *opts, rc_proto proto,
                           const rc_transport *tr);
/* Start the command and the pump thread (which waits for the command, sends
 * the status on the error stream, closes the output streams and calls
 * finish). On start failure the status is sent and finish called at once, and
 * -1 is returned with the message in err. */
int rc_session_start(rc_session *s, char *err, size_t errlen);
/* From the transport (connection thread). Stdin is queued (at most
 * RC_STDIN_QUEUE_CAP bytes) and written to the backend by the session's stdin
 * thread, so a command that does not read never blocks the connection: the
 * transport stops reading from its socket while rc_session_stdin_room is
 * low. rc_session_stdin returns -1 when the bytes do not fit (dropped). Data
 * queued before rc_session_start is delivered once the command runs. */
#define RC_STDIN_QUEUE_CAP ((size_t)1 << 20)
int rc_session_stdin(rc_session *s, const void *p, size_t n);
size_t rc_session_stdin_room(rc_session *s);
void rc_session_stdin_eof(rc_session *s);
void rc_session_resize(rc_session *s, const void *p, size_t n);
/* The client went away: stop the command. */
void rc_session_cancel(rc_session *s);
/* 1 once the pump thread has finished. */
int rc_session_done(rc_session *s);
/* Cancel if still running, join the pump thread, free. NULL is fine. */
void rc_session_free(rc_session *s);

#endif
