/* The emulator's state: container groups (creation order), ClientTokens,
 * events and image caches. Callers hold st->mu around every access. */
#include "eci/emulator/emu.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/xmalloc.h"

void emu_store_init(emu_store *st)
{
    memset(st, 0, sizeof *st);
    pthread_mutex_init(&st->mu, NULL);
    st->next_seq = 1;
    st->next_ip = (10u << 24) | (1u << 16) | 2u; /* 10.1.0.2 */
    st->by_id = strmap_new();
    st->by_ip = strmap_new();
    st->by_token = strmap_new();
}

static void *ptr_of(int64_t v) { return (void *)(intptr_t)v; }
static int64_t val_of(const void *p) { return (int64_t)(intptr_t)p; }

static void group_free(emu_group *g)
{
    free(g->events);
    emu_spec_free(g->spec);
    free(g->cs);
    free(g);
}

void emu_image_cache_free(emu_image_cache *c)
{
    if (!c)
        return;
    emu_strv_free(c->images, c->nimages);
    kv_free(&c->tags);
    free(c);
}

void emu_store_destroy(emu_store *st)
{
    for (emu_group *g = st->groups, *n; g; g = n) {
        n = g->next;
        group_free(g);
    }
    emu_store_tokens_clear(st);
    for (emu_image_cache *c = st->caches, *n; c; c = n) {
        n = c->next;
        emu_image_cache_free(c);
    }
    strmap_free(st->by_id);
    strmap_free(st->by_ip);
    strmap_free(st->by_token);
    pthread_mutex_destroy(&st->mu);
}

emu_group *emu_store_find(emu_store *st, const char *id)
{
    int64_t v;
    return id && strmap_get(st->by_id, id, &v) ? ptr_of(v) : NULL;
}

static void next_ip(emu_store *st, char *out, size_t len)
{
    for (;;) {
        uint32_t ip = st->next_ip++;
        uint32_t last = ip & 0xFF;
        if (last == 0 || last == 255 || last == 1)
            continue;
        if ((ip >> 24) != 10) {
            st->next_ip = (10u << 24) | (1u << 16) | 2u;
            continue;
        }
        snprintf(out, len, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 0xFF, (ip >> 8) & 0xFF, last);
        if (!strmap_get(st->by_ip, out, NULL))
            return;
    }
}

emu_group *emu_store_add(emu_store *st, emu_rng *rng, emu_spec *spec, const char *client_token, double now)
{
    emu_group *g = xcalloc(1, sizeof *g);
    do {
        emu_rng_id(rng, "eci-", g->id, sizeof g->id);
    } while (emu_store_find(st, g->id));
    emu_rng_uuid(rng, g->uuid, 0);
    snprintf(g->client_token, sizeof g->client_token, "%s", client_token ? client_token : "");
    g->spec = spec;
    snprintf(g->status, sizeof g->status, "Scheduling");
    next_ip(st, g->ip, sizeof g->ip);
    g->seq = st->next_seq++;
    g->created = (time_t)now;
    g->changed_at = now;
    g->prev = st->tail;
    if (st->tail)
        st->tail->next = g;
    else
        st->groups = g;
    st->tail = g;
    st->ngroups++;
    strmap_set(st->by_id, g->id, val_of(g));
    strmap_set(st->by_ip, g->ip, val_of(g));
    return g;
}

int emu_store_remove(emu_store *st, const char *id)
{
    emu_group *g = emu_store_find(st, id);
    if (!g)
        return -1;
    if (g->prev)
        g->prev->next = g->next;
    else
        st->groups = g->next;
    if (g->next)
        g->next->prev = g->prev;
    else
        st->tail = g->prev;
    st->ngroups--;
    strmap_del(st->by_id, g->id);
    strmap_del(st->by_ip, g->ip);
    group_free(g);
    return 0;
}

static char *token_key(const char *action, const char *token) { return xasprintf("%s\x1f%s", action, token); }

emu_token *emu_store_token_find(emu_store *st, const char *action, const char *token)
{
    char *k = token_key(action, token);
    int64_t v;
    emu_token *t = strmap_get(st->by_token, k, &v) ? ptr_of(v) : NULL;
    free(k);
    return t;
}

void emu_store_tokens_clear(emu_store *st)
{
    for (emu_token *t = st->tokens, *n; t; t = n) {
        n = t->next;
        free(t);
    }
    st->tokens = NULL;
    strmap_free(st->by_token);
    st->by_token = strmap_new();
}

void emu_store_token_add(emu_store *st, const char *action, const char *token, const char *digest,
                         const char *group_id)
{
    emu_token *t = xcalloc(1, sizeof *t);
    snprintf(t->action, sizeof t->action, "%s", action);
    snprintf(t->token, sizeof t->token, "%s", token);
    snprintf(t->digest, sizeof t->digest, "%s", digest);
    snprintf(t->group_id, sizeof t->group_id, "%s", group_id ? group_id : "");
    t->next = st->tokens;
    st->tokens = t;
    char *k = token_key(t->action, t->token);
    strmap_set(st->by_token, k, val_of(t));
    free(k);
}

void emu_group_event(emu_group *g, emu_rng *rng, const char *type, const char *reason, const char *object,
                     const char *message, time_t now)
{
    const char *obj = object && *object ? object : (g->spec ? g->spec->name : g->id);
    /* A repeat of an event already kept aggregates into it. */
    for (size_t i = g->nevents; i-- > 0;) {
        emu_event *ev = &g->events[i];
        if (strcmp(ev->type, type) == 0 && strcmp(ev->reason, reason) == 0 &&
            strcmp(ev->message, message ? message : "") == 0 && strcmp(ev->object, obj) == 0) {
            ev->count++;
            ev->last = now;
            /* move to the end: it is the newest */
            emu_event tmp = *ev;
            memmove(&g->events[i], &g->events[i + 1], (g->nevents - i - 1) * sizeof *ev);
            g->events[g->nevents - 1] = tmp;
            return;
        }
    }
    if (g->nevents == EMU_MAX_EVENTS) {
        memmove(&g->events[0], &g->events[1], (EMU_MAX_EVENTS - 1) * sizeof g->events[0]);
        g->nevents--;
    }
    if (g->nevents == g->aevents) { /* most groups keep a handful: grow on demand */
        g->aevents = g->aevents ? (g->aevents * 2 > EMU_MAX_EVENTS ? EMU_MAX_EVENTS : g->aevents * 2) : 8;
        g->events = xrealloc(g->events, g->aevents * sizeof *g->events);
    }
    emu_event *ev = &g->events[g->nevents++];
    memset(ev, 0, sizeof *ev);
    snprintf(ev->type, sizeof ev->type, "%s", type);
    snprintf(ev->reason, sizeof ev->reason, "%s", reason);
    snprintf(ev->message, sizeof ev->message, "%s", message ? message : "");
    snprintf(ev->object, sizeof ev->object, "%s", obj);
    snprintf(ev->source, sizeof ev->source, "%s", object && *object ? "K8sAgent" : "EciService");
    snprintf(ev->uid, sizeof ev->uid, "%016llx", (unsigned long long)emu_rng_next(rng));
    ev->count = 1;
    ev->first = ev->last = now;
}

void emu_group_set_status(emu_group *g, const char *status, double now)
{
    if (strcmp(g->status, status) == 0)
        return;
    snprintf(g->status, sizeof g->status, "%s", status);
    if (strcmp(status, "Running") == 0 && !g->started)
        g->started = (time_t)now;
    if (strcmp(status, "Running") == 0 && g->running_at == 0)
        g->running_at = now;
    if (strcmp(status, "Succeeded") == 0 && !g->succeeded)
        g->succeeded = (time_t)now;
    if ((strcmp(status, "Failed") == 0 || strcmp(status, "ScheduleFailed") == 0) && !g->failed)
        g->failed = (time_t)now;
    emu_group_touch(g, now);
}

void emu_group_touch(emu_group *g, double now)
{
    char fp[sizeof g->fingerprint];
    size_t off = (size_t)snprintf(fp, sizeof fp, "%s", g->status);
    for (size_t i = 0; i < g->ncs && off < sizeof fp; i++) {
        const emu_rt_container_status *c = &g->cs[i];
        off += (size_t)snprintf(fp + off, sizeof fp - off, "|%s:%d:%s:%d:%d", c->name, (int)c->current.kind,
                                c->current.reason, c->restart_count, c->ready);
    }
    if (strcmp(fp, g->fingerprint) != 0) {
        snprintf(g->fingerprint, sizeof g->fingerprint, "%s", fp);
        g->changed_at = now;
    }
}
