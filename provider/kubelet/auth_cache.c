/* The kubelet's authentication/authorization webhook caches: see
 * kubelet_auth_cache_new in provider/kubelet/server.h. */
#include "provider/kubelet/server.h"
#include "util/clock.h"
#include "util/dynbuf.h"
#include "util/xmalloc.h"

#include <openssl/sha.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

typedef struct entry {
    char *key;
    long long expires;
    kubelet_user user; /* authn */
    int allowed;    /* authz */
    char *reason;   /* authz */
} entry;

typedef struct table {
    entry *items;
    size_t n, max;
} table;

struct kubelet_auth_cache {
    const kubelet_auth *inner;
    kubelet_auth outer;
    int authn_ttl, allow_ttl, deny_ttl;
    pthread_mutex_t mu;
    table tokens, decisions;
};


static void user_copy(kubelet_user *dst, const kubelet_user *src)
{
    memset(dst, 0, sizeof *dst);
    kubelet_user_set_name(dst, src->name);
    dst->uid = xstrdup(src->uid);
    for (size_t i = 0; i < src->ngroups; i++)
        kubelet_user_add_group(dst, src->groups[i]);
    for (size_t i = 0; i < src->extra.n; i++)
        kubelet_user_add_extra(dst, src->extra.items[i].key, src->extra.items[i].val);
}

static void entry_free(entry *e)
{
    free(e->key);
    kubelet_user_clear(&e->user);
    free(e->reason);
}

static entry *table_find(table *t, const char *key, long long now)
{
    for (size_t i = 0; i < t->n; i++) {
        if (strcmp(t->items[i].key, key) != 0)
            continue;
        if (t->items[i].expires > now)
            return &t->items[i];
        entry_free(&t->items[i]);
        memmove(&t->items[i], &t->items[i + 1], (t->n - i - 1) * sizeof *t->items);
        t->n--;
        return NULL;
    }
    return NULL;
}

/* A fresh slot at the end (evicting expired entries, then the oldest). */
static entry *table_add(table *t, const char *key, long long expires, long long now)
{
    if (t->n >= t->max) {
        size_t w = 0;
        for (size_t i = 0; i < t->n; i++) {
            if (t->items[i].expires <= now)
                entry_free(&t->items[i]);
            else
                t->items[w++] = t->items[i];
        }
        t->n = w;
    }
    if (t->n >= t->max) {
        entry_free(&t->items[0]);
        memmove(&t->items[0], &t->items[1], (t->n - 1) * sizeof *t->items);
        t->n--;
    }
    if (!t->items)
        t->items = xcalloc(t->max, sizeof *t->items);
    entry *e = &t->items[t->n++];
    memset(e, 0, sizeof *e);
    e->key = xstrdup(key);
    e->expires = expires;
    return e;
}

static void table_free(table *t)
{
    for (size_t i = 0; i < t->n; i++)
        entry_free(&t->items[i]);
    free(t->items);
}

static int cached_authn(void *ud, const kubelet_credential *cred, kubelet_user *user, char *err, size_t errlen)
{
    kubelet_auth_cache *c = ud;
    const kubelet_auth *in = c->inner;
    if (cred->kind != KUBELET_CRED_TOKEN || !in->authn) {
        if (in->authn)
            return in->authn(in->ud, cred, user, err, errlen);
        /* same default as the server: certificates map to CN/O */
        if (cred->kind != KUBELET_CRED_X509)
            return 0;
        kubelet_user_set_name(user, cred->cn);
        for (size_t i = 0; i < cred->norgs; i++)
            kubelet_user_add_group(user, cred->orgs[i]);
        return 1;
    }
    unsigned char md[SHA256_DIGEST_LENGTH];
    SHA256((const unsigned char *)cred->token, strlen(cred->token), md);
    char key[2 * SHA256_DIGEST_LENGTH + 1];
    for (size_t i = 0; i < SHA256_DIGEST_LENGTH; i++)
        snprintf(key + 2 * i, 3, "%02x", md[i]);
    long long now = clock_mono_ms();
    pthread_mutex_lock(&c->mu);
    entry *e = table_find(&c->tokens, key, now);
    if (e) {
        user_copy(user, &e->user);
        pthread_mutex_unlock(&c->mu);
        return 1;
    }
    pthread_mutex_unlock(&c->mu);
    int rc = in->authn(in->ud, cred, user, err, errlen);
    if (rc == 1 && user->name && c->authn_ttl > 0) {
        pthread_mutex_lock(&c->mu);
        if (!table_find(&c->tokens, key, now)) {
            e = table_add(&c->tokens, key, now + c->authn_ttl, now);
            user_copy(&e->user, user);
        }
        pthread_mutex_unlock(&c->mu);
    }
    return rc;
}

static char *decision_key(const kubelet_user *u, const kubelet_attrs *a)
{
    dynbuf b;
    dynbuf_init(&b, 0);
    dynbuf_printf(&b, "%s", u->name ? u->name : "");
    for (size_t i = 0; i < u->ngroups; i++)
        dynbuf_printf(&b, "%c%s", 1, u->groups[i]);
    /* the webhook authorizer's key is the whole review spec, extra included */
    for (size_t i = 0; i < u->extra.n; i++)
        dynbuf_printf(&b, "%c%s%c%s", 3, u->extra.items[i].key, 4, u->extra.items[i].val);
    dynbuf_printf(&b, "%c%s%c%s%c%s%c%s%c%s", 2, a->verb, 2, a->api_version, 2, a->resource, 2, a->subresource, 2,
                  a->name);
    return dynbuf_take(&b, NULL);
}

static int cached_authz(void *ud, const kubelet_user *user, const kubelet_attrs *attrs, char *reason, size_t reasonlen)
{
    kubelet_auth_cache *c = ud;
    const kubelet_auth *in = c->inner;
    if (!in->authz)
        return 1;
    char *key = decision_key(user, attrs);
    long long now = clock_mono_ms();
    pthread_mutex_lock(&c->mu);
    entry *e = table_find(&c->decisions, key, now);
    if (e) {
        int allowed = e->allowed;
        if (!allowed && reason && reasonlen)
            snprintf(reason, reasonlen, "%s", e->reason ? e->reason : "");
        pthread_mutex_unlock(&c->mu);
        free(key);
        return allowed;
    }
    pthread_mutex_unlock(&c->mu);
    int rc = in->authz(in->ud, user, attrs, reason, reasonlen);
    int ttl = rc == 1 ? c->allow_ttl : rc == 0 ? c->deny_ttl : 0;
    if (ttl > 0) {
        pthread_mutex_lock(&c->mu);
        if (!table_find(&c->decisions, key, now)) {
            e = table_add(&c->decisions, key, now + ttl, now);
            e->allowed = rc == 1;
            e->reason = rc == 0 && reason ? xstrdup(reason) : NULL;
        }
        pthread_mutex_unlock(&c->mu);
    }
    free(key);
    return rc;
}

kubelet_auth_cache *kubelet_auth_cache_new(const kubelet_auth *inner, int authn_ttl_ms, int allow_ttl_ms, int deny_ttl_ms,
                                     size_t max_entries)
{
    kubelet_auth_cache *c = xcalloc(1, sizeof *c);
    c->inner = inner;
    c->authn_ttl = authn_ttl_ms;
    c->allow_ttl = allow_ttl_ms;
    c->deny_ttl = deny_ttl_ms;
    c->tokens.max = c->decisions.max = max_entries ? max_entries : 4096;
    pthread_mutex_init(&c->mu, NULL);
    c->outer.ud = c;
    c->outer.authn = cached_authn;
    c->outer.authz = cached_authz;
    return c;
}

const kubelet_auth *kubelet_auth_cache_auth(kubelet_auth_cache *c) { return &c->outer; }

void kubelet_auth_cache_free(kubelet_auth_cache *c)
{
    if (!c)
        return;
    table_free(&c->tokens);
    table_free(&c->decisions);
    pthread_mutex_destroy(&c->mu);
    free(c);
}
