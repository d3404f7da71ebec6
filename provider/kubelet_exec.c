/* kubelet_rc_backend over ECI ExecContainerCommand: see kubelet_exec.h. */
#include "provider/kubelet_exec.h"
#include "eci/ops.h"
#include "eci/types.h"
#include "util/xmalloc.h"

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

static kubelet_rc_proc *eci_start(void *ud, const kubelet_rc_target *t, const kubelet_rc_options *o, const kubelet_rc_output *out, char *err,
                          size_t errlen)
{
    prov_kexec *k = ud;
    if (strcmp(t->kind, "exec") != 0 || o->argc == 0) {
        snprintf(err, errlen, "attach is not supported by Elastic Container Instance; use exec");
        return NULL;
    }
    char *cg = NULL;
    if (k->cfg.resolve(k->cfg.resolve_ud, t->namespace_, t->pod, t->uid ? t->uid : "", &cg, err, errlen) < 0 || !cg)
        return NULL;
    eci_exec_req req;
    memset(&req, 0, sizeof req);
    req.container_group_id = cg;
    req.container_name = xstrdup(t->container);
    for (size_t i = 0; i < o->argc; i++)
        eci_strv_add(&req.command, o->argv[i]);
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
