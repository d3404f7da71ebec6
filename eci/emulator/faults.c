/* Fault injection: error rates per action and code, dropped connections,
 * added latency, per-action rate limits (Throttling), an "unreachable"
 * switch and scheduling failures. Deterministic for a given --seed. */
#include "eci/emulator/emu.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/clock.h"
#include "util/xmalloc.h"

void emu_faults_init(emu_faults *f, uint64_t seed)
{
    memset(f, 0, sizeof *f);
    pthread_mutex_init(&f->mu, NULL);
    emu_rng_init(&f->rng, seed ^ 0xFA17FA17FA17FA17ULL);
}

void emu_faults_destroy(emu_faults *f)
{
    free(f->rules);
    free(f->buckets);
    emu_rng_destroy(&f->rng);
    pthread_mutex_destroy(&f->mu);
}

int emu_faults_add_rule(emu_faults *f, const char *spec, char *err, size_t errlen)
{
    const char *c1 = strchr(spec, ':');
    const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    if (!c1 || !c2 || c1 == spec || c2 == c1 + 1 || !c2[1]) {
        snprintf(err, errlen, "fault \"%s\": expected ACTION:CODE:RATE", spec);
        return -1;
    }
    emu_fault_rule r;
    memset(&r, 0, sizeof r);
    if ((size_t)(c1 - spec) >= sizeof r.action || (size_t)(c2 - c1 - 1) >= sizeof r.code) {
        snprintf(err, errlen, "fault \"%s\": name too long", spec);
        return -1;
    }
    memcpy(r.action, spec, (size_t)(c1 - spec));
    memcpy(r.code, c1 + 1, (size_t)(c2 - c1 - 1));
    const char *rate = c2 + 1;
    char *end = NULL;
    errno = 0;
    if (rate[0] == 'x') {
        long n = strtol(rate + 1, &end, 10);
        if (errno || end == rate + 1 || *end || n <= 0) {
            snprintf(err, errlen, "fault \"%s\": bad count", spec);
            return -1;
        }
        r.remaining = n;
        r.rate = 1.0;
    } else {
        double d = strtod(rate, &end);
        if (errno || end == rate || *end || d < 0 || d > 1) {
            snprintf(err, errlen, "fault \"%s\": RATE must be 0..1 or xN", spec);
            return -1;
        }
        r.rate = d;
    }
    pthread_mutex_lock(&f->mu);
    f->rules = xrealloc(f->rules, (f->nrules + 1) * sizeof *f->rules);
    f->rules[f->nrules++] = r;
    pthread_mutex_unlock(&f->mu);
    return 0;
}

void emu_faults_set_limit(emu_faults *f, const char *action, double capacity, double refill_per_s)
{
    pthread_mutex_lock(&f->mu);
    emu_bucket *b = NULL;
    for (size_t i = 0; i < f->nbuckets; i++)
        if (strcmp(f->buckets[i].action, action) == 0)
            b = &f->buckets[i];
    if (!b) {
        f->buckets = xrealloc(f->buckets, (f->nbuckets + 1) * sizeof *f->buckets);
        b = &f->buckets[f->nbuckets++];
        memset(b, 0, sizeof *b);
        snprintf(b->action, sizeof b->action, "%s", action);
    }
    b->capacity = capacity;
    b->refill_per_s = refill_per_s;
    b->tokens = capacity;
    b->last_ms = clock_mono_ms();
    pthread_mutex_unlock(&f->mu);
}

int emu_faults_add_qps(emu_faults *f, const char *spec, char *err, size_t errlen)
{
    const char *c = strrchr(spec, ':');
    char action[64];
    if (!c || c == spec || (size_t)(c - spec) >= sizeof action) {
        snprintf(err, errlen, "qps \"%s\": expected ACTION:N", spec);
        return -1;
    }
    char *end = NULL;
    errno = 0;
    double n = strtod(c + 1, &end);
    if (errno || end == c + 1 || *end || n <= 0) {
        snprintf(err, errlen, "qps \"%s\": N must be a positive number", spec);
        return -1;
    }
    memcpy(action, spec, (size_t)(c - spec));
    action[c - spec] = 0;
    emu_faults_set_limit(f, action, n < 1 ? 1 : n, n);
    return 0;
}

void emu_faults_clear(emu_faults *f)
{
    pthread_mutex_lock(&f->mu);
    free(f->rules);
    f->rules = NULL;
    f->nrules = 0;
    free(f->buckets);
    f->buckets = NULL;
    f->nbuckets = 0;
    f->latency_ms = 0;
    f->unreachable_until_ms = 0;
    pthread_mutex_unlock(&f->mu);
}

static int action_match(const char *rule, const char *action)
{
    return strcmp(rule, "*") == 0 || strcmp(rule, action) == 0;
}

int emu_faults_check(emu_faults *f, const char *action, char code[80])
{
    int res = 0;
    pthread_mutex_lock(&f->mu);
    for (size_t i = 0; i < f->nrules && !res; i++) {
        emu_fault_rule *r = &f->rules[i];
        if (!action_match(r->action, action) || strcmp(r->code, "ScheduleFailed") == 0 ||
            strcmp(r->action, "Schedule") == 0)
            continue;
        if (r->remaining < 0)
            continue; /* exhausted count rule */
        if (r->remaining > 0) {
            if (--r->remaining == 0)
                r->remaining = -1;
        } else if (emu_rng_unit(&f->rng) >= r->rate) {
            continue;
        }
        if (strcmp(r->code, "drop") == 0) {
            res = 2;
        } else {
            snprintf(code, 80, "%s", r->code);
            res = 1;
        }
    }
    pthread_mutex_unlock(&f->mu);
    return res;
}

int emu_faults_throttled(emu_faults *f, const char *action)
{
    int throttled = 0;
    int64_t now = clock_mono_ms();
    pthread_mutex_lock(&f->mu);
    for (size_t i = 0; i < f->nbuckets; i++) {
        emu_bucket *b = &f->buckets[i];
        if (!action_match(b->action, action))
            continue;
        b->tokens += (double)(now - b->last_ms) / 1000.0 * b->refill_per_s;
        if (b->tokens > b->capacity)
            b->tokens = b->capacity;
        b->last_ms = now;
        if (b->tokens >= 1.0)
            b->tokens -= 1.0;
        else
            throttled = 1;
    }
    pthread_mutex_unlock(&f->mu);
    return throttled;
}

int emu_faults_schedule_fail(emu_faults *f)
{
    int fail = 0;
    pthread_mutex_lock(&f->mu);
    for (size_t i = 0; i < f->nrules && !fail; i++) {
        emu_fault_rule *r = &f->rules[i];
        if (r->remaining < 0)
            continue;
        /* "Schedule:<any code>" or "<Create|*>:ScheduleFailed" */
        int sched = strcmp(r->action, "Schedule") == 0 ||
                    (strcmp(r->code, "ScheduleFailed") == 0 && action_match(r->action, "CreateContainerGroup"));
        if (!sched)
            continue;
        if (r->remaining > 0) {
            if (--r->remaining == 0)
                r->remaining = -1;
            fail = 1;
        } else if (emu_rng_unit(&f->rng) < r->rate) {
            fail = 1;
        }
    }
    pthread_mutex_unlock(&f->mu);
    return fail;
}

int emu_faults_unreachable(emu_faults *f)
{
    pthread_mutex_lock(&f->mu);
    int r = f->unreachable_until_ms > clock_mono_ms();
    pthread_mutex_unlock(&f->mu);
    return r;
}

void emu_faults_set_unreachable(emu_faults *f, double seconds)
{
    pthread_mutex_lock(&f->mu);
    f->unreachable_until_ms = seconds > 0 ? clock_mono_ms() + (int64_t)(seconds * 1000) : 0;
    pthread_mutex_unlock(&f->mu);
}

int emu_faults_latency(emu_faults *f)
{
    pthread_mutex_lock(&f->mu);
    int ms = f->latency_ms;
    pthread_mutex_unlock(&f->mu);
    return ms;
}

void emu_faults_set_latency(emu_faults *f, int ms)
{
    pthread_mutex_lock(&f->mu);
    f->latency_ms = ms < 0 ? 0 : ms;
    pthread_mutex_unlock(&f->mu);
}

cJSON *emu_faults_json(emu_faults *f)
{
    cJSON *o = cJSON_CreateObject();
    pthread_mutex_lock(&f->mu);
    cJSON *rules = cJSON_AddArrayToObject(o, "rules");
    for (size_t i = 0; i < f->nrules; i++) {
        cJSON *r = cJSON_CreateObject();
        cJSON_AddStringToObject(r, "action", f->rules[i].action);
        cJSON_AddStringToObject(r, "code", f->rules[i].code);
        cJSON_AddNumberToObject(r, "rate", f->rules[i].rate);
        if (f->rules[i].remaining)
            cJSON_AddNumberToObject(r, "remaining", f->rules[i].remaining < 0 ? 0 : (double)f->rules[i].remaining);
        cJSON_AddItemToArray(rules, r);
    }
    cJSON *q = cJSON_AddObjectToObject(o, "limits");
    for (size_t i = 0; i < f->nbuckets; i++) {
        cJSON *b = cJSON_CreateObject();
        cJSON_AddNumberToObject(b, "burst", f->buckets[i].capacity);
        cJSON_AddNumberToObject(b, "per_second", f->buckets[i].refill_per_s);
        cJSON_AddItemToObject(q, f->buckets[i].action, b);
    }
    cJSON_AddNumberToObject(o, "latency_ms", f->latency_ms);
    int64_t left = f->unreachable_until_ms - clock_mono_ms();
    cJSON_AddNumberToObject(o, "unreachable_seconds", left > 0 ? (double)left / 1000.0 : 0);
    pthread_mutex_unlock(&f->mu);
    return o;
}
