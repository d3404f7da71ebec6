/* ECI container group -> PodStatus, Events. */
#include "provider/podmap/status.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/sha.h>

#include "provider/podmap/translate.h"
#include "util/dynbuf.h"
#include "util/timefmt.h"
#include "util/xmalloc.h"

/* ---------------------------------------------------------- helpers */

static const char *jstr(const cJSON *o, const char *k)
{
    const cJSON *v = o ? cJSON_GetObjectItemCaseSensitive(o, k) : NULL;
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static const cJSON *jobj(const cJSON *o, const char *k)
{
    const cJSON *v = o ? cJSON_GetObjectItemCaseSensitive(o, k) : NULL;
    return cJSON_IsObject(v) ? v : NULL;
}

static const cJSON *jarr(const cJSON *o, const char *k)
{
    const cJSON *v = o ? cJSON_GetObjectItemCaseSensitive(o, k) : NULL;
    return cJSON_IsArray(v) ? v : NULL;
}

/* Normalise an RFC 3339 time (ECI samples carry trailing tabs, offsets and
 * milliseconds) to "YYYY-MM-DDTHH:MM:SSZ", the form the apiserver stores.
 * buf >= 21. Returns buf, or NULL when s is not such a time. */
static const char *ts_norm(const char *s, char *buf)
{
    if (!s)
        return NULL;
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    struct timespec t;
    if (timefmt_parse(s, n, &t) != 0)
        return NULL;
    return timefmt_format_s(t.tv_sec, buf, 21);
}

static void add_time(cJSON *o, const char *key, const char *t)
{
    char buf[32];
    const char *n = ts_norm(t, buf);
    if (n)
        cJSON_AddStringToObject(o, key, n);
}

/* ----------------------------------------------------- normal form */

/* One container as reported by either ECI call. */
typedef struct st_state {
    const char *state; /* "Waiting", "Running", "Terminated" or NULL */
    const char *reason, *message;
    int64_t exit_code, signal;
    const char *started, *finished;
} st_state;

typedef struct st_ctr {
    const char *name;
    const char *image_id;
    int ready;
    int64_t restarts;
    st_state cur, prev;
    int res_known;       /* cpu/mem are what ECI applied */
    double cpu, mem_gib; /* the container's Cpu (cores) and Memory (GiB) on ECI */
} st_ctr;

typedef struct st_grp {
    const char *id;
    const char *status; /* ECI group status */
    const char *ip;
    const char *created;
    const char *warning; /* latest Warning event message, for failures */
    const char *warning_reason; /* and its reason */
    const st_ctr *ctrs;
    size_t n;
    const st_ctr *inits;
    size_t ninit;
    int init_known; /* init container states are reported */
    /* overrides for podmap_status_failed / podmap_status_pending */
    const char *force_phase;
    const char *reason, *message;
} st_grp;

static const st_ctr *find_ctr(const st_ctr *v, size_t n, const char *name)
{
    for (size_t i = 0; name && i < n; i++)
        if (v[i].name && strcmp(v[i].name, name) == 0)
            return &v[i];
    return NULL;
}

static const char *phase_of(const char *s)
{
    if (!s)
        return NULL;
    if (!strcmp(s, "Scheduling") || !strcmp(s, "Pending"))
        return "Pending";
    if (!strcmp(s, "Running") || !strcmp(s, "Updating") || !strcmp(s, "Restarting") ||
        !strcmp(s, "Terminating"))
        return "Running";
    if (!strcmp(s, "Succeeded"))
        return "Succeeded";
    if (!strcmp(s, "Failed") || !strcmp(s, "ScheduleFailed") || !strcmp(s, "Expired"))
        return "Failed";
    return NULL;
}

/* -------------------------------------------------------------- build */

static cJSON *state_json(const st_state *s, const char *cid, const char *dflt_wait,
                         const char *dflt_msg, const char *now)
{
    cJSON *o = cJSON_CreateObject();
    if (s && s->state && !strcmp(s->state, "Running")) {
        cJSON *r = cJSON_AddObjectToObject(o, "running");
        char buf[32];
        const char *t = ts_norm(s->started, buf);
        cJSON_AddStringToObject(r, "startedAt", t ? t : now);
    } else if (s && s->state && !strcmp(s->state, "Terminated")) {
        cJSON *t = cJSON_AddObjectToObject(o, "terminated");
        cJSON_AddNumberToObject(t, "exitCode", (double)s->exit_code);
        if (s->signal)
            cJSON_AddNumberToObject(t, "signal", (double)s->signal);
        const char *reason = s->reason && *s->reason ? s->reason
                             : s->exit_code == 0    ? "Completed"
                                                    : "Error";
        cJSON_AddStringToObject(t, "reason", reason);
        if (s->message && *s->message)
            cJSON_AddStringToObject(t, "message", s->message);
        add_time(t, "startedAt", s->started);
        add_time(t, "finishedAt", s->finished);
        if (cid)
            cJSON_AddStringToObject(t, "containerID", cid);
    } else {
        cJSON *w = cJSON_AddObjectToObject(o, "waiting");
        const char *reason = s && s->state && s->reason && *s->reason ? s->reason : dflt_wait;
        const char *msg = s && s->state && s->message && *s->message ? s->message : dflt_msg;
        cJSON_AddStringToObject(w, "reason", reason);
        if (msg && *msg)
            cJSON_AddStringToObject(w, "message", msg);
    }
    return o;
}

static const cJSON *old_ctr_status(const cJSON *old, const char *list, const char *name)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, jarr(old, list))
    {
        const char *n = jstr(it, "name");
        if (n && name && !strcmp(n, name))
            return it;
    }
    return NULL;
}

/* The spec's cpu/memory of one kind (requests or limits), as the kubelet
 * reports applied resources: only cpu and memory. NULL when neither is set. */
static cJSON *cpu_mem_of(const cJSON *m)
{
    cJSON *o = NULL;
    static const char *keys[] = {"cpu", "memory", NULL};
    for (int i = 0; keys[i]; i++) {
        const cJSON *q = cJSON_GetObjectItemCaseSensitive(m, keys[i]);
        if (!cJSON_IsString(q) && !cJSON_IsNumber(q))
            continue;
        if (!o)
            o = cJSON_CreateObject();
        cJSON_AddItemToObject(o, keys[i], cJSON_Duplicate(q, 1));
    }
    return o;
}

static double eff_q(const cJSON *res, const char *key)
{
    double l = 0, r = 0;
    const cJSON *lq = cJSON_GetObjectItemCaseSensitive(jobj(res, "limits"), key);
    const cJSON *rq = cJSON_GetObjectItemCaseSensitive(jobj(res, "requests"), key);
    if (cJSON_IsString(lq))
        podmap_parse_quantity(lq->valuestring, &l);
    if (cJSON_IsString(rq))
        podmap_parse_quantity(rq->valuestring, &r);
    return l > 0 ? l : r;
}

/* Whether ECI runs the container with the size its spec asks for: ECI has
 * one Cpu and one Memory per container, the limit or else the request
 * (translate_container.c), so that is what is compared. */
static int applied_matches(const cJSON *spec_ctr, const st_ctr *c)
{
    if (!c || !c->res_known)
        return 1;
    const cJSON *res = jobj(spec_ctr, "resources");
    double cpu = round(eff_q(res, "cpu") * 1000.0) / 1000.0;
    double mem = eff_q(res, "memory") / (1024.0 * 1024.0 * 1024.0);
    return fabs(cpu - c->cpu) < 0.0005 && fabs(mem - c->mem_gib) < 1.0 / 1024.0;
}

/* status.containerStatuses[].resources and allocatedResources, as the
 * kubelet reports them (its support of in-place resize, which the apiserver
 * checks before accepting pods/resize): the spec's cpu/memory once ECI runs
 * that size, else what was reported before (the size still running). */
static void add_resources(cJSON *o, const cJSON *spec_ctr, const st_ctr *c, const cJSON *old_cs, int *pending)
{
    const cJSON *res = jobj(spec_ctr, "resources");
    cJSON *r = NULL;
    if (applied_matches(spec_ctr, c)) {
        r = cJSON_CreateObject();
        cJSON *x = cpu_mem_of(jobj(res, "requests"));
        if (x)
            cJSON_AddItemToObject(r, "requests", x);
        if ((x = cpu_mem_of(jobj(res, "limits"))))
            cJSON_AddItemToObject(r, "limits", x);
    } else {
        *pending = 1;
        const cJSON *was = jobj(old_cs, "resources");
        if (was) {
            r = cJSON_Duplicate(was, 1);
        } else { /* nothing reported yet: ECI's size as both */
            r = cJSON_CreateObject();
            char cpu[32], mem[32];
            snprintf(cpu, sizeof cpu, "%lldm", (long long)llround(c->cpu * 1000.0));
            snprintf(mem, sizeof mem, "%lldMi", (long long)llround(c->mem_gib * 1024.0));
            static const char *kinds[] = {"requests", "limits", NULL};
            for (int i = 0; kinds[i]; i++) {
                cJSON *k = cJSON_AddObjectToObject(r, kinds[i]);
                if (c->cpu > 0)
                    cJSON_AddStringToObject(k, "cpu", cpu);
                if (c->mem_gib > 0)
                    cJSON_AddStringToObject(k, "memory", mem);
            }
        }
    }
    const cJSON *rq = jobj(r, "requests");
    if (rq && rq->child)
        cJSON_AddItemToObject(o, "allocatedResources", cJSON_Duplicate(rq, 1));
    cJSON_AddItemToObject(o, "resources", r);
}

static cJSON *ctr_status(const cJSON *spec_ctr, const st_ctr *c, const st_grp *g, int init,
                         const char *dflt_wait, const char *dflt_msg, const char *now, const cJSON *old_cs,
                         int *pending)
{
    const char *name = jstr(spec_ctr, "name");
    const char *image = jstr(spec_ctr, "image");
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "name", name ? name : "");
    char *cid = NULL;
    int created = c && c->cur.state && strcmp(c->cur.state, "Waiting") != 0;
    if (g->id && *g->id && name && (created || (c && c->prev.state)))
        cid = xasprintf("eci://%s/%s", g->id, name);
    /* A running container ECI gives no start time for keeps the one written
     * before: a fresh "now" on every build would be a change at every poll. */
    const char *was = jstr(jobj(jobj(old_cs, "state"), "running"), "startedAt");
    cJSON_AddItemToObject(o, "state", state_json(c ? &c->cur : NULL, cid, dflt_wait, dflt_msg, was ? was : now));
    if (c && c->prev.state && !strcmp(c->prev.state, "Terminated"))
        cJSON_AddItemToObject(o, "lastState", state_json(&c->prev, NULL, dflt_wait, NULL, now));
    else
        cJSON_AddObjectToObject(o, "lastState");
    int running = c && c->cur.state && !strcmp(c->cur.state, "Running");
    /* kubelet reports a successfully completed init container as ready */
    int done = c && c->cur.state && !strcmp(c->cur.state, "Terminated") && c->cur.exit_code == 0;
    cJSON_AddBoolToObject(o, "ready", init ? done : running && c->ready);
    cJSON_AddNumberToObject(o, "restartCount", c ? (double)c->restarts : 0);
    cJSON_AddStringToObject(o, "image", image ? image : "");
    cJSON_AddStringToObject(o, "imageID", c && c->image_id ? c->image_id : "");
    if (cid)
        cJSON_AddStringToObject(o, "containerID", cid);
    cJSON_AddBoolToObject(o, "started", running);
    if (!init)
        add_resources(o, spec_ctr, c, old_cs, pending);
    free(cid);
    return o;
}

/* Keys of PodStatus this module owns; everything else is carried over. */
static const char *owned[] = {"phase", "conditions", "message", "reason", "hostIP", "hostIPs",
                              "podIP", "podIPs", "startTime", "initContainerStatuses",
                              "containerStatuses", "ephemeralContainerStatuses", "qosClass", NULL};

static int is_owned(const char *k)
{
    for (int i = 0; owned[i]; i++)
        if (!strcmp(owned[i], k))
            return 1;
    return 0;
}

/* A pod condition of the given type and status; its lastTransitionTime is
 * kept from old_status when the condition already had that status (the
 * kubelet moves it only on a change), else now. reason and message may be
 * NULL. */
static cJSON *condition(const cJSON *old_status, const char *type, const char *status, const char *reason,
                        const char *message, const char *now)
{
    const char *ltt = now;
    const cJSON *it;
    cJSON_ArrayForEach(it, jarr(old_status, "conditions"))
    {
        const char *t = jstr(it, "type"), *s = jstr(it, "status");
        if (t && !strcmp(t, type) && s && !strcmp(s, status) && jstr(it, "lastTransitionTime"))
            ltt = jstr(it, "lastTransitionTime");
    }
    cJSON *c = cJSON_CreateObject();
    cJSON_AddStringToObject(c, "type", type);
    cJSON_AddStringToObject(c, "status", status);
    cJSON_AddNullToObject(c, "lastProbeTime");
    cJSON_AddStringToObject(c, "lastTransitionTime", ltt);
    if (reason)
        cJSON_AddStringToObject(c, "reason", reason);
    if (message)
        cJSON_AddStringToObject(c, "message", message);
    return c;
}

static void add_condition(cJSON *conds, const cJSON *old, const char *type, int ok,
                          const char *reason, const char *message, const char *now)
{
    cJSON_AddItemToArray(conds, condition(old, type, ok ? "True" : "False", ok ? NULL : reason,
                                          ok ? NULL : message, now));
}

static int has_condition(const cJSON *old, const char *type)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, jarr(old, "conditions"))
    {
        const char *t = jstr(it, "type"), *s = jstr(it, "status");
        if (t && !strcmp(t, type) && s && !strcmp(s, "True"))
            return 1;
    }
    return 0;
}

/* The kubelet's resize conditions (status True while they hold, absent
 * otherwise): PodResizePending/Infeasible when ECI refused the size, else
 * PodResizeInProgress while ECI does not run the spec's size yet or, having
 * taken the new size, still updates the group. */
static void add_resize_conditions(cJSON *conds, const cJSON *old, const cJSON *cst, const st_grp *g, int pending,
                                  const char *refused, const char *now)
{
    const char *type = NULL, *reason = NULL, *message = NULL;
    if (pending && refused) {
        type = "PodResizePending";
        reason = "Infeasible";
        message = refused;
    } else if (pending) {
        type = "PodResizeInProgress";
    } else if (g->status && !strcmp(g->status, "Updating")) {
        int moved = has_condition(old, "PodResizeInProgress");
        const cJSON *it;
        cJSON_ArrayForEach(it, cst)
        {
            const cJSON *was = jobj(old_ctr_status(old, "containerStatuses", jstr(it, "name")), "resources");
            if (was && !cJSON_Compare(was, jobj(it, "resources"), 1))
                moved = 1;
        }
        if (moved)
            type = "PodResizeInProgress";
    }
    if (type)
        cJSON_AddItemToArray(conds, condition(old, type, "True", reason, message, now));
}

static int terminal(const char *phase)
{
    return phase && (!strcmp(phase, "Succeeded") || !strcmp(phase, "Failed"));
}

/* Ephemeral containers never start (see PODMAP_EPHEMERAL_UNSUPPORTED): each
 * is terminated from the first status on, kept as first written so the
 * status does not move. NULL when the pod has none. */
static cJSON *ephemeral_statuses(const cJSON *spec, const cJSON *old, const char *now)
{
    const cJSON *ec = jarr(spec, "ephemeralContainers");
    if (!cJSON_GetArraySize(ec))
        return NULL;
    cJSON *a = cJSON_CreateArray();
    const cJSON *sc;
    cJSON_ArrayForEach(sc, ec)
    {
        const char *name = jstr(sc, "name");
        const cJSON *prev = old_ctr_status(old, "ephemeralContainerStatuses", name);
        if (prev && cJSON_GetObjectItemCaseSensitive(jobj(prev, "state"), "terminated")) {
            cJSON_AddItemToArray(a, cJSON_Duplicate(prev, 1));
            continue;
        }
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", name ? name : "");
        cJSON *t = cJSON_AddObjectToObject(cJSON_AddObjectToObject(o, "state"), "terminated");
        cJSON_AddNumberToObject(t, "exitCode", 128);
        cJSON_AddStringToObject(t, "reason", PODMAP_EPHEMERAL_REASON);
        cJSON_AddStringToObject(t, "message", PODMAP_EPHEMERAL_UNSUPPORTED);
        cJSON_AddStringToObject(t, "startedAt", now);
        cJSON_AddStringToObject(t, "finishedAt", now);
        cJSON_AddObjectToObject(o, "lastState");
        cJSON_AddBoolToObject(o, "ready", 0);
        cJSON_AddNumberToObject(o, "restartCount", 0);
        cJSON_AddStringToObject(o, "image", jstr(sc, "image") ? jstr(sc, "image") : "");
        cJSON_AddStringToObject(o, "imageID", "");
        cJSON_AddBoolToObject(o, "started", 0);
        cJSON_AddItemToArray(a, o);
    }
    return a;
}

static cJSON *build(const cJSON *pod, const st_grp *g, const podmap_status_ctx *ctx)
{
    const cJSON *spec = jobj(pod, "spec");
    const cJSON *old = jobj(pod, "status");
    const char *now = ctx && ctx->now ? ctx->now : "1970-01-01T00:00:00Z";
    cJSON *st = cJSON_CreateObject();

    const char *phase = g->force_phase ? g->force_phase : phase_of(g->status);
    if (!phase)
        phase = jstr(old, "phase") ? jstr(old, "phase") : "Pending";
    const char *reason = g->reason, *message = g->message;
    if (!g->force_phase && g->status) {
        if (!strcmp(g->status, "ScheduleFailed")) {
            reason = "ScheduleFailed";
            message = g->warning ? g->warning : "ECI could not schedule the container group";
        } else if (!strcmp(g->status, "Expired")) {
            reason = "Expired";
            message = "the ECI container group expired (the account is in arrears)";
        } else if (!strcmp(g->status, "Failed") && g->warning_reason &&
                   !strcmp(g->warning_reason, PODMAP_DEADLINE_REASON)) {
            /* ECI enforced activeDeadlineSeconds: what the kubelet writes */
            reason = PODMAP_DEADLINE_REASON;
            message = PODMAP_DEADLINE_MESSAGE;
        }
    }

    /* init containers */
    const cJSON *ispec = jarr(spec, "initContainers");
    cJSON *ist = cJSON_CreateArray();
    dynbuf incomplete;
    dynbuf_init(&incomplete, 4096);
    int group_started = !strcmp(phase, "Running") || !strcmp(phase, "Succeeded") ||
                        (g->status && !strcmp(g->status, "Failed") && g->ip && *g->ip);
    const char *wait_reason = reason && !strcmp(phase, "Pending") ? reason : "ContainerCreating";
    const char *wait_msg = !strcmp(phase, "Pending") ? message : NULL;
    if (terminal(phase) && reason) {
        wait_reason = reason;
        wait_msg = message;
    }
    int inits_done = 1;
    const cJSON *sc;
    cJSON_ArrayForEach(sc, ispec)
    {
        const char *name = jstr(sc, "name");
        const st_ctr *c = find_ctr(g->inits, g->ninit, name);
        st_ctr synth;
        /* Init containers ECI does not report (DescribeContainerGroupStatus
         * never does) have completed once the group runs. */
        if ((!g->init_known || !c) && group_started && !g->force_phase) {
            memset(&synth, 0, sizeof synth);
            synth.name = name;
            synth.cur.state = "Terminated";
            synth.cur.reason = "Completed";
            c = &synth;
        }
        cJSON_AddItemToArray(ist, ctr_status(sc, c, g, 1, "PodInitializing", NULL, now,
                                             old_ctr_status(old, "initContainerStatuses", name), NULL));
        int ok = c && c->cur.state && !strcmp(c->cur.state, "Terminated") && c->cur.exit_code == 0;
        if (!ok) {
            inits_done = 0;
            dynbuf_printf(&incomplete, "%s%s", incomplete.len ? " " : "", name ? name : "");
        }
    }
    /* containers */
    const cJSON *cspec = jarr(spec, "containers");
    cJSON *cst = cJSON_CreateArray();
    dynbuf unready;
    dynbuf_init(&unready, 4096);
    int all_ready = 1, resize_pending = 0;
    cJSON_ArrayForEach(sc, cspec)
    {
        const char *name = jstr(sc, "name");
        const st_ctr *c = find_ctr(g->ctrs, g->n, name);
        const char *wr = !inits_done && !terminal(phase) && !(reason && !strcmp(phase, "Pending"))
                             ? "PodInitializing"
                             : wait_reason;
        cJSON *x = ctr_status(sc, c, g, 0, wr, wr == wait_reason ? wait_msg : NULL, now,
                              old_ctr_status(old, "containerStatuses", name), &resize_pending);
        if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(x, "ready"))) {
            all_ready = 0;
            dynbuf_printf(&unready, "%s%s", unready.len ? " " : "", name ? name : "");
        }
        cJSON_AddItemToArray(cst, x);
    }

    /* conditions */
    cJSON *conds = cJSON_CreateArray();
    int sandbox = (g->ip && *g->ip) || group_started;
    add_condition(conds, old, "PodReadyToStartContainers", sandbox, NULL, NULL, now);
    char *m = NULL;
    if (!inits_done) {
        m = xasprintf("containers with incomplete status: [%s]", dynbuf_str(&incomplete));
        add_condition(conds, old, "Initialized", 0, "ContainersNotInitialized", m, now);
        free(m);
    } else {
        add_condition(conds, old, "Initialized", 1, NULL, NULL, now);
    }
    int ready = all_ready && !terminal(phase) && cJSON_GetArraySize(cspec) > 0;
    const char *nr_reason = terminal(phase) ? "PodCompleted" : "ContainersNotReady";
    m = terminal(phase) ? NULL : xasprintf("containers with unready status: [%s]", dynbuf_str(&unready));
    add_condition(conds, old, "ContainersReady", ready, nr_reason, m, now);
    /* readiness gates: conditions set by other controllers */
    const char *gate_reason = NULL;
    char *gate_msg = NULL;
    const cJSON *gt;
    cJSON_ArrayForEach(gt, jarr(spec, "readinessGates"))
    {
        const char *ct = jstr(gt, "conditionType");
        if (!ct || gate_msg)
            continue;
        const cJSON *found = NULL, *it;
        cJSON_ArrayForEach(it, jarr(old, "conditions")) if (jstr(it, "type") && !strcmp(jstr(it, "type"), ct))
            found = it;
        if (!found)
            gate_msg = xasprintf("corresponding condition of pod readiness gate \"%s\" does not exist.", ct);
        else if (!jstr(found, "status") || strcmp(jstr(found, "status"), "True"))
            gate_msg = xasprintf("the status of pod readiness gate \"%s\" is not \"True\", but %s", ct,
                                 jstr(found, "status") ? jstr(found, "status") : "Unknown");
    }
    if (gate_msg)
        gate_reason = "ReadinessGatesNotReady";
    if (ready && gate_msg)
        add_condition(conds, old, "Ready", 0, gate_reason, gate_msg, now);
    else
        add_condition(conds, old, "Ready", ready, nr_reason, m, now);
    free(m);
    free(gate_msg);
    add_condition(conds, old, "PodScheduled", 1, NULL, NULL, now);
    add_resize_conditions(conds, old, cst, g, resize_pending, ctx ? ctx->resize_refused : NULL, now);
    /* keep conditions owned by others (readiness gates, DisruptionTarget, ...) */
    const cJSON *it;
    cJSON_ArrayForEach(it, jarr(old, "conditions"))
    {
        const char *t = jstr(it, "type");
        if (!t || !strcmp(t, "PodReadyToStartContainers") || !strcmp(t, "Initialized") ||
            !strcmp(t, "ContainersReady") || !strcmp(t, "Ready") || !strcmp(t, "PodScheduled") ||
            !strcmp(t, "PodResizePending") || !strcmp(t, "PodResizeInProgress"))
            continue;
        cJSON_AddItemToArray(conds, cJSON_Duplicate(it, 1));
    }

    cJSON_AddStringToObject(st, "phase", phase);
    cJSON_AddItemToObject(st, "conditions", conds);
    if (reason)
        cJSON_AddStringToObject(st, "reason", reason);
    if (message)
        cJSON_AddStringToObject(st, "message", message);
    if (ctx && ctx->node_ip && *ctx->node_ip) {
        cJSON_AddStringToObject(st, "hostIP", ctx->node_ip);
        cJSON *a = cJSON_AddArrayToObject(st, "hostIPs");
        cJSON *x = cJSON_CreateObject();
        cJSON_AddStringToObject(x, "ip", ctx->node_ip);
        cJSON_AddItemToArray(a, x);
    }
    const char *ip = g->ip && *g->ip ? g->ip : NULL;
    if (!ip && g->force_phase)
        ip = jstr(old, "podIP"); /* keep what was reported */
    if (ip) {
        cJSON_AddStringToObject(st, "podIP", ip);
        cJSON *a = cJSON_AddArrayToObject(st, "podIPs");
        cJSON *x = cJSON_CreateObject();
        cJSON_AddStringToObject(x, "ip", ip);
        cJSON_AddItemToArray(a, x);
    }
    char tbuf[32];
    const char *start = jstr(old, "startTime");
    if (!start)
        start = ts_norm(g->created, tbuf);
    cJSON_AddStringToObject(st, "startTime", start ? start : now);
    if (cJSON_GetArraySize(ist))
        cJSON_AddItemToObject(st, "initContainerStatuses", ist);
    else
        cJSON_Delete(ist);
    cJSON_AddItemToObject(st, "containerStatuses", cst);
    cJSON *est = ephemeral_statuses(spec, old, now);
    if (est)
        cJSON_AddItemToObject(st, "ephemeralContainerStatuses", est);
    const char *qos = jstr(old, "qosClass");
    cJSON_AddStringToObject(st, "qosClass", qos ? qos : podmap_status_qos_class(pod));
    /* carry over what others own */
    cJSON_ArrayForEach(it, old)
    {
        if (it->string && !is_owned(it->string))
            cJSON_AddItemToObject(st, it->string, cJSON_Duplicate(it, 1));
    }
    dynbuf_free(&incomplete);
    dynbuf_free(&unready);
    return st;
}

/* ------------------------------------------------------------ inputs */

static void from_eci_state(const eci_container_state *s, st_state *o)
{
    memset(o, 0, sizeof *o);
    if (!s->state || !*s->state)
        return;
    o->state = s->state;
    o->reason = s->reason;
    o->message = s->message;
    o->exit_code = s->exit_code;
    o->signal = s->signal;
    o->started = s->start_time;
    o->finished = s->finish_time;
}

static st_ctr *from_infos(const eci_container_info *v, size_t n)
{
    st_ctr *r = xcalloc(n ? n : 1, sizeof *r);
    for (size_t i = 0; i < n; i++) {
        r[i].name = v[i].name;
        r[i].ready = v[i].ready;
        r[i].restarts = v[i].restart_count;
        r[i].res_known = v[i].cpu > 0 || v[i].memory > 0; /* 0: not reported */
        r[i].cpu = v[i].cpu;
        r[i].mem_gib = v[i].memory;
        from_eci_state(&v[i].current_state, &r[i].cur);
        from_eci_state(&v[i].previous_state, &r[i].prev);
    }
    return r;
}

#define INSTANCE_MSG_PREFIX "ECI instance "

/* The ContainerInstanceCreated condition (ACK's replacement of its retired
 * eci-schedule-result annotation): True once the group exists, its message
 * naming the instance; replaces the copy build() kept from the old status. */
static void instance_created(cJSON *st, const cJSON *pod, const eci_container_group *g,
                             const podmap_status_ctx *ctx)
{
    cJSON *conds = cJSON_GetObjectItemCaseSensitive(st, "conditions");
    if (!cJSON_IsArray(conds) || !g->container_group_id || !*g->container_group_id)
        return;
    for (int i = cJSON_GetArraySize(conds) - 1; i >= 0; i--) {
        const char *t = jstr(cJSON_GetArrayItem(conds, i), "type");
        if (t && !strcmp(t, PODMAP_COND_INSTANCE_CREATED))
            cJSON_DeleteItemFromArray(conds, i);
    }
    char *m = xasprintf(INSTANCE_MSG_PREFIX "%s (%.1f vCPU, %.1f GiB%s%s)", g->container_group_id, g->cpu, g->memory,
                        g->instance_type && *g->instance_type ? ", " : "",
                        g->instance_type ? g->instance_type : "");
    cJSON_AddItemToArray(conds, condition(jobj(pod, "status"), PODMAP_COND_INSTANCE_CREATED, "True", "Created", m,
                                          ctx && ctx->now ? ctx->now : ""));
    free(m);
}

/* The read-only annotations ACK's virtual node writes after scheduling, with
 * their values for group g (NULL: the keys only); returns how many. */
typedef struct {
    const char *key, *val;
} writeback_ann;
#define WRITEBACK_MAX 16

static size_t writeback_table(writeback_ann *w, const eci_container_group *g, const char *group_id,
                              const char *request_id, const char *spec)
{
    size_t n = 0;
    w[n++] = (writeback_ann){"k8s.aliyun.com/eci-instance-id", g && g->container_group_id ? g->container_group_id : group_id};
    w[n++] = (writeback_ann){"k8s.aliyun.com/eci-request-id", request_id};
    w[n++] = (writeback_ann){"k8s.aliyun.com/eci-instance-spec", spec};
    w[n++] = (writeback_ann){"k8s.aliyun.com/eci-vpc", g ? g->vpc_id : NULL};
    w[n++] = (writeback_ann){"k8s.aliyun.com/eni-instance-id", g ? g->eni_instance_id : NULL};
    w[n++] = (writeback_ann){"k8s.aliyun.com/allocated-eipAddress", g ? g->internet_ip : NULL};
    w[n++] = (writeback_ann){"k8s.aliyun.com/allocated-ipv6Address", g ? g->ipv6_address : NULL};
    return n;
}

const char *podmap_status_group_id(const cJSON *pod)
{
    const char *id = jstr(jobj(jobj(pod, "metadata"), "annotations"), "k8s.aliyun.com/eci-instance-id");
    const cJSON *c;
    size_t plen = strlen(INSTANCE_MSG_PREFIX), idlen = id ? strlen(id) : 0;
    if (!idlen)
        return NULL;
    cJSON_ArrayForEach(c, jarr(jobj(pod, "status"), "conditions"))
    {
        const char *t = jstr(c, "type"), *st = jstr(c, "status"), *m = jstr(c, "message");
        if (t && st && m && !strcmp(t, PODMAP_COND_INSTANCE_CREATED) && !strcmp(st, "True") &&
            !strncmp(m, INSTANCE_MSG_PREFIX, plen) && !strncmp(m + plen, id, idlen) && m[plen + idlen] == ' ')
            return id;
    }
    return NULL;
}

int podmap_status_writeback_key(const char *key)
{
    writeback_ann w[WRITEBACK_MAX];
    size_t n = writeback_table(w, NULL, NULL, NULL, NULL);
    if (!strcmp(key, PODMAP_ANN_MATCHED_IMAGE_CACHE)) /* written at create time */
        return 1;
    for (size_t i = 0; i < n; i++)
        if (!strcmp(w[i].key, key))
            return 1;
    return 0;
}

cJSON *podmap_status_writeback(const cJSON *pod, const eci_container_group *g, const char *group_id,
                               const char *request_id)
{
    const cJSON *cur = jobj(jobj(pod, "metadata"), "annotations");
    cJSON *out = cJSON_CreateObject();
    char spec[64] = "";
    if (g && g->cpu > 0)
        snprintf(spec, sizeof spec, "%.1f-%.1fGi", g->cpu, g->memory);
    writeback_ann want[WRITEBACK_MAX];
    size_t n = writeback_table(want, g, group_id, request_id, spec);
    for (size_t i = 0; i < n; i++) {
        if (!want[i].val || !*want[i].val)
            continue;
        const char *have = jstr(cur, want[i].key);
        if (!have || strcmp(have, want[i].val))
            cJSON_AddStringToObject(out, want[i].key, want[i].val);
    }
    if (!cJSON_GetArraySize(out)) {
        cJSON_Delete(out);
        return NULL;
    }
    return out;
}

cJSON *podmap_status_from_group(const cJSON *pod, const eci_container_group *eg, const podmap_status_ctx *ctx)
{
    st_grp g;
    memset(&g, 0, sizeof g);
    g.id = eg->container_group_id;
    g.status = eg->status;
    g.ip = eg->intranet_ip;
    g.created = eg->creation_time;
    /* the latest Warning event explains failures */
    char best[32] = "";
    for (size_t i = 0; i < eg->n_events; i++) {
        const eci_event *e = &eg->events[i];
        char buf[32];
        const char *t = ts_norm(e->last_timestamp, buf);
        if (e->type && !strcmp(e->type, "Warning") && e->message &&
            (!g.warning || (t && strcmp(t, best) >= 0))) {
            g.warning = e->message;
            g.warning_reason = e->reason;
            snprintf(best, sizeof best, "%s", t ? t : "");
        }
    }
    st_ctr *c = from_infos(eg->containers, eg->n_containers);
    st_ctr *ic = from_infos(eg->init_containers, eg->n_init_containers);
    g.ctrs = c;
    g.n = eg->n_containers;
    g.inits = ic;
    g.ninit = eg->n_init_containers;
    g.init_known = 1;
    cJSON *r = build(pod, &g, ctx);
    free(c);
    free(ic);
    instance_created(r, pod, eg, ctx);
    return r;
}

static void from_k8s_state(const eci_k8s_state *s, st_state *o)
{
    memset(o, 0, sizeof *o);
    if (s->terminated) {
        o->state = "Terminated";
        o->reason = s->terminated_reason;
        o->message = s->terminated_message;
        o->exit_code = s->terminated_exit_code;
        o->signal = s->terminated_signal;
        o->started = s->terminated_started_at;
        o->finished = s->terminated_finished_at;
    } else if (s->running) {
        o->state = "Running";
        o->started = s->running_started_at;
    } else if (s->waiting) {
        o->state = "Waiting";
        o->reason = s->waiting_reason;
        o->message = s->waiting_message;
    }
}

cJSON *podmap_status_from_status(const cJSON *pod, const eci_cg_status *s, const podmap_status_ctx *ctx)
{
    st_grp g;
    memset(&g, 0, sizeof g);
    g.id = s->container_group_id;
    g.status = s->status;
    if (!phase_of(g.status) && s->phase) /* unknown group status: trust the pod phase */
        g.status = s->phase;
    g.ip = s->pod_ip;
    g.created = s->start_time;
    st_ctr *c = xcalloc(s->n_container_statuses ? s->n_container_statuses : 1, sizeof *c);
    for (size_t i = 0; i < s->n_container_statuses; i++) {
        const eci_container_status *cs = &s->container_statuses[i];
        c[i].name = cs->name;
        c[i].image_id = cs->image_id;
        c[i].ready = cs->ready;
        c[i].restarts = cs->restart_count;
        from_k8s_state(&cs->state, &c[i].cur);
        from_k8s_state(&cs->last_state, &c[i].prev);
    }
    g.ctrs = c;
    g.n = s->n_container_statuses;
    cJSON *r = build(pod, &g, ctx);
    free(c);
    return r;
}

/* Containers of the current status turned terminal: running ones (and,
 * with waiting_too, those that never ran or wait to run again) become
 * ContainerStatusUnknown (exit 137), terminated ones are kept. */
static st_ctr *carry_over(const cJSON *pod, const char *list, int waiting_too, size_t *n)
{
    const cJSON *spec = jarr(jobj(pod, "spec"), list);
    const cJSON *old = jobj(pod, "status");
    const char *olist = !strcmp(list, "containers") ? "containerStatuses" : "initContainerStatuses";
    *n = 0;
    st_ctr *r = xcalloc((size_t)cJSON_GetArraySize(spec) + 1, sizeof *r);
    const cJSON *sc;
    cJSON_ArrayForEach(sc, spec)
    {
        const char *name = jstr(sc, "name");
        const cJSON *os = old_ctr_status(old, olist, name);
        st_ctr *c = &r[(*n)++];
        c->name = name;
        const cJSON *st = jobj(os, "state");
        const cJSON *t = jobj(st, "terminated"), *run = jobj(st, "running");
        const cJSON *rc = cJSON_GetObjectItemCaseSensitive(os, "restartCount");
        c->restarts = cJSON_IsNumber(rc) ? (int64_t)rc->valuedouble : 0;
        if (t) {
            c->cur.state = "Terminated";
            const cJSON *ec = cJSON_GetObjectItemCaseSensitive(t, "exitCode");
            c->cur.exit_code = cJSON_IsNumber(ec) ? (int64_t)ec->valuedouble : 0;
            c->cur.reason = jstr(t, "reason");
            c->cur.message = jstr(t, "message");
            c->cur.started = jstr(t, "startedAt");
            c->cur.finished = jstr(t, "finishedAt");
        } else if (run || waiting_too) {
            c->cur.state = "Terminated";
            c->cur.exit_code = 137;
            c->cur.reason = "ContainerStatusUnknown";
            c->cur.message = "The container could not be located when the pod was terminated";
            c->cur.started = run ? jstr(run, "startedAt") : NULL;
        }
    }
    return r;
}

static const char *old_group_id(const cJSON *pod)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, jarr(jobj(pod, "status"), "containerStatuses"))
    {
        const char *cid = jstr(it, "containerID");
        if (cid && !strncmp(cid, "eci://", 6))
            return cid; /* parsed below */
    }
    return NULL;
}

/* build() over the pod's current container states made terminal
 * (carry_over), in its group (the one its containerIDs name). */
static cJSON *build_carried(const cJSON *pod, st_grp *g, int waiting_too, const podmap_status_ctx *ctx)
{
    size_t n, ni;
    st_ctr *c = carry_over(pod, "containers", waiting_too, &n);
    st_ctr *ic = carry_over(pod, "initContainers", 0, &ni);
    char *id = NULL;
    const char *cid = old_group_id(pod);
    if (cid) {
        const char *s = cid + 6, *e = strchr(s, '/');
        id = e ? xstrndup(s, (size_t)(e - s)) : xstrdup(s);
    }
    g->id = id;
    g->ctrs = c;
    g->n = n;
    g->inits = ic;
    g->ninit = ni;
    g->init_known = 1;
    cJSON *r = build(pod, g, ctx);
    free(id);
    free(c);
    free(ic);
    return r;
}

cJSON *podmap_status_failed(const cJSON *pod, const char *reason, const char *message,
                      const podmap_status_ctx *ctx)
{
    st_grp g;
    memset(&g, 0, sizeof g);
    g.force_phase = "Failed";
    g.reason = reason ? reason : "ProviderFailed";
    g.message = message;
    return build_carried(pod, &g, 0, ctx);
}

/* Whether the pod ran its regular containers or finished its init
 * containers (the kubelet's hasPodInitialized). */
static int pod_initialized(const cJSON *pod)
{
    if (!cJSON_GetArraySize(jarr(jobj(pod, "spec"), "initContainers")))
        return 1;
    const cJSON *st = jobj(pod, "status"), *it;
    cJSON_ArrayForEach(it, jarr(st, "containerStatuses"))
    {
        if (jobj(jobj(it, "lastState"), "terminated") || !jobj(jobj(it, "state"), "waiting"))
            return 1;
    }
    const cJSON *last = NULL;
    cJSON_ArrayForEach(it, jarr(st, "initContainerStatuses")) last = it;
    const cJSON *t = jobj(jobj(last, "state"), "terminated");
    const cJSON *ec = cJSON_GetObjectItemCaseSensitive(t, "exitCode");
    return t && cJSON_IsNumber(ec) && ec->valuedouble == 0;
}

cJSON *podmap_status_finished(const cJSON *pod, const cJSON *last, const podmap_status_ctx *ctx)
{
    cJSON *p = cJSON_Duplicate(pod, 1);
    if (last) {
        cJSON_DeleteItemFromObjectCaseSensitive(p, "status");
        cJSON_AddItemToObject(p, "status", cJSON_Duplicate(last, 1));
    }
    st_grp g;
    memset(&g, 0, sizeof g);
    /* The kubelet's phase for a pod whose containers all stopped: Succeeded
     * when every regular container exited 0, else Failed (a stop by SIGTERM
     * or SIGKILL is a failure). */
    int initialized = pod_initialized(p);
    size_t n;
    st_ctr *c = carry_over(p, "containers", initialized, &n);
    int ok = n > 0;
    for (size_t i = 0; i < n; i++)
        ok = ok && c[i].cur.state && !strcmp(c[i].cur.state, "Terminated") && c[i].cur.exit_code == 0;
    free(c);
    g.force_phase = ok ? "Succeeded" : "Failed";
    cJSON *r = build_carried(p, &g, initialized, ctx);
    cJSON_Delete(p);
    return r;
}

cJSON *podmap_status_pending(const cJSON *pod, const char *reason, const char *message,
                       const podmap_status_ctx *ctx)
{
    st_grp g;
    memset(&g, 0, sizeof g);
    g.force_phase = "Pending";
    g.reason = reason ? reason : "ContainerCreating";
    g.message = message;
    g.init_known = 1;
    return build(pod, &g, ctx);
}

/* ----------------------------------------------------------- compare */

static int cmp_cond(const void *a, const void *b)
{
    const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;
    const char *tx = jstr(x, "type"), *ty = jstr(y, "type");
    return strcmp(tx ? tx : "", ty ? ty : "");
}

static const char *ctr_keys[] = {"name", "state", "lastState", "ready", "restartCount", "image",
                                 "imageID", "containerID", "started", "resources", "allocatedResources", NULL};

static cJSON *normal_form(const cJSON *st)
{
    cJSON *n = cJSON_CreateObject();
    const cJSON *it;
    cJSON_ArrayForEach(it, st)
    {
        if (!it->string || !is_owned(it->string) || cJSON_IsNull(it))
            continue;
        if (!strcmp(it->string, "conditions")) {
            size_t k = 0, cnt = (size_t)cJSON_GetArraySize(it);
            const cJSON **v = xcalloc(cnt + 1, sizeof *v);
            const cJSON *c;
            cJSON_ArrayForEach(c, it) v[k++] = c;
            qsort(v, k, sizeof *v, cmp_cond);
            cJSON *a = cJSON_AddArrayToObject(n, "conditions");
            for (size_t i = 0; i < k; i++) {
                cJSON *d = cJSON_Duplicate(v[i], 1);
                cJSON_DeleteItemFromObjectCaseSensitive(d, "lastProbeTime");
                cJSON_DeleteItemFromObjectCaseSensitive(d, "lastHeartbeatTime");
                cJSON_AddItemToArray(a, d);
            }
            free(v);
        } else if (!strcmp(it->string, "containerStatuses") || !strcmp(it->string, "initContainerStatuses") ||
                   !strcmp(it->string, "ephemeralContainerStatuses")) {
            cJSON *a = cJSON_AddArrayToObject(n, it->string);
            const cJSON *c;
            cJSON_ArrayForEach(c, it)
            {
                cJSON *d = cJSON_CreateObject();
                for (int i = 0; ctr_keys[i]; i++) {
                    const cJSON *v = cJSON_GetObjectItemCaseSensitive(c, ctr_keys[i]);
                    if (!v || cJSON_IsNull(v))
                        continue;
                    if (cJSON_IsObject(v) && !v->child)
                        continue; /* lastState: {} */
                    cJSON_AddItemToObject(d, ctr_keys[i], cJSON_Duplicate(v, 1));
                }
                cJSON_AddItemToArray(a, d);
            }
        } else {
            cJSON_AddItemToObject(n, it->string, cJSON_Duplicate(it, 1));
        }
    }
    return n;
}

int podmap_status_changed(const cJSON *old_status, const cJSON *new_status)
{
    if (!old_status || !new_status)
        return old_status != new_status;
    cJSON *a = normal_form(old_status), *b = normal_form(new_status);
    int same = cJSON_Compare(a, b, 1);
    cJSON_Delete(a);
    cJSON_Delete(b);
    return !same;
}

/* --------------------------------------------------------------- QoS */

static int has_res(const cJSON *m, const char *k)
{
    const cJSON *v = m ? cJSON_GetObjectItemCaseSensitive(m, k) : NULL;
    return v && !cJSON_IsNull(v) &&
           !(cJSON_IsString(v) && (!*v->valuestring || !strcmp(v->valuestring, "0"))) &&
           !(cJSON_IsNumber(v) && v->valuedouble == 0);
}

const char *podmap_status_qos_class(const cJSON *pod)
{
    const cJSON *spec = jobj(pod, "spec");
    int any = 0, guaranteed = 1;
    const char *lists[] = {"initContainers", "containers"};
    for (int l = 0; l < 2; l++) {
        const cJSON *c;
        cJSON_ArrayForEach(c, jarr(spec, lists[l]))
        {
            const cJSON *r = jobj(c, "resources");
            const cJSON *lim = jobj(r, "limits"), *req = jobj(r, "requests");
            const char *res[] = {"cpu", "memory"};
            for (int i = 0; i < 2; i++) {
                int hl = has_res(lim, res[i]), hr = has_res(req, res[i]);
                if (hl || hr)
                    any = 1;
                if (!hl) {
                    guaranteed = 0;
                } else if (hr) {
                    const cJSON *a = cJSON_GetObjectItemCaseSensitive(lim, res[i]);
                    const cJSON *b = cJSON_GetObjectItemCaseSensitive(req, res[i]);
                    char *x = cJSON_PrintUnformatted(a), *y = cJSON_PrintUnformatted(b);
                    if (strcmp(x, y))
                        guaranteed = 0;
                    free(x);
                    free(y);
                }
            }
        }
    }
    if (!any)
        return "BestEffort";
    return guaranteed ? "Guaranteed" : "Burstable";
}

/* ------------------------------------------------------------ events */

cJSON *podmap_status_event(const cJSON *pod, const char *key, const char *type, const char *reason,
                     const char *message, int64_t count, const char *first, const char *last,
                     const podmap_status_ctx *ctx)
{
    const cJSON *meta = jobj(pod, "metadata");
    const char *name = jstr(meta, "name"), *ns = jstr(meta, "namespace"), *uid = jstr(meta, "uid");
    const char *now = ctx && ctx->now ? ctx->now : "1970-01-01T00:00:00Z";
    const char *node = ctx && ctx->node_name ? ctx->node_name : "";
    char *seed = xasprintf("%s/%s", uid ? uid : "", key ? key : "");
    unsigned char md[SHA256_DIGEST_LENGTH];
    SHA256((const unsigned char *)seed, strlen(seed), md);
    free(seed);
    char hex[17];
    for (int i = 0; i < 8; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    cJSON *e = cJSON_CreateObject();
    cJSON_AddStringToObject(e, "apiVersion", "v1");
    cJSON_AddStringToObject(e, "kind", "Event");
    cJSON *m = cJSON_AddObjectToObject(e, "metadata");
    char *en = xasprintf("%.230s.%s", name ? name : "pod", hex);
    cJSON_AddStringToObject(m, "name", en);
    free(en);
    cJSON_AddStringToObject(m, "namespace", ns ? ns : "default");
    cJSON *io = cJSON_AddObjectToObject(e, "involvedObject");
    cJSON_AddStringToObject(io, "apiVersion", "v1");
    cJSON_AddStringToObject(io, "kind", "Pod");
    cJSON_AddStringToObject(io, "name", name ? name : "");
    cJSON_AddStringToObject(io, "namespace", ns ? ns : "default");
    if (uid)
        cJSON_AddStringToObject(io, "uid", uid);
    cJSON_AddStringToObject(e, "reason", reason && *reason ? reason : "ECIEvent");
    char *msg = xstrndup(message ? message : "", 1024);
    cJSON_AddStringToObject(e, "message", msg);
    free(msg);
    cJSON_AddStringToObject(e, "type", type && !strcmp(type, "Warning") ? "Warning" : "Normal");
    cJSON_AddNumberToObject(e, "count", (double)(count < 1 ? 1 : count));
    char b1[32], b2[32];
    const char *f = ts_norm(first, b1), *l = ts_norm(last, b2);
    if (!f)
        f = l ? l : now;
    if (!l)
        l = f;
    cJSON_AddStringToObject(e, "firstTimestamp", f);
    cJSON_AddStringToObject(e, "lastTimestamp", l);
    cJSON *src = cJSON_AddObjectToObject(e, "source");
    cJSON_AddStringToObject(src, "component", "eci-kubelet");
    cJSON_AddStringToObject(src, "host", node);
    cJSON_AddStringToObject(e, "reportingComponent", "eci-kubelet");
    cJSON_AddStringToObject(e, "reportingInstance", node);
    return e;
}

cJSON *podmap_status_event_from_eci(const cJSON *pod, const char *group_id, const eci_event *ev,
                              const podmap_status_ctx *ctx)
{
    char *key = xasprintf("%s/%s/%s/%s", group_id ? group_id : "", ev->name ? ev->name : "",
                          ev->reason ? ev->reason : "", ev->first_timestamp ? ev->first_timestamp : "");
    cJSON *e = podmap_status_event(pod, key, ev->type, ev->reason, ev->message, ev->count,
                             ev->first_timestamp, ev->last_timestamp, ctx);
    free(key);
    return e;
}

cJSON *podmap_status_event_from_k8s(const cJSON *pod, const char *group_id, const eci_k8s_event *ev,
                              const podmap_status_ctx *ctx)
{
    char *key = ev->metadata_name && *ev->metadata_name
                    ? xasprintf("%s/%s", group_id ? group_id : "", ev->metadata_name)
                    : xasprintf("%s//%s/%s", group_id ? group_id : "", ev->reason ? ev->reason : "",
                                ev->first_timestamp ? ev->first_timestamp : "");
    cJSON *e = podmap_status_event(pod, key, ev->type, ev->reason, ev->message, ev->count,
                             ev->first_timestamp, ev->last_timestamp, ctx);
    free(key);
    return e;
}
