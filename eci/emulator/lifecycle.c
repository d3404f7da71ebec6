/* The group state machine: a ticker thread moves groups from Scheduling to
 * Pending (starting their containers in the runtime), reads container
 * snapshots to derive Running / Succeeded / Failed, ends Restarting and
 * Updating, applies retention, and turns runtime events into group events.
 * Runtime calls that may block (start, stop, restart, update) run on
 * short-lived worker threads, never under the store lock. */
#include "eci/emulator/emu.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/clock.h"
#include "util/xmalloc.h"
#include "util/deadline.h"

#define TICK_MS 100
#define MAX_QUEUED_EVENTS 20000
#define KEEP_SUCCEEDED 100
#define KEEP_FAILED_SECONDS (24 * 3600)

typedef struct emu_qevent {
    char id[32];
    char container[64];
    char type[16];
    char reason[64];
    char message[512];
    time_t at;
    struct emu_qevent *next;
} emu_qevent;

/* ---- runtime spec built from an emu_spec (owns everything it points to) */

typedef struct arena {
    void **p;
    size_t n, a;
} arena;

static void *arena_keep(arena *a, void *p)
{
    if (a->n == a->a) {
        a->a = a->a ? a->a * 2 : 32;
        a->p = xrealloc(a->p, a->a * sizeof *a->p);
    }
    a->p[a->n++] = p;
    return p;
}

static void *arena_calloc(arena *a, size_t n, size_t sz) { return arena_keep(a, xcalloc(n ? n : 1, sz)); }

typedef struct rt_bundle {
    emu_spec *spec;
    emu_rt_group_spec g;
    arena ar;
    kv_list **kvs;
    size_t nkvs;
    char id[32];
    char ip[20];
} rt_bundle;

static void bundle_free(rt_bundle *b)
{
    if (!b)
        return;
    for (size_t i = 0; i < b->ar.n; i++)
        free(b->ar.p[i]);
    free(b->ar.p);
    for (size_t i = 0; i < b->nkvs; i++) {
        kv_free(b->kvs[i]);
        free(b->kvs[i]);
    }
    free(b->kvs);
    emu_spec_free(b->spec);
    free(b);
}

static kv_list *bundle_kv(rt_bundle *b)
{
    kv_list *l = xcalloc(1, sizeof *l);
    b->kvs = xrealloc(b->kvs, (b->nkvs + 1) * sizeof *b->kvs);
    b->kvs[b->nkvs++] = l;
    return l;
}

static void fill_hook(emu_rt_hook *h, char **argv, size_t argc, const emu_hook_net *net)
{
    h->argv = (const char *const *)argv;
    h->argc = argc;
    h->http_port = (int)net->http_port;
    h->http_host = net->http_host;
    h->http_path = net->http_path;
    h->http_scheme = net->http_scheme;
    h->http_headers = &net->http_headers;
    h->tcp_port = (int)net->tcp_port;
    h->tcp_host = net->tcp_host;
}

static void fill_probe(emu_rt_probe *r, const emu_probe *p)
{
    if (!p->present)
        return;
    r->argv = (const char *const *)p->exec;
    r->argc = p->nexec;
    r->tcp_port = (int)p->tcp_port;
    r->http_path = p->http_port > 0 ? (p->http_path ? p->http_path : "/") : NULL;
    r->http_port = (int)p->http_port;
    r->http_scheme = p->http_scheme;
    r->initial_delay_seconds = (int)p->initial_delay;
    r->period_seconds = (int)p->period;
    r->timeout_seconds = (int)p->timeout;
    r->success_threshold = (int)p->success;
    r->failure_threshold = (int)p->failure;
}

static void fill_container(rt_bundle *b, emu_rt_container *rc, const emu_container *c)
{
    rc->name = c->name;
    rc->image = c->image;
    size_t argc = c->ncommand + c->nargs;
    const char **argv = arena_calloc(&b->ar, argc + 1, sizeof *argv);
    for (size_t i = 0; i < c->ncommand; i++)
        argv[i] = c->command[i];
    for (size_t i = 0; i < c->nargs; i++)
        argv[c->ncommand + i] = c->args[i];
    /* Args without Command would use the image entrypoint: nothing to run here. */
    rc->argv = argv;
    rc->argc = c->ncommand ? argc : 0;
    kv_list *env = bundle_kv(b);
    for (size_t i = 0; i < c->nenv; i++)
        kv_add(env, c->env[i].key, c->env[i].field_path ? b->ip : (c->env[i].value ? c->env[i].value : ""));
    rc->env = env;
    rc->working_dir = c->working_dir;
    emu_rt_mount *m = arena_calloc(&b->ar, c->nmounts, sizeof *m);
    for (size_t i = 0; i < c->nmounts; i++) {
        m[i].volume = c->mounts[i].name;
        m[i].mount_path = c->mounts[i].mount_path;
        m[i].sub_path = c->mounts[i].sub_path;
        m[i].read_only = c->mounts[i].read_only;
    }
    rc->mounts = m;
    rc->nmounts = c->nmounts;
    rc->tty = c->tty;
    rc->stdin_open = c->stdin_open;
    rc->run_as_user = c->run_as_user;
    rc->run_as_group = c->run_as_group;
    rc->run_as_non_root = c->run_as_non_root == 1;
    rc->privileged = c->privileged == 1;
    rc->cap_add = (const char *const *)c->cap_add;
    rc->ncap_add = c->ncap;
    rc->read_only_root = c->read_only_root == 1;
    rc->termination_message_path = c->termination_message_path;
    rc->termination_fallback_to_logs =
        c->termination_message_policy && strcmp(c->termination_message_policy, "FallbackToLogsOnError") == 0;
    fill_hook(&rc->post_start, c->post_start, c->npost_start, &c->post_start_net);
    fill_hook(&rc->pre_stop, c->pre_stop, c->npre_stop, &c->pre_stop_net);
    fill_probe(&rc->liveness, &c->liveness);
    fill_probe(&rc->readiness, &c->readiness);
}

static rt_bundle *bundle_new(const emu_group *g, emu_spec *spec_owned)
{
    rt_bundle *b = xcalloc(1, sizeof *b);
    b->spec = spec_owned;
    snprintf(b->id, sizeof b->id, "%s", g->id);
    snprintf(b->ip, sizeof b->ip, "%s", g->ip);
    const emu_spec *s = b->spec;
    b->g.id = b->id;
    b->g.restart_policy = s->restart_policy;
    emu_rt_container *cs = arena_calloc(&b->ar, s->ncontainers, sizeof *cs);
    for (size_t i = 0; i < s->ncontainers; i++)
        fill_container(b, &cs[i], &s->containers[i]);
    emu_rt_container *is = arena_calloc(&b->ar, s->ninits, sizeof *is);
    for (size_t i = 0; i < s->ninits; i++)
        fill_container(b, &is[i], &s->inits[i]);
    b->g.containers = cs;
    b->g.ncontainers = s->ncontainers;
    b->g.init_containers = is;
    b->g.ninit = s->ninits;
    emu_rt_volume *vs = arena_calloc(&b->ar, s->nvolumes, sizeof *vs);
    for (size_t i = 0; i < s->nvolumes; i++) {
        const emu_volume *v = &s->volumes[i];
        vs[i].name = v->name;
        if (strcmp(v->type, "EmptyDirVolume") == 0)
            vs[i].type = EMU_VOL_EMPTYDIR;
        else if (strcmp(v->type, "ConfigFileVolume") == 0)
            vs[i].type = EMU_VOL_CONFIGFILE;
        else if (strcmp(v->type, "NFSVolume") == 0)
            vs[i].type = EMU_VOL_NFS;
        else
            vs[i].type = EMU_VOL_OTHER;
        vs[i].medium = v->medium ? v->medium : "";
        vs[i].size_limit = v->size_limit;
        emu_rt_file *f = arena_calloc(&b->ar, v->nfiles, sizeof *f);
        for (size_t j = 0; j < v->nfiles; j++) {
            f[j].path = v->files[j].path;
            f[j].content = v->files[j].content;
            f[j].len = v->files[j].len;
            f[j].mode = v->files[j].mode > 0 ? (int)v->files[j].mode : 0644;
        }
        vs[i].files = f;
        vs[i].nfiles = v->nfiles;
        vs[i].nfs_server = v->nfs_server;
        vs[i].nfs_path = v->nfs_path;
        vs[i].read_only = v->nfs_read_only;
    }
    b->g.volumes = vs;
    b->g.nvolumes = s->nvolumes;
    b->g.hostname = s->host_name ? s->host_name : s->name;
    kv_list *ha = bundle_kv(b);
    for (size_t i = 0; i < s->host_aliases.n; i++)
        kv_add(ha, s->host_aliases.items[i].key, s->host_aliases.items[i].val);
    b->g.host_aliases = ha;
    b->g.termination_grace_seconds = s->termination_grace >= 0 ? (int)s->termination_grace : -1;
    b->g.dns_policy = s->dns_policy;
    b->g.dns_nameservers = (const char *const *)s->dns_ns;
    b->g.ndns_nameservers = s->ndns_ns;
    b->g.dns_searches = (const char *const *)s->dns_search;
    b->g.ndns_searches = s->ndns_search;
    b->g.dns_options = &s->dns_opts;
    return b;
}

/* ---- worker threads --------------------------------------------------- */

enum { OP_START, OP_STOP, OP_RESTART, OP_UPDATE };

typedef struct work {
    emu_server *s;
    int op;
    char id[32];
    int grace;
    rt_bundle *b;
} work;

static void work_done(emu_server *s)
{
    pthread_mutex_lock(&s->tmu);
    s->inflight--;
    pthread_cond_broadcast(&s->tcond);
    pthread_mutex_unlock(&s->tmu);
}

static void *worker(void *arg)
{
    work *w = arg;
    emu_server *s = w->s;
    char err[256] = "";
    int rc = 0;
    switch (w->op) {
    case OP_START:
        rc = emu_rt_start_group(s->rt, &w->b->g, err, sizeof err);
        break;
    case OP_STOP:
        emu_rt_stop_group(s->rt, w->id, w->grace);
        pthread_mutex_lock(&s->store.mu);
        emu_group *dg = emu_store_find(&s->store, w->id);
        if (dg && dg->deleting) /* a deleted group: gone now that nothing runs */
            emu_store_remove(&s->store, w->id);
        pthread_mutex_unlock(&s->store.mu);
        break;
    case OP_RESTART:
        rc = emu_rt_restart_group(s->rt, w->id);
        if (rc)
            snprintf(err, sizeof err, "restart failed");
        break;
    case OP_UPDATE:
        rc = emu_rt_update_group(s->rt, &w->b->g, err, sizeof err);
        break;
    }
    if (w->op != OP_STOP) {
        int orphan = 0, stop_deleted = -1;
        emu_spec *redo = NULL;
        pthread_mutex_lock(&s->store.mu);
        emu_group *g = emu_store_find(&s->store, w->id);
        if (!g) {
            orphan = w->op == OP_START && rc == 0;
        } else {
            g->rt_busy = 0;
            g->rt_next_ms = 0; /* look at the runtime on the next tick */
            if (w->op == OP_START)
                g->rt_started = rc == 0;
            if (g->deleting && g->stop_deferred) { /* deleted while this call ran: stop it now, or it is gone */
                g->stop_deferred = 0;
                if (g->rt_started)
                    stop_deleted = g->spec->termination_grace >= 0 ? (int)g->spec->termination_grace : 30;
                else
                    emu_store_remove(&s->store, w->id);
                g = NULL;
                rc = 0;
            }
            if (g && w->op == OP_START && rc == 0 && g->spec_dirty) {
                g->spec_dirty = 0;
                redo = emu_spec_copy(g->spec);
            }
            if (g && rc && !g->deleting) {
                time_t now = time(NULL);
                emu_group_event(g, &s->rng, "Warning", "Failed", NULL, err, now);
                emu_group_set_status(g, "Failed", emu_now());
            }
        }
        pthread_mutex_unlock(&s->store.mu);
        if (orphan) /* deleted while starting */
            emu_rt_stop_group(s->rt, w->id, 0);
        if (stop_deleted >= 0)
            emu_lifecycle_stop_group(s, w->id, stop_deleted);
        if (redo) /* updated while starting */
            emu_lifecycle_update_group(s, w->id, redo);
    }
    bundle_free(w->b);
    free(w);
    work_done(s);
    return NULL;
}

static void spawn(emu_server *s, int op, const char *id, int grace, rt_bundle *b)
{
    if (!s->rt) {
        bundle_free(b);
        return;
    }
    work *w = xcalloc(1, sizeof *w);
    w->s = s;
    w->op = op;
    snprintf(w->id, sizeof w->id, "%s", id);
    w->grace = grace;
    w->b = b;
    pthread_mutex_lock(&s->tmu);
    s->inflight++;
    pthread_mutex_unlock(&s->tmu);
    pthread_t t;
    pthread_attr_t at;
    pthread_attr_init(&at);
    pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
    if (pthread_create(&t, &at, worker, w) != 0) {
        /* run inline rather than lose the operation */
        worker(w);
    }
    pthread_attr_destroy(&at);
}

void emu_lifecycle_stop_group(emu_server *s, const char *id, int grace) { spawn(s, OP_STOP, id, grace, NULL); }

void emu_lifecycle_restart_group(emu_server *s, const char *id) { spawn(s, OP_RESTART, id, 0, NULL); }

void emu_lifecycle_update_group(emu_server *s, const char *id, emu_spec *spec)
{
    pthread_mutex_lock(&s->store.mu);
    emu_group *g = emu_store_find(&s->store, id);
    rt_bundle *b = NULL;
    if (g && s->rt) {
        b = bundle_new(g, spec);
        g->rt_busy = 1;
    } else {
        emu_spec_free(spec);
    }
    pthread_mutex_unlock(&s->store.mu);
    if (b)
        spawn(s, OP_UPDATE, id, 0, b);
}

/* ---- runtime events ----------------------------------------------------- */

void emu_lifecycle_on_rt_event(void *ud, const char *group_id, const char *container, const char *type,
                               const char *reason, const char *message)
{
    emu_server *s = ud;
    emu_qevent *q = xcalloc(1, sizeof *q);
    snprintf(q->id, sizeof q->id, "%s", group_id ? group_id : "");
    snprintf(q->container, sizeof q->container, "%s", container ? container : "");
    snprintf(q->type, sizeof q->type, "%s", type ? type : "Normal");
    snprintf(q->reason, sizeof q->reason, "%s", reason ? reason : "");
    snprintf(q->message, sizeof q->message, "%s", message ? message : "");
    q->at = time(NULL);
    pthread_mutex_lock(&s->evmu);
    if (s->evq_len >= MAX_QUEUED_EVENTS) {
        free(q);
    } else {
        if (s->evq_tail)
            s->evq_tail->next = q;
        else
            s->evq = q;
        s->evq_tail = q;
        s->evq_len++;
    }
    pthread_mutex_unlock(&s->evmu);
}

static void drain_events(emu_server *s)
{
    pthread_mutex_lock(&s->evmu);
    emu_qevent *q = s->evq;
    s->evq = s->evq_tail = NULL;
    s->evq_len = 0;
    pthread_mutex_unlock(&s->evmu);
    while (q) {
        emu_qevent *n = q->next;
        emu_group *g = emu_store_find(&s->store, q->id);
        if (g) {
            emu_group_event(g, &s->rng, q->type, q->reason, g->spec->name, q->message, q->at);
            g->changed_at = emu_now();
        }
        free(q);
        q = n;
    }
}

/* ---- the ticker ------------------------------------------------------- */

static int terminal(const emu_group *g)
{
    return strcmp(g->status, "Succeeded") == 0 || strcmp(g->status, "Failed") == 0 ||
           strcmp(g->status, "ScheduleFailed") == 0 || strcmp(g->status, "Expired") == 0;
}

static void apply_snapshot(emu_server *s, emu_group *g, emu_rt_group_status *st, int have, double now)
{
    if (have) {
        free(g->cs);
        g->cs = st->containers;
        g->ncs = st->ncontainers;
        g->rt_gen = st->gen;
        g->rt_phase = st->phase;
        st->containers = NULL;
        st->ncontainers = 0;
    }
    /* (without a new snapshot the fingerprint cannot move: no touch) */
    if (terminal(g) || g->forced_failed || g->deleting) { /* Terminating stays so until the group goes */
        if (have)
            emu_group_touch(g, now);
        return;
    }
    if ((strcmp(g->status, "Restarting") == 0 || strcmp(g->status, "Updating") == 0) &&
        (clock_mono_ms() < g->transient_until_ms || g->rt_busy)) {
        if (have)
            emu_group_touch(g, now);
        return;
    }
    const char *ns = g->status;
    /* no runtime: Running; an unchanged snapshot: its phase */
    emu_rt_group_phase ph = have ? st->phase : g->rt_gen ? g->rt_phase : EMU_GS_RUNNING;
    switch (ph) {
    case EMU_GS_STARTING: ns = "Pending"; break;
    case EMU_GS_RUNNING: ns = "Running"; break;
    case EMU_GS_SUCCEEDED: ns = "Succeeded"; break;
    case EMU_GS_FAILED: ns = "Failed"; break;
    case EMU_GS_STOPPED: break;
    }
    if (!have && strcmp(ns, g->status) == 0 && !(g->spec->active_deadline > 0 && g->started)) {
        /* nothing moved: an unchanged snapshot in the same status (the
         * common case at scale; the fingerprint would come out the same) */
        return;
    }
    if (strcmp(ns, g->status) != 0) {
        time_t t = (time_t)now;
        if (strcmp(ns, "Succeeded") == 0)
            emu_group_event(g, &s->rng, "Normal", "Completed", NULL, "All containers have completed successfully.", t);
        else if (strcmp(ns, "Failed") == 0)
            emu_group_event(g, &s->rng, "Warning", "Failed", NULL, "The container group failed.", t);
    }
    emu_group_set_status(g, ns, now);
    emu_group_touch(g, now);
    /* ActiveDeadlineSeconds */
    if (g->spec->active_deadline > 0 && g->started && !terminal(g) &&
        now - (double)g->started > (double)g->spec->active_deadline) {
        emu_group_event(g, &s->rng, "Warning", "DeadlineExceeded", NULL,
                        "The container group was active longer than ActiveDeadlineSeconds.", (time_t)now);
        emu_group_set_status(g, "Failed", now);
        g->forced_failed = 1;
        emu_lifecycle_stop_group(s, g->id, 0);
    }
}

static void retention(emu_server *s, double now)
{
    size_t succeeded = 0;
    for (emu_group *g = s->store.groups; g; g = g->next)
        succeeded += strcmp(g->status, "Succeeded") == 0;
    for (emu_group *g = s->store.groups, *n; g; g = n) {
        n = g->next;
        int drop = 0;
        if (strcmp(g->status, "Succeeded") == 0 && succeeded > KEEP_SUCCEEDED) {
            succeeded--;
            drop = 1;
        } else if ((strcmp(g->status, "Failed") == 0 || strcmp(g->status, "ScheduleFailed") == 0) && g->failed &&
                   now - (double)g->failed > KEEP_FAILED_SECONDS) {
            drop = 1;
        }
        if (drop) {
            char id[32];
            snprintf(id, sizeof id, "%s", g->id);
            int started = g->rt_started || g->rt_busy;
            emu_store_remove(&s->store, id);
            if (started)
                emu_lifecycle_stop_group(s, id, 0);
        }
    }
}

void emu_lifecycle_tick(emu_server *s)
{
    double now = emu_now();
    int64_t mono = clock_mono_ms();
    typedef struct { char id[32]; uint64_t seq, gen; emu_rt_group_status st; int have; } poll_item;
    size_t npoll = 0, apoll = 0;
    poll_item *poll = NULL;
    typedef struct { char id[32]; rt_bundle *b; } start_item;
    start_item *starts = NULL;
    size_t nstarts = 0;

    pthread_mutex_lock(&s->store.mu);
    drain_events(s);
    for (emu_group *g = s->store.groups; g; g = g->next) {
        if (strcmp(g->status, "Scheduling") == 0 && !g->rt_busy && mono >= g->schedule_at_ms) {
            if (g->schedule_fail) {
                emu_group_event(g, &s->rng, "Warning", "NoStock", NULL,
                                "Sales of this resource are temporarily suspended in the specified zone.",
                                (time_t)now);
                emu_group_set_status(g, "ScheduleFailed", now);
                continue;
            }
            emu_group_event(g, &s->rng, "Normal", "Scheduled", NULL,
                            "Successfully assigned the container group to a host.", (time_t)now);
            emu_group_set_status(g, "Pending", now);
            if (s->rt) {
                g->rt_busy = 1;
                starts = xrealloc(starts, (nstarts + 1) * sizeof *starts);
                snprintf(starts[nstarts].id, sizeof starts[nstarts].id, "%s", g->id);
                starts[nstarts].b = bundle_new(g, emu_spec_copy(g->spec));
                nstarts++;
            } else {
                g->rt_started = 1;
            }
            continue;
        }
        if (g->rt_started && !g->rt_busy && mono >= g->rt_next_ms) {
            if (npoll == apoll) {
                apoll = apoll ? apoll * 2 : 16;
                poll = xrealloc(poll, apoll * sizeof *poll);
            }
            memset(&poll[npoll], 0, sizeof poll[npoll]);
            snprintf(poll[npoll].id, sizeof poll[npoll].id, "%s", g->id);
            poll[npoll].gen = g->rt_gen;
            poll[npoll++].seq = g->seq;
        }
    }
    if (!s->rt)
        for (emu_group *g = s->store.groups; g; g = g->next)
            if (g->rt_started)
                apply_snapshot(s, g, NULL, 0, now);
    if (mono >= s->retention_at_ms) { /* a walk of the whole store: once a second */
        retention(s, now);
        s->retention_at_ms = mono + 1000;
    }
    pthread_mutex_unlock(&s->store.mu);

    for (size_t i = 0; i < nstarts; i++)
        spawn(s, OP_START, starts[i].id, 0, starts[i].b);
    free(starts);
    /* Snapshots without the store lock, then one pass over the store: both
     * lists are in creation order, so a merge on seq pairs them. */
    if (s->rt && npoll) {
        /* have: 1 a new snapshot, 0 unchanged since the last one, -1 gone */
        for (size_t i = 0; i < npoll; i++)
            poll[i].have = emu_rt_group_status_since(s->rt, poll[i].id, poll[i].gen, &poll[i].st);
        double t = emu_now();
        size_t j = 0;
        pthread_mutex_lock(&s->store.mu);
        for (emu_group *g = s->store.groups; g && j < npoll; g = g->next) {
            while (j < npoll && poll[j].seq < g->seq)
                j++;
            if (j < npoll && poll[j].seq == g->seq && poll[j].have >= 0 && g->rt_started && !g->rt_busy &&
                (poll[j].have || g->rt_gen == poll[j].gen)) {
                apply_snapshot(s, g, &poll[j].st, poll[j].have, t);
                /* Until the runtime's next timer nothing moves by itself
                 * (a restart or update resets this); deadlines and the
                 * Restarting/Updating display need every tick. */
                int watch = g->spec->active_deadline > 0 || !strcmp(g->status, "Restarting") ||
                            !strcmp(g->status, "Updating") || g->deleting;
                g->rt_next_ms = watch ? 0 : poll[j].st.next_change_ms;
            }
        }
        pthread_mutex_unlock(&s->store.mu);
        for (size_t i = 0; i < npoll; i++)
            if (poll[i].have > 0)
                emu_rt_status_free(&poll[i].st);
    }
    free(poll);
}

static void *ticker_main(void *arg)
{
    emu_server *s = arg;
    pthread_mutex_lock(&s->tmu);
    while (!s->stopping) {
        pthread_mutex_unlock(&s->tmu);
        emu_lifecycle_tick(s);
        pthread_mutex_lock(&s->tmu);
        struct timespec ts;
        deadline_after_ms(&ts, CLOCK_REALTIME, TICK_MS);
        if (!s->stopping)
            pthread_cond_timedwait(&s->tcond, &s->tmu, &ts);
    }
    pthread_mutex_unlock(&s->tmu);
    return NULL;
}

int emu_lifecycle_start(emu_server *s, char *err, size_t errlen)
{
    if (pthread_create(&s->ticker, NULL, ticker_main, s) != 0) {
        snprintf(err, errlen, "cannot start the ticker thread");
        return -1;
    }
    s->ticker_running = 1;
    return 0;
}

void emu_lifecycle_stop(emu_server *s)
{
    pthread_mutex_lock(&s->tmu);
    s->stopping = 1;
    pthread_cond_broadcast(&s->tcond);
    pthread_mutex_unlock(&s->tmu);
    if (s->ticker_running) {
        pthread_join(s->ticker, NULL);
        s->ticker_running = 0;
    }
    pthread_mutex_lock(&s->tmu);
    while (s->inflight > 0)
        pthread_cond_wait(&s->tcond, &s->tmu);
    pthread_mutex_unlock(&s->tmu);
    emu_lifecycle_drop_events(s);
}

void emu_lifecycle_drop_events(emu_server *s)
{
    pthread_mutex_lock(&s->evmu);
    for (emu_qevent *q = s->evq, *n; q; q = n) {
        n = q->next;
        free(q);
    }
    s->evq = s->evq_tail = NULL;
    s->evq_len = 0;
    pthread_mutex_unlock(&s->evmu);
}
