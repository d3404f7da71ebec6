/* libFuzzer target: the emulator's request path from bytes: query/form
 * parsing, common-parameter and signature checks, every operation's
 * parameter parsing and validation (CreateContainerGroup flattening,
 * filters, paging tokens, JSON-array strings, times), and rendering.
 * Input: first byte selects GET (even) or POST form body (odd) and, with
 * bit 1 set, signature V3: the rest starts with "name: value" header lines
 * and an empty line; the remainder is the query string or body. Fuzz builds
 * accept Signature=fuzz (V2) and Signature=fuzz in Authorization (V3). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "eci/emulator/emu.h"
#include "util/query.h"
#include "util/timefmt.h"
#include "util/xmalloc.h"

static emu_server *g_server;

static void setup(void)
{
    emu_options o;
    memset(&o, 0, sizeof o);
    o.access_key_id = "fuzzid";
    o.access_key_secret = "fuzzsecret";
    o.sts_key_id = "STS.fuzz";
    o.sts_key_secret = "stssecret";
    o.no_runtime = 1;
    o.schedule_delay_ms = 0;
    o.seed = 1;
    o.state_dir = "/tmp";
    char err[256];
    g_server = emu_server_new(&o, err, sizeof err);
    if (!g_server)
        abort();
}

static void call(const char *method, const char *path, const char *query, const char *body, size_t blen,
                 const kv_list *headers)
{
    emu_http_req req;
    memset(&req, 0, sizeof req);
    req.method = method;
    req.path = path;
    req.query = query;
    req.body = body;
    req.body_len = blen;
    req.headers = headers;
    req.loopback = 1;
    emu_http_resp resp;
    memset(&resp, 0, sizeof resp);
    dynbuf_init(&resp.body, 0);
    emu_server_handle(g_server, &req, &resp);
    dynbuf_free(&resp.body);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!g_server)
        setup();
    if (size < 1 || size > 65536)
        return 0;
    char *s = xmalloc(size);
    memcpy(s, data + 1, size - 1);
    s[size - 1] = 0;
    kv_list headers = KV_LIST_INIT;
    char *rest = s;
    if (data[0] & 2) {
        /* header lines up to an empty line */
        char *line = s;
        for (;;) {
            char *nl = strchr(line, '\n');
            if (!nl || nl == line) {
                rest = nl ? nl + 1 : line + strlen(line);
                break;
            }
            char *colon = memchr(line, ':', (size_t)(nl - line));
            if (colon) {
                const char *v = colon + 1;
                while (*v == ' ')
                    v++;
                kv_addn(&headers, line, (size_t)(colon - line), v, v <= nl ? (size_t)(nl - v) : 0);
            }
            line = nl + 1;
        }
    }
    size_t rlen = strlen(rest);
    if (data[0] & 1)
        call("POST", "/", NULL, rest, rlen, &headers);
    else
        call("GET", "/", rest, NULL, 0, &headers);
    kv_free(&headers);

    /* The parsers directly, without the dispatcher. */
    kv_list p = KV_LIST_INIT;
    char err[128];
    if (query_parse(s, strlen(s), QUERY_PLUS_IS_SPACE, &p, err, sizeof err) == 0) {
        emu_err e;
        emu_spec *spec = emu_spec_parse_create(&p, "cn-hangzhou", &e);
        if (spec) {
            int changed;
            emu_spec *u = emu_spec_parse_update(&p, spec, &changed, &e);
            emu_spec_free(u);
            emu_spec_free(spec);
        }
        emu_filter f;
        if (emu_filter_parse(&p, &f, 1, &e) == 0)
            emu_filter_free(&f);
        const char *nt = kv_get(&p, "NextToken");
        uint64_t off;
        if (nt)
            emu_token_decode(nt, &off);
        struct timespec ts;
        const char *t = kv_get(&p, "Timestamp");
        if (t)
            timefmt_parse(t, strlen(t), &ts);
        char digest[65];
        emu_params_digest(&p, digest);
    }
    kv_free(&p);
    free(s);
    /* keep the state small */
    static unsigned runs;
    if (g_server->store.ngroups > 64 || ++runs % 256 == 0)
        call("POST", "/_emulator/reset", NULL, NULL, 0, NULL);
    return 0;
}
