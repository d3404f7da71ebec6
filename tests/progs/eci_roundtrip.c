/* Drives the real ECI client (eci/ops.h) against an endpoint, normally the
 * emulator, for tests/suites/10-eci-client.sh. Prints TAP lines
 * ("ok - ..." / "not ok - ...") and exits 1 when any check failed.
 *
 *   eci_roundtrip roundtrip   create (init container, env, volumes, probes,
 *                             tags) -> Running -> logs -> exec (Sync) ->
 *                             events -> delete -> gone
 *   eci_roundtrip stress N    N creates with distinct ClientTokens from 4
 *                             threads; each must succeed exactly once
 *   eci_roundtrip regions     one DescribeRegions call; prints
 *                             "result=<class> attempts=N api_code=C" and the
 *                             formatted error, exits 0 on success
 *
 * Environment: ECI_ENDPOINT (required), ECI_REGION (default cn-hangzhou),
 * ECI_SIGNATURE=v2 (the legacy HMAC-SHA1 signature; default V3),
 * credentials as eci/creds.h reads them (ALIBABA_CLOUD_ACCESS_KEY_ID, ...). */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "eci/ops.h"
#include "util/xmalloc.h"

static int failures;

static void ok(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void ok(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("ok - ");
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
    fflush(stdout);
}

static void not_ok(const eci_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void not_ok(const eci_error *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("not ok - ");
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
    if (err) {
        char buf[1024];
        printf("# %s\n", eci_error_format(err, buf, sizeof buf));
    }
    fflush(stdout);
    failures++;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static eci_client *new_client(int retries, double qps)
{
    const char *ep = getenv("ECI_ENDPOINT");
    const char *region = getenv("ECI_REGION");
    eci_client_config cfg;
    eci_client_config_init(&cfg);
    cfg.region = region && *region ? region : "cn-hangzhou";
    cfg.endpoint = ep;
    cfg.max_retries = retries;
    cfg.backoff_base_ms = 10;
    cfg.backoff_cap_ms = 300;
    cfg.qps = qps;
    cfg.burst = 50;
    cfg.request_timeout_ms = 40000;
    const char *sig = getenv("ECI_SIGNATURE");
    cfg.signature = sig && strcmp(sig, "v2") == 0 ? ECI_SIGN_V2 : ECI_SIGN_V3;
    eci_client *c = NULL;
    eci_error err;
    if (!ep || !*ep) {
        fprintf(stderr, "eci_roundtrip: set ECI_ENDPOINT\n");
        exit(2);
    }
    if (eci_client_new(&cfg, &c, &err) != 0) {
        char buf[1024];
        fprintf(stderr, "eci_roundtrip: %s\n", eci_error_format(&err, buf, sizeof buf));
        exit(2);
    }
    return c;
}

static void build_request(eci_create_cg_req *r, const char *token)
{
    memset(r, 0, sizeof *r);
    r->container_group_name = xstrdup("roundtrip");
    r->client_token = xstrdup(token);
    r->restart_policy = xstrdup("Always");
    r->cpu = ECI_FLOAT(1);
    r->memory = ECI_FLOAT(2);
    eci_tag *t = ECI_APPEND(r->tags, r->n_tags);
    t->key = xstrdup("eci-kubelet/test");
    t->value = xstrdup("roundtrip");
    t = ECI_APPEND(r->tags, r->n_tags);
    t->key = xstrdup("eci-kubelet/pod-uid");
    t->value = xstrdup(token);

    eci_volume *v = ECI_APPEND(r->volumes, r->n_volumes);
    v->name = xstrdup("scratch");
    v->type = xstrdup("EmptyDirVolume");
    v = ECI_APPEND(r->volumes, r->n_volumes);
    v->name = xstrdup("cfg");
    v->type = xstrdup("ConfigFileVolume");
    eci_config_file *f = ECI_APPEND(v->config_files, v->n_config_files);
    f->path = xstrdup("msg");
    f->content = xstrdup("ZnJvbS1jb25maWc="); /* "from-config" */

    eci_container *ic = ECI_APPEND(r->init_containers, r->n_init_containers);
    ic->name = xstrdup("init");
    ic->image = xstrdup("busybox:1.36");
    eci_strv_add(&ic->command, "/bin/sh");
    eci_strv_add(&ic->command, "-c");
    eci_strv_add(&ic->args, "echo init-done");

    eci_container *c = ECI_APPEND(r->containers, r->n_containers);
    c->name = xstrdup("main");
    c->image = xstrdup("busybox:1.36");
    c->cpu = ECI_FLOAT(0.5);
    c->memory = ECI_FLOAT(1);
    eci_strv_add(&c->command, "/bin/sh");
    eci_strv_add(&c->command, "-c");
    eci_strv_add(&c->args, "echo hello-$GREETING; while true; do sleep 1; done");
    eci_env_var *e = ECI_APPEND(c->env, c->n_env);
    e->key = xstrdup("GREETING");
    e->value = xstrdup("world");
    e = ECI_APPEND(c->env, c->n_env);
    e->key = xstrdup("POD_IP");
    e->field_path = xstrdup("status.podIP");
    eci_volume_mount *m = ECI_APPEND(c->volume_mounts, c->n_volume_mounts);
    m->name = xstrdup("scratch");
    m->mount_path = xstrdup("/scratch");
    m = ECI_APPEND(c->volume_mounts, c->n_volume_mounts);
    m->name = xstrdup("cfg");
    m->mount_path = xstrdup("/etc/cfg");
    m->read_only = ECI_BOOL(1);
    eci_port *p = ECI_APPEND(c->ports, c->n_ports);
    p->port = ECI_INT(8080);
    p->protocol = xstrdup("TCP");
    eci_strv_add(&c->readiness_probe.exec, "true");
    c->readiness_probe.period_seconds = ECI_INT(1);
    eci_strv_add(&c->liveness_probe.exec, "true");
    c->liveness_probe.period_seconds = ECI_INT(5);
    c->liveness_probe.failure_threshold = ECI_INT(3);
}

static int status_of(eci_client *c, const char *id, char *out, size_t len, eci_error *err)
{
    eci_describe_status_req q = {0};
    eci_strv_add(&q.container_group_ids, id);
    eci_describe_status_resp r;
    int rc = eci_describe_container_group_status(c, &q, &r, err);
    out[0] = '\0';
    if (rc == 0 && r.n_items && r.items[0].status)
        snprintf(out, len, "%s", r.items[0].status);
    eci_describe_status_resp_free(&r);
    eci_describe_status_req_free(&q);
    return rc;
}

static int roundtrip(void)
{
    eci_client *c = new_client(4, 20);
    eci_error err;
    char token[64];
    snprintf(token, sizeof token, "roundtrip-%d-%ld", (int)getpid(), (long)time(NULL));

    eci_create_cg_req req;
    build_request(&req, token);
    eci_create_cg_resp cr;
    char id[128] = "";
    if (eci_create_container_group(c, &req, &cr, &err) == 0 && cr.container_group_id) {
        snprintf(id, sizeof id, "%s", cr.container_group_id);
        ok("create returns a container group id (%s)", id);
    } else {
        not_ok(&err, "create returns a container group id");
    }
    eci_create_cg_resp_free(&cr);
    if (!id[0]) {
        eci_create_cg_req_free(&req);
        eci_client_free(c);
        return 1;
    }
    /* The same ClientToken again is the same group, not a second one. */
    if (eci_create_container_group(c, &req, &cr, &err) == 0 && cr.container_group_id &&
        !strcmp(cr.container_group_id, id))
        ok("create with the same ClientToken returns the same group");
    else
        not_ok(&err, "create with the same ClientToken returns the same group (got %s)",
               cr.container_group_id ? cr.container_group_id : "error");
    eci_create_cg_resp_free(&cr);
    eci_create_cg_req_free(&req);

    char st[64] = "";
    int running = 0;
    for (int i = 0; i < 300 && !running; i++) {
        if (status_of(c, id, st, sizeof st, &err) == 0 && !strcmp(st, "Running"))
            running = 1;
        else
            sleep_ms(200);
    }
    if (running)
        ok("the group reaches Running");
    else
        not_ok(&err, "the group reaches Running (last status %s)", st[0] ? st : "none");

    eci_describe_cgs_req dq = {0};
    eci_strv_add(&dq.container_group_ids, id);
    eci_describe_cgs_resp dr;
    if (eci_describe_container_groups(c, &dq, &dr, &err) == 0 && dr.n_groups == 1) {
        eci_container_group *g = &dr.groups[0];
        int tag = 0;
        for (size_t i = 0; i < g->n_tags; i++)
            tag |= g->tags[i].key && !strcmp(g->tags[i].key, "eci-kubelet/pod-uid") && g->tags[i].value &&
                   !strcmp(g->tags[i].value, token);
        int init = g->n_init_containers == 1 && g->init_containers[0].name &&
                   !strcmp(g->init_containers[0].name, "init");
        int env = 0;
        for (size_t i = 0; g->n_containers && i < g->containers[0].n_env; i++)
            env |= g->containers[0].env[i].key && !strcmp(g->containers[0].env[i].key, "GREETING");
        if (tag && init && env && g->n_volumes == 2 && g->n_containers == 1)
            ok("DescribeContainerGroups shows tags, init container, env and volumes");
        else
            not_ok(NULL, "DescribeContainerGroups shows tags, init container, env and volumes (tag %d init %d env %d "
                   "volumes %zu containers %zu)", tag, init, env, g->n_volumes, g->n_containers);
    } else {
        not_ok(&err, "DescribeContainerGroups finds the group");
    }
    eci_describe_cgs_resp_free(&dr);

    int logged = 0;
    eci_log_req lq = {0};
    lq.container_group_id = xstrdup(id);
    lq.container_name = xstrdup("main");
    lq.tail = ECI_INT(100);
    for (int i = 0; i < 300 && !logged; i++) {
        eci_log_resp lr;
        if (eci_describe_container_log(c, &lq, &lr, &err) == 0 && lr.content && strstr(lr.content, "hello-world"))
            logged = 1;
        else
            sleep_ms(200);
        eci_log_resp_free(&lr);
    }
    if (logged)
        ok("DescribeContainerLog shows the command's output");
    else
        not_ok(&err, "DescribeContainerLog shows the command's output");
    eci_log_req_free(&lq);

    eci_exec_req xq = {0};
    xq.container_group_id = xstrdup(id);
    xq.container_name = xstrdup("main");
    eci_strv_add(&xq.command, "/bin/sh");
    eci_strv_add(&xq.command, "-c");
    eci_strv_add(&xq.command, "echo exec-$GREETING; false; echo exit=$?");
    xq.sync = ECI_BOOL(1);
    xq.tty = ECI_BOOL(0);
    xq.stdin_open = ECI_BOOL(0);
    eci_exec_resp xr;
    if (eci_exec_container_command(c, &xq, &xr, &err) == 0 && xr.sync_response &&
        strstr(xr.sync_response, "exec-world") && strstr(xr.sync_response, "exit=1"))
        ok("ExecContainerCommand (Sync) returns the output and the exit status");
    else
        not_ok(&err, "ExecContainerCommand (Sync) returns the output and the exit status (got '%s')",
               xr.sync_response ? xr.sync_response : "(none)");
    eci_exec_resp_free(&xr);
    eci_exec_req_free(&xq);

    eci_describe_events_req eq = {0};
    eci_strv_add(&eq.container_group_ids, id);
    eci_describe_events_resp er;
    if (eci_describe_container_group_events(c, &eq, &er, &err) == 0 && er.n_items == 1 && er.items[0].n_events > 0)
        ok("DescribeContainerGroupEvents returns the group's events (%zu)", er.items[0].n_events);
    else
        not_ok(&err, "DescribeContainerGroupEvents returns the group's events");
    eci_describe_events_resp_free(&er);
    eci_describe_events_req_free(&eq);

    eci_cg_id_req del = {0};
    del.container_group_id = xstrdup(id);
    eci_simple_resp sr;
    if (eci_delete_container_group(c, &del, &sr, &err) == 0)
        ok("DeleteContainerGroup succeeds");
    else
        not_ok(&err, "DeleteContainerGroup succeeds");
    eci_simple_resp_free(&sr);
    eci_cg_id_req_free(&del);

    int gone = 0;
    for (int i = 0; i < 300 && !gone; i++) {
        if (eci_describe_container_groups(c, &dq, &dr, &err) == 0 && dr.n_groups == 0)
            gone = 1;
        else
            sleep_ms(200);
        eci_describe_cgs_resp_free(&dr);
    }
    if (gone)
        ok("the deleted group is gone");
    else
        not_ok(&err, "the deleted group is gone");
    eci_describe_cgs_req_free(&dq);

    eci_stat_row *rows;
    size_t n = eci_client_stats(c, &rows);
    for (size_t i = 0; i < n; i++)
        printf("# stats %s %s count=%lu attempts=%lu\n", rows[i].action, rows[i].result, rows[i].count,
               rows[i].attempts);
    free(rows);
    eci_client_free(c);
    return failures ? 1 : 0;
}

typedef struct stress_ctx {
    eci_client *c;
    int n;
    int next;
    pthread_mutex_t mu;
    char **ids;
    int oks;
    long attempts;
    char prefix[48];
} stress_ctx;

static void *stress_worker(void *arg)
{
    stress_ctx *s = arg;
    for (;;) {
        pthread_mutex_lock(&s->mu);
        int i = s->next++;
        pthread_mutex_unlock(&s->mu);
        if (i >= s->n)
            break;
        eci_create_cg_req r = {0};
        char tok[80];
        snprintf(tok, sizeof tok, "%s-%d", s->prefix, i);
        r.container_group_name = xasprintf("stress-%d", i);
        r.client_token = xstrdup(tok);
        eci_container *ct = ECI_APPEND(r.containers, r.n_containers);
        ct->name = xstrdup("idle");
        ct->image = xstrdup("busybox:1.36");
        eci_tag *t = ECI_APPEND(r.tags, r.n_tags);
        t->key = xstrdup("eci-kubelet/test");
        t->value = xstrdup(s->prefix);
        eci_create_cg_resp resp;
        eci_error err;
        int rc = eci_create_container_group(s->c, &r, &resp, &err);
        pthread_mutex_lock(&s->mu);
        s->attempts += err.attempts;
        if (rc == 0 && resp.container_group_id) {
            s->ids[i] = xstrdup(resp.container_group_id);
            s->oks++;
        } else {
            char buf[1024];
            printf("# create %d failed: %s\n", i, eci_error_format(&err, buf, sizeof buf));
        }
        pthread_mutex_unlock(&s->mu);
        eci_create_cg_resp_free(&resp);
        eci_create_cg_req_free(&r);
    }
    return NULL;
}

typedef struct list_ctx {
    int n;
    int tagged;
    const char *prefix;
} list_ctx;

static int visit_group(void *ud, const eci_container_group *g)
{
    list_ctx *l = ud;
    l->n++;
    for (size_t i = 0; i < g->n_tags; i++)
        if (g->tags[i].key && !strcmp(g->tags[i].key, "eci-kubelet/test") && g->tags[i].value &&
            !strcmp(g->tags[i].value, l->prefix))
            l->tagged++;
    return 0;
}

/* Count the groups tagged with prefix by walking DescribeContainerGroups pages. */
static int count_tagged(eci_client *c, const char *prefix, int *pages_out, list_ctx *l, eci_error *err)
{
    eci_describe_cgs_req q = {0};
    eci_tag *t = ECI_APPEND(q.tags, q.n_tags);
    t->key = xstrdup("eci-kubelet/test");
    t->value = xstrdup(prefix);
    q.limit = ECI_INT(20);
    memset(l, 0, sizeof *l);
    l->prefix = prefix;
    int rc = eci_describe_container_groups_all(c, &q, 0, visit_group, l, err);
    *pages_out = (int)eci_client_stat_count(c, "DescribeContainerGroups", "ok");
    eci_describe_cgs_req_free(&q);
    return rc;
}

static void *delete_worker(void *arg);

static int cmp_str(const void *a, const void *b)
{
    const char *x = *(const char *const *)a, *y = *(const char *const *)b;
    return strcmp(x ? x : "", y ? y : "");
}

static void *delete_worker(void *arg)
{
    stress_ctx *s = arg;
    for (;;) {
        pthread_mutex_lock(&s->mu);
        int i = s->next++;
        pthread_mutex_unlock(&s->mu);
        if (i >= s->n)
            break;
        if (!s->ids[i])
            continue;
        eci_cg_id_req r = {0};
        r.container_group_id = xstrdup(s->ids[i]);
        eci_simple_resp resp;
        eci_error err;
        int rc = eci_delete_container_group(s->c, &r, &resp, &err);
        pthread_mutex_lock(&s->mu);
        if (rc == 0) {
            s->oks++;
        } else {
            char buf[1024];
            printf("# delete %s failed: %s\n", s->ids[i], eci_error_format(&err, buf, sizeof buf));
        }
        pthread_mutex_unlock(&s->mu);
        eci_simple_resp_free(&resp);
        eci_cg_id_req_free(&r);
    }
    return NULL;
}

static int stress(int n)
{
    stress_ctx s = {0};
    s.c = new_client(15, 200);
    s.n = n;
    s.ids = xcalloc((size_t)n, sizeof *s.ids);
    pthread_mutex_init(&s.mu, NULL);
    snprintf(s.prefix, sizeof s.prefix, "stress-%d-%ld", (int)getpid(), (long)time(NULL));
    pthread_t th[4];
    for (int i = 0; i < 4; i++)
        pthread_create(&th[i], NULL, stress_worker, &s);
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    if (s.oks == n)
        ok("%d creates with distinct ClientTokens all succeed (%ld attempts)", n, s.attempts);
    else
        not_ok(NULL, "%d creates with distinct ClientTokens all succeed (%d did)", n, s.oks);
    if (s.attempts > n)
        ok("injected faults were retried (%ld retries)", s.attempts - n);
    else
        not_ok(NULL, "injected faults were retried (attempts %ld for %d creates)", s.attempts, n);
    qsort(s.ids, (size_t)n, sizeof *s.ids, cmp_str);
    int dup = 0;
    for (int i = 1; i < n; i++)
        dup += s.ids[i] && s.ids[i - 1] && !strcmp(s.ids[i], s.ids[i - 1]);
    if (!dup)
        ok("every create returned a distinct group id");
    else
        not_ok(NULL, "every create returned a distinct group id (%d duplicates)", dup);
    unsigned long retried_ok = eci_client_stat_count(s.c, "CreateContainerGroup", "ok");
    printf("# client stats: CreateContainerGroup ok=%lu\n", retried_ok);

    /* Paging: the tagged groups, 20 per page. */
    list_ctx l;
    int pages0 = (int)eci_client_stat_count(s.c, "DescribeContainerGroups", "ok"), pages = 0;
    eci_error err;
    if (count_tagged(s.c, s.prefix, &pages, &l, &err) == 0 && l.n == n && l.tagged == n)
        ok("DescribeContainerGroups by tag pages through all %d groups (%d pages)", n, pages - pages0);
    else
        not_ok(&err, "DescribeContainerGroups by tag pages through all %d groups (saw %d, tagged %d)", n, l.n,
               l.tagged);

    /* Delete them all from 4 threads, then the tag lists nothing. */
    s.next = 0;
    s.oks = 0;
    for (int i = 0; i < 4; i++)
        pthread_create(&th[i], NULL, delete_worker, &s);
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    if (s.oks == n)
        ok("%d deletes succeed", n);
    else
        not_ok(NULL, "%d deletes succeed (%d did)", n, s.oks);
    int empty = 0;
    for (int i = 0; i < 300 && !empty; i++) {
        if (count_tagged(s.c, s.prefix, &pages, &l, &err) == 0 && l.n == 0)
            empty = 1;
        else
            sleep_ms(200);
    }
    if (empty)
        ok("no tagged group is left after the deletes");
    else
        not_ok(&err, "no tagged group is left after the deletes (%d left)", l.n);
    for (int i = 0; i < n; i++)
        free(s.ids[i]);
    free(s.ids);
    pthread_mutex_destroy(&s.mu);
    eci_client_free(s.c);
    return failures ? 1 : 0;
}

static int regions(void)
{
    eci_client *c = new_client(3, 0);
    eci_describe_regions_resp r;
    eci_error err;
    int rc = eci_describe_regions(c, NULL, &r, &err);
    char buf[1024];
    printf("result=%s attempts=%d api_code=%s regions=%zu\n", rc == 0 ? "ok" : eci_class_name(eci_error_classify(&err)),
           err.attempts, err.api_code[0] ? err.api_code : "-", r.n_regions);
    if (rc != 0)
        printf("error: %s\n", eci_error_format(&err, buf, sizeof buf));
    eci_describe_regions_resp_free(&r);
    eci_client_free(c);
    return rc == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc >= 2 && !strcmp(argv[1], "roundtrip"))
        return roundtrip();
    if (argc >= 2 && !strcmp(argv[1], "regions"))
        return regions();
    if (argc >= 3 && !strcmp(argv[1], "stress"))
        return stress(atoi(argv[2]) > 0 ? atoi(argv[2]) : 1);
    fprintf(stderr, "usage: eci_roundtrip roundtrip | stress N | regions\n");
    return 2;
}
