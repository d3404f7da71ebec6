/* Container group operations: Create, Update, Restart, Delete and
 * DescribeContainerGroups (spec/eci-api.md 6.2-6.6). */
#include "eci/emulator/emu.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/clock.h"
#include "util/xmalloc.h"

int emu_check_region(emu_req *r, int required, emu_err *e)
{
    const char *region = emu_get(r->p, "RegionId");
    if (!region)
        return required ? emu_missing(e, "RegionId") : 0;
    if (strcmp(region, r->s->region) != 0)
        return emu_fail_code(e, "RegionNotSupport");
    return 0;
}

static int check_client_token(const kv_list *p, emu_err *e)
{
    const char *t = emu_get(p, "ClientToken");
    if (!t)
        return 0;
    size_t n = strlen(t);
    if (n > 64)
        return emu_invalid(e, "ClientToken", "at most 64 ASCII characters");
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)t[i] < 0x20 || (unsigned char)t[i] > 0x7E)
            return emu_invalid(e, "ClientToken", "only ASCII characters are allowed");
    return 0;
}

/* Idempotent replay of a mutating call: 1 replay (answer success again),
 * 0 new call, -1 mismatch (e filled). Store lock held. */
static int token_replay(emu_req *r, const char *digest, const char **group_id, emu_err *e)
{
    const char *t = emu_get(r->p, "ClientToken");
    if (!t)
        return 0;
    emu_token *tk = emu_store_token_find(&r->s->store, r->action, t);
    if (!tk)
        return 0;
    if (strcmp(tk->digest, digest) != 0)
        return emu_fail_code(e, "IdempotentParameterMismatch");
    if (group_id)
        *group_id = tk->group_id;
    return 1;
}

static int64_t schedule_delay(emu_server *s)
{
    int64_t d = s->schedule_delay_ms;
    if (s->opt.realistic)
        d += (int64_t)(emu_rng_unit(&s->rng) * 2000.0);
    return d;
}

int emu_op_create_group(emu_req *r, cJSON *out, emu_err *e)
{
    emu_server *s = r->s;
    if (emu_check_region(r, 1, e) || check_client_token(r->p, e))
        return -1;
    emu_spec *spec = emu_spec_parse_create(r->p, s->region, e);
    if (!spec)
        return -1;
    int dry = 0;
    emu_get_bool(r->p, "DryRun", &dry, e);
    char digest[65];
    emu_params_digest(r->p, digest);
    pthread_mutex_lock(&s->store.mu);
    if (spec->image_snapshot) {
        emu_image_cache *c = s->store.caches;
        while (c && strcmp(c->id, spec->image_snapshot) != 0)
            c = c->next;
        if (!c) {
            pthread_mutex_unlock(&s->store.mu);
            emu_spec_free(spec);
            return emu_fail_code(e, "ImageSnapshot.NotFound");
        }
        c->last_matched = (time_t)r->now;
    }
    const char *prev = NULL;
    int rep = token_replay(r, digest, &prev, e);
    if (rep < 0) {
        pthread_mutex_unlock(&s->store.mu);
        emu_spec_free(spec);
        return -1;
    }
    if (rep == 1) {
        cJSON_AddStringToObject(out, "ContainerGroupId", prev);
        pthread_mutex_unlock(&s->store.mu);
        emu_spec_free(spec);
        return 0;
    }
    const char *fixed_ip = emu_get(r->p, "PrivateIpAddress");
    for (emu_group *o = s->store.groups; fixed_ip && o; o = o->next)
        if (strcmp(o->ip, fixed_ip) == 0) {
            pthread_mutex_unlock(&s->store.mu);
            emu_spec_free(spec);
            return emu_invalid(e, "PrivateIpAddress", "the address is in use");
        }
    if (dry) {
        pthread_mutex_unlock(&s->store.mu);
        emu_spec_free(spec);
        return emu_fail_code(e, "DryRunOperation");
    }
    emu_group *g = emu_store_add(&s->store, &s->rng, spec, emu_get(r->p, "ClientToken"), r->now);
    if (fixed_ip)
        snprintf(g->ip, sizeof g->ip, "%s", fixed_ip);
    g->schedule_at_ms = clock_mono_ms() + schedule_delay(s);
    g->schedule_fail = emu_faults_schedule_fail(&s->faults);
    const char *tok = emu_get(r->p, "ClientToken");
    if (tok)
        emu_store_token_add(&s->store, r->action, tok, digest, g->id);
    cJSON_AddStringToObject(out, "ContainerGroupId", g->id);
    pthread_mutex_unlock(&s->store.mu);
    return 0;
}

static int in_status(const emu_group *g, const char *a, const char *b)
{
    return strcmp(g->status, a) == 0 || (b && strcmp(g->status, b) == 0);
}

static emu_group *find_group(emu_req *r, emu_err *e)
{
    const char *id = emu_get(r->p, "ContainerGroupId");
    if (!id) {
        emu_missing(e, "ContainerGroupId");
        return NULL;
    }
    emu_group *g = emu_store_find(&r->s->store, id);
    if (!g)
        emu_fail(e, 404, "InvalidParameter.NotFound", "The specified ContainerGroupId \"%.64s\" is not found.", id);
    return g;
}

int emu_op_update_group(emu_req *r, cJSON *out, emu_err *e)
{
    (void)out;
    emu_server *s = r->s;
    if (emu_check_region(r, 1, e) || check_client_token(r->p, e))
        return -1;
    char digest[65];
    emu_params_digest(r->p, digest);
    pthread_mutex_lock(&s->store.mu);
    int rep = token_replay(r, digest, NULL, e);
    emu_group *g = rep == 0 ? find_group(r, e) : NULL;
    if (rep != 0 || !g) {
        pthread_mutex_unlock(&s->store.mu);
        return rep == 1 ? 0 : -1;
    }
    if (!in_status(g, "Pending", "Running")) {
        pthread_mutex_unlock(&s->store.mu);
        return emu_fail(e, 400, "IncorrectStatus",
                        "The container group %s is %s; only Pending or Running container groups can be updated.",
                        g->id, g->status);
    }
    int changed = 0;
    emu_spec *ns = emu_spec_parse_update(r->p, g->spec, &changed, e);
    if (!ns) {
        pthread_mutex_unlock(&s->store.mu);
        return -1;
    }
    if (!changed) {
        pthread_mutex_unlock(&s->store.mu);
        emu_spec_free(ns);
        return emu_fail_code(e, "NoNeedUpdate");
    }
    emu_spec_free(g->spec);
    g->spec = ns;
    emu_group_set_status(g, "Updating", r->now);
    g->transient_until_ms = clock_mono_ms() + (s->schedule_delay_ms > 1500 ? s->schedule_delay_ms : 1500);
    emu_group_event(g, &s->rng, "Normal", "Updating", NULL, "The container group is being updated.", (time_t)r->now);
    const char *tok = emu_get(r->p, "ClientToken");
    if (tok)
        emu_store_token_add(&s->store, r->action, tok, digest, g->id);
    char id[32];
    snprintf(id, sizeof id, "%s", g->id);
    emu_spec *copy = g->rt_started ? emu_spec_copy(ns) : NULL;
    if (!g->rt_started)
        g->spec_dirty = 1; /* the start in flight used the old spec */
    pthread_mutex_unlock(&s->store.mu);
    if (copy)
        emu_lifecycle_update_group(s, id, copy);
    return 0;
}

int emu_op_restart_group(emu_req *r, cJSON *out, emu_err *e)
{
    (void)out;
    emu_server *s = r->s;
    if (emu_check_region(r, 1, e) || check_client_token(r->p, e))
        return -1;
    char digest[65];
    emu_params_digest(r->p, digest);
    pthread_mutex_lock(&s->store.mu);
    int rep = token_replay(r, digest, NULL, e);
    emu_group *g = rep == 0 ? find_group(r, e) : NULL;
    if (rep != 0 || !g) {
        pthread_mutex_unlock(&s->store.mu);
        return rep == 1 ? 0 : -1;
    }
    if (!in_status(g, "Pending", "Running")) {
        pthread_mutex_unlock(&s->store.mu);
        return emu_fail(e, 400, "IncorrectStatus",
                        "The container group %s is %s; only Pending or Running container groups can be restarted.",
                        g->id, g->status);
    }
    emu_group_set_status(g, "Restarting", r->now);
    g->transient_until_ms = clock_mono_ms() + (s->schedule_delay_ms > 1500 ? s->schedule_delay_ms : 1500);
    emu_group_event(g, &s->rng, "Normal", "Restarting", NULL, "The container group is being restarted.",
                    (time_t)r->now);
    const char *tok = emu_get(r->p, "ClientToken");
    if (tok)
        emu_store_token_add(&s->store, r->action, tok, digest, g->id);
    char id[32];
    snprintf(id, sizeof id, "%s", g->id);
    int started = g->rt_started;
    pthread_mutex_unlock(&s->store.mu);
    if (started)
        emu_lifecycle_restart_group(s, id);
    return 0;
}

int emu_op_delete_group(emu_req *r, cJSON *out, emu_err *e)
{
    (void)out;
    emu_server *s = r->s;
    if (emu_check_region(r, 1, e) || check_client_token(r->p, e))
        return -1;
    char digest[65];
    emu_params_digest(r->p, digest);
    pthread_mutex_lock(&s->store.mu);
    int rep = token_replay(r, digest, NULL, e);
    emu_group *g = rep == 0 ? find_group(r, e) : NULL;
    if (rep != 0 || !g) {
        pthread_mutex_unlock(&s->store.mu);
        return rep == 1 ? 0 : -1;
    }
    char id[32];
    snprintf(id, sizeof id, "%s", g->id);
    int started = g->rt_started || g->rt_busy;
    int grace = g->spec->termination_grace >= 0 ? (int)g->spec->termination_grace : 30;
    const char *tok = emu_get(r->p, "ClientToken");
    if (tok)
        emu_store_token_add(&s->store, r->action, tok, digest, id);
    if (g->deleting) { /* already Terminating: accepted again, nothing more to do */
        pthread_mutex_unlock(&s->store.mu);
        return 0;
    }
    /* A group whose containers may still run is Terminating while the
     * runtime stops them (pre-stop hooks, SIGTERM, SIGKILL after the
     * group's TerminationGracePeriodSeconds); it disappears when they are
     * gone. One that never started or already ended goes at once. */
    int ended = in_status(g, "Succeeded", "Failed") || in_status(g, "ScheduleFailed", "Expired");
    if (started && s->rt && !ended) {
        g->deleting = 1;
        emu_group_set_status(g, "Terminating", r->now);
        emu_group_touch(g, r->now);
        g->rt_next_ms = 0;
        int busy = g->rt_busy; /* a start or update in flight: its end starts the stop */
        g->stop_deferred = busy;
        pthread_mutex_unlock(&s->store.mu);
        if (!busy)
            emu_lifecycle_stop_group(s, id, grace);
        return 0;
    }
    emu_store_remove(&s->store, id);
    pthread_mutex_unlock(&s->store.mu);
    if (started)
        emu_lifecycle_stop_group(s, id, grace);
    return 0;
}

/* Paging cursor: the creation sequence number of the last group returned. */
static int parse_paging(const kv_list *p, long def, long max, long *limit, uint64_t *after, emu_err *e)
{
    *limit = def;
    if (emu_get_long(p, "Limit", 1, max, limit, e) < 0)
        return -1;
    *after = 0;
    const char *nt = emu_get(p, "NextToken");
    if (nt && emu_token_decode(nt, after) != 0)
        return emu_invalid(e, "NextToken", "the token is not valid");
    return 0;
}

/* One page of the groups matching f, in creation order after the paging
 * token's sequence number: render each into arr and return the number of
 * matches over all pages; tok gets the next page's token ("" on the last). */
static long page_groups(emu_server *s, const emu_filter *f, double now, uint64_t after, long limit,
                        cJSON *(*render)(const emu_group *), cJSON *arr, char tok[40])
{
    long total = 0, n = 0;
    uint64_t last = 0;
    int more = 0;
    pthread_mutex_lock(&s->store.mu);
    for (emu_group *g = s->store.groups; g; g = g->next) {
        if (!emu_filter_match(f, g, now))
            continue;
        total++;
        if (g->seq <= after)
            continue;
        if (n < limit) {
            cJSON_AddItemToArray(arr, render(g));
            last = g->seq;
            n++;
        } else {
            more = 1;
        }
    }
    pthread_mutex_unlock(&s->store.mu);
    tok[0] = '\0';
    if (more)
        emu_token_encode(last, tok);
    return total;
}

int emu_op_describe_groups(emu_req *r, cJSON *out, emu_err *e)
{
    emu_server *s = r->s;
    if (emu_check_region(r, 1, e))
        return -1;
    emu_filter f;
    if (emu_filter_parse(r->p, &f, 1, e))
        return -1;
    long limit;
    uint64_t after;
    if (parse_paging(r->p, 20, 20, &limit, &after, e)) {
        emu_filter_free(&f);
        return -1;
    }
    cJSON *arr = cJSON_CreateArray();
    char tok[40];
    long total = page_groups(s, &f, r->now, after, limit, emu_render_group, arr, tok);
    emu_filter_free(&f);
    cJSON_AddNumberToObject(out, "TotalCount", (double)total);
    cJSON_AddStringToObject(out, "NextToken", tok);
    cJSON_AddItemToObject(out, "ContainerGroups", arr);
    return 0;
}

int emu_op_describe_status(emu_req *r, cJSON *out, emu_err *e)
{
    emu_server *s = r->s;
    if (emu_check_region(r, 1, e))
        return -1;
    emu_filter f;
    if (emu_filter_parse(r->p, &f, 0, e))
        return -1;
    long since = 0, limit;
    uint64_t after;
    if (emu_get_long(r->p, "SinceSecond", 1, 86400L * 30, &since, e) < 0 ||
        parse_paging(r->p, 200, 200, &limit, &after, e)) {
        emu_filter_free(&f);
        return -1;
    }
    f.since = (double)since;
    cJSON *arr = cJSON_CreateArray();
    char tok[40];
    long total = page_groups(s, &f, r->now, after, limit, emu_render_status, arr, tok);
    emu_filter_free(&f);
    cJSON_AddStringToObject(out, "NextToken", tok);
    cJSON_AddNumberToObject(out, "TotalCount", (double)total);
    cJSON_AddItemToObject(out, "Data", arr);
    return 0;
}

/* The all-lower-case form captured from OpenAPI Explorer (extra 3.4). */
static cJSON *render_event_lower(const emu_group *g, const emu_event *ev, const char *ns)
{
    cJSON *o = cJSON_CreateObject();
    char ts[32];
    cJSON_AddNumberToObject(o, "count", ev->count);
    emu_fmt_time(ev->first, ts, sizeof ts);
    cJSON_AddStringToObject(o, "firstTimestamp", ts);
    emu_fmt_time(ev->last, ts, sizeof ts);
    cJSON_AddStringToObject(o, "lastTimestamp", ts);
    cJSON *io = cJSON_AddObjectToObject(o, "involvedObject");
    cJSON_AddStringToObject(io, "apiVersion", "v1");
    cJSON_AddStringToObject(io, "kind", "Pod");
    cJSON_AddStringToObject(io, "name", g->spec->name);
    cJSON_AddStringToObject(io, "namespace", ns);
    cJSON_AddStringToObject(io, "uid", g->id);
    cJSON *md = cJSON_AddObjectToObject(o, "metadata");
    char name[200];
    snprintf(name, sizeof name, "%s.%s", g->spec->name, ev->uid);
    cJSON_AddStringToObject(md, "name", name);
    cJSON_AddStringToObject(md, "namespace", ns);
    cJSON_AddStringToObject(o, "message", ev->message);
    cJSON_AddStringToObject(o, "reason", ev->reason);
    cJSON *src = cJSON_AddObjectToObject(o, "source");
    cJSON_AddStringToObject(src, "component", strcmp(ev->source, "K8sAgent") == 0 ? "kubelet" : "EciService");
    cJSON_AddStringToObject(o, "type", ev->type);
    return o;
}

static cJSON *render_event_k8s(const emu_group *g, const emu_event *ev, const char *ns)
{
    cJSON *o = cJSON_CreateObject();
    char ts[32];
    cJSON_AddStringToObject(o, "Type", ev->type);
    cJSON_AddStringToObject(o, "Reason", ev->reason);
    cJSON_AddStringToObject(o, "Message", ev->message);
    cJSON_AddNumberToObject(o, "Count", ev->count);
    emu_fmt_time(ev->first, ts, sizeof ts);
    cJSON_AddStringToObject(o, "FirstTimestamp", ts);
    emu_fmt_time(ev->last, ts, sizeof ts);
    cJSON_AddStringToObject(o, "LastTimestamp", ts);
    int agent = strcmp(ev->source, "K8sAgent") == 0;
    cJSON_AddStringToObject(o, "ReportingComponent", agent ? "kubelet" : "eci");
    cJSON_AddStringToObject(o, "ReportingInstance", g->id);
    cJSON *src = cJSON_AddObjectToObject(o, "Source");
    cJSON_AddStringToObject(src, "Component", agent ? "kubelet" : "EciService");
    cJSON_AddStringToObject(src, "Host", "eci");
    cJSON *io = cJSON_AddObjectToObject(o, "involvedObject");
    cJSON_AddStringToObject(io, "ApiVersion", "v1");
    cJSON_AddStringToObject(io, "Kind", "Pod");
    cJSON_AddStringToObject(io, "Name", g->spec->name);
    cJSON_AddStringToObject(io, "Namespace", ns);
    cJSON_AddStringToObject(io, "Uid", g->id);
    cJSON *md = cJSON_AddObjectToObject(o, "Metadata");
    char name[200];
    snprintf(name, sizeof name, "%s.%s", g->spec->name, ev->uid);
    cJSON_AddStringToObject(md, "Name", name);
    cJSON_AddStringToObject(md, "Namespace", ns);
    return o;
}

int emu_op_describe_events(emu_req *r, cJSON *out, emu_err *e)
{
    emu_server *s = r->s;
    if (emu_check_region(r, 1, e))
        return -1;
    const char *src = emu_get(r->p, "EventSource");
    if (src && strcmp(src, "EciService") != 0 && strcmp(src, "K8sAgent") != 0)
        return emu_invalid(e, "EventSource", "must be EciService or K8sAgent");
    emu_filter f;
    if (emu_filter_parse(r->p, &f, 0, e))
        return -1;
    long since = 0, limit;
    uint64_t after;
    if (emu_get_long(r->p, "SinceSecond", 1, 86400L * 30, &since, e) < 0 ||
        parse_paging(r->p, 200, 200, &limit, &after, e)) {
        emu_filter_free(&f);
        return -1;
    }
    cJSON *arr = cJSON_CreateArray();
    long n = 0, events = 0;
    pthread_mutex_lock(&s->store.mu);
    for (emu_group *g = s->store.groups; g && n < limit; g = g->next) {
        if (g->seq <= after || !emu_filter_match(&f, g, r->now))
            continue;
        cJSON *evs = cJSON_CreateArray();
        cJSON *item = emu_render_status(g); /* for Name/Namespace/uuid */
        const char *ns = cJSON_GetObjectItem(item, "Namespace")->valuestring;
        long cnt = 0;
        for (size_t i = 0; i < g->nevents; i++) {
            const emu_event *ev = &g->events[i];
            if (since > 0 && (double)ev->last < r->now - (double)since - 1)
                continue;
            if (src && strcmp(src, ev->source) != 0)
                continue;
            cJSON_AddItemToArray(evs, s->opt.lowercase_events ? render_event_lower(g, ev, ns)
                                                              : render_event_k8s(g, ev, ns));
            cnt++;
        }
        if (cnt == 0) {
            cJSON_Delete(evs);
            cJSON_Delete(item);
            continue;
        }
        cJSON *d = cJSON_CreateObject();
        cJSON_AddStringToObject(d, "ContainerGroupId", g->id);
        cJSON_AddStringToObject(d, "Name", g->spec->name);
        cJSON_AddStringToObject(d, "Namespace", ns);
        cJSON_AddStringToObject(d, "uuid", g->uuid);
        cJSON_AddStringToObject(d, "Annotations", "{}");
        cJSON_AddItemToObject(d, "Events", evs);
        cJSON_AddItemToArray(arr, d);
        cJSON_Delete(item);
        events += cnt;
        n++;
    }
    pthread_mutex_unlock(&s->store.mu);
    emu_filter_free(&f);
    cJSON_AddNumberToObject(out, "TotalCount", (double)events);
    cJSON_AddItemToObject(out, "Data", arr);
    return 0;
}
