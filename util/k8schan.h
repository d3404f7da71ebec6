/* The Kubernetes channel protocol of exec and attach (channel.k8s.io and
 * its v2-v5 and base64 variants): channel numbers, protocol names and
 * versions, the framing of one WebSocket message ([channel][data], v5's
 * [255][channel] CLOSE), the status message on the error channel (v4/v5
 * Status JSON, plain text before) and the terminal-size JSON of the resize
 * channel. Both sides of the tree speak it: the kubelet API's exec/attach
 * server (provider/kubelet) and the ECI exec stream client and the
 * emulator's exec server (eci/); util/ is the one module below both.
 * Pure functions over bytes: no sockets. */
#ifndef UTIL_K8SCHAN_H
#define UTIL_K8SCHAN_H

#include <stddef.h>
#include <stdint.h>

#include "util/dynbuf.h"

/* Channel numbers, which are also the SPDY stream types' order. */
enum {
    K8SCHAN_STDIN = 0,
    K8SCHAN_STDOUT = 1,
    K8SCHAN_STDERR = 2,
    K8SCHAN_ERROR = 3,
    K8SCHAN_RESIZE = 4,
    K8SCHAN_CLOSE = 255, /* v5: [255, channel] closes that channel (stdin EOF) */
};

#define K8SCHAN_PROTO_V1 "channel.k8s.io"
#define K8SCHAN_PROTO_V2 "v2.channel.k8s.io"
#define K8SCHAN_PROTO_V3 "v3.channel.k8s.io"
#define K8SCHAN_PROTO_V4 "v4.channel.k8s.io"
#define K8SCHAN_PROTO_V5 "v5.channel.k8s.io"
#define K8SCHAN_PROTO_BASE64 "base64.channel.k8s.io"
#define K8SCHAN_PROTO_V4_BASE64 "v4.base64.channel.k8s.io"
/* What a WebSocket client offers, most preferred first. */
#define K8SCHAN_CLIENT_OFFER K8SCHAN_PROTO_V5 ", " K8SCHAN_PROTO_V4 ", " K8SCHAN_PROTO_V1

/* Largest payload either side puts in one message. */
#define K8SCHAN_MAX_PAYLOAD (32 * 1024)

/* The version (1-5) of a protocol name, SPDY or WebSocket; "" (a WebSocket
 * client that offered none) is channel.k8s.io. *base64 (may be NULL) is 1
 * for the base64 variants. -1 for an unknown name or NULL. v3 adds the
 * resize channel, v4 the Status JSON on the error channel, v5 CLOSE. */
int k8schan_version(const char *name, int *base64);

/* ---- messages ---- */

typedef enum {
    K8SCHAN_MSG_EMPTY = 0, /* empty message: ignore */
    K8SCHAN_MSG_DATA,      /* channel and payload set */
    K8SCHAN_MSG_CLOSE,     /* v5 CLOSE of `channel` */
} k8schan_msg_kind;

typedef struct k8schan_msg {
    k8schan_msg_kind kind;
    unsigned channel;
    const unsigned char *data; /* points into the decoded message */
    size_t len;
} k8schan_msg;

/* Decode one complete binary message. A CLOSE message must be exactly two
 * bytes; anything else starting with 255 is a protocol error (-1 with err).
 * Channels above 4 decode as DATA: callers ignore channels they do not know. */
int k8schan_decode(const void *msg, size_t len, k8schan_msg *out, char *err, size_t errlen);
/* Append one message [channel][data] to out. Returns 0, or -1 when out's cap
 * would be exceeded (nothing appended). */
int k8schan_encode(dynbuf *out, unsigned channel, const void *data, size_t len);
/* The v5 CLOSE message for channel into out[0..2). */
void k8schan_close_msg(unsigned channel, unsigned char out[2]);

/* ---- the error channel ---- */

/* What a server sends on the error channel when the command ends, as the
 * kubelet writes it. exit_code >= 0 is the exit status (msg, optional, says
 * how it ended: "command terminated with exit code N"); exit_code < 0 is an
 * internal failure described by msg. Version >= 4: Status JSON (also on
 * success); older: NULL on success, else the text. Caller frees; *len (may
 * be NULL) receives the length. */
char *k8schan_status(int version, int exit_code, const char *msg, size_t *len);

/* Client side: parse a v4/v5 status message. Returns 0 with *exit_code >= 0
 * (0 for Success, N for NonZeroExitCode), 1 for another failure
 * (*exit_code = -1, its message in msg), or -1 on malformed input (message
 * in msg). */
int k8schan_status_parse(const void *json, size_t len, int *exit_code, char *msg, size_t msglen);

/* ---- the resize channel ---- */

/* Terminal size JSON {"Width":W,"Height":H}. Caller frees. */
char *k8schan_resize_json(unsigned width, unsigned height);

/* A decoder for a stream of terminal-size objects (keys in any case, as Go's
 * decoder; values 0-65535), split across arbitrary chunks or several in one. */
typedef struct k8schan_resize_parser k8schan_resize_parser;
typedef void (*k8schan_resize_cb)(void *ud, uint16_t width, uint16_t height);
k8schan_resize_parser *k8schan_resize_parser_new(void);
void k8schan_resize_parser_free(k8schan_resize_parser *p);
/* Feed bytes; cb for each complete size. Returns 0, or -1 with a message on
 * malformed input or an object over 4 KiB (the parser then stays failed). */
int k8schan_resize_feed(k8schan_resize_parser *p, const void *buf, size_t len, k8schan_resize_cb cb, void *ud,
                        char *err, size_t errlen);

#endif
