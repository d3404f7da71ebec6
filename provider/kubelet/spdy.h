/* SPDY/3.1 framing as Kubernetes streaming uses it (moby/spdystream): control
 * and data frames, name/value header blocks compressed with zlib and the
 * SPDY/3 dictionary (one inflate stream per connection for received blocks,
 * one deflate stream for sent blocks). A pure incremental decoder (feed bytes,
 * get frame callbacks) and encoders that append to a dynbuf; no sockets.
 *
 * Flow control: spdystream never sends SETTINGS or WINDOW_UPDATE and ignores
 * them, so windows are treated as unlimited; both frames are parsed (and
 * reported) but have no effect here. */
#ifndef PROVIDER_KUBELET_SPDY_H
#define PROVIDER_KUBELET_SPDY_H

#include <stddef.h>
#include <stdint.h>

#include "util/dynbuf.h"
#include "util/kv.h"

#define KUBELET_SPDY_VERSION 3

enum kubelet_spdy_type {
    KUBELET_SPDY_DATA = 0, /* not a wire value: data frames have no type field */
    KUBELET_SPDY_SYN_STREAM = 1,
    KUBELET_SPDY_SYN_REPLY = 2,
    KUBELET_SPDY_RST_STREAM = 3,
    KUBELET_SPDY_SETTINGS = 4,
    KUBELET_SPDY_PING = 6,
    KUBELET_SPDY_GOAWAY = 7,
    KUBELET_SPDY_HEADERS = 8,
    KUBELET_SPDY_WINDOW_UPDATE = 9,
};

#define KUBELET_SPDY_FLAG_FIN 0x01
#define KUBELET_SPDY_FLAG_UNIDIRECTIONAL 0x02
#define KUBELET_SPDY_FLAG_CLEAR_SETTINGS 0x01

/* RST_STREAM status codes. */
enum kubelet_spdy_rst_status {
    KUBELET_SPDY_PROTOCOL_ERROR = 1,
    KUBELET_SPDY_INVALID_STREAM = 2,
    KUBELET_SPDY_REFUSED_STREAM = 3,
    KUBELET_SPDY_UNSUPPORTED_VERSION = 4,
    KUBELET_SPDY_CANCEL = 5,
    KUBELET_SPDY_INTERNAL_ERROR = 6,
    KUBELET_SPDY_FLOW_CONTROL_ERROR = 7,
    KUBELET_SPDY_STREAM_IN_USE = 8,
    KUBELET_SPDY_STREAM_ALREADY_CLOSED = 9,
    KUBELET_SPDY_INVALID_CREDENTIALS = 10,
    KUBELET_SPDY_FRAME_TOO_LARGE = 11,
};

/* GOAWAY status codes. */
enum kubelet_spdy_goaway_status { KUBELET_SPDY_GOAWAY_OK = 0, KUBELET_SPDY_GOAWAY_PROTOCOL_ERROR = 1, KUBELET_SPDY_GOAWAY_INTERNAL_ERROR = 2 };

#define KUBELET_SPDY_MAX_DATA_LENGTH 0xFFFFFFu
#define KUBELET_SPDY_DICT_LEN 1423

typedef struct kubelet_spdy_setting {
    uint8_t flags;
    uint32_t id;
    uint32_t value;
} kubelet_spdy_setting;

/* One decoded frame, valid only during the callback. DATA frames larger than
 * what has arrived are reported in pieces as the bytes come in: every piece
 * has type KUBELET_SPDY_DATA and the same stream_id; only the last piece carries the
 * frame's FIN flag (an empty frame is reported once, with len 0). */
typedef struct kubelet_spdy_frame {
    int type;              /* enum kubelet_spdy_type */
    uint8_t flags;
    uint32_t stream_id;    /* SYN_STREAM, SYN_REPLY, RST_STREAM, HEADERS, WINDOW_UPDATE, DATA */
    uint32_t assoc_id;     /* SYN_STREAM */
    uint8_t priority;      /* SYN_STREAM, 0..7 */
    uint8_t slot;          /* SYN_STREAM */
    uint32_t status;       /* RST_STREAM, GOAWAY */
    uint32_t last_good_id; /* GOAWAY */
    uint32_t ping_id;      /* PING */
    uint32_t delta;        /* WINDOW_UPDATE */
    const kv_list *headers; /* SYN_STREAM, SYN_REPLY, HEADERS: lower-case names; a
                               NUL-joined multi-value becomes one pair per value */
    const kubelet_spdy_setting *settings; /* SETTINGS */
    size_t nsettings;
    const uint8_t *data;   /* DATA piece */
    size_t len;
} kubelet_spdy_frame;

/* Return 0 to continue, non-zero to stop decoding (kubelet_spdy_decoder_feed then
 * returns that value). */
typedef int (*kubelet_spdy_frame_cb)(void *ud, const kubelet_spdy_frame *f);

typedef struct kubelet_spdy_decoder kubelet_spdy_decoder;

/* New decoder. max_control caps a control frame's payload (default 64 KiB when
 * 0), max_headers caps one inflated header block (default 256 KiB when 0).
 * Caller frees with kubelet_spdy_decoder_free. */
kubelet_spdy_decoder *kubelet_spdy_decoder_new(size_t max_control, size_t max_headers);
void kubelet_spdy_decoder_free(kubelet_spdy_decoder *d);

/* Feed len bytes (any split). Calls cb for each complete frame (and for each
 * DATA piece). Returns 0 when all bytes were consumed, the callback's non-zero
 * value if it stopped, or -1 with a message in err on malformed input; after
 * -1 the decoder stays failed (every later call returns -1). */
int kubelet_spdy_decoder_feed(kubelet_spdy_decoder *d, const void *buf, size_t len, kubelet_spdy_frame_cb cb, void *ud,
                      char *err, size_t errlen);

/* Header block encoder: holds the connection's deflate stream. Caller frees. */
typedef struct kubelet_spdy_encoder kubelet_spdy_encoder;
kubelet_spdy_encoder *kubelet_spdy_encoder_new(void);
void kubelet_spdy_encoder_free(kubelet_spdy_encoder *e);

/* Frame encoders append to out (whose cap must allow the frame). They return 0,
 * or -1 when an argument is out of range or out's cap is exceeded (out may then
 * hold a partial frame; reset it). Header names are lower-cased; pairs sharing
 * a name are sent as one NUL-joined value. hdrs may be NULL (empty block). */
int kubelet_spdy_encode_syn_stream(kubelet_spdy_encoder *e, dynbuf *out, uint32_t stream_id, uint32_t assoc_id,
                           uint8_t priority, uint8_t flags, const kv_list *hdrs);
int kubelet_spdy_encode_syn_reply(kubelet_spdy_encoder *e, dynbuf *out, uint32_t stream_id, uint8_t flags,
                          const kv_list *hdrs);
int kubelet_spdy_encode_headers(kubelet_spdy_encoder *e, dynbuf *out, uint32_t stream_id, uint8_t flags,
                        const kv_list *hdrs);
int kubelet_spdy_encode_data(dynbuf *out, uint32_t stream_id, uint8_t flags, const void *data, size_t len);
int kubelet_spdy_encode_rst_stream(dynbuf *out, uint32_t stream_id, uint32_t status);
int kubelet_spdy_encode_settings(dynbuf *out, uint8_t flags, const kubelet_spdy_setting *s, size_t n);
int kubelet_spdy_encode_ping(dynbuf *out, uint32_t id);
int kubelet_spdy_encode_goaway(dynbuf *out, uint32_t last_good_id, uint32_t status);
int kubelet_spdy_encode_window_update(dynbuf *out, uint32_t stream_id, uint32_t delta);

/* Name of a frame type ("SYN_STREAM", ... "DATA"); "UNKNOWN" otherwise. Static. */
const char *kubelet_spdy_type_name(int type);

/* The SPDY/3 header compression dictionary (KUBELET_SPDY_DICT_LEN bytes). Static. */
const uint8_t *kubelet_spdy_dictionary(void);

#endif
