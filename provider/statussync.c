/* Status sync: one thread polls ECI for the node's groups in batches and
 * writes pod status only when it changed (DESIGN.md invariant 3).
 *
 * Every period: DescribeContainerGroupStatus filtered by the node's tags with
 * SinceSecond (a delta: only groups whose status moved), paged 200 at a time;
 * a cheap signature of each item is compared with the one last applied, and
 * only groups whose signature moved are described in full with
 * DescribeContainerGroups (ContainerGroupIds, 20 per call). While a group is
 * starting (Scheduling/Pending/Restarting/Updating) the period shortens to
 * one second, so a pod reaches Running quickly without a call per pod.
 *
 * Every resync period (and at start): the same listing without SinceSecond,
 * which also finds groups that vanished (their pods become Failed with reason
 * ContainerGroupNotFound) and groups the map does not know (adopted or
 * deleted as orphans by gc.c).
 *
 * Pods whose status in the API drifted from the one written (another writer:
 * the node lifecycle controller, a readiness gate) are marked by the
 * informer's handler, which asks for a poll (prov_ctl_poll_soon): the loop
 * polls at once, or right after the poll in progress, and describes their
 * groups although ECI reports no change.
 *
 * Groups adopted from virtual-kubelet/alibabacloud-eci lack our tags, so no
 * listing returns them: they are described by id on every poll (a transitional
 * population that ends as their pods are replaced).
 *
 * The groups to describe are cut into batches of 20 (one DescribeContainerGroups
 * each) that up to status_workers threads describe and apply in parallel, so
 * a burst of changes costs one batch's time per worker instead of every
 * batch's in turn. Order holds because a group is in one batch of a poll
 * (ids are deduplicated) and a poll ends when all its batches are applied,
 * before the next listing: a group's later state is always described after
 * its earlier one was written. podstatus.c keeps one writer per pod against
 * the other writers (the reconcile workers). The ECI client paces the calls
 * to each operation's rate whatever the thread. */
#include "provider/controllers.h"
#include "provider/podmap/pod.h"
#include "provider/podmap/status.h"
#include "util/clock.h"
#include "util/hash.h"
#include "util/log.h"
#include "util/strmap.h"
#include "util/xmalloc.h"

#include <malloc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#define COMP "status"
#define RESYNC_MS 60000L
#define FAST_MS 1000L
#define VANISH_GRACE_S 30

typedef struct strset {
    char **v;
    size_t n, cap;
} strset;

static void ss_add(strset *s, const char *x)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 64;
        s->v = xrealloc(s->v, s->cap * sizeof *s->v);
    }
    s->v[s->n++] = xstrdup(x);
}

static void ss_free(strset *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i]);
    free(s->v);
    memset(s, 0, sizeof *s);
}

static int cmpstr(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int ss_has_sorted(const strset *s, const char *x)
{
    return s->n && bsearch(&x, s->v, s->n, sizeof *s->v, cmpstr) != NULL;
}

static uint64_t fnv(uint64_t h, const char *s)
{
    if (!s)
        s = "";
    return hash_fnv1a_add(hash_fnv1a_add(h, s, strlen(s)), "\xff", 1);
}

static uint64_t fnv_int(uint64_t h, int64_t v)
{
    char b[32];
    snprintf(b, sizeof b, "%lld", (long long)v);
    return fnv(h, b);
}

static uint64_t state_sig(uint64_t h, const eci_k8s_state *st)
{
    h = fnv_int(h, st->waiting * 4 + st->running * 2 + st->terminated);
    h = fnv(h, st->waiting_reason);
    h = fnv(h, st->running_started_at);
    h = fnv_int(h, st->terminated_exit_code);
    h = fnv(h, st->terminated_reason);
    return fnv(h, st->terminated_finished_at);
}

/* What in a status item makes the pod status change. */
static uint64_t item_sig(const eci_cg_status *s)
{
    uint64_t h = HASH_FNV1A_INIT;
    h = fnv(h, s->status);
    h = fnv(h, s->phase);
    h = fnv(h, s->pod_ip);
    for (size_t i = 0; i < s->n_conditions; i++) {
        h = fnv(h, s->conditions[i].type);
        h = fnv(h, s->conditions[i].status);
    }
    for (size_t i = 0; i < s->n_container_statuses; i++) {
        const eci_container_status *c = &s->container_statuses[i];
        h = fnv(h, c->name);
        h = fnv_int(h, c->ready * 2 + c->started);
        h = fnv_int(h, c->restart_count);
        h = state_sig(h, &c->state);
        h = state_sig(h, &c->last_state);
    }
    return h ? h : 1;
}

static int transitional(const char *st)
{
    return !st[0] || strcmp(st, "Scheduling") == 0 || strcmp(st, "Pending") == 0 || strcmp(st, "Restarting") == 0 ||
           strcmp(st, "Updating") == 0;
}

typedef struct poll_ctx {
    prov_ctl *c;
    strset changed;  /* group ids to describe in full */
    strset unknown;  /* groups with our tags the map does not know */
    strset seen;     /* every group listed (full pass) */
    uint64_t *sigs;  /* signature per changed id, same order */
    size_t nsigs, capsigs;
    strmap *index;   /* changed id -> its position */
    int full;
} poll_ctx;

static void add_changed(poll_ctx *pc, const char *group_id, uint64_t sig);

static int visit_status(void *ud, const eci_cg_status *s)
{
    poll_ctx *pc = ud;
    if (!s->container_group_id)
        return 0;
    if (pc->full)
        ss_add(&pc->seen, s->container_group_id);
    prov_gm_entry e;
    if (prov_gm_get_by_group(pc->c->gm, s->container_group_id, &e) != 0) {
        /* A group ECI already stops was deleted, by this bridge (its entry
         * goes once the pod's final status is written, which can be before
         * ECI drops the group) or by someone else: handing it to the GC
         * would adopt it again or delete it a second time. */
        if (!s->status || strcmp(s->status, "Terminating") != 0)
            ss_add(&pc->unknown, s->container_group_id);
        return 0;
    }
    uint64_t sig = item_sig(s);
    if (sig == e.status_sig)
        return 0;
    add_changed(pc, s->container_group_id, sig);
    return 0;
}

/* A group to describe, once per poll (a listing's pages may show a group
 * twice; its later signature wins): two workers never apply one group. */
static void add_changed(poll_ctx *pc, const char *group_id, uint64_t sig)
{
    int64_t at;
    if (strmap_get(pc->index, group_id, &at)) {
        pc->sigs[at] = sig;
        return;
    }
    strmap_set(pc->index, group_id, (int64_t)pc->changed.n);
    ss_add(&pc->changed, group_id);
    if (pc->nsigs == pc->capsigs) {
        pc->capsigs = pc->capsigs ? pc->capsigs * 2 : 64;
        pc->sigs = xrealloc(pc->sigs, pc->capsigs * sizeof *pc->sigs);
    }
    pc->sigs[pc->nsigs++] = sig;
}

static int collect_uid(const char *uid, int64_t v, void *ud)
{
    (void)v;
    ss_add(ud, uid);
    return 1; /* kept: only listed */
}

/* Pods whose status in the API drifted from what was written: their groups
 * are described again even though ECI reports no change (a full resync
 * finds nothing moved on ECI's side either). */
static void add_drifted(poll_ctx *pc)
{
    prov_ctl *c = pc->c;
    strset uids = {0};
    pthread_mutex_lock(&c->drift_mu);
    strmap_filter(c->drifted, collect_uid, &uids);
    pthread_mutex_unlock(&c->drift_mu);
    for (size_t i = 0; i < uids.n; i++) {
        prov_gm_entry e;
        if (prov_gm_get(c->gm, uids.v[i], &e) != 0 || e.deleting) {
            prov_drift_forget(c, uids.v[i], 0); /* no group: nothing to correct from */
            continue;
        }
        if (!strmap_get(pc->index, e.group_id, NULL))
            add_changed(pc, e.group_id, e.status_sig);
    }
    ss_free(&uids);
}

/* Apply one described group to its pod. */
static void apply_group(prov_ctl *c, const eci_container_group *g, uint64_t sig)
{
    prov_gm_entry e;
    if (prov_gm_get_by_group(c->gm, g->container_group_id, &e) != 0)
        return;
    /* The drift mark (and the refused resize) before the pod: the status
     * built from this pod corrects that mark, not one made after. */
    uint64_t mark = prov_drift_mark(c, e.uid);
    char *refused = prov_resize_refused(c, e.uid);
    cJSON *pod = prov_ctl_pod(c, e.ns, e.name, e.uid);
    if (!pod) {
        free(refused);
        return; /* the pod sync deletes the group */
    }
    int ok = 0;
    if (!podmap_pod_terminal(pod) && !podmap_pod_deleting(pod)) {
        char ts[40];
        podmap_status_ctx ctx;
        prov_ctl_status_ctx(c, &ctx, ts, sizeof ts);
        ctx.resize_refused = refused;
        cJSON *st = podmap_status_from_group(pod, g, &ctx);
        /* ACK's annotations (and the RequestId of the create, kept until
         * now) go in the status's own patch. */
        cJSON *wb = podmap_status_writeback(pod, g, NULL, e.request_id[0] ? e.request_id : NULL);
        prov_price_annotate(c, pod, g, &wb);
        ok = prov_status_write(c, pod, st, wb) == 0;
        cJSON_Delete(st);
        cJSON_Delete(wb);
    } else {
        ok = 1;
    }
    /* A later mark (a refused resize, another drift while this status was
     * built) stays for the poll it asked for. */
    if (ok)
        prov_drift_served(c, e.uid, mark);
    free(refused);
    prov_emit_group_events(c, pod, g);
    prov_gm_set_status(c->gm, e.uid, g->status ? g->status : "", ok ? sig : 0);
    cJSON_Delete(pod);
}

#define BATCH 20

/* One describe-and-apply: ids[0..n) cut into batches that the workers take
 * in turn (next), the ids the service no longer knows added to missing. */
typedef struct apply_ctx {
    prov_ctl *c;
    char **ids;
    const uint64_t *sigs;
    size_t n;
    atomic_size_t next; /* the next batch to take */
    pthread_mutex_t mu; /* missing */
    strset *missing;
} apply_ctx;

typedef struct batch_ctx {
    apply_ctx *a;
    size_t off; /* ids[off] is index 0 of the batch */
} batch_ctx;

static void apply_one(size_t i, const eci_container_group *g, void *arg)
{
    batch_ctx *b = arg;
    apply_ctx *a = b->a;
    i += b->off;
    if (g) {
        apply_group(a->c, g, a->sigs ? a->sigs[i] : 0);
    } else if (a->missing) {
        pthread_mutex_lock(&a->mu);
        ss_add(a->missing, a->ids[i]);
        pthread_mutex_unlock(&a->mu);
    }
}

static void *apply_worker(void *arg)
{
    apply_ctx *a = arg;
    size_t nb = (a->n + BATCH - 1) / BATCH, k;
    while ((k = atomic_fetch_add(&a->next, 1)) < nb && !atomic_load(&a->c->stop)) {
        batch_ctx b = {a, k * BATCH};
        size_t cnt = a->n - b.off < BATCH ? a->n - b.off : BATCH;
        prov_describe_ids(a->c, (const char *const *)a->ids + b.off, cnt, apply_one, &b);
    }
    return NULL;
}

/* Describe ids[0..n) (no id twice) and apply each group, on up to
 * status_workers threads (this one included), returning when every batch is
 * applied; the ids the service no longer knows are added to missing (when
 * non-NULL). */
static void describe_and_apply(prov_ctl *c, char **ids, const uint64_t *sigs, size_t n, strset *missing)
{
    apply_ctx a = {.c = c, .ids = ids, .sigs = sigs, .n = n, .missing = missing};
    atomic_init(&a.next, 0);
    pthread_mutex_init(&a.mu, NULL);
    size_t nb = (n + BATCH - 1) / BATCH;
    size_t nt = c->status_workers > 1 ? (size_t)c->status_workers : 1;
    if (nt > nb)
        nt = nb;
    pthread_t *th = nt > 1 ? xcalloc(nt - 1, sizeof *th) : NULL;
    size_t started = 0;
    for (; started + 1 < nt; started++)
        if (pthread_create(&th[started], NULL, apply_worker, &a) != 0)
            break; /* fewer helpers: the batches are still all taken */
    apply_worker(&a);
    for (size_t i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    free(th);
    pthread_mutex_destroy(&a.mu);
}

/* Collects the adopted groups of the Go provider (under the map's lock: no
 * copy of the map every poll). Never stops the walk. */
static int collect_legacy(const prov_gm_entry *e, void *arg)
{
    if (e->legacy && !e->deleting)
        ss_add(arg, e->group_id);
    return 0;
}

/* The adopted groups of the Go provider, by id; they count as seen (a vanished
 * one is caught by fail_vanished's own describe). */
static void describe_legacy(prov_ctl *c, strset *seen)
{
    strset ids = {0};
    prov_gm_any(c->gm, collect_legacy, &ids);
    if (ids.n) {
        strset missing = {0};
        describe_and_apply(c, ids.v, NULL, ids.n, &missing);
        for (size_t i = 0; i < ids.n; i++) {
            int gone = 0;
            for (size_t j = 0; j < missing.n && !gone; j++)
                gone = strcmp(missing.v[j], ids.v[i]) == 0;
            if (!gone)
                ss_add(seen, ids.v[i]);
        }
        ss_free(&missing);
    }
    ss_free(&ids);
}

/* Pods whose group is gone: Failed with a clear reason. */
typedef struct vanish_ctx {
    const strset *seen;
    strset *cand;
    time_t now;
} vanish_ctx;

/* Collects the groups the listing did not show (under the map's lock: a
 * copy of the whole map, 640 bytes an entry, was this pass's largest
 * allocation at 10,000 pods). Never stops the walk. */
static int collect_unseen(const prov_gm_entry *e, void *arg)
{
    vanish_ctx *v = arg;
    if (!e->deleting && v->now - e->created >= VANISH_GRACE_S && !ss_has_sorted(v->seen, e->group_id))
        ss_add(v->cand, e->group_id);
    return 0;
}

static void fail_vanished(prov_ctl *c, const strset *seen)
{
    strset cand = {0};
    vanish_ctx v = {seen, &cand, time(NULL)};
    prov_gm_any(c->gm, collect_unseen, &v);
    if (!cand.n)
        return;
    /* Confirm with a direct describe: a listing can race a create. */
    strset missing = {0};
    describe_and_apply(c, cand.v, NULL, cand.n, &missing);
    for (size_t i = 0; i < missing.n; i++) {
        prov_gm_entry e;
        if (prov_gm_get_by_group(c->gm, missing.v[i], &e) != 0)
            continue;
        cJSON *pod = prov_ctl_pod(c, e.ns, e.name, e.uid);
        if (pod) {
            char msg[512];
            snprintf(msg, sizeof msg,
                     "ECI container group %s no longer exists (deleted outside Kubernetes, expired, or released "
                     "by the service)",
                     e.group_id);
            log_warn(COMP, "pod %s/%s: %s", e.ns, e.name, msg);
            char ts[40];
            podmap_status_ctx ctx;
            prov_ctl_status_ctx(c, &ctx, ts, sizeof ts);
            if (!podmap_pod_terminal(pod)) {
                cJSON *st = podmap_status_failed(pod, "ContainerGroupNotFound", msg, &ctx);
                if (prov_status_write(c, pod, st, NULL) == 0)
                    k8s_record_event(c->rec, pod, "Warning", "ContainerGroupNotFound", msg, NULL);
                cJSON_Delete(st);
            }
        }
        cJSON_Delete(pod);
        prov_gm_del(c->gm, e.uid);
    }
    ss_free(&missing);
    ss_free(&cand);
}

static int is_starting(const prov_gm_entry *e, void *arg)
{
    (void)arg;
    return !e->deleting && transitional(e->eci_status);
}

static int any_transitional(prov_ctl *c) { return prov_gm_any(c->gm, is_starting, NULL); }

void prov_status_poll(prov_ctl *c, int full, int since_s)
{
    poll_ctx pc;
    memset(&pc, 0, sizeof pc);
    pc.c = c;
    pc.full = full;
    pc.index = strmap_new();
    eci_error err;
    if (c->be->status_since(c->be->ud, full ? 0 : since_s, visit_status, &pc, &err) != 0) {
        prov_ctl_eci(c, &err, NULL);
        ss_free(&pc.changed);
        ss_free(&pc.unknown);
        ss_free(&pc.seen);
        free(pc.sigs);
        strmap_free(pc.index);
        return;
    }
    prov_ctl_eci(c, NULL, NULL);
    add_drifted(&pc);
    describe_and_apply(c, pc.changed.v, pc.sigs, pc.changed.n, NULL);
    describe_legacy(c, &pc.seen);
    if (pc.unknown.n)
        prov_gc_pass(c, (const char *const *)pc.unknown.v, pc.unknown.n);
    if (full) {
        if (pc.seen.n)
            qsort(pc.seen.v, pc.seen.n, sizeof *pc.seen.v, cmpstr);
        fail_vanished(c, &pc.seen);
    }
    ss_free(&pc.changed);
    ss_free(&pc.unknown);
    ss_free(&pc.seen);
    free(pc.sigs);
    strmap_free(pc.index);
}

static void count_poll(prov_ctl *c, int asked)
{
    unsigned long periods = asked ? atomic_load(&c->period_polls) : atomic_fetch_add(&c->period_polls, 1) + 1;
    log_debug(COMP, "status poll (%s; sync period %lu)", asked ? "asked for" : "period", periods);
    if (c->m_status_polls) {
        const char *lv[] = {asked ? "change" : "period"};
        prom_inc(c->m_status_polls, lv, 1);
    }
}

void *prov_status_loop(void *arg)
{
    prov_ctl *c = arg;
    long period = c->status_period_ms > 0 ? c->status_period_ms : 5000;
    struct timespec last_full = {0, 0};
    int first = 1, asked = 0;
    while (!atomic_load(&c->stop)) {
        int64_t began = clock_mono_ms();
        count_poll(c, asked);
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        long since_full = (now.tv_sec - last_full.tv_sec) * 1000 + (now.tv_nsec - last_full.tv_nsec) / 1000000;
        int full = first || since_full >= RESYNC_MS;
        /* The delta window covers three periods and a margin: a late poll or
         * clock skew loses nothing (changes are applied idempotently). */
        int since_s = (int)(3 * (period > FAST_MS ? period : FAST_MS) / 1000) + 5;
        prov_status_poll(c, full, since_s);
        size_t stopping = prov_term_poll(c);
        prov_events_poll(c, full ? 0 : since_s);
        if (full) {
            last_full = now;
            first = 0;
#ifdef M_ARENA_MAX
            /* Give freed heap pages back to the system after a burst. */
            malloc_trim(0);
#endif
        }
        /* A poll asked for during this one (a drift seen after it read the
         * marks, a new group) begins as soon as this one ends, but not
         * sooner than a second after this one began: asks in a stream (a
         * burst of creates, a node's pods marked not ready one by one) poll
         * once a second, as while groups start. */
        long wait = stopping || any_transitional(c) ? FAST_MS : period;
        long took = (long)(clock_mono_ms() - began);
        asked = prov_ctl_poll_wait(c, wait, took < FAST_MS ? FAST_MS - took : 0);
    }
    return NULL;
}
