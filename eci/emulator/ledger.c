/* The call ledger: counts per action and result code, and every
 * CreateContainerGroup call (ClientToken, group id, result) so tests can
 * prove "one group per pod". */
#include "eci/emulator/emu.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/xmalloc.h"

#define MAX_CREATES 100000

void emu_ledger_init(emu_ledger *l)
{
    memset(l, 0, sizeof *l);
    pthread_mutex_init(&l->mu, NULL);
}

void emu_ledger_destroy(emu_ledger *l)
{
    kv_free(&l->counts);
    free(l->creates);
    pthread_mutex_destroy(&l->mu);
}

void emu_ledger_record(emu_ledger *l, const char *action, const char *code)
{
    char key[160];
    snprintf(key, sizeof key, "%s %s", action && *action ? action : "-", code);
    pthread_mutex_lock(&l->mu);
    const char *v = kv_get(&l->counts, key);
    char num[32];
    snprintf(num, sizeof num, "%lu", (v ? strtoul(v, NULL, 10) : 0) + 1);
    kv_set(&l->counts, key, num);
    l->total++;
    pthread_mutex_unlock(&l->mu);
}

void emu_ledger_record_create(emu_ledger *l, const char *token, const char *group_id, const char *code,
                              const char *request_id)
{
    pthread_mutex_lock(&l->mu);
    if (l->ncreates < MAX_CREATES) {
        if (l->ncreates == l->acreates) {
            l->acreates = l->acreates ? l->acreates * 2 : 64;
            l->creates = xrealloc(l->creates, l->acreates * sizeof *l->creates);
        }
        emu_ledger_create *c = &l->creates[l->ncreates++];
        memset(c, 0, sizeof *c);
        snprintf(c->client_token, sizeof c->client_token, "%s", token ? token : "");
        snprintf(c->group_id, sizeof c->group_id, "%s", group_id ? group_id : "");
        snprintf(c->code, sizeof c->code, "%s", code);
        snprintf(c->request_id, sizeof c->request_id, "%s", request_id);
        c->at_s = emu_now();
        c->at = (time_t)c->at_s;
    }
    pthread_mutex_unlock(&l->mu);
}

void emu_ledger_reset(emu_ledger *l)
{
    pthread_mutex_lock(&l->mu);
    kv_free(&l->counts);
    l->ncreates = 0;
    l->total = 0;
    pthread_mutex_unlock(&l->mu);
}

cJSON *emu_ledger_json(emu_ledger *l)
{
    cJSON *o = cJSON_CreateObject();
    pthread_mutex_lock(&l->mu);
    cJSON_AddNumberToObject(o, "total", (double)l->total);
    cJSON *calls = cJSON_AddObjectToObject(o, "calls");
    for (size_t i = 0; i < l->counts.n; i++) {
        const char *k = l->counts.items[i].key;
        const char *sp = strchr(k, ' ');
        char action[128];
        snprintf(action, sizeof action, "%.*s", (int)(sp - k), k);
        cJSON *a = cJSON_GetObjectItemCaseSensitive(calls, action);
        if (!a)
            a = cJSON_AddObjectToObject(calls, action);
        cJSON_AddNumberToObject(a, sp + 1, (double)strtoul(l->counts.items[i].val, NULL, 10));
    }
    cJSON *cr = cJSON_AddArrayToObject(o, "creates");
    size_t ok = 0;
    for (size_t i = 0; i < l->ncreates; i++) {
        const emu_ledger_create *c = &l->creates[i];
        cJSON *x = cJSON_CreateObject();
        cJSON_AddStringToObject(x, "ClientToken", c->client_token);
        cJSON_AddStringToObject(x, "ContainerGroupId", c->group_id);
        cJSON_AddStringToObject(x, "Code", c->code);
        cJSON_AddStringToObject(x, "RequestId", c->request_id);
        char ts[32];
        emu_fmt_time(c->at, ts, sizeof ts);
        cJSON_AddStringToObject(x, "Time", ts);
        cJSON_AddNumberToObject(x, "TimeMs", (double)(long long)(c->at_s * 1000.0));
        cJSON_AddItemToArray(cr, x);
        if (strcmp(c->code, "OK") == 0)
            ok++;
    }
    /* distinct group ids created by successful calls */
    size_t distinct = 0;
    for (size_t i = 0; i < l->ncreates; i++) {
        if (strcmp(l->creates[i].code, "OK") != 0 || !l->creates[i].group_id[0])
            continue;
        int seen = 0;
        for (size_t j = 0; j < i && !seen; j++)
            seen = strcmp(l->creates[j].code, "OK") == 0 &&
                   strcmp(l->creates[j].group_id, l->creates[i].group_id) == 0;
        distinct += !seen;
    }
    cJSON_AddNumberToObject(o, "creates_ok", (double)ok);
    cJSON_AddNumberToObject(o, "groups_created", (double)distinct);
    pthread_mutex_unlock(&l->mu);
    return o;
}
