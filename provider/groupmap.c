#include "provider/groupmap.h"
#include "util/htab.h"
#include "util/xmalloc.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

/* Each entry is its own allocation, linked into two util/htab tables: by pod
 * uid (every entry) and by group id (entries that have one). The tables are
 * intrusive, so an item carries a next pointer and a key pointer per table. */
typedef struct gm_item {
    prov_gm_entry e;
    struct gm_item *next_uid, *next_group;
    char *key_uid, *key_group; /* point into e */
} gm_item;

struct prov_gm {
    pthread_mutex_t mu;
    htab by_uid, by_group;
};

prov_gm *prov_gm_new(void)
{
    prov_gm *m = xcalloc(1, sizeof *m);
    pthread_mutex_init(&m->mu, NULL);
    htab_init(&m->by_uid, 64, offsetof(gm_item, next_uid), offsetof(gm_item, key_uid));
    htab_init(&m->by_group, 64, offsetof(gm_item, next_group), offsetof(gm_item, key_group));
    return m;
}

static int drop_item(void *item, void *ud)
{
    (void)ud;
    free(item);
    return 0;
}

void prov_gm_free(prov_gm *m)
{
    if (!m)
        return;
    htab_fini(&m->by_group);
    htab_filter(&m->by_uid, drop_item, NULL);
    htab_fini(&m->by_uid);
    pthread_mutex_destroy(&m->mu);
    free(m);
}

static gm_item *find_uid(prov_gm *m, const char *uid) { return htab_get(&m->by_uid, uid); }

static gm_item *find_group(prov_gm *m, const char *gid) { return gid[0] ? htab_get(&m->by_group, gid) : NULL; }

void prov_gm_put(prov_gm *m, const prov_gm_entry *e)
{
    pthread_mutex_lock(&m->mu);
    gm_item *it = find_uid(m, e->uid);
    if (it) {
        /* Its group key changes below: unlink it first (if it is the one indexed). */
        if (it->e.group_id[0] && htab_get(&m->by_group, it->e.group_id) == it)
            htab_del(&m->by_group, it->e.group_id);
    } else {
        it = xcalloc(1, sizeof *it);
        it->e = *e;
        it->key_uid = it->e.uid;
        it->key_group = it->e.group_id;
        htab_put(&m->by_uid, it);
    }
    it->e = *e;
    /* One entry per group id in the reverse index: the newest put of an id wins. */
    if (it->e.group_id[0]) {
        htab_del(&m->by_group, it->e.group_id);
        htab_put(&m->by_group, it);
    }
    pthread_mutex_unlock(&m->mu);
}

int prov_gm_get(prov_gm *m, const char *uid, prov_gm_entry *out)
{
    pthread_mutex_lock(&m->mu);
    gm_item *it = find_uid(m, uid);
    if (it && out)
        *out = it->e;
    pthread_mutex_unlock(&m->mu);
    return it ? 0 : -1;
}

int prov_gm_get_by_group(prov_gm *m, const char *group_id, prov_gm_entry *out)
{
    pthread_mutex_lock(&m->mu);
    gm_item *it = find_group(m, group_id);
    if (it && out)
        *out = it->e;
    pthread_mutex_unlock(&m->mu);
    return it ? 0 : -1;
}

int prov_gm_del(prov_gm *m, const char *uid)
{
    pthread_mutex_lock(&m->mu);
    gm_item *it = htab_del(&m->by_uid, uid);
    if (it && it->e.group_id[0] && htab_get(&m->by_group, it->e.group_id) == it)
        htab_del(&m->by_group, it->e.group_id);
    pthread_mutex_unlock(&m->mu);
    free(it);
    return it ? 0 : -1;
}

int prov_gm_set_status(prov_gm *m, const char *uid, const char *eci_status, uint64_t status_sig)
{
    pthread_mutex_lock(&m->mu);
    gm_item *it = find_uid(m, uid);
    if (it) {
        if (eci_status)
            snprintf(it->e.eci_status, sizeof it->e.eci_status, "%s", eci_status);
        it->e.status_sig = status_sig;
    }
    pthread_mutex_unlock(&m->mu);
    return it ? 0 : -1;
}

int prov_gm_set_deleting(prov_gm *m, const char *uid, int deleting)
{
    pthread_mutex_lock(&m->mu);
    gm_item *it = find_uid(m, uid);
    if (it)
        it->e.deleting = deleting;
    pthread_mutex_unlock(&m->mu);
    return it ? 0 : -1;
}

int prov_gm_set_stopped(prov_gm *m, const char *uid)
{
    pthread_mutex_lock(&m->mu);
    gm_item *it = find_uid(m, uid);
    if (it)
        it->e.stopped = 1;
    pthread_mutex_unlock(&m->mu);
    return it ? 0 : -1;
}

size_t prov_gm_count(prov_gm *m)
{
    pthread_mutex_lock(&m->mu);
    size_t n = m->by_uid.n;
    pthread_mutex_unlock(&m->mu);
    return n;
}

prov_gm_entry *prov_gm_list(prov_gm *m, size_t *n)
{
    pthread_mutex_lock(&m->mu);
    prov_gm_entry *out = xmalloc((m->by_uid.n ? m->by_uid.n : 1) * sizeof *out);
    size_t k = 0;
    for (size_t i = 0; i < m->by_uid.nb; i++)
        for (gm_item *it = m->by_uid.b[i]; it; it = it->next_uid)
            out[k++] = it->e;
    *n = k;
    pthread_mutex_unlock(&m->mu);
    return out;
}

int prov_gm_any(prov_gm *m, int (*pred)(const prov_gm_entry *e, void *arg), void *arg)
{
    pthread_mutex_lock(&m->mu);
    int found = 0;
    for (size_t i = 0; i < m->by_uid.nb && !found; i++)
        for (gm_item *it = m->by_uid.b[i]; it && !found; it = it->next_uid)
            found = pred(&it->e, arg) != 0;
    pthread_mutex_unlock(&m->mu);
    return found;
}
