#include "provider/groupmap.h"
#include "util/htab.h"
#include "util/xmalloc.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Each entry is its own allocation, linked into two util/htab tables: by pod
 * uid (every entry) and by group id (entries that have one). The tables are
 * intrusive, so an item carries a next pointer and a key pointer per table.
 * An item keeps its strings packed after it (a prov_gm_entry, with room for
 * the longest name, is 640 bytes; an item about 250): lookups copy out into
 * a prov_gm_entry. */
typedef struct gm_item {
    struct gm_item *next_uid, *next_group;
    char *key_uid, *key_group; /* = uid, group_id */
    char *ns, *name, *request_id;
    uint64_t status_sig;
    time_t created;
    char eci_status[sizeof ((prov_gm_entry *)0)->eci_status];
    unsigned char deleting, stopped, legacy;
    char s[]; /* uid, group_id, ns, name, request_id, each NUL-terminated */
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

/* Copy the NUL-terminated field f (at most cap bytes with the NUL) to *p,
 * returning where it starts. */
static char *pack(char **p, const char *f, size_t cap)
{
    size_t n = strnlen(f, cap - 1);
    char *at = *p;
    memcpy(at, f, n);
    at[n] = '\0';
    *p += n + 1;
    return at;
}

static gm_item *item_of(const prov_gm_entry *e)
{
    size_t n = strnlen(e->uid, sizeof e->uid - 1) + strnlen(e->group_id, sizeof e->group_id - 1) +
               strnlen(e->ns, sizeof e->ns - 1) + strnlen(e->name, sizeof e->name - 1) +
               strnlen(e->request_id, sizeof e->request_id - 1) + 5;
    gm_item *it = xcalloc(1, sizeof *it + n);
    char *p = it->s;
    it->key_uid = pack(&p, e->uid, sizeof e->uid);
    it->key_group = pack(&p, e->group_id, sizeof e->group_id);
    it->ns = pack(&p, e->ns, sizeof e->ns);
    it->name = pack(&p, e->name, sizeof e->name);
    it->request_id = pack(&p, e->request_id, sizeof e->request_id);
    memcpy(it->eci_status, e->eci_status, sizeof it->eci_status);
    it->eci_status[sizeof it->eci_status - 1] = '\0';
    it->status_sig = e->status_sig;
    it->created = e->created;
    it->deleting = e->deleting != 0;
    it->stopped = e->stopped != 0;
    it->legacy = e->legacy != 0;
    return it;
}

/* Fill *e from it; the bytes after each string's NUL are left as they were
 * unless whole (a copy handed out is zeroed first, prov_gm_any's scratch
 * entry, filled for every item of a walk, is not). */
static void fill_entry(const gm_item *it, prov_gm_entry *e, int whole)
{
    if (whole)
        memset(e, 0, sizeof *e);
    /* the strings came from fields of these sizes: they fit */
    strcpy(e->uid, it->key_uid);
    strcpy(e->group_id, it->key_group);
    strcpy(e->ns, it->ns);
    strcpy(e->name, it->name);
    strcpy(e->request_id, it->request_id);
    memcpy(e->eci_status, it->eci_status, sizeof e->eci_status);
    e->status_sig = it->status_sig;
    e->created = it->created;
    e->deleting = it->deleting;
    e->stopped = it->stopped;
    e->legacy = it->legacy;
}

static void entry_of(const gm_item *it, prov_gm_entry *e) { fill_entry(it, e, 1); }

static gm_item *find_uid(prov_gm *m, const char *uid) { return htab_get(&m->by_uid, uid); }

static gm_item *find_group(prov_gm *m, const char *gid) { return gid[0] ? htab_get(&m->by_group, gid) : NULL; }

/* Unlink it from both tables (m->mu held). */
static void unlink_item(prov_gm *m, gm_item *it)
{
    htab_del(&m->by_uid, it->key_uid);
    if (it->key_group[0] && htab_get(&m->by_group, it->key_group) == it)
        htab_del(&m->by_group, it->key_group);
}

void prov_gm_put(prov_gm *m, const prov_gm_entry *e)
{
    gm_item *it = item_of(e);
    pthread_mutex_lock(&m->mu);
    gm_item *old = find_uid(m, it->key_uid);
    if (old)
        unlink_item(m, old);
    htab_put(&m->by_uid, it);
    /* One entry per group id in the reverse index: the newest put of an id wins. */
    if (it->key_group[0]) {
        htab_del(&m->by_group, it->key_group);
        htab_put(&m->by_group, it);
    }
    pthread_mutex_unlock(&m->mu);
    free(old);
}

int prov_gm_get(prov_gm *m, const char *uid, prov_gm_entry *out)
{
    pthread_mutex_lock(&m->mu);
    gm_item *it = find_uid(m, uid);
    if (it && out)
        entry_of(it, out);
    pthread_mutex_unlock(&m->mu);
    return it ? 0 : -1;
}

int prov_gm_get_by_group(prov_gm *m, const char *group_id, prov_gm_entry *out)
{
    pthread_mutex_lock(&m->mu);
    gm_item *it = find_group(m, group_id);
    if (it && out)
        entry_of(it, out);
    pthread_mutex_unlock(&m->mu);
    return it ? 0 : -1;
}

int prov_gm_del(prov_gm *m, const char *uid)
{
    pthread_mutex_lock(&m->mu);
    gm_item *it = find_uid(m, uid);
    if (it)
        unlink_item(m, it);
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
            snprintf(it->eci_status, sizeof it->eci_status, "%s", eci_status);
        it->status_sig = status_sig;
    }
    pthread_mutex_unlock(&m->mu);
    return it ? 0 : -1;
}

int prov_gm_set_deleting(prov_gm *m, const char *uid, int deleting)
{
    pthread_mutex_lock(&m->mu);
    gm_item *it = find_uid(m, uid);
    if (it)
        it->deleting = deleting != 0;
    pthread_mutex_unlock(&m->mu);
    return it ? 0 : -1;
}

int prov_gm_set_stopped(prov_gm *m, const char *uid)
{
    pthread_mutex_lock(&m->mu);
    gm_item *it = find_uid(m, uid);
    if (it)
        it->stopped = 1;
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
            entry_of(it, &out[k++]);
    *n = k;
    pthread_mutex_unlock(&m->mu);
    return out;
}

int prov_gm_any(prov_gm *m, int (*pred)(const prov_gm_entry *e, void *arg), void *arg)
{
    pthread_mutex_lock(&m->mu);
    int found = 0;
    prov_gm_entry e;
    for (size_t i = 0; i < m->by_uid.nb && !found; i++)
        for (gm_item *it = m->by_uid.b[i]; it && !found; it = it->next_uid) {
            fill_entry(it, &e, 0);
            found = pred(&e, arg) != 0;
        }
    pthread_mutex_unlock(&m->mu);
    return found;
}
