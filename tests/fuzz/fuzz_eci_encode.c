/* libFuzzer target: the request encoders (eci/encode.c) and the signature
 * over what they produce, with every string field taken from the input
 * (arbitrary bytes, NUL-separated) and limits driven by its lengths. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "eci/codec.h"
#include "eci/sign.h"
#include "util/xmalloc.h"

typedef struct src {
    const uint8_t *p;
    size_t n;
} src;

/* Next NUL-terminated piece of the input (or NULL when exhausted/empty marker). */
static char *next(src *s)
{
    if (!s->n)
        return NULL;
    const uint8_t *z = memchr(s->p, 0, s->n);
    size_t len = z ? (size_t)(z - s->p) : s->n;
    char *r = xstrndup((const char *)s->p, len);
    s->p += len + (z ? 1 : 0);
    s->n -= len + (z ? 1 : 0);
    if (len == 1 && r[0] == '~') {
        free(r);
        return NULL;
    }
    return r;
}

static unsigned num(src *s)
{
    if (!s->n)
        return 0;
    unsigned v = s->p[0];
    s->p++;
    s->n--;
    return v;
}

static void sign_all(const kv_list *l)
{
    char sig[64];
    eci_sign_rpc("POST", l, "secret", sig);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    src s = {data, size};
    eci_error err;
    kv_list o = KV_LIST_INIT;

    eci_create_cg_req r = {0};
    r.container_group_name = next(&s);
    r.client_token = next(&s);
    r.spot_strategy = next(&s);
    r.core_pattern = next(&s);
    unsigned nc = num(&s) % 4;
    for (unsigned i = 0; i < nc; i++) {
        eci_container *c = ECI_APPEND(r.containers, r.n_containers);
        c->name = next(&s);
        c->image = next(&s);
        unsigned k = num(&s) % 4;
        for (unsigned j = 0; j < k; j++) {
            char *a = next(&s);
            eci_strv_add(&c->command, a);
            free(a);
            eci_env_var *e = ECI_APPEND(c->env, c->n_env);
            e->key = next(&s);
            e->value = next(&s);
            eci_port *p = ECI_APPEND(c->ports, c->n_ports);
            p->port = ECI_INT((int)num(&s) * 300 - 100);
        }
        char *x = next(&s);
        if (x)
            eci_strv_add(&c->liveness_probe.exec, x);
        free(x);
        c->pre_stop.http_path = next(&s);
    }
    unsigned nv = num(&s) % 4;
    for (unsigned i = 0; i < nv; i++) {
        eci_volume *v = ECI_APPEND(r.volumes, r.n_volumes);
        v->name = next(&s);
        v->type = next(&s);
        eci_config_file *f = ECI_APPEND(v->config_files, v->n_config_files);
        f->path = next(&s);
        f->content = next(&s);
    }
    unsigned nt = num(&s) % 24;
    for (unsigned i = 0; i < nt; i++) {
        eci_tag *t = ECI_APPEND(r.tags, r.n_tags);
        t->key = next(&s);
        t->value = next(&s);
    }
    if (eci_encode_create_cg(&r, "cn-hangzhou", &o, &err) == 0)
        sign_all(&o);
    kv_free(&o);
    eci_create_cg_req_free(&r);

    eci_exec_req x = {0};
    x.container_group_id = next(&s);
    x.container_name = next(&s);
    unsigned ni = num(&s) % 24;
    for (unsigned i = 0; i < ni; i++) {
        char *a = next(&s);
        eci_strv_add(&x.command, a);
        free(a);
    }
    x.sync = ECI_BOOL(num(&s) & 1);
    x.tty = ECI_BOOL(num(&s) & 1);
    if (eci_encode_exec(&x, "cn-hangzhou", &o, &err) == 0)
        sign_all(&o);
    kv_free(&o);
    eci_exec_req_free(&x);

    eci_describe_cgs_req d = {0};
    unsigned nd = num(&s) % 24;
    for (unsigned i = 0; i < nd; i++) {
        char *a = next(&s);
        eci_strv_add(&d.container_group_ids, a);
        free(a);
    }
    d.next_token = next(&s);
    d.limit = ECI_INT((int)num(&s) - 2);
    if (eci_encode_describe_cgs(&d, NULL, &o, &err) == 0)
        sign_all(&o);
    kv_free(&o);
    eci_describe_cgs_req_free(&d);

    eci_log_req l = {0};
    l.container_group_id = next(&s);
    l.container_name = next(&s);
    l.tail = ECI_INT((int64_t)num(&s) * 20);
    l.limit_bytes = ECI_INT((int64_t)num(&s) * 8192);
    if (eci_encode_log(&l, "r", &o, &err) == 0)
        sign_all(&o);
    kv_free(&o);
    eci_log_req_free(&l);
    return 0;
}
