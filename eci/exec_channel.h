/* The wire framing of exec WebSockets: the Kubernetes channel protocol
 * (binary messages whose first byte names the channel: 0 stdin, 1 stdout,
 * 2 stderr, 3 status JSON, 4 resize JSON, 255 v5 CLOSE), the v4/v5 status
 * JSON on the error channel and the resize JSON. Both the bridge's exec
 * client and the emulator's exec server use this module, so the framing can
 * change here in one place. Pure functions over bytes: no sockets. */
#ifndef ECI_EXEC_CHANNEL_H
#define ECI_EXEC_CHANNEL_H

#include <stddef.h>

#include "util/dynbuf.h"

enum {
    ECI_CHAN_STDIN = 0,
    ECI_CHAN_STDOUT = 1,
    ECI_CHAN_STDERR = 2,
    ECI_CHAN_ERROR = 3,
    ECI_CHAN_RESIZE = 4,
    ECI_CHAN_CLOSE = 255, /* v5: [255, channel] closes that channel (stdin EOF) */
};

/* Subprotocols, most preferred first. v5 adds the CLOSE signal. */
#define ECI_CHAN_PROTO_V5 "v5.channel.k8s.io"
#define ECI_CHAN_PROTO_V4 "v4.channel.k8s.io"
#define ECI_CHAN_PROTO_V1 "channel.k8s.io"
/* What a client offers in Sec-WebSocket-Protocol. */
#define ECI_CHAN_CLIENT_PROTOCOLS ECI_CHAN_PROTO_V5 ", " ECI_CHAN_PROTO_V4 ", " ECI_CHAN_PROTO_V1

/* Largest payload either side puts in one message. */
#define ECI_CHAN_MAX_PAYLOAD (32 * 1024)

typedef enum {
    ECI_CHAN_MSG_EMPTY = 0, /* empty message: ignore */
    ECI_CHAN_MSG_DATA,      /* channel and payload set */
    ECI_CHAN_MSG_CLOSE,     /* v5 CLOSE of `channel` */
} eci_chan_msg_kind;

typedef struct eci_chan_msg {
    eci_chan_msg_kind kind;
    unsigned channel;
    const unsigned char *data; /* points into the decoded message */
    size_t len;
} eci_chan_msg;

/* Decode one complete binary message. A CLOSE message must be exactly two
 * bytes; anything else starting with 255 is a protocol error (-1 with err).
 * Channels above 4 decode as DATA: callers ignore channels they do not know. */
int eci_chan_decode(const void *msg, size_t len, eci_chan_msg *out, char *err, size_t errlen);

/* Append one message [channel][data] to out. Returns 0, or -1 when out's cap
 * would be exceeded (nothing appended). */
int eci_chan_encode(dynbuf *out, unsigned channel, const void *data, size_t len);
/* Write the v5 CLOSE message for channel into out[0..2). */
void eci_chan_close_msg(unsigned channel, unsigned char out[2]);

/* 1 when the negotiated subprotocol carries the CLOSE signal (v5), else 0. */
int eci_chan_proto_has_close(const char *proto);
/* 1 when the negotiated subprotocol sends a Status JSON on channel 3 (v4/v5),
 * 0 for the older plain-text error channel. */
int eci_chan_proto_status_json(const char *proto);
/* Server side: choose a subprotocol from a client's comma-separated
 * Sec-WebSocket-Protocol list (may be NULL). Returns a static string, or NULL
 * when the client offered only protocols this module does not speak; a
 * missing/empty list selects "" (pre-v4 binary framing). */
const char *eci_chan_pick_protocol(const char *offered);

/* The status message for an exit code (>= 0) or, when errmsg is non-NULL, an
 * internal failure. Caller frees. v4/v5 Status JSON, as the kubelet writes it. */
char *eci_chan_status_json(int exit_code, const char *errmsg);

/* The message a server sends on channel 3 when the command ends, for the
 * negotiated subprotocol: the Status JSON for v4/v5; for older protocols
 * nothing on success (NULL) and the plain error text on failure. Caller frees. */
char *eci_chan_status_for(const char *proto, int exit_code, const char *errmsg);

/* Parse a status message. Returns 0 with *exit_code >= 0 (0 for Success,
 * N for NonZeroExitCode), 1 for another failure (*exit_code = -1, its message
 * in msg), or -1 on malformed input (message in msg). */
int eci_chan_status_parse(const void *json, size_t len, int *exit_code, char *msg, size_t msglen);

/* Resize JSON {"Width":W,"Height":H}. Caller frees. */
char *eci_chan_resize_json(unsigned width, unsigned height);
/* Parse the first JSON object of a resize payload (keys in any case, values
 * 0-65535). *consumed is how many bytes it used (trailing whitespace
 * included), so a payload holding several objects can be looped over.
 * Returns 0, or -1 with err. */
int eci_chan_resize_parse(const void *json, size_t len, unsigned *width, unsigned *height,
                          size_t *consumed, char *err, size_t errlen);

#endif
