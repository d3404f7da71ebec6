#include "provider/groupmap.h"
#include "util/hash.h"
#include "util/xmalloc.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

/* Entries live in one array; two open-addressing indexes map uid and group id
 * to array slots. Deletion swaps the last entry into the hole and rebuilds the
 * indexes lazily (sizes here are thousands, rebuilds are rare and cheap). */
struct prov_gm {
    pthread_mutex_t mu;
    prov_gm_entry *items;
    size_t n, cap;
    long *by_uid, *by_group; /* slot -> item index, -1 empty */
    size_t nslots;
};

static void reindex(prov_gm *m)
{
    size_t want = 64;
    while (want < m->n * 2 + 16)
        want *= 2;
    if (want != m->nslots) {
        free(m->by_uid);
        free(m->by_group);
        m->by_uid = xmalloc(want * sizeof(long));
        m->by_group = xmalloc(want * sizeof(long));
        m->nslots = want;
    }
    for (size_t i = 0; i < m->nslots; i++)
        m->by_uid[i] = m->by_group[i] = -1;
    for (size_t i = 0; i < m->n; i++) {
        size_t s = hash_fnv1a(m->items[i].uid) & (m->nslots - 1);
        while (m->by_uid[s] >= 0)
            s = (s + 1) & (m->nslots - 1);
        m->by_uid[s] = (long)i;
        if (m->items[i].group_id[0]) {
            s = hash_fnv1a(m->items[i].group_id) & (m->nslots - 1);
            while (m->by_group[s] >= 0)
                s = (s + 1) & (m->nslots - 1);
            m->by_group[s] = (long)i;
        }
    }
}

static long find_uid(prov_gm *m, const char *uid)
{
    if (!m->nslots)
        return -1;
    size_t s = hash_fnv1a(uid) & (m->nslots - 1);
    while (m->by_uid[s] >= 0) {
        if (strcmp(m->items[m->by_uid[s]].uid, uid) == 0)
            return m->by_uid[s];
        s = (s + 1) & (m->nslots - 1);
    }
    return -1;
}

static long find_group(prov_gm *m, const char *gid)
{
    if (!m->nslots || !gid[0])
        return -1;
    size_t s = hash_fnv1a(gid) & (m->nslots - 1);
    while (m->by_group[s] >= 0) {
        if (strcmp(m->items[m->by_group[s]].group_id, gid) == 0)
            return m->by_group[s];
        s = (s + 1) & (m->nslots - 1);
    }
    return -1;
}

prov_gm *prov_gm_new(void)
{
    prov_gm *m = xcalloc(1, sizeof *m);
    pthread_mutex_init(&m->mu, NULL);
    reindex(m);
    return m;
}

void prov_gm_free(prov_gm *m)
{
    if (!m)
        return;
    free(m->items);
    free(m->by_uid);
    free(m->by_group);
    pthread_mutex_destroy(&m->mu);
    free(m);
}

void prov_gm_put(prov_gm *m, const prov_gm_entry *e)
{
    pthread_mutex_lock(&m->mu);
    long i = find_uid(m, e->uid);
    if (i >= 0) {
        int same_group = strcmp(m->items[i].group_id, e->group_id) == 0;
        m->items[i] = *e;
        if (!same_group)
            reindex(m);
    } else {
        if (m->n == m->cap) {
            m->cap = m->cap ? m->cap * 2 : 64;
            m->items = xrealloc(m->items, m->cap * sizeof *m->items);
        }
        m->items[m->n++] = *e;
        if (m->n * 2 + 16 > m->nslots) {
            reindex(m);
        } else {
            long idx = (long)m->n - 1;
            size_t s = hash_fnv1a(e->uid) & (m->nslots - 1);
            while (m->by_uid[s] >= 0)
                s = (s + 1) & (m->nslots - 1);
            m->by_uid[s] = idx;
            if (e->group_id[0]) {
                s = hash_fnv1a(e->group_id) & (m->nslots - 1);
                while (m->by_group[s] >= 0)
                    s = (s + 1) & (m->nslots - 1);
                m->by_group[s] = idx;
            }
        }
    }
    pthread_mutex_unlock(&m->mu);
}

int prov_gm_get(prov_gm *m, const char *uid, prov_gm_entry *out)
{
    pthread_mutex_lock(&m->mu);
    long i = find_uid(m, uid);
    if (i >= 0 && out)
        *out = m->items[i];
    pthread_mutex_unlock(&m->mu);
    return i >= 0 ? 0 : -1;
}

int prov_gm_get_by_group(prov_gm *m, const char *group_id, prov_gm_entry *out)
{
    pthread_mutex_lock(&m->mu);
    long i = find_group(m, group_id);
    if (i >= 0 && out)
        *out = m->items[i];
    pthread_mutex_unlock(&m->mu);
    return i >= 0 ? 0 : -1;
}

int prov_gm_del(prov_gm *m, const char *uid)
{
    pthread_mutex_lock(&m->mu);
    long i = find_uid(m, uid);
    if (i >= 0) {
        m->items[i] = m->items[--m->n];
        reindex(m);
    }
    pthread_mutex_unlock(&m->mu);
    return i >= 0 ? 0 : -1;
}

int prov_gm_set_status(prov_gm *m, const char *uid, const char *eci_status, uint64_t status_sig)
{
    pthread_mutex_lock(&m->mu);
    long i = find_uid(m, uid);
    if (i >= 0) {
        if (eci_status)
            snprintf(m->items[i].eci_status, sizeof m->items[i].eci_status, "%s", eci_status);
        m->items[i].status_sig = status_sig;
    }
    pthread_mutex_unlock(&m->mu);
    return i >= 0 ? 0 : -1;
}

int prov_gm_set_deleting(prov_gm *m, const char *uid, int deleting)
{
    pthread_mutex_lock(&m->mu);
    long i = find_uid(m, uid);
    if (i >= 0)
        m->items[i].deleting = deleting;
    pthread_mutex_unlock(&m->mu);
    return i >= 0 ? 0 : -1;
}

size_t prov_gm_count(prov_gm *m)
{
    pthread_mutex_lock(&m->mu);
    size_t n = m->n;
    pthread_mutex_unlock(&m->mu);
    return n;
}

prov_gm_entry *prov_gm_list(prov_gm *m, size_t *n)
{
    pthread_mutex_lock(&m->mu);
    prov_gm_entry *out = xmalloc((m->n ? m->n : 1) * sizeof *out);
    if (m->n)
        memcpy(out, m->items, m->n * sizeof *out);
    *n = m->n;
    pthread_mutex_unlock(&m->mu);
    return out;
}

int prov_gm_any(prov_gm *m, int (*pred)(const prov_gm_entry *e, void *arg), void *arg)
{
    pthread_mutex_lock(&m->mu);
    int found = 0;
    for (size_t i = 0; i < m->n && !found; i++)
        found = pred(&m->items[i], arg) != 0;
    pthread_mutex_unlock(&m->mu);
    return found;
}
