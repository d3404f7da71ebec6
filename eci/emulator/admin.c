/* The admin endpoint (JSON, unauthenticated, loopback peers only):
 * ledger, fault injection, groups (list, inspect, force Failed, vanish),
 * unreachable switch, reset. Routes are listed in docs/emulator.md. */
#include "eci/emulator/emu.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/xmalloc.h"

static void reply(emu_http_resp *resp, int status, cJSON *o)
{
    resp->status = status;
    resp->content_type = "application/json";
    char *t = cJSON_PrintUnformatted(o);
    dynbuf_reset(&resp->body);
    dynbuf_adds(&resp->body, t);
    free(t);
    cJSON_Delete(o);
}

static void reply_msg(emu_http_resp *resp, int status, const char *key, const char *msg)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, key, msg);
    reply(resp, status, o);
}

static cJSON *group_summary(const emu_group *g)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "ContainerGroupId", g->id);
    cJSON_AddStringToObject(o, "ContainerGroupName", g->spec->name);
    cJSON_AddStringToObject(o, "Status", g->status);
    cJSON_AddStringToObject(o, "IntranetIp", g->ip);
    cJSON_AddStringToObject(o, "ClientToken", g->client_token);
    char ts[32];
    emu_fmt_time(g->created, ts, sizeof ts);
    cJSON_AddStringToObject(o, "CreationTime", ts);
    if (g->running_at > 0)
        cJSON_AddNumberToObject(o, "RunningAtMs", (double)(long long)(g->running_at * 1000.0));
    cJSON *tags = cJSON_AddObjectToObject(o, "Tags");
    for (size_t i = 0; i < g->spec->tags.n; i++)
        cJSON_AddStringToObject(tags, g->spec->tags.items[i].key, g->spec->tags.items[i].val);
    cJSON_AddNumberToObject(o, "Events", (double)g->nevents);
    return o;
}

static int apply_faults(emu_server *s, const cJSON *j, char *err, size_t errlen)
{
    const cJSON *v;
    if (cJSON_IsTrue(cJSON_GetObjectItem(j, "clear")))
        emu_faults_clear(&s->faults);
    v = cJSON_GetObjectItem(j, "rules");
    const cJSON *it;
    if (v && !cJSON_IsArray(v)) {
        snprintf(err, errlen, "rules must be an array");
        return -1;
    }
    cJSON_ArrayForEach(it, v) {
        char spec[256];
        if (cJSON_IsString(it)) {
            snprintf(spec, sizeof spec, "%s", it->valuestring);
        } else if (cJSON_IsObject(it)) {
            const cJSON *a = cJSON_GetObjectItem(it, "action"), *c = cJSON_GetObjectItem(it, "code");
            const cJSON *r = cJSON_GetObjectItem(it, "rate"), *n = cJSON_GetObjectItem(it, "count");
            if (!cJSON_IsString(a) || !cJSON_IsString(c) || (!cJSON_IsNumber(r) && !cJSON_IsNumber(n))) {
                snprintf(err, errlen, "a rule needs action, code and rate (or count)");
                return -1;
            }
            if (cJSON_IsNumber(n))
                snprintf(spec, sizeof spec, "%s:%s:x%ld", a->valuestring, c->valuestring, (long)n->valuedouble);
            else
                snprintf(spec, sizeof spec, "%s:%s:%g", a->valuestring, c->valuestring, r->valuedouble);
        } else {
            snprintf(err, errlen, "a rule is a string ACTION:CODE:RATE or an object");
            return -1;
        }
        if (emu_faults_add_rule(&s->faults, spec, err, errlen))
            return -1;
    }
    v = cJSON_GetObjectItem(j, "qps");
    if (v && cJSON_IsArray(v)) {
        cJSON_ArrayForEach(it, v) {
            if (!cJSON_IsString(it) || emu_faults_add_qps(&s->faults, it->valuestring, err, errlen)) {
                if (!err[0])
                    snprintf(err, errlen, "qps items are strings ACTION:N");
                return -1;
            }
        }
    } else if (v && cJSON_IsObject(v)) {
        cJSON_ArrayForEach(it, v) {
            if (!cJSON_IsNumber(it) || it->valuedouble <= 0) {
                snprintf(err, errlen, "qps values are positive numbers");
                return -1;
            }
            emu_faults_set_limit(&s->faults, it->string, it->valuedouble < 1 ? 1 : it->valuedouble,
                                 it->valuedouble);
        }
    }
    v = cJSON_GetObjectItem(j, "latency_ms");
    if (cJSON_IsNumber(v))
        emu_faults_set_latency(&s->faults, (int)v->valuedouble);
    v = cJSON_GetObjectItem(j, "unreachable_seconds");
    if (cJSON_IsNumber(v))
        emu_faults_set_unreachable(&s->faults, v->valuedouble);
    return 0;
}

static void reset_all(emu_server *s)
{
    char (*ids)[32] = NULL;
    size_t n = 0;
    pthread_mutex_lock(&s->store.mu);
    ids = xcalloc(s->store.ngroups + 1, sizeof *ids);
    for (emu_group *g = s->store.groups; g; g = g->next)
        if (g->rt_started || g->rt_busy)
            snprintf(ids[n++], 32, "%s", g->id);
    while (s->store.groups)
        emu_store_remove(&s->store, s->store.groups->id);
    s->quota_cpu = s->opt.quota_cpu > 0 ? s->opt.quota_cpu : 1000;
    emu_store_tokens_clear(&s->store);
    for (emu_image_cache *c = s->store.caches, *nx; c; c = nx) {
        nx = c->next;
        emu_image_cache_free(c);
    }
    s->store.caches = NULL;
    pthread_mutex_unlock(&s->store.mu);
    for (size_t i = 0; i < n; i++)
        emu_lifecycle_stop_group(s, ids[i], 0);
    free(ids);
    emu_ledger_reset(&s->ledger);
    emu_faults_clear(&s->faults);
}

void emu_admin_handle(emu_server *s, const emu_http_req *req, emu_http_resp *resp)
{
    if (!req->loopback) {
        reply_msg(resp, 403, "error", "the admin endpoint answers loopback clients only");
        return;
    }
    const char *path = req->path + 10; /* after "/_emulator" */
    const char *m = req->method;
    int get = strcmp(m, "GET") == 0, post = strcmp(m, "POST") == 0, del = strcmp(m, "DELETE") == 0;
    cJSON *body = NULL;
    if (req->body && req->body_len)
        body = cJSON_ParseWithLength(req->body, req->body_len);

    if ((strcmp(path, "/health") == 0 || strcmp(path, "") == 0 || strcmp(path, "/") == 0) && get) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddBoolToObject(o, "ok", 1);
        cJSON_AddStringToObject(o, "region", s->region);
        cJSON_AddStringToObject(o, "url", s->url);
        reply(resp, 200, o);
    } else if (strcmp(path, "/ledger") == 0 && get) {
        reply(resp, 200, emu_ledger_json(&s->ledger));
    } else if (strcmp(path, "/reset-ledger") == 0 && post) {
        emu_ledger_reset(&s->ledger);
        reply_msg(resp, 200, "result", "ledger cleared");
    } else if (strcmp(path, "/reset") == 0 && post) {
        reset_all(s);
        reply_msg(resp, 200, "result", "groups, tokens, image caches, ledger and faults cleared");
    } else if (strcmp(path, "/faults") == 0 && get) {
        reply(resp, 200, emu_faults_json(&s->faults));
    } else if (strcmp(path, "/faults") == 0 && del) {
        emu_faults_clear(&s->faults);
        reply(resp, 200, emu_faults_json(&s->faults));
    } else if (strcmp(path, "/faults") == 0 && post) {
        char err[256] = "";
        if (!body || !cJSON_IsObject(body))
            reply_msg(resp, 400, "error", "expected a JSON object");
        else if (apply_faults(s, body, err, sizeof err))
            reply_msg(resp, 400, "error", err);
        else
            reply(resp, 200, emu_faults_json(&s->faults));
    } else if (strcmp(path, "/unreachable") == 0 && post) {
        const cJSON *v = body ? cJSON_GetObjectItem(body, "seconds") : NULL;
        if (!cJSON_IsNumber(v)) {
            reply_msg(resp, 400, "error", "expected {\"seconds\": N}");
        } else {
            emu_faults_set_unreachable(&s->faults, v->valuedouble);
            reply(resp, 200, emu_faults_json(&s->faults));
        }
    } else if (strcmp(path, "/quota") == 0 && (get || post)) {
        /* The account's quota ListUsage reports (MaxCpu). */
        const cJSON *v = body ? cJSON_GetObjectItem(body, "MaxCpu") : NULL;
        if (post && (!cJSON_IsNumber(v) || v->valuedouble <= 0 || v->valuedouble > 1e6)) {
            reply_msg(resp, 400, "error", "expected {\"MaxCpu\": N} with 0 < N <= 1000000");
        } else {
            pthread_mutex_lock(&s->store.mu);
            if (post)
                s->quota_cpu = v->valuedouble;
            cJSON *o = cJSON_CreateObject();
            cJSON_AddNumberToObject(o, "MaxCpu", s->quota_cpu);
            pthread_mutex_unlock(&s->store.mu);
            reply(resp, 200, o);
        }
    } else if (strcmp(path, "/params") == 0 && get) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddItemToObject(o, "params", emu_params_json());
        reply(resp, 200, o);
    } else if (strcmp(path, "/groups") == 0 && get) {
        cJSON *o = cJSON_CreateObject();
        cJSON *a = cJSON_AddArrayToObject(o, "groups");
        pthread_mutex_lock(&s->store.mu);
        for (emu_group *g = s->store.groups; g; g = g->next)
            cJSON_AddItemToArray(a, group_summary(g));
        cJSON_AddNumberToObject(o, "count", (double)s->store.ngroups);
        pthread_mutex_unlock(&s->store.mu);
        reply(resp, 200, o);
    } else if (strncmp(path, "/groups/", 8) == 0) {
        char id[64];
        const char *rest = path + 8;
        size_t n = strcspn(rest, "/");
        snprintf(id, sizeof id, "%.*s", (int)(n < 63 ? n : 63), rest);
        const char *sub = rest + n;
        pthread_mutex_lock(&s->store.mu);
        emu_group *g = emu_store_find(&s->store, id);
        if (!g) {
            pthread_mutex_unlock(&s->store.mu);
            reply_msg(resp, 404, "error", "no such container group");
        } else if (*sub == 0 && get) {
            cJSON *o = emu_render_group_full(g);
            cJSON_AddItemToObject(o, "Summary", group_summary(g));
            pthread_mutex_unlock(&s->store.mu);
            reply(resp, 200, o);
        } else if (*sub == 0 && del) {
            int started = g->rt_started || g->rt_busy;
            emu_store_remove(&s->store, id);
            pthread_mutex_unlock(&s->store.mu);
            if (started)
                emu_lifecycle_stop_group(s, id, 0);
            reply_msg(resp, 200, "result", "container group vanished");
        } else if (strcmp(sub, "/reclaim") == 0 && post) {
            /* A spot reclaim: the Warning event SpotToBeReleased now; the
             * release itself is the caller's DELETE of the group. */
            const cJSON *sec = body ? cJSON_GetObjectItem(body, "seconds") : NULL;
            int secs = cJSON_IsNumber(sec) && sec->valuedouble >= 0 ? (int)sec->valuedouble : 300;
            char msg[160];
            snprintf(msg, sizeof msg, "Spot instance %s will be released in %d seconds.", g->id, secs);
            emu_group_event(g, &s->rng, "Warning", "SpotToBeReleased", NULL, msg, (time_t)emu_now());
            pthread_mutex_unlock(&s->store.mu);
            reply_msg(resp, 200, "result", "reclaim announced");
        } else if (strcmp(sub, "/fail") == 0 && post) {
            const cJSON *rs = body ? cJSON_GetObjectItem(body, "reason") : NULL;
            const cJSON *ms = body ? cJSON_GetObjectItem(body, "message") : NULL;
            double now = emu_now();
            emu_group_event(g, &s->rng, "Warning", cJSON_IsString(rs) ? rs->valuestring : "InstanceFailed", NULL,
                            cJSON_IsString(ms) ? ms->valuestring : "The instance failed.", (time_t)now);
            emu_group_set_status(g, "Failed", now);
            g->forced_failed = 1;
            int started = g->rt_started || g->rt_busy;
            g->rt_started = 0;
            pthread_mutex_unlock(&s->store.mu);
            if (started)
                emu_lifecycle_stop_group(s, id, 0);
            reply_msg(resp, 200, "result", "container group failed");
        } else {
            pthread_mutex_unlock(&s->store.mu);
            reply_msg(resp, 405, "error", "method not allowed");
        }
    } else {
        reply_msg(resp, 404, "error", "no such admin route");
    }
    cJSON_Delete(body);
}
