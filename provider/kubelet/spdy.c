/* SPDY/3.1 framing: see spdy.h. */
#include "provider/kubelet/spdy.h"
#include "util/xmalloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

/* The SPDY/3 header dictionary (draft 3, section 2.6.10.1), as moby/spdystream
 * ships it: 1423 bytes, Adler-32 0xE3C6A7C2. A protocol constant. */
static const uint8_t spdy_dict[KUBELET_SPDY_DICT_LEN] = {
    0x00, 0x00, 0x00, 0x07, 0x6f, 0x70, 0x74, 0x69, 0x6f, 0x6e, 0x73, 0x00,
    0x00, 0x00, 0x04, 0x68, 0x65, 0x61, 0x64, 0x00, 0x00, 0x00, 0x04, 0x70,
    0x6f, 0x73, 0x74, 0x00, 0x00, 0x00, 0x03, 0x70, 0x75, 0x74, 0x00, 0x00,
    0x00, 0x06, 0x64, 0x65, 0x6c, 0x65, 0x74, 0x65, 0x00, 0x00, 0x00, 0x05,
    0x74, 0x72, 0x61, 0x63, 0x65, 0x00, 0x00, 0x00, 0x06, 0x61, 0x63, 0x63,
    0x65, 0x70, 0x74, 0x00, 0x00, 0x00, 0x0e, 0x61, 0x63, 0x63, 0x65, 0x70,
    0x74, 0x2d, 0x63, 0x68, 0x61, 0x72, 0x73, 0x65, 0x74, 0x00, 0x00, 0x00,
    0x0f, 0x61, 0x63, 0x63, 0x65, 0x70, 0x74, 0x2d, 0x65, 0x6e, 0x63, 0x6f,
    0x64, 0x69, 0x6e, 0x67, 0x00, 0x00, 0x00, 0x0f, 0x61, 0x63, 0x63, 0x65,
    0x70, 0x74, 0x2d, 0x6c, 0x61, 0x6e, 0x67, 0x75, 0x61, 0x67, 0x65, 0x00,
    0x00, 0x00, 0x0d, 0x61, 0x63, 0x63, 0x65, 0x70, 0x74, 0x2d, 0x72, 0x61,
    0x6e, 0x67, 0x65, 0x73, 0x00, 0x00, 0x00, 0x03, 0x61, 0x67, 0x65, 0x00,
    0x00, 0x00, 0x05, 0x61, 0x6c, 0x6c, 0x6f, 0x77, 0x00, 0x00, 0x00, 0x0d,
    0x61, 0x75, 0x74, 0x68, 0x6f, 0x72, 0x69, 0x7a, 0x61, 0x74, 0x69, 0x6f,
    0x6e, 0x00, 0x00, 0x00, 0x0d, 0x63, 0x61, 0x63, 0x68, 0x65, 0x2d, 0x63,
    0x6f, 0x6e, 0x74, 0x72, 0x6f, 0x6c, 0x00, 0x00, 0x00, 0x0a, 0x63, 0x6f,
    0x6e, 0x6e, 0x65, 0x63, 0x74, 0x69, 0x6f, 0x6e, 0x00, 0x00, 0x00, 0x0c,
    0x63, 0x6f, 0x6e, 0x74, 0x65, 0x6e, 0x74, 0x2d, 0x62, 0x61, 0x73, 0x65,
    0x00, 0x00, 0x00, 0x10, 0x63, 0x6f, 0x6e, 0x74, 0x65, 0x6e, 0x74, 0x2d,
    0x65, 0x6e, 0x63, 0x6f, 0x64, 0x69, 0x6e, 0x67, 0x00, 0x00, 0x00, 0x10,
    0x63, 0x6f, 0x6e, 0x74, 0x65, 0x6e, 0x74, 0x2d, 0x6c, 0x61, 0x6e, 0x67,
    0x75, 0x61, 0x67, 0x65, 0x00, 0x00, 0x00, 0x0e, 0x63, 0x6f, 0x6e, 0x74,
    0x65, 0x6e, 0x74, 0x2d, 0x6c, 0x65, 0x6e, 0x67, 0x74, 0x68, 0x00, 0x00,
    0x00, 0x10, 0x63, 0x6f, 0x6e, 0x74, 0x65, 0x6e, 0x74, 0x2d, 0x6c, 0x6f,
    0x63, 0x61, 0x74, 0x69, 0x6f, 0x6e, 0x00, 0x00, 0x00, 0x0b, 0x63, 0x6f,
    0x6e, 0x74, 0x65, 0x6e, 0x74, 0x2d, 0x6d, 0x64, 0x35, 0x00, 0x00, 0x00,
    0x0d, 0x63, 0x6f, 0x6e, 0x74, 0x65, 0x6e, 0x74, 0x2d, 0x72, 0x61, 0x6e,
    0x67, 0x65, 0x00, 0x00, 0x00, 0x0c, 0x63, 0x6f, 0x6e, 0x74, 0x65, 0x6e,
    0x74, 0x2d, 0x74, 0x79, 0x70, 0x65, 0x00, 0x00, 0x00, 0x04, 0x64, 0x61,
    0x74, 0x65, 0x00, 0x00, 0x00, 0x04, 0x65, 0x74, 0x61, 0x67, 0x00, 0x00,
    0x00, 0x06, 0x65, 0x78, 0x70, 0x65, 0x63, 0x74, 0x00, 0x00, 0x00, 0x07,
    0x65, 0x78, 0x70, 0x69, 0x72, 0x65, 0x73, 0x00, 0x00, 0x00, 0x04, 0x66,
    0x72, 0x6f, 0x6d, 0x00, 0x00, 0x00, 0x04, 0x68, 0x6f, 0x73, 0x74, 0x00,
    0x00, 0x00, 0x08, 0x69, 0x66, 0x2d, 0x6d, 0x61, 0x74, 0x63, 0x68, 0x00,
    0x00, 0x00, 0x11, 0x69, 0x66, 0x2d, 0x6d, 0x6f, 0x64, 0x69, 0x66, 0x69,
    0x65, 0x64, 0x2d, 0x73, 0x69, 0x6e, 0x63, 0x65, 0x00, 0x00, 0x00, 0x0d,
    0x69, 0x66, 0x2d, 0x6e, 0x6f, 0x6e, 0x65, 0x2d, 0x6d, 0x61, 0x74, 0x63,
    0x68, 0x00, 0x00, 0x00, 0x08, 0x69, 0x66, 0x2d, 0x72, 0x61, 0x6e, 0x67,
    0x65, 0x00, 0x00, 0x00, 0x13, 0x69, 0x66, 0x2d, 0x75, 0x6e, 0x6d, 0x6f,
    0x64, 0x69, 0x66, 0x69, 0x65, 0x64, 0x2d, 0x73, 0x69, 0x6e, 0x63, 0x65,
    0x00, 0x00, 0x00, 0x0d, 0x6c, 0x61, 0x73, 0x74, 0x2d, 0x6d, 0x6f, 0x64,
    0x69, 0x66, 0x69, 0x65, 0x64, 0x00, 0x00, 0x00, 0x08, 0x6c, 0x6f, 0x63,
    0x61, 0x74, 0x69, 0x6f, 0x6e, 0x00, 0x00, 0x00, 0x0c, 0x6d, 0x61, 0x78,
    0x2d, 0x66, 0x6f, 0x72, 0x77, 0x61, 0x72, 0x64, 0x73, 0x00, 0x00, 0x00,
    0x06, 0x70, 0x72, 0x61, 0x67, 0x6d, 0x61, 0x00, 0x00, 0x00, 0x12, 0x70,
    0x72, 0x6f, 0x78, 0x79, 0x2d, 0x61, 0x75, 0x74, 0x68, 0x65, 0x6e, 0x74,
    0x69, 0x63, 0x61, 0x74, 0x65, 0x00, 0x00, 0x00, 0x13, 0x70, 0x72, 0x6f,
    0x78, 0x79, 0x2d, 0x61, 0x75, 0x74, 0x68, 0x6f, 0x72, 0x69, 0x7a, 0x61,
    0x74, 0x69, 0x6f, 0x6e, 0x00, 0x00, 0x00, 0x05, 0x72, 0x61, 0x6e, 0x67,
    0x65, 0x00, 0x00, 0x00, 0x07, 0x72, 0x65, 0x66, 0x65, 0x72, 0x65, 0x72,
    0x00, 0x00, 0x00, 0x0b, 0x72, 0x65, 0x74, 0x72, 0x79, 0x2d, 0x61, 0x66,
    0x74, 0x65, 0x72, 0x00, 0x00, 0x00, 0x06, 0x73, 0x65, 0x72, 0x76, 0x65,
    0x72, 0x00, 0x00, 0x00, 0x02, 0x74, 0x65, 0x00, 0x00, 0x00, 0x07, 0x74,
    0x72, 0x61, 0x69, 0x6c, 0x65, 0x72, 0x00, 0x00, 0x00, 0x11, 0x74, 0x72,
    0x61, 0x6e, 0x73, 0x66, 0x65, 0x72, 0x2d, 0x65, 0x6e, 0x63, 0x6f, 0x64,
    0x69, 0x6e, 0x67, 0x00, 0x00, 0x00, 0x07, 0x75, 0x70, 0x67, 0x72, 0x61,
    0x64, 0x65, 0x00, 0x00, 0x00, 0x0a, 0x75, 0x73, 0x65, 0x72, 0x2d, 0x61,
    0x67, 0x65, 0x6e, 0x74, 0x00, 0x00, 0x00, 0x04, 0x76, 0x61, 0x72, 0x79,
    0x00, 0x00, 0x00, 0x03, 0x76, 0x69, 0x61, 0x00, 0x00, 0x00, 0x07, 0x77,
    0x61, 0x72, 0x6e, 0x69, 0x6e, 0x67, 0x00, 0x00, 0x00, 0x10, 0x77, 0x77,
    0x77, 0x2d, 0x61, 0x75, 0x74, 0x68, 0x65, 0x6e, 0x74, 0x69, 0x63, 0x61,
    0x74, 0x65, 0x00, 0x00, 0x00, 0x06, 0x6d, 0x65, 0x74, 0x68, 0x6f, 0x64,
    0x00, 0x00, 0x00, 0x03, 0x67, 0x65, 0x74, 0x00, 0x00, 0x00, 0x06, 0x73,
    0x74, 0x61, 0x74, 0x75, 0x73, 0x00, 0x00, 0x00, 0x06, 0x32, 0x30, 0x30,
    0x20, 0x4f, 0x4b, 0x00, 0x00, 0x00, 0x07, 0x76, 0x65, 0x72, 0x73, 0x69,
    0x6f, 0x6e, 0x00, 0x00, 0x00, 0x08, 0x48, 0x54, 0x54, 0x50, 0x2f, 0x31,
    0x2e, 0x31, 0x00, 0x00, 0x00, 0x03, 0x75, 0x72, 0x6c, 0x00, 0x00, 0x00,
    0x06, 0x70, 0x75, 0x62, 0x6c, 0x69, 0x63, 0x00, 0x00, 0x00, 0x0a, 0x73,
    0x65, 0x74, 0x2d, 0x63, 0x6f, 0x6f, 0x6b, 0x69, 0x65, 0x00, 0x00, 0x00,
    0x0a, 0x6b, 0x65, 0x65, 0x70, 0x2d, 0x61, 0x6c, 0x69, 0x76, 0x65, 0x00,
    0x00, 0x00, 0x06, 0x6f, 0x72, 0x69, 0x67, 0x69, 0x6e, 0x31, 0x30, 0x30,
    0x31, 0x30, 0x31, 0x32, 0x30, 0x31, 0x32, 0x30, 0x32, 0x32, 0x30, 0x35,
    0x32, 0x30, 0x36, 0x33, 0x30, 0x30, 0x33, 0x30, 0x32, 0x33, 0x30, 0x33,
    0x33, 0x30, 0x34, 0x33, 0x30, 0x35, 0x33, 0x30, 0x36, 0x33, 0x30, 0x37,
    0x34, 0x30, 0x32, 0x34, 0x30, 0x35, 0x34, 0x30, 0x36, 0x34, 0x30, 0x37,
    0x34, 0x30, 0x38, 0x34, 0x30, 0x39, 0x34, 0x31, 0x30, 0x34, 0x31, 0x31,
    0x34, 0x31, 0x32, 0x34, 0x31, 0x33, 0x34, 0x31, 0x34, 0x34, 0x31, 0x35,
    0x34, 0x31, 0x36, 0x34, 0x31, 0x37, 0x35, 0x30, 0x32, 0x35, 0x30, 0x34,
    0x35, 0x30, 0x35, 0x32, 0x30, 0x33, 0x20, 0x4e, 0x6f, 0x6e, 0x2d, 0x41,
    0x75, 0x74, 0x68, 0x6f, 0x72, 0x69, 0x74, 0x61, 0x74, 0x69, 0x76, 0x65,
    0x20, 0x49, 0x6e, 0x66, 0x6f, 0x72, 0x6d, 0x61, 0x74, 0x69, 0x6f, 0x6e,
    0x32, 0x30, 0x34, 0x20, 0x4e, 0x6f, 0x20, 0x43, 0x6f, 0x6e, 0x74, 0x65,
    0x6e, 0x74, 0x33, 0x30, 0x31, 0x20, 0x4d, 0x6f, 0x76, 0x65, 0x64, 0x20,
    0x50, 0x65, 0x72, 0x6d, 0x61, 0x6e, 0x65, 0x6e, 0x74, 0x6c, 0x79, 0x34,
    0x30, 0x30, 0x20, 0x42, 0x61, 0x64, 0x20, 0x52, 0x65, 0x71, 0x75, 0x65,
    0x73, 0x74, 0x34, 0x30, 0x31, 0x20, 0x55, 0x6e, 0x61, 0x75, 0x74, 0x68,
    0x6f, 0x72, 0x69, 0x7a, 0x65, 0x64, 0x34, 0x30, 0x33, 0x20, 0x46, 0x6f,
    0x72, 0x62, 0x69, 0x64, 0x64, 0x65, 0x6e, 0x34, 0x30, 0x34, 0x20, 0x4e,
    0x6f, 0x74, 0x20, 0x46, 0x6f, 0x75, 0x6e, 0x64, 0x35, 0x30, 0x30, 0x20,
    0x49, 0x6e, 0x74, 0x65, 0x72, 0x6e, 0x61, 0x6c, 0x20, 0x53, 0x65, 0x72,
    0x76, 0x65, 0x72, 0x20, 0x45, 0x72, 0x72, 0x6f, 0x72, 0x35, 0x30, 0x31,
    0x20, 0x4e, 0x6f, 0x74, 0x20, 0x49, 0x6d, 0x70, 0x6c, 0x65, 0x6d, 0x65,
    0x6e, 0x74, 0x65, 0x64, 0x35, 0x30, 0x33, 0x20, 0x53, 0x65, 0x72, 0x76,
    0x69, 0x63, 0x65, 0x20, 0x55, 0x6e, 0x61, 0x76, 0x61, 0x69, 0x6c, 0x61,
    0x62, 0x6c, 0x65, 0x4a, 0x61, 0x6e, 0x20, 0x46, 0x65, 0x62, 0x20, 0x4d,
    0x61, 0x72, 0x20, 0x41, 0x70, 0x72, 0x20, 0x4d, 0x61, 0x79, 0x20, 0x4a,
    0x75, 0x6e, 0x20, 0x4a, 0x75, 0x6c, 0x20, 0x41, 0x75, 0x67, 0x20, 0x53,
    0x65, 0x70, 0x74, 0x20, 0x4f, 0x63, 0x74, 0x20, 0x4e, 0x6f, 0x76, 0x20,
    0x44, 0x65, 0x63, 0x20, 0x30, 0x30, 0x3a, 0x30, 0x30, 0x3a, 0x30, 0x30,
    0x20, 0x4d, 0x6f, 0x6e, 0x2c, 0x20, 0x54, 0x75, 0x65, 0x2c, 0x20, 0x57,
    0x65, 0x64, 0x2c, 0x20, 0x54, 0x68, 0x75, 0x2c, 0x20, 0x46, 0x72, 0x69,
    0x2c, 0x20, 0x53, 0x61, 0x74, 0x2c, 0x20, 0x53, 0x75, 0x6e, 0x2c, 0x20,
    0x47, 0x4d, 0x54, 0x63, 0x68, 0x75, 0x6e, 0x6b, 0x65, 0x64, 0x2c, 0x74,
    0x65, 0x78, 0x74, 0x2f, 0x68, 0x74, 0x6d, 0x6c, 0x2c, 0x69, 0x6d, 0x61,
    0x67, 0x65, 0x2f, 0x70, 0x6e, 0x67, 0x2c, 0x69, 0x6d, 0x61, 0x67, 0x65,
    0x2f, 0x6a, 0x70, 0x67, 0x2c, 0x69, 0x6d, 0x61, 0x67, 0x65, 0x2f, 0x67,
    0x69, 0x66, 0x2c, 0x61, 0x70, 0x70, 0x6c, 0x69, 0x63, 0x61, 0x74, 0x69,
    0x6f, 0x6e, 0x2f, 0x78, 0x6d, 0x6c, 0x2c, 0x61, 0x70, 0x70, 0x6c, 0x69,
    0x63, 0x61, 0x74, 0x69, 0x6f, 0x6e, 0x2f, 0x78, 0x68, 0x74, 0x6d, 0x6c,
    0x2b, 0x78, 0x6d, 0x6c, 0x2c, 0x74, 0x65, 0x78, 0x74, 0x2f, 0x70, 0x6c,
    0x61, 0x69, 0x6e, 0x2c, 0x74, 0x65, 0x78, 0x74, 0x2f, 0x6a, 0x61, 0x76,
    0x61, 0x73, 0x63, 0x72, 0x69, 0x70, 0x74, 0x2c, 0x70, 0x75, 0x62, 0x6c,
    0x69, 0x63, 0x70, 0x72, 0x69, 0x76, 0x61, 0x74, 0x65, 0x6d, 0x61, 0x78,
    0x2d, 0x61, 0x67, 0x65, 0x3d, 0x67, 0x7a, 0x69, 0x70, 0x2c, 0x64, 0x65,
    0x66, 0x6c, 0x61, 0x74, 0x65, 0x2c, 0x73, 0x64, 0x63, 0x68, 0x63, 0x68,
    0x61, 0x72, 0x73, 0x65, 0x74, 0x3d, 0x75, 0x74, 0x66, 0x2d, 0x38, 0x63,
    0x68, 0x61, 0x72, 0x73, 0x65, 0x74, 0x3d, 0x69, 0x73, 0x6f, 0x2d, 0x38,
    0x38, 0x35, 0x39, 0x2d, 0x31, 0x2c, 0x75, 0x74, 0x66, 0x2d, 0x2c, 0x2a,
    0x2c, 0x65, 0x6e, 0x71, 0x3d, 0x30, 0x2e,
};

const uint8_t *kubelet_spdy_dictionary(void) { return spdy_dict; }

#define DEFAULT_MAX_CONTROL ((size_t)64 << 10)
#define DEFAULT_MAX_HEADERS ((size_t)256 << 10)
#define MAX_HEADER_PAIRS 1024

enum dstate { ST_HEADER, ST_CONTROL, ST_DATA, ST_FAILED };

struct kubelet_spdy_decoder {
    enum dstate st;
    uint8_t hdr[8];
    size_t hlen;
    /* current frame */
    int control;
    uint16_t ctype;
    uint8_t flags;
    uint32_t length;
    uint32_t stream_id; /* data frames */
    uint32_t remaining; /* data frames */
    dynbuf body;        /* control frame payload */
    dynbuf inflated;    /* scratch for one header block */
    size_t max_headers;
    z_stream zin;
    int zin_ready;
    char failmsg[160];
};

struct kubelet_spdy_encoder {
    z_stream zout;
};

static uint32_t be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

const char *kubelet_spdy_type_name(int type)
{
    switch (type) {
    case KUBELET_SPDY_DATA: return "DATA";
    case KUBELET_SPDY_SYN_STREAM: return "SYN_STREAM";
    case KUBELET_SPDY_SYN_REPLY: return "SYN_REPLY";
    case KUBELET_SPDY_RST_STREAM: return "RST_STREAM";
    case KUBELET_SPDY_SETTINGS: return "SETTINGS";
    case KUBELET_SPDY_PING: return "PING";
    case KUBELET_SPDY_GOAWAY: return "GOAWAY";
    case KUBELET_SPDY_HEADERS: return "HEADERS";
    case KUBELET_SPDY_WINDOW_UPDATE: return "WINDOW_UPDATE";
    default: return "UNKNOWN";
    }
}

kubelet_spdy_decoder *kubelet_spdy_decoder_new(size_t max_control, size_t max_headers)
{
    kubelet_spdy_decoder *d = xcalloc(1, sizeof *d);
    d->st = ST_HEADER;
    dynbuf_init(&d->body, max_control ? max_control : DEFAULT_MAX_CONTROL);
    d->max_headers = max_headers ? max_headers : DEFAULT_MAX_HEADERS;
    dynbuf_init(&d->inflated, d->max_headers);
    if (inflateInit(&d->zin) != Z_OK)
        abort(); /* only fails on OOM or a broken zlib */
    d->zin_ready = 1;
    return d;
}

void kubelet_spdy_decoder_free(kubelet_spdy_decoder *d)
{
    if (!d)
        return;
    if (d->zin_ready)
        inflateEnd(&d->zin);
    dynbuf_free(&d->body);
    dynbuf_free(&d->inflated);
    free(d);
}

static int fail(kubelet_spdy_decoder *d, char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int fail(kubelet_spdy_decoder *d, char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->failmsg, sizeof d->failmsg, fmt, ap);
    va_end(ap);
    d->st = ST_FAILED;
    if (err && errlen)
        snprintf(err, errlen, "spdy: %s", d->failmsg);
    return -1;
}

/* Inflate one frame's compressed header block through the connection's zlib
 * stream; the whole block must be consumed. */
static int inflate_block(kubelet_spdy_decoder *d, const uint8_t *p, size_t n, char *err, size_t errlen)
{
    uint8_t chunk[4096];
    dynbuf_reset(&d->inflated);
    if (n == 0)
        return fail(d, err, errlen, "empty header block");
    d->zin.next_in = (Bytef *)p;
    d->zin.avail_in = (uInt)n;
    for (;;) {
        d->zin.next_out = chunk;
        d->zin.avail_out = sizeof chunk;
        int rc = inflate(&d->zin, Z_SYNC_FLUSH);
        if (rc == Z_NEED_DICT) {
            if (inflateSetDictionary(&d->zin, spdy_dict, KUBELET_SPDY_DICT_LEN) != Z_OK)
                return fail(d, err, errlen, "header block uses an unknown zlib dictionary");
            continue;
        }
        size_t produced = sizeof chunk - d->zin.avail_out;
        if (produced && dynbuf_add(&d->inflated, chunk, produced) < 0)
            return fail(d, err, errlen, "header block inflates beyond %zu bytes", d->max_headers);
        if (rc == Z_STREAM_END)
            return fail(d, err, errlen, "header zlib stream ended");
        if (rc == Z_BUF_ERROR) {
            if (d->zin.avail_in == 0)
                break;
            return fail(d, err, errlen, "header block decompression stalled");
        }
        if (rc != Z_OK)
            return fail(d, err, errlen, "header block decompression failed: %s",
                        d->zin.msg ? d->zin.msg : "zlib error");
        if (d->zin.avail_in == 0 && d->zin.avail_out != 0)
            break;
    }
    return 0;
}

static int has_upper(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] >= 'A' && p[i] <= 'Z')
            return 1;
    return 0;
}

/* Parse the inflated name/value block into hdrs. */
static int parse_block(kubelet_spdy_decoder *d, kv_list *hdrs, char *err, size_t errlen)
{
    const uint8_t *p = (const uint8_t *)d->inflated.buf;
    size_t n = d->inflated.len, off = 0;
    if (n < 4)
        return fail(d, err, errlen, "header block shorter than its pair count");
    uint32_t count = be32(p);
    off = 4;
    if (count > MAX_HEADER_PAIRS)
        return fail(d, err, errlen, "header block has too many pairs (%u)", count);
    size_t first_of[MAX_HEADER_PAIRS];
    for (uint32_t i = 0; i < count; i++) {
        if (n - off < 4)
            return fail(d, err, errlen, "header pair %u: truncated name length", i);
        uint32_t nl = be32(p + off);
        off += 4;
        if (nl == 0)
            return fail(d, err, errlen, "header pair %u: empty name", i);
        if (nl > n - off)
            return fail(d, err, errlen, "header pair %u: name length %u exceeds block", i, nl);
        const uint8_t *name = p + off;
        off += nl;
        if (memchr(name, 0, nl))
            return fail(d, err, errlen, "header pair %u: NUL in name", i);
        if (has_upper(name, nl))
            return fail(d, err, errlen, "header pair %u: name is not lower-case", i);
        if (n - off < 4)
            return fail(d, err, errlen, "header pair %u: truncated value length", i);
        uint32_t vl = be32(p + off);
        off += 4;
        if (vl > n - off)
            return fail(d, err, errlen, "header pair %u: value length %u exceeds block", i, vl);
        const uint8_t *val = p + off;
        off += vl;
        for (uint32_t j = 0; j < i; j++) {
            const char *k = hdrs->items[first_of[j]].key;
            if (strlen(k) == nl && memcmp(k, name, nl) == 0)
                return fail(d, err, errlen, "header pair %u: duplicate name", i);
        }
        first_of[i] = hdrs->n;
        /* a NUL-joined multi-value becomes one pair per value */
        size_t vs = 0;
        for (size_t k = 0; k <= vl; k++) {
            if (k == vl || val[k] == 0) {
                kv_addn(hdrs, (const char *)name, nl, (const char *)val + vs, k - vs);
                vs = k + 1;
            }
        }
    }
    if (off != n)
        return fail(d, err, errlen, "header block has %zu trailing bytes", n - off);
    return 0;
}

static int emit_control(kubelet_spdy_decoder *d, kubelet_spdy_frame_cb cb, void *ud, char *err, size_t errlen)
{
    const uint8_t *p = (const uint8_t *)d->body.buf;
    size_t n = d->length;
    kubelet_spdy_frame f;
    memset(&f, 0, sizeof f);
    f.type = d->ctype;
    f.flags = d->flags;
    kv_list hdrs = KV_LIST_INIT;
    kubelet_spdy_setting *settings = NULL;
    int rc = 0;
    const uint8_t *block = NULL;
    size_t blen = 0;

    switch (d->ctype) {
    case KUBELET_SPDY_SYN_STREAM:
        if (n < 10)
            return fail(d, err, errlen, "SYN_STREAM payload of %zu bytes is too short", n);
        f.stream_id = be32(p) & 0x7fffffffu;
        f.assoc_id = be32(p + 4) & 0x7fffffffu;
        f.priority = p[8] >> 5;
        f.slot = p[9];
        if (f.stream_id == 0)
            return fail(d, err, errlen, "SYN_STREAM with stream id 0");
        block = p + 10;
        blen = n - 10;
        break;
    case KUBELET_SPDY_SYN_REPLY:
    case KUBELET_SPDY_HEADERS:
        if (n < 4)
            return fail(d, err, errlen, "%s payload of %zu bytes is too short", kubelet_spdy_type_name(d->ctype), n);
        f.stream_id = be32(p) & 0x7fffffffu;
        if (f.stream_id == 0)
            return fail(d, err, errlen, "%s with stream id 0", kubelet_spdy_type_name(d->ctype));
        block = p + 4;
        blen = n - 4;
        break;
    case KUBELET_SPDY_RST_STREAM:
        if (n != 8)
            return fail(d, err, errlen, "RST_STREAM length %zu, want 8", n);
        f.stream_id = be32(p) & 0x7fffffffu;
        f.status = be32(p + 4);
        if (f.status == 0)
            return fail(d, err, errlen, "RST_STREAM with status 0");
        break;
    case KUBELET_SPDY_SETTINGS: {
        if (n < 4)
            return fail(d, err, errlen, "SETTINGS payload of %zu bytes is too short", n);
        uint32_t cnt = be32(p);
        if ((n - 4) / 8 < cnt || n != 4 + (size_t)cnt * 8)
            return fail(d, err, errlen, "SETTINGS with %u entries in %zu bytes", cnt, n);
        settings = cnt ? xcalloc(cnt, sizeof *settings) : NULL;
        for (uint32_t i = 0; i < cnt; i++) {
            uint32_t w = be32(p + 4 + 8 * (size_t)i);
            settings[i].flags = (uint8_t)(w >> 24);
            settings[i].id = w & 0xffffffu;
            settings[i].value = be32(p + 8 + 8 * (size_t)i);
        }
        f.settings = settings;
        f.nsettings = cnt;
        break;
    }
    case KUBELET_SPDY_PING:
        if (n != 4)
            return fail(d, err, errlen, "PING length %zu, want 4", n);
        if (d->flags)
            return fail(d, err, errlen, "PING with flags 0x%02x", d->flags);
        f.ping_id = be32(p);
        if (f.ping_id == 0)
            return fail(d, err, errlen, "PING with id 0");
        break;
    case KUBELET_SPDY_GOAWAY:
        if (n != 8)
            return fail(d, err, errlen, "GOAWAY length %zu, want 8", n);
        if (d->flags)
            return fail(d, err, errlen, "GOAWAY with flags 0x%02x", d->flags);
        f.last_good_id = be32(p) & 0x7fffffffu;
        f.status = be32(p + 4);
        break;
    case KUBELET_SPDY_WINDOW_UPDATE:
        if (n != 8)
            return fail(d, err, errlen, "WINDOW_UPDATE length %zu, want 8", n);
        if (d->flags)
            return fail(d, err, errlen, "WINDOW_UPDATE with flags 0x%02x", d->flags);
        f.stream_id = be32(p) & 0x7fffffffu;
        f.delta = be32(p + 4) & 0x7fffffffu;
        break;
    default:
        return fail(d, err, errlen, "unknown control frame type %u", d->ctype);
    }
    if (block) {
        if (inflate_block(d, block, blen, err, errlen) < 0)
            return -1;
        if (parse_block(d, &hdrs, err, errlen) < 0) {
            kv_free(&hdrs);
            return -1;
        }
        f.headers = &hdrs;
    }
    rc = cb(ud, &f);
    kv_free(&hdrs);
    free(settings);
    return rc;
}

int kubelet_spdy_decoder_feed(kubelet_spdy_decoder *d, const void *buf, size_t len, kubelet_spdy_frame_cb cb, void *ud,
                      char *err, size_t errlen)
{
    const uint8_t *p = buf;
    if (d->st == ST_FAILED) {
        if (err && errlen)
            snprintf(err, errlen, "spdy: %s", d->failmsg);
        return -1;
    }
    while (len > 0 || (d->st == ST_DATA && d->remaining == 0)) {
        switch (d->st) {
        case ST_HEADER: {
            size_t take = 8 - d->hlen;
            if (take > len)
                take = len;
            memcpy(d->hdr + d->hlen, p, take);
            d->hlen += take;
            p += take;
            len -= take;
            if (d->hlen < 8)
                break;
            d->hlen = 0;
            uint32_t w = be32(d->hdr);
            d->flags = d->hdr[4];
            d->length = be32(d->hdr + 4) & 0xffffffu;
            if (w & 0x80000000u) {
                unsigned ver = (w >> 16) & 0x7fffu;
                d->ctype = (uint16_t)(w & 0xffffu);
                if (ver != KUBELET_SPDY_VERSION)
                    return fail(d, err, errlen, "control frame version %u, want 3", ver);
                switch (d->ctype) {
                case KUBELET_SPDY_SYN_STREAM: case KUBELET_SPDY_SYN_REPLY: case KUBELET_SPDY_RST_STREAM: case KUBELET_SPDY_SETTINGS:
                case KUBELET_SPDY_PING: case KUBELET_SPDY_GOAWAY: case KUBELET_SPDY_HEADERS: case KUBELET_SPDY_WINDOW_UPDATE:
                    break;
                default:
                    return fail(d, err, errlen, "unknown control frame type %u", d->ctype);
                }
                if (d->length > d->body.cap)
                    return fail(d, err, errlen, "%s frame of %u bytes exceeds the %zu-byte cap",
                                kubelet_spdy_type_name(d->ctype), d->length, d->body.cap);
                dynbuf_reset(&d->body);
                d->control = 1;
                d->st = ST_CONTROL;
                if (d->length == 0) {
                    int rc = emit_control(d, cb, ud, err, errlen);
                    if (d->st == ST_FAILED)
                        return -1;
                    d->st = ST_HEADER;
                    if (rc)
                        return rc;
                }
            } else {
                d->stream_id = w & 0x7fffffffu;
                if (d->stream_id == 0)
                    return fail(d, err, errlen, "DATA frame with stream id 0");
                d->control = 0;
                d->remaining = d->length;
                d->st = ST_DATA;
            }
            break;
        }
        case ST_CONTROL: {
            size_t need = d->length - d->body.len;
            size_t take = need < len ? need : len;
            if (dynbuf_add(&d->body, p, take) < 0)
                return fail(d, err, errlen, "control frame exceeds its cap");
            p += take;
            len -= take;
            if (d->body.len == d->length) {
                int rc = emit_control(d, cb, ud, err, errlen);
                if (d->st == ST_FAILED)
                    return -1;
                d->st = ST_HEADER;
                if (rc)
                    return rc;
            }
            break;
        }
        case ST_DATA: {
            size_t take = d->remaining < len ? d->remaining : len;
            kubelet_spdy_frame f;
            memset(&f, 0, sizeof f);
            f.type = KUBELET_SPDY_DATA;
            f.stream_id = d->stream_id;
            f.data = p;
            f.len = take;
            d->remaining -= (uint32_t)take;
            p += take;
            len -= take;
            int last = d->remaining == 0;
            f.flags = last ? d->flags : 0;
            if (last)
                d->st = ST_HEADER;
            if (take > 0 || d->length == 0) {
                int rc = cb(ud, &f);
                if (rc)
                    return rc;
            }
            break;
        }
        case ST_FAILED:
            return -1;
        }
    }
    return 0;
}

/* ---- encoders ---- */

kubelet_spdy_encoder *kubelet_spdy_encoder_new(void)
{
    kubelet_spdy_encoder *e = xcalloc(1, sizeof *e);
    if (deflateInit2(&e->zout, 9, Z_DEFLATED, 15, 8, Z_DEFAULT_STRATEGY) != Z_OK ||
        deflateSetDictionary(&e->zout, spdy_dict, KUBELET_SPDY_DICT_LEN) != Z_OK)
        abort(); /* only fails on OOM */
    return e;
}

void kubelet_spdy_encoder_free(kubelet_spdy_encoder *e)
{
    if (!e)
        return;
    deflateEnd(&e->zout);
    free(e);
}

static void raw32(dynbuf *b, uint32_t v)
{
    uint8_t x[4];
    put32(x, v);
    dynbuf_add(b, x, 4);
}

/* Build the uncompressed name/value block. */
static int build_block(const kv_list *hdrs, dynbuf *raw)
{
    size_t n = hdrs ? hdrs->n : 0;
    uint32_t pairs = 0;
    raw32(raw, 0);
    for (size_t i = 0; i < n; i++) {
        int seen = 0;
        for (size_t j = 0; j < i && !seen; j++)
            seen = strcasecmp(hdrs->items[i].key, hdrs->items[j].key) == 0;
        if (seen)
            continue;
        size_t nl = strlen(hdrs->items[i].key);
        if (nl == 0)
            return -1;
        raw32(raw, (uint32_t)nl);
        for (size_t k = 0; k < nl; k++) {
            char c = hdrs->items[i].key[k];
            dynbuf_addc(raw, (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c);
        }
        size_t lenpos = raw->len;
        raw32(raw, 0);
        size_t vstart = raw->len;
        int first = 1;
        for (size_t j = i; j < n; j++) {
            if (strcasecmp(hdrs->items[i].key, hdrs->items[j].key) != 0)
                continue;
            if (!first)
                dynbuf_addc(raw, '\0');
            dynbuf_adds(raw, hdrs->items[j].val);
            first = 0;
        }
        put32((uint8_t *)raw->buf + lenpos, (uint32_t)(raw->len - vstart));
        pairs++;
    }
    put32((uint8_t *)raw->buf, pairs);
    return 0;
}

static int compress_block(kubelet_spdy_encoder *e, const dynbuf *raw, dynbuf *z)
{
    uint8_t chunk[4096];
    e->zout.next_in = (Bytef *)raw->buf;
    e->zout.avail_in = (uInt)raw->len;
    do {
        e->zout.next_out = chunk;
        e->zout.avail_out = sizeof chunk;
        if (deflate(&e->zout, Z_SYNC_FLUSH) == Z_STREAM_ERROR)
            return -1;
        if (dynbuf_add(z, chunk, sizeof chunk - e->zout.avail_out) < 0)
            return -1;
    } while (e->zout.avail_out == 0);
    return 0;
}

static int control_header(dynbuf *out, int type, uint8_t flags, size_t len)
{
    if (len > KUBELET_SPDY_MAX_DATA_LENGTH)
        return -1;
    uint8_t h[8];
    put32(h, 0x80000000u | ((uint32_t)KUBELET_SPDY_VERSION << 16) | (uint32_t)type);
    put32(h + 4, ((uint32_t)flags << 24) | (uint32_t)len);
    return dynbuf_add(out, h, 8);
}

static int encode_with_block(kubelet_spdy_encoder *e, dynbuf *out, int type, uint8_t flags, const uint8_t *prefix,
                             size_t plen, const kv_list *hdrs)
{
    dynbuf raw, z;
    dynbuf_init(&raw, 0);
    dynbuf_init(&z, 0);
    int rc = -1;
    if (build_block(hdrs, &raw) == 0 && compress_block(e, &raw, &z) == 0 &&
        control_header(out, type, flags, plen + z.len) == 0 && dynbuf_add(out, prefix, plen) == 0 &&
        dynbuf_add(out, z.buf, z.len) == 0)
        rc = 0;
    dynbuf_free(&raw);
    dynbuf_free(&z);
    return rc;
}

int kubelet_spdy_encode_syn_stream(kubelet_spdy_encoder *e, dynbuf *out, uint32_t stream_id, uint32_t assoc_id,
                           uint8_t priority, uint8_t flags, const kv_list *hdrs)
{
    if (stream_id == 0 || stream_id > 0x7fffffffu || assoc_id > 0x7fffffffu || priority > 7)
        return -1;
    uint8_t pre[10];
    put32(pre, stream_id);
    put32(pre + 4, assoc_id);
    pre[8] = (uint8_t)(priority << 5);
    pre[9] = 0;
    return encode_with_block(e, out, KUBELET_SPDY_SYN_STREAM, flags, pre, sizeof pre, hdrs);
}

int kubelet_spdy_encode_syn_reply(kubelet_spdy_encoder *e, dynbuf *out, uint32_t stream_id, uint8_t flags, const kv_list *hdrs)
{
    if (stream_id == 0 || stream_id > 0x7fffffffu)
        return -1;
    uint8_t pre[4];
    put32(pre, stream_id);
    return encode_with_block(e, out, KUBELET_SPDY_SYN_REPLY, flags, pre, sizeof pre, hdrs);
}

int kubelet_spdy_encode_headers(kubelet_spdy_encoder *e, dynbuf *out, uint32_t stream_id, uint8_t flags, const kv_list *hdrs)
{
    if (stream_id == 0 || stream_id > 0x7fffffffu)
        return -1;
    uint8_t pre[4];
    put32(pre, stream_id);
    return encode_with_block(e, out, KUBELET_SPDY_HEADERS, flags, pre, sizeof pre, hdrs);
}

int kubelet_spdy_encode_data(dynbuf *out, uint32_t stream_id, uint8_t flags, const void *data, size_t len)
{
    if (stream_id == 0 || stream_id > 0x7fffffffu || len > KUBELET_SPDY_MAX_DATA_LENGTH)
        return -1;
    uint8_t h[8];
    put32(h, stream_id);
    put32(h + 4, ((uint32_t)flags << 24) | (uint32_t)len);
    if (dynbuf_add(out, h, 8) < 0)
        return -1;
    return len ? dynbuf_add(out, data, len) : 0;
}

static int fixed8(dynbuf *out, int type, uint8_t flags, uint32_t a, uint32_t b)
{
    uint8_t p[8];
    put32(p, a);
    put32(p + 4, b);
    if (control_header(out, type, flags, 8) < 0)
        return -1;
    return dynbuf_add(out, p, 8);
}

int kubelet_spdy_encode_rst_stream(dynbuf *out, uint32_t stream_id, uint32_t status)
{
    if (stream_id > 0x7fffffffu || status == 0)
        return -1;
    return fixed8(out, KUBELET_SPDY_RST_STREAM, 0, stream_id, status);
}

int kubelet_spdy_encode_goaway(dynbuf *out, uint32_t last_good_id, uint32_t status)
{
    if (last_good_id > 0x7fffffffu)
        return -1;
    return fixed8(out, KUBELET_SPDY_GOAWAY, 0, last_good_id, status);
}

int kubelet_spdy_encode_window_update(dynbuf *out, uint32_t stream_id, uint32_t delta)
{
    if (stream_id > 0x7fffffffu || delta == 0 || delta > 0x7fffffffu)
        return -1;
    return fixed8(out, KUBELET_SPDY_WINDOW_UPDATE, 0, stream_id, delta);
}

int kubelet_spdy_encode_ping(dynbuf *out, uint32_t id)
{
    if (id == 0)
        return -1;
    uint8_t p[4];
    put32(p, id);
    if (control_header(out, KUBELET_SPDY_PING, 0, 4) < 0)
        return -1;
    return dynbuf_add(out, p, 4);
}

int kubelet_spdy_encode_settings(dynbuf *out, uint8_t flags, const kubelet_spdy_setting *s, size_t n)
{
    if (n > (KUBELET_SPDY_MAX_DATA_LENGTH - 4) / 8)
        return -1;
    if (control_header(out, KUBELET_SPDY_SETTINGS, flags, 4 + 8 * n) < 0)
        return -1;
    uint8_t x[4];
    put32(x, (uint32_t)n);
    if (dynbuf_add(out, x, 4) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        uint8_t e[8];
        if (s[i].id > 0xffffffu)
            return -1;
        put32(e, ((uint32_t)s[i].flags << 24) | s[i].id);
        put32(e + 4, s[i].value);
        if (dynbuf_add(out, e, 8) < 0)
            return -1;
    }
    return 0;
}
