/* kubelet_rc_backend over ECI ExecContainerCommand: see kubelet_exec.h. */
#include "provider/kubelet_exec.h"
#include "eci/ops.h"
#include "eci/types.h"
#include "provider/kubelet/websocket.h"
#include "util/dynbuf.h"
#include "util/xmalloc.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

struct prov_kexec {
    prov_kexec_config cfg;
    char *ca_file;
    kubelet_rc_backend be;
};

struct kubelet_rc_proc {
    eci_exec_stream *st;
    kubelet_rc_output out;
    int stdin_open;
};

static void on_output(void *ud, int channel, const void *data, size_t len)
{
    kubelet_rc_proc *p = ud;
    if (p->out.write(p->out.ctx, channel == 2 ? 2 : 1, data, len) < 0)
        eci_exec_cancel(p->st); /* the client is gone */
}

static void eci_errmsg(const eci_error *e, char *err, size_t errlen)
{
    if (e->message[0])
        snprintf(err, errlen, "%s: %s%s%s", e->action[0] ? e->action : "ECI", e->api_code,
                 e->api_code[0] ? ": " : "", e->message);
    else if (e->detail[0])
        snprintf(err, errlen, "%s: %s", e->action[0] ? e->action : "ECI", e->detail);
    else
        snprintf(err, errlen, "%s failed (%s)", e->action[0] ? e->action : "ECI", eci_errname(e->code));
}

/* ---- argv beyond ExecContainerCommand's limits ---- */

/* Joins "$@" (the chunks) with IFS empty, which "$*" then concatenates
 * without separators, and runs the result. */
static const char FIT_DECODER[] = "IFS=;eval \"$*\"";

#define ATTACH_UNSUPPORTED                                                                                 \
    "attach is not supported by Elastic Container Instance (it has no API to attach to a container's main "  \
    "process); use kubectl exec, or kubectl logs -f for its output"

static int is_alnum(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* One argument as a shell word: single-quoted when it is UTF-8 (the chunks
 * travel as JSON strings); otherwise a variable set first from printf octal
 * escapes, the trailing "x" keeping the newlines command substitution drops. */
static void shell_word(dynbuf *pre, dynbuf *words, size_t i, const char *a)
{
    size_t n = strlen(a);
    dynbuf_addc(words, ' ');
    if (kubelet_ws_utf8_valid((const uint8_t *)a, n)) {
        dynbuf_addc(words, '\'');
        for (const char *p = a; *p; p++) {
            if (*p == '\'')
                dynbuf_adds(words, "'\\''");
            else
                dynbuf_addc(words, *p);
        }
        dynbuf_addc(words, '\'');
        return;
    }
    dynbuf_printf(pre, "a%zu=$(printf '", i);
    for (const unsigned char *p = (const unsigned char *)a; *p; p++) {
        if (is_alnum(*p))
            dynbuf_addc(pre, (char)*p);
        else
            dynbuf_printf(pre, "\\%03o", *p);
    }
    dynbuf_printf(pre, "x');a%zu=${a%zu%%x};", i, i);
    dynbuf_printf(words, "\"$a%zu\"", i);
}

int prov_kexec_fit_argv(const char *const *argv, size_t argc, eci_strv *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    int fits = argc <= PROV_KEXEC_MAX_ITEMS;
    size_t total = 0;
    for (size_t i = 0; i < argc; i++) {
        size_t l = strlen(argv[i]);
        total += l;
        if (l > PROV_KEXEC_MAX_ITEM_LEN)
            fits = 0;
    }
    if (fits) {
        for (size_t i = 0; i < argc; i++)
            eci_strv_add(out, argv[i]);
        return 0;
    }
    dynbuf pre, words;
    dynbuf_init(&pre, 0);
    dynbuf_init(&words, 0);
    dynbuf_adds(&words, "exec");
    for (size_t i = 0; i < argc; i++)
        shell_word(&pre, &words, i, argv[i]);
    dynbuf_add(&pre, words.buf, words.len);
    eci_strv_add(out, "/bin/sh");
    eci_strv_add(out, "-c");
    eci_strv_add(out, FIT_DECODER);
    eci_strv_add(out, "sh");
    /* the script in chunks, never cutting a UTF-8 sequence */
    size_t off = 0;
    int rc = 0;
    while (off < pre.len) {
        if (out->n == PROV_KEXEC_MAX_ITEMS) {
            rc = -1;
            break;
        }
        size_t take = pre.len - off < PROV_KEXEC_MAX_ITEM_LEN ? pre.len - off : PROV_KEXEC_MAX_ITEM_LEN;
        while (take > 0 && off + take < pre.len && ((unsigned char)pre.buf[off + take] & 0xC0) == 0x80)
            take--;
        char *chunk = xstrndup(pre.buf + off, take);
        eci_strv_add(out, chunk);
        free(chunk);
        off += take;
    }
    if (rc < 0) {
        eci_strv_free(out);
        memset(out, 0, sizeof *out);
        snprintf(err, errlen,
                 "the command (%zu arguments, %zu bytes) does not fit Elastic Container Instance's exec limits "
                 "(%d arguments of at most %d bytes), even passed in chunks through the container's /bin/sh "
                 "(%zu bytes as a shell command, at most %d)",
                 argc, total, PROV_KEXEC_MAX_ITEMS, PROV_KEXEC_MAX_ITEM_LEN, pre.len,
                 (PROV_KEXEC_MAX_ITEMS - 4) * PROV_KEXEC_MAX_ITEM_LEN);
    }
    dynbuf_free(&pre);
    dynbuf_free(&words);
    return rc;
}

static kubelet_rc_proc *eci_start(void *ud, const kubelet_rc_target *t, const kubelet_rc_options *o, const kubelet_rc_output *out, char *err,
                          size_t errlen)
{
    prov_kexec *k = ud;
    if (strcmp(t->kind, "exec") != 0 || o->argc == 0) {
        snprintf(err, errlen, "%s", ATTACH_UNSUPPORTED);
        return NULL;
    }
    eci_strv cmd;
    if (prov_kexec_fit_argv((const char *const *)o->argv, o->argc, &cmd, err, errlen) < 0)
        return NULL;
    char *cg = NULL;
    if (k->cfg.resolve(k->cfg.resolve_ud, t->namespace_, t->pod, t->uid ? t->uid : "", &cg, err, errlen) < 0 || !cg) {
        eci_strv_free(&cmd);
        return NULL;
    }
    eci_exec_req req;
    memset(&req, 0, sizeof req);
    req.container_group_id = cg;
    req.container_name = xstrdup(t->container);
    req.command = cmd;
    req.tty = ECI_BOOL(o->tty);
    req.stdin_open = ECI_BOOL(o->in);
    eci_exec_resp resp;
    memset(&resp, 0, sizeof resp);
    eci_error e;
    memset(&e, 0, sizeof e);
    kubelet_rc_proc *p = NULL;
    if (eci_exec_container_command(k->cfg.client, &req, &resp, &e) < 0) {
        eci_errmsg(&e, err, errlen);
        goto out;
    }
    if (!resp.web_socket_uri || !*resp.web_socket_uri) {
        snprintf(err, errlen, "ExecContainerCommand returned no WebSocketUri");
        goto out;
    }
    p = xcalloc(1, sizeof *p);
    p->out = *out;
    p->stdin_open = o->in;
    eci_exec_opts so;
    memset(&so, 0, sizeof so);
    so.ca_file = k->ca_file;
    so.insecure_skip_verify = k->cfg.ws_insecure_skip_verify;
    so.connect_timeout_ms = k->cfg.connect_timeout_ms;
    so.on_output = on_output;
    so.ud = p;
    memset(&e, 0, sizeof e);
    p->st = eci_exec_open(resp.web_socket_uri, &so, &e);
    if (!p->st) {
        eci_errmsg(&e, err, errlen);
        free(p);
        p = NULL;
    }
out:
    eci_exec_req_free(&req);
    eci_exec_resp_free(&resp);
    return p;
}

/* Before the upgrade, as the kubelet's streaming server refuses (plain text,
 * 500; 404 when the pod is not here): attach, and a command that cannot be
 * sent at all. */
static int eci_check(void *ud, const kubelet_rc_target *t, const kubelet_rc_options *o, char *err, size_t errlen)
{
    prov_kexec *k = ud;
    if (strcmp(t->kind, "exec") != 0 || o->argc == 0) {
        snprintf(err, errlen, "%s", ATTACH_UNSUPPORTED);
        return 500;
    }
    eci_strv cmd;
    if (prov_kexec_fit_argv((const char *const *)o->argv, o->argc, &cmd, err, errlen) < 0)
        return 500;
    eci_strv_free(&cmd);
    char *cg = NULL;
    if (k->cfg.resolve(k->cfg.resolve_ud, t->namespace_, t->pod, t->uid ? t->uid : "", &cg, err, errlen) < 0 || !cg)
        return 404;
    free(cg);
    return 0;
}

static int eci_write_stdin(kubelet_rc_proc *p, const void *data, size_t n)
{
    return p->stdin_open ? eci_exec_write_stdin(p->st, data, n) : -1;
}

static void eci_close_stdin(kubelet_rc_proc *p)
{
    if (p->stdin_open) {
        p->stdin_open = 0;
        eci_exec_close_stdin(p->st);
    }
}

static void eci_resize(kubelet_rc_proc *p, uint16_t w, uint16_t h)
{
    eci_exec_resize(p->st, w, h);
}

static int eci_wait(kubelet_rc_proc *p, int *exit_code, char *msg, size_t msglen)
{
    eci_error e;
    memset(&e, 0, sizeof e);
    if (eci_exec_wait(p->st, -1, exit_code, &e) == 0)
        return 0;
    eci_errmsg(&e, msg, msglen);
    return -1;
}

static void eci_cancel(kubelet_rc_proc *p) { eci_exec_cancel(p->st); }

static void eci_release(kubelet_rc_proc *p)
{
    if (!p)
        return;
    eci_exec_free(p->st);
    free(p);
}

prov_kexec *prov_kexec_new(const prov_kexec_config *cfg)
{
    prov_kexec *k = xcalloc(1, sizeof *k);
    k->cfg = *cfg;
    k->ca_file = xstrdup(cfg->ws_ca_file);
    k->be.ud = k;
    k->be.check = eci_check;
    k->be.start = eci_start;
    k->be.write_stdin = eci_write_stdin;
    k->be.close_stdin = eci_close_stdin;
    k->be.resize = eci_resize;
    k->be.wait = eci_wait;
    k->be.cancel = eci_cancel;
    k->be.release = eci_release;
    return k;
}

const kubelet_rc_backend *prov_kexec_backend(prov_kexec *k) { return &k->be; }

void prov_kexec_free(prov_kexec *k)
{
    if (!k)
        return;
    free(k->ca_file);
    free(k);
}
