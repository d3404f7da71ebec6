/* RFC 6455 server side: see websocket.h. */
#include "provider/kubelet/websocket.h"
#include "util/base64.h"
#include "util/httptok.h"
#include "util/xmalloc.h"

#include <openssl/sha.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define DEFAULT_MAX_MESSAGE ((size_t)1 << 20)

int kubelet_ws_accept_key(const char *key, char out[KUBELET_WS_ACCEPT_LEN + 1])
{
    size_t kl = key ? strlen(key) : 0;
    /* trim surrounding whitespace */
    while (kl && (key[kl - 1] == ' ' || key[kl - 1] == '\t'))
        kl--;
    while (kl && (*key == ' ' || *key == '\t')) {
        key++;
        kl--;
    }
    if (kl != 24 || key[22] != '=' || key[23] != '=')
        return -1;
    size_t rawlen;
    unsigned char *raw = b64_decode(key, 24, 0, &rawlen); /* a 16-byte nonce */
    free(raw);
    if (!raw || rawlen != 16)
        return -1;
    unsigned char buf[24 + sizeof KUBELET_WS_GUID];
    memcpy(buf, key, 24);
    memcpy(buf + 24, KUBELET_WS_GUID, sizeof KUBELET_WS_GUID - 1);
    unsigned char md[SHA_DIGEST_LENGTH];
    SHA1(buf, 24 + sizeof KUBELET_WS_GUID - 1, md);
    b64_encode_to(out, md, SHA_DIGEST_LENGTH);
    return 0;
}

int kubelet_ws_check_request(const char *method, const kv_list *headers, char *err, size_t errlen)
{
    char acc[KUBELET_WS_ACCEPT_LEN + 1];
    if (!method || strcmp(method, "GET") != 0) {
        snprintf(err, errlen, "websocket: the handshake must use GET");
        return -1;
    }
    if (!httptok_header_has(headers, "Upgrade", "websocket") || !httptok_header_has(headers, "Connection", "upgrade")) {
        snprintf(err, errlen, "websocket: missing Upgrade: websocket / Connection: Upgrade");
        return -1;
    }
    const char *v = kv_get_ci(headers, "Sec-WebSocket-Version");
    if (!v || strcmp(v, "13") != 0) {
        snprintf(err, errlen, "websocket: unsupported Sec-WebSocket-Version (want 13)");
        return -1;
    }
    if (kubelet_ws_accept_key(kv_get_ci(headers, "Sec-WebSocket-Key"), acc) < 0) {
        snprintf(err, errlen, "websocket: missing or malformed Sec-WebSocket-Key");
        return -1;
    }
    return 0;
}

const char *kubelet_ws_choose_protocol(const kv_list *headers, const char *const *supported, size_t n, int *offered)
{
    return httptok_header_pick(headers, "Sec-WebSocket-Protocol", supported, n, offered);
}

int kubelet_ws_utf8_valid(const uint8_t *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint8_t c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t need;
        uint32_t cp, min;
        if ((c & 0xE0) == 0xC0) {
            need = 1;
            cp = c & 0x1F;
            min = 0x80;
        } else if ((c & 0xF0) == 0xE0) {
            need = 2;
            cp = c & 0x0F;
            min = 0x800;
        } else if ((c & 0xF8) == 0xF0) {
            need = 3;
            cp = c & 0x07;
            min = 0x10000;
        } else {
            return 0;
        }
        if (n - i - 1 < need)
            return 0;
        for (size_t k = 1; k <= need; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return 0;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        i += need + 1;
    }
    return 1;
}

/* ---- decoder ---- */

enum dstate { D_HEAD, D_PAYLOAD, D_FAILED };

struct kubelet_ws_decoder {
    enum dstate st;
    int server;
    uint8_t hdr[14];
    size_t hlen, hneed;
    int fin, opcode, masked;
    uint8_t mask[4];
    uint64_t plen, pdone;
    dynbuf msg;       /* data message being reassembled */
    int msg_opcode;   /* 0 when no message is open */
    uint8_t ctl[125]; /* control frame payload */
    uint16_t close_code;
    char failmsg[160];
};

kubelet_ws_decoder *kubelet_ws_decoder_new(size_t max_message, int server)
{
    kubelet_ws_decoder *d = xcalloc(1, sizeof *d);
    d->server = server ? 1 : 0;
    d->hneed = 2;
    dynbuf_init(&d->msg, max_message ? max_message : DEFAULT_MAX_MESSAGE);
    return d;
}

void kubelet_ws_decoder_free(kubelet_ws_decoder *d)
{
    if (!d)
        return;
    dynbuf_free(&d->msg);
    free(d);
}

uint16_t kubelet_ws_decoder_close_code(const kubelet_ws_decoder *d)
{
    return d->close_code ? d->close_code : KUBELET_WS_CLOSE_PROTOCOL_ERROR;
}

static int fail(kubelet_ws_decoder *d, uint16_t code, char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static int fail(kubelet_ws_decoder *d, uint16_t code, char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->failmsg, sizeof d->failmsg, fmt, ap);
    va_end(ap);
    d->st = D_FAILED;
    d->close_code = code;
    if (err && errlen)
        snprintf(err, errlen, "websocket: %s", d->failmsg);
    return -1;
}

static int close_code_ok(uint16_t c)
{
    if (c >= 3000 && c <= 4999)
        return 1;
    return (c >= 1000 && c <= 1003) || (c >= 1007 && c <= 1011);
}

int kubelet_ws_parse_close(const uint8_t *p, size_t n, uint16_t *code, const char **reason, size_t *rlen)
{
    *code = KUBELET_WS_CLOSE_NO_STATUS;
    *reason = "";
    *rlen = 0;
    if (n == 0)
        return 0;
    if (n == 1)
        return -1;
    *code = (uint16_t)((p[0] << 8) | p[1]);
    if (!close_code_ok(*code))
        return -1;
    if (!kubelet_ws_utf8_valid(p + 2, n - 2))
        return -1;
    *reason = (const char *)p + 2;
    *rlen = n - 2;
    return 0;
}

/* After the header is complete: validate it and set up the payload. */
static int start_frame(kubelet_ws_decoder *d, char *err, size_t errlen)
{
    int op = d->opcode;
    int control = op & 0x8;
    if (op != KUBELET_WS_CONT && op != KUBELET_WS_TEXT && op != KUBELET_WS_BINARY && op != KUBELET_WS_CLOSE && op != KUBELET_WS_PING &&
        op != KUBELET_WS_PONG)
        return fail(d, KUBELET_WS_CLOSE_PROTOCOL_ERROR, err, errlen, "unknown opcode 0x%x", op);
    if (d->server && !d->masked)
        return fail(d, KUBELET_WS_CLOSE_PROTOCOL_ERROR, err, errlen, "client frame is not masked");
    if (!d->server && d->masked)
        return fail(d, KUBELET_WS_CLOSE_PROTOCOL_ERROR, err, errlen, "server frame is masked");
    if (control) {
        if (!d->fin)
            return fail(d, KUBELET_WS_CLOSE_PROTOCOL_ERROR, err, errlen, "fragmented control frame");
        if (d->plen > 125)
            return fail(d, KUBELET_WS_CLOSE_PROTOCOL_ERROR, err, errlen, "control frame payload of %llu bytes",
                        (unsigned long long)d->plen);
    } else if (op == KUBELET_WS_CONT) {
        if (!d->msg_opcode)
            return fail(d, KUBELET_WS_CLOSE_PROTOCOL_ERROR, err, errlen, "continuation frame without a message");
    } else {
        if (d->msg_opcode)
            return fail(d, KUBELET_WS_CLOSE_PROTOCOL_ERROR, err, errlen, "new message inside a fragmented message");
        d->msg_opcode = op;
        dynbuf_reset(&d->msg);
    }
    if (!control && d->plen > d->msg.cap - d->msg.len)
        return fail(d, KUBELET_WS_CLOSE_TOO_BIG, err, errlen, "message exceeds %zu bytes", d->msg.cap);
    d->pdone = 0;
    d->st = D_PAYLOAD;
    return 0;
}

static int end_frame(kubelet_ws_decoder *d, kubelet_ws_msg_cb cb, void *ud, char *err, size_t errlen)
{
    d->st = D_HEAD;
    d->hlen = 0;
    d->hneed = 2;
    if (d->opcode & 0x8) {
        if (d->opcode == KUBELET_WS_CLOSE) {
            uint16_t code;
            const char *r;
            size_t rl;
            if (kubelet_ws_parse_close(d->ctl, (size_t)d->plen, &code, &r, &rl) < 0) {
                int bad_utf8 = d->plen >= 2 && close_code_ok((uint16_t)((d->ctl[0] << 8) | d->ctl[1]));
                return fail(d, bad_utf8 ? KUBELET_WS_CLOSE_BAD_DATA : KUBELET_WS_CLOSE_PROTOCOL_ERROR, err, errlen,
                            "malformed close frame");
            }
        }
        return cb(ud, d->opcode, d->ctl, (size_t)d->plen);
    }
    if (!d->fin)
        return 0;
    int op = d->msg_opcode;
    d->msg_opcode = 0;
    if (op == KUBELET_WS_TEXT && !kubelet_ws_utf8_valid((const uint8_t *)d->msg.buf, d->msg.len))
        return fail(d, KUBELET_WS_CLOSE_BAD_DATA, err, errlen, "text message is not valid UTF-8");
    int rc = cb(ud, op, (const uint8_t *)dynbuf_str(&d->msg), d->msg.len);
    dynbuf_reset(&d->msg);
    return rc;
}

int kubelet_ws_decoder_feed(kubelet_ws_decoder *d, const void *buf, size_t len, kubelet_ws_msg_cb cb, void *ud, char *err,
                     size_t errlen)
{
    const uint8_t *p = buf;
    if (d->st == D_FAILED) {
        if (err && errlen)
            snprintf(err, errlen, "websocket: %s", d->failmsg);
        return -1;
    }
    while (len > 0 || (d->st == D_PAYLOAD && d->pdone == d->plen)) {
        if (d->st == D_HEAD) {
            while (len > 0 && d->hlen < d->hneed) {
                d->hdr[d->hlen++] = *p++;
                len--;
                if (d->hlen == 2) {
                    uint8_t b0 = d->hdr[0], b1 = d->hdr[1];
                    if (b0 & 0x70)
                        return fail(d, KUBELET_WS_CLOSE_PROTOCOL_ERROR, err, errlen, "reserved bits set");
                    d->fin = (b0 & 0x80) != 0;
                    d->opcode = b0 & 0x0F;
                    d->masked = (b1 & 0x80) != 0;
                    unsigned l7 = b1 & 0x7F;
                    d->hneed = 2 + (l7 == 126 ? 2 : l7 == 127 ? 8 : 0) + (d->masked ? 4 : 0);
                }
            }
            if (d->hlen < d->hneed)
                break;
            unsigned l7 = d->hdr[1] & 0x7F;
            size_t off = 2;
            if (l7 == 126) {
                d->plen = ((uint64_t)d->hdr[2] << 8) | d->hdr[3];
                off = 4;
            } else if (l7 == 127) {
                if (d->hdr[2] & 0x80)
                    return fail(d, KUBELET_WS_CLOSE_PROTOCOL_ERROR, err, errlen, "64-bit length has its top bit set");
                d->plen = 0;
                for (int i = 0; i < 8; i++)
                    d->plen = (d->plen << 8) | d->hdr[2 + i];
                off = 10;
            } else {
                d->plen = l7;
            }
            if (d->masked)
                memcpy(d->mask, d->hdr + off, 4);
            if (start_frame(d, err, errlen) < 0)
                return -1;
            continue;
        }
        if (d->st == D_PAYLOAD) {
            uint64_t left = d->plen - d->pdone;
            size_t take = left < len ? (size_t)left : len;
            int control = d->opcode & 0x8;
            uint8_t tmp[4096];
            size_t done = 0;
            while (done < take) {
                size_t k = take - done < sizeof tmp ? take - done : sizeof tmp;
                for (size_t i = 0; i < k; i++) {
                    uint8_t c = p[done + i];
                    if (d->masked)
                        c ^= d->mask[(d->pdone + done + i) & 3];
                    tmp[i] = c;
                }
                if (control)
                    memcpy(d->ctl + d->pdone + done, tmp, k);
                else if (dynbuf_add(&d->msg, tmp, k) < 0)
                    return fail(d, KUBELET_WS_CLOSE_TOO_BIG, err, errlen, "message exceeds %zu bytes", d->msg.cap);
                done += k;
            }
            d->pdone += take;
            p += take;
            len -= take;
            if (d->pdone == d->plen) {
                int rc = end_frame(d, cb, ud, err, errlen);
                if (rc)
                    return rc;
            }
            continue;
        }
        return -1;
    }
    return 0;
}

/* ---- encoder ---- */

int kubelet_ws_encode(dynbuf *out, int opcode, int fin, const void *p, size_t n, const uint8_t *mask)
{
    uint8_t h[14];
    size_t hl = 2;
    if ((opcode & 0x8) && (n > 125 || !fin))
        return -1;
    h[0] = (uint8_t)((fin ? 0x80 : 0) | (opcode & 0x0F));
    uint8_t m = mask ? 0x80 : 0;
    if (n <= 125) {
        h[1] = (uint8_t)(m | n);
    } else if (n <= 0xFFFF) {
        h[1] = (uint8_t)(m | 126);
        h[2] = (uint8_t)(n >> 8);
        h[3] = (uint8_t)n;
        hl = 4;
    } else {
        h[1] = (uint8_t)(m | 127);
        uint64_t v = n;
        for (int i = 7; i >= 0; i--) {
            h[2 + i] = (uint8_t)v;
            v >>= 8;
        }
        hl = 10;
    }
    if (mask) {
        memcpy(h + hl, mask, 4);
        hl += 4;
    }
    if (dynbuf_add(out, h, hl) < 0)
        return -1;
    if (!n)
        return 0;
    size_t start = out->len;
    if (dynbuf_add(out, p, n) < 0)
        return -1;
    if (mask)
        for (size_t i = 0; i < n; i++)
            out->buf[start + i] ^= (char)mask[i & 3];
    return 0;
}

int kubelet_ws_encode_close(dynbuf *out, uint16_t code, const char *reason, const uint8_t *mask)
{
    uint8_t b[125];
    size_t rl = reason ? strlen(reason) : 0;
    if (rl > 123)
        rl = 123;
    b[0] = (uint8_t)(code >> 8);
    b[1] = (uint8_t)code;
    if (rl)
        memcpy(b + 2, reason, rl);
    return kubelet_ws_encode(out, KUBELET_WS_CLOSE, 1, b, 2 + rl, mask);
}
