#include "k8s/config.h"
#include "util/base64.h"
#include "util/dynbuf.h"
#include "util/xmalloc.h"

#include <errno.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <yaml.h>

#define SA_DIR "/var/run/secrets/kubernetes.io/serviceaccount"
#define FILE_CAP ((size_t)4 << 20)
#define TOKEN_REREAD_S 60

struct k8s_config {
    char *source;
    char *context;
    char *server;
    char *tls_server_name;
    int insecure;
    char *ns;
    char *warning;
    unsigned char *ca;
    size_t ca_len;
    pthread_mutex_t mu; /* guards the token fields and the client certificate (rotated) */
    unsigned char *cert;
    size_t cert_len;
    unsigned char *key;
    size_t key_len;
    char *token;
    char *token_file;
    time_t token_mtime;
    off_t token_size;
    time_t token_read_at;
};

static k8s_config *config_alloc(const char *source)
{
    k8s_config *c = xcalloc(1, sizeof *c);
    pthread_mutex_init(&c->mu, NULL);
    c->source = xstrdup(source);
    return c;
}

k8s_config *k8s_config_new(const char *server)
{
    k8s_config *c = config_alloc("programmatic");
    c->server = xstrdup(server);
    return c;
}

void k8s_config_free(k8s_config *c)
{
    if (!c)
        return;
    free(c->source);
    free(c->context);
    free(c->server);
    free(c->tls_server_name);
    free(c->ns);
    free(c->warning);
    free(c->ca);
    if (c->key) {
        OPENSSL_cleanse(c->key, c->key_len);
        free(c->key);
    }
    free(c->cert);
    if (c->token) {
        OPENSSL_cleanse(c->token, strlen(c->token));
        free(c->token);
    }
    free(c->token_file);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

const char *k8s_config_server(const k8s_config *c) { return c->server; }
const char *k8s_config_namespace(const k8s_config *c) { return c->ns && *c->ns ? c->ns : "default"; }
const char *k8s_config_context(const k8s_config *c) { return c->context; }
const char *k8s_config_source(const k8s_config *c) { return c->source; }
const char *k8s_config_tls_server_name(const k8s_config *c) { return c->tls_server_name; }
int k8s_config_insecure(const k8s_config *c) { return c->insecure; }
const char *k8s_config_warning(const k8s_config *c) { return c->warning; }

const unsigned char *k8s_config_ca(const k8s_config *c, size_t *len)
{
    *len = c->ca_len;
    return c->ca;
}
const unsigned char *k8s_config_client_cert(const k8s_config *c, size_t *len)
{
    *len = c->cert_len;
    return c->cert;
}
const unsigned char *k8s_config_client_key(const k8s_config *c, size_t *len)
{
    *len = c->key_len;
    return c->key;
}

static unsigned char *blob_dup(const unsigned char *p, size_t n)
{
    unsigned char *d = xmalloc(n + 1);
    memcpy(d, p, n);
    d[n] = 0;
    return d;
}

static void wipe_free(unsigned char *p, size_t n)
{
    if (p) {
        OPENSSL_cleanse(p, n);
        free(p);
    }
}

void k8s_config_set_client_cert(k8s_config *c, const unsigned char *cert, size_t cert_len, const unsigned char *key,
                                size_t key_len)
{
    unsigned char *nc = blob_dup(cert, cert_len), *nk = blob_dup(key, key_len);
    pthread_mutex_lock(&c->mu);
    unsigned char *oc = c->cert, *ok = c->key;
    size_t okl = c->key_len;
    c->cert = nc;
    c->cert_len = cert_len;
    c->key = nk;
    c->key_len = key_len;
    pthread_mutex_unlock(&c->mu);
    free(oc);
    wipe_free(ok, okl);
}

int k8s_config_client_creds(k8s_config *c, unsigned char **cert, size_t *cert_len, unsigned char **key,
                            size_t *key_len)
{
    *cert = *key = NULL;
    *cert_len = *key_len = 0;
    pthread_mutex_lock(&c->mu);
    if (c->cert && c->cert_len) {
        *cert = blob_dup(c->cert, c->cert_len);
        *cert_len = c->cert_len;
    }
    if (c->key && c->key_len) {
        *key = blob_dup(c->key, c->key_len);
        *key_len = c->key_len;
    }
    pthread_mutex_unlock(&c->mu);
    return *cert || *key;
}

void k8s_config_free_creds(unsigned char *cert, size_t cert_len, unsigned char *key, size_t key_len)
{
    (void)cert_len;
    free(cert);
    wipe_free(key, key_len);
}

k8s_config *k8s_config_with_client_cert(const k8s_config *base, const unsigned char *cert, size_t cert_len,
                                        const unsigned char *key, size_t key_len)
{
    k8s_config *c = config_alloc(base->source);
    c->server = xstrdup(base->server);
    if (base->context)
        c->context = xstrdup(base->context);
    if (base->tls_server_name)
        c->tls_server_name = xstrdup(base->tls_server_name);
    c->insecure = base->insecure;
    if (base->ns)
        c->ns = xstrdup(base->ns);
    if (base->warning)
        c->warning = xstrdup(base->warning);
    if (base->ca) {
        c->ca = blob_dup(base->ca, base->ca_len);
        c->ca_len = base->ca_len;
    }
    k8s_config_set_client_cert(c, cert, cert_len, key, key_len);
    return c;
}

void k8s_config_set_token(k8s_config *c, const char *token)
{
    pthread_mutex_lock(&c->mu);
    xstrset(&c->token, token);
    pthread_mutex_unlock(&c->mu);
}

void k8s_config_set_namespace(k8s_config *c, const char *ns) { xstrset(&c->ns, ns); }

/* Read a whole file (capped) into a fresh NUL-terminated buffer. */
static int read_file(const char *path, char **out, size_t *len, struct stat *st_out, char *why, size_t whylen)
{
#ifdef ECI_FUZZING
    /* fuzz inputs name arbitrary paths (/dev/stdin...): never open them */
    (void)out; (void)len; (void)st_out;
    snprintf(why, whylen, "cannot read %s: file access disabled while fuzzing", path);
    return -1;
#endif
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(why, whylen, "cannot read %s: %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && st_out)
        *st_out = st;
    dynbuf b;
    dynbuf_init(&b, FILE_CAP);
    char tmp[8192];
    size_t n;
    int rc = 0;
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0) {
        if (dynbuf_add(&b, tmp, n) < 0) {
            snprintf(why, whylen, "%s is larger than %zu bytes", path, FILE_CAP);
            rc = -1;
            break;
        }
    }
    if (rc == 0 && ferror(f)) {
        snprintf(why, whylen, "cannot read %s: %s", path, strerror(errno));
        rc = -1;
    }
    fclose(f);
    if (rc < 0) {
        dynbuf_free(&b);
        return -1;
    }
    dynbuf_addc(&b, '\0');
    b.len--;
    *out = dynbuf_take(&b, len);
    return 0;
}

static char *trim_dup(const char *s, size_t n)
{
    while (n && (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')) {
        s++;
        n--;
    }
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
        n--;
    return xstrndup(s, n);
}

/* ---- token rotation ---- */

static int token_reload_locked(k8s_config *c, int force, k8s_error *err)
{
    struct stat st;
    time_t now = time(NULL);
    if (stat(c->token_file, &st) != 0)
        return k8s_error_set(err, K8S_E_CONFIG, "token file %s: %s", c->token_file, strerror(errno));
    if (!force && c->token && st.st_mtime == c->token_mtime && st.st_size == c->token_size &&
        now - c->token_read_at < TOKEN_REREAD_S)
        return 0;
    char *data, why[512];
    size_t len;
    if (read_file(c->token_file, &data, &len, &st, why, sizeof why) < 0)
        return k8s_error_set(err, K8S_E_CONFIG, "token file: %s", why);
    char *tok = trim_dup(data, len);
    OPENSSL_cleanse(data, len);
    free(data);
    if (!*tok) {
        free(tok);
        return k8s_error_set(err, K8S_E_CONFIG, "token file %s is empty", c->token_file);
    }
    if (c->token) {
        OPENSSL_cleanse(c->token, strlen(c->token));
        free(c->token);
    }
    c->token = tok;
    c->token_mtime = st.st_mtime;
    c->token_size = st.st_size;
    c->token_read_at = now;
    return 0;
}

char *k8s_config_token(k8s_config *c, k8s_error *err)
{
    char *t = NULL;
    pthread_mutex_lock(&c->mu);
    if (c->token_file && token_reload_locked(c, 0, err) < 0 && !c->token) {
        pthread_mutex_unlock(&c->mu);
        return NULL;
    }
    t = xstrdup(c->token);
    pthread_mutex_unlock(&c->mu);
    return t;
}

/* ---- PEM checks (OpenSSL) ---- */

static int no_password(char *buf, int size, int rwflag, void *u)
{
    (void)buf; (void)size; (void)rwflag; (void)u;
    return -1;
}

static int pem_has_cert(const unsigned char *p, size_t n)
{
    BIO *bio = BIO_new_mem_buf(p, (int)n);
    if (!bio)
        return 0;
    X509 *x = PEM_read_bio_X509(bio, NULL, no_password, NULL);
    int ok = x != NULL;
    X509_free(x);
    BIO_free(bio);
    ERR_clear_error();
    return ok;
}

static int pem_has_key(const unsigned char *p, size_t n)
{
    BIO *bio = BIO_new_mem_buf(p, (int)n);
    if (!bio)
        return 0;
    EVP_PKEY *k = PEM_read_bio_PrivateKey(bio, NULL, no_password, NULL);
    int ok = k != NULL;
    EVP_PKEY_free(k);
    BIO_free(bio);
    ERR_clear_error();
    return ok;
}

/* ---- kubeconfig parsing ---- */

typedef struct kc {
    yaml_document_t doc;
    const char *name;
    const char *base_dir;
    k8s_error *err;
} kc;

static int kc_fail(kc *k, k8s_code code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int kc_fail(kc *k, k8s_code code, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return k8s_error_set(k->err, code, "kubeconfig %s: %s", k->name, msg);
}

static yaml_node_t *node(kc *k, int id) { return id ? yaml_document_get_node(&k->doc, id) : NULL; }

static yaml_node_t *map_get(kc *k, yaml_node_t *m, const char *key)
{
    if (!m || m->type != YAML_MAPPING_NODE)
        return NULL;
    for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
        yaml_node_t *kn = node(k, p->key);
        if (kn && kn->type == YAML_SCALAR_NODE && strlen(key) == kn->data.scalar.length &&
            !memcmp(kn->data.scalar.value, key, kn->data.scalar.length))
            return node(k, p->value);
    }
    return NULL;
}

static int is_null_scalar(yaml_node_t *n)
{
    if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return 0;
    const char *v = (const char *)n->data.scalar.value;
    return !strcmp(v, "") || !strcmp(v, "~") || !strcmp(v, "null") || !strcmp(v, "Null") || !strcmp(v, "NULL");
}

/* Scalar string at m[key]: 0 with *out borrowed (NULL if absent or null), -1 bad type. */
static int get_str(kc *k, yaml_node_t *m, const char *key, const char *field, const char **out)
{
    *out = NULL;
    yaml_node_t *n = map_get(k, m, key);
    if (!n || is_null_scalar(n))
        return 0;
    if (n->type != YAML_SCALAR_NODE)
        return kc_fail(k, K8S_E_CONFIG, "%s.%s: expected a string", field, key);
    if (strlen((const char *)n->data.scalar.value) != n->data.scalar.length)
        return kc_fail(k, K8S_E_CONFIG, "%s.%s: contains a NUL byte", field, key);
    *out = (const char *)n->data.scalar.value;
    return 0;
}

static int get_bool(kc *k, yaml_node_t *m, const char *key, const char *field, int *out)
{
    const char *s;
    *out = 0;
    if (get_str(k, m, key, field, &s) < 0)
        return -1;
    if (!s)
        return 0;
    if (!strcmp(s, "true") || !strcmp(s, "True") || !strcmp(s, "TRUE"))
        *out = 1;
    else if (!strcmp(s, "false") || !strcmp(s, "False") || !strcmp(s, "FALSE"))
        *out = 0;
    else
        return kc_fail(k, K8S_E_CONFIG, "%s.%s: not a boolean", field, key);
    return 0;
}

/* Find the entry of the named list whose "name" is want; *idx its index. */
static int find_named(kc *k, yaml_node_t *root, const char *list, const char *want, yaml_node_t **entry, int *idx)
{
    *entry = NULL;
    *idx = -1;
    yaml_node_t *seq = map_get(k, root, list);
    if (!seq || is_null_scalar(seq))
        return 0;
    if (seq->type != YAML_SEQUENCE_NODE)
        return kc_fail(k, K8S_E_CONFIG, "%s: expected a list", list);
    int i = 0;
    for (yaml_node_item_t *it = seq->data.sequence.items.start; it < seq->data.sequence.items.top; it++, i++) {
        yaml_node_t *e = node(k, *it);
        char field[64];
        snprintf(field, sizeof field, "%s[%d]", list, i);
        if (!e || e->type != YAML_MAPPING_NODE)
            return kc_fail(k, K8S_E_CONFIG, "%s: expected a mapping", field);
        const char *name;
        if (get_str(k, e, "name", field, &name) < 0)
            return -1;
        if (name && !strcmp(name, want)) {
            *entry = e;
            *idx = i;
            return 0;
        }
    }
    return 0;
}

static char *resolve_path(kc *k, const char *p)
{
    if (p[0] == '/' || !k->base_dir || !*k->base_dir)
        return xstrdup(p);
    return xasprintf("%s/%s", k->base_dir, p);
}

/* Load a PEM blob from either "<key>-data" (base64) or "<key>" (a file).
 * kind: 'c' certificate(s), 'k' private key. */
static int load_blob(kc *k, yaml_node_t *m, const char *field, const char *datakey, const char *filekey,
                     int kind, unsigned char **out, size_t *outlen)
{
    const char *data, *file;
    char full[128];
    if (get_str(k, m, datakey, field, &data) < 0 || get_str(k, m, filekey, field, &file) < 0)
        return -1;
    *out = NULL;
    *outlen = 0;
    if (data && *data) {
        snprintf(full, sizeof full, "%s.%s", field, datakey);
        *out = b64_decode(data, strlen(data), B64_WS, outlen);
        if (!*out)
            return kc_fail(k, K8S_E_CONFIG, "%s: invalid base64", full);
    } else if (file && *file) {
        snprintf(full, sizeof full, "%s.%s", field, filekey);
        char *path = resolve_path(k, file), why[600], *buf;
        size_t len;
        int rc = read_file(path, &buf, &len, NULL, why, sizeof why);
        free(path);
        if (rc < 0)
            return kc_fail(k, K8S_E_CONFIG, "%s: %s", full, why);
        *out = (unsigned char *)buf;
        *outlen = len;
    } else {
        return 0;
    }
    int ok = kind == 'k' ? pem_has_key(*out, *outlen) : pem_has_cert(*out, *outlen);
    if (!ok) {
        OPENSSL_cleanse(*out, *outlen);
        free(*out);
        *out = NULL;
        *outlen = 0;
        return kc_fail(k, K8S_E_CONFIG, "%s: not a PEM %s", full,
                       kind == 'k' ? "private key (or it is encrypted)" : "certificate");
    }
    return 0;
}

static int parse_cluster(kc *k, yaml_node_t *root, const char *name, int ctx_idx, k8s_config *c)
{
    yaml_node_t *e;
    int i;
    if (find_named(k, root, "clusters", name, &e, &i) < 0)
        return -1;
    if (!e)
        return kc_fail(k, K8S_E_CONFIG, "contexts[%d].context.cluster: cluster \"%s\" not found", ctx_idx, name);
    char field[64];
    snprintf(field, sizeof field, "clusters[%d].cluster", i);
    yaml_node_t *cl = map_get(k, e, "cluster");
    if (!cl || cl->type != YAML_MAPPING_NODE)
        return kc_fail(k, K8S_E_CONFIG, "%s: missing or not a mapping", field);
    const char *server, *sni;
    if (get_str(k, cl, "server", field, &server) < 0 || get_str(k, cl, "tls-server-name", field, &sni) < 0)
        return -1;
    if (!server || !*server)
        return kc_fail(k, K8S_E_CONFIG, "%s.server: missing", field);
    if (strncmp(server, "https://", 8) && strncmp(server, "http://", 7))
        return kc_fail(k, K8S_E_CONFIG, "%s.server: \"%s\" is not an http(s) URL", field, server);
    size_t sl = strlen(server);
    while (sl > 8 && server[sl - 1] == '/')
        sl--;
    c->server = xstrndup(server, sl);
    if (sni && *sni)
        c->tls_server_name = xstrdup(sni);
    if (get_bool(k, cl, "insecure-skip-tls-verify", field, &c->insecure) < 0)
        return -1;
    if (load_blob(k, cl, field, "certificate-authority-data", "certificate-authority", 'c', &c->ca, &c->ca_len) < 0)
        return -1;
    if (c->insecure)
        c->warning = xasprintf("WARNING: kubeconfig %s: %s.insecure-skip-tls-verify is true: the apiserver's "
                               "certificate is NOT verified; anyone on the network path can impersonate it",
                               k->name, field);
    return 0;
}

static int parse_user(kc *k, yaml_node_t *root, const char *name, int ctx_idx, k8s_config *c)
{
    yaml_node_t *e;
    int i;
    if (find_named(k, root, "users", name, &e, &i) < 0)
        return -1;
    if (!e)
        return kc_fail(k, K8S_E_CONFIG, "contexts[%d].context.user: user \"%s\" not found", ctx_idx, name);
    char field[64];
    snprintf(field, sizeof field, "users[%d].user", i);
    yaml_node_t *u = map_get(k, e, "user");
    if (!u || is_null_scalar(u))
        return 0;
    if (u->type != YAML_MAPPING_NODE)
        return kc_fail(k, K8S_E_CONFIG, "%s: not a mapping", field);
    static const char *const unsupported[] = { "username", "password", "exec", "auth-provider" };
    for (size_t j = 0; j < sizeof unsupported / sizeof *unsupported; j++) {
        yaml_node_t *n = map_get(k, u, unsupported[j]);
        if (n && !is_null_scalar(n))
            return kc_fail(k, K8S_E_UNSUPPORTED, "%s.%s: unsupported (use a client certificate or a token)", field,
                           unsupported[j]);
    }
    if (load_blob(k, u, field, "client-certificate-data", "client-certificate", 'c', &c->cert, &c->cert_len) < 0)
        return -1;
    if (load_blob(k, u, field, "client-key-data", "client-key", 'k', &c->key, &c->key_len) < 0)
        return -1;
    if (c->cert && !c->key)
        return kc_fail(k, K8S_E_CONFIG, "%s.client-key-data: missing (client certificate given without a key)", field);
    if (c->key && !c->cert)
        return kc_fail(k, K8S_E_CONFIG,
                       "%s.client-certificate-data: missing (client key given without a certificate)", field);
    const char *tok, *tokfile;
    if (get_str(k, u, "token", field, &tok) < 0 || get_str(k, u, "tokenFile", field, &tokfile) < 0)
        return -1;
    if (tok && *tok) {
        c->token = trim_dup(tok, strlen(tok));
    } else if (tokfile && *tokfile) {
        c->token_file = resolve_path(k, tokfile);
        k8s_error terr;
        k8s_error_clear(&terr);
        if (token_reload_locked(c, 1, &terr) < 0)
            return kc_fail(k, K8S_E_CONFIG, "%s.tokenFile: %s", field, terr.message);
    }
    return 0;
}

int k8s_config_parse_kubeconfig(const char *data, size_t len, const char *name, const char *base_dir,
                                const char *context, k8s_config **out, k8s_error *err)
{
    *out = NULL;
    kc k = { .name = name ? name : "(memory)", .base_dir = base_dir, .err = err };
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser))
        return k8s_error_set(err, K8S_E_CONFIG, "kubeconfig %s: cannot initialise the YAML parser", k.name);
    yaml_parser_set_input_string(&parser, (const unsigned char *)data, len);
    if (!yaml_parser_load(&parser, &k.doc)) {
        int rc = kc_fail(&k, K8S_E_CONFIG, "YAML error at line %zu column %zu: %s",
                         parser.problem_mark.line + 1, parser.problem_mark.column + 1,
                         parser.problem ? parser.problem : "malformed");
        yaml_parser_delete(&parser);
        return rc;
    }
    yaml_parser_delete(&parser);

    k8s_config *c = NULL;
    int rc = -1;
    yaml_node_t *root = yaml_document_get_root_node(&k.doc);
    if (!root || is_null_scalar(root)) {
        kc_fail(&k, K8S_E_CONFIG, "empty document");
        goto out;
    }
    if (root->type != YAML_MAPPING_NODE) {
        kc_fail(&k, K8S_E_CONFIG, "top level is not a mapping");
        goto out;
    }
    const char *cur;
    if (get_str(&k, root, "current-context", "(top level)", &cur) < 0)
        goto out;
    const char *ctxname = context && *context ? context : cur;
    if (!ctxname || !*ctxname) {
        kc_fail(&k, K8S_E_CONFIG, "current-context: not set and no context given");
        goto out;
    }
    yaml_node_t *ce;
    int ci;
    if (find_named(&k, root, "contexts", ctxname, &ce, &ci) < 0)
        goto out;
    if (!ce) {
        kc_fail(&k, K8S_E_CONFIG, "context \"%s\" not found", ctxname);
        goto out;
    }
    char field[64];
    snprintf(field, sizeof field, "contexts[%d].context", ci);
    yaml_node_t *cx = map_get(&k, ce, "context");
    if (!cx || cx->type != YAML_MAPPING_NODE) {
        kc_fail(&k, K8S_E_CONFIG, "%s: missing or not a mapping", field);
        goto out;
    }
    const char *cluster, *user, *ns;
    if (get_str(&k, cx, "cluster", field, &cluster) < 0 || get_str(&k, cx, "user", field, &user) < 0 ||
        get_str(&k, cx, "namespace", field, &ns) < 0)
        goto out;
    if (!cluster || !*cluster) {
        kc_fail(&k, K8S_E_CONFIG, "%s.cluster: missing", field);
        goto out;
    }
    c = config_alloc(k.name);
    c->context = xstrdup(ctxname);
    if (ns && *ns)
        c->ns = xstrdup(ns);
    if (parse_cluster(&k, root, cluster, ci, c) < 0)
        goto out;
    if (user && *user && parse_user(&k, root, user, ci, c) < 0)
        goto out;
    rc = 0;
out:
    yaml_document_delete(&k.doc);
    if (rc == 0) {
        *out = c;
    } else {
        k8s_config_free(c);
        /* libyaml details can name a context; keep the message as built */
    }
    return rc;
}

int k8s_config_load_kubeconfig(const char *path, const char *context, k8s_config **out, k8s_error *err)
{
    *out = NULL;
    char *data, why[600];
    size_t len;
    if (read_file(path, &data, &len, NULL, why, sizeof why) < 0)
        return k8s_error_set(err, K8S_E_CONFIG, "kubeconfig %s", why);
    char *dir = xstrdup(path);
    char *slash = strrchr(dir, '/');
    if (slash && slash != dir)
        *slash = '\0';
    else if (slash)
        dir[1] = '\0';
    else
        xstrset(&dir, ".");
    int rc = k8s_config_parse_kubeconfig(data, len, path, dir, context, out, err);
    OPENSSL_cleanse(data, len);
    free(data);
    free(dir);
    return rc;
}

int k8s_config_in_cluster(const k8s_incluster_paths *paths, k8s_config **out, k8s_error *err)
{
    *out = NULL;
    const char *host = getenv("KUBERNETES_SERVICE_HOST"), *port = getenv("KUBERNETES_SERVICE_PORT");
    if (!host || !*host || !port || !*port)
        return k8s_error_set(err, K8S_E_CONFIG,
                             "in-cluster config: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be set");
    const char *tokf = paths && paths->token_file ? paths->token_file : SA_DIR "/token";
    const char *caf = paths && paths->ca_file ? paths->ca_file : SA_DIR "/ca.crt";
    const char *nsf = paths && paths->namespace_file ? paths->namespace_file : SA_DIR "/namespace";
    k8s_config *c = config_alloc("in-cluster");
    if (strchr(host, ':'))
        c->server = xasprintf("https://[%s]:%s", host, port);
    else
        c->server = xasprintf("https://%s:%s", host, port);
    c->token_file = xstrdup(tokf);
    if (token_reload_locked(c, 1, err) < 0) {
        char m[sizeof err->message];
        snprintf(m, sizeof m, "%s", err ? err->message : "");
        k8s_config_free(c);
        return k8s_error_set(err, K8S_E_CONFIG, "in-cluster config: %s", m);
    }
    char *buf, why[600];
    size_t len;
    if (read_file(caf, &buf, &len, NULL, why, sizeof why) < 0) {
        k8s_config_free(c);
        return k8s_error_set(err, K8S_E_CONFIG, "in-cluster config: CA file: %s", why);
    }
    c->ca = (unsigned char *)buf;
    c->ca_len = len;
    if (!pem_has_cert(c->ca, c->ca_len)) {
        k8s_config_free(c);
        return k8s_error_set(err, K8S_E_CONFIG, "in-cluster config: CA file %s: not a PEM certificate", caf);
    }
    if (read_file(nsf, &buf, &len, NULL, why, sizeof why) == 0) {
        c->ns = trim_dup(buf, len);
        free(buf);
    }
    *out = c;
    return 0;
}

int k8s_config_load_default(const char *kubeconfig_path, const char *context, k8s_config **out, k8s_error *err)
{
    if (kubeconfig_path && *kubeconfig_path)
        return k8s_config_load_kubeconfig(kubeconfig_path, context, out, err);
    const char *env = getenv("KUBECONFIG");
    if (env && *env) {
        char *first = xstrdup(env), *colon = strchr(first, ':');
        if (colon)
            *colon = '\0';
        int rc = k8s_config_load_kubeconfig(first, context, out, err);
        free(first);
        return rc;
    }
    if (getenv("KUBERNETES_SERVICE_HOST"))
        return k8s_config_in_cluster(NULL, out, err);
    const char *home = getenv("HOME");
    char *p = xasprintf("%s/.kube/config", home ? home : "");
    int rc = k8s_config_load_kubeconfig(p, context, out, err);
    free(p);
    return rc;
}
