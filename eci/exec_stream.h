/* The bridge's exec stream client: connects to the WebSocketUri that
 * ExecContainerCommand returns (ws:// or wss://, TLS verified by default)
 * and speaks the channel framing of eci/exec_channel.h. A simple threaded
 * API: one libwebsockets service thread per open stream; the caller writes
 * stdin, resizes, closes stdin, and receives stdout/stderr either through a
 * callback (run on the stream thread) or with the blocking eci_exec_read.
 * Every buffer is capped. Closing either side closes the other. */
#ifndef ECI_EXEC_STREAM_H
#define ECI_EXEC_STREAM_H

#include <stddef.h>
#include <sys/types.h>

#include "eci/error.h"

typedef struct eci_exec_stream eci_exec_stream;

/* Called on the stream thread with stdout (channel 1) or stderr (channel 2)
 * bytes; while it runs no more output is read (back-pressure). It may call
 * eci_exec_resize / _close_stdin / _cancel, but not eci_exec_write_stdin
 * (which can block waiting for this thread) nor eci_exec_free. */
typedef void (*eci_exec_output_fn)(void *ud, int channel, const void *data, size_t len);

typedef struct eci_exec_opts {
    const char *ca_file;          /* PEM CA bundle for wss:// (NULL: the system trust store) */
    int insecure_skip_verify;     /* 1: accept any server certificate (tests only) */
    int connect_timeout_ms;       /* <=0: 15000 */
    eci_exec_output_fn on_output; /* NULL: buffer output for eci_exec_read */
    void *ud;
    size_t max_buffered;          /* cap of buffered output and of pending stdin; 0: 1 MiB */
    const char *protocols;        /* Sec-WebSocket-Protocol offer; NULL: K8SCHAN_CLIENT_OFFER */
} eci_exec_opts;

/* Connect and wait for the WebSocket handshake. Returns a stream the caller
 * frees with eci_exec_free, or NULL with err (ECI_E_INVALID_ARG for a bad
 * URI, ECI_E_HTTP for a refused connection or handshake, ECI_E_TIMEOUT).
 * opts may be NULL; it is copied. */
eci_exec_stream *eci_exec_open(const char *uri, const eci_exec_opts *opts, eci_error *err);

/* The negotiated subprotocol ("" when the server chose none). Borrowed. */
const char *eci_exec_protocol(const eci_exec_stream *s);

/* Queue stdin bytes (copied), blocking while the pending stdin is at its cap.
 * Returns 0, or -1 once the stream has ended. */
int eci_exec_write_stdin(eci_exec_stream *s, const void *data, size_t len);
/* Signal stdin EOF (v5 CLOSE). Returns 0, or -1 when the stream ended or the
 * negotiated protocol has no CLOSE signal (pre-v5 servers). */
int eci_exec_close_stdin(eci_exec_stream *s);
/* Send a terminal size. 0, or -1 once the stream has ended. */
int eci_exec_resize(eci_exec_stream *s, unsigned width, unsigned height);

/* Blocking read of buffered output (only without on_output): copies up to
 * len bytes of one channel's data into buf and sets *channel. Returns the
 * byte count, 0 at the end of the stream, or -1 when timeout_ms (>=0)
 * passed first. */
ssize_t eci_exec_read(eci_exec_stream *s, int *channel, void *buf, size_t len, int timeout_ms);

/* Wait (timeout_ms < 0: forever) for the stream to end. Returns 0 with
 * *exit_code (0-255) from the status message, or -1 with err: ECI_E_API when
 * the remote reported a failure (its message in err->message), ECI_E_HTTP when
 * the connection ended without a status, ECI_E_TIMEOUT. */
int eci_exec_wait(eci_exec_stream *s, int timeout_ms, int *exit_code, eci_error *err);

/* Close the connection (any thread); the remote side kills the command. */
void eci_exec_cancel(eci_exec_stream *s);
/* Cancel if still open, join the stream thread and free. NULL is fine. */
void eci_exec_free(eci_exec_stream *s);

#endif
