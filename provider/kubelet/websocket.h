/* RFC 6455 WebSocket, server side, without sockets: the opening handshake
 * (Sec-WebSocket-Accept, subprotocol choice), an incremental frame decoder
 * (client frames must be masked; fragmentation; control frames; close codes;
 * size caps; UTF-8 check of text messages) and a frame encoder (unmasked for
 * the server; a mask may be given so test clients can reuse it). */
#ifndef PROVIDER_KUBELET_WEBSOCKET_H
#define PROVIDER_KUBELET_WEBSOCKET_H

#include <stddef.h>
#include <stdint.h>

#include "util/dynbuf.h"
#include "util/kv.h"

enum kubelet_ws_opcode {
    KUBELET_WS_CONT = 0x0,
    KUBELET_WS_TEXT = 0x1,
    KUBELET_WS_BINARY = 0x2,
    KUBELET_WS_CLOSE = 0x8,
    KUBELET_WS_PING = 0x9,
    KUBELET_WS_PONG = 0xA,
};

enum kubelet_ws_close_code {
    KUBELET_WS_CLOSE_NORMAL = 1000,
    KUBELET_WS_CLOSE_GOING_AWAY = 1001,
    KUBELET_WS_CLOSE_PROTOCOL_ERROR = 1002,
    KUBELET_WS_CLOSE_UNSUPPORTED = 1003,
    KUBELET_WS_CLOSE_NO_STATUS = 1005,   /* never on the wire */
    KUBELET_WS_CLOSE_BAD_DATA = 1007,
    KUBELET_WS_CLOSE_POLICY = 1008,
    KUBELET_WS_CLOSE_TOO_BIG = 1009,
    KUBELET_WS_CLOSE_INTERNAL = 1011,
};

#define KUBELET_WS_ACCEPT_LEN 28
#define KUBELET_WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

/* Sec-WebSocket-Accept for a client key: writes 28 characters and a NUL to
 * out. Returns 0, or -1 when the key is not base64 of 16 bytes. */
int kubelet_ws_accept_key(const char *key, char out[KUBELET_WS_ACCEPT_LEN + 1]);

/* Check a WebSocket upgrade request: GET, Upgrade: websocket, Connection has
 * "upgrade", Sec-WebSocket-Version 13, a valid Sec-WebSocket-Key. Returns 0, or
 * -1 with a message in err. */
int kubelet_ws_check_request(const char *method, const kv_list *headers, char *err, size_t errlen);

/* The first protocol the client offers (all Sec-WebSocket-Protocol headers,
 * comma lists, client order) that is in supported[0..n); returns the entry of
 * supported (static) or NULL when none matches. *offered is set to 1 when the
 * client offered any protocol at all. */
const char *kubelet_ws_choose_protocol(const kv_list *headers, const char *const *supported, size_t n, int *offered);

/* 1 when s[0..n) is valid UTF-8. */
int kubelet_ws_utf8_valid(const uint8_t *s, size_t n);

typedef struct kubelet_ws_decoder kubelet_ws_decoder;

/* A complete message (TEXT or BINARY, fragments joined) or a control frame
 * (CLOSE, PING, PONG), valid only during the call. Return 0 to continue,
 * non-zero to stop (kubelet_ws_decoder_feed returns it). */
typedef int (*kubelet_ws_msg_cb)(void *ud, int opcode, const uint8_t *data, size_t len);

/* New decoder. max_message caps a (reassembled) data message (0: 1 MiB);
 * server != 0 requires masked frames (client to server), 0 requires unmasked
 * ones. Caller frees with kubelet_ws_decoder_free. */
kubelet_ws_decoder *kubelet_ws_decoder_new(size_t max_message, int server);
void kubelet_ws_decoder_free(kubelet_ws_decoder *d);

/* Feed bytes (any split). Returns 0, the callback's non-zero value, or -1
 * with a message in err; after -1 the decoder stays failed and
 * kubelet_ws_decoder_close_code tells which close code to send (1002, 1007, 1009). */
int kubelet_ws_decoder_feed(kubelet_ws_decoder *d, const void *buf, size_t len, kubelet_ws_msg_cb cb, void *ud, char *err,
                     size_t errlen);
uint16_t kubelet_ws_decoder_close_code(const kubelet_ws_decoder *d);

/* Parse a CLOSE payload: *code is 1005 when empty. Returns 0, or -1 when the
 * payload is 1 byte, the code may not be sent, or the reason is not UTF-8. */
int kubelet_ws_parse_close(const uint8_t *p, size_t n, uint16_t *code, const char **reason, size_t *rlen);

/* Append one frame. mask NULL: unmasked (server); else the 4-byte masking
 * key (client). Returns 0, or -1 for a control frame over 125 bytes or an
 * unfragmented control frame, or when out's cap is exceeded. */
int kubelet_ws_encode(dynbuf *out, int opcode, int fin, const void *p, size_t n, const uint8_t *mask);
/* Append a CLOSE frame with code and a reason (may be NULL; cut to fit). */
int kubelet_ws_encode_close(dynbuf *out, uint16_t code, const char *reason, const uint8_t *mask);

#endif
