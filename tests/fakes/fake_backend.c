/* An in-memory provider backend for controller tests (see fake_backend.h). */
#include "tests/fakes/fake_backend.h"
#include "provider/podmap/translate.h"
#include "util/xmalloc.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "util/deadline.h"

typedef struct fb_event {
    char *type, *reason, *message;
    long count;
} fb_event;

typedef struct fb_group {
    char *id, *name, *status, *token;
    eci_tag *tags;
    size_t n_tags;
    char **cnames, **cimages;
    size_t n_containers;
    fb_event *events;
    size_t n_events;
    int gone;
} fb_group;

struct fake_backend {
    prov_backend be;
    pthread_mutex_t mu;
    char *cluster_tag, *node_tag;
    fb_group *g;
    size_t n, cap;
    unsigned seq;
    unsigned calls[FB_ANY + 1];
    /* the fault: calls of fop numbered from 1 after fb_fail */
    fb_op fop;
    unsigned fnth, fseen;
    int fpersistent, flost, factive;
    eci_code fcode;
    /* describes in progress, their peak, the gate (fb_gate_describes) */
    pthread_cond_t cv;
    unsigned in_describe, describe_peak, gate;
    /* fb_on_call */
    fb_op hook_op;
    void (*hook)(void *arg);
    void *hook_arg;
};

/* Run the fb_on_call hook of op, if any (mu not held). */
static void run_hook(fake_backend *f, fb_op op)
{
    pthread_mutex_lock(&f->mu);
    void (*fn)(void *) = f->hook_op == op ? f->hook : NULL;
    void *arg = f->hook_arg;
    pthread_mutex_unlock(&f->mu);
    if (fn)
        fn(arg);
}

static const char *const op_names[] = {"CreateContainerGroup", "UpdateContainerGroup", "DeleteContainerGroup",
                                       "DescribeContainerGroups", "DescribeContainerGroups",
                                       "DescribeContainerGroupStatus", "DescribeContainerGroupEvents",
                                       "DescribeContainerGroups", "DescribeRegions", "ListUsage"};

/* Count the call; 1 when it must fail (*lost: after taking effect). mu held. */
static int count_call(fake_backend *f, fb_op op, int *lost, eci_error *err)
{
    f->calls[op]++;
    f->calls[FB_ANY]++;
    *lost = 0;
    if (!f->factive || (f->fop != FB_ANY && f->fop != op))
        return 0;
    f->fseen++;
    if (f->fseen < f->fnth || (!f->fpersistent && f->fseen > f->fnth))
        return 0;
    eci_error_clear(err);
    snprintf(err->action, sizeof err->action, "%s", op_names[op]);
    if (f->fcode == ECI_E_API)
        eci_error_set_api(err, 500, "InternalError", "injected fault", "fake");
    else
        eci_error_set(err, f->fcode, "injected fault (call %u of %s)", f->fseen, op_names[op]);
    *lost = f->flost;
    return 1;
}

static fb_group *find(fake_backend *f, const char *id)
{
    for (size_t i = 0; i < f->n; i++)
        if (!f->g[i].gone && strcmp(f->g[i].id, id) == 0)
            return &f->g[i];
    return NULL;
}

static const char *gtag(const fb_group *g, const char *key)
{
    for (size_t i = 0; i < g->n_tags; i++)
        if (strcmp(g->tags[i].key, key) == 0)
            return g->tags[i].value;
    return NULL;
}

static int ours(const fake_backend *f, const fb_group *g)
{
    const char *c = gtag(g, PODMAP_TAG_CLUSTER), *n = gtag(g, PODMAP_TAG_NODE);
    return !g->gone && c && n && strcmp(c, f->cluster_tag) == 0 && strcmp(n, f->node_tag) == 0;
}

static fb_group *add(fake_backend *f, const char *name, const char *status)
{
    if (f->n == f->cap) {
        f->cap = f->cap ? f->cap * 2 : 16;
        f->g = xrealloc(f->g, f->cap * sizeof *f->g);
    }
    fb_group *g = &f->g[f->n++];
    memset(g, 0, sizeof *g);
    g->id = xasprintf("eci-fake%04u", ++f->seq);
    g->name = xstrdup(name ? name : "");
    g->status = xstrdup(status);
    return g;
}

static void add_tag(fb_group *g, const char *k, const char *v)
{
    g->tags = xrealloc(g->tags, (g->n_tags + 1) * sizeof *g->tags);
    g->tags[g->n_tags].key = xstrdup(k);
    g->tags[g->n_tags].value = xstrdup(v);
    g->n_tags++;
}

/* A describe answer's copy of g. */
static void fill(const fb_group *g, eci_container_group *out)
{
    memset(out, 0, sizeof *out);
    out->container_group_id = xstrdup(g->id);
    out->container_group_name = xstrdup(g->name);
    out->status = xstrdup(g->status);
    out->creation_time = xstrdup("2024-05-01T12:00:00Z");
    out->intranet_ip = xstrdup("192.168.0.10");
    out->tags = xcalloc(g->n_tags ? g->n_tags : 1, sizeof *out->tags);
    for (size_t i = 0; i < g->n_tags; i++) {
        out->tags[i].key = xstrdup(g->tags[i].key);
        out->tags[i].value = xstrdup(g->tags[i].value);
    }
    out->n_tags = g->n_tags;
    out->containers = xcalloc(g->n_containers ? g->n_containers : 1, sizeof *out->containers);
    for (size_t i = 0; i < g->n_containers; i++) {
        out->containers[i].name = xstrdup(g->cnames[i]);
        out->containers[i].image = xstrdup(g->cimages[i]);
        if (!strcmp(g->status, "Running")) { /* a running group runs its containers, ready */
            out->containers[i].current_state.state = xstrdup("Running");
            out->containers[i].ready = 1;
        }
    }
    out->n_containers = g->n_containers;
    out->events = xcalloc(g->n_events ? g->n_events : 1, sizeof *out->events);
    for (size_t i = 0; i < g->n_events; i++) {
        out->events[i].type = xstrdup(g->events[i].type);
        out->events[i].reason = xstrdup(g->events[i].reason);
        out->events[i].message = xstrdup(g->events[i].message);
        out->events[i].name = xstrdup(g->id);
        out->events[i].first_timestamp = xstrdup("2024-05-01T12:00:00Z");
        out->events[i].last_timestamp = xstrdup("2024-05-01T12:00:00Z");
        out->events[i].count = g->events[i].count;
    }
    out->n_events = g->n_events;
}

static int fb_create(void *ud, const eci_create_cg_req *req, char **group_id, char **request_id, eci_error *err)
{
    fake_backend *f = ud;
    run_hook(f, FB_CREATE);
    *group_id = NULL;
    *request_id = NULL;
    pthread_mutex_lock(&f->mu);
    int lost;
    if (count_call(f, FB_CREATE, &lost, err) && !lost) {
        pthread_mutex_unlock(&f->mu);
        return -1;
    }
    /* ClientToken: a repeated create is the same request. */
    fb_group *g = NULL;
    for (size_t i = 0; i < f->n && req->client_token; i++)
        if (!f->g[i].gone && f->g[i].token && strcmp(f->g[i].token, req->client_token) == 0)
            g = &f->g[i];
    if (!g) {
        g = add(f, req->container_group_name, "Pending");
        g->token = req->client_token ? xstrdup(req->client_token) : NULL;
        for (size_t i = 0; i < req->n_tags; i++)
            add_tag(g, req->tags[i].key, req->tags[i].value ? req->tags[i].value : "");
        g->n_containers = req->n_containers;
        g->cnames = xcalloc(req->n_containers + 1, sizeof *g->cnames);
        g->cimages = xcalloc(req->n_containers + 1, sizeof *g->cimages);
        for (size_t i = 0; i < req->n_containers; i++) {
            g->cnames[i] = xstrdup(req->containers[i].name ? req->containers[i].name : "");
            g->cimages[i] = xstrdup(req->containers[i].image ? req->containers[i].image : "");
        }
    }
    if (!lost) {
        *group_id = xstrdup(g->id);
        *request_id = xasprintf("fake-request-%u", f->calls[FB_CREATE]);
    }
    pthread_mutex_unlock(&f->mu);
    return lost ? -1 : 0;
}

static int fb_update(void *ud, const eci_update_cg_req *req, eci_error *err)
{
    fake_backend *f = ud;
    run_hook(f, FB_UPDATE);
    pthread_mutex_lock(&f->mu);
    int lost, rc = 0;
    if (count_call(f, FB_UPDATE, &lost, err) && !lost) {
        pthread_mutex_unlock(&f->mu);
        return -1;
    }
    fb_group *g = find(f, req->container_group_id);
    if (!g) {
        eci_error_set(err, ECI_E_NOT_FOUND, "no group %s", req->container_group_id);
        rc = -1;
    } else {
        for (size_t i = 0; i < req->n_containers; i++)
            for (size_t j = 0; j < g->n_containers; j++)
                if (req->containers[i].name && req->containers[i].image &&
                    strcmp(g->cnames[j], req->containers[i].name) == 0) {
                    free(g->cimages[j]);
                    g->cimages[j] = xstrdup(req->containers[i].image);
                }
    }
    pthread_mutex_unlock(&f->mu);
    return lost ? -1 : rc;
}

static void group_free(fb_group *g)
{
    free(g->id);
    free(g->name);
    free(g->status);
    free(g->token);
    for (size_t i = 0; i < g->n_tags; i++) {
        free(g->tags[i].key);
        free(g->tags[i].value);
    }
    free(g->tags);
    for (size_t i = 0; i < g->n_containers; i++) {
        free(g->cnames[i]);
        free(g->cimages[i]);
    }
    free(g->cnames);
    free(g->cimages);
    for (size_t i = 0; i < g->n_events; i++) {
        free(g->events[i].type);
        free(g->events[i].reason);
        free(g->events[i].message);
    }
    free(g->events);
}

static int fb_delete(void *ud, const char *group_id, eci_error *err)
{
    fake_backend *f = ud;
    run_hook(f, FB_DELETE);
    pthread_mutex_lock(&f->mu);
    int lost;
    if (count_call(f, FB_DELETE, &lost, err) && !lost) {
        pthread_mutex_unlock(&f->mu);
        return -1;
    }
    fb_group *g = find(f, group_id);
    if (g)
        g->gone = 1;
    pthread_mutex_unlock(&f->mu);
    return lost ? -1 : 0;
}

static int fb_describe(void *ud, const char *const *ids, size_t n, eci_describe_cgs_resp *resp, eci_error *err)
{
    fake_backend *f = ud;
    run_hook(f, FB_DESCRIBE);
    memset(resp, 0, sizeof *resp);
    pthread_mutex_lock(&f->mu);
    int lost;
    if (count_call(f, FB_DESCRIBE, &lost, err)) {
        pthread_mutex_unlock(&f->mu);
        return -1;
    }
    if (++f->in_describe > f->describe_peak)
        f->describe_peak = f->in_describe;
    pthread_cond_broadcast(&f->cv);
    if (f->gate > 1) {
        struct timespec until;
        deadline_after_ms(&until, CLOCK_MONOTONIC, 30000);
        while (f->gate > 1 && f->in_describe < f->gate && pthread_cond_timedwait(&f->cv, &f->mu, &until) == 0)
            ;
        f->gate = 0; /* met or given up: open for good */
        pthread_cond_broadcast(&f->cv);
    }
    resp->groups = xcalloc(n ? n : 1, sizeof *resp->groups);
    for (size_t i = 0; i < n; i++) {
        fb_group *g = find(f, ids[i]);
        if (g)
            fill(g, &resp->groups[resp->n_groups++]);
    }
    f->in_describe--;
    pthread_mutex_unlock(&f->mu);
    return 0;
}

static int fb_list_legacy(void *ud, eci_cg_visit_fn fn, void *arg, eci_error *err)
{
    (void)fn;
    (void)arg;
    fake_backend *f = ud;
    run_hook(f, FB_LIST);
    pthread_mutex_lock(&f->mu);
    int lost, rc = count_call(f, FB_LIST, &lost, err) ? -1 : 0; /* no group of the Go provider here */
    pthread_mutex_unlock(&f->mu);
    return rc;
}

static int fb_status_since(void *ud, int since_s, eci_status_visit_fn fn, void *arg, eci_error *err)
{
    fake_backend *f = ud;
    run_hook(f, FB_STATUS);
    (void)since_s; /* every group: the controller compares signatures */
    pthread_mutex_lock(&f->mu);
    int lost;
    if (count_call(f, FB_STATUS, &lost, err)) {
        pthread_mutex_unlock(&f->mu);
        return -1;
    }
    size_t n = 0;
    eci_cg_status *all = xcalloc(f->n + 1, sizeof *all);
    for (size_t i = 0; i < f->n; i++)
        if (ours(f, &f->g[i])) {
            all[n].container_group_id = xstrdup(f->g[i].id);
            all[n].status = xstrdup(f->g[i].status);
            all[n].name = xstrdup(f->g[i].name);
            n++;
        }
    pthread_mutex_unlock(&f->mu);
    for (size_t i = 0; i < n; i++) {
        fn(arg, &all[i]);
        eci_cg_status_free(&all[i]);
    }
    free(all);
    return 0;
}

static int fb_events_since(void *ud, int since_s, eci_describe_events_resp *resp, eci_error *err)
{
    fake_backend *f = ud;
    run_hook(f, FB_EVENTS);
    (void)since_s;
    memset(resp, 0, sizeof *resp);
    pthread_mutex_lock(&f->mu);
    int lost;
    if (count_call(f, FB_EVENTS, &lost, err)) {
        pthread_mutex_unlock(&f->mu);
        return -1;
    }
    resp->items = xcalloc(f->n + 1, sizeof *resp->items);
    for (size_t i = 0; i < f->n; i++) {
        const fb_group *g = &f->g[i];
        if (!ours(f, g) || !g->n_events)
            continue;
        eci_cg_events *it = &resp->items[resp->n_items++];
        it->container_group_id = xstrdup(g->id);
        it->events = xcalloc(g->n_events, sizeof *it->events);
        for (size_t j = 0; j < g->n_events; j++) {
            it->events[j].type = xstrdup(g->events[j].type);
            it->events[j].reason = xstrdup(g->events[j].reason);
            it->events[j].message = xstrdup(g->events[j].message);
            it->events[j].count = g->events[j].count;
            it->events[j].first_timestamp = xstrdup("2024-05-01T12:00:00Z");
            it->events[j].last_timestamp = xstrdup("2024-05-01T12:00:00Z");
        }
        it->n_events = g->n_events;
    }
    pthread_mutex_unlock(&f->mu);
    return 0;
}

static int fb_find_by_uid(void *ud, const char *uid, char **group_id, eci_error *err)
{
    fake_backend *f = ud;
    run_hook(f, FB_FIND);
    *group_id = NULL;
    pthread_mutex_lock(&f->mu);
    int lost;
    if (count_call(f, FB_FIND, &lost, err)) {
        pthread_mutex_unlock(&f->mu);
        return -1;
    }
    char *uv = podmap_tag_value(uid);
    for (size_t i = 0; i < f->n && !*group_id; i++) {
        const char *u = gtag(&f->g[i], PODMAP_TAG_UID);
        if (ours(f, &f->g[i]) && u && strcmp(u, uv) == 0)
            *group_id = xstrdup(f->g[i].id);
    }
    free(uv);
    pthread_mutex_unlock(&f->mu);
    return *group_id ? 1 : 0;
}

/* Every region answers (an empty list filters nothing). */
static int fb_ping(void *ud, const char *region, eci_describe_regions_resp *resp, eci_error *err)
{
    (void)region;
    fake_backend *f = ud;
    run_hook(f, FB_PING);
    memset(resp, 0, sizeof *resp);
    pthread_mutex_lock(&f->mu);
    int lost, rc = count_call(f, FB_PING, &lost, err) ? -1 : 0;
    pthread_mutex_unlock(&f->mu);
    return rc;
}

static int fb_usage(void *ud, eci_list_usage_resp *resp, eci_error *err)
{
    fake_backend *f = ud;
    run_hook(f, FB_USAGE);
    memset(resp, 0, sizeof *resp);
    pthread_mutex_lock(&f->mu);
    int lost, rc = count_call(f, FB_USAGE, &lost, err) ? -1 : 0;
    pthread_mutex_unlock(&f->mu);
    if (rc == 0)
        resp->max_cpu = 64;
    return rc;
}

fake_backend *fb_new(const char *cluster, const char *node)
{
    fake_backend *f = xcalloc(1, sizeof *f);
    pthread_mutex_init(&f->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&f->cv, &ca);
    pthread_condattr_destroy(&ca);
    f->cluster_tag = podmap_tag_value(cluster);
    f->node_tag = podmap_tag_value(node);
    f->be = (prov_backend){
        .ud = f,
        .create = fb_create,
        .update = fb_update,
        .delete_group = fb_delete,
        .describe = fb_describe,
        .list_legacy = fb_list_legacy,
        .status_since = fb_status_since,
        .events_since = fb_events_since,
        .find_by_uid = fb_find_by_uid,
        .ping = fb_ping,
        .usage = fb_usage,
    };
    return f;
}

void fb_free(fake_backend *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < f->n; i++)
        group_free(&f->g[i]);
    free(f->g);
    free(f->cluster_tag);
    free(f->node_tag);
    pthread_cond_destroy(&f->cv);
    pthread_mutex_destroy(&f->mu);
    free(f);
}

void fb_gate_describes(fake_backend *f, unsigned k)
{
    pthread_mutex_lock(&f->mu);
    f->gate = k;
    pthread_cond_broadcast(&f->cv);
    pthread_mutex_unlock(&f->mu);
}

void fb_on_call(fake_backend *f, fb_op op, void (*fn)(void *arg), void *arg)
{
    pthread_mutex_lock(&f->mu);
    f->hook_op = op;
    f->hook = fn;
    f->hook_arg = arg;
    pthread_mutex_unlock(&f->mu);
}

unsigned fb_describe_peak(fake_backend *f)
{
    pthread_mutex_lock(&f->mu);
    unsigned n = f->describe_peak;
    pthread_mutex_unlock(&f->mu);
    return n;
}

const prov_backend *fb_backend(fake_backend *f)
{
    return &f->be;
}

unsigned fb_calls(fake_backend *f, fb_op op)
{
    pthread_mutex_lock(&f->mu);
    unsigned n = f->calls[op];
    pthread_mutex_unlock(&f->mu);
    return n;
}

void fb_fail(fake_backend *f, fb_op op, unsigned nth, int persistent, int lost, eci_code code)
{
    pthread_mutex_lock(&f->mu);
    f->fop = op;
    f->fnth = nth;
    f->fseen = 0;
    f->fpersistent = persistent;
    f->flost = lost;
    f->fcode = code ? code : ECI_E_UNAVAILABLE;
    f->factive = 1;
    pthread_mutex_unlock(&f->mu);
}

void fb_heal(fake_backend *f)
{
    pthread_mutex_lock(&f->mu);
    f->factive = 0;
    pthread_mutex_unlock(&f->mu);
}

size_t fb_count(fake_backend *f)
{
    pthread_mutex_lock(&f->mu);
    size_t n = 0;
    for (size_t i = 0; i < f->n; i++)
        n += !f->g[i].gone;
    pthread_mutex_unlock(&f->mu);
    return n;
}

size_t fb_count_uid(fake_backend *f, const char *uid)
{
    char *uv = podmap_tag_value(uid);
    pthread_mutex_lock(&f->mu);
    size_t n = 0;
    for (size_t i = 0; i < f->n; i++) {
        const char *u = gtag(&f->g[i], PODMAP_TAG_UID);
        n += !f->g[i].gone && u && strcmp(u, uv) == 0;
    }
    pthread_mutex_unlock(&f->mu);
    free(uv);
    return n;
}

char *fb_group_of(fake_backend *f, const char *uid)
{
    char *uv = podmap_tag_value(uid), *id = NULL;
    pthread_mutex_lock(&f->mu);
    for (size_t i = 0; i < f->n && !id; i++) {
        const char *u = gtag(&f->g[i], PODMAP_TAG_UID);
        if (!f->g[i].gone && u && strcmp(u, uv) == 0)
            id = xstrdup(f->g[i].id);
    }
    pthread_mutex_unlock(&f->mu);
    free(uv);
    return id;
}

char *fb_tag(fake_backend *f, const char *group_id, const char *key)
{
    pthread_mutex_lock(&f->mu);
    fb_group *g = find(f, group_id);
    const char *v = g ? gtag(g, key) : NULL;
    char *out = v ? xstrdup(v) : NULL;
    pthread_mutex_unlock(&f->mu);
    return out;
}

void fb_set_status(fake_backend *f, const char *group_id, const char *status)
{
    pthread_mutex_lock(&f->mu);
    fb_group *g = find(f, group_id);
    if (g) {
        free(g->status);
        g->status = xstrdup(status);
    }
    pthread_mutex_unlock(&f->mu);
}

void fb_add_event(fake_backend *f, const char *group_id, const char *type, const char *reason, const char *message,
                  long count)
{
    pthread_mutex_lock(&f->mu);
    fb_group *g = find(f, group_id);
    if (g) {
        g->events = xrealloc(g->events, (g->n_events + 1) * sizeof *g->events);
        g->events[g->n_events++] = (fb_event){xstrdup(type), xstrdup(reason), xstrdup(message), count};
    }
    pthread_mutex_unlock(&f->mu);
}

char *fb_add_group(fake_backend *f, const char *ns, const char *name, const char *uid, const char *status)
{
    pthread_mutex_lock(&f->mu);
    char *gname = podmap_group_name(ns, name);
    fb_group *g = add(f, gname, status);
    free(gname);
    const char *kv[][2] = {{PODMAP_TAG_CLUSTER, f->cluster_tag}, {PODMAP_TAG_NODE, f->node_tag},
                           {PODMAP_TAG_NAMESPACE, ns},           {PODMAP_TAG_POD, name},
                           {PODMAP_TAG_UID, uid}};
    for (size_t i = 0; i < 5; i++) {
        char *v = i < 2 ? xstrdup(kv[i][1]) : podmap_tag_value(kv[i][1]);
        add_tag(g, kv[i][0], v);
        free(v);
    }
    char *id = xstrdup(g->id);
    pthread_mutex_unlock(&f->mu);
    return id;
}

void fb_remove(fake_backend *f, const char *group_id)
{
    pthread_mutex_lock(&f->mu);
    fb_group *g = find(f, group_id);
    if (g)
        g->gone = 1;
    pthread_mutex_unlock(&f->mu);
}
