/* The simulated runtime (see emu_rt_sim.h). Time is CLOCK_MONOTONIC in
 * milliseconds; a group's state is a pure function of its spec, its start
 * and the calls made on it, so two runs that look at it at the same moments
 * see the same states, logs and figures. Nothing here blocks: the whole
 * simulator is guarded by one mutex. */
#include "eci/emulator/emu_rt_sim.h"
#include "eci/emulator/emu_rt_log.h"
#include "eci/emulator/emu_rt_spec.h"
#include "util/backoff.h"
#include "util/clock.h"
#include "util/hash.h"
#include "util/strmap.h"
#include "util/xmalloc.h"

#include <ctype.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NEVER INT64_MAX
#define BACKOFF_MAX 10
#define BACKOFF_RESET_MS 20000
#define MAX_STEPS 64

/* ---- a container's command read as a script ---- */

typedef struct sim_line {
    int64_t at_ms; /* offset from the start of the run */
    char *text;
} sim_line;

typedef struct sim_prog {
    sim_line *lines;
    size_t nlines;
    int64_t len_ms; /* run length; NEVER: runs until stopped */
    int exit_code;
    int ignores_term; /* trap '' TERM: SIGTERM does not end it */
} sim_prog;

static int is_shell(const char *a)
{
    const char *b = strrchr(a, '/');
    b = b ? b + 1 : a;
    return !strcmp(b, "sh") || !strcmp(b, "bash") || !strcmp(b, "ash") || !strcmp(b, "dash");
}

static const char *base_name(const char *a)
{
    const char *b = strrchr(a, '/');
    return b ? b + 1 : a;
}

/* A '$' that came from single quotes (split_script), kept as it is. */
#define LITERAL_DOLLAR '\x01'

/* $NAME and ${NAME} from env (unknown: empty), appended to b. */
static void expand(dynbuf *b, const char *w, const kv_list *env)
{
    for (const char *p = w; *p;) {
        if (*p == LITERAL_DOLLAR) {
            dynbuf_addc(b, '$');
            p++;
            continue;
        }
        if (*p != '$') {
            dynbuf_addc(b, *p++);
            continue;
        }
        const char *q = p + 1;
        int brace = *q == '{';
        if (brace)
            q++;
        const char *n0 = q;
        while (isalnum((unsigned char)*q) || *q == '_')
            q++;
        if (q == n0) {
            dynbuf_addc(b, *p++);
            continue;
        }
        char name[128];
        snprintf(name, sizeof name, "%.*s", (int)(q - n0), n0);
        const char *v = env ? kv_get(env, name) : NULL;
        if (v)
            dynbuf_adds(b, v);
        p = brace && *q == '}' ? q + 1 : q;
    }
}

/* Split a shell statement list into statements of words (quotes removed,
 * no expansion yet): calls fn for each until it returns non-zero (then 1).
 * 2: a quote left open, not a script that can be read. */
typedef int (*stmt_fn)(void *ud, char **words, size_t n);

static int split_script(const char *s, stmt_fn fn, void *ud)
{
    char *words[MAX_STEPS];
    size_t n = 0;
    dynbuf w;
    dynbuf_init(&w, 1 << 16);
    int in_word = 0, rc = 0;
    for (const char *p = s;; p++) {
        char c = *p;
        int end_stmt = c == '\0' || c == ';' || c == '\n' || (c == '&' && p[1] == '&') || (c == '|' && p[1] == '|');
        if (end_stmt || c == ' ' || c == '\t') {
            if (in_word && n < MAX_STEPS)
                words[n++] = xstrdup(dynbuf_str(&w));
            dynbuf_reset(&w);
            in_word = 0;
            if (end_stmt) {
                if (n && rc == 0)
                    rc = fn(ud, words, n) ? 1 : 0;
                for (size_t i = 0; i < n; i++)
                    free(words[i]);
                n = 0;
                if (c == '\0' || rc)
                    break;
                if (c == '&' || c == '|')
                    p++;
            }
            continue;
        }
        in_word = 1;
        if (c == '\'' || c == '"') {
            const char *e = strchr(p + 1, c);
            if (!e) { /* unbalanced: not a script we can read */
                rc = 2;
                for (size_t i = 0; i < n; i++)
                    free(words[i]);
                break;
            }
            for (const char *q = p + 1; q < e; q++) /* no expansion inside single quotes */
                dynbuf_addc(&w, c == '\'' && *q == '$' ? LITERAL_DOLLAR : *q);
            p = e;
            continue;
        }
        if (c == '\\' && p[1]) {
            dynbuf_addc(&w, *++p);
            continue;
        }
        dynbuf_addc(&w, c);
    }
    dynbuf_free(&w);
    return rc;
}

typedef struct compile_ctx {
    sim_prog *p;
    const kv_list *env;
    int64_t t;
    int status;
    int done;  /* exit reached or the script turned unreadable */
} compile_ctx;

static int compile_words(compile_ctx *x, char **words, size_t n);

static int stmt_cb(void *ud, char **words, size_t n)
{
    compile_ctx *x = ud;
    compile_words(x, words, n);
    return x->done;
}

static int parse_seconds(const char *s, int64_t *ms)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end || v < 0 || v > 1e9)
        return -1;
    *ms = (int64_t)(v * 1000.0 + 0.5);
    return 0;
}

/* One statement. Returns nothing; sets x->done at exit or at a statement it
 * cannot read (the container then runs until it is stopped). */
static int compile_words(compile_ctx *x, char **words, size_t n)
{
    const char *cmd = base_name(words[0]);
    if (!strcmp(cmd, "exec") && n > 1)
        return compile_words(x, words + 1, n - 1);
    if (is_shell(words[0]) && n >= 3 && words[1][0] == '-' && strchr(words[1], 'c')) {
        if (split_script(words[2], stmt_cb, x) == 2 && !x->done) {
            x->p->len_ms = NEVER;
            x->done = 1;
        }
        if (!x->done) { /* the end of a -c script: exit with the last status */
            x->p->len_ms = x->t;
            x->p->exit_code = x->status;
            x->done = 1;
        }
        return 0;
    }
    if (!strcmp(cmd, "echo")) {
        size_t i = 1;
        int newline = 1, to_log = 1;
        if (i < n && !strcmp(words[i], "-n")) {
            newline = 0;
            i++;
        }
        dynbuf b;
        dynbuf_init(&b, 1 << 16);
        for (size_t k = 0; i < n; i++) {
            if (words[i][0] == '>' || !strncmp(words[i], "1>", 2) || !strncmp(words[i], "2>", 2)) {
                const char *t = words[i][0] == '>' ? words[i] + 1 : words[i] + 2;
                if (*t == '>')
                    t++;
                if (!*t && i + 1 < n)
                    t = words[++i];
                if (strcmp(t, "&2") != 0 && strcmp(t, "&1") != 0 && strncmp(words[i], "2>", 2) != 0)
                    to_log = 0; /* into a file */
                continue;
            }
            if (k++)
                dynbuf_addc(&b, ' ');
            expand(&b, words[i], x->env);
        }
        if (to_log) {
            if (newline)
                dynbuf_addc(&b, '\n');
            sim_prog *p = x->p;
            p->lines = xrealloc(p->lines, (p->nlines + 1) * sizeof *p->lines);
            p->lines[p->nlines].at_ms = x->t;
            p->lines[p->nlines++].text = xstrdup(dynbuf_str(&b));
        }
        dynbuf_free(&b);
        x->status = 0;
        return 0;
    }
    if (!strcmp(cmd, "sleep") && n == 2) {
        int64_t ms;
        if (!strcmp(words[1], "infinity") || parse_seconds(words[1], &ms) < 0) {
            x->p->len_ms = NEVER;
            x->done = 1;
            return 0;
        }
        x->t += ms;
        x->status = 0;
        return 0;
    }
    if (!strcmp(cmd, "exit")) {
        x->p->len_ms = x->t;
        x->p->exit_code = n > 1 ? atoi(words[1]) & 255 : x->status;
        x->done = 1;
        return 0;
    }
    if (!strcmp(cmd, "trap") && n >= 3) { /* trap '' TERM: the shell ignores SIGTERM */
        for (size_t i = 2; !words[1][0] && i < n; i++)
            if (!strcmp(words[i], "TERM") || !strcmp(words[i], "SIGTERM") || !strcmp(words[i], "15"))
                x->p->ignores_term = 1;
        x->status = 0;
        return 0;
    }
    if (!strcmp(cmd, "true") || !strcmp(cmd, ":")) {
        x->status = 0;
        return 0;
    }
    if (!strcmp(cmd, "false")) {
        x->status = 1;
        return 0;
    }
    x->p->len_ms = NEVER; /* a program we cannot simulate: it runs until stopped */
    x->done = 1;
    return 0;
}

/* hostname: HOSTNAME unless the container's env sets it (as the process
 * runtime's environment). */
static void prog_compile(sim_prog *p, const emu_rt_container *c, const char *hostname)
{
    memset(p, 0, sizeof *p);
    if (c->argc == 0) {
        p->len_ms = NEVER;
        return;
    }
    kv_list env = KV_LIST_INIT;
    kv_add(&env, "HOSTNAME", hostname);
    for (size_t i = 0; c->env && i < c->env->n; i++)
        kv_set(&env, c->env->items[i].key, c->env->items[i].val);
    compile_ctx x = { p, &env, 0, 0, 0 };
    char **words = xcalloc(c->argc, sizeof *words);
    for (size_t i = 0; i < c->argc; i++)
        words[i] = (char *)c->argv[i];
    compile_words(&x, words, c->argc);
    free(words);
    kv_free(&env);
    if (!x.done) { /* a plain command that finished: its status */
        p->len_ms = x.t;
        p->exit_code = x.status;
    }
}

static void prog_free(sim_prog *p)
{
    for (size_t i = 0; i < p->nlines; i++)
        free(p->lines[i].text);
    free(p->lines);
    memset(p, 0, sizeof *p);
}

/* ---- groups ---- */

enum { R_NONE = 0, R_CREATING, R_PODINIT, R_STARTED, R_COMPLETED, R_ERROR, R_BACKOFF, R_CONFIG };
static const char *const reasons[] = { "", "ContainerCreating", "PodInitializing", "Started", "Completed",
                                       "Error", "CrashLoopBackOff", "CreateContainerConfigError" };

typedef struct sim_state {
    signed char kind;    /* emu_rt_state_kind */
    unsigned char reason;
    short signal;
    int exit_code;
    int backoff;         /* CrashLoopBackOff: seconds */
    int64_t start_ms, finish_ms;
} sim_state;

typedef struct sim_ctr {
    const emu_rt_container *spec;
    int is_init;
    sim_prog prog;
    sim_state cur, prev;
    int restarts, starts, ready, running, waiting_restart, config_error, backoff;
    int sidecar_stopped; /* a sidecar stopped because the app containers finished */
    int killed;          /* SIGTERM ignored: SIGKILL at next_ms */
    int64_t next_ms;               /* end of the run or of the back-off; NEVER */
    int64_t run_ms[2], end_ms[2];  /* [0] the last run, [1] the one before (end NEVER: running) */
    int64_t ran_ms;                /* running time of finished runs */
} sim_ctr;

enum { STAGE_INIT = 0, STAGE_MAIN, STAGE_DONE };

typedef struct sim_group {
    char *id;
    emu_rt_arena a;
    emu_rt_group_spec *spec;
    sim_ctr *c;
    size_t nc, ninit, init_idx;
    int stage;
    emu_rt_group_phase phase;
    uint64_t gen;
    int stopping;   /* emu_rt_sim_stop under way: nothing starts again */
} sim_group;

struct emu_rt_sim {
    pthread_mutex_t mu;
    strmap *ids;  /* id -> sim_group* */
    emu_rt_event_fn on_event;
    void *ud;
    int64_t wall0_ms, mono0_ms;
};

static time_t wall_of(const emu_rt_sim *s, int64_t ms) { return (time_t)((s->wall0_ms + ms - s->mono0_ms) / 1000); }

static void wall_ts(const emu_rt_sim *s, int64_t ms, struct timespec *ts)
{
    int64_t w = s->wall0_ms + ms - s->mono0_ms;
    ts->tv_sec = (time_t)(w / 1000);
    ts->tv_nsec = (long)(w % 1000) * 1000000L;
}

static void ev(emu_rt_sim *s, const sim_group *g, const char *ctr, const char *type, const char *reason,
               const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static void ev(emu_rt_sim *s, const sim_group *g, const char *ctr, const char *type, const char *reason,
               const char *fmt, ...)
{
    if (!s->on_event)
        return;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    s->on_event(s->ud, g->id, ctr, type, reason, msg);
}

static sim_group *find(emu_rt_sim *s, const char *id)
{
    int64_t v;
    return id && strmap_get(s->ids, id, &v) ? (sim_group *)(intptr_t)v : NULL;
}

static const char *policy(const sim_group *g) { return g->spec->restart_policy; }

static void set(sim_state *st, int kind, int reason, int64_t at)
{
    memset(st, 0, sizeof *st);
    st->kind = (signed char)kind;
    st->reason = (unsigned char)reason;
    st->start_ms = at;
}

/* A run of c ends at time t with code (signal sig). */
static void finish(emu_rt_sim *s, sim_group *g, sim_ctr *c, int64_t t, int code, int sig, int killing)
{
    int64_t started = c->cur.kind == EMU_CS_RUNNING ? c->cur.start_ms : t;
    set(&c->cur, EMU_CS_TERMINATED, code == 0 ? R_COMPLETED : R_ERROR, started);
    c->cur.exit_code = code;
    c->cur.signal = (short)sig;
    c->cur.finish_ms = t;
    c->ready = c->is_init && code == 0;
    if (c->running) {
        c->ran_ms += t - c->run_ms[0];
        c->end_ms[0] = t;
    }
    c->running = 0;
    c->next_ms = NEVER;
    if (killing)
        return;
    int restart;
    if (c->is_init)
        restart = code != 0 && strcmp(policy(g), "Never") != 0;
    else
        restart = !strcmp(policy(g), "Always") || (code != 0 && !strcmp(policy(g), "OnFailure"));
    if (c->is_init && code == 0)
        g->init_idx++;
    else if (c->is_init && !restart) {
        g->stage = STAGE_DONE;
        g->phase = EMU_GS_FAILED;
    }
    if (!restart)
        return;
    if (t - c->run_ms[0] >= BACKOFF_RESET_MS)
        c->backoff = 0;
    c->backoff = c->backoff ? (int)backoff_ms(c->backoff, BACKOFF_MAX, 1, 0) : 1; /* doubling, no jitter: the kubelet's */
    c->prev = c->cur;
    set(&c->cur, EMU_CS_WAITING, R_BACKOFF, 0);
    c->cur.backoff = c->backoff;
    c->waiting_restart = 1;
    c->next_ms = t + (int64_t)c->backoff * 1000;
    ev(s, g, c->spec->name, "Warning", "BackOff", "Back-off restarting failed container %s in pod %s",
       c->spec->name, g->id);
}

static void start(emu_rt_sim *s, sim_group *g, sim_ctr *c, int64_t t)
{
    const emu_rt_container *cs = c->spec;
    c->waiting_restart = 0;
    c->next_ms = NEVER;
    char msg[512];
    if (emu_rt_config_check(g->id, cs, msg, sizeof msg) < 0) {
        ev(s, g, cs->name, "Normal", "Pulled", "Container image \"%s\" already present on machine", cs->image);
        ev(s, g, cs->name, "Warning", "Failed", "Error: %s", msg);
        set(&c->cur, EMU_CS_WAITING, R_CONFIG, 0);
        c->config_error = 1;
        return;
    }
    if (c->starts > 0) {
        c->restarts++;
        if (c->cur.kind == EMU_CS_TERMINATED)
            c->prev = c->cur;
    }
    c->starts++;
    c->run_ms[1] = c->run_ms[0];
    c->end_ms[1] = c->end_ms[0];
    c->run_ms[0] = t;
    c->end_ms[0] = NEVER;
    ev(s, g, cs->name, "Normal", "Pulling", "Pulling image \"%s\"", cs->image);
    ev(s, g, cs->name, "Normal", "Pulled", "Successfully pulled image \"%s\" in 0s (0s including waiting)",
       cs->image);
    ev(s, g, cs->name, "Normal", "Created", "Created container %s", cs->name);
    ev(s, g, cs->name, "Normal", "Started", "Started container %s", cs->name);
    set(&c->cur, EMU_CS_RUNNING, R_STARTED, t);
    c->running = 1;
    c->ready = !c->is_init;
    if (c->is_init && cs->argc == 0) { /* nothing to run: complete at once */
        finish(s, g, c, t, 0, 0, 0);
        return;
    }
    c->next_ms = c->prog.len_ms == NEVER ? NEVER : t + c->prog.len_ms;
}

/* Stage changes at time t (the process runtime's schedule()). */
static void schedule(emu_rt_sim *s, sim_group *g, int64_t t)
{
    if (g->stage == STAGE_INIT) {
        while (g->init_idx < g->ninit && g->stage == STAGE_INIT) {
            sim_ctr *c = &g->c[g->init_idx];
            if (c->running || c->waiting_restart || c->config_error)
                break;
            size_t before = g->init_idx;
            start(s, g, c, t);
            if (g->init_idx == before)
                break;
        }
        if (g->stage == STAGE_INIT && g->init_idx >= g->ninit) {
            g->stage = STAGE_MAIN;
            for (size_t i = g->ninit; i < g->nc; i++)
                start(s, g, &g->c[i], t);
        }
    }
    if (g->stage == STAGE_MAIN) {
        int live = 0, failed = 0, blocked = 0, apps = 0, app_live = 0;
        for (size_t i = g->ninit; i < g->nc; i++) {
            const sim_ctr *c = &g->c[i];
            int sidecar = emu_rt_is_sidecar(c->spec);
            apps += !sidecar;
            if (c->running || c->waiting_restart) {
                live = 1;
                app_live |= !sidecar;
            } else if (c->config_error) {
                blocked = 1;
            } else if (c->cur.kind == EMU_CS_TERMINATED && c->cur.exit_code != 0 && !c->sidecar_stopped &&
                       !emu_rt_ignores_exit(c->spec)) {
                failed = 1;
            }
        }
        /* The app containers are done for good: the sidecars end now
         * (terminated by SIGTERM, as the process runtime stops them). */
        if (apps && !app_live && !blocked && live) {
            for (size_t i = g->ninit; i < g->nc; i++) {
                sim_ctr *c = &g->c[i];
                if (!emu_rt_is_sidecar(c->spec) || c->sidecar_stopped)
                    continue;
                c->sidecar_stopped = 1;
                c->waiting_restart = 0;
                ev(s, g, c->spec->name, "Normal", "Killing", "Stopping sidecar container %s: the app containers finished",
                   c->spec->name);
                finish(s, g, c, t, 128 + 15, 15, 1);
            }
            live = 0;
        }
        if (blocked)
            g->phase = EMU_GS_STARTING;
        else if (!live) {
            g->stage = STAGE_DONE;
            g->phase = failed ? EMU_GS_FAILED : EMU_GS_SUCCEEDED;
        } else {
            g->phase = EMU_GS_RUNNING;
        }
    } else if (g->stage == STAGE_INIT) {
        g->phase = EMU_GS_STARTING;
    }
}

/* Play every timer of g due by now, in time order. */
static void advance(emu_rt_sim *s, sim_group *g, int64_t now)
{
    for (;;) {
        sim_ctr *due = NULL;
        for (size_t i = 0; i < g->nc; i++)
            if (g->c[i].next_ms <= now && (!due || g->c[i].next_ms < due->next_ms))
                due = &g->c[i];
        if (!due || (g->stage == STAGE_DONE && !due->killed))
            return;
        int64_t t = due->next_ms;
        if (due->killed) { /* the grace period ended: SIGKILL */
            due->killed = 0;
            finish(s, g, due, t, 128 + 9, 9, 1);
            g->gen++;
            continue;
        }
        if (due->waiting_restart)
            start(s, g, due, t);
        else
            finish(s, g, due, t, due->prog.exit_code, 0, 0);
        schedule(s, g, t);
        g->gen++;
    }
}

/* Stop every container at t: SIGTERM to what runs (exit 143), except that a
 * container ignoring it runs on for grace_ms (then SIGKILL, exit 137, when
 * advance() reaches next_ms), at once when grace_ms is 0. Returns the last
 * such deadline (t when none). */
static int64_t kill_all(emu_rt_sim *s, sim_group *g, int64_t t, int64_t grace_ms)
{
    int64_t until = t;
    for (size_t i = 0; i < g->nc; i++) {
        sim_ctr *c = &g->c[i];
        c->waiting_restart = 0;
        c->killed = 0;
        c->next_ms = NEVER;
        if (!c->running)
            continue;
        ev(s, g, c->spec->name, "Normal", "Killing", "Stopping container %s", c->spec->name);
        if (c->spec->argc == 0) {
            finish(s, g, c, t, 0, 0, 1);
        } else if (c->prog.ignores_term && grace_ms > 0) {
            c->killed = 1;
            c->next_ms = t + grace_ms;
            until = c->next_ms;
        } else if (c->prog.ignores_term) {
            finish(s, g, c, t, 128 + 9, 9, 1);
        } else {
            finish(s, g, c, t, 128 + 15, 15, 1);
        }
    }
    g->gen++;
    return until;
}

static void ctrs_free(sim_ctr *c, size_t n)
{
    for (size_t i = 0; i < n; i++)
        prog_free(&c[i].prog);
    free(c);
}

/* Containers for g's spec at t, carrying counts and the last state of
 * same-named containers of old, then start. */
static void init_group(emu_rt_sim *s, sim_group *g, sim_ctr *old, size_t nold, int64_t t)
{
    const emu_rt_group_spec *sp = g->spec;
    g->ninit = sp->ninit;
    g->nc = sp->ninit + sp->ncontainers;
    g->c = xcalloc(g->nc + 1, sizeof *g->c);
    for (size_t i = 0; i < g->nc; i++) {
        sim_ctr *c = &g->c[i];
        c->is_init = i < sp->ninit;
        c->spec = c->is_init ? &sp->init_containers[i] : &sp->containers[i - sp->ninit];
        prog_compile(&c->prog, c->spec, sp->hostname && *sp->hostname ? sp->hostname : g->id);
        set(&c->cur, EMU_CS_WAITING, sp->ninit ? R_PODINIT : R_CREATING, 0);
        c->next_ms = NEVER;
        c->end_ms[0] = c->end_ms[1] = NEVER;
        for (size_t j = 0; j < nold; j++) {
            const sim_ctr *o = &old[j];
            if (o->is_init == c->is_init && !strcmp(o->spec->name, c->spec->name)) {
                c->restarts = o->restarts;
                c->prev = o->cur.kind == EMU_CS_TERMINATED ? o->cur : o->prev;
                c->starts = o->starts;
                c->ran_ms = o->ran_ms;
            }
        }
    }
    g->init_idx = 0;
    g->stage = STAGE_INIT;
    g->phase = EMU_GS_STARTING;
    schedule(s, g, t);
    g->gen++;
}

static void group_free(sim_group *g)
{
    if (!g)
        return;
    ctrs_free(g->c, g->nc);
    emu_rt_arena_free(&g->a);
    free(g->id);
    free(g);
}

/* ---- the API ---- */

emu_rt_sim *emu_rt_sim_new(emu_rt_event_fn on_event, void *ud)
{
    emu_rt_sim *s = xcalloc(1, sizeof *s);
    pthread_mutex_init(&s->mu, NULL);
    s->ids = strmap_new();
    s->on_event = on_event;
    s->ud = ud;
    struct timespec w;
    clock_gettime(CLOCK_REALTIME, &w);
    s->wall0_ms = (int64_t)w.tv_sec * 1000 + w.tv_nsec / 1000000;
    s->mono0_ms = clock_mono_ms();
    return s;
}

static int free_one(const char *key, int64_t v, void *ud)
{
    (void)key;
    (void)ud;
    group_free((sim_group *)(intptr_t)v);
    return 0;
}

void emu_rt_sim_free(emu_rt_sim *s)
{
    if (!s)
        return;
    strmap_filter(s->ids, free_one, NULL);
    strmap_free(s->ids);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

int emu_rt_sim_start(emu_rt_sim *s, const emu_rt_group_spec *spec, char *err, size_t errlen)
{
    if (emu_rt_spec_check(spec, err, errlen) < 0)
        return -1;
    pthread_mutex_lock(&s->mu);
    if (find(s, spec->id)) {
        pthread_mutex_unlock(&s->mu);
        snprintf(err, errlen, "runtime: group %s already exists", spec->id);
        return -1;
    }
    sim_group *g = xcalloc(1, sizeof *g);
    g->id = xstrdup(spec->id);
    g->spec = emu_rt_spec_copy(&g->a, spec);
    strmap_set(s->ids, g->id, (int64_t)(intptr_t)g);
    init_group(s, g, NULL, 0, clock_mono_ms());
    pthread_mutex_unlock(&s->mu);
    return 0;
}

int emu_rt_sim_stop(emu_rt_sim *s, const char *id, int grace_seconds)
{
    pthread_mutex_lock(&s->mu);
    sim_group *g = find(s, id);
    if (!g || g->stopping) {
        pthread_mutex_unlock(&s->mu);
        return -1;
    }
    g->stopping = 1;
    int64_t t = clock_mono_ms();
    advance(s, g, t);
    int64_t until = kill_all(s, g, t, grace_seconds > 0 ? (int64_t)grace_seconds * 1000 : 0);
    pthread_mutex_unlock(&s->mu);
    /* Containers that ignore SIGTERM run out the grace period; the group
     * stays readable meanwhile (no restart or update reaches it: the API
     * side refuses them while it is Terminating). */
    if (until > t)
        clock_sleep_ms((long)(until - t));
    pthread_mutex_lock(&s->mu);
    advance(s, g, until > t ? until : t);
    strmap_del(s->ids, id);
    pthread_mutex_unlock(&s->mu);
    group_free(g);
    return 0;
}

int emu_rt_sim_restart(emu_rt_sim *s, const char *id)
{
    pthread_mutex_lock(&s->mu);
    sim_group *g = find(s, id);
    if (g && g->stopping)
        g = NULL;
    if (g) {
        int64_t t = clock_mono_ms();
        advance(s, g, t);
        kill_all(s, g, t, 0);
        sim_ctr *old = g->c;
        size_t nold = g->nc;
        init_group(s, g, old, nold, t);
        ctrs_free(old, nold);
    }
    pthread_mutex_unlock(&s->mu);
    return g ? 0 : -1;
}

int emu_rt_sim_update(emu_rt_sim *s, const emu_rt_group_spec *spec, char *err, size_t errlen)
{
    if (emu_rt_spec_check(spec, err, errlen) < 0)
        return -1;
    pthread_mutex_lock(&s->mu);
    sim_group *g = find(s, spec->id);
    if (!g || g->stopping) {
        pthread_mutex_unlock(&s->mu);
        snprintf(err, errlen, "runtime: unknown group %s", spec->id);
        return -1;
    }
    int64_t t = clock_mono_ms();
    advance(s, g, t);
    kill_all(s, g, t, 0);
    emu_rt_arena old_a = g->a;
    memset(&g->a, 0, sizeof g->a);
    g->spec = emu_rt_spec_copy(&g->a, spec);
    sim_ctr *old = g->c;
    size_t nold = g->nc;
    init_group(s, g, old, nold, t);
    ctrs_free(old, nold);
    emu_rt_arena_free(&old_a);
    pthread_mutex_unlock(&s->mu);
    return 0;
}

static void render_state(const emu_rt_sim *s, const sim_ctr *c, const sim_state *st, emu_rt_state *out,
                         const char *group_id)
{
    emu_rt_set_state(out, (emu_rt_state_kind)st->kind, reasons[st->reason], NULL);
    out->exit_code = st->exit_code;
    out->signal = st->signal;
    out->start_time = st->start_ms ? wall_of(s, st->start_ms) : 0;
    out->finish_time = st->finish_ms ? wall_of(s, st->finish_ms) : 0;
    if (st->reason == R_BACKOFF)
        snprintf(out->message, sizeof out->message, "back-off %ds restarting failed container=%s", st->backoff,
                 c->spec->name);
    else if (st->reason == R_CONFIG)
        emu_rt_config_check(group_id, c->spec, out->message, sizeof out->message);
}

int emu_rt_sim_status(emu_rt_sim *s, const char *id, uint64_t gen, emu_rt_group_status *out)
{
    memset(out, 0, sizeof *out);
    pthread_mutex_lock(&s->mu);
    sim_group *g = find(s, id);
    if (!g) {
        pthread_mutex_unlock(&s->mu);
        return -1;
    }
    advance(s, g, clock_mono_ms());
    out->gen = g->gen;
    out->next_change_ms = NEVER;
    for (size_t i = 0; i < g->nc; i++)
        if (g->c[i].next_ms < out->next_change_ms)
            out->next_change_ms = g->c[i].next_ms;
    if (gen && gen == g->gen) {
        pthread_mutex_unlock(&s->mu);
        return 0;
    }
    out->phase = g->phase;
    out->ncontainers = g->nc;
    out->containers = xcalloc(g->nc + 1, sizeof *out->containers);
    for (size_t i = 0; i < g->nc; i++) {
        const sim_ctr *c = &g->c[i];
        emu_rt_container_status *o = &out->containers[i];
        snprintf(o->name, sizeof o->name, "%s", c->spec->name);
        o->is_init = c->is_init;
        o->restart_count = c->restarts;
        o->ready = c->ready;
        render_state(s, c, &c->cur, &o->current, g->id);
        render_state(s, c, &c->prev, &o->previous, g->id);
    }
    pthread_mutex_unlock(&s->mu);
    return 1;
}

static sim_ctr *find_ctr(sim_group *g, const char *name)
{
    if (!name)
        return g->nc - g->ninit == 1 ? &g->c[g->ninit] : NULL;
    for (int init = 0; init < 2; init++)
        for (size_t i = 0; i < g->nc; i++)
            if (g->c[i].is_init == init && !strcmp(g->c[i].spec->name, name))
                return &g->c[i];
    return NULL;
}

int emu_rt_sim_logs(emu_rt_sim *s, const char *id, const char *container, int previous,
                    const struct timespec *since, long tail, long limit_bytes, int timestamps, dynbuf *out)
{
    pthread_mutex_lock(&s->mu);
    sim_group *g = find(s, id);
    sim_ctr *c = g ? find_ctr(g, container) : NULL;
    int rc = -1;
    if (c) {
        int64_t now = clock_mono_ms();
        advance(s, g, now);
        int k = previous ? 1 : 0;
        if (c->starts <= k) {
            rc = previous ? -2 : 0;
        } else {
            /* the run's echo lines written by now (or by its end) */
            int64_t until = c->end_ms[k] < now ? c->end_ms[k] : now;
            emu_rt_log *l = emu_rt_log_new((size_t)4 << 20);
            for (size_t i = 0; i < c->prog.nlines && c->run_ms[k] + c->prog.lines[i].at_ms <= until; i++) {
                struct timespec ts;
                wall_ts(s, c->run_ms[k] + c->prog.lines[i].at_ms, &ts);
                emu_rt_log_write(l, c->prog.lines[i].text, strlen(c->prog.lines[i].text), &ts);
            }
            emu_rt_log_read(l, since, tail, limit_bytes, timestamps, out);
            emu_rt_log_free(l);
            rc = 0;
        }
    }
    pthread_mutex_unlock(&s->mu);
    return rc;
}

/* The container for an exec, running; NULL with err. Lock held. */
static sim_ctr *exec_target(emu_rt_sim *s, const char *id, const char *container, char *err, size_t errlen)
{
    sim_group *g = find(s, id);
    if (!g) {
        snprintf(err, errlen, "container group %s not found", id ? id : "");
        return NULL;
    }
    advance(s, g, clock_mono_ms());
    sim_ctr *c = find_ctr(g, container);
    if (!c)
        snprintf(err, errlen, "container %s not found in group %s", container ? container : "", id);
    else if (!c->running)
        snprintf(err, errlen, "container %s is not running", c->spec->name);
    return c && c->running ? c : NULL;
}

int emu_rt_sim_exec_sync(emu_rt_sim *s, const char *id, const char *container, const char *const *argv,
                         size_t argc, dynbuf *out_stdout, int *exit_code, char *err, size_t errlen)
{
    *exit_code = -1;
    if (!argv || !argc) {
        snprintf(err, errlen, "exec: a command is required");
        return -1;
    }
    pthread_mutex_lock(&s->mu);
    sim_ctr *c = exec_target(s, id, container, err, errlen);
    pthread_mutex_unlock(&s->mu);
    if (!c)
        return -1;
    const char *cmd = base_name(argv[0]);
    if (!strcmp(cmd, "echo")) {
        for (size_t i = 1; i < argc; i++)
            if (out_stdout)
                dynbuf_printf(out_stdout, "%s%s", i > 1 ? " " : "", argv[i]);
        if (out_stdout)
            dynbuf_addc(out_stdout, '\n');
        *exit_code = 0;
        return 0;
    }
    if (!strcmp(cmd, "true") || !strcmp(cmd, "false")) {
        *exit_code = !strcmp(cmd, "false");
        return 0;
    }
    snprintf(err, errlen, "exec: the simulated runtime runs no process (only echo, true and false answer)");
    return -1;
}

int emu_rt_sim_exec_session(emu_rt_sim *s, const char *id, const char *container, char *err, size_t errlen)
{
    pthread_mutex_lock(&s->mu);
    sim_ctr *c = exec_target(s, id, container, err, errlen);
    pthread_mutex_unlock(&s->mu);
    if (c)
        snprintf(err, errlen, "exec: interactive sessions need the process runtime (the emulator runs with "
                              "--runtime simulated)");
    return -1;
}

/* FNV-1a of the group id and container name: the per-container figures. */
static uint64_t fig_hash(const char *id, const char *name)
{
    uint64_t h = hash_fnv1a_add(HASH_FNV1A_INIT, id, strlen(id));
    h = hash_fnv1a_add(h, "/", 1);
    return hash_fnv1a_add(h, name, strlen(name));
}

int emu_rt_sim_usage(emu_rt_sim *s, const char *id, emu_rt_usage **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    pthread_mutex_lock(&s->mu);
    sim_group *g = find(s, id);
    if (!g) {
        pthread_mutex_unlock(&s->mu);
        return -1;
    }
    int64_t now = clock_mono_ms();
    advance(s, g, now);
    size_t cnt = g->nc - g->ninit;
    emu_rt_usage *u = xcalloc(cnt + 1, sizeof *u);
    for (size_t i = 0; i < cnt; i++) {
        const sim_ctr *c = &g->c[g->ninit + i];
        uint64_t h = fig_hash(g->id, c->spec->name);
        /* 0.5 % to 5 % of a core, 16 to 64 MiB, while it runs */
        uint64_t rate = 5000000ULL + h % 45000000ULL;
        uint64_t mem = (16ULL << 20) + ((h >> 20) % 48ULL) * (1ULL << 20);
        int64_t ran = c->ran_ms + (c->running ? now - c->run_ms[0] : 0);
        snprintf(u[i].container, sizeof u[i].container, "%s", c->spec->name);
        u[i].cpu_usage_core_nano_seconds = (uint64_t)ran * (rate / 1000ULL);
        u[i].cpu_usage_nano_cores = c->running ? rate : 0;
        u[i].memory_working_set_bytes = c->running ? mem : 0;
        u[i].memory_usage_bytes = u[i].memory_working_set_bytes;
        u[i].memory_rss_bytes = u[i].memory_working_set_bytes / 10 * 9;
    }
    pthread_mutex_unlock(&s->mu);
    *out = u;
    *n = cnt;
    return 0;
}

size_t emu_rt_sim_count(emu_rt_sim *s)
{
    pthread_mutex_lock(&s->mu);
    size_t n = strmap_len(s->ids);
    pthread_mutex_unlock(&s->mu);
    return n;
}
